/* test_scenario_study.c: the study API (cy_study.h) on scenario files written
 * to a temporary directory: defaults, the baseline matrix, sweep ordering,
 * zip groups, ranges, --set, @include, timeline order, integer guards, and
 * points resolved from several threads at once. */
#include "cysim/cy_study.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];

static const char *write_file(const char *name, const char *text) {
  return cy_test_write_file(dir, name, text);
}

static cy_study *load(const char *name, const char *text,
                      const char *const *sets, size_t n_sets, cy_error *err) {
  char path[256];
  snprintf(path, sizeof path, "%s", write_file(name, text));
  cy_study *st = NULL;
  cy_error_clear(err);
  cy_study_load(&st, path, sets, n_sets, err);
  return st;
}

#define TWO                                                                    \
  "scenario = { horizon = 100.0; };\n"                                         \
  "states = ( { id = \"A\"; }, { id = \"B\"; } );\n"

static void test_defaults(void) {
  cy_error err;
  cy_study *st = load("minimal.cfg", TWO, NULL, 0, &err);
  CHECK(st, "minimal scenario loads: %s", err.msg);
  if (!st)
    return;
  const cy_scenario *s = cy_study_base(st);
  /* MODEL.md §9 defaults; the name defaults to the file's stem */
  CHECK(strcmp(s->name, "minimal") == 0, "name %s", s->name);
  CHECK(s->replications == 1 && s->seed == 0, "replications/seed defaults");
  CHECK_NEAR(s->decisiveness, 1.0, 0, "decisiveness");
  CHECK_NEAR(s->horizon, 100.0, 0, "int-free horizon read");
  CHECK(s->n_states == 2, "2 states");
  const cy_state_spec *a = &s->states[0];
  CHECK_NEAR(a->offense, 0.5, 0, "offense");
  CHECK_NEAR(a->misattribution, 0.0, 0, "misattribution");
  CHECK_NEAR(a->exposure, 1.0, 0, "exposure");
  CHECK_NEAR(a->dwell, 30.0, 0, "dwell");
  CHECK_NEAR(a->attribution_delay, 60.0, 0, "attribution_delay");
  CHECK_NEAR(a->relaxation, 365.0, 0, "relaxation");
  CHECK(strcmp(a->attack.policy, "hostility") == 0, "attack policy");
  CHECK_NEAR(a->attack.rate, 0.1, 0, "attack rate");
  CHECK_NEAR(a->attack.mix[0], 1.0, 0, "mix all espionage");
  CHECK(strcmp(a->response.policy, "none") == 0, "response policy");
  CHECK_NEAR(a->response.escalate, 0.2, 0, "escalate");
  CHECK(strcmp(a->review.policy, "periodic") == 0, "review policy");
  CHECK_NEAR(a->review.interval, 30.0, 0, "review interval");
  CHECK(s->n_optypes == 3 && strcmp(s->optypes[2].name, "destruction") == 0,
        "default optypes");
  CHECK_NEAR(s->optypes[1].difficulty, 1.2, 0, "disruption difficulty");
  CHECK(s->output.timeseries && !s->output.event_log, "output defaults N=2");
  CHECK_NEAR(s->output.bin, 30.0, 0, "bin");
  CHECK(cy_study_n_points(st) == 1 && cy_study_n_axes(st) == 0, "no sweep");
  CHECK(strstr(cy_study_text(st), "horizon = 100.0") != NULL, "raw text kept");
  cy_study_free(st);

  /* 17 states: time series default off (N > 16) */
  char big[4096];
  int len =
      snprintf(big, sizeof big, "scenario = { horizon = 10.0; };\nstates = (");
  for (int i = 0; i < 17; i++)
    len += snprintf(big + len, sizeof big - (size_t)len, "%s{ id = \"S%d\"; }",
                    i ? ", " : "", i);
  snprintf(big + len, sizeof big - (size_t)len, ");\n");
  st = load("seventeen.cfg", big, NULL, 0, &err);
  CHECK(st && !cy_study_base(st)->output.timeseries,
        "timeseries off for N = 17: %s", err.msg);
  cy_study_free(st);

  /* custom optypes: a default name keeps its defaults, order is kept */
  st = load("optypes.cfg",
            TWO "optypes = ( { name = \"sabotage\"; damage = 0.2; difficulty "
                "= 2; severity = 0.7; }, { name = \"espionage\"; } );\n",
            NULL, 0, &err);
  CHECK(st, "custom optypes: %s", err.msg);
  if (st) {
    const cy_scenario *o = cy_study_base(st);
    CHECK(o->n_optypes == 2 && strcmp(o->optypes[0].name, "sabotage") == 0,
          "optypes replaced in order");
    CHECK_NEAR(o->optypes[0].difficulty, 2.0, 0, "int accepted as float");
    CHECK_NEAR(o->optypes[1].severity, 0.2, 0, "espionage keeps defaults");
    CHECK_NEAR(o->states[0].attack.mix[0], 1.0, 0, "default mix on optype 0");
  }
  cy_study_free(st);
}

static void test_baseline(void) {
  cy_error err;
  cy_study *st = load(
      "matrix.cfg",
      "scenario = { horizon = 10.0; };\ndefaults = { hostility = 0.2; };\n"
      "states = ( { id = \"A\"; }, { id = \"B\"; }, { id = \"C\"; } );\n"
      "relations = ( { from = \"A\"; to = \"B\"; hostility = 0.5; },\n"
      "  { from = \"B\"; to = \"C\"; hostility = 0.7; directed = true; } );\n",
      NULL, 0, &err);
  CHECK(st, "matrix scenario loads: %s", err.msg);
  if (!st)
    return;
  const double *b = cy_study_base(st)->baseline;
  /* A=0 B=1 C=2; symmetric A-B, directed B->C only, the rest default */
  double want[9] = {0, 0.5, 0.2, 0.5, 0, 0.7, 0.2, 0.2, 0};
  for (int i = 0; i < 9; i++)
    CHECK_NEAR(b[i], want[i], 0, "baseline entry");
  cy_study_free(st);
}

static void test_sweep_order(void) {
  cy_error err;
  cy_study *st = load(
      "grid.cfg",
      "scenario = { horizon = 10.0; };\n"
      "states = ( { id = \"A\"; offense = 0.5; defense = 0.5; }, { id = "
      "\"B\"; } );\n"
      "sweep = ( { path = \"states.[0].offense\"; values = [ 0, 1 ]; },\n"
      "  { path = \"states.[0].defense\"; name = \"d\"; values = [ 0.1, 0.2, "
      "0.3 ]; } );\n",
      NULL, 0, &err);
  CHECK(st, "grid loads: %s", err.msg);
  if (!st)
    return;
  CHECK(cy_study_n_points(st) == 6, "2 x 3 points");
  const cy_axis *a0 = cy_study_axis(st, 0), *a1 = cy_study_axis(st, 1);
  CHECK(strcmp(a0->name, "states__0__offense") == 0, "default name %s",
        a0->name);
  CHECK(strcmp(a1->name, "d") == 0, "given name");
  CHECK(a0->type == CY_VALUE_DOUBLE && a0->doubles[1] == 1.0,
        "int values of a float setting become doubles");
  for (size_t p = 0; p < 6; p++) {
    /* row-major, last axis fastest */
    CHECK(cy_study_value_index(st, p, 0) == p / 3, "axis 0 index at %zu", p);
    CHECK(cy_study_value_index(st, p, 1) == p % 3, "axis 1 index at %zu", p);
    cy_scenario s;
    int rc = cy_study_point(st, p, &s, &err);
    CHECK(rc == 0, "point %zu resolves: %s", p, err.msg);
    if (rc)
      continue;
    CHECK_NEAR(s.states[0].offense, (double)(p / 3), 0, "swept offense");
    CHECK_NEAR(s.states[0].defense, 0.1 * (double)(p % 3 + 1), 1e-15,
               "swept defense");
    cy_scenario_fini(&s);
  }
  /* the base keeps the file's values */
  CHECK_NEAR(cy_study_base(st)->states[0].defense, 0.5, 0, "base untouched");
  cy_scenario s;
  CHECK(cy_study_point(st, 6, &s, &err) == CY_EINPUT, "point 6 is outside");
  cy_study_free(st);
}

static void test_zip_and_ranges(void) {
  cy_error err;
  cy_study *st = load(
      "zip.cfg",
      "scenario = { horizon = 10.0; };\n"
      "states = ( { id = \"A\"; offense = 0.5; defense = 0.5; }, { id = "
      "\"B\"; offense = 0.5; } );\n"
      "alliances = ( { id = \"p\"; members = [ \"A\", \"B\" ];\n"
      "  nonaggression = { threshold = 1; breach = \"tolerance\"; }; } );\n"
      "sweep = ( { path = \"states.[0].offense\"; zip = \"z\"; from = 0.0; "
      "to = 1.0; steps = 5; },\n"
      "  { path = \"alliances.[0].nonaggression.threshold\"; from = 1; to = "
      "7; steps = 4; },\n"
      "  { path = \"states.[1].offense\"; zip = \"z\"; values = [ 0.9, 0.8, "
      "0.7, 0.6, 0.5 ]; } );\n",
      NULL, 0, &err);
  CHECK(st, "zip loads: %s", err.msg);
  if (!st)
    return;
  /* zip group z is one dimension (5) at axis 0's place, then threshold (4) */
  CHECK(cy_study_n_points(st) == 20, "5 x 4 points, got %zu",
        cy_study_n_points(st));
  const cy_axis *r = cy_study_axis(st, 0), *t = cy_study_axis(st, 1);
  double want[5] = {0, 0.25, 0.5, 0.75, 1.0}; /* inclusive, even spacing */
  for (int i = 0; i < 5; i++)
    CHECK_NEAR(r->doubles[i], want[i], 0, "from/to/steps value");
  CHECK(t->type == CY_VALUE_INT && t->n_values == 4 && t->ints[0] == 1 &&
            t->ints[1] == 3 && t->ints[3] == 7,
        "integer range 1, 3, 5, 7");
  for (size_t p = 0; p < 20; p++) {
    size_t z = p / 4, k = p % 4;
    CHECK(cy_study_value_index(st, p, 0) == z &&
              cy_study_value_index(st, p, 2) == z &&
              cy_study_value_index(st, p, 1) == k,
          "zip lockstep at %zu", p);
  }
  cy_scenario s;
  if (cy_study_point(st, 13, &s, &err) == 0) { /* z = 3, k = 1 */
    CHECK_NEAR(s.states[0].offense, 0.75, 0, "point 13 A offense");
    CHECK_NEAR(s.states[1].offense, 0.6, 0, "point 13 B offense");
    CHECK(s.alliances[0].nonaggression.threshold == 3, "point 13 threshold");
    cy_scenario_fini(&s);
  } else {
    CHECK(0, "point 13: %s", err.msg);
  }
  cy_study_free(st);
}

static void test_set(void) {
  cy_error err;
  const char *sets[] = {"states.[1].offense=0.9", "states.[0].attack.rate=0.3",
                        "scenario.seed=5000000000", "scenario.name=\"x y\"",
                        "output.event_log=true"};
  cy_study *st = load("set.cfg", TWO, sets, 5, &err);
  CHECK(st, "--set loads: %s", err.msg);
  if (st) {
    const cy_scenario *s = cy_study_base(st);
    CHECK_NEAR(s->states[1].offense, 0.9, 0, "--set existing-free key");
    CHECK_NEAR(s->states[0].attack.rate, 0.3, 0, "--set creates attack group");
    CHECK(s->seed == 5000000000LL, "--set int64 seed");
    CHECK(strcmp(s->name, "x y") == 0, "--set string, quotes stripped");
    CHECK(s->output.event_log, "--set bool creates output group");
  }
  cy_study_free(st);
  /* a later --set wins; an int given for a float setting is fine */
  const char *twice[] = {"scenario.horizon=50", "scenario.horizon=70"};
  st = load("set2.cfg", TWO, twice, 2, &err);
  CHECK(st && cy_study_base(st)->horizon == 70.0, "last --set wins: %s",
        err.msg);
  cy_study_free(st);
  const char *bad[] = {"scenario.replications=2.5"};
  st = load("set3.cfg", TWO, bad, 1, &err);
  CHECK(!st && err.code == CY_EINPUT &&
            strstr(err.msg, "--set scenario.replications=2.5") != NULL,
        "float for an int --set refused: %s", err.msg);
  const char *badpath[] = {"scenario.horizn=5"};
  st = load("set4.cfg", TWO, badpath, 1, &err);
  CHECK(!st && strstr(err.msg, "did you mean 'horizon'") != NULL,
        "bad --set path suggests: %s", err.msg);
}

/* A study with ids, an alliance, an integer axis and a float axis for the
 * --set path and array tests. */
#define PATHS                                                                  \
  "scenario = { horizon = 10.0; };\n"                                          \
  "states = ( { id = \"A\"; offense = 0.5; }, { id = \"B\"; },\n"              \
  "  { id = \"C\"; } );\n"                                                     \
  "alliances = ( { id = \"ab\"; members = [ \"A\", \"B\" ];\n"                 \
  "  nonaggression = { compliance = 0.9; threshold = 2; }; } );\n"             \
  "sweep = ( { path = \"alliances.[ab].nonaggression.threshold\";\n"           \
  "  from = 1; to = 7; steps = 4; },\n"                                        \
  "  { path = \"states.[A].offense\"; values = [ 1, 0 ]; } );\n"

/* An element named by its id is the element of that index: both forms give
 * the same scenario, in --set and in a sweep axis's path. */
static void test_set_ids(void) {
  cy_error err;
  const char *sets[] = {"states.[C].defense=0.25",
                        "alliances.[ab].nonaggression.compliance=0.4"};
  cy_study *st = load("ids.cfg", PATHS, sets, 2, &err);
  CHECK(st, "id paths load: %s", err.msg);
  if (!st)
    return;
  const cy_scenario *b = cy_study_base(st);
  CHECK_NEAR(b->states[2].defense, 0.25, 0, "states.[C] is states.[2]");
  CHECK_NEAR(b->alliances[0].nonaggression.compliance, 0.4, 0,
             "alliances.[ab] is alliances.[0]");
  /* the axes' paths as written; default names from them */
  CHECK(strcmp(cy_study_axis(st, 1)->path, "states.[A].offense") == 0 &&
            strcmp(cy_study_axis(st, 1)->name, "states__A__offense") == 0,
        "axis by id: path %s, name %s", cy_study_axis(st, 1)->path,
        cy_study_axis(st, 1)->name);
  cy_scenario s;
  if (cy_study_point(st, 7, &s, &err) == 0) { /* threshold 7, offense 0 */
    CHECK(s.alliances[0].nonaggression.threshold == 7, "threshold by id");
    CHECK_NEAR(s.states[0].offense, 0, 0, "offense swept by id");
    cy_scenario_fini(&s);
  } else {
    CHECK(0, "point 7: %s", err.msg);
  }
  cy_study_free(st);
  const char *unknown[] = {"states.[D].offense=0.5"};
  st = load("ids2.cfg", PATHS, unknown, 1, &err);
  CHECK(!st && err.code == CY_EINPUT &&
            strcmp(err.msg, "--set states.[D].offense=0.5: no element of "
                            "states has id \"D\" (ids: A, B, C)") == 0,
        "unknown id lists the ids: %s", err.msg);
  const char *bare[] = {"states.C.offense=0.5"};
  st = load("ids3.cfg", PATHS, bare, 1, &err);
  CHECK(!st && strstr(err.msg, "states is a list: name an element as "
                               "states.[C] or states.[0]") != NULL,
        "a bare id gets a hint: %s", err.msg);
  /* the same axis by index and by id is one setting swept twice */
  const char *twice[] = {
      "sweep.[1].path=alliances.[0].nonaggression.threshold"};
  st = load("ids4.cfg", PATHS, twice, 1, &err);
  CHECK(!st && strstr(err.msg, "is already swept by sweep.[0]") != NULL,
        "index and id name one setting: %s", err.msg);
}

/* --set of an array: a sweep axis's values replaced (its from/to/steps
 * dropped), an element set, a list ( ... ), members; values typed as the
 * same text in a file would be. */
static void test_set_arrays(void) {
  cy_error err;
  const char *sets[] = {"sweep.[0].values=[3, 5]", "sweep.[1].values=(0.2)",
                        "alliances.[ab].members=[A, \"C\"]"};
  cy_study *st = load("arr.cfg", PATHS, sets, 3, &err);
  CHECK(st, "array --sets load: %s", err.msg);
  if (!st)
    return;
  const cy_axis *t = cy_study_axis(st, 0), *o = cy_study_axis(st, 1);
  CHECK(cy_study_n_points(st) == 2, "2 x 1 points, got %zu",
        cy_study_n_points(st));
  CHECK(t->type == CY_VALUE_INT && t->n_values == 2 && t->ints[0] == 3 &&
            t->ints[1] == 5,
        "integer axis from values, not from/to/steps");
  CHECK(o->type == CY_VALUE_DOUBLE && o->n_values == 1 && o->doubles[0] == 0.2,
        "a list ( ... ) of one value");
  const cy_scenario *b = cy_study_base(st);
  CHECK(b->alliances[0].n_members == 2 && b->alliances[0].members[0] == 0 &&
            b->alliances[0].members[1] == 2,
        "members A and C (a bare word is a string where strings go)");
  cy_study_free(st);
  /* an element: 0.5 into an array the file wrote with integers */
  const char *elem[] = {"sweep.[1].values.[1]=0.5"};
  st = load("arr2.cfg", PATHS, elem, 1, &err);
  CHECK(st && cy_study_axis(st, 1)->doubles[0] == 1.0 &&
            cy_study_axis(st, 1)->doubles[1] == 0.5,
        "one element set: %s", err.msg);
  cy_study_free(st);
  /* [1, 2] for a float setting: integers, as a file may write them */
  const char *ints[] = {"sweep.[1].values=[1, 0]"};
  st = load("arr3.cfg", PATHS, ints, 1, &err);
  CHECK(st && cy_study_axis(st, 1)->type == CY_VALUE_DOUBLE,
        "integers for a float axis: %s", err.msg);
  cy_study_free(st);
  /* a float for the integer axis is the loader's error, naming the --set */
  const char *flt[] = {"sweep.[0].values=[2.5]"};
  st = load("arr4.cfg", PATHS, flt, 1, &err);
  CHECK(!st && strstr(err.msg,
                      "--set sweep.[0].values=[2.5]: "
                      "sweep.[0].values.[0]: expected an integer") == err.msg,
        "float for an integer axis: %s", err.msg);
  /* a later --set replaces an earlier one: messages name the later */
  const char *later[] = {"sweep.[1].values.[0]=0.5", "sweep.[1].values=[]"};
  st = load("arr5.cfg", PATHS, later, 2, &err);
  CHECK(!st && strcmp(err.msg, "--set sweep.[1].values=[]: sweep.[1].values: "
                               "is empty") == 0,
        "empty values, the later --set named: %s", err.msg);
}

/* A --set string over a setting the file wrote as an integer (an error the
 * loader then reports) once freed the integer's bits as a string. */
static void test_set_retype(void) {
  cy_error err;
  const char *sets[] = {"scenario.name=x"};
  cy_study *st = load("retype.cfg",
                      "scenario = { name = 1; horizon = 10.0; };\n"
                      "states = ( { id = \"A\"; }, { id = \"B\"; } );\n",
                      sets, 1, &err);
  CHECK(st && strcmp(cy_study_base(st)->name, "x") == 0,
        "string over an integer: %s", err.msg);
  cy_study_free(st);
}

static void test_include(void) {
  char sub[128];
  snprintf(sub, sizeof sub, "%s/parts", dir);
  mkdir(sub, 0700);
  write_file("parts/states.cfg", "states = (\n  { id = \"A\"; },\n"
                                 "@include \"more.cfg\"\n);\n");
  write_file("parts/more.cfg", "// relative to parts/, not to main.cfg\n"
                               "  { id = \"B\"; offense = 0.25; }\n");
  cy_error err;
  cy_study *st = load("main.cfg",
                      "scenario = { horizon = 10.0; };\n"
                      "@include \"parts/states.cfg\"\n",
                      NULL, 0, &err);
  CHECK(st, "@include relative to the including file: %s", err.msg);
  if (st) {
    CHECK(cy_study_base(st)->n_states == 2 &&
              cy_study_base(st)->states[1].offense == 0.25,
          "included states read");
    const char *t = cy_study_text(st);
    const char *m = strstr(t, "@include \"parts"),
               *s = strstr(t, "@include \"more"), *o = strstr(t, "relative to");
    CHECK(m && s && o && m < s && s < o, "provenance text in reading order");
  }
  cy_study_free(st);
  /* an error inside the nested file names it and its own line */
  write_file("parts/more.cfg", "// line 1\n  { id = \"B\"; offense = 7.0; }\n");
  st = load("main.cfg",
            "scenario = { horizon = 10.0; };\n@include \"parts/states.cfg\"\n",
            NULL, 0, &err);
  char want[200];
  snprintf(want, sizeof want, "%s/parts/more.cfg:2: states.[1].offense: 7 is",
           dir);
  CHECK(!st && strstr(err.msg, want) != NULL, "nested error position: %s",
        err.msg);
}

static void test_timeline_and_ints(void) {
  cy_error err;
  cy_study *st = load(
      "tl.cfg",
      "scenario = { horizon = 400.0; start = \"2015-05-08\"; };\n"
      "states = ( { id = \"A\"; }, { id = \"B\"; } );\n"
      "timeline = ( { at = 10.0; event = \"sanctions\"; by = \"A\"; on = "
      "\"B\"; },\n"
      "  { at = 5.0; event = \"isolation\"; state = \"A\"; level = 0.5; },\n"
      "  { at = 5; event = \"set\"; state = \"B\"; attribute = "
      "\"attack.rate\"; value = 0.4; },\n"
      "  { at = \"2016-05-07\"; event = \"isolation\"; state = \"B\"; level "
      "= 1.0; },\n"
      "  { at = 500.0; event = \"isolation\"; state = \"B\"; level = 1.0; } "
      ");\n",
      NULL, 0, &err);
  CHECK(st, "timeline loads: %s", err.msg);
  if (st) {
    const cy_scenario *s = cy_study_base(st);
    CHECK(s->n_timeline == 5, "5 entries");
    /* stable by at: the two day-5 entries keep their file order */
    CHECK(s->timeline[0].kind == CY_TL_ISOLATION &&
              s->timeline[1].kind == CY_TL_SET &&
              s->timeline[1].attribute == CY_ATTR_ATTACK_RATE &&
              s->timeline[2].kind == CY_TL_SANCTIONS,
          "sorted stably");
    CHECK_NEAR(s->timeline[2].hostility, 0.1, 0, "default hostility step");
    /* 2015-05-08 + 365 days = 2016-05-07 (2016 is a leap year) */
    CHECK_NEAR(s->timeline[3].at, 365.0, 0, "ISO date to days");
    CHECK(cy_study_n_warnings(st) == 1 &&
              strstr(cy_study_warning(st, 0), "timeline.[4].at") != NULL,
          "one warning: the entry after the horizon");
  }
  cy_study_free(st);
  st = load("big.cfg",
            "scenario = { horizon = 1.0; seed = 3000000000L; };\n"
            "states = ( { id = \"A\"; }, { id = \"B\"; } );\n",
            NULL, 0, &err);
  CHECK(st && cy_study_base(st)->seed == 3000000000LL, "int64 with L: %s",
        err.msg);
  cy_study_free(st);
  st = load("wrap.cfg",
            "scenario = { horizon = 1.0;\n seed = 3000000000; };\n"
            "states = ( { id = \"A\"; }, { id = \"B\"; } );\n",
            NULL, 0, &err);
  CHECK(!st && strstr(err.msg, "wrap.cfg:2: scenario.seed: 3000000000 does "
                               "not fit") != NULL,
        "wrapped int refused: %s", err.msg);
  st = load("fl.cfg",
            "scenario = { horizon = 1.0; replications = 3.0; };\n"
            "states = ( { id = \"A\"; }, { id = \"B\"; } );\n",
            NULL, 0, &err);
  CHECK(!st && strstr(err.msg, "expected an integer") != NULL,
        "float for int refused: %s", err.msg);
  st = load("nofile.cfg", TWO, NULL, 0, &err);
  cy_study_free(st);
  cy_study *none = NULL;
  CHECK(cy_study_load(&none, "/nonexistent/x.cfg", NULL, 0, &err) ==
                CY_EINPUT &&
            !none &&
            strcmp(err.msg, "/nonexistent/x.cfg: cannot open: No such file "
                            "or directory") == 0,
        "missing file is an input error with strerror: %s", err.msg);
  CHECK(cy_study_load(&none, dir, NULL, 0, &err) == CY_EINPUT && !none &&
            strstr(err.msg, ": is a directory, not a scenario file"),
        "a directory is an input error: %s", err.msg);
  cy_study_free(NULL);
}

/* Threads that resolve every other point of a study and check it. */
typedef struct point_job {
  const cy_study *st;
  size_t first, n; /* points first, first + 2, ... below n */
  int bad;         /* points that failed or had the wrong values */
} point_job;

static void *resolve_points(void *arg) {
  point_job *j = arg;
  const cy_axis *a0 = cy_study_axis(j->st, 0), *a1 = cy_study_axis(j->st, 1);
  for (size_t p = j->first; p < j->n; p += 2) {
    cy_scenario s;
    cy_error err;
    if (cy_study_point(j->st, p, &s, &err) != CY_OK) {
      j->bad++;
      continue;
    }
    j->bad +=
        s.states[0].offense != a0->doubles[cy_study_value_index(j->st, p, 0)] ||
        s.states[0].defense != a1->doubles[cy_study_value_index(j->st, p, 1)];
    cy_scenario_fini(&s);
  }
  return NULL;
}

/* cy_study_point() from two threads at once, on points loading kept and on
 * points of a sweep too large to validate at load (resolved on demand),
 * gives every point its own values and leaves the study as it was. */
static void test_points_threads(void) {
  static const char *const sweeps[] = {
      "steps = 10; }",   /* 100 points: kept */
      "steps = 2000; }", /* 4e6 points: resolved when asked for */
  };
  for (int k = 0; k < 2; k++) {
    char text[1000];
    snprintf(text, sizeof text,
             "scenario = { horizon = 10.0; };\n"
             "states = ( { id = \"A\"; offense = 0.5; defense = 0.5; },\n"
             "  { id = \"B\"; } );\n"
             "sweep = (\n"
             "  { path = \"states.[0].offense\"; from = 0.0; to = 1.0; %s,\n"
             "  { path = \"states.[0].defense\"; from = 0.0; to = 1.0; %s\n"
             ");\n",
             sweeps[k], sweeps[k]);
    cy_error err;
    cy_study *st = load("threads.cfg", text, NULL, 0, &err);
    CHECK(st, "threads.cfg loads: %s", err.msg);
    if (!st)
      continue;
    size_t n = cy_study_n_points(st) < 400 ? cy_study_n_points(st) : 400;
    point_job jobs[2] = {{st, 0, n, 0}, {st, 1, n, 0}};
    pthread_t t[2];
    int started = 0;
    for (int i = 0; i < 2; i++)
      started += pthread_create(&t[i], NULL, resolve_points, &jobs[i]) == 0;
    CHECK(started == 2, "threads start");
    for (int i = 0; i < started; i++)
      pthread_join(t[i], NULL);
    CHECK(jobs[0].bad == 0 && jobs[1].bad == 0,
          "%zu points from two threads: %d and %d wrong", n, jobs[0].bad,
          jobs[1].bad);
    CHECK(cy_study_base(st)->states[0].offense == 0.5 &&
              cy_study_base(st)->states[0].defense == 0.5,
          "the base keeps the file's values");
    cy_study_free(st);
  }
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/cysim_scenario_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_defaults();
  test_baseline();
  test_sweep_order();
  test_zip_and_ranges();
  test_set();
  test_set_ids();
  test_set_arrays();
  test_set_retype();
  test_include();
  test_timeline_and_ints();
  test_points_threads();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return cy_test_finish();
}
