/* h5util.c: see h5util.h. */
#include "h5util.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

hid_t cy__h5_str_type(size_t len) {
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

int cy__h5_attr_str(hid_t obj, const char *file, const char *name,
                    const char *value, cy_error *err) {
  hid_t t = cy__h5_str_type(strlen(value));
  /* A zero-length string still needs one byte of storage. */
  char one[1] = {0};
  int rc = attr_write(obj, file, name, t, *value ? value : one, err);
  H5Tclose(t);
  return rc;
}

int cy__h5_attr_i64(hid_t obj, const char *file, const char *name,
                    int64_t value, cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_INT64, &value, err);
}

int cy__h5_attr_i32(hid_t obj, const char *file, const char *name,
                    int32_t value, cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_INT32, &value, err);
}

int cy__h5_attr_f64(hid_t obj, const char *file, const char *name, double value,
                    cy_error *err) {
  return attr_write(obj, file, name, H5T_NATIVE_DOUBLE, &value, err);
}

int cy__h5_describe(hid_t obj, const char *file, const char *units,
                    const char *long_name, const char *description,
                    cy_error *err) {
  int rc = cy__h5_attr_str(obj, file, "long_name", long_name, err);
  if (!rc && units)
    rc = cy__h5_attr_str(obj, file, "units", units, err);
  if (!rc)
    rc = cy__h5_attr_str(obj, file, "description", description, err);
  return rc;
}

/* "root attribute 'x'" or "attribute 'x' of /provenance": which attribute
 * a message is about. */
static void attr_label(hid_t obj, const char *name, char *buf, size_t n) {
  char where[256] = "";
  ssize_t len = H5Iget_name(obj, where, sizeof where);
  if (len <= 0 || strcmp(where, "/") == 0)
    snprintf(buf, n, "root attribute '%s'", name);
  else
    snprintf(buf, n, "attribute '%s' of %s", name, where);
}

const char *cy__h5_class_name(hid_t type) {
  switch (H5Tget_class(type)) {
  case H5T_INTEGER:
    return H5Tget_sign(type) == H5T_SGN_NONE ? "an unsigned integer"
                                             : "a signed integer";
  case H5T_FLOAT:
    return "a float";
  case H5T_STRING:
    return "text";
  case H5T_BITFIELD:
    return "a bitfield";
  case H5T_OPAQUE:
    return "opaque data";
  case H5T_COMPOUND:
    return "a compound";
  case H5T_REFERENCE:
    return "a reference";
  case H5T_ENUM:
    return "an enum";
  case H5T_VLEN:
    return "a variable-length sequence";
  case H5T_ARRAY:
    return "an array type";
  default:
    return "an unknown type";
  }
}

bool cy__h5_number_ok(hid_t type) {
  size_t z = H5Tget_size(type);
  if (H5Tget_class(type) == H5T_INTEGER)
    return (z == 1 || z == 2 || z == 4 || z == 8) &&
           H5Tget_precision(type) <= 8 * z;
  if (H5Tget_class(type) != H5T_FLOAT)
    return true;
  /* IEEE half, single or double: sign, exponent and mantissa where they
   * belong.  Other layouts are legal HDF5, but no tool writes them and a
   * damaged one can crash the conversion. */
  static const struct {
    size_t size, spos, epos, esize, msize;
  } ieee[3] = {{2, 15, 10, 5, 10}, {4, 31, 23, 8, 23}, {8, 63, 52, 11, 52}};
  size_t spos, epos, esize, mpos, msize;
  if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0)
    return false;
  for (int i = 0; i < 3; i++)
    if (z == ieee[i].size && spos == ieee[i].spos && epos == ieee[i].epos &&
        esize == ieee[i].esize && mpos == 0 && msize == ieee[i].msize &&
        H5Tget_precision(type) == 8 * z && H5Tget_offset(type) == 0)
      return true;
  return false;
}

/* Opens attribute `name` of obj after checking that it exists and holds
 * exactly one value (scalar, or a simple dataspace of one element) of class
 * `cls`; *ft receives its file type (close it). */
static hid_t attr_open(hid_t obj, const char *file, const char *name,
                       H5T_class_t cls, const char *want, hid_t *ft,
                       cy_error *err) {
  char what[320];
  attr_label(obj, name, what, sizeof what);
  *ft = -1;
  htri_t e = H5Aexists(obj, name);
  if (e <= 0) {
    cy_error_set(err, CY_EINPUT, "%s: %s is %s", file, what,
                 e == 0 ? "missing" : "unreadable (damaged file?)");
    return -1;
  }
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) {
    cy_error_set(err, CY_EINPUT, "%s: %s cannot be opened (damaged file?)",
                 file, what);
    return -1;
  }
  hid_t sp = H5Aget_space(a);
  H5S_class_t sc = sp < 0 ? H5S_NO_CLASS : H5Sget_simple_extent_type(sp);
  hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
  if (sp >= 0)
    H5Sclose(sp);
  int rc = CY_OK;
  if (sc == H5S_NULL || np != 1)
    rc = cy_error_set(err, CY_EINPUT, "%s: %s holds %lld values, expected one",
                      file, what, sc == H5S_NULL ? 0LL : (long long)np);
  else if ((*ft = H5Aget_type(a)) < 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: %s has an unreadable type", file,
                      what);
  else if (H5Tget_class(*ft) != cls)
    rc = cy_error_set(err, CY_EINPUT, "%s: %s is %s, expected %s", file, what,
                      cy__h5_class_name(*ft), want);
  else if (!cy__h5_number_ok(*ft))
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: %s is %s of %zu bytes in an unusual layout "
                      "(damaged file?)",
                      file, what, cy__h5_class_name(*ft), H5Tget_size(*ft));
  if (rc) {
    if (*ft >= 0)
      H5Tclose(*ft);
    *ft = -1;
    H5Aclose(a);
    return -1;
  }
  return a;
}

/* Strings longer than this (attributes, or one read of a string dataset)
 * are refused rather than allocated: no cysim string comes near it. */
enum { STR_MAX_BYTES = 64 << 20 };

int cy__h5_get_attr_str(hid_t obj, const char *file, const char *name,
                        char **value, cy_error *err) {
  *value = NULL;
  hid_t ft;
  hid_t a = attr_open(obj, file, name, H5T_STRING, "text", &ft, err);
  if (a < 0)
    return CY_EINPUT;
  char what[320];
  attr_label(obj, name, what, sizeof what);
  int rc = CY_OK;
  /* HDF5 does not convert between character sets: read in the file's. */
  H5T_cset_t cset = H5Tget_cset(ft);
  if (H5Tis_variable_str(ft) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, cset);
    char *s = NULL;
    if (H5Aread(a, mt, &s) < 0)
      rc = cy_error_set(err, CY_EINPUT, "%s: %s cannot be read (damaged file?)",
                        file, what);
    else if (!s)
      rc = cy_error_set(err, CY_EINPUT, "%s: %s is a NULL string", file, what);
    else if (!(*value = strdup(s)))
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    if (s)
      H5free_memory(s);
    H5Tclose(mt);
  } else {
    size_t len = H5Tget_size(ft);
    char *s = NULL;
    if (len == 0 || len > STR_MAX_BYTES)
      rc = cy_error_set(err, CY_EINPUT, "%s: %s is a string of %zu bytes", file,
                        what, len);
    else if (!(s = calloc(len + 1, 1)))
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    else {
      hid_t mt = cy__h5_str_type(len);
      H5Tset_cset(mt, cset);
      /* s has len + 1 bytes: the value is NUL-terminated whatever its
       * padding. */
      if (H5Aread(a, mt, s) < 0)
        rc = cy_error_set(err, CY_EINPUT,
                          "%s: %s cannot be read (damaged file?)", file, what);
      H5Tclose(mt);
    }
    if (rc)
      free(s);
    else
      *value = s;
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

static int attr_read_num(hid_t obj, const char *file, const char *name,
                         H5T_class_t cls, const char *want, hid_t mt,
                         void *value, cy_error *err) {
  hid_t ft;
  hid_t a = attr_open(obj, file, name, cls, want, &ft, err);
  if (a < 0)
    return CY_EINPUT;
  int rc = CY_OK;
  /* One value (checked by attr_open) into one value's worth of memory. */
  if (H5Aread(a, mt, value) < 0) {
    char what[320];
    attr_label(obj, name, what, sizeof what);
    rc = cy_error_set(err, CY_EINPUT, "%s: %s cannot be read (damaged file?)",
                      file, what);
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

int cy__h5_get_attr_i64(hid_t obj, const char *file, const char *name,
                        int64_t *value, cy_error *err) {
  return attr_read_num(obj, file, name, H5T_INTEGER, "an integer",
                       H5T_NATIVE_INT64, value, err);
}

int cy__h5_get_attr_f64(hid_t obj, const char *file, const char *name,
                        double *value, cy_error *err) {
  return attr_read_num(obj, file, name, H5T_FLOAT, "a float", H5T_NATIVE_DOUBLE,
                       value, err);
}

void cy__h5_clean_text(char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      s[i] = '?';
  /* Cut a UTF-8 sequence that truncation left incomplete. */
  size_t i = n;
  while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && n - i < 3)
    i--;
  if (i > 0 && (unsigned char)s[i - 1] >= 0xc0) {
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (n - (i - 1) < need)
      s[i - 1] = '\0';
  }
}

/* The file type ft and space fs of string dataset `name`: 1-D, n values,
 * text. */
static int check_strings(hid_t ft, hid_t fs, const char *file, const char *name,
                         size_t n, cy_error *err) {
  int nd = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
  hsize_t dim = 0;
  if (nd == 1)
    H5Sget_simple_extent_dims(fs, &dim, NULL);
  if (ft < 0 || fs < 0 || nd < 0)
    return cy_error_set(err, CY_EINPUT, "%s: /%s is unreadable (damaged file?)",
                        file, name);
  if (nd != 1 || dim != n)
    return cy_error_set(err, CY_EINPUT,
                        "%s: /%s has rank %d and %llu values, expected [%zu]",
                        file, name, nd, (unsigned long long)dim, n);
  if (H5Tget_class(ft) != H5T_STRING)
    return cy_error_set(err, CY_EINPUT, "%s: /%s is %s, expected text", file,
                        name, cy__h5_class_name(ft));
  return CY_OK;
}

/* Variable-length strings of d (file type ft) into out[n][cap]. */
static int read_vlen_strings(hid_t d, hid_t ft, hid_t ms, hid_t fs,
                             const char *file, const char *name, size_t n,
                             char *out, size_t cap, cy_error *err) {
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, H5T_VARIABLE);
  H5Tset_cset(mt, H5Tget_cset(ft)); /* HDF5 does not convert charsets */
  char **v = calloc(n, sizeof *v);
  int rc = CY_OK;
  if (!v)
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
  else if (H5Dread(d, mt, ms, fs, H5P_DEFAULT, v) < 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: /%s cannot be read (damaged file?)",
                      file, name);
  /* A read that failed halfway may have handed over some strings already
   * (v was zeroed, so the others are NULL). */
  for (size_t i = 0; v && i < n; i++) {
    if (!v[i]) {
      if (!rc)
        rc = cy_error_set(err, CY_EINPUT, "%s: /%s[%zu] is a NULL string", file,
                          name, i);
      continue;
    }
    if (!rc)
      strncpy(out + i * cap, v[i], cap - 1);
    H5free_memory(v[i]);
  }
  free(v);
  H5Tclose(mt);
  return rc;
}

/* Fixed-length strings of d (file type ft) into out[n][cap]. */
static int read_fixed_strings(hid_t d, hid_t ft, hid_t ms, hid_t fs,
                              const char *file, const char *name, size_t n,
                              char *out, size_t cap, cy_error *err) {
  size_t len = H5Tget_size(ft);
  if (len == 0 || len >= STR_MAX_BYTES / n)
    return cy_error_set(err, CY_EINPUT,
                        "%s: /%s holds strings of %zu bytes, too long", file,
                        name, len);
  char *buf = calloc(n, len + 1);
  if (!buf)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  /* len + 1 bytes per value, NUL-terminated: never runs off. */
  hid_t mt = cy__h5_str_type(len + 1);
  H5Tset_strpad(mt, H5T_STR_NULLTERM);
  H5Tset_cset(mt, H5Tget_cset(ft));
  int rc = CY_OK;
  if (H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) < 0)
    rc = cy_error_set(err, CY_EINPUT, "%s: /%s cannot be read (damaged file?)",
                      file, name);
  else
    for (size_t i = 0; i < n; i++)
      strncpy(out + i * cap, buf + i * (len + 1), cap - 1);
  H5Tclose(mt);
  free(buf);
  return rc;
}

int cy__h5_read_strings(hid_t file_id, const char *file, const char *name,
                        size_t n, char *out, size_t cap, cy_error *err) {
  assert(cap >= 1);
  memset(out, 0, n * cap);
  hid_t d = H5Dopen2(file_id, name, H5P_DEFAULT);
  if (d < 0)
    return cy_error_set(err, CY_EINPUT, "%s: /%s cannot be opened", file, name);
  hid_t ft = H5Dget_type(d), fs = H5Dget_space(d), ms = -1;
  int rc = check_strings(ft, fs, file, name, n, err);
  if (!rc && n > 0) {
    hsize_t hn = n;
    ms = H5Screate_simple(1, &hn, NULL);
    H5Sselect_all(fs);
    rc = H5Tis_variable_str(ft) > 0
             ? read_vlen_strings(d, ft, ms, fs, file, name, n, out, cap, err)
             : read_fixed_strings(d, ft, ms, fs, file, name, n, out, cap, err);
  }
  for (size_t i = 0; rc == CY_OK && i < n; i++)
    cy__h5_clean_text(out + i * cap);
  if (ms >= 0)
    H5Sclose(ms);
  if (fs >= 0)
    H5Sclose(fs);
  if (ft >= 0)
    H5Tclose(ft);
  H5Dclose(d);
  return rc;
}

int cy__h5_dim0(hid_t loc, const char *name, size_t *n) {
  *n = 0;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
    return CY_OK;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0)
    return CY_EHDF5;
  hid_t sp = H5Dget_space(d);
  /* Any rank up to HDF5's limit, so a hostile rank cannot overrun dims. */
  int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
  hsize_t dims[H5S_MAX_RANK] = {0};
  if (nd >= 1 && nd <= H5S_MAX_RANK &&
      H5Sget_simple_extent_dims(sp, dims, NULL) == nd)
    *n = (size_t)dims[0];
  else
    nd = -1;
  if (sp >= 0)
    H5Sclose(sp);
  H5Dclose(d);
  return nd < 0 ? CY_EHDF5 : CY_OK;
}

/* HDF5's shuffle filter: byte k of every element, then byte k + 1, ...
 * Spelt out for 4 and 8 bytes, the sizes cysim shuffles: one pass over
 * the source instead of one per byte halves its time (the flagship's
 * /timeseries/ops, 42.7 MB: 0.012 s instead of 0.024 s). */
static void shuffle(unsigned char *restrict dst,
                    const unsigned char *restrict src, size_t n, size_t size) {
  if (size == 4) {
    for (size_t i = 0; i < n; i++, src += 4) {
      dst[i] = src[0];
      dst[n + i] = src[1];
      dst[2 * n + i] = src[2];
      dst[3 * n + i] = src[3];
    }
  } else if (size == 8) {
    for (size_t i = 0; i < n; i++, src += 8)
      for (size_t k = 0; k < 8; k++)
        dst[k * n + i] = src[k];
  } else {
    for (size_t k = 0; k < size; k++)
      for (size_t i = 0; i < n; i++)
        dst[k * n + i] = src[i * size + k];
  }
}

/* Grows *buf to at least `need` bytes. */
static bool reserve(unsigned char **buf, size_t *cap, size_t need) {
  if (*cap >= need)
    return true;
  unsigned char *t = realloc(*buf, need);
  if (!t)
    return false;
  *buf = t;
  *cap = need;
  return true;
}

struct cy__h5_zip {
  z_stream s[2]; /* [floats]: integers with Z_RLE, floats by default */
  bool ready[2];
  unsigned char *shuf;
  size_t shuf_cap;
};

cy__h5_zip *cy__h5_zip_alloc(void) { return calloc(1, sizeof(cy__h5_zip)); }

void cy__h5_zip_trim(cy__h5_zip *zp) {
  for (int i = 0; i < 2; i++)
    if (zp->ready[i]) {
      deflateEnd(&zp->s[i]);
      zp->ready[i] = false;
    }
}

void cy__h5_zip_free(cy__h5_zip *zp) {
  if (!zp)
    return;
  cy__h5_zip_trim(zp);
  free(zp->shuf);
  free(zp);
}

/* The zlib state for floats or integers, reset for a new stream. */
static int zip_stream(cy__h5_zip *zp, bool floats, z_stream **out) {
  z_stream *s = &zp->s[floats];
  *out = s;
  if (zp->ready[floats])
    return deflateReset(s) == Z_OK ? CY_OK : CY_EINTERNAL;
  /* windowBits 15 and memLevel 8 are compress2()'s: the stream HDF5's
   * deflate filter writes and reads. */
  int rc = deflateInit2(s, CY_H5_DEFLATE_LEVEL, Z_DEFLATED, 15, 8,
                        floats ? Z_DEFAULT_STRATEGY : Z_RLE);
  if (rc != Z_OK)
    return rc == Z_MEM_ERROR ? CY_ENOMEM : CY_EINTERNAL;
  zp->ready[floats] = true;
  return CY_OK;
}

int cy__h5_deflate_chunk(cy__h5_zip *zp, const unsigned char *src, size_t n,
                         size_t esz, bool shuffle_it, bool floats,
                         unsigned char **z, size_t *zcap, size_t *zlen) {
  size_t bytes = n * esz;
  if (shuffle_it && esz > 1) {
    if (!reserve(&zp->shuf, &zp->shuf_cap, bytes))
      return CY_ENOMEM;
    shuffle(zp->shuf, src, n, esz);
    src = zp->shuf;
  }
  size_t bound = compressBound((uLong)bytes);
  if (!reserve(z, zcap, bound))
    return CY_ENOMEM;
  z_stream *s;
  int rc = zip_stream(zp, floats, &s);
  if (rc)
    return rc;
  /* In pieces of at most 4 GiB (zlib counts in uInt), as compress2()
   * does. */
  const size_t max = (uInt)-1;
  size_t left_in = bytes, left_out = bound;
  s->next_in = (Bytef *)src;
  s->avail_in = 0;
  s->next_out = *z;
  s->avail_out = 0;
  int zr;
  do {
    if (s->avail_out == 0) {
      s->avail_out = (uInt)(left_out < max ? left_out : max);
      left_out -= s->avail_out;
    }
    if (s->avail_in == 0) {
      s->avail_in = (uInt)(left_in < max ? left_in : max);
      left_in -= s->avail_in;
    }
    zr = deflate(s, left_in ? Z_NO_FLUSH : Z_FINISH);
  } while (zr == Z_OK);
  if (zr != Z_STREAM_END)
    return CY_EINTERNAL;
  *zlen = (size_t)s->total_out;
  return CY_OK;
}

/* ---- errors ---- */

typedef struct cause {
  char text[200];
  bool from_system;
} cause;

static herr_t cause_cb(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  cause *c = data;
  if (!e->desc || c->from_system)
    return 0;
  /* The sec2 driver words a failed system call "..., errno = 28, error
   * message = 'No space left on device', ...": that is the cause a user
   * can act on. */
  const char *m = strstr(e->desc, "error message = '");
  if (m) {
    m += strlen("error message = '");
    const char *end = strchr(m, '\'');
    size_t len = end ? (size_t)(end - m) : strlen(m);
    if (len >= sizeof c->text)
      len = sizeof c->text - 1;
    memcpy(c->text, m, len);
    c->text[len] = '\0';
    c->from_system = true;
  } else if (!c->text[0]) {
    snprintf(c->text, sizeof c->text, "%s", e->desc);
  }
  return 0;
}

/* Must run right after the failing HDF5 call: the next call clears the
 * error stack.  Innermost error first, a system error preferred. */
int cy__h5_fail(cy_error *err, const char *path, const char *what,
                const char *obj) {
  cause c = {.text = "", .from_system = false};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, cause_cb, &c);
  if (c.from_system)
    return cy_error_set(err, CY_EHDF5, "%s: cannot %s '%s': %s", path, what,
                        obj, c.text);
  return cy_error_set(err, CY_EHDF5, "%s: HDF5 failed to %s '%s'%s%s%s", path,
                      what, obj, c.text[0] ? " (" : "", c.text,
                      c.text[0] ? ")" : "");
}
