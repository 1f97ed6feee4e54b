/* scenario_work.c: how much work one replication of a scenario is.
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
#define CENTURY_DAYS 36525.0
#define ORDINARY_EVENTS 1e9

double cy_work_span(const cy_scenario *s) { return s->horizon; }

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

int cy_work_point_of(const cy_scenario *s, double span, cy_work_point *w) {
  memset(w, 0, sizeof *w);
  w->span = span;
  w->chain_alliance = -1;
  size_t n = s->n_states, na = s->n_alliances, nt = s->n_timeline;
  /* The largest (or least) value each state attribute reaches: its own,
   * or a timeline `set` that fires before the end. */
  double rate[CY_MAX_STATES], expo[CY_MAX_STATES], det[CY_MAX_STATES];
  double attr[CY_MAX_STATES], delay_min[CY_MAX_STATES];
  double dwell_max[CY_MAX_STATES], delay_max[CY_MAX_STATES];
  double dwell_min[CY_MAX_STATES], off_min[CY_MAX_STATES];
  double def_max[CY_MAX_STATES];
  size_t rate_set[CY_MAX_STATES]; /* timeline entry that sets rate, or nt */
  for (size_t i = 0; i < n; i++) {
    const cy_state_spec *st = &s->states[i];
    rate[i] = st->attack.rate;
    rate_set[i] = nt;
    expo[i] = st->exposure;
    det[i] = st->detection;
    attr[i] = st->attribution;
    delay_min[i] = delay_max[i] = st->attribution_delay;
    dwell_max[i] = dwell_min[i] = st->dwell;
    off_min[i] = st->offense;
    def_max[i] = st->defense;
  }
  for (size_t k = 0; k < nt; k++) {
    const cy_timeline_spec *t = &s->timeline[k];
    if (t->kind != CY_TL_SET || !(t->at < s->horizon))
      continue;
    size_t i = (size_t)t->state;
    double v = t->value;
    switch (t->attribute) {
    case CY_ATTR_ATTACK_RATE:
      if (v > rate[i]) {
        rate[i] = v;
        rate_set[i] = k;
      }
      break;
    case CY_ATTR_EXPOSURE:
      expo[i] = fmax(expo[i], v);
      break;
    case CY_ATTR_DETECTION:
      det[i] = fmax(det[i], v);
      break;
    case CY_ATTR_ATTRIBUTION:
      attr[i] = fmax(attr[i], v);
      break;
    case CY_ATTR_ATTRIBUTION_DELAY:
      delay_min[i] = fmin(delay_min[i], v);
      delay_max[i] = fmax(delay_max[i], v);
      break;
    case CY_ATTR_DWELL:
      dwell_max[i] = fmax(dwell_max[i], v);
      dwell_min[i] = fmin(dwell_min[i], v);
      break;
    case CY_ATTR_OFFENSE:
      off_min[i] = fmin(off_min[i], v);
      break;
    case CY_ATTR_DEFENSE:
      def_max[i] = fmax(def_max[i], v);
      break;
    default:
      break;
    }
  }

  /* Everyone who is ever a member of each alliance (joins included). */
  members *mem = calloc(na ? na : 1, sizeof *mem);
  if (!mem)
    return CY_ENOMEM;
  for (size_t a = 0; a < na; a++)
    for (size_t k = 0; k < s->alliances[a].n_members; k++)
      add_member(mem[a], s->alliances[a].members[k]);
  for (size_t k = 0; k < nt; k++)
    if (s->timeline[k].kind == CY_TL_JOIN)
      add_member(mem[s->timeline[k].alliance], s->timeline[k].state);
  double boost[CY_MAX_STATES] = {0};
  members coll[CY_MAX_STATES];
  memset(coll, 0, n * sizeof coll[0]);
  int coll_via[CY_MAX_STATES];
  size_t n_nonaggression = 0;
  for (size_t i = 0; i < n; i++)
    coll_via[i] = -1;
  for (size_t a = 0; a < na; a++) {
    const cy_alliance_spec *al = &s->alliances[a];
    bool md = (al->clauses & CY_CLAUSE_MUTUAL_DEFENCE) &&
              al->mutual_defence.collective_response;
    n_nonaggression += (al->clauses & CY_CLAUSE_NONAGGRESSION) != 0;
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
        boost[j] = fmax(boost[j], al->intel_sharing.boost);
      if (md) {
        for (size_t q = 0; q < sizeof(members) / sizeof(uint64_t); q++)
          coll[j][q] |= mem[a][q];
        if (coll_via[j] < 0)
          coll_via[j] = (int)a;
      }
    }
  }
  free(mem);

  /* The least success probability of an operation against j (weakest
   * attacker, hardest optype, strongest defence): a successful operation
   * is detected only after its dwell, which paces responses. */
  double o1 = INFINITY, o2 = INFINITY, q_max = 0.0;
  size_t o1_state = 0;
  for (size_t i = 0; i < n; i++) {
    if (off_min[i] < o1) {
      o2 = o1;
      o1 = off_min[i];
      o1_state = i;
    } else if (off_min[i] < o2) {
      o2 = off_min[i];
    }
  }
  for (size_t k = 0; k < s->n_optypes; k++)
    q_max = fmax(q_max, s->optypes[k].difficulty);

  /* Detection and attribution bounds, and the response branching. */
  double d_max = 0.0, a_max = 0.0, m = 0.0, resp_delay = INFINITY;
  double resp_delay_max = 0.0, attr_delay = INFINITY;
  double attr_delay_max = 0.0, dwell = 0.0;
  size_t m_state = 0;
  bool responds[CY_MAX_STATES];
  for (size_t i = 0; i < n; i++) {
    responds[i] = strcmp(s->states[i].response.policy, "none") != 0;
    if (responds[i]) {
      resp_delay = fmin(resp_delay, s->states[i].response.delay);
      resp_delay_max = fmax(resp_delay_max, s->states[i].response.delay);
    }
  }
  for (size_t j = 0; j < n; j++) {
    double dj = fmin(1.0, det[j] + boost[j]);
    d_max = fmax(d_max, dj);
    a_max = fmax(a_max, attr[j]);
    attr_delay_max = fmax(attr_delay_max, delay_max[j]);
    dwell = fmax(dwell, dwell_max[j]);
    double resp = responds[j] ? 1.0 : 0.0;
    for (size_t p = 0; p < n; p++)
      if (p != j && responds[p] && has_member(coll[j], p))
        resp += 1.0;
    if (resp > 0.0) {
      double o = j == o1_state ? o2 : o1;
      double qd = q_max * fmin(1.0, def_max[j] + boost[j]);
      double dm = s->decisiveness;
      double ao = pow(o, dm), bd = pow(qd, dm);
      double p = ao + bd > 0.0 ? ao / (ao + bd) : 0.5;
      attr_delay = fmin(attr_delay, p * dwell_min[j] + delay_min[j]);
    }
    double mj = dj * attr[j] * resp;
    if (mj > m) {
      m = mj;
      m_state = j;
    }
  }
  double tau = isfinite(resp_delay) && isfinite(attr_delay)
                   ? resp_delay + attr_delay
                   : INFINITY;
  double x = tau > 0.0 ? span / tau : INFINITY;
  double chain = chain_factor(m, x);
  w->branching = m;
  w->delay = tau;
  double per_op = 1.0 + d_max + d_max * a_max;

  /* Spontaneous operations, and what drives the events most. */
  double spont = 0.0, top = 0.0, reviews = 0.0;
  for (size_t i = 0; i < n; i++) {
    const char *pol = s->states[i].attack.policy;
    double sum = 0.0, mx = 0.0;
    for (size_t j = 0; j < n; j++)
      if (j != i) {
        sum += expo[j];
        mx = fmax(mx, expo[j]);
      }
    double wsum = strcmp(pol, "retaliatory") == 0 ? 0.0
                  : strcmp(pol, "uniform") == 0   ? sum / (double)(n - 1)
                  : strcmp(pol, "value") == 0     ? mx
                                                  : sum;
    double ops_i = rate[i] * wsum * span;
    spont += ops_i;
    double ev_i = times(ops_i, chain) * per_op;
    if (ev_i > top) {
      top = ev_i;
      if (chain > 100.0) {
        w->driver = CY_WD_CHAIN;
        w->index = m_state;
      } else if (rate_set[i] < nt) {
        w->driver = CY_WD_SET_RATE;
        w->index = rate_set[i];
      } else {
        w->driver = CY_WD_RATE;
        w->index = i;
      }
    }
    double rev = floor(span / s->states[i].review.interval);
    reviews += rev;
    if (rev > top) {
      top = rev;
      w->driver = CY_WD_REVIEW;
      w->index = i;
    }
  }
  if (w->driver == CY_WD_CHAIN && !responds[m_state])
    w->chain_alliance = coll_via[m_state];
  /* Ordinary rates over a very long span: the span is the typo. */
  if (w->driver != CY_WD_CHAIN && w->driver != CY_WD_NONE &&
      span > CENTURY_DAYS && top / span * CENTURY_DAYS <= ORDINARY_EVENTS)
    w->driver = CY_WD_HORIZON;

  w->ops = times(spont, chain);
  w->events = w->ops * per_op + reviews + (double)nt + 2.0 * (double)na;
  /* launch + success/blocked, detect, attribute and its breaches; the
   * timeline and alliance ends */
  w->log_records =
      w->ops * (2.0 + d_max + d_max * a_max * (1.0 + (double)n_nonaggression)) +
      (double)nt + (double)na;
  /* Little's law: operations per day times the longest a follow-up waits,
   * never more than all events. */
  double wait = d_max * dwell + d_max * a_max * attr_delay_max +
                (m > 0.0 ? m * resp_delay_max : 0.0);
  double in_flight = span > 0.0 ? w->ops / span * wait : 0.0;
  if (!(in_flight <= w->events))
    in_flight = w->events;
  w->pending = 2.0 * (double)n + (double)nt + 2.0 * (double)na + in_flight;
  return 0;
}
