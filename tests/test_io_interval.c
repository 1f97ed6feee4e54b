/* test_io_interval.c: cy__report_interval, the one function behind every
 * interval `cysim report` prints (sim/MODEL.md, "Intervals"), on data whose
 * intervals are known by hand.
 *
 * t quantiles are table values: t_{0.975, 3} = 3.182446305, t_{0.975, 19}
 * = 2.093024054.  Bootstrap bounds are checked where the resample means can
 * take only a few values and the 2.5% and 97.5% points fall far (many
 * standard deviations of the count of resamples below a value) from a
 * boundary between them, so that any correct generator gives the same
 * bounds; the exact draws are checked against analysis/cysim.py by
 * tests/test_io_report_baseline.py. */
#include "io/report.h"
#include "testutil.h"

#include <math.h>

static const double T3 = 3.182446305, T19 = 2.093024054;

/* 1, 2, 3, 4: mean 2.5, s = sqrt(5/3), half-width T3 * s / 2 = 2.0542602;
 * the lower bound 0.4457 is >= 0, so a non-negative quantity keeps it. */
static void check_t(void) {
  double x[4] = {1, 2, 3, 4}, half = T3 * sqrt(5.0 / 3.0) / 2;
  for (int nonneg = 0; nonneg < 2; nonneg++) {
    cy_interval ci = cy__report_interval(x, 4, nonneg);
    CHECK(ci.method == CY_CI_T, "1..4 (nonneg %d): t interval", nonneg);
    CHECK_NEAR(ci.mean, 2.5, 0, "1..4 mean");
    CHECK_NEAR(ci.lo, 2.5 - half, 1e-8, "1..4 lower bound");
    CHECK_NEAR(ci.hi, 2.5 + half, 1e-8, "1..4 upper bound");
  }
  /* A difference may be negative: 0, 0, 0, 1 as a difference keeps its t
   * interval, mean 0.25, s = 0.5, half-width T3 * 0.5 / 2 = 0.7956116. */
  double d[4] = {0, 0, 0, 1};
  cy_interval ci = cy__report_interval(d, 4, false);
  CHECK(ci.method == CY_CI_T, "difference: t interval");
  CHECK_NEAR(ci.lo, 0.25 - T3 / 4, 1e-8, "difference lower bound");
  CHECK_NEAR(ci.hi, 0.25 + T3 / 4, 1e-8, "difference upper bound");
  /* Twenty values 0..19: mean 9.5, s = sqrt(35), half-width
   * T19 * sqrt(35) / sqrt(20) = 2.7688 (n - 1 = 19 degrees of freedom). */
  double y[20];
  for (int i = 0; i < 20; i++)
    y[i] = i;
  ci = cy__report_interval(y, 20, true);
  CHECK(ci.method == CY_CI_T, "0..19: t interval");
  CHECK_NEAR(ci.hi - ci.mean, T19 * sqrt(35.0 / 20.0), 1e-8, "0..19 half");
  /* All zeros: s = 0, the interval is [0, 0], inside the support. */
  double z[5] = {0};
  ci = cy__report_interval(z, 5, true);
  CHECK(ci.method == CY_CI_T && ci.lo == 0 && ci.hi == 0, "zeros: [0, 0]");
}

/* Rare counts, where the t interval reaches below 0. */
static void check_bootstrap(void) {
  /* 0, 0, 0, 1: t lower bound 0.25 - 0.7956 < 0.  A resample mean is
   * K / 4 with K ~ Binomial(4, 1/4): P(K = 0) = 0.316, so about 632 of 1999
   * resamples are 0 and the 50th smallest is 0; P(K <= 2) = 0.949 and
   * P(K <= 3) = 0.996, so about 1897.5 (sd 9.8) resamples are <= 0.5 and
   * 1991 (sd 2.8) <= 0.75: the 1950th smallest is 0.75. */
  double d[4] = {0, 0, 0, 1};
  cy_interval ci = cy__report_interval(d, 4, true);
  CHECK(ci.method == CY_CI_BOOTSTRAP, "0,0,0,1: bootstrap");
  CHECK(ci.mean == 0.25, "0,0,0,1: mean %g", ci.mean);
  CHECK(ci.lo == 0 && ci.hi == 0.75, "0,0,0,1: [%g, %g], expected [0, 0.75]",
        ci.lo, ci.hi);
  /* Nineteen 0s and one 5: mean 0.25, s = sqrt(1.25), t lower bound
   * 0.25 - T19 * 1.118 / 4.472 = -0.273.  Resample means 5K/20 with
   * K ~ Binomial(20, 1/20): P(K = 0) = 0.358 (lower bound 0); P(K <= 2) =
   * 0.9245 (1848 of 1999 expected, sd 11.8) and P(K <= 3) = 0.9841 (1967,
   * sd 5.6): the 1950th smallest is 3 * 5 / 20 = 0.75. */
  double r[20] = {0};
  r[7] = 5;
  ci = cy__report_interval(r, 20, true);
  CHECK(ci.method == CY_CI_BOOTSTRAP, "one 5 in 20: bootstrap");
  CHECK(ci.lo == 0 && ci.hi == 0.75,
        "one 5 in 20: [%g, %g], expected [0, 0.75]", ci.lo, ci.hi);
}

static void check_small(void) {
  double x[1] = {3};
  cy_interval ci = cy__report_interval(x, 1, true);
  CHECK(ci.method == CY_CI_NONE && ci.mean == 3 && isnan(ci.lo) && isnan(ci.hi),
        "one value: its mean, no interval");
  ci = cy__report_interval(x, 0, true);
  CHECK(ci.method == CY_CI_NONE && isnan(ci.mean), "no value: NaN mean");
}

int main(void) {
  check_t();
  check_bootstrap();
  check_small();
  return cy_test_finish();
}
