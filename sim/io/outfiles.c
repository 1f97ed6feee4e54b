/* outfiles.c: output file names, the writer's lock, durable renames and
 * the event-log journal (see outfiles.h). */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC, O_DIRECTORY, flock() */
#include "outfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char *with_suffix(const char *base, const char *suffix) {
  size_t a = strlen(base), b = strlen(suffix);
  char *s = malloc(a + b + 1);
  if (s) {
    memcpy(s, base, a);
    memcpy(s + a, suffix, b + 1);
  }
  return s;
}

int cy__outfiles_init(cy_outfiles *f, const char *out, cy_error *err) {
  memset(f, 0, sizeof *f);
  f->lock_fd = -1;
  f->out = strdup(out);
  f->lock = with_suffix(out, ".lock");
  f->partial = with_suffix(out, ".partial");
  f->partial_new = with_suffix(out, ".partial.new");
  f->journal = with_suffix(out, ".partial.events");
  f->tmp = with_suffix(out, ".tmp");
  if (!f->out || !f->lock || !f->partial || !f->partial_new || !f->journal ||
      !f->tmp) {
    cy__outfiles_fini(f);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  return CY_OK;
}

void cy__outfiles_fini(cy_outfiles *f) {
  if (f->lock_fd >= 0) {
    /* Removed while still held: a process that opened the old lock file
     * and then gets the lock sees the name gone (cy__outfiles_lock checks)
     * and tries again on a new file. */
    unlink(f->lock);
    close(f->lock_fd);
    f->lock_fd = -1;
  }
  free(f->out);
  free(f->lock);
  free(f->partial);
  free(f->partial_new);
  free(f->journal);
  free(f->tmp);
  memset(f, 0, sizeof *f);
  f->lock_fd = -1;
}

int cy__outfiles_lock(cy_outfiles *f, cy_error *err) {
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = open(f->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
      return cy_error_set(err, CY_EIO, "%s: cannot create the lock file: %s",
                          f->lock, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      if (e == EWOULDBLOCK)
        return cy_error_set(err, CY_EBUSY,
                            "%s is being written by another cysim process "
                            "(it holds %s); wait for it to finish",
                            f->out, f->lock);
      return cy_error_set(err, CY_EIO, "%s: cannot lock: %s", f->lock,
                          strerror(e));
    }
    /* The lock counts only if the name still refers to the file we locked
     * (the previous holder removes it on release). */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && lstat(f->lock, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
      f->lock_fd = fd;
      return CY_OK;
    }
    close(fd);
  }
  return cy_error_set(err, CY_EBUSY, "%s: cannot take the lock %s", f->out,
                      f->lock);
}

cy_path_kind cy__path_kind_of(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return CY_PATH_NONE;
  if (S_ISLNK(sb.st_mode))
    return CY_PATH_SYMLINK;
  return S_ISREG(sb.st_mode) ? CY_PATH_FILE : CY_PATH_OTHER;
}

int cy__remove(const char *path, cy_error *err) {
  if (unlink(path) == 0 || errno == ENOENT)
    return CY_OK;
  return cy_error_set(err, CY_EIO, "%s: cannot remove: %s", path,
                      strerror(errno));
}

int cy__fsync_file(const char *path, cy_error *err) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return cy_error_set(err, CY_EIO, "%s: cannot sync to disk: %s", path,
                        strerror(e));
  }
  close(fd);
  return CY_OK;
}

int cy__fsync_dir_of(const char *path, cy_error *err) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : strdup(".");
  if (!dir)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = CY_OK;
  /* Some file systems refuse fsync on a directory (EINVAL): nothing more
   * can be done there, and the rename itself has happened. */
  if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
    rc = cy_error_set(err, CY_EIO, "%s: cannot sync the directory: %s", dir,
                      strerror(errno));
  if (fd >= 0)
    close(fd);
  free(dir);
  return rc;
}

int cy__move(const char *from, const char *to, bool replace, cy_error *err) {
  if (replace) {
    if (rename(from, to) != 0)
      return cy_error_set(err, CY_EIO, "cannot rename %s to %s: %s", from, to,
                          strerror(errno));
    return CY_OK;
  }
  if (link(from, to) != 0) {
    if (errno == EEXIST)
      return cy_error_set(err, CY_EEXIST,
                          "%s exists (it appeared while this run ran); use "
                          "--force to replace it",
                          to);
    return cy_error_set(err, CY_EIO, "cannot link %s to %s: %s", from, to,
                        strerror(errno));
  }
  if (unlink(from) != 0)
    return cy_error_set(err, CY_EIO, "%s: cannot remove: %s", from,
                        strerror(errno));
  return CY_OK;
}

/* ---- journal ---- */

/* File: "CYSIMEVJ", u32 version, u32 row size; then records of a 20-byte
 * head (u32 magic, point, rep, n, crc32 of point..rows) and n rows of
 * ROW bytes, all little-endian.  A row is a log record's columns in
 * CY_LOG_FIELDS order, each in its own size, with no padding. */
static const char JMAGIC[8] = {'C', 'Y', 'S', 'I', 'M', 'E', 'V', 'J'};
#define ROW_BYTES(member, type, ...) +sizeof(CY_CTYPE_##type)
enum {
  JHEAD = 16,
  RHEAD = 20,
  ROW = 0 CY_LOG_FIELDS(ROW_BYTES),
  RMAGIC = 0x52564543u
};
#undef ROW_BYTES

struct cy_journal {
  char *path;
  int fd;
  off_t end; /* end of the last whole record */
};

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
/* The bits of one value of type t at p, as an unsigned integer of its
 * size (floats by their IEEE bits). */
static uint64_t value_bits(const void *p, cy_elem_type t) {
  switch (t) {
  case CY_ELEM_U8: {
    uint8_t v;
    memcpy(&v, p, sizeof v);
    return v;
  }
  case CY_ELEM_I16: {
    int16_t v;
    memcpy(&v, p, sizeof v);
    return (uint16_t)v;
  }
  case CY_ELEM_U32:
  case CY_ELEM_I32: {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
  }
  default: {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
  }
  }
}

/* The inverse of value_bits(). */
static void set_value_bits(void *p, cy_elem_type t, uint64_t u) {
  switch (t) {
  case CY_ELEM_U8: {
    uint8_t v = (uint8_t)u;
    memcpy(p, &v, sizeof v);
    break;
  }
  case CY_ELEM_I16: {
    int16_t v = (int16_t)(uint16_t)u;
    memcpy(p, &v, sizeof v);
    break;
  }
  case CY_ELEM_U32:
  case CY_ELEM_I32: {
    uint32_t v = (uint32_t)u;
    memcpy(p, &v, sizeof v);
    break;
  }
  default:
    memcpy(p, &u, sizeof u);
    break;
  }
}

static void row_encode(unsigned char *p, const cy_log_record *r) {
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    size_t size = cy_elem_size(f->type);
    uint64_t u = value_bits((const char *)r + f->offset, f->type);
    for (size_t i = 0; i < size; i++)
      *p++ = (unsigned char)(u >> (8 * i));
  }
}

static void row_decode(const unsigned char *p, cy_log_record *r) {
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    size_t size = cy_elem_size(f->type);
    uint64_t u = 0;
    for (size_t i = 0; i < size; i++)
      u |= (uint64_t)*p++ << (8 * i);
    set_value_bits((char *)r + f->offset, f->type, u);
  }
}

static int jfail(cy_journal *j, cy_error *err, const char *what) {
  return cy_error_set(err, CY_EIO, "%s: cannot %s: %s", j->path, what,
                      strerror(errno));
}

static int write_all(int fd, const void *buf, size_t n, off_t off) {
  const unsigned char *p = buf;
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
    off += w;
  }
  return 0;
}

/* Reads exactly n bytes at off: 1 when read, 0 at (or past) the end. */
static int read_exact(int fd, void *buf, size_t n, off_t off) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t r = pread(fd, p, n, off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      return 0;
    p += r;
    n -= (size_t)r;
    off += r;
  }
  return 1;
}

/* The record at off: its size in *len (0 when torn or absent). */
static int record_at(cy_journal *j, off_t off, off_t size, unsigned char *head,
                     unsigned char **rows, size_t *cap, off_t *len) {
  *len = 0;
  if (size - off < RHEAD)
    return 0;
  int r = read_exact(j->fd, head, RHEAD, off);
  if (r <= 0)
    return r;
  uint32_t n = get32(head + 12);
  if (get32(head) != RMAGIC || (off_t)n > (size - off - RHEAD) / ROW)
    return 0;
  size_t bytes = (size_t)n * ROW;
  if (bytes > *cap) {
    unsigned char *t = realloc(*rows, bytes);
    if (!t)
      return -2;
    *rows = t;
    *cap = bytes;
  }
  if (bytes && read_exact(j->fd, *rows, bytes, off + RHEAD) <= 0)
    return 0;
  uLong crc = crc32(0L, head + 4, 12);
  crc = crc32(crc, *rows, (uInt)bytes);
  if ((uint32_t)crc != get32(head + 16))
    return 0;
  *len = RHEAD + (off_t)bytes;
  return 1;
}

int cy__journal_open(cy_journal **out, const char *path, bool create,
                     cy_error *err) {
  *out = NULL;
  cy_journal *j = calloc(1, sizeof *j);
  if (!j || !(j->path = strdup(path))) {
    free(j);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  j->fd = open(path, flags, 0644);
  int rc = CY_OK;
  if (j->fd < 0 && !create &&
      (errno == ENOENT || errno == ELOOP || errno == EISDIR))
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: cannot resume: the event journal is missing or not "
                      "a regular file: %s",
                      path, strerror(errno));
  else if (j->fd < 0)
    rc = jfail(j, err,
               create ? "create the event journal" : "open the event journal");
  unsigned char head[JHEAD];
  if (!rc && create) {
    memcpy(head, JMAGIC, 8);
    put32(head + 8, 1);
    put32(head + 12, ROW);
    if (write_all(j->fd, head, JHEAD, 0) != 0)
      rc = jfail(j, err, "write");
    j->end = JHEAD;
  } else if (!rc) {
    struct stat sb;
    if (fstat(j->fd, &sb) != 0)
      rc = jfail(j, err, "stat");
    else if (!S_ISREG(sb.st_mode) || read_exact(j->fd, head, JHEAD, 0) != 1 ||
             memcmp(head, JMAGIC, 8) != 0 || get32(head + 8) != 1 ||
             get32(head + 12) != ROW)
      rc = cy_error_set(err, CY_EINPUT, "%s: not a cysim event journal", path);
    unsigned char *rows = NULL;
    size_t cap = 0;
    off_t off = JHEAD, len;
    unsigned char rh[RHEAD];
    while (!rc) {
      int r = record_at(j, off, sb.st_size, rh, &rows, &cap, &len);
      if (r == -2)
        rc = cy_error_set(err, CY_ENOMEM, "out of memory");
      else if (r < 0)
        rc = jfail(j, err, "read");
      if (r <= 0 || len == 0)
        break;
      off += len;
    }
    free(rows);
    j->end = off;
    /* Cut a torn tail so that new records follow the last whole one. */
    if (!rc && off < sb.st_size && ftruncate(j->fd, off) != 0)
      rc = jfail(j, err, "truncate");
  }
  if (rc) {
    cy__journal_close(j);
    return rc;
  }
  *out = j;
  return CY_OK;
}

int cy__journal_append(cy_journal *j, uint32_t point, uint32_t rep,
                       const cy_log_record *rows, size_t n, cy_error *err) {
  if (n > (UINT32_MAX - RHEAD) / ROW)
    return cy_error_set(err, CY_EINPUT, "%s: %zu log rows in one run", j->path,
                        n);
  size_t bytes = RHEAD + n * ROW;
  unsigned char *buf = malloc(bytes);
  if (!buf)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  put32(buf, RMAGIC);
  put32(buf + 4, point);
  put32(buf + 8, rep);
  put32(buf + 12, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    row_encode(buf + RHEAD + i * ROW, &rows[i]);
  uLong crc = crc32(0L, buf + 4, 12);
  crc = crc32(crc, buf + RHEAD, (uInt)(n * ROW));
  put32(buf + 16, (uint32_t)crc);
  int rc = write_all(j->fd, buf, bytes, j->end) == 0
               ? CY_OK
               : jfail(j, err, "append to the event journal");
  free(buf);
  if (rc == CY_OK)
    j->end += (off_t)bytes;
  return rc;
}

int cy__journal_sync(cy_journal *j, cy_error *err) {
  return fdatasync(j->fd) == 0 ? CY_OK : jfail(j, err, "sync");
}

int cy__journal_each(cy_journal *j, const uint8_t *status, size_t P, size_t R,
                     int (*fn)(void *, uint32_t, uint32_t,
                               const cy_log_record *, size_t),
                     void *ctx, cy_error *err) {
  size_t nrun = P * R;
  off_t *last = malloc((nrun ? nrun : 1) * sizeof *last);
  if (!last)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < P * R; i++)
    last[i] = -1;
  unsigned char rh[RHEAD], *rows = NULL;
  size_t cap = 0;
  int rc = CY_OK;
  off_t len;
  /* Pass 1: where the last whole record of each run starts (a run redone
   * after a crash has an earlier record too, with the same rows). */
  for (off_t off = JHEAD; off < j->end; off += len) {
    int r = record_at(j, off, j->end, rh, &rows, &cap, &len);
    if (r == -2 || r < 0 || len == 0) {
      rc = r == -2
               ? cy_error_set(err, CY_ENOMEM, "out of memory")
               : cy_error_set(err, CY_EIO, "%s: damaged record at byte %lld",
                              j->path, (long long)off);
      break;
    }
    uint32_t p = get32(rh + 4), q = get32(rh + 8);
    if (p < P && q < R)
      last[(size_t)p * R + q] = off;
  }
  cy_log_record *dec = NULL;
  size_t dcap = 0;
  for (size_t i = 0; rc == CY_OK && i < P * R; i++) {
    if (!status[i] || last[i] < 0)
      continue;
    if (record_at(j, last[i], j->end, rh, &rows, &cap, &len) != 1 || len == 0) {
      rc = cy_error_set(err, CY_EIO, "%s: cannot reread a record", j->path);
      break;
    }
    size_t n = get32(rh + 12);
    if (n > dcap) {
      cy_log_record *t = realloc(dec, n * sizeof *t);
      if (!t) {
        rc = cy_error_set(err, CY_ENOMEM, "out of memory");
        break;
      }
      dec = t;
      dcap = n;
    }
    for (size_t k = 0; k < n; k++)
      row_decode(rows + k * ROW, &dec[k]);
    rc = fn(ctx, (uint32_t)(i / R), (uint32_t)(i % R), dec, n);
  }
  free(dec);
  free(rows);
  free(last);
  return rc;
}

void cy__journal_close(cy_journal *j) {
  if (!j)
    return;
  if (j->fd >= 0)
    close(j->fd);
  free(j->path);
  free(j);
}
