/* test_scenario_design.c: study designs (cy_study_design, sim/MODEL.md
 * "Study designs"): Latin hypercube stratification on every axis (linear,
 * log scale, a zip group, an integer setting), determinism (the design
 * seed alone fixes the points), and the Saltelli scheme's structure and
 * its Sobol points, checked against gsl_qrng_sobol run here. */
#include "cysim/cy_study.h"
#include "testutil.h"

#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static cy_study *load(const char *name, const char *text,
                      const char *const *sets, size_t n_sets) {
  char path[256];
  snprintf(path, sizeof path, "%s", cy_test_write_file(dir, name, text));
  cy_study *st = NULL;
  cy_error err;
  cy_error_clear(&err);
  int rc = cy_study_load(&st, path, sets, n_sets, &err);
  CHECK(rc == 0 && st, "%s loads: %s", name, err.msg);
  return st;
}

#define BASE                                                                   \
  "scenario = { horizon = 10.0; seed = 3; };\n"                                \
  "states = ( { id = \"A\"; offense = 0.5; defense = 0.5; attack = { rate = "  \
  "0.1; }; },\n"                                                               \
  "  { id = \"B\"; offense = 0.5; } );\n"                                      \
  "alliances = ( { id = \"p\"; members = [ \"A\", \"B\" ];\n"                  \
  "  nonaggression = { threshold = 1; breach = \"tolerance\"; }; } );\n"

/* offense linear on [0.1, 0.9]; a zip group z of attack.rate (log, [0.01,
 * 1]) and defense ([0.2, 0.4]); threshold, an integer, on [1, 3]. */
#define LHS_SWEEP                                                              \
  "sweep = ( { path = \"states.[0].offense\"; from = 0.1; to = 0.9; },\n"      \
  "  { path = \"states.[0].attack.rate\"; zip = \"z\"; from = 0.01; to = "     \
  "1.0; scale = \"log\"; },\n"                                                 \
  "  { path = \"states.[0].defense\"; zip = \"z\"; from = 0.2; to = 0.4; "     \
  "},\n"                                                                       \
  "  { path = \"alliances.[0].nonaggression.threshold\"; from = 1; to = 3; "   \
  "} );\n"

enum { N_LHS = 12 };

/* Each of n strata of [0, 1) holds exactly one of the n values u[i *
 * stride]. */
static int one_per_stratum(const double *u, size_t n, size_t stride) {
  int seen[64] = {0};
  for (size_t i = 0; i < n; i++) {
    double x = u[i * stride];
    if (!(x >= 0 && x < 1))
      return 0;
    seen[(size_t)floor(x * (double)n)]++;
  }
  for (size_t s = 0; s < n; s++)
    if (seen[s] != 1)
      return 0;
  return 1;
}

/* The stratum of value v of a range [lo, hi] cut into n equal parts
 * (after log() with `log_scale`), nudged inward so that a value on a
 * boundary by rounding lands in its own stratum. */
static size_t stratum(double v, double lo, double hi, int log_scale, size_t n) {
  if (log_scale)
    v = log(v), lo = log(lo), hi = log(hi);
  double s = (v - lo) / (hi - lo) * (double)n;
  return (size_t)floor(s + 1e-9);
}

static void check_axis_strata(const cy_study *st, size_t a, double lo,
                              double hi, int log_scale) {
  int seen[N_LHS] = {0};
  const cy_axis *ax = cy_study_axis(st, a);
  for (size_t p = 0; p < N_LHS; p++) {
    double v = ax->doubles[cy_study_value_index(st, p, a)];
    size_t s = stratum(v, lo, hi, log_scale, N_LHS);
    if (s < N_LHS)
      seen[s]++;
  }
  int ok = 1;
  for (size_t s = 0; s < N_LHS; s++)
    ok = ok && seen[s] == 1;
  CHECK(ok, "axis %s: one value in each of the %d strata", ax->name, N_LHS);
}

static void test_lhs(void) {
  cy_study *st = load(
      "lhs.cfg",
      BASE
      "design = { method = \"lhs\"; samples = 12; seed = 99; };\n" LHS_SWEEP,
      NULL, 0);
  if (!st)
    return;
  const cy_design *d = cy_study_design(st);
  CHECK(d->method == CY_DESIGN_LHS && d->samples == N_LHS, "lhs, N 12");
  /* the zip group is one factor, named by its tag */
  CHECK(d->n_factors == 3, "3 factors (offense, z, threshold): %zu",
        d->n_factors);
  CHECK(d->n_factors == 3 && strcmp(d->factors[1], "z") == 0 &&
            d->axis_factor[1] == 1 && d->axis_factor[2] == 1,
        "axes 1 and 2 are factor z");
  CHECK(cy_study_n_points(st) == N_LHS, "N points");
  for (size_t f = 0; f < d->n_factors; f++)
    CHECK(one_per_stratum(d->unit + f, N_LHS, d->n_factors),
          "factor %zu: each stratum of [0, 1) holds one point", f);
  for (size_t p = 0; p < N_LHS; p++)
    CHECK(d->matrix[p] == CY_DESIGN_A && d->row[p] == p &&
              cy_study_value_index(st, p, 0) == p,
          "point %zu is row %zu of A and its own value", p, p);
  check_axis_strata(st, 0, 0.1, 0.9, 0);
  check_axis_strata(st, 1, 0.01, 1.0, 1);
  check_axis_strata(st, 2, 0.2, 0.4, 0);
  /* integers: 1 + floor(u * 3), so stratum s of 12 gives 1 + s / 4 and
   * each integer of [1, 3] is taken by exactly 4 points */
  const cy_axis *th = cy_study_axis(st, 3);
  int count[4] = {0};
  for (size_t p = 0; p < N_LHS; p++) {
    int64_t v = th->ints[p];
    int64_t want = 1 + (int64_t)floor(d->unit[p * 3 + 2] * 3);
    CHECK(v == want, "point %zu threshold %lld = 1 + floor(u * 3) = %lld", p,
          (long long)v, (long long)want);
    if (v >= 1 && v <= 3)
      count[v]++;
  }
  CHECK(count[1] == 4 && count[2] == 4 && count[3] == 4,
        "each threshold 4 times: %d %d %d", count[1], count[2], count[3]);
  /* the point resolves with its values */
  cy_scenario s;
  cy_error err;
  CHECK(cy_study_point(st, 5, &s, &err) == 0, "point 5 resolves");
  CHECK(s.states[0].offense == cy_study_axis(st, 0)->doubles[5],
        "point 5's offense is axis 0's value 5");
  cy_scenario_fini(&s);
  cy_study_free(st);
}

static int same_units(const cy_study *a, const cy_study *b) {
  const cy_design *x = cy_study_design(a), *y = cy_study_design(b);
  return x->n_factors == y->n_factors && x->samples == y->samples &&
         memcmp(x->unit, y->unit, x->samples * x->n_factors * sizeof(double)) ==
             0;
}

static void test_determinism(void) {
  const char *text =
      BASE "design = { method = \"lhs\"; samples = 12; };\n" LHS_SWEEP;
  const char *seed5[] = {"scenario.seed=5"};
  const char *dseed2[] = {"design.seed=2"};
  const char *dseed1[] = {"design.seed=1"};
  cy_study *a = load("det.cfg", text, NULL, 0);
  cy_study *b = load("det.cfg", text, NULL, 0);
  cy_study *c = load("det.cfg", text, seed5, 1);
  cy_study *d = load("det.cfg", text, dseed2, 1);
  cy_study *e = load("det.cfg", text, dseed1, 1);
  if (a && b && c && d && e) {
    CHECK(cy_study_design(a)->seed == 1, "the default design seed is 1");
    CHECK(same_units(a, b), "same design seed: the same points");
    CHECK(cy_study_base(c)->seed == 5 && same_units(a, c),
          "another scenario.seed: the same points");
    CHECK(!same_units(a, d), "design seed 2: other points");
    CHECK(same_units(a, e), "design seed 1 given: the default's points");
  }
  cy_study_free(a);
  cy_study_free(b);
  cy_study_free(c);
  cy_study_free(d);
  cy_study_free(e);
}

/* k = 1: 2-D Sobol points, first (0.5, 0.5), (0.75, 0.25), (0.25, 0.75),
 * (0.375, 0.375) (Bratley and Fox's direction numbers); the all-zero
 * point is not among them. */
static void test_saltelli_known(void) {
  cy_study *st = load(
      "sal1.cfg",
      BASE "design = { method = \"saltelli\"; samples = 4; };\n"
           "sweep = ( { path = \"states.[0].offense\"; from = 0.0; to = 1.0; "
           "} );\n",
      NULL, 0);
  if (!st)
    return;
  const cy_design *d = cy_study_design(st);
  static const double a[4] = {0.5, 0.75, 0.25, 0.375};
  static const double b[4] = {0.5, 0.25, 0.75, 0.375};
  CHECK(cy_study_n_points(st) == 12, "N (k + 2) = 12 points");
  for (size_t r = 0; r < 4; r++) {
    CHECK(d->unit[r] == a[r], "A row %zu = %g: %g", r, a[r], d->unit[r]);
    CHECK(d->unit[4 + r] == b[r], "B row %zu = %g: %g", r, b[r],
          d->unit[4 + r]);
    CHECK(d->unit[8 + r] == b[r], "AB_1 row %zu is B's (k = 1)", r);
    CHECK(cy_study_axis(st, 0)->doubles[r] == a[r], "offense = u on [0, 1]");
  }
  cy_study_free(st);
}

/* k = 3, N = 8: A and B against gsl_qrng_sobol in 6 dimensions run here;
 * A_B^(i) equals A but for column i, which is B's. */
static void test_saltelli_structure(void) {
  cy_study *st = load(
      "sal3.cfg",
      BASE "design = { method = \"saltelli\"; samples = 8; seed = 4; };\n"
           "sweep = ( { path = \"states.[0].offense\"; from = 0.0; to = 1.0; "
           "},\n"
           "  { path = \"states.[0].attack.rate\"; from = 0.01; to = 1.0; "
           "scale = \"log\"; },\n"
           "  { path = \"states.[1].offense\"; from = 0.2; to = 0.4; } );\n",
      NULL, 0);
  if (!st)
    return;
  const cy_design *d = cy_study_design(st);
  size_t N = 8, k = 3;
  CHECK(d->n_factors == k && cy_study_n_points(st) == N * (k + 2),
        "3 factors, 40 points");
  gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 6);
  double x[6];
  int sobol_ok = 1, ab_ok = 1, order_ok = 1;
  for (size_t r = 0; r < N; r++) {
    gsl_qrng_get(q, x);
    for (size_t f = 0; f < k; f++)
      sobol_ok = sobol_ok && d->unit[r * k + f] == x[f] &&
                 d->unit[(N + r) * k + f] == x[k + f];
    for (size_t i = 0; i < k; i++) {
      size_t p = (CY_DESIGN_AB + i) * N + r;
      order_ok = order_ok && d->matrix[p] == CY_DESIGN_AB + i && d->row[p] == r;
      for (size_t f = 0; f < k; f++)
        ab_ok = ab_ok &&
                d->unit[p * k + f] == d->unit[((f == i ? N : 0) + r) * k + f];
    }
    order_ok = order_ok && d->matrix[r] == CY_DESIGN_A &&
               d->matrix[N + r] == CY_DESIGN_B && d->row[N + r] == r;
  }
  gsl_qrng_free(q);
  CHECK(sobol_ok, "A and B are the first and last 3 coordinates of the "
                  "first 8 Sobol points");
  CHECK(ab_ok, "A_B^(i) is A with column i from B");
  CHECK(order_ok, "points ordered A, B, AB_1, AB_2, AB_3; point = matrix * "
                  "N + row");
  cy_study_free(st);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/cysim_design_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_lhs();
  test_determinism();
  test_saltelli_known();
  test_saltelli_structure();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return cy_test_finish();
}
