#!/bin/bash
# Every tests/bad/*.cfg must be refused by `cysim validate` with exit 2 and
# a message containing each "// expect: TEXT" of its header (the first one
# carries FILE:LINE: PATH, the position of the mistake); "// set: P=V" lines
# are passed as --set P=V.  Run from tests/bad so file names print short.
set -u
: "${CYSIM:?CYSIM must name the cysim executable}"
: "${CYSIM_SOURCE_DIR:?}"
cd "$CYSIM_SOURCE_DIR/tests/bad" || exit 1
fail=0 n=0
for f in *.cfg; do
  n=$((n + 1))
  args=()
  while IFS= read -r s; do args+=(--set "$s"); done \
    < <(sed -n 's|^// set: ||p' "$f")
  mapfile -t expects < <(sed -n 's|^// expect: ||p' "$f")
  if [ "${#expects[@]}" -eq 0 ]; then
    echo "FAIL $f: no // expect: header"; fail=$((fail + 1)); continue
  fi
  err=$("$CYSIM" validate "${args[@]}" "$f" 2>&1 >/dev/null)
  rc=$?
  ok=1
  if [ "$rc" -ne 2 ]; then
    echo "FAIL $f: exit $rc, expected 2"; ok=0
  fi
  for e in "${expects[@]}"; do
    if [[ "$err" != *"$e"* ]]; then
      echo "FAIL $f: message lacks: $e"; ok=0
    fi
  done
  if [ "$ok" -eq 0 ]; then
    echo "     got: $err"; fail=$((fail + 1))
  fi
done
echo "$((n - fail)) of $n bad scenarios refused as expected"
[ "$n" -ge 25 ] || { echo "FAIL: only $n bad scenarios"; exit 1; }
[ "$fail" -eq 0 ]
