#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A SIP-T / SIP-I peer over UDP for tests/integration/sipt_calls.sh: SIPp
# cannot put binary ISUP octets (NULs among them) in a body, this can.
#
#   sipt_peer.py uas --bind IP --port P [--acm HEX] [--anm HEX]
#       [--refuse STATUS [--rel HEX]] [--bye-after S --rel HEX [--reason R]]
#   sipt_peer.py uac --bind IP --port P --target IP:PORT --to NUMBER
#       [--from NUMBER] [--iam HEX [--version V] [--handling H]]
#       [--bye-after S --rel HEX]
#   sipt_peer.py isup FILE      the hex of a saved message's ISUP part
#
# Every message received is saved as --save DIR/NN-WHAT.sip (WHAT: the
# method or status) and named on stdout. The UAS answers one INVITE (180
# with --acm, 200 with SDP and --anm) or refuses it; the UAC sends one.
# Either side then hangs up after --bye-after seconds (BYE with the REL
# --rel) or waits for the other's BYE. Exit 0 when the dialog ended as
# meant, 1 otherwise.
import argparse
import os
import random
import re
import socket
import sys
import time

SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")


def multipart(sdp, isup_hex, version, handling):
    """(Content-Type, body) of an RFC 3204 multipart/mixed body."""
    parts = []
    if sdp:
        parts.append(b"Content-Type: application/sdp\r\n\r\n" + sdp.encode())
    if isup_hex:
        parts.append(("Content-Type: application/ISUP; version=%s\r\n"
                      "Content-Disposition: signal; handling=%s\r\n\r\n" % (version, handling)).encode()
                     + bytes.fromhex(isup_hex))
    if len(parts) == 1 and not sdp:
        pass
    boundary = b"tandem-test-boundary-7"
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + b"--" + boundary + b"--\r\n"
    return "multipart/mixed; boundary=" + boundary.decode(), body


def split(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = []
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            hdrs.append((k.strip(), v.strip()))
    return lines[0], hdrs, body


def hdr(hdrs, name):
    for k, v in hdrs:
        if k.lower() == name.lower():
            return v
    return None


def isup_part(msg):
    """The ISUP part's octets of a message, or None."""
    _, hdrs, body = split(msg)
    ct = hdr(hdrs, "Content-Type") or ""
    if ct.lower().startswith("application/isup"):
        return body
    m = re.search(r'boundary="?([^";]+)"?', ct)
    if not m:
        return None
    b = b"--" + m.group(1).encode()
    for part in body.split(b)[1:]:
        if part.startswith(b"--"):
            break
        ph, _, pb = part.partition(b"\r\n\r\n")
        if b"application/isup" in ph.lower():
            return pb[:-2] if pb.endswith(b"\r\n") else pb
    return None


class Peer:
    def __init__(self, a):
        self.a = a
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((a.bind, a.port))
        self.n = 0
        self.tag = "%08x" % random.getrandbits(32)
        self.cseq = 1

    def send(self, data, to):
        self.s.sendto(data, to)

    def recv(self, deadline):
        while time.time() < deadline:
            self.s.settimeout(max(0.05, deadline - time.time()))
            try:
                data, src = self.s.recvfrom(65536)
            except socket.timeout:
                continue
            first, hdrs, _ = split(data)
            what = first.split()[1] if first.startswith("SIP/2.0") else first.split()[0]
            method = (hdr(hdrs, "CSeq") or " ").split()[-1]
            self.n += 1
            if self.a.save:
                with open(os.path.join(self.a.save, "%02d-%s-%s.sip" % (self.n, what, method)), "wb") as f:
                    f.write(data)
            print("recv %s %s" % (what, method), flush=True)
            return first, hdrs, data, src
        return None

    def via(self):
        return "SIP/2.0/UDP %s:%d;branch=z9hG4bK%08x;rport" % (self.a.bind, self.a.port, random.getrandbits(32))

    def contact(self):
        return "<sip:%s:%d>" % (self.a.bind, self.a.port)

    def response(self, hdrs, status, phrase, to_tag=True, ctype=None, body=b"", extra=""):
        lines = ["SIP/2.0 %d %s" % (status, phrase)]
        for k, v in hdrs:
            if k.lower() in ("via", "v", "from", "f", "call-id", "i", "cseq"):
                lines.append("%s: %s" % (k, v))
            elif k.lower() in ("to", "t"):
                lines.append("To: %s" % (v if "tag=" in v or not to_tag else v + ";tag=" + self.tag))
        lines.append("Contact: " + self.contact())
        if ctype:
            lines.append("Content-Type: " + ctype)
            lines.append("MIME-Version: 1.0")
        lines.append(extra) if extra else None
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def request(self, method, ruri, frm, to, call_id, cseq, ctype=None, body=b"", extra=""):
        lines = ["%s %s SIP/2.0" % (method, ruri), "Via: " + self.via(), "Max-Forwards: 70", "From: " + frm,
                 "To: " + to, "Call-ID: " + call_id, "CSeq: %d %s" % (cseq, method), "Contact: " + self.contact()]
        if ctype:
            lines.append("Content-Type: " + ctype)
            lines.append("MIME-Version: 1.0")
        lines.append(extra) if extra else None
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def body(self, isup_hex, with_sdp=True):
        sdp = SDP.format(ip=self.a.bind, port=self.a.port + 2) if with_sdp else None
        if not isup_hex:
            return ("application/sdp", sdp.encode()) if sdp else (None, b"")
        return multipart(sdp, isup_hex, self.a.version, self.a.handling)

    def bye_or_wait(self, ruri, frm, to, call_id, target, deadline):
        """Hang up after --bye-after (True when the BYE got its 200), or
        answer the far end's BYE."""
        if self.a.bye_after is not None:
            end = time.time() + self.a.bye_after
            while time.time() < end:
                r = self.recv(end)
                if r and r[0].startswith("BYE"):
                    self.send(self.response(r[1], 200, "OK"), r[3])
                    return False
            ctype, body = (None, b"")
            if self.a.rel:
                ctype, body = multipart(None, self.a.rel, self.a.version, self.a.handling)
            extra = "Reason: " + self.a.reason if self.a.reason else ""
            self.send(self.request("BYE", ruri, frm, to, call_id, 2, ctype, body, extra), target)
            print("sent BYE", flush=True)
            while True:
                r = self.recv(deadline)
                if not r:
                    return False
                if r[0].startswith("SIP/2.0 200") and "BYE" in (hdr(r[1], "CSeq") or ""):
                    return True
        while True:
            r = self.recv(deadline)
            if not r:
                return False
            if r[0].startswith("BYE"):
                self.send(self.response(r[1], 200, "OK"), r[3])
                return True

    def uas(self):
        deadline = time.time() + self.a.timeout
        while True:
            r = self.recv(deadline)
            if not r:
                return 1
            if r[0].startswith("INVITE"):
                break
        first, hdrs, data, src = r
        if self.a.refuse:
            ctype, body = (None, b"")
            if self.a.rel:
                ctype, body = multipart(None, self.a.rel, self.a.version, self.a.handling)
            self.send(self.response(hdrs, self.a.refuse, "Refused", ctype=ctype, body=body), src)
            r = self.recv(deadline)
            return 0 if r and r[0].startswith("ACK") else 1
        ctype, body = self.body(self.a.acm, with_sdp=False)
        self.send(self.response(hdrs, 180, "Ringing", ctype=ctype, body=body), src)
        time.sleep(0.2)
        ctype, body = self.body(self.a.anm)
        ok = self.response(hdrs, 200, "OK", ctype=ctype, body=body)
        self.send(ok, src)
        while True:
            r2 = self.recv(min(deadline, time.time() + 0.5))
            if r2 and r2[0].startswith("ACK"):
                break
            if time.time() >= deadline:
                return 1
            if not r2:
                self.send(ok, src)
        ruri = re.search(r"<([^>]+)>", hdr(hdrs, "Contact")).group(1)
        to_tagged = hdr(hdrs, "To") + ";tag=" + self.tag
        return 0 if self.bye_or_wait(ruri, to_tagged, hdr(hdrs, "From"), hdr(hdrs, "Call-ID"), src, deadline) else 1

    def uac(self):
        deadline = time.time() + self.a.timeout
        host, port = self.a.target.split(":")
        target = (host, int(port))
        call_id = "%08x@%s" % (random.getrandbits(32), self.a.bind)
        ruri = "sip:%s@%s" % (self.a.to, self.a.target)
        frm = "<sip:%s@%s>;tag=%s" % (self.a.caller, self.a.bind, self.tag)
        to = "<sip:%s@%s>" % (self.a.to, self.a.target)
        ctype, body = self.body(self.a.iam)
        inv = self.request("INVITE", ruri, frm, to, call_id, 1, ctype, body)
        via = re.search(rb"Via: ([^\r]+)", inv).group(1).decode()
        self.send(inv, target)
        while True:
            r = self.recv(deadline)
            if not r:
                return 1
            first, hdrs, data, src = r
            if not first.startswith("SIP/2.0"):
                continue
            st = int(first.split()[1])
            if st < 200:
                continue
            to_tagged = hdr(hdrs, "To")
            if st >= 300:  # ACK in the INVITE's transaction
                ack = ["ACK %s SIP/2.0" % ruri, "Via: " + via, "From: " + frm, "To: " + to_tagged,
                       "Call-ID: " + call_id, "CSeq: 1 ACK", "Content-Length: 0"]
                self.send(("\r\n".join(ack) + "\r\n\r\n").encode(), target)
                print("final %d" % st, flush=True)
                return 0 if self.a.expect == st else 1
            contact = re.search(r"<([^>]+)>", hdr(hdrs, "Contact")).group(1)
            self.send(self.request("ACK", contact, frm, to_tagged, call_id, 1), target)
            break
        print("final 200", flush=True)
        if self.a.expect not in (None, 200):
            return 1
        return 0 if self.bye_or_wait(contact, frm, to_tagged, call_id, target, deadline) else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["uas", "uac", "isup"])
    p.add_argument("file", nargs="?")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5060)
    p.add_argument("--target")
    p.add_argument("--to")
    p.add_argument("--from", dest="caller", default="+15551230000")
    p.add_argument("--iam")
    p.add_argument("--acm")
    p.add_argument("--anm")
    p.add_argument("--rel")
    p.add_argument("--reason")
    p.add_argument("--refuse", type=int)
    p.add_argument("--expect", type=int)
    p.add_argument("--version", default="itu-t92+")
    p.add_argument("--handling", default="optional")
    p.add_argument("--bye-after", type=float)
    p.add_argument("--save")
    p.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    if a.mode == "isup":
        with open(a.file, "rb") as f:
            part = isup_part(f.read())
        print(part.hex() if part else "")
        return 0
    peer = Peer(a)
    return peer.uas() if a.mode == "uas" else peer.uac()


if __name__ == "__main__":
    sys.exit(main())
