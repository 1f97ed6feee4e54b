#!/usr/bin/python3
"""cysim_plot.py OUT.h5 KIND [-o F.png|F.pdf] [--points 0,2] [--metric ops] ...

Figures of a cysim results file, one per call, 6.5 in wide (a journal
column), legends outside the axes.  KIND:

  dyads         per-dyad mean and 95% interval of a metric, one marker per point
  timeseries    operations per day: median and 5-95% band over replications
                per point, from the bin widths; timeline events marked
  survival      Kaplan-Meier survival of each alliance, Greenwood 95% band,
                censoring marks, number at risk
  sweep         a metric against the swept values with 95% intervals (zipped
                settings form one axis; a heatmap of the mean for two axes)
  hostility     the final hostility matrix (mean over replications) per point
  paired        forest plot of paired differences against --baseline
  distribution  per-replication ECDF (or --box plots) of a metric per point
  sensitivity   Sobol indices S1 and ST of a metric with their 95% intervals
                (a saltelli design; the numbers of `cysim sensitivity --json`)

Intervals are `cysim report`'s (analysis/cysim.py interval()).  Only runs
with status 1 are used.  Run with Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cysim  # noqa: E402

WIDTH = 6.5  # inches
STYLE = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "legend.fontsize": 7,
         "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False,
         "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
         "savefig.dpi": 200, "figure.dpi": 100, "lines.linewidth": 1.2}


class Usage(Exception):
    pass


# The /summary quantities that count events (units "1", but a count).
COUNTS = {"ops", "successes", "detected", "attributed", "misattributed", "retaliations",
          "breaches", "ops_by_type", "events", "timeseries_ops"}


def unit_label(da, name=None):
    """'long name (units)': an axis label from the file's attributes; a
    count says so, a dimensionless quantity (units 1) has no suffix."""
    name = name or da.name
    long = da.attrs.get("long_name", name)
    units = da.attrs.get("units", "")
    if name in COUNTS:
        return f"{long} (count)"
    if units and units != "1":
        return f"{long} ({units})"
    if name == "damage":
        return f"{long} (state value)"
    return long


def colours(n):
    cmap = plt.get_cmap("tab10" if n <= 10 else "viridis")
    return [cmap(i if n <= 10 else i / max(n - 1, 1)) for i in range(n)]


def legend_below(ax, ncol=None, handles=None, labels=None):
    h, lab = ax.get_legend_handles_labels() if handles is None else (handles, labels)
    if not h:
        return
    # As many columns as fit the 6.5 in width (about 110 characters at the
    # legend's font size).
    ncol = max(1, min(len(h), 110 // (max(len(t) for t in lab) + 6)))
    # A fixed distance below the axes (clear of tick labels and the x
    # label), whatever the axes' height.
    below = matplotlib.transforms.offset_copy(ax.transAxes, fig=ax.figure, y=-34,
                                              units="points")
    ax.legend(h, lab, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below,
              ncol=ncol, frameon=False)


def select_points(ds, spec):
    P = ds.sizes["point"]
    if not spec:
        return list(range(P))
    pts = []
    for part in spec.split(","):
        try:
            p = int(part)
        except ValueError:
            raise Usage(f"--points: {part!r} is not a point index")
        if not 0 <= p < P:
            raise Usage(f"--points: no point {p}; the file has points 0 to {P - 1}")
        pts.append(p)
    return pts


def check_label(ds, dim, value):
    if value is not None:
        for v in ([value] if isinstance(value, str) else value):
            if v not in list(ds[dim].values):
                raise Usage(f"no {dim} {v!r}; the file has {', '.join(ds[dim].values)}")


def metric_run(ds, a):
    if a.metric != "survived" and a.metric not in ds.data_vars:
        raise Usage(f"no metric {a.metric!r}; the file has "
                    f"{', '.join(v for v in ds.data_vars if 'replication' in ds[v].dims)}")
    for dim in ("attacker", "target", "alliance"):
        check_label(ds, dim, getattr(a, dim))
    return cysim.per_run(ds, a.metric, attacker=a.attacker, target=a.target,
                         alliance=a.alliance)


def what(a):
    parts = [f"{k} {getattr(a, k)}" for k in ("attacker", "target", "alliance")
             if getattr(a, k)]
    return ", ".join(parts) if parts else "all dyads"


def plot_dyads(ds, a, pts):
    labels = cysim.point_labels(ds)
    da = ds[a.metric] if a.metric in ds.data_vars else None
    if da is None or "attacker" not in da.dims:
        raise Usage(f"dyads: {a.metric!r} is not a per-dyad metric")
    names = list(ds.attacker.values)
    pairs = [(i, j) for i in range(len(names)) for j in range(len(names)) if i != j]
    done = (ds.status == 1).values
    ci = {(p, i, j): cysim.interval(da.values[p, done[p], i, j], nonneg=True)
          for p in pts for i, j in pairs}
    order = sorted(pairs, key=lambda ij: -np.nanmax([ci[p, *ij].mean for p in pts]))
    fig, ax = plt.subplots(figsize=(WIDTH, 1.2 + 0.28 * len(pairs) + 0.15 * len(pts)))
    off = np.linspace(-0.3, 0.3, len(pts)) if len(pts) > 1 else [0.0]
    for k, (p, c) in enumerate(zip(pts, colours(len(pts)))):
        y = np.arange(len(order)) + off[k]
        m = np.array([ci[p, *ij].mean for ij in order])
        lo = np.array([ci[p, *ij].lo for ij in order])
        hi = np.array([ci[p, *ij].hi for ij in order])
        ax.errorbar(m, y, xerr=[m - lo, hi - m], fmt="o", ms=3, color=c, capsize=0,
                    label=f"{p}: {labels[p]}")
    ax.set_yticks(range(len(order)), [f"{names[i]} \u2192 {names[j]}" for i, j in order])
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit_label(da)} per run, mean and 95% interval")
    ax.set_title(f"{da.attrs.get('long_name', a.metric)} by dyad")
    legend_below(ax, ncol=1 if len(pts) > 3 else len(pts))
    return fig


def _days_to_x(ds):
    """Days to x values: calendar dates when the scenario has `start`."""
    start = ds.attrs.get("start")
    if not start:
        return (lambda d: np.asarray(d, dtype=float)), "day"
    base = np.datetime64(start)
    return (lambda d: base + (np.asarray(d, dtype=float) * 86400).astype("timedelta64[s]"),
            f"date (day 0 = {start})")


def rate_bands(ds, p, attacker=None, target=None):
    """Operations per day in each time bin at point p (over the dyads of
    attacker and/or target, default all; self-pairs never count): the bin
    edges (bins + 1 values, the last the horizon) and, over the done
    replications, the median, 5% and 95% quantiles (numpy's linear
    interpolation) of count / bin width, and the number of replications.
    The width divides, so the last, shorter bin is a rate like the others."""
    ts = ds.timeseries_ops.isel(point=p)
    if attacker:
        ts = ts.sel(attacker=[attacker])
    if target:
        ts = ts.sel(target=[target])
    ts = ts.where(ts.attacker != ts.target).sum(("attacker", "target"), min_count=1)
    tb = ds.time_bounds.values
    r = ts.values / (tb[:, 1] - tb[:, 0])
    r = r[(ds.status.isel(point=p) == 1).values]
    edges = np.append(tb[:, 0], tb[-1, 1])
    if len(r) == 0:
        return edges, *(np.full(len(tb), np.nan),) * 3, 0
    return (edges, np.median(r, 0), np.quantile(r, 0.05, 0), np.quantile(r, 0.95, 0),
            len(r))


def plot_timeseries(ds, a, pts):
    if "timeseries_ops" not in ds:
        raise Usage("timeseries: the file has no /timeseries (output.timeseries = false)")
    for dim in ("attacker", "target"):
        check_label(ds, dim, getattr(a, dim))
    labels = cysim.point_labels(ds)
    tx, xlabel = _days_to_x(ds)
    edges = np.append(ds.time_bounds.values[:, 0], ds.time_bounds.values[-1, 1])
    ev = cysim.timeline(ds)
    ev = ev[(ev.day >= 0) & (ev.day <= float(ds.attrs["horizon"]))]
    # Up to three points share one axes; more get one small panel each
    # (overlaid bands would hide one another).
    multi = len(pts) > 3
    ncol = 2 if multi else 1
    nrow = -(-len(pts) // 2) if multi else 1
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDTH, 3.2 if not multi else 1.5 * nrow + 0.8),
                            squeeze=False, sharex=True, sharey=True)
    for ax in axs.flat[len(pts) if multi else 1:]:
        ax.set_visible(False)
    for k, (p, c) in enumerate(zip(pts, colours(len(pts)))):
        ax = axs.flat[k if multi else 0]
        edges, med, q5, q95, n = rate_bands(ds, p, a.attacker, a.target)
        if n == 0:
            continue
        # Steps over each bin's [start, end]: the rate is constant within a
        # bin; the last value is repeated to close the last step.
        med, q5, q95 = (np.append(v, v[-1]) for v in (med, q5, q95))
        ax.fill_between(tx(edges), q5, q95, step="post", color=c, alpha=0.2, lw=0)
        ax.step(tx(edges), med, where="post", color=c, label=f"{p}: {labels[p]}")
        if multi:
            ax.set_title(f"{p}: {labels[p]} (n={n})", fontsize=7)
    for k, ax in enumerate(axs.flat[:len(pts) if multi else 1]):
        for day, text in zip(ev.day, ev.text):
            ax.axvline(tx(day), color="0.35", lw=0.7, ls=":")
            if k < ncol and not multi:
                ax.annotate(text, (tx(day), 1.0), xycoords=("data", "axes fraction"),
                            rotation=90, ha="center", va="bottom", fontsize=6, color="0.3")
        ax.set_xlim(tx(edges[0]), tx(edges[-1]))
        if k % ncol == 0:
            ax.set_ylabel("operations per day")
    for ax in axs[-1] if not multi else axs.flat[max(0, len(pts) - ncol):len(pts)]:
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="x", labelbottom=True)
    title = (f"Operations launched per day, {what(a)}: median and 5\u201395% band over "
             f"replications ({len(pts)} of {ds.sizes['point']} points)")
    if not multi:
        # Above the rotated event labels (about 3.4 pt per character at 6 pt).
        pad = 8 + 3.4 * max((len(t) for t in ev.text), default=0)
        axs[0, 0].set_title(title, pad=pad)
        h, lab = axs[0, 0].get_legend_handles_labels()
        legend_below(axs[0, 0], ncol=1 if len(pts) > 1 else 1, handles=h, labels=lab)
    else:
        fig.suptitle(title, fontsize=9)
    if multi and not ev.empty:
        # Small panels have no room for labels: the events are listed below.
        lines = [f"{tx(d).astype('datetime64[D]') if ds.attrs.get('start') else f'day {d:g}'}"
                 f": {t}" for d, t in zip(ev.day, ev.text)]
        import textwrap
        fig.text(0.5, -0.01, textwrap.fill("dotted lines, timeline events: " + "; ".join(lines),
                                           120), ha="center", va="top", fontsize=6)
    fig.tight_layout()
    return fig


def plot_survival(ds, a, pts):
    al = list(ds.alliance.values)
    if not al:
        raise Usage("survival: the scenario has no alliances")
    if a.alliance:
        check_label(ds, "alliance", a.alliance)
        al = [a.alliance]
    labels = cysim.point_labels(ds)
    horizon = float(ds.attrs["horizon"])
    ticks = [t for t in matplotlib.ticker.MaxNLocator(6).tick_values(0, horizon)
             if 0 <= t <= horizon]
    n_rows = len(pts)
    fig, axs = plt.subplots(2 * len(al), 1, figsize=(WIDTH, (2.8 + 0.13 * n_rows) * len(al)
                                                     + 0.15 * n_rows),
                            gridspec_kw={"height_ratios": [2.8, 0.13 * n_rows + 0.3] * len(al)},
                            squeeze=False)
    for q, name in enumerate(al):
        ax, tab = axs[2 * q, 0], axs[2 * q + 1, 0]
        k = list(ds.alliance.values).index(name)
        shown = [p for p in pts if ds.alliance_enabled.values[p, k]]
        cs = colours(len(shown))
        for row, (p, c) in enumerate(zip(shown, cs)):
            d = ds.alliance_end_day.isel(point=p, alliance=k).values
            e = ds.alliance_ended.isel(point=p, alliance=k).values
            ok = ~np.isnan(e)
            km = cysim.kaplan_meier(d[ok], e[ok] != 0)
            t = np.append(km.time, horizon)
            ax.step(t, np.append(km.survival, km.survival[-1]), where="post", color=c,
                    label=f"{p}: {labels[p]}")
            ax.fill_between(t, np.append(km.lo, km.lo[-1]), np.append(km.hi, km.hi[-1]),
                            step="post", color=c, alpha=0.12, lw=0)
            at = [km.survival[np.searchsorted(km.time, x, "right") - 1] for x in km.censored]
            ax.plot(km.censored, at, "|", color=c, ms=7, mew=1)
            dd = np.maximum(d[ok], 0)
            for x in ticks:
                tab.text(x, row, str(int((dd >= x).sum())), ha="center", va="center",
                         fontsize=6, color=c)
        ax.set_xlim(0, horizon)
        tab.set_xlim(0, horizon)
        ax.set_xticks(ticks)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("survival probability")
        ax.set_xlabel("day (an end before day 0, in the warm-up, is shown at day 0)")
        off = [p for p in pts if p not in shown]
        ax.set_title(f"Alliance {name}: Kaplan\u2013Meier estimate, Greenwood 95% band, "
                     "| censored" + (f"\n(disabled at point {', '.join(map(str, off))}: left out)"
                                     if off else ""))
        tab.set_ylim(max(len(shown), 1) - 0.5, -0.5)
        tab.set_yticks(range(len(shown)), [f"point {p}" for p in shown], fontsize=6)
        for tl, c in zip(tab.get_yticklabels(), cs):
            tl.set_color(c)
        tab.set_xticks([])
        # The counts at day 0 are centred on the axis: keep the labels clear.
        tab.tick_params(axis="y", length=0, pad=14)
        tab.grid(False)
        for sp in tab.spines.values():
            sp.set_visible(False)
        tab.set_title("number at risk", fontsize=7, loc="left")
        legend_below(tab, handles=ax.get_legend_handles_labels()[0],
                     labels=ax.get_legend_handles_labels()[1])
    fig.tight_layout()
    return fig


def plot_sweep(ds, a, pts):
    ax_list = cysim.axes(ds)
    if not ax_list:
        raise Usage("sweep: the scenario has no sweep")
    x = metric_run(ds, a)
    done = (ds.status == 1).values
    # Every per-run quantity of the file is non-negative (counts, damage,
    # hostility, fear, survival), so the report's rule applies as it is.
    ci = [cysim.interval(x.values[p][done[p]], nonneg=True) for p in range(ds.sizes["point"])]
    ylab = f"{unit_label(x, a.metric)} per run"

    def axis_value(p, names):
        return "/".join(cysim._fmt(ds[n].values[p]) for n in names)

    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    if len(ax_list) == 2:
        (_, n0), (_, n1) = ax_list
        v0 = list(dict.fromkeys(axis_value(p, n0) for p in pts))
        v1 = list(dict.fromkeys(axis_value(p, n1) for p in pts))
        grid = np.full((len(v1), len(v0)), np.nan)
        for p in pts:
            grid[v1.index(axis_value(p, n1)), v0.index(axis_value(p, n0))] = ci[p].mean
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for (r, c), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=7,
                        color="w" if v < np.nanmean(grid) else "k")
        ax.set_xticks(range(len(v0)), v0)
        ax.set_yticks(range(len(v1)), v1)
        ax.set_xlabel(" / ".join(n0))
        ax.set_ylabel(" / ".join(n1))
        ax.grid(False)
        fig.colorbar(im, ax=ax, label=f"mean {ylab}")
        ax.set_title(f"{x.attrs.get('long_name', a.metric)}, {what(a)}: mean per point")
        return fig
    (_, n0), rest = ax_list[0], ax_list[1:]
    groups = {}
    for p in pts:
        key = ", ".join(f"{' / '.join(n)}={axis_value(p, n)}" for _, n in rest)
        groups.setdefault(key, []).append(p)
    numeric = len(n0) == 1 and ds[n0[0]].dtype.kind in "iuf"
    cats = list(dict.fromkeys(axis_value(p, n0) for p in pts))
    for (key, ps), c in zip(groups.items(), colours(len(groups))):
        xs = [float(ds[n0[0]].values[p]) if numeric else cats.index(axis_value(p, n0))
              for p in ps]
        order = np.argsort(xs, kind="stable")  # lines join the points in x order
        xs, ps = [xs[i] for i in order], [ps[i] for i in order]
        m = np.array([ci[p].mean for p in ps])
        lo = np.array([ci[p].lo for p in ps])
        hi = np.array([ci[p].hi for p in ps])
        ax.errorbar(xs, m, yerr=[m - lo, hi - m], fmt="o-" if numeric else "o", ms=3, color=c,
                    capsize=2,
                    label=key or None)
    if not numeric:
        ax.set_xticks(range(len(cats)), cats)
    units = ds[n0[0]].attrs.get("units", "")
    ax.set_xlabel(" / ".join(n0) + (f" ({units})" if units and units != "1" else "")
                  + (" (zipped: one axis)" if len(n0) > 1 else ""))
    ax.set_ylabel(ylab)
    ax.set_title(f"{x.attrs.get('long_name', a.metric)}, {what(a)}: mean and 95% interval")
    if rest:
        legend_below(ax, ncol=2)
    return fig


def plot_hostility(ds, a, pts):
    import textwrap

    h = ds.hostility_final.mean("replication")
    names = list(ds.attacker.values)
    labels = cysim.point_labels(ds)
    ncol = min(len(pts), 3)
    nrow = -(-len(pts) // ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDTH, 2.4 * nrow + 0.3), squeeze=False,
                            layout="constrained")
    for ax in axs.flat[len(pts):]:
        ax.set_visible(False)
    for k, (ax, p) in enumerate(zip(axs.flat, pts)):
        m = h.isel(point=p).values.copy()
        np.fill_diagonal(m, np.nan)
        im = ax.imshow(m, vmin=0, vmax=1, cmap="magma_r")
        fs = 6 if len(names) <= 6 else 5
        for (i, j), v in np.ndenumerate(m):
            if not np.isnan(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=fs,
                        color="w" if v > 0.55 else "k")
        ax.set_xticks(range(len(names)), names, rotation=90 if len(names) > 6 else 0)
        ax.set_yticks(range(len(names)), names if k % ncol == 0 else [])
        ax.set_xlabel("target")
        if k % ncol == 0:
            ax.set_ylabel("attacker")
        ax.grid(False)
        ax.set_title(textwrap.fill(f"{p}: {labels[p]}", 34), fontsize=7)
    fig.colorbar(im, ax=axs.ravel().tolist(), shrink=0.8,
                 label="final hostility, mean over replications")
    return fig


def plot_paired(ds, a, pts):
    d = cysim.paired(ds, a.baseline)
    d = d[d.point.isin(pts)]
    metric = a.metric
    mets = sorted(d.metric.unique())
    if metric not in mets:
        raise Usage(f"paired: metric {metric!r}; the report's paired figures are "
                    f"{', '.join(mets)}")
    d = d[d.metric == metric]
    # As in the report: a dyad whose difference is 0 in every paired run
    # (e.g. never any operation) has no row.
    zero = d.groupby("label").apply(lambda g: bool(((g["mean"] == 0) & (g.lo == 0)
                                                     & (g.hi == 0)).all()))
    d = d[~d.label.map(zero) | (d.kind != "dyad")]
    labels = cysim.point_labels(ds)
    rows = list(dict.fromkeys(d.label))
    ps = list(dict.fromkeys(d.point))
    fig, ax = plt.subplots(figsize=(WIDTH, 1.2 + 0.28 * len(rows) + 0.15 * len(ps)))
    off = np.linspace(-0.3, 0.3, len(ps)) if len(ps) > 1 else [0.0]
    for k, (p, c) in enumerate(zip(ps, colours(len(ps)))):
        s = d[d.point == p].set_index("label").reindex(rows)
        y = np.arange(len(rows)) + off[k]
        ax.errorbar(s["mean"], y, xerr=[s["mean"] - s["lo"], s["hi"] - s["mean"]], fmt="o",
                    ms=3, color=c, label=f"{p}: {labels[p]} (n={int(s.n.max())})")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(rows)), [r.replace("->", " \u2192 ") for r in rows])
    ax.invert_yaxis()
    unit = {"survived": "probability", "damage_suffered": "state value"}.get(metric, "count")
    ax.set_xlabel(f"{metric} per run, point minus point {a.baseline} ({unit}); "
                  "paired mean and 95% t interval")
    ax.set_title(f"Paired differences against point {a.baseline}: {labels[a.baseline]}")
    legend_below(ax, ncol=1 if len(ps) > 3 else len(ps))
    return fig


def plot_distribution(ds, a, pts):
    x = metric_run(ds, a)
    labels = cysim.point_labels(ds)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2 if not a.box else 1.2 + 0.3 * len(pts)))
    lab = f"{unit_label(x, a.metric)} per run, {what(a)}"
    vals = [x.isel(point=p).values[~np.isnan(x.isel(point=p).values)] for p in pts]
    if a.box:
        ax.boxplot(vals, vert=False, labels=[f"{p}: {labels[p]}" for p in pts],
                   flierprops={"ms": 2})
        ax.invert_yaxis()
        ax.set_xlabel(lab)
    else:
        for p, v, c in zip(pts, vals, colours(len(pts))):
            v = np.sort(v)
            ax.step(np.concatenate([[v[0]], v]), np.arange(len(v) + 1) / len(v),
                    where="post", color=c, label=f"{p}: {labels[p]} (n={len(v)})")
        ax.set_xlabel(lab)
        ax.set_ylabel("fraction of replications \u2264 x")
        legend_below(ax, ncol=1 if len(pts) > 3 else len(pts))
    ax.set_title(f"{x.attrs.get('long_name', a.metric)} across replications")
    fig.tight_layout()  # long point labels on the y axis stay within the width
    return fig


def find_cysim(a):
    """The cysim program: --cysim, else $CYSIM, else `cysim` on PATH, else
    the source tree's build/cysim."""
    if a.cysim and not (os.path.isfile(a.cysim) and os.access(a.cysim, os.X_OK)):
        raise Usage(f"--cysim {a.cysim}: not an executable file")
    for c in (a.cysim, os.environ.get("CYSIM"), shutil.which("cysim"),
              os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "cysim")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise Usage("sensitivity: no cysim program found; give --cysim PATH or set CYSIM")


def sensitivity_json(a):
    """`cysim sensitivity FILE METRIC --json` with a's selection, parsed;
    its refusal (a file without a saltelli design, ...) becomes Usage."""
    cmd = [find_cysim(a), "sensitivity", a.file, a.metric, "--json"]
    for opt in ("attacker", "target", "state", "optype", "alliance", "minus"):
        if getattr(a, opt, None):
            cmd += [f"--{opt}", getattr(a, opt)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise Usage(r.stderr.strip().removeprefix("cysim sensitivity: ")
                    or f"cysim sensitivity exited {r.returncode}")
    return json.loads(r.stdout)


def plot_sensitivity(ds, a, pts):
    res = sensitivity_json(a)
    ps = sorted(res["parameters"], key=lambda p: -p["ST"])  # most influential on top
    fig, ax = plt.subplots(figsize=(WIDTH, 1.3 + 0.36 * len(ps)))
    y = np.arange(len(ps))
    for key, off, c, label in (("S1", -0.15, "C0", "first order S1 (alone)"),
                               ("ST", 0.15, "C3", "total ST (with interactions)")):
        m = np.array([p[key] for p in ps])
        lo = np.array([p[key + "_lo"] for p in ps])
        hi = np.array([p[key + "_hi"] for p in ps])
        ax.errorbar(m, y + off, xerr=[m - lo, hi - m], fmt="o", ms=4, color=c, capsize=2,
                    label=label)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [p["name"] for p in ps])
    ax.invert_yaxis()
    ax.set_xlim(min(-0.05, min(p["S1_lo"] for p in ps) - 0.02),
                max(1.0, max(p["ST_hi"] for p in ps) + 0.02))
    ax.set_xlabel("Sobol index (share of the variance of the per-point mean), "
                  "95% bootstrap interval")
    sel = [f"{k} {getattr(a, k)}" for k in ("attacker", "target", "state", "optype", "alliance")
           if getattr(a, k)]
    if getattr(a, "minus", None):
        sel.append(f"minus {os.path.basename(a.minus)}")
    ax.set_title(f"Sensitivity of {res['metric']} ({', '.join(sel) if sel else 'summed over all'}): "
                 f"saltelli design, N = {res['samples']}")
    legend_below(ax, ncol=2)
    return fig


KINDS = {"dyads": plot_dyads, "timeseries": plot_timeseries, "survival": plot_survival,
         "sweep": plot_sweep, "hostility": plot_hostility, "paired": plot_paired,
         "distribution": plot_distribution, "sensitivity": plot_sensitivity}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("-o", "--output", help="F.png or F.pdf (default: FILE-KIND.png)")
    ap.add_argument("--points", help="comma-separated point indices (default: all)")
    ap.add_argument("--metric", default=None,
                    help="a /summary variable (default ops; survived for alliances)")
    ap.add_argument("--attacker")
    ap.add_argument("--target")
    ap.add_argument("--alliance")
    ap.add_argument("--state", help="sensitivity: dyads with this state at either end")
    ap.add_argument("--optype", help="sensitivity: one type of ops_by_type")
    ap.add_argument("--minus", help="sensitivity: indices of the difference from this "
                    "file's per-point means (cysim sensitivity --minus)")
    ap.add_argument("--cysim", help="sensitivity: the cysim program (default $CYSIM, "
                    "then PATH, then build/cysim)")
    ap.add_argument("--baseline", type=int, default=0, help="paired: the baseline point")
    ap.add_argument("--box", action="store_true", help="distribution: box plots, not ECDFs")
    a = ap.parse_args(argv)
    a.metric = a.metric or "ops"
    out = a.output or os.path.splitext(a.file)[0] + f"-{a.kind}.png"
    if os.path.splitext(out)[1].lower() not in (".png", ".pdf"):
        ap.error(f"-o {out}: write .png or .pdf")
    try:
        ds = cysim.load(a.file)
        pts = select_points(ds, a.points)
        if a.kind == "paired" and not 0 <= a.baseline < ds.sizes["point"]:
            raise Usage(f"--baseline {a.baseline}: the file has points 0 to "
                        f"{ds.sizes['point'] - 1}")
        if a.kind == "paired":
            pts = [p for p in pts if p != a.baseline]
        with plt.rc_context(STYLE):
            fig = KINDS[a.kind](ds, a, pts)
            fig.savefig(out, bbox_inches="tight")
    except (Usage, ValueError, KeyError, OSError) as e:
        print(f"cysim_plot.py: {e}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
