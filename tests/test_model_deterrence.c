/* test_model_deterrence.c: deterrence (MODEL.md §10.3).
 *
 * A successful response by a against i raises i's fear F_ia by the
 * response type's severity (and F_ij for a collective response on behalf
 * of j); fear decays by exp(-interval / tau_F) at each review of i; i's
 * intensity toward a is multiplied by exp(-kappa F_ia). */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 5005 };

/* S0 attacks S1 (h = 0.4, rate 0.5, no response of its own); S1 never
 * attacks but answers in kind (detection and attribution 0.8, offense 0.9
 * against S0's defense 0.3, so about three in four responses succeed).
 * kappa is S0's deterrence. */
static void retaliation_world(cy_scenario *s, double kappa) {
  tm_scenario(s, 2, 0.0);
  s->horizon = 730.0;
  s->baseline[0 * 2 + 1] = 0.4;
  cy_state_spec *a = &s->states[0], *b = &s->states[1];
  a->attack.rate = 0.5;
  a->attack.deterrence = kappa;
  a->attack.deterrence_memory = 365.0;
  a->defense = 0.3;
  strcpy(b->attack.policy, "retaliatory");
  strcpy(b->response.policy, "proportional");
  b->response.delay = 5.0;
  b->offense = 0.9;
  b->detection = 0.8;
  b->attribution = 0.8;
  b->dwell = 5.0;
  b->attribution_delay = 5.0;
}

/* Paired over replications (same seed and replication at both kappa), the
 * difference d = ops(kappa) - ops(0) of the attacker's operations.  Returns
 * its mean and standard error. */
static void paired_ops(void (*world)(cy_scenario *, double), double kappa,
                       size_t pair, int reps, double *mean, double *se,
                       double *base) {
  cy_scenario s0, s1;
  world(&s0, 0.0);
  world(&s1, kappa);
  tm_run r0, r1;
  tm_open(&r0, &s0);
  tm_open(&r1, &s1);
  tm_stat d = {0}, b = {0};
  for (int rep = 0; rep < reps; rep++) {
    tm_rep(&r0, SEED, (uint64_t)rep);
    tm_rep(&r1, SEED, (uint64_t)rep);
    tm_add(&d, (double)r1.o.ops[pair] - (double)r0.o.ops[pair]);
    tm_add(&b, r0.o.ops[pair]);
  }
  *mean = tm_mean(&d);
  *se = sqrt(tm_var(&d) / d.n);
  *base = tm_mean(&b);
  tm_close(&r0);
  tm_close(&r1);
  cy_scenario_fini(&s0);
  cy_scenario_fini(&s1);
}

/* With retaliation, kappa = 2 lowers S0's operations: 0.5 x 0.4 x 730 =
 * 146 over the horizon at kappa = 0 before S0's hostility rises (S0 blames
 * S1's responses), and each success of S1's espionage
 * responses (severity 0.2) multiplies S0's intensity by exp(-0.4) = 0.67
 * until fear decays (tau_F = 365), so the mean paired difference is large
 * and negative; the test asks for more than 5 standard errors of the
 * paired difference below 0. */
static void test_retaliation_deters(void) {
  double mean, se, base;
  paired_ops(retaliation_world, 2.0, 0 * 2 + 1, 300, &mean, &se, &base);
  printf("own retaliation: ops S0->S1 %.1f at kappa 0, paired difference "
         "at kappa 2: %.2f +- %.2f\n",
         base, mean, se);
  CHECK(mean < -5.0 * se, "kappa 2 lowers ops: mean difference %g < -5 x %g",
        mean, se);
}

/* S0 attacks S1 (h = 0.4); S1 never attacks nor responds (`none`), but S2
 * stands with it (mutual defence, collective_response) and answers S0 in
 * kind.  S0 never blames (attribution 0), so S2 is never attacked and all
 * of S0's fear comes from S2's collective responses on behalf of S1, each
 * success raising F_02 and F_01 by the same severity: fear_final[0, 1] ==
 * fear_final[0, 2] bit for bit (same steps, same decays), and with
 * kappa = 2 S0's operations against the ally S1 fall. */
static void collective_world(cy_scenario *s, double kappa) {
  tm_scenario(s, 3, 0.0);
  s->horizon = 730.0;
  s->baseline[0 * 3 + 1] = 0.4;
  cy_state_spec *a = &s->states[0], *b = &s->states[1], *c = &s->states[2];
  a->attack.rate = 0.5;
  a->attack.deterrence = kappa;
  a->attribution = 0.0;
  a->defense = 0.3;
  strcpy(b->attack.policy, "retaliatory");
  b->detection = 0.8;
  b->attribution = 0.8;
  b->dwell = 5.0;
  b->attribution_delay = 5.0;
  strcpy(c->attack.policy, "retaliatory");
  strcpy(c->response.policy, "proportional");
  c->response.delay = 5.0;
  c->offense = 0.9;
  cy_alliance_spec *md =
      tm_alliance(s, CY_CLAUSE_MUTUAL_DEFENCE, 2, (int[]){1, 2});
  md->mutual_defence.collective_response = true;
}

static void test_collective_deters(void) {
  double mean, se, base;
  paired_ops(collective_world, 2.0, 0 * 3 + 1, 300, &mean, &se, &base);
  printf("collective retaliation: ops S0->S1 %.1f at kappa 0, paired "
         "difference at kappa 2: %.2f +- %.2f\n",
         base, mean, se);
  CHECK(mean < -5.0 * se,
        "kappa 2 lowers ops on the ally: mean difference %g < -5 x %g", mean,
        se);
  cy_scenario s;
  collective_world(&s, 2.0);
  tm_run r;
  tm_open(&r, &s);
  int unequal = 0, feared = 0;
  for (int rep = 0; rep < 100; rep++) {
    tm_rep(&r, SEED + 1, (uint64_t)rep);
    unequal += memcmp(&r.o.fear_final[1], &r.o.fear_final[2], sizeof(double));
    feared += r.o.fear_final[1] > 0.0;
    unequal += r.o.fear_final[1 * 3 + 0] != 0.0 ||
               r.o.fear_final[2 * 3 + 0] != 0.0 || r.o.ops[2 * 3 + 1] != 0;
  }
  CHECK(unequal == 0 && feared > 90,
        "F_01 == F_02 from collective responses only (%d unequal, %d of 100 "
        "with fear)",
        unequal, feared);
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* With no response anywhere (every policy `none`, even with a collective
 * mutual-defence clause) nobody is ever retaliated against, F stays 0 and
 * kappa changes nothing: kappa = 0 and kappa = 2 give the same outcome bit
 * for bit, event log included, in a busy world (hostility steps,
 * misattribution, a pact, intel sharing, mutual defence). */
static void quiet_world(cy_scenario *s, double kappa) {
  tm_scenario(s, 4, 0.3);
  s->horizon = 500.0;
  s->output.event_log = true;
  s->output.timeseries = true;
  for (int i = 0; i < 4; i++) {
    cy_state_spec *st = &s->states[i];
    st->attack.rate = 0.3;
    st->attack.deterrence = kappa;
    st->attack.mix[0] = 0.5;
    st->attack.mix[1] = 0.3;
    st->attack.mix[2] = 0.2;
    st->misattribution = 0.2;
    st->response.escalation = 0.5;
  }
  cy_alliance_spec *a = tm_alliance(
      s, CY_CLAUSE_NONAGGRESSION | CY_CLAUSE_INTEL_SHARING, 2, (int[]){0, 1});
  a->nonaggression.compliance = 0.6;
  a->nonaggression.breach = CY_BREACH_TOLERANCE;
  a->nonaggression.threshold = 3;
  a = tm_alliance(s, CY_CLAUSE_MUTUAL_DEFENCE, 3, (int[]){1, 2, 3});
  a->mutual_defence.collective_response = true;
}

static void test_no_retaliation_no_effect(void) {
  cy_scenario s0, s2;
  quiet_world(&s0, 0.0);
  quiet_world(&s2, 2.0);
  tm_run r0, r2;
  tm_open(&r0, &s0);
  tm_open(&r2, &s2);
  int differ = 0, fear = 0;
  size_t records = 0;
  for (int rep = 0; rep < 100; rep++) {
    tm_rep(&r0, SEED + 2, (uint64_t)rep);
    tm_rep(&r2, SEED + 2, (uint64_t)rep);
    differ += !cy_outcome_equal(&r0.o, &r2.o);
    for (size_t p = 0; p < 16; p++)
      fear += r2.o.fear_final[p] != 0.0;
    records += r0.o.log_len;
  }
  CHECK(records > 100 * 500, "a busy world (%zu records per replication)",
        records / 100);
  CHECK(differ == 0 && fear == 0,
        "no response: kappa 0 == kappa 2 bit for bit (%d of 100 differ), "
        "F = 0 (%d nonzero)",
        differ, fear);
  tm_close(&r0);
  tm_close(&r2);
  cy_scenario_fini(&s0);
  cy_scenario_fini(&s2);
}

/* Closed form of F.  S0 attacks S1 with three types (mix 0.5, 0.3, 0.2);
 * S1 answers in kind, so its responses carry the three severities 0.2,
 * 0.5, 1.0; S0 has detection 0, so it never detects them (fear rises at
 * the success, whether or not S0 ever sees it).  From the event log, each
 * response of S1 at time t of type k that succeeded (its SUCCESS record
 * follows its RESPONSE record) must leave
 *   severity_k x exp(-n I / tau_F),
 * n = S0's reviews after t (multiples of I = 30 in (t, horizon)), so
 *   fear_final[0, 1] = sum over successful responses of that,
 * to rounding (relative 1e-12).  Replications with exactly one successful
 * response are the single-retaliation case of the issue; the others check
 * that steps add. */
static void test_fear_closed_form(void) {
  const double I = 30.0, tau_f = 200.0, T = 400.0;
  cy_scenario s;
  tm_scenario(&s, 2, 0.0);
  s.horizon = T;
  s.output.event_log = true;
  s.baseline[0 * 2 + 1] = 0.3;
  cy_state_spec *a = &s.states[0], *b = &s.states[1];
  a->attack.rate = 0.1;
  a->attack.mix[0] = 0.5;
  a->attack.mix[1] = 0.3;
  a->attack.mix[2] = 0.2;
  a->attack.deterrence = 0.5;
  a->attack.deterrence_memory = tau_f;
  a->review.interval = I;
  a->detection = 0.0;
  strcpy(b->attack.policy, "retaliatory");
  strcpy(b->response.policy, "proportional");
  b->response.delay = 20.0;
  b->offense = 0.8;
  b->detection = 0.7;
  b->attribution = 0.7;
  tm_run r;
  tm_open(&r, &s);
  int bad = 0, single = 0, several = 0, none = 0;
  double worst = 0.0;
  for (int rep = 0; rep < 400; rep++) {
    tm_rep(&r, SEED + 3, (uint64_t)rep);
    double expect = 0.0;
    int successes = 0;
    for (size_t k = 0; k + 1 < r.o.log_len; k++) {
      const cy_log_record *rec = &r.o.log[k], *next = &r.o.log[k + 1];
      if (rec->kind != CY_LOG_RESPONSE)
        continue;
      bad += rec->attacker != 1 || rec->target != 0;
      if (next->kind != CY_LOG_SUCCESS || next->time != rec->time)
        continue;
      double n = floor(T / I) - floor(rec->time / I);
      if (floor(T / I) * I == T)
        n -= 1.0; /* the horizon itself is no review */
      expect += s.optypes[rec->optype].severity * exp(-n * I / tau_f);
      successes++;
    }
    double got = r.o.fear_final[0 * 2 + 1];
    double err = fabs(got - expect);
    if (err > 1e-12 * (expect > 1.0 ? expect : 1.0))
      bad++;
    worst = fmax(worst, err);
    bad += r.o.detected[1 * 2 + 0] != 0 || r.o.fear_final[1 * 2 + 0] != 0.0;
    single += successes == 1;
    several += successes > 1;
    none += successes == 0;
  }
  printf("fear closed form: %d replications with one successful response, "
         "%d with several, %d with none; worst error %.3g\n",
         single, several, none, worst);
  CHECK(bad == 0, "F_01 = sum severity exp(-n I / tau_F) (%d bad)", bad);
  CHECK(single > 20 && several > 20, "both cases occur (%d, %d)", single,
        several);
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* Responses are not deterred, and deterred intensity is removed, not
 * moved.  S0 attacks S1 and S2 uniformly (weights 1/2, rate 0.4); S2
 * answers in kind, S1 never responds; S0 answers S2's responses in kind.
 * S2 attacks nobody on its own (retaliatory), so all its operations are
 * responses.  Raising S0's kappa from 0 to 2 must lower ops[0, 2] and leave
 * ops[0, 1] bit for bit (F_01 stays 0, and what deterrence takes from
 * S0 -> S2 goes nowhere); raising S2's kappa from 0 to 50 must change
 * nothing at all (S2's fear of S0 only scales intensity S2 does not have:
 * its responses are never deterred). */
static void responding_world(cy_scenario *s, double kappa0, double kappa2) {
  tm_scenario(s, 3, 0.3);
  s->horizon = 500.0;
  s->output.event_log = true;
  cy_state_spec *a = &s->states[0], *c = &s->states[2];
  strcpy(a->attack.policy, "uniform");
  a->attack.rate = 0.4;
  a->attack.deterrence = kappa0;
  strcpy(a->response.policy, "proportional");
  a->offense = 0.9;
  a->detection = 0.9;
  a->attribution = 0.9;
  strcpy(c->attack.policy, "retaliatory");
  c->attack.deterrence = kappa2;
  strcpy(c->response.policy, "proportional");
  c->response.delay = 5.0;
  c->offense = 0.9;
  c->detection = 0.9;
  c->attribution = 0.9;
  s->states[1].attack.rate = 0.0;
}

static void test_not_deterred_not_moved(void) {
  cy_scenario base, k0, k2;
  responding_world(&base, 0.0, 0.0);
  responding_world(&k0, 2.0, 0.0);
  responding_world(&k2, 0.0, 50.0);
  tm_run rb, r0, r2;
  tm_open(&rb, &base);
  tm_open(&r0, &k0);
  tm_open(&r2, &k2);
  int moved = 0, differ = 0;
  double ops02[2] = {0}, retal20 = 0, fear20 = 0;
  for (int rep = 0; rep < 200; rep++) {
    tm_rep(&rb, SEED + 4, (uint64_t)rep);
    tm_rep(&r0, SEED + 4, (uint64_t)rep);
    tm_rep(&r2, SEED + 4, (uint64_t)rep);
    moved += rb.o.ops[0 * 3 + 1] != r0.o.ops[0 * 3 + 1] ||
             rb.o.successes[0 * 3 + 1] != r0.o.successes[0 * 3 + 1];
    differ += !cy_outcome_equal(&rb.o, &r2.o);
    ops02[0] += rb.o.ops[0 * 3 + 2];
    ops02[1] += r0.o.ops[0 * 3 + 2];
    retal20 += rb.o.retaliations[2 * 3 + 0];
    fear20 += rb.o.fear_final[2 * 3 + 0] > 0.0;
  }
  printf("ops S0->S2 %.1f at kappa 0, %.1f at kappa 2; S2's responses %.1f, "
         "S2 fears S0 in %g of 200\n",
         ops02[0] / 200, ops02[1] / 200, retal20 / 200, fear20);
  CHECK(ops02[1] < 0.8 * ops02[0], "kappa 2 deters S0 -> S2 (%g -> %g)",
        ops02[0], ops02[1]);
  CHECK(moved == 0, "S0 -> S1 unchanged bit for bit (%d of 200 differ)", moved);
  CHECK(fear20 > 100 && differ == 0,
        "S2 fears S0 (%g of 200) yet its kappa 50 changes nothing (%d differ)",
        fear20, differ);
  tm_close(&rb);
  tm_close(&r0);
  tm_close(&r2);
  cy_scenario_fini(&base);
  cy_scenario_fini(&k0);
  cy_scenario_fini(&k2);
}

int main(void) {
  test_not_deterred_not_moved();
  test_retaliation_deters();
  test_collective_deters();
  test_no_retaliation_no_effect();
  test_fear_closed_form();
  return cy_test_finish();
}
