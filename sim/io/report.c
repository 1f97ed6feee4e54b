/* report.c: `cysim report` (see cysim/cy_report.h). */
#include "report_impl.h"

#include "cysim/cy_format.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"

#include <assert.h>
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64 (Steele, Lea and Flood 2014): the bootstrap's generator, one
 * integer-exact rule that sim/MODEL.md "Intervals" states and
 * analysis/cysim.py repeats. */
uint64_t cy__splitmix64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static int double_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The percentile bootstrap of the mean of x[0..n-1] into *lo, *hi. */
static void bootstrap(const double *x, size_t n, double *lo, double *hi) {
  /* The index rule multiplies 32-bit numbers; callers hold n values in
   * memory, far fewer than 2^32 doubles. */
  assert(n <= UINT32_MAX);
  double means[CY_BOOT_RESAMPLES];
  uint64_t state = CY_BOOT_SEED;
  for (size_t b = 0; b < CY_BOOT_RESAMPLES; b++) {
    double sum = 0;
    for (size_t j = 0; j < n; j++)
      sum += x[((cy__splitmix64(&state) >> 32) * (uint64_t)n) >> 32];
    means[b] = sum / (double)n;
  }
  qsort(means, CY_BOOT_RESAMPLES, sizeof means[0], double_cmp);
  *lo = means[CY_BOOT_LO - 1];
  *hi = means[CY_BOOT_HI - 1];
}

cy_interval cy__report_interval(const double *x, size_t n, bool nonneg) {
  cy_interval ci = {NAN, NAN, NAN, CY_CI_NONE};
  if (n == 0)
    return ci;
  /* Summed in index order, then divided: the rule MODEL.md states, so
   * that a reimplementation gets the same double. */
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += x[i];
  ci.mean = sum / (double)n;
  if (n < 2)
    return ci;
  double ss = 0;
  for (size_t i = 0; i < n; i++)
    ss += (x[i] - ci.mean) * (x[i] - ci.mean);
  double sd = sqrt(ss / (double)(n - 1));
  double half =
      gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd / sqrt((double)n);
  ci.lo = ci.mean - half;
  ci.hi = ci.mean + half;
  ci.method = CY_CI_T;
  /* A count's t interval reaches below 0 when the count is rare (mostly
   * zeros, a few ones); the bootstrap's resample means stay in [0, max]. */
  if (nonneg && ci.lo < 0) {
    bootstrap(x, n, &ci.lo, &ci.hi);
    ci.method = CY_CI_BOOTSTRAP;
  }
  return ci;
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

void cy__report_axis_value(const cy_h5r_axis *ax, size_t p, char *buf,
                           size_t n) {
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

/* "mean  [lo, hi]" of x[0..n-1] (sim/MODEL.md "Intervals"). */
static void ci_text(const double *x, size_t n, bool nonneg, char *buf,
                    size_t len) {
  cy_interval ci = cy__report_interval(x, n, nonneg);
  if (ci.method == CY_CI_NONE)
    snprintf(buf, len, "%10.4g  %-23s", ci.mean, "[n < 2]");
  else {
    char t[64];
    snprintf(t, sizeof t, "[%.4g, %.4g]", ci.lo, ci.hi);
    snprintf(buf, len, "%10.4g  %-23s", ci.mean, t);
  }
}

typedef struct loaded {
  size_t n;     /* runs used */
  size_t *reps; /* [n] replications with status 1 */
  double *buf;  /* scratch [R * max(N*N, A, ...)] */
  double *col;  /* [n] */
} loaded;

/* Reads `name` for point p as float64 into buf of cap values. */
int cy__report_load(cy_h5r *r, const char *name, size_t p, double *buf,
                    size_t cap, cy_error *err) {
  return cy__h5r_read_point(r, name, p, CY_ELEM_F64, buf, cap, err);
}

/* Both reports open the file alike (the reader validates it whole). */
int cy__report_open(const char *path, cy_h5r **r, const cy_h5r_meta **m,
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
int cy__report_point_buffers(cy_h5r *r, const char *path,
                             const char *const *names, size_t n_names,
                             size_t copies, size_t extra, size_t *cap,
                             cy_error *err) {
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

/* What the baseline point keeps loaded: the dyad columns, then these. */
enum { BASE_DAMAGE = N_DYAD, BASE_ENDED, N_BASE };

/* The terminal report of one file, while it is being written. */
typedef struct report {
  cy_h5r *r;
  const cy_h5r_meta *m;
  const char *path;
  FILE *out;
  const cy_report_options *opt;
  const cy__report_sel *sel;
  bool col_on[3];       /* the dyad columns selected (--metrics) */
  size_t cap;           /* values each buf[] and base[] holds */
  double *buf[4];       /* one point of up to 3 datasets, and KM scratch */
  double *base[N_BASE]; /* the baseline point (with opt->paired) */
  double *col;          /* [R] one value per run used */
  size_t *reps;         /* [R] the replications used at the point */
  unsigned char *ended; /* [R] */
  size_t n;             /* runs used at the point (or at it and base) */
  bool diff;            /* the rows are paired differences from base */
} report;

/* A column heading over a 35-character "mean  95% CI" cell. */
static void print_heading(FILE *out, const char *label) {
  fprintf(out, " %11s%-24s", "", label);
}

/* "Design: saltelli, N 64 samples, k 3 factors (a, b, z), design seed 1
 * ..." */
static void print_design(FILE *out, const cy_design *d) {
  if (d->method == CY_DESIGN_GRID)
    return;
  fprintf(out, "Design: %s, N %zu samples, k %zu factors (",
          cy_design_method_names[d->method], d->samples, d->n_factors);
  for (size_t f = 0; f < d->n_factors; f++)
    fprintf(out, "%s%s", f ? ", " : "", d->factors[f]);
  fprintf(out, "), design seed %lld (/design: each point's matrix and row)\n",
          (long long)d->seed);
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
  char why[96] = "";
  if (m->tasks)
    snprintf(why, sizeof why,
             "; a SHARD (task %lld of %lld: `cysim merge` joins the shards)",
             (long long)m->task, (long long)m->tasks);
  else if (!m->complete)
    snprintf(why, sizeof why, "; the file is INCOMPLETE (interrupted run)");
  fprintf(rp->out,
          "\n%zu point%s x %zu replications; %zu of %zu runs done "
          "(status 1) and used%s\n",
          m->P, m->P == 1 ? "" : "s", m->R, used_total, m->P * m->R, why);
  print_design(rp->out, &m->design);
  fprintf(rp->out, "Means with 95%% confidence intervals over replications: "
                   "Student t, or a\npercentile bootstrap where a "
                   "non-negative figure's t interval reaches below 0\n"
                   "(sim/MODEL.md, \"Intervals\").\n");
  if (rp->opt->paired)
    fprintf(rp->out,
            "After each other point's figures: its paired differences "
            "from point %zu (the\nbaseline), over the replications done "
            "at both.\n",
            rp->opt->baseline);
}

/* Buffers for one point of every dataset the report uses, and the
 * baseline point's when there is one. */
static int report_alloc(report *rp, cy_error *err) {
  const char *used[N_DYAD + 3] = {DAMAGE, ALLIANCE_ENDED, ALLIANCE_END_DAY};
  for (size_t i = 0; i < N_DYAD; i++)
    used[3 + i] = dyad_columns[i].dataset;
  size_t R = rp->m->R, n_base = rp->opt->paired ? N_BASE : 0;
  /* 4 buffers (and the baseline's), col, reps (size_t) and ended per
   * replication. */
  int rc =
      cy__report_point_buffers(rp->r, rp->path, used, N_DYAD + 3, 4 + n_base,
                               R * (2 * sizeof(double) + 1), &rp->cap, err);
  if (rc)
    return rc;
  bool ok = true;
  for (int i = 0; i < 4; i++)
    ok &= (rp->buf[i] = malloc(rp->cap * sizeof(double))) != NULL;
  for (size_t i = 0; i < n_base; i++)
    ok &= (rp->base[i] = malloc(rp->cap * sizeof(double))) != NULL;
  rp->col = malloc((R + 1) * sizeof *rp->col);
  rp->reps = malloc((R + 1) * sizeof *rp->reps);
  rp->ended = malloc(R + 1);
  if (!ok || !rp->col || !rp->reps || !rp->ended)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return CY_OK;
}

static void report_free(report *rp) {
  for (int i = 0; i < 4; i++)
    free(rp->buf[i]);
  for (int i = 0; i < N_BASE; i++)
    free(rp->base[i]);
  free(rp->col);
  free(rp->reps);
  free(rp->ended);
}

/* The baseline point's datasets, read once. */
static int load_baseline(report *rp, cy_error *err) {
  size_t b = rp->opt->baseline;
  int rc = CY_OK;
  for (int q = 0; !rc && q < N_DYAD; q++)
    rc = cy__report_load(rp->r, dyad_columns[q].dataset, b, rp->base[q],
                         rp->cap, err);
  if (!rc)
    rc = cy__report_load(rp->r, DAMAGE, b, rp->base[BASE_DAMAGE], rp->cap, err);
  if (!rc && rp->m->A > 0)
    rc = cy__report_load(rp->r, ALLIANCE_ENDED, b, rp->base[BASE_ENDED],
                         rp->cap, err);
  return rc;
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
  if (rp->opt->paired && p == rp->opt->baseline)
    fprintf(rp->out, " (baseline)");
  for (size_t a = 0; a < m->n_axes; a++) {
    char v[128];
    cy__report_axis_value(&m->axes[a], p, v, sizeof v);
    fprintf(rp->out, "%s %s = %s", a ? "," : ":", m->axes[a].name, v);
  }
  fprintf(rp->out, "  (%zu of %zu runs used) ==\n", rp->n, m->R);
}

/* col[k] = the value at offset off of run reps[k] in a (records of
 * `stride` values), less the baseline's in b when the rows are
 * differences. */
static void fill_col(report *rp, const double *a, const double *b,
                     size_t stride, size_t off) {
  for (size_t k = 0; k < rp->n; k++) {
    size_t at = rp->reps[k] * stride + off;
    rp->col[k] = rp->diff ? a[at] - b[at] : a[at];
  }
}

/* Whether any run used has a non-zero value of any dyad column for dyad
 * x (= i * N + j), at the point or (for differences) at the baseline. */
static bool dyad_active(const report *rp, size_t x) {
  size_t NN = rp->m->N * rp->m->N;
  for (int q = 0; q < N_DYAD; q++)
    for (size_t k = 0; rp->col_on[q] && k < rp->n; k++)
      if (rp->buf[q][rp->reps[k] * NN + x] != 0 ||
          (rp->diff && rp->base[q][rp->reps[k] * NN + x] != 0))
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
    if (!rp->col_on[q])
      continue;
    fill_col(rp, rp->buf[q], rp->base[q], N * N, i * N + j);
    char t[96];
    ci_text(rp->col, rp->n, !rp->diff, t, sizeof t);
    fprintf(rp->out, " %-35s", t);
  }
  fputc('\n', rp->out);
}

/* The dyad table of point p: dyads with no operation in any run are
 * counted, not shown. */
static int print_dyads(report *rp, size_t p, cy_error *err) {
  if (!rp->col_on[0] && !rp->col_on[1] && !rp->col_on[2])
    return CY_OK;
  for (int q = 0; q < N_DYAD; q++) {
    int rc = cy__report_load(rp->r, dyad_columns[q].dataset, p, rp->buf[q],
                             rp->cap, err);
    if (rc)
      return rc;
  }
  fprintf(rp->out, "%-14s", "");
  for (int q = 0; q < N_DYAD; q++)
    if (rp->col_on[q])
      print_heading(rp->out, dyad_columns[q].label);
  fprintf(rp->out, "\n%-14s", "dyad");
  for (int q = 0; q < N_DYAD; q++)
    if (rp->col_on[q])
      fprintf(rp->out, " %10s  %-23s", "mean", "95% CI");
  fputc('\n', rp->out);
  size_t N = rp->m->N, hidden = 0;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      if (i == j || !cy__report_sel_dyad(rp->sel, i, j))
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

/* The damage state j suffered in run k of d (summed over attackers). */
static double suffered(const report *rp, const double *d, size_t k, size_t j) {
  size_t N = rp->m->N;
  double s = 0;
  for (size_t i = 0; i < N; i++)
    s += d[k * N * N + i * N + j];
  return s;
}

/* Damage suffered by each state: summed over attackers, per run. */
static int print_damage(report *rp, size_t p, cy_error *err) {
  if (!cy__report_sel_metric(rp->sel, DAMAGE))
    return CY_OK;
  int rc = cy__report_load(rp->r, DAMAGE, p, rp->buf[0], rp->cap, err);
  if (rc)
    return rc;
  size_t N = rp->m->N;
  fprintf(rp->out, "%-14s", "");
  print_heading(rp->out, "damage suffered");
  fprintf(rp->out, "\n%-14s %10s  %-23s\n", "state", "mean", "95% CI");
  for (size_t j = 0; j < N; j++) {
    if (!rp->sel->state[j])
      continue;
    for (size_t k = 0; k < rp->n; k++) {
      size_t r = rp->reps[k];
      rp->col[k] = suffered(rp, rp->buf[0], r, j);
      if (rp->diff)
        rp->col[k] -= suffered(rp, rp->base[BASE_DAMAGE], r, j);
    }
    char t[96];
    ci_text(rp->col, rp->n, !rp->diff, t, sizeof t);
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
/* Whether the alliance is switched off at point p (MODEL.md §10.4; files
 * of version 1 have no such alliances). */
static bool alliance_disabled(const cy_h5r_meta *m, size_t p, size_t a) {
  return m->alliance_enabled && !m->alliance_enabled[p * m->A + a];
}

static void print_alliance_row(report *rp, size_t p, size_t a) {
  const cy_h5r_meta *m = rp->m;
  size_t A = m->A, n = rp->n, surv = 0;
  if (alliance_disabled(m, p, a)) {
    /* It never acted: a survival fraction of 1 would read as a pact kept. */
    fprintf(rp->out, "%-20s %-22s %s\n", m->alliances[a], "disabled", "-");
    return;
  }
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
  int rc = cy__report_load(rp->r, ALLIANCE_ENDED, p, rp->buf[0], rp->cap, err);
  if (!rc)
    rc = cy__report_load(rp->r, ALLIANCE_END_DAY, p, rp->buf[1], rp->cap, err);
  if (rc)
    return rc;
  fprintf(rp->out, "%-20s %-22s %s\n", "alliance", "survived (fraction)",
          "Kaplan-Meier median end day");
  for (size_t a = 0; a < rp->m->A; a++)
    print_alliance_row(rp, p, a);
  return CY_OK;
}

/* Survival differences: per run, survived at p (1 or 0) less survived at
 * the baseline; the Kaplan-Meier median has no per-run value to pair. */
static int print_alliance_diffs(report *rp, size_t p, cy_error *err) {
  int rc = cy__report_load(rp->r, ALLIANCE_ENDED, p, rp->buf[0], rp->cap, err);
  if (rc)
    return rc;
  size_t A = rp->m->A;
  fprintf(rp->out, "%-14s", "");
  print_heading(rp->out, "survived (0/1)");
  fprintf(rp->out, "\n%-14s %10s  %-23s\n", "alliance", "mean", "95% CI");
  for (size_t a = 0; a < A; a++) {
    if (alliance_disabled(rp->m, p, a) ||
        alliance_disabled(rp->m, rp->opt->baseline, a)) {
      fprintf(rp->out, "%-14s %s\n", rp->m->alliances[a],
              "disabled at one of the two points: no difference");
      continue;
    }
    for (size_t k = 0; k < rp->n; k++) {
      size_t at = rp->reps[k] * A + a;
      rp->col[k] = (double)(rp->base[BASE_ENDED][at] != 0) -
                   (double)(rp->buf[0][at] != 0);
    }
    char t[96];
    ci_text(rp->col, rp->n, false, t, sizeof t);
    fprintf(rp->out, "%-14s %-35s\n", rp->m->alliances[a], t);
  }
  return CY_OK;
}

/* Whether the file has alliances and --metrics selects them. */
static bool show_alliances(const report *rp) {
  return rp->m->A > 0 && (cy__report_sel_metric(rp->sel, ALLIANCE_ENDED) ||
                          cy__report_sel_metric(rp->sel, ALLIANCE_END_DAY));
}

/* The block of paired differences of point p from the baseline, over the
 * replications done at both. */
static int print_paired(report *rp, size_t p, cy_error *err) {
  const cy_h5r_meta *m = rp->m;
  size_t b = rp->opt->baseline;
  rp->n = 0;
  for (size_t k = 0; k < m->R; k++)
    if (m->status[p * m->R + k] == 1 && m->status[b * m->R + k] == 1)
      rp->reps[rp->n++] = k;
  fprintf(rp->out,
          "\n-- vs point %zu: point %zu minus point %zu, paired over %zu "
          "replication%s done at both --\n",
          b, p, b, rp->n, rp->n == 1 ? "" : "s");
  if (rp->n == 0)
    return CY_OK;
  rp->diff = true;
  int rc = print_dyads(rp, p, err);
  if (!rc)
    rc = print_damage(rp, p, err);
  if (!rc && show_alliances(rp))
    rc = print_alliance_diffs(rp, p, err);
  rp->diff = false;
  return rc;
}

static int print_point(report *rp, size_t p, cy_error *err) {
  print_point_title(rp, p);
  if (rp->n == 0)
    return CY_OK;
  int rc = print_dyads(rp, p, err);
  if (!rc)
    rc = print_damage(rp, p, err);
  if (!rc && show_alliances(rp))
    rc = print_alliances(rp, p, err);
  if (!rc && rp->opt->paired && p != rp->opt->baseline)
    rc = print_paired(rp, p, err);
  return rc;
}

/* --compare: which setting values each point has, and its runs used. */
static int print_compare_legend(report *rp) {
  const cy_h5r_meta *m = rp->m;
  fprintf(rp->out, "\nThe points side by side: mean [95%% CI] per point.\n");
  for (size_t p = 0; p < m->P; p++) {
    if (!rp->sel->point[p])
      continue;
    size_t used = 0;
    for (size_t k = 0; k < m->R; k++)
      used += m->status[p * m->R + k] == 1;
    fprintf(rp->out, "point %zu", p);
    for (size_t a = 0; a < m->n_axes; a++) {
      char v[128];
      cy__report_axis_value(&m->axes[a], p, v, sizeof v);
      fprintf(rp->out, "%s %s = %s", a ? "," : ":", m->axes[a].name, v);
    }
    fprintf(rp->out, "  (%zu of %zu runs used)\n", used, m->R);
  }
  return CY_OK;
}

static int print_report(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                        const cy_report_options *opt, FILE *out,
                        cy_error *err) {
  report rp = {.r = r, .m = m, .path = path, .out = out, .opt = opt};
  if (opt->paired && opt->baseline >= m->P)
    return cy_error_set(err, CY_EINPUT,
                        "%s: no baseline point %zu: the file's points are "
                        "numbered 0 to %zu",
                        path, opt->baseline, m->P - 1);
  cy__report_sel sel = {0};
  int rc = cy__report_sel_init(&sel, m, opt, err);
  if (rc) {
    cy__report_sel_fini(&sel);
    return rc;
  }
  rp.sel = &sel;
  for (int q = 0; q < N_DYAD; q++)
    rp.col_on[q] = cy__report_sel_metric(&sel, dyad_columns[q].dataset);
  print_file_title(&rp);
  rc = report_alloc(&rp, err);
  if (!rc && opt->paired)
    rc = load_baseline(&rp, err);
  if (!rc && opt->compare)
    rc = print_compare_legend(&rp);
  if (!rc && opt->compare)
    rc = cy__report_compare(r, m, path, &sel, out, err);
  for (size_t p = 0; !rc && !opt->compare && p < m->P; p++)
    if (sel.point[p])
      rc = print_point(&rp, p, err);
  report_free(&rp);
  cy__report_sel_fini(&sel);
  return rc;
}
/* The library reports errors through return codes and changes no
 * process-wide state: for the span of a report, HDF5's error printing (the
 * reader's failures come back in err) and GSL's error handler (whose default
 * aborts; gsl_cdf_tdist_Pinv may fail to converge, giving a NaN interval)
 * are off, and the program's are put back afterwards. */

void cy__report_handlers_off_begin(cy__report_handlers *h) {
  cy__h5_errors_off(&h->h5);
  h->gsl = gsl_set_error_handler_off();
}

void cy__report_handlers_off_end(const cy__report_handlers *h) {
  gsl_set_error_handler(h->gsl);
  cy__h5_errors_restore(&h->h5);
}

static int report_print(const char *path, const cy_report_options *opt,
                        FILE *out, cy_error *err) {
  cy_h5r *r;
  const cy_h5r_meta *m;
  int rc = cy__report_open(path, &r, &m, err);
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
    rc = print_report(r, m, path, opt, mem, err);
    if (fclose(mem) != 0 && !rc)
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  cy__h5r_close(r);
  if (!rc && fwrite(text, 1, len, out) != len)
    rc = cy_error_set(err, CY_EIO, "error writing the report");
  free(text);
  return rc;
}

int cy_report_print(const char *path, FILE *out, cy_error *err) {
  return cy_report_print_with(path, NULL, out, err);
}

int cy_report_print_with(const char *path, const cy_report_options *opt,
                         FILE *out, cy_error *err) {
  static const cy_report_options defaults = {0};
  cy__report_handlers h;
  cy__report_handlers_off_begin(&h);
  int rc = report_print(path, opt ? opt : &defaults, out, err);
  cy__report_handlers_off_end(&h);
  return rc;
}
