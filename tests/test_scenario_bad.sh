#!/bin/bash
# Every tests/bad/*.cfg must be refused by `cysim validate` with exit 2 and
# a message containing each "// expect: TEXT" of its header (the first one
# carries FILE:LINE: PATH, the position of the mistake).  Other headers:
#   // set: P=V          pass --set P=V
#   // cmd: list         run `cysim list` instead of `validate`
#   // file: PATH        validate PATH instead of the .cfg itself (a missing
#                        file, a directory, a device, a generated file)
#   // make: KIND NAME [N]  create NAME first: `fifo`, `dir`, `empty`,
#                        `big` (N bytes of comment lines), `longkey` (a key
#                        of N characters set to 1)
#   // allow-large: RC   with --allow-large the exit status must be RC (a
#                        work-cap refusal becomes 0; a hard limit stays 2)
# The files are copied to a scratch directory and run from there, so that
# generated files (a FIFO, 17 MB files) never touch the source tree and
# names print short.  Every run has a time limit: a loader that blocked on
# a FIFO or read /dev/zero forever would fail here, not hang.
set -u
: "${CYSIM:?CYSIM must name the cysim executable}"
: "${CYSIM_SOURCE_DIR:?}"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cp -r "$CYSIM_SOURCE_DIR/tests/bad" "$tmp/bad" || exit 1
cd "$tmp/bad" || exit 1

make_file() { # kind name [n]
  case "$1" in
  fifo) rm -f "$2" && mkfifo "$2" ;;
  dir) mkdir -p "$2" ;;
  empty) : >"$2" ;;
  big) # comment lines of 99 characters and a newline
    yes '# padding padding padding padding padding padding padding padding padding padding padding padd' |
      head -c "$3" >"$2" ;;
  longkey) { head -c "$3" /dev/zero | tr '\0' k; echo ' = 1;'; } >"$2" ;;
  *) echo "unknown make kind $1"; return 1 ;;
  esac
}

fail=0 n=0
for f in *.cfg; do
  n=$((n + 1))
  args=() expects=() cmd=validate target=$f allow=''
  # the header: the leading // lines (read without a process per file)
  while IFS= read -r line && [[ "$line" == //* ]]; do
    case "$line" in
    "// set: "*) args+=(--set "${line#// set: }") ;;
    "// expect: "*) expects+=("${line#// expect: }") ;;
    "// cmd: "*) cmd=${line#// cmd: } ;;
    "// file: "*) target=${line#// file: } ;;
    "// allow-large: "*) allow=${line#// allow-large: } ;;
    "// make: "*)
      read -r kind name size <<<"${line#// make: }"
      make_file "$kind" "$name" "$size" || fail=$((fail + 1)) ;;
    esac
  done <"$f"
  if [ "${#expects[@]}" -eq 0 ]; then
    echo "FAIL $f: no // expect: header"; fail=$((fail + 1)); continue
  fi
  err=$(timeout 20 "$CYSIM" "$cmd" "${args[@]}" "$target" 2>&1 >/dev/null)
  rc=$?
  ok=1
  if [ "$rc" -ne 2 ]; then
    echo "FAIL $f: exit $rc, expected 2"; ok=0
  fi
  for e in "${expects[@]}"; do
    if [[ "$err" != *"$e"* ]]; then
      echo "FAIL $f: message lacks: $e"; ok=0
    fi
  done
  if [ -n "$allow" ]; then
    timeout 20 "$CYSIM" "$cmd" --allow-large "${args[@]}" "$target" \
      >/dev/null 2>&1
    arc=$?
    if [ "$arc" -ne "$allow" ]; then
      echo "FAIL $f: with --allow-large exit $arc, expected $allow"; ok=0
    fi
  fi
  if [ "$ok" -eq 0 ]; then
    echo "     got: ${err:0:2000}"; fail=$((fail + 1))
  fi
done
echo "$((n - fail)) of $n bad scenarios refused as expected"
[ "$n" -ge 100 ] || { echo "FAIL: only $n bad scenarios"; exit 1; }
[ "$fail" -eq 0 ]
