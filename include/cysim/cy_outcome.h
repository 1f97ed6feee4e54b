/* cy_outcome.h: what one replication of one sweep point produced.
 *
 * Holds every quantity of MODEL.md §7's /summary group for one (point,
 * replication), the optional /timeseries/ops bins and the optional event log.
 * Matrices are row-major [attacker * N + target].  The model fills it; the
 * output writer copies it to the file.  The model writes no files.
 *
 * The fields are listed once, in CY_OUTCOME_FIELDS below, and that list
 * drives the struct, cy_outcome_init/fini/clear/copy/equal, the result
 * file's datasets (writer and reader), the CSV of `cysim report` and the
 * tests.  Adding a field is one line there plus the model code that fills
 * it.  The event-log record is listed the same way (CY_LOG_FIELDS).
 *
 * Ownership: cy_outcome_init() allocates the arrays for a scenario's sizes
 * into caller storage; cy_outcome_fini() frees them. */
#ifndef CYSIM_CY_OUTCOME_H
#define CYSIM_CY_OUTCOME_H

#include "cysim/cy_scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- element types and shapes ---- */

/* The element type of a field or log column.  Integer types are stored as
 * HDF5 integers, CY_ELEM_F64 as HDF5 floats, little-endian in the file. */
typedef enum cy_elem_type {
  CY_ELEM_U8,
  CY_ELEM_I16,
  CY_ELEM_U32,
  CY_ELEM_I32,
  CY_ELEM_U64,
  CY_ELEM_I64,
  CY_ELEM_F64
} cy_elem_type;

/* The C type of each element-type token of the lists below. */
#define CY_CTYPE_U8 uint8_t
#define CY_CTYPE_I16 int16_t
#define CY_CTYPE_U32 uint32_t
#define CY_CTYPE_I32 int32_t
#define CY_CTYPE_U64 uint64_t
#define CY_CTYPE_I64 int64_t
#define CY_CTYPE_F64 double

/* Bytes of one element. */
size_t cy_elem_size(cy_elem_type t);

/* The dimensions of a field within one replication (in the file they
 * follow [point, replication]). */
typedef enum cy_outcome_shape {
  CY_SHAPE_SCALAR, /* one value */
  CY_SHAPE_NN,     /* [attacker, target]: [i * N + j] */
  CY_SHAPE_K,      /* [optype] */
  CY_SHAPE_A,      /* [alliance]; absent from the file when A = 0 */
  CY_SHAPE_BNN,    /* [time bin, attacker, target]: [b * N * N + i * N + j];
                      NULL (and absent from the file) without time series */
  CY_SHAPE_COUNT
} cy_outcome_shape;

/* ---- the outcome fields ----
 *
 * X(member, dataset, shape, type, units, long_name, description)
 *   member       the cy_outcome member: the value itself for SCALAR, else a
 *                pointer to cy_outcome_count() values
 *   dataset      its dataset in the result file, under [point, replication]
 *   shape        SCALAR, NN, K, A or BNN (cy_outcome_shape)
 *   type         U8, U32, U64, F64, ... (cy_elem_type, CY_CTYPE_*)
 *   units        UDUNITS text ("1" for counts and fractions)
 *   long_name    a short label
 *   description  one sentence, MODEL.md §6's
 * The file's datasets are made in this order (after /summary/status and
 * /summary/seed, which the writer adds), and the file's bytes depend on
 * that order: append, do not reorder. */
#define CY_OUTCOME_FIELDS(X)                                                   \
  X(events, "summary/events", SCALAR, U64, "1", "kernel events",               \
    "kernel events dispatched")                                                \
  X(ops, "summary/ops", NN, U32, "1", "operations",                            \
    "operations launched by attacker at target, responses included")           \
  X(successes, "summary/successes", NN, U32, "1", "successful operations",     \
    "operations of attacker against target that succeeded")                    \
  X(detected, "summary/detected", NN, U32, "1", "detections",                  \
    "detections by target of operations by attacker, before the horizon")      \
  X(attributed, "summary/attributed", NN, U32, "1", "attributions",            \
    "times target blamed the true attacker, before the horizon")               \
  X(misattributed, "summary/misattributed", NN, U32, "1", "misattributions",   \
    "times target blamed attacker, an innocent state, before the horizon")     \
  X(retaliations, "summary/retaliations", NN, U32, "1", "response operations", \
    "response operations launched by attacker at target (also in ops)")        \
  X(damage, "summary/damage", NN, F64, "1", "damage",                          \
    "damage done by attacker to target, in units of state value, at launch")   \
  X(hostility_final, "summary/hostility_final", NN, F64, "1",                  \
    "final hostility", "hostility of attacker toward target at the horizon")   \
  X(ops_by_type, "summary/ops_by_type", K, U32, "1", "operations by type",     \
    "operations launched, all dyads, by operation type")                       \
  X(alliance_ended, "summary/alliance_ended", A, U8, "1", "alliance ended",    \
    "1 if the alliance ended before the horizon, else 0")                      \
  X(alliance_end_day, "summary/alliance_end_day", A, F64, "days",              \
    "alliance end day",                                                        \
    "day the alliance ended; the horizon if it did not, NaN if disabled")      \
  X(breaches, "summary/breaches", A, U32, "1", "nonaggression breaches",       \
    "nonaggression breaches counted in the alliance")                          \
  X(ts_ops, "timeseries/ops", BNN, U32, "1", "operations per bin",             \
    "operations launched by attacker at target in each bin of output.bin "     \
    "days")                                                                    \
  X(fear_final, "summary/fear_final", NN, F64, "1", "final fear",              \
    "fear F of attacker toward target at the horizon (deterrence)")

/* The member of each shape: scalars are held by value, the rest by
 * pointer. */
#define CY__OUTCOME_MEMBER_SCALAR(ctype, member) ctype member;
#define CY__OUTCOME_MEMBER_NN(ctype, member) ctype *member;
#define CY__OUTCOME_MEMBER_K(ctype, member) ctype *member;
#define CY__OUTCOME_MEMBER_A(ctype, member) ctype *member;
#define CY__OUTCOME_MEMBER_BNN(ctype, member) ctype *member;
#define CY__OUTCOME_MEMBER(member, dataset, shape, type, ...)                  \
  CY__OUTCOME_MEMBER_##shape(CY_CTYPE_##type, member)
#define CY__COUNT_ONE(...) +1

enum { CY_OUTCOME_FIELD_COUNT = 0 CY_OUTCOME_FIELDS(CY__COUNT_ONE) };

/* One field of the list, for code that loops over them. */
typedef struct cy_outcome_field {
  const char *member;  /* "ops" */
  const char *dataset; /* "summary/ops" */
  cy_outcome_shape shape;
  cy_elem_type type;
  const char *units, *long_name, *description;
} cy_outcome_field;

/* In list order. */
extern const cy_outcome_field cy_outcome_fields[CY_OUTCOME_FIELD_COUNT];

/* ---- the event log ----
 *
 * X(member, type, description): the columns of a log record, in the order
 * of the /events columns (which the writer prefixes with point and
 * replication) and of the run journal's rows. */
#define CY_LOG_FIELDS(X)                                                       \
  X(time, F64, "day the record happened")                                      \
  X(value, F64, "damage for SUCCESS, else 0")                                  \
  X(kind, U8, "cy_log_kind")                                                   \
  X(optype, U8, "optype index, or 255 when not applicable")                    \
  X(attacker, I16, "state index, or -1")                                       \
  X(target, I16, "state index, or -1")                                         \
  X(blamed, I16, "ATTRIBUTE: blamed state index, else -1")                     \
  X(other, I32, "alliance or timeline index, else -1")

/* ---- the result file's other variables ----
 *
 * X(path, units, long_name, description): every dataset of the result file
 * that is not an outcome field (those describe themselves in
 * CY_OUTCOME_FIELDS): the writer's own /summary datasets, the dimension
 * scales (at the root; each group's copies take the same attributes), the
 * sweep values ("sweep/" stands for every /sweep/<name> and its copies in
 * the groups; their long_name is the setting's path) and the /events
 * columns (CY_LOG_FIELDS' names).  units is UDUNITS text ("1" for counts,
 * indices and fractions), NULL for text scales; `time` and `time_bounds`
 * get "days since START" when the scenario has a start date.  The sweep
 * loader refuses an axis named like any of these (or like an outcome
 * field), since the axis becomes a variable of the groups (MODEL.md §7). */
#define CY_FILE_VARIABLES(X)                                                   \
  X("summary/status", "1", "run status",                                       \
    "1 when the run is done and its values are in the file, else 0")           \
  X("summary/seed", "1", "replication seed",                                   \
    "key of the replication's random numbers")                                 \
  X("summary/alliance_enabled", "1", "alliance enabled",                       \
    "1 if the alliance is enabled at the sweep point, else 0")                 \
  X("point", "1", "sweep point", "index of the sweep point")                   \
  X("replication", "1", "replication", "index of the replication")             \
  X("attacker", NULL, "attacker", "state that acts (row of a dyad matrix)")    \
  X("target", NULL, "target", "state acted upon (column of a dyad matrix)")    \
  X("state", NULL, "state", "state id")                                        \
  X("alliance", NULL, "alliance", "alliance id")                               \
  X("optype", NULL, "operation type", "operation type name")                   \
  X("time", "days", "bin start", "day each time bin starts")                   \
  X("nv", "1", "bound", "0: a bin's start, 1: its end")                        \
  X("time_bounds", "days", "bin bounds",                                       \
    "day each time bin starts and ends; the last ends at the horizon")         \
  X("sweep/", "1", "swept setting",                                            \
    "value of the swept setting (attribute path) at each sweep point")         \
  X("events/event", "1", "event row", "row number of the event record")        \
  X("events/point", "1", "sweep point", "sweep point of the record's run")     \
  X("events/replication", "1", "replication", "replication of the record")     \
  X("events/time", "days", "record day", "day the record happened")            \
  X("events/value", "1", "damage", "damage for SUCCESS, else 0")               \
  X("events/kind", "1", "record kind", "what happened (flag_meanings)")        \
  X("events/optype", "1", "operation type index",                              \
    "index of the operation type in optype, or 255 when not applicable")       \
  X("events/attacker", "1", "attacker index",                                  \
    "index of the acting state in state, or -1")                               \
  X("events/target", "1", "target index",                                      \
    "index of the state acted upon in state, or -1")                           \
  X("events/blamed", "1", "blamed state index",                                \
    "ATTRIBUTE: index of the blamed state in state, else -1")                  \
  X("events/other", "1", "alliance or timeline index",                         \
    "index of the alliance or timeline entry, else -1")

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

#define CY__LOG_MEMBER(member, type, description) CY_CTYPE_##type member;

typedef struct cy_log_record {
  CY_LOG_FIELDS(CY__LOG_MEMBER)
} cy_log_record;

enum { CY_LOG_FIELD_COUNT = 0 CY_LOG_FIELDS(CY__COUNT_ONE) };

typedef struct cy_log_field {
  const char *name; /* the member, and the /events column */
  cy_elem_type type;
  size_t offset; /* offsetof(cy_log_record, name) */
  const char *description;
} cy_log_field;

/* In list order. */
extern const cy_log_field cy_log_fields[CY_LOG_FIELD_COUNT];

/* ---- the record ---- */

typedef struct cy_outcome {
  size_t n_states, n_optypes, n_alliances, n_bins;
  CY_OUTCOME_FIELDS(CY__OUTCOME_MEMBER)
  /* event log, NULL/0 unless output.event_log */
  cy_log_record *log;
  size_t log_len, log_cap;
} cy_outcome;

/* Sizes the arrays for s (time series and log only when s->output asks).
 * Returns CY_OK or CY_ENOMEM (then nothing needs fini). */
int cy_outcome_init(cy_outcome *o, const cy_scenario *s);
/* Frees the arrays (NULL or a zeroed o is a no-op). */
void cy_outcome_fini(cy_outcome *o);
/* Zeroes every count and empties the log, keeping the storage. */
void cy_outcome_clear(cy_outcome *o);
/* Appends one log record; CY_ENOMEM if the log cannot grow. */
int cy_outcome_log(cy_outcome *o, const cy_log_record *rec);

/* Values of a field of shape s in o: 1, N*N, K, A or B*N*N (0 without time
 * series). */
size_t cy_outcome_count(const cy_outcome *o, cy_outcome_shape s);
/* The values of field cy_outcome_fields[i] in o (for a SCALAR, the member
 * itself); NULL for an absent time series. */
const void *cy_outcome_values(const cy_outcome *o, size_t i);
void *cy_outcome_values_mut(cy_outcome *o, size_t i);

/* Copies every field and the log of src into dst, which cy_outcome_init()
 * sized for the same scenario (same sizes; dst's log on whenever src's
 * holds records).  CY_OK, or CY_ENOMEM if dst's log cannot grow. */
int cy_outcome_copy(cy_outcome *dst, const cy_outcome *src);
/* Whether a and b (same sizes) hold the same bits in every field and the
 * same log records. */
bool cy_outcome_equal(const cy_outcome *a, const cy_outcome *b);

#endif
