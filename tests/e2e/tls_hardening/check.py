#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""TLS checks of the tls_hardening e2e case that need one client process.

  check.py reload --server H:P --cafile CA --user EXT --password PW \
      --domain D --pid DAEMON_PID --renew-crt NEW.crt --renew-key NEW.key \
      --crt CUR.crt --key CUR.key --sw-bin SIPWARDEN --conf CONF
    One TLS connection registers EXT; the certificate files are replaced by
    the renewed pair and the daemon gets SIGHUP; new handshakes are polled
    (bounded) until they see the renewed certificate; the first connection,
    never closed, then carries a re-REGISTER (200), and `reg list` shows
    the TLS binding while it is still open.

  check.py invite --server H:P --did DID --domain D --expect STATUS \
      [--cert C --key K]
    One INVITE over TLS (with or without a client certificate) to DID,
    without credentials; the final status must be STATUS; ACKed.
"""

import argparse
import hashlib
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import sipclient


class TlsTransport(sipclient.Transport):
    """sipclient's TLS transport with SNI and an optional client pair."""

    def __init__(self, server, cafile=None, cert=None, key=None, sni=None):
        self.kind = "TLS"
        self.server = server
        raw = socket.create_connection(server, timeout=5)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.check_hostname = False
        if cafile:
            ctx.load_verify_locations(cafile)
        else:
            ctx.verify_mode = ssl.CERT_NONE
        if cert:
            ctx.load_cert_chain(cert, key)
        self.sock = ctx.wrap_socket(raw, server_hostname=sni)
        self.local = self.sock.getsockname()[:2]
        self.rbuf = b""
        self.queue = []

    def peer_fp(self):
        return hashlib.sha256(self.sock.getpeercert(binary_form=True)).hexdigest()


def pem_fp(path):
    with open(path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def hostport(text):
    host, _, port = text.rpartition(":")
    return (host, int(port))


def reload_case(a):
    server = hostport(a.server)
    old_fp = pem_fp(a.crt)
    new_fp = pem_fp(a.renew_crt)
    assert old_fp != new_fp, "the renewed certificate is the same"
    t = TlsTransport(server, cafile=a.cafile)
    got = t.peer_fp()
    if got != old_fp:
        sys.exit("first handshake: certificate %s, want %s" % (got, old_fp))
    c = sipclient.Client(t, a.domain)
    call_id = secrets.token_hex(12) + "@e2e"
    resp, _, cseq = c.register(a.user, a.password, expires=600,
                               call_id=call_id)
    if resp.status != 200:
        sys.exit("REGISTER over TLS: %d %s" % (resp.status, resp.reason))
    print("registered %s over TLS, certificate %s" % (a.user, got[:16]))

    # Renew: new files in place (rename, as a certificate tool would).
    for src, dst in ((a.renew_crt, a.crt), (a.renew_key, a.key)):
        tmp = dst + ".new"
        shutil.copyfile(src, tmp)
        os.rename(tmp, dst)
    os.kill(a.pid, signal.SIGHUP)

    deadline = time.monotonic() + 15
    seen = None
    while time.monotonic() < deadline:
        n = TlsTransport(server, cafile=a.cafile)
        seen = n.peer_fp()
        n.close()
        if seen == new_fp:
            break
        time.sleep(0.1)  # bounded poll of a condition, not a sync sleep
    if seen != new_fp:
        sys.exit("after SIGHUP new handshakes still get %s" % seen)
    print("after SIGHUP a new handshake gets the renewed certificate")

    # The old connection still works: a re-REGISTER with fresh credentials.
    resp, _, _ = c.register(a.user, a.password, expires=600, call_id=call_id,
                            cseq=cseq)
    if resp.status != 200:
        sys.exit("re-REGISTER on the old connection: %d" % resp.status)
    if t.peer_fp() != old_fp:
        sys.exit("the old connection changed certificate")
    print("re-REGISTER on the connection opened before the reload: 200")
    # The binding is listed while that connection is still open.
    out = subprocess.run([a.sw_bin, "-c", a.conf, "reg", "list", "--json"],
                         capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        sys.exit("reg list failed: " + out.stderr[-300:])
    rows = sipclient.reg_rows(out.stdout)
    mine = [r for r in rows if r["aor"].split("@")[0].endswith(":" + a.user)
            or r["aor"].split("@")[0] == a.user]
    if not mine or not any("transport=tls" in r["contact"] for r in mine):
        sys.exit("no TLS binding of %s in reg list: %s" % (a.user, rows))
    print("reg list: %s" % mine)
    t.close()


def invite_case(a):
    server = hostport(a.server)
    t = TlsTransport(server, cert=a.cert, key=a.key)
    c = sipclient.Client(t, a.domain)
    call_id = secrets.token_hex(12) + "@e2e"
    tag = secrets.token_hex(6)
    ruri = "sip:%s@%s" % (a.did, sipclient.hostport(server))
    data, branch = c.build("INVITE", ruri, "+447700900123", 1, call_id, tag,
                           ["Contact: <sip:+447700900123@%s;transport=tls>"
                            % sipclient.hostport(t.local)],
                           to_user=a.did)
    resp = c.transact(data, branch, timeout_s=8.0)
    # RFC 3261 §17.1.1.3: ACK a non-2xx final response on the same branch.
    to = resp.get("To") or ""
    ack = [
        "ACK %s SIP/2.0" % ruri,
        "Via: SIP/2.0/TLS %s;branch=%s;rport" % (sipclient.hostport(t.local),
                                                branch),
        "Max-Forwards: 70",
        "From: <sip:+447700900123@%s>;tag=%s" % (a.domain, tag),
        "To: %s" % to,
        "Call-ID: %s" % call_id,
        "CSeq: 1 ACK",
        "User-Agent: sipwarden-e2e",
        "Content-Length: 0",
    ]
    t.send(("\r\n".join(ack) + "\r\n\r\n").encode())
    t.close()
    print("INVITE %s client certificate: %d %s"
          % ("with" if a.cert else "without", resp.status, resp.reason))
    if resp.status != a.expect:
        sys.exit("expected %d" % a.expect)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reload")
    r.add_argument("--server", required=True)
    r.add_argument("--cafile", required=True)
    r.add_argument("--user", required=True)
    r.add_argument("--password", required=True)
    r.add_argument("--domain", required=True)
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--crt", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--renew-crt", required=True)
    r.add_argument("--renew-key", required=True)
    r.add_argument("--sw-bin", required=True)
    r.add_argument("--conf", required=True)
    i = sub.add_parser("invite")
    i.add_argument("--server", required=True)
    i.add_argument("--did", required=True)
    i.add_argument("--domain", required=True)
    i.add_argument("--expect", type=int, required=True)
    i.add_argument("--cert")
    i.add_argument("--key")
    a = p.parse_args()
    try:
        if a.cmd == "reload":
            reload_case(a)
        else:
            invite_case(a)
    except (sipclient.SipError, OSError, ssl.SSLError) as e:
        sys.exit("%s: %s" % (a.cmd, e))


if __name__ == "__main__":
    main()
