#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The web portal in headless Chromium (playwright-core, tests/portal):
# first sign-in with the forced password change (every administrator rule
# refused on the page), 2FA enrolment and a sign-in with a computed TOTP
# code (a replayed one refused), a real ban shown with its "why" and
# lifted from the bans page (gone from `sipwarden ban list`), the
# dashboard chart's pixels, the pages' forms, every page without a console
# error, and last the web login protection: a browser reaching the daemon
# from 127.0.0.8 (through a CONNECT proxy of the test, since the daemon
# never bans its own addresses 127.0.0.1 and ::1) is blocked and banned.
# Screenshots go to $SW_E2E_DIR/shots (kept with SW_E2E_KEEP=1 on failure),
# or to $SW_PORTAL_SHOTS when set.
source "$SW_E2E_ROOT/lib.sh"

PORTAL_TESTS=$(cd "$SW_E2E_ROOT/../portal" && pwd)
PORTAL_DIR=$(cd "$SW_E2E_ROOT/../../portal" && pwd)
[ -f "$PORTAL_TESTS/node_modules/playwright-core/package.json" ] ||
    fail "playwright-core is not installed: run 'npm ci' in $PORTAL_TESTS (scripts/deps.sh)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing (scripts/deps.sh)"

conf_set http listen 127.0.0.1:8887
conf_set http portal_dir "$PORTAL_DIR"
start_daemon

shots=${SW_PORTAL_SHOTS:-$SW_E2E_DIR/shots}
mkdir -p "$shots"
rc=0
SW_PORTAL_URL=https://127.0.0.1:8887 \
    SW_SHOTS="$shots" SW_BIN="$SW_BIN" SW_CONF="$SW_CONF" \
    HOME="$SW_E2E_DIR" XDG_CONFIG_HOME="$SW_E2E_DIR/xdg" XDG_CACHE_HOME="$SW_E2E_DIR/xdg" \
    timeout --kill-after=5 300 node "$PORTAL_TESTS/run.mjs" \
    >"$SW_E2E_DIR/portal.out" 2>&1 || rc=$?
cat "$SW_E2E_DIR/portal.out" >&2
[ "$rc" -eq 0 ] || fail "browser tests failed (exit $rc; screenshots in $shots)"
stop_daemon
