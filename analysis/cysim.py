"""Read a cysim results file (sim/MODEL.md, "Output file") into labelled
xarray and pandas objects, and compute the intervals `cysim report` prints.

Use Debian's Python (/usr/bin/python3 with python3-h5py, -numpy, -pandas,
-xarray, -scipy).  Three entry points:

* load(path)   -> xarray.Dataset, every dimension labelled;
* tidy(path)   -> long pandas DataFrame, one row per value;
* paired(path, baseline) -> the paired differences `cysim report
  --baseline` prints, as a DataFrame, to the same digits.

Example (tests/test_analysis.py runs these docstring examples on a real
file through doctest; ``PATH`` is a results file of tests/data/io_small.cfg):

>>> ds = load(PATH)
>>> list(ds.attacker.values)
['US', 'RU', 'CN']
>>> ds.ops.dims
('point', 'replication', 'attacker', 'target')
>>> float(ds.ops.sel(attacker="RU", target="CN").mean("replication")[0]) >= 0
True
>>> t = tidy(PATH, metrics=["ops"])
>>> list(t.columns)  # doctest: +NORMALIZE_WHITESPACE
['point', 'compliance', 'states__2__attack_rate', 'replication',
 'attacker', 'target', 'metric', 'value']
>>> len(t) == 2 * 20 * 6   # points x replications x dyads (self-pairs left out)
True

Runs whose /summary/status is not 1 (a shard's runs of other tasks, or a
run interrupted before --resume) hold no data: load() masks them (NaN),
tidy() leaves them out, paired() pairs only runs done at both points.
Format versions 1 and 2 read alike; a version 1 file lacks fear_final,
alliance_enabled (all enabled) and time_bounds (rebuilt from the bin width).
"""
from collections import namedtuple

import h5py
import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["load", "tidy", "paired", "per_run", "axes", "point_labels", "timeline",
           "interval", "paired_interval", "bootstrap", "splitmix64", "kaplan_meier",
           "Interval", "KaplanMeier"]

# Attributes that describe HDF5 dimension scales, not the quantity.
_SCALE_ATTRS = {"DIMENSION_LIST", "CLASS", "NAME", "REFERENCE_LIST", "_FillValue",
                "coordinates", "_Netcdf4Dimid", "_Netcdf4Coordinates"}
# Dimensions of the /summary datasets in a file without dimension scales
# (by the trailing dimensions' meaning; sim/MODEL.md's layout).
_V1_DIMS = {"ops_by_type": ("optype",), "alliance_ended": ("alliance",),
            "alliance_end_day": ("alliance",), "breaches": ("alliance",)}
_DIM_ORDER = ["attacker", "target", "state", "optype", "alliance", "time"]


def _text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.atleast_1d(values)]


def _attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if k in _SCALE_ATTRS:
            continue
        out[k] = v.decode() if isinstance(v, bytes) else v
    return out


def _dims(ds, name, lead):
    """Dimension names of dataset ds: its attached scales' names, or, in a
    file without them, the layout's."""
    names = []
    for i in range(ds.ndim):
        keys = list(ds.dims[i].keys()) if "DIMENSION_LIST" in ds.attrs else []
        names.append(keys[0] if keys else None)
    if all(names):
        return tuple(names)
    rest = ds.ndim - len(lead)
    if name in _V1_DIMS:
        tail = _V1_DIMS[name]
    elif rest == 3:
        tail = ("time", "attacker", "target")
    else:
        tail = ("attacker", "target")[:rest]
    return tuple(lead) + tuple(tail)


def load(path, mask=True):
    """The results file at path as one xarray.Dataset.

    Dimensions: point, replication, attacker, target, optype, alliance, time
    and bound, each with its labels (state ids, operation-type names,
    alliance ids, the bin start in days for time).  The swept settings are
    coordinates on point (their HDF5 attributes, e.g. `path`, `zip`,
    `units`, kept); `time_bounds` [time, bound] holds each bin's start and
    end (the last bin ends at the horizon), and `date` the bin start as a
    calendar date when the scenario has `start`.  Variables: every /summary
    dataset by its name, `timeseries_ops` for /timeseries/ops, `status`,
    `alliance_enabled` [point, alliance].  Each keeps its attributes
    (`units`, `long_name`, `description`).  The root attributes, and the
    scenario text as `scenario_text`, are the Dataset's attributes.

    With mask (default), values of runs whose status is not 1 are NaN (so
    reductions over replication use only done runs; integer counts become
    floats); mask=False keeps the stored numbers.

    >>> ds = load(PATH)
    >>> ds.compliance.values.tolist(), ds.compliance.attrs["zip"]
    ([0.5, 1.0], 'pact')
    >>> ds.time_bounds.values[-1].tolist()   # the last bin ends at the horizon
    [720.0, 730.0]
    >>> ds.timeseries_ops.dims
    ('point', 'replication', 'time', 'attacker', 'target')
    """
    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("format", b""))[0] != "cysim":
            raise ValueError(f"{path}: not a cysim results file")
        version = int(f.attrs.get("format_version", 1))
        if version not in (1, 2):
            raise ValueError(f"{path}: format_version {version}; this reads versions 1 and 2")
        attrs = _attrs(f)
        attrs["format_version"] = version
        if "provenance/scenario_text" in f:
            attrs["scenario_text"] = _text(f["provenance/scenario_text"][()])[0]
            attrs.update({"provenance_" + k: v for k, v in _attrs(f["provenance"]).items()})
        states = _text(f["state"][()])
        coords = {"point": np.arange(f["point"].shape[0]),
                  "replication": np.arange(f["summary/status"].shape[1]),
                  "attacker": states, "target": states, "state": states,
                  "optype": _text(f["optype"][()]),
                  "alliance": _text(f["alliance"][()]) if "alliance" in f else []}
        for k in ("point", "replication", "attacker", "target", "state", "optype", "alliance"):
            src = f[k] if k in f else None
            coords[k] = xr.Variable(k, coords[k], _attrs(src) if src is not None else {})
        if "sweep" in f:
            for name, d in f["sweep"].items():
                vals = d[()]
                vals = _text(vals) if vals.dtype.kind in "SO" else vals
                coords[name] = xr.Variable("point", vals, _attrs(d))
        data = {}
        g = f["summary"]
        P, R = g["status"].shape
        for name, d in g.items():
            if d.ndim < 2 or d.shape[:2] != (P, R):
                continue
            data[name] = xr.Variable(_dims(d, name, ("point", "replication")), d[()], _attrs(d))
        if "alliance_enabled" in g:
            d = g["alliance_enabled"]
            data["alliance_enabled"] = xr.Variable(("point", "alliance"), d[()], _attrs(d))
        else:
            data["alliance_enabled"] = xr.Variable(
                ("point", "alliance"), np.ones((P, len(coords["alliance"])), dtype=np.uint8),
                {"long_name": "alliance enabled", "units": "1"})
        if "time" in f:
            _time(f, attrs, coords, data)
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    if mask:
        done = ds.status == 1
        for name in list(ds.data_vars):
            # status says which runs are done; a seed is an exact 64-bit key
            if name not in ("status", "seed") and "replication" in ds[name].dims:
                ds[name] = ds[name].where(done).assign_attrs(ds[name].attrs)
    return ds


def _time(f, attrs, coords, data):
    t = f["time"][()]
    horizon = float(attrs["horizon"])
    if "time_bounds" in f:
        bounds = f["time_bounds"][()]
        battrs = _attrs(f["time_bounds"])
    else:  # version 1: each bin ends where the next starts, the last at the horizon
        bounds = np.stack([t, np.minimum(np.append(t[1:], horizon), horizon)], axis=1)
        battrs = {"long_name": "bin bounds", "units": _attrs(f["time"]).get("units", "days")}
    tattrs = _attrs(f["time"])
    tattrs["bounds"] = "time_bounds"
    coords["time"] = xr.Variable("time", t, tattrs)
    coords["bound"] = xr.Variable("bound", ["start", "end"])
    data["time_bounds"] = xr.Variable(("time", "bound"), bounds, battrs)
    if attrs.get("start"):
        base = np.datetime64(attrs["start"])
        coords["date"] = xr.Variable("time", base + (t * 86400).astype("timedelta64[s]"))
    if "timeseries/ops" in f:
        d = f["timeseries/ops"]
        data["timeseries_ops"] = xr.Variable(
            _dims(d, "timeseries_ops", ("point", "replication")), d[()], _attrs(d))


def _sweep_names(ds):
    return [c for c in ds.coords if ds[c].dims == ("point",) and c != "point"]


def tidy(path, metrics=None):
    """A long pandas DataFrame of the per-run values: columns point, each
    swept setting, replication, then attacker, target, state, optype,
    alliance, time as the metrics have them, metric and value.  Only runs
    with status 1; self-pairs (attacker == target) left out.  metrics: a
    list of variable names of load() (default: every /summary quantity but
    status and seed; `timeseries_ops` only on request, with a time column
    holding the bin start).  path may also be a Dataset from load().

    >>> t = tidy(PATH, metrics=["alliance_end_day", "ops_by_type"])
    >>> sorted(t.metric.unique())
    ['alliance_end_day', 'ops_by_type']
    >>> list(t.columns)[-4:]
    ['optype', 'alliance', 'metric', 'value']
    """
    ds = path if isinstance(path, xr.Dataset) else load(path, mask=False)
    sweep = _sweep_names(ds)
    if metrics is None:
        metrics = [v for v in ds.data_vars if "replication" in ds[v].dims
                   and v not in ("status", "seed", "timeseries_ops")]
    done = (ds.status == 1).values
    frames, dimcols = [], []
    for m in metrics:
        if m not in ds.data_vars:
            raise KeyError(f"no metric {m!r}; the file has {sorted(ds.data_vars)}")
        da = ds[m]
        df = da.reset_coords(drop=True).to_series().rename("value").reset_index()
        df = df[done[df["point"].to_numpy(), df["replication"].to_numpy()]]
        if "attacker" in df:
            df = df[df["attacker"] != df["target"]]
        df.insert(len(df.columns) - 1, "metric", m)
        frames.append(df)
        dimcols += [d for d in da.dims if d not in dimcols]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for name in reversed(sweep):
        out.insert(1, name, ds[name].values[out["point"].to_numpy()])
    cols = ["point"] + sweep + ["replication"] + [d for d in _DIM_ORDER if d in dimcols]
    return out[cols + ["metric", "value"]].reset_index(drop=True)


# --- the report's intervals (sim/MODEL.md, "Intervals"), reproduced exactly:
# the bootstrap's generator, seed, number of resamples and order statistics.
BOOT_SEED = 0
BOOT_RESAMPLES = 1999
BOOT_LO, BOOT_HI = 50, 1950  # 1-based order statistics of the B means

Interval = namedtuple("Interval", "mean lo hi method")
Interval.__doc__ = """mean, lower and upper bound of a 95% interval; method is
"t", "bootstrap" or "none" (fewer than two values: lo and hi are NaN)."""


def splitmix64(seed, count):
    """The first `count` outputs of splitmix64 started from state `seed`, as
    a uint64 array: output t (1-based) mixes seed + t * 0x9E3779B97F4A7C15,
    all arithmetic modulo 2**64.

    >>> hex(int(splitmix64(0, 1)[0]))
    '0xe220a8397b1dcdaf'
    """
    u = np.uint64
    with np.errstate(over="ignore"):
        s = u(seed) + np.arange(1, count + 1, dtype=u) * u(0x9E3779B97F4A7C15)
        z = (s ^ (s >> u(30))) * u(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
        return z ^ (z >> u(31))


def _sequential_sum(values, axis=-1):
    # np.sum adds pairwise; the report adds left to right, and so must we to
    # get the same doubles.
    return np.cumsum(values, axis=axis).take(-1, axis=axis)


def bootstrap(x):
    """The report's percentile bootstrap of the mean of the 1-D array x:
    BOOT_RESAMPLES resamples of len(x) values; draw number (b * n + j) of
    splitmix64(BOOT_SEED) picks index ((draw >> 32) * n) >> 32 for value j
    of resample b; each resample's mean is its values summed in draw order
    divided by n; the bounds are the BOOT_LO-th and BOOT_HI-th smallest
    means.  Returns (lo, hi).

    >>> bootstrap([0, 0, 0, 1])
    (0.0, 0.75)
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    assert 0 < n < 2**32
    draws = splitmix64(BOOT_SEED, BOOT_RESAMPLES * n)
    idx = ((draws >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32)
    means = np.sort(_sequential_sum(x[idx.astype(np.int64).reshape(BOOT_RESAMPLES, n)]) / n)
    return float(means[BOOT_LO - 1]), float(means[BOOT_HI - 1])


def interval(x, nonneg):
    """The mean and 95% interval of the 1-D array x exactly as `cysim report`
    prints them (sim/MODEL.md, "Intervals"): Student t, or, when nonneg (x
    is a non-negative quantity) and the t interval's lower bound is below 0,
    the percentile bootstrap of bootstrap().  Returns an Interval.

    >>> interval([0, 0, 0, 1], nonneg=True)
    Interval(mean=0.25, lo=0.0, hi=0.75, method='bootstrap')
    >>> interval([1, 2, 3, 4], nonneg=True).method
    't'
    """
    from scipy.stats import t

    x = np.asarray(x, dtype=float).ravel()
    n = len(x)
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, "none")
    mean = float(_sequential_sum(x)) / n
    if n < 2:
        return Interval(mean, np.nan, np.nan, "none")
    sd = np.sqrt(float(((x - mean) ** 2).sum()) / (n - 1))
    half = float(t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    if nonneg and mean - half < 0:
        return Interval(mean, *bootstrap(x), "bootstrap")
    return Interval(mean, mean - half, mean + half, "t")


def paired_interval(x, base, done=None, base_done=None):
    """One paired difference as `cysim report --baseline` prints it: x and
    base hold one value per replication (same order) at a point and at the
    baseline point; done and base_done (boolean, default all) say which
    replications each has done.  Over the replications done at both, the
    differences x - base in replication order go to interval(d, False): a
    difference may be negative, so it keeps its t interval.  Returns
    (Interval, number of replications paired).

    >>> ci, n = paired_interval([5, 5, 5, 6, 9], [5, 5, 5, 5, 0], done=[1, 1, 1, 1, 0])
    >>> n, ci.mean, ci.method
    (4, 0.25, 't')
    """
    x = np.asarray(x, dtype=float)
    base = np.asarray(base, dtype=float)
    both = np.ones(len(x), dtype=bool)
    if done is not None:
        both &= np.asarray(done, dtype=bool)
    if base_done is not None:
        both &= np.asarray(base_done, dtype=bool)
    return interval(x[both] - base[both], nonneg=False), int(both.sum())


def _figures(ds):
    """[(kind, label, attacker, target, state, alliance, metric, [point,
    replication] array)]: the figures `cysim report` prints per point
    (dyads: operations, successes, attributions; states: damage suffered,
    summed over attackers; alliances: survived, 1 - ended)."""
    out = []
    names = list(ds.attacker.values)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                for m in ("ops", "successes", "attributed"):
                    out.append(("dyad", f"{a}->{b}", a, b, None, None, m,
                                ds[m].values[:, :, i, j].astype(float)))
    dmg = ds["damage"].values.astype(float)
    for j, s in enumerate(names):
        out.append(("state", s, None, None, s, None, "damage_suffered",
                    _sequential_sum(dmg[:, :, :, j])))
    for k, al in enumerate(ds.alliance.values):
        out.append(("alliance", al, None, None, None, al, "survived",
                    1.0 - (ds["alliance_ended"].values[:, :, k] != 0)))
    return out


def paired(path, baseline):
    """The paired differences `cysim report --baseline BASELINE` prints, as
    a DataFrame: one row per other point and figure, with columns point,
    each swept setting, kind (dyad, state, alliance), label (as the report
    prints it: RU->CN, CN, ru_cn), attacker, target, state, alliance,
    metric (ops, successes, attributed, damage_suffered, survived), n (the
    replications done at both points), mean, lo, hi and method of the 95%
    interval (Student t: a difference may be negative).  An alliance
    disabled at either point has no survival difference (no row), as in
    the report.

    >>> d = paired(PATH, 0)
    >>> r = d[(d.label == "RU->CN") & (d.metric == "ops")].iloc[0]
    >>> int(r.point), int(r.n), r.method
    (1, 20, 't')
    """
    ds = path if isinstance(path, xr.Dataset) else load(path, mask=False)
    P = ds.sizes["point"]
    if not 0 <= baseline < P:
        raise ValueError(f"baseline {baseline}: the file has points 0 to {P - 1}")
    done = (ds.status == 1).values
    enabled = ds.alliance_enabled.values.astype(bool)
    sweep = _sweep_names(ds)
    rows = []
    for p in range(P):
        if p == baseline:
            continue
        for kind, label, a, b, s, al, m, v in _figures(ds):
            if kind == "alliance":
                k = list(ds.alliance.values).index(al)
                if not (enabled[p, k] and enabled[baseline, k]):
                    continue
            ci, n = paired_interval(v[p], v[baseline], done[p], done[baseline])
            row = {"point": p}
            row.update({c: ds[c].values[p] for c in sweep})
            row.update(kind=kind, label=label, attacker=a, target=b, state=s, alliance=al,
                       metric=m, n=n, mean=ci.mean, lo=ci.lo, hi=ci.hi, method=ci.method)
            rows.append(row)
    return pd.DataFrame(rows)


def levels(path):
    """The per-point figures `cysim report` prints (the same rows as
    paired(), without n): mean, lo, hi, method of interval(x, nonneg=True)
    over the done runs; no row for an alliance disabled at the point."""
    ds = path if isinstance(path, xr.Dataset) else load(path, mask=False)
    done = (ds.status == 1).values
    enabled = ds.alliance_enabled.values.astype(bool)
    sweep = _sweep_names(ds)
    rows = []
    for p in range(ds.sizes["point"]):
        for kind, label, a, b, s, al, m, v in _figures(ds):
            if kind == "alliance" and not enabled[p, list(ds.alliance.values).index(al)]:
                continue
            ci = interval(v[p][done[p]], nonneg=True)
            row = {"point": p}
            row.update({c: ds[c].values[p] for c in sweep})
            row.update(kind=kind, label=label, attacker=a, target=b, state=s, alliance=al,
                       metric=m, mean=ci.mean, lo=ci.lo, hi=ci.hi, method=ci.method)
            rows.append(row)
    return pd.DataFrame(rows)


# --- helpers the plots share, usable on their own.

def per_run(ds, metric, attacker=None, target=None, optype=None, alliance=None):
    """A [point, replication] DataArray of one number per run: `metric`
    (a variable of load(ds)) restricted to the given labels (each a name or
    a list), summed over its other dimensions; self-pairs never count.
    `survived` (1 - alliance_ended) is offered for alliances.  Runs not
    done stay NaN.

    >>> per_run(load(PATH), "ops", attacker="RU").dims
    ('point', 'replication')
    """
    if metric == "survived":
        da = 1.0 - (ds["alliance_ended"] != 0)
        da = da.where(ds.status == 1).assign_attrs(long_name="alliance survived", units="1")
    else:
        da = ds[metric]
    attrs = dict(da.attrs)
    sel = {k: ([v] if isinstance(v, str) else v) for k, v in
           (("attacker", attacker), ("target", target), ("optype", optype),
            ("alliance", alliance)) if v is not None and k in da.dims}
    da = da.sel(sel)
    if "attacker" in da.dims:
        da = da.where(da.attacker != da.target)
    rest = [d for d in da.dims if d not in ("point", "replication")]
    out = da.sum(rest, min_count=1) if rest else da
    return out.where(ds.status == 1).assign_attrs(attrs)


def axes(ds):
    """The sweep's axes: a list of (label, [setting names]), settings that
    share a `zip` group forming one axis (their values move together).

    >>> axes(load(PATH))
    [('pact', ['compliance', 'states__2__attack_rate'])]
    """
    out, seen = [], {}
    for name in _sweep_names(ds):
        z = ds[name].attrs.get("zip")
        if z:
            if z not in seen:
                seen[z] = len(out)
                out.append((z, []))
            out[seen[z]][1].append(name)
        else:
            out.append((name, [name]))
    return out


def _fmt(v):
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def point_labels(ds, settings=None):
    """A short text per point: 'compliance=0.5, states__2__attack_rate=0.2'
    (settings: the names to show, default all); the scenario name when
    nothing is swept."""
    names = _sweep_names(ds) if settings is None else settings
    if not names:
        return [ds.attrs.get("scenario_name", "scenario")] * ds.sizes["point"]
    return [", ".join(f"{n}={_fmt(ds[n].values[p])}" for n in names)
            for p in range(ds.sizes["point"])]


def timeline(ds):
    """The scenario's timeline events as a DataFrame (day, event, text),
    read from the scenario text stored in the file (`at` as a day number or
    an ISO date, counted from the scenario's `start`).  `--set` overrides
    and sweeps of timeline settings are not applied: the days are those the
    scenario file states.

    >>> timeline(load(PATH)).empty
    True
    """
    import datetime as dt
    import re

    text = ds.attrs.get("scenario_text", "")
    text = re.sub(r"(#|//)[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    m = re.search(r"\btimeline\s*[=:]\s*\(", text)
    rows = []
    if m:
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        start = ds.attrs.get("start")
        for entry in re.findall(r"\{([^{}]*)\}", text[m.end():i]):
            kv = dict(re.findall(r"(\w+)\s*[=:]\s*(\"[^\"]*\"|[^;,]+)", entry))
            kv = {k: v.strip().strip('"') for k, v in kv.items()}
            at = kv.get("at", "")
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", at) and start:
                day = (dt.date.fromisoformat(at) - dt.date.fromisoformat(start)).days
            else:
                try:
                    day = float(at)
                except ValueError:
                    continue
            ev = kv.get("event", "?")
            who = (f"{kv['by']}\u2192{kv['on']}" if "by" in kv and "on" in kv
                   else kv.get("state", kv.get("alliance", "")))
            rows.append({"day": float(day), "event": ev, "text": f"{ev} {who}".strip()})
    return pd.DataFrame(rows, columns=["day", "event", "text"])


KaplanMeier = namedtuple("KaplanMeier", "time survival lo hi at_risk events censored")
KaplanMeier.__doc__ = """A Kaplan-Meier curve: at each distinct event time
(after time 0), the survival S(t) just after it, its Greenwood 95% band
[lo, hi] (S +- 1.96 sqrt(Var), clipped to [0, 1]), the number at risk just
before it and the number of events; censored holds the censoring times."""


def kaplan_meier(end_day, ended):
    """Kaplan-Meier estimate of survival from runs' end days: runs that did
    not end (ended 0) are censored at their end_day (the horizon); NaN end
    days (the alliance disabled, format version 2) are left out; ends
    before day 0 (during the warm-up) count at day 0.  Greenwood's variance
    Var S(t) = S(t)^2 sum_{t_i <= t} d_i / (n_i (n_i - d_i)).  The curve
    starts at (0, 1) with an empty band.  Returns a KaplanMeier.

    >>> km = kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    >>> km.time.tolist(), km.survival.round(3).tolist()
    ([0.0, 1.0, 2.0, 3.0], [1.0, 0.8, 0.6, 0.3])
    """
    t = np.asarray(end_day, dtype=float)
    e = np.asarray(ended, dtype=bool)
    keep = ~np.isnan(t)
    t, e = np.maximum(t[keep], 0.0), e[keep]
    times, surv, lo, hi, risk, events = [0.0], [1.0], [1.0], [1.0], [len(t)], [0]
    s, gw = 1.0, 0.0
    for u in np.unique(t[e]):
        n = int((t >= u).sum())
        d = int((e & (t == u)).sum())
        s *= 1 - d / n
        gw = gw + (d / (n * (n - d)) if n > d else np.inf)
        half = 1.96 * s * np.sqrt(gw) if np.isfinite(gw) else 0.0
        times.append(float(u))
        surv.append(s)
        lo.append(max(0.0, s - half))
        hi.append(min(1.0, s + half))
        risk.append(n)
        events.append(d)
    return KaplanMeier(np.array(times), np.array(surv), np.array(lo), np.array(hi),
                       np.array(risk), np.array(events), np.sort(t[~e]))
