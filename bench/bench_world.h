/* bench_world.h: the synthetic worlds bench_model_scale.c and
 * bench_model_small.c run (a header so that both build the same world).
 *
 * N identical states, every ordered pair hostile (baseline 0.5), attack
 * rate scaled by 1/(N-1) so that each state launches `ops_per_day`
 * operations a day whatever N: work per simulated day grows as N, so
 * ns/event is flat when the model does O(1) (or O(log N)) work per event.
 * Proportional responses, deterrence 0.3, monthly reviews, no alliances,
 * no warm-up, no time series. */
#ifndef CYSIM_BENCH_WORLD_H
#define CYSIM_BENCH_WORLD_H
#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double bench_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bench_world(cy_scenario *s, size_t n, double horizon,
                        double ops_per_day) {
  const double h = 0.5, exposure = 0.8;
  cy_scenario_init(s);
  cy_scenario_defaults(s);
  snprintf(s->name, sizeof s->name, "world_%zu", n);
  s->horizon = horizon;
  s->seed = 14;
  s->n_states = n;
  s->states = calloc(n, sizeof *s->states);
  s->baseline = calloc(n * n, sizeof *s->baseline);
  if (!s->states || !s->baseline)
    abort();
  for (size_t i = 0; i < n; i++) {
    cy_state_spec *st = &s->states[i];
    cy_state_spec_defaults(st);
    snprintf(st->id, sizeof st->id, "S%03zu", i);
    st->offense = 0.6;
    st->defense = 0.5;
    st->detection = 0.5;
    st->attribution = 0.1;
    st->misattribution = 0.05;
    st->exposure = exposure;
    st->value = 1.0 / (double)n;
    st->dwell = 146.0;
    st->attribution_delay = 158.0;
    st->attack.rate = ops_per_day / (h * exposure * (double)(n - 1));
    st->attack.mix[0] = 0.8;
    st->attack.mix[1] = 0.15;
    st->attack.mix[2] = 0.05;
    st->attack.deterrence = 0.3;
    strcpy(st->response.policy, "proportional");
    for (size_t j = 0; j < n; j++)
      s->baseline[i * n + j] = i == j ? 0.0 : h;
  }
  s->output.timeseries = false;
}

/* Runs replications first..first+reps-1; returns the seconds taken and
 * adds the kernel events to *events. */
static double bench_reps(cy_model *m, const cy_scenario *s, uint64_t first,
                         uint64_t reps, uint64_t *events) {
  cy_outcome o;
  cy_error err;
  if (cy_outcome_init(&o, s) != CY_OK) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  double t0 = bench_now_s();
  for (uint64_t r = first; r < first + reps; r++) {
    if (cy_model_run(m, s->seed, r, &o, &err) != CY_OK) {
      fprintf(stderr, "bench: %s\n", err.msg);
      exit(1);
    }
    *events += o.events;
  }
  double dt = bench_now_s() - t0;
  cy_outcome_fini(&o);
  return dt;
}
#endif
