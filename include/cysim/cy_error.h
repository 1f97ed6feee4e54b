/* cy_error.h: error codes and the message carrier shared by every module.
 *
 * Errors that come from outside the program (files, scenario text, HDF5,
 * memory) are reported as negative int codes plus a message in a caller-owned
 * cy_error; broken invariants are asserts.  A function that fails fills the
 * cy_error (when one is passed) and returns the same code it stored. */
#ifndef CYSIM_CY_ERROR_H
#define CYSIM_CY_ERROR_H

#include <stddef.h>

enum {
  CY_OK = 0,
  CY_ENOMEM = -1, /* out of memory */
  CY_EINPUT = -2, /* bad scenario, bad option, bad value: exit 2 */
  CY_EIO = -3,    /* file system */
  CY_EHDF5 = -4,  /* HDF5 library reported a failure */
  CY_EINTR = -5,  /* interrupted by SIGINT/SIGTERM */
  CY_EEXIST = -6, /* output exists and --force was not given */
  CY_EINTERNAL =
      -7,        /* a library (GSL, ...) failed in a way we did not expect */
  CY_EBUSY = -8, /* another process is writing the same output */
};

/* Process exit codes, documented in `cysim --help`. */
enum {
  CY_EXIT_OK = 0,
  CY_EXIT_FAILURE = 1, /* runtime failure */
  CY_EXIT_USAGE = 2,   /* usage or input error */
  CY_EXIT_INTERRUPTED = 130,
};

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

/* A short English name for a code ("out of memory", ...). */
const char *cy_strerror(int code);

/* Maps an error code to the process exit status above. */
int cy_exit_status(int code);

#endif
