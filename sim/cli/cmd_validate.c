/* cmd_validate.c: `cysim validate FILE [--set PATH=VALUE]... [--allow-large]`
 *
 * Loads the study exactly as `cysim run` would (every sweep point is
 * validated) and prints the resolved base scenario, so a user sees every
 * default that applied; or prints the error and exits 2. */
#include "cmd.h"
#include "cysim/cy_format.h"
#include "cysim/cy_policy.h"
#include "cysim/cy_study.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *count(double v, char *buf);
static const char *bytes(double v, char *buf);

static void usage(FILE *out) {
  const cy_work_caps *c = &cy_work_caps_default;
  char b[6][32];
  fprintf(out,
          "usage: cysim validate [--set PATH=VALUE]... [--allow-large] FILE\n"
          "\n"
          "Checks a scenario file and prints it resolved: states with their\n"
          "parameters and policies, the baseline hostility matrix, alliances\n"
          "and their clauses, the timeline, the sweep axes, an estimate of\n"
          "the work and the number of points and runs.  Errors name\n"
          "file:line and the setting; exit 2.\n"
          "\n"
          "A study past any of these caps is refused (exit 2) as a likely\n"
          "typo, naming the setting that drives it; the estimates are upper\n"
          "bounds of expected values (sim/MODEL.md, \"Work caps\"):\n"
          "  %-9s sweep points\n"
          "  %-9s runs (points x replications)\n"
          "  %-9s expected events per replication\n"
          "  %-9s time-series bins per run\n"
          "  %-9s memory per worker thread\n"
          "  %-9s output per study (uncompressed)\n"
          "\n"
          "  -s, --set PATH=VALUE  override a setting before validation:\n"
          "                        an element of a list by index or id,\n"
          "                        --set states.[1].offense=0.7,\n"
          "                        --set states.[RU].offense=0.7; an array,\n"
          "                        --set 'sweep.[0].values=[0.2, 0.8]'\n"
          "      --allow-large     accept a study past the caps (`list` and\n"
          "                        `run` take it too)\n"
          "  -h, --help            this text\n",
          count(c->points, b[0]), count(c->runs, b[1]),
          count(c->events_per_rep, b[2]), count(c->bins, b[3]),
          bytes(c->memory_bytes, b[4]), bytes(c->output_bytes, b[5]));
}

/* %g that reads back exactly (values are the user's, print them as such) */
static const char *num(double v, char *buf) {
  cy_format_double(v, buf, 32);
  return buf;
}

/* 1.8e15, or the integer below a million */
static const char *count(double v, char *buf) {
  if (!isfinite(v))
    return strcpy(buf, "unbounded");
  if (v < 1e6) {
    snprintf(buf, 32, "%.0f", v);
    return buf;
  }
  char t[32];
  snprintf(t, sizeof t, "%.2g", v); /* 1.8e+15 -> 1.8e15 */
  char *e = strchr(t, 'e');
  const char *x = e ? e + 1 : "";
  x += *x == '+';
  while (*x == '0' && x[1])
    x++;
  snprintf(buf, 32, "%.*se%s", e ? (int)(e - t) : (int)strlen(t), t, x);
  return buf;
}

static const char *bytes(double v, char *buf) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB",
                                      "TiB",   "PiB", "EiB"};
  if (!isfinite(v))
    return strcpy(buf, "unbounded bytes");
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, 32, "%.3g %s", v, units[u]);
  return buf;
}

static void day(const cy_scenario *s, double d, char *buf) {
  char b[32];
  /* Only days a calendar date can print (the year has four digits); the
   * bound also keeps the conversion to long in range. */
  if (s->start[0] && isfinite(d) && fabs(d) < 3e6) {
    long start;
    char date[11];
    if (cy_date_parse(s->start, &start) == 0) {
      cy_date_format(start + (long)floor(d), date);
      snprintf(buf, 64, "day %s (%s)", num(d, b), date);
      return;
    }
  }
  snprintf(buf, 64, "day %s", num(d, b));
}

/* ---- one printer per section of the output ---- */

static void print_header(const cy_study *st) {
  const cy_scenario *s = cy_study_base(st);
  char a[32], b[32];
  printf("scenario %s (%s)\n", s->name, cy_study_path(st));
  char w[32];
  printf("  start %s, horizon %s days, warmup %s days, replications %" PRIu32
         ", seed %" PRId64 ", decisiveness %s\n",
         s->start[0] ? s->start : "(none)", num(s->horizon, a),
         num(s->warmup, w), s->replications, s->seed, num(s->decisiveness, b));
  if (s->output.timeseries)
    printf("  output: bin %s days (%zu bins), timeseries true, event_log %s\n",
           num(s->output.bin, a), cy_scenario_bins(s),
           s->output.event_log ? "true" : "false");
  else
    printf("  output: bin %s days, timeseries false, event_log %s\n",
           num(s->output.bin, a), s->output.event_log ? "true" : "false");
}

static void print_optypes(const cy_scenario *s) {
  char a[32], b[32], c[32];
  printf("optypes (%zu, in escalation order):\n", s->n_optypes);
  for (size_t k = 0; k < s->n_optypes; k++)
    printf("  [%zu] %-14s damage %s, difficulty %s, severity %s\n", k,
           s->optypes[k].name, num(s->optypes[k].damage, a),
           num(s->optypes[k].difficulty, b), num(s->optypes[k].severity, c));
}

static void print_state(const cy_scenario *s, size_t i) {
  const cy_state_spec *p = &s->states[i];
  char a[32], b[32], c[32], d[32];
  printf("  [%zu] %s\n", i, p->id);
  printf("      offense %s, defense %s, detection %s, attribution %s,\n",
         num(p->offense, a), num(p->defense, b), num(p->detection, c),
         num(p->attribution, d));
  printf("      misattribution %s, exposure %s, value %s,\n",
         num(p->misattribution, a), num(p->exposure, b), num(p->value, c));
  printf("      dwell %s, attribution_delay %s, relaxation %s\n",
         num(p->dwell, a), num(p->attribution_delay, b), num(p->relaxation, c));
  printf("      attack: policy %s, rate %s, mix", p->attack.policy,
         num(p->attack.rate, a));
  for (size_t k = 0; k < s->n_optypes; k++)
    if (p->attack.mix[k] > 0)
      printf(" %s %s", s->optypes[k].name, num(p->attack.mix[k], a));
  printf("\n      deterrence %s, deterrence_memory %s days",
         num(p->attack.deterrence, a), num(p->attack.deterrence_memory, b));
  printf("\n      response: policy %s, escalation %s, delay %s, escalate "
         "%s\n",
         p->response.policy, num(p->response.escalation, a),
         num(p->response.delay, b), num(p->response.escalate, c));
  printf("      review: policy %s, interval %s\n", p->review.policy,
         num(p->review.interval, a));
}

static void print_states(const cy_scenario *s) {
  printf("states (%zu):\n", s->n_states);
  for (size_t i = 0; i < s->n_states; i++)
    print_state(s, i);
}

/* A matrix up to 16 states; past that, only the pairs off the default. */
static void print_baseline(const cy_scenario *s) {
  size_t n = s->n_states;
  char a[32];
  printf("baseline hostility (row toward column; unlisted pairs %s):\n",
         num(s->default_hostility, a));
  if (n <= 16) {
    printf("  %-10s", "");
    for (size_t j = 0; j < n; j++)
      printf(" %8.8s", s->states[j].id);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
      printf("  %-10.10s", s->states[i].id);
      for (size_t j = 0; j < n; j++)
        printf(" %8s", num(s->baseline[i * n + j], a));
      printf("\n");
    }
    return;
  }
  size_t shown = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      if (i != j && s->baseline[i * n + j] != s->default_hostility) {
        printf("  %s -> %s: %s\n", s->states[i].id, s->states[j].id,
               num(s->baseline[i * n + j], a));
        shown++;
      }
  if (!shown)
    printf("  (every pair at the default)\n");
}

static void print_clauses(const cy_alliance_spec *al) {
  char a[32], b[32], c[32];
  if (al->clauses & CY_CLAUSE_NONAGGRESSION) {
    printf("      nonaggression: compliance %s, displacement %s, breach "
           "%s, threshold %" PRIu32 ", window %s\n",
           num(al->nonaggression.compliance, a),
           num(al->nonaggression.displacement, b),
           cy_breach_rule_names[al->nonaggression.breach],
           al->nonaggression.threshold, num(al->nonaggression.window, c));
  }
  if (al->clauses & CY_CLAUSE_INTEL_SHARING)
    printf("      intel_sharing: share %s, boost %s, ttl %s\n",
           num(al->intel_sharing.share, a), num(al->intel_sharing.boost, b),
           num(al->intel_sharing.ttl, c));
  if (al->clauses & CY_CLAUSE_MUTUAL_DEFENCE)
    printf("      mutual_defence: solidarity %s, collective_response %s\n",
           num(al->mutual_defence.solidarity, a),
           al->mutual_defence.collective_response ? "true" : "false");
  if (al->clauses & CY_CLAUSE_TECH_TRANSFER)
    printf("      tech_transfer: rate %s\n", num(al->tech_transfer.rate, a));
  if (al->clauses & CY_CLAUSE_WORKING_GROUP)
    printf("      working_group: dampening %s, collapse_hostility %s\n",
           num(al->working_group.dampening, a),
           num(al->working_group.collapse_hostility, b));
  if (!al->clauses)
    printf("      (no clauses)\n");
}

static void print_alliances(const cy_scenario *s) {
  printf("alliances (%zu):\n", s->n_alliances);
  for (size_t k = 0; k < s->n_alliances; k++) {
    const cy_alliance_spec *al = &s->alliances[k];
    char f[64], u[64];
    if (isinf(al->from))
      strcpy(f, "the start");
    else
      day(s, al->from, f);
    if (isinf(al->until))
      strcpy(u, "the end");
    else
      day(s, al->until, u);
    printf("  [%zu] %s: members", k, al->id);
    for (size_t m = 0; m < al->n_members; m++)
      printf("%s %s", m ? "," : "", s->states[al->members[m]].id);
    printf("; active from %s until %s%s\n", f, u,
           al->enabled ? "" : " (disabled)");
    print_clauses(al);
  }
}

/* What follows an event's kind: who does what to whom. */
static void print_event_detail(const cy_scenario *s,
                               const cy_timeline_spec *t) {
  char a[32];
  switch (t->kind) {
  case CY_TL_SANCTIONS:
  case CY_TL_INDICTMENT:
    printf(" by %s on %s, hostility step %s", s->states[t->by].id,
           s->states[t->on].id, num(t->hostility, a));
    break;
  case CY_TL_ISOLATION:
    printf(" %s, level %s", s->states[t->state].id, num(t->level, a));
    break;
  case CY_TL_JOIN:
  case CY_TL_LEAVE:
    printf(" %s %s", s->states[t->state].id, s->alliances[t->alliance].id);
    break;
  case CY_TL_END_ALLIANCE:
    printf(" %s", s->alliances[t->alliance].id);
    break;
  case CY_TL_SET:
    printf(" %s %s = %s", s->states[t->state].id,
           cy_state_attr_names[t->attribute], num(t->value, a));
    break;
  }
}

static void print_timeline(const cy_scenario *s) {
  printf("timeline (%zu):\n", s->n_timeline);
  for (size_t k = 0; k < s->n_timeline; k++) {
    const cy_timeline_spec *t = &s->timeline[k];
    char when[64];
    day(s, t->at, when);
    printf("  %s: %s", when, cy_timeline_kind_names[t->kind]);
    print_event_detail(s, t);
    printf("%s\n",
           t->at >= s->horizon ? " (after the horizon: never fires)" : "");
  }
}

static void print_axis_values(const cy_axis *ax) {
  char a[32];
  for (size_t v = 0; v < ax->n_values; v++) {
    switch (ax->type) {
    case CY_VALUE_INT:
      printf(" %" PRId64, ax->ints[v]);
      break;
    case CY_VALUE_BOOL:
      printf(" %s", ax->ints[v] ? "true" : "false");
      break;
    case CY_VALUE_DOUBLE:
      printf(" %s", num(ax->doubles[v], a));
      break;
    case CY_VALUE_STRING:
      printf(" \"%s\"", ax->strings[v]);
      break;
    }
    if (v + 1 < ax->n_values)
      printf(",");
  }
}

/* "design: saltelli, N 4 ...; A = points 0-3, B = points 4-7, ..." */
static void print_design(const cy_study *st) {
  const cy_design *d = cy_study_design(st);
  if (d->method == CY_DESIGN_GRID)
    return;
  printf("design: ");
  cy_cmd_print_design(stdout, d);
  printf("\n  point p is row p mod %zu of matrix p / %zu:", d->samples,
         d->samples);
  size_t n = d->method == CY_DESIGN_SALTELLI ? d->n_factors + 2 : 1;
  for (size_t m = 0; m < n; m++) {
    char name[24];
    cy_cmd_matrix_name((unsigned)m, name, sizeof name);
    printf("%s %s = points %zu-%zu", m ? "," : "", name, m * d->samples,
           (m + 1) * d->samples - 1);
  }
  printf("\n");
}

static void print_sweep(const cy_study *st) {
  size_t na = cy_study_n_axes(st);
  printf("sweep (%zu %s):\n", na, na == 1 ? "axis" : "axes");
  for (size_t i = 0; i < na; i++) {
    const cy_axis *ax = cy_study_axis(st, i);
    printf("  [%zu] %s = %s", i, ax->name, ax->path);
    if (ax->zip[0])
      printf(" (zip %s)", ax->zip);
    printf(":");
    print_axis_values(ax);
    printf("\n");
  }
}

/* "work (upper estimates): 1.8e15 events per replication ..." */
static void print_work(const cy_study *st, const cy_work *w) {
  char c[32], e[32], m[32], o[32], t[32];
  printf(
      "work (upper estimates): %s events per replication%s, %s "
      "events in all,\n  %s of memory per worker, %s of output\n",
      count(w->events_per_rep, e),
      cy_study_n_points(st) > 1
          ? (snprintf(t, sizeof t, " (most at point %zu)", w->events_point), t)
          : "",
      count(w->events_total, c), bytes(w->memory_bytes, m),
      bytes(w->output_bytes, o));
}

static void print_scenario(const cy_study *st, const cy_work *w) {
  const cy_scenario *s = cy_study_base(st);
  print_header(st);
  print_optypes(s);
  print_states(s);
  print_baseline(s);
  print_alliances(s);
  print_timeline(s);
  print_sweep(st);
  print_design(st);
  if (w)
    print_work(st, w);
  size_t np = cy_study_n_points(st);
  printf("points %zu, replications %" PRIu32 ", runs %llu\n", np,
         s->replications, (unsigned long long)np * s->replications);
}

int cy_cmd_validate(int argc, char **argv) {
  cy_study *st;
  cy_work w;
  int status = cy_cmd_load_study("validate", argc, argv, usage, NULL, &st, &w);
  if (!st)
    return status;
  print_scenario(st, &w);
  cy_study_free(st);
  return CY_EXIT_OK;
}
