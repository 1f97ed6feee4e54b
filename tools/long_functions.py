#!/usr/bin/env python3
"""tools/long_functions.py [--max N] FILE...

Lists the C functions longer than N lines (default 80), counted from the
first line of the signature to the closing brace, as `file:line: name (n
lines)`, longest first; exits 1 if there are any.  Data tables (initialised
arrays and structs) are not functions and are not counted.  Relies on the
house style (clang-format: a function's closing brace alone in column 0)."""
import re
import sys


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    start = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if start is None and re.match(r"[A-Za-z_]", line) and not line.startswith(
            ("#", "typedef", "struct ", "enum ", "union ")
        ) or (start is None and re.match(r"(static |const )*(struct|enum|union) \w+ \**\w+\(", line)):
            start = i
        if start is not None:
            head = " ".join(lines[start : i + 1])
            if ";" in head or "=" in head.split("(")[0]:
                start = None
            elif line.rstrip().endswith("{") and "(" in head:
                j = i + 1
                while j < len(lines) and lines[j] != "}":
                    j += 1
                name = re.findall(r"(\w+)\s*\(", head)[0]
                yield path, start + 1, name, j - start + 1
                start, i = None, j
        i += 1


def main(argv):
    limit = 80
    if argv[:1] == ["--max"]:
        limit, argv = int(argv[1]), argv[2:]
    long_ = [f for p in argv for f in functions(p) if f[3] > limit]
    for path, line, name, n in sorted(long_, key=lambda f: -f[3]):
        print(f"{path}:{line}: {name} ({n} lines, limit {limit})")
    return 1 if long_ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
