/* set.c: --set path=value, written into the study's tree when it loads.
 *
 * The path is checked against the schema, which also types the value: a
 * --set can give a float where the file wrote 1, or a key the file leaves
 * out (it is created).  Only loading writes the tree; sweep points never
 * do (see resolve.c). */
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
  char s[512];
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

/* ------------------------------------------------------------- parsing */

/* path, with the did-you-mean of its first unknown component, when it is
 * not a scenario setting; a single value's kind otherwise. */
static int check_path(const char *arg, const char *path, cy_kind *kind,
                      cy_error *err) {
  size_t bad;
  char valid[400];
  if (cy__schema_kind(path, kind, &bad, valid, sizeof valid) != 0) {
    char comp[256];
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
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: '%s' is not a scenario setting (at '%s')",
                        arg, path, path + bad);
  }
  if (*kind == CY_K_GROUP || *kind == CY_K_LIST || *kind == CY_K_ARRAY)
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: '%s' is a %s; --set changes single values",
                        arg, path,
                        *kind == CY_K_GROUP  ? "group"
                        : *kind == CY_K_LIST ? "list"
                                             : "array");
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

/* The value typed by the schema's kind for it. */
static int parse_value(const char *arg, const char *path, const char *val,
                       cy_kind kind, set_value *v, cy_error *err) {
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
  if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
    snprintf(v->s, sizeof v->s, "%.*s", (int)(n - 2), val + 1);
  else
    snprintf(v->s, sizeof v->s, "%s", val);
  v->type = CONFIG_TYPE_STRING;
  return 0;
}

/* One step of find_setting(): component c of the path below cur
 * (`walked` so far), created when it is a missing key (the schema said it
 * is valid), as a group unless it is the last. */
static int step(const char *arg, config_setting_t *cur, const char *walked,
                const char *c, bool last, int type, config_setting_t **next,
                cy_error *err) {
  if (c[0] == '[') {
    long idx = strtol(c + 1, NULL, 10);
    *next = config_setting_is_aggregate(cur) && idx < config_setting_length(cur)
                ? config_setting_get_elem(cur, (unsigned)idx)
                : NULL;
    if (!*next)
      return cy_error_set(err, CY_EINPUT,
                          "--set %s: %s has %d element%s, no %s", arg, walked,
                          config_setting_length(cur),
                          config_setting_length(cur) == 1 ? "" : "s", c);
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

/* The setting at path (which strtok_r cuts up), missing keys created. */
static int find_setting(config_t *cfg, const char *arg, char *path, int type,
                        config_setting_t **out, cy_error *err) {
  config_setting_t *cur = config_root_setting(cfg);
  char walked[256] = "";
  for (char *save = NULL, *c = strtok_r(path, ".", &save); c;
       c = strtok_r(NULL, ".", &save)) {
    bool last = save == NULL || *save == '\0';
    config_setting_t *next;
    int rc = step(arg, cur, walked, c, last, type, &next, err);
    if (rc)
      return rc;
    size_t wl = strlen(walked);
    snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", c);
    cur = next;
  }
  if (config_setting_is_aggregate(cur))
    return cy_error_set(err, CY_EINPUT,
                        "--set %s: the file has a group or list there", arg);
  *out = cur;
  return 0;
}

int cy__set_apply(config_t *cfg, const char *arg, cy_override *o,
                  cy_error *err) {
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
  set_value v;
  config_setting_t *s = NULL;
  int rc;
  if ((rc = check_path(arg, path, &kind, err)) ||
      (rc = parse_value(arg, path, eq + 1, kind, &v, err)) ||
      (rc = find_setting(cfg, arg, path, v.type, &s, err)))
    return rc;
  if (write_value(s, &v))
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  o->setting = s;
  return 0;
}
