/* test_model_workgroup.c: what the end of a working group does to its
 * alliance (sim/MODEL.md, "Working groups"): an alliance whose only clause
 * is the working group ends with it, at the collapsing review or at the
 * indictment; an alliance with other clauses lives on without the
 * dampening. */
#include "test_model_util.h"
#include "testutil.h"

enum { SEED = 2014 };

/* The first review of any of the n states strictly after day t: state i
 * reviews at k * interval_i, k >= 1. */
static double first_review_after(const cy_scenario *s, double t) {
  double best = INFINITY;
  for (size_t i = 0; i < s->n_states; i++) {
    double iv = s->states[i].review.interval;
    double k = floor(t / iv) + 1.0;
    best = fmin(best, k * iv);
  }
  return best;
}

/* Counts the alliance_end records for alliance a and returns the time of
 * the last one (-1 if none) in *t. */
static int end_records(const cy_outcome *o, int a, double *t) {
  int n = 0;
  *t = -1.0;
  for (size_t q = 0; q < o->log_len; q++)
    if (o->log[q].kind == CY_LOG_ALLIANCE_END && o->log[q].other == a) {
      n++;
      *t = o->log[q].time;
    }
  return n;
}

/* Two quiet states (attack rate 0: nothing random happens) with baseline
 * hostility 0.5 both ways, in a working-group-only alliance (collapse 0.8).
 * Sanctions on day 100 raise both directions by `step`.  Reviews: S0 every
 * 45 days (45, 90, 135, ...), S1 every 40 (40, 80, 120, ...), so the first
 * review after day 100 is S1's on day 120.  At that review S1 first relaxes
 * its own row (the excess decays by exp(-interval/tau) = exp(-40/365) =
 * 0.896 per review, whatever the time since the step).  With step 0.4:
 * h_10 = 0.5 + 0.4 * 0.896 = 0.858, h_01 =
 * 0.9 (S0 has not reviewed since), mean 0.879 > 0.8: the group collapses
 * and, being the alliance's only clause, the alliance ends on day 120
 * exactly.  Earlier reviews (40, 45, 80, 90) see mean 0.5 <= 0.8 and end
 * nothing.  With step 0.2 the mean peaks at 0.7 and the alliance lives to
 * the horizon. */
static void test_collapse_ends_wg_only_alliance(void) {
  const double T = 365.0, t_s = 100.0;
  for (int big = 0; big <= 1; big++) {
    cy_scenario s;
    tm_scenario(&s, 2, 0.5);
    s.horizon = T;
    s.output.event_log = true;
    for (int i = 0; i < 2; i++)
      s.states[i].attack.rate = 0.0;
    s.states[0].review.interval = 45.0;
    s.states[1].review.interval = 40.0;
    cy_alliance_spec *a =
        tm_alliance(&s, CY_CLAUSE_WORKING_GROUP, 2, (int[]){0, 1});
    a->working_group.collapse_hostility = 0.8;
    cy_timeline_spec *t = tm_timeline(&s, t_s, CY_TL_SANCTIONS);
    t->by = 0;
    t->on = 1;
    t->hostility = big ? 0.4 : 0.2;
    double review = first_review_after(&s, t_s);
    CHECK(review == 120.0, "first review after day 100 is S1's, day 120 (%g)",
          review);
    tm_run r;
    tm_open(&r, &s);
    tm_rep(&r, SEED, 0);
    double t_log;
    int n_log = end_records(&r.o, 0, &t_log);
    if (big) {
      CHECK(r.o.alliance_ended[0] == 1,
            "step 0.4: mean hostility 0.879 > 0.8 at day 120 ends the "
            "working-group-only alliance");
      CHECK(r.o.alliance_end_day[0] == review,
            "step 0.4: it ends at the first review after the sanctions, day "
            "%g (got %g)",
            review, r.o.alliance_end_day[0]);
      CHECK(n_log == 1 && t_log == review,
            "step 0.4: one alliance_end record, at day %g (%d, at %g)", review,
            n_log, t_log);
    } else {
      CHECK(r.o.alliance_ended[0] == 0 && r.o.alliance_end_day[0] == T,
            "step 0.2: mean hostility at most 0.7 <= 0.8, the alliance lives "
            "to the horizon (ended %u, day %g)",
            (unsigned)r.o.alliance_ended[0], r.o.alliance_end_day[0]);
      CHECK(n_log == 0, "step 0.2: no alliance_end record (%d)", n_log);
    }
    tm_close(&r);
    cy_scenario_fini(&s);
  }
}

/* Three quiet states, baseline hostility 0.2 (far below collapse 0.8), two
 * working-group-only alliances {S0, S1} and {S1, S2}.  An indictment by S0
 * of S1 on day 77.5 (not a review day: reviews fall on multiples of 30)
 * ends the first at day 77.5 exactly, whatever the hostility; the second
 * has not both of them as members and lives to the horizon. */
static void test_indictment_ends_wg_only_alliance(void) {
  const double T = 365.0, t_i = 77.5;
  cy_scenario s;
  tm_scenario(&s, 3, 0.2);
  s.horizon = T;
  s.output.event_log = true;
  for (int i = 0; i < 3; i++)
    s.states[i].attack.rate = 0.0;
  tm_alliance(&s, CY_CLAUSE_WORKING_GROUP, 2, (int[]){0, 1});
  tm_alliance(&s, CY_CLAUSE_WORKING_GROUP, 2, (int[]){1, 2});
  cy_timeline_spec *t = tm_timeline(&s, t_i, CY_TL_INDICTMENT);
  t->by = 0;
  t->on = 1;
  t->hostility = 0.1; /* 0.3 both ways: no collapse by hostility */
  tm_run r;
  tm_open(&r, &s);
  tm_rep(&r, SEED, 0);
  double t_log;
  int n_log = end_records(&r.o, 0, &t_log);
  CHECK(r.o.alliance_ended[0] == 1 && r.o.alliance_end_day[0] == t_i,
        "indictment S0-S1 ends their working-group-only alliance on day %g "
        "(ended %u, day %g)",
        t_i, (unsigned)r.o.alliance_ended[0], r.o.alliance_end_day[0]);
  CHECK(n_log == 1 && t_log == t_i,
        "one alliance_end record at the indictment (%d, at %g)", n_log, t_log);
  CHECK(r.o.alliance_ended[1] == 0 && r.o.alliance_end_day[1] == T,
        "the S1-S2 group is not between S0 and S1 and lives on (ended %u)",
        (unsigned)r.o.alliance_ended[1]);
  /* The step still applies: h_01 = 0.3 on day 77.5, then S0's ten reviews
   * on days 90, 120, ..., 360 each multiply the excess 0.1 by
   * exp(-30/365). */
  CHECK_NEAR(r.o.hostility_final[0 * 3 + 1],
             0.2 + 0.1 * exp(-10.0 * 30.0 / 365.0), 1e-12,
             "the indictment's hostility step applies, then relaxes");
  tm_close(&r);
  cy_scenario_fini(&s);
}

/* Same collapse as the first test (step 0.4, collapse on day 120), but the
 * alliance also shares intelligence.  It must not end; and its working
 * group must really be off: from day 130 (a `set` of attack.rate) S0
 * attacks S1, who detects and attributes everything quickly, so S1's
 * hostility rises by undamped steps.  The group ended before any
 * attribution, and with N = 2 intel sharing has no third member to tell
 * (no random draw), so every replication must equal, bit for bit, the
 * same scenario with an intel-sharing-only alliance.  As a control the
 * same comparison with collapse_hostility 1 (mean hostility cannot exceed
 * 1, the group never collapses) must differ, because the dampening halves
 * S1's steps. */
static void wg_intel_scenario(cy_scenario *s, unsigned clauses,
                              double collapse) {
  tm_scenario(s, 2, 0.5);
  s->horizon = 365.0;
  s->states[0].review.interval = 45.0;
  s->states[1].review.interval = 40.0;
  s->states[0].attack.rate = 0.0;
  s->states[1].attack.rate = 0.0;
  s->states[0].detection = 0.0; /* S0 never blames S1 */
  s->states[1].detection = 1.0;
  s->states[1].attribution = 1.0;
  s->states[1].dwell = 1.0;
  s->states[1].attribution_delay = 1.0;
  /* About 0.5 * 235 = 118 blames of espionage; a small escalation keeps
   * h_10 below the cap of 1, where damped and undamped would agree. */
  s->states[1].response.escalation = 0.001;
  cy_alliance_spec *a = tm_alliance(s, clauses, 2, (int[]){0, 1});
  a->working_group.collapse_hostility = collapse;
  cy_timeline_spec *t = tm_timeline(s, 100.0, CY_TL_SANCTIONS);
  t->by = 0;
  t->on = 1;
  t->hostility = 0.4;
  t = tm_timeline(s, 130.0, CY_TL_SET);
  t->state = 0;
  t->attribute = CY_ATTR_ATTACK_RATE;
  t->value = 0.5;
}

static void test_wg_with_other_clause_lives_on(void) {
  const unsigned both = CY_CLAUSE_WORKING_GROUP | CY_CLAUSE_INTEL_SHARING;
  cy_scenario s_wg, s_intel, s_keep;
  wg_intel_scenario(&s_wg, both, 0.8);
  wg_intel_scenario(&s_intel, CY_CLAUSE_INTEL_SHARING, 0.8);
  wg_intel_scenario(&s_keep, both, 1.0);
  tm_run r_wg, r_intel, r_keep;
  tm_open(&r_wg, &s_wg);
  tm_open(&r_intel, &s_intel);
  tm_open(&r_keep, &s_keep);
  int ended = 0, differ = 0, damped = 0;
  uint32_t blames = 0;
  const int R = 50;
  for (int rep = 0; rep < R; rep++) {
    tm_rep(&r_wg, SEED + 1, (uint64_t)rep);
    tm_rep(&r_intel, SEED + 1, (uint64_t)rep);
    tm_rep(&r_keep, SEED + 1, (uint64_t)rep);
    ended +=
        r_wg.o.alliance_ended[0] != 0 || r_wg.o.alliance_end_day[0] != 365.0;
    differ += memcmp(r_wg.o.hostility_final, r_intel.o.hostility_final,
                     4 * sizeof(double)) != 0 ||
              r_wg.o.attributed[0 * 2 + 1] != r_intel.o.attributed[0 * 2 + 1];
    damped += r_wg.o.hostility_final[1 * 2 + 0] !=
              r_keep.o.hostility_final[1 * 2 + 0];
    blames += r_wg.o.attributed[0 * 2 + 1];
  }
  CHECK(ended == 0,
        "working group + intel sharing: the collapse on day 120 does not end "
        "the alliance (%d of %d replications ended it)",
        ended, R);
  CHECK(differ == 0,
        "after the collapse S1's steps are undamped: identical to an "
        "intel-sharing-only alliance (%d of %d differ)",
        differ, R);
  CHECK(damped > R / 2,
        "control: a group that never collapses damps S1's steps, so its "
        "hostility differs (%d of %d differ)",
        damped, R);
  CHECK(blames > (uint32_t)R, "S0's attacks are attributed (%u blames)",
        blames);
  tm_close(&r_wg);
  tm_close(&r_intel);
  tm_close(&r_keep);
  cy_scenario_fini(&s_wg);
  cy_scenario_fini(&s_intel);
  cy_scenario_fini(&s_keep);
}

int main(void) {
  test_collapse_ends_wg_only_alliance();
  test_indictment_ends_wg_only_alliance();
  test_wg_with_other_clause_lives_on();
  return cy_test_finish();
}
