#!/bin/bash
# test_cli_slurm.sh: scenarios/cluster/sweep.sbatch on a real Slurm (a
# private single-node one, tests/cluster/slurm.sh: own munged, slurmctld and
# slurmd, stopped by PID at exit).
#  1. `bash sweep.sbatch study.cfg 3 out --set scenario.replications=7`
#     (the option passed through to every `cysim run`) submits a 3-task array and a merge
#     job chained afterok; all four jobs end COMPLETED (exit 0:0).
#  2. Each shard is the task's: root attributes task = K (cysim's --task auto
#     read K from SLURM_ARRAY_TASK_ID) and tasks = 3, complete = 0.
#  3. The merged file equals a single-process `cysim run` of the same study:
#     every dataset of /summary and /timeseries, same names, dtype, shape and
#     bytes, since every run depends only on (seed, point, replication).
#  4. A task is lost (its shard deleted) and the same command is submitted
#     again: every task and the merge end COMPLETED, the two complete shards
#     are untouched (same mtime to the nanosecond, same bytes: those tasks did
#     no work; their logs say "is complete; nothing to do"), the lost one is
#     back, and the merged file again equals the
#     single-process run.
# The study: tests/data/io_small.cfg with 7 replications (--set), 2 points x
# 7 = 14 runs over 3 tasks: [0,4), [4,9), [9,14), so task 1 spans both points.
# Needs root (slurmd runs jobs as their submitter); exits 77 (skipped)
# otherwise.  Timeouts (WAIT_S) only guard against a hang: no result depends
# on timing.
set -u
: "${CYSIM:?}" "${CYSIM_SOURCE_DIR:?}"
if [ "$(id -u)" != 0 ]; then
  echo "skipped: starting a private Slurm needs root (slurmd runs jobs as their submitter)"
  exit 77
fi
WAIT_S=${WAIT_S:-200}
tmp=$(mktemp -d "${CYSIM_TEST_BIN:-/tmp}/cli_slurm.XXXXXX")
sweep=$CYSIM_SOURCE_DIR/scenarios/cluster/sweep.sbatch
fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}

# shellcheck source=tests/cluster/slurm.sh
source "$CYSIM_SOURCE_DIR/tests/cluster/slurm.sh"
trap slurm_down EXIT
# ctest's TIMEOUT or a ^C: stop the daemons on the way out.
trap 'exit 1' INT TERM
slurm_up || exit 1
t0=$(date +%s)

# job_states JOBID: "STATE EXITCODE" per job (one line per array task).
job_states() {
  scontrol -o show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).* ExitCode=\([0-9:]*\).*/\1 \2/p'
}
# finished JOBID: true once no job of JOBID is pending or running.
finished() {
  ! job_states "$1" | grep -Eq '^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING)'
}
# wait_jobs ARRAY MERGE: waits (WAIT_S at most) for both; prints the logs
# and squeue on a timeout.
wait_jobs() {
  local i
  for ((i = 0; i < WAIT_S * 2; i++)); do
    finished "$1" && finished "$2" && return 0
    sleep 0.5
  done
  echo "jobs $1 and $2 not finished after $WAIT_S s:"
  squeue -t all
  return 1
}
# all_completed JOBID COUNT: exactly COUNT jobs, every one COMPLETED 0:0.
all_completed() {
  local states
  states=$(job_states "$1")
  [ "$(printf '%s\n' "$states" | grep -c '^COMPLETED 0:0$')" = "$2" ] &&
    [ "$(printf '%s\n' "$states" | wc -l)" = "$2" ] && return 0
  echo "job $1: $states"
  return 1
}
show_logs() {
  local f
  for f in "$tmp"/out/logs/*; do
    echo "----- $f"
    cat "$f"
  done
  slurm_logs
}
# submit: runs sweep.sbatch as a user would; sets ARRAY and MERGE.
submit() {
  (cd "$tmp" && CYSIM=$CYSIM bash "$sweep" study.cfg 3 out \
    --set scenario.replications=7) >"$tmp/submit.out" 2>&1
  check "sweep.sbatch submits (exit 0)" test $? -eq 0
  cat "$tmp/submit.out"
  ARRAY=$(sed -n 's/^sweep.sbatch: array job \([0-9]*\):.*/\1/p' "$tmp/submit.out")
  MERGE=$(sed -n 's/^sweep.sbatch: merge job \([0-9]*\):.*/\1/p' "$tmp/submit.out")
  [ -n "$ARRAY" ] && [ -n "$MERGE" ] || {
    echo "FAILED: no job ids in sweep.sbatch's output"
    exit 1
  }
}
# same_as_single FILE: /summary and /timeseries of FILE equal ref.h5's.
same_as_single() {
  /usr/bin/python3 - "$tmp/ref.h5" "$1" <<'EOF'
import sys
import h5py

def datasets(f, group):
    out = {}
    f[group].visititems(lambda name, obj: out.__setitem__(name, obj)
                        if isinstance(obj, h5py.Dataset) else None)
    return out

bad = 0
with h5py.File(sys.argv[1], "r") as ref, h5py.File(sys.argv[2], "r") as got:
    for group in ("summary", "timeseries"):
        a, b = datasets(ref, group), datasets(got, group)
        if not a or sorted(a) != sorted(b):
            print(f"{group}: datasets {sorted(a)} vs {sorted(b)}")
            bad += 1
            continue
        for name in sorted(a):
            x, y = a[name][()], b[name][()]
            # Strings (variable length) read as object arrays, whose bytes
            # are pointers: compare their values.
            same = (x.tolist() == y.tolist() if x.dtype.kind == "O"
                    else x.tobytes() == y.tobytes())
            if a[name].dtype != b[name].dtype or x.shape != y.shape or not same:
                print(f"/{group}/{name} differs")
                bad += 1
        print(f"/{group}: {len(a)} datasets compared")
sys.exit(1 if bad else 0)
EOF
}
not() { ! "$@"; }
shard() { # shard K: the path of task K's shard
  echo "$tmp/out/study.shard-$1-of-3.h5"
}
root_attr() { # root_attr FILE NAME
  /usr/bin/python3 -c 'import sys, h5py
print(int(h5py.File(sys.argv[1], "r").attrs[sys.argv[2]]))' "$1" "$2"
}

cp "$CYSIM_SOURCE_DIR/tests/data/io_small.cfg" "$tmp/study.cfg"
"$CYSIM" run "$tmp/study.cfg" -o "$tmp/ref.h5" --quiet --set scenario.replications=7
check "single-process reference run exits 0" test $? -eq 0

# 1. Submit and wait.
submit
if ! wait_jobs "$ARRAY" "$MERGE"; then
  show_logs
  exit 1
fi
check "array job: 3 tasks COMPLETED with exit 0" all_completed "$ARRAY" 3
check "merge job COMPLETED with exit 0" all_completed "$MERGE" 1
[ $fail = 0 ] || show_logs

# 2. Shards.
for k in 0 1 2; do
  check "shard $k exists" test -f "$(shard $k)"
  check "shard $k: task = $k" test "$(root_attr "$(shard $k)" task)" = $k
  check "shard $k: tasks = 3" test "$(root_attr "$(shard $k)" tasks)" = 3
  check "shard $k: complete = 0 (part of the runs)" test "$(root_attr "$(shard $k)" complete)" = 0
done

# 3. The merged file.
check "merged file: complete = 1" test "$(root_attr "$tmp/out/study.h5" complete)" = 1
check "merged file equals the single-process run" same_as_single "$tmp/out/study.h5"

# 4. Lose task 1's shard, resubmit the same command.
before0=$(stat -c '%y' "$(shard 0)") sum0=$(md5sum <"$(shard 0)")
before2=$(stat -c '%y' "$(shard 2)") sum2=$(md5sum <"$(shard 2)")
rm -f "$(shard 1)"
submit
if ! wait_jobs "$ARRAY" "$MERGE"; then
  show_logs
  exit 1
fi
check "resubmitted array: 3 tasks COMPLETED with exit 0" all_completed "$ARRAY" 3
check "resubmitted merge COMPLETED with exit 0" all_completed "$MERGE" 1
check "shard 0 untouched (mtime)" test "$(stat -c '%y' "$(shard 0)")" = "$before0"
check "shard 0 untouched (bytes)" test "$(md5sum <"$(shard 0)")" = "$sum0"
check "shard 2 untouched (mtime)" test "$(stat -c '%y' "$(shard 2)")" = "$before2"
check "shard 2 untouched (bytes)" test "$(md5sum <"$(shard 2)")" = "$sum2"
check "lost shard 1 is back" test -f "$(shard 1)"
for k in 0 2; do
  check "resubmitted task $k's log: complete, nothing to do" \
    grep -q "shard-$k-of-3.h5 is complete; nothing to do" "$tmp/out/logs/cysim-study-${ARRAY}_$k.log"
done
check "resubmitted task 1's log: no such line (it ran)" \
  not grep -q "nothing to do" "$tmp/out/logs/cysim-study-${ARRAY}_1.log"
check "merged again equals the single-process run" same_as_single "$tmp/out/study.h5"

echo "Slurm part took $(($(date +%s) - t0)) s"
if [ $fail = 0 ]; then rm -rf "$tmp"; else
  show_logs
  echo "kept $tmp"
fi
exit $fail
