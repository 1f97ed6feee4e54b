/* outcome.c: the per-replication outcome record (see cy_outcome.h).  Every
 * loop over the fields below is generated from CY_OUTCOME_FIELDS. */
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

#define FIELD_ENTRY(member_, dataset_, shape_, type_, units_, long_name_,      \
                    description_)                                              \
  {.member = #member_,                                                         \
   .dataset = dataset_,                                                        \
   .shape = CY_SHAPE_##shape_,                                                 \
   .type = CY_ELEM_##type_,                                                    \
   .units = units_,                                                            \
   .long_name = long_name_,                                                    \
   .description = description_},
const cy_outcome_field cy_outcome_fields[CY_OUTCOME_FIELD_COUNT] = {
    CY_OUTCOME_FIELDS(FIELD_ENTRY)};
#undef FIELD_ENTRY

#define LOG_ENTRY(member_, type_, description_)                                \
  {.name = #member_,                                                           \
   .type = CY_ELEM_##type_,                                                    \
   .offset = offsetof(cy_log_record, member_),                                 \
   .description = description_},
const cy_log_field cy_log_fields[CY_LOG_FIELD_COUNT] = {
    CY_LOG_FIELDS(LOG_ENTRY)};
#undef LOG_ENTRY

size_t cy_elem_size(cy_elem_type t) {
  switch (t) {
  case CY_ELEM_U8:
    return 1;
  case CY_ELEM_I16:
    return 2;
  case CY_ELEM_U32:
  case CY_ELEM_I32:
    return 4;
  case CY_ELEM_U64:
  case CY_ELEM_I64:
  case CY_ELEM_F64:
    return 8;
  }
  return 8;
}

/* Field indices, in list order. */
#define FIELD_INDEX(member, ...) FIELD_##member,
enum { CY_OUTCOME_FIELDS(FIELD_INDEX) };
#undef FIELD_INDEX

/* The storage of a field of each shape: scalars are the member itself,
 * arrays what the member points to (REF); only arrays are allocated
 * (SET).  One line per shape of cy_outcome_shape. */
#define REF_SCALAR(member) (&(member))
#define REF_NN(member) (member)
#define REF_K(member) (member)
#define REF_A(member) (member)
#define REF_BNN(member) (member)
#define SET_SCALAR(member, p) (void)(p)
#define SET_NN(member, p) (member) = (p)
#define SET_K(member, p) (member) = (p)
#define SET_A(member, p) (member) = (p)
#define SET_BNN(member, p) (member) = (p)

#define FIELD_REF(member, dataset, shape, ...)                                 \
  case FIELD_##member:                                                         \
    return REF_##shape(o->member);

const void *cy_outcome_values(const cy_outcome *o, size_t i) {
  switch (i) { CY_OUTCOME_FIELDS(FIELD_REF) }
  return NULL;
}

void *cy_outcome_values_mut(cy_outcome *o, size_t i) {
  switch (i) { CY_OUTCOME_FIELDS(FIELD_REF) }
  return NULL;
}
#undef FIELD_REF

/* Points array field i at p (scalars have no storage to set). */
static void set_array(cy_outcome *o, size_t i, void *p) {
  switch (i) {
#define FIELD_SET(member, dataset, shape, ...)                                 \
  case FIELD_##member:                                                         \
    SET_##shape(o->member, p);                                                 \
    break;
    CY_OUTCOME_FIELDS(FIELD_SET)
#undef FIELD_SET
  }
}

size_t cy_outcome_count(const cy_outcome *o, cy_outcome_shape s) {
  size_t nn = o->n_states * o->n_states;
  switch (s) {
  case CY_SHAPE_SCALAR:
    return 1;
  case CY_SHAPE_NN:
    return nn;
  case CY_SHAPE_K:
    return o->n_optypes;
  case CY_SHAPE_A:
    return o->n_alliances;
  case CY_SHAPE_BNN:
    return o->n_bins * nn;
  case CY_SHAPE_COUNT:
    break;
  }
  return 0;
}

/* A first log allocation large enough for a small run, so that logging
 * runs rarely reallocate. */
enum { LOG_INITIAL_CAP = 1024 };

/* The sizes of s, with ceil(horizon / bin) bins as cy_scenario_bins()
 * computes it, repeated here because that helper lives in the scenario
 * module, above this one.  CY_ENOMEM for more bins than CY_MAX_BINS: the
 * loader refuses those, and a scenario built in C with more could not be
 * allocated anyway (nor must the count convert). */
static int set_sizes(cy_outcome *o, const cy_scenario *s) {
  o->n_states = s->n_states;
  o->n_optypes = s->n_optypes;
  o->n_alliances = s->n_alliances;
  double bins = s->output.timeseries && s->output.bin > 0.0
                    ? ceil(s->horizon / s->output.bin)
                    : 0.0;
  if (!(bins <= (double)CY_MAX_BINS))
    return CY_ENOMEM;
  o->n_bins = bins > 0.0 ? (size_t)bins : 0;
  return CY_OK;
}

/* Every array, zeroed.  The time series is NULL without bins; the others
 * get at least one element, so that NULL always means a failed
 * allocation (and A = 0 still gives valid pointers). */
static int alloc_arrays(cy_outcome *o) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    const cy_outcome_field *f = &cy_outcome_fields[i];
    size_t n = cy_outcome_count(o, f->shape);
    if (f->shape == CY_SHAPE_SCALAR || (f->shape == CY_SHAPE_BNN && n == 0))
      continue;
    void *p = calloc(n ? n : 1, cy_elem_size(f->type));
    if (!p)
      return CY_ENOMEM;
    set_array(o, i, p);
  }
  return CY_OK;
}

int cy_outcome_init(cy_outcome *o, const cy_scenario *s) {
  memset(o, 0, sizeof *o);
  if (set_sizes(o, s) != CY_OK)
    return CY_ENOMEM;
  int rc = alloc_arrays(o);
  if (rc == CY_OK && s->output.event_log) {
    o->log = malloc(LOG_INITIAL_CAP * sizeof *o->log);
    o->log_cap = LOG_INITIAL_CAP;
    if (!o->log)
      rc = CY_ENOMEM;
  }
  if (rc != CY_OK)
    cy_outcome_fini(o);
  return rc;
}

void cy_outcome_fini(cy_outcome *o) {
  if (!o)
    return;
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    if (cy_outcome_fields[i].shape != CY_SHAPE_SCALAR)
      free(cy_outcome_values_mut(o, i));
  free(o->log);
  memset(o, 0, sizeof *o);
}

/* Bytes of field i in o (0 for an absent time series). */
static size_t field_bytes(const cy_outcome *o, size_t i) {
  const cy_outcome_field *f = &cy_outcome_fields[i];
  return cy_outcome_values(o, i)
             ? cy_outcome_count(o, f->shape) * cy_elem_size(f->type)
             : 0;
}

void cy_outcome_clear(cy_outcome *o) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    size_t bytes = field_bytes(o, i);
    if (bytes)
      memset(cy_outcome_values_mut(o, i), 0, bytes);
  }
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

int cy_outcome_copy(cy_outcome *dst, const cy_outcome *src) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    size_t bytes = field_bytes(src, i);
    if (bytes)
      memcpy(cy_outcome_values_mut(dst, i), cy_outcome_values(src, i), bytes);
  }
  dst->log_len = 0;
  for (size_t q = 0; q < src->log_len; q++)
    if (cy_outcome_log(dst, &src->log[q]) != CY_OK)
      return CY_ENOMEM;
  return CY_OK;
}

/* Log records compare column by column: the struct's padding bytes are
 * not part of a record. */
static bool same_record(const cy_log_record *a, const cy_log_record *b) {
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    if (memcmp((const char *)a + f->offset, (const char *)b + f->offset,
               cy_elem_size(f->type)) != 0)
      return false;
  }
  return true;
}

bool cy_outcome_equal(const cy_outcome *a, const cy_outcome *b) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    size_t bytes = field_bytes(a, i);
    if (bytes != field_bytes(b, i) ||
        (bytes &&
         memcmp(cy_outcome_values(a, i), cy_outcome_values(b, i), bytes) != 0))
      return false;
  }
  if (a->log_len != b->log_len)
    return false;
  for (size_t q = 0; q < a->log_len; q++)
    if (!same_record(&a->log[q], &b->log[q]))
      return false;
  return true;
}
