/* cmd_common.c: what the subcommands that load a study share. */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The getopt table: --set, --help, --allow-large, then the command's
 * own options (each with its first letter as short option). */
enum { O_ALLOW_LARGE = 256, MAX_EXTRA = 4 };

static void option_table(const cy_cmd_opt *extra, struct option *opts,
                         char *shortopts) {
  int n = 0;
  opts[n++] = (struct option){"set", required_argument, NULL, 's'};
  opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
  opts[n++] = (struct option){"allow-large", no_argument, NULL, O_ALLOW_LARGE};
  strcpy(shortopts, "s:h");
  for (int i = 0; extra && extra[i].name && i < MAX_EXTRA; i++) {
    bool arg = extra[i].value != NULL;
    opts[n++] =
        (struct option){extra[i].name, arg ? required_argument : no_argument,
                        NULL, extra[i].name[0]};
    char sh[3] = {extra[i].name[0], arg ? ':' : '\0', '\0'};
    strcat(shortopts, sh);
  }
  opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* The command's own option c: false when it has none. */
static bool take_extra(const cy_cmd_opt *extra, int c) {
  for (int i = 0; extra && extra[i].name && i < MAX_EXTRA; i++) {
    if (c != extra[i].name[0])
      continue;
    if (extra[i].value)
      *extra[i].value = optarg;
    else
      *extra[i].flag = true;
    return true;
  }
  return false;
}

int cy_cmd_load_study(const char *cmd, int argc, char **argv,
                      void (*usage)(FILE *), const cy_cmd_opt *extra,
                      cy_study **out, cy_work *work) {
  struct option opts[4 + MAX_EXTRA];
  char shortopts[4 + 2 * MAX_EXTRA];
  option_table(extra, opts, shortopts);
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
    } else if (c == 'h' || !take_extra(extra, c)) {
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

char *cy_cmd_join_args(int argc, char **argv) {
  size_t len = 6;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  char *s = malloc(len);
  if (!s)
    return NULL;
  strcpy(s, "cysim");
  for (int i = 0; i < argc; i++) {
    strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

void cy_cmd_matrix_name(unsigned m, char *buf, size_t n) {
  if (m < CY_DESIGN_AB)
    snprintf(buf, n, "%s", m == CY_DESIGN_A ? "A" : "B");
  else
    snprintf(buf, n, "AB_%u", m - CY_DESIGN_AB + 1);
}

void cy_cmd_print_design(FILE *out, const cy_design *d) {
  fprintf(out, "%s, N %zu samples, k %zu factor%s (",
          cy_design_method_names[d->method], d->samples, d->n_factors,
          d->n_factors == 1 ? "" : "s");
  for (size_t f = 0; f < d->n_factors; f++)
    fprintf(out, "%s%s", f ? ", " : "", d->factors[f]);
  fprintf(out, "), design seed %lld", (long long)d->seed);
}
