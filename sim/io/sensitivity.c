/* sensitivity.c: the Sobol index estimators and their bootstrap
 * (cysim/cy_sensitivity.h, cy_sobol_indices); numbers in memory only.
 *
 * Every sum is taken over the rows in order, left to right in IEEE double,
 * so the indices are the same bits on every machine and thread count. */
#include "report.h"

#include "cysim/cy_format.h"
#include "cysim/cy_sensitivity.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The rows an estimate uses: row j of the sample is row idx[j] of the
 * design, or row j itself when idx is NULL (the full sample). */
static size_t row(const size_t *idx, size_t j) { return idx ? idx[j] : j; }

/* The variance, divided by 2n, of the 2n values fa and fb of the rows, and
 * their mean into *mean; exactly 0 when they are all equal (a mean of
 * equal values need not reproduce them in floating point, so constancy is
 * tested directly). */
static double variance(size_t n, const double *fa, const double *fb,
                       const size_t *idx, double *mean) {
  double first = fa[row(idx, 0)];
  *mean = first;
  bool constant = true;
  for (size_t j = 0; j < n && constant; j++)
    constant = fa[row(idx, j)] == first && fb[row(idx, j)] == first;
  if (constant)
    return 0;
  double sum = 0;
  for (size_t j = 0; j < n; j++)
    sum += fa[row(idx, j)] + fb[row(idx, j)];
  *mean = sum / (double)(2 * n);
  double ss = 0;
  for (size_t j = 0; j < n; j++) {
    double da = fa[row(idx, j)] - *mean, db = fb[row(idx, j)] - *mean;
    ss += da * da + db * db;
  }
  return ss / (double)(2 * n);
}

/* Both indices of factor i over the rows, given the mean f0 and variance
 * v > 0 of their fa and fb.  S1 takes fb - f0 in place of fb: the same
 * expectation (the mean of fab_i - fa is 0), and a variance that no longer
 * grows with the square of the quantity's mean level, which for a count
 * or damage far from 0 would swamp the index (sim/MODEL.md, "Sensitivity
 * indices"). */
static void estimate(size_t n, const double *fa, const double *fb,
                     const double *fab_i, const size_t *idx, double f0,
                     double v, double *s1, double *st) {
  double first = 0, total = 0;
  for (size_t j = 0; j < n; j++) {
    size_t r = row(idx, j);
    double d = fab_i[r] - fa[r];
    first += (fb[r] - f0) * d;
    total += d * d;
  }
  *s1 = first / (double)n / v;
  *st = total / (double)(2 * n) / v;
}

static int double_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Draws resample rows into idx (the report's index rule) until their
 * variance is > 0, into *v; CY_EINPUT when more than CY_SOBOL_RESAMPLES
 * draws in all (*rejected counts them) had none. */
static int draw(size_t n, const double *fa, const double *fb, size_t *idx,
                uint64_t *state, size_t *rejected, double *f0, double *v,
                cy_error *err) {
  for (;;) {
    for (size_t j = 0; j < n; j++)
      idx[j] = (size_t)(((cy__splitmix64(state) >> 32) * (uint64_t)n) >> 32);
    *v = variance(n, fa, fb, idx, f0);
    if (*v > 0)
      return CY_OK;
    if (++*rejected > CY_SOBOL_RESAMPLES)
      return cy_error_set(err, CY_EINPUT,
                          "the quantity varies in too few of the %zu rows "
                          "for a bootstrap: more than %d resamples of the "
                          "rows had none of its variation",
                          n, CY_SOBOL_RESAMPLES);
  }
}

/* The bootstrap: the 2.5% and 97.5% points of each factor's resampled
 * indices into out. */
static int bootstrap(size_t n, size_t k, const double *fa, const double *fb,
                     const double *fab, cy_sobol_index *out, cy_error *err) {
  enum { B = CY_SOBOL_RESAMPLES };
  size_t *idx = malloc(n * sizeof *idx);
  double *s1 = malloc(k * B * sizeof *s1), *st = malloc(k * B * sizeof *st);
  int rc =
      idx && s1 && st ? CY_OK : cy_error_set(err, CY_ENOMEM, "out of memory");
  uint64_t state = 0;
  size_t rejected = 0;
  for (size_t b = 0; !rc && b < B; b++) {
    double f0, v;
    rc = draw(n, fa, fb, idx, &state, &rejected, &f0, &v, err);
    for (size_t i = 0; !rc && i < k; i++)
      estimate(n, fa, fb, fab + i * n, idx, f0, v, &s1[i * B + b],
               &st[i * B + b]);
  }
  for (size_t i = 0; !rc && i < k; i++) {
    qsort(s1 + i * B, B, sizeof *s1, double_cmp);
    qsort(st + i * B, B, sizeof *st, double_cmp);
    out[i].s1_lo = s1[i * B + CY_SOBOL_LO - 1];
    out[i].s1_hi = s1[i * B + CY_SOBOL_HI - 1];
    out[i].st_lo = st[i * B + CY_SOBOL_LO - 1];
    out[i].st_hi = st[i * B + CY_SOBOL_HI - 1];
  }
  free(idx);
  free(s1);
  free(st);
  return rc;
}

static bool all_finite(const double *x, size_t n) {
  for (size_t j = 0; j < n; j++)
    if (!isfinite(x[j]))
      return false;
  return true;
}

int cy_sobol_indices(size_t n, size_t k, const double *fa, const double *fb,
                     const double *fab, cy_sobol_index *out, cy_error *err) {
  if (n < 2 || k < 1)
    return cy_error_set(err, CY_EINPUT,
                        "Sobol indices need at least 2 rows and 1 factor "
                        "(got %zu rows, %zu factors)",
                        n, k);
  /* The resample index rule multiplies 32-bit numbers (report.c). */
  if (n > UINT32_MAX || k > SIZE_MAX / CY_SOBOL_RESAMPLES / n)
    return cy_error_set(err, CY_EINPUT, "too many rows or factors");
  if (!all_finite(fa, n) || !all_finite(fb, n) || !all_finite(fab, k * n))
    return cy_error_set(err, CY_EINPUT,
                        "a value is not finite (NaN or infinite)");
  double f0, v = variance(n, fa, fb, NULL, &f0);
  if (v == 0) {
    char buf[32];
    cy_format_double(fa[0], buf, sizeof buf);
    return cy_error_set(err, CY_EINPUT,
                        "the quantity is the same (%s) at every point of "
                        "matrices A and B: it has no variance to apportion, "
                        "so its indices are undefined",
                        buf);
  }
  for (size_t i = 0; i < k; i++)
    estimate(n, fa, fb, fab + i * n, NULL, f0, v, &out[i].s1, &out[i].st);
  return bootstrap(n, k, fa, fb, fab, out, err);
}
