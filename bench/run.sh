#!/bin/bash
# bench/run.sh BUILD_DIR: runs each benchmark 5 times and prints the median
# (and all 5 values) of every "RESULT name value" line it prints (a rate, or
# with a name ending in _ns a time in nanoseconds).  Called by `make bench`.
# The machine may be shared, so the median, not the best, is the figure to
# quote.
set -euo pipefail
build=${1:-build}
runs=${RUNS:-5}
benches=("$build"/bench/bench_*)
if [ ! -x "${benches[0]}" ]; then
  echo "bench/run.sh: no benchmarks in $build/bench (build first)" >&2
  exit 1
fi
status=0
for exe in "${benches[@]}"; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  out=$(mktemp)
  for ((i = 1; i <= runs; i++)); do
    if ! "$exe" >>"$out"; then
      echo "bench/run.sh: $name failed" >&2
      status=1
      break
    fi
  done
  # Median per metric, with the runs in the order they ran.
  awk -v bench="$name" '
    $1 == "RESULT" { v[$2] = v[$2] " " $3; n[$2]++; if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 } }
    END {
      for (j = 1; j <= m; j++) {
        k = order[j]; cnt = split(substr(v[k], 2), a, " ")
        for (x = 1; x <= cnt; x++) s[x] = a[x] + 0
        for (x = 2; x <= cnt; x++) { t = s[x]; y = x - 1; while (y >= 1 && s[y] > t) { s[y + 1] = s[y]; y-- } s[y + 1] = t }
        med = (cnt % 2) ? s[(cnt + 1) / 2] : (s[cnt / 2] + s[cnt / 2 + 1]) / 2
        if (k ~ /_ns$/) # a time per draw, not a rate
          printf "%-14s %-22s median %14.2f  ns         runs: %s\n", bench, k, med, substr(v[k], 2)
        else
          printf "%-14s %-22s median %14.0f  (%.2fM/s)  runs: %s\n", bench, k, med, med / 1e6, substr(v[k], 2)
      }
    }' "$out"
  rm -f "$out"
done
exit $status
