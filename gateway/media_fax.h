/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax on a bridge (see docs/media.md, "Fax"): tone detection on the
 * B-channel and in the audio from RTP (MEDIA_EV_FAX), and switching the bridge to a T.38 gateway
 * (SpanDSP's t38_gateway between the B-channel audio and UDPTL on the
 * bridge's own RTP port) or to G.711 fax passthrough. The loop's API; the
 * work is done on the bridge's worker. */
#ifndef TANDEM_GW_MEDIA_FAX_H
#define TANDEM_GW_MEDIA_FAX_H

#include "gateway/media.h"
#include "gateway/media_t38sdp.h"

/* What MEDIA_EV_FAX reports (ev->fax). */
enum media_fax_tone {
	MEDIA_FAX_CNG = 1, /* 1100 Hz calling tone: the side it came from (ev->from) sends a fax */
	MEDIA_FAX_CED = 2, /* 2100 Hz answer tone: the side it came from (ev->from) receives one */
	MEDIA_FAX_V21 = 3, /* V.21 HDLC flags (the T.30 preamble): a fax machine talks */
};

enum media_fax_mode {
	MEDIA_FAX_AUDIO = 0,       /* an ordinary voice bridge (again: detection, DTMF, the canceller as configured) */
	MEDIA_FAX_PASSTHROUGH = 1, /* G.711 as is: no echo canceller, no PLC, no DTMF detection */
	MEDIA_FAX_T38 = 2,         /* the B-channel through t38_gateway, IFPs over UDPTL */
};

const char *media_fax_tone_name(int tone);
const char *media_fax_mode_name(int mode);

/* Switch the bridge. For MEDIA_FAX_T38: the far end's UDPTL address and
 * port (numeric), the agreed parameters (their max_datagram bounds what
 * we send), and whether to latch on the source of what arrives. RTP
 * stops; the port then carries UDPTL. 0, -EINVAL, -ENOMEM. */
struct media_fax_t38 {
	char remote_addr[INET6_ADDRSTRLEN];
	unsigned remote_port;
	struct media_t38_params p;
	int symmetric;
};
int media_bridge_fax(struct media *m, struct media_bridge *b, enum media_fax_mode mode,
		     const struct media_fax_t38 *t38);

#endif
