/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pcap of raw IPv4/UDP frames (LINKTYPE_RAW), for the test programs
 * whose output tshark decodes independently (sipt_pcap, udptl_pcap):
 * 192.0.2.1 <-> 192.0.2.2, the IPv4 header checksummed, UDP's left 0. */
#ifndef TANDEM_TESTS_PCAP_RAW_H
#define TANDEM_TESTS_PCAP_RAW_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline void pcap_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* pcap headers are in the writer's byte order */
}

static inline void pcap_put16be(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* path opened and its file header written; NULL when it cannot be. */
static inline FILE *pcap_raw_open(const char *path)
{
	uint8_t hdr[24];
	FILE *f = fopen(path, "wb");

	if (!f)
		return NULL;
	pcap_put32(hdr, 0xa1b2c3d4);
	memcpy(hdr + 4, (const uint16_t[]){2, 4}, 4); /* version 2.4, host order like the magic */
	pcap_put32(hdr + 8, 0);
	pcap_put32(hdr + 12, 0);
	pcap_put32(hdr + 16, 65535);
	pcap_put32(hdr + 20, 101); /* LINKTYPE_RAW: IPv4 */
	fwrite(hdr, 1, 24, f);
	return f;
}

/* One datagram of a then b (b may be empty), 192.0.2.1:sport ->
 * 192.0.2.2:dport, or back (192.0.2.2:sport -> 192.0.2.1:dport); id is the
 * IPv4 identification, us the capture time in microseconds after
 * 1,700,000,000 s. */
static inline void pcap_raw_udp(FILE *f, const void *a, size_t alen, const void *b, size_t blen, int back,
				unsigned sport, unsigned dport, unsigned id, uint64_t us)
{
	static uint8_t pkt[65536];
	uint8_t rec[16];
	size_t n = 28 + alen + blen;
	uint32_t sum = 0;

	if (n > sizeof(pkt))
		return;
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pcap_put16be(pkt + 2, (unsigned)n);
	pcap_put16be(pkt + 4, id & 0xffff);
	pkt[8] = 64;
	pkt[9] = 17;
	memcpy(pkt + 12, back ? "\xc0\x00\x02\x02" : "\xc0\x00\x02\x01", 4);
	memcpy(pkt + 16, back ? "\xc0\x00\x02\x01" : "\xc0\x00\x02\x02", 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	pcap_put16be(pkt + 10, ~sum & 0xffff);
	pcap_put16be(pkt + 20, sport);
	pcap_put16be(pkt + 22, dport);
	pcap_put16be(pkt + 24, (unsigned)(n - 20)); /* UDP checksum 0: none (IPv4) */
	if (alen)
		memcpy(pkt + 28, a, alen);
	if (blen)
		memcpy(pkt + 28 + alen, b, blen);
	pcap_put32(rec, (uint32_t)(1700000000u + us / 1000000));
	pcap_put32(rec + 4, (uint32_t)(us % 1000000));
	pcap_put32(rec + 8, (uint32_t)n);
	pcap_put32(rec + 12, (uint32_t)n);
	fwrite(rec, 1, 16, f);
	fwrite(pkt, 1, n, f);
}

#endif
