/* cmd_list.c: `cysim list FILE [--set PATH=VALUE]... [--count]
 * [--tasks N] [--allow-large]`
 *
 * One line per sweep point: its index, then each axis's value, tab
 * separated under a header of axis names, so scripts can cut/awk it.
 * --count prints points x replications alone (the number of runs);
 * --tasks N one line per task of `cysim run --task K --tasks N`. */
#include "cmd.h"
#include "cysim/cy_format.h"
#include "cysim/cy_study.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: cysim list [--set PATH=VALUE]... [--count | --tasks N] "
          "[--allow-large] "
          "FILE\n"
          "\n"
          "Prints each sweep point's index and the value of every sweep axis\n"
          "(tab separated, one header line of axis names; row-major order,\n"
          "last axis fastest, zipped axes together).\n"
          "\n"
          "  -s, --set PATH=VALUE  override a setting first\n"
          "  -c, --count           print only points x replications\n"
          "  -t, --tasks N         print the runs each task of `cysim run "
          "--task K\n"
          "                        --tasks N` gets (runs are numbered point "
          "* R +\n"
          "                        replication; R: scenario.replications, "
          "or --set it)\n"
          "      --allow-large     accept a study past the work caps\n"
          "                        (see cysim validate --help)\n"
          "  -h, --help            this text\n");
}

/* One line per task: its runs [first, last] as run numbers and as
 * (point, replication). */
static int list_tasks(const cy_study *st, const char *arg) {
  size_t R = cy_study_base(st)->replications;
  size_t runs = cy_study_n_points(st) * R;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(arg, &end, 10);
  if (errno || *end || arg[0] == '-' || n == 0 || n > runs) {
    fprintf(stderr,
            "cysim list: --tasks: '%s' is not a task count in 1..%zu (the "
            "study's runs)\n",
            arg, runs);
    return CY_EXIT_USAGE;
  }
  printf("task\truns\tfirst_run\tlast_run\tfirst_point\tfirst_replication"
         "\tlast_point\tlast_replication\n");
  for (size_t k = 0; k < n; k++) {
    size_t lo, hi;
    cy_study_task_runs(runs, k, (size_t)n, &lo, &hi);
    printf("%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\n", k, hi - lo, lo, hi - 1,
           lo / R, lo % R, (hi - 1) / R, (hi - 1) % R);
  }
  return CY_EXIT_OK;
}

int cy_cmd_list(int argc, char **argv) {
  bool count = false;
  const char *tasks = NULL;
  const cy_cmd_opt extra[] = {
      {"count", &count, NULL}, {"tasks", NULL, &tasks}, {NULL, NULL, NULL}};
  cy_study *st;
  int status = cy_cmd_load_study("list", argc, argv, usage, extra, &st, NULL);
  if (!st)
    return status;
  size_t np = cy_study_n_points(st), na = cy_study_n_axes(st);
  if (count || tasks) {
    if (count)
      printf("%llu\n", (unsigned long long)np *
                           (unsigned long long)cy_study_base(st)->replications);
    else
      status = list_tasks(st, tasks);
    cy_study_free(st);
    return status;
  }
  const cy_design *d = cy_study_design(st);
  bool design = d->method != CY_DESIGN_GRID;
  if (design) { /* a comment line, then each point's matrix and row */
    printf("# design: ");
    cy_cmd_print_design(stdout, d);
    printf("\n");
  }
  printf(design ? "point\tmatrix\trow" : "point");
  for (size_t a = 0; a < na; a++)
    printf("\t%s", cy_study_axis(st, a)->name);
  printf("\n");
  for (size_t p = 0; p < np; p++) {
    printf("%zu", p);
    if (design) {
      char m[24];
      cy_cmd_matrix_name(d->matrix[p], m, sizeof m);
      printf("\t%s\t%" PRIu32, m, d->row[p]);
    }
    for (size_t a = 0; a < na; a++) {
      const cy_axis *ax = cy_study_axis(st, a);
      size_t v = cy_study_value_index(st, p, a);
      switch (ax->type) {
      case CY_VALUE_INT:
        printf("\t%" PRId64, ax->ints[v]);
        break;
      case CY_VALUE_BOOL:
        printf("\t%s", ax->ints[v] ? "true" : "false");
        break;
      case CY_VALUE_DOUBLE: {
        char b[32];
        cy_format_double(ax->doubles[v], b, sizeof b);
        printf("\t%s", b);
        break;
      }
      case CY_VALUE_STRING:
        printf("\t%s", ax->strings[v]);
        break;
      }
    }
    printf("\n");
  }
  cy_study_free(st);
  return CY_EXIT_OK;
}
