"""test_analysis_r.py: analysis/read_cysim.R (the R reader, hdf5r) reads a
result file into the same tidy table as one built here with h5py.

Three real runs: tests/data/io_small.cfg (two points of a zipped sweep,
three states, one alliance, time series), tests/data/io_plain.cfg (no
sweep, no alliance) and scenarios/ru_cn_pact_2015.cfg (seven points, a
boolean axis, the alliance disabled at point 0, whose rows must be left
out).  For each, `Rscript analysis/read_cysim.R FILE --csv T --plot P`:
  * exits 0, prints the table's first rows, and draws the plot (a PNG);
  * T has the columns point, the sweep axes in the file's order,
    replication, metric, attacker, target, optype, alliance, value;
  * T's rows equal, as a multiset, the table computed here with h5py: every
    /summary dataset along (point, replication), each value labelled by
    its dimension scales (h5py's `dims`, i.e. the file's DIMENSION_LIST:
    the R reader must undo hdf5r's reversed dimensions to agree), runs of
    status 1 only, no self-pairs, no alliance at a point where it is
    disabled.  Values are compared as doubles (R writes 17 digits).
The same h5py table is the truth for `cysim report --csv
--per-replication`, whose rows must equal it too (swept booleans print as
true/false there, 1/0 in R and h5py).
"""
import csv
import io
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter

import h5py
import numpy as np

CYSIM = os.environ["CYSIM"]
SRC = os.environ["CYSIM_SOURCE_DIR"]
TESTBIN = os.environ.get("CYSIM_TEST_BIN", "")
RSCRIPT = "/usr/bin/Rscript"
READER = os.path.join(SRC, "analysis", "read_cysim.R")

failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok:", what)
    else:
        failures += 1
        print("FAILED:", what)


if not os.path.exists(RSCRIPT):
    print("FAILED: /usr/bin/Rscript missing: `make deps` installs r-base-core "
          "and r-cran-hdf5r")
    sys.exit(1)

DIMS = ["attacker", "target", "optype", "alliance"]


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def h5py_table(path):
    """(columns, Counter of rows) of the file's summary, built with h5py."""
    with h5py.File(path, "r") as f:
        ops = f["summary/ops"]
        axes = text(ops.attrs["coordinates"]).split() if "coordinates" in ops.attrs else []
        sweep = {a: f["sweep/" + a][()] for a in axes}
        status = f["summary/status"][()]
        enabled = f["summary/alliance_enabled"][()] if "alliance_enabled" in f["summary"] else None
        rows = Counter()
        for name, ds in f["summary"].items():
            # The outcomes: datasets along (point, replication); the scales
            # and sweep copies have one dimension.
            if (not isinstance(ds, h5py.Dataset) or name in ("status", "seed", "alliance_enabled")
                    or ds.ndim < 2):
                continue
            dim_names = [ds.dims[d][0].name.rsplit("/", 1)[-1] for d in range(ds.ndim)]
            if dim_names[:2] != ["point", "replication"]:
                continue
            labels = [[text(v) for v in ds.dims[d][0][()]] for d in range(ds.ndim)]
            data = ds[()]
            for idx in np.ndindex(data.shape):
                p, k = idx[0], idx[1]
                if status[p, k] != 1:
                    continue
                lab = dict(zip(dim_names[2:], (labels[d][idx[d]] for d in range(2, ds.ndim))))
                if "attacker" in lab and lab["attacker"] == lab["target"]:
                    continue
                if "alliance" in lab and enabled is not None and \
                        not enabled[p, idx[dim_names.index("alliance")]]:
                    continue
                rows[(p, *(float(sweep[a][p]) for a in axes), k, name,
                      *(lab.get(d, "") for d in DIMS), float(data[idx]))] += 1
    return ["point", *axes, "replication", "metric", *DIMS, "value"], rows


def parse_rows(text_csv, n_axes):
    """Counter of the CSV's rows in the h5py table's form."""
    def num(x):
        if x in ("true", "false"):
            return 1.0 if x == "true" else 0.0
        return float(x) if x != "" else math.nan
    r = csv.reader(io.StringIO(text_csv))
    header = next(r)
    rows = Counter()
    for row in r:
        p = int(row[0])
        sweep = [num(x) for x in row[1:1 + n_axes]]
        k = int(row[1 + n_axes])
        rest = row[2 + n_axes:]
        rows[(p, *sweep, k, rest[0], *rest[1:5], num(rest[5]))] += 1
    return header, rows


def same(a, b):
    """Counters equal, NaN equal to NaN (alliance_end_day may hold NaN)."""
    def key(c):
        return Counter({tuple("nan" if isinstance(v, float) and math.isnan(v) else v
                              for v in t): n for t, n in c.items()})
    return key(a) == key(b)


tmp = tempfile.mkdtemp(dir=TESTBIN or None, prefix="analysis_r.")
runs = [("small", "tests/data/io_small.cfg", ["-n", "5"]),
        ("plain", "tests/data/io_plain.cfg", []),
        ("pact", "scenarios/ru_cn_pact_2015.cfg", ["-n", "3"])]
for label, cfg, extra in runs:
    h5 = os.path.join(tmp, label + ".h5")
    r = subprocess.run([CYSIM, "run", os.path.join(SRC, cfg), "-o", h5, "-q", "-j", "2", *extra],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"{label}: cysim run exits 0 {r.stderr.strip()}")
    cols, want = h5py_table(h5)
    check(sum(want.values()) > 0, f"{label}: the h5py table has {sum(want.values())} rows")

    out_csv = os.path.join(tmp, label + "_r.csv")
    png = os.path.join(tmp, label + "_ops.png")
    r = subprocess.run([RSCRIPT, READER, h5, "--csv", out_csv, "--plot", png],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"{label}: read_cysim.R exits 0 {r.stderr.strip()[-500:]}")
    check("metric" in r.stdout and "replication" in r.stdout and "rows; metrics:" in r.stdout,
          f"{label}: read_cysim.R prints the table")
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{label}: the plot is a PNG")
    with open(out_csv) as f:
        header, got = parse_rows(f.read(), len(cols) - 8)
    check(header == cols, f"{label}: R's columns {header} == {cols}")
    check(same(got, want), f"{label}: R's {sum(got.values())} rows equal h5py's "
          f"{sum(want.values())} (missing {list((want - got).keys())[:3]}, "
          f"extra {list((got - want).keys())[:3]})")

    r = subprocess.run([CYSIM, "report", h5, "--csv", "--per-replication"],
                       capture_output=True, text=True)
    header, got = parse_rows(r.stdout, len(cols) - 8)
    check(r.returncode == 0 and header == cols,
          f"{label}: cysim report --csv --per-replication has the same columns")
    check(same(got, want), f"{label}: cysim's per-replication CSV equals h5py's table "
          f"(missing {list((want - got).keys())[:3]}, extra {list((got - want).keys())[:3]})")

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
