#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""SIP traffic from a chosen source address for the shield e2e cases.

Each subcommand sends from --src (any local address: 127.0.0.2..., or an
IPv6 address the case made local) to --server and reports what came back,
so a case can tell "answered" from "silently dropped":

  shield2_sip.py options --server H:P --src IP [--ua UA | --no-ua]
      [--timeout S] [--expect STATUS|none]
      One OPTIONS (retransmitted like a UDP client: 0.5 s, 1 s ...);
      prints the final status or "none"; with --expect exits 1 unless the
      outcome is the expected one.
  shield2_sip.py flood --server H:P --src IP --pps N --seconds S [--ua UA]
      OPTIONS at a steady N per second for S seconds from one socket, each
      a new transaction; prints JSON {"sent", "answered"} (answers counted
      during the flood and up to 0.5 s after it).
  shield2_sip.py auth-fail --server H:P --src IP --domain D --user U
      [--count N] [--ua UA]
      N REGISTERs with a wrong password (each answers its 401); prints JSON
      {"statuses": [final status of each attempt or null]}.
  shield2_sip.py register --server H:P --src IP --domain D --user U
      --password PW [--expect STATUS]
      One authenticated REGISTER; prints the final status or "none".
Only the wire is seen; nothing of sipwarden's internals is assumed.
"""

import argparse
import json
import secrets
import socket
import sys
import time

from sipclient import Response, SipError, digest_authorization, pick_challenge


def parse_hostport(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def fmt_hostport(host, port):
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


class Udp:
    """One UDP socket bound to src, connected to the server."""

    def __init__(self, server, src):
        fam = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        if fam == socket.AF_INET6 and ":" not in src:
            src = "::ffff:" + src
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((src, 0))
        self.sock.connect(server)
        self.server = server
        local = self.sock.getsockname()
        host = local[0]
        if host.startswith("::ffff:"):
            host = host[7:]
        self.local = fmt_hostport(host, local[1])

    def request(self, method, ruri, user, domain, extra=(), ua="sipwarden-e2e",
                cseq=1, call_id=None, from_tag=None):
        branch = "z9hG4bK" + secrets.token_hex(10)
        call_id = call_id or secrets.token_hex(12) + "@shield-e2e"
        from_tag = from_tag or secrets.token_hex(6)
        lines = [
            "%s %s SIP/2.0" % (method, ruri),
            "Via: SIP/2.0/UDP %s;branch=%s;rport" % (self.local, branch),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (user, domain, from_tag),
            "To: <sip:%s@%s>" % (user, domain),
            "Call-ID: %s" % call_id,
            "CSeq: %d %s" % (cseq, method),
        ]
        lines.extend(extra)
        if ua is not None:
            lines.append("User-Agent: %s" % ua)
        lines.append("Content-Length: 0")
        return ("\r\n".join(lines) + "\r\n\r\n").encode(), branch

    def transact(self, data, branch, timeout_s):
        """Send with UDP retransmissions; the final response or None."""
        deadline = time.monotonic() + timeout_s
        interval = 0.5
        self.sock.send(data)
        next_tx = time.monotonic() + interval
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            if now >= next_tx:
                self.sock.send(data)
                interval = min(interval * 2, 4.0)
                next_tx = now + interval
            self.sock.settimeout(max(min(deadline, next_tx) - now, 0.01))
            try:
                raw = self.sock.recv(65535)
            except (socket.timeout, TimeoutError):
                continue
            except ConnectionRefusedError:
                continue
            try:
                resp = Response(raw)
            except SipError:
                continue
            if branch in (resp.get("Via") or "") and resp.status >= 200:
                return resp


def ua_arg(args):
    return None if getattr(args, "no_ua", False) else args.ua


def cmd_options(args):
    server = parse_hostport(args.server)
    u = Udp(server, args.src)
    ruri = "sip:" + fmt_hostport(*server)
    data, branch = u.request("OPTIONS", ruri, "probe", args.domain,
                             ua=ua_arg(args))
    resp = u.transact(data, branch, args.timeout)
    got = "none" if resp is None else str(resp.status)
    print(got)
    if args.expect is not None and got != args.expect:
        print("options from %s: expected %s, got %s"
              % (args.src, args.expect, got), file=sys.stderr)
        return 1
    return 0


def cmd_flood(args):
    server = parse_hostport(args.server)
    u = Udp(server, args.src)
    u.sock.setblocking(False)
    ruri = "sip:" + fmt_hostport(*server)
    # Pre-built packets: the pacing loop must keep up with --pps.
    tag = secrets.token_hex(4)
    n_total = int(args.pps * args.seconds)
    sent = answered = 0
    t0 = time.monotonic()
    end = t0 + args.seconds

    def drain():
        nonlocal answered
        while True:
            try:
                raw = u.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                continue
            if raw.startswith(b"SIP/2.0 2"):
                answered += 1

    while sent < n_total:
        now = time.monotonic()
        due = min(n_total, int((now - t0) * args.pps) + 1)
        while sent < due:
            data, _ = u.request("OPTIONS", ruri, "flood", args.domain,
                                ua=args.ua, call_id="%s-%d@flood" % (tag, sent))
            try:
                u.sock.send(data)
            except (BlockingIOError, ConnectionRefusedError):
                pass
            sent += 1
        drain()
        if sent < n_total:
            nxt = t0 + sent / args.pps
            time.sleep(max(0.0, min(nxt - time.monotonic(), 0.005)))
        if time.monotonic() > end + 5:
            break
    tail = time.monotonic() + 0.5
    while time.monotonic() < tail:
        drain()
        time.sleep(0.01)
    print(json.dumps({"sent": sent, "answered": answered,
                      "seconds": round(time.monotonic() - t0, 3)}))
    return 0


def cmd_auth_fail(args):
    server = parse_hostport(args.server)
    u = Udp(server, args.src)
    ruri = "sip:" + args.domain
    statuses = []
    for i in range(args.count):
        call_id = secrets.token_hex(12) + "@auth-fail"
        tag = secrets.token_hex(6)
        contact = ["Contact: <sip:%s@%s>" % (args.user, u.local),
                   "Expires: 600"]
        data, branch = u.request("REGISTER", ruri, args.user, args.domain,
                                 extra=contact, ua=args.ua, call_id=call_id,
                                 from_tag=tag)
        resp = u.transact(data, branch, args.timeout)
        if resp is None or resp.status != 401:
            statuses.append(None if resp is None else resp.status)
            continue
        ch = pick_challenge(resp, "MD5")
        auth = digest_authorization(ch, args.user, "Wrong-pass-%d!" % i,
                                    "REGISTER", ruri)
        data, branch = u.request("REGISTER", ruri, args.user, args.domain,
                                 extra=contact + ["Authorization: " + auth],
                                 ua=args.ua, cseq=2, call_id=call_id,
                                 from_tag=tag)
        resp = u.transact(data, branch, args.timeout)
        statuses.append(None if resp is None else resp.status)
    print(json.dumps({"statuses": statuses}))
    return 0


def cmd_register(args):
    server = parse_hostport(args.server)
    u = Udp(server, args.src)
    ruri = "sip:" + args.domain
    call_id = secrets.token_hex(12) + "@register"
    tag = secrets.token_hex(6)
    contact = ["Contact: <sip:%s@%s>" % (args.user, u.local),
               "Expires: %d" % args.expires]
    data, branch = u.request("REGISTER", ruri, args.user, args.domain,
                             extra=contact, call_id=call_id, from_tag=tag)
    resp = u.transact(data, branch, args.timeout)
    if resp is not None and resp.status == 401:
        ch = pick_challenge(resp)
        auth = digest_authorization(ch, args.user, args.password, "REGISTER",
                                    ruri)
        data, branch = u.request("REGISTER", ruri, args.user, args.domain,
                                 extra=contact + ["Authorization: " + auth],
                                 cseq=2, call_id=call_id, from_tag=tag)
        resp = u.transact(data, branch, args.timeout)
    got = "none" if resp is None else str(resp.status)
    print(got)
    if args.expect is not None and got != args.expect:
        print("register %s from %s: expected %s, got %s"
              % (args.user, args.src, args.expect, got), file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(prog="shield2_sip.py")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--server", default="127.0.0.1:5060")
        p.add_argument("--src", required=True)
        p.add_argument("--domain", default="example.com")
        p.add_argument("--timeout", type=float, default=1.6)

    p = sub.add_parser("options")
    common(p)
    p.add_argument("--ua", default="sipwarden-e2e")
    p.add_argument("--no-ua", action="store_true")
    p.add_argument("--expect")
    p.set_defaults(fn=cmd_options)
    p = sub.add_parser("flood")
    common(p)
    p.add_argument("--pps", type=float, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--ua", default="sipwarden-e2e-flood")
    p.set_defaults(fn=cmd_flood)
    p = sub.add_parser("auth-fail")
    common(p)
    p.add_argument("--user", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--ua", default="sipwarden-e2e")
    p.set_defaults(fn=cmd_auth_fail)
    p = sub.add_parser("register")
    common(p)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--expires", type=int, default=600)
    p.add_argument("--expect")
    p.set_defaults(fn=cmd_register)
    args = ap.parse_args()
    try:
        return args.fn(args)
    except (OSError, SipError) as e:
        print("shield2_sip.py %s: %s" % (args.cmd, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
