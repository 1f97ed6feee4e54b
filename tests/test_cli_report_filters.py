"""test_cli_report_filters.py: `cysim report`'s filters (--points,
--metrics, --states), its side-by-side view (--compare) and the CSV's
options, on a real run of tests/data/io_small.cfg (2 points x 5
replications, states US, RU, CN, alliance ru_cn).

Expected, and why:
  * --points 1 shows point 1's block only; 0-1 and 0,1 both points;
  * --metrics ops shows the operations column only (no successes, no
    damage, no alliance table); --metrics alliance_ended the alliance
    table only;
  * --states US shows only dyads with US at one end, and US's damage;
  * the CSV obeys the same filters (its rows' point, metric, attacker or
    target), and the states filter leaves metrics without states alone;
  * a malformed list, a point the file lacks, an unknown metric or state
    exits 2 with a message naming it and prints nothing on stdout (the
    CSV file is not created);
  * --compare prints one table per figure with a column per point whose
    "mean [lo, hi]" cells carry the same numbers (4 significant digits)
    as the per-point report's;
  * clashing options (--compare with --csv or --baseline,
    --per-replication without --csv) exit 2.
"""
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

CYSIM = os.environ["CYSIM"]
SRC = os.environ["CYSIM_SOURCE_DIR"]
TESTBIN = os.environ.get("CYSIM_TEST_BIN", "")

failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok:", what)
    else:
        failures += 1
        print("FAILED:", what)


def run(*args):
    return subprocess.run([CYSIM, *args], capture_output=True, text=True)


tmp = tempfile.mkdtemp(dir=TESTBIN or None, prefix="cli_report_filters.")
h5 = os.path.join(tmp, "small.h5")
r = run("run", os.path.join(SRC, "tests/data/io_small.cfg"), "-o", h5, "-n", "5", "-q", "-j", "2")
check(r.returncode == 0, "cysim run exits 0 " + r.stderr)

full = run("report", h5).stdout

# --points
for arg, want in (("1", ["1"]), ("0-1", ["0", "1"]), ("0,1", ["0", "1"]), ("1-1", ["1"])):
    out = run("report", h5, "--points", arg).stdout
    check(re.findall(r"^== point (\d+)", out, re.M) == want, f"--points {arg}: points {want}")

# --metrics
out = run("report", h5, "--metrics", "ops").stdout
check("operations" in out and "successes" not in out and "attributions" not in out
      and "damage suffered" not in out and "survived" not in out,
      "--metrics ops: the operations column only")
out = run("report", h5, "--metrics", "alliance_ended").stdout
check("survived" in out and "operations" not in out and "damage" not in out,
      "--metrics alliance_ended: the alliance table only")

# --states
out = run("report", h5, "--states", "US").stdout
dyads = re.findall(r"^(\w+)->(\w+) ", out, re.M)
check(dyads and all("US" in d for d in dyads) and ("RU", "CN") not in dyads,
      f"--states US: dyads with US only {sorted(set(dyads))}")
dmg = out.split("damage suffered")[1].split("alliance")[0]
check(re.search(r"^US ", dmg, re.M) and not re.search(r"^(RU|CN) ", dmg, re.M),
      "--states US: US's damage only")

# The CSV with the same filters.
r = run("report", h5, "--csv", "--points", "1", "--metrics", "ops,ops_by_type,breaches",
        "--states", "RU")
rows = list(csv.DictReader(io.StringIO(r.stdout)))
check(r.returncode == 0 and rows and {x["point"] for x in rows} == {"1"},
      "CSV --points 1: point 1 only")
check({x["metric"] for x in rows} == {"ops", "ops_by_type", "breaches"},
      "CSV --metrics: those metrics only")
ops = [x for x in rows if x["metric"] == "ops"]
check(len(ops) == 4 and all("RU" in (x["attacker"], x["target"]) for x in ops),
      "CSV --states RU: the 4 dyads with RU at one end")
check(len([x for x in rows if x["metric"] == "ops_by_type"]) == 3
      and len([x for x in rows if x["metric"] == "breaches"]) == 1,
      "CSV --states leaves optypes and alliances alone")
r = run("report", h5, "--csv", "--per-replication", "--points", "0", "--metrics", "events")
rows = list(csv.DictReader(io.StringIO(r.stdout)))
check(len(rows) == 5 and [x["replication"] for x in rows] == ["0", "1", "2", "3", "4"],
      "CSV --per-replication: one events row per replication")

# Bad values: exit 2, named, nothing on stdout, no CSV file.
bad = [(["--points", "2"], "no point 2"), (["--points", "1-0"], '"1-0"'),
       (["--points", "a"], '"a"'), (["--points", "0,,1"], "empty entry"),
       (["--points", "-1"], '"-1"'), (["--metrics", "ops.espionage"], '"ops.espionage"'),
       (["--metrics", "ts_ops"], '"ts_ops"'), (["--states", "XX"], '"XX"')]
for args, named in bad:
    r = run("report", h5, *args)
    check(r.returncode == 2 and named in r.stderr and r.stdout == "",
          f"report {' '.join(args)}: exit 2 naming {named} ({r.stderr.strip()})")
    out_csv = os.path.join(tmp, "bad.csv")
    r = run("report", h5, *args, "--csv", out_csv)
    check(r.returncode == 2 and named in r.stderr and not os.path.exists(out_csv),
          f"report {' '.join(args)} --csv FILE: exit 2, FILE not created")

# --compare against the per-point report.
cmp = run("report", h5, "--compare")
check(cmp.returncode == 0 and "point 0: compliance = 0.5" in cmp.stdout, "--compare lists the points")
table = cmp.stdout.split("\noperations\n")[1].split("\n\n")[0]
check(re.search(r"^dyad +point 0 +point 1", table, re.M) is not None,
      "--compare: points as columns")
blocks = full.split("== point ")[1:]
agree = 0
for m in re.finditer(r"^(\w+->\w+) +(\S+) \[(\S+), (\S+)\] +(\S+) \[(\S+), (\S+)\]", table, re.M):
    dyad, cells = m.group(1), [m.group(2, 3, 4), m.group(5, 6, 7)]
    for p in (0, 1):
        mm = re.search(rf"^{re.escape(dyad)} +(\S+) +\[(\S+), (\S+)\]", blocks[p], re.M)
        agree += mm is not None and mm.groups() == cells[p]
check(agree >= 8, f"--compare's operations cells equal the per-point report's ({agree} cells)")
check("damage suffered" in cmp.stdout and "alliance survived" in cmp.stdout,
      "--compare: damage and alliance tables")
out = run("report", h5, "--compare", "--points", "1", "--metrics", "ops").stdout
check("point 1" in out and "point 0" not in out and "successes" not in out,
      "--compare obeys --points and --metrics")

# Clashes and help.
for args in (["--compare", "--csv"], ["--compare", "--baseline", "0"], ["--per-replication"]):
    r = run("report", h5, *args)
    check(r.returncode == 2 and r.stdout == "", f"report {' '.join(args)}: exit 2")
h = run("report", "--help").stdout
check(all(o in h for o in ("--points", "--metrics", "--states", "--compare", "--csv",
                           "--per-replication", "--baseline")), "--help lists every option")

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
