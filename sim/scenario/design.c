/* design.c: study designs (sim/MODEL.md, "Study designs"): the `design`
 * group, and the points of a Latin hypercube or a Saltelli scheme.
 *
 * A design samples the unit cube of its factors (each sweep axis, or each
 * zip group as one factor), then maps each factor's coordinate onto the
 * ranges of its axes.  Every axis then holds one value per point, so the
 * rest of the study (resolution, the writer's /sweep) sees an ordinary
 * sweep whose every axis advances with the point. */
#include "scenario_impl.h"

#include "cysim/cy_study.h"

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cy_design_method_names[CY_DESIGN_METHOD_COUNT] = {
    [CY_DESIGN_GRID] = "grid",
    [CY_DESIGN_LHS] = "lhs",
    [CY_DESIGN_SALTELLI] = "saltelli",
};

enum {
  /* gsl_qrng_sobol has 40 dimensions; Saltelli's scheme takes 2k. */
  MAX_SALTELLI_FACTORS = 20,
  /* The Mersenne twister takes a 32-bit seed; 0 would be replaced by
   * 4357, so it is refused rather than aliased. */
  DEFAULT_SEED = 1,
};
#define MAX_SEED INT64_C(4294967295)

static int nomem(const cy_resolve_ctx *ctx) {
  return cy_error_set(ctx->err, CY_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------- reading */

/* An integer member of g into *v (untouched when absent). */
static int member_int(const cy_resolve_ctx *ctx, const config_setting_t *g,
                      const char *key, int64_t *v, const config_setting_t **s) {
  *s = config_setting_get_member(g, key);
  if (!*s)
    return 0;
  int ty = config_setting_type(*s);
  if (ty != CONFIG_TYPE_INT && ty != CONFIG_TYPE_INT64)
    return cy__setting_error(ctx, *s, "expected an integer");
  *v = ty == CONFIG_TYPE_INT ? config_setting_get_int(*s)
                             : config_setting_get_int64(*s);
  return 0;
}

static int read_method(cy_design *d, const cy_resolve_ctx *ctx,
                       const config_setting_t *g) {
  const config_setting_t *ms = config_setting_get_member(g, "method");
  if (!ms)
    return 0;
  if (config_setting_type(ms) != CONFIG_TYPE_STRING)
    return cy__setting_error(ctx, ms, "expected a string");
  const char *m = config_setting_get_string(ms);
  for (int i = 0; i < CY_DESIGN_METHOD_COUNT; i++)
    if (strcmp(m, cy_design_method_names[i]) == 0) {
      d->method = (cy_design_method)i;
      return 0;
    }
  return cy__setting_error(
      ctx, ms, "\"%s\" is not a design method (grid, lhs or saltelli)", m);
}

int cy__design_read(cy_sweep *sw, const config_t *cfg,
                    const cy_resolve_ctx *ctx) {
  cy_design *d = &sw->design;
  d->method = CY_DESIGN_GRID; /* no seed, no samples (cy_study.h) */
  const config_setting_t *g = config_lookup(cfg, "design");
  sw->design_group = g;
  if (!g)
    return 0;
  int64_t n = 0, seed = DEFAULT_SEED;
  const config_setting_t *ns, *ss;
  int rc;
  if ((rc = read_method(d, ctx, g)) ||
      (rc = member_int(ctx, g, "samples", &n, &ns)) ||
      (rc = member_int(ctx, g, "seed", &seed, &ss)))
    return rc;
  if (d->method == CY_DESIGN_GRID && (ns || ss))
    return cy__setting_error(
        ctx, ns ? ns : ss,
        "a grid design's points are the cross product of the sweep axes; "
        "samples and seed need method = \"lhs\" or \"saltelli\"");
  if (d->method == CY_DESIGN_GRID)
    return 0;
  if (!ns)
    return cy__setting_error(ctx, g,
                             "missing required key 'samples' (the "
                             "number N of base samples)");
  if (n < 2 || (double)n > cy_work_caps_default.points)
    return cy__setting_error(ctx, ns, "%" PRId64 " is outside [2, %.0f]", n,
                             cy_work_caps_default.points);
  if (seed < 1 || seed > MAX_SEED)
    return cy__setting_error(ctx, ss, "%" PRId64 " is outside [1, %" PRId64 "]",
                             seed, MAX_SEED);
  d->samples = (size_t)n;
  d->seed = seed;
  return 0;
}

void cy__design_fini(cy_design *d) {
  free(d->factors);
  free(d->axis_factor);
  free(d->matrix);
  free(d->row);
  free(d->unit);
  memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------- factors */

/* Groups the axes into factors: a zip group is one factor named by its
 * tag, any other axis one named by the axis. */
static int assign_factors(cy_sweep *sw, const cy_resolve_ctx *ctx) {
  cy_design *d = &sw->design;
  d->factors = calloc(sw->n_axes, sizeof *d->factors);
  d->axis_factor = calloc(sw->n_axes, sizeof *d->axis_factor);
  if (!d->factors || !d->axis_factor)
    return nomem(ctx);
  for (size_t i = 0; i < sw->n_axes; i++) {
    const cy_axis *a = &sw->axes[i];
    const char *name = a->zip[0] ? a->zip : a->name;
    size_t f = 0;
    while (f < d->n_factors && strcmp(d->factors[f], name) != 0)
      f++;
    bool zipped = false;
    for (size_t j = 0; j < i && a->zip[0]; j++)
      zipped = zipped || strcmp(sw->axes[j].zip, a->zip) == 0;
    if (f < d->n_factors && !zipped)
      return cy__setting_error(
          ctx, sw->targets[i].entry,
          "factor name '%s' is taken by an earlier axis or zip group (the "
          "design names each factor by its zip tag or axis name)",
          name);
    if (f == d->n_factors)
      snprintf(d->factors[d->n_factors++], CY_ID_MAX, "%s", name);
    d->axis_factor[i] = f;
  }
  return 0;
}

/* The number of points, within the study's cap. */
static int count_points(cy_sweep *sw, const cy_resolve_ctx *ctx,
                        const config_setting_t *where, size_t *points) {
  cy_design *d = &sw->design;
  size_t k = d->n_factors, N = d->samples;
  if (d->method == CY_DESIGN_SALTELLI && k > MAX_SALTELLI_FACTORS)
    return cy__setting_error(
        ctx, where,
        "a saltelli design takes at most %d factors (GSL's Sobol sequence "
        "has 40 dimensions and the scheme needs 2 per factor); the sweep "
        "has %zu (zipped axes count as one)",
        MAX_SALTELLI_FACTORS, k);
  double p =
      d->method == CY_DESIGN_SALTELLI ? (double)N * (double)(k + 2) : (double)N;
  if (p > cy_work_caps_default.points) {
    const config_setting_t *ns =
        config_setting_get_member(sw->design_group, "samples");
    return cy__setting_error(ctx, ns ? ns : where,
                             "%zu samples x (%zu factors + 2) are %.0f points, "
                             "more than the %.0f a design may have",
                             N, k, p, cy_work_caps_default.points);
  }
  *points = (size_t)p;
  return 0;
}

/* -------------------------------------------------------------- points */

/* Latin hypercube: for each factor in turn a random permutation of the N
 * strata (gsl_ran_shuffle), then one uniform per point within its
 * stratum, all from one MT19937 stream seeded with the design seed. */
static int lhs_points(cy_design *d, const cy_resolve_ctx *ctx) {
  size_t N = d->samples, k = d->n_factors;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  size_t *perm = malloc(N * sizeof *perm);
  if (!r || !perm) {
    gsl_rng_free(r);
    free(perm);
    return nomem(ctx);
  }
  gsl_rng_set(r, (unsigned long)d->seed);
  for (size_t f = 0; f < k; f++) {
    for (size_t i = 0; i < N; i++)
      perm[i] = i;
    gsl_ran_shuffle(r, perm, N, sizeof *perm);
    for (size_t i = 0; i < N; i++)
      d->unit[i * k + f] = ((double)perm[i] + gsl_rng_uniform(r)) / (double)N;
  }
  for (size_t i = 0; i < N; i++)
    d->row[i] = (uint32_t)i, d->matrix[i] = CY_DESIGN_A;
  gsl_rng_free(r);
  free(perm);
  return 0;
}

/* Saltelli (2010): row r of A and of B are the first and last k
 * coordinates of Sobol point r + 1; A_B^(i) is A with column i taken from
 * B.  The first Sobol point, all zeros, is skipped: gsl_qrng_sobol never
 * yields it (its first point is 0.5, 0.5, ...), so nothing is drawn to
 * skip it. */
static int saltelli_points(cy_design *d, const cy_resolve_ctx *ctx) {
  size_t N = d->samples, k = d->n_factors;
  gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
  double *x = malloc(2 * k * sizeof *x);
  if (!q || !x) {
    if (q)
      gsl_qrng_free(q);
    free(x);
    return nomem(ctx);
  }
  for (size_t r = 0; r < N; r++) {
    gsl_qrng_get(q, x);
    for (size_t m = 0; m < k + 2; m++) {
      size_t p = m * N + r;
      d->matrix[p] = (uint8_t)m;
      d->row[p] = (uint32_t)r;
      for (size_t f = 0; f < k; f++) {
        bool from_b = m == CY_DESIGN_B || m == CY_DESIGN_AB + f;
        d->unit[p * k + f] = x[from_b ? k + f : f];
      }
    }
  }
  gsl_qrng_free(q);
  free(x);
  return 0;
}

/* The value coordinate u gives axis i: linear or logarithmic between from
 * and to; for an integer setting from + floor(u * (to - from + 1)), at
 * most to, so each integer of the range is equally likely. */
static void axis_value(cy_axis *a, const cy_axis_target *t, size_t p,
                       double u) {
  if (a->type == CY_VALUE_INT) {
    double span = (double)(t->ihi - t->ilo) + 1.0;
    double off = floor(u * span);
    int64_t o =
        off > (double)(t->ihi - t->ilo) ? t->ihi - t->ilo : (int64_t)off;
    a->ints[p] = t->ilo + o;
  } else if (t->log) {
    double l0 = log(t->lo), l1 = log(t->hi);
    double v = exp(l0 + u * (l1 - l0));
    a->doubles[p] = v < t->lo ? t->lo : v > t->hi ? t->hi : v;
  } else {
    double v = t->lo + u * (t->hi - t->lo);
    a->doubles[p] = v > t->hi ? t->hi : v;
  }
}

/* Every axis's values, one per point. */
static int axis_values(cy_sweep *sw, size_t P, const cy_resolve_ctx *ctx) {
  const cy_design *d = &sw->design;
  for (size_t i = 0; i < sw->n_axes; i++) {
    cy_axis *a = &sw->axes[i];
    a->n_values = P;
    if (a->type == CY_VALUE_INT)
      a->ints = calloc(P, sizeof *a->ints);
    else
      a->doubles = calloc(P, sizeof *a->doubles);
    if (!a->ints && !a->doubles)
      return nomem(ctx);
    for (size_t p = 0; p < P; p++)
      axis_value(a, &sw->targets[i], p,
                 d->unit[p * d->n_factors + d->axis_factor[i]]);
    sw->targets[i].dim = 0;
  }
  return 0;
}

int cy__design_points(cy_sweep *sw, const cy_resolve_ctx *ctx) {
  cy_design *d = &sw->design;
  size_t P = 0;
  int rc;
  if ((rc = assign_factors(sw, ctx)) ||
      (rc = count_points(
           sw, ctx, config_setting_get_member(sw->design_group, "method"), &P)))
    return rc;
  d->matrix = calloc(P, sizeof *d->matrix);
  d->row = calloc(P, sizeof *d->row);
  d->unit = calloc(P * d->n_factors, sizeof *d->unit);
  if (!d->matrix || !d->row || !d->unit)
    return nomem(ctx);
  rc =
      d->method == CY_DESIGN_LHS ? lhs_points(d, ctx) : saltelli_points(d, ctx);
  if (!rc)
    rc = axis_values(sw, P, ctx);
  if (rc)
    return rc;
  /* One dimension of P points: every axis advances with the point. */
  sw->n_dims = 1;
  sw->dim_size[0] = P;
  sw->n_points = P;
  return 0;
}
