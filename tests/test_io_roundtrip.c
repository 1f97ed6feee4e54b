/* test_io_roundtrip.c: the output file holds exactly what the model
 * computed.
 *
 * Runs tests/data/io_small.cfg (2 points x 20 replications, time series on)
 * through the real runner on two threads, reads the file back with the C
 * reader and compares every value of every (point, replication) with a
 * direct cy_model_run() of the same point: they must be equal bit for bit,
 * because a replication's results depend only on (seed, replication).  Then
 * io_plain.cfg (no alliance, event log on) checks the A = 0 layout and the
 * /events rows against the model's log.  Also checks the report's
 * statistics helpers on hand-computed cases.
 *
 * With `--dump CFG POINT REP` it prints one replication's summary values
 * as "metric attacker target value" lines: the Python test compares them
 * with what xarray reads from the file. */
#include "cysim/cy_model.h"
#include "cysim/cy_rng.h"
#include "cysim/cy_study.h"
#include "h5io.h"
#include "report.h"
#include "run.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[512];

static void cfg_path(char *buf, size_t n, const char *name) {
  const char *src = getenv("CYSIM_SOURCE_DIR");
  snprintf(buf, n, "%s/tests/data/%s", src ? src : ".", name);
}

/* Runs (point, rep) of the study directly. */
static int direct(const cy_study *st, size_t point, uint64_t rep,
                  bool event_log, cy_outcome *o) {
  cy_scenario s;
  cy_scenario_init(&s);
  cy_error err;
  cy_model *m = NULL;
  int rc = cy_study_point(st, point, &s, &err);
  if (rc == CY_OK) {
    if (event_log)
      s.output.event_log = true;
    rc = cy_outcome_init(o, &s);
  }
  if (rc == CY_OK && (rc = cy_model_alloc(&m, &s, &err)) == CY_OK)
    rc = cy_model_run(m, cy_study_base(st)->seed, rep, o, &err);
  if (rc != CY_OK)
    fprintf(stderr, "direct run: %s\n", err.msg);
  cy_model_free(m);
  cy_scenario_fini(&s);
  return rc;
}

static int dump(const char *cfg, size_t point, uint64_t rep) {
  cy_study *st;
  cy_error err;
  if (cy_study_load(&st, cfg, NULL, 0, &err) != CY_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 2;
  }
  cy_outcome o;
  if (direct(st, point, rep, false, &o) != CY_OK)
    return 1;
  size_t N = o.n_states;
  struct {
    const char *name;
    const uint32_t *u;
    const double *d;
  } m[] = {{"ops", o.ops, NULL},
           {"successes", o.successes, NULL},
           {"detected", o.detected, NULL},
           {"attributed", o.attributed, NULL},
           {"misattributed", o.misattributed, NULL},
           {"retaliations", o.retaliations, NULL},
           {"damage", NULL, o.damage},
           {"hostility_final", NULL, o.hostility_final}};
  for (size_t q = 0; q < sizeof m / sizeof m[0]; q++)
    for (size_t i = 0; i < N * N; i++) {
      if (m[q].u)
        printf("%s %zu %zu %u\n", m[q].name, i / N, i % N, m[q].u[i]);
      else
        printf("%s %zu %zu %.17g\n", m[q].name, i / N, i % N, m[q].d[i]);
    }
  printf("events -1 -1 %llu\n", (unsigned long long)o.events);
  printf("seed -1 -1 %lld\n",
         (long long)(int64_t)cy_stream_seed(cy_study_base(st)->seed, rep, 0));
  for (size_t a = 0; a < o.n_alliances; a++)
    printf("alliance_end_day %zu -1 %.17g\n", a, o.alliance_end_day[a]);
  cy_outcome_fini(&o);
  cy_study_free(st);
  return 0;
}

static bool same_bytes(const void *a, const void *b, size_t n) {
  return memcmp(a, b, n) == 0;
}

static void check_small(void) {
  char cfg[600], out[600];
  cfg_path(cfg, sizeof cfg, "io_small.cfg");
  snprintf(out, sizeof out, "%s/small.h5", tmpdir);
  cy_run_opts o = {.scenario = cfg,
                   .output = out,
                   .threads = 2,
                   .quiet = true,
                   .command_line = "test_io_roundtrip"};
  cy_run_stats stats;
  cy_error err;
  int rc = cy_run(&o, &stats, &err);
  CHECK(rc == CY_OK, "cy_run io_small: %d %s", rc, err.msg);
  if (rc != CY_OK)
    return;
  CHECK(stats.complete && stats.runs_done == 40, "40 runs done, got %zu",
        stats.runs_done);

  cy_h5r *r;
  rc = cy_h5r_open(&r, out, &err);
  CHECK(rc == CY_OK, "open: %s", err.msg);
  if (rc != CY_OK)
    return;
  const cy_h5r_meta *m = cy_h5r_meta_of(r);
  /* Sizes from io_small.cfg: 2 points, 20 replications, 3 states, the 3
   * default optypes, 1 alliance, ceil(730 / 30) = 25 bins. */
  CHECK(m->P == 2 && m->R == 20 && m->N == 3 && m->K == 3 && m->A == 1 &&
            m->B == 25,
        "sizes P=%zu R=%zu N=%zu K=%zu A=%zu B=%zu", m->P, m->R, m->N, m->K,
        m->A, m->B);
  CHECK(m->complete == 1, "complete = %d", m->complete);
  CHECK(m->seed == 20150508, "seed %lld", (long long)m->seed);
  CHECK(strcmp(m->start, "2015-05-08") == 0, "start '%s'", m->start);
  CHECK(strcmp(m->scenario_name, "io_small") == 0, "name '%s'",
        m->scenario_name);
  CHECK(m->horizon == 730.0, "horizon %g", m->horizon);
  CHECK(strcmp(m->states[0], "US") == 0 && strcmp(m->states[2], "CN") == 0,
        "state ids %s %s", m->states[0], m->states[2]);
  CHECK(strcmp(m->alliances[0], "ru_cn") == 0, "alliance id %s",
        m->alliances[0]);
  CHECK(m->n_axes == 2, "2 sweep axes, got %zu", m->n_axes);
  if (m->n_axes == 2) {
    CHECK(strcmp(m->axes[0].name, "compliance") == 0 &&
              strcmp(m->axes[0].path,
                     "alliances.[0].nonaggression.compliance") == 0,
          "axis 0: %s %s", m->axes[0].name, m->axes[0].path);
    CHECK(m->axes[0].num[0] == 0.5 && m->axes[0].num[1] == 1.0,
          "compliance values %g %g", m->axes[0].num[0], m->axes[0].num[1]);
    CHECK(strcmp(m->axes[1].path, "states.[2].attack.rate") == 0 &&
              m->axes[1].num[1] == 0.4,
          "axis 1: %s", m->axes[1].path);
  }
  for (size_t i = 0; i < m->P * m->R; i++)
    CHECK(m->status[i] == 1, "status[%zu] = %u", i, m->status[i]);

  cy_study *st;
  rc = cy_study_load(&st, cfg, NULL, 0, &err);
  CHECK(rc == CY_OK, "load: %s", err.msg);
  if (rc != CY_OK)
    return;
  size_t R = m->R, N = m->N, NN = N * N, B = m->B;
  uint32_t *u = malloc(R * B * NN * sizeof *u);
  double *d = malloc(R * NN * sizeof *d);
  int64_t *seeds = malloc(R * sizeof *seeds);
  uint64_t *ev = malloc(R * sizeof *ev);
  uint8_t *u8 = malloc(R * NN);
  size_t mismatches = 0, compared = 0;
  static const char *u32_names[] = {"ops",           "successes",
                                    "detected",      "attributed",
                                    "misattributed", "retaliations"};
  for (size_t p = 0; p < m->P; p++) {
    cy_outcome oc[20];
    for (size_t k = 0; k < R; k++)
      CHECK(direct(st, p, k, false, &oc[k]) == CY_OK, "direct run");
    char name[64];
    for (int q = 0; q < 6; q++) {
      snprintf(name, sizeof name, "summary/%s", u32_names[q]);
      CHECK(cy_h5r_read_point(r, name, p, CY_H5_U32, u, R * B * NN, &err) ==
                CY_OK,
            "%s", err.msg);
      for (size_t k = 0; k < R; k++) {
        const uint32_t *src[6] = {oc[k].ops,           oc[k].successes,
                                  oc[k].detected,      oc[k].attributed,
                                  oc[k].misattributed, oc[k].retaliations};
        compared++;
        mismatches += !same_bytes(u + k * NN, src[q], NN * 4);
      }
    }
    const char *dn[2] = {"summary/damage", "summary/hostility_final"};
    for (int q = 0; q < 2; q++) {
      CHECK(cy_h5r_read_point(r, dn[q], p, CY_H5_F64, d, R * NN, &err) == CY_OK,
            "%s", err.msg);
      for (size_t k = 0; k < R; k++) {
        compared++;
        mismatches += !same_bytes(
            d + k * NN, q ? oc[k].hostility_final : oc[k].damage, NN * 8);
      }
    }
    CHECK(cy_h5r_read_point(r, "summary/ops_by_type", p, CY_H5_U32, u,
                            R * B * NN, &err) == CY_OK,
          "%s", err.msg);
    for (size_t k = 0; k < R; k++, compared++)
      mismatches += !same_bytes(u + k * 3, oc[k].ops_by_type, 3 * 4);
    CHECK(cy_h5r_read_point(r, "summary/events", p, CY_H5_U64, ev, R, &err) ==
              CY_OK,
          "%s", err.msg);
    CHECK(cy_h5r_read_point(r, "summary/seed", p, CY_H5_I64, seeds, R, &err) ==
              CY_OK,
          "%s", err.msg);
    for (size_t k = 0; k < R; k++, compared += 2) {
      mismatches += ev[k] != oc[k].events;
      mismatches += seeds[k] != (int64_t)cy_stream_seed(20150508, k, 0);
    }
    CHECK(cy_h5r_read_point(r, "summary/alliance_ended", p, CY_H5_U8, u8,
                            R * NN, &err) == CY_OK,
          "%s", err.msg);
    CHECK(cy_h5r_read_point(r, "summary/alliance_end_day", p, CY_H5_F64, d,
                            R * NN, &err) == CY_OK,
          "%s", err.msg);
    for (size_t k = 0; k < R; k++, compared += 2) {
      mismatches += u8[k] != oc[k].alliance_ended[0];
      mismatches += !same_bytes(&d[k], oc[k].alliance_end_day, 8);
    }
    CHECK(cy_h5r_read_point(r, "summary/breaches", p, CY_H5_U32, u, R * B * NN,
                            &err) == CY_OK,
          "%s", err.msg);
    for (size_t k = 0; k < R; k++, compared++)
      mismatches += u[k] != oc[k].breaches[0];
    CHECK(cy_h5r_read_point(r, "timeseries/ops", p, CY_H5_U32, u, R * B * NN,
                            &err) == CY_OK,
          "%s", err.msg);
    for (size_t k = 0; k < R; k++, compared++) {
      mismatches += !same_bytes(u + k * B * NN, oc[k].ts_ops, B * NN * 4);
      /* The bins partition the ops: their sum is ops, dyad by dyad. */
      for (size_t x = 0; x < NN; x++) {
        uint64_t sum = 0;
        for (size_t b = 0; b < B; b++)
          sum += oc[k].ts_ops[b * NN + x];
        mismatches += sum != oc[k].ops[x];
      }
    }
    for (size_t k = 0; k < R; k++)
      cy_outcome_fini(&oc[k]);
  }
  CHECK(compared == 2 * 20 * 15, "compared %zu records", compared);
  CHECK(mismatches == 0, "%zu of %zu records differ from the model's",
        mismatches, compared);
  free(u);
  free(d);
  free(seeds);
  free(ev);
  free(u8);
  cy_h5r_close(r);

  /* An existing output is never overwritten without --force, and a
   * complete file resumes to itself with nothing to do. */
  struct stat before, after;
  stat(out, &before);
  rc = cy_run(&o, &stats, &err);
  CHECK(rc == CY_EEXIST, "second run without force: %d (%s)", rc, err.msg);
  stat(out, &after);
  CHECK(before.st_size == after.st_size &&
            before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
            before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
        "file untouched");
  o.resume = true;
  rc = cy_run(&o, &stats, &err);
  CHECK(rc == CY_OK && stats.runs_pending == 0 && stats.complete,
        "resume of a complete file: rc %d, %zu pending", rc,
        stats.runs_pending);
  /* A resume with another seed is refused (CY_EINPUT, exit 2). */
  o.have_seed = true;
  o.seed = 1;
  rc = cy_run(&o, &stats, &err);
  CHECK(rc == CY_EINPUT && strstr(err.msg, "seed"),
        "resume with another seed: %d (%s)", rc, err.msg);
  cy_study_free(st);
}

/* 70 replications: a whole chunk of 64 and an edge chunk of 6 (written
 * whole, padded), both through the workers' compression path. */
enum { PLAIN_R = 70 };

static void check_plain(void) {
  char cfg[600], out[600];
  cfg_path(cfg, sizeof cfg, "io_plain.cfg");
  snprintf(out, sizeof out, "%s/plain.h5", tmpdir);
  cy_run_opts o = {.scenario = cfg,
                   .output = out,
                   .threads = 2,
                   .replications = PLAIN_R,
                   .quiet = true,
                   .command_line = "test_io_roundtrip"};
  cy_error err;
  int rc = cy_run(&o, NULL, &err);
  CHECK(rc == CY_OK, "cy_run io_plain: %d %s", rc, err.msg);
  if (rc != CY_OK)
    return;
  cy_h5r *r;
  if (cy_h5r_open(&r, out, &err) != CY_OK) {
    CHECK(0, "open: %s", err.msg);
    return;
  }
  const cy_h5r_meta *m = cy_h5r_meta_of(r);
  /* No alliance: A = 0, no alliance datasets; one point; no time series;
   * the event log on (io_plain.cfg sets output.event_log). */
  CHECK(m->A == 0 && m->P == 1 && m->R == PLAIN_R && m->B == 0 &&
            !m->timeseries && m->event_log && m->n_axes == 0 &&
            m->start[0] == '\0' && m->seed == -3,
        "io_plain layout A=%zu P=%zu R=%zu B=%zu ts=%d ev=%d axes=%zu", m->A,
        m->P, m->R, m->B, m->timeseries, m->event_log, m->n_axes);
  uint8_t x[8];
  CHECK(cy_h5r_read_point(r, "summary/alliance_ended", 0, CY_H5_U8, x, sizeof x,
                          &err) != CY_OK,
        "no summary/alliance_ended when A = 0");

  cy_study *st;
  rc = cy_study_load(&st, cfg, NULL, 0, &err);
  CHECK(rc == CY_OK, "load: %s", err.msg);
  size_t n = 0;
  cy_h5r_read_all(r, "events/time", CY_H5_F64, NULL, 0, &n, &err);
  double *t = malloc((n + 1) * 8), *val = malloc((n + 1) * 8);
  uint32_t *pt = malloc((n + 1) * 4), *rep = malloc((n + 1) * 4);
  int64_t *att = malloc((n + 1) * 8), *tgt = malloc((n + 1) * 8),
          *kind = malloc((n + 1) * 8), *bl = malloc((n + 1) * 8),
          *oth = malloc((n + 1) * 8), *opt = malloc((n + 1) * 8);
  size_t k;
  int e = 0;
  e |= cy_h5r_read_all(r, "events/time", CY_H5_F64, t, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/value", CY_H5_F64, val, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/point", CY_H5_U32, pt, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/replication", CY_H5_U32, rep, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/attacker", CY_H5_I64, att, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/target", CY_H5_I64, tgt, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/kind", CY_H5_I64, kind, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/blamed", CY_H5_I64, bl, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/other", CY_H5_I64, oth, n, &k, &err);
  e |= cy_h5r_read_all(r, "events/optype", CY_H5_I64, opt, n, &k, &err);
  CHECK(e == 0, "read events: %s", err.msg);
  size_t total = 0, bad = 0, bad_sum = 0;
  uint32_t *ops = malloc(PLAIN_R * 4 * sizeof *ops);
  double *dmg = malloc(PLAIN_R * 4 * sizeof *dmg);
  CHECK(cy_h5r_read_point(r, "summary/ops", 0, CY_H5_U32, ops, PLAIN_R * 4,
                          &err) == CY_OK &&
            cy_h5r_read_point(r, "summary/damage", 0, CY_H5_F64, dmg,
                              PLAIN_R * 4, &err) == CY_OK,
        "read: %s", err.msg);
  for (uint32_t q = 0; q < PLAIN_R; q++) {
    cy_outcome oc;
    if (direct(st, 0, q, true, &oc) != CY_OK)
      continue;
    bad_sum += !same_bytes(ops + q * 4, oc.ops, 4 * 4) ||
               !same_bytes(dmg + q * 4, oc.damage, 4 * 8) || m->status[q] != 1;
    /* The rows of replication q, in file order, are its log in order. */
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
      if (rep[i] != q)
        continue;
      if (j < oc.log_len) {
        const cy_log_record *lr = &oc.log[j];
        bad += pt[i] != 0 || t[i] != lr->time || val[i] != lr->value ||
               att[i] != lr->attacker || tgt[i] != lr->target ||
               kind[i] != lr->kind || bl[i] != lr->blamed ||
               oth[i] != lr->other || opt[i] != lr->optype;
      }
      j++;
    }
    CHECK(j == oc.log_len, "rep %u: %zu rows, log has %zu", q, j, oc.log_len);
    CHECK(oc.log_len > 0, "rep %u has a non-empty log", q);
    total += oc.log_len;
    cy_outcome_fini(&oc);
  }
  CHECK(total == n, "%zu event rows, logs hold %zu", n, total);
  CHECK(bad_sum == 0, "%zu of %d replications' ops or damage differ", bad_sum,
        PLAIN_R);
  free(ops);
  free(dmg);
  CHECK(bad == 0, "%zu event rows differ from the model's log", bad);
  free(t), free(val), free(pt), free(rep), free(att), free(tgt), free(kind);
  free(bl), free(oth), free(opt);
  cy_study_free(st);
  cy_h5r_close(r);
}

static void check_stats(void) {
  /* x = 1, 2, 3, 4: mean 2.5, s = sqrt(5/3) = 1.2909944487, n = 4, and
   * t_{0.975, 3} = 3.18244630528 (t table), so the half-width is
   * 3.18244630528 * 1.2909944487 / 2 = 2.0542602349. */
  double x[4] = {1, 2, 3, 4}, mean, half;
  cy_report_mean_ci(x, 4, &mean, &half);
  CHECK_NEAR(mean, 2.5, 1e-15, "mean");
  CHECK_NEAR(half, 3.18244630528 * sqrt(5.0 / 3.0) / 2, 1e-9, "t CI");
  cy_report_mean_ci(x, 1, &mean, &half);
  CHECK(mean == 1 && isnan(half), "one value: no interval");

  size_t scratch[8];
  /* Ends at 3, 3, 5, 7; one censored at 9: S(3) = 3/5, S(5) = 3/5 * 2/3 =
   * 2/5 <= 1/2, so the median is 5. */
  double t1[5] = {5, 3, 9, 3, 7};
  unsigned char e1[5] = {1, 1, 0, 1, 1};
  CHECK_NEAR(cy_report_km_median(t1, e1, 5, scratch), 5, 0, "KM median 1");
  /* A run censored early (at 2) leaves 3 at risk: S(4) = 2/3, S(6) = 1/3,
   * so the median is 6 (the naive median of the end days would be 4). */
  double t2[4] = {2, 4, 6, 8};
  unsigned char e2[4] = {0, 1, 1, 1};
  CHECK_NEAR(cy_report_km_median(t2, e2, 4, scratch), 6, 0, "KM median 2");
  /* One end among four (the rest censored): S stays at 3/4 > 1/2. */
  double t3[4] = {10, 20, 30, 30};
  unsigned char e3[4] = {1, 0, 0, 0};
  CHECK(isnan(cy_report_km_median(t3, e3, 4, scratch)),
        "KM median undefined when 3 of 4 survive");
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "--dump") == 0)
    return dump(argv[2], (size_t)atol(argv[3]), (uint64_t)atoll(argv[4]));
  const char *bin = getenv("CYSIM_TEST_BIN");
  snprintf(tmpdir, sizeof tmpdir, "%s/io_roundtrip.XXXXXX", bin ? bin : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  check_stats();
  check_small();
  check_plain();
  int rc = cy_test_finish();
  if (rc == 0) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
      fprintf(stderr, "could not remove %s\n", tmpdir);
  }
  return rc;
}
