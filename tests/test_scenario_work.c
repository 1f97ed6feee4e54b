/* test_scenario_work.c: the work estimate and caps (cy_study_estimate,
 * cy_study_check_work): exact figures on a scenario small enough to count
 * by hand, the estimate bounding the events the model really processes
 * (responses, mutual defence, intel sharing, timeline rate changes), the
 * caps and their messages, overrides of replications and the event log. */
#include "cysim/cy_model.h"
#include "cysim/cy_study.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static cy_study *load(const char *name, const char *text,
                      const char *const *sets, size_t n_sets, cy_error *err) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
  cy_study *st = NULL;
  cy_error_clear(err);
  if (cy_study_load(&st, path, sets, n_sets, err) != CY_OK)
    fprintf(stderr, "load %s: %s\n", name, err->msg);
  return st;
}

/* Two states, no responses: every figure can be counted by hand. */
static void test_exact(void) {
  cy_error err;
  cy_study *st = load("exact.cfg",
                      "scenario = { horizon = 100.0; replications = 10; };\n"
                      "states = (\n"
                      "  { id = \"A\"; attack = { rate = 0.5; }; },\n"
                      "  { id = \"B\"; attack = { rate = 0.5; }; } );\n"
                      "output = { bin = 10.0; };\n",
                      NULL, 0, &err);
  CHECK(st, "exact.cfg loads");
  if (!st)
    return;
  cy_work w;
  CHECK(cy_study_estimate(st, 0, false, &w, &err) == CY_OK, "estimate: %s",
        err.msg);
  /* 2 attackers x rate 0.5 x (hostility weight <= 1) x exposure 1 x 100
   * days = 100 operations; each at most 1 + detection 0.5 + detection x
   * attribution 0.25 events; 2 x floor(100/30) = 6 reviews. */
  CHECK_NEAR(w.span, 100.0, 0, "span is the horizon");
  CHECK_NEAR(w.ops_per_rep, 100.0, 1e-9, "operations");
  CHECK_NEAR(w.events_per_rep, 100.0 * 1.75 + 6.0, 1e-9, "events");
  CHECK_NEAR(w.events_total, 10.0 * (100.0 * 1.75 + 6.0), 1e-6,
             "events of the study");
  CHECK_NEAR(w.points, 1, 0, "points");
  CHECK_NEAR(w.replications, 10, 0, "replications");
  CHECK_NEAR(w.runs, 10, 0, "runs");
  CHECK_NEAR(w.bins, 10, 0, "bins");
  CHECK_NEAR(w.log_records, 0, 0, "no event log");
  /* summary: 40 bytes per pair, 3 optypes x 4, 17 of events, seed and
   * status; time series 10 bins x 4 pairs x 4 bytes */
  CHECK_NEAR(w.bytes_per_run, 40 * 4 + 12 + 17 + 10 * 4 * 4, 0,
             "bytes per run");
  CHECK_NEAR(w.output_bytes, 10 * w.bytes_per_run, 1e-9, "output");
  CHECK(w.memory_bytes > 0 && w.memory_bytes < 1 << 20,
        "memory of a tiny run: %g", w.memory_bytes);

  /* run -n 1000 --event-log */
  cy_work big;
  CHECK(cy_study_estimate(st, 1000, true, &big, &err) == CY_OK, "estimate");
  CHECK_NEAR(big.runs, 1000, 0, "replications override");
  /* launch + outcome + detect + attribute: 100 x (2 + 0.5 + 0.25) */
  CHECK_NEAR(big.log_records, 275.0, 1e-9, "event log records");
  CHECK(big.memory_bytes > w.memory_bytes &&
            big.bytes_per_run == w.bytes_per_run + 36.0 * 275.0,
        "the event log costs memory and output");
  CHECK(cy_study_check_work(st, NULL, 0, false, NULL, &err) == CY_OK,
        "a small study passes the default caps: %s", err.msg);
  cy_study_free(st);
}

/* Mean kernel events of R replications of scenario s. */
static double mean_events(const cy_scenario *s, int R) {
  cy_model *m = NULL;
  cy_outcome o;
  cy_error err;
  if (cy_outcome_init(&o, s) != CY_OK || cy_model_alloc(&m, s, &err) != CY_OK) {
    fprintf(stderr, "model: %s\n", err.msg);
    exit(1);
  }
  double sum = 0;
  for (int r = 0; r < R; r++) {
    if (cy_model_run(m, 7, (uint64_t)r, &o, &err) != CY_OK) {
      fprintf(stderr, "run: %s\n", err.msg);
      exit(1);
    }
    sum += (double)o.events;
  }
  cy_model_free(m);
  cy_outcome_fini(&o);
  return sum / R;
}

/* The estimate bounds what the model does, also where responses multiply
 * (close to critical), allies respond collectively, intel boosts
 * detection and a timeline `set` raises a rate. */
static void test_bounds_the_model(void) {
  static const char *const cases[] = {
      /* escalating responses, certain attribution: m close to 1 */
      "scenario = { horizon = 365.0; };\n"
      "states = (\n"
      "  { id = \"A\"; detection = 0.9; attribution = 1.0; "
      "attribution_delay = 5.0; dwell = 5.0;\n"
      "    attack = { rate = 0.3; };\n"
      "    response = { policy = \"escalating\"; delay = 2.0; "
      "escalation = 0.5; }; },\n"
      "  { id = \"B\"; detection = 0.9; attribution = 1.0; "
      "attribution_delay = 5.0; dwell = 5.0;\n"
      "    attack = { rate = 0.3; };\n"
      "    response = { policy = \"proportional\"; delay = 2.0; }; } );\n",
      /* a mutual-defence bloc answering collectively, intel sharing and a
       * rate raised by the timeline */
      "scenario = { horizon = 730.0; };\n"
      "states = (\n"
      "  { id = \"A\"; attack = { rate = 0.5; policy = \"uniform\"; };\n"
      "    response = { policy = \"proportional\"; delay = 10.0; }; },\n"
      "  { id = \"B\"; response = { policy = \"proportional\"; }; },\n"
      "  { id = \"C\"; response = { policy = \"proportional\"; }; },\n"
      "  { id = \"D\"; attack = { rate = 0.2; policy = \"value\"; };\n"
      "    response = { policy = \"proportional\"; }; } );\n"
      "relations = ( { from = \"A\"; to = \"B\"; hostility = 0.9; } );\n"
      "alliances = ( { id = \"bloc\"; members = [ \"B\", \"C\", \"D\" ];\n"
      "  mutual_defence = { solidarity = 1.0; collective_response = true; "
      "};\n"
      "  intel_sharing = { share = 1.0; boost = 0.4; ttl = 90.0; }; } );\n"
      "timeline = ( { at = 100.0; event = \"set\"; state = \"D\";\n"
      "  attribute = \"attack.rate\"; value = 2.0; } );\n",
  };
  cy_error err;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char name[32];
    snprintf(name, sizeof name, "model%zu.cfg", c);
    cy_study *st = load(name, cases[c], NULL, 0, &err);
    CHECK(st, "%s loads", name);
    if (!st)
      continue;
    cy_work w;
    CHECK(cy_study_estimate(st, 0, false, &w, &err) == CY_OK, "estimate");
    double real = mean_events(cy_study_base(st), 200);
    printf("%s: %.1f events on average, estimated at most %.1f\n", name, real,
           w.events_per_rep);
    CHECK(real > 0 && real <= w.events_per_rep,
          "%s: %.1f events on average, estimate %.1f must bound it", name, real,
          w.events_per_rep);
    /* a bound, but not one so loose that it refuses real studies */
    CHECK(w.events_per_rep < 1000.0 * real,
          "%s: estimate %.1f within 1000x of %.1f", name, w.events_per_rep,
          real);
    cy_study_free(st);
  }
}

static void test_caps(void) {
  cy_error err;
  const char *base = "scenario = { horizon = 1825.0; };\n"
                     "states = (\n"
                     "  { id = \"A\"; attack = { rate = 1e12; }; },\n"
                     "  { id = \"B\"; } );\n";
  cy_study *st = load("caps.cfg", base, NULL, 0, &err);
  CHECK(st, "a typo loads: caps are a separate check");
  if (!st)
    return;
  cy_work w;
  memset(&w, 0, sizeof w);
  int rc = cy_study_check_work(st, NULL, 0, false, &w, &err);
  CHECK(rc == CY_EINPUT && cy_exit_status(rc) == 2, "refused with exit 2");
  CHECK(strstr(err.msg, "caps.cfg:3: states.[0].attack.rate = 1e12: about ") &&
            strstr(err.msg, " expected events per replication (cap 1e9); pass "
                            "--allow-large to run it anyway"),
        "message names file:line, setting, cap and flag: %s", err.msg);
  CHECK(w.events_per_rep > 1e15, "the estimate is filled: %g",
        w.events_per_rep);
  cy_work_caps lax = cy_work_caps_default;
  lax.events_per_rep = INFINITY;
  lax.memory_bytes = INFINITY;
  CHECK(cy_study_check_work(st, &lax, 0, false, NULL, &err) == CY_OK,
        "caps of the caller's choosing: %s", err.msg);
  cy_study_free(st);

  /* the points and runs caps, before any estimate */
  const char *sets[] = {"scenario.replications=3000000000"};
  st = load("runs.cfg",
            "scenario = { horizon = 10.0; };\n"
            "states = ( { id = \"A\"; }, { id = \"B\"; } );\n",
            sets, 1, &err);
  CHECK(st, "runs.cfg loads");
  if (st) {
    rc = cy_study_check_work(st, NULL, 0, false, NULL, &err);
    CHECK(rc == CY_EINPUT &&
              strstr(err.msg, "--set scenario.replications=3000000000: "
                              "scenario.replications = 3000000000: 3e9 runs"),
          "runs cap names the --set: %s", err.msg);
    /* `run -n 5` replaces the replications: then the runs are few */
    CHECK(cy_study_check_work(st, NULL, 5, false, NULL, &err) == CY_OK,
          "run -n 5 passes: %s", err.msg);
    cy_study_free(st);
  }
  st = load("pts.cfg",
            "scenario = { horizon = 10.0; };\n"
            "states = ( { id = \"A\"; offense = 0.5; defense = 0.5; },\n"
            "  { id = \"B\"; } );\n"
            "sweep = (\n"
            "  { path = \"states.[0].offense\"; from = 0.0; to = 1.0; "
            "steps = 2000; },\n"
            "  { path = \"states.[0].defense\"; from = 0.0; to = 1.0; "
            "steps = 2000; } );\n",
            NULL, 0, &err);
  CHECK(st && cy_study_n_points(st) == 4000000,
        "a sweep past the points cap loads (unvalidated)");
  if (st) {
    rc = cy_study_check_work(st, NULL, 0, false, NULL, &err);
    CHECK(rc == CY_EINPUT &&
              strstr(err.msg, "pts.cfg:4: sweep: 2000 x 2000 = 4e6 points "
                              "(cap 1e6); pass --allow-large"),
          "points cap: %s", err.msg);
    cy_study_free(st);
  }
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/cysim_work_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_exact();
  test_bounds_the_model();
  test_caps();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return cy_test_finish();
}
