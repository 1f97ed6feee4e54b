/* h5in.c: the output file reader (for `cysim report`, `--resume` and tests).
 *
 * Every file is distrusted (see h5io.h).  cy__h5r_open() checks, in this
 * order: the path (stat: missing, a directory, not a regular file, empty),
 * that HDF5 opens it, the root attributes, the root scales (which give P,
 * R, N, K, A, B), every dataset of the layout (hard links only, storage in
 * this file, rank, every dimension, type class), the values of
 * /summary/status, the sweep axes, the event log and the scenario text.
 * Nothing is read before the dataset's shape has been compared with the
 * buffer's, every read names its hyperslab and a memory space of exactly
 * the buffer's size, and every allocation sized from the file goes through
 * an overflow check and the CY_H5R_MAX_BYTES budget. */
#include "h5io.h"
#include "h5layout.h"
#include "h5util.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What a study can be (sim/scenario*.c): larger scales are refused before
 * anything is allocated from them. */
enum {
  MAX_POINTS = 10000000, /* the loader's limit on sweep points */
  /* The loader sets no limit on alliances; a million is far beyond any
   * study and keeps a hostile scale from costing minutes of reading. */
  MAX_ALLIANCES = 1000000,
  AXIS_TEXT_MAX = CY_ID_MAX * 4, /* a string sweep value, truncated */
  SCENARIO_TEXT_MAX = 64 << 20,  /* scenario files are a few kB */
};

typedef enum tclass { T_UINT, T_INT, T_FLOAT, T_STR, T_AXIS } tclass;

/* The [point, replication, ...] datasets are cy__h5_datasets[]
 * (h5layout.h).  The file's types may differ from the writer's in size,
 * not in class: any integer for integer fields (an unsigned one for
 * /summary/status), a float for float fields. */
enum { N_LAYOUT = CY_H5_N_DATASETS };

static tclass class_of(cy_elem_type t) {
  return t == CY_ELEM_F64 ? T_FLOAT : T_INT;
}

static tclass dataset_class(size_t f) {
  return f == CY_H5_STATUS ? T_UINT : class_of(cy__h5_datasets[f].type);
}

/* /events columns: EV_SCALE, the scale `event` every column is attached
 * to, then cy__h5_event_columns[c - 1]. */
enum { EV_SCALE = 0, N_ECOLS = 1 + CY_H5_N_EVENT_COLUMNS };

static const char *ecol_name(size_t c) {
  return c == EV_SCALE ? "event" : cy__h5_event_columns[c - 1].name;
}

static tclass ecol_class(size_t c) {
  return c == EV_SCALE ? T_INT : class_of(cy__h5_event_columns[c - 1].type);
}

struct cy_h5r {
  char *path;
  hid_t file;
  cy_h5r_meta m;
  bool has_alliance; /* the alliance scale exists */
  bool present[N_LAYOUT];
  int rank[N_LAYOUT];
  hsize_t dims[N_LAYOUT][5];
  size_t per_point[N_LAYOUT]; /* values of one point: R x trailing dims */
  size_t n_events;
  char *scenario_text;
  uint64_t budget; /* bytes the reader may still allocate */
  int alloc_rc;    /* why the last r_calloc() failed */
};

const cy_h5r_meta *cy__h5r_meta_of(const cy_h5r *r) { return &r->m; }

const char *cy__h5r_scenario_text(const cy_h5r *r) { return r->scenario_text; }

const cy_design *cy__h5r_design(const cy_h5r *r) { return &r->m.design; }

hid_t cy__h5r_file_id(const cy_h5r *r) { return r->file; }

void cy__h5r_close(cy_h5r *r) {
  if (!r)
    return;
  if (r->file >= 0)
    H5Fclose(r->file);
  for (size_t a = 0; a < r->m.n_axes; a++) {
    free(r->m.axes[a].num);
    if (r->m.axes[a].str)
      free(r->m.axes[a].str[0]); /* owns every value's text */
    free(r->m.axes[a].str);
  }
  free(r->m.axes);
  free(r->m.states);
  free(r->m.optypes);
  free(r->m.alliances);
  free(r->m.status);
  free(r->m.time_bounds);
  free(r->m.alliance_enabled);
  cy_design *d = &r->m.design;
  free(d->factors);
  free(d->matrix);
  free(d->row);
  free(d->unit);
  free(r->scenario_text);
  free(r->path);
  free(r);
}

/* CY_EINPUT with "path: message". */
static int bad(const cy_h5r *r, cy_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const cy_h5r *r, cy_error *err, const char *fmt, ...) {
  char msg[CY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cy_error_set(err, CY_EINPUT, "%s: %s", r->path, msg);
}

/* The innermost message on HDF5's error stack ("truncated file: eof = ...",
 * "inflate() failed"): the reason to show the user. */
typedef struct reason {
  char s[200];
} reason;

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data) {
  reason *why = data;
  if (n == 0 && e->desc)
    snprintf(why->s, sizeof why->s, "%s", e->desc);
  return 0;
}

static reason h5_reason(void) {
  reason why = {"no detail from HDF5"};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &why);
  cy__h5_clean_text(why.s);
  return why;
}

/* calloc(n, size) from the reader's budget: a size from a hostile file is
 * refused with a message, never attempted.  On NULL, r->alloc_rc is the
 * error code. */
static void *r_calloc(cy_h5r *r, size_t n, size_t size, const char *what,
                      cy_error *err) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes) || bytes > r->budget) {
    r->alloc_rc =
        bad(r, err,
            "%s would need %.3g GiB of memory, more than the %llu GiB the "
            "reader allows",
            what, (double)n * (double)size / (1 << 30),
            (unsigned long long)(CY_H5R_MAX_BYTES >> 30));
    return NULL;
  }
  void *p = calloc(bytes ? bytes : 1, 1);
  if (!p) {
    r->alloc_rc =
        cy_error_set(err, CY_ENOMEM, "%s: out of memory (%zu bytes for %s)",
                     r->path, bytes, what);
    return NULL;
  }
  r->budget -= bytes;
  return p;
}

static const char *kind_name(H5I_type_t t) {
  switch (t) {
  case H5I_GROUP:
    return "a group";
  case H5I_DATASET:
    return "a dataset";
  case H5I_DATATYPE:
    return "a named datatype";
  default:
    return "an object of unknown kind";
  }
}

/* Opens the object at `path` ("summary/ops"), of kind `want`, after
 * checking that every link on the way is a hard link and every group on
 * the way a group: a soft or external link could lead into another file or
 * to a device.  *id = -1 (and CY_OK) when the object is absent. */
static int open_obj(cy_h5r *r, const char *path, H5I_type_t want, hid_t *id,
                    cy_error *err) {
  *id = -1;
  char buf[16 + CY_ID_MAX];
  size_t len = strlen(path);
  assert(len < sizeof buf);
  memcpy(buf, path, len + 1);
  for (size_t i = 0; i <= len; i++) {
    char c = buf[i];
    if (c != '/' && c != '\0')
      continue;
    buf[i] = '\0';
    htri_t e = H5Lexists(r->file, buf, H5P_DEFAULT);
    if (e < 0)
      return bad(r, err, "/%s cannot be looked up (%s)", buf, h5_reason().s);
    if (e == 0)
      return CY_OK;
    H5L_info_t li;
    if (H5Lget_info(r->file, buf, &li, H5P_DEFAULT) < 0)
      return bad(r, err, "/%s cannot be looked up (%s)", buf, h5_reason().s);
    if (li.type != H5L_TYPE_HARD)
      return bad(r, err, "/%s is %s link; the reader follows only hard links",
                 buf,
                 li.type == H5L_TYPE_SOFT       ? "a soft"
                 : li.type == H5L_TYPE_EXTERNAL ? "an external"
                                                : "a user-defined");
    hid_t o = H5Oopen(r->file, buf, H5P_DEFAULT);
    if (o < 0)
      return bad(r, err, "/%s cannot be opened (%s)", buf, h5_reason().s);
    H5I_type_t t = H5Iget_type(o), need = c ? H5I_GROUP : want;
    if (t != need) {
      H5Oclose(o);
      return bad(r, err, "/%s is %s, expected %s", buf, kind_name(t),
                 kind_name(need));
    }
    if (!c) {
      *id = o;
      return CY_OK;
    }
    H5Oclose(o);
    buf[i] = c;
  }
  return CY_OK; /* not reached: the loop ends at the terminating NUL */
}

static void fmt_dims(char *buf, size_t n, int rank, const hsize_t *dims) {
  size_t at = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < rank && at < n; i++)
    at += (size_t)snprintf(buf + at, n - at, "%s%llu", i ? "," : "",
                           (unsigned long long)dims[i]);
  if (at < n)
    snprintf(buf + at, n - at, "]");
}

static const char *const class_wanted[] = {
    [T_UINT] = "an unsigned integer",
    [T_INT] = "an integer",
    [T_FLOAT] = "a float",
    [T_STR] = "text",
    [T_AXIS] = "numbers or text",
};

static bool class_ok(hid_t t, tclass want) {
  H5T_class_t c = H5Tget_class(t);
  switch (want) {
  case T_UINT:
    return c == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE;
  case T_INT:
    return c == H5T_INTEGER;
  case T_FLOAT:
    return c == H5T_FLOAT;
  case T_STR:
    return c == H5T_STRING;
  default:
    return c == H5T_INTEGER || c == H5T_FLOAT || c == H5T_STRING;
  }
}

/* The storage of d: its data in this file, in a layout the reader knows.
 * *lay receives the layout and, when chunked, *crank and chunk[] the chunk
 * dimensions. */
static int check_storage(cy_h5r *r, hid_t d, const char *path,
                         H5D_layout_t *lay, int *crank, hsize_t *chunk,
                         cy_error *err) {
  hid_t dcpl = H5Dget_create_plist(d);
  if (dcpl < 0)
    return bad(r, err, "/%s has unreadable storage properties (%s)", path,
               h5_reason().s);
  *lay = H5Pget_layout(dcpl);
  int ext = H5Pget_external_count(dcpl);
  *crank = *lay == H5D_CHUNKED ? H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk) : 0;
  H5Pclose(dcpl);
  if (*lay == H5D_VIRTUAL)
    return bad(r, err,
               "/%s is a virtual dataset (its data lives in other files); "
               "the reader does not follow it",
               path);
  if (ext != 0)
    return bad(r, err,
               "/%s keeps its data in external files; the reader does not "
               "follow them",
               path);
  if (*lay != H5D_COMPACT && *lay != H5D_CONTIGUOUS && *lay != H5D_CHUNKED)
    return bad(r, err, "/%s has an unknown storage layout", path);
  return CY_OK;
}

/* The dataspace of d: simple, of `rank` dimensions equal to want[] (any
 * sizes when want is NULL).  dims[rank] and max[] receive them. */
static int check_space(cy_h5r *r, hid_t d, const char *path, int rank,
                       const hsize_t *want, const char *names, hsize_t *dims,
                       hsize_t *max, cy_error *err) {
  hid_t sp = H5Dget_space(d);
  H5S_class_t sc = sp < 0 ? H5S_NO_CLASS : H5Sget_simple_extent_type(sp);
  int nd = sc == H5S_SIMPLE ? H5Sget_simple_extent_ndims(sp) : 0;
  hsize_t got[H5S_MAX_RANK];
  if (nd > 0 && H5Sget_simple_extent_dims(sp, got, max) != nd)
    nd = -1;
  if (sp >= 0)
    H5Sclose(sp);
  if (sc == H5S_NO_CLASS || nd < 0)
    return bad(r, err, "/%s has an unreadable dataspace (%s)", path,
               h5_reason().s);
  char exp[160], have[160];
  if (want)
    fmt_dims(exp, sizeof exp, rank, want);
  else
    snprintf(exp, sizeof exp, "%d dimension%s", rank, rank == 1 ? "" : "s");
  if (sc != H5S_SIMPLE)
    return bad(r, err, "/%s is %s, expected %s (%s)", path,
               sc == H5S_SCALAR ? "a scalar" : "empty (a null dataspace)", exp,
               names);
  bool same = nd == rank;
  for (int i = 0; same && want && i < rank; i++)
    same = got[i] == want[i];
  if (!same) {
    fmt_dims(have, sizeof have, nd, got);
    return bad(r, err, "/%s has shape %s, expected %s (%s)", path, have, exp,
               names);
  }
  for (int i = 0; i < rank; i++)
    dims[i] = got[i];
  return CY_OK;
}

/* HDF5 1.10.8 trusts the chunk dimensions it reads: one larger than a
 * fixed maximum (only a damaged file has it) overruns its buffers. */
static int check_chunks(cy_h5r *r, const char *path, H5D_layout_t lay,
                        int crank, const hsize_t *chunk, int rank,
                        const hsize_t *max, cy_error *err) {
  bool chunk_ok = lay != H5D_CHUNKED || crank == rank;
  uint64_t cvals = 1;
  for (int i = 0; lay == H5D_CHUNKED && chunk_ok && i < rank; i++)
    chunk_ok =
        chunk[i] >= 1 && (max[i] == H5S_UNLIMITED || chunk[i] <= max[i]) &&
        !__builtin_mul_overflow(cvals, chunk[i], &cvals) && cvals <= UINT32_MAX;
  if (!chunk_ok)
    return bad(r, err, "/%s has impossible chunk dimensions (damaged file?)",
               path);
  return CY_OK;
}

/* The type of d: of class cls, and a number layout HDF5 converts safely. */
static int check_type(cy_h5r *r, hid_t d, const char *path, tclass cls,
                      cy_error *err) {
  hid_t t = H5Dget_type(d);
  if (t < 0)
    return bad(r, err, "/%s has an unreadable type (%s)", path, h5_reason().s);
  int rc = CY_OK;
  if (!class_ok(t, cls))
    rc = bad(r, err, "/%s is %s, expected %s", path, cy__h5_class_name(t),
             class_wanted[cls]);
  else if (!cy__h5_number_ok(t))
    rc = bad(r, err,
             "/%s is %s of %zu bytes in an unusual layout (damaged "
             "file?)",
             path, cy__h5_class_name(t), H5Tget_size(t));
  H5Tclose(t);
  return rc;
}

/* Checks the open dataset d at `path`: its data stored in this file, a
 * simple dataspace of `rank` dimensions equal to want[] (any sizes when
 * want is NULL), type class `cls`.  dims receives the dimensions.  `names`
 * names the dimensions for the message. */
static int check_ds(cy_h5r *r, hid_t d, const char *path, int rank,
                    const hsize_t *want, const char *names, tclass cls,
                    hsize_t *dims, cy_error *err) {
  H5D_layout_t lay = H5D_LAYOUT_ERROR;
  int crank = 0;
  hsize_t chunk[H5S_MAX_RANK], max[H5S_MAX_RANK];
  int rc = check_storage(r, d, path, &lay, &crank, chunk, err);
  if (!rc)
    rc = check_space(r, d, path, rank, want, names, dims, max, err);
  if (!rc)
    rc = check_chunks(r, path, lay, crank, chunk, rank, max, err);
  if (!rc)
    rc = check_type(r, d, path, cls, err);
  return rc;
}

/* Reads the selection fs of d (n values) into buf through a 1-D memory
 * space of exactly n values. */
static int read_sel(cy_h5r *r, hid_t d, hid_t fs, hid_t mt, hsize_t n,
                    void *buf, const char *path, const char *where,
                    cy_error *err) {
  if (n == 0)
    return CY_OK;
  hid_t ms = H5Screate_simple(1, &n, NULL);
  herr_t e = ms < 0 ? -1 : H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf);
  int rc = e < 0 ? bad(r, err, "/%s cannot be read%s (%s)", path, where,
                       h5_reason().s)
                 : CY_OK;
  if (ms >= 0)
    H5Sclose(ms);
  return rc;
}

/* ---- cy__h5r_open, step by step ---- */

static int open_file(cy_h5r *r, cy_error *err) {
  /* stat() first: HDF5's own message for a missing file or a directory
   * does not say which. */
  struct stat st;
  if (stat(r->path, &st) != 0)
    return bad(r, err, "cannot open: %s", strerror(errno));
  if (S_ISDIR(st.st_mode))
    return bad(r, err, "cannot open: %s", strerror(EISDIR));
  if (!S_ISREG(st.st_mode))
    return bad(r, err, "cannot open: not a regular file");
  FILE *f = fopen(r->path, "rb");
  if (!f)
    return bad(r, err, "cannot open: %s", strerror(errno));
  fclose(f);
  if (st.st_size == 0)
    return bad(r, err, "cannot open: the file is empty, not an HDF5 file");
  if (H5Fis_hdf5(r->path) == 0)
    return bad(r, err, "cannot open: not an HDF5 file");
  r->file = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r->file < 0)
    return bad(r, err,
               "cannot open: HDF5 cannot read it, damaged or "
               "truncated (%s)",
               h5_reason().s);
  return CY_OK;
}

/* A shard's root attributes `task` and `tasks` (0 and 0 when absent): a
 * task count of 1 or more and a task below it. */
static int read_task(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  htri_t e = H5Aexists(r->file, "tasks");
  if (e == 0)
    return CY_OK;
  int rc = e < 0
               ? bad(r, err, "root attribute 'tasks' is unreadable")
               : cy__h5_get_attr_i64(r->file, r->path, "tasks", &m->tasks, err);
  if (!rc)
    rc = cy__h5_get_attr_i64(r->file, r->path, "task", &m->task, err);
  if (!rc && !(m->tasks >= 1 && m->task >= 0 && m->task < m->tasks))
    rc = bad(r, err,
             "root attributes task %lld and tasks %lld do not name a task "
             "of a split",
             (long long)m->task, (long long)m->tasks);
  return rc;
}

static int read_root(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  const char *path = r->path;
  htri_t e = H5Aexists(r->file, "format");
  if (e == 0)
    return bad(r, err, "not a cysim output file (no root attribute 'format')");
  char *s = NULL;
  int rc = cy__h5_get_attr_str(r->file, path, "format", &s, err);
  if (rc)
    return rc;
  if (strcmp(s, "cysim") != 0) {
    cy__h5_clean_text(s);
    rc = bad(r, err,
             "not a cysim output file (root attribute 'format' is \"%.40s\", "
             "expected \"cysim\")",
             s);
  }
  free(s);
  int64_t v = 0;
  if (!rc)
    rc = cy__h5_get_attr_i64(r->file, path, "format_version", &v, err);
  if (!rc && v != 1 && v != 2)
    rc = bad(r, err,
             "root attribute 'format_version' is %lld; this cysim reads "
             "versions 1 and 2",
             (long long)v);
  m->format_version = (int)v;
  if (!rc &&
      !(rc = cy__h5_get_attr_str(r->file, path, "scenario_name", &s, err))) {
    cy__h5_clean_text(s);
    snprintf(m->scenario_name, sizeof m->scenario_name, "%s", s);
    free(s);
  }
  if (!rc && (e = H5Aexists(r->file, "start")) != 0) {
    if (e < 0)
      rc = bad(r, err, "root attribute 'start' is unreadable (%s)",
               h5_reason().s);
    else if (!(rc = cy__h5_get_attr_str(r->file, path, "start", &s, err))) {
      long day; /* a real day, as the scenario loader requires */
      if (cy_date_parse(s, &day) != 0) {
        cy__h5_clean_text(s);
        rc = bad(r, err,
                 "root attribute 'start' is \"%.40s\", expected a date "
                 "YYYY-MM-DD",
                 s);
      } else
        snprintf(m->start, sizeof m->start, "%s", s);
      free(s);
    }
  }
  if (!rc)
    rc = cy__h5_get_attr_f64(r->file, path, "horizon", &m->horizon, err);
  if (!rc && !(isfinite(m->horizon) && m->horizon > 0))
    rc = bad(r, err,
             "root attribute 'horizon' is %g, expected a finite number of "
             "days > 0",
             m->horizon);
  if (!rc)
    rc = cy__h5_get_attr_i64(r->file, path, "seed", &m->seed, err);
  if (!rc)
    rc = cy__h5_get_attr_i64(r->file, path, "complete", &v, err);
  if (!rc && v != 0 && v != 1)
    rc = bad(r, err, "root attribute 'complete' is %lld, expected 0 or 1",
             (long long)v);
  m->complete = (int)v;
  return rc ? rc : read_task(r, err);
}

/* The length of root scale `name` into *n: a rank-1 dataset of class cls
 * with min..max values.  *present = false when it is absent and not
 * required. */
static int scale_len(cy_h5r *r, const char *name, tclass cls, bool required,
                     uint64_t min, uint64_t max, const char *why, size_t *n,
                     bool *present, cy_error *err) {
  *n = 0;
  *present = false;
  hid_t d;
  int rc = open_obj(r, name, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  if (d < 0)
    return required ? bad(r, err, "scale /%s is missing", name) : CY_OK;
  hsize_t dim = 0;
  rc = check_ds(r, d, name, 1, NULL, "a dimension scale", cls, &dim, err);
  H5Dclose(d);
  if (rc)
    return rc;
  if (dim < min || dim > max)
    return bad(r, err, "scale /%s has %llu values; %s", name,
               (unsigned long long)dim, why);
  *n = (size_t)dim;
  *present = true;
  return CY_OK;
}

static int read_scales(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  hid_t g;
  int rc = open_obj(r, "timeseries", H5I_GROUP, &g, err);
  if (rc)
    return rc;
  m->timeseries = g >= 0;
  if (g >= 0)
    H5Gclose(g);
  bool present;
  size_t na = 0, nt = 0;
  if ((rc = scale_len(r, "point", T_INT, true, 1, MAX_POINTS,
                      "a study has 1 to 10000000 sweep points", &m->P, &present,
                      err)) ||
      (rc = scale_len(r, "replication", T_INT, true, 1, UINT32_MAX,
                      "a study has 1 to 4294967295 replications", &m->R,
                      &present, err)) ||
      (rc = scale_len(r, "state", T_STR, true, CY_MIN_STATES, CY_MAX_STATES,
                      "a study has 2 to 256 states", &m->N, &present, err)) ||
      (rc = scale_len(r, "attacker", T_STR, true, 0, UINT64_MAX, "", &na,
                      &present, err)) ||
      (rc = scale_len(r, "target", T_STR, true, 0, UINT64_MAX, "", &nt,
                      &present, err)) ||
      (rc = scale_len(r, "optype", T_STR, true, 1, CY_MAX_OPTYPES,
                      "a study has 1 to 16 operation types", &m->K, &present,
                      err)) ||
      (rc = scale_len(r, "alliance", T_STR, false, 1, MAX_ALLIANCES,
                      "a study has 1 to 1000000 alliances (the scale is "
                      "absent when it has none)",
                      &m->A, &r->has_alliance, err)) ||
      (rc = scale_len(r, "time", T_FLOAT, m->timeseries, 1, UINT32_MAX,
                      "a time series has 1 to 4294967295 bins", &m->B, &present,
                      err)))
    return rc;
  if (na != m->N || nt != m->N)
    return bad(r, err,
               "scales /attacker, /target and /state have %zu, %zu and %zu "
               "values; they must agree",
               na, nt, m->N);

  m->states = r_calloc(r, m->N, CY_ID_MAX, "the /state labels", err);
  m->optypes =
      r_calloc(r, m->K ? m->K : 1, CY_ID_MAX, "the /optype labels", err);
  m->alliances =
      r_calloc(r, m->A ? m->A : 1, CY_ID_MAX, "the /alliance labels", err);
  if (!m->states || !m->optypes || !m->alliances)
    return r->alloc_rc;
  if ((rc = cy__h5_read_strings(r->file, r->path, "state", m->N, m->states[0],
                                CY_ID_MAX, err)) ||
      (rc = cy__h5_read_strings(r->file, r->path, "optype", m->K, m->optypes[0],
                                CY_ID_MAX, err)) ||
      (r->has_alliance &&
       (rc = cy__h5_read_strings(r->file, r->path, "alliance", m->A,
                                 m->alliances[0], CY_ID_MAX, err))))
    return rc;
  /* attacker and target repeat state's labels (for xarray's coordinates). */
  char(*other)[CY_ID_MAX] =
      r_calloc(r, m->N, CY_ID_MAX, "the /attacker labels", err);
  if (!other)
    return r->alloc_rc;
  static const char *const same[2] = {"attacker", "target"};
  for (int s = 0; !rc && s < 2; s++) {
    rc = cy__h5_read_strings(r->file, r->path, same[s], m->N, other[0],
                             CY_ID_MAX, err);
    for (size_t i = 0; !rc && i < m->N; i++)
      if (strcmp(other[i], m->states[i]) != 0)
        rc = bad(r, err,
                 "scale /%s[%zu] is \"%s\" but /state[%zu] is \"%s\"; they "
                 "must agree",
                 same[s], i, other[i], i, m->states[i]);
  }
  free(other);
  r->budget += (uint64_t)m->N * CY_ID_MAX;
  return rc;
}

/* The sizes the scales give; B = 0 without /timeseries. */
static cy_h5_sizes file_sizes(const cy_h5r *r) {
  const cy_h5r_meta *m = &r->m;
  return (cy_h5_sizes){.P = m->P,
                       .R = m->R,
                       .N = m->N,
                       .K = m->K,
                       .A = r->has_alliance ? m->A : 0,
                       .B = m->timeseries ? m->B : 0};
}

/* Checks dataset f against the scales; r->present[f] etc. receive what
 * was found. */
static int check_dataset(cy_h5r *r, size_t f, cy_error *err) {
  const cy_h5r_meta *m = &r->m;
  const cy_h5_dataset *ds = &cy__h5_datasets[f];
  cy_h5_sizes z = file_sizes(r);
  bool expect = cy__h5_shape_present(ds->shape, &z);
  hid_t d;
  int rc = open_obj(r, ds->path, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  /* Fields added after version 1 are absent from its files. */
  if (d < 0 && r->m.format_version == 1 && f >= CY_H5_V1_DATASETS)
    return CY_OK;
  if (d < 0)
    return expect ? bad(r, err, "/%s is missing", ds->path) : CY_OK;
  if (!expect) {
    H5Dclose(d);
    return bad(r, err, "/%s is present but the file has no /alliance scale",
               ds->path);
  }
  hsize_t want[5] = {m->P, m->R};
  int rank = 2 + cy__h5_shape_dims(ds->shape, &z, want + 2, NULL);
  rc = check_ds(r, d, ds->path, rank, want, cy__h5_shape_text(ds->shape),
                dataset_class(f), r->dims[f], err);
  H5Dclose(d);
  if (rc)
    return rc;
  /* Sizes are compared one by one above; their products can still
   * overflow on a hostile file (huge declared shapes cost nothing). */
  size_t per = 1, total;
  for (int i = 1; i < rank; i++)
    if (__builtin_mul_overflow(per, (size_t)want[i], &per))
      per = SIZE_MAX;
  if (per == SIZE_MAX || __builtin_mul_overflow(per, m->P, &total))
    return bad(r, err, "/%s declares more values than can be addressed",
               ds->path);
  r->present[f] = true;
  r->rank[f] = rank;
  r->per_point[f] = per;
  return CY_OK;
}

static int check_datasets(cy_h5r *r, cy_error *err) {
  int rc = CY_OK;
  for (size_t f = 0; !rc && f < N_LAYOUT; f++)
    rc = check_dataset(r, f, err);
  return rc;
}

static int read_status(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  m->status = r_calloc(r, m->P, m->R, "/summary/status", err);
  if (!m->status)
    return r->alloc_rc;
  hid_t d = H5Dopen2(r->file, cy__h5_datasets[CY_H5_STATUS].path, H5P_DEFAULT);
  if (d < 0)
    return bad(r, err, "/summary/status cannot be opened (%s)", h5_reason().s);
  hid_t fs = H5Dget_space(d);
  int rc =
      fs < 0 || H5Sselect_all(fs) < 0
          ? bad(r, err, "/summary/status cannot be read (%s)", h5_reason().s)
          : read_sel(r, d, fs, H5T_NATIVE_UINT8, (hsize_t)m->P * m->R,
                     m->status, "summary/status", "", err);
  if (fs >= 0)
    H5Sclose(fs);
  H5Dclose(d);
  /* Larger values were clamped to 255 by HDF5's conversion, so any value
   * other than 0 or 1 in the file shows here. */
  for (size_t i = 0; !rc && i < m->P * m->R; i++)
    if (m->status[i] > 1)
      rc = bad(r, err,
               "/summary/status is %u%s at point %zu, replication %zu; "
               "expected 0 (missing) or 1 (done)",
               m->status[i], m->status[i] == 255 ? " or more" : "", i / m->R,
               i % m->R);
  return rc;
}

/* A version 2 dataset `path` of class cls and shape [d0, d1], read whole
 * into *out (converted to mt, `size` bytes a value) after its shape and
 * type are checked; *out stays NULL when the dataset is absent from a
 * version 1 file. */
static int read_v2(cy_h5r *r, const char *path, hsize_t d0, hsize_t d1,
                   const char *names, tclass cls, hid_t mt, size_t size,
                   void **out, cy_error *err) {
  hid_t d;
  int rc = open_obj(r, path, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  if (d < 0)
    return r->m.format_version == 1
               ? CY_OK
               : bad(r, err, "/%s is missing (format version 2)", path);
  hsize_t want[2] = {d0, d1}, dims[2];
  rc = check_ds(r, d, path, 2, want, names, cls, dims, err);
  if (!rc && !(*out = r_calloc(r, (size_t)(d0 * d1), size, path, err)))
    rc = r->alloc_rc;
  hid_t fs = rc ? -1 : H5Dget_space(d);
  if (!rc && (fs < 0 || H5Sselect_all(fs) < 0))
    rc = bad(r, err, "/%s cannot be read (%s)", path, h5_reason().s);
  if (!rc)
    rc = read_sel(r, d, fs, mt, d0 * d1, *out, path, "", err);
  if (fs >= 0)
    H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

/* /time_bounds and /summary/alliance_enabled. */
static int read_v2_datasets(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  int rc = CY_OK;
  if (m->timeseries)
    rc = read_v2(r, "time_bounds", m->B, 2, "time, nv", T_FLOAT,
                 H5T_NATIVE_DOUBLE, sizeof(double), (void **)&m->time_bounds,
                 err);
  for (size_t i = 0; !rc && m->time_bounds && i < 2 * m->B; i++)
    if (!isfinite(m->time_bounds[i]))
      rc = bad(r, err, "/time_bounds[%zu, %zu] is %g, expected a finite day",
               i / 2, i % 2, m->time_bounds[i]);
  if (!rc && r->has_alliance)
    rc = read_v2(r, "summary/alliance_enabled", m->P, m->A, "point, alliance",
                 T_UINT, H5T_NATIVE_UINT8, 1, (void **)&m->alliance_enabled,
                 err);
  for (size_t i = 0; !rc && m->alliance_enabled && i < m->P * m->A; i++)
    if (m->alliance_enabled[i] > 1)
      rc = bad(r, err,
               "/summary/alliance_enabled is %u%s at point %zu, alliance "
               "%zu; expected 0 or 1",
               m->alliance_enabled[i],
               m->alliance_enabled[i] == 255 ? " or more" : "", i / m->A,
               i % m->A);
  return rc;
}

typedef struct names_ctx {
  char (*names)[CY_ID_MAX];
  size_t n, cap;
  bool too_long;
} names_ctx;

static herr_t add_name(hid_t g, const char *name, const H5L_info_t *info,
                       void *data) {
  (void)g, (void)info;
  names_ctx *c = data;
  if (c->n >= c->cap)
    return 1; /* more links than H5Gget_info counted: stop */
  if (strlen(name) >= CY_ID_MAX) {
    c->too_long = true;
    snprintf(c->names[0], CY_ID_MAX, "%s", name);
    return 1;
  }
  snprintf(c->names[c->n++], CY_ID_MAX, "%s", name);
  return 0;
}

/* Reads sweep axis `name` into ax. */
static int read_axis(cy_h5r *r, const char *name, cy_h5r_axis *ax,
                     cy_error *err) {
  size_t P = r->m.P;
  char path[16 + CY_ID_MAX];
  snprintf(path, sizeof path, "sweep/%s", name);
  snprintf(ax->name, sizeof ax->name, "%s", name);
  cy__h5_clean_text(ax->name);
  hid_t d;
  int rc = open_obj(r, path, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  if (d < 0)
    return bad(r, err, "/%s vanished while being read", path);
  hsize_t want = P, dim;
  rc = check_ds(r, d, path, 1, &want, "point", T_AXIS, &dim, err);
  htri_t has_path = rc ? 0 : H5Aexists(d, "path");
  if (has_path < 0)
    rc = bad(r, err, "attribute 'path' of /%s is unreadable (%s)", path,
             h5_reason().s);
  else if (has_path > 0) {
    char *s = NULL;
    if (!(rc = cy__h5_get_attr_str(d, r->path, "path", &s, err))) {
      cy__h5_clean_text(s);
      snprintf(ax->path, sizeof ax->path, "%s", s);
      free(s);
    }
  }
  hid_t t = rc ? -1 : H5Dget_type(d);
  if (!rc && t < 0)
    rc = bad(r, err, "/%s has an unreadable type (%s)", path, h5_reason().s);
  if (!rc && H5Tget_class(t) == H5T_STRING) {
    ax->type = CY_VALUE_STRING;
    char *raw = r_calloc(r, P, AXIS_TEXT_MAX, path, err);
    ax->str = r_calloc(r, P, sizeof *ax->str, path, err);
    if (!raw || !ax->str)
      rc = r->alloc_rc;
    else
      rc = cy__h5_read_strings(r->file, r->path, path, P, raw, AXIS_TEXT_MAX,
                               err);
    /* Packed into one block that str[0] owns. */
    size_t total = 0;
    for (size_t p = 0; !rc && p < P; p++)
      total += strlen(raw + p * AXIS_TEXT_MAX) + 1;
    char *pack = rc ? NULL : malloc(total);
    if (!rc && !pack)
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    for (size_t p = 0, at = 0; !rc && p < P; p++) {
      size_t len = strlen(raw + p * AXIS_TEXT_MAX) + 1;
      memcpy(pack + at, raw + p * AXIS_TEXT_MAX, len);
      ax->str[p] = pack + at;
      at += len;
    }
    if (raw)
      r->budget += (uint64_t)P * AXIS_TEXT_MAX;
    free(raw);
  } else if (!rc) {
    ax->type = H5Tget_class(t) == H5T_FLOAT ? CY_VALUE_DOUBLE
               : H5Tget_size(t) == 1        ? CY_VALUE_BOOL
                                            : CY_VALUE_INT;
    ax->num = r_calloc(r, P, sizeof *ax->num, path, err);
    hid_t fs = ax->num ? H5Dget_space(d) : -1;
    if (!ax->num)
      rc = r->alloc_rc;
    else if (fs < 0 || H5Sselect_all(fs) < 0)
      rc = bad(r, err, "/%s cannot be read (%s)", path, h5_reason().s);
    else
      rc = read_sel(r, d, fs, H5T_NATIVE_DOUBLE, P, ax->num, path, "", err);
    if (fs >= 0)
      H5Sclose(fs);
  }
  if (t >= 0)
    H5Tclose(t);
  H5Dclose(d);
  return rc;
}

static int read_sweep(cy_h5r *r, cy_error *err) {
  cy_h5r_meta *m = &r->m;
  hid_t g;
  int rc = open_obj(r, "sweep", H5I_GROUP, &g, err);
  if (rc || g < 0)
    return rc;
  H5G_info_t gi;
  names_ctx c = {NULL, 0, 0, false};
  if (H5Gget_info(g, &gi) < 0)
    rc = bad(r, err, "/sweep cannot be listed (%s)", h5_reason().s);
  else if (gi.nlinks > 0) {
    c.cap = (size_t)gi.nlinks;
    c.names = r_calloc(r, c.cap, CY_ID_MAX, "the /sweep axis names", err);
    m->axes = r_calloc(r, c.cap, sizeof *m->axes, "the /sweep axes", err);
    if (!c.names || !m->axes)
      rc = r->alloc_rc;
  }
  if (!rc && c.cap > 0) {
    /* Creation order is the order of the axes in the scenario; a file
     * rewritten without that index (h5py's default) falls back to names. */
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, add_name, &c) <
        0) {
      c.n = 0;
      idx = 0;
      if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, add_name, &c) < 0)
        rc = bad(r, err, "/sweep cannot be listed (%s)", h5_reason().s);
    }
    if (!rc && c.too_long) {
      cy__h5_clean_text(c.names[0]);
      rc = bad(r, err,
               "/sweep/%.40s...: a sweep axis name is at most %d bytes long",
               c.names[0], CY_ID_MAX - 1);
    }
  }
  H5Gclose(g);
  for (size_t a = 0; !rc && a < c.n; a++) {
    m->n_axes = a + 1;
    rc = read_axis(r, c.names[a], &m->axes[a], err);
  }
  free(c.names);
  return rc;
}

/* ---- /design ---- */

/* Dataset `path` of /design (required), of rank 1 or 2 and shape want[],
 * class cls, read whole into *out converted to mt (`size` bytes a
 * value). */
static int read_design_ds(cy_h5r *r, const char *path, int rank,
                          const hsize_t *want, const char *names, tclass cls,
                          hid_t mt, size_t size, void **out, cy_error *err) {
  hid_t d;
  int rc = open_obj(r, path, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  if (d < 0)
    return bad(r, err, "/%s is missing (the file has /design)", path);
  hsize_t dims[2], n = want[0] * (rank == 2 ? want[1] : 1);
  rc = check_ds(r, d, path, rank, want, names, cls, dims, err);
  if (!rc && !(*out = r_calloc(r, (size_t)n, size, path, err)))
    rc = r->alloc_rc;
  hid_t fs = rc ? -1 : H5Dget_space(d);
  if (!rc && (fs < 0 || H5Sselect_all(fs) < 0))
    rc = bad(r, err, "/%s cannot be read (%s)", path, h5_reason().s);
  if (!rc)
    rc = read_sel(r, d, fs, mt, n, *out, path, "", err);
  if (fs >= 0)
    H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

/* The attributes of /design: method lhs or saltelli, samples N >= 2,
 * factors k in 1..P (20 for saltelli), seed; P = N or N (k + 2). */
static int design_attrs(cy_h5r *r, hid_t g, cy_error *err) {
  cy_design *d = &r->m.design;
  char *s = NULL;
  int64_t n = 0, k = 0;
  int rc = cy__h5_get_attr_str(g, r->path, "method", &s, err);
  if (!rc && strcmp(s, "lhs") != 0 && strcmp(s, "saltelli") != 0) {
    cy__h5_clean_text(s);
    rc = bad(r, err,
             "/design attribute 'method' is \"%.40s\", expected \"lhs\" or "
             "\"saltelli\"",
             s);
  }
  bool saltelli = s && strcmp(s, "saltelli") == 0;
  free(s);
  if (!rc)
    rc = cy__h5_get_attr_i64(g, r->path, "samples", &n, err);
  if (!rc)
    rc = cy__h5_get_attr_i64(g, r->path, "factors", &k, err);
  if (!rc)
    rc = cy__h5_get_attr_i64(g, r->path, "seed", &d->seed, err);
  if (rc)
    return rc;
  size_t P = r->m.P;
  if (n < 2 || (uint64_t)n > P || k < 1 || (uint64_t)k > P ||
      (saltelli && k > 20))
    return bad(r, err,
               "/design has samples %lld and factors %lld, expected samples "
               ">= 2 and 1 to %d factors",
               (long long)n, (long long)k, saltelli ? 20 : (int)MAX_POINTS);
  uint64_t want = saltelli ? (uint64_t)n * (uint64_t)(k + 2) : (uint64_t)n;
  if (want != P)
    return bad(r, err,
               "/design: %s of %lld samples and %lld factors has %llu "
               "points, but the file has %zu",
               saltelli ? "saltelli" : "lhs", (long long)n, (long long)k,
               (unsigned long long)want, P);
  d->method = saltelli ? CY_DESIGN_SALTELLI : CY_DESIGN_LHS;
  d->samples = (size_t)n;
  d->n_factors = (size_t)k;
  return CY_OK;
}

/* Point p of the design is row p % N of matrix p / N; unit coordinates in
 * [0, 1]. */
static int design_check(cy_h5r *r, cy_error *err) {
  const cy_design *d = &r->m.design;
  size_t N = d->samples, k = d->n_factors;
  for (size_t p = 0; p < r->m.P; p++)
    if (d->matrix[p] != p / N || d->row[p] != p % N)
      return bad(r, err,
                 "/design/matrix and /design/row give point %zu matrix %u "
                 "row %u, expected matrix %zu row %zu",
                 p, d->matrix[p], d->row[p], p / N, p % N);
  for (size_t i = 0; i < r->m.P * k; i++)
    if (!(d->unit[i] >= 0 && d->unit[i] <= 1))
      return bad(r, err,
                 "/design/unit is %g at point %zu, factor %zu; expected a "
                 "coordinate in [0, 1]",
                 d->unit[i], i / k, i % k);
  return CY_OK;
}

static int read_design(cy_h5r *r, cy_error *err) {
  cy_design *d = &r->m.design;
  hid_t g;
  int rc = open_obj(r, "design", H5I_GROUP, &g, err);
  if (rc || g < 0)
    return rc;
  rc = design_attrs(r, g, err);
  H5Gclose(g);
  hsize_t P = r->m.P, k = d->n_factors, pk[2] = {P, k};
  if (!rc && !(d->factors = r_calloc(r, k, CY_ID_MAX, "design/factor", err)))
    rc = r->alloc_rc;
  if (!rc)
    rc = cy__h5_read_strings(r->file, r->path, "design/factor", k,
                             (char *)d->factors, CY_ID_MAX, err);
  if (!rc)
    rc = read_design_ds(r, "design/matrix", 1, pk, "point", T_UINT,
                        H5T_NATIVE_UINT8, 1, (void **)&d->matrix, err);
  if (!rc)
    rc = read_design_ds(r, "design/row", 1, pk, "point", T_UINT,
                        H5T_NATIVE_UINT32, sizeof *d->row, (void **)&d->row,
                        err);
  if (!rc)
    rc = read_design_ds(r, "design/unit", 2, pk, "point, factor", T_FLOAT,
                        H5T_NATIVE_DOUBLE, sizeof *d->unit, (void **)&d->unit,
                        err);
  return rc ? rc : design_check(r, err);
}

static int check_events(cy_h5r *r, cy_error *err) {
  hid_t g;
  int rc = open_obj(r, "events", H5I_GROUP, &g, err);
  if (rc || g < 0)
    return rc;
  H5Gclose(g);
  r->m.event_log = true;
  hsize_t n = 0;
  for (size_t c = 0; c < N_ECOLS; c++) {
    char path[64];
    snprintf(path, sizeof path, "events/%s", ecol_name(c));
    hid_t d;
    if ((rc = open_obj(r, path, H5I_DATASET, &d, err)))
      return rc;
    if (d < 0)
      return bad(r, err, "/%s is missing", path);
    hsize_t dim;
    rc = check_ds(r, d, path, 1, NULL, "event", ecol_class(c), &dim, err);
    H5Dclose(d);
    if (rc)
      return rc;
    if (c == EV_SCALE)
      n = dim;
    else if (dim != n)
      return bad(r, err,
                 "/%s has %llu rows but /events/event has %llu; every "
                 "/events column has one row per event",
                 path, (unsigned long long)dim, (unsigned long long)n);
  }
  r->n_events = (size_t)n;
  return CY_OK;
}

static int read_scenario_text(cy_h5r *r, cy_error *err) {
  static const char path[] = "provenance/scenario_text";
  hid_t d;
  int rc = open_obj(r, path, H5I_DATASET, &d, err);
  if (rc)
    return rc;
  if (d < 0)
    return bad(r, err, "/%s is missing", path);
  hid_t sp = H5Dget_space(d), t = H5Dget_type(d), mt = -1, ms = -1;
  hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
  if (sp < 0 || t < 0)
    rc = bad(r, err, "/%s is unreadable (%s)", path, h5_reason().s);
  else if (np != 1 || H5Sget_simple_extent_type(sp) == H5S_NULL)
    rc = bad(r, err, "/%s holds %lld values, expected one text", path,
             (long long)np);
  else if (H5Tget_class(t) != H5T_STRING)
    rc = bad(r, err, "/%s is %s, expected text", path, cy__h5_class_name(t));
  if (!rc) {
    H5Sselect_all(sp);
    ms = H5Screate(H5S_SCALAR);
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 does not convert charsets */
  }
  if (!rc && H5Tis_variable_str(t) > 0) {
    H5Tset_size(mt, H5T_VARIABLE);
    char *s = NULL;
    if (H5Dread(d, mt, ms, sp, H5P_DEFAULT, &s) < 0)
      rc = bad(r, err, "/%s cannot be read (%s)", path, h5_reason().s);
    else if (!s)
      rc = bad(r, err, "/%s is a NULL string", path);
    else if (!(r->scenario_text = strdup(s)))
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    if (s)
      H5free_memory(s);
  } else if (!rc) {
    size_t len = H5Tget_size(t);
    /* len + 1 bytes, the last never written: NUL-terminated whatever the
     * padding. */
    if (len > SCENARIO_TEXT_MAX)
      rc = bad(r, err, "/%s is a string of %zu bytes, more than %d MiB", path,
               len, SCENARIO_TEXT_MAX >> 20);
    else if (!(r->scenario_text = r_calloc(r, len + 1, 1, path, err)))
      rc = r->alloc_rc;
    else {
      H5Tset_size(mt, len);
      H5Tset_strpad(mt, H5T_STR_NULLPAD);
      if (H5Dread(d, mt, ms, sp, H5P_DEFAULT, r->scenario_text) < 0)
        rc = bad(r, err, "/%s cannot be read (%s)", path, h5_reason().s);
    }
  }
  if (mt >= 0)
    H5Tclose(mt);
  if (ms >= 0)
    H5Sclose(ms);
  if (t >= 0)
    H5Tclose(t);
  if (sp >= 0)
    H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

int cy__h5r_open(cy_h5r **out, const char *path, cy_error *err) {
  *out = NULL;
  cy_h5r *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  r->file = -1;
  r->budget = CY_H5R_MAX_BYTES;
  int rc = open_file(r, err);
  if (!rc)
    rc = read_root(r, err);
  if (!rc)
    rc = read_scales(r, err);
  if (!rc)
    rc = check_datasets(r, err);
  if (!rc)
    rc = read_status(r, err);
  if (!rc)
    rc = read_v2_datasets(r, err);
  if (!rc)
    rc = read_sweep(r, err);
  if (!rc)
    rc = read_design(r, err);
  if (!rc)
    rc = check_events(r, err);
  if (!rc)
    rc = read_scenario_text(r, err);
  if (rc) {
    cy__h5r_close(r);
    return rc;
  }
  *out = r;
  return CY_OK;
}

int cy__h5r_check(const char *path, cy_error *err) {
  cy_h5r *r;
  int rc = cy__h5r_open(&r, path, err);
  cy__h5r_close(r);
  return rc;
}

/* ---- reads ---- */

static int layout_index(const char *name) {
  if (name[0] == '/')
    name++;
  for (size_t f = 0; f < N_LAYOUT; f++)
    if (strcmp(name, cy__h5_datasets[f].path) == 0)
      return (int)f;
  return -1;
}

size_t cy__h5r_point_values(const cy_h5r *r, const char *name) {
  int f = layout_index(name);
  return f < 0 || !r->present[f] ? 0 : r->per_point[f];
}

/* Reads replications [rep0, rep0 + nrep) of point p of layout dataset f,
 * open as d, into buf: a hyperslab of exactly nrep x trailing values
 * through a memory space of the same size.  The dimensions are checked
 * again in case the file changed since it was opened. */
static int read_slab(cy_h5r *r, hid_t d, size_t f, size_t p, size_t rep0,
                     size_t nrep, hid_t mt, void *buf, cy_error *err) {
  int rank = r->rank[f];
  hsize_t dims[H5S_MAX_RANK], start[5] = {p, rep0}, count[5] = {1, nrep};
  hid_t fs = H5Dget_space(d);
  bool same = fs >= 0 && H5Sget_simple_extent_ndims(fs) == rank &&
              H5Sget_simple_extent_dims(fs, dims, NULL) == rank;
  for (int i = 0; same && i < rank; i++)
    same = dims[i] == r->dims[f][i];
  if (!same) {
    if (fs >= 0)
      H5Sclose(fs);
    return bad(r, err, "/%s changed shape since the file was opened",
               cy__h5_datasets[f].path);
  }
  hsize_t n = nrep;
  for (int i = 2; i < rank; i++) {
    count[i] = dims[i];
    n *= dims[i];
  }
  char where[96];
  snprintf(where, sizeof where, " at point %zu", p);
  int rc =
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0
          ? bad(r, err, "/%s: cannot select point %zu", cy__h5_datasets[f].path,
                p)
          : read_sel(r, d, fs, mt, n, buf, cy__h5_datasets[f].path, where, err);
  H5Sclose(fs);
  return rc;
}

int cy__h5r_read_point(cy_h5r *r, const char *name, size_t point,
                       cy_elem_type type, void *buf, size_t cap,
                       cy_error *err) {
  int f = layout_index(name);
  assert(f >= 0 && point < r->m.P);
  if (f < 0 || point >= r->m.P)
    return cy_error_set(err, CY_EINTERNAL,
                        "%s: '%s' point %zu is not in the file's layout",
                        r->path, name, point);
  if (!r->present[f])
    return bad(r, err, "has no /%s (%s)", cy__h5_datasets[f].path,
               cy__h5_datasets[f].shape == CY_SHAPE_A
                   ? "the study has no alliance"
                   : "time series were not written");
  if (r->per_point[f] > cap)
    return cy_error_set(err, CY_EINTERNAL,
                        "%s: /%s has %zu values per point, the buffer %zu",
                        r->path, cy__h5_datasets[f].path, r->per_point[f], cap);
  hid_t d = H5Dopen2(r->file, cy__h5_datasets[f].path, H5P_DEFAULT);
  if (d < 0)
    return bad(r, err, "/%s cannot be opened (%s)", cy__h5_datasets[f].path,
               h5_reason().s);
  int rc = read_slab(r, d, (size_t)f, point, 0, r->m.R, cy__h5_mem_type(type),
                     buf, err);
  H5Dclose(d);
  return rc;
}

static int ecol_index(const char *name) {
  if (name[0] == '/')
    name++;
  if (strncmp(name, "events/", 7) != 0)
    return -1;
  for (size_t c = 0; c < N_ECOLS; c++)
    if (strcmp(name + 7, ecol_name(c)) == 0)
      return (int)c;
  return -1;
}

/* Rows [row0, row0 + n) of event column c into buf. */
static int read_rows(cy_h5r *r, size_t c, size_t row0, size_t n, hid_t mt,
                     void *buf, cy_error *err) {
  char path[64];
  snprintf(path, sizeof path, "events/%s", ecol_name(c));
  hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT);
  if (d < 0)
    return bad(r, err, "/%s cannot be opened (%s)", path, h5_reason().s);
  hid_t fs = H5Dget_space(d);
  hsize_t dim = 0, start = row0, count = n;
  int rc = CY_OK;
  if (fs < 0 || H5Sget_simple_extent_ndims(fs) != 1 ||
      H5Sget_simple_extent_dims(fs, &dim, NULL) != 1 || dim != r->n_events)
    rc = bad(r, err, "/%s changed shape since the file was opened", path);
  else if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) <
           0)
    rc =
        bad(r, err, "/%s: cannot select rows %zu to %zu", path, row0, row0 + n);
  else
    rc = read_sel(r, d, fs, mt, n, buf, path, "", err);
  if (fs >= 0)
    H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

int cy__h5r_read_all(cy_h5r *r, const char *name, cy_elem_type type, void *buf,
                     size_t cap, size_t *n, cy_error *err) {
  *n = 0;
  int c = ecol_index(name);
  assert(c >= 0);
  if (c < 0)
    return cy_error_set(err, CY_EINTERNAL, "%s: '%s' is not an /events column",
                        r->path, name);
  if (!r->m.event_log)
    return bad(r, err, "has no /events (the event log was off)");
  *n = r->n_events;
  if (cap == 0)
    return CY_OK;
  if (*n > cap)
    return bad(r, err, "/%s has %zu values, more than %zu", name, *n, cap);
  return read_rows(r, (size_t)c, 0, *n, cy__h5_mem_type(type), buf, err);
}
