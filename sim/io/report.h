/* report.h: the statistics behind `cysim report` (cysim/cy_report.h),
 * exposed to the tests (private to sim/io otherwise). */
#ifndef CYSIM_SIM_REPORT_H
#define CYSIM_SIM_REPORT_H

#include "cysim/cy_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bootstrap's constants (sim/MODEL.md "Intervals"): B resamples from
 * splitmix64 seeded with CY_BOOT_SEED, and the order statistics (1-based,
 * ascending) taken as the 2.5% and 97.5% points: (B + 1) * 0.025 and
 * (B + 1) * 0.975. */
#define CY_BOOT_SEED UINT64_C(0)
enum { CY_BOOT_RESAMPLES = 1999, CY_BOOT_LO = 50, CY_BOOT_HI = 1950 };

/* The bootstraps' generator (the report's and the sensitivity indices'):
 * splitmix64, advancing *state; sim/MODEL.md "Intervals" states it. */
uint64_t cy__splitmix64(uint64_t *state);

typedef enum cy_ci_method {
  CY_CI_NONE,     /* n < 2: a mean (NaN when n = 0), no interval */
  CY_CI_T,        /* Student t */
  CY_CI_BOOTSTRAP /* percentile bootstrap */
} cy_ci_method;

typedef struct cy_interval {
  double mean, lo, hi; /* lo, hi NaN with CY_CI_NONE */
  cy_ci_method method;
} cy_interval;

/* The mean of x[0..n-1] and its 95% interval: Student t, or, when nonneg
 * (x is a non-negative quantity) and the t interval reaches below 0, the
 * percentile bootstrap (sim/MODEL.md "Intervals"; every interval of the
 * report comes from here). */
cy_interval cy__report_interval(const double *x, size_t n, bool nonneg);

/* Kaplan-Meier median of event times t[i] with ended[i] != 0 (others are
 * censored at t[i]); NaN when the survival curve stays above 1/2.  scratch
 * holds n size_t. */
double cy__report_km_median(const double *t, const unsigned char *ended,
                            size_t n, size_t *scratch);

#endif
