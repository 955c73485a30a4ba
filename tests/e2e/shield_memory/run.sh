#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Memory stays bounded under a flood from a million spoofed sources:
# `security set source_table_size 100000`, then sw-blaster sends one
# OPTIONS from each of 1,000,000 distinct addresses of 127.16.0.0/12 (raw
# socket, spoofed sources). The daemon's per-source table must hold at most
# 100,000 entries (and have been filled: the flood reached it), its
# srctable_mem_bytes must stay within 128 bytes per entry, its resident
# memory (VmRSS) must grow by less than that bound + 64 MiB, and a
# legitimate registration from a new source must still succeed afterwards.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield2_lib.sh"

CAP=100000
N=1000000
BLASTER="$(dirname "$SW_BIN")/sw-blaster"
[ -x "$BLASTER" ] || fail "$BLASTER not built (target sw-blaster)"

conf_set firewall nftables off
# OPTIONS are answered statelessly: a spoofed flood leaves no transaction
# behind, so the default transaction table stays empty and the RSS check
# measures the per-source state.
make_users 1
start_daemon
s2_set source_table_size "$CAP"
# The settings reached the daemon (it rebuilt its table).
# The daemon rebuilt its table: its fixed size dropped from the default
# (1,000,000 entries, ~98 MB) to within CAP x 128 bytes.
resized() { s2_in_range "$(s2_stat srctable_mem_bytes)" 1 $((CAP * 128)); }
s2_wait "srctable_mem_bytes within $CAP x 128 B after the resize" 5 resized
s2_expect_answer 127.0.0.2 "before the flood"

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$SW_DAEMON_PID/status"
}
rss0=$(rss_kb)
p0=$(s2_stat packets)
log "VmRSS before the flood: $rss0 kB"

out=$(timeout 120 "$BLASTER" --dst "$SW_HOST:$SW_UDP_PORT" \
    --spoof 127.16.0.0/12 --distinct "$N" --count "$N" --method OPTIONS \
    --duration 60 2>&1) || fail "sw-blaster failed: $out"
log "sw-blaster: $out"
s2_wait_quiet
pid_alive "$SW_DAEMON_PID" || fail "daemon died under the flood"

stats=$(s2_stats)
printf '%s\n' "$stats" >"$SW_E2E_DIR/stats-after.json"
rss1=$(rss_kb)
"$SW_PY" - "$stats" "$CAP" "$rss0" "$rss1" "$p0" <<'PY' \
    || fail "memory bound not kept (see above)"
import json, sys
d = json.loads(sys.argv[1])
s = d.get("stats", d)
cap, rss0, rss1, p0 = (int(x) for x in sys.argv[2:6])
entries, mem = int(s["srctable_entries"]), int(s["srctable_mem_bytes"])
packets = int(s["packets"]) - p0
bound = cap * 128
margin = 64 << 20
grow = (rss1 - rss0) * 1024
print("  packets received %d, srctable_entries %d, srctable_mem_bytes %d, "
      "VmRSS +%.1f MiB (bound %.1f MiB + %d MiB)"
      % (packets, entries, mem, grow / 2**20, bound / 2**20, margin >> 20))
errs = []
if packets < 2 * cap:
    errs.append("only %d packets reached the daemon: the flood did not "
                "test the bound" % packets)
if entries > cap:
    errs.append("srctable_entries %d > source_table_size %d" % (entries, cap))
if entries < cap * 9 // 10:
    errs.append("srctable_entries %d: the table was not filled" % entries)
if not 0 < mem <= bound:
    errs.append("srctable_mem_bytes %d not within (0, %d]" % (mem, bound))
if grow >= bound + margin:
    errs.append("VmRSS grew by %d bytes >= %d" % (grow, bound + margin))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY

read -r user pw <"$SW_E2E_DIR/users.txt"
reg_from() { # SRC
    timeout 30 "$SW_PY" "$S2_SIP" register --server "$S2_SERVER" \
        --src "$1" --user "${user%@*}" --password "$pw" --timeout 4 || true
}
got=$(reg_from 127.0.0.3)
[ "$got" = 200 ] || fail "a registration right after the flood got '$got'"
log "legitimate registration after the flood: 200"
stop_daemon
