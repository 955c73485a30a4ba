#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Style gates of STYLE.md §9: clang-format clean, no banned calls, every
# header compiles alone.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')
clang-format --dry-run --Werror $files
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\(' \
     $(git ls-files 'src/*.c' 'src/*.h'); then
  echo "check-style: banned call in src/ (STYLE.md §9)" >&2
  exit 1
fi
inc=$(pkg-config --cflags libuv sqlite3 libsodium jansson inih)
for h in $(git ls-files 'src/*.h'); do
  echo "#include \"${h#src/}\"" | cc -std=c17 -D_GNU_SOURCE -Isrc $inc \
    -fsyntax-only -x c - || { echo "check-style: $h does not compile alone" >&2; exit 1; }
done
echo "check-style: ok"
