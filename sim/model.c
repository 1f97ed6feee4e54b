/* model.c: the cyber-conflict model of MODEL.md §1-5 (see cy_model.h and
 * sim/MODEL.md, which states every rule and every choice made where the
 * specification is silent).
 *
 * Structure.  Each attacker i has one pending "next operation" event, held
 * by kernel token i; its intensities r_ij live in row i of m->r and their
 * sum in m->R[i].  Whatever changes an input of row i (hostility h_i*,
 * exposures, values, rate, nonaggression coverage) calls row_update(), which
 * recomputes the row and redraws the next operation when R_i changed
 * (memorylessness makes the redraw exact).  All other events carry their
 * whole payload in the kernel event itself: obj packs (attacker, target,
 * optype) in 8+8+8 bits, which N <= 256 and K <= 16 allow, so in-flight
 * operations need no pool and a run allocates nothing per event. */
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

typedef struct ally {
  uint8_t *member; /* [N] current membership */
  size_t n_members;
  bool started, ended, wg_ended;
  double *ring; /* tolerance rule: last `cap` breach times */
  uint32_t cap, len, pos;
} ally;

struct cy_model {
  const cy_scenario *s;
  size_t n, k, a;
  double horizon;
  cy_kernel kernel;
  gsl_rng *gsl;  /* wraps the one stream; for the rare Gamma draws */
  cy_xoshiro *x; /* the same state, for the hot path */
  cy_outcome *out;
  int err;
  bool log;

  const cy_attack_policy_type **attack;     /* [N] */
  const cy_response_policy_type **response; /* [N] */
  const cy_review_policy_type **review;     /* [N] */
  double *mix_cdf;                          /* [N*K] */
  int next_type[CY_MAX_OPTYPES];

  double (*attr)[CY_ATTR_COUNT]; /* [N] live state attributes */
  double *value;                 /* [N] mirror of attr[.][VALUE] */
  double *h;                     /* [N*N] hostility */
  double *r, *R;                 /* [N*N], [N] intensities */
  double *w, *u;                 /* [N] scratch */
  double *comp, *phi;            /* [N*N] nonaggression coverage */
  uint8_t *partner;              /* [N*N] */
  double *boost_val, *boost_exp; /* [N*N] [defender*N + attacker] */
  double *sol;                   /* [N] mutual-defence scratch */
  uint8_t *coll;                 /* [N] */
  ally *al;                      /* [A] */
};

static inline uint32_t pack(size_t i, size_t j, int k) {
  return (uint32_t)i | (uint32_t)j << 8 | (uint32_t)k << 16;
}
static inline size_t unpack_i(uint32_t o) { return o & 0xffu; }
static inline size_t unpack_j(uint32_t o) { return (o >> 8) & 0xffu; }
static inline int unpack_k(uint32_t o) { return (int)((o >> 16) & 0xffu); }

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

static void log_rec(cy_model *m, cy_log_kind kind, int k, int i, int j,
                    int blamed, int other, double value) {
  /* Zeroed first so that the padding bytes are reproducible too. */
  cy_log_record rec;
  memset(&rec, 0, sizeof rec);
  rec.time = cy_kernel_now(&m->kernel);
  rec.value = value;
  rec.kind = (uint8_t)kind;
  rec.optype = k < 0 ? 255 : (uint8_t)k;
  rec.attacker = (int16_t)i;
  rec.target = (int16_t)j;
  rec.blamed = (int16_t)blamed;
  rec.other = other;
  if (cy_outcome_log(m->out, &rec) != 0)
    fail(m, CY_ENOMEM);
}

static inline bool ally_active(const cy_model *m, size_t a) {
  return m->al[a].started && !m->al[a].ended;
}

/* ---- intensities (MODEL.md §2) ---- */

/* Recomputes row i of r and R_i; redraws i's next operation if R_i
 * changed.  Partners of i are the states an active nonaggression clause
 * covers with i; the intensity they lose times the clause's displacement
 * goes to i's other targets in proportion to their undisplaced intensity. */
static void row_update(cy_model *m, size_t i) {
  size_t n = m->n;
  double *u = m->u, *r = m->r + i * n;
  const double *comp = m->comp + i * n, *phi = m->phi + i * n;
  const uint8_t *partner = m->partner + i * n;
  double lambda = m->attr[i][CY_ATTR_ATTACK_RATE];
  m->attack[i]->weights(n, i, m->h + i * n, m->value, m->w);
  double moved = 0.0, outside = 0.0;
  for (size_t j = 0; j < n; j++) {
    u[j] = j == i ? 0.0 : lambda * m->w[j] * m->attr[j][CY_ATTR_EXPOSURE];
    if (partner[j])
      moved += u[j] * comp[j] * phi[j];
    else
      outside += u[j];
  }
  double R = 0.0;
  for (size_t j = 0; j < n; j++) {
    if (partner[j])
      r[j] = u[j] * (1.0 - comp[j]);
    else
      r[j] = u[j] + (outside > 0.0 ? moved * u[j] / outside : 0.0);
    R += r[j];
  }
  if (R == m->R[i])
    return;
  m->R[i] = R;
  if (R > 0.0) {
    double t = cy_kernel_now(&m->kernel) + cy_xoshiro_exp(m->x) / R;
    if (cy_kernel_token_at(&m->kernel, t, EV_OP, (uint32_t)i) != 0)
      fail(m, CY_ENOMEM);
  } else {
    cy_kernel_token_cancel(&m->kernel, (uint32_t)i);
  }
}

/* Recomputes nonaggression coverage from the active alliances.  Several
 * clauses covering one pair: the largest compliance wins (MODEL.md), with
 * its own displacement (the larger one on a tie). */
static void coverage_update(cy_model *m) {
  size_t n = m->n, nn = n * n;
  memset(m->partner, 0, nn);
  memset(m->comp, 0, nn * sizeof *m->comp);
  memset(m->phi, 0, nn * sizeof *m->phi);
  for (size_t a = 0; a < m->a; a++) {
    const cy_alliance_spec *sp = &m->s->alliances[a];
    if (!(sp->clauses & CY_CLAUSE_NONAGGRESSION) || !ally_active(m, a))
      continue;
    double c = sp->nonaggression.compliance;
    double f = sp->nonaggression.displacement;
    const uint8_t *mem = m->al[a].member;
    for (size_t i = 0; i < n; i++) {
      if (!mem[i])
        continue;
      for (size_t j = 0; j < n; j++) {
        if (j == i || !mem[j])
          continue;
        size_t ij = i * n + j;
        if (!m->partner[ij] || c > m->comp[ij] ||
            (c == m->comp[ij] && f > m->phi[ij])) {
          m->partner[ij] = 1;
          m->comp[ij] = c;
          m->phi[ij] = f;
        }
      }
    }
  }
}

static void rows_update_all(cy_model *m) {
  for (size_t i = 0; i < m->n; i++)
    row_update(m, i);
}

/* Alliance membership or activity changed. */
static void structure_changed(cy_model *m) {
  coverage_update(m);
  rows_update_all(m);
}

static void alliance_end(cy_model *m, size_t a) {
  if (m->al[a].ended)
    return;
  m->al[a].ended = true;
  m->out->alliance_ended[a] = 1;
  m->out->alliance_end_day[a] = cy_kernel_now(&m->kernel);
  if (m->log)
    log_rec(m, CY_LOG_ALLIANCE_END, -1, -1, -1, -1, (int)a, 0.0);
  structure_changed(m);
}

/* The working group of alliance a ends (collapse at a review, or an
 * indictment).  An alliance whose only clause is the working group has
 * nothing left to do without it, so it ends too, through the same path as
 * every other ending: otherwise /summary/alliance_ended would never show a
 * collapsed group (the 2014 US-Russia group of baseline_2014.cfg).  Its
 * ending changes no coverage, so no operation is redrawn and the random
 * stream is the same as when the alliance lived on.  Alliances with other
 * clauses keep them; only the dampening stops. */
static void working_group_end(cy_model *m, size_t a) {
  if (m->al[a].wg_ended)
    return;
  m->al[a].wg_ended = true;
  if (m->s->alliances[a].clauses == CY_CLAUSE_WORKING_GROUP)
    alliance_end(m, a);
}

/* ---- resolution (MODEL.md §3) ---- */

static inline double boost_of(const cy_model *m, size_t j, size_t i) {
  size_t ji = j * m->n + i;
  return m->boost_exp[ji] > cy_kernel_now(&m->kernel) ? m->boost_val[ji] : 0.0;
}

/* Intel sharing: j detected an operation of attacker i. */
static void share_intel(cy_model *m, size_t j, size_t i) {
  double now = cy_kernel_now(&m->kernel);
  for (size_t a = 0; a < m->a; a++) {
    const cy_alliance_spec *sp = &m->s->alliances[a];
    if (!(sp->clauses & CY_CLAUSE_INTEL_SHARING) || !ally_active(m, a) ||
        !m->al[a].member[j])
      continue;
    const uint8_t *mem = m->al[a].member;
    for (size_t p = 0; p < m->n; p++) {
      if (p == j || p == i || !mem[p])
        continue;
      if (!(cy_xoshiro_uniform(m->x) < sp->intel_sharing.share))
        continue;
      size_t pi = p * m->n + i;
      double exp_at = now + sp->intel_sharing.ttl;
      if (exp_at >= m->boost_exp[pi]) {
        m->boost_exp[pi] = exp_at;
        m->boost_val[pi] = sp->intel_sharing.boost;
      }
    }
  }
}

static void detect(cy_model *m, size_t i, size_t j, int k) {
  m->out->detected[i * m->n + j]++;
  if (m->log)
    log_rec(m, CY_LOG_DETECT, k, (int)i, (int)j, -1, -1, 0.0);
  share_intel(m, j, i);
  if (cy_xoshiro_uniform(m->x) < m->attr[j][CY_ATTR_ATTRIBUTION]) {
    double t = cy_kernel_now(&m->kernel) +
               m->attr[j][CY_ATTR_ATTRIBUTION_DELAY] * cy_xoshiro_exp(m->x);
    schedule(m, t, EV_ATTRIBUTE, pack(i, j, k), 0);
  }
}

static void launch(cy_model *m, size_t i, size_t j, int k, bool response) {
  size_t n = m->n, ij = i * n + j;
  double now = cy_kernel_now(&m->kernel);
  cy_outcome *out = m->out;
  out->ops[ij]++;
  out->ops_by_type[k]++;
  if (response)
    out->retaliations[ij]++;
  if (out->ts_ops) {
    size_t b = (size_t)(now / m->s->output.bin);
    if (b >= out->n_bins)
      b = out->n_bins - 1;
    out->ts_ops[b * n * n + ij]++;
  }
  if (m->log)
    log_rec(m, response ? CY_LOG_RESPONSE : CY_LOG_LAUNCH, k, (int)i, (int)j,
            -1, -1, 0.0);

  const cy_optype *ot = &m->s->optypes[k];
  double boost = boost_of(m, j, i);
  double D = fmin(1.0, m->attr[j][CY_ATTR_DEFENSE] + boost);
  double o = m->attr[i][CY_ATTR_OFFENSE], qd = ot->difficulty * D;
  double dec = m->s->decisiveness;
  double ao = dec == 1.0 ? o : pow(o, dec);
  double bd = dec == 1.0 ? qd : pow(qd, dec);
  double p = ao + bd > 0.0 ? ao / (ao + bd) : 0.5;
  bool success = cy_xoshiro_uniform(m->x) < p;
  if (success) {
    double dmg = m->value[j] * ot->damage;
    if (m->s->damage_shape > 0.0 && dmg > 0.0)
      dmg = gsl_ran_gamma(m->gsl, m->s->damage_shape, dmg / m->s->damage_shape);
    out->successes[ij]++;
    out->damage[ij] += dmg;
    if (m->log)
      log_rec(m, CY_LOG_SUCCESS, k, (int)i, (int)j, -1, -1, dmg);
  } else if (m->log) {
    log_rec(m, CY_LOG_BLOCKED, k, (int)i, (int)j, -1, -1, 0.0);
  }
  double delta = fmin(1.0, m->attr[j][CY_ATTR_DETECTION] + boost);
  if (cy_xoshiro_uniform(m->x) < delta) {
    if (success)
      schedule(m, now + m->attr[j][CY_ATTR_DWELL] * cy_xoshiro_exp(m->x),
               EV_DETECT, pack(i, j, k), 0);
    else
      detect(m, i, j, k);
  }
}

/* ---- reaction to an attribution (MODEL.md §4) ---- */

static void respond(cy_model *m, size_t j, size_t a, int k) {
  const cy_state_spec *st = &m->s->states[j];
  int type =
      m->response[j]->choose(k, m->next_type[k], st->response.escalate, m->x);
  if (type < 0)
    return;
  double t =
      cy_kernel_now(&m->kernel) + st->response.delay * cy_xoshiro_exp(m->x);
  schedule(m, t, EV_RESPONSE, pack(j, a, type), 0);
}

static void breach(cy_model *m, size_t al) {
  const cy_alliance_spec *sp = &m->s->alliances[al];
  ally *A = &m->al[al];
  double now = cy_kernel_now(&m->kernel);
  m->out->breaches[al]++;
  if (m->log)
    log_rec(m, CY_LOG_BREACH, -1, -1, -1, -1, (int)al, 0.0);
  switch (sp->nonaggression.breach) {
  case CY_BREACH_GRIM:
    alliance_end(m, al);
    break;
  case CY_BREACH_TOLERANCE:
    A->ring[A->pos] = now;
    A->pos = (A->pos + 1) % A->cap;
    if (A->len < A->cap)
      A->len++;
    /* The oldest of the last `threshold` breaches sits at pos once full. */
    if (A->len == A->cap && now - A->ring[A->pos] <= sp->nonaggression.window)
      alliance_end(m, al);
    break;
  case CY_BREACH_NEVER:
    break;
  }
}

static void react(cy_model *m, size_t j, size_t a, int k) {
  size_t n = m->n;
  double g = 0.0;
  for (size_t al = 0; al < m->a; al++) {
    const cy_alliance_spec *sp = &m->s->alliances[al];
    if ((sp->clauses & CY_CLAUSE_WORKING_GROUP) && ally_active(m, al) &&
        !m->al[al].wg_ended && m->al[al].member[j] && m->al[al].member[a])
      g = fmax(g, sp->working_group.dampening);
  }
  double step = m->s->optypes[k].severity *
                m->s->states[j].response.escalation * (1.0 - g);
  double *hja = &m->h[j * n + a];
  double h = fmin(1.0, *hja + step);
  if (h != *hja) {
    *hja = h;
    row_update(m, j);
  }

  for (size_t al = 0; al < m->a; al++) {
    const cy_alliance_spec *sp = &m->s->alliances[al];
    if ((sp->clauses & CY_CLAUSE_NONAGGRESSION) && ally_active(m, al) &&
        m->al[al].member[j] && m->al[al].member[a])
      breach(m, al);
  }

  respond(m, j, a, k);

  /* Mutual defence: each other member acts once per attribution however
   * many alliances bind it to j (the largest solidarity counts). */
  bool any = false;
  for (size_t al = 0; al < m->a; al++) {
    const cy_alliance_spec *sp = &m->s->alliances[al];
    const uint8_t *mem = m->al[al].member;
    if (!(sp->clauses & CY_CLAUSE_MUTUAL_DEFENCE) || !ally_active(m, al) ||
        !mem[j] || mem[a])
      continue;
    for (size_t p = 0; p < n; p++) {
      if (p == j || !mem[p])
        continue;
      if (!any) {
        memset(m->sol, 0, n * sizeof *m->sol);
        memset(m->coll, 0, n);
        any = true;
      }
      m->sol[p] = fmax(m->sol[p], sp->mutual_defence.solidarity);
      m->coll[p] |= sp->mutual_defence.collective_response ? 2 : 1;
    }
  }
  if (!any)
    return;
  for (size_t p = 0; p < n; p++) {
    if (!m->coll[p])
      continue;
    double *hpa = &m->h[p * n + a];
    double hp = fmin(1.0, *hpa + m->sol[p] * step);
    if (hp != *hpa) {
      *hpa = hp;
      row_update(m, p);
    }
    if (m->coll[p] & 2)
      respond(m, p, a, k);
  }
}

/* ---- event handlers ---- */

static void on_op(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  size_t i = obj, n = m->n;
  double R = m->R[i];
  const double *r = m->r + i * n;
  /* Schedule the next one first: launching changes no intensity. */
  if (cy_kernel_token_at(kern, cy_kernel_now(kern) + cy_xoshiro_exp(m->x) / R,
                         EV_OP, (uint32_t)i) != 0)
    fail(m, CY_ENOMEM);
  double u = cy_xoshiro_uniform(m->x) * R;
  size_t j = 0, last = 0;
  for (; j < n; j++) {
    if (r[j] > 0.0) {
      last = j;
      if (u < r[j])
        break;
      u -= r[j];
    }
  }
  if (j == n)
    j = last; /* rounding left u just above the sum */
  const double *cdf = m->mix_cdf + i * m->k;
  double v = cy_xoshiro_uniform(m->x);
  int k = 0;
  while (k + 1 < (int)m->k && v >= cdf[k])
    k++;
  launch(m, i, j, k, false);
}

static void on_detect(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  detect(m, unpack_i(obj), unpack_j(obj), unpack_k(obj));
}

static void on_attribute(cy_kernel *kern, void *ctx, uint32_t obj,
                         uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  size_t i = unpack_i(obj), j = unpack_j(obj), n = m->n;
  int k = unpack_k(obj);
  size_t blamed = i;
  if (n > 2 && cy_xoshiro_uniform(m->x) < m->attr[j][CY_ATTR_MISATTRIBUTION]) {
    /* Uniform over the n-2 states that are neither i nor j. */
    size_t lo = i < j ? i : j, hi = i < j ? j : i;
    size_t c = (size_t)(cy_xoshiro_uniform(m->x) * (double)(n - 2));
    if (c >= n - 2)
      c = n - 3;
    if (c >= lo)
      c++;
    if (c >= hi)
      c++;
    blamed = c;
  }
  if (blamed == i)
    m->out->attributed[i * n + j]++;
  else
    m->out->misattributed[blamed * n + j]++;
  if (m->log)
    log_rec(m, CY_LOG_ATTRIBUTE, k, (int)i, (int)j, (int)blamed, -1, 0.0);
  react(m, j, blamed, k);
}

static void on_response(cy_kernel *kern, void *ctx, uint32_t obj,
                        uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  launch(m, unpack_i(obj), unpack_j(obj), unpack_k(obj), true);
}

static void on_review(cy_kernel *kern, void *ctx, uint32_t obj, uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  m->review[obj]->review(m, obj);
  schedule(m, cy_kernel_now(kern) + m->s->states[obj].review.interval,
           EV_REVIEW, obj, 0);
}

void cy_model_review_periodic(cy_model *m, size_t j) {
  size_t n = m->n;
  double tau = m->attr[j][CY_ATTR_RELAXATION];
  double f = tau > 0.0 ? exp(-m->s->states[j].review.interval / tau) : 0.0;
  bool changed = false;
  double *h = m->h + j * n;
  const double *b = m->s->baseline + j * n;
  for (size_t x = 0; x < n; x++) {
    if (x == j || h[x] == b[x])
      continue;
    h[x] = b[x] + (h[x] - b[x]) * f;
    changed = true;
  }
  if (changed)
    row_update(m, j);

  for (size_t a = 0; a < m->a; a++) {
    const cy_alliance_spec *sp = &m->s->alliances[a];
    const uint8_t *mem = m->al[a].member;
    if (!ally_active(m, a) || !mem[j])
      continue;
    if (sp->clauses & CY_CLAUSE_TECH_TRANSFER) {
      double dmax = 0.0;
      for (size_t p = 0; p < n; p++)
        if (mem[p])
          dmax = fmax(dmax, m->attr[p][CY_ATTR_DEFENSE]);
      double *d = &m->attr[j][CY_ATTR_DEFENSE];
      *d += sp->tech_transfer.rate * (dmax - *d);
    }
    if ((sp->clauses & CY_CLAUSE_WORKING_GROUP) && !m->al[a].wg_ended) {
      /* Mutual hostility of a pair: the mean of its two directions. */
      for (size_t p = 0; p < n && !m->al[a].wg_ended; p++)
        for (size_t q = p + 1; q < n; q++)
          if (mem[p] && mem[q] &&
              0.5 * (m->h[p * n + q] + m->h[q * n + p]) >
                  sp->working_group.collapse_hostility) {
            working_group_end(m, a);
            break;
          }
    }
  }
}

static void end_working_groups(cy_model *m, size_t x, size_t y) {
  for (size_t a = 0; a < m->a; a++)
    if ((m->s->alliances[a].clauses & CY_CLAUSE_WORKING_GROUP) &&
        m->al[a].member[x] && m->al[a].member[y])
      working_group_end(m, a);
}

static void hostility_step(cy_model *m, size_t x, size_t y, double step) {
  double *h = &m->h[x * m->n + y];
  double v = fmin(1.0, fmax(0.0, *h + step));
  if (v != *h) {
    *h = v;
    row_update(m, x);
  }
}

static void on_timeline(cy_kernel *kern, void *ctx, uint32_t obj,
                        uint32_t arg) {
  (void)arg;
  cy_model *m = ctx;
  const cy_timeline_spec *e = &m->s->timeline[obj];
  if (m->log)
    log_rec(m, CY_LOG_TIMELINE, -1, -1, -1, -1, (int)obj, 0.0);
  switch (e->kind) {
  case CY_TL_INDICTMENT:
    end_working_groups(m, (size_t)e->by, (size_t)e->on);
    /* fall through */
  case CY_TL_SANCTIONS:
    hostility_step(m, (size_t)e->on, (size_t)e->by, e->hostility);
    hostility_step(m, (size_t)e->by, (size_t)e->on, e->hostility);
    break;
  case CY_TL_ISOLATION:
    m->attr[e->state][CY_ATTR_EXPOSURE] *= 1.0 - e->level;
    rows_update_all(m);
    break;
  case CY_TL_JOIN: {
    ally *A = &m->al[e->alliance];
    if (!A->ended && !A->member[e->state]) {
      A->member[e->state] = 1;
      A->n_members++;
      structure_changed(m);
    }
    break;
  }
  case CY_TL_LEAVE: {
    ally *A = &m->al[e->alliance];
    if (!A->ended && A->member[e->state]) {
      A->member[e->state] = 0;
      A->n_members--;
      if (A->n_members < 2)
        alliance_end(m, (size_t)e->alliance);
      else
        structure_changed(m);
    }
    break;
  }
  case CY_TL_END_ALLIANCE:
    alliance_end(m, (size_t)e->alliance);
    break;
  case CY_TL_SET:
    m->attr[e->state][e->attribute] = e->value;
    if (e->attribute == CY_ATTR_VALUE)
      m->value[e->state] = e->value;
    if (e->attribute == CY_ATTR_EXPOSURE || e->attribute == CY_ATTR_VALUE ||
        e->attribute == CY_ATTR_ATTACK_RATE)
      rows_update_all(m);
    break;
  }
  if (obj + 1 < m->s->n_timeline)
    schedule(m, fmax(m->s->timeline[obj + 1].at, cy_kernel_now(kern)),
             EV_TIMELINE, obj + 1, 0);
}

static void on_ally_start(cy_kernel *kern, void *ctx, uint32_t obj,
                          uint32_t arg) {
  (void)kern;
  (void)arg;
  cy_model *m = ctx;
  if (m->al[obj].ended)
    return;
  m->al[obj].started = true;
  structure_changed(m);
}

static void on_ally_until(cy_kernel *kern, void *ctx, uint32_t obj,
                          uint32_t arg) {
  (void)kern;
  (void)arg;
  alliance_end(ctx, obj);
}

/* ---- construction and runs ---- */

void cy_model_free(cy_model *m) {
  if (!m)
    return;
  cy_kernel_fini(&m->kernel);
  if (m->gsl)
    gsl_rng_free(m->gsl);
  free(m->attack);
  free(m->response);
  free(m->review);
  free(m->mix_cdf);
  free(m->attr);
  free(m->value);
  free(m->h);
  free(m->r);
  free(m->R);
  free(m->w);
  free(m->u);
  free(m->comp);
  free(m->phi);
  free(m->partner);
  free(m->boost_val);
  free(m->boost_exp);
  free(m->sol);
  free(m->coll);
  if (m->al)
    for (size_t a = 0; a < m->a; a++) {
      free(m->al[a].member);
      free(m->al[a].ring);
    }
  free(m->al);
  free(m);
}

int cy_model_alloc(cy_model **out, const cy_scenario *s, cy_error *err) {
  *out = NULL;
  assert(s->n_states >= CY_MIN_STATES && s->n_states <= CY_MAX_STATES);
  assert(s->n_optypes >= 1 && s->n_optypes <= CY_MAX_OPTYPES);
  cy_model *m = calloc(1, sizeof *m);
  if (!m)
    return cy_error_set(err, CY_ENOMEM, "model: out of memory");
  size_t n = s->n_states, nn = n * n, k = s->n_optypes;
  m->s = s;
  m->n = n;
  m->k = k;
  m->a = s->n_alliances;
  m->attack = calloc(n, sizeof *m->attack);
  m->response = calloc(n, sizeof *m->response);
  m->review = calloc(n, sizeof *m->review);
  m->mix_cdf = calloc(n * k, sizeof *m->mix_cdf);
  m->attr = calloc(n, sizeof *m->attr);
  m->value = calloc(n, sizeof *m->value);
  m->h = calloc(nn, sizeof *m->h);
  m->r = calloc(nn, sizeof *m->r);
  m->R = calloc(n, sizeof *m->R);
  m->w = calloc(n, sizeof *m->w);
  m->u = calloc(n, sizeof *m->u);
  m->comp = calloc(nn, sizeof *m->comp);
  m->phi = calloc(nn, sizeof *m->phi);
  m->partner = calloc(nn, 1);
  m->boost_val = calloc(nn, sizeof *m->boost_val);
  m->boost_exp = calloc(nn, sizeof *m->boost_exp);
  m->sol = calloc(n, sizeof *m->sol);
  m->coll = calloc(n, 1);
  m->al = calloc(m->a ? m->a : 1, sizeof *m->al);
  m->gsl = cy_rng_alloc(0);
  bool bad = !m->attack || !m->response || !m->review || !m->mix_cdf ||
             !m->attr || !m->value || !m->h || !m->r || !m->R || !m->w ||
             !m->u || !m->comp || !m->phi || !m->partner || !m->boost_val ||
             !m->boost_exp || !m->sol || !m->coll || !m->al || !m->gsl;
  for (size_t a = 0; !bad && a < m->a; a++) {
    const cy_alliance_spec *sp = &s->alliances[a];
    m->al[a].member = calloc(n, 1);
    uint32_t cap =
        sp->nonaggression.threshold ? sp->nonaggression.threshold : 1;
    m->al[a].cap = cap;
    if ((sp->clauses & CY_CLAUSE_NONAGGRESSION) &&
        sp->nonaggression.breach == CY_BREACH_TOLERANCE)
      m->al[a].ring = calloc(cap, sizeof *m->al[a].ring);
    bad = !m->al[a].member ||
          ((sp->clauses & CY_CLAUSE_NONAGGRESSION) &&
           sp->nonaggression.breach == CY_BREACH_TOLERANCE && !m->al[a].ring);
  }
  /* Every pending event is at most: one per attacker, a few per operation
   * in flight; the kernel grows past this hint on demand. */
  if (bad || cy_kernel_init(&m->kernel, 64 + 16 * n, (uint32_t)n) != 0) {
    if (!bad)
      memset(&m->kernel, 0, sizeof m->kernel);
    cy_model_free(m);
    return cy_error_set(err, CY_ENOMEM, "model: out of memory");
  }
  m->x = cy_rng_state(m->gsl);

  for (size_t i = 0; i < n; i++) {
    const cy_state_spec *st = &s->states[i];
    m->attack[i] = cy_attack_policy_find(st->attack.policy);
    m->response[i] = cy_response_policy_find(st->response.policy);
    m->review[i] = cy_review_policy_find(st->review.policy);
    const char *what = !m->attack[i]     ? "attack"
                       : !m->response[i] ? "response"
                       : !m->review[i]   ? "review"
                                         : NULL;
    if (what) {
      const char *name = !m->attack[i]     ? st->attack.policy
                         : !m->response[i] ? st->response.policy
                                           : st->review.policy;
      cy_model_free(m);
      return cy_error_set(err, CY_EINPUT, "states.%s: unknown %s policy \"%s\"",
                          st->id, what, name);
    }
    double total = 0.0;
    for (size_t t = 0; t < k; t++)
      total += st->attack.mix[t];
    double acc = 0.0;
    for (size_t t = 0; t < k; t++) {
      acc += st->attack.mix[t];
      m->mix_cdf[i * k + t] = total > 0.0 ? acc / total : 1.0;
    }
  }
  /* The next more severe optype: the least severe of those more severe than
   * k (the lowest index on a tie); k itself when none is. */
  for (size_t t = 0; t < k; t++) {
    int best = (int)t;
    for (size_t u = 0; u < k; u++) {
      double su = s->optypes[u].severity;
      if (su > s->optypes[t].severity &&
          (best == (int)t || su < s->optypes[best].severity))
        best = (int)u;
    }
    m->next_type[t] = best;
  }

  cy_kernel_on(&m->kernel, EV_OP, on_op, m);
  cy_kernel_on(&m->kernel, EV_DETECT, on_detect, m);
  cy_kernel_on(&m->kernel, EV_ATTRIBUTE, on_attribute, m);
  cy_kernel_on(&m->kernel, EV_RESPONSE, on_response, m);
  cy_kernel_on(&m->kernel, EV_REVIEW, on_review, m);
  cy_kernel_on(&m->kernel, EV_TIMELINE, on_timeline, m);
  cy_kernel_on(&m->kernel, EV_ALLY_START, on_ally_start, m);
  cy_kernel_on(&m->kernel, EV_ALLY_UNTIL, on_ally_until, m);
  *out = m;
  return CY_OK;
}

int cy_model_run(cy_model *m, int64_t seed, uint64_t replication,
                 cy_outcome *out, cy_error *err) {
  const cy_scenario *s = m->s;
  size_t n = m->n, nn = n * n;
  assert(out->n_states == n && out->n_optypes == m->k &&
         out->n_alliances == m->a);
  m->out = out;
  m->err = CY_OK;
  m->log = s->output.event_log;
  m->horizon = s->horizon;
  cy_outcome_clear(out);
  cy_kernel_reset(&m->kernel);
  cy_xoshiro_seed(m->x, cy_stream_seed(seed, replication, STREAM_MAIN));

  for (size_t i = 0; i < n; i++) {
    const cy_state_spec *st = &s->states[i];
    double *a = m->attr[i];
    a[CY_ATTR_OFFENSE] = st->offense;
    a[CY_ATTR_DEFENSE] = st->defense;
    a[CY_ATTR_DETECTION] = st->detection;
    a[CY_ATTR_ATTRIBUTION] = st->attribution;
    a[CY_ATTR_MISATTRIBUTION] = st->misattribution;
    a[CY_ATTR_EXPOSURE] = st->exposure;
    a[CY_ATTR_VALUE] = st->value;
    a[CY_ATTR_DWELL] = st->dwell;
    a[CY_ATTR_ATTRIBUTION_DELAY] = st->attribution_delay;
    a[CY_ATTR_RELAXATION] = st->relaxation;
    a[CY_ATTR_ATTACK_RATE] = st->attack.rate;
    m->value[i] = st->value;
    m->R[i] = 0.0;
  }
  memcpy(m->h, s->baseline, nn * sizeof *m->h);
  memset(m->boost_val, 0, nn * sizeof *m->boost_val);
  memset(m->boost_exp, 0, nn * sizeof *m->boost_exp);
  for (size_t a = 0; a < m->a; a++) {
    const cy_alliance_spec *sp = &s->alliances[a];
    ally *A = &m->al[a];
    memset(A->member, 0, n);
    for (size_t p = 0; p < sp->n_members; p++)
      A->member[sp->members[p]] = 1;
    A->n_members = sp->n_members;
    A->started = sp->from <= 0.0 && sp->until > 0.0;
    A->ended = false;
    A->wg_ended = false;
    A->len = A->pos = 0;
    out->alliance_end_day[a] = s->horizon;
    if (sp->from > 0.0 && sp->from < s->horizon && sp->from < sp->until)
      schedule(m, sp->from, EV_ALLY_START, (uint32_t)a, 0);
    if (sp->until < s->horizon)
      schedule(m, fmax(sp->until, 0.0), EV_ALLY_UNTIL, (uint32_t)a, 0);
  }
  for (size_t i = 0; i < n; i++) {
    double iv = s->states[i].review.interval;
    if (iv > 0.0 && iv < s->horizon)
      schedule(m, iv, EV_REVIEW, (uint32_t)i, 0);
  }
  if (s->n_timeline && s->timeline[0].at < s->horizon)
    schedule(m, fmax(s->timeline[0].at, 0.0), EV_TIMELINE, 0, 0);
  coverage_update(m);
  rows_update_all(m);

  cy_kernel_run(&m->kernel, s->horizon);

  memcpy(out->hostility_final, m->h, nn * sizeof *m->h);
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
