/* resolve.c: a libconfig tree -> one validated cy_scenario.
 *
 * Every key of MODEL.md §8 is described once in the schema tables below;
 * the same tables reject unknown keys (with a "did you mean" from the edit
 * distance) and tell --set and the sweep what type a path holds.  The
 * resolver reads each setting by its libconfig type itself instead of using
 * config_setting_lookup_*: those silently return 0 (or truncate) when the
 * type differs, which is exactly the silent change of a study we refuse.
 *
 * A sweep point is resolved from the same tree as the base: every value is
 * read through cy__setting_value(), which gives the point's value for a
 * swept setting.  The tree is only read, so points resolve in parallel. */
#include "scenario_impl.h"

#include "cysim/cy_format.h"
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
  const char *name; /* NULL: a run of keys named by `names` */
  cy_kind kind;
  const struct schema *sub; /* GROUP: its keys; LIST: its elements' keys */
  /* A run of n_names keys of this kind, named by a table of the model in
   * its order: a state's attributes are cy_state_attr_names. */
  const char *const *names;
  size_t n_names;
  cy_kind elem; /* ARRAY: its elements' kind */
} key;

typedef struct schema {
  const key *keys;
  size_t n;
  bool free_keys; /* attack.mix: any name (checked against optypes), FLOAT */
} schema;

/* One key of a schema with its runs expanded. */
typedef struct key_view {
  const char *name;
  cy_kind kind;
  const struct schema *sub;
  cy_kind elem;
} key_view;

/* A key, a key with sub-keys, an array of elements of a kind, a run of
 * keys named by a table. */
#define KEY(name, kind)                                                        \
  { name, kind, NULL, NULL, 0, CY_K_GROUP }
#define SUB(name, kind, sub)                                                   \
  { name, kind, &sub, NULL, 0, CY_K_GROUP }
#define ARRAY(name, elem)                                                      \
  { name, CY_K_ARRAY, NULL, NULL, 0, elem }
#define RUN(kind, names, n)                                                    \
  { NULL, kind, NULL, names, n, CY_K_GROUP }

#define SCHEMA(name, ...)                                                      \
  static const key name##_keys[] = {__VA_ARGS__};                              \
  static const schema name = {                                                 \
      name##_keys, sizeof name##_keys / sizeof name##_keys[0], false}

/* The clauses an alliance may have, in the order they are read: its key,
 * CY_CLAUSE_* bit, schema and reader (read_<key> below). */
#define ALLIANCE_CLAUSES(X)                                                    \
  X(nonaggression, CY_CLAUSE_NONAGGRESSION, s_nonaggression)                   \
  X(intel_sharing, CY_CLAUSE_INTEL_SHARING, s_intel)                           \
  X(mutual_defence, CY_CLAUSE_MUTUAL_DEFENCE, s_mutual)                        \
  X(tech_transfer, CY_CLAUSE_TECH_TRANSFER, s_tech)                            \
  X(working_group, CY_CLAUSE_WORKING_GROUP, s_wg)
#define CLAUSE_KEY(name, bit, sc) SUB(#name, CY_K_GROUP, sc),

/* A state's attributes are its own keys, except attack.rate (the last),
 * which is in its attack group. */
_Static_assert(CY_ATTR_ATTACK_RATE == CY_ATTR_COUNT - 1,
               "attack.rate is the one state attribute outside the state");

SCHEMA(s_scenario, KEY("name", CY_K_STRING), KEY("start", CY_K_STRING),
       KEY("horizon", CY_K_FLOAT), KEY("replications", CY_K_INT),
       KEY("seed", CY_K_INT), KEY("decisiveness", CY_K_FLOAT),
       KEY("damage_shape", CY_K_FLOAT), KEY("warmup", CY_K_FLOAT));
SCHEMA(s_defaults, KEY("hostility", CY_K_FLOAT));
SCHEMA(s_optype, KEY("name", CY_K_STRING), KEY("damage", CY_K_FLOAT),
       KEY("difficulty", CY_K_FLOAT), KEY("severity", CY_K_FLOAT));
static const schema s_mix = {NULL, 0, true};
SCHEMA(s_attack, KEY("policy", CY_K_STRING), KEY("rate", CY_K_FLOAT),
       SUB("mix", CY_K_GROUP, s_mix), KEY("deterrence", CY_K_FLOAT),
       KEY("deterrence_memory", CY_K_FLOAT));
SCHEMA(s_response, KEY("policy", CY_K_STRING), KEY("escalation", CY_K_FLOAT),
       KEY("delay", CY_K_FLOAT), KEY("escalate", CY_K_FLOAT));
SCHEMA(s_review, KEY("policy", CY_K_STRING), KEY("interval", CY_K_FLOAT));
SCHEMA(s_state, KEY("id", CY_K_STRING),
       RUN(CY_K_FLOAT, cy_state_attr_names, CY_ATTR_ATTACK_RATE),
       SUB("attack", CY_K_GROUP, s_attack),
       SUB("response", CY_K_GROUP, s_response),
       SUB("review", CY_K_GROUP, s_review));
SCHEMA(s_relation, KEY("from", CY_K_STRING), KEY("to", CY_K_STRING),
       KEY("hostility", CY_K_FLOAT), KEY("directed", CY_K_BOOL));
SCHEMA(s_nonaggression, KEY("compliance", CY_K_FLOAT),
       KEY("displacement", CY_K_FLOAT), KEY("breach", CY_K_STRING),
       KEY("threshold", CY_K_INT), KEY("window", CY_K_FLOAT));
SCHEMA(s_intel, KEY("share", CY_K_FLOAT), KEY("boost", CY_K_FLOAT),
       KEY("ttl", CY_K_FLOAT));
SCHEMA(s_mutual, KEY("solidarity", CY_K_FLOAT),
       KEY("collective_response", CY_K_BOOL));
SCHEMA(s_tech, KEY("rate", CY_K_FLOAT));
SCHEMA(s_wg, KEY("dampening", CY_K_FLOAT),
       KEY("collapse_hostility", CY_K_FLOAT));
SCHEMA(s_alliance, KEY("id", CY_K_STRING), ARRAY("members", CY_K_STRING),
       KEY("from", CY_K_NUMDATE), KEY("until", CY_K_NUMDATE),
       KEY("enabled", CY_K_BOOL), ALLIANCE_CLAUSES(CLAUSE_KEY));
SCHEMA(s_timeline, KEY("at", CY_K_NUMDATE), KEY("event", CY_K_STRING),
       KEY("by", CY_K_STRING), KEY("on", CY_K_STRING),
       KEY("hostility", CY_K_FLOAT), KEY("state", CY_K_STRING),
       KEY("level", CY_K_FLOAT), KEY("alliance", CY_K_STRING),
       KEY("attribute", CY_K_STRING), KEY("value", CY_K_FLOAT));
SCHEMA(s_output, KEY("bin", CY_K_FLOAT), KEY("timeseries", CY_K_BOOL),
       KEY("event_log", CY_K_BOOL));
/* from/to are FLOAT here only for key checking: the sweep reads them by
 * the swept setting's type. */
SCHEMA(s_sweep, KEY("path", CY_K_STRING), ARRAY("values", CY_K_SCALAR),
       KEY("from", CY_K_FLOAT), KEY("to", CY_K_FLOAT), KEY("steps", CY_K_INT),
       KEY("zip", CY_K_STRING), KEY("name", CY_K_STRING),
       KEY("scale", CY_K_STRING));
/* The study design (design.c reads it). */
SCHEMA(s_design, KEY("method", CY_K_STRING), KEY("samples", CY_K_INT),
       KEY("seed", CY_K_INT));
SCHEMA(s_root, SUB("scenario", CY_K_GROUP, s_scenario),
       SUB("defaults", CY_K_GROUP, s_defaults),
       SUB("optypes", CY_K_LIST, s_optype), SUB("states", CY_K_LIST, s_state),
       SUB("relations", CY_K_LIST, s_relation),
       SUB("alliances", CY_K_LIST, s_alliance),
       SUB("timeline", CY_K_LIST, s_timeline),
       SUB("output", CY_K_GROUP, s_output), SUB("sweep", CY_K_LIST, s_sweep),
       SUB("design", CY_K_GROUP, s_design));

/* Keys of sc, runs expanded. */
static size_t schema_count(const schema *sc) {
  size_t n = 0;
  for (size_t i = 0; i < sc->n; i++)
    n += sc->keys[i].name ? 1 : sc->keys[i].n_names;
  return n;
}

/* The i-th key of sc (i < schema_count(sc)), runs expanded. */
static key_view schema_at(const schema *sc, size_t i) {
  for (size_t k = 0; k < sc->n; k++) {
    const key *ky = &sc->keys[k];
    size_t run = ky->name ? 1 : ky->n_names;
    if (i < run)
      return (key_view){ky->name ? ky->name : ky->names[i], ky->kind, ky->sub,
                        ky->elem};
    i -= run;
  }
  return (key_view){NULL, CY_K_GROUP, NULL, CY_K_GROUP};
}

static bool schema_find(const schema *sc, const char *name, key_view *out) {
  size_t n = schema_count(sc);
  for (size_t i = 0; i < n; i++) {
    *out = schema_at(sc, i);
    if (strcmp(out->name, name) == 0)
      return true;
  }
  return false;
}

static void join_names(const schema *sc, char *buf, size_t n) {
  size_t len = 0, count = schema_count(sc);
  buf[0] = '\0';
  for (size_t i = 0; i < count && len + 1 < n; i++) {
    int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                     schema_at(sc, i).name);
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

/* Where cy__schema_kind() is: the kind of the path so far, the schema of
 * a group (or of a list's elements), an array's elements' kind. */
typedef struct schema_pos {
  cy_kind kind;
  const schema *sc;
  cy_kind elem;
} schema_pos;

/* An element of a list or array: [N], or [ID] in a list of groups with an
 * `id` key. */
static bool schema_elem(const char *comp, schema_pos *at) {
  long idx;
  key_view k;
  if (cy__path_index(comp, &idx)) {
    if (idx < 0 || (at->kind != CY_K_LIST && at->kind != CY_K_ARRAY))
      return false;
  } else if (at->kind != CY_K_LIST || !at->sc || strlen(comp) < 3 ||
             !schema_find(at->sc, "id", &k)) {
    return false;
  }
  if (at->kind == CY_K_ARRAY)
    *at = (schema_pos){at->elem, NULL, CY_K_GROUP};
  else
    at->kind = CY_K_GROUP; /* the list's element, a group of at->sc */
  return true;
}

/* One step of cy__schema_kind() into the path component comp, or false
 * when comp cannot follow where *at is. */
static bool schema_step(const char *comp, schema_pos *at, char *valid_names,
                        size_t n_valid) {
  if (comp[0] == '[')
    return schema_elem(comp, at);
  if (at->kind != CY_K_GROUP || !at->sc)
    return false;
  if (at->sc->free_keys) {
    *at = (schema_pos){CY_K_FLOAT, NULL, CY_K_GROUP};
    return true;
  }
  key_view k;
  if (!schema_find(at->sc, comp, &k)) {
    if (valid_names)
      join_names(at->sc, valid_names, n_valid);
    return false;
  }
  *at = (schema_pos){k.kind, k.sub, k.elem};
  return true;
}

int cy__schema_kind(const char *path, cy_kind *kind, size_t *bad,
                    char *valid_names, size_t n_valid) {
  schema_pos at = {CY_K_GROUP, &s_root, CY_K_GROUP};
  const char *p = path, *comp_at = path;
  char comp[128];
  int r;
  if (valid_names && n_valid)
    valid_names[0] = '\0';
  while ((r = cy__path_next(&p, comp, sizeof comp)) > 0 &&
         schema_step(comp, &at, valid_names, n_valid))
    comp_at = p;
  if (r != 0) {
    *bad = (size_t)(comp_at - path);
    return -1;
  }
  *kind = at.kind;
  return 0;
}

/* ----------------------------------------------------------- utilities */

size_t cy__edit_distance(const char *a, const char *b) {
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
    size_t d = cy__edit_distance(word, cands[i]);
    if (d < bestd) {
      bestd = d;
      best = cands[i];
    }
  }
  size_t len = strlen(word), lim = len / 3 > 2 ? len / 3 : 2;
  return best && bestd <= lim && bestd < len ? best : NULL;
}

/* "a, b, c" from n names, into buf. */
static void join_list(const char *const *names, size_t n, char *buf,
                      size_t size) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && len + 1 < size; i++) {
    int w = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

void cy__setting_path(const config_setting_t *s, char *buf, size_t n) {
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

/* The override of s itself or of the nearest of its parents, or NULL. */
static const cy_override *override_of(const cy_resolve_ctx *ctx,
                                      const config_setting_t *s) {
  for (const config_setting_t *p = s; p; p = config_setting_parent(p))
    for (size_t i = 0; i < ctx->n_overrides; i++)
      if (ctx->overrides[i].setting == p)
        return &ctx->overrides[i];
  return NULL;
}

void cy__setting_where(const cy_resolve_ctx *ctx, const config_setting_t *s,
                       char *buf, size_t n) {
  const cy_srcmap *map = ctx->map;
  for (const config_setting_t *p = s; p; p = config_setting_parent(p)) {
    for (size_t i = 0; i < ctx->n_overrides; i++)
      if (ctx->overrides[i].setting == p) {
        snprintf(buf, n, "%s", ctx->overrides[i].where);
        return;
      }
    unsigned line = config_setting_source_line(p);
    if (line > 0 && map && line <= map->n_lines) {
      snprintf(buf, n, "%s:%d", map->files[map->line_file[line - 1]],
               map->line_no[line - 1]);
      return;
    }
  }
  snprintf(buf, n, "%s", map && map->n_files ? map->files[0] : "?");
}

const char *cy__setting_note(const cy_resolve_ctx *ctx,
                             const config_setting_t *s) {
  const cy_override *o = override_of(ctx, s);
  return o ? o->note : "";
}

cy_value cy__setting_value(const cy_resolve_ctx *ctx,
                           const config_setting_t *s) {
  for (size_t i = 0; i < ctx->n_overrides; i++)
    if (ctx->overrides[i].setting == s && ctx->overrides[i].has_value)
      return ctx->overrides[i].value;
  cy_value v = {config_setting_type(s), 0, 0.0, NULL};
  switch (v.type) {
  case CONFIG_TYPE_INT:
    v.i = config_setting_get_int(s);
    break;
  case CONFIG_TYPE_INT64:
    v.i = config_setting_get_int64(s);
    break;
  case CONFIG_TYPE_FLOAT:
    v.f = config_setting_get_float(s);
    break;
  case CONFIG_TYPE_BOOL:
    v.i = config_setting_get_bool(s) != 0;
    break;
  case CONFIG_TYPE_STRING:
    v.s = config_setting_get_string(s);
    break;
  }
  return v;
}

int cy__setting_error(const cy_resolve_ctx *ctx, const config_setting_t *s,
                      const char *fmt, ...) {
  char where[400], path[300], msg[600];
  cy__setting_where(ctx, s, where, sizeof where);
  cy__setting_path(s, path, sizeof path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *note = cy__setting_note(ctx, s);
  if (!*note)
    note = ctx->note ? ctx->note : "";
  return cy_error_set(ctx->err, CY_EINPUT, "%s: %s%s%s%s", where, path,
                      *path ? ": " : "", msg, note);
}

static void warnf(const cy_resolve_ctx *ctx, const config_setting_t *s,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warnf(const cy_resolve_ctx *ctx, const config_setting_t *s,
                  const char *fmt, ...) {
  if (!ctx->warn)
    return;
  char where[400], path[300], msg[600], all[1400];
  cy__setting_where(ctx, s, where, sizeof where);
  cy__setting_path(s, path, sizeof path);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* no sweep-point note: the same warning at every point is said once */
  snprintf(all, sizeof all, "%s: %s: %s", where, path, msg);
  ctx->warn(ctx->warn_arg, all);
}

/* ------------------------------------------------------------- readers */

/* One resolution in progress: the tree is read through ctx into out. */
typedef struct resolver {
  const cy_resolve_ctx *ctx;
  cy_scenario *out;
  bool has_start;  /* scenario.start is given: dates are allowed */
  long start_days; /* its day number */
} resolver;

/* The ranges a number may be required to be in. */
typedef enum range {
  RANGE_ANY,
  RANGE_PROB,   /* [0, 1] */
  RANGE_NONNEG, /* >= 0 */
  RANGE_POS,    /* > 0 */
} range;

static cy_value value_of(const resolver *rv, const config_setting_t *s) {
  return cy__setting_value(rv->ctx, s);
}

/* "the string \"x\"", "a group", ... for type errors. */
static void describe(const resolver *rv, const config_setting_t *s, char *buf,
                     size_t n) {
  cy_value v = value_of(rv, s);
  switch (v.type) {
  case CONFIG_TYPE_INT:
    snprintf(buf, n, "%d", (int)v.i);
    break;
  case CONFIG_TYPE_INT64:
    snprintf(buf, n, "%lldL", (long long)v.i);
    break;
  case CONFIG_TYPE_FLOAT:
    cy_format_double(v.f, buf, n);
    break;
  case CONFIG_TYPE_STRING:
    snprintf(buf, n, "the string \"%s\"", v.s);
    break;
  case CONFIG_TYPE_BOOL:
    snprintf(buf, n, "%s", v.i ? "true" : "false");
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

static int wrong_type(const resolver *rv, const config_setting_t *s,
                      const char *what) {
  char d[160];
  describe(rv, s, d, sizeof d);
  return cy__setting_error(rv->ctx, s, "expected %s, got %s", what, d);
}

static int expect_type(const resolver *rv, const config_setting_t *s, int type,
                       const char *what) {
  if (value_of(rv, s).type == type)
    return 0;
  return wrong_type(rv, s, what);
}

static int number(const resolver *rv, const config_setting_t *s, double *out) {
  cy_value v = value_of(rv, s);
  switch (v.type) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    *out = (double)v.i;
    return 0;
  case CONFIG_TYPE_FLOAT:
    *out = v.f;
    return 0;
  default:
    return wrong_type(rv, s, "a number");
  }
}

static int check_range(const resolver *rv, const config_setting_t *s, double v,
                       range rg) {
  char t[40];
  cy_format_double(v, t, sizeof t);
  if (!isfinite(v))
    return cy__setting_error(rv->ctx, s, "%s is not a finite number", t);
  switch (rg) {
  case RANGE_PROB:
    if (v < 0.0 || v > 1.0)
      return cy__setting_error(rv->ctx, s, "%s is outside [0, 1]", t);
    break;
  case RANGE_NONNEG:
    if (v < 0.0)
      return cy__setting_error(rv->ctx, s, "%s must be >= 0", t);
    break;
  case RANGE_POS:
    if (!(v > 0.0))
      return cy__setting_error(rv->ctx, s, "%s must be > 0", t);
    break;
  case RANGE_ANY:
    break;
  }
  return 0;
}

/* The member_* readers read the optional member k of group g into *out and
 * leave *out alone when g has no such member. */

static int member_float(const resolver *rv, const config_setting_t *g,
                        const char *k, double *out, range rg) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  double v = 0.0;
  int rc = number(rv, s, &v);
  if (rc)
    return rc;
  if ((rc = check_range(rv, s, v, rg)))
    return rc;
  *out = v;
  return 0;
}

static int integer(const resolver *rv, const config_setting_t *s,
                   int64_t *out) {
  cy_value v = value_of(rv, s);
  if (v.type != CONFIG_TYPE_INT && v.type != CONFIG_TYPE_INT64)
    return wrong_type(rv, s, "an integer");
  *out = v.i;
  return 0;
}

static int member_int(const resolver *rv, const config_setting_t *g,
                      const char *k, int64_t *out, int64_t lo, int64_t hi) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  int64_t v = 0;
  int rc = integer(rv, s, &v);
  if (rc)
    return rc;
  if (v < lo || v > hi)
    return cy__setting_error(
        rv->ctx, s, "%" PRId64 " is outside [%" PRId64 ", %" PRId64 "]", v, lo,
        hi);
  *out = v;
  return 0;
}

static int member_bool(const resolver *rv, const config_setting_t *g,
                       const char *k, bool *out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  int rc = expect_type(rv, s, CONFIG_TYPE_BOOL, "true or false");
  if (rc)
    return rc;
  *out = value_of(rv, s).i != 0;
  return 0;
}

/* Here *out is NULL when g has no member k. */
static int member_string(const resolver *rv, const config_setting_t *g,
                         const char *k, const char **out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  *out = NULL;
  if (!s)
    return 0;
  int rc = expect_type(rv, s, CONFIG_TYPE_STRING, "a string");
  if (rc)
    return rc;
  *out = value_of(rv, s).s;
  return 0;
}

static int require(const resolver *rv, const config_setting_t *g, const char *k,
                   const char *why) {
  if (config_setting_get_member(g, k))
    return 0;
  return cy__setting_error(rv->ctx, g, "missing required key '%s'%s", k, why);
}

/* An id or name: non-empty, fits CY_ID_MAX. */
static int member_id(const resolver *rv, const config_setting_t *g,
                     const char *k, char *dst, bool required) {
  const char *v;
  int rc;
  if (required && (rc = require(rv, g, k, "")))
    return rc;
  if ((rc = member_string(rv, g, k, &v)))
    return rc;
  if (!v)
    return 0;
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!*v)
    return cy__setting_error(rv->ctx, s, "must not be empty");
  if (strlen(v) >= CY_ID_MAX)
    return cy__setting_error(rv->ctx, s,
                             "\"%.40s...\" is longer than %d characters", v,
                             CY_ID_MAX - 1);
  strcpy(dst, v);
  return 0;
}

static int unknown_key(const resolver *rv, const config_setting_t *m,
                       const schema *sc) {
  const char *name = config_setting_name(m);
  const char *cands[32];
  size_t n = schema_count(sc);
  if (n > 32)
    n = 32;
  for (size_t j = 0; j < n; j++)
    cands[j] = schema_at(sc, j).name;
  const char *near = nearest(name, cands, n);
  char valid[400];
  join_names(sc, valid, sizeof valid);
  if (near)
    return cy__setting_error(
        rv->ctx, m, "unknown key '%s' (did you mean '%s'?)", name, near);
  return cy__setting_error(rv->ctx, m, "unknown key '%s' (valid keys: %s)",
                           name, valid);
}

/* Member m has the aggregate kind (or is the single value) key k says. */
static int check_kind(const resolver *rv, const config_setting_t *m,
                      cy_kind k) {
  int type = value_of(rv, m).type;
  if (k == CY_K_GROUP)
    return expect_type(rv, m, CONFIG_TYPE_GROUP, "a group { ... }");
  if (k == CY_K_LIST && type != CONFIG_TYPE_LIST)
    return expect_type(rv, m, CONFIG_TYPE_LIST, "a list ( { ... }, ... )");
  if (k == CY_K_ARRAY && type != CONFIG_TYPE_LIST)
    return expect_type(rv, m, CONFIG_TYPE_ARRAY, "an array [ ... ]");
  if (k != CY_K_LIST && k != CY_K_ARRAY && config_setting_is_aggregate(m))
    return wrong_type(rv, m, "a single value");
  return 0;
}

/* Unknown keys, and the right aggregate kind for known ones. */
static int check_keys(const resolver *rv, const config_setting_t *g,
                      const schema *sc) {
  int n = config_setting_length(g);
  for (int i = 0; i < n; i++) {
    const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
    key_view k;
    if (!schema_find(sc, config_setting_name(m), &k))
      return unknown_key(rv, m, sc);
    int rc = check_kind(rv, m, k.kind);
    if (rc)
      return rc;
  }
  return 0;
}

/* A list whose every element is a group with the keys of sc. */
static int check_list(const resolver *rv, const config_setting_t *l,
                      const schema *sc) {
  int n = config_setting_length(l);
  for (int i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
    int rc = expect_type(rv, e, CONFIG_TYPE_GROUP, "a group { ... }");
    if (rc || (rc = check_keys(rv, e, sc)))
      return rc;
  }
  return 0;
}

/* The list root.key, checked by check_list, and its length: *l is NULL and
 * *n 0 when the file has no such list (each caller decides if that is an
 * error). */
static int get_list(const resolver *rv, const config_setting_t *root,
                    const char *key, const schema *sc,
                    const config_setting_t **l, int *n) {
  *l = config_setting_get_member(root, key);
  *n = 0;
  if (!*l)
    return 0;
  int rc = check_list(rv, *l, sc);
  if (!rc)
    *n = config_setting_length(*l);
  return rc;
}

static int nomem(const resolver *rv) {
  return cy_error_set(rv->ctx->err, CY_ENOMEM, "out of memory");
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
/* Days may go back to the start of the warm-up, -scenario.warmup (§10.2). */
static int before_start(const resolver *rv, const config_setting_t *s,
                        double day) {
  if (!(day >= -rv->out->warmup)) {
    char t[40], w[40];
    cy_format_double(day, t, sizeof t);
    cy_format_double(-rv->out->warmup, w, sizeof w);
    return cy__setting_error(
        rv->ctx, s, "day %s is before the run starts (day %s%s)", t, w,
        rv->out->warmup > 0 ? ", the start of the warm-up" : "");
  }
  return 0;
}

static int numdate(const resolver *rv, const config_setting_t *s, double *out) {
  cy_value v = value_of(rv, s);
  if (v.type == CONFIG_TYPE_STRING) {
    long d;
    if (cy_date_parse(v.s, &d) != 0)
      return cy__setting_error(rv->ctx, s,
                               "\"%s\" is not an ISO date (YYYY-MM-DD)", v.s);
    if (!rv->has_start)
      return cy__setting_error(
          rv->ctx, s, "the date \"%s\" needs scenario.start (or give days)",
          v.s);
    *out = (double)(d - rv->start_days);
    if (*out < -rv->out->warmup) {
      char st[11];
      cy_date_format(rv->start_days, st);
      if (rv->out->warmup > 0)
        return cy__setting_error(rv->ctx, s,
                                 "\"%s\" is before the warm-up starts "
                                 "(scenario.start %s minus warmup)",
                                 v.s, st);
      return cy__setting_error(rv->ctx, s,
                               "\"%s\" is before scenario.start (%s)", v.s, st);
    }
    return 0;
  }
  int rc = number(rv, s, out);
  if (rc)
    return rc;
  return before_start(rv, s, *out);
}

/* ---------------------------------------------------------- references */

/* What a string may refer to by id or name. */
typedef enum ref_kind { REF_STATE, REF_ALLIANCE, REF_OPTYPE } ref_kind;

static const struct {
  const char *one, *many; /* for messages */
} ref_names[] = {
    [REF_STATE] = {"state", "states"},
    [REF_ALLIANCE] = {"alliance", "alliances"},
    [REF_OPTYPE] = {"operation type", "operation types"},
};

static size_t ref_count(const cy_scenario *s, ref_kind k) {
  switch (k) {
  case REF_STATE:
    return s->n_states;
  case REF_ALLIANCE:
    return s->n_alliances;
  case REF_OPTYPE:
    return s->n_optypes;
  }
  return 0;
}

static const char *ref_id(const cy_scenario *s, ref_kind k, size_t i) {
  switch (k) {
  case REF_STATE:
    return s->states[i].id;
  case REF_ALLIANCE:
    return s->alliances[i].id;
  case REF_OPTYPE:
    return s->optypes[i].name;
  }
  return NULL;
}

static int ref_index(const cy_scenario *s, ref_kind k, const char *id) {
  switch (k) {
  case REF_STATE:
    return cy_scenario_state_index(s, id);
  case REF_ALLIANCE:
    return cy_scenario_alliance_index(s, id);
  case REF_OPTYPE:
    return cy_scenario_optype_index(s, id);
  }
  return -1;
}

/* Lists a few ids for "unknown x" messages. */
static void list_ids(const cy_scenario *s, ref_kind k, char *buf, size_t n) {
  size_t len = 0, cnt = ref_count(s, k);
  buf[0] = '\0';
  for (size_t i = 0; i < cnt && len + 1 < n; i++) {
    int w = i >= 12 ? snprintf(buf + len, n - len, ", ...")
                    : snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                               ref_id(s, k, i));
    if (w < 0)
      break;
    len += (size_t)w;
    if (i >= 12 || len >= n)
      break;
  }
}

/* "unknown state 'x' (did you mean 'y'? states: a, b)" about setting s. */
static int unknown_ref(const resolver *rv, const config_setting_t *s,
                       ref_kind k, const char *id) {
  size_t cnt = ref_count(rv->out, k);
  const char **cands = malloc((cnt ? cnt : 1) * sizeof *cands);
  if (!cands)
    return nomem(rv);
  for (size_t j = 0; j < cnt; j++)
    cands[j] = ref_id(rv->out, k, j);
  const char *near = nearest(id, cands, cnt);
  char ids[600];
  list_ids(rv->out, k, ids, sizeof ids);
  int rc;
  if (near)
    rc = cy__setting_error(rv->ctx, s,
                           "unknown %s '%s' (did you mean '%s'? %s: %s)",
                           ref_names[k].one, id, near, ref_names[k].many, ids);
  else
    rc = cy__setting_error(rv->ctx, s, "unknown %s '%s' (%s: %s)",
                           ref_names[k].one, id, ref_names[k].many,
                           cnt ? ids : "none");
  free(cands);
  return rc;
}

/* Resolves the reference in string setting s to an index. */
static int ref(const resolver *rv, const config_setting_t *s, ref_kind k,
               int *out) {
  int rc = expect_type(rv, s, CONFIG_TYPE_STRING, "a string");
  if (rc)
    return rc;
  const char *id = value_of(rv, s).s;
  int i = ref_index(rv->out, k, id);
  if (i < 0)
    return unknown_ref(rv, s, k, id);
  *out = i;
  return 0;
}

static int member_ref(const resolver *rv, const config_setting_t *g,
                      const char *k, ref_kind kind, int *out) {
  const config_setting_t *s = config_setting_get_member(g, k);
  if (!s)
    return 0;
  return ref(rv, s, kind, out);
}

/* The `policy` member of g: a name in the model's registry of that kind
 * (`what` names the kind in messages). */
static int member_policy(const resolver *rv, const config_setting_t *g,
                         cy_policy_kind kind, const char *what, char *dst) {
  const char *v;
  int rc = member_string(rv, g, "policy", &v);
  if (rc || !v)
    return rc;
  if (cy_policy_index(kind, v) >= 0) {
    snprintf(dst, CY_ID_MAX, "%s", v);
    return 0;
  }
  const char *cands[64];
  size_t n = cy_policy_count(kind);
  if (n > 64)
    n = 64;
  for (size_t i = 0; i < n; i++)
    cands[i] = cy_policy_name(kind, i);
  char valid[400];
  join_list(cands, n, valid, sizeof valid);
  const char *near = nearest(v, cands, n);
  const config_setting_t *s = config_setting_get_member(g, "policy");
  if (near)
    return cy__setting_error(
        rv->ctx, s, "unknown %s policy '%s' (did you mean '%s'? valid: %s)",
        what, v, near, valid);
  return cy__setting_error(rv->ctx, s, "unknown %s policy '%s' (valid: %s)",
                           what, v, valid);
}

/* ------------------------------------------------------------ sections */

static int read_scenario(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  const config_setting_t *g = config_setting_get_member(root, "scenario");
  if (!g)
    return cy__setting_error(rv->ctx, root,
                             "missing required group 'scenario' (with at least "
                             "horizon)");
  int rc = check_keys(rv, g, &s_scenario);
  if (rc)
    return rc;
  if (rv->ctx->default_name)
    snprintf(s->name, sizeof s->name, "%s", rv->ctx->default_name);
  if ((rc = member_id(rv, g, "name", s->name, false)))
    return rc;
  const char *start;
  if ((rc = member_string(rv, g, "start", &start)))
    return rc;
  if (start) {
    if (cy_date_parse(start, &rv->start_days) != 0)
      return cy__setting_error(rv->ctx, config_setting_get_member(g, "start"),
                               "\"%s\" is not an ISO date (YYYY-MM-DD)", start);
    rv->has_start = true;
    snprintf(s->start, sizeof s->start, "%s", start);
  }
  if ((rc = require(rv, g, "horizon", " (days to simulate)")) ||
      (rc = member_float(rv, g, "horizon", &s->horizon, RANGE_POS)))
    return rc;
  int64_t v = s->replications;
  if ((rc = member_int(rv, g, "replications", &v, 1, UINT32_MAX)))
    return rc;
  s->replications = (uint32_t)v;
  v = s->seed;
  if ((rc = member_int(rv, g, "seed", &v, INT64_MIN, INT64_MAX)))
    return rc;
  s->seed = v;
  if ((rc =
           member_float(rv, g, "decisiveness", &s->decisiveness, RANGE_NONNEG)))
    return rc;
  /* MODEL.md §3.4: Gamma noise on damage; 0 (the default) keeps it
   * deterministic. */
  if ((rc =
           member_float(rv, g, "damage_shape", &s->damage_shape, RANGE_NONNEG)))
    return rc;
  /* §10.2: read before any day, which may then go back to -warmup. */
  if ((rc = member_float(rv, g, "warmup", &s->warmup, RANGE_NONNEG)))
    return rc;
  const config_setting_t *d = config_setting_get_member(root, "defaults");
  if (d && ((rc = check_keys(rv, d, &s_defaults)) ||
            (rc = member_float(rv, d, "hostility", &s->default_hostility,
                               RANGE_PROB))))
    return rc;
  return 0;
}

/* An optype whose name is not one of the defaults needs every number. */
static int require_optype_numbers(const resolver *rv, const config_setting_t *g,
                                  const cy_scenario *defs) {
  char why[300] = " (only ";
  size_t len = strlen(why);
  for (size_t i = 0; i < defs->n_optypes && len < sizeof why; i++)
    len += (size_t)snprintf(why + len, sizeof why - len, "%s%s",
                            i == 0                     ? ""
                            : i + 1 == defs->n_optypes ? " and "
                                                       : ", ",
                            defs->optypes[i].name);
  if (len < sizeof why)
    snprintf(why + len, sizeof why - len, " have defaults)");
  size_t n = schema_count(&s_optype);
  for (size_t k = 0; k < n; k++) {
    key_view kv = schema_at(&s_optype, k);
    int rc = kv.kind == CY_K_FLOAT ? require(rv, g, kv.name, why) : 0;
    if (rc)
      return rc;
  }
  return 0;
}

static int read_optype(resolver *rv, const config_setting_t *g, cy_optype *o,
                       const cy_scenario *defs) {
  int rc;
  memset(o, 0, sizeof *o);
  if ((rc = member_id(rv, g, "name", o->name, true)))
    return rc;
  const config_setting_t *ns = config_setting_get_member(g, "name");
  if (!valid_name(o->name))
    return cy__setting_error(
        rv->ctx, ns,
        "\"%s\" cannot be a key of attack.mix (letters, digits, _ and -, "
        "starting with a letter)",
        o->name);
  if (cy_scenario_optype_index(rv->out, o->name) >= 0)
    return cy__setting_error(rv->ctx, ns, "duplicate operation type '%s'",
                             o->name);
  int def = cy_scenario_optype_index(defs, o->name);
  if (def >= 0)
    *o = defs->optypes[def];
  else if ((rc = require_optype_numbers(rv, g, defs)))
    return rc;
  if ((rc = member_float(rv, g, "damage", &o->damage, RANGE_PROB)) ||
      (rc = member_float(rv, g, "difficulty", &o->difficulty, RANGE_NONNEG)) ||
      (rc = member_float(rv, g, "severity", &o->severity, RANGE_NONNEG)))
    return rc;
  return 0;
}

static int read_optypes(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  const config_setting_t *l;
  int n, rc = get_list(rv, root, "optypes", &s_optype, &l, &n);
  if (rc || !l)
    return rc;
  if (n < 1 || n > CY_MAX_OPTYPES)
    return cy__setting_error(rv->ctx, l,
                             "has %d operation types; 1 to %d are allowed", n,
                             CY_MAX_OPTYPES);
  cy_scenario defs;
  cy_scenario_init(&defs);
  cy_scenario_defaults(&defs);
  s->n_optypes = 0;
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    if ((rc = read_optype(rv, g, &s->optypes[i], &defs)))
      return rc;
    s->n_optypes = (size_t)i + 1;
  }
  return 0;
}

/* Where each state attribute is in cy_state_spec and the range it must be
 * in, by cy_state_attr (its name is cy_state_attr_names[attr]): a state
 * sets them, and so does a timeline `set`. */
static const struct {
  size_t offset;
  range rg;
} state_attrs[CY_ATTR_COUNT] = {
    [CY_ATTR_OFFENSE] = {offsetof(cy_state_spec, offense), RANGE_PROB},
    [CY_ATTR_DEFENSE] = {offsetof(cy_state_spec, defense), RANGE_PROB},
    [CY_ATTR_DETECTION] = {offsetof(cy_state_spec, detection), RANGE_PROB},
    [CY_ATTR_ATTRIBUTION] = {offsetof(cy_state_spec, attribution), RANGE_PROB},
    [CY_ATTR_MISATTRIBUTION] = {offsetof(cy_state_spec, misattribution),
                                RANGE_PROB},
    [CY_ATTR_EXPOSURE] = {offsetof(cy_state_spec, exposure), RANGE_PROB},
    [CY_ATTR_VALUE] = {offsetof(cy_state_spec, value), RANGE_POS},
    [CY_ATTR_DWELL] = {offsetof(cy_state_spec, dwell), RANGE_NONNEG},
    [CY_ATTR_ATTRIBUTION_DELAY] = {offsetof(cy_state_spec, attribution_delay),
                                   RANGE_NONNEG},
    [CY_ATTR_RELAXATION] = {offsetof(cy_state_spec, relaxation), RANGE_POS},
    [CY_ATTR_ATTACK_RATE] = {offsetof(cy_state_spec, attack.rate),
                             RANGE_NONNEG},
};

/* attack.mix: a probability per optype name, summing to 1. */
static int read_mix(const resolver *rv, const config_setting_t *mix,
                    cy_state_spec *st) {
  memset(st->attack.mix, 0, sizeof st->attack.mix);
  int n = config_setting_length(mix);
  if (n == 0)
    return cy__setting_error(rv->ctx, mix,
                             "is empty: give each operation type's "
                             "probability");
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(mix, (unsigned)i);
    const char *name = config_setting_name(e);
    int k = cy_scenario_optype_index(rv->out, name);
    if (k < 0)
      return unknown_ref(rv, e, REF_OPTYPE, name);
    double p = 0.0;
    int rc;
    if ((rc = number(rv, e, &p)) || (rc = check_range(rv, e, p, RANGE_PROB)))
      return rc;
    st->attack.mix[k] = p;
    sum += p;
  }
  if (fabs(sum - 1.0) > 1e-9) {
    char t[40];
    cy_format_double(sum, t, sizeof t);
    return cy__setting_error(rv->ctx, mix, "probabilities sum to %s, not 1", t);
  }
  return 0;
}

static int read_attack(const resolver *rv, const config_setting_t *a,
                       cy_state_spec *st) {
  int rc;
  if ((rc = check_keys(rv, a, &s_attack)) ||
      (rc = member_policy(rv, a, CY_POLICY_ATTACK, "attack",
                          st->attack.policy)) ||
      (rc = member_float(rv, a, "rate", &st->attack.rate,
                         state_attrs[CY_ATTR_ATTACK_RATE].rg)) ||
      (rc = member_float(rv, a, "deterrence", &st->attack.deterrence,
                         RANGE_NONNEG)) ||
      (rc = member_float(rv, a, "deterrence_memory",
                         &st->attack.deterrence_memory, RANGE_POS)))
    return rc;
  const config_setting_t *mix = config_setting_get_member(a, "mix");
  return mix ? read_mix(rv, mix, st) : 0;
}

static int read_response(const resolver *rv, const config_setting_t *p,
                         cy_state_spec *st) {
  int rc;
  if ((rc = check_keys(rv, p, &s_response)) ||
      (rc = member_policy(rv, p, CY_POLICY_RESPONSE, "response",
                          st->response.policy)) ||
      (rc = member_float(rv, p, "escalation", &st->response.escalation,
                         RANGE_NONNEG)) ||
      (rc = member_float(rv, p, "delay", &st->response.delay, RANGE_NONNEG)) ||
      (rc =
           member_float(rv, p, "escalate", &st->response.escalate, RANGE_PROB)))
    return rc;
  return 0;
}

static int read_review(const resolver *rv, const config_setting_t *v,
                       cy_state_spec *st) {
  int rc;
  if ((rc = check_keys(rv, v, &s_review)) ||
      (rc = member_policy(rv, v, CY_POLICY_REVIEW, "review",
                          st->review.policy)) ||
      (rc = member_float(rv, v, "interval", &st->review.interval, RANGE_POS)))
    return rc;
  return 0;
}

static int read_state(const resolver *rv, const config_setting_t *g,
                      cy_state_spec *st) {
  int rc;
  cy_state_spec_defaults(st);
  if ((rc = member_id(rv, g, "id", st->id, true)))
    return rc;
  for (int a = 0; a < CY_ATTR_ATTACK_RATE; a++) {
    double *field = (double *)((char *)st + state_attrs[a].offset);
    if ((rc = member_float(rv, g, cy_state_attr_names[a], field,
                           state_attrs[a].rg)))
      return rc;
  }
  const config_setting_t *a = config_setting_get_member(g, "attack");
  const config_setting_t *p = config_setting_get_member(g, "response");
  const config_setting_t *v = config_setting_get_member(g, "review");
  if ((a && (rc = read_attack(rv, a, st))) ||
      (p && (rc = read_response(rv, p, st))) ||
      (v && (rc = read_review(rv, v, st))))
    return rc;
  return 0;
}

static int read_states(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  const config_setting_t *l;
  int n, rc = get_list(rv, root, "states", &s_state, &l, &n);
  if (rc)
    return rc;
  if (!l)
    return cy__setting_error(rv->ctx, root,
                             "missing required list 'states' (%d to %d "
                             "states)",
                             CY_MIN_STATES, CY_MAX_STATES);
  if (n < CY_MIN_STATES || n > CY_MAX_STATES)
    return cy__setting_error(rv->ctx, l, "has %d states; %d to %d are allowed",
                             n, CY_MIN_STATES, CY_MAX_STATES);
  if (!(s->states = calloc((size_t)n, sizeof *s->states)))
    return nomem(rv);
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    if ((rc = read_state(rv, g, &s->states[i])))
      return rc;
    if (cy_scenario_state_index(s, s->states[i].id) >= 0)
      return cy__setting_error(rv->ctx, config_setting_get_member(g, "id"),
                               "duplicate state id '%s'", s->states[i].id);
    s->n_states = (size_t)i + 1;
  }
  return 0;
}

/* One relation: the hostility of from toward to (and back unless
 * directed); setby[i * n + j] is the relation that set pair (i, j), or -1,
 * to refuse a second one. */
static int read_relation(const resolver *rv, const config_setting_t *g, int k,
                         int *setby) {
  cy_scenario *s = rv->out;
  size_t n = s->n_states;
  int from = -1, to = -1, rc;
  double h = 0.0;
  bool directed = false;
  if ((rc = require(rv, g, "from", "")) || (rc = require(rv, g, "to", "")) ||
      (rc = require(rv, g, "hostility", "")) ||
      (rc = member_ref(rv, g, "from", REF_STATE, &from)) ||
      (rc = member_ref(rv, g, "to", REF_STATE, &to)) ||
      (rc = member_float(rv, g, "hostility", &h, RANGE_PROB)) ||
      (rc = member_bool(rv, g, "directed", &directed)))
    return rc;
  if (from == to)
    return cy__setting_error(rv->ctx, config_setting_get_member(g, "to"),
                             "a relation needs two different states (from = "
                             "to = '%s')",
                             s->states[from].id);
  for (int dir = 0; dir < (directed ? 1 : 2); dir++) {
    size_t a = (size_t)(dir ? to : from), b = (size_t)(dir ? from : to);
    if (setby[a * n + b] >= 0)
      return cy__setting_error(
          rv->ctx, g, "hostility %s -> %s is already given by relations.[%d]",
          s->states[a].id, s->states[b].id, setby[a * n + b]);
    setby[a * n + b] = k;
    s->baseline[a * n + b] = h;
  }
  return 0;
}

static int read_relations(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  size_t n = s->n_states;
  s->baseline = malloc(n * n * sizeof *s->baseline);
  int *setby = malloc(n * n * sizeof *setby);
  if (!s->baseline || !setby) {
    free(setby);
    return nomem(rv);
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      s->baseline[i * n + j] = i == j ? 0.0 : s->default_hostility;
      setby[i * n + j] = -1;
    }
  const config_setting_t *l;
  int m, rc = get_list(rv, root, "relations", &s_relation, &l, &m);
  for (int k = 0; !rc && k < m; k++)
    rc = read_relation(rv, config_setting_get_elem(l, (unsigned)k), k, setby);
  free(setby);
  return rc;
}

/* ------------------------------------------------------------ alliances */

static int read_nonaggression(const resolver *rv, const config_setting_t *c,
                              cy_alliance_spec *al) {
  const char *b;
  int64_t th = al->nonaggression.threshold;
  int rc;
  if ((rc = member_float(rv, c, "compliance", &al->nonaggression.compliance,
                         RANGE_PROB)) ||
      (rc = member_float(rv, c, "displacement", &al->nonaggression.displacement,
                         RANGE_PROB)) ||
      (rc = member_int(rv, c, "threshold", &th, 1, UINT32_MAX)) ||
      (rc = member_float(rv, c, "window", &al->nonaggression.window,
                         RANGE_POS)) ||
      (rc = member_string(rv, c, "breach", &b)))
    return rc;
  al->nonaggression.threshold = (uint32_t)th;
  if (!b)
    return 0;
  for (int i = 0; i < CY_BREACH_COUNT; i++)
    if (strcmp(b, cy_breach_rule_names[i]) == 0) {
      al->nonaggression.breach = (cy_breach_rule)i;
      return 0;
    }
  char valid[128];
  join_list(cy_breach_rule_names, CY_BREACH_COUNT, valid, sizeof valid);
  return cy__setting_error(rv->ctx, config_setting_get_member(c, "breach"),
                           "unknown breach rule '%s' (valid: %s)", b, valid);
}

static int read_intel_sharing(const resolver *rv, const config_setting_t *c,
                              cy_alliance_spec *al) {
  int rc;
  if ((rc = member_float(rv, c, "share", &al->intel_sharing.share,
                         RANGE_PROB)) ||
      (rc = member_float(rv, c, "boost", &al->intel_sharing.boost,
                         RANGE_PROB)) ||
      (rc = member_float(rv, c, "ttl", &al->intel_sharing.ttl, RANGE_NONNEG)))
    return rc;
  return 0;
}

static int read_mutual_defence(const resolver *rv, const config_setting_t *c,
                               cy_alliance_spec *al) {
  int rc;
  if ((rc = member_float(rv, c, "solidarity", &al->mutual_defence.solidarity,
                         RANGE_PROB)) ||
      (rc = member_bool(rv, c, "collective_response",
                        &al->mutual_defence.collective_response)))
    return rc;
  return 0;
}

static int read_tech_transfer(const resolver *rv, const config_setting_t *c,
                              cy_alliance_spec *al) {
  return member_float(rv, c, "rate", &al->tech_transfer.rate, RANGE_PROB);
}

static int read_working_group(const resolver *rv, const config_setting_t *c,
                              cy_alliance_spec *al) {
  int rc;
  if ((rc = member_float(rv, c, "dampening", &al->working_group.dampening,
                         RANGE_PROB)) ||
      (rc = member_float(rv, c, "collapse_hostility",
                         &al->working_group.collapse_hostility, RANGE_PROB)))
    return rc;
  return 0;
}

#define CLAUSE_ENTRY(name, bit, sc) {#name, bit, &sc, read_##name},
static const struct {
  const char *name;
  unsigned bit;
  const schema *keys;
  int (*read)(const resolver *rv, const config_setting_t *c,
              cy_alliance_spec *al);
} clauses[] = {ALLIANCE_CLAUSES(CLAUSE_ENTRY)};

/* members: two or more state ids, kept ascending. */
static int read_members(const resolver *rv, const config_setting_t *g,
                        cy_alliance_spec *al) {
  int rc = require(rv, g, "members", " (2 or more state ids)");
  if (rc)
    return rc;
  const config_setting_t *m = config_setting_get_member(g, "members");
  int n = config_setting_length(m);
  if (n < 2)
    return cy__setting_error(rv->ctx, m,
                             "has %d member%s; an alliance needs at least 2", n,
                             n == 1 ? "" : "s");
  if (!(al->members = malloc((size_t)n * sizeof *al->members)))
    return nomem(rv);
  for (int i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
    int idx = -1;
    if ((rc = ref(rv, e, REF_STATE, &idx)))
      return rc;
    /* insertion keeps members ascending and finds duplicates */
    size_t j = al->n_members;
    for (size_t k = 0; k < al->n_members; k++)
      if (al->members[k] == idx)
        return cy__setting_error(rv->ctx, e, "state '%s' is listed twice",
                                 rv->out->states[idx].id);
    while (j > 0 && al->members[j - 1] > idx) {
      al->members[j] = al->members[j - 1];
      j--;
    }
    al->members[j] = idx;
    al->n_members++;
  }
  return 0;
}

/* The activity window [from, until). */
static int read_window(const resolver *rv, const config_setting_t *g,
                       cy_alliance_spec *al) {
  int rc;
  const config_setting_t *f = config_setting_get_member(g, "from");
  const config_setting_t *u = config_setting_get_member(g, "until");
  if (f && (rc = numdate(rv, f, &al->from)))
    return rc;
  if (!u)
    return 0;
  if ((rc = numdate(rv, u, &al->until)))
    return rc;
  if (!(al->until > al->from)) {
    char a[40], b[40];
    cy_format_double(al->until, a, sizeof a);
    cy_format_double(al->from, b, sizeof b);
    return cy__setting_error(rv->ctx, u, "day %s is not after `from` (day %s)",
                             a, b);
  }
  return 0;
}

static int read_alliance(const resolver *rv, const config_setting_t *g,
                         cy_alliance_spec *al) {
  int rc;
  if ((rc = member_id(rv, g, "id", al->id, true)) ||
      (rc = read_members(rv, g, al)) || (rc = read_window(rv, g, al)) ||
      (rc = member_bool(rv, g, "enabled", &al->enabled)))
    return rc;
  for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++) {
    const config_setting_t *c = config_setting_get_member(g, clauses[i].name);
    if (!c)
      continue;
    al->clauses |= clauses[i].bit;
    if ((rc = check_keys(rv, c, clauses[i].keys)) ||
        (rc = clauses[i].read(rv, c, al)))
      return rc;
  }
  return 0;
}

static int read_alliances(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  const config_setting_t *l;
  int n, rc = get_list(rv, root, "alliances", &s_alliance, &l, &n);
  if (rc || n == 0)
    return rc;
  if (!(s->alliances = calloc((size_t)n, sizeof *s->alliances)))
    return nomem(rv);
  for (int i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    cy_alliance_spec *al = &s->alliances[i];
    cy_alliance_spec_defaults(al);
    /* counted before filling so that fini frees a half-built member list */
    s->n_alliances = (size_t)i + 1;
    char id[CY_ID_MAX] = "";
    if ((rc = member_id(rv, g, "id", id, true)))
      return rc;
    if (cy_scenario_alliance_index(s, id) >= 0)
      return cy__setting_error(rv->ctx, config_setting_get_member(g, "id"),
                               "duplicate alliance id '%s'", id);
    if ((rc = read_alliance(rv, g, al)))
      return rc;
  }
  return 0;
}

/* ------------------------------------------------------------- timeline */

/* The keys each timeline event kind takes besides `at` and `event`,
 * indexed by cy_timeline_kind (its scenario name is
 * cy_timeline_kind_names[kind]). */
static const struct {
  const char *required[3];
  const char *optional[1];
} event_keys[CY_TL_COUNT] = {
    [CY_TL_SANCTIONS] = {{"by", "on"}, {"hostility"}},
    [CY_TL_INDICTMENT] = {{"by", "on"}, {"hostility"}},
    [CY_TL_ISOLATION] = {{"state", "level"}, {NULL}},
    [CY_TL_JOIN] = {{"alliance", "state"}, {NULL}},
    [CY_TL_LEAVE] = {{"alliance", "state"}, {NULL}},
    [CY_TL_END_ALLIANCE] = {{"alliance"}, {NULL}},
    [CY_TL_SET] = {{"state", "attribute", "value"}, {NULL}},
};

/* A name from a table of n: its index, or -1 after an "unknown" error that
 * suggests the nearest and lists them all (`what`: "event", ...). */
static int named(const resolver *rv, const config_setting_t *s,
                 const char *name, const char *const *names, int n,
                 const char *what, int *rc) {
  for (int i = 0; i < n; i++)
    if (strcmp(name, names[i]) == 0)
      return i;
  char valid[400];
  join_list(names, (size_t)n, valid, sizeof valid);
  const char *near = nearest(name, names, (size_t)n);
  *rc = cy__setting_error(rv->ctx, s, "unknown %s '%s' (%s%s%svalid: %s)", what,
                          name, near ? "did you mean '" : "", near ? near : "",
                          near ? "'? " : "", valid);
  return -1;
}

static bool event_uses(cy_timeline_kind e, const char *k) {
  if (strcmp(k, "at") == 0 || strcmp(k, "event") == 0)
    return true;
  for (int j = 0; j < 3 && event_keys[e].required[j]; j++)
    if (strcmp(k, event_keys[e].required[j]) == 0)
      return true;
  return event_keys[e].optional[0] && strcmp(k, event_keys[e].optional[0]) == 0;
}

/* Keys other events use would be silently ignored: refuse them, and
 * require the event's own. */
static int check_event_keys(const resolver *rv, const config_setting_t *g,
                            cy_timeline_kind e) {
  const char *ev = cy_timeline_kind_names[e];
  int n = config_setting_length(g), rc;
  for (int i = 0; i < n; i++) {
    const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
    const char *k = config_setting_name(m);
    if (event_uses(e, k))
      continue;
    char allowed[200];
    int len = snprintf(allowed, sizeof allowed, "at, event");
    for (int j = 0; j < 3 && event_keys[e].required[j]; j++)
      len += snprintf(allowed + len, sizeof allowed - (size_t)len, ", %s",
                      event_keys[e].required[j]);
    if (event_keys[e].optional[0])
      snprintf(allowed + len, sizeof allowed - (size_t)len, ", %s",
               event_keys[e].optional[0]);
    return cy__setting_error(rv->ctx, m,
                             "key '%s' is not used by event '%s' (keys: %s)", k,
                             ev, allowed);
  }
  for (int j = 0; j < 3 && event_keys[e].required[j]; j++) {
    char why[80];
    snprintf(why, sizeof why, " for event '%s'", ev);
    if ((rc = require(rv, g, event_keys[e].required[j], why)))
      return rc;
  }
  return 0;
}

/* A `set` event: which attribute, and its new value. */
static int read_set(const resolver *rv, const config_setting_t *g,
                    cy_timeline_spec *t) {
  const char *an;
  int rc = member_string(rv, g, "attribute", &an);
  if (rc)
    return rc;
  int a = named(rv, config_setting_get_member(g, "attribute"), an,
                cy_state_attr_names, CY_ATTR_COUNT, "state attribute", &rc);
  if (a < 0)
    return rc;
  t->attribute = (cy_state_attr)a;
  return member_float(rv, g, "value", &t->value, state_attrs[a].rg);
}

static int read_event(const resolver *rv, const config_setting_t *g,
                      cy_timeline_spec *t) {
  const cy_scenario *s = rv->out;
  int rc;
  const char *ev;
  if ((rc = require(rv, g, "at", " (day or ISO date)")) ||
      (rc = require(rv, g, "event", "")) ||
      (rc = numdate(rv, config_setting_get_member(g, "at"), &t->at)) ||
      (rc = member_string(rv, g, "event", &ev)))
    return rc;
  int e = named(rv, config_setting_get_member(g, "event"), ev,
                cy_timeline_kind_names, CY_TL_COUNT, "event", &rc);
  if (e < 0)
    return rc;
  t->kind = (cy_timeline_kind)e;
  t->by = t->on = t->state = t->alliance = -1;
  t->hostility = 0.1;
  if ((rc = check_event_keys(rv, g, t->kind)) ||
      (rc = member_ref(rv, g, "by", REF_STATE, &t->by)) ||
      (rc = member_ref(rv, g, "on", REF_STATE, &t->on)) ||
      (rc = member_ref(rv, g, "state", REF_STATE, &t->state)) ||
      (rc = member_ref(rv, g, "alliance", REF_ALLIANCE, &t->alliance)) ||
      (rc = member_float(rv, g, "hostility", &t->hostility, RANGE_PROB)) ||
      (rc = member_float(rv, g, "level", &t->level, RANGE_PROB)))
    return rc;
  if ((t->kind == CY_TL_SANCTIONS || t->kind == CY_TL_INDICTMENT) &&
      t->by == t->on)
    return cy__setting_error(rv->ctx, config_setting_get_member(g, "on"),
                             "'by' and 'on' are the same state '%s'",
                             s->states[t->by].id);
  if (t->kind == CY_TL_SET && (rc = read_set(rv, g, t)))
    return rc;
  if (t->at >= s->horizon) {
    char a[40], h[40];
    cy_format_double(t->at, a, sizeof a);
    cy_format_double(s->horizon, h, sizeof h);
    warnf(rv->ctx, config_setting_get_member(g, "at"),
          "day %s is not before the horizon (%s): this event never fires", a,
          h);
  }
  return 0;
}

static int read_timeline(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  const config_setting_t *l;
  int n, rc = get_list(rv, root, "timeline", &s_timeline, &l, &n);
  if (rc || n == 0)
    return rc;
  if (!(s->timeline = calloc((size_t)n, sizeof *s->timeline)))
    return nomem(rv);
  for (int i = 0; i < n; i++) {
    if ((rc = read_event(rv, config_setting_get_elem(l, (unsigned)i),
                         &s->timeline[i])))
      return rc;
    s->n_timeline = (size_t)i + 1;
  }
  /* stable: insertion sort (qsort is not), timelines are short */
  for (size_t i = 1; i < s->n_timeline; i++) {
    cy_timeline_spec t = s->timeline[i];
    size_t j = i;
    while (j > 0 && s->timeline[j - 1].at > t.at) {
      s->timeline[j] = s->timeline[j - 1];
      j--;
    }
    s->timeline[j] = t;
  }
  return 0;
}

/* --------------------------------------------------------------- output */

static int read_output(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
  s->output.timeseries = s->n_states <= 16;
  const config_setting_t *g = config_setting_get_member(root, "output");
  if (!g)
    return 0;
  int rc;
  if ((rc = check_keys(rv, g, &s_output)) ||
      (rc = member_float(rv, g, "bin", &s->output.bin, RANGE_POS)) ||
      (rc = member_bool(rv, g, "timeseries", &s->output.timeseries)) ||
      (rc = member_bool(rv, g, "event_log", &s->output.event_log)))
    return rc;
  return 0;
}

/* Bin counts and indices are integers: refuse a horizon / bin that no
 * integer of the output can hold (this is a hard limit; the much lower cap
 * on bins that catches typos is cy_study_check_work()'s). */
static int check_bins(resolver *rv, const config_setting_t *root) {
  cy_scenario *s = rv->out;
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
  return cy__setting_error(
      rv->ctx, b && s->horizon <= CY_CENTURY_DAYS ? b : h,
      "%s days in bins of %s days are %s time bins; at most %d can be written "
      "(use a larger output.bin, or output.timeseries = false)",
      ht, bt, qt, (int)CY_MAX_BINS);
}

int cy__resolve(const config_t *cfg, const cy_resolve_ctx *ctx,
                cy_scenario *out) {
  resolver rv = {ctx, out, false, 0};
  cy_scenario_init(out);
  cy_scenario_defaults(out);
  const config_setting_t *root = config_root_setting(cfg);
  int rc = check_keys(&rv, root, &s_root);
  const config_setting_t *sw = config_setting_get_member(root, "sweep");
  if (!rc && sw)
    rc = check_list(&rv, sw, &s_sweep);
  const config_setting_t *dg = config_setting_get_member(root, "design");
  if (!rc && dg)
    rc = check_keys(&rv, dg, &s_design);
  /* In order: a section refers to the ids of the sections before it. */
  int (*const sections[])(resolver *, const config_setting_t *) = {
      read_scenario,  read_optypes,  read_states, read_relations,
      read_alliances, read_timeline, read_output, check_bins,
  };
  for (size_t i = 0; !rc && i < sizeof sections / sizeof sections[0]; i++)
    rc = sections[i](&rv, root);
  if (rc)
    cy_scenario_fini(out);
  return rc;
}
