#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A local SMTP sink with STARTTLS for the e2e tests.

  smtp_sink.py DIR PORT_FILE CERT KEY

Listens on 127.0.0.1 on a free port (written to PORT_FILE, usually a FIFO the caller reads, once listening).
Speaks just enough ESMTP (RFC 5321) with STARTTLS (RFC 3207): EHLO/HELO,
STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, QUIT. MAIL, RCPT and DATA are
refused with 530 until the session is under TLS. Each message is stored
as DIR/NNNN.json: {"from", "rcpt" [..], "tls": true, "data" (the message,
dot-stuffing undone)}, written to a temporary name and renamed. Runs until
killed (the test stops it by PID).
"""

import json
import os
import socketserver
import ssl
import sys
import threading

COUNT = [0]
LOCK = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            return None
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def starttls(self):
        ctx = self.server.tls
        self.connection = ctx.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")
        self.tls = True

    def handle(self):
        self.tls = False
        mail_from, rcpt = None, []
        self.send("220 127.0.0.1 e2e smtp sink")
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    self.send("250 hello")
                elif self.tls:
                    self.send("250-hello")
                    self.send("250 8BITMIME")
                else:
                    self.send("250-hello")
                    self.send("250 STARTTLS")
            elif verb == "STARTTLS":
                if self.tls:
                    self.send("503 5.5.1 TLS already active")
                    continue
                self.send("220 2.0.0 ready to start TLS")
                try:
                    self.starttls()
                except (ssl.SSLError, OSError) as e:
                    sys.stderr.write("smtp_sink: TLS failed: %s\n" % e)
                    return
                mail_from, rcpt = None, []
            elif verb in ("MAIL", "RCPT", "DATA") and not self.tls:
                self.send("530 5.7.0 Must issue a STARTTLS command first")
            elif verb == "MAIL":
                mail_from, rcpt = self.path_of(line), []
                self.send("250 2.1.0 ok")
            elif verb == "RCPT":
                if mail_from is None:
                    self.send("503 5.5.1 MAIL first")
                    continue
                rcpt.append(self.path_of(line))
                self.send("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpt:
                    self.send("503 5.5.1 RCPT first")
                    continue
                self.send("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    raw = self.rfile.readline(65536)
                    if not raw:
                        return
                    text = raw.decode("utf-8", "replace")
                    if text in (".\r\n", ".\n"):
                        break
                    if text.startswith("."):
                        text = text[1:]
                    lines.append(text)
                self.store(mail_from, rcpt, "".join(lines))
                mail_from, rcpt = None, []
                self.send("250 2.0.0 queued")
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.send("250 2.0.0 ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 not implemented")

    @staticmethod
    def path_of(line):
        """'MAIL FROM:<a@b> SIZE=1' -> '<a@b>'."""
        arg = line.split(":", 1)[1] if ":" in line else ""
        return arg.strip().split(" ", 1)[0]

    def store(self, mail_from, rcpt, data):
        with LOCK:
            COUNT[0] += 1
            seq = COUNT[0]
        path = os.path.join(self.server.out_dir, "%04d.json" % seq)
        with open(path + ".tmp", "w") as f:
            json.dump({"from": mail_from, "rcpt": rcpt, "tls": self.tls,
                       "data": data}, f)
        os.rename(path + ".tmp", path)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    out_dir, port_file, cert, key = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    srv = Server(("127.0.0.1", 0), Session)
    srv.out_dir = out_dir
    srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.tls.load_cert_chain(cert, key)
    # Usually a FIFO the caller is reading: the port is its readiness signal.
    with open(port_file, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
