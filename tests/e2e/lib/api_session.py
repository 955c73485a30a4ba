# SPDX-License-Identifier: Apache-2.0
"""A REST API session for the e2e checks: HTTPS to the daemon's portal
listener (certificate not verified: it is made at test time), from a
chosen source address, with the session cookie and CSRF token of a
sign-in. expect() raises Fail on another status than the one wanted."""

import http.client
import json
import ssl

CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class Fail(Exception):
    pass


class Session:
    def __init__(self, source="127.0.0.1", host="127.0.0.1", port=8887,
                 verbose=True):
        self.cookie = None
        self.csrf = None
        self.source = source
        self.host = host
        self.port = port
        self.verbose = verbose

    def call(self, method, path, body=None):
        """(status, lower-cased headers, raw body) of /api/v1<path>."""
        c = http.client.HTTPSConnection(self.host, self.port, context=CTX,
                                        timeout=10,
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
        c.request(method, "/api/v1" + path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, raw

    def expect(self, status, method, path, body=None):
        """(headers, raw body) when the answer is 'status'."""
        st, hdrs, raw = self.call(method, path, body)
        if st != status:
            raise Fail("%s %s -> %d (expected %d): %s"
                       % (method, path, st, status, raw[:400]))
        if self.verbose:
            print("ok  %s %s -> %d" % (method, path, st))
        return hdrs, raw

    def json(self, status, method, path, body=None):
        """The JSON body (None when empty) when the answer is 'status'."""
        hdrs, raw = self.expect(status, method, path, body)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise Fail("%s %s: not JSON: %r" % (method, path, raw[:200]))

    def login(self, user, pw, new=None):
        """Sign in (changing the password when 'new'); keeps the cookie and
        the CSRF token. Returns the answer's JSON."""
        body = {"username": user, "password": pw}
        if new:
            body["new_password"] = new
        hdrs, raw = self.expect(200, "POST", "/auth/login", body)
        self.cookie = hdrs.get("set-cookie", "").split(";")[0]
        doc = json.loads(raw)
        self.csrf = doc["csrf_token"]
        return doc
