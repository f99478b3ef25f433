/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The calls' media: RTP endpoints bridged to B-channels, one per call. */
#include "config.h"

#include "gateway/call_media.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "gateway/media.h"
#include "gateway/media_fax.h"
#include "gateway/media_sdp.h"
#include "gateway/rtp_srtp.h"
#include "gateway/spans.h"
#include "gateway/tdm_span.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG "media"

struct cm_leg {
	struct cm_leg *next;
	char uuid[40];
	struct tdm_span *tdm;
	int ch;
	struct media_bridge *bridge;
	struct rtp_params params;
	unsigned port;
	unsigned long version;
	int offered_srtp;            /* our last offer was RTP/SAVP with ours */
	struct rtp_srtp_crypto ours; /* our SDES key (suite 0: none made yet) */
	int dtmf;                    /* enum call_media_dtmf */
};

struct call_media {
	struct media *media;
	char addr[64];
	struct cm_leg *legs;
	unsigned long bridges, stopped, no_port;
	unsigned long srtp_legs, srtp_auth_fail, srtp_replay; /* the last two: of stopped bridges */
	unsigned long ec_by_tone, ec_by_request, plc_samples; /* of stopped bridges */
	void (*digit_fn)(void *arg, const char *uuid, char digit);
	void *digit_arg;
	void (*on_fax)(void *arg, const char *uuid, int tone, int from_rtp); /* MEDIA_EV_FAX, for gateway/call_fax.c */
	void *fax_arg;
	unsigned long rtcp_tx, rtcp_rx, rtcp_bad; /* of stopped bridges */
};

static struct cm_leg *cm_find(struct call_media *cm, const char *uuid, struct cm_leg ***link);

static void cm_event(void *arg, const struct media_event *ev)
{
	struct call_media *cm = arg;

	if (ev->type == MEDIA_EV_STOPPED) {
		cm->srtp_auth_fail += ev->stats.srtp_rx_auth_fail;
		cm->srtp_replay += ev->stats.srtp_rx_replay;
		cm->ec_by_tone += ev->stats.ec_disabled_by_tone;
		cm->ec_by_request += ev->stats.ec_disabled_by_request;
		cm->plc_samples += ev->stats.plc_samples;
		cm->rtcp_tx += ev->stats.rtcp_tx_packets;
		cm->rtcp_rx += ev->stats.rtcp_rx_packets;
		cm->rtcp_bad += ev->stats.rtcp_rx_bad;
		if (ev->stats.srtp_rx_auth_fail)
			LOG_N(TAG, "bridge on channel %d: %lu SRTP packets failed authentication (dropped)",
			      ev->channel, ev->stats.srtp_rx_auth_fail);
	}
	if (ev->type == MEDIA_EV_DTMF && ev->from == MEDIA_SIDE_TDM && ev->cookie && cm->digit_fn) {
		const struct cm_leg *l = cm_find(cm, ev->cookie, NULL);

		if (l && l->dtmf == CALL_MEDIA_DTMF_INFO)
			cm->digit_fn(cm->digit_arg, l->uuid, ev->digit);
	}
	if (ev->type == MEDIA_EV_FAX && cm->on_fax && ev->cookie)
		cm->on_fax(cm->fax_arg, ev->cookie, ev->fax, ev->from == MEDIA_SIDE_RTP);
	if (ev->type == MEDIA_EV_DTMF)
		LOG_I(TAG, "[%.8s] DTMF '%c' from %s", ev->cookie ? (const char *)ev->cookie : "?", ev->digit,
		      ev->from == MEDIA_SIDE_RTP ? "RTP" : "the B-channel");
	else if (ev->type == MEDIA_EV_STOPPED)
		LOG_D(TAG, "bridge on channel %d stopped: %lu RTP packets in, %lu out, %lu lost", ev->channel,
		      ev->stats.rtp_rx_packets, ev->stats.rtp_tx_packets, ev->stats.rtp_rx_lost);
}

int call_media_new(struct gw_loop *loop, const struct tandem_settings *s, struct call_media **out)
{
	struct call_media *cm = calloc(1, sizeof(*cm));
	struct media_config mc;
	int rc;

	if (!cm)
		return -ENOMEM;
	snprintf(cm->addr, sizeof(cm->addr), "%s", s->rtp_address);
	memset(&mc, 0, sizeof(mc));
	mc.nworkers = s->media_workers;
	mc.rtp.addr = cm->addr;
	mc.rtp.port_min = (unsigned)s->rtp_port_min;
	mc.rtp.port_max = (unsigned)s->rtp_port_max;
	mc.on_event = cm_event;
	mc.arg = cm;
	mc.loop = loop;
	if ((rc = media_new(&mc, &cm->media)) < 0) {
		free(cm);
		return rc;
	}
	*out = cm;
	return 0;
}

static struct cm_leg *cm_find(struct call_media *cm, const char *uuid, struct cm_leg ***link)
{
	struct cm_leg **p = &cm->legs;

	for (; *p; p = &(*p)->next) {
		if (strcmp((*p)->uuid, uuid) == 0) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

static void cm_leg_stop(struct call_media *cm, struct cm_leg **link)
{
	struct cm_leg *l = *link;

	*link = l->next;
	if (l->bridge)
		media_bridge_stop(cm->media, l->bridge);
	cm->stopped++;
	free(l);
}

void call_media_free(struct call_media *cm)
{
	if (!cm)
		return;
	while (cm->legs)
		cm_leg_stop(cm, &cm->legs);
	media_free(cm->media);
	free(cm);
}

void call_media_span(struct call_media *cm, struct gw_span *sp, int attached)
{
	struct tdm_span *tdm = gw_span_tdm(sp);
	int rc;

	if (!cm || !tdm)
		return;
	if (attached) {
		if ((rc = media_add_span(cm->media, tdm)) < 0)
			LOG_W(TAG, "span %s: cannot bridge its audio: %s", gw_span_name(sp), strerror(-rc));
		return;
	}
	for (struct cm_leg **p = &cm->legs; *p;) {
		if ((*p)->tdm == tdm)
			cm_leg_stop(cm, p);
		else
			p = &(*p)->next;
	}
	media_remove_span(cm->media, tdm);
}

static unsigned cm_codecs(void)
{
	return MEDIA_CODEC_PCMA | MEDIA_CODEC_PCMU;
}

int call_media_offer_ok(const char *sdp)
{
	struct media_sdp_info info;

	return media_sdp_parse(sdp, strlen(sdp), cm_codecs(), &info) == 0;
}

int call_media_offer_srtp(const char *sdp)
{
	struct media_sdp_info info;

	if (!sdp || !*sdp)
		return 0;
	media_sdp_parse(sdp, strlen(sdp), cm_codecs(), &info);
	return info.savp;
}

/* Our SDES key for the leg, made once (every SDP of the leg carries it). */
static int cm_key(struct cm_leg *l)
{
	int rc;

	if (l->ours.suite)
		return 0;
	if ((rc = rtp_srtp_key_new(l->ours.key)) < 0) {
		LOG_E(TAG, "[%.8s] no SRTP key: %s", l->uuid, strerror(-rc));
		return rc;
	}
	l->ours.tag = 1;
	l->ours.suite = RTP_SRTP_AES_CM_128_HMAC_SHA1_80;
	return 0;
}

/* The SRTP keys of a parsed offer we answer: their key, ours, their suite. */
static void cm_answer_keys(struct cm_leg *l, const struct media_sdp_info *offer)
{
	memset(&l->params.srtp, 0, sizeof(l->params.srtp));
	if (!offer->savp)
		return;
	l->params.srtp.suite = offer->crypto.suite;
	memcpy(l->params.srtp.tx, l->ours.key, RTP_SRTP_KEY_LEN);
	memcpy(l->params.srtp.rx, offer->crypto.key, RTP_SRTP_KEY_LEN);
}

/* RFC 3264 6: the answer keeps every stream of the offer, the ones we do
 * not take refused (port 0). Always 0. */
static int match_streams(const char *uuid, const char *offer, char *answer, size_t len)
{
	int rc = media_sdp_match_streams(offer, strlen(offer), answer, len);

	/* not fatal: the one stream we take is answered, as before */
	if (rc < 0)
		LOG_W(TAG, "[%.8s] cannot answer every stream of the offer (%s): ours only", uuid, strerror(-rc));
	return 0;
}

const char *call_media_sdp(struct call_media *cm, const char *uuid, struct gw_span *sp, int ch, const char *remote,
			   int srtp, int dtmf, char *buf, size_t len)
{
	struct tdm_span *tdm = sp ? gw_span_tdm(sp) : NULL;
	struct media_sdp_local local;
	struct media_sdp_info info;
	struct rtp_endpoint *ep = NULL;
	struct cm_leg *l;
	int have_remote = remote && *remote, rc;

	buf[0] = '\0';
	if (!cm || !tdm)
		return buf;
	if (have_remote && media_sdp_parse(remote, strlen(remote), cm_codecs(), &info) < 0)
		have_remote = 0;
	l = cm_find(cm, uuid, NULL);
	if (!l) {
		struct media_bridge_config bc;

		l = calloc(1, sizeof(*l));
		if (!l)
			return buf;
		snprintf(l->uuid, sizeof(l->uuid), "%s", uuid);
		l->tdm = tdm;
		l->ch = ch;
		if ((rc = media_rtp_open(cm->media, &ep)) < 0) {
			cm->no_port++;
			LOG_W(TAG, "[%.8s] no RTP port: %s", uuid, strerror(-rc));
			free(l);
			return buf;
		}
		l->version = 1;
		memset(&l->params, 0, sizeof(l->params));
		l->params.pt = tdm_span_config(tdm)->law == TDM_LAW_ALAW ? RTP_PT_PCMA : RTP_PT_PCMU;
		l->dtmf = dtmf;
		/* INFO and in-band: no telephone-event offered or answered */
		l->params.event_pt = dtmf == CALL_MEDIA_DTMF_RFC4733 ? RTP_PT_EVENT_DEF : -1;
		l->params.symmetric = 1;
		l->params.send = l->params.recv = 1;
		if ((have_remote ? info.savp : srtp) && cm_key(l) < 0) {
			rtp_endpoint_free(ep);
			free(l);
			return buf;
		}
		if (have_remote) {
			media_sdp_to_rtp(&info, 1, &l->params);
			if (dtmf != CALL_MEDIA_DTMF_RFC4733)
				l->params.event_pt = -1;
			cm_answer_keys(l, &info);
		} else if (srtp) {
			/* nothing arrives in the clear before the answer keys it */
			l->params.recv = 0;
		}
		memset(&bc, 0, sizeof(bc));
		bc.span = tdm;
		bc.channel = ch;
		bc.rtp = ep;
		bc.params = l->params;
		bc.dtmf_to_tdm = 1;
		bc.plc = 1;
		if (gw_span_settings(sp)->echo_cancel)
			bc.echo_tail_ms = (unsigned)gw_span_settings(sp)->echo_tail_ms;
		/* detect for INFO, and for RFC 4733 unless the offer has no
		 * telephone-event (tones then pass in-band, RFC 4733 2.6) */
		bc.dtmf_from_tdm = dtmf == CALL_MEDIA_DTMF_INFO ||
				   (dtmf == CALL_MEDIA_DTMF_RFC4733 && (!have_remote || info.event_pt >= 0));
		bc.fax_detect = 1;
		bc.cookie = l->uuid;
		/* the endpoint's port, before the bridge takes it over */
		l->port = rtp_endpoint_port(ep);
		if ((rc = media_bridge_start(cm->media, &bc, &l->bridge)) < 0) {
			LOG_W(TAG, "[%.8s] cannot bridge channel %d: %s", uuid, ch, strerror(-rc));
			rtp_endpoint_free(ep);
			free(l);
			return buf;
		}
		l->next = cm->legs;
		cm->legs = l;
		cm->bridges++;
		if (l->ours.suite)
			cm->srtp_legs++;
	} else if (have_remote ? info.savp : srtp) {
		if (cm_key(l) < 0)
			return buf;
	}
	memset(&local, 0, sizeof(local));
	local.addr = cm->addr;
	local.port = l->port;
	local.sess_id = (unsigned long)(uintptr_t)l;
	local.sess_version = l->version++;
	local.first_pt = tdm_span_config(tdm)->law == TDM_LAW_ALAW ? RTP_PT_PCMA : RTP_PT_PCMU;
	local.event_pt = l->dtmf == CALL_MEDIA_DTMF_RFC4733 ? RTP_PT_EVENT_DEF : -1;
	local.dir = MEDIA_DIR_SENDRECV;
	if (have_remote) {
		local.crypto = info.savp ? &l->ours : NULL;
		/* an image stream offered with the audio (an ATA): refused, port 0 */
		if ((rc = media_sdp_answer(&local, &info, buf, len)) == 0)
			rc = match_streams(uuid, remote, buf, len);
	} else {
		l->offered_srtp = srtp;
		local.crypto = srtp ? &l->ours : NULL;
		rc = media_sdp_offer(&local, buf, len);
	}
	if (rc < 0)
		buf[0] = '\0';
	return buf;
}

int call_media_remote(struct call_media *cm, const char *uuid, const char *remote)
{
	struct media_sdp_info info;
	struct cm_leg *l;
	int rc;

	if (!cm || !remote || !*remote || !(l = cm_find(cm, uuid, NULL)))
		return 0;
	if ((rc = media_sdp_parse(remote, strlen(remote), cm_codecs(), &info)) < 0) {
		LOG_W(TAG, "[%.8s] the far end's SDP has no %s we can use", uuid,
		      rc == -EPROTONOSUPPORT ? "SRTP crypto suite" : "G.711 audio");
		return -EPROTO;
	}
	if (l->offered_srtp && (!info.savp || info.crypto.tag != l->ours.tag || info.crypto.suite != l->ours.suite)) {
		/* RFC 4568 7.1.3: the answer takes one of our a=crypto; plain RTP
		 * to an SRTP offer is no answer: nothing flows in the clear */
		LOG_W(TAG, "[%.8s] the answer to our RTP/SAVP offer has no matching a=crypto: no media", uuid);
		return -EPROTO;
	}
	media_sdp_to_rtp(&info, 1, &l->params);
	if (l->dtmf != CALL_MEDIA_DTMF_RFC4733)
		l->params.event_pt = -1; /* not offered: whatever the answer says */
	memset(&l->params.srtp, 0, sizeof(l->params.srtp));
	if (l->offered_srtp) {
		l->params.srtp.suite = info.crypto.suite;
		memcpy(l->params.srtp.tx, l->ours.key, RTP_SRTP_KEY_LEN);
		memcpy(l->params.srtp.rx, info.crypto.key, RTP_SRTP_KEY_LEN);
	}
	media_bridge_update(cm->media, l->bridge, &l->params);
	return 0;
}

int call_media_reoffer(struct call_media *cm, const char *uuid, const char *remote, char *buf, size_t len)
{
	struct media_sdp_local local;
	struct media_sdp_info info;
	struct cm_leg *l;
	int rc;

	buf[0] = '\0';
	if (!cm || !(l = cm_find(cm, uuid, NULL)))
		return -ENOENT;
	if ((rc = media_sdp_parse(remote, strlen(remote), cm_codecs(), &info)) < 0)
		return rc;
	/* no switch between RTP and SRTP within a call: keys never start (or
	 * media never falls back to the clear) outside the checks the
	 * initial INVITE had (TLS, require_secure) */
	if (!!info.savp != !!l->params.srtp.suite)
		return -EPROTO;
	media_sdp_to_rtp(&info, 1, &l->params);
	cm_answer_keys(l, &info);
	l->offered_srtp = 0;
	media_bridge_update(cm->media, l->bridge, &l->params);
	memset(&local, 0, sizeof(local));
	local.addr = cm->addr;
	local.port = l->port;
	local.sess_id = (unsigned long)(uintptr_t)l;
	local.sess_version = l->version++;
	local.first_pt = tdm_span_config(l->tdm)->law == TDM_LAW_ALAW ? RTP_PT_PCMA : RTP_PT_PCMU;
	local.event_pt = RTP_PT_EVENT_DEF;
	local.dir = MEDIA_DIR_SENDRECV;
	local.crypto = info.savp ? &l->ours : NULL;
	if ((rc = media_sdp_answer(&local, &info, buf, len)) == 0)
		rc = match_streams(uuid, remote, buf, len);
	if (rc < 0)
		buf[0] = '\0';
	return rc < 0 ? rc : (info.hold ? 1 : 0);
}

void call_media_set_digit_fn(struct call_media *cm, void (*fn)(void *arg, const char *uuid, char digit), void *arg)
{
	if (!cm)
		return;
	cm->digit_fn = fn;
	cm->digit_arg = arg;
}

int call_media_play_digit(struct call_media *cm, const char *uuid, char digit)
{
	struct cm_leg *l = cm ? cm_find(cm, uuid, NULL) : NULL;

	if (!l || !l->bridge)
		return -ENOENT;
	return media_bridge_send_dtmf(cm->media, l->bridge, digit, MEDIA_SIDE_TDM);
}

void call_media_end(struct call_media *cm, const char *uuid)
{
	struct cm_leg **link;

	if (cm && cm_find(cm, uuid, &link))
		cm_leg_stop(cm, link);
}

static void call_media_srtp_status(const struct call_media *cm, struct ctl_out *out);
static void call_media_rtcp_status(const struct call_media *cm, struct ctl_out *out);

void call_media_status(const struct call_media *cm, struct ctl_out *out)
{
	unsigned n = 0;

	for (const struct cm_leg *l = cm ? cm->legs : NULL; l; l = l->next)
		n++;
	ctl_out_kv(out, "media_bridges_live", "%u", n);
	ctl_out_kv(out, "media_bridges_total", "%lu", cm ? cm->bridges : 0);
	ctl_out_kv(out, "media_no_port", "%lu", cm ? cm->no_port : 0);
	call_media_srtp_status(cm, out);
	/* Echo control and concealment, over the bridges that stopped. */
	ctl_out_kv(out, "media_ec_off_by_tone", "%lu", cm ? cm->ec_by_tone : 0);
	ctl_out_kv(out, "media_ec_off_by_request", "%lu", cm ? cm->ec_by_request : 0);
	ctl_out_kv(out, "media_plc_samples", "%lu", cm ? cm->plc_samples : 0);
	call_media_rtcp_status(cm, out);
}

/* RTCP compounds over all bridges (ended and live), and the worst round
 * trip the live ones' far ends let us measure (-1: none). */
static void call_media_rtcp_status(const struct call_media *cm, struct ctl_out *out)
{
	unsigned long tx = cm ? cm->rtcp_tx : 0, rx = cm ? cm->rtcp_rx : 0, bad = cm ? cm->rtcp_bad : 0;
	long rtt = -1;

	for (const struct cm_leg *l = cm ? cm->legs : NULL; l; l = l->next) {
		struct media_stats st;

		if (!l->bridge)
			continue;
		media_bridge_stats(l->bridge, &st);
		tx += st.rtcp_tx_packets;
		rx += st.rtcp_rx_packets;
		bad += st.rtcp_rx_bad;
		if (st.rtcp_rtt_us > rtt)
			rtt = st.rtcp_rtt_us;
	}
	ctl_out_kv(out, "media_rtcp_tx", "%lu", tx);
	ctl_out_kv(out, "media_rtcp_rx", "%lu", rx);
	ctl_out_kv(out, "media_rtcp_bad", "%lu", bad);
	ctl_out_kv(out, "media_rtcp_rtt_max_ms", "%ld", rtt < 0 ? -1 : (rtt + 500) / 1000);
}

static void call_media_srtp_status(const struct call_media *cm, struct ctl_out *out)
{
	unsigned long auth = cm ? cm->srtp_auth_fail : 0, replay = cm ? cm->srtp_replay : 0;

	/* live bridges' counters too: a forged packet shows while the call lasts */
	for (const struct cm_leg *l = cm ? cm->legs : NULL; l; l = l->next) {
		struct media_stats st;

		if (!l->bridge)
			continue;
		media_bridge_stats(l->bridge, &st);
		auth += st.srtp_rx_auth_fail;
		replay += st.srtp_rx_replay;
	}
	ctl_out_kv(out, "media_srtp_total", "%lu", cm ? cm->srtp_legs : 0);
	ctl_out_kv(out, "media_srtp_auth_failed", "%lu", auth);
	ctl_out_kv(out, "media_srtp_replayed", "%lu", replay);
}

/* --- Fax (gateway/call_fax.c) -------------------------------------------- */

void call_media_on_fax(struct call_media *cm, void (*fn)(void *arg, const char *uuid, int tone, int from_rtp),
		       void *arg)
{
	if (!cm)
		return;
	cm->on_fax = fn;
	cm->fax_arg = arg;
}

int call_media_t38_sdp(struct call_media *cm, const char *uuid, const struct media_t38_info *offer, char *buf,
		       size_t len, struct media_t38_params *agreed)
{
	struct media_sdp_local local;
	struct media_t38_params ours;
	struct cm_leg *l;

	buf[0] = '\0';
	if (!cm || !(l = cm_find(cm, uuid, NULL)))
		return -ENOENT;
	memset(&local, 0, sizeof(local));
	local.addr = cm->addr;
	local.port = l->port; /* UDPTL on the leg's RTP port (docs/media.md, "Fax") */
	local.sess_id = (unsigned long)(uintptr_t)l;
	local.sess_version = l->version++;
	media_t38_defaults(&ours);
	if (!offer) {
		if (agreed)
			*agreed = ours;
		return media_t38_offer(&local, &ours, buf, len);
	}
	return media_t38_answer(&local, &ours, offer, buf, len, agreed);
}

int call_media_fax_mode(struct call_media *cm, const char *uuid, int mode, const struct media_t38_info *peer,
			const struct media_t38_params *agreed)
{
	struct media_fax_t38 t;
	struct cm_leg *l;

	if (!cm || !(l = cm_find(cm, uuid, NULL)) || !l->bridge)
		return -ENOENT;
	memset(&t, 0, sizeof(t));
	if (mode == MEDIA_FAX_T38) {
		if (!peer || !agreed)
			return -EINVAL;
		snprintf(t.remote_addr, sizeof(t.remote_addr), "%s", peer->addr);
		t.remote_port = peer->port;
		t.p = *agreed;
		t.symmetric = 1;
	}
	return media_bridge_fax(cm->media, l->bridge, (enum media_fax_mode)mode, mode == MEDIA_FAX_T38 ? &t : NULL);
}

long call_media_fax_pages(struct call_media *cm, const char *uuid)
{
	struct media_stats st;
	struct cm_leg *l;

	if (!cm || !(l = cm_find(cm, uuid, NULL)) || !l->bridge)
		return -ENOENT;
	media_bridge_stats(l->bridge, &st);
	return (long)st.fax_pages;
}
