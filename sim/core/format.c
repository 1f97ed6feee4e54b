#include "cysim/cy_format.h"

#include <stdio.h>
#include <stdlib.h>

void cy_format_double(double v, char *buf, size_t n) {
  /* 17 significant digits always read back (IEEE 754 binary64); the loop
   * stops at the first precision that does, so values keep the digits the
   * user wrote. */
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}
