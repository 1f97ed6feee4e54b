/* outcome.c: the per-replication outcome record (see cy_outcome.h). */
#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cy_log_kind_names[CY_LOG_KIND_COUNT] = {
    [CY_LOG_LAUNCH] = "launch",       [CY_LOG_SUCCESS] = "success",
    [CY_LOG_BLOCKED] = "blocked",     [CY_LOG_DETECT] = "detect",
    [CY_LOG_ATTRIBUTE] = "attribute", [CY_LOG_RESPONSE] = "response",
    [CY_LOG_BREACH] = "breach",       [CY_LOG_ALLIANCE_END] = "alliance_end",
    [CY_LOG_TIMELINE] = "timeline",
};

/* A first log allocation large enough for a small run, so that logging
 * runs rarely reallocate. */
enum { LOG_INITIAL_CAP = 1024 };

int cy_outcome_init(cy_outcome *o, const cy_scenario *s) {
  memset(o, 0, sizeof *o);
  size_t n = s->n_states, nn = n * n;
  o->n_states = n;
  o->n_optypes = s->n_optypes;
  o->n_alliances = s->n_alliances;
  /* ceil(horizon / bin) as cy_scenario_bins() computes it, repeated here
   * because that helper lives in the scenario module, above this one. */
  double bins = s->output.timeseries && s->output.bin > 0.0
                    ? ceil(s->horizon / s->output.bin)
                    : 0.0;
  /* The loader refuses more bins than CY_MAX_BINS; a scenario built in C
   * with more could not be allocated anyway, and must not convert. */
  if (!(bins <= (double)CY_MAX_BINS))
    return CY_ENOMEM;
  o->n_bins = bins > 0.0 ? (size_t)bins : 0;
  o->ops = calloc(nn ? nn : 1, sizeof *o->ops);
  o->successes = calloc(nn ? nn : 1, sizeof *o->successes);
  o->detected = calloc(nn ? nn : 1, sizeof *o->detected);
  o->attributed = calloc(nn ? nn : 1, sizeof *o->attributed);
  o->misattributed = calloc(nn ? nn : 1, sizeof *o->misattributed);
  o->retaliations = calloc(nn ? nn : 1, sizeof *o->retaliations);
  o->damage = calloc(nn ? nn : 1, sizeof *o->damage);
  o->hostility_final = calloc(nn ? nn : 1, sizeof *o->hostility_final);
  o->ops_by_type =
      calloc(o->n_optypes ? o->n_optypes : 1, sizeof *o->ops_by_type);
  size_t na = o->n_alliances ? o->n_alliances : 1;
  o->alliance_ended = calloc(na, sizeof *o->alliance_ended);
  o->alliance_end_day = calloc(na, sizeof *o->alliance_end_day);
  o->breaches = calloc(na, sizeof *o->breaches);
  int bad = !o->ops || !o->successes || !o->detected || !o->attributed ||
            !o->misattributed || !o->retaliations || !o->damage ||
            !o->hostility_final || !o->ops_by_type || !o->alliance_ended ||
            !o->alliance_end_day || !o->breaches;
  if (!bad && o->n_bins) {
    o->ts_ops = calloc(o->n_bins * nn, sizeof *o->ts_ops);
    bad = !o->ts_ops;
  }
  if (!bad && s->output.event_log) {
    o->log = malloc(LOG_INITIAL_CAP * sizeof *o->log);
    o->log_cap = LOG_INITIAL_CAP;
    bad = !o->log;
  }
  if (bad) {
    cy_outcome_fini(o);
    return CY_ENOMEM;
  }
  return CY_OK;
}

void cy_outcome_fini(cy_outcome *o) {
  if (!o)
    return;
  free(o->ops);
  free(o->successes);
  free(o->detected);
  free(o->attributed);
  free(o->misattributed);
  free(o->retaliations);
  free(o->damage);
  free(o->hostility_final);
  free(o->ops_by_type);
  free(o->alliance_ended);
  free(o->alliance_end_day);
  free(o->breaches);
  free(o->ts_ops);
  free(o->log);
  memset(o, 0, sizeof *o);
}

void cy_outcome_clear(cy_outcome *o) {
  size_t nn = o->n_states * o->n_states;
  memset(o->ops, 0, nn * sizeof *o->ops);
  memset(o->successes, 0, nn * sizeof *o->successes);
  memset(o->detected, 0, nn * sizeof *o->detected);
  memset(o->attributed, 0, nn * sizeof *o->attributed);
  memset(o->misattributed, 0, nn * sizeof *o->misattributed);
  memset(o->retaliations, 0, nn * sizeof *o->retaliations);
  memset(o->damage, 0, nn * sizeof *o->damage);
  memset(o->hostility_final, 0, nn * sizeof *o->hostility_final);
  memset(o->ops_by_type, 0, o->n_optypes * sizeof *o->ops_by_type);
  memset(o->alliance_ended, 0, o->n_alliances * sizeof *o->alliance_ended);
  memset(o->alliance_end_day, 0, o->n_alliances * sizeof *o->alliance_end_day);
  memset(o->breaches, 0, o->n_alliances * sizeof *o->breaches);
  if (o->ts_ops)
    memset(o->ts_ops, 0, o->n_bins * nn * sizeof *o->ts_ops);
  o->events = 0;
  o->log_len = 0;
}

int cy_outcome_log(cy_outcome *o, const cy_log_record *rec) {
  if (o->log_len == o->log_cap) {
    size_t cap = o->log_cap ? 2 * o->log_cap : LOG_INITIAL_CAP;
    cy_log_record *p = realloc(o->log, cap * sizeof *p);
    if (!p)
      return CY_ENOMEM;
    o->log = p;
    o->log_cap = cap;
  }
  o->log[o->log_len++] = *rec;
  return CY_OK;
}
