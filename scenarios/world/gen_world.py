#!/usr/bin/python3
"""gen_world.py: writes scenarios/world.cfg, the 193 UN member states.

Usage: /usr/bin/python3 scenarios/world/gen_world.py [OUT]
OUT defaults to world.cfg beside this folder; "-" writes to stdout.
Standard library only; the output depends only on the CSV files beside this
script (no dates, no randomness, fixed iteration order), so running it again
reproduces the committed file byte for byte (tests/test_scenario_world.sh).

Inputs (each file's source is in scenarios/README.md, section world.cfg):
  un_members.csv     the 193 UN members: id (ISO 3166-1 alpha-2, but "UK"
                     for the United Kingdom as in the other scenarios), name,
                     GDP 2020 in US$ billion (World Bank WDI NY.GDP.MKTP.CD,
                     rounded, transcribed by hand; "est" where the WDI has no
                     2020 figure or one resting on a disputed exchange rate:
                     an order-of-magnitude estimate) and
                     the name DCID uses for the state, if any.
  ncpi2020_top11.csv Belfer National Cyber Power Index 2020, overall ranks
                     1-11 (the index covers 30 states; ranks 12-30 were not
                     found in a citable source, so only 1-11 are used).
  gci2018_top30.csv  ITU Global Cybersecurity Index, top 30 scores (0-1), as
                     tabulated in Journal of Engineering (Hindawi) 2020,
                     "Creating and Implementing an Effective and Deterrent
                     National Cyber Security Strategy", table 4 (GCI 2018).
  alliances.csv      memberships of the five alliances modelled.
  dcid2_dyads.csv    a verbatim copy of ../shared/data/dcid2_dyads.csv (DCID
                     2.0; that folder is not part of a clone), so that the
                     file can be regenerated anywhere.

Rules (the same text is in scenarios/README.md):
  offense   NCPI rank r in 1..11: 0.9 - 0.04 (r - 1) (US 0.90 ... Israel
            0.50); otherwise a DCID initiator: 0.45; otherwise
            clip(0.05 + 0.08 log10(GDP in US$ bn), 0.05, 0.40).
  defense   GCI score s (top 30): 0.65 s / 0.931 (UK 0.65 ... 0.57);
            otherwise clip(0.15 + 0.07 log10(GDP in US$ bn), 0.15, 0.50).
  detection 0.1 + 0.7 defense.  attribution 0.10 and misattribution 0.05
            for states in either index ("listed"), else 0.05 and 0.10.
  dwell     146 days listed (M-Trends 2015 median), else 250; attribution
            delay 158 listed (Sony, NotPetya, WannaCry mean), else 180.
  exposure  0.8 everywhere (judgement); value GDP / GDP of the US.
  mix       DCID objectives of the state's incidents (espionage = short- plus
            long-term espionage, disruption, destruction = degrade); the US
            0.85/0.10/0.05 as in the other files; non-initiators 0.9/0.1/0.
  hostility DCID dyad i->j between UN members (Taiwan is not one: its two
            rows are dropped): target operations a year
              ops = (incidents / 21) / P,
              P = p_ij detection_j attribution_j (1 - misattribution_j) T,
            p_ij the contest success probability averaged over i's mix
            (difficulty 1.0/1.2/1.5, decisiveness 1), T = 0.9 (chance that
            detection and attribution happen within the ten years).  Attack
            rate lambda_i = max(0.02, ops_max / (365 * 0.5 * exposure)) over
            i's DCID targets, rounded up to 0.01, so that the largest DCID
            baseline of each initiator is 0.5; baseline h_ij = ops /
            (365 lambda_i exposure_j).  This is the static formula; no
            fixed-point iteration against the feedback (hostility steps,
            deterrence) was done, so measured rates exceed the targets.
            RU<->CN (not coded by DCID): the flagship's judged 35 and 20
            operations a year.  Every other ordered pair: the background
            defaults.hostility = 0.01.
  reaction  proportional responses (escalation 0.1, delay 60 days); Russia
            escalating and China none (as in the flagship); deterrence kappa
            0.3 (memory 365 days), Russia 0.2, China 0.3 with 730, Ukraine 0.
"""
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIFFICULTY = (1.0, 1.2, 1.5)  # default optypes (MODEL.md section 9)
T_OBSERVED = 0.9
DCID_YEARS = 21.0
EXPOSURE = 0.8
BACKGROUND = 0.01
MAX_DCID_H = 0.5
JUDGED = {("RU", "CN"): 20.0, ("CN", "RU"): 35.0}  # ops/yr, as in the flagship


def read(name):
    with open(os.path.join(HERE, name), newline="") as f:
        return list(csv.DictReader(f))


def dcid_rows():
    return read("dcid2_dyads.csv")


def clip(x, lo, hi):
    return min(hi, max(lo, x))


def g(x):
    """A number as libconfig reads it back exactly enough: 4 significant digits."""
    s = f"{x:.4g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s if ("." in s or "e" in s) else s + ".0"


def build_states():
    members = read("un_members.csv")
    ncpi = {r["id"]: int(r["rank"]) for r in read("ncpi2020_top11.csv")}
    gci = {r["id"]: float(r["score"]) for r in read("gci2018_top30.csv")}
    by_dcid = {m["dcid_name"]: m["id"] for m in members if m["dcid_name"]}
    dyads = []
    for r in dcid_rows():
        if r["initiator"] in by_dcid and r["target"] in by_dcid:
            dyads.append((by_dcid[r["initiator"]], by_dcid[r["target"]], r))
    initiators = {i for i, _, _ in dyads}
    us_gdp = next(float(m["gdp_bn_usd"]) for m in members if m["id"] == "US")
    states = {}
    for m in members:
        sid, gdp = m["id"], float(m["gdp_bn_usd"])
        lg = math.log10(gdp)
        if sid in ncpi:
            off = 0.9 - 0.04 * (ncpi[sid] - 1)
        elif sid in initiators:
            off = 0.45
        else:
            off = clip(0.05 + 0.08 * lg, 0.05, 0.40)
        dfn = 0.65 * gci[sid] / 0.931 if sid in gci else clip(0.15 + 0.07 * lg, 0.15, 0.50)
        listed = sid in ncpi or sid in gci
        states[sid] = dict(
            id=sid, name=m["name"], gdp=gdp, offense=round(off, 3), defense=round(dfn, 3),
            detection=round(0.1 + 0.7 * round(dfn, 3), 3),
            attribution=0.10 if listed else 0.05, misattribution=0.05 if listed else 0.10,
            exposure=EXPOSURE, value=gdp / us_gdp, dwell=146.0 if listed else 250.0,
            attribution_delay=158.0 if listed else 180.0, mix=(0.9, 0.1, 0.0), rate=0.02)
    for sid in initiators:
        esp = dis = deg = 0
        for i, _, r in dyads:
            if i == sid:
                esp += int(r["short_term_espionage"]) + int(r["long_term_espionage"])
                dis += int(r["disruption"])
                deg += int(r["degrade"])
        n = esp + dis + deg
        # Four decimals, espionage taking the rounding, so the sum is 1.
        dis, deg = round(dis / n, 4), round(deg / n, 4)
        states[sid]["mix"] = (round(1.0 - dis - deg, 4), dis, deg)
    states["US"]["mix"] = (0.85, 0.10, 0.05)
    return members, states, dyads


def success(a, d):
    """p_ij averaged over the attacker's mix (decisiveness 1)."""
    return sum(w * a["offense"] / (a["offense"] + q * d["defense"])
               for w, q in zip(a["mix"], DIFFICULTY))


def targets(states, dyads):
    """Target operations a year per directed pair (DCID, or judged)."""
    ops = {}
    for i, j, r in dyads:
        a, d = states[i], states[j]
        p = success(a, d) * d["detection"] * d["attribution"] * (1 - d["misattribution"]) * T_OBSERVED
        ops[(i, j)] = (int(r["incidents"]) / DCID_YEARS) / p
    ops.update(JUDGED)
    return ops


def rates_and_baselines(states, ops):
    for sid, st in states.items():
        mine = [v / (365.0 * MAX_DCID_H * states[j]["exposure"]) for (i, j), v in ops.items() if i == sid]
        if mine:
            st["rate"] = max(0.02, math.ceil(max(mine) * 100 - 1e-9) / 100)
    base = {}
    for (i, j), v in sorted(ops.items()):
        h = v / (365.0 * states[i]["rate"] * states[j]["exposure"])
        base[(i, j)] = min(1.0, max(BACKGROUND, h))
    return base


HEADER = """\
# world.cfg: the 193 UN member states, ten years from 2015-01-01 after a
# five-year warm-up.  GENERATED by scenarios/world/gen_world.py from the CSV
# files beside it; do not edit by hand (edit the data or the script and run
# `/usr/bin/python3 scenarios/world/gen_world.py`; a test checks that the two
# agree byte for byte).
#
# Question: the whole world at once - which dyads and alliances carry the
# operations and the damage when every state may attack every other at a low
# background hostility, the DCID rivalries at their calibrated rates, and
# NATO, the Five Eyes, the SCO, the Russia-China pact and the 2015 US-China
# agreement act together?  It is also the large-N benchmark of issue 14.
#
# Sources and rules (full text: scenarios/README.md, "world.cfg", and the
# docstring of gen_world.py):
#   [NCPI] Belfer National Cyber Power Index 2020, ranks 1-11 -> offense.
#   [GCI]  ITU Global Cybersecurity Index (2018 scores, top 30) -> defense.
#   [GDP]  World Bank GDP 2020 (current US$): value, and offense/defense of
#          states in neither index (log10 GDP proxy).
#   [DCID] DCID 2.0 (Maness et al. 2023), ../shared/data/dcid2_dyads.csv:
#          rival dyads -> baseline hostility (static formula, see README).
#   Background hostility 0.01 for every other ordered pair (judgement).
#
# States: {n} ({listed} in an index).  DCID dyads between UN members: {nd}.
"""


def state_text(st):
    mix = "; ".join(f"{k} = {v!r}" for k, v in zip(("espionage", "disruption", "destruction"), st["mix"]))
    if st["id"] == "RU":
        kappa, mem, resp = 0.2, 365.0, "escalating"
    elif st["id"] == "CN":
        kappa, mem, resp = 0.3, 730.0, "none"
    else:
        kappa, mem, resp = (0.0 if st["id"] == "UA" else 0.3), 365.0, "proportional"
    return (
        f'  # {st["name"]}: GDP {g(st["gdp"])} bn\n'
        f'  {{ id = "{st["id"]}"; offense = {g(st["offense"])}; defense = {g(st["defense"])}; '
        f'detection = {g(st["detection"])}; attribution = {g(st["attribution"])};\n'
        f'    misattribution = {g(st["misattribution"])}; exposure = {g(st["exposure"])}; '
        f'value = {g(st["value"])}; dwell = {g(st["dwell"])};\n'
        f'    attribution_delay = {g(st["attribution_delay"])}; relaxation = 365.0;\n'
        f'    attack = {{ policy = "hostility"; rate = {g(st["rate"])}; mix = {{ {mix}; }};\n'
        f'               deterrence = {g(kappa)}; deterrence_memory = {g(mem)}; }};\n'
        f'    response = {{ policy = "{resp}"; escalation = 0.1; delay = 60.0; escalate = 0.2; }};\n'
        f'    review = {{ interval = 30.0; }}; }}')


CLAUSES = {
    "mutual_defence": "mutual_defence = { solidarity = 0.5; collective_response = false; };",
    "intel_sharing": "intel_sharing = { share = 0.8; boost = 0.15; ttl = 90.0; };",
    "nonaggression": ("nonaggression = { compliance = 0.9; displacement = 0.0; breach = \"never\";\n"
                      "                      threshold = 1; window = 365.0; };"),
    "working_group": "working_group = { dampening = 0.5; collapse_hostility = 0.8; };",
    "tech_transfer": "tech_transfer = { rate = 0.05; };",
}
# Per-alliance departures from CLAUSES (judgements, as in blocs.cfg and the
# flagship): the SCO shares less freely; the RU-CN pact has the flagship's
# kept-pact clauses.
OVERRIDE = {
    ("sco_2009", "intel_sharing"): "intel_sharing = { share = 0.3; boost = 0.1; ttl = 60.0; };",
    ("ru_cn_2015", "nonaggression"): ("nonaggression = { compliance = 0.95; displacement = 0.0; breach = \"tolerance\";\n"
                                      "                      threshold = 2; window = 365.0; };"),
    ("ru_cn_2015", "intel_sharing"): "intel_sharing = { share = 0.5; boost = 0.1; ttl = 60.0; };",
}

TIMELINE = """\
timeline = (
  # NATO enlargement: Montenegro, North Macedonia, Finland, Sweden.
  { at = "2017-06-05"; event = "join"; alliance = "nato"; state = "ME"; },
  { at = "2020-03-27"; event = "join"; alliance = "nato"; state = "MK"; },
  { at = "2023-04-04"; event = "join"; alliance = "nato"; state = "FI"; },
  { at = "2024-03-07"; event = "join"; alliance = "nato"; state = "SE"; },
  # US sanctions on Russia (election interference; NotPetya), as in the flagship.
  { at = "2016-12-29"; event = "sanctions"; by = "US"; on = "RU"; hostility = 0.1; },
  { at = "2018-03-15"; event = "sanctions"; by = "US"; on = "RU"; hostility = 0.1; },
  # US indictments: GRU officers (13 Jul 2018); APT10 (20 Dec 2018), which
  # ends the 2015 US-China working group.
  { at = "2018-07-13"; event = "indictment"; by = "US"; on = "RU"; hostility = 0.1; },
  { at = "2018-12-20"; event = "indictment"; by = "US"; on = "CN"; hostility = 0.1; }
);
"""


def alliance_text(rows):
    out = []
    for r in rows:
        members = ", ".join(f'"{m}"' for m in r["members"].split())
        frm = f'from = "{r["from"]}"; ' if r["from"] else ""
        lines = [f'  # {r["source"]}.',
                 f'  {{ id = "{r["id"]}"; members = [ {members} ]; {frm}']
        for kind in r["kind"].split("+"):
            lines.append("    " + OVERRIDE.get((r["id"], kind), CLAUSES[kind]))
        lines[-1] += " }"
        out.append("\n".join(lines))
    return "alliances = (\n" + ",\n".join(out) + "\n);\n"


def main():
    members, states, dyads = build_states()
    ops = targets(states, dyads)
    base = rates_and_baselines(states, ops)
    listed = sum(1 for s in states.values() if s["attribution"] == 0.10)
    text = HEADER.format(n=len(members), listed=listed, nd=len(dyads))
    text += """
scenario = {
  name = "world";
  start = "2015-01-01";
  horizon = 3653.0;          # ten years, to 2025-01-01
  warmup = 1826.0;           # five years, as every shipped file
  replications = 100;
  seed = 20150101L;
  decisiveness = 1.0;
};

# The low background: every ordered pair not listed in relations.
defaults = { hostility = 0.01; };

states = (
"""
    text += ",\n".join(state_text(states[m["id"]]) for m in members) + "\n);\n\n"
    text += "# Directed baselines: DCID dyads (incidents 2000-2020, target ops/yr) and\n"
    text += "# the judged RU<->CN pair; derivation in the header.\nrelations = (\n"
    rel = []
    for (i, j), h in sorted(base.items()):
        src = next((f"DCID {r['incidents']}" for a, b, r in dyads if (a, b) == (i, j)), "judgement")
        rel.append(f'  {{ from = "{i}"; to = "{j}"; hostility = {g(h)}; directed = true; }}'
                   f'   # {src}, {ops[(i, j)]:.1f} ops/yr')
    # The comma goes before the comment.
    rel = [r.replace("; }   #", "; }," + "   #", 1) if k < len(rel) - 1 else r for k, r in enumerate(rel)]
    text += "\n".join(rel) + "\n);\n\n"
    text += alliance_text(read("alliances.csv")) + "\n" + TIMELINE + "\n"
    text += ("# N = 193: no time series (193 x 193 x 122 bins would be 18 MB a run),\n"
             "# no event log.\noutput = { bin = 30.0; timeseries = false; event_log = false; };\n")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "world.cfg")
    if out == "-":
        sys.stdout.write(text)
    else:
        with open(out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
