#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what sipwarden needs to build, run and test, from Debian packages
# only (see README "Design notes" for why each one is there). Idempotent.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
  # libraries
  libuv1-dev libssl-dev libsqlite3-dev libsodium-dev libjansson-dev
  libinih-dev libcmocka-dev libnftables-dev libmaxminddb-dev
  # HTTPS portal/API; the evlib-uv plugin is lws's libuv event loop support
  libwebsockets-dev libwebsockets-evlib-uv
  # QR codes of TOTP enrolment (served as SVG)
  libqrencode-dev
  # alerts: webhook (HTTPS) and e-mail (SMTP with STARTTLS)
  libcurl4-openssl-dev
  # the portal's browser tests: headless Chromium driven by playwright-core
  chromium fonts-dejavu-core
  # runtime tools and test peers
  openssl sqlite3 iproute2 nftables sip-tester sipvicious baresip
  python3 procps fail2ban libmaxmind-db-writer-perl mmdb-bin
  # /metrics e2e: the Prometheus text-format parser, curl to fetch it
  python3-prometheus-client curl
  # IANA time zones for tenants' office hours
  tzdata
)

# `deps.sh --bench` adds what the benchmarks in bench/ compare against.
if [ "${1:-}" = "--bench" ]; then
  packages+=(kamailio kamailio-sqlite-modules)
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi
# Node.js and npm run the browser tests (playwright-core from the npm
# registry, pinned by tests/portal/package-lock.json). A machine that
# already has a node and npm of its own keeps them.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
