/* cmd.h: the subcommands of the cysim executable (private).
 *
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns a process exit status (cy_error.h CY_EXIT_*). */
#ifndef CYSIM_SIM_CMD_H
#define CYSIM_SIM_CMD_H

#include "cysim/cy_study.h"

#include <stdbool.h>
#include <stdio.h>

/* The commands, listed once: X(name, summary).  The list declares each
 * command's function, int cy_cmd_<name>(int argc, char **argv), defined in
 * cmd_<name>.c, and drives main.c's dispatch and the command list of
 * `cysim --help` (in this order).  Adding a command is a line here, its
 * file, and the file's name in CMakeLists.txt. */
#define CY_CLI_COMMANDS(X)                                                     \
  X(run, "run every sweep point and replication into HDF5")                    \
  X(validate, "check a scenario and print it resolved")                        \
  X(list, "list a scenario's sweep points")                                    \
  X(merge, "join the shards of a study into one file")                         \
  X(report, "summarise an output file (or export CSV)")                        \
  X(sensitivity, "Sobol indices of a metric over a saltelli design")

#define CY_CMD_DECLARE_(name, summary) int cy_cmd_##name(int argc, char **argv);
CY_CLI_COMMANDS(CY_CMD_DECLARE_)
#undef CY_CMD_DECLARE_

/* An option of a command's own for cy_cmd_load_study(): --name (or -n, its
 * first letter), which sets *flag, or with `value` takes an argument into
 * *value. */
typedef struct cy_cmd_opt {
  const char *name;
  bool *flag;
  const char **value;
} cy_cmd_opt;

/* `cysim CMD [--set PATH=VALUE]... [--allow-large] FILE`, shared by the
 * subcommands that load one study: parses argv, loads FILE with the
 * overrides, prints the loader's warnings ("warning: ...") and any error on
 * stderr, so that every command words them alike, and refuses a study past
 * the work caps (cy_study_check_work) unless --allow-large.  extra (may be
 * NULL) lists up to four more options of the command's own, ended by an
 * entry whose name is NULL.  --help prints usage(stdout); a bad option or
 * argument count prints usage(stderr).  Returns the exit status; *out is
 * the study (the caller frees it) when the study loaded and passed, else
 * NULL, which after --help comes with CY_EXIT_OK; *work (may be NULL) then
 * holds its estimate. */
int cy_cmd_load_study(const char *cmd, int argc, char **argv,
                      void (*usage)(FILE *), const cy_cmd_opt *extra,
                      cy_study **out, cy_work *work);

/* "cysim CMD ARG...": a command's argv (argv[0] the command) as one line,
 * for a file's `command_line`; call it before getopt permutes argv.
 * Caller frees; NULL when out of memory. */
char *cy_cmd_join_args(int argc, char **argv);

/* The name of design matrix m: "A", "B", "AB_1" (A with factor 1 from B),
 * as /design/matrix's flag_meanings spell it. */
void cy_cmd_matrix_name(unsigned m, char *buf, size_t n);

/* "lhs, N 5 samples, k 2 factors (x, z), design seed 42" on out. */
void cy_cmd_print_design(FILE *out, const cy_design *d);

#endif
