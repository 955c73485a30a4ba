#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An office NAT is not locked out by one misconfigured phone, an attacker
# trying many users is banned:
# - 20 phones (extensions 100-119, one socket each) behind 127.0.0.5
#   register; a 21st (120) then sends 30 wrong passwords from the same
#   address (user_fail_block 10; auth_fail_threshold 20, which the storm
#   exceeds: once a user is blocked at an address that has authenticated
#   successfully, its failures stop counting towards the address): its
#   credentialed attempts get 401 up to the block and 403 after it, the
#   address is not banned (no ban, no timeout), the 20 phones all register
#   again (same ports, so still 20 bindings), 120 with its right password
#   still gets 403 from 127.0.0.5 but 200 from 127.0.0.9 (the block is
#   per address);
# - 12 distinct extensions failing once each from 127.0.0.6 ban it with
#   reason many_users (many_users_ban 10); it gets no answer afterwards,
#   even with a right password.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield_lib.sh"

NAT=127.0.0.5

phones() { # CMD [args...]
    timeout 120 "$SW_PY" "$SW_CASE_DIR/nat_phones.py" "$@" \
        --host "$SW_HOST" --port "$SW_UDP_PORT" --domain "$SW_DOMAIN" \
        --users "$SW_E2E_DIR/users.txt"
}

conf_set sip digest_algorithms MD5
start_daemon
make_users 50 100 # extensions 100..149
sec_set user_fail_block 10 auth_fail_threshold 20 many_users_ban 10 \
    user_block_s 600 trust_success_s 86400 challenge_fail_threshold 20

# --- twenty phones, one of a 21st failing ---------------------------------------

out=$(phones register --src "$NAT" --exts 100-119) \
    || fail "20 phones behind $NAT could not all register: $out"
assert_eq "$(reg_count)" 20 "bindings of the 20 phones"

storm=$(phones storm --src "$NAT" --ext 120 --attempts 30) \
    || fail "storm client failed: $storm"
printf '%s\n' "$storm" >"$SW_E2E_DIR/storm.txt"
"$SW_PY" - "$SW_E2E_DIR/storm.txt" 10 <<'PY' || fail "wrong-password storm from $NAT: unexpected answers (attempt status: $(tr '\n' ' ' <"$SW_E2E_DIR/storm.txt"))"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
block = int(sys.argv[2])
st = {int(n): s for n, s in rows}
ok = len(st) == 30
# Before the block: refused with a fresh challenge. The block-th failure
# blocks (its answer may already be the 403). After it: 403, never silence.
ok &= all(st[i] == "401" for i in range(1, block))
ok &= st[block] in ("401", "403")
ok &= all(st[i] == "403" for i in range(block + 1, 31))
sys.exit(0 if ok else 1)
PY
log "storm of 120 from $NAT: $(tr '\n' ' ' <"$SW_E2E_DIR/storm.txt" | cut -c1-80)..."
assert_eq "$(ban_count "$NAT")" 0 "bans on $NAT after one phone's storm"
assert_eq "$(stat_get bans_active)" 0 "active bans after the storm"

out=$(phones register --src "$NAT" --exts 100-119) \
    || fail "the 20 phones behind $NAT cannot register again: $out"
assert_eq "$(reg_count)" 20 "bindings of the 20 phones after the storm"

assert_eq "$(phones try --src "$NAT" --ext 120)" 403 \
    "blocked 120 with its right password from $NAT"
assert_eq "$(phones try --src 127.0.0.9 --ext 120)" 200 \
    "120 with its right password from another address"
assert_eq "$(ban_count "$NAT")" 0 "bans on $NAT at the end of the NAT part"
log "NAT: 20 phones unaffected, 120 blocked at $NAT only"

# --- many users failing from one address --------------------------------------------

out=$(phones wrong-users --src 127.0.0.6 --exts 130-141 --timeout 1)
printf '%s\n' "$out" >"$SW_E2E_DIR/many-users.txt"
"$SW_PY" - "$SW_E2E_DIR/many-users.txt" 10 <<'PY' || fail "many users from 127.0.0.6: unexpected answers: $(tr '\n' ' ' <"$SW_E2E_DIR/many-users.txt")"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
st = [s for _, s in rows]
ok = len(st) == 12
ok &= all(s == "401" for s in st[:n - 1])  # refused, not yet banned
ok &= st[n - 1] in ("401", "timeout")      # the n-th failure bans
ok &= all(s == "timeout" for s in st[n:])  # banned: silence
sys.exit(0 if ok else 1)
PY
wait_ban_reason 127.0.0.6 many_users 5
why=$(assert_ban_why 127.0.0.6 many_users)
assert_eq "$(why_field "$why" threshold)" 10 "ban why 127.0.0.6: threshold"
cnt=$(why_field "$why" count)
assert_ge "$cnt" 10 "ban why 127.0.0.6: count"
wait_event 5 ban src=127.0.0.6 reason=many_users
assert_eq "$(phones try --src 127.0.0.6 --ext 149 --timeout 1)" timeout \
    "right password from the banned 127.0.0.6"
assert_eq "$(ban_count "$NAT")" 0 "bans on $NAT at the end"
log "many users: 127.0.0.6 banned (many_users, count $cnt)"

stop_daemon
