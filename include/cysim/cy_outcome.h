/* cy_outcome.h: what one replication of one sweep point produced.
 *
 * Holds every quantity of MODEL.md §7's /summary group for one (point,
 * replication), the optional /timeseries/ops bins and the optional event log.
 * Matrices are row-major [attacker * N + target].  The model fills it; the
 * output writer copies it to the file.  The model writes no files.
 *
 * Ownership: cy_outcome_init() allocates the arrays for a scenario's sizes
 * into caller storage; cy_outcome_fini() frees them. */
#ifndef CYSIM_CY_OUTCOME_H
#define CYSIM_CY_OUTCOME_H

#include "cysim/cy_scenario.h"

#include <stddef.h>
#include <stdint.h>

/* Kinds of event-log records (the `kind` column of /events). */
typedef enum cy_log_kind {
  CY_LOG_LAUNCH,       /* attacker launches an operation at target */
  CY_LOG_SUCCESS,      /* it succeeds (damage in `value`) */
  CY_LOG_BLOCKED,      /* it fails */
  CY_LOG_DETECT,       /* target detects it */
  CY_LOG_ATTRIBUTE,    /* target blames `blamed` (== attacker if correct) */
  CY_LOG_RESPONSE,     /* attacker launches a response operation at target */
  CY_LOG_BREACH,       /* nonaggression breach counted in alliance `other` */
  CY_LOG_ALLIANCE_END, /* alliance `other` ends */
  CY_LOG_TIMELINE,     /* timeline entry `other` fires */
  CY_LOG_KIND_COUNT
} cy_log_kind;

extern const char *const cy_log_kind_names[CY_LOG_KIND_COUNT];

typedef struct cy_log_record {
  double time;
  double value;     /* damage for SUCCESS, else 0 */
  uint8_t kind;     /* cy_log_kind */
  uint8_t optype;   /* optype index, or 255 when not applicable */
  int16_t attacker; /* state index, or -1 */
  int16_t target;   /* state index, or -1 */
  int16_t blamed;   /* ATTRIBUTE: blamed state index, else -1 */
  int32_t other;    /* alliance or timeline index, else -1 */
} cy_log_record;

typedef struct cy_outcome {
  size_t n_states, n_optypes, n_alliances, n_bins;
  /* [N*N] */
  uint32_t *ops, *successes, *detected, *attributed, *misattributed,
      *retaliations;
  double *damage;
  double *hostility_final;
  /* [K] */
  uint32_t *ops_by_type;
  /* [A] */
  uint8_t *alliance_ended;
  double *alliance_end_day;
  uint32_t *breaches;
  uint64_t events; /* kernel events processed */
  /* [B*N*N] bins of output.bin days, NULL unless output.timeseries */
  uint32_t *ts_ops;
  /* event log, NULL/0 unless output.event_log */
  cy_log_record *log;
  size_t log_len, log_cap;
} cy_outcome;

/* Sizes the arrays for s (time series and log only when s->output asks).
 * Returns CY_OK or CY_ENOMEM (then nothing needs fini). */
int cy_outcome_init(cy_outcome *o, const cy_scenario *s);
void cy_outcome_fini(cy_outcome *o);
/* Zeroes every count and empties the log, keeping the storage. */
void cy_outcome_clear(cy_outcome *o);
/* Appends one log record; CY_ENOMEM if the log cannot grow. */
int cy_outcome_log(cy_outcome *o, const cy_log_record *rec);

#endif
