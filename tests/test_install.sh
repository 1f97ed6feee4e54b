#!/bin/bash
# test_install.sh: cysim installed and used from outside its tree.
#  1. `cmake --install` of this build into a temporary prefix puts there the
#     program, libcysim.a, the headers (cy_version.h too), the CMake package
#     and cysim.pc.
#  2. tests/install/ (a program using public headers only) builds against
#     the prefix with find_package(cysim CONFIG) (CMAKE_PREFIX_PATH), and
#     with `pkg-config --cflags --static --libs cysim`; both programs run
#     tests/data/io_small.cfg and print the same thing.
#  3. Exports: the defined global symbols of libcysim.a are those the
#     installed headers declare, or internal ones named cy__*.  Any other is
#     fails the test, listed.
# A build configured with CYSIM_INSTALL=OFF has nothing to install: skipped.
set -u
: "${CYSIM_SOURCE_DIR:?}" "${CYSIM_BINARY_DIR:?}"
cache="$CYSIM_BINARY_DIR/CMakeCache.txt"
if ! grep -q '^CYSIM_INSTALL:BOOL=ON$' "$cache"; then
  echo "skipped: this build has no install rules (CYSIM_INSTALL=OFF)"
  exit 77
fi
for tool in cmake pkg-config nm; do
  command -v "$tool" >/dev/null ||
    { echo "FAILED: $tool is not installed (make deps installs it)"; exit 1; }
done
tmp=$(mktemp -d "${CYSIM_TEST_BIN:-/tmp}/install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail=0
check() { # check DESCRIPTION COMMAND...: its status is the command's
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    fail=1
    return 1
  fi
}
cached() { # cached NAME: a value of the build's CMake cache
  sed -n "s/^$1:[A-Z]*=//p" "$cache"
}
# The consumers are built with the build's compiler and, in a sanitized
# build, with its sanitizers (libcysim.a then calls their runtimes).
cc=$(cached CMAKE_C_COMPILER)
sanitize=$(cached CYSIM_SANITIZE)
flags=""
[ -n "$sanitize" ] && flags="-fsanitize=$sanitize"

# 1. Install.
cmake --install "$CYSIM_BINARY_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1
check "cmake --install exits 0" test $? -eq 0 || cat "$tmp/install.log"
lib=$(find "$prefix" -name libcysim.a)
pc=$(find "$prefix" -name cysim.pc)
"$prefix/bin/cysim" --help >/dev/null
check "bin/cysim installed and runs" test $? -eq 0
check "libcysim.a installed" test -f "$lib"
check "cysim.pc installed" test -f "$pc"
check "cysimConfig.cmake installed" test -n "$(find "$prefix" -name cysimConfig.cmake)"
for h in "$CYSIM_SOURCE_DIR"/include/cysim/*.h cy_version.h; do
  check "include/cysim/$(basename "$h") installed" \
    test -f "$prefix/include/cysim/$(basename "$h")"
done

# 2. An outside program, built both ways.
src="$CYSIM_SOURCE_DIR/tests/install"
cmake -S "$src" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 &&
  cmake --build "$tmp/cmake-build" >>"$tmp/cmake.log" 2>&1
check "consumer builds with find_package(cysim CONFIG)" test $? -eq 0 ||
  cat "$tmp/cmake.log"
check "find_package found the installed package" \
  grep -q "^cysim_DIR:PATH=$prefix/" "$tmp/cmake-build/CMakeCache.txt"

PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
# shellcheck disable=SC2046,SC2086 # pkg-config's output is a list of words
"$cc" $flags -o "$tmp/consumer-pc" "$src/consumer.c" \
  $(pkg-config --cflags --static --libs cysim) >"$tmp/pc.log" 2>&1
check "consumer builds with pkg-config --static" test $? -eq 0 ||
  { pkg-config --cflags --static --libs cysim; cat "$tmp/pc.log"; }

cfg="$CYSIM_SOURCE_DIR/tests/data/io_small.cfg"
"$tmp/cmake-build/consumer" "$cfg" >"$tmp/cmake.out"
check "the find_package build runs" test $? -eq 0
"$tmp/consumer-pc" "$cfg" >"$tmp/pc.out"
check "the pkg-config build runs" test $? -eq 0
cat "$tmp/cmake.out"
check "both builds print the same" cmp -s "$tmp/cmake.out" "$tmp/pc.out"
check "it prints the version" \
  grep -qx "cysim $(pkg-config --modversion cysim)" "$tmp/cmake.out"
check "it loads the study: 2 points" grep -qx "study: 2 points" "$tmp/cmake.out"
check "it runs a replication, twice alike" \
  grep -qx "replication 0 again: same" "$tmp/cmake.out"

# 3. Exports.  The names the headers declare come from the headers as the
# compiler sees them (so names an X-macro builds count) and as written.
{
  for h in "$prefix"/include/cysim/*.h; do
    echo "#include <cysim/$(basename "$h")>"
  done
} >"$tmp/all.c"
# shellcheck disable=SC2046
"$cc" -E -I"$prefix/include" $(pkg-config --cflags gsl) "$tmp/all.c" \
  >"$tmp/all.i"
check "the installed headers preprocess" test $? -eq 0
cat "$tmp/all.i" "$prefix"/include/cysim/*.h |
  grep -oE '\bcy_[A-Za-z0-9_]+' | sort -u >"$tmp/declared"
# Names starting with __ are the compiler's or a sanitizer's, not ours.
nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
  grep -v -e '^cy__' -e '^__' | sort -u >"$tmp/defined"
check "nm lists libcysim.a's symbols" test -s "$tmp/defined"
comm -23 "$tmp/defined" "$tmp/declared" >"$tmp/stray"
n=$(wc -l <"$tmp/stray")
if [ "$n" -gt 0 ]; then
  echo "FAILED: $n global symbols of libcysim.a are neither declared in"
  echo "include/cysim/ nor named cy__* (internal):"
  sed 's/^/  /' "$tmp/stray"
  fail=1
else
  echo "ok: every global symbol is public (include/cysim/) or cy__*"
fi

[ "$fail" -eq 0 ] && echo "all passed"
exit "$fail"
