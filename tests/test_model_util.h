/* test_model_util.h: building scenarios in C for the model tests, and
 * summing outcomes over replications. */
#ifndef CYSIM_TEST_MODEL_UTIL_H
#define CYSIM_TEST_MODEL_UTIL_H

#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scenario of n default states "S0".."Sn-1" with every baseline
 * hostility h, no alliances and no timeline.  Free with cy_scenario_fini. */
static inline void tm_scenario(cy_scenario *s, size_t n, double h) {
  cy_scenario_init(s);
  cy_scenario_defaults(s);
  s->n_states = n;
  s->states = calloc(n, sizeof *s->states);
  s->baseline = calloc(n * n, sizeof *s->baseline);
  if (!s->states || !s->baseline)
    abort();
  for (size_t i = 0; i < n; i++) {
    cy_state_spec_defaults(&s->states[i]);
    snprintf(s->states[i].id, sizeof s->states[i].id, "S%zu", i);
    for (size_t j = 0; j < n; j++)
      s->baseline[i * n + j] = i == j ? 0.0 : h;
  }
  s->default_hostility = h;
}

/* Appends an alliance of the given members with the given clauses (default
 * parameters); returns it for the caller to adjust. */
static inline cy_alliance_spec *tm_alliance(cy_scenario *s, unsigned clauses,
                                            size_t n_members,
                                            const int *members) {
  cy_alliance_spec *a = realloc(s->alliances, (s->n_alliances + 1) * sizeof *a);
  if (!a)
    abort();
  s->alliances = a;
  a = &s->alliances[s->n_alliances];
  cy_alliance_spec_defaults(a);
  snprintf(a->id, sizeof a->id, "A%zu", s->n_alliances);
  s->n_alliances++;
  a->clauses = clauses;
  a->n_members = n_members;
  a->members = malloc(n_members * sizeof *a->members);
  if (!a->members)
    abort();
  memcpy(a->members, members, n_members * sizeof *members);
  return a;
}

/* Appends a timeline entry (the caller keeps `at` sorted). */
static inline cy_timeline_spec *tm_timeline(cy_scenario *s, double at,
                                            cy_timeline_kind kind) {
  cy_timeline_spec *t = realloc(s->timeline, (s->n_timeline + 1) * sizeof *t);
  if (!t)
    abort();
  s->timeline = t;
  t = &s->timeline[s->n_timeline++];
  memset(t, 0, sizeof *t);
  t->at = at;
  t->kind = kind;
  t->hostility = 0.1;
  t->by = t->on = t->state = t->alliance = -1;
  return t;
}

/* A model and an outcome for s, aborting on failure (tests only). */
typedef struct tm_run {
  cy_model *m;
  cy_outcome o;
} tm_run;

static inline void tm_open(tm_run *r, const cy_scenario *s) {
  cy_error err;
  if (cy_model_alloc(&r->m, s, &err) != 0) {
    fprintf(stderr, "cy_model_alloc: %s\n", err.msg);
    abort();
  }
  if (cy_outcome_init(&r->o, s) != 0)
    abort();
}

static inline void tm_rep(tm_run *r, int64_t seed, uint64_t rep) {
  cy_error err;
  if (cy_model_run(r->m, seed, rep, &r->o, &err) != 0) {
    fprintf(stderr, "cy_model_run: %s\n", err.msg);
    abort();
  }
}

static inline void tm_close(tm_run *r) {
  cy_model_free(r->m);
  cy_outcome_fini(&r->o);
}

/* Sample mean and variance accumulator. */
typedef struct tm_stat {
  double n, sum, sum2;
} tm_stat;

static inline void tm_add(tm_stat *st, double x) {
  st->n += 1.0;
  st->sum += x;
  st->sum2 += x * x;
}
static inline double tm_mean(const tm_stat *st) { return st->sum / st->n; }
static inline double tm_var(const tm_stat *st) {
  double m = tm_mean(st);
  return (st->sum2 - st->n * m * m) / (st->n - 1.0);
}

#endif
