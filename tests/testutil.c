/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <stdarg.h>

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
