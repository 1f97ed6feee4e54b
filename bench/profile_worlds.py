#!/usr/bin/env python3
"""bench/profile_worlds.py: synthetic worlds for profiling the model at scale.

  profile_worlds.py hostile N REPS > hN.cfg   all N*(N-1) pairs hostile (0.3),
      10 years after a 1-year warm-up; a nonaggression + intel-sharing pact,
      a mutual-defence alliance and a working group with tech transfer.
  profile_worlds.py stress N REPS > sN.cfg    (N >= 20) overlapping alliances,
      collective responses, every attack policy, deterrence, breaches, and a
      timeline of join, leave, sanctions, indictment, isolation, set and
      end_alliance, with the event log on: a bit-identity check of every
      path (tools/same_outputs.sh OLD NEW sN.cfg).

The figures of bench/PROFILE.md come from `hostile 16 20`, `hostile 64 4`
and `hostile 193 2`.  Parameters are arbitrary but plausible (rates of
0.01-0.03 ops/day per unit weight); nothing here is calibrated.
"""
import sys


def hostile(n, reps):
    ids=[f"S{i:03d}" for i in range(n)]
    out=[]
    out.append(f'scenario = {{ name = "hostile{n}"; horizon = 3650.0; warmup = 365.0; replications = {reps}; seed = 12345L; decisiveness = 1.0; }};')
    out.append('defaults = { hostility = 0.3; };')
    st=[]
    for i,s in enumerate(ids):
        pol = "hostility" if i%7 else "uniform"
        resp = ["proportional","escalating","none"][i%3]
        st.append(f'''  {{ id = "{s}"; offense = {0.3+0.5*((i*37)%11)/11:.3f}; defense = {0.3+0.5*((i*53)%13)/13:.3f}; detection = 0.4; attribution = 0.3;
    misattribution = 0.05; exposure = 0.8; value = {0.01+((i*17)%19)/19:.3f}; dwell = 100.0; attribution_delay = 120.0; relaxation = 365.0;
    attack = {{ policy = "{pol}"; rate = {0.01+0.01*(i%3)}; mix = {{ espionage = 0.8; disruption = 0.15; destruction = 0.05; }};
               deterrence = {0.2 if i%2 else 0.0}; deterrence_memory = 365.0; }};
    response = {{ policy = "{resp}"; escalation = 0.1; delay = 60.0; escalate = 0.2; }};
    review = {{ interval = 30.0; }}; }}''')
    out.append('states = (\n'+',\n'.join(st)+'\n);')
    def mem(a,b): return '[ '+', '.join(f'"{ids[k]}"' for k in range(a,min(b,n)))+' ]'
    al=[]
    al.append(f'''  {{ id = "pact"; members = {mem(0,min(10,n//4))}; from = 0.0;
    nonaggression = {{ compliance = 0.9; displacement = 0.5; breach = "tolerance"; threshold = 3; window = 365.0; }};
    intel_sharing = {{ share = 0.3; boost = 0.1; ttl = 60.0; }}; }}''')
    al.append(f'''  {{ id = "defence"; members = {mem(min(10,n//4),min(10,n//4)+min(20,n//3))}; from = 0.0;
    mutual_defence = {{ solidarity = 0.5; collective_response = false; }};
    intel_sharing = {{ share = 0.5; boost = 0.1; ttl = 90.0; }}; }}''')
    al.append(f'''  {{ id = "group"; members = {mem(min(10,n//4)+min(20,n//3),min(10,n//4)+min(20,n//3)+min(6,n//5))}; from = 0.0;
    working_group = {{ dampening = 0.5; collapse_hostility = 0.9; }};
    tech_transfer = {{ rate = 0.1; }}; }}''')
    out.append('alliances = (\n'+',\n'.join(al)+'\n);')
    out.append('output = { bin = 30.0; timeseries = false; event_log = false; };')
    return '\n'.join(out)


def stress(n, reps):
    ids=[f"S{i:03d}" for i in range(n)]
    o=[]
    o.append(f'scenario = {{ name = "stress{n}"; horizon = 1500.0; warmup = 200.0; replications = {reps}; seed = 777L; decisiveness = 1.3; }};')
    o.append('defaults = { hostility = 0.2; };')
    st=[]
    for i,s in enumerate(ids):
        pol = ["hostility","uniform","value","hostility","retaliatory"][i%5]
        resp = ["proportional","escalating","none"][i%3]
        st.append(f'''  {{ id = "{s}"; offense = {0.3+0.5*((i*37)%11)/11:.3f}; defense = {0.3+0.5*((i*53)%13)/13:.3f}; detection = 0.5; attribution = 0.2;
    misattribution = 0.1; exposure = 0.8; value = {0.01+((i*17)%19)/19:.3f}; dwell = 50.0; attribution_delay = 60.0; relaxation = 200.0;
    attack = {{ policy = "{pol}"; rate = {0.01+0.01*(i%3)}; mix = {{ espionage = 0.7; disruption = 0.2; destruction = 0.1; }};
               deterrence = {[0.0,0.3,1.0][i%3]}; deterrence_memory = 200.0; }};
    response = {{ policy = "{resp}"; escalation = 0.2; delay = 30.0; escalate = 0.3; }};
    review = {{ interval = {[30.0,45.0,60.0][i%3]}; }}; }}''')
    o.append('states = (\n'+',\n'.join(st)+'\n);')
    def mem(l): return '[ '+', '.join(f'"{ids[k]}"' for k in sorted(set(l)))+' ]'
    al=[]
    al.append(f'''  {{ id = "pact"; members = {mem(range(0,8))}; from = 100.0; until = 1200.0;
    nonaggression = {{ compliance = 0.9; displacement = 0.5; breach = "tolerance"; threshold = 3; window = 200.0; }};
    intel_sharing = {{ share = 0.3; boost = 0.1; ttl = 60.0; }}; }}''')
    al.append(f'''  {{ id = "pact2"; members = {mem(range(4,12))}; from = 0.0;
    nonaggression = {{ compliance = 0.6; displacement = 1.0; breach = "grim"; threshold = 1; window = 200.0; }}; }}''')
    al.append(f'''  {{ id = "defA"; members = {mem(range(6,10))}; from = 0.0;
    mutual_defence = {{ solidarity = 0.5; collective_response = true; }};
    intel_sharing = {{ share = 0.5; boost = 0.1; ttl = 90.0; }}; }}''')
    al.append(f'''  {{ id = "defB"; members = {mem(list(range(12,20))+[7,9])}; from = 50.0;
    mutual_defence = {{ solidarity = 0.8; collective_response = false; }}; }}''')
    al.append(f'''  {{ id = "group"; members = {mem(range(16,n))}; from = 0.0;
    working_group = {{ dampening = 0.5; collapse_hostility = 0.6; }};
    tech_transfer = {{ rate = 0.1; }}; }}''')
    o.append('alliances = (\n'+',\n'.join(al)+'\n);')
    tl=[]
    tl.append(f'{{ at = 150.0; event = "join"; alliance = "pact"; state = "{ids[20]}"; }}')
    tl.append(f'{{ at = 300.0; event = "sanctions"; by = "{ids[1]}"; on = "{ids[5]}"; hostility = 0.3; }}')
    tl.append(f'{{ at = 400.0; event = "join"; alliance = "defA"; state = "{ids[2]}"; }}')
    tl.append(f'{{ at = 500.0; event = "indictment"; by = "{ids[16]}"; on = "{ids[17]}"; hostility = 0.2; }}')
    tl.append(f'{{ at = 600.0; event = "leave"; alliance = "pact"; state = "{ids[3]}"; }}')
    tl.append(f'{{ at = 700.0; event = "isolation"; state = "{ids[9]}"; level = 0.3; }}')
    tl.append(f'{{ at = 800.0; event = "set"; state = "{ids[10]}"; attribute = "value"; value = 0.5; }}')
    tl.append(f'{{ at = 900.0; event = "end_alliance"; alliance = "pact2"; }}')
    tl.append(f'{{ at = 1000.0; event = "set"; state = "{ids[11]}"; attribute = "attack.rate"; value = 0.05; }}')
    o.append('timeline = (\n  '+',\n  '.join(tl)+'\n);')
    o.append('output = { bin = 30.0; timeseries = true; event_log = true; };')
    return '\n'.join(o)


if __name__ == "__main__":
    kind, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print({"hostile": hostile, "stress": stress}[kind](n, reps))
