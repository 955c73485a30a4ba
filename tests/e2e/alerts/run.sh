#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Alerts by webhook and e-mail: a local webhook receiver
# (lib/webhook_sink.py) and a local SMTP sink with STARTTLS
# (lib/smtp_sink.py, certificate made here, MAIL refused before STARTTLS)
# on free 127.0.0.1 ports, started and stopped by PID. Triggers:
# `sipwarden alerts test`; a scanner ban (OPTIONS with User-Agent
# friendly-scanner from 127.0.0.5); an administrator sign-in from a new
# address (127.0.0.6; a second one from there is not news); a failed
# sign-in spike (wrong passwords from 127.0.0.7, the web login block set
# above the spike threshold). Each alert must reach BOTH the receiver and
# the sink with its kind / subject and details; every webhook body carries
# a valid HMAC signature; a second spike within min_interval_s is
# suppressed, counted, and reported by the next spike alert. Fraud
# alerts (warning and suspension) are checked end to end by the
# call_fraud case, whose calls raise them.
source "$SW_E2E_ROOT/lib.sh"

CHECK="$SW_CASE_DIR/check.py"
D="$SW_E2E_DIR"
SECRET="e2e-hook-secret-7f3a"
ADMIN_PW='Qw7-hT2m!xZp'
API=https://127.0.0.1:8887/api/v1

chk() {
    timeout --kill-after=5 90 "$SW_PY" "$CHECK" "$@"
}

# POST /auth/login from SRC; prints the HTTP status.
login() { # SRC USER PASSWORD [NEW_PASSWORD]
    local body
    if [ -n "${4:-}" ]; then
        body=$(printf '{"username":"%s","password":"%s","new_password":"%s"}' \
            "$2" "$3" "$4")
    else
        body=$(printf '{"username":"%s","password":"%s"}' "$2" "$3")
    fi
    curl -sk --max-time 20 --interface "$1" -o /dev/null -w '%{http_code}' \
        -A e2e-alerts/1.0 -H 'Content-Type: application/json' \
        --data "$body" "$API/auth/login"
}

# N wrong-password sign-ins from SRC, each refused with 401.
fail_logins() { # SRC N
    local i code
    for ((i = 0; i < $2; i++)); do
        code=$(login "$1" admin "wrong-password-$i")
        [ "$code" = 401 ] || fail "wrong password from $1 answered $code"
    done
}

json_get() { # EXPR (python, on 'd')
    "$SW_PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# --- sinks ----------------------------------------------------------------------

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$D/smtp.key" -out "$D/smtp.crt" >/dev/null 2>&1 ||
    fail "openssl could not make the SMTP sink's certificate"
# Each sink writes its port into a FIFO once it listens: reading it is
# the readiness signal (bounded by timeout).
mkfifo "$D/hook.port" "$D/mail.port"
"$SW_PY" "$SW_E2E_ROOT/lib/webhook_sink.py" "$D/hook" "$D/hook.port" \
    >"$D/webhook_sink.log" 2>&1 &
track_pid "$!"
HOOK_PORT=$(timeout 10 cat "$D/hook.port") || fail "webhook receiver did not start"
"$SW_PY" "$SW_E2E_ROOT/lib/smtp_sink.py" "$D/mail" "$D/mail.port" \
    "$D/smtp.crt" "$D/smtp.key" >"$D/smtp_sink.log" 2>&1 &
track_pid "$!"
SMTP_PORT=$(timeout 10 cat "$D/mail.port") || fail "SMTP sink did not start"
assert_eq "$(chk smtp-plain "$SMTP_PORT")" 530 "SMTP sink: MAIL before STARTTLS"
log "sinks: webhook 127.0.0.1:$HOOK_PORT, smtp 127.0.0.1:$SMTP_PORT"

# --- daemon ---------------------------------------------------------------------

conf_set http listen 127.0.0.1:8887
conf_set alerts webhook_url "http://127.0.0.1:$HOOK_PORT/sipwarden"
conf_set alerts webhook_secret "$SECRET"
conf_set alerts smtp_url "smtp://127.0.0.1:$SMTP_PORT"
conf_set alerts smtp_ca "$D/smtp.crt"
conf_set alerts mail_from "sipwarden@e2e.test"
conf_set alerts mail_to "ops@e2e.test, oncall@e2e.test"
conf_set alerts host e2e-pbx
conf_set alerts login_fail_spike 10
# 40 s: a batch of 10 sign-ins takes about 10 s (Argon2id), so the second
# spike falls inside the interval even on a loaded machine.
conf_set alerts min_interval_s 40
start_daemon

# --- alerts test ------------------------------------------------------------------

out=$(sw alerts test --wait 30) || fail "alerts test: $out"
assert_contains "$out" "webhook: ok" "alerts test (webhook)"
assert_contains "$out" "e-mail:  ok" "alerts test (e-mail)"
chk wait-hook "$D/hook" 10 test >/dev/null
m=$(chk wait-mail "$D/mail" 10 test) || fail "test mail: $m"
assert_contains "$m" '"rcpt": ["<ops@e2e.test>", "<oncall@e2e.test>"]' \
    "test mail recipients"
assert_contains "$m" "[sipwarden e2e-pbx] info test" "test mail subject"
log "alerts test: delivered to the receiver and the sink"

# First sign-in (forced password change) from 127.0.0.1, then the web
# login block far above the spike threshold.
assert_eq "$(login 127.0.0.1 admin admin "$ADMIN_PW")" 200 "first sign-in"
out=$(sw admin-settings set login_max_failures 1000) ||
    fail "admin-settings set: $out"
chk wait-hook "$D/hook" 20 admin_new_address account=admin address=127.0.0.1 \
    first_sign_in=yes >/dev/null || fail "first sign-in alert"

# --- scanner ban ---------------------------------------------------------------------

chk options 127.0.0.5 friendly-scanner
h=$(chk wait-hook "$D/hook" 20 ban address=127.0.0.5 rule=ua_blacklist) ||
    fail "ban alert at the receiver: $h"
assert_eq "$(printf '%s' "$h" | json_get 'd["severity"]')" warning \
    "ban alert severity"
assert_contains "$(printf '%s' "$h" | json_get 'd["details"]["net"]')" \
    127.0.0.5 "ban alert net"
assert_eq "$(printf '%s' "$h" | json_get 'd["host"]')" e2e-pbx "ban alert host"
m=$(chk wait-mail "$D/mail" 20 ban "address: 127.0.0.5" \
    "rule: ua_blacklist") || fail "ban alert at the sink: $m"
assert_contains "$m" "warning ban: 127.0.0.5 banned (rule ua_blacklist)" \
    "ban mail subject"
log "scanner ban: alerted by webhook and e-mail"

# --- administrator sign-in from a new address ----------------------------------------

assert_eq "$(login 127.0.0.6 admin "$ADMIN_PW")" 200 "sign-in from 127.0.0.6"
h=$(chk wait-hook "$D/hook" 20 admin_new_address account=admin \
    address=127.0.0.6 first_sign_in=no) || fail "new address alert: $h"
m=$(chk wait-mail "$D/mail" 20 admin_new_address "account: admin" \
    "address: 127.0.0.6") || fail "new address mail: $m"
assert_contains "$m" "administrator admin signed in from new address 127.0.0.6" \
    "new address mail subject"
# Known now: signing in from there again is no news. The drain that reads
# the sign-in runs before the spike's events are decided (events list
# drains), so a wrong alert would be queued before the spike alert.
assert_eq "$(login 127.0.0.6 admin "$ADMIN_PW")" 200 "second sign-in from .6"
sw events list --limit 1 >/dev/null || fail "events list"
log "new administrator address: alerted by webhook and e-mail"

# --- failed sign-in spike, suppression ------------------------------------------------

fail_logins 127.0.0.7 10
h=$(chk wait-hook "$D/hook" 20 login_spike failures=10) ||
    fail "spike alert: $h"
assert_eq "$(printf '%s' "$h" | json_get 'd["suppressed"]')" 0 \
    "first spike: suppressed"
m=$(chk wait-mail "$D/mail" 20 login_spike "failures: 10") ||
    fail "spike mail: $m"
assert_contains "$m" "warning login_spike: 10 failed sign-ins within 300 s" \
    "spike mail subject"
assert_eq "$(chk count-hook "$D/hook" admin_new_address address=127.0.0.6)" 1 \
    "new address alerts (the second sign-in from .6 is known)"

# A second spike at once: within min_interval_s, suppressed and counted.
fail_logins 127.0.0.7 10
for ((i = 0; i < 100; i++)); do
    sup=$(sw alerts status --json | json_get 'd["alerts"]["suppressed"]')
    [ "$sup" -ge 1 ] && break
    sleep 0.1
done
assert_eq "$sup" 1 "alerts suppressed after the second spike"
assert_eq "$(chk count-hook "$D/hook" login_spike)" 1 \
    "spike alerts at the receiver after the suppressed one"
# Spikes until min_interval_s has passed: the next alert reports the count.
for ((i = 0; i < 40; i++)); do
    [ "$(chk count-hook "$D/hook" login_spike)" -ge 2 ] && break
    fail_logins 127.0.0.7 10
    chk wait-hook "$D/hook" 2 login_spike --nth 2 >/dev/null 2>&1 || true
done
h=$(chk wait-hook "$D/hook" 20 login_spike --nth 2) ||
    fail "spike alert after the interval: $h"
sup=$(printf '%s' "$h" | json_get 'd["suppressed"]')
assert_ge "$sup" 1 "suppressed count in the spike alert after the interval"
m=$(chk wait-mail "$D/mail" 20 login_spike --nth 2) ||
    fail "second spike mail: $m"
assert_contains "$m" "suppressed: $sup" "second spike mail: suppressed count"
assert_contains "$m" "were suppressed by the rate limit" \
    "second spike mail reports the suppressed alerts"
log "spike: alerted, a second within the interval suppressed and reported"

# --- signatures and counters ------------------------------------------------------------

n=$(chk verify-sig "$D/hook" "$SECRET") || fail "signatures: $n"
log "$n webhook bodies signed with the secret"
st=$(sw alerts status --json) || fail "alerts status: $st"
assert_eq "$(printf '%s' "$st" | json_get 'd["alerts"]["channels"]["webhook"]["failed"]')" \
    0 "webhook failures"
assert_eq "$(printf '%s' "$st" | json_get 'd["alerts"]["channels"]["mail"]["failed"]')" \
    0 "mail failures"
assert_ge "$(printf '%s' "$st" | json_get 'd["alerts"]["channels"]["mail"]["sent"]')" \
    "$n" "mails sent (one per webhook body)"
stop_daemon
