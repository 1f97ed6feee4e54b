/* error.c: the shared error carrier (see cy_error.h). */
#include "cysim/cy_error.h"

#include <stdarg.h>
#include <stdio.h>

int cy_error_set(cy_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void cy_error_clear(cy_error *err) {
  if (err) {
    err->code = CY_OK;
    err->msg[0] = '\0';
  }
}

const char *cy_strerror(int code) {
  switch (code) {
  case CY_OK:
    return "success";
  case CY_ENOMEM:
    return "out of memory";
  case CY_EINPUT:
    return "invalid input";
  case CY_EIO:
    return "input/output error";
  case CY_EHDF5:
    return "HDF5 error";
  case CY_EINTR:
    return "interrupted";
  case CY_EEXIST:
    return "output exists";
  case CY_EBUSY:
    return "output busy";
  default:
    return "internal error";
  }
}

int cy_exit_status(int code) {
  switch (code) {
  case CY_OK:
    return CY_EXIT_OK;
  case CY_EINPUT:
  case CY_EEXIST:
    return CY_EXIT_USAGE;
  case CY_EINTR:
    return CY_EXIT_INTERRUPTED;
  default:
    return CY_EXIT_FAILURE;
  }
}
