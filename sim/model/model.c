/* model.c: the cyber-conflict model of MODEL.md §1-5 and §10 (see
 * cy_model.h and sim/MODEL.md, which states every rule and every choice
 * made where the specification is silent).
 *
 * Structure.  Every ordered pair (attacker, target) is an attack channel
 * (§10.1): a Poisson process of intensity r = intensity[pair], run by the
 * next reaction method (Gibson & Bruck 2000).  The channel's clock is a
 * unit exponential; it fires when the integrated intensity since it was
 * drawn reaches it.  clock_left[pair] is the unspent part at clock_at[pair]
 * (kernel time); the pending firing is the kernel token `pair`.  When r
 * changes the unspent part is kept and the firing rescheduled at
 * now + left / r (never redrawn); r = 0 parks the clock.  Whatever changes
 * an input of an attacker's intensities (its hostility or fear row,
 * exposures, values, attack rate, nonaggression coverage) calls
 * row_update(), which computes the row afresh from those inputs and
 * reschedules exactly the channels whose r changed bits; when one entry
 * of a row without nonaggression partners changed, channel_update()
 * recomputes that entry alone (the only one that can change), so an
 * attribution costs O(1) rather than O(N).  Alliances keep member lists,
 * so intel sharing, mutual defence and working groups cost O(members).
 *
 * Other events carry their payload in the kernel event: obj packs
 * (attacker, target, optype, flags, victim) in 8+8+4+4+8 bits, which
 * N <= 256 and K <= 16 allow, and arg is the low 32 bits of the
 * operation's or response's index, from which its draws are derived
 * again.  A run allocates nothing per event.
 *
 * Random numbers (§10.1, draws.h): every draw is a pure function of (the
 * replication key, source, index, purpose).  An operation's uniforms come
 * from its own block whatever else happens, so a rule that fires at one
 * sweep point and not at another shifts nothing else.
 *
 * Time (§10.2): the kernel's clock starts at 0, the model's at -warmup;
 * model day = kernel time - warmup.  Nothing is counted before day 0.
 *
 * Policies (policy.h) are called only through their type tables, with a
 * context of what they may read and change; they never see the model.
 *
 * Names follow the roles of MODEL.md: an operation goes from `attacker` to
 * `target`; on attribution the `victim` blames `blamed` (the attacker, or an
 * innocent state), and answers as a `responder`; the other states of an
 * alliance are its `member`s. */
#include "cysim/cy_kernel.h"
#include "cysim/cy_model.h"
#include "cysim/cy_rng.h"
#include "draws.h"
#include "policy.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
  EV_CHANNEL,    /* token event: channel obj = attacker * N + target fires */
  EV_DETECT,     /* obj = pack(...), arg = index */
  EV_ATTRIBUTE,  /* obj = pack(...), arg = index */
  EV_RESPONSE,   /* obj = pack(responder, blamed, optype, victim), arg = m */
  EV_REVIEW,     /* obj = state, arg = k: the review at day k * interval */
  EV_TIMELINE,   /* obj = timeline index */
  EV_ALLY_START, /* obj = alliance */
  EV_ALLY_UNTIL, /* obj = alliance */
};

/* pack() flags: the operation is a response (its draws come from the
 * RESPONSE source, else from OP). */
enum { OP_RESPONSE = 1 };

/* What a member does for a victim under mutual defence (m->defends bits). */
enum { DEFEND_RAISE = 1, DEFEND_RESPOND = 2 };

/* One alliance as a run goes (its scenario spec has the same index). */
typedef struct alliance_run {
  uint8_t *is_member; /* [N] current membership */
  uint8_t *member;    /* [N] the current members, ascending: n_members */
  size_t n_members;
  bool started, ended;
  bool group_ended; /* its working group */
  /* Tolerance breach rule: the times of the last breach_cap breaches, a
   * ring whose next slot is next_breach. */
  double *breach_times;
  uint32_t breach_cap, n_breaches, next_breach;
} alliance_run;

/* One operation in flight: who, what, and where its draws come from. */
typedef struct op_ref {
  size_t attacker, target;
  int optype;
  bool is_response;
  size_t victim; /* responses: whom it answers for (== attacker if own) */
  uint64_t index;
  uint64_t draws; /* its block */
} op_ref;

struct cy_model {
  const cy_scenario *scenario;
  size_t n_states, n_optypes, n_alliances;
  cy_kernel kernel;
  gsl_rng *gsl;    /* for the rare Gamma draws, seeded per draw */
  uint64_t key;    /* the replication key (§10.1) */
  double warmup;   /* W: model day = kernel time - W */
  cy_outcome *out; /* the record being filled (during a run only) */
  int err;         /* CY_ENOMEM once scheduling failed */
  /* The state whose review is running (its row is recomputed at the end
   * of the review, so it may be stale until then), or SIZE_MAX. */
  size_t reviewing;
  bool log_events;

  const cy_attack_policy_type **attack;     /* [N] each state's policies */
  const cy_response_policy_type **response; /* [N] */
  const cy_review_policy_type **review;     /* [N] */
  double *mix_cdf;                 /* [N*K] normalised cumulative mix */
  int more_severe[CY_MAX_OPTYPES]; /* the escalation ladder (§10.4) */

  double (*attr)[CY_ATTR_COUNT]; /* [N] live state attributes */
  double *value;                 /* [N] mirror of attr[.][VALUE] */
  double *hostility;             /* [N*N] h, [from*N + toward] */
  double *fear;                  /* [N*N] F, [from*N + toward] */
  double *intensity;             /* [N*N] r, [attacker*N + target] */
  double *clock_left, *clock_at; /* [N*N] channel clocks (above) */
  uint64_t *n_clock;             /* [N*N] clocks drawn = ops launched */
  uint64_t *n_response;          /* [N*N] responses of [j*N + a] */
  /* [N*N] each pair's CLOCK, OP and RESPONSE sources (cy_crn_source()),
   * derived once per replication: two mixes saved per draw block. */
  uint64_t *src_clock, *src_op, *src_response;
  double *weight, *undisplaced;      /* [N] row_update() scratch */
  double *compliance, *displacement; /* [N*N] nonaggression coverage */
  uint8_t *is_partner;               /* [N*N] covered by some clause */
  uint16_t *n_partners;              /* [N] is_partner's row counts */
  uint32_t *covered;                 /* [N*N] the pairs is_partner marks */
  size_t n_covered;                  /* ... and their number */
  uint8_t *row_dirty;                /* [N] rows whose coverage changed */
  uint8_t *defender;                 /* [N] mutual-defence scratch list */
  double *boost, *boost_until;       /* [N*N] [defender*N + attacker] */
  double *solidarity;                /* [N] mutual-defence scratch */
  uint8_t *defends;                  /* [N] mutual-defence scratch */
  alliance_run *alliances;           /* [A] */
};

/* Every array above but `alliances`, with its length (n states, nn pairs,
 * nk states x optypes): cy_model_alloc() allocates and cy_model_free()
 * frees them from this one list. */
#define MODEL_ARRAYS(X)                                                        \
  X(attack, n)                                                                 \
  X(response, n)                                                               \
  X(review, n)                                                                 \
  X(mix_cdf, nk)                                                               \
  X(attr, n)                                                                   \
  X(value, n)                                                                  \
  X(hostility, nn)                                                             \
  X(fear, nn)                                                                  \
  X(intensity, nn)                                                             \
  X(clock_left, nn)                                                            \
  X(clock_at, nn)                                                              \
  X(n_clock, nn)                                                               \
  X(n_response, nn)                                                            \
  X(src_clock, nn)                                                             \
  X(src_op, nn)                                                                \
  X(src_response, nn)                                                          \
  X(weight, n)                                                                 \
  X(undisplaced, n)                                                            \
  X(compliance, nn)                                                            \
  X(displacement, nn)                                                          \
  X(is_partner, nn)                                                            \
  X(n_partners, n)                                                             \
  X(covered, nn)                                                               \
  X(row_dirty, n)                                                              \
  X(defender, n)                                                               \
  X(boost, nn)                                                                 \
  X(boost_until, nn)                                                           \
  X(solidarity, n)                                                             \
  X(defends, n)

static inline uint32_t pack(size_t attacker, size_t target, int optype,
                            unsigned flags, size_t victim) {
  return (uint32_t)attacker | (uint32_t)target << 8 | (uint32_t)optype << 16 |
         (uint32_t)flags << 20 | (uint32_t)victim << 24;
}

/* The operation an event refers to, its block derived again. */
static op_ref unpack(const cy_model *m, uint32_t obj, uint32_t index) {
  op_ref op = {
      .attacker = obj & 0xffu,
      .target = (obj >> 8) & 0xffu,
      .optype = (int)((obj >> 16) & 0xfu),
      .is_response = ((obj >> 20) & OP_RESPONSE) != 0,
      .victim = (obj >> 24) & 0xffu,
      .index = index,
  };
  size_t pair = op.attacker * m->n_states + op.target;
  op.draws = cy_crn_block(
      op.is_response ? m->src_response[pair] : m->src_op[pair], op.index);
  return op;
}

static inline uint32_t pack_op(const op_ref *op) {
  return pack(op->attacker, op->target, op->optype,
              op->is_response ? OP_RESPONSE : 0, op->victim);
}

/* The model's day now (§10.2: the kernel starts at day -warmup). */
static inline double now_of(const cy_model *m) {
  return cy_kernel_now(&m->kernel) - m->warmup;
}

/* Whether the current event happens in the counted window [0, horizon). */
static inline bool counting(const cy_model *m) { return now_of(m) >= 0.0; }

static void fail(cy_model *m, int code) {
  if (!m->err)
    m->err = code;
  cy_kernel_stop(&m->kernel);
}

/* Schedules at model day t. */
static void schedule(cy_model *m, double t, unsigned kind, uint32_t obj,
                     uint32_t arg) {
  double at = t + m->warmup;
  /* Rounding of t + W - W may put `at` a hair before now. */
  if (at < cy_kernel_now(&m->kernel))
    at = cy_kernel_now(&m->kernel);
  if (cy_kernel_at(&m->kernel, at, kind, obj, arg) != 0)
    fail(m, CY_ENOMEM);
}

/* Schedules at delay dt >= 0 from now. */
static void schedule_after(cy_model *m, double dt, unsigned kind, uint32_t obj,
                           uint32_t arg) {
  if (cy_kernel_after(&m->kernel, dt, kind, obj, arg) != 0)
    fail(m, CY_ENOMEM);
}

static void log_event(cy_model *m, cy_log_kind kind, int optype, int attacker,
                      int target, int blamed, int other, double value) {
  if (!counting(m))
    return;
  /* Zeroed first so that the padding bytes are reproducible too. */
  cy_log_record rec;
  memset(&rec, 0, sizeof rec);
  rec.time = now_of(m);
  rec.value = value;
  rec.kind = (uint8_t)kind;
  rec.optype = optype < 0 ? 255 : (uint8_t)optype;
  rec.attacker = (int16_t)attacker;
  rec.target = (int16_t)target;
  rec.blamed = (int16_t)blamed;
  rec.other = other;
  if (cy_outcome_log(m->out, &rec) != 0)
    fail(m, CY_ENOMEM);
}

static inline bool alliance_active(const cy_model *m, size_t alliance) {
  return m->alliances[alliance].started && !m->alliances[alliance].ended;
}

/* Whether alliance has clause and both states as current members. */
static inline bool binds(const cy_model *m, size_t alliance, unsigned clause,
                         size_t one, size_t other) {
  const uint8_t *is_member = m->alliances[alliance].is_member;
  return (m->scenario->alliances[alliance].clauses & clause) &&
         is_member[one] && is_member[other];
}

/* ---- channels and intensities (MODEL.md §2, §10.1, §10.3) ---- */

/* The block of clock `index` of a channel. */
static inline uint64_t clock_draws(const cy_model *m, size_t pair,
                                   uint64_t index) {
  return cy_crn_block(m->src_clock[pair], index);
}

/* Schedules the channel's firing from its unspent clock, or parks it when
 * its intensity is 0. */
static void channel_schedule(cy_model *m, size_t pair) {
  double rate = m->intensity[pair];
  if (rate > 0.0) {
    double t = m->clock_at[pair] + m->clock_left[pair] / rate;
    if (cy_kernel_token_at(&m->kernel, t, EV_CHANNEL, (uint32_t)pair) != 0)
      fail(m, CY_ENOMEM);
  } else {
    cy_kernel_token_cancel(&m->kernel, (uint32_t)pair);
  }
}

/* The channel's intensity becomes `rate` now: the clock spent
 * old rate x elapsed since clock_at, the rest is kept (§10.1: rescaled,
 * never redrawn). */
static void channel_set_rate(cy_model *m, size_t pair, double rate) {
  double now = cy_kernel_now(&m->kernel);
  double left =
      m->clock_left[pair] - m->intensity[pair] * (now - m->clock_at[pair]);
  m->clock_left[pair] = left > 0.0 ? left : 0.0;
  m->clock_at[pair] = now;
  m->intensity[pair] = rate;
  channel_schedule(m, pair);
}

/* The channel's next clock, drawn when the previous one fired. */
static void channel_next_clock(cy_model *m, size_t pair) {
  uint64_t index = ++m->n_clock[pair];
  m->clock_left[pair] = cy_crn_exp(clock_draws(m, pair, index), CY__DRAW_CLOCK);
  m->clock_at[pair] = cy_kernel_now(&m->kernel);
  channel_schedule(m, pair);
}

/* u_ij of §10.3 from its inputs: lambda w e exp(-kappa F), computed afresh.
 * exp(-0.0) is exactly 1, so kappa = 0 or F = 0 gives the v1 intensity bit
 * for bit.  The one formula both the row and the one-channel update use. */
static inline double undeterred_of(double attack_rate, double weight,
                                   double exposure, double deterrence,
                                   double fear) {
  double deterred = deterrence * fear;
  /* exp(-0.0) == 1 exactly: skipping it changes no bit. */
  return attack_rate * weight * exposure *
         (deterred == 0.0 ? 1.0 : exp(-deterred));
}

/* u_ij for one target given its weight. */
static inline double undeterred(const cy_model *m, size_t attacker,
                                size_t target, double weight) {
  if (target == attacker)
    return 0.0;
  return undeterred_of(m->attr[attacker][CY_ATTR_ATTACK_RATE], weight,
                       m->attr[target][CY_ATTR_EXPOSURE],
                       m->scenario->states[attacker].attack.deterrence,
                       m->fear[attacker * m->n_states + target]);
}

static inline cy_attack_context attack_context(const cy_model *m,
                                               size_t attacker) {
  return (cy_attack_context){
      .n_states = m->n_states,
      .attacker = attacker,
      .spec = &m->scenario->states[attacker],
      .hostility = m->hostility + attacker * m->n_states,
      .value = m->value,
  };
}

/* The attacker's row of u_ij into m->undisplaced. */
static void undeterred_row(cy_model *m, size_t attacker) {
  const cy_attack_context ctx = attack_context(m, attacker);
  m->attack[attacker]->weights(&ctx, m->weight);
  /* The row's constants in locals: the stores to undisplaced may alias any
   * double read through m, so the compiler reloaded each of them for every
   * target (a review is N of these: world.cfg ran 5% fewer instructions
   * with them in locals). */
  size_t n = m->n_states;
  const double attack_rate = m->attr[attacker][CY_ATTR_ATTACK_RATE];
  const double deterrence = m->scenario->states[attacker].attack.deterrence;
  const double *fear = m->fear + attacker * n, *weight = m->weight;
  const double(*attr)[CY_ATTR_COUNT] = m->attr;
  double *undisplaced = m->undisplaced;
  for (size_t target = 0; target < n; target++)
    undisplaced[target] = target == attacker
                              ? 0.0
                              : undeterred_of(attack_rate, weight[target],
                                              attr[target][CY_ATTR_EXPOSURE],
                                              deterrence, fear[target]);
}

/* Recomputes the attacker's row of intensities from its inputs and
 * reschedules each channel whose intensity changed.  Its partners are the
 * states an active nonaggression clause covers with it; the intensity they
 * lose times the clause's displacement goes to its other targets in
 * proportion to their undisplaced intensity.  Intensity lost to deterrence
 * is removed, not displaced (§10.3). */
/* The attacker's row of intensities, computed afresh from its inputs into
 * m->undisplaced (each entry is replaced by its rate; the sums are taken
 * first). */
static void row_rates(cy_model *m, size_t attacker) {
  size_t n = m->n_states, row = attacker * n;
  undeterred_row(m, attacker);
  /* Without partners nothing is displaced (displaced stays 0 below) and
   * every rate is its u_ij: the sums, a serial chain of N additions that
   * perf put at a sixth of row_update()'s time in world.cfg, are not
   * needed. */
  if (!m->n_partners[attacker])
    return;
  double *undisplaced = m->undisplaced;
  const double *compliance = m->compliance + row;
  const double *displacement = m->displacement + row;
  const uint8_t *is_partner = m->is_partner + row;
  double displaced = 0.0, outside = 0.0;
  for (size_t target = 0; target < n; target++) {
    if (is_partner[target])
      displaced +=
          undisplaced[target] * compliance[target] * displacement[target];
    else
      outside += undisplaced[target];
  }
  for (size_t target = 0; target < n; target++) {
    double rate;
    if (is_partner[target])
      rate = undisplaced[target] * (1.0 - compliance[target]);
    else if (displaced > 0.0 && outside > 0.0)
      rate = undisplaced[target] + displaced * undisplaced[target] / outside;
    else
      rate = undisplaced[target];
    undisplaced[target] = rate;
  }
}

static void row_update(cy_model *m, size_t attacker) {
  size_t n = m->n_states, row = attacker * n;
  row_rates(m, attacker);
  for (size_t target = 0; target < n; target++)
    if (target != attacker &&
        m->undisplaced[target] != m->intensity[row + target])
      channel_set_rate(m, row + target, m->undisplaced[target]);
}

#ifndef NDEBUG
/* Whether the attacker's intensities are those row_update() would give
 * them now: the invariant that lets channel_update() and
 * structure_changed() recompute less than every row (checked by the
 * assertions of every Debug build and test run). */
static bool row_is_current(cy_model *m, size_t attacker) {
  size_t n = m->n_states, row = attacker * n;
  row_rates(m, attacker);
  for (size_t target = 0; target < n; target++)
    if (target != attacker &&
        m->undisplaced[target] != m->intensity[row + target])
      return false;
  return true;
}
#endif

/* Only the attacker's inputs for target changed (its hostility or fear
 * toward target).  Without partners the row's intensities are each its
 * u_ij alone, so only this channel's can change, and recomputing it gives
 * the bits row_update() would give it (the same operations in the same
 * order); every other channel would be left alone there too.  With
 * partners every intensity of the row depends on the row's sums: the
 * whole row is recomputed. */
static void channel_update(cy_model *m, size_t attacker, size_t target) {
  if (m->n_partners[attacker]) {
    row_update(m, attacker);
    return;
  }
  if (target == attacker)
    return;
  const cy_attack_context ctx = attack_context(m, attacker);
  size_t pair = attacker * m->n_states + target;
  double rate = undeterred(m, attacker, target,
                           m->attack[attacker]->weight(&ctx, target));
  if (rate != m->intensity[pair])
    channel_set_rate(m, pair, rate);
}

/* One active nonaggression clause covers every ordered pair of its members.
 * Several clauses covering one pair: the largest compliance wins (MODEL.md),
 * with its own displacement (the larger one on a tie). */
static void cover_members(cy_model *m, const alliance_run *run,
                          double compliance, double displacement) {
  size_t n = m->n_states;
  for (size_t i = 0; i < run->n_members; i++) {
    size_t attacker = run->member[i];
    for (size_t j = 0; j < run->n_members; j++) {
      size_t partner = run->member[j];
      if (partner == attacker)
        continue;
      size_t pair = attacker * n + partner;
      if (!m->is_partner[pair]) {
        m->is_partner[pair] = 1;
        m->n_partners[attacker]++;
        m->covered[m->n_covered++] = (uint32_t)pair;
        m->row_dirty[attacker] = 1;
      } else if (!(compliance > m->compliance[pair] ||
                   (compliance == m->compliance[pair] &&
                    displacement > m->displacement[pair]))) {
        continue;
      }
      m->compliance[pair] = compliance;
      m->displacement[pair] = displacement;
    }
  }
}

/* Recomputes nonaggression coverage from the active alliances, clearing
 * only the pairs covered before; the rows of every pair covered before or
 * after are marked in row_dirty. */
static void coverage_update(cy_model *m) {
  size_t n = m->n_states;
  for (size_t i = 0; i < m->n_covered; i++) {
    size_t pair = m->covered[i];
    m->is_partner[pair] = 0;
    m->compliance[pair] = m->displacement[pair] = 0.0;
    m->n_partners[pair / n] = 0;
    m->row_dirty[pair / n] = 1;
  }
  m->n_covered = 0;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    if (!(spec->clauses & CY_CLAUSE_NONAGGRESSION) ||
        !alliance_active(m, alliance))
      continue;
    cover_members(m, &m->alliances[alliance], spec->nonaggression.compliance,
                  spec->nonaggression.displacement);
  }
}

static void rows_update_all(cy_model *m) {
  for (size_t attacker = 0; attacker < m->n_states; attacker++)
    row_update(m, attacker);
}

/* Alliance membership or activity changed.  Of the intensities' inputs
 * only nonaggression coverage depends on alliances, and a row that has no
 * partner before or after keeps every input: recomputing it would change
 * no bit.  So only the rows coverage_update() marked are recomputed, in
 * the order rows_update_all() would take them. */
static void structure_changed(cy_model *m) {
  coverage_update(m);
  for (size_t attacker = 0; attacker < m->n_states; attacker++)
    if (m->row_dirty[attacker]) {
      m->row_dirty[attacker] = 0;
      row_update(m, attacker);
    } else {
      assert(attacker == m->reviewing || row_is_current(m, attacker));
    }
}

/* Ends the alliance (a disabled one never started and never ends: §10.4).
 * An end during the warm-up is recorded with its negative day (§10.2). */
static void alliance_end(cy_model *m, size_t alliance) {
  if (m->alliances[alliance].ended || !m->scenario->alliances[alliance].enabled)
    return;
  m->alliances[alliance].ended = true;
  m->out->alliance_ended[alliance] = 1;
  m->out->alliance_end_day[alliance] = now_of(m);
  if (m->log_events)
    log_event(m, CY_LOG_ALLIANCE_END, -1, -1, -1, -1, (int)alliance, 0.0);
  structure_changed(m);
}

/* The working group of the alliance ends (collapse at a review, or an
 * indictment).  An alliance whose only clause is the working group has
 * nothing left to do without it, so it ends too, through the same path as
 * every other ending: otherwise /summary/alliance_ended would never show a
 * collapsed group (the 2014 US-Russia group of baseline_2014.cfg).  Its
 * ending changes no coverage, so no operation is redrawn and the random
 * stream is the same as when the alliance lived on.  Alliances with other
 * clauses keep them; only the dampening stops. */
static void working_group_end(cy_model *m, size_t alliance) {
  if (m->alliances[alliance].group_ended)
    return;
  m->alliances[alliance].group_ended = true;
  if (m->scenario->alliances[alliance].clauses == CY_CLAUSE_WORKING_GROUP)
    alliance_end(m, alliance);
}

/* ---- resolution (MODEL.md §3) ---- */

static inline double boost_against(const cy_model *m, size_t defender,
                                   size_t attacker) {
  size_t pair = defender * m->n_states + attacker;
  return m->boost_until[pair] > now_of(m) ? m->boost[pair] : 0.0;
}

/* The block of the indicator `receiver` gets from the detection of op. */
static uint64_t share_draws(const cy_model *m, size_t alliance, size_t receiver,
                            const op_ref *op) {
  unsigned kind = op->is_response ? CY__SRC_SHARE_RESPONSE : CY__SRC_SHARE_OP;
  return cy_crn_block(
      cy_crn_source(m->key,
                    cy_crn_code(kind, (uint32_t)alliance, (unsigned)receiver,
                                (unsigned)op->attacker, (unsigned)op->target)),
      op->index);
}

/* Intel sharing: the target of op detected it. */
static void share_intel(cy_model *m, const op_ref *op) {
  double now = now_of(m);
  size_t detector = op->target, attacker = op->attacker;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    const alliance_run *run = &m->alliances[alliance];
    if (!(spec->clauses & CY_CLAUSE_INTEL_SHARING) ||
        !alliance_active(m, alliance) || !run->is_member[detector])
      continue;
    /* Each member's indicator is its own draw and it writes its own pair
     * only, so the members' order does not matter. */
    for (size_t i = 0; i < run->n_members; i++) {
      size_t member = run->member[i];
      if (member == detector || member == attacker)
        continue;
      if (!(cy_crn_uniform(share_draws(m, alliance, member, op),
                           CY__DRAW_SHARE) < spec->intel_sharing.share))
        continue;
      size_t pair = member * m->n_states + attacker;
      double until = now + spec->intel_sharing.ttl;
      if (until >= m->boost_until[pair]) {
        m->boost_until[pair] = until;
        m->boost[pair] = spec->intel_sharing.boost;
      }
    }
  }
}

static void detect(cy_model *m, const op_ref *op) {
  size_t target = op->target;
  if (counting(m))
    m->out->detected[op->attacker * m->n_states + target]++;
  if (m->log_events)
    log_event(m, CY_LOG_DETECT, op->optype, (int)op->attacker, (int)target, -1,
              -1, 0.0);
  share_intel(m, op);
  if (cy_crn_uniform(op->draws, CY__DRAW_ATTRIBUTE) <
      m->attr[target][CY_ATTR_ATTRIBUTION])
    schedule_after(m,
                   m->attr[target][CY_ATTR_ATTRIBUTION_DELAY] *
                       cy_crn_exp(op->draws, CY__DRAW_ATTRIBUTION_DELAY),
                   EV_ATTRIBUTE, pack_op(op), (uint32_t)op->index);
}

static void count_launch(cy_model *m, const op_ref *op) {
  size_t n = m->n_states, pair = op->attacker * n + op->target;
  cy_outcome *out = m->out;
  if (!counting(m))
    return;
  out->ops[pair]++;
  out->ops_by_type[op->optype]++;
  if (op->is_response)
    out->retaliations[pair]++;
  if (out->ts_ops) {
    size_t bin = (size_t)(now_of(m) / m->scenario->output.bin);
    if (bin >= out->n_bins)
      bin = out->n_bins - 1;
    out->ts_ops[bin * n * n + pair]++;
  }
  if (m->log_events)
    log_event(m, op->is_response ? CY_LOG_RESPONSE : CY_LOG_LAUNCH, op->optype,
              (int)op->attacker, (int)op->target, -1, -1, 0.0);
}

/* min(1, x) for the probabilities of every operation: fmin() is a libm
 * call (its NaN rules keep GCC from inlining it), and x is never NaN here
 * (attributes and boosts are checked numbers), so the result is the same. */
static inline double capped(double x) { return x < 1.0 ? x : 1.0; }

/* MODEL.md §3.1: o^m / (o^m + (q D)^m), 1/2 when both terms are 0. */
static double success_probability(const cy_model *m, size_t attacker,
                                  size_t target, int optype, double boost) {
  double defense = capped(m->attr[target][CY_ATTR_DEFENSE] + boost);
  double offense = m->attr[attacker][CY_ATTR_OFFENSE];
  double resisted = m->scenario->optypes[optype].difficulty * defense;
  double decisiveness = m->scenario->decisiveness;
  double attack_term =
      decisiveness == 1.0 ? offense : pow(offense, decisiveness);
  double defence_term =
      decisiveness == 1.0 ? resisted : pow(resisted, decisiveness);
  return attack_term + defence_term > 0.0
             ? attack_term / (attack_term + defence_term)
             : 0.5;
}

static void inflict_damage(cy_model *m, const op_ref *op) {
  const cy_scenario *s = m->scenario;
  size_t target = op->target;
  double damage = m->value[target] * s->optypes[op->optype].damage;
  if (s->damage_shape > 0.0 && damage > 0.0) {
    /* Gamma by GSL's method from a generator seeded by this operation's
     * own draw: still a pure function of the operation. */
    gsl_rng_set(m->gsl, (unsigned long)cy_crn_bits(op->draws, CY__DRAW_DAMAGE));
    damage = gsl_ran_gamma(m->gsl, s->damage_shape, damage / s->damage_shape);
  }
  if (!counting(m))
    return;
  size_t pair = op->attacker * m->n_states + target;
  m->out->successes[pair]++;
  m->out->damage[pair] += damage;
  if (m->log_events)
    log_event(m, CY_LOG_SUCCESS, op->optype, (int)op->attacker, (int)target, -1,
              -1, damage);
}

static void channel_update(cy_model *m, size_t attacker, size_t target);

/* §10.3: a successful response by a against i raises i's fear of a, and
 * of the victim it answered for when it was collective. */
static void instil_fear(cy_model *m, const op_ref *op) {
  size_t n = m->n_states, feared = op->attacker, fearful = op->target;
  double step = m->scenario->optypes[op->optype].severity;
  m->fear[fearful * n + feared] += step;
  if (op->victim != feared)
    m->fear[fearful * n + op->victim] += step;
  /* Without deterrence fear enters no intensity (exp(-0 F) == 1).  The
   * two channels in target order, as row_update() would take them. */
  if (m->scenario->states[fearful].attack.deterrence == 0.0)
    return;
  size_t first = feared < op->victim ? feared : op->victim;
  size_t second = feared < op->victim ? op->victim : feared;
  channel_update(m, fearful, first);
  if (second != first && !m->n_partners[fearful])
    channel_update(m, fearful, second);
  assert(row_is_current(m, fearful));
}

static void launch(cy_model *m, const op_ref *op) {
  size_t attacker = op->attacker, target = op->target;
  count_launch(m, op);
  double boost = boost_against(m, target, attacker);
  double p = success_probability(m, attacker, target, op->optype, boost);
  bool success = cy_crn_uniform(op->draws, CY__DRAW_SUCCESS) < p;
  if (success) {
    inflict_damage(m, op);
    if (op->is_response)
      instil_fear(m, op);
  } else if (m->log_events) {
    log_event(m, CY_LOG_BLOCKED, op->optype, (int)attacker, (int)target, -1, -1,
              0.0);
  }
  double detection = capped(m->attr[target][CY_ATTR_DETECTION] + boost);
  if (!(cy_crn_uniform(op->draws, CY__DRAW_DETECT) < detection))
    return;
  if (success)
    schedule_after(m,
                   m->attr[target][CY_ATTR_DWELL] *
                       cy_crn_exp(op->draws, CY__DRAW_DWELL),
                   EV_DETECT, pack_op(op), (uint32_t)op->index);
  else
    detect(m, op);
}

/* ---- reaction to an attribution (MODEL.md §4) ---- */

/* The responder considers answering blamed (its m-th time: m counts every
 * reaction of responder against blamed, own or collective, §10.1). */
static void respond(cy_model *m, size_t responder, size_t blamed, int optype,
                    size_t victim) {
  const cy_state_spec *spec = &m->scenario->states[responder];
  size_t pair = responder * m->n_states + blamed;
  uint64_t index = m->n_response[pair]++;
  uint64_t draws = cy_crn_block(m->src_response[pair], index);
  const cy_response_context ctx = {
      .responder = responder,
      .blamed = blamed,
      .spec = spec,
      .optype = optype,
      .more_severe = m->more_severe[optype],
      .draws = draws,
  };
  int answer = m->response[responder]->choose(&ctx);
  if (answer < 0)
    return;
  schedule_after(
      m, spec->response.delay * cy_crn_exp(draws, CY__DRAW_DELAY), EV_RESPONSE,
      pack(responder, blamed, answer, OP_RESPONSE, victim), (uint32_t)index);
}

static void breach(cy_model *m, size_t alliance) {
  const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
  alliance_run *run = &m->alliances[alliance];
  double now = now_of(m);
  /* §10.2: a breach in the warm-up counts toward the tolerance window but
   * not toward `breaches`. */
  if (counting(m))
    m->out->breaches[alliance]++;
  if (m->log_events)
    log_event(m, CY_LOG_BREACH, -1, -1, -1, -1, (int)alliance, 0.0);
  switch (spec->nonaggression.breach) {
  case CY_BREACH_GRIM:
    alliance_end(m, alliance);
    break;
  case CY_BREACH_TOLERANCE:
    run->breach_times[run->next_breach] = now;
    run->next_breach = (run->next_breach + 1) % run->breach_cap;
    if (run->n_breaches < run->breach_cap)
      run->n_breaches++;
    /* The oldest of the last `threshold` breaches sits at next_breach once
     * the ring is full. */
    if (run->n_breaches == run->breach_cap &&
        now - run->breach_times[run->next_breach] <= spec->nonaggression.window)
      alliance_end(m, alliance);
    break;
  case CY_BREACH_NEVER:
    break;
  }
}

/* The largest dampening of an active working group binding both states. */
static double group_dampening(const cy_model *m, size_t victim, size_t blamed) {
  double dampening = 0.0;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++)
    if (binds(m, alliance, CY_CLAUSE_WORKING_GROUP, victim, blamed) &&
        alliance_active(m, alliance) && !m->alliances[alliance].group_ended)
      dampening = fmax(
          dampening, m->scenario->alliances[alliance].working_group.dampening);
  return dampening;
}

static void raise_hostility(cy_model *m, size_t from, size_t toward,
                            double step) {
  double *h = &m->hostility[from * m->n_states + toward];
  double raised = fmin(1.0, *h + step);
  if (raised != *h) {
    *h = raised;
    channel_update(m, from, toward);
    assert(row_is_current(m, from));
  }
}

static void count_breaches(cy_model *m, size_t victim, size_t blamed) {
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++)
    if (binds(m, alliance, CY_CLAUSE_NONAGGRESSION, victim, blamed) &&
        alliance_active(m, alliance))
      breach(m, alliance);
}

/* Fills m->solidarity and m->defends for the members that stand by the
 * victim against blamed, and lists them in m->defender, ascending: each
 * acts once per attribution however many alliances bind it to the victim
 * (the largest solidarity counts).  Returns their number.  defends[] is
 * all zero between calls (mutual_defence() clears the entries it used). */
static size_t find_defenders(cy_model *m, size_t victim, size_t blamed) {
  size_t count = 0;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    const alliance_run *run = &m->alliances[alliance];
    if (!(spec->clauses & CY_CLAUSE_MUTUAL_DEFENCE) ||
        !alliance_active(m, alliance) || !run->is_member[victim] ||
        run->is_member[blamed])
      continue;
    for (size_t i = 0; i < run->n_members; i++) {
      size_t member = run->member[i];
      if (member == victim)
        continue;
      if (!m->defends[member]) {
        m->solidarity[member] = 0.0;
        m->defender[count++] = (uint8_t)member;
      }
      m->solidarity[member] =
          fmax(m->solidarity[member], spec->mutual_defence.solidarity);
      m->defends[member] |=
          DEFEND_RAISE |
          (spec->mutual_defence.collective_response ? DEFEND_RESPOND : 0);
    }
  }
  /* Members of several alliances come in alliance order: sort, so that
   * they act in state order (their responses take kernel sequences). */
  for (size_t i = 1; i < count; i++) {
    uint8_t member = m->defender[i];
    size_t j = i;
    for (; j > 0 && m->defender[j - 1] > member; j--)
      m->defender[j] = m->defender[j - 1];
    m->defender[j] = member;
  }
  return count;
}

static void mutual_defence(cy_model *m, size_t victim, size_t blamed,
                           int optype, double step) {
  size_t count = find_defenders(m, victim, blamed);
  for (size_t i = 0; i < count; i++) {
    size_t member = m->defender[i];
    raise_hostility(m, member, blamed, m->solidarity[member] * step);
    if (m->defends[member] & DEFEND_RESPOND)
      respond(m, member, blamed, optype, victim);
  }
  for (size_t i = 0; i < count; i++)
    m->defends[m->defender[i]] = 0;
}

/* The victim blames `blamed` for an operation of type optype. */
static void react(cy_model *m, size_t victim, size_t blamed, int optype) {
  double step = m->scenario->optypes[optype].severity *
                m->scenario->states[victim].response.escalation *
                (1.0 - group_dampening(m, victim, blamed));
  raise_hostility(m, victim, blamed, step);
  count_breaches(m, victim, blamed);
  respond(m, victim, blamed, optype, victim);
  mutual_defence(m, victim, blamed, optype, step);
}

/* ---- event handlers: operations ---- */

static int pick_optype(const cy_model *m, size_t attacker, uint64_t draws) {
  const double *cdf = m->mix_cdf + attacker * m->n_optypes;
  double v = cy_crn_uniform(draws, CY__DRAW_TYPE);
  int optype = 0;
  while (optype + 1 < (int)m->n_optypes && v >= cdf[optype])
    optype++;
  return optype;
}

/* Channel obj fires: its operation n (n = clocks drawn before this one). */
static void on_channel(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  size_t n = m->n_states, attacker = obj / n, target = obj % n;
  uint64_t index = m->n_clock[obj];
  /* The next clock first: launching changes no intensity of this channel
   * before it (a fear step changes the target's row only). */
  channel_next_clock(m, obj);
  op_ref op = {
      .attacker = attacker,
      .target = target,
      .victim = attacker,
      .index = index,
      .draws = cy_crn_block(m->src_op[obj], index),
  };
  op.optype = pick_optype(m, attacker, op.draws);
  launch(m, &op);
}

static void on_detect(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)kern;
  cy_model *m = ctx;
  op_ref op = unpack(m, obj, arg);
  detect(m, &op);
}

/* Whom the victim blames: the attacker, or with probability misattribution
 * a state drawn uniformly from the n - 2 that are neither. */
static size_t pick_blamed(const cy_model *m, const op_ref *op) {
  size_t n = m->n_states, attacker = op->attacker, victim = op->target;
  if (!(n > 2 && cy_crn_uniform(op->draws, CY__DRAW_MISATTRIBUTE) <
                     m->attr[victim][CY_ATTR_MISATTRIBUTION]))
    return attacker;
  size_t lo = attacker < victim ? attacker : victim;
  size_t hi = attacker < victim ? victim : attacker;
  size_t innocent =
      (size_t)(cy_crn_uniform(op->draws, CY__DRAW_BLAMED) * (double)(n - 2));
  if (innocent >= n - 2)
    innocent = n - 3;
  if (innocent >= lo)
    innocent++;
  if (innocent >= hi)
    innocent++;
  return innocent;
}

static void on_attribute(cy_kernel *kern, void *ctx, uint32_t obj,
                         uint32_t arg) {
  (void)kern;
  cy_model *m = ctx;
  op_ref op = unpack(m, obj, arg);
  size_t attacker = op.attacker, victim = op.target, n = m->n_states;
  size_t blamed = pick_blamed(m, &op);
  if (counting(m)) {
    if (blamed == attacker)
      m->out->attributed[attacker * n + victim]++;
    else
      m->out->misattributed[blamed * n + victim]++;
  }
  if (m->log_events)
    log_event(m, CY_LOG_ATTRIBUTE, op.optype, (int)attacker, (int)victim,
              (int)blamed, -1, 0.0);
  react(m, victim, blamed, op.optype);
}

static void on_response(cy_kernel *kern, void *ctx, uint32_t obj,
                        uint32_t arg) {
  (void)kern;
  cy_model *m = ctx;
  op_ref op = unpack(m, obj, arg);
  launch(m, &op);
}

/* ---- reviews (MODEL.md §5) ---- */

static bool run_review_policy(cy_model *m, size_t state, uint64_t draws) {
  size_t n = m->n_states;
  const cy_review_context ctx = {
      .n_states = n,
      .state = state,
      .now = now_of(m),
      .spec = &m->scenario->states[state],
      .attr = m->attr[state],
      .baseline = m->scenario->baseline + state * n,
      .hostility = m->hostility + state * n,
      .draws = draws,
  };
  return m->review[state]->review(&ctx);
}

/* §10.3: at each review, after hostility relaxes, fear decays by
 * exp(-interval / tau_F). */
static bool fear_decay(cy_model *m, size_t state) {
  const cy_state_spec *spec = &m->scenario->states[state];
  double kept = exp(-spec->review.interval / spec->attack.deterrence_memory);
  double *fear = m->fear + state * m->n_states;
  bool any = false;
  for (size_t other = 0; other < m->n_states; other++)
    if (fear[other] != 0.0) {
      fear[other] *= kept;
      any = true;
    }
  return any;
}

/* Tech transfer: the state's defense moves toward the members' largest. */
static void transfer_tech(cy_model *m, size_t alliance, size_t state) {
  const alliance_run *run = &m->alliances[alliance];
  double best = 0.0;
  for (size_t i = 0; i < run->n_members; i++)
    best = fmax(best, m->attr[run->member[i]][CY_ATTR_DEFENSE]);
  double *defense = &m->attr[state][CY_ATTR_DEFENSE];
  *defense +=
      m->scenario->alliances[alliance].tech_transfer.rate * (best - *defense);
}

/* The working group collapses when some pair of members has a mutual
 * hostility (the mean of its two directions) above collapse_hostility. */
static void check_working_group(cy_model *m, size_t alliance) {
  size_t n = m->n_states;
  const alliance_run *run = &m->alliances[alliance];
  double collapse =
      m->scenario->alliances[alliance].working_group.collapse_hostility;
  for (size_t i = 0; i < run->n_members; i++)
    for (size_t j = i + 1; j < run->n_members; j++) {
      size_t one = run->member[i], other = run->member[j];
      if (0.5 *
              (m->hostility[one * n + other] + m->hostility[other * n + one]) >
          collapse) {
        working_group_end(m, alliance);
        return;
      }
    }
}

/* What the state's alliances do at its review: rules of their clauses, the
 * same whatever the state's review policy. */
static void review_alliances(cy_model *m, size_t state) {
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    unsigned clauses = m->scenario->alliances[alliance].clauses;
    if (!alliance_active(m, alliance) ||
        !m->alliances[alliance].is_member[state])
      continue;
    if (clauses & CY_CLAUSE_TECH_TRANSFER)
      transfer_tech(m, alliance, state);
    if ((clauses & CY_CLAUSE_WORKING_GROUP) &&
        !m->alliances[alliance].group_ended)
      check_working_group(m, alliance);
  }
}

/* The review at day k * interval (§10.2: reviews fall on the multiples of
 * the interval, computed as products so that no sum drifts).  The row is
 * recomputed once, after the policy, the fear decay and the clauses, when
 * one of its inputs changed; row_update() reschedules only the channels
 * whose intensity changed. */
static void on_review(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)kern;
  cy_model *m = ctx;
  size_t state = obj;
  int32_t k = (int32_t)arg;
  uint64_t draws =
      cy_crn_block(cy_crn_source(m->key, cy_crn_code(CY__SRC_REVIEW, 0, 0,
                                                     (unsigned)state, 0)),
                   (uint64_t)(int64_t)k);
  m->reviewing = state;
  bool relaxed = run_review_policy(m, state, draws);
  bool decayed = fear_decay(m, state);
  review_alliances(m, state);
  m->reviewing = SIZE_MAX;
  /* Tech transfer changes defences, which no intensity reads. */
  if (relaxed || decayed)
    row_update(m, state);
  double interval = m->scenario->states[state].review.interval;
  double next = (double)(k + 1) * interval;
  if (next < m->scenario->horizon && k < INT32_MAX)
    schedule(m, next, EV_REVIEW, obj, (uint32_t)(k + 1));
}

/* ---- the timeline (MODEL.md §5) ---- */

static void end_working_groups_between(cy_model *m, size_t one, size_t other) {
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++)
    if (binds(m, alliance, CY_CLAUSE_WORKING_GROUP, one, other))
      working_group_end(m, alliance);
}

static void step_hostility(cy_model *m, size_t from, size_t toward,
                           double step) {
  double *h = &m->hostility[from * m->n_states + toward];
  double stepped = fmin(1.0, fmax(0.0, *h + step));
  if (stepped != *h) {
    *h = stepped;
    channel_update(m, from, toward);
    assert(row_is_current(m, from));
  }
}

/* Adds state to the alliance's members (it is not one). */
static void add_member(alliance_run *run, size_t state) {
  size_t i = run->n_members++;
  for (; i > 0 && run->member[i - 1] > state; i--)
    run->member[i] = run->member[i - 1];
  run->member[i] = (uint8_t)state;
  run->is_member[state] = 1;
}

/* Removes state from the alliance's members (it is one). */
static void remove_member(alliance_run *run, size_t state) {
  size_t i = 0;
  while (run->member[i] != state)
    i++;
  for (run->n_members--; i < run->n_members; i++)
    run->member[i] = run->member[i + 1];
  run->is_member[state] = 0;
}

/* A disabled alliance ignores join, leave and end_alliance (§10.4). */
static void timeline_join(cy_model *m, size_t alliance, size_t state) {
  alliance_run *run = &m->alliances[alliance];
  if (!m->scenario->alliances[alliance].enabled || run->ended ||
      run->is_member[state])
    return;
  add_member(run, state);
  structure_changed(m);
}

static void timeline_leave(cy_model *m, size_t alliance, size_t state) {
  alliance_run *run = &m->alliances[alliance];
  if (!m->scenario->alliances[alliance].enabled || run->ended ||
      !run->is_member[state])
    return;
  remove_member(run, state);
  if (run->n_members < 2)
    alliance_end(m, alliance);
  else
    structure_changed(m);
}

static void timeline_set(cy_model *m, const cy_timeline_spec *entry) {
  m->attr[entry->state][entry->attribute] = entry->value;
  if (entry->attribute == CY_ATTR_VALUE)
    m->value[entry->state] = entry->value;
  if (entry->attribute == CY_ATTR_EXPOSURE ||
      entry->attribute == CY_ATTR_VALUE ||
      entry->attribute == CY_ATTR_ATTACK_RATE)
    rows_update_all(m);
}

static void apply_timeline_entry(cy_model *m, const cy_timeline_spec *entry) {
  switch (entry->kind) {
  case CY_TL_INDICTMENT:
    end_working_groups_between(m, (size_t)entry->by, (size_t)entry->on);
    /* fall through */
  case CY_TL_SANCTIONS:
    step_hostility(m, (size_t)entry->on, (size_t)entry->by, entry->hostility);
    step_hostility(m, (size_t)entry->by, (size_t)entry->on, entry->hostility);
    break;
  case CY_TL_ISOLATION:
    m->attr[entry->state][CY_ATTR_EXPOSURE] *= 1.0 - entry->level;
    rows_update_all(m);
    break;
  case CY_TL_JOIN:
    timeline_join(m, (size_t)entry->alliance, (size_t)entry->state);
    break;
  case CY_TL_LEAVE:
    timeline_leave(m, (size_t)entry->alliance, (size_t)entry->state);
    break;
  case CY_TL_END_ALLIANCE:
    alliance_end(m, (size_t)entry->alliance);
    break;
  case CY_TL_SET:
    timeline_set(m, entry);
    break;
  }
}

static void on_timeline(cy_kernel *kern, void *ctx, uint32_t obj,
                        uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  const cy_scenario *s = m->scenario;
  if (m->log_events)
    log_event(m, CY_LOG_TIMELINE, -1, -1, -1, -1, (int)obj, 0.0);
  apply_timeline_entry(m, &s->timeline[obj]);
  (void)kern;
  if (obj + 1 < s->n_timeline)
    schedule(m, fmax(s->timeline[obj + 1].at, now_of(m)), EV_TIMELINE, obj + 1,
             0);
}

/* ---- alliance windows ---- */

static void on_ally_start(cy_kernel *kern, void *ctx, uint32_t obj,
                          uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  if (m->alliances[obj].ended)
    return;
  m->alliances[obj].started = true;
  structure_changed(m);
}

static void on_ally_until(cy_kernel *kern, void *ctx, uint32_t obj,
                          uint32_t arg) {
  (void)kern;
  (void)arg;
  alliance_end(ctx, obj);
}

/* ---- construction ---- */

void cy_model_free(cy_model *m) {
  if (!m)
    return;
  cy_kernel_fini(&m->kernel);
  if (m->gsl)
    gsl_rng_free(m->gsl);
#define FREE_ARRAY(field, length) free(m->field);
  MODEL_ARRAYS(FREE_ARRAY)
#undef FREE_ARRAY
  if (m->alliances)
    for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
      free(m->alliances[alliance].is_member);
      free(m->alliances[alliance].member);
      free(m->alliances[alliance].breach_times);
    }
  free(m->alliances);
  free(m);
}

/* The arrays of MODEL_ARRAYS and the generator; false when out of memory
 * (cy_model_free() frees what was allocated). */
static bool alloc_arrays(cy_model *m) {
  size_t n = m->n_states, nn = n * n, nk = n * m->n_optypes;
  bool ok = true;
#define ALLOC_ARRAY(field, length)                                             \
  m->field = calloc(length, sizeof *m->field);                                 \
  ok = ok && m->field;
  MODEL_ARRAYS(ALLOC_ARRAY)
#undef ALLOC_ARRAY
  m->gsl = cy_rng_alloc(0);
  return ok && m->gsl;
}

static bool keeps_breach_times(const cy_alliance_spec *spec) {
  return (spec->clauses & CY_CLAUSE_NONAGGRESSION) &&
         spec->nonaggression.breach == CY_BREACH_TOLERANCE;
}

static bool alloc_alliances(cy_model *m) {
  size_t n_alliances = m->n_alliances;
  m->alliances = calloc(n_alliances ? n_alliances : 1, sizeof *m->alliances);
  if (!m->alliances)
    return false;
  for (size_t alliance = 0; alliance < n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    alliance_run *run = &m->alliances[alliance];
    run->is_member = calloc(m->n_states, 1);
    run->member = calloc(m->n_states, 1);
    run->breach_cap =
        spec->nonaggression.threshold ? spec->nonaggression.threshold : 1;
    if (keeps_breach_times(spec))
      run->breach_times = calloc(run->breach_cap, sizeof *run->breach_times);
    if (!run->is_member || !run->member ||
        (keeps_breach_times(spec) && !run->breach_times))
      return false;
  }
  return true;
}

static const char *policy_name_of(const cy_state_spec *spec,
                                  cy_policy_kind kind) {
  switch (kind) {
  case CY_POLICY_ATTACK:
    return spec->attack.policy;
  case CY_POLICY_RESPONSE:
    return spec->response.policy;
  case CY_POLICY_REVIEW:
    return spec->review.policy;
  }
  return NULL;
}

/* Looks up every state's policies by name.  The loader has checked the
 * names already; a scenario built in C may still hold a wrong one. */
static int bind_policies(cy_model *m, cy_error *err) {
  for (size_t state = 0; state < m->n_states; state++) {
    const cy_state_spec *spec = &m->scenario->states[state];
    m->attack[state] = cy__attack_policy_find(spec->attack.policy);
    m->response[state] = cy__response_policy_find(spec->response.policy);
    m->review[state] = cy__review_policy_find(spec->review.policy);
    cy_policy_kind unknown = !m->attack[state]     ? CY_POLICY_ATTACK
                             : !m->response[state] ? CY_POLICY_RESPONSE
                                                   : CY_POLICY_REVIEW;
    if (!m->attack[state] || !m->response[state] || !m->review[state])
      return cy_error_set(err, CY_EINPUT, "states.%s: unknown %s policy \"%s\"",
                          spec->id, cy_policy_kind_name(unknown),
                          policy_name_of(spec, unknown));
  }
  return CY_OK;
}

/* Each state's attack.mix as a cumulative distribution (normalised; all on
 * the last optype when the mix sums to 0). */
static void build_mix_cdf(cy_model *m) {
  size_t k = m->n_optypes;
  for (size_t state = 0; state < m->n_states; state++) {
    const double *mix = m->scenario->states[state].attack.mix;
    double total = 0.0;
    for (size_t optype = 0; optype < k; optype++)
      total += mix[optype];
    double acc = 0.0;
    for (size_t optype = 0; optype < k; optype++) {
      acc += mix[optype];
      m->mix_cdf[state * k + optype] = total > 0.0 ? acc / total : 1.0;
    }
  }
}

/* §10.4: escalation climbs the optypes list in list order, capped at the
 * last type: the list is the escalation ladder. */
static void build_more_severe(cy_model *m) {
  for (size_t optype = 0; optype < m->n_optypes; optype++)
    m->more_severe[optype] =
        optype + 1 < m->n_optypes ? (int)optype + 1 : (int)optype;
}

static void register_handlers(cy_model *m) {
  cy_kernel_on(&m->kernel, EV_CHANNEL, on_channel, m);
  cy_kernel_on(&m->kernel, EV_DETECT, on_detect, m);
  cy_kernel_on(&m->kernel, EV_ATTRIBUTE, on_attribute, m);
  cy_kernel_on(&m->kernel, EV_RESPONSE, on_response, m);
  cy_kernel_on(&m->kernel, EV_REVIEW, on_review, m);
  cy_kernel_on(&m->kernel, EV_TIMELINE, on_timeline, m);
  cy_kernel_on(&m->kernel, EV_ALLY_START, on_ally_start, m);
  cy_kernel_on(&m->kernel, EV_ALLY_UNTIL, on_ally_until, m);
}

int cy_model_alloc(cy_model **out, const cy_scenario *s, cy_error *err) {
  *out = NULL;
  assert(s->n_states >= CY_MIN_STATES && s->n_states <= CY_MAX_STATES);
  assert(s->n_optypes >= 1 && s->n_optypes <= CY_MAX_OPTYPES);
  cy_model *m = calloc(1, sizeof *m);
  if (!m)
    return cy_error_set(err, CY_ENOMEM, "model: out of memory");
  m->scenario = s;
  m->n_states = s->n_states;
  m->n_optypes = s->n_optypes;
  m->n_alliances = s->n_alliances;
  bool ok = alloc_arrays(m) && alloc_alliances(m);
  /* Pending events: one per channel, a few per operation in flight; the
   * kernel grows past this hint on demand.  One token per ordered pair
   * (the diagonal's stay unused). */
  size_t pairs = m->n_states * m->n_states;
  if (!ok || cy_kernel_init(&m->kernel, 64 + 16 * m->n_states + pairs,
                            (uint32_t)pairs) != 0) {
    /* Either the kernel was never set up, or its failed init left freed
     * pointers in it: forget them. */
    memset(&m->kernel, 0, sizeof m->kernel);
    cy_model_free(m);
    return cy_error_set(err, CY_ENOMEM, "model: out of memory");
  }
  int rc = bind_policies(m, err);
  if (rc != CY_OK) {
    cy_model_free(m);
    return rc;
  }
  build_mix_cdf(m);
  build_more_severe(m);
  register_handlers(m);
  *out = m;
  return CY_OK;
}

/* ---- runs ---- */

static void reset_states(cy_model *m) {
  const cy_scenario *s = m->scenario;
  size_t pairs = m->n_states * m->n_states;
  for (size_t state = 0; state < m->n_states; state++) {
    const cy_state_spec *spec = &s->states[state];
    double *attr = m->attr[state];
    attr[CY_ATTR_OFFENSE] = spec->offense;
    attr[CY_ATTR_DEFENSE] = spec->defense;
    attr[CY_ATTR_DETECTION] = spec->detection;
    attr[CY_ATTR_ATTRIBUTION] = spec->attribution;
    attr[CY_ATTR_MISATTRIBUTION] = spec->misattribution;
    attr[CY_ATTR_EXPOSURE] = spec->exposure;
    attr[CY_ATTR_VALUE] = spec->value;
    attr[CY_ATTR_DWELL] = spec->dwell;
    attr[CY_ATTR_ATTRIBUTION_DELAY] = spec->attribution_delay;
    attr[CY_ATTR_RELAXATION] = spec->relaxation;
    attr[CY_ATTR_ATTACK_RATE] = spec->attack.rate;
    m->value[state] = spec->value;
  }
  memcpy(m->hostility, s->baseline, pairs * sizeof *m->hostility);
  memset(m->fear, 0, pairs * sizeof *m->fear);
  memset(m->boost, 0, pairs * sizeof *m->boost);
  memset(m->n_response, 0, pairs * sizeof *m->n_response);
  for (size_t pair = 0; pair < pairs; pair++)
    m->boost_until[pair] = -INFINITY;
}

/* The pair's source of this kind in this replication. */
static uint64_t pair_source(const cy_model *m, unsigned kind, size_t one,
                            size_t other) {
  return cy_crn_source(m->key,
                       cy_crn_code(kind, 0, 0, (unsigned)one, (unsigned)other));
}

/* Every channel gets its clock 0, parked (intensity 0) until the first
 * row_update() gives it an intensity. */
static void reset_channels(cy_model *m) {
  size_t n = m->n_states;
  for (size_t attacker = 0; attacker < n; attacker++)
    for (size_t target = 0; target < n; target++) {
      size_t pair = attacker * n + target;
      m->src_clock[pair] = pair_source(m, CY__SRC_CLOCK, attacker, target);
      m->src_op[pair] = pair_source(m, CY__SRC_OP, attacker, target);
      m->src_response[pair] =
          pair_source(m, CY__SRC_RESPONSE, attacker, target);
      m->intensity[pair] = 0.0;
      m->n_clock[pair] = 0;
      m->clock_at[pair] = 0.0;
      m->clock_left[pair] =
          attacker == target
              ? 0.0
              : cy_crn_exp(clock_draws(m, pair, 0), CY__DRAW_CLOCK);
    }
}

/* Resets every alliance to its scenario state and schedules its window.
 * A run starts at day -W (§10.2); an alliance without `from` is active
 * from then; one that ends before day 0 keeps its negative end day.  A
 * disabled alliance (§10.4) never starts: end day NaN, nothing counted. */
static void reset_alliances(cy_model *m) {
  const cy_scenario *s = m->scenario;
  double first = -m->warmup;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &s->alliances[alliance];
    alliance_run *run = &m->alliances[alliance];
    memset(run->is_member, 0, m->n_states);
    run->n_members = 0;
    for (size_t i = 0; i < spec->n_members; i++)
      if (!run->is_member[spec->members[i]])
        add_member(run, (size_t)spec->members[i]);
    assert(run->n_members == spec->n_members);
    run->ended = false;
    run->group_ended = false;
    run->n_breaches = run->next_breach = 0;
    if (!spec->enabled) {
      run->started = false;
      m->out->alliance_end_day[alliance] = NAN;
      continue;
    }
    run->started = spec->from <= first && spec->until > first;
    m->out->alliance_end_day[alliance] = s->horizon;
    if (spec->from > first && spec->from < s->horizon &&
        spec->from < spec->until)
      schedule(m, spec->from, EV_ALLY_START, (uint32_t)alliance, 0);
    if (spec->until < s->horizon)
      schedule(m, fmax(spec->until, first), EV_ALLY_UNTIL, (uint32_t)alliance,
               0);
  }
}

/* The first review of every state (the first multiple k * interval after
 * day -W, §10.2) and the first timeline entry.  Each schedules its
 * successor when it fires. */
static void schedule_first_events(cy_model *m) {
  const cy_scenario *s = m->scenario;
  double first = -m->warmup;
  for (size_t state = 0; state < m->n_states; state++) {
    double interval = s->states[state].review.interval;
    double k = floor(first / interval) + 1.0;
    if (k * interval <= first) /* rounding of the quotient */
      k += 1.0;
    if (interval > 0.0 && k * interval < s->horizon && k >= INT32_MIN)
      schedule(m, k * interval, EV_REVIEW, (uint32_t)state,
               (uint32_t)(int32_t)k);
  }
  if (s->n_timeline && s->timeline[0].at < s->horizon)
    schedule(m, fmax(s->timeline[0].at, first), EV_TIMELINE, 0, 0);
}

/* Every attacker's intensities from the start state. */
static void start_channels(cy_model *m) {
  coverage_update(m);
  memset(m->row_dirty, 0, m->n_states);
  rows_update_all(m);
}

int cy_model_run(cy_model *m, int64_t seed, uint64_t replication,
                 cy_outcome *out, cy_error *err) {
  const cy_scenario *s = m->scenario;
  size_t pairs = m->n_states * m->n_states;
  assert(out->n_states == m->n_states && out->n_optypes == m->n_optypes &&
         out->n_alliances == m->n_alliances);
  m->out = out;
  m->err = CY_OK;
  m->reviewing = SIZE_MAX;
  m->log_events = s->output.event_log;
  m->warmup = s->warmup;
  m->key = cy_stream_seed(seed, replication, 0);
  cy_outcome_clear(out);
  cy_kernel_reset(&m->kernel);
  reset_states(m);
  reset_channels(m);
  reset_alliances(m);
  schedule_first_events(m);
  start_channels(m);

  cy_kernel_run(&m->kernel, s->warmup + s->horizon);

  memcpy(out->hostility_final, m->hostility, pairs * sizeof *m->hostility);
  memcpy(out->fear_final, m->fear, pairs * sizeof *m->fear);
  out->events = cy_kernel_processed(&m->kernel);
  m->out = NULL;
  if (cy_kernel_interrupted(&m->kernel))
    return cy_error_set(err, CY_EINTR, "interrupted in replication %llu",
                        (unsigned long long)replication);
  if (m->err)
    return cy_error_set(err, m->err, "model: out of memory in replication %llu",
                        (unsigned long long)replication);
  return CY_OK;
}

void cy_model_set_interrupt(cy_model *m, const atomic_int *flag) {
  cy_kernel_set_interrupt(&m->kernel, flag);
}
