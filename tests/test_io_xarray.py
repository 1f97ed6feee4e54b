"""test_io_xarray.py: the output file from outside, as analysts read it.

Runs tests/data/io_small.cfg (2 points x 20 replications, 3 states, one
alliance, time series, start date) and io_plain.cfg (A = 0, no sweep, event
log), then checks that:
  * xarray opens every group with both the h5netcdf and the netcdf4 engine,
    with the named dimensions of MODEL.md section 7, and that the values
    equal h5py's and those of the model run directly through the C API
    (test_run_roundtrip --dump) for two (point, replication) pairs;
  * the root attributes and scales are as specified (time decodes to dates);
  * `cysim report --csv` is a tidy table pandas reads, equal to the file;
  * the terminal report's means, 95% t intervals, survival fractions and
    Kaplan-Meier medians equal values computed here independently.  The t
    quantile is the table value t_{0.975, 19} = 2.093024054 (df = R - 1 = 19).
    Where a t interval would reach below 0 the report uses its bootstrap
    (sim/MODEL.md "Intervals"), which analysis/cysim.py computes and
    test_io_report_baseline.py checks independently.
"""
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd
import xarray as xr

sys.path.insert(0, os.path.join(os.environ["CYSIM_SOURCE_DIR"], "analysis"))
import cysim  # noqa: E402

CYSIM = os.environ["CYSIM"]
SRC = os.environ["CYSIM_SOURCE_DIR"]
TESTBIN = os.environ.get("CYSIM_TEST_BIN", "")
T_975_19 = 2.093024054

failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok:", what)
    else:
        failures += 1
        print("FAILED:", what)


def run(*args):
    return subprocess.run([CYSIM, *args], capture_output=True, text=True)


tmp = tempfile.mkdtemp(dir=TESTBIN or None, prefix="io_xarray.")
small_cfg = os.path.join(SRC, "tests/data/io_small.cfg")
plain_cfg = os.path.join(SRC, "tests/data/io_plain.cfg")
small = os.path.join(tmp, "small.h5")
small_ev = os.path.join(tmp, "small_ev.h5")
plain = os.path.join(tmp, "plain.h5")
for args in (["run", small_cfg, "-o", small, "-q"],
             ["run", small_cfg, "-o", small_ev, "-q", "--event-log"],
             ["run", plain_cfg, "-o", plain, "-q"]):
    r = run(*args)
    check(r.returncode == 0, " ".join(args[:2]) + " exits 0 " + r.stderr)

DIMS4 = ("point", "replication", "attacker", "target")
# The outcome fields, as include/cysim/cy_outcome.h lists them
# (CY_OUTCOME_FIELDS: X(member, "group/name", SHAPE, TYPE, ...)).
SHAPE_DIMS = {"SCALAR": (), "NN": ("attacker", "target"), "K": ("optype",),
              "A": ("alliance",), "BNN": ("time", "attacker", "target")}
DTYPES = {"U8": "uint8", "I16": "int16", "U32": "uint32", "I32": "int32",
          "U64": "uint64", "I64": "int64", "F64": "float64"}
with open(os.path.join(SRC, "include/cysim/cy_outcome.h")) as f:
    header = f.read()
fields_text = header[header.index("#define CY_OUTCOME_FIELDS(X)"):]
fields_text = fields_text[:fields_text.index("\n\n")].replace("\\\n", " ")
FIELDS = re.findall(r'X\(\s*(\w+),\s*"(\w+)/(\w+)",\s*(\w+),\s*(\w+),', fields_text)
check(len(FIELDS) >= 14, f"{len(FIELDS)} outcome fields read from cy_outcome.h")
# /summary: the writer's status and seed, then the outcome fields there.
EXPECTED_DIMS = {"status": ("point", "replication"), "seed": ("point", "replication")}
EXPECTED_TYPES = {"status": "uint8", "seed": "int64"}
SHAPE_OF = {}
for member, group, name, shape, typ in FIELDS:
    SHAPE_OF[group + "/" + name] = shape
    if group == "summary":
        EXPECTED_DIMS[name] = ("point", "replication") + SHAPE_DIMS[shape]
        EXPECTED_TYPES[name] = DTYPES[typ]

h5 = h5py.File(small, "r")
for engine in ("h5netcdf", "netcdf4"):
    ds = xr.open_dataset(small, engine=engine, group="summary")
    check(dict(ds.sizes) == {"point": 2, "replication": 20, "attacker": 3,
                             "target": 3, "optype": 3, "alliance": 1},
          f"{engine}: /summary sizes {dict(ds.sizes)}")
    check(set(ds.data_vars) == set(EXPECTED_DIMS) | {"alliance_enabled"},
          f"{engine}: /summary holds exactly the listed fields {sorted(ds.data_vars)}")
    # Durations in days decode to timedeltas (CF units "days"): compared raw.
    raw = xr.open_dataset(small, engine=engine, group="summary", decode_timedelta=False)
    for name, dims in EXPECTED_DIMS.items():
        check(name in ds and ds[name].dims == dims,
              f"{engine}: summary/{name} dims {ds[name].dims if name in ds else None}")
        if name in ds:
            want = EXPECTED_TYPES[name]
            check(str(raw[name].dtype) == want,
                  f"{engine}: summary/{name} dtype {raw[name].dtype} == {want}")
            check(np.array_equal(raw[name].values, h5["summary/" + name][()],
                                 equal_nan=raw[name].dtype.kind == "f"),
                  f"{engine}: summary/{name} equals h5py")
    ts = xr.open_dataset(small, engine=engine, group="timeseries")
    check(ts["ops"].dims == ("point", "replication", "time", "attacker", "target")
          and ts.sizes["time"] == 25, f"{engine}: timeseries/ops dims {ts['ops'].dims}")
    # The bins partition the operations: summed over time they are ops.
    check(np.array_equal(ts["ops"].values.sum(axis=2, dtype=np.uint64),
                         ds["ops"].values.astype(np.uint64)),
          f"{engine}: timeseries summed over time equals summary/ops")
    sw = xr.open_dataset(small, engine=engine, group="sweep")
    check(list(sw["compliance"].values) == [0.5, 1.0]
          and sw["compliance"].dims == ("point",)
          and sw["compliance"].attrs["path"] == "alliances.[0].nonaggression.compliance",
          f"{engine}: sweep/compliance values, dim and path")
    check(list(sw["states__2__attack_rate"].values) == [0.2, 0.4],
          f"{engine}: sweep axis named from its path")
    prov = xr.open_dataset(small, engine=engine, group="provenance")
    text = prov["scenario_text"].values.item()
    text = text.decode() if isinstance(text, bytes) else text
    with open(small_cfg) as f:
        check(text == f.read(), f"{engine}: provenance/scenario_text is the file")
    root = xr.open_dataset(small, engine=engine)
    check(str(root["time"].values[0])[:10] == "2015-05-08"
          and str(root["time"].values[1])[:10] == "2015-06-07",
          f"{engine}: time decodes to dates from 'days since 2015-05-08'")
    ids = [x.decode() if isinstance(x, bytes) else str(x) for x in root["state"].values]
    check(ids == ["US", "RU", "CN"], f"{engine}: state scale {ids}")
    ev = xr.open_dataset(small_ev, engine=engine, group="events")
    check(all(ev[c].dims == ("event",) for c in
              ("time", "value", "kind", "optype", "attacker", "target",
               "blamed", "other", "point", "replication")),
          f"{engine}: /events columns along 'event' ({ev.sizes['event']} rows)")
    ds_ev = xr.open_dataset(small_ev, engine=engine, group="summary")
    check(all(np.array_equal(ds_ev[n].values, ds[n].values, equal_nan=ds[n].dtype.kind in "fm")
              for n in EXPECTED_DIMS),
          f"{engine}: --event-log leaves /summary unchanged")
    # A run's LAUNCH (0) and RESPONSE (5) rows are its operations.
    launch = (ev["kind"].values == 0) | (ev["kind"].values == 5)
    counts = np.zeros((2, 20), dtype=np.int64)
    np.add.at(counts, (ev["point"].values[launch], ev["replication"].values[launch]), 1)
    check(np.array_equal(counts, ds["ops"].values.sum(axis=(2, 3))),
          f"{engine}: LAUNCH + RESPONSE rows per run equal the run's total ops"
          f" ({counts.sum()} rows)")
    pl = xr.open_dataset(plain, engine=engine, group="summary")
    check("alliance" not in pl.sizes and "alliance_ended" not in pl
          and pl.sizes["point"] == 1 and pl["ops"].dims == DIMS4,
          f"{engine}: A = 0 file opens without alliance dimension")
    plr = xr.open_dataset(plain, engine=engine)
    check("time" not in plr, f"{engine}: no time scale without time series")

# Root attributes.
a = h5.attrs
check(a["format"] == b"cysim" and a["format_version"] == 2, "format attributes (version 2)")
check(a["seed"] == 20150508 and a["seed"].dtype == np.int64, "seed is int64")
check(a["horizon"] == 730.0 and a["complete"] == 1, "horizon, complete")
check(a["start"] == b"2015-05-08" and a["scenario_name"] == b"io_small", "start, name")
check(re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created"]) is not None,
      "created is ISO 8601")
check(b" run " in a["command_line"] and a["software_version"], "command_line, version")
check(h5["time"].attrs["units"] == b"days since 2015-05-08", "time units")
check(h5["summary/ops"].compression == "gzip" and h5["summary/ops"].shuffle
      and h5["summary/ops"].chunks[:2] == (1, 20), "chunked, shuffle + deflate")
# Floats are deflated unshuffled: mostly zeros with noisy nonzero values
# compress better whole than spread over eight byte planes (h5util.h).
check(h5["summary/damage"].compression == "gzip"
      and not h5["summary/damage"].shuffle
      and h5["summary/damage"].chunks[:2] == (1, 20), "floats: deflate, no shuffle")
check(h5py.File(plain)["time"] if "time" in h5py.File(plain) else True, "plain: no time")

# Values against the model run directly through the C API: every field
# (and the seed) of two (point, replication) pairs, "DATASET INDEX VALUE".
rt = os.path.join(TESTBIN, "test_run_roundtrip")
groups = {g: xr.open_dataset(small, engine="netcdf4", group=g, decode_timedelta=False)
          for g in ("summary", "timeseries")}
for p, rep in ((0, 3), (1, 17)):
    out = subprocess.run([rt, "--dump", small_cfg, str(p), str(rep)],
                         capture_output=True, text=True, check=True).stdout
    bad, seen = 0, set()
    for line in out.splitlines():
        dataset, i, v = line.split()
        group, name = dataset.split("/")
        seen.add(dataset)
        got = groups[group][name].values[p, rep].ravel()[int(i)]
        if "." in v or "e" in v or "n" in v:
            bad += not (float(got) == float(v) or (math.isnan(float(got)) and math.isnan(float(v))))
        else:
            bad += int(got) != int(v)
    want = set(SHAPE_OF) | {"summary/seed"}
    check(bad == 0 and seen == want,
          f"(point {p}, rep {rep}) equals the C API's direct run"
          f" ({len(seen)} datasets, missing {want - seen})")

def close(a, b):
    return abs(a - b) <= 5e-4 * max(abs(b), 1e-12) + 1e-12


# CSV: a tidy table equal to the file.  --per-replication: one row per
# run and value, each dimension in its own column.
r = run("report", small, "--csv", "--per-replication")
check(r.returncode == 0, "report --csv --per-replication to stdout exits 0")
csv_path = os.path.join(tmp, "small.csv")
with open(csv_path, "w") as f:
    f.write(r.stdout)
# round_trip: pandas' default float parser may be off by an ulp.
df = pd.read_csv(csv_path, float_precision="round_trip")
check(list(df.columns) == ["point", "compliance", "states__2__attack_rate",
                           "replication", "metric", "attacker", "target",
                           "optype", "alliance", "value"],
      "CSV columns")
# 40 runs x (dyad metrics x 6 off-diagonal dyads + scalars + optype
# metrics x 3 optypes + alliance metrics x 1 alliance); no time series.
n_shape = {k: sum(1 for f in FIELDS if f[3] == k) for k in SHAPE_DIMS}
per_run = n_shape["NN"] * 6 + n_shape["SCALAR"] + n_shape["K"] * 3 + n_shape["A"]
check(len(df) == 40 * per_run, f"CSV has {len(df)} rows, expected {40 * per_run}")
check(list(dict.fromkeys(df.metric))
      == [f[2] for k in ("NN", "SCALAR", "K", "A") for f in FIELDS if f[3] == k],
      "CSV metrics are the dataset names, in the order of cy_outcome.h, by shape")
check(not df.metric.str.contains(".", regex=False).any(),
      "no dimension folded into a metric name")
ops = df[df.metric == "ops"]
ids = ["US", "RU", "CN"]
v = h5["summary/ops"][()]
check(all(v[row.point, row.replication, ids.index(row.attacker), ids.index(row.target)]
          == row.value for row in ops.itertuples()), "CSV ops equal the file")
check(ops.optype.isna().all() and ops.alliance.isna().all(),
      "a dyad metric's optype and alliance are empty")
dmg = df[df.metric == "damage"]
vd = h5["summary/damage"][()]
check(all(vd[row.point, row.replication, ids.index(row.attacker), ids.index(row.target)]
          == row.value for row in dmg.itertuples()), "CSV damage equals the file exactly")
obt = df[df.metric == "ops_by_type"]
optypes = [x.decode() for x in h5["optype"][()]]
vk = h5["summary/ops_by_type"][()]
check(len(obt) == 40 * 3 and obt.attacker.isna().all()
      and all(vk[row.point, row.replication, optypes.index(row.optype)] == row.value
              for row in obt.itertuples()),
      "ops_by_type: optype in its own column, values equal the file")
aed = df[df.metric == "alliance_end_day"]
alliances = [x.decode() for x in h5["alliance"][()]]
va = h5["summary/alliance_end_day"][()]
check(len(aed) == 40 and all(va[row.point, row.replication, alliances.index(row.alliance)]
                             == row.value for row in aed.itertuples()),
      "alliance_end_day: alliance in its own column, values equal the file")
check(set(df[df.point == 1].compliance) == {1.0}, "CSV carries swept values")
# Shortest round-trip numbers: no float prints more digits than repr().
raw_values = [line.rsplit(",", 1)[1] for line in r.stdout.splitlines()[1:]]
check(all(x == "" or x == repr(float(x)).removesuffix(".0") or "e" in x
          for x in raw_values),
      "every value in its shortest round-trip form (as Python's repr)")

# The default CSV: per point and value, n, mean and the report's interval.
r = run("report", small, "--csv")
agg = pd.read_csv(__import__("io").StringIO(r.stdout), float_precision="round_trip")
check(r.returncode == 0 and list(agg.columns)
      == ["point", "compliance", "states__2__attack_rate", "metric", "attacker",
          "target", "optype", "alliance", "n", "mean", "lo", "hi", "interval"],
      "aggregate CSV columns")
check(len(agg) == 2 * per_run, f"aggregate CSV: {len(agg)} rows, one per point and value")
bad = 0
for row in agg[agg.metric.isin(["ops", "damage", "hostility_final"])].itertuples():
    x = h5["summary/" + row.metric][row.point, :, ids.index(row.attacker),
                                    ids.index(row.target)]
    want = cysim.interval(x, row.metric != "hostility_final")
    if (row.n != 20 or row.mean != want.mean or row.interval != want.method
            or not close(row.lo, want.lo) or not close(row.hi, want.hi)):
        bad += 1
        print("  differs:", row, want)
check(bad == 0, "aggregate CSV: n, mean (exactly), lo, hi, interval as cysim.interval()")

# Terminal report against independent statistics.
rep_txt = run("report", small).stdout
status = h5["summary/status"][()]
check("40 of 40 runs done" in rep_txt, "report counts the runs used")


def ci(x):
    m = statistics.fmean(x)
    h = T_975_19 * statistics.stdev(x) / math.sqrt(len(x))
    if m - h < 0:  # a rare count: the report's bootstrap
        return (m, *cysim.bootstrap(x))
    return m, m - h, m + h


def close(a, b):
    return abs(a - b) <= 5e-4 * max(abs(b), 1e-12) + 1e-12


blocks = rep_txt.split("== point ")[1:]
for p, block in enumerate(blocks):
    for i, att in enumerate(ids):
        for j, tgt in enumerate(ids):
            m = re.search(rf"^{att}->{tgt} +(\S+) +\[(\S+), (\S+)\] +(\S+) +\[(\S+), (\S+)\]"
                          rf" +(\S+) +\[(\S+), (\S+)\]", block, re.M)
            if i == j or m is None:
                continue
            nums = [float(x) for x in m.groups()]
            exp = []
            for name in ("ops", "successes", "attributed"):
                exp += ci([float(x) for x in h5["summary/" + name][p, :, i, j]])
            check(all(close(a, b) for a, b in zip(nums, exp)),
                  f"point {p} {att}->{tgt}: report {nums[:3]} vs {exp[:3]}")
    for j, st in enumerate(ids):
        m = re.search(rf"^{st} +(\S+) +\[(\S+), (\S+)\]", block, re.M)
        suffered = h5["summary/damage"][p, :, :, j].sum(axis=1)
        exp = ci(list(suffered))
        check(m is not None and all(close(float(a), b) for a, b in zip(m.groups(), exp)),
              f"point {p} damage suffered by {st}: {m.groups() if m else None} vs {exp}")
    # Survival and the Kaplan-Meier median (all censoring is at the
    # horizon, after every end, so KM is the empirical survival curve).
    ended = h5["summary/alliance_ended"][p, :, 0]
    day = h5["summary/alliance_end_day"][p, :, 0]
    surv = int((ended == 0).sum())
    ends = sorted(day[ended == 1])
    s, median = 1.0, None
    for k, t in enumerate(ends):
        if k + 1 < len(ends) and ends[k + 1] == t:
            continue
        s = 1.0 - (k + 1) / 20
        if s <= 0.5:
            median = t
            break
    m = re.search(r"^ru_cn +(\S+) \((\d+)/(\d+)\) +(.*)$", block, re.M)
    check(m is not None and int(m.group(2)) == surv and int(m.group(3)) == 20,
          f"point {p}: survived {m.group(2) if m else None}/20, expected {surv}")
    if m:
        if median is None:
            check(m.group(4).startswith("not reached"), f"point {p}: KM median not reached")
        else:
            check(close(float(m.group(4).split()[0]), round(median, 1)),
                  f"point {p}: KM median {m.group(4)} vs {median:.1f}")

# ---- format version 2 (MODEL.md section 10.4) ----
# io_small with a bool sweep of alliances.[0].enabled zipped with the
# compliance axis, so point 0 has the pact enabled and point 1 disabled.
with open(small_cfg) as f:
    base_text = f.read()
v2_text = base_text.replace(
    'values = [ 0.5, 1.0 ]; zip = "pact"; },',
    'values = [ 0.5, 1.0 ]; zip = "pact"; },\n'
    '  { path = "alliances.[0].enabled"; name = "pact_on"; values = [ true, false ];'
    ' zip = "pact"; },').replace(
    'members = [ "RU", "CN" ];', 'members = [ "RU", "CN" ]; enabled = true;')
check(v2_text.count("enabled") == 2, "io_small.cfg extended with an enabled sweep")
v2_cfg = os.path.join(tmp, "v2.cfg")
with open(v2_cfg, "w") as f:
    f.write(v2_text)
r = run("validate", v2_cfg)
check(r.returncode == 0, "a bool sweep of alliances.[0].enabled validates " + r.stderr)
v2 = os.path.join(tmp, "v2.h5")
r = run("run", v2_cfg, "-o", v2, "-q", "-n", "4")
check(r.returncode == 0, "run of the enabled sweep exits 0 " + r.stderr)
f2 = h5py.File(v2, "r")
check(f2.attrs["format_version"] == 2, "format_version 2")

# Every numeric dataset carries long_name, units and description; text
# scales carry long_name and description but no units.
missing, text_units = [], []


def visit(name, obj):
    if not isinstance(obj, h5py.Dataset):
        return
    if obj.dtype.kind in "iuf":
        if not all(k in obj.attrs for k in ("long_name", "units", "description")):
            missing.append(name)
    elif obj.dtype.kind in "OS" and name != "provenance/scenario_text":
        if "units" in obj.attrs:
            text_units.append(name)
        if not all(k in obj.attrs for k in ("long_name", "description")):
            missing.append(name)


f2.visititems(visit)
check(not missing, f"every dataset carries long_name, units, description (missing: {missing})")
check(not text_units, f"text scales carry no units ({text_units})")
check(f2["summary/ops"].attrs["units"] == b"1"
      and f2["summary/alliance_end_day"].attrs["units"] == b"days",
      "units: counts '1', days 'days'")
st = f2["summary/status"].attrs
check(list(st["flag_values"]) == [0, 1] and st["flag_values"].dtype == np.uint8
      and st["flag_meanings"] == b"missing done", "status flag_values and flag_meanings")
check(f2["summary/alliance_end_day"].fillvalue != f2["summary/alliance_end_day"].fillvalue
      and np.isnan(f2["summary/alliance_end_day"].attrs["_FillValue"]),
      "alliance_end_day: HDF5 fill value and _FillValue are NaN")

# time_bounds: bins of output.bin = 30 days from day 0, the last one
# ending at the horizon (730): [720, 730], 10 days wide.
tb = f2["time_bounds"][()]
check(tb.shape == (25, 2) and f2["nv"].shape == (2,), f"time_bounds shape {tb.shape}")
check(np.array_equal(tb[:, 0], f2["time"][()]) and tb[0, 0] == 0.0,
      "time_bounds starts are the time scale, from day 0")
check(np.array_equal(tb[:-1, 1], tb[1:, 0]), "bins are contiguous")
check(np.all(tb[:-1, 1] - tb[:-1, 0] == 30.0) and tb[-1, 1] == 730.0
      and tb[-1, 1] - tb[-1, 0] == 10.0, "widths 30 days, the last ends at the horizon (10 days)")
check(f2["time"].attrs["bounds"] == b"time_bounds", "time carries bounds = time_bounds")

for engine in ("h5netcdf", "netcdf4"):
    sm = xr.open_dataset(v2, engine=engine, group="summary")
    check(list(sm["attacker"].values) == ["US", "RU", "CN"]
          and list(sm["target"].values) == ["US", "RU", "CN"]
          and "attacker" in sm["ops"].coords and "target" in sm["ops"].coords,
          f"{engine}: summary shows state names on attacker and target")
    check(list(sm["optype"].values) == list(xr.open_dataset(v2, engine=engine)["optype"].values)
          and list(sm["alliance"].values) == ["ru_cn"],
          f"{engine}: summary shows optype and alliance names")
    axes = list(f2["sweep"])
    check(all(a in sm.coords and sm[a].dims == ("point",)
              and np.array_equal(sm[a].values, f2["sweep"][a][()]) for a in axes)
          and all(a in sm["ops"].coords for a in axes),
          f"{engine}: the swept values {axes} are coordinates along point")
    ts = xr.open_dataset(v2, engine=engine, group="timeseries")
    bounds = ts["time"].attrs.get("bounds", ts["time"].encoding.get("bounds"))
    check("time" in ts.coords and bounds == "time_bounds" and "time_bounds" in ts
          and ts["time_bounds"].dims == ("time", "nv"),
          f"{engine}: timeseries shows time with its bounds")
    tsa = xr.open_dataset(v2, engine=engine, group="timeseries", decode_coords="all")
    check("time_bounds" in tsa.coords, f"{engine}: decode_coords='all' makes time_bounds a coordinate")
    en = sm["alliance_enabled"]
    check(en.dims == ("point", "alliance"), f"{engine}: alliance_enabled dims {en.dims}")
    want = f2["sweep/pact_on"][()].reshape(-1, 1)
    check(np.array_equal(en.values, want),
          f"{engine}: alliance_enabled {en.values.ravel()} matches the sweep {want.ravel()}")

# A disabled alliance never acts (MODEL.md 10.4): at the point where the
# sweep switches the pact off, no replication counts a breach or an end,
# and its end day is NaN (the dataset's fill value); where it is on, every
# end day is a number.
on = f2["sweep/pact_on"][()].astype(bool)
end_day = f2["summary/alliance_end_day"][()]
check(not on.all() and on.any(), "the sweep has the pact on and off")
check(np.isnan(end_day[~on]).all() and not np.isnan(end_day[on]).any(),
      "alliance_end_day is NaN exactly where the pact is disabled")
check((f2["summary/breaches"][()][~on] == 0).all()
      and (f2["summary/alliance_ended"][()][~on] == 0).all(),
      "a disabled pact counts no breach and never ends")
check(np.isnan(f2["summary/alliance_end_day"].fillvalue),
      "alliance_end_day's fill value is NaN")
# The report says so instead of a survival of 1 (a pact that never existed
# was not kept), and pairs no survival difference with such a point.
r = run("report", v2, "--baseline", "0")
check(r.returncode == 0, "report --baseline 0 of the enabled sweep " + r.stderr)
rows = [ln.split() for ln in r.stdout.splitlines() if ln.startswith("ru_cn ")]
# One survival row per point (in point order), then the difference rows.
survival = [row for row in rows if len(row) == 3 or "(" in row[2]]
check([row[1] == "disabled" for row in survival] == [not x for x in on],
      f"report marks the pact disabled exactly at the off points: {rows}")
check("disabled at one of the two points" in r.stdout,
      "no survival difference against a disabled point")

# A sweep axis named like a variable of the groups is refused, with the
# file and line of its name.
clash = os.path.join(tmp, "clash.cfg")
with open(clash, "w") as f:
    f.write(base_text.replace('name = "compliance"', 'name = "ops"'))
r = run("validate", clash)
check(r.returncode == 2 and re.search(r"clash\.cfg:\d+: sweep\.\[0\]\.name: axis name 'ops'",
                                      r.stderr) is not None,
      "a sweep axis named 'ops' is refused with file:line " + r.stderr.strip())

# A version 1 file (no fear_final, time_bounds, alliance_enabled; format
# version 1) still reads: report and report --csv exit 0, the CSV without
# fear_final rows.
v1 = os.path.join(tmp, "v1.h5")
subprocess.run(["cp", small, v1], check=True)
with h5py.File(v1, "r+") as f:
    f.attrs["format_version"] = np.int32(1)
    for name in ("summary/fear_final", "summary/alliance_enabled", "time_bounds"):
        del f[name]
r = run("report", v1)
check(r.returncode == 0 and "== point 1" in r.stdout, "a version 1 file reports " + r.stderr)
r = run("report", v1, "--csv")
check(r.returncode == 0 and "fear_final" not in r.stdout and ",ops," in r.stdout,
      "a version 1 file's CSV has no fear_final rows")
v1x = xr.open_dataset(v1, engine="h5netcdf", group="summary")
check("fear_final" not in v1x and "ops" in v1x, "xarray opens the version 1 file")

# analysis/cysim.py's load() reads both versions alike: a version 1 file
# gets alliance_enabled all 1 and time_bounds rebuilt from the bin width
# (equal to the version 2 file's, whose last bin ends at the horizon).
l1, l2 = cysim.load(v1), cysim.load(v2)
check(l1.attrs["format_version"] == 1 and l2.attrs["format_version"] == 2
      and l1.ops.dims == ("point", "replication", "attacker", "target")
      and "fear_final" not in l1 and "fear_final" in l2
      and bool((l1.alliance_enabled == 1).all()),
      "cysim.load reads version 1 and 2 files")
check(np.array_equal(l1.time_bounds.values, l2.time_bounds.values),
      "cysim.load: version 1 time bounds from the bin width")

r = subprocess.run(["h5dump", "-H", small], capture_output=True)
check(r.returncode == 0, "h5dump reads the file")

if failures == 0:
    subprocess.run(["rm", "-rf", tmp])
else:
    print("kept", tmp)
print(f"{failures} failed")
sys.exit(1 if failures else 0)
