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

/* Options of the terminal report and the CSV ({0}: as cy_report_print
 * and cy_report_csv). */
typedef struct cy_report_options {
  /* With paired: after each other point's figures, the mean and 95%
   * t interval of the per-replication differences (that point minus
   * `baseline`, over the replications done at both) of each dyad column,
   * of damage suffered, and of survival (1 or 0) per alliance.  A baseline
   * the file does not have is CY_EINPUT.  Terminal report only. */
  bool paired;
  size_t baseline;
  /* Filters, each NULL for all.  points: point indices and ranges,
   * "0,2-4"; metrics: dataset names of /summary, "ops,damage" (the
   * terminal report shows its own figures among them: ops, successes,
   * attributed, damage, alliance_ended/alliance_end_day for the alliance
   * table); states: state ids, "ru,cn": dyads with either end among them,
   * and (terminal report) damage suffered by them.  A malformed list, a
   * point the file does not have, an unknown metric or state is
   * CY_EINPUT naming it. */
  const char *points, *metrics, *states;
  /* Terminal report: one table per figure, dyads (states, alliances) as
   * rows and the points as columns, "mean [lo, hi]", in place of one
   * block per point. */
  bool compare;
  /* CSV: one row per replication and value (a `replication` and a `value`
   * column) in place of one row per point and value with n, mean, lo, hi
   * and interval. */
  bool per_replication;
} cy_report_options;

/* cy_report_print with options (NULL: the defaults). */
int cy_report_print_with(const char *path, const cy_report_options *opt,
                         FILE *out, cy_error *err);

/* The summary datasets as a tidy long table (sim/MODEL.md, "The output
 * file", CSV).  Columns: point, one per sweep axis (named by the axis),
 * then (with per_replication) replication, then metric (the dataset's
 * name: "ops", "ops_by_type", "alliance_end_day", ...), attacker, target,
 * optype, alliance (each empty where the metric lacks that dimension),
 * then n, mean, lo, hi, interval ("t", "bootstrap", or empty when n < 2)
 * over the runs done, or with per_replication value.  Self-pairs, time
 * series, and alliances disabled at a point are left out; NaN values
 * (alliance_end_day of an alliance that did not end) are empty and not
 * counted in n.  Numbers are in the shortest form that reads back as the
 * same double.  Written to the file csv_path, or to out when csv_path is
 * NULL; every value it uses is read once first, so nothing is written (and
 * csv_path is not created) when the file is damaged. */
int cy_report_csv_with(const char *path, const char *csv_path,
                       const cy_report_options *opt, FILE *out, cy_error *err);

/* cy_report_csv_with with the default options. */
int cy_report_csv(const char *path, const char *csv_path, FILE *out,
                  cy_error *err);

#endif
