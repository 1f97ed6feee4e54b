/* h5in.c: the output file reader (for `cysim report` and tests). */
#include "h5io.h"
#include "h5util.h"

#include <stdlib.h>
#include <string.h>

struct cy_h5r {
  char *path;
  hid_t file;
  cy_h5r_meta m;
};

const cy_h5r_meta *cy_h5r_meta_of(const cy_h5r *r) { return &r->m; }

void cy_h5r_close(cy_h5r *r) {
  if (!r)
    return;
  if (r->file >= 0)
    H5Fclose(r->file);
  for (size_t a = 0; a < r->m.n_axes; a++) {
    free(r->m.axes[a].num);
    if (r->m.axes[a].str)
      for (size_t p = 0; p < r->m.P; p++)
        free(r->m.axes[a].str[p]);
    free(r->m.axes[a].str);
  }
  free(r->m.axes);
  free(r->m.states);
  free(r->m.optypes);
  free(r->m.alliances);
  free(r->m.status);
  free(r->path);
  free(r);
}

static int fail(cy_h5r *r, cy_error *err, const char *what, const char *obj) {
  return cy_error_set(err, CY_EHDF5, "%s: HDF5 failed to %s '%s'", r->path,
                      what, obj);
}

typedef struct axis_ctx {
  cy_h5r *r;
  cy_error *err;
  int rc;
} axis_ctx;

static herr_t add_axis(hid_t g, const char *name, const H5L_info_t *info,
                       void *data) {
  (void)info;
  axis_ctx *c = data;
  cy_h5r *r = c->r;
  cy_h5r_meta *m = &r->m;
  cy_h5r_axis *axes = realloc(m->axes, (m->n_axes + 1) * sizeof *axes);
  if (!axes) {
    c->rc = cy_error_set(c->err, CY_ENOMEM, "out of memory");
    return -1;
  }
  m->axes = axes;
  cy_h5r_axis *ax = &axes[m->n_axes++];
  memset(ax, 0, sizeof *ax);
  strncpy(ax->name, name, sizeof ax->name - 1);
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) {
    c->rc = fail(r, c->err, "open", name);
    return -1;
  }
  char *path = NULL;
  if (cy_h5_get_attr_str(d, r->path, "path", &path, c->err) == CY_OK) {
    strncpy(ax->path, path, sizeof ax->path - 1);
    free(path);
  }
  hid_t t = H5Dget_type(d);
  H5T_class_t cls = H5Tget_class(t);
  size_t P = m->P;
  int rc = CY_OK;
  if (cls == H5T_STRING) {
    ax->type = CY_VALUE_STRING;
    ax->str = calloc(P ? P : 1, sizeof *ax->str);
    char *buf = calloc(P ? P : 1, CY_ID_MAX * 4);
    char sub[CY_ID_MAX + 8];
    snprintf(sub, sizeof sub, "sweep/%s", name);
    if (!ax->str || !buf)
      rc = cy_error_set(c->err, CY_ENOMEM, "out of memory");
    else
      rc = cy_h5_read_strings(r->file, r->path, sub, P, buf, CY_ID_MAX * 4,
                              c->err);
    for (size_t p = 0; rc == CY_OK && p < P; p++)
      ax->str[p] = strdup(buf + p * CY_ID_MAX * 4);
    free(buf);
  } else {
    ax->num = calloc(P ? P : 1, sizeof *ax->num);
    if (cls == H5T_FLOAT)
      ax->type = CY_VALUE_DOUBLE;
    else if (H5Tget_size(t) == 1)
      ax->type = CY_VALUE_BOOL;
    else
      ax->type = CY_VALUE_INT;
    if (!ax->num)
      rc = cy_error_set(c->err, CY_ENOMEM, "out of memory");
    else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     ax->num) < 0)
      rc = fail(r, c->err, "read", name);
  }
  H5Tclose(t);
  H5Dclose(d);
  c->rc = rc;
  return rc == CY_OK ? 0 : -1;
}

int cy_h5r_open(cy_h5r **out, const char *path, cy_error *err) {
  *out = NULL;
  cy_h5r *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r->file < 0) {
    int rc = cy_error_set(
        err, CY_EHDF5, "%s: cannot open (missing, or not an HDF5 file)", path);
    cy_h5r_close(r);
    return rc;
  }
  cy_h5r_meta *m = &r->m;
  char *s = NULL;
  int rc = cy_h5_get_attr_str(r->file, path, "format", &s, err);
  if (rc == CY_OK && strcmp(s, "cysim") != 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: not a cysim output file", path);
  free(s);
  int64_t v = 0;
  if (!rc)
    rc = cy_h5_get_attr_i64(r->file, path, "format_version", &v, err);
  if (!rc && v != 1)
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: format_version %lld is not supported (1 is)", path,
                      (long long)v);
  if (!rc)
    rc = cy_h5_get_attr_str(r->file, path, "scenario_name", &s, err);
  if (!rc) {
    strncpy(m->scenario_name, s, sizeof m->scenario_name - 1);
    free(s);
  }
  if (!rc && H5Aexists(r->file, "start") > 0) {
    rc = cy_h5_get_attr_str(r->file, path, "start", &s, err);
    if (!rc) {
      strncpy(m->start, s, sizeof m->start - 1);
      free(s);
    }
  }
  if (!rc)
    rc = cy_h5_get_attr_f64(r->file, path, "horizon", &m->horizon, err);
  if (!rc)
    rc = cy_h5_get_attr_i64(r->file, path, "seed", &m->seed, err);
  if (!rc)
    rc = cy_h5_get_attr_i64(r->file, path, "complete", &v, err);
  m->complete = (int)v;
  struct {
    const char *name;
    size_t *n;
  } dims[] = {{"point", &m->P},  {"replication", &m->R}, {"state", &m->N},
              {"optype", &m->K}, {"alliance", &m->A},    {"time", &m->B}};
  for (size_t i = 0; !rc && i < sizeof dims / sizeof dims[0]; i++)
    if (cy_h5_dim0(r->file, dims[i].name, dims[i].n) != CY_OK)
      rc = fail(r, err, "read the size of", dims[i].name);
  m->timeseries = !rc && H5Lexists(r->file, "timeseries", H5P_DEFAULT) > 0;
  m->event_log = !rc && H5Lexists(r->file, "events", H5P_DEFAULT) > 0;
  if (!rc) {
    m->states = calloc(m->N + 1, CY_ID_MAX);
    m->optypes = calloc(m->K + 1, CY_ID_MAX);
    m->alliances = calloc(m->A + 1, CY_ID_MAX);
    m->status = calloc(m->P * m->R + 1, 1);
    if (!m->states || !m->optypes || !m->alliances || !m->status)
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  if (!rc)
    rc = cy_h5_read_strings(r->file, path, "state", m->N, m->states[0],
                            CY_ID_MAX, err);
  if (!rc)
    rc = cy_h5_read_strings(r->file, path, "optype", m->K, m->optypes[0],
                            CY_ID_MAX, err);
  if (!rc && m->A)
    rc = cy_h5_read_strings(r->file, path, "alliance", m->A, m->alliances[0],
                            CY_ID_MAX, err);
  if (!rc) {
    hid_t d = H5Dopen2(r->file, "summary/status", H5P_DEFAULT);
    if (d < 0 || H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         m->status) < 0)
      rc = fail(r, err, "read", "/summary/status");
    if (d >= 0)
      H5Dclose(d);
  }
  if (!rc && H5Lexists(r->file, "sweep", H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(r->file, "sweep", H5P_DEFAULT);
    axis_ctx c = {r, err, CY_OK};
    /* Creation order = the order of the axes in the scenario. */
    hsize_t idx = 0;
    if (g < 0 ||
        H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, add_axis, &c) < 0)
      rc = c.rc ? c.rc : fail(r, err, "list", "/sweep");
    if (g >= 0)
      H5Gclose(g);
  }
  if (rc) {
    cy_h5r_close(r);
    return rc;
  }
  *out = r;
  return CY_OK;
}

static hid_t mtype(cy_h5_type t) {
  switch (t) {
  case CY_H5_U8:
    return H5T_NATIVE_UINT8;
  case CY_H5_U32:
    return H5T_NATIVE_UINT32;
  case CY_H5_U64:
    return H5T_NATIVE_UINT64;
  case CY_H5_I64:
    return H5T_NATIVE_INT64;
  default:
    return H5T_NATIVE_DOUBLE;
  }
}

int cy_h5r_read_point(cy_h5r *r, const char *name, size_t point,
                      cy_h5_type type, void *buf, cy_error *err) {
  hid_t d = H5Dopen2(r->file, name, H5P_DEFAULT);
  if (d < 0)
    return fail(r, err, "open", name);
  hid_t fs = H5Dget_space(d);
  hsize_t dims[8], start[8] = {0};
  int nd = H5Sget_simple_extent_ndims(fs);
  int rc = CY_OK;
  if (nd < 2 || nd > 8 || point >= r->m.P)
    rc = cy_error_set(err, CY_EHDF5, "%s: '%s' is not a [point, ...] dataset",
                      r->path, name);
  else {
    H5Sget_simple_extent_dims(fs, dims, NULL);
    start[0] = point;
    dims[0] = 1;
    hid_t ms = H5Screate_simple(nd, dims, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, dims, NULL);
    if (H5Dread(d, mtype(type), ms, fs, H5P_DEFAULT, buf) < 0)
      rc = fail(r, err, "read", name);
    H5Sclose(ms);
  }
  H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

int cy_h5r_read_all(cy_h5r *r, const char *name, cy_h5_type type, void *buf,
                    size_t cap, size_t *n, cy_error *err) {
  *n = 0;
  hid_t d = H5Dopen2(r->file, name, H5P_DEFAULT);
  if (d < 0)
    return fail(r, err, "open", name);
  hid_t fs = H5Dget_space(d);
  hssize_t np = H5Sget_simple_extent_npoints(fs);
  int rc = CY_OK;
  if (np < 0)
    rc = fail(r, err, "read the size of", name);
  else {
    *n = (size_t)np;
    if (*n > cap)
      rc = cap ? cy_error_set(err, CY_EINPUT,
                              "%s: '%s' has %zu values, more "
                              "than %zu",
                              r->path, name, *n, cap)
               : CY_OK;
    else if (*n > 0 &&
             H5Dread(d, mtype(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
      rc = fail(r, err, "read", name);
  }
  H5Sclose(fs);
  H5Dclose(d);
  return rc;
}
