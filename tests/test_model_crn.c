/* test_model_crn.c: synchronised random numbers (MODEL.md §10.1).
 *
 * Every draw is a pure function of (seed, replication, source, index,
 * purpose), so a sweep axis changes only what its rules reach: a pair
 * outside that reach repeats its counts bit for bit at every point, a pair
 * reached stays strongly correlated between nearby points, and nothing
 * depends on which replications a model ran before. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 1001, R_UNREACHED = 200, R_CORR = 400 };

enum { A, B, C, D }; /* the four states of the unreached world */

/* Four states in two dyads that never meet: A <-> B and C <-> D have
 * baseline hostility 0.3 both ways, every other baseline is 0 (hostility
 * weights, so no operation ever crosses), misattribution is 0 (a blame
 * always names the true attacker, who is in the victim's own dyad), so no
 * hostility, fear or response can cross either.  Everything else is on:
 * proportional responses (hostility steps, fear), deterrence, three
 * operation types, time series, the event log.  Alliance 0 is the swept
 * pact of A and B (displacement 0.5: A's and B's undisplaced intensity
 * toward C and D is 0, so nothing is displaced there); alliance 1 shares
 * intelligence among A, B and C (C's indicators are about A or B, who
 * never attack C; A's and B's are about D only if D attacked them, which
 * it never does), so its draws are taken at some points and not at
 * others without reaching C <-> D. */
static void unreached_world(cy_scenario *s, double compliance, bool enabled) {
  tm_scenario(s, 4, 0.0);
  s->horizon = 730.0;
  s->output.timeseries = true;
  s->output.bin = 30.0;
  s->output.event_log = false;
  s->baseline[A * 4 + B] = s->baseline[B * 4 + A] = 0.3;
  s->baseline[C * 4 + D] = s->baseline[D * 4 + C] = 0.3;
  for (int i = 0; i < 4; i++) {
    cy_state_spec *st = &s->states[i];
    st->attack.rate = 0.3;
    st->attack.mix[0] = 0.6;
    st->attack.mix[1] = 0.3;
    st->attack.mix[2] = 0.1;
    st->attack.deterrence = 0.5;
    st->attack.deterrence_memory = 200.0;
    st->offense = 0.6;
    st->detection = 0.6;
    st->attribution = 0.6;
    st->misattribution = 0.0;
    st->dwell = 10.0;
    st->attribution_delay = 10.0;
    st->relaxation = 200.0;
    strcpy(st->response.policy, "proportional");
    st->response.escalation = 0.5;
    st->response.delay = 10.0;
  }
  cy_alliance_spec *pact =
      tm_alliance(s, CY_CLAUSE_NONAGGRESSION, 2, (int[]){A, B});
  pact->nonaggression.compliance = compliance;
  pact->nonaggression.displacement = 0.5;
  pact->nonaggression.breach = CY_BREACH_TOLERANCE;
  pact->nonaggression.threshold = 3;
  pact->nonaggression.window = 200.0;
  pact->enabled = enabled;
  cy_alliance_spec *intel =
      tm_alliance(s, CY_CLAUSE_INTEL_SHARING, 3, (int[]){A, B, C});
  intel->intel_sharing.share = 1.0;
  intel->intel_sharing.boost = 0.3;
}

/* Whether the values of c -> d and d -> c agree bit for bit in every field
 * §10.1 covers (ops, successes, detected, attributed, retaliations, damage,
 * hostility_final, fear_final, and every bin of timeseries/ops). */
static bool dyad_equal(const cy_outcome *x, const cy_outcome *y, size_t c,
                       size_t d) {
  size_t n = x->n_states, nn = n * n;
  size_t pairs[2] = {c * n + d, d * n + c};
  for (int k = 0; k < 2; k++) {
    size_t p = pairs[k];
    if (x->ops[p] != y->ops[p] || x->successes[p] != y->successes[p] ||
        x->detected[p] != y->detected[p] ||
        x->attributed[p] != y->attributed[p] ||
        x->retaliations[p] != y->retaliations[p] ||
        memcmp(&x->damage[p], &y->damage[p], sizeof(double)) ||
        memcmp(&x->hostility_final[p], &y->hostility_final[p],
               sizeof(double)) ||
        memcmp(&x->fear_final[p], &y->fear_final[p], sizeof(double)))
      return false;
    for (size_t b = 0; b < x->n_bins; b++)
      if (x->ts_ops[b * nn + p] != y->ts_ops[b * nn + p])
        return false;
  }
  return true;
}

/* Sweep compliance {0, 0.4, 0.8, 1} x enabled {true, false} (8 points)
 * over the same replications: every C <-> D value must repeat the first
 * point's bits in every replication.  The A <-> B dyad must move (else the
 * test proves nothing), and C <-> D must be busy (operations, responses,
 * fear). */
static void test_unreached_pair(void) {
  enum { POINTS = 8 };
  const double comp[4] = {0.0, 0.4, 0.8, 1.0};
  cy_scenario s[POINTS];
  tm_run r[POINTS];
  for (int p = 0; p < POINTS; p++) {
    unreached_world(&s[p], comp[p / 2], p % 2 == 0);
    tm_open(&r[p], &s[p]);
  }
  int differ = 0;
  double ab_ops[POINTS] = {0}, cd_ops = 0, cd_retal = 0, cd_fear = 0;
  for (int rep = 0; rep < R_UNREACHED; rep++) {
    for (int p = 0; p < POINTS; p++) {
      tm_rep(&r[p], SEED, (uint64_t)rep);
      ab_ops[p] += r[p].o.ops[A * 4 + B] + r[p].o.ops[B * 4 + A];
    }
    cd_ops += r[0].o.ops[C * 4 + D] + r[0].o.ops[D * 4 + C];
    cd_retal += r[0].o.retaliations[C * 4 + D];
    cd_fear += r[0].o.fear_final[C * 4 + D] > 0.0;
    for (int p = 1; p < POINTS; p++)
      differ += !dyad_equal(&r[0].o, &r[p].o, C, D);
  }
  printf("A <-> B ops per replication by point: %g %g %g %g %g %g %g %g; "
         "C <-> D: %g ops, %g retaliations, fear > 0 in %g of %d\n",
         ab_ops[0] / R_UNREACHED, ab_ops[1] / R_UNREACHED,
         ab_ops[2] / R_UNREACHED, ab_ops[3] / R_UNREACHED,
         ab_ops[4] / R_UNREACHED, ab_ops[5] / R_UNREACHED,
         ab_ops[6] / R_UNREACHED, ab_ops[7] / R_UNREACHED, cd_ops / R_UNREACHED,
         cd_retal / R_UNREACHED, cd_fear, R_UNREACHED);
  CHECK(differ == 0,
        "C <-> D bit-identical at all 8 points in all %d replications "
        "(%d differ)",
        R_UNREACHED, differ);
  /* Compliance 1 enabled suppresses A <-> B until a breach; disabled it is
   * the compliance-0 world. */
  CHECK(ab_ops[6] < 0.8 * ab_ops[0] && ab_ops[7] == ab_ops[1],
        "the sweep reaches A <-> B (ops %g at c=0, %g at c=1; disabled "
        "%g and %g)",
        ab_ops[0], ab_ops[6], ab_ops[1], ab_ops[7]);
  CHECK(cd_ops > 50.0 * R_UNREACHED && cd_retal > 5.0 * R_UNREACHED &&
            cd_fear > 0.5 * R_UNREACHED,
        "C <-> D is busy: %g ops, %g retaliations per replication, fear in "
        "%g of %d",
        cd_ops / R_UNREACHED, cd_retal / R_UNREACHED, cd_fear, R_UNREACHED);
  for (int p = 0; p < POINTS; p++) {
    tm_close(&r[p]);
    cy_scenario_fini(&s[p]);
  }
}

/* A pair reached only through responses.  A (0) attacks B (1) under a
 * nonaggression pact whose compliance c is swept (breach `never`, so it
 * lasts); B never attacks, never responds itself, but C (2) stands with B
 * in a mutual-defence alliance with collective_response, so every blame of
 * A by B makes C answer A.  C never attacks on its own (retaliatory) and A
 * never blames anyone (attribution 0), so C -> A operations are exactly
 * C's collective responses: the sweep reaches them only through A's
 * operations on B and the responses they provoke.
 *
 * With synchronised numbers A -> B is one channel whose n-th operation has
 * the same draws at every c, launched at time S_n / r (S_n the n-th clock
 * sum): lowering r from 0.5 x to 0.45 x keeps the first N(0.45) of the
 * N(0.5) operations, so the blamed ones nest, and the response counts are
 * nested Poisson variables with means mu2 < mu1, whose correlation is
 * mu2 / sqrt(mu1 mu2) = sqrt(mu2 / mu1) = sqrt(0.45 / 0.5) = 0.95 (C's
 * responses near the horizon blur it slightly).  Its sampling error over
 * R = 400 is (1 - rho^2) / sqrt(R) = 0.005, so >= 0.9 is 10 standard errors
 * below the expectation; independent streams would give 0, which the
 * unpaired correlation (replication r against r + 1) checks: |rho| < 0.2 is
 * 4 standard errors of 1 / sqrt(R) = 0.05. */
static void response_world(cy_scenario *s, double compliance) {
  tm_scenario(s, 3, 0.0);
  s->horizon = 730.0;
  s->baseline[0 * 3 + 1] = 0.4;
  cy_state_spec *a = &s->states[0], *b = &s->states[1], *c = &s->states[2];
  a->attack.rate = 0.5;
  a->attribution = 0.0;
  a->defense = 0.4;
  strcpy(b->attack.policy, "retaliatory");
  b->detection = 0.7;
  b->attribution = 0.7;
  b->dwell = 5.0;
  b->attribution_delay = 5.0;
  strcpy(c->attack.policy, "retaliatory");
  strcpy(c->response.policy, "proportional");
  c->response.delay = 5.0;
  cy_alliance_spec *pact =
      tm_alliance(s, CY_CLAUSE_NONAGGRESSION, 2, (int[]){0, 1});
  pact->nonaggression.compliance = compliance;
  pact->nonaggression.breach = CY_BREACH_NEVER;
  cy_alliance_spec *md =
      tm_alliance(s, CY_CLAUSE_MUTUAL_DEFENCE, 2, (int[]){1, 2});
  md->mutual_defence.collective_response = true;
}

static double pearson(const double *x, const double *y, int n) {
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  for (int i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / sqrt(sxx * syy);
}

static void test_reached_through_responses(void) {
  cy_scenario s1, s2;
  response_world(&s1, 0.5);
  response_world(&s2, 0.55);
  tm_run r1, r2;
  tm_open(&r1, &s1);
  tm_open(&r2, &s2);
  static double x[R_CORR], y[R_CORR];
  double shifted[R_CORR], m1 = 0, m2 = 0;
  int only_collective = 0;
  for (int rep = 0; rep < R_CORR; rep++) {
    tm_rep(&r1, SEED + 1, (uint64_t)rep);
    tm_rep(&r2, SEED + 1, (uint64_t)rep);
    x[rep] = r1.o.retaliations[2 * 3 + 0];
    y[rep] = r2.o.retaliations[2 * 3 + 0];
    m1 += x[rep] / R_CORR;
    m2 += y[rep] / R_CORR;
    only_collective += r1.o.ops[2 * 3 + 0] == r1.o.retaliations[2 * 3 + 0] &&
                       r1.o.ops[1 * 3 + 0] == 0;
  }
  for (int rep = 0; rep < R_CORR; rep++)
    shifted[rep] = y[(rep + 1) % R_CORR];
  double rho = pearson(x, y, R_CORR), rho0 = pearson(x, shifted, R_CORR);
  printf("collective responses C -> A: mean %.2f at c=0.5, %.2f at c=0.55; "
         "paired correlation %.4f, unpaired %.4f\n",
         m1, m2, rho, rho0);
  CHECK(only_collective == R_CORR,
        "C -> A holds only C's responses, B never attacks (%d of %d)",
        only_collective, R_CORR);
  CHECK(m1 > 20.0 && m2 < m1, "the sweep reaches C -> A (%g -> %g)", m1, m2);
  CHECK(rho >= 0.9, "paired correlation across points %.4f >= 0.9", rho);
  CHECK(fabs(rho0) < 0.2, "unpaired correlation %.4f near 0", rho0);
  tm_close(&r1);
  tm_close(&r2);
  cy_scenario_fini(&s1);
  cy_scenario_fini(&s2);
}

/* Results of (point, replication) do not depend on the replications run
 * before by the same model: replication 7 alone in a fresh model, after
 * replications 0..6, and after 20 replications of another seed, give the
 * same outcome bit for bit (event log included). */
static void test_order(void) {
  cy_scenario s;
  unreached_world(&s, 0.8, true);
  s.output.event_log = true;
  tm_run alone, after;
  tm_open(&alone, &s);
  tm_open(&after, &s);
  tm_rep(&alone, SEED, 7);
  for (uint64_t rep = 0; rep < 7; rep++)
    tm_rep(&after, SEED, rep);
  tm_rep(&after, SEED, 7);
  CHECK(alone.o.log_len > 100, "a busy replication (%zu records)",
        alone.o.log_len);
  CHECK(cy_outcome_equal(&alone.o, &after.o),
        "replication 7 alone == after replications 0..6");
  for (uint64_t rep = 20; rep > 0; rep--)
    tm_rep(&after, SEED + 7, rep);
  tm_rep(&after, SEED, 7);
  CHECK(cy_outcome_equal(&alone.o, &after.o),
        "replication 7 alone == after 20 replications of another seed, "
        "in reverse order");
  tm_close(&alone);
  tm_close(&after);
  cy_scenario_fini(&s);
}

/* The next reaction method (§10.1): a channel's clock waits while its
 * intensity is 0 and is rescaled, never redrawn, when the intensity
 * changes.  One channel S0 -> S1 (S0 never attributes, S1 never attacks:
 * rates stay put).  World A: constant intensity r over [0, 600).  World B
 * (horizon 400): a pact of compliance 1 until day 50 holds r at 0, then r
 * until day 150, then 2r (a `set` doubles the attack rate).  B's
 * integrated intensity reaches A's at A's time t when
 *   tau = t + 50            for t <= 100,
 *   tau = 150 + (t - 100)/2 for t > 100,
 * so B's operations are A's operations at those times, one for one, with
 * the same types and outcomes (the same draws): every launch and success
 * record of B maps onto A's within rounding (1e-9 days).  B launches
 * 0.15 x 100 + 0.3 x 250 = 90 operations per replication, about half of
 * them successful: some 130 records each, over 100 (50 replications). */
static void channel_world(cy_scenario *s, bool b) {
  tm_scenario(s, 2, 0.3);
  s->horizon = b ? 400.0 : 600.0;
  s->output.event_log = true;
  s->states[0].attack.rate = 0.5;
  s->states[0].attack.mix[0] = 0.5;
  s->states[0].attack.mix[1] = 0.5;
  s->states[0].attribution = 0.0;
  s->states[1].attack.rate = 0.0;
  if (!b)
    return;
  cy_alliance_spec *pact =
      tm_alliance(s, CY_CLAUSE_NONAGGRESSION, 2, (int[]){0, 1});
  pact->nonaggression.compliance = 1.0;
  pact->until = 50.0;
  cy_timeline_spec *t = tm_timeline(s, 150.0, CY_TL_SET);
  t->state = 0;
  t->attribute = CY_ATTR_ATTACK_RATE;
  t->value = 1.0;
}

static void test_clock_waits_and_rescales(void) {
  cy_scenario sa, sb;
  channel_world(&sa, false);
  channel_world(&sb, true);
  tm_run ra, rb;
  tm_open(&ra, &sa);
  tm_open(&rb, &sb);
  int bad = 0, matched = 0;
  for (int rep = 0; rep < 50; rep++) {
    tm_rep(&ra, SEED + 2, (uint64_t)rep);
    tm_rep(&rb, SEED + 2, (uint64_t)rep);
    size_t ia = 0;
    for (size_t ib = 0; ib < rb.o.log_len; ib++) {
      const cy_log_record *x = &rb.o.log[ib];
      if (x->kind != CY_LOG_LAUNCH && x->kind != CY_LOG_SUCCESS)
        continue;
      while (ia < ra.o.log_len && ra.o.log[ia].kind != CY_LOG_LAUNCH &&
             ra.o.log[ia].kind != CY_LOG_SUCCESS)
        ia++;
      if (ia == ra.o.log_len) {
        bad++;
        break;
      }
      const cy_log_record *y = &ra.o.log[ia++];
      double t =
          y->time <= 100.0 ? y->time + 50.0 : 150.0 + (y->time - 100.0) / 2;
      bad += x->kind != y->kind || x->optype != y->optype ||
             fabs(x->time - t) > 1e-9 || x->time < 50.0;
      matched++;
    }
  }
  CHECK(bad == 0 && matched > 50 * 100,
        "B's launches and successes are A's, moved by the waiting and the "
        "rescaling (%d bad of %d)",
        bad, matched);
  tm_close(&ra);
  tm_close(&rb);
  cy_scenario_fini(&sa);
  cy_scenario_fini(&sb);
}

int main(void) {
  test_clock_waits_and_rescales();
  test_unreached_pair();
  test_reached_through_responses();
  test_order();
  return cy_test_finish();
}
