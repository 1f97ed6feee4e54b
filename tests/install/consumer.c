/* consumer.c: a program outside cysim's tree that uses the installed library
 * through its public headers only.  tests/test_install.sh builds it twice,
 * with CMake's find_package(cysim) and with pkg-config, and compares what
 * the two print.
 *
 *   consumer SCENARIO.cfg
 *
 * loads the study (libconfig), runs replication 0 of its first point twice
 * (the model), and draws from cysim's random streams (the ziggurat tables,
 * GSL): everything it prints is a function of the scenario. */
#include <cysim/cy_error.h>
#include <cysim/cy_model.h>
#include <cysim/cy_outcome.h>
#include <cysim/cy_rng.h>
#include <cysim/cy_scenario.h>
#include <cysim/cy_study.h>
#include <cysim/cy_version.h>

#include <inttypes.h>
#include <stdio.h>

/* The kernel events of replication 0 of s; 0 on failure (message printed). */
static uint64_t run_once(const cy_scenario *s) {
  cy_error err;
  cy_model *m = NULL;
  cy_outcome o;
  uint64_t events = 0;
  if (cy_model_alloc(&m, s, &err) != CY_OK) {
    fprintf(stderr, "consumer: %s\n", err.msg);
    return 0;
  }
  if (cy_outcome_init(&o, s) != CY_OK) {
    fprintf(stderr, "consumer: out of memory\n");
  } else {
    if (cy_model_run(m, s->seed, 0, &o, &err) == CY_OK)
      events = o.events;
    else
      fprintf(stderr, "consumer: %s\n", err.msg);
    cy_outcome_fini(&o);
  }
  cy_model_free(m);
  return events;
}

static int run_point0(const cy_study *st) {
  cy_error err;
  cy_scenario s;
  if (cy_study_point(st, 0, &s, &err) != CY_OK) {
    fprintf(stderr, "consumer: %s\n", err.msg);
    return 1;
  }
  uint64_t first = run_once(&s), second = run_once(&s);
  printf("scenario %s: %zu states, replication 0: %" PRIu64 " events\n", s.name,
         s.n_states, first);
  printf("replication 0 again: %s\n",
         first > 0 && first == second ? "same" : "DIFFERENT");
  cy_scenario_fini(&s);
  return first > 0 && first == second ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: consumer SCENARIO.cfg\n");
    return 2;
  }
  printf("cysim %s\n", CYSIM_VERSION);
  printf("CY_EINPUT: %s\n", cy_strerror(CY_EINPUT));
  cy_xoshiro x;
  cy_xoshiro_seed(&x, cy_stream_seed(1, 0, 0));
  printf("exponential draw: %a\n", cy_xoshiro_exp(&x));
  gsl_rng *r = cy_rng_alloc(cy_stream_seed(1, 0, 1));
  if (!r)
    return 1;
  printf("gsl_rng_uniform: %a\n", gsl_rng_uniform(r));
  gsl_rng_free(r);

  cy_error err;
  cy_study *st = NULL;
  if (cy_study_load(&st, argv[1], NULL, 0, &err) != CY_OK) {
    fprintf(stderr, "consumer: %s\n", err.msg);
    return 1;
  }
  printf("study: %zu points\n", cy_study_n_points(st));
  int rc = run_point0(st);
  cy_study_free(st);
  return rc;
}
