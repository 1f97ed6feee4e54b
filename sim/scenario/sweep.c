/* sweep.c: a study's sweep axes, and the values they give each point.
 *
 * Axes vary single values the file writes; zip groups advance together as
 * one dimension of the cross product.  A point's values reach the resolver
 * as overrides carrying the value (cy__sweep_point): the tree keeps the
 * file's values, so points can be resolved in any order and in parallel. */
#include "scenario_impl.h"

#include "cysim/cy_format.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_study.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  /* Values on one sweep axis (what `steps` may ask for). */
  MAX_AXIS_VALUES = 10000000,
  MAX_POINTS = CY_STUDY_MAX_POINTS,
};

/* ------------------------------------------------------------- values */

void cy__value_text(double v, char *buf, size_t n) {
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

/* Value i of axis a as a scenario file writes it. */
static void axis_value_text(const cy_axis *a, size_t i, char *buf, size_t n) {
  switch (a->type) {
  case CY_VALUE_INT:
    snprintf(buf, n, "%" PRId64, a->ints[i]);
    break;
  case CY_VALUE_BOOL:
    snprintf(buf, n, "%s", a->ints[i] ? "true" : "false");
    break;
  case CY_VALUE_DOUBLE:
    cy__value_text(a->doubles[i], buf, n);
    break;
  case CY_VALUE_STRING:
    snprintf(buf, n, "\"%s\"", a->strings[i]);
    break;
  }
}

/* Value i of axis a as libconfig would hold it had the file written it. */
static cy_value axis_value(const cy_axis *a, size_t i) {
  cy_value v = {CONFIG_TYPE_NONE, 0, 0.0, NULL};
  switch (a->type) {
  case CY_VALUE_INT:
    v.i = a->ints[i];
    v.type = v.i >= INT32_MIN && v.i <= INT32_MAX ? CONFIG_TYPE_INT
                                                  : CONFIG_TYPE_INT64;
    break;
  case CY_VALUE_BOOL:
    v.type = CONFIG_TYPE_BOOL;
    v.i = a->ints[i] != 0;
    break;
  case CY_VALUE_DOUBLE:
    v.type = CONFIG_TYPE_FLOAT;
    v.f = a->doubles[i];
    break;
  case CY_VALUE_STRING:
    v.type = CONFIG_TYPE_STRING;
    v.s = a->strings[i];
    break;
  }
  return v;
}

/* ------------------------------------------------------ axis: setting */

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
      strncmp(canon, "design.", 7) == 0 || strcmp(last, "id") == 0 ||
      (strncmp(canon, "optypes.", 8) == 0 && strcmp(last, "name") == 0)) {
    snprintf(why, n,
             "%.200s cannot be swept (ids, names, output, sweep and design "
             "settings fix the output's layout)",
             canon);
    return false;
  }
  return true;
}

static cy_value_type axis_type(cy_kind kind, const config_setting_t *target) {
  switch (kind) {
  case CY_K_INT:
    return CY_VALUE_INT;
  case CY_K_BOOL:
    return CY_VALUE_BOOL;
  case CY_K_STRING:
    return CY_VALUE_STRING;
  case CY_K_NUMDATE:
    return config_setting_type(target) == CONFIG_TYPE_STRING ? CY_VALUE_STRING
                                                             : CY_VALUE_DOUBLE;
  default:
    return CY_VALUE_DOUBLE;
  }
}

/* The schema's kind of an axis's path: a single value. */
static int axis_kind(const cy_resolve_ctx *ctx, const config_setting_t *ps,
                     const char *path, cy_kind *kind) {
  size_t bad;
  char valid[400], hint[600];
  if (cy__schema_kind(path, kind, &bad, valid, sizeof valid) != 0) {
    cy__path_hint(path, bad, hint, sizeof hint);
    return cy__setting_error(
        ctx, ps, "\"%s\" is not a scenario setting (at '%s'%s%s%s%s)", path,
        path + bad, *valid ? "; valid keys there: " : "", valid,
        *hint ? "; " : "", hint);
  }
  if (*kind == CY_K_GROUP || *kind == CY_K_LIST || *kind == CY_K_ARRAY)
    return cy__setting_error(ctx, ps, "\"%s\" is not a single value", path);
  return 0;
}

/* The setting an axis's path names, which the file must write. */
static int axis_target(const config_t *cfg, const cy_resolve_ctx *ctx,
                       const config_setting_t *ps, const char *path,
                       const config_setting_t **target) {
  char why[600];
  if ((*target = cy__path_lookup(cfg, path, why, sizeof why)))
    return 0;
  if (*why)
    return cy__setting_error(ctx, ps, "\"%s\": %s", path, why);
  return cy__setting_error(ctx, ps,
                           "\"%s\" is not in the file (a sweep changes "
                           "settings the file gives: write it, even at its "
                           "default)",
                           path);
}

/* Axis i's `path`: a single value the file writes, sweepable and not
 * swept by an earlier axis; sets the axis's path, type and setting. */
static int axis_setting(cy_sweep *sw, const config_t *cfg,
                        const cy_resolve_ctx *ctx, const config_setting_t *g,
                        size_t i) {
  cy_axis *a = &sw->axes[i];
  const config_setting_t *ps = config_setting_get_member(g, "path");
  if (!ps)
    return cy__setting_error(ctx, g, "missing required key 'path'");
  if (config_setting_type(ps) != CONFIG_TYPE_STRING)
    return cy__setting_error(ctx, ps, "expected a string");
  const char *path = config_setting_get_string(ps);
  if (strlen(path) >= sizeof a->path)
    return cy__setting_error(ctx, ps, "path is longer than %zu characters",
                             sizeof a->path - 1);
  snprintf(a->path, sizeof a->path, "%s", path);
  cy_kind kind;
  const config_setting_t *target;
  int rc;
  if ((rc = axis_kind(ctx, ps, path, &kind)) ||
      (rc = axis_target(cfg, ctx, ps, path, &target)))
    return rc;
  if (config_setting_is_aggregate(target))
    return cy__setting_error(ctx, ps, "\"%s\" is not a single value", path);
  char canon[256], why[600];
  cy__setting_path(target, canon, sizeof canon);
  if (!sweepable(canon, why, sizeof why))
    return cy__setting_error(ctx, ps, "%s", why);
  for (size_t j = 0; j < i; j++)
    if (sw->targets[j].setting == target)
      return cy__setting_error(ctx, ps, "%s is already swept by sweep.[%zu]",
                               canon, j);
  sw->targets[i].setting = target;
  a->type = axis_type(kind, target);
  return 0;
}

/* Whether `name` is taken in the result file's groups: an axis becomes a
 * variable of /summary and /timeseries (MODEL.md §7), beside the outcome
 * fields, the writer's own datasets, the dimension scales and the /events
 * columns, which would clash with it. */
#define CY__TAKEN_FIELD(member, dataset, ...) dataset,
#define CY__TAKEN_LOG(member, ...) #member,
#define CY__TAKEN_VAR(path, ...) path,
static bool name_taken(const char *name) {
  static const char *const taken[] = {CY_OUTCOME_FIELDS(CY__TAKEN_FIELD)
                                          CY_LOG_FIELDS(CY__TAKEN_LOG)
                                              CY_FILE_VARIABLES(CY__TAKEN_VAR)};
  for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
    const char *slash = strrchr(taken[i], '/');
    if (strcmp(slash ? slash + 1 : taken[i], name) == 0)
      return true;
  }
  return false;
}
#undef CY__TAKEN_FIELD
#undef CY__TAKEN_LOG
#undef CY__TAKEN_VAR

/* Axis i's `zip` and `name` (by default its path, non-alphanumerics as
 * _), unique among the axes and not a name of the result file's groups. */
static int axis_names(cy_sweep *sw, const cy_resolve_ctx *ctx,
                      const config_setting_t *g, size_t i) {
  cy_axis *a = &sw->axes[i];
  const config_setting_t *zs = config_setting_get_member(g, "zip");
  if (zs) {
    if (config_setting_type(zs) != CONFIG_TYPE_STRING)
      return cy__setting_error(ctx, zs, "expected a string");
    const char *z = config_setting_get_string(zs);
    if (!*z || strlen(z) >= sizeof a->zip)
      return cy__setting_error(ctx, zs, "must be 1 to %zu characters",
                               sizeof a->zip - 1);
    snprintf(a->zip, sizeof a->zip, "%s", z);
  }
  const config_setting_t *ns = config_setting_get_member(g, "name");
  if (ns) {
    if (config_setting_type(ns) != CONFIG_TYPE_STRING)
      return cy__setting_error(ctx, ns, "expected a string");
    const char *nm = config_setting_get_string(ns);
    if (!*nm || strlen(nm) >= sizeof a->name || strchr(nm, '/'))
      return cy__setting_error(ctx, ns,
                               "\"%s\" must be 1 to %zu characters without '/'",
                               nm, sizeof a->name - 1);
    snprintf(a->name, sizeof a->name, "%s", nm);
  } else {
    size_t k = 0;
    for (; a->path[k] && k + 1 < sizeof a->name; k++)
      a->name[k] = isalnum((unsigned char)a->path[k]) ? a->path[k] : '_';
    a->name[k] = '\0';
  }
  if (name_taken(a->name))
    return cy__setting_error(
        ctx, ns ? ns : config_setting_get_member(g, "path"),
        "axis name '%s' is the name of a variable or dimension of the result "
        "file, where the axis becomes a coordinate (give name = \"...\")",
        a->name);
  for (size_t j = 0; j < i; j++)
    if (strcmp(sw->axes[j].name, a->name) == 0)
      return cy__setting_error(
          ctx, ns ? ns : config_setting_get_member(g, "path"),
          "axis name '%s' is already used by sweep.[%zu] (give name = "
          "\"...\")",
          a->name, j);
  return 0;
}

/* ------------------------------------------------------- axis: values */

static int nomem(const cy_resolve_ctx *ctx) {
  return cy_error_set(ctx->err, CY_ENOMEM, "out of memory");
}

/* Storage for n values of a's type. */
static int axis_alloc(cy_axis *a, size_t n, const cy_resolve_ctx *ctx) {
  a->n_values = n;
  if (a->type == CY_VALUE_STRING)
    a->strings = calloc(n, sizeof *a->strings);
  else if (a->type == CY_VALUE_DOUBLE)
    a->doubles = calloc(n, sizeof *a->doubles);
  else
    a->ints = calloc(n, sizeof *a->ints);
  return a->strings || a->doubles || a->ints ? 0 : nomem(ctx);
}

/* Element e of `values` as value i of axis a (typed by the setting). */
static int list_value(cy_axis *a, const config_setting_t *e, size_t i,
                      const cy_resolve_ctx *ctx) {
  int ty = config_setting_type(e);
  switch (a->type) {
  case CY_VALUE_INT:
    if (ty != CONFIG_TYPE_INT && ty != CONFIG_TYPE_INT64)
      return cy__setting_error(
          ctx, e, "expected an integer (%s is an integer setting)", a->path);
    a->ints[i] = ty == CONFIG_TYPE_INT ? config_setting_get_int(e)
                                       : config_setting_get_int64(e);
    return 0;
  case CY_VALUE_DOUBLE:
    if (ty == CONFIG_TYPE_INT)
      a->doubles[i] = config_setting_get_int(e);
    else if (ty == CONFIG_TYPE_INT64)
      a->doubles[i] = (double)config_setting_get_int64(e);
    else if (ty == CONFIG_TYPE_FLOAT)
      a->doubles[i] = config_setting_get_float(e);
    else
      return cy__setting_error(ctx, e, "expected a number (%s is a number)",
                               a->path);
    return 0;
  case CY_VALUE_BOOL:
    if (ty != CONFIG_TYPE_BOOL)
      return cy__setting_error(
          ctx, e, "expected true or false (%s is a boolean)", a->path);
    a->ints[i] = config_setting_get_bool(e) != 0;
    return 0;
  case CY_VALUE_STRING:
    if (ty != CONFIG_TYPE_STRING)
      return cy__setting_error(ctx, e, "expected a string (%s is a string)",
                               a->path);
    if (!(a->strings[i] = strdup(config_setting_get_string(e))))
      return nomem(ctx);
    return 0;
  }
  return 0;
}

/* values = [ ... ]: as given. */
static int list_values(cy_axis *a, const config_setting_t *vals,
                       const cy_resolve_ctx *ctx) {
  int n = config_setting_length(vals), rc;
  if (n < 1)
    return cy__setting_error(ctx, vals, "is empty");
  if ((rc = axis_alloc(a, (size_t)n, ctx)))
    return rc;
  for (int i = 0; i < n; i++)
    if ((rc = list_value(a, config_setting_get_elem(vals, (unsigned)i),
                         (size_t)i, ctx)))
      return rc;
  return 0;
}

/* `from` and `to` of a numeric axis, as integers (iv) and numbers (fv). */
static int range_ends(const cy_axis *a, const config_setting_t *f,
                      const config_setting_t *t, int64_t iv[2], double fv[2],
                      const cy_resolve_ctx *ctx) {
  const config_setting_t *ends[2] = {f, t};
  for (int k = 0; k < 2; k++) {
    int ty = config_setting_type(ends[k]);
    if (ty == CONFIG_TYPE_INT)
      iv[k] = config_setting_get_int(ends[k]);
    else if (ty == CONFIG_TYPE_INT64)
      iv[k] = config_setting_get_int64(ends[k]);
    else if (ty == CONFIG_TYPE_FLOAT && a->type == CY_VALUE_DOUBLE)
      iv[k] = 0;
    else
      return cy__setting_error(
          ctx, ends[k], "expected %s (%s is %s setting)",
          a->type == CY_VALUE_INT ? "an integer" : "a number", a->path,
          a->type == CY_VALUE_INT ? "an integer" : "a");
    fv[k] = ty == CONFIG_TYPE_FLOAT ? config_setting_get_float(ends[k])
                                    : (double)iv[k];
  }
  return 0;
}

/* `steps`: an integer in [1, MAX_AXIS_VALUES]. */
static int range_steps(const config_setting_t *sp, size_t *count,
                       const cy_resolve_ctx *ctx) {
  int sty = config_setting_type(sp);
  if (sty != CONFIG_TYPE_INT && sty != CONFIG_TYPE_INT64)
    return cy__setting_error(ctx, sp, "expected an integer");
  long long steps = sty == CONFIG_TYPE_INT ? config_setting_get_int(sp)
                                           : config_setting_get_int64(sp);
  if (steps < 1 || steps > MAX_AXIS_VALUES)
    return cy__setting_error(ctx, sp, "%lld is outside [1, %d]", steps,
                             MAX_AXIS_VALUES);
  *count = (size_t)steps;
  return 0;
}

/* Evenly spaced integers from iv[0] to iv[1]. */
static int int_range(cy_axis *a, const config_setting_t *t,
                     const config_setting_t *sp, size_t count,
                     const int64_t iv[2], const cy_resolve_ctx *ctx) {
  long long steps = (long long)count;
  int64_t span;
  if (__builtin_sub_overflow(iv[1], iv[0], &span))
    return cy__setting_error(ctx, t,
                             "from %" PRId64 " to %" PRId64
                             " spans more than a 64-bit integer holds",
                             iv[0], iv[1]);
  if (steps > 1 && span % (steps - 1) != 0)
    return cy__setting_error(ctx, sp,
                             "%lld steps from %" PRId64 " to %" PRId64
                             " are not evenly spaced integers",
                             steps, iv[0], iv[1]);
  int rc = axis_alloc(a, count, ctx);
  for (long long i = 0; !rc && i < steps; i++)
    a->ints[i] = steps == 1 ? iv[0] : iv[0] + span / (steps - 1) * i;
  return rc;
}

/* Evenly spaced numbers from fv[0] to fv[1], both included exactly. */
static int double_range(cy_axis *a, size_t count, const double fv[2],
                        const cy_resolve_ctx *ctx) {
  long long steps = (long long)count;
  int rc = axis_alloc(a, count, ctx);
  if (rc)
    return rc;
  for (long long i = 0; i < steps; i++)
    a->doubles[i] =
        steps == 1 ? fv[0]
                   : fv[0] + (fv[1] - fv[0]) * (double)i / (double)(steps - 1);
  a->doubles[steps - 1] = fv[1];
  return 0;
}

/* from = ..; to = ..; steps = ..: a numeric axis's evenly spaced values. */
static int range_values(cy_axis *a, const config_setting_t *g,
                        const cy_resolve_ctx *ctx) {
  const config_setting_t *f = config_setting_get_member(g, "from");
  const config_setting_t *t = config_setting_get_member(g, "to");
  const config_setting_t *sp = config_setting_get_member(g, "steps");
  if (!f || !t || !sp)
    return cy__setting_error(ctx, g,
                             "needs values = [ ... ], or from, to and steps");
  if (a->type != CY_VALUE_INT && a->type != CY_VALUE_DOUBLE)
    return cy__setting_error(
        ctx, g, "from/to/steps needs a numeric setting; %s is not", a->path);
  size_t steps = 0;
  int64_t iv[2] = {0, 0};
  double fv[2] = {0.0, 0.0};
  int rc;
  if ((rc = range_steps(sp, &steps, ctx)) ||
      (rc = range_ends(a, f, t, iv, fv, ctx)))
    return rc;
  if (steps == 1 && fv[0] != fv[1])
    return cy__setting_error(
        ctx, sp, "1 step cannot reach `to` from `from`; use values");
  return a->type == CY_VALUE_INT ? int_range(a, t, sp, steps, iv, ctx)
                                 : double_range(a, steps, fv, ctx);
}

static int axis_values(cy_axis *a, const config_setting_t *g,
                       const cy_resolve_ctx *ctx) {
  const config_setting_t *vals = config_setting_get_member(g, "values");
  const config_setting_t *sc = config_setting_get_member(g, "scale");
  if (sc)
    return cy__setting_error(ctx, sc,
                             "scale applies to the ranges of an lhs or "
                             "saltelli design (design.method); a grid axis "
                             "takes values, or from, to and steps");
  if (vals && (config_setting_get_member(g, "from") ||
               config_setting_get_member(g, "to") ||
               config_setting_get_member(g, "steps")))
    return cy__setting_error(ctx, g,
                             "give either values or from/to/steps, not both");
  return vals ? list_values(a, vals, ctx) : range_values(a, g, ctx);
}

/* ------------------------------------------------------ axis: design */

/* `scale`: "linear" (the default) or "log", which needs a real-valued
 * setting and both ends > 0. */
static int design_scale(cy_axis_target *t, const cy_axis *a,
                        const config_setting_t *g, const cy_resolve_ctx *ctx) {
  const config_setting_t *sc = config_setting_get_member(g, "scale");
  if (!sc)
    return 0;
  if (config_setting_type(sc) != CONFIG_TYPE_STRING)
    return cy__setting_error(ctx, sc, "expected a string");
  const char *v = config_setting_get_string(sc);
  if (strcmp(v, "linear") != 0 && strcmp(v, "log") != 0)
    return cy__setting_error(ctx, sc, "\"%s\" is not a scale (linear or log)",
                             v);
  t->log = strcmp(v, "log") == 0;
  if (t->log && a->type != CY_VALUE_DOUBLE)
    return cy__setting_error(
        ctx, sc,
        "scale = \"log\" needs a real-valued setting; %s is an integer",
        a->path);
  if (t->log && !(t->lo > 0 && t->hi > 0))
    return cy__setting_error(ctx, sc, "scale = \"log\" needs from and to > 0");
  return 0;
}

/* An axis of an lhs or saltelli design: a numeric range from < to, the
 * design sampling it (no values, no steps). */
static int design_range(cy_sweep *sw, const config_setting_t *g, size_t i,
                        const cy_resolve_ctx *ctx) {
  const cy_axis *a = &sw->axes[i];
  cy_axis_target *t = &sw->targets[i];
  const char *m = sw->design.method == CY_DESIGN_LHS ? "an lhs" : "a saltelli";
  const config_setting_t *vals = config_setting_get_member(g, "values");
  const config_setting_t *sp = config_setting_get_member(g, "steps");
  const config_setting_t *f = config_setting_get_member(g, "from");
  const config_setting_t *to = config_setting_get_member(g, "to");
  if (vals || sp)
    return cy__setting_error(
        ctx, vals ? vals : sp,
        "%s design samples each axis over a range: give from and to, not "
        "%s (design.samples sets the number of points)",
        m, vals ? "values" : "steps");
  if (a->type != CY_VALUE_INT && a->type != CY_VALUE_DOUBLE)
    return cy__setting_error(
        ctx, config_setting_get_member(g, "path"),
        "%s is not a number: %s design samples numeric settings only", a->path,
        m);
  if (!f || !to)
    return cy__setting_error(ctx, g,
                             "needs from and to (%s design samples each "
                             "axis over a range)",
                             m);
  int64_t iv[2] = {0, 0};
  double fv[2] = {0.0, 0.0};
  int rc = range_ends(a, f, to, iv, fv, ctx);
  if (rc)
    return rc;
  if (!(fv[0] < fv[1]))
    return cy__setting_error(ctx, to, "the range needs from < to");
  int64_t span;
  if (a->type == CY_VALUE_INT && __builtin_sub_overflow(iv[1], iv[0], &span))
    return cy__setting_error(ctx, to,
                             "from %" PRId64 " to %" PRId64
                             " spans more than a 64-bit integer holds",
                             iv[0], iv[1]);
  t->lo = fv[0], t->hi = fv[1], t->ilo = iv[0], t->ihi = iv[1];
  return design_scale(t, a, g, ctx);
}

/* -------------------------------------------------------------- points */

/* Puts axis i in its dimension: its zip group's, or a new one, refusing a
 * sweep of more than MAX_POINTS points (checked axis by axis, so that no
 * further axis is allocated). */
static int axis_dimension(cy_sweep *sw, const cy_resolve_ctx *ctx,
                          const config_setting_t *l, const config_setting_t *g,
                          size_t i) {
  const cy_axis *a = &sw->axes[i];
  cy_axis_target *p = &sw->targets[i];
  p->dim = sw->n_dims;
  for (size_t j = 0; j < i && *a->zip; j++)
    if (strcmp(sw->axes[j].zip, a->zip) == 0) {
      if (sw->axes[j].n_values != a->n_values)
        return cy__setting_error(ctx, g,
                                 "zip group '%s': %zu values here but %zu in "
                                 "sweep.[%zu] (zipped axes advance together)",
                                 a->zip, a->n_values, sw->axes[j].n_values, j);
      p->dim = sw->targets[j].dim;
      return 0;
    }
  if (sw->n_points > MAX_POINTS / a->n_values) {
    char dims[300] = "";
    size_t len = 0;
    for (size_t d = 0; d < sw->n_dims && len < sizeof dims; d++)
      len += (size_t)snprintf(dims + len, sizeof dims - len, "%zu x ",
                              sw->dim_size[d]);
    return cy__setting_error(
        ctx, l,
        "%s%zu values up to sweep.[%zu] are %.3g points, more than the %d a "
        "study can hold (and far more than the %.0f past which --allow-large "
        "is needed)",
        dims, a->n_values, i, (double)sw->n_points * (double)a->n_values,
        (int)MAX_POINTS, cy_work_caps_default.points);
  }
  sw->n_points *= a->n_values;
  sw->dim_size[sw->n_dims++] = a->n_values;
  return 0;
}

int cy__sweep_load(cy_sweep *sw, const config_t *cfg,
                   const cy_resolve_ctx *ctx) {
  memset(sw, 0, sizeof *sw);
  sw->n_points = 1;
  sw->sets = ctx->overrides;
  sw->n_sets = ctx->n_overrides;
  int rc = cy__design_read(sw, cfg, ctx);
  if (rc)
    return rc;
  bool grid = sw->design.method == CY_DESIGN_GRID;
  const config_setting_t *l = config_lookup(cfg, "sweep");
  if (!l || config_setting_length(l) == 0)
    return grid
               ? 0
               : cy__setting_error(
                     ctx, config_setting_get_member(sw->design_group, "method"),
                     "%s design samples the sweep axes' ranges, and the "
                     "file has no sweep",
                     sw->design.method == CY_DESIGN_LHS ? "an lhs"
                                                        : "a saltelli");
  size_t n = (size_t)config_setting_length(l);
  sw->axes = calloc(n, sizeof *sw->axes);
  sw->targets = calloc(n, sizeof *sw->targets);
  sw->dim_size = calloc(n, sizeof *sw->dim_size);
  if (!sw->axes || !sw->targets || !sw->dim_size)
    return nomem(ctx);
  for (size_t i = 0; i < n; i++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
    sw->n_axes = i + 1;
    cy__setting_where(ctx, g, sw->targets[i].where,
                      sizeof sw->targets[i].where);
    sw->targets[i].entry = g;
    if ((rc = axis_setting(sw, cfg, ctx, g, i)) ||
        (rc = axis_names(sw, ctx, g, i)))
      return rc;
    if (grid && ((rc = axis_values(&sw->axes[i], g, ctx)) ||
                 (rc = axis_dimension(sw, ctx, l, g, i))))
      return rc;
    if (!grid && (rc = design_range(sw, g, i, ctx)))
      return rc;
  }
  return grid ? 0 : cy__design_points(sw, ctx);
}

void cy__sweep_fini(cy_sweep *sw) {
  for (size_t i = 0; i < sw->n_axes; i++) {
    cy_axis *a = &sw->axes[i];
    if (a->strings)
      for (size_t k = 0; k < a->n_values; k++)
        free(a->strings[k]);
    free(a->strings);
    free(a->ints);
    free(a->doubles);
  }
  free(sw->axes);
  free(sw->targets);
  free(sw->dim_size);
  cy__design_fini(&sw->design);
  memset(sw, 0, sizeof *sw);
}

size_t cy__sweep_value_index(const cy_sweep *sw, size_t point, size_t axis) {
  size_t d = sw->targets[axis].dim, stride = 1;
  for (size_t k = d + 1; k < sw->n_dims; k++)
    stride *= sw->dim_size[k];
  return (point / stride) % sw->dim_size[d];
}

/* Where value v of axis i came from: the --set of that element, of the
 * whole values array or of from/to/steps when there is one, else the
 * axis's entry. */
static const char *value_where(const cy_sweep *sw, size_t i, size_t v) {
  if (!sw->n_sets) /* the usual case: every point asks */
    return sw->targets[i].where;
  const config_setting_t *g = sw->targets[i].entry;
  const config_setting_t *vals = config_setting_get_member(g, "values");
  const config_setting_t *from[] = {
      vals ? config_setting_get_elem(vals, (unsigned)v) : NULL, vals,
      config_setting_get_member(g, "from"), config_setting_get_member(g, "to"),
      config_setting_get_member(g, "steps")};
  for (size_t f = 0; f < sizeof from / sizeof from[0]; f++)
    for (size_t k = 0; from[f] && k < sw->n_sets; k++)
      if (sw->sets[k].setting == from[f])
        return sw->sets[k].where;
  return sw->targets[i].where;
}

void cy__sweep_point(const cy_sweep *sw, size_t point, cy_override *ovr,
                     char *note, size_t n) {
  int len = snprintf(note, n, " (sweep point %zu:", point);
  for (size_t i = 0; i < sw->n_axes; i++) {
    const cy_axis *a = &sw->axes[i];
    size_t v = cy__sweep_value_index(sw, point, i);
    char vt[160];
    axis_value_text(a, v, vt, sizeof vt);
    cy_override *o = &ovr[i];
    memset(o, 0, sizeof *o);
    o->setting = sw->targets[i].setting;
    o->has_value = true;
    o->value = axis_value(a, v);
    snprintf(o->where, sizeof o->where, "%s", value_where(sw, i, v));
    snprintf(o->note, sizeof o->note,
             " (sweep axis '%.63s' = %.60s at point %zu)", a->name, vt, point);
    if (len > 0 && (size_t)len < n)
      len += snprintf(note + len, n - (size_t)len, "%s %s = %s", i ? "," : "",
                      a->name, vt);
  }
  if (len > 0 && (size_t)len < n)
    snprintf(note + len, n - (size_t)len, ")");
}
