/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet loss concealment toward the B-channel (SpanDSP's plc). */
#include "config.h"

#include "gateway/media_plc.h"
#include "gateway/g711.h"
#include "gateway/media_int.h"

#include <errno.h>
#include <string.h>

#include <spandsp.h>

size_t media_plc_fill(void *plc, struct rtp_jb *jb, int law_alaw, uint8_t *out, size_t len)
{
	uint8_t miss[TDM_AUDIO_MAX];
	int16_t lin[TDM_AUDIO_MAX];
	enum tdm_span_law law = law_alaw ? TDM_LAW_ALAW : TDM_LAW_ULAW;
	size_t n, i = 0;

	if (len > TDM_AUDIO_MAX)
		len = TDM_AUDIO_MAX;
	n = rtp_jb_get_mask(jb, out, miss, len);
	if (!plc)
		return 0;
	/* The history has to see every good sample, so plc_rx runs on all of
	 * them; each gap (a run of missing samples) is filled in. */
	law_decode(law, out, lin, len);
	while (i < len) {
		size_t j = i;

		while (j < len && miss[j] == miss[i])
			j++;
		if (miss[i]) {
			plc_fillin(plc, lin + i, (int)(j - i));
			law_encode(law, lin + i, out + i, j - i);
		} else {
			plc_rx(plc, lin + i, (int)(j - i));
		}
		i = j;
	}
	return n;
}

int media_plc_start(struct media_bridge *b)
{
	if (!b->want_plc)
		return 0;
	b->plc = plc_init(NULL);
	return b->plc ? 0 : -ENOMEM;
}

void media_plc_get(struct media_bridge *b, uint8_t *out, size_t len)
{
	/* no concealment under a fax: a made-up waveform breaks the modem's
	 * demodulation worse than the gap it fills */
	b->st.plc_samples +=
	    media_plc_fill(b->fax_passthrough ? NULL : b->plc, &b->jb, b->law == TDM_LAW_ALAW, out, len);
}

void media_plc_release(struct media_bridge *b)
{
	if (b->plc)
		plc_free(b->plc);
	b->plc = NULL;
}
