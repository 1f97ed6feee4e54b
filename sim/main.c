/* main.c: the cysim executable: global options and subcommand dispatch. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_version.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} commands[] = {
    {"run", cy_cmd_run, "run every sweep point and replication into HDF5"},
    {"validate", cy_cmd_validate, "check a scenario and print it resolved"},
    {"list", cy_cmd_list, "list a scenario's sweep points"},
    {"report", cy_cmd_report, "summarise an output file (or export CSV)"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out) {
  fprintf(out, "usage: cysim [--help] [--version] COMMAND [ARGS]\n"
               "\n"
               "A discrete-event simulator of cyber conflict between states.\n"
               "\n"
               "commands:\n");
  for (int i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n"
               "`cysim COMMAND --help` describes each command.\n"
               "\n"
               "exit status: 0 success, 1 runtime failure, 2 usage or input "
               "error,\n"
               "             130 interrupted (the output can be --resume'd)\n");
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
  /* '+' stops at the first non-option: the rest belongs to the command. */
  int c;
  while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      usage(stdout);
      return CY_EXIT_OK;
    case 'V':
      printf("cysim %s\n", CYSIM_VERSION);
      return CY_EXIT_OK;
    default:
      usage(stderr);
      return CY_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return CY_EXIT_USAGE;
  }
  const char *name = argv[optind];
  for (int i = 0; i < N_COMMANDS; i++) {
    if (strcmp(name, commands[i].name) == 0) {
      int first = optind;
      /* Each command parses its own options from a fresh getopt state
       * (glibc: optind = 0 reinitialises). */
      optind = 0;
      return commands[i].fn(argc - first, argv + first);
    }
  }
  fprintf(stderr, "cysim: unknown command '%s' (see cysim --help)\n", name);
  return CY_EXIT_USAGE;
}
