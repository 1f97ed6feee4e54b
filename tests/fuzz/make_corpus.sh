#!/bin/bash
# make_corpus.sh [BUILD]: regenerates the fuzz harnesses' seed corpora from
# the sources, with BUILD/cysim (default build/, the Release build).
#
# corpus_scenario/: copies of scenarios/*.cfg (shipped_*), tests/data/*.cfg
#   (data_*), tests/fuzz/axes.cfg and tests/bad/*.cfg (bad_*, their
#   "// set: P=V" header lines appended as a "%%" section of overrides, the
#   harness's input format).  The hand-written overrides_*.cfg there are
#   kept.
# corpus_results/: small real result files of `cysim run` on tests/data's
#   studies and tests/fuzz/axes.cfg: 2 replications, horizons of 30-60 days,
#   no time series (the reader under test does not read /timeseries or
#   /events).  HDF5's chunk B-trees make each about 75 KB.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cysim=$build/cysim
[ -x "$cysim" ] || { echo "make_corpus.sh: no $cysim (make build)" >&2; exit 1; }
sc=tests/fuzz/corpus_scenario
rs=tests/fuzz/corpus_results
mkdir -p "$sc" "$rs"
rm -f "$sc"/shipped_* "$sc"/data_* "$sc"/bad_* "$rs"/*.h5
for f in scenarios/*.cfg; do cp "$f" "$sc/shipped_$(basename "$f")"; done
for f in tests/data/*.cfg tests/fuzz/axes.cfg; do
  cp "$f" "$sc/data_$(basename "$f")"
done
for f in tests/bad/*.cfg; do
  out="$sc/bad_$(basename "$f")"
  cp "$f" "$out"
  if grep -q '^// set: ' "$f"; then
    printf '%%%%\n' >>"$out"
    sed -n 's|^// set: ||p' "$f" >>"$out"
  fi
done
run() { # run NAME CFG ARGS...
  local name=$1 cfg=$2
  shift 2
  "$cysim" run "$cfg" -n 2 -q --force -o "$rs/$name.h5" \
    --set output.timeseries=false "$@"
}
run io_small tests/data/io_small.cfg --set scenario.horizon=60
run io_plain tests/data/io_plain.cfg --set scenario.horizon=30 \
  --set output.event_log=false
run io_long tests/data/io_long.cfg --set scenario.horizon=30
run analysis tests/data/analysis.cfg --set scenario.horizon=60
run axes tests/fuzz/axes.cfg
ls -l "$rs"
