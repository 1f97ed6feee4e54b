#!/usr/bin/python3
"""Kaplan-Meier survival of each alliance, one curve per sweep point (runs
where the alliance lasted to the horizon are censored there).

usage: plot_survival.py OUT.h5 [--alliance ID] [-o survival.png]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from cyout import Study, kaplan_meier, save


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--alliance", help="alliance id (default: all)")
    ap.add_argument("-o", "--out", default="survival.png")
    a = ap.parse_args()
    st = Study(a.file)
    if not st.alliances:
        raise SystemExit(f"{a.file}: the scenario has no alliances")
    names = [a.alliance] if a.alliance else st.alliances
    for name in names:
        if name not in st.alliances:
            raise SystemExit(f"--alliance: no alliance '{name}' (have: {', '.join(st.alliances)})")
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    ends, ended = st.summary("alliance_end_day"), st.summary("alliance_ended")
    for ax, name in zip(axes.flat, names):
        k = st.alliances.index(name)
        for p in range(st.n_points):
            if np.isnan(ends[p][:, k]).all():
                continue  # disabled at this point (format version 2)
            t, s = kaplan_meier(ends[p][:, k], ended[p][:, k])
            t = list(t) + [st.horizon]
            s = list(s) + [s[-1]]
            ax.step(st.day_to_date(t), s, where="post", label=st.label(p))
        ax.set_ylim(0, 1.02)
        ax.set_title(name)
        ax.set_ylabel("fraction of runs still in force")
    axes.flat[0].legend(fontsize="small")
    fig.autofmt_xdate()
    save(fig, a.out)


if __name__ == "__main__":
    main()
