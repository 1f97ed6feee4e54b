/* bench_model_small.c: the fixed cost of a replication.
 *
 * Two figures, one core:
 * - a 3-state world (bench_world.h: all pairs hostile) whose horizon gives
 *   about 500 kernel events per replication: its events/s and the
 *   microseconds one replication takes.  Issue 14's target: within 25% of
 *   the flagship's events/s (bench_model's model_events_per_s), i.e. the
 *   per-replication overhead is small next to 500 events' work;
 *   RESULT small_events_per_s, RESULT small_rep_us;
 * - the flagship (scenarios/ru_cn_pact_2015.cfg, point 0, 5 states) with
 *   its horizon cut to 1 day and no warm-up, so a replication does almost
 *   nothing but reset and finish: the microseconds per replication are the
 *   fixed cost (target <= 5 us at 5 states); RESULT fixed_rep_5_us.
 * Each is the median of 5 trials of about 0.3 s; bench/run.sh runs this 5
 * times and reports medians. */
#include "bench_world.h"
#include "cysim/cy_study.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median over 5 trials of seconds per replication; *ev_rate the median
 * events/s. */
static double trials(cy_model *m, const cy_scenario *s, double *ev_rate,
                     double *ev_per_rep) {
  uint64_t rep = 0, events = 0;
  double dt = 0;
  while (dt < 0.05)
    dt += bench_reps(m, s, rep++, 1, &events);
  uint64_t per = (uint64_t)((double)rep * 0.3 / dt) + 1;
  double sec[5], rate[5];
  for (int t = 0; t < 5; t++) {
    events = 0;
    double d = bench_reps(m, s, rep, per, &events);
    rep += per;
    sec[t] = d / (double)per;
    rate[t] = (double)events / d;
    *ev_per_rep = (double)events / (double)per;
  }
  qsort(sec, 5, sizeof *sec, cmp);
  qsort(rate, 5, sizeof *rate, cmp);
  *ev_rate = rate[2];
  return sec[2];
}

static int small_world(void) {
  cy_scenario s;
  /* 3 states at 0.4 operations a day each: about 500 events in 340 days
   * (operations, detections, attributions, responses, reviews). */
  bench_world(&s, 3, 340.0, 0.4);
  cy_model *m;
  cy_error err;
  if (cy_model_alloc(&m, &s, &err) != CY_OK) {
    fprintf(stderr, "bench_model_small: %s\n", err.msg);
    return 1;
  }
  double rate, per_rep;
  double sec = trials(m, &s, &rate, &per_rep);
  fprintf(stderr, "bench_model_small: 3 states, 340 days, %.0f events/rep\n",
          per_rep);
  printf("RESULT small_events_per_s %.0f\n", rate);
  printf("RESULT small_rep_us %.3f\n", 1e6 * sec);
  cy_model_free(m);
  cy_scenario_fini(&s);
  return 0;
}

static int fixed_cost(const char *path) {
  cy_scenario s;
  cy_scenario_init(&s);
  cy_study *st = NULL;
  cy_error err;
  if (cy_study_load(&st, path, NULL, 0, &err) != CY_OK ||
      cy_study_point(st, 0, &s, &err) != CY_OK) {
    fprintf(stderr,
            "bench_model_small: %s: %s (run from the repository root)\n", path,
            err.msg);
    cy_study_free(st);
    return 1;
  }
  cy_study_free(st);
  s.horizon = 1.0;
  s.warmup = 0.0;
  /* Timeline entries and alliance windows past a 1-day horizon never fire. */
  cy_model *m;
  if (cy_model_alloc(&m, &s, &err) != CY_OK) {
    fprintf(stderr, "bench_model_small: %s\n", err.msg);
    return 1;
  }
  double rate, per_rep;
  double sec = trials(m, &s, &rate, &per_rep);
  fprintf(stderr,
          "bench_model_small: %s cut to 1 day: %zu states, %.1f events/rep\n",
          path, s.n_states, per_rep);
  printf("RESULT fixed_rep_5_us %.3f\n", 1e6 * sec);
  cy_model_free(m);
  cy_scenario_fini(&s);
  return 0;
}

int main(int argc, char **argv) {
  if (small_world())
    return 1;
  return fixed_cost(argc > 1 ? argv[1] : "scenarios/ru_cn_pact_2015.cfg");
}
