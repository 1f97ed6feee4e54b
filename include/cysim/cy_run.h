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
  bool was_complete; /* the output was complete already: nothing done */
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

#endif
