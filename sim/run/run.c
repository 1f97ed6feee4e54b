/* run.c: the multi-threaded runner (see cy_run.h).
 *
 * Workers claim runs from an atomic counter over the pending run indices
 * (point * R + replication), keep one cy_model per point they are working
 * on, and hand finished cy_outcome records to the calling thread through a
 * bounded pool; the calling thread owns the HDF5 file (io/h5io.h) and
 * reports progress.  When every run is in, the workers compress the final
 * file's chunks for the writer until it has committed them all.
 *
 * cy_run() goes in steps, each a function below: load_study (the study,
 * valid, before the output is touched), open_output (the lock, what to do
 * with files already there, the writer, the pending runs), make_pipes
 * and start_workers (the queues, the outcome pool, the threads),
 * write_loop (the calling thread's work while they run) and finish (join,
 * close, one result code). */
#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_run.h"
#include "cysim/cy_study.h"
#include "io/h5io.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The stop flag when the caller gives none: never set. */
static const atomic_int never_stop;

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
  const atomic_int *stop;
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
  size_t n_jobs, n_jobs_done, max_jobs;
  double compress_time; /* seconds workers spent compressing */
  unsigned alive;
  bool all_committed; /* writer: every block is in the final file */
  bool finish;        /* writer: workers may exit */
  cy_error err;       /* first failure */
} shared;

/* The replications and seed of a run: the options' overrides, else the
 * scenario's. */
static void run_overrides(const cy_run_opts *o, const cy_scenario *base,
                          size_t *R, int64_t *seed) {
  *R = o->replications ? o->replications : base->replications;
  *seed = o->have_seed ? o->seed : base->seed;
}

/* FNV-1a, 64 bits, of n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

/* What the results of a run of st depend on besides (point, rep), hashed
 * (cy_run_worker_fingerprint). */
static uint64_t study_fingerprint(const cy_study *st, const cy_run_opts *o,
                                  size_t R, int64_t seed) {
  const char *text = cy_study_text(st);
  uint64_t h = fnv1a(0xcbf29ce484222325ULL, text, strlen(text) + 1);
  for (size_t i = 0; i < o->n_sets; i++)
    h = fnv1a(h, o->sets[i], strlen(o->sets[i]) + 1);
  uint64_t tail[3] = {R, (uint64_t)seed, o->event_log};
  return fnv1a(h, tail, sizeof tail);
}

/* Resolves point p of st with the run's overrides (-n, --seed,
 * --event-log): what every run of the point is computed from, here and in
 * a remote worker (cy_run_worker_run). */
static int resolve_point_of(const cy_study *st, size_t R, int64_t seed,
                            bool event_log, size_t p, cy_scenario *s,
                            cy_error *err) {
  int rc = cy_study_point(st, p, s, err);
  if (rc != CY_OK)
    return rc;
  s->replications = (uint32_t)R;
  s->seed = seed;
  if (event_log)
    s->output.event_log = true;
  return CY_OK;
}

static int resolve_point(const shared *sh, size_t p, cy_scenario *s,
                         cy_error *err) {
  return resolve_point_of(sh->st, sh->R, sh->seed, sh->opts->event_log, p, s,
                          err);
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
  return atomic_load(sh->stop) || atomic_load(&sh->failed);
}

/* With sh->mu held and a job queued: compresses it unlocked, relocks. */
static void do_job(shared *sh) {
  cy_h5w_job *j = sh->jobs[--sh->n_jobs];
  pthread_mutex_unlock(&sh->mu);
  double t0 = now();
  /* On failure the writer compresses it again and reports the error. */
  (void)cy__h5w_compress(sh->w, j);
  double t = now() - t0;
  pthread_mutex_lock(&sh->mu);
  sh->compress_time += t;
  sh->jobs_done[sh->n_jobs_done++] = j;
  pthread_cond_signal(&sh->cv_done);
}

/* What a worker keeps between runs: the model of the point it is on. */
typedef struct worker_point {
  cy_scenario s;
  cy_model *m;
  size_t point; /* (size_t)-1: none */
} worker_point;

/* Makes wp the model of point p (a worker moves on to the next point when
 * its runs are claimed). */
static int worker_load_point(shared *sh, worker_point *wp, size_t p,
                             cy_error *e) {
  cy_model_free(wp->m);
  wp->m = NULL;
  cy_scenario_fini(&wp->s);
  cy_scenario_init(&wp->s);
  wp->point = (size_t)-1;
  int rc = resolve_point(sh, p, &wp->s, e);
  if (rc == CY_OK)
    rc = cy_model_alloc(&wp->m, &wp->s, e);
  if (rc != CY_OK)
    return rc;
  cy_model_set_interrupt(wp->m, sh->stop);
  wp->point = p;
  return CY_OK;
}

/* A free outcome record, compressing while none is free; NULL when
 * stopping. */
static cy_outcome *worker_take_record(shared *sh) {
  pthread_mutex_lock(&sh->mu);
  while (sh->n_free == 0 && !stopping(sh)) {
    if (sh->n_jobs)
      do_job(sh);
    else
      pthread_cond_wait(&sh->cv_free, &sh->mu);
  }
  cy_outcome *o = sh->n_free ? sh->free_list[--sh->n_free] : NULL;
  pthread_mutex_unlock(&sh->mu);
  return o;
}

/* No runs left: compresses blocks for the final file until the writer has
 * committed them all. */
static void worker_compress_to_the_end(shared *sh) {
  pthread_mutex_lock(&sh->mu);
  /* The last runs queued may be fewer than wake_at: without this the
   * writer would find them only on its 100 ms timeout, which was most of
   * the wall time of a short study and ~2% of the flagship's at -j 2. */
  pthread_cond_signal(&sh->cv_done);
  while (!sh->finish && !stopping(sh)) {
    if (sh->n_jobs)
      do_job(sh);
    else
      pthread_cond_wait(&sh->cv_free, &sh->mu);
  }
  pthread_mutex_unlock(&sh->mu);
}

/* Runs (point, r) into a record and queues it for the writer; false when
 * the worker must stop. */
static bool worker_run(shared *sh, worker_point *wp, size_t r, cy_error *e) {
  cy_outcome *o = worker_take_record(sh);
  if (!o)
    return false; /* stopping: this claimed run stays missing */
  cy_outcome_clear(o);
  int rc = cy_model_run(wp->m, sh->seed, r, o, e);
  pthread_mutex_lock(&sh->mu);
  if (rc != CY_OK) {
    sh->free_list[sh->n_free++] = o;
    pthread_mutex_unlock(&sh->mu);
    if (rc != CY_EINTR) /* stopped: this run stays missing */
      fail(sh, e);
    return false;
  }
  sh->queue[sh->n_queue++] = (item){wp->point, r, o};
  /* Waking the writer for every run would cost two context switches per
   * run; it also wakes on its own every 100 ms. */
  if (sh->n_queue >= sh->wake_at)
    pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
  return true;
}

static void *worker(void *arg) {
  shared *sh = arg;
  worker_point wp = {.m = NULL, .point = (size_t)-1};
  cy_scenario_init(&wp.s);
  cy_error e;
  cy_error_clear(&e);
  while (!stopping(sh)) {
    pthread_mutex_lock(&sh->mu);
    while (sh->n_jobs)
      do_job(sh);
    pthread_mutex_unlock(&sh->mu);
    size_t k = atomic_fetch_add(&sh->next, 1);
    if (k >= sh->n_todo) {
      worker_compress_to_the_end(sh);
      break;
    }
    size_t p = sh->todo[k] / sh->R, r = sh->todo[k] % sh->R;
    if (p != wp.point && worker_load_point(sh, &wp, p, &e) != CY_OK) {
      fail(sh, &e);
      break;
    }
    if (!worker_run(sh, &wp, r, &e))
      break;
  }
  cy_model_free(wp.m);
  cy_scenario_fini(&wp.s);
  pthread_mutex_lock(&sh->mu);
  sh->alive--;
  pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
  return NULL;
}

/* ---- remote workers (cy_run_opts.remote) ----
 *
 * The proxy thread claims runs from the counter like a worker, hands them
 * to the transport, keeping up to `depth` in flight per remote worker, and
 * queues the answers for the writer.  slots[w * depth + d] is the run index
 * (point * R + rep) of an answer expected from worker w, or NO_RUN; an
 * answer for a run not in its worker's slots is the transport's bug, never
 * written. */

#define NO_RUN ((size_t)-1)
/* How long one poll of the transport may wait: how soon the proxy sees a
 * stop request and helps compress.  Answers end the wait at once. */
#define PROXY_POLL_SECONDS 0.01
/* The work a remote worker is given beyond the run it computes, in
 * seconds of its runs: it covers the time an answer and the next run take
 * to travel and the proxy's own pauses (compressing a chunk takes a few
 * ms), so that workers never wait.  Short runs need many in flight (the
 * flagship's 1 ms runs about 20), long ones 2: more would leave some
 * workers a queue of runs at the end while others idle. */
#define PROXY_BUFFER_SECONDS 0.02
#define PROXY_MAX_DEPTH 32

typedef struct proxy {
  shared *sh;
  const cy_remote *rm;
  size_t depth;
  size_t *slots; /* [workers * depth] */
  size_t in_flight;
  size_t answers; /* so far, to estimate how long a run takes */
  double t0;      /* when the first run was handed out */
  bool drained;   /* the counter is past the last pending run */
  bool stop_sent; /* rm->type->stop called */
  bool broken;    /* the transport failed: no answer can be expected */
  cy_outcome *o;  /* the record the next answer lands in */
} proxy;

static bool remote_active(const cy_run_opts *o) {
  return o->remote && o->remote->workers > 0;
}

/* A free record.  Unlike a worker the proxy waits even when stopping: runs
 * finished remotely are still written, and the writer keeps recycling
 * records while the proxy lives. */
static cy_outcome *proxy_take_record(shared *sh) {
  pthread_mutex_lock(&sh->mu);
  while (sh->n_free == 0)
    pthread_cond_wait(&sh->cv_free, &sh->mu);
  cy_outcome *o = sh->free_list[--sh->n_free];
  pthread_mutex_unlock(&sh->mu);
  return o;
}

static void proxy_broken(proxy *px, const cy_error *e) {
  px->broken = true;
  fail(px->sh, e);
}

/* Runs to keep in flight per worker: 2 (one computed, one waiting), more
 * when runs are short (PROXY_BUFFER_SECONDS), at most depth. */
static size_t proxy_target(const proxy *px) {
  size_t want = 2;
  if (px->answers) {
    double per_run =
        (now() - px->t0) * (double)px->rm->workers / (double)px->answers;
    double more = per_run > 0 ? PROXY_BUFFER_SECONDS / per_run : 1e9;
    want = more >= (double)px->depth ? px->depth : 1 + (size_t)more + 1;
  }
  return want < px->depth ? want : px->depth;
}

/* Tops every remote worker up to proxy_target() runs in flight, one run
 * per worker in turn (so that the first runs spread over all of them). */
static void proxy_fill(proxy *px) {
  shared *sh = px->sh;
  size_t W = px->rm->workers, n_slots = W * proxy_target(px);
  if (px->t0 == 0)
    px->t0 = now();
  for (size_t j = 0; j < n_slots; j++) {
    size_t w = j % W, i = w * px->depth + j / W;
    if (px->slots[i] != NO_RUN)
      continue;
    if (px->drained || px->broken || stopping(sh))
      return;
    size_t k = atomic_fetch_add(&sh->next, 1);
    if (k >= sh->n_todo) {
      px->drained = true;
      return;
    }
    size_t run = sh->todo[k];
    cy_error e;
    cy_error_clear(&e);
    if (px->rm->type->submit(px->rm->ctx, (unsigned)w, run / sh->R, run % sh->R,
                             &e) != CY_OK) {
      proxy_broken(px, &e);
      return;
    }
    px->slots[i] = run;
    px->in_flight++;
  }
}

/* The slot holding the run an answer is for; NULL if none does. */
static size_t *proxy_slot_of(const proxy *px, const cy_remote_answer *a) {
  const shared *sh = px->sh;
  if (a->worker >= px->rm->workers || a->rep >= sh->R ||
      a->point >= cy_study_n_points(sh->st))
    return NULL;
  size_t run = a->point * sh->R + a->rep;
  for (size_t d = 0; d < px->depth; d++)
    if (px->slots[a->worker * px->depth + d] == run)
      return &px->slots[a->worker * px->depth + d];
  return NULL;
}

/* Queues a finished remote run for the writer, as a worker does. */
static void proxy_queue(proxy *px, const cy_remote_answer *a) {
  shared *sh = px->sh;
  pthread_mutex_lock(&sh->mu);
  sh->queue[sh->n_queue++] = (item){a->point, a->rep, px->o};
  if (sh->n_queue >= sh->wake_at)
    pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
  px->o = NULL;
}

static void proxy_answer(proxy *px, const cy_remote_answer *a, cy_error *e) {
  shared *sh = px->sh;
  size_t *slot = proxy_slot_of(px, a);
  if (!slot) {
    cy_error_set(e, CY_EINTERNAL,
                 "%s transport: worker %u answered for run (point %zu, "
                 "replication %zu), which it was not handed",
                 px->rm->type->name, a->worker, a->point, a->rep);
    proxy_broken(px, e);
    return;
  }
  *slot = NO_RUN;
  px->in_flight--;
  px->answers++;
  if (a->status == CY_OK)
    proxy_queue(px, a);
  else if (a->status != CY_EINTR) {
    e->code = a->status;
    fail(sh, e);
  } else if (!atomic_load(sh->stop)) {
    /* Stopped by its own signal before this process saw one: the run
     * stops as if it had (the finished runs are kept for --resume). */
    cy_error_set(e, CY_EINTR, "%s worker %u was stopped", px->rm->type->name,
                 a->worker);
    fail(sh, e);
  }
}

/* Between answers: one chunk of the final file to compress, if any. */
static void proxy_help(shared *sh) {
  pthread_mutex_lock(&sh->mu);
  if (sh->n_jobs)
    do_job(sh);
  pthread_mutex_unlock(&sh->mu);
}

/* One round: stop the workers if the run stops, hand out runs, wait for an
 * answer.  False when nothing is left to wait for. */
static bool proxy_step(proxy *px) {
  shared *sh = px->sh;
  const cy_remote *rm = px->rm;
  cy_error e;
  cy_error_clear(&e);
  if (!px->stop_sent && px->in_flight && stopping(sh)) {
    px->stop_sent = true;
    if (rm->type->stop(rm->ctx, &e) != CY_OK)
      proxy_broken(px, &e);
  }
  proxy_fill(px);
  if (px->broken ||
      (px->in_flight == 0 && (px->drained || px->stop_sent || stopping(sh))))
    return false;
  if (!px->o)
    px->o = proxy_take_record(sh);
  cy_outcome_clear(px->o);
  bool got = false;
  cy_remote_answer a;
  if (rm->type->poll(rm->ctx, PROXY_POLL_SECONDS, &got, &a, px->o, &e) != CY_OK)
    proxy_broken(px, &e);
  else if (got)
    proxy_answer(px, &a, &e);
  else
    proxy_help(sh);
  return !px->broken;
}

static void *proxy_main(void *arg) {
  shared *sh = arg;
  const cy_remote *rm = sh->opts->remote;
  proxy px = {
      .sh = sh, .rm = rm, .depth = rm->depth ? rm->depth : PROXY_MAX_DEPTH};
  px.slots = malloc((size_t)rm->workers * px.depth * sizeof *px.slots);
  if (!px.slots) {
    cy_error e;
    cy_error_set(&e, CY_ENOMEM, "out of memory");
    fail(sh, &e);
  } else {
    for (size_t i = 0; i < (size_t)rm->workers * px.depth; i++)
      px.slots[i] = NO_RUN;
    while (proxy_step(&px))
      ;
  }
  free(px.slots);
  pthread_mutex_lock(&sh->mu);
  if (px.o)
    sh->free_list[sh->n_free++] = px.o;
  pthread_mutex_unlock(&sh->mu);
  /* Like a local worker with no runs left (the only one, with -j 0). */
  if (px.drained && !px.broken)
    worker_compress_to_the_end(sh);
  pthread_mutex_lock(&sh->mu);
  sh->alive--;
  pthread_cond_signal(&sh->cv_done);
  pthread_mutex_unlock(&sh->mu);
  return NULL;
}

/* Everything cy_run() owns, so that one function frees it. */
typedef struct run_state {
  const cy_run_opts *opts;
  cy_study *st;
  cy_scenario s0; /* point 0 with the run's overrides */
  cy_outfiles files;
  uint8_t *status;
  size_t *todo;
  cy_outcome *pool;
  size_t n_pool;
  pthread_t *threads;
  unsigned started; /* worker threads to join */
  bool sync_made;   /* sh.mu and its conditions are initialised */
  double t_workers; /* when the workers started */
  size_t lo, hi;    /* the runs of this call: all, or a shard's task */
  shared sh;
} run_state;

static void run_state_init(run_state *rs, const cy_run_opts *o) {
  memset(rs, 0, sizeof *rs);
  rs->opts = o;
  rs->files.lock_fd = -1;
  cy_scenario_init(&rs->s0);
  atomic_init(&rs->sh.next, 0);
  atomic_init(&rs->sh.failed, 0);
  cy_error_clear(&rs->sh.err);
}

static void run_state_fini(run_state *rs) {
  /* Only on an error before the runs started is the writer still open:
   * discard what it made. */
  if (rs->sh.w)
    cy__h5w_close(rs->sh.w, false, NULL, NULL);
  if (rs->sync_made) {
    pthread_mutex_destroy(&rs->sh.mu);
    pthread_cond_destroy(&rs->sh.cv_done);
    pthread_cond_destroy(&rs->sh.cv_free);
  }
  for (size_t i = 0; i < rs->n_pool; i++)
    cy_outcome_fini(&rs->pool[i]);
  free(rs->pool);
  free(rs->sh.free_list);
  free(rs->sh.queue);
  free(rs->sh.jobs);
  free(rs->sh.jobs_done);
  free(rs->threads);
  free(rs->todo);
  free(rs->status);
  cy_scenario_fini(&rs->s0);
  cy__outfiles_fini(&rs->files);
  cy_study_free(rs->st);
}

/* ---- step 1: the study ---- */

/* Loads the study with the run's overrides and checks that every point
 * fits one file: nothing is touched yet, so a typo costs nothing. */
static int load_study(run_state *rs, cy_run_stats *stats, cy_error *err) {
  const cy_run_opts *o = rs->opts;
  shared *sh = &rs->sh;
  int rc = cy_study_load(&rs->st, o->scenario, o->sets, o->n_sets, err);
  if (rc != CY_OK)
    return rc;
  const cy_scenario *base = cy_study_base(rs->st);
  sh->opts = o;
  sh->stop = o->stop ? o->stop : &never_stop;
  sh->st = rs->st;
  run_overrides(o, base, &sh->R, &sh->seed);
  size_t P = cy_study_n_points(rs->st), R = sh->R;
  stats->points = P;
  stats->replications = R;
  stats->runs_total = P * R;
  if (R == 0)
    return cy_error_set(err, CY_EINPUT, "%s: zero replications to run",
                        o->scenario);
  if (o->tasks && (o->tasks > P * R || o->task >= o->tasks))
    return cy_error_set(err, CY_EINPUT,
                        "%s: task %zu of %zu: the study has %zu runs (%zu "
                        "points x %zu replications), so 1 to %zu tasks "
                        "numbered from 0",
                        o->scenario, o->task, o->tasks, P * R, P, R, P * R);
  rs->lo = 0, rs->hi = P * R;
  if (o->tasks) {
    cy_study_task_runs(P * R, o->task, o->tasks, &rs->lo, &rs->hi);
    stats->runs_total = rs->hi - rs->lo;
  }
  /* A typo (rate = 1e12) is refused before anything is touched.  Both
   * calls also validate, once, any point loading left unvalidated (a sweep
   * past the default caps), so a bad point fails here, not in a worker.
   * Every point has point 0's sizes and output settings (cy_study.h: a
   * sweep varies single values only), so one file holds them all. */
  cy_work work;
  rc = o->allow_large
           ? cy_study_estimate(rs->st, (uint32_t)R, o->event_log, &work, err)
           : cy_study_check_work(rs->st, NULL, (uint32_t)R, o->event_log, &work,
                                 err);
  if (rc != CY_OK)
    return rc;
  return resolve_point(sh, 0, &rs->s0, err);
}

/* The remote workers' check that they loaded this study, before the
 * output is touched (so that a worker that cannot read the scenario costs
 * nothing either). */
static int check_remote(const run_state *rs, cy_error *err) {
  const cy_run_opts *o = rs->opts;
  if (!remote_active(o) || !o->remote->type->start)
    return CY_OK;
  const shared *sh = &rs->sh;
  uint64_t fp = study_fingerprint(sh->st, o, sh->R, sh->seed);
  return o->remote->type->start(o->remote->ctx, fp, err);
}

/* ---- step 2: the output ---- */

/* What --resume finds when no partial file is there: a complete OUT.h5 of
 * the same study needs nothing more. */
static int resume_without_partial(const cy_outfiles *fs,
                                  const cy_h5w_info *info, bool *nothing,
                                  cy_error *err) {
  bool complete;
  int rc = cy__h5w_check_identity(fs->out, info, &complete, err);
  if (rc)
    return rc;
  if (!complete)
    return cy_error_set(err, CY_EINPUT,
                        "%s is incomplete and has no %s to continue from "
                        "(made by an older cysim?); use --force to start over",
                        fs->out, fs->partial);
  *nothing = true;
  return CY_OK;
}

/* Decides, under the lock, between a new study, a resumed one and nothing
 * to do, and refuses whatever would destroy results without --force. */
static int plan_output(const cy_run_opts *o, const cy_outfiles *fs,
                       const cy_h5w_info *info, bool *resume, bool *nothing,
                       cy_error *err) {
  cy_path_kind out = cy__path_kind_of(fs->out);
  cy_path_kind part = cy__path_kind_of(fs->partial);
  *resume = *nothing = false;
  if (out == CY_PATH_OTHER)
    return cy_error_set(err, CY_EINPUT,
                        "%s is a directory or a special file, not an output",
                        fs->out);
  if (part == CY_PATH_SYMLINK || part == CY_PATH_OTHER)
    return cy_error_set(err, CY_EINPUT,
                        "%s is not a regular file (a link?); remove it",
                        fs->partial);
  /* A shard's task resumes what it finds: a resubmitted job array
   * redoes only lost work (cy_run.h). */
  bool cont = o->resume || (o->tasks && !o->force);
  if (cont && part == CY_PATH_FILE) {
    if (out == CY_PATH_FILE && !o->force) {
      /* A run that died after its rename but before removing the partial
       * file left both: OUT.h5 is then complete and of the same study. */
      bool complete;
      cy_error e;
      if (cy__h5w_check_identity(fs->out, info, &complete, &e) == CY_OK &&
          complete) {
        *nothing = true;
        int rc = cy__remove(fs->partial, err);
        return rc ? rc : cy__remove(fs->journal, err);
      }
    }
    if (out != CY_PATH_NONE && !o->force)
      return cy_error_set(err, CY_EEXIST,
                          "%s exists; add --force to replace it when the "
                          "resumed run in %s completes",
                          fs->out, fs->partial);
    *resume = true;
    return CY_OK;
  }
  if (cont && out == CY_PATH_FILE)
    return resume_without_partial(fs, info, nothing, err);
  if (out != CY_PATH_NONE && !o->force)
    return cy_error_set(err, CY_EEXIST,
                        "%s exists; use --force to replace it (when the new "
                        "run completes) or --resume to complete an "
                        "interrupted run",
                        fs->out);
  if (part == CY_PATH_FILE && !o->force && !cont)
    return cy_error_set(err, CY_EEXIST,
                        "%s holds the finished runs of an interrupted run; "
                        "use --resume to continue it or --force to start over",
                        fs->partial);
  int rc = cy__remove(fs->partial, err);
  return rc ? rc : cy__remove(fs->journal, err);
}

/* Takes the lock, decides what to do with the files already there and
 * opens the writer; lists the pending runs.  *nothing: the output is
 * already complete. */
static int open_output(run_state *rs, cy_run_stats *stats, bool *nothing,
                       cy_error *err) {
  const cy_run_opts *o = rs->opts;
  shared *sh = &rs->sh;
  size_t runs = stats->points * stats->replications;
  rs->status = calloc(runs, 1);
  rs->todo = malloc(runs * sizeof *rs->todo);
  if (!rs->status || !rs->todo)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  cy_h5w_info info = {
      .files = &rs->files,
      .study = rs->st,
      .scenario = &rs->s0,
      .seed = sh->seed,
      .replications = sh->R,
      .timeseries = rs->s0.output.timeseries,
      .event_log = rs->s0.output.event_log,
      .replace = o->force,
      .command_line = o->command_line,
      .sets = o->sets,
      .n_sets = o->n_sets,
      .task = o->task,
      .tasks = o->tasks,
  };
  int rc;
  if ((rc = cy__outfiles_init(&rs->files, o->output, err)) ||
      (rc = cy__outfiles_lock(&rs->files, err)) ||
      (rc = plan_output(o, &rs->files, &info, &info.resume, nothing, err)) ||
      *nothing)
    return rc;
  if ((rc = cy__h5w_open(&sh->w, &info, rs->status, err)))
    return rc;
  for (size_t i = rs->lo; i < rs->hi; i++)
    if (!rs->status[i])
      rs->todo[sh->n_todo++] = i;
  sh->todo = rs->todo;
  stats->runs_pending = sh->n_todo;
  return CY_OK;
}

/* ---- step 3: the workers ---- */

static unsigned online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

/* Local compute threads: with remote workers exactly as asked (0: none),
 * else 0 means all online cores. */
static unsigned local_threads(const cy_run_opts *o) {
  if (remote_active(o))
    return o->threads;
  return o->threads ? o->threads : online_cores();
}

/* Outcome records: enough for every worker to have one running while a
 * batch waits for the writer; ~8 MiB of records at most, but never fewer
 * than two per thread and two more (a 193-state world's records are 1.5 MB
 * each: 32 MiB of them was half its peak memory, for no speed). */
static int make_pool(shared *sh, const cy_scenario *s0, unsigned n_threads,
                     cy_outcome **pool, size_t *n_pool, cy_error *err) {
  size_t N = s0->n_states, bytes = N * N * 40 + 1024;
  if (s0->output.timeseries)
    bytes += cy_scenario_bins(s0) * N * N * 4;
  size_t n = ((size_t)8 << 20) / bytes;
  if (n > 256)
    n = 256;
  if (n < 2 * (size_t)n_threads + 2)
    n = 2 * (size_t)n_threads + 2;
  sh->wake_at = n / 2;
  *pool = calloc(n, sizeof **pool);
  sh->free_list = calloc(n, sizeof *sh->free_list);
  sh->queue = calloc(n, sizeof *sh->queue);
  if (!*pool || !sh->free_list || !sh->queue)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    if (cy_outcome_init(&(*pool)[i], s0) != CY_OK)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    *n_pool = i + 1;
    sh->free_list[sh->n_free++] = &(*pool)[i];
  }
  return CY_OK;
}

/* The threads, the queues of chunks between writer and workers, and the
 * outcome pool, sized for the pending runs. */
static int make_pipes(run_state *rs, cy_run_stats *stats, cy_error *err) {
  shared *sh = &rs->sh;
  unsigned n_threads = local_threads(rs->opts);
  if (n_threads > sh->n_todo)
    n_threads = (unsigned)sh->n_todo;
  stats->threads = n_threads;
  size_t C = cy__h5w_block_reps(sh->w);
  sh->max_jobs = stats->points * ((sh->R + C - 1) / C) + 2;
  sh->jobs = calloc(sh->max_jobs, sizeof *sh->jobs);
  sh->jobs_done = calloc(sh->max_jobs, sizeof *sh->jobs_done);
  /* + 1: the proxy of the remote workers, if any (start_proxy). */
  rs->threads = calloc(n_threads + 1, sizeof *rs->threads);
  if (!sh->jobs || !sh->jobs_done || !rs->threads)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return make_pool(sh, &rs->s0, n_threads + remote_active(rs->opts), &rs->pool,
                   &rs->n_pool, err);
}

/* Starts stats->threads workers; a thread that cannot start fails the
 * run (the ones started stop at once). */
static void start_workers(run_state *rs, const cy_run_stats *stats) {
  shared *sh = &rs->sh;
  pthread_mutex_init(&sh->mu, NULL);
  pthread_cond_init(&sh->cv_done, NULL);
  pthread_cond_init(&sh->cv_free, NULL);
  rs->sync_made = true;
  for (; rs->started < stats->threads; rs->started++) {
    sh->alive++;
    if (pthread_create(&rs->threads[rs->started], NULL, worker, sh) != 0) {
      sh->alive--;
      cy_error e;
      cy_error_set(&e, CY_EINTERNAL, "cannot start thread %u", rs->started);
      fail(sh, &e);
      break;
    }
  }
  rs->t_workers = now();
}

/* Starts the proxy of the remote workers (after start_workers), in the
 * slot after the workers' so that finish() joins it with them. */
static void start_proxy(run_state *rs, cy_run_stats *stats) {
  shared *sh = &rs->sh;
  if (!remote_active(rs->opts))
    return;
  stats->remote_workers = rs->opts->remote->workers;
  pthread_mutex_lock(&sh->mu);
  sh->alive++;
  pthread_mutex_unlock(&sh->mu);
  if (pthread_create(&rs->threads[rs->started], NULL, proxy_main, sh) != 0) {
    pthread_mutex_lock(&sh->mu);
    sh->alive--;
    pthread_mutex_unlock(&sh->mu);
    cy_error e;
    cy_error_set(&e, CY_EINTERNAL, "cannot start the remote workers' thread");
    fail(sh, &e);
    return;
  }
  rs->started++;
}

/* ---- step 4: the writer ---- */

/* Tells the caller where the run stands (never when nothing is pending). */
static void report_progress(const run_state *rs, const cy_run_stats *stats,
                            bool final) {
  const cy_run_opts *o = rs->opts;
  if (!o->progress || o->quiet || rs->sh.n_todo == 0)
    return;
  const cy_run_progress p = {
      .runs_total = stats->runs_total,
      .runs_before = stats->runs_total - rs->sh.n_todo,
      .runs_pending = rs->sh.n_todo,
      .runs_done = stats->runs_done,
      .events = stats->events,
      .elapsed = now() - rs->t_workers,
      .final = final,
  };
  o->progress(&p, o->progress_ctx);
}

/* Hands finished runs to the writer, ticks its checkpoints and passes
 * blocks between it and the workers' compression. */
static void writer_step(shared *sh, item *batch, size_t n, cy_run_stats *stats,
                        int *wrc) {
  for (size_t i = 0; i < n && *wrc == CY_OK; i++) {
    cy_error e;
    *wrc = cy__h5w_put(sh->w, batch[i].point, batch[i].rep, batch[i].o, &e);
    if (*wrc != CY_OK)
      fail(sh, &e);
    else {
      stats->runs_done++;
      stats->events += batch[i].o->events;
    }
  }
  bool all_in = stats->runs_done == sh->n_todo;
  if (*wrc == CY_OK) {
    cy_error e;
    *wrc = cy__h5w_tick(sh->w, all_in, &e);
    if (*wrc != CY_OK)
      fail(sh, &e);
  }
  pthread_mutex_lock(&sh->mu);
  for (size_t i = 0; i < n; i++)
    sh->free_list[sh->n_free++] = batch[i].o;
  cy_h5w_job *j;
  bool queued = false;
  while (*wrc == CY_OK && sh->n_jobs < sh->max_jobs &&
         (j = cy__h5w_next_job(sh->w))) {
    sh->jobs[sh->n_jobs++] = j;
    queued = true;
  }
  if (n || queued)
    pthread_cond_broadcast(&sh->cv_free);
  size_t nd = sh->n_jobs_done;
  cy_h5w_job *done_jobs[64];
  if (nd > 64)
    nd = 64;
  sh->n_jobs_done -= nd;
  memcpy(done_jobs, sh->jobs_done + sh->n_jobs_done, nd * sizeof *done_jobs);
  pthread_mutex_unlock(&sh->mu);
  for (size_t i = 0; i < nd; i++) {
    cy_error e;
    int jrc = cy__h5w_commit(sh->w, done_jobs[i], &e);
    if (jrc != CY_OK && *wrc == CY_OK) {
      *wrc = jrc;
      fail(sh, &e);
    }
  }
  if (*wrc == CY_OK && all_in && cy__h5w_all_committed(sh->w)) {
    pthread_mutex_lock(&sh->mu);
    sh->all_committed = true;
    pthread_mutex_unlock(&sh->mu);
  }
}

/* The calling thread's loop while workers run: the result of writing. */
static int write_loop(run_state *rs, cy_run_stats *stats) {
  shared *sh = &rs->sh;
  item *batch = calloc(rs->n_pool, sizeof *batch);
  if (!batch) {
    cy_error e;
    cy_error_set(&e, CY_ENOMEM, "out of memory");
    fail(sh, &e);
  }
  int wrc = CY_OK;
  pthread_mutex_lock(&sh->mu);
  /* Until every block is committed, or (stopped, failed, or no workers)
   * until nothing is left in the pipes. */
  while (!sh->all_committed &&
         (sh->alive > 0 || sh->n_queue > 0 || sh->n_jobs_done > 0)) {
    if (sh->n_queue == 0 && sh->n_jobs_done == 0) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 100000000L;
      if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
      pthread_cond_timedwait(&sh->cv_done, &sh->mu, &ts);
      /* A stop request must also wake workers waiting for a record. */
      if (atomic_load(sh->stop))
        pthread_cond_broadcast(&sh->cv_free);
    }
    size_t n = batch ? sh->n_queue : 0;
    if (n)
      memcpy(batch, sh->queue, n * sizeof *batch);
    sh->n_queue -= n;
    pthread_mutex_unlock(&sh->mu);
    writer_step(sh, batch, n, stats, &wrc);
    report_progress(rs, stats, false);
    pthread_mutex_lock(&sh->mu);
  }
  sh->finish = true;
  pthread_cond_broadcast(&sh->cv_free);
  pthread_mutex_unlock(&sh->mu);
  free(batch);
  return wrc;
}

/* ---- step 5: the end ---- */

/* Waits for the workers and closes the writer (completing OUT.h5 when
 * every run is in); the first failure is the run's result. */
static int finish(run_state *rs, int wrc, cy_run_stats *stats, cy_error *err) {
  shared *sh = &rs->sh;
  for (unsigned i = 0; i < rs->started; i++)
    pthread_join(rs->threads[i], NULL);
  stats->compress_time = sh->compress_time;
  report_progress(rs, stats, true);
  stats->complete = wrc == CY_OK && stats->runs_done == sh->n_todo &&
                    !sh->err.code && !atomic_load(sh->stop);
  /* Jobs no worker took are compressed by the close. */
  cy_error cerr;
  int crc = cy__h5w_close(sh->w, stats->complete, &stats->h5_busy, &cerr);
  sh->w = NULL;
  /* CY_EINTR there: a remote worker was stopped; reported as a stop. */
  if (sh->err.code && sh->err.code != CY_EINTR) {
    if (err)
      *err = sh->err;
    return sh->err.code;
  }
  if (crc != CY_OK) {
    stats->complete = false;
    if (err)
      *err = cerr;
    return crc;
  }
  if (!stats->complete)
    return cy_error_set(err, CY_EINTR,
                        "interrupted: %zu of %zu runs are in %s; run the same "
                        "command with --resume to finish it",
                        stats->runs_total - sh->n_todo + stats->runs_done,
                        stats->runs_total, rs->files.partial);
  return CY_OK;
}

/* The pending runs: workers simulate, this thread writes. */
static int run_pending(run_state *rs, cy_run_stats *stats, cy_error *err) {
  int rc = make_pipes(rs, stats, err);
  if (rc != CY_OK)
    return rc;
  start_workers(rs, stats);
  start_proxy(rs, stats);
  int wrc = write_loop(rs, stats);
  return finish(rs, wrc, stats, err);
}

int cy_run(const cy_run_opts *o, cy_run_stats *stats, cy_error *err) {
  double t0 = now();
  cy_run_stats unused;
  if (!stats)
    stats = &unused;
  memset(stats, 0, sizeof *stats);
  /* HDF5 failures come back in err; HDF5's own printing of them is off
   * while the library works and the caller's handler is back on return. */
  cy_h5_errors h5_errors;
  cy__h5_errors_off(&h5_errors);
  run_state rs;
  run_state_init(&rs, o);
  bool nothing = false;
  int rc = load_study(&rs, stats, err);
  if (rc == CY_OK)
    rc = check_remote(&rs, err);
  if (rc == CY_OK)
    rc = open_output(&rs, stats, &nothing, err);
  if (rc == CY_OK && nothing)
    stats->complete = stats->was_complete = true;
  else if (rc == CY_OK)
    rc = run_pending(&rs, stats, err);
  run_state_fini(&rs);
  cy__h5_errors_restore(&h5_errors);
  stats->wall = now() - t0;
  return rc;
}

/* ---- a remote worker's side (cy_run_worker) ---- */

struct cy_run_worker {
  cy_study *st;
  size_t R;
  int64_t seed;
  bool event_log;
  uint64_t fingerprint;
  cy_scenario s; /* the point m runs */
  cy_model *m;
  size_t point; /* of m; (size_t)-1: none */
};

int cy_run_worker_alloc(cy_run_worker **out, const cy_run_opts *o,
                        cy_error *err) {
  *out = NULL;
  cy_run_worker *w = calloc(1, sizeof *w);
  if (!w)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  cy_scenario_init(&w->s);
  w->point = (size_t)-1;
  int rc = cy_study_load(&w->st, o->scenario, o->sets, o->n_sets, err);
  if (rc != CY_OK) {
    cy_run_worker_free(w);
    return rc;
  }
  run_overrides(o, cy_study_base(w->st), &w->R, &w->seed);
  w->event_log = o->event_log;
  w->fingerprint = study_fingerprint(w->st, o, w->R, w->seed);
  *out = w;
  return CY_OK;
}

void cy_run_worker_free(cy_run_worker *w) {
  if (!w)
    return;
  cy_model_free(w->m);
  cy_scenario_fini(&w->s);
  cy_study_free(w->st);
  free(w);
}

uint64_t cy_run_worker_fingerprint(const cy_run_worker *w) {
  return w->fingerprint;
}

size_t cy_run_worker_points(const cy_run_worker *w) {
  return cy_study_n_points(w->st);
}

size_t cy_run_worker_replications(const cy_run_worker *w) { return w->R; }

int cy_run_worker_outcome_init(const cy_run_worker *w, cy_outcome *o,
                               cy_error *err) {
  cy_scenario s0;
  cy_scenario_init(&s0);
  int rc = resolve_point_of(w->st, w->R, w->seed, w->event_log, 0, &s0, err);
  if (rc == CY_OK && (rc = cy_outcome_init(o, &s0)) != CY_OK)
    cy_error_set(err, rc, "out of memory");
  cy_scenario_fini(&s0);
  return rc;
}

/* Makes w's model that of point p. */
static int run_worker_load(cy_run_worker *w, size_t p, cy_error *err) {
  cy_model_free(w->m);
  w->m = NULL;
  cy_scenario_fini(&w->s);
  cy_scenario_init(&w->s);
  w->point = (size_t)-1;
  int rc = resolve_point_of(w->st, w->R, w->seed, w->event_log, p, &w->s, err);
  if (rc == CY_OK)
    rc = cy_model_alloc(&w->m, &w->s, err);
  if (rc == CY_OK)
    w->point = p;
  return rc;
}

int cy_run_worker_run(cy_run_worker *w, size_t point, size_t rep,
                      const atomic_int *stop, cy_outcome *o, cy_error *err) {
  size_t P = cy_study_n_points(w->st);
  if (point >= P || rep >= w->R)
    return cy_error_set(err, CY_EINPUT,
                        "run (point %zu, replication %zu) is not in the study "
                        "(%zu points x %zu replications)",
                        point, rep, P, w->R);
  int rc;
  if (point != w->point && (rc = run_worker_load(w, point, err)) != CY_OK)
    return rc;
  cy_model_set_interrupt(w->m, stop);
  cy_outcome_clear(o);
  return cy_model_run(w->m, w->seed, rep, o, err);
}
