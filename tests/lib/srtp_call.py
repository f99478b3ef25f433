#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# SIP for tests/integration/sip_srtp.sh.
#
# call: one call over TLS (or TCP/UDP) from --bind to tandemd: INVITE with an
#   RTP/SAVP offer (our fresh SDES key) or RTP/AVP (--avp), ACK on 200, then
#   the media by tests/integration/srtp_peer (C, libsrtp2) with our key and
#   the one in tandemd's answer, then BYE. Prints "status=N phrase=P" and,
#   for a 200, "proto=... tag=N suite=..." and the peer's line.
# server: a TLS SIP server (the trunk member / PBX): writes each INVITE it
#   gets to --out (request line, then the body) and answers 486.
import argparse
import base64
import os
import re
import socket
import ssl
import subprocess
import sys
import time


def read_msg(sock, buf):
    """One SIP message from a stream: (message bytes, rest)."""
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            m = re.search(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)", buf[:head_end], re.I | re.M)
            total = head_end + 4 + (int(m.group(1)) if m else 0)
            if len(buf) >= total:
                return buf[:total], buf[total:]
        data = sock.recv(65536)
        if not data:
            return None, buf
        buf += data


def header(msg, name):
    m = re.search(rb"^" + name.encode() + rb"[ \t]*:[ \t]*([^\r\n]*)", msg, re.I | re.M)
    return m.group(1).decode() if m else ""


def connect(args):
    host, port = args.target.rsplit(":", 1)
    raw = socket.create_connection((host, int(port)), timeout=10, source_address=(args.bind, 0))
    if args.transport == "tcp":
        return raw
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False
    return ctx.wrap_socket(raw)


def call(args):
    key = base64.b64encode(os.urandom(30)).decode()
    proto = "RTP/AVP" if args.avp else "RTP/SAVP"
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {args.bind}\r\ns=-\r\nc=IN IP4 {args.bind}\r\nt=0 0\r\n"
           f"m=audio {args.rtp_port} {proto} 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
           f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n")
    if not args.avp:
        sdp += f"a=crypto:7 AES_CM_128_HMAC_SHA1_{args.suite} inline:{key}|2^31\r\n"
    via_proto = {"tls": "TLS", "tcp": "TCP"}[args.transport] if not args.via else args.via
    cid = f"srtp-{os.getpid()}-{time.time()}@{args.bind}"
    lport = 5061 if args.transport == "tls" else 5060
    scheme = "sips" if args.transport == "tls" else "sip"

    def request(method, cseq, body="", to_tag=""):
        hdrs = (f"{method} {args.to} SIP/2.0\r\n"
                f"Via: SIP/2.0/{via_proto} {args.bind}:{lport};branch=z9hG4bK-{method}-{cseq}-{os.getpid()}\r\n"
                f"From: <sip:pbx@{args.bind}>;tag=uac1\r\nTo: <{args.to}>{to_tag}\r\nCall-ID: {cid}\r\n"
                f"CSeq: {cseq} {method}\r\nContact: <{scheme}:pbx@{args.bind}:{lport}>\r\nMax-Forwards: 70\r\n")
        if body:
            hdrs += f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            hdrs += "Content-Length: 0\r\n\r\n"
        return hdrs.encode()

    try:
        s = connect(args)
    except (OSError, ssl.SSLError) as e:
        print(f"status=none phrase=connect:{e.__class__.__name__}")
        return
    s.settimeout(args.wait)
    s.sendall(request("INVITE", 1, sdp))
    buf = b""
    final = None
    try:
        while final is None:
            msg, buf = read_msg(s, buf)
            if msg is None:
                break
            m = re.match(rb"SIP/2\.0 (\d{3}) ([^\r\n]*)", msg)
            if m and int(m.group(1)) >= 200:
                final = msg
    except (socket.timeout, OSError):
        pass
    if final is None:
        print("status=none phrase=no-answer")
        return
    m = re.match(rb"SIP/2\.0 (\d{3}) ([^\r\n]*)", final)
    status, phrase = int(m.group(1)), m.group(2).decode()
    to_hdr = header(final, "To")
    tag = re.search(r";tag=[^;>\s]+", to_hdr)
    to_tag = tag.group(0) if tag else ""
    if status != 200:
        print(f"status={status} phrase={phrase.replace(' ', '_')}")
        return
    s.sendall(request("ACK", 1, "", to_tag))
    body = final.split(b"\r\n\r\n", 1)[1].decode()
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    mline = re.search(r"^m=audio (\d+) (\S+)", body, re.M)
    crypto = re.search(r"^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", body, re.M)
    out = f"status=200 proto={mline.group(2) if mline else '-'}"
    if crypto:
        out += f" tag={crypto.group(1)} suite={crypto.group(2)} samekey={int(crypto.group(3) == key)}"
    print(out, flush=True)
    if crypto and c and mline:
        peer = subprocess.run([args.peer, str(args.rtp_port), c.group(1), mline.group(1), args.suite, key,
                               crypto.group(3), str(args.packets), args.octet, str(args.tamper)],
                              capture_output=True, text=True, timeout=60)
        print(peer.stdout.strip() or f"peer-failed {peer.stderr.strip()}", flush=True)
    if args.hold:
        time.sleep(args.hold)
    s.sendall(request("BYE", 2, "", to_tag))
    try:
        while True:
            msg, buf = read_msg(s, buf)
            if msg is None or re.match(rb"SIP/2\.0 \d{3}", msg) and b"BYE" in header(msg, "CSeq").encode():
                break
    except (socket.timeout, OSError):
        pass
    s.close()


def serve(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.listen))
    ls.listen(8)
    open(args.out + ".ready", "w").close()
    while True:
        conn, _ = ls.accept()
        with open(args.out + ".conns", "a") as f:
            f.write("connection\n")
        try:
            tconn = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with open(args.out + ".refused", "a") as f:
                f.write(f"{e.__class__.__name__}\n")
            conn.close()
            continue
        buf = b""
        tconn.settimeout(30)
        try:
            while True:
                msg, buf = read_msg(tconn, buf)
                if msg is None:
                    break
                line = msg.split(b"\r\n", 1)[0].decode()
                method = line.split(" ", 1)[0]
                if method in ("ACK",) or line.startswith("SIP/2.0"):
                    continue
                if method == "INVITE":
                    with open(args.out, "a") as f:
                        f.write(line + "\n" + msg.split(b"\r\n\r\n", 1)[1].decode() + "\n")
                status = "486 Busy Here" if method == "INVITE" else "200 OK"
                resp = (f"SIP/2.0 {status}\r\nVia: {header(msg, 'Via')}\r\nFrom: {header(msg, 'From')}\r\n"
                        f"To: {header(msg, 'To')};tag=srv1\r\nCall-ID: {header(msg, 'Call-ID')}\r\n"
                        f"CSeq: {header(msg, 'CSeq')}\r\nContent-Length: 0\r\n\r\n")
                tconn.sendall(resp.encode())
        except (socket.timeout, OSError, ssl.SSLError):
            pass
        tconn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["call", "server"])
    ap.add_argument("--target")
    ap.add_argument("--transport", default="tls", choices=["tls", "tcp"])
    ap.add_argument("--via", help="the Via's transport, when it should lie")
    ap.add_argument("--ca")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--to")
    ap.add_argument("--avp", action="store_true")
    ap.add_argument("--suite", default="80", choices=["80", "32"])
    ap.add_argument("--rtp-port", type=int, default=40000)
    ap.add_argument("--peer")
    ap.add_argument("--packets", type=int, default=100)
    ap.add_argument("--octet", default="0x5a")
    ap.add_argument("--tamper", type=int, default=0)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--wait", type=float, default=10)
    ap.add_argument("--listen", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.mode == "call":
        call(args)
    else:
        serve(args)


if __name__ == "__main__":
    sys.exit(main())
