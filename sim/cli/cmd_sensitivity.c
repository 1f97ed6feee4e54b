/* cmd_sensitivity.c: `cysim sensitivity OUT.h5 METRIC [--attacker A]
 * [--target B] [--state S] [--optype T] [--alliance X] [--minus OTHER.h5]
 * [--json]`. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_sensitivity.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *out) {
  fputs("usage: cysim sensitivity OUT.h5 METRIC [--attacker A] [--target B] "
        "[--state S]\n"
        "         [--optype T] [--alliance X] [--minus OTHER.h5] [--json]\n"
        "\n"
        "First-order (S1) and total (ST) Sobol indices of METRIC over the "
        "factors of a\n"
        "study run on a saltelli design (design.method = \"saltelli\"), with "
        "95%\n"
        "percentile bootstrap intervals (1999 resamples of the design's "
        "rows, fixed\n"
        "seed).  Y of a design point is the mean over its replications of "
        "METRIC,\n"
        "summed over the dyads, optypes or alliances selected (all of them "
        "by\n"
        "default).  Every run must be done (sim/MODEL.md, \"Sensitivity "
        "indices\").\n"
        "\n"
        "  METRIC           a summary dataset name: ops, successes, damage,\n"
        "                   ops_by_type, alliance_ended, alliance_end_day, "
        "...\n"
        "  --attacker A     dyad metrics: only dyads whose attacker is A\n"
        "  --target B       dyad metrics: only dyads whose target is B\n"
        "  --state S        dyad metrics: only dyads with S at either end\n"
        "  --optype T       ops_by_type: only operation type T\n"
        "  --alliance X     alliance metrics: only alliance X (needed for\n"
        "                   alliance_end_day when the file has several)\n"
        "  --minus OTHER.h5 Y is the difference, this file's mean minus "
        "OTHER.h5's at\n"
        "                   each point: OTHER.h5 holds the same design points "
        "(e.g. the\n"
        "                   same study with one setting --set otherwise), so "
        "the indices\n"
        "                   are those of that setting's effect\n"
        "  --json           one JSON object: {\"metric\", \"samples\", "
        "\"parameters\":\n"
        "                   [{\"name\", \"S1\", \"S1_lo\", \"S1_hi\", \"ST\", "
        "\"ST_lo\", \"ST_hi\"}]}\n"
        "  -h, --help       this help\n"
        "\n"
        "A file without a saltelli design, with runs not done, an unknown "
        "metric or\n"
        "label, or a metric that does not vary exits 2.\n",
        out);
}

static int parse_options(int argc, char **argv, cy_sensitivity_options *o) {
  static const struct option opts[] = {
      {"attacker", required_argument, NULL, 'a'},
      {"target", required_argument, NULL, 't'},
      {"state", required_argument, NULL, 's'},
      {"optype", required_argument, NULL, 'o'},
      {"alliance", required_argument, NULL, 'l'},
      {"json", no_argument, NULL, 'j'},
      {"minus", required_argument, NULL, 'm'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      o->attacker = optarg;
      break;
    case 't':
      o->target = optarg;
      break;
    case 's':
      o->state = optarg;
      break;
    case 'o':
      o->optype = optarg;
      break;
    case 'l':
      o->alliance = optarg;
      break;
    case 'j':
      o->json = true;
      break;
    case 'm':
      o->minus = optarg;
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

int cy_cmd_sensitivity(int argc, char **argv) {
  cy_sensitivity_options o = {0};
  int status = parse_options(argc, argv, &o);
  if (status >= 0)
    return status;
  if (argc - optind != 2) {
    usage(stderr);
    return CY_EXIT_USAGE;
  }
  o.metric = argv[optind + 1];
  cy_error err;
  cy_error_clear(&err);
  int rc = cy_sensitivity_print(argv[optind], &o, stdout, &err);
  if (rc != CY_OK)
    fprintf(stderr, "cysim sensitivity: %s\n",
            err.msg[0] ? err.msg : cy_strerror(rc));
  return cy_exit_status(rc);
}
