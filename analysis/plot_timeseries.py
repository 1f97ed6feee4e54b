#!/usr/bin/python3
"""Operations launched per time bin (mean over replications) for the busiest
dyads, one panel per sweep point; dates on the axis when the scenario has a
start date.

usage: plot_timeseries.py OUT.h5 [--points 0,3,5] [--top 5] [-o timeseries.png]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from cyout import Study, save


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--points", help="comma-separated sweep points (default: up to 6)")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("-o", "--out", default="timeseries.png")
    a = ap.parse_args()
    st = Study(a.file)
    if st.timeseries is None:
        raise SystemExit(f"{a.file}: no /timeseries/ops (output.timeseries was off)")
    n = len(st.states)
    points = ([int(p) for p in a.points.split(",")] if a.points
              else list(range(min(st.n_points, 6))))
    for p in points:
        if not 0 <= p < st.n_points:
            raise SystemExit(f"--points: {p} is not a sweep point (0..{st.n_points - 1})")
    ts = st.timeseries  # [point, replication, time, attacker, target]
    total = ts.sum(axis=(0, 1, 2), dtype=np.float64).reshape(n * n)
    dyads = [k for k in np.argsort(-total, kind="stable") if k // n != k % n][: a.top]
    x = st.day_to_date(st.time)
    cols = min(3, len(points))
    rows = (len(points) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows),
                             sharex=True, sharey=True, squeeze=False)
    for ax, p in zip(axes.flat, points):
        done = st.status[p]
        mean = ts[p][done].mean(axis=0, dtype=np.float64).reshape(len(x), n * n)
        for k in dyads:
            ax.step(x, mean[:, k], where="post",
                    label=f"{st.states[k // n]}\u2192{st.states[k % n]}")
        ax.set_title(st.label(p), fontsize="small")
        ax.set_ylabel("operations per bin")
    for ax in list(axes.flat)[len(points):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    fig.autofmt_xdate()
    save(fig, a.out)


if __name__ == "__main__":
    main()
