/* cmd_report.c: `cysim report OUT.h5 [--csv [FILE]]`. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_report.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: cysim report OUT.h5 [--csv [FILE]]\n"
          "\n"
          "Summarises a `cysim run` output: per sweep point, mean and 95%% "
          "confidence\n"
          "interval of operations, successes and attributions per dyad, "
          "damage per\n"
          "state, and alliance survival (Kaplan-Meier median end day).  Only "
          "runs\n"
          "with status 1 are used.\n"
          "\n"
          "  --csv [FILE]  write every replication's values as a long table\n"
          "                (point, swept values, replication, metric, "
          "attacker,\n"
          "                target, value) to FILE, or stdout\n"
          "  -h, --help    this help\n");
}

int cy_cmd_report(int argc, char **argv) {
  static const struct option opts[] = {{"csv", no_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bool csv = false;
  const char *csv_after = NULL; /* the word that followed --csv */
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--csv") == 0 && argv[i + 1][0] != '-')
      csv_after = argv[i + 1];
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      csv = true;
      break;
    case 'h':
      usage(stdout);
      return CY_EXIT_OK;
    default:
      usage(stderr);
      return CY_EXIT_USAGE;
    }
  }
  int npos = argc - optind;
  const char *h5 = NULL, *csv_file = NULL;
  if (npos == 1)
    h5 = argv[optind];
  else if (npos == 2 && csv) {
    /* `--csv FILE OUT.h5` and `OUT.h5 --csv FILE` both work. */
    bool first_is_csv = csv_after && argv[optind] == csv_after;
    csv_file = argv[first_is_csv ? optind : optind + 1];
    h5 = argv[first_is_csv ? optind + 1 : optind];
  } else {
    usage(stderr);
    return CY_EXIT_USAGE;
  }
  cy_error err;
  cy_error_clear(&err);
  int rc;
  if (csv) {
    bool to_stdout = !csv_file || strcmp(csv_file, "-") == 0;
    rc = cy_report_csv(h5, to_stdout ? NULL : csv_file, stdout, &err);
  } else {
    rc = cy_report_print(h5, stdout, &err);
  }
  if (rc != CY_OK)
    fprintf(stderr, "cysim report: %s\n",
            err.msg[0] ? err.msg : cy_strerror(rc));
  return cy_exit_status(rc);
}
