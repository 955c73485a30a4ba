#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""JSON and statistics helpers for the shield end-to-end cases
(tests/e2e/lib/shield_lib.sh). Reads the CLI's --json answers on stdin:

  shield_util.py setting KEY          security show --json -> value of KEY
  shield_util.py ban-field NET FIELD  ban list --json -> FIELD of NET's ban
                                      ("" when NET is not banned)
  shield_util.py ban-count NET        ban list --json -> bans covering NET
  shield_util.py why-field FIELD      ban why --json -> FIELD of the ban
  shield_util.py stat NAME            stats --json -> counter NAME
  shield_util.py stat-sum NAME...     stats --json -> sum of those present
  shield_util.py sipp-stat FILE COL   last value of column COL of a SIPp
                                      -trace_stat file (';'-separated)

An address given as NET matches a ban on it written with or without its
/32 or /128. Exit 1 when the input cannot be parsed or the key is missing.
"""

import ipaddress
import json
import sys


def load():
    doc = json.load(sys.stdin)
    if isinstance(doc, dict) and doc.get("ok") is False:
        raise KeyError("error answer: %r" % doc)
    return doc


def norm_net(text):
    return ipaddress.ip_network(text.strip(), strict=False)


def bans(doc):
    if isinstance(doc, list):
        return doc
    for key in ("bans", "result", "items"):
        if isinstance(doc.get(key), list):
            return doc[key]
    raise KeyError("no bans array")


def covering(doc, net):
    want = norm_net(net)
    out = []
    for b in bans(doc):
        have = norm_net(b["net"])
        if have.version == want.version and want.subnet_of(have):
            out.append(b)
    return out


def scalar(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sipp-stat":
        path, col = args
        with open(path) as f:
            rows = [line.rstrip("\n").split(";") for line in f if line.strip()]
        head = rows[0]
        print(rows[-1][head.index(col)].strip())
        return 0
    doc = load()
    if cmd == "setting":
        s = doc.get("settings", doc)
        print(scalar(s[args[0]]))
    elif cmd == "ban-field":
        got = covering(doc, args[0])
        print(scalar(got[0].get(args[1])) if got else "")
    elif cmd == "ban-count":
        print(len(covering(doc, args[0])))
    elif cmd == "why-field":
        b = doc.get("ban", doc)
        print(scalar(b[args[0]]))
    elif cmd == "stat-sum":
        s = doc.get("stats", doc)
        have = [int(s[k]) for k in args if k in s]
        if not have:
            raise KeyError("none of %r" % (args,))
        print(sum(have))
    elif cmd == "stat":
        s = doc.get("stats", doc)
        print(scalar(s[args[0]]))
    else:
        raise SystemExit("unknown command " + cmd)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyError, ValueError, IndexError, TypeError) as e:
        print("shield_util.py: %s" % e, file=sys.stderr)
        sys.exit(1)
