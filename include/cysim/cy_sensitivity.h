/* cy_sensitivity.h: variance-based sensitivity indices of a study run on a
 * Saltelli design (`cysim sensitivity`; sim/MODEL.md, "Sensitivity
 * indices").
 *
 * cy_sobol_indices() is the estimator alone, on numbers in memory (no
 * file); cy_sensitivity_print() reads a result file, forms one number per
 * design point and prints the indices. */
#ifndef CYSIM_CY_SENSITIVITY_H
#define CYSIM_CY_SENSITIVITY_H

#include "cysim/cy_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The bootstrap of the indices: B resamples of the N rows, drawn from
 * splitmix64 started at 0 (the report's generator and index rule,
 * sim/MODEL.md "Intervals"), and the order statistics (1-based, ascending)
 * taken as the 2.5% and 97.5% points, (B + 1) * 0.025 and (B + 1) * 0.975. */
enum { CY_SOBOL_RESAMPLES = 1999, CY_SOBOL_LO = 50, CY_SOBOL_HI = 1950 };

/* One factor's indices and their 95% percentile bootstrap intervals. */
typedef struct cy_sobol_index {
  double s1, s1_lo, s1_hi; /* first order (Saltelli 2010) */
  double st, st_lo, st_hi; /* total (Jansen 1999) */
} cy_sobol_index;

/* First-order and total indices of k factors from a Saltelli design of n
 * rows: fa[r] = f(A_r), fb[r] = f(B_r), fab[i * n + r] = f(A_B^(i+1)_r)
 * (A with column i taken from B), for r = 0 .. n-1.  With V the variance
 * (divided by 2n) and f0 the mean of the 2n values fa and fb:
 *   S1_i = (1/n) sum_r (fb[r] - f0) (fab_i[r] - fa[r]) / V  (Saltelli 2010)
 *   ST_i = (1/2n) sum_r (fa[r] - fab_i[r])^2 / V            (Jansen 1999)
 * (Saltelli's estimator on the centred fb: same expectation, but a
 * variance free of the quantity's mean level; sim/MODEL.md explains)
 * and each one's 95% percentile bootstrap interval over CY_SOBOL_RESAMPLES
 * resamples of the rows r (a row keeps its fa, fb and every fab together),
 * deterministic.  A resample whose V is 0 is replaced by the next one
 * drawn.  out receives k entries.  CY_EINPUT when n < 2 or k < 1, a value
 * is not finite, V is 0 (the quantity does not vary over the design, so it
 * has no variance to apportion), or more than CY_SOBOL_RESAMPLES resamples
 * had V = 0 (the quantity varies in too few rows to bootstrap); CY_ENOMEM. */
int cy_sobol_indices(size_t n, size_t k, const double *fa, const double *fb,
                     const double *fab, cy_sobol_index *out, cy_error *err);

/* What `cysim sensitivity` reads: the metric (a /summary dataset name such
 * as "ops", "damage", "ops_by_type", "alliance_ended") and the part of it
 * (each NULL for none): attacker and/or target select the dyads with that
 * attacker and/or target, state the dyads with the state at either end;
 * with none of these a dyad metric is summed over all dyads (self-pairs
 * are 0).  optype selects one operation type of ops_by_type (else the sum
 * over types); alliance one alliance of an alliance metric (else the sum
 * over alliances; alliance_end_day needs it when the file has more than one
 * alliance).  An option the metric has no dimension for is CY_EINPUT. */
typedef struct cy_sensitivity_options {
  const char *metric;
  const char *attacker, *target, *state, *optype, *alliance;
  /* NULL, or a second result file of the same design points (factors,
   * matrices, rows and swept values equal), e.g. the same study with one
   * setting changed by --set: Y is then this file's per-point mean minus
   * that file's (the indices of an effect, paired point by point). */
  const char *minus;
  bool json; /* the JSON object in place of the table */
} cy_sensitivity_options;

/* The indices of the file at path, which must have been run on a saltelli
 * design (its /design group) with every run done: Y of a design point is
 * the mean over its replications of the selected metric, and the indices
 * are cy_sobol_indices() of those Ys, one factor per design factor.
 * Printed as a table, or with opt->json as one line
 *   {"metric": M, "samples": N, "parameters": [{"name": F, "S1": ..,
 *    "S1_lo": .., "S1_hi": .., "ST": .., "ST_lo": .., "ST_hi": ..}, ...]}
 * (numbers in their shortest round-trip form).  CY_EINPUT (one line naming
 * the file) when the file is no result file, has no saltelli design, lacks
 * runs, or the metric or a selection is unknown; nothing is written to out
 * then. */
int cy_sensitivity_print(const char *path, const cy_sensitivity_options *opt,
                         FILE *out, cy_error *err);

#endif
