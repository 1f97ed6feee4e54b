/* cy_format.h: numbers as people read them and programs read them back. */
#ifndef CYSIM_CY_FORMAT_H
#define CYSIM_CY_FORMAT_H

#include <stddef.h>

/* Writes v to buf (n bytes, 32 is always enough) in the shortest %g form
 * that strtod() reads back as the same double: 0.1 stays "0.1", not
 * "0.10000000000000001".  Infinities print as "inf"/"-inf", NaN as "nan". */
void cy_format_double(double v, char *buf, size_t n);

#endif
