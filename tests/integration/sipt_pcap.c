/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes a pcap of SIP-T messages built by isup/ (for sipt_tshark.sh, which
 * has tshark decode them independently): an INVITE with SDP and an IAM
 * from Q.931 SETUP fields (q699), a 180 with the ACM for ALERTING, a 200
 * with the ANM, and a BYE with a REL. Usage: sipt_pcap OUT.pcap [ansi].
 * The numbers and cause are fixed here and asserted by the script. */
#include "config.h"

#include "isup/q699.h"
#include "isup/sipt.h"
#include "tests/pcap_raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out;
static unsigned seq;

/* One UDP datagram 192.0.2.1:5060 -> 192.0.2.2:5060 (or back), raw IPv4. */
static void packet(const char *sip, size_t sip_len, const uint8_t *body, size_t body_len, int back)
{
	++seq;
	pcap_raw_udp(out, sip, sip_len, body, body_len, back, 5060, 5060, seq, (uint64_t)seq * 1000000);
}

/* A SIP message whose body is the SIP-T multipart of isup (and sdp). */
static void sip_with_isup(const char *first_line, const char *method, int back, const struct tisup_msg *m,
			  const char *sdp, int cseq)
{
	uint8_t isup[TISUP_MAX_MSG], body[4096];
	char head[2048], ctype[128], err[200];
	struct tsipt_body b = {0};
	size_t ilen = 0, blen = 0;
	int n;

	if (tisup_encode(m, isup, sizeof(isup), &ilen) != 0) {
		fprintf(stderr, "sipt_pcap: %s does not encode\n", tisup_msg_name(m->type));
		exit(1);
	}
	b.sdp = sdp;
	b.sdp_len = sdp ? strlen(sdp) : 0;
	b.isup = isup;
	b.isup_len = ilen;
	b.variant = m->variant;
	if (tsipt_build(&b, body, sizeof(body), &blen, ctype, sizeof(ctype), err, sizeof(err)) != 0) {
		fprintf(stderr, "sipt_pcap: %s\n", err);
		exit(1);
	}
	n = snprintf(head, sizeof(head),
		     "%s\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-sipt-%d\r\n"
		     "From: <sip:+33123456789@192.0.2.1>;tag=a1\r\n"
		     "To: <sip:612345678@192.0.2.2>%s\r\n"
		     "Call-ID: sipt-test@192.0.2.1\r\n"
		     "CSeq: %d %s\r\n"
		     "Contact: <sip:%s:5060>\r\n"
		     "Max-Forwards: 70\r\n"
		     "MIME-Version: 1.0\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     first_line, cseq, back || cseq > 1 ? ";tag=b2" : "", cseq, method,
		     back ? "192.0.2.2" : "192.0.2.1", ctype, blen);
	packet(head, (size_t)n, body, blen, back);
}

int main(int argc, char **argv)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				  "m=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
	enum tisup_variant v = argc > 2 && strcmp(argv[2], "ansi") == 0 ? TISUP_ANSI : TISUP_ITU;
	struct q699_backward bw = {0};
	struct q699_call c;
	struct tisup_msg m;
	char err[200];

	if (argc < 2 || !(out = pcap_raw_open(argv[1]))) {
		fprintf(stderr, "usage: sipt_pcap OUT.pcap [ansi]\n");
		return 2;
	}

	/* SETUP: called 0612345678 (type unknown: the national prefix makes
	 * it national), calling +33123456789 international, screened. */
	q699_call_init(&c);
	c.called.present = 1;
	snprintf(c.called.digits, sizeof(c.called.digits), "0612345678");
	c.called.npi = 1;
	c.calling.present = 1;
	c.calling.ton = Q699_TON_INTERNATIONAL;
	c.calling.npi = 1;
	c.calling.screen = 1;
	snprintf(c.calling.digits, sizeof(c.calling.digits), "33123456789");
	c.hop_counter = 17;
	if (q699_iam_from_setup(&c, v, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "sipt_pcap: %s\n", err);
		return 1;
	}
	sip_with_isup("INVITE sip:612345678@192.0.2.2 SIP/2.0", "INVITE", 0, &m, sdp, 1);
	q699_backward_build(&m, v, Q699_EV_ALERTING, &bw);
	sip_with_isup("SIP/2.0 180 Ringing", "INVITE", 1, &m, NULL, 1);
	bw.acm_sent = 1;
	q699_backward_build(&m, v, Q699_EV_CONNECT, &bw);
	sip_with_isup("SIP/2.0 200 OK", "INVITE", 1, &m, sdp, 1);
	q699_rel_build(&m, v, 17, 4); /* user busy, remote public network */
	sip_with_isup("BYE sip:612345678@192.0.2.2 SIP/2.0", "BYE", 0, &m, NULL, 2);
	return fclose(out) == 0 ? 0 : 1;
}
