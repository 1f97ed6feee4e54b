/* set.c: --set path=value, written into the study's tree when it loads.
 *
 * The path (path.c: elements as [N] or [ID]) is checked against the
 * schema, which also types the value: a --set can give a float where the
 * file wrote 1, or a key the file leaves out (it is created).  An array
 * setting (a sweep axis's values, an alliance's members) takes
 * [ a, b, ... ] or ( a, b, ... ), which replaces what the file has; a
 * sweep value is typed by how it reads, as the same text in a file, and
 * the axis checks it against its setting as it checks the file's.  Only
 * loading writes the tree; sweep points never do (see resolve.c). */
#include "scenario_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A --set's value, typed by the schema. */
typedef struct set_value {
  int type; /* CONFIG_TYPE_INT (or INT64 by its size), FLOAT, BOOL, STRING */
  int64_t i;
  double f;
  bool b;
  const char *s; /* in the --set's copy of its value, quotes cut off */
} set_value;

/* ------------------------------------------------------ tree writers */

/* libconfig 1.5 cannot change a scalar's type (set_float on an int setting
 * fails), but its setters adopt the type of a CONFIG_TYPE_NONE setting; so a
 * --set float may replace a value the file wrote as 1.  The value is
 * cleared too: set_string frees the old sval, which an int's bits would
 * otherwise fill. */
static void make_untyped(config_setting_t *s, int type) {
  if (config_setting_type(s) == type)
    return;
  if (s->type == CONFIG_TYPE_STRING)
    free(s->value.sval);
  memset(&s->value, 0, sizeof s->value);
  s->type = CONFIG_TYPE_NONE;
}

static int write_value(config_setting_t *s, const set_value *v) {
  switch (v->type) {
  case CONFIG_TYPE_INT:
    if (v->i >= INT32_MIN && v->i <= INT32_MAX) {
      make_untyped(s, CONFIG_TYPE_INT);
      config_setting_set_int(s, (int)v->i);
    } else {
      make_untyped(s, CONFIG_TYPE_INT64);
      config_setting_set_int64(s, (long long)v->i);
    }
    return 0;
  case CONFIG_TYPE_FLOAT:
    make_untyped(s, CONFIG_TYPE_FLOAT);
    config_setting_set_float(s, v->f);
    return 0;
  case CONFIG_TYPE_BOOL:
    make_untyped(s, CONFIG_TYPE_BOOL);
    config_setting_set_bool(s, v->b);
    return 0;
  default:
    make_untyped(s, CONFIG_TYPE_STRING);
    return config_setting_set_string(s, v->s) ? 0 : CY_ENOMEM;
  }
}

/* Makes s an empty aggregate of type (ARRAY or LIST) in place, whatever
 * it held, so that it keeps its place and its parent. */
static void retype(config_setting_t *s, int type) {
  if (config_setting_is_aggregate(s)) {
    for (int i = config_setting_length(s); i-- > 0;)
      config_setting_remove_elem(s, (unsigned)i);
  } else {
    make_untyped(s, CONFIG_TYPE_NONE);
  }
  s->type = (short)type;
}

/* s as an array or list (type) of the n values vals. */
static int write_array(config_setting_t *s, int type, const set_value *vals,
                       size_t n) {
  retype(s, type);
  for (size_t i = 0; i < n; i++) {
    config_setting_t *e = config_setting_add(s, NULL, CONFIG_TYPE_NONE);
    if (!e || write_value(e, &vals[i]))
      return CY_ENOMEM;
  }
  return 0;
}

/* ------------------------------------------------------------- parsing */

/* path, with the did-you-mean of its first unknown component or how to
 * name a list's element, when it is not a scenario setting; the kind of
 * what it names otherwise: a single value or an array of them. */
static int check_path(const char *arg, const char *path, cy_kind *kind,
                      cy_error *err) {
  size_t bad;
  char valid[400];
  if (cy__schema_kind(path, kind, &bad, valid, sizeof valid) != 0) {
    char comp[256], hint[600];
    snprintf(comp, sizeof comp, "%s", path + bad);
    char *dot = strchr(comp, '.');
    if (dot)
      *dot = '\0';
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (char *save = NULL, *t = strtok_r(valid, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
      size_t d = cy__edit_distance(comp, t);
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
    cy__path_hint(path, bad, hint, sizeof hint);
    return cy_error_set(
        err, CY_EINPUT,
        "--set %s: '%s' is not a scenario setting (at '%s'%s%s)", arg, path,
        path + bad, *hint ? "; " : "", hint);
  }
  if (*kind == CY_K_GROUP || *kind == CY_K_LIST)
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: '%s' is a %s; --set changes single values "
                        "and arrays of them",
                        arg, path, *kind == CY_K_GROUP ? "group" : "list");
  return 0;
}

/* An integer as the file's scanner reads it: decimal (a leading 0 is not
 * octal), or hex after 0x; an optional L or LL; never clamped or
 * wrapped. */
static int parse_int(const char *arg, const char *path, const char *val,
                     set_value *v, cy_error *err) {
  const char *digits = val + (*val == '-' || *val == '+');
  bool hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  char *end;
  errno = 0;
  unsigned long long hv = 0;
  if (hex)
    hv = strtoull(digits + 2, &end, 16);
  else
    v->i = strtoll(val, &end, 10);
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
                        "--set %s: %s: %s is outside the 64-bit integer range "
                        "[-9223372036854775808, 9223372036854775807]",
                        arg, path, val);
  if (hex)
    v->i = (int64_t)hv;
  v->type = CONFIG_TYPE_INT;
  return 0;
}

/* A day (NUMDATE) is a number when it reads as one, else a date string. */
static bool reads_as_number(const char *val) {
  char *end;
  (void)strtod(val, &end);
  return *val && !*end;
}

/* Whether val is an integer literal: decimal or 0x hex, optional L. */
static bool reads_as_int(const char *val) {
  const char *d = val + (*val == '-' || *val == '+');
  bool hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
  int (*digit)(int) = hex ? isxdigit : isdigit;
  d += hex ? 2 : 0;
  if (!digit((unsigned char)*d))
    return false;
  while (digit((unsigned char)*d))
    d++;
  for (int l = 0; l < 2 && *d == 'L'; l++)
    d++;
  return !*d;
}

/* The kind of a sweep value (CY_K_SCALAR) as a file's scanner types it:
 * true/false, a quoted string, an integer, a number; any other word is a
 * string (a file would need its quotes). */
static cy_kind literal_kind(const char *val) {
  size_t n = strlen(val);
  if (strcasecmp(val, "true") == 0 || strcasecmp(val, "false") == 0)
    return CY_K_BOOL;
  if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
    return CY_K_STRING;
  if (reads_as_int(val))
    return CY_K_INT;
  if (val[strspn(val, "0123456789+-.eE")] == '\0' && strpbrk(val, "0123456789"))
    return CY_K_FLOAT;
  return CY_K_STRING;
}

/* The value typed by the schema's kind for it; val, which strings point
 * into, is the --set's own copy. */
static int parse_value(const char *arg, const char *path, char *val,
                       cy_kind kind, set_value *v, cy_error *err) {
  if (kind == CY_K_SCALAR)
    kind = literal_kind(val);
  if (kind == CY_K_INT)
    return parse_int(arg, path, val, v, err);
  if (kind == CY_K_FLOAT || (kind == CY_K_NUMDATE && reads_as_number(val))) {
    char *end;
    v->f = strtod(val, &end);
    if (!*val || *end || !isfinite(v->f))
      return cy_error_set(err, CY_EINPUT, "--set %s: %s: expected a number",
                          arg, path);
    v->type = CONFIG_TYPE_FLOAT;
    return 0;
  }
  if (kind == CY_K_BOOL) {
    if (strcasecmp(val, "true") != 0 && strcasecmp(val, "false") != 0)
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: %s: expected true or false", arg, path);
    v->b = strcasecmp(val, "true") == 0;
    v->type = CONFIG_TYPE_BOOL;
    return 0;
  }
  size_t n = strlen(val);
  if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
    val[n - 1] = '\0';
    val++;
  }
  v->s = val;
  v->type = CONFIG_TYPE_STRING;
  return 0;
}

/* ------------------------------------------------------------- arrays */

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* Cuts the inside of [ ... ] or ( ... ) at its commas (not those in a
 * quoted string) into elems[0, *n), trimmed.  Returns NULL, or what is
 * wrong. */
static const char *split_elems(char *in, char **elems, size_t *n) {
  bool quoted = false;
  *n = 0;
  if (!*trim(in))
    return NULL;
  for (char *c = in, *start = in;; c++) {
    if (quoted && *c == '\\' && c[1])
      c++;
    else if (*c == '"')
      quoted = !quoted;
    else if (!quoted && strchr("[](){}", *c) && *c)
      return "its elements must be single values";
    else if (!*c || (!quoted && *c == ',')) {
      bool end = !*c;
      *c = '\0';
      if (!*(elems[(*n)++] = trim(start)))
        return "it has an empty element";
      if (end)
        return quoted ? "a string is not closed" : NULL;
      start = c + 1;
    }
  }
}

/* "an integer", ...: an element's type, for the one-type rule of arrays. */
static const char *type_name(int type) {
  return type == CONFIG_TYPE_INT     ? "an integer"
         : type == CONFIG_TYPE_FLOAT ? "a float"
         : type == CONFIG_TYPE_BOOL  ? "a boolean"
                                     : "a string";
}

/* An array [ ... ] holds values of one type, as libconfig requires of a
 * file's (integers of either width are one type here: --set needs no L). */
static int one_type(const char *arg, const char *path, const set_value *v,
                    size_t n, cy_error *err) {
  for (size_t i = 1; i < n; i++)
    if (v[i].type != v[0].type)
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: %s: [0] is %s but [%zu] %s; an array "
                          "[ ... ] holds one type, as in a scenario file "
                          "(write 1.0 for a number, or use a list ( ... ))",
                          arg, path, type_name(v[0].type), i,
                          type_name(v[i].type));
  return 0;
}

/* VALUE for an array setting: [ a, b ] (an array) or ( a, b ) (a list of
 * single values), each typed by the schema's kind for the elements; into
 * *vals (malloc'd) and *type (CONFIG_TYPE_ARRAY or LIST). */
static int parse_array(const char *arg, const char *path, char *val,
                       set_value **vals, size_t *n, int *type, cy_error *err) {
  val = trim(val);
  size_t len = strlen(val);
  if (len < 2 || !((val[0] == '[' && val[len - 1] == ']') ||
                   (val[0] == '(' && val[len - 1] == ')')))
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: %s: expected an array [ a, b, ... ] or a "
                        "list ( a, b, ... )",
                        arg, path);
  *type = val[0] == '[' ? CONFIG_TYPE_ARRAY : CONFIG_TYPE_LIST;
  val[len - 1] = '\0';
  size_t cap = 1;
  for (const char *c = val; *c; c++)
    cap += *c == ',';
  char **elems = malloc(cap * sizeof *elems);
  *vals = malloc(cap * sizeof **vals);
  if (!elems || !*vals) {
    free(elems);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  const char *bad = split_elems(val + 1, elems, n);
  char epath[300];
  cy_kind kind = CY_K_SCALAR;
  size_t b;
  snprintf(epath, sizeof epath, "%s.[0]", path);
  cy__schema_kind(epath, &kind, &b, NULL, 0);
  int rc =
      bad ? cy_error_set(err, CY_EINPUT, "--set %s: %s: %s", arg, path, bad)
          : 0;
  for (size_t i = 0; !rc && i < *n; i++) {
    snprintf(epath, sizeof epath, "%s.[%zu]", path, i);
    rc = parse_value(arg, epath, elems[i], kind, &(*vals)[i], err);
  }
  if (!rc && *type == CONFIG_TYPE_ARRAY)
    rc = one_type(arg, path, *vals, *n, err);
  free(elems);
  return rc;
}

/* ---------------------------------------------------------------- tree */

/* One step of find_setting(): component c of the path below cur
 * (`walked` so far), created when it is a missing key (the schema said it
 * is valid), as a group unless it is the last. */
static int step(const char *arg, config_setting_t *cur, const char *walked,
                const char *c, bool last, int type, config_setting_t **next,
                cy_error *err) {
  if (c[0] == '[') {
    char why[600];
    if (!(*next = cy__path_elem(cur, walked, c, why, sizeof why)))
      return cy_error_set(err, CY_EINPUT, "--set %s: %s", arg, why);
    return 0;
  }
  if ((*next = config_setting_get_member(cur, c)))
    return 0;
  if (!config_setting_is_group(cur))
    return cy_error_set(err, CY_EINPUT, "--set %s: %s is not a group", arg,
                        walked);
  *next = config_setting_add(cur, c, last ? type : CONFIG_TYPE_GROUP);
  if (!*next)
    return cy_error_set(err, CY_EINPUT, "--set %s: cannot create %s", arg, c);
  return 0;
}

/* The setting at path (checked by the schema), missing keys created with
 * type when last. */
static int find_setting(config_t *cfg, const char *arg, const char *path,
                        int type, config_setting_t **out, cy_error *err) {
  config_setting_t *cur = config_root_setting(cfg);
  char walked[256] = "", c[256];
  const char *p = path;
  int r;
  while ((r = cy__path_next(&p, c, sizeof c)) > 0) {
    config_setting_t *next;
    int rc = step(arg, cur, walked, c, !*p, type, &next, err);
    if (rc)
      return rc;
    cy__path_append(walked, sizeof walked, c);
    cur = next;
  }
  if (r < 0 || cur == config_root_setting(cfg))
    return cy_error_set(err, CY_EINPUT, "--set %s: malformed path", arg);
  bool array = type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST;
  if (!array && config_setting_is_aggregate(cur))
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: the file has a group or list there", arg);
  *out = cur;
  return 0;
}

/* Earlier --sets of s or of settings in it no longer apply (this one
 * replaces them, and may free them): they stop naming a setting, so that
 * messages name this --set. */
static void forget(cy_override *earlier, size_t n, const config_setting_t *s) {
  for (size_t i = 0; i < n; i++)
    for (const config_setting_t *p = earlier[i].setting; p;
         p = config_setting_parent(p))
      if (p == s) {
        earlier[i].setting = NULL;
        break;
      }
}

/* A sweep axis given values by --set drops the file's from/to/steps: the
 * two are alternatives, and narrowing an axis to a few values is what the
 * --set is for. */
static void drop_range(cy_override *earlier, size_t n, config_setting_t *s) {
  static const char *const range[] = {"from", "to", "steps"};
  char canon[300];
  cy__setting_path(s, canon, sizeof canon);
  size_t len = strlen(canon);
  if (strncmp(canon, "sweep.[", 7) != 0 || len < 7 ||
      strcmp(canon + len - 7, ".values") != 0)
    return;
  config_setting_t *g = config_setting_parent(s);
  for (size_t k = 0; k < sizeof range / sizeof range[0]; k++) {
    config_setting_t *m = config_setting_get_member(g, range[k]);
    if (m) {
      forget(earlier, n, m);
      config_setting_remove(g, range[k]);
    }
  }
}

/* --set PATH=[ ... ]: the array replaces what the file has there. */
static int set_array(config_t *cfg, const char *arg, const char *path,
                     char *val, cy_override *earlier, size_t n_earlier,
                     config_setting_t **s, cy_error *err) {
  set_value *vals = NULL;
  size_t n = 0;
  int type = CONFIG_TYPE_ARRAY, rc;
  if (!(rc = parse_array(arg, path, val, &vals, &n, &type, err)) &&
      !(rc = find_setting(cfg, arg, path, type, s, err))) {
    forget(earlier, n_earlier, *s);
    if (write_array(*s, type, vals, n))
      rc = cy_error_set(err, CY_ENOMEM, "out of memory");
    else
      drop_range(earlier, n_earlier, *s);
  }
  free(vals);
  return rc;
}

/* --set PATH=VALUE of a single value. */
static int set_single(config_t *cfg, const char *arg, const char *path,
                      char *val, cy_kind kind, cy_override *earlier,
                      size_t n_earlier, config_setting_t **s, cy_error *err) {
  set_value v;
  int rc;
  if ((rc = parse_value(arg, path, val, kind, &v, err)) ||
      (rc = find_setting(cfg, arg, path, v.type, s, err)))
    return rc;
  forget(earlier, n_earlier, *s);
  if (write_value(*s, &v))
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  return 0;
}

int cy__set_apply(config_t *cfg, const char *arg, cy_override *o,
                  cy_override *earlier, size_t n_earlier, cy_error *err) {
  const char *eq = strchr(arg, '=');
  memset(o, 0, sizeof *o);
  snprintf(o->where, sizeof o->where, "--set %s", arg);
  if (!eq || eq == arg)
    return cy_error_set(err, CY_EINPUT, "--set %s: expected PATH=VALUE", arg);
  char path[256];
  size_t pl = (size_t)(eq - arg);
  if (pl >= sizeof path)
    return cy_error_set(err, CY_EINPUT, "--set %s: path too long", arg);
  memcpy(path, arg, pl);
  path[pl] = '\0';
  cy_kind kind;
  int rc = check_path(arg, path, &kind, err);
  if (rc)
    return rc;
  char *val = strdup(eq + 1); /* strings point into it until written */
  config_setting_t *s = NULL;
  if (!val)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  rc = kind == CY_K_ARRAY
           ? set_array(cfg, arg, path, val, earlier, n_earlier, &s, err)
           : set_single(cfg, arg, path, val, kind, earlier, n_earlier, &s, err);
  free(val);
  if (!rc)
    o->setting = s;
  return rc;
}
