/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax on PRI <-> SIP calls (docs/calls.md, "Fax"): when the media worker
 * hears a fax tone on the B-channel or from RTP (MEDIA_EV_FAX), offer T.38 to the SIP
 * leg in a re-INVITE (m=image, UDPTL on the leg's RTP port); its 200
 * switches the bridge to the T.38 gateway, a 488 or any other failure to
 * G.711 passthrough. An offer crossing another (491, or ours refused
 * locally with -EBUSY) is tried again after RFC 3261 14.1's wait, twice at
 * most, then passthrough. A T.38 re-INVITE from the SIP peer is answered
 * and switches the bridge the same way; a repeat of it (a session refresh)
 * keeps the running gateway; an audio offer in T.38 mode goes back to
 * audio, and a new fax tone offers T.38 again, unless FAX_FAILS_MAX
 * offers or sessions came to nothing (refused, or back to audio without a
 * page): then passthrough. Loop thread; the media work is the worker's. */
#include "config.h"

#include "gateway/call_int.h"
#include "gateway/call_media.h"
#include "gateway/loop.h"
#include "gateway/media_fax.h"
#include "gateway/media_t38sdp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum call_fax_state {
	CALL_FAX_NONE = 0,
	CALL_FAX_OFFERED,     /* our T.38 re-INVITE is out */
	CALL_FAX_T38,         /* the bridge runs the T.38 gateway */
	CALL_FAX_PASSTHROUGH, /* G.711 fax passthrough */
	CALL_FAX_RETRY,       /* our offer crossed another: sent again when c->invite_timer fires */
	CALL_FAX_AUDIO,       /* back to audio after T.38 (the SIP peer's offer): a new fax tone switches again */
};

/* How often an offer that crossed another is sent again before giving up
 * on T.38 (the fax then goes passthrough: it must not wait for long). */
#define FAX_RETRIES 2

/* T.38 offers refused, or T.38 sessions that went back to audio without
 * a page, after which a call's next fax tone goes G.711 passthrough
 * instead of another offer: a peer that takes T.38 and drops it again
 * (or an SBC that cannot carry it) must not have every tone re-offer it
 * for the life of the call. */
#define FAX_FAILS_MAX 2

static struct call *call_by_uuid(struct gw_calls *calls, const char *uuid)
{
	for (struct call *c = calls->list; c; c = c->next)
		if (strcmp(c->uuid, uuid) == 0)
			return c;
	return NULL;
}

/* The SIP leg of an answered PRI <-> SIP call, else NULL. */
static struct gw_sip_leg *fax_sip_leg(struct call *c)
{
	if (c->state != CS_ANSWERED)
		return NULL;
	if (c->a.kind == LEG_SIP && c->b.kind == LEG_PRI && c->a.live)
		return c->a.sip;
	if (c->b.kind == LEG_SIP && c->a.kind == LEG_PRI && c->b.live)
		return c->b.sip;
	return NULL;
}

/* A T.38 offer or session came to nothing (counted against FAX_FAILS_MAX). */
static void fax_failed(struct call *c, const char *what)
{
	c->fax_failed++;
	CLOG(LOG_INFO, c, "fax: %s (%d of %d before T.38 is given up on this call)", what, c->fax_failed,
	     FAX_FAILS_MAX);
}

static void fax_passthrough(struct call *c, const char *why)
{
	CLOG(LOG_NOTICE, c, "fax: G.711 passthrough (%s)", why);
	c->fax = CALL_FAX_PASSTHROUGH;
	if (call_media_fax_mode(c->calls->media, c->uuid, MEDIA_FAX_PASSTHROUGH, NULL, NULL) < 0)
		CLOG(LOG_WARNING, c, "fax: the bridge is gone");
}

static int fax_t38(struct call *c, const struct media_t38_info *peer, const struct media_t38_params *agreed)
{
	int rc = call_media_fax_mode(c->calls->media, c->uuid, MEDIA_FAX_T38, peer, agreed);

	if (rc < 0)
		return rc;
	c->fax = CALL_FAX_T38;
	c->fax_peer_port = peer->port;
	snprintf(c->fax_peer_addr, sizeof(c->fax_peer_addr), "%s", peer->addr);
	CLOG(LOG_NOTICE, c, "fax: T.38 to %s:%u (version %u, %u bit/s, %s)", peer->addr, peer->port, agreed->version,
	     agreed->max_bitrate,
	     agreed->ec == MEDIA_T38_EC_NONE  ? "no error correction"
	     : agreed->ec == MEDIA_T38_EC_FEC ? "UDPTL FEC"
					      : "UDPTL redundancy");
	return 0;
}

/* RFC 3261 14.1: after a 491, the owner of the Call-ID (the UAC of the
 * initial INVITE: the SIP leg is our egress) waits 2.1 to 4 s, the other
 * side 0 to 2 s, in units of 10 ms, so the two do not cross again. */
static unsigned fax_retry_ms(const struct call *c)
{
	unsigned r = (unsigned)(call_now_ms() % 200) * 10;

	return c->b.kind == LEG_SIP ? 2100 + r * 19 / 20 : r;
}

static void fax_offer(struct call *c, struct gw_sip_leg *leg)
{
	char sdp[SDP_MAX];
	int rc;

	if (call_media_t38_sdp(c->calls->media, c->uuid, NULL, sdp, sizeof(sdp), NULL) < 0) {
		fax_passthrough(c, "no T.38 offer");
		return;
	}
	rc = gw_sip_reinvite(leg, sdp);
	if (rc == -EBUSY && c->fax_retries < FAX_RETRIES) {
		/* an offer of the peer's (or a refresh) is in progress */
		c->fax_retries++;
		c->fax = CALL_FAX_RETRY;
		CLOG(LOG_INFO, c, "fax: another offer is in progress: T.38 offered again later");
		gw_timer_start(c->invite_timer, fax_retry_ms(c));
		return;
	}
	if (rc < 0) {
		fax_passthrough(c, "the re-INVITE could not be sent");
		return;
	}
	c->fax = CALL_FAX_OFFERED;
	c->reinv_done = call_fax_reinvite_answered;
	CLOG(LOG_INFO, c, "fax: T.38 offered in a re-INVITE");
}

void call_fax_timer(struct call *c)
{
	struct gw_sip_leg *leg;

	if (c->fax != CALL_FAX_RETRY)
		return; /* the peer's own offer settled it meanwhile */
	if (!(leg = fax_sip_leg(c))) {
		c->fax = CALL_FAX_NONE;
		return;
	}
	fax_offer(c, leg);
}

static void on_fax_tone(void *arg, const char *uuid, int tone, int from_rtp)
{
	struct call *c = call_by_uuid(arg, uuid);
	struct gw_sip_leg *leg;

	if (!c)
		return;
	CLOG(LOG_INFO, c, "fax: %s %s", media_fax_tone_name(tone), from_rtp ? "from the SIP side" : "on the B-channel");
	/* CALL_FAX_AUDIO: the bridge went back to audio after a fax and its
	 * detectors started over: this is the call's next fax */
	if ((c->fax != CALL_FAX_NONE && c->fax != CALL_FAX_AUDIO) || !(leg = fax_sip_leg(c)))
		return; /* already switching or switched; or no SIP leg to switch */
	c->fax_retries = 0;
	if (c->fax_no_t38) {
		fax_passthrough(c, "T.38 not enabled for this customer or trunk");
		return;
	}
	if (c->fax_failed >= FAX_FAILS_MAX) {
		char why[96];

		/* the state stays passthrough: no more offers, this is logged once */
		snprintf(why, sizeof(why), "T.38 came to nothing %d times on this call: no more offers", c->fax_failed);
		fax_passthrough(c, why);
		return;
	}
	fax_offer(c, leg);
}

int call_fax_init(struct gw_calls *calls)
{
	call_media_on_fax(calls->media, on_fax_tone, calls);
	return 0;
}

void call_fax_reinvite_answered(struct call *c, int status, const char *sdp)
{
	struct media_t38_info peer;
	struct media_t38_params agreed;

	if (c->fax != CALL_FAX_OFFERED)
		return;
	if (status == 491 && c->fax_retries < FAX_RETRIES && fax_sip_leg(c)) {
		/* our offer crossed the peer's (RFC 3261 14.1) */
		c->fax_retries++;
		c->fax = CALL_FAX_RETRY;
		CLOG(LOG_INFO, c, "fax: T.38 offer crossed another (491): offered again later");
		gw_timer_start(c->invite_timer, fax_retry_ms(c));
		return;
	}
	if (status < 200 || status >= 300) {
		char why[64];

		snprintf(why, sizeof(why), "the peer answered T.38 with %d", status);
		fax_failed(c, "T.38 offer refused");
		fax_passthrough(c, why);
		return;
	}
	if (!sdp || media_t38_parse(sdp, strlen(sdp), &peer) < 0 || peer.port == 0) {
		fax_failed(c, "T.38 offer refused");
		fax_passthrough(c, "the peer's 200 has no T.38 stream");
		return;
	}
	/* what we offered, narrowed by the answer (T.38 Annex D.2.3) */
	media_t38_defaults(&agreed);
	if (peer.p.version < agreed.version)
		agreed.version = peer.p.version;
	if (peer.p.max_bitrate && peer.p.max_bitrate < agreed.max_bitrate)
		agreed.max_bitrate = peer.p.max_bitrate;
	agreed.transferred_tcf = peer.p.transferred_tcf;
	agreed.ec = peer.p.ec; /* we offered redundancy; an answer of FEC is sent FEC too */
	agreed.fill_bit_removal = 0;
	agreed.max_datagram = peer.p.max_datagram;
	if (fax_t38(c, &peer, &agreed) < 0)
		fax_passthrough(c, "the bridge could not start T.38");
}

int call_fax_reinvite_in(struct call *c, const char *sdp, char *answer, size_t len)
{
	struct media_t38_info offer;
	struct media_t38_params agreed;
	int rc;

	answer[0] = '\0';
	if (!fax_sip_leg(c))
		return 0; /* SIP <-> SIP: relayed like any offer */
	rc = sdp ? media_t38_parse(sdp, strlen(sdp), &offer) : -ENOENT;
	if (rc == 0 && offer.port == 0 && offer.audio)
		rc = -ENOENT; /* the image stream refused, audio offered: an audio offer */
	if (rc == -ENOENT) {
		/* not T.38: the audio path answers it; in T.38 mode it means
		 * back to audio (the fax is over), the bridge first */
		if (c->fax == CALL_FAX_T38 && sdp && *sdp) {
			long pages = call_media_fax_pages(c->calls->media, c->uuid);

			CLOG(LOG_NOTICE, c, "fax: audio offered in T.38 mode: back to audio (pages over T.38: %ld)",
			     pages < 0 ? 0 : pages);
			if (pages == 0)
				fax_failed(c, "T.38 dropped without a page");
			if (call_media_fax_mode(c->calls->media, c->uuid, MEDIA_FAX_AUDIO, NULL, NULL) < 0)
				return 500;
			c->fax = CALL_FAX_AUDIO;
			c->fax_peer_port = 0;
			c->fax_peer_addr[0] = '\0';
		}
		return 0;
	}
	if (rc < 0 || offer.port == 0 || c->fax_no_t38) {
		CLOG(LOG_NOTICE, c, "fax: T.38 re-INVITE refused (488): %s",
		     c->fax_no_t38 ? "T.38 not enabled for this customer or trunk" : "no usable image stream");
		return 488;
	}
	/* RFC 3264 6: an audio stream offered with the image one is refused
	 * in the answer (port 0): the fax goes T.38 */
	if (call_media_t38_sdp(c->calls->media, c->uuid, &offer, answer, len, &agreed) < 0)
		return 488;
	if ((rc = media_sdp_match_streams(sdp, strlen(sdp), answer, len)) < 0)
		CLOG(LOG_WARNING, c, "fax: cannot answer every stream of the offer (%s): the image stream only",
		     strerror(-rc));
	if (c->fax == CALL_FAX_T38 && offer.port == c->fax_peer_port && strcmp(offer.addr, c->fax_peer_addr) == 0) {
		/* a session refresh (or a repeat): the gateway keeps running */
		CLOG(LOG_INFO, c, "fax: T.38 re-INVITE with the same stream (a refresh): the gateway keeps running");
		return 200;
	}
	CLOG(LOG_INFO, c, "fax: T.38 re-INVITE from the SIP peer");
	if (fax_t38(c, &offer, &agreed) < 0) {
		answer[0] = '\0';
		return 488;
	}
	return 200;
}
