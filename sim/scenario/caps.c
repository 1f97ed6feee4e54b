/* caps.c: a study's work estimate (cy_study_estimate) and the caps that
 * refuse a typo before anything runs (cy_study_check_work).
 *
 * work.c bounds one resolved point; here the bounds of every point are
 * gathered (the largest of each figure, cy_work_sum) and turned into a
 * study's figures, and an excess is blamed on the setting that drives it:
 * "file:line: path = value", or its --set or sweep axis. */
#include "scenario_impl.h"

#include "cysim/cy_study.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const cy_work_caps cy_work_caps_default = {
    .points = 1e6,
    .runs = 1e9,
    .events_per_rep = 1e9,
    .bins = 1e7,
    .memory_bytes = 16.0 * 1024 * 1024 * 1024,
    .output_bytes = 1024.0 * 1024 * 1024 * 1024,
};

/* ------------------------------------------------------ what drives it */

/* "file:line: path = value note" for the setting at `path` (its --set or
 * sweep axis when one overrides it), or "file: path = value (default)" when
 * the file leaves it out. */
static void describe_setting(const cy_study *st, const cy_resolve_ctx *ctx,
                             const char *path, const char *value, char *buf,
                             size_t n) {
  const config_setting_t *s = config_lookup(&st->cfg, path);
  char where[400];
  if (s) {
    cy__setting_where(ctx, s, where, sizeof where);
    snprintf(buf, n, "%s: %s = %s%s", where, path, value,
             cy__setting_note(ctx, s));
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
    cy__setting_where(ctx, s, where, sizeof where);
  else
    snprintf(where, sizeof where, "%s", st->path);
  snprintf(buf, n, "%s: %s = %s (default)", where, path, value);
}

static void describe_number(const cy_study *st, const cy_resolve_ctx *ctx,
                            const char *path, double v, char *buf, size_t n) {
  char t[40];
  cy__value_text(v, t, sizeof t);
  describe_setting(st, ctx, path, t, buf, n);
}

/* Member k of g is the string v in this resolution. */
static bool has_string(const cy_resolve_ctx *ctx, const config_setting_t *g,
                       const char *k, const char *v) {
  const config_setting_t *m = config_setting_get_member(g, k);
  if (!m)
    return false;
  cy_value mv = cy__setting_value(ctx, m);
  return mv.type == CONFIG_TYPE_STRING && strcmp(mv.s, v) == 0;
}

/* The file's index of timeline entry k of the resolved scenario (which is
 * sorted by day): the `set` of the same state, attribute and value. */
static int timeline_source(const cy_study *st, const cy_resolve_ctx *ctx,
                           const cy_scenario *sc, size_t k) {
  const cy_timeline_spec *t = &sc->timeline[k];
  const config_setting_t *l = config_lookup(&st->cfg, "timeline");
  int n = l ? config_setting_length(l) : 0;
  for (int q = 0; q < n; q++) {
    const config_setting_t *g = config_setting_get_elem(l, (unsigned)q);
    if (!has_string(ctx, g, "event", cy_timeline_kind_names[CY_TL_SET]) ||
        !has_string(ctx, g, "attribute", cy_state_attr_names[t->attribute]) ||
        !has_string(ctx, g, "state", sc->states[t->state].id))
      continue;
    const config_setting_t *vs = config_setting_get_member(g, "value");
    cy_value v = vs ? cy__setting_value(ctx, vs) : (cy_value){0};
    double x = v.type == CONFIG_TYPE_FLOAT ? v.f
               : v.type == CONFIG_TYPE_INT || v.type == CONFIG_TYPE_INT64
                   ? (double)v.i
                   : NAN;
    if (x == t->value)
      return q;
  }
  return -1;
}

/* "... = value: responses to responses multiply (...)" for a CHAIN. */
static void describe_chain(const cy_study *st, const cy_resolve_ctx *ctx,
                           const cy_scenario *sc, const cy_work_point *w,
                           char *buf, size_t n) {
  char path[128], what[600], d[40], m[40];
  size_t i = w->index;
  if (w->chain_alliance >= 0) {
    snprintf(path, sizeof path,
             "alliances.[%d].mutual_defence.collective_response",
             w->chain_alliance);
    describe_setting(st, ctx, path, "true", what, sizeof what);
  } else {
    char v[CY_ID_MAX + 2];
    snprintf(path, sizeof path, "states.[%zu].response.policy", i);
    snprintf(v, sizeof v, "\"%s\"", sc->states[i].response.policy);
    describe_setting(st, ctx, path, v, what, sizeof what);
  }
  snprintf(m, sizeof m, "%.3g", w->branching);
  snprintf(d, sizeof d, "%.3g", w->delay);
  snprintf(buf, n,
           "%s: responses to responses multiply (an operation against %s "
           "leads to up to %s response%s, at least %s days later on "
           "average)",
           what, sc->states[i].id, m, w->branching == 1.0 ? "" : "s", d);
}

/* events_what for point record w of scenario sc. */
static void describe_driver(const cy_study *st, const cy_resolve_ctx *ctx,
                            const cy_scenario *sc, const cy_work_point *w,
                            char *buf, size_t n) {
  char path[128];
  size_t i = w->index;
  int q;
  switch (w->driver) {
  case CY_WD_RATE:
    snprintf(path, sizeof path, "states.[%zu].attack.rate", i);
    describe_number(st, ctx, path, sc->states[i].attack.rate, buf, n);
    return;
  case CY_WD_SET_RATE:
    if ((q = timeline_source(st, ctx, sc, i)) >= 0)
      snprintf(path, sizeof path, "timeline.[%d].value", q);
    else
      snprintf(path, sizeof path, "states.[%d].attack.rate",
               sc->timeline[i].state);
    describe_number(st, ctx, path, sc->timeline[i].value, buf, n);
    return;
  case CY_WD_REVIEW:
    snprintf(path, sizeof path, "states.[%zu].review.interval", i);
    describe_number(st, ctx, path, sc->states[i].review.interval, buf, n);
    return;
  case CY_WD_CHAIN:
    describe_chain(st, ctx, sc, w, buf, n);
    return;
  case CY_WD_HORIZON:
  case CY_WD_NONE:
    describe_number(st, ctx, "scenario.horizon", sc->horizon, buf, n);
    return;
  }
}

int cy__work_sum_add(cy_work_sum *ws, const cy_study *st,
                     const cy_resolve_ctx *ctx, const cy_scenario *sc,
                     size_t point) {
  cy_work_point w;
  if (cy__work_point_of(sc, cy__work_span(sc), &w))
    return cy_error_set(ctx->err, CY_ENOMEM, "out of memory");
  ws->events_sum += w.events;
  /* !(<=): a NaN estimate is kept, and refused, rather than ignored */
  if (!ws->any || !(w.events <= ws->top.events)) {
    ws->top = w;
    ws->top_point = point;
    describe_driver(st, ctx, sc, &w, ws->events_what, sizeof ws->events_what);
  }
  if (!ws->any || w.ring_bytes > ws->ring_max) {
    ws->ring_max = w.ring_bytes;
    if (w.ring_bytes > 0) {
      char path[128], t[24];
      snprintf(path, sizeof path, "alliances.[%zu].nonaggression.threshold",
               w.ring_alliance);
      snprintf(t, sizeof t, "%" PRIu32,
               sc->alliances[w.ring_alliance].nonaggression.threshold);
      describe_setting(st, ctx, path, t, ws->ring_what, sizeof ws->ring_what);
    }
  }
  ws->ops_max = ws->any ? fmax(ws->ops_max, w.ops) : w.ops;
  ws->log_max = ws->any ? fmax(ws->log_max, w.log_records) : w.log_records;
  ws->pending_max = ws->any ? fmax(ws->pending_max, w.pending) : w.pending;
  ws->span_max = ws->any ? fmax(ws->span_max, w.span) : w.span;
  ws->any = true;
  return 0;
}

/* ------------------------------------------------------------ estimate */

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
  part[MEM_HEAP] = 2.0 * 24.0 * fmax(64.0 + 16.0 * n, st->work.pending_max);
  part[MEM_RING] = st->work.ring_max;
  part[MEM_TS] = 2.0 * 4.0 * bins * nn;
  part[MEM_LOG] = 2.0 * 2.0 * 32.0 * log_records;
}

int cy_study_estimate(cy_study *st, uint32_t replications, bool event_log,
                      cy_work *out, cy_error *err) {
  memset(out, 0, sizeof *out);
  int rc = cy__study_validate(st, err);
  if (rc)
    return rc;
  const cy_scenario *b = &st->base;
  const cy_work_sum *ws = &st->work;
  /* Output settings cannot be swept, so the base's hold at every point. */
  bool log = event_log || b->output.event_log;
  double n = (double)b->n_states, nn = n * n;
  out->span = ws->span_max;
  out->points = (double)st->sweep.n_points;
  out->replications = replications ? replications : b->replications;
  out->runs = out->points * out->replications;
  out->events_per_rep = ws->top.events;
  out->events_point = ws->top_point;
  out->events_total = ws->events_sum * out->replications;
  out->ops_per_rep = ws->ops_max;
  out->bins = bins_of(b);
  out->log_records = log ? ws->log_max : 0.0;
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

/* ---------------------------------------------------------------- caps */

#define ALLOW_LARGE "; pass --allow-large to run it anyway"

/* "file:line: output.bin = 0.001" or the horizon, whichever makes the bins
 * many: the horizon when it is longer than a century in bins of a day or
 * more. */
static void describe_bins(const cy_study *st, const cy_resolve_ctx *ctx,
                          char *buf, size_t n) {
  const cy_scenario *b = &st->base;
  if (b->horizon > CY_CENTURY_DAYS && b->output.bin >= 1.0)
    describe_number(st, ctx, "scenario.horizon", b->horizon, buf, n);
  else
    describe_number(st, ctx, "output.bin", b->output.bin, buf, n);
}

static void describe_log(const cy_study *st, const cy_resolve_ctx *ctx,
                         char *buf, size_t n) {
  if (st->base.output.event_log)
    describe_setting(st, ctx, "output.event_log", "true", buf, n);
  else /* asked for by the runner, not the file */
    snprintf(buf, n, "%s: the event log (--event-log)", st->path);
}

/* The replications: the file's setting, or the number given to the run. */
static void describe_reps(const cy_study *st, const cy_resolve_ctx *ctx,
                          double reps, char *buf, size_t n) {
  char t[40];
  snprintf(t, sizeof t, "%.0f", reps);
  if (reps == (double)st->base.replications)
    describe_setting(st, ctx, "scenario.replications", t, buf, n);
  else
    snprintf(buf, n, "%s: %.0f replications (given to the command)", st->path,
             reps);
}

/* "file:line: sweep" */
static void describe_sweep(const cy_study *st, const cy_resolve_ctx *ctx,
                           char *buf, size_t n) {
  cy__setting_where(ctx, config_lookup(&st->cfg, "sweep"), buf, n);
}

/* One check of cy_study_check_work(): what it needs to name the excess. */
typedef struct cap_check {
  const cy_study *st;
  const cy_work_caps *caps;
  cy_resolve_ctx ctx; /* the base's: names the file and the --sets */
  double points, reps;
  const cy_work *w; /* the estimate, once made */
  cy_error *err;
} cap_check;

static int check_points(const cap_check *c) {
  if (c->points <= c->caps->points)
    return 0;
  const cy_sweep *sw = &c->st->sweep;
  char axes[300] = "", where[400], t1[40], t2[40];
  size_t len = 0;
  for (size_t d = 0; d < sw->n_dims && len < sizeof axes; d++)
    len += (size_t)snprintf(axes + len, sizeof axes - len, "%s%zu",
                            d ? " x " : "", sw->dim_size[d]);
  describe_sweep(c->st, &c->ctx, where, sizeof where);
  return cy_error_set(c->err, CY_EINPUT,
                      "%s: sweep: %s = %s points (cap %s)" ALLOW_LARGE, where,
                      axes, count_text(c->points, t1, sizeof t1),
                      count_text(c->caps->points, t2, sizeof t2));
}

static int check_runs(const cap_check *c) {
  double runs = c->points * c->reps;
  if (runs <= c->caps->runs)
    return 0;
  char what[1000], t1[40], t2[40], t3[40], t4[40];
  describe_reps(c->st, &c->ctx, c->reps, what, sizeof what);
  return cy_error_set(
      c->err, CY_EINPUT,
      "%s: %s runs (%s points x %s replications; cap %s)" ALLOW_LARGE, what,
      count_text(runs, t1, sizeof t1), count_text(c->points, t2, sizeof t2),
      count_text(c->reps, t3, sizeof t3),
      count_text(c->caps->runs, t4, sizeof t4));
}

static int check_bins(const cap_check *c) {
  if (c->w->bins <= c->caps->bins)
    return 0;
  const cy_scenario *b = &c->st->base;
  char what[1000], h[40], bin[40], t1[40], t2[40];
  describe_bins(c->st, &c->ctx, what, sizeof what);
  cy__value_text(b->horizon, h, sizeof h);
  cy__value_text(b->output.bin, bin, sizeof bin);
  return cy_error_set(c->err, CY_EINPUT,
                      "%s: %s time bins of %s days over %s days per run (cap "
                      "%s)" ALLOW_LARGE,
                      what, count_text(c->w->bins, t1, sizeof t1), bin, h,
                      count_text(c->caps->bins, t2, sizeof t2));
}

static int check_events(const cap_check *c) {
  const cy_work *w = c->w;
  if (w->events_per_rep <= c->caps->events_per_rep)
    return 0;
  char pt[80] = "", amount[60], t1[40], t2[40];
  if (c->st->sweep.n_axes)
    snprintf(pt, sizeof pt, " at sweep point %zu", w->events_point);
  if (isfinite(w->events_per_rep))
    snprintf(amount, sizeof amount, "about %s",
             count_text(w->events_per_rep, t1, sizeof t1));
  else if (c->st->work.top.delay > 0.0) /* finite, past what a double holds */
    snprintf(amount, sizeof amount, "more than 1e308");
  else
    snprintf(amount, sizeof amount, "an unbounded number of");
  return cy_error_set(c->err, CY_EINPUT,
                      "%s: %s expected events per replication%s (cap "
                      "%s)" ALLOW_LARGE,
                      c->st->work.events_what, amount, pt,
                      count_text(c->caps->events_per_rep, t2, sizeof t2));
}

/* What to blame for too much memory: the largest part, its setting in
 * `what` and its size in `why`. */
static void blame_memory(const cap_check *c, char *what, size_t nw, char *why,
                         size_t ny) {
  const cy_study *st = c->st;
  double part[MEM_PARTS], n = (double)st->base.n_states;
  char t[40];
  memory_parts(st, c->w->bins, c->w->log_records, part);
  int top = 0;
  for (int i = 1; i < MEM_PARTS; i++)
    if (part[i] > part[top])
      top = i;
  switch (top) {
  case MEM_TS:
    describe_bins(st, &c->ctx, what, nw);
    snprintf(why, ny, "a time series of %.0f x %.0f state pairs x %s bins", n,
             n, count_text(c->w->bins, t, sizeof t));
    break;
  case MEM_LOG:
    describe_log(st, &c->ctx, what, nw);
    snprintf(why, ny, "an event log of about %s records per run",
             count_text(c->w->log_records, t, sizeof t));
    break;
  case MEM_RING:
    snprintf(what, nw, "%s", st->work.ring_what);
    snprintf(why, ny,
             "the times of the last `threshold` breaches of each tolerance "
             "pact");
    break;
  case MEM_HEAP:
    snprintf(what, nw, "%s", st->work.events_what);
    snprintf(why, ny, "about %s events pending at once",
             count_text(st->work.pending_max, t, sizeof t));
    break;
  default:
    snprintf(what, nw, "%s: states", st->path);
    snprintf(why, ny, "%.0f states", n);
  }
}

static int check_memory(const cap_check *c) {
  if (c->w->memory_bytes <= c->caps->memory_bytes)
    return 0;
  char what[1000], why[300], t1[40], t2[40];
  blame_memory(c, what, sizeof what, why, sizeof why);
  return cy_error_set(c->err, CY_EINPUT,
                      "%s: about %s of memory per worker for %s (cap "
                      "%s)" ALLOW_LARGE,
                      what, bytes_text(c->w->memory_bytes, t1, sizeof t1), why,
                      bytes_text(c->caps->memory_bytes, t2, sizeof t2));
}

static int check_output(const cap_check *c) {
  const cy_work *w = c->w;
  if (w->output_bytes <= c->caps->output_bytes)
    return 0;
  /* Blame what is unusual: many runs, or much data per run. */
  double n = (double)c->st->base.n_states, nn = n * n;
  double ts = 4.0 * w->bins * nn, lg = 36.0 * w->log_records;
  char what[1000], t1[40], t2[40], t3[40], per[40];
  if (w->bytes_per_run / 1e8 >= w->runs / 1e4 && (ts > 0 || lg > 0)) {
    if (ts >= lg)
      describe_bins(c->st, &c->ctx, what, sizeof what);
    else
      describe_log(c->st, &c->ctx, what, sizeof what);
  } else if (c->reps >= c->points) {
    describe_reps(c->st, &c->ctx, c->reps, what, sizeof what);
  } else {
    char where[400];
    describe_sweep(c->st, &c->ctx, where, sizeof where);
    snprintf(what, sizeof what, "%s: sweep", where);
  }
  return cy_error_set(c->err, CY_EINPUT,
                      "%s: about %s of output for %s runs of %s each (cap "
                      "%s)" ALLOW_LARGE,
                      what, bytes_text(w->output_bytes, t1, sizeof t1),
                      count_text(w->runs, t2, sizeof t2),
                      bytes_text(w->bytes_per_run, per, sizeof per),
                      bytes_text(c->caps->output_bytes, t3, sizeof t3));
}

int cy_study_check_work(cy_study *st, const cy_work_caps *caps,
                        uint32_t replications, bool event_log, cy_work *out,
                        cy_error *err) {
  cap_check c = {
      .st = st,
      .caps = caps ? caps : &cy_work_caps_default,
      .ctx = cy__study_ctx(st, err),
      .points = (double)st->sweep.n_points,
      .reps = replications ? replications : st->base.replications,
      .err = err,
  };
  /* Points and runs first: they need no point validated. */
  int rc;
  if ((rc = check_points(&c)) || (rc = check_runs(&c)))
    return rc;
  cy_work w;
  if ((rc = cy_study_estimate(st, replications, event_log, &w, err)))
    return rc;
  if (out)
    *out = w;
  c.w = &w;
  if ((rc = check_bins(&c)) || (rc = check_events(&c)) ||
      (rc = check_memory(&c)) || (rc = check_output(&c)))
    return rc;
  return 0;
}
