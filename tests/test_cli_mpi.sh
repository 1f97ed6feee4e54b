#!/bin/bash
# test_cli_mpi.sh: `mpirun -n N cysim run` (CYSIM_MPI=ON builds only; see
# tests/CMakeLists.txt).  Rank 0 hands the runs out and alone writes, so:
#  1. -n 2, -n 3 with -j 0 (every run on another rank) and -n 1 write the
#     same /summary and /timeseries as a single-process run, dataset by
#     dataset, byte for byte (a run's results depend only on (seed, point,
#     replication), and rank 0 commits chunks in block order); with
#     --event-log the /events columns too; a --task's shard equals a
#     single-process task's;
#  2. ranks > 0 print nothing: the progress ends once ("100%" one line);
#  3. a plain `cysim run` of this build never initialises MPI: it succeeds
#     with OMPI_MCA_pml=bogus, which makes MPI_Init abort (checked too);
#  4. a rank that cannot read the scenario, or that loads another study
#     (another --seed), stops the run before the output is touched: exit 2,
#     one message naming the rank;
#  5. Ctrl-C on mpirun (it sends SIGTERM to every rank): the finished runs
#     are in OUT.h5.partial (complete = 0), and --resume without mpirun
#     completes a file equal to the single-process one.
set -u
: "${CYSIM:?}" "${CYSIM_SOURCE_DIR:?}"
data="$CYSIM_SOURCE_DIR/tests/data"
tmp=$(mktemp -d "${CYSIM_TEST_BIN:-/tmp}/cli_mpi.XXXXXX")
fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}

mpiexec=${CYSIM_MPIEXEC:-mpirun}
command -v "$mpiexec" >/dev/null || { echo "no $mpiexec: skipped"; exit 77; }
# --oversubscribe: the test runs 3 ranks whatever the cores (2 in CI).
# --allow-run-as-root: Open MPI refuses root otherwise (CI containers).
# Shared-memory transfers without CMA (process_vm_readv), which a
# container's seccomp profile commonly denies (Open MPI then aborts with
# "Read -1, expected ..., errno = 1"); messages of a few KiB lose nothing.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=("$mpiexec" --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)

# same A.h5 B.h5 GROUP...: every dataset of the groups, byte for byte (and
# the same datasets in both).
same() {
  /usr/bin/python3 - "$@" <<'EOF'
import sys, h5py
a, b, groups = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), sys.argv[3:]
bad, compared = [], 0
for g in groups:
    names = []
    a[g].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    other = []
    b[g].visititems(lambda n, o: other.append(n) if isinstance(o, h5py.Dataset) else None)
    if sorted(names) != sorted(other):
        bad.append(f"{g}: datasets {sorted(names)} vs {sorted(other)}")
    for n in names:
        compared += 1
        x, y = a[g][n], b[g].get(n)
        if y is None or x.dtype != y.dtype or x.shape != y.shape:
            bad.append(f"{g}/{n}: another type or shape")
            continue
        u, v = x[()], y[()]
        # Variable-length text (the label scales) is held as objects: compare
        # the strings; everything else as the bytes of its values.
        if u.dtype.kind == "O" and u.tolist() != v.tolist():
            bad.append(f"{g}/{n} differs")
        elif u.dtype.kind != "O" and u.tobytes() != v.tobytes():
            bad.append(f"{g}/{n} differs")
if not compared:
    bad.append("no datasets compared")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# 1. The same file whoever computed the runs.  io_small: 2 points, time
# series on; 30 replications make 60 runs to share.
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/single.h5" -n 30 -q
check "single-process run exits 0" test $? -eq 0
"${mpi[@]}" -n 2 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/n2.h5" -n 30 \
  2>"$tmp/n2.err"
check "mpirun -n 2 exits 0" test $? -eq 0
check "-n 2: /summary and /timeseries byte-equal to one process" \
  same "$tmp/single.h5" "$tmp/n2.h5" /summary /timeseries
# 2. Only rank 0 prints (progress goes to a file: one line per 10%).
check "-n 2: one '100%' progress line (ranks > 0 print nothing)" \
  test "$(grep -c '100%' "$tmp/n2.err")" = 1
"${mpi[@]}" -n 3 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/n3.h5" -n 30 \
  -j 0 -q
check "mpirun -n 3 -j 0 exits 0" test $? -eq 0
check "-n 3 -j 0: byte-equal to one process" \
  same "$tmp/single.h5" "$tmp/n3.h5" /summary /timeseries
"${mpi[@]}" -n 1 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/n1.h5" -n 30 -q
check "mpirun -n 1 (runs as one process) exits 0" test $? -eq 0
check "-n 1: byte-equal to one process" \
  same "$tmp/single.h5" "$tmp/n1.h5" /summary /timeseries
# The event log crosses to rank 0 too.
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/ev1.h5" --event-log -q
"${mpi[@]}" -n 2 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/ev2.h5" \
  --event-log -j 0 -q
check "--event-log -n 2 -j 0 exits 0" test $? -eq 0
check "--event-log: /summary, /timeseries, /events byte-equal" \
  same "$tmp/ev1.h5" "$tmp/ev2.h5" /summary /timeseries /events

# A task of --tasks: the ranks share the task's runs; the shard equals a
# single-process task's.
"$CYSIM" run "$data/io_small.cfg" -o "$tmp/t1.h5" -n 30 --task 1 --tasks 3 -q
"${mpi[@]}" -n 2 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/t1m.h5" -n 30 \
  --task 1 --tasks 3 -q
check "--task 1 --tasks 3 under mpirun -n 2 exits 0" test $? -eq 0
check "the shard is byte-equal to a single-process task's" \
  same "$tmp/t1.h5" "$tmp/t1m.h5" /summary /timeseries

# 3. No MPI without mpirun.
OMPI_MCA_pml=bogus "$CYSIM" run "$data/io_small.cfg" -o "$tmp/plain.h5" -q
check "plain cysim run with OMPI_MCA_pml=bogus exits 0 (MPI not initialised)" \
  test $? -eq 0
OMPI_COMM_WORLD_SIZE=1 OMPI_MCA_pml=bogus "$CYSIM" run "$data/io_small.cfg" \
  -o "$tmp/canary.h5" -q >/dev/null 2>&1
check "the canary: as if under mpirun, MPI_Init fails with that pml" \
  test $? -ne 0

# 4. A rank of another study: MPMD ranks (`:`) with another argv.
"${mpi[@]}" -n 1 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/bad.h5" -q \
  : -n 1 "$CYSIM" run "$tmp/missing.cfg" -o "$tmp/bad.h5" -q 2>"$tmp/bad.err"
check "rank 1 cannot read its scenario: exit 2" test $? -eq 2
check "the message names rank 1 and the file" \
  grep -q "^cysim run: rank 1 (.*): .*missing.cfg: cannot open" "$tmp/bad.err"
check "the message is printed once" \
  test "$(grep -c '^cysim run:' "$tmp/bad.err")" = 1
"${mpi[@]}" -n 1 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/bad.h5" -q \
  : -n 1 "$CYSIM" run "$data/io_small.cfg" -o "$tmp/bad.h5" -q --seed 7 \
  2>"$tmp/seed.err"
check "rank 1 with another --seed: exit 2" test $? -eq 2
check "the message says rank 1 loaded another study" \
  grep -q "rank 1 (.*) loaded another study" "$tmp/seed.err"
check "no output touched" test -z "$(ls "$tmp"/bad.h5* 2>/dev/null)"

# 5. Ctrl-C on mpirun, then --resume without it.  io_long: 600 runs, a few
# seconds on one thread; rank 0 also computes (-j 1).
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/long.h5" -j 2 -q
check "uninterrupted io_long exits 0" test $? -eq 0
"${mpi[@]}" -n 2 "$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" -j 1 \
  2>"$tmp/int.log" &
pid=$!
# Interrupt after the first progress line (10% of the runs).
for _ in $(seq 600); do
  grep -q "%" "$tmp/int.log" 2>/dev/null && break
  sleep 0.05
done
kill -INT $pid
wait $pid
# mpirun's own status after Ctrl-C is 1 whatever the ranks return.
check "SIGINT: rank 0 says where the finished runs are" \
  grep -q "interrupted: .* runs are in .*int.h5.partial" "$tmp/int.log"
check "SIGINT: no int.h5" test ! -e "$tmp/int.h5"
kept=$(/usr/bin/python3 -c 'import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(int(f.attrs["complete"]), int(f["summary/status"][()].sum()))' \
  "$tmp/int.h5.partial")
echo "partial file: complete, runs kept: $kept"
check "SIGINT: complete = 0 and some of the 600 runs kept ($kept)" \
  /usr/bin/python3 -c 'import sys; c, n = map(int, sys.argv[1:]); sys.exit(not (c == 0 and 0 < n < 600))' $kept
"$CYSIM" run "$data/io_long.cfg" -o "$tmp/int.h5" --resume -q
check "--resume without mpirun exits 0" test $? -eq 0
check "resumed file byte-equal to one process" \
  same "$tmp/long.h5" "$tmp/int.h5" /summary /timeseries

rm -rf "$tmp"
exit $fail
