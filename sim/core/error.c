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
#define CASE_(name, value, text, exit_status)                                  \
  case name:                                                                   \
    return text;
    CY_ERROR_LIST(CASE_)
#undef CASE_
  default:
    return "internal error";
  }
}

int cy_exit_status(int code) {
  switch (code) {
#define CASE_(name, value, text, exit_status)                                  \
  case name:                                                                   \
    return exit_status;
    CY_ERROR_LIST(CASE_)
#undef CASE_
  default:
    return CY_EXIT_FAILURE;
  }
}
