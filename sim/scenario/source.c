/* source.c: a study's files, read and expanded for libconfig (cy_source).
 *
 * @include is expanded here rather than by libconfig: libconfig 1.5 (the
 * Debian version) resolves every include against one directory, while a
 * study's includes must resolve against the including file's folder.  The
 * expansion also keeps a line map, so that every message, libconfig's parse
 * errors included, names the file and line the user wrote.
 *
 * libconfig 1.5 silently keeps the low 32 bits of an integer written without
 * L.  Only the text shows that this happened, so the expansion also scans
 * each line for integer literals that do not fit, and the loader refuses
 * them naming the setting they landed in. */
#include "scenario_impl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  MAX_INCLUDE_DEPTH = 10,
  /* Per scenario file and for all of a study's files together: far above
   * any real study (the shipped ones are a few KiB), far below what would
   * strain `validate`. */
  MAX_FILE_BYTES = 16 << 20,
};

/* An integer literal that libconfig would not keep as written. */
struct cy_bigint {
  unsigned line;  /* line of the expanded text */
  bool int64;     /* libconfig stores it as int64 (L suffix) or as int */
  int64_t stored; /* what libconfig stores */
  bool wide;      /* beyond 64 bits (else only beyond 32, without L) */
  char text[48];  /* as written (shortened when long) */
};

/* The files being expanded, outermost first: to name an include cycle. */
typedef struct include_chain {
  struct {
    dev_t dev;
    ino_t ino;
    int file; /* index in map.files */
  } at[MAX_INCLUDE_DEPTH + 1];
} include_chain;

/* ------------------------------------------------------------ buffers */

static int append(char **buf, size_t *len, size_t *cap, const char *s,
                  size_t n) {
  if (*len + n + 1 > *cap) {
    size_t nc = *cap ? *cap : 4096;
    while (nc < *len + n + 1)
      nc *= 2;
    char *nb = realloc(*buf, nc);
    if (!nb)
      return CY_ENOMEM;
    *buf = nb;
    *cap = nc;
  }
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

static int map_line(cy_source *src, int file, int line) {
  cy_srcmap *m = &src->map;
  if (m->n_lines == src->map_cap) {
    size_t nc = src->map_cap ? src->map_cap * 2 : 256;
    int *a = realloc(m->line_file, nc * sizeof *a);
    if (!a)
      return CY_ENOMEM;
    m->line_file = a;
    int *b = realloc(m->line_no, nc * sizeof *b);
    if (!b)
      return CY_ENOMEM;
    m->line_no = b;
    src->map_cap = nc;
  }
  m->line_file[m->n_lines] = file;
  m->line_no[m->n_lines] = line;
  m->n_lines++;
  return 0;
}

/* ------------------------------------------------- line scan (lexing) */

/* The magnitude of the digits l[from, to) in base 16 or 10, exactly up to
 * 2^64 - 1; *over when it is beyond that. */
static unsigned long long literal_magnitude(const char *l, size_t from,
                                            size_t to, bool hex, bool *over) {
  while (from + 1 < to && l[from] == '0') /* leading zeros change nothing */
    from++;
  unsigned long long mag = 0;
  unsigned base = hex ? 16u : 10u;
  *over = false;
  for (size_t q = from; q < to; q++) {
    unsigned dv = isdigit((unsigned char)l[q])
                      ? (unsigned)(l[q] - '0')
                      : (unsigned)(tolower((unsigned char)l[q]) - 'a' + 10);
    if (mag > (ULLONG_MAX - dv) / base) {
      *over = true;
      break;
    }
    mag = mag * base + dv;
  }
  return mag;
}

/* The 64-bit value libconfig's parser makes of a literal of magnitude mag
 * (*over: beyond 64 bits); *wide when that is not the literal's value. */
static int64_t literal_value64(unsigned long long mag, bool over, bool hex,
                               bool neg, bool *wide) {
  if (hex) {
    /* clamps to ULLONG_MAX, then reads the bits as two's complement
     * (spelled out: converting a value above INT64_MAX is not portable) */
    unsigned long long u = over ? ULLONG_MAX : mag;
    *wide = u > (unsigned long long)INT64_MAX;
    return *wide ? -(int64_t)(ULLONG_MAX - u) - 1 : (int64_t)u;
  }
  if (neg) {
    *wide = over || mag > (unsigned long long)INT64_MAX + 1ull;
    return *wide || mag == (unsigned long long)INT64_MAX + 1ull ? INT64_MIN
                                                                : -(int64_t)mag;
  }
  *wide = over || mag > (unsigned long long)INT64_MAX;
  return *wide ? INT64_MAX : (int64_t)mag;
}

static int add_bigint(cy_source *src, const struct cy_bigint *b) {
  if (src->n_big == src->big_cap) {
    size_t nc = src->big_cap ? src->big_cap * 2 : 8;
    struct cy_bigint *nb = realloc(src->big, nc * sizeof *nb);
    if (!nb)
      return CY_ENOMEM;
    src->big = nb;
    src->big_cap = nc;
  }
  src->big[src->n_big++] = *b;
  return 0;
}

/* Skips a float literal from l[k] on: one too large becomes inf, which the
 * resolver refuses as not finite. */
static size_t skip_float(const char *l, size_t len, size_t k) {
  while (k < len && (isdigit((unsigned char)l[k]) || l[k] == '.' ||
                     l[k] == 'e' || l[k] == 'E' ||
                     ((l[k] == '-' || l[k] == '+') &&
                      (l[k - 1] == 'e' || l[k - 1] == 'E'))))
    k++;
  return k;
}

/* Records the integer literal at l[*pi] if libconfig would not keep it as
 * written, and moves *pi past it.  Its scanner (1.5) reads a decimal
 * literal with atoll and a hex one with strtoul / its own 64-bit parser,
 * and then:
 *   - without L keeps the low 32 bits of that (3000000000 becomes
 *     -1294967296, 0xFFFFFFFF becomes -1);
 *   - with L (or LL) clamps a decimal beyond 64 bits to INT64_MIN/MAX and
 *     stores a hex literal above 2^63-1 as a negative number. */
static int scan_number(cy_source *src, const char *l, size_t len, size_t *pi) {
  size_t i = *pi, j = i;
  if (l[j] == '-' || l[j] == '+')
    j++;
  bool neg = l[i] == '-';
  bool hex = j + 1 < len && l[j] == '0' && (l[j + 1] == 'x' || l[j + 1] == 'X');
  size_t d0 = hex ? j + 2 : j, k = d0;
  while (k < len &&
         (hex ? isxdigit((unsigned char)l[k]) : isdigit((unsigned char)l[k])))
    k++;
  if (!hex && k < len && (l[k] == '.' || l[k] == 'e' || l[k] == 'E')) {
    *pi = skip_float(l, len, k);
    return 0;
  }
  if (k == d0) { /* a lone sign or "0x" */
    *pi = k > i ? k : i + 1;
    return 0;
  }
  size_t dend = k;
  bool l64 = k < len && l[k] == 'L';
  while (k < len && l[k] == 'L')
    k++;
  *pi = k;
  bool over, wide;
  unsigned long long mag = literal_magnitude(l, d0, dend, hex, &over);
  int64_t v64 = literal_value64(mag, over, hex, neg, &wide);
  bool fits32 = !wide && v64 >= INT32_MIN && v64 <= INT32_MAX;
  if (l64 ? !wide : fits32)
    return 0;
  struct cy_bigint b = {
      .line = (unsigned)src->map.n_lines, /* this line's number once mapped */
      .int64 = l64,
      .wide = wide,
      .stored =
          l64 ? v64 : (int64_t)(int32_t)(uint32_t)((uint64_t)v64 & 0xffffffffu),
  };
  size_t n = dend - i;
  if (n < sizeof b.text)
    snprintf(b.text, sizeof b.text, "%.*s", (int)n, l + i);
  else /* a 40-digit prefix says enough */
    snprintf(b.text, sizeof b.text, "%.40s...", l + i);
  return add_bigint(src, &b);
}

/* Where the block comment that l[i] is in ends: the index just past its
 * closing, or 0 when it goes on past this line. */
static size_t comment_end(const char *l, size_t len, size_t i) {
  for (size_t k = i; k + 1 < len; k++)
    if (l[k] == '*' && l[k + 1] == '/')
      return k + 2;
  return 0;
}

/* Walks one line updating the block-comment state and recording big ints. */
static int scan_line(cy_source *src, const char *l, size_t len,
                     bool *in_comment) {
  size_t i = 0;
  while (i < len) {
    if (*in_comment) {
      size_t e = comment_end(l, len, i);
      if (!e)
        return 0;
      *in_comment = false;
      i = e;
      continue;
    }
    char c = l[i];
    if (c == '"') {
      for (i++; i < len && l[i] != '"'; i++)
        if (l[i] == '\\')
          i++;
      i++;
    } else if (c == '#' || (c == '/' && i + 1 < len && l[i + 1] == '/')) {
      return 0;
    } else if (c == '/' && i + 1 < len && l[i + 1] == '*') {
      *in_comment = true;
      i += 2;
    } else if (isalpha((unsigned char)c) || c == '*') {
      while (i < len && (isalnum((unsigned char)l[i]) || l[i] == '_' ||
                         l[i] == '-' || l[i] == '*'))
        i++;
    } else if (isdigit((unsigned char)c) || c == '-' || c == '+') {
      int rc = scan_number(src, l, len, &i);
      if (rc)
        return rc;
    } else if (c == '.') {
      i = skip_float(l, len, i + 1);
    } else {
      i++;
    }
  }
  return 0;
}

/* "@include "name"" at the start of a line (libconfig's rule), with only
 * blanks or a line comment after it.  Returns 1 and the name, 0 when the
 * line is no include, -1 when it is a malformed one. */
static int include_line(const char *l, size_t len, char *name, size_t n) {
  size_t i = 0;
  while (i < len && (l[i] == ' ' || l[i] == '\t'))
    i++;
  if (len - i < 8 || strncmp(l + i, "@include", 8) != 0)
    return 0;
  i += 8;
  while (i < len && (l[i] == ' ' || l[i] == '\t'))
    i++;
  if (i >= len || l[i] != '"')
    return -1;
  size_t s = ++i;
  while (i < len && l[i] != '"')
    i++;
  if (i >= len || i - s == 0 || i - s >= n)
    return -1;
  memcpy(name, l + s, i - s);
  name[i - s] = '\0';
  for (i++; i < len; i++) {
    if (l[i] == '#' || (l[i] == '/' && i + 1 < len && l[i + 1] == '/'))
      break;
    if (!isspace((unsigned char)l[i]))
      return -1;
  }
  return 1;
}

/* ------------------------------------------------------------ reading */

/* What a file that is not a regular file is, for messages. */
static const char *file_kind(mode_t m) {
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISCHR(m))
    return "a character device";
  if (S_ISBLK(m))
    return "a block device";
  if (S_ISFIFO(m))
    return "a FIFO (named pipe)";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a regular file";
}

/* Opens a scenario file and checks that it is a regular file of at most
 * `room` bytes.  O_NONBLOCK lets a FIFO without a writer open at once so
 * that fstat can refuse it.  `who` is the "file:line" of the @include that
 * names it (NULL for the study's file) and `subject` names it in
 * messages. */
static int open_scenario(const char *path, const char *who, const char *subject,
                         size_t room, struct stat *sb, int *fd, cy_error *err) {
  *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (*fd < 0) {
    int e = errno;
    if (e == ENOMEM)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    if (who)
      return cy_error_set(err, CY_EINPUT, "%s: cannot read @include \"%s\": %s",
                          who, path, strerror(e));
    return cy_error_set(err, CY_EINPUT, "%s: cannot open: %s", path,
                        strerror(e));
  }
  if (fstat(*fd, sb) != 0)
    return cy_error_set(err, CY_EINPUT, "%s: cannot read: %s", subject,
                        strerror(errno));
  if (!S_ISREG(sb->st_mode))
    return cy_error_set(err, CY_EINPUT, "%s: is %s, not a scenario file",
                        subject, file_kind(sb->st_mode));
  if ((uintmax_t)sb->st_size <= (uintmax_t)room)
    return 0;
  if ((uintmax_t)sb->st_size <= (uintmax_t)MAX_FILE_BYTES)
    return cy_error_set(err, CY_EINPUT,
                        "%s: the scenario's files would be larger than %d MiB "
                        "together",
                        subject, MAX_FILE_BYTES >> 20);
  return cy_error_set(err, CY_EINPUT,
                      "%s: is larger than %d MiB, the most a scenario file "
                      "may be",
                      subject, MAX_FILE_BYTES >> 20);
}

static int grew(const char *subject, cy_error *err) {
  return cy_error_set(err, CY_EINPUT, "%s: grew past %d MiB while being read",
                      subject, MAX_FILE_BYTES >> 20);
}

/* Reads fd to its end into *out (NUL-terminated, *len bytes).  A regular
 * file may still grow while we read: at most room + 1 bytes are read, and
 * more than room is refused. */
static int read_all(int fd, const char *subject, size_t size, size_t room,
                    char **out, size_t *len, cy_error *err) {
  size_t cap = size + 1 > room + 1 ? room + 1 : size + 1, n = 0;
  char *b = malloc(cap + 1);
  int rc = b ? 0 : CY_ENOMEM;
  while (!rc) {
    if (n == cap && cap > room) {
      rc = grew(subject, err);
      break;
    }
    if (n == cap) {
      size_t nc = cap * 2 > room + 1 ? room + 1 : cap * 2;
      char *nb = realloc(b, nc + 1);
      if (!nb) {
        rc = CY_ENOMEM;
        break;
      }
      b = nb;
      cap = nc;
    }
    ssize_t got = read(fd, b + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      rc = cy_error_set(err, CY_EIO, "%s: cannot read: %s", subject,
                        strerror(errno));
    else if (got == 0)
      break;
    n += got > 0 ? (size_t)got : 0;
  }
  if (!rc && n > room)
    rc = grew(subject, err);
  if (rc == CY_ENOMEM)
    cy_error_set(err, rc, "out of memory");
  if (rc) {
    free(b);
    return rc;
  }
  b[n] = '\0';
  *out = b;
  *len = n;
  return 0;
}

/* Reads one scenario file whole.  Only regular files of at most `room`
 * bytes are read: /dev/zero, a FIFO or a file that keeps growing would
 * otherwise make `validate` itself run out of memory or wait forever.  The
 * message names the file itself, or the "file:line" (`who`) of the
 * @include that named it. */
static int read_file(const char *path, const char *who, size_t room, char **out,
                     size_t *len, struct stat *sb, cy_error *err) {
  char subject[4600];
  if (who)
    snprintf(subject, sizeof subject, "%s: @include \"%s\"", who, path);
  else
    snprintf(subject, sizeof subject, "%s", path);
  int fd = -1;
  int rc = open_scenario(path, who, subject, room, sb, &fd, err);
  if (!rc)
    rc = read_all(fd, subject, (size_t)sb->st_size, room, out, len, err);
  if (fd >= 0)
    close(fd);
  return rc;
}

/* ---------------------------------------------------------- expansion */

static int expand(cy_source *src, include_chain *chain, const char *path,
                  int depth, const char *who, cy_error *err);

/* A file that (indirectly) includes itself: name the chain. */
static int check_cycle(const cy_source *src, const include_chain *chain,
                       int depth, const struct stat *sb, const char *who,
                       const char *path, cy_error *err) {
  for (int d = 0; d < depth; d++)
    if (chain->at[d].dev == sb->st_dev && chain->at[d].ino == sb->st_ino) {
      char names[900] = "";
      size_t cl = 0;
      for (int k = d; k < depth && cl < sizeof names; k++)
        cl += (size_t)snprintf(names + cl, sizeof names - cl, "%s -> ",
                               src->map.files[chain->at[k].file]);
      return cy_error_set(err, CY_EINPUT,
                          "%s: @include \"%s\" includes itself (%s%s)", who,
                          path, names, path);
    }
  return 0;
}

static int check_text(const char *text, size_t len, const char *path,
                      cy_error *err) {
  const char *nul = memchr(text, '\0', len);
  if (!nul)
    return 0;
  int line = 1;
  for (const char *c = text; c < nul; c++)
    line += *c == '\n';
  return cy_error_set(err, CY_EINPUT,
                      "%s:%d: contains a NUL byte (not a text file)", path,
                      line);
}

/* Adds path to the map's files; *index is its index. */
static int add_file(cy_source *src, const char *path, int *index,
                    cy_error *err) {
  char **nf = realloc(src->map.files, (src->map.n_files + 1) * sizeof *nf);
  if (!nf)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  src->map.files = nf;
  *index = (int)src->map.n_files;
  if (!(nf[*index] = strdup(path)))
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  src->map.n_files++;
  return 0;
}

/* Expands @include "name" of file `path` (its line `line`): the name is
 * relative to path's folder unless absolute. */
static int expand_include(cy_source *src, include_chain *chain,
                          const char *path, int line, const char *name,
                          int depth, cy_error *err) {
  char where[2300];
  snprintf(where, sizeof where, "%s:%d", path, line);
  if (depth >= MAX_INCLUDE_DEPTH)
    return cy_error_set(err, CY_EINPUT, "%s: @include nested more than %d deep",
                        where, MAX_INCLUDE_DEPTH);
  char full[2200];
  const char *slash = strrchr(path, '/');
  if (name[0] == '/' || !slash)
    snprintf(full, sizeof full, "%s", name);
  else
    snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path, name);
  return expand(src, chain, full, depth + 1, where, err);
}

/* Adds one line of file `fi` to the expanded text and the map. */
static int add_line(cy_source *src, const char *l, size_t ll, int fi, int line,
                    bool *in_comment, cy_error *err) {
  int rc = scan_line(src, l, ll, in_comment);
  if (!rc)
    rc = append(&src->expanded, &src->exp_len, &src->exp_cap, l, ll);
  if (!rc)
    rc = append(&src->expanded, &src->exp_len, &src->exp_cap, "\n", 1);
  if (!rc)
    rc = map_line(src, fi, line);
  if (rc == CY_ENOMEM)
    cy_error_set(err, rc, "out of memory");
  return rc;
}

/* The lines of file `path` (index fi in the map), its includes expanded. */
static int expand_lines(cy_source *src, include_chain *chain, const char *text,
                        size_t len, const char *path, int fi, int depth,
                        cy_error *err) {
  bool in_comment = false;
  int line = 0, rc = 0;
  for (size_t p = 0; !rc && p < len;) {
    const char *l = text + p;
    const char *nl = memchr(l, '\n', len - p);
    size_t ll = nl ? (size_t)(nl - l) : len - p;
    p += ll + (nl ? 1 : 0);
    line++;
    char name[1024];
    int inc = in_comment ? 0 : include_line(l, ll, name, sizeof name);
    if (inc < 0)
      rc = cy_error_set(err, CY_EINPUT,
                        "%s:%d: malformed @include (write @include "
                        "\"file.cfg\" alone on its line)",
                        path, line);
    else if (inc > 0)
      rc = expand_include(src, chain, path, line, name, depth, err);
    else
      rc = add_line(src, l, ll, fi, line, &in_comment, err);
  }
  return rc;
}

static int expand(cy_source *src, include_chain *chain, const char *path,
                  int depth, const char *who, cy_error *err) {
  char *text;
  size_t len;
  struct stat sb;
  int rc = read_file(path, who, MAX_FILE_BYTES - src->text_len, &text, &len,
                     &sb, err);
  if (rc)
    return rc;
  int fi = -1;
  if (!(rc = check_cycle(src, chain, depth, &sb, who, path, err)) &&
      !(rc = check_text(text, len, path, err)) &&
      !(rc = add_file(src, path, &fi, err))) {
    chain->at[depth].dev = sb.st_dev;
    chain->at[depth].ino = sb.st_ino;
    chain->at[depth].file = fi;
    rc = append(&src->text, &src->text_len, &src->text_cap, text, len);
    if (rc)
      cy_error_set(err, rc, "out of memory");
    else
      rc = expand_lines(src, chain, text, len, path, fi, depth, err);
  }
  free(text);
  return rc;
}

/* ------------------------------------------------------------- parsing */

/* The integer setting on `line` that holds `value` (any integer setting on
 * the line when none does), to name the setting a literal landed in. */
static const config_setting_t *find_int_at(const config_setting_t *s,
                                           unsigned line, bool int64,
                                           int64_t value, bool exact) {
  int ty = config_setting_type(s);
  if ((ty == CONFIG_TYPE_INT || ty == CONFIG_TYPE_INT64) &&
      config_setting_source_line(s) == line &&
      (!exact ||
       (int64 ? ty == CONFIG_TYPE_INT64 && config_setting_get_int64(s) == value
              : ty == CONFIG_TYPE_INT && config_setting_get_int(s) == value)))
    return s;
  if (config_setting_is_aggregate(s)) {
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
      const config_setting_t *f = find_int_at(
          config_setting_get_elem(s, (unsigned)i), line, int64, value, exact);
      if (f)
        return f;
    }
  }
  return NULL;
}

void cy__source_where(const cy_source *src, unsigned line, const char *path,
                      char *buf, size_t n) {
  const cy_srcmap *m = &src->map;
  if (line > 0 && line <= m->n_lines)
    snprintf(buf, n, "%s:%d", m->files[m->line_file[line - 1]],
             m->line_no[line - 1]);
  else
    snprintf(buf, n, "%s", path);
}

/* Refuses the first integer literal libconfig did not keep as written,
 * naming the setting it landed in. */
static int check_ints(const cy_source *src, const config_t *cfg,
                      const char *path, cy_error *err) {
  if (src->n_big == 0)
    return 0;
  const struct cy_bigint *bi = &src->big[0];
  /* bi->line was the count of lines mapped before it: 0-based */
  unsigned line = bi->line + 1;
  char where[1100], p[300] = "";
  cy__source_where(src, line, path, where, sizeof where);
  const config_setting_t *root = config_root_setting(cfg);
  const config_setting_t *s =
      find_int_at(root, line, bi->int64, bi->stored, true);
  if (!s)
    s = find_int_at(root, line, bi->int64, bi->stored, false);
  if (s)
    cy__setting_path(s, p, sizeof p);
  if (bi->wide)
    return cy_error_set(err, CY_EINPUT,
                        "%s: %s%s%s is outside the 64-bit integer range "
                        "[-9223372036854775808, 9223372036854775807] "
                        "(libconfig would store %" PRId64 ")",
                        where, p, *p ? ": " : "", bi->text, bi->stored);
  return cy_error_set(err, CY_EINPUT,
                      "%s: %s%s%s does not fit in a 32-bit integer (libconfig "
                      "would wrap it): write %sL",
                      where, p, *p ? ": " : "", bi->text,
                      strstr(bi->text, "...") ? "it with " : bi->text);
}

/* ---------------------------------------------------------------- API */

int cy__source_read(cy_source *src, const char *path, cy_error *err) {
  memset(src, 0, sizeof *src);
  include_chain chain;
  int rc = expand(src, &chain, path, 0, NULL, err);
  if (rc)
    return rc;
  /* an empty file still has a text, "" */
  if ((!src->expanded &&
       append(&src->expanded, &src->exp_len, &src->exp_cap, "", 0)) ||
      (!src->text && append(&src->text, &src->text_len, &src->text_cap, "", 0)))
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return 0;
}

int cy__source_parse(const cy_source *src, config_t *cfg, const char *path,
                     cy_error *err) {
  if (!config_read_string(cfg, src->expanded)) {
    char where[1100];
    cy__source_where(src, (unsigned)config_error_line(cfg), path, where,
                     sizeof where);
    const char *why = config_error_text(cfg);
    /* bison's words for a parser stack that overflowed */
    bool deep = why && strcmp(why, "memory exhausted") == 0;
    return cy_error_set(err, CY_EINPUT, "%s: %s%s", where, why ? why : "?",
                        deep ? " (groups, lists or arrays nested too deeply)"
                             : "");
  }
  if (config_setting_length(config_root_setting(cfg)) == 0)
    return cy_error_set(err, CY_EINPUT,
                        "%s: has no settings (a scenario needs at least "
                        "scenario.horizon and two states)",
                        path);
  return check_ints(src, cfg, path, err);
}

void cy__source_fini(cy_source *src) {
  for (size_t i = 0; i < src->map.n_files; i++)
    free(src->map.files[i]);
  free(src->map.files);
  free(src->map.line_file);
  free(src->map.line_no);
  free(src->big);
  free(src->expanded);
  free(src->text);
  memset(src, 0, sizeof *src);
}
