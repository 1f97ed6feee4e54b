/* cmd_report.c: `cysim report OUT.h5 [filters] [--compare | --baseline P |
 * --csv [FILE]]`. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_report.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fputs(
      "usage: cysim report OUT.h5 [--points LIST] [--metrics LIST] "
      "[--states LIST]\n"
      "         [--compare | --baseline P | --csv [FILE] "
      "[--per-replication]]\n"
      "\n"
      "Summarises a `cysim run` output: per sweep point, mean and 95% "
      "confidence\n"
      "interval of operations, successes and attributions per dyad, damage "
      "per\n"
      "state, and alliance survival (Kaplan-Meier median end day).  Only runs\n"
      "with status 1 are used.  Intervals are Student t, or a percentile "
      "bootstrap\n"
      "where a non-negative figure's t interval reaches below 0 "
      "(sim/MODEL.md,\n"
      "\"Intervals\").\n"
      "\n"
      "  --points LIST    only these points: indices and ranges, e.g. 0,2-4\n"
      "  --metrics LIST   only these metrics (summary dataset names), e.g.\n"
      "                   ops,damage; the report shows ops, successes,\n"
      "                   attributed, damage, alliance_ended/_end_day\n"
      "  --states LIST    only dyads with an end among these states (and "
      "their\n"
      "                   damage suffered), e.g. RU,US\n"
      "  --compare        the points side by side: one table per figure, "
      "dyads\n"
      "                   as rows, points as columns, mean [lo, hi]\n"
      "  --baseline P     also print, after each other point's figures, the "
      "paired\n"
      "                   differences from point P (0, 1, ...: the numbers "
      "`cysim\n"
      "                   list` shows): mean and 95% t interval of the\n"
      "                   per-replication differences over replications "
      "done at both\n"
      "  --csv [FILE]     write a tidy long table to FILE, or stdout: "
      "columns\n"
      "                   point, one per swept setting, metric, attacker, "
      "target,\n"
      "                   optype, alliance (empty where a metric lacks it), "
      "n,\n"
      "                   mean, lo, hi, interval (t, bootstrap, or empty "
      "when\n"
      "                   n < 2): one row per point and value, self-pairs "
      "left out\n"
      "  --per-replication  with --csv: one row per replication (columns\n"
      "                   replication and value in place of n ... interval)\n"
      "  -h, --help       this help\n"
      "\n"
      "A malformed list, a point the file lacks, an unknown metric or state "
      "exits 2.\n",
      out);
}

/* A point index: decimal digits only (no sign, no space, no fraction). */
static bool parse_point(const char *s, size_t *out) {
  if (!*s || strspn(s, "0123456789") != strlen(s))
    return false;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno || v > SIZE_MAX)
    return false;
  *out = (size_t)v;
  return true;
}

/* Options into *ro and *csv: -1 to go on, else the exit status (--help,
 * a bad option or --baseline value, options that do not go together). */
static int parse_options(int argc, char **argv, cy_report_options *ro,
                         bool *csv) {
  static const struct option opts[] = {
      {"csv", no_argument, NULL, 'c'},
      {"baseline", required_argument, NULL, 'b'},
      {"points", required_argument, NULL, 'p'},
      {"metrics", required_argument, NULL, 'm'},
      {"states", required_argument, NULL, 's'},
      {"compare", no_argument, NULL, 'C'},
      {"per-replication", no_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      *csv = true;
      break;
    case 'b':
      if (!parse_point(optarg, &ro->baseline)) {
        fprintf(stderr,
                "cysim report: --baseline \"%s\": not a point index (a "
                "whole number from 0)\n",
                optarg);
        return CY_EXIT_USAGE;
      }
      ro->paired = true;
      break;
    case 'p':
      ro->points = optarg;
      break;
    case 'm':
      ro->metrics = optarg;
      break;
    case 's':
      ro->states = optarg;
      break;
    case 'C':
      ro->compare = true;
      break;
    case 'r':
      ro->per_replication = true;
      break;
    case 'h':
      usage(stdout);
      return CY_EXIT_OK;
    default:
      usage(stderr);
      return CY_EXIT_USAGE;
    }
  }
  return -1;
}

/* Options that do not go together: exit 2 with a message. */
static bool clashes(const cy_report_options *ro, bool csv) {
  if (csv && ro->paired) {
    /* The CSV already holds every replication, which is what pairing
     * needs (analysis/cysim.py, paired()); its rows stay one shape. */
    fprintf(stderr, "cysim report: --baseline applies to the terminal "
                    "report, not to --csv (pair the CSV's replications "
                    "yourself, e.g. with analysis/cysim.py paired())\n");
    return true;
  }
  const char *clash = csv && ro->compare            ? "--compare with --csv"
                      : !csv && ro->per_replication ? "--per-replication "
                                                      "without --csv"
                      : ro->compare && ro->paired   ? "--compare with "
                                                      "--baseline"
                                                    : NULL;
  if (clash)
    fprintf(stderr, "cysim report: %s: not a combination it knows\n", clash);
  return clash != NULL;
}

int cy_cmd_report(int argc, char **argv) {
  cy_report_options ro = {0};
  bool csv = false;
  const char *csv_after = NULL; /* the word that followed --csv */
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--csv") == 0 && argv[i + 1][0] != '-')
      csv_after = argv[i + 1];
  int status = parse_options(argc, argv, &ro, &csv);
  if (status >= 0)
    return status;
  if (clashes(&ro, csv))
    return CY_EXIT_USAGE;
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
    rc = cy_report_csv_with(h5, to_stdout ? NULL : csv_file, &ro, stdout, &err);
  } else {
    rc = cy_report_print_with(h5, &ro, stdout, &err);
  }
  if (rc != CY_OK)
    fprintf(stderr, "cysim report: %s\n",
            err.msg[0] ? err.msg : cy_strerror(rc));
  return cy_exit_status(rc);
}
