"""Read a cysim output file (MODEL.md section 7) into numpy/pandas objects.

Used by the plotting scripts in this folder; usable on its own:

    from cyout import Study
    st = Study("ru_cn_pact_2015.h5")
    st.points          # DataFrame: one row per sweep point, one column per axis
    st.summary("ops")  # ndarray [point, replication, attacker, target], done runs only
"""
import datetime as _dt

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
    (NaN half-width with fewer than two samples)."""
    from scipy.stats import t

    x = np.asarray(samples, dtype=float)
    n = x.shape[axis]
    mean = x.mean(axis=axis)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    sd = x.std(axis=axis, ddof=1)
    return mean, t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


def kaplan_meier(end_day, ended):
    """Kaplan-Meier survival curve: (times, survival) step points, with runs
    that did not end censored at their end_day (the horizon)."""
    t = np.asarray(end_day, dtype=float)
    e = np.asarray(ended, dtype=bool)
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
