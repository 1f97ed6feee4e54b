/* cy_study.h: a scenario file with its overrides and sweep.
 *
 * A study is what a user runs: the parsed file (after @include and --set
 * overrides), its sweep axes and the number of points.  cy_study_point()
 * resolves one sweep point into a validated cy_scenario.  Loading validates
 * every point, so a study that loads can run every point.
 *
 * Errors name the file, line and setting path, e.g.
 *   pact.cfg:14: states.[1].offense: 1.3 is outside [0, 1]
 * and return CY_EINPUT (also for a scenario or @include file that cannot be
 * opened or is not a regular file: "x.cfg: cannot open: No such file or
 * directory"), CY_EIO when reading an opened file fails, or CY_ENOMEM.
 *
 * Ownership: cy_study_load() allocates; cy_study_free() releases (NULL ok). */
#ifndef CYSIM_CY_STUDY_H
#define CYSIM_CY_STUDY_H

#include "cysim/cy_error.h"
#include "cysim/cy_scenario.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cy_study cy_study;

typedef enum cy_value_type {
  CY_VALUE_INT,    /* libconfig int or int64 */
  CY_VALUE_DOUBLE, /* libconfig float */
  CY_VALUE_BOOL,
  CY_VALUE_STRING,
} cy_value_type;

typedef struct cy_axis {
  char name[CY_ID_MAX]; /* `name`, or the path with non-alphanumerics as _ */
  char path[256];       /* libconfig path of the swept setting */
  char zip[CY_ID_MAX];  /* zip group, "" when none */
  cy_value_type type;
  size_t n_values;
  int64_t *ints;   /* [n_values] when type is INT or BOOL */
  double *doubles; /* [n_values] when type is DOUBLE */
  char **strings;  /* [n_values] when type is STRING */
} cy_axis;

/* Loads `path`, applies the n_sets "path=value" overrides in order, then
 * validates the base scenario and every sweep point. */
int cy_study_load(cy_study **out, const char *path, const char *const *sets,
                  size_t n_sets, cy_error *err);
void cy_study_free(cy_study *st);

/* The file name as given and its raw text (with every @include'd file
 * appended in the order read), for /provenance/scenario_text. */
const char *cy_study_path(const cy_study *st);
const char *cy_study_text(const cy_study *st);

/* The base scenario (overrides applied, no sweep value applied). */
const cy_scenario *cy_study_base(const cy_study *st);

size_t cy_study_n_axes(const cy_study *st);
const cy_axis *cy_study_axis(const cy_study *st, size_t i);
/* Points of the sweep (1 when there is none), row-major, last axis fastest,
 * zip groups advancing together. */
size_t cy_study_n_points(const cy_study *st);
/* Which of axis a's values point p uses. */
size_t cy_study_value_index(const cy_study *st, size_t point, size_t axis);

/* Resolves point p into out (caller storage; cy_scenario_fini() it). */
int cy_study_point(const cy_study *st, size_t point, cy_scenario *out,
                   cy_error *err);

/* Warnings found while loading, each "file:line: path: message" (e.g. a
 * timeline entry at or after the horizon, which never fires).  Loading
 * still succeeds; callers print them on stderr. */
size_t cy_study_n_warnings(const cy_study *st);
const char *cy_study_warning(const cy_study *st, size_t i);

#endif
