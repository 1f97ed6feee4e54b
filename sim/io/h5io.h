/* h5io.h: the HDF5 output file of MODEL.md §7 (writer and reader).
 *
 * Only sim/io includes hdf5.h; everything else sees these opaque handles.
 *
 * Writer: crash safety.  A run writes two HDF5 files beside OUT.h5 (names
 * in outfiles.h) and never OUT.h5 itself:
 * - OUT.h5.partial holds every finished run, uncompressed, in contiguous
 *   datasets allocated in full when the file is made.  Its metadata is
 *   written once, flushed and fsync()ed before the file gets its name;
 *   after that the writer only overwrites raw data in place, so no HDF5
 *   metadata ever changes (the one exception, HDF5's one-byte "open for
 *   writing" flag in the superblock, is a single in-place write and HDF5
 *   opens the file whatever its value).  Runs reach it in checkpoints (at
 *   most every 0.5 s): their data, H5Fflush, then their /summary/status
 *   bytes, H5Fflush.  So at every instant the file opens, and a run marked
 *   done holds its data, whatever moment the process dies: kill -9, OOM
 *   killer, a preempted job.  A power loss or kernel crash is outside this
 *   guarantee until the file is synced (when a run stops, and before the
 *   final rename): the disk may then hold status bytes whose data it lost.
 *   `--resume` continues this file.
 * - OUT.h5.tmp is the compressed file users get.  A block of C
 *   replications of one point becomes one chunk of every dataset once all
 *   its runs are in the partial file; chunks are committed in (point,
 *   replication) order whatever order the runs finished in, so the file's
 *   bytes do not depend on threads or resumes.  When every block is in,
 *   /events is written from the journal in (point, replication, time)
 *   order, `complete` is set, the file is fsync()ed and renamed onto
 *   OUT.h5 (replacing an existing one only with --force); then the partial
 *   file and the journal are removed.  A crash loses only this file, which
 *   the next --resume rebuilds from the partial file.
 *
 * Layout choices where MODEL.md is silent (documented in sim/MODEL.md):
 * - Text scales (attacker, target, state, alliance, optype) and string
 *   sweep axes are variable-length strings, not MODEL.md's fixed-length:
 *   netCDF-C 4.9.0 (xarray's netcdf4 engine on Debian 12) crashes reading
 *   1-D fixed-length string datasets.  Attributes and the scalar
 *   /provenance/scenario_text are fixed-length.
 * - A == 0: the `alliance` scales, the three alliance datasets and
 *   /summary/alliance_enabled are not written (netCDF has no fixed
 *   zero-length dimension).
 * - Format version 2: each data group holds copies of the root scales it
 *   uses (cy__h5_groups in h5layout.c) and its datasets are attached to
 *   them; /summary and /timeseries also hold the sweep values [point],
 *   named in the `coordinates` attribute of their datasets.  Every
 *   dataset is described by CY_OUTCOME_FIELDS or CY_FILE_VARIABLES.  All
 *   of it is made with the file, before the partial file gets its name.
 * - /events: 1-D columns along the unlimited dimension `event` (a scale
 *   /events/event holding the row number): point, replication (uint32),
 *   time, value (float64), kind, optype (uint8), attacker, target, blamed
 *   (int16), other (int32), in (point, replication, time) order.
 * - Identity for --resume: /provenance attributes `overrides` (the --set
 *   strings, one per line) and `event_log`, plus scenario_text, seed and
 *   the sizes of every dimension.  `created` and `command_line` are those
 *   of the run that started the study, so a resumed file is byte for byte
 *   the file an uninterrupted run writes.
 *
 * Reader.  cy__h5r_open() validates the whole layout and reads the metadata
 * (sizes, ids, sweep values, status, scenario text); cy__h5r_read_point()
 * reads one point of one dataset.  See "reader" below. */
#ifndef CYSIM_SIM_H5IO_H
#define CYSIM_SIM_H5IO_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"
#include "cysim/cy_study.h"
#include "outfiles.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writer ---- */

typedef struct cy_h5w cy_h5w;

typedef struct cy_h5w_info {
  const cy_outfiles *files; /* names; the caller holds the lock */
  const cy_study *study;
  const cy_scenario *scenario; /* point 0, with run overrides applied */
  int64_t seed;
  size_t replications;
  bool timeseries, event_log;
  bool resume;  /* continue files->partial (else make it anew) */
  bool replace; /* --force: the final rename may replace files->out */
  const char *command_line;
  const char *const *sets; /* --set overrides, for the resume identity */
  size_t n_sets;
  /* A shard (`run --task`): the file holds task `task` of `tasks`
   * (cy_study_task_runs()) and says so in root attributes `task` and
   * `tasks`; only runs of that range are put, only blocks that meet it are
   * written (rows outside it hold fill values and status 0), and `complete`
   * stays 0 unless the range is every run.  tasks 0: the whole study. */
  size_t task, tasks;
} cy_h5w_info;

/* Opens the writer: makes OUT.h5.partial (and the journal) anew, or with
 * info->resume reopens them after checking that they belong to the same
 * study (CY_EINPUT otherwise); then makes OUT.h5.tmp.  status [P*R]
 * receives which runs are already done.  The caller has checked that no
 * stale partial file is in the way of a new one. */
int cy__h5w_open(cy_h5w **out, const cy_h5w_info *info, uint8_t *status,
                 cy_error *err);
/* Checks that `path` (a complete output, or a partial file) holds the
 * study of info (and the same task of a shard): CY_OK and *complete set
 * (for a shard: every run of its task is done), or CY_EINPUT saying why
 * not. */
int cy__h5w_check_identity(const char *path, const cy_h5w_info *info,
                           bool *complete, cy_error *err);
/* Replications per chunk (and per block). */
size_t cy__h5w_block_reps(const cy_h5w *w);
/* Hands in the outcome of (point, rep), which must be pending; it is
 * copied.  Nothing reaches a file until the next checkpoint. */
int cy__h5w_put(cy_h5w *w, size_t point, size_t rep, const cy_outcome *o,
                cy_error *err);
/* Writes a checkpoint when runs have waited long enough (or `now`), and
 * queues blocks that are complete for the final file. */
int cy__h5w_tick(cy_h5w *w, bool now, cy_error *err);
/* Blocks for the final file: cy__h5w_next_job() hands one out,
 * cy__h5w_compress() (thread-safe, no HDF5: (shuffle +) deflate in the
 * format HDF5's filters decode) may run on any thread, and cy__h5w_commit()
 * writes the chunks with H5Dwrite_chunk() (compressing first if that was
 * not done).  Deflate is nearly all of the writer's cost, so this takes it
 * off the writing thread.  A job handed out must be committed (or
 * closed). */
typedef struct block cy_h5w_job;
cy_h5w_job *cy__h5w_next_job(cy_h5w *w);
int cy__h5w_compress(const cy_h5w *w, cy_h5w_job *job);
int cy__h5w_commit(cy_h5w *w, cy_h5w_job *job, cy_error *err);
/* True once every block is in the final file. */
bool cy__h5w_all_committed(const cy_h5w *w);
/* Ends the writer (also on error; NULL is a no-op returning CY_OK).  With
 * `complete` (every run done): a last checkpoint, the rest of the final
 * file, the rename onto OUT.h5 and the removal of the partial files.
 * Without: a last checkpoint of the finished runs (unless a write already
 * failed) so that --resume can continue, and OUT.h5.tmp is removed.
 * *busy (may be NULL) receives the seconds spent in HDF5 and sync calls. */
int cy__h5w_close(cy_h5w *w, bool complete, double *busy, cy_error *err);

/* ---- reader ---- */

/* The reader distrusts every file: a damaged, truncated, foreign or
 * crafted file can neither crash it nor make it return values that the
 * file's layout does not back.  cy__h5r_open() checks, before reading any
 * data:
 * - the path: it exists, is a regular file (symbolic links are followed),
 *   is readable and not empty (the message carries strerror()), and HDF5
 *   can open it;
 * - the root attributes, each holding exactly one value of its class:
 *   format = "cysim" (text), format_version 1 or 2 (integer; both are
 *   read alike), scenario_name (text), start (optional, YYYY-MM-DD),
 *   horizon (float, finite, > 0), seed (integer), complete (integer 0/1),
 *   and in a shard task and tasks (integers, 0 <= task < tasks);
 * - the root scales, rank 1: point [P] (1..10^7) and replication [R]
 *   (1..2^32-1), integers; state, attacker and target [N] (2..256), text,
 *   the same length and labels; optype [K] (1..16) text; alliance [A] text
 *   when present (A = 0 when absent); time [B] float, required when
 *   /timeseries exists;
 * - every dataset of the layout (io/h5layout.h: /summary/status and seed,
 *   then the outcome fields of cy_outcome.h), opened through hard links
 *   only, stored in the file (not virtual, not external), with exactly the
 *   shape the scales give and the type class of its element type (the size
 *   may differ: reads convert): integer (unsigned for /summary/status) or
 *   float; [P,R] scalars, [P,R,N,N] dyad fields, [P,R,K] by optype,
 *   [P,R,A] by alliance, present exactly when the alliance scale is, and
 *   [P,R,B,N,N] time series when /timeseries exists; every /events column
 *   1-D of one length (the integer or float class of its log field);
 * - format version 2 (absent from version 1 files, which are read alike
 *   without them): /time_bounds [B, 2] float with finite values when
 *   /timeseries exists, /summary/alliance_enabled [P, A] unsigned integer
 *   of 0s and 1s when the alliance scale does; a version 1 file may lack
 *   the outcome fields after /timeseries/ops (/summary/fear_final), which
 *   it then does not have;
 * - /summary/status values 0 or 1; each /sweep/<name> rank 1 of length P,
 *   numbers or text (fixed or variable length; NULL strings refused);
 * - /design when present (cy__h5r_design() below);
 *   /provenance/scenario_text one text value.
 * Products of sizes are overflow-checked and the reader allocates at most
 * CY_H5R_MAX_BYTES for one file.  Any failure is CY_EINPUT (exit 2; only
 * running out of memory is not) with one line "PATH: what is wrong", e.g.
 * "out.h5: /summary/ops has shape [2,3,2,2], expected [2,3,3,3] (point,
 * replication, attacker, target)".  Later reads select an explicit
 * hyperslab into a memory space of exactly the caller's buffer; data that
 * HDF5 cannot decode (a damaged chunk) fails there.  Text read from the file
 * (labels, names, sweep values) is truncated to its buffer and has control
 * characters replaced by '?'. */

typedef struct cy_h5r cy_h5r;

/* The most memory the reader allocates for one file, and the limit
 * `cysim report` applies to its own buffers. */
#define CY_H5R_MAX_BYTES ((uint64_t)8 << 30)

typedef struct cy_h5r_axis {
  char name[CY_ID_MAX];
  char path[256];
  cy_value_type type; /* INT (int64), BOOL (uint8), DOUBLE, STRING */
  double *num;        /* [P] numeric value (INT, BOOL, DOUBLE) */
  char **str;         /* [P] text (STRING), else NULL; str[0] owns it all */
} cy_h5r_axis;

typedef struct cy_h5r_meta {
  size_t P, R, N, K, A, B; /* A = 0 without alliances, B = 0 without time */
  char scenario_name[CY_ID_MAX];
  char start[16]; /* "" when absent, else YYYY-MM-DD */
  double horizon; /* finite, > 0 */
  int64_t seed;
  int complete; /* 0 or 1 */
  /* A shard of `cysim run --task`: its task of `tasks` (0 and 0 when the
   * file is no shard: the root attributes are absent). */
  int64_t task, tasks;
  bool timeseries, event_log;
  char (*states)[CY_ID_MAX];    /* [N] */
  char (*optypes)[CY_ID_MAX];   /* [K] */
  char (*alliances)[CY_ID_MAX]; /* [A] */
  size_t n_axes;
  cy_h5r_axis *axes;
  uint8_t *status;    /* [P*R], each 0 or 1 */
  int format_version; /* 1 or 2 */
  /* Version 2 only (NULL in a version 1 file): */
  double *time_bounds;       /* [B*2] each bin's start and end, or NULL */
  uint8_t *alliance_enabled; /* [P*A] each 0 or 1, or NULL */
  /* /design (cy__h5r_design() below); method GRID when absent. */
  cy_design design;
} cy_h5r_meta;

/* The study design of the file (sim/MODEL.md, "Study designs"): method
 * CY_DESIGN_GRID, everything else 0 or NULL, when the file has no /design
 * (a grid study); else method LHS or SALTELLI, samples N, n_factors k,
 * seed, factors[k] (the names of /design/factor), matrix[P] (CY_DESIGN_A,
 * CY_DESIGN_B, CY_DESIGN_AB + i), row[P] and unit[P * k].  axis_factor is
 * NULL (the file does not record it; /sweep/<name> carries `zip`).  The
 * reader checked, before returning it, that P is N (lhs) or N (k + 2)
 * (saltelli, k <= 20), that point p has matrix p / N and row p % N (all
 * matrices A for lhs), every unit coordinate in [0, 1], and each dataset's
 * shape and type class.  Owned by the reader: valid until
 * cy__h5r_close(), which frees it; never NULL for an open reader. */
const cy_design *cy__h5r_design(const cy_h5r *r);

/* Opens and validates path (all of the above); *out is NULL on error.
 * Callers outside io (cy_run, the report) turn HDF5's error printing off
 * around their use of it (cy__h5_errors_off below). */
int cy__h5r_open(cy_h5r **out, const char *path, cy_error *err);
/* cy__h5r_open() and cy__h5r_close(): whether path is a readable cysim file
 * (e.g. before `--resume` reopens it for writing). */
int cy__h5r_check(const char *path, cy_error *err);
const cy_h5r_meta *cy__h5r_meta_of(const cy_h5r *r);
/* /provenance/scenario_text, NUL-terminated (the file's bytes up to the
 * first NUL). */
const char *cy__h5r_scenario_text(const cy_h5r *r);
/* Values in one point of dataset `name` (e.g. "summary/ops"): R times the
 * trailing dimensions; 0 when the file has no such dataset. */
size_t cy__h5r_point_values(const cy_h5r *r, const char *name);
/* Reads dataset `name` (e.g. "summary/ops") for one point: buf, which
 * holds `cap` values, receives [R * (rest of the dims)] values converted
 * to `type` (cy__h5r_point_values() of them).  CY_EINPUT when the file has
 * no such dataset (no alliances, no time series) or its data cannot be
 * decoded; a buffer smaller than that, an unknown name or point >= P is a
 * caller's bug (CY_EINTERNAL). */
int cy__h5r_read_point(cy_h5r *r, const char *name, size_t point,
                       cy_elem_type type, void *buf, size_t cap, cy_error *err);
/* Reads a whole /events column (e.g. "events/time") converted to `type`
 * into buf, which holds `cap` values; *n receives the number of values
 * (CY_EINPUT when more than cap, or when the file has no event log; call
 * with cap 0 to learn n). */
int cy__h5r_read_all(cy_h5r *r, const char *name, cy_elem_type type, void *buf,
                     size_t cap, size_t *n, cy_error *err);
void cy__h5r_close(cy_h5r *r);

/* HDF5 prints its error stack on stderr when a call fails, unless the
 * thread's automatic error handler is off.  The library reports HDF5
 * failures in its own messages, and must not change its caller's handler
 * for good; so an entry point that calls HDF5 brackets its work the way
 * H5E_BEGIN_TRY/H5E_END_TRY do: cy__h5_errors_off() saves the calling
 * thread's handler in *saved (caller storage) and turns it off,
 * cy__h5_errors_restore() puts it back.  The handler is per thread in a
 * thread-safe HDF5 and per process otherwise, where HDF5 is called from
 * one thread at a time anyway. */
typedef struct cy_h5_errors {
  bool saved;         /* whether restore has anything to put back */
  void (*func)(void); /* the caller's H5E_auto2_t */
  void *data;
} cy_h5_errors;
void cy__h5_errors_off(cy_h5_errors *saved);
void cy__h5_errors_restore(const cy_h5_errors *saved);

#endif
