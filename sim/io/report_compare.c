/* report_compare.c: `cysim report --compare`, the points side by side:
 * one table per figure, its rows (dyads, states, alliances) down, the
 * points across, "mean [lo, hi]" in each cell. */
#include "report_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One figure's data: every selected point of one dataset. */
typedef struct cmp {
  cy_h5r *r;
  const cy_h5r_meta *m;
  const cy__report_sel *sel;
  FILE *out;
  size_t cap;  /* values one point holds */
  double **pt; /* [P] one point's values (NULL: not selected) */
  double *col; /* [R] */
} cmp;

enum { CELL = 28 }; /* "mean [lo, hi]" with 4 significant digits */

/* A row's value at point p, run k: values of records of `per` values;
 * a dyad column at off, or (suffered) the sum over attackers of
 * column j. */
static double value_at(const cmp *c, size_t p, size_t k, size_t per, size_t off,
                       bool suffered) {
  const double *v = c->pt[p] + k * per;
  if (!suffered)
    return v[off];
  double s = 0;
  for (size_t i = 0; i < c->m->N; i++)
    s += v[i * c->m->N + off];
  return s;
}

/* The runs used at point p: col[0..n-1], with the row's values. */
static size_t fill(cmp *c, size_t p, size_t per, size_t off, bool suffered) {
  size_t n = 0;
  for (size_t k = 0; k < c->m->R; k++)
    if (c->m->status[p * c->m->R + k] == 1)
      c->col[n++] = value_at(c, p, k, per, off, suffered);
  return n;
}

static void cell(FILE *out, const double *x, size_t n, bool nonneg) {
  cy_interval ci = cy__report_interval(x, n, nonneg);
  char t[96];
  if (n == 0)
    snprintf(t, sizeof t, "-");
  else if (ci.method == CY_CI_NONE)
    snprintf(t, sizeof t, "%.4g [n < 2]", ci.mean);
  else
    snprintf(t, sizeof t, "%.4g [%.4g, %.4g]", ci.mean, ci.lo, ci.hi);
  fprintf(out, " %-*s", CELL - 1, t);
}

static void header(const cmp *c, const char *title, const char *rows) {
  fprintf(c->out, "\n%s\n%-14s", title, rows);
  for (size_t p = 0; p < c->m->P; p++)
    if (c->sel->point[p]) {
      char h[32];
      snprintf(h, sizeof h, "point %zu", p);
      fprintf(c->out, " %-*s", CELL - 1, h);
    }
  fputc('\n', c->out);
}

/* Loads dataset name at every selected point. */
static int load_all(cmp *c, const char *name, cy_error *err) {
  int rc = CY_OK;
  for (size_t p = 0; !rc && p < c->m->P; p++)
    if (c->pt[p])
      rc = cy__report_load(c->r, name, p, c->pt[p], c->cap, err);
  return rc;
}

/* Whether the dyad's column at off is non-zero in a run at a point. */
static bool any_nonzero(const cmp *c, size_t per, size_t off) {
  for (size_t p = 0; p < c->m->P; p++)
    for (size_t k = 0; c->pt[p] && k < c->m->R; k++)
      if (c->m->status[p * c->m->R + k] == 1 && c->pt[p][k * per + off] != 0)
        return true;
  return false;
}

/* One dyad figure: rows are the selected dyads with a non-zero value. */
static int dyad_table(cmp *c, const char *dataset, const char *title,
                      cy_error *err) {
  int rc = load_all(c, dataset, err);
  if (rc)
    return rc;
  size_t N = c->m->N, hidden = 0;
  header(c, title, "dyad");
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      if (i == j || !cy__report_sel_dyad(c->sel, i, j))
        continue;
      if (!any_nonzero(c, N * N, i * N + j)) {
        hidden++;
        continue;
      }
      char dy[2 * CY_ID_MAX + 3];
      snprintf(dy, sizeof dy, "%s->%s", c->m->states[i], c->m->states[j]);
      fprintf(c->out, "%-14s", dy);
      for (size_t p = 0; p < c->m->P; p++)
        if (c->pt[p])
          cell(c->out, c->col, fill(c, p, N * N, i * N + j, false), true);
      fputc('\n', c->out);
    }
  if (hidden)
    fprintf(c->out, "(%zu dyad%s all zero not shown)\n", hidden,
            hidden == 1 ? "" : "s");
  return CY_OK;
}

static int damage_table(cmp *c, cy_error *err) {
  int rc = load_all(c, "summary/damage", err);
  if (rc)
    return rc;
  header(c, "damage suffered (summed over attackers)", "state");
  for (size_t j = 0; j < c->m->N; j++) {
    if (!c->sel->state[j])
      continue;
    fprintf(c->out, "%-14s", c->m->states[j]);
    for (size_t p = 0; p < c->m->P; p++)
      if (c->pt[p])
        cell(c->out, c->col, fill(c, p, c->m->N * c->m->N, j, true), true);
    fputc('\n', c->out);
  }
  return CY_OK;
}

static bool disabled(const cy_h5r_meta *m, size_t p, size_t a) {
  return m->alliance_enabled && !m->alliance_enabled[p * m->A + a];
}

/* Survival of alliance a at point p (pt[p] holds alliance_ended): the
 * fraction of runs it survived, with its interval; the Kaplan-Meier
 * median is in the per-point report. */
static void alliance_cell(cmp *c, size_t p, size_t a) {
  const cy_h5r_meta *m = c->m;
  if (disabled(m, p, a)) {
    fprintf(c->out, " %-*s", CELL - 1, "disabled");
    return;
  }
  size_t n = 0;
  for (size_t k = 0; k < m->R; k++)
    if (m->status[p * m->R + k] == 1)
      c->col[n++] = c->pt[p][k * m->A + a] != 0 ? 0 : 1;
  cell(c->out, c->col, n, true);
}

static int alliance_table(cmp *c, cy_error *err) {
  int rc = load_all(c, "summary/alliance_ended", err);
  if (rc)
    return rc;
  header(c, "alliance survived (fraction of runs)", "alliance");
  for (size_t a = 0; a < c->m->A; a++) {
    fprintf(c->out, "%-14s", c->m->alliances[a]);
    for (size_t p = 0; p < c->m->P; p++)
      if (c->pt[p])
        alliance_cell(c, p, a);
    fputc('\n', c->out);
  }
  return CY_OK;
}

static const struct {
  const char *dataset, *title;
} dyad_figures[] = {
    {"summary/ops", "operations"},
    {"summary/successes", "successes"},
    {"summary/attributed", "attributions"},
};

static int compare_all(cmp *c, cy_error *err) {
  int rc = CY_OK;
  for (size_t q = 0; !rc && q < sizeof dyad_figures / sizeof dyad_figures[0];
       q++)
    if (cy__report_sel_metric(c->sel, dyad_figures[q].dataset))
      rc = dyad_table(c, dyad_figures[q].dataset, dyad_figures[q].title, err);
  if (!rc && cy__report_sel_metric(c->sel, "summary/damage"))
    rc = damage_table(c, err);
  if (!rc && c->m->A > 0 &&
      (cy__report_sel_metric(c->sel, "summary/alliance_ended") ||
       cy__report_sel_metric(c->sel, "summary/alliance_end_day")))
    rc = alliance_table(c, err);
  return rc;
}

int cy__report_compare(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                       const cy__report_sel *sel, FILE *out, cy_error *err) {
  static const char *const used[] = {"summary/ops", "summary/successes",
                                     "summary/attributed", "summary/damage",
                                     "summary/alliance_ended"};
  size_t chosen = 0;
  for (size_t p = 0; p < m->P; p++)
    chosen += sel->point[p];
  cmp c = {.r = r, .m = m, .sel = sel, .out = out};
  int rc = cy__report_point_buffers(r, path, used, 5, chosen,
                                    (m->R + 1) * sizeof(double), &c.cap, err);
  if (rc)
    return rc;
  c.pt = calloc(m->P + 1, sizeof *c.pt);
  c.col = malloc((m->R + 1) * sizeof *c.col);
  bool ok = c.pt && c.col;
  for (size_t p = 0; ok && p < m->P; p++)
    if (sel->point[p])
      ok = (c.pt[p] = malloc(c.cap * sizeof(double))) != NULL;
  rc =
      ok ? compare_all(&c, err) : cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t p = 0; c.pt && p < m->P; p++)
    free(c.pt[p]);
  free(c.pt);
  free(c.col);
  return rc;
}
