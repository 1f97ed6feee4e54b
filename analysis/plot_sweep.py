#!/usr/bin/python3
"""A metric against one swept setting, one line per combination of the other
axes, with 95% confidence bands.  The metric is summed over the dyads chosen
with --attacker/--target (default: all).

usage: plot_sweep.py OUT.h5 --x AXIS [--metric ops] [--attacker US] [--target CN] [-o sweep.png]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from cyout import Study, mean_ci, save

METRICS = ("ops", "successes", "detected", "attributed", "misattributed",
           "retaliations", "damage", "breaches", "events")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--x", help="sweep axis on the x axis (default: the first)")
    ap.add_argument("--metric", default="ops", choices=METRICS)
    ap.add_argument("--attacker", action="append", help="state id (repeatable)")
    ap.add_argument("--target", action="append", help="state id (repeatable)")
    ap.add_argument("-o", "--out", default="sweep.png")
    a = ap.parse_args()
    st = Study(a.file)
    if st.points.shape[1] == 0:
        raise SystemExit(f"{a.file}: the scenario has no sweep")
    xname = a.x or st.points.columns[0]
    if xname not in st.points.columns:
        raise SystemExit(f"--x: no sweep axis '{xname}' (have: {', '.join(st.points.columns)})")

    def pick(ids, what):
        if not ids:
            return list(range(len(st.states)))
        for s in ids:
            if s not in st.states:
                raise SystemExit(f"--{what}: no state '{s}' (have: {', '.join(st.states)})")
        return [st.states.index(s) for s in ids]

    att, tgt = pick(a.attacker, "attacker"), pick(a.target, "target")
    values = []
    for data in st.summary(a.metric):
        d = data.astype(np.float64)
        if d.ndim == 3:  # [rep, attacker, target]
            d = d[:, att][:, :, tgt].sum(axis=(1, 2))
        elif d.ndim == 2:  # [rep, alliance]
            d = d.sum(axis=1)
        values.append(mean_ci(d))
    others = [c for c in st.points.columns if c != xname]
    groups = st.points.groupby(others, sort=False) if others else [((), st.points)]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for key, rows in groups:
        rows = rows.sort_values(xname)
        m = np.array([values[p][0] for p in rows.index])
        h = np.array([values[p][1] for p in rows.index])
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{o}={v}" for o, v in zip(others, key)) or None
        ax.plot(rows[xname], m, marker="o", label=label)
        ax.fill_between(rows[xname], m - h, m + h, alpha=0.2)
    who = (f" ({'+'.join(st.states[i] for i in att)}\u2192"
           f"{'+'.join(st.states[j] for j in tgt)})") if a.attacker or a.target else ""
    ax.set_xlabel(xname)
    ax.set_ylabel(f"{a.metric}{who} per run")
    if others:
        ax.legend(fontsize="small")
    save(fig, a.out)


if __name__ == "__main__":
    main()
