"""test_cli_sensitivity.py: `cysim sensitivity` end to end, on a real
saltelli study (tests/data/sensitivity.cfg: N = 256, k = 3, 4
replications), read back with h5py.

The study.  AA's operations against BB have mean rate * hostility * H
(H = 1000 days; the .cfg says why), and BB's defense does not touch them.
So the per-point mean Y is, up to Poisson noise, H * X1 * X2 with
X1 = rate ~ U(0.5, 2.5) and X2 = hostility ~ U(0.1, 0.9) independent, and
X3 = defense a dummy.

Analytic indices of a product of independent uniforms (H scales out).
With m_i = E X_i and s_i^2 = Var X_i:
    E[Y | X1] = X1 m2,   so V1 = Var(E[Y | X1]) = m2^2 s1^2,
    V2 = m1^2 s2^2,
    V  = E[X1^2] E[X2^2] - m1^2 m2^2 = (s1^2 + m1^2)(s2^2 + m2^2) - m1^2 m2^2
       = m2^2 s1^2 + m1^2 s2^2 + s1^2 s2^2,
so the interaction V12 = s1^2 s2^2 and
    S1_1 = m2^2 s1^2 / V,           ST_1 = (m2^2 s1^2 + s1^2 s2^2) / V,
    S1_2 = m1^2 s2^2 / V,           ST_2 = (m1^2 s2^2 + s1^2 s2^2) / V,
    S1_3 = ST_3 = 0.
Here m1 = 1.5, s1^2 = 2^2/12 = 1/3, m2 = 0.5, s2^2 = 0.8^2/12 = 4/75:
V1 = 1/12, V2 = 0.12, V12 = 4/225, V = 0.22111, so S1 = (0.3769, 0.5427,
0), ST = (0.4573, 0.6231, 0).  The replications' Poisson noise adds
E[X1 X2] H / R = 187.5 to the variance of Y, against V H^2 = 221,111: it
lowers every index by under 0.1%, far inside the tolerance.

Tolerance.  The bootstrap's 95% interval must contain each analytic value,
its width (about 4 standard errors) must be under 0.3 so that the check
means something, and the estimate must lie within one width (about 4
standard errors) of the analytic value.  The dummy is exact: with
synchronised random numbers (sim/MODEL.md §7) a point of A_B^(3) shares
every draw with its A point and only defense differs, which no operation
count depends on, so f(A) = f(A_B^(3)) row by row, and both estimators are
exactly 0 with the interval [0, 0].

alliance_ended = 1{X2 > 0.5} (the .cfg says why) depends on hostility
alone: its S1 and ST are 1 for hostility and exactly 0 for the others
(f(A_B^(i)) = f(A) for i != 2); its interval must hold 1.

The C result is also checked against the indices computed here from the
file with numpy (the point estimates, to 1e-12 relative): Y per point the
mean over replications of ops summed over dyads, points placed by
/design/matrix and /design/row.

--minus: the same study with BB's exposure halved (--set) has mean
operations rate * hostility * H / 2 at every point, so the difference of
the two files' Ys is again H X1 X2 / 2, a product with the same analytic
indices (same tolerance), and the dummy is again exactly 0.  A file minus
itself has no variance (refused); a file of other design points is refused.

Errors, each exit 2 with a message and nothing on stdout: a grid file (no
/design), an lhs file, a shard with runs missing, an unknown metric,
state, optype or alliance, an option the metric has no dimension for, a
metric that does not vary (retaliations: none), and a bad command line.
"""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cytest import CYSIM, SRC, check, finish, run  # noqa: E402

CFG = os.path.join(SRC, "tests", "data", "sensitivity.cfg")
KEYS = ["name", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]


def sens(*args):
    return subprocess.run([CYSIM, "sensitivity", *args], capture_output=True, text=True)


def analytic():
    m1, s1, m2, s2 = 1.5, 1 / 3, 0.5, 4 / 75
    v1, v2, v12 = m2 ** 2 * s1, m1 ** 2 * s2, s1 * s2
    v = v1 + v2 + v12
    return [v1 / v, v2 / v, 0.0], [(v1 + v12) / v, (v2 + v12) / v, 0.0]


def numpy_indices(h5):
    """Point estimates from the file, the estimator's formulas in numpy."""
    with h5py.File(h5, "r") as f:
        ops = f["summary/ops"][...].astype(float)  # [point, rep, attacker, target]
        n, k = int(f["design"].attrs["samples"]), int(f["design"].attrs["factors"])
        mat, row = f["design/matrix"][...], f["design/row"][...]
    y = ops.sum(axis=(2, 3)).mean(axis=1)
    grid = np.empty((k + 2, n))
    grid[mat, row] = y
    fa, fb, fab = grid[0], grid[1], grid[2:]
    f0, v = np.r_[fa, fb].mean(), np.r_[fa, fb].var()
    s1 = ((fb - f0) * (fab - fa)).mean(axis=1) / v
    st = ((fa - fab) ** 2).mean(axis=1) / 2 / v
    return s1, st


def check_design(h5):
    with h5py.File(h5, "r") as f:
        g = f["design"]
        check("/design is a saltelli design of N = 256, k = 3",
              g.attrs["method"] in ("saltelli", b"saltelli") and g.attrs["samples"] == 256
              and g.attrs["factors"] == 3)
        unit = g["unit"][...]
        rate = f["sweep/rate"][...] if "sweep/rate" in f else None
    if rate is not None:
        check("rate = 0.5 + 2 u (the range the analytic indices assume)",
              np.allclose(rate, 0.5 + 2 * unit[:, 0], rtol=0, atol=1e-12))


def check_ops(tmp, h5):
    r = sens(h5, "ops", "--json")
    check("ops --json: exit 0", r.returncode == 0, r.stderr)
    if r.returncode:
        return
    out = json.loads(r.stdout)
    check("JSON keys: metric, samples, parameters", list(out) == ["metric", "samples",
                                                                "parameters"], str(list(out)))
    check("metric ops, samples 256", out["metric"] == "ops" and out["samples"] == 256)
    ps = out["parameters"]
    check("parameters: rate, hostility, defense, each with the seven keys",
          [p["name"] for p in ps] == ["rate", "hostility", "defense"]
          and all(list(p) == KEYS for p in ps), r.stdout)
    s1, st = analytic()
    for i, p in enumerate(ps[:2]):
        for key, want in (("S1", s1[i]), ("ST", st[i])):
            lo, hi, est = p[key + "_lo"], p[key + "_hi"], p[key]
            check(f"{p['name']} {key} interval [{lo:.3f}, {hi:.3f}] holds {want:.4f}",
                  lo <= want <= hi)
            check(f"{p['name']} {key} interval narrower than 0.3", hi - lo < 0.3, f"{hi - lo}")
            check(f"{p['name']} {key} = {est:.4f} within one width of {want:.4f}",
                  abs(est - want) <= hi - lo)
    d = ps[2]
    check("the dummy (defense): S1 = ST = 0 exactly, intervals [0, 0]",
          all(d[key] == 0 for key in KEYS[1:]), json.dumps(d))
    ns1, nst = numpy_indices(h5)
    check("point estimates equal numpy's from the file (1e-12 relative)",
          np.allclose([p["S1"] for p in ps], ns1, rtol=1e-12, atol=1e-15)
          and np.allclose([p["ST"] for p in ps], nst, rtol=1e-12, atol=1e-15),
          f"{ns1} {nst}")
    # The same dyad named: AA -> BB is the only dyad with operations.
    r2 = sens(h5, "ops", "--json", "--attacker", "AA", "--target", "BB")
    check("--attacker AA --target BB: the same indices as all dyads summed",
          r2.returncode == 0 and json.loads(r2.stdout)["parameters"] == ps, r2.stderr)
    # The table carries the same numbers to 3 decimals, and says what Y is.
    t = sens(h5, "ops")
    check("the table: exit 0, names what Y is and the bootstrap",
          t.returncode == 0 and "summed over all dyads" in t.stdout
          and "1999 resamples" in t.stdout, t.stdout + t.stderr)
    line = next((x for x in t.stdout.splitlines() if x.startswith("rate ")), "")
    check("the table's rate row: S1 and ST to 3 decimals",
          line.split()[1] == f"{ps[0]['S1']:.3f}" and f"{ps[0]['ST']:.3f}" in line, line)


def check_alliance(h5):
    r = sens(h5, "alliance_ended", "--json", "--alliance", "wg")
    check("alliance_ended --alliance wg: exit 0", r.returncode == 0, r.stderr)
    if r.returncode:
        return
    ps = json.loads(r.stdout)["parameters"]
    h = ps[1]
    check("alliance_ended: hostility's intervals hold 1",
          h["S1_lo"] <= 1 <= h["S1_hi"] and h["ST_lo"] <= 1 <= h["ST_hi"], json.dumps(h))
    check("alliance_ended: hostility's S1 and ST within 0.05 of 1 (QMC on a step)",
          abs(h["S1"] - 1) < 0.05 and abs(h["ST"] - 1) < 0.05, json.dumps(h))
    check("alliance_ended: rate and defense exactly 0",
          all(ps[i][key] == 0 for i in (0, 2) for key in KEYS[1:]))
    r = sens(h5, "alliance_end_day", "--json")
    check("alliance_end_day of the only alliance: the same indices (30 or 1000 is "
          "affine in the indicator)",
          r.returncode == 0 and all(abs(a[key] - b[key]) < 1e-9 for a, b in
                                    zip(json.loads(r.stdout)["parameters"], ps)
                                    for key in KEYS[1:]), r.stderr)


def check_minus(tmp, h5):
    half = os.path.join(tmp, "half.h5")
    run([CFG, "-o", half, "-j", "2", "--set", "states.[BB].exposure=0.5"], tmp)
    r = sens(h5, "ops", "--json", "--minus", half)
    check("--minus: exit 0", r.returncode == 0, r.stderr)
    if r.returncode:
        return
    ps = json.loads(r.stdout)["parameters"]
    s1, st = analytic()
    for i, p in enumerate(ps[:2]):
        for key, want in (("S1", s1[i]), ("ST", st[i])):
            lo, hi, est = p[key + "_lo"], p[key + "_hi"], p[key]
            check(f"--minus: {p['name']} {key} = {est:.4f} [{lo:.3f}, {hi:.3f}] holds {want:.4f}, "
                  "within one width, width < 0.3",
                  lo <= want <= hi and abs(est - want) <= hi - lo and hi - lo < 0.3)
    check("--minus: the dummy exactly 0", all(ps[2][key] == 0 for key in KEYS[1:]))
    t = sens(h5, "ops", "--minus", half)
    check("--minus: the table says what is subtracted", f"minus {half}" in t.stdout, t.stdout)
    expect_error("a file minus itself", [h5, "ops", "--minus", h5], "no variance")
    other = os.path.join(tmp, "other.h5")
    run([CFG, "-o", other, "--set", "design.samples=32"], tmp)
    expect_error("--minus a file of other points", [h5, "ops", "--minus", other],
                 "design points differ")
    expect_error("--minus a grid file", [h5, "ops", "--minus",
                                         os.path.join(tmp, "grid.h5")], "no /design")


def expect_error(what, args, needle):
    r = sens(*args)
    check(f"{what}: exit 2, \"{needle}\", nothing on stdout",
          r.returncode == 2 and needle in r.stderr and r.stdout == "",
          f"exit {r.returncode}: {r.stderr.strip()} / {r.stdout[:80]}")


def check_errors(tmp, h5):
    grid = os.path.join(tmp, "grid.h5")
    run([os.path.join(SRC, "tests", "data", "io_small.cfg"), "-o", grid,
         "--set", "scenario.replications=2"], tmp)
    expect_error("a grid file", [grid, "ops"], "no /design")
    lhs = os.path.join(tmp, "lhs.h5")
    run([CFG, "-o", lhs, "--set", 'design.method="lhs"', "--set", "design.samples=16"], tmp)
    expect_error("an lhs file", [lhs, "ops"], 'design is "lhs"')
    shard = os.path.join(tmp, "shard.h5")
    run([CFG, "-o", shard, "--task", "0", "--tasks", "2"], tmp)
    expect_error("a shard with half the runs", [shard, "ops"], "runs are not done")
    expect_error("an unknown metric", [h5, "opz"], 'no metric "opz"')
    expect_error("a time series is no metric here", [h5, "ts_ops"], 'no metric "ts_ops"')
    expect_error("an unknown state", [h5, "ops", "--attacker", "ZZ"], 'no state "ZZ"')
    expect_error("an unknown state (--state)", [h5, "damage", "--state", "ZZ"],
                 'no state "ZZ"')
    expect_error("an unknown alliance", [h5, "breaches", "--alliance", "nope"],
                 'no alliance "nope"')
    expect_error("an unknown optype", [h5, "ops_by_type", "--optype", "nope"],
                 'no optype "nope"')
    expect_error("--alliance on a dyad metric", [h5, "ops", "--alliance", "wg"],
                 "has no alliances")
    expect_error("--attacker on an alliance metric", [h5, "breaches", "--attacker", "AA"],
                 "has no dyads")
    expect_error("--state with --target", [h5, "ops", "--state", "AA", "--target", "BB"],
                 "one way")
    expect_error("a metric that never varies", [h5, "retaliations"], "no variance")
    expect_error("a missing file", [os.path.join(tmp, "none.h5"), "ops"], "none.h5")
    r = sens(h5)
    check("no METRIC: usage, exit 2", r.returncode == 2 and "usage" in r.stderr)
    r = sens("--help")
    check("--help: exit 0, usage on stdout", r.returncode == 0 and "usage" in r.stdout)


def main():
    tmp = tempfile.mkdtemp(prefix="cysim_sens_")
    h5 = os.path.join(tmp, "s.h5")
    r = run([CFG, "-o", h5, "-j", "2"], tmp)
    check("the study runs", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        check_design(h5)
        check_ops(tmp, h5)
        check_alliance(h5)
        check_errors(tmp, h5)
        check_minus(tmp, h5)
    finish(tmp)


main()
