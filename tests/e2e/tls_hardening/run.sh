#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# TLS hardening (issue #7): certificates made here with openssl (a CA, the
# default certificate, one for tenant a.example in the SNI directory, a
# trunk's client certificate, a renewed default certificate).
# - SIP TLS and HTTPS refuse TLS 1.0 and 1.1 (the client offers only those,
#   at SECLEVEL 0 so it is willing) and a TLS 1.2 client offering only CBC
#   suites; TLS 1.2 and 1.3 are accepted;
# - SNI a.example gets a.example's certificate; no or an unknown name gets
#   the default one (fingerprints compared);
# - a TLS registration stays up across a certificate renewal + SIGHUP: new
#   handshakes see the renewed certificate, the old connection carries a
#   re-REGISTER and the binding is listed (check.py reload); a reload
#   that fails (key of another certificate) keeps the certificates;
# - HTTPS uses the same certificates: SNI a.example, the renewed default
#   certificate after SIGHUP (and curl, verifying it, gets an answer);
# - mTLS: an ip trunk with --tls-cert-fp (networks 127.0.0.0/8, which the
#   test's own address is in): an INVITE over TLS with the trunk's client
#   certificate is the trunk's (no challenge; 404 for a DID without an
#   inbound rule), the same INVITE without the certificate gets 407.
source "$SW_E2E_ROOT/lib.sh"

P=$SW_E2E_DIR/pki
HTTPS_PORT=8887
D=$SW_DOMAIN
mkdir -p "$P/sni"

ssl() {
    openssl "$@" >>"$SW_E2E_DIR/openssl.log" 2>&1 \
        || fail "openssl $1 failed (see openssl.log)"
}
# leaf NAME CN EXTENDED_KEY_USAGE SUBJECT_ALT_NAMES: NAME.key/.crt by the CA
leaf() {
    ssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$P/$1.key" -out "$P/$1.csr" -subj "/CN=$2"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=$3" \
        "subjectAltName=$4" >"$P/$1.ext"
    ssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
        -CAcreateserial -days 2 -extfile "$P/$1.ext" -out "$P/$1.crt"
}
fp_of() { # PEM -> "AB:CD:..." (openssl's form)
    openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2
}

ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/ca.key" -out "$P/ca.crt" -days 2 -subj "/CN=sipwarden e2e CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf default sipwarden.test serverAuth "DNS:sipwarden.test,IP:127.0.0.1"
leaf renewed sipwarden.test serverAuth "DNS:sipwarden.test,IP:127.0.0.1"
leaf a.example a.example serverAuth "DNS:a.example"
leaf trunk trunk1.provider.test clientAuth "DNS:trunk1.provider.test"
cp "$P/a.example.crt" "$P/a.example.key" "$P/sni/"
FP_DEFAULT=$(fp_of "$P/default.crt")
FP_RENEWED=$(fp_of "$P/renewed.crt")
FP_A=$(fp_of "$P/a.example.crt")

conf_set sip tls_cert "$P/default.crt"
conf_set sip tls_key "$P/default.key"
conf_set sip tls_sni_dir "$P/sni"
conf_set sip tls_client_ca "$P/ca.crt"
conf_set http listen "$SW_HOST:$HTTPS_PORT"
start_daemon
make_users 1 1000 "$D"

# s_client against PORT with ARGS; prints its output, exit status kept.
s_client() { # PORT ARGS...
    local port=$1
    shift
    timeout 10 openssl s_client -connect "$SW_HOST:$port" "$@" </dev/null 2>&1
}
tls_accepted() { # WHAT PORT ARGS...
    local what=$1 out
    shift
    out=$(s_client "$@") || fail "$what: refused: $(printf '%s' "$out" | tail -n 5)"
    printf '%s' "$out" | grep -q 'Cipher is (NONE)' \
        && fail "$what: no cipher negotiated"
    log "$what: accepted ($(printf '%s' "$out" | grep -m1 -E '^ *Protocol *:|New, ' | tr -s ' '))"
}
tls_refused() { # WHAT PORT ARGS...
    local what=$1 out
    shift
    if out=$(s_client "$@"); then
        fail "$what: accepted: $(printf '%s' "$out" | grep -m1 'Cipher is')"
    fi
    # The server said no (an alert), not the client before sending.
    printf '%s' "$out" | grep -qiE 'alert|handshake failure|no protocols available' \
        || fail "$what: no sign of a refusal: $(printf '%s' "$out" | tail -n 5)"
    log "$what: refused ($(printf '%s' "$out" | grep -m1 -ioE '[a-z0-9 ]*alert[a-z0-9 ]*'))"
}

for port in "$SW_TLS_PORT" "$HTTPS_PORT"; do
    name="SIP TLS"
    [ "$port" = "$HTTPS_PORT" ] && name=HTTPS
    log "$name: protocol versions and suites"
    tls_refused "$name TLS 1.0" "$port" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
    tls_refused "$name TLS 1.1" "$port" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
    tls_refused "$name TLS 1.2 CBC only" "$port" -tls1_2 \
        -cipher 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:AES128-SHA:AES256-SHA256'
    tls_accepted "$name TLS 1.2" "$port" -tls1_2
    tls_accepted "$name TLS 1.3" "$port" -tls1_3
done

# server_fp PORT ARGS...: the fingerprint of the certificate served.
server_fp() {
    s_client "$@" | openssl x509 -noout -fingerprint -sha256 2>/dev/null \
        | cut -d= -f2
}
log "SNI on SIP TLS"
assert_eq "$(server_fp "$SW_TLS_PORT" -servername a.example)" "$FP_A" \
    "certificate for SNI a.example"
assert_eq "$(server_fp "$SW_TLS_PORT" -noservername)" "$FP_DEFAULT" \
    "certificate without SNI"
assert_eq "$(server_fp "$SW_TLS_PORT" -servername unknown.example)" \
    "$FP_DEFAULT" "certificate for an unknown name"

log "SNI on HTTPS"
assert_eq "$(server_fp "$HTTPS_PORT" -servername a.example)" "$FP_A" \
    "HTTPS certificate for SNI a.example"
assert_eq "$(server_fp "$HTTPS_PORT" -noservername)" "$FP_DEFAULT" \
    "HTTPS certificate without SNI"

log "TLS registration across a certificate renewal and SIGHUP"
out=$(timeout 60 "$SW_PY" "$SW_CASE_DIR/check.py" reload \
    --server "$SW_HOST:$SW_TLS_PORT" --cafile "$P/ca.crt" --user 1000 \
    --password "$(user_password 1000)" --domain "$D" --pid "$SW_DAEMON_PID" \
    --crt "$P/default.crt" --key "$P/default.key" \
    --renew-crt "$P/renewed.crt" --renew-key "$P/renewed.key" \
    --sw-bin "$SW_BIN" --conf "$SW_CONF" 2>&1) \
    || fail "reload check: $out"
log "$out"
assert_contains "$(cat "$SW_DAEMON_LOG")" "TLS certificates reloaded" \
    "reload logged"
assert_eq "$(server_fp "$SW_TLS_PORT" -noservername)" "$FP_RENEWED" \
    "default certificate after SIGHUP"
assert_eq "$(server_fp "$SW_TLS_PORT" -servername a.example)" "$FP_A" \
    "a.example after SIGHUP"
assert_eq "$(server_fp "$HTTPS_PORT" -noservername)" "$FP_RENEWED" \
    "HTTPS default certificate after SIGHUP"
code=$(timeout 10 curl -s -o /dev/null -w '%{http_code}' --cacert "$P/ca.crt" \
    --resolve "sipwarden.test:$HTTPS_PORT:$SW_HOST" \
    "https://sipwarden.test:$HTTPS_PORT/api/v1/openapi.json") || code=none
assert_eq "$code" 200 "verified HTTPS request after the reload"
pid_alive "$SW_DAEMON_PID" || fail "daemon died on SIGHUP"

log "a reload that fails keeps the certificates in use"
cp "$P/renewed.key" "$P/renewed.key.good"
cp "$P/trunk.key" "$P/default.key" # a key of another certificate
kill -HUP "$SW_DAEMON_PID"
for ((i = 0; i < 100; i++)); do
    grep -q 'TLS reload failed' "$SW_DAEMON_LOG" && break
    sleep 0.1
done
assert_contains "$(cat "$SW_DAEMON_LOG")" \
    "TLS reload failed, keeping the old certificates" "failed reload logged"
assert_eq "$(server_fp "$SW_TLS_PORT" -noservername)" "$FP_RENEWED" \
    "default certificate after a failed reload"
assert_eq "$(server_fp "$SW_TLS_PORT" -servername a.example)" "$FP_A" \
    "a.example after a failed reload"
cp "$P/renewed.key.good" "$P/default.key"

log "mTLS trunk"
if sw trunk add badfp --kind ip --networks 192.0.2.0/24 \
    --tls-cert-fp 1234 >/dev/null 2>&1; then
    fail "a malformed --tls-cert-fp was accepted"
fi
FP_TRUNK=$(fp_of "$P/trunk.crt")
assert_ok "trunk with a client certificate" sw trunk add tlsprov --kind ip \
    --networks 127.0.0.0/8 --tls-cert-fp "$FP_TRUNK"
want=$(printf '%s' "$FP_TRUNK" | tr -d : | tr 'A-F' 'a-f')
assert_contains "$(sw trunk list --json)" "\"tls_cert_fp\": \"$want\"" \
    "normalised fingerprint in trunk list"
DID=449999999999
# The trunk's certificate: recognised, not challenged; no inbound rule.
# Polled (bounded): the call engine reloads after the trunk change.
ok=0
for ((i = 0; i < 50; i++)); do
    if out=$(timeout 20 "$SW_PY" "$SW_CASE_DIR/check.py" invite \
        --server "$SW_HOST:$SW_TLS_PORT" --did "$DID" --domain "$D" \
        --expect 404 --cert "$P/trunk.crt" --key "$P/trunk.key" 2>&1); then
        ok=1
        break
    fi
    sleep 0.1
done
[ "$ok" = 1 ] || fail "INVITE with the trunk's certificate: $out"
log "$out"
out=$(timeout 20 "$SW_PY" "$SW_CASE_DIR/check.py" invite \
    --server "$SW_HOST:$SW_TLS_PORT" --did "$DID" --domain "$D" \
    --expect 407 2>&1) || fail "INVITE without a certificate: $out"
log "$out (address alone is not enough)"
# A client certificate from the same CA that is not the trunk's.
out=$(timeout 20 "$SW_PY" "$SW_CASE_DIR/check.py" invite \
    --server "$SW_HOST:$SW_TLS_PORT" --did "$DID" --domain "$D" \
    --expect 407 --cert "$P/a.example.crt" --key "$P/a.example.key" 2>&1) \
    || fail "INVITE with another certificate: $out"
log "$out (another certificate)"

stop_daemon
