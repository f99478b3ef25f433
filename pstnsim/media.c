/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pstnsim's per-call audio: sources, DTMF (SpanDSP dtmf_tx/dtmf_rx), fax terminals (SpanDSP fax_state, T.30
 * with TIFF-F files), tone meter, recording, WAV files. */
#include "config.h"

#include "pstnsim/media.h"
#include "pstnsim/tone.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIP_MAX (16 * 1024 * 1024) /* ~35 minutes at 8 kHz */
#define CHUNK    160

struct sim_clip {
	uint8_t *data;
	size_t len;
};

struct sim_media {
	struct sim_actions act;
	const struct sim_clip *clip;
	size_t clip_pos;
	int alaw, rec_fd;
	long recorded;
	unsigned long sent; /* samples sent while active */
	int dtmf_queued;
	struct sim_tone tone;
	struct sim_meter meter;
	dtmf_tx_state_t *dtx;
	dtmf_rx_state_t *drx;
	int16_t *eline; /* echo:DELAY:LEVEL: received audio, scaled, waiting to go back (a ring of elen) */
	size_t elen;
	unsigned long ew, er; /* written and read, in samples; ew starts DELAY ahead */
	double egain;
	fax_state_t *fax;
	int fax_done, fax_status, fax_pages;
	int fax_runs;   /* fax terminals started in the call (fax-again: 2) */
	long fax_pause; /* samples of silence left before the next fax; 0: none pending */
	char digits[SIM_DIGITS_MAX * 4];
	size_t ndigits;
	int new_digits;
};

/* --- Files to play --------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* RIFF/WAVE: the "fmt " chunk (format 1 PCM 16-bit, 6 A-law, 7 mu-law;
 * mono, 8000 Hz), then "data". Every read is checked against the end. */
static int wav_decode(struct sim_clip *c, int alaw, char *err, size_t errlen)
{
	const uint8_t *p = c->data + 12, *end = c->data + c->len, *data = NULL;
	uint32_t dlen = 0;
	int fmt = -1, chans = 0, rate = 0, bits = 0;
	uint8_t *out;
	size_t n;

	while (end - p >= 8) {
		uint32_t clen = le32(p + 4);

		if (clen > (size_t)(end - p - 8))
			clen = (uint32_t)(end - p - 8); /* a truncated last chunk */
		if (memcmp(p, "fmt ", 4) == 0 && clen >= 16) {
			fmt = le16(p + 8);
			chans = le16(p + 10);
			rate = (int)le32(p + 12);
			bits = le16(p + 22);
		} else if (memcmp(p, "data", 4) == 0) {
			data = p + 8;
			dlen = clen;
		}
		p += 8 + clen + (clen & 1);
	}
	if (!data || chans != 1 || rate != 8000 || !((fmt == 1 && bits == 16) || fmt == 6 || fmt == 7)) {
		snprintf(err, errlen, "WAV: need 8 kHz mono 16-bit PCM, A-law or mu-law (format %d, %d ch, %d Hz)", fmt,
			 chans, rate);
		return -EINVAL;
	}
	n = fmt == 1 ? dlen / 2 : dlen;
	out = malloc(n ? n : 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (fmt == 1)
			out[i] = sim_g711_encode(alaw, (int16_t)le16(data + 2 * i));
		else if ((fmt == 6) == (alaw != 0))
			out[i] = data[i];
		else
			out[i] = sim_g711_encode(alaw, sim_g711_decode(fmt == 6, data[i]));
	}
	free(c->data);
	c->data = out;
	c->len = n;
	return 0;
}

int sim_clip_load(const char *path, int alaw, struct sim_clip **out, char *err, size_t errlen)
{
	struct sim_clip *c = calloc(1, sizeof(*c));
	FILE *f = NULL;
	size_t cap = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (!c)
		goto out;
	if (!(f = fopen(path, "rb"))) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	for (;;) {
		size_t got;

		if (c->len == cap) {
			uint8_t *d;

			if (cap >= CLIP_MAX) {
				rc = -EFBIG;
				snprintf(err, errlen, "%s: larger than %d octets", path, CLIP_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(d = realloc(c->data, cap)))
				goto out;
			c->data = d;
		}
		got = fread(c->data + c->len, 1, cap - c->len, f);
		c->len += got;
		if (got == 0)
			break;
	}
	rc = 0;
	if (c->len >= 12 && memcmp(c->data, "RIFF", 4) == 0 && memcmp(c->data + 8, "WAVE", 4) == 0)
		rc = wav_decode(c, alaw, err, errlen);
out:
	if (f)
		fclose(f);
	if (rc < 0)
		sim_clip_free(c);
	else
		*out = c;
	return rc;
}

size_t sim_clip_len(const struct sim_clip *c)
{
	return c ? c->len : 0;
}

void sim_clip_free(struct sim_clip *c)
{
	if (!c)
		return;
	free(c->data);
	free(c);
}

/* --- A call's audio ------------------------------------------------------ */

static void on_digits(void *user_data, const char *digits, int len)
{
	struct sim_media *m = user_data;

	for (int i = 0; i < len; i++) {
		if (m->ndigits + 1 < sizeof(m->digits))
			m->digits[m->ndigits++] = digits[i];
		m->new_digits++;
	}
	m->digits[m->ndigits] = '\0';
}

/* T.30 phase E: the fax call is over, well or not. */
static void on_fax_end(t30_state_t *t, void *user, int completion)
{
	struct sim_media *m = user;
	t30_stats_t st;

	t30_get_transfer_statistics(t, &st);
	m->fax_done = 1;
	m->fax_status = completion;
	m->fax_pages = m->act.src == SIM_SRC_FAX_SEND ? st.pages_tx : st.pages_rx;
}

static int fax_start(struct sim_media *m)
{
	int send = m->act.src == SIM_SRC_FAX_SEND;
	t30_state_t *t;

	/* the sender is the calling party: it sends CNG and waits for CED */
	if (m->fax)
		fax_free(m->fax);
	m->fax_done = 0;
	if (!(m->fax = fax_init(NULL, send)))
		return -ENOMEM;
	m->fax_runs++;
	t = fax_get_t30_state(m->fax);
	t30_set_tx_ident(t, send ? "PSTNSIM SEND" : "PSTNSIM RECV");
	t30_set_supported_modems(t, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_ecm_capability(t, 1);
	t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
					      T30_SUPPORT_T6_COMPRESSION);
	t30_set_phase_e_handler(t, on_fax_end, m);
	if (send)
		t30_set_tx_file(t, m->act.fax, -1, -1);
	else
		t30_set_rx_file(t, m->act.fax, -1);
	return 0;
}

int sim_media_fax_again(struct sim_media *m)
{
	if (!m->fax || !m->fax_done || m->act.fax_again_ms <= 0 || m->fax_runs != 1 || m->fax_pause)
		return 0;
	m->fax_done = 0; /* running again (paused) */
	m->fax_pause = (long)m->act.fax_again_ms * 8;
	return 1;
}

int sim_media_fax(const struct sim_media *m, int *status, int *pages, const char **text)
{
	if (!m->fax)
		return -1;
	*status = m->fax_status;
	*pages = m->fax_pages;
	*text = m->fax_done ? t30_completion_code_to_str(m->fax_status) : "running";
	return m->fax_done;
}

int sim_media_new(const struct sim_actions *act, const struct sim_clip *clip, int alaw, const char *record_path,
		  struct sim_media **out)
{
	struct sim_media *m = calloc(1, sizeof(*m));
	int rc = -ENOMEM;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->act = *act;
	m->clip = clip;
	m->alaw = alaw;
	m->rec_fd = -1;
	sim_tone_init(&m->tone, act->src == SIM_SRC_TONE ? act->tone_hz : 0,
		      act->tone_level ? (int)lrint(SIM_DBM0_PEAK * pow(10, act->tone_dbm0 / 20)) : 10000, alaw);
	sim_meter_init(&m->meter, act->tone_hz > 0 ? act->tone_hz : 1004, alaw);
	if (act->dtmf[0] && !(m->dtx = dtmf_tx_init(NULL)))
		goto fail;
	if (act->src == SIM_SRC_ECHO && act->echo_line) {
		m->elen = (size_t)act->echo_delay_ms * 8 + 4096;
		m->ew = (unsigned long)act->echo_delay_ms * 8;
		m->egain = pow(10, act->echo_level_db / 20.0);
		if (!(m->eline = calloc(m->elen, sizeof(int16_t))))
			goto fail;
	}
	if (act->detect && !(m->drx = dtmf_rx_init(NULL, on_digits, m)))
		goto fail;
	if ((act->src == SIM_SRC_FAX_SEND || act->src == SIM_SRC_FAX_RECV) && fax_start(m) < 0)
		goto fail;
	if (record_path) {
		m->rec_fd = open(record_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (m->rec_fd < 0) {
			rc = -errno;
			goto fail;
		}
	}
	*out = m;
	return 0;
fail:
	sim_media_free(m);
	return rc;
}

static void fill_source(struct sim_media *m, uint8_t *buf, size_t n)
{
	size_t k = 0;

	if (m->act.src == SIM_SRC_TONE) {
		sim_tone_fill(&m->tone, buf, n);
		return;
	}
	if (m->eline) {
		/* A line echo: what arrived DELAY ago (silence while short). */
		for (size_t i = 0; i < n; i++)
			buf[i] = sim_g711_encode(m->alaw, m->er < m->ew ? m->eline[m->er++ % m->elen] : 0);
		return;
	}
	if (m->fax && m->fax_pause > 0) {
		/* between two faxes: quiet, then a fresh terminal (CNG again) */
		m->fax_pause -= (long)n;
		memset(buf, sim_g711_encode(m->alaw, 0), n);
		if (m->fax_pause <= 0) {
			m->fax_pause = 0;
			if (fax_start(m) < 0) {
				m->fax_done = 1;
				m->fax_status = -1;
			}
		}
		return;
	}
	if (m->fax) {
		int16_t pcm[CHUNK];

		for (size_t off = 0; off < n;) {
			size_t want = n - off < CHUNK ? n - off : CHUNK;
			int got = fax_tx(m->fax, pcm, (int)want);

			for (size_t i = 0; i < want; i++)
				buf[off + i] = sim_g711_encode(m->alaw, (int)i < got ? pcm[i] : 0);
			off += want;
		}
		return;
	}
	if (m->act.src == SIM_SRC_PLAY && m->clip && m->clip_pos < m->clip->len) {
		k = m->clip->len - m->clip_pos;
		if (k > n)
			k = n;
		memcpy(buf, m->clip->data + m->clip_pos, k);
		m->clip_pos += k;
	}
	memset(buf + k, sim_g711_encode(m->alaw, 0), n - k);
}

void sim_media_fill(struct sim_media *m, uint8_t *buf, size_t n)
{
	int16_t pcm[CHUNK];

	if (m->dtx && !m->dtmf_queued && m->sent >= (unsigned long)m->act.dtmf_ms * 8) {
		dtmf_tx_put(m->dtx, m->act.dtmf, -1);
		m->dtmf_queued = 1;
	}
	m->sent += n;
	fill_source(m, buf, n);
	if (!m->dtmf_queued)
		return;
	/* While digits are being sent they replace the source, gaps included. */
	for (size_t off = 0; off < n;) {
		size_t want = n - off < CHUNK ? n - off : CHUNK;
		int got = dtmf_tx(m->dtx, pcm, (int)want);

		if (got <= 0) {
			dtmf_tx_free(m->dtx);
			m->dtx = NULL;
			m->dtmf_queued = 0;
			break;
		}
		for (int i = 0; i < got; i++)
			buf[off + (size_t)i] = sim_g711_encode(m->alaw, pcm[i]);
		off += (size_t)got;
	}
}

int sim_media_echoes(const struct sim_media *m)
{
	return m->act.src == SIM_SRC_ECHO && !m->eline;
}

int sim_media_feed(struct sim_media *m, const uint8_t *buf, size_t n)
{
	int16_t pcm[CHUNK];

	sim_meter_feed(&m->meter, buf, n);
	for (size_t i = 0; m->eline && i < n; i++) {
		double v = sim_g711_decode(m->alaw, buf[i]) * m->egain;

		m->eline[m->ew++ % m->elen] = (int16_t)lrint(v);
		if (m->ew - m->er > m->elen)
			m->er = m->ew - m->elen; /* the clock fell behind: drop the oldest */
	}
	if (m->rec_fd >= 0 && m->recorded >= 0) {
		ssize_t w = write(m->rec_fd, buf, n);

		m->recorded = w == (ssize_t)n ? m->recorded + w : (w < 0 ? -errno : -EIO);
	}
	if (m->fax && !m->fax_pause) {
		for (size_t off = 0; off < n;) {
			size_t k = n - off < CHUNK ? n - off : CHUNK;

			for (size_t i = 0; i < k; i++)
				pcm[i] = sim_g711_decode(m->alaw, buf[off + i]);
			fax_rx(m->fax, pcm, (int)k);
			off += k;
		}
	}
	if (!m->drx)
		return 0;
	m->new_digits = 0;
	for (size_t off = 0; off < n;) {
		size_t k = n - off < CHUNK ? n - off : CHUNK;

		for (size_t i = 0; i < k; i++)
			pcm[i] = sim_g711_decode(m->alaw, buf[off + i]);
		dtmf_rx(m->drx, pcm, (int)k);
		off += k;
	}
	return m->new_digits;
}

const char *sim_media_digits(const struct sim_media *m)
{
	return m->digits;
}

double sim_media_tone_ratio(const struct sim_media *m)
{
	return sim_meter_ratio(&m->meter);
}

void sim_media_energy(const struct sim_media *m, double *tone, double *total)
{
	*tone = m->meter.tone_energy;
	*total = m->meter.total_energy;
}

long sim_media_recorded(const struct sim_media *m)
{
	return m->recorded;
}

void sim_media_free(struct sim_media *m)
{
	if (!m)
		return;
	if (m->dtx)
		dtmf_tx_free(m->dtx);
	if (m->drx)
		dtmf_rx_free(m->drx);
	if (m->fax)
		fax_free(m->fax);
	if (m->rec_fd >= 0)
		close(m->rec_fd);
	free(m->eline);
	free(m);
}
