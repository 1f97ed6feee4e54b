/* h5layout.h: the datasets of a result file, listed once for the writer
 * and the reader (private to sim/io).
 *
 * The [point, replication, ...] datasets are /summary/status and
 * /summary/seed, which the writer fills itself, followed by every field
 * of CY_OUTCOME_FIELDS (cy_outcome.h) in list order: cy__h5_datasets[i]
 * for i >= CY_H5_FIRST_OUTCOME is cy_outcome_fields[i -
 * CY_H5_FIRST_OUTCOME].  The /events columns are point and replication
 * followed by CY_LOG_FIELDS.  Datasets and columns are created in this
 * order, which the file's bytes depend on. */
#ifndef CYSIM_SIM_H5LAYOUT_H
#define CYSIM_SIM_H5LAYOUT_H

#include "cysim/cy_outcome.h"

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct cy_h5_dataset {
  const char *path; /* "summary/ops" */
  cy_outcome_shape shape;
  cy_elem_type type;
} cy_h5_dataset;

enum {
  CY_H5_STATUS,        /* uint8: 1 when the run is done */
  CY_H5_SEED,          /* int64: the replication's stream key */
  CY_H5_FIRST_OUTCOME, /* the outcome fields from here */
  CY_H5_N_DATASETS = CY_H5_FIRST_OUTCOME + CY_OUTCOME_FIELD_COUNT
};

extern const cy_h5_dataset cy__h5_datasets[CY_H5_N_DATASETS];

/* Format version 1 files hold the datasets before this one (the outcome
 * fields up to /timeseries/ops); later fields (/summary/fear_final) may be
 * absent from them, and are then read as absent.  The list only grows at
 * its end, so this stays true. */
enum { CY_H5_V1_DATASETS = CY_H5_FIRST_OUTCOME + 14 };

/* The version this cysim writes (and the only one --resume continues). */
enum { CY_H5_FORMAT_VERSION = 2 };

/* The attributes of every dataset that is not an outcome field
 * (CY_FILE_VARIABLES in cy_outcome.h). */
typedef struct cy_h5_var {
  const char *path;  /* "summary/status", "time", "sweep/", "events/time" */
  const char *units; /* NULL for text */
  const char *long_name, *description;
} cy_h5_var;

/* The entry of `path` (a group copy of a scale is found by its root name,
 * any sweep value by "sweep/"); NULL when the list has none. */
const cy_h5_var *cy__h5_var(const char *path);

/* The coordinate variables each group holds copies of (root names; the
 * sweep values are added along point where `sweep` is set), NULL-ended. */
typedef struct cy_h5_group {
  const char *name;
  const char *coords[8];
  bool sweep;
} cy_h5_group;

/* The root's coordinates, in the order they are made, NULL-ended. */
extern const char *const cy__h5_root_coords[];

enum { CY_H5_G_SUMMARY, CY_H5_G_TIMESERIES, CY_H5_G_EVENTS, CY_H5_N_GROUPS };
extern const cy_h5_group cy__h5_groups[CY_H5_N_GROUPS];

/* The sizes a file's dimensions take. */
typedef struct cy_h5_sizes {
  size_t P, R, N, K, A, B;
} cy_h5_sizes;

/* A dataset of shape s exists in a file with these sizes: A-shaped ones
 * only with alliances (A > 0), BNN-shaped ones only with time series
 * (B > 0); every other always. */
bool cy__h5_shape_present(cy_outcome_shape s, const cy_h5_sizes *z);

/* The dimensions of shape s after [point, replication] into dims[] (at
 * most 3), the names of their dimension scales into scales[] (may be
 * NULL); returns how many. */
int cy__h5_shape_dims(cy_outcome_shape s, const cy_h5_sizes *z, hsize_t *dims,
                      const char **scales);

/* "point, replication, attacker, target": all the dimensions of a dataset
 * of shape s, for messages. */
const char *cy__h5_shape_text(cy_outcome_shape s);

/* The /events columns. */
typedef struct cy_h5_column {
  const char *name; /* "time": the dataset events/time */
  cy_elem_type type;
  int log_field; /* index in cy_log_fields, or -1 (point, replication) */
} cy_h5_column;

enum {
  CY_H5_EV_POINT,
  CY_H5_EV_REP,
  CY_H5_EV_FIRST_LOG,
  CY_H5_N_EVENT_COLUMNS = CY_H5_EV_FIRST_LOG + CY_LOG_FIELD_COUNT
};

extern const cy_h5_column cy__h5_event_columns[CY_H5_N_EVENT_COLUMNS];

/* The HDF5 type of an element type: little-endian in the file whatever
 * the machine, native in memory.  Predefined types: never close them. */
hid_t cy__h5_file_type(cy_elem_type t);
hid_t cy__h5_mem_type(cy_elem_type t);

#endif
