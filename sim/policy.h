/* policy.h: the layouts of the policy type tables (private to the model).
 *
 * A policy is a const table of a name and function pointers, in the manner
 * of gsl_rng_type.  Adding a policy is one new table (in policy.c or a new
 * policy_*.c file) plus one line in its kind's registry array in policy.c;
 * the scenario loader then accepts the name through cy_policy.h and the
 * model looks the table up by name in cy_model_alloc(). */
#ifndef CYSIM_POLICY_H
#define CYSIM_POLICY_H

#include "cysim/cy_policy.h"
#include "cysim/cy_rng.h"

#include <stddef.h>

struct cy_model;

/* Attack policy: the weights w_ij of MODEL.md §2.  weights() fills w[j] for
 * every j != i (w[i] is ignored) from attacker i's hostility row h_row[j]
 * and the targets' current values value[j].  Weights must be >= 0. */
typedef struct cy_attack_policy_type {
  const char *name;
  void (*weights)(size_t n, size_t i, const double *h_row, const double *value,
                  double *w);
} cy_attack_policy_type;

/* Response policy (MODEL.md §4): the optype of the operation launched in
 * response to a blame for optype k, or -1 for no response.  `next` is the
 * next more severe optype than k (k itself when k is the most severe) and
 * `escalate` the state's response.escalate probability.  A policy draws
 * from x only when it needs randomness. */
typedef struct cy_response_policy_type {
  const char *name;
  int (*choose)(int k, int next, double escalate, cy_xoshiro *x);
} cy_response_policy_type;

/* Review policy (MODEL.md §5): what a state does at each of its reviews.
 * It runs inside the model and so receives the model itself. */
typedef struct cy_review_policy_type {
  const char *name;
  void (*review)(struct cy_model *m, size_t state);
} cy_review_policy_type;

/* Registry look-ups by scenario name; NULL when unknown. */
const cy_attack_policy_type *cy_attack_policy_find(const char *name);
const cy_response_policy_type *cy_response_policy_find(const char *name);
const cy_review_policy_type *cy_review_policy_find(const char *name);

/* The periodic review (relaxation, tech transfer, working-group collapse),
 * implemented in model.c because it works on the model's state. */
void cy_model_review_periodic(struct cy_model *m, size_t state);

#endif
