#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check the digest answers in a SIPp message trace (-trace_msg file).

  check_digest.py TRACE USER PASSWORD METHOD

Every received METHOD request carrying Authorization or
Proxy-Authorization must answer its challenge correctly for USER and
PASSWORD (MD5, with qop=auth or without qop; RFC 2617 / RFC 8760).
Prints the number of verified requests; exits 1 on a wrong one or none.
"""

import hashlib
import re
import sys


def params(value):
    out = {}
    for m in re.finditer(r'(\w+)=("([^"]*)"|[^,\s]+)', value):
        out[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return out


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def main():
    trace, user, password, method = sys.argv[1:5]
    text = open(trace, encoding="utf-8", errors="replace").read()
    blocks = re.split(r"\n-{20,}[^\n]*\n", text)
    ok = 0
    for b in blocks:
        if not re.search(r"message received", b):
            continue
        body = b.split("\n", 2)[-1].lstrip("\n")
        lines = body.split("\n")
        if not lines or not lines[0].startswith(method + " "):
            continue
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() not in ("authorization", "proxy-authorization"):
                continue
            p = params(value.strip()[len("Digest"):])
            if p.get("algorithm", "MD5").upper() != "MD5":
                sys.exit("unexpected algorithm in: " + line)
            if p.get("username") != user:
                sys.exit("wrong username in: " + line)
            ha1 = md5("%s:%s:%s" % (user, p.get("realm", ""), password))
            ha2 = md5("%s:%s" % (method, p.get("uri", "")))
            if p.get("qop"):
                want = md5(":".join([ha1, p.get("nonce", ""), p.get("nc", ""),
                                     p.get("cnonce", ""), p["qop"], ha2]))
            else:
                want = md5("%s:%s:%s" % (ha1, p.get("nonce", ""), ha2))
            if p.get("response") != want:
                sys.exit("wrong digest response in: " + line)
            ok += 1
    if ok == 0:
        sys.exit("no %s with credentials in %s" % (method, trace))
    print(ok)


if __name__ == "__main__":
    main()
