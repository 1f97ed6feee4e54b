/* test_model_resolution.c: success, detection, attribution, misattribution
 * and damage (MODEL.md §3).
 *
 * Given the number of trials (ops, detections), each step is a binomial
 * draw with the stated probability; the checks allow 5 binomial standard
 * errors.  Delays are tiny so that no step is cut off by the horizon. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 777 };

static void binom_check(double hits, double trials, double p,
                        const char *what) {
  double se = sqrt(p * (1.0 - p) / trials);
  CHECK(trials > 100, "%s: enough trials (%g)", what, trials);
  CHECK_NEAR(hits / trials, p, 5.0 * se, what);
}

/* N = 4: S0 attacks S1 only, so every blame is by S1 of a true attacker
 * S0, and a misattribution names S2 or S3. */
static void test_steps(double decisiveness, int optype) {
  const double o = 0.8, d = 0.6, delta = 0.4, alpha = 0.7, mu = 0.3;
  const int R = 400;
  cy_scenario s;
  tm_scenario(&s, 4, 0.0);
  s.horizon = 365.0;
  s.decisiveness = decisiveness;
  s.baseline[0 * 4 + 1] = 0.5;
  for (int i = 0; i < 4; i++) {
    s.states[i].attack.rate = 0.0;
    s.states[i].dwell = 1e-9;
    s.states[i].attribution_delay = 1e-9;
  }
  s.states[0].attack.rate = 1.0;
  s.states[0].offense = o;
  memset(s.states[0].attack.mix, 0, sizeof s.states[0].attack.mix);
  s.states[0].attack.mix[optype] = 1.0;
  s.states[1].defense = d;
  s.states[1].detection = delta;
  s.states[1].attribution = alpha;
  s.states[1].misattribution = mu;
  tm_run r;
  tm_open(&r, &s);
  double ops = 0, succ = 0, det = 0, att = 0, mis = 0, mis2 = 0, dmg = 0;
  int bad_types = 0;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED + (int64_t)optype, (uint64_t)rep);
    ops += r.o.ops[1];
    succ += r.o.successes[1];
    det += r.o.detected[1];
    att += r.o.attributed[1];
    mis += r.o.misattributed[2 * 4 + 1] + r.o.misattributed[3 * 4 + 1];
    mis2 += r.o.misattributed[2 * 4 + 1];
    dmg += r.o.damage[1];
    for (size_t k = 0; k < 3; k++)
      if ((int)k != optype && r.o.ops_by_type[k])
        bad_types++;
    if (r.o.ops_by_type[optype] != r.o.ops[1])
      bad_types++;
  }
  CHECK(bad_types == 0, "every op has the mix's only type");
  double q = s.optypes[optype].difficulty;
  double p =
      pow(o, decisiveness) / (pow(o, decisiveness) + pow(q * d, decisiveness));
  char what[128];
  snprintf(what, sizeof what, "m=%g type %d: success fraction", decisiveness,
           optype);
  binom_check(succ, ops, p, what);
  snprintf(what, sizeof what, "m=%g type %d: detection fraction", decisiveness,
           optype);
  binom_check(det, ops, delta, what);
  snprintf(what, sizeof what, "m=%g type %d: attribution fraction",
           decisiveness, optype);
  binom_check(att + mis, det, alpha, what);
  snprintf(what, sizeof what, "m=%g type %d: misattribution fraction",
           decisiveness, optype);
  binom_check(mis, att + mis, mu, what);
  snprintf(what, sizeof what, "m=%g type %d: misattribution S2 share",
           decisiveness, optype);
  binom_check(mis2, mis, 0.5, what);
  /* Deterministic damage: v * damage_k per success, exactly. */
  double per = s.states[1].value * s.optypes[optype].damage;
  CHECK_NEAR(dmg, succ * per, 1e-9 * (1.0 + succ * per),
             "deterministic damage = successes * v * damage");
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* p = 1/2 when both contest terms are 0; N = 2 never misattributes. */
static void test_edge_cases(void) {
  const int R = 300;
  cy_scenario s;
  tm_scenario(&s, 2, 0.5);
  s.horizon = 200.0;
  s.states[0].attack.rate = 1.0;
  s.states[0].offense = 0.0;
  s.states[1].attack.rate = 0.0;
  s.states[1].defense = 0.0;
  s.states[1].misattribution = 0.9;
  s.states[1].dwell = 1e-9;
  s.states[1].attribution_delay = 1e-9;
  tm_run r;
  tm_open(&r, &s);
  double ops = 0, succ = 0, mis = 0, att = 0;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED + 10, (uint64_t)rep);
    ops += r.o.ops[1];
    succ += r.o.successes[1];
    att += r.o.attributed[1];
    mis += r.o.misattributed[0 * 2 + 1] + r.o.misattributed[1 * 2 + 0] +
           r.o.misattributed[1 * 2 + 1] + r.o.misattributed[0];
  }
  binom_check(succ, ops, 0.5, "0 vs 0 contest succeeds half the time");
  CHECK(mis == 0 && att > 0,
        "N = 2 always names the true attacker (%g misattributed, %g "
        "attributed)",
        mis, att);
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* Gamma damage noise keeps the mean v * damage and has variance
 * mean^2 / shape per success. */
static void test_damage_noise(void) {
  const double shape = 2.0;
  const int R = 400;
  cy_scenario s;
  tm_scenario(&s, 2, 0.5);
  s.horizon = 365.0;
  s.damage_shape = shape;
  s.states[0].attack.rate = 1.0;
  s.states[1].attack.rate = 0.0;
  s.states[1].value = 3.0;
  tm_run r;
  tm_open(&r, &s);
  double succ = 0, dmg = 0;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED + 11, (uint64_t)rep);
    succ += r.o.successes[1];
    dmg += r.o.damage[1];
  }
  double mean = 3.0 * s.optypes[0].damage;
  double se = mean / sqrt(shape) / sqrt(succ);
  CHECK_NEAR(dmg / succ, mean, 5.0 * se, "Gamma damage mean per success");
  CHECK(fabs(dmg - succ * mean) > 1e-12,
        "Gamma damage is not the deterministic value");
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* Detection counted before the horizon only: with dwell much longer than
 * the horizon, successful operations are almost never detected while
 * blocked ones are detected at once. */
static void test_dwell_cutoff(void) {
  cy_scenario s;
  tm_scenario(&s, 2, 0.5);
  s.horizon = 100.0;
  s.states[0].attack.rate = 1.0;
  s.states[1].attack.rate = 0.0;
  s.states[1].detection = 1.0;
  s.states[1].dwell = 1e9;
  tm_run r;
  tm_open(&r, &s);
  double blocked = 0, det = 0;
  for (int rep = 0; rep < 200; rep++) {
    tm_rep(&r, SEED + 12, (uint64_t)rep);
    blocked += r.o.ops[1] - r.o.successes[1];
    det += r.o.detected[1];
  }
  /* P(one success detected before day 100) < 1e-7 per success. */
  CHECK(det == blocked, "detected (%g) == blocked (%g) when dwell >> horizon",
        det, blocked);
  tm_close(&r);
  cy_scenario_fini(&s);
}

int main(void) {
  test_steps(1.0, 0);
  test_steps(1.0, 1);
  test_steps(2.0, 2);
  test_edge_cases();
  test_damage_noise();
  test_dwell_cutoff();
  return cy_test_finish();
}
