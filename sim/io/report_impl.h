/* report_impl.h: what report.c, report_csv.c and report_sel.c share
 * (private to sim/io). */
#ifndef CYSIM_SIM_REPORT_IMPL_H
#define CYSIM_SIM_REPORT_IMPL_H

#include "h5io.h"
#include "report.h"

#include "cysim/cy_outcome.h"

#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What a report's filters (cy_report_options points, metrics, states)
 * select in one file. */
typedef struct cy__report_sel {
  bool *point;  /* [P] */
  bool *state;  /* [N] */
  bool *metric; /* [CY_OUTCOME_FIELD_COUNT], by cy_outcome_fields index */
} cy__report_sel;

/* Parses opt's filters against the file's metadata m (path names the file
 * in messages): CY_EINPUT naming a malformed or unknown entry. */
int cy__report_sel_init(cy__report_sel *sel, const cy_h5r_meta *m,
                        const cy_report_options *opt, cy_error *err);
void cy__report_sel_fini(cy__report_sel *sel);
/* The cy_outcome_fields index of the metric named by the len bytes at s
 * ("ops"; time series are no metric here), or CY_EINPUT "WHAT: no metric
 * ... (the metrics: ...)". */
int cy__report_metric_index(const char *what, const char *s, size_t len,
                            size_t *index, cy_error *err);
/* The index of the label (state, optype or alliance id: `kind`) of the len
 * bytes at s among labels[n], or CY_EINPUT "WHAT: the file has no KIND
 * ...". */
int cy__report_label_index(const char (*labels)[CY_ID_MAX], size_t n,
                           const char *what, const char *kind, const char *s,
                           size_t len, size_t *index, cy_error *err);
/* Whether the metric of dataset ("summary/ops") is selected. */
bool cy__report_sel_metric(const cy__report_sel *sel, const char *dataset);
/* Whether dyad (i, j) is selected: either end among the states. */
bool cy__report_sel_dyad(const cy__report_sel *sel, size_t i, size_t j);

/* Shared by the terminal report and the CSV (report.c). */
void cy__report_axis_value(const cy_h5r_axis *ax, size_t p, char *buf,
                           size_t n);
int cy__report_point_buffers(cy_h5r *r, const char *path,
                             const char *const *names, size_t n_names,
                             size_t copies, size_t extra, size_t *cap,
                             cy_error *err);

/* The library changes no process-wide state: for the span of a report,
 * HDF5's error printing and GSL's error handler are off (report.c). */
typedef struct cy__report_handlers {
  cy_h5_errors h5;
  gsl_error_handler_t *gsl;
} cy__report_handlers;
void cy__report_handlers_off_begin(cy__report_handlers *h);
void cy__report_handlers_off_end(const cy__report_handlers *h);
/* Reads `name` for point p as float64 into buf of cap values. */
int cy__report_load(cy_h5r *r, const char *name, size_t p, double *buf,
                    size_t cap, cy_error *err);
/* Opens and validates path: *r and its metadata *m. */
int cy__report_open(const char *path, cy_h5r **r, const cy_h5r_meta **m,
                    cy_error *err);

/* `cysim report --compare` (report_compare.c): the selected points side by
 * side, one table per figure. */
int cy__report_compare(cy_h5r *r, const cy_h5r_meta *m, const char *path,
                       const cy__report_sel *sel, FILE *out, cy_error *err);
#endif
