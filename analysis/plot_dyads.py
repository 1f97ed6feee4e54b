#!/usr/bin/python3
"""Bar chart of a per-dyad count (default: attributed operations) for each
sweep point, with 95% Student-t confidence intervals over replications.

usage: plot_dyads.py OUT.h5 [--metric attributed] [--top 8] [-o dyads.png]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from cyout import Study, mean_ci, save

METRICS = ("ops", "successes", "detected", "attributed", "misattributed",
           "retaliations", "damage")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--metric", default="attributed", choices=METRICS)
    ap.add_argument("--top", type=int, default=8,
                    help="show the dyads with the largest overall mean")
    ap.add_argument("-o", "--out", default="dyads.png")
    a = ap.parse_args()
    st = Study(a.file)
    n = len(st.states)
    per_point = st.summary(a.metric)
    means, halfs = [], []
    for data in per_point:
        m, h = mean_ci(data.reshape(data.shape[0], n * n))
        means.append(m)
        halfs.append(h)
    means, halfs = np.array(means), np.array(halfs)
    overall = np.nanmean(means, axis=0)
    dyads = [k for k in np.argsort(-overall, kind="stable") if k // n != k % n][: a.top]
    labels = [f"{st.states[k // n]}\u2192{st.states[k % n]}" for k in dyads]
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(dyads) * max(1, st.n_points) ** 0.5), 4.5))
    width = 0.8 / st.n_points
    x = np.arange(len(dyads))
    for p in range(st.n_points):
        ax.bar(x + (p - (st.n_points - 1) / 2) * width, means[p, dyads], width,
               yerr=halfs[p, dyads], capsize=2, label=st.label(p))
    ax.set_xticks(x, labels)
    ax.set_ylabel(f"{a.metric} per run (mean, 95% CI)")
    ax.set_title(f"{st.attrs.get('scenario_name', '')}: {a.metric} by dyad over "
                 f"{st.horizon:g} days")
    if st.n_points > 1:
        ax.legend(fontsize="small", ncol=1 + st.n_points // 8)
    save(fig, a.out)


if __name__ == "__main__":
    main()
