/* report.h: the statistics behind `cysim report` (cysim/cy_report.h),
 * exposed to the tests (private to sim/io otherwise). */
#ifndef CYSIM_SIM_REPORT_H
#define CYSIM_SIM_REPORT_H

#include "cysim/cy_report.h"

#include <stddef.h>

/* Mean and half-width of the 95% t interval of x[0..n-1] (half = NaN when
 * n < 2). */
void cy__report_mean_ci(const double *x, size_t n, double *mean, double *half);

/* Kaplan-Meier median of event times t[i] with ended[i] != 0 (others are
 * censored at t[i]); NaN when the survival curve stays above 1/2.  scratch
 * holds n size_t. */
double cy__report_km_median(const double *t, const unsigned char *ended,
                            size_t n, size_t *scratch);

#endif
