#!/bin/bash
# bench/crn_quality.sh [BUILD_DIR]: the external battery of the counter-based
# draws (MODEL.md §10.1, cysim/cy_crn.h).  Pipes each walk of
# bench/crn_stream.c (neighbouring indices, codes, ... of the derivation)
# into dieharder as raw words on stdin (`-g 200`) and prints, per walk, the
# count of PASSED / WEAK / FAILED results and the WEAK and FAILED lines.
#
# Not part of ctest: the battery takes tens of minutes per walk.  Needs
# dieharder (Debian: apt-get install dieharder).  Environment:
#   WALKS   walks to run (default "index code"; see crn_stream.c for all)
#   TESTS   dieharder test numbers (default the Diehard tests rated Good:
#           "0 1 2 3 4 8 9 10 11 12 13 15 16 17"), or "all" for `-a`
#   SEED    the simulation seed the walks derive from (default 20240601)
#   OUT     directory for the full dieharder logs (default $BUILD_DIR/crn_quality)
# dieharder's own seed (-S) is irrelevant with stdin input; each test reads
# fresh words from the stream, so no two tests see the same words.
# A WEAK (p < 0.005 or > 0.995) is expected about once in 100 results of a
# good generator; a FAILED (p < 1e-6) is not.
set -uo pipefail
build=${1:-build}
walks=${WALKS:-"index code"}
tests=${TESTS:-"0 1 2 3 4 8 9 10 11 12 13 15 16 17"}
seed=${SEED:-20240601}
out=${OUT:-$build/crn_quality}
stream=$build/bench/crn_stream
command -v dieharder >/dev/null || { echo "crn_quality.sh: dieharder not installed" >&2; exit 77; }
[ -x "$stream" ] || { echo "crn_quality.sh: no $stream (build first)" >&2; exit 1; }
mkdir -p "$out"
for walk in $walks; do
  log=$out/$walk.txt
  : >"$log"
  start=$(date +%s)
  if [ "$tests" = all ]; then
    "$stream" "$walk" "$seed" 2>/dev/null | dieharder -a -g 200 >>"$log" 2>&1
  else
    for d in $tests; do
      "$stream" "$walk" "$seed" 2>/dev/null | dieharder -d "$d" -g 200 >>"$log" 2>&1
    done
  fi
  secs=$(($(date +%s) - start))
  pass=$(grep -c 'PASSED' "$log")
  weak=$(grep -c 'WEAK' "$log")
  fail=$(grep -c 'FAILED' "$log")
  min=$(awk -F'|' '/PASSED|WEAK|FAILED/ { p = $5 + 0; if (!n++ || p < m) m = p } END { print m }' "$log")
  printf 'walk %-14s seed %s: %3d PASSED %2d WEAK %2d FAILED (smallest p %s; %ds; log %s)\n' \
    "$walk" "$seed" "$pass" "$weak" "$fail" "$min" "$secs" "$log"
  grep -E 'WEAK|FAILED' "$log" | sed 's/^/    /'
done
