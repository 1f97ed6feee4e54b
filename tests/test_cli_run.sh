#!/bin/bash
# test_cli_run.sh: `cysim run` as a user meets it.
#  1. -j 1 and -j 2 write identical /summary and /timeseries (h5diff), since
#     a replication depends only on (seed, replication).
#  2. An existing output is not overwritten without --force: exit 2, the
#     file is byte-for-byte unchanged; --force overwrites it.
#  3. SIGINT during a run of tests/data/io_long.cfg (a few seconds on one
#     thread): exit 130, complete = 0, some runs done and some missing;
#     --resume finishes it and the result equals an uninterrupted run.
#  4. --resume refuses another seed, replication count or --set (exit 2).
#  5. `cysim report` prints every point; `--csv` writes the header; a
#     missing file is an input error (exit 2).
set -u
: "${CYSIM:?}" "${CYSIM_SOURCE_DIR:?}"
data="$CYSIM_SOURCE_DIR/tests/data"
tmp=$(mktemp -d "${CYSIM_TEST_BIN:-/tmp}/io_cli.XXXXXX")
fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}
attr() { # attr FILE NAME: a root attribute, via h5dump
  h5dump -a "/$2" "$1" | sed -n 's/^ *(0): *//p' | tr -d '"'
}

# 1. Thread count does not change the results.
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/j1.h5" -j 1 --quiet
check "-j 1 run exits 0" test $? -eq 0
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/j2.h5" -j 2 --quiet
check "-j 2 run exits 0" test $? -eq 0
for g in /summary /timeseries /sweep /provenance; do
  check "-j 1 and -j 2 identical in $g" h5diff "$tmp/j1.h5" "$tmp/j2.h5" $g $g
done
check "complete = 1" test "$(attr "$tmp/j1.h5" complete)" = 1
h5dump "$tmp/j1.h5" >/dev/null
check "h5dump reads the whole file" test $? -eq 0

# 2. Refusal to overwrite.
sum_before=$(md5sum <"$tmp/j1.h5")
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/j1.h5" --quiet 2>"$tmp/err"
check "existing output: exit 2" test $? -eq 2
check "existing output: message names the file" grep -q "j1.h5 exists" "$tmp/err"
check "existing output: file untouched" test "$(md5sum <"$tmp/j1.h5")" = "$sum_before"
# A bad scenario never touches an existing output, even with --force.
printf 'scenario = { horizon = -1.0; };\n' >"$tmp/bad.cfg"
"$CYSIM" run "$tmp/bad.cfg" -o "$tmp/j1.h5" --force --quiet 2>/dev/null
check "bad scenario with --force: exit 2" test $? -eq 2
check "bad scenario with --force: file untouched" test "$(md5sum <"$tmp/j1.h5")" = "$sum_before"
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/j1.h5" --force --quiet --seed 5
check "--force overwrites" test "$(attr "$tmp/j1.h5" seed)" = 5

# A study past the work caps is refused before any file is touched.
printf 'scenario = { name = "big"; horizon = 365.0; replications = 2; };\nstates = ( { id = "A"; attack = { rate = 1e12; }; }, { id = "B"; } );\n' >"$tmp/big.cfg"
"$CYSIM" run "$tmp/big.cfg" -o "$tmp/big.h5" --quiet 2>"$tmp/big.err"
check "rate = 1e12: run exits 2" test $? -eq 2
check "rate = 1e12: the message names line, setting and --allow-large" \
  grep -q "big.cfg:2: states.\[0\].attack.rate = 1e12.*--allow-large" "$tmp/big.err"
check "rate = 1e12: no file made" test -z "$(ls "$tmp"/big.h5* 2>/dev/null)"

# 3. Interrupt, then resume.
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/full.h5" -j 2 --quiet
check "uninterrupted io_long exits 0" test $? -eq 0
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" -j 1 2>"$tmp/int.log" &
pid=$!
# Progress goes to a file (not a terminal): one line per 10%.  Interrupt
# after the first line, i.e. with at most a fraction of the runs done.
for _ in $(seq 600); do
  grep -q "%" "$tmp/int.log" 2>/dev/null && break
  sleep 0.05
done
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit 130 (got $rc)" test $rc -eq 130
check "SIGINT: message suggests --resume" grep -q -- "--resume" "$tmp/int.log"
check "interrupted: no int.h5 until every run is done" test ! -e "$tmp/int.h5"
check "interrupted: the message names the partial file" grep -q "int.h5.partial" "$tmp/int.log"
check "interrupted file: complete = 0" test "$(attr "$tmp/int.h5.partial" complete)" = 0
done_runs=$(/usr/bin/python3 -c 'import sys, h5py
print(int(h5py.File(sys.argv[1], "r")["summary/status"][()].sum()))' "$tmp/int.h5.partial")
echo "interrupted after $done_runs of 600 runs"
check "interrupted file: some runs done" test "$done_runs" -gt 0
check "interrupted file: some runs missing" test "$done_runs" -lt 600
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" -j 2 --resume --quiet
check "--resume exits 0" test $? -eq 0
check "resumed file: complete = 1" test "$(attr "$tmp/int.h5" complete)" = 1
check "resumed: the partial, lock and tmp files are gone" \
  test ! -e "$tmp/int.h5.partial" -a ! -e "$tmp/int.h5.lock" -a ! -e "$tmp/int.h5.tmp"
for g in /summary /timeseries; do
  check "resumed equals uninterrupted in $g" h5diff "$tmp/full.h5" "$tmp/int.h5" $g $g
done

# 4. --resume refuses a file of another study.
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" --resume --seed 12 --quiet 2>"$tmp/err"
check "--resume with another seed: exit 2" test $? -eq 2
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" --resume -n 200 --quiet 2>"$tmp/err"
check "--resume with another replication count: exit 2" test $? -eq 2
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" --resume --quiet \
  --set scenario.horizon=100.0 2>"$tmp/err"
check "--resume with another --set: exit 2" test $? -eq 2
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/int.h5" --resume --quiet 2>"$tmp/err"
check "--resume with another scenario: exit 2" test $? -eq 2

# 5. Report.
"$CYSIM" report "$tmp/j2.h5" >"$tmp/report.txt"
check "report exits 0" test $? -eq 0
check "report shows point 1 and a dyad" grep -q "== point 1: compliance = 1" "$tmp/report.txt"
check "report shows dyads as US->RU" grep -q "^US->RU" "$tmp/report.txt"
"$CYSIM" report "$tmp/j2.h5" --csv "$tmp/out.csv"
check "report --csv FILE exits 0" test $? -eq 0
check "CSV header (aggregates by default)" test "$(head -1 "$tmp/out.csv")" = \
  "point,compliance,states__2__attack_rate,metric,attacker,target,optype,alliance,n,mean,lo,hi,interval"
"$CYSIM" report "$tmp/missing.h5" >"$tmp/out" 2>"$tmp/err"
check "report of a missing file: exit 2 (input error)" test $? -eq 2
check "report of a missing file: strerror" grep -q "missing.h5: cannot open: No such file or directory" "$tmp/err"
check "report of a missing file: nothing on stdout" test ! -s "$tmp/out"

if [ $fail = 0 ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
exit $fail
