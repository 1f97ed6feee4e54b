#!/usr/bin/env bash
# tools/same_outputs.sh OLD_CYSIM NEW_CYSIM [CFG...]
#
# Refactoring check: runs every shipped scenario and every tests/data/*.cfg
# (or the given files) with both executables, with the same command line
# and SOURCE_DATE_EPOCH, and requires the two result files to be identical:
# byte for byte (cmp), and h5diff to find no difference in any dataset or
# attribute.  Prints one line per file; exits 1 on the first difference.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_CYSIM NEW_CYSIM [CFG...]" >&2; exit 2; }
old=$(readlink -f "$1") new=$(readlink -f "$2")
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
  set -- "$top"/scenarios/*.cfg "$top"/tests/data/*.cfg
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/old" "$work/new"
ln -s "$old" "$work/old/cysim"
ln -s "$new" "$work/new/cysim"
export SOURCE_DATE_EPOCH=0
for cfg in "$@"; do
  cfg=$(readlink -f "$cfg")
  name=$(basename "$cfg" .cfg)
  for side in old new; do
    (cd "$work/$side" && ./cysim run "$cfg" -o "$name.h5" -q -j 2 >/dev/null)
  done
  if ! h5diff -c "$work/old/$name.h5" "$work/new/$name.h5" >"$work/diff" 2>&1; then
    echo "DIFFERENT (h5diff): $cfg"; head -20 "$work/diff"; exit 1
  fi
  if ! cmp -s "$work/old/$name.h5" "$work/new/$name.h5"; then
    echo "DIFFERENT (bytes): $cfg"; exit 1
  fi
  echo "identical: $cfg"
done
