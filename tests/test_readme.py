"""test_readme.py: README.md's commands and code, run as written.

README.md's code blocks are what a new user types, so they are extracted
from the file and run here, and the documentation cannot drift from the
program:
 1. cysim is installed into a scratch prefix (`cmake --install BUILD
    --prefix P`, the README's "Install") and only P/bin is put on the PATH,
    so the tour uses the installed program, not the build tree's.  A build
    without install rules (CYSIM_INSTALL=OFF) puts the build's cysim there.
 2. "A short tour": its ```sh block runs in a folder whose scenarios/ and
    analysis/ are the source's, as from the repository's folder; it must
    exit 0 and leave the files it names (pact.h5, pact.csv, paired.png).
 3. "Reading the results": its ```python blocks run in order as one script
    on the tour's pact.h5 and pact.csv; the printed dimension names and
    the mean RU -> CN operations per point are checked against h5py's
    reading of the same file (the xarray snippet's numbers); its ```r block
    runs with Rscript and prints the same means (R's aggregate), to the
    digits R prints.
 4. "Running on a cluster": the shell loop's ```sh block runs on a small
    study (tests/data/io_small.cfg as study.cfg) and its merge equals a
    single-process run's data (h5py, every /summary dataset).
Every block of those sections runs: a new block there is run too, and a
section that lost its blocks fails the test.
"""
import os
import re
import shutil
import subprocess
import tempfile

import h5py
import numpy as np

from cytest import CYSIM, SRC, check, finish, same_values

BUILD = os.environ["CYSIM_BINARY_DIR"]
tmp = tempfile.mkdtemp(prefix="readme.", dir=os.environ.get("CYSIM_TEST_BIN"))
with open(os.path.join(SRC, "README.md")) as f:
    readme = f.read()


def section(title):
    """The text of README's section `## title`, to the next `## `."""
    m = re.search(r"^## " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    return m.group(1) if m else ""


def blocks(text, lang):
    return re.findall(r"^```" + lang + r"\n(.*?)^```", text, re.S | re.M)


# 1. Install as the README says, and put only the prefix's bin first.
prefix = os.path.join(tmp, "prefix")
cache = open(os.path.join(BUILD, "CMakeCache.txt")).read()
if "CYSIM_INSTALL:BOOL=ON" in cache:
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix],
                       capture_output=True, text=True)
    check("cmake --install BUILD --prefix P", r.returncode == 0, r.stderr)
    bindir = os.path.join(prefix, "bin")
else:
    bindir = os.path.dirname(CYSIM)
check("cysim is on the PATH from the prefix", os.access(os.path.join(bindir, "cysim"), os.X_OK))
env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])


def workdir(name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    for sub in ("scenarios", "analysis"):
        os.symlink(os.path.join(SRC, sub), os.path.join(d, sub))
    return d


def sh(script, cwd):
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True)


# 2. The tour.
tour = blocks(section("A short tour"), "sh")
check("the tour has one sh block", len(tour) == 1)
work = workdir("tour")
r = sh("".join(tour), work)
check("the tour runs as written", r.returncode == 0, r.stderr[-2000:])
for name in ("pact.h5", "pact.csv", "paired.png"):
    check(f"the tour leaves {name}", os.path.getsize(os.path.join(work, name)) > 0
          if os.path.exists(os.path.join(work, name)) else False)
check("the tour's report names its points", "== point 6:" in r.stdout)

# 3. Reading the results: Python, then R, on the tour's files.
reading = section("Reading the results")
py, rr = blocks(reading, "python"), blocks(reading, "r")
check(f"Reading the results: {len(py)} python blocks, {len(rr)} r block", len(py) == 3
      and len(rr) == 1)
with h5py.File(os.path.join(work, "pact.h5"), "r") as f:
    states = [s.decode() for s in f["state"][()]]
    ops = f["summary/ops"][:, :, states.index("RU"), states.index("CN")]
    means = ops.mean(axis=1)
r = subprocess.run(["/usr/bin/python3", "-c", "\n".join(py)], cwd=work, env=env,
                   capture_output=True, text=True)
check("the python snippets run", r.returncode == 0, r.stderr[-2000:])
check("xarray names the dimensions",
      "('point', 'replication', 'attacker', 'target')" in r.stdout, r.stdout[:300])
m = re.search(r"^\[([0-9. \n]+)\]", r.stdout, re.M)
got = np.array(m.group(1).split(), dtype=float) if m else np.array([])
check(f"xarray's RU -> CN means are h5py's ({means.round(3).tolist()})",
      got.shape == means.shape and np.allclose(got, means, rtol=1e-6), r.stdout[:500])


def half_ulp7(x):
    """Half a unit in the 7th significant digit of x: R prints 7."""
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(x))) - 6) if x else 0.0


if shutil.which("Rscript"):
    r = subprocess.run(["Rscript", "-e", "".join(rr)], cwd=work, env=env,
                       capture_output=True, text=True)
    check("the R snippet runs", r.returncode == 0, r.stderr[-2000:])
    rows = re.findall(r"^\s*\d+\s+(\d+)\s+([0-9.]+)\s*$", r.stdout, re.M)
    got = {int(p): float(v) for p, v in rows}
    check("R's RU -> CN means are h5py's (7 significant digits, as R prints)",
          sorted(got) == list(range(len(means)))
          and all(abs(got[p] - means[p]) <= half_ulp7(means[p]) for p in got), r.stdout[-500:])
else:
    check("Rscript is installed (make deps installs r-base-core)", False)

# 4. The cluster section's shell loop, on a small study.
loop = blocks(section("Running on a cluster"), "sh")
check("Running on a cluster has one sh block", len(loop) == 1)
work = workdir("loop")
shutil.copy(os.path.join(SRC, "tests", "data", "io_small.cfg"), os.path.join(work, "study.cfg"))
r = sh("".join(loop), work)
check("the shell loop and merge run as written", r.returncode == 0, r.stderr[-2000:])
one = subprocess.run([CYSIM, "run", "study.cfg", "-o", "one.h5", "-q"], cwd=work,
                     capture_output=True, text=True)
check("a single-process run of study.cfg", one.returncode == 0, one.stderr)


same = os.path.exists(os.path.join(work, "study.h5"))
if same:
    with h5py.File(os.path.join(work, "study.h5"), "r") as a, \
            h5py.File(os.path.join(work, "one.h5"), "r") as b:
        same = a.attrs["complete"] == 1 and sorted(a["summary"]) == sorted(b["summary"]) \
            and all(same_values(a["summary"][k][()], b["summary"][k][()])
                    for k in b["summary"])
check("the merged shards equal the single run (/summary)", same)

finish(tmp)
