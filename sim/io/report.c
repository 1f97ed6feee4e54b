/* report.c: `cysim report` (see cysim/cy_report.h). */
#include "report.h"
#include "h5io.h"

#include "cysim/cy_format.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cy__report_mean_ci(const double *x, size_t n, double *mean, double *half) {
  *mean = NAN;
  *half = NAN;
  if (n == 0)
    return;
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m += (x[i] - m) / (double)(i + 1);
  *mean = m;
  if (n < 2)
    return;
  double ss = 0;
  for (size_t i = 0; i < n; i++)
    ss += (x[i] - m) * (x[i] - m);
  double sd = sqrt(ss / (double)(n - 1));
  *half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd / sqrt((double)n);
}

static const double *km_t;
static const unsigned char *km_e;

/* Equal times, NaN equal to NaN: a NaN in a file must neither break the
 * sort's ordering nor stop the walk over tied times. */
static bool same_time(double a, double b) {
  return a == b || (isnan(a) && isnan(b));
}

static int km_cmp(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  if (!same_time(km_t[i], km_t[j])) {
    if (isnan(km_t[i]) || isnan(km_t[j]))
      return isnan(km_t[i]) ? 1 : -1; /* NaN last */
    return km_t[i] < km_t[j] ? -1 : 1;
  }
  /* At equal times events come before censorings (the usual convention). */
  if (!km_e[i] != !km_e[j])
    return km_e[i] ? -1 : 1;
  return i < j ? -1 : i > j;
}

double cy__report_km_median(const double *t, const unsigned char *ended,
                            size_t n, size_t *idx) {
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  km_t = t;
  km_e = ended;
  qsort(idx, n, sizeof *idx, km_cmp);
  double s = 1;
  size_t at_risk = n;
  for (size_t k = 0; k < n;) {
    double tk = t[idx[k]];
    size_t d = 0, c = 0;
    while (k < n && same_time(t[idx[k]], tk)) {
      if (ended[idx[k]])
        d++;
      else
        c++;
      k++;
    }
    if (d) {
      s *= 1.0 - (double)d / (double)at_risk;
      if (s <= 0.5)
        return tk;
    }
    at_risk -= d + c;
  }
  return NAN;
}

/* The date of day `day` after the file's start (YYYY-MM-DD, checked by
 * the reader) into out, when the file has a start and the day falls in
 * the years 0000 to 9999, which are all cy_date_format() writes. */
static bool day_to_date(const char *start, double day, char out[11]) {
  long start_day, first, last;
  if (!start[0] || cy_date_parse(start, &start_day) != 0 ||
      cy_date_parse("0000-01-01", &first) != 0 ||
      cy_date_parse("9999-12-31", &last) != 0)
    return false;
  double d = (double)start_day + floor(day);
  if (!(d >= (double)first && d <= (double)last)) /* NaN too */
    return false;
  cy_date_format((long)d, out);
  return true;
}

static void axis_value(const cy_h5r_axis *ax, size_t p, char *buf, size_t n) {
  switch (ax->type) {
  case CY_VALUE_STRING:
    snprintf(buf, n, "%s", ax->str[p]);
    break;
  case CY_VALUE_BOOL:
    snprintf(buf, n, "%s", ax->num[p] != 0 ? "true" : "false");
    break;
  case CY_VALUE_INT:
    snprintf(buf, n, "%.0f", ax->num[p]);
    break;
  default:
    cy_format_double(ax->num[p], buf, n);
    break;
  }
}

static void ci_text(const double *x, size_t n, char *buf, size_t len) {
  double m, h;
  cy__report_mean_ci(x, n, &m, &h);
  if (isnan(h))
    snprintf(buf, len, "%10.4g  %-23s", m, "[n < 2]");
  else {
    char ci[64];
    snprintf(ci, sizeof ci, "[%.4g, %.4g]", m - h, m + h);
    snprintf(buf, len, "%10.4g  %-23s", m, ci);
  }
}

typedef struct loaded {
  size_t n;     /* runs used */
  size_t *reps; /* [n] replications with status 1 */
  double *buf;  /* scratch [R * max(N*N, A, ...)] */
  double *col;  /* [n] */
} loaded;

/* Reads `name` for point p as float64 into buf of cap values. */
static int load(cy_h5r *r, const char *name, size_t p, double *buf, size_t cap,
                cy_error *err) {
  return cy__h5r_read_point(r, name, p, CY_ELEM_F64, buf, cap, err);
}

/* Both reports open the file alike (the reader validates it whole). */
static int open_output(const char *path, cy_h5r **r, const cy_h5r_meta **m,
                       cy_error *err) {
  int rc = cy__h5r_open(r, path, err);
  if (!rc)
    *m = cy__h5r_meta_of(*r);
  return rc;
}

/* The largest per-point size of the datasets names[] into *cap, and a
 * refusal when `copies` buffers of it (plus `extra` bytes) would exceed
 * the reader's memory limit: a huge but consistent file gets a clear
 * message, not a failed (or swapping) allocation. */
static int point_buffers(cy_h5r *r, const char *path, const char *const *names,
                         size_t n_names, size_t copies, size_t extra,
                         size_t *cap, cy_error *err) {
  *cap = 1;
  for (size_t i = 0; i < n_names; i++) {
    size_t v = cy__h5r_point_values(r, names[i]);
    if (v > *cap)
      *cap = v;
  }
  size_t bytes;
  if (__builtin_mul_overflow(*cap, copies * sizeof(double), &bytes) ||
      __builtin_add_overflow(bytes, extra, &bytes) || bytes > CY_H5R_MAX_BYTES)
    return cy_error_set(
        err, CY_EINPUT,
        "%s: reporting one sweep point needs %.3g GiB of "
        "memory, more than the %llu GiB limit",
        path,
        ((double)*cap * (double)(copies * sizeof(double)) + (double)extra) /
            (1 << 30),
        (unsigned long long)(CY_H5R_MAX_BYTES >> 30));
  return CY_OK;
}

/* The terminal report of one file, while it is being written. */
typedef struct report {
  cy_h5r *r;
  const cy_h5r_meta *m;
  const char *path;
  FILE *out;
  size_t cap;           /* values each buf[] holds */
  double *buf[4];       /* one point of up to 3 datasets, and KM scratch */
  double *col;          /* [R] one value per run used */
  size_t *reps;         /* [R] the replications used at the point */
  unsigned char *ended; /* [R] */
  size_t n;             /* runs used at the point */
} report;

/* The columns of the dyad table (outcome fields by dataset). */
static const struct {
  const char *dataset, *label;
} dyad_columns[3] = {
    {"summary/ops", "operations"},
    {"summary/successes", "successes"},
    {"summary/attributed", "attributions"},
};
enum { N_DYAD = sizeof dyad_columns / sizeof dyad_columns[0] };

/* The report's other datasets. */
static const char DAMAGE[] = "summary/damage",
                  ALLIANCE_ENDED[] = "summary/alliance_ended",
                  ALLIANCE_END_DAY[] = "summary/alliance_end_day";

/* A column heading over a 35-character "mean  95% CI" cell. */
static void print_heading(FILE *out, const char *label) {
  fprintf(out, " %11s%-24s", "", label);
}

static void print_file_title(const report *rp) {
  const cy_h5r_meta *m = rp->m;
  size_t used_total = 0;
  for (size_t i = 0; i < m->P * m->R; i++)
    used_total += m->status[i] == 1;
  fprintf(rp->out, "%s: scenario \"%s\", seed %lld, horizon %g days", rp->path,
          m->scenario_name, (long long)m->seed, m->horizon);
  if (m->start[0])
    fprintf(rp->out, " from %s", m->start);
  fprintf(rp->out,
          "\n%zu point%s x %zu replications; %zu of %zu runs done "
          "(status 1) and used%s\n",
          m->P, m->P == 1 ? "" : "s", m->R, used_total, m->P * m->R,
          m->complete ? "" : "; the file is INCOMPLETE (interrupted run)");
  fprintf(rp->out, "Means with 95%% Student-t confidence intervals over "
                   "replications.\n");
}

/* Buffers for one point of every dataset the report uses. */
static int report_alloc(report *rp, cy_error *err) {
  const char *used[N_DYAD + 3] = {DAMAGE, ALLIANCE_ENDED, ALLIANCE_END_DAY};
  for (size_t i = 0; i < N_DYAD; i++)
    used[3 + i] = dyad_columns[i].dataset;
  size_t R = rp->m->R;
  /* 4 buffers, col, reps (size_t) and ended per replication. */
  int rc = point_buffers(rp->r, rp->path, used, N_DYAD + 3, 4,
                         R * (2 * sizeof(double) + 1), &rp->cap, err);
  if (rc)
    return rc;
  for (int i = 0; i < 4; i++)
    rp->buf[i] = malloc(rp->cap * sizeof(double));
  rp->col = malloc((R + 1) * sizeof *rp->col);
  rp->reps = malloc((R + 1) * sizeof *rp->reps);
  rp->ended = malloc(R + 1);
  if (!rp->buf[0] || !rp->buf[1] || !rp->buf[2] || !rp->buf[3] || !rp->col ||
      !rp->reps || !rp->ended)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return CY_OK;
}

static void report_free(report *rp) {
  for (int i = 0; i < 4; i++)
    free(rp->buf[i]);
  free(rp->col);
  free(rp->reps);
  free(rp->ended);
}

/* "== point p: axis = value, ...  (n of R runs used) ==", after finding
 * the runs of point p with status 1. */
static void print_point_title(report *rp, size_t p) {
  const cy_h5r_meta *m = rp->m;
  rp->n = 0;
  for (size_t k = 0; k < m->R; k++)
    if (m->status[p * m->R + k] == 1)
      rp->reps[rp->n++] = k;
  fprintf(rp->out, "\n== point %zu", p);
  for (size_t a = 0; a < m->n_axes; a++) {
    char v[128];
    axis_value(&m->axes[a], p, v, sizeof v);
    fprintf(rp->out, "%s %s = %s", a ? "," : ":", m->axes[a].name, v);
  }
  fprintf(rp->out, "  (%zu of %zu runs used) ==\n", rp->n, m->R);
}

/* Whether any run used has a non-zero value of any dyad column for dyad
 * x (= i * N + j). */
static bool dyad_active(const report *rp, size_t x) {
  size_t NN = rp->m->N * rp->m->N;
  for (int q = 0; q < N_DYAD; q++)
    for (size_t k = 0; k < rp->n; k++)
      if (rp->buf[q][rp->reps[k] * NN + x] != 0)
        return true;
  return false;
}

static void print_dyad_row(report *rp, size_t i, size_t j) {
  const cy_h5r_meta *m = rp->m;
  size_t N = m->N;
  char dy[2 * 64 + 3];
  snprintf(dy, sizeof dy, "%s->%s", m->states[i], m->states[j]);
  fprintf(rp->out, "%-14s", dy);
  for (int q = 0; q < N_DYAD; q++) {
    for (size_t k = 0; k < rp->n; k++)
      rp->col[k] = rp->buf[q][rp->reps[k] * N * N + i * N + j];
    char t[96];
    ci_text(rp->col, rp->n, t, sizeof t);
    fprintf(rp->out, " %-35s", t);
  }
  fputc('\n', rp->out);
}

/* The dyad table of point p: dyads with no operation in any run are
 * counted, not shown. */
static int print_dyads(report *rp, size_t p, cy_error *err) {
  for (int q = 0; q < N_DYAD; q++) {
    int rc = load(rp->r, dyad_columns[q].dataset, p, rp->buf[q], rp->cap, err);
    if (rc)
      return rc;
  }
  fprintf(rp->out, "%-14s", "");
  for (int q = 0; q < N_DYAD; q++)
    print_heading(rp->out, dyad_columns[q].label);
  fprintf(rp->out, "\n%-14s", "dyad");
  for (int q = 0; q < N_DYAD; q++)
    fprintf(rp->out, " %10s  %-23s", "mean", "95% CI");
  fputc('\n', rp->out);
  size_t N = rp->m->N, hidden = 0;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      if (i == j)
        continue;
      if (dyad_active(rp, i * N + j))
        print_dyad_row(rp, i, j);
      else
        hidden++;
    }
  if (hidden)
    fprintf(rp->out, "(%zu dyad%s with no operation in any run not shown)\n",
            hidden, hidden == 1 ? "" : "s");
  return CY_OK;
}

/* Damage suffered by each state: summed over attackers, per run. */
static int print_damage(report *rp, size_t p, cy_error *err) {
  int rc = load(rp->r, DAMAGE, p, rp->buf[0], rp->cap, err);
  if (rc)
    return rc;
  size_t N = rp->m->N;
  fprintf(rp->out, "%-14s", "");
  print_heading(rp->out, "damage suffered");
  fprintf(rp->out, "\n%-14s %10s  %-23s\n", "state", "mean", "95% CI");
  for (size_t j = 0; j < N; j++) {
    for (size_t k = 0; k < rp->n; k++) {
      double s = 0;
      for (size_t i = 0; i < N; i++)
        s += rp->buf[0][rp->reps[k] * N * N + i * N + j];
      rp->col[k] = s;
    }
    char t[96];
    ci_text(rp->col, rp->n, t, sizeof t);
    fprintf(rp->out, "%-14s %-35s\n", rp->m->states[j], t);
  }
  return CY_OK;
}

/* The Kaplan-Meier median end day, with its date when there is one. */
static void median_text(const cy_h5r_meta *m, double med, char *buf, size_t n) {
  char date[11];
  if (isnan(med))
    snprintf(buf, n, "not reached (> %g)", m->horizon);
  else if (day_to_date(m->start, med, date))
    snprintf(buf, n, "%.1f (%s)", med, date);
  else
    snprintf(buf, n, "%.1f", med);
}

/* Alliance a: ended in buf[0], end days in buf[1]. */
static void print_alliance_row(report *rp, size_t a) {
  const cy_h5r_meta *m = rp->m;
  size_t A = m->A, n = rp->n, surv = 0;
  for (size_t k = 0; k < n; k++) {
    rp->ended[k] = rp->buf[0][rp->reps[k] * A + a] != 0;
    /* Survivors are censored at the horizon. */
    rp->col[k] = rp->ended[k] ? rp->buf[1][rp->reps[k] * A + a] : m->horizon;
    surv += !rp->ended[k];
  }
  double med =
      cy__report_km_median(rp->col, rp->ended, n, (size_t *)rp->buf[2]);
  char s[64], md[128];
  snprintf(s, sizeof s, "%.3f (%zu/%zu)", (double)surv / (double)n, surv, n);
  median_text(m, med, md, sizeof md);
  fprintf(rp->out, "%-20s %-22s %s\n", m->alliances[a], s, md);
}

static int print_alliances(report *rp, size_t p, cy_error *err) {
  int rc = load(rp->r, ALLIANCE_ENDED, p, rp->buf[0], rp->cap, err);
  if (!rc)
    rc = load(rp->r, ALLIANCE_END_DAY, p, rp->buf[1], rp->cap, err);
  if (rc)
    return rc;
  fprintf(rp->out, "%-20s %-22s %s\n", "alliance", "survived (fraction)",
          "Kaplan-Meier median end day");
  for (size_t a = 0; a < rp->m->A; a++)
    print_alliance_row(rp, a);
  return CY_OK;
}

static int print_point(report *rp, size_t p, cy_error *err) {
  print_point_title(rp, p);
  if (rp->n == 0)
    return CY_OK;
  int rc = print_dyads(rp, p, err);
  if (!rc)
    rc = print_damage(rp, p, err);
  if (!rc && rp->m->A > 0)
    rc = print_alliances(rp, p, err);
  return rc;
}

static int print_report(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                        FILE *out, cy_error *err) {
  report rp = {.r = r, .m = m, .path = path, .out = out};
  print_file_title(&rp);
  int rc = report_alloc(&rp, err);
  for (size_t p = 0; !rc && p < m->P; p++)
    rc = print_point(&rp, p, err);
  report_free(&rp);
  return rc;
}
/* The library reports errors through return codes and changes no
 * process-wide state: for the span of a report, HDF5's error printing (the
 * reader's failures come back in err) and GSL's error handler (whose default
 * aborts; gsl_cdf_tdist_Pinv may fail to converge, giving a NaN interval)
 * are off, and the program's are put back afterwards. */
typedef struct handlers_off {
  cy_h5_errors h5;
  gsl_error_handler_t *gsl;
} handlers_off;

static void handlers_off_begin(handlers_off *h) {
  cy__h5_errors_off(&h->h5);
  h->gsl = gsl_set_error_handler_off();
}

static void handlers_off_end(const handlers_off *h) {
  gsl_set_error_handler(h->gsl);
  cy__h5_errors_restore(&h->h5);
}

static int report_print(const char *path, FILE *out, cy_error *err) {
  cy_h5r *r;
  const cy_h5r_meta *m;
  int rc = open_output(path, &r, &m, err);
  if (rc)
    return rc;
  /* Composed in memory and written only when whole, so that a file that
   * fails halfway (a damaged chunk) leaves nothing on out.  The report is
   * small: a few lines per dyad and point. */
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem)
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  else {
    rc = print_report(r, m, path, mem, err);
    if (fclose(mem) != 0 && !rc)
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  cy__h5r_close(r);
  if (!rc && fwrite(text, 1, len, out) != len)
    rc = cy_error_set(err, CY_EIO, "error writing the report");
  free(text);
  return rc;
}

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

static void csv_value(FILE *out, double v) {
  char buf[64];
  if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, sizeof buf, "%.0f", v);
  else
    cy_format_double(v, buf, sizeof buf);
  fputs(buf, out);
  fputc('\n', out);
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
  FILE *out;
  bool dry;      /* read every value, write nothing */
  size_t cap;    /* values buf holds */
  double *buf;   /* one point of one field */
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
  fputs(",replication,metric,attacker,target,value\n", c->out);
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
      axis_value(&c->m->axes[a], p, v, sizeof v);
      fputc(',', mf);
      csv_field(mf, v);
    }
    fclose(mf);
    c->prefix[p] = pre;
  }
  return CY_OK;
}

/* One row: metric, attacker and target (NULL: empty), value. */
static void csv_row(const csv *c, size_t p, size_t k, const char *metric,
                    const char *attacker, const char *target, double v) {
  fprintf(c->out, "%s,%zu,", c->prefix[p], k);
  csv_field(c->out, metric);
  fputc(',', c->out);
  csv_field(c->out, attacker ? attacker : "");
  fputc(',', c->out);
  csv_field(c->out, target ? target : "");
  fputc(',', c->out);
  csv_value(c->out, v);
}

/* The rows of run k for field f, whose values are vals. */
static void csv_field_rows(const csv *c, size_t p, size_t k,
                           const cy_outcome_field *f, const double *vals) {
  const cy_h5r_meta *m = c->m;
  const char *name = metric_name(f);
  char metric[128];
  switch (f->shape) {
  case CY_SHAPE_NN:
    for (size_t i = 0; i < m->N; i++)
      for (size_t j = 0; j < m->N; j++)
        if (i != j)
          csv_row(c, p, k, name, m->states[i], m->states[j],
                  vals[i * m->N + j]);
    break;
  case CY_SHAPE_K:
    for (size_t t = 0; t < m->K; t++) {
      snprintf(metric, sizeof metric, "%s.%s", name, m->optypes[t]);
      csv_row(c, p, k, metric, NULL, NULL, vals[t]);
    }
    break;
  case CY_SHAPE_A:
    for (size_t a = 0; a < m->A; a++) {
      snprintf(metric, sizeof metric, "%s.%s", name, m->alliances[a]);
      csv_row(c, p, k, metric, NULL, NULL, vals[a]);
    }
    break;
  default:
    csv_row(c, p, k, name, NULL, NULL, vals[0]);
    break;
  }
}

/* Field f of point p: read, then (unless dry) a row per value of each run
 * done.  A field the file does not have (no alliance) has no rows. */
static int csv_point_field(csv *c, size_t p, const cy_outcome_field *f,
                           cy_error *err) {
  size_t values = cy__h5r_point_values(c->r, f->dataset);
  if (values == 0)
    return CY_OK;
  int rc = load(c->r, f->dataset, p, c->buf, c->cap, err);
  size_t R = c->m->R, per = values / R;
  const uint8_t *st = c->m->status + p * R;
  for (size_t k = 0; !rc && !c->dry && k < R; k++)
    if (st[k] == 1)
      csv_field_rows(c, p, k, f, c->buf + k * per);
  return rc;
}

/* Every field of point p; a point without a done run has no rows. */
static int csv_point(csv *c, size_t p, cy_error *err) {
  const uint8_t *st = c->m->status + p * c->m->R;
  bool any = false;
  for (size_t k = 0; k < c->m->R && !any; k++)
    any = st[k] == 1;
  int rc = CY_OK;
  for (int s = 0; any && !rc && s < N_CSV_SHAPES; s++)
    for (size_t i = 0; !rc && i < CY_OUTCOME_FIELD_COUNT; i++)
      if (cy_outcome_fields[i].shape == csv_shapes[s])
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
  int rc = point_buffers(c->r, path, used, n_used, 1,
                         (c->m->P + 1) * sizeof(char *), &c->cap, err);
  if (rc)
    return rc;
  c->buf = malloc(c->cap * sizeof *c->buf);
  c->prefix = calloc(c->m->P + 1, sizeof *c->prefix);
  if (!c->buf || !c->prefix)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return CY_OK;
}

static void csv_free(csv *c) {
  if (c->prefix)
    for (size_t p = 0; p < c->m->P; p++)
      free(c->prefix[p]);
  free(c->prefix);
  free(c->buf);
}

/* Reads what the CSV needs and, unless `dry` (a run that only reads),
 * writes it to out. */
static int write_csv(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                     FILE *out, bool dry, cy_error *err) {
  csv c = {.r = r, .m = m, .out = out, .dry = dry};
  int rc = csv_alloc(&c, path, err);
  if (!rc && !dry) {
    csv_header(&c);
    rc = csv_prefixes(&c, err);
  }
  for (size_t p = 0; !rc && p < m->P; p++)
    rc = csv_point(&c, p, err);
  if (!rc && !dry && ferror(out))
    rc = cy_error_set(err, CY_EIO, "error writing the CSV output");
  csv_free(&c);
  return rc;
}

static int report_csv(const char *path, const char *csv_path, FILE *out,
                      cy_error *err) {
  cy_h5r *r;
  const cy_h5r_meta *m;
  int rc = open_output(path, &r, &m, err);
  if (rc)
    return rc;
  /* A dry run first reads every value the CSV uses, so a damaged chunk is
   * found before the first byte is written: the CSV can be far too large
   * to compose in memory, and a table cut off halfway would look whole. */
  rc = write_csv(r, m, path, out, true, err);
  FILE *f = out;
  if (!rc && csv_path && !(f = fopen(csv_path, "w")))
    rc = cy_error_set(err, CY_EIO, "%s: cannot write: %s", csv_path,
                      strerror(errno));
  if (!rc)
    rc = write_csv(r, m, path, f, false, err);
  if (f && f != out && fclose(f) != 0 && !rc)
    rc = cy_error_set(err, CY_EIO, "%s: write error", csv_path);
  cy__h5r_close(r);
  return rc;
}

int cy_report_print(const char *path, FILE *out, cy_error *err) {
  handlers_off h;
  handlers_off_begin(&h);
  int rc = report_print(path, out, err);
  handlers_off_end(&h);
  return rc;
}

int cy_report_csv(const char *path, const char *csv_path, FILE *out,
                  cy_error *err) {
  handlers_off h;
  handlers_off_begin(&h);
  int rc = report_csv(path, csv_path, out, err);
  handlers_off_end(&h);
  return rc;
}
