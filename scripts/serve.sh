#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Quick start: install dependencies, build the release preset and run
# `sipwarden serve` on its embedded SQLite database in ./sipwarden-data.
# Extra arguments go to `sipwarden serve` (for example -c FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
exec ./build/release/sipwarden serve "$@"
