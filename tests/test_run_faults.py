"""test_run_faults.py: what a killed, crowded, full or tricked `cysim run`
leaves behind (the crash-safety promises of sim/io/h5io.h and the README).

Every case runs the real binary.  The reference is an uninterrupted run of
tests/data/io_long.cfg (2 points x 300 replications, a few seconds), made
with SOURCE_DATE_EPOCH fixed and the same command line as the faulty runs,
so that a recovered file must equal it byte for byte (`cmp`), not only in
its data.

 1. kill -9 at several moments of a run (and once more during its
    --resume): OUT.h5 never exists before completion; OUT.h5.partial always
    opens with h5py, and every run its /summary/status marks done holds
    exactly the reference's data in every dataset; --resume then writes
    the reference's bytes and removes the partial, lock and tmp files.
 2. Two concurrent `--force` runs on one path: one is refused at once
    (exit 1, "being written by another"), the existing OUT.h5 stays
    untouched until the other completes, and the result equals the
    reference's data.
 3. Disk full: a 3 MiB tmpfs (mounted by the test; where mounting is
    refused, `ulimit -f` with SIGXFSZ ignored): exit 1 with the system's
    reason, no crash, the partial file opens and its done runs are right;
    after making room, --resume completes it to the reference's data.
 4. Symbolic links: OUT.h5 as a link (to a file, or dangling) is refused
    without --force, and with --force replaced as a name, never written
    through; a link at OUT.h5.partial is refused; a link at OUT.h5.tmp is
    removed, its target untouched.
 5. SIGINT in the middle of one long replication exits 130 within a
    second; a second SIGINT during the stop exits at once.
 6. A leftover partial file is refused without --resume/--force (exit 2);
    --force starts over.
 7. --event-log: /events rows are in (point, replication, time) order and
    identical with -j 1, -j 2 and after a kill -9 and --resume.
"""
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time

import h5py
import numpy as np

from cytest import CYSIM, SRC, check
import cytest
LONG = os.path.join(SRC, "tests", "data", "io_long.cfg")
SMALL = os.path.join(SRC, "tests", "data", "io_small.cfg")
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")



def run(args, cwd, **kw):
    return cytest.run(args, cwd, env=ENV, **kw)


def start(args, cwd, **kw):
    return subprocess.Popen([CYSIM, "run"] + args, cwd=cwd, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def same_bytes(a, b):
    return subprocess.run(["cmp", "-s", a, b]).returncode == 0


def datasets(f):
    out = {}
    for g in ("summary", "timeseries"):
        if g in f:
            for k in f[g]:
                out[f"{g}/{k}"] = f[g][k][()]
    return out


def done_runs_match(partial, ref):
    """Every run the partial file marks done equals the reference's."""
    with h5py.File(partial, "r") as f, h5py.File(ref, "r") as r:
        st = f["summary/status"][()]
        if set(np.unique(st)) - {0, 1}:
            return -1, "status holds values other than 0 and 1"
        done = st.astype(bool)
        ref_ds = datasets(r)
        for name, a in datasets(f).items():
            # The group's coordinates and alliance_enabled are written with
            # the file: compared whole.
            if a.shape[:2] != st.shape:
                if not np.array_equal(a, ref_ds[name]):
                    return -1, f"{name} differs"
                continue
            if not np.array_equal(a[done], ref_ds[name][done]):
                return -1, f"{name} differs in a run marked done"
        return int(done.sum()), ""


def leftovers(d, out="out.h5"):
    return [s for s in (".partial", ".lock", ".tmp", ".partial.new", ".partial.events")
            if os.path.lexists(os.path.join(d, out + s))]


tmp = tempfile.mkdtemp(prefix="io_faults.", dir=os.environ.get("CYSIM_TEST_BIN"))
ref_dir = os.path.join(tmp, "ref")
os.mkdir(ref_dir)
t0 = time.monotonic()
r = run([LONG, "-o", "out.h5", "-q"], ref_dir)
ref_seconds = time.monotonic() - t0
REF = os.path.join(ref_dir, "out.h5")
check("reference run exits 0", r.returncode == 0, r.stderr)
check("reference run leaves only out.h5", leftovers(ref_dir) == [], leftovers(ref_dir))
print(f"reference run: {ref_seconds:.2f} s")

# 1. kill -9 at several moments, then --resume.
fractions = [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95]
for i, frac in enumerate(fractions):
    d = os.path.join(tmp, f"kill{i}")
    os.mkdir(d)
    p = start([LONG, "-o", "out.h5", "-q"], d)
    time.sleep(frac * ref_seconds)
    p.send_signal(signal.SIGKILL)
    p.wait()
    out, partial = os.path.join(d, "out.h5"), os.path.join(d, "out.h5.partial")
    if os.path.exists(out):
        # The kill came after the rename: then the file must be whole.
        check(f"kill at {frac:.0%}: out.h5 exists only complete and equal",
              same_bytes(out, REF))
        continue
    n_done = 0
    had_partial = os.path.exists(partial)
    if had_partial:
        n_done, why = done_runs_match(partial, REF)
        check(f"kill at {frac:.0%}: partial file opens, {n_done} done runs hold their data",
              n_done >= 0, why)
    # A second kill, during the resume, for half of the moments.
    if i % 2 == 1:
        p = start([LONG, "-o", "out.h5", "-q", "--resume"], d)
        time.sleep(0.3 * ref_seconds)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if os.path.exists(partial):
            n2, why = done_runs_match(partial, REF)
            check(f"kill at {frac:.0%}, then during --resume: done runs hold their data",
                  n2 >= 0 and n2 >= n_done, why or f"{n2} < {n_done}")
    r = run([LONG, "-o", "out.h5", "-q", "--resume"], d)
    check(f"kill at {frac:.0%}: --resume exits 0", r.returncode == 0, r.stderr)
    if had_partial:
        check(f"kill at {frac:.0%}: resumed file is byte-identical to the reference",
              same_bytes(out, REF))
    else:
        # Killed before the partial file had its name: --resume starts
        # afresh and records its own command line; the data must agree.
        with h5py.File(out, "r") as f, h5py.File(REF, "r") as rf:
            same = all(np.array_equal(v, datasets(rf)[k]) for k, v in datasets(f).items())
        check(f"kill at {frac:.0%} (before the partial file): fresh run equals the reference's data",
              same)
    check(f"kill at {frac:.0%}: no partial, lock or tmp file left", leftovers(d) == [],
          leftovers(d))

# 2. Two concurrent --force runs on one existing output.
d = os.path.join(tmp, "race")
os.mkdir(d)
shutil.copy(os.path.join(SRC, "tests", "data", "io_small.cfg"), d)
r = run([SMALL, "-o", "out.h5", "-q"], d)
before = open(os.path.join(d, "out.h5"), "rb").read()
a = start([LONG, "-o", "out.h5", "-q", "--force"], d)
time.sleep(0.2)
b = run([LONG, "-o", "out.h5", "-q", "--force"], d)
check("second concurrent --force run is refused with exit 1", b.returncode == 1,
      f"exit {b.returncode}: {b.stderr}")
check("... saying another process writes it", "being written by another" in b.stderr, b.stderr)
check("... while the existing out.h5 is untouched",
      open(os.path.join(d, "out.h5"), "rb").read() == before)
a.wait()
check("first --force run completes", a.returncode == 0, a.stderr.read())
with h5py.File(os.path.join(d, "out.h5"), "r") as f, h5py.File(REF, "r") as rf:
    same = all(np.array_equal(v, datasets(rf)[k]) for k, v in datasets(f).items())
check("the raced file equals the reference's data", same)
check("race: nothing left beside out.h5", leftovers(d) == [], leftovers(d))

# 3. Disk full.
d = os.path.join(tmp, "full")
os.mkdir(d)
mounted = False
if os.geteuid() == 0:
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", d],
                       capture_output=True, text=True)
    mounted = m.returncode == 0
    if not mounted:
        print(f"note: cannot mount a tmpfs ({m.stderr.strip()}); using ulimit -f")
else:
    print("note: not root; using ulimit -f instead of a small tmpfs")
try:
    if mounted:
        r = run([LONG, "-o", "out.h5", "-q"], d)
        reason = "No space left on device"
    else:
        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))
        r = run([LONG, "-o", "out.h5", "-q"], d, preexec_fn=limit)
        reason = "File too large"
    check("disk full: exit 1", r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
    check(f"disk full: the message gives the reason ({reason})", reason in r.stderr, r.stderr)
    check("disk full: one line, naming the file", r.stderr.count("\n") == 1 and "out.h5" in r.stderr,
          r.stderr)
    partial = os.path.join(d, "out.h5.partial")
    n_done = -1
    if os.path.exists(partial):
        n_done, why = done_runs_match(partial, REF)
        check(f"disk full: the partial file opens and its {n_done} done runs are right",
              n_done >= 0, why)
    check("disk full: no out.h5", not os.path.exists(os.path.join(d, "out.h5")))
    if mounted:
        subprocess.run(["mount", "-o", "remount,size=64m", d], check=True)
        r = run([LONG, "-o", "out.h5", "-q", "--resume"], d)
    else:
        r = run([LONG, "-o", "out.h5", "-q", "--resume"], d)
    check("disk full, then room: --resume exits 0", r.returncode == 0, r.stderr)
    check("disk full, then room: the file equals the reference byte for byte",
          same_bytes(os.path.join(d, "out.h5"), REF))
finally:
    if mounted:
        subprocess.run(["umount", d])

# 4. Symbolic links.
d = os.path.join(tmp, "links")
os.mkdir(d)
victim = os.path.join(d, "victim.txt")
with open(victim, "w") as f:
    f.write("precious\n")
os.symlink(victim, os.path.join(d, "out.h5"))
r = run([SMALL, "-o", "out.h5", "-q"], d)
check("link to a file at out.h5, no --force: exit 2", r.returncode == 2, r.stderr)
r = run([SMALL, "-o", "out.h5", "-q", "--force"], d)
check("link at out.h5 with --force: exit 0", r.returncode == 0, r.stderr)
check("... out.h5 is now a regular file", not os.path.islink(os.path.join(d, "out.h5")))
check("... the link's target is untouched", open(victim).read() == "precious\n")
os.remove(os.path.join(d, "out.h5"))
os.symlink(os.path.join(d, "nowhere.h5"), os.path.join(d, "out.h5"))
r = run([SMALL, "-o", "out.h5", "-q"], d)
check("dangling link at out.h5, no --force: exit 2", r.returncode == 2, r.stderr)
check("... its target is not created", not os.path.exists(os.path.join(d, "nowhere.h5")))
r = run([SMALL, "-o", "out.h5", "-q", "--force"], d)
check("dangling link with --force: exit 0, target still not created",
      r.returncode == 0 and not os.path.exists(os.path.join(d, "nowhere.h5")), r.stderr)
os.symlink(victim, os.path.join(d, "two.h5.partial"))
r = run([SMALL, "-o", "two.h5", "-q"], d)
check("link at OUT.h5.partial: exit 2, named", r.returncode == 2 and "two.h5.partial" in r.stderr,
      r.stderr)
check("... target untouched", open(victim).read() == "precious\n")
os.symlink(victim, os.path.join(d, "three.h5.tmp"))
r = run([SMALL, "-o", "three.h5", "-q"], d)
check("stale link at OUT.h5.tmp: removed, run exits 0", r.returncode == 0, r.stderr)
check("... target untouched", open(victim).read() == "precious\n")

# 5. SIGINT in the middle of one long replication; a second SIGINT.
d = os.path.join(tmp, "sigint")
os.mkdir(d)
cfg = os.path.join(d, "one_long.cfg")
with open(cfg, "w") as f:
    f.write('''scenario = { name = "one_long"; horizon = 36500.0; replications = 1; seed = 3L; };
states = ( { id = "A"; attack = { rate = 300.0; }; }, { id = "B"; attack = { rate = 300.0; }; },
           { id = "C"; attack = { rate = 300.0; }; } );
output = { timeseries = false; };
''')
p = start([cfg, "-o", "out.h5", "-j", "1"], d)
time.sleep(1.0)
t = time.monotonic()
p.send_signal(signal.SIGINT)
p.wait()
dt = time.monotonic() - t
check("SIGINT inside one long replication: exit 130", p.returncode == 130,
      f"exit {p.returncode}")
check(f"... within a second (took {dt:.2f} s)", dt < 1.0)
err = p.stderr.read()
check("... the message says --resume and names the partial file",
      "--resume" in err and "out.h5.partial" in err, err)
p = start([cfg, "-o", "again.h5", "-j", "1"], d)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
p.send_signal(signal.SIGINT)
t = time.monotonic()
p.wait()
check("two SIGINTs: exit 130 at once", p.returncode == 130 and time.monotonic() - t < 1.0,
      f"exit {p.returncode}")
with h5py.File(os.path.join(d, "again.h5.partial"), "r") as f:
    check("... and the partial file still opens", int(f["summary/status"][()].sum()) == 0)

# 6. A leftover partial file.
d = os.path.join(tmp, "leftover")
os.mkdir(d)
p = start([LONG, "-o", "out.h5", "-q"], d)
time.sleep(0.5 * ref_seconds)
p.send_signal(signal.SIGKILL)
p.wait()
r = run([LONG, "-o", "out.h5", "-q"], d)
check("leftover partial without --resume/--force: exit 2", r.returncode == 2, r.stderr)
check("... the message offers --resume and --force",
      "--resume" in r.stderr and "--force" in r.stderr, r.stderr)
r = run([LONG, "-o", "out.h5", "-q", "--force"], d)
check("--force starts over: exit 0", r.returncode == 0, r.stderr)
# Not the reference's bytes: command_line now says --force.
with h5py.File(os.path.join(d, "out.h5"), "r") as f, h5py.File(REF, "r") as rf:
    same = all(np.array_equal(v, datasets(rf)[k]) for k, v in datasets(f).items())
check("... and the reference's data", same)

# 7. The event log.
d = os.path.join(tmp, "events")
os.mkdir(d)
for j in ("1", "2"):
    r = run([SMALL, "-o", f"ev{j}.h5", "-q", "--event-log", "-j", j], d)
    check(f"--event-log -j {j}: exit 0", r.returncode == 0, r.stderr)
with h5py.File(os.path.join(d, "ev1.h5"), "r") as f1, h5py.File(os.path.join(d, "ev2.h5"), "r") as f2:
    cols = ["point", "replication", "time", "value", "kind", "optype", "attacker", "target",
            "blamed", "other"]
    same = all(np.array_equal(f1["events"][c][()], f2["events"][c][()]) for c in cols)
    check("/events identical with -j 1 and -j 2", same)
    pt, rp, tm = (f1["events"][c][()] for c in ("point", "replication", "time"))
    order = np.lexsort((tm, rp, pt))
    check("/events rows in (point, replication, time) order",
          len(pt) > 0 and np.array_equal(order, np.arange(len(pt))), f"{len(pt)} rows")
    n_runs = f1["summary/status"][()].size
    runs = set(zip(f1["events/point"][()].tolist(), f1["events/replication"][()].tolist()))
    check("/events has rows of every run", len(runs) == n_runs, f"{len(runs)} of {n_runs}")
p = start([LONG, "-o", "evk.h5", "-q", "--event-log", "-j", "2"], d)
time.sleep(0.5 * ref_seconds)
p.send_signal(signal.SIGKILL)
p.wait()
r = run([LONG, "-o", "evk.h5", "-q", "--event-log", "-j", "2", "--resume"], d)
r2 = run([LONG, "-o", "evf.h5", "-q", "--event-log", "-j", "2"], d)
check("--event-log killed and resumed: exit 0", r.returncode == 0 and r2.returncode == 0,
      r.stderr + r2.stderr)
with h5py.File(os.path.join(d, "evk.h5"), "r") as fk, h5py.File(os.path.join(d, "evf.h5"), "r") as ff:
    same = all(np.array_equal(fk["events"][c][()], ff["events"][c][()]) for c in cols)
    check("... /events equal an uninterrupted run's", same)

cytest.finish(tmp)
