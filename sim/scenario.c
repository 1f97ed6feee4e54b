/* scenario.c: cy_study (cy_study.h): files, @include, --set and sweeps.
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
 * them naming the setting they landed in.
 *
 * The parsed tree stays in the study: a sweep point is resolved by writing
 * its values into the tree and running the same resolver as the base, so a
 * point is validated by exactly the code that validates the file.  Because
 * that writes to the tree, cy_study_point() holds a mutex (the runner may
 * resolve points from several threads). */
#include "scenario_impl.h"

#include "cysim/cy_study.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Points of a study even with --allow-large: points x replications
 * (< 2^32) x 8 bytes then fits every size_t product a runner makes.
 * Loading validates sweep points one by one (about 6 us each), so fuzzing
 * builds (tests/fuzz) take a far lower limit, which still exercises the
 * refusal without spending minutes on one input. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CY_STUDY_MAX_POINTS 256
#else
#define CY_STUDY_MAX_POINTS (1 << 28)
#endif
enum {
  MAX_INCLUDE_DEPTH = 10,
  /* Values on one sweep axis (what `steps` may ask for). */
  MAX_AXIS_VALUES = 10000000,
  MAX_POINTS = CY_STUDY_MAX_POINTS,
  MAX_WARNINGS = 20,
  /* Per scenario file and for all of a study's files together: far above
   * any real study (the shipped ones are a few KiB), far below what would
   * strain `validate`. */
  MAX_FILE_BYTES = 16 << 20,
};

/* An integer literal that libconfig would not keep as written. */
typedef struct bigint {
  unsigned line;  /* line of the expanded text */
  bool int64;     /* libconfig stores it as int64 (L suffix) or as int */
  int64_t stored; /* what libconfig stores */
  bool wide;      /* beyond 64 bits (else only beyond 32, without L) */
  char text[48];  /* as written (shortened when long) */
} bigint;

typedef struct axis_priv {
  config_setting_t *setting;
  char where[320]; /* file:line of the axis */
  size_t dim;      /* which cross-product dimension (zip groups share) */
} axis_priv;

struct cy_study {
  char *path;
  char *text; /* provenance: raw files */
  char *expanded;
  size_t text_len, text_cap, exp_len, exp_cap;
  cy_srcmap map;
  size_t map_cap;
  bigint *big;
  size_t n_big, big_cap;
  struct {
    dev_t dev;
    ino_t ino;
    int file; /* index in map.files */
  } chain[MAX_INCLUDE_DEPTH +
          1]; /* the files being expanded, outermost first */
  char stem[CY_ID_MAX];

  config_t cfg;
  bool cfg_live;
  cy_override *sets; /* --set overrides, kept for every later resolve */
  size_t n_sets;

  cy_scenario base;
  size_t n_axes;
  cy_axis *axes;
  axis_priv *ap;
  size_t n_dims;
  size_t *dim_size;
  size_t n_points;

  char **warnings;
  size_t n_warnings;

  /* The work estimate (scenario_work.c), gathered as each point is
   * validated: the largest of each figure over the points. */
  bool points_done; /* every point validated and estimated */
  bool have_work;
  cy_work_point wev; /* the point with the most events */
  size_t events_point;
  double events_sum, ops_max, log_max, pending_max, span_max, ring_max;
  char events_what[900]; /* "file:line: path = value" driving wev.events */
  char ring_what[900];   /* the same for ring_max */

  pthread_mutex_t lock;
};

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

static int map_line(cy_study *st, int file, int line) {
  cy_srcmap *m = &st->map;
  if (m->n_lines == st->map_cap) {
    size_t nc = st->map_cap ? st->map_cap * 2 : 256;
    int *a = realloc(m->line_file, nc * sizeof *a);
    if (!a)
      return CY_ENOMEM;
    m->line_file = a;
    int *b = realloc(m->line_no, nc * sizeof *b);
    if (!b)
      return CY_ENOMEM;
    m->line_no = b;
    st->map_cap = nc;
  }
  m->line_file[m->n_lines] = file;
  m->line_no[m->n_lines] = line;
  m->n_lines++;
  return 0;
}

/* ------------------------------------------------- line scan (lexing) */

/* Records the integer literals libconfig would not keep as written.  Its
 * scanner (1.5) reads a decimal literal with atoll and a hex one with
 * strtoul / its own 64-bit parser, and then:
 *   - without L keeps the low 32 bits of that (3000000000 becomes
 *     -1294967296, 0xFFFFFFFF becomes -1);
 *   - with L (or LL) clamps a decimal beyond 64 bits to INT64_MIN/MAX and
 *     stores a hex literal above 2^63-1 as a negative number.
 * Floats are skipped: one too large becomes inf, which the resolver
 * refuses as not finite. */
static int scan_number(cy_study *st, const char *l, size_t len, size_t *pi) {
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
    /* a float: skip it whole */
    while (k < len && (isdigit((unsigned char)l[k]) || l[k] == '.' ||
                       l[k] == 'e' || l[k] == 'E' ||
                       ((l[k] == '-' || l[k] == '+') &&
                        (l[k - 1] == 'e' || l[k - 1] == 'E'))))
      k++;
    *pi = k;
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
  /* The magnitude, exactly up to 2^64 - 1; `over` beyond that. */
  size_t z = d0;
  while (z + 1 < dend && l[z] == '0') /* leading zeros change nothing */
    z++;
  unsigned long long mag = 0;
  bool over = false;
  for (size_t q = z; q < dend; q++) {
    unsigned dv = isdigit((unsigned char)l[q])
                      ? (unsigned)(l[q] - '0')
                      : (unsigned)(tolower((unsigned char)l[q]) - 'a' + 10);
    unsigned base = hex ? 16u : 10u;
    if (mag > (ULLONG_MAX - dv) / base) {
      over = true;
      break;
    }
    mag = mag * base + dv;
  }
  /* What libconfig stores, and whether that is what was written. */
  int64_t v64; /* the 64-bit value its parser produced */
  bool wide;   /* outside int64 */
  if (hex) {
    /* clamps to ULLONG_MAX, then reads the bits as two's complement
     * (spelled out: converting a value above INT64_MAX is not portable) */
    unsigned long long u = over ? ULLONG_MAX : mag;
    wide = u > (unsigned long long)INT64_MAX;
    v64 = wide ? -(int64_t)(ULLONG_MAX - u) - 1 : (int64_t)u;
  } else if (neg) {
    wide = over || mag > (unsigned long long)INT64_MAX + 1ull;
    v64 = wide || mag == (unsigned long long)INT64_MAX + 1ull ? INT64_MIN
                                                              : -(int64_t)mag;
  } else {
    wide = over || mag > (unsigned long long)INT64_MAX;
    v64 = wide ? INT64_MAX : (int64_t)mag;
  }
  bool fits32 = !wide && v64 >= INT32_MIN && v64 <= INT32_MAX;
  if (l64 ? !wide : fits32)
    return 0;
  if (st->n_big == st->big_cap) {
    size_t nc = st->big_cap ? st->big_cap * 2 : 8;
    bigint *b = realloc(st->big, nc * sizeof *b);
    if (!b)
      return CY_ENOMEM;
    st->big = b;
    st->big_cap = nc;
  }
  bigint *b = &st->big[st->n_big++];
  b->line = (unsigned)st->map.n_lines; /* this line's number once mapped */
  b->int64 = l64;
  b->wide = wide;
  b->stored =
      l64 ? v64 : (int64_t)(int32_t)(uint32_t)((uint64_t)v64 & 0xffffffffu);
  size_t n = dend - i;
  if (n < sizeof b->text)
    snprintf(b->text, sizeof b->text, "%.*s", (int)n, l + i);
  else /* a 40-digit prefix says enough */
    snprintf(b->text, sizeof b->text, "%.40s...", l + i);
  return 0;
}

/* Walks one line updating the block-comment state and recording big ints. */
static int scan_line(cy_study *st, const char *l, size_t len,
                     bool *in_comment) {
  size_t i = 0;
  while (i < len) {
    if (*in_comment) {
      const char *e = NULL;
      for (size_t k = i; k + 1 < len; k++)
        if (l[k] == '*' && l[k + 1] == '/') {
          e = l + k;
          break;
        }
      if (!e)
        return 0;
      *in_comment = false;
      i = (size_t)(e - l) + 2;
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
      int rc = scan_number(st, l, len, &i);
      if (rc)
        return rc;
    } else if (c == '.') {
      i++;
      while (i < len &&
             (isdigit((unsigned char)l[i]) || l[i] == 'e' || l[i] == 'E' ||
              ((l[i] == '-' || l[i] == '+') &&
               (l[i - 1] == 'e' || l[i - 1] == 'E'))))
        i++;
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

/* Reads one scenario file whole.  Only regular files of at most `room`
 * bytes are read: /dev/zero, a FIFO or a file that keeps growing would
 * otherwise make `validate` itself run out of memory or wait forever.
 * O_NONBLOCK lets a FIFO without a writer open at once so that fstat can
 * refuse it.  The message names `subject`: the file itself, or the
 * "file:line" of the @include that named it. */
static int read_file(const char *path, const char *who, size_t room, char **out,
                     size_t *len, struct stat *sb, cy_error *err) {
  char subject[4600];
  if (who)
    snprintf(subject, sizeof subject, "%s: @include \"%s\"", who, path);
  else
    snprintf(subject, sizeof subject, "%s", path);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOMEM)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    if (who)
      return cy_error_set(err, CY_EINPUT, "%s: cannot read @include \"%s\": %s",
                          who, path, strerror(e));
    return cy_error_set(err, CY_EINPUT, "%s: cannot open: %s", path,
                        strerror(e));
  }
  int rc = 0;
  char *b = NULL;
  size_t n = 0;
  if (fstat(fd, sb) != 0) {
    rc = cy_error_set(err, CY_EINPUT, "%s: cannot read: %s", subject,
                      strerror(errno));
    goto out;
  }
  if (!S_ISREG(sb->st_mode)) {
    rc = cy_error_set(err, CY_EINPUT, "%s: is %s, not a scenario file", subject,
                      file_kind(sb->st_mode));
    goto out;
  }
  if ((uintmax_t)sb->st_size > (uintmax_t)room) {
    rc = (uintmax_t)sb->st_size <= (uintmax_t)MAX_FILE_BYTES
             ? cy_error_set(err, CY_EINPUT,
                            "%s: the scenario's files would be larger than "
                            "%d MiB together",
                            subject, MAX_FILE_BYTES >> 20)
             : cy_error_set(err, CY_EINPUT,
                            "%s: is larger than %d MiB, the most a scenario "
                            "file may be",
                            subject, MAX_FILE_BYTES >> 20);
    goto out;
  }
  /* A regular file may still grow while we read: read at most room + 1. */
  size_t cap = (size_t)sb->st_size + 1;
  if (cap > room + 1)
    cap = room + 1;
  if (!(b = malloc(cap + 1))) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto out;
  }
  for (;;) {
    if (n == cap) {
      if (cap > room) {
        rc = cy_error_set(err, CY_EINPUT,
                          "%s: grew past %d MiB while being read", subject,
                          MAX_FILE_BYTES >> 20);
        goto out;
      }
      size_t nc = cap * 2 > room + 1 ? room + 1 : cap * 2;
      char *nb = realloc(b, nc + 1);
      if (!nb) {
        rc = cy_error_set(err, CY_ENOMEM, "out of memory");
        goto out;
      }
      b = nb;
      cap = nc;
    }
    ssize_t got = read(fd, b + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      rc = cy_error_set(err, CY_EIO, "%s: cannot read: %s", subject,
                        strerror(errno));
      goto out;
    }
    if (got == 0)
      break;
    n += (size_t)got;
  }
  if (n > room) {
    rc = cy_error_set(err, CY_EINPUT, "%s: grew past %d MiB while being read",
                      subject, MAX_FILE_BYTES >> 20);
    goto out;
  }
  b[n] = '\0';
  *out = b;
  *len = n;
  b = NULL;
out:
  free(b);
  close(fd);
  return rc;
}

static int expand(cy_study *st, const char *path, int depth, const char *who,
                  cy_error *err) {
  char *text;
  size_t len;
  struct stat sb;
  int rc = read_file(path, who, MAX_FILE_BYTES - st->text_len, &text, &len, &sb,
                     err);
  if (rc)
    return rc;
  /* A file that (indirectly) includes itself: name the chain. */
  for (int d = 0; d < depth; d++)
    if (st->chain[d].dev == sb.st_dev && st->chain[d].ino == sb.st_ino) {
      char chain[900] = "";
      size_t cl = 0;
      for (int k = d; k < depth && cl < sizeof chain; k++)
        cl += (size_t)snprintf(chain + cl, sizeof chain - cl, "%s -> ",
                               st->map.files[st->chain[k].file]);
      free(text);
      return cy_error_set(err, CY_EINPUT,
                          "%s: @include \"%s\" includes itself (%s%s)", who,
                          path, chain, path);
    }
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    int line = 1;
    for (const char *c = text; c < nul; c++)
      line += *c == '\n';
    free(text);
    return cy_error_set(err, CY_EINPUT,
                        "%s:%d: contains a NUL byte (not a text file)", path,
                        line);
  }
  char **nf = realloc(st->map.files, (st->map.n_files + 1) * sizeof *nf);
  if (!nf) {
    free(text);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  st->map.files = nf;
  int fi = (int)st->map.n_files;
  if (!(nf[fi] = strdup(path))) {
    free(text);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  st->map.n_files++;
  st->chain[depth].dev = sb.st_dev;
  st->chain[depth].ino = sb.st_ino;
  st->chain[depth].file = fi;
  rc = append(&st->text, &st->text_len, &st->text_cap, text, len);
  bool in_comment = false;
  int line = 0;
  for (size_t p = 0; !rc && p < len;) {
    const char *l = text + p;
    const char *nl = memchr(l, '\n', len - p);
    size_t ll = nl ? (size_t)(nl - l) : len - p;
    p += ll + (nl ? 1 : 0);
    line++;
    char name[1024];
    int inc = in_comment ? 0 : include_line(l, ll, name, sizeof name);
    if (inc < 0) {
      rc = cy_error_set(err, CY_EINPUT,
                        "%s:%d: malformed @include (write @include "
                        "\"file.cfg\" alone on its line)",
                        path, line);
    } else if (inc > 0) {
      char where[2300];
      snprintf(where, sizeof where, "%s:%d", path, line);
      if (depth >= MAX_INCLUDE_DEPTH) {
        rc = cy_error_set(err, CY_EINPUT,
                          "%s: @include nested more than %d deep", where,
                          MAX_INCLUDE_DEPTH);
        break;
      }
      char full[2200];
      const char *slash = strrchr(path, '/');
      if (name[0] == '/' || !slash)
        snprintf(full, sizeof full, "%s", name);
      else
        snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path, name);
      rc = expand(st, full, depth + 1, where, err);
    } else {
      rc = scan_line(st, l, ll, &in_comment);
      if (!rc)
        rc = append(&st->expanded, &st->exp_len, &st->exp_cap, l, ll);
      if (!rc)
        rc = append(&st->expanded, &st->exp_len, &st->exp_cap, "\n", 1);
      if (!rc)
        rc = map_line(st, fi, line);
      if (rc == CY_ENOMEM)
        cy_error_set(err, rc, "out of memory");
    }
  }
  free(text);
  return rc;
}

/* ------------------------------------------------------------ helpers */

/* The integer setting on `line` that holds `value` (any integer setting on
 * the line when none does), to name the setting a literal landed in. */
static config_setting_t *find_int_at(config_setting_t *s, unsigned line,
                                     bool int64, int64_t value, bool exact) {
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
      config_setting_t *f = find_int_at(config_setting_get_elem(s, (unsigned)i),
                                        line, int64, value, exact);
      if (f)
        return f;
    }
  }
  return NULL;
}

static const char *map_where(const cy_study *st, unsigned line, char *buf,
                             size_t n) {
  if (line > 0 && line <= st->map.n_lines)
    snprintf(buf, n, "%s:%d", st->map.files[st->map.line_file[line - 1]],
             st->map.line_no[line - 1]);
  else
    snprintf(buf, n, "%s", st->path);
  return buf;
}

/* libconfig 1.5 cannot change a scalar's type (set_float on an int setting
 * fails), but its setters adopt the type of a CONFIG_TYPE_NONE setting; so a
 * swept or --set float may replace a value the file wrote as 1. */
static void make_untyped(config_setting_t *s, int type) {
  if (config_setting_type(s) == type)
    return;
  if (s->type == CONFIG_TYPE_STRING) {
    free(s->value.sval);
    s->value.sval = NULL;
  }
  s->type = CONFIG_TYPE_NONE;
}

static void set_int(config_setting_t *s, int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) {
    make_untyped(s, CONFIG_TYPE_INT);
    config_setting_set_int(s, (int)v);
  } else {
    make_untyped(s, CONFIG_TYPE_INT64);
    config_setting_set_int64(s, (long long)v);
  }
}

static void set_float(config_setting_t *s, double v) {
  make_untyped(s, CONFIG_TYPE_FLOAT);
  config_setting_set_float(s, v);
}

static void set_bool(config_setting_t *s, bool v) {
  make_untyped(s, CONFIG_TYPE_BOOL);
  config_setting_set_bool(s, v);
}

static int set_string(config_setting_t *s, const char *v) {
  make_untyped(s, CONFIG_TYPE_STRING);
  return config_setting_set_string(s, v) ? 0 : CY_ENOMEM;
}

static void warn_collect(void *arg, const char *msg) {
  cy_study *st = arg;
  for (size_t i = 0; i < st->n_warnings; i++)
    if (strcmp(st->warnings[i], msg) == 0)
      return;
  if (st->n_warnings >= MAX_WARNINGS)
    return;
  char **w = realloc(st->warnings, (st->n_warnings + 1) * sizeof *w);
  if (!w)
    return;
  st->warnings = w;
  if ((w[st->n_warnings] = strdup(msg)))
    st->n_warnings++;
}

/* The value as the user would write it: exact, exponent without '+' or
 * leading zeros (1e12, 1e-06 -> 1e-6). */
static void value_text(double v, char *buf, size_t n) {
  char t[40];
  cy_format_double(v, t, sizeof t);
  char *e = strchr(t, 'e');
  if (!e) {
    snprintf(buf, n, "%s", t);
    return;
  }
  const char *x = e + 1;
  bool minus = *x == '-';
  x += *x == '+' || *x == '-';
  while (*x == '0' && x[1])
    x++;
  snprintf(buf, n, "%.*se%s%s", (int)(e - t), t, minus ? "-" : "", x);
}

static void axis_value_text(const cy_axis *a, size_t i, char *buf, size_t n) {
  switch (a->type) {
  case CY_VALUE_INT:
    snprintf(buf, n, "%" PRId64, a->ints[i]);
    break;
  case CY_VALUE_BOOL:
    snprintf(buf, n, "%s", a->ints[i] ? "true" : "false");
    break;
  case CY_VALUE_DOUBLE:
    value_text(a->doubles[i], buf, n);
    break;
  case CY_VALUE_STRING:
    snprintf(buf, n, "\"%s\"", a->strings[i]);
    break;
  }
}

/* ------------------------------------------------------------- --set */

static int parse_set(cy_study *st, const char *arg, cy_override *o,
                     cy_error *err) {
  const char *eq = strchr(arg, '=');
  snprintf(o->where, sizeof o->where, "--set %s", arg);
  o->note[0] = '\0';
  o->setting = NULL;
  if (!eq || eq == arg)
    return cy_error_set(err, CY_EINPUT, "--set %s: expected PATH=VALUE", arg);
  char path[256];
  size_t pl = (size_t)(eq - arg);
  if (pl >= sizeof path)
    return cy_error_set(err, CY_EINPUT, "--set %s: path too long", arg);
  memcpy(path, arg, pl);
  path[pl] = '\0';
  const char *val = eq + 1;
  cy_kind kind;
  size_t bad;
  char valid[400];
  if (cy_schema_kind(path, &kind, &bad, valid, sizeof valid) != 0) {
    char comp[256];
    snprintf(comp, sizeof comp, "%s", path + bad);
    char *dot = strchr(comp, '.');
    if (dot)
      *dot = '\0';
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (char *save = NULL, *t = strtok_r(valid, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
      size_t d = cy_edit_distance(comp, t);
      if (d < bestd) {
        bestd = d;
        best = t;
      }
    }
    if (best && bestd <= 2 && bestd < strlen(comp))
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: '%s' is not a scenario setting "
                          "(unknown key '%s'; did you mean '%s'?)",
                          arg, path, comp, best);
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: '%s' is not a scenario setting (at '%s')",
                        arg, path, path + bad);
  }
  if (kind == CY_K_GROUP || kind == CY_K_LIST || kind == CY_K_ARRAY)
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: '%s' is a %s; --set changes single values",
                        arg, path,
                        kind == CY_K_GROUP  ? "group"
                        : kind == CY_K_LIST ? "list"
                                            : "array");
  /* the value, typed by the schema */
  int64_t iv = 0;
  double dv = 0;
  bool bv = false;
  int type;
  char *end;
  char sv[512];
  if (kind == CY_K_INT) {
    /* As the file's scanner reads it: decimal (a leading 0 is not octal),
     * or hex after 0x; an optional L or LL; never clamped or wrapped. */
    const char *digits = val + (*val == '-' || *val == '+');
    bool hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
    errno = 0;
    unsigned long long hv = 0;
    if (hex)
      hv = strtoull(digits + 2, &end, 16);
    else
      iv = strtoll(val, &end, 10);
    bool wide = errno == ERANGE || (hex && hv > (unsigned long long)INT64_MAX);
    bool bad = !*val || end == (hex ? digits + 2 : digits) ||
               !isalnum((unsigned char)*digits) ||
               (hex && (*val == '-' || !isxdigit((unsigned char)digits[2])));
    for (int l = 0; l < 2 && *end == 'L'; l++)
      end++;
    if (bad || *end)
      return cy_error_set(err, CY_EINPUT, "--set %s: %s: expected an integer",
                          arg, path);
    if (wide)
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: %s: %s is outside the 64-bit integer "
                          "range [-9223372036854775808, 9223372036854775807]",
                          arg, path, val);
    if (hex)
      iv = (int64_t)hv;
    type = CONFIG_TYPE_INT;
  } else if (kind == CY_K_FLOAT || (kind == CY_K_NUMDATE &&
                                    (dv = strtod(val, &end), *val && !*end))) {
    dv = strtod(val, &end);
    if (!*val || *end || !isfinite(dv))
      return cy_error_set(err, CY_EINPUT, "--set %s: %s: expected a number",
                          arg, path);
    type = CONFIG_TYPE_FLOAT;
  } else if (kind == CY_K_BOOL) {
    if (strcasecmp(val, "true") == 0)
      bv = true;
    else if (strcasecmp(val, "false") == 0)
      bv = false;
    else
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: %s: expected true or false", arg, path);
    type = CONFIG_TYPE_BOOL;
  } else {
    size_t n = strlen(val);
    if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
      snprintf(sv, sizeof sv, "%.*s", (int)(n - 2), val + 1);
    else
      snprintf(sv, sizeof sv, "%s", val);
    type = CONFIG_TYPE_STRING;
  }
  /* find the setting, creating missing named groups and the key itself */
  config_setting_t *cur = config_root_setting(&st->cfg);
  char walked[256] = "";
  for (char *save = NULL, *c = strtok_r(path, ".", &save); c;
       c = strtok_r(NULL, ".", &save)) {
    bool last = save == NULL || *save == '\0';
    config_setting_t *next;
    if (c[0] == '[') {
      long idx = strtol(c + 1, NULL, 10);
      next =
          config_setting_is_aggregate(cur) && idx < config_setting_length(cur)
              ? config_setting_get_elem(cur, (unsigned)idx)
              : NULL;
      if (!next)
        return cy_error_set(err, CY_EINPUT,
                            "--set %s: %s has %d element%s, no %s", arg, walked,
                            config_setting_length(cur),
                            config_setting_length(cur) == 1 ? "" : "s", c);
    } else {
      next = config_setting_get_member(cur, c);
      if (!next) {
        if (!config_setting_is_group(cur))
          return cy_error_set(err, CY_EINPUT, "--set %s: %s is not a group",
                              arg, walked);
        /* the schema said this key is valid: create it (a group when it is
         * not the last component) */
        next = config_setting_add(cur, c, last ? type : CONFIG_TYPE_GROUP);
        if (!next)
          return cy_error_set(err, CY_EINPUT, "--set %s: cannot create %s", arg,
                              c);
      }
    }
    size_t wl = strlen(walked);
    snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", c);
    cur = next;
  }
  if (config_setting_is_aggregate(cur))
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: the file has a group or list there", arg);
  switch (type) {
  case CONFIG_TYPE_INT:
    set_int(cur, iv);
    break;
  case CONFIG_TYPE_FLOAT:
    set_float(cur, dv);
    break;
  case CONFIG_TYPE_BOOL:
    set_bool(cur, bv);
    break;
  default:
    if (set_string(cur, sv))
      return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  o->setting = cur;
  return 0;
}

/* ------------------------------------------------------------- sweep */

static bool sweepable(const char *canon, char *why, size_t n) {
  static const char *const fixed[] = {
      "scenario.name",         "scenario.start", "scenario.horizon",
      "scenario.replications", "scenario.seed",
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (strcmp(canon, fixed[i]) == 0) {
      snprintf(why, n,
               "every point shares the output's layout and seeds, so %.200s "
               "cannot be swept (use --set, or separate runs)",
               canon);
      return false;
    }
  const char *last = strrchr(canon, '.');
  last = last ? last + 1 : canon;
  if (strncmp(canon, "output.", 7) == 0 || strncmp(canon, "sweep.", 6) == 0 ||
      strcmp(last, "id") == 0 ||
      (strncmp(canon, "optypes.", 8) == 0 && strcmp(last, "name") == 0)) {
    snprintf(
        why, n,
        "%.200s cannot be swept (ids, names, output and sweep settings fix "
        "the output's layout)",
        canon);
    return false;
  }
  return true;
}

static int axis_values(cy_study *st, const cy_rctx *r, config_setting_t *g,
                       cy_axis *a) {
  config_setting_t *vals = config_setting_get_member(g, "values");
  config_setting_t *f = config_setting_get_member(g, "from");
  config_setting_t *t = config_setting_get_member(g, "to");
  config_setting_t *sp = config_setting_get_member(g, "steps");
  (void)st;
  if (vals && (f || t || sp))
    return cy_serr(r, g, "give either values or from/to/steps, not both");
  if (vals) {
    int n = config_setting_length(vals);
    if (n < 1)
      return cy_serr(r, vals, "is empty");
    a->n_values = (size_t)n;
    if (a->type == CY_VALUE_STRING)
      a->strings = calloc((size_t)n, sizeof *a->strings);
    else if (a->type == CY_VALUE_DOUBLE)
      a->doubles = calloc((size_t)n, sizeof *a->doubles);
    else
      a->ints = calloc((size_t)n, sizeof *a->ints);
    if (!a->strings && !a->doubles && !a->ints)
      return cy_error_set(r->err, CY_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
      config_setting_t *e = config_setting_get_elem(vals, (unsigned)i);
      int ty = config_setting_type(e);
      switch (a->type) {
      case CY_VALUE_INT:
        if (ty != CONFIG_TYPE_INT && ty != CONFIG_TYPE_INT64)
          return cy_serr(r, e,
                         "expected an integer (%s is an integer "
                         "setting)",
                         a->path);
        a->ints[i] = config_setting_get_int64(e);
        if (ty == CONFIG_TYPE_INT)
          a->ints[i] = config_setting_get_int(e);
        break;
      case CY_VALUE_DOUBLE:
        if (ty == CONFIG_TYPE_INT)
          a->doubles[i] = config_setting_get_int(e);
        else if (ty == CONFIG_TYPE_INT64)
          a->doubles[i] = (double)config_setting_get_int64(e);
        else if (ty == CONFIG_TYPE_FLOAT)
          a->doubles[i] = config_setting_get_float(e);
        else
          return cy_serr(r, e, "expected a number (%s is a number)", a->path);
        break;
      case CY_VALUE_BOOL:
        if (ty != CONFIG_TYPE_BOOL)
          return cy_serr(r, e, "expected true or false (%s is a boolean)",
                         a->path);
        a->ints[i] = config_setting_get_bool(e) != 0;
        break;
      case CY_VALUE_STRING:
        if (ty != CONFIG_TYPE_STRING)
          return cy_serr(r, e, "expected a string (%s is a string)", a->path);
        if (!(a->strings[i] = strdup(config_setting_get_string(e))))
          return cy_error_set(r->err, CY_ENOMEM, "out of memory");
        break;
      }
    }
    return 0;
  }
  if (!f || !t || !sp)
    return cy_serr(r, g, "needs values = [ ... ], or from, to and steps");
  if (a->type != CY_VALUE_INT && a->type != CY_VALUE_DOUBLE)
    return cy_serr(r, g, "from/to/steps needs a numeric setting; %s is not",
                   a->path);
  int sty = config_setting_type(sp);
  if (sty != CONFIG_TYPE_INT && sty != CONFIG_TYPE_INT64)
    return cy_serr(r, sp, "expected an integer");
  long long steps = config_setting_get_int64(sp);
  if (sty == CONFIG_TYPE_INT)
    steps = config_setting_get_int(sp);
  if (steps < 1 || steps > MAX_AXIS_VALUES)
    return cy_serr(r, sp, "%lld is outside [1, %d]", steps, MAX_AXIS_VALUES);
  double fv[2];
  int64_t iv[2];
  config_setting_t *ends[2] = {f, t};
  for (int k = 0; k < 2; k++) {
    int ty = config_setting_type(ends[k]);
    if (ty == CONFIG_TYPE_INT)
      iv[k] = config_setting_get_int(ends[k]);
    else if (ty == CONFIG_TYPE_INT64)
      iv[k] = config_setting_get_int64(ends[k]);
    else if (ty == CONFIG_TYPE_FLOAT && a->type == CY_VALUE_DOUBLE)
      iv[k] = 0;
    else
      return cy_serr(r, ends[k], "expected %s (%s is %s setting)",
                     a->type == CY_VALUE_INT ? "an integer" : "a number",
                     a->path, a->type == CY_VALUE_INT ? "an integer" : "a");
    fv[k] = ty == CONFIG_TYPE_FLOAT ? config_setting_get_float(ends[k])
                                    : (double)iv[k];
  }
  if (steps == 1 && fv[0] != fv[1])
    return cy_serr(r, sp, "1 step cannot reach `to` from `from`; use values");
  a->n_values = (size_t)steps;
  if (a->type == CY_VALUE_INT) {
    int64_t span;
    if (__builtin_sub_overflow(iv[1], iv[0], &span))
      return cy_serr(r, t,
                     "from %" PRId64 " to %" PRId64
                     " spans more than a 64-bit integer holds",
                     iv[0], iv[1]);
    if (steps > 1 && span % (steps - 1) != 0)
      return cy_serr(r, sp,
                     "%lld steps from %" PRId64 " to %" PRId64
                     " are not evenly spaced integers",
                     steps, iv[0], iv[1]);
    if (!(a->ints = calloc((size_t)steps, sizeof *a->ints)))
      return cy_error_set(r->err, CY_ENOMEM, "out of memory");
    for (long long i = 0; i < steps; i++)
      a->ints[i] = steps == 1 ? iv[0] : iv[0] + span / (steps - 1) * i;
  } else {
    if (!(a->doubles = calloc((size_t)steps, sizeof *a->doubles)))
      return cy_error_set(r->err, CY_ENOMEM, "out of memory");
    for (long long i = 0; i < steps; i++)
      a->doubles[i] = steps == 1 ? fv[0]
                                 : fv[0] + (fv[1] - fv[0]) * (double)i /
                                               (double)(steps - 1);
    a->doubles[steps - 1] = fv[1]; /* inclusive, exactly */
  }
  return 0;
}

static int load_sweep(cy_study *st, const cy_rctx *r) {
  config_setting_t *l = config_lookup(&st->cfg, "sweep");
  if (!l || config_setting_length(l) == 0)
    return 0;
  size_t pts = 1;
  size_t n = (size_t)config_setting_length(l);
  st->axes = calloc(n, sizeof *st->axes);
  st->ap = calloc(n, sizeof *st->ap);
  st->dim_size = calloc(n, sizeof *st->dim_size);
  if (!st->axes || !st->ap || !st->dim_size)
    return cy_error_set(r->err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    cy_axis *a = &st->axes[i];
    axis_priv *p = &st->ap[i];
    st->n_axes = i + 1;
    cy_setting_where(r, g, p->where, sizeof p->where);
    config_setting_t *ps = config_setting_get_member(g, "path");
    if (!ps)
      return cy_serr(r, g, "missing required key 'path'");
    if (config_setting_type(ps) != CONFIG_TYPE_STRING)
      return cy_serr(r, ps, "expected a string");
    const char *path = config_setting_get_string(ps);
    if (strlen(path) >= sizeof a->path)
      return cy_serr(r, ps, "path is longer than %zu characters",
                     sizeof a->path - 1);
    snprintf(a->path, sizeof a->path, "%s", path);
    cy_kind kind;
    size_t bad;
    char valid[400];
    if (cy_schema_kind(path, &kind, &bad, valid, sizeof valid) != 0)
      return cy_serr(r, ps, "\"%s\" is not a scenario setting (at '%s'%s%s)",
                     path, path + bad, *valid ? "; valid keys there: " : "",
                     valid);
    if (kind == CY_K_GROUP || kind == CY_K_LIST || kind == CY_K_ARRAY)
      return cy_serr(r, ps, "\"%s\" is not a single value", path);
    config_setting_t *target = config_lookup(&st->cfg, path);
    if (!target)
      return cy_serr(r, ps,
                     "\"%s\" is not in the file (a sweep changes settings "
                     "the file gives: write it, even at its default)",
                     path);
    if (config_setting_is_aggregate(target))
      return cy_serr(r, ps, "\"%s\" is not a single value", path);
    char canon[256], why[600];
    cy_setting_path(target, canon, sizeof canon);
    if (!sweepable(canon, why, sizeof why))
      return cy_serr(r, ps, "%s", why);
    for (size_t j = 0; j < i; j++)
      if (st->ap[j].setting == target)
        return cy_serr(r, ps, "%s is already swept by sweep.[%zu]", canon, j);
    p->setting = target;
    switch (kind) {
    case CY_K_INT:
      a->type = CY_VALUE_INT;
      break;
    case CY_K_BOOL:
      a->type = CY_VALUE_BOOL;
      break;
    case CY_K_STRING:
      a->type = CY_VALUE_STRING;
      break;
    case CY_K_NUMDATE:
      a->type = config_setting_type(target) == CONFIG_TYPE_STRING
                    ? CY_VALUE_STRING
                    : CY_VALUE_DOUBLE;
      break;
    default:
      a->type = CY_VALUE_DOUBLE;
    }
    config_setting_t *zs = config_setting_get_member(g, "zip");
    if (zs) {
      if (config_setting_type(zs) != CONFIG_TYPE_STRING)
        return cy_serr(r, zs, "expected a string");
      const char *z = config_setting_get_string(zs);
      if (!*z || strlen(z) >= sizeof a->zip)
        return cy_serr(r, zs, "must be 1 to %zu characters", sizeof a->zip - 1);
      snprintf(a->zip, sizeof a->zip, "%s", z);
    }
    config_setting_t *ns = config_setting_get_member(g, "name");
    if (ns) {
      if (config_setting_type(ns) != CONFIG_TYPE_STRING)
        return cy_serr(r, ns, "expected a string");
      const char *nm = config_setting_get_string(ns);
      if (!*nm || strlen(nm) >= sizeof a->name || strchr(nm, '/'))
        return cy_serr(r, ns, "\"%s\" must be 1 to %zu characters without '/'",
                       nm, sizeof a->name - 1);
      snprintf(a->name, sizeof a->name, "%s", nm);
    } else {
      size_t k = 0;
      for (; path[k] && k + 1 < sizeof a->name; k++)
        a->name[k] = isalnum((unsigned char)path[k]) ? path[k] : '_';
      a->name[k] = '\0';
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(st->axes[j].name, a->name) == 0)
        return cy_serr(r, ns ? ns : ps,
                       "axis name '%s' is already used by sweep.[%zu] (give "
                       "name = \"...\")",
                       a->name, j);
    int rc = axis_values(st, r, g, a);
    if (rc)
      return rc;
    /* zip groups share the dimension of their first member */
    p->dim = st->n_dims;
    for (size_t j = 0; j < i && *a->zip; j++)
      if (strcmp(st->axes[j].zip, a->zip) == 0) {
        if (st->axes[j].n_values != a->n_values)
          return cy_serr(r, g,
                         "zip group '%s': %zu values here but %zu in "
                         "sweep.[%zu] (zipped axes advance together)",
                         a->zip, a->n_values, st->axes[j].n_values, j);
        p->dim = st->ap[j].dim;
        break;
      }
    if (p->dim == st->n_dims) {
      /* checked axis by axis, so that no further axis is allocated */
      if (pts > MAX_POINTS / a->n_values) {
        char dims[300] = "";
        size_t len = 0;
        for (size_t d = 0; d < st->n_dims && len < sizeof dims; d++)
          len += (size_t)snprintf(dims + len, sizeof dims - len, "%zu x ",
                                  st->dim_size[d]);
        return cy_serr(r, l,
                       "%s%zu values up to sweep.[%zu] are %.3g points, more "
                       "than the %d a study can hold (and far more than the "
                       "%.0f past which --allow-large is needed)",
                       dims, a->n_values, i, (double)pts * (double)a->n_values,
                       (int)MAX_POINTS, cy_work_caps_default.points);
      }
      pts *= a->n_values;
      st->dim_size[st->n_dims++] = a->n_values;
    }
  }
  st->n_points = pts;
  return 0;
}

/* -------------------------------------------------------------- work */

const cy_work_caps cy_work_caps_default = {
    .points = 1e6,
    .runs = 1e9,
    .events_per_rep = 1e9,
    .bins = 1e7,
    .memory_bytes = 16.0 * 1024 * 1024 * 1024,
    .output_bytes = 1024.0 * 1024 * 1024 * 1024,
};

/* "file:line: path = value note" for the setting at `path` (its --set or
 * sweep axis when one overrides it), or "file: path = value (default)" when
 * the file leaves it out. */
static void describe_setting(const cy_study *st, const cy_rctx *r,
                             const char *path, const char *value, char *buf,
                             size_t n) {
  const config_setting_t *s = config_lookup(&st->cfg, path);
  char where[400];
  if (s) {
    cy_setting_where(r, s, where, sizeof where);
    snprintf(buf, n, "%s: %s = %s%s", where, path, value,
             cy_setting_note(r, s));
    return;
  }
  /* the nearest enclosing setting the file writes names the line */
  char up[256];
  snprintf(up, sizeof up, "%s", path);
  for (char *dot; (dot = strrchr(up, '.'));) {
    *dot = '\0';
    if ((s = config_lookup(&st->cfg, up)))
      break;
  }
  if (s)
    cy_setting_where(r, s, where, sizeof where);
  else
    snprintf(where, sizeof where, "%s", st->path);
  snprintf(buf, n, "%s: %s = %s (default)", where, path, value);
}

static void describe_number(const cy_study *st, const cy_rctx *r,
                            const char *path, double v, char *buf, size_t n) {
  char t[40];
  value_text(v, t, sizeof t);
  describe_setting(st, r, path, t, buf, n);
}

/* The file's index of timeline entry k of the resolved scenario (which is
 * sorted by day): the `set` of the same state, attribute and value. */
static int timeline_source(const cy_study *st, const cy_scenario *sc,
                           size_t k) {
  const cy_timeline_spec *t = &sc->timeline[k];
  const config_setting_t *l = config_lookup(&st->cfg, "timeline");
  int n = l ? config_setting_length(l) : 0;
  for (int q = 0; q < n; q++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)q);
    const char *ev = NULL, *at = NULL, *id = NULL;
    double v = 0.0;
    if (config_setting_lookup_string(g, "event", &ev) &&
        strcmp(ev, "set") == 0 &&
        config_setting_lookup_string(g, "attribute", &at) &&
        strcmp(at, cy_state_attr_names[t->attribute]) == 0 &&
        config_setting_lookup_string(g, "state", &id) &&
        strcmp(id, sc->states[t->state].id) == 0) {
      const config_setting_t *vs = config_setting_get_member(g, "value");
      int ty = vs ? config_setting_type(vs) : CONFIG_TYPE_NONE;
      v = ty == CONFIG_TYPE_FLOAT   ? config_setting_get_float(vs)
          : ty == CONFIG_TYPE_INT   ? config_setting_get_int(vs)
          : ty == CONFIG_TYPE_INT64 ? (double)config_setting_get_int64(vs)
                                    : NAN;
      if (v == t->value)
        return q;
    }
  }
  return -1;
}

/* events_what for point record w of scenario sc. */
static void describe_driver(const cy_study *st, const cy_rctx *r,
                            const cy_scenario *sc, const cy_work_point *w,
                            char *buf, size_t n) {
  char path[128];
  size_t i = w->index;
  switch (w->driver) {
  case CY_WD_RATE:
    snprintf(path, sizeof path, "states.[%zu].attack.rate", i);
    describe_number(st, r, path, sc->states[i].attack.rate, buf, n);
    return;
  case CY_WD_SET_RATE: {
    int q = timeline_source(st, sc, i);
    if (q >= 0) {
      snprintf(path, sizeof path, "timeline.[%d].value", q);
      describe_number(st, r, path, sc->timeline[i].value, buf, n);
      return;
    }
    snprintf(path, sizeof path, "states.[%d].attack.rate",
             sc->timeline[i].state);
    describe_number(st, r, path, sc->timeline[i].value, buf, n);
    return;
  }
  case CY_WD_REVIEW:
    snprintf(path, sizeof path, "states.[%zu].review.interval", i);
    describe_number(st, r, path, sc->states[i].review.interval, buf, n);
    return;
  case CY_WD_CHAIN: {
    char what[600], d[40], m[40];
    if (w->chain_alliance >= 0) {
      snprintf(path, sizeof path,
               "alliances.[%d].mutual_defence.collective_response",
               w->chain_alliance);
      describe_setting(st, r, path, "true", what, sizeof what);
    } else {
      char v[CY_ID_MAX + 2];
      snprintf(path, sizeof path, "states.[%zu].response.policy", i);
      snprintf(v, sizeof v, "\"%s\"", sc->states[i].response.policy);
      describe_setting(st, r, path, v, what, sizeof what);
    }
    snprintf(m, sizeof m, "%.3g", w->branching);
    snprintf(d, sizeof d, "%.3g", w->delay);
    snprintf(buf, n,
             "%s: responses to responses multiply (an operation against %s "
             "leads to up to %s response%s, at least %s days later on "
             "average)",
             what, sc->states[i].id, m, w->branching == 1.0 ? "" : "s", d);
    return;
  }
  case CY_WD_HORIZON:
  case CY_WD_NONE:
    describe_number(st, r, "scenario.horizon", sc->horizon, buf, n);
    return;
  }
}

/* Adds point `point` (resolved into sc, in context r) to the estimate. */
static int note_work(cy_study *st, const cy_rctx *r, const cy_scenario *sc,
                     size_t point) {
  cy_work_point w;
  if (cy_work_point_of(sc, cy_work_span(sc), &w))
    return cy_error_set(r->err, CY_ENOMEM, "out of memory");
  st->events_sum += w.events;
  /* !(<=): a NaN estimate is kept, and refused, rather than ignored */
  if (!st->have_work || !(w.events <= st->wev.events)) {
    st->wev = w;
    st->events_point = point;
    describe_driver(st, r, sc, &w, st->events_what, sizeof st->events_what);
  }
  if (!st->have_work || w.ring_bytes > st->ring_max) {
    st->ring_max = w.ring_bytes;
    if (w.ring_bytes > 0) {
      char path[128];
      char t[24];
      snprintf(path, sizeof path, "alliances.[%zu].nonaggression.threshold",
               w.ring_alliance);
      snprintf(t, sizeof t, "%" PRIu32,
               sc->alliances[w.ring_alliance].nonaggression.threshold);
      describe_setting(st, r, path, t, st->ring_what, sizeof st->ring_what);
    }
  }
  if (!st->have_work) {
    st->ops_max = w.ops;
    st->log_max = w.log_records;
    st->pending_max = w.pending;
    st->span_max = w.span;
  } else {
    st->ops_max = fmax(st->ops_max, w.ops);
    st->log_max = fmax(st->log_max, w.log_records);
    st->pending_max = fmax(st->pending_max, w.pending);
    st->span_max = fmax(st->span_max, w.span);
  }
  st->have_work = true;
  return 0;
}

/* Writes point p's values into the tree and resolves it. */
static int resolve_point(cy_study *st, size_t point, cy_scenario *out,
                         bool collect, cy_error *err) {
  size_t n_ovr = st->n_sets + st->n_axes;
  cy_override *ovr = calloc(n_ovr ? n_ovr : 1, sizeof *ovr);
  if (!ovr)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  if (st->n_sets)
    memcpy(ovr, st->sets, st->n_sets * sizeof *ovr);
  char note[700];
  int len = snprintf(note, sizeof note, " (sweep point %zu:", point);
  for (size_t i = 0; i < st->n_axes; i++) {
    const cy_axis *a = &st->axes[i];
    size_t v = cy_study_value_index(st, point, i);
    config_setting_t *s = st->ap[i].setting;
    char vt[160];
    axis_value_text(a, v, vt, sizeof vt);
    switch (a->type) {
    case CY_VALUE_INT:
      set_int(s, a->ints[v]);
      break;
    case CY_VALUE_BOOL:
      set_bool(s, a->ints[v] != 0);
      break;
    case CY_VALUE_DOUBLE:
      set_float(s, a->doubles[v]);
      break;
    case CY_VALUE_STRING:
      if (set_string(s, a->strings[v])) {
        free(ovr);
        return cy_error_set(err, CY_ENOMEM, "out of memory");
      }
      break;
    }
    cy_override *o = &ovr[st->n_sets + i];
    o->setting = s;
    snprintf(o->where, sizeof o->where, "%s", st->ap[i].where);
    snprintf(o->note, sizeof o->note,
             " (sweep axis '%.63s' = %.60s at point %zu)", a->name, vt, point);
    if (len > 0 && (size_t)len < sizeof note)
      len += snprintf(note + len, sizeof note - (size_t)len, "%s %s = %s",
                      i ? "," : "", a->name, vt);
  }
  if (len > 0 && (size_t)len < sizeof note)
    snprintf(note + len, sizeof note - (size_t)len, ")");
  cy_rctx r = {
      &st->map, ovr, n_ovr, note, st->stem, err, collect ? warn_collect : NULL,
      st};
  int rc = cy_resolve(&st->cfg, &r, out);
  if (!rc && collect && (rc = note_work(st, &r, out, point)))
    cy_scenario_fini(out);
  free(ovr);
  return rc;
}

/* Validates (and estimates) every point; cy_study_load() does it at once
 * unless there are more than the default cap. */
static int finish_points(cy_study *st, cy_error *err) {
  if (st->points_done)
    return 0;
  st->have_work = false;
  st->events_sum = 0.0;
  for (size_t p = 0; p < st->n_points; p++) {
    cy_scenario sc;
    int rc = resolve_point(st, p, &sc, true, err);
    if (rc)
      return rc;
    cy_scenario_fini(&sc);
  }
  st->points_done = true;
  return 0;
}

/* ---------------------------------------------------------------- API */

int cy_study_load(cy_study **out, const char *path, const char *const *sets,
                  size_t n_sets, cy_error *err) {
  *out = NULL;
  cy_study *st = calloc(1, sizeof *st);
  if (!st || !(st->path = strdup(path))) {
    free(st);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  pthread_mutex_init(&st->lock, NULL);
  cy_scenario_init(&st->base);
  st->n_points = 1;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  snprintf(st->stem, sizeof st->stem, "%s", base);
  char *dot = strrchr(st->stem, '.');
  if (dot && dot != st->stem)
    *dot = '\0';

  int rc = expand(st, path, 0, NULL, err);
  if (rc)
    goto fail;
  if (!st->expanded &&
      append(&st->expanded, &st->exp_len, &st->exp_cap, "", 0)) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto fail;
  }
  if (!st->text && append(&st->text, &st->text_len, &st->text_cap, "", 0)) {
    rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    goto fail;
  }
  config_init(&st->cfg);
  st->cfg_live = true;
  if (!config_read_string(&st->cfg, st->expanded)) {
    char where[1100];
    map_where(st, (unsigned)config_error_line(&st->cfg), where, sizeof where);
    const char *why = config_error_text(&st->cfg);
    /* bison's words for a parser stack that overflowed */
    bool deep = why && strcmp(why, "memory exhausted") == 0;
    rc = cy_error_set(err, CY_EINPUT, "%s: %s%s", where, why ? why : "?",
                      deep ? " (groups, lists or arrays nested too deeply)"
                           : "");
    goto fail;
  }
  if (config_setting_length(config_root_setting(&st->cfg)) == 0) {
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: has no settings (a scenario needs at least "
                      "scenario.horizon and two states)",
                      path);
    goto fail;
  }
  for (size_t i = 0; i < st->n_big; i++) {
    const bigint *bi = &st->big[i];
    /* b->line was the count of lines mapped before it: 0-based */
    unsigned line = bi->line + 1;
    char where[1100], p[300] = "";
    map_where(st, line, where, sizeof where);
    config_setting_t *root = config_root_setting(&st->cfg);
    config_setting_t *s = find_int_at(root, line, bi->int64, bi->stored, true);
    if (!s)
      s = find_int_at(root, line, bi->int64, bi->stored, false);
    if (s)
      cy_setting_path(s, p, sizeof p);
    if (bi->wide)
      rc = cy_error_set(err, CY_EINPUT,
                        "%s: %s%s%s is outside the 64-bit integer range "
                        "[-9223372036854775808, 9223372036854775807] "
                        "(libconfig would store %" PRId64 ")",
                        where, p, *p ? ": " : "", bi->text, bi->stored);
    else
      rc =
          cy_error_set(err, CY_EINPUT,
                       "%s: %s%s%s does not fit in a 32-bit integer (libconfig "
                       "would wrap it): write %sL",
                       where, p, *p ? ": " : "", bi->text,
                       strstr(bi->text, "...") ? "it with " : bi->text);
    goto fail;
  }
  if (n_sets) {
    st->sets = calloc(n_sets, sizeof *st->sets);
    if (!st->sets) {
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
      goto fail;
    }
  }
  for (size_t i = 0; i < n_sets; i++) {
    if ((rc = parse_set(st, sets[i], &st->sets[i], err)))
      goto fail;
    st->n_sets = i + 1;
  }
  cy_rctx r = {&st->map, st->sets, st->n_sets,   "",
               st->stem, err,      warn_collect, st};
  if ((rc = cy_resolve(&st->cfg, &r, &st->base)))
    goto fail;
  if ((rc = load_sweep(st, &r)))
    goto fail;
  if (!st->n_axes) {
    if ((rc = note_work(st, &r, &st->base, 0)))
      goto fail;
    st->points_done = true;
  } else if ((double)st->n_points <= cy_work_caps_default.points &&
             (rc = finish_points(st, err))) {
    goto fail;
  }
  *out = st;
  return 0;
fail:
  cy_study_free(st);
  return rc;
}

void cy_study_free(cy_study *st) {
  if (!st)
    return;
  if (st->cfg_live)
    config_destroy(&st->cfg);
  for (size_t i = 0; i < st->n_axes; i++) {
    cy_axis *a = &st->axes[i];
    if (a->strings)
      for (size_t k = 0; k < a->n_values; k++)
        free(a->strings[k]);
    free(a->strings);
    free(a->ints);
    free(a->doubles);
  }
  free(st->axes);
  free(st->ap);
  free(st->dim_size);
  for (size_t i = 0; i < st->map.n_files; i++)
    free(st->map.files[i]);
  free(st->map.files);
  free(st->map.line_file);
  free(st->map.line_no);
  for (size_t i = 0; i < st->n_warnings; i++)
    free(st->warnings[i]);
  free(st->warnings);
  free(st->big);
  free(st->sets);
  free(st->expanded);
  free(st->text);
  free(st->path);
  cy_scenario_fini(&st->base);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

const char *cy_study_path(const cy_study *st) { return st->path; }
const char *cy_study_text(const cy_study *st) { return st->text; }
const cy_scenario *cy_study_base(const cy_study *st) { return &st->base; }
size_t cy_study_n_axes(const cy_study *st) { return st->n_axes; }
const cy_axis *cy_study_axis(const cy_study *st, size_t i) {
  return i < st->n_axes ? &st->axes[i] : NULL;
}
size_t cy_study_n_points(const cy_study *st) { return st->n_points; }

size_t cy_study_value_index(const cy_study *st, size_t point, size_t axis) {
  size_t d = st->ap[axis].dim, stride = 1;
  for (size_t k = d + 1; k < st->n_dims; k++)
    stride *= st->dim_size[k];
  return (point / stride) % st->dim_size[d];
}

int cy_study_point(const cy_study *cst, size_t point, cy_scenario *out,
                   cy_error *err) {
  cy_study *st = (cy_study *)cst; /* the tree is scratch space, see top */
  if (point >= st->n_points) {
    cy_scenario_init(out);
    return cy_error_set(err, CY_EINPUT, "point %zu is outside [0, %zu)", point,
                        st->n_points);
  }
  if (st->n_axes == 0) {
    /* no sweep: a deep copy of the base */
    pthread_mutex_lock(&st->lock);
    cy_rctx r = {&st->map, st->sets, st->n_sets, "", st->stem, err, NULL, NULL};
    int rc = cy_resolve(&st->cfg, &r, out);
    pthread_mutex_unlock(&st->lock);
    return rc;
  }
  pthread_mutex_lock(&st->lock);
  int rc = resolve_point(st, point, out, false, err);
  pthread_mutex_unlock(&st->lock);
  return rc;
}

size_t cy_study_n_warnings(const cy_study *st) { return st->n_warnings; }
const char *cy_study_warning(const cy_study *st, size_t i) {
  return i < st->n_warnings ? st->warnings[i] : NULL;
}

/* ------------------------------------------------------- work (API) */

/* 1.8e15, or 12345 below a million; "unbounded" when infinite. */
static const char *count_text(double v, char *buf, size_t n) {
  if (isinf(v) || isnan(v)) {
    snprintf(buf, n, "%s",
             isnan(v) ? "an incalculable number of" : "unbounded");
    return buf;
  }
  if (v < 1e6) {
    snprintf(buf, n, "%.0f", v);
    return buf;
  }
  char t[40];
  snprintf(t, sizeof t, "%.2g", v); /* "1.8e+15" */
  char *e = strchr(t, 'e');
  if (!e) {
    snprintf(buf, n, "%s", t);
    return buf;
  }
  const char *x = e + 1;
  if (*x == '+')
    x++;
  while (*x == '0' && x[1])
    x++;
  snprintf(buf, n, "%.*se%s", (int)(e - t), t, x);
  return buf;
}

/* "24 GiB" */
static const char *bytes_text(double v, char *buf, size_t n) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB",
                                      "TiB",   "PiB", "EiB"};
  if (!isfinite(v)) {
    snprintf(buf, n, "%s bytes",
             isnan(v) ? "an incalculable number of" : "unbounded");
    return buf;
  }
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, n, "%.3g %s", v, units[u]);
  return buf;
}

#define ALLOW_LARGE "; pass --allow-large to run it anyway"

/* The resolving context of the base: errors and positions name --set. */
static cy_rctx base_ctx(const cy_study *st, cy_error *err) {
  cy_rctx r = {&st->map, st->sets, st->n_sets, "", st->stem, err, NULL, NULL};
  return r;
}

static double bins_of(const cy_scenario *b) {
  return b->output.timeseries && b->output.bin > 0.0
             ? ceil(b->horizon / b->output.bin)
             : 0.0;
}

/* A worker's memory for one run, by part: the model's N x N state, the
 * kernel's heap, tolerance breach histories, and the outcome record twice
 * (the one being filled and one waiting for the writer) with its time
 * series and event log (grown by doubling). */
enum { MEM_BASE, MEM_HEAP, MEM_RING, MEM_TS, MEM_LOG, MEM_PARTS };

static void memory_parts(const cy_study *st, double bins, double log_records,
                         double part[MEM_PARTS]) {
  const cy_scenario *b = &st->base;
  double n = (double)b->n_states, nn = n * n, k = (double)b->n_optypes;
  double a = (double)b->n_alliances;
  double record = 40.0 * nn + 4.0 * k + 13.0 * a + 64.0;
  part[MEM_BASE] =
      49.0 * nn + n * (8.0 * k + 160.0) + a * n + 2.0 * record + 4096.0;
  part[MEM_HEAP] = 2.0 * 24.0 * fmax(64.0 + 16.0 * n, st->pending_max);
  part[MEM_RING] = st->ring_max;
  part[MEM_TS] = 2.0 * 4.0 * bins * nn;
  part[MEM_LOG] = 2.0 * 2.0 * 32.0 * log_records;
}

int cy_study_estimate(const cy_study *cst, uint32_t replications,
                      bool event_log, cy_work *out, cy_error *err) {
  cy_study *st = (cy_study *)cst; /* the tree is scratch space, see top */
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&st->lock);
  int rc = finish_points(st, err);
  pthread_mutex_unlock(&st->lock);
  if (rc)
    return rc;
  const cy_scenario *b = &st->base;
  /* Output settings cannot be swept, so the base's hold at every point. */
  bool log = event_log || b->output.event_log;
  double n = (double)b->n_states, nn = n * n;
  out->span = st->span_max;
  out->points = (double)st->n_points;
  out->replications = replications ? replications : b->replications;
  out->runs = out->points * out->replications;
  out->events_per_rep = st->wev.events;
  out->events_point = st->events_point;
  out->events_total = st->events_sum * out->replications;
  out->ops_per_rep = st->ops_max;
  out->bins = bins_of(b);
  out->log_records = log ? st->log_max : 0.0;
  out->bytes_per_run = 40.0 * nn + 4.0 * (double)b->n_optypes +
                       13.0 * (double)b->n_alliances + 17.0 +
                       4.0 * out->bins * nn + 36.0 * out->log_records;
  out->output_bytes = out->runs * out->bytes_per_run;
  double part[MEM_PARTS];
  memory_parts(st, out->bins, out->log_records, part);
  out->memory_bytes = 0.0;
  for (int i = 0; i < MEM_PARTS; i++)
    out->memory_bytes += part[i];
  return 0;
}

/* "file:line: output.bin = 0.001" or the horizon, whichever makes the bins
 * many: the horizon when it is longer than a century in bins of a day or
 * more. */
static void describe_bins(const cy_study *st, const cy_rctx *r, char *buf,
                          size_t n) {
  const cy_scenario *b = &st->base;
  if (b->horizon > 36525.0 && b->output.bin >= 1.0)
    describe_number(st, r, "scenario.horizon", b->horizon, buf, n);
  else
    describe_number(st, r, "output.bin", b->output.bin, buf, n);
}

static void describe_log(const cy_study *st, const cy_rctx *r, char *buf,
                         size_t n) {
  if (st->base.output.event_log)
    describe_setting(st, r, "output.event_log", "true", buf, n);
  else /* asked for by the runner, not the file */
    snprintf(buf, n, "%s: the event log (--event-log)", st->path);
}

/* The replications: the file's setting, or the number given to the run. */
static void describe_reps(const cy_study *st, const cy_rctx *r, double reps,
                          char *buf, size_t n) {
  char t[40];
  snprintf(t, sizeof t, "%.0f", reps);
  if (reps == (double)st->base.replications)
    describe_setting(st, r, "scenario.replications", t, buf, n);
  else
    snprintf(buf, n, "%s: %.0f replications (given to the command)", st->path,
             reps);
}

int cy_study_check_work(const cy_study *cst, const cy_work_caps *caps,
                        uint32_t replications, bool event_log, cy_work *out,
                        cy_error *err) {
  cy_study *st = (cy_study *)cst;
  if (!caps)
    caps = &cy_work_caps_default;
  cy_rctx r = base_ctx(st, err);
  const cy_scenario *b = &st->base;
  char what[1000], t1[40], t2[40], t3[40], t4[40];
  double points = (double)st->n_points;
  double reps = replications ? replications : b->replications;
  /* Points and runs first: they need no point validated. */
  if (!(points <= caps->points)) {
    char axes[300] = "";
    size_t len = 0;
    for (size_t d = 0; d < st->n_dims && len < sizeof axes; d++)
      len += (size_t)snprintf(axes + len, sizeof axes - len, "%s%zu",
                              d ? " x " : "", st->dim_size[d]);
    config_setting_t *l = config_lookup(&st->cfg, "sweep");
    char where[400];
    cy_setting_where(&r, l, where, sizeof where);
    return cy_error_set(err, CY_EINPUT,
                        "%s: sweep: %s = %s points (cap %s)" ALLOW_LARGE, where,
                        axes, count_text(points, t1, sizeof t1),
                        count_text(caps->points, t2, sizeof t2));
  }
  if (!(points * reps <= caps->runs)) {
    describe_reps(st, &r, reps, what, sizeof what);
    return cy_error_set(err, CY_EINPUT,
                        "%s: %s runs (%s points x %s replications; cap "
                        "%s)" ALLOW_LARGE,
                        what, count_text(points * reps, t1, sizeof t1),
                        count_text(points, t2, sizeof t2),
                        count_text(reps, t3, sizeof t3),
                        count_text(caps->runs, t4, sizeof t4));
  }
  cy_work w;
  int rc = cy_study_estimate(st, replications, event_log, &w, err);
  if (rc)
    return rc;
  if (out)
    *out = w;
  if (!(w.bins <= caps->bins)) {
    char h[40], bin[40];
    describe_bins(st, &r, what, sizeof what);
    value_text(b->horizon, h, sizeof h);
    value_text(b->output.bin, bin, sizeof bin);
    return cy_error_set(err, CY_EINPUT,
                        "%s: %s time bins of %s days over %s days per run "
                        "(cap %s)" ALLOW_LARGE,
                        what, count_text(w.bins, t1, sizeof t1), bin, h,
                        count_text(caps->bins, t2, sizeof t2));
  }
  if (!(w.events_per_rep <= caps->events_per_rep)) {
    char pt[80] = "";
    if (st->n_axes)
      snprintf(pt, sizeof pt, " at sweep point %zu", w.events_point);
    char amount[60];
    if (isfinite(w.events_per_rep))
      snprintf(amount, sizeof amount, "about %s",
               count_text(w.events_per_rep, t1, sizeof t1));
    else if (st->wev.delay > 0.0) /* finite, past what a double holds */
      snprintf(amount, sizeof amount, "more than 1e308");
    else
      snprintf(amount, sizeof amount, "an unbounded number of");
    return cy_error_set(err, CY_EINPUT,
                        "%s: %s expected events per replication%s (cap "
                        "%s)" ALLOW_LARGE,
                        st->events_what, amount, pt,
                        count_text(caps->events_per_rep, t2, sizeof t2));
  }
  if (!(w.memory_bytes <= caps->memory_bytes)) {
    double part[MEM_PARTS];
    memory_parts(st, w.bins, w.log_records, part);
    int top = 0;
    for (int i = 1; i < MEM_PARTS; i++)
      if (part[i] > part[top])
        top = i;
    char why[300];
    double n = (double)b->n_states;
    switch (top) {
    case MEM_TS:
      describe_bins(st, &r, what, sizeof what);
      snprintf(why, sizeof why,
               "a time series of %.0f x %.0f state pairs x %s bins", n, n,
               count_text(w.bins, t3, sizeof t3));
      break;
    case MEM_LOG:
      describe_log(st, &r, what, sizeof what);
      snprintf(why, sizeof why, "an event log of about %s records per run",
               count_text(w.log_records, t3, sizeof t3));
      break;
    case MEM_RING:
      snprintf(what, sizeof what, "%s", st->ring_what);
      snprintf(why, sizeof why,
               "the times of the last `threshold` breaches of each "
               "tolerance pact");
      break;
    case MEM_HEAP:
      snprintf(what, sizeof what, "%s", st->events_what);
      snprintf(why, sizeof why, "about %s events pending at once",
               count_text(st->pending_max, t3, sizeof t3));
      break;
    default:
      snprintf(what, sizeof what, "%s: states", st->path);
      snprintf(why, sizeof why, "%.0f states", n);
    }
    return cy_error_set(err, CY_EINPUT,
                        "%s: about %s of memory per worker for %s (cap "
                        "%s)" ALLOW_LARGE,
                        what, bytes_text(w.memory_bytes, t1, sizeof t1), why,
                        bytes_text(caps->memory_bytes, t2, sizeof t2));
  }
  if (!(w.output_bytes <= caps->output_bytes)) {
    /* Blame what is unusual: many runs, or much data per run. */
    double n = (double)b->n_states, nn = n * n;
    double ts = 4.0 * w.bins * nn, lg = 36.0 * w.log_records;
    if (w.bytes_per_run / 1e8 >= w.runs / 1e4 && (ts > 0 || lg > 0)) {
      if (ts >= lg)
        describe_bins(st, &r, what, sizeof what);
      else
        describe_log(st, &r, what, sizeof what);
    } else if (reps >= points) {
      describe_reps(st, &r, reps, what, sizeof what);
    } else {
      config_setting_t *l = config_lookup(&st->cfg, "sweep");
      char where[400];
      cy_setting_where(&r, l, where, sizeof where);
      snprintf(what, sizeof what, "%s: sweep", where);
    }
    char per[40];
    return cy_error_set(err, CY_EINPUT,
                        "%s: about %s of output for %s runs of %s each (cap "
                        "%s)" ALLOW_LARGE,
                        what, bytes_text(w.output_bytes, t1, sizeof t1),
                        count_text(w.runs, t2, sizeof t2),
                        bytes_text(w.bytes_per_run, per, sizeof per),
                        bytes_text(caps->output_bytes, t3, sizeof t3));
  }
  return 0;
}
