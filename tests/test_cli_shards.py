"""test_cli_shards.py: `cysim run --task K --tasks N`, `cysim merge` and
`cysim list --tasks N` (issue: cluster sweeps).

The claim under test: a study split into shards, in any split, killed and
rerun, then merged, gives the data of a single-process run byte for byte;
merge refuses anything that is not the same study, with a one-line message
and exit status 2, and writes nothing then.

Studies: tests/data/io_small.cfg (2 points x 20 replications, time series;
one chunk of 20 replications per point, so every 3-way split cuts chunks
and merge must rebuild them), the same with `-n 150` (chunks of 64: some
blocks lie whole in one shard and are copied as stored), and
tests/data/io_long.cfg (a few seconds) for a task killed mid-way.
"""
import os
import subprocess
import tempfile

# The killed task's partial file is read while open for writing: without
# HDF5's file lock (read when the library starts, so before h5py loads).
os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from cytest import CYSIM, SRC, check, finish, kill_when_done, run, same_values  # noqa: E402

SMALL = os.path.join(SRC, "tests", "data", "io_small.cfg")
LONG = os.path.join(SRC, "tests", "data", "io_long.cfg")
tmp = tempfile.mkdtemp(prefix="cysim_shards_")


def cysim(args, env=None):
    return subprocess.run([CYSIM] + args, cwd=tmp, env=env, capture_output=True,
                          text=True)


def path(name):
    return os.path.join(tmp, name)


def data_groups(f):
    """Every dataset under /summary and /timeseries: name -> values."""
    out = {}
    for g in ("summary", "timeseries", "events"):
        if g in f:
            f[g].visititems(lambda n, o: out.__setitem__(f"{g}/{n}", o[()])
                            if isinstance(o, h5py.Dataset) else None)
    return out


def same_data(a, b):
    """The names of datasets whose values differ (bytes, or text)."""
    with h5py.File(a) as fa, h5py.File(b) as fb:
        da, db = data_groups(fa), data_groups(fb)
        bad = [n for n in da if n not in db]
        for n, x in da.items():
            if n not in db:
                continue
            if not same_values(x, db[n]):
                bad.append(n)
        return bad


def same_chunks(a, b, name):
    """Whether every stored chunk of dataset `name` has the same bytes."""
    with h5py.File(a) as fa, h5py.File(b) as fb:
        x, y = fa[name].id, fb[name].id
        if x.get_num_chunks() != y.get_num_chunks():
            return False
        for i in range(x.get_num_chunks()):
            off = x.get_chunk_info(i).chunk_offset
            if x.read_direct_chunk(off) != y.read_direct_chunk(off):
                return False
        return True


def task_range(runs, k, n):
    """cy_study_task_runs: the first runs % n tasks get one run more."""
    q, r = divmod(runs, n)
    lo = k * q + min(k, r)
    return lo, lo + q + (k < r)


# ---- a single-process reference and three shards ----
r = run([SMALL, "-q", "-o", "full.h5"], tmp)
check("single-process run", r.returncode == 0, r.stderr)
for k in range(3):
    r = run([SMALL, "--task", str(k), "--tasks", "3", "-q"], tmp)
    check(f"task {k} of 3 runs", r.returncode == 0, r.stderr)
names = [f"io_small.shard-{k}-of-3.h5" for k in range(3)]
check("shards get the default names BASE.shard-K-of-N.h5",
      all(os.path.exists(path(n)) for n in names), str(os.listdir(tmp)))

# Each shard: its task's runs marked, nothing else; fill values elsewhere;
# values equal to the reference's; attributes task/tasks, complete 0.
with h5py.File(path("full.h5")) as full:
    ref = {n: full[n][()] for n in ("summary/ops", "summary/damage",
                                    "summary/seed", "timeseries/ops")}
for k, n in enumerate(names):
    with h5py.File(path(n)) as f:
        st = f["summary/status"][()].ravel()
        lo, hi = task_range(40, k, 3)
        want = np.zeros(40, np.uint8)
        want[lo:hi] = 1
        check(f"shard {k}: status marks runs {lo}..{hi - 1} only",
              (st == want).all(), str(st))
        check(f"shard {k}: task {k}, tasks 3, complete 0",
              (f.attrs["task"], f.attrs["tasks"], f.attrs["complete"]) == (k, 3, 0))
        mask = st.reshape(2, 20).astype(bool)
        for name, x in ref.items():
            y = f[name][()]
            check(f"shard {k}: {name} equals the single run on its runs",
                  (x[mask] == y[mask]).all())
            outside = y[~mask]
            check(f"shard {k}: {name} outside its runs is the fill value",
                  np.isnan(outside).all() if y.dtype.kind == "f"
                  else (outside == 0).all())

r = subprocess.run([CYSIM, "report", names[1]], cwd=tmp, capture_output=True,
                   text=True)
check("cysim report on a shard says which task it holds",
      r.returncode == 0 and "a SHARD (task 1 of 3" in r.stdout, r.stdout + r.stderr)

# `cysim list --tasks 3` names the same ranges.
r = cysim(["list", SMALL, "--tasks", "3"])
rows = [line.split("\t") for line in r.stdout.splitlines()[1:]]
check("list --tasks 3: one line per task, ranges as run uses them",
      r.returncode == 0 and [tuple(map(int, x[:4])) for x in rows] ==
      [(k, task_range(40, k, 3)[1] - task_range(40, k, 3)[0],
        task_range(40, k, 3)[0], task_range(40, k, 3)[1] - 1) for k in range(3)],
      r.stdout + r.stderr)
r = cysim(["list", SMALL, "--tasks", "41"])
check("list --tasks past the run count: exit 2", r.returncode == 2, r.stderr)

# A complete shard: its rerun does nothing, leaving the file as it was.
before = open(path(names[1]), "rb").read()
r = run([SMALL, "--task", "1", "--tasks", "3"], tmp)
check("rerunning a complete task exits 0 and says there is nothing to do",
      r.returncode == 0 and "nothing to do" in r.stderr, r.stderr)
check("... and leaves its shard byte for byte",
      open(path(names[1]), "rb").read() == before)

# ---- merge ----
r = cysim(["merge", "-o", "all.h5"] + names)
check("merge of the three shards", r.returncode == 0, r.stderr)
check("merged /summary, /timeseries equal the single run's byte for byte",
      same_data(path("full.h5"), path("all.h5")) == [],
      str(same_data(path("full.h5"), path("all.h5"))))
for name in ("summary/ops", "summary/damage", "timeseries/ops", "summary/status"):
    check(f"merged {name}: every chunk the bytes the single run stores",
          same_chunks(path("full.h5"), path("all.h5"), name))
with h5py.File(path("all.h5")) as f:
    check("merged file: complete 1, no task attributes, merge's command line",
          f.attrs["complete"] == 1 and "task" not in f.attrs and
          "tasks" not in f.attrs and
          f.attrs["command_line"].decode().startswith("cysim merge"))
    check("merged file keeps the sweep table and provenance",
          list(f["sweep"]) == ["compliance", "states__2__attack_rate"] and
          b"io_small" in f["provenance/scenario_text"][()])
r = subprocess.run([CYSIM, "report", "all.h5"], cwd=tmp, capture_output=True,
                   text=True)
check("cysim report reads the merged file", r.returncode == 0, r.stderr)

# Shards of two splits, overlapping: duplicates are compared, data equal.
for k in range(2):
    run([SMALL, "--task", str(k), "--tasks", "2", "-q"], tmp)
r = cysim(["merge", "-o", "mixed.h5", "io_small.shard-1-of-2.h5"] + names)
check("merge of overlapping splits (2 and 3 tasks)", r.returncode == 0 and
      "20 runs in more than one file" in r.stderr, r.stderr)
check("... equals the single run",
      same_data(path("full.h5"), path("mixed.h5")) == [])

# Blocks held whole by one shard are copied as stored (150 replications:
# chunks of 64), the rest rebuilt; both give the single run's chunks.
run([SMALL, "-n", "150", "-q", "-o", "full150.h5"], tmp)
big = []
for k in range(2):
    run([SMALL, "-n", "150", "--task", str(k), "--tasks", "2", "-q", "-o",
         f"b{k}.h5"], tmp)
    big.append(f"b{k}.h5")
r = cysim(["merge", "-o", "all150.h5"] + big)
check("merge with chunks copied as stored and rebuilt",
      r.returncode == 0 and "chunks copied" in r.stderr and
      "(0 chunks copied" not in r.stderr, r.stderr)
check("... equals the single run, chunk bytes too",
      same_data(path("full150.h5"), path("all150.h5")) == [] and
      same_chunks(path("full150.h5"), path("all150.h5"), "timeseries/ops"))

# Shards of a cysim that shuffled its float datasets too (before issue
# 14), made by h5repack from today's: such a file as merge's template (it
# holds the most runs: shard 0 has 14 of 40) makes merge shuffle the float
# chunks it rebuilds as that file's datasets are filtered; beside today's
# template, its float chunks are decoded and rebuilt unshuffled.  Either
# way the data are the single run's, in the template's filters.
with h5py.File(path(names[0])) as f:
    floats = [f"summary/{n}" for n in f["summary"]
              if f[f"summary/{n}"].dtype.kind == "f" and
              f[f"summary/{n}"].chunks]  # not the sweep's coordinates
# damage, hostility_final, fear_final and (io_small has an alliance)
# alliance_end_day.
check("today's four float datasets are not shuffled",
      len(floats) == 4 and not any(h5py.File(path(names[0]))[n].shuffle
                                   for n in floats), str(floats))


def old_style(name):
    spec = ",".join(floats)
    subprocess.run(["h5repack", "-f", f"{spec}:SHUF", "-f", f"{spec}:GZIP=1",
                    name, "old-" + name], cwd=tmp, check=True)
    return "old-" + name


for label, inputs, shuffled in (
        ("an older template", [old_style(names[0])] + names[1:], True),
        ("older inputs", names[:1] + [old_style(n) for n in names[1:]], False)):
    r = cysim(["merge", "-o", "old.h5", "--force"] + inputs)
    check(f"merge with {label}", r.returncode == 0, r.stderr)
    check(f"... ({label}) equals the single run",
          same_data(path("full.h5"), path("old.h5")) == [],
          str(same_data(path("full.h5"), path("old.h5"))))
    with h5py.File(path("old.h5")) as f:
        check(f"... its floats shuffled: {shuffled} (the template's)",
              all(f[n].shuffle == shuffled for n in floats))

# ---- merge refuses ----
def refused(what, args, needle):
    r = cysim(["merge", "-o", "refused.h5", "--allow-partial"] + args)
    lines = r.stderr.strip().splitlines()
    check(f"merge refuses {what} (exit 2, says why)",
          r.returncode == 2 and needle in r.stderr and
          not os.path.exists(path("refused.h5")), r.stderr)
    return lines


run([SMALL, "--seed", "5", "--task", "1", "--tasks", "3", "-q", "-o", "seed5.h5"], tmp)
refused("a shard of another seed", [names[0], "seed5.h5"], "another seed")
run([SMALL, "--set", "states.[0].attack.rate=0.4", "--task", "1", "--tasks", "3",
     "-q", "-o", "set.h5"], tmp)
refused("a shard with other --set overrides", [names[0], "set.h5"],
        "another --set overrides")
other = path("other.cfg")
with open(SMALL) as src, open(other, "w") as dst:
    dst.write(src.read() + "\n# another text\n")
run([other, "--task", "1", "--tasks", "3", "-q", "-o", "text.h5"], tmp)
refused("a shard of another scenario text", [names[0], "text.h5"],
        "another scenario text")
# Overlapping shards whose data differ (one value changed in a copy).
with open(path(names[1]), "rb") as src, open(path("forged.h5"), "wb") as dst:
    dst.write(src.read())
with h5py.File(path("forged.h5"), "r+") as f:
    lo, _ = task_range(40, 1, 3)
    ops = f["summary/ops"][()]
    ops[lo // 20, lo % 20, 0, 1] += 1
    f["summary/ops"][...] = ops
refused("overlapping shards with different data", [names[1], "forged.h5"],
        f"point {lo // 20}, replication {lo % 20} (/summary/ops)")
with open(path(names[2]), "rb") as src:
    blob = src.read()
with open(path("cut.h5"), "wb") as dst:
    dst.write(blob[: len(blob) // 2])
refused("a truncated shard", [names[0], "cut.h5"], "cut.h5")
with open(path("notes.h5"), "w") as dst:
    dst.write("not a result file\n")
refused("a file that is not HDF5", [names[0], "notes.h5"], "notes.h5")
with h5py.File(path("foreign.h5"), "w") as f:
    f["x"] = np.arange(3)
refused("an HDF5 file that is not cysim's", [names[0], "foreign.h5"], "foreign.h5")
r = cysim(["merge", "-o", "refused.h5", names[0], names[2]])
lines = r.stderr.strip().splitlines()
check("merge refuses missing runs without --allow-partial (exit 2, no file)",
      r.returncode == 2 and "in no input" in r.stderr and
      not os.path.exists(path("refused.h5")), r.stderr)
check("missing runs are listed by task and by point",
      "cysim merge: missing: task 1 of 3: 13 of its 13 runs" in lines and
      "cysim merge: missing: point 0: 6 replications: 14-19" in lines and
      "cysim merge: missing: point 1: 7 replications: 0-6" in lines, "\n".join(lines))

r = cysim(["merge", "-o", "part.h5", "--allow-partial", names[0], names[2]])
check("--allow-partial merges what there is", r.returncode == 0, r.stderr)
with h5py.File(path("part.h5")) as f:
    st = f["summary/status"][()].ravel()
    lo, hi = task_range(40, 1, 3)
    check("... complete 0, status 0 exactly for the missing runs, NaN damage",
          f.attrs["complete"] == 0 and (st[lo:hi] == 0).all() and
          st.sum() == 40 - (hi - lo) and
          np.isnan(f["summary/damage"][()].reshape(40, -1)[lo:hi]).all())
r = cysim(["merge", "-o", "all.h5"] + names)
check("merge refuses an existing output without --force",
      r.returncode == 2 and "--force" in r.stderr, r.stderr)
r = cysim(["merge", "-o", names[0], "--force"] + names)
check("merge refuses to write onto one of its inputs, even with --force",
      r.returncode == 2 and "is also an input" in r.stderr and
      open(path(names[0]), "rb").read(8) == b"\x89HDF\r\n\x1a\n", r.stderr)

# ---- --task auto (a Slurm array's variables) and bad task options ----
env = dict(os.environ, SLURM_ARRAY_TASK_ID="12", SLURM_ARRAY_TASK_MIN="10",
           SLURM_ARRAY_TASK_COUNT="3")
r = run([SMALL, "--task", "auto", "-q"], tmp, env=env)
check("--task auto: task ID - MIN of COUNT (2 of 3 here)",
      r.returncode == 0 and os.path.exists(path("io_small.shard-2-of-3.h5")) and
      "nothing to do" not in r.stderr, r.stderr)
env = dict(os.environ, SLURM_ARRAY_TASK_ID="3", SLURM_ARRAY_TASK_MIN="3",
           SLURM_ARRAY_TASK_COUNT="1")
r = run([SMALL, "--task", "auto", "--tasks", "4", "-q"], tmp, env=env)
check("--task auto --tasks 4: the array index is the task (3 of 4)",
      r.returncode == 0 and os.path.exists(path("io_small.shard-3-of-4.h5")), r.stderr)
for args, needle in ((["--task", "auto"], "SLURM_ARRAY_TASK_ID is not set"),
                     (["--task", "3", "--tasks", "3"], "not one of the 3 tasks"),
                     (["--task", "1"], "needs --tasks"),
                     (["--tasks", "2"], "needs --task"),
                     (["--task", "x", "--tasks", "2"], "neither a task number"),
                     (["--task", "0", "--tasks", "41"], "so 1 to 40 tasks")):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    r = run([SMALL] + args, tmp, env=env)
    check(f"run {' '.join(args)}: exit 2, says why",
          r.returncode == 2 and needle in r.stderr, r.stderr)

# A shard of another task at the output name is not taken for this one.
r = run([SMALL, "--task", "0", "--tasks", "3", "-q", "-o", names[1]], tmp)
check("a task refuses another task's shard at its output",
      r.returncode == 2 and "holds task 1 of 3, this run is task 0 of 3" in r.stderr,
      r.stderr)

# ---- a task killed mid-way, rerun by the same command, resumes ----
run([LONG, "-q", "-o", "long.h5"], tmp)
run([LONG, "--task", "0", "--tasks", "2", "-q", "-o", "long0.h5"], tmp)
cmd = [CYSIM, "run", LONG, "--task", "1", "--tasks", "2", "-j", "1", "-q",
       "-o", "long1.h5"]
done, there, _ = kill_when_done(cmd, tmp, "long1.h5.partial", 3, timeout=60)
check("a task killed after some runs leaves its partial file",
      3 <= done and there, f"done={done}")
with h5py.File(path("long1.h5.partial")) as f:
    kept = int(f["summary/status"][()].sum())
r = cysim(["merge", "-o", "salvage.h5", "--allow-partial", "long1.h5.partial",
           "long0.h5"])
with h5py.File(path("salvage.h5")) as f:
    salvaged = int(f["summary/status"][()].sum())
check("merge --allow-partial takes a killed task's partial file too",
      r.returncode == 0 and salvaged == 300 + kept, f"{salvaged} {kept} {r.stderr}")
r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
check("the same command resumes the killed task", r.returncode == 0, r.stderr)
r = cysim(["merge", "-o", "longall.h5", "long0.h5", "long1.h5"])
check("merged killed-and-resumed shards equal the single run",
      r.returncode == 0 and same_data(path("long.h5"), path("longall.h5")) == [],
      r.stderr)

# ---- the event log ----
run([SMALL, "--event-log", "-q", "-o", "ev.h5"], tmp)
for k in range(3):
    run([SMALL, "--event-log", "--task", str(k), "--tasks", "3", "-q", "-o",
         f"ev{k}.h5"], tmp)
r = cysim(["merge", "-o", "evall.h5", "ev2.h5", "ev0.h5", "ev1.h5"])
check("merge of shards with event logs (given out of order)", r.returncode == 0,
      r.stderr)
check("... /events, /summary, /timeseries equal the single run's",
      same_data(path("ev.h5"), path("evall.h5")) == [],
      str(same_data(path("ev.h5"), path("evall.h5"))))

finish(tmp)
