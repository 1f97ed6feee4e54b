/* test_scenario_warmup.c: `scenario.warmup` as the loader reads it
 * (MODEL.md §10.2): the default is 0, and `warmup = 0.0` (stated, set on
 * the command line, or a sweep value) runs bit for bit like leaving it
 * out; days before 0 are accepted back to -warmup and refused beyond. */
#include "cysim/cy_model.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_study.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SEED = 3003, R = 100 };

static char dir[64];

static const char *write_file(const char *name, const char *text) {
  return cy_test_write_file(dir, name, text);
}

static cy_study *load(const char *name, const char *text, const char *set,
                      cy_error *err) {
  const char *sets[1] = {set};
  cy_study *st = NULL;
  cy_error_clear(err);
  cy_study_load(&st, write_file(name, text), sets, set ? 1 : 0, err);
  return st;
}

/* A busy three-state world (escalating responses, a pact that can break,
 * mutual defence, deterrence, a timeline, an event log): any difference the
 * stated 0 made would show in some replication. */
#define SCENARIO_HEAD "scenario = { horizon = 500.0; seed = 7L; "
#define SCENARIO_BODY                                                          \
  "};\n"                                                                       \
  "defaults = { hostility = 0.3; };\n"                                         \
  "states = (\n"                                                               \
  " { id = \"A\"; attack = { rate = 0.3; deterrence = 1.0; };\n"               \
  "   response = { policy = \"escalating\"; delay = 5.0; }; },\n"              \
  " { id = \"B\"; attack = { rate = 0.2; };\n"                                 \
  "   response = { policy = \"proportional\"; delay = 5.0; }; },\n"            \
  " { id = \"C\"; attack = { rate = 0.2; }; misattribution = 0.2; } );\n"      \
  "alliances = ( { id = \"AB\"; members = [ \"A\", \"B\" ];\n"                 \
  "   nonaggression = { compliance = 0.7; breach = \"tolerance\";\n"           \
  "                     threshold = 2; window = 100.0; }; },\n"                \
  " { id = \"BC\"; members = [ \"B\", \"C\" ]; from = 50.0;\n"                 \
  "   mutual_defence = { collective_response = true; }; } );\n"                \
  "timeline = ( { at = 100.0; event = \"sanctions\"; by = \"A\"; on = "        \
  "\"C\"; } );\n"                                                              \
  "output = { event_log = true; };\n"

static const char *const omitted = SCENARIO_HEAD SCENARIO_BODY;
static const char *const stated = SCENARIO_HEAD "warmup = 0.0; " SCENARIO_BODY;
static const char *const swept = SCENARIO_HEAD
    "warmup = 10.0; " SCENARIO_BODY
    "sweep = ( { path = \"scenario.warmup\"; values = [ 0.0, 50.0 ]; } );\n";

/* Runs R replications of point `point` of the study into outs[0..R). */
static void run_point(const cy_study *st, size_t point, cy_outcome *outs) {
  cy_scenario s;
  cy_error err;
  if (cy_study_point(st, point, &s, &err) != 0) {
    fprintf(stderr, "point: %s\n", err.msg);
    exit(1);
  }
  cy_model *m;
  if (cy_model_alloc(&m, &s, &err) != 0)
    exit(1);
  for (int rep = 0; rep < R; rep++) {
    if (cy_outcome_init(&outs[rep], &s) != 0 ||
        cy_model_run(m, SEED, (uint64_t)rep, &outs[rep], &err) != 0) {
      fprintf(stderr, "run: %s\n", err.msg);
      exit(1);
    }
  }
  cy_model_free(m);
  cy_scenario_fini(&s);
}

static int count_differences(const cy_outcome *x, const cy_outcome *y) {
  int differ = 0;
  for (int rep = 0; rep < R; rep++)
    differ += !cy_outcome_equal(&x[rep], &y[rep]);
  return differ;
}

static void test_zero_is_default(void) {
  static cy_outcome ref[R], other[R];
  cy_error err;
  cy_study *st = load("omitted.cfg", omitted, NULL, &err);
  CHECK(st, "loads: %s", err.msg);
  if (!st)
    return;
  CHECK(cy_study_base(st)->warmup == 0.0, "warmup defaults to 0");
  run_point(st, 0, ref);
  cy_study_free(st);
  size_t records = 0;
  for (int rep = 0; rep < R; rep++)
    records += ref[rep].log_len;
  CHECK(records > 100u * R, "a busy world (%zu log records per replication)",
        records / R);

  struct {
    const char *name, *text, *set;
    size_t point;
  } variants[] = {
      {"stated.cfg", stated, NULL, 0},
      {"set.cfg", omitted, "scenario.warmup=0.0", 0},
      {"swept.cfg", swept, NULL, 0},
  };
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    st = load(variants[v].name, variants[v].text, variants[v].set, &err);
    CHECK(st, "%s loads: %s", variants[v].name, err.msg);
    if (!st)
      continue;
    run_point(st, variants[v].point, other);
    int differ = count_differences(ref, other);
    CHECK(differ == 0,
          "%s: warmup 0 == left out, bit for bit (%d of %d differ)",
          variants[v].name, differ, R);
    if (v == 2) {
      /* The sweep's second point (W = 50) does change the outcome. */
      for (int rep = 0; rep < R; rep++)
        cy_outcome_fini(&other[rep]);
      run_point(st, 1, other);
      differ = count_differences(ref, other);
      CHECK(differ > R / 2, "W = 50 differs (%d of %d)", differ, R);
    }
    for (int rep = 0; rep < R; rep++)
      cy_outcome_fini(&other[rep]);
    cy_study_free(st);
  }
  for (int rep = 0; rep < R; rep++)
    cy_outcome_fini(&ref[rep]);
}

/* Days in [-W, horizon) are accepted for `at`, `from` and `until`; before
 * -W they are refused. */
static void test_days_before_zero(void) {
  static const char *const ok =
      "scenario = { horizon = 100.0; warmup = 50.0; };\n"
      "states = ( { id = \"A\"; }, { id = \"B\"; } );\n"
      "alliances = ( { id = \"P\"; members = [ \"A\", \"B\" ]; from = -50.0; "
      "until = -10.0; nonaggression = {}; } );\n"
      "timeline = ( { at = -50.0; event = \"sanctions\"; by = \"A\"; on = "
      "\"B\"; } );\n";
  cy_error err;
  cy_study *st = load("ok.cfg", ok, NULL, &err);
  CHECK(st, "days back to -warmup load: %s", err.msg);
  if (st) {
    const cy_scenario *s = cy_study_base(st);
    CHECK(s->alliances[0].from == -50.0 && s->alliances[0].until == -10.0 &&
              s->timeline[0].at == -50.0,
          "negative days kept");
    cy_study_free(st);
  }
  st = load("early.cfg", ok, "scenario.warmup=40.0", &err);
  CHECK(!st && err.code == CY_EINPUT,
        "a day before -warmup is an input error: %s", err.msg);
  cy_study_free(st);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/cysim_test_warmup_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_zero_is_default();
  test_days_before_zero();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return cy_test_finish();
}
