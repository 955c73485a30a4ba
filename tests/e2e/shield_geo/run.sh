#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# GeoIP country filter: a test .mmdb (tests/tools/make_mmdb.pl) maps
# 127.0.0.2 to CN and 127.0.0.3 to US; 127.0.0.4 is not in it. With
# `security set geoip_db` and `geo allow US`: the US source is answered,
# the CN source gets nothing (event=geo_drop in the log, drop_geo rises, no
# ban), the unknown source is answered while geo_unknown = allow and
# dropped after `security set geo_unknown block`; `geo rm US` (empty list)
# lets every source through again.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield2_lib.sh"

CN=127.0.0.2
US=127.0.0.3
UNK=127.0.0.4
DB="$SW_E2E_DIR/geo.mmdb"
MKDB="$SW_E2E_ROOT/../tools/make_mmdb.pl"

[ -f "$MKDB" ] || fail "$MKDB missing"
assert_ok "make_mmdb.pl" perl "$MKDB" "$DB" "$CN/32=CN" "$US/32=US" \
    "10.0.0.0/8=DE"
start_daemon

# Without a database nothing is filtered.
for a in "$CN" "$US" "$UNK"; do
    s2_expect_answer "$a" "GeoIP off"
done

s2_set geoip_db "$DB"
s2_cli geo allow US >/dev/null
geoip=$(s2_stat geoip)
case "$geoip" in
on*) ;;
*) fail "stats geoip '$geoip' after security set geoip_db, expected on" ;;
esac
list=$(s2_cli geo list)
assert_contains "$list" US "geo list after geo allow US"

g0=$(s2_stat drop_geo)
s2_expect_answer "$US" "US source with allow list US"
s2_expect_silent "$CN" "CN source with allow list US"
s2_expect_answer "$UNK" "unknown source with geo_unknown allow (default)"
g1=$(s2_stat drop_geo)
assert_ge "$((g1 - g0))" 1 "drop_geo rise after the CN probe"
s2_wait "event=geo_drop for $CN in the log" 3 \
    grep -q "event=geo_drop src=$CN\b" "$SW_DAEMON_LOG"
if grep -q "event=geo_drop src=$US\b" "$SW_DAEMON_LOG"; then
    fail "US source logged as geo_drop"
fi
s2_is_banned "$CN" && fail "a geo-refused source was banned"

s2_set geo_unknown block
g1=$(s2_stat drop_geo)
s2_expect_silent "$UNK" "unknown source with geo_unknown block"
s2_expect_answer "$US" "US source with geo_unknown block"
s2_expect_silent "$CN" "CN source with geo_unknown block"
g2=$(s2_stat drop_geo)
assert_ge "$((g2 - g1))" 2 "drop_geo rise for the unknown and CN probes"

# An empty allow list: every country (and the unknown) is allowed again.
s2_cli geo rm US >/dev/null
list=$(s2_cli geo list)
case "$list" in
*US*) fail "geo list still has US after geo rm: $list" ;;
esac
for a in "$CN" "$US" "$UNK"; do
    s2_expect_answer "$a" "empty geo allow list"
done
s2_is_banned "$CN" && fail "CN source banned at the end"
stop_daemon
