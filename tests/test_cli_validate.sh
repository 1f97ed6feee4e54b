#!/bin/bash
# `cysim list` and `cysim validate` on a small two-axis study: points in
# row-major order (last axis fastest), --count = points x replications,
# --set applied before validation, usage errors exit 2.
set -u
: "${CYSIM:?}"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/s.cfg" <<'CFG'
scenario = { horizon = 100.0; replications = 7; };
states = ( { id = "A"; offense = 0.5; attack = { policy = "hostility"; }; },
           { id = "B"; } );
sweep = ( { path = "states.[0].offense"; name = "o"; values = [ 0.1, 0.2 ]; },
          { path = "states.[0].attack.policy"; values = [ "uniform", "value", "hostility" ]; } );
CFG
fail=0
check() { # description, expected, actual
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3"; fail=1
  fi
}
tab=$'\t'
want="point${tab}o${tab}states__0__attack_policy
0${tab}0.1${tab}uniform
1${tab}0.1${tab}value
2${tab}0.1${tab}hostility
3${tab}0.2${tab}uniform
4${tab}0.2${tab}value
5${tab}0.2${tab}hostility"
check "list order" "$want" "$("$CYSIM" list "$tmp/s.cfg")"
# 6 points x 7 replications
check "list --count" "42" "$("$CYSIM" list --count "$tmp/s.cfg")"
check "list --count --set" "12" \
  "$("$CYSIM" list --count --set scenario.replications=2 "$tmp/s.cfg")"
out=$("$CYSIM" validate "$tmp/s.cfg")
check "validate exit" "0" "$?"
check "validate totals" "points 6, replications 7, runs 42" \
  "$(printf '%s\n' "$out" | tail -n 1)"
err=$("$CYSIM" validate --set states.[0].offense=2 "$tmp/s.cfg" 2>&1 >/dev/null)
check "validate --set error exit" "2" "$?"
check "validate --set error message" \
  "--set states.[0].offense=2: states.[0].offense: 2 is outside [0, 1]" "$err"
"$CYSIM" list >/dev/null 2>&1
check "list without FILE" "2" "$?"
err=$("$CYSIM" validate "$tmp/missing.cfg" 2>&1 >/dev/null)
check "validate missing file" "2" "$?"
check "validate missing file message" \
  "$tmp/missing.cfg: cannot open: No such file or directory" "$err"
err=$("$CYSIM" list "$tmp" 2>&1 >/dev/null)
check "list of a directory" "2" "$?"
check "list of a directory message" \
  "$tmp: is a directory, not a scenario file" "$err"
# list prints the loader's warnings exactly as validate does
cat > "$tmp/w.cfg" <<'CFG'
scenario = { horizon = 100.0; };
states = ( { id = "A"; }, { id = "B"; } );
timeline = ( { at = 200.0; event = "isolation"; state = "A"; level = 0.5; } );
CFG
vwarn=$("$CYSIM" validate "$tmp/w.cfg" 2>&1 >/dev/null)
lwarn=$("$CYSIM" list "$tmp/w.cfg" 2>&1 >/dev/null)
check "validate warning" \
  "warning: $tmp/w.cfg:3: timeline.[0].at: day 200 is not before the horizon (100): this event never fires" \
  "$vwarn"
check "list warning as validate's" "$vwarn" "$lwarn"
# validate shows the work estimate; --allow-large turns a cap into success
check "validate work line" "work (upper estimates): " \
  "$("$CYSIM" validate "$tmp/s.cfg" | grep -o '^work (upper estimates): ')"
"$CYSIM" list --count --set states.[0].attack.rate=1e12 "$tmp/s.cfg" >/dev/null 2>&1
check "list past a cap" "2" "$?"
check "list --allow-large past a cap" "42" \
  "$("$CYSIM" list --count --allow-large --set states.[0].attack.rate=1e12 "$tmp/s.cfg")"
exit $fail
