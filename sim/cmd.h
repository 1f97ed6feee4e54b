/* cmd.h: the subcommands of the cysim executable (private).
 *
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns a process exit status (cy_error.h CY_EXIT_*). */
#ifndef CYSIM_SIM_CMD_H
#define CYSIM_SIM_CMD_H

int cy_cmd_run(int argc, char **argv);
int cy_cmd_validate(int argc, char **argv);
int cy_cmd_list(int argc, char **argv);
int cy_cmd_report(int argc, char **argv);

#endif
