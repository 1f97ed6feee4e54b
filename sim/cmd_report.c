/* placeholder */
#include "cmd.h"
#include <stdio.h>
int cy_cmd_report(int argc, char **argv) {
  (void)argc;
  fprintf(stderr, "%s: not built yet\n", argv[0]);
  return 1;
}
