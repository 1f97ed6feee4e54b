/* scenario_resolve.c: a libconfig tree -> one validated cy_scenario.
 *
 * Every key of MODEL.md §8 is described once in the schema tables below;
 * the same tables reject unknown keys (with a "did you mean" from the edit
 * distance) and tell --set and the sweep what type a path holds.  The
 * resolver reads each setting by its libconfig type itself instead of using
 * config_setting_lookup_*: those silently return 0 (or truncate) when the
 * type differs, which is exactly the silent change of a study we refuse. */
#include "scenario_impl.h"

#include "cysim/cy_policy.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- schema */

typedef struct key {
  const char *name;
  cy_kind kind;
  const struct schema *sub; /* GROUP: its keys; LIST: its elements' keys */
} key;

typedef struct schema {
  const key *keys;
  size_t n;
  bool free_keys; /* attack.mix: any name (checked against optypes), FLOAT */
} schema;

#define SCHEMA(name, ...)                                                      \
  static const key name##_keys[] = {__VA_ARGS__};                              \
  static const schema name = {                                                 \
      name##_keys, sizeof name##_keys / sizeof name##_keys[0], false}

SCHEMA(s_scenario, {"name", CY_K_STRING, NULL}, {"start", CY_K_STRING, NULL},
       {"horizon", CY_K_FLOAT, NULL}, {"replications", CY_K_INT, NULL},
       {"seed", CY_K_INT, NULL}, {"decisiveness", CY_K_FLOAT, NULL},
       {"damage_shape", CY_K_FLOAT, NULL});
SCHEMA(s_defaults, {"hostility", CY_K_FLOAT, NULL});
SCHEMA(s_optype, {"name", CY_K_STRING, NULL}, {"damage", CY_K_FLOAT, NULL},
       {"difficulty", CY_K_FLOAT, NULL}, {"severity", CY_K_FLOAT, NULL});
static const schema s_mix = {NULL, 0, true};
SCHEMA(s_attack, {"policy", CY_K_STRING, NULL}, {"rate", CY_K_FLOAT, NULL},
       {"mix", CY_K_GROUP, &s_mix});
SCHEMA(s_response, {"policy", CY_K_STRING, NULL},
       {"escalation", CY_K_FLOAT, NULL}, {"delay", CY_K_FLOAT, NULL},
       {"escalate", CY_K_FLOAT, NULL});
SCHEMA(s_review, {"policy", CY_K_STRING, NULL}, {"interval", CY_K_FLOAT, NULL});
SCHEMA(s_state, {"id", CY_K_STRING, NULL}, {"offense", CY_K_FLOAT, NULL},
       {"defense", CY_K_FLOAT, NULL}, {"detection", CY_K_FLOAT, NULL},
       {"attribution", CY_K_FLOAT, NULL}, {"misattribution", CY_K_FLOAT, NULL},
       {"exposure", CY_K_FLOAT, NULL}, {"value", CY_K_FLOAT, NULL},
       {"dwell", CY_K_FLOAT, NULL}, {"attribution_delay", CY_K_FLOAT, NULL},
       {"relaxation", CY_K_FLOAT, NULL}, {"attack", CY_K_GROUP, &s_attack},
       {"response", CY_K_GROUP, &s_response},
       {"review", CY_K_GROUP, &s_review});
SCHEMA(s_relation, {"from", CY_K_STRING, NULL}, {"to", CY_K_STRING, NULL},
       {"hostility", CY_K_FLOAT, NULL}, {"directed", CY_K_BOOL, NULL});
SCHEMA(s_nonaggression, {"compliance", CY_K_FLOAT, NULL},
       {"displacement", CY_K_FLOAT, NULL}, {"breach", CY_K_STRING, NULL},
       {"threshold", CY_K_INT, NULL}, {"window", CY_K_FLOAT, NULL});
SCHEMA(s_intel, {"share", CY_K_FLOAT, NULL}, {"boost", CY_K_FLOAT, NULL},
       {"ttl", CY_K_FLOAT, NULL});
SCHEMA(s_mutual, {"solidarity", CY_K_FLOAT, NULL},
       {"collective_response", CY_K_BOOL, NULL});
SCHEMA(s_tech, {"rate", CY_K_FLOAT, NULL});
SCHEMA(s_wg, {"dampening", CY_K_FLOAT, NULL},
       {"collapse_hostility", CY_K_FLOAT, NULL});
SCHEMA(s_alliance, {"id", CY_K_STRING, NULL}, {"members", CY_K_ARRAY, NULL},
       {"from", CY_K_NUMDATE, NULL}, {"until", CY_K_NUMDATE, NULL},
       {"nonaggression", CY_K_GROUP, &s_nonaggression},
       {"intel_sharing", CY_K_GROUP, &s_intel},
       {"mutual_defence", CY_K_GROUP, &s_mutual},
       {"tech_transfer", CY_K_GROUP, &s_tech},
       {"working_group", CY_K_GROUP, &s_wg});
SCHEMA(s_timeline, {"at", CY_K_NUMDATE, NULL}, {"event", CY_K_STRING, NULL},
       {"by", CY_K_STRING, NULL}, {"on", CY_K_STRING, NULL},
       {"hostility", CY_K_FLOAT, NULL}, {"state", CY_K_STRING, NULL},
       {"level", CY_K_FLOAT, NULL}, {"alliance", CY_K_STRING, NULL},
       {"attribute", CY_K_STRING, NULL}, {"value", CY_K_FLOAT, NULL});
SCHEMA(s_output, {"bin", CY_K_FLOAT, NULL}, {"timeseries", CY_K_BOOL, NULL},
       {"event_log", CY_K_BOOL, NULL});
/* from/to are FLOAT here only for key checking: the sweep reads them by
 * the swept setting's type. */
SCHEMA(s_sweep, {"path", CY_K_STRING, NULL}, {"values", CY_K_ARRAY, NULL},
       {"from", CY_K_FLOAT, NULL}, {"to", CY_K_FLOAT, NULL},
       {"steps", CY_K_INT, NULL}, {"zip", CY_K_STRING, NULL},
       {"name", CY_K_STRING, NULL});
SCHEMA(s_root, {"scenario", CY_K_GROUP, &s_scenario},
       {"defaults", CY_K_GROUP, &s_defaults}, {"optypes", CY_K_LIST, &s_optype},
       {"states", CY_K_LIST, &s_state}, {"relations", CY_K_LIST, &s_relation},
       {"alliances", CY_K_LIST, &s_alliance},
       {"timeline", CY_K_LIST, &s_timeline}, {"output", CY_K_GROUP, &s_output},
       {"sweep", CY_K_LIST, &s_sweep});

static const key *schema_key(const schema *sc, const char *name) {
  for (size_t i = 0; i < sc->n; i++)
    if (strcmp(sc->keys[i].name, name) == 0)
      return &sc->keys[i];
  return NULL;
}

static void join_names(const schema *sc, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < sc->n && len + 1 < n; i++) {
    int w =
        snprintf(buf + len, n - len, "%s%s", i ? ", " : "", sc->keys[i].name);
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

int cy_schema_kind(const char *path, cy_kind *kind, size_t *bad,
                   char *valid_names, size_t n_valid) {
  const schema *sc = &s_root;
  cy_kind k = CY_K_GROUP;
  const char *p = path;
  if (valid_names && n_valid)
    valid_names[0] = '\0';
  while (*p) {
    const char *end = strchr(p, '.');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char comp[128];
    if (len == 0 || len >= sizeof comp)
      goto fail;
    memcpy(comp, p, len);
    comp[len] = '\0';
    if (comp[0] == '[') {
      char *e;
      if (k != CY_K_LIST && k != CY_K_ARRAY)
        goto fail;
      long idx = strtol(comp + 1, &e, 10);
      if (e == comp + 1 || strcmp(e, "]") != 0 || idx < 0)
        goto fail;
      k = k == CY_K_LIST ? CY_K_GROUP : CY_K_STRING; /* array elements */
      if (k == CY_K_STRING)
        sc = NULL;
    } else {
      if (k != CY_K_GROUP || !sc)
        goto fail;
      if (sc->free_keys) {
        k = CY_K_FLOAT;
        sc = NULL;
      } else {
        const key *ky = schema_key(sc, comp);
        if (!ky) {
          if (valid_names)
            join_names(sc, valid_names, n_valid);
          goto fail;
        }
        k = ky->kind;
        sc = ky->sub;
      }
    }
    p += len;
    if (*p == '.')
      p++;
  }
  *kind = k;
  return 0;
fail:
  *bad = (size_t)(p - path);
  return -1;
}

/* ----------------------------------------------------------- utilities */

size_t cy_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63)
    return (size_t)-1 / 2;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t sub = prev + (a[i - 1] != b[j - 1]);
      size_t del = row[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      prev = cur;
    }
  }
  return row[lb];
}

/* The nearest candidate to `word`, or NULL when none is close enough to be
 * a plausible typo (at most a third of the word, and at least 2, edits). */
static const char *nearest(const char *word, const char *const *cands,
                           size_t n) {
  const char *best = NULL;
  size_t bestd = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    size_t d = cy_edit_distance(word, cands[i]);
    if (d < bestd) {
      bestd = d;
      best = cands[i];
    }
  }
  size_t len = strlen(word), lim = len / 3 > 2 ? len / 3 : 2;
  return best && bestd <= lim && bestd < len ? best : NULL;
}

void cy_format_double(double v, char *buf, size_t n) {
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

void cy_setting_path(const config_setting_t *s, char *buf, size_t n) {
  const config_setting_t *chain[64];
  size_t depth = 0;
  for (const config_setting_t *p = s;
       p && config_setting_parent(p) && depth < sizeof chain / sizeof chain[0];
       p = config_setting_parent(p))
    chain[depth++] = p;
  size_t len = 0;
  buf[0] = '\0';
  while (depth-- > 0 && len + 1 < n) {
    const config_setting_t *c = chain[depth];
    int w;
    const char *sep = len ? "." : "";
    if (config_setting_name(c))
      w = snprintf(buf + len, n - len, "%s%s", sep, config_setting_name(c));
    else
      w = snprintf(buf + len, n - len, "%s[%d]", sep, config_setting_index(c));
    if (w < 0)
      break;
    len += (size_t)w;
    if (len >= n)
      len = n - 1;
  }
}

void cy_setting_where(const cy_rctx *r, const config_setting_t *s, char *buf,
                      size_t n) {
  for (const config_setting_t *p = s; p; p = config_setting_parent(p)) {
    for (size_t i = 0; i < r->n_ovr; i++)
      if (r->ovr[i].setting == p) {
        snprintf(buf, n, "%s", r->ovr[i].where);
        return;
      }
    unsigned line = config_setting_source_line(p);
    if (line > 0 && r->map && line <= r->map->n_lines) {
      snprintf(buf, n, "%s:%d", r->map->files[r->map->line_file[line - 1]],
               r->map->line_no[line - 1]);
      return;
    }
  }
  snprintf(buf, n, "%s", r->map && r->map->n_files ? r->map->files[0] : "?");
}

const char *cy_setting_note(const cy_rctx *r, const config_setting_t *s) {
  for (const config_setting_t *p = s; p; p = config_setting_parent(p))
    for (size_t i = 0; i < r->n_ovr; i++)
      if (r->ovr[i].setting == p)
        return r->ovr[i].note;
  return "";
}

int cy_serr(const cy_rctx *r, const config_setting_t *s, const char *fmt, ...) {
  char where[400], path[300], msg[600];
  cy_setting_where(r, s, where, sizeof where);
  cy_setting_path(s, path, sizeof path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *note = cy_setting_note(r, s);
  if (!*note)
    note = r->note ? r->note : "";
  return cy_error_set(r->err, CY_EINPUT, "%s: %s%s%s%s", where, path,
                      *path ? ": " : "", msg, note);
}

static void warnf(const cy_rctx *r, const config_setting_t *s, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));
static void warnf(const cy_rctx *r, const config_setting_t *s, const char *fmt,
                  ...) {
  if (!r->warn)
    return;
  char where[400], path[300], msg[600], all[1400];
  cy_setting_where(r, s, where, sizeof where);
  cy_setting_path(s, path, sizeof path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* no sweep-point note: the same warning at every point is said once */
  snprintf(all, sizeof all, "%s: %s: %s", where, path, msg);
  r->warn(r->warn_arg, all);
}

/* "the string \"x\"", "a group", ... for type errors. */
static void describe(const config_setting_t *s, char *buf, size_t n) {
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
    snprintf(buf, n, "%d", config_setting_get_int(s));
    break;
  case CONFIG_TYPE_INT64:
    snprintf(buf, n, "%lldL", config_setting_get_int64(s));
    break;
  case CONFIG_TYPE_FLOAT:
    cy_format_double(config_setting_get_float(s), buf, n);
    break;
  case CONFIG_TYPE_STRING:
    snprintf(buf, n, "the string \"%s\"", config_setting_get_string(s));
    break;
  case CONFIG_TYPE_BOOL:
    snprintf(buf, n, "%s", config_setting_get_bool(s) ? "true" : "false");
    break;
  case CONFIG_TYPE_GROUP:
    snprintf(buf, n, "a group { ... }");
    break;
  case CONFIG_TYPE_ARRAY:
    snprintf(buf, n, "an array [ ... ]");
    break;
  case CONFIG_TYPE_LIST:
    snprintf(buf, n, "a list ( ... )");
    break;
  default:
    snprintf(buf, n, "nothing");
  }
}

/* ------------------------------------------------------------- readers */

typedef struct R {
  const cy_rctx *c;
  cy_scenario *s;
  bool has_start;
  long start_days;
} R;

enum { RG_ANY, RG_PROB, RG_NONNEG, RG_POS };

static int wrong_type(R *r, const config_setting_t *s, const char *what) {
  char d[160];
  describe(s, d, sizeof d);
  return cy_serr(r->c, s, "expected %s, got %s", what, d);
}

static int expect_type(R *r, const config_setting_t *s, int type,
                       const char *what) {
  if (config_setting_type(s) == type)
    return 0;
  return wrong_type(r, s, what);
}

static int number(R *r, const config_setting_t *s, double *out) {
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
    *out = config_setting_get_int(s);
    return 0;
  case CONFIG_TYPE_INT64:
    *out = (double)config_setting_get_int64(s);
    return 0;
  case CONFIG_TYPE_FLOAT:
    *out = config_setting_get_float(s);
    return 0;
  default:
    return wrong_type(r, s, "a number");
  }
}

static int check_range(R *r, const config_setting_t *s, double v, int range) {
  char t[40];
  cy_format_double(v, t, sizeof t);
  if (!isfinite(v))
    return cy_serr(r->c, s, "%s is not a finite number", t);
  switch (range) {
  case RG_PROB:
    if (v < 0.0 || v > 1.0)
      return cy_serr(r->c, s, "%s is outside [0, 1]", t);
    break;
  case RG_NONNEG:
    if (v < 0.0)
      return cy_serr(r->c, s, "%s must be >= 0", t);
    break;
  case RG_POS:
    if (!(v > 0.0))
      return cy_serr(r->c, s, "%s must be > 0", t);
    break;
  }
  return 0;
}

/* Optional float member: leaves *out alone when absent. */
static int getf(R *r, const config_setting_t *g, const char *k, double *out,
                int range) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  double v = 0.0;
  int rc = number(r, s, &v);
  if (rc)
    return rc;
  if ((rc = check_range(r, s, v, range)))
    return rc;
  *out = v;
  return 0;
}

static int integer(R *r, const config_setting_t *s, int64_t *out) {
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
    *out = config_setting_get_int(s);
    return 0;
  case CONFIG_TYPE_INT64:
    *out = config_setting_get_int64(s);
    return 0;
  default:
    return wrong_type(r, s, "an integer");
  }
}

static int geti(R *r, const config_setting_t *g, const char *k, int64_t *out,
                int64_t lo, int64_t hi) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  int64_t v = 0;
  int rc = integer(r, s, &v);
  if (rc)
    return rc;
  if (v < lo || v > hi)
    return cy_serr(r->c, s, "%" PRId64 " is outside [%" PRId64 ", %" PRId64 "]",
                   v, lo, hi);
  *out = v;
  return 0;
}

static int getb(R *r, const config_setting_t *g, const char *k, bool *out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  int rc = expect_type(r, s, CONFIG_TYPE_BOOL, "true or false");
  if (rc)
    return rc;
  *out = config_setting_get_bool(s) != 0;
  return 0;
}

/* Optional string member: *out is NULL when absent. */
static int gets_(R *r, const config_setting_t *g, const char *k,
                 const char **out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  *out = NULL;
  if (!s)
    return 0;
  int rc = expect_type(r, s, CONFIG_TYPE_STRING, "a string");
  if (rc)
    return rc;
  *out = config_setting_get_string(s);
  return 0;
}

static int require(R *r, const config_setting_t *g, const char *k,
                   const char *why) {
  if (config_setting_get_member(g, k))
    return 0;
  return cy_serr(r->c, g, "missing required key '%s'%s", k, why);
}

/* An id or name: non-empty, fits CY_ID_MAX. */
static int get_id(R *r, const config_setting_t *g, const char *k, char *dst,
                  bool required) {
  const char *v;
  int rc;
  if (required && (rc = require(r, g, k, "")))
    return rc;
  if ((rc = gets_(r, g, k, &v)))
    return rc;
  if (!v)
    return 0;
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!*v)
    return cy_serr(r->c, s, "must not be empty");
  if (strlen(v) >= CY_ID_MAX)
    return cy_serr(r->c, s, "\"%.40s...\" is longer than %d characters", v,
                   CY_ID_MAX - 1);
  strcpy(dst, v);
  return 0;
}

/* Unknown keys, and the right aggregate kind for known ones. */
static int check_keys(R *r, const config_setting_t *g, const schema *sc) {
  int n = config_setting_length(g);
  for (int i = 0; i < n; i++) {
    const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
    const char *name = config_setting_name(m);
    const key *k = schema_key(sc, name);
    if (!k) {
      const char *cands[32];
      for (size_t j = 0; j < sc->n && j < 32; j++)
        cands[j] = sc->keys[j].name;
      const char *near = nearest(name, cands, sc->n < 32 ? sc->n : 32);
      char valid[400];
      join_names(sc, valid, sizeof valid);
      if (near)
        return cy_serr(r->c, m, "unknown key '%s' (did you mean '%s'?)", name,
                       near);
      return cy_serr(r->c, m, "unknown key '%s' (valid keys: %s)", name, valid);
    }
    int rc = 0;
    if (k->kind == CY_K_GROUP)
      rc = expect_type(r, m, CONFIG_TYPE_GROUP, "a group { ... }");
    else if (k->kind == CY_K_LIST && config_setting_type(m) != CONFIG_TYPE_LIST)
      rc = expect_type(r, m, CONFIG_TYPE_LIST, "a list ( { ... }, ... )");
    else if (k->kind == CY_K_ARRAY &&
             config_setting_type(m) != CONFIG_TYPE_LIST)
      rc = expect_type(r, m, CONFIG_TYPE_ARRAY, "an array [ ... ]");
    else if (k->kind != CY_K_GROUP && k->kind != CY_K_LIST &&
             k->kind != CY_K_ARRAY && config_setting_is_aggregate(m))
      rc = wrong_type(r, m, "a single value");
    if (rc)
      return rc;
  }
  return 0;
}

/* A list whose every element is a group with the keys of sc. */
static int check_list(R *r, const config_setting_t *l, const schema *sc) {
  int n = config_setting_length(l);
  for (int i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
    int rc = expect_type(r, e, CONFIG_TYPE_GROUP, "a group { ... }");
    if (rc || (rc = check_keys(r, e, sc)))
      return rc;
  }
  return 0;
}

/* The list root.key, checked by check_list, and its length: *l is NULL and
 * *n 0 when the file has no such list (each caller decides if that is an
 * error). */
static int get_list(R *r, const config_setting_t *root, const char *key,
                    const schema *sc, const config_setting_t **l, int *n) {
  *l = config_setting_get_member(root, key);
  *n = 0;
  if (!*l)
    return 0;
  int rc = check_list(r, *l, sc);
  if (!rc)
    *n = config_setting_length(*l);
  return rc;
}

static int nomem(R *r) {
  return cy_error_set(r->c->err, CY_ENOMEM, "out of memory");
}

/* A libconfig name, so that the optype can be a key of attack.mix. */
static bool valid_name(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '*'))
    return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '*'))
      return false;
  return true;
}

/* A number of days, or an ISO date when scenario.start is set. */
static int numdate(R *r, const config_setting_t *s, double *out) {
  if (config_setting_type(s) == CONFIG_TYPE_STRING) {
    const char *t = config_setting_get_string(s);
    long d;
    if (cy_date_parse(t, &d) != 0)
      return cy_serr(r->c, s, "\"%s\" is not an ISO date (YYYY-MM-DD)", t);
    if (!r->has_start)
      return cy_serr(r->c, s,
                     "the date \"%s\" needs scenario.start (or give days)", t);
    *out = (double)(d - r->start_days);
    if (*out < 0) {
      char st[11];
      cy_date_format(r->start_days, st);
      return cy_serr(r->c, s, "\"%s\" is before scenario.start (%s)", t, st);
    }
    return 0;
  }
  int rc = number(r, s, out);
  if (rc)
    return rc;
  return check_range(r, s, *out, RG_NONNEG);
}

/* Lists a few names for "unknown x" messages. */
static void list_ids(const cy_scenario *s, int what, char *buf, size_t n) {
  size_t len = 0, cnt = what == 0   ? s->n_states
                        : what == 1 ? s->n_alliances
                                    : s->n_optypes;
  buf[0] = '\0';
  for (size_t i = 0; i < cnt && len + 1 < n; i++) {
    const char *id = what == 0   ? s->states[i].id
                     : what == 1 ? s->alliances[i].id
                                 : s->optypes[i].name;
    int w = i >= 12 ? snprintf(buf + len, n - len, ", ...")
                    : snprintf(buf + len, n - len, "%s%s", i ? ", " : "", id);
    if (w < 0)
      break;
    len += (size_t)w;
    if (i >= 12 || len >= n)
      break;
  }
}

/* Resolves a reference (what: 0 state, 1 alliance, 2 optype) to an index. */
static int ref(R *r, const config_setting_t *s, int what, int *out) {
  int rc = expect_type(r, s, CONFIG_TYPE_STRING, "a string");
  if (rc)
    return rc;
  const char *v = config_setting_get_string(s);
  int i = what == 0   ? cy_scenario_state_index(r->s, v)
          : what == 1 ? cy_scenario_alliance_index(r->s, v)
                      : cy_scenario_optype_index(r->s, v);
  if (i >= 0) {
    *out = i;
    return 0;
  }
  size_t cnt = what == 0   ? r->s->n_states
               : what == 1 ? r->s->n_alliances
                           : r->s->n_optypes;
  const char **cands = malloc((cnt ? cnt : 1) * sizeof *cands);
  if (!cands)
    return nomem(r);
  for (size_t j = 0; j < cnt; j++)
    cands[j] = what == 0   ? r->s->states[j].id
               : what == 1 ? r->s->alliances[j].id
                           : r->s->optypes[j].name;
  const char *near = nearest(v, cands, cnt);
  char ids[600];
  list_ids(r->s, what, ids, sizeof ids);
  const char *kind = what == 0   ? "state"
                     : what == 1 ? "alliance"
                                 : "operation type";
  const char *plural = what == 0   ? "states"
                       : what == 1 ? "alliances"
                                   : "operation types";
  if (near)
    rc = cy_serr(r->c, s, "unknown %s '%s' (did you mean '%s'? %s: %s)", kind,
                 v, near, plural, ids);
  else
    rc = cy_serr(r->c, s, "unknown %s '%s' (%s: %s)", kind, v, plural,
                 cnt ? ids : "none");
  free(cands);
  return rc;
}

static int member_ref(R *r, const config_setting_t *g, const char *k, int what,
                      int *out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  return ref(r, s, what, out);
}

static int policy(R *r, const config_setting_t *g, cy_policy_kind kind,
                  const char *what, char *dst) {
  const char *v;
  int rc = gets_(r, g, "policy", &v);
  if (rc || !v)
    return rc;
  if (cy_policy_index(kind, v) >= 0) {
    snprintf(dst, CY_ID_MAX, "%s", v);
    return 0;
  }
  char valid[400];
  size_t len = 0, n = cy_policy_count(kind);
  const char *cands[64];
  valid[0] = '\0';
  for (size_t i = 0; i < n && len + 1 < sizeof valid; i++) {
    if (i < 64)
      cands[i] = cy_policy_name(kind, i);
    int w = snprintf(valid + len, sizeof valid - len, "%s%s", i ? ", " : "",
                     cy_policy_name(kind, i));
    if (w < 0)
      break;
    len += (size_t)w;
  }
  const char *near = nearest(v, cands, n < 64 ? n : 64);
  const config_setting_t *s = config_setting_get_member(g, "policy");
  if (near)
    return cy_serr(r->c, s,
                   "unknown %s policy '%s' (did you mean '%s'? valid: %s)",
                   what, v, near, valid);
  return cy_serr(r->c, s, "unknown %s policy '%s' (valid: %s)", what, v, valid);
}

/* ------------------------------------------------------------ sections */

static int do_scenario(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  const config_setting_t *g = config_setting_get_member(root, "scenario");
  if (!g)
    return cy_serr(r->c, root,
                   "missing required group 'scenario' (with at least "
                   "horizon)");
  int rc = check_keys(r, g, &s_scenario);
  if (rc)
    return rc;
  if (r->c->default_name)
    snprintf(s->name, sizeof s->name, "%s", r->c->default_name);
  if ((rc = get_id(r, g, "name", s->name, false)))
    return rc;
  const char *start;
  if ((rc = gets_(r, g, "start", &start)))
    return rc;
  if (start) {
    if (cy_date_parse(start, &r->start_days) != 0)
      return cy_serr(r->c, config_setting_get_member(g, "start"),
                     "\"%s\" is not an ISO date (YYYY-MM-DD)", start);
    r->has_start = true;
    snprintf(s->start, sizeof s->start, "%s", start);
  }
  if ((rc = require(r, g, "horizon", " (days to simulate)")) ||
      (rc = getf(r, g, "horizon", &s->horizon, RG_POS)))
    return rc;
  int64_t v = s->replications;
  if ((rc = geti(r, g, "replications", &v, 1, UINT32_MAX)))
    return rc;
  s->replications = (uint32_t)v;
  v = s->seed;
  if ((rc = geti(r, g, "seed", &v, INT64_MIN, INT64_MAX)))
    return rc;
  s->seed = v;
  if ((rc = getf(r, g, "decisiveness", &s->decisiveness, RG_NONNEG)))
    return rc;
  /* MODEL.md §3.4: Gamma noise on damage; 0 (the default) keeps it
   * deterministic. */
  if ((rc = getf(r, g, "damage_shape", &s->damage_shape, RG_NONNEG)))
    return rc;
  const config_setting_t *d = config_setting_get_member(root, "defaults");
  if (d && ((rc = check_keys(r, d, &s_defaults)) ||
            (rc = getf(r, d, "hostility", &s->default_hostility, RG_PROB))))
    return rc;
  return 0;
}

static int do_optypes(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  const config_setting_t *l;
  int n, rc = get_list(r, root, "optypes", &s_optype, &l, &n);
  if (rc || !l)
    return rc;
  if (n < 1 || n > CY_MAX_OPTYPES)
    return cy_serr(r->c, l, "has %d operation types; 1 to %d are allowed", n,
                   CY_MAX_OPTYPES);
  cy_scenario defs;
  cy_scenario_init(&defs);
  cy_scenario_defaults(&defs);
  s->n_optypes = 0;
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    cy_optype *o = &s->optypes[i];
    memset(o, 0, sizeof *o);
    if ((rc = get_id(r, g, "name", o->name, true)))
      return rc;
    const config_setting_t *ns = config_setting_get_member(g, "name");
    if (!valid_name(o->name))
      return cy_serr(r->c, ns,
                     "\"%s\" cannot be a key of attack.mix (letters, digits, "
                     "_ and -, starting with a letter)",
                     o->name);
    if (cy_scenario_optype_index(s, o->name) >= 0)
      return cy_serr(r->c, ns, "duplicate operation type '%s'", o->name);
    int def = cy_scenario_optype_index(&defs, o->name);
    if (def >= 0) {
      *o = defs.optypes[def];
    } else {
      static const char *const need[] = {"damage", "difficulty", "severity"};
      for (int k = 0; k < 3; k++)
        if ((rc = require(r, g, need[k],
                          " (only espionage, disruption and destruction have "
                          "defaults)")))
          return rc;
    }
    if ((rc = getf(r, g, "damage", &o->damage, RG_PROB)) ||
        (rc = getf(r, g, "difficulty", &o->difficulty, RG_NONNEG)) ||
        (rc = getf(r, g, "severity", &o->severity, RG_NONNEG)))
      return rc;
    s->n_optypes = (size_t)i + 1;
  }
  return 0;
}

static int do_state(R *r, const config_setting_t *g, cy_state_spec *st) {
  cy_scenario *s = r->s;
  int rc;
  cy_state_spec_defaults(st);
  if ((rc = get_id(r, g, "id", st->id, true)))
    return rc;
  static const struct {
    const char *k;
    size_t off;
    int range;
  } f[] = {
      {"offense", offsetof(cy_state_spec, offense), RG_PROB},
      {"defense", offsetof(cy_state_spec, defense), RG_PROB},
      {"detection", offsetof(cy_state_spec, detection), RG_PROB},
      {"attribution", offsetof(cy_state_spec, attribution), RG_PROB},
      {"misattribution", offsetof(cy_state_spec, misattribution), RG_PROB},
      {"exposure", offsetof(cy_state_spec, exposure), RG_PROB},
      {"value", offsetof(cy_state_spec, value), RG_POS},
      {"dwell", offsetof(cy_state_spec, dwell), RG_NONNEG},
      {"attribution_delay", offsetof(cy_state_spec, attribution_delay),
       RG_NONNEG},
      {"relaxation", offsetof(cy_state_spec, relaxation), RG_POS},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if ((rc =
             getf(r, g, f[i].k, (double *)((char *)st + f[i].off), f[i].range)))
      return rc;
  const config_setting_t *a = config_setting_get_member(g, "attack");
  if (a) {
    if ((rc = check_keys(r, a, &s_attack)) ||
        (rc = policy(r, a, CY_POLICY_ATTACK, "attack", st->attack.policy)) ||
        (rc = getf(r, a, "rate", &st->attack.rate, RG_NONNEG)))
      return rc;
    const config_setting_t *mix = config_setting_get_member(a, "mix");
    if (mix) {
      memset(st->attack.mix, 0, sizeof st->attack.mix);
      int n = config_setting_length(mix);
      if (n == 0)
        return cy_serr(r->c, mix,
                       "is empty: give each operation type's "
                       "probability");
      double sum = 0.0;
      for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(mix, (unsigned)i);
        const char *name = config_setting_name(e);
        int k = cy_scenario_optype_index(s, name);
        if (k < 0) {
          const char *cands[CY_MAX_OPTYPES];
          for (size_t j = 0; j < s->n_optypes; j++)
            cands[j] = s->optypes[j].name;
          const char *near = nearest(name, cands, s->n_optypes);
          char ids[600];
          list_ids(s, 2, ids, sizeof ids);
          if (near)
            return cy_serr(r->c, e,
                           "unknown operation type '%s' (did you mean '%s'? "
                           "operation types: %s)",
                           name, near, ids);
          return cy_serr(r->c, e,
                         "unknown operation type '%s' (operation types: %s)",
                         name, ids);
        }
        double p = 0.0;
        if ((rc = number(r, e, &p)) || (rc = check_range(r, e, p, RG_PROB)))
          return rc;
        st->attack.mix[k] = p;
        sum += p;
      }
      if (fabs(sum - 1.0) > 1e-9) {
        char t[40];
        cy_format_double(sum, t, sizeof t);
        return cy_serr(r->c, mix, "probabilities sum to %s, not 1", t);
      }
    }
  }
  const config_setting_t *p = config_setting_get_member(g, "response");
  if (p &&
      ((rc = check_keys(r, p, &s_response)) ||
       (rc = policy(r, p, CY_POLICY_RESPONSE, "response",
                    st->response.policy)) ||
       (rc = getf(r, p, "escalation", &st->response.escalation, RG_NONNEG)) ||
       (rc = getf(r, p, "delay", &st->response.delay, RG_NONNEG)) ||
       (rc = getf(r, p, "escalate", &st->response.escalate, RG_PROB))))
    return rc;
  const config_setting_t *v = config_setting_get_member(g, "review");
  if (v &&
      ((rc = check_keys(r, v, &s_review)) ||
       (rc = policy(r, v, CY_POLICY_REVIEW, "review", st->review.policy)) ||
       (rc = getf(r, v, "interval", &st->review.interval, RG_POS))))
    return rc;
  return 0;
}

static int do_states(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  const config_setting_t *l;
  int n, rc = get_list(r, root, "states", &s_state, &l, &n);
  if (rc)
    return rc;
  if (!l)
    return cy_serr(r->c, root,
                   "missing required list 'states' (%d to %d "
                   "states)",
                   CY_MIN_STATES, CY_MAX_STATES);
  if (n < CY_MIN_STATES || n > CY_MAX_STATES)
    return cy_serr(r->c, l, "has %d states; %d to %d are allowed", n,
                   CY_MIN_STATES, CY_MAX_STATES);
  if (!(s->states = calloc((size_t)n, sizeof *s->states)))
    return nomem(r);
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    if ((rc = do_state(r, g, &s->states[i])))
      return rc;
    if (cy_scenario_state_index(s, s->states[i].id) >= 0)
      return cy_serr(r->c, config_setting_get_member(g, "id"),
                     "duplicate state id '%s'", s->states[i].id);
    s->n_states = (size_t)i + 1;
  }
  return 0;
}

static int do_relations(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  size_t n = s->n_states;
  s->baseline = malloc(n * n * sizeof *s->baseline);
  /* which relation set each directed pair, to reject a second one */
  int *setby = malloc(n * n * sizeof *setby);
  int rc = 0;
  if (!s->baseline || !setby) {
    free(setby);
    return nomem(r);
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      s->baseline[i * n + j] = i == j ? 0.0 : s->default_hostility;
      setby[i * n + j] = -1;
    }
  const config_setting_t *l;
  int m;
  if ((rc = get_list(r, root, "relations", &s_relation, &l, &m)))
    goto out;
  for (int k = 0; k < m; k++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)k);
    int from = -1, to = -1;
    double h = 0.0;
    bool directed = false;
    if ((rc = require(r, g, "from", "")) || (rc = require(r, g, "to", "")) ||
        (rc = require(r, g, "hostility", "")) ||
        (rc = member_ref(r, g, "from", 0, &from)) ||
        (rc = member_ref(r, g, "to", 0, &to)) ||
        (rc = getf(r, g, "hostility", &h, RG_PROB)) ||
        (rc = getb(r, g, "directed", &directed)))
      goto out;
    if (from == to) {
      rc = cy_serr(r->c, config_setting_get_member(g, "to"),
                   "a relation needs two different states (from = to = "
                   "'%s')",
                   s->states[from].id);
      goto out;
    }
    for (int dir = 0; dir < (directed ? 1 : 2); dir++) {
      size_t a = (size_t)(dir ? to : from), b = (size_t)(dir ? from : to);
      if (setby[a * n + b] >= 0) {
        rc = cy_serr(r->c, g,
                     "hostility %s -> %s is already given by relations.[%d]",
                     s->states[a].id, s->states[b].id, setby[a * n + b]);
        goto out;
      }
      setby[a * n + b] = k;
      s->baseline[a * n + b] = h;
    }
  }
out:
  free(setby);
  return rc;
}

static int do_clause(R *r, const config_setting_t *a, const char *name,
                     const schema *sc, unsigned bit, cy_alliance_spec *al,
                     const config_setting_t **out) {
  const config_setting_t *c = config_setting_get_member(a, name);
  *out = c;
  if (!c)
    return 0;
  al->clauses |= bit;
  return check_keys(r, c, sc);
}

static int do_alliance(R *r, const config_setting_t *g, cy_alliance_spec *al) {
  cy_scenario *s = r->s;
  int rc;
  if ((rc = get_id(r, g, "id", al->id, true)) ||
      (rc = require(r, g, "members", " (2 or more state ids)")))
    return rc;
  const config_setting_t *m = config_setting_get_member(g, "members");
  int n = config_setting_length(m);
  if (n < 2)
    return cy_serr(r->c, m, "has %d member%s; an alliance needs at least 2", n,
                   n == 1 ? "" : "s");
  al->members = malloc((size_t)n * sizeof *al->members);
  if (!al->members)
    return nomem(r);
  for (int i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
    int idx;
    if ((rc = ref(r, e, 0, &idx)))
      return rc;
    /* insertion keeps members ascending and finds duplicates */
    size_t j = al->n_members;
    for (size_t k = 0; k < al->n_members; k++)
      if (al->members[k] == idx)
        return cy_serr(r->c, e, "state '%s' is listed twice",
                       s->states[idx].id);
    while (j > 0 && al->members[j - 1] > idx) {
      al->members[j] = al->members[j - 1];
      j--;
    }
    al->members[j] = idx;
    al->n_members++;
  }
  const config_setting_t *f = config_setting_get_member(g, "from");
  const config_setting_t *u = config_setting_get_member(g, "until");
  if (f && (rc = numdate(r, f, &al->from)))
    return rc;
  if (u) {
    if ((rc = numdate(r, u, &al->until)))
      return rc;
    if (!(al->until > al->from)) {
      char a[40], b[40];
      cy_format_double(al->until, a, sizeof a);
      cy_format_double(al->from, b, sizeof b);
      return cy_serr(r->c, u, "day %s is not after `from` (day %s)", a, b);
    }
  }
  const config_setting_t *c;
  if ((rc = do_clause(r, g, "nonaggression", &s_nonaggression,
                      CY_CLAUSE_NONAGGRESSION, al, &c)))
    return rc;
  if (c) {
    const char *b;
    int64_t th = al->nonaggression.threshold;
    if ((rc = getf(r, c, "compliance", &al->nonaggression.compliance,
                   RG_PROB)) ||
        (rc = getf(r, c, "displacement", &al->nonaggression.displacement,
                   RG_PROB)) ||
        (rc = geti(r, c, "threshold", &th, 1, UINT32_MAX)) ||
        (rc = getf(r, c, "window", &al->nonaggression.window, RG_POS)) ||
        (rc = gets_(r, c, "breach", &b)))
      return rc;
    al->nonaggression.threshold = (uint32_t)th;
    if (b) {
      static const char *const rules[] = {"grim", "tolerance", "never"};
      int k = -1;
      for (int i = 0; i < 3; i++)
        if (strcmp(b, rules[i]) == 0)
          k = i;
      if (k < 0)
        return cy_serr(r->c, config_setting_get_member(c, "breach"),
                       "unknown breach rule '%s' (valid: grim, tolerance, "
                       "never)",
                       b);
      al->nonaggression.breach = (cy_breach_rule)k;
    }
  }
  if ((rc = do_clause(r, g, "intel_sharing", &s_intel, CY_CLAUSE_INTEL_SHARING,
                      al, &c)))
    return rc;
  if (c && ((rc = getf(r, c, "share", &al->intel_sharing.share, RG_PROB)) ||
            (rc = getf(r, c, "boost", &al->intel_sharing.boost, RG_PROB)) ||
            (rc = getf(r, c, "ttl", &al->intel_sharing.ttl, RG_NONNEG))))
    return rc;
  if ((rc = do_clause(r, g, "mutual_defence", &s_mutual,
                      CY_CLAUSE_MUTUAL_DEFENCE, al, &c)))
    return rc;
  if (c && ((rc = getf(r, c, "solidarity", &al->mutual_defence.solidarity,
                       RG_PROB)) ||
            (rc = getb(r, c, "collective_response",
                       &al->mutual_defence.collective_response))))
    return rc;
  if ((rc = do_clause(r, g, "tech_transfer", &s_tech, CY_CLAUSE_TECH_TRANSFER,
                      al, &c)))
    return rc;
  if (c && (rc = getf(r, c, "rate", &al->tech_transfer.rate, RG_PROB)))
    return rc;
  if ((rc = do_clause(r, g, "working_group", &s_wg, CY_CLAUSE_WORKING_GROUP, al,
                      &c)))
    return rc;
  if (c &&
      ((rc = getf(r, c, "dampening", &al->working_group.dampening, RG_PROB)) ||
       (rc = getf(r, c, "collapse_hostility",
                  &al->working_group.collapse_hostility, RG_PROB))))
    return rc;
  return 0;
}

static int do_alliances(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  const config_setting_t *l;
  int n, rc = get_list(r, root, "alliances", &s_alliance, &l, &n);
  if (rc || n == 0)
    return rc;
  if (!(s->alliances = calloc((size_t)n, sizeof *s->alliances)))
    return nomem(r);
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    cy_alliance_spec *al = &s->alliances[i];
    cy_alliance_spec_defaults(al);
    /* counted before filling so that fini frees a half-built member list */
    s->n_alliances = (size_t)i + 1;
    char id[CY_ID_MAX] = "";
    if ((rc = get_id(r, g, "id", id, true)))
      return rc;
    if (cy_scenario_alliance_index(s, id) >= 0)
      return cy_serr(r->c, config_setting_get_member(g, "id"),
                     "duplicate alliance id '%s'", id);
    if ((rc = do_alliance(r, g, al)))
      return rc;
  }
  return 0;
}

static const struct {
  const char *name;
  cy_timeline_kind kind;
  const char *required[3];
  const char *optional[1];
} events[] = {
    {"sanctions", CY_TL_SANCTIONS, {"by", "on"}, {"hostility"}},
    {"indictment", CY_TL_INDICTMENT, {"by", "on"}, {"hostility"}},
    {"isolation", CY_TL_ISOLATION, {"state", "level"}, {NULL}},
    {"join", CY_TL_JOIN, {"alliance", "state"}, {NULL}},
    {"leave", CY_TL_LEAVE, {"alliance", "state"}, {NULL}},
    {"end_alliance", CY_TL_END_ALLIANCE, {"alliance"}, {NULL}},
    {"set", CY_TL_SET, {"state", "attribute", "value"}, {NULL}},
};
enum { N_EVENTS = sizeof events / sizeof events[0] };

static int attr_range(cy_state_attr a) {
  switch (a) {
  case CY_ATTR_VALUE:
  case CY_ATTR_RELAXATION:
    return RG_POS;
  case CY_ATTR_DWELL:
  case CY_ATTR_ATTRIBUTION_DELAY:
  case CY_ATTR_ATTACK_RATE:
    return RG_NONNEG;
  default:
    return RG_PROB;
  }
}

static int do_event(R *r, const config_setting_t *g, cy_timeline_spec *t) {
  cy_scenario *s = r->s;
  int rc;
  const char *ev;
  if ((rc = require(r, g, "at", " (day or ISO date)")) ||
      (rc = require(r, g, "event", "")) ||
      (rc = numdate(r, config_setting_get_member(g, "at"), &t->at)) ||
      (rc = gets_(r, g, "event", &ev)))
    return rc;
  int e = -1;
  for (int i = 0; i < N_EVENTS; i++)
    if (strcmp(ev, events[i].name) == 0)
      e = i;
  const config_setting_t *es = config_setting_get_member(g, "event");
  if (e < 0) {
    const char *cands[N_EVENTS];
    for (int i = 0; i < N_EVENTS; i++)
      cands[i] = events[i].name;
    const char *near = nearest(ev, cands, N_EVENTS);
    return cy_serr(r->c, es,
                   "unknown event '%s' (%s%s%svalid: sanctions, indictment, "
                   "isolation, join, leave, end_alliance, set)",
                   ev, near ? "did you mean '" : "", near ? near : "",
                   near ? "'? " : "");
  }
  t->kind = events[e].kind;
  t->by = t->on = t->state = t->alliance = -1;
  t->hostility = 0.1;
  /* keys other events use would be silently ignored here: refuse them */
  int n = config_setting_length(g);
  for (int i = 0; i < n; i++) {
    const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
    const char *k = config_setting_name(m);
    bool ok = strcmp(k, "at") == 0 || strcmp(k, "event") == 0;
    for (int j = 0; j < 3 && !ok; j++)
      ok = events[e].required[j] && strcmp(k, events[e].required[j]) == 0;
    ok = ok || (events[e].optional[0] && strcmp(k, events[e].optional[0]) == 0);
    if (!ok) {
      char allowed[200];
      int len = snprintf(allowed, sizeof allowed, "at, event");
      for (int j = 0; j < 3 && events[e].required[j]; j++)
        len += snprintf(allowed + len, sizeof allowed - (size_t)len, ", %s",
                        events[e].required[j]);
      if (events[e].optional[0])
        snprintf(allowed + len, sizeof allowed - (size_t)len, ", %s",
                 events[e].optional[0]);
      return cy_serr(r->c, m, "key '%s' is not used by event '%s' (keys: %s)",
                     k, ev, allowed);
    }
  }
  for (int j = 0; j < 3 && events[e].required[j]; j++) {
    char why[80];
    snprintf(why, sizeof why, " for event '%s'", ev);
    if ((rc = require(r, g, events[e].required[j], why)))
      return rc;
  }
  if ((rc = member_ref(r, g, "by", 0, &t->by)) ||
      (rc = member_ref(r, g, "on", 0, &t->on)) ||
      (rc = member_ref(r, g, "state", 0, &t->state)) ||
      (rc = member_ref(r, g, "alliance", 1, &t->alliance)) ||
      (rc = getf(r, g, "hostility", &t->hostility, RG_PROB)) ||
      (rc = getf(r, g, "level", &t->level, RG_PROB)))
    return rc;
  if ((t->kind == CY_TL_SANCTIONS || t->kind == CY_TL_INDICTMENT) &&
      t->by == t->on)
    return cy_serr(r->c, config_setting_get_member(g, "on"),
                   "'by' and 'on' are the same state '%s'",
                   s->states[t->by].id);
  if (t->kind == CY_TL_SET) {
    const char *an;
    if ((rc = gets_(r, g, "attribute", &an)))
      return rc;
    int a = -1;
    for (int i = 0; i < CY_ATTR_COUNT; i++)
      if (strcmp(an, cy_state_attr_names[i]) == 0)
        a = i;
    if (a < 0) {
      char valid[400];
      int len = 0;
      for (int i = 0; i < CY_ATTR_COUNT; i++)
        len += snprintf(valid + len, sizeof valid - (size_t)len, "%s%s",
                        i ? ", " : "", cy_state_attr_names[i]);
      const char *near = nearest(an, cy_state_attr_names, CY_ATTR_COUNT);
      return cy_serr(r->c, config_setting_get_member(g, "attribute"),
                     "unknown state attribute '%s' (%s%s%svalid: %s)", an,
                     near ? "did you mean '" : "", near ? near : "",
                     near ? "'? " : "", valid);
    }
    t->attribute = (cy_state_attr)a;
    if ((rc = getf(r, g, "value", &t->value, attr_range(t->attribute))))
      return rc;
  }
  if (t->at >= s->horizon) {
    char a[40], h[40];
    cy_format_double(t->at, a, sizeof a);
    cy_format_double(s->horizon, h, sizeof h);
    warnf(r->c, config_setting_get_member(g, "at"),
          "day %s is not before the horizon (%s): this event never fires", a,
          h);
  }
  return 0;
}

static int cmp_at(const void *a, const void *b) {
  const cy_timeline_spec *x = a, *y = b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return 0;
}

static int do_timeline(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  const config_setting_t *l;
  int n, rc = get_list(r, root, "timeline", &s_timeline, &l, &n);
  if (rc || n == 0)
    return rc;
  if (!(s->timeline = calloc((size_t)n, sizeof *s->timeline)))
    return nomem(r);
  for (int i = 0; i < n; i++) {
    if ((rc = do_event(r, config_setting_get_elem(l, (unsigned)i),
                       &s->timeline[i])))
      return rc;
    s->n_timeline = (size_t)i + 1;
  }
  /* stable: insertion sort (qsort is not), timelines are short */
  for (size_t i = 1; i < s->n_timeline; i++) {
    cy_timeline_spec t = s->timeline[i];
    size_t j = i;
    while (j > 0 && cmp_at(&s->timeline[j - 1], &t) > 0) {
      s->timeline[j] = s->timeline[j - 1];
      j--;
    }
    s->timeline[j] = t;
  }
  return 0;
}

static int do_output(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  s->output.timeseries = s->n_states <= 16;
  const config_setting_t *g = config_setting_get_member(root, "output");
  if (!g)
    return 0;
  int rc;
  if ((rc = check_keys(r, g, &s_output)) ||
      (rc = getf(r, g, "bin", &s->output.bin, RG_POS)) ||
      (rc = getb(r, g, "timeseries", &s->output.timeseries)) ||
      (rc = getb(r, g, "event_log", &s->output.event_log)))
    return rc;
  return 0;
}

/* Bin counts and indices are integers: refuse a horizon / bin that no
 * integer of the output can hold (this is a hard limit; the much lower cap
 * on bins that catches typos is cy_study_check_work()'s). */
static int check_bins(R *r, const config_setting_t *root) {
  cy_scenario *s = r->s;
  if (!s->output.timeseries)
    return 0;
  double q = ceil(s->horizon / s->output.bin);
  if (q <= (double)CY_MAX_BINS)
    return 0;
  const config_setting_t *o = config_setting_get_member(root, "output");
  const config_setting_t *b = o ? config_setting_get_member(o, "bin") : NULL;
  const config_setting_t *h = config_setting_get_member(
      config_setting_get_member(root, "scenario"), "horizon");
  char ht[40], bt[40], qt[40];
  cy_format_double(s->horizon, ht, sizeof ht);
  cy_format_double(s->output.bin, bt, sizeof bt);
  snprintf(qt, sizeof qt, "%.3g", q);
  return cy_serr(r->c, b && s->horizon <= 36525.0 ? b : h,
                 "%s days in bins of %s days are %s time bins; at most %d can "
                 "be written (use a larger output.bin, or output.timeseries "
                 "= false)",
                 ht, bt, qt, (int)CY_MAX_BINS);
}

int cy_resolve(const config_t *cfg, const cy_rctx *c, cy_scenario *out) {
  R r = {c, out, false, 0};
  cy_scenario_init(out);
  cy_scenario_defaults(out);
  const config_setting_t *root = config_root_setting(cfg);
  int rc = check_keys(&r, root, &s_root);
  const config_setting_t *sw = config_setting_get_member(root, "sweep");
  if (!rc && sw)
    rc = check_list(&r, sw, &s_sweep);
  if (!rc)
    rc = do_scenario(&r, root);
  if (!rc)
    rc = do_optypes(&r, root);
  if (!rc)
    rc = do_states(&r, root);
  if (!rc)
    rc = do_relations(&r, root);
  if (!rc)
    rc = do_alliances(&r, root);
  if (!rc)
    rc = do_timeline(&r, root);
  if (!rc)
    rc = do_output(&r, root);
  if (!rc)
    rc = check_bins(&r, root);
  if (rc)
    cy_scenario_fini(out);
  return rc;
}
