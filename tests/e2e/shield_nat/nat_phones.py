#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Phones behind one address for tests/e2e/shield_nat (UDP, MD5 digest,
built on tests/e2e/lib/sipclient.py). Each phone has its own socket on the
shared source address, port 30000 + extension, as behind a NAT. Requests
are paced (at most --rate per second) so that no packet-rate rule is
involved.

  nat_phones.py register --src IP --exts 100-119   every phone registers
      with its right password; prints "EXT STATUS" per phone; exit 1 unless
      all got 200.
  nat_phones.py storm --src IP --ext 120 --attempts N
      one phone keeps registering with a wrong password, answering every
      401 with its fresh nonce (so no challenge is left unanswered), and
      starting over with an unauthenticated REGISTER after a 403. Prints
      one line per credentialed attempt: "N STATUS" (STATUS "timeout" when
      nothing came back).
  nat_phones.py wrong-users --src IP --exts 130-141
      each extension once with a wrong password; prints "EXT STATUS" where
      STATUS is the answer to the credentials (or to the first REGISTER if
      that one got no 401), "timeout" when nothing came back.
  nat_phones.py try --src IP --ext E [--password P]
      one registration (right password unless given); prints the final
      status or "timeout".

Passwords come from --users (lib.sh users.txt: EXT@DOMAIN PASSWORD).
"""

import argparse
import secrets
import socket
import sys
import time

from sipclient import (Client, SipError, Transport, digest_authorization,
                       pick_challenge)

ARGS = None
PASSWORDS = {}
_last_send = [0.0]


def pace():
    gap = 1.0 / ARGS.rate
    now = time.monotonic()
    wait = _last_send[0] + gap - now
    if wait > 0:
        time.sleep(wait)
    _last_send[0] = time.monotonic()


def exts(spec):
    lo, _, hi = spec.partition("-")
    return [str(e) for e in range(int(lo), int(hi or lo) + 1)]


def new_client(ext):
    """A UDP client on ARGS.src, port 30000 + ext: a phone keeps its port
    (and so its Contact) from one run of this script to the next."""
    t = Transport("UDP", (ARGS.host, ARGS.port), local_host=ARGS.src)
    t.sock.close()
    t.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t.sock.bind((ARGS.src, 30000 + int(ext)))
    t.sock.connect((ARGS.host, ARGS.port))
    t.local = t.sock.getsockname()[:2]
    return Client(t, ARGS.domain)


class Phone:
    """One phone: a socket, a Call-ID and From tag, increasing CSeq."""

    def __init__(self, ext):
        self.ext = ext
        self.c = new_client(ext)
        self.call_id = secrets.token_hex(12) + "@nat"
        self.tag = secrets.token_hex(6)
        self.cseq = 1
        self.ruri = "sip:" + ARGS.domain

    def send(self, auth=None):
        hdrs = ["Contact: " + self.c.contact_for(self.ext), "Expires: 3600"]
        if auth:
            hdrs.append("Authorization: " + auth)
        data, branch = self.c.build("REGISTER", self.ruri, self.ext,
                                    self.cseq, self.call_id, self.tag, hdrs)
        self.cseq += 1
        pace()
        try:
            return self.c.transact(data, branch, timeout_s=ARGS.timeout)
        except SipError:
            return None

    def answer(self, resp, password):
        ch = pick_challenge(resp, "MD5")
        auth = digest_authorization(ch, self.ext, password, "REGISTER",
                                    self.ruri, algorithm="MD5")
        return self.send(auth)

    def register(self, password):
        r = self.send()
        if r is None or r.status != 401:
            return r
        return self.answer(r, password)


def status(r):
    return "timeout" if r is None else str(r.status)


def cmd_register():
    bad = 0
    phones = [Phone(e) for e in exts(ARGS.exts)]
    for p in phones:
        r = p.register(PASSWORDS[p.ext])
        print("%s %s" % (p.ext, status(r)))
        bad += r is None or r.status != 200
    return 1 if bad else 0


def cmd_storm():
    p = Phone(ARGS.ext)
    wrong = "Wrong-" + secrets.token_hex(4)
    r = p.send()
    n = 0
    while n < ARGS.attempts:
        if r is not None and r.status == 401:
            r = p.answer(r, wrong)
            n += 1
            print("%d %s" % (n, status(r)))
        elif r is not None and r.status == 403:
            r = p.send()  # start over; a 403 here is the answer too
            if r is not None and r.status == 403:
                n += 1
                print("%d %s" % (n, status(r)))
        else:
            n += 1
            print("%d %s" % (n, status(r)))
            r = p.send()
    return 0


def cmd_wrong_users():
    for e in exts(ARGS.exts):
        p = Phone(e)
        r = p.send()
        if r is not None and r.status == 401:
            r = p.answer(r, "Wrong-" + secrets.token_hex(4))
        print("%s %s" % (e, status(r)))
    return 0


def cmd_try():
    p = Phone(ARGS.ext)
    pw = ARGS.password if ARGS.password is not None else PASSWORDS[ARGS.ext]
    print(status(p.register(pw)))
    return 0


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["register", "storm", "wrong-users",
                                    "try"])
    ap.add_argument("--src", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5060)
    ap.add_argument("--domain", default="example.com")
    ap.add_argument("--users", required=True)
    ap.add_argument("--exts")
    ap.add_argument("--ext")
    ap.add_argument("--password")
    ap.add_argument("--attempts", type=int, default=30)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--timeout", type=float, default=2.0,
                    help="seconds to wait for a final response")
    ARGS = ap.parse_args()
    with open(ARGS.users) as f:
        for line in f:
            if line.strip():
                aor, pw = line.split()
                PASSWORDS[aor.split("@")[0]] = pw
    return {"register": cmd_register, "storm": cmd_storm,
            "wrong-users": cmd_wrong_users, "try": cmd_try}[ARGS.cmd]()


if __name__ == "__main__":
    sys.exit(main())
