#!/bin/bash
# bench/whole.sh BUILD_DIR: whole `cysim run` processes, timed from outside
# (one trial; bench/run.sh runs it 5 times and reports medians).  Prints
#   RESULT run_events_per_s     flagship (ru_cn_pact_2015.cfg, 7 x 1000
#                               runs), -j 1: events / process wall time
#                               (loading, resolving, writing included)
#   RESULT run_j2_speedup_ratio flagship wall time at -j 1 / at -j 2
#   RESULT run_hdf5_pct         HDF5 writing, % of the -j 1 run's wall time
#   RESULT run_zlib_pct         chunk shuffle+deflate on the worker, % of it
#   RESULT world_events_per_s   scenarios/world.cfg (100 runs), -j 1, the
#                               same process rate
#   RESULT world_peak_rss_mib   its peak resident memory (/usr/bin/time %M)
# Events are the run's own count (`cysim run --timing`: events/s x its
# seconds, 3 significant digits); the wall time is the process's, so the
# rate includes everything the run phase does not.  Run from the
# repository root (bench/run.sh does).
set -euo pipefail
build=${1:-build}
cysim=$build/cysim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# timed FILE THREADS: runs FILE, leaves wall seconds in $wall, the --timing
# line in $line, the peak RSS (KiB) in $rss.
timed() {
  local t0 t1
  local timer=()
  # Without GNU time (Debian package `time`) there is no peak RSS figure.
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%M' -o "$tmp/rss")
  echo 0 >"$tmp/rss"
  t0=$(now)
  "${timer[@]}" "$cysim" run "$1" -o "$tmp/out.h5" --force -q --timing -j "$2" 2>"$tmp/err"
  t1=$(now)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  line=$(grep '^cysim run: .* events/s' "$tmp/err")
  rss=$(tail -1 "$tmp/rss")
}

# Fields of the --timing line: run-phase seconds, events/s, HDF5 %, zlib s.
field() {
  case $1 in
    secs) sed -E 's/.* threads in ([0-9.]+) s .*/\1/' <<<"$line" ;;
    rate) sed -E 's/.* runs\/s, ([0-9.e+]+) events\/s.*/\1/' <<<"$line" ;;
    h5pct) sed -E 's/.* = ([0-9.]+)% of wall time.*/\1/' <<<"$line" ;;
    zsec) sed -E 's/.*workers: ([0-9.]+) s\).*/\1/' <<<"$line" ;;
  esac
}

flag=scenarios/ru_cn_pact_2015.cfg
timed "$flag" 1
events=$(awk -v r="$(field rate)" -v s="$(field secs)" 'BEGIN { printf "%.0f", r * s }')
wall1=$wall
awk -v e="$events" -v w="$wall1" 'BEGIN { printf "RESULT run_events_per_s %.0f\n", e / w }'
echo "RESULT run_hdf5_pct $(field h5pct)"
awk -v z="$(field zsec)" -v w="$wall1" 'BEGIN { printf "RESULT run_zlib_pct %.2f\n", 100 * z / w }'
timed "$flag" 2
awk -v a="$wall1" -v b="$wall" 'BEGIN { printf "RESULT run_j2_speedup_ratio %.3f\n", a / b }'

timed scenarios/world.cfg 1
events=$(awk -v r="$(field rate)" -v s="$(field secs)" 'BEGIN { printf "%.0f", r * s }')
awk -v e="$events" -v w="$wall" 'BEGIN { printf "RESULT world_events_per_s %.0f\n", e / w }'
if [ "$rss" -gt 0 ]; then
  awk -v k="$rss" 'BEGIN { printf "RESULT world_peak_rss_mib %.1f\n", k / 1024 }'
fi
