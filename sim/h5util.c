/* h5util.c: see h5util.h. */
#include "h5util.h"

#include <stdlib.h>
#include <string.h>

hid_t cy_h5_str_type(size_t len) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0)
    return t;
  H5Tset_size(t, len ? len : 1);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  return t;
}

static int attr_write(hid_t obj, const char *file, const char *name, hid_t type,
                      const void *value, cy_error *err) {
  hid_t space = H5Screate(H5S_SCALAR);
  if (H5Aexists(obj, name) > 0)
    H5Adelete(obj, name);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(space);
  if (rc < 0)
    return cy_error_set(err, CY_EHDF5, "%s: cannot write attribute '%s'", file,
                        name);
  return CY_OK;
}

int cy_h5_attr_str(hid_t obj, const char *file, const char *name,
                   const char *value, cy_error *err) {
  hid_t t = cy_h5_str_type(strlen(value));
  /* A zero-length string still needs one byte of storage. */
  char one[1] = {0};
  int rc = attr_write(obj, file, name, t, *value ? value : one, err);
  H5Tclose(t);
  return rc;
}

int cy_h5_attr_i64(hid_t obj, const char *file, const char *name, int64_t value,
                   cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_INT64, &value, err);
}

int cy_h5_attr_i32(hid_t obj, const char *file, const char *name, int32_t value,
                   cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_INT32, &value, err);
}

int cy_h5_attr_f64(hid_t obj, const char *file, const char *name, double value,
                   cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_DOUBLE, &value, err);
}

static hid_t attr_open(hid_t obj, const char *file, const char *name,
                       cy_error *err) {
  if (H5Aexists(obj, name) <= 0) {
    cy_error_set(err, CY_EHDF5, "%s: attribute '%s' is missing", file, name);
    return -1;
  }
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0)
    cy_error_set(err, CY_EHDF5, "%s: cannot open attribute '%s'", file, name);
  return a;
}

int cy_h5_get_attr_str(hid_t obj, const char *file, const char *name,
                       char **value, cy_error *err) {
  *value = NULL;
  hid_t a = attr_open(obj, file, name, err);
  if (a < 0)
    return CY_EHDF5;
  int rc = CY_OK;
  hid_t ft = H5Aget_type(a);
  if (H5Tget_class(ft) != H5T_STRING) {
    rc = cy_error_set(err, CY_EHDF5, "%s: attribute '%s' is not text", file,
                      name);
  } else if (H5Tis_variable_str(ft) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(ft));
    char *s = NULL;
    if (H5Aread(a, mt, &s) < 0 || !s)
      rc = cy_error_set(err, CY_EHDF5, "%s: cannot read attribute '%s'", file,
                        name);
    else {
      *value = strdup(s);
      H5free_memory(s);
    }
    H5Tclose(mt);
  } else {
    size_t len = H5Tget_size(ft);
    char *s = calloc(len + 1, 1);
    hid_t mt = cy_h5_str_type(len);
    if (!s)
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    else if (H5Aread(a, mt, s) < 0) {
      free(s);
      rc = cy_error_set(err, CY_EHDF5, "%s: cannot read attribute '%s'", file,
                        name);
    } else
      *value = s;
    H5Tclose(mt);
  }
  if (rc == CY_OK && !*value)
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

static int attr_read_num(hid_t obj, const char *file, const char *name,
                         hid_t mt, void *value, cy_error *err) {
  hid_t a = attr_open(obj, file, name, err);
  if (a < 0)
    return CY_EHDF5;
  hid_t ft = H5Aget_type(a);
  H5T_class_t cls = H5Tget_class(ft);
  int rc = CY_OK;
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || H5Aread(a, mt, value) < 0)
    rc = cy_error_set(err, CY_EHDF5, "%s: cannot read attribute '%s'", file,
                      name);
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

int cy_h5_get_attr_i64(hid_t obj, const char *file, const char *name,
                       int64_t *value, cy_error *err) {
  return attr_read_num(obj, file, name, H5T_NATIVE_INT64, value, err);
}

int cy_h5_get_attr_f64(hid_t obj, const char *file, const char *name,
                       double *value, cy_error *err) {
  return attr_read_num(obj, file, name, H5T_NATIVE_DOUBLE, value, err);
}

int cy_h5_read_strings(hid_t file_id, const char *file, const char *name,
                       size_t n, char *out, size_t cap, cy_error *err) {
  memset(out, 0, n * cap);
  if (n == 0)
    return CY_OK;
  hid_t d = H5Dopen2(file_id, name, H5P_DEFAULT);
  if (d < 0)
    return cy_error_set(err, CY_EHDF5, "%s: cannot open dataset '%s'", file,
                        name);
  int rc = CY_OK;
  hid_t ft = H5Dget_type(d);
  if (H5Tget_class(ft) != H5T_STRING) {
    rc =
        cy_error_set(err, CY_EHDF5, "%s: dataset '%s' is not text", file, name);
  } else if (H5Tis_variable_str(ft) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(ft)); /* HDF5 does not convert charsets */
    char **v = calloc(n, sizeof *v);
    if (!v || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
      rc = cy_error_set(err, CY_EHDF5, "%s: cannot read dataset '%s'", file,
                        name);
    else {
      for (size_t i = 0; i < n; i++) {
        if (v[i]) {
          strncpy(out + i * cap, v[i], cap - 1);
          H5free_memory(v[i]);
        }
      }
    }
    free(v);
    H5Tclose(mt);
  } else {
    size_t len = H5Tget_size(ft);
    char *buf = calloc(n, len + 1);
    hid_t mt = cy_h5_str_type(len + 1);
    H5Tset_strpad(mt, H5T_STR_NULLTERM);
    if (!buf || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
      rc = cy_error_set(err, CY_EHDF5, "%s: cannot read dataset '%s'", file,
                        name);
    else
      for (size_t i = 0; i < n; i++)
        strncpy(out + i * cap, buf + i * (len + 1), cap - 1);
    free(buf);
    H5Tclose(mt);
  }
  H5Tclose(ft);
  H5Dclose(d);
  return rc;
}

int cy_h5_dim0(hid_t loc, const char *name, size_t *n) {
  *n = 0;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
    return CY_OK;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0)
    return CY_EHDF5;
  hid_t sp = H5Dget_space(d);
  hsize_t dims[8] = {0};
  int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
  if (nd >= 1)
    *n = (size_t)dims[0];
  H5Sclose(sp);
  H5Dclose(d);
  return nd < 0 ? CY_EHDF5 : CY_OK;
}
