/* bench_model_scale.c: model cost per event against the number of states.
 *
 * Worlds of 16, 64, 128 and 193 states with every pair hostile
 * (bench_world.h; each state launches 0.25 operations a day whatever N),
 * 10 replications of 10 years each, one core.  Prints, machine-readably,
 *   RESULT scale_<N>_ns <ns per kernel event>      for each N
 *   RESULT scale_193_over_16_ratio <ns at 193 / ns at 16>
 * Issue 14's target: the ratio <= 1.3 (cost per event nearly independent
 * of N).  bench/run.sh runs this 5 times and reports medians. */
#include "bench_world.h"

int main(void) {
  static const size_t sizes[] = {16, 64, 128, 193};
  enum { N_SIZES = sizeof sizes / sizeof sizes[0] };
  const uint64_t reps = 10;
  double ns[N_SIZES];
  for (int k = 0; k < N_SIZES; k++) {
    cy_scenario s;
    bench_world(&s, sizes[k], 3650.0, 0.25);
    cy_model *m;
    cy_error err;
    if (cy_model_alloc(&m, &s, &err) != CY_OK) {
      fprintf(stderr, "bench_model_scale: %s\n", err.msg);
      return 1;
    }
    uint64_t events = 0;
    double dt = bench_reps(m, &s, 0, reps, &events);
    ns[k] = 1e9 * dt / (double)events;
    fprintf(stderr,
            "bench_model_scale: %zu states, %llu reps x 3650 days, %.0f "
            "events/rep, %.2f s\n",
            sizes[k], (unsigned long long)reps, (double)events / (double)reps,
            dt);
    printf("RESULT scale_%zu_ns %.2f\n", sizes[k], ns[k]);
    cy_model_free(m);
    cy_scenario_fini(&s);
  }
  printf("RESULT scale_193_over_16_ratio %.3f\n", ns[N_SIZES - 1] / ns[0]);
  return 0;
}
