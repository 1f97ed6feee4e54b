/* cy_model.h: the cyber-conflict model of MODEL.md §1-5.
 *
 * A cy_model runs replications of one resolved scenario.  It is built once
 * per sweep point (per thread) and reused: cy_model_run() resets its state,
 * so a run allocates nothing in steady state.  It reads the scenario (which
 * must outlive it) and writes only the caller's cy_outcome.
 *
 * Determinism: run (seed, replication) draws every random number from the
 * stream cy_stream_seed(seed, replication, purpose) and nothing else, so the
 * record is the same whatever thread, process or order ran it. */
#ifndef CYSIM_CY_MODEL_H
#define CYSIM_CY_MODEL_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_scenario.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct cy_model cy_model;

/* Builds a model for s into *out (NULL on failure).  Returns CY_OK,
 * CY_ENOMEM, or CY_EINPUT when a policy name is unknown (the loader
 * normally catches that first).  The caller frees it with cy_model_free(),
 * which accepts NULL; s is only borrowed and must outlive the model. */
int cy_model_alloc(cy_model **out, const cy_scenario *s, cy_error *err);
void cy_model_free(cy_model *m);

/* Runs replication `replication` of the scenario with the scenario's seed
 * (or `seed`, which the caller passes explicitly so that --seed works) into
 * out, which must have been cy_outcome_init()ed for the same scenario.  */
int cy_model_run(cy_model *m, int64_t seed, uint64_t replication,
                 cy_outcome *out, cy_error *err);

/* Makes cy_model_run() return CY_EINTR, its outcome incomplete, soon after
 * *flag becomes non-zero (polled every CY_KERNEL_POLL events, so within
 * about a millisecond).  NULL: never. */
void cy_model_set_interrupt(cy_model *m, const atomic_int *flag);

#endif
