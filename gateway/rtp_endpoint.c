/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An RTP endpoint: a bound UDP port pair, the send state (SSRC, sequence, timestamp, RFC 4733 events), validation of
 * what arrives, and the symmetric-RTP latch. */
#include "config.h"

#include "gateway/rtp.h"
#include "gateway/rtcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVENT_VOLUME 10 /* -10 dBm0, as dtmf_tx sends its low tone */
#define EVENT_ENDS   3  /* RFC 4733 2.5.1.4: the end packet three times */

struct rtp_endpoint {
	int fd, rtcp_fd;
	int family;
	unsigned port;
	struct rtp_params p;
	struct sockaddr_storage remote;
	socklen_t remote_len;               /* 0: no remote */
	struct sockaddr_storage sdp_remote; /* as negotiated */
	socklen_t sdp_len;
	int latched;
	/* RTCP's far end: as negotiated (a=rtcp or port + 1), latched. */
	struct sockaddr_storage rtcp_sdp, rtcp_remote;
	socklen_t rtcp_sdp_len, rtcp_remote_len;
	/* Send state (RFC 3550 5.1: random initial values). */
	uint32_t ssrc, ts;
	uint16_t seq;
	int sent_first;
	/* An RFC 4733 event being sent. */
	int ev_active, ev_ending, ev_first;
	uint8_t ev_code;
	uint32_t ev_ts, ev_duration, ev_limit;
	struct rtp_source src;
	struct rtp_endpoint_stats stats;
	struct rtp_srtp *srtp; /* NULL: plain RTP */
	uint8_t rxbuf[RTP_MAX_PACKET + RTP_SRTP_OVERHEAD] __attribute__((aligned(8)));
	/* A second datagram read by the same system call, handed out next. */
	uint8_t rxnext[RTP_MAX_PACKET + RTP_SRTP_OVERHEAD] __attribute__((aligned(8)));
	size_t rxnext_len;
	struct sockaddr_storage rxnext_from;
	socklen_t rxnext_fromlen;
	int rxnext_have, rx_drained;
	int stamps; /* arrivals from SO_TIMESTAMPNS (rtp_endpoint_stamp_arrivals) */
	uint32_t rxnext_arrival, rxnext_stamped;
};

static uint32_t random32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)rand();
	return v;
}

static int parse_addr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

static int bind_one(const struct sockaddr_storage *base, socklen_t len, unsigned port, int *out)
{
	struct sockaddr_storage ss = *base;
	int fd, rc;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

int rtp_endpoint_open(const struct rtp_bind *bind, unsigned hint, struct rtp_endpoint **out)
{
	struct rtp_endpoint *ep = NULL;
	struct sockaddr_storage base;
	socklen_t len;
	unsigned lo, hi, npairs;
	int rc;

	*out = NULL;
	lo = (bind->port_min + 1) & ~1u; /* even */
	hi = bind->port_max;
	if (!bind->addr || parse_addr(bind->addr, 0, &base, &len) < 0 || lo < 1024 || hi > 65535 || lo + 1 > hi)
		return -EINVAL;
	npairs = (hi - lo + 1) / 2;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->fd = ep->rtcp_fd = -1;
	ep->family = base.ss_family;
	rc = -EADDRINUSE;
	for (unsigned i = 0; i < npairs; i++) {
		unsigned port = lo + 2 * ((hint + i) % npairs);

		rc = bind_one(&base, len, port, &ep->fd);
		if (rc == -EADDRINUSE)
			continue;
		if (rc < 0)
			break;
		rc = bind_one(&base, len, port + 1, &ep->rtcp_fd);
		if (rc == 0) {
			ep->port = port;
			break;
		}
		close(ep->fd);
		ep->fd = -1;
		if (rc != -EADDRINUSE)
			break;
	}
	if (rc < 0)
		goto fail;
	ep->ssrc = random32();
	ep->ts = random32();
	ep->seq = (uint16_t)random32();
	ep->p.pt = RTP_PT_PCMU;
	ep->p.event_pt = -1;
	*out = ep;
	return 0;
fail:
	free(ep);
	return rc;
}

void rtp_endpoint_free(struct rtp_endpoint *ep)
{
	if (!ep)
		return;
	if (ep->fd >= 0)
		close(ep->fd);
	if (ep->rtcp_fd >= 0)
		close(ep->rtcp_fd);
	rtp_srtp_free(ep->srtp);
	free(ep);
}

unsigned rtp_endpoint_port(const struct rtp_endpoint *ep)
{
	return ep->port;
}

int rtp_endpoint_fd(const struct rtp_endpoint *ep)
{
	return ep->fd;
}

int rtp_endpoint_rtcp_fd(const struct rtp_endpoint *ep)
{
	return ep->rtcp_fd;
}

void rtp_endpoint_rtcp_drain(struct rtp_endpoint *ep)
{
	while (recv(ep->rtcp_fd, ep->rxbuf, sizeof(ep->rxbuf), MSG_DONTWAIT) >= 0)
		ep->stats.rtcp++;
}

int rtp_params_check(const struct rtp_params *p)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (p->pt != RTP_PT_PCMU && p->pt != RTP_PT_PCMA)
		return -EINVAL;
	if (p->event_pt != -1 && (p->event_pt < 96 || p->event_pt > 127))
		return -EINVAL;
	if (!memchr(p->remote_addr, 0, sizeof(p->remote_addr)))
		return -EINVAL;
	if (p->srtp.suite != RTP_SRTP_NONE && p->srtp.suite != RTP_SRTP_AES_CM_128_HMAC_SHA1_80 &&
	    p->srtp.suite != RTP_SRTP_AES_CM_128_HMAC_SHA1_32)
		return -EINVAL;
	if (p->remote_rtcp_port > 65535)
		return -EINVAL;
	if (p->remote_addr[0] && p->remote_port &&
	    (p->remote_port > 65535 || parse_addr(p->remote_addr, p->remote_port, &ss, &len) < 0))
		return -EINVAL;
	return 0;
}

int rtp_endpoint_set_params(struct rtp_endpoint *ep, const struct rtp_params *p)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	if (rtp_params_check(p) < 0)
		return -EINVAL;
	if (p->remote_addr[0] && p->remote_port) {
		parse_addr(p->remote_addr, p->remote_port, &ss, &len);
		if (ss.ss_family != ep->family)
			return -EINVAL;
	}
	if (memcmp(&p->srtp, &ep->p.srtp, sizeof(p->srtp)) != 0 || (p->srtp.suite && !ep->srtp)) {
		struct rtp_srtp *s = NULL;
		int rc;

		if (p->srtp.suite && (rc = rtp_srtp_new(&p->srtp, &s)) < 0) {
			ep->p.send = 0; /* never send in the clear what was negotiated encrypted */
			return rc;
		}
		rtp_srtp_free(ep->srtp);
		ep->srtp = s;
	}
	if (len != ep->sdp_len || (len && memcmp(&ss, &ep->sdp_remote, len) != 0) || !ep->latched || !p->symmetric) {
		/* A new far end (re-INVITE): latch again. */
		ep->latched = 0;
		ep->sdp_len = ep->remote_len = len;
		ep->rtcp_remote_len = 0;
		if (len) {
			memcpy(&ep->sdp_remote, &ss, len);
			memcpy(&ep->remote, &ss, len);
		}
	}
	ep->rtcp_sdp_len = 0;
	if (len && (p->remote_rtcp_port || p->remote_port < 65535) &&
	    parse_addr(p->remote_addr, p->remote_rtcp_port ? p->remote_rtcp_port : p->remote_port + 1, &ep->rtcp_sdp,
		       &ep->rtcp_sdp_len) < 0)
		ep->rtcp_sdp_len = 0;
	ep->p = *p;
	if (ep->p.event_pt < 0)
		ep->ev_active = 0;
	return 0;
}

const struct rtp_endpoint_stats *rtp_endpoint_stats(const struct rtp_endpoint *ep)
{
	return &ep->stats;
}

const struct rtp_source *rtp_endpoint_source(const struct rtp_endpoint *ep)
{
	return &ep->src;
}

uint32_t rtp_endpoint_ssrc(const struct rtp_endpoint *ep)
{
	return ep->ssrc;
}

static int send_packet(struct rtp_endpoint *ep, int pt, int marker, uint32_t ts, const uint8_t *payload, size_t len)
{
	uint8_t pkt[RTP_MAX_PACKET + RTP_SRTP_OVERHEAD] __attribute__((aligned(8)));
	struct rtp_header h = {.marker = marker ? 1 : 0, .pt = (unsigned)pt & 0x7F, .seq = ep->seq, .ts = ts};
	size_t n;
	int rc;

	h.ssrc = ep->ssrc;
	if ((rc = rtp_pack(&h, payload, len, pkt, RTP_MAX_PACKET, &n)) < 0)
		return rc;
	ep->seq++;
	if (ep->srtp && rtp_srtp_protect(ep->srtp, pkt, &n, sizeof(pkt)) < 0) {
		ep->stats.tx_errors++;
		return -EIO;
	}
	if (sendto(ep->fd, pkt, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ep->remote, ep->remote_len) < 0) {
		ep->stats.tx_errors++;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	ep->stats.tx_packets++;
	ep->stats.tx_bytes += len;
	return 0;
}

/* RFC 4733 2.5.1: one update per packet interval, all with the event's
 * start timestamp; the marker on the first; a long event is cut into
 * segments of at most 0xFFFF (2.5.1.3). */
static int send_event(struct rtp_endpoint *ep, size_t len)
{
	struct rtp_event ev = {.event = ep->ev_code, .volume = EVENT_VOLUME};
	uint8_t pl[4];
	int rc = 0;

	if (ep->ev_duration + len > 0xFFFF) {
		ep->ev_ts = ep->ts;
		ep->ev_duration = 0;
		ep->ev_first = 1;
	}
	ep->ev_duration += (uint32_t)len;
	if (ep->ev_limit && ep->ev_duration >= ep->ev_limit)
		ep->ev_ending = 1;
	ev.duration = (uint16_t)ep->ev_duration;
	ev.end = ep->ev_ending ? 1 : 0;
	rtp_event_pack(&ev, pl);
	for (int i = 0; i < (ev.end ? EVENT_ENDS : 1); i++) {
		rc = send_packet(ep, ep->p.event_pt, ep->ev_first, ep->ev_ts, pl, sizeof(pl));
		if (rc == 0)
			ep->stats.tx_events++;
		ep->ev_first = 0;
	}
	if (ev.end)
		ep->ev_active = 0;
	return rc;
}

int rtp_endpoint_send(struct rtp_endpoint *ep, const uint8_t *samples, size_t len)
{
	int rc;

	/* Until a symmetric endpoint latches, it sends where SDP says. */
	if (!ep->remote_len || !ep->p.send) {
		ep->ts += (uint32_t)len;
		return -ENOTCONN;
	}
	if (ep->ev_active)
		rc = send_event(ep, len);
	else
		rc = send_packet(ep, ep->p.pt, !ep->sent_first, ep->ts, samples, len);
	ep->sent_first = 1;
	ep->ts += (uint32_t)len;
	return rc;
}

int rtp_endpoint_dtmf_begin(struct rtp_endpoint *ep, char digit, unsigned duration)
{
	int code = rtp_event_from_digit(digit);

	if (code < 0)
		return -EINVAL;
	if (ep->p.event_pt < 0)
		return -ENOTSUP;
	if (ep->ev_active)
		return -EBUSY;
	ep->ev_active = 1;
	ep->ev_ending = 0;
	ep->ev_first = 1;
	ep->ev_code = (uint8_t)code;
	ep->ev_ts = ep->ts;
	ep->ev_duration = 0;
	ep->ev_limit = duration;
	return 0;
}

void rtp_endpoint_dtmf_end(struct rtp_endpoint *ep)
{
	if (ep->ev_active)
		ep->ev_ending = 1;
}

int rtp_endpoint_dtmf_busy(const struct rtp_endpoint *ep)
{
	return ep->ev_active;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* Symmetric RTP: the first valid packet sets where we send; after that,
 * packets from elsewhere are dropped (until new parameters arrive). */
static int check_source(struct rtp_endpoint *ep, const struct sockaddr_storage *from, socklen_t fromlen,
			struct rtp_rx *rx)
{
	if (!ep->p.symmetric)
		return 0;
	if (ep->latched) {
		if (same_addr(from, &ep->remote))
			return 0;
		ep->stats.rx_foreign++;
		return -1;
	}
	memcpy(&ep->remote, from, fromlen);
	ep->remote_len = fromlen;
	ep->latched = 1;
	rx->latched = 1;
	return 0;
}

int rtp_endpoint_rx_drained(const struct rtp_endpoint *ep)
{
	return ep->rx_drained;
}

/* Ask for n bytes at p in cache, for writing when w. */
static void prefetch_range(const void *p, size_t n, int w)
{
	for (size_t off = 0; off < n; off += 64)
		if (w)
			__builtin_prefetch((const char *)p + off, 1);
		else
			__builtin_prefetch((const char *)p + off, 0);
}

void rtp_endpoint_prefetch(const struct rtp_endpoint *ep)
{
	prefetch_range(ep, offsetof(struct rtp_endpoint, remote), 0);
	prefetch_range(&ep->remote, sizeof(struct sockaddr_in6), 0);
	prefetch_range(&ep->ssrc, offsetof(struct rtp_endpoint, srtp) - offsetof(struct rtp_endpoint, ssrc), 1);
	prefetch_range(&ep->rxbuf, RTP_HDR_LEN + RTP_FRAME, 1);
	prefetch_range(&ep->rxnext_have, sizeof(*ep) - offsetof(struct rtp_endpoint, rxnext_have), 1);
}

int rtp_endpoint_stamp_arrivals(struct rtp_endpoint *ep)
{
	int on = 1;

	if (setsockopt(ep->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		return -errno;
	ep->stamps = 1;
	return 0;
}

/* The kernel's receive time of a datagram, in 8 kHz units; 0 if none. */
static int rx_stamp(struct msghdr *mh, uint32_t *arrival)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*arrival = (uint32_t)((uint64_t)ts.tv_sec * RTP_CLOCK +
					      (uint64_t)ts.tv_nsec / (1000000000 / RTP_CLOCK));
			return 1;
		}
	return 0;
}

int rtp_endpoint_recv(struct rtp_endpoint *ep, uint32_t arrival, struct rtp_rx *rx)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	enum rtp_seq_verdict v;
	ssize_t n;

	memset(rx, 0, sizeof(*rx));
	if (ep->rxnext_have) {
		n = (ssize_t)ep->rxnext_len;
		memcpy(ep->rxbuf, ep->rxnext, ep->rxnext_len);
		memcpy(&from, &ep->rxnext_from, ep->rxnext_fromlen);
		fromlen = ep->rxnext_fromlen;
		if (ep->rxnext_stamped)
			arrival = ep->rxnext_arrival;
		ep->rxnext_have = 0;
		ep->rx_drained = 0;
	} else {
		/* Two at most: one system call says whether another is waiting. */
		struct iovec iov[2] = {{ep->rxbuf, sizeof(ep->rxbuf)}, {ep->rxnext, sizeof(ep->rxnext)}};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct timespec))];
		} ctl[2];
		struct mmsghdr mm[2] = {
		    {.msg_hdr = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov[0], .msg_iovlen = 1}},
		    {.msg_hdr = {.msg_name = &ep->rxnext_from,
				 .msg_namelen = sizeof(ep->rxnext_from),
				 .msg_iov = &iov[1],
				 .msg_iovlen = 1}}};
		int got;

		if (ep->stamps)
			for (int i = 0; i < 2; i++) {
				mm[i].msg_hdr.msg_control = ctl[i].buf;
				mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
			}
		got = recvmmsg(ep->fd, mm, 2, MSG_DONTWAIT, NULL);
		if (got < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		n = (ssize_t)mm[0].msg_len;
		fromlen = mm[0].msg_hdr.msg_namelen;
		ep->rx_drained = got == 1;
		if (ep->stamps)
			rx_stamp(&mm[0].msg_hdr, &arrival);
		if (got == 2) {
			ep->rxnext_have = 1;
			ep->rxnext_len = mm[1].msg_len;
			ep->rxnext_fromlen = mm[1].msg_hdr.msg_namelen;
			ep->rxnext_stamped = ep->stamps && rx_stamp(&mm[1].msg_hdr, &ep->rxnext_arrival);
		}
	}
	if (ep->srtp) {
		/* Before anything reads it: a packet that does not authenticate
		 * never reaches the B-channel, the statistics or the latch. */
		size_t len = (size_t)n;
		int rc = rtp_srtp_unprotect(ep->srtp, ep->rxbuf, &len);

		if (rc == -EACCES)
			ep->stats.rx_auth_fail++;
		else if (rc == -EALREADY)
			ep->stats.rx_replay++, ep->stats.rx_dropped++;
		else if (rc < 0)
			ep->stats.rx_bad++;
		if (rc < 0)
			return 0;
		n = (ssize_t)len;
	}
	if (rtp_parse(ep->rxbuf, (size_t)n, &rx->h, &rx->payload, &rx->len) < 0) {
		ep->stats.rx_bad++;
		return 0;
	}
	if (rx->h.pt == RTP_PT_PCMU || rx->h.pt == RTP_PT_PCMA) {
		rx->kind = RTP_RX_AUDIO;
	} else if (ep->p.event_pt >= 0 && rx->h.pt == (unsigned)ep->p.event_pt) {
		if (rtp_event_parse(rx->payload, rx->len, &rx->ev) < 0 || rx->ev.event > 15) {
			ep->stats.rx_bad++;
			return 0;
		}
		rx->kind = RTP_RX_EVENT;
	} else {
		ep->stats.rx_bad_pt++;
		return 0;
	}
	if (rx->len == 0 || check_source(ep, &from, fromlen, rx) < 0) {
		if (rx->len == 0)
			ep->stats.rx_bad++;
		rx->kind = RTP_RX_NONE;
		return 0;
	}
	v = rtp_source_update(&ep->src, &rx->h, arrival);
	if (v == RTP_SEQ_DUP || v == RTP_SEQ_JUMP) {
		ep->stats.rx_dropped++;
		rx->kind = RTP_RX_NONE;
		return 0;
	}
	rx->new_ssrc = v == RTP_SEQ_NEW_SSRC;
	ep->stats.rx_packets++;
	ep->stats.rx_bytes += rx->len;
	if (rx->kind == RTP_RX_EVENT)
		ep->stats.rx_events++;
	return 0;
}

/* --- RTCP (the compounds themselves: gateway/rtcp.c) ---------------------- */

uint32_t rtp_endpoint_ts(const struct rtp_endpoint *ep)
{
	return ep->ts;
}

int rtp_endpoint_rtcp_send(struct rtp_endpoint *ep, uint8_t *pkt, size_t len, size_t size)
{
	struct sockaddr_storage to;
	socklen_t tolen;

	if (ep->rtcp_remote_len) {
		to = ep->rtcp_remote;
		tolen = ep->rtcp_remote_len;
	} else if (ep->rtcp_sdp_len) {
		to = ep->rtcp_sdp;
		tolen = ep->rtcp_sdp_len;
	} else if (ep->latched) { /* symmetric without an address: the RTP source's port + 1 */
		to = ep->remote;
		tolen = ep->remote_len;
		if (to.ss_family == AF_INET)
			((struct sockaddr_in *)&to)->sin_port =
			    htons((uint16_t)(ntohs(((struct sockaddr_in *)&to)->sin_port) + 1));
		else
			((struct sockaddr_in6 *)&to)->sin6_port =
			    htons((uint16_t)(ntohs(((struct sockaddr_in6 *)&to)->sin6_port) + 1));
	} else {
		return -ENOTCONN;
	}
	if (!ep->p.send && !ep->p.recv)
		return -ENOTCONN; /* inactive (RFC 3264 5.1 still allows RTCP, but there is nothing to report) */
	if (ep->srtp && rtp_srtp_protect_rtcp(ep->srtp, pkt, &len, size) < 0)
		return -EIO;
	if (sendto(ep->rtcp_fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, tolen) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

int rtp_endpoint_rtcp_recv(struct rtp_endpoint *ep, struct rtcp_compound *out)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;
	size_t len;

	n = recvfrom(ep->rtcp_fd, ep->rxbuf, sizeof(ep->rxbuf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ep->stats.rtcp++;
	len = (size_t)n;
	if (ep->srtp && rtp_srtp_unprotect_rtcp(ep->srtp, ep->rxbuf, &len) < 0)
		return -EBADMSG;
	if (rtcp_parse(ep->rxbuf, len, out) < 0)
		return -EBADMSG;
	if (ep->p.symmetric) {
		if (ep->rtcp_remote_len && !same_addr(&from, &ep->rtcp_remote))
			return -EPERM;
		memcpy(&ep->rtcp_remote, &from, fromlen);
		ep->rtcp_remote_len = fromlen;
	}
	return 0;
}
