#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Calls over TCP and TLS through the proxy, from real sockets.

  calls.py CALLER_TRANSPORT CALLEE_TRANSPORT --domain D --caller EXT:PW
           --callee EXT:PW --server-ip IP [--callee-ip IP --caller-ip IP]

The callee registers over its transport and then answers, on that same
connection, the INVITE the proxy sends it (180, 200 with its Contact and
the Record-Route it received), takes the ACK and the caller's BYE. The
caller sends INVITE, answers the 407, ACKs the 200 and sends BYE along the
route set. Exits 0 when the whole call went through; prints what failed
otherwise.
"""

import argparse
import secrets
import sys
import threading

from sipclient import (Client, Response, SipError, Transport,
                       digest_authorization, hostport, parse_challenge)

PORTS = {"udp": 5060, "tcp": 5063, "tls": 5061}


def parse_req(raw):
    head, _, _ = raw.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    method, ruri, _ = lines[0].split(" ", 2)
    hdrs = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            hdrs.append((name.strip(), value.strip()))
    return method, ruri, hdrs


def hget(hdrs, name):
    vals = [v for n, v in hdrs if n.lower() == name.lower()]
    return vals


def answer(t, hdrs, status, reason, to_tag=None, extra=()):
    lines = ["SIP/2.0 %d %s" % (status, reason)]
    for n, v in hdrs:
        ln = n.lower()
        if ln in ("via", "from", "call-id", "cseq", "record-route"):
            lines.append("%s: %s" % (n, v))
        elif ln == "to":
            lines.append("To: %s%s" % (v, ";tag=" + to_tag
                                       if to_tag and "tag=" not in v else ""))
    lines.extend(extra)
    lines.append("Content-Length: 0")
    t.send(("\r\n".join(lines) + "\r\n\r\n").encode())


def next_msg(t, what, timeout=8.0):
    raw = t.recv_msg(timeout)
    if raw is None:
        raise SipError("callee: no %s within %.0f s" % (what, timeout))
    return raw


def callee(args, client, errors, ready):
    t = client.t
    try:
        ext, pw = args.callee.split(":", 1)
        resp, _, _ = client.register(ext, pw, expires=300)
        if resp.status != 200:
            raise SipError("callee REGISTER got %d" % resp.status)
        ready.set()
        tag = secrets.token_hex(5)
        contact = "Contact: " + client.contact_for(ext)
        while True:
            method, ruri, hdrs = parse_req(next_msg(t, "INVITE"))
            if method == "INVITE":
                break
        via = hget(hdrs, "Via")[0]
        if not via.upper().startswith("SIP/2.0/" + t.kind):
            raise SipError("callee: INVITE's top Via is not %s: %s"
                           % (t.kind, via))
        answer(t, hdrs, 180, "Ringing", tag, [contact])
        answer(t, hdrs, 200, "OK", tag, [contact])
        got_ack = got_bye = False
        while not got_bye:
            raw = next_msg(t, "ACK and BYE")
            if raw.startswith(b"SIP/2.0"):
                continue
            method, _, h2 = parse_req(raw)
            if method == "ACK":
                got_ack = True
            elif method == "BYE":
                got_bye = True
                answer(t, h2, 200, "OK")
            elif method == "INVITE":
                answer(t, h2, 200, "OK", tag, [contact])  # a retransmission
        if not got_ack:
            raise SipError("callee: BYE before any ACK")
    except Exception as e:  # reported by the main thread
        errors.append("callee: %s" % e)
        ready.set()


def caller(args, client, domain):
    t = client.t
    ext, pw = args.caller.split(":", 1)
    callee_ext = args.callee.split(":", 1)[0]
    ruri = "sip:%s@%s" % (callee_ext, domain)
    call_id = secrets.token_hex(10) + "@calls"
    ftag = secrets.token_hex(5)
    contact = "Contact: " + client.contact_for(ext)

    def invite(cseq, extra=()):
        data, branch = client.build("INVITE", ruri, ext, cseq, call_id, ftag,
                                    [contact] + list(extra),
                                    to_user=callee_ext)
        return client.transact(data, branch, timeout_s=8.0), branch

    resp, branch = invite(1)
    if resp.status != 407:
        raise SipError("first INVITE got %d, expected 407" % resp.status)
    to = resp.get("To")
    ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=%s;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=%s\r\nTo: %s\r\n"
           "Call-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
           % (ruri, t.kind, hostport(t.local), branch, ext, domain, ftag, to,
              call_id))
    t.send(ack.encode())
    ch = parse_challenge(resp.get("Proxy-Authenticate"))
    auth = digest_authorization(ch, ext, pw, "INVITE", ruri)
    resp, _ = invite(2, ["Proxy-Authorization: " + auth])
    if resp.status != 200:
        raise SipError("INVITE got %d, expected 200" % resp.status)
    to = resp.get("To")
    rrs = []
    for v in resp.get_all("Record-Route"):
        rrs.extend(x.strip() for x in v.split(","))
    routes = list(reversed(rrs))
    target = resp.get("Contact").strip("<>").split(">")[0]
    route_hdr = ["Route: " + ", ".join(routes)] if routes else []

    def in_dialog(method, cseq):
        branch = "z9hG4bK" + secrets.token_hex(8)
        lines = ["%s %s SIP/2.0" % (method, target),
                 "Via: SIP/2.0/%s %s;branch=%s;rport" % (t.kind,
                                                         hostport(t.local),
                                                         branch),
                 "Max-Forwards: 70",
                 "From: <sip:%s@%s>;tag=%s" % (ext, domain, ftag),
                 "To: %s" % to, "Call-ID: %s" % call_id,
                 "CSeq: %d %s" % (cseq, method)] + route_hdr + [
                 "Content-Length: 0"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode(), branch

    data, _ = in_dialog("ACK", 2)
    t.send(data)
    data, branch = in_dialog("BYE", 3)
    resp = client.transact(data, branch, timeout_s=8.0)
    if resp.status != 200:
        raise SipError("BYE got %d" % resp.status)
    return rrs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("caller_transport", choices=PORTS)
    ap.add_argument("callee_transport", choices=PORTS)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--caller", required=True)
    ap.add_argument("--callee", required=True)
    ap.add_argument("--server-ip", default="127.0.0.1")
    ap.add_argument("--caller-ip", default="127.0.0.2")
    ap.add_argument("--callee-ip", default="127.0.0.3")
    args = ap.parse_args()
    ce = Client(Transport(args.callee_transport,
                          (args.server_ip, PORTS[args.callee_transport]),
                          args.callee_ip), args.domain)
    errors = []
    ready = threading.Event()
    th = threading.Thread(target=callee, args=(args, ce, errors, ready))
    th.start()
    ready.wait(10)
    rrs = []
    if not errors:
        cr = Client(Transport(args.caller_transport,
                              (args.server_ip, PORTS[args.caller_transport]),
                              args.caller_ip), args.domain)
        try:
            rrs = caller(args, cr, args.domain)
        except Exception as e:
            errors.append("caller: %s" % e)
    th.join(20)
    if errors:
        print("\n".join(errors))
        return 1
    print("call %s -> %s completed; Record-Route: %s"
          % (args.caller_transport, args.callee_transport, " | ".join(rrs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
