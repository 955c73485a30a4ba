#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The provisioning REST routes (run.sh): a system administrator enables,
lists, rotates and disables through /api/v1/provisioning and the tenant
routes; a tenant administrator of another tenant is refused; every token
returned serves its file at /prov/<token>/ and stops when rotated or
disabled. Usage: rest.py HOST:PORT DOMAIN."""
import http.client
import json
import ssl
import sys

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)
D = sys.argv[2]
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class Fail(Exception):
    pass


def request(method, path, body=None, hdrs=None):
    c = http.client.HTTPSConnection(HOST, PORT, context=CTX, timeout=10)
    h = {"User-Agent": "sipwarden-e2e"}
    h.update(hdrs or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, raw)
    c.close()
    return out


class Session:
    def __init__(self, user, pw, new):
        st, hdrs, raw = request("POST", "/api/v1/auth/login",
                                {"username": user, "password": pw,
                                 "new_password": new})
        if st != 200:
            raise Fail("login %s -> %d: %s" % (user, st, raw[:300]))
        self.cookie = hdrs["set-cookie"].split(";")[0]
        self.csrf = json.loads(raw)["csrf_token"]

    def expect(self, status, method, path, body=None):
        st, _, raw = request(method, "/api/v1" + path, body,
                             {"Cookie": self.cookie,
                              "X-CSRF-Token": self.csrf})
        if st != status:
            raise Fail("%s %s -> %d (expected %d): %s"
                       % (method, path, st, status, raw[:300]))
        print("ok  %s %s -> %d" % (method, path, st))
        return json.loads(raw) if raw else None


def served(doc, name, want):
    st, hdrs, raw = request("GET", doc["path"] + name)
    if st != want:
        raise Fail("GET %s%s -> %d (expected %d)" % (doc["path"], name, st,
                                                      want))
    if hdrs.get("cache-control") != "no-store":
        raise Fail("provisioning answer without no-store: %r" % hdrs)
    print("ok  GET /prov/<token>/%s -> %d" % (name, st))


def main():
    adm = Session("admin", "admin", "Vq7#mR2p-Lx9w")
    # Tenant route (system administrator; tenant admins use the same).
    doc = adm.expect(201, "POST", "/tenants/%s/provisioning" % D,
                     {"ext": "103", "vendor": "generic"})
    if doc["user"] != "103@" + D or len(doc["token"]) != 32:
        raise Fail("enable answer: %r" % doc)
    served(doc, "config.xml", 200)
    rows = adm.expect(200, "GET", "/tenants/%s/provisioning" % D)
    if "103@" + D not in [r["user"] for r in rows["provisioning"]]:
        raise Fail("tenant list: %r" % rows)
    rot = adm.expect(200, "POST", "/tenants/%s/provisioning/103/rotate" % D)
    served(doc, "config.xml", 404)
    served(rot, "config.xml", 200)
    adm.expect(422, "POST", "/tenants/%s/provisioning" % D,
               {"ext": "103", "vendor": "cisco"})
    adm.expect(404, "POST", "/tenants/%s/provisioning" % D,
               {"ext": "999"})

    # System routes.
    doc = adm.expect(201, "POST", "/provisioning",
                     {"user": "104@" + D, "vendor": "polycom"})
    served(doc, "phone.cfg", 200)
    rows = adm.expect(200, "GET", "/provisioning")
    if {r["user"] for r in rows["provisioning"]} < {"103@" + D, "104@" + D}:
        raise Fail("system list: %r" % rows)
    rot = adm.expect(200, "POST", "/provisioning/104@%s/rotate" % D)
    served(doc, "phone.cfg", 404)
    served(rot, "phone.cfg", 200)
    adm.expect(200, "DELETE", "/provisioning/104@%s" % D)
    adm.expect(404, "DELETE", "/provisioning/104@%s" % D)
    served(rot, "phone.cfg", 404)

    # A tenant administrator of another tenant sees nothing of this one.
    adm.expect(201, "POST", "/tenants", {"domain": "other.example"})
    adm.expect(201, "POST", "/admins",
               {"username": "prov-ta", "password": "Zq8-wN3v!pKt",
                "role": "tenant_admin", "domain": "other.example"})
    ta = Session("prov-ta", "Zq8-wN3v!pKt", "Kp4-zT8q!wRm")
    ta.expect(403, "GET", "/tenants/%s/provisioning" % D)
    ta.expect(403, "POST", "/tenants/%s/provisioning" % D, {"ext": "103"})
    ta.expect(403, "GET", "/provisioning")
    ta.expect(200, "GET", "/tenants/other.example/provisioning")

    adm.expect(200, "DELETE", "/tenants/%s/provisioning/103" % D)
    adm.expect(404, "DELETE", "/tenants/%s/provisioning/103" % D)
    print("REST provisioning routes: ok")


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("FAIL: %s" % e)
        sys.exit(1)
