"""cytest.py: what the Python tests share (not a test itself).

A `check` that counts failures, `run` for the cysim binary of the build
under test (CYSIM), and `finish`, which keeps the scratch directory of a
failed test for inspection and sets the exit status.
"""
import os
import shutil
import subprocess
import sys

CYSIM = os.environ["CYSIM"]
SRC = os.environ["CYSIM_SOURCE_DIR"]

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok: " if ok else "FAILED: ") + what + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures += 1


def run(args, cwd, env=None, **kw):
    """`cysim run ARGS` in cwd, its output captured as text."""
    return subprocess.run([CYSIM, "run"] + args, cwd=cwd, env=env, capture_output=True,
                          text=True, **kw)


def same_values(x, y):
    """Whether two arrays h5py read are the same data: equal bytes, dtype and
    shape for numbers (so NaN fill values compare equal too), equal text for
    strings, which h5py reads as objects."""
    if x.dtype.kind == "O" or y.dtype.kind == "O":
        return x.shape == y.shape and list(x.ravel()) == list(y.ravel())
    return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


def kill_when_done(cmd, cwd, partial, runs, timeout=120, poll=0.05):
    """Starts cmd (a cysim run) in cwd and SIGKILLs it as soon as its partial
    file marks `runs` runs done (the writer checkpoints every 0.5 s), or at
    the timeout.  Returns (runs seen done, whether the partial file is
    there, the exit status).  The caller must have set
    HDF5_USE_FILE_LOCKING=FALSE before importing h5py, to read a file
    another process has open."""
    import signal
    import time

    import h5py

    p = subprocess.Popen(cmd, cwd=cwd)
    done, deadline = 0, time.time() + timeout
    while time.time() < deadline and p.poll() is None and done < runs:
        time.sleep(poll)
        try:
            with h5py.File(os.path.join(cwd, partial), "r") as f:
                done = int(f["summary/status"][()].sum())
        except (OSError, KeyError):
            pass  # not there yet, or caught between two writes
    p.send_signal(signal.SIGKILL)
    p.wait()
    return done, os.path.exists(os.path.join(cwd, partial)), p.returncode


def finish(tmp):
    if failures:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp)
    print(f"{failures} failed" if failures else "all passed")
    sys.exit(1 if failures else 0)
