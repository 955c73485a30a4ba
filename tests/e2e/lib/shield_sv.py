#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run a SIPVicious 0.3.3 tool (svmap, svwar, svcrack) from a chosen source
address, for the shield end-to-end tests:

  shield_sv.py [--src IP] [--ua UA] [--sock-timeout S] TOOL [tool args...]

--src: every socket the tool binds is bound to IP instead of the address
  it asked for (svcrack ignores its own -b, and a test needs each attacker
  on its own loopback address). The port the tool asked for is kept.
--ua: the User-Agent the tool sends instead of its default
  "friendly-scanner" (an attacker disguising itself).
--sock-timeout: cap the tools' blocking socket timeouts (10 s in the
  tools) at S seconds, so a tool that gets no more answers (banned)
  finishes quickly instead of waiting 10 s per read.
HOME is expected to point at a scratch directory (sessions go to ~/.sipvicious).
"""

import importlib
import os
import shutil
import socket
import sys


def main():
    args = sys.argv[1:]
    src = ua = None
    cap = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--src":
            src = args.pop(0)
        elif opt == "--ua":
            ua = args.pop(0)
        elif opt == "--sock-timeout":
            cap = float(args.pop(0))
        else:
            sys.exit("shield_sv.py: unknown option %s" % opt)
    if not args or args[0] not in ("svmap", "svwar", "svcrack"):
        sys.exit("usage: shield_sv.py [--src IP] [--ua UA] "
                 "[--sock-timeout S] svmap|svwar|svcrack ARGS...")
    tool = args[0]

    if src is not None:
        real_bind = socket.socket.bind

        def bind(self, addr):
            if self.family == socket.AF_INET and isinstance(addr, tuple):
                addr = (src,) + tuple(addr[1:])
            return real_bind(self, addr)
        socket.socket.bind = bind

    if cap is not None:
        real_settimeout = socket.socket.settimeout

        def settimeout(self, t):
            if t is not None:
                t = min(t, cap)
            return real_settimeout(self, t)
        socket.socket.settimeout = settimeout

    # Find the tool as its script does: the script's directory first on
    # the path (Debian installs the package and its metadata there), then
    # the package's console script entry point.
    script = shutil.which(tool)
    if script:
        sys.path.insert(0, os.path.dirname(os.path.realpath(script)))
    main_fn = None
    try:
        from importlib.metadata import distribution
        for ep in distribution("sipvicious").entry_points:
            if ep.group == "console_scripts" and ep.name == "sipvicious_" + tool:
                main_fn = ep.load()
    except ImportError:
        pass
    if main_fn is None:
        main_fn = importlib.import_module("sipvicious." + tool).main
    helper = importlib.import_module("sipvicious.libs.svhelper")
    if ua is not None:
        # makeRequest(..., useragent='friendly-scanner', requesturi=None):
        # the tools call it without useragent, so the default is what they
        # send. Replace that default on the function object they imported.
        fn = helper.makeRequest
        names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
        defaults = list(fn.__defaults__)
        first = len(names) - len(defaults)
        i = names.index("useragent") - first
        if defaults[i] != "friendly-scanner":
            sys.exit("shield_sv.py: unexpected sipvicious makeRequest "
                     "defaults: %r" % (defaults,))
        defaults[i] = ua
        fn.__defaults__ = tuple(defaults)

    sys.argv = [tool] + args[1:]
    return main_fn()


if __name__ == "__main__":
    sys.exit(main())
