#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A tiny authoritative DNS server on loopback for tests (RFC 1035 wire
format, UDP only): NAPTR, SRV, A and AAAA records from a zone file, every
query logged as "TYPE NAME" to the log file. Names not in the zone get
NXDOMAIN; a known name without records of the asked type, an empty answer.

Zone file lines (# comments):
  NAME NAPTR ORDER PREF FLAGS SERVICE REGEXP REPLACEMENT
  NAME SRV PRIORITY WEIGHT PORT TARGET
  NAME A ADDRESS

usage: dns_serve.py ADDR PORT ZONE LOG
"""
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28, "SRV": 33, "NAPTR": 35}
NAMES = {v: k for k, v in TYPES.items()}


def enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def enc_str(s):
    return bytes([len(s)]) + s.encode()


def rdata(rtype, f):
    if rtype == "A":
        return socket.inet_aton(f[0])
    if rtype == "SRV":
        return struct.pack("!HHH", int(f[0]), int(f[1]), int(f[2])) + enc_name(f[3])
    if rtype == "NAPTR":
        regexp = "" if f[4] == '""' else f[4]
        return struct.pack("!HH", int(f[0]), int(f[1])) + enc_str(f[2]) + enc_str(f[3]) + enc_str(regexp) + enc_name(f[5])
    raise ValueError(rtype)


def load(path):
    zone = {}
    for line in open(path):
        f = line.split("#", 1)[0].split()
        if not f:
            continue
        name, rtype = f[0].lower().rstrip("."), f[1].upper()
        zone.setdefault(name, []).append((TYPES[rtype], rdata(rtype, f[2:])))
    return zone


def parse_query(data):
    qid, flags, qd = struct.unpack("!HHH", data[:6])
    pos, labels = 12, []
    while data[pos]:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode(errors="replace"))
        pos += n + 1
    qtype, qclass = struct.unpack("!HH", data[pos + 1:pos + 5])
    return qid, flags, ".".join(labels).lower(), qtype, data[12:pos + 5]


def main():
    addr, port, zone_path, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    zone = load(zone_path)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    with open(log_path, "a") as log:
        while True:
            data, peer = s.recvfrom(4096)
            try:
                qid, flags, name, qtype, question = parse_query(data)
            except (IndexError, struct.error):
                continue
            log.write("%s %s\n" % (NAMES.get(qtype, str(qtype)), name))
            log.flush()
            answers = [r for t, r in zone.get(name, []) if t == qtype]
            rcode = 0 if name in zone else 3
            hdr = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
            body = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(r)) + r for r in answers)
            s.sendto(hdr + question + body, peer)


if __name__ == "__main__":
    main()
