/* run.h: `cysim run` without the command line: every (point, replication)
 * of a study, on a pool of threads, into one HDF5 file.
 *
 * Workers claim runs from an atomic counter over the pending run indices
 * (point * R + replication), keep one cy_model per point they are working
 * on, and hand finished cy_outcome records to the calling thread through a
 * bounded pool; the calling thread owns the HDF5 file (h5io.h), prints
 * progress and watches for SIGINT/SIGTERM.  A replication's results depend
 * only on (seed, replication), so the file is the same for any thread count
 * and any sequence of interrupts and --resume. */
#ifndef CYSIM_SIM_RUN_H
#define CYSIM_SIM_RUN_H

#include "cysim/cy_error.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cy_run_opts {
  const char *scenario;    /* scenario file */
  const char *output;      /* output .h5 */
  const char *const *sets; /* --set "path=value" overrides */
  size_t n_sets;
  uint32_t replications; /* 0: the scenario's */
  bool have_seed;
  int64_t seed;
  unsigned threads; /* 0: all online cores */
  bool force, resume, quiet, event_log;
  bool allow_large;         /* skip the work caps (cy_study_check_work) */
  const char *command_line; /* stored in the file */
  /* The caller's stop request (e.g. set by its SIGINT handler): workers
   * check it every few thousand events, so a run stops within about a
   * second even inside a long replication; finished runs are kept.  NULL:
   * never stopped.  The runner installs no signal handler itself. */
  const atomic_int *stop;
} cy_run_opts;

typedef struct cy_run_stats {
  size_t points, replications;
  size_t runs_total;   /* P * R */
  size_t runs_pending; /* missing when the run started */
  size_t runs_done;    /* done by this invocation */
  unsigned threads;
  uint64_t events;      /* kernel events of the runs done here */
  double wall;          /* seconds from start to the file closed */
  double h5_busy;       /* seconds the writing thread spent writing HDF5 */
  double compress_time; /* seconds workers spent deflating chunks */
  bool complete;
} cy_run_stats;

/* Returns CY_OK when OUT.h5 is complete (made, or already there with
 * --resume), CY_EINTR when stopped (the finished runs are in
 * OUT.h5.partial for --resume), or an error code with err filled:
 * CY_EEXIST when the output (or an interrupted run's partial file) exists
 * without --force/--resume, CY_EBUSY when another process writes the same
 * output, CY_EINPUT for a file of another study.  An error after the run
 * started keeps every run already in the partial file.  stats may be
 * NULL. */
int cy_run(const cy_run_opts *o, cy_run_stats *stats, cy_error *err);

#endif
