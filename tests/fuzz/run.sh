#!/bin/bash
# run.sh: runs a libFuzzer harness of tests/fuzz (see README.md there).
#
#   run.sh ci   EXE NAME RUNS     replay, then RUNS executions from seed 1
#   run.sh long EXE NAME SECONDS  fuzz for SECONDS (make fuzz)
#   run.sh replay EXE NAME        replay only
#
# NAME is scenario or results.  Replay runs every input of
# tests/fuzz/corpus_NAME/ and tests/fuzz/regressions/NAME/ once (any crash,
# leak or sanitizer report fails).  Fuzzing reads the seed corpus, writes
# new inputs to $CYSIM_FUZZ_WORK/NAME/corpus (emptied first by `ci`, so a CI
# run depends on nothing but the sources; kept and grown by `long`) and
# crashes to $CYSIM_FUZZ_WORK/NAME/artifacts/.  The committed corpus is
# never written.
set -u
mode=${1:?mode} exe=${2:?harness} name=${3:?name}
src=${CYSIM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fz="$src/tests/fuzz"
work=${CYSIM_FUZZ_WORK:-$(dirname "$exe")/work}/$name
seeds="$fz/corpus_$name"
mkdir -p "$work/artifacts" "$work/hdf5"
# fuzz_results saves here the inputs on which libhdf5 crashed by itself.
export CYSIM_FUZZ_HDF5_DIR="$work/hdf5"

# Any sanitizer report is fatal; libFuzzer saves the input that caused it.
# Leak suppressions (third-party only, with reasons): tests/lsan.supp; they
# name functions deep in libhdf5 and libconfig, which are built without
# frame pointers, so allocation stacks are unwound the slow, full way
# (fast_unwind_on_malloc=0) or they would stop at the library's first frame.
# handle_abort=1: an abort() gets a report with its stack, which
# fuzz_results needs to tell libhdf5's crashes from ours.
# max_allocation_size_mb + allocator_may_return_null: a single allocation
# over 2 GiB fails (NULL), as an absurd one would outside ASan, so the code's
# out-of-memory paths run instead of ASan aborting (a damaged file can
# claim 4e9 states; regressions/results/ has one).
export ASAN_OPTIONS="detect_leaks=1:print_stacktrace=1:strict_string_checks=1:detect_stack_use_after_return=1:handle_abort=1:fast_unwind_on_malloc=0:allocator_may_return_null=1:max_allocation_size_mb=2048${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# LSan reads one suppression file: the shared one, plus the harness's own
# (tests/fuzz/lsan_<name>.supp, for leaks only damaged inputs reach).
supp="$src/tests/lsan.supp"
if [ -f "$fz/lsan_$name.supp" ]; then
  cat "$src/tests/lsan.supp" "$fz/lsan_$name.supp" >"$work/lsan.supp"
  supp="$work/lsan.supp"
fi
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

flags=(-timeout=60 -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/"
  -print_final_stats=1)
[ -f "$fz/$name.dict" ] && flags+=(-dict="$fz/$name.dict")

replay() {
  shopt -s nullglob
  local files=("$seeds"/* "$fz/regressions/$name"/*)
  shopt -u nullglob
  local n=${#files[@]}
  echo "fuzz_$name: replaying $n input(s) (corpus_$name, regressions/$name)"
  [ "$n" -gt 0 ] || return 0
  if ! "$exe" "${flags[@]}" "${files[@]}" >"$work/replay.log" 2>&1; then
    cat "$work/replay.log"
    echo "fuzz_$name: replay FAILED"
    return 1
  fi
  echo "fuzz_$name: replay ok"
}

case "$mode" in
replay)
  replay
  ;;
ci)
  runs=${4:?runs}
  replay || exit 1
  rm -rf "$work/corpus" "$work/hdf5"
  mkdir -p "$work/corpus" "$work/hdf5"
  echo "fuzz_$name: $runs executions from -seed=1"
  start=$(date +%s)
  "$exe" "${flags[@]}" -seed=1 -runs="$runs" -reload=0 \
    "$work/corpus" "$seeds" >"$work/ci.log" 2>&1
  rc=$?
  grep -E "^(stat::|#[0-9]+ *DONE)|skipped: libhdf5" "$work/ci.log"
  echo "fuzz_$name: $(($(date +%s) - start)) s, exit $rc"
  if [ "$rc" -ne 0 ]; then
    tail -n 80 "$work/ci.log"
    echo "fuzz_$name: FAILED; the input is in $work/artifacts/ (a crash" \
      "becomes tests/fuzz/regressions/$name/<name> once fixed)"
    exit 1
  fi
  ;;
long)
  secs=${4:?seconds}
  mkdir -p "$work/corpus"
  echo "fuzz_$name: fuzzing for $secs s; corpus $work/corpus," \
    "crashes in $work/artifacts/"
  "$exe" "${flags[@]}" -max_total_time="$secs" "$work/corpus" "$seeds"
  ;;
*)
  echo "run.sh: unknown mode $mode" >&2
  exit 2
  ;;
esac
