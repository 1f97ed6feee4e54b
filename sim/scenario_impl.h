/* scenario_impl.h: what the loader's files (sim/scenario*.c) share.
 *
 * Private to the scenario module: it is the only place libconfig.h is seen.
 * scenario.c reads files (expanding @include itself, so that includes resolve
 * relative to the including file with libconfig 1.5, which only knows one
 * include directory), applies --set and owns the sweep; scenario_resolve.c
 * turns a libconfig tree into a validated cy_scenario. */
#ifndef CYSIM_SIM_SCENARIO_IMPL_H
#define CYSIM_SIM_SCENARIO_IMPL_H

#include "cysim/cy_error.h"
#include "cysim/cy_scenario.h"

#include <libconfig.h>
#include <stddef.h>

/* Maps a line of the text handed to libconfig (all includes expanded) back
 * to the file and line it came from. */
typedef struct cy_srcmap {
  char **files; /* display names: as given, or include dir + include name */
  size_t n_files;
  int *line_file; /* [n_lines] index into files */
  int *line_no;   /* [n_lines] 1-based line in that file */
  size_t n_lines;
} cy_srcmap;

/* A setting whose value did not come from the file (a --set or a sweep
 * axis): errors about it name `where` instead of the file position. */
typedef struct cy_override {
  const config_setting_t *setting;
  char where[320]; /* "--set path=value" or "file:line" of the sweep axis */
  char note[160];  /* appended to the message, may be "" */
} cy_override;

typedef void (*cy_warn_fn)(void *arg, const char *msg);

typedef struct cy_rctx {
  const cy_srcmap *map;
  const cy_override *ovr;
  size_t n_ovr;
  const char *note;         /* appended to every error, e.g. sweep point */
  const char *default_name; /* scenario.name when not given */
  cy_error *err;
  cy_warn_fn warn; /* may be NULL */
  void *warn_arg;
} cy_rctx;

/* Resolves and validates the whole tree into out (initialised storage;
 * on failure out is left finalised). */
int cy_resolve(const config_t *cfg, const cy_rctx *r, cy_scenario *out);

/* "states.[1].offense" */
void cy_setting_path(const config_setting_t *s, char *buf, size_t n);

/* "file:line" of a setting (or its override's `where`). */
void cy_setting_where(const cy_rctx *r, const config_setting_t *s, char *buf,
                      size_t n);

/* Stores "where: path: message note" in r->err; returns CY_EINPUT. */
int cy_serr(const cy_rctx *r, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What a key of the scenario schema holds. */
typedef enum cy_kind {
  CY_K_FLOAT, /* number; ints accepted */
  CY_K_INT,   /* integer (int or int64) */
  CY_K_BOOL,
  CY_K_STRING,
  CY_K_NUMDATE, /* number of days, or an ISO date when scenario.start is set */
  CY_K_GROUP,
  CY_K_LIST,  /* list of groups */
  CY_K_ARRAY, /* array or list of scalars */
} cy_kind;

/* The kind of the setting at a libconfig path according to the schema.
 * Returns 0, or -1 when the path cannot name a valid key; then *bad is
 * the offending component's offset in path and valid_names (may be NULL)
 * gets the keys that would have been valid there, comma separated. */
int cy_schema_kind(const char *path, cy_kind *kind, size_t *bad,
                   char *valid_names, size_t n_valid);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t cy_edit_distance(const char *a, const char *b);

/* Shortest "%g"-style text that reads back as v. */
void cy_format_double(double v, char *buf, size_t n);

#endif
