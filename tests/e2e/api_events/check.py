#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Security event log and dashboard checks against the running daemon
(https://127.0.0.1:8887, SIP on 127.0.0.1:5060).

usage: check.py USERS_TXT SCANNER_IP BAD_LOGIN_IP

Raises real events (a REGISTER with a scanner User-Agent from SCANNER_IP,
failed sign-ins from BAD_LOGIN_IP), then checks /security-events (filters,
paging), /dashboard (live figures, attacks per hour, top addresses and
countries), both exports (CSV parsed with its header, JSON) and that a
tenant administrator is refused where the system administrator is not.
Uses only the standard library and tests/e2e/lib/sipclient.py.
"""

import csv
import io
import json
import secrets
import sys
import time

import sipclient
from api_session import Fail, Session

HOST, PORT = "127.0.0.1", 8887
SIP = ("127.0.0.1", 5060)
DOMAIN = "example.com"
ADMIN_PW = "Vq7#mR2p-Lx9w"


def login(s, user, pw, new=None):
    s.login(user, pw, new)


def scanner_register(source):
    """A REGISTER with a blacklisted User-Agent: dropped, banned, no
    answer expected."""
    t = sipclient.Transport("UDP", SIP, local_host=source)
    try:
        c = sipclient.Client(t, DOMAIN)
        data, _ = c.build("REGISTER", "sip:" + DOMAIN, "100", 1,
                          secrets.token_hex(8) + "@e2e", secrets.token_hex(4),
                          ["Contact: <sip:100@%s:%d>" % t.local,
                           "Expires: 60"])
        data = data.replace(b"User-Agent: sipwarden-e2e",
                            b"User-Agent: friendly-scanner")
        if b"friendly-scanner" not in data:
            raise Fail("could not set the scanner User-Agent")
        t.send(data)
    finally:
        t.close()
    print("ok  REGISTER with User-Agent friendly-scanner from " + source)


def register(user, pw):
    t = sipclient.Transport("UDP", SIP, local_host="127.0.0.1")
    try:
        c = sipclient.Client(t, DOMAIN)
        resp, _, _ = c.register(user, pw, expires=600)
        if resp.status != 200:
            raise Fail("REGISTER %s -> %d" % (user, resp.status))
    finally:
        t.close()
    print("ok  %s@%s registered" % (user, DOMAIN))


def wait_events(adm, query, pred, what, timeout_s=10.0):
    """Poll GET /security-events?QUERY (each call writes the daemon's
    queue first) until pred(doc) holds: a bounded wait on a condition for
    the worker to have handled a packet that gets no answer."""
    deadline = time.monotonic() + timeout_s
    while True:
        doc = adm.json(200, "GET", "/security-events" + query)
        if pred(doc):
            return doc
        if time.monotonic() > deadline:
            raise Fail("%s not seen within %.0f s: %r" % (what, timeout_s,
                                                           doc))


def parse_csv(raw, header):
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or rows[0] != header:
        raise Fail("CSV header %r, expected %r" % (rows[:1], header))
    if not text.endswith("\r\n"):
        raise Fail("CSV lines must end with CRLF")
    return [dict(zip(header, r)) for r in rows[1:]]


def attachment(hdrs, ext):
    disp = hdrs.get("content-disposition", "")
    if not disp.startswith("attachment;") or ("." + ext + '"') not in disp:
        raise Fail("Content-Disposition %r for a .%s attachment" % (disp, ext))


EVENT_HEADER = ["id", "at", "time", "kind", "address", "country", "detail"]
AUDIT_HEADER = ["id", "at", "time", "actor", "client_ip", "action", "target",
                "result", "tenant_id", "old", "new"]


def main():
    users_txt, scanner, bad_ip = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(users_txt) as f:
        aor, pw = f.readline().split()
    ext = aor.split("@")[0]

    anon = Session()
    for p in ("/security-events", "/dashboard", "/security-events/export",
              "/audit/export"):
        anon.expect(401, "GET", p)

    adm = Session()
    login(adm, "admin", "admin", new=ADMIN_PW)
    adm.json(201, "POST", "/tenants", {"domain": "other.test"})
    adm.json(201, "POST", "/admins",
             {"username": "ta", "password": "Kp4-zT8q!wRm",
              "role": "tenant_admin", "domain": DOMAIN})

    # Real events: a scanner and failed portal sign-ins.
    register(ext, pw)
    scanner_register(scanner)
    bad = Session(bad_ip)
    for _ in range(2):
        bad.expect(401, "POST", "/auth/login",
                   {"username": "admin", "password": "wrong-" + bad_ip})

    doc = wait_events(adm, "?address=" + scanner,
                      lambda d: {"ua_match", "ban"}
                      <= {e["kind"] for e in d["events"]},
                      "ua_match and ban of " + scanner)
    ua = [e for e in doc["events"] if e["kind"] == "ua_match"][0]
    if "friendly-scanner" not in ua["detail"] or ua["country"] != "CN":
        raise Fail("ua_match event: %r" % ua)
    if any(e["address"] != scanner for e in doc["events"]):
        raise Fail("address filter: %r" % doc)

    doc = adm.json(200, "GET", "/security-events?kind=login_failure")
    fails = [e for e in doc["events"] if e["address"] == bad_ip]
    if len(fails) != 2 or doc["total"] != len(doc["events"]):
        raise Fail("login_failure events: %r" % doc)
    if 'user="admin"' not in fails[0]["detail"]:
        raise Fail("login_failure detail: %r" % fails[0])
    if any(e["kind"] != "login_failure" for e in doc["events"]):
        raise Fail("kind filter: %r" % doc)

    # Newest first, paging with the total of the whole match.
    doc = adm.json(200, "GET", "/security-events")
    ids = [e["id"] for e in doc["events"]]
    if ids != sorted(ids, reverse=True) or doc["total"] < 4:
        raise Fail("order / total: %r" % doc)
    page = adm.json(200, "GET", "/security-events?limit=1&offset=1")
    if [e["id"] for e in page["events"]] != ids[1:2] \
            or page["total"] != doc["total"]:
        raise Fail("paging: %r" % page)
    for q, field in (("?kind=nope", "kind"), ("?limit=0", "limit"),
                     ("?limit=5000", "limit"), ("?since=x", "since")):
        _, raw = adm.expect(422, "GET", "/security-events" + q)
        if json.loads(raw).get("field") != field:
            raise Fail("problem of %s: %r" % (q, raw))

    # Dashboard.
    d = adm.json(200, "GET", "/dashboard")
    for k in ("registrations", "calls_active", "bans_active", "events_24h"):
        if not isinstance(d.get(k), int):
            raise Fail("dashboard %s: %r" % (k, d))
    if d["registrations"] < 1 or d["bans_active"] < 1 or d["events_24h"] < 4:
        raise Fail("dashboard figures: %r" % d)
    aph = d["attacks_per_hour"]
    hours = [h["hour"] for h in aph]
    if len(aph) != 24 or hours != sorted(hours) or \
            any(b - a != 3600 for a, b in zip(hours, hours[1:])) or \
            hours[-1] % 3600 or hours[-1] > time.time() or \
            aph[-1]["n"] < 1 or sum(h["n"] for h in aph) < 4:
        raise Fail("attacks_per_hour: %r" % aph)
    tops = {t["address"]: t for t in d["top_addresses"]}
    if scanner not in tops or tops[scanner]["country"] != "CN" or \
            bad_ip not in tops or tops[bad_ip]["n"] != 2:
        raise Fail("top_addresses: %r" % d["top_addresses"])
    if len(d["top_addresses"]) > 10 or \
            "CN" not in [c["country"] for c in d["top_countries"]]:
        raise Fail("top_countries: %r" % d["top_countries"])

    # Exports of the security events.
    hdrs, raw = adm.expect(200, "GET", "/security-events/export?format=csv")
    attachment(hdrs, "csv")
    if not hdrs.get("content-type", "").startswith("text/csv"):
        raise Fail("CSV content type %r" % hdrs.get("content-type"))
    rows = parse_csv(raw, EVENT_HEADER)
    full = adm.json(200, "GET", "/security-events?limit=1000")
    if len(rows) != full["total"]:
        raise Fail("CSV has %d rows, the log %d" % (len(rows), full["total"]))
    by_id = {e["id"]: e for e in full["events"]}
    for r in rows:
        e = by_id[int(r["id"])]
        if (r["kind"], r["address"], r["detail"], int(r["at"])) != \
                (e["kind"], e["address"], e["detail"], e["at"]):
            raise Fail("CSV row %r differs from %r" % (r, e))
    hdrs, raw = adm.expect(
        200, "GET", "/security-events/export?format=json&kind=ua_match")
    attachment(hdrs, "json")
    doc = json.loads(raw)
    if not doc["events"] or any(e["kind"] != "ua_match"
                                for e in doc["events"]) or doc["truncated"]:
        raise Fail("JSON export: %r" % doc)
    adm.expect(422, "GET", "/security-events/export?format=xml")

    # Audit export: everything for the system administrator, the tenant's
    # entries only for a tenant administrator.
    hdrs, raw = adm.expect(200, "GET", "/audit/export")
    attachment(hdrs, "csv")
    rows = parse_csv(raw, AUDIT_HEADER)
    actions = {r["action"] for r in rows}
    if not {"auth.login", "tenant.add", "admin.add"} <= actions:
        raise Fail("audit export actions: %r" % actions)
    ta = Session()
    login(ta, "ta", "Kp4-zT8q!wRm", new="Rt5-mW2x!pLc")
    me = ta.json(200, "GET", "/auth/me")
    ta.json(201, "POST", "/tenants/%s/users" % DOMAIN,
            {"ext": "110", "generate_password": True})
    hdrs, raw = ta.expect(200, "GET", "/audit/export?format=csv")
    rows = parse_csv(raw, AUDIT_HEADER)
    if not rows or any(int(r["tenant_id"]) != me["tenant_id"] for r in rows):
        raise Fail("tenant admin's audit export: %r" % rows)
    if "user.add" not in {r["action"] for r in rows}:
        raise Fail("tenant admin's audit export lacks user.add: %r" % rows)
    hdrs, raw = ta.expect(200, "GET", "/audit/export?format=json")
    doc = json.loads(raw)
    if any(e["tenant_id"] != me["tenant_id"] for e in doc["entries"]):
        raise Fail("tenant admin's JSON audit export: %r" % doc)
    for p in ("/security-events", "/security-events/export", "/dashboard"):
        _, raw = ta.expect(403, "GET", p)
        if json.loads(raw).get("rule") != "role":
            raise Fail("403 of %s: %r" % (p, raw))
    print("all event checks passed")


if __name__ == "__main__":
    try:
        main()
    except (Fail, sipclient.SipError, OSError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
