/* test_run_remote.c: cy_run() with remote workers (cy_run_opts.remote),
 * through a fake in-process transport, so that the runner's proxy is
 * tested in every build (ASan included) without MPI.
 *
 * The fake computes a run when it answers it (cy_run_worker_run(), what
 * the MPI ranks call), picking among the runs in flight with a fixed
 * pseudo-random sequence, so answers arrive out of order.  It checks what
 * the interface promises it: no worker is handed more than `depth` runs at
 * once, no run is handed out twice, and when cy_run() returns every run
 * handed out has been answered.  Expected results:
 *  1. local threads + 3 remote workers, and remote workers alone (-j 0):
 *     the file equals a local-only run's in every /summary and /timeseries
 *     value (a run's results depend only on (seed, point, replication)),
 *     and with -j 0 every run went through the fake;
 *  2. with the event log (io_plain.cfg): the /events columns equal too
 *     (the log crosses the transport);
 *  3. a remote worker's error (CY_EINPUT) ends the run with that code and
 *     message, the other workers are asked to stop, and finished runs stay
 *     in the partial file;
 *  4. the caller's stop flag (set after a few answers) and a remote worker
 *     stopped on its own both end in CY_EINTR with the --resume message;
 *     --resume with remote workers then completes the file, equal to the
 *     local-only one;
 *  5. an answer for a run the worker was not handed, and a failing submit,
 *     end the run with an error, never a wrong file; workers that loaded
 *     the study with other options (another seed: another fingerprint)
 *     stop the run before the output is touched. */
#include "cysim/cy_run.h"
#include "io/h5io.h"
#include "testutil.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[512];

enum { MAX_WORKERS = 4, MAX_FLIGHT = 64 };

typedef struct fake {
  cy_run_worker *rw;
  unsigned workers, depth;
  struct {
    unsigned w;
    size_t point, rep;
  } flight[MAX_FLIGHT];
  size_t n_flight;
  unsigned per_worker[MAX_WORKERS];
  uint8_t *handed; /* [P * R]: runs handed out */
  size_t P, R;
  uint64_t lcg;
  size_t submitted, answered, started;
  bool over_depth, twice, stop_called, polled_empty;
  /* Faults, at the answer of that number (SIZE_MAX: never). */
  size_t fail_at, eintr_at, stop_at, wrong_at, submit_fail_at;
  atomic_int *stop; /* the caller's flag, for stop_at */
} fake;

static int fake_submit(void *ctx, unsigned w, size_t point, size_t rep,
                       cy_error *err) {
  fake *f = ctx;
  if (f->submitted++ == f->submit_fail_at)
    return cy_error_set(err, CY_EIO, "fake transport: link down");
  if (w >= f->workers || point >= f->P || rep >= f->R ||
      f->n_flight == MAX_FLIGHT)
    return cy_error_set(err, CY_EINTERNAL, "fake: bad submit");
  if (++f->per_worker[w] > f->depth)
    f->over_depth = true;
  if (f->handed[point * f->R + rep]++)
    f->twice = true;
  f->flight[f->n_flight].w = w;
  f->flight[f->n_flight].point = point;
  f->flight[f->n_flight].rep = rep;
  f->n_flight++;
  return CY_OK;
}

/* Takes a pseudo-random run in flight off the list into a. */
static void fake_pick(fake *f, cy_remote_answer *a) {
  f->lcg = f->lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  size_t i = (size_t)(f->lcg >> 33) % f->n_flight;
  a->worker = f->flight[i].w;
  a->point = f->flight[i].point;
  a->rep = f->flight[i].rep;
  f->flight[i] = f->flight[--f->n_flight];
  f->per_worker[a->worker]--;
}

static int fake_poll(void *ctx, double wait, bool *got, cy_remote_answer *a,
                     cy_outcome *o, cy_error *err) {
  (void)wait;
  fake *f = ctx;
  *got = false;
  if (f->n_flight == 0) {
    f->polled_empty = true;
    return CY_OK;
  }
  fake_pick(f, a);
  *got = true;
  size_t n = f->answered++;
  if (n == f->stop_at)
    atomic_store(f->stop, 1);
  if (n == f->wrong_at) /* a run nobody was handed */
    for (size_t k = 0; k < f->P * f->R; k++)
      if (!f->handed[k]) {
        a->point = k / f->R;
        a->rep = k % f->R;
        break;
      }
  if (f->stop_called || n == f->eintr_at)
    a->status = CY_EINTR;
  else if (n == f->fail_at)
    a->status =
        cy_error_set(err, CY_EINPUT, "fake worker %u: injected", a->worker);
  else
    a->status = cy_run_worker_run(f->rw, a->point, a->rep, NULL, o, err);
  return CY_OK;
}

static int fake_start(void *ctx, uint64_t fingerprint, cy_error *err) {
  fake *f = ctx;
  f->started++;
  if (fingerprint != cy_run_worker_fingerprint(f->rw))
    return cy_error_set(err, CY_EINPUT, "fake worker 0 loaded another study");
  return CY_OK;
}

static int fake_stop(void *ctx, cy_error *err) {
  (void)err;
  ((fake *)ctx)->stop_called = true;
  return CY_OK;
}

static const cy_remote_type fake_type = {.name = "fake",
                                         .start = fake_start,
                                         .submit = fake_submit,
                                         .poll = fake_poll,
                                         .stop = fake_stop};

static void fake_init(fake *f, const cy_run_opts *o, unsigned workers,
                      unsigned depth) {
  memset(f, 0, sizeof *f);
  cy_error err;
  int rc = cy_run_worker_alloc(&f->rw, o, &err);
  CHECK(rc == CY_OK, "cy_run_worker_alloc: %s", err.msg);
  if (rc != CY_OK)
    exit(1);
  f->P = cy_run_worker_points(f->rw);
  f->R = cy_run_worker_replications(f->rw);
  f->handed = calloc(f->P * f->R, 1);
  f->workers = workers;
  f->depth = depth;
  f->lcg = 12345;
  f->fail_at = f->eintr_at = f->stop_at = f->wrong_at = f->submit_fail_at =
      SIZE_MAX;
}

static void fake_fini(fake *f) {
  cy_run_worker_free(f->rw);
  free(f->handed);
}

/* What the transport promises, after cy_run() returned. */
static void check_contract(const fake *f, const char *what) {
  CHECK(f->started == 1, "%s: start called %zu times, expected once", what,
        f->started);
  CHECK(f->n_flight == 0, "%s: %zu runs still in flight", what, f->n_flight);
  CHECK(!f->over_depth, "%s: a worker held more than %u runs", what, f->depth);
  CHECK(!f->twice, "%s: a run was handed out twice", what);
  CHECK(!f->polled_empty, "%s: polled with nothing in flight", what);
}

static void path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void cfg_path(char *buf, size_t n, const char *name) {
  const char *src = getenv("CYSIM_SOURCE_DIR");
  snprintf(buf, n, "%s/tests/data/%s", src ? src : ".", name);
}

/* Dataset `name` of every point of files a and b: the number of points
 * whose values differ (or cannot be read). */
static size_t diff_dataset(cy_h5r *a, cy_h5r *b, const char *name,
                           cy_elem_type t, size_t P) {
  size_t n = cy__h5r_point_values(a, name), bad = 0;
  if (n != cy__h5r_point_values(b, name))
    return P;
  if (n == 0)
    return 0;
  size_t bytes = n * cy_elem_size(t);
  unsigned char *x = malloc(bytes), *y = malloc(bytes);
  for (size_t p = 0; p < P; p++) {
    cy_error err;
    bad += cy__h5r_read_point(a, name, p, t, x, n, &err) != CY_OK ||
           cy__h5r_read_point(b, name, p, t, y, n, &err) != CY_OK ||
           memcmp(x, y, bytes) != 0;
  }
  free(x);
  free(y);
  return bad;
}

/* An /events column of a and b: 1 if they differ. */
static size_t diff_events(cy_h5r *a, cy_h5r *b, const char *name,
                          cy_elem_type t) {
  size_t na = 0, nb = 0;
  cy_error err;
  cy__h5r_read_all(a, name, t, NULL, 0, &na, &err);
  cy__h5r_read_all(b, name, t, NULL, 0, &nb, &err);
  if (na != nb)
    return 1;
  size_t bytes = na * cy_elem_size(t);
  unsigned char *x = malloc(bytes + 1), *y = malloc(bytes + 1);
  size_t k;
  size_t bad = cy__h5r_read_all(a, name, t, x, na, &k, &err) != CY_OK ||
               cy__h5r_read_all(b, name, t, y, nb, &k, &err) != CY_OK ||
               memcmp(x, y, bytes) != 0;
  free(x);
  free(y);
  return bad;
}

/* Whether files a and b hold the same complete study: every outcome field,
 * the seeds and statuses, and the /events columns, bit for bit. */
static bool same_results(const char *fa, const char *fb) {
  cy_h5r *a = NULL, *b = NULL;
  cy_error err;
  if (cy__h5r_open(&a, fa, &err) != CY_OK ||
      cy__h5r_open(&b, fb, &err) != CY_OK) {
    CHECK(0, "open %s / %s: %s", fa, fb, err.msg);
    cy__h5r_close(a);
    return false;
  }
  const cy_h5r_meta *ma = cy__h5r_meta_of(a), *mb = cy__h5r_meta_of(b);
  size_t P = ma->P, bad = ma->P != mb->P || ma->R != mb->R ||
                          ma->complete != 1 || mb->complete != 1 ||
                          ma->event_log != mb->event_log;
  for (size_t f = 0; f < CY_OUTCOME_FIELD_COUNT && !bad; f++)
    bad += diff_dataset(a, b, cy_outcome_fields[f].dataset,
                        cy_outcome_fields[f].type, P);
  if (!bad)
    bad += diff_dataset(a, b, "summary/seed", CY_ELEM_I64, P) +
           diff_dataset(a, b, "summary/status", CY_ELEM_U8, P);
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT && !bad && ma->event_log; c++) {
    char name[64];
    snprintf(name, sizeof name, "events/%s", cy_log_fields[c].name);
    bad += diff_events(a, b, name, cy_log_fields[c].type);
  }
  if (!bad && ma->event_log)
    bad += diff_events(a, b, "events/point", CY_ELEM_U32) +
           diff_events(a, b, "events/replication", CY_ELEM_U32);
  cy__h5r_close(a);
  cy__h5r_close(b);
  return bad == 0;
}

static cy_run_opts opts_for(const char *cfg, const char *out,
                            unsigned threads) {
  return (cy_run_opts){.scenario = cfg,
                       .output = out,
                       .threads = threads,
                       .quiet = true,
                       .command_line = "test_run_remote"};
}

/* Runs cfg into OUT with `threads` local threads and W fake workers of
 * depth d; the fake (initialised here) is the caller's to check and free. */
static int run_remote(cy_run_opts *o, fake *f, unsigned W, unsigned d,
                      cy_run_stats *st, cy_error *err) {
  cy_remote rm = {.type = &fake_type, .ctx = f, .workers = W, .depth = d};
  o->remote = &rm;
  int rc = cy_run(o, st, err);
  o->remote = NULL;
  return rc;
}

/* 1 and 2: the file does not depend on who computed the runs. */
static void check_equal(const char *cfg_name, bool event_log) {
  char cfg[600], ref[600], out[600];
  cfg_path(cfg, sizeof cfg, cfg_name);
  path(ref, sizeof ref, "ref.h5");
  cy_run_opts o = opts_for(cfg, ref, 2);
  o.event_log = event_log;
  o.force = true;
  cy_error err;
  int rc = cy_run(&o, NULL, &err);
  CHECK(rc == CY_OK, "%s: local run: %s", cfg_name, err.msg);
  for (unsigned threads = 0; threads <= 1; threads++) {
    path(out, sizeof out, "remote.h5");
    o.output = out;
    o.threads = threads;
    fake f;
    fake_init(&f, &o, 3, 2);
    cy_run_stats st;
    rc = run_remote(&o, &f, 3, 2, &st, &err);
    CHECK(rc == CY_OK && st.complete, "%s -j %u + 3 remote: rc %d %s", cfg_name,
          threads, rc, err.msg);
    check_contract(&f, cfg_name);
    CHECK(st.remote_workers == 3 && st.threads == threads,
          "%s: stats say %u remote workers, %u threads", cfg_name,
          st.remote_workers, st.threads);
    /* With no local thread every run crosses the transport. */
    if (threads == 0)
      CHECK(f.answered == st.runs_total, "%s -j 0: %zu of %zu runs remote",
            cfg_name, f.answered, st.runs_total);
    CHECK(same_results(ref, out), "%s -j %u + 3 remote: same file as local",
          cfg_name, threads);
    fake_fini(&f);
  }
}

/* 3: a remote worker's error is the run's. */
static void check_worker_error(void) {
  char cfg[600], out[600];
  cfg_path(cfg, sizeof cfg, "io_small.cfg");
  path(out, sizeof out, "err.h5");
  cy_run_opts o = opts_for(cfg, out, 0);
  o.force = true;
  fake f;
  fake_init(&f, &o, 2, 3);
  f.fail_at = 10;
  cy_error err;
  cy_run_stats st;
  int rc = run_remote(&o, &f, 2, 3, &st, &err);
  CHECK(rc == CY_EINPUT && strstr(err.msg, "injected"),
        "worker error: rc %d (%s), expected CY_EINPUT, injected", rc, err.msg);
  CHECK(f.stop_called, "the other workers were asked to stop");
  check_contract(&f, "worker error");
  /* The 10 answers before the failure are finished runs. */
  CHECK(st.runs_done == 10, "worker error: %zu runs kept, expected 10",
        st.runs_done);
  CHECK(access(out, F_OK) != 0, "no %s after a failure", out);
  fake_fini(&f);
}

/* 4: stops, then --resume with remote workers. */
static void check_stop_resume(bool by_caller) {
  char cfg[600], ref[600], out[600];
  cfg_path(cfg, sizeof cfg, "io_small.cfg");
  path(ref, sizeof ref, "ref_small.h5");
  path(out, sizeof out, by_caller ? "stop.h5" : "stop_remote.h5");
  cy_run_opts o = opts_for(cfg, ref, 2);
  o.force = true;
  cy_error err;
  CHECK(cy_run(&o, NULL, &err) == CY_OK, "reference: %s", err.msg);
  o = opts_for(cfg, out, 0);
  o.force = true;
  atomic_int stop;
  atomic_init(&stop, 0);
  o.stop = &stop;
  fake f;
  fake_init(&f, &o, 2, 2);
  f.stop = &stop;
  if (by_caller)
    f.stop_at = 6;
  else
    f.eintr_at = 6;
  cy_run_stats st;
  int rc = run_remote(&o, &f, 2, 2, &st, &err);
  const char *what = by_caller ? "caller's stop" : "remote worker stopped";
  CHECK(rc == CY_EINTR && strstr(err.msg, "--resume"),
        "%s: rc %d (%s), expected CY_EINTR and --resume", what, rc, err.msg);
  check_contract(&f, what);
  CHECK(f.stop_called, "%s: the workers were asked to stop", what);
  CHECK(st.runs_done >= 1 && st.runs_done < st.runs_total,
        "%s: %zu of %zu runs kept", what, st.runs_done, st.runs_total);
  fake_fini(&f);
  atomic_store(&stop, 0);
  o.force = false;
  o.resume = true;
  fake_init(&f, &o, 2, 2);
  rc = run_remote(&o, &f, 2, 2, &st, &err);
  CHECK(rc == CY_OK && st.complete, "%s: resume: rc %d %s", what, rc, err.msg);
  check_contract(&f, "resume");
  CHECK(same_results(ref, out), "%s, resumed: same file as local", what);
  fake_fini(&f);
}

/* 5: transport faults end the run with an error. */
static void check_faults(void) {
  char cfg[600], out[600];
  cfg_path(cfg, sizeof cfg, "io_small.cfg");
  path(out, sizeof out, "fault.h5");
  /* No local thread: the runs wait for the faulty transport. */
  cy_run_opts o = opts_for(cfg, out, 0);
  o.force = true;
  fake f;
  fake_init(&f, &o, 2, 2);
  f.wrong_at = 3;
  cy_error err;
  int rc = run_remote(&o, &f, 2, 2, NULL, &err);
  CHECK(rc == CY_EINTERNAL && strstr(err.msg, "not handed"),
        "answer for a run not handed: rc %d (%s)", rc, err.msg);
  fake_fini(&f);
  fake_init(&f, &o, 2, 2);
  f.submit_fail_at = 2;
  rc = run_remote(&o, &f, 2, 2, NULL, &err);
  CHECK(rc == CY_EIO && strstr(err.msg, "link down"),
        "failing submit: rc %d (%s)", rc, err.msg);
  fake_fini(&f);
  /* Workers that loaded the study with another seed (or -n, --set,
   * --event-log, scenario text) have another fingerprint: the run stops
   * before any run is handed out. */
  char other_out[600], partial[620];
  path(other_out, sizeof other_out, "other.h5");
  snprintf(partial, sizeof partial, "%s.partial", other_out);
  o.output = other_out;
  cy_run_opts other = o;
  other.have_seed = true;
  other.seed = 99;
  fake_init(&f, &other, 2, 2);
  rc = run_remote(&o, &f, 2, 2, NULL, &err);
  CHECK(rc == CY_EINPUT && strstr(err.msg, "another study"),
        "workers of another study: rc %d (%s)", rc, err.msg);
  CHECK(f.submitted == 0, "another study: %zu runs handed out, expected 0",
        f.submitted);
  CHECK(access(partial, F_OK) != 0 && access(other_out, F_OK) != 0,
        "another study: no output touched");
  fake_fini(&f);
  /* The fingerprint depends on what the results do: not on the path. */
  fake g;
  other = o;
  fake_init(&f, &other, 1, 1);
  other.n_sets = 1;
  other.sets = (const char *const[]){"scenario.horizon=700"};
  fake_init(&g, &other, 1, 1);
  CHECK(cy_run_worker_fingerprint(f.rw) != cy_run_worker_fingerprint(g.rw),
        "a --set changes the fingerprint");
  fake_fini(&g);
  other = o;
  other.event_log = true;
  fake_init(&g, &other, 1, 1);
  CHECK(cy_run_worker_fingerprint(f.rw) != cy_run_worker_fingerprint(g.rw),
        "--event-log changes the fingerprint");
  fake_fini(&g);
  fake_fini(&f);
}

int main(void) {
  const char *base = getenv("CYSIM_TEST_BIN");
  snprintf(tmpdir, sizeof tmpdir, "%s/run_remote.XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  check_equal("io_small.cfg", false);
  check_equal("io_plain.cfg", true);
  check_worker_error();
  check_stop_resume(true);
  check_stop_resume(false);
  check_faults();
  return cy_test_finish();
}
