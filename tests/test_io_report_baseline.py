"""test_io_report_baseline.py: `cysim report --baseline P` and the report's
intervals, against values computed here from the HDF5 file.

Runs tests/data/report_baseline.cfg (3 points x 30 replications, AA's
operations rare), then edits copies of the file with h5py:
  * rare.h5: at point 0, dyad AA->BB gets 29 zero counts and one 2
    (operations) or 1 (successes, attributions), so its t intervals reach
    below 0 whatever the model computes: mean 1/30 = 0.0333, s = 0.1826,
    t_{0.975, 29} * s / sqrt(30) = 0.068 > 0.0333 (and likewise for 2/30);
    and the damage CC suffers is 0 but in three runs (0.0123, 0.0456,
    0.0789: mean 0.00456, t half-width 0.0061, so again the bootstrap);
  * holes.h5: status 0 (not done) at (point 0, replication 3) and (1, 5),
    so the pairs with baseline 1 are over 28 and 29 replications.
For every point it checks each printed figure (levels, and with --baseline
the paired differences) against an independent reimplementation of
sim/MODEL.md "Intervals" (plain Python integers for splitmix64, scipy for
the t quantile), to the printed digits (%.4g), and checks that
analysis/cysim.py's interval() and paired_interval() give the same numbers.  No
level's lower bound is negative, and the rare case uses the bootstrap.
Bad --baseline values exit 2 with a clear message and print nothing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from scipy.stats import t as student_t

sys.path.insert(0, os.path.dirname(__file__))
from cytest import CYSIM, SRC, check, finish  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "analysis"))
import cysim  # noqa: E402

MASK = 2**64 - 1


def splitmix64_stream(seed):
    """splitmix64 as sim/MODEL.md "Intervals" states it, one output at a
    time, in Python integers."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


_boot_cache = {}


def bootstrap(x):
    """1999 resamples; index ((draw >> 32) * n) >> 32; means summed in draw
    order; the 50th and 1950th smallest."""
    key = tuple(x)
    if key not in _boot_cache:
        n = len(x)
        draws = splitmix64_stream(0)
        means = []
        for _ in range(1999):
            s = 0.0
            for _ in range(n):
                s += x[((next(draws) >> 32) * n) >> 32]
            means.append(s / n)
        means.sort()
        _boot_cache[key] = (means[49], means[1949])
    return _boot_cache[key]


def interval(x, nonneg):
    """(mean, lo, hi, method) of the values x as MODEL.md states it."""
    x = [float(v) for v in x]
    n = len(x)
    s = 0.0
    for v in x:
        s += v
    mean = s / n
    sd = (sum((v - mean) ** 2 for v in x) / (n - 1)) ** 0.5
    half = student_t.ppf(0.975, n - 1) * sd / n**0.5
    if nonneg and mean - half < 0:
        return (mean, *bootstrap(x), "bootstrap")
    return (mean, mean - half, mean + half, "t")


def g4(v):
    return "%.4g" % v


def run(*args):
    return subprocess.run([CYSIM, *args], capture_output=True, text=True)


CELL = re.compile(r"(\S+) +\[(\S+), (\S+)\]")


def parse_section(text):
    """{row label: [(mean, lo, hi) strings per cell]} of a report section."""
    rows = {}
    for line in text.splitlines():
        cells = CELL.findall(line)
        if cells and not line.startswith(" "):
            rows[line.split()[0]] = cells
    return rows


def parse_report(text):
    """[(own rows, paired rows or None, title)] per point."""
    points = []
    for block in text.split("\n== point ")[1:]:
        title = block.splitlines()[0]
        own, _, vs = block.partition("\n-- vs point ")
        points.append((parse_section(own), parse_section(vs) if vs else None, title, vs))
    return points


class Data:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.status = f["summary/status"][()]
            self.states = [s.decode() if isinstance(s, bytes) else s for s in f["state"][()]]
            self.alliances = [s.decode() if isinstance(s, bytes) else s for s in f["alliance"][()]]
            self.v = {k: f["summary/" + k][()].astype(float)
                      for k in ("ops", "successes", "attributed", "damage", "alliance_ended")}

    def figures(self, p):
        """{row label: [per-replication value arrays]} the report prints for
        point p (dyads: operations, successes, attributions; states: damage
        suffered; alliances: survived 0/1)."""
        fig = {}
        N = len(self.states)
        for i in range(N):
            for j in range(N):
                if i != j:
                    fig[f"{self.states[i]}->{self.states[j]}"] = [
                        self.v[k][p, :, i, j] for k in ("ops", "successes", "attributed")]
        for j in range(N):
            fig[self.states[j]] = [self.v["damage"][p, :, :, j].sum(axis=1)]
        for a, name in enumerate(self.alliances):
            fig[name] = [1.0 - (self.v["alliance_ended"][p, :, a] != 0)]
        return fig


def compare(what, printed, expected):
    exp = tuple(g4(v) for v in expected[:3])
    check(f"{what}: {printed} == {exp}", tuple(printed) == exp)


def row_metrics(row, d):
    """The metric names of a report row's cells, as cysim.paired() names them."""
    if "->" in row:
        return ["ops", "successes", "attributed"]
    return ["damage_suffered"] if row in d.states else ["survived"]


def check_file(path, base, label):
    d = Data(path)
    # analysis/cysim.py's paired(): one row per (point, figure), indexed
    # here by (point, report row label, metric).
    table = cysim.paired(path, base).set_index(["point", "label", "metric"])
    r = run("report", path, "--baseline", str(base))
    check(f"{label}: report --baseline {base} exits 0", r.returncode == 0, r.stderr)
    plain = run("report", path).stdout
    check(f"{label}: without --baseline, no paired block", "-- vs point" not in plain)
    pts = parse_report(r.stdout)
    plain_pts = plain.split("\n== point ")[1:]
    P, R = d.status.shape
    check(f"{label}: {P} point blocks", len(pts) == P)
    n_boot = 0
    for p, (own, vs, title, vs_text) in enumerate(pts):
        check(f"{label} point {p}: baseline marked only at {base}",
              ("(baseline)" in title) == (p == base))
        plain_own = plain_pts[p].split("\n-- vs point ")[0]
        check(f"{label} point {p}: own figures as without --baseline",
              r.stdout.split("\n== point ")[1 + p].split("\n\n-- vs point ")[0]
              .replace(" (baseline)", "").rstrip("\n") == plain_own.rstrip("\n"))
        done = d.status[p] == 1
        fig = d.figures(p)
        for row, cells in own.items():
            for q, cell in enumerate(cells):
                x = fig[row][q][done]
                exp = interval(x, True)
                n_boot += exp[3] == "bootstrap"
                compare(f"{label} point {p} {row} [{q}] ({exp[3]})", cell, exp)
                check(f"{label} point {p} {row} [{q}]: lower bound {cell[1]} >= 0",
                      not cell[1].startswith("-"))
                ref = cysim.interval(x, nonneg=True)
                compare(f"{label} point {p} {row} [{q}]: cysim.interval", cell, ref)
        shown = {k for k in fig if "->" in k and any(np.any(v[done] != 0) for v in fig[k])}
        check(f"{label} point {p}: dyads shown {sorted(own)}",
              {k for k in own if "->" in k} == shown)
        if p == base:
            check(f"{label} point {p}: no paired block at the baseline", vs is None)
            continue
        both = done & (d.status[base] == 1)
        n = int(both.sum())
        check(f"{label} point {p}: paired over {n}",
              vs_text.startswith(f"{base}: point {p} minus point {base}, paired over {n} "))
        bfig = d.figures(base)
        for row, cells in vs.items():
            for q, cell in enumerate(cells):
                diff = fig[row][q][both] - bfig[row][q][both]
                exp = interval(diff, False)
                compare(f"{label} point {p} - {base} {row} [{q}] ({exp[3]})", cell, exp)
                ref, n_ref = cysim.paired_interval(fig[row][q], bfig[row][q], done,
                                                   d.status[base] == 1)
                compare(f"{label} point {p} - {base} {row} [{q}]: cysim.paired_interval", cell, ref)
                check(f"{label}: cysim.paired_interval pairs {n_ref}", n_ref == n)
                t = table.loc[(p, row, row_metrics(row, d)[q])]
                compare(f"{label} point {p} - {base} {row} [{q}]: cysim.paired", cell,
                        (t["mean"], t["lo"], t["hi"]))
                check(f"{label}: cysim.paired n {t['n']} == {n}", t["n"] == n)
        shown = {k for k in fig if "->" in k and
                 any(np.any(v[both] != 0) or np.any(w[both] != 0)
                     for v, w in zip(fig[k], bfig[k]))}
        check(f"{label} point {p} - {base}: dyads shown {sorted(vs)}",
              {k for k in vs if "->" in k} == shown)
        check(f"{label} point {p} - {base}: every state and alliance has a row",
              all(s in vs for s in d.states + d.alliances))
    return n_boot


tmp = tempfile.mkdtemp(dir=os.environ.get("CYSIM_TEST_BIN") or None, prefix="report_baseline.")
h5 = os.path.join(tmp, "study.h5")
r = subprocess.run([CYSIM, "run", os.path.join(SRC, "tests/data/report_baseline.cfg"),
                    "-o", h5, "-q"], capture_output=True, text=True)
check("the study runs", r.returncode == 0, r.stderr)

# The generator against its published first output from state 0.
check("splitmix64(0) starts 0xe220a8397b1dcdaf",
      next(splitmix64_stream(0)) == 0xE220A8397B1DCDAF
      and int(cysim.splitmix64(0, 1)[0]) == 0xE220A8397B1DCDAF)
check("cysim.splitmix64 equals the scalar definition",
      [int(v) for v in cysim.splitmix64(0, 50)]
      == [v for v, _ in zip(splitmix64_stream(0), range(50))])

rare = os.path.join(tmp, "rare.h5")
shutil.copy(h5, rare)
with h5py.File(rare, "r+") as f:
    AA, BB = 0, 1
    for name, one in (("ops", 2), ("successes", 1), ("attributed", 1)):
        ds = f["summary/" + name]
        v = ds[()]
        v[0, :, AA, BB] = 0
        v[0, 11, AA, BB] = one
        ds[...] = v
    # Damage suffered by CC: zero but in three runs, with values that make
    # the bootstrap's bounds depend on every draw (not a few count values).
    ds = f["summary/damage"]
    v = ds[()]
    v[0, :, :, 2] = 0
    v[0, 4, 0, 2], v[0, 17, 1, 2], v[0, 25, 0, 2] = 0.0123, 0.0456, 0.0789
    ds[...] = v
holes = os.path.join(tmp, "holes.h5")
shutil.copy(h5, holes)
with h5py.File(holes, "r+") as f:
    st = f["summary/status"]
    v = st[()]
    v[0, 3] = 0
    v[1, 5] = 0
    st[...] = v

check_file(h5, 0, "study")
n_boot = check_file(rare, 0, "rare")
check(f"rare: bootstrap intervals used ({n_boot})", n_boot >= 4)
rep = run("report", rare).stdout
m = re.search(r"^AA->BB +(\S+) +\[(\S+), (\S+)\] +(\S+) +\[(\S+), (\S+)\]", rep, re.M)
# 29 zeros and one 2: resample means 2K/30, K ~ Binomial(30, 1/30), P(K = 0)
# = 0.36, so the lower bound is 0; the t interval would be [-0.0356, 0.169].
check("rare: AA->BB operations 0.06667 [0, ...]",
      m is not None and m.group(1) == "0.06667" and m.group(2) == "0", m and m.group(0))
check_file(holes, 1, "holes")

# Bad values of --baseline: exit 2, one clear line, nothing on stdout.
for bad, msg in (("3", "no baseline point 3: the file's points are numbered 0 to 2"),
                 ("x", '--baseline "x": not a point index'),
                 ("-1", '--baseline "-1": not a point index'),
                 ("1.5", '--baseline "1.5": not a point index'),
                 ("", '--baseline "": not a point index'),
                 ("99999999999999999999999", "not a point index")):
    r = run("report", h5, "--baseline", bad)
    check(f"--baseline {bad!r}: exit 2, {msg!r}",
          r.returncode == 2 and msg in r.stderr and r.stdout == "", r.stderr)
r = run("report", h5, "--baseline", "0", "--csv")
check("--baseline with --csv: exit 2, refused",
      r.returncode == 2 and "not to --csv" in r.stderr and r.stdout == "", r.stderr)
r = run("report", "--help")
check("--help names --baseline", r.returncode == 0 and "--baseline P" in r.stdout)

finish(tmp)
