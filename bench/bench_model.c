/* bench_model.c: model throughput on a flagship-like three-state scenario.
 *
 * Runs replications of scenarios/ru_cn_pact_2015.cfg (its base point, when
 * the file is found from the working directory or given as argv[1] and
 * loads) or else of a similar US/RU/CN scenario built in C, for 5 trials of
 * about half a second each, and prints the median, machine-readably:
 *   RESULT model_events_per_s <value>
 *   RESULT model_reps_per_s <value>
 * "Events" are kernel events dispatched (cy_outcome.events).  bench/run.sh
 * runs this 5 times and reports medians. */
#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"
#include "cysim/cy_study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* US, RU, CN over 5 years: rates 0.1-0.5/day, a RU-CN nonaggression and
 * intel-sharing pact, proportional/escalating responses, monthly reviews,
 * one sanctions event and one isolation. */
static void flagship(cy_scenario *s) {
  static const char *ids[3] = {"US", "RU", "CN"};
  static const double rate[3] = {0.2, 0.5, 0.4};
  static const double h[3][3] = {{0, 0.4, 0.4}, {0.5, 0, 0.1}, {0.5, 0.1, 0}};
  cy_scenario_init(s);
  cy_scenario_defaults(s);
  strcpy(s->name, "flagship_c");
  s->horizon = 1825.0;
  s->n_states = 3;
  s->states = calloc(3, sizeof *s->states);
  s->baseline = calloc(9, sizeof *s->baseline);
  if (!s->states || !s->baseline)
    abort();
  for (int i = 0; i < 3; i++) {
    cy_state_spec *st = &s->states[i];
    cy_state_spec_defaults(st);
    strcpy(st->id, ids[i]);
    st->offense = 0.8;
    st->defense = 0.6;
    st->misattribution = 0.05;
    st->dwell = 90.0;
    st->attribution_delay = 120.0;
    st->attack.rate = rate[i];
    st->attack.mix[0] = 0.8;
    st->attack.mix[1] = 0.15;
    st->attack.mix[2] = 0.05;
    strcpy(st->response.policy, i == 1 ? "escalating" : "proportional");
    for (int j = 0; j < 3; j++)
      s->baseline[i * 3 + j] = h[i][j];
  }
  s->n_alliances = 1;
  s->alliances = calloc(1, sizeof *s->alliances);
  if (!s->alliances)
    abort();
  cy_alliance_spec *a = &s->alliances[0];
  cy_alliance_spec_defaults(a);
  strcpy(a->id, "ru_cn_2015");
  a->n_members = 2;
  a->members = malloc(2 * sizeof *a->members);
  if (!a->members)
    abort();
  a->members[0] = 1;
  a->members[1] = 2;
  a->clauses = CY_CLAUSE_NONAGGRESSION | CY_CLAUSE_INTEL_SHARING;
  a->nonaggression.compliance = 0.9;
  s->n_timeline = 2;
  s->timeline = calloc(2, sizeof *s->timeline);
  if (!s->timeline)
    abort();
  s->timeline[0] = (cy_timeline_spec){
      .at = 365.0, .kind = CY_TL_SANCTIONS, .by = 0, .on = 1, .hostility = 0.1};
  s->timeline[1] = (cy_timeline_spec){
      .at = 730.0, .kind = CY_TL_ISOLATION, .state = 1, .level = 0.5};
  s->output.timeseries = true;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "scenarios/ru_cn_pact_2015.cfg";
  cy_scenario s;
  cy_scenario_init(&s);
  cy_study *st = NULL;
  cy_error err;
  const char *source = "C-built flagship-like scenario";
  if (cy_study_load(&st, path, NULL, 0, &err) == CY_OK &&
      cy_study_point(st, 0, &s, &err) == CY_OK) {
    source = path;
  } else {
    cy_scenario_fini(&s);
    flagship(&s);
  }
  cy_study_free(st);

  cy_model *m;
  cy_outcome o;
  if (cy_model_alloc(&m, &s, &err) != CY_OK ||
      cy_outcome_init(&o, &s) != CY_OK) {
    fprintf(stderr, "bench_model: %s\n", err.msg);
    return 1;
  }
  /* Calibrate the replications per trial to about half a second. */
  uint64_t rep = 0, events = 0;
  double t0 = now_s();
  while (now_s() - t0 < 0.1) {
    if (cy_model_run(m, 1, rep++, &o, &err) != CY_OK)
      return 1;
    events += o.events;
  }
  uint64_t per_trial = (uint64_t)(rep * 0.5 / (now_s() - t0)) + 1;

  double ev_rate[5], rep_rate[5];
  for (int trial = 0; trial < 5; trial++) {
    events = 0;
    t0 = now_s();
    for (uint64_t r = 0; r < per_trial; r++) {
      if (cy_model_run(m, 1, rep++, &o, &err) != CY_OK) {
        fprintf(stderr, "bench_model: %s\n", err.msg);
        return 1;
      }
      events += o.events;
    }
    double dt = now_s() - t0;
    ev_rate[trial] = (double)events / dt;
    rep_rate[trial] = (double)per_trial / dt;
  }
  qsort(ev_rate, 5, sizeof *ev_rate, cmp);
  qsort(rep_rate, 5, sizeof *rep_rate, cmp);
  fprintf(stderr,
          "bench_model: %s, %zu states, %.0f days, %llu reps/trial, "
          "%.0f events/rep\n",
          source, s.n_states, s.horizon, (unsigned long long)per_trial,
          ev_rate[2] / rep_rate[2]);
  printf("RESULT model_events_per_s %.0f\n", ev_rate[2]);
  printf("RESULT model_reps_per_s %.0f\n", rep_rate[2]);
  cy_outcome_fini(&o);
  cy_model_free(m);
  cy_scenario_fini(&s);
  return 0;
}
