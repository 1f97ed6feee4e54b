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

/* The HDF5 file a reader (io/h5io.h) has open, for io's own reads. */
struct cy_h5r;
hid_t cy__h5r_file_id(const struct cy_h5r *r);

/* Returns CY_EHDF5 with "PATH: cannot WHAT 'OBJ': cause" in err, the
 * cause taken from HDF5's error stack (a system error such as "No space
 * left on device" preferred).  Call it right after the failing HDF5 call:
 * the next call clears the stack. */
int cy__h5_fail(cy_error *err, const char *path, const char *what,
                const char *obj);

/* How the final file's chunks are filtered, measured on the flagship
 * (ru_cn_pact_2015.cfg, 7 x 1000 runs) and scenarios/world.cfg (193
 * states, 100 runs) with the chunks those runs write (best of 3, one
 * thread; bench/README.md "Output compression (issue 14)"):
 * - zlib level 1, not the customary 4: level 4 costs several times the
 *   time for a ~10% smaller file, and deflate is nearly all of the
 *   writer's cost.
 * - Integers are shuffled and deflated with Z_RLE (matches at distance 1
 *   only): their shuffled bytes are mostly runs of zeros, which RLE finds
 *   at once.  /timeseries/ops of the flagship (42.7 MB): 3.30 MB in 0.17
 *   s, against 4.12 MB in 0.21 s with the default strategy; level 2 or 3
 *   only trade time for size (3.96 MB in 0.22 s, 3.72 in 0.33); memLevel
 *   9 (longer blocks) saves 0.2% of the size and no time.
 * - Floats are deflated unshuffled with the default strategy: most values
 *   are 0 (or repeat) and a nonzero double's eight bytes are noise, so
 *   shuffling spreads that noise over eight byte planes.  /summary/damage
 *   of world.cfg (30.4 MB): 4.71 MB in 0.12 s, against 11.66 MB in 0.41
 *   s shuffled (10.28 MB with Z_RLE); the flagship's three float
 *   summaries: 2.18 MB against 2.92.
 * The strategy is the writer's business (any zlib inflates any deflate
 * stream), and shuffle and deflate are built into every libhdf5, so
 * every HDF5 reader reads the file. */
enum { CY_H5_DEFLATE_LEVEL = 1 };

/* Whether the final file shuffles a dataset of floats (`floats`) or of
 * integers, as above. */
static inline bool cy__h5_shuffles(bool floats) { return !floats; }

/* What cy__h5_deflate_chunk() keeps from one chunk to the next: the zlib
 * states (set up on first use, ~256 KiB each, reset per chunk: setting one
 * up per chunk, as compress2() does, made deflate ~30% slower on the
 * flagship's chunks, large and small) and the shuffle scratch.
 * One thread at a time; NULL when out of memory. */
typedef struct cy__h5_zip cy__h5_zip;
cy__h5_zip *cy__h5_zip_alloc(void);
void cy__h5_zip_free(cy__h5_zip *zp);
/* Releases the zlib states (set up again on next use), keeping the
 * scratch. */
void cy__h5_zip_trim(cy__h5_zip *zp);

/* One chunk of the final file filtered in the format of HDF5's shuffle
 * (when `shuffle`) and deflate (CY_H5_DEFLATE_LEVEL) filters, which decode
 * it (the bytes are not HDF5's own: the strategy differs), for
 * H5Dwrite_chunk(): n elements of esz bytes at src into *z (capacity
 * *zcap, grown as needed), *zlen bytes, with the strategy chosen above for
 * floats or integers.  Thread-safe for distinct zp, no HDF5 call.
 * CY_ENOMEM, or CY_EINTERNAL when zlib fails. */
int cy__h5_deflate_chunk(cy__h5_zip *zp, const unsigned char *src, size_t n,
                         size_t esz, bool shuffle, bool floats,
                         unsigned char **z, size_t *zcap, size_t *zlen);

#endif
