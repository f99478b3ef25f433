#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A plain RTP caller for tests/integration/media_echo.sh: one call over TCP
# from --bind to tandemd (INVITE with an RTP/AVP PCMA offer, ACK on 200),
# then --seconds of 20 ms PCMA packets paced in real time, while it reads
# what comes back; then BYE. The audio (--signal):
#   speech: noise through a resonance in bursts of 150..400 ms (speech-like;
#           the same every run: a fixed seed), about -20 dBm0 in the bursts;
#   ans:    2100 Hz with a phase reversal every 450 ms (V.25 ANS/PR, what a
#           modem or fax answers with), about -12 dBm0.
# Prints "status=N" and, for a 200, "sent=N rx=N power_db=P power_last_db=Q":
# P is the mean power (dB, of 16-bit linear samples) of all audio received,
# Q that of the last half (after the canceller converged).
import argparse
import math
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from srtp_call import header, read_msg  # noqa: E402


def alaw_decode(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


SEG_END = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]


def alaw_encode(pcm):
    pcm = max(-32768, min(32767, int(pcm))) >> 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = 0
    while seg < 8 and pcm > SEG_END[seg]:
        seg += 1
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1 if seg < 2 else pcm >> seg) & 0x0F
    return aval ^ mask


DECODE = [alaw_decode(i) for i in range(256)]


def speech(n):
    rnd = random.Random(4242)
    out, y1, y2, burst, on = [], 0.0, 0.0, 0, False
    for _ in range(n):
        if burst <= 0:
            on = not on
            burst = int((0.15 + 0.25 * rnd.random() if on else 0.05 + 0.2 * rnd.random()) * 8000)
        burst -= 1
        v = rnd.gauss(0, 1) + 1.6 * y1 - 0.8 * y2
        y2, y1 = y1, v
        out.append(v * (1100 if on else 8))
    return out


def ans(n):
    return [8000 * math.sin(2 * math.pi * 2100 * i / 8000 + math.pi * ((i // 3600) % 2)) for i in range(n)]


def power_db(samples):
    if not samples:
        return -999.0
    return 10 * math.log10(sum(s * s for s in samples) / len(samples) + 1e-9)


def call(args):
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {args.bind}\r\ns=-\r\nc=IN IP4 {args.bind}\r\nt=0 0\r\n"
           f"m=audio {args.rtp_port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\na=sendrecv\r\n")
    cid = f"echo-{os.getpid()}-{time.time()}@{args.bind}"

    def request(method, cseq, body="", to_tag=""):
        hdrs = (f"{method} {args.to} SIP/2.0\r\n"
                f"Via: SIP/2.0/TCP {args.bind}:5060;branch=z9hG4bK-{method}-{cseq}-{os.getpid()}\r\n"
                f"From: <sip:pbx@{args.bind}>;tag=uac1\r\nTo: <{args.to}>{to_tag}\r\nCall-ID: {cid}\r\n"
                f"CSeq: {cseq} {method}\r\nContact: <sip:pbx@{args.bind}:5060;transport=tcp>\r\n"
                f"Max-Forwards: 70\r\n")
        if body:
            hdrs += f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            hdrs += "Content-Length: 0\r\n\r\n"
        return hdrs.encode()

    host, port = args.target.rsplit(":", 1)
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((args.bind, args.rtp_port))
    rtp.setblocking(False)
    s = socket.create_connection((host, int(port)), timeout=10, source_address=(args.bind, 0))
    s.settimeout(10)
    s.sendall(request("INVITE", 1, sdp))
    buf, final = b"", None
    try:
        while final is None:
            msg, buf = read_msg(s, buf)
            if msg is None:
                break
            m = re.match(rb"SIP/2\.0 (\d{3})", msg)
            if m and int(m.group(1)) >= 200:
                final = msg
    except (socket.timeout, OSError):
        pass
    if final is None:
        print("status=none")
        return
    status = int(re.match(rb"SIP/2\.0 (\d{3})", final).group(1))
    print(f"status={status}", flush=True)
    if status != 200:
        return
    tag = re.search(r";tag=[^;>\s]+", header(final, "To"))
    to_tag = tag.group(0) if tag else ""
    s.sendall(request("ACK", 1, "", to_tag))
    body = final.split(b"\r\n\r\n", 1)[1].decode()
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    mline = re.search(r"^m=audio (\d+)", body, re.M)
    far = (c.group(1), int(mline.group(1)))
    npk = args.seconds * 50
    sig = speech(npk * 160) if args.signal == "speech" else ans(npk * 160)
    ssrc, rx, sent = 0x1234ABCD, [], 0
    t0 = time.monotonic()
    for k in range(npk + 10):
        if k < npk:
            payload = bytes(alaw_encode(v) for v in sig[k * 160:(k + 1) * 160])
            rtp.sendto(struct.pack("!BBHII", 0x80, 8, k & 0xFFFF, k * 160, ssrc) + payload, far)
            sent += 1
        while True:
            try:
                pkt = rtp.recv(2048)
            except BlockingIOError:
                break
            if len(pkt) > 12 and pkt[1] & 0x7F == 8:
                rx.append(pkt[12:])
        delay = t0 + (k + 1) * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    s.sendall(request("BYE", 2, "", to_tag))
    try:
        while True:
            msg, buf = read_msg(s, buf)
            if msg is None or re.match(rb"SIP/2\.0 \d{3}", msg) and b"BYE" in header(msg, "CSeq").encode():
                break
    except (socket.timeout, OSError):
        pass
    s.close()
    samples = [DECODE[b] for p in rx for b in p]
    half = samples[len(samples) // 2:]
    print(f"sent={sent} rx={len(rx)} power_db={power_db(samples):.1f} power_last_db={power_db(half):.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--to", required=True)
    ap.add_argument("--rtp-port", type=int, default=42000)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--signal", choices=["speech", "ans"], default="speech")
    call(ap.parse_args())


if __name__ == "__main__":
    main()
