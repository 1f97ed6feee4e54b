/* h5out.c: the output writer (see h5io.h for the crash-safety argument and
 * the layout decisions). */
#define _GNU_SOURCE /* memfd_create() */
#include "cysim/cy_rng.h"
#include "cysim/cy_version.h"
#include "h5io.h"
#include "h5layout.h"
#include "h5util.h"

#include <assert.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Chunks hold one point, a block of replications and the full trailing
 * dimensions; a block of at most 64 replications or ~1 MiB of the largest
 * per-replication record keeps chunks big enough to compress well and no
 * bigger than HDF5's default chunk cache (1 MiB), so a reader taking one
 * replication of a big world decompresses each chunk once.  It also bounds
 * the writer's memory: a block of a 193-state world is ~6 MB, not ~25. */
enum { MAX_BLOCK_REPS = 64, CHUNK_TARGET = 1 << 20, EVENT_CHUNK = 1 << 15 };

/* How long finished runs may wait in memory before a checkpoint puts them
 * in the partial file: what a crash can cost at most. */
static const double CHECKPOINT_SECONDS = 0.5;

/* Blocks past the next one to commit that may be read back from the
 * partial file at once (after a resume), so that workers compress them in
 * parallel. */
enum { LOOKAHEAD = 8 };

/* One point x C replications: the unit of the final file (one chunk of
 * every dataset) and of the bookkeeping.  Here and below, per-dataset
 * arrays are indexed as cy__h5_datasets[] (h5layout.h), per-column ones as
 * cy__h5_event_columns[]. */
typedef struct block {
  size_t seq; /* point * blocks-per-point + rep0 / C: commit order */
  size_t point, rep0, n;
  size_t remaining; /* runs pending when the block was made, not yet put */
  uint8_t *got;     /* [C] its data is in buf */
  uint8_t *dirty;   /* [C] put, not yet in the partial file */
  unsigned char *buf[CY_H5_N_DATASETS]; /* [C * per[f]] values */
  cy_log_record **logs;                 /* [C] copies until journalled */
  size_t *log_len;                      /* [C] */
  /* Whole chunks, filtered by cy__h5w_compress() in the format of HDF5's
   * (shuffle and) deflate filters, for H5Dwrite_chunk(). */
  bool compressed;
  unsigned char *z[CY_H5_N_DATASETS];
  size_t zlen[CY_H5_N_DATASETS], zcap[CY_H5_N_DATASETS];
  cy__h5_zip *zip; /* kept with the block, which is reused */
  struct block *next;
} block;

/* Where a block is in its life (cy_h5w.bstate). */
enum { B_NONE, B_OPEN, B_QUEUED, B_DONE };

/* One of the two HDF5 files. */
typedef struct hfile {
  const char *path;
  hid_t file;
  hid_t ds[CY_H5_N_DATASETS];
  hid_t ev[CY_H5_N_EVENT_COLUMNS], ev_scale;
  hid_t xfer_plist; /* xfer()'s, or -1 until then */
} hfile;

/* The transfer properties of our whole-dataset writes: a 64 KiB type
 * conversion buffer.  HDF5's default buffer is 1 MiB, and a write that
 * converts (variable-length strings, compounds) callocs one, and its
 * background buffer, per H5Dwrite(): ~40 of them, a 1-replication
 * flagship's largest cost after the model.  Bigger writes are converted
 * 64 KiB at a time.  H5P_DEFAULT if the list cannot be made. */
static hid_t xfer(hfile *h) {
  if (h->xfer_plist < 0) {
    hid_t p = H5Pcreate(H5P_DATASET_XFER);
    if (p >= 0 && H5Pset_buffer(p, 65536, NULL, NULL) < 0)
      H5Pclose(p), p = -1;
    h->xfer_plist = p;
  }
  return h->xfer_plist >= 0 ? h->xfer_plist : H5P_DEFAULT;
}

/* What the root attributes say beyond the study itself. */
typedef struct header {
  char created[32];
  char *command_line;
} header;

struct cy_h5w {
  const cy_outfiles *files;
  cy_h5_sizes z;        /* B = 0 without time series */
  size_t C;             /* replications per block */
  size_t bpp, n_blocks; /* blocks per point; in all */
  /* The runs this file holds, [lo, hi) of point * R + rep (all of them
   * unless a shard), and the blocks that meet them, [seq_lo, seq_hi). */
  size_t lo, hi, seq_lo, seq_hi;
  size_t task, tasks; /* cy_h5w_info's */
  bool timeseries, event_log, replace;
  int64_t seed;
  hfile part, fin;
  cy_journal *journal;
  uint8_t *status;              /* [P*R] as in the partial file */
  uint8_t *enabled;             /* [P*A] alliances[a].enabled of point p */
  uint8_t *bstate;              /* [n_blocks] */
  size_t per[CY_H5_N_DATASETS]; /* values per replication */
  block *open;                  /* collecting runs */
  block *spare;                 /* retired, kept for reuse: no malloc churn */
  block *ready, **ready_tail;   /* complete, waiting for next_job() */
  block *out;   /* handed out by next_job(), not yet committed */
  block *stash; /* compressed, waiting for their turn to be committed */
  size_t next_seq;
  size_t n_dirty;
  bool failed; /* a write to the partial file failed */
  double last_checkpoint, busy;
  header hdr;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- errors ---- */

static int nomem(cy_error *err) {
  return cy_error_set(err, CY_ENOMEM, "out of memory");
}

/* ---- layout ---- */

static const cy_h5_dataset *dataset(int f) { return &cy__h5_datasets[f]; }

/* Bytes of one element of dataset f. */
static size_t elem_size(int f) { return cy_elem_size(dataset(f)->type); }

static bool field_present(const cy_h5w *w, int f) {
  return cy__h5_shape_present(dataset(f)->shape, &w->z);
}

/* The trailing dimensions (after point, replication) of dataset f. */
static int trailing(const cy_h5w *w, int f, hsize_t *dims) {
  return cy__h5_shape_dims(dataset(f)->shape, &w->z, dims, NULL);
}

static void sizes(cy_h5w *w) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    hsize_t d[3];
    int nd = trailing(w, f, d);
    size_t per = 1;
    for (int i = 0; i < nd; i++)
      per *= (size_t)d[i];
    w->per[f] = per;
  }
  /* One chunk shape along replications for every dataset, so a block of
   * C replications is one whole chunk of each. */
  size_t largest = 1;
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (field_present(w, f) && w->per[f] * elem_size(f) > largest)
      largest = w->per[f] * elem_size(f);
  size_t c = (size_t)CHUNK_TARGET / largest;
  if (c < 1)
    c = 1;
  if (c > MAX_BLOCK_REPS)
    c = MAX_BLOCK_REPS;
  if (c > w->z.R)
    c = w->z.R;
  w->C = c;
  w->bpp = (w->z.R + c - 1) / c;
  w->n_blocks = w->z.P * w->bpp;
}

/* The block that holds run i (point * R + rep). */
static size_t block_of(const cy_h5w *w, size_t i) {
  return i / w->z.R * w->bpp + i % w->z.R / w->C;
}

/* Whether run (point, rep) is one this file holds. */
static bool in_range(const cy_h5w *w, size_t point, size_t rep) {
  size_t i = point * w->z.R + rep;
  return i >= w->lo && i < w->hi;
}

/* Object creation properties without time stamps: HDF5 would otherwise
 * store the creation time in every object header, and two runs of one
 * study could not give the same bytes. */
static hid_t plist_untimed(hid_t cls) {
  hid_t p = H5Pcreate(cls);
  H5Pset_obj_track_times(p, 0);
  return p;
}

/* Groups track link creation order so readers list /sweep axes in the
 * scenario's order (and netCDF lists variables as made). */
static hid_t make_group(hid_t loc, const char *name) {
  hid_t p = plist_untimed(H5P_GROUP_CREATE);
  H5Pset_link_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, p, H5P_DEFAULT);
  H5Pclose(p);
  return g;
}

static hid_t make_dataset(hid_t loc, const char *name, hid_t type, hid_t space,
                          hid_t dcpl) {
  hid_t p = dcpl >= 0 ? dcpl : plist_untimed(H5P_DATASET_CREATE);
  hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, p, H5P_DEFAULT);
  if (dcpl < 0)
    H5Pclose(p);
  return d;
}

/* The last component of a path: a dimension's name. */
static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The CF attributes of dataset d from the list entry `key`
 * (CY_FILE_VARIABLES); units and long_name replace the entry's when not
 * NULL, and text (`text`) gets no units. */
static int describe(hfile *h, hid_t d, const char *key, const char *units,
                    const char *long_name, bool text, cy_error *err) {
  const cy_h5_var *v = cy__h5_var(key);
  assert(v);
  return cy__h5_describe(d, h->path,
                         text    ? NULL
                         : units ? units
                                 : v->units,
                         long_name ? long_name : v->long_name, v->description,
                         err);
}

/* A dimension scale: the 1-D dataset `path` ("time", "summary/time") of
 * `n` values, named after its last component. */
static int make_scale(hfile *h, const char *path, hid_t ftype, hid_t mtype,
                      size_t n, const void *values, cy_error *err) {
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = make_dataset(h->file, path, ftype, sp, -1);
  int rc = CY_OK;
  if (d < 0 ||
      (n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, xfer(h), values) < 0) ||
      H5DSset_scale(d, base_name(path)) < 0)
    rc = cy__h5_fail(err, h->path, "write dimension scale", path);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  return rc;
}

/* Text scales are variable-length strings: netCDF-C 4.9.0 (Debian 12's,
 * behind xarray's netcdf4 engine) crashes reading 1-D fixed-length string
 * datasets, while it reads variable-length ones as NC_STRING.  Scalar text
 * (attributes, /provenance/scenario_text) stays fixed-length. */
static hid_t vlen_str_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

static int make_id_scale(hfile *h, const char *path, size_t n, const char *ids,
                         size_t stride, cy_error *err) {
  const char **v = calloc(n ? n : 1, sizeof *v);
  if (!v)
    return nomem(err);
  for (size_t i = 0; i < n; i++)
    v[i] = ids + i * stride;
  hid_t t = vlen_str_type();
  int rc = make_scale(h, path, t, t, n, v, err);
  H5Tclose(t);
  free(v);
  return rc;
}

/* A scale of the indices 0 .. n - 1. */
static int make_index_scale(hfile *h, const char *path, size_t n,
                            cy_error *err) {
  int64_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx)
    return nomem(err);
  for (size_t i = 0; i < n; i++)
    idx[i] = (int64_t)i;
  int rc = make_scale(h, path, H5T_STD_I64LE, H5T_NATIVE_INT64, n, idx, err);
  free(idx);
  return rc;
}

/* Bin b covers [b * bin, min((b + 1) * bin, horizon)): the last bin ends
 * at the horizon, so it may be narrower. */
static double bin_edge(const cy_scenario *s, size_t b) {
  double e = (double)b * s->output.bin;
  return e < s->horizon ? e : s->horizon;
}

static int make_time(cy_h5w *w, hfile *h, const char *path,
                     const cy_scenario *s, cy_error *err) {
  double *tb = malloc((w->z.B ? w->z.B : 1) * sizeof *tb);
  if (!tb)
    return nomem(err);
  for (size_t b = 0; b < w->z.B; b++)
    tb[b] = (double)b * s->output.bin;
  int rc =
      make_scale(h, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, w->z.B, tb, err);
  free(tb);
  return rc;
}

static int attach(hfile *h, hid_t d, const char *const *names, int nd,
                  const char *what, cy_error *err);

/* time_bounds [time, nv] beside the time scale of the same group. */
static int make_time_bounds(cy_h5w *w, hfile *h, const char *prefix,
                            const char *path, const cy_scenario *s,
                            cy_error *err) {
  double *tb = malloc((w->z.B ? w->z.B : 1) * 2 * sizeof *tb);
  if (!tb)
    return nomem(err);
  for (size_t b = 0; b < w->z.B; b++) {
    tb[2 * b] = bin_edge(s, b);
    tb[2 * b + 1] = b + 1 == w->z.B ? s->horizon : bin_edge(s, b + 1);
  }
  hsize_t dims[2] = {w->z.B, 2};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = make_dataset(h->file, path, H5T_IEEE_F64LE, sp, -1);
  int rc = CY_OK;
  if (d < 0 ||
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, xfer(h), tb) < 0)
    rc = cy__h5_fail(err, h->path, "write", path);
  char tname[64], nvname[64];
  snprintf(tname, sizeof tname, "%stime", prefix);
  snprintf(nvname, sizeof nvname, "%snv", prefix);
  const char *names[2] = {tname, nvname};
  if (!rc)
    rc = attach(h, d, names, 2, path, err);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  free(tb);
  return rc;
}

/* The attributes of coordinate `name` at `path`: the list's, with time's
 * units "days since START" when there is a start date, its bin width and
 * its CF bounds. */
static int describe_coord(hfile *h, const char *path, const char *name,
                          const cy_scenario *s, cy_error *err) {
  hid_t d = H5Dopen2(h->file, path, H5P_DEFAULT);
  if (d < 0)
    return cy__h5_fail(err, h->path, "open", path);
  bool time = strcmp(name, "time") == 0;
  char units[48] = "";
  if ((time || strcmp(name, "time_bounds") == 0) && s->start[0])
    snprintf(units, sizeof units, "days since %s", s->start);
  const cy_h5_var *v = cy__h5_var(name);
  int rc = describe(h, d, name, units[0] ? units : NULL, NULL, !v->units, err);
  if (!rc && time)
    rc = cy__h5_attr_f64(d, h->path, "bin", s->output.bin, err);
  if (!rc && time)
    rc = cy__h5_attr_str(d, h->path, "bounds", "time_bounds", err);
  H5Dclose(d);
  return rc;
}

/* Coordinate `name` (cy__h5_root_coords, cy__h5_groups) in the group of
 * `prefix` ("" for the root, "summary/"); none for time without time
 * series or for alliance without alliances. */
static int make_coord(cy_h5w *w, hfile *h, const char *prefix, const char *name,
                      const cy_scenario *s, cy_error *err) {
  bool timed = strcmp(name, "time") == 0 || strcmp(name, "nv") == 0 ||
               strcmp(name, "time_bounds") == 0;
  if ((timed && !w->timeseries) || (strcmp(name, "alliance") == 0 && !w->z.A))
    return CY_OK;
  char path[64];
  snprintf(path, sizeof path, "%s%s", prefix, name);
  int rc;
  if (strcmp(name, "point") == 0)
    rc = make_index_scale(h, path, w->z.P, err);
  else if (strcmp(name, "replication") == 0)
    rc = make_index_scale(h, path, w->z.R, err);
  else if (strcmp(name, "nv") == 0)
    rc = make_index_scale(h, path, 2, err);
  else if (strcmp(name, "alliance") == 0)
    rc = make_id_scale(h, path, w->z.A, s->alliances[0].id,
                       sizeof s->alliances[0], err);
  else if (strcmp(name, "optype") == 0)
    rc = make_id_scale(h, path, w->z.K, s->optypes[0].name,
                       sizeof s->optypes[0], err);
  else if (strcmp(name, "time") == 0)
    rc = make_time(w, h, path, s, err);
  else if (strcmp(name, "time_bounds") == 0)
    rc = make_time_bounds(w, h, prefix, path, s, err);
  else /* attacker, target, state */
    rc = make_id_scale(h, path, w->z.N, s->states[0].id, sizeof s->states[0],
                       err);
  return rc ? rc : describe_coord(h, path, name, s, err);
}

static int make_coords(cy_h5w *w, hfile *h, const char *prefix,
                       const char *const *names, const cy_scenario *s,
                       cy_error *err) {
  int rc = CY_OK;
  for (int i = 0; !rc && names[i]; i++)
    rc = make_coord(w, h, prefix, names[i], s, err);
  return rc;
}

static int attach(hfile *h, hid_t d, const char *const *names, int nd,
                  const char *what, cy_error *err) {
  for (int i = 0; i < nd; i++) {
    hid_t s = H5Dopen2(h->file, names[i], H5P_DEFAULT);
    herr_t rc = s < 0 ? -1 : H5DSattach_scale(d, s, (unsigned)i);
    if (rc < 0) {
      int e = cy__h5_fail(err, h->path, "attach dimension scale to", what);
      if (s >= 0)
        H5Dclose(s);
      return e;
    }
    H5Dclose(s);
  }
  return CY_OK;
}

/* The final file: chunked, deflated, and shuffled where `shuffle` (the
 * filters cy__h5_deflate_chunk() applies; h5util.h says why floats are not
 * shuffled).  The partial file:
 * contiguous and allocated in full now, so that writing runs later never
 * changes its metadata (see h5io.h).  Only float datasets get a fill value
 * (NaN), so integer datasets carry no _FillValue that xarray would turn
 * into NaN.  The partial file never writes it (fill time never): its
 * unwritten bytes read as zeros (a hole in the file) and no run there is
 * marked done.  The final file writes whole chunks, so fill values are
 * never written there either, but a chunk a shard leaves out reads as
 * them (fill time "if set"; with "never" HDF5 reads such a chunk as
 * zeros). */
static hid_t dcpl_for(bool partial, int rank, const hsize_t *chunk,
                      bool shuffle) {
  hid_t p = plist_untimed(H5P_DATASET_CREATE);
  if (partial) {
    H5Pset_layout(p, H5D_CONTIGUOUS);
    H5Pset_alloc_time(p, H5D_ALLOC_TIME_EARLY);
  } else {
    H5Pset_chunk(p, rank, chunk);
    if (shuffle)
      H5Pset_shuffle(p);
    H5Pset_deflate(p, CY_H5_DEFLATE_LEVEL);
  }
  H5Pset_fill_time(p, partial ? H5D_FILL_TIME_NEVER : H5D_FILL_TIME_IFSET);
  return p;
}

/* The group of a dataset path ("summary/ops": "summary/") into buf. */
static void group_prefix(const char *path, char *buf, size_t n) {
  size_t len = (size_t)(base_name(path) - path);
  snprintf(buf, n, "%.*s", (int)len, path);
}

/* The sweep axes' names, space-separated: the CF `coordinates` of the
 * datasets along point ("" without a sweep); caller frees. */
static char *sweep_coordinates(const cy_study *st) {
  size_t n = cy_study_n_axes(st), len = 1;
  for (size_t a = 0; a < n; a++)
    len += strlen(cy_study_axis(st, a)->name) + 1;
  char *s = calloc(len, 1);
  for (size_t a = 0; s && a < n; a++) {
    if (a)
      strcat(s, " ");
    strcat(s, cy_study_axis(st, a)->name);
  }
  return s;
}

static int write_attr_u8_list(hid_t obj, const char *path, const char *name,
                              const uint8_t *v, size_t n, cy_error *err);

/* The attributes of a [point, ...] dataset: CF's long_name, units and
 * description, status's flags, float fields' NaN fill value and the
 * sweep values as its coordinates. */
static int describe_field(hfile *h, hid_t d, const char *path,
                          const char *coords, cy_error *err) {
  int rc = CY_OK;
  const cy_outcome_field *of = NULL;
  for (int i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (strcmp(cy_outcome_fields[i].dataset, path) == 0)
      of = &cy_outcome_fields[i];
  if (of)
    rc = cy__h5_describe(d, h->path, of->units, of->long_name, of->description,
                         err);
  else
    rc = describe(h, d, path, NULL, NULL, false, err);
  if (!rc && strcmp(path, cy__h5_datasets[CY_H5_STATUS].path) == 0) {
    const uint8_t flags[2] = {0, 1};
    rc = write_attr_u8_list(d, h->path, "flag_values", flags, 2, err);
    if (!rc)
      rc = cy__h5_attr_str(d, h->path, "flag_meanings", "missing done", err);
  }
  if (!rc && of && of->type == CY_ELEM_F64)
    rc = cy__h5_attr_f64(d, h->path, "_FillValue", NAN, err);
  if (!rc && coords[0])
    rc = cy__h5_attr_str(d, h->path, "coordinates", coords, err);
  return rc;
}

static int create_field(cy_h5w *w, hfile *h, bool partial, int f,
                        const char *coords, cy_error *err) {
  const cy_h5_dataset *ds = dataset(f);
  hsize_t dims[5] = {w->z.P, w->z.R}, chunk[5] = {1, w->C};
  const char *dnames[5] = {"point", "replication"};
  int nd = 2 + cy__h5_shape_dims(ds->shape, &w->z, dims + 2, dnames + 2);
  /* Attached to its group's copies of the scales (netCDF's dimensions of
   * that group). */
  char prefix[32], scale[5][64];
  const char *names[5];
  group_prefix(ds->path, prefix, sizeof prefix);
  for (int i = 0; i < nd; i++) {
    snprintf(scale[i], sizeof scale[i], "%s%s", prefix, dnames[i]);
    names[i] = scale[i];
  }
  for (int i = 2; i < nd; i++)
    chunk[i] = dims[i];
  hid_t sp = H5Screate_simple(nd, dims, NULL);
  hid_t p =
      dcpl_for(partial, nd, chunk, cy__h5_shuffles(ds->type == CY_ELEM_F64));
  if (ds->type == CY_ELEM_F64) {
    double nan = NAN; /* also HDF5's fill value, which netCDF reads */
    H5Pset_fill_value(p, H5T_NATIVE_DOUBLE, &nan);
  }
  hid_t d = make_dataset(h->file, ds->path, cy__h5_file_type(ds->type), sp, p);
  int rc =
      d < 0 ? cy__h5_fail(err, h->path, "create dataset", ds->path) : CY_OK;
  H5Pclose(p);
  H5Sclose(sp);
  if (rc)
    return rc;
  h->ds[f] = d;
  rc = attach(h, d, names, nd, ds->path, err);
  return rc ? rc : describe_field(h, d, ds->path, coords, err);
}

/* /summary/alliance_enabled [point, alliance]: written whole when the file
 * is made (data that never changes, like /sweep). */
static int write_enabled(cy_h5w *w, hfile *h, const char *coords,
                         cy_error *err) {
  static const char path[] = "summary/alliance_enabled";
  hsize_t dims[2] = {w->z.P, w->z.A};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = make_dataset(h->file, path, H5T_STD_U8LE, sp, -1);
  int rc = CY_OK;
  if (d < 0 || H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        w->enabled) < 0)
    rc = cy__h5_fail(err, h->path, "write", path);
  const char *names[2] = {"summary/point", "summary/alliance"};
  if (!rc)
    rc = attach(h, d, names, 2, path, err);
  if (!rc)
    rc = describe_field(h, d, path, coords, err);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  return rc;
}

static int write_attr_u8_list(hid_t obj, const char *path, const char *name,
                              const uint8_t *v, size_t n, cy_error *err) {
  hsize_t nk[1] = {n};
  hid_t asp = H5Screate_simple(1, nk, NULL);
  hid_t a = H5Acreate2(obj, name, H5T_STD_U8LE, asp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = CY_OK;
  if (a < 0 || H5Awrite(a, H5T_NATIVE_UINT8, v) < 0)
    rc = cy__h5_fail(err, path, "write attribute", name);
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(asp);
  return rc;
}

/* The /events column of the records' kind, which carries CF flag
 * attributes. */
static int kind_column(void) {
  for (int c = 0; c < CY_H5_N_EVENT_COLUMNS; c++) {
    int lf = cy__h5_event_columns[c].log_field;
    if (lf >= 0 && cy_log_fields[lf].offset == offsetof(cy_log_record, kind))
      return c;
  }
  return -1;
}

/* CF flag attributes name the kind codes. */
static int write_kind_flags(hfile *h, cy_error *err) {
  uint8_t vals[CY_LOG_KIND_COUNT];
  char meanings[CY_LOG_KIND_COUNT * CY_ID_MAX] = "";
  for (int k = 0; k < CY_LOG_KIND_COUNT; k++) {
    vals[k] = (uint8_t)k;
    if (k)
      strcat(meanings, " ");
    strcat(meanings, cy_log_kind_names[k]);
  }
  hid_t d = h->ev[kind_column()];
  int rc = write_attr_u8_list(d, h->path, "flag_values", vals,
                              CY_LOG_KIND_COUNT, err);
  if (rc == CY_OK)
    rc = cy__h5_attr_str(d, h->path, "flag_meanings", meanings, err);
  return rc;
}

/* /events in the final file: empty, extended once when the study is
 * complete (the rows wait in the journal until then). */
static int create_events(cy_h5w *w, hfile *h, const cy_scenario *s,
                         cy_error *err) {
  hid_t g = make_group(h->file, "events");
  if (g < 0)
    return cy__h5_fail(err, h->path, "create group", "/events");
  H5Gclose(g);
  const cy_h5_group *eg = &cy__h5_groups[CY_H5_G_EVENTS];
  int crc = make_coords(w, h, "events/", eg->coords, s, err);
  if (crc)
    return crc;
  hsize_t dims[1] = {0}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {EVENT_CHUNK};
  hid_t sp = H5Screate_simple(1, dims, maxd);
  /* HDF5 filters the event log itself: shuffled, as measured before the
   * summaries' choice (h5util.h), which was not measured on it. */
  hid_t p = dcpl_for(false, 1, chunk, true);
  int rc = CY_OK;
  h->ev_scale = make_dataset(h->file, "events/event", H5T_STD_U64LE, sp, p);
  if (h->ev_scale < 0 || H5DSset_scale(h->ev_scale, "event") < 0)
    rc = cy__h5_fail(err, h->path, "create", "/events/event");
  if (rc == CY_OK)
    rc = describe(h, h->ev_scale, "events/event", NULL, NULL, false, err);
  for (int c = 0; rc == CY_OK && c < CY_H5_N_EVENT_COLUMNS; c++) {
    char path[64];
    snprintf(path, sizeof path, "events/%s", cy__h5_event_columns[c].name);
    h->ev[c] = make_dataset(
        h->file, path, cy__h5_file_type(cy__h5_event_columns[c].type), sp, p);
    if (h->ev[c] < 0 || H5DSattach_scale(h->ev[c], h->ev_scale, 0) < 0)
      rc = cy__h5_fail(err, h->path, "create", path);
    else
      rc = describe(h, h->ev[c], path, NULL, NULL, false, err);
  }
  H5Pclose(p);
  H5Sclose(sp);
  return rc == CY_OK ? write_kind_flags(h, err) : rc;
}

static char *join_sets(const cy_h5w_info *info) {
  size_t len = 1;
  for (size_t i = 0; i < info->n_sets; i++)
    len += strlen(info->sets[i]) + 1;
  char *s = calloc(len, 1);
  if (!s)
    return NULL;
  for (size_t i = 0; i < info->n_sets; i++) {
    if (i)
      strcat(s, "\n");
    strcat(s, info->sets[i]);
  }
  return s;
}

/* Sweep axis a's values at `path` ("sweep/x", "summary/x") along the point
 * scale of the same group. */
static int write_axis(cy_h5w *w, hfile *h, const cy_study *st, size_t a,
                      const char *path, cy_error *err) {
  const cy_axis *ax = cy_study_axis(st, a);
  hsize_t dims[1] = {w->z.P};
  hid_t ft, mt;
  void *buf;
  switch (ax->type) {
  case CY_VALUE_STRING:
    ft = mt = vlen_str_type();
    buf = calloc(w->z.P, sizeof(char *));
    break;
  case CY_VALUE_DOUBLE:
    ft = H5T_IEEE_F64LE, mt = H5T_NATIVE_DOUBLE;
    buf = calloc(w->z.P, sizeof(double));
    break;
  case CY_VALUE_BOOL:
    ft = H5T_STD_U8LE, mt = H5T_NATIVE_UINT8;
    buf = calloc(w->z.P, 1);
    break;
  default:
    ft = H5T_STD_I64LE, mt = H5T_NATIVE_INT64;
    buf = calloc(w->z.P, sizeof(int64_t));
    break;
  }
  if (!buf) {
    if (ax->type == CY_VALUE_STRING)
      H5Tclose(ft);
    return nomem(err);
  }
  for (size_t p = 0; p < w->z.P; p++) {
    size_t v = cy_study_value_index(st, p, a);
    switch (ax->type) {
    case CY_VALUE_STRING:
      ((const char **)buf)[p] = ax->strings[v];
      break;
    case CY_VALUE_DOUBLE:
      ((double *)buf)[p] = ax->doubles[v];
      break;
    case CY_VALUE_BOOL:
      ((uint8_t *)buf)[p] = ax->ints[v] != 0;
      break;
    default:
      ((int64_t *)buf)[p] = ax->ints[v];
      break;
    }
  }
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = make_dataset(h->file, path, ft, sp, -1);
  int rc = CY_OK;
  if (d < 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, xfer(h), buf) < 0)
    rc = cy__h5_fail(err, h->path, "write", path);
  else {
    char prefix[32], point[48];
    group_prefix(path, prefix, sizeof prefix);
    /* /sweep has no scales of its own: it uses the root's point. */
    snprintf(point, sizeof point, "%spoint",
             strcmp(prefix, "sweep/") == 0 ? "" : prefix);
    const char *pt[1] = {point};
    rc = attach(h, d, pt, 1, path, err);
    if (rc == CY_OK)
      rc = describe(h, d, "sweep/", NULL, ax->path, ax->type == CY_VALUE_STRING,
                    err);
    if (rc == CY_OK)
      rc = cy__h5_attr_str(d, h->path, "path", ax->path, err);
    if (rc == CY_OK && ax->zip[0])
      rc = cy__h5_attr_str(d, h->path, "zip", ax->zip, err);
  }
  if (d >= 0)
    H5Dclose(d);
  if (ax->type == CY_VALUE_STRING)
    H5Tclose(ft);
  free(buf);
  H5Sclose(sp);
  return rc;
}

/* Every sweep axis under `prefix` ("sweep/", "summary/"). */
static int write_axes(cy_h5w *w, hfile *h, const cy_study *st,
                      const char *prefix, cy_error *err) {
  int rc = CY_OK;
  for (size_t a = 0; rc == CY_OK && a < cy_study_n_axes(st); a++) {
    char path[32 + CY_ID_MAX]; /* a prefix[32] and an id */
    snprintf(path, sizeof path, "%s%s", prefix, cy_study_axis(st, a)->name);
    rc = write_axis(w, h, st, a, path, err);
  }
  return rc;
}

static int write_sweep(cy_h5w *w, hfile *h, const cy_study *st, cy_error *err) {
  hid_t g = make_group(h->file, "sweep");
  if (g < 0)
    return cy__h5_fail(err, h->path, "create group", "/sweep");
  H5Gclose(g);
  return write_axes(w, h, st, "sweep/", err);
}

/* ---- /design (lhs and saltelli designs; sim/MODEL.md "Study designs") */

/* Dataset `path` of the design, written whole from buf and attached to
 * the scales `names` (rank nd), with its CF attributes. */
static int design_dataset(hfile *h, const char *path, hid_t ft, hid_t mt,
                          int nd, const hsize_t *dims, const void *buf,
                          const char *const *names, cy_error *err) {
  hid_t sp = H5Screate_simple(nd, dims, NULL);
  hid_t d = make_dataset(h->file, path, ft, sp, -1);
  int rc = CY_OK;
  if (d < 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, xfer(h), buf) < 0)
    rc = cy__h5_fail(err, h->path, "write", path);
  if (!rc)
    rc = attach(h, d, names, nd, path, err);
  if (!rc)
    rc = describe(h, d, path, NULL, NULL, false, err);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  return rc;
}

/* /design/factor: the factor names, a dimension scale `factor`.  Like
 * the other text scales, variable-length strings: netCDF-C 4.9.0 (xarray's
 * netcdf4 engine) corrupts its heap reading fixed-length ones. */
static int design_factors(hfile *h, const cy_design *d, cy_error *err) {
  int rc = make_id_scale(h, "design/factor", d->n_factors,
                         (const char *)d->factors, CY_ID_MAX, err);
  hid_t ds = rc ? -1 : H5Dopen2(h->file, "design/factor", H5P_DEFAULT);
  if (!rc && ds < 0)
    rc = cy__h5_fail(err, h->path, "open", "design/factor");
  if (!rc)
    rc = describe(h, ds, "design/factor", NULL, NULL, true, err);
  if (ds >= 0)
    H5Dclose(ds);
  return rc;
}

/* The CF flags of /design/matrix: 0 A, 1 B, 2 + i AB_(i+1). */
static int design_flags(hfile *h, const cy_design *d, cy_error *err) {
  size_t n = d->method == CY_DESIGN_SALTELLI ? d->n_factors + 2 : 1;
  uint8_t *vals = calloc(n, 1);
  char *meanings = calloc(n, 16);
  int rc = vals && meanings ? CY_OK : nomem(err);
  for (size_t m = 0; !rc && m < n; m++) {
    vals[m] = (uint8_t)m;
    size_t at = strlen(meanings);
    if (m < CY_DESIGN_AB)
      snprintf(meanings + at, n * 16 - at, "%s%s", m ? " " : "",
               m == CY_DESIGN_A ? "A" : "B");
    else
      snprintf(meanings + at, n * 16 - at, " AB_%zu", m - CY_DESIGN_AB + 1);
  }
  hid_t ds = rc ? -1 : H5Dopen2(h->file, "design/matrix", H5P_DEFAULT);
  if (!rc && ds < 0)
    rc = cy__h5_fail(err, h->path, "open", "design/matrix");
  if (!rc)
    rc = write_attr_u8_list(ds, h->path, "flag_values", vals, n, err);
  if (!rc)
    rc = cy__h5_attr_str(ds, h->path, "flag_meanings", meanings, err);
  if (ds >= 0)
    H5Dclose(ds);
  free(vals);
  free(meanings);
  return rc;
}

static int write_design(cy_h5w *w, hfile *h, const cy_study *st,
                        cy_error *err) {
  const cy_design *d = cy_study_design(st);
  if (d->method == CY_DESIGN_GRID)
    return CY_OK;
  hid_t g = make_group(h->file, "design");
  if (g < 0)
    return cy__h5_fail(err, h->path, "create group", "/design");
  int rc = cy__h5_attr_str(g, h->path, "method",
                           cy_design_method_names[d->method], err);
  if (!rc)
    rc = cy__h5_attr_i64(g, h->path, "samples", (int64_t)d->samples, err);
  if (!rc)
    rc = cy__h5_attr_i64(g, h->path, "factors", (int64_t)d->n_factors, err);
  if (!rc)
    rc = cy__h5_attr_i64(g, h->path, "seed", d->seed, err);
  H5Gclose(g);
  if (!rc)
    rc = design_factors(h, d, err);
  hsize_t dims[2] = {w->z.P, d->n_factors};
  const char *names[2] = {"point", "design/factor"};
  if (!rc)
    rc = design_dataset(h, "design/matrix", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1,
                        dims, d->matrix, names, err);
  if (!rc)
    rc = design_flags(h, d, err);
  if (!rc)
    rc = design_dataset(h, "design/row", H5T_STD_U32LE, H5T_NATIVE_UINT32, 1,
                        dims, d->row, names, err);
  if (!rc)
    rc = design_dataset(h, "design/unit", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2,
                        dims, d->unit, names, err);
  return rc;
}

static int write_root_attrs(cy_h5w *w, hfile *h, const cy_h5w_info *info,
                            cy_error *err) {
  const cy_scenario *s = info->scenario;
  hid_t f = h->file;
  int rc = cy__h5_attr_str(f, h->path, "format", "cysim", err);
  if (!rc)
    rc = cy__h5_attr_i32(f, h->path, "format_version", CY_H5_FORMAT_VERSION,
                         err);
  if (!rc)
    rc = cy__h5_attr_str(f, h->path, "software_version", CYSIM_VERSION, err);
  if (!rc)
    rc = cy__h5_attr_str(f, h->path, "created", w->hdr.created, err);
  if (!rc)
    rc = cy__h5_attr_str(f, h->path, "command_line", w->hdr.command_line, err);
  if (!rc)
    rc = cy__h5_attr_str(f, h->path, "scenario_name", s->name, err);
  if (!rc)
    rc = cy__h5_attr_i64(f, h->path, "seed", info->seed, err);
  if (!rc)
    rc = cy__h5_attr_f64(f, h->path, "horizon", s->horizon, err);
  if (!rc)
    rc = cy__h5_attr_i32(f, h->path, "complete", 0, err);
  if (!rc && s->start[0])
    rc = cy__h5_attr_str(f, h->path, "start", s->start, err);
  if (!rc && w->tasks)
    rc = cy__h5_attr_i64(f, h->path, "task", (int64_t)w->task, err);
  if (!rc && w->tasks)
    rc = cy__h5_attr_i64(f, h->path, "tasks", (int64_t)w->tasks, err);
  return rc;
}

static int write_provenance(cy_h5w *w, hfile *h, const cy_h5w_info *info,
                            cy_error *err) {
  hid_t g = make_group(h->file, "provenance");
  if (g < 0)
    return cy__h5_fail(err, h->path, "create group", "/provenance");
  const char *text = cy_study_text(info->study);
  size_t tl = strlen(text);
  hid_t tt = cy__h5_str_type(tl ? tl : 1);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t d = make_dataset(g, "scenario_text", tt, sp, -1);
  char *tbuf = calloc(tl + 1, 1);
  int rc = CY_OK;
  if (!tbuf)
    rc = nomem(err);
  else if (d < 0 || (memcpy(tbuf, text, tl),
                     H5Dwrite(d, tt, H5S_ALL, H5S_ALL, xfer(h), tbuf)) < 0)
    rc = cy__h5_fail(err, h->path, "write", "/provenance/scenario_text");
  free(tbuf);
  if (!rc)
    rc = cy__h5_attr_str(d, h->path, "path", cy_study_path(info->study), err);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(tt);
  char *sets = join_sets(info);
  if (!rc && !sets)
    rc = nomem(err);
  if (!rc)
    rc = cy__h5_attr_str(g, h->path, "overrides", sets, err);
  free(sets);
  if (!rc)
    rc = cy__h5_attr_i32(g, h->path, "event_log", w->event_log, err);
  if (!rc)
    rc = cy__h5_attr_i64(g, h->path, "replications", (int64_t)w->z.R, err);
  H5Gclose(g);
  return rc;
}

static void hfile_init(hfile *h, const char *path) {
  h->path = path;
  h->file = -1;
  h->ev_scale = -1;
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    h->ds[f] = -1;
  for (int c = 0; c < CY_H5_N_EVENT_COLUMNS; c++)
    h->ev[c] = -1;
  h->xfer_plist = -1;
}

/* Closes every object, then the file; CY_OK or the close's error. */
static int hfile_close(hfile *h, cy_error *err) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (h->ds[f] >= 0)
      H5Dclose(h->ds[f]), h->ds[f] = -1;
  for (int c = 0; c < CY_H5_N_EVENT_COLUMNS; c++)
    if (h->ev[c] >= 0)
      H5Dclose(h->ev[c]), h->ev[c] = -1;
  if (h->ev_scale >= 0)
    H5Dclose(h->ev_scale), h->ev_scale = -1;
  if (h->xfer_plist >= 0)
    H5Pclose(h->xfer_plist), h->xfer_plist = -1;
  int rc = CY_OK;
  if (h->file >= 0 && H5Fclose(h->file) < 0)
    rc = cy__h5_fail(err, h->path, "close", "/");
  h->file = -1;
  return rc;
}

/* Closes a file we give up on after a write error, without letting HDF5
 * write to it again.  H5Fclose() flushes dirty metadata and chunks; on a
 * full disk that fails, HDF5 then keeps the file open, and Debian's HDF5
 * 1.10.8 crashes at exit (H5F__close_cb from its atexit handler) trying
 * to close it again.  So HDF5's descriptor is first pointed at an
 * anonymous memory file: the close succeeds and writes nothing to disk.
 * The final file is removed afterwards anyway; the partial file's
 * metadata never changes, and what the failed checkpoint left unwritten
 * was never vouched for by its status bytes. */
static void hfile_abandon(hfile *h) {
  if (h->file < 0)
    return;
  hid_t fapl = H5Fget_access_plist(h->file);
  void *handle = NULL;
  if (fapl >= 0 && H5Fget_vfd_handle(h->file, fapl, &handle) >= 0 && handle) {
    int sink = memfd_create("cysim-abandoned", MFD_CLOEXEC);
    if (sink < 0)
      sink = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (sink >= 0) {
      dup2(sink, *(int *)handle);
      close(sink);
    }
  }
  if (fapl >= 0)
    H5Pclose(fapl);
  hfile_close(h, NULL);
}

/* /summary or /timeseries with its coordinates (copies of the root's, and
 * the sweep values along point). */
static int make_data_group(cy_h5w *w, hfile *h, const cy_h5_group *g,
                           const cy_h5w_info *info, cy_error *err) {
  hid_t id = make_group(h->file, g->name);
  if (id < 0)
    return cy__h5_fail(err, h->path, "create group", g->name);
  H5Gclose(id);
  char prefix[32];
  snprintf(prefix, sizeof prefix, "%s/", g->name);
  int rc = make_coords(w, h, prefix, g->coords, info->scenario, err);
  if (!rc && g->sweep)
    rc = write_axes(w, h, info->study, prefix, err);
  return rc;
}

/* Makes a new file at h->path (which must not exist: O_EXCL, so no
 * symbolic link is followed) with every attribute, scale and dataset. */
static int create_file(cy_h5w *w, hfile *h, bool partial,
                       const cy_h5w_info *info, cy_error *err) {
  /* Creation order tracking lets netCDF list objects as they were made. */
  hid_t fcpl = plist_untimed(H5P_FILE_CREATE); /* the root group's */
  H5Pset_link_creation_order(fcpl,
                             H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl,
                             H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  h->file = H5Fcreate(h->path, H5F_ACC_EXCL, fcpl, H5P_DEFAULT);
  int rc = h->file < 0 ? cy__h5_fail(err, h->path, "create", "/") : CY_OK;
  H5Pclose(fcpl);
  if (!rc)
    rc = write_root_attrs(w, h, info, err);
  if (!rc)
    rc = make_coords(w, h, "", cy__h5_root_coords, info->scenario, err);
  if (!rc)
    rc = write_provenance(w, h, info, err);
  if (!rc)
    rc = write_sweep(w, h, info->study, err);
  if (!rc)
    rc = write_design(w, h, info->study, err);
  for (int i = 0; !rc && i < (w->timeseries ? 2 : 1); i++)
    rc = make_data_group(w, h, &cy__h5_groups[i], info, err);
  char *coords = rc ? NULL : sweep_coordinates(info->study);
  if (!rc && !coords)
    rc = nomem(err);
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++)
    if (field_present(w, f))
      rc = create_field(w, h, partial, f, coords, err);
  if (!rc && w->z.A)
    rc = write_enabled(w, h, coords, err);
  free(coords);
  if (!rc && partial) {
    /* Explicit zeros: no run is done, whatever the disk held. */
    uint8_t *z = calloc(w->z.P * w->z.R, 1);
    if (!z)
      rc = nomem(err);
    else if (H5Dwrite(h->ds[CY_H5_STATUS], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL,
                      H5P_DEFAULT, z) < 0)
      rc = cy__h5_fail(err, h->path, "write", "/summary/status");
    free(z);
  }
  if (!rc && !partial && w->event_log)
    rc = create_events(w, h, info->scenario, err);
  if (!rc && H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0)
    rc = cy__h5_fail(err, h->path, "flush", "/");
  return rc;
}

/* ---- identity (resume) ---- */

/* Re-words an error from reading a file we resume as an input error
 * (exit 2): the message is copied first, since it is formatted into the
 * same buffer. */
static int resume_error(cy_error *err, int rc) {
  if (!err)
    return CY_EINPUT;
  if (rc == CY_ENOMEM || err->code == CY_EINPUT)
    return rc;
  char msg[CY_ERROR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", err->msg);
  return cy_error_set(err, CY_EINPUT, "cannot resume: %s", msg);
}

static int expect_i64(hid_t obj, const char *path, const char *name,
                      int64_t want, const char *what, cy_error *err) {
  int64_t v;
  int rc = cy__h5_get_attr_i64(obj, path, name, &v, err);
  if (rc)
    return resume_error(err, rc);
  if (v != want)
    return cy_error_set(
        err, CY_EINPUT,
        "%s: cannot resume: the file has %s %lld, this run %lld", path, what,
        (long long)v, (long long)want);
  return CY_OK;
}

/* The sizes this run's study gives. */
static cy_h5_sizes sizes_of(const cy_h5w_info *info) {
  const cy_scenario *s = info->scenario;
  return (cy_h5_sizes){
      .P = cy_study_n_points(info->study),
      .R = info->replications,
      .N = s->n_states,
      .K = s->n_optypes,
      .A = s->n_alliances,
      .B = info->timeseries ? cy_scenario_bins(s) : 0,
  };
}

/* The root attributes that must match: format, version and seed. */
static int check_root(hid_t file, const char *path, const cy_h5w_info *info,
                      cy_error *err) {
  char *fmt = NULL;
  int rc = cy__h5_get_attr_str(file, path, "format", &fmt, err);
  if (rc || strcmp(fmt, "cysim") != 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: not a cysim output file", path);
  free(fmt);
  int64_t v = 0;
  if (!rc && (rc = cy__h5_get_attr_i64(file, path, "format_version", &v, err)))
    rc = resume_error(err, rc);
  if (!rc && v != CY_H5_FORMAT_VERSION)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: the file is format version %lld, "
                      "this cysim continues only format version %d files "
                      "(finish it with the cysim that began it, or start "
                      "over with --force)",
                      path, (long long)v, CY_H5_FORMAT_VERSION);
  if (!rc)
    rc = expect_i64(file, path, "seed", info->seed, "seed", err);
  return rc;
}

/* Every dimension scale has the length this study gives it. */
static int check_scales(hid_t file, const char *path, const cy_h5w_info *info,
                        cy_error *err) {
  cy_h5_sizes z = sizes_of(info);
  struct {
    const char *name;
    size_t want;
  } dims[] = {{"point", z.P},    {"replication", z.R}, {"attacker", z.N},
              {"target", z.N},   {"state", z.N},       {"optype", z.K},
              {"alliance", z.A}, {"time", z.B}};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
    size_t n;
    if (cy__h5_dim0(file, dims[i].name, &n) != CY_OK)
      return cy_error_set(err, CY_EINPUT,
                          "%s: cannot resume: the scale '%s' is unreadable",
                          path, dims[i].name);
    if (n != dims[i].want)
      return cy_error_set(
          err, CY_EINPUT,
          "%s: cannot resume: the file has %zu %s values, this run %zu%s", path,
          n, dims[i].name, dims[i].want,
          strcmp(dims[i].name, "replication") == 0
              ? " (another replication count)"
              : "");
  }
  return CY_OK;
}

/* /provenance: the same --set overrides and event-log setting. */
static int check_provenance(hid_t file, const char *path,
                            const cy_h5w_info *info, cy_error *err) {
  hid_t g = H5Gopen2(file, "provenance", H5P_DEFAULT);
  if (g < 0)
    return cy_error_set(err, CY_EINPUT,
                        "%s: cannot resume: /provenance is missing", path);
  char *sets = join_sets(info), *fsets = NULL;
  int rc = sets ? cy__h5_get_attr_str(g, path, "overrides", &fsets, err)
                : nomem(err);
  if (rc == CY_EHDF5)
    rc = resume_error(err, rc);
  if (!rc && strcmp(sets, fsets) != 0)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: it was made with other --set "
                      "overrides (file: '%s', this run: '%s')",
                      path, fsets, sets);
  free(sets);
  free(fsets);
  if (!rc)
    rc = expect_i64(g, path, "event_log", info->event_log, "event_log", err);
  H5Gclose(g);
  return rc;
}

/* The scenario text, compared byte for byte. */
static int check_scenario_text(hid_t file, const char *path,
                               const cy_h5w_info *info, cy_error *err) {
  hid_t d = H5Dopen2(file, "provenance/scenario_text", H5P_DEFAULT);
  if (d < 0)
    return cy_error_set(err, CY_EINPUT,
                        "%s: cannot resume: /provenance/scenario_text is "
                        "missing",
                        path);
  hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
  size_t len = ft >= 0 && H5Tget_class(ft) == H5T_STRING &&
                       !H5Tis_variable_str(ft) &&
                       H5Sget_simple_extent_npoints(sp) == 1
                   ? H5Tget_size(ft)
                   : 0;
  char *buf = len ? calloc(len + 1, 1) : NULL;
  hid_t mt = cy__h5_str_type(len ? len : 1);
  int rc = CY_OK;
  if (!len)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: /provenance/scenario_text is not "
                      "one fixed-length string",
                      path);
  else if (!buf)
    rc = nomem(err);
  else if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    rc = cy__h5_fail(err, path, "read", "/provenance/scenario_text");
  else if (strcmp(buf, cy_study_text(info->study)) != 0)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: it holds the results of another "
                      "scenario text than %s",
                      path, cy_study_path(info->study));
  free(buf);
  H5Tclose(mt);
  if (ft >= 0)
    H5Tclose(ft);
  if (sp >= 0)
    H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

/* "task 2 of 8" or "the whole study". */
static void task_words(char *buf, size_t n, int64_t task, int64_t tasks) {
  if (tasks)
    snprintf(buf, n, "task %lld of %lld", (long long)task, (long long)tasks);
  else
    snprintf(buf, n, "the whole study");
}

/* The same task of a shard, or no task at all. */
static int check_task(hid_t file, const char *path, const cy_h5w_info *info,
                      cy_error *err) {
  int64_t task = 0, tasks = 0;
  int rc = CY_OK;
  if (H5Aexists(file, "tasks") > 0 &&
      ((rc = cy__h5_get_attr_i64(file, path, "tasks", &tasks, err)) ||
       (rc = cy__h5_get_attr_i64(file, path, "task", &task, err))))
    return resume_error(err, rc);
  if (task == (int64_t)info->task && tasks == (int64_t)info->tasks)
    return CY_OK;
  char have[64], want[64];
  task_words(have, sizeof have, task, tasks);
  task_words(want, sizeof want, (int64_t)info->task, (int64_t)info->tasks);
  return cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: it holds %s, this run is %s", path,
                      have, want);
}

static int check_identity(hid_t file, const char *path, const cy_h5w_info *info,
                          cy_error *err) {
  int rc = check_root(file, path, info, err);
  if (!rc)
    rc = check_task(file, path, info, err);
  if (!rc)
    rc = check_scales(file, path, info, err);
  if (!rc)
    rc = check_provenance(file, path, info, err);
  if (!rc)
    rc = check_scenario_text(file, path, info, err);
  return rc;
}

/* Whether every run of a shard's task is marked done in file f. */
static int task_done(hid_t f, const char *path, const cy_h5w_info *info,
                     bool *done, cy_error *err) {
  cy_h5_sizes z = sizes_of(info);
  size_t lo, hi;
  cy_study_task_runs(z.P * z.R, info->task, info->tasks, &lo, &hi);
  uint8_t *st = malloc(z.P * z.R);
  hid_t d = H5Dopen2(f, "summary/status", H5P_DEFAULT);
  int rc = CY_OK;
  hid_t sp = d < 0 ? -1 : H5Dget_space(d);
  /* The buffer holds P * R values: a dataset of another size is refused
   * before it is read. */
  if (!st)
    rc = nomem(err);
  else if (sp < 0 || H5Sget_simple_extent_npoints(sp) != (hssize_t)(z.P * z.R))
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: /summary/status is missing or not [point, "
                      "replication]",
                      path);
  else if (H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, st) < 0)
    rc = cy__h5_fail(err, path, "read", "/summary/status");
  if (sp >= 0)
    H5Sclose(sp);
  *done = !rc;
  for (size_t i = lo; !rc && i < hi; i++)
    *done = *done && st[i] == 1;
  if (d >= 0)
    H5Dclose(d);
  free(st);
  return rc;
}

int cy__h5w_check_identity(const char *path, const cy_h5w_info *info,
                           bool *complete, cy_error *err) {
  *complete = false;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0)
    return cy_error_set(err, CY_EINPUT,
                        "%s: cannot open it as an HDF5 file (damaged, or not "
                        "a cysim output)",
                        path);
  int rc = check_identity(f, path, info, err);
  int64_t c = 0;
  if (!rc && cy__h5_get_attr_i64(f, path, "complete", &c, err) != CY_OK)
    rc = cy_error_set(err, CY_EINPUT, "%s: the attribute 'complete' is missing",
                      path);
  *complete = !rc && c == 1;
  if (!rc && info->tasks)
    rc = task_done(f, path, info, complete, err);
  H5Fclose(f);
  return rc;
}

/* ---- opening ---- */

static void writer_free(cy_h5w *w);

static cy_h5w *writer_new(const cy_h5w_info *info) {
  cy_h5w *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->files = info->files;
  w->z = sizes_of(info);
  w->timeseries = info->timeseries;
  w->event_log = info->event_log;
  w->replace = info->replace;
  w->seed = info->seed;
  hfile_init(&w->part, info->files->partial);
  hfile_init(&w->fin, info->files->tmp);
  sizes(w);
  size_t runs = w->z.P * w->z.R;
  w->task = info->task;
  w->tasks = info->tasks;
  w->lo = 0, w->hi = runs;
  if (w->tasks)
    cy_study_task_runs(runs, w->task, w->tasks, &w->lo, &w->hi);
  w->seq_lo = block_of(w, w->lo);
  w->seq_hi = block_of(w, w->hi - 1) + 1;
  w->next_seq = w->seq_lo;
  w->ready_tail = &w->ready;
  w->status = calloc(w->z.P * w->z.R + 1, 1);
  w->bstate = calloc(w->n_blocks + 1, 1);
  if (!w->status || !w->bstate) {
    writer_free(w);
    return NULL;
  }
  return w;
}

/* `created` for a new study: now, or SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), so that two runs can be compared byte
 * for byte. */
static void created_now(char *buf, size_t n) {
  time_t t = time(NULL);
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  if (sde && *sde) {
    char *end;
    long long v = strtoll(sde, &end, 10);
    if (!*end && v >= 0)
      t = (time_t)v;
  }
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A new partial file: made under another name and linked to its own only
 * once its metadata is on disk, so that OUT.h5.partial is at every
 * instant a file HDF5 opens. */
static int make_partial(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  const cy_outfiles *fs = w->files;
  int rc = cy__remove(fs->partial_new, err);
  if (rc)
    return rc;
  w->part.path = fs->partial_new;
  rc = create_file(w, &w->part, true, info, err);
  if (!rc)
    rc = cy__fsync_file(fs->partial_new, err);
  if (!rc)
    rc = cy__move(fs->partial_new, fs->partial, false, err);
  if (!rc)
    rc = cy__fsync_dir_of(fs->partial, err);
  w->part.path = fs->partial;
  if (!rc && w->event_log && !(rc = cy__remove(fs->journal, err)))
    rc = cy__journal_open(&w->journal, fs->journal, true, err);
  return rc;
}

/* Checks that a partial file's dataset is what this writer would have
 * made: its shape and type, and contiguous storage allocated in full
 * (writing a run then touches no metadata). */
static int check_partial_field(cy_h5w *w, int f, cy_error *err) {
  const char *path = w->part.path, *name = dataset(f)->path;
  hid_t d = w->part.ds[f];
  hsize_t want[5] = {w->z.P, w->z.R}, have[8];
  int nd = 2 + trailing(w, f, want + 2);
  hid_t sp = H5Dget_space(d), ft = H5Dget_type(d), pl = H5Dget_create_plist(d);
  bool ok =
      sp >= 0 && ft >= 0 && pl >= 0 && H5Sget_simple_extent_ndims(sp) == nd &&
      H5Sget_simple_extent_dims(sp, have, NULL) == nd &&
      H5Tequal(ft, cy__h5_file_type(dataset(f)->type)) > 0 &&
      H5Pget_layout(pl) == H5D_CONTIGUOUS && H5Dget_offset(d) != HADDR_UNDEF;
  for (int i = 0; ok && i < nd; i++)
    ok = have[i] == want[i];
  if (sp >= 0)
    H5Sclose(sp);
  if (ft >= 0)
    H5Tclose(ft);
  if (pl >= 0)
    H5Pclose(pl);
  return ok ? CY_OK
            : cy_error_set(err, CY_EINPUT,
                           "%s: cannot resume: /%s is not the dataset this "
                           "version of cysim writes (shape, type or layout)",
                           path, name);
}

static int read_header(cy_h5w *w, cy_error *err) {
  char *created = NULL;
  int rc =
      cy__h5_get_attr_str(w->part.file, w->part.path, "created", &created, err);
  if (!rc)
    rc = cy__h5_get_attr_str(w->part.file, w->part.path, "command_line",
                             &w->hdr.command_line, err);
  if (!rc)
    snprintf(w->hdr.created, sizeof w->hdr.created, "%s", created);
  free(created);
  return rc ? resume_error(err, rc) : CY_OK;
}

static int check_partial(cy_h5w *w, const cy_h5w_info *info, cy_error *err);

/* Everything is checked on a read-only open first: a damaged or foreign
 * file is refused before HDF5 may write a byte to it. */
static int reopen_partial(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  /* The reader's checks first (every scale, attribute and dataset against
   * the file's own sizes), then this writer's (same study, same layout). */
  int rc = cy__h5r_check(w->part.path, err);
  if (rc)
    return resume_error(err, rc);
  for (int pass = 0; !rc && pass < 2; pass++) {
    hfile_close(&w->part, NULL);
    w->part.file = H5Fopen(w->part.path, pass ? H5F_ACC_RDWR : H5F_ACC_RDONLY,
                           H5P_DEFAULT);
    if (w->part.file < 0)
      return cy_error_set(err, CY_EINPUT,
                          "%s: cannot open it as an HDF5 file to resume "
                          "(damaged?); remove it or use --force to start over",
                          w->part.path);
    rc = check_partial(w, info, err);
    if (!rc && pass == 0)
      rc = read_header(w, err);
    if (!rc && pass == 0 && w->event_log)
      rc = cy__journal_open(&w->journal, w->files->journal, false, err);
  }
  return rc;
}

static int check_partial(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  int rc = check_identity(w->part.file, w->part.path, info, err);
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++) {
    if (!field_present(w, f))
      continue;
    w->part.ds[f] = H5Dopen2(w->part.file, dataset(f)->path, H5P_DEFAULT);
    rc = w->part.ds[f] < 0
             ? cy_error_set(err, CY_EINPUT, "%s: cannot resume: /%s is missing",
                            w->part.path, dataset(f)->path)
             : check_partial_field(w, f, err);
  }
  if (!rc && H5Dread(w->part.ds[CY_H5_STATUS], H5T_NATIVE_UINT8, H5S_ALL,
                     H5S_ALL, H5P_DEFAULT, w->status) < 0)
    rc = cy__h5_fail(err, w->part.path, "read", "/summary/status");
  for (size_t i = 0; !rc && i < w->z.P * w->z.R; i++)
    if (w->status[i] > 1)
      rc = cy_error_set(err, CY_EINPUT,
                        "%s: cannot resume: /summary/status holds %u at "
                        "point %zu, replication %zu (only 0 and 1 are valid)",
                        w->part.path, w->status[i], i / w->z.R, i % w->z.R);
  return rc;
}

/* Whether a sweep axis sets some `enabled`: then points differ in it and
 * each is resolved; otherwise every point has info->scenario's values. */
static bool sweeps_enabled(const cy_study *st) {
  for (size_t a = 0; a < cy_study_n_axes(st); a++) {
    const char *last = strrchr(cy_study_axis(st, a)->path, '.');
    if (last && strcmp(last, ".enabled") == 0)
      return true;
  }
  return false;
}

/* w->enabled: each point's alliances[a].enabled. */
static int gather_enabled(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  size_t P = w->z.P, A = w->z.A;
  w->enabled = calloc(P * A + 1, 1);
  if (!w->enabled)
    return nomem(err);
  bool each = sweeps_enabled(info->study);
  int rc = CY_OK;
  for (size_t p = 0; !rc && p < P; p++) {
    if (!each) {
      for (size_t a = 0; a < A; a++)
        w->enabled[p * A + a] = info->scenario->alliances[a].enabled;
      continue;
    }
    cy_scenario sp;
    rc = cy_study_point(info->study, p, &sp, err);
    for (size_t a = 0; !rc && a < A; a++)
      w->enabled[p * A + a] = sp.alliances[a].enabled;
    cy_scenario_fini(&sp);
  }
  return rc;
}

int cy__h5w_open(cy_h5w **out, const cy_h5w_info *info, uint8_t *status,
                 cy_error *err) {
  *out = NULL;
  double t0 = now();
  cy_h5w *w = writer_new(info);
  if (!w)
    return nomem(err);
  int rc = gather_enabled(w, info, err);
  if (rc) {
    writer_free(w);
    return rc;
  }
  if (info->resume) {
    rc = reopen_partial(w, info, err);
  } else {
    created_now(w->hdr.created, sizeof w->hdr.created);
    w->hdr.command_line = strdup(info->command_line ? info->command_line : "");
    rc = w->hdr.command_line ? make_partial(w, info, err) : nomem(err);
  }
  /* OUT.h5.tmp left by a crash is stale: this run rebuilds it. */
  if (!rc)
    rc = cy__remove(w->files->tmp, err);
  if (!rc)
    rc = create_file(w, &w->fin, false, info, err);
  if (rc) {
    /* Nothing half-made stays behind (the caller holds the lock); a new
     * partial file that did get its name stays (it holds no run). */
    bool made_fin = w->fin.file >= 0;
    if (info->resume)
      hfile_close(&w->part, NULL);
    else
      hfile_abandon(&w->part);
    hfile_abandon(&w->fin);
    if (made_fin)
      cy__remove(w->files->tmp, NULL);
    if (!info->resume)
      cy__remove(w->files->partial_new, NULL);
    writer_free(w);
    return rc;
  }
  memcpy(status, w->status, w->z.P * w->z.R);
  w->last_checkpoint = now();
  w->busy += now() - t0;
  *out = w;
  return CY_OK;
}

size_t cy__h5w_block_reps(const cy_h5w *w) { return w->C; }

/* ---- blocks ---- */

static void block_free(block *b) {
  if (!b)
    return;
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    free(b->buf[f]);
    free(b->z[f]);
  }
  cy__h5_zip_free(b->zip);
  if (b->logs)
    for (size_t i = 0; i < b->n; i++)
      free(b->logs[i]);
  free(b->logs);
  free(b->log_len);
  free(b->got);
  free(b->dirty);
  free(b);
}

static void free_list(block *b) {
  while (b) {
    block *n = b->next;
    block_free(b);
    b = n;
  }
}

static void writer_free(cy_h5w *w) {
  hfile_close(&w->part, NULL);
  hfile_close(&w->fin, NULL);
  cy__journal_close(w->journal);
  free_list(w->open);
  free_list(w->spare);
  free_list(w->ready);
  free_list(w->out);
  free_list(w->stash);
  free(w->status);
  free(w->enabled);
  free(w->bstate);
  free(w->hdr.command_line);
  free(w);
}

/* A block with buffers for C replications (so any can be reused) set up
 * for block number seq. */
static block *block_new(cy_h5w *w, size_t seq, cy_error *err) {
  block *b = w->spare;
  if (b) {
    w->spare = b->next;
  } else {
    b = calloc(1, sizeof *b);
    bool ok = b && (b->got = calloc(w->C, 1)) && (b->dirty = calloc(w->C, 1)) &&
              (b->zip = cy__h5_zip_alloc());
    for (int f = 0; ok && f < CY_H5_N_DATASETS; f++) {
      if (!field_present(w, f))
        continue;
      b->buf[f] = malloc(w->C * w->per[f] * elem_size(f) + 1);
      ok = b->buf[f] != NULL;
    }
    if (ok && w->event_log) {
      b->n = w->C; /* so block_free() walks every log slot */
      b->logs = calloc(w->C, sizeof *b->logs);
      b->log_len = calloc(w->C, sizeof *b->log_len);
      ok = b->logs && b->log_len;
    }
    if (!ok) {
      block_free(b);
      nomem(err);
      return NULL;
    }
  }
  b->seq = seq;
  b->point = seq / w->bpp;
  b->rep0 = seq % w->bpp * w->C;
  b->n = b->rep0 + w->C <= w->z.R ? w->C : w->z.R - b->rep0;
  b->compressed = false;
  memset(b->got, 0, w->C);
  memset(b->dirty, 0, w->C);
  b->remaining = 0;
  for (size_t i = 0; i < b->n; i++)
    b->remaining += w->status[b->point * w->z.R + b->rep0 + i] == 0 &&
                    in_range(w, b->point, b->rep0 + i);
  b->next = NULL;
  return b;
}

/* Back to the spare list, its logs freed. */
static void block_retire(cy_h5w *w, block *b) {
  if (b->logs)
    for (size_t i = 0; i < w->C; i++) {
      free(b->logs[i]);
      b->logs[i] = NULL;
      b->log_len[i] = 0;
    }
  b->next = w->spare;
  w->spare = b;
}

static void unlink_block(block **list, block *b) {
  for (block **pp = list; *pp; pp = &(*pp)->next)
    if (*pp == b) {
      *pp = b->next;
      b->next = NULL;
      return;
    }
}

static void enqueue_ready(cy_h5w *w, block *b) {
  b->next = NULL;
  *w->ready_tail = b;
  w->ready_tail = &b->next;
  w->bstate[b->seq] = B_QUEUED;
}

static block *block_get(cy_h5w *w, size_t point, size_t rep, cy_error *err) {
  size_t seq = point * w->bpp + rep / w->C;
  for (block *b = w->open; b; b = b->next)
    if (b->seq == seq)
      return b;
  block *b = block_new(w, seq, err);
  if (!b)
    return NULL;
  b->next = w->open;
  w->open = b;
  w->bstate[seq] = B_OPEN;
  return b;
}

/* The values of dataset f for run rep: the writer's own status and seed
 * (made in scratch), else the outcome's field. */
static const void *field_src(const cy_h5w *w, int f, const cy_outcome *o,
                             size_t rep, void *scratch) {
  switch (f) {
  case CY_H5_STATUS:
    *(uint8_t *)scratch = 1;
    return scratch;
  case CY_H5_SEED:
    *(int64_t *)scratch = (int64_t)cy_stream_seed(w->seed, rep, 0);
    return scratch;
  default:
    return cy_outcome_values(o, (size_t)(f - CY_H5_FIRST_OUTCOME));
  }
}

int cy__h5w_put(cy_h5w *w, size_t point, size_t rep, const cy_outcome *o,
                cy_error *err) {
  if (point >= w->z.P || rep >= w->z.R || w->status[point * w->z.R + rep] ||
      !in_range(w, point, rep))
    return cy_error_set(err, CY_EINTERNAL, "run (%zu, %zu) is not pending",
                        point, rep);
  block *b = block_get(w, point, rep, err);
  if (!b)
    return CY_ENOMEM;
  size_t i = rep - b->rep0;
  if (b->got[i])
    return cy_error_set(err, CY_EINTERNAL, "run (%zu, %zu) handed in twice",
                        point, rep);
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!field_present(w, f))
      continue;
    size_t bytes = w->per[f] * elem_size(f);
    int64_t scratch;
    const void *src = field_src(w, f, o, rep, &scratch);
    if (bytes && !src)
      return cy_error_set(err, CY_EINTERNAL,
                          "the outcome of run (%zu, %zu) has no %s", point, rep,
                          dataset(f)->path);
    if (bytes)
      memcpy(b->buf[f] + i * bytes, src, bytes);
  }
  if (w->event_log && o->log_len) {
    b->logs[i] = malloc(o->log_len * sizeof *o->log);
    if (!b->logs[i])
      return nomem(err);
    memcpy(b->logs[i], o->log, o->log_len * sizeof *o->log);
    b->log_len[i] = o->log_len;
  }
  b->got[i] = b->dirty[i] = 1;
  b->remaining--;
  w->n_dirty++;
  return CY_OK;
}

/* ---- the partial file ---- */

/* Rows [a, e) of block b, int f, to or from the partial file. */
static int rows_io(cy_h5w *w, block *b, int f, size_t a, size_t e, bool write,
                   cy_error *err) {
  if (w->per[f] == 0)
    return CY_OK;
  hsize_t start[5] = {b->point, b->rep0 + a}, count[5] = {1, e - a};
  int nd = 2 + trailing(w, f, count + 2);
  for (int i = 2; i < nd; i++)
    start[i] = 0;
  hid_t d = w->part.ds[f];
  hid_t fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(nd, count, NULL);
  unsigned char *mem = b->buf[f] + a * w->per[f] * elem_size(f);
  hid_t mt = cy__h5_mem_type(dataset(f)->type);
  herr_t hr = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  if (hr >= 0)
    hr = write ? H5Dwrite(d, mt, ms, fs, H5P_DEFAULT, mem)
               : H5Dread(d, mt, ms, fs, H5P_DEFAULT, mem);
  int rc = hr < 0 ? cy__h5_fail(err, w->part.path, write ? "write" : "read",
                                dataset(f)->path)
                  : CY_OK;
  H5Sclose(ms);
  H5Sclose(fs);
  return rc;
}

/* Next run of consecutive set flags in flags[from, n): [*a, *e). */
static bool next_range(const uint8_t *flags, size_t n, size_t from, size_t *a,
                       size_t *e) {
  while (from < n && !flags[from])
    from++;
  if (from >= n)
    return false;
  *a = from;
  while (from < n && flags[from])
    from++;
  *e = from;
  return true;
}

/* The data (not the status) of b's dirty runs, and their log rows. */
static int write_dirty_data(cy_h5w *w, block *b, cy_error *err) {
  int rc = CY_OK;
  size_t a, e;
  for (size_t from = 0; !rc && next_range(b->dirty, b->n, from, &a, &e);
       from = e) {
    for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++)
      if (f != CY_H5_STATUS && field_present(w, f))
        rc = rows_io(w, b, f, a, e, true, err);
    for (size_t i = a; !rc && w->journal && i < e; i++) {
      if (!b->log_len[i])
        continue;
      rc = cy__journal_append(w->journal, (uint32_t)b->point,
                              (uint32_t)(b->rep0 + i), b->logs[i],
                              b->log_len[i], err);
      free(b->logs[i]);
      b->logs[i] = NULL;
      b->log_len[i] = 0;
    }
  }
  return rc;
}

static int write_dirty_status(cy_h5w *w, block *b, cy_error *err) {
  int rc = CY_OK;
  size_t a, e;
  for (size_t from = 0; !rc && next_range(b->dirty, b->n, from, &a, &e);
       from = e) {
    rc = rows_io(w, b, CY_H5_STATUS, a, e, true, err);
    for (size_t i = a; !rc && i < e; i++) {
      w->status[b->point * w->z.R + b->rep0 + i] = 1;
      b->dirty[i] = 0;
    }
  }
  return rc;
}

static int flush_partial(cy_h5w *w, cy_error *err) {
  if (H5Fflush(w->part.file, H5F_SCOPE_LOCAL) < 0)
    return cy__h5_fail(err, w->part.path, "flush", "/");
  return CY_OK;
}

/* Puts every run handed in since the last checkpoint into the partial
 * file: data, flush, then the status bytes that vouch for it, flush.
 * After a failure the writer makes no further checkpoint: what is on disk
 * stays as the last good one left it. */
static int checkpoint(cy_h5w *w, cy_error *err) {
  if (w->failed)
    return cy_error_set(err, CY_EIO, "%s: an earlier write failed",
                        w->part.path);
  if (w->n_dirty == 0)
    return CY_OK;
  double t0 = now();
  int rc = CY_OK;
  for (block *b = w->open; !rc && b; b = b->next)
    rc = write_dirty_data(w, b, err);
  /* The order of these writes is what a process that dies at any moment
   * leaves behind (the page cache keeps it for every later reader).  No
   * fdatasync() here: on the flagship it would cost 5% of the wall time
   * for what only a power loss needs, and a power loss is outside the
   * guarantee (h5io.h); cy__h5w_close() syncs. */
  if (!rc)
    rc = flush_partial(w, err);
  for (block *b = w->open; !rc && b; b = b->next)
    rc = write_dirty_status(w, b, err);
  if (!rc)
    rc = flush_partial(w, err);
  if (rc)
    w->failed = true;
  else
    w->n_dirty = 0;
  w->last_checkpoint = now();
  w->busy += w->last_checkpoint - t0;
  return rc;
}

/* Row i of block b outside a shard's runs: what a reader gets from a chunk
 * never written (NaN for floats, 0 for integers, so status 0). */
static void fill_row(const cy_h5w *w, block *b, size_t i) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!field_present(w, f))
      continue;
    size_t esz = elem_size(f);
    unsigned char *row = b->buf[f] + i * w->per[f] * esz;
    if (dataset(f)->type == CY_ELEM_F64)
      for (size_t k = 0; k < w->per[f]; k++)
        memcpy(row + k * esz, &(double){NAN}, esz);
    else
      memset(row, 0, w->per[f] * esz);
  }
}

/* Fills the rows of b done in earlier sessions from the partial file, and
 * those outside a shard's runs with fill values. */
static int fill_from_partial(cy_h5w *w, block *b, cy_error *err) {
  uint8_t missing[MAX_BLOCK_REPS];
  for (size_t i = 0; i < b->n; i++) {
    bool mine = in_range(w, b->point, b->rep0 + i);
    missing[i] = !b->got[i] && mine;
    if (!mine)
      fill_row(w, b, i);
  }
  int rc = CY_OK;
  size_t a, e;
  for (size_t from = 0; !rc && next_range(missing, b->n, from, &a, &e);
       from = e)
    for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++)
      if (field_present(w, f))
        rc = rows_io(w, b, f, a, e, false, err);
  for (size_t i = 0; !rc && i < b->n; i++)
    b->got[i] = 1;
  return rc;
}

/* Open blocks whose runs are all in the partial file go to the final. */
static int promote(cy_h5w *w, cy_error *err) {
  int rc = CY_OK;
  for (block **pp = &w->open; !rc && *pp;) {
    block *b = *pp;
    if (b->remaining > 0 || memchr(b->dirty, 1, b->n)) {
      pp = &b->next;
      continue;
    }
    *pp = b->next;
    rc = fill_from_partial(w, b, err);
    enqueue_ready(w, b);
  }
  return rc;
}

static bool block_all_done(const cy_h5w *w, size_t seq) {
  size_t p = seq / w->bpp, r0 = seq % w->bpp * w->C;
  size_t n = r0 + w->C <= w->z.R ? w->C : w->z.R - r0;
  const uint8_t *s = w->status + p * w->z.R + r0;
  for (size_t i = 0; i < n; i++)
    if (!s[i] && in_range(w, p, r0 + i))
      return false;
  return true;
}

/* Blocks done entirely in earlier sessions are read back when the final
 * file is about to need them. */
static int pump(cy_h5w *w, cy_error *err) {
  int rc = CY_OK;
  for (size_t s = w->next_seq;
       !rc && s < w->seq_hi && s < w->next_seq + LOOKAHEAD; s++) {
    if (w->bstate[s] != B_NONE || !block_all_done(w, s))
      continue;
    block *b = block_new(w, s, err);
    if (!b)
      return CY_ENOMEM;
    rc = fill_from_partial(w, b, err);
    enqueue_ready(w, b);
  }
  return rc;
}

int cy__h5w_tick(cy_h5w *w, bool force, cy_error *err) {
  int rc = CY_OK;
  if (w->n_dirty &&
      (force || now() - w->last_checkpoint >= CHECKPOINT_SECONDS)) {
    rc = checkpoint(w, err);
    if (!rc)
      rc = promote(w, err);
  }
  if (!rc)
    rc = pump(w, err);
  return rc;
}

/* ---- the final file ---- */

cy_h5w_job *cy__h5w_next_job(cy_h5w *w) {
  block *b = w->ready;
  if (!b)
    return NULL;
  w->ready = b->next;
  if (!w->ready)
    w->ready_tail = &w->ready;
  b->next = w->out;
  w->out = b;
  return b;
}

int cy__h5w_compress(const cy_h5w *w, cy_h5w_job *b) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!field_present(w, f) || w->per[f] == 0)
      continue;
    size_t esz = elem_size(f);
    if (b->n < w->C) /* the padding of an edge chunk */
      memset(b->buf[f] + b->n * w->per[f] * esz, 0,
             (w->C - b->n) * w->per[f] * esz);
    bool floats = dataset(f)->type == CY_ELEM_F64;
    int rc = cy__h5_deflate_chunk(b->zip, b->buf[f], w->C * w->per[f], esz,
                                  cy__h5_shuffles(floats), floats, &b->z[f],
                                  &b->zcap[f], &b->zlen[f]);
    if (rc != CY_OK)
      return rc;
  }
  /* The zlib states serve one block's chunks: kept with every block
   * waiting to be committed, they would add ~0.5 MiB each (the flagship's
   * peak RSS 41.5 MiB instead of 34.9 at -j 1), for no measurable time. */
  cy__h5_zip_trim(b->zip);
  b->compressed = true;
  return CY_OK;
}

static int write_chunks(cy_h5w *w, block *b, cy_error *err) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!field_present(w, f) || w->per[f] == 0)
      continue;
    hsize_t off[5] = {b->point, b->rep0, 0, 0, 0};
    if (H5Dwrite_chunk(w->fin.ds[f], H5P_DEFAULT, 0, off, b->zlen[f], b->z[f]) <
        0)
      return cy__h5_fail(err, w->fin.path, "write a chunk of",
                         dataset(f)->path);
  }
  return CY_OK;
}

/* Chunks go into the file in block order, whatever order blocks finished
 * in: where a chunk lands then depends on the study alone, and a resumed
 * or multi-threaded run writes the very bytes a single thread would. */
int cy__h5w_commit(cy_h5w *w, cy_h5w_job *b, cy_error *err) {
  unlink_block(&w->out, b);
  double t0 = now();
  int rc = b->compressed ? CY_OK : cy__h5w_compress(w, b);
  if (rc != CY_OK) {
    block_retire(w, b);
    return cy_error_set(err, rc, "%s: cannot compress a chunk (%s)",
                        w->fin.path, cy_strerror(rc));
  }
  b->next = w->stash;
  w->stash = b;
  for (bool found = true; !rc && found;) {
    found = false;
    for (block **pp = &w->stash; *pp; pp = &(*pp)->next) {
      block *s = *pp;
      if (s->seq != w->next_seq)
        continue;
      *pp = s->next;
      rc = write_chunks(w, s, err);
      w->bstate[s->seq] = B_DONE;
      w->next_seq++;
      block_retire(w, s);
      found = true;
      break;
    }
  }
  w->busy += now() - t0;
  return rc;
}

bool cy__h5w_all_committed(const cy_h5w *w) { return w->next_seq == w->seq_hi; }

/* /events from the journal, in (point, replication, time) order. */
typedef struct ev_cols {
  size_t n, cap;
  unsigned char *col[CY_H5_N_EVENT_COLUMNS];
} ev_cols;

typedef struct ev_sort {
  double time;
  size_t i;
} ev_sort;

static int cmp_ev(const void *pa, const void *pb) {
  const ev_sort *a = pa, *b = pb;
  if (a->time != b->time)
    return a->time < b->time ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

static int count_rows(void *ctx, uint32_t p, uint32_t r,
                      const cy_log_record *rows, size_t n) {
  (void)p, (void)r, (void)rows;
  ((ev_cols *)ctx)->cap += n;
  return CY_OK;
}

/* Appends one row to every column: point and replication, then the
 * record's fields (the column types are the record's member types). */
static void put_row(ev_cols *c, uint32_t p, uint32_t r,
                    const cy_log_record *x) {
  size_t at = c->n++;
  for (int k = 0; k < CY_H5_N_EVENT_COLUMNS; k++) {
    const cy_h5_column *col = &cy__h5_event_columns[k];
    size_t size = cy_elem_size(col->type);
    const void *src =
        k == CY_H5_EV_POINT ? (const void *)&p
        : k == CY_H5_EV_REP
            ? (const void *)&r
            : (const void *)((const char *)x +
                             cy_log_fields[col->log_field].offset);
    memcpy(c->col[k] + at * size, src, size);
  }
}

static int take_rows(void *ctx, uint32_t p, uint32_t r,
                     const cy_log_record *rows, size_t n) {
  ev_cols *c = ctx;
  ev_sort *ord = malloc((n ? n : 1) * sizeof *ord);
  if (!ord)
    return CY_ENOMEM;
  for (size_t i = 0; i < n; i++)
    ord[i] = (ev_sort){rows[i].time, i};
  /* The model logs in event order; a stable sort by time makes the order
   * explicit for steps logged ahead of their time. */
  qsort(ord, n, sizeof *ord, cmp_ev);
  for (size_t k = 0; k < n; k++)
    put_row(c, p, r, &rows[ord[k].i]);
  free(ord);
  return CY_OK;
}

static int write_column(hfile *h, hid_t d, const char *name, hid_t mt, size_t n,
                        const void *buf, cy_error *err) {
  hsize_t size[1] = {n};
  if (H5Dset_extent(d, size) < 0)
    return cy__h5_fail(err, h->path, "extend", name);
  if (n && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, xfer(h), buf) < 0)
    return cy__h5_fail(err, h->path, "write", name);
  return CY_OK;
}

static int write_events(cy_h5w *w, cy_error *err) {
  ev_cols c = {0};
  int rc = cy__journal_each(w->journal, w->status, w->z.P, w->z.R, count_rows,
                            &c, err);
  uint64_t *rowno = NULL;
  if (!rc) {
    rowno = malloc((c.cap ? c.cap : 1) * sizeof *rowno);
    for (int k = 0; k < CY_H5_N_EVENT_COLUMNS; k++)
      c.col[k] = malloc((c.cap ? c.cap : 1) *
                        cy_elem_size(cy__h5_event_columns[k].type));
    bool ok = rowno != NULL;
    for (int k = 0; k < CY_H5_N_EVENT_COLUMNS; k++)
      ok = ok && c.col[k];
    if (!ok)
      rc = nomem(err);
  }
  if (!rc)
    rc = cy__journal_each(w->journal, w->status, w->z.P, w->z.R, take_rows, &c,
                          err);
  if (rc == CY_ENOMEM)
    rc = nomem(err);
  for (size_t i = 0; !rc && i < c.n; i++)
    rowno[i] = i;
  if (!rc)
    rc = write_column(&w->fin, w->fin.ev_scale, "/events/event",
                      H5T_NATIVE_UINT64, c.n, rowno, err);
  for (int k = 0; !rc && k < CY_H5_N_EVENT_COLUMNS; k++)
    rc = write_column(&w->fin, w->fin.ev[k], cy__h5_event_columns[k].name,
                      cy__h5_mem_type(cy__h5_event_columns[k].type), c.n,
                      c.col[k], err);
  for (int k = 0; k < CY_H5_N_EVENT_COLUMNS; k++)
    free(c.col[k]);
  free(rowno);
  return rc;
}

/* Every block into the final file, then /events and `complete`; the file
 * is closed, synced and renamed onto OUT.h5. */
static int finish_final(cy_h5w *w, cy_error *err) {
  int rc = CY_OK;
  while (!rc && w->next_seq < w->seq_hi) {
    rc = pump(w, err);
    block *b = rc ? NULL : cy__h5w_next_job(w);
    if (!b)
      b = w->out;
    if (!rc && !b)
      rc = cy_error_set(err, CY_EINTERNAL,
                        "%s: block %zu of %zu never completed", w->fin.path,
                        w->next_seq, w->n_blocks);
    if (!rc)
      rc = cy__h5w_commit(w, b, err);
  }
  if (!rc && w->event_log)
    rc = write_events(w, err);
  /* A shard holds part of the study: `complete` says "every run". */
  if (!rc && w->lo == 0 && w->hi == w->z.P * w->z.R)
    rc = cy__h5_attr_i32(w->fin.file, w->fin.path, "complete", 1, err);
  if (!rc)
    rc = hfile_close(&w->fin, err);
  if (!rc)
    rc = cy__fsync_file(w->fin.path, err);
  if (!rc)
    rc = cy__move(w->fin.path, w->files->out, w->replace, err);
  if (!rc)
    rc = cy__fsync_dir_of(w->files->out, err);
  return rc;
}

int cy__h5w_close(cy_h5w *w, bool complete, double *busy, cy_error *err) {
  if (!w)
    return CY_OK;
  double t0 = now();
  int rc = CY_OK;
  if (complete) {
    rc = checkpoint(w, err);
    if (!rc)
      rc = promote(w, err);
    if (!rc)
      rc = finish_final(w, err);
  } else if (!w->failed) {
    rc = checkpoint(w, err);
  }
  /* The partial file: closed in order, and (when kept) synced so that a
   * finished run survives even a power loss from now on. */
  cy_error e2;
  int prc = CY_OK;
  if (w->failed)
    hfile_abandon(&w->part);
  else
    prc = hfile_close(&w->part, &e2);
  /* Kept for --resume: synced.  About to be removed (OUT.h5 is in place):
   * syncing 65 MB for nothing cost the flagship 10% of its wall time. */
  bool kept = !(complete && rc == CY_OK);
  if (!prc && kept)
    prc = cy__fsync_file(w->files->partial, &e2);
  if (!prc && kept && w->journal)
    prc = cy__journal_sync(w->journal, &e2);
  if (!rc && prc) {
    rc = prc;
    if (err)
      *err = e2;
  }
  if (!rc && complete) {
    cy__journal_close(w->journal);
    w->journal = NULL;
    rc = cy__remove(w->files->partial, err);
    if (!rc)
      rc = cy__remove(w->files->journal, err);
  } else {
    /* The final file is rebuilt from the partial file by --resume. */
    hfile_abandon(&w->fin);
    cy__remove(w->files->tmp, NULL);
  }
  w->busy += now() - t0;
  if (busy)
    *busy = w->busy;
  writer_free(w);
  return rc;
}
