/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The calls' use of the media module (gateway/media.h): one RTP endpoint
 * bridged to a B-channel per call that has a PRI leg, keyed by the call's
 * uuid; SDP offers and answers for it. Loop thread only. */
#ifndef TANDEM_GW_CALL_MEDIA_H
#define TANDEM_GW_CALL_MEDIA_H

#include <stddef.h>

struct gw_loop;
struct gw_span;
struct tandem_settings;
struct ctl_out;

struct call_media;

/* Start the media workers as the settings' [media] say. 0 or -errno. */
int call_media_new(struct gw_loop *loop, const struct tandem_settings *s, struct call_media **out);
void call_media_free(struct call_media *cm);

/* A span's TDM side appeared (attached 1) or is going away (0). */
void call_media_span(struct call_media *cm, struct gw_span *sp, int attached);

/* How DTMF goes to the SIP side (the values of db/directory.h's enum
 * dir_dtmf): RFC 4733 events (offered and answered as telephone-event),
 * SIP INFO (no telephone-event; digits heard on the B-channel reported
 * through call_media_set_digit_fn) or in-band only (no telephone-event,
 * no detection). Without telephone-event in the far end's SDP, RFC 4733
 * falls back to in-band. */
enum call_media_dtmf {
	CALL_MEDIA_DTMF_RFC4733 = 0,
	CALL_MEDIA_DTMF_INFO = 1,
	CALL_MEDIA_DTMF_INBAND = 2,
};

/* The SDP for call uuid's PRI leg on (sp, ch): the first time, an RTP
 * endpoint is opened and bridged to the channel (dtmf: enum
 * call_media_dtmf, kept for the leg). remote is the SIP side's
 * offer (then the result is the answer: RTP/SAVP with our own fresh SDES
 * key when the offer is RTP/SAVP) or NULL (then it is an offer: RTP/SAVP
 * with a=crypto when srtp is set). The leg's key is made once and kept.
 * Returns buf, or "" when media cannot be set up (cm NULL, no port). */
const char *call_media_sdp(struct call_media *cm, const char *uuid, struct gw_span *sp, int ch, const char *remote,
			   int srtp, int dtmf, char *buf, size_t len);
/* Whether a SIP offer has audio the bridge can carry (G.711; with
 * RTP/SAVP, an a=crypto suite we support). */
int call_media_offer_ok(const char *sdp);
/* Whether an SDP's audio is RTP/SAVP (SRTP keyed by SDES). */
int call_media_offer_srtp(const char *sdp);

/* The SIP side's answer to our offer arrived: send there (keyed by its
 * a=crypto if we offered SRTP). 0, or -EPROTO when it is no usable
 * answer (no G.711, or plain RTP / other crypto to our SRTP offer: the
 * bridge then stays silent rather than send in the clear). */
int call_media_remote(struct call_media *cm, const char *uuid, const char *remote);
/* A new offer from the SIP side of an established call (re-INVITE: hold,
 * resume, a new address or codec, new SRTP keys): the bridge follows it
 * and buf gets the answer (RFC 3264 8: same port, version + 1, the
 * complementary direction). 1 when the offer puts the call on hold, 0
 * otherwise; -ENOTSUP / -EPROTONOSUPPORT / -EINVAL: nothing usable,
 * -EPROTO: RTP <-> SRTP switch refused (answer 488 either way: the
 * session stays as it was); -ENOENT: no bridge. */
int call_media_reoffer(struct call_media *cm, const char *uuid, const char *remote, char *buf, size_t len);
/* A digit heard on the B-channel of a leg in CALL_MEDIA_DTMF_INFO mode:
 * fn(arg, uuid, digit) on the loop thread (gateway/call_dtmf.c sends it
 * as SIP INFO). */
void call_media_set_digit_fn(struct call_media *cm, void (*fn)(void *arg, const char *uuid, char digit), void *arg);
/* Play a digit as tones toward call uuid's B-channel (a SIP INFO). 0,
 * -ENOENT (no bridge), -EINVAL or -ENOMEM. */
int call_media_play_digit(struct call_media *cm, const char *uuid, char digit);

/* The call ends: stop the bridge and free the endpoint. */
void call_media_end(struct call_media *cm, const char *uuid);

void call_media_status(const struct call_media *cm, struct ctl_out *out);

/* Fax (gateway/call_fax.c). fn hears MEDIA_EV_FAX: uuid's bridge heard a
 * fax tone (enum media_fax_tone) on the B-channel, or in the audio from
 * RTP (from_rtp: a SIP fax machine's CNG, CED or V.21). */
struct media_t38_info;
struct media_t38_params;
void call_media_on_fax(struct call_media *cm, void (*fn)(void *arg, const char *uuid, int tone, int from_rtp),
		       void *arg);
/* uuid's T.38 SDP, UDPTL on the leg's RTP port: an offer (offer NULL) or
 * the answer to a parsed one; *agreed (may be NULL) gets what we will
 * use. 0, -ENOENT (no such leg), or media_t38_offer/_answer's errors. */
int call_media_t38_sdp(struct call_media *cm, const char *uuid, const struct media_t38_info *offer, char *buf,
		       size_t len, struct media_t38_params *agreed);
/* Switch uuid's bridge to enum media_fax_mode mode; for MEDIA_FAX_T38
 * the far end's UDPTL stream and the agreed parameters. 0 or -errno. */
int call_media_fax_mode(struct call_media *cm, const char *uuid, int mode, const struct media_t38_info *peer,
			const struct media_t38_params *agreed);
/* The pages uuid's T.38 gateway has carried so far (its last published
 * counters), or -ENOENT (no bridge). */
long call_media_fax_pages(struct call_media *cm, const char *uuid);

#endif
