#!/bin/bash
# tests/cluster/slurm.sh: a private, throw-away, single-node Slurm for tests.
#
#   source tests/cluster/slurm.sh
#   slurm_up || exit 1     # munged + slurmctld + slurmd, node idle
#   sbatch ...             # SLURM_CONF points at the private cluster
#   slurm_down             # kills what slurm_up started, removes its dir
#
# Everything lives under one temporary directory (SLURM_TEST_DIR): munge's
# key, socket, pid, seed and log; slurm.conf; slurmctld's state; slurmd's
# spool; both daemons' pid files and logs.  Nothing under /etc, /run or /var
# is read or written, the system's munged/slurmd (if any) are not touched,
# and the ports are picked free, so it can run beside a real Slurm or another
# copy of itself.  It needs root: slurmd must be able to start job steps as
# the submitting user, and munged checks its files' ownership.
#
# slurm_down stops only the processes slurm_up started, by the PIDs it
# recorded (never pkill by name: a CI machine may run other daemons of the
# same name).  Call it from an EXIT trap.
#
# Settings: SLURM_TEST_TIMEOUT (seconds to wait for the node, default 60),
# SLURM_TEST_KEEP=1 keeps the directory (for debugging).
#
# Functions and globals are prefixed slurm_ / SLURM_TEST_ so that the script
# can be sourced by a test without clashing with its names.

SLURM_TEST_DIR=""
SLURM_TEST_PIDS=()

# slurm_free_port: prints a TCP port that nothing listens on now (the kernel
# picks it for a socket bound to port 0, which is then closed).  Another
# process could take it before slurmctld does; the wait in slurm_up would then
# time out with the bind error in the printed log.
slurm_free_port() {
  /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# slurm_logs: prints every log of the private cluster (for a failure report).
slurm_logs() {
  local f
  [ -n "$SLURM_TEST_DIR" ] || return 0
  for f in "$SLURM_TEST_DIR"/log/*; do
    [ -f "$f" ] || continue
    echo "----- $f (last 40 lines)"
    tail -n 40 "$f"
  done
}

# slurm_write_conf DIR CTLD_PORT SLURMD_PORT: writes DIR/etc/slurm.conf and
# DIR/etc/cgroup.conf.
slurm_write_conf() {
  local d=$1 cport=$2 dport=$3 host cpus
  host=$(hostname -s 2>/dev/null || hostname)
  cpus=$(nproc)
  cat >"$d/etc/slurm.conf" <<EOF
# Written by tests/cluster/slurm.sh for a private single-node test cluster.
ClusterName=cysimtest
# The controller recognises itself by its short host name; the address makes
# every daemon and client talk over loopback only.
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
# Root runs everything: there is no "slurm" user on a CI machine, and slurmd
# must be root anyway to run jobs as their submitter.
SlurmUser=root
SlurmdUser=root
# munge, but the private munged: clients (sbatch, squeue) and daemons read the
# socket from here, so none of them needs /run/munge.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: a container may have neither a writable cgroup tree nor systemd
# to delegate one.  linuxproc tracks a job's processes through /proc
# (parent links), task/none binds nothing, and job accounting gathers nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd and no job completion log: tests read job states from scontrol
# while the jobs are still in slurmctld's memory (MinJobAge below).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# The default, /usr/bin/mail, is not installed here; no job asks for mail.
MailProg=/bin/true
# Finished jobs stay visible to scontrol/squeue for 10 minutes, longer than a
# test runs.
MinJobAge=600
# A node that was DOWN (a previous slurmd was killed) comes back by itself
# when its slurmd registers.
ReturnToService=2
# Consumable cores: each task of an array holds --cpus-per-task cores, so the
# array runs nproc tasks at a time, as it would on a real node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Only CPUs is configured (nproc, which a cpuset or affinity mask may make
# smaller than what slurmd's hwloc finds): slurmd reports the configured
# values, so the node is never drained over a layout mismatch.
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # Read only if a cgroup plugin is loaded (none is above); written so that a
  # system-wide /etc/slurm/cgroup.conf is never consulted.
  printf 'CgroupPlugin=autodetect\nIgnoreSystemd=yes\n' >"$d/etc/cgroup.conf"
}

# slurm_start NAME COMMAND...: starts COMMAND in the background (each daemon
# in its foreground mode, so that $! is the daemon itself), stdout and stderr
# to log/NAME.out, and records its PID.
slurm_start() {
  local name=$1
  shift
  "$@" </dev/null >"$SLURM_TEST_DIR/log/$name.out" 2>&1 &
  SLURM_TEST_PIDS+=($!)
  echo "$!" >"$SLURM_TEST_DIR/run/$name.started"
}

# slurm_wait SECONDS WHAT COMMAND...: runs COMMAND every 0.5 s until it
# succeeds (returns 0), or SECONDS pass or a daemon slurm_up started has
# exited (returns 1 naming WHAT).
slurm_wait() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! slurm_started_alive; then
      echo "slurm.sh: a daemon exited while waiting for $what" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "slurm.sh: $what did not happen within $limit s" >&2
  return 1
}

slurm_node_idle() {
  [ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ]
}

slurm_no_jobs() {
  ! squeue -h -t all -o '%i %T' 2>/dev/null |
    grep -Evq 'COMPLETED|CANCELLED|FAILED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE'
}

slurm_started_alive() {
  local p
  for p in "${SLURM_TEST_PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || return 1
  done
}

# slurm_up: starts the private cluster, exports SLURM_CONF, waits until the
# node is idle.  Returns 1 (logs printed, everything stopped) on failure.
slurm_up() {
  local timeout=${SLURM_TEST_TIMEOUT:-60} d cport dport
  if [ "$(id -u)" != 0 ]; then
    echo "slurm.sh: needs root" >&2
    return 1
  fi
  local b
  for b in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
    command -v "$b" >/dev/null || {
      echo "slurm.sh: $b not found (make deps installs slurm-wlm and munge)" >&2
      return 1
    }
  done
  # /tmp rather than $TMPDIR: munge's socket path must fit in a sun_path
  # (108 bytes).
  d=$(mktemp -d /tmp/cysim-slurm.XXXXXX) || return 1
  SLURM_TEST_DIR=$d
  SLURM_TEST_PIDS=()
  mkdir -p "$d"/{etc,munge,state,spool,run,log}
  # munged wants its socket's directory (and those above it) searchable by
  # everyone, since any user's sbatch talks to it, and writable by no one
  # else; the key file itself is 0400.
  chmod 755 "$d" "$d"/munge

  # Inherited variables of an enclosing job (a test run inside a Slurm
  # allocation) would leak into the private cluster's jobs and commands.
  local v
  for v in $(compgen -e | grep '^SLURM_'); do unset "$v"; done

  mungekey --create --keyfile="$d/munge/munge.key" >"$d/log/mungekey.out" 2>&1 || {
    slurm_logs
    slurm_down
    return 1
  }
  chmod 400 "$d/munge/munge.key"
  slurm_start munged munged --foreground --socket="$d/munge/munge.socket" \
    --key-file="$d/munge/munge.key" --pid-file="$d/run/munged.pid" \
    --log-file="$d/log/munged.log" --seed-file="$d/munge/munged.seed"
  if ! slurm_wait "$timeout" "munged's socket" test -S "$d/munge/munge.socket"; then
    slurm_logs
    slurm_down
    return 1
  fi

  cport=$(slurm_free_port) && dport=$(slurm_free_port) || return 1
  [ "$cport" != "$dport" ] || dport=$(slurm_free_port)
  slurm_write_conf "$d" "$cport" "$dport"
  export SLURM_CONF=$d/etc/slurm.conf
  # -D: stay in the foreground (our PID is the daemon's); -i: ignore state
  # left by a previous run (there is none: the directory is new).
  slurm_start slurmctld slurmctld -D -i -f "$SLURM_CONF"
  if ! slurm_wait "$timeout" "slurmctld answering" scontrol ping; then
    slurm_logs
    slurm_down
    return 1
  fi
  slurm_start slurmd slurmd -D -f "$SLURM_CONF"
  if ! slurm_wait "$timeout" "the node becoming idle" slurm_node_idle ||
    ! slurm_started_alive; then
    sinfo -N -l >&2
    slurm_logs
    slurm_down
    return 1
  fi
  echo "slurm.sh: private Slurm up in $d (ports $cport, $dport; pids ${SLURM_TEST_PIDS[*]})"
}

# slurm_down: cancels remaining jobs, stops the daemons slurm_up started (by
# PID: TERM, then KILL after 10 s), and removes the directory.
slurm_down() {
  local p i alive
  if [ ${#SLURM_TEST_PIDS[@]} -gt 0 ] && [ -n "${SLURM_CONF:-}" ] &&
    [ "${SLURM_CONF#"$SLURM_TEST_DIR"}" != "$SLURM_CONF" ]; then
    # A job still running when slurmd stops would leave its slurmstepd (not
    # ours to kill by PID: slurmd double-forks it) running: cancel every job
    # of this private cluster and wait until none is left.
    scancel --quiet --full --user=root >/dev/null 2>&1
    slurm_wait 30 "every job ending" slurm_no_jobs
  fi
  # Reverse start order: slurmd, slurmctld, munged.
  for ((i = ${#SLURM_TEST_PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${SLURM_TEST_PIDS[i]}" 2>/dev/null
  done
  for ((i = 0; i < 20; i++)); do
    alive=0
    for p in "${SLURM_TEST_PIDS[@]}"; do
      kill -0 "$p" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for p in "${SLURM_TEST_PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null && echo "slurm.sh: killed $p after 10 s" >&2
    wait "$p" 2>/dev/null
  done
  SLURM_TEST_PIDS=()
  if [ -n "$SLURM_TEST_DIR" ] && [ "${SLURM_TEST_KEEP:-0}" != 1 ]; then
    rm -rf "$SLURM_TEST_DIR"
  fi
  SLURM_TEST_DIR=""
  unset SLURM_CONF
}
