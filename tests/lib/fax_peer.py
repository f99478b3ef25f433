#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The SIP side's fax machine for tests/integration/fax_t38.sh: a SIP trunk
# member on UDP that answers one INVITE with G.711 (PCMA) and then:
#   --mode t38:    answers a T.38 re-INVITE (m=image) with 200 and its own
#                  m=image, and runs tests/integration/t38_peer in t38 mode
#                  (a SpanDSP T.38 terminal over our UDPTL) once it is ACKed;
#                  a repeat of it (a session refresh) gets the same answer;
#   --mode refuse: answers a T.38 re-INVITE with 488, and runs t38_peer in
#                  g711 mode (a SpanDSP fax terminal on the RTP audio) from
#                  the first ACK on.
# Every request it gets goes to --log (request line and body). When the
# BYE comes (or --timeout) it prints "sip: reinvites=N image=N" and
# t38_peer's result line, and exits.
import argparse
import re
import socket
import subprocess
import sys
import time


def header(msg, name):
    m = re.search(r"^" + name + r"[ \t]*:[ \t]*([^\r\n]*)", msg, re.I | re.M)
    return m.group(1) if m else ""


def headers_all(msg, name):
    return re.findall(r"^(" + name + r"[ \t]*:[^\r\n]*)", msg, re.I | re.M)


def body_of(msg):
    i = msg.find("\r\n\r\n")
    return msg[i + 4:] if i >= 0 else ""


def sdp_media(sdp, kind):
    """(addr, port) of the first m=<kind> stream (its c= or the session's)."""
    addr, port, in_m = None, None, False
    for line in sdp.splitlines():
        if line.startswith("c=IN IP4 ") and (in_m or port is None):
            a = line.split()[2]
            if in_m or addr is None:
                addr = a
        if line.startswith("m="):
            if port is not None:
                break
            f = line[2:].split()
            in_m = f[0] == kind
            if in_m:
                port = int(f[1])
    return addr, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--mode", choices=["t38", "refuse"], required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--rx", required=True)
    ap.add_argument("--rtp-port", type=int, default=42000)
    ap.add_argument("--udptl-port", type=int, default=42010)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=int, default=150)
    a = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.listen))
    open(a.log + ".ready", "w").close()
    log = open(a.log, "w")
    tag = "faxpeer1"
    proc = None
    reinvites = image = 0
    pending = None  # what to start on the next ACK
    remote_rtp = None
    deadline = time.time() + a.timeout
    s.settimeout(0.5)

    def respond(req, src, status, phrase, sdp=""):
        to = header(req, "To")
        if ";tag=" not in to:
            to += ";tag=" + tag
        r = f"SIP/2.0 {status} {phrase}\r\n"
        for v in headers_all(req, "Via"):
            r += v + "\r\n"
        r += (f"From: {header(req, 'From')}\r\nTo: {to}\r\nCall-ID: {header(req, 'Call-ID')}\r\n"
              f"CSeq: {header(req, 'CSeq')}\r\nContact: <sip:fax@{a.bind}:{a.listen}>\r\n")
        if sdp:
            r += f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
        else:
            r += "Content-Length: 0\r\n\r\n"
        s.sendto(r.encode(), src)

    def start(mode, addr, port, local):
        return subprocess.Popen([a.peer, mode, a.bind, str(local), addr, str(port), a.rx, str(a.timeout)],
                                stdout=subprocess.PIPE, text=True)

    audio_sdp = (f"v=0\r\no=faxpeer 1 1 IN IP4 {a.bind}\r\ns=-\r\nc=IN IP4 {a.bind}\r\nt=0 0\r\n"
                 f"m=audio {a.rtp_port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")
    image_sdp = (f"v=0\r\no=faxpeer 1 2 IN IP4 {a.bind}\r\ns=-\r\nc=IN IP4 {a.bind}\r\nt=0 0\r\n"
                 f"m=image {a.udptl_port} udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
                 f"a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1800\r\n"
                 f"a=T38FaxMaxDatagram:300\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n")
    while time.time() < deadline:
        try:
            data, src = s.recvfrom(65536)
        except socket.timeout:
            continue
        msg = data.decode(errors="replace")
        if msg.startswith("SIP/2.0"):
            continue
        method = msg.split(" ", 1)[0]
        log.write(msg.split("\r\n", 1)[0] + "\n" + body_of(msg) + "\n")
        log.flush()
        if method == "OPTIONS":
            respond(msg, src, 200, "OK")
        elif method == "INVITE" and ";tag=" not in header(msg, "To"):
            remote_rtp = sdp_media(body_of(msg), "audio")
            respond(msg, src, 200, "OK", audio_sdp)
            if a.mode == "refuse":
                pending = ("g711", remote_rtp, a.rtp_port)
        elif method == "INVITE":
            reinvites += 1
            addr, port = sdp_media(body_of(msg), "image")
            if port is None:
                respond(msg, src, 200, "OK", audio_sdp)
            elif a.mode == "refuse":
                image += 1
                respond(msg, src, 488, "Not Acceptable Here")
            else:
                image += 1
                respond(msg, src, 200, "OK", image_sdp)
                if proc is None:
                    pending = ("t38", (addr, port), a.udptl_port)
        elif method == "ACK":
            if pending and proc is None:
                mode, (addr, port), local = pending
                proc = start(mode, addr, port, local)
            pending = None
        elif method == "BYE":
            respond(msg, src, 200, "OK")
            break
        else:
            respond(msg, src, 501, "Not Implemented")
    print(f"sip: reinvites={reinvites} image={image}")
    if proc:
        try:
            out, _ = proc.communicate(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        sys.stdout.write(out)
    else:
        print("result=NOT_STARTED")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
