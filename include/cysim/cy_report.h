/* cy_report.h: `cysim report`: summary statistics of a result file.
 *
 * Both functions open and validate the file whole first (a damaged,
 * truncated or foreign file is CY_EINPUT with one line "PATH: what is
 * wrong", exit 2) and use only runs with /summary/status 1. */
#ifndef CYSIM_CY_REPORT_H
#define CYSIM_CY_REPORT_H

#include "cysim/cy_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The terminal report of the file at path: per sweep point, the swept
 * values; mean and 95% confidence interval (Student t, or a percentile
 * bootstrap where a t interval would reach below 0: sim/MODEL.md,
 * "Intervals") of operations,
 * successes and (true) attributions per dyad and of damage suffered per
 * state (summed over attackers); per alliance the fraction of runs it
 * survived and the Kaplan-Meier median end day (runs it survived are
 * censored at the horizon), with its date when the file has a start date.
 * Nothing is written to out unless the whole report succeeds. */
int cy_report_print(const char *path, FILE *out, cy_error *err);

/* Options of the terminal report ({0}: as cy_report_print). */
typedef struct cy_report_options {
  /* With paired: after each other point's figures, the mean and 95%
   * t interval of the per-replication differences (that point minus
   * `baseline`, over the replications done at both) of each dyad column,
   * of damage suffered, and of survival (1 or 0) per alliance.  A baseline
   * the file does not have is CY_EINPUT. */
  bool paired;
  size_t baseline;
} cy_report_options;

/* cy_report_print with options (NULL: the defaults). */
int cy_report_print_with(const char *path, const cy_report_options *opt,
                         FILE *out, cy_error *err);

/* Every replication's outcome as a tidy long table.  Columns: point, one
 * per sweep axis (named by the axis), replication, metric, attacker,
 * target, value.  Metrics: the [attacker, target] fields of cy_outcome.h
 * by name (diagonal omitted), then the scalar ones ("events"; no attacker
 * or target), then per optype "<field>.<optype>" ("ops_by_type.<optype>")
 * and per alliance "<field>.<alliance>" ("alliance_ended.<alliance>",
 * "alliance_end_day.<alliance>", "breaches.<alliance>"); time series are
 * left out.  Written to the file csv_path, or to out when csv_path is
 * NULL; every value it uses is read once first, so nothing is written (and
 * csv_path is not created) when the file is damaged. */
int cy_report_csv(const char *path, const char *csv_path, FILE *out,
                  cy_error *err);

#endif
