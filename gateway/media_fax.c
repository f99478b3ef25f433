/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fax on a bridge: CNG / CED / V.21 preamble detection on the B-channel
 * and on the audio from RTP (SpanDSP's modem_connect_tones_rx, behind the
 * gates), G.711 passthrough, and the T.38
 * gateway (SpanDSP's t38_gateway, clocked by the B-channel's blocks like
 * the rest of the bridge) with its IFP packets in UDPTL on the bridge's
 * RTP port. Everything here but media_bridge_fax() runs on the bridge's
 * worker. */
#include "config.h"

#include "gateway/media_fax.h"
#include "gateway/g711.h"
#include "gateway/media_gate.h"
#include "gateway/media_echo.h"
#include "gateway/media_int.h"
#include "gateway/udptl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <spandsp.h>

#include "common/log.h"

struct media_fax_cmd {
	enum media_fax_mode mode;
	struct media_fax_t38 t38;
};

/* A detector's callback context: which side it listens to. */
struct fax_ear {
	struct media_fax *f;
	enum media_side side;
	unsigned reported; /* bit per enum media_fax_tone: each once per side */
};

struct media_fax {
	struct media_bridge *b;
	/* The B-channel and the audio from RTP (toward the B-channel): CNG
	 * (a fax sender on that side), CED or V.21 (a fax answering, or
	 * talking). All behind the bridge's gates (media_gate.h). */
	struct media_tone_rx cng, ced, cng_rtp, ced_rtp;
	struct fax_ear ear[2]; /* by enum media_side */
	enum media_fax_mode mode;
	t38_gateway_state_t *gw;
	struct udptl_tx tx;
	struct udptl_rx rx;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int symmetric, latched;
	unsigned long tx_packets, tx_errors;
	unsigned pages;
};

const char *media_fax_tone_name(int tone)
{
	switch (tone) {
	case MEDIA_FAX_CNG:
		return "CNG";
	case MEDIA_FAX_CED:
		return "CED";
	case MEDIA_FAX_V21:
		return "V.21 preamble";
	}
	return "?";
}

const char *media_fax_mode_name(int mode)
{
	switch (mode) {
	case MEDIA_FAX_AUDIO:
		return "audio";
	case MEDIA_FAX_PASSTHROUGH:
		return "passthrough";
	case MEDIA_FAX_T38:
		return "t38";
	}
	return "?";
}

static int span_id(const struct media_bridge *b)
{
	return tdm_span_config(b->span)->id;
}

/* --- Detection -------------------------------------------------------- */

static void on_connect_tone(void *user, int code, int level, int delay)
{
	struct fax_ear *ear = user;
	struct media_fax *f = ear->f;
	struct media_bridge *b = f->b;
	struct media_event ev = {.type = MEDIA_EV_FAX, .bridge = b, .cookie = b->cookie, .span = b->span};
	int tone;

	(void)level;
	(void)delay;
	if (code == MODEM_CONNECT_TONES_FAX_CNG)
		tone = MEDIA_FAX_CNG;
	else if (code == MODEM_CONNECT_TONES_FAX_CED)
		tone = MEDIA_FAX_CED;
	else if (code == MODEM_CONNECT_TONES_FAX_PREAMBLE)
		tone = MEDIA_FAX_V21;
	else
		return; /* the end of a tone, or one that is no fax's */
	if (ear->reported & (1u << tone))
		return;
	ear->reported |= 1u << tone;
	LOG_I(MEDIA_TAG, "span %d ch %d: fax %s from the %s", span_id(b), b->channel, media_fax_tone_name(tone),
	      ear->side == MEDIA_SIDE_TDM ? "B-channel" : "RTP side");
	ev.channel = b->channel;
	ev.fax = tone;
	ev.from = ear->side;
	media_post_event(b->m, &ev);
}

static void detectors_free(struct media_fax *f)
{
	media_tone_rx_free(&f->cng);
	media_tone_rx_free(&f->ced);
	media_tone_rx_free(&f->cng_rtp);
	media_tone_rx_free(&f->ced_rtp);
}

static struct media_fax *fax_of(struct media_bridge *b)
{
	if (!b->fax && (b->fax = calloc(1, sizeof(*b->fax))))
		b->fax->b = b;
	return b->fax;
}

int media_fax_start(struct media_bridge *b)
{
	struct media_fax *f = fax_of(b);
	struct fax_ear *tdm, *rtp;

	if (!f)
		return -ENOMEM;
	detectors_free(f);
	for (int side = 0; side < 2; side++)
		f->ear[side] = (struct fax_ear){.f = f, .side = (enum media_side)side};
	tdm = &f->ear[MEDIA_SIDE_TDM];
	rtp = &f->ear[MEDIA_SIDE_RTP];
	if (media_tone_rx_init(&f->cng, MODEM_CONNECT_TONES_FAX_CNG, on_connect_tone, tdm) < 0 ||
	    media_tone_rx_init(&f->ced, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, on_connect_tone, tdm) < 0 ||
	    media_tone_rx_init(&f->cng_rtp, MODEM_CONNECT_TONES_FAX_CNG, on_connect_tone, rtp) < 0 ||
	    media_tone_rx_init(&f->ced_rtp, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, on_connect_tone, rtp) < 0) {
		detectors_free(f);
		return -ENOMEM;
	}
	return 0;
}

void media_fax_detect(struct media_bridge *b, const int16_t *in, unsigned gate_in, const int16_t *out,
		      unsigned gate_out, size_t len)
{
	struct media_fax *f = b->fax;

	if (f->mode != MEDIA_FAX_AUDIO || !f->cng.s)
		return;
	media_tone_rx_block(&f->cng, in, len, gate_in);
	media_tone_rx_block(&f->ced, in, len, gate_in);
	media_tone_rx_block(&f->cng_rtp, out, len, gate_out);
	media_tone_rx_block(&f->ced_rtp, out, len, gate_out);
}

/* --- T.38 ------------------------------------------------------------- */

/* t38_core's packets out. count is how many times t38_core wants the
 * packet sent (3 for indicators and the ends of data, which nothing
 * follows to carry them as redundancy): copies of the same datagram, same
 * sequence number, so the far end delivers it once however many arrive. */
static int on_ifp(t38_core_state_t *s, void *user, const uint8_t *buf, int len, int count)
{
	struct media_fax *f = user;
	uint8_t pkt[UDPTL_DATAGRAM_MAX];
	int n;

	(void)s;
	if (len <= 0 || !f->peer_len)
		return 0;
	n = udptl_tx_packet(&f->tx, buf, (size_t)len, pkt, sizeof(pkt));
	if (n < 0) {
		f->tx_errors++;
		return 0;
	}
	for (int i = 0; i < (count < 1 ? 1 : count > 3 ? 3 : count); i++) {
		if (sendto(rtp_endpoint_fd(f->b->ep), pkt, (size_t)n, 0, (struct sockaddr *)&f->peer, f->peer_len) == n)
			f->tx_packets++;
		else
			f->tx_errors++;
	}
	return 0;
}

static void on_rx_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct media_fax *f = arg;

	t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(f->gw), ifp, (int)len, seq);
}

static int peer_addr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!port || port > 65535)
		return -EINVAL;
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

static void gw_free(struct media_fax *f)
{
	if (f->gw) {
		t38_stats_t st;

		t38_gateway_get_transfer_statistics(f->gw, &st);
		f->pages = (unsigned)st.pages_transferred;
		t38_gateway_free(f->gw);
	}
	f->gw = NULL;
	udptl_tx_free(&f->tx);
	udptl_rx_free(&f->rx);
}

/* UDPTL FEC sent (t38UDPFEC): 3 entries over 3 IFPs each, the 9 before
 * the packet, as Asterisk's default: a lone loss, or a burst of up to 3,
 * is repaired from the next packet. */
#define FAX_FEC_SPAN    3
#define FAX_FEC_ENTRIES 3

static int t38_start(struct media_fax *f, const struct media_fax_t38 *t)
{
	int modems = T30_SUPPORT_V27TER;
	t38_core_state_t *core;

	if (peer_addr(t->remote_addr, t->remote_port, &f->peer, &f->peer_len) < 0)
		return -EINVAL;
	if (!(f->gw = t38_gateway_init(NULL, on_ifp, f)))
		return -ENOMEM;
	if (!t->p.max_bitrate || t->p.max_bitrate >= 9600)
		modems |= T30_SUPPORT_V29;
	if (!t->p.max_bitrate || t->p.max_bitrate >= 14400)
		modems |= T30_SUPPORT_V17;
	t38_gateway_set_supported_modems(f->gw, modems);
	t38_gateway_set_transmit_on_idle(f->gw, 1); /* a sample for every sample: the channel never starves */
	t38_gateway_set_ecm_capability(f->gw, 1);
	t38_gateway_set_fill_bit_removal(f->gw, t->p.fill_bit_removal);
	core = t38_gateway_get_t38_core_state(f->gw);
	t38_set_t38_version(core, (int)t->p.version);
	t38_set_data_rate_management_method(core, t->p.transferred_tcf ? T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF
								       : T38_DATA_RATE_MANAGEMENT_LOCAL_TCF);
	if (t->p.max_datagram)
		t38_set_max_datagram_size(core, (int)t->p.max_datagram);
	udptl_tx_init(&f->tx, t->p.ec == MEDIA_T38_EC_NONE ? 0 : 3, t->p.max_datagram);
	if (t->p.ec == MEDIA_T38_EC_FEC)
		udptl_tx_fec(&f->tx, FAX_FEC_SPAN, FAX_FEC_ENTRIES);
	udptl_rx_init(&f->rx);
	f->rx.version = t->p.version;
	f->symmetric = t->symmetric;
	f->latched = 0;
	f->tx_packets = f->tx_errors = 0; /* per T.38 session, as the receiver's counters */
	return 0;
}

int media_fax_t38(const struct media_bridge *b)
{
	return b->fax && b->fax->mode == MEDIA_FAX_T38;
}

int media_fax_tdm(struct media_bridge *b, const uint8_t *in, size_t len)
{
	struct media_fax *f = b->fax;
	int16_t lin[TDM_AUDIO_MAX], out[TDM_AUDIO_MAX];
	uint8_t enc[TDM_AUDIO_MAX];
	int n;

	if (f->mode != MEDIA_FAX_T38)
		return 0; /* audio: detection is media_fax_detect's, after the block's RTP packet left */
	law_decode(b->law, in, lin, len);
	t38_gateway_rx(f->gw, lin, (int)len);
	n = t38_gateway_tx(f->gw, out, (int)len);
	for (size_t i = n > 0 ? (size_t)n : 0; i < len; i++)
		out[i] = 0; /* what the gateway did not fill: silence */
	law_encode(b->law, out, enc, len);
	/* as an audio block: the counters published before the block is written */
	b->st.tdm_tx_bytes += len;
	media_bridge_publish(b);
	if (tdm_span_audio_write(b->span, b->channel, enc, len) < 0) {
		b->st.tdm_tx_bytes -= len;
		b->st.tdm_dropped++;
		media_bridge_publish(b);
	}
	return 1;
}

int media_fax_rtp(struct media_bridge *b)
{
	struct media_fax *f = b->fax;
	uint8_t buf[UDPTL_DATAGRAM_MAX + 100];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;

	if (f->mode != MEDIA_FAX_T38)
		return 0;
	for (int i = 0; i < 64; i++) {
		flen = sizeof(from);
		n = recvfrom(rtp_endpoint_fd(b->ep), buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if (udptl_rx_packet(&f->rx, buf, (size_t)n, on_rx_ifp, f) < 0)
			continue;
		if (f->symmetric && !f->latched) {
			/* RFC 4961-style latching, as for RTP: answer where it comes from (NAT) */
			f->latched = 1;
			f->peer = from;
			f->peer_len = flen;
		}
	}
	return 1;
}

/* Voice again (the SIP peer offered audio after a fax): the bridge as it
 * was configured: DTMF and fax detection (a second fax is heard; each
 * tone is reported again), the echo canceller (a fresh one: what it had
 * learnt is stale), concealment. */
static void back_to_audio(struct media_bridge *b)
{
	int id = span_id(b);

	b->fax_passthrough = 0;
	if (b->dtmf_from_tdm && !b->drx && media_bridge_dtmf_detect_start(b) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no DTMF detection (out of memory)", id, b->channel);
	if (b->fax_detect && media_fax_start(b) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no fax detection (out of memory)", id, b->channel);
	media_echo_bridge_release(b);
	atomic_store(&b->echo_off_req, 0);
	if (media_echo_bridge_start(b) < 0)
		LOG_W(MEDIA_TAG, "span %d ch %d: no echo canceller (out of memory)", id, b->channel);
}

void media_fax_cmd(struct media_bridge *b, const struct media_fax_cmd *fc)
{
	struct media_fax *f = fax_of(b);
	int rc = 0;

	if (!f) {
		LOG_E(MEDIA_TAG, "span %d ch %d: out of memory: fax mode not changed", span_id(b), b->channel);
		return;
	}
	if (f->mode == fc->mode && fc->mode != MEDIA_FAX_T38)
		return;
	gw_free(f);
	if (fc->mode == MEDIA_FAX_AUDIO) {
		back_to_audio(b);
		f->mode = MEDIA_FAX_AUDIO;
		LOG_I(MEDIA_TAG, "span %d ch %d: fax mode audio", span_id(b), b->channel);
		return;
	}
	/* Fax from now on: detection has done its work, and DTMF detection
	 * would hear digits in modem signals. */
	detectors_free(f);
	if (b->drx) {
		dtmf_rx_free(b->drx);
		b->drx = NULL;
	}
	b->fax_passthrough = 1;
	/* a fax: the canceller would distort the modem signals (it comes
	 * back if the call returns to audio) */
	media_echo_bridge_off(b, "fax");
	if (fc->mode == MEDIA_FAX_T38) {
		if (f->mode == MEDIA_FAX_T38 && f->gw == NULL)
			f->mode = MEDIA_FAX_AUDIO;
		if ((rc = t38_start(f, &fc->t38)) < 0) {
			gw_free(f);
			LOG_W(MEDIA_TAG, "span %d ch %d: cannot start T.38: %s; G.711 passthrough", span_id(b),
			      b->channel, strerror(-rc));
			f->mode = MEDIA_FAX_PASSTHROUGH;
			return;
		}
	}
	f->mode = fc->mode;
	LOG_I(MEDIA_TAG, "span %d ch %d: fax mode %s%s%s", span_id(b), b->channel, media_fax_mode_name(f->mode),
	      f->mode == MEDIA_FAX_T38 ? ", UDPTL to " : "", f->mode == MEDIA_FAX_T38 ? fc->t38.remote_addr : "");
}

void media_fax_collect(const struct media_bridge *b, struct media_stats *s)
{
	const struct media_fax *f = b->fax;

	if (!f)
		return;
	s->fax_mode = f->mode;
	s->udptl_tx = f->tx_packets;
	s->udptl_rx = f->rx.packets;
	s->udptl_recovered = f->rx.recovered;
	s->udptl_lost = f->rx.lost;
	s->udptl_bad = f->rx.bad;
	s->fax_pages = f->pages;
	if (f->gw) {
		t38_stats_t st;

		t38_gateway_get_transfer_statistics(f->gw, &st);
		s->fax_pages = (unsigned long)st.pages_transferred;
	}
}

void media_fax_release(struct media_bridge *b)
{
	if (!b->fax)
		return;
	gw_free(b->fax);
	detectors_free(b->fax);
	free(b->fax);
	b->fax = NULL;
}

/* --- The loop's side ---------------------------------------------------- */

int media_bridge_fax(struct media *m, struct media_bridge *b, enum media_fax_mode mode, const struct media_fax_t38 *t38)
{
	struct media_cmd *c;
	struct sockaddr_storage ss;
	socklen_t len;

	(void)m;
	if (b->stop_requested || (mode != MEDIA_FAX_AUDIO && mode != MEDIA_FAX_PASSTHROUGH && mode != MEDIA_FAX_T38))
		return -EINVAL;
	if (mode == MEDIA_FAX_T38 && (!t38 || peer_addr(t38->remote_addr, t38->remote_port, &ss, &len) < 0))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->fax = calloc(1, sizeof(*c->fax)))) {
		free(c);
		return -ENOMEM;
	}
	c->type = CMD_FAX;
	c->b = b;
	c->fax->mode = mode;
	if (t38)
		c->fax->t38 = *t38;
	media_post_cmd(b->w, c);
	return 0;
}
