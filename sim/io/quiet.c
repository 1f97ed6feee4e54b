/* quiet.c: HDF5's error printing off for the span of a library call, the
 * caller's handler back afterwards (see h5io.h). */
#include "h5io.h"

#include <hdf5.h>

void cy__h5_errors_off(cy_h5_errors *saved) {
  H5E_auto2_t func = NULL;
  void *data = NULL;
  /* Fails only when the caller installed an HDF5 1.6-style (H5Eset_auto1)
   * handler, which H5Eset_auto2 could not put back: it is left alone. */
  saved->saved = H5Eget_auto2(H5E_DEFAULT, &func, &data) >= 0;
  if (!saved->saved)
    return;
  /* Any function pointer converts to another function pointer type and
   * back unchanged (C11 6.3.2.3p8); void (*)(void) is the generic one. */
  saved->func = (void (*)(void))func;
  saved->data = data;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void cy__h5_errors_restore(const cy_h5_errors *saved) {
  if (saved->saved)
    H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)saved->func, saved->data);
}
