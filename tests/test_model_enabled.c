/* test_model_enabled.c: `enabled = false` switches an alliance off
 * (MODEL.md §10.4): it never acts, never counts breaches, ignores join,
 * leave and end_alliance; alliance_ended 0, alliance_end_day NaN,
 * breaches 0. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 7007, R = 150 };

/* Three states in a busy world (responses, hostility steps,
 * misattribution, deterrence).  With the alliance: S0 and S1 bound by
 * every clause (a grim pact of compliance 0.9 with displacement,
 * intel sharing, collective mutual defence, tech transfer, a working
 * group), window [20, 300), and a timeline that has S2 join at 50, leave
 * at 100 and ends the alliance at 200.  Without it: the same timeline
 * length, each entry a `set` of S0's offense to the value it has, which
 * changes nothing (so both runs process the same events and log the same
 * TIMELINE records). */
static void world(cy_scenario *s, int alliance) {
  tm_scenario(s, 3, 0.3);
  s->horizon = 400.0;
  s->output.event_log = true;
  s->output.timeseries = true;
  for (int i = 0; i < 3; i++) {
    cy_state_spec *st = &s->states[i];
    st->attack.rate = 0.4;
    st->attack.mix[0] = 0.6;
    st->attack.mix[1] = 0.4;
    st->attack.deterrence = 0.5;
    st->misattribution = 0.2;
    st->defense = 0.3 + 0.2 * i;
    strcpy(st->response.policy, "proportional");
    st->response.delay = 10.0;
  }
  const cy_timeline_kind kinds[3] = {CY_TL_JOIN, CY_TL_LEAVE,
                                     CY_TL_END_ALLIANCE};
  const double at[3] = {50.0, 100.0, 200.0};
  if (alliance) {
    cy_alliance_spec *a =
        tm_alliance(s,
                    CY_CLAUSE_NONAGGRESSION | CY_CLAUSE_INTEL_SHARING |
                        CY_CLAUSE_MUTUAL_DEFENCE | CY_CLAUSE_TECH_TRANSFER |
                        CY_CLAUSE_WORKING_GROUP,
                    2, (int[]){0, 1});
    a->from = 20.0;
    a->until = 300.0;
    a->nonaggression.compliance = 0.9;
    a->nonaggression.displacement = 0.5;
    a->intel_sharing.share = 1.0;
    a->mutual_defence.collective_response = true;
    a->enabled = alliance > 0;
  }
  for (int e = 0; e < 3; e++) {
    cy_timeline_spec *t =
        tm_timeline(s, at[e], alliance ? kinds[e] : CY_TL_SET);
    t->alliance = alliance ? 0 : -1;
    t->state = alliance ? 2 : 0;
    t->attribute = CY_ATTR_OFFENSE;
    t->value = s->states[0].offense;
  }
}

/* Whether every field but the alliance ones, and the log, agree bit for
 * bit (the two outcomes have different alliance counts). */
static bool equal_but_alliances(const cy_outcome *x, const cy_outcome *y) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    cy_outcome_shape shape = cy_outcome_fields[i].shape;
    if (shape == CY_SHAPE_A)
      continue;
    size_t bytes =
        cy_outcome_count(x, shape) * cy_elem_size(cy_outcome_fields[i].type);
    if (bytes != cy_outcome_count(y, shape) *
                     cy_elem_size(cy_outcome_fields[i].type) ||
        memcmp(cy_outcome_values(x, i), cy_outcome_values(y, i), bytes))
      return false;
  }
  return x->log_len == y->log_len &&
         memcmp(x->log, y->log, x->log_len * sizeof *x->log) == 0;
}

static void test_disabled_never_acts(void) {
  cy_scenario off, none, on;
  world(&off, -1);
  world(&none, 0);
  world(&on, 1);
  tm_run r_off, r_none, r_on;
  tm_open(&r_off, &off);
  tm_open(&r_none, &none);
  tm_open(&r_on, &on);
  int differ = 0, bad = 0, on_differs = 0, on_ended = 0;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r_off, SEED, (uint64_t)rep);
    tm_rep(&r_none, SEED, (uint64_t)rep);
    tm_rep(&r_on, SEED, (uint64_t)rep);
    differ += !equal_but_alliances(&r_off.o, &r_none.o);
    bad += r_off.o.alliance_ended[0] != 0 ||
           !isnan(r_off.o.alliance_end_day[0]) || r_off.o.breaches[0] != 0;
    for (size_t k = 0; k < r_off.o.log_len; k++)
      bad += r_off.o.log[k].kind == CY_LOG_BREACH ||
             r_off.o.log[k].kind == CY_LOG_ALLIANCE_END;
    on_differs += !equal_but_alliances(&r_on.o, &r_none.o);
    on_ended +=
        r_on.o.alliance_ended[0] == 1 && r_on.o.alliance_end_day[0] <= 200.0;
  }
  CHECK(differ == 0,
        "disabled alliance == no alliance, bit for bit in every count, "
        "bin, final hostility and fear, and the log (%d of %d differ)",
        differ, R);
  CHECK(bad == 0,
        "disabled: alliance_ended 0, end day NaN, breaches 0, no breach or "
        "end record (%d bad)",
        bad);
  /* Enabled, the same alliance does act (breaches, coverage, defence) and
   * ends by day 200 at the latest (end_alliance, if no breach first). */
  CHECK(on_differs == R && on_ended == R,
        "enabled it acts (%d of %d differ) and ends by day 200 (%d)",
        on_differs, R, on_ended);
  tm_close(&r_off);
  tm_close(&r_none);
  tm_close(&r_on);
  cy_scenario_fini(&off);
  cy_scenario_fini(&none);
  cy_scenario_fini(&on);
}

int main(void) {
  test_disabled_never_acts();
  return cy_test_finish();
}
