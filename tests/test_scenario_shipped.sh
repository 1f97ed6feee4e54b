#!/bin/bash
# Every shipped scenario (scenarios/*.cfg) must pass `cysim validate`
# (which also validates each of its sweep points).
set -u
: "${CYSIM:?}" "${CYSIM_SOURCE_DIR:?}"
shopt -s nullglob
files=("$CYSIM_SOURCE_DIR"/scenarios/*.cfg)
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no scenarios/*.cfg"; exit 1; }
fail=0
for f in "${files[@]}"; do
  if ! out=$("$CYSIM" validate "$f" 2>&1 >/dev/null); then
    echo "FAIL $f: $out"; fail=$((fail + 1))
  fi
done
echo "$((${#files[@]} - fail)) of ${#files[@]} shipped scenarios validate"
[ "$fail" -eq 0 ]
