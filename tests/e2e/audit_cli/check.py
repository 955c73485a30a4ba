#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The audit case's API side (https://127.0.0.1:8887).

  check.py fix              first sign-in of admin/admin with a new
                            password, then TOTP enrolment; the session is
                            kept in the case directory's state file
  check.py compare FILE     GET /api/v1/security-checklist equals the
                            CLI's `audit --json` FILE in item ids and
                            statuses; a tenant administrator is refused
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import ssl
import struct
import sys
import time

HOST, PORT = "127.0.0.1", 8887
NEW_PW = "Vq7#mR2p-Lx9w"
STATE = os.path.join(os.environ.get("SW_E2E_DIR", "/tmp"), "audit-session")
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class Fail(Exception):
    pass


def call(method, path, body=None, sess=None):
    c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=30)
    h = {"User-Agent": "audit-e2e"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if sess:
        h["Cookie"] = sess["cookie"]
        h["X-CSRF-Token"] = sess["csrf"]
    c.request(method, "/api/v1" + path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    doc = json.loads(raw) if raw else None
    return r.status, hdrs, doc


def expect(status, method, path, body=None, sess=None):
    st, hdrs, doc = call(method, path, body, sess)
    if st != status:
        raise Fail("%s %s -> %d (expected %d): %s"
                   % (method, path, st, status, doc))
    print("ok  %s %s -> %d" % (method, path, st))
    return hdrs, doc


def totp(secret_b32, unix_s):
    """RFC 6238: HMAC-SHA1, 30 s steps, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(unix_s) // 30),
                   hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (n % 1000000)


def login(user, pw, new=None):
    body = {"username": user, "password": pw}
    if new:
        body["new_password"] = new
    hdrs, doc = expect(200, "POST", "/auth/login", body)
    return {"cookie": hdrs.get("set-cookie", "").split(";")[0],
            "csrf": doc["csrf_token"]}


def fix():
    sess = login("admin", "admin", new=NEW_PW)
    _, en = expect(200, "POST", "/auth/2fa/enrol", {}, sess)
    expect(200, "POST", "/auth/2fa/confirm",
           {"otp": totp(en["secret"], time.time())}, sess)
    with open(STATE, "w") as f:
        json.dump(sess, f)
    print("fixed: admin password changed, TOTP enrolled")


def compare(path):
    with open(STATE) as f:
        sess = json.load(f)
    with open(path) as f:
        cli = json.load(f)
    _, api = expect(200, "GET", "/security-checklist", sess=sess)
    got = [(i["id"], i["status"]) for i in api["items"]]
    want = [(i["id"], i["status"]) for i in cli["items"]]
    if got != want:
        raise Fail("API %r\n != CLI %r" % (got, want))
    if api["summary"] != cli["summary"]:
        raise Fail("summary: API %r, CLI %r" % (api["summary"],
                                                 cli["summary"]))
    for i in api["items"]:
        for k in ("title", "evidence", "fix"):
            if not isinstance(i.get(k), str):
                raise Fail("item %s lacks %s" % (i.get("id"), k))
    # System administrators only.
    expect(201, "POST", "/tenants", {"domain": "audit.test"}, sess)
    expect(201, "POST", "/admins",
           {"username": "ta", "password": "Kp4-zT8q!wRm",
            "role": "tenant_admin", "domain": "audit.test"}, sess)
    ta = login("ta", "Kp4-zT8q!wRm", new="Rt5-mW2x!pLc")
    expect(403, "GET", "/security-checklist", sess=ta)
    print("API and CLI agree on %d items (%r)" % (len(got), api["summary"]))


def main():
    try:
        if sys.argv[1] == "fix":
            fix()
        elif sys.argv[1] == "compare":
            compare(sys.argv[2])
        else:
            raise Fail("unknown step " + sys.argv[1])
    except Fail as e:
        print("FAIL:", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
