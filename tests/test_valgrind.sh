#!/bin/bash
# test_valgrind.sh: a short flagship run, its report and its CSV under
# valgrind's memcheck: no invalid access, no use of uninitialised memory and
# no definite leak (--errors-for-leak-kinds=definite), else exit 99.
# tests/valgrind.supp holds suppressions for third-party noise only.
# Registered only in unsanitized builds (valgrind cannot run ASan binaries);
# skipped (exit 77) when valgrind is not installed.
set -u
: "${CYSIM:?}" "${CYSIM_SOURCE_DIR:?}"
if ! command -v valgrind >/dev/null 2>&1; then
  echo "SKIP: valgrind is not installed (make deps installs it)"
  exit 77
fi
tmp=$(mktemp -d "${CYSIM_TEST_BIN:-/tmp}/valgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite --track-origins=yes
  --suppressions="$CYSIM_SOURCE_DIR/tests/valgrind.supp" -q)
fail=0
step() { # step NAME COMMAND...: runs COMMAND under valgrind, log in $tmp
  local name=$1
  shift
  "${vg[@]}" --log-file="$tmp/$name.log" "$@" >"$tmp/$name.out" 2>&1
  local rc=$?
  if [ "$rc" -eq 0 ] && [ ! -s "$tmp/$name.log" ]; then
    echo "ok: $name is clean under valgrind"
  else
    echo "FAILED: $name (exit $rc)"
    cat "$tmp/$name.log" "$tmp/$name.out"
    fail=1
  fi
}
step run "$CYSIM" run "$CYSIM_SOURCE_DIR/scenarios/ru_cn_pact_2015.cfg" \
  -n 5 -j 2 -o "$tmp/x.h5" -q
step report "$CYSIM" report "$tmp/x.h5"
step csv "$CYSIM" report "$tmp/x.h5" --csv "$tmp/x.csv"
[ "$fail" -eq 0 ] && echo "valgrind: 3 passed, 0 failed"
exit "$fail"
