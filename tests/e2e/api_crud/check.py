#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every REST resource, every role: one table (RESOURCES) drives the test.

check.py runs against the daemon at https://127.0.0.1:8887 (SIP on
127.0.0.1:5060). For each resource of the table the system administrator
creates an object (201, the object comes back), reads it (in the list and,
where there is one, on its own), changes it where the API can, sees each
validation error (422 problem+json naming the member in "field", with a
"rule"), deletes it (gone, a second delete 404). Between the read and the
change, while the object exists, the permission matrix on every route of
the resource: a tenant administrator of another tenant, a user-role
account and a tenant administrator on system resources get 403 (rule
"role"), no credentials 401 (rule "session"), a cookie session without
its CSRF token 403 on a change (rule "csrf"). Tenant-scoped resources
then run the whole cycle again as the tenant's own administrator.

The table must cover the API: /api/v1/openapi.json is read and every path
and method must be in the table or in COVERED_ELSEWHERE, and every route
of the table must be served. The first wrong answer fails the run with the
request and the response body. Standard library only (plus the suite's
tests/e2e/lib/sipclient.py for two registrations and two refused calls).
"""

import http.client
import json
import secrets
import ssl
import sys
import time

import sipclient

HOST, PORT = "127.0.0.1", 8887
SIP = ("127.0.0.1", 5060)
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

D = "a.test"      # the tenant under test
O = "b.test"      # another tenant
ADMIN_PW = "Vq7#mR2p-Lx9w"
SIP_PW = {"100": "Kw7-pZ3x!mQv", "101": "Jt4-hR8c!nLs", "200": "Bn5-qX2w!rTz"}
ACCOUNTS = {  # username: (role, domain, ext, first password, own password)
    "ta": ("tenant_admin", D, None, "Kp4-zT8q!wRm", "Rt5-mW2x!pLc"),
    "tb": ("tenant_admin", O, None, "Mz6-rK9p!tWq", "Pq3-vD7n!xHs"),
    "u100": ("user", D, "100", "Hy6-vB3n!qZx", "Gw8-cN4k!sTd"),
}

# Routes of the API tested by another e2e case, each with where and why.
COVERED_ELSEWHERE = {
    # sign-in with the forced change, refused credentials and the web
    # login protection: api_rest (and the setup of this test)
    "POST /api/v1/auth/login": "api_rest",
    # end of a session, cookie cleared: api_rest
    "POST /api/v1/auth/logout": "api_rest",
    # who is signed in, must_enrol_2fa: api_rest, admin_access
    "GET /api/v1/auth/me": "api_rest, admin_access",
    # TOTP enrolment and confirmation with computed codes: admin_access
    "POST /api/v1/auth/2fa/enrol": "admin_access",
    "POST /api/v1/auth/2fa/confirm": "admin_access",
    # opening a support session from a link (valid, revoked, expired):
    # admin_access
    "GET /api/v1/support/{token}": "admin_access",
    # the description itself: read by this test for the coverage check,
    # and by api_rest
    "GET /api/v1/openapi.json": "api_crud (coverage), api_rest",
    # Prometheus text: allowed sources, system/tenant tokens: metrics
    "GET /metrics": "metrics",
    # phone provisioning (enable, list, rotate, disable; a tenant admin of
    # another tenant refused; the files served by the tokens): provisioning
    "GET /api/v1/provisioning": "provisioning",
    "POST /api/v1/provisioning": "provisioning",
    "DELETE /api/v1/provisioning/{user}": "provisioning",
    "POST /api/v1/provisioning/{user}/rotate": "provisioning",
    "GET /api/v1/tenants/{domain}/provisioning": "provisioning",
    "POST /api/v1/tenants/{domain}/provisioning": "provisioning",
    "DELETE /api/v1/tenants/{domain}/provisioning/{ext}": "provisioning",
    "POST /api/v1/tenants/{domain}/provisioning/{ext}/rotate": "provisioning",
    # the security checklist, equal to `sipwarden audit --json`, a tenant
    # administrator refused: audit_cli (and the portal's checklist page)
    "GET /api/v1/security-checklist": "audit_cli, portal",
}


class Fail(Exception):
    pass


CHECKS = [0]


def ok(msg):
    CHECKS[0] += 1
    print("ok  " + msg)


def dump(doc):
    text = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text[:600]


# ---- the client ------------------------------------------------------------

class Client:
    """One caller: a cookie session (+ CSRF token), a bearer token, or
    nobody. 'csrf' False leaves the X-CSRF-Token header out."""

    def __init__(self, name, cookie=None, csrf_token=None, bearer=None,
                 csrf=True):
        self.name = name
        self.cookie = cookie
        self.csrf_token = csrf_token
        self.bearer = bearer
        self.csrf = csrf

    def without_csrf(self):
        return Client(self.name + " without CSRF", self.cookie,
                      self.csrf_token, None, csrf=False)

    def call(self, method, path, body=None):
        c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=10)
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.cookie and self.csrf and self.csrf_token:
            h["X-CSRF-Token"] = self.csrf_token
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        c.request(method, "/api/v1" + path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        doc = raw
        if raw and hdrs.get("content-type", "").startswith(
                ("application/json", "application/problem+json")):
            try:
                doc = json.loads(raw)
            except ValueError:
                raise Fail("%s %s as %s: body is not JSON: %r"
                           % (method, path, self.name, raw[:300]))
        return r.status, hdrs, doc

    def expect(self, status, method, path, body=None, field=None, rule=None,
               what=""):
        """The answer must have 'status'; an error must be problem+json
        (with 'field' and 'rule' when given; rule True: any non-empty)."""
        st, hdrs, doc = self.call(method, path, body)
        req = "%s /api/v1%s as %s%s" % (method, path, self.name,
                                        " body " + json.dumps(body)
                                        if body is not None else "")
        if st != status:
            raise Fail("%s -> %d (expected %d): %s"
                       % (req, st, status, dump(doc)))
        if st >= 400:
            ct = hdrs.get("content-type", "")
            if not ct.startswith("application/problem+json") \
                    or not isinstance(doc, dict) or doc.get("status") != st:
                raise Fail("%s -> %d is not problem+json (%s): %s"
                           % (req, st, ct, dump(doc)))
            if field is not None and doc.get("field") != field:
                raise Fail("%s -> %d: field %r, expected %r: %s"
                           % (req, st, doc.get("field"), field, dump(doc)))
            if rule is True:
                if not isinstance(doc.get("rule"), str) or not doc["rule"]:
                    raise Fail("%s -> %d: no rule: %s" % (req, st, dump(doc)))
            elif rule is not None and doc.get("rule") != rule:
                raise Fail("%s -> %d: rule %r, expected %r: %s"
                           % (req, st, doc.get("rule"), rule, dump(doc)))
        ok("%s %s as %s -> %d%s%s" % (
            method, path, self.name, st,
            " field=%s" % doc.get("field") if st >= 400 and field else "",
            " rule=%s" % doc.get("rule") if st >= 400 and rule else "")
           + (" (%s)" % what if what else ""))
        return hdrs, doc


def login(name, pw, new=None):
    body = {"username": name, "password": pw}
    if new:
        body["new_password"] = new
    hdrs, doc = Client("anonymous").expect(200, "POST", "/auth/login", body)
    return Client(name, hdrs.get("set-cookie", "").split(";")[0],
                  doc["csrf_token"])


# ---- comparing -------------------------------------------------------------

ABSENT = "<absent>"  # want {"member": ABSENT}: the member must not be there


def subset(got, want, where):
    """Every member of 'want' is in 'got' with that value (a callable
    value is a predicate)."""
    if not isinstance(got, dict):
        raise Fail("%s: not an object: %s" % (where, dump(got)))
    for k, v in want.items():
        g = got.get(k, ABSENT)
        if isinstance(v, dict) and isinstance(g, dict):
            subset(g, v, "%s: %s" % (where, k))
            continue
        good = v(g) if callable(v) else g == v
        if not good:
            raise Fail("%s: %s = %r, expected %r: %s"
                       % (where, k, g,
                          v.__doc__ if callable(v) and v.__doc__ else v,
                          dump(got)))


def dig(doc, key):
    if key is None:
        return doc
    for part in key.split("."):
        if not isinstance(doc, dict) or part not in doc:
            raise Fail("no %r in %s" % (key, dump(doc)))
        doc = doc[part]
    return doc


def fmt(text, ctx):
    return text.format(**ctx) if isinstance(text, str) else text


def fmt_body(body, ctx):
    if isinstance(body, dict):
        return {k: fmt_body(v, ctx) for k, v in body.items()}
    if isinstance(body, list):
        return [fmt_body(v, ctx) for v in body]
    return fmt(body, ctx)


def is_str(v):
    """a non-empty string"""
    return isinstance(v, str) and v != ""


# ---- helpers for the resources that need more than the API -----------------

def sip_register(ext):
    t = sipclient.Transport("UDP", SIP, local_host="127.0.0.1")
    try:
        c = sipclient.Client(t, D)
        resp, _, _ = c.register(ext, SIP_PW[ext], expires=300)
    finally:
        t.close()
    if resp.status != 200:
        raise Fail("REGISTER %s@%s -> %d" % (ext, D, resp.status))
    ok("REGISTER %s@%s -> 200" % (ext, D))


def sip_call(ext, number, want=None):
    """An authenticated INVITE from ext that the daemon refuses (with
    status 'want' when given); every refused call has a CDR."""
    t = sipclient.Transport("UDP", SIP, local_host="127.0.0.1")
    try:
        c = sipclient.Client(t, D)
        ruri = "sip:%s@%s" % (number, D)
        cid = secrets.token_hex(10) + "@crud"
        tag = secrets.token_hex(5)
        hdrs = ["Contact: " + c.contact_for(ext)]
        resp = None
        for cseq in (1, 2):
            data, branch = c.build("INVITE", ruri, ext, cseq, cid, tag, hdrs,
                                   to_user=number)
            resp = c.transact(data, branch)
            ack, _ = c.build("ACK", ruri, ext, cseq, cid, tag,
                             branch=branch, to_user=number)
            t.send(ack)
            if resp.status != 407:
                break
            ch = sipclient.parse_challenge(resp.get("Proxy-Authenticate"))
            hdrs = hdrs + ["Proxy-Authorization: "
                           + sipclient.digest_authorization(
                               ch, ext, SIP_PW[ext], "INVITE", ruri)]
    finally:
        t.close()
    if resp.status < 400 or resp.status == 407 \
            or (want and resp.status != want):
        raise Fail("INVITE %s from %s -> %d %s (expected %s)"
                   % (number, ext, resp.status, resp.reason,
                      want or "a refusal"))
    ok("INVITE %s from %s@%s -> %d" % (number, ext, D, resp.status))


def poll(what, fn, seconds=10.0):
    """Bounded poll of a condition the daemon reaches asynchronously."""
    deadline = time.monotonic() + seconds
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            raise Fail("%s: not seen within %.0f s" % (what, seconds))
        time.sleep(0.1)


def prepare_suspension(env, who, ctx):
    """A real suspension: a fraud rule for 101 critical at one external
    destination, an outbound rule its call matches, and the call (refused
    403, 101 suspended). The two rules go again at once."""
    n = env["susp_calls"] = env.get("susp_calls", 0) + 1
    _, doc = who.expect(201, "POST", "/tenants/%s/outbound-rules" % D,
                        {"name": "susp", "prefix": "0", "trunks": ["prov"]})
    _, doc = who.expect(201, "POST", "/tenants/%s/fraud-rules" % D,
                        {"ext": "101", "metric": "destinations",
                         "window_s": 3600, "warning": 1, "critical": 1})
    rule_id = doc["fraud_rule"]["id"]
    sip_call("101", "0207946%04d" % n, 403)
    who.expect(200, "DELETE", "/tenants/%s/fraud-rules/%d" % (D, rule_id))
    who.expect(200, "DELETE", "/tenants/%s/outbound-rules/susp" % D)
    return {}


def prepare_ban(env, who, ctx):
    """Five failed sign-ins from 127.0.0.7 ban it (web login protection)."""
    bad = {"username": "admin", "password": "wrong-%d" % time.time()}
    for _ in range(4):
        c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=10,
                                        source_address=("127.0.0.7", 0))
        c.request("POST", "/api/v1/auth/login", json.dumps(bad).encode(),
                  {"Content-Type": "application/json"})
        st = c.getresponse().status
        c.close()
        if st != 401:
            raise Fail("failed sign-in from 127.0.0.7 -> %d" % st)
    c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=10,
                                    source_address=("127.0.0.7", 0))
    c.request("POST", "/api/v1/auth/login", json.dumps(bad).encode(),
              {"Content-Type": "application/json"})
    st = c.getresponse().status
    c.close()
    if st != 429:
        raise Fail("5th failed sign-in from 127.0.0.7 -> %d (expected 429)"
                   % st)
    ok("5 failed sign-ins from 127.0.0.7: blocked (429)")

    def banned():
        st, _, doc = who.call("GET", "/bans")
        return st == 200 and any(b["net"].startswith("127.0.0.7")
                                 for b in doc.get("bans", []))
    poll("ban of 127.0.0.7", banned)
    return {}


def prepare_cdrs(env, who, ctx):
    if env.get("cdrs_made"):
        return {}
    sip_call("100", "0099887766")
    sip_call("101", "0099887755")

    def two():
        st, _, doc = env["adm"].call("GET", "/tenants/%s/cdrs" % D)
        return st == 200 and doc.get("total", 0) >= 2
    poll("2 CDRs of %s" % D, two)
    env["cdrs_made"] = True
    return {}


def prepare_regs(env, who, ctx):
    if not env.get("registered"):
        sip_register("100")
        sip_register("101")
        env["registered"] = True
    return {}


def verify_did_claim(env, who, ctx):
    """A DID routed for one tenant cannot be claimed by another (409)."""
    env["adm"].expect(409, "POST", "/tenants/%s/inbound-rules" % O,
                      {"did": "+442071234567", "ext": "200"}, field="did",
                      rule=True)


def verify_own_lists(env, who, ctx):
    """A user sees only its own registrations and CDRs, whatever it asks."""
    us = env["us"]
    _, doc = us.expect(200, "GET", "/tenants/%s/registrations" % D)
    users = sorted(r["user"] for r in doc["registrations"])
    if users != ["100@%s" % D]:
        raise Fail("u100 sees registrations of %r" % users)
    ok("u100 sees only its own registration")
    _, doc = env["adm"].expect(200, "GET", "/tenants/%s/registrations" % D)
    users = sorted(r["user"] for r in doc["registrations"])
    if users != ["100@%s" % D, "101@%s" % D]:
        raise Fail("admin sees registrations of %r" % users)
    ok("the administrator sees both registrations")
    for q in ("", "?user=101"):
        _, doc = us.expect(200, "GET", "/tenants/%s/cdrs%s" % (D, q))
        callers = {c["caller"] for c in doc["cdrs"]}
        if len(doc["cdrs"]) < 1 or callers - {"100"}:
            raise Fail("u100 (asking %r) sees CDRs of %r" % (q, callers))
        ok("u100 sees only its own CDRs (asked %r)" % q)
    for res in ("registrations", "cdrs"):
        us.expect(403, "GET", "/tenants/%s/%s" % (O, res), rule="role",
                  what="another tenant's")
    for w in (env["adm"], env["ta"]):
        _, doc = w.expect(200, "GET", "/tenants/%s/cdrs?user=101" % D)
        callers = {c["caller"] for c in doc["cdrs"]}
        if callers != {"101"}:
            raise Fail("%s: CDR filter user=101 gives %r" % (w.name, callers))
        ok("%s: CDR filter user=101" % w.name)


def verify_audit(env, who, ctx):
    """The audit names the changes made; a tenant administrator sees
    only its tenant's entries, in the list and in the export."""
    _, doc = env["adm"].expect(200, "GET", "/audit?action=tenant.add")
    if not any(e["actor"] == "admin" and e["result"] == "ok"
               for e in doc["entries"]):
        raise Fail("no tenant.add by admin in the audit: %s" % dump(doc))
    ok("tenant.add by admin is audited")
    ids = env["tenant_ids"]
    for w, mine in ((env["ta"], ids[D]), (env["tb"], ids[O])):
        _, doc = w.expect(200, "GET", "/audit")
        seen = {e["tenant_id"] for e in doc["entries"]}
        if not seen or seen - {mine}:
            raise Fail("%s sees audit entries of tenants %r" % (w.name, seen))
        _, doc = w.expect(200, "GET", "/audit/export?format=json")
        seen = {e["tenant_id"] for e in doc["entries"]}
        if seen - {mine}:
            raise Fail("%s exports audit entries of tenants %r"
                       % (w.name, seen))
        ok("%s sees and exports only its tenant's audit entries" % w.name)


def verify_events(env, who, ctx):
    _, doc = env["adm"].expect(200, "GET",
                               "/security-events?kind=login_failure")
    if not any(e["address"] == "127.0.0.7" for e in doc["events"]):
        raise Fail("no login_failure from 127.0.0.7: %s" % dump(doc))
    ok("login failures from 127.0.0.7 are security events")
    hdrs, raw = env["adm"].expect(200, "GET", "/security-events/export")
    if not hdrs.get("content-type", "").startswith("text/csv") \
            or not raw.startswith(b"id,at,time,kind,address"):
        raise Fail("CSV export: %r %r" % (hdrs.get("content-type"),
                                          raw[:80]))
    ok("security events export as CSV with its header")


def verify_dashboard(env, who, ctx):
    _, doc = env["adm"].expect(200, "GET", "/dashboard")
    subset(doc, {"registrations": lambda v: isinstance(v, int) and v >= 2,
                 "calls_active": 0,
                 "bans_active": lambda v: isinstance(v, int),
                 "events_24h": lambda v: isinstance(v, int) and v >= 5,
                 "attacks_per_hour": lambda v: len(v) == 24,
                 "top_addresses": lambda v: isinstance(v, list),
                 "top_countries": lambda v: isinstance(v, list)},
           "dashboard")
    ok("dashboard figures")


def verify_admins(env, who, ctx):
    """Tenant administrators manage their own tenant's accounts only."""
    ta, tb = env["ta"], env["tb"]
    ta.expect(403, "POST", "/admins",
              {"username": "evil", "password": "Zq8-wN3v!pKt",
               "role": "system_admin"}, rule="role")
    ta.expect(403, "POST", "/admins",
              {"username": "evil", "password": "Zq8-wN3v!pKt",
               "role": "tenant_admin", "domain": O}, rule="role")
    ta.expect(404, "DELETE", "/admins/tb", field="username",
              rule="not_found", what="another tenant's account is hidden")
    ta.expect(404, "DELETE", "/admins/admin", field="username",
              rule="not_found", what="a system account is hidden")
    ta.expect(409, "DELETE", "/admins/ta", field="username", rule="self")
    _, doc = ta.expect(200, "GET", "/admins")
    names = sorted(a["username"] for a in doc["admins"])
    if "tb" in names or "admin" in names or "ta" not in names:
        raise Fail("ta lists accounts %r" % names)
    ok("ta lists only %s accounts: %r" % (D, names))


def verify_trunk_secret(env, who, ctx):
    """The trunk password is write-only."""
    _, doc = who.expect(200, "GET", "/trunks")
    if "s3cret-Trunk" in json.dumps(doc):
        raise Fail("the trunk password is readable: %s" % dump(doc))
    ok("the trunk password is not in the trunk list")


# ---- THE TABLE -------------------------------------------------------------
#
# One entry per resource. Paths are relative to /api/v1 and formatted with
# the cycle's context: {d} the tenant, plus what the entry's 'ids' take
# from the created object. Keys:
#   scope    "system", "tenant" (system admins and the {domain}'s admins),
#            "own" (and a user for its own records), or for the handler
#            routes "admins" (each administrator their own tenant's
#            accounts), "audit" (administrators, their tenant's entries)
#            and "self" (everyone their own sessions and password)
#   routes   every "METHOD /api/v1/template" of the resource (coverage)
#   probe    template -> concrete path for the permission matrix ({d},
#            ctx keys); a template not listed has its placeholders
#            replaced from 'params'
#   prepare  fn(env, who, ctx) making what the API cannot create
#   create   (method, path, body, status, member, want)
#   ids      fn(created object) -> ctx additions
#   list     (path, array member, match fn(ctx) -> dict, want)
#   show     (path, member, want)
#   update   [(method, path, body, status, member, want, list want[,
#            "token": sent with the created API token instead)]
#   invalid  [(method, path, body, status, field, rule[, status for the
#            tenant administrator])]; rule True: any non-empty rule
#   after_show  (path, member, want) read again after the updates
#   delete   (method, path, status, status again, after) where after
#            None: gone from the list; a dict: still listed, with it
#            (delete_body: its body); then after_list (path, member, match,
#            want), after_show_status (path, status) and after_token
#            (the status the created token gets) when given
#   verify   fn(env, who, ctx): checks of their own
#   perm     "ROLE METHOD template" -> status, overriding the scope's rule
#            (ROLE ta, tb, user, anon, nocsrf); None: not probed
#   perm_check  fn(env, role, body of an allowed probe) -> bool

def R(name, scope, routes, **kw):
    kw.update(name=name, scope=scope, routes=routes)
    return kw


T = "/api/v1/tenants/{domain}"
RESOURCES = [
    R("tenants", "system",
      ["GET /api/v1/tenants", "POST /api/v1/tenants"],
      create=("POST", "/tenants", {"domain": "crud.test", "name": "Crud Ltd"},
              201, "tenant", {"domain": "crud.test", "name": "Crud Ltd",
                              "users": 0}),
      list=("/tenants", "tenants", lambda c: {"domain": "crud.test"},
            {"name": "Crud Ltd"}),
      invalid=[("POST", "/tenants", {"domain": "bad domain"}, 422, "domain",
                True),
               ("POST", "/tenants", {"domain": "x.test", "colour": "red"},
                422, "colour", True),
               ("POST", "/tenants", {"name": "no domain"}, 422, "domain",
                True),
               ("POST", "/tenants", {"domain": "crud.test"}, 409, "domain",
                True)]),
    R("users", "tenant",
      [f"GET {T}/users", f"POST {T}/users", f"PATCH {T}/users/{{ext}}",
       f"DELETE {T}/users/{{ext}}"],
      params={"ext": "150"},
      create=("POST", "/tenants/{d}/users",
              {"ext": "150", "name": "Ann Lee", "email": "ann@example.org",
               "role": "standard", "generate_password": True}, 201, None,
              {"user": lambda u: u.get("user") == "150@a.test"
               and u.get("role") == "standard" and u.get("name") == "Ann Lee",
               "sip_password": is_str}),
      list=("/tenants/{d}/users", "users", lambda c: {"ext": "150"},
            {"name": "Ann Lee", "email": "ann@example.org",
             "role": "standard"}),
      update=[("PATCH", "/tenants/{d}/users/150",
               {"name": "Ann Smith", "role": "international"}, 200, "user",
               {"name": "Ann Smith", "role": "international"},
               {"name": "Ann Smith", "role": "international"}),
              ("PATCH", "/tenants/{d}/users/150", {"generate_password": True},
               200, None, {"sip_password": is_str}, {"name": "Ann Smith"})],
      invalid=[("POST", "/tenants/{d}/users",
                {"ext": "151", "sip_password": "123"}, 422, "sip_password",
                True),
               ("POST", "/tenants/{d}/users",
                {"ext": "15 1", "generate_password": True}, 422, "ext", True),
               ("POST", "/tenants/{d}/users",
                {"ext": "152", "role": "boss", "generate_password": True},
                422, "role", True),
               ("POST", "/tenants/{d}/users", {"ext": "153", "colour": 1},
                422, "colour", True),
               ("PATCH", "/tenants/{d}/users/150", {"email": "not-an-email"},
                422, "email", True),
               ("POST", "/tenants/{d}/users",
                {"ext": "150", "generate_password": True}, 409, "ext", True)],
      delete=("DELETE", "/tenants/{d}/users/150", 200, 404, None)),
    R("groups and members", "tenant",
      [f"GET {T}/groups", f"POST {T}/groups", f"DELETE {T}/groups/{{name}}",
       f"POST {T}/groups/{{name}}/members",
       f"DELETE {T}/groups/{{name}}/members/{{ext}}"],
      params={"name": "sales", "ext": "100"},
      create=("POST", "/tenants/{d}/groups", {"name": "sales"}, 201, "group",
              {"name": "sales", "members": []}),
      list=("/tenants/{d}/groups", "groups", lambda c: {"name": "sales"},
            {"members": []}),
      update=[("POST", "/tenants/{d}/groups/sales/members", {"ext": "100"},
               201, "group", {"members": ["100"]}, {"members": ["100"]}),
              ("POST", "/tenants/{d}/groups/sales/members", {"ext": "101"},
               201, "group", {"members": ["100", "101"]},
               {"members": ["100", "101"]}),
              ("DELETE", "/tenants/{d}/groups/sales/members/100", None, 200,
               "group", {"members": ["101"]}, {"members": ["101"]}),
              ("DELETE", "/tenants/{d}/groups/sales/members/100", None, 404,
               None, None, {"members": ["101"]})],
      invalid=[("POST", "/tenants/{d}/groups", {}, 422, "name", True),
               ("POST", "/tenants/{d}/groups", {"name": "x", "colour": 1},
                422, "colour", True),
               ("POST", "/tenants/{d}/groups/sales/members", {"ext": "1 0"},
                422, "ext", True),
               ("POST", "/tenants/{d}/groups/sales/members", {}, 422, "ext",
                True),
               ("POST", "/tenants/{d}/groups", {"name": "sales"}, 409, "name",
                True)],
      delete=("DELETE", "/tenants/{d}/groups/sales", 200, 404, None)),
    R("country profile", "tenant",
      [f"GET {T}/profile", f"PUT {T}/profile"],
      # No DELETE: a tenant keeps its profile once set.
      create=("PUT", "/tenants/{d}/profile",
              {"country_code": "44", "national_prefix": "0",
               "international_prefix": "00", "time_zone": "Europe/London"},
              200, "profile",
              {"domain": D, "country_code": "44", "national_prefix": "0",
               "international_prefix": "00", "time_zone": "Europe/London"}),
      show=("/tenants/{d}/profile", "profile",
            {"country_code": "44", "time_zone": "Europe/London"}),
      update=[("PUT", "/tenants/{d}/profile", {"time_zone": "UTC"}, 200,
               "profile", {"time_zone": "UTC", "country_code": "44"}, None)],
      invalid=[("PUT", "/tenants/{d}/profile", {"time_zone": "Mars/Olympus"},
                422, "time_zone", True),
               ("PUT", "/tenants/{d}/profile", {"country_code": "044"}, 422,
                "country_code", True),
               ("PUT", "/tenants/{d}/profile",
                {"international_prefix": "+"}, 422, "international_prefix",
                True),
               ("PUT", "/tenants/{d}/profile", {"colour": "red"}, 422,
                "colour", True)],
      after_show=("/tenants/{d}/profile", "profile",
                  {"time_zone": "UTC", "country_code": "44"})),
    R("allowed country codes", "tenant",
      [f"GET {T}/countries", f"POST {T}/countries",
       f"DELETE {T}/countries/{{country_code}}"],
      params={"country_code": "33"},
      create=("POST", "/tenants/{d}/countries",
              {"country_code": "33", "description": "France"}, 201, "entry",
              {"country_code": "33", "description": "France"}),
      list=("/tenants/{d}/countries", "countries",
            lambda c: {"country_code": "33"}, {"description": "France"}),
      invalid=[("POST", "/tenants/{d}/countries", {"country_code": "033"},
                422, "country_code", True),
               ("POST", "/tenants/{d}/countries", {}, 422, "country_code",
                True),
               ("POST", "/tenants/{d}/countries",
                {"country_code": "34", "description": "a\nb"}, 422,
                "description", True),
               ("POST", "/tenants/{d}/countries", {"country_code": "33"}, 409,
                "country_code", True)],
      delete=("DELETE", "/tenants/{d}/countries/33", 200, 404, None)),
    R("disallowed prefixes", "tenant",
      [f"GET {T}/prefixes", f"POST {T}/prefixes",
       f"DELETE {T}/prefixes/{{prefix}}"],
      params={"prefix": "44900"},
      create=("POST", "/tenants/{d}/prefixes",
              {"prefix": "44900", "description": "premium"}, 201, "entry",
              {"prefix": "44900", "description": "premium"}),
      list=("/tenants/{d}/prefixes", "prefixes", lambda c: {"prefix": "44900"},
            {"description": "premium"}),
      invalid=[("POST", "/tenants/{d}/prefixes", {"prefix": "449x"}, 422,
                "prefix", True),
               ("POST", "/tenants/{d}/prefixes", {"number": "1"}, 422,
                "number", True)],
      delete=("DELETE", "/tenants/{d}/prefixes/44900", 200, 404, None)),
    R("emergency numbers", "tenant",
      [f"GET {T}/emergency-numbers", f"POST {T}/emergency-numbers",
       f"DELETE {T}/emergency-numbers/{{number}}"],
      params={"number": "116117"},
      create=("POST", "/tenants/{d}/emergency-numbers",
              {"number": "116117", "description": "doctor"}, 201, "entry",
              {"number": "116117", "description": "doctor"}),
      list=("/tenants/{d}/emergency-numbers", "numbers",
            lambda c: {"number": "116117"}, {"description": "doctor"}),
      invalid=[("POST", "/tenants/{d}/emergency-numbers", {"number": "11a"},
                422, "number", True),
               ("POST", "/tenants/{d}/emergency-numbers", {}, 422, "number",
                True)],
      delete=("DELETE", "/tenants/{d}/emergency-numbers/116117", 200, 404,
              None)),
    R("holidays", "tenant",
      [f"GET {T}/holidays", f"POST {T}/holidays",
       f"DELETE {T}/holidays/{{date}}"],
      params={"date": "2031-12-25"},
      create=("POST", "/tenants/{d}/holidays",
              {"date": "2031-12-25", "description": "Christmas"}, 201,
              "entry", {"date": "2031-12-25", "description": "Christmas"}),
      list=("/tenants/{d}/holidays", "holidays",
            lambda c: {"date": "2031-12-25"}, {"description": "Christmas"}),
      invalid=[("POST", "/tenants/{d}/holidays", {"date": "2031-13-01"},
                422, "date", True),
               ("POST", "/tenants/{d}/holidays", {"date": "25/12/2031"}, 422,
                "date", True)],
      delete=("DELETE", "/tenants/{d}/holidays/2031-12-25", 200, 404, None)),
    R("office hours", "tenant",
      [f"GET {T}/hours", f"PUT {T}/hours/{{day}}",
       f"DELETE {T}/hours/{{day}}"],
      params={"day": "mon"},
      create=("PUT", "/tenants/{d}/hours/mon", {"ranges": ["09:00-17:00"]},
              200, "hours",
              lambda v: [(h["day"], h["start"], h["end"]) for h in v]
              == [("mon", "09:00", "17:00")]),
      list=("/tenants/{d}/hours", "hours", lambda c: {"day": "mon"},
            {"start": "09:00", "end": "17:00"}),
      update=[("PUT", "/tenants/{d}/hours/mon",
               {"ranges": ["08:00-12:00", "13:00-18:00"]}, 200, "hours",
               lambda v: [(h["start"], h["end"]) for h in v]
               == [("08:00", "12:00"), ("13:00", "18:00")],
               {"start": "08:00", "end": "12:00"})],
      invalid=[("PUT", "/tenants/{d}/hours/mon", {"ranges": ["17:00-09:00"]},
                422, "ranges", True),
               ("PUT", "/tenants/{d}/hours/mon", {"ranges": ["9-5"]}, 422,
                "ranges", True),
               ("PUT", "/tenants/{d}/hours/tue", {}, 422, "ranges", True),
               ("PUT", "/tenants/{d}/hours/funday",
                {"ranges": ["09:00-17:00"]}, 422, "day", True)],
      delete=("DELETE", "/tenants/{d}/hours/mon", 200, 404, None)),
    R("inbound rules", "tenant",
      [f"GET {T}/inbound-rules", f"POST {T}/inbound-rules",
       f"DELETE {T}/inbound-rules/{{id}}"],
      probe={f"DELETE {T}/inbound-rules/{{id}}":
             "/tenants/{d}/inbound-rules/{id}"},
      create=("POST", "/tenants/{d}/inbound-rules",
              {"did": "+442071234567", "ext": "100"}, 201, "inbound_rule",
              {"did": "+442071234567", "ext": "100", "trunk": None}),
      ids=lambda o: {"id": o["id"]},
      list=("/tenants/{d}/inbound-rules", "inbound_rules",
            lambda c: {"id": c["id"]}, {"did": "+442071234567", "ext": "100"}),
      invalid=[("POST", "/tenants/{d}/inbound-rules", {"ext": "100"}, 422,
                "did", True),
               ("POST", "/tenants/{d}/inbound-rules",
                {"did": "+44207", "ext": "1 0"}, 422, "ext", True),
               ("POST", "/tenants/{d}/inbound-rules",
                {"did": "+44207", "ext": "100", "trunk": 5}, 422, "trunk",
                True),
               ("DELETE", "/tenants/{d}/inbound-rules/0", None, 422, "id",
                True)],
      verify=verify_did_claim,
      delete=("DELETE", "/tenants/{d}/inbound-rules/{id}", 200, 404, None)),
    R("outbound rules and their order", "tenant",
      [f"GET {T}/outbound-rules", f"POST {T}/outbound-rules",
       f"DELETE {T}/outbound-rules/{{name}}",
       f"POST {T}/outbound-rules/{{name}}/move"],
      params={"name": "intl"},
      create=("POST", "/tenants/{d}/outbound-rules",
              {"name": "intl", "prefix": "00", "min_len": 6,
               "roles": ["international"], "trunks": ["prov"]}, 201,
              "outbound_rule",
              {"name": "intl", "prefix": "00", "min_len": 6,
               "roles": ["international"], "trunks": ["prov"],
               "position": 1}),
      list=("/tenants/{d}/outbound-rules", "outbound_rules",
            lambda c: {"name": "intl"}, {"prefix": "00", "trunks": ["prov"]}),
      update=[("POST", "/tenants/{d}/outbound-rules",
               {"name": "local", "prefix": "0", "trunks": "prov"}, 201,
               "outbound_rule", {"name": "local", "position": 2},
               {"position": 1}),
              ("POST", "/tenants/{d}/outbound-rules/local/move",
               {"position": 1}, 200, "outbound_rule",
               {"name": "local", "position": 1}, {"position": 2}),
              ("DELETE", "/tenants/{d}/outbound-rules/local", None, 200, None,
               {"name": "local"}, {"position": 1})],
      invalid=[("POST", "/tenants/{d}/outbound-rules", {"name": "x"}, 422,
                "trunks", True),
               ("POST", "/tenants/{d}/outbound-rules",
                {"name": "x", "prefix": "0a", "trunks": ["prov"]}, 422,
                "prefix", True),
               ("POST", "/tenants/{d}/outbound-rules",
                {"name": "x", "min_len": 9, "max_len": 5,
                 "trunks": ["prov"]}, 422, "min_len", True),
               ("POST", "/tenants/{d}/outbound-rules",
                {"name": "x", "roles": ["boss"], "trunks": ["prov"]}, 422,
                "roles", True),
               ("POST", "/tenants/{d}/outbound-rules/intl/move",
                {"position": 0}, 422, "position", True),
               ("POST", "/tenants/{d}/outbound-rules/intl/move", {}, 422,
                "position", True)],
      delete=("DELETE", "/tenants/{d}/outbound-rules/intl", 200, 404, None)),
    R("call limits", "tenant",
      [f"GET {T}/limits", f"POST {T}/limits", f"DELETE {T}/limits/{{id}}"],
      probe={f"DELETE {T}/limits/{{id}}": "/tenants/{d}/limits/{id}"},
      create=("POST", "/tenants/{d}/limits",
              {"ext": "100", "calls": 5, "period_s": 60, "max_concurrent": 2,
               "window": "08:00-18:00"}, 201, "limit",
              {"scope": "user", "target": "100", "calls": 5, "period_s": 60,
               "max_concurrent": 2,
               "window": {"start": "08:00", "end": "18:00"}}),
      ids=lambda o: {"id": o["id"]},
      list=("/tenants/{d}/limits", "limits", lambda c: {"id": c["id"]},
            {"scope": "user", "calls": 5}),
      invalid=[("POST", "/tenants/{d}/limits", {"calls": 5}, 422, "period_s",
                True),
               ("POST", "/tenants/{d}/limits", {"max_concurrent": 0}, 422,
                "max_concurrent", True),
               ("POST", "/tenants/{d}/limits",
                {"ext": "100", "group": "sales", "max_concurrent": 1}, 422,
                "group", True),
               ("POST", "/tenants/{d}/limits",
                {"max_concurrent": 1, "window": "8-18"}, 422, "window", True),
               ("POST", "/tenants/{d}/limits", {}, 422, "calls", True)],
      delete=("DELETE", "/tenants/{d}/limits/{id}", 200, 404, None)),
    R("fraud rules", "tenant",
      [f"GET {T}/fraud-rules", f"POST {T}/fraud-rules",
       f"DELETE {T}/fraud-rules/{{id}}"],
      probe={f"DELETE {T}/fraud-rules/{{id}}": "/tenants/{d}/fraud-rules/{id}"},
      create=("POST", "/tenants/{d}/fraud-rules",
              {"metric": "international", "window_s": 3600, "warning": 10,
               "critical": 20}, 201, "fraud_rule",
              {"metric": "international", "window_s": 3600, "warning": 10,
               "critical": 20, "ext": None}),
      ids=lambda o: {"id": o["id"]},
      list=("/tenants/{d}/fraud-rules", "fraud_rules",
            lambda c: {"id": c["id"]}, {"warning": 10, "critical": 20}),
      invalid=[("POST", "/tenants/{d}/fraud-rules",
                {"metric": "loud", "window_s": 60, "warning": 1,
                 "critical": 2}, 422, "metric", True),
               ("POST", "/tenants/{d}/fraud-rules",
                {"metric": "destinations", "window_s": 60, "warning": 9,
                 "critical": 2}, 422, "critical", True),
               ("POST", "/tenants/{d}/fraud-rules",
                {"metric": "after_hours", "warning": 1, "critical": 2}, 422,
                "window_s", True)],
      delete=("DELETE", "/tenants/{d}/fraud-rules/{id}", 200, 404, None)),
    R("suspensions", "tenant",
      [f"GET {T}/suspensions", f"POST {T}/suspensions/{{ext}}/lift"],
      params={"ext": "101"},
      prepare=prepare_suspension,
      list=("/tenants/{d}/suspensions", "suspensions",
            lambda c: {"user": "101@a.test"},
            {"reason": lambda v: v.startswith("fraud watch"),
             "lifted_at": None}),
      invalid=[("POST", "/tenants/{d}/suspensions/1%20x/lift", {}, 422,
                "user", True)],
      delete=("POST", "/tenants/{d}/suspensions/101/lift", 200, 404, None),
      after_list=("/tenants/{d}/suspensions?all=true", "suspensions",
                  lambda c: {"user": "101@a.test"},
                  {"lifted_at": lambda v: isinstance(v, int)})),
    R("registrations", "own",
      [f"GET {T}/registrations"],
      prepare=prepare_regs,
      list=("/tenants/{d}/registrations", "registrations",
            lambda c: {"user": "101@a.test"},
            {"ext": "101", "domain": D,
             "expires_in": lambda v: 0 < v <= 300}),
      # a tenant administrator cannot name another tenant: 403 first
      invalid=[("GET", "/tenants/a..test/registrations", None, 422, "domain",
                True, 403)]),
    R("CDRs", "own",
      [f"GET {T}/cdrs"],
      prepare=prepare_cdrs,
      list=("/tenants/{d}/cdrs", "cdrs", lambda c: {"caller": "101"},
            {"dialed": "0099887755", "result": "refused"}),
      invalid=[("GET", "/tenants/{d}/cdrs?result=lost", None, 422, "result",
                True),
               ("GET", "/tenants/{d}/cdrs?from=yesterday", None, 422, "from",
                True),
               ("GET", "/tenants/{d}/cdrs?limit=5000", None, 422, "limit",
                True)],
      verify=verify_own_lists),
    R("trunks and per-tenant limits", "system",
      ["GET /api/v1/trunks", "POST /api/v1/trunks",
       "PATCH /api/v1/trunks/{name}", "DELETE /api/v1/trunks/{name}",
       "PUT /api/v1/trunks/{trunk}/limits/{domain}"],
      params={"name": "crudtrunk", "trunk": "crudtrunk"},
      create=("POST", "/trunks",
              {"name": "crudtrunk", "kind": "ip",
               "networks": ["198.51.100.0/24"], "max_calls": 5}, 201, "trunk",
              {"name": "crudtrunk", "kind": "ip",
               "networks": ["198.51.100.0/24"], "max_calls": 5,
               "has_password": False, "tenant_limits": []}),
      list=("/trunks", "trunks", lambda c: {"name": "crudtrunk"},
            {"kind": "ip", "max_calls": 5}),
      update=[("PATCH", "/trunks/crudtrunk", {"max_calls": 10}, 200, "trunk",
               {"max_calls": 10}, {"max_calls": 10}),
              ("PUT", "/trunks/crudtrunk/limits/{d}", {"max_calls": 3}, 200,
               "trunk", {"tenant_limits": [{"domain": D, "max_calls": 3}]},
               {"tenant_limits": [{"domain": D, "max_calls": 3}]}),
              ("PATCH", "/trunks/crudtrunk",
               {"kind": "register", "host": "sip.example.net",
                "username": "crud", "password": "s3cret-Trunk"}, 200, "trunk",
               {"kind": "register", "has_password": True,
                "password": ABSENT}, {"has_password": True})],
      invalid=[("POST", "/trunks", {"name": "x", "kind": "warp"}, 422, "kind",
                True),
               ("POST", "/trunks", {"name": "x", "kind": "ip"}, 422,
                "networks", True),
               ("POST", "/trunks",
                {"name": "x", "kind": "ip", "networks": "192.0.2.0/24",
                 "transport": "tcp"}, 422, "transport", True),
               ("POST", "/trunks",
                {"name": "x", "kind": "ip", "networks": "192.0.2.0/33"}, 422,
                "networks", True),
               ("POST", "/trunks",
                {"name": "x", "kind": "register", "host": "h.example"}, 422,
                "username", True),
               ("PATCH", "/trunks/crudtrunk", {"port": 70000}, 422, "port",
                True),
               ("PUT", "/trunks/crudtrunk/limits/{d}", {"max_calls": -1}, 422,
                "max_calls", True),
               ("PUT", "/trunks/crudtrunk/limits/a..test", {"max_calls": 1},
                422, "domain", True)],
      verify=verify_trunk_secret,
      delete=("DELETE", "/trunks/crudtrunk", 200, 404, None)),
    R("security settings", "system",
      ["GET /api/v1/security", "PUT /api/v1/security/{key}"],
      params={"key": "ua_blacklist_s"},
      show=("/security", "settings", {"ua_blacklist_s": 3600}),
      update=[("PUT", "/security/ua_blacklist_s", {"value": 7200}, 200, None,
               {"key": "ua_blacklist_s", "value": 7200}, None),
              ("PUT", "/security/ua_blacklist_s", {"value": "3600"}, 200,
               None, {"value": 3600}, None)],
      invalid=[("PUT", "/security/ua_blacklist_s", {"value": 0}, 422,
                "value", True),
               ("PUT", "/security/ua_blacklist_s", {"value": -5}, 422,
                "value", True),
               ("PUT", "/security/ua_blacklist_s", {}, 422, "value", True),
               ("PUT", "/security/no_such_key", {"value": 1}, 422, "key",
                True)],
      after_show=("/security", "settings", {"ua_blacklist_s": 3600})),
    R("IP rules (allow and block)", "system",
      ["GET /api/v1/ip-rules", "POST /api/v1/ip-rules/allow",
       "POST /api/v1/ip-rules/block", "DELETE /api/v1/ip-rules"],
      probe={"DELETE /api/v1/ip-rules": "/ip-rules?net=198.51.100.0/24"},
      create=("POST", "/ip-rules/allow",
              {"net": "198.51.100.0/24", "description": "office"}, 201,
              "ip_rule", {"net": "198.51.100.0/24", "action": "allow",
                          "description": "office"}),
      list=("/ip-rules", "ip_rules", lambda c: {"net": "198.51.100.0/24"},
            {"action": "allow"}),
      update=[("POST", "/ip-rules/block", {"net": "203.0.113.9/24"}, 201,
               None, {"ip_rule": {"net": "203.0.113.0/24", "action": "block",
                                  "description": "", "id":
                                  lambda v: isinstance(v, int),
                                  "created_at": lambda v: isinstance(v, int)},
                      "warning": is_str}, None),
              ("GET", "/ip-rules?action=block", None, 200, "ip_rules",
               lambda v: [r["net"] for r in v] == ["203.0.113.0/24"], None),
              ("DELETE", "/ip-rules?net=203.0.113.0/24", None, 200, None,
               {"net": "203.0.113.0/24", "action": "block"}, None)],
      invalid=[("POST", "/ip-rules/allow", {"net": "300.0.0.0/8"}, 422, "net",
                True),
               ("POST", "/ip-rules/block", {"net": "127.0.0.1"}, 422, "net",
                True),
               ("POST", "/ip-rules/allow", {"description": "x"}, 422, "net",
                True),
               ("GET", "/ip-rules?action=maybe", None, 422, "action", True),
               ("DELETE", "/ip-rules?net=nonsense", None, 422, "net", True),
               ("POST", "/ip-rules/allow", {"net": "198.51.100.0/24"}, 409,
                "net", True)],
      delete=("DELETE", "/ip-rules?net=198.51.100.0/24", 200, 404, None)),
    R("bans", "system",
      ["GET /api/v1/bans", "GET /api/v1/bans/why", "POST /api/v1/bans/lift"],
      probe={"GET /api/v1/bans/why": "/bans/why?net=127.0.0.7"},
      prepare=prepare_ban,
      list=("/bans", "bans", lambda c: {"net": "127.0.0.7/32"},
            {"reason": lambda v: "web" in v, "expires_in":
             lambda v: v > 0}),
      show=("/bans/why?net=127.0.0.7", "ban", {"net": "127.0.0.7/32"}),
      invalid=[("GET", "/bans/why?net=nonsense", None, 422, "net", True),
               ("GET", "/bans/why", None, 422, "net", True),
               ("POST", "/bans/lift",
                {"net": "127.0.0.7", "description": "x"}, 422, "description",
                True),
               ("POST", "/bans/lift", {"net": "127.0.0.7", "whitelist": "y"},
                422, "whitelist", True)],
      delete=("POST", "/bans/lift", 200, 404, None),
      delete_body={"net": "127.0.0.7"},
      after_show_status=("/bans/why?net=127.0.0.7", 404)),
    R("User-Agent rules", "system",
      ["GET /api/v1/ua-rules", "POST /api/v1/ua-rules",
       "DELETE /api/v1/ua-rules"],
      probe={"DELETE /api/v1/ua-rules": "/ua-rules?pattern=crudscanner"},
      create=("POST", "/ua-rules", {"pattern": "crudscanner"}, 201, "ua_rule",
              {"pattern": "crudscanner"}),
      list=("/ua-rules", "ua_rules", lambda c: {"pattern": "crudscanner"},
            {"id": lambda v: isinstance(v, int)}),
      invalid=[("POST", "/ua-rules", {"pattern": ""}, 422, "pattern", True),
               ("POST", "/ua-rules", {}, 422, "pattern", True),
               ("POST", "/ua-rules", {"pattern": "crudscanner"}, 409,
                "pattern", True)],
      delete=("DELETE", "/ua-rules?pattern=crudscanner", 200, 404, None)),
    R("GeoIP rules", "system",
      ["GET /api/v1/geo-rules", "POST /api/v1/geo-rules",
       "DELETE /api/v1/geo-rules/{country}"],
      params={"country": "DE"},
      create=("POST", "/geo-rules", {"country": "de"}, 201, None,
              {"country": "DE"}),
      list=("/geo-rules", "geo_rules", lambda c: {"country": "DE"},
            {"created_at": lambda v: isinstance(v, int)}),
      invalid=[("POST", "/geo-rules", {"country": "Germany"}, 422, "country",
                True),
               ("POST", "/geo-rules", {"country": "D1"}, 422, "country",
                True),
               ("DELETE", "/geo-rules/DEU", None, 422, "country", True)],
      delete=("DELETE", "/geo-rules/DE", 200, 404, None)),
    R("rate rules", "system",
      ["GET /api/v1/rate-rules", "POST /api/v1/rate-rules",
       "DELETE /api/v1/rate-rules"],
      probe={"DELETE /api/v1/rate-rules":
             "/rate-rules?net=192.0.2.0/24&method=REGISTER"},
      create=("POST", "/rate-rules",
              {"net": "192.0.2.0/24", "method": "register", "rate": 10,
               "period_s": 1}, 201, "rate_rule",
              {"net": "192.0.2.0/24", "method": "REGISTER", "rate": 10,
               "period_s": 1, "burst": 10}),
      list=("/rate-rules", "rate_rules",
            lambda c: {"net": "192.0.2.0/24", "method": "REGISTER"},
            {"rate": 10}),
      invalid=[("POST", "/rate-rules",
                {"net": "192.0.2.0/24", "method": "INVITE", "rate": 0,
                 "period_s": 1}, 422, "rate", True),
               ("POST", "/rate-rules",
                {"net": "192.0.2.0/24", "method": "IN VITE", "rate": 1,
                 "period_s": 1}, 422, "method", True),
               ("POST", "/rate-rules",
                {"method": "INVITE", "rate": 1, "period_s": 1}, 422, "net",
                True),
               ("POST", "/rate-rules",
                {"net": "192.0.2.0/24", "method": "INVITE", "rate": 1,
                 "period_s": 999999}, 422, "period_s", True),
               ("DELETE", "/rate-rules?net=x&method=REGISTER", None, 422,
                "net", True)],
      delete=("DELETE", "/rate-rules?net=192.0.2.0/24&method=REGISTER", 200,
              404, None)),
    R("SSH access grants", "system",
      ["GET /api/v1/ssh-access", "POST /api/v1/ssh-access",
       "DELETE /api/v1/ssh-access"],
      probe={"DELETE /api/v1/ssh-access": "/ssh-access?from=192.0.2.10"},
      # Grants need the firewall (fw_service tests them with the CLI); here
      # the daemon has none, and says so.
      show=("/ssh-access", "grants", lambda v: isinstance(v, list)),
      invalid=[("POST", "/ssh-access", {"from": "192.0.2.10", "minutes": 5},
                422, None, True),
               ("POST", "/ssh-access", {"from": "192.0.2.10", "hours": 5},
                422, "hours", True)]),
    R("portal accounts", "admins",
      ["GET /api/v1/admins", "POST /api/v1/admins",
       "DELETE /api/v1/admins/{username}"],
      params={"username": "crud-ops"},
      create=("POST", "/admins",
              {"username": "crud-ops", "password": "Zq8-wN3v!pKt",
               "role": "tenant_admin", "domain": D}, 201, "admin",
              {"username": "crud-ops", "role": "tenant_admin",
               "must_change": True, "totp_enabled": False}),
      list=("/admins", "admins", lambda c: {"username": "crud-ops"},
            {"role": "tenant_admin", "must_change": True}),
      invalid=[("POST", "/admins",
                {"username": "x1", "password": "Zq8-wN3v!pKt", "role": "boss"},
                422, "role", "enum"),
               ("POST", "/admins",
                {"username": "x1", "password": "Zq8", "role": "user",
                 "domain": D, "ext": "100"}, 422, "password", "too_short"),
               ("POST", "/admins",
                {"username": "x1", "password": "Zq8-wN3v!pKt",
                 "role": "tenant_admin", "domain": "nope.test"}, 422,
                "domain", "not_found"),
               ("POST", "/admins",
                {"username": "x1", "password": "Zq8-wN3v!pKt",
                 "role": "user", "domain": D, "ext": "999"}, 422, "ext",
                "not_found"),
               ("POST", "/admins", {"password": "Zq8-wN3v!pKt",
                                    "role": "user"}, 422, "username",
                "required"),
               ("POST", "/admins",
                {"username": "crud-ops", "password": "Zq8-wN3v!pKt",
                 "role": "tenant_admin", "domain": D}, 409, "username",
                "unique")],
      delete=("DELETE", "/admins/crud-ops", 204, 404, None),
      verify=verify_admins,
      # A tenant administrator of another tenant: its list never shows
      # this tenant's accounts, and another tenant's account is "not
      # found" rather than forbidden (no probing of names).
      perm={"tb GET /api/v1/admins": 200,
            "tb DELETE /api/v1/admins/{username}": 404},
      perm_check=lambda env, role, doc: role != "tb" or doc is None
      or "crud-ops" not in json.dumps(doc)),
    R("admin settings", "system",
      ["GET /api/v1/admin-settings", "PUT /api/v1/admin-settings/{key}"],
      params={"key": "audit_max_days"},
      show=("/admin-settings", "settings", {"audit_max_days": 365}),
      update=[("PUT", "/admin-settings/audit_max_days", {"value": 400}, 200,
               "settings", {"audit_max_days": 400}, None),
              ("PUT", "/admin-settings/audit_max_days", {"value": 365}, 200,
               "settings", {"audit_max_days": 365}, None)],
      invalid=[("PUT", "/admin-settings/session_idle_s", {"value": 5}, 422,
                "session_idle_s", "range"),
               ("PUT", "/admin-settings/session_idle_s", {"value": "soon"},
                422, "session_idle_s", "integer"),
               ("PUT", "/admin-settings/audit_max_days", {}, 422,
                "audit_max_days", "required"),
               ("PUT", "/admin-settings/no_such_key", {"value": 1}, 404,
                "key", "not_found")],
      after_show=("/admin-settings", "settings", {"audit_max_days": 365})),
    R("tenant password policy", "tenant",
      [f"GET {T}/password-policy", f"PUT {T}/password-policy"],
      show=("/tenants/{d}/password-policy", "policy",
            {"pw_min_len": 8, "pw_history": lambda v: isinstance(v, int)}),
      update=[("PUT", "/tenants/{d}/password-policy",
               {"pw_min_len": 14, "pw_classes": 4}, 200, "policy",
               {"pw_min_len": 14, "pw_classes": 4}, None),
              ("PUT", "/tenants/{d}/password-policy",
               {"pw_min_len": 8, "pw_classes": 3}, 200, "policy",
               {"pw_min_len": 8, "pw_classes": 3}, None)],
      invalid=[("PUT", "/tenants/{d}/password-policy", {"pw_min_len": 30},
                422, "pw_min_len", "range"),
               ("PUT", "/tenants/{d}/password-policy", {"pw_classes": 9}, 422,
                "pw_classes", "range"),
               ("PUT", "/tenants/{d}/password-policy", {}, 422, "pw_min_len",
                True),
               ("PUT", "/tenants/{d}/password-policy", {"colour": 1}, 422,
                "colour", True)],
      after_show=("/tenants/{d}/password-policy", "policy",
                  {"pw_min_len": 8, "pw_classes": 3})),
    R("tenant media policy", "tenant",
      [f"GET {T}/media-policy", f"PUT {T}/media-policy"],
      show=("/tenants/{d}/media-policy", None, {"media_policy": "optional"}),
      update=[("PUT", "/tenants/{d}/media-policy", {"media_policy": "secure"},
               200, None, {"media_policy": "secure"}, None),
              ("PUT", "/tenants/{d}/media-policy",
               {"media_policy": "optional"}, 200, None,
               {"media_policy": "optional"}, None)],
      invalid=[("PUT", "/tenants/{d}/media-policy",
                {"media_policy": "sometimes"}, 422, "media_policy", "enum"),
               ("PUT", "/tenants/{d}/media-policy", {}, 422, "media_policy",
                True),
               ("PUT", "/tenants/{d}/media-policy",
                {"media_policy": "secure", "colour": 1}, 422, "colour",
                True)],
      after_show=("/tenants/{d}/media-policy", None,
                  {"media_policy": "optional"})),
    R("support links", "system",
      ["GET /api/v1/support-links", "POST /api/v1/support-links",
       "DELETE /api/v1/support-links/{id}"],
      probe={"DELETE /api/v1/support-links/{id}": "/support-links/{id}"},
      create=("POST", "/support-links",
              {"domain": D, "hours": 2, "note": "crud"}, 201, None,
              {"id": lambda v: isinstance(v, int),
               "url": lambda v: v.startswith("/api/v1/support/")}),
      ids=lambda o: {"id": o["id"]},
      list=("/support-links", "links", lambda c: {"id": c["id"]},
            {"domain": D, "role": "tenant_admin", "note": "crud",
             "revoked": False}),
      invalid=[("POST", "/support-links", {"domain": D, "hours": 100}, 422,
                "hours", "range"),
               ("POST", "/support-links", {"domain": "nope.test", "hours": 1},
                422, "domain", "not_found"),
               ("POST", "/support-links",
                {"domain": D, "hours": 1, "role": "system_admin"}, 422,
                "role", "enum"),
               ("POST", "/support-links",
                {"domain": D, "hours": 1, "role": "user", "ext": "999"}, 422,
                "ext", "not_found"),
               ("DELETE", "/support-links/999999", None, 404, "id",
                "not_found")],
      # A revoked link stays listed (revoked), and revoking it again is
      # accepted: links are history, not deleted.
      delete=("DELETE", "/support-links/{id}", 204, 204, {"revoked": True})),
    R("sessions and API tokens", "self",
      ["GET /api/v1/auth/sessions", "DELETE /api/v1/auth/sessions/{id}",
       "POST /api/v1/auth/tokens", "POST /api/v1/auth/password"],
      probe={"DELETE /api/v1/auth/sessions/{id}": "/auth/sessions/{id}"},
      create=("POST", "/auth/tokens", {"label": "crud", "ttl_s": 600}, 201,
              None, {"token": is_str, "id": is_str,
                     "expires_at": lambda v: isinstance(v, int)}),
      ids=lambda o: {"id": o["id"], "token": o["token"]},
      list=("/auth/sessions", "sessions", lambda c: {"id": c["id"]},
            {"kind": "token", "label": "crud"}),
      update=[("GET", "/auth/me", None, 200, None, {"name": "admin"}, None,
               "token")],
      invalid=[("POST", "/auth/tokens", {"label": "x", "ttl_s": 10 ** 9},
                422, "ttl_s", "range"),
               ("POST", "/auth/tokens", {"label": "x", "ttl_s": "soon"},
                422, "ttl_s", "range"),
               ("POST", "/auth/tokens", {"label": "x", "ttl_s": -5},
                422, "ttl_s", "range"),
               ("POST", "/auth/tokens", {"label": "x" * 65}, 422, "label",
                "too_long"),
               ("POST", "/auth/password", {"password": ADMIN_PW}, 422,
                "new_password", "required"),
               ("POST", "/auth/password",
                {"password": "wrong", "new_password": "Xy7-kM2q!pRv"}, 403,
                "password", "credentials"),
               ("DELETE", "/auth/sessions/nonexistent", None, 404, "id",
                "not_found")],
      delete=("DELETE", "/auth/sessions/{id}", 204, 404, None),
      after_token=401,
      # Everyone has sessions and may make tokens; another's session is
      # "not found"; the password change is everyone's own (refused here
      # for the wrong current password, not for the role).
      perm={"ta GET /api/v1/auth/sessions": 200,
            "tb GET /api/v1/auth/sessions": 200,
            "user GET /api/v1/auth/sessions": 200,
            "ta POST /api/v1/auth/tokens": 201,
            "tb POST /api/v1/auth/tokens": 201,
            "user POST /api/v1/auth/tokens": 201,
            "ta DELETE /api/v1/auth/sessions/{id}": 404,
            "tb DELETE /api/v1/auth/sessions/{id}": 404,
            "user DELETE /api/v1/auth/sessions/{id}": 404,
            "ta POST /api/v1/auth/password": 422,
            "tb POST /api/v1/auth/password": 422,
            "user POST /api/v1/auth/password": 422}),
    R("security events", "system",
      ["GET /api/v1/security-events", "GET /api/v1/security-events/export"],
      show=("/security-events", "events", lambda v: len(v) >= 5),
      invalid=[("GET", "/security-events?kind=nonsense", None, 422, "kind",
                "enum"),
               ("GET", "/security-events?limit=0", None, 422, "limit",
                "range"),
               ("GET", "/security-events?since=yesterday", None, 422, "since",
                "integer"),
               ("GET", "/security-events/export?format=xml", None, 422,
                "format", "enum")],
      verify=verify_events),
    R("audit log", "audit",
      ["GET /api/v1/audit", "GET /api/v1/audit/export"],
      show=("/audit?limit=5", "entries", lambda v: len(v) == 5),
      invalid=[("GET", "/audit/export?format=xml", None, 422, "format",
                "enum"),
               ("GET", "/audit/export?since=yesterday", None, 422, "since",
                "integer")],
      verify=verify_audit,
      perm={"tb GET /api/v1/audit": 200, "tb GET /api/v1/audit/export": 200}),
    R("dashboard", "system",
      ["GET /api/v1/dashboard"],
      show=("/dashboard", None, {"at": lambda v: isinstance(v, int)}),
      verify=verify_dashboard),
]


# ---- the engine ------------------------------------------------------------

def list_items(who, e, ctx):
    path, key, _, _ = e["list"]
    _, doc = who.expect(200, "GET", fmt(path, ctx))
    items = dig(doc, key)
    if not isinstance(items, list):
        raise Fail("%s: %s is not a list: %s" % (path, key, dump(doc)))
    return items


def find(items, match):
    for it in items:
        if all(it.get(k) == v for k, v in match.items()):
            return it
    return None


def check_listed(who, e, ctx, want, what):
    path, key, match, _ = e["list"]
    m = match(ctx)
    it = find(list_items(who, e, ctx), m)
    if it is None:
        raise Fail("%s: %r not in GET %s" % (e["name"], m, fmt(path, ctx)))
    if want:
        subset(it, want, "%s %s in the list" % (e["name"], what))
    ok("%s: %r listed%s" % (e["name"], m, " " + what if what else ""))
    return it


def check_value(got, want, where):
    if callable(want):
        if not want(got):
            raise Fail("%s: unexpected %s" % (where, dump(got)))
    elif isinstance(want, dict):
        subset(got, want, where)


def probe_path(e, tmpl, ctx):
    p = e.get("probe", {}).get(tmpl)
    if p is not None:
        return fmt(p, ctx)
    path = tmpl.split(" ", 1)[1][len("/api/v1"):]
    path = path.replace("{domain}", ctx["d"])
    for k, v in e.get("params", {}).items():
        path = path.replace("{%s}" % k, v)
    if "{" in path:
        raise Fail("table: no probe value for %s" % tmpl)
    return path


def probe_body(e, method, ctx):
    if method == "GET":
        return None
    if e.get("create") and e["create"][0] == method:
        return fmt_body(e["create"][2], ctx)
    return {}


def expected(e, role, route):
    """Status a role gets on a route (None: allowed, not probed here)."""
    method = route.split(" ", 1)[0]
    key = "%s %s" % (role, route)
    if key in e.get("perm", {}):
        return e["perm"][key]
    scope = e["scope"]
    if role == "anon":
        return 401
    if role == "nocsrf":
        return None if method == "GET" else 403
    if role == "ta":
        return 403 if scope == "system" else None
    if role == "tb":
        return 403
    if role == "user":
        return 200 if scope == "own" and method == "GET" else 403
    raise Fail("unknown role " + role)


def permissions(env, e, ctx):
    """Every route of the resource, every refused role."""
    callers = {"anon": env["anon"], "nocsrf": env["nocsrf"],
               "user": env["us"], "tb": env["tb"], "ta": env["ta"]}
    rules = {401: "session", 403: "role"}
    for route in e["routes"]:
        method = route.split(" ", 1)[0]
        path = probe_path(e, route, ctx)
        for role, who in callers.items():
            want = expected(e, role, route)
            if want is None:
                continue
            rule = None
            if want in rules:
                rule = "csrf" if role == "nocsrf" else rules[want]
            _, doc = who.expect(want, method, path,
                                probe_body(e, method, ctx), rule=rule,
                                what="permission of %s" % role)
            pc = e.get("perm_check")
            if pc and not pc(env, role, doc if want < 300 else None):
                raise Fail("%s as %s: %s" % (route, role, dump(doc)))


def cycle(env, e, who, matrix):
    ctx = {"d": D}
    name = e["name"]
    print("== %s as %s" % (name, who.name))
    if e.get("prepare"):
        ctx.update(e["prepare"](env, who, ctx) or {})
    obj = None
    if e.get("create"):
        m, p, body, status, key, want = e["create"]
        _, doc = who.expect(status, m, fmt(p, ctx), fmt_body(body, ctx),
                            what="create")
        obj = dig(doc, key)
        check_value(obj, want, "%s: created" % name)
        ok("%s: the created object comes back" % name)
        if e.get("ids"):
            ctx.update(e["ids"](obj))
    if e.get("list"):
        check_listed(who, e, ctx, e["list"][3], "")
    if e.get("show"):
        p, key, want = e["show"]
        _, doc = who.expect(200, "GET", fmt(p, ctx), what="read")
        check_value(dig(doc, key), want, "%s: read" % name)
        ok("%s: read back" % name)
    if matrix:
        permissions(env, e, ctx)
    for step in e.get("update", []):
        m, p, body, status, key, want, listed = step[:7]
        as_token = len(step) > 7 and step[7] == "token"
        w = Client(who.name + " (token)", bearer=ctx["token"]) \
            if as_token else who
        _, doc = w.expect(status, m, fmt(p, ctx), fmt_body(body, ctx),
                          what="update")
        if want is not None:
            check_value(dig(doc, key), want, "%s: %s %s" % (name, m, p))
        if listed is not None:
            check_listed(who, e, ctx, listed, "after %s %s" % (m, p))
    if e.get("after_show"):
        p, key, want = e["after_show"]
        _, doc = who.expect(200, "GET", fmt(p, ctx), what="read again")
        check_value(dig(doc, key), want, "%s: read after update" % name)
    for step in e.get("invalid", []):
        m, p, body, status, field, rule = step[:6]
        if len(step) > 6 and who is not env["adm"]:
            status, field, rule = step[6], None, "role"
        who.expect(status, m, fmt(p, ctx), fmt_body(body, ctx), field=field,
                   rule=rule, what="refused")
    if e.get("verify") and who is env["adm"]:
        e["verify"](env, who, ctx)
    if e.get("delete"):
        m, p, status, again, after = e["delete"]
        body = e.get("delete_body")
        who.expect(status, m, fmt(p, ctx), body, what="delete")
        if e.get("list"):
            path, key, match, _ = e["list"]
            it = find(list_items(who, e, ctx), match(ctx))
            if after is None and it is not None:
                raise Fail("%s: still listed after delete: %s"
                           % (name, dump(it)))
            if after is not None:
                if it is None:
                    raise Fail("%s: gone from the list" % name)
                subset(it, after, "%s after delete" % name)
            ok("%s: %s after delete" % (name, "gone" if after is None
                                        else "listed as %r" % after))
        if e.get("after_list"):
            path, key, match, want = e["after_list"]
            _, doc = who.expect(200, "GET", fmt(path, ctx))
            it = find(dig(doc, key), match(ctx))
            if it is None:
                raise Fail("%s: %r not in %s" % (name, match(ctx), path))
            subset(it, want, "%s in %s" % (name, path))
        if e.get("after_show_status"):
            sp, st = e["after_show_status"]
            who.expect(st, "GET", fmt(sp, ctx), rule=True)
        if e.get("after_token"):
            Client("the deleted token", bearer=ctx["token"]).expect(
                e["after_token"], "GET", "/auth/me")
        rule = True if again >= 400 else None
        who.expect(again, m, fmt(p, ctx), body, rule=rule,
                   what="delete again")


# ---- setup, coverage, main -------------------------------------------------

def setup(env):
    anon = Client("anonymous")
    anon.expect(403, "POST", "/auth/login",
                {"username": "admin", "password": "admin"},
                rule="must_change")
    adm = login("admin", "admin", ADMIN_PW)
    adm.name = "admin"
    for dom in (D, O):
        adm.expect(201, "POST", "/tenants", {"domain": dom})
    # 101 may call out (the suspension needs an external call), 100 not
    for dom, ext, role in ((D, "100", "standard"), (D, "101", "international"),
                           (O, "200", "standard")):
        adm.expect(201, "POST", "/tenants/%s/users" % dom,
                   {"ext": ext, "role": role, "sip_password": SIP_PW[ext]})
    adm.expect(201, "POST", "/trunks",
               {"name": "prov", "kind": "ip", "networks": "192.0.2.0/24"})
    _, doc = adm.expect(200, "GET", "/tenants")
    env["tenant_ids"] = {t["domain"]: t["id"] for t in doc["tenants"]}
    for name, (role, dom, ext, first, own) in ACCOUNTS.items():
        body = {"username": name, "password": first, "role": role,
                "domain": dom}
        if ext:
            body["ext"] = ext
        adm.expect(201, "POST", "/admins", body)
        env[{"ta": "ta", "tb": "tb", "u100": "us"}[name]] = \
            login(name, first, own)
    env.update(adm=adm, anon=anon, nocsrf=adm.without_csrf())


def coverage(env):
    _, doc = env["anon"].expect(200, "GET", "/openapi.json")
    served = {"%s %s" % (m.upper(), p)
              for p, item in doc["paths"].items() for m in item}
    tabled = {}
    for e in RESOURCES:
        for r in e["routes"]:
            if r in tabled:
                raise Fail("table: %s in %s and %s" % (r, tabled[r], e["name"]))
            tabled[r] = e["name"]
    both = set(tabled) & set(COVERED_ELSEWHERE)
    if both:
        raise Fail("table: in the table and covered elsewhere: %r" % both)
    missing = sorted(served - set(tabled) - set(COVERED_ELSEWHERE))
    if missing:
        raise Fail("routes without a test (add them to RESOURCES in "
                   "tests/e2e/api_crud/check.py): %s" % ", ".join(missing))
    stale = sorted((set(tabled) | set(COVERED_ELSEWHERE)) - served)
    if stale:
        raise Fail("routes in the test that the API does not serve: %s"
                   % ", ".join(stale))
    ok("coverage: %d routes served, %d in the table, %d covered elsewhere"
       % (len(served), len(tabled), len(COVERED_ELSEWHERE)))
    return len(served)


def main():
    env = {}
    t0 = time.monotonic()
    setup(env)
    n_routes = coverage(env)
    for e in RESOURCES:
        cycle(env, e, env["adm"], True)
        if e["scope"] in ("tenant", "own", "admins"):
            cycle(env, e, env["ta"], False)
    print("api_crud: %d resources, %d checks (%d routes, %.1f s)"
          % (len(RESOURCES), CHECKS[0], n_routes, time.monotonic() - t0))


if __name__ == "__main__":
    try:
        main()
    except (Fail, sipclient.SipError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
