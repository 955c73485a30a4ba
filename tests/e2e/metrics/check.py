#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""GET /metrics against the running daemon (https://127.0.0.1:8887, SIP on
127.0.0.1:5060), after run.sh's SIPp registrations (4 with the right
password, 4 with a wrong one) and calls (one answered, one refused).

usage: check.py DOMAIN

Sends an OPTIONS (200), a request with a bad CSeq (400) and a scanner
OPTIONS from 127.0.0.5 (dropped and banned), then fetches /metrics with
curl and parses it with prometheus_client's text parser (Debian
python3-prometheus-client): the counters must cover the traffic, exactly
one ban is active, registrations are 4, and every histogram is sound
(cumulative buckets, le="+Inf" equal to _count). Then the access rules:
from 127.0.0.6 no token -> 403, a system administrator's token -> 200, a
tenant administrator's token -> 403, a bad token -> 401.
"""

import secrets
import subprocess
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

import sipclient
from api_session import Fail, Session

HOST, PORT = "127.0.0.1", 8887
SIP = ("127.0.0.1", 5060)
SCANNER = "127.0.0.5"
OTHER = "127.0.0.6"
ADMIN_PW = "Vq7#mR2p-Lx9w"


def ok(msg):
    print("ok  " + msg)


def login(user, pw, new):
    s = Session(verbose=False)
    s.login(user, pw, new)
    return s


def curl(source, token=None):
    """GET /metrics with curl from 'source': (status, content type, body)."""
    cmd = ["curl", "-sk", "--max-time", "10", "--interface", source,
           "-A", "sipwarden-e2e", "-o", "-", "-w",
           "\n%{http_code} %{content_type}",
           "https://%s:%d/metrics" % (HOST, PORT)]
    if token:
        cmd += ["-H", "Authorization: Bearer " + token]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        raise Fail("curl from %s failed (%d): %s" % (source, out.returncode,
                                                     out.stderr))
    body, _, tail = out.stdout.rpartition("\n")
    code, _, ctype = tail.partition(" ")
    return int(code), ctype, body


def sip_traffic(domain):
    t = sipclient.Transport("UDP", SIP, local_host="127.0.0.1")
    try:
        c = sipclient.Client(t, domain)
        r = c.request("OPTIONS", "sip:" + domain, "1000")
        if r.status != 200:
            raise Fail("OPTIONS -> %d" % r.status)
        r = c.request("OPTIONS", "sip:" + domain, "1000",
                      cseq_raw="x OPTIONS")
        if r.status != 400:
            raise Fail("OPTIONS with a bad CSeq -> %d" % r.status)
    finally:
        t.close()
    ok("OPTIONS -> 200, bad CSeq -> 400")
    t = sipclient.Transport("UDP", SIP, local_host=SCANNER)
    try:
        c = sipclient.Client(t, domain)
        data, _ = c.build("OPTIONS", "sip:" + domain, "100", 1,
                          secrets.token_hex(8) + "@e2e", secrets.token_hex(4))
        data = data.replace(b"User-Agent: sipwarden-e2e",
                            b"User-Agent: friendly-scanner")
        t.send(data)
    finally:
        t.close()
    ok("OPTIONS with User-Agent friendly-scanner from " + SCANNER)


def parse(text):
    """{family name: family} and {(sample name, labels tuple): value}."""
    fams = {}
    samples = {}
    for f in text_string_to_metric_families(text):
        fams[f.name] = f
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return fams, samples


def value(samples, name, **labels):
    key = (name, tuple(sorted(labels.items())))
    if key not in samples:
        raise Fail("no sample %s%r" % (name, labels))
    return samples[key]


def total(samples, name):
    return sum(v for (n, _), v in samples.items() if n == name)


def at_least(samples, name, want, **labels):
    v = value(samples, name, **labels)
    if v < want:
        raise Fail("%s%r = %s, expected >= %s" % (name, labels, v, want))


def check_histograms(fams):
    n_hist = 0
    for f in fams.values():
        if f.type != "histogram":
            continue
        groups = {}
        for s in f.samples:
            lab = {k: v for k, v in s.labels.items() if k != "le"}
            key = tuple(sorted(lab.items()))
            g = groups.setdefault(key, {"buckets": [], "sum": None,
                                        "count": None})
            if s.name.endswith("_bucket"):
                le = s.labels["le"]
                g["buckets"].append((float(le), s.value))
            elif s.name.endswith("_sum"):
                g["sum"] = s.value
            elif s.name.endswith("_count"):
                g["count"] = s.value
        for key, g in groups.items():
            b = g["buckets"]
            what = "%s%r" % (f.name, key)
            if not b or b[-1][0] != float("inf"):
                raise Fail(what + ": no le=\"+Inf\" bucket last")
            if [x[0] for x in b] != sorted(x[0] for x in b):
                raise Fail(what + ": bounds not ascending")
            if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
                raise Fail(what + ": buckets not cumulative")
            if g["count"] is None or b[-1][1] != g["count"]:
                raise Fail(what + ": +Inf %s != _count %s"
                           % (b[-1][1], g["count"]))
            if g["sum"] is None or g["sum"] < 0 or (g["count"] == 0
                                                    and g["sum"] != 0):
                raise Fail(what + ": _sum %s" % g["sum"])
            n_hist += 1
    return n_hist


def fetch_until(pred, what, timeout_s=15.0):
    """Poll /metrics from 127.0.0.1 until pred(samples) holds (the scanner's
    packet gets no answer: the ban is the event to wait for)."""
    deadline = time.monotonic() + timeout_s
    while True:
        code, ctype, body = curl("127.0.0.1")
        if code != 200:
            raise Fail("/metrics from 127.0.0.1 -> %d: %s" % (code, body[:300]))
        fams, samples = parse(body)
        if pred(samples):
            return ctype, body, fams, samples
        if time.monotonic() > deadline:
            raise Fail("%s not seen within %.0f s" % (what, timeout_s))
        time.sleep(0.1)


def main():
    domain = sys.argv[1]
    adm = login("admin", "admin", ADMIN_PW)
    sip_traffic(domain)

    ctype, body, fams, samples = fetch_until(
        lambda s: total(s, "sipwarden_bans_active") >= 1,
        "the ban of " + SCANNER)
    if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
        raise Fail("Content-Type %r" % ctype)
    ok("/metrics from 127.0.0.1: %d families parsed, %s" % (len(fams), ctype))
    for line in body.splitlines():
        if line.startswith("# TYPE ") and line.split()[2].startswith(
                "sipwarden_") is False:
            raise Fail("family without the prefix: " + line)

    if total(samples, "sipwarden_bans_active") != 1:
        raise Fail("bans active: %r" % total(samples, "sipwarden_bans_active"))
    if total(samples, "sipwarden_bans_total") < 1:
        raise Fail("bans total < 1")
    at_least(samples, "sipwarden_shield_drops_total", 1, reason="ua")
    # 4 from SIPp, the phone of the calls.
    if value(samples, "sipwarden_registrations_active") != 5:
        raise Fail("registrations active %r"
                   % value(samples, "sipwarden_registrations_active"))
    # SIPp: 4 x (401, 200) and 4 x (401, 401); the wrong passwords fail.
    at_least(samples, "sipwarden_register_responses_total", 4, status="200")
    at_least(samples, "sipwarden_register_responses_total", 12, status="401")
    value(samples, "sipwarden_register_responses_total", status="403")
    at_least(samples, "sipwarden_auth_failures_total", 4)
    at_least(samples, "sipwarden_auth_successes_total", 4)
    # 16 REGISTERs, 2 OPTIONS from 127.0.0.1, the scanner's one.
    at_least(samples, "sipwarden_sip_packets_received_total", 19,
             transport="udp")
    value(samples, "sipwarden_sip_packets_received_total", transport="tls")
    at_least(samples, "sipwarden_sip_messages_parsed_total", 17)
    at_least(samples, "sipwarden_sip_messages_bad_total", 1)
    at_least(samples, "sipwarden_sip_bad_requests_answered_total", 1)
    at_least(samples, "sipwarden_security_events_total", 1, kind="ua_match")
    at_least(samples, "sipwarden_security_events_total", 1, kind="ban")
    # One call answered and hung up, one refused.
    if value(samples, "sipwarden_calls_active") != 0:
        raise Fail("calls active after both ended")
    at_least(samples, "sipwarden_calls_started_total", 2)
    at_least(samples, "sipwarden_calls_answered_total", 1)
    at_least(samples, "sipwarden_calls_refused_total", 1,
             rule="role_internal_only")
    if total(samples, "sipwarden_calls_refused_total") != 1:
        raise Fail("refusals: %r" % total(samples,
                                          "sipwarden_calls_refused_total"))
    at_least(samples, "sipwarden_security_events_total", 1,
             kind="call_refused")
    at_least(samples, "sipwarden_sip_request_duration_seconds_count", 2,
             method="invite")
    for n in ("sipwarden_fraud_warnings_total",
              "sipwarden_fraud_suspensions_total"):
        value(samples, n)
    # Histograms: the SIP classes and the HTTP handlers.
    if check_histograms(fams) < 4:
        raise Fail("histograms missing: %r" % [f.name for f in fams.values()
                                                if f.type == "histogram"])
    at_least(samples, "sipwarden_sip_request_duration_seconds_count", 16,
             method="register")
    at_least(samples, "sipwarden_sip_request_duration_seconds_count", 1,
             method="other")
    at_least(samples, "sipwarden_http_handler_duration_seconds_count", 1)
    at_least(samples, "sipwarden_http_requests_total", 2)
    at_least(samples, "sipwarden_http_responses_total", 1, **{"class": "2xx"})
    ok("counters match the traffic; 1 ban active; histograms sound")

    # Access from a source outside [metrics] allow.
    code, ctype, body = curl(OTHER)
    if code != 403 or "problem+json" not in ctype:
        raise Fail("no token from %s -> %d %s" % (OTHER, code, ctype))
    doc = adm.json(201, "POST", "/auth/tokens", {"label": "metrics"})
    sys_token = doc["token"]
    code, ctype, body = curl(OTHER, sys_token)
    if code != 200:
        raise Fail("system token from %s -> %d: %s" % (OTHER, code, body))
    parse(body)
    adm.expect(201, "POST", "/admins",
               {"username": "ta", "password": "Kp4-zT8q!wRm",
                "role": "tenant_admin", "domain": domain})
    ta = login("ta", "Kp4-zT8q!wRm", "Rt5-mW2x!pLc")
    doc = ta.json(201, "POST", "/auth/tokens", {"label": "metrics"})
    code, ctype, body = curl(OTHER, doc["token"])
    if code != 403:
        raise Fail("tenant token from %s -> %d: %s" % (OTHER, code, body))
    code, ctype, body = curl(OTHER, "not-a-token")
    if code != 401:
        raise Fail("bad token from %s -> %d: %s" % (OTHER, code, body))
    ok("from %s: no token 403, system token 200, tenant token 403, bad "
       "token 401" % OTHER)
    print("metrics: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except (Fail, sipclient.SipError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
