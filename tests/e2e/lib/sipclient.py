#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Minimal SIP client for the end-to-end tests.

Builds REGISTER and OPTIONS requests by hand, sends them over UDP, TCP or
TLS, reads the final response and answers digest challenges itself (RFC
7616 / RFC 8760: MD5 and SHA-256, qop=auth) with hashlib. It knows nothing
of sipwarden's internals: it only sees the wire. Used as a library by the
cases' check scripts and, from the command line, for bulk registration over
TLS (SIPp 3.6.1 in Debian is built without TLS):

  sipclient.py bulk-register --transport tls --server 127.0.0.1:5061 \
      --csv users.csv [--connections 4] [--expires 3600]
  sipwarden reg list --json | sipclient.py reg-json   # normalised array

The CSV is the SIPp injection file written by lib.sh make_users (first line
SEQUENTIAL, then EXT;[authentication username=EXT password=PW];DOMAIN).
"""

import argparse
import hashlib
import json
import re
import secrets
import socket
import ssl
import sys
import threading
import time

HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


class SipError(Exception):
    pass


# --- wire -------------------------------------------------------------------


class Response:
    """A parsed SIP response: status, reason, ordered headers, raw bytes."""

    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)$", lines[0])
        if not m:
            raise SipError("not a SIP response: %r" % lines[0][:80])
        self.status = int(m.group(1))
        self.reason = m.group(2)
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            name, sep, value = line.partition(":")
            if sep:
                self.headers.append((name.strip(), value.strip()))

    def get_all(self, name):
        aliases = {"v": "via", "f": "from", "t": "to", "i": "call-id",
                   "m": "contact", "l": "content-length"}
        want = name.lower()
        return [v for n, v in self.headers
                if n.lower() == want or aliases.get(n.lower()) == want]

    def get(self, name):
        vals = self.get_all(name)
        return vals[0] if vals else None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.reason)


def split_msgs(buf):
    """Cut complete messages off a stream buffer (RFC 3261 §18.3 framing).
    Returns (list of messages, rest)."""
    out = []
    while True:
        while buf.startswith(b"\r\n"):  # keep-alive CRLFs
            buf = buf[2:]
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        head = buf[:end].decode("utf-8", "replace")
        m = re.search(r"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
        clen = int(m.group(1)) if m else 0
        total = end + 4 + clen
        if len(buf) < total:
            return out, buf
        out.append(buf[:total])
        buf = buf[total:]


class Transport:
    """One socket to the server. name is UDP, TCP or TLS (Via/Contact)."""

    def __init__(self, kind, server, local_host=None, cafile=None):
        self.kind = kind.upper()
        self.server = server
        host = server[0]
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        if self.kind == "UDP":
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self.sock.bind((local_host or host, 0))
            self.sock.connect(server)
        else:
            raw = socket.socket(fam, socket.SOCK_STREAM)
            raw.bind((local_host or host, 0))
            raw.settimeout(5)
            raw.connect(server)
            if self.kind == "TLS":
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                if cafile:
                    ctx.load_verify_locations(cafile)
                    ctx.check_hostname = False
                else:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                raw = ctx.wrap_socket(raw, server_hostname=None)
            self.sock = raw
        self.local = self.sock.getsockname()[:2]
        self.rbuf = b""
        self.queue = []

    def send(self, data):
        if self.kind == "UDP":
            self.sock.send(data)
        else:
            self.sock.sendall(data)

    def recv_msg(self, timeout_s):
        """Next complete message, or None after timeout_s."""
        if self.queue:
            return self.queue.pop(0)
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65535)
            except (socket.timeout, TimeoutError):
                return None
            if self.kind == "UDP":
                return data
            if not data:
                raise SipError("connection closed by server")
            self.rbuf += data
            msgs, self.rbuf = split_msgs(self.rbuf)
            if msgs:
                self.queue.extend(msgs[1:])
                return msgs[0]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hostport(addr):
    host, port = addr
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


# --- digest -----------------------------------------------------------------


def parse_challenge(value):
    """'Digest realm="x", nonce="y", ...' -> dict with lower-case keys."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipError("not a Digest challenge: " + value)
    params = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)',
                         rest):
        params[m.group(1).lower()] = (m.group(3) if m.group(3) is not None
                                      else m.group(2))
    return params


def digest_authorization(ch, user, password, method, uri, nc=1, cnonce=None,
                         algorithm=None):
    """Authorization header value answering challenge dict ch (qop=auth)."""
    alg = (algorithm or ch.get("algorithm") or "MD5").upper()
    if alg not in HASHES:
        raise SipError("unsupported algorithm " + alg)
    h = lambda s: HASHES[alg](s.encode()).hexdigest()
    realm, nonce = ch["realm"], ch["nonce"]
    cnonce = cnonce or secrets.token_hex(8)
    ha1 = h("%s:%s:%s" % (user, realm, password))
    ha2 = h("%s:%s" % (method, uri))
    qops = [q.strip() for q in ch.get("qop", "").split(",") if q.strip()]
    ncs = "%08x" % nc
    if "auth" in qops:
        resp = h("%s:%s:%s:%s:auth:%s" % (ha1, nonce, ncs, cnonce, ha2))
        tail = ", qop=auth, nc=%s, cnonce=\"%s\"" % (ncs, cnonce)
    else:
        resp = h("%s:%s:%s" % (ha1, nonce, ha2))
        tail = ""
    out = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
           'response="%s", algorithm=%s%s'
           % (user, realm, nonce, uri, resp, alg, tail))
    if "opaque" in ch:
        out += ', opaque="%s"' % ch["opaque"]
    return out


def challenges(resp):
    return [parse_challenge(v) for v in resp.get_all("WWW-Authenticate")]


def pick_challenge(resp, algorithm=None):
    chs = challenges(resp)
    if not chs:
        raise SipError("401 without WWW-Authenticate")
    for ch in chs:
        alg = ch.get("algorithm", "MD5").upper()
        if algorithm is None and alg in HASHES:
            return ch
        if algorithm and alg == algorithm.upper():
            return ch
    raise SipError("no %s challenge in %s" % (algorithm or "usable",
                                              resp.get_all("WWW-Authenticate")))


# --- requests ---------------------------------------------------------------


class Client:
    """Sends requests from one transport and matches their final responses."""

    def __init__(self, transport, domain):
        self.t = transport
        self.domain = domain
        self.call_ids = {}

    def contact_for(self, user):
        return "<sip:%s@%s;transport=%s>" % (user, hostport(self.t.local),
                                             self.t.kind.lower())

    def build(self, method, ruri, user, cseq, call_id, from_tag, headers=(),
              branch=None, to_user=None, cseq_raw=None):
        branch = branch or "z9hG4bK" + secrets.token_hex(10)
        to_user = user if to_user is None else to_user
        to_uri = ("sip:%s@%s" % (to_user, self.domain) if to_user
                  else "sip:" + self.domain)
        lines = [
            "%s %s SIP/2.0" % (method, ruri),
            "Via: SIP/2.0/%s %s;branch=%s;rport" % (self.t.kind,
                                                    hostport(self.t.local),
                                                    branch),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (user, self.domain, from_tag),
            "To: <%s>" % to_uri,
            "Call-ID: %s" % call_id,
            "CSeq: %s" % (cseq_raw if cseq_raw is not None
                          else "%d %s" % (cseq, method)),
        ]
        lines.extend(headers)
        lines.append("User-Agent: sipwarden-e2e")
        lines.append("Content-Length: 0")
        return ("\r\n".join(lines) + "\r\n\r\n").encode(), branch

    def transact(self, data, branch, timeout_s=4.0):
        """Send, retransmit over UDP (500 ms doubling), return the final
        response whose Via branch matches."""
        deadline = time.monotonic() + timeout_s
        interval = 0.5
        self.t.send(data)
        next_tx = time.monotonic() + interval
        while time.monotonic() < deadline:
            wait = min(deadline, next_tx) - time.monotonic()
            raw = self.t.recv_msg(max(wait, 0.01))
            if raw is None:
                if self.t.kind == "UDP" and time.monotonic() >= next_tx:
                    self.t.send(data)
                    interval = min(interval * 2, 4.0)
                    next_tx = time.monotonic() + interval
                continue
            try:
                resp = Response(raw)
            except SipError:
                continue
            via = resp.get("Via") or ""
            if branch not in via or resp.status < 200:
                continue
            return resp
        raise SipError("no final response within %.1f s" % timeout_s)

    def request(self, method, ruri, user, headers=(), cseq=1, call_id=None,
                from_tag=None, to_user=None, cseq_raw=None, timeout_s=4.0):
        call_id = call_id or secrets.token_hex(12) + "@e2e"
        from_tag = from_tag or secrets.token_hex(6)
        data, branch = self.build(method, ruri, user, cseq, call_id, from_tag,
                                  headers, to_user=to_user, cseq_raw=cseq_raw)
        return self.transact(data, branch, timeout_s)

    def register(self, user, password=None, expires=3600, contacts=None,
                 algorithm=None, extra=(), call_id=None, cseq=1):
        """REGISTER for user@domain; answers one 401 if password is given.
        Returns (final response, challenge dict used or None, next cseq)."""
        call_id = call_id or secrets.token_hex(12) + "@e2e"
        from_tag = secrets.token_hex(6)
        contacts = contacts or [self.contact_for(user)]
        hdrs = ["Contact: " + c for c in contacts]
        if expires is not None:
            hdrs.append("Expires: %d" % expires)
        hdrs.extend(extra)
        ruri = "sip:" + self.domain
        data, branch = self.build("REGISTER", ruri, user, cseq, call_id,
                                  from_tag, hdrs)
        resp = self.transact(data, branch)
        cseq += 1
        if resp.status != 401 or password is None:
            return resp, None, cseq
        ch = pick_challenge(resp, algorithm)
        auth = digest_authorization(ch, user, password, "REGISTER", ruri,
                                    algorithm=algorithm)
        data, branch = self.build("REGISTER", ruri, user, cseq, call_id,
                                  from_tag, hdrs + ["Authorization: " + auth])
        return self.transact(data, branch), ch, cseq + 1


# --- reg list --json ----------------------------------------------------------


def reg_rows(text, notes=None):
    """Bindings from `sipwarden reg list --json`: {"ok": true,
    "registrations": [...]}, each binding with aor, contact, expires_at
    (epoch) and expires_in (s). Returned as a list of dicts that also carry
    "expires" (= expires_at). A bare JSON array (the Kamailio stand-in's
    form) is accepted too. 'notes' is kept for callers; nothing is added."""
    del notes
    doc = json.loads(text)
    if isinstance(doc, dict):
        if doc.get("ok") is not True or not isinstance(
                doc.get("registrations"), list):
            raise SipError("reg list --json: not an ok answer: %.200s" % text)
        doc = doc["registrations"]
    if not isinstance(doc, list):
        raise SipError("reg list --json is not a list: %.200s" % text)
    for r in doc:
        if "expires" not in r and "expires_at" in r:
            r["expires"] = r["expires_at"]
        for k in ("aor", "contact", "expires"):
            if k not in r:
                raise SipError("binding without %s: %r" % (k, r))
    return doc


# --- bulk registration --------------------------------------------------------


def read_users_csv(path):
    users = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line in ("SEQUENTIAL", "RANDOM", "USER"):
                continue
            ext, auth, domain = line.split(";")[:3]
            m = re.search(r"password=(\S+?)\]", auth)
            if not m:
                raise SipError("bad CSV line: " + line)
            users.append((ext, m.group(1), domain))
    return users


def bulk_register(args):
    users = read_users_csv(args.csv)
    host, _, port = args.server.rpartition(":")
    server = (host.strip("[]"), int(port))
    n_conn = max(1, min(args.connections, len(users)))
    shards = [users[i::n_conn] for i in range(n_conn)]
    results = [[0, 0, []] for _ in range(n_conn)]

    def worker(i):
        ok = bad = 0
        errs = results[i][2]
        t = None
        try:
            t = Transport(args.transport, server, cafile=args.cafile)
            for ext, pw, domain in shards[i]:
                c = Client(t, domain)
                try:
                    resp, _, _ = c.register(ext, pw, expires=args.expires)
                except SipError as e:
                    bad += 1
                    errs.append("%s: %s" % (ext, e))
                    continue
                if resp.status == 200:
                    ok += 1
                else:
                    bad += 1
                    errs.append("%s: %d %s" % (ext, resp.status, resp.reason))
        except (OSError, SipError) as e:
            errs.append("connection %d: %s" % (i, e))
        finally:
            if t:
                t.close()
        results[i][0], results[i][1] = ok, bad

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(n_conn)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(args.timeout)
    ok = sum(r[0] for r in results)
    errs = [e for r in results for e in r[2]]
    dt = time.monotonic() - t0
    print("bulk-register %s: %d/%d registered in %.2f s over %d connections"
          % (args.transport, ok, len(users), dt, n_conn))
    for e in errs[:20]:
        print("  error: " + e, file=sys.stderr)
    return 0 if ok == len(users) and not errs else 1


def main():
    ap = argparse.ArgumentParser(prog="sipclient.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("bulk-register")
    p.add_argument("--transport", default="tls",
                   choices=["udp", "tcp", "tls"])
    p.add_argument("--server", required=True, help="HOST:PORT")
    p.add_argument("--csv", required=True)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--expires", type=int, default=3600)
    p.add_argument("--cafile", help="verify the server against this CA")
    p.add_argument("--timeout", type=float, default=120.0)
    p = sub.add_parser("reg-json", help="normalise reg list --json (stdin)")
    p.add_argument("--notes", help="append interface notes to this file")
    args = ap.parse_args()
    if args.cmd == "bulk-register":
        return bulk_register(args)
    if args.cmd == "reg-json":
        notes = []
        try:
            rows = reg_rows(sys.stdin.read(), notes)
        except (ValueError, SipError) as e:
            print("reg-json: %s" % e, file=sys.stderr)
            return 1
        if notes and args.notes:
            with open(args.notes, "a") as f:
                f.write("".join(n + "\n" for n in notes))
        print(json.dumps(rows))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
