/* report_csv.c: `cysim report --csv`, the tidy long table
 * (cysim/cy_report.h, cy_report_csv_with). */
#include "report_impl.h"

#include "cysim/cy_format.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void csv_field(FILE *out, const char *s) {
  if (strpbrk(s, ",\"\n\r")) {
    fputc('"', out);
    for (; *s; s++) {
      if (*s == '"')
        fputc('"', out);
      fputc(*s, out);
    }
    fputc('"', out);
  } else
    fputs(s, out);
}

/* A number in the shortest form that reads back as the same double; NaN
 * (no value) as an empty field, which pandas and R read as missing. */
static void csv_number(FILE *out, double v) {
  if (isnan(v))
    return;
  char buf[64];
  cy_format_double(v, buf, sizeof buf);
  fputs(buf, out);
}

/* The CSV's metrics come from CY_OUTCOME_FIELDS: the fields of each of
 * these shapes in turn, in list order (time series are left out). */
static const cy_outcome_shape csv_shapes[] = {CY_SHAPE_NN, CY_SHAPE_SCALAR,
                                              CY_SHAPE_K, CY_SHAPE_A};
enum { N_CSV_SHAPES = sizeof csv_shapes / sizeof csv_shapes[0] };

/* The CSV of one file, while it is being written. */
typedef struct csv {
  cy_h5r *r;
  const cy_h5r_meta *m;
  const cy_report_options *opt;
  const cy__report_sel *sel;
  FILE *out;
  bool dry;      /* read every value, write nothing */
  size_t cap;    /* values buf holds */
  double *buf;   /* one point of one field */
  double *col;   /* [R] one value per run used */
  char **prefix; /* [P] "point,axis values" */
} csv;

/* The metric name of a field: its dataset's last component. */
static const char *metric_name(const cy_outcome_field *f) {
  const char *slash = strrchr(f->dataset, '/');
  return slash ? slash + 1 : f->dataset;
}

static void csv_header(const csv *c) {
  fputs("point", c->out);
  for (size_t a = 0; a < c->m->n_axes; a++) {
    fputc(',', c->out);
    csv_field(c->out, c->m->axes[a].name);
  }
  if (c->opt->per_replication)
    fputs(",replication", c->out);
  fputs(",metric,attacker,target,optype,alliance", c->out);
  fputs(c->opt->per_replication ? ",value\n" : ",n,mean,lo,hi,interval\n",
        c->out);
}

/* "point,axis values" of every point, each one string. */
static int csv_prefixes(csv *c, cy_error *err) {
  for (size_t p = 0; p < c->m->P; p++) {
    char *pre = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&pre, &len);
    if (!mf)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    fprintf(mf, "%zu", p);
    for (size_t a = 0; a < c->m->n_axes; a++) {
      char v[256];
      cy__report_axis_value(&c->m->axes[a], p, v, sizeof v);
      fputc(',', mf);
      csv_field(mf, v);
    }
    fclose(mf);
    c->prefix[p] = pre;
  }
  return CY_OK;
}

/* The dimension labels of one value (NULL: the metric lacks it). */
typedef struct labels {
  const char *attacker, *target, *optype, *alliance;
} labels;

/* A row's labels: point and axis values, the replication k (with
 * per_replication), metric, dimensions. */
static void csv_labels(const csv *c, size_t p, size_t k, const char *metric,
                       const labels *l) {
  fputs(c->prefix[p], c->out);
  if (c->opt->per_replication)
    fprintf(c->out, ",%zu", k);
  fputc(',', c->out);
  csv_field(c->out, metric);
  const char *dims[4] = {l->attacker, l->target, l->optype, l->alliance};
  for (int d = 0; d < 4; d++) {
    fputc(',', c->out);
    csv_field(c->out, dims[d] ? dims[d] : "");
  }
}

/* Whether a field's values are levels of a non-negative quantity, whose
 * interval may be the bootstrap (sim/MODEL.md "Intervals"): counts, and
 * damage. */
static bool nonneg_field(const cy_outcome_field *f) {
  return f->type != CY_ELEM_F64 || strcmp(f->member, "damage") == 0;
}

/* The rows of one value (offset off of records of `per` values) over the
 * runs done at point p: one per run, or the aggregate. */
static void csv_value_rows(csv *c, size_t p, const cy_outcome_field *f,
                           size_t per, size_t off, const labels *l) {
  const cy_h5r_meta *m = c->m;
  const uint8_t *st = m->status + p * m->R;
  const char *metric = metric_name(f);
  size_t n = 0;
  for (size_t k = 0; k < m->R; k++) {
    if (st[k] != 1)
      continue;
    double v = c->buf[k * per + off];
    if (c->opt->per_replication) {
      csv_labels(c, p, k, metric, l);
      fputc(',', c->out);
      csv_number(c->out, v);
      fputc('\n', c->out);
    } else if (!isnan(v))
      c->col[n++] = v;
  }
  if (c->opt->per_replication)
    return;
  cy_interval ci = cy__report_interval(c->col, n, nonneg_field(f));
  csv_labels(c, p, 0, metric, l);
  fprintf(c->out, ",%zu,", n);
  csv_number(c->out, ci.mean);
  fputc(',', c->out);
  csv_number(c->out, ci.lo);
  fputc(',', c->out);
  csv_number(c->out, ci.hi);
  fputs(ci.method == CY_CI_T           ? ",t\n"
        : ci.method == CY_CI_BOOTSTRAP ? ",bootstrap\n"
                                       : ",\n",
        c->out);
}

/* Whether alliance a is switched off at point p (MODEL.md §10.4): its
 * rows would read as a pact kept. */
static bool alliance_disabled(const cy_h5r_meta *m, size_t p, size_t a) {
  return m->alliance_enabled && !m->alliance_enabled[p * m->A + a];
}

/* The rows of field f at point p, whose values are in c->buf. */
static void csv_field_rows(csv *c, size_t p, const cy_outcome_field *f,
                           size_t per) {
  const cy_h5r_meta *m = c->m;
  switch (f->shape) {
  case CY_SHAPE_NN:
    for (size_t i = 0; i < m->N; i++)
      for (size_t j = 0; j < m->N; j++)
        if (i != j && cy__report_sel_dyad(c->sel, i, j))
          csv_value_rows(
              c, p, f, per, i * m->N + j,
              &(labels){.attacker = m->states[i], .target = m->states[j]});
    break;
  case CY_SHAPE_K:
    for (size_t t = 0; t < m->K; t++)
      csv_value_rows(c, p, f, per, t, &(labels){.optype = m->optypes[t]});
    break;
  case CY_SHAPE_A:
    for (size_t a = 0; a < m->A; a++)
      if (!alliance_disabled(m, p, a))
        csv_value_rows(c, p, f, per, a, &(labels){.alliance = m->alliances[a]});
    break;
  default:
    csv_value_rows(c, p, f, per, 0, &(labels){0});
    break;
  }
}

/* Field f of point p: read, then (unless dry) its rows.  A field the file
 * does not have (no alliance, version 1 without fear_final) has none. */
static int csv_point_field(csv *c, size_t p, const cy_outcome_field *f,
                           cy_error *err) {
  size_t values = cy__h5r_point_values(c->r, f->dataset);
  if (values == 0)
    return CY_OK;
  int rc = cy__report_load(c->r, f->dataset, p, c->buf, c->cap, err);
  if (!rc && !c->dry)
    csv_field_rows(c, p, f, values / c->m->R);
  return rc;
}

/* Every selected field of point p; a point without a done run has no
 * rows. */
static int csv_point(csv *c, size_t p, cy_error *err) {
  const uint8_t *st = c->m->status + p * c->m->R;
  bool any = false;
  for (size_t k = 0; k < c->m->R && !any; k++)
    any = st[k] == 1;
  int rc = CY_OK;
  for (int s = 0; any && !rc && s < N_CSV_SHAPES; s++)
    for (size_t i = 0; !rc && i < CY_OUTCOME_FIELD_COUNT; i++)
      if (cy_outcome_fields[i].shape == csv_shapes[s] && c->sel->metric[i])
        rc = csv_point_field(c, p, &cy_outcome_fields[i], err);
  return rc;
}

/* A buffer for one point of the largest field the CSV uses. */
static int csv_alloc(csv *c, const char *path, cy_error *err) {
  const char *used[CY_OUTCOME_FIELD_COUNT];
  size_t n_used = 0;
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (cy_outcome_fields[i].shape != CY_SHAPE_BNN)
      used[n_used++] = cy_outcome_fields[i].dataset;
  int rc = cy__report_point_buffers(c->r, path, used, n_used, 1,
                                    (c->m->P + 1) * sizeof(char *) +
                                        (c->m->R + 1) * sizeof(double),
                                    &c->cap, err);
  if (rc)
    return rc;
  c->buf = malloc(c->cap * sizeof *c->buf);
  c->col = malloc((c->m->R + 1) * sizeof *c->col);
  c->prefix = calloc(c->m->P + 1, sizeof *c->prefix);
  if (!c->buf || !c->col || !c->prefix)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return CY_OK;
}

static void csv_free(csv *c) {
  if (c->prefix)
    for (size_t p = 0; p < c->m->P; p++)
      free(c->prefix[p]);
  free(c->prefix);
  free(c->buf);
  free(c->col);
}

/* Reads what the CSV needs and, unless `dry` (a run that only reads),
 * writes it to out. */
static int write_csv(csv *c, const char *path, cy_error *err) {
  int rc = csv_alloc(c, path, err);
  if (!rc && !c->dry) {
    csv_header(c);
    rc = csv_prefixes(c, err);
  }
  for (size_t p = 0; !rc && p < c->m->P; p++)
    if (c->sel->point[p])
      rc = csv_point(c, p, err);
  if (!rc && !c->dry && ferror(c->out))
    rc = cy_error_set(err, CY_EIO, "error writing the CSV output");
  csv_free(c);
  return rc;
}

static int report_csv(const char *path, const char *csv_path,
                      const cy_report_options *opt, FILE *out, cy_error *err) {
  cy_h5r *r;
  const cy_h5r_meta *m;
  int rc = cy__report_open(path, &r, &m, err);
  if (rc)
    return rc;
  cy__report_sel sel = {0};
  rc = cy__report_sel_init(&sel, m, opt, err);
  /* A dry run first reads every value the CSV uses, so a damaged chunk is
   * found before the first byte is written: the per-replication CSV can
   * be far too large to compose in memory, and a table cut off halfway
   * would look whole. */
  csv c = {.r = r, .m = m, .opt = opt, .sel = &sel, .out = out, .dry = true};
  if (!rc)
    rc = write_csv(&c, path, err);
  FILE *f = out;
  if (!rc && csv_path && !(f = fopen(csv_path, "w")))
    rc = cy_error_set(err, CY_EIO, "%s: cannot write: %s", csv_path,
                      strerror(errno));
  csv w = {.r = r, .m = m, .opt = opt, .sel = &sel, .out = f, .dry = false};
  if (!rc)
    rc = write_csv(&w, path, err);
  if (f && f != out && fclose(f) != 0 && !rc)
    rc = cy_error_set(err, CY_EIO, "%s: write error", csv_path);
  cy__report_sel_fini(&sel);
  cy__h5r_close(r);
  return rc;
}

int cy_report_csv_with(const char *path, const char *csv_path,
                       const cy_report_options *opt, FILE *out, cy_error *err) {
  static const cy_report_options defaults = {0};
  cy__report_handlers h;
  cy__report_handlers_off_begin(&h);
  int rc = report_csv(path, csv_path, opt ? opt : &defaults, out, err);
  cy__report_handlers_off_end(&h);
  return rc;
}

int cy_report_csv(const char *path, const char *csv_path, FILE *out,
                  cy_error *err) {
  return cy_report_csv_with(path, csv_path, NULL, out, err);
}
