/* h5out.c: the output file writer (see h5io.h for the layout decisions). */
#include "cysim/cy_rng.h"
#include "cysim/cy_version.h"
#include "h5io.h"
#include "h5util.h"

#include <hdf5_hl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* Chunks hold one point, a block of replications and the full trailing
 * dimensions; a block of at most 64 replications or ~1 MiB of the largest
 * [N x N] float64 matrix keeps chunks big enough to compress well and small
 * enough for HDF5's chunk cache. */
enum { MAX_BLOCK_REPS = 64, CHUNK_TARGET = 1 << 20, EVENT_CHUNK = 1 << 15 };

/* zlib level 1, not the customary 4: on the flagship study (mostly-zero
 * uint32 time series after shuffle) it writes 2.5x faster for files 11%
 * larger (9.1 vs 8.2 MB), and deflate is nearly all of the writer's time. */
enum { DEFLATE_LEVEL = 1 };

typedef enum field {
  F_STATUS,
  F_SEED,
  F_EVENTS,
  F_OPS,
  F_SUCCESSES,
  F_DETECTED,
  F_ATTRIBUTED,
  F_MISATTRIBUTED,
  F_RETALIATIONS,
  F_DAMAGE,
  F_HOSTILITY,
  F_OPS_BY_TYPE,
  F_ALLIANCE_ENDED,
  F_ALLIANCE_END_DAY,
  F_BREACHES,
  F_TS_OPS,
  F_COUNT
} field;

typedef enum dimkind { D_PR, D_PRNN, D_PRK, D_PRA, D_PRBNN } dimkind;

static const struct {
  const char *path;
  dimkind dims;
  char type; /* b=uint8 u=uint32 U=uint64 i=int64 d=float64 */
} fields[F_COUNT] = {
    [F_STATUS] = {"summary/status", D_PR, 'b'},
    [F_SEED] = {"summary/seed", D_PR, 'i'},
    [F_EVENTS] = {"summary/events", D_PR, 'U'},
    [F_OPS] = {"summary/ops", D_PRNN, 'u'},
    [F_SUCCESSES] = {"summary/successes", D_PRNN, 'u'},
    [F_DETECTED] = {"summary/detected", D_PRNN, 'u'},
    [F_ATTRIBUTED] = {"summary/attributed", D_PRNN, 'u'},
    [F_MISATTRIBUTED] = {"summary/misattributed", D_PRNN, 'u'},
    [F_RETALIATIONS] = {"summary/retaliations", D_PRNN, 'u'},
    [F_DAMAGE] = {"summary/damage", D_PRNN, 'd'},
    [F_HOSTILITY] = {"summary/hostility_final", D_PRNN, 'd'},
    [F_OPS_BY_TYPE] = {"summary/ops_by_type", D_PRK, 'u'},
    [F_ALLIANCE_ENDED] = {"summary/alliance_ended", D_PRA, 'b'},
    [F_ALLIANCE_END_DAY] = {"summary/alliance_end_day", D_PRA, 'd'},
    [F_BREACHES] = {"summary/breaches", D_PRA, 'u'},
    [F_TS_OPS] = {"timeseries/ops", D_PRBNN, 'u'},
};

enum {
  EC_POINT,
  EC_REP,
  EC_TIME,
  EC_VALUE,
  EC_KIND,
  EC_OPTYPE,
  EC_ATTACKER,
  EC_TARGET,
  EC_BLAMED,
  EC_OTHER,
  EC_COUNT
};
static const struct {
  const char *name;
  char type; /* b=uint8 w=uint32 s=int16 l=int32 d=float64 */
} ecols[EC_COUNT] = {
    {"point", 'w'},  {"replication", 'w'}, {"time", 'd'},     {"value", 'd'},
    {"kind", 'b'},   {"optype", 'b'},      {"attacker", 's'}, {"target", 's'},
    {"blamed", 's'}, {"other", 'l'},
};

typedef struct block {
  size_t point, rep0, n, remaining;
  uint8_t *got;                /* [n]: arrived in this session */
  unsigned char *buf[F_COUNT]; /* [C * per[f]] values */
  cy_log_record **logs;        /* [C] copies (event log only) */
  size_t *log_len;             /* [C] */
  /* Whole chunks, filtered by cy_h5w_compress() exactly as HDF5's shuffle
   * and deflate filters would, for H5Dwrite_chunk(). */
  bool compressed;
  unsigned char *z[F_COUNT];
  size_t zlen[F_COUNT], zcap[F_COUNT];
  unsigned char *shuf;
  size_t shuf_cap;
  struct block *next;
} block;

struct cy_h5w {
  char *path;
  hid_t file;
  size_t P, R, N, K, A, B, C;
  bool timeseries, event_log;
  int64_t seed;
  const uint8_t *status0; /* caller's status at open, [P*R] (resume) */
  uint8_t *status_own;
  hid_t ds[F_COUNT];
  size_t per[F_COUNT]; /* values per replication */
  hid_t ev[EC_COUNT], ev_scale;
  uint64_t n_events;
  block *open;
  block *spare; /* written blocks kept for reuse: no malloc churn */
  bool deferred;
  block *ready, **ready_tail; /* complete whole chunks, oldest first */
  block *out;                 /* handed out by cy_h5w_next_job() */
  double busy;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cy_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* The HDF5 type of a fields[]/ecols[] type code: native in memory,
 * little-endian in the file whatever the machine. */
static hid_t h5_type(char t, bool in_file) {
  switch (t) {
  case 'b':
    return in_file ? H5T_STD_U8LE : H5T_NATIVE_UINT8;
  case 'u':
  case 'w':
    return in_file ? H5T_STD_U32LE : H5T_NATIVE_UINT32;
  case 'U':
    return in_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64;
  case 'i':
    return in_file ? H5T_STD_I64LE : H5T_NATIVE_INT64;
  case 's':
    return in_file ? H5T_STD_I16LE : H5T_NATIVE_INT16;
  case 'l':
    return in_file ? H5T_STD_I32LE : H5T_NATIVE_INT32;
  default:
    return in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
  }
}

static size_t type_size(char t) {
  switch (t) {
  case 'b':
    return 1;
  case 's':
    return 2;
  case 'u':
  case 'w':
  case 'l':
    return 4;
  default:
    return 8;
  }
}

static bool field_present(const cy_h5w *w, field f) {
  if (fields[f].dims == D_PRA)
    return w->A > 0;
  if (fields[f].dims == D_PRBNN)
    return w->timeseries;
  return true;
}

/* The trailing dimensions (after point, replication) of a field. */
static int trailing(const cy_h5w *w, dimkind k, hsize_t *dims) {
  switch (k) {
  case D_PR:
    return 0;
  case D_PRNN:
    dims[0] = w->N, dims[1] = w->N;
    return 2;
  case D_PRK:
    dims[0] = w->K;
    return 1;
  case D_PRA:
    dims[0] = w->A;
    return 1;
  case D_PRBNN:
    dims[0] = w->B, dims[1] = w->N, dims[2] = w->N;
    return 3;
  }
  return 0;
}

static const char *trailing_scales[][3] = {
    [D_PR] = {NULL},
    [D_PRNN] = {"attacker", "target"},
    [D_PRK] = {"optype"},
    [D_PRA] = {"alliance"},
    [D_PRBNN] = {"time", "attacker", "target"},
};

static void sizes(cy_h5w *w) {
  for (int f = 0; f < F_COUNT; f++) {
    hsize_t d[3];
    int nd = trailing(w, fields[f].dims, d);
    size_t per = 1;
    for (int i = 0; i < nd; i++)
      per *= (size_t)d[i];
    w->per[f] = per;
  }
  /* One chunk shape along replications for every dataset, so a block of
   * C replications is one whole chunk of each. */
  size_t largest = 1;
  for (int f = 0; f < F_COUNT; f++)
    if (field_present(w, (field)f) &&
        w->per[f] * type_size(fields[f].type) > largest)
      largest = w->per[f] * type_size(fields[f].type);
  size_t c = 4 * (size_t)CHUNK_TARGET / largest;
  if (c < 1)
    c = 1;
  if (c > MAX_BLOCK_REPS)
    c = MAX_BLOCK_REPS;
  if (c > w->R)
    c = w->R;
  w->C = c;
}

/* Groups track link creation order so readers list /sweep axes in the
 * scenario's order (and netCDF lists variables as made). */
static hid_t make_group(hid_t loc, const char *name) {
  hid_t p = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_link_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, p, H5P_DEFAULT);
  H5Pclose(p);
  return g;
}

static int hfail(cy_error *err, const cy_h5w *w, const char *what,
                 const char *obj) {
  return cy_error_set(err, CY_EHDF5, "%s: HDF5 failed to %s '%s'", w->path,
                      what, obj);
}

/* A root dimension scale: a 1-D dataset named `name` of `n` values. */
static int make_scale(cy_h5w *w, const char *name, hid_t ftype, hid_t mtype,
                      size_t n, const void *values, cy_error *err) {
  hsize_t dims[1] = {n};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(w->file, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT);
  int rc = CY_OK;
  if (d < 0 ||
      (n > 0 &&
       H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) ||
      H5DSset_scale(d, name) < 0)
    rc = hfail(err, w, "write dimension scale", name);
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

static int make_id_scale(cy_h5w *w, const char *name, size_t n, const char *ids,
                         size_t stride, cy_error *err) {
  const char **v = calloc(n ? n : 1, sizeof *v);
  if (!v)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    v[i] = ids + i * stride;
  hid_t t = vlen_str_type();
  int rc = make_scale(w, name, t, t, n, v, err);
  H5Tclose(t);
  free(v);
  return rc;
}

static int attach(cy_h5w *w, hid_t d, const char *const *names, int nd,
                  const char *what, cy_error *err) {
  for (int i = 0; i < nd; i++) {
    hid_t s = H5Dopen2(w->file, names[i], H5P_DEFAULT);
    herr_t rc = s < 0 ? -1 : H5DSattach_scale(d, s, (unsigned)i);
    if (s >= 0)
      H5Dclose(s);
    if (rc < 0)
      return hfail(err, w, "attach dimension scale to", what);
  }
  return CY_OK;
}

/* Chunked, shuffled, deflated; no fill value written (fill time never), so
 * integer datasets carry no _FillValue that xarray would turn into NaN. */
static hid_t dcpl_for(int rank, const hsize_t *chunk) {
  hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(p, rank, chunk);
  H5Pset_shuffle(p);
  H5Pset_deflate(p, DEFLATE_LEVEL);
  H5Pset_fill_time(p, H5D_FILL_TIME_NEVER);
  return p;
}

static int create_field(cy_h5w *w, field f, cy_error *err) {
  hsize_t dims[5] = {w->P, w->R}, chunk[5] = {1, w->C};
  int nd = 2 + trailing(w, fields[f].dims, dims + 2);
  chunk[1] = w->C;
  for (int i = 2; i < nd; i++)
    chunk[i] = dims[i];
  hid_t sp = H5Screate_simple(nd, dims, NULL);
  hid_t p = dcpl_for(nd, chunk);
  hid_t d = H5Dcreate2(w->file, fields[f].path, h5_type(fields[f].type, true),
                       sp, H5P_DEFAULT, p, H5P_DEFAULT);
  H5Pclose(p);
  H5Sclose(sp);
  if (d < 0)
    return hfail(err, w, "create dataset", fields[f].path);
  w->ds[f] = d;
  const char *names[5] = {"point", "replication"};
  const char *const *tr = trailing_scales[fields[f].dims];
  for (int i = 2; i < nd; i++)
    names[i] = tr[i - 2];
  return attach(w, d, names, nd, fields[f].path, err);
}

static int create_events(cy_h5w *w, cy_error *err) {
  hid_t g = make_group(w->file, "events");
  if (g < 0)
    return hfail(err, w, "create group", "/events");
  H5Gclose(g);
  hsize_t dims[1] = {0}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {EVENT_CHUNK};
  hid_t sp = H5Screate_simple(1, dims, maxd);
  hid_t p = dcpl_for(1, chunk);
  int rc = CY_OK;
  w->ev_scale = H5Dcreate2(w->file, "events/event", H5T_STD_U64LE, sp,
                           H5P_DEFAULT, p, H5P_DEFAULT);
  if (w->ev_scale < 0 || H5DSset_scale(w->ev_scale, "event") < 0)
    rc = hfail(err, w, "create", "/events/event");
  for (int c = 0; rc == CY_OK && c < EC_COUNT; c++) {
    char path[64];
    snprintf(path, sizeof path, "events/%s", ecols[c].name);
    w->ev[c] = H5Dcreate2(w->file, path, h5_type(ecols[c].type, true), sp,
                          H5P_DEFAULT, p, H5P_DEFAULT);
    if (w->ev[c] < 0 || H5DSattach_scale(w->ev[c], w->ev_scale, 0) < 0)
      rc = hfail(err, w, "create", path);
  }
  H5Pclose(p);
  H5Sclose(sp);
  if (rc != CY_OK)
    return rc;
  /* CF flag attributes name the kind codes. */
  uint8_t vals[CY_LOG_KIND_COUNT];
  char meanings[CY_LOG_KIND_COUNT * CY_ID_MAX] = "";
  for (int k = 0; k < CY_LOG_KIND_COUNT; k++) {
    vals[k] = (uint8_t)k;
    if (k)
      strcat(meanings, " ");
    strcat(meanings, cy_log_kind_names[k]);
  }
  hsize_t nk[1] = {CY_LOG_KIND_COUNT};
  hid_t asp = H5Screate_simple(1, nk, NULL);
  hid_t a = H5Acreate2(w->ev[EC_KIND], "flag_values", H5T_STD_U8LE, asp,
                       H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, H5T_NATIVE_UINT8, vals) < 0)
    rc = hfail(err, w, "write attribute", "/events/kind flag_values");
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(asp);
  if (rc == CY_OK)
    rc =
        cy_h5_attr_str(w->ev[EC_KIND], w->path, "flag_meanings", meanings, err);
  return rc;
}

static int open_events(cy_h5w *w, cy_error *err) {
  w->ev_scale = H5Dopen2(w->file, "events/event", H5P_DEFAULT);
  if (w->ev_scale < 0)
    return hfail(err, w, "open", "/events/event");
  for (int c = 0; c < EC_COUNT; c++) {
    char path[64];
    snprintf(path, sizeof path, "events/%s", ecols[c].name);
    w->ev[c] = H5Dopen2(w->file, path, H5P_DEFAULT);
    if (w->ev[c] < 0)
      return hfail(err, w, "open", path);
  }
  size_t n;
  if (cy_h5_dim0(w->file, "events/event", &n) != CY_OK)
    return hfail(err, w, "read the size of", "/events/event");
  w->n_events = n;
  return CY_OK;
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

static cy_h5w *writer_new(const cy_h5w_info *info) {
  cy_h5w *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->path = strdup(info->path);
  const cy_scenario *s = info->scenario;
  w->P = cy_study_n_points(info->study);
  w->R = info->replications;
  w->N = s->n_states;
  w->K = s->n_optypes;
  w->A = s->n_alliances;
  w->timeseries = info->timeseries;
  w->event_log = info->event_log;
  w->B = w->timeseries ? cy_scenario_bins(s) : 0;
  w->seed = info->seed;
  w->file = -1;
  w->ev_scale = -1;
  for (int f = 0; f < F_COUNT; f++)
    w->ds[f] = -1;
  for (int c = 0; c < EC_COUNT; c++)
    w->ev[c] = -1;
  sizes(w);
  w->ready_tail = &w->ready;
  if (!w->path) {
    free(w);
    return NULL;
  }
  return w;
}

static void block_free(block *b) {
  for (int f = 0; f < F_COUNT; f++) {
    free(b->buf[f]);
    free(b->z[f]);
  }
  free(b->shuf);
  if (b->logs)
    for (size_t i = 0; i < b->n; i++)
      free(b->logs[i]);
  free(b->logs);
  free(b->log_len);
  free(b->got);
  free(b);
}

static void writer_free(cy_h5w *w) {
  for (int f = 0; f < F_COUNT; f++)
    if (w->ds[f] >= 0)
      H5Dclose(w->ds[f]);
  for (int c = 0; c < EC_COUNT; c++)
    if (w->ev[c] >= 0)
      H5Dclose(w->ev[c]);
  if (w->ev_scale >= 0)
    H5Dclose(w->ev_scale);
  if (w->file >= 0)
    H5Fclose(w->file);
  while (w->open) {
    block *b = w->open;
    w->open = b->next;
    block_free(b);
  }
  block **lists[3] = {&w->spare, &w->ready, &w->out};
  for (int i = 0; i < 3; i++) {
    while (*lists[i]) {
      block *b = *lists[i];
      *lists[i] = b->next;
      block_free(b);
    }
  }
  free(w->status_own);
  free(w->path);
  free(w);
}

static int write_sweep(cy_h5w *w, const cy_study *st, cy_error *err) {
  hid_t g = make_group(w->file, "sweep");
  if (g < 0)
    return hfail(err, w, "create group", "/sweep");
  H5Gclose(g);
  int rc = CY_OK;
  for (size_t a = 0; rc == CY_OK && a < cy_study_n_axes(st); a++) {
    const cy_axis *ax = cy_study_axis(st, a);
    char path[CY_ID_MAX + 8];
    snprintf(path, sizeof path, "sweep/%s", ax->name);
    hsize_t dims[1] = {w->P};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ft, mt;
    void *buf;
    switch (ax->type) {
    case CY_VALUE_STRING:
      ft = mt = vlen_str_type();
      buf = calloc(w->P, sizeof(char *));
      break;
    case CY_VALUE_DOUBLE:
      ft = H5T_IEEE_F64LE, mt = H5T_NATIVE_DOUBLE;
      buf = calloc(w->P, sizeof(double));
      break;
    case CY_VALUE_BOOL:
      ft = H5T_STD_U8LE, mt = H5T_NATIVE_UINT8;
      buf = calloc(w->P, 1);
      break;
    default:
      ft = H5T_STD_I64LE, mt = H5T_NATIVE_INT64;
      buf = calloc(w->P, sizeof(int64_t));
      break;
    }
    if (!buf) {
      H5Sclose(sp);
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    }
    for (size_t p = 0; p < w->P; p++) {
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
    hid_t d = H5Dcreate2(w->file, path, ft, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
      rc = hfail(err, w, "write", path);
    else {
      const char *pt[1] = {"point"};
      rc = attach(w, d, pt, 1, path, err);
      if (rc == CY_OK)
        rc = cy_h5_attr_str(d, w->path, "path", ax->path, err);
      if (rc == CY_OK && ax->zip[0])
        rc = cy_h5_attr_str(d, w->path, "zip", ax->zip, err);
    }
    if (d >= 0)
      H5Dclose(d);
    if (ax->type == CY_VALUE_STRING)
      H5Tclose(ft);
    free(buf);
    H5Sclose(sp);
  }
  return rc;
}

static int write_header(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  const cy_scenario *s = info->scenario;
  hid_t f = w->file;
  char created[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  int rc = cy_h5_attr_str(f, w->path, "format", "cysim", err);
  if (!rc)
    rc = cy_h5_attr_i32(f, w->path, "format_version", 1, err);
  if (!rc)
    rc = cy_h5_attr_str(f, w->path, "software_version", CYSIM_VERSION, err);
  if (!rc)
    rc = cy_h5_attr_str(f, w->path, "created", created, err);
  if (!rc)
    rc = cy_h5_attr_str(f, w->path, "command_line",
                        info->command_line ? info->command_line : "", err);
  if (!rc)
    rc = cy_h5_attr_str(f, w->path, "scenario_name", s->name, err);
  if (!rc)
    rc = cy_h5_attr_i64(f, w->path, "seed", info->seed, err);
  if (!rc)
    rc = cy_h5_attr_f64(f, w->path, "horizon", s->horizon, err);
  if (!rc)
    rc = cy_h5_attr_i32(f, w->path, "complete", 0, err);
  if (!rc && s->start[0])
    rc = cy_h5_attr_str(f, w->path, "start", s->start, err);
  if (rc)
    return rc;

  /* Dimension scales. */
  int64_t *idx = malloc((w->P > w->R ? w->P : w->R) * sizeof *idx + 8);
  if (!idx)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < w->P; i++)
    idx[i] = (int64_t)i;
  rc = make_scale(w, "point", H5T_STD_I64LE, H5T_NATIVE_INT64, w->P, idx, err);
  for (size_t i = 0; i < w->R; i++)
    idx[i] = (int64_t)i;
  if (!rc)
    rc = make_scale(w, "replication", H5T_STD_I64LE, H5T_NATIVE_INT64, w->R,
                    idx, err);
  free(idx);
  const char *idnames[3] = {"attacker", "target", "state"};
  for (int i = 0; !rc && i < 3; i++)
    rc = make_id_scale(w, idnames[i], w->N, s->states[0].id,
                       sizeof s->states[0], err);
  if (!rc && w->A)
    rc = make_id_scale(w, "alliance", w->A, s->alliances[0].id,
                       sizeof s->alliances[0], err);
  if (!rc)
    rc = make_id_scale(w, "optype", w->K, s->optypes[0].name,
                       sizeof s->optypes[0], err);
  if (!rc && w->timeseries) {
    double *tb = malloc((w->B ? w->B : 1) * sizeof *tb);
    if (!tb)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    for (size_t b = 0; b < w->B; b++)
      tb[b] = (double)b * s->output.bin;
    rc =
        make_scale(w, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, w->B, tb, err);
    free(tb);
    if (!rc) {
      char units[48] = "days";
      if (s->start[0])
        snprintf(units, sizeof units, "days since %s", s->start);
      hid_t d = H5Dopen2(f, "time", H5P_DEFAULT);
      rc = d < 0 ? hfail(err, w, "open", "time")
                 : cy_h5_attr_str(d, w->path, "units", units, err);
      if (!rc)
        rc = cy_h5_attr_f64(d, w->path, "bin", s->output.bin, err);
      if (d >= 0)
        H5Dclose(d);
    }
  }
  if (rc)
    return rc;

  /* Provenance. */
  hid_t g = make_group(f, "provenance");
  if (g < 0)
    return hfail(err, w, "create group", "/provenance");
  const char *text = cy_study_text(info->study);
  size_t tl = strlen(text);
  hid_t tt = cy_h5_str_type(tl ? tl : 1);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(g, "scenario_text", tt, sp, H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT);
  char *tbuf = calloc(tl + 1, 1);
  if (tbuf)
    memcpy(tbuf, text, tl);
  if (!tbuf || d < 0 ||
      H5Dwrite(d, tt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tbuf) < 0)
    rc = hfail(err, w, "write", "/provenance/scenario_text");
  free(tbuf);
  if (!rc)
    rc = cy_h5_attr_str(d, w->path, "path", cy_study_path(info->study), err);
  if (d >= 0)
    H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(tt);
  char *sets = join_sets(info);
  if (!sets)
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  if (!rc)
    rc = cy_h5_attr_str(g, w->path, "overrides", sets, err);
  free(sets);
  if (!rc)
    rc = cy_h5_attr_i32(g, w->path, "event_log", w->event_log, err);
  if (!rc)
    rc = cy_h5_attr_i64(g, w->path, "replications", (int64_t)w->R, err);
  H5Gclose(g);
  if (rc)
    return rc;
  return write_sweep(w, info->study, err);
}

static int write_status_zero(cy_h5w *w, cy_error *err) {
  uint8_t *z = calloc(w->P * w->R, 1);
  if (!z)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  int rc = CY_OK;
  if (H5Dwrite(w->ds[F_STATUS], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
               z) < 0)
    rc = hfail(err, w, "write", "/summary/status");
  free(z);
  return rc;
}

int cy_h5w_create(cy_h5w **out, const cy_h5w_info *info, cy_error *err) {
  *out = NULL;
  double t0 = now();
  cy_h5w *w = writer_new(info);
  if (!w)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  w->status_own = calloc(w->P * w->R, 1);
  w->status0 = w->status_own;
  if (!w->status_own) {
    writer_free(w);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  /* Creation order tracking lets netCDF list objects as they were made. */
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_link_creation_order(fcpl,
                             H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl,
                             H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  w->file = H5Fcreate(info->path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  H5Pclose(fcpl);
  if (w->file < 0) {
    int rc = cy_error_set(err, CY_EHDF5, "%s: cannot create the HDF5 file",
                          info->path);
    writer_free(w);
    return rc;
  }
  int rc = write_header(w, info, err);
  const char *groups[2] = {"summary", "timeseries"};
  for (int i = 0; !rc && i < (w->timeseries ? 2 : 1); i++) {
    hid_t g = make_group(w->file, groups[i]);
    if (g < 0)
      rc = hfail(err, w, "create group", groups[i]);
    else
      H5Gclose(g);
  }
  for (int f = 0; !rc && f < F_COUNT; f++)
    if (field_present(w, (field)f))
      rc = create_field(w, (field)f, err);
  if (!rc)
    rc = write_status_zero(w, err);
  if (!rc && w->event_log)
    rc = create_events(w, err);
  if (!rc && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
    rc = hfail(err, w, "flush", "/");
  if (rc) {
    writer_free(w);
    return rc;
  }
  w->busy += now() - t0;
  *out = w;
  return CY_OK;
}

static int expect_i64(cy_h5w *w, hid_t obj, const char *name, int64_t want,
                      const char *what, cy_error *err) {
  int64_t v;
  int rc = cy_h5_get_attr_i64(obj, w->path, name, &v, err);
  if (rc)
    return rc;
  if (v != want)
    return cy_error_set(
        err, CY_EINPUT,
        "%s: cannot resume: the file has %s %lld, this run %lld", w->path, what,
        (long long)v, (long long)want);
  return CY_OK;
}

static int check_identity(cy_h5w *w, const cy_h5w_info *info, cy_error *err) {
  char *fmt = NULL;
  int rc = cy_h5_get_attr_str(w->file, w->path, "format", &fmt, err);
  if (!rc && strcmp(fmt, "cysim") != 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: not a cysim output file", w->path);
  free(fmt);
  if (rc)
    return rc;
  if ((rc = expect_i64(w, w->file, "seed", info->seed, "seed", err)))
    return rc;
  struct {
    const char *name;
    size_t want;
  } dims[] = {{"point", w->P},  {"replication", w->R}, {"attacker", w->N},
              {"optype", w->K}, {"alliance", w->A},    {"time", w->B}};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
    size_t n;
    if (cy_h5_dim0(w->file, dims[i].name, &n) != CY_OK)
      return hfail(err, w, "read the size of", dims[i].name);
    if (n != dims[i].want)
      return cy_error_set(
          err, CY_EINPUT,
          "%s: cannot resume: the file has %zu %s values, this run %zu%s",
          w->path, n, dims[i].name, dims[i].want,
          strcmp(dims[i].name, "replication") == 0
              ? " (another replication count)"
              : "");
  }
  hid_t g = H5Gopen2(w->file, "provenance", H5P_DEFAULT);
  if (g < 0)
    return hfail(err, w, "open", "/provenance");
  char *sets = join_sets(info), *fsets = NULL;
  rc = sets ? cy_h5_get_attr_str(g, w->path, "overrides", &fsets, err)
            : cy_error_set(err, CY_ENOMEM, "out of memory");
  if (!rc && strcmp(sets, fsets) != 0)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: it was made with other --set "
                      "overrides (file: '%s', this run: '%s')",
                      w->path, fsets, sets);
  free(sets);
  free(fsets);
  if (!rc)
    rc = expect_i64(w, g, "event_log", w->event_log, "event_log", err);
  H5Gclose(g);
  if (rc)
    return rc;
  /* The scenario text, compared byte for byte. */
  hid_t d = H5Dopen2(w->file, "provenance/scenario_text", H5P_DEFAULT);
  if (d < 0)
    return hfail(err, w, "open", "/provenance/scenario_text");
  hid_t ft = H5Dget_type(d);
  size_t len = H5Tget_size(ft);
  char *buf = calloc(len + 1, 1);
  hid_t mt = cy_h5_str_type(len);
  if (!buf || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    rc = hfail(err, w, "read", "/provenance/scenario_text");
  else if (strcmp(buf, cy_study_text(info->study)) != 0)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: it holds the results of another "
                      "scenario text than %s",
                      w->path, cy_study_path(info->study));
  free(buf);
  H5Tclose(mt);
  H5Tclose(ft);
  H5Dclose(d);
  return rc;
}

int cy_h5w_resume(cy_h5w **out, const cy_h5w_info *info, uint8_t *status,
                  cy_error *err) {
  *out = NULL;
  double t0 = now();
  cy_h5w *w = writer_new(info);
  if (!w)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  w->status0 = status;
  w->file = H5Fopen(info->path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (w->file < 0) {
    int rc =
        cy_error_set(err, CY_EHDF5,
                     "%s: cannot open the HDF5 file for --resume", info->path);
    writer_free(w);
    return rc;
  }
  int rc = check_identity(w, info, err);
  for (int f = 0; !rc && f < F_COUNT; f++) {
    if (!field_present(w, (field)f))
      continue;
    w->ds[f] = H5Dopen2(w->file, fields[f].path, H5P_DEFAULT);
    if (w->ds[f] < 0)
      rc = hfail(err, w, "open", fields[f].path);
  }
  if (!rc && H5Dread(w->ds[F_STATUS], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL,
                     H5P_DEFAULT, status) < 0)
    rc = hfail(err, w, "read", "/summary/status");
  if (!rc) {
    /* Blocks must match the file's chunks. */
    hid_t pl = H5Dget_create_plist(w->ds[F_OPS]);
    hsize_t ch[4];
    if (pl < 0 || H5Pget_chunk(pl, 4, ch) != 4 || ch[1] < 1)
      rc = hfail(err, w, "read the chunk shape of", "/summary/ops");
    else
      w->C = (size_t)ch[1];
    if (pl >= 0)
      H5Pclose(pl);
  }
  if (!rc && w->event_log)
    rc = open_events(w, err);
  if (!rc && cy_h5_attr_i32(w->file, w->path, "complete", 0, err))
    rc = CY_EHDF5;
  if (rc) {
    writer_free(w);
    return rc;
  }
  w->busy += now() - t0;
  *out = w;
  return CY_OK;
}

size_t cy_h5w_block_reps(const cy_h5w *w) { return w->C; }

static block *block_get(cy_h5w *w, size_t point, size_t rep, cy_error *err) {
  size_t rep0 = rep / w->C * w->C;
  for (block *b = w->open; b; b = b->next)
    if (b->point == point && b->rep0 == rep0)
      return b;
  block *b = w->spare;
  if (b) {
    w->spare = b->next;
  } else {
    /* Every block gets buffers for C replications, so any can be reused. */
    b = calloc(1, sizeof *b);
    if (!b) {
      cy_error_set(err, CY_ENOMEM, "out of memory");
      return NULL;
    }
    b->n = w->C;
    b->got = calloc(w->C, 1);
    bool ok = b->got != NULL;
    for (int f = 0; ok && f < F_COUNT; f++) {
      if (!field_present(w, (field)f))
        continue;
      b->buf[f] = malloc(w->C * w->per[f] * type_size(fields[f].type) + 1);
      ok = b->buf[f] != NULL;
    }
    if (ok && w->event_log) {
      b->logs = calloc(w->C, sizeof *b->logs);
      b->log_len = calloc(w->C, sizeof *b->log_len);
      ok = b->logs && b->log_len;
    }
    if (!ok) {
      block_free(b);
      cy_error_set(err, CY_ENOMEM, "out of memory");
      return NULL;
    }
  }
  b->point = point;
  b->rep0 = rep0;
  b->n = rep0 + w->C <= w->R ? w->C : w->R - rep0;
  b->compressed = false;
  memset(b->got, 0, w->C);
  b->remaining = 0;
  for (size_t i = 0; i < b->n; i++)
    b->remaining += w->status0[point * w->R + rep0 + i] == 0;
  b->next = w->open;
  w->open = b;
  return b;
}

static const void *field_src(const cy_h5w *w, field f, const cy_outcome *o,
                             size_t rep, void *scratch) {
  switch (f) {
  case F_STATUS:
    *(uint8_t *)scratch = 1;
    return scratch;
  case F_SEED:
    *(int64_t *)scratch = (int64_t)cy_stream_seed(w->seed, rep, 0);
    return scratch;
  case F_EVENTS:
    return &o->events;
  case F_OPS:
    return o->ops;
  case F_SUCCESSES:
    return o->successes;
  case F_DETECTED:
    return o->detected;
  case F_ATTRIBUTED:
    return o->attributed;
  case F_MISATTRIBUTED:
    return o->misattributed;
  case F_RETALIATIONS:
    return o->retaliations;
  case F_DAMAGE:
    return o->damage;
  case F_HOSTILITY:
    return o->hostility_final;
  case F_OPS_BY_TYPE:
    return o->ops_by_type;
  case F_ALLIANCE_ENDED:
    return o->alliance_ended;
  case F_ALLIANCE_END_DAY:
    return o->alliance_end_day;
  case F_BREACHES:
    return o->breaches;
  case F_TS_OPS:
    return o->ts_ops;
  default:
    return NULL;
  }
}

static int append_events(cy_h5w *w, block *b, size_t a, size_t e,
                         cy_error *err) {
  size_t n = 0;
  for (size_t i = a; i < e; i++)
    n += b->log_len[i];
  if (n == 0)
    return CY_OK;
  unsigned char *col = malloc(n * 8);
  if (!col)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  hsize_t start[1] = {w->n_events}, count[1] = {n}, size[1] = {w->n_events + n};
  hid_t ms = H5Screate_simple(1, count, NULL);
  int rc = CY_OK;
  for (int c = -1; rc == CY_OK && c < EC_COUNT; c++) {
    hid_t d = c < 0 ? w->ev_scale : w->ev[c];
    size_t k = 0;
    for (size_t i = a; i < e; i++) {
      for (size_t j = 0; j < b->log_len[i]; j++, k++) {
        const cy_log_record *r = &b->logs[i][j];
        switch (c) {
        case -1:
          ((uint64_t *)col)[k] = w->n_events + k;
          break;
        case EC_POINT:
          ((uint32_t *)col)[k] = (uint32_t)b->point;
          break;
        case EC_REP:
          ((uint32_t *)col)[k] = (uint32_t)(b->rep0 + i);
          break;
        case EC_TIME:
          ((double *)col)[k] = r->time;
          break;
        case EC_VALUE:
          ((double *)col)[k] = r->value;
          break;
        case EC_KIND:
          col[k] = r->kind;
          break;
        case EC_OPTYPE:
          col[k] = r->optype;
          break;
        case EC_ATTACKER:
          ((int16_t *)col)[k] = r->attacker;
          break;
        case EC_TARGET:
          ((int16_t *)col)[k] = r->target;
          break;
        case EC_BLAMED:
          ((int16_t *)col)[k] = r->blamed;
          break;
        default:
          ((int32_t *)col)[k] = r->other;
          break;
        }
      }
    }
    hid_t mt = c < 0 ? H5T_NATIVE_UINT64 : h5_type(ecols[c].type, false);
    if (H5Dset_extent(d, size) < 0) {
      rc = hfail(err, w, "extend", "/events");
      break;
    }
    hid_t fs = H5Dget_space(d);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (H5Dwrite(d, mt, ms, fs, H5P_DEFAULT, col) < 0)
      rc = hfail(err, w, "write", "/events");
    H5Sclose(fs);
  }
  H5Sclose(ms);
  free(col);
  if (rc == CY_OK)
    w->n_events += n;
  return rc;
}

/* Writes the runs of b that arrived in this session, one hyperslab per
 * dataset per contiguous range (one range unless interrupted or resumed).
 * Status goes last, so a run is marked done only once its data is in. */
static int block_write(cy_h5w *w, block *b, cy_error *err) {
  double t0 = now();
  int rc = CY_OK;
  for (size_t a = 0; rc == CY_OK && a < b->n;) {
    if (!b->got[a]) {
      a++;
      continue;
    }
    size_t e = a;
    while (e < b->n && b->got[e])
      e++;
    for (int fi = F_COUNT - 1; rc == CY_OK && fi >= 0; fi--) {
      field f = (field)fi;
      if (!field_present(w, f))
        continue;
      hsize_t start[5] = {b->point, b->rep0 + a}, count[5] = {1, e - a};
      int nd = 2 + trailing(w, fields[f].dims, count + 2);
      for (int i = 2; i < nd; i++)
        start[i] = 0;
      hid_t fs = H5Dget_space(w->ds[f]);
      hid_t ms = H5Screate_simple(nd, count, NULL);
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
      const unsigned char *src =
          b->buf[f] + a * w->per[f] * type_size(fields[f].type);
      if (w->per[f] > 0 && H5Dwrite(w->ds[f], h5_type(fields[f].type, false),
                                    ms, fs, H5P_DEFAULT, src) < 0)
        rc = hfail(err, w, "write", fields[f].path);
      H5Sclose(ms);
      H5Sclose(fs);
      /* Event rows before status, for the same reason. */
      if (rc == CY_OK && f == F_SEED && w->event_log)
        rc = append_events(w, b, a, e, err);
    }
    a = e;
  }
  w->busy += now() - t0;
  return rc;
}

/* Moves a written block from the open list to the spare list. */
static void block_retire(cy_h5w *w, block *b) {
  for (block **pp = &w->open; *pp; pp = &(*pp)->next) {
    if (*pp == b) {
      *pp = b->next;
      break;
    }
  }
  if (b->logs)
    for (size_t i = 0; i < w->C; i++) {
      free(b->logs[i]);
      b->logs[i] = NULL;
      b->log_len[i] = 0;
    }
  b->next = w->spare;
  w->spare = b;
}

int cy_h5w_put(cy_h5w *w, size_t point, size_t rep, const cy_outcome *o,
               cy_error *err) {
  block *b = block_get(w, point, rep, err);
  if (!b)
    return CY_ENOMEM;
  size_t i = rep - b->rep0;
  if (b->got[i] || w->status0[point * w->R + rep])
    return cy_error_set(err, CY_EINTERNAL, "run (%zu, %zu) handed in twice",
                        point, rep);
  for (int fi = 0; fi < F_COUNT; fi++) {
    field f = (field)fi;
    if (!field_present(w, f))
      continue;
    size_t bytes = w->per[f] * type_size(fields[f].type);
    int64_t scratch;
    const void *src = field_src(w, f, o, rep, &scratch);
    if (bytes && !src)
      return cy_error_set(err, CY_EINTERNAL,
                          "the outcome of run (%zu, %zu) has no %s", point, rep,
                          fields[f].path);
    if (bytes)
      memcpy(b->buf[f] + i * bytes, src, bytes);
  }
  if (w->event_log && o->log_len) {
    b->logs[i] = malloc(o->log_len * sizeof *o->log);
    if (!b->logs[i])
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    memcpy(b->logs[i], o->log, o->log_len * sizeof *o->log);
    b->log_len[i] = o->log_len;
  }
  b->got[i] = 1;
  if (--b->remaining > 0)
    return CY_OK;
  if (w->deferred && memchr(b->got, 0, b->n) == NULL) {
    /* A whole chunk of every dataset (an edge chunk past the last
     * replication is stored whole too, padded): queue it for
     * cy_h5w_next_job(). */
    for (block **pp = &w->open; *pp; pp = &(*pp)->next)
      if (*pp == b) {
        *pp = b->next;
        break;
      }
    b->next = NULL;
    *w->ready_tail = b;
    w->ready_tail = &b->next;
    return CY_OK;
  }
  int rc = block_write(w, b, err);
  block_retire(w, b);
  return rc;
}

void cy_h5w_set_deferred(cy_h5w *w, bool on) { w->deferred = on; }

cy_h5w_job *cy_h5w_next_job(cy_h5w *w) {
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

/* HDF5's shuffle filter: byte k of every element, then byte k + 1, ... */
static void shuffle(unsigned char *dst, const unsigned char *src, size_t n,
                    size_t size) {
  for (size_t k = 0; k < size; k++)
    for (size_t i = 0; i < n; i++)
      dst[k * n + i] = src[i * size + k];
}

int cy_h5w_compress(const cy_h5w *w, cy_h5w_job *b) {
  for (int fi = 0; fi < F_COUNT; fi++) {
    field f = (field)fi;
    if (!field_present(w, f) || w->per[f] == 0)
      continue;
    size_t esz = type_size(fields[f].type), n = w->C * w->per[f];
    size_t bytes = n * esz;
    const unsigned char *src = b->buf[f];
    if (b->n < w->C) /* the padding of an edge chunk */
      memset(b->buf[f] + b->n * w->per[f] * esz, 0,
             (w->C - b->n) * w->per[f] * esz);
    if (esz > 1) {
      if (b->shuf_cap < bytes) {
        unsigned char *t = realloc(b->shuf, bytes);
        if (!t)
          return CY_ENOMEM;
        b->shuf = t;
        b->shuf_cap = bytes;
      }
      shuffle(b->shuf, src, n, esz);
      src = b->shuf;
    }
    uLongf zl = compressBound((uLong)bytes);
    if (b->zcap[f] < zl) {
      unsigned char *t = realloc(b->z[f], zl);
      if (!t)
        return CY_ENOMEM;
      b->z[f] = t;
      b->zcap[f] = zl;
    }
    /* compress2: the zlib stream HDF5's deflate filter writes and reads. */
    if (compress2(b->z[f], &zl, src, (uLong)bytes, DEFLATE_LEVEL) != Z_OK)
      return CY_EINTERNAL;
    b->zlen[f] = zl;
  }
  b->compressed = true;
  return CY_OK;
}

int cy_h5w_commit(cy_h5w *w, cy_h5w_job *b, cy_error *err) {
  for (block **pp = &w->out; *pp; pp = &(*pp)->next)
    if (*pp == b) {
      *pp = b->next;
      break;
    }
  b->next = w->open; /* block_retire() unlinks it from here */
  w->open = b;
  double t0 = now();
  int rc = b->compressed ? CY_OK : cy_h5w_compress(w, b);
  if (rc != CY_OK)
    rc = cy_error_set(err, rc, "%s: cannot compress a chunk (%s)", w->path,
                      cy_strerror(rc));
  /* Status last (see block_write), event rows just before it. */
  for (int fi = F_COUNT - 1; rc == CY_OK && fi >= 0; fi--) {
    field f = (field)fi;
    if (!field_present(w, f) || w->per[f] == 0)
      continue;
    hsize_t off[5] = {b->point, b->rep0, 0, 0, 0};
    if (H5Dwrite_chunk(w->ds[f], H5P_DEFAULT, 0, off, b->zlen[f], b->z[f]) < 0)
      rc = hfail(err, w, "write a chunk of", fields[f].path);
    if (rc == CY_OK && f == F_SEED && w->event_log)
      rc = append_events(w, b, 0, b->n, err);
  }
  w->busy += now() - t0;
  block_retire(w, b);
  return rc;
}

int cy_h5w_close(cy_h5w *w, bool complete, double *busy, cy_error *err) {
  if (!w)
    return CY_OK;
  int rc = CY_OK;
  cy_h5w_job *j;
  while (rc == CY_OK && (j = cy_h5w_next_job(w)))
    rc = cy_h5w_commit(w, j, err);
  while (rc == CY_OK && w->open) {
    block *b = w->open;
    rc = block_write(w, b, err);
    block_retire(w, b);
  }
  double t0 = now();
  if (rc == CY_OK)
    rc = cy_h5_attr_i32(w->file, w->path, "complete", complete ? 1 : 0, err);
  if (rc == CY_OK) {
    for (int f = 0; f < F_COUNT; f++)
      if (w->ds[f] >= 0)
        H5Dclose(w->ds[f]), w->ds[f] = -1;
    for (int c = 0; c < EC_COUNT; c++)
      if (w->ev[c] >= 0)
        H5Dclose(w->ev[c]), w->ev[c] = -1;
    if (w->ev_scale >= 0)
      H5Dclose(w->ev_scale), w->ev_scale = -1;
    if (H5Fclose(w->file) < 0)
      rc = cy_error_set(err, CY_EHDF5, "%s: HDF5 failed to close the file",
                        w->path);
    w->file = -1;
  }
  w->busy += now() - t0;
  if (busy)
    *busy = w->busy;
  writer_free(w);
  return rc;
}
