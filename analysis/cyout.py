"""Read a cysim output file (MODEL.md section 7) into numpy/pandas objects.

Used by the plotting scripts in this folder; usable on its own:

    from cyout import Study
    st = Study("ru_cn_pact_2015.h5")
    st.points          # DataFrame: one row per sweep point, one column per axis
    st.summary("ops")  # ndarray [point, replication, attacker, target], done runs only

`interval` and `paired` reproduce the intervals `cysim report` prints
(sim/MODEL.md, "Intervals") to the printed digits.
"""
import datetime as _dt
from collections import namedtuple

import h5py
import numpy as np
import pandas as pd


def _text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class Study:
    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") not in (b"cysim", "cysim"):
                raise SystemExit(f"{path}: not a cysim output file")
            # Version 2 adds datasets (fear_final, time_bounds,
            # alliance_enabled, the groups' coordinates); version 1 files
            # lack them and read alike.
            self.format_version = int(f.attrs.get("format_version", 1))
            if self.format_version not in (1, 2):
                raise SystemExit(f"{path}: format_version {self.format_version}; "
                                 "this reads versions 1 and 2")
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v)
                          for k, v in f.attrs.items()}
            self.states = _text(f["state"][()])
            self.optypes = _text(f["optype"][()])
            self.alliances = _text(f["alliance"][()]) if "alliance" in f else []
            self.horizon = float(self.attrs["horizon"])
            start = self.attrs.get("start")
            self.start = _dt.date.fromisoformat(start) if start else None
            cols = {}
            if "sweep" in f:
                for name, ds in f["sweep"].items():
                    vals = ds[()]
                    cols[name] = _text(vals) if vals.dtype.kind in "SO" else vals
            n_points = f["point"].shape[0]
            self.points = pd.DataFrame(cols, index=pd.RangeIndex(n_points, name="point"))
            g = f["summary"]
            self.status = g["status"][()].astype(bool)
            # The [point, replication, ...] datasets (not the group's
            # coordinates, nor alliance_enabled [point, alliance]).
            self._summary = {k: g[k][()] for k in g.keys()
                             if g[k].ndim >= 2 and g[k].shape[:2] == self.status.shape}
            # [point, alliance] 0/1 (all enabled in a version 1 file).
            self.alliance_enabled = (g["alliance_enabled"][()].astype(bool)
                                     if "alliance_enabled" in g else
                                     np.ones((n_points, len(self.alliances)), dtype=bool))
            self.time = f["time"][()] if "time" in f else None
            # [time, 2]: each bin's start and end (version 1: from the bin width).
            if "time_bounds" in f:
                self.time_bounds = f["time_bounds"][()]
            elif self.time is not None:
                ends = np.minimum(np.append(self.time[1:], self.horizon), self.horizon)
                self.time_bounds = np.stack([self.time, ends], axis=1)
            else:
                self.time_bounds = None
            self.timeseries = f["timeseries/ops"][()] if "timeseries/ops" in f else None

    @property
    def n_points(self):
        return len(self.points)

    def label(self, p):
        """A short text for sweep point p, e.g. 'pact=0.95, displacement=0.5'."""
        if self.points.shape[1] == 0:
            return self.attrs.get("scenario_name", "scenario")
        row = self.points.iloc[p]
        return ", ".join(f"{k}={v:g}" if isinstance(v, (float, np.floating)) else f"{k}={v}"
                         for k, v in row.items())

    def summary(self, name, point=None):
        """The /summary dataset `name`, restricted to finished runs of `point`
        (or a list over points when point is None)."""
        data = self._summary[name]
        if point is None:
            return [data[p][self.status[p]] for p in range(self.n_points)]
        return data[point][self.status[point]]

    def day_to_date(self, days):
        if self.start is None:
            return np.asarray(days)
        base = np.datetime64(self.start.isoformat())
        return base + (np.asarray(days) * 86400).astype("timedelta64[s]")


def mean_ci(samples, axis=0, level=0.95):
    """Mean and half-width of the Student-t confidence interval along axis
    (NaN half-width with fewer than two samples).  The report's own
    intervals, which switch to a bootstrap for rare counts, are interval()'s."""
    from scipy.stats import t

    x = np.asarray(samples, dtype=float)
    n = x.shape[axis]
    mean = x.mean(axis=axis)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    sd = x.std(axis=axis, ddof=1)
    return mean, t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


# The report's intervals (sim/MODEL.md, "Intervals"), reproduced exactly:
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
    all arithmetic modulo 2**64."""
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
    means.  Returns (lo, hi)."""
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
    the percentile bootstrap of bootstrap().  Returns an Interval."""
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


def paired(x, base, done=None, base_done=None):
    """The paired difference as `cysim report --baseline` prints it: x and
    base hold one value per replication (same order) at a point and at the
    baseline point; done and base_done (boolean, default all) say which
    replications each has done.  Over the replications done at both, the
    differences x - base in replication order go to interval(d, False): a
    difference may be negative, so it keeps its t interval.  Returns
    (Interval, number of replications paired)."""
    x = np.asarray(x, dtype=float)
    base = np.asarray(base, dtype=float)
    both = np.ones(len(x), dtype=bool)
    if done is not None:
        both &= np.asarray(done, dtype=bool)
    if base_done is not None:
        both &= np.asarray(base_done, dtype=bool)
    return interval(x[both] - base[both], nonneg=False), int(both.sum())


def kaplan_meier(end_day, ended):
    """Kaplan-Meier survival curve: (times, survival) step points, with runs
    that did not end censored at their end_day (the horizon).  Runs whose
    end day is NaN (the alliance was disabled at that point, format
    version 2) are left out: a disabled alliance has no survival."""
    t = np.asarray(end_day, dtype=float)
    e = np.asarray(ended, dtype=bool)
    keep = ~np.isnan(t)
    t, e = t[keep], e[keep]
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    at_risk = len(t)
    times, surv, s = [0.0], [1.0], 1.0
    i = 0
    while i < len(t):
        j = i
        deaths = 0
        while j < len(t) and t[j] == t[i]:
            deaths += e[j]
            j += 1
        if deaths:
            s *= 1 - deaths / at_risk
            times.append(t[i])
            surv.append(s)
        at_risk -= j - i
        i = j
    return np.array(times), np.array(surv)


def save(fig, path):
    """Lays out fig, writes it to path as PNG and prints the path (the last
    step of every plotting script)."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(path)
