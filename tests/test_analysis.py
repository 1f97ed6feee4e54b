"""The analysis/ scripts: their statistics against hand-computed values, and
each plot made from a real cysim output file."""
import os
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ["CYSIM_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SRC, "analysis"))
from cyout import Study, interval, kaplan_meier, mean_ci, paired  # noqa: E402

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAILED:", what)


# mean_ci: samples 1..5 have mean 3 and sd sqrt(2.5); t(0.975, 4) = 2.776445
# (printed tables), so the half-width is 2.776445 * sqrt(2.5) / sqrt(5).
m, h = mean_ci(np.array([1.0, 2, 3, 4, 5]))
check(abs(m - 3) < 1e-12, f"mean_ci mean {m}")
check(abs(h - 2.776445 * np.sqrt(2.5) / np.sqrt(5)) < 1e-5, f"mean_ci half {h}")

# interval: 1..4 keep the t interval (lower bound 2.5 - 2.054 >= 0);
# 0, 0, 0, 1 as a count switches to the bootstrap, whose resample means K/4
# (K ~ Binomial(4, 1/4)) put 0.316 of the mass at 0 and 0.949 at <= 0.5, so
# [0, 0.75] (tests/test_io_interval.c works the same case for the C side);
# as a difference (paired) it keeps the t interval 0.25 -+ 3.182446 * 0.5 / 2.
ci = interval([1, 2, 3, 4], nonneg=True)
check(ci.method == "t" and abs(ci.lo - (2.5 - 3.182446305 * np.sqrt(5 / 3) / 2)) < 1e-8,
      f"interval 1..4 {ci}")
ci = interval([0, 0, 0, 1], nonneg=True)
check(ci.method == "bootstrap" and (ci.mean, ci.lo, ci.hi) == (0.25, 0, 0.75),
      f"interval 0,0,0,1 {ci}")
ci, n = paired([5, 5, 5, 6, 9], [5, 5, 5, 5, 0], done=[1, 1, 1, 1, 0])
check(n == 4 and ci.method == "t" and abs(ci.hi - (0.25 + 3.182446305 / 4)) < 1e-8,
      f"paired {ci} over {n}")

# Kaplan-Meier on the textbook case: ends at 1, 2, 3; censored at 2 and 5.
# S(1) = 4/5, S(2) = 4/5 * 3/4 (the censored run at 2 is still at risk),
# S(3) = 0.6 * 1/2.
t, s = kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
check(list(t) == [0, 1, 2, 3], f"km times {t}")
check(np.allclose(s, [1, 0.8, 0.6, 0.3]), f"km survival {s}")
# NaN end days (an alliance disabled at the point, format version 2) are
# left out: the same curve with two NaN runs added, and an all-NaN point
# gives the empty curve (once an endless loop: NaN never equals itself).
t, s = kaplan_meier([1, np.nan, 2, 2, 3, 5, np.nan], [1, 0, 1, 0, 1, 0, 0])
check(list(t) == [0, 1, 2, 3] and np.allclose(s, [1, 0.8, 0.6, 0.3]),
      f"km with NaN runs {t} {s}")
t, s = kaplan_meier([np.nan] * 3, [0] * 3)
check(list(t) == [0] and list(s) == [1], f"km of a disabled alliance {t} {s}")

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "a.h5")
    r = subprocess.run([os.environ["CYSIM"], "run", os.path.join(SRC, "tests/data/analysis.cfg"),
                        "-o", out, "--quiet", "-j", "2"], capture_output=True, text=True)
    check(r.returncode == 0, f"cysim run: {r.returncode} {r.stderr}")
    st = Study(out)
    check(st.states == ["US", "RU", "CN"], f"states {st.states}")
    check(list(st.points["compliance"]) == [0.5, 0.9], f"sweep {st.points}")
    check(st.status.all(), "every run done")
    for script, extra in (("plot_dyads.py", []), ("plot_timeseries.py", []),
                          ("plot_survival.py", []),
                          ("plot_sweep.py", ["--attacker", "RU", "--target", "CN"])):
        png = os.path.join(tmp, script + ".png")
        r = subprocess.run([sys.executable, os.path.join(SRC, "analysis", script), out,
                            "-o", png] + extra, capture_output=True, text=True)
        check(r.returncode == 0, f"{script}: {r.returncode} {r.stderr}")
        # A real chart with axes, bars or lines compresses to well over 10 kB.
        ok = os.path.exists(png) and os.path.getsize(png) > 10000
        check(ok, f"{script} wrote a chart")
    # A bad request is refused with a message and a non-zero exit.
    r = subprocess.run([sys.executable, os.path.join(SRC, "analysis", "plot_survival.py"), out,
                        "--alliance", "nope", "-o", os.path.join(tmp, "x.png")],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "no alliance 'nope'" in r.stderr, f"bad alliance: {r.stderr}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
