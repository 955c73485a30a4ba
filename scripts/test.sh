#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite: install dependencies, build the dev preset (warnings
# as errors) and run every ctest label (unit, corpus, e2e), then build the
# asan preset (AddressSanitizer + UBSan) and run the unit and corpus tests
# under it. Must run as root: end-to-end tests create network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
# playwright-core for the portal's browser tests, exactly as locked.
(cd tests/portal && npm ci --no-audit --no-fund --loglevel=error)
jobs=$(nproc)

cmake --preset dev >/dev/null
cmake --build --preset dev -j"$jobs"
ctest --preset dev -j"$jobs"

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs" -L 'unit|corpus'

./scripts/check-style.sh
echo "test.sh: all suites passed"
