/* report.h: `cysim report`: summary statistics of an output file.
 *
 * Uses only runs with /summary/status 1.  Per sweep point: the swept values;
 * mean and 95% Student-t confidence interval of operations, successes and
 * (true) attributions per dyad and of damage suffered per state (summed over
 * attackers); per alliance the fraction of runs it survived and the
 * Kaplan-Meier median end day (runs it survived are censored at the
 * horizon).  The CSV form is a tidy long table of every replication's
 * values (see cy_report_csv). */
#ifndef CYSIM_SIM_REPORT_H
#define CYSIM_SIM_REPORT_H

#include "cysim/cy_error.h"

#include <stddef.h>
#include <stdio.h>

/* Mean and half-width of the 95% t interval of x[0..n-1] (half = NaN when
 * n < 2). */
void cy_report_mean_ci(const double *x, size_t n, double *mean, double *half);

/* Kaplan-Meier median of event times t[i] with ended[i] != 0 (others are
 * censored at t[i]); NaN when the survival curve stays above 1/2.  scratch
 * holds n size_t. */
double cy_report_km_median(const double *t, const unsigned char *ended,
                           size_t n, size_t *scratch);

/* The terminal report of the file at path.  Nothing is written to out
 * unless the whole report succeeds.  Errors in the file are CY_EINPUT (see
 * the reader in h5io.h). */
int cy_report_print(const char *path, FILE *out, cy_error *err);

/* Columns: point, one per sweep axis (named by the axis), replication,
 * metric, attacker, target, value.  Metrics: the [attacker, target]
 * datasets of /summary by name (diagonal omitted); "events" (no
 * attacker/target); "ops_by_type.<optype>"; "alliance_ended.<alliance>",
 * "alliance_end_day.<alliance>", "breaches.<alliance>".  Written to the
 * file csv_path, or to out when csv_path is NULL; every value it uses is
 * read once first, so nothing is written (and csv_path is not created)
 * when the file is damaged. */
int cy_report_csv(const char *path, const char *csv_path, FILE *out,
                  cy_error *err);

#endif
