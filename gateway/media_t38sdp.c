/* SPDX-License-Identifier: GPL-2.0-or-later */
/* T.38 SDP (T.38 Annex D, RFC 3362): offer, answer, a line parser for
 * the image stream, and answers to offers with both audio and image
 * streams (RFC 3264 6). Its own small parser rather than Sofia's: the lines are
 * few and simple, and a malformed m= line must not reach sdp_parse()
 * (see media_sdp.c, media_lines_ok). */
#include "config.h"

#include "gateway/media_t38sdp.h"
#include "gateway/sdp_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void media_t38_defaults(struct media_t38_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version = 0;
	p->max_bitrate = 14400;
	p->transferred_tcf = 1;
	p->max_buffer = 2000;
	p->max_datagram = 400;
	p->ec = MEDIA_T38_EC_REDUNDANCY;
}

static int build(const struct media_sdp_local *l, const struct media_t38_params *p, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	struct in6_addr a6;
	const char *ip;

	if (!l->addr || size == 0 || p->version > 3)
		return -EINVAL;
	if (inet_pton(AF_INET, l->addr, &a6) == 1)
		ip = "IP4";
	else if (inet_pton(AF_INET6, l->addr, &a6) == 1)
		ip = "IP6";
	else
		return -EINVAL;
	put(&o, "v=0\r\no=tandem %lu %lu IN %s %s\r\ns=tandem\r\nc=IN %s %s\r\nt=0 0\r\n", l->sess_id, l->sess_version,
	    ip, l->addr, ip, l->addr);
	put(&o, "m=image %u udptl t38\r\n", l->port);
	put(&o, "a=T38FaxVersion:%u\r\n", p->version);
	if (p->max_bitrate)
		put(&o, "a=T38MaxBitRate:%u\r\n", p->max_bitrate);
	if (p->fill_bit_removal)
		put(&o, "a=T38FaxFillBitRemoval\r\n");
	if (p->transcoding_mmr)
		put(&o, "a=T38FaxTranscodingMMR\r\n");
	if (p->transcoding_jbig)
		put(&o, "a=T38FaxTranscodingJBIG\r\n");
	put(&o, "a=T38FaxRateManagement:%s\r\n", p->transferred_tcf ? "transferredTCF" : "localTCF");
	if (p->max_buffer)
		put(&o, "a=T38FaxMaxBuffer:%u\r\n", p->max_buffer);
	if (p->max_datagram)
		put(&o, "a=T38FaxMaxDatagram:%u\r\n", p->max_datagram);
	if (p->ec != MEDIA_T38_EC_NONE)
		put(&o, "a=T38FaxUdpEC:%s\r\n", p->ec == MEDIA_T38_EC_FEC ? "t38UDPFEC" : "t38UDPRedundancy");
	return o.err;
}

int media_t38_offer(const struct media_sdp_local *local, const struct media_t38_params *p, char *buf, size_t size)
{
	return build(local, p, buf, size);
}

int media_t38_answer(const struct media_sdp_local *local, const struct media_t38_params *ours,
		     const struct media_t38_info *offer, char *buf, size_t size, struct media_t38_params *agreed)
{
	struct media_t38_params a = *ours;

	/* T.38 Annex D.2.3: the answer may only lower the version and bit
	 * rate, takes the offer's rate management and error correction
	 * (redundancy or FEC, both sent and received), and says no to
	 * options we do not do (transcoding). */
	if (offer->p.version < a.version)
		a.version = offer->p.version;
	if (offer->p.max_bitrate && (!a.max_bitrate || offer->p.max_bitrate < a.max_bitrate))
		a.max_bitrate = offer->p.max_bitrate;
	a.transferred_tcf = offer->p.transferred_tcf;
	a.ec = offer->p.ec;
	a.fill_bit_removal = ours->fill_bit_removal && offer->p.fill_bit_removal;
	a.transcoding_mmr = a.transcoding_jbig = 0;
	if (agreed) {
		*agreed = a;
		agreed->max_datagram = offer->p.max_datagram; /* the far end's: bounds what we send */
	}
	return build(local, &a, buf, size);
}

/* "NAME" or "NAME:VALUE" of an a= line: 1 when name matches (any case),
 * *val pointing past the colon (or at "" when there is none). */
static int attr_is(const char *line, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || (line[n] && line[n] != ':'))
		return 0;
	*val = line[n] ? line + n + 1 : "";
	return 1;
}

static unsigned num(const char *s, unsigned dflt)
{
	char *end;
	unsigned long v;

	while (*s == ' ')
		s++;
	v = strtoul(s, &end, 10);
	return end == s || v > 100000000ul ? dflt : (unsigned)v;
}

/* A boolean attribute: present without a value, or with 1 (Annex D.2.3:
 * T38FaxFillBitRemoval is sent either way). */
static int flag(const char *val)
{
	return *val == '\0' || num(val, 0) != 0;
}

static void read_attr(const char *a, struct media_t38_params *p)
{
	const char *v;

	if (attr_is(a, "T38FaxVersion", &v))
		p->version = num(v, 0);
	else if (attr_is(a, "T38MaxBitRate", &v))
		p->max_bitrate = num(v, 0);
	else if (attr_is(a, "T38FaxRateManagement", &v))
		p->transferred_tcf = strncasecmp(v, "localTCF", 8) != 0;
	else if (attr_is(a, "T38FaxMaxBuffer", &v))
		p->max_buffer = num(v, 0);
	else if (attr_is(a, "T38FaxMaxDatagram", &v))
		p->max_datagram = num(v, 0);
	else if (attr_is(a, "T38FaxUdpEC", &v))
		p->ec = strncasecmp(v, "t38UDPRedundancy", 16) == 0 ? MEDIA_T38_EC_REDUNDANCY
			: strncasecmp(v, "t38UDPFEC", 9) == 0       ? MEDIA_T38_EC_FEC
								    : MEDIA_T38_EC_NONE;
	else if (attr_is(a, "T38FaxFillBitRemoval", &v))
		p->fill_bit_removal = flag(v);
	else if (attr_is(a, "T38FaxTranscodingMMR", &v))
		p->transcoding_mmr = flag(v);
	else if (attr_is(a, "T38FaxTranscodingJBIG", &v))
		p->transcoding_jbig = flag(v);
}

/* "IN IP4 ADDR[/ttl]" into addr, checked numeric. 0 or -EBADMSG. */
static int read_conn(const char *v, char *addr, size_t size)
{
	char type[8], a[INET6_ADDRSTRLEN + 16];
	struct in6_addr tmp;
	char *slash;

	if (sscanf(v, "IN %7s %61s", type, a) != 2)
		return -EBADMSG;
	if ((slash = strchr(a, '/')))
		*slash = '\0';
	if (strlen(a) >= size || inet_pton(strcmp(type, "IP6") == 0 ? AF_INET6 : AF_INET, a, &tmp) != 1 ||
	    (strcmp(type, "IP4") != 0 && strcmp(type, "IP6") != 0))
		return -EBADMSG;
	strcpy(addr, a);
	return 0;
}

/* "image PORT[/n] udptl t38" -> 1 (the T.38 stream, *port set), 0 (some
 * other stream), -EBADMSG. */
static int read_m(const char *v, unsigned *port)
{
	char media[16], proto[16], fmt[16], portstr[16], *end;
	unsigned long p;

	if (sscanf(v, "%15s %15s %15s %15s", media, portstr, proto, fmt) != 4)
		return strncasecmp(v, "image", 5) == 0 ? -EBADMSG : 0;
	if (strcasecmp(media, "image") != 0 || strcasecmp(proto, "udptl") != 0 || strcasecmp(fmt, "t38") != 0)
		return 0;
	p = strtoul(portstr, &end, 10);
	if (end == portstr || (*end && *end != '/') || p > 65535 || portstr[0] == '-')
		return -EBADMSG;
	*port = (unsigned)p;
	return 1;
}

int media_t38_parse(const char *sdp, size_t len, struct media_t38_info *out)
{
	char sess_addr[INET6_ADDRSTRLEN] = "", line[512];
	int found = 0, in_stream = 0, have_addr = 0, any_m = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->p.transferred_tcf = 1; /* T.38 Annex D: what UDP implies when it is not said */
	if (!sdp)
		return -EBADMSG;
	while (i < len) {
		size_t s = i, n;

		while (i < len && sdp[i] != '\r' && sdp[i] != '\n')
			i++;
		n = i - s;
		while (i < len && (sdp[i] == '\r' || sdp[i] == '\n'))
			i++;
		if (n < 2 || sdp[s + 1] != '=')
			continue;
		if (n >= sizeof(line))
			return -EBADMSG;
		memcpy(line, sdp + s, n);
		line[n] = '\0';
		if (memchr(line, '\0', n))
			return -EBADMSG;
		if (line[0] == 'm') {
			unsigned port;
			int rc;

			any_m = 1;
			in_stream = 0;
			if (strncasecmp(line + 2, "audio ", 6) == 0 && sscanf(line + 8, "%u", &port) == 1 && port)
				out->audio = 1;
			if (found)
				continue; /* the image stream ended; only audio is looked for */
			if ((rc = read_m(line + 2, &out->port)) < 0)
				return rc;
			in_stream = found = rc;
		} else if (line[0] == 'c') {
			if (in_stream) {
				if (read_conn(line + 2, out->addr, sizeof(out->addr)) < 0)
					return -EBADMSG;
				have_addr = 1;
			} else if (!any_m && read_conn(line + 2, sess_addr, sizeof(sess_addr)) < 0) {
				sess_addr[0] = '\0';
			}
		} else if (line[0] == 'a' && in_stream) {
			read_attr(line + 2, &out->p);
		}
	}
	if (!found)
		return -ENOENT;
	if (!have_addr) {
		if (!sess_addr[0])
			return -EBADMSG;
		strcpy(out->addr, sess_addr);
	}
	return 0;
}

/* --- Offers with several streams (RFC 3264 6) ------------------------------ */

/* One m= line of an offer. */
struct mline {
	char media[16], proto[32], fmts[160];
};

/* "MEDIA PORT PROTO FMT..." into *m; 0, or -EBADMSG (what we could not
 * echo back safely: too long, not printable). */
static int read_mline(const char *v, struct mline *m)
{
	char port[16];
	int n = 0;

	if (sscanf(v, "%15s %15s %31s %n", m->media, port, m->proto, &n) != 3 || n == 0)
		return -EBADMSG;
	if (strlen(v + n) >= sizeof(m->fmts))
		return -EBADMSG;
	strcpy(m->fmts, v + n);
	for (const char *c = v; *c; c++)
		if (*c < ' ' || *c > '~')
			return -EBADMSG;
	return m->fmts[0] ? 0 : -EBADMSG;
}

/* The stream our answer is for: media_sdp_parse()'s (the first audio
 * stream over RTP/AVP or RTP/SAVP) or media_t38_parse()'s (the first
 * image stream over udptl t38). */
static int is_ours(const struct mline *m, const char *media)
{
	if (strcasecmp(m->media, media) != 0)
		return 0;
	if (strcasecmp(media, "audio") == 0)
		return strcmp(m->proto, "RTP/AVP") == 0 || strcmp(m->proto, "RTP/SAVP") == 0;
	return strcasecmp(m->proto, "udptl") == 0 && strncasecmp(m->fmts, "t38", 3) == 0 &&
	       (m->fmts[3] == '\0' || m->fmts[3] == ' ');
}

#define MLINES_MAX 8

int media_sdp_match_streams(const char *offer, size_t len, char *answer, size_t size)
{
	struct mline ml[MLINES_MAX];
	char media[16], *ours, *out;
	int n = 0, mine = -1;
	size_t i = 0;
	struct out o;

	if (!offer || !answer)
		return -EINVAL;
	/* our answer: the session part, then one stream */
	if (strncmp(answer, "m=", 2) == 0)
		ours = answer;
	else if ((ours = strstr(answer, "\nm=")))
		ours++;
	else
		return -EINVAL;
	if (sscanf(ours + 2, "%15s", media) != 1)
		return -EINVAL;
	while (i < len) {
		size_t s = i, k;
		char line[256];

		while (i < len && offer[i] != '\r' && offer[i] != '\n')
			i++;
		k = i - s;
		while (i < len && (offer[i] == '\r' || offer[i] == '\n'))
			i++;
		if (k < 2 || offer[s] != 'm' || offer[s + 1] != '=')
			continue;
		if (n == MLINES_MAX || k >= sizeof(line))
			return -EBADMSG;
		memcpy(line, offer + s + 2, k - 2);
		line[k - 2] = '\0';
		if (read_mline(line, &ml[n]) < 0)
			return -EBADMSG;
		if (mine < 0 && is_ours(&ml[n], media))
			mine = n;
		n++;
	}
	if (n <= 1 || mine < 0)
		return 0; /* one stream (ours): the answer is already whole */
	if (!(out = malloc(size)))
		return -ENOMEM;
	o = (struct out){.buf = out, .size = size};
	put(&o, "%.*s", (int)(ours - answer), answer);
	for (int k = 0; k < n; k++) {
		if (k == mine)
			put(&o, "%s", ours);
		else /* refused: port 0, the offer's formats (RFC 3264 6) */
			put(&o, "m=%s 0 %s %s\r\n", ml[k].media, ml[k].proto, ml[k].fmts);
	}
	if (o.err == 0)
		memcpy(answer, out, strlen(out) + 1);
	free(out);
	return o.err;
}
