#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Admin access checks against the running daemon (https://127.0.0.1:8887).

check.py PHASE STATE_FILE OFFSET_S runs one phase; run.sh restarts the
daemon between phases with [http] clock_offset_s = OFFSET_S (the admin
plane's clock that far ahead), so expiry is tested without waiting.
Sessions, passwords and links a later phase needs are kept in STATE_FILE
(JSON). Every check prints what it did; the first failure raises with the
request, the status and the body. Standard library only.
"""

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import struct
import sys
import time

HOST, PORT = "127.0.0.1", 8887
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

ADMIN_PW = "Vq7#mR2p-Lx9w"
TA_PW = "Rt5-mW2x!pLc"
U_PW_LONG = "Gw8-cN4k!sTd-Xyq"


class Fail(Exception):
    pass


CHECKS = [0]


def ok(msg):
    CHECKS[0] += 1
    print("ok  " + msg)


class Session:
    def __init__(self, source="127.0.0.1", cookie=None, csrf=None):
        self.cookie = cookie
        self.csrf = csrf
        self.source = source

    def call(self, method, path, body=None):
        c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=5,
                                        source_address=(self.source, 0))
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf:
            h["X-CSRF-Token"] = self.csrf
        if not path.startswith("/api/"):
            path = "/api/v1" + path
        c.request(method, path, body=data, headers=h)
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

    def expect(self, status, method, path, body=None, field=None, rule=None):
        st, hdrs, doc = self.call(method, path, body)
        if st != status:
            raise Fail("%s %s from %s -> %d (expected %d): %s"
                       % (method, path, self.source, st, status, doc))
        if field is not None or rule is not None:
            if not isinstance(doc, dict):
                raise Fail("%s %s: not a problem document: %r"
                           % (method, path, doc))
            if field is not None and doc.get("field") != field:
                raise Fail("%s %s: field %r, expected %r: %r"
                           % (method, path, doc.get("field"), field, doc))
            if rule is not None and doc.get("rule") != rule:
                raise Fail("%s %s: rule %r, expected %r: %r"
                           % (method, path, doc.get("rule"), rule, doc))
        ok("%s %s (from %s) -> %d%s" % (method, path, self.source, st,
                                        " rule=" + rule if rule else ""))
        return hdrs, doc

    def keep(self):
        return {"cookie": self.cookie, "csrf": self.csrf}


def login(user, pw, new=None, otp=None, source="127.0.0.1", status=200,
          rule=None):
    s = Session(source)
    body = {"username": user, "password": pw}
    if new:
        body["new_password"] = new
    if otp:
        body["otp"] = otp
    hdrs, doc = s.expect(status, "POST", "/auth/login", body, rule=rule)
    if status == 200:
        s.cookie = hdrs.get("set-cookie", "").split(";")[0]
        s.csrf = doc["csrf_token"]
    return s


def restore(d):
    return Session(cookie=d["cookie"], csrf=d["csrf"])


def totp(secret_b32, unix_s):
    """RFC 6238: HMAC-SHA1, 30 s steps, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(unix_s) // 30),
                   hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (n % 1000000)


def settings(s):
    _, doc = s.expect(200, "GET", "/admin-settings")
    return doc["settings"]


def audit(s, action):
    _, doc = s.expect(200, "GET", "/audit?action=" + action)
    return doc["entries"]


# ---- phase 1 (offset 0): accounts, settings, networks, links, sessions --

def phase_setup(state, offset):
    s = Session()
    s.expect(403, "POST", "/auth/login",
             {"username": "admin", "password": "admin"}, rule="must_change")
    adm = login("admin", "admin", new=ADMIN_PW)
    for dom in ("a.test", "b.test"):
        adm.expect(201, "POST", "/tenants", {"domain": dom})
    adm.expect(201, "POST", "/tenants/a.test/users",
               {"ext": "100", "generate_password": True})
    adm.expect(201, "POST", "/tenants/b.test/users",
               {"ext": "200", "generate_password": True})
    adm.expect(201, "POST", "/admins",
               {"username": "ta", "password": "Kp4-zT8q!wRm",
                "role": "tenant_admin", "domain": "a.test"})
    adm.expect(201, "POST", "/admins",
               {"username": "u100", "password": "Hy6-vB3n!qZx",
                "role": "user", "domain": "a.test", "ext": "100"})
    ta = login("ta", "Kp4-zT8q!wRm", new=TA_PW)
    us = login("u100", "Hy6-vB3n!qZx", new="Gw8-cN4k!sTd")

    # Admin settings: shape, ranges, audit with old and new, roles.
    cur = settings(adm)
    for k, v in (("session_idle_s", 900), ("session_absolute_s", 43200),
                 ("require_2fa", False), ("allowed_networks", []),
                 ("login_max_failures", 5), ("audit_max_days", 365)):
        if cur.get(k) != v:
            raise Fail("default %s = %r, expected %r" % (k, cur.get(k), v))
    for key in ("api_token_max_s", "login_period_s", "login_block_s",
                "pw_history", "audit_max_rows"):
        if not isinstance(cur.get(key), int):
            raise Fail("setting %s missing: %r" % (key, cur))
    adm.expect(422, "PUT", "/admin-settings/session_idle_s", {"value": 5},
               field="session_idle_s", rule="range")
    adm.expect(422, "PUT", "/admin-settings/pw_history", {"value": 25},
               field="pw_history", rule="range")
    adm.expect(422, "PUT", "/admin-settings/session_absolute_s",
               {"value": "soon"}, field="session_absolute_s", rule="integer")
    adm.expect(404, "PUT", "/admin-settings/no_such", {"value": 1})
    _, doc = adm.expect(200, "PUT", "/admin-settings/session_idle_s",
                        {"value": 600})
    if doc["settings"]["session_idle_s"] != 600:
        raise Fail("session_idle_s not applied: %r" % doc)
    e = audit(adm, "admin.settings.set")[0]
    if (e["target"], e["actor"], e["client_ip"], e.get("old"), e.get("new")) \
            != ("session_idle_s", "admin", "127.0.0.1", {"value": 900},
                {"value": 600}):
        raise Fail("audit of the change: %r" % e)
    ok("audit: session_idle_s 900 -> 600 by admin from 127.0.0.1")
    ta.expect(403, "GET", "/admin-settings", rule="role")
    ta.expect(403, "PUT", "/admin-settings/session_idle_s", {"value": 700},
              rule="role")
    # Lock-out: a list without the caller's own address is refused.
    adm.expect(422, "PUT", "/admin-settings/allowed_networks",
               {"value": ["10.0.0.0/8", "2001:db8::/32"]},
               field="allowed_networks", rule="lockout")
    if settings(adm)["allowed_networks"] != []:
        raise Fail("lock-out list applied")

    # A tenant's password policy binds its portal accounts too.
    ta.expect(200, "PUT", "/tenants/a.test/password-policy",
              {"pw_min_len": 14, "pw_classes": 4})
    ta.expect(403, "PUT", "/tenants/b.test/password-policy",
              {"pw_min_len": 14}, rule="role")
    ta.expect(422, "PUT", "/tenants/a.test/password-policy",
              {"pw_min_len": 30}, field="pw_min_len", rule="range")
    us.expect(422, "POST", "/auth/password",
              {"password": "Gw8-cN4k!sTd", "new_password": "Zx5-tR9w!qLm"},
              field="new_password", rule="too_short")
    us.expect(204, "POST", "/auth/password",
              {"password": "Gw8-cN4k!sTd", "new_password": U_PW_LONG})

    # Allowed networks: administrators only from 127.0.0.0/30.
    _, doc = adm.expect(200, "PUT", "/admin-settings/allowed_networks",
                        {"value": ["127.0.0.0/30"]})
    if doc["settings"]["allowed_networks"] != ["127.0.0.0/30"]:
        raise Fail("allowed_networks: %r" % doc)
    login("admin", ADMIN_PW, source="127.0.0.5", status=401,
          rule="credentials")
    login("ta", TA_PW, source="127.0.0.5", status=401, rule="credentials")
    login("u100", U_PW_LONG, source="127.0.0.5")
    login("admin", ADMIN_PW, source="127.0.0.1")
    login("admin", ADMIN_PW, source="127.0.0.2")
    adm.expect(200, "PUT", "/admin-settings/allowed_networks", {"value": []})
    login("admin", ADMIN_PW, source="127.0.0.5")

    # Support links.
    _, l1 = adm.expect(201, "POST", "/support-links",
                       {"domain": "a.test", "hours": 1})
    _, l2 = adm.expect(201, "POST", "/support-links",
                       {"domain": "a.test", "hours": 1})
    _, l3 = adm.expect(201, "POST", "/support-links",
                       {"domain": "a.test", "hours": 1})
    sup = use_link(l1["url"])
    sup.expect(200, "GET", "/tenants/a.test/users")
    sup.expect(403, "GET", "/tenants/b.test/users", rule="role")
    sup.expect(403, "GET", "/admin-settings", rule="role")
    adm.expect(204, "DELETE", "/support-links/%d" % l2["id"])
    Session().expect(403, "GET", l2["url"], rule="support_link")
    results = [e["result"] for e in audit(adm, "support.use")]
    if sorted(results) != ["ok", "revoked"]:
        raise Fail("support.use audit: %r" % results)
    ok("support link uses audited: %r" % results)

    # Sessions: idle 600 s (set above), absolute 3600 s.
    adm.expect(200, "PUT", "/admin-settings/session_absolute_s",
               {"value": 3600})
    idle = login("admin", ADMIN_PW)
    idle.expect(200, "GET", "/auth/me")
    state.update(adm=adm.keep(), idle=idle.keep(), l3=l3["url"])


def use_link(url):
    s = Session()
    hdrs, _ = s.expect(303, "GET", url)
    s.cookie = hdrs.get("set-cookie", "").split(";")[0]
    if not s.cookie.startswith("sw_session="):
        raise Fail("support link gave no session: %r" % hdrs)
    return s


# ---- phase 2 (offset 0): a change made with the CLI reaches the daemon -

def phase_cli(state, offset):
    adm = restore(state["adm"])
    # The daemon re-reads its settings when another connection committed:
    # the first request after the CLI's change sees it.
    if settings(adm)["login_max_failures"] != 7:
        raise Fail("the CLI's login_max_failures = 7 was not picked up")
    ok("CLI change picked up by the running daemon")
    e = audit(adm, "admin.settings.set")[0]
    if (e["actor"], e["target"], e.get("new")) != \
            ("cli", "login_max_failures", {"value": 7}):
        raise Fail("CLI change audit: %r" % e)


# ---- later phases: the daemon restarted with its clock ahead -----------

def phase_idle_ok(state, offset):
    # 300 s after sign-in, below the 600 s idle timeout.
    restore(state["idle"]).expect(200, "GET", "/auth/me")
    # The 1-hour support link is still good.
    use_link(state["l3"]).expect(200, "GET", "/tenants/a.test/users")


def phase_idle_gone(state, offset):
    # Last used at +300, now +1000: idle for 700 s > 600 s.
    restore(state["idle"]).expect(401, "GET", "/auth/me", rule="session")
    adm = login("admin", ADMIN_PW)
    adm.expect(200, "PUT", "/admin-settings/session_idle_s", {"value": 86400})
    absolute = login("admin", ADMIN_PW)
    absolute.expect(200, "GET", "/auth/me")
    state.update(absolute=absolute.keep())


def phase_abs_ok(state, offset):
    # 3000 s after sign-in, below the 3600 s absolute timeout.
    restore(state["absolute"]).expect(200, "GET", "/auth/me")


def phase_final(state, offset):
    # 6200 s after sign-in: past the absolute timeout though used lately.
    restore(state["absolute"]).expect(401, "GET", "/auth/me", rule="session")
    # The 1-hour link made 2 hours ago is refused.
    Session().expect(403, "GET", state["l3"], rule="support_link")
    adm = login("admin", ADMIN_PW)
    results = sorted(e["result"] for e in audit(adm, "support.use"))
    if results != ["expired", "ok", "ok", "revoked"]:
        raise Fail("support.use audit: %r" % results)
    ok("support link uses audited: %r" % results)

    # require_2fa: a system administrator without TOTP may only enrol.
    adm.expect(200, "PUT", "/admin-settings/require_2fa", {"value": True})
    adm.expect(403, "GET", "/tenants", rule="2fa_required")
    adm.expect(403, "GET", "/admin-settings", rule="2fa_required")
    _, me = adm.expect(200, "GET", "/auth/me")
    if me.get("must_enrol_2fa") is not True:
        raise Fail("me: %r" % me)
    ta = login("ta", TA_PW)
    _, me = ta.expect(200, "GET", "/auth/me")
    if me.get("must_enrol_2fa") is not False:
        raise Fail("tenant admin me: %r" % me)
    ta.expect(200, "GET", "/tenants/a.test/users")
    _, en = adm.expect(200, "POST", "/auth/2fa/enrol", {})
    svg = en.get("qr_svg", "")
    if not svg.startswith("<svg ") or "</svg>" not in svg \
            or not en["uri"].startswith("otpauth://totp/"):
        raise Fail("enrolment: %r" % {k: str(v)[:80] for k, v in en.items()})
    ok("enrolment gives the otpauth URI and its QR code (%d bytes)"
       % len(svg))
    secret = en["secret"]
    # The daemon's clock is 'offset' seconds ahead of ours.
    step0 = time.time() + offset
    adm.expect(422, "POST", "/auth/2fa/confirm", {"otp": "000000"},
               rule="otp")
    first = totp(secret, step0)
    adm.expect(200, "POST", "/auth/2fa/confirm", {"otp": first})
    adm.expect(200, "GET", "/tenants")
    adm.expect(204, "POST", "/auth/logout", {})
    login("admin", ADMIN_PW, status=401, rule="otp_required")
    # The confirming code is spent; the next step's code works once.
    login("admin", ADMIN_PW, otp=first, status=401, rule="otp")
    nxt = totp(secret, step0 + 30)
    adm = login("admin", ADMIN_PW, otp=nxt)
    adm.expect(200, "GET", "/admin-settings")
    login("admin", ADMIN_PW, otp=nxt, status=401, rule="otp")


PHASES = {
    "setup": phase_setup,
    "cli": phase_cli,
    "idle_ok": phase_idle_ok,
    "idle_gone": phase_idle_gone,
    "abs_ok": phase_abs_ok,
    "final": phase_final,
}


def main():
    phase, path, offset = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        with open(path) as f:
            state = json.load(f)
    except FileNotFoundError:
        state = {}
    PHASES[phase](state, offset)
    with open(path, "w") as f:
        json.dump(state, f)
    print("phase %s passed (%d checks)" % (phase, CHECKS[0]))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("FAIL: %s" % e)
        sys.exit(1)
