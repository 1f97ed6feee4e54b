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


def finish(tmp):
    if failures:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp)
    print(f"{failures} failed" if failures else "all passed")
    sys.exit(1 if failures else 0)
