"""test_cli_design.py: study designs end to end (sim/MODEL.md, "Study
designs"; issue 13).

The claims under test: a run with an lhs or saltelli design writes /design
exactly as the layout says (read back with h5py and with xarray), its
/sweep values are the design's points mapped onto the axes' ranges, and
its data are the same bytes with -j 1 and -j 2, across a run killed and
resumed, and across shards merged; `cysim list` and `report` show the
design; merge refuses shards of another design; the reader refuses a
/design that contradicts itself; grid files have no /design.
"""
import math
import os
import subprocess
import tempfile

# The killed run's partial file is read while open for writing: without
# HDF5's file lock (read when the library starts, so before h5py loads).
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from cytest import CYSIM, check, finish, kill_when_done, run, same_values  # noqa: E402

tmp = tempfile.mkdtemp(prefix="cysim_design_")

# Three factors: offense (linear), a zip group z of attack.rate (log) and
# defense, and compliance; N = 4 base samples, so 4 x (3 + 2) = 20 points.
BASE = """
scenario = { horizon = 365.0; replications = 6; seed = 5; };
states = (
  { id = "US"; offense = 0.5; defense = 0.5; attack = { rate = 0.5; }; },
  { id = "RU"; defense = 0.5; attack = { rate = 0.5; }; },
  { id = "CN"; attack = { rate = 0.5; }; }
);
alliances = ( { id = "p"; members = [ "RU", "CN" ];
                nonaggression = { compliance = 0.5; breach = "never"; }; } );
output = { bin = 30.0; timeseries = true; };
sweep = (
  { path = "states.[0].offense"; from = 0.1; to = 0.9; },
  { path = "states.[1].attack.rate"; zip = "z"; from = 0.05; to = 5.0;
    scale = "log"; },
  { path = "states.[1].defense"; zip = "z"; from = 0.2; to = 0.4; },
  { path = "alliances.[0].nonaggression.compliance"; name = "compliance";
    from = 0.0; to = 1.0; }
);
"""
SALTELLI = BASE + 'design = { method = "saltelli"; samples = 4; seed = 9; };\n'
LHS = BASE + 'design = { method = "lhs"; samples = 8; seed = 9; };\n'
GRID = BASE.replace("from = 0.1; to = 0.9;", "values = [ 0.1, 0.9 ];") \
    .replace("""  { path = "states.[1].attack.rate"; zip = "z"; from = 0.05; to = 5.0;
    scale = "log"; },
  { path = "states.[1].defense"; zip = "z"; from = 0.2; to = 0.4; },
""", "").replace("from = 0.0; to = 1.0;", "values = [ 0.0, 1.0 ];")
# Long enough to kill mid-way: about 6 s on one idle thread, so that the
# writer's checkpoints (every 0.5 s) leave several states of the partial
# file to catch before the run ends.
LONG = SALTELLI.replace("horizon = 365.0; replications = 6;",
                        "horizon = 3650.0; replications = 160;")


def path(name):
    return os.path.join(tmp, name)


def write(name, text):
    with open(path(name), "w") as f:
        f.write(text)
    return path(name)


def cysim(args):
    return subprocess.run([CYSIM] + args, cwd=tmp, capture_output=True, text=True)


def datasets(fname):
    """Every dataset of the file: name -> values (the root attributes
    `created` and `command_line` are not data)."""
    out = {}
    with h5py.File(fname) as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()])
                     if isinstance(o, h5py.Dataset) else None)
    return out


def differing(a, b):
    da, db = datasets(a), datasets(b)
    bad = sorted(set(da) ^ set(db))
    for n in set(da) & set(db):
        if not same_values(np.asarray(da[n]), np.asarray(db[n])):
            bad.append(n)
    return bad


write("sal.cfg", SALTELLI)
write("lhs.cfg", LHS)
write("grid.cfg", GRID)
write("long.cfg", LONG)

# ---- the layout of /design ----
r = run(["sal.cfg", "-q", "-j", "1", "-o", "j1.h5"], tmp)
check("saltelli run with -j 1", r.returncode == 0, r.stderr)
N, k, P = 4, 3, 20
with h5py.File(path("j1.h5")) as f:
    g = f["design"]
    check("/design attributes method, samples, factors, seed",
          g.attrs["method"] in (b"saltelli", "saltelli") and g.attrs["samples"] == N
          and g.attrs["factors"] == k and g.attrs["seed"] == 9, str(dict(g.attrs)))
    check("attribute types: int64 samples, factors, seed",
          all(g.attrs[a].dtype == np.int64 for a in ("samples", "factors", "seed")))
    fac = list(g["factor"].asstr()[()])
    check("/design/factor: offense's axis name, the zip tag z, compliance",
          fac == ["states__0__offense", "z", "compliance"], str(fac))
    check("/design/factor is a text dimension scale `factor` (variable-length, as the other text scales)",
          h5py.check_string_dtype(g["factor"].dtype) is not None and g["factor"].attrs["CLASS"] == b"DIMENSION_SCALE"
          and g["factor"].attrs["NAME"] == b"factor")
    m, row, unit = g["matrix"][()], g["row"][()], g["unit"][()]
    check("matrix uint8 [point], row uint32 [point], unit float64 [point, factor]",
          m.dtype == np.uint8 and row.dtype == np.uint32 and unit.dtype == np.float64
          and m.shape == (P,) and row.shape == (P,) and unit.shape == (P, k))
    check("point = matrix * N + row (A, B, AB_1, AB_2, AB_3)",
          np.array_equal(m, np.arange(P) // N) and np.array_equal(row, np.arange(P) % N))
    check("matrix flags name the matrices",
          list(g["matrix"].attrs["flag_values"]) == [0, 1, 2, 3, 4]
          and g["matrix"].attrs["flag_meanings"] == b"A B AB_1 AB_2 AB_3")
    check("every /design dataset has long_name and description; numbers units",
          all("long_name" in g[d].attrs and "description" in g[d].attrs
              for d in ("factor", "matrix", "row", "unit"))
          and all(g[d].attrs["units"] == b"1" for d in ("matrix", "row", "unit")))
    A, B = unit[:N], unit[N:2 * N]
    ab = all(np.array_equal(unit[(2 + i) * N:(3 + i) * N][:, c],
                            (B if c == i else A)[:, c])
             for i in range(k) for c in range(k))
    check("A_B^(i) is A with column i from B", ab)
    # first 6-D Sobol point (0.5 everywhere), then (0.75, 0.25, 0.25, ...)
    check("row 0 of A and B is the first Sobol point (0.5, ...): no zero point",
          np.all(A[0] == 0.5) and np.all(B[0] == 0.5), str(unit[:2]))
    # the axes' values are the unit coordinates mapped onto their ranges
    off = f["sweep/states__0__offense"][()]
    rate = f["sweep/states__1__attack_rate"][()]
    dfn = f["sweep/states__1__defense"][()]
    check("offense = 0.1 + u * 0.8", np.allclose(off, 0.1 + unit[:, 0] * 0.8, 0, 1e-15))
    check("attack.rate = exp(log 0.05 + u (log 5 - log 0.05)) (log scale)",
          np.allclose(rate, np.exp(math.log(0.05) + unit[:, 1] * math.log(100)), 1e-14, 0))
    check("defense shares z's coordinate: 0.2 + u * 0.2",
          np.allclose(dfn, 0.2 + unit[:, 1] * 0.2, 0, 1e-15))

# xarray opens the group with labelled dimensions
for engine in ("h5netcdf", "netcdf4"):
    try:
        ds = xr.open_dataset(path("j1.h5"), engine=engine, group="design")
    except Exception as e:  # noqa: BLE001
        check(f"xarray ({engine}) opens group design", False, repr(e))
        continue
    check(f"xarray ({engine}): unit (point, factor), matrix and row (point)",
          ds["unit"].dims == ("point", "factor") and ds["matrix"].dims == ("point",)
          and ds["row"].dims == ("point",) and ds.sizes["point"] == P, str(ds))
    check(f"xarray ({engine}): factor labels", [
        (x.decode() if isinstance(x, bytes) else x) for x in ds["factor"].values
    ] == ["states__0__offense", "z", "compliance"])
    ds.close()

# ---- determinism: threads, resume, shards ----
r = run(["sal.cfg", "-q", "-j", "2", "-o", "j2.h5"], tmp)
check("saltelli run with -j 2", r.returncode == 0, r.stderr)
check("-j 1 and -j 2 write the same datasets", differing(path("j1.h5"), path("j2.h5")) == [],
      differing(path("j1.h5"), path("j2.h5")))
r = run(["sal.cfg", "-q", "-j", "2", "--seed", "77", "-o", "seed77.h5"], tmp)
with h5py.File(path("j1.h5")) as a, h5py.File(path("seed77.h5")) as b:
    check("another replication seed: the same design and /sweep values",
          np.array_equal(a["design/unit"][()], b["design/unit"][()])
          and np.array_equal(a["sweep/compliance"][()], b["sweep/compliance"][()])
          and not np.array_equal(a["summary/seed"][()], b["summary/seed"][()]))

for t in range(3):
    r = run(["sal.cfg", "-q", "--task", str(t), "--tasks", "3", "-o", f"s{t}.h5"], tmp)
    check(f"shard {t} of 3", r.returncode == 0, r.stderr)
r = cysim(["merge", "-o", "merged.h5", "s0.h5", "s1.h5", "s2.h5"])
check("merge of the shards", r.returncode == 0, r.stderr)
check("merged shards equal the single run, /design included",
      differing(path("j1.h5"), path("merged.h5")) == [],
      differing(path("j1.h5"), path("merged.h5")))

# A shard of the lhs design does not merge with shards of the saltelli one.
r = run(["lhs.cfg", "-q", "--task", "1", "--tasks", "3", "-o", "l1.h5"], tmp)
r = cysim(["merge", "-o", "mixed.h5", "s0.h5", "l1.h5"])
check("merge refuses a shard of another design", r.returncode == 2
      and "not a shard of the study" in r.stderr and not os.path.exists(path("mixed.h5")),
      r.stderr)

# Same points (a Sobol design does not draw from its seed), another seed.
r = run(["sal.cfg", "-q", "--task", "1", "--tasks", "3", "--set", "design.seed=3",
         "-o", "d1.h5"], tmp)
check("a shard with --set design.seed=3 runs", r.returncode == 0, r.stderr)
r = cysim(["merge", "-o", "mixed.h5", "s0.h5", "d1.h5", "s2.h5"])
check("merge refuses a shard whose design differs only in its seed",
      r.returncode == 2 and "another design" in r.stderr, r.stderr)

run(["long.cfg", "-q", "-j", "2", "-o", "long_ref.h5"], tmp)
cmd = [CYSIM, "run", "long.cfg", "-j", "1", "-q", "-o", "long.h5"]
done, there, status = kill_when_done(cmd, tmp, "long.h5.partial", 1)
killed = done >= 1 and there
check("a design run killed after some runs leaves its partial file", killed,
      f"done={done}, exit status {status}")
if killed:
    with h5py.File(path("long.h5.partial")) as f:
        check("the partial file already holds /design",
              "design" in f and f["design/unit"].shape == (P, k))
r = subprocess.run(cmd + ["--resume"], cwd=tmp, capture_output=True, text=True)
check("--resume completes the killed design run", r.returncode == 0, r.stderr)
check("killed and resumed equals an uninterrupted run",
      differing(path("long_ref.h5"), path("long.h5")) == [],
      differing(path("long_ref.h5"), path("long.h5")))

# ---- lhs, grid, list, report ----
r = run(["lhs.cfg", "-q", "-o", "lhs.h5"], tmp)
with h5py.File(path("lhs.h5")) as f:
    u = f["design/unit"][()]
    strata_ok = all(sorted(np.floor(u[:, c] * 8).astype(int)) == list(range(8))
                    for c in range(3))
    check("lhs: one point in each of the 8 strata of every factor", strata_ok, str(u))
    check("lhs: matrix all A, rows 0..7, flag_meanings A",
          np.all(f["design/matrix"][()] == 0)
          and np.array_equal(f["design/row"][()], np.arange(8))
          and f["design/matrix"].attrs["flag_meanings"] == b"A")
r = run(["grid.cfg", "-q", "-o", "grid.h5"], tmp)
with h5py.File(path("grid.h5")) as f:
    check("a grid study's file has no /design", r.returncode == 0 and "design" not in f)

r = cysim(["list", "sal.cfg"])
lines = r.stdout.splitlines()
check("list: a # design line, then point, matrix, row and the axes",
      lines[0].startswith("# design: saltelli, N 4 samples, k 3 factors "
                          "(states__0__offense, z, compliance), design seed 9")
      and lines[1].split("\t")[:3] == ["point", "matrix", "row"], lines[:2])
check("list: point 5 is row 1 of B, point 19 row 3 of AB_3",
      lines[2 + 5].split("\t")[:3] == ["5", "B", "1"]
      and lines[2 + 19].split("\t")[:3] == ["19", "AB_3", "3"], lines[11])
r = cysim(["validate", "sal.cfg"])
check("validate shows the design and which points each matrix holds",
      "design: saltelli, N 4 samples, k 3 factors" in r.stdout
      and "A = points 0-3, B = points 4-7, AB_1 = points 8-11" in r.stdout, r.stdout)
r = cysim(["report", "j1.h5"])
check("report's header names the design",
      "Design: saltelli, N 4 samples, k 3 factors (states__0__offense, z, "
      "compliance), design seed 9" in r.stdout, r.stdout[:400])

# ---- a /design that contradicts itself is refused ----
def tampered(name, change):
    subprocess.run(["cp", path("j1.h5"), path(name)], check=True)
    with h5py.File(path(name), "r+") as f:
        change(f)
    return cysim(["report", name])


def swap_rows(f):
    f["design/row"][0] = 3


def bad_method(f):
    f["design"].attrs["method"] = np.bytes_("sobol")


def bad_unit(f):
    del f["design/unit"]
    f["design"].create_dataset("unit", data=np.zeros((P, 2)))


def bad_factors(f):
    f["design"].attrs["factors"] = np.int64(4)


for name, change, needle in [
        ("t_row.h5", swap_rows, "/design/matrix and /design/row give point 0"),
        ("t_method.h5", bad_method, "/design attribute 'method' is \"sobol\""),
        ("t_unit.h5", bad_unit, "/design/unit has shape [20,2], expected [20,3]"),
        ("t_k.h5", bad_factors, "4 factors has 24 points, but the file has 20")]:
    r = tampered(name, change)
    check(f"reader refuses {name}: {needle}", r.returncode == 2 and needle in r.stderr,
          r.stderr)

finish(tmp)
