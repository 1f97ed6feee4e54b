/* cy_study.h: a scenario file with its overrides and sweep.
 *
 * A study is what a user runs: the parsed file (after @include and --set
 * overrides), its sweep axes and the number of points.  cy_study_point()
 * gives one sweep point as a validated cy_scenario.  Loading resolves (and
 * so validates) every point once, so a study that loads can run every
 * point.  Every point has the base's states, optypes, alliances, timeline
 * length, horizon and output settings: a sweep varies single values only.
 *
 * Errors name the file, line and setting path, e.g.
 *   pact.cfg:14: states.[1].offense: 1.3 is outside [0, 1]
 * and return CY_EINPUT (also for a scenario or @include file that cannot be
 * opened or is not a regular file: "x.cfg: cannot open: No such file or
 * directory"), CY_EIO when reading an opened file fails, or CY_ENOMEM.
 *
 * Ownership: cy_study_load() allocates; cy_study_free() releases (NULL ok)
 * the study and everything its accessors return (paths, text, the base,
 * axes, warnings).  cy_study_point() fills caller storage the caller
 * finalises.
 *
 * Threads: the functions that take a const cy_study never change it, and
 * any number of threads may call them at once (a run's workers call
 * cy_study_point()).  cy_study_estimate() and cy_study_check_work() may
 * validate points that loading left unvalidated and record their warnings:
 * call them before threads share the study, as `run` does.
 *
 * Work: cy_study_estimate() bounds how much a study asks of a machine
 * (events, time bins, memory, output) and cy_study_check_work() refuses a
 * study past caps that no real study reaches but a typo does, before
 * anything runs. */
#ifndef CYSIM_CY_STUDY_H
#define CYSIM_CY_STUDY_H

#include "cysim/cy_error.h"
#include "cysim/cy_scenario.h"

#include <stdbool.h>
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

/* The study design (sim/MODEL.md, "Study designs"; the `design` group).
 * GRID: the cross product of the sweep axes (the default; no other field
 * is set).  LHS and SALTELLI: every sweep axis is a range and a zip group
 * is one factor; point p has the unit-cube coordinates unit[p * k .. p * k
 * + k) and each axis holds one value per point (cy_study_value_index(st,
 * p, a) == p).  SALTELLI points are ordered A, B, A_B^(1) .. A_B^(k), N
 * rows each: point = matrix * N + row. */
typedef enum cy_design_method {
  CY_DESIGN_GRID,
  CY_DESIGN_LHS,
  CY_DESIGN_SALTELLI,
  CY_DESIGN_METHOD_COUNT
} cy_design_method;

/* "grid", "lhs", "saltelli": the names the file writes. */
extern const char *const cy_design_method_names[CY_DESIGN_METHOD_COUNT];

/* Matrix codes of /design/matrix: A (the only one of LHS), B, then
 * CY_DESIGN_AB + i for A_B^(i+1), i the 0-based factor. */
enum { CY_DESIGN_A = 0, CY_DESIGN_B = 1, CY_DESIGN_AB = 2 };

typedef struct cy_design {
  cy_design_method method;
  size_t samples;             /* N */
  size_t n_factors;           /* k */
  int64_t seed;               /* the design seed (not scenario.seed) */
  char (*factors)[CY_ID_MAX]; /* [k] a zip group's tag, else the axis name */
  size_t *axis_factor;        /* [n_axes] the factor of each axis */
  uint8_t *matrix;            /* [P] CY_DESIGN_A, _B, _AB + i */
  uint32_t *row;              /* [P] the row within its matrix */
  double *unit;               /* [P * k] coordinates in [0, 1) */
} cy_design;

/* Loads `path`, applies the n_sets "path=value" overrides in order, then
 * validates the base scenario and every sweep point.  A sweep of more than
 * cy_work_caps_default.points points is the exception: validating it could
 * take hours, so it loads with only its base and axes validated, and
 * cy_study_check_work() refuses it under the default caps, while
 * cy_study_estimate() and cy_study_point() validate the points they
 * resolve.  Past 2^28 points (so that points x replications x 8 bytes fits
 * any size_t arithmetic) or 10^7 values on one axis, loading fails. */
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
/* Splitting a study into tasks (`cysim run --task K --tasks N`, a Slurm
 * job array): runs are numbered point * R + replication, and task k of n
 * gets runs [*lo, *hi), contiguous, the first (runs mod n) tasks one run
 * more than the others.  Needs 1 <= n <= runs and k < n.  The split
 * depends on the counts alone, and a run's result on (seed, point,
 * replication) alone, so shards of any split merge into the same file. */
void cy_study_task_runs(size_t runs, size_t task, size_t tasks, size_t *lo,
                        size_t *hi);
/* The study's design (owned by the study; method GRID without one). */
const cy_design *cy_study_design(const cy_study *st);
/* Which of axis a's values point p uses. */
size_t cy_study_value_index(const cy_study *st, size_t point, size_t axis);

/* Point p, resolved, into out (caller storage, which this initialises;
 * cy_scenario_fini() it, also after a failure).  The study keeps the
 * points loading resolved, up to 64 MiB of them, and copies them here;
 * another point is resolved again from the study's files. */
int cy_study_point(const cy_study *st, size_t point, cy_scenario *out,
                   cy_error *err);

/* Warnings found while loading, each "file:line: path: message" (e.g. a
 * timeline entry at or after the horizon, which never fires).  Loading
 * still succeeds; callers print them on stderr. */
size_t cy_study_n_warnings(const cy_study *st);
const char *cy_study_warning(const cy_study *st, size_t i);

/* ------------------------------------------------------------- work */

/* Upper estimates of a study's work, from the resolved scenarios alone.
 * They bound expected values (not every random replication) and serve to
 * refuse typos, not to predict run times; sim/MODEL.md ("Work caps")
 * derives them.  Every per-run figure is the largest over the sweep
 * points. */
typedef struct cy_work {
  double span;           /* simulated days per replication: the horizon
                            (Model v2: plus scenario.warmup) */
  double points;         /* sweep points */
  double replications;   /* per point */
  double runs;           /* points x replications */
  double events_per_rep; /* expected kernel events of one replication */
  size_t events_point;   /* the point where that is largest */
  double events_total;   /* sum over the runs */
  double ops_per_rep;    /* expected operations launched, responses too */
  double bins;           /* time-series bins per run (0 without them) */
  double log_records;    /* event-log records per run (0 without a log) */
  double bytes_per_run;  /* output data of one run, uncompressed */
  double output_bytes;   /* output data of the study, uncompressed */
  double memory_bytes;   /* memory one worker thread needs for a run */
} cy_work;

/* Limits for cy_study_check_work(); each refuses a study whose estimate
 * exceeds it. */
typedef struct cy_work_caps {
  double points;         /* sweep points */
  double runs;           /* points x replications */
  double events_per_rep; /* expected events per replication */
  double bins;           /* time-series bins per run */
  double memory_bytes;   /* per worker thread */
  double output_bytes;   /* per study, uncompressed */
} cy_work_caps;

/* The caps of `cysim validate`, `list` and `run` unless --allow-large:
 * 10^6 points, 10^9 runs, 10^9 expected events per replication, 10^7
 * time bins, 16 GiB of memory per worker, 1 TiB of output per study. */
extern const cy_work_caps cy_work_caps_default;

/* Estimates the study's work into *out.  replications: 0 for the
 * scenario's, else the number a run will do (`run -n`); event_log: true
 * when the run writes the event log whatever the scenario says (`run
 * --event-log`), false to follow output.event_log.  Validates the sweep
 * points cy_study_load() left unvalidated (once: the study remembers them,
 * their work and their warnings), so it may fail like cy_study_point()
 * (CY_EINPUT naming the point) or with CY_ENOMEM. */
int cy_study_estimate(cy_study *st, uint32_t replications, bool event_log,
                      cy_work *out, cy_error *err);

/* cy_study_estimate(), then CY_EINPUT if the study exceeds any of caps
 * (NULL: cy_work_caps_default), with a message naming the file, line and
 * setting that drives the excess and the flag that lifts the caps, e.g.
 *   pact.cfg:12: states.[0].attack.rate = 1e12: about 1.8e15 expected
 *   events per replication (cap 1e9); pass --allow-large to run it anyway
 * The points and runs caps are checked first, before any point is
 * validated.  out (may be NULL) receives the estimate when it was made. */
int cy_study_check_work(cy_study *st, const cy_work_caps *caps,
                        uint32_t replications, bool event_log, cy_work *out,
                        cy_error *err);

#endif
