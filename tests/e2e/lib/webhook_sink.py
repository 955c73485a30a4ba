#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A local webhook receiver for the e2e tests.

  webhook_sink.py DIR PORT_FILE [STATUS]

Listens on 127.0.0.1 on a free port (written to PORT_FILE, usually a FIFO the caller reads, once listening)
and stores each POST as DIR/NNNN.json, a JSON object {"path", "headers"
(lower-case names), "body" (text)}, written to a temporary name and renamed
so a reader never sees half a file. Answers STATUS (default 200). Runs until
killed (the test stops it by PID).
"""

import http.server
import json
import os
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    counter = 0
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        with Handler.lock:
            Handler.counter += 1
            seq = Handler.counter
        rec = {
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        path = os.path.join(self.server.out_dir, "%04d.json" % seq)
        with open(path + ".tmp", "w") as f:
            json.dump(rec, f)
        os.rename(path + ".tmp", path)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("webhook_sink: " + fmt % args + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out_dir, port_file = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.out_dir = out_dir
    srv.status = int(sys.argv[3]) if len(sys.argv) == 4 else 200
    # Usually a FIFO the caller is reading: the port is its readiness signal.
    with open(port_file, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
