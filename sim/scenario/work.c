/* work.c: how much work one replication of a scenario is.
 *
 * The estimates bound the *expected* work from above, from the resolved
 * scenario alone, in O(N + A + T) per scenario: they exist to catch a typo
 * (a rate of 1e12, a review interval of 1e-12) before a run that could
 * never finish, not to predict run times.  Every bound takes the largest
 * value a quantity can reach during the run:
 *
 * - attacker i's rate R_i = sum_j r_ij is at most lambda_i * W_i, with
 *   lambda_i the largest attack.rate it ever has (timeline `set` included)
 *   and W_i the largest total weight of its attack policy (hostility h <= 1
 *   per target, so sum_j e_j; uniform and value split one unit), times the
 *   targets' largest exposures; displacement only moves intensity;
 * - each operation is detected (an event when it succeeded) with
 *   probability at most Delta = min(1, detection + the largest intel
 *   boost), attributed (an event) with probability at most alpha, and an
 *   attribution launches at most (own response + collective responders)
 *   response operations, each itself an operation.  So one operation leads
 *   to at most m = max_j Delta_j alpha_j (responders of j) responses, a
 *   branching process whose generations are on average at least tau =
 *   min_j (p_j dwell_j + attribution_delay_j) + min response.delay days
 *   apart, p_j the least chance that an operation against j succeeds (only
 *   a success waits its dwell to be detected).  With generations
 *   counted by a Poisson process of rate 1/tau (exponential delays), the
 *   expected operations an operation leads to within span days, itself
 *   included, are F = 1 + m (e^{(m-1) span / tau} - 1) / (m - 1) (span/tau
 *   generations at m = 1, 1 / (1 - m) at most when m < 1, unbounded when
 *   m >= 1 and tau = 0: responses that answer each other at one instant);
 * - reviews: floor(span / interval) per state; timeline entries and
 *   alliance starts and ends: one event each.
 *
 * Only the model's own rules are assumed; a new attack policy whose weights
 * are not known here is bounded by 1 per target. */
#include "scenario_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Above this many expected events over a century of simulated time, the
 * rates are what is wrong rather than the horizon (the default cap over a
 * century: cy_work_caps_default.events_per_rep). */
#define ORDINARY_EVENTS 1e9

double cy__work_span(const cy_scenario *s) { return s->warmup + s->horizon; }

typedef uint64_t members[CY_MAX_STATES / 64];

static void add_member(uint64_t *set, int i) {
  set[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool has_member(const uint64_t *set, size_t i) {
  return (set[i / 64] >> (i % 64)) & 1u;
}

/* a * b where a = 0 gives 0 even when b is infinite (no attacks, however
 * much responses could multiply, are no attacks). */
static double times(double a, double b) { return a == 0.0 ? 0.0 : a * b; }

/* Expected operations one operation leads to within x generations' mean
 * time (x = span / tau), itself included: E[sum_{g <= G} m^g] with G
 * Poisson(x), capped by the limits above. */
static double chain_factor(double m, double x) {
  if (!(m > 0.0))
    return 1.0;
  double e = m - 1.0, g;
  if (isinf(x))
    g = e < 0.0 ? -1.0 / e : INFINITY;
  else if (fabs(e * x) < 1e-9)
    g = x;
  else
    g = expm1(e * x) / e;
  return 1.0 + m * g;
}

/* What the estimate knows of a scenario's states over a whole run. */
typedef struct bounds {
  /* The largest (or least) value each state attribute reaches: its own,
   * or one a timeline `set` gives before the end. */
  double rate[CY_MAX_STATES], expo[CY_MAX_STATES], det[CY_MAX_STATES];
  double attr[CY_MAX_STATES], delay_min[CY_MAX_STATES];
  double dwell_max[CY_MAX_STATES], delay_max[CY_MAX_STATES];
  double dwell_min[CY_MAX_STATES], off_min[CY_MAX_STATES];
  double def_max[CY_MAX_STATES];
  size_t rate_set[CY_MAX_STATES]; /* timeline entry that sets rate, or nt */
  /* What alliances add: the largest intel boost of each state, the states
   * that respond collectively for it (and the alliance that makes the
   * first of them do so, or -1), and the nonaggression pacts. */
  double boost[CY_MAX_STATES];
  members coll[CY_MAX_STATES];
  int coll_via[CY_MAX_STATES];
  size_t n_nonaggression;
  bool responds[CY_MAX_STATES]; /* has a response policy other than none */
  /* The response branching process (see the top of this file). */
  double d_max, a_max;   /* detection and attribution, at most */
  double m, tau, chain;  /* branching, generation time, F */
  size_t m_state;        /* the state m is largest for */
  double dwell;          /* the longest dwell */
  double attr_delay_max; /* the longest attribution delay */
  double resp_delay_max; /* the longest response delay */
} bounds;

/* Every attribute's own value, then the timeline `set`s before the end. */
static void attribute_bounds(const cy_scenario *s, bounds *b) {
  size_t nt = s->n_timeline;
  for (size_t i = 0; i < s->n_states; i++) {
    const cy_state_spec *st = &s->states[i];
    b->rate[i] = st->attack.rate;
    b->rate_set[i] = nt;
    b->expo[i] = st->exposure;
    b->det[i] = st->detection;
    b->attr[i] = st->attribution;
    b->delay_min[i] = b->delay_max[i] = st->attribution_delay;
    b->dwell_max[i] = b->dwell_min[i] = st->dwell;
    b->off_min[i] = st->offense;
    b->def_max[i] = st->defense;
  }
  for (size_t k = 0; k < nt; k++) {
    const cy_timeline_spec *t = &s->timeline[k];
    if (t->kind != CY_TL_SET || !(t->at < s->horizon))
      continue;
    size_t i = (size_t)t->state;
    double v = t->value;
    switch (t->attribute) {
    case CY_ATTR_ATTACK_RATE:
      if (v > b->rate[i]) {
        b->rate[i] = v;
        b->rate_set[i] = k;
      }
      break;
    case CY_ATTR_EXPOSURE:
      b->expo[i] = fmax(b->expo[i], v);
      break;
    case CY_ATTR_DETECTION:
      b->det[i] = fmax(b->det[i], v);
      break;
    case CY_ATTR_ATTRIBUTION:
      b->attr[i] = fmax(b->attr[i], v);
      break;
    case CY_ATTR_ATTRIBUTION_DELAY:
      b->delay_min[i] = fmin(b->delay_min[i], v);
      b->delay_max[i] = fmax(b->delay_max[i], v);
      break;
    case CY_ATTR_DWELL:
      b->dwell_max[i] = fmax(b->dwell_max[i], v);
      b->dwell_min[i] = fmin(b->dwell_min[i], v);
      break;
    case CY_ATTR_OFFENSE:
      b->off_min[i] = fmin(b->off_min[i], v);
      break;
    case CY_ATTR_DEFENSE:
      b->def_max[i] = fmax(b->def_max[i], v);
      break;
    default:
      break;
    }
  }
}

/* Intel boosts, collective responders and tolerance pacts' breach
 * histories (w->ring_*), from everyone who is ever a member of each
 * alliance (joins included). */
static int alliance_bounds(const cy_scenario *s, bounds *b, cy_work_point *w) {
  size_t n = s->n_states, na = s->n_alliances;
  members *mem = calloc(na ? na : 1, sizeof *mem);
  if (!mem)
    return CY_ENOMEM;
  for (size_t a = 0; a < na; a++)
    for (size_t k = 0; k < s->alliances[a].n_members; k++)
      add_member(mem[a], s->alliances[a].members[k]);
  for (size_t k = 0; k < s->n_timeline; k++)
    if (s->timeline[k].kind == CY_TL_JOIN)
      add_member(mem[s->timeline[k].alliance], s->timeline[k].state);
  memset(b->boost, 0, sizeof b->boost);
  memset(b->coll, 0, n * sizeof b->coll[0]);
  b->n_nonaggression = 0;
  for (size_t i = 0; i < n; i++)
    b->coll_via[i] = -1;
  for (size_t a = 0; a < na; a++) {
    const cy_alliance_spec *al = &s->alliances[a];
    bool md = (al->clauses & CY_CLAUSE_MUTUAL_DEFENCE) &&
              al->mutual_defence.collective_response;
    b->n_nonaggression += (al->clauses & CY_CLAUSE_NONAGGRESSION) != 0;
    if ((al->clauses & CY_CLAUSE_NONAGGRESSION) &&
        al->nonaggression.breach == CY_BREACH_TOLERANCE) {
      double ring = 8.0 * (double)al->nonaggression.threshold;
      if (ring > w->ring_bytes)
        w->ring_alliance = a;
      w->ring_bytes += ring;
    }
    for (size_t j = 0; j < n; j++) {
      if (!has_member(mem[a], j))
        continue;
      if (al->clauses & CY_CLAUSE_INTEL_SHARING)
        b->boost[j] = fmax(b->boost[j], al->intel_sharing.boost);
      if (md) {
        for (size_t q = 0; q < sizeof(members) / sizeof(uint64_t); q++)
          b->coll[j][q] |= mem[a][q];
        if (b->coll_via[j] < 0)
          b->coll_via[j] = (int)a;
      }
    }
  }
  free(mem);
  return 0;
}

/* The least chance that an operation against j succeeds (weakest
 * attacker, hardest optype, strongest defence): a successful operation is
 * detected only after its dwell, which paces responses.  o1 is the least
 * offense (of state o1_state), o2 the next. */
static double least_success(const cy_scenario *s, const bounds *b, size_t j,
                            double o1, size_t o1_state, double o2,
                            double q_max) {
  double o = j == o1_state ? o2 : o1;
  double qd = q_max * fmin(1.0, b->def_max[j] + b->boost[j]);
  double dm = s->decisiveness;
  double ao = pow(o, dm), bd = pow(qd, dm);
  return ao + bd > 0.0 ? ao / (ao + bd) : 0.5;
}

/* The states that respond, and the least and longest response delays. */
static double response_delays(const cy_scenario *s, bounds *b) {
  double least = INFINITY;
  b->resp_delay_max = 0.0;
  for (size_t i = 0; i < s->n_states; i++) {
    b->responds[i] = strcmp(s->states[i].response.policy, "none") != 0;
    if (b->responds[i]) {
      least = fmin(least, s->states[i].response.delay);
      b->resp_delay_max = fmax(b->resp_delay_max, s->states[i].response.delay);
    }
  }
  return least;
}

/* Detection and attribution bounds, and the response branching: m, tau
 * and the chain factor F over `span` days. */
static void branching(const cy_scenario *s, bounds *b, double span) {
  size_t n = s->n_states;
  double o1 = INFINITY, o2 = INFINITY, q_max = 0.0;
  size_t o1_state = 0;
  for (size_t i = 0; i < n; i++) {
    if (b->off_min[i] < o1) {
      o2 = o1;
      o1 = b->off_min[i];
      o1_state = i;
    } else if (b->off_min[i] < o2) {
      o2 = b->off_min[i];
    }
  }
  for (size_t k = 0; k < s->n_optypes; k++)
    q_max = fmax(q_max, s->optypes[k].difficulty);
  double resp_delay = response_delays(s, b), attr_delay = INFINITY;
  b->d_max = b->a_max = b->m = b->attr_delay_max = b->dwell = 0.0;
  b->m_state = 0;
  for (size_t j = 0; j < n; j++) {
    double dj = fmin(1.0, b->det[j] + b->boost[j]);
    b->d_max = fmax(b->d_max, dj);
    b->a_max = fmax(b->a_max, b->attr[j]);
    b->attr_delay_max = fmax(b->attr_delay_max, b->delay_max[j]);
    b->dwell = fmax(b->dwell, b->dwell_max[j]);
    double resp = b->responds[j] ? 1.0 : 0.0;
    for (size_t p = 0; p < n; p++)
      if (p != j && b->responds[p] && has_member(b->coll[j], p))
        resp += 1.0;
    if (resp > 0.0) {
      double p = least_success(s, b, j, o1, o1_state, o2, q_max);
      attr_delay = fmin(attr_delay, p * b->dwell_min[j] + b->delay_min[j]);
    }
    double mj = dj * b->attr[j] * resp;
    if (mj > b->m) {
      b->m = mj;
      b->m_state = j;
    }
  }
  b->tau = isfinite(resp_delay) && isfinite(attr_delay)
               ? resp_delay + attr_delay
               : INFINITY;
  b->chain = chain_factor(b->m, b->tau > 0.0 ? span / b->tau : INFINITY);
}

/* The total weight attacker i's policy puts on its targets, at most, with
 * exposures expo (policy.c's weights: hostility is at most 1 per target;
 * uniform and value split one unit).  A policy not known here is bounded
 * like hostility. */
static double attack_weight(const cy_scenario *s, const bounds *b, size_t i) {
  size_t n = s->n_states;
  double sum = 0.0, mx = 0.0;
  for (size_t j = 0; j < n; j++)
    if (j != i) {
      sum += b->expo[j];
      mx = fmax(mx, b->expo[j]);
    }
  const char *pol = s->states[i].attack.policy;
  return strcmp(pol, "retaliatory") == 0 ? 0.0
         : strcmp(pol, "uniform") == 0   ? sum / (double)(n - 1)
         : strcmp(pol, "value") == 0     ? mx
                                         : sum;
}

/* Spontaneous operations and reviews, into w->ops and *reviews, and what
 * drives the events most (w->driver, w->index). */
static void drivers(const cy_scenario *s, const bounds *b, double span,
                    cy_work_point *w, double *reviews) {
  size_t nt = s->n_timeline;
  double spont = 0.0, top = 0.0, per_op = 1.0 + b->d_max + b->d_max * b->a_max;
  *reviews = 0.0;
  for (size_t i = 0; i < s->n_states; i++) {
    double ops_i = b->rate[i] * attack_weight(s, b, i) * span;
    spont += ops_i;
    double ev_i = times(ops_i, b->chain) * per_op;
    if (ev_i > top) {
      top = ev_i;
      w->driver = b->chain > 100.0      ? CY_WD_CHAIN
                  : b->rate_set[i] < nt ? CY_WD_SET_RATE
                                        : CY_WD_RATE;
      w->index = b->chain > 100.0      ? b->m_state
                 : b->rate_set[i] < nt ? b->rate_set[i]
                                       : i;
    }
    double rev = floor(span / s->states[i].review.interval);
    *reviews += rev;
    if (rev > top) {
      top = rev;
      w->driver = CY_WD_REVIEW;
      w->index = i;
    }
  }
  if (w->driver == CY_WD_CHAIN && !b->responds[b->m_state])
    w->chain_alliance = b->coll_via[b->m_state];
  /* Ordinary rates over a very long span: the span is the typo. */
  if (w->driver != CY_WD_CHAIN && w->driver != CY_WD_NONE &&
      span > CY_CENTURY_DAYS && top / span * CY_CENTURY_DAYS <= ORDINARY_EVENTS)
    w->driver = CY_WD_HORIZON;
  w->ops = times(spont, b->chain);
}

int cy__work_point_of(const cy_scenario *s, double span, cy_work_point *w) {
  memset(w, 0, sizeof *w);
  w->span = span;
  w->chain_alliance = -1;
  bounds *b = malloc(sizeof *b);
  if (!b || alliance_bounds(s, b, w)) {
    free(b);
    return CY_ENOMEM;
  }
  attribute_bounds(s, b);
  branching(s, b, span);
  w->branching = b->m;
  w->delay = b->tau;
  double reviews;
  drivers(s, b, span, w, &reviews);
  double n = (double)s->n_states, nt = (double)s->n_timeline;
  double na = (double)s->n_alliances, da = b->d_max * b->a_max;
  w->events = w->ops * (1.0 + b->d_max + da) + reviews + nt + 2.0 * na;
  /* launch + success/blocked, detect, attribute and its breaches; the
   * timeline and alliance ends */
  w->log_records =
      w->ops * (2.0 + b->d_max + da * (1.0 + (double)b->n_nonaggression)) + nt +
      na;
  /* Little's law: operations per day times the longest a follow-up waits,
   * never more than all events. */
  double wait = b->d_max * b->dwell + da * b->attr_delay_max +
                (b->m > 0.0 ? b->m * b->resp_delay_max : 0.0);
  double in_flight = span > 0.0 ? w->ops / span * wait : 0.0;
  if (!(in_flight <= w->events))
    in_flight = w->events;
  w->pending = 2.0 * n + nt + 2.0 * na + in_flight;
  free(b);
  return 0;
}
