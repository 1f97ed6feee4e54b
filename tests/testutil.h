/* testutil.h: a minimal test harness for the C tests.
 *
 * CHECK(cond, fmt, ...) records a pass or a failure (printing file:line and
 * the message); CHECK_NEAR(x, expected, tol, what) checks |x - expected| <=
 * tol.  A test's main returns cy_test_finish(), which prints
 * "N passed, N failed" and returns non-zero if anything failed. */
#ifndef CYSIM_TESTUTIL_H
#define CYSIM_TESTUTIL_H

#include <stdio.h>

extern int cy_test_passed, cy_test_failed;

void cy_test_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define CHECK(cond, ...)                                                       \
  cy_test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_NEAR(x, expected, tol, what)                                     \
  do {                                                                         \
    double cy__x = (x), cy__e = (expected), cy__t = (tol);                     \
    cy_test_check(cy__x - cy__e <= cy__t && cy__e - cy__x <= cy__t, __FILE__,  \
                  __LINE__, "%s: %.10g, expected %.10g +- %.3g", (what),       \
                  cy__x, cy__e, cy__t);                                        \
  } while (0)

int cy_test_finish(void);

/* Writes text to dir/name (exits on failure: a test that cannot write its
 * input proves nothing) and returns the path, in static storage that the
 * next call reuses. */
const char *cy_test_write_file(const char *dir, const char *name,
                               const char *text);

#endif
