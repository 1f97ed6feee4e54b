/* cy_merge.h: shards of one study into one result file -- `cysim merge`
 * without the command line.
 *
 * `cysim run --task K --tasks N` writes the runs of task K into a shard: a
 * result file of the usual layout whose /summary/status marks the runs it
 * holds (MODEL.md §7).  cy_merge() joins any set of such files of one
 * study -- shards of one split or of several, interrupted and complete
 * files, in any order -- into one file whose data equal, byte for byte, a
 * single-process run's: every run depends on (seed, point, replication)
 * alone, and the merged file's chunks are those the single-process writer
 * makes.
 *
 * Checks, before the output is touched (CY_EINPUT, one line naming the
 * file): every input is a cysim result file that the reader accepts (so a
 * truncated, damaged or foreign file is refused: see io/h5io.h), all of one
 * format version, of the same scenario text, --set overrides, seed,
 * replications, states, optypes, alliances, time bins and sweep values;
 * a run held by several inputs holds the same data in each (every dataset
 * and its event-log rows), else the run and the two files are named; and
 * every run is held by some input, unless allow_partial (the output then
 * has `complete` = 0 and status 0 with fill values for the missing runs).
 * Missing runs are reported through `missing`, one line per point (or per
 * missing task, when the inputs are shards of one split).
 *
 * The output is written as OUT.h5.tmp beside OUT.h5 under OUT.h5.lock and
 * renamed when complete, so OUT.h5 is at every instant either absent, the
 * old file, or the whole merged file; an existing OUT.h5 is replaced only
 * with force, and never when it is one of the inputs.  It starts as a copy
 * of the input that holds the most runs (keeping its metadata, sweep table
 * and provenance), receives every other chunk (copied as stored when one
 * input holds all of its runs, else assembled and compressed as the writer
 * does) and the event log in (point, replication, time) order; its root
 * attribute `command_line` becomes the merge's, and `task`/`tasks` go.
 * HDF5's error printing is off while it works (restored on return). */
#ifndef CYSIM_CY_MERGE_H
#define CYSIM_CY_MERGE_H

#include "cysim/cy_error.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cy_merge_opts {
  const char *output;
  const char *const *inputs;
  size_t n_inputs;
  bool allow_partial; /* merge what there is; `complete` = 0 if runs miss */
  bool force;         /* replace an existing output (never an input) */
  const char *command_line; /* stored in the file; NULL: "" */
  /* Called with each line of the missing-run report; NULL: none. */
  void (*missing)(const char *line, void *ctx);
  void *missing_ctx;
} cy_merge_opts;

typedef struct cy_merge_stats {
  size_t points, replications, runs_total;
  size_t runs_present, runs_missing;
  size_t duplicates;    /* runs in several inputs (found equal) */
  size_t chunks_copied; /* chunks copied as stored */
  size_t chunks_built;  /* chunks assembled and compressed */
  size_t event_rows;    /* /events rows written */
  double wall;          /* seconds */
  bool complete;        /* every run is in the output */
} cy_merge_stats;

/* CY_OK when the output is written (complete, or partial with
 * allow_partial); CY_EINPUT for the refusals above (nothing written),
 * CY_EEXIST when the output exists without force, CY_EBUSY when another
 * process writes it, CY_EIO/CY_EHDF5/CY_ENOMEM on failure (the output is
 * then not made).  stats (may be NULL) is filled in every case. */
int cy_merge(const cy_merge_opts *o, cy_merge_stats *stats, cy_error *err);

#endif
