#!/usr/bin/env bash
# The module rules of sim/README.md, checked on the sources:
#  - includes point down the layers (core < model < scenario < io < run <
#    mpi < cli); a module includes another module's internal header only if
#    it is that module's listed interface (io/h5io.h, io/outfiles.h for
#    run; mpi/ranks.h for cli);
#  - each module includes only the public headers of its layer and below;
#    the CLI includes public headers only, and mpi/ranks.h;
#  - libconfig.h only in sim/scenario, hdf5 headers only in sim/io, mpi.h
#    only in sim/mpi, none of them in a public header;
#  - no function in sim/ is over 80 lines (tools/long_functions.py).
set -uo pipefail
cd "$CYSIM_SOURCE_DIR"
layers=(core model scenario io run mpi cli)
# Public headers a module may include: its layer's and every layer below's.
declare -A public=(
  [core]="cy_error.h cy_kernel.h cy_rng.h cy_crn.h cy_format.h cy_version.h"
  [model]="cy_scenario.h cy_model.h cy_policy.h cy_outcome.h"
  [scenario]="cy_study.h"
  [io]="cy_report.h cy_merge.h cy_sensitivity.h"
  [run]="cy_run.h"
  [mpi]=""
  [cli]="")
# Internal headers a module offers the layers above (sim/README.md).
interface="io/h5io.h io/outfiles.h mpi/ranks.h"
cli_interface="mpi/ranks.h"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

for ((li = 0; li < ${#layers[@]}; li++)); do
  mod=${layers[li]}
  allowed_public=""
  for ((k = 0; k <= li; k++)); do allowed_public+=" ${public[${layers[k]}]}"; done
  for f in sim/$mod/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      case "$inc" in
      cysim/*)
        h=${inc#cysim/}
        if [ "$mod" != cli ] && [[ " $allowed_public " != *" $h "* ]]; then
          bad "$f includes \"$inc\", a header of a layer above $mod"
        fi ;;
      */*)
        other=${inc%%/*}
        if [ "$mod" = cli ] && [[ " $cli_interface " != *" $inc "* ]]; then
          bad "$f includes \"$inc\": the CLI uses public headers only (and $cli_interface)"
        elif [[ " $interface " != *" $inc "* ]]; then
          bad "$f includes \"$inc\", which is private to sim/$other"
        else
          for ((k = li; k < ${#layers[@]}; k++)); do
            [ "${layers[k]}" = "$other" ] && bad "$f ($mod) includes \"$inc\" from layer $other, not below it"
          done
        fi ;;
      esac
    done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$f")
  done
done

for f in $(grep -rl '#include <libconfig.h>' sim include); do
  case "$f" in sim/scenario/*) ;; *) bad "$f includes libconfig.h (only sim/scenario may)" ;; esac
done
for f in $(grep -rlE '#include <(hdf5|H5[A-Za-z]*)\.h>' sim include); do
  case "$f" in sim/io/*) ;; *) bad "$f includes an HDF5 header (only sim/io may)" ;; esac
done
# MPI's process-wide state is the program's: the library never sees mpi.h.
for f in $(grep -rlE '#include <mpi\.h>' sim include); do
  case "$f" in sim/mpi/*) ;; *) bad "$f includes mpi.h (only sim/mpi may)" ;; esac
done
for f in $(grep -rlE '\bMPI_[A-Z][a-z_]*\(' sim include | grep -v '^sim/mpi/'); do
  bad "$f calls MPI (only sim/mpi may)"
done

if ! /usr/bin/python3 tools/long_functions.py $(find sim -name '*.c' | sort); then
  bad "functions over 80 lines (split them by step)"
fi
[ $fail -eq 0 ] && echo "module rules hold"
exit $fail
