/* scenario_impl.h: what the scenario module's files share.
 *
 * Private to the scenario module: it is the only place libconfig.h is seen.
 *   source.c   reads a study's files (expanding @include itself, so that
 *              includes resolve relative to the including file with
 *              libconfig 1.5, which only knows one include directory);
 *   set.c      writes --set values into the parsed tree;
 *   path.c     setting paths (states.[0].offense, states.[RU].offense) in
 *              the tree, for --set and sweep axes;
 *   resolve.c  turns the tree, with a sweep point's values, into a
 *              validated cy_scenario;
 *   sweep.c    reads the sweep and gives each point its values;
 *   design.c   the `design` group, and an lhs or saltelli design's points;
 *   study.c    the cy_study API: loading, and every point resolved once;
 *   work.c     bounds the work of one replication of a scenario;
 *   caps.c     a study's work estimate and the caps on it. */
#ifndef CYSIM_SIM_SCENARIO_IMPL_H
#define CYSIM_SIM_SCENARIO_IMPL_H

#include "cysim/cy_error.h"
#include "cysim/cy_scenario.h"
#include "cysim/cy_study.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maps a line of the text handed to libconfig (all includes expanded) back
 * to the file and line it came from. */
typedef struct cy_srcmap {
  char **files; /* display names: as given, or include dir + include name */
  size_t n_files;
  int *line_file; /* [n_lines] index into files */
  int *line_no;   /* [n_lines] 1-based line in that file */
  size_t n_lines;
} cy_srcmap;

/* A study's files as read (source.c): the raw text, for provenance, and
 * the text handed to libconfig with every @include expanded, with its line
 * map.  cy__source_read() fills caller storage; cy__source_fini() frees it. */
typedef struct cy_source {
  char *text; /* the files as read, each @include'd file appended */
  size_t text_len, text_cap;
  char *expanded; /* what libconfig parses */
  size_t exp_len, exp_cap;
  cy_srcmap map;
  size_t map_cap;
  struct cy_bigint *big; /* integer literals libconfig would not keep */
  size_t n_big, big_cap;
} cy_source;

/* Reads `path` and the files it @includes into src (which it initialises;
 * on failure the caller still cy__source_fini()s it). */
int cy__source_read(cy_source *src, const char *path, cy_error *err);
void cy__source_fini(cy_source *src);

/* Parses the expanded text into cfg (config_init()ed by the caller) and
 * refuses an empty file and integer literals libconfig would not keep. */
int cy__source_parse(const cy_source *src, config_t *cfg, const char *path,
                     cy_error *err);

/* "file:line" of line `line` of the expanded text, or path when there is
 * no such line. */
void cy__source_where(const cy_source *src, unsigned line, const char *path,
                      char *buf, size_t n);

/* A scalar setting's type and value as a resolution sees it. */
typedef struct cy_value {
  int type;      /* CONFIG_TYPE_*: INT, INT64, FLOAT, BOOL or STRING for a
                    scalar; an aggregate's own type */
  int64_t i;     /* INT and INT64; BOOL as 0 or 1 */
  double f;      /* FLOAT */
  const char *s; /* STRING; owned by the tree or by the sweep axis */
} cy_value;

/* A setting whose value did not come from the file (a --set or a sweep
 * axis): errors about it name `where` instead of the file position.  A
 * --set is written into the tree when the study loads; a sweep point's
 * value is not (the tree is never written after loading): the resolver
 * reads `value` instead of the tree's. */
typedef struct cy_override {
  const config_setting_t *setting;
  char where[320]; /* "--set path=value" or "file:line" of the sweep axis */
  char note[160];  /* appended to the message, may be "" */
  bool has_value;  /* a sweep point's value: read `value`, not the tree */
  cy_value value;
} cy_override;

typedef void (*cy_warn_fn)(void *arg, const char *msg);

/* What one resolution of the tree needs besides the tree: where settings
 * came from, the values a sweep point gives, and where messages go. */
typedef struct cy_resolve_ctx {
  const cy_srcmap *map;
  const cy_override *overrides; /* --sets first, then sweep axes */
  size_t n_overrides;
  const char *note;         /* appended to every error, e.g. sweep point */
  const char *default_name; /* scenario.name when not given */
  cy_error *err;
  cy_warn_fn warn; /* may be NULL */
  void *warn_arg;
} cy_resolve_ctx;

/* Resolves and validates the whole tree, with the overrides' values, into
 * out (storage that cy__resolve() initialises; on failure out is left
 * finalised).  Reads the tree and never writes it, so that several threads
 * may resolve points of one tree at once. */
int cy__resolve(const config_t *cfg, const cy_resolve_ctx *ctx,
                cy_scenario *out);

/* The value of s in this resolution: an override's value, or the tree's. */
cy_value cy__setting_value(const cy_resolve_ctx *ctx,
                           const config_setting_t *s);

/* "states.[1].offense" */
void cy__setting_path(const config_setting_t *s, char *buf, size_t n);

/* "file:line" of a setting (or its override's `where`). */
void cy__setting_where(const cy_resolve_ctx *ctx, const config_setting_t *s,
                       char *buf, size_t n);

/* The note an override adds to messages about s (its sweep axis and point),
 * or "". */
const char *cy__setting_note(const cy_resolve_ctx *ctx,
                             const config_setting_t *s);

/* Stores "where: path: message note" in ctx->err; returns CY_EINPUT. */
int cy__setting_error(const cy_resolve_ctx *ctx, const config_setting_t *s,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What a key of the scenario schema holds. */
typedef enum cy_kind {
  CY_K_FLOAT, /* number; ints accepted */
  CY_K_INT,   /* integer (int or int64) */
  CY_K_BOOL,
  CY_K_STRING,
  CY_K_NUMDATE, /* number of days, or an ISO date when scenario.start is set */
  CY_K_GROUP,
  CY_K_LIST,   /* list of groups */
  CY_K_ARRAY,  /* array or list of scalars */
  CY_K_SCALAR, /* an element of a sweep's values: any single value, typed
                  by how it reads, as in a file (the axis checks it) */
} cy_kind;

/* The kind of the setting at a libconfig path according to the schema.
 * Returns 0, or -1 when the path cannot name a valid key; then *bad is
 * the offending component's offset in path and valid_names (may be NULL)
 * gets the keys that would have been valid there, comma separated. */
int cy__schema_kind(const char *path, cy_kind *kind, size_t *bad,
                    char *valid_names, size_t n_valid);

/* ------------------------------------------------------------- path */

/* The next component of a path at *p ("states", "[0]", "[RU]") into comp,
 * *p moved past it and its '.'.  Returns 1, 0 at the end of the path, or
 * -1 when the path is malformed there (an empty component, an unclosed
 * '[', text after a ']', a trailing '.', longer than n - 1). */
int cy__path_next(const char **p, char *comp, size_t n);

/* Appends ".comp" to path (just comp when path is ""), cut to n. */
void cy__path_append(char *path, size_t n, const char *comp);

/* Whether comp is an index, [N] or [-N]; then *idx is N. */
bool cy__path_index(const char *comp, long *idx);

/* The element of the list or array agg that comp ([N] or [ID]) names, or
 * NULL with the reason in why: "states has 2 elements, no [5]", "no element
 * of states has id \"XX\" (ids: RU, CN, US)".  walked is agg's path. */
config_setting_t *cy__path_elem(const config_setting_t *agg, const char *walked,
                                const char *comp, char *why, size_t n);

/* The setting at path in cfg, or NULL: why is "" when a key is missing,
 * else what cy__path_elem() said about an element. */
config_setting_t *cy__path_lookup(const config_t *cfg, const char *path,
                                  char *why, size_t n);

/* When cy__schema_kind() refused path at offset bad because the component
 * there follows a list or array without brackets: how to name an element
 * ("states is a list: name an element as states.[RU] or states.[0]");
 * else "". */
void cy__path_hint(const char *path, size_t bad, char *buf, size_t n);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t cy__edit_distance(const char *a, const char *b);

/* ------------------------------------------------------------ sweep */

/* Where a sweep axis's setting is (sweep.c). */
typedef struct cy_axis_target {
  const config_setting_t *setting;
  char where[320]; /* file:line of the axis */
  size_t dim;      /* which cross-product dimension (zip groups share) */
  const config_setting_t *entry; /* the axis's group in `sweep` */
  /* In an lhs or saltelli design: the range the axis maps its factor's
   * unit coordinate onto (design.c). */
  double lo, hi;    /* from, to */
  int64_t ilo, ihi; /* from, to of an integer setting */
  bool log;         /* scale = "log" */
} cy_axis_target;

/* A study's sweep: its axes and the points they span.  cy__sweep_load()
 * fills caller storage; cy__sweep_fini() frees it (also after a failed
 * load). */
typedef struct cy_sweep {
  size_t n_axes;
  cy_axis *axes;           /* [n_axes] */
  cy_axis_target *targets; /* [n_axes] */
  size_t n_dims;
  size_t *dim_size; /* [n_dims] values of each dimension */
  size_t n_points;  /* their product; 1 without a sweep */
  /* The study's --sets: a value one of them gave (the axis's values,
   * that element, or from/to/steps) is reported at the --set, not at the
   * file's line. */
  const cy_override *sets;
  size_t n_sets;
  cy_design design; /* method GRID: the cross product of the axes */
  const config_setting_t *design_group; /* `design`, NULL when absent */
} cy_sweep;

/* Reads the `sweep` list of cfg; errors name settings through ctx, whose
 * overrides are the study's --sets (kept by the sweep: they must outlive
 * it). */
int cy__sweep_load(cy_sweep *sw, const config_t *cfg,
                   const cy_resolve_ctx *ctx);
void cy__sweep_fini(cy_sweep *sw);

/* Which of axis `axis`'s values point `point` uses. */
size_t cy__sweep_value_index(const cy_sweep *sw, size_t point, size_t axis);

/* The overrides that give point `point` its values, one per axis, into
 * ovr[0, n_axes) (the axes own the strings they point to), and the note
 * that names the point in messages, " (sweep point 3: a = 1, b = 2)". */
void cy__sweep_point(const cy_sweep *sw, size_t point, cy_override *ovr,
                     char *note, size_t n);

/* ------------------------------------------------------------ design */

/* Reads the `design` group (design.c) into sw->design: method, samples
 * and seed, checked; a grid takes neither samples nor seed. */
int cy__design_read(cy_sweep *sw, const config_t *cfg,
                    const cy_resolve_ctx *ctx);
/* With every axis's range read: groups the axes into factors (a zip group
 * is one), checks the number of points, draws the design's unit
 * coordinates and gives every axis one value per point. */
int cy__design_points(cy_sweep *sw, const cy_resolve_ctx *ctx);
void cy__design_fini(cy_design *d);

/* v as a user writes it: exact, an exponent without '+' or leading zeros
 * (1e12, 1e-06 -> 1e-6). */
void cy__value_text(double v, char *buf, size_t n);

/* -------------------------------------------------------------- set */

/* Applies one --set "path=value" to cfg: checks the path against the
 * schema, types the value by it, creates a missing key and writes the
 * value (a single value, or an array [ ... ] or list ( ... ) of them); o
 * describes the override for messages.  earlier[0, n_earlier) are the
 * --sets before it: those of settings it replaces stop naming them. */
int cy__set_apply(config_t *cfg, const char *arg, cy_override *o,
                  cy_override *earlier, size_t n_earlier, cy_error *err);

/* ------------------------------------------------------------- work */

/* A century of days: a horizon longer than this, rather than its bins or
 * rates, is what messages blame for too much work. */
#define CY_CENTURY_DAYS 36525.0

/* What drives a replication's expected events (work.c). */
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
double cy__work_span(const cy_scenario *s);

/* Fills w for one resolved scenario simulated over `span` days.  Returns 0
 * or CY_ENOMEM. */
int cy__work_point_of(const cy_scenario *s, double span, cy_work_point *w);

/* The work estimate gathered over a study's points (caps.c): the largest
 * of each figure, and what drives the largest. */
typedef struct cy_work_sum {
  bool any;          /* a point has been added */
  cy_work_point top; /* the point with the most events */
  size_t top_point;
  double events_sum, ops_max, log_max, pending_max, span_max, ring_max;
  char events_what[900]; /* "file:line: path = value" driving top.events */
  char ring_what[900];   /* the same for ring_max */
} cy_work_sum;

/* Adds point `point`, resolved into sc with ctx, to ws.  Returns 0 or
 * CY_ENOMEM (with its message in ctx->err). */
int cy__work_sum_add(cy_work_sum *ws, const cy_study *st,
                     const cy_resolve_ctx *ctx, const cy_scenario *sc,
                     size_t point);

/* ------------------------------------------------------------ study */

struct cy_study {
  char *path;
  char stem[CY_ID_MAX]; /* the file name without folder and extension: the
                           default scenario.name */
  cy_source src;
  config_t cfg; /* the parsed files with the --sets written; read-only
                   once loaded */
  bool cfg_live;
  cy_override *sets; /* [n_sets] the --sets, for every later resolution */
  size_t n_sets;
  cy_scenario base;
  cy_sweep sweep;
  /* Filled by resolving every point once (cy__study_validate): */
  bool validated;
  cy_work_sum work;
  cy_scenario *kept; /* [n_kept] points 0 .. n_kept - 1 (cy_study_point) */
  size_t n_kept, kept_cap;
  size_t kept_bytes; /* what the kept points hold, at most KEEP_BYTES */
  char **warnings;   /* [n_warnings] */
  size_t n_warnings;
};

/* The context that resolves the base: errors name the file and the
 * --sets. */
cy_resolve_ctx cy__study_ctx(const cy_study *st, cy_error *err);

/* Resolves every point that is not yet (cy_study.h says when loading
 * leaves them): validates it, adds it to st->work and st->warnings, and
 * keeps it when it fits.  Fails like cy_study_point(). */
int cy__study_validate(cy_study *st, cy_error *err);

#endif
