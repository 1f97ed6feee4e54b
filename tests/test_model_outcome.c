/* test_model_outcome.c: the outcome record follows its field list.
 *
 * For every field of CY_OUTCOME_FIELDS: cy_outcome_init() gives it
 * storage of the right size (the time series only with bins),
 * cy_outcome_clear() zeroes it, cy_outcome_copy() copies it and
 * cy_outcome_equal() sees a change in any byte of it; the same for every
 * column of a log record.  Checked with and without time series and
 * alliances. */
#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"
#include "test_model_util.h"
#include "testutil.h"

#include <string.h>

/* Bytes of field i in o (0 when it has no storage). */
static size_t field_bytes(const cy_outcome *o, size_t i) {
  const cy_outcome_field *f = &cy_outcome_fields[i];
  return cy_outcome_values(o, i)
             ? cy_outcome_count(o, f->shape) * cy_elem_size(f->type)
             : 0;
}

static void fill(cy_outcome *o, unsigned char byte) {
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    void *p = cy_outcome_values_mut(o, i);
    if (p) /* a field without storage (time series off) is NULL */
      memset(p, byte, field_bytes(o, i));
  }
}

static bool all_bytes(const cy_outcome *o, size_t i, unsigned char byte) {
  const unsigned char *p = cy_outcome_values(o, i);
  for (size_t b = 0; b < field_bytes(o, i); b++)
    if (p[b] != byte)
      return false;
  return true;
}

static void check_storage(const cy_outcome *o, const char *what) {
  size_t nn = o->n_states * o->n_states;
  static const char *const shape_names[CY_SHAPE_COUNT] = {"SCALAR", "NN", "K",
                                                          "A", "BNN"};
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++) {
    const cy_outcome_field *f = &cy_outcome_fields[i];
    size_t want = f->shape == CY_SHAPE_SCALAR ? 1
                  : f->shape == CY_SHAPE_NN   ? nn
                  : f->shape == CY_SHAPE_K    ? o->n_optypes
                  : f->shape == CY_SHAPE_A    ? o->n_alliances
                                              : o->n_bins * nn;
    CHECK(cy_outcome_count(o, f->shape) == want, "%s: %s has %zu values (%s)",
          what, f->member, cy_outcome_count(o, f->shape),
          shape_names[f->shape]);
    bool has = cy_outcome_values(o, i) != NULL;
    CHECK(has == (f->shape != CY_SHAPE_BNN || o->n_bins > 0),
          "%s: %s has storage: %d", what, f->member, has);
    CHECK(strchr(f->dataset, '/') && f->units[0] && f->long_name[0] &&
              f->description[0],
          "%s: %s has a dataset, units, long name and description", what,
          f->member);
  }
}

/* Copy, clear and equal, field by field and byte by byte. */
static void check_ops(const cy_scenario *s, const char *what) {
  cy_outcome a, b;
  if (cy_outcome_init(&a, s) != CY_OK || cy_outcome_init(&b, s) != CY_OK)
    abort();
  CHECK((a.n_bins > 0) == s->output.timeseries &&
            a.n_alliances == s->n_alliances,
        "%s: %zu bins, %zu alliances", what, a.n_bins, a.n_alliances);
  check_storage(&a, what);
  fill(&a, 0x5a);
  cy_log_record rec;
  memset(&rec, 0x33, sizeof rec);
  CHECK(cy_outcome_log(&a, &rec) == CY_OK, "log");
  CHECK(!cy_outcome_equal(&a, &b), "%s: filled differs from zeroed", what);
  CHECK(cy_outcome_copy(&b, &a) == CY_OK && cy_outcome_equal(&a, &b),
        "%s: a copy is equal", what);
  size_t missed = 0;
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    for (size_t byte = 0; byte < field_bytes(&b, i); byte++) {
      unsigned char *p = cy_outcome_values_mut(&b, i);
      p[byte] ^= 1;
      missed += cy_outcome_equal(&a, &b);
      p[byte] ^= 1;
    }
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++) {
    const cy_log_field *f = &cy_log_fields[c];
    unsigned char *p = (unsigned char *)&b.log[0] + f->offset;
    for (size_t byte = 0; byte < cy_elem_size(f->type); byte++) {
      p[byte] ^= 1;
      missed += cy_outcome_equal(&a, &b);
      p[byte] ^= 1;
    }
  }
  CHECK(missed == 0, "%s: %zu one-bit changes not seen by cy_outcome_equal",
        what, missed);
  cy_outcome_clear(&a);
  for (size_t i = 0; i < CY_OUTCOME_FIELD_COUNT; i++)
    CHECK(all_bytes(&a, i, 0), "%s: clear zeroes %s", what,
          cy_outcome_fields[i].member);
  CHECK(a.log_len == 0, "%s: clear empties the log", what);
  cy_outcome_fini(&a);
  cy_outcome_fini(&b);
  cy_outcome_fini(&b); /* a zeroed record: no-op */
  cy_outcome_fini(NULL);
}

int main(void) {
  CHECK(sizeof cy_outcome_fields / sizeof cy_outcome_fields[0] ==
            CY_OUTCOME_FIELD_COUNT,
        "one descriptor per field");
  size_t row = 0;
  for (size_t c = 0; c < CY_LOG_FIELD_COUNT; c++)
    row += cy_elem_size(cy_log_fields[c].type);
  CHECK(row <= sizeof(cy_log_record), "log columns fit the record");

  cy_scenario s;
  tm_scenario(&s, 4, 0.3);
  s.output.timeseries = false;
  s.output.event_log = true;
  check_ops(&s, "no alliance, no time series");
  tm_alliance(&s, 0, 2, (int[]){0, 1});
  tm_alliance(&s, 0, 2, (int[]){2, 3});
  s.output.timeseries = true;
  s.output.bin = 30.0;
  check_ops(&s, "two alliances, time series");
  cy_scenario_fini(&s);
  return cy_test_finish();
}
