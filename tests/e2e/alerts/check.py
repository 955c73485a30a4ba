#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of the alerts e2e case (run.sh).

  check.py options SRC UA            one SIP OPTIONS over UDP from SRC to
                                     127.0.0.1:5060 with User-Agent UA
  check.py wait-hook DIR SECS KIND [--nth N] [KEY=VALUE ...]
                                     wait (bounded, polling the receiver's
                                     files) for the Nth webhook body of
                                     KIND whose details hold every
                                     KEY=VALUE (a KEY of "suppressed>" means
                                     at least VALUE); print it as JSON
  check.py count-hook DIR KIND [KEY=VALUE ...]
                                     webhook bodies of KIND so far
  check.py wait-mail DIR SECS KIND [--nth N] [TEXT ...]
                                     same for the SMTP sink: the Nth message
                                     whose X-Sipwarden-Alert is KIND and
                                     whose text holds every TEXT; print it
  check.py verify-sig DIR SECRET     every stored webhook request carries
                                     X-Sipwarden-Signature: sha256=<HMAC of
                                     its body under SECRET>; print the count
  check.py smtp-plain PORT           MAIL before STARTTLS is refused (530)
Exit 1 with a message on failure.
"""

import email
import email.policy
import hashlib
import hmac
import json
import os
import smtplib
import socket
import sys
import time


def die(msg):
    sys.stderr.write("check.py: %s\n" % msg)
    sys.exit(1)


def records(d):
    try:
        names = sorted(n for n in os.listdir(d) if n.endswith(".json"))
    except FileNotFoundError:
        return []
    out = []
    for n in names:
        with open(os.path.join(d, n)) as f:
            out.append(json.load(f))
    return out


def split_nth(args):
    nth = 1
    if len(args) >= 2 and args[0] == "--nth":
        nth = int(args[1])
        args = args[2:]
    return nth, args


def hook_matches(rec, kind, conds):
    try:
        body = json.loads(rec["body"])
    except ValueError:
        return None
    if body.get("kind") != kind:
        return None
    det = body.get("details", {})
    for c in conds:
        k, v = c.split("=", 1)
        if k == "suppressed>":
            if body.get("suppressed", 0) < int(v):
                return None
        elif det.get(k) != v:
            return None
    return body


def wait_hook(d, secs, kind, args):
    nth, conds = split_nth(args)
    deadline = time.monotonic() + secs
    while True:
        hits = [b for b in (hook_matches(r, kind, conds) for r in records(d))
                if b is not None]
        if len(hits) >= nth:
            print(json.dumps(hits[nth - 1]))
            return
        if time.monotonic() > deadline:
            die("no webhook %s #%d with %s within %ss; got %s" %
                (kind, nth, conds, secs,
                 [json.loads(r["body"]).get("kind") for r in records(d)]))
        time.sleep(0.1)


def count_hook(d, kind, conds):
    print(sum(1 for r in records(d) if hook_matches(r, kind, conds)))


def mail_matches(rec, kind, texts):
    msg = email.message_from_string(rec["data"], policy=email.policy.default)
    if msg.get("X-Sipwarden-Alert") != kind:
        return None
    if any(t not in rec["data"] for t in texts):
        return None
    return msg


def wait_mail(d, secs, kind, args):
    nth, texts = split_nth(args)
    deadline = time.monotonic() + secs
    while True:
        hits = [(r, m) for r, m in ((r, mail_matches(r, kind, texts))
                                    for r in records(d)) if m is not None]
        if len(hits) >= nth:
            rec, msg = hits[nth - 1]
            if not rec["tls"]:
                die("message stored without TLS")
            if "\r\n" not in rec["data"]:
                die("message lines not ended by CRLF")
            for h in ("From", "To", "Subject", "Date", "Message-ID"):
                if msg.get(h) is None:
                    die("message without %s header" % h)
            print(json.dumps({"from": rec["from"], "rcpt": rec["rcpt"],
                              "subject": str(msg["Subject"]),
                              "to": str(msg["To"]),
                              "message_id": str(msg["Message-ID"]),
                              "body": msg.get_content()}))
            return
        if time.monotonic() > deadline:
            die("no mail %s #%d with %s within %ss (%d stored)" %
                (kind, nth, texts, secs, len(records(d))))
        time.sleep(0.1)


def verify_sig(d, secret):
    recs = records(d)
    if not recs:
        die("no webhook request stored")
    for r in recs:
        sig = r["headers"].get("x-sipwarden-signature", "")
        want = "sha256=" + hmac.new(secret.encode(), r["body"].encode(),
                                    hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, want):
            die("bad signature %r on %s" % (sig, r["body"][:80]))
        if r["headers"].get("content-type") != "application/json":
            die("content type %r" % r["headers"].get("content-type"))
    print(len(recs))


def smtp_plain(port):
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=10)
    s.ehlo("e2e")
    code, _ = s.docmd("MAIL", "FROM:<x@e2e.test>")
    s.close()
    if code != 530:
        die("MAIL before STARTTLS answered %d, expected 530" % code)
    print("530")


def options(src, ua):
    branch = "z9hG4bK%d" % int(time.time() * 1000)
    msg = ("OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:5070;branch=%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: \"sipvicious\" <sip:100@127.0.0.1>;tag=1a2b3c\r\n"
           "To: \"sipvicious\" <sip:100@127.0.0.1>\r\n"
           "Call-ID: %s@%s\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "Contact: <sip:100@%s:5070>\r\n"
           "Accept: application/sdp\r\n"
           "User-Agent: %s\r\n"
           "Content-Length: 0\r\n\r\n" % (src, branch, branch, src, src, ua))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(msg.encode(), ("127.0.0.1", 5060))
    s.close()


def main():
    a = sys.argv[1:]
    if not a:
        die(__doc__)
    cmd = a[0]
    if cmd == "options" and len(a) == 3:
        options(a[1], a[2])
    elif cmd == "wait-hook" and len(a) >= 4:
        wait_hook(a[1], float(a[2]), a[3], a[4:])
    elif cmd == "count-hook" and len(a) >= 3:
        count_hook(a[1], a[2], a[3:])
    elif cmd == "wait-mail" and len(a) >= 4:
        wait_mail(a[1], float(a[2]), a[3], a[4:])
    elif cmd == "verify-sig" and len(a) == 3:
        verify_sig(a[1], a[2])
    elif cmd == "smtp-plain" and len(a) == 2:
        smtp_plain(a[1])
    else:
        die(__doc__)


if __name__ == "__main__":
    main()
