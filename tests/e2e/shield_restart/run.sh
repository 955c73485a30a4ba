#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bans survive a restart. Three bans with different rules: a blacklisted
# User-Agent ("friendly-scanner") from 127.0.0.2, failed authentications
# over a lowered threshold from 127.0.0.3, a Level 1 flood from 127.0.0.4.
# `ban list --json` and `ban why` are recorded (reason, expires_at, the
# sample of the offending request); after SIGTERM and a new start (kernel
# sync off, so only the daemon can enforce) every ban is listed with the
# same reason, expiry and sample, and is still enforced (no answer,
# drop_ban rises). A third start with nftables on puts them back into the
# kernel set with the remaining time. `ban lift NET --whitelist` turns a ban
# into an allow entry (`ip list`) and the source is answered again.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield2_lib.sh"

UA_SRC=127.0.0.2
AUTH_SRC=127.0.0.3
FLOOD_SRC=127.0.0.4
conf_set firewall nftables off
make_users 2
start_daemon

s2_set auth_fail_threshold 5
s2_set l1_pps 50
s2_set l1_blacklist_s 900
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_expect_answer "$a" "before any ban"
done

got=$(s2_probe "$UA_SRC" --ua "friendly-scanner 1.0" --timeout 2)
assert_eq "$got" none "OPTIONS with a blacklisted User-Agent"
res=$(timeout 60 "$SW_PY" "$S2_SIP" auth-fail --server "$S2_SERVER" \
    --src "$AUTH_SRC" --user 1000 --count 6 --timeout 1.2)
log "auth failures from $AUTH_SRC: $res"
res=$(s2_flood "$FLOOD_SRC" 200 1)
log "flood from $FLOOD_SRC: $res"
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_wait "ban of $a in ban list" 3 s2_is_banned "$a"
done

# Record the bans and check their story.
before="$SW_E2E_DIR/bans-before.json"
s2_bans >"$before"
"$SW_PY" - "$before" "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC" <<'PY' \
    || fail "ban records before the restart (see above)"
import json, sys, time
bans = {b["net"].split("/")[0]: b for b in json.load(open(sys.argv[1]))}
ua, auth, flood = sys.argv[2:5]
errs = []
want = {ua: ("ua_blacklist", 3600), auth: ("auth_failures", 3600),
        flood: ("l1_rate", 900)}
now = time.time()
for a, (reason, ban_s) in want.items():
    b = bans.get(a)
    if b is None:
        errs.append("no ban for %s" % a); continue
    if b.get("reason") != reason:
        errs.append("%s: reason %r, expected %r" % (a, b.get("reason"), reason))
    exp = int(b.get("expires_at", 0))
    if not now + ban_s - 30 <= exp <= now + ban_s + 2:
        errs.append("%s: expires_at %d, expected about now + %d" % (a, exp, ban_s))
    if b.get("source", "shield") != "shield":
        errs.append("%s: source %r" % (a, b.get("source")))
    for k in ("threshold", "count", "first_seen", "last_seen"):
        if k not in b:
            errs.append("%s: no %s" % (a, k))
if ua in bans:
    b = bans[ua]
    if "friendly-scanner" not in (b.get("user_agent") or ""):
        errs.append("ua ban sample user_agent %r" % b.get("user_agent"))
    if b.get("method") != "OPTIONS":
        errs.append("ua ban sample method %r" % b.get("method"))
if auth in bans:
    b = bans[auth]
    if b.get("method") != "REGISTER":
        errs.append("auth ban sample method %r" % b.get("method"))
    if b.get("from_user") != "1000":
        errs.append("auth ban sample from_user %r" % b.get("from_user"))
    if int(b.get("threshold", 0)) != 5 or int(b.get("count", 0)) < 5:
        errs.append("auth ban threshold/count %r/%r" % (b.get("threshold"), b.get("count")))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_cli ban why "$a" >"$SW_E2E_DIR/why-before-$a.txt"
done
why=$(cat "$SW_E2E_DIR/why-before-$AUTH_SRC.txt")
assert_contains "$why" auth_failures "ban why $AUTH_SRC"
why=$(cat "$SW_E2E_DIR/why-before-$UA_SRC.txt")
assert_contains "$why" friendly-scanner "ban why $UA_SRC (sample User-Agent)"

# Let the clock move past the ban times' second so that a re-computed
# expiry would differ from the stored one.
t_ban=$(date +%s)
for ((i = 0; i < 30 && $(date +%s) < t_ban + 2; i++)); do
    sleep 0.1
done

stop_daemon
start_daemon
after="$SW_E2E_DIR/bans-after.json"
s2_bans >"$after"
"$SW_PY" - "$before" "$after" <<'PY' || fail "bans changed across the restart"
import json, sys
b = {x["net"]: x for x in json.load(open(sys.argv[1]))}
a = {x["net"]: x for x in json.load(open(sys.argv[2]))}
errs = []
if sorted(a) != sorted(b):
    errs.append("nets %s became %s" % (sorted(b), sorted(a)))
keys = ("reason", "source", "expires_at", "created_at", "threshold", "count",
        "window_s", "first_seen", "last_seen", "method", "ruri", "from_user",
        "user_agent")
for net in sorted(set(a) & set(b)):
    for k in keys:
        if b[net].get(k) != a[net].get(k):
            errs.append("%s: %s %r became %r" % (net, k, b[net].get(k), a[net].get(k)))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_cli ban why "$a" >"$SW_E2E_DIR/why-after-$a.txt"
    # Everything but the countdown ("expires in") must be identical.
    diff -u <(grep -vi 'expires in' "$SW_E2E_DIR/why-before-$a.txt") \
        <(grep -vi 'expires in' "$SW_E2E_DIR/why-after-$a.txt") >&2 \
        || fail "ban why $a changed across the restart"
done
log "3 bans with reason, expiry and sample survived the restart"

# Still enforced by the daemon itself (kernel sync is off).
d0=$(s2_stat drop_ban)
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_expect_silent "$a" "banned source after the restart"
done
d1=$(s2_stat drop_ban)
assert_ge "$((d1 - d0))" 3 "drop_ban rise for probes from banned sources"
s2_expect_answer 127.0.0.5 "an unbanned source after the restart"

# With the kernel on, a restart puts the stored bans into the nft set.
stop_daemon
conf_set firewall nftables on
start_daemon
kernel=$(s2_stat kernel)
case "$kernel" in
active*) ;;
*) fail "stats kernel '$kernel' with nftables on, expected active" ;;
esac
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_wait "$a restored into nft set ban4" 3 s2_nft_has ban4 "$a"
done
now=$(date +%s)
s2_nft_elems ban4 >"$SW_E2E_DIR/ban4.txt"
"$SW_PY" - "$after" "$SW_E2E_DIR/ban4.txt" "$now" <<'PY' \
    || fail "restored kernel timeouts do not match the stored expiry"
import json, sys
bans = {x["net"].split("/")[0]: int(x["expires_at"]) for x in json.load(open(sys.argv[1]))}
now = int(sys.argv[3])
errs = []
for line in open(sys.argv[2]):
    addr, tmo, exp = line.split()
    addr = addr.split("/")[0]
    if addr not in bans:
        continue
    left = bans.pop(addr) - now
    t = int(exp if exp != "-" else tmo)
    if abs(t - left) > 3:
        errs.append("%s: kernel expires in %s s, stored ban in %d s" % (addr, t, left))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
for a in "$UA_SRC" "$AUTH_SRC" "$FLOOD_SRC"; do
    s2_expect_silent "$a" "banned source after the restart with nftables"
done

# ban lift --whitelist: the ban becomes an allow entry, the source is
# answered and further failures from it are not banned.
s2_cli ban lift "$AUTH_SRC" --whitelist >/dev/null
s2_wait "$AUTH_SRC out of the ban list" 2 s2_not s2_is_banned "$AUTH_SRC"
s2_wait "$AUTH_SRC out of ban4" 2 s2_not s2_nft_has ban4 "$AUTH_SRC"
ipl=$(s2_cli ip list)
assert_contains "$ipl" "$AUTH_SRC/32" "ip list after ban lift --whitelist"
printf '%s\n' "$ipl" | grep "$AUTH_SRC/32" | grep -qi allow \
    || fail "ip list entry of $AUTH_SRC is not an allow entry: $ipl"
s2_expect_answer "$AUTH_SRC" "whitelisted after ban lift"
res=$(timeout 60 "$SW_PY" "$S2_SIP" auth-fail --server "$S2_SERVER" \
    --src "$AUTH_SRC" --user 1000 --count 6 --timeout 1.2)
case "$res" in
*null*) fail "whitelisted $AUTH_SRC went unanswered: $res" ;;
esac
s2_is_banned "$AUTH_SRC" && fail "whitelisted $AUTH_SRC banned again"
# The other two stay banned.
s2_is_banned "$UA_SRC" || fail "$UA_SRC lost its ban"
s2_is_banned "$FLOOD_SRC" || fail "$FLOOD_SRC lost its ban"
stop_daemon
