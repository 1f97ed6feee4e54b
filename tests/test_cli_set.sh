#!/bin/bash
# test_cli_set.sh: --set as `cysim list`, `validate` and `run` see it when a
# study is narrowed from the command line (array tasks, quick checks):
#  1. an axis's values replaced by an array: `list` shows the new points
#     (a from/to/steps axis too: the values replace the range);
#  2. one element of an axis's values set;
#  3. states and alliances named by id equal the same by index;
#  4. `run` writes the narrowed sweep (/sweep and the point count);
#  5. bad --sets exit 2 with the message naming the --set (also a bad
#     swept value that a --set of the axis gave).
set -u
: "${CYSIM:?}"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.cfg" <<'CFG'
scenario = { horizon = 30.0; replications = 2; };
states = ( { id = "RU"; offense = 0.5; }, { id = "CN"; }, { id = "US"; } );
alliances = ( { id = "ru_cn"; members = [ "RU", "CN" ];
                nonaggression = { compliance = 0.9; threshold = 2; }; } );
sweep = ( { path = "alliances.[ru_cn].nonaggression.compliance"; name = "c";
            values = [ 0.5, 0.7, 0.9 ]; },
          { path = "states.[RU].offense"; name = "o"; from = 0.0; to = 1.0;
            steps = 5; } );
CFG
fail=0
check() { # description, expected, actual
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3"; fail=1
  fi
}
tab=$'\t'

# 1. 3 x 5 points in the file; values = [0.9] and a range narrowed to two
# values leave 1 x 2, in the order given.
check "file's points" "15" "$("$CYSIM" list --count --set scenario.replications=1 "$tmp/s.cfg")"
check "values replaced" "point${tab}c${tab}o
0${tab}0.9${tab}0.25
1${tab}0.9${tab}0.75" \
  "$("$CYSIM" list --set 'sweep.[0].values=[0.9]' --set 'sweep.[1].values=[0.25, 0.75]' "$tmp/s.cfg")"
# a list ( ... ) and integers for a float setting, as a file may write them
check "a list of integers" "point${tab}c${tab}o
0${tab}1${tab}0
1${tab}1${tab}1" \
  "$("$CYSIM" list --set 'sweep.[0].values=(1)' --set 'sweep.[1].values=[0, 1]' "$tmp/s.cfg")"

# 2. One element: the second compliance becomes 0.6.
check "an element set" "0.5 0.6 0.9" \
  "$("$CYSIM" list --set 'sweep.[0].values.[1]=0.6' "$tmp/s.cfg" | awk 'NR > 1 && $3 == 0 { printf "%s%s", n++ ? " " : "", $2 }')"

# 3. By id and by index, validate prints the same study.
by_index=$("$CYSIM" validate --set 'states.[2].defense=0.3' \
  --set 'alliances.[0].nonaggression.threshold=4' "$tmp/s.cfg")
check "validate by index exits 0" "0" "$?"
by_id=$("$CYSIM" validate --set 'states.[US].defense=0.3' \
  --set 'alliances.[ru_cn].nonaggression.threshold=4' "$tmp/s.cfg")
check "validate by id exits 0" "0" "$?"
check "by id equals by index" "$by_index" "$by_id"
check "the --set reached the state" "1" \
  "$(printf '%s\n' "$by_id" | grep -c 'offense 0.5, defense 0.3,')"

# 4. A run of the narrowed study: 2 points x 2 replications.
"$CYSIM" run "$tmp/s.cfg" -o "$tmp/n.h5" -j 1 --quiet \
  --set 'sweep.[0].values=[0.9]' --set 'sweep.[1].values=[0.25, 0.75]'
check "narrowed run exits 0" "0" "$?"
if [ -x /usr/bin/python3 ]; then
  check "narrowed run's sweep" "[0.9, 0.9] [0.25, 0.75] (2, 2)" \
    "$(/usr/bin/python3 -c 'import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(list(f["sweep/c"][()]), list(f["sweep/o"][()]), f["summary/status"].shape)' "$tmp/n.h5")"
fi

# 5. Refusals: exit 2, the message names the --set.
bad() { # description, --set, expected message
  local err rc
  err=$("$CYSIM" list --set "$2" "$tmp/s.cfg" 2>&1 >/dev/null)
  rc=$?
  check "$1: exit" "2" "$rc"
  check "$1: message" "$3" "$err"
}
bad "unknown id" 'states.[XX].offense=0.5' \
  '--set states.[XX].offense=0.5: no element of states has id "XX" (ids: RU, CN, US)'
bad "bare id" 'states.RU.offense=0.5' \
  "--set states.RU.offense=0.5: 'states.RU.offense' is not a scenario setting (at 'RU.offense'; states is a list: name an element as states.[RU] or states.[0])"
bad "unknown alliance id" 'alliances.[ru].enabled=false' \
  '--set alliances.[ru].enabled=false: no element of alliances has id "ru" (ids: ru_cn)'
bad "empty values" 'sweep.[0].values=[]' \
  '--set sweep.[0].values=[]: sweep.[0].values: is empty'
bad "mixed array" 'sweep.[0].values=[1, 0.5]' \
  '--set sweep.[0].values=[1, 0.5]: sweep.[0].values: [0] is an integer but [1] a float; an array [ ... ] holds one type, as in a scenario file (write 1.0 for a number, or use a list ( ... ))'
bad "value out of range" 'sweep.[0].values=[0.5, 1.5]' \
  "--set sweep.[0].values=[0.5, 1.5]: alliances.[0].nonaggression.compliance: 1.5 is outside [0, 1] (sweep axis 'c' = 1.5 at point 5)"
bad "element out of range" 'sweep.[0].values.[1]=1.5' \
  "--set sweep.[0].values.[1]=1.5: alliances.[0].nonaggression.compliance: 1.5 is outside [0, 1] (sweep axis 'c' = 1.5 at point 5)"
bad "range past its setting's range" 'sweep.[1].to=2' \
  "--set sweep.[1].to=2: states.[0].offense: 1.5 is outside [0, 1] (sweep axis 'o' = 1.5 at point 3)"
exit $fail
