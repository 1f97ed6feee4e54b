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

/* The note an override adds to messages about s (its sweep axis and point),
 * or "". */
const char *cy_setting_note(const cy_rctx *r, const config_setting_t *s);

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

/* ------------------------------------------------------------- work */

/* What drives a replication's expected events (scenario_work.c). */
typedef enum cy_work_driver {
  CY_WD_NONE,
  CY_WD_RATE,     /* states.[index].attack.rate */
  CY_WD_SET_RATE, /* a timeline `set` of attack.rate: timeline[index] */
  CY_WD_REVIEW,   /* states.[index].review.interval */
  CY_WD_HORIZON,  /* scenario.horizon: ordinary rates over a long span */
  CY_WD_CHAIN,    /* responses to responses multiply: state index */
} cy_work_driver;

/* Upper estimates of one replication's expected work (see cy_work in
 * cy_study.h for how they are used). */
typedef struct cy_work_point {
  double span;        /* simulated days */
  double ops;         /* operations launched, responses included */
  double events;      /* kernel events */
  double log_records; /* event-log records, were the log on */
  double pending;     /* events waiting in the kernel at once */
  double ring_bytes;  /* tolerance breach histories */
  size_t ring_alliance;
  double branching; /* m: responses one operation leads to, at most */
  double delay;     /* least mean days from an operation to a response */
  cy_work_driver driver;
  size_t index;       /* state or timeline entry of the driver */
  int chain_alliance; /* CHAIN through allies only: that alliance, or -1 */
} cy_work_point;

/* Simulated days of one replication: the horizon (Model v2 adds
 * scenario.warmup here, and every estimate follows). */
double cy_work_span(const cy_scenario *s);

/* Fills w for one resolved scenario simulated over `span` days.  Returns 0
 * or CY_ENOMEM. */
int cy_work_point_of(const cy_scenario *s, double span, cy_work_point *w);

#endif
