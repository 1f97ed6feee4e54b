#!/bin/bash
# bench/run.sh BUILD_DIR: runs each benchmark 5 times and prints the median
# (and all 5 values) of every "RESULT name value" line it prints, then a
# table of issue 14's targets with their figures.  Called by `make bench`
# (bench/README.md says what each figure is and how it is measured).  The
# benchmarks are the executables bench_* of BUILD_DIR/bench and
# bench/whole.sh (whole `cysim run` processes).  A name's suffix gives its
# unit: _ns and _us times, _ratio a ratio, _pct a percentage, _mib MiB;
# otherwise a rate per second.  The machine may be shared, so the median,
# not the best, is the figure to quote.  RUNS=N changes the 5.
set -euo pipefail
build=${1:-build}
runs=${RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
benches=("$build"/bench/bench_*)
if [ ! -x "${benches[0]}" ]; then
  echo "bench/run.sh: no benchmarks in $build/bench (build first)" >&2
  exit 1
fi
status=0
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

# measure NAME COMMAND...: runs COMMAND $runs times, prints the median per
# metric (with the runs in the order they ran) and appends "metric median"
# to $summary.
measure() {
  local name=$1 out i
  shift
  out=$(mktemp)
  for ((i = 1; i <= runs; i++)); do
    if ! "$@" >>"$out"; then
      echo "bench/run.sh: $name failed" >&2
      status=1
      break
    fi
  done
  awk -v bench="$name" -v summary="$summary" '
    $1 == "RESULT" { v[$2] = v[$2] " " $3; n[$2]++; if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 } }
    END {
      for (j = 1; j <= m; j++) {
        k = order[j]; cnt = split(substr(v[k], 2), a, " ")
        for (x = 1; x <= cnt; x++) s[x] = a[x] + 0
        for (x = 2; x <= cnt; x++) { t = s[x]; y = x - 1; while (y >= 1 && s[y] > t) { s[y + 1] = s[y]; y-- } s[y + 1] = t }
        med = (cnt % 2) ? s[(cnt + 1) / 2] : (s[cnt / 2] + s[cnt / 2 + 1]) / 2
        print k, med >> summary
        if (k ~ /_ns$/) unit = "ns"; else if (k ~ /_us$/) unit = "us"; else if (k ~ /_ratio$/) unit = "x"
        else if (k ~ /_pct$/) unit = "%"; else if (k ~ /_mib$/) unit = "MiB"; else unit = ""
        if (unit != "")
          printf "%-17s %-24s median %14.3f  %-9s  runs: %s\n", bench, k, med, unit, substr(v[k], 2)
        else
          printf "%-17s %-24s median %14.0f  (%.2fM/s)  runs: %s\n", bench, k, med, med / 1e6, substr(v[k], 2)
      }
    }' "$out"
  rm -f "$out"
}

for exe in "${benches[@]}"; do
  [ -x "$exe" ] || continue
  measure "$(basename "$exe")" "$exe"
done
measure whole.sh bash "$here/whole.sh" "$build"

# Issue 14's targets (median of the runs above, one core unless stated).
# Rows: metric | what | comparison | target.  Derived metrics are computed
# from the medians first.
echo
echo "Issue 14 targets ($(date -u +%F), $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F'|' -v summary="$summary" '
  BEGIN {
    while ((getline line < summary) > 0) { split(line, f, " "); v[f[1]] = f[2] + 0 }
    if (("run_events_per_s" in v) && v["model_events_per_s"] > 0) v["run_over_model_ratio"] = v["run_events_per_s"] / v["model_events_per_s"]
    if (("small_events_per_s" in v) && v["model_events_per_s"] > 0) v["small_over_model_ratio"] = v["small_events_per_s"] / v["model_events_per_s"]
    if (("run_hdf5_pct" in v) && ("run_zlib_pct" in v)) v["run_h5_total_pct"] = v["run_hdf5_pct"] + v["run_zlib_pct"]
    printf "%-58s %14s  %-12s %s\n", "figure", "median", "target", "met"
  }
  {
    k = $1; what = $2; op = $3; t = $4
    if (!(k in v)) { printf "%-58s %14s  %-12s %s\n", what, "(not run)", op t, "-"; next }
    x = v[k]
    val = (k ~ /_per_s$/) ? sprintf("%.2fM/s", x / 1e6) : sprintf("%.3f", x)
    tgt = (op == "") ? "-" : (k ~ /_per_s$/) ? op " " t / 1e6 "M" : op " " t
    met = (op == ">=") ? (x >= t ? "yes" : "NO") : (op == "<=") ? (x <= t ? "yes" : "NO") : (op == "<") ? (x < t ? "yes" : "NO") : "-"
    printf "%-58s %14s  %-12s %s\n", what, val, tgt, met
  }' <<'EOF'
model_events_per_s|flagship model events/s (bench_model)|>=|20000000
run_events_per_s|whole cysim run process, flagship, -j 1, events/s||
run_over_model_ratio|  its ratio to bench_model's rate|>=|0.9
world_events_per_s|world.cfg events/s (cysim run -j 1, 100 replications)|>=|10000000
world_peak_rss_mib|world.cfg peak RSS (MiB)|<|64
scale_16_ns|ns/event, all-pairs-hostile world, 16 states||
scale_64_ns|ns/event, 64 states||
scale_128_ns|ns/event, 128 states||
scale_193_ns|ns/event, 193 states||
scale_193_over_16_ratio|  ns/event at 193 / at 16 states|<=|1.3
small_events_per_s|3-state ~500-event replications, events/s||
small_over_model_ratio|  their ratio to the flagship's (within 25%)|>=|0.75
small_rep_us|  microseconds per such replication||
fixed_rep_5_us|fixed cost per replication at 5 states (us)|<=|5
run_j2_speedup_ratio|-j 2 over -j 1 wall-time speed-up, flagship (idle machine)|>=|1.9
run_hdf5_pct|HDF5 writing, % of the flagship's -j 1 wall time||
run_zlib_pct|chunk compression (shuffle+deflate), % of it||
run_h5_total_pct|  HDF5 work in all, % of wall time|<=|3
EOF
exit $status
