/* cy_run.h: a whole study into one HDF5 file -- `cysim run` without the
 * command line.
 *
 * cy_run() runs every (sweep point, replication) of a scenario file on a
 * pool of threads and writes them into OUT.h5 (MODEL.md §7).  Finished
 * runs reach a crash-safe OUT.h5.partial first, so a run that stops (the
 * caller's stop flag, a full disk, kill -9) keeps them, and the same call
 * with `resume` finishes it.  A replication's results depend only on
 * (seed, replication), so the file is the same bytes for any thread count
 * and any sequence of interrupts and resumes.
 *
 * cy_run() changes no process-wide state: it installs no signal handler,
 * does not tune the allocator and leaves GSL's error handler as the caller
 * set it (the calls it makes do not raise GSL errors, save GSL's own
 * allocation failures, which the default handler turns into an abort).
 * HDF5's automatic error printing is off while it runs (the failures come
 * back in err), and the calling thread's handler is restored on return.
 * The caller's thread does the HDF5 writing and calls `progress`; worker
 * threads only simulate and compress.  A program may call cy_run() from
 * one thread at a time per output file (a second process or call on the
 * same output gets CY_EBUSY). */
#ifndef CYSIM_CY_RUN_H
#define CYSIM_CY_RUN_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a run stands, for the caller's progress display. */
typedef struct cy_run_progress {
  size_t runs_total;   /* points x replications */
  size_t runs_before;  /* already in the file when this call started */
  size_t runs_pending; /* to do in this call (runs_total - runs_before) */
  size_t runs_done;    /* of those, done so far */
  uint64_t events;     /* kernel events of the runs done so far */
  double elapsed;      /* seconds since the workers started */
  bool final;          /* the last report: the workers have stopped */
} cy_run_progress;

typedef struct cy_run_opts {
  const char *scenario;    /* scenario file */
  const char *output;      /* output .h5 */
  const char *const *sets; /* "path=value" overrides (`--set`), in order */
  size_t n_sets;
  uint32_t replications; /* 0: the scenario's */
  bool have_seed;
  int64_t seed;     /* with have_seed, replaces the scenario's */
  unsigned threads; /* 0: all online cores */
  bool force;       /* replace OUT.h5 when complete; start a partial over */
  bool resume;      /* continue OUT.h5.partial */
  bool quiet;       /* never call progress */
  bool event_log;   /* also write /events */
  bool allow_large; /* skip the work caps (cy_study_check_work) */
  const char *command_line; /* stored in the file */
  /* A shard, for a job array (`--task K --tasks N`): only task `task` of
   * `tasks` (cy_study_task_runs()), into an output that says which (root
   * attributes `task`, `tasks`; `complete` stays 0).  A task meets its own
   * files as `resume` does: a complete shard means nothing to do, a
   * partial one is continued, so a resubmitted array redoes only what was
   * lost.  tasks 0: the whole study. */
  size_t task, tasks;
  /* The caller's stop request (e.g. set by its SIGINT handler): workers
   * check it every few thousand events, so a run stops within about a
   * second even inside a long replication; finished runs are kept.  NULL:
   * never stopped. */
  const atomic_int *stop;
  /* Called on the calling thread while the runs go (about every 100 ms,
   * and whenever a batch of runs is written), then once with p->final
   * set; never when nothing is pending.  NULL: no progress. */
  void (*progress)(const cy_run_progress *p, void *ctx);
  void *progress_ctx;
  /* Workers outside this process (MPI ranks, see cy_remote below) that
   * share the runs with the local threads; NULL, or no workers: local
   * threads only.  With remote workers, `threads` is the number of local
   * compute threads and 0 means none (this process then only hands out
   * runs and writes). */
  const struct cy_remote *remote;
} cy_run_opts;

typedef struct cy_run_stats {
  size_t points, replications;
  size_t runs_total;   /* P * R (a shard: its task's runs) */
  size_t runs_pending; /* missing when the run started */
  size_t runs_done;    /* done by this invocation */
  unsigned threads;
  uint64_t events;      /* kernel events of the runs done here */
  double wall;          /* seconds from start to the file closed */
  double h5_busy;       /* seconds the writing thread spent writing HDF5 */
  double compress_time; /* seconds workers spent deflating chunks */
  bool complete;
  bool was_complete;       /* the output was complete already: nothing done */
  unsigned remote_workers; /* cy_run_opts.remote's workers (0: none) */
} cy_run_stats;

/* Returns CY_OK when OUT.h5 is complete (made, or already there with
 * resume), CY_EINTR when stopped (the finished runs are in OUT.h5.partial
 * for resume), or an error code with err filled: CY_EEXIST when the output
 * (or an interrupted run's partial file) exists without force/resume,
 * CY_EBUSY when another process writes the same output, CY_EINPUT for a
 * bad scenario or a file of another study.  An error after the run
 * started keeps every run already in the partial file.  stats (may be
 * NULL) is filled in either case. */
int cy_run(const cy_run_opts *o, cy_run_stats *stats, cy_error *err);

/* ---- remote workers ----
 *
 * Runs may also be computed outside this process, by workers that a
 * transport reaches (the cysim program's MPI ranks, or a test's fake): a
 * table of functions (cy_remote_type) plus its context, in
 * cy_run_opts.remote.  One thread of cy_run() (the proxy) drives it: it
 * claims pending runs from the same counter as the local threads, hands
 * each to a remote worker, keeping several in flight per worker so that
 * none idles while a result travels (2, or as many as the worker computes
 * in about 20 ms when runs are short), and queues the results it receives
 * for the writer like a local thread's.  The file is therefore the same
 * bytes however the runs were shared, provided a remote worker computes
 * run (point, rep) as cy_run_worker_run() below does.
 *
 * The functions are called one at a time (an MPI transport needs
 * MPI_THREAD_SERIALIZED): start by the thread that called cy_run(), before
 * the output is touched, the others by the proxy thread.  The workers' lifetime
 * is the caller's: cy_run() starts and ends none, and may return before handing
 * out anything (a bad scenario, an output that exists).  When cy_run() returns,
 * every run it handed out has been answered (unless the transport itself
 * failed), so the caller may use the workers again or end them. */

/* The answer of a remote worker to a run it was handed. */
typedef struct cy_remote_answer {
  unsigned worker; /* 0 .. cy_remote.workers - 1 */
  size_t point, rep;
  /* CY_OK: the run's results are in the record; CY_EINTR: the worker was
   * stopped (cy_remote_type.stop, or its own signal) before finishing the
   * run, which stays missing; any other code: the worker failed, and err
   * says why (the whole run stops with that error). */
  int status;
} cy_remote_answer;

typedef struct cy_remote_type {
  const char *name; /* e.g. "mpi", for messages */
  /* Called once, after the study loaded and before the output is touched
   * or any run handed out, with the fingerprint of the study
   * (cy_run_worker_fingerprint() of a worker loaded with the same
   * options).  CY_OK when every worker loaded that study; else the error
   * cy_run() returns at once (CY_EINPUT and a message naming the worker
   * that loaded another study, or its own error loading it).  NULL: no
   * check. */
  int (*start)(void *ctx, uint64_t fingerprint, cy_error *err);
  /* Hands run (point, rep) to worker w, without waiting for it to be
   * computed.  CY_OK, or a failure of the transport (err filled): the
   * proxy then gives up on every run in flight. */
  int (*submit)(void *ctx, unsigned w, size_t point, size_t rep, cy_error *err);
  /* Waits at most `wait` seconds for the next answer.  *got false: none
   * came.  *got true: *a is filled, and with a->status CY_OK the run's
   * results are in o (sized by cy_outcome_init() for the study's point 0
   * with the run's overrides, then cleared); with another status err holds
   * the message.  Returns CY_OK, or a failure of the transport itself (err
   * filled). */
  int (*poll)(void *ctx, double wait, bool *got, cy_remote_answer *a,
              cy_outcome *o, cy_error *err);
  /* Asks every worker to drop the runs it holds, a run in progress within
   * about a second.  Every run handed out is still answered (CY_EINTR, or
   * its results when it finished).  Called at most once, when the run is
   * stopped or fails.  CY_OK or a failure of the transport. */
  int (*stop)(void *ctx, cy_error *err);
} cy_remote_type;

typedef struct cy_remote {
  const cy_remote_type *type;
  void *ctx;        /* passed to every function of type */
  unsigned workers; /* how many; 0: none (local threads only) */
  unsigned depth;   /* most runs in flight per worker; 0: 32 */
} cy_remote;

/* What a remote worker does with the runs it is handed: the study of
 * o->scenario loaded with o's overrides (sets, replications, seed,
 * event_log; the other fields are not used), and each run computed as
 * cy_run()'s own threads compute it, so that its results are the same
 * bits. */
typedef struct cy_run_worker cy_run_worker;

/* Loads the study (CY_EINPUT for a bad scenario, with its message). */
int cy_run_worker_alloc(cy_run_worker **out, const cy_run_opts *o,
                        cy_error *err);
void cy_run_worker_free(cy_run_worker *w);
/* A hash of everything a run's results depend on: the scenario text (its
 * @includes too), the overrides, replications, seed and event log.  Equal
 * for workers loaded with equal options from equal files, whatever their
 * paths. */
uint64_t cy_run_worker_fingerprint(const cy_run_worker *w);
/* The study's points and replications per point (with the overrides). */
size_t cy_run_worker_points(const cy_run_worker *w);
size_t cy_run_worker_replications(const cy_run_worker *w);
/* cy_outcome_init() for the worker's runs (any run's record fits). */
int cy_run_worker_outcome_init(const cy_run_worker *w, cy_outcome *o,
                               cy_error *err);
/* Computes run (point, rep) into o (from cy_run_worker_outcome_init(); the
 * call clears it).  The model of the last point is kept, so runs of one
 * point in a row build it once.  stop (may be NULL) is polled as
 * cy_run_opts.stop is: CY_EINTR soon after it is set.  CY_EINPUT when point
 * or rep is out of range. */
int cy_run_worker_run(cy_run_worker *w, size_t point, size_t rep,
                      const atomic_int *stop, cy_outcome *o, cy_error *err);

#endif
