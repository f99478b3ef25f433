#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Send raw SIP messages (files, byte-exact) to a server and print, per file,
# the first final status code that comes back for that message's Call-ID:
# "NAME STATUS", or "NAME none" (nothing within the wait), or over TCP
# "NAME closed" (the server closed the connection without a final answer);
# over TLS "NAME tls-refused:REASON" when the handshake fails.
# Used by tests/integration/sip_torture.sh and sip_flood.sh.
#
# Responses to UDP go where the top Via says (RFC 3261 18.2.2): the sender
# binds --bind on --port (5060 by default, what a Via without a port means)
# and listens on the --also ports too (a Via naming another port).
import argparse
import re
import select
import socket
import ssl
import sys
import time


def call_id(data):
    m = re.search(rb"^(?:call-id|i)[ \t]*:[ \t]*(\S+)", data, re.I | re.M)
    return m.group(1) if m else None


def statuses(buf):
    """(status, call-id) of every complete response in buf."""
    out = []
    for m in re.finditer(rb"SIP/2\.0 (\d{3}) [^\r\n]*\r\n(.*?)\r\n\r\n", buf, re.S):
        out.append((int(m.group(1)), call_id(m.group(2))))
    return out


def final_for(buf, cid, want_any):
    for st, rcid in statuses(buf):
        if st >= 200 and (want_any or cid is None or rcid == cid):
            return st
    return None


def send_udp(socks, data, target, wait, want_any):
    cid = call_id(data)
    socks[0].sendto(data, target)
    end = time.time() + wait
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], max(0.0, end - time.time()))
        for s in r:
            pkt, _ = s.recvfrom(65536)
            st = final_for(pkt, cid, want_any)
            if st:
                return str(st)
    return "none"


def send_tcp(bind, data, target, wait, want_any, tls_ca=None):
    cid = call_id(data)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, 0))
    s.settimeout(wait)
    try:
        s.connect(target)
        if tls_ca is not None:
            # TLS: the server's certificate must chain to tls_ca (the
            # name is not checked: tests connect to an address).
            ctx = ssl.create_default_context(cafile=tls_ca)
            ctx.check_hostname = False
            s = ctx.wrap_socket(s)
        s.sendall(data)
    except ssl.SSLError as e:
        s.close()
        return "tls-refused:" + e.reason if e.reason else "tls-refused"
    except OSError:
        s.close()
        return "closed"
    buf = b""
    end = time.time() + wait
    try:
        while time.time() < end:
            s.settimeout(max(0.01, end - time.time()))
            chunk = s.recv(65536)
            if not chunk:
                st = final_for(buf, cid, want_any)
                return str(st) if st else "closed"
            buf += chunk
            st = final_for(buf, cid, want_any)
            if st:
                return str(st)
    except socket.timeout:
        pass
    except OSError:
        st = final_for(buf, cid, want_any)
        return str(st) if st else "closed"
    finally:
        s.close()
    return "none"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="host:port")
    ap.add_argument("--transport", default="udp", choices=["udp", "tcp", "tls"])
    ap.add_argument("--ca", help="tls: the CA file the server's certificate must chain to")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5060)
    ap.add_argument("--also", type=int, action="append", default=[])
    ap.add_argument("--wait", type=float, default=2.0)
    ap.add_argument("--any", action="store_true", help="any final response counts, whatever its Call-ID")
    ap.add_argument("--repeat", type=int, default=1, help="send each file this many times (@N@: the count)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    target = (host, int(port))
    socks = []
    if a.transport == "udp":
        for p in [a.port] + a.also:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.bind, p))
            socks.append(s)
    for f in a.files:
        data = open(f, "rb").read()
        name = f.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for i in range(a.repeat):
            # @N@ in a file: the repetition's number (a new branch, Call-ID).
            msg = data.replace(b"@N@", str(i).encode())
            if a.transport == "udp":
                res = send_udp(socks, msg, target, a.wait, a.any)
            else:
                res = send_tcp(a.bind, msg, target, a.wait, a.any, a.ca if a.transport == "tls" else None)
            print(name, res, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
