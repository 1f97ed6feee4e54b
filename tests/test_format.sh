#!/usr/bin/env bash
# House style: every C source and header is clang-format clean (.clang-format
# at the top).  Fails listing the files that are not.
set -euo pipefail
cd "$CYSIM_SOURCE_DIR"
command -v clang-format >/dev/null || { echo "clang-format is not installed (make deps installs it)"; exit 1; }
files=$(sh tools/c_sources.sh)
bad=0
n=0
for f in $files; do
  n=$((n + 1))
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-format clean: $f (run: make format)"
    bad=$((bad + 1))
  fi
done
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
