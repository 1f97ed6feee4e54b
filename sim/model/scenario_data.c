/* scenario_data.c: cy_scenario storage, defaults and look-ups.
 *
 * Kept apart from the loader (sim/scenario/) so that the model and its tests
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

const char *const cy_breach_rule_names[CY_BREACH_COUNT] = {
    [CY_BREACH_GRIM] = "grim",
    [CY_BREACH_TOLERANCE] = "tolerance",
    [CY_BREACH_NEVER] = "never",
};

const char *const cy_timeline_kind_names[CY_TL_COUNT] = {
    [CY_TL_SANCTIONS] = "sanctions",
    [CY_TL_INDICTMENT] = "indictment",
    [CY_TL_ISOLATION] = "isolation",
    [CY_TL_JOIN] = "join",
    [CY_TL_LEAVE] = "leave",
    [CY_TL_END_ALLIANCE] = "end_alliance",
    [CY_TL_SET] = "set",
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
  s->warmup = 0.0;
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
  st->attack.deterrence = 0.0;
  st->attack.deterrence_memory = 365.0;
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
  a->from = -INFINITY;
  a->enabled = true;
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
  double q = ceil(s->horizon / s->output.bin);
  if (!(q <= (double)CY_MAX_BINS)) /* also NaN */
    return (size_t)CY_MAX_BINS + 1;
  return q > 0.0 ? (size_t)q : 0;
}

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian),
 * exact for every year libconfig can spell. */
static long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long)doe - 719468;
}

int cy_date_parse(const char *text, long *days) {
  if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
    return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
      return -1;
  long y = strtol(text, NULL, 10);
  unsigned m = (unsigned)((text[5] - '0') * 10 + (text[6] - '0'));
  unsigned d = (unsigned)((text[8] - '0') * 10 + (text[9] - '0'));
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1)
    return -1;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned dmax = mdays[m - 1] + (m == 2 && leap ? 1u : 0u);
  if (d > dmax)
    return -1;
  *days = days_from_civil(y, m, d);
  return 0;
}

void cy_date_format(long days, char buf[11]) {
  long z = days + 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = (long)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
  buf[0] = (char)('0' + yy / 1000);
  buf[1] = (char)('0' + yy / 100 % 10);
  buf[2] = (char)('0' + yy / 10 % 10);
  buf[3] = (char)('0' + yy % 10);
  buf[4] = '-';
  buf[5] = (char)('0' + m / 10);
  buf[6] = (char)('0' + m % 10);
  buf[7] = '-';
  buf[8] = (char)('0' + d / 10);
  buf[9] = (char)('0' + d % 10);
  buf[10] = '\0';
}
