/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP: our offers and answers, and choosing codec, telephone-event PT and direction from the far end's. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gateway/media_sdp.h"
#include "tests/tap.h"

#define BOTH (MEDIA_CODEC_PCMU | MEDIA_CODEC_PCMA)

static int parse(const char *sdp, unsigned codecs, struct media_sdp_info *out)
{
	return media_sdp_parse(sdp, strlen(sdp), codecs, out);
}

static const char *sdp_with(const char *m_and_attrs, const char *c)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n%s", c,
		 m_and_attrs);
	return buf;
}

static void test_offer(void)
{
	struct media_sdp_local l = {.addr = "192.0.2.10",
				    .port = 40000,
				    .sess_id = 77,
				    .sess_version = 1,
				    .first_pt = RTP_PT_PCMA,
				    .event_pt = RTP_PT_EVENT_DEF,
				    .dir = MEDIA_DIR_SENDRECV};
	struct media_sdp_info i;
	char buf[1024];

	is_int(media_sdp_offer(&l, buf, sizeof(buf)), 0, "offer built");
	ok(strstr(buf, "m=audio 40000 RTP/AVP 8 0 101\r\n") != NULL, "m= lists PCMA, PCMU, telephone-event");
	ok(strstr(buf, "c=IN IP4 192.0.2.10\r\n") && strstr(buf, "o=tandem 77 1 IN IP4 192.0.2.10\r\n"), "c= and o=");
	ok(strstr(buf, "a=rtpmap:0 PCMU/8000\r\n") && strstr(buf, "a=rtpmap:8 PCMA/8000\r\n") &&
	       strstr(buf, "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"),
	   "rtpmaps and fmtp");
	ok(strstr(buf, "a=ptime:20\r\na=sendrecv\r\n") != NULL, "ptime and direction");
	is_int(parse(buf, BOTH, &i), 0, "our offer parses");
	ok(i.pt == RTP_PT_PCMA && i.event_pt == 101 && i.port == 40000 && strcmp(i.addr, "192.0.2.10") == 0 &&
	       i.dir == MEDIA_DIR_SENDRECV && !i.hold && i.ptime == 20 && i.codecs == BOTH,
	   "and reads back as written");
	is_int(media_sdp_offer(&l, buf, 100), -ENOSPC, "a short buffer is refused");
	l.addr = "2001:db8::1";
	l.event_pt = -1;
	l.first_pt = RTP_PT_PCMU;
	is_int(media_sdp_offer(&l, buf, sizeof(buf)), 0, "IPv6 offer");
	ok(strstr(buf, "c=IN IP6 2001:db8::1\r\n") && strstr(buf, "RTP/AVP 0 8\r\n") && !strstr(buf, "telephone"),
	   "IP6, PCMU first, no telephone-event");
	is_int(parse(buf, BOTH, &i), 0, "parses");
	ok(i.pt == 0 && i.event_pt == -1 && strcmp(i.addr, "2001:db8::1") == 0, "IPv6 address, no events");
	l.addr = "host.example";
	is_int(media_sdp_offer(&l, buf, sizeof(buf)), -EINVAL, "a host name is refused");
	l.addr = "192.0.2.10";
	l.event_pt = 95;
	is_int(media_sdp_offer(&l, buf, sizeof(buf)), -EINVAL, "telephone-event PT 95 is refused");
}

static void test_codecs(void)
{
	struct media_sdp_info i;

	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "192.0.2.5"), BOTH, &i), 0, "PCMU only");
	ok(i.pt == 0 && i.codecs == MEDIA_CODEC_PCMU && i.port == 5000 && strcmp(i.addr, "192.0.2.5") == 0,
	   "PCMU chosen without an rtpmap");
	ok(i.dir == MEDIA_DIR_SENDRECV && i.event_pt == -1 && !i.hold, "sendrecv by default, no events");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n", "192.0.2.5"), BOTH, &i), 0,
	       "PCMA only");
	is_int(i.pt, 8, "PCMA chosen");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 18 8 0\r\na=rtpmap:18 G729/8000\r\n", "192.0.2.5"), BOTH, &i), 0,
	       "G.729, PCMA, PCMU");
	ok(i.pt == 8 && i.codecs == BOTH, "the first we support, in the offer's order");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0 8\r\n", "192.0.2.5"), MEDIA_CODEC_PCMA, &i), 0,
	       "both, but we take PCMA only");
	is_int(i.pt, 8, "PCMA chosen");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\n", "192.0.2.5"), BOTH, &i),
	       -ENOTSUP, "no common codec");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "192.0.2.5"), 0, &i), -ENOTSUP, "no codec of ours at all");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000\r\n", "192.0.2.5"), BOTH, &i),
	       -ENOTSUP, "a dynamic PT named PCMU is not G.711 PT 0");
	for (int pt = 96; pt <= 127; pt += 31) {
		char m[256];

		snprintf(m, sizeof(m),
			 "m=audio 5000 RTP/AVP 0 %d\r\na=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", pt, pt,
			 pt);
		is_int(parse(sdp_with(m, "192.0.2.5"), BOTH, &i), 0, "telephone-event on %d", pt);
		is_int(i.event_pt, pt, "its PT found (%d)", pt);
	}
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/16000\r\n", "192.0.2.5"),
		     BOTH, &i),
	       0, "telephone-event at 16 kHz");
	is_int(i.event_pt, -1, "is not ours");
}

static void test_direction(void)
{
	struct media_sdp_info i;
	struct rtp_params p;

	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "0.0.0.0"), BOTH, &i), 0, "c=0.0.0.0");
	ok(i.hold, "is hold");
	media_sdp_to_rtp(&i, 0, &p);
	ok(!p.send && p.remote_port == 0 && p.remote_addr[0] == 0, "we send nothing to 0.0.0.0");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\na=sendonly\r\n", "192.0.2.5"), BOTH, &i), 0, "sendonly");
	ok(i.hold && i.dir == MEDIA_DIR_SENDONLY, "is hold");
	media_sdp_to_rtp(&i, 1, &p);
	ok(!p.send && p.recv && p.symmetric && p.remote_port == 5000, "we receive only");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\na=recvonly\r\n", "192.0.2.5"), BOTH, &i), 0, "recvonly");
	media_sdp_to_rtp(&i, 0, &p);
	ok(!i.hold && p.send && !p.recv, "we send only");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\na=inactive\r\n", "192.0.2.5"), BOTH, &i), 0, "inactive");
	media_sdp_to_rtp(&i, 0, &p);
	ok(i.hold && !p.send && !p.recv, "nothing flows");
	is_int(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\na=sendonly\r\n"
		     "m=audio 5000 RTP/AVP 0\r\n",
		     BOTH, &i),
	       0, "session-level sendonly");
	is_int(i.dir, MEDIA_DIR_SENDONLY, "applies to the stream");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "192.0.2.5"), BOTH, &i), 0, "sendrecv");
	media_sdp_to_rtp(&i, 0, &p);
	ok(p.send && p.recv && strcmp(p.remote_addr, "192.0.2.5") == 0 && p.remote_port == 5000 && p.pt == 0,
	   "both ways to 192.0.2.5:5000");
	is_int(rtp_params_check(&p), 0, "params are valid for an endpoint");
	ok(p.remote_rtcp_port == 0 && i.rtcp_port == 0, "no a=rtcp: RTCP on the port above");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\na=rtcp:5003 IN IP4 192.0.2.5\r\n", "192.0.2.5"), BOTH, &i), 0,
	       "a=rtcp");
	media_sdp_to_rtp(&i, 0, &p);
	ok(i.rtcp_port == 5003 && p.remote_rtcp_port == 5003, "RTCP to port 5003 (RFC 3605)");
}

static void test_malformed(void)
{
	struct media_sdp_info i;

	is_int(parse("hello", BOTH, &i), -EBADMSG, "not SDP");
	is_int(parse(sdp_with("m=video 5000 RTP/AVP 31\r\n", "192.0.2.5"), BOTH, &i), -EBADMSG, "no audio");
	is_int(parse(sdp_with("m=audio 5000 RTP/SAVP 0\r\n", "192.0.2.5"), BOTH, &i), -EPROTONOSUPPORT,
	       "RTP/SAVP without an a=crypto: -EPROTONOSUPPORT (488)");
	is_int(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n", BOTH, &i),
	       -EBADMSG, "no c= anywhere");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "pbx.example"), BOTH, &i), -EBADMSG, "a host name in c=");
	/* Sofia-SIP's sdp_parse() never returns on these (fuzz_sip found it):
	 * refused before it is called. */
	is_int(parse(sdp_with("m=audio 5000 R\x01\x02\r\n", "192.0.2.5"), BOTH, &i), -EBADMSG,
	       "control characters in the m= proto");
	is_int(parse(sdp_with("m=audio 49217 R\xaf\xaf\xd0\xbe\r\n", "192.0.2.5"), BOTH, &i), -EBADMSG,
	       "bytes above 127 in the m= proto");
	is_int(parse(sdp_with("m=audio 5000 RTP/AVP 0\rm=audio 5000 R\x01\x02\r\n", "192.0.2.5"), BOTH, &i), -EBADMSG,
	       "an m= line after a bare CR is looked at too");
	is_int(parse(sdp_with("m=audio 500000 RTP/AVP 8\r\n", "192.0.2.5"), BOTH, &i), -EBADMSG,
	       "a port above 65535 (fuzz_sdp)");
	is_int(parse(sdp_with("m=audio 5000/2 RTP/AVP 0 8 101\r\n", "192.0.2.5"), BOTH, &i), 0,
	       "port/count, proto and formats are all tokens: parsed");
	is_int(parse(sdp_with("m=video 6000 RTP/AVP 31\r\nm=audio 5002 RTP/AVP 8\r\n", "192.0.2.5"), BOTH, &i), 0,
	       "audio after video");
	ok(i.port == 5002 && i.pt == 8, "the audio stream found");
	is_int(parse(sdp_with("m=audio 0 RTP/AVP 0\r\n", "192.0.2.5"), BOTH, &i), 0, "a rejected stream");
	is_int(i.port, 0, "port 0");
}

static void test_answer(void)
{
	struct media_sdp_local l = {.addr = "192.0.2.10",
				    .port = 40002,
				    .sess_id = 5,
				    .sess_version = 2,
				    .first_pt = RTP_PT_PCMU,
				    .event_pt = RTP_PT_EVENT_DEF,
				    .dir = MEDIA_DIR_SENDRECV};
	struct media_sdp_info offer, ans;
	char buf[1024];

	parse(
	    sdp_with("m=audio 5000 RTP/AVP 8 0 97\r\na=rtpmap:97 telephone-event/8000\r\na=sendonly\r\n", "192.0.2.5"),
	    BOTH, &offer);
	is_int(media_sdp_answer(&l, &offer, buf, sizeof(buf)), 0, "answer built");
	ok(strstr(buf, "m=audio 40002 RTP/AVP 8 97\r\n") != NULL, "the chosen codec and the offer's event PT");
	ok(strstr(buf, "a=recvonly\r\n") != NULL, "sendonly answered recvonly");
	ok(!strstr(buf, "PCMU"), "no other codec");
	is_int(parse(buf, BOTH, &ans), 0, "the answer parses");
	ok(ans.pt == 8 && ans.event_pt == 97 && ans.dir == MEDIA_DIR_RECVONLY, "as built");
	parse(sdp_with("m=audio 5000 RTP/AVP 0\r\n", "192.0.2.5"), BOTH, &offer);
	l.dir = MEDIA_DIR_SENDONLY;
	media_sdp_answer(&l, &offer, buf, sizeof(buf));
	ok(strstr(buf, "RTP/AVP 0\r\n") && strstr(buf, "a=sendonly\r\n"), "no events offered: none answered; held");
}

int main(void)
{
	test_offer();
	test_codecs();
	test_direction();
	test_malformed();
	test_answer();
	return tap_done();
}
