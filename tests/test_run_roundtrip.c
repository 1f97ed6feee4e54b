/* test_run_roundtrip.c: the output file holds exactly what the model
 * computed.
 *
 * Runs tests/data/io_small.cfg (2 points x 20 replications, time series on)
 * through the real runner on two threads, reads the file back with the C
 * reader and compares every value of every (point, replication) with a
 * direct cy_model_run() of the same point: they must be equal bit for bit,
 * because a replication's results depend only on (seed, replication).  Then
 * io_plain.cfg (no alliance, event log on) checks the A = 0 layout and the
 * /events rows against the model's log.  Also checks the report's
 * statistics helper (Kaplan-Meier median) on hand-computed cases.
 *
 * Every comparison walks CY_OUTCOME_FIELDS (cy_outcome.h) and
 * CY_LOG_FIELDS, so a field added there is checked here too.
 *
 * With `--dump CFG POINT REP` it prints one replication's outcome as
 * "DATASET INDEX VALUE" lines (INDEX into the values of that replication,
 * row-major), every field and /summary/seed: the Python test compares them
 * with what xarray reads from the file. */
#include "cysim/cy_model.h"
#include "cysim/cy_rng.h"
#include "cysim/cy_run.h"
#include "cysim/cy_study.h"
#include "io/h5io.h"
#include "io/report.h"
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

/* "DATASET I VALUE": value i of an array of element type t (floats with
 * every digit). */
static void print_value(const char *dataset, size_t i, cy_elem_type t,
                        const void *values) {
  const unsigned char *p = (const unsigned char *)values + i * cy_elem_size(t);
  printf("%s %zu ", dataset, i);
  switch (t) {
  case CY_ELEM_U8:
    printf("%u\n", (unsigned)*(const uint8_t *)p);
    break;
  case CY_ELEM_I16:
    printf("%d\n", (int)*(const int16_t *)p);
    break;
  case CY_ELEM_U32:
    printf("%lu\n", (unsigned long)*(const uint32_t *)p);
    break;
  case CY_ELEM_I32:
    printf("%ld\n", (long)*(const int32_t *)p);
    break;
  case CY_ELEM_U64:
    printf("%llu\n", (unsigned long long)*(const uint64_t *)p);
    break;
  case CY_ELEM_I64:
    printf("%lld\n", (long long)*(const int64_t *)p);
    break;
  case CY_ELEM_F64:
    printf("%.17g\n", *(const double *)p);
    break;
  }
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
  for (size_t f = 0; f < CY_OUTCOME_FIELD_COUNT; f++) {
    const cy_outcome_field *of = &cy_outcome_fields[f];
    const void *v = cy_outcome_values(&o, f);
    size_t n = v ? cy_outcome_count(&o, of->shape) : 0;
    for (size_t i = 0; i < n; i++)
      print_value(of->dataset, i, of->type, v);
  }
  int64_t seed = (int64_t)cy_stream_seed(cy_study_base(st)->seed, rep, 0);
  print_value("summary/seed", 0, CY_ELEM_I64, &seed);
  cy_outcome_fini(&o);
  cy_study_free(st);
  return 0;
}

/* Field f of point p in the file against the direct runs oc[0..R-1], bit
 * for bit: the number of replications that differ (*compared counts the
 * replications compared).  A field the scenario does not have (no
 * alliance, no time series) must be absent from the file. */
static size_t compare_field(cy_h5r *r, size_t p, size_t f, const cy_outcome *oc,
                            size_t R, size_t *compared) {
  const cy_outcome_field *of = &cy_outcome_fields[f];
  size_t count =
      cy_outcome_values(&oc[0], f) ? cy_outcome_count(&oc[0], of->shape) : 0;
  size_t values = cy__h5r_point_values(r, of->dataset);
  CHECK(values == R * count, "/%s: %zu values per point, expected %zu",
        of->dataset, values, R * count);
  if (count == 0 || values != R * count)
    return count != 0;
  size_t bytes = count * cy_elem_size(of->type);
  unsigned char *buf = malloc(R * bytes);
  cy_error err;
  int rc = cy__h5r_read_point(r, of->dataset, p, of->type, buf, values, &err);
  CHECK(rc == CY_OK, "read /%s: %s", of->dataset, err.msg);
  size_t bad = 0;
  for (size_t k = 0; k < R; k++, (*compared)++)
    bad += rc != CY_OK ||
           memcmp(buf + k * bytes, cy_outcome_values(&oc[k], f), bytes) != 0;
  free(buf);
  return bad;
}

/* /summary/seed of point p: every replication's stream key. */
static size_t compare_seeds(cy_h5r *r, size_t p, size_t R, int64_t seed,
                            size_t *compared) {
  int64_t *seeds = malloc(R * sizeof *seeds);
  cy_error err;
  int rc =
      cy__h5r_read_point(r, "summary/seed", p, CY_ELEM_I64, seeds, R, &err);
  CHECK(rc == CY_OK, "read /summary/seed: %s", err.msg);
  size_t bad = 0;
  for (size_t k = 0; k < R; k++, (*compared)++)
    bad += rc != CY_OK || seeds[k] != (int64_t)cy_stream_seed(seed, k, 0);
  free(seeds);
  return bad;
}

/* The bins partition the ops: their sum is ops, dyad by dyad. */
static bool bins_sum_to_ops(const cy_outcome *o) {
  size_t NN = o->n_states * o->n_states;
  for (size_t x = 0; x < NN; x++) {
    uint64_t sum = 0;
    for (size_t b = 0; b < o->n_bins; b++)
      sum += o->ts_ops[b * NN + x];
    if (sum != o->ops[x])
      return false;
  }
  return true;
}

/* The /events table: point and replication, then one column per log
 * field in that field's own type. */
typedef struct ev_table {
  size_t n;
  uint32_t *point, *rep;
  unsigned char *col[CY_LOG_FIELD_COUNT];
} ev_table;

static int read_events(cy_h5r *r, ev_table *t) {
  cy_error err;
  memset(t, 0, sizeof *t);
  cy__h5r_read_all(r, "events/point", CY_ELEM_U32, NULL, 0, &t->n, &err);
  size_t k, n = t->n;
  t->point = malloc((n + 1) * sizeof *t->point);
  t->rep = malloc((n + 1) * sizeof *t->rep);
  int e =
      cy__h5r_read_all(r, "events/point", CY_ELEM_U32, t->point, n, &k, &err) |
      cy__h5r_read_all(r, "events/replication", CY_ELEM_U32, t->rep, n, &k,
                       &err);
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    char name[64];
    snprintf(name, sizeof name, "events/%s", f->name);
    t->col[c] = malloc((n + 1) * cy_elem_size(f->type));
    e |= cy__h5r_read_all(r, name, f->type, t->col[c], n, &k, &err);
  }
  CHECK(e == 0, "read events: %s", err.msg);
  return e;
}

static void free_events(ev_table *t) {
  free(t->point);
  free(t->rep);
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++)
    free(t->col[c]);
}

/* Whether row i of the table holds record x, field by field. */
static bool row_is(const ev_table *t, size_t i, const cy_log_record *x) {
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    size_t size = cy_elem_size(f->type);
    if (memcmp(t->col[c] + i * size, (const char *)x + f->offset, size) != 0)
      return false;
  }
  return true;
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
  rc = cy__h5r_open(&r, out, &err);
  CHECK(rc == CY_OK, "open: %s", err.msg);
  if (rc != CY_OK)
    return;
  const cy_h5r_meta *m = cy__h5r_meta_of(r);
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
  size_t R = m->R, mismatches = 0, compared = 0;
  for (size_t p = 0; p < m->P; p++) {
    cy_outcome oc[20];
    for (size_t k = 0; k < R; k++)
      CHECK(direct(st, p, k, false, &oc[k]) == CY_OK, "direct run");
    for (size_t f = 0; f < CY_OUTCOME_FIELD_COUNT; f++)
      mismatches += compare_field(r, p, f, oc, R, &compared);
    mismatches += compare_seeds(r, p, R, 20150508, &compared);
    for (size_t k = 0; k < R; k++)
      mismatches += !bins_sum_to_ops(&oc[k]);
    for (size_t k = 0; k < R; k++)
      cy_outcome_fini(&oc[k]);
  }
  CHECK(compared == 2 * 20 * (CY_OUTCOME_FIELD_COUNT + 1),
        "compared %zu records", compared);
  CHECK(mismatches == 0, "%zu of %zu records differ from the model's",
        mismatches, compared);
  cy__h5r_close(r);

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
  if (cy__h5r_open(&r, out, &err) != CY_OK) {
    CHECK(0, "open: %s", err.msg);
    return;
  }
  const cy_h5r_meta *m = cy__h5r_meta_of(r);
  /* No alliance: A = 0, no alliance datasets; one point; no time series;
   * the event log on (io_plain.cfg sets output.event_log). */
  CHECK(m->A == 0 && m->P == 1 && m->R == PLAIN_R && m->B == 0 &&
            !m->timeseries && m->event_log && m->n_axes == 0 &&
            m->start[0] == '\0' && m->seed == -3,
        "io_plain layout A=%zu P=%zu R=%zu B=%zu ts=%d ev=%d axes=%zu", m->A,
        m->P, m->R, m->B, m->timeseries, m->event_log, m->n_axes);
  cy_study *st;
  rc = cy_study_load(&st, cfg, NULL, 0, &err);
  CHECK(rc == CY_OK, "load: %s", err.msg);
  if (rc != CY_OK) {
    cy__h5r_close(r);
    return;
  }
  cy_outcome *oc = calloc(PLAIN_R, sizeof *oc);
  for (uint32_t q = 0; q < PLAIN_R; q++) {
    CHECK(direct(st, 0, q, true, &oc[q]) == CY_OK, "direct run");
    CHECK(oc[q].log_len > 0, "rep %u has a non-empty log", q);
    CHECK(m->status[q] == 1, "status[%u] = %u", q, m->status[q]);
  }
  /* Every field (the alliance ones absent: A = 0), bit for bit. */
  size_t compared = 0, bad_fields = 0;
  for (size_t f = 0; f < CY_OUTCOME_FIELD_COUNT; f++)
    bad_fields += compare_field(r, 0, f, oc, PLAIN_R, &compared);
  CHECK(bad_fields == 0, "%zu of %zu records differ from the model's",
        bad_fields, compared);
  /* The rows of replication q, in file order, are its log in order. */
  ev_table t;
  read_events(r, &t);
  size_t total = 0, bad = 0;
  for (uint32_t q = 0; q < PLAIN_R; q++) {
    size_t j = 0;
    for (size_t i = 0; i < t.n; i++) {
      if (t.rep[i] != q)
        continue;
      if (j < oc[q].log_len)
        bad += t.point[i] != 0 || !row_is(&t, i, &oc[q].log[j]);
      j++;
    }
    CHECK(j == oc[q].log_len, "rep %u: %zu rows, log has %zu", q, j,
          oc[q].log_len);
    total += oc[q].log_len;
    cy_outcome_fini(&oc[q]);
  }
  CHECK(total == t.n, "%zu event rows, logs hold %zu", t.n, total);
  CHECK(bad == 0, "%zu event rows differ from the model's log", bad);
  free_events(&t);
  free(oc);
  cy_study_free(st);
  cy__h5r_close(r);
}

/* The report's intervals are tests/test_io_interval.c's. */
static void check_stats(void) {
  size_t scratch[8];
  /* Ends at 3, 3, 5, 7; one censored at 9: S(3) = 3/5, S(5) = 3/5 * 2/3 =
   * 2/5 <= 1/2, so the median is 5. */
  double t1[5] = {5, 3, 9, 3, 7};
  unsigned char e1[5] = {1, 1, 0, 1, 1};
  CHECK_NEAR(cy__report_km_median(t1, e1, 5, scratch), 5, 0, "KM median 1");
  /* A run censored early (at 2) leaves 3 at risk: S(4) = 2/3, S(6) = 1/3,
   * so the median is 6 (the naive median of the end days would be 4). */
  double t2[4] = {2, 4, 6, 8};
  unsigned char e2[4] = {0, 1, 1, 1};
  CHECK_NEAR(cy__report_km_median(t2, e2, 4, scratch), 6, 0, "KM median 2");
  /* One end among four (the rest censored): S stays at 3/4 > 1/2. */
  double t3[4] = {10, 20, 30, 30};
  unsigned char e3[4] = {1, 0, 0, 0};
  CHECK(isnan(cy__report_km_median(t3, e3, 4, scratch)),
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
