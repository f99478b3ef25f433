/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP for the call layer (RFC 4566, offer/answer per RFC 3264): build our
 * minimal G.711 + telephone-event offer or answer, and read the far end's.
 * Pure functions, callable from any thread. */
#ifndef TANDEM_GW_MEDIA_SDP_H
#define TANDEM_GW_MEDIA_SDP_H

#include <stddef.h>

#include "gateway/rtp.h"
#include "gateway/rtp_srtp.h"

/* Directions as SDP names them (RFC 3264 5.1), from the side that wrote
 * the SDP. The values are the send (1) and receive (2) bits. */
enum media_dir {
	MEDIA_DIR_INACTIVE = 0,
	MEDIA_DIR_SENDONLY = 1,
	MEDIA_DIR_RECVONLY = 2,
	MEDIA_DIR_SENDRECV = 3
};

/* Codecs as a set. */
#define MEDIA_CODEC_PCMU 1u
#define MEDIA_CODEC_PCMA 2u

/* What we put in an offer or answer. */
struct media_sdp_local {
	const char *addr;                    /* numeric IPv4 or IPv6: o= and c= */
	unsigned port;                       /* the RTP endpoint's port; 0 rejects the stream */
	unsigned long sess_id, sess_version; /* o= (RFC 3264 8: bump the version on each change) */
	int first_pt;                        /* offers: RTP_PT_PCMA or RTP_PT_PCMU listed first (the span's law) */
	int event_pt;                        /* offers: 96..127 (RTP_PT_EVENT_DEF), or -1: no telephone-event */
	enum media_dir dir;                  /* offers: usually sendrecv; sendonly to hold */
	/* SRTP (RFC 4568): NULL, plain RTP/AVP. Offers: RTP/SAVP with this
	 * a=crypto. Answers: to an RTP/SAVP offer, RTP/SAVP with the offer's
	 * chosen tag and suite and this key (required then). */
	const struct rtp_srtp_crypto *crypto;
};

/* What we learnt from the far end's SDP. */
struct media_sdp_info {
	char addr[INET6_ADDRSTRLEN];   /* c= (media level, else session level) */
	unsigned port;                 /* m= port; 0: the stream is rejected */
	int pt;                        /* the codec: the first of the SDP's list we support */
	unsigned codecs;               /* every G.711 codec it lists (MEDIA_CODEC_*) */
	int event_pt;                  /* telephone-event/8000 PT, or -1 */
	enum media_dir dir;            /* a= direction, media level over session level */
	int hold;                      /* c=0.0.0.0 (RFC 2543 hold), sendonly or inactive */
	unsigned ptime;                /* a=ptime, 0 if absent */
	unsigned rtcp_port;            /* a=rtcp (RFC 3605), its port only; 0 if absent */
	int savp;                      /* the stream is RTP/SAVP (SRTP, keyed by its a=crypto) */
	struct rtp_srtp_crypto crypto; /* RTP/SAVP: the first a=crypto we support */
};

/* Build an offer into buf (NUL-terminated). 0, -EINVAL (bad address or
 * PT), -ENOSPC. */
int media_sdp_offer(const struct media_sdp_local *local, char *buf, size_t size);
/* Build the answer to a parsed offer: the chosen codec only, the offer's
 * telephone-event PT if it had one (local->event_pt >= 0 allows it), the
 * direction that complements the offer's (RFC 3264 6.1), and port 0 if
 * local->port is 0. Same returns as media_sdp_offer. */
int media_sdp_answer(const struct media_sdp_local *local, const struct media_sdp_info *offer, char *buf, size_t size);
/* Parse the far end's SDP (len bytes; need not be NUL-terminated) and
 * choose among our codecs (a MEDIA_CODEC_* set). Uses the first audio
 * stream with RTP/AVP or RTP/SAVP. 0 and *out, -EBADMSG (not SDP, no
 * audio stream, no usable address), -ENOTSUP (no common codec: answer
 * 488), -EPROTONOSUPPORT (RTP/SAVP without an a=crypto we support: 488).
 * out->savp is set whatever the result once the stream was found. */
int media_sdp_parse(const char *sdp, size_t len, unsigned codecs, struct media_sdp_info *out);
/* The RTP parameters the parsed SDP implies: where to send, what, and
 * which directions flow (its sendonly is our receive only, etc.; hold and
 * port 0 stop sending). symmetric is copied into the result. */
void media_sdp_to_rtp(const struct media_sdp_info *info, int symmetric, struct rtp_params *out);
const char *media_dir_name(enum media_dir dir);

#endif
