#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""REST API checks against the running daemon (https://127.0.0.1:8887).

Every check prints what it did; the first failure raises with the request,
the status and the body. Uses only the standard library.
"""

import http.client
import json
import ssl
import sys

HOST, PORT = "127.0.0.1", 8887
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class Fail(Exception):
    pass


class Session:
    def __init__(self, source="127.0.0.1"):
        self.cookie = None
        self.csrf = None
        self.bearer = None
        self.source = source

    def call(self, method, path, body=None, csrf=True, headers=None):
        c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=5,
                                        source_address=(self.source, 0))
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and csrf:
            h["X-CSRF-Token"] = self.csrf
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        c.request(method, "/api/v1" + path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        doc = None
        if raw:
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = raw
        return r.status, hdrs, doc

    def expect(self, status, method, path, body=None, **kw):
        st, hdrs, doc = self.call(method, path, body, **kw)
        if st != status:
            raise Fail("%s %s -> %d (expected %d): %s"
                       % (method, path, st, status, doc))
        print("ok  %s %s -> %d" % (method, path, st))
        return hdrs, doc


def problem(doc, field=None, rule=None):
    if not isinstance(doc, dict) or "status" not in doc or "title" not in doc:
        raise Fail("not a problem document: %r" % (doc,))
    if field is not None and doc.get("field") != field:
        raise Fail("problem field %r, expected %r: %r"
                   % (doc.get("field"), field, doc))
    if rule is not None and doc.get("rule") != rule:
        raise Fail("problem rule %r, expected %r: %r"
                   % (doc.get("rule"), rule, doc))


def login(s, user, pw, new=None, status=200):
    body = {"username": user, "password": pw}
    if new:
        body["new_password"] = new
    hdrs, doc = s.expect(status, "POST", "/auth/login", body)
    if status == 200:
        cookie = hdrs.get("set-cookie", "")
        for part in ("Secure", "HttpOnly", "SameSite=Strict"):
            if part not in cookie:
                raise Fail("session cookie lacks %s: %s" % (part, cookie))
        s.cookie = cookie.split(";")[0]
        s.csrf = doc["csrf_token"]
    return doc


def main():
    anon = Session()
    hdrs, doc = anon.expect(401, "GET", "/tenants")
    problem(doc, rule="session")
    for h, want in (("strict-transport-security", "max-age="),
                    ("content-security-policy", "frame-ancestors 'none'"),
                    ("cache-control", "no-store"),
                    ("content-type", "application/problem+json"),
                    ("x-content-type-options", "nosniff")):
        if want not in hdrs.get(h, ""):
            raise Fail("header %s lacks %r: %r" % (h, want, hdrs.get(h)))
    if "server" in hdrs:
        raise Fail("a Server header is sent: " + hdrs["server"])

    # First sign-in: admin/admin must change its password, under the
    # administrator rules.
    adm = Session()
    _, doc = adm.expect(403, "POST", "/auth/login",
                        {"username": "admin", "password": "admin"})
    problem(doc, "new_password", "must_change")
    for weak, rule in (("short1!", "too_short"), ("NoDigitsHere!", "no_digit"),
                       ("Abcd1234!x", "sequence"), ("Aaa7-kkk-Q", "repeat"),
                       ("xadmin-9Q!z", "account_info")):
        _, doc = adm.expect(422, "POST", "/auth/login",
                            {"username": "admin", "password": "admin",
                             "new_password": weak})
        problem(doc, "new_password", rule)
    login(adm, "admin", "admin", new="Vq7#mR2p-Lx9w")
    adm.expect(401, "POST", "/auth/login",
               {"username": "admin", "password": "admin"})

    # CSRF: a cookie session must send its token on changes.
    _, doc = adm.expect(403, "POST", "/tenants", {"domain": "example.com"},
                        csrf=False)
    problem(doc, "X-CSRF-Token", "csrf")
    adm.expect(201, "POST", "/tenants", {"domain": "example.com"})
    adm.expect(201, "POST", "/tenants", {"domain": "other.test"})
    _, doc = adm.expect(409, "POST", "/tenants", {"domain": "example.com"})
    problem(doc)
    _, doc = adm.expect(422, "POST", "/tenants", {"domain": "bad domain"})
    problem(doc, "domain")
    _, doc = adm.expect(422, "POST", "/tenants", {"domain": "x.test",
                                                 "color": "red"})
    problem(doc, "color")

    # Users: create, read, update, delete, list paging / sorting / filter.
    for ext, role in (("100", "standard"), ("101", "international"),
                      ("102", "standard")):
        adm.expect(201, "POST", "/tenants/example.com/users",
                   {"ext": ext, "role": role, "generate_password": True})
    _, doc = adm.expect(422, "POST", "/tenants/example.com/users",
                        {"ext": "103", "sip_password": "123"})
    problem(doc, "sip_password")
    _, doc = adm.expect(200, "GET", "/tenants/example.com/users?limit=2&sort=-ext")
    if doc["total"] != 3 or [u["ext"] for u in doc["users"]] != ["102", "101"]:
        raise Fail("paging/sorting: %r" % doc)
    _, doc = adm.expect(200, "GET", "/tenants/example.com/users?role=standard")
    if sorted(u["ext"] for u in doc["users"]) != ["100", "102"]:
        raise Fail("filter: %r" % doc)
    _, doc = adm.expect(200, "PATCH", "/tenants/example.com/users/101",
                        {"role": "admin"})
    if doc["user"]["role"] != "admin":
        raise Fail("update: %r" % doc)
    adm.expect(200, "DELETE", "/tenants/example.com/users/102")
    _, doc = adm.expect(404, "DELETE", "/tenants/example.com/users/102")
    problem(doc)

    # A few more resources through the same table.
    adm.expect(200, "PUT", "/tenants/example.com/profile",
               {"country_code": "44", "time_zone": "UTC"})
    adm.expect(201, "POST", "/trunks", {"name": "prov", "kind": "ip",
                                        "networks": "192.0.2.0/24"})
    adm.expect(201, "POST", "/tenants/example.com/outbound-rules",
               {"name": "all", "trunks": ["prov"]})
    _, doc = adm.expect(200, "GET", "/tenants/example.com/emergency-numbers")
    if {"999", "112"} - {n["number"] for n in doc["numbers"]}:
        raise Fail("emergency numbers not seeded: %r" % doc)
    adm.expect(201, "POST", "/ip-rules/allow", {"net": "198.51.100.0/24"})
    _, doc = adm.expect(200, "GET", "/ip-rules")
    if doc["total"] != 1:
        raise Fail("ip rules: %r" % doc)
    adm.expect(200, "DELETE", "/ip-rules?net=198.51.100.0/24")
    adm.expect(200, "GET", "/security")
    adm.expect(200, "GET", "/bans")
    adm.expect(200, "GET", "/tenants/example.com/cdrs")

    # An API token works without CSRF.
    _, doc = adm.expect(201, "POST", "/auth/tokens", {"label": "ci"})
    tok = Session()
    tok.bearer = doc["token"]
    tok.expect(201, "POST", "/tenants/example.com/groups", {"name": "sales"})
    t = doc["token"]
    tok.bearer = ("A" if t[0] != "A" else "B") + t[1:]
    tok.expect(401, "GET", "/tenants")

    # Roles: a tenant administrator sees its own tenant only; a user sees
    # nothing but its own records.
    adm.expect(201, "POST", "/admins",
               {"username": "ta", "password": "Kp4-zT8q!wRm", "role":
                "tenant_admin", "domain": "example.com"})
    adm.expect(201, "POST", "/admins",
               {"username": "u100", "password": "Hy6-vB3n!qZx", "role":
                "user", "domain": "example.com", "ext": "100"})
    ta = Session()
    login(ta, "ta", "Kp4-zT8q!wRm", new="Rt5-mW2x!pLc")
    ta.expect(200, "GET", "/tenants/example.com/users")
    ta.expect(201, "POST", "/tenants/example.com/users",
              {"ext": "110", "generate_password": True})
    for m, p in (("GET", "/tenants/other.test/users"), ("GET", "/tenants"),
                 ("GET", "/trunks"), ("GET", "/security"),
                 ("POST", "/ip-rules/block")):
        _, doc = ta.expect(403, m, p, {} if m == "POST" else None)
        problem(doc, rule="role")
    ta.expect(403, "POST", "/admins", {"username": "evil", "password":
                                       "Kp4-zT8q!wRm", "role":
                                       "system_admin"})
    us = Session()
    login(us, "u100", "Hy6-vB3n!qZx", new="Gw8-cN4k!sTd")
    us.expect(200, "GET", "/tenants/example.com/registrations")
    us.expect(200, "GET", "/tenants/example.com/cdrs")
    for m, p in (("GET", "/tenants/example.com/users"),
                 ("POST", "/tenants/example.com/users"),
                 ("GET", "/admins"), ("GET", "/audit")):
        _, doc = us.expect(403, m, p, {} if m == "POST" else None)

    # The audit log names who changed what, from where; no secrets.
    _, doc = adm.expect(200, "GET", "/audit?action=tenant.")
    acts = [(e["actor"], e["action"], e["result"]) for e in doc["entries"]]
    if ("admin", "tenant.add", "ok") not in acts:
        raise Fail("audit: %r" % acts)
    _, doc = adm.expect(200, "GET", "/audit?action=user.add")
    if any("sip_password" in json.dumps(e.get("new", {})) and
           "[redacted]" not in json.dumps(e.get("new", {}))
           for e in doc["entries"]):
        raise Fail("a secret in the audit log: %r" % doc)

    # OpenAPI lists every route.
    _, doc = adm.expect(200, "GET", "/openapi.json")
    for p in ("/api/v1/tenants/{domain}/users/{ext}", "/api/v1/auth/login",
              "/api/v1/trunks", "/api/v1/admins"):
        if p not in doc["paths"]:
            raise Fail("OpenAPI lacks " + p)

    # Sessions: list and logout.
    _, doc = adm.expect(200, "GET", "/auth/sessions")
    if not doc["sessions"]:
        raise Fail("no sessions listed")
    adm.expect(204, "POST", "/auth/logout", {})
    adm.expect(401, "GET", "/tenants")

    # Web login protection: the 5th failure from 127.0.0.7 within the
    # period blocks it (429) and bans it in the shield; even the right
    # password is refused then; others are not affected.
    bad = Session("127.0.0.7")
    for _ in range(4):
        bad.expect(401, "POST", "/auth/login",
                   {"username": "admin", "password": "nope"})
    bad.expect(429, "POST", "/auth/login",
               {"username": "admin", "password": "nope"})
    # Then even the right password is refused: 429 from the portal, or no
    # connection at all once the ban reached the kernel (nftables).
    try:
        st, hdrs, doc = bad.call("POST", "/auth/login",
                                 {"username": "admin",
                                  "password": "Vq7#mR2p-Lx9w"})
        if st != 429 or "retry-after" not in hdrs:
            raise Fail("blocked address got %d %r" % (st, doc))
        print("ok  blocked address refused (429)")
    except (TimeoutError, OSError) as e:
        print("ok  blocked address dropped by the kernel (%s)" % e)
    login(Session(), "admin", "Vq7#mR2p-Lx9w")
    print("all API checks passed")


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("FAIL: %s" % e)
        sys.exit(1)
