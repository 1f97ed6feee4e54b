/* h5util.h: small HDF5 helpers shared by the writer and the reader.
 *
 * Private to sim/io (the only module that includes hdf5.h).  Every helper
 * returns CY_OK or an error code with a message naming the file and the
 * object: CY_EHDF5 when writing fails, CY_EINPUT when what is read is not
 * what cysim writes. */
#ifndef CYSIM_SIM_H5UTIL_H
#define CYSIM_SIM_H5UTIL_H

#include "cysim/cy_error.h"

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fixed-length, NUL-padded C string type of `len` bytes (>= 1); close it. */
hid_t cy__h5_str_type(size_t len);

int cy__h5_attr_str(hid_t obj, const char *file, const char *name,
                    const char *value, cy_error *err);
int cy__h5_attr_i64(hid_t obj, const char *file, const char *name,
                    int64_t value, cy_error *err);
int cy__h5_attr_i32(hid_t obj, const char *file, const char *name,
                    int32_t value, cy_error *err);
int cy__h5_attr_f64(hid_t obj, const char *file, const char *name, double value,
                    cy_error *err);

/* The CF attributes long_name, units (skipped when NULL) and description
 * of a dataset, in that order. */
int cy__h5_describe(hid_t obj, const char *file, const char *units,
                    const char *long_name, const char *description,
                    cy_error *err);

/* Readers.  They distrust the file: CY_EINPUT (with a message naming the
 * file and the attribute) when the attribute is missing, does not hold
 * exactly one value (scalar or one element), is of another class (text,
 * integer, float respectively; the value is converted to the native type),
 * is a NULL or absurdly long string, or cannot be read.
 * cy__h5_get_attr_str() returns a malloc'ed string (caller frees). */
int cy__h5_get_attr_str(hid_t obj, const char *file, const char *name,
                        char **value, cy_error *err);
int cy__h5_get_attr_i64(hid_t obj, const char *file, const char *name,
                        int64_t *value, cy_error *err);
int cy__h5_get_attr_f64(hid_t obj, const char *file, const char *name,
                        double *value, cy_error *err);

/* Reads the 1-D string dataset `name` (fixed or variable length), which
 * must hold exactly n values, into out[n][cap] (truncated to cap - 1 bytes
 * and cleaned by cy__h5_clean_text()).  CY_EINPUT when the dataset has
 * another shape or class, a NULL string, or cannot be read. */
int cy__h5_read_strings(hid_t file_id, const char *file, const char *name,
                        size_t n, char *out, size_t cap, cy_error *err);

/* Replaces control characters by '?' and cuts a UTF-8 sequence left
 * incomplete at the end (by truncation), so text from a file prints
 * harmlessly. */
void cy__h5_clean_text(char *s);

/* Whether a numeric type has a layout the library converts safely:
 * integers of 1, 2, 4 or 8 bytes, IEEE floats of 2, 4 or 8 bytes (a
 * damaged size crashes HDF5 1.10.8's conversion).  True for other
 * classes. */
bool cy__h5_number_ok(hid_t type);

/* "an unsigned integer", "a float", "text", "a compound", ...: the class
 * of an HDF5 type, for messages. */
const char *cy__h5_class_name(hid_t type);

/* Current size of dimension 0 of a dataset, or 0 when absent; CY_EHDF5
 * when it cannot be opened or has rank 0. */
int cy__h5_dim0(hid_t loc, const char *name, size_t *n);

#endif
