/* cmd_common.c: what the subcommands that load a study share. */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>

int cy_cmd_load_study(const char *cmd, int argc, char **argv,
                      void (*usage)(FILE *), const char *flag, bool *flag_set,
                      cy_study **out, cy_work *work) {
  enum { O_ALLOW_LARGE = 256 };
  /* Without a flag its entry is the terminator. */
  const struct option opts[] = {
      {"set", required_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
      {"allow-large", no_argument, NULL, O_ALLOW_LARGE},
      {flag, no_argument, NULL, flag ? flag[0] : 0},
      {NULL, 0, NULL, 0}};
  char shortopts[8];
  snprintf(shortopts, sizeof shortopts, "s:%.1sh", flag ? flag : "");
  *out = NULL;
  const char **sets = calloc((size_t)argc, sizeof *sets);
  size_t n_sets = 0;
  bool allow_large = false;
  if (!sets) {
    fprintf(stderr, "cysim %s: out of memory\n", cmd);
    return CY_EXIT_FAILURE;
  }
  int c;
  while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
    if (c == 's') {
      sets[n_sets++] = optarg;
    } else if (c == O_ALLOW_LARGE) {
      allow_large = true;
    } else if (flag && c == flag[0]) {
      *flag_set = true;
    } else {
      free(sets);
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? CY_EXIT_OK : CY_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "cysim %s: expected one scenario FILE\n", cmd);
    usage(stderr);
    free(sets);
    return CY_EXIT_USAGE;
  }
  cy_error err;
  cy_error_clear(&err);
  cy_study *st = NULL;
  int rc = cy_study_load(&st, argv[optind], sets, n_sets, &err);
  free(sets);
  if (rc) {
    fprintf(stderr, "%s\n", err.msg);
    return cy_exit_status(rc);
  }
  /* The estimate of what `run` would do with the scenario's settings
   * (which validates the points of a sweep too large to validate at load,
   * so their warnings come after it). */
  cy_work w;
  rc = allow_large ? cy_study_estimate(st, 0, false, &w, &err)
                   : cy_study_check_work(st, NULL, 0, false, &w, &err);
  /* Every command that loads a study says what the loader warned about. */
  for (size_t i = 0; i < cy_study_n_warnings(st); i++)
    fprintf(stderr, "warning: %s\n", cy_study_warning(st, i));
  if (rc) {
    fprintf(stderr, "%s\n", err.msg);
    cy_study_free(st);
    return cy_exit_status(rc);
  }
  if (work)
    *work = w;
  *out = st;
  return CY_EXIT_OK;
}
