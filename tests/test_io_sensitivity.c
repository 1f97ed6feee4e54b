/* test_io_sensitivity.c: cy_sobol_indices, the estimators behind `cysim
 * sensitivity`, on functions whose indices are known analytically.
 *
 * Ishigami (Ishigami and Homma 1990; Saltelli et al. 2008, "Global
 * Sensitivity Analysis: The Primer", §4.9), with x1, x2, x3 independent
 * and uniform on [-pi, pi]:
 *   f = sin x1 + a sin^2 x2 + b x3^4 sin x1,   a = 7, b = 0.1.
 * Its variance and partial variances:
 *   V1  = (1 + b pi^4 / 5)^2 / 2,  V2 = a^2 / 8,  V3 = 0,
 *   V13 = b^2 pi^8 (1/18 - 1/50) = 8 b^2 pi^8 / 225,
 *   V   = V1 + V2 + V13 = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
 * so S1 = (V1, V2, 0) / V = (0.3139, 0.4424, 0) and
 * ST = (V1 + V13, V2, V13) / V = (0.5576, 0.4424, 0.2437).
 *
 * A and B are the first and last three coordinates of GSL's 6-dimensional
 * Sobol sequence (its first point, all zeros, skipped, as the saltelli
 * design does), A_B^(i) is A with column i from B.
 *
 * Tolerance.  An estimator is a mean over the N rows of a per-row term
 * ((fb - f0) (fab_i - fa) for S1, f0 the mean of fa and fb; (fa - fab_i)^2
 * / 2 for ST) divided by V.  With
 * rows drawn at random its standard error would be sd(term) / (sqrt(N) V),
 * which the test computes from the data; Sobol rows fill the unit cube
 * more evenly than random ones, so their error is smaller still on these
 * smooth integrands (Saltelli et al. 2010, Figs. 1-2; here the errors are
 * near 0.0005).  The test allows 4 such standard errors (a random-sample
 * estimate would stay within them with probability 0.99994); at N = 8192
 * they are 0.005 to 0.017, and the test requires each below 0.02, so the
 * tolerance stays under 0.08, well inside what a wrong formula misses by
 * (Jansen's without its 1/2 doubles ST: off by 0.24 or more).  The
 * bootstrap's 95% intervals must contain the analytic values and be
 * narrower than 0.1. */
#include "cysim/cy_sensitivity.h"
#include "testutil.h"

#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 8192, K = 3 };
static const double PI = 3.14159265358979323846;

static double ishigami(const double *u) {
  const double a = 7, b = 0.1;
  double x1 = -PI + 2 * PI * u[0], x2 = -PI + 2 * PI * u[1],
         x3 = -PI + 2 * PI * u[2];
  return sin(x1) + a * sin(x2) * sin(x2) + b * pow(x3, 4) * sin(x1);
}

/* f(A), f(B), f(A_B^(i)) of a Saltelli design of N rows in K factors. */
static void saltelli(double (*f)(const double *), double *fa, double *fb,
                     double *fab) {
  gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 2 * K);
  double x[2 * K];
  gsl_qrng_get(q, x); /* the first point, all zeros */
  for (size_t r = 0; r < N; r++) {
    gsl_qrng_get(q, x);
    fa[r] = f(x);
    fb[r] = f(x + K);
    for (size_t i = 0; i < K; i++) {
      double ab[K];
      memcpy(ab, x, sizeof ab);
      ab[i] = x[K + i];
      fab[i * N + r] = f(ab);
    }
  }
  gsl_qrng_free(q);
}

/* The random-sampling standard errors of S1_i and ST_i (header). */
static void std_errors(const double *fa, const double *fb, const double *fab_i,
                       double *se1, double *set) {
  double sum = 0, ss = 0;
  for (size_t r = 0; r < N; r++)
    sum += fa[r] + fb[r];
  double mean = sum / (2 * N);
  for (size_t r = 0; r < N; r++)
    ss += (fa[r] - mean) * (fa[r] - mean) + (fb[r] - mean) * (fb[r] - mean);
  double v = ss / (2 * N), m1 = 0, m2 = 0, q1 = 0, q2 = 0;
  for (size_t r = 0; r < N; r++) {
    double t1 = (fb[r] - mean) * (fab_i[r] - fa[r]);
    double t2 = (fa[r] - fab_i[r]) * (fa[r] - fab_i[r]) / 2;
    m1 += t1, q1 += t1 * t1, m2 += t2, q2 += t2 * t2;
  }
  m1 /= N, m2 /= N;
  *se1 = sqrt((q1 / N - m1 * m1) / (N - 1)) / v;
  *set = sqrt((q2 / N - m2 * m2) / (N - 1)) / v;
}

static void check_ishigami(void) {
  const double a = 7, b = 0.1, pi4 = pow(PI, 4), pi8 = pow(PI, 8);
  double v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5), v2 = a * a / 8,
         v13 = 8 * b * b * pi8 / 225, v = v1 + v2 + v13;
  double s1[K] = {v1 / v, v2 / v, 0}, st[K] = {(v1 + v13) / v, v2 / v, v13 / v};
  CHECK_NEAR(s1[0], 0.3139, 1e-4, "analytic S1_1");
  CHECK_NEAR(st[2], 0.2437, 1e-4, "analytic ST_3");
  double *fa = malloc(N * sizeof *fa), *fb = malloc(N * sizeof *fb),
         *fab = malloc(K * N * sizeof *fab);
  saltelli(ishigami, fa, fb, fab);
  cy_sobol_index out[K];
  cy_error err;
  int rc = cy_sobol_indices(N, K, fa, fb, fab, out, &err);
  CHECK(rc == CY_OK, "Ishigami: %s", rc ? err.msg : "ok");
  for (size_t i = 0; !rc && i < K; i++) {
    double se1, set;
    std_errors(fa, fb, fab + i * N, &se1, &set);
    printf("x%zu: S1 %.4f [%.4f, %.4f] (analytic %.4f, se %.4f); "
           "ST %.4f [%.4f, %.4f] (analytic %.4f, se %.4f)\n",
           i + 1, out[i].s1, out[i].s1_lo, out[i].s1_hi, s1[i], se1, out[i].st,
           out[i].st_lo, out[i].st_hi, st[i], set);
    CHECK(se1 < 0.02 && set < 0.02, "x%zu: standard errors below 0.02", i + 1);
    CHECK_NEAR(out[i].s1, s1[i], 4 * se1, "Ishigami S1");
    CHECK_NEAR(out[i].st, st[i], 4 * set, "Ishigami ST");
    CHECK(out[i].s1_lo <= s1[i] && s1[i] <= out[i].s1_hi,
          "x%zu: the S1 interval holds %.4f", i + 1, s1[i]);
    CHECK(out[i].st_lo <= st[i] && st[i] <= out[i].st_hi,
          "x%zu: the ST interval holds %.4f", i + 1, st[i]);
    CHECK(out[i].s1_hi - out[i].s1_lo < 0.1 &&
              out[i].st_hi - out[i].st_lo < 0.1,
          "x%zu: intervals narrower than 0.1", i + 1);
  }
  /* Deterministic: the same numbers give the same bits. */
  cy_sobol_index again[K];
  rc = cy_sobol_indices(N, K, fa, fb, fab, again, &err);
  CHECK(rc == CY_OK && memcmp(out, again, sizeof out) == 0,
        "a second call gives the same bits");
  free(fa);
  free(fb);
  free(fab);
}

/* f = x1 * x2 (x3 a dummy), xi uniform on [0, 1]: m = 1/2, s^2 = 1/12;
 * V1 = V2 = m^2 s^2 = 1/48, V12 = s^4 = 1/144, V = 7/144: S1 = (3/7, 3/7,
 * 0), ST = (4/7, 4/7, 0).  The dummy's A_B^(3) rows equal A's, so its
 * estimates are exactly 0 with a [0, 0] interval. */
static double product(const double *u) { return u[0] * u[1]; }

static void check_product(void) {
  double *fa = malloc(N * sizeof *fa), *fb = malloc(N * sizeof *fb),
         *fab = malloc(K * N * sizeof *fab);
  saltelli(product, fa, fb, fab);
  cy_sobol_index out[K];
  cy_error err;
  int rc = cy_sobol_indices(N, K, fa, fb, fab, out, &err);
  CHECK(rc == CY_OK, "product: %s", rc ? err.msg : "ok");
  for (size_t i = 0; !rc && i < 2; i++) {
    CHECK(out[i].s1_lo <= 3.0 / 7 && 3.0 / 7 <= out[i].s1_hi,
          "x%zu: S1 %.4f [%.4f, %.4f] holds 3/7", i + 1, out[i].s1,
          out[i].s1_lo, out[i].s1_hi);
    CHECK(out[i].st_lo <= 4.0 / 7 && 4.0 / 7 <= out[i].st_hi,
          "x%zu: ST %.4f [%.4f, %.4f] holds 4/7", i + 1, out[i].st,
          out[i].st_lo, out[i].st_hi);
  }
  CHECK(!rc && out[2].s1 == 0 && out[2].st == 0 && out[2].s1_lo == 0 &&
            out[2].s1_hi == 0 && out[2].st_lo == 0 && out[2].st_hi == 0,
        "the dummy: exactly 0, interval [0, 0]");
  /* The indices do not depend on the level of the quantity: x1 x2 + 1000
   * has the same ones, intervals included (up to rounding).  Without the
   * centring of fb, S1's terms would carry 1000 (fab - fa), and its
   * bootstrap interval would be some 4000 times wider. */
  cy_sobol_index shifted[K];
  for (size_t r = 0; r < N; r++) {
    fa[r] += 1000;
    fb[r] += 1000;
    for (size_t i = 0; i < K; i++)
      fab[i * N + r] += 1000;
  }
  rc = cy_sobol_indices(N, K, fa, fb, fab, shifted, &err);
  for (size_t i = 0; !rc && i < K; i++) {
    CHECK_NEAR(shifted[i].s1, out[i].s1, 1e-6, "shifted S1");
    CHECK_NEAR(shifted[i].s1_lo, out[i].s1_lo, 1e-6, "shifted S1_lo");
    CHECK_NEAR(shifted[i].s1_hi, out[i].s1_hi, 1e-6, "shifted S1_hi");
    CHECK_NEAR(shifted[i].st, out[i].st, 1e-6, "shifted ST");
    CHECK_NEAR(shifted[i].st_hi, out[i].st_hi, 1e-6, "shifted ST_hi");
  }
  free(fa);
  free(fb);
  free(fab);
}

static double constant(const double *u) { return 0.1 + 0 * u[0]; }

/* Bad input: a clear error, never NaN. */
static void check_errors(void) {
  double fa[N], fb[N], fab[K * N];
  cy_sobol_index out[K];
  cy_error err;
  saltelli(constant, fa, fb, fab);
  int rc = cy_sobol_indices(N, K, fa, fb, fab, out, &err);
  CHECK(rc == CY_EINPUT && strstr(err.msg, "no variance"),
        "a constant quantity: CY_EINPUT, \"%s\"", err.msg);
  rc = cy_sobol_indices(1, K, fa, fb, fab, out, &err);
  CHECK(rc == CY_EINPUT, "one row: CY_EINPUT (%s)", err.msg);
  rc = cy_sobol_indices(N, 0, fa, fb, fab, out, &err);
  CHECK(rc == CY_EINPUT, "no factor: CY_EINPUT (%s)", err.msg);
  fa[3] = NAN;
  rc = cy_sobol_indices(N, K, fa, fb, fab, out, &err);
  CHECK(rc == CY_EINPUT && strstr(err.msg, "finite"), "NaN: CY_EINPUT (%s)",
        err.msg);
  /* One row of 100 differs, in B only (so fab = fa everywhere: S1 = ST =
   * 0): V > 0, but a resample misses the row with probability
   * (1 - 1/100)^100 = 0.366, so about 1150 resamples are redrawn on the way
   * to 1999 and the bootstrap still completes.  (No data with V > 0 has
   * most resamples constant: one varying row is missed with probability at
   * most 1/e, so the "too few rows" refusal only guards the loop.) */
  double ga[100], gb[100], gab[100];
  for (int r = 0; r < 100; r++)
    ga[r] = gb[r] = gab[r] = 1;
  gb[7] = 2;
  rc = cy_sobol_indices(100, 1, ga, gb, gab, out, &err);
  CHECK(rc == CY_OK && out[0].st == 0 && out[0].s1 == 0,
        "one varying row of B: S1 = ST = 0 (%s)", rc ? err.msg : "ok");
}

int main(void) {
  check_ishigami();
  check_product();
  check_errors();
  return cy_test_finish();
}
