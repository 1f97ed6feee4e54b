/* report.c: `cysim report` (see report.h). */
#include "report.h"
#include "h5io.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cy_report_mean_ci(const double *x, size_t n, double *mean, double *half) {
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

double cy_report_km_median(const double *t, const unsigned char *ended,
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

/* Day `day` after ISO date `start` as YYYY-MM-DD (civil-from-days, Howard
 * Hinnant's algorithm; no time zones involved). */
static bool day_to_date(const char *start, double day, char *out, size_t n) {
  int y, m, d;
  /* The reader checked start (YYYY-MM-DD); |day| is bounded so that the
   * conversion to long below is defined. */
  if (!start[0] || sscanf(start, "%d-%d-%d", &y, &m, &d) != 3 ||
      !(fabs(day) < 1e8))
    return false;
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long z = era * 146097 + doe - 719468 + (long)floor(day);
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long yy = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  long dd = doy - (153 * mp + 2) / 5 + 1;
  long mm = mp < 10 ? mp + 3 : mp - 9;
  snprintf(out, n, "%04d-%02d-%02d", (int)(yy + (mm <= 2)) % 100000,
           (int)mm % 100, (int)dd % 100);
  return true;
}

/* The shortest %g form that reads back as the same double. */
static void fmt_double(char *buf, size_t n, double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
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
    fmt_double(buf, n, ax->num[p]);
    break;
  }
}

static void ci_text(const double *x, size_t n, char *buf, size_t len) {
  double m, h;
  cy_report_mean_ci(x, n, &m, &h);
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
  return cy_h5r_read_point(r, name, p, CY_H5_F64, buf, cap, err);
}

/* Both reports open the file alike (the reader validates it whole). */
static int open_output(const char *path, cy_h5r **r, const cy_h5r_meta **m,
                       cy_error *err) {
  int rc = cy_h5r_open(r, path, err);
  if (!rc)
    *m = cy_h5r_meta_of(*r);
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
    size_t v = cy_h5r_point_values(r, names[i]);
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

static int print_report(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                        FILE *out, cy_error *err) {
  size_t P = m->P, R = m->R, N = m->N, A = m->A;
  int rc = CY_OK;
  size_t used_total = 0;
  for (size_t i = 0; i < P * R; i++)
    used_total += m->status[i] == 1;
  fprintf(out, "%s: scenario \"%s\", seed %lld, horizon %g days", path,
          m->scenario_name, (long long)m->seed, m->horizon);
  if (m->start[0])
    fprintf(out, " from %s", m->start);
  fprintf(out,
          "\n%zu point%s x %zu replications; %zu of %zu runs done "
          "(status 1) and used%s\n",
          P, P == 1 ? "" : "s", R, used_total, P * R,
          m->complete ? "" : "; the file is INCOMPLETE (interrupted run)");
  fprintf(out, "Means with 95%% Student-t confidence intervals over "
               "replications.\n");

  static const char *const used[] = {
      "summary/ops",    "summary/successes",      "summary/attributed",
      "summary/damage", "summary/alliance_ended", "summary/alliance_end_day"};
  size_t cap;
  /* 4 buffers, col, reps (size_t) and ended per replication. */
  if ((rc = point_buffers(r, path, used, sizeof used / sizeof used[0], 4,
                          R * (2 * sizeof(double) + 1), &cap, err)))
    return rc;
  double *buf[4];
  for (int i = 0; i < 4; i++)
    buf[i] = malloc(cap * sizeof(double));
  double *col = malloc((R + 1) * sizeof *col);
  size_t *reps = malloc((R + 1) * sizeof *reps);
  unsigned char *ended = malloc(R + 1);
  if (!buf[0] || !buf[1] || !buf[2] || !buf[3] || !col || !reps || !ended) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto done;
  }
  static const char *dyad_metrics[3] = {"summary/ops", "summary/successes",
                                        "summary/attributed"};
  for (size_t p = 0; p < P; p++) {
    size_t n = 0;
    for (size_t k = 0; k < R; k++)
      if (m->status[p * R + k] == 1)
        reps[n++] = k;
    fprintf(out, "\n== point %zu", p);
    for (size_t a = 0; a < m->n_axes; a++) {
      char v[128];
      axis_value(&m->axes[a], p, v, sizeof v);
      fprintf(out, "%s %s = %s", a ? "," : ":", m->axes[a].name, v);
    }
    fprintf(out, "  (%zu of %zu runs used) ==\n", n, R);
    if (n == 0)
      continue;
    for (int i = 0; i < 3; i++)
      if ((rc = load(r, dyad_metrics[i], p, buf[i], cap, err)))
        goto done;
    fprintf(out, "%-14s %-35s %-35s %-35s\n", "", "           operations",
            "           successes", "           attributions");
    fprintf(out, "%-14s", "dyad");
    for (int q = 0; q < 3; q++)
      fprintf(out, " %10s  %-23s", "mean", "95% CI");
    fputc('\n', out);
    size_t hidden = 0;
    for (size_t i = 0; i < N; i++) {
      for (size_t j = 0; j < N; j++) {
        if (i == j)
          continue;
        bool any = false;
        for (int q = 0; q < 3; q++)
          for (size_t k = 0; k < n; k++)
            any |= buf[q][reps[k] * N * N + i * N + j] != 0;
        if (!any) {
          hidden++;
          continue;
        }
        char dy[2 * 64 + 3];
        snprintf(dy, sizeof dy, "%s->%s", m->states[i], m->states[j]);
        fprintf(out, "%-14s", dy);
        for (int q = 0; q < 3; q++) {
          for (size_t k = 0; k < n; k++)
            col[k] = buf[q][reps[k] * N * N + i * N + j];
          char t[96];
          ci_text(col, n, t, sizeof t);
          fprintf(out, " %-35s", t);
        }
        fputc('\n', out);
      }
    }
    if (hidden)
      fprintf(out, "(%zu dyad%s with no operation in any run not shown)\n",
              hidden, hidden == 1 ? "" : "s");
    if ((rc = load(r, "summary/damage", p, buf[0], cap, err)))
      goto done;
    fprintf(out, "%-14s %-35s\n", "", "           damage suffered");
    fprintf(out, "%-14s %10s  %-23s\n", "state", "mean", "95% CI");
    for (size_t j = 0; j < N; j++) {
      for (size_t k = 0; k < n; k++) {
        double s = 0;
        for (size_t i = 0; i < N; i++)
          s += buf[0][reps[k] * N * N + i * N + j];
        col[k] = s;
      }
      char t[96];
      ci_text(col, n, t, sizeof t);
      fprintf(out, "%-14s %-35s\n", m->states[j], t);
    }
    if (A == 0)
      continue;
    if ((rc = load(r, "summary/alliance_ended", p, buf[0], cap, err)) ||
        (rc = load(r, "summary/alliance_end_day", p, buf[1], cap, err)))
      goto done;
    fprintf(out, "%-20s %-22s %s\n", "alliance", "survived (fraction)",
            "Kaplan-Meier median end day");
    for (size_t a = 0; a < A; a++) {
      size_t surv = 0;
      for (size_t k = 0; k < n; k++) {
        ended[k] = buf[0][reps[k] * A + a] != 0;
        /* Survivors are censored at the horizon. */
        col[k] = ended[k] ? buf[1][reps[k] * A + a] : m->horizon;
        surv += !ended[k];
      }
      double med = cy_report_km_median(col, ended, n, (size_t *)buf[2]);
      char s[64], md[128], date[64];
      snprintf(s, sizeof s, "%.3f (%zu/%zu)", (double)surv / (double)n, surv,
               n);
      if (isnan(med))
        snprintf(md, sizeof md, "not reached (> %g)", m->horizon);
      else if (day_to_date(m->start, med, date, sizeof date))
        snprintf(md, sizeof md, "%.1f (%s)", med, date);
      else
        snprintf(md, sizeof md, "%.1f", med);
      fprintf(out, "%-20s %-22s %s\n", m->alliances[a], s, md);
    }
  }
done:
  for (int i = 0; i < 4; i++)
    free(buf[i]);
  free(col);
  free(reps);
  free(ended);
  return rc;
}

int cy_report_print(const char *path, FILE *out, cy_error *err) {
  gsl_set_error_handler_off();
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
  cy_h5r_close(r);
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
    fmt_double(buf, sizeof buf, v);
  fputs(buf, out);
  fputc('\n', out);
}

/* Reads what the CSV needs and, unless `dry` (a run that only reads),
 * writes it to out.  Points without a done run are skipped: they have no
 * rows. */
static int write_csv(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                     FILE *out, bool dry, cy_error *err) {
  size_t P = m->P, R = m->R, N = m->N, A = m->A, K = m->K;
  static const char *dyad[] = {"ops",        "successes",      "detected",
                               "attributed", "misattributed",  "retaliations",
                               "damage",     "hostility_final"};
  static const char *const used[] = {"summary/ops",
                                     "summary/events",
                                     "summary/ops_by_type",
                                     "summary/alliance_ended",
                                     "summary/alliance_end_day",
                                     "summary/breaches"};
  size_t cap;
  int rc = point_buffers(r, path, used, sizeof used / sizeof used[0], 1,
                         (P + 1) * sizeof(char *), &cap, err);
  if (rc)
    return rc;
  double *buf = malloc(cap * sizeof *buf);
  char **prefix = calloc(P + 1, sizeof *prefix);
  if (!buf || !prefix) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto done;
  }
  if (!dry) {
    fputs("point", out);
    for (size_t a = 0; a < m->n_axes; a++) {
      fputc(',', out);
      csv_field(out, m->axes[a].name);
    }
    fputs(",replication,metric,attacker,target,value\n", out);
  }
  for (size_t p = 0; !dry && p < P; p++) {
    /* "point,axis values," as one string per point. */
    char *pre = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&pre, &len);
    if (!mf) {
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
      goto done;
    }
    fprintf(mf, "%zu", p);
    for (size_t a = 0; a < m->n_axes; a++) {
      char v[256];
      axis_value(&m->axes[a], p, v, sizeof v);
      fputc(',', mf);
      csv_field(mf, v);
    }
    fclose(mf);
    prefix[p] = pre;
  }
  char name[128];
  for (size_t p = 0; p < P; p++) {
    const uint8_t *st = m->status + p * R;
    bool any = false;
    for (size_t k = 0; k < R && !any; k++)
      any = st[k] == 1;
    if (!any)
      continue;
    for (size_t q = 0; q < sizeof dyad / sizeof dyad[0]; q++) {
      snprintf(name, sizeof name, "summary/%s", dyad[q]);
      if ((rc = load(r, name, p, buf, cap, err)))
        goto done;
      for (size_t k = 0; !dry && k < R; k++) {
        if (st[k] != 1)
          continue;
        for (size_t i = 0; i < N; i++)
          for (size_t j = 0; j < N; j++) {
            if (i == j)
              continue;
            fprintf(out, "%s,%zu,%s,", prefix[p], k, dyad[q]);
            csv_field(out, m->states[i]);
            fputc(',', out);
            csv_field(out, m->states[j]);
            fputc(',', out);
            csv_value(out, buf[k * N * N + i * N + j]);
          }
      }
    }
    if ((rc = load(r, "summary/events", p, buf, cap, err)))
      goto done;
    for (size_t k = 0; !dry && k < R; k++)
      if (st[k] == 1) {
        fprintf(out, "%s,%zu,events,,,", prefix[p], k);
        csv_value(out, buf[k]);
      }
    if ((rc = load(r, "summary/ops_by_type", p, buf, cap, err)))
      goto done;
    for (size_t k = 0; !dry && k < R; k++)
      for (size_t t = 0; st[k] == 1 && t < K; t++) {
        fprintf(out, "%s,%zu,", prefix[p], k);
        snprintf(name, sizeof name, "ops_by_type.%s", m->optypes[t]);
        csv_field(out, name);
        fputs(",,,", out);
        csv_value(out, buf[k * K + t]);
      }
    static const char *al[] = {"alliance_ended", "alliance_end_day",
                               "breaches"};
    for (size_t q = 0; A && q < 3; q++) {
      snprintf(name, sizeof name, "summary/%s", al[q]);
      if ((rc = load(r, name, p, buf, cap, err)))
        goto done;
      for (size_t k = 0; !dry && k < R; k++)
        for (size_t a = 0; st[k] == 1 && a < A; a++) {
          fprintf(out, "%s,%zu,", prefix[p], k);
          snprintf(name, sizeof name, "%s.%s", al[q], m->alliances[a]);
          csv_field(out, name);
          fputs(",,,", out);
          csv_value(out, buf[k * A + a]);
        }
    }
  }
  if (!dry && ferror(out))
    rc = cy_error_set(err, CY_EIO, "error writing the CSV output");
done:
  if (prefix)
    for (size_t p = 0; p < P; p++)
      free(prefix[p]);
  free(prefix);
  free(buf);
  return rc;
}

int cy_report_csv(const char *path, const char *csv_path, FILE *out,
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
  cy_h5r_close(r);
  return rc;
}
