/* scenario_data.c: cy_scenario storage, defaults and look-ups.
 *
 * Kept apart from the loader (scenario.c) so that the model and its tests
 * can build scenarios without libconfig. */
#include "cysim/cy_scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cy_state_attr_names[CY_ATTR_COUNT] = {
    [CY_ATTR_OFFENSE] = "offense",
    [CY_ATTR_DEFENSE] = "defense",
    [CY_ATTR_DETECTION] = "detection",
    [CY_ATTR_ATTRIBUTION] = "attribution",
    [CY_ATTR_MISATTRIBUTION] = "misattribution",
    [CY_ATTR_EXPOSURE] = "exposure",
    [CY_ATTR_VALUE] = "value",
    [CY_ATTR_DWELL] = "dwell",
    [CY_ATTR_ATTRIBUTION_DELAY] = "attribution_delay",
    [CY_ATTR_RELAXATION] = "relaxation",
    [CY_ATTR_ATTACK_RATE] = "attack.rate",
};

void cy_scenario_init(cy_scenario *s) { memset(s, 0, sizeof *s); }

void cy_scenario_fini(cy_scenario *s) {
  if (!s)
    return;
  for (size_t a = 0; a < s->n_alliances; a++)
    free(s->alliances[a].members);
  free(s->alliances);
  free(s->states);
  free(s->baseline);
  free(s->timeline);
  memset(s, 0, sizeof *s);
}

static void set_optype(cy_optype *o, const char *name, double damage,
                       double difficulty, double severity) {
  memset(o, 0, sizeof *o);
  strncpy(o->name, name, sizeof o->name - 1);
  o->damage = damage;
  o->difficulty = difficulty;
  o->severity = severity;
}

void cy_scenario_defaults(cy_scenario *s) {
  strcpy(s->name, "scenario");
  s->start[0] = '\0';
  s->horizon = 365.0;
  s->replications = 1;
  s->seed = 0;
  s->decisiveness = 1.0;
  s->default_hostility = 0.1;
  s->n_optypes = 3;
  set_optype(&s->optypes[0], "espionage", 0.001, 1.0, 0.2);
  set_optype(&s->optypes[1], "disruption", 0.01, 1.2, 0.5);
  set_optype(&s->optypes[2], "destruction", 0.05, 1.5, 1.0);
  s->output.bin = 30.0;
  s->output.timeseries = true; /* the loader turns it off when N > 16 */
  s->output.event_log = false;
}

void cy_state_spec_defaults(cy_state_spec *st) {
  memset(st, 0, sizeof *st);
  st->offense = 0.5;
  st->defense = 0.5;
  st->detection = 0.5;
  st->attribution = 0.5;
  st->misattribution = 0.0;
  st->exposure = 1.0;
  st->value = 1.0;
  st->dwell = 30.0;
  st->attribution_delay = 60.0;
  st->relaxation = 365.0;
  strcpy(st->attack.policy, "hostility");
  st->attack.rate = 0.1;
  st->attack.mix[0] = 1.0;
  strcpy(st->response.policy, "none");
  st->response.escalation = 0.1;
  st->response.delay = 30.0;
  st->response.escalate = 0.2;
  strcpy(st->review.policy, "periodic");
  st->review.interval = 30.0;
}

void cy_alliance_spec_defaults(cy_alliance_spec *a) {
  memset(a, 0, sizeof *a);
  a->from = 0.0;
  a->until = INFINITY;
  a->nonaggression.compliance = 1.0;
  a->nonaggression.displacement = 0.0;
  a->nonaggression.breach = CY_BREACH_GRIM;
  a->nonaggression.threshold = 1;
  a->nonaggression.window = 365.0;
  a->intel_sharing.share = 0.5;
  a->intel_sharing.boost = 0.1;
  a->intel_sharing.ttl = 60.0;
  a->mutual_defence.solidarity = 0.5;
  a->mutual_defence.collective_response = false;
  a->tech_transfer.rate = 0.05;
  a->working_group.dampening = 0.5;
  a->working_group.collapse_hostility = 0.8;
}

int cy_scenario_state_index(const cy_scenario *s, const char *id) {
  for (size_t i = 0; i < s->n_states; i++)
    if (strcmp(s->states[i].id, id) == 0)
      return (int)i;
  return -1;
}

int cy_scenario_alliance_index(const cy_scenario *s, const char *id) {
  for (size_t i = 0; i < s->n_alliances; i++)
    if (strcmp(s->alliances[i].id, id) == 0)
      return (int)i;
  return -1;
}

int cy_scenario_optype_index(const cy_scenario *s, const char *name) {
  for (size_t i = 0; i < s->n_optypes; i++)
    if (strcmp(s->optypes[i].name, name) == 0)
      return (int)i;
  return -1;
}

size_t cy_scenario_bins(const cy_scenario *s) {
  if (!(s->output.bin > 0.0))
    return 0;
  return (size_t)ceil(s->horizon / s->output.bin);
}
