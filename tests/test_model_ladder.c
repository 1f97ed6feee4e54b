/* test_model_ladder.c: escalation climbs the optypes list in list order
 * (MODEL.md §10.4): an `escalating` response with escalate = 1 answers type
 * k with type k + 1, and the last type with itself, whatever the
 * severities. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 6006, R = 100 };

/* Three types whose severities fall, rise and fall again along the list:
 * 0.9, 0.1, 0.5.  A ladder by severity would answer type 0 (the most
 * severe) with type 0 and type 2 with type 0; the list ladder answers
 * 0 -> 1, 1 -> 2, 2 -> 2. */
static void ladder_world(cy_scenario *s, int spontaneous_type,
                         bool both_escalate) {
  tm_scenario(s, 2, 0.4);
  s->horizon = 365.0;
  s->output.event_log = true;
  const double severity[3] = {0.9, 0.1, 0.5};
  for (int k = 0; k < 3; k++) {
    snprintf(s->optypes[k].name, sizeof s->optypes[k].name, "type%d", k);
    s->optypes[k].severity = severity[k];
  }
  for (int i = 0; i < 2; i++) {
    cy_state_spec *st = &s->states[i];
    st->detection = 0.8;
    st->attribution = 0.8;
    st->dwell = 2.0;
    st->attribution_delay = 2.0;
    st->response.escalate = 1.0;
    st->response.escalation = 0.0; /* keep hostility, and so rates, flat */
    st->response.delay = 2.0;
  }
  cy_state_spec *a = &s->states[0], *b = &s->states[1];
  memset(a->attack.mix, 0, sizeof a->attack.mix);
  a->attack.mix[spontaneous_type] = 1.0;
  a->attack.rate = 0.3;
  b->attack.rate = 0.0;
  strcpy(b->response.policy, "escalating");
  if (both_escalate)
    strcpy(a->response.policy, "escalating");
}

/* One responder: every response of S1 is of type min(k + 1, 2), where k is
 * the type of every operation S0 launches; so ops_by_type holds S0's
 * operations at k and S1's responses at the next rung (both at 2 when
 * k = 2), and every RESPONSE record names that type. */
static void test_one_rung(void) {
  for (int k = 0; k < 3; k++) {
    int next = k + 1 < 3 ? k + 1 : 2;
    cy_scenario s;
    ladder_world(&s, k, false);
    tm_run r;
    tm_open(&r, &s);
    int bad = 0;
    double responses = 0;
    for (int rep = 0; rep < R; rep++) {
      tm_rep(&r, SEED + k, (uint64_t)rep);
      uint32_t own = r.o.ops[0 * 2 + 1], answers = r.o.retaliations[1 * 2 + 0];
      uint32_t expect[3] = {0, 0, 0};
      expect[k] += own;
      expect[next] += answers;
      for (int t = 0; t < 3; t++)
        bad += r.o.ops_by_type[t] != expect[t];
      bad += r.o.ops[1 * 2 + 0] != answers || r.o.retaliations[0 * 2 + 1];
      for (size_t i = 0; i < r.o.log_len; i++)
        bad += r.o.log[i].kind == CY_LOG_RESPONSE && r.o.log[i].optype != next;
      responses += answers;
    }
    CHECK(bad == 0 && responses > 10.0 * R,
          "type %d answered with type %d (%d bad, %g responses)", k, next, bad,
          responses);
    tm_close(&r);
    cy_scenario_fini(&s);
  }
}

/* Both escalate: S0 launches type 0, S1 answers with 1, S0 answers that
 * with 2, and from then on 2 answers 2.  So type 0 is only ever
 * spontaneous (no response climbs down to it, as a severity ladder capped
 * at the most severe type 0 would make it), type 1 only S1's answer to
 * type 0, and type 2 appears. */
static void test_climb(void) {
  cy_scenario s;
  ladder_world(&s, 0, true);
  tm_run r;
  tm_open(&r, &s);
  int bad = 0;
  double twos = 0;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r, SEED + 3, (uint64_t)rep);
    bad +=
        r.o.ops_by_type[0] != r.o.ops[0 * 2 + 1] - r.o.retaliations[0 * 2 + 1];
    for (size_t i = 0; i < r.o.log_len; i++) {
      const cy_log_record *rec = &r.o.log[i];
      if (rec->kind == CY_LOG_RESPONSE) {
        bad += rec->optype == 0;
        bad += rec->optype == 1 && rec->attacker != 1;
      }
    }
    twos += r.o.ops_by_type[2];
  }
  CHECK(bad == 0 && twos > R,
        "0 -> 1 -> 2 -> 2, never back to 0 (%d bad, %g of type 2)", bad, twos);
  tm_close(&r);
  cy_scenario_fini(&s);
}

int main(void) {
  test_one_rung();
  test_climb();
  return cy_test_finish();
}
