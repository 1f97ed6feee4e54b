/* report_sel.c: `cysim report`'s filters --points, --metrics, --states
 * (cysim/cy_report.h, cy_report_options). */
#include "report_impl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The metric name of a dataset: its last component ("ops"). */
static const char *base_name(const char *dataset) {
  const char *slash = strrchr(dataset, '/');
  return slash ? slash + 1 : dataset;
}

/* A whole number of decimal digits (no sign, space or fraction). */
static bool parse_index(const char *s, size_t len, size_t *out) {
  if (len == 0 || len > 18 || strspn(s, "0123456789") < len)
    return false;
  char buf[20];
  memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  unsigned long long v = strtoull(buf, NULL, 10);
  if (errno || v > SIZE_MAX)
    return false;
  *out = (size_t)v;
  return true;
}

/* One entry of --points, "3" or "2-4", of len bytes at s. */
static int points_entry(bool *point, size_t P, const char *s, size_t len,
                        cy_error *err) {
  const char *dash = memchr(s, '-', len);
  size_t lo, hi;
  bool ok = dash ? parse_index(s, (size_t)(dash - s), &lo) &&
                       parse_index(dash + 1, len - (size_t)(dash - s) - 1, &hi)
                 : parse_index(s, len, &lo) && ((hi = lo), true);
  if (!ok || lo > hi)
    return cy_error_set(err, CY_EINPUT,
                        "--points: \"%.*s\" is not a point index or a "
                        "range LO-HI (e.g. 0,2-4)",
                        (int)len, s);
  if (hi >= P)
    return cy_error_set(err, CY_EINPUT,
                        "--points: no point %zu: the file's points are "
                        "numbered 0 to %zu",
                        hi, P - 1);
  for (size_t p = lo; p <= hi; p++)
    point[p] = true;
  return CY_OK;
}

/* Calls entry(ctx, s, len) for each comma-separated entry of list; an
 * empty entry (",," or a trailing comma) is an error naming `what`. */
static int each_entry(const char *list, const char *what,
                      int (*entry)(void *, const char *, size_t, cy_error *),
                      void *ctx, cy_error *err) {
  const char *s = list;
  for (;;) {
    size_t len = strcspn(s, ",");
    if (len == 0)
      return cy_error_set(err, CY_EINPUT, "%s \"%s\": an empty entry", what,
                          list);
    int rc = entry(ctx, s, len, err);
    if (rc)
      return rc;
    if (!s[len])
      return CY_OK;
    s += len + 1;
  }
}

typedef struct sel_ctx {
  cy__report_sel *sel;
  const cy_h5r_meta *m;
} sel_ctx;

static int point_cb(void *ctx, const char *s, size_t len, cy_error *err) {
  sel_ctx *c = ctx;
  return points_entry(c->sel->point, c->m->P, s, len, err);
}

int cy__report_metric_index(const char *what, const char *s, size_t len,
                            size_t *index, cy_error *err) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    const char *name = base_name(cy_outcome_fields[i].dataset);
    if (cy_outcome_fields[i].shape != CY_SHAPE_BNN && strlen(name) == len &&
        memcmp(name, s, len) == 0) {
      *index = i;
      return CY_OK;
    }
  }
  char names[1024] = "";
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (cy_outcome_fields[i].shape != CY_SHAPE_BNN) {
      size_t at = strlen(names);
      snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "",
               base_name(cy_outcome_fields[i].dataset));
    }
  return cy_error_set(err, CY_EINPUT,
                      "%s: no metric \"%.*s\" (the metrics: %s)", what,
                      (int)len, s, names);
}

int cy__report_label_index(const char (*labels)[CY_ID_MAX], size_t n,
                           const char *what, const char *kind, const char *s,
                           size_t len, size_t *index, cy_error *err) {
  for (size_t i = 0; i < n; i++)
    if (strlen(labels[i]) == len && memcmp(labels[i], s, len) == 0) {
      *index = i;
      return CY_OK;
    }
  return cy_error_set(err, CY_EINPUT, "%s: the file has no %s \"%.*s\"", what,
                      kind, (int)len, s);
}

static int metric_cb(void *ctx, const char *s, size_t len, cy_error *err) {
  sel_ctx *c = ctx;
  size_t i = 0;
  int rc = cy__report_metric_index("--metrics", s, len, &i, err);
  if (!rc)
    c->sel->metric[i] = true;
  return rc;
}

static int state_cb(void *ctx, const char *s, size_t len, cy_error *err) {
  sel_ctx *c = ctx;
  size_t i = 0;
  int rc =
      cy__report_label_index((const char(*)[CY_ID_MAX])c->m->states, c->m->N,
                             "--states", "state", s, len, &i, err);
  if (!rc)
    c->sel->state[i] = true;
  return rc;
}

/* Everything selected when list is NULL, else nothing until the entries
 * select it. */
static void fill(bool *v, size_t n, const char *list) {
  for (size_t i = 0; i < n; i++)
    v[i] = list == NULL;
}

int cy__report_sel_init(cy__report_sel *sel, const cy_h5r_meta *m,
                        const cy_report_options *opt, cy_error *err) {
  sel->point = malloc((m->P + 1) * sizeof *sel->point);
  sel->state = malloc((m->N + 1) * sizeof *sel->state);
  sel->metric = malloc(CY_OUTCOME_FIELD_COUNT * sizeof *sel->metric);
  if (!sel->point || !sel->state || !sel->metric)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  fill(sel->point, m->P, opt->points);
  fill(sel->state, m->N, opt->states);
  fill(sel->metric, CY_OUTCOME_FIELD_COUNT, opt->metrics);
  sel_ctx c = {sel, m};
  int rc = CY_OK;
  if (opt->points)
    rc = each_entry(opt->points, "--points", point_cb, &c, err);
  if (!rc && opt->metrics)
    rc = each_entry(opt->metrics, "--metrics", metric_cb, &c, err);
  if (!rc && opt->states)
    rc = each_entry(opt->states, "--states", state_cb, &c, err);
  return rc;
}

void cy__report_sel_fini(cy__report_sel *sel) {
  free(sel->point);
  free(sel->state);
  free(sel->metric);
}

bool cy__report_sel_metric(const cy__report_sel *sel, const char *dataset) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (strcmp(cy_outcome_fields[i].dataset, dataset) == 0)
      return sel->metric[i];
  return false;
}

bool cy__report_sel_dyad(const cy__report_sel *sel, size_t i, size_t j) {
  return sel->state[i] || sel->state[j];
}
