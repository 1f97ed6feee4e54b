/* cmd_list.c: `cysim list FILE [--set PATH=VALUE]... [--count]
 * [--allow-large]`
 *
 * One line per sweep point: its index, then each axis's value, tab
 * separated under a header of axis names, so scripts can cut/awk it.
 * --count prints points x replications alone (the number of runs). */
#include "cmd.h"
#include "cysim/cy_format.h"
#include "cysim/cy_study.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: cysim list [--set PATH=VALUE]... [--count] [--allow-large] "
          "FILE\n"
          "\n"
          "Prints each sweep point's index and the value of every sweep axis\n"
          "(tab separated, one header line of axis names; row-major order,\n"
          "last axis fastest, zipped axes together).\n"
          "\n"
          "  -s, --set PATH=VALUE  override a setting first\n"
          "  -c, --count           print only points x replications\n"
          "      --allow-large     accept a study past the work caps\n"
          "                        (see cysim validate --help)\n"
          "  -h, --help            this text\n");
}

int cy_cmd_list(int argc, char **argv) {
  bool count = false;
  cy_study *st;
  int status =
      cy_cmd_load_study("list", argc, argv, usage, "count", &count, &st, NULL);
  if (!st)
    return status;
  size_t np = cy_study_n_points(st), na = cy_study_n_axes(st);
  if (count) {
    printf("%llu\n", (unsigned long long)np *
                         (unsigned long long)cy_study_base(st)->replications);
    cy_study_free(st);
    return CY_EXIT_OK;
  }
  printf("point");
  for (size_t a = 0; a < na; a++)
    printf("\t%s", cy_study_axis(st, a)->name);
  printf("\n");
  for (size_t p = 0; p < np; p++) {
    printf("%zu", p);
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
