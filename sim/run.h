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
  const char *command_line; /* stored in the file */
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

/* Returns CY_OK when the file is complete, CY_EINTR when interrupted (the
 * file is closed with complete = 0 and can be resumed), or an error code
 * with err filled (CY_EEXIST when the output exists without force/resume).
 * stats may be NULL. */
int cy_run(const cy_run_opts *o, cy_run_stats *stats, cy_error *err);

/* Set by the SIGINT/SIGTERM handler that cy_run() installs while it runs;
 * tests may set it to simulate an interrupt. */
void cy_run_request_stop(void);

#endif
