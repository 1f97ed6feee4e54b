/* h5io.h: the HDF5 output file of MODEL.md §7 (writer and reader).
 *
 * Only sim/h5*.c include hdf5.h; everything else sees these opaque handles.
 *
 * Writer.  cy_h5w_create() makes a new file (dimension scales, provenance,
 * sweep values and every /summary dataset, status all 0); cy_h5w_resume()
 * reopens an interrupted file after checking that it belongs to the same
 * study (scenario text, --set overrides, seed, sizes) and returns its
 * status.  cy_h5w_put() takes finished runs in any order: they are copied
 * into per-block buffers (one point x one chunk of replications) and a block
 * is written as one hyperslab per dataset once all of its pending runs are
 * in, which keeps the number of HDF5 calls per run tiny.  cy_h5w_close()
 * writes what is left (partial blocks of an interrupted run), sets the root
 * attribute `complete` and frees the writer.
 *
 * Layout choices where MODEL.md is silent (documented in sim/MODEL.md):
 * - Text scales (attacker, target, state, alliance, optype) and string
 *   sweep axes are variable-length strings, not MODEL.md's fixed-length:
 *   netCDF-C 4.9.0 (xarray's netcdf4 engine on Debian 12) crashes reading
 *   1-D fixed-length string datasets.  Attributes and the scalar
 *   /provenance/scenario_text are fixed-length.
 * - A == 0: the `alliance` scale and the three alliance datasets are not
 *   written (netCDF has no fixed zero-length dimension).
 * - /events: 1-D columns along the unlimited dimension `event` (a scale
 *   /events/event holding the row number): point, replication (uint32),
 *   time, value (float64), kind, optype (uint8), attacker, target, blamed
 *   (int16), other (int32).  Rows of one run are contiguous and in the
 *   model's order; runs appear in the order they were written.
 * - Identity for --resume: /provenance attributes `overrides` (the --set
 *   strings, one per line) and `event_log`, plus scenario_text, seed and
 *   the sizes of every dimension.
 *
 * Reader.  cy_h5r_open() reads the metadata (sizes, ids, sweep values,
 * status); cy_h5r_read_point() reads one point of one dataset. */
#ifndef CYSIM_SIM_H5IO_H
#define CYSIM_SIM_H5IO_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"
#include "cysim/cy_study.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writer ---- */

typedef struct cy_h5w cy_h5w;

typedef struct cy_h5w_info {
  const char *path;
  const cy_study *study;
  const cy_scenario *scenario; /* point 0, with run overrides applied */
  int64_t seed;
  size_t replications;
  bool timeseries, event_log;
  const char *command_line;
  const char *const *sets; /* --set overrides, for the resume identity */
  size_t n_sets;
} cy_h5w_info;

/* Creates (truncating) info->path.  The caller checked --force. */
int cy_h5w_create(cy_h5w **out, const cy_h5w_info *info, cy_error *err);
/* Reopens an interrupted file; status [P*R] receives its /summary/status.
 * CY_EINPUT when the file belongs to another study. */
int cy_h5w_resume(cy_h5w **out, const cy_h5w_info *info, uint8_t *status,
                  cy_error *err);
/* Replications per chunk (and per write block). */
size_t cy_h5w_block_reps(const cy_h5w *w);
/* Hands in the outcome of (point, rep); it is copied.  `status` is the
 * status the file had when opened (to know which runs a block waits for). */
int cy_h5w_put(cy_h5w *w, size_t point, size_t rep, const cy_outcome *o,
               cy_error *err);
/* Deferred mode (for a multi-threaded caller): a block that completes a
 * whole chunk of every dataset is not written by cy_h5w_put() but queued;
 * cy_h5w_next_job() hands it out, cy_h5w_compress() (thread-safe, no HDF5:
 * shuffle + deflate exactly like HDF5's filters) may run on any thread,
 * and cy_h5w_commit() writes the finished chunks with H5Dwrite_chunk()
 * (compressing first if that was not done).  Deflate is nearly all of the
 * writer's cost, so this takes it off the single writing thread.  Every
 * job must be committed (cy_h5w_close() commits the queued ones). */
typedef struct block cy_h5w_job;
void cy_h5w_set_deferred(cy_h5w *w, bool on);
cy_h5w_job *cy_h5w_next_job(cy_h5w *w);
int cy_h5w_compress(const cy_h5w *w, cy_h5w_job *job);
int cy_h5w_commit(cy_h5w *w, cy_h5w_job *job, cy_error *err);
/* Writes pending blocks, sets `complete`, closes and frees w (also on
 * error; NULL is a no-op returning CY_OK).  *busy (may be NULL) receives
 * the seconds spent in HDF5 calls: create or resume, writes and close. */
int cy_h5w_close(cy_h5w *w, bool complete, double *busy, cy_error *err);

/* ---- reader ---- */

typedef struct cy_h5r cy_h5r;

typedef struct cy_h5r_axis {
  char name[CY_ID_MAX];
  char path[256];
  cy_value_type type; /* INT (int64), BOOL (uint8), DOUBLE, STRING */
  double *num;        /* [P] numeric value (INT, BOOL, DOUBLE) */
  char **str;         /* [P] text (STRING), else NULL */
} cy_h5r_axis;

typedef struct cy_h5r_meta {
  size_t P, R, N, K, A, B;
  char scenario_name[CY_ID_MAX];
  char start[16]; /* "" when absent */
  double horizon;
  int64_t seed;
  int complete;
  bool timeseries, event_log;
  char (*states)[CY_ID_MAX];    /* [N] */
  char (*optypes)[CY_ID_MAX];   /* [K] */
  char (*alliances)[CY_ID_MAX]; /* [A] */
  size_t n_axes;
  cy_h5r_axis *axes;
  uint8_t *status; /* [P*R] */
} cy_h5r_meta;

typedef enum cy_h5_type {
  CY_H5_U8,
  CY_H5_U32,
  CY_H5_U64,
  CY_H5_I64,
  CY_H5_F64
} cy_h5_type;

int cy_h5r_open(cy_h5r **out, const char *path, cy_error *err);
const cy_h5r_meta *cy_h5r_meta_of(const cy_h5r *r);
/* Reads dataset `name` (e.g. "summary/ops") for one point: buf receives
 * [R * (rest of the dims)] values converted to `type`. */
int cy_h5r_read_point(cy_h5r *r, const char *name, size_t point,
                      cy_h5_type type, void *buf, cy_error *err);
/* Reads a whole dataset (e.g. "events/time") converted to `type` into buf,
 * which holds `cap` values; *n receives the number of values (CY_EINPUT
 * when more than cap; call with cap 0 to learn n). */
int cy_h5r_read_all(cy_h5r *r, const char *name, cy_h5_type type, void *buf,
                    size_t cap, size_t *n, cy_error *err);
void cy_h5r_close(cy_h5r *r);

/* Turns HDF5's automatic error printing off (we report our own messages). */
void cy_h5_quiet(void);

#endif
