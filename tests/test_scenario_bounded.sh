#!/bin/bash
# `cysim validate` of a hostile scenario is refused (exit 2) within bounded
# memory and time: each case runs under `ulimit -v` (1 GiB of address
# space) and `timeout 20`, so a loader that read /dev/zero to the end,
# waited on a FIFO, allocated every axis of an exploding sweep or validated
# 1e8 points would be killed (exit 124 or a signal) instead of refusing.
set -u
: "${CYSIM:?}"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
limit=1048576 # KiB
# Sanitizer builds reserve terabytes of address space and cannot run under
# a limit on it; they still get the time limit.
# (A sanitized binary cannot reserve its shadow memory under the limit;
# the probe's report goes to stderr, not to the suite's sanitizer logs.)
if ! (ulimit -v "$limit" &&
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=stderr" "$CYSIM" --version >/dev/null 2>&1); then
  echo "note: $CYSIM does not start under ulimit -v $limit (sanitizers?); time limit only"
  limit=unlimited
fi
two='states = ( { id = "A"; offense = 0.5; defense = 0.5; detection = 0.5;
  attribution = 0.5; misattribution = 0.0; exposure = 1.0; value = 1.0;
  dwell = 1.0; attribution_delay = 1.0; relaxation = 1.0; }, { id = "B"; } );'
head='scenario = { horizon = 365.0; };'

mkfifo pipe.fifo
yes '# padding padding padding padding padding padding padding padding padding' |
  head -c 30000000 >huge.cfg
printf '%s\n@include "/dev/zero"\n' "$head" >zero.cfg
printf '%s\n@include "pipe.fifo"\n' "$head" >fifo.cfg
printf '%s\n@include "huge.cfg"\n' "$head" >big.cfg
printf '%s\n@include "loop.cfg"\n' "$head" >loop.cfg
# three axes of 10^7 values: the loader must stop at the second
printf '%s\n%s\nsweep = (%s,\n%s,\n%s);\n' "$head" "$two" \
  '{ path = "states.[0].offense"; from = 0.0; to = 1.0; steps = 10000000; }' \
  '{ path = "states.[0].defense"; from = 0.0; to = 1.0; steps = 10000000; }' \
  '{ path = "states.[0].detection"; from = 0.0; to = 1.0; steps = 10000000; }' \
  >axes.cfg
# 1e8 points: refused before a point is validated (that would take minutes)
printf '%s\n%s\nsweep = (%s,\n%s);\n' "$head" "$two" \
  '{ path = "states.[0].offense"; from = 0.0; to = 1.0; steps = 10000; }' \
  '{ path = "states.[0].defense"; from = 0.0; to = 1.0; steps = 10000; }' \
  >points.cfg
printf 'scenario = { horizon = 1e300; };\n%s\n' "$two" >horizon.cfg
printf '%s\nstates = ( { id = "A"; attack = { rate = 1e12; }; }, { id = "B"; } );\n' \
  "$head" >rate.cfg
printf '%s\n%s\noutput = { bin = 1e-6; };\n' "$head" "$two" >bin.cfg
# lists nested 100000 deep
{
  printf 'a = '
  head -c 100000 /dev/zero | tr '\0' '('
  head -c 100000 /dev/zero | tr '\0' ')'
  echo ';'
} >nest.cfg

fail=0 n=0
for case in /dev/zero zero.cfg pipe.fifo fifo.cfg huge.cfg big.cfg loop.cfg \
  axes.cfg points.cfg horizon.cfg rate.cfg bin.cfg nest.cfg .; do
  n=$((n + 1))
  err=$( (ulimit -v "$limit" && exec timeout 20 "$CYSIM" validate "$case") \
    2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne 2 ]; then
    echo "FAIL validate $case: exit $rc, expected 2 (124: timed out; >128: killed)"
    echo "     ${err:0:500}"
    fail=$((fail + 1))
  else
    echo "ok   validate $case: ${err:0:160}"
  fi
done
echo "$((n - fail)) of $n hostile scenarios refused within bounds"
[ "$fail" -eq 0 ]
