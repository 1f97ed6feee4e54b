#!/bin/sh
# The C sources and headers that house style (clang-format) covers: one list
# for `make format` and tests/test_format.sh.  Run from the source tree's top.
find include sim tests bench tools -name '*.[ch]' | LC_ALL=C sort
