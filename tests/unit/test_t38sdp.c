/* SPDX-License-Identifier: GPL-2.0-or-later */
/* T.38 SDP: our m=image offer and answer, and reading the far end's (attributes, addresses, refusals,
 * malformed lines, audio-only SDP); answers to offers with both audio and image (RFC 3264 6). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/media_sdp.h"
#include "gateway/media_t38sdp.h"
#include "tests/tap.h"

static int parse(const char *sdp, struct media_t38_info *out)
{
	return media_t38_parse(sdp, strlen(sdp), out);
}

static void test_offer(void)
{
	struct media_sdp_local l = {.addr = "192.0.2.10", .port = 40002, .sess_id = 9, .sess_version = 3};
	struct media_t38_params p;
	struct media_t38_info i;
	char buf[1024];

	media_t38_defaults(&p);
	is_int(media_t38_offer(&l, &p, buf, sizeof(buf)), 0, "offer built");
	ok(strstr(buf, "o=tandem 9 3 IN IP4 192.0.2.10\r\n") != NULL, "o= with the session version");
	ok(strstr(buf, "c=IN IP4 192.0.2.10\r\n") != NULL, "c=");
	ok(strstr(buf, "m=image 40002 udptl t38\r\n") != NULL, "m=image PORT udptl t38");
	ok(strstr(buf, "a=T38FaxVersion:0\r\n") && strstr(buf, "a=T38MaxBitRate:14400\r\n") &&
	       strstr(buf, "a=T38FaxRateManagement:transferredTCF\r\n") && strstr(buf, "a=T38FaxMaxBuffer:2000\r\n") &&
	       strstr(buf, "a=T38FaxMaxDatagram:400\r\n") && strstr(buf, "a=T38FaxUdpEC:t38UDPRedundancy\r\n"),
	   "the usual attributes");
	ok(!strstr(buf, "m=audio"), "no audio stream");
	/* It reads back as it was written. */
	is_int(parse(buf, &i), 0, "our offer parses");
	ok(strcmp(i.addr, "192.0.2.10") == 0 && i.port == 40002, "address and port");
	ok(i.p.version == 0 && i.p.max_bitrate == 14400 && i.p.transferred_tcf && i.p.max_buffer == 2000 &&
	       i.p.max_datagram == 400 && i.p.ec == MEDIA_T38_EC_REDUNDANCY,
	   "every attribute");
	is_int(media_t38_offer(&l, &p, buf, 100), -ENOSPC, "too small a buffer: -ENOSPC");
	l.addr = "host.example";
	is_int(media_t38_offer(&l, &p, buf, sizeof(buf)), -EINVAL, "a host name: -EINVAL");
	l.addr = "2001:db8::1";
	is_int(media_t38_offer(&l, &p, buf, sizeof(buf)), 0, "IPv6 offer");
	ok(strstr(buf, "c=IN IP6 2001:db8::1\r\n") != NULL, "c=IN IP6");
}

static void test_answer(void)
{
	struct media_sdp_local l = {.addr = "192.0.2.10", .port = 40002, .sess_id = 9, .sess_version = 4};
	struct media_t38_params ours, agreed;
	struct media_t38_info off, ans;
	char buf[1024];

	media_t38_defaults(&ours);
	/* An offer a T.38 ATA might send: version 3, 9600, localTCF, FEC, fill bit removal, MMR, lower case. */
	is_int(parse("v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
		     "m=image 6004 udptl t38\r\na=t38faxversion:3\r\na=T38MaxBitRate:9600\r\n"
		     "a=T38FaxFillBitRemoval\r\na=T38FaxTranscodingMMR:1\r\na=T38FaxTranscodingJBIG:0\r\n"
		     "a=T38FaxRateManagement:localTCF\r\na=T38FaxMaxBuffer:262\r\na=T38FaxMaxDatagram:176\r\n"
		     "a=T38FaxUdpEC:t38UDPFEC\r\n",
		     &off),
	       0, "an ATA's offer parses");
	ok(off.p.version == 3 && off.p.max_bitrate == 9600 && !off.p.transferred_tcf && off.p.fill_bit_removal &&
	       off.p.transcoding_mmr && !off.p.transcoding_jbig && off.p.max_datagram == 176 &&
	       off.p.ec == MEDIA_T38_EC_FEC,
	   "version 3, 9600, localTCF, fill bit removal, MMR not JBIG, datagram 176, FEC (attribute names in any "
	   "case)");
	is_int(media_t38_answer(&l, &ours, &off, buf, sizeof(buf), &agreed), 0, "answer built");
	ok(strstr(buf, "a=T38FaxVersion:0\r\n") && strstr(buf, "a=T38MaxBitRate:9600\r\n"),
	   "our version, its lower rate");
	ok(strstr(buf, "a=T38FaxRateManagement:localTCF\r\n") != NULL, "the offer's rate management");
	ok(strstr(buf, "a=T38FaxUdpEC:t38UDPFEC\r\n") != NULL, "FEC offered: FEC answered");
	ok(!strstr(buf, "Transcoding") && !strstr(buf, "FillBitRemoval"), "no transcoding, no fill bit removal");
	ok(agreed.max_datagram == 176 && agreed.ec == MEDIA_T38_EC_FEC, "agreed: we send FEC within its 176 octets");
	is_int(parse(buf, &ans), 0, "the answer parses");
	ok(ans.port == 40002 && ans.p.max_datagram == 400, "our port and datagram size");
	/* Redundancy offered: redundancy answered. */
	off.p.ec = MEDIA_T38_EC_REDUNDANCY;
	media_t38_answer(&l, &ours, &off, buf, sizeof(buf), &agreed);
	ok(strstr(buf, "a=T38FaxUdpEC:t38UDPRedundancy\r\n") && agreed.ec == MEDIA_T38_EC_REDUNDANCY,
	   "redundancy offered: redundancy answered and agreed");
	/* No error correction offered: none answered. */
	off.p.ec = MEDIA_T38_EC_NONE;
	media_t38_answer(&l, &ours, &off, buf, sizeof(buf), NULL);
	ok(!strstr(buf, "T38FaxUdpEC"), "no EC offered: none answered");
	l.port = 0;
	media_t38_answer(&l, &ours, &off, buf, sizeof(buf), NULL);
	ok(strstr(buf, "m=image 0 udptl t38\r\n") != NULL, "port 0 refuses the stream");
}

static void test_parse(void)
{
	struct media_t38_info i;

	/* Audio then image, the image's own c=, a session c= in between ignored. */
	is_int(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 0 RTP/AVP 0\r\nc=IN IP4 192.0.2.99\r\n"
		     "m=image 5000 udptl t38\r\nc=IN IP4 192.0.2.2\r\na=T38FaxVersion:1\r\n",
		     &i),
	       0, "audio port 0 and image");
	ok(strcmp(i.addr, "192.0.2.2") == 0 && i.port == 5000 && i.p.version == 1, "the image stream's c=, port");
	is_int(
	    parse("v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.99\nm=image 5000 udptl t38\n", &i),
	    0, "bare LF line ends");
	is_str(i.addr, "192.0.2.1", "the session c=, not the audio stream's");
	ok(i.p.transferred_tcf && i.p.ec == MEDIA_T38_EC_NONE, "defaults: transferredTCF, no EC");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 0 udptl t38\r\n", &i), 0, "a refused image stream");
	is_int(i.port, 0, "port 0");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0 8\r\n", &i), -ENOENT, "audio only: -ENOENT");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 4000 tcp t38\r\n", &i), -ENOENT, "T.38 over TCP: not ours");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 70000 udptl t38\r\n", &i), -EBADMSG, "port 70000: -EBADMSG");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image -1 udptl t38\r\n", &i), -EBADMSG, "port -1");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image x udptl t38\r\n", &i), -EBADMSG, "port x");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 5000\r\n", &i), -EBADMSG, "a truncated image m= line");
	is_int(parse("v=0\r\nm=image 5000 udptl t38\r\n", &i), -EBADMSG, "no c= at all");
	is_int(parse("v=0\r\nc=IN IP4 fax.example\r\nm=image 5000 udptl t38\r\n", &i), -EBADMSG, "a host name c=");
	is_int(parse("v=0\r\nm=image 5000 udptl t38\r\nc=IN IP4 300.1.1.1\r\n", &i), -EBADMSG, "a bad address");
	is_int(parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 5000 udptl t38\r\na=T38FaxVersion:99999999999\r\n", &i), 0,
	       "an absurd version parses");
	is_int(i.p.version, 0, "and reads as 0");
	{
		char big[2048];

		memset(big, 'a', sizeof(big));
		memcpy(big, "v=0\r\na=", 7);
		big[sizeof(big) - 1] = '\0';
		is_int(parse(big, &i), -EBADMSG, "an over-long line: -EBADMSG");
	}
	{
		static const char nul[] =
		    "v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 5000 udptl t38\r\na=T38Fax\0Version:1\r\n";

		is_int(media_t38_parse(nul, sizeof(nul) - 1, &i), -EBADMSG, "a NUL inside a line: -EBADMSG");
	}
	is_int(media_t38_parse("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 5000 udptl t38", 30, &i), -ENOENT,
	       "cut before the m= line: only len octets are read");
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_streams(void)
{
	static const char both[] = "v=0\r\no=ata 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
				   "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
				   "m=image 5000 udptl t38\r\na=T38FaxVersion:0\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n";
	static const char image_first[] = "v=0\r\no=ata 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n"
					  "t=0 0\r\nm=image 5000 udptl t38\r\na=T38FaxVersion:0\r\n"
					  "m=audio 4000 RTP/AVP 8 0\r\n";
	struct media_sdp_local l = {.addr = "192.0.2.10", .port = 40002, .sess_id = 9, .sess_version = 5};
	struct media_t38_params ours, agreed;
	struct media_t38_info off, ans;
	struct media_sdp_info ai;
	char buf[2048], keep[2048];
	const char *a, *i;

	/* A re-INVITE with both: T.38 taken, the audio line refused. */
	is_int(parse(both, &off), 0, "audio and image offered: the image stream read");
	ok(off.port == 5000 && off.audio, "its port, and audio offered too");
	media_t38_defaults(&ours);
	is_int(media_t38_answer(&l, &ours, &off, buf, sizeof(buf), &agreed), 0, "the T.38 answer");
	is_int(count(buf, "m="), 1, "one stream before matching");
	is_int(media_sdp_match_streams(both, strlen(both), buf, sizeof(buf)), 0, "matched to the offer's streams");
	is_int(count(buf, "\r\nm="), 2, "two m= lines, as offered");
	a = strstr(buf, "m=audio 0 RTP/AVP 0 8 101\r\n");
	i = strstr(buf, "m=image 40002 udptl t38\r\n");
	ok(a && i && a < i, "in the offer's order: audio refused (port 0, its formats), then our image stream");
	ok(strstr(i, "a=T38FaxVersion:0\r\n") && strstr(buf, "c=IN IP4 192.0.2.10\r\n") < a,
	   "the image stream keeps its attributes; the session part stays first");
	is_int(parse(buf, &ans), 0, "the answer parses");
	ok(ans.port == 40002 && !ans.audio, "our image port; no audio taken");

	/* An initial INVITE with image first: audio taken, the image refused. */
	is_int(media_sdp_parse(image_first, strlen(image_first), MEDIA_CODEC_PCMA | MEDIA_CODEC_PCMU, &ai), 0,
	       "the audio stream read");
	l.first_pt = RTP_PT_PCMA;
	l.event_pt = -1;
	l.dir = MEDIA_DIR_SENDRECV;
	is_int(media_sdp_answer(&l, &ai, buf, sizeof(buf)), 0, "the audio answer");
	is_int(media_sdp_match_streams(image_first, strlen(image_first), buf, sizeof(buf)), 0, "matched");
	i = strstr(buf, "m=image 0 udptl t38\r\n");
	a = strstr(buf, "m=audio 40002 RTP/AVP 8\r\n");
	ok(i && a && i < a && count(buf, "\r\nm=") == 2, "image refused first (port 0), then our audio, as offered");
	ok(strstr(a, "a=rtpmap:8 PCMA/8000\r\n") != NULL, "the audio stream keeps its attributes");
	is_int(parse(buf, &ans), 0, "the answer's image stream reads");
	ok(ans.port == 0 && ans.audio, "refused; audio answered");

	/* One stream: unchanged. */
	media_t38_answer(&l, &ours, &off, buf, sizeof(buf), NULL);
	strcpy(keep, buf);
	is_int(media_sdp_match_streams("v=0\r\nc=IN IP4 1.2.3.4\r\nm=image 5000 udptl t38\r\n", 46, buf, sizeof(buf)),
	       0, "an image-only offer");
	is_str(buf, keep, "the answer unchanged");
	/* The image refused and audio offered (back to audio after T.38). */
	is_int(parse("v=0\r\nc=IN IP4 1.2.3.4\r\nm=image 0 udptl t38\r\nm=audio 4000 RTP/AVP 0\r\n", &off), 0,
	       "m=image 0 with audio");
	ok(off.port == 0 && off.audio, "read as the image refused, audio offered (an audio offer)");
	is_int(parse("v=0\r\nc=IN IP4 1.2.3.4\r\nm=image 5000 udptl t38\r\nm=audio 0 RTP/AVP 0\r\n", &off), 0,
	       "audio refused");
	ok(off.port == 5000 && !off.audio, "no audio");
	/* What we cannot answer whole: an error, the answer unchanged. */
	is_int(media_sdp_match_streams("v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=image 5000 udptl t38\x01\r\n", 53, buf,
				       sizeof(buf)),
	       -EBADMSG, "a control character in an m= line: -EBADMSG");
	is_str(buf, keep, "answer unchanged");
	is_int(media_sdp_match_streams(both, strlen(both), buf, strlen(buf) + 10), -ENOSPC, "no room: -ENOSPC");
	is_str(buf, keep, "answer unchanged");
	{
		char many[512] = "v=0\r\n";

		for (int k = 0; k < 9; k++)
			strcat(many, "m=audio 4000 RTP/AVP 0\r\n");
		is_int(media_sdp_match_streams(many, strlen(many), buf, sizeof(buf)), -EBADMSG, "9 streams: -EBADMSG");
	}
	strcpy(keep, "v=0\r\nc=IN IP4 192.0.2.10\r\n");
	is_int(media_sdp_match_streams(both, strlen(both), keep, sizeof(keep)), -EINVAL,
	       "an answer without m=: -EINVAL");
}

int main(void)
{
	test_offer();
	test_answer();
	test_parse();
	test_streams();
	return tap_done();
}
