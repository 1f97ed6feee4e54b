#!/usr/bin/env bash
# tools/same_suite_outputs.sh OLD_CYSIM NEW_CYSIM [BUILD_DIR]
#
# Runs every shell and Python test script (except the fault-injection and
# valgrind ones, which kill or wrap the process) twice, with cysim standing
# in as tools/capture_cysim.py around each build, and compares every result
# file the tests wrote (tools/same_outputs.py).  For refactorings: "every
# test's data bit-identical to the previous build".
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_CYSIM NEW_CYSIM [BUILD_DIR]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(readlink -f "${3:-$top/build}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=0 CYSIM_SOURCE_DIR=$top CYSIM_BINARY_DIR=$build CYSIM_TEST_BIN=$build/tests
export CYSIM=$top/tools/capture_cysim.py
for side in old new; do
  mkdir -p "$work/$side"
  real=$([ $side = old ] && readlink -f "$1" || readlink -f "$2")
  for t in "$top"/tests/test_*.sh "$top"/tests/test_*.py; do
    name=$(basename "$t")
    # Skipped: tests that kill cysim with SIGKILL (the signal would reach the
    # stand-in, not cysim), run it under valgrind, or never run it.
    case "$name" in test_valgrind.sh | test_run_faults.py | test_run_resume_bad.py | test_io_bad_results.py | test_format.sh | test_arch.sh | test_install.sh) continue ;; esac
    interp=bash; [[ $name == *.py ]] && interp=/usr/bin/python3
    CYSIM_REAL=$real CYSIM_CAPTURE=$work/$side CYSIM_CAPTURE_TEST=${name%.*} \
      $interp "$t" >"$work/$side-${name%.*}.log" 2>&1 ||
      echo "note: $name failed under the $side build: $(tail -3 "$work/$side-${name%.*}.log")"
  done
done
/usr/bin/python3 "$top/tools/same_outputs.py" "$work/old" "$work/new"
