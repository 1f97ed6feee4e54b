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
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Loading validates every sweep point (about 6 us each), so a fuzzer that
 * writes steps = 10000000 would spend minutes on one input: fuzzing builds
 * (tests/fuzz) take a lower limit, which still exercises the refusal. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CY_STUDY_MAX_POINTS 256
#else
#define CY_STUDY_MAX_POINTS 10000000
#endif
enum {
  MAX_INCLUDE_DEPTH = 10,
  MAX_POINTS = CY_STUDY_MAX_POINTS,
  MAX_WARNINGS = 20
};

typedef struct bigint {
  unsigned line; /* line of the expanded text */
  int wrapped;   /* what libconfig stored */
  char text[48];
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

/* Records integer literals without L that libconfig would wrap. */
static int scan_number(cy_study *st, const char *l, size_t len, size_t *pi) {
  size_t i = *pi, j = i;
  if (l[j] == '-' || l[j] == '+')
    j++;
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
  if (k < len && l[k] == 'L') { /* int64: libconfig keeps it whole */
    while (k < len && l[k] == 'L')
      k++;
    *pi = k;
    return 0;
  }
  char tok[48];
  size_t n = k - i < sizeof tok - 1 ? k - i : sizeof tok - 1;
  memcpy(tok, l + i, n);
  tok[n] = '\0';
  *pi = k;
  bool neg = tok[0] == '-';
  errno = 0;
  unsigned long long mag =
      strtoull(tok + (tok[0] == '-' || tok[0] == '+'), NULL, hex ? 16 : 10);
  bool range = errno == ERANGE;
  bool fits = !range && (neg ? mag <= 2147483648ull : mag <= 2147483647ull);
  if (fits)
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
  /* libconfig parses with strtoll/strtoul and keeps the low 32 bits */
  unsigned long long v = range ? (unsigned long long)LLONG_MAX : mag;
  if (neg)
    v = (unsigned long long)0 - v;
  b->wrapped = (int)(int32_t)(uint32_t)(v & 0xffffffffull);
  snprintf(b->text, sizeof b->text, "%s", tok);
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

static int read_all(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  while (b) {
    size_t got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (n + 1 < cap)
      break;
    cap *= 2;
    char *nb = realloc(b, cap);
    if (!nb) {
      free(b);
      b = NULL;
    } else {
      b = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!b) {
    errno = ENOMEM;
    return -1;
  }
  if (bad) {
    free(b);
    errno = EIO;
    return -1;
  }
  b[n] = '\0';
  *out = b;
  *len = n;
  return 0;
}

static int expand(cy_study *st, const char *path, int depth, const char *who,
                  cy_error *err) {
  char *text;
  size_t len;
  if (read_all(path, &text, &len) != 0) {
    int e = errno;
    if (!who)
      return cy_error_set(err, e == ENOMEM ? CY_ENOMEM : CY_EIO,
                          "%s: cannot read: %s", path, strerror(e));
    return cy_error_set(err, CY_EINPUT, "%s: cannot read @include \"%s\": %s",
                        who, path, strerror(e));
  }
  if (memchr(text, '\0', len)) {
    free(text);
    return cy_error_set(err, CY_EINPUT, "%s: not a text file", path);
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
  int rc = append(&st->text, &st->text_len, &st->text_cap, text, len);
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
      char where[1100];
      snprintf(where, sizeof where, "%s:%d", path, line);
      if (depth >= MAX_INCLUDE_DEPTH) {
        rc = cy_error_set(err, CY_EINPUT,
                          "%s: @include nested more than %d deep (does a "
                          "file include itself?)",
                          where, MAX_INCLUDE_DEPTH);
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

static config_setting_t *find_int_at(config_setting_t *s, unsigned line,
                                     int value) {
  if (config_setting_type(s) == CONFIG_TYPE_INT &&
      config_setting_source_line(s) == line &&
      config_setting_get_int(s) == value)
    return s;
  if (config_setting_is_aggregate(s)) {
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
      config_setting_t *f =
          find_int_at(config_setting_get_elem(s, (unsigned)i), line, value);
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

static void axis_value_text(const cy_axis *a, size_t i, char *buf, size_t n) {
  switch (a->type) {
  case CY_VALUE_INT:
    snprintf(buf, n, "%" PRId64, a->ints[i]);
    break;
  case CY_VALUE_BOOL:
    snprintf(buf, n, "%s", a->ints[i] ? "true" : "false");
    break;
  case CY_VALUE_DOUBLE:
    cy_format_double(a->doubles[i], buf, n);
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
    errno = 0;
    iv = strtoll(val, &end, 0);
    while (*end == 'L')
      end++;
    if (!*val || *end || errno == ERANGE)
      return cy_error_set(err, CY_EINPUT, "--set %s: %s: expected an integer",
                          arg, path);
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
  if (steps < 1 || steps > MAX_POINTS)
    return cy_serr(r, sp, "%lld is outside [1, %d]", steps, MAX_POINTS);
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
    if (steps > 1 && (iv[1] - iv[0]) % (steps - 1) != 0)
      return cy_serr(r, sp,
                     "%lld steps from %" PRId64 " to %" PRId64
                     " are not evenly spaced integers",
                     steps, iv[0], iv[1]);
    if (!(a->ints = calloc((size_t)steps, sizeof *a->ints)))
      return cy_error_set(r->err, CY_ENOMEM, "out of memory");
    for (long long i = 0; i < steps; i++)
      a->ints[i] =
          steps == 1 ? iv[0] : iv[0] + (iv[1] - iv[0]) / (steps - 1) * i;
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
    if (p->dim == st->n_dims)
      st->dim_size[st->n_dims++] = a->n_values;
  }
  size_t pts = 1;
  for (size_t d = 0; d < st->n_dims; d++) {
    if (pts > MAX_POINTS / st->dim_size[d])
      return cy_serr(r, l, "the sweep has more than %d points", MAX_POINTS);
    pts *= st->dim_size[d];
  }
  st->n_points = pts;
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
  free(ovr);
  return rc;
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
    rc = cy_error_set(err, CY_EINPUT, "%s: %s", where,
                      config_error_text(&st->cfg));
    goto fail;
  }
  for (size_t i = 0; i < st->n_big; i++) {
    /* b->line was the count of lines mapped before it: 0-based */
    unsigned line = st->big[i].line + 1;
    char where[1100], p[300] = "";
    map_where(st, line, where, sizeof where);
    config_setting_t *s =
        find_int_at(config_root_setting(&st->cfg), line, st->big[i].wrapped);
    if (s)
      cy_setting_path(s, p, sizeof p);
    rc = cy_error_set(err, CY_EINPUT,
                      "%s: %s%s%s does not fit in a 32-bit integer (libconfig "
                      "would wrap it): write %sL",
                      where, p, *p ? ": " : "", st->big[i].text,
                      st->big[i].text);
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
  if (st->n_axes) {
    for (size_t p = 0; p < st->n_points; p++) {
      cy_scenario sc;
      if ((rc = resolve_point(st, p, &sc, true, err)))
        goto fail;
      cy_scenario_fini(&sc);
    }
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
