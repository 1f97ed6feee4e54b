/* run.c: the multi-threaded runner (see run.h). */
#include "run.h"
#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_study.h"
#include "h5io.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Set from the signal handler: lock-free atomics are async-signal-safe. */
static atomic_int stop_requested;

static void on_signal(int sig) {
  (void)sig;
  atomic_store(&stop_requested, 1);
}

void cy_run_request_stop(void) { atomic_store(&stop_requested, 1); }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct item {
  size_t point, rep;
  cy_outcome *o;
} item;

typedef struct shared {
  const cy_run_opts *opts;
  const cy_study *st;
  int64_t seed;
  size_t R;
  const size_t *todo; /* pending run indices, ascending */
  size_t n_todo;
  atomic_size_t next;
  atomic_int failed; /* a worker or the writer failed: stop claiming */

  pthread_mutex_t mu;
  pthread_cond_t cv_done, cv_free;
  cy_outcome **free_list;
  size_t n_free;
  item *queue;
  size_t n_queue;
  size_t wake_at; /* queue length at which a worker wakes the writer */
  /* Chunks to compress (writer -> workers) and compressed (-> writer). */
  cy_h5w *w;
  cy_h5w_job **jobs, **jobs_done;
  size_t n_jobs, n_jobs_done;
  double compress_time; /* seconds workers spent compressing */
  unsigned alive;
  cy_error err; /* first failure */
} shared;

/* Resolves point p with the run's overrides (-n, --event-log). */
static int resolve_point(const shared *sh, size_t p, cy_scenario *s,
                         cy_error *err) {
  int rc = cy_study_point(sh->st, p, s, err);
  if (rc != CY_OK)
    return rc;
  s->replications = (uint32_t)sh->R;
  s->seed = sh->seed;
  if (sh->opts->event_log)
    s->output.event_log = true;
  return CY_OK;
}

static void fail(shared *sh, const cy_error *e) {
  pthread_mutex_lock(&sh->mu);
  if (sh->err.code == CY_OK)
    sh->err = *e;
  atomic_store(&sh->failed, 1);
  pthread_cond_broadcast(&sh->cv_free);
  pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
}

static bool stopping(shared *sh) {
  return atomic_load(&stop_requested) || atomic_load(&sh->failed);
}

/* With sh->mu held and a job queued: compresses it unlocked, relocks. */
static void do_job(shared *sh) {
  cy_h5w_job *j = sh->jobs[--sh->n_jobs];
  pthread_mutex_unlock(&sh->mu);
  double t0 = now();
  /* On failure the writer compresses it again and reports the error. */
  (void)cy_h5w_compress(sh->w, j);
  double t = now() - t0;
  pthread_mutex_lock(&sh->mu);
  sh->compress_time += t;
  sh->jobs_done[sh->n_jobs_done++] = j;
  pthread_cond_signal(&sh->cv_done);
}

static void *worker(void *arg) {
  shared *sh = arg;
  cy_scenario s;
  cy_scenario_init(&s);
  cy_model *m = NULL;
  size_t cur = (size_t)-1;
  cy_error e;
  cy_error_clear(&e);
  while (!stopping(sh)) {
    pthread_mutex_lock(&sh->mu);
    while (sh->n_jobs)
      do_job(sh);
    pthread_mutex_unlock(&sh->mu);
    size_t k = atomic_fetch_add(&sh->next, 1);
    if (k >= sh->n_todo)
      break;
    size_t p = sh->todo[k] / sh->R, r = sh->todo[k] % sh->R;
    if (p != cur) {
      cy_model_free(m);
      m = NULL;
      cy_scenario_fini(&s);
      cy_scenario_init(&s);
      cur = (size_t)-1;
      if (resolve_point(sh, p, &s, &e) != CY_OK ||
          cy_model_alloc(&m, &s, &e) != CY_OK) {
        fail(sh, &e);
        break;
      }
      cur = p;
    }
    pthread_mutex_lock(&sh->mu);
    while (sh->n_free == 0 && !stopping(sh)) {
      if (sh->n_jobs)
        do_job(sh);
      else
        pthread_cond_wait(&sh->cv_free, &sh->mu);
    }
    cy_outcome *o = sh->n_free ? sh->free_list[--sh->n_free] : NULL;
    pthread_mutex_unlock(&sh->mu);
    if (!o)
      break; /* stopping: this claimed run stays missing */
    cy_outcome_clear(o);
    int rc = cy_model_run(m, sh->seed, r, o, &e);
    pthread_mutex_lock(&sh->mu);
    if (rc != CY_OK) {
      sh->free_list[sh->n_free++] = o;
      pthread_mutex_unlock(&sh->mu);
      fail(sh, &e);
      break;
    }
    sh->queue[sh->n_queue++] = (item){p, r, o};
    /* Waking the writer for every run would cost two context switches per
     * run; it also wakes on its own every 100 ms. */
    if (sh->n_queue >= sh->wake_at)
      pthread_cond_signal(&sh->cv_done);
    pthread_mutex_unlock(&sh->mu);
  }
  cy_model_free(m);
  cy_scenario_fini(&s);
  pthread_mutex_lock(&sh->mu);
  sh->alive--;
  pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
  return NULL;
}

/* ---- progress ---- */

typedef struct progress {
  bool quiet, tty;
  size_t total, before; /* all runs; runs done before this invocation */
  size_t pending;
  double t0, last;
  int last_decile;
} progress;

static void fmt_duration(char *buf, size_t n, double s) {
  if (!(s >= 0) || s > 1e8) {
    snprintf(buf, n, "--:--");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void progress_show(progress *pg, size_t done, uint64_t events,
                          bool final) {
  if (pg->quiet || pg->pending == 0)
    return;
  double t = now(), el = t - pg->t0;
  double evs = el > 0 ? (double)events / el : 0;
  double eta = done ? el * (double)(pg->pending - done) / (double)done : -1;
  char etas[32];
  fmt_duration(etas, sizeof etas, final ? el : eta);
  if (pg->tty) {
    if (!final && t - pg->last < 0.1)
      return;
    pg->last = t;
    enum { W = 30 };
    char bar[W + 1];
    size_t fill = (size_t)((double)W * (double)done / (double)pg->pending);
    for (size_t i = 0; i < W; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[W] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu runs  %.3g events/s  %s %s  ", bar,
            pg->before + done, pg->total, evs, final ? "elapsed" : "ETA", etas);
    if (final)
      fputc('\n', stderr);
    fflush(stderr);
    return;
  }
  /* Batch logs: one line per 10% of the pending runs. */
  int dec = (int)(10 * done / pg->pending);
  if (dec <= pg->last_decile)
    return;
  pg->last_decile = dec;
  if (dec >= 10)
    fmt_duration(etas, sizeof etas, el);
  fprintf(stderr, "cysim run: %3d%%  %zu/%zu runs  %.3g events/s  %s %s\n",
          dec * 10, pg->before + done, pg->total, evs,
          dec >= 10 ? "elapsed" : "ETA", etas);
}

/* ---- the run ---- */

static int check_points(const shared *sh, const cy_scenario *s0,
                        cy_error *err) {
  size_t P = cy_study_n_points(sh->st);
  for (size_t p = 1; p < P; p++) {
    cy_scenario s;
    cy_scenario_init(&s);
    int rc = resolve_point(sh, p, &s, err);
    if (rc == CY_OK &&
        (s.n_states != s0->n_states || s.n_optypes != s0->n_optypes ||
         s.n_alliances != s0->n_alliances ||
         s.output.timeseries != s0->output.timeseries ||
         s.output.event_log != s0->output.event_log ||
         (s0->output.timeseries &&
          cy_scenario_bins(&s) != cy_scenario_bins(s0))))
      rc = cy_error_set(err, CY_EINPUT,
                        "%s: sweep point %zu changes the number of states, "
                        "optypes, alliances or time bins, or the output "
                        "settings; every point of a file must share them",
                        cy_study_path(sh->st), p);
    cy_scenario_fini(&s);
    if (rc != CY_OK)
      return rc;
  }
  return CY_OK;
}

static unsigned online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

int cy_run(const cy_run_opts *o, cy_run_stats *stats, cy_error *err) {
  double t0 = now();
  cy_run_stats dummy;
  if (!stats)
    stats = &dummy;
  memset(stats, 0, sizeof *stats);
  cy_h5_quiet();
  gsl_set_error_handler_off();
#ifdef __GLIBC__
  /* HDF5 allocates and frees chunk and compression buffers on every write;
   * without this glibc hands the memory back to the kernel each time, and
   * the page faults and TLB shootdowns (one per worker thread) cost more
   * than the writing itself. */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif

  cy_study *st = NULL;
  int rc = cy_study_load(&st, o->scenario, o->sets, o->n_sets, err);
  if (rc != CY_OK)
    return rc;
  const cy_scenario *base = cy_study_base(st);
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.opts = o;
  sh.st = st;
  sh.R = o->replications ? o->replications : base->replications;
  sh.seed = o->have_seed ? o->seed : base->seed;
  size_t P = cy_study_n_points(st), R = sh.R;
  stats->points = P;
  stats->replications = R;
  stats->runs_total = P * R;

  cy_scenario s0;
  cy_scenario_init(&s0);
  uint8_t *status = NULL;
  size_t *todo = NULL;
  cy_outcome *pool = NULL;
  size_t n_pool = 0;
  cy_h5w *w = NULL;
  pthread_t *threads = NULL;
  unsigned n_threads = 0;
  struct sigaction old_int, old_term;
  bool handlers = false;

  if (R == 0) {
    rc = cy_error_set(err, CY_EINPUT, "%s: zero replications to run",
                      o->scenario);
    goto done;
  }
  if ((rc = resolve_point(&sh, 0, &s0, err)) != CY_OK ||
      (rc = check_points(&sh, &s0, err)) != CY_OK)
    goto done;

  status = calloc(P * R, 1);
  todo = malloc(P * R * sizeof *todo);
  if (!status || !todo) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto done;
  }
  cy_h5w_info info = {
      .path = o->output,
      .study = st,
      .scenario = &s0,
      .seed = sh.seed,
      .replications = R,
      .timeseries = s0.output.timeseries,
      .event_log = s0.output.event_log,
      .command_line = o->command_line,
      .sets = o->sets,
      .n_sets = o->n_sets,
  };
  /* Only now, with the study valid, may the output be touched. */
  struct stat sb;
  bool exists = stat(o->output, &sb) == 0;
  if (exists && o->resume)
    rc = cy_h5w_resume(&w, &info, status, err);
  else if (exists && !o->force)
    rc = cy_error_set(err, CY_EEXIST,
                      "%s exists; use --force to overwrite it or --resume to "
                      "complete an interrupted run",
                      o->output);
  else
    rc = cy_h5w_create(&w, &info, err);
  if (rc != CY_OK)
    goto done;

  for (size_t i = 0; i < P * R; i++)
    if (!status[i])
      todo[sh.n_todo++] = i;
  sh.todo = todo;
  stats->runs_pending = sh.n_todo;

  n_threads = o->threads ? o->threads : online_cores();
  if (n_threads > sh.n_todo)
    n_threads = (unsigned)sh.n_todo;
  stats->threads = n_threads;
  /* The bounded queue: records for every worker to have one running while
   * a batch waits for the writer; ~32 MiB of records at most. */
  {
    size_t N = s0.n_states, bytes = N * N * 40 + 1024;
    if (s0.output.timeseries)
      bytes += cy_scenario_bins(&s0) * N * N * 4;
    n_pool = ((size_t)32 << 20) / bytes;
    if (n_pool > 256)
      n_pool = 256;
    if (n_pool < 2 * (size_t)n_threads + 2)
      n_pool = 2 * (size_t)n_threads + 2;
    sh.wake_at = n_pool / 2;
  }
  pool = calloc(n_pool, sizeof *pool);
  sh.free_list = calloc(n_pool, sizeof *sh.free_list);
  sh.queue = calloc(n_pool, sizeof *sh.queue);
  threads = calloc(n_threads + 1, sizeof *threads);
  /* Each block of C replications becomes at most one job. */
  size_t max_jobs = P * R / cy_h5w_block_reps(w) + 2;
  sh.jobs = calloc(max_jobs, sizeof *sh.jobs);
  sh.jobs_done = calloc(max_jobs, sizeof *sh.jobs_done);
  sh.w = w;
  cy_h5w_set_deferred(w, n_threads > 0);
  if (!pool || !sh.free_list || !sh.queue || !threads || !sh.jobs ||
      !sh.jobs_done) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_pool; i++) {
    if (cy_outcome_init(&pool[i], &s0) != CY_OK) {
      n_pool = i;
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
      goto done;
    }
    sh.free_list[sh.n_free++] = &pool[i];
  }

  atomic_store(&stop_requested, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  handlers = true;

  pthread_mutex_init(&sh.mu, NULL);
  pthread_cond_init(&sh.cv_done, NULL);
  pthread_cond_init(&sh.cv_free, NULL);
  atomic_init(&sh.next, 0);
  atomic_init(&sh.failed, 0);
  cy_error_clear(&sh.err);
  unsigned started = 0;
  for (; started < n_threads; started++) {
    sh.alive++;
    if (pthread_create(&threads[started], NULL, worker, &sh) != 0) {
      sh.alive--;
      cy_error e;
      cy_error_set(&e, CY_EINTERNAL, "cannot start thread %u", started);
      fail(&sh, &e);
      break;
    }
  }

  progress pg = {.quiet = o->quiet,
                 .tty = isatty(STDERR_FILENO),
                 .total = P * R,
                 .before = P * R - sh.n_todo,
                 .pending = sh.n_todo,
                 .t0 = now(),
                 .last_decile = 0};
  item *batch = calloc(n_pool, sizeof *batch);
  if (!batch) {
    cy_error e;
    cy_error_set(&e, CY_ENOMEM, "out of memory");
    fail(&sh, &e);
  }
  int wrc = CY_OK;
  pthread_mutex_lock(&sh.mu);
  while (sh.alive > 0 || sh.n_queue > 0 || sh.n_jobs_done > 0) {
    if (sh.n_queue == 0 && sh.n_jobs_done == 0) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 100000000L;
      if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
      pthread_cond_timedwait(&sh.cv_done, &sh.mu, &ts);
      /* A signal's flag must also wake workers waiting for a record. */
      if (atomic_load(&stop_requested))
        pthread_cond_broadcast(&sh.cv_free);
    }
    size_t n = batch ? sh.n_queue : 0;
    if (n)
      memcpy(batch, sh.queue, n * sizeof *batch);
    sh.n_queue -= n;
    pthread_mutex_unlock(&sh.mu);
    for (size_t i = 0; i < n; i++) {
      if (wrc == CY_OK) {
        cy_error e;
        wrc = cy_h5w_put(w, batch[i].point, batch[i].rep, batch[i].o, &e);
        if (wrc != CY_OK)
          fail(&sh, &e);
        else {
          stats->runs_done++;
          stats->events += batch[i].o->events;
        }
      }
    }
    pthread_mutex_lock(&sh.mu);
    for (size_t i = 0; i < n; i++)
      sh.free_list[sh.n_free++] = batch[i].o;
    /* Completed chunks go to the workers for compression. */
    cy_h5w_job *j;
    bool queued = false;
    while (wrc == CY_OK && (j = cy_h5w_next_job(w))) {
      sh.jobs[sh.n_jobs++] = j;
      queued = true;
    }
    if (n || queued)
      pthread_cond_broadcast(&sh.cv_free);
    size_t nd = sh.n_jobs_done;
    cy_h5w_job *done_jobs[64];
    if (nd > 64)
      nd = 64;
    sh.n_jobs_done -= nd;
    memcpy(done_jobs, sh.jobs_done + sh.n_jobs_done, nd * sizeof *done_jobs);
    pthread_mutex_unlock(&sh.mu);
    for (size_t i = 0; i < nd; i++) {
      cy_error e;
      int jrc = cy_h5w_commit(w, done_jobs[i], &e);
      if (jrc != CY_OK && wrc == CY_OK) {
        wrc = jrc;
        fail(&sh, &e);
      }
    }
    progress_show(&pg, stats->runs_done, stats->events, false);
    pthread_mutex_lock(&sh.mu);
  }
  pthread_mutex_unlock(&sh.mu);
  for (unsigned i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  /* Jobs no worker took (they had run out of runs): compress them here. */
  while (wrc == CY_OK && sh.n_jobs > 0) {
    cy_error e;
    wrc = cy_h5w_commit(w, sh.jobs[--sh.n_jobs], &e);
    if (wrc != CY_OK)
      fail(&sh, &e);
  }
  stats->compress_time = sh.compress_time;
  free(batch);
  progress_show(&pg, stats->runs_done, stats->events, true);

  stats->complete = stats->runs_done == sh.n_todo && !sh.err.code;
  cy_error cerr;
  int crc = cy_h5w_close(w, stats->complete, &stats->h5_busy, &cerr);
  w = NULL;
  if (sh.err.code) {
    rc = sh.err.code;
    if (err)
      *err = sh.err;
  } else if (crc != CY_OK) {
    rc = crc;
    if (err)
      *err = cerr;
  } else if (!stats->complete) {
    rc = cy_error_set(err, CY_EINTR,
                      "interrupted: %zu of %zu runs are in %s (complete = 0); "
                      "run the same command with --resume to finish it",
                      P * R - sh.n_todo + stats->runs_done, P * R, o->output);
  }
  pthread_mutex_destroy(&sh.mu);
  pthread_cond_destroy(&sh.cv_done);
  pthread_cond_destroy(&sh.cv_free);

done:
  if (w) {
    double b;
    cy_h5w_close(w, false, &b, NULL);
  }
  if (handlers) {
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
  }
  for (size_t i = 0; i < n_pool; i++)
    cy_outcome_fini(&pool[i]);
  free(pool);
  free(sh.free_list);
  free(sh.queue);
  free(sh.jobs);
  free(sh.jobs_done);
  free(threads);
  free(todo);
  free(status);
  cy_scenario_fini(&s0);
  cy_study_free(st);
  stats->wall = now() - t0;
  return rc;
}
