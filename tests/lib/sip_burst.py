#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A burst of new INVITEs sent all at once (no waiting between them), then
# every final answer collected: one line per INVITE, "N STATUS RETRY-AFTER"
# ("-" when the answer has none, "none" when nothing came within --wait).
# Final answers are ACKed (RFC 3261 17.1.1.3) so they are not resent.
# Used by tests/integration/overload.sh: sent to a stopped daemon, the
# burst waits in its socket's receive queue.
import argparse
import re
import select
import socket
import time

p = argparse.ArgumentParser()
p.add_argument("--target", required=True, help="HOST:PORT")
p.add_argument("--bind", default="127.0.0.1")
p.add_argument("--count", type=int, default=30)
p.add_argument("--number", default="+19995550100")
p.add_argument("--tag", default="burst")
p.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the last answer")
p.add_argument("--sent", help="a file written once the whole burst is sent")
a = p.parse_args()
host, port = a.target.rsplit(":", 1)
target = (host, int(port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a.bind, 0))
me = "%s:%d" % s.getsockname()
sdp = "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (
    a.bind, a.bind)


def invite(n):
    return ("INVITE sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d\r\nMax-Forwards: 70\r\n"
            "From: <sip:+15551230000@%s>;tag=%s-%d\r\nTo: <sip:%s@%s>\r\nCall-ID: %s-%d@%s\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sip:burst@%s>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s" %
            (a.number, a.target, me, a.tag, n, a.bind, a.tag, n, a.number, a.target, a.tag, n, a.bind, me, len(sdp), sdp))


def ack(n, to):
    return ("ACK sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d\r\nMax-Forwards: 70\r\n"
            "From: <sip:+15551230000@%s>;tag=%s-%d\r\nTo: %s\r\nCall-ID: %s-%d@%s\r\nCSeq: 1 ACK\r\n"
            "Content-Length: 0\r\n\r\n" % (a.number, a.target, me, a.tag, n, a.bind, a.tag, n, to, a.tag, n, a.bind))


for n in range(a.count):
    s.sendto(invite(n).encode(), target)
if a.sent:
    open(a.sent, "w").close()
got = {}
end = time.time() + a.wait
while len(got) < a.count and time.time() < end:
    r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
    if not r:
        continue
    pkt = s.recv(65536).decode(errors="replace")
    m = re.match(r"SIP/2\.0 (\d{3})", pkt)
    cid = re.search(r"^Call-ID:\s*%s-(\d+)@" % re.escape(a.tag), pkt, re.M | re.I)
    if not m or not cid or int(m.group(1)) < 200:
        continue
    n = int(cid.group(1))
    ra = re.search(r"^Retry-After:\s*(\d+)", pkt, re.M | re.I)
    to = re.search(r"^(?:To|t):\s*(.*?)\r?$", pkt, re.M | re.I)
    s.sendto(ack(n, to.group(1) if to else "<sip:%s@%s>" % (a.number, a.target)).encode(), target)
    got.setdefault(n, "%s %s" % (m.group(1), ra.group(1) if ra else "-"))
for n in range(a.count):
    print(n, got.get(n, "none"))
