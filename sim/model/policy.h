/* policy.h: the policy type tables and what a policy sees (private to the
 * model).
 *
 * A policy is a const table of a name and one function, in the manner of
 * gsl_rng_type.  The function receives a context, never the model: the
 * context holds exactly what a policy of its kind may read, and pointers to
 * exactly what it may change.  So policy.c depends on nothing in model.c,
 * and model.c calls policies only through these tables.
 *
 * A policy's scenario parameters reach it as ctx->spec, its state's whole
 * cy_state_spec: a policy that needs a new parameter reads it there, and
 * neither this header nor model.c changes (the scenario side gains the key;
 * see cy_scenario.h).  A policy that needs more of the run's state than its
 * context holds extends the context here and fills it in model.c.
 *
 * Adding a policy: its function and table in policy.c, and one line in its
 * kind's list there; the registry, cy_policy_count/name/index (cy_policy.h)
 * and so the scenario loader and `cysim validate` follow from that list. */
#ifndef CYSIM_POLICY_H
#define CYSIM_POLICY_H

#include "cysim/cy_policy.h"
#include "cysim/cy_scenario.h"
#include "draws.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- attack: the weights w_ij of MODEL.md §2 ---- */

typedef struct cy_attack_context {
  size_t n_states;
  size_t attacker;
  const cy_state_spec *spec; /* the attacker's scenario parameters */
  const double *hostility;   /* [n_states] the attacker's row h[attacker][.] */
  const double *value;       /* [n_states] every state's current value */
} cy_attack_context;

/* weights() fills weight[target] >= 0 for every target != ctx->attacker
 * (weight[attacker] is ignored).  It draws no random numbers: the model
 * calls it whenever an input of the attacker's intensities changes.
 * weight() gives the one weight weights() gives target, bit for bit (the
 * same operations in the same order): when one entry of a hostility row
 * changes, the model recomputes that one channel's intensity instead of
 * the row's N (tests/test_model_determinism.c checks the equality). */
typedef struct cy_attack_policy_type {
  const char *name;
  void (*weights)(const cy_attack_context *ctx, double *weight);
  double (*weight)(const cy_attack_context *ctx, size_t target);
} cy_attack_policy_type;

/* ---- response: MODEL.md §4 ---- */

typedef struct cy_response_context {
  size_t responder;          /* the state that was hit and blames */
  size_t blamed;             /* the state it will answer */
  const cy_state_spec *spec; /* the responder's scenario parameters */
  int optype;                /* the optype it blames `blamed` for */
  int more_severe; /* the next optype up the ladder (optype if last) */
  uint64_t draws;  /* this response's block (draws.h) */
} cy_response_context;

/* choose() returns the optype of the operation launched in response, or -1
 * for no response.  Its randomness is cy_crn_uniform(ctx->draws, purpose)
 * for a purpose of draws.h (CY__DRAW_ESCALATE): a pure function of the
 * response, so whatever it draws or skips changes no other draw. */
typedef struct cy_response_policy_type {
  const char *name;
  int (*choose)(const cy_response_context *ctx);
} cy_response_policy_type;

/* ---- review: the state's own step at each review, MODEL.md §5 ---- */

typedef struct cy_review_context {
  size_t n_states;
  size_t state;              /* the reviewing state */
  double now;                /* the review's day */
  const cy_state_spec *spec; /* its scenario parameters (review.interval) */
  const double *attr;        /* [CY_ATTR_COUNT] its live attributes */
  const double *baseline;    /* [n_states] its baseline row b[state][.] */
  double *hostility;         /* [n_states] its row h[state][.]: may change */
  uint64_t draws;            /* this review's block (draws.h), if needed */
} cy_review_context;

/* review() may change the state's hostility row (not its own entry) and
 * returns true when it wrote any of it; the model then recomputes the
 * state's intensities.  What the state's alliances do at its review (tech
 * transfer, working-group collapse) are rules of their clauses, which the
 * model applies after the policy whatever policy the state has. */
typedef struct cy_review_policy_type {
  const char *name;
  bool (*review)(const cy_review_context *ctx);
} cy_review_policy_type;

/* Registry look-ups by scenario name; NULL when unknown. */
const cy_attack_policy_type *cy__attack_policy_find(const char *name);
const cy_response_policy_type *cy__response_policy_find(const char *name);
const cy_review_policy_type *cy__review_policy_find(const char *name);

#endif
