/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP offers, answers and parsing for G.711 + telephone-event (RFC 4566, RFC 3264, RFC 4733). */
#include "config.h"

#include "gateway/media_sdp.h"
#include "gateway/sdp_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

const char *media_dir_name(enum media_dir dir)
{
	static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv"};

	return names[dir & 3];
}

static const char *pt_name(int pt)
{
	return pt == RTP_PT_PCMA ? "PCMA" : "PCMU";
}

/* pts[0..npts) in order on the m= line, then their rtpmaps. */
static int build(const struct media_sdp_local *l, const int *pts, int npts, int event_pt, enum media_dir dir,
		 const struct rtp_srtp_crypto *crypto, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	struct in6_addr a6;
	const char *ip;

	if (!l->addr || size == 0)
		return -EINVAL;
	if (inet_pton(AF_INET, l->addr, &a6) == 1)
		ip = "IP4";
	else if (inet_pton(AF_INET6, l->addr, &a6) == 1)
		ip = "IP6";
	else
		return -EINVAL;
	if (event_pt != -1 && (event_pt < 96 || event_pt > 127))
		return -EINVAL;
	put(&o, "v=0\r\no=tandem %lu %lu IN %s %s\r\ns=tandem\r\nc=IN %s %s\r\nt=0 0\r\n", l->sess_id, l->sess_version,
	    ip, l->addr, ip, l->addr);
	put(&o, "m=audio %u %s", l->port, crypto ? "RTP/SAVP" : "RTP/AVP");
	for (int i = 0; i < npts; i++)
		put(&o, " %d", pts[i]);
	if (event_pt >= 0)
		put(&o, " %d", event_pt);
	put(&o, "\r\n");
	for (int i = 0; i < npts; i++)
		put(&o, "a=rtpmap:%d %s/8000\r\n", pts[i], pt_name(pts[i]));
	if (event_pt >= 0)
		put(&o, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n", event_pt, event_pt);
	put(&o, "a=ptime:20\r\na=%s\r\n", media_dir_name(dir));
	if (crypto) {
		char val[128];

		if (rtp_srtp_crypto_format(crypto, val, sizeof(val)) < 0)
			return -EINVAL;
		put(&o, "a=crypto:%s\r\n", val);
	}
	return o.err;
}

int media_sdp_offer(const struct media_sdp_local *local, char *buf, size_t size)
{
	int pts[2];

	if (local->first_pt != RTP_PT_PCMU && local->first_pt != RTP_PT_PCMA)
		return -EINVAL;
	pts[0] = local->first_pt;
	pts[1] = local->first_pt == RTP_PT_PCMU ? RTP_PT_PCMA : RTP_PT_PCMU;
	return build(local, pts, 2, local->event_pt, local->dir, local->crypto, buf, size);
}

int media_sdp_answer(const struct media_sdp_local *local, const struct media_sdp_info *offer, char *buf, size_t size)
{
	/* RFC 3264 6.1: sendonly is answered recvonly and so on; our own
	 * wish (local->dir, e.g. sendonly to hold) can only narrow it. */
	unsigned off = (unsigned)offer->dir, dir = 0;
	int pt = offer->pt;
	struct rtp_srtp_crypto crypto;

	if (off & MEDIA_DIR_SENDONLY)
		dir |= MEDIA_DIR_RECVONLY;
	if (off & MEDIA_DIR_RECVONLY)
		dir |= MEDIA_DIR_SENDONLY;
	dir &= (unsigned)local->dir;
	if (pt != RTP_PT_PCMU && pt != RTP_PT_PCMA)
		return -EINVAL;
	if (offer->savp) {
		/* RFC 4568 7.1.2: the offer's tag and suite, our own key */
		if (!local->crypto || !offer->crypto.suite)
			return -EINVAL;
		crypto = offer->crypto;
		memcpy(crypto.key, local->crypto->key, sizeof(crypto.key));
	}
	return build(local, &pt, 1, local->event_pt >= 0 ? offer->event_pt : -1, (enum media_dir)dir,
		     offer->savp ? &crypto : NULL, buf, size);
}

static int is_zero_addr(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return a4.s_addr == 0;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_UNSPECIFIED(&a6);
	return 0;
}

/* RFC 3264 5.1: the first format in the m= line we support is chosen;
 * the well-known static PTs need no rtpmap (RFC 3551 table 4). */
static int g711_of(const sdp_rtpmap_t *rm)
{
	if (rm->rm_pt == RTP_PT_PCMU && (!rm->rm_encoding || strcasecmp(rm->rm_encoding, "PCMU") == 0))
		return RTP_PT_PCMU;
	if (rm->rm_pt == RTP_PT_PCMA && (!rm->rm_encoding || strcasecmp(rm->rm_encoding, "PCMA") == 0))
		return RTP_PT_PCMA;
	return -1;
}

static void read_formats(const sdp_media_t *m, unsigned codecs, struct media_sdp_info *out)
{
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
		int pt = g711_of(rm);

		if (pt >= 0 && (rm->rm_rate == 0 || rm->rm_rate == RTP_CLOCK)) {
			unsigned bit = pt == RTP_PT_PCMU ? MEDIA_CODEC_PCMU : MEDIA_CODEC_PCMA;

			out->codecs |= bit;
			if (out->pt < 0 && (codecs & bit))
				out->pt = pt;
		} else if (rm->rm_encoding && strcasecmp(rm->rm_encoding, "telephone-event") == 0 &&
			   rm->rm_rate == RTP_CLOCK && rm->rm_pt >= 96 && out->event_pt < 0) {
			out->event_pt = (int)rm->rm_pt;
		}
	}
}

/* RFC 4568 7.1.1: the offerer lists its a=crypto in preference order;
 * the first we support is chosen. */
static int read_crypto(const sdp_media_t *m, struct media_sdp_info *out)
{
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next) {
		if (a->a_name && strcasecmp(a->a_name, "crypto") == 0 && a->a_value &&
		    rtp_srtp_crypto_parse(a->a_value, &out->crypto) == 0)
			return 0;
	}
	memset(&out->crypto, 0, sizeof(out->crypto));
	return -EPROTONOSUPPORT;
}

static int read_media(const sdp_session_t *sess, const sdp_media_t *m, unsigned codecs, struct media_sdp_info *out)
{
	const sdp_connection_t *c = m->m_connections ? m->m_connections : sess->sdp_connection;
	const sdp_attribute_t *a;

	if (!c || !c->c_address || strlen(c->c_address) >= sizeof(out->addr) ||
	    (c->c_addrtype != sdp_addr_ip4 && c->c_addrtype != sdp_addr_ip6))
		return -EBADMSG;
	strcpy(out->addr, c->c_address);
	{
		struct in6_addr tmp;

		if (inet_pton(c->c_addrtype == sdp_addr_ip4 ? AF_INET : AF_INET6, out->addr, &tmp) != 1)
			return -EBADMSG; /* a host name: we do not resolve */
	}
	if (m->m_port > 65535)
		return -EBADMSG; /* Sofia reads "500000" as a port: it is not one (fuzz_sdp) */
	out->port = m->m_rejected ? 0 : (unsigned)m->m_port;
	out->dir = (enum media_dir)(m->m_mode & 3);
	out->hold = is_zero_addr(out->addr) || out->dir == MEDIA_DIR_SENDONLY || out->dir == MEDIA_DIR_INACTIVE;
	if ((a = sdp_attribute_find(m->m_attributes, "ptime")) && a->a_value)
		out->ptime = (unsigned)strtoul(a->a_value, NULL, 10);
	if ((a = sdp_attribute_find(m->m_attributes, "rtcp")) && a->a_value) {
		unsigned long port = strtoul(a->a_value, NULL, 10);

		out->rtcp_port = port > 0 && port <= 65535 ? (unsigned)port : 0;
	}
	read_formats(m, codecs, out);
	if (out->port && out->pt < 0)
		return -ENOTSUP;
	if (out->savp && out->port && read_crypto(m, out) < 0)
		return -EPROTONOSUPPORT;
	return 0;
}

/* RFC 4566 5.14: an m= line is tokens (the media, port, proto and
 * formats), spaces and the slashes of "port/count" and "RTP/AVP". Sofia-SIP
 * 1.12.11's sdp_parse() loops forever on a proto with two characters
 * outside that set (found by tests/fuzz/fuzz_sip.c: one UDP packet would
 * stall the signalling loop), so such SDP is refused before it gets
 * there. */
static int media_lines_ok(const char *sdp, size_t len)
{
	static const char tok[] = "!#$%&'*+-.^_`{|}~/ ";
	int start = 1; /* at the start of a line (after CR, LF or both) */

	for (size_t i = 0; i < len; i++) {
		char ch = sdp[i];

		if (ch == '\r' || ch == '\n') {
			start = 1;
			continue;
		}
		if (start && ch == 'm' && i + 1 < len && sdp[i + 1] == '=') {
			for (i += 2; i < len && sdp[i] != '\r' && sdp[i] != '\n'; i++) {
				unsigned char c = (unsigned char)sdp[i];
				if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
				    (c == '\0' || !strchr(tok, c)))
					return 0;
			}
			i--; /* the line end is seen by the outer loop */
		}
		start = 0;
	}
	return 1;
}

int media_sdp_parse(const char *sdp, size_t len, unsigned codecs, struct media_sdp_info *out)
{
	su_home_t home[1] = {SU_HOME_INIT(home)};
	sdp_parser_t *parser;
	sdp_session_t *sess;
	int rc = -EBADMSG;

	memset(out, 0, sizeof(*out));
	out->pt = -1;
	out->event_pt = -1;
	if (!media_lines_ok(sdp, len))
		return -EBADMSG;
	parser = sdp_parse(home, sdp, (issize_t)len, 0);
	if (!parser)
		goto out;
	if (sdp_parsing_error(parser) || !(sess = sdp_session(parser)))
		goto out;
	for (const sdp_media_t *m = sess->sdp_media; m; m = m->m_next) {
		if (m->m_type == sdp_media_audio && (m->m_proto == sdp_proto_rtp || m->m_proto == sdp_proto_srtp)) {
			out->savp = m->m_proto == sdp_proto_srtp;
			rc = read_media(sess, m, codecs, out);
			break;
		}
	}
out:
	if (parser)
		sdp_parser_free(parser);
	su_home_deinit(home);
	return rc;
}

void media_sdp_to_rtp(const struct media_sdp_info *info, int symmetric, struct rtp_params *out)
{
	int zero = is_zero_addr(info->addr);

	memset(out, 0, sizeof(*out));
	if (!zero && info->port) {
		snprintf(out->remote_addr, sizeof(out->remote_addr), "%s", info->addr);
		out->remote_port = info->port;
		out->remote_rtcp_port = info->rtcp_port;
	}
	out->pt = info->pt >= 0 ? info->pt : RTP_PT_PCMU;
	out->event_pt = info->event_pt;
	out->symmetric = symmetric;
	/* Their receiving is our sending. */
	out->send = !zero && info->port && (info->dir & MEDIA_DIR_RECVONLY);
	out->recv = info->port && (info->dir & MEDIA_DIR_SENDONLY);
	/* the keys are the call layer's to pair (ours and theirs): none here */
}
