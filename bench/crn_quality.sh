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
#   TESTS   dieharder tests, D or D:N for `-d D -n N` (default the Diehard
#           tests rated Good: "0 1 2 3 4 8 9 10 11 12 13 15 16 17"), or
#           "all" for `-a`.  Tests 200 and 201 need an N: run alone, their
#           default N = 0 is no test (201 then FAILS for every generator,
#           mt19937 too); `-a` runs 200 with N = 1..12, 201 with N = 2..5.
#   RESOLVE 1 to add dieharder's -Y 1: a WEAK test is repeated with more
#           p-samples until it PASSES or FAILS
#   SEED    the simulation seed the walks derive from (default 20240601)
#   OUT     directory for the full dieharder logs (default $BUILD_DIR/crn_quality)
# dieharder's own seed (-S) is irrelevant with stdin input.  Each dieharder
# run reads the walk from n = 0 (with "all", the tests of `-a` read
# successive words of one stream); with RESOLVE=1 the log shows a WEAK line
# and then the repeat with more p-samples, both counted in the summary.
# A WEAK (p < 0.005 or > 0.995) is expected about once in 100 results of a
# good generator; a FAILED (p < 1e-6) is not.
set -uo pipefail
build=${1:-build}
walks=${WALKS:-"index code"}
tests=${TESTS:-"0 1 2 3 4 8 9 10 11 12 13 15 16 17"}
seed=${SEED:-20240601}
out=${OUT:-$build/crn_quality}
resolve=""
[ "${RESOLVE:-0}" = 1 ] && resolve="-Y 1"
stream=$build/bench/crn_stream
command -v dieharder >/dev/null || { echo "crn_quality.sh: dieharder not installed" >&2; exit 77; }
[ -x "$stream" ] || { echo "crn_quality.sh: no $stream (build first)" >&2; exit 1; }
mkdir -p "$out"
for walk in $walks; do
  log=$out/$walk.txt
  : >"$log"
  start=$(date +%s)
  if [ "$tests" = all ]; then
    "$stream" "$walk" "$seed" 2>/dev/null | dieharder -a -g 200 $resolve >>"$log" 2>&1
  else
    for t in $tests; do
      args=(-d "${t%%:*}")
      [[ $t == *:* ]] && args+=(-n "${t#*:}")
      "$stream" "$walk" "$seed" 2>/dev/null | dieharder "${args[@]}" -g 200 $resolve >>"$log" 2>&1
    done
  fi
  secs=$(($(date +%s) - start))
  pass=$(grep -c 'PASSED' "$log")
  weak=$(grep -c 'WEAK' "$log")
  fail=$(grep -c 'FAILED' "$log")
  range=$(awk -F'|' '/PASSED|WEAK|FAILED/ { p = $5 + 0; if (!n++) lo = hi = p; if (p < lo) lo = p; if (p > hi) hi = p }
    END { printf "p from %s to %s", lo, hi }' "$log")
  printf 'walk %-14s seed %s: %3d PASSED %2d WEAK %2d FAILED (%s; %ds; log %s)\n' \
    "$walk" "$seed" "$pass" "$weak" "$fail" "$range" "$secs" "$log"
  grep -E 'WEAK|FAILED' "$log" | sed 's/^/    /'
done
