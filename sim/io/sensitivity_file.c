/* sensitivity_file.c: `cysim sensitivity`: the Sobol indices of a result
 * file run on a saltelli design (cysim/cy_sensitivity.h,
 * cy_sensitivity_print; sim/MODEL.md, "Sensitivity indices"). */
#include "report_impl.h"

#include "cysim/cy_format.h"
#include "cysim/cy_sensitivity.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct sens {
  const char *path;
  const cy_sensitivity_options *opt;
  cy_h5r *r;
  const cy_h5r_meta *m;
  size_t field; /* cy_outcome_fields index of the metric */
  size_t cells; /* the metric's values per run */
  bool *mask;   /* [cells]: the values summed into a run's number */
  char what[256];
  const cy_design *d; /* the reader's (cy__h5r_design) */
  double *y;          /* [P] each point's mean */
  cy_sobol_index *ix; /* [k] */
} sens;

/* ------------------------------------------------------------ /design */

/* The file's design (the reader has checked its layout: P = N (k + 2),
 * point p in matrix p / N, row p % N): CY_EINPUT unless saltelli. */
static int design_read(sens *s, cy_error *err) {
  s->d = cy__h5r_design(s->r);
  if (s->d->method == CY_DESIGN_GRID)
    return cy_error_set(err, CY_EINPUT,
                        "%s: no /design: the file was not run on a design "
                        "(its points are a grid); `cysim sensitivity` needs "
                        "a study with design.method = \"saltelli\"",
                        s->path);
  if (s->d->method != CY_DESIGN_SALTELLI)
    return cy_error_set(err, CY_EINPUT,
                        "%s: the file's design is \"%s\"; Sobol indices "
                        "need design.method = \"saltelli\"",
                        s->path, cy_design_method_names[s->d->method]);
  return CY_OK;
}

/* ---------------------------------------------------------- selection */

/* The index of label id among labels[n] (kind: "state", ...), for the
 * option `what`. */
static int find(const char (*labels)[CY_ID_MAX], size_t n, const char *what,
                const char *kind, const char *id, size_t *at, cy_error *err) {
  return cy__report_label_index(labels, n, what, kind, id, strlen(id), at, err);
}

/* An option the metric has no dimension for. */
static int no_dim(const sens *s, const char *option, cy_error *err) {
  return cy_error_set(err, CY_EINPUT, "%s: the metric %s has no %s", option,
                      s->opt->metric,
                      strcmp(option, "--optype") == 0     ? "operation types"
                      : strcmp(option, "--alliance") == 0 ? "alliances"
                                                          : "dyads");
}

/* The options for other shapes than the metric's: CY_EINPUT naming one. */
static int foreign_options(const sens *s, cy_outcome_shape shape,
                           cy_error *err) {
  const cy_sensitivity_options *o = s->opt;
  if (shape != CY_SHAPE_NN && (o->attacker || o->target || o->state))
    return no_dim(s,
                  o->attacker ? "--attacker"
                  : o->target ? "--target"
                              : "--state",
                  err);
  if (shape != CY_SHAPE_K && o->optype)
    return no_dim(s, "--optype", err);
  if (shape != CY_SHAPE_A && o->alliance)
    return no_dim(s, "--alliance", err);
  if (o->state && (o->attacker || o->target))
    return cy_error_set(err, CY_EINPUT,
                        "--state with --attacker or --target: give the dyads "
                        "one way");
  return CY_OK;
}

/* A dyad metric: the dyads attacker -> target (either may be all), or
 * those with the state at either end; self-pairs never. */
static int dyad_mask(sens *s, cy_error *err) {
  const cy_h5r_meta *m = s->m;
  const char(*st)[CY_ID_MAX] = (const char(*)[CY_ID_MAX])m->states;
  size_t a = SIZE_MAX, t = SIZE_MAX, x = SIZE_MAX;
  int rc = CY_OK;
  if (s->opt->attacker)
    rc = find(st, m->N, "--attacker", "state", s->opt->attacker, &a, err);
  if (!rc && s->opt->target)
    rc = find(st, m->N, "--target", "state", s->opt->target, &t, err);
  if (!rc && s->opt->state)
    rc = find(st, m->N, "--state", "state", s->opt->state, &x, err);
  if (rc)
    return rc;
  for (size_t i = 0; i < m->N; i++)
    for (size_t j = 0; j < m->N; j++)
      s->mask[i * m->N + j] = i != j && (a == SIZE_MAX || i == a) &&
                              (t == SIZE_MAX || j == t) &&
                              (x == SIZE_MAX || i == x || j == x);
  const char *o = s->opt->attacker ? s->opt->attacker : "any state";
  const char *g = s->opt->target ? s->opt->target : "any state";
  if (s->opt->state)
    snprintf(s->what, sizeof s->what,
             "summed over the dyads with %s at either end", s->opt->state);
  else if (s->opt->attacker || s->opt->target)
    snprintf(s->what, sizeof s->what, "%s -> %s%s", o, g,
             s->opt->attacker && s->opt->target ? "" : " (summed)");
  else
    snprintf(s->what, sizeof s->what, "summed over all dyads");
  return CY_OK;
}

/* A metric per optype or per alliance: the one named, else all summed. */
static int label_mask(sens *s, const char (*labels)[CY_ID_MAX], size_t n,
                      const char *option, const char *kind, const char *id,
                      cy_error *err) {
  size_t at = SIZE_MAX;
  int rc = id ? find(labels, n, option, kind, id, &at, err) : CY_OK;
  for (size_t i = 0; !rc && i < n; i++)
    s->mask[i] = at == SIZE_MAX || i == at;
  if (id)
    snprintf(s->what, sizeof s->what, "%s %s", kind, id);
  else
    snprintf(s->what, sizeof s->what, "summed over all %ss", kind);
  return rc;
}

/* The metric and the values of it each run's number sums. */
static int select_values(sens *s, cy_error *err) {
  const cy_sensitivity_options *o = s->opt;
  int rc = cy__report_metric_index("METRIC", o->metric, strlen(o->metric),
                                   &s->field, err);
  if (rc)
    return rc;
  const cy_outcome_field *f = &cy_outcome_fields[s->field];
  const cy_h5r_meta *m = s->m;
  rc = foreign_options(s, f->shape, err);
  if (rc)
    return rc;
  s->cells = f->shape == CY_SHAPE_NN  ? m->N * m->N
             : f->shape == CY_SHAPE_K ? m->K
             : f->shape == CY_SHAPE_A ? m->A
                                      : 1;
  if (s->cells == 0)
    return cy_error_set(err, CY_EINPUT,
                        "%s: the metric %s: the file has no "
                        "alliances",
                        s->path, o->metric);
  s->mask = malloc(s->cells * sizeof *s->mask);
  if (!s->mask)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  if (f->shape == CY_SHAPE_SCALAR) {
    s->mask[0] = true;
    snprintf(s->what, sizeof s->what, "one value per run");
    return CY_OK;
  }
  if (f->shape == CY_SHAPE_NN)
    return dyad_mask(s, err);
  if (f->shape == CY_SHAPE_K)
    return label_mask(s, (const char(*)[CY_ID_MAX])m->optypes, m->K, "--optype",
                      "optype", o->optype, err);
  if (strcmp(o->metric, "alliance_end_day") == 0 && !o->alliance && m->A > 1)
    return cy_error_set(err, CY_EINPUT,
                        "alliance_end_day: the file has %zu alliances; name "
                        "one with --alliance (end days do not add up)",
                        m->A);
  return label_mask(s, (const char(*)[CY_ID_MAX])m->alliances, m->A,
                    "--alliance", "alliance", o->alliance, err);
}

/* -------------------------------------------------------------- the Ys */

/* Every run done: a mean over some replications of a point and all of
 * another would mix estimates of unequal precision into one design. */
static int check_complete(const sens *s, cy_error *err) {
  const cy_h5r_meta *m = s->m;
  size_t missing = 0, first = 0;
  for (size_t x = m->P * m->R; x-- > 0;)
    if (!m->status[x]) {
      missing++;
      first = x;
    }
  if (missing)
    return cy_error_set(err, CY_EINPUT,
                        "%s: %zu of the %zu runs are not done (the first: "
                        "point %zu, replication %zu); finish the study "
                        "(`cysim run --resume`, or `cysim merge` of all its "
                        "shards) before computing its indices",
                        s->path, missing, m->P * m->R, first / m->R,
                        first % m->R);
  return CY_OK;
}

/* y[p]: the mean over point p's replications of each run's number, the sum
 * of its selected values (in index order; runs added in replication order,
 * then divided by R). */
static int point_means(sens *s, cy_error *err) {
  const cy_h5r_meta *m = s->m;
  const char *name = cy_outcome_fields[s->field].dataset;
  size_t cap;
  int rc = cy__report_point_buffers(s->r, s->path, &name, 1, 1, 0, &cap, err);
  double *buf = rc ? NULL : malloc(cap * sizeof *buf);
  if (!rc && !buf)
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t p = 0; !rc && p < m->P; p++) {
    rc = cy__report_load(s->r, name, p, buf, cap, err);
    double sum = 0;
    for (size_t k = 0; !rc && k < m->R; k++) {
      double run = 0;
      for (size_t c = 0; c < s->cells; c++)
        if (s->mask[c])
          run += buf[k * s->cells + c];
      sum += run;
    }
    s->y[p] = sum / (double)m->R;
    if (!rc && !isfinite(s->y[p]))
      rc = cy_error_set(err, CY_EINPUT,
                        "%s: %s (%s) is not a number at point %zu (an "
                        "alliance disabled there has no end day)",
                        s->path, s->opt->metric, s->what, p);
  }
  free(buf);
  return rc;
}

/* The Ys into the estimator's fa, fb, fab (by each point's matrix and row,
 * each of which the design must hold once) and the indices into s->ix. */
static int indices(sens *s, cy_error *err) {
  size_t n = s->d->samples, k = s->d->n_factors, P = s->m->P;
  double *f = malloc(P * sizeof *f); /* fa, fb, then fab */
  bool *seen = calloc(P, sizeof *seen);
  s->ix = malloc(k * sizeof *s->ix);
  int rc = f && seen && s->ix ? CY_OK
                              : cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t p = 0; !rc && p < P; p++) {
    size_t at = (size_t)s->d->matrix[p] * n + s->d->row[p];
    if (s->d->matrix[p] >= k + 2 || s->d->row[p] >= n || seen[at])
      rc = cy_error_set(err, CY_EINPUT,
                        "%s: /design gives point %zu matrix %u row %u, "
                        "outside or twice in its %zu matrices of %zu rows",
                        s->path, p, (unsigned)s->d->matrix[p],
                        (unsigned)s->d->row[p], k + 2, n);
    else {
      seen[at] = true;
      f[at] = s->y[p];
    }
  }
  if (!rc) {
    rc = cy_sobol_indices(n, k, f, f + n, f + 2 * n, s->ix, err);
    if (rc) {
      cy_error e = *err;
      cy_error_set(err, rc, "%s: %s (%s): %s", s->path, s->opt->metric, s->what,
                   e.msg);
    }
  }
  free(f);
  free(seen);
  return rc;
}

/* --minus: the other file must hold the same design points (factors,
 * matrices, rows, and every swept setting's values, bit for bit), so that
 * its Ys pair with this file's point by point. */
static int same_design(const sens *s, const sens *o, cy_error *err) {
  const cy_design *a = s->d, *b = o->d;
  const cy_h5r_meta *ma = s->m, *mb = o->m;
  bool same = a->samples == b->samples && a->n_factors == b->n_factors &&
              ma->P == mb->P && ma->n_axes == mb->n_axes &&
              memcmp(a->matrix, b->matrix, ma->P) == 0 &&
              memcmp(a->row, b->row, ma->P * sizeof *a->row) == 0;
  for (size_t i = 0; same && i < a->n_factors; i++)
    same = strcmp(a->factors[i], b->factors[i]) == 0;
  for (size_t x = 0; same && x < ma->n_axes; x++) {
    const cy_h5r_axis *u = &ma->axes[x], *v = &mb->axes[x];
    same = strcmp(u->name, v->name) == 0 && u->type == v->type &&
           (!u->num || memcmp(u->num, v->num, ma->P * sizeof *u->num) == 0);
  }
  if (!same)
    return cy_error_set(err, CY_EINPUT,
                        "--minus %s: its design points differ from %s's "
                        "(factors, matrices, rows or swept values): the "
                        "difference needs the same points in both",
                        o->path, s->path);
  for (size_t p = 0; p < ma->P; p++)
    s->y[p] -= o->y[p];
  return CY_OK;
}

/* ----------------------------------------------------------- printing */

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

static void json_number(FILE *out, const char *key, double v) {
  char buf[32];
  cy_format_double(v, buf, sizeof buf);
  fprintf(out, ", \"%s\": %s", key, buf);
}

static void print_json(const sens *s, FILE *out) {
  fputs("{\"metric\": ", out);
  json_string(out, s->opt->metric);
  fprintf(out, ", \"samples\": %zu, \"parameters\": [", s->d->samples);
  for (size_t i = 0; i < s->d->n_factors; i++) {
    const cy_sobol_index *x = &s->ix[i];
    fputs(i ? ", {\"name\": " : "{\"name\": ", out);
    json_string(out, s->d->factors[i]);
    json_number(out, "S1", x->s1);
    json_number(out, "S1_lo", x->s1_lo);
    json_number(out, "S1_hi", x->s1_hi);
    json_number(out, "ST", x->st);
    json_number(out, "ST_lo", x->st_lo);
    json_number(out, "ST_hi", x->st_hi);
    fputc('}', out);
  }
  fputs("]}\n", out);
}

static void print_table(const sens *s, FILE *out) {
  const cy_h5r_meta *m = s->m;
  fprintf(out,
          "%s: Sobol indices of %s, %s\n"
          "Y of a point: the mean of that over its %zu replications; "
          "saltelli design,\n"
          "N = %zu samples, k = %zu factors (%zu points)\n"
          "S1 first order (Saltelli 2010), ST total (Jansen 1999); [lo, hi] "
          "95%%\n"
          "percentile bootstrap over %d resamples of the N rows\n\n",
          s->path, s->opt->metric, s->what, m->R, s->d->samples,
          s->d->n_factors, m->P, CY_SOBOL_RESAMPLES);
  int w = 6;
  for (size_t i = 0; i < s->d->n_factors; i++)
    if ((int)strlen(s->d->factors[i]) > w)
      w = (int)strlen(s->d->factors[i]);
  fprintf(out, "%-*s  %7s  %-18s  %7s  %s\n", w, "factor", "S1", "[lo, hi]",
          "ST", "[lo, hi]");
  for (size_t i = 0; i < s->d->n_factors; i++) {
    const cy_sobol_index *x = &s->ix[i];
    char a[48], b[48];
    snprintf(a, sizeof a, "[%.3f, %.3f]", x->s1_lo, x->s1_hi);
    snprintf(b, sizeof b, "[%.3f, %.3f]", x->st_lo, x->st_hi);
    fprintf(out, "%-*s  %7.3f  %-18s  %7.3f  %s\n", w, s->d->factors[i], x->s1,
            a, x->st, b);
  }
}

/* ---------------------------------------------------------- the whole */

static int compute(sens *s, cy_error *err) {
  int rc = cy__report_open(s->path, &s->r, &s->m, err);
  if (!rc)
    rc = design_read(s, err);
  if (!rc)
    rc = select_values(s, err);
  if (!rc)
    rc = check_complete(s, err);
  if (!rc && !(s->y = malloc(s->m->P * sizeof *s->y)))
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  if (!rc)
    rc = point_means(s, err);
  return rc;
}

static void sens_fini(sens *s) {
  if (s->r)
    cy__h5r_close(s->r);
  free(s->mask);
  free(s->y);
  free(s->ix);
}

/* The Ys of path (and, with --minus, less the other file's) and their
 * indices. */
static int compute_all(sens *s, cy_error *err) {
  int rc = compute(s, err);
  if (!rc && s->opt->minus) {
    sens o = {.path = s->opt->minus, .opt = s->opt};
    rc = compute(&o, err);
    if (!rc)
      rc = same_design(s, &o, err);
    sens_fini(&o);
    size_t at = strlen(s->what);
    snprintf(s->what + at, sizeof s->what - at, ", minus %s's", s->opt->minus);
  }
  if (!rc)
    rc = indices(s, err);
  return rc;
}

int cy_sensitivity_print(const char *path, const cy_sensitivity_options *opt,
                         FILE *out, cy_error *err) {
  sens s = {.path = path, .opt = opt};
  cy__report_handlers h;
  cy__report_handlers_off_begin(&h);
  int rc = opt && opt->metric ? compute_all(&s, err)
                              : cy_error_set(err, CY_EINPUT, "no metric given");
  /* Everything is computed before anything is written, so a file that
   * fails leaves nothing on out. */
  if (!rc) {
    if (opt->json)
      print_json(&s, out);
    else
      print_table(&s, out);
    if (ferror(out))
      rc = cy_error_set(err, CY_EIO, "error writing the indices");
  }
  sens_fini(&s);
  cy__report_handlers_off_end(&h);
  return rc;
}
