"""test_run_resume_bad.py: `cysim run --resume` on damaged, foreign or
tampered partial files (and event journals).

Each case copies one real partial file (an interrupted run of
tests/data/io_long.cfg; for the journal cases, a killed run with
--event-log), damages the copy one way, and
asserts that --resume refuses it with exit 2 and a message naming the file
and the problem, that it does not crash (exit >= 128) and that it leaves
the damaged file byte for byte as it was (never "repaired" into something
silently wrong).  A last case checks that the undamaged copy does resume.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import h5py
import numpy as np

from cytest import CYSIM, SRC, check, finish, run
CFG = os.path.join(SRC, "tests", "data", "io_long.cfg")
ARGS = [CFG, "-o", "out.h5", "-q"]
# Event logs of io_long are large (1.4 MB a run): 20 replications.
EVARGS = [CFG, "-o", "out.h5", "-q", "--event-log", "-n", "20"]





def digest(path):
    if os.path.isdir(path) or not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


tmp = tempfile.mkdtemp(prefix="resume_bad.", dir=os.environ.get("CYSIM_TEST_BIN"))
base = os.path.join(tmp, "base")
os.mkdir(base)
# A partial file with some runs done: stop the run with SIGINT once its
# partial file shows a done run.  Not after a fixed sleep: on a loaded
# machine, under ASan, 1.5 s was once not enough for a single run.  The
# partial file's metadata never changes after creation (sim/MODEL.md,
# "Crash safety"), so reading it while the run writes is safe; HDF5's file
# lock, which would keep it unreadable, is off for this process only.
p = subprocess.Popen([CYSIM, "run"] + ARGS + ["-j", "1"], cwd=base,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
partial = os.path.join(base, "out.h5.partial")


def done_runs(path):
    os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"
    try:
        with h5py.File(path, "r") as f:
            return int(f["summary/status"][()].sum())
    except (OSError, KeyError):
        return 0
    finally:
        del os.environ["HDF5_USE_FILE_LOCKING"]


deadline = time.monotonic() + 120
while time.monotonic() < deadline and p.poll() is None and done_runs(partial) == 0:
    time.sleep(0.05)
p.send_signal(signal.SIGINT)
p.wait()
check("base: interrupted run exits 130", p.returncode == 130, str(p.returncode))
with h5py.File(partial, "r") as f:
    n_done = int(f["summary/status"][()].sum())
check("base: the partial file has done and missing runs", 0 < n_done < 600, str(n_done))

# With --event-log: killed as soon as its partial file and journal exist.
evbase = os.path.join(tmp, "evbase")
os.mkdir(evbase)
p = subprocess.Popen([CYSIM, "run"] + EVARGS + ["-j", "1"], cwd=evbase,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 30
while time.monotonic() < deadline and not os.path.exists(
        os.path.join(evbase, "out.h5.partial.events")):
    time.sleep(0.001)
p.send_signal(signal.SIGKILL)
p.wait()
check("evbase: killed before completing, journal made",
      os.path.exists(os.path.join(evbase, "out.h5.partial.events"))
      and not os.path.exists(os.path.join(evbase, "out.h5")))


def h5edit(fn):
    def apply(d):
        with h5py.File(os.path.join(d, "out.h5.partial"), "r+") as f:
            fn(f)
    return apply


def replace_ds(name, make):
    def fn(f):
        old = f[name][()]
        del f[name]
        make(f, name, old)
    return h5edit(fn)


def write_bytes(data):
    def apply(d):
        with open(os.path.join(d, "out.h5.partial"), "wb") as f:
            f.write(data)
    return apply


def truncate_to(frac):
    def apply(d):
        path = os.path.join(d, "out.h5.partial")
        os.truncate(path, int(os.path.getsize(path) * frac))
    return apply


def foreign(d):
    path = os.path.join(d, "out.h5.partial")
    os.remove(path)
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)


def as_dir(d):
    path = os.path.join(d, "out.h5.partial")
    os.remove(path)
    os.mkdir(path)


def as_link(d):
    path = os.path.join(d, "out.h5.partial")
    os.rename(path, os.path.join(d, "elsewhere.h5"))
    os.symlink(os.path.join(d, "elsewhere.h5"), path)


def set_status(v):
    def fn(f):
        s = f["summary/status"][()]
        s[0, 0] = v
        f["summary/status"][...] = s
    return h5edit(fn)


def journal(fn):
    def apply(d):
        fn(os.path.join(d, "out.h5.partial.events"))
    return apply


def write_journal(data):
    def fn(path):
        with open(path, "wb") as f:
            f.write(data)
    return journal(fn)


def attr(name, value):
    return h5edit(lambda f: f.attrs.__setitem__(name, value))


def as_v1(f):
    f.attrs["format_version"] = np.int32(1)
    for name in ("summary/fear_final", "summary/alliance_enabled", "time_bounds"):
        if name in f:
            del f[name]


def del_attr(name):
    return h5edit(lambda f: f.attrs.__delitem__(name))


cases = [
    ("zero bytes", write_bytes(b""), "the file is empty"),
    ("a text file", write_bytes(b"hello, not hdf5\n" * 100), "not an HDF5 file"),
    ("truncated to half", truncate_to(0.5), "damaged or truncated"),
    ("truncated to 1 KiB", truncate_to(1024 / 6e6), "damaged or truncated"),
    ("a foreign HDF5 file", foreign, "not a cysim output file"),
    ("a directory", as_dir, "not a regular file"),
    ("a symbolic link", as_link, "not a regular file"),
    ("format = other", attr("format", "netcdf"), "not a cysim output file"),
    # A version 1 partial file (what an older cysim leaves: no v2 datasets)
    # is refused naming both versions; only version 2 files are continued.
    ("a format version 1 file", h5edit(as_v1),
     "the file is format version 1, this cysim continues only format version 2"),
    ("format_version 3", attr("format_version", np.int32(3)), "format_version"),
    ("format_version 0", attr("format_version", np.int32(0)), "format_version"),
    ("format_version a string", attr("format_version", "1"), "format_version"),
    ("format_version missing", del_attr("format_version"), "format_version"),
    ("another seed", attr("seed", np.int64(99)), "seed"),
    ("created missing", del_attr("created"), "created"),
    ("status value 2", set_status(2), "expected 0 (missing) or 1 (done)"),
    ("status value 255", set_status(255), "expected 0 (missing) or 1 (done)"),
    ("status missing", h5edit(lambda f: f.__delitem__("summary/status")), "/summary/status"),
    ("ops missing", h5edit(lambda f: f.__delitem__("summary/ops")), "summary/ops"),
    ("ops chunked", replace_ds("summary/ops", lambda f, n, o: f.create_dataset(n, data=o, chunks=True)),
     "summary/ops is not the dataset"),
    ("ops compressed", replace_ds("summary/ops", lambda f, n, o: f.create_dataset(n, data=o, compression="gzip")),
     "summary/ops is not the dataset"),
    ("ops of another shape", replace_ds("summary/ops", lambda f, n, o: f.create_dataset(n, data=o[:, :, :2, :2])),
     "/summary/ops has shape [2,300,2,2], expected [2,300,4,4]"),
    ("ops as float64", replace_ds("summary/ops", lambda f, n, o: f.create_dataset(n, data=o.astype("f8"))),
     "/summary/ops is a float, expected an integer"),
    ("ops big-endian", replace_ds("summary/ops", lambda f, n, o: f.create_dataset(n, data=o.astype(">u4"))),
     "summary/ops is not the dataset"),
    ("timeseries/ops rank 4", replace_ds("timeseries/ops", lambda f, n, o: f.create_dataset(n, data=o[:, :, 0])),
     "/timeseries/ops has shape [2,300,4,4], expected [2,300,122,4,4]"),
    ("damage as int", replace_ds("summary/damage", lambda f, n, o: f.create_dataset(n, data=o.astype("i8"))),
     "/summary/damage is a signed integer, expected a float"),
    ("replication scale shorter", replace_ds("replication", lambda f, n, o: f.create_dataset(n, data=o[:-1])),
     "replication"),
    ("state scale longer", replace_ds("state", lambda f, n, o: f.create_dataset(n, data=np.concatenate([o, o[:1]]))),
     "state"),
    ("scenario text altered", h5edit(lambda f: f["provenance/scenario_text"].__setitem__(
        (), f["provenance/scenario_text"][()].replace(b"300", b"301"))),
     "another scenario text"),
    ("scenario text variable-length", replace_ds("provenance/scenario_text",
                                                 lambda f, n, o: f.create_dataset(n, data=o.decode(), dtype=h5py.string_dtype())),
     "scenario_text"),
    ("provenance missing", h5edit(lambda f: f.__delitem__("provenance")), "/provenance"),
    ("other --set overrides", h5edit(lambda f: f["provenance"].attrs.__setitem__("overrides", "a=1")),
     "other --set"),
    ("event_log flag on", h5edit(lambda f: f["provenance"].attrs.__setitem__("event_log", np.int32(1))),
     "event_log"),
]
journal_cases = [
    ("journal missing", journal(os.remove), "event journal is missing"),
    ("journal not a journal", write_journal(b"garbage garbage garbage"), "not a cysim event journal"),
    ("journal empty", write_journal(b""), "not a cysim event journal"),
    ("journal a directory", journal(lambda p: (os.remove(p), os.mkdir(p))), "not a regular file"),
    ("journal a link", journal(lambda p: (os.rename(p, p + ".x"), os.symlink(p + ".x", p))),
     "not a regular file"),
    ("journal of another version", write_journal(b"CYSIMEVJ\x02\x00\x00\x00\x1c\x00\x00\x00"),
     "not a cysim event journal"),
]

for name, damage, fragment, src, args in (
        [c + (base, ARGS) for c in cases] + [c + (evbase, EVARGS) for c in journal_cases]):
    d = os.path.join(tmp, "case_" + "".join(c if c.isalnum() else "_" for c in name))
    shutil.copytree(src, d, symlinks=True)
    damage(d)
    before = digest(os.path.join(d, "out.h5.partial"))
    jbefore = digest(os.path.join(d, "out.h5.partial.events"))
    r = run(args + ["--resume"], d)
    err = r.stderr.strip()
    check(f"{name}: exit 2", r.returncode == 2, f"exit {r.returncode}: {err}")
    check(f"{name}: message says '{fragment}'", fragment in err, err)
    check(f"{name}: one line naming the file", err.count("\n") == 0 and "out.h5.partial" in err, err)
    check(f"{name}: partial file and journal left as they were",
          digest(os.path.join(d, "out.h5.partial")) == before
          and digest(os.path.join(d, "out.h5.partial.events")) == jbefore)
    check(f"{name}: no out.h5", not os.path.exists(os.path.join(d, "out.h5")))

# A torn journal tail (a record cut short) is dropped, not refused.
d = os.path.join(tmp, "torn_journal")
shutil.copytree(evbase, d)
with open(os.path.join(d, "out.h5.partial.events"), "ab") as f:
    f.write(b"CEVR" + b"\x00" * 9)
r = run(EVARGS + ["--resume"], d)
check("torn journal tail: --resume exits 0", r.returncode == 0, r.stderr)
evref = os.path.join(tmp, "evref")
os.mkdir(evref)
r = run(EVARGS, evref)
with h5py.File(os.path.join(d, "out.h5"), "r") as a, h5py.File(os.path.join(evref, "out.h5"), "r") as b:
    check("torn journal tail: /events equal an uninterrupted run's", all(
        np.array_equal(a["events"][k][()], b["events"][k][()]) for k in b["events"]))

# The undamaged copy resumes, to the data of an uninterrupted run.
d = os.path.join(tmp, "intact")
shutil.copytree(base, d)
r = run(ARGS + ["--resume"], d)
check("intact partial: --resume exits 0", r.returncode == 0, r.stderr)
ref = os.path.join(tmp, "ref")
os.mkdir(ref)
r = run(ARGS, ref)
with h5py.File(os.path.join(d, "out.h5"), "r") as a, h5py.File(os.path.join(ref, "out.h5"), "r") as b:
    names = [f"summary/{k}" for k in b["summary"]] + ["timeseries/ops"]
    bad = [n for n in names if not np.array_equal(a[n][()], b[n][()])]
check("intact partial: resumed data equal an uninterrupted run's", not bad, bad)

print(f"{len(cases) + len(journal_cases)} damaged partial files and journals")
finish(tmp)
