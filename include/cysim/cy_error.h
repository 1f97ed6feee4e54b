/* cy_error.h: error codes and the message carrier shared by every module.
 *
 * Errors that come from outside the program (files, scenario text, HDF5,
 * memory) are reported as negative int codes plus a message in a caller-owned
 * cy_error; broken invariants are asserts.  A function that fails fills the
 * cy_error (when one is passed) and returns the same code it stored. */
#ifndef CYSIM_CY_ERROR_H
#define CYSIM_CY_ERROR_H

#include <stddef.h>

/* The process exit statuses, listed once: X(name, value, meaning).  The
 * list drives the enum below and the exit-status lines of `cysim --help`
 * (whose meanings these are). */
#define CY_EXIT_LIST(X)                                                        \
  X(CY_EXIT_OK, 0, "success")                                                  \
  X(CY_EXIT_FAILURE, 1, "runtime failure")                                     \
  X(CY_EXIT_USAGE, 2, "usage or input error")                                  \
  X(CY_EXIT_INTERRUPTED, 130, "interrupted (the output can be --resume'd)")

/* The error codes, listed once: X(name, value, cy_strerror() text,
 * cy_exit_status()).  The list drives the enum, cy_strerror(),
 * cy_exit_status() and tests/test_core_error.c.  Values never change (a
 * program may have stored one): a new code takes the next free value. */
#define CY_ERROR_LIST(X)                                                       \
  X(CY_OK, 0, "success", CY_EXIT_OK)                                           \
  X(CY_ENOMEM, -1, "out of memory", CY_EXIT_FAILURE)                           \
  /* bad scenario, bad option, bad value */                                    \
  X(CY_EINPUT, -2, "invalid input", CY_EXIT_USAGE)                             \
  /* file system */                                                            \
  X(CY_EIO, -3, "input/output error", CY_EXIT_FAILURE)                         \
  /* the HDF5 library reported a failure */                                    \
  X(CY_EHDF5, -4, "HDF5 error", CY_EXIT_FAILURE)                               \
  /* stopped by the caller (SIGINT/SIGTERM in cysim) */                        \
  X(CY_EINTR, -5, "interrupted", CY_EXIT_INTERRUPTED)                          \
  /* the output exists and --force was not given */                            \
  X(CY_EEXIST, -6, "output exists", CY_EXIT_USAGE)                             \
  /* a library (GSL, ...) failed in a way we did not expect */                 \
  X(CY_EINTERNAL, -7, "internal error", CY_EXIT_FAILURE)                       \
  /* another process is writing the same output */                             \
  X(CY_EBUSY, -8, "output busy", CY_EXIT_FAILURE)

#define CY_ERROR_ENUM_(name, value, text, exit_status) name = value,
enum { CY_ERROR_LIST(CY_ERROR_ENUM_) };
#undef CY_ERROR_ENUM_

#define CY_EXIT_ENUM_(name, value, meaning) name = value,
enum { CY_EXIT_LIST(CY_EXIT_ENUM_) };
#undef CY_EXIT_ENUM_

enum { CY_ERROR_MSG_MAX = 1024 };

typedef struct cy_error {
  int code;
  char msg[CY_ERROR_MSG_MAX];
} cy_error;

/* Stores code and a printf-style message in err (err may be NULL) and
 * returns code, so callers can write `return cy_error_set(err, ...)`. */
int cy_error_set(cy_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to CY_OK with an empty message (err may be NULL). */
void cy_error_clear(cy_error *err);

/* A short English name for a code ("out of memory", ...); a code not in
 * the list is an "internal error".  The string is static. */
const char *cy_strerror(int code);

/* Maps an error code to its process exit status (CY_EXIT_*); a code not
 * in the list is a runtime failure. */
int cy_exit_status(int code);

#endif
