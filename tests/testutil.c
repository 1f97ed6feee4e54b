/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <stdarg.h>
#include <stdlib.h>

int cy_test_passed, cy_test_failed;

void cy_test_check(int ok, const char *file, int line, const char *fmt, ...) {
  if (ok) {
    cy_test_passed++;
    return;
  }
  cy_test_failed++;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: FAILED: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cy_test_finish(void) {
  printf("%d passed, %d failed\n", cy_test_passed, cy_test_failed);
  return cy_test_failed ? 1 : 0;
}

const char *cy_test_write_file(const char *dir, const char *name,
                               const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
  return path;
}
