/* study.c: cy_study (cy_study.h): a scenario file with its --sets and
 * sweep, and its points resolved.
 *
 * Loading reads the files (source.c), parses them, writes the --sets into
 * the tree (set.c), resolves the base and reads the sweep (sweep.c).  Then
 * every point is resolved once, from the same tree as the base with the
 * point's values given as overrides (resolve.c), so that a point is
 * validated by exactly the code that validates the file.  The resolved
 * points are kept (up to KEEP_BYTES) and cy_study_point() copies them; a
 * point that was not kept is resolved again on demand.  After loading the
 * study is read-only: cy_study_point() may be called from many threads at
 * once. */
#include "scenario_impl.h"

#include "cysim/cy_study.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  MAX_WARNINGS = 20,
  /* Resolved points a study keeps for cy_study_point(): the points of any
   * real study (a point of 16 states is about 12 KiB), a fraction of what
   * a run's workers take anyway.  Points past it are resolved again when
   * asked for. */
  KEEP_BYTES = 64 << 20,
};

/* ------------------------------------------------------------- points */

/* The memory a resolved scenario holds. */
static size_t scenario_bytes(const cy_scenario *s) {
  size_t n = s->n_states, bytes = sizeof *s;
  bytes += n * sizeof *s->states + n * n * sizeof *s->baseline;
  bytes += s->n_alliances * sizeof *s->alliances;
  for (size_t a = 0; a < s->n_alliances; a++)
    bytes += s->alliances[a].n_members * sizeof *s->alliances[a].members;
  return bytes + s->n_timeline * sizeof *s->timeline;
}

/* A copy of the n bytes at p, or NULL (when n is 0, or out of memory). */
static void *copy_bytes(const void *p, size_t n) {
  void *q = n ? malloc(n) : NULL;
  if (q)
    memcpy(q, p, n);
  return q;
}

/* A deep copy of src into dst (caller storage, cy_scenario_fini() it;
 * finalised on failure).  It knows every array cy_scenario points to. */
static int copy_scenario(cy_scenario *dst, const cy_scenario *src,
                         cy_error *err) {
  size_t n = src->n_states, nt = src->n_timeline, na = src->n_alliances;
  *dst = *src;
  dst->states = copy_bytes(src->states, n * sizeof *src->states);
  dst->baseline = copy_bytes(src->baseline, n * n * sizeof *src->baseline);
  dst->timeline = copy_bytes(src->timeline, nt * sizeof *src->timeline);
  dst->alliances = na ? calloc(na, sizeof *dst->alliances) : NULL;
  dst->n_alliances = 0;
  bool ok = (!n || (dst->states && dst->baseline)) && (!nt || dst->timeline) &&
            (!na || dst->alliances);
  for (size_t a = 0; ok && a < na; a++) {
    const cy_alliance_spec *al = &src->alliances[a];
    dst->alliances[a] = *al;
    dst->n_alliances = a + 1;
    dst->alliances[a].members =
        copy_bytes(al->members, al->n_members * sizeof *al->members);
    ok = !al->n_members || dst->alliances[a].members;
  }
  if (ok)
    return 0;
  cy_scenario_fini(dst);
  return cy_error_set(err, CY_ENOMEM, "out of memory");
}

/* The resolved point the study holds, or NULL: the base when there is no
 * sweep, else a kept point. */
static const cy_scenario *kept_point(const cy_study *st, size_t point) {
  if (st->sweep.n_axes == 0)
    return &st->base;
  return point < st->n_kept ? &st->kept[point] : NULL;
}

/* Keeps resolved point `point` (moving sc into the study) when it is the
 * next one and fits in KEEP_BYTES; else finalises sc.  Keeping saves work
 * later and is never required, so a failed allocation only stops it. */
static void keep_point(cy_study *st, size_t point, cy_scenario *sc) {
  size_t bytes = scenario_bytes(sc);
  if (point == st->n_kept && bytes <= KEEP_BYTES - st->kept_bytes) {
    if (st->n_kept == st->kept_cap) {
      size_t cap = st->kept_cap ? 2 * st->kept_cap : 16;
      cy_scenario *k = realloc(st->kept, cap * sizeof *k);
      if (k) {
        st->kept = k;
        st->kept_cap = cap;
      }
    }
    if (st->n_kept < st->kept_cap) {
      st->kept[st->n_kept++] = *sc;
      st->kept_bytes += bytes;
      return;
    }
  }
  cy_scenario_fini(sc);
}

static void drop_kept(cy_study *st) {
  for (size_t i = 0; i < st->n_kept; i++)
    cy_scenario_fini(&st->kept[i]);
  free(st->kept);
  st->kept = NULL;
  st->n_kept = st->kept_cap = 0;
  st->kept_bytes = 0;
}

/* What resolving one sweep point needs: the --sets and the point's values
 * as overrides, and the note that names the point in messages. */
typedef struct point_ctx {
  cy_override *overrides;
  char note[700];
  cy_resolve_ctx ctx;
} point_ctx;

static int point_ctx_init(point_ctx *pc, const cy_study *st, size_t point,
                          cy_error *err) {
  size_t n = st->n_sets + st->sweep.n_axes;
  pc->overrides = calloc(n ? n : 1, sizeof *pc->overrides);
  if (!pc->overrides)
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  if (st->n_sets)
    memcpy(pc->overrides, st->sets, st->n_sets * sizeof *st->sets);
  pc->note[0] = '\0';
  if (st->sweep.n_axes)
    cy__sweep_point(&st->sweep, point, pc->overrides + st->n_sets, pc->note,
                    sizeof pc->note);
  pc->ctx = cy__study_ctx(st, err);
  pc->ctx.overrides = pc->overrides;
  pc->ctx.n_overrides = n;
  pc->ctx.note = pc->note;
  return 0;
}

static void point_ctx_fini(point_ctx *pc) { free(pc->overrides); }

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

/* A sweep varies single values only (ids, names, the horizon and output
 * settings cannot be swept), so every point has the base's layout, as
 * cy_study.h promises. */
static inline bool same_layout(const cy_scenario *a, const cy_scenario *b) {
  return a->n_states == b->n_states && a->n_optypes == b->n_optypes &&
         a->n_alliances == b->n_alliances && a->n_timeline == b->n_timeline &&
         a->horizon == b->horizon && a->output.bin == b->output.bin &&
         a->output.timeseries == b->output.timeseries &&
         a->output.event_log == b->output.event_log;
}

/* Resolves point `point` for cy__study_validate(): its warnings go to the
 * study, its work to st->work, and it is kept when it fits. */
static int validate_point(cy_study *st, size_t point, cy_error *err) {
  point_ctx pc;
  int rc = point_ctx_init(&pc, st, point, err);
  if (rc)
    return rc;
  pc.ctx.warn = warn_collect;
  pc.ctx.warn_arg = st;
  cy_scenario sc;
  rc = cy__resolve(&st->cfg, &pc.ctx, &sc);
  assert(rc || same_layout(&sc, &st->base));
  if (!rc && (rc = cy__work_sum_add(&st->work, st, &pc.ctx, &sc, point)))
    cy_scenario_fini(&sc);
  if (!rc)
    keep_point(st, point, &sc);
  point_ctx_fini(&pc);
  return rc;
}

cy_resolve_ctx cy__study_ctx(const cy_study *st, cy_error *err) {
  cy_resolve_ctx ctx = {&st->src.map, st->sets, st->n_sets, "",
                        st->stem,     err,      NULL,       NULL};
  return ctx;
}

int cy__study_validate(cy_study *st, cy_error *err) {
  if (st->validated)
    return 0;
  memset(&st->work, 0, sizeof st->work);
  drop_kept(st);
  if (st->sweep.n_axes == 0) {
    /* the base is the one point */
    cy_resolve_ctx ctx = cy__study_ctx(st, err);
    int rc = cy__work_sum_add(&st->work, st, &ctx, &st->base, 0);
    if (rc)
      return rc;
  }
  for (size_t p = 0; st->sweep.n_axes && p < st->sweep.n_points; p++) {
    int rc = validate_point(st, p, err);
    if (rc)
      return rc;
  }
  st->validated = true;
  return 0;
}

/* ------------------------------------------------------------- loading */

static int study_alloc(cy_study **out, const char *path, cy_error *err) {
  cy_study *st = calloc(1, sizeof *st);
  if (!st || !(st->path = strdup(path))) {
    free(st);
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  }
  cy_scenario_init(&st->base);
  st->sweep.n_points = 1;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  snprintf(st->stem, sizeof st->stem, "%s", base);
  char *dot = strrchr(st->stem, '.');
  if (dot && dot != st->stem)
    *dot = '\0';
  *out = st;
  return 0;
}

static int parse_files(cy_study *st, cy_error *err) {
  config_init(&st->cfg);
  st->cfg_live = true;
  return cy__source_parse(&st->src, &st->cfg, st->path, err);
}

static int apply_sets(cy_study *st, const char *const *sets, size_t n_sets,
                      cy_error *err) {
  if (n_sets && !(st->sets = calloc(n_sets, sizeof *st->sets)))
    return cy_error_set(err, CY_ENOMEM, "out of memory");
  for (size_t i = 0; i < n_sets; i++) {
    int rc = cy__set_apply(&st->cfg, sets[i], &st->sets[i], st->sets, i, err);
    if (rc)
      return rc;
    st->n_sets = i + 1;
  }
  return 0;
}

/* The base scenario and the sweep, both read with the --sets; then every
 * point unless there are more than the default cap (cy_study.h). */
static int resolve_study(cy_study *st, cy_error *err) {
  cy_resolve_ctx ctx = cy__study_ctx(st, err);
  ctx.warn = warn_collect;
  ctx.warn_arg = st;
  int rc;
  if ((rc = cy__resolve(&st->cfg, &ctx, &st->base)) ||
      (rc = cy__sweep_load(&st->sweep, &st->cfg, &ctx)))
    return rc;
  if ((double)st->sweep.n_points > cy_work_caps_default.points)
    return 0;
  return cy__study_validate(st, err);
}

/* ---------------------------------------------------------------- API */

int cy_study_load(cy_study **out, const char *path, const char *const *sets,
                  size_t n_sets, cy_error *err) {
  *out = NULL;
  cy_study *st = NULL;
  int rc = study_alloc(&st, path, err);
  if (rc)
    return rc;
  if ((rc = cy__source_read(&st->src, path, err)) ||
      (rc = parse_files(st, err)) || (rc = apply_sets(st, sets, n_sets, err)) ||
      (rc = resolve_study(st, err))) {
    cy_study_free(st);
    return rc;
  }
  *out = st;
  return 0;
}

void cy_study_free(cy_study *st) {
  if (!st)
    return;
  if (st->cfg_live)
    config_destroy(&st->cfg);
  cy__sweep_fini(&st->sweep);
  cy__source_fini(&st->src);
  drop_kept(st);
  for (size_t i = 0; i < st->n_warnings; i++)
    free(st->warnings[i]);
  free(st->warnings);
  free(st->sets);
  free(st->path);
  cy_scenario_fini(&st->base);
  free(st);
}

const char *cy_study_path(const cy_study *st) { return st->path; }
const char *cy_study_text(const cy_study *st) { return st->src.text; }
const cy_scenario *cy_study_base(const cy_study *st) { return &st->base; }
size_t cy_study_n_axes(const cy_study *st) { return st->sweep.n_axes; }
const cy_axis *cy_study_axis(const cy_study *st, size_t i) {
  return i < st->sweep.n_axes ? &st->sweep.axes[i] : NULL;
}
size_t cy_study_n_points(const cy_study *st) { return st->sweep.n_points; }
const cy_design *cy_study_design(const cy_study *st) {
  return &st->sweep.design;
}

void cy_study_task_runs(size_t runs, size_t task, size_t tasks, size_t *lo,
                        size_t *hi) {
  assert(tasks >= 1 && tasks <= runs && task < tasks);
  size_t q = runs / tasks, r = runs % tasks;
  /* k * q + min(k, r): no product of run and task counts, so no overflow
   * for any study that fits in memory. */
  *lo = task * q + (task < r ? task : r);
  *hi = *lo + q + (task < r);
}

size_t cy_study_value_index(const cy_study *st, size_t point, size_t axis) {
  return cy__sweep_value_index(&st->sweep, point, axis);
}

int cy_study_point(const cy_study *st, size_t point, cy_scenario *out,
                   cy_error *err) {
  cy_scenario_init(out);
  if (point >= st->sweep.n_points)
    return cy_error_set(err, CY_EINPUT, "point %zu is outside [0, %zu)", point,
                        st->sweep.n_points);
  const cy_scenario *kept = kept_point(st, point);
  if (kept)
    return copy_scenario(out, kept, err);
  point_ctx pc;
  int rc = point_ctx_init(&pc, st, point, err);
  if (rc)
    return rc;
  rc = cy__resolve(&st->cfg, &pc.ctx, out);
  point_ctx_fini(&pc);
  return rc;
}

size_t cy_study_n_warnings(const cy_study *st) { return st->n_warnings; }
const char *cy_study_warning(const cy_study *st, size_t i) {
  return i < st->n_warnings ? st->warnings[i] : NULL;
}
