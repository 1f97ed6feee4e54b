/* model.c: the cyber-conflict model of MODEL.md §1-5 (see cy_model.h and
 * sim/MODEL.md, which states every rule and every choice made where the
 * specification is silent).
 *
 * Structure.  Each attacker has one pending "next operation" event, held by
 * kernel token `attacker`; its intensities r_ij live in row `attacker` of
 * m->intensity and their sum R_i in m->total_intensity.  Whatever changes an
 * input of a row (the attacker's hostility, exposures, values, its attack
 * rate, nonaggression coverage) calls row_update(), which recomputes the row
 * and redraws the next operation when R_i changed (memorylessness makes the
 * redraw exact).  All other events carry their whole payload in the kernel
 * event itself: obj packs (attacker, target, optype) in 8+8+8 bits, which
 * N <= 256 and K <= 16 allow, so in-flight operations need no pool and a
 * run allocates nothing per event.
 *
 * Policies (policy.h) are called only through their type tables, with a
 * context of what they may read and change; they never see the model.
 *
 * Random numbers: every draw comes from the one stream m->rng, in the order
 * the events and the steps below make them; a change of that order changes
 * every result, so the step functions keep the order of MODEL.md's rules.
 *
 * Names follow the roles of MODEL.md: an operation goes from `attacker` to
 * `target`; on attribution the `victim` blames `blamed` (the attacker, or an
 * innocent state), and answers as a `responder`; the other states of an
 * alliance are its `member`s. */
#include "cysim/cy_kernel.h"
#include "cysim/cy_model.h"
#include "cysim/cy_rng.h"
#include "policy.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
  EV_OP,         /* token event: attacker obj launches its next operation */
  EV_DETECT,     /* obj = pack(attacker, target, optype) */
  EV_ATTRIBUTE,  /* obj = pack(attacker, target, optype) */
  EV_RESPONSE,   /* obj = pack(responder, blamed, optype) */
  EV_REVIEW,     /* obj = state */
  EV_TIMELINE,   /* obj = timeline index */
  EV_ALLY_START, /* obj = alliance */
  EV_ALLY_UNTIL, /* obj = alliance */
};

/* Sub-stream purposes of cy_stream_seed(); only the main one is used. */
enum { STREAM_MAIN = 0 };

/* What a member does for a victim under mutual defence (m->defends bits). */
enum { DEFEND_RAISE = 1, DEFEND_RESPOND = 2 };

/* One alliance as a run goes (its scenario spec has the same index). */
typedef struct alliance_run {
  uint8_t *is_member; /* [N] current membership */
  size_t n_members;
  bool started, ended;
  bool group_ended; /* its working group */
  /* Tolerance breach rule: the times of the last breach_cap breaches, a
   * ring whose next slot is next_breach. */
  double *breach_times;
  uint32_t breach_cap, n_breaches, next_breach;
} alliance_run;

struct cy_model {
  const cy_scenario *scenario;
  size_t n_states, n_optypes, n_alliances;
  cy_kernel kernel;
  gsl_rng *gsl;    /* wraps the one stream; for the rare Gamma draws */
  cy_xoshiro *rng; /* the same state, for the hot path */
  cy_outcome *out; /* the record being filled (during a run only) */
  int err;         /* CY_ENOMEM once scheduling failed */
  bool log_events;

  const cy_attack_policy_type **attack;     /* [N] each state's policies */
  const cy_response_policy_type **response; /* [N] */
  const cy_review_policy_type **review;     /* [N] */
  double *mix_cdf;                 /* [N*K] normalised cumulative mix */
  int more_severe[CY_MAX_OPTYPES]; /* see build_more_severe() */

  double (*attr)[CY_ATTR_COUNT];     /* [N] live state attributes */
  double *value;                     /* [N] mirror of attr[.][VALUE] */
  double *hostility;                 /* [N*N] h, [from*N + toward] */
  double *intensity;                 /* [N*N] r, [attacker*N + target] */
  double *total_intensity;           /* [N] R */
  double *weight, *undisplaced;      /* [N] row_update() scratch */
  double *compliance, *displacement; /* [N*N] nonaggression coverage */
  uint8_t *is_partner;               /* [N*N] covered by some clause */
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
  X(intensity, nn)                                                             \
  X(total_intensity, n)                                                        \
  X(weight, n)                                                                 \
  X(undisplaced, n)                                                            \
  X(compliance, nn)                                                            \
  X(displacement, nn)                                                          \
  X(is_partner, nn)                                                            \
  X(boost, nn)                                                                 \
  X(boost_until, nn)                                                           \
  X(solidarity, n)                                                             \
  X(defends, n)

static inline uint32_t pack(size_t attacker, size_t target, int optype) {
  return (uint32_t)attacker | (uint32_t)target << 8 | (uint32_t)optype << 16;
}
static inline size_t unpack_attacker(uint32_t o) { return o & 0xffu; }
static inline size_t unpack_target(uint32_t o) { return (o >> 8) & 0xffu; }
static inline int unpack_optype(uint32_t o) { return (int)((o >> 16) & 0xffu); }

static inline double now_of(const cy_model *m) {
  return cy_kernel_now(&m->kernel);
}

static void fail(cy_model *m, int code) {
  if (!m->err)
    m->err = code;
  cy_kernel_stop(&m->kernel);
}

static void schedule(cy_model *m, double t, unsigned kind, uint32_t obj,
                     uint32_t arg) {
  if (cy_kernel_at(&m->kernel, t, kind, obj, arg) != 0)
    fail(m, CY_ENOMEM);
}

static void log_event(cy_model *m, cy_log_kind kind, int optype, int attacker,
                      int target, int blamed, int other, double value) {
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

/* ---- intensities (MODEL.md §2) ---- */

static void redraw_next_op(cy_model *m, size_t attacker) {
  double total = m->total_intensity[attacker];
  if (total > 0.0) {
    double t = now_of(m) + cy_xoshiro_exp(m->rng) / total;
    if (cy_kernel_token_at(&m->kernel, t, EV_OP, (uint32_t)attacker) != 0)
      fail(m, CY_ENOMEM);
  } else {
    cy_kernel_token_cancel(&m->kernel, (uint32_t)attacker);
  }
}

/* Recomputes the attacker's row of intensities and its total; redraws its
 * next operation if the total changed.  Its partners are the states an
 * active nonaggression clause covers with it; the intensity they lose times
 * the clause's displacement goes to its other targets in proportion to
 * their undisplaced intensity. */
static void row_update(cy_model *m, size_t attacker) {
  size_t n = m->n_states, row = attacker * n;
  const cy_attack_context ctx = {
      .n_states = n,
      .attacker = attacker,
      .spec = &m->scenario->states[attacker],
      .hostility = m->hostility + row,
      .value = m->value,
  };
  m->attack[attacker]->weights(&ctx, m->weight);
  double *undisplaced = m->undisplaced, *intensity = m->intensity + row;
  const double *compliance = m->compliance + row;
  const double *displacement = m->displacement + row;
  const uint8_t *is_partner = m->is_partner + row;
  double rate = m->attr[attacker][CY_ATTR_ATTACK_RATE];
  double displaced = 0.0, outside = 0.0;
  for (size_t target = 0; target < n; target++) {
    undisplaced[target] =
        target == attacker
            ? 0.0
            : rate * m->weight[target] * m->attr[target][CY_ATTR_EXPOSURE];
    if (is_partner[target])
      displaced +=
          undisplaced[target] * compliance[target] * displacement[target];
    else
      outside += undisplaced[target];
  }
  double total = 0.0;
  for (size_t target = 0; target < n; target++) {
    if (is_partner[target])
      intensity[target] = undisplaced[target] * (1.0 - compliance[target]);
    else
      intensity[target] =
          undisplaced[target] +
          (outside > 0.0 ? displaced * undisplaced[target] / outside : 0.0);
    total += intensity[target];
  }
  if (total == m->total_intensity[attacker])
    return;
  m->total_intensity[attacker] = total;
  redraw_next_op(m, attacker);
}

/* One active nonaggression clause covers every ordered pair of its members.
 * Several clauses covering one pair: the largest compliance wins (MODEL.md),
 * with its own displacement (the larger one on a tie). */
static void cover_members(cy_model *m, const uint8_t *is_member,
                          double compliance, double displacement) {
  size_t n = m->n_states;
  for (size_t attacker = 0; attacker < n; attacker++) {
    if (!is_member[attacker])
      continue;
    for (size_t partner = 0; partner < n; partner++) {
      if (partner == attacker || !is_member[partner])
        continue;
      size_t pair = attacker * n + partner;
      if (!m->is_partner[pair] || compliance > m->compliance[pair] ||
          (compliance == m->compliance[pair] &&
           displacement > m->displacement[pair])) {
        m->is_partner[pair] = 1;
        m->compliance[pair] = compliance;
        m->displacement[pair] = displacement;
      }
    }
  }
}

/* Recomputes nonaggression coverage from the active alliances. */
static void coverage_update(cy_model *m) {
  size_t pairs = m->n_states * m->n_states;
  memset(m->is_partner, 0, pairs);
  memset(m->compliance, 0, pairs * sizeof *m->compliance);
  memset(m->displacement, 0, pairs * sizeof *m->displacement);
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    if (!(spec->clauses & CY_CLAUSE_NONAGGRESSION) ||
        !alliance_active(m, alliance))
      continue;
    cover_members(m, m->alliances[alliance].is_member,
                  spec->nonaggression.compliance,
                  spec->nonaggression.displacement);
  }
}

static void rows_update_all(cy_model *m) {
  for (size_t attacker = 0; attacker < m->n_states; attacker++)
    row_update(m, attacker);
}

/* Alliance membership or activity changed. */
static void structure_changed(cy_model *m) {
  coverage_update(m);
  rows_update_all(m);
}

static void alliance_end(cy_model *m, size_t alliance) {
  if (m->alliances[alliance].ended)
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

/* Intel sharing: the detector detected an operation of the attacker. */
static void share_intel(cy_model *m, size_t detector, size_t attacker) {
  double now = now_of(m);
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    const uint8_t *is_member = m->alliances[alliance].is_member;
    if (!(spec->clauses & CY_CLAUSE_INTEL_SHARING) ||
        !alliance_active(m, alliance) || !is_member[detector])
      continue;
    for (size_t member = 0; member < m->n_states; member++) {
      if (member == detector || member == attacker || !is_member[member])
        continue;
      if (!(cy_xoshiro_uniform(m->rng) < spec->intel_sharing.share))
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

static void detect(cy_model *m, size_t attacker, size_t target, int optype) {
  m->out->detected[attacker * m->n_states + target]++;
  if (m->log_events)
    log_event(m, CY_LOG_DETECT, optype, (int)attacker, (int)target, -1, -1,
              0.0);
  share_intel(m, target, attacker);
  if (cy_xoshiro_uniform(m->rng) < m->attr[target][CY_ATTR_ATTRIBUTION]) {
    double t = now_of(m) + m->attr[target][CY_ATTR_ATTRIBUTION_DELAY] *
                               cy_xoshiro_exp(m->rng);
    schedule(m, t, EV_ATTRIBUTE, pack(attacker, target, optype), 0);
  }
}

static void count_launch(cy_model *m, size_t attacker, size_t target,
                         int optype, bool is_response) {
  size_t n = m->n_states, pair = attacker * n + target;
  cy_outcome *out = m->out;
  out->ops[pair]++;
  out->ops_by_type[optype]++;
  if (is_response)
    out->retaliations[pair]++;
  if (out->ts_ops) {
    size_t bin = (size_t)(now_of(m) / m->scenario->output.bin);
    if (bin >= out->n_bins)
      bin = out->n_bins - 1;
    out->ts_ops[bin * n * n + pair]++;
  }
  if (m->log_events)
    log_event(m, is_response ? CY_LOG_RESPONSE : CY_LOG_LAUNCH, optype,
              (int)attacker, (int)target, -1, -1, 0.0);
}

/* MODEL.md §3.1: o^m / (o^m + (q D)^m), 1/2 when both terms are 0. */
static double success_probability(const cy_model *m, size_t attacker,
                                  size_t target, int optype, double boost) {
  double defense = fmin(1.0, m->attr[target][CY_ATTR_DEFENSE] + boost);
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

static void inflict_damage(cy_model *m, size_t attacker, size_t target,
                           int optype) {
  const cy_scenario *s = m->scenario;
  double damage = m->value[target] * s->optypes[optype].damage;
  if (s->damage_shape > 0.0 && damage > 0.0)
    damage = gsl_ran_gamma(m->gsl, s->damage_shape, damage / s->damage_shape);
  size_t pair = attacker * m->n_states + target;
  m->out->successes[pair]++;
  m->out->damage[pair] += damage;
  if (m->log_events)
    log_event(m, CY_LOG_SUCCESS, optype, (int)attacker, (int)target, -1, -1,
              damage);
}

static void launch(cy_model *m, size_t attacker, size_t target, int optype,
                   bool is_response) {
  count_launch(m, attacker, target, optype, is_response);
  double boost = boost_against(m, target, attacker);
  double p = success_probability(m, attacker, target, optype, boost);
  bool success = cy_xoshiro_uniform(m->rng) < p;
  if (success)
    inflict_damage(m, attacker, target, optype);
  else if (m->log_events)
    log_event(m, CY_LOG_BLOCKED, optype, (int)attacker, (int)target, -1, -1,
              0.0);
  double detection = fmin(1.0, m->attr[target][CY_ATTR_DETECTION] + boost);
  if (!(cy_xoshiro_uniform(m->rng) < detection))
    return;
  if (success)
    schedule(
        m, now_of(m) + m->attr[target][CY_ATTR_DWELL] * cy_xoshiro_exp(m->rng),
        EV_DETECT, pack(attacker, target, optype), 0);
  else
    detect(m, attacker, target, optype);
}

/* ---- reaction to an attribution (MODEL.md §4) ---- */

static void respond(cy_model *m, size_t responder, size_t blamed, int optype) {
  const cy_state_spec *spec = &m->scenario->states[responder];
  const cy_response_context ctx = {
      .responder = responder,
      .blamed = blamed,
      .spec = spec,
      .optype = optype,
      .more_severe = m->more_severe[optype],
      .rng = m->rng,
  };
  int answer = m->response[responder]->choose(&ctx);
  if (answer < 0)
    return;
  double t = now_of(m) + spec->response.delay * cy_xoshiro_exp(m->rng);
  schedule(m, t, EV_RESPONSE, pack(responder, blamed, answer), 0);
}

static void breach(cy_model *m, size_t alliance) {
  const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
  alliance_run *run = &m->alliances[alliance];
  double now = now_of(m);
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
    row_update(m, from);
  }
}

static void count_breaches(cy_model *m, size_t victim, size_t blamed) {
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++)
    if (binds(m, alliance, CY_CLAUSE_NONAGGRESSION, victim, blamed) &&
        alliance_active(m, alliance))
      breach(m, alliance);
}

/* Fills m->solidarity and m->defends for the members that stand by the
 * victim against blamed: each acts once per attribution however many
 * alliances bind it to the victim (the largest solidarity counts).  Returns
 * false when none does (and leaves the scratch arrays alone). */
static bool find_defenders(cy_model *m, size_t victim, size_t blamed) {
  size_t n = m->n_states;
  bool any = false;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &m->scenario->alliances[alliance];
    const uint8_t *is_member = m->alliances[alliance].is_member;
    if (!(spec->clauses & CY_CLAUSE_MUTUAL_DEFENCE) ||
        !alliance_active(m, alliance) || !is_member[victim] ||
        is_member[blamed])
      continue;
    for (size_t member = 0; member < n; member++) {
      if (member == victim || !is_member[member])
        continue;
      if (!any) {
        memset(m->solidarity, 0, n * sizeof *m->solidarity);
        memset(m->defends, 0, n);
        any = true;
      }
      m->solidarity[member] =
          fmax(m->solidarity[member], spec->mutual_defence.solidarity);
      m->defends[member] |=
          DEFEND_RAISE |
          (spec->mutual_defence.collective_response ? DEFEND_RESPOND : 0);
    }
  }
  return any;
}

static void mutual_defence(cy_model *m, size_t victim, size_t blamed,
                           int optype, double step) {
  if (!find_defenders(m, victim, blamed))
    return;
  for (size_t member = 0; member < m->n_states; member++) {
    if (!m->defends[member])
      continue;
    raise_hostility(m, member, blamed, m->solidarity[member] * step);
    if (m->defends[member] & DEFEND_RESPOND)
      respond(m, member, blamed, optype);
  }
}

/* The victim blames `blamed` for an operation of type optype. */
static void react(cy_model *m, size_t victim, size_t blamed, int optype) {
  double step = m->scenario->optypes[optype].severity *
                m->scenario->states[victim].response.escalation *
                (1.0 - group_dampening(m, victim, blamed));
  raise_hostility(m, victim, blamed, step);
  count_breaches(m, victim, blamed);
  respond(m, victim, blamed, optype);
  mutual_defence(m, victim, blamed, optype, step);
}

/* ---- event handlers: operations ---- */

/* The target, with probability intensity / total (MODEL.md §2). */
static size_t pick_target(cy_model *m, size_t attacker) {
  size_t n = m->n_states;
  const double *intensity = m->intensity + attacker * n;
  double left = cy_xoshiro_uniform(m->rng) * m->total_intensity[attacker];
  size_t target = 0, last = 0;
  for (; target < n; target++) {
    if (intensity[target] > 0.0) {
      last = target;
      if (left < intensity[target])
        break;
      left -= intensity[target];
    }
  }
  /* Past the end when rounding left `left` just above the row's sum. */
  return target == n ? last : target;
}

static int pick_optype(cy_model *m, size_t attacker) {
  const double *cdf = m->mix_cdf + attacker * m->n_optypes;
  double v = cy_xoshiro_uniform(m->rng);
  int optype = 0;
  while (optype + 1 < (int)m->n_optypes && v >= cdf[optype])
    optype++;
  return optype;
}

static void on_op(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  size_t attacker = obj;
  /* Schedule the next one first: launching changes no intensity. */
  double t = cy_kernel_now(kern) +
             cy_xoshiro_exp(m->rng) / m->total_intensity[attacker];
  if (cy_kernel_token_at(kern, t, EV_OP, (uint32_t)attacker) != 0)
    fail(m, CY_ENOMEM);
  size_t target = pick_target(m, attacker);
  int optype = pick_optype(m, attacker);
  launch(m, attacker, target, optype, false);
}

static void on_detect(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)kern;
  (void)arg;
  detect(ctx, unpack_attacker(obj), unpack_target(obj), unpack_optype(obj));
}

/* Whom the victim blames: the attacker, or with probability misattribution
 * a state drawn uniformly from the n - 2 that are neither. */
static size_t pick_blamed(cy_model *m, size_t attacker, size_t victim) {
  size_t n = m->n_states;
  if (!(n > 2 &&
        cy_xoshiro_uniform(m->rng) < m->attr[victim][CY_ATTR_MISATTRIBUTION]))
    return attacker;
  size_t lo = attacker < victim ? attacker : victim;
  size_t hi = attacker < victim ? victim : attacker;
  size_t innocent = (size_t)(cy_xoshiro_uniform(m->rng) * (double)(n - 2));
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
  (void)arg;
  cy_model *m = ctx;
  size_t attacker = unpack_attacker(obj), victim = unpack_target(obj);
  size_t n = m->n_states;
  int optype = unpack_optype(obj);
  size_t blamed = pick_blamed(m, attacker, victim);
  if (blamed == attacker)
    m->out->attributed[attacker * n + victim]++;
  else
    m->out->misattributed[blamed * n + victim]++;
  if (m->log_events)
    log_event(m, CY_LOG_ATTRIBUTE, optype, (int)attacker, (int)victim,
              (int)blamed, -1, 0.0);
  react(m, victim, blamed, optype);
}

static void on_response(cy_kernel *kern, void *ctx, uint32_t obj,
                        uint32_t arg) {
  (void)kern;
  (void)arg;
  launch(ctx, unpack_attacker(obj), unpack_target(obj), unpack_optype(obj),
         true);
}

/* ---- reviews (MODEL.md §5) ---- */

static void run_review_policy(cy_model *m, size_t state) {
  size_t n = m->n_states;
  const cy_review_context ctx = {
      .n_states = n,
      .state = state,
      .now = now_of(m),
      .spec = &m->scenario->states[state],
      .attr = m->attr[state],
      .baseline = m->scenario->baseline + state * n,
      .hostility = m->hostility + state * n,
      .rng = m->rng,
  };
  if (m->review[state]->review(&ctx))
    row_update(m, state);
}

/* Tech transfer: the state's defense moves toward the members' largest. */
static void transfer_tech(cy_model *m, size_t alliance, size_t state) {
  const uint8_t *is_member = m->alliances[alliance].is_member;
  double best = 0.0;
  for (size_t member = 0; member < m->n_states; member++)
    if (is_member[member])
      best = fmax(best, m->attr[member][CY_ATTR_DEFENSE]);
  double *defense = &m->attr[state][CY_ATTR_DEFENSE];
  *defense +=
      m->scenario->alliances[alliance].tech_transfer.rate * (best - *defense);
}

/* The working group collapses when some pair of members has a mutual
 * hostility (the mean of its two directions) above collapse_hostility. */
static void check_working_group(cy_model *m, size_t alliance) {
  size_t n = m->n_states;
  const uint8_t *is_member = m->alliances[alliance].is_member;
  double collapse =
      m->scenario->alliances[alliance].working_group.collapse_hostility;
  for (size_t one = 0; one < n; one++)
    for (size_t other = one + 1; other < n; other++)
      if (is_member[one] && is_member[other] &&
          0.5 * (m->hostility[one * n + other] +
                 m->hostility[other * n + one]) >
              collapse) {
        working_group_end(m, alliance);
        return;
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

static void on_review(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  size_t state = obj;
  run_review_policy(m, state);
  review_alliances(m, state);
  schedule(m, cy_kernel_now(kern) + m->scenario->states[state].review.interval,
           EV_REVIEW, obj, 0);
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
    row_update(m, from);
  }
}

static void timeline_join(cy_model *m, size_t alliance, size_t state) {
  alliance_run *run = &m->alliances[alliance];
  if (run->ended || run->is_member[state])
    return;
  run->is_member[state] = 1;
  run->n_members++;
  structure_changed(m);
}

static void timeline_leave(cy_model *m, size_t alliance, size_t state) {
  alliance_run *run = &m->alliances[alliance];
  if (run->ended || !run->is_member[state])
    return;
  run->is_member[state] = 0;
  run->n_members--;
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
  if (obj + 1 < s->n_timeline)
    schedule(m, fmax(s->timeline[obj + 1].at, cy_kernel_now(kern)), EV_TIMELINE,
             obj + 1, 0);
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
    run->breach_cap =
        spec->nonaggression.threshold ? spec->nonaggression.threshold : 1;
    if (keeps_breach_times(spec))
      run->breach_times = calloc(run->breach_cap, sizeof *run->breach_times);
    if (!run->is_member || (keeps_breach_times(spec) && !run->breach_times))
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

/* The next more severe optype: the least severe of those more severe than
 * the optype (the lowest index on a tie); the optype itself when none is. */
static void build_more_severe(cy_model *m) {
  const cy_optype *optypes = m->scenario->optypes;
  for (size_t optype = 0; optype < m->n_optypes; optype++) {
    int best = (int)optype;
    for (size_t other = 0; other < m->n_optypes; other++) {
      double severity = optypes[other].severity;
      if (severity > optypes[optype].severity &&
          (best == (int)optype || severity < optypes[best].severity))
        best = (int)other;
    }
    m->more_severe[optype] = best;
  }
}

static void register_handlers(cy_model *m) {
  cy_kernel_on(&m->kernel, EV_OP, on_op, m);
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
  /* Every pending event is at most: one per attacker, a few per operation
   * in flight; the kernel grows past this hint on demand. */
  if (!ok || cy_kernel_init(&m->kernel, 64 + 16 * m->n_states,
                            (uint32_t)m->n_states) != 0) {
    /* Either the kernel was never set up, or its failed init left freed
     * pointers in it: forget them. */
    memset(&m->kernel, 0, sizeof m->kernel);
    cy_model_free(m);
    return cy_error_set(err, CY_ENOMEM, "model: out of memory");
  }
  m->rng = cy_rng_state(m->gsl);
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
    m->total_intensity[state] = 0.0;
  }
  memcpy(m->hostility, s->baseline, pairs * sizeof *m->hostility);
  memset(m->boost, 0, pairs * sizeof *m->boost);
  memset(m->boost_until, 0, pairs * sizeof *m->boost_until);
}

/* Resets every alliance to its scenario state and schedules its window. */
static void reset_alliances(cy_model *m) {
  const cy_scenario *s = m->scenario;
  for (size_t alliance = 0; alliance < m->n_alliances; alliance++) {
    const cy_alliance_spec *spec = &s->alliances[alliance];
    alliance_run *run = &m->alliances[alliance];
    memset(run->is_member, 0, m->n_states);
    for (size_t i = 0; i < spec->n_members; i++)
      run->is_member[spec->members[i]] = 1;
    run->n_members = spec->n_members;
    run->started = spec->from <= 0.0 && spec->until > 0.0;
    run->ended = false;
    run->group_ended = false;
    run->n_breaches = run->next_breach = 0;
    m->out->alliance_end_day[alliance] = s->horizon;
    if (spec->from > 0.0 && spec->from < s->horizon && spec->from < spec->until)
      schedule(m, spec->from, EV_ALLY_START, (uint32_t)alliance, 0);
    if (spec->until < s->horizon)
      schedule(m, fmax(spec->until, 0.0), EV_ALLY_UNTIL, (uint32_t)alliance, 0);
  }
}

/* The first review of every state and the first timeline entry.  Each
 * schedules its successor when it fires. */
static void schedule_first_events(cy_model *m) {
  const cy_scenario *s = m->scenario;
  for (size_t state = 0; state < m->n_states; state++) {
    double interval = s->states[state].review.interval;
    if (interval > 0.0 && interval < s->horizon)
      schedule(m, interval, EV_REVIEW, (uint32_t)state, 0);
  }
  if (s->n_timeline && s->timeline[0].at < s->horizon)
    schedule(m, fmax(s->timeline[0].at, 0.0), EV_TIMELINE, 0, 0);
}

int cy_model_run(cy_model *m, int64_t seed, uint64_t replication,
                 cy_outcome *out, cy_error *err) {
  const cy_scenario *s = m->scenario;
  assert(out->n_states == m->n_states && out->n_optypes == m->n_optypes &&
         out->n_alliances == m->n_alliances);
  m->out = out;
  m->err = CY_OK;
  m->log_events = s->output.event_log;
  cy_outcome_clear(out);
  cy_kernel_reset(&m->kernel);
  cy_xoshiro_seed(m->rng, cy_stream_seed(seed, replication, STREAM_MAIN));
  /* The order of these steps is the order of the first events and draws. */
  reset_states(m);
  reset_alliances(m);
  schedule_first_events(m);
  structure_changed(m);

  cy_kernel_run(&m->kernel, s->horizon);

  memcpy(out->hostility_final, m->hostility,
         m->n_states * m->n_states * sizeof *m->hostility);
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
