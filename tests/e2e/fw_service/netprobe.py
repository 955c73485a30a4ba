#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""TCP helpers for the fw_service e2e case.

  netprobe.py listen HOST PORT READY_FILE
      Listen on HOST:PORT, write "ready" to READY_FILE once listening, then
      accept and close connections until killed.
  netprobe.py connect SRC HOST PORT [TIMEOUT_S]
      One TCP connect from SRC; prints "open" (accepted), "refused" (RST:
      nothing listens, but the packet got through) or "timeout" (dropped).
"""

import socket
import sys


def listen(host, port, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        c, _ = s.accept()
        c.close()


def connect(src, host, port, timeout_s):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout_s)
    s.bind((src, 0))
    try:
        s.connect((host, port))
        print("open")
    except (socket.timeout, TimeoutError):
        print("timeout")
    except ConnectionRefusedError:
        print("refused")
    finally:
        s.close()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "listen":
        listen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "connect":
        t = float(sys.argv[5]) if len(sys.argv) == 6 else 1.0
        connect(sys.argv[2], sys.argv[3], int(sys.argv[4]), t)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
