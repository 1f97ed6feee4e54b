/* cmd_merge.c: `cysim merge -o ALL.h5 SHARD... [options]` (see cy_merge.h
 * for what is checked and how the file is made). */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_merge.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: cysim merge -o ALL.h5 [options] FILE...\n"
          "\n"
          "Joins result files of one study -- the shards of `cysim run "
          "--task K --tasks N`,\n"
          "in any order, of one split or several, with overlaps -- into "
          "ALL.h5, whose\n"
          "data equal a single-process run's byte for byte.\n"
          "\n"
          "Every FILE must be a cysim result file of the same scenario text, "
          "--set\n"
          "overrides, seed and replications; a run in several files must "
          "hold the same\n"
          "data in each; and every run must be in some file (each missing "
          "run is listed).\n"
          "\n"
          "options:\n"
          "  -o, --output ALL.h5   the merged file (required; never one of "
          "the inputs)\n"
          "      --allow-partial   merge what there is when runs are missing "
          "(ALL.h5 then\n"
          "                        has complete = 0 and status 0 for them)\n"
          "      --force           replace an existing ALL.h5\n"
          "  -q, --quiet           print only errors\n"
          "  -h, --help            this help\n"
          "\n"
          "ALL.h5 appears only when complete (it is built as ALL.h5.tmp and "
          "renamed).\n"
          "exit status: 0 merged, 1 runtime failure, 2 usage or input error "
          "(another\n"
          "study, different data, damaged file, missing runs).\n");
}

static void print_missing(const char *line, void *ctx) {
  (void)ctx;
  fprintf(stderr, "cysim merge: missing: %s\n", line);
}

/* Fills o from argv: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, cy_merge_opts *o, bool *quiet) {
  enum { O_PARTIAL = 256, O_FORCE };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},
      {"allow-partial", no_argument, NULL, O_PARTIAL},
      {"force", no_argument, NULL, O_FORCE},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CY_EXIT_OK;
    }
    if (c == 'o')
      o->output = optarg;
    else if (c == O_PARTIAL)
      o->allow_partial = true;
    else if (c == O_FORCE)
      o->force = true;
    else if (c == 'q')
      *quiet = true;
    else {
      usage(stderr);
      return CY_EXIT_USAGE;
    }
  }
  if (!o->output || optind >= argc) {
    fprintf(stderr, "cysim merge: %s\n",
            !o->output ? "-o ALL.h5 is required" : "no input files");
    usage(stderr);
    return CY_EXIT_USAGE;
  }
  o->inputs = (const char *const *)argv + optind;
  o->n_inputs = (size_t)(argc - optind);
  return -1;
}

int cy_cmd_merge(int argc, char **argv) {
  char *cmdline =
      cy_cmd_join_args(argc, argv); /* before getopt permutes argv */
  cy_merge_opts o = {.missing = print_missing};
  bool quiet = false;
  int status = parse_args(argc, argv, &o, &quiet);
  if (status >= 0) {
    free(cmdline);
    return status;
  }
  o.command_line = cmdline;
  cy_error err;
  cy_error_clear(&err);
  cy_merge_stats st;
  int rc = cy_merge(&o, &st, &err);
  if (rc != CY_OK)
    fprintf(stderr, "cysim merge: %s\n",
            err.msg[0] ? err.msg : cy_strerror(rc));
  else if (!quiet)
    fprintf(stderr,
            "cysim merge: %zu of %zu runs (%zu points x %zu replications) "
            "from %zu files into %s%s in %.3f s (%zu chunks copied, %zu "
            "built; %zu runs in more than one file)\n",
            st.runs_present, st.runs_total, st.points, st.replications,
            o.n_inputs, o.output, st.complete ? "" : " (incomplete)", st.wall,
            st.chunks_copied, st.chunks_built, st.duplicates);
  free(cmdline);
  return cy_exit_status(rc);
}
