/* test_model_ops.c: operation intensities (MODEL.md §2).
 *
 * Each check compares a count with its analytic law at 5 standard errors,
 * the errors computed from the law's own variance over R replications. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 20240501 };

/* Two states, only S0 attacks: ops[0,1] is Poisson(lambda*h*e*T) because
 * nothing S1 does can change h_01 (S1 never attacks, so S0 never blames). */
static void test_poisson(void) {
  const double lambda = 0.5, h = 0.3, e = 0.8, T = 365.0;
  const int R = 2000;
  cy_scenario s;
  tm_scenario(&s, 2, h);
  s.horizon = T;
  s.states[0].attack.rate = lambda;
  s.states[1].attack.rate = 0.0;
  s.states[1].exposure = e;
  s.states[1].response.escalation = 0.5; /* S1's hostility moves; no matter */
  tm_run r;
  tm_open(&r, &s);
  tm_stat st = {0};
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED, (uint64_t)rep);
    tm_add(&st, r.o.ops[0 * 2 + 1]);
    CHECK(r.o.ops[1 * 2 + 0] == 0, "rep %d: S1 has rate 0 but launched %u", rep,
          r.o.ops[1 * 2 + 0]);
  }
  double mu = lambda * h * e * T;
  CHECK_NEAR(tm_mean(&st), mu, 5.0 * sqrt(mu / R), "Poisson mean of ops");
  /* Var(S^2) for a Poisson(mu) sample: (mu + 2 mu^2)/R to leading order. */
  double ratio_se = sqrt((mu + 2.0 * mu * mu) / R) / mu;
  CHECK_NEAR(tm_var(&st) / tm_mean(&st), 1.0, 5.0 * ratio_se,
             "variance/mean of ops (Poisson dispersion)");
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* uniform: w = 1/(N-1); value: w_j = v_j / sum_{k != i} v_k. */
static void test_weights(void) {
  const double lambda = 0.6, T = 200.0;
  const int R = 1000;
  const char *policies[] = {"uniform", "value"};
  for (int p = 0; p < 2; p++) {
    cy_scenario s;
    tm_scenario(&s, 4, 0.2);
    s.horizon = T;
    for (int i = 1; i < 4; i++)
      s.states[i].attack.rate = 0.0;
    strcpy(s.states[0].attack.policy, policies[p]);
    s.states[0].attack.rate = lambda;
    s.states[1].value = 1.0;
    s.states[2].value = 2.0;
    s.states[3].value = 5.0;
    s.states[3].exposure = 0.5;
    tm_run r;
    tm_open(&r, &s);
    tm_stat st[4] = {{0}};
    for (int rep = 0; rep < R; rep++) {
      tm_rep(&r, SEED + 1, (uint64_t)rep);
      for (int j = 1; j < 4; j++)
        tm_add(&st[j], r.o.ops[j]);
    }
    for (int j = 1; j < 4; j++) {
      double w = p == 0 ? 1.0 / 3.0 : s.states[j].value / 8.0;
      double mu = lambda * w * s.states[j].exposure * T;
      char what[64];
      snprintf(what, sizeof what, "%s policy: mean ops on S%d", policies[p], j);
      CHECK_NEAR(tm_mean(&st[j]), mu, 5.0 * sqrt(mu / R), what);
    }
    tm_close(&r);
    cy_scenario_fini(&s);
  }
}

/* Nonaggression pact S0-S1 with compliance c; S2 an outsider.  phi = 0:
 * ops[0,1] has mean lambda h e (1-c) T and ops[0,2] is untouched.  phi = 1:
 * everything suppressed moves to S2 (its only non-partner), so S0's total
 * is what it would be without the pact. */
static void test_compliance_displacement(void) {
  const double lambda = 0.5, c = 0.6, T = 365.0;
  const double h01 = 0.4, h02 = 0.2, e1 = 0.9, e2 = 0.7;
  const int R = 1000;
  for (int disp = 0; disp <= 1; disp++) {
    cy_scenario s;
    tm_scenario(&s, 3, 0.1);
    s.horizon = T;
    s.baseline[0 * 3 + 1] = h01;
    s.baseline[0 * 3 + 2] = h02;
    s.states[0].attack.rate = lambda;
    s.states[1].attack.rate = 0.0;
    s.states[2].attack.rate = 0.0;
    s.states[1].exposure = e1;
    s.states[2].exposure = e2;
    cy_alliance_spec *a =
        tm_alliance(&s, CY_CLAUSE_NONAGGRESSION, 2, (int[]){0, 1});
    a->nonaggression.compliance = c;
    a->nonaggression.displacement = disp;
    a->nonaggression.breach = CY_BREACH_NEVER;
    tm_run r;
    tm_open(&r, &s);
    tm_stat o1 = {0}, o2 = {0}, tot = {0};
    for (int rep = 0; rep < R; rep++) {
      tm_rep(&r, SEED + 2, (uint64_t)rep);
      tm_add(&o1, r.o.ops[1]);
      tm_add(&o2, r.o.ops[2]);
      tm_add(&tot, r.o.ops[1] + r.o.ops[2]);
    }
    double m1 = lambda * h01 * e1 * (1.0 - c) * T;
    double m2 = lambda * h02 * e2 * T + disp * lambda * h01 * e1 * c * T;
    char what[96];
    snprintf(what, sizeof what, "displacement %d: ops on partner", disp);
    CHECK_NEAR(tm_mean(&o1), m1, 5.0 * sqrt(m1 / R), what);
    snprintf(what, sizeof what, "displacement %d: ops on outsider", disp);
    CHECK_NEAR(tm_mean(&o2), m2, 5.0 * sqrt(m2 / R), what);
    if (disp == 1) {
      double mt = lambda * (h01 * e1 + h02 * e2) * T;
      CHECK_NEAR(tm_mean(&tot), mt, 5.0 * sqrt(mt / R),
                 "displacement 1 keeps the attacker's total");
    }
    tm_close(&r);
    cy_scenario_fini(&s);
  }
}

/* Isolation of S1 at day 180 with level 0.75: inbound operations per bin
 * fall from lambda h e bin to lambda h e (1 - level) bin. */
static void test_isolation(void) {
  const double lambda = 1.0, h = 0.5, level = 0.75, T = 360.0, bin = 30.0;
  const int R = 500;
  cy_scenario s;
  tm_scenario(&s, 2, h);
  s.horizon = T;
  s.output.bin = bin;
  s.output.timeseries = true;
  s.states[0].attack.rate = lambda;
  s.states[1].attack.rate = 0.0;
  cy_timeline_spec *t = tm_timeline(&s, 180.0, CY_TL_ISOLATION);
  t->state = 1;
  t->level = level;
  tm_run r;
  tm_open(&r, &s);
  CHECK(r.o.n_bins == 12, "12 bins of 30 days in 360, got %zu", r.o.n_bins);
  tm_stat before = {0}, after = {0};
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED + 3, (uint64_t)rep);
    uint32_t b = 0, a = 0, all = 0;
    for (size_t k = 0; k < r.o.n_bins; k++) {
      uint32_t c = r.o.ts_ops[k * 4 + 0 * 2 + 1];
      all += c;
      if (k < 6)
        b += c;
      else
        a += c;
    }
    CHECK(all == r.o.ops[1], "rep %d: time series sums to ops", rep);
    tm_add(&before, b);
    tm_add(&after, a);
  }
  double mb = lambda * h * 180.0, ma = lambda * h * (1.0 - level) * 180.0;
  CHECK_NEAR(tm_mean(&before), mb, 5.0 * sqrt(mb / R), "ops before isolation");
  CHECK_NEAR(tm_mean(&after), ma, 5.0 * sqrt(ma / R), "ops after isolation");
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* `set attack.rate` at day 100 to 0 stops S0; `retaliatory` never attacks. */
static void test_set_and_retaliatory(void) {
  cy_scenario s;
  tm_scenario(&s, 2, 0.5);
  s.horizon = 300.0;
  s.states[0].attack.rate = 1.0;
  strcpy(s.states[1].attack.policy, "retaliatory");
  s.states[1].attack.rate = 5.0;
  s.output.event_log = true;
  cy_timeline_spec *t = tm_timeline(&s, 100.0, CY_TL_SET);
  t->state = 0;
  t->attribute = CY_ATTR_ATTACK_RATE;
  t->value = 0.0;
  tm_run r;
  tm_open(&r, &s);
  int late = 0, by1 = 0;
  for (int rep = 0; rep < 50; rep++) {
    tm_rep(&r, SEED + 4, (uint64_t)rep);
    for (size_t q = 0; q < r.o.log_len; q++) {
      const cy_log_record *L = &r.o.log[q];
      if (L->kind == CY_LOG_LAUNCH && L->time >= 100.0)
        late++;
      if (L->kind == CY_LOG_LAUNCH && L->attacker == 1)
        by1++;
    }
  }
  CHECK(late == 0, "no launch after rate set to 0 (got %d)", late);
  CHECK(by1 == 0, "a retaliatory state without responses never launches");
  tm_close(&r);
  cy_scenario_fini(&s);
}

int main(void) {
  test_poisson();
  test_weights();
  test_compliance_displacement();
  test_isolation();
  test_set_and_retaliatory();
  return cy_test_finish();
}
