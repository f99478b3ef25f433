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
#   --mode first:  sends the T.38 re-INVITE itself right after the first
#                  ACK (before the gateway hears the fax tone) and runs
#                  t38_peer in t38 mode once it is answered 200 with m=image.
#   --mode flip:   answers each T.38 re-INVITE with 200 and m=image, and on
#                  its ACK at once re-INVITEs back to audio (a peer that
#                  cannot keep T.38); runs t38_peer in g711 mode from the
#                  first ACK on, so the fax still goes through.
#   --mode cng:    a fax sender: runs t38_peer in g711tx mode (CNG first,
#                  sending --rx's file) from the first ACK on; a T.38
#                  re-INVITE gets 488.
# --fec: its m=image says T38FaxUdpEC:t38UDPFEC, and t38_peer sends FEC.
# --drop N: t38_peer loses one UDPTL datagram in N each way, on purpose.
# --again RX2 (t38): once the T.38 terminal is done, a re-INVITE back to
# audio (m=audio), then the next T.38 re-INVITE runs a second T.38
# terminal receiving into RX2 (a second fax in the call).
# --both (first): its T.38 re-INVITE offers m=audio too, before m=image (as
# some ATAs do); tandemd's answer must keep both lines (audio port 0).
# --refresh S (t38, first): S seconds after the T.38 terminal started, a
# re-INVITE repeating the T.38 SDP (a session refresh, RFC 4028);
# refresh_ms in the summary says when it went (ms after that start).
# Every request it gets goes to --log (request line and body), and so does
# every final response to its own re-INVITEs. When the BYE comes (or
# --timeout) it prints "sip: reinvites=N image=N sent=N answers=STATUS,..."
# and t38_peer's result line, and exits.
import argparse
import random
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
    ap.add_argument("--mode", choices=["t38", "refuse", "first", "flip", "cng"], required=True)
    ap.add_argument("--fec", action="store_true")
    ap.add_argument("--drop", type=int, default=0)
    ap.add_argument("--again", default="")
    ap.add_argument("--refresh", type=float, default=0)
    ap.add_argument("--both", action="store_true")
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
    s.settimeout(0.1)
    dialog = None  # (Call-ID, our To with tag, their From, their Contact URI, their address)
    cseq = 100
    sent = 0
    answers = []
    refresh_at = None
    inflight = None  # our re-INVITE awaiting its final response: (cseq, request, when sent)
    t38_started = refresh_ms = None
    outputs = []  # the finished terminals' result lines
    flip = False  # flip: back to audio on the next ACK
    rx_file = a.rx
    back_to_audio = False  # --again: the first T.38 terminal is done, audio offered

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

    def reinvite(sdp):
        nonlocal cseq, sent, inflight
        callid, ours, theirs, uri, dst = dialog
        cseq += 1
        sent += 1
        r = (f"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {a.bind}:{a.listen};branch=z9hG4bK{random.getrandbits(48):x}"
             f";rport\r\nMax-Forwards: 70\r\nFrom: {ours}\r\nTo: {theirs}\r\nCall-ID: {callid}\r\n"
             f"CSeq: {cseq} INVITE\r\nContact: <sip:fax@{a.bind}:{a.listen}>\r\n"
             f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
        s.sendto(r.encode(), dst)
        inflight = (cseq, r, time.time())

    def ack(resp):
        callid, ours, theirs, uri, dst = dialog
        to = header(resp, "To")
        r = (f"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {a.bind}:{a.listen};branch=z9hG4bK{random.getrandbits(48):x}"
             f";rport\r\nMax-Forwards: 70\r\nFrom: {ours}\r\nTo: {to}\r\nCall-ID: {callid}\r\n"
             f"CSeq: {header(resp, 'CSeq').split()[0]} ACK\r\nContent-Length: 0\r\n\r\n")
        s.sendto(r.encode(), dst)

    def start(mode, addr, port, local):
        opts = []
        if mode == "t38" and a.fec:
            opts.append("fec")
        if mode == "t38" and a.drop:
            opts.append(f"drop={a.drop}")
        return subprocess.Popen([a.peer, mode, a.bind, str(local), addr, str(port), rx_file, str(a.timeout)] + opts,
                                stdout=subprocess.PIPE, text=True)

    audio_sdp = (f"v=0\r\no=faxpeer 1 1 IN IP4 {a.bind}\r\ns=-\r\nc=IN IP4 {a.bind}\r\nt=0 0\r\n"
                 f"m=audio {a.rtp_port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")
    image_sdp = (f"v=0\r\no=faxpeer 1 2 IN IP4 {a.bind}\r\ns=-\r\nc=IN IP4 {a.bind}\r\nt=0 0\r\n"
                 f"m=image {a.udptl_port} udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
                 f"a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:1800\r\n"
                 f"a=T38FaxMaxDatagram:300\r\na=T38FaxUdpEC:{'t38UDPFEC' if a.fec else 't38UDPRedundancy'}\r\n")
    offer_sdp = image_sdp
    if a.both:
        offer_sdp = image_sdp.replace("t=0 0\r\n", f"t=0 0\r\nm=audio {a.rtp_port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")
    while time.time() < deadline:
        if a.again and not back_to_audio and proc and proc.poll() is not None and not inflight:
            # the first fax is over: back to audio; the next T.38 offer is the second fax
            back_to_audio = True
            outputs.append(proc.communicate()[0])
            proc = None
            rx_file = a.again
            reinvite(audio_sdp.replace("o=faxpeer 1 1 ", "o=faxpeer 1 3 "))
        if refresh_at and time.time() >= refresh_at and not inflight:
            refresh_at = None
            refresh_ms = int((time.time() - t38_started) * 1000)
            reinvite(image_sdp)
        if inflight and time.time() - inflight[2] > 0.5:
            # UDP: Timer A, roughly (no loss expected on loopback)
            s.sendto(inflight[1].encode(), dialog[4])
            inflight = (inflight[0], inflight[1], time.time())
        try:
            data, src = s.recvfrom(65536)
        except socket.timeout:
            continue
        msg = data.decode(errors="replace")
        if msg.startswith("SIP/2.0"):
            status = int(msg.split(" ", 2)[1])
            if "INVITE" not in header(msg, "CSeq") or status < 200:
                continue
            if inflight and int(header(msg, "CSeq").split()[0]) == inflight[0]:
                inflight = None
                answers.append(status)
                log.write(msg.split("\r\n", 1)[0] + " (to our re-INVITE)\n" + body_of(msg) + "\n")
                log.flush()
                addr, port = sdp_media(body_of(msg), "image")
                if status == 200 and port and proc is None:
                    proc = start("t38", addr, port, a.udptl_port)
                    t38_started = time.time()
                    if a.refresh:
                        refresh_at = time.time() + a.refresh
            if status >= 200:
                ack(msg)  # a 2xx retransmitted also gets its ACK again
            continue
        method = msg.split(" ", 1)[0]
        log.write(msg.split("\r\n", 1)[0] + "\n" + body_of(msg) + "\n")
        log.flush()
        if method == "OPTIONS":
            respond(msg, src, 200, "OK")
        elif method == "INVITE" and ";tag=" not in header(msg, "To"):
            remote_rtp = sdp_media(body_of(msg), "audio")
            respond(msg, src, 200, "OK", audio_sdp)
            contact = re.search(r"<([^>]+)>", header(msg, "Contact")) or re.search(r"(\S+)", header(msg, "Contact"))
            to = header(msg, "To") + ";tag=" + tag
            dialog = (header(msg, "Call-ID"), to, header(msg, "From"), contact.group(1), src)
            if a.mode in ("refuse", "flip"):
                pending = ("g711", remote_rtp, a.rtp_port)
            elif a.mode == "cng":
                pending = ("g711tx", remote_rtp, a.rtp_port)
        elif method == "INVITE":
            reinvites += 1
            addr, port = sdp_media(body_of(msg), "image")
            if port is None:
                respond(msg, src, 200, "OK", audio_sdp)
            elif a.mode in ("refuse", "cng"):
                image += 1
                respond(msg, src, 488, "Not Acceptable Here")
            elif a.mode == "flip":
                image += 1
                respond(msg, src, 200, "OK", image_sdp)
                flip = True
            else:
                image += 1
                respond(msg, src, 200, "OK", image_sdp)
                if proc is None:
                    pending = ("t38", (addr, port), a.udptl_port)
        elif method == "ACK":
            if flip and not inflight:
                flip = False
                reinvite(audio_sdp.replace("o=faxpeer 1 1 ", f"o=faxpeer 1 {cseq} "))
            elif pending and proc is None:
                mode, (addr, port), local = pending
                proc = start(mode, addr, port, local)
                t38_started = time.time()
                if mode == "t38" and a.refresh:
                    refresh_at = time.time() + a.refresh
            elif a.mode == "first" and sent == 0 and dialog:
                reinvite(offer_sdp)
            pending = None
        elif method == "BYE":
            respond(msg, src, 200, "OK")
            break
        else:
            respond(msg, src, 501, "Not Implemented")
    print(f"sip: reinvites={reinvites} image={image} sent={sent} answers={','.join(map(str, answers))}"
          f" refresh_ms={refresh_ms if refresh_ms is not None else -1}")
    for out in outputs:
        sys.stdout.write(out)
    if proc:
        try:
            out, _ = proc.communicate(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        sys.stdout.write(out)
    elif not outputs or (a.again and back_to_audio):
        print("result=NOT_STARTED")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
