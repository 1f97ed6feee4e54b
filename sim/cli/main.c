/* main.c: the cysim executable: process-wide settings, global options and
 * subcommand dispatch. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_version.h"

#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} commands[] = {
#define COMMAND_(name, summary) {#name, cy_cmd_##name, summary},
    CY_CLI_COMMANDS(COMMAND_)
#undef COMMAND_
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static const struct {
  int status;
  const char *meaning;
} exit_statuses[] = {
#define EXIT_(name, value, meaning) {value, meaning},
    CY_EXIT_LIST(EXIT_)
#undef EXIT_
};
enum { N_EXIT_STATUSES = sizeof exit_statuses / sizeof exit_statuses[0] };

/* "exit status: 0 success, 1 ...," wrapped to 79 columns under its first
 * item. */
static void print_exit_statuses(FILE *out) {
  static const char head[] = "exit status:";
  size_t indent = strlen(head), col = indent;
  fputs(head, out);
  for (int i = 0; i < N_EXIT_STATUSES; i++) {
    char item[128];
    snprintf(item, sizeof item, "%d %s%s", exit_statuses[i].status,
             exit_statuses[i].meaning, i + 1 < N_EXIT_STATUSES ? "," : "");
    if (col + 1 + strlen(item) > 79) {
      fprintf(out, "\n%*s", (int)indent, "");
      col = indent;
    }
    fprintf(out, " %s", item);
    col += 1 + strlen(item);
  }
  fputc('\n', out);
}

static void usage(FILE *out) {
  fprintf(out, "usage: cysim [--help] [--version] COMMAND [ARGS]\n"
               "\n"
               "A discrete-event simulator of cyber conflict between states.\n"
               "\n"
               "commands:\n");
  for (int i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n"
               "`cysim COMMAND --help` describes each command.\n"
               "\n");
  print_exit_statuses(out);
}

/* What holds for the whole process is the program's to set, not the
 * library's (cmd_run.c adds signal handlers and allocator tuning for `run`
 * alone).  GSL's default error handler aborts; cysim reports errors through
 * return codes, so it is off.  The library itself raises none that would
 * abort a program that keeps the default: it allocates its generators
 * without gsl_rng_alloc (core/rng.c) and turns the handler off only around
 * the report's gsl_cdf_tdist_Pinv, putting the program's back. */
static void set_up_process(void) { gsl_set_error_handler_off(); }

int main(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
  set_up_process();
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
