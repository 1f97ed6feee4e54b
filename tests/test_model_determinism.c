/* test_model_determinism.c: a run depends on (seed, replication) only, a
 * model resets completely between runs, and the policy registries. */
#include "cysim/cy_policy.h"
#include "model/policy.h"
#include "test_model_util.h"
#include "testutil.h"

/* Every feature at once, so that any state leaking from one run into the
 * next (hostility, exposures, membership, boosts, breach rings, defense
 * after tech transfer) shows up as a difference. */
static void build(cy_scenario *s) {
  tm_scenario(s, 4, 0.2);
  s->horizon = 1500.0;
  s->damage_shape = 2.0;
  s->decisiveness = 1.5;
  s->output.event_log = true;
  s->output.timeseries = true;
  for (int i = 0; i < 4; i++) {
    cy_state_spec *st = &s->states[i];
    st->attack.rate = 0.2 + 0.1 * i;
    st->attack.mix[0] = 0.7;
    st->attack.mix[1] = 0.2;
    st->attack.mix[2] = 0.1;
    st->misattribution = 0.1;
    strcpy(st->response.policy, i % 2 ? "escalating" : "proportional");
    st->relaxation = 200.0;
    st->review.interval = 20.0 + 5.0 * i;
  }
  strcpy(s->states[3].attack.policy, "value");
  cy_alliance_spec *a = tm_alliance(
      s, CY_CLAUSE_NONAGGRESSION | CY_CLAUSE_INTEL_SHARING, 2, (int[]){1, 2});
  a->nonaggression.compliance = 0.8;
  a->nonaggression.displacement = 0.5;
  a->nonaggression.breach = CY_BREACH_TOLERANCE;
  a->nonaggression.threshold = 4;
  a->nonaggression.window = 300.0;
  a = tm_alliance(s,
                  CY_CLAUSE_MUTUAL_DEFENCE | CY_CLAUSE_TECH_TRANSFER |
                      CY_CLAUSE_WORKING_GROUP,
                  3, (int[]){0, 2, 3});
  a->from = 100.0;
  a->until = 1200.0;
  a->mutual_defence.collective_response = true;
  a->working_group.collapse_hostility = 0.5;
  cy_timeline_spec *t = tm_timeline(s, 50.0, CY_TL_SANCTIONS);
  t->by = 0;
  t->on = 1;
  t = tm_timeline(s, 300.0, CY_TL_ISOLATION);
  t->state = 1;
  t->level = 0.3;
  t = tm_timeline(s, 400.0, CY_TL_JOIN);
  t->alliance = 0;
  t->state = 3;
  t = tm_timeline(s, 500.0, CY_TL_INDICTMENT);
  t->by = 2;
  t->on = 3;
  t = tm_timeline(s, 600.0, CY_TL_SET);
  t->state = 0;
  t->attribute = CY_ATTR_DEFENSE;
  t->value = 0.9;
  t = tm_timeline(s, 700.0, CY_TL_LEAVE);
  t->alliance = 1;
  t->state = 3;
}

static void test_determinism(void) {
  cy_scenario s;
  build(&s);
  tm_run r, fresh;
  tm_open(&r, &s);
  tm_open(&fresh, &s);
  cy_outcome first;
  CHECK(cy_outcome_init(&first, &s) == 0, "outcome init");

  tm_rep(&r, 99, 3);
  CHECK(cy_outcome_copy(&first, &r.o) == CY_OK, "outcome copy");
  CHECK(first.events > 1000 && first.log_len > 1000,
        "a busy run (%llu events, %zu log records)",
        (unsigned long long)first.events, first.log_len);
  uint32_t retal = 0, ended = 0, mis = 0;
  for (size_t q = 0; q < 16; q++) {
    retal += first.retaliations[q];
    mis += first.misattributed[q];
  }
  ended = first.alliance_ended[0] + first.alliance_ended[1];
  CHECK(retal > 0 && mis > 0 && ended > 0,
        "the run exercises responses (%u), misattribution (%u) and "
        "alliance ends (%u)",
        retal, mis, ended);

  tm_rep(&r, 99, 4);
  CHECK(!cy_outcome_equal(&first, &r.o),
        "replication 4 differs from replication 3");
  tm_rep(&r, 100, 3);
  CHECK(!cy_outcome_equal(&first, &r.o), "seed 100 differs from seed 99");
  tm_rep(&r, 99, 3);
  CHECK(cy_outcome_equal(&first, &r.o),
        "rerunning (99, 3) on a used model: identical");
  tm_rep(&fresh, 99, 3);
  CHECK(cy_outcome_equal(&first, &fresh.o),
        "(99, 3) on a fresh model: identical");

  /* The event log does not perturb the stream: counts are the same. */
  s.output.event_log = false;
  tm_run nolog;
  tm_open(&nolog, &s);
  tm_rep(&nolog, 99, 3);
  CHECK(memcmp(nolog.o.ops, first.ops, 16 * sizeof *first.ops) == 0 &&
            memcmp(nolog.o.damage, first.damage, 16 * sizeof(double)) == 0 &&
            nolog.o.events == first.events && nolog.o.log_len == 0,
        "logging changes nothing but the log");
  tm_close(&nolog);

  cy_outcome_fini(&first);
  tm_close(&r);
  tm_close(&fresh);
  cy_scenario_fini(&s);
}

static void test_registry(void) {
  const char *attack[] = {"hostility", "uniform", "value", "retaliatory"};
  const char *response[] = {"none", "proportional", "escalating"};
  CHECK(cy_policy_count(CY_POLICY_ATTACK) == 4, "4 attack policies");
  CHECK(cy_policy_count(CY_POLICY_RESPONSE) == 3, "3 response policies");
  CHECK(cy_policy_count(CY_POLICY_REVIEW) == 1, "1 review policy");
  for (int i = 0; i < 4; i++) {
    CHECK(cy_policy_index(CY_POLICY_ATTACK, attack[i]) == i, "attack %s",
          attack[i]);
    CHECK(cy__attack_policy_find(attack[i]) != NULL &&
              strcmp(cy__attack_policy_find(attack[i])->name, attack[i]) == 0,
          "attack table %s", attack[i]);
  }
  for (int i = 0; i < 3; i++)
    CHECK(cy_policy_index(CY_POLICY_RESPONSE, response[i]) == i &&
              cy__response_policy_find(response[i]) != NULL,
          "response %s", response[i]);
  CHECK(cy_policy_index(CY_POLICY_REVIEW, "periodic") == 0 &&
            cy__review_policy_find("periodic") != NULL,
        "review periodic");
  for (int kind = 0; kind < CY_POLICY_KIND_COUNT; kind++)
    for (size_t i = 0; i < cy_policy_count(kind); i++)
      CHECK(cy_policy_index(kind, cy_policy_name(kind, i)) == (int)i,
            "%s policy %zu round-trips", cy_policy_kind_name(kind), i);
  CHECK(strcmp(cy_policy_kind_name(CY_POLICY_ATTACK), "attack") == 0 &&
            strcmp(cy_policy_kind_name(CY_POLICY_RESPONSE), "response") == 0 &&
            strcmp(cy_policy_kind_name(CY_POLICY_REVIEW), "review") == 0,
        "kind names are the scenario groups");
  CHECK(cy_policy_index(CY_POLICY_ATTACK, "hostile") == -1 &&
            cy__attack_policy_find("hostile") == NULL &&
            cy_policy_name(CY_POLICY_ATTACK, 4) == NULL,
        "unknown names and indices");
  CHECK(strcmp(cy_log_kind_names[CY_LOG_ATTRIBUTE], "attribute") == 0 &&
            strcmp(cy_log_kind_names[CY_LOG_TIMELINE], "timeline") == 0,
        "log kind names");

  /* cy_model_alloc rejects an unknown policy name with CY_EINPUT. */
  cy_scenario s;
  tm_scenario(&s, 2, 0.1);
  strcpy(s.states[1].response.policy, "tit-for-tat");
  cy_model *m = NULL;
  cy_error err;
  CHECK(cy_model_alloc(&m, &s, &err) == CY_EINPUT && m == NULL &&
            strstr(err.msg, "tit-for-tat") != NULL,
        "unknown policy rejected: %s", err.msg);
  cy_scenario_fini(&s);
}

/* weight() must give each target the bits weights() gives it: the model
 * recomputes one channel from it when one hostility or fear entry changes
 * (model.c, channel_update()), and any difference would change results.
 * Values and hostilities with inexact sums and quotients (0.1 + 0.7, 1/3)
 * and every attacker of 5 states, for every registered attack policy. */
static void check_one_weight_each(const cy_attack_context *base) {
  double hostility[5] = {0.1, 0.7, 0.3, 0.0, 1.0 / 3.0};
  double value[5] = {0.1, 0.7, 1.0 / 3.0, 2.9, 0.0};
  double weight[5];
  for (size_t p = 0; p < cy_policy_count(CY_POLICY_ATTACK); p++) {
    const cy_attack_policy_type *type =
        cy__attack_policy_find(cy_policy_name(CY_POLICY_ATTACK, p));
    for (size_t attacker = 0; attacker < 5; attacker++) {
      cy_attack_context ctx = *base;
      ctx.n_states = 5;
      ctx.attacker = attacker;
      ctx.hostility = hostility;
      ctx.value = value;
      type->weights(&ctx, weight);
      for (size_t target = 0; target < 5; target++) {
        double one = type->weight(&ctx, target);
        CHECK(target == attacker
                  ? one == 0.0
                  : memcmp(&one, &weight[target], sizeof one) == 0,
              "%s: weight(%zu -> %zu) = %.17g, weights() gives %.17g",
              type->name, attacker, target, one, weight[target]);
      }
    }
  }
}

/* Policies run on a context alone: no model is built here. */
static void test_policy_contexts(void) {
  cy_state_spec spec;
  cy_state_spec_defaults(&spec);
  double hostility[3] = {0.0, 0.5, 0.1}, value[3] = {1.0, 1.0, 3.0};
  double weight[3];
  cy_attack_context attack = {.n_states = 3,
                              .attacker = 0,
                              .spec = &spec,
                              .hostility = hostility,
                              .value = value};
  cy__attack_policy_find("hostility")->weights(&attack, weight);
  CHECK(weight[1] == 0.5 && weight[2] == 0.1, "hostility weights");
  cy__attack_policy_find("uniform")->weights(&attack, weight);
  CHECK(weight[1] == 0.5 && weight[2] == 0.5, "uniform weights");
  cy__attack_policy_find("value")->weights(&attack, weight);
  CHECK(weight[1] == 0.25 && weight[2] == 0.75, "value weights");
  cy__attack_policy_find("retaliatory")->weights(&attack, weight);
  CHECK(weight[1] == 0.0 && weight[2] == 0.0, "retaliatory weights");
  check_one_weight_each(&attack);

  /* escalating escalates when its own draw (the response block's ESCALATE
   * purpose) is below escalate: always at 1, never at 0, and the answer is
   * a pure function of the block. */
  spec.response.escalate = 1.0;
  cy_response_context response = {.responder = 1,
                                  .blamed = 2,
                                  .spec = &spec,
                                  .optype = 0,
                                  .more_severe = 1,
                                  .draws = 12345};
  CHECK(cy__response_policy_find("none")->choose(&response) == -1 &&
            cy__response_policy_find("proportional")->choose(&response) == 0,
        "none and proportional");
  CHECK(cy__response_policy_find("escalating")->choose(&response) == 1,
        "escalating with escalate = 1 escalates");
  spec.response.escalate = 0.0;
  CHECK(cy__response_policy_find("escalating")->choose(&response) == 0,
        "escalating with escalate = 0 never escalates");
  spec.response.escalate = 0.5;
  int expected =
      cy_crn_uniform(12345, CY__DRAW_ESCALATE) < 0.5 ? response.more_severe : 0;
  CHECK(cy__response_policy_find("escalating")->choose(&response) == expected,
        "escalating uses the ESCALATE draw of its block");

  /* periodic: h <- b + (h - b) exp(-interval / tau) off the diagonal. */
  double baseline[3] = {0.0, 0.1, 0.1}, attr[CY_ATTR_COUNT] = {0};
  attr[CY_ATTR_RELAXATION] = 100.0;
  spec.review.interval = 30.0;
  cy_review_context review = {.n_states = 3,
                              .state = 0,
                              .now = 30.0,
                              .spec = &spec,
                              .attr = attr,
                              .baseline = baseline,
                              .hostility = hostility,
                              .draws = 0};
  const cy_review_policy_type *periodic = cy__review_policy_find("periodic");
  CHECK(periodic->review(&review), "periodic: a row off baseline changes");
  CHECK_NEAR(hostility[1], 0.1 + 0.4 * exp(-0.3), 1e-15, "relaxed h[0][1]");
  CHECK(hostility[0] == 0.0 && hostility[2] == 0.1, "the rest is untouched");
  hostility[1] = 0.1;
  CHECK(!periodic->review(&review), "periodic: a row at baseline stays");
}

int main(void) {
  test_determinism();
  test_registry();
  test_policy_contexts();
  return cy_test_finish();
}
