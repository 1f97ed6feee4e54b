"""test_analysis.py: analysis/cysim.py and analysis/cysim_plot.py.

* Statistics against hand-computed values: the report's interval and
  bootstrap, paired_interval, Kaplan-Meier with Greenwood's band.
* load() and tidy() on real files: tests/data/analysis.cfg (a 2 x 2 sweep,
  an alliance, time series, a timeline), io_plain.cfg (no sweep, no
  alliance, no time series, no start date), a version 1 copy, a shard
  (`--task 0 --tasks 2`: the other half's runs have status 0), and the
  alliance disabled (`--set`), each against the file read with h5py.
* paired() against a direct numpy/scipy computation and against the
  digits `cysim report --baseline` prints.
* The numbers behind the figures (time-series bands, the sweep heatmap,
  dyad means, hostility matrix, ECDF, Kaplan-Meier curves) against values
  computed here from the file with h5py; then every kind renders to PNG and
  PDF through the command line, at most 6.6 in wide.
* The docstring examples of cysim.py run (doctest) on io_small.cfg's file,
  and analysis/README.md's snippets on analysis.cfg's.
"""
import doctest
import json
import os
import re
import subprocess
import sys
import tempfile
import types

import h5py
import numpy as np
from scipy.stats import t as student_t

sys.path.insert(0, os.path.dirname(__file__))
from cytest import CYSIM, SRC, check, finish  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "analysis"))
import cysim  # noqa: E402
import cysim_plot  # noqa: E402

PLOT = os.path.join(SRC, "analysis", "cysim_plot.py")


def close(a, b, tol=1e-9):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True))


# --- the report's intervals.
# 1..4 keep the t interval (lower bound 2.5 - 2.054 >= 0); 0, 0, 0, 1 as a
# count switches to the bootstrap, whose resample means K/4 (K ~
# Binomial(4, 1/4)) put 0.316 of the mass at 0 and 0.949 at <= 0.5, so
# [0, 0.75] (tests/test_io_interval.c works the same case for the C side);
# as a difference (paired) 0.25 keeps its t interval 0.25 +- 3.182446 * 0.5 / 2.
ci = cysim.interval([1, 2, 3, 4], nonneg=True)
check(f"interval 1..4 {ci}", ci.method == "t"
      and abs(ci.lo - (2.5 - 3.182446305 * np.sqrt(5 / 3) / 2)) < 1e-8)
ci = cysim.interval([0, 0, 0, 1], nonneg=True)
check(f"interval 0,0,0,1 {ci}",
      ci.method == "bootstrap" and (ci.mean, ci.lo, ci.hi) == (0.25, 0, 0.75))
ci, n = cysim.paired_interval([5, 5, 5, 6, 9], [5, 5, 5, 5, 0], done=[1, 1, 1, 1, 0])
check(f"paired_interval {ci} over {n}", n == 4 and ci.method == "t"
      and abs(ci.hi - (0.25 + 3.182446305 / 4)) < 1e-8)

# --- Kaplan-Meier and Greenwood on the textbook case: ends at 1, 2, 3;
# censored at 2 and 5 (a censored run at 2 is still at risk at 2).
#   t=1: n=5, d=1: S = 4/5 = 0.8;       sum d/(n(n-d)) = 1/20          = 0.05
#   t=2: n=4, d=1: S = 0.8 * 3/4 = 0.6; sum += 1/12                    = 0.133333
#   t=3: n=2, d=1: S = 0.6 * 1/2 = 0.3; sum += 1/2                     = 0.633333
# Var = S^2 sum: 0.032, 0.048, 0.057; band S -+ 1.96 sqrt(Var), clipped
# to [0, 1]: t=1: 0.8 -+ 0.350615 -> [0.449385, 1]; t=2: 0.6 -+ 0.429415
# -> [0.170585, 1]; t=3: 0.3 -+ 0.467944 -> [0, 0.767944].
km = cysim.kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
check(f"km times {km.time}", km.time.tolist() == [0, 1, 2, 3])
check(f"km survival {km.survival}", close(km.survival, [1, 0.8, 0.6, 0.3]))
check(f"km Greenwood lower {km.lo}", close(km.lo, [1, 0.449385, 0.170585, 0], 1e-5))
check(f"km Greenwood upper {km.hi}", close(km.hi, [1, 1, 1, 0.767944], 1e-5))
check(f"km at risk {km.at_risk} events {km.events}",
      km.at_risk.tolist() == [5, 5, 4, 2] and km.events.tolist() == [0, 1, 1, 1])
check(f"km censored {km.censored}", km.censored.tolist() == [2, 5])
# NaN end days (a disabled alliance) are left out: the same curve with two
# NaN runs added; an all-NaN point gives the curve (0, 1) alone.
km2 = cysim.kaplan_meier([1, np.nan, 2, 2, 3, 5, np.nan], [1, 0, 1, 0, 1, 0, 0])
check("km leaves NaN runs out", close(km2.survival, km.survival) and close(km2.lo, km.lo))
km3 = cysim.kaplan_meier([np.nan] * 3, [0] * 3)
check(f"km of a disabled alliance {km3.time} {km3.survival}",
      km3.time.tolist() == [0] and km3.survival.tolist() == [1])
# An end before day 0 (in the warm-up) counts at day 0: ends at -10 and 8,
# one censored at 5: S(0) = 2/3 (3 at risk), S(8) = 0 (1 at risk); the
# last step's Greenwood term has n = d, so the band is the point itself.
km4 = cysim.kaplan_meier([-10, 5, 8], [1, 0, 1])
check(f"km warm-up end at day 0 {km4.time} {km4.survival}",
      km4.time.tolist() == [0, 0, 8] and close(km4.survival, [1, 2 / 3, 0])
      and km4.at_risk.tolist() == [3, 3, 1] and km4.lo[-1] == 0 and km4.hi[-1] == 0)

tmp = tempfile.mkdtemp(dir=os.environ.get("CYSIM_TEST_BIN") or None, prefix="analysis.")


def cysim_run(cfg, out, *extra):
    r = subprocess.run([CYSIM, "run", os.path.join(SRC, "tests/data", cfg), "-o", out, "-q",
                        *extra], capture_output=True, text=True)
    check(f"cysim run {cfg} {' '.join(extra)}", r.returncode == 0, r.stderr)
    return out


A = cysim_run("analysis.cfg", os.path.join(tmp, "a.h5"))
PLAIN = cysim_run("io_plain.cfg", os.path.join(tmp, "plain.h5"))
SMALL = cysim_run("io_small.cfg", os.path.join(tmp, "small.h5"))
SHARD = cysim_run("analysis.cfg", os.path.join(tmp, "shard.h5"), "--task", "0", "--tasks", "2")
SENS = cysim_run("sensitivity.cfg", os.path.join(tmp, "sens.h5"))
OFF = cysim_run("analysis.cfg", os.path.join(tmp, "off.h5"),
                "--set", "alliances.[0].enabled=false")
V1 = os.path.join(tmp, "v1.h5")
subprocess.run(["cp", A, V1], check=True)
with h5py.File(V1, "r+") as f:
    f.attrs["format_version"] = np.int32(1)
    for name in ("summary/fear_final", "summary/alliance_enabled", "time_bounds"):
        del f[name]

with h5py.File(A, "r") as f:
    H = {k: f["summary/" + k][()] for k in f["summary"]
         if isinstance(f["summary/" + k], h5py.Dataset)}
    H["ts"] = f["timeseries/ops"][()]
    H["time_bounds"] = f["time_bounds"][()]
    H["state"] = [s.decode() for s in f["state"][()]]
P, R = H["status"].shape
N = len(H["state"])
offdiag = ~np.eye(N, dtype=bool)

# --- load()
ds = cysim.load(A)
check("load: ops labelled [point, replication, attacker, target]",
      ds.ops.dims == ("point", "replication", "attacker", "target")
      and list(ds.attacker.values) == ["US", "RU", "CN"] == list(ds.target.values))
check("load: ops_by_type by optype, alliance_* by alliance",
      ds.ops_by_type.dims[-1] == "optype" and ds.alliance_end_day.dims[-1] == "alliance"
      and list(ds.alliance.values) == ["ru_cn"]
      and list(ds.optype.values) == ["espionage", "disruption", "destruction"])
check("load: sweep values are coordinates on point",
      ds.compliance.values.tolist() == [0.5, 0.5, 0.9, 0.9]
      and ds.us_rate.values.tolist() == [0.2, 0.4, 0.2, 0.4] and ds.compliance.dims == ("point",))
check("load: time is the bin start, time_bounds kept; the last bin is [720, 730)",
      ds.time.values[0] == 0 and ds.time.values[-1] == 720
      and ds.time_bounds.values[-1].tolist() == [720, 730]
      and np.array_equal(ds.time_bounds.values, H["time_bounds"])
      and str(ds.date.values[0])[:10] == "2015-05-08")
check("load: units from the file", ds.damage.attrs.get("units") == "1"
      and ds.alliance_end_day.attrs.get("units") == "days"
      and ds.time.attrs.get("units") == "days since 2015-05-08")
check("load: values equal the file", np.array_equal(ds.ops.values, H["ops"])
      and np.array_equal(ds.timeseries_ops.values, H["ts"])
      and np.array_equal(ds.seed.values, H["seed"]))
v1 = cysim.load(V1)
check("load: a version 1 file (time_bounds from the bin width, all alliances enabled)",
      v1.attrs["format_version"] == 1 and np.array_equal(v1.time_bounds.values, H["time_bounds"])
      and "fear_final" not in v1 and bool((v1.alliance_enabled == 1).all()))
sh = cysim.load(SHARD)
with h5py.File(SHARD, "r") as f:
    sh_status = f["summary/status"][()]
    check("shard: attributes task 0 of 2", int(f.attrs["task"]) == 0 and int(f.attrs["tasks"]) == 2)
# Task 0 of 2 holds runs [0, 60) of the 120 = points 0 and 1.
check(f"shard: status marks points 0-1 done {sh_status.sum(axis=1)}",
      sh_status.sum(axis=1).tolist() == [30, 30, 0, 0])
check("shard: load masks the runs not done (NaN)",
      bool(np.isnan(sh.ops.values[2:]).all()) and not np.isnan(sh.ops.values[:2]).any())
pl = cysim.load(PLAIN)
check("load: a file without sweep, alliance, time series or start",
      pl.sizes["alliance"] == 0 and "timeseries_ops" not in pl and "date" not in pl.coords
      and not [c for c in pl.coords if pl[c].dims == ("point",) and c != "point"])

# --- tidy()
t = cysim.tidy(A, metrics=["ops", "alliance_end_day", "ops_by_type", "events"])
check(f"tidy: columns {list(t.columns)}", list(t.columns) ==
      ["point", "compliance", "us_rate", "replication", "attacker", "target", "optype",
       "alliance", "metric", "value"])
ops = t[t.metric == "ops"]
check("tidy: ops has points x replications x 6 dyads rows, no self-pairs",
      len(ops) == P * R * 6 and not (ops.attacker == ops.target).any())
check("tidy: ops values equal the file",
      np.array_equal(ops.value.to_numpy(), H["ops"][:, :, offdiag].reshape(-1)))
check("tidy: sweep columns follow the point",
      (t.compliance == np.array([0.5, 0.5, 0.9, 0.9])[t.point]).all())
aed = t[t.metric == "alliance_end_day"]
check("tidy: alliance_end_day by alliance", len(aed) == P * R and (aed.alliance == "ru_cn").all()
      and aed.attacker.isna().all())
check("tidy: ops_by_type by optype, summing to the total of ops",
      close(t[t.metric == "ops_by_type"].value.sum(), H["ops"].sum()))
ts = cysim.tidy(SHARD, metrics=["ops"])
check("tidy: a shard gives only its done runs", len(ts) == 2 * R * 6 and set(ts.point) == {0, 1})
tp = cysim.tidy(PLAIN)
check(f"tidy: no sweep columns without a sweep {list(tp.columns)[:3]}",
      list(tp.columns)[:2] == ["point", "replication"] and "alliance" not in tp.columns)
tt = cysim.tidy(A, metrics=["timeseries_ops"])
check("tidy: timeseries_ops on request, with time",
      "time" in tt.columns and len(tt) == P * R * 25 * 6
      and close(tt.value.sum(), H["ts"][..., offdiag].sum()))

# --- paired() against numpy/scipy directly, and against the report's digits.
d = cysim.paired(A, 0)
for p in range(1, P):
    x = H["ops"][p, :, 1, 2].astype(float) - H["ops"][0, :, 1, 2]  # RU -> CN (uint32 in the file)
    half = student_t.ppf(0.975, R - 1) * x.std(ddof=1) / np.sqrt(R)
    row = d[(d.point == p) & (d.label == "RU->CN") & (d.metric == "ops")].iloc[0]
    check(f"paired point {p} RU->CN ops equals numpy", row.n == R and row.method == "t"
          and close([row["mean"], row.lo, row.hi], [x.mean(), x.mean() - half, x.mean() + half]))
    dmg = H["damage"][p, :, :, 2].sum(axis=1) - H["damage"][0, :, :, 2].sum(axis=1)
    row = d[(d.point == p) & (d.label == "CN") & (d.metric == "damage_suffered")].iloc[0]
    check(f"paired point {p} CN damage suffered equals numpy", close(row["mean"], dmg.mean()))
r = subprocess.run([CYSIM, "report", A, "--baseline", "0"], capture_output=True, text=True)
check("report --baseline 0 runs", r.returncode == 0, r.stderr)
cell = re.compile(r"(\S+) +\[(\S+), (\S+)\]")
n_cmp = 0
for block in r.stdout.split("\n-- vs point ")[1:]:
    p = int(re.search(r"point (\d+) minus point 0", block).group(1))
    for line in block.split("\n== point ")[0].splitlines():
        cells = cell.findall(line)
        if not cells or line.startswith(" "):
            continue
        label = line.split()[0]
        mets = (["ops", "successes", "attributed"] if "->" in label else
                ["damage_suffered"] if label in H["state"] else ["survived"])
        for m, c in zip(mets, cells):
            row = d[(d.point == p) & (d.label == label) & (d.metric == m)].iloc[0]
            n_cmp += 1
            check(f"paired point {p} {label} {m}: {c} as printed",
                  tuple("%.4g" % v for v in (row["mean"], row.lo, row.hi)) == c)
check(f"compared {n_cmp} printed differences", n_cmp >= 3 * (6 * 3 + 3 + 1) // 2)

# --- the numbers behind the figures.
args = types.SimpleNamespace(metric="ops", attacker=None, target=None, alliance=None,
                             baseline=0, box=False, points=None)
for p in range(P):
    edges, med, q5, q95, n = cysim_plot.rate_bands(ds, p)
    rate = H["ts"][p][..., offdiag].sum(axis=-1) / np.diff(H["time_bounds"], axis=1)[:, 0]
    check(f"timeseries point {p}: median and 5-95% band equal numpy on the file",
          n == R and close(edges, np.append(H["time_bounds"][:, 0], 730))
          and close(med, np.median(rate, 0)) and close(q5, np.percentile(rate, 5, 0))
          and close(q95, np.percentile(rate, 95, 0)))
# The last bin is 10 days: its rate is count / 10, not count / 30.
check("timeseries: the last bin's rate uses its width (10 days)",
      close(cysim_plot.rate_bands(ds, 0)[1][-1],
            np.median(H["ts"][0, :, -1][..., offdiag].sum(-1) / 10.0)))
with cysim_plot.plt.rc_context(cysim_plot.STYLE):
    fig = cysim_plot.plot_timeseries(ds, args, [0, 1])
    drawn = fig.axes[0].lines[0].get_ydata()
    check("timeseries: the drawn median is rate_bands' (last step repeated)",
          close(drawn, np.append(cysim_plot.rate_bands(ds, 0)[1],
                                 cysim_plot.rate_bands(ds, 0)[1][-1])))
    texts = [x.get_text() for x in fig.axes[0].texts]
    check(f"timeseries: both timeline events labelled {texts}",
          texts == ["sanctions US\u2192RU", "indictment US\u2192CN"])
    vlines = sorted(float(ln.get_xdata()[0].astype("datetime64[D]").astype(int)
                          - np.datetime64("2015-05-08").astype(int))
                    for ln in fig.axes[0].lines[2:])
    check(f"timeseries: events marked at days 238 and 500 {vlines}", vlines == [238, 500])
    fig = cysim_plot.plot_sweep(ds, args, list(range(P)))
    grid = fig.axes[0].images[0].get_array()
    total = H["ops"][..., offdiag].sum(-1).mean(1)
    # Heatmap: columns compliance 0.5, 0.9; rows us_rate 0.2, 0.4.
    check("sweep heatmap: the means of total ops per point, by the two axes",
          close(np.asarray(grid), [[total[0], total[2]], [total[1], total[3]]]))
    fig = cysim_plot.plot_dyads(ds, args, [0])
    xs = sorted(fig.axes[0].lines[0].get_xdata())
    check("dyads: marker positions are the per-dyad means",
          close(xs, sorted(H["ops"][0][:, offdiag].mean(0))))
    fig = cysim_plot.plot_hostility(ds, args, [3])
    m = H["hostility_final"][3].mean(0)
    np.fill_diagonal(m, np.nan)
    check("hostility: the matrix is the mean final hostility, diagonal blank",
          close(np.ma.filled(fig.axes[0].images[0].get_array(), np.nan), m))
    fig = cysim_plot.plot_distribution(ds, args, [1])
    ln = fig.axes[0].lines[0]
    check("distribution: the ECDF steps through the sorted per-run totals",
          close(ln.get_xdata()[1:], np.sort(H["ops"][1][:, offdiag].sum(-1)))
          and close(ln.get_ydata(), np.arange(R + 1) / R))
    fig = cysim_plot.plot_survival(ds, args, [2])
    km = cysim.kaplan_meier(H["alliance_end_day"][2, :, 0], H["alliance_ended"][2, :, 0])
    check("survival: the drawn curve is Kaplan-Meier of the file's end days",
          close(fig.axes[0].lines[0].get_ydata(), np.append(km.survival, km.survival[-1])))
    off = cysim.load(OFF)
    fig = cysim_plot.plot_survival(off, args, [0, 1, 2, 3])
    check("survival: a disabled alliance has no curve, and the title says so",
          len(fig.axes[0].lines) == 0 and "disabled at point 0, 1, 2, 3" in fig.axes[0].get_title())
    cysim_plot.plt.close("all")

# --- sensitivity: the figure draws `cysim sensitivity --json`'s numbers
# (found through $CYSIM, which the test's environment sets), S1 and ST per
# factor with their intervals.
args = types.SimpleNamespace(file=SENS, metric="ops", attacker="AA", target=None, state=None,
                             optype=None, alliance=None, cysim=None)
js = json.loads(subprocess.run([CYSIM, "sensitivity", SENS, "ops", "--attacker", "AA", "--json"],
                               capture_output=True, text=True).stdout)
fig = cysim_plot.plot_sensitivity(cysim.load(SENS), args, [])
ax = fig.axes[0]
order = [t.get_text() for t in ax.get_yticklabels()]
by = {p["name"]: p for p in js["parameters"]}
s1_line, st_line = ax.containers[0].lines[0], ax.containers[1].lines[0]
check("sensitivity: factors by ST, most on top; the markers at the C's S1 and ST",
      sorted(order) == sorted(by) and [by[n]["ST"] for n in order]
      == sorted((p["ST"] for p in js["parameters"]), reverse=True)
      and close(s1_line.get_xdata(), [by[n]["S1"] for n in order], 0)
      and close(st_line.get_xdata(), [by[n]["ST"] for n in order], 0))
segs = ax.containers[1].lines[2][0].get_segments()
check("sensitivity: the ST bars span the C's [ST_lo, ST_hi]",
      close([s[0][0] for s in segs], [by[n]["ST_lo"] for n in order], 0)
      and close([s[1][0] for s in segs], [by[n]["ST_hi"] for n in order], 0))
cysim_plot.plt.close("all")

# --- every kind renders through the command line, to PNG and PDF.
extra = {"paired": ["--points", "1,3"], "distribution": ["--box"],
         "survival": ["--alliance", "ru_cn"], "timeseries": ["--attacker", "RU"],
         "sensitivity": ["--metric", "alliance_ended", "--alliance", "wg"]}
for kind in sorted(cysim_plot.KINDS):
    for ext in ("png", "pdf"):
        out = os.path.join(tmp, f"{kind}.{ext}")
        src = SENS if kind == "sensitivity" else A  # a saltelli design's file
        r = subprocess.run(["/usr/bin/python3", PLOT, src, kind, "-o", out] + extra.get(kind, []),
                           capture_output=True, text=True)
        ok = r.returncode == 0 and os.path.exists(out)
        if ok and ext == "png":
            with open(out, "rb") as f:
                head = f.read(24)
            w = int.from_bytes(head[16:20], "big")
            # A chart with axes and data compresses to well over 10 kB; 200
            # dpi at 6.5 in is 1300 px (a little more for tight bounds).
            ok = head[:8] == b"\x89PNG\r\n\x1a\n" and os.path.getsize(out) > 10000 and w <= 1320
        elif ok:
            with open(out, "rb") as f:
                ok = f.read(5) == b"%PDF-"
        check(f"cysim_plot {kind} -> {ext}", ok, r.stderr)
for f, kind in ((PLAIN, "dyads"), (PLAIN, "distribution"), (SHARD, "sweep"), (V1, "timeseries")):
    r = subprocess.run(["/usr/bin/python3", PLOT, f, kind, "-o", os.path.join(tmp, "x.png")],
                       capture_output=True, text=True)
    check(f"cysim_plot {kind} of {os.path.basename(f)}", r.returncode == 0, r.stderr)
# Bad requests: a message naming what is wrong, exit 2.
for argv, msg in ((["survival", "--alliance", "nope"], "no alliance 'nope'"),
                  (["dyads", "--points", "9"], "no point 9"),
                  (["sweep", "--metric", "nope"], "no metric 'nope'"),
                  (["sensitivity"], "no /design"),
                  (["sensitivity", "--cysim", "/nonexistent"], "--cysim /nonexistent: not")):
    r = subprocess.run(["/usr/bin/python3", PLOT, A] + argv + ["-o", os.path.join(tmp, "x.png")],
                       capture_output=True, text=True)
    check(f"cysim_plot {' '.join(argv)} refused: {r.stderr.strip()}",
          r.returncode == 2 and msg in r.stderr)
r = subprocess.run(["/usr/bin/python3", PLOT, PLAIN, "timeseries", "-o",
                    os.path.join(tmp, "x.png")], capture_output=True, text=True)
check("cysim_plot timeseries without time series refused", r.returncode == 2
      and "no /timeseries" in r.stderr)

# --- analysis/README.md's Python snippets, run in order as one script on
# analysis.cfg's file (named study.h5 as in the text), from a folder whose
# analysis/ is the source's.
with open(os.path.join(SRC, "analysis", "README.md")) as f:
    snippets = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
work = os.path.join(tmp, "readme")
os.makedirs(work)
os.symlink(os.path.join(SRC, "analysis"), os.path.join(work, "analysis"))
subprocess.run(["cp", A, os.path.join(work, "study.h5")], check=True)
r = subprocess.run(["/usr/bin/python3", "-c", "\n".join(snippets)], cwd=work,
                   capture_output=True, text=True)
check(f"analysis/README.md: {len(snippets)} snippets run", len(snippets) == 3
      and r.returncode == 0 and os.path.exists(os.path.join(work, "study_long.csv")), r.stderr)

# --- the docstring examples, on io_small.cfg's file.
res = doctest.testmod(cysim, extraglobs={"PATH": SMALL}, optionflags=doctest.NORMALIZE_WHITESPACE)
check(f"cysim.py docstring examples: {res.attempted} run, {res.failed} failed",
      res.failed == 0 and res.attempted >= 20)

finish(tmp)
