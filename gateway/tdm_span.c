/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The span interface: E1/T1 geometry, names, and checks shared by backends. */
#include "config.h"

#include "gateway/tdm_span.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

int tdm_span_type_parse(const char *name, enum tdm_span_type *out)
{
	if (strcasecmp(name, "e1") == 0)
		*out = TDM_SPAN_E1;
	else if (strcasecmp(name, "t1") == 0)
		*out = TDM_SPAN_T1;
	else
		return -EINVAL;
	return 0;
}

int tdm_span_law_parse(const char *name, enum tdm_span_law *out)
{
	if (strcasecmp(name, "alaw") == 0)
		*out = TDM_LAW_ALAW;
	else if (strcasecmp(name, "ulaw") == 0 || strcasecmp(name, "mulaw") == 0)
		*out = TDM_LAW_ULAW;
	else
		return -EINVAL;
	return 0;
}

const char *tdm_span_type_name(enum tdm_span_type type)
{
	return type == TDM_SPAN_T1 ? "t1" : "e1";
}

const char *tdm_span_law_name(enum tdm_span_law law)
{
	return law == TDM_LAW_ULAW ? "ulaw" : "alaw";
}

int tdm_span_bchannels(enum tdm_span_type type)
{
	return type == TDM_SPAN_T1 ? 23 : 30;
}

int tdm_span_dchan_slot(enum tdm_span_type type)
{
	return type == TDM_SPAN_T1 ? 24 : 16;
}

int tdm_span_bchan_valid(enum tdm_span_type type, int ch)
{
	if (type == TDM_SPAN_T1)
		return ch >= 1 && ch <= 23;
	return ch >= 1 && ch <= 31 && ch != 16;
}

int tdm_span_bchan_nth(enum tdm_span_type type, int n)
{
	if (n < 0 || n >= tdm_span_bchannels(type))
		return 0;
	/* E1: timeslot 16 carries the D-channel (G.704 5.1.3.1). */
	return (type == TDM_SPAN_E1 && n >= 15) ? n + 2 : n + 1;
}

const struct tdm_span_config *tdm_span_config(const struct tdm_span *span)
{
	return &span->cfg;
}

const struct tdm_span_stats *tdm_span_stats(const struct tdm_span *span)
{
	return &span->stats;
}

int tdm_span_dchan_fd(const struct tdm_span *span)
{
	return span->dchan_fd;
}

int tdm_span_audio_fd(const struct tdm_span *span)
{
	return span->audio_fd;
}

int tdm_span_dchan_write(struct tdm_span *span, const uint8_t *frame, size_t len)
{
	int rc;

	if (len < TDM_DFRAME_MIN || len > TDM_DFRAME_MAX)
		return -EINVAL;
	rc = span->ops->dchan_write(span, frame, len);
	if (rc == 0)
		span->stats.d_tx++;
	if (rc == 0 && span->pcap)
		tdm_span_pcap_frame(span, 1, frame, len);
	return rc;
}

int tdm_span_dchan_read(struct tdm_span *span, uint8_t *buf, size_t size, size_t *len)
{
	int rc;

	*len = 0;
	if (size < TDM_DFRAME_MAX)
		return -EINVAL;
	rc = span->ops->dchan_read(span, buf, size, len);
	if (rc == 0)
		span->stats.d_rx++;
	if (rc == 0 && span->pcap)
		tdm_span_pcap_frame(span, 0, buf, *len);
	else if (rc == -EBADMSG)
		span->stats.d_bad++;
	return rc;
}

int tdm_span_audio_write(struct tdm_span *span, int ch, const uint8_t *buf, size_t len)
{
	int rc;

	if (!tdm_span_bchan_valid(span->cfg.type, ch) || len < 1 || len > TDM_AUDIO_MAX)
		return -EINVAL;
	rc = span->ops->audio_write(span, ch, buf, len);
	if (rc == 0)
		span->stats.b_tx += len;
	else if (rc == -EAGAIN)
		span->stats.b_dropped++;
	return rc;
}

void tdm_span_audio_cork(struct tdm_span *span, int on)
{
	if (span->ops->audio_cork)
		span->ops->audio_cork(span, on);
}

int tdm_span_audio_flush(struct tdm_span *span)
{
	return span->ops->audio_flush ? span->ops->audio_flush(span) : 0;
}

int tdm_span_audio_read(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len)
{
	int rc;

	*ch = 0;
	*len = 0;
	rc = span->ops->audio_read(span, ch, buf, size, len);
	if (rc == 0 && !tdm_span_bchan_valid(span->cfg.type, *ch))
		rc = -EBADMSG;
	if (rc == 0)
		span->stats.b_rx += *len;
	else if (rc == -EBADMSG)
		span->stats.b_bad++;
	return rc;
}

void tdm_span_free(struct tdm_span *span)
{
	if (!span)
		return;
	tdm_span_pcap_close(span);
	span->ops->free(span);
}

int tdm_span_poll_event(struct tdm_span *span, struct tdm_span_event *ev)
{
	if (!span->ops->poll_event)
		return -EAGAIN;
	return span->ops->poll_event(span, ev);
}

unsigned tdm_span_alarms(const struct tdm_span *span)
{
	return span->ops->alarms ? span->ops->alarms(span) : 0;
}

const char *tdm_span_event_name(enum tdm_span_event_type type)
{
	static const char *const names[] = {
	    [TDM_EV_ALARM] = "alarm",     [TDM_EV_NOALARM] = "no-alarm", [TDM_EV_BADFCS] = "bad-fcs",
	    [TDM_EV_ABORT] = "abort",     [TDM_EV_OVERRUN] = "overrun",  [TDM_EV_UNDERRUN] = "underrun",
	    [TDM_EV_REMOVED] = "removed", [TDM_EV_OTHER] = "other",
	};

	if ((unsigned)type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "?";
	return names[type];
}

int tdm_span_audio_fds(const struct tdm_span *span, int *fds, int *chs, int max)
{
	if (span->ops->audio_fds)
		return span->ops->audio_fds(span, fds, chs, max);
	if (max < 1)
		return 0;
	fds[0] = span->audio_fd;
	chs[0] = 0;
	return 1;
}

int tdm_span_audio_read_ch(struct tdm_span *span, int ch, uint8_t *buf, size_t size, size_t *len)
{
	int rc;

	*len = 0;
	if (!span->ops->audio_read_ch)
		return -EOPNOTSUPP;
	if (!tdm_span_bchan_valid(span->cfg.type, ch))
		return -EINVAL;
	rc = span->ops->audio_read_ch(span, ch, buf, size, len);
	if (rc == 0)
		span->stats.b_rx += *len;
	else if (rc == -EBADMSG)
		span->stats.b_bad++;
	return rc;
}

int tdm_span_echo_cancel(struct tdm_span *span, int ch, unsigned tail_ms)
{
	if (!span->ops->echo_cancel)
		return -EOPNOTSUPP;
	if (!tdm_span_bchan_valid(span->cfg.type, ch))
		return -EINVAL;
	/* DAHDI's cancellers take at most 1024 taps (128 ms). */
	return span->ops->echo_cancel(span, ch, tail_ms > 128 ? 1024 : tail_ms * 8);
}
