/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP for T.38 fax (ITU-T T.38 Annex D, RFC 3362): the `m=image PORT udptl
 * t38` stream of a fax re-INVITE, its offer, its answer and the far end's.
 * Pure functions, any thread. */
#ifndef TANDEM_GW_MEDIA_T38SDP_H
#define TANDEM_GW_MEDIA_T38SDP_H

#include <netinet/in.h>
#include <stddef.h>

#include "gateway/media_sdp.h"

enum media_t38_ec {
	MEDIA_T38_EC_NONE = 0,
	MEDIA_T38_EC_REDUNDANCY, /* t38UDPRedundancy: what we offer */
	MEDIA_T38_EC_FEC         /* t38UDPFEC: answered and used when offered */
};

/* The T.38 session attributes (T.38 Annex D.2.3). */
struct media_t38_params {
	unsigned version;      /* T38FaxVersion, 0..3 */
	unsigned max_bitrate;  /* T38MaxBitRate, bit/s; 0: not given */
	int transferred_tcf;   /* T38FaxRateManagement: 1 transferredTCF, 0 localTCF */
	unsigned max_buffer;   /* T38FaxMaxBuffer; 0: not given */
	unsigned max_datagram; /* T38FaxMaxDatagram; 0: not given */
	enum media_t38_ec ec;  /* T38FaxUdpEC */
	int fill_bit_removal;  /* T38FaxFillBitRemoval */
	int transcoding_mmr;   /* T38FaxTranscodingMMR */
	int transcoding_jbig;  /* T38FaxTranscodingJBIG */
};

/* What the far end's SDP says of its T.38 stream. */
struct media_t38_info {
	char addr[INET6_ADDRSTRLEN]; /* c= of the stream, else of the session; numeric */
	unsigned port;               /* 0: the stream is rejected */
	struct media_t38_params p;
	int audio; /* the SDP also has an m=audio stream with a port (not refused) */
};

/* Our usual parameters: version 0, 14400 bit/s, transferredTCF, buffer
 * 2000, datagram 400 (room for the redundancy), t38UDPRedundancy. */
void media_t38_defaults(struct media_t38_params *p);

/* An offer with one `m=image PORT udptl t38` stream (local->addr, port,
 * sess_id and sess_version are used). 0, -EINVAL, -ENOSPC. */
int media_t38_offer(const struct media_sdp_local *local, const struct media_t38_params *p, char *buf, size_t size);
/* The answer to a parsed T.38 offer: the lower version and bit rate,
 * transferredTCF or localTCF and the error correction (none, redundancy,
 * FEC) as offered, no transcoding, our buffer and datagram sizes; port
 * 0 refuses the stream. Also fills *agreed with what was answered (the
 * datagram size is the offer's: what we may send). 0, -EINVAL, -ENOSPC. */
int media_t38_answer(const struct media_sdp_local *local, const struct media_t38_params *ours,
		     const struct media_t38_info *offer, char *buf, size_t size, struct media_t38_params *agreed);
/* Parse len octets of SDP (need not be NUL-terminated) for the first
 * `m=image ... udptl t38` stream (and whether there is audio too). 0 and *out; -ENOENT: no such stream
 * (e.g. audio only); -EBADMSG: malformed (bad port, no numeric c=). */
int media_t38_parse(const char *sdp, size_t len, struct media_t38_info *out);
/* RFC 3264 6: an answer has the offer's streams, in order. answer (NUL-
 * terminated, size octets of room) answers one stream of the offer's
 * (media_sdp_answer()'s audio or media_t38_answer()'s image); when the
 * offer has more, it is rewritten with ours in its place and every other
 * refused (port 0, the offer's protocol and formats). 0 (also when there
 * was nothing to add), -EINVAL (no m= line in answer), -EBADMSG (an offer
 * m= line we cannot echo back, or more than 8), -ENOSPC, -ENOMEM; answer
 * is unchanged on error. */
int media_sdp_match_streams(const char *offer, size_t len, char *answer, size_t size);

#endif
