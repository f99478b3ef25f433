#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A SIP phone doing RTP, for tests/integration/media_calls.sh (pure Python:
# no numpy). Commands:
#
# call: one call over UDP from --bind to tandemd: INVITE offering one codec
#   (--codec pcmu|pcma) and telephone-event (unless --no-te), ACK, then for
#   --duration seconds an RTP packet every 20 ms (a tone with --tone
#   HZ@DBM0, else silence), RFC 4733 digits (--events) or SIP INFOs
#   (--info; "_" an INFO without a body) from --dtmf-at seconds, after an
#   INFO outside any dialog with --stray-info, answering tandemd's INFOs and BYE;
#   then BYE. With --send-port the RTP goes out from another port than the
#   SDP's (symmetric RTP: tandemd should answer there). Prints one line of
#   key=value: status, the answer's codec, telephone-event PT and port,
#   where tandemd's RTP came from and arrived, the tone measured in it
#   (freq, level in dBm0, purity), the RFC 4733 digits and INFO digits
#   received, the DTMF heard in the audio, and the statuses of our INFOs.
# analyze: the same measurements of a raw G.711 file (pstnsim's record).
#
# Levels: 0 dBm0 is a sine of peak 22786 in 16-bit linear (3.14 dB below
# full scale: G.711's digital milliwatt, SpanDSP's and pstnsim's scale).
import argparse
import math
import os
import random
import re
import select
import socket
import struct
import sys
import time

DBM0_RMS = 22786.0 / math.sqrt(2)
PT = {"pcmu": 0, "pcma": 8}
DIGITS = "0123456789*#ABCD"


# --- G.711 (the same tables as pstnsim/tone.c) --------------------------------

def ulaw_decode(u):
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def alaw_decode(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def ulaw_encode(pcm):
    sign = 0
    if pcm < 0:
        pcm = -pcm
        sign = 0x80
    pcm = min(pcm, 32635) + 0x84
    exp = 7
    mask = 0x4000
    while not (pcm & mask) and exp > 0:
        exp -= 1
        mask >>= 1
    return ~(sign | (exp << 4) | ((pcm >> (exp + 3)) & 0x0F)) & 0xFF


def alaw_encode(pcm):
    v = pcm >> 3
    if v >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        v = -v - 1
    seg = 0
    while seg < 8 and v >= (0x20 << seg):
        seg += 1
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((v >> 1 if seg < 2 else v >> seg) & 0x0F)) ^ mask


ULAW = [ulaw_decode(i) for i in range(256)]
ALAW = [alaw_decode(i) for i in range(256)]


# --- Measurements ------------------------------------------------------------

def goertzel(x, freq):
    """Energy of x at freq, scaled so a pure sine gives its sum of squares."""
    c = 2 * math.cos(2 * math.pi * freq / 8000.0)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - c * s1 * s2) * 2 / len(x)


def longest_run(x, quiet=8):
    """The longest stretch without `quiet` samples in a row of exact
    silence (a jitter-buffer underrun or the call's edges)."""
    best = (0, 0)
    start = None
    zeros = 0
    for i, v in enumerate(x + [0] * quiet):
        if abs(v) <= 8:
            zeros += 1
            if zeros == quiet and start is not None:
                end = i - quiet + 1
                if end - start > best[1] - best[0]:
                    best = (start, end)
                start = None
        else:
            zeros = 0
            if start is None:
                start = i
    return x[best[0]:best[1]]


def tone(x):
    """(freq Hz, level dBm0, purity) of the steady part of a tone."""
    run = longest_run(x)
    # leave the edges (a tone's start, the stop) out
    run = run[400:-400] if len(run) > 2400 else []
    if not run:
        return None
    # frequency: upward zero crossings, interpolated
    first = last = None
    n = 0
    for i in range(1, len(run)):
        a, b = run[i - 1], run[i]
        if a < 0 <= b:
            t = i - 1 + (-a) / (b - a)
            if first is None:
                first = t
            last = t
            n += 1
    if n < 3:
        return None
    freq = (n - 1) * 8000.0 / (last - first)
    rms = math.sqrt(sum(v * v for v in run) / len(run))
    purity = goertzel(run[:4000], freq) / max(1.0, sum(v * v for v in run[:4000]))
    return freq, 20 * math.log10(max(rms, 1e-9) / DBM0_RMS), purity


ROWS = (697, 770, 852, 941)
COLS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")


def dtmf_inband(x, n=205, hop=80):
    """Digits heard in audio: Goertzel on the eight DTMF frequencies in
    sliding windows; a digit when one row and one column hold most of the
    window's energy in two windows in a row; again only after a window
    without it."""
    out = []
    prev = None
    streak = 0
    reported = None
    for off in range(0, len(x) - n, hop):
        w = x[off:off + n]
        total = sum(v * v for v in w)
        got = None
        if total > n * 200.0 ** 2:  # above about -42 dBm0
            r = [goertzel(w, f) for f in ROWS]
            c = [goertzel(w, f) for f in COLS]
            ri, ci = r.index(max(r)), c.index(max(c))
            if (r[ri] + c[ci] > 0.7 * total and all(r[ri] > 8 * v for j, v in enumerate(r) if j != ri)
                    and all(c[ci] > 8 * v for j, v in enumerate(c) if j != ci)):
                got = KEYS[ri][ci]
        streak = streak + 1 if got is not None and got == prev else 1
        prev = got
        if got is None:
            reported = None
        elif streak >= 2 and got != reported:
            out.append(got)
            reported = got
    return "".join(out)


def measure(samples):
    t = tone(samples)
    fields = {"freq": "-", "level": "-", "purity": "-"}
    if t:
        fields = {"freq": f"{t[0]:.1f}", "level": f"{t[1]:.2f}", "purity": f"{t[2]:.3f}"}
    fields["inband"] = dtmf_inband(samples) or "-"
    return fields


# --- SIP over UDP ----------------------------------------------------------------

def parse_msg(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs.setdefault(k.strip().lower(), v.strip())
    return lines[0], hdrs, body.decode(errors="replace")


class Call:
    def __init__(self, args):
        self.a = args
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((args.bind, 0))
        self.sip_port = self.sip.getsockname()[1]
        host, port = args.target.rsplit(":", 1)
        self.dest = (host, int(port))
        self.cid = f"rtp-peer-{os.getpid()}-{time.time()}@{args.bind}"
        self.tag = f"p{os.getpid()}"
        self.to_tag = ""
        self.cseq = 1
        self.info_rx = ""
        self.info_status = []
        self.bye_rx = False

    def request(self, method, body="", ctype="application/sdp"):
        if method not in ("ACK",):
            self.cseq += 1 if method != "INVITE" else 0
        cseq = 1 if method in ("INVITE", "ACK") else self.cseq
        msg = (f"{method} {self.a.to} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {self.a.bind}:{self.sip_port};rport;branch=z9hG4bK-{method}-{cseq}-{random.random()}\r\n"
               f"From: <sip:peer@{self.a.bind}>;tag={self.tag}\r\nTo: <{self.a.to}>{self.to_tag}\r\n"
               f"Call-ID: {self.cid}\r\nCSeq: {cseq} {method}\r\n"
               f"Contact: <sip:peer@{self.a.bind}:{self.sip_port}>\r\nMax-Forwards: 70\r\n")
        if body:
            msg += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            msg += "Content-Length: 0\r\n\r\n"
        self.sip.sendto(msg.encode(), self.dest)

    def respond(self, hdrs, status, src):
        msg = (f"SIP/2.0 {status}\r\nVia: {hdrs.get('via', '')}\r\nFrom: {hdrs.get('from', '')}\r\n"
               f"To: {hdrs.get('to', '')}\r\nCall-ID: {hdrs.get('call-id', '')}\r\n"
               f"CSeq: {hdrs.get('cseq', '')}\r\nContent-Length: 0\r\n\r\n")
        self.sip.sendto(msg.encode(), src)

    def handle_sip(self):
        """One datagram: tandemd's requests answered; returns a response's
        (status, hdrs, body) or None."""
        data, src = self.sip.recvfrom(65536)
        first, hdrs, body = parse_msg(data)
        if first.startswith("SIP/2.0"):
            return int(first.split()[1]), hdrs, body
        method = first.split(" ", 1)[0]
        if method == "INFO":
            m = re.search(r"^\s*signal\s*=\s*(\S+)", body, re.I | re.M)
            if hdrs.get("content-type", "").lower().startswith("application/dtmf-relay") and m:
                self.info_rx += m.group(1)
            self.respond(hdrs, "200 OK", src)
        elif method == "BYE":
            self.bye_rx = True
            self.respond(hdrs, "200 OK", src)
        elif method != "ACK":
            self.respond(hdrs, "200 OK", src)
        return None

    def wait_final(self, method, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.sip], [], [], end - time.monotonic())
            if not r:
                break
            got = self.handle_sip()
            if got and got[0] >= 200 and method in got[1].get("cseq", ""):
                return got
        return None


def rtp_packet(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def run_call(args):
    call = Call(args)
    pt = PT[args.codec]
    te = "" if args.no_te else " 101"
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {args.bind}\r\ns=-\r\nc=IN IP4 {args.bind}\r\nt=0 0\r\n"
           f"m=audio {args.rtp_port} RTP/AVP {pt}{te}\r\na=rtpmap:{pt} {args.codec.upper()}/8000\r\n")
    if not args.no_te:
        sdp += "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
    sdp += "a=ptime:20\r\na=sendrecv\r\n"
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((args.bind, args.rtp_port))
    out = rtp
    if args.send_port:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.bind((args.bind, args.send_port))
    stray = None
    if args.stray_info:
        # an INFO in no dialog (its own Call-ID), before the call
        cid, call.cid = call.cid, call.cid + "-stray"
        call.request("INFO", "Signal=1\r\nDuration=160\r\n", "application/dtmf-relay")
        got = call.wait_final("INFO", 5)
        stray = got[0] if got else "none"
        call.cid = cid
    call.request("INVITE", sdp)
    got = call.wait_final("INVITE", args.wait)
    if not got:
        print("status=none")
        return 1
    status, hdrs, body = got
    m = re.search(r";tag=([^;>\s]+)", hdrs.get("to", ""))
    call.to_tag = f";tag={m.group(1)}" if m else ""
    if status != 200:
        call.request("ACK")
        print(f"status={status}")
        return 0
    call.request("ACK")
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    ml = re.search(r"^m=audio (\d+) RTP/AVP ([\d ]+)", body, re.M)
    tem = re.search(r"^a=rtpmap:(\d+) telephone-event/8000", body, re.M)
    remote = (c.group(1), int(ml.group(1)))
    apt = int(ml.group(2).split()[0])
    res = {"status": 200, "codec": {0: "PCMU", 8: "PCMA"}.get(apt, str(apt)),
           "te": tem.group(1) if tem else "none", "port": remote[1]}
    ev_pt = int(tem.group(1)) if tem else 101

    # What we send, packet by packet (20 ms each): audio, or events.
    ssrc = random.getrandbits(32)
    seq = random.getrandbits(16)
    ts0 = random.getrandbits(32)
    enc = alaw_encode if pt == 8 else ulaw_encode
    hz, dbm0 = 0.0, -99.0
    if args.tone:
        f, _, lv = args.tone.partition("@")
        hz, dbm0 = float(f), float(lv or -10)
    amp = 22786.0 * 10 ** (dbm0 / 20)
    npk = int(args.duration * 50)
    plan = [None] * npk  # None: audio; else (digit, start packet, end flag, duration)
    at = int(args.dtmf_at * 50)
    for d in args.events:
        # 100 ms of event (5 packets, the last three are the end), 100 ms of audio
        for k in range(5):
            if at + k < npk:
                plan[at + k] = (d, at, k >= 2, min(k + 1, 3) * 160 + (160 if k >= 2 else 0))
        at += 10
    info_times = [args.dtmf_at + 0.3 * i for i in range(len(args.info))]
    info_left = list(args.info)

    rx = {rtp: [], out: []}
    src_ports = set()
    ev_rx = []
    last_ev_ts = None
    start = time.monotonic()
    k = 0
    socks = [call.sip, rtp] + ([out] if out is not rtp else [])
    end = start + args.duration
    while True:
        now = time.monotonic()
        while k < npk and start + k * 0.02 <= now:
            ts = ts0 + k * 160
            p = plan[k]
            if p is None:
                payload = bytes(enc(int(round(amp * math.sin(2 * math.pi * hz * (k * 160 + i) / 8000.0))))
                                for i in range(160))
                out.sendto(rtp_packet(pt, seq, ts, ssrc, payload), remote)
            else:
                d, s, e, dur = p
                payload = struct.pack("!BBH", DIGITS.index(d), (0x80 if e else 0) | 10, dur)
                out.sendto(rtp_packet(ev_pt, seq, ts0 + s * 160, ssrc, payload, marker=(k == s)), remote)
            seq += 1
            k += 1
        if info_left and now >= start + info_times[len(args.info) - len(info_left)]:
            d = info_left.pop(0)
            body = f"Signal={d}\r\nDuration=160\r\n" if args.info_type == "application/dtmf-relay" else d
            body = "" if d == "_" else body  # "_": an INFO without a body
            call.request("INFO", body, args.info_type)
            got = call.wait_final("INFO", 5)
            call.info_status.append(str(got[0]) if got else "none")
            continue
        if now >= end or call.bye_rx:
            break
        r, _, _ = select.select(socks, [], [], max(0.0, min(start + k * 0.02, end) - time.monotonic()))
        for s in r:
            if s is call.sip:
                call.handle_sip()
                continue
            data, src = s.recvfrom(2048)
            if len(data) < 12:
                continue
            src_ports.add(src[1])
            ppt = data[1] & 0x7F
            pts = struct.unpack("!I", data[4:8])[0]
            if ppt in (0, 8):
                rx[s].append((pts, ppt, data[12:]))
            elif tem and ppt == ev_pt:
                if pts != last_ev_ts:
                    last_ev_ts = pts
                    ev_rx.append(DIGITS[data[12]] if data[12] < 16 else "?")
    if not call.bye_rx:
        call.request("BYE")
        call.wait_final("BYE", 5)

    # The audio received, placed by timestamp.
    pk = rx[rtp] + (rx[out] if out is not rtp else [])
    samples = []
    if pk:
        base = pk[0][0]
        n = max(((p[0] - base) & 0xFFFFFFFF) + len(p[2]) for p in pk if ((p[0] - base) & 0xFFFFFFFF) < 10 ** 6)
        samples = [0] * n
        for ts, ppt, pl in pk:
            off = (ts - base) & 0xFFFFFFFF
            if off >= 10 ** 6:
                continue
            table = ALAW if ppt == 8 else ULAW
            samples[off:off + len(pl)] = [table[b] for b in pl]
    res.update({"rx_packets": len(pk), "rx_sdp_port": len(rx[rtp]),
                "rx_send_port": len(rx[out]) if out is not rtp else 0,
                "src_ports": ",".join(str(p) for p in sorted(src_ports)) or "-",
                "rx_pt": ",".join(sorted({str(p[1]) for p in pk})) or "-"})
    res.update(measure(samples))
    res.update({"events": "".join(ev_rx) or "-", "info_rx": call.info_rx or "-", "stray_info": stray or "-",
                "info_status": ",".join(call.info_status) or "-"})
    print(" ".join(f"{k}={v}" for k, v in res.items()), flush=True)
    return 0


def analyze(args):
    data = open(args.file, "rb").read()
    table = ALAW if args.law == "alaw" else ULAW
    res = measure([table[b] for b in data])
    print(" ".join(f"{k}={v}" for k, v in res.items()))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["call", "analyze"])
    ap.add_argument("--target")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--to")
    ap.add_argument("--codec", default="pcmu", choices=["pcmu", "pcma"])
    ap.add_argument("--no-te", action="store_true")
    ap.add_argument("--rtp-port", type=int, default=40000)
    ap.add_argument("--send-port", type=int, default=0)
    ap.add_argument("--duration", type=float, default=3)
    ap.add_argument("--tone", default="")
    ap.add_argument("--events", default="")
    ap.add_argument("--info", default="")
    ap.add_argument("--info-type", default="application/dtmf-relay")
    ap.add_argument("--stray-info", action="store_true")
    ap.add_argument("--dtmf-at", type=float, default=1.0)
    ap.add_argument("--wait", type=float, default=10)
    ap.add_argument("--file")
    ap.add_argument("--law", default="alaw", choices=["alaw", "ulaw"])
    args = ap.parse_args()
    return run_call(args) if args.mode == "call" else analyze(args)


if __name__ == "__main__":
    sys.exit(main())
