/* h5util.h: small HDF5 helpers shared by the writer and the reader.
 *
 * Private to sim/h5*.c (the only files that include hdf5.h).  Every helper
 * returns CY_OK or CY_EHDF5 with a message naming the file and the object. */
#ifndef CYSIM_SIM_H5UTIL_H
#define CYSIM_SIM_H5UTIL_H

#include "cysim/cy_error.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* A fixed-length, NUL-padded C string type of `len` bytes (>= 1); close it. */
hid_t cy_h5_str_type(size_t len);

int cy_h5_attr_str(hid_t obj, const char *file, const char *name,
                   const char *value, cy_error *err);
int cy_h5_attr_i64(hid_t obj, const char *file, const char *name, int64_t value,
                   cy_error *err);
int cy_h5_attr_i32(hid_t obj, const char *file, const char *name, int32_t value,
                   cy_error *err);
int cy_h5_attr_f64(hid_t obj, const char *file, const char *name, double value,
                   cy_error *err);

/* Readers: CY_EHDF5 when the attribute is missing or of another class.
 * cy_h5_get_attr_str() returns a malloc'ed string (caller frees). */
int cy_h5_get_attr_str(hid_t obj, const char *file, const char *name,
                       char **value, cy_error *err);
int cy_h5_get_attr_i64(hid_t obj, const char *file, const char *name,
                       int64_t *value, cy_error *err);
int cy_h5_get_attr_f64(hid_t obj, const char *file, const char *name,
                       double *value, cy_error *err);

/* Reads a fixed- or variable-length string dataset of `n` elements into
 * out[n][cap] (truncating). */
int cy_h5_read_strings(hid_t file_id, const char *file, const char *name,
                       size_t n, char *out, size_t cap, cy_error *err);

/* Current size of dimension 0 of a dataset, or 0 when absent. */
int cy_h5_dim0(hid_t loc, const char *name, size_t *n);

#endif
