"""test_model_doc.py: sim/MODEL.md is complete on its own for scenario keys
and the result file (issue 12).

The claims under test, each against the code or a real file rather than a
second hand-written list:

- "Scenario file: every key" lists exactly the keys the loader accepts.
  The accepted keys are read from the loader's own schema tables in
  sim/scenario/resolve.c (SCHEMA(...), ALLIANCE_CLAUSES, the state
  attributes of sim/model/scenario_data.c, the timeline's event_keys), so
  a key added to the code and not to the document (or the reverse) fails.
  The keys the shipped scenarios and tests/data use are all listed.  The
  timeline table gives each event kind's keys as event_keys does, and the
  ranges name every policy, breach rule, event kind and attribute.
- The section's two examples (a grid, and the same study as a design) use every listed key and `cysim validate` accepts
  it (exit 0): every listed key is accepted, with the listed kind.  A
  misspelt key in the same file is refused ("unknown key"), so the check
  can fail.
- The listed defaults are those `cysim validate` prints for a scenario
  that leaves them out.
- "The output file: layout" lists every group, dataset and attribute of a
  real file (a sweep with float, int, bool, string and zipped axes, an
  alliance, time series, the event log, a start date) and of a shard
  (`--task 0 --tasks 2`), with the dimensions, types and units the file
  has; and everything it lists is in those files.
"""
import os
import re
import subprocess
import tempfile

import h5py

from cytest import CYSIM, SRC, check, finish

tmp = tempfile.mkdtemp(prefix="cysim_model_doc_")


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def cysim(args):
    return subprocess.run([CYSIM] + args, cwd=tmp, capture_output=True, text=True)


def write(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p


# ---- the document -------------------------------------------------------

DOC = read("sim", "MODEL.md")


def section(title):
    """The text of the `## title` section, up to the next `## `."""
    start = DOC.index("\n## " + title + "\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end >= 0 else len(DOC)]


def tables(text):
    """Every markdown table of text: (header cells, [row cells, ...])."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and \
                re.match(r"^\|(\s*-+\s*\|)+\s*$", lines[i + 1]):
            head = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            out.append((head, rows))
        else:
            i += 1
    return out


def ticked(cell):
    """The `names` of a cell, leaving out those inside parentheses."""
    return re.findall(r"`([^`]+)`", re.sub(r"\([^()]*\)", "", cell))


KEYS_DOC = section("Scenario file: every key")
LAYOUT_DOC = section("The output file: layout")

doc_keys = {}  # key -> its row (a dict by column name)
kinds_doc = {}  # event kind -> (required, optional)
bad_rows = []
for head, rows in tables(KEYS_DOC):
    if head[0] == "key":
        for r in rows:
            k = ticked(r[0])
            if not (len(k) == 1 and len(r) == len(head) and all(r[:3]) and r[4]):
                bad_rows.append(r[0])
            if k:
                doc_keys[k[0]] = dict(zip(head, r))
    elif head[0] == "event":
        for r in rows:
            kinds_doc[ticked(r[0])[0]] = (set(ticked(r[1])), set(ticked(r[2])))
check("the key reference has its key tables", len(doc_keys) > 80, str(len(doc_keys)))
check("each key row names one key and has a type, a default and a meaning", not bad_rows,
      ", ".join(bad_rows))

# ---- the loader's keys, from its schema tables --------------------------

RESOLVE = read("sim", "scenario", "resolve.c")
DATA = read("sim", "model", "scenario_data.c")
POLICY = read("sim", "model", "policy.c")


def c_table(name):
    """[(index name, string), ...] of `const char *const name[...] = {...}`."""
    m = re.search(r"const char \*const " + name + r"\[[^\]]*\] = \{(.*?)\};", DATA, re.S)
    return re.findall(r"\[(\w+)\]\s*=\s*\"([^\"]*)\"", m.group(1))


schemas = {}
for m in re.finditer(r"^SCHEMA\((s_\w+),(.*?)\);", RESOLVE, re.S | re.M):
    schemas[m.group(1)] = m.group(2)
free_schemas = set(re.findall(r"static const schema (s_\w+) = \{NULL, 0, true\};", RESOLVE))
clauses = re.findall(r"X\((\w+),\s*\w+,\s*(s_\w+)\)",
                     re.search(r"#define ALLIANCE_CLAUSES\(X\)(.*?)\n#", RESOLVE, re.S).group(1))
attrs = c_table("cy_state_attr_names")


def schema_keys(name, prefix, out):
    """Every key path under schema `name`, list elements as [i]."""
    if name in free_schemas:
        out.add(prefix + ".<optype>")
        return
    body = schemas[name]
    for kind, args in re.findall(r"\b(KEY|SUB|ARRAY|RUN|ALLIANCE_CLAUSES)\(([^()]*)\)", body):
        a = [x.strip() for x in args.split(",")]
        if kind == "RUN":  # the table's names before the index a[2]
            idx = [n for n, _ in attrs].index(a[2])
            subs = [(s, None, None) for _, s in attrs[:idx]]
        elif kind == "ALLIANCE_CLAUSES":
            subs = [(n, "CY_K_GROUP", s) for n, s in clauses]
        elif kind == "SUB":
            subs = [(a[0].strip('"'), a[1], a[2])]
        else:
            subs = [(a[0].strip('"'), None, None)]
        for key, k, sub in subs:
            path = prefix + "." + key if prefix else key
            out.add(path)
            if sub:
                schema_keys(sub, path + ".[i]" if k == "CY_K_LIST" else path, out)


code_keys = set()
schema_keys("s_root", "", code_keys)
check("the loader's schema tables parse (scenario.horizon, a clause key, a state "
      "attribute, attack.mix's optype keys)",
      {"scenario.horizon", "alliances.[i].mutual_defence.collective_response",
       "states.[i].attribution_delay", "states.[i].attack.mix.<optype>"} <= code_keys)
check("every key the loader accepts is in the key reference",
      not code_keys - set(doc_keys), ", ".join(sorted(code_keys - set(doc_keys))))
check("every key of the key reference is one the loader accepts",
      not set(doc_keys) - code_keys, ", ".join(sorted(set(doc_keys) - code_keys)))

# The timeline's kinds and their keys (event_keys in resolve.c).
tl_names = dict(c_table("cy_timeline_kind_names"))
kinds_code = {}
for kind, req, opt in re.findall(r"\[(CY_TL_\w+)\]\s*=\s*\{\{([^}]*)\},\s*\{([^}]*)\}\}", RESOLVE):
    kinds_code[tl_names[kind]] = (set(re.findall(r'"(\w+)"', req)),
                                  set(re.findall(r'"(\w+)"', opt)))
check("the timeline's event_keys table parses", len(kinds_code) == len(tl_names) > 0)
check("the event table gives each kind's required and optional keys as the loader",
      kinds_doc == kinds_code, f"doc {kinds_doc} code {kinds_code}")

# Names the ranges must offer: the model's registries.
policies = {}
for kind, name in re.findall(r"cy_(attack|response|review)_policy_type \w+ = \{\s*\.name = \"(\w+)\"",
                             POLICY):
    policies.setdefault(kind, set()).add(name)
enums = {"states.[i].attack.policy": policies.get("attack"),
         "states.[i].response.policy": policies.get("response"),
         "states.[i].review.policy": policies.get("review"),
         "alliances.[i].nonaggression.breach": {n for _, n in c_table("cy_breach_rule_names")},
         "timeline.[i].event": set(tl_names.values()),
         "timeline.[i].attribute": {n for _, n in attrs}}
for key, names in enums.items():
    got = set(ticked(doc_keys.get(key, {}).get("range", "")))
    check(f"{key}'s range lists every name the code knows", names and names <= got,
          f"missing {sorted((names or set()) - got)}")

# ---- keys used by real scenario files -----------------------------------

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[=:;,{}()\[\]]|[^\s=:;,{}()\[\]"]+')


def strip_comments(text):
    out, i = [], 0
    pat = re.compile(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/|//[^\n]*|#[^\n]*|@include[^\n]*', re.S)
    for m in pat.finditer(text):
        out.append(text[i:m.start()])
        out.append(m.group(0) if m.group(0).startswith('"') else " ")
        i = m.end()
    out.append(text[i:])
    return "".join(out)


def used_keys(text):
    """Every key path a libconfig text sets, list elements as [i] and the
    keys of a free-key group (attack.mix) as <optype>."""
    toks, keys = TOKEN.findall(strip_comments(text)) + ["<end>"], set()

    def group(i, path, end):
        while toks[i] != end:
            p = path + [toks[i]]
            assert toks[i + 1] in "=:", f"near {toks[i:i + 3]}"
            keys.add(".".join(p))
            i = value(i + 2, p)
            if toks[i] in ";,":
                i += 1
        return i + 1

    def value(i, path):
        if toks[i] == "{":
            return group(i + 1, path, "}")
        if toks[i] in "([":
            close = ")" if toks[i] == "(" else "]"
            i += 1
            while toks[i] != close:
                i = value(i, path + ["[i]"])
                if toks[i] == ",":
                    i += 1
            return i + 1
        while toks[i] not in (";", ",", ")", "}", "]", "<end>"):
            i += 1
        return i

    group(0, [], "<end>")
    free = {k[:-len(".<optype>")] for k in code_keys if k.endswith(".<optype>")}
    return {k.rsplit(".", 1)[0] + ".<optype>" if k.rsplit(".", 1)[0] in free else k
            for k in keys}


files = [os.path.join("tests", "data", f) for f in sorted(os.listdir(os.path.join(SRC, "tests", "data")))
         if f.endswith(".cfg")]
files += [os.path.join("scenarios", f) for f in sorted(os.listdir(os.path.join(SRC, "scenarios")))
          if f.endswith(".cfg")]
check("there are shipped scenarios to read", len(files) >= 5, str(files))
for f in files:
    used = used_keys(read(f))
    check(f"every key {f} uses is in the key reference", used and used <= set(doc_keys),
          ", ".join(sorted(used - set(doc_keys))))

# ---- the example loads, and uses every key -------------------------------

# A design (lhs, saltelli) takes ranges only and a grid neither `samples`
# nor `seed`, so no one file can hold every key: the section has a second
# example, the first one's study as a design, and the two together must use
# every key.
m = re.search(r"### Every key at once(.*?)(?=^## |\Z)", KEYS_DOC, re.S | re.M)
examples = re.findall(r"^```\n(.*?)^```", m.group(1), re.S | re.M) if m else []
check("the key reference has its two examples", len(examples) == 2, str(len(examples)))
ex_keys = set().union(*(used_keys(e) for e in examples)) if examples else set()
check("the examples use every key of the key reference",
      set(doc_keys) <= ex_keys, ", ".join(sorted(set(doc_keys) - ex_keys)))
for i, example in enumerate(examples):
    r = cysim(["validate", write(f"every_key_{i}.cfg", example)])
    check(f"`cysim validate` accepts example {i + 1} (every key it uses is accepted)",
          r.returncode == 0, r.stderr.strip())
example = examples[0] if examples else ""
bad = example.replace("dwell = 90.0", "dwel = 90.0")
r = cysim(["validate", write("every_key_typo.cfg", bad)])
check("a misspelt key in the example is refused as unknown (the check above can fail)",
      bad != example and r.returncode == 2 and "unknown key 'dwel'" in r.stderr, r.stderr)

# ---- the defaults are those the loader applies ---------------------------

minimal = """scenario = { horizon = 100.0; };
states = ( { id = "A"; attack = { }; response = { }; review = { }; }, { id = "B"; } );
alliances = ( { id = "p"; members = [ "A", "B" ]; nonaggression = { };
                intel_sharing = { }; mutual_defence = { }; tech_transfer = { };
                working_group = { }; } );
timeline = ( { at = 10.0; event = "sanctions"; by = "A"; on = "B"; } );
"""
r = cysim(["validate", write("minimal.cfg", minimal)])
check("the minimal scenario validates", r.returncode == 0, r.stderr)
shown = 0
for key, row in sorted(doc_keys.items()):
    d = re.fullmatch(r"`([a-z_]+)`|(-?[0-9.]+|true|false)", row["default"])
    if not d:
        continue
    name, val = key.rsplit(".", 1)[-1], d.group(1) or d.group(2)
    form = r"-?[0-9][0-9.e+-]*" if re.fullmatch(r"-?[0-9.]+", val) else \
        r"(?:true|false)" if val in ("true", "false") else r"[a-z_]+"
    if not re.search(r"(?<![\w.])" + re.escape(name) + " " + form + r"(?=[,\s]|$)", r.stdout, re.M):
        continue  # cysim validate does not print this key
    shown += 1
    check(f"{key}'s default {val} is what the loader applies",
          re.search(r"(?<![\w.])" + re.escape(name) + " " + re.escape(val) + r"(?=[,\s]|$)",
                    r.stdout, re.M), r.stdout)
check("cysim validate shows most defaults", shown >= 30, str(shown))

# ---- the output file ------------------------------------------------------

RICH = """scenario = { name = "rich"; start = "2015-05-08"; horizon = 200.0;
             replications = 3; seed = 5L; warmup = 30.0; };
states = (
  { id = "US"; attack = { rate = 0.4; }; response = { policy = "proportional"; }; },
  { id = "RU"; attack = { rate = 0.4; }; },
  { id = "CN"; attack = { rate = 0.4; }; }
);
alliances = ( { id = "ru_cn"; members = [ "RU", "CN" ]; enabled = true;
                nonaggression = { compliance = 0.9; breach = "tolerance"; threshold = 2; }; } );
timeline = ( { at = 100.0; event = "sanctions"; by = "US"; on = "RU"; } );
output = { bin = 30.0; timeseries = true; event_log = true; };
sweep = (
  { path = "alliances.[0].nonaggression.compliance"; name = "compliance";
    values = [ 0.5, 0.9 ]; zip = "z"; },
  { path = "states.[0].attack.rate"; from = 0.2; to = 0.4; steps = 2; zip = "z"; },
  { path = "states.[0].response.policy"; values = [ "none", "proportional" ]; },
  { path = "alliances.[0].enabled"; values = [ true, false ]; },
  { path = "alliances.[0].nonaggression.threshold"; values = [ 1, 2 ]; }
);
"""
cfg = write("rich.cfg", RICH)
r1 = cysim(["run", "-q", cfg, "-o", "rich.h5"])
r2 = cysim(["run", "-q", cfg, "--task", "0", "--tasks", "2", "-o", "shard.h5"])
check("the rich study and its shard run", r1.returncode == 0 and r2.returncode == 0,
      r1.stderr + r2.stderr)

root_doc, group_doc, ds_doc = {}, {}, {}
for head, rows in tables(LAYOUT_DOC):
    for r in rows:
        row = dict(zip(head, r))
        if head[0] == "attribute":
            root_doc[ticked(r[0])[0]] = row
        elif head[0] == "group":
            group_doc[ticked(r[0])[0]] = row
        elif head[0] == "dataset":
            for p in ticked(r[0]):
                ds_doc[p] = row
check("the layout has its three tables", root_doc and group_doc and len(ds_doc) > 40)

COMMON = ["long_name", "description", "units", "CLASS", "NAME", "REFERENCE_LIST",
          "DIMENSION_LIST"]
for a in COMMON:
    check(f"the layout names the common attribute {a}", f"`{a}`" in LAYOUT_DOC)


def attr_type(obj, name):
    t = obj.attrs.get_id(name).dtype
    return "fixed string" if t.kind == "S" else t.name


def dtype_name(ds):
    if h5py.check_string_dtype(ds.dtype) and ds.dtype.kind == "O":
        return "string"
    return "fixed string" if ds.dtype.kind == "S" else ds.dtype.name


def own_dims(ds):
    if ds.shape == ():
        return ["scalar"]
    if h5py.h5ds.is_scale(ds.id):
        return [ds.name.rsplit("/", 1)[-1]]
    return [d[0].name.rsplit("/", 1)[-1] if len(d) else "?" for d in ds.dims]


seen_rows = {}
for fname in ("rich.h5", "shard.h5"):
    if not os.path.exists(os.path.join(tmp, fname)):
        continue
    f = h5py.File(os.path.join(tmp, fname), "r")
    start = f.attrs["start"].decode()
    axes = set(f["sweep"].keys())
    check(f"{fname}: the sweep has its five axes", len(axes) == 5, str(axes))
    for a in f.attrs:
        row = root_doc.get(a)
        check(f"{fname}: root attribute {a} is in the layout with its type",
              row is not None and row["type"] == attr_type(f, a),
              f"{attr_type(f, a)} vs {row and row['type']}")
        seen_rows.setdefault(("root", a), True)

    def visit(name, obj):
        path = "/" + name
        if isinstance(obj, h5py.Group):
            row = group_doc.get(path)
            listed = set(ticked(row["attributes"])) if row else set()
            extra = [a for a in obj.attrs if path != "/" and a not in listed]  # root's: above
            check(f"{fname}: group {path} and its attributes are in the layout",
                  row is not None and not extra, f"not listed: {extra}")
            seen_rows[("group", path)] = True
            for a in obj.attrs:
                seen_rows[("group", path, a)] = True
            return
        parent, base = path.rsplit("/", 1)
        key = parent + "/<name>" if base in axes and parent in ("/sweep", "/summary",
                                                                 "/timeseries") else path
        row = ds_doc.get(key)
        if not row:
            check(f"{fname}: dataset {path} is in the layout", False)
            return
        seen_rows[("ds", key)] = True
        problems = []
        dims = ["scalar"] if row["dims"] == "scalar" else \
            [d.strip() for d in row["dims"].strip("[]").split(",")]
        if own_dims(obj) != dims:
            problems.append(f"dimensions {own_dims(obj)}, the layout says {dims}")
        types = [t.strip() for t in row["type"].split(",")]
        if dtype_name(obj) not in types:
            problems.append(f"type {dtype_name(obj)}, the layout says {types}")
        units = [u.replace("START", start) for u in re.findall(r'"([^"]*)"', row["units"])]
        if "units" in obj.attrs and obj.attrs["units"].decode() not in units:
            problems.append(f"units {obj.attrs['units']!r}, the layout says {units}")
        if "units" not in obj.attrs and "—" not in row["units"]:
            problems.append(f"no units, the layout says {units}")
        is_scale = h5py.h5ds.is_scale(obj.id)
        if ("CLASS" in obj.attrs) != is_scale or ("NAME" in obj.attrs) != is_scale:
            problems.append("CLASS and NAME are not there exactly when it is a scale")
        if ("DIMENSION_LIST" in obj.attrs) != (obj.shape != () and not is_scale):
            problems.append("DIMENSION_LIST is not there exactly when it has dimensions "
                            "and is not a scale")
        if path != "/provenance/scenario_text" and \
                not ("long_name" in obj.attrs and "description" in obj.attrs):
            problems.append("no long_name or description")
        listed = set(ticked(row["attributes"]))
        for a in obj.attrs:
            if a not in COMMON and a not in listed:
                problems.append(f"attribute {a} is not listed")
            seen_rows[("attr", key, a)] = True
        check(f"{fname}: dataset {path} is as the layout says", not problems,
              "; ".join(problems))

    visit("", f)
    f.visititems(visit)
    if fname == "rich.h5":
        kinds = f["events/kind"].attrs["flag_meanings"].decode().split()
        row = ds_doc.get("/events/kind", {})
        check("every event-log record kind is named in the layout",
              set(kinds) <= set(ticked(row.get("meaning", ""))), str(kinds))

# Everything the layout lists is in the files.
for a in root_doc:
    check(f"root attribute {a} of the layout is in a file", ("root", a) in seen_rows)
for g, row in group_doc.items():
    check(f"group {g} of the layout is in the file", ("group", g) in seen_rows)
    if g != "/":
        for a in ticked(row["attributes"]):
            check(f"attribute {a} of {g} is in the file", ("group", g, a) in seen_rows)
for p, row in ds_doc.items():
    check(f"dataset {p} of the layout is in the file", ("ds", p) in seen_rows)
    for a in ticked(row["attributes"]):
        check(f"attribute {a} of {p} is in the file", ("attr", p, a) in seen_rows)

finish(tmp)
