/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DAHDI span backend: one /dev/dahdi/channel fd per channel, the D-channel an HDLC channel; the only includer of
 * <dahdi/user.h>. */
#include "config.h"

#include "common/log.h"
#include "gateway/tdm_span.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <dahdi/user.h>

#define TAG "dahdi"

/* DAHDI appends the received FCS to each frame it reads from an HDLC
 * channel, and expects two octets of room for the FCS it computes at the
 * end of each frame written ("dchan": DAHDI's own HDLC engine;
 * "hardhdlc": the card's, same interface). */
#define HDLC_FCS 2
/* The D-channel's buffers: as chan_dahdi sets them for a PRI D-channel. */
#define DCHAN_BUFSIZE 1024
#define DCHAN_NUMBUFS 32
/* Events held for tdm_span_poll_event, and how many ELAST rounds one read
 * or write handles before giving up for this wake-up. */
#define EVQ_LEN    16
#define ELAST_MAX  8
#define DEF_BLOCK  160 /* 20 ms at 8 kHz */
#define DEF_NUMBUF 4

struct tdm_dahdi {
	struct tdm_span base; /* base.dchan_fd, base.audio_fd: epoll fds (see dahdi_epoll) */
	int span_no, dslot, blocksize;
	int dfd;                              /* the D-channel's device fd */
	int bfd[TDM_SPAN_MAX_CHANNELS + 1];   /* B-channel device fds by timeslot, -1 if none */
	int ready[TDM_SPAN_MAX_CHANNELS + 1]; /* timeslots epoll reported readable, not yet read */
	int nready, pos;
	unsigned alarms;
	struct tdm_span_event evq[EVQ_LEN];
	unsigned evhead, evcount;
};

static struct tdm_dahdi *to_dahdi(struct tdm_span *span)
{
	return (struct tdm_dahdi *)span;
}

static unsigned map_alarms(unsigned a)
{
	unsigned out = 0;

	if (a & (DAHDI_ALARM_RED | DAHDI_ALARM_LOS | DAHDI_ALARM_LFA | DAHDI_ALARM_LMFA))
		out |= TDM_ALARM_RED;
	if (a & DAHDI_ALARM_YELLOW)
		out |= TDM_ALARM_YELLOW;
	if (a & DAHDI_ALARM_BLUE)
		out |= TDM_ALARM_BLUE;
	if (a & DAHDI_ALARM_LOOPBACK)
		out |= TDM_ALARM_LOOPBACK;
	if (a & DAHDI_ALARM_RECOVER)
		out |= TDM_ALARM_RECOVER;
	if (a & DAHDI_ALARM_NOTOPEN)
		out |= TDM_ALARM_NOTOPEN;
	return out;
}

static void queue_event(struct tdm_dahdi *t, enum tdm_span_event_type type, int ch, int code)
{
	struct tdm_span_event *ev;

	if (t->evcount == EVQ_LEN) { /* drop the oldest */
		t->evhead = (t->evhead + 1) % EVQ_LEN;
		t->evcount--;
	}
	ev = &t->evq[(t->evhead + t->evcount) % EVQ_LEN];
	t->evcount++;
	ev->type = type;
	ev->ch = ch;
	ev->alarms = t->alarms;
	ev->code = code;
}

/* read() or write() failed with ELAST: an event is pending on fd (DAHDI
 * refuses data I/O until DAHDI_GETEVENT has taken it). Take one. */
static void take_event(struct tdm_dahdi *t, int fd, int ch)
{
	struct dahdi_params p;
	int e = 0;

	if (ioctl(fd, DAHDI_GETEVENT, &e) < 0) {
		LOG_W(TAG, "span %d ch %d: DAHDI_GETEVENT: %s", t->base.cfg.id, ch, strerror(errno));
		return;
	}
	switch (e) {
	case DAHDI_EVENT_NONE:
		return;
	case DAHDI_EVENT_ALARM:
	case DAHDI_EVENT_NOALARM:
		memset(&p, 0, sizeof(p));
		if (ioctl(fd, DAHDI_GET_PARAMS, &p) == 0)
			t->alarms = map_alarms(p.chan_alarms);
		else if (e == DAHDI_EVENT_NOALARM)
			t->alarms = 0;
		else
			t->alarms |= TDM_ALARM_RED;
		log_msg(e == DAHDI_EVENT_ALARM ? LOG_WARNING : LOG_NOTICE, TAG, "span %d ch %d: %s, alarms 0x%x",
			t->base.cfg.id, ch, e == DAHDI_EVENT_ALARM ? "alarm" : "alarm cleared", t->alarms);
		queue_event(t, e == DAHDI_EVENT_ALARM ? TDM_EV_ALARM : TDM_EV_NOALARM, ch, e);
		return;
	case DAHDI_EVENT_BADFCS:
	case DAHDI_EVENT_ABORT:
		/* The device discarded the frame; Q.921 recovers it. */
		t->base.stats.d_bad++;
		LOG_W(TAG, "span %d ch %d: D-channel frame %s", t->base.cfg.id, ch,
		      e == DAHDI_EVENT_BADFCS ? "with a bad FCS" : "aborted");
		queue_event(t, e == DAHDI_EVENT_BADFCS ? TDM_EV_BADFCS : TDM_EV_ABORT, ch, e);
		return;
	case DAHDI_EVENT_OVERRUN:
	case DAHDI_EVENT_READ_OVERRUN:
		queue_event(t, TDM_EV_OVERRUN, ch, e);
		return;
	case DAHDI_EVENT_WRITE_UNDERRUN:
		queue_event(t, TDM_EV_UNDERRUN, ch, e);
		return;
	case DAHDI_EVENT_REMOVED:
		LOG_E(TAG, "span %d ch %d: device removed", t->base.cfg.id, ch);
		queue_event(t, TDM_EV_REMOVED, ch, e);
		return;
	default:
		LOG_D(TAG, "span %d ch %d: event %d", t->base.cfg.id, ch, e);
		queue_event(t, TDM_EV_OTHER, ch, e);
		return;
	}
}

static int io_err(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK)
		return -EAGAIN;
	if (err == ENODEV || err == EPIPE || err == EUNATCH)
		return -EPIPE; /* the channel or span went away */
	return -err;
}

static int ddchan_read(struct tdm_span *span, uint8_t *buf, size_t size, size_t *len)
{
	struct tdm_dahdi *t = to_dahdi(span);
	uint8_t msg[TDM_DFRAME_MAX + HDLC_FCS + 1];
	ssize_t n;

	for (int i = 0; i < ELAST_MAX; i++) {
		/* One read = one frame; DAHDI truncates a frame longer than the
		 * buffer, so one octet of slack shows an over-long one. */
		n = read(t->dfd, msg, sizeof(msg));
		if (n < 0 && errno == ELAST) {
			take_event(t, t->dfd, t->dslot);
			continue;
		}
		if (n < 0)
			return io_err(errno);
		if (n == 0)
			return -EAGAIN;
		if ((size_t)n < TDM_DFRAME_MIN + HDLC_FCS || (size_t)n > TDM_DFRAME_MAX + HDLC_FCS)
			return -EBADMSG;
		/* Q.921 3.3.1: the address field is two octets, EA = 0 then 1. */
		if ((msg[0] & 1) != 0 || (msg[1] & 1) != 1 || (size_t)n - HDLC_FCS > size)
			return -EBADMSG;
		/* The FCS was checked by the device (a bad one is an event). */
		memcpy(buf, msg, (size_t)n - HDLC_FCS);
		*len = (size_t)n - HDLC_FCS;
		return 0;
	}
	return -EAGAIN;
}

static int ddchan_write(struct tdm_span *span, const uint8_t *frame, size_t len)
{
	struct tdm_dahdi *t = to_dahdi(span);
	uint8_t msg[TDM_DFRAME_MAX + HDLC_FCS];

	/* Room for the FCS, which the device computes and fills in. */
	memcpy(msg, frame, len);
	msg[len] = msg[len + 1] = 0;
	for (int i = 0; i < ELAST_MAX; i++) {
		if (write(t->dfd, msg, len + HDLC_FCS) >= 0)
			return 0;
		if (errno != ELAST)
			return io_err(errno);
		take_event(t, t->dfd, t->dslot);
	}
	return -EAGAIN;
}

static int daudio_write(struct tdm_span *span, int ch, const uint8_t *buf, size_t len)
{
	struct tdm_dahdi *t = to_dahdi(span);
	size_t off = 0, chunk;
	ssize_t n;
	int tries = 0;

	if (t->bfd[ch] < 0)
		return -EINVAL;
	/* A DAHDI channel takes at most one block per write. */
	while (off < len) {
		chunk = len - off < (size_t)t->blocksize ? len - off : (size_t)t->blocksize;
		n = write(t->bfd[ch], buf + off, chunk);
		if (n < 0 && errno == ELAST && tries++ < ELAST_MAX) {
			take_event(t, t->bfd[ch], ch);
			continue;
		}
		if (n < 0)
			return io_err(errno);
		off += (size_t)n;
	}
	return 0;
}

static int daudio_read_ch(struct tdm_span *span, int ch, uint8_t *buf, size_t size, size_t *len)
{
	struct tdm_dahdi *t = to_dahdi(span);
	ssize_t n;

	if (t->bfd[ch] < 0)
		return -EINVAL;
	for (int i = 0; i < ELAST_MAX; i++) {
		n = read(t->bfd[ch], buf, size);
		if (n < 0 && errno == ELAST) {
			take_event(t, t->bfd[ch], ch);
			continue;
		}
		if (n < 0)
			return io_err(errno);
		if (n == 0)
			return -EAGAIN;
		*len = (size_t)n;
		return 0;
	}
	return -EAGAIN;
}

/* The multiplexed read: the channels the audio epoll fd reports, one
 * block each, then ask epoll again (level-triggered: a channel with more
 * than one block pending comes back). */
static int daudio_read(struct tdm_span *span, int *ch, uint8_t *buf, size_t size, size_t *len)
{
	struct tdm_dahdi *t = to_dahdi(span);
	struct epoll_event evs[TDM_SPAN_MAX_CHANNELS];
	int n, rc, refills = 0;

	for (;;) {
		if (t->pos >= t->nready) {
			if (refills++ == 2)
				return -EAGAIN;
			n = epoll_wait(t->base.audio_fd, evs, TDM_SPAN_MAX_CHANNELS, 0);
			if (n < 0)
				return errno == EINTR ? -EAGAIN : -errno;
			if (n == 0)
				return -EAGAIN;
			for (int i = 0; i < n; i++)
				t->ready[i] = (int)evs[i].data.u32;
			t->nready = n;
			t->pos = 0;
		}
		*ch = t->ready[t->pos++];
		rc = daudio_read_ch(span, *ch, buf, size, len);
		if (rc != -EAGAIN)
			return rc;
	}
}

static int dpoll_event(struct tdm_span *span, struct tdm_span_event *ev)
{
	struct tdm_dahdi *t = to_dahdi(span);

	if (!t->evcount)
		return -EAGAIN;
	*ev = t->evq[t->evhead];
	t->evhead = (t->evhead + 1) % EVQ_LEN;
	t->evcount--;
	return 0;
}

static unsigned dalarms(const struct tdm_span *span)
{
	return ((const struct tdm_dahdi *)span)->alarms;
}

static int daudio_fds(const struct tdm_span *span, int *fds, int *chs, int max)
{
	const struct tdm_dahdi *t = (const struct tdm_dahdi *)span;
	int n = 0;

	for (int ch = 1; ch <= TDM_SPAN_MAX_CHANNELS && n < max; ch++) {
		if (t->bfd[ch] < 0)
			continue;
		fds[n] = t->bfd[ch];
		chs[n++] = ch;
	}
	return n;
}

/* The channel's echo canceller: DAHDI_ECHOCANCEL_PARAMS with no
 * parameters (the module's defaults), taps 0 turning it off. */
static int decho_cancel(struct tdm_span *span, int ch, unsigned taps)
{
	struct tdm_dahdi *t = to_dahdi(span);
	struct dahdi_echocanparams ecp;

	if (t->bfd[ch] < 0)
		return -EINVAL;
	memset(&ecp, 0, sizeof(ecp));
	ecp.tap_length = taps;
	if (ioctl(t->bfd[ch], DAHDI_ECHOCANCEL_PARAMS, &ecp) < 0) {
		int err = errno;

		LOG_W(TAG, "span %d ch %d: DAHDI_ECHOCANCEL_PARAMS(%u taps): %s", span->cfg.id, ch, taps,
		      strerror(err));
		return -err;
	}
	return 0;
}

static void dfree(struct tdm_span *span)
{
	struct tdm_dahdi *t = to_dahdi(span);

	for (int ch = 0; ch <= TDM_SPAN_MAX_CHANNELS; ch++)
		if (t->bfd[ch] >= 0)
			close(t->bfd[ch]);
	if (t->dfd >= 0)
		close(t->dfd);
	if (span->dchan_fd >= 0)
		close(span->dchan_fd);
	if (span->audio_fd >= 0)
		close(span->audio_fd);
	free(t);
}

static const struct tdm_span_ops dahdi_ops = {
    .name = "dahdi",
    .dchan_write = ddchan_write,
    .dchan_read = ddchan_read,
    .audio_write = daudio_write,
    .audio_read = daudio_read,
    .free = dfree,
    .poll_event = dpoll_event,
    .alarms = dalarms,
    .audio_fds = daudio_fds,
    .audio_read_ch = daudio_read_ch,
    .echo_cancel = decho_cancel,
};

/* --- Opening --------------------------------------------------------- */

static void dev_path(const struct tdm_dahdi_config *dcfg, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", dcfg->path ? dcfg->path : "/dev/dahdi", name);
}

/* DAHDI_SPANSTAT on the control device: check the span's size against
 * the configured type, take its alarms, and (basechan 0) number its
 * first channel: DAHDI numbers channels across spans in span order. */
static int span_stat(struct tdm_dahdi *t, const struct tdm_dahdi_config *dcfg, int *basechan)
{
	struct dahdi_spaninfo si;
	char path[256];
	int fd, rc = 0, first = 1, want = t->base.cfg.type == TDM_SPAN_T1 ? 24 : 31;

	dev_path(dcfg, "ctl", path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int s = dcfg->basechan ? t->span_no : 1; s <= t->span_no; s++) {
		memset(&si, 0, sizeof(si));
		si.spanno = s;
		if (ioctl(fd, DAHDI_SPANSTAT, &si) < 0) {
			rc = errno == EINVAL ? -ENXIO : -errno;
			LOG_E(TAG, "span %d: DAHDI_SPANSTAT for DAHDI span %d: %s", t->base.cfg.id, s, strerror(errno));
			goto out;
		}
		if (s < t->span_no)
			first += si.totalchans;
	}
	if (si.totalchans != want) {
		LOG_E(TAG, "span %d: DAHDI span %d has %d channels, a %s has %d", t->base.cfg.id, t->span_no,
		      si.totalchans, tdm_span_type_name(t->base.cfg.type), want);
		rc = -EPROTO;
		goto out;
	}
	t->alarms = map_alarms((unsigned)si.alarms);
	*basechan = dcfg->basechan ? dcfg->basechan : first;
out:
	close(fd);
	return rc;
}

/* Open /dev/dahdi/channel, bind it to channo (DAHDI_SPECIFY) and check
 * that it is timeslot ts of our span with signalling sig (or sig2). */
static int open_chan(struct tdm_dahdi *t, const struct tdm_dahdi_config *dcfg, int channo, int ts, int sig, int sig2,
		     int *out)
{
	struct dahdi_params p;
	char path[256];
	int fd, rc = 0;

	dev_path(dcfg, "channel", path, sizeof(path));
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, DAHDI_SPECIFY, &channo) < 0) {
		rc = -errno;
		LOG_E(TAG, "span %d: DAHDI_SPECIFY channel %d: %s", t->base.cfg.id, channo, strerror(errno));
		goto fail;
	}
	memset(&p, 0, sizeof(p));
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0) {
		rc = -errno;
		goto fail;
	}
	if (p.spanno != t->span_no || p.chanpos != ts) {
		LOG_E(TAG, "span %d: DAHDI channel %d is span %d position %d, not span %d timeslot %d", t->base.cfg.id,
		      channo, p.spanno, p.chanpos, t->span_no, ts);
		rc = -EPROTO;
		goto fail;
	}
	if (p.sigtype != sig && p.sigtype != sig2) {
		LOG_E(TAG, "span %d: DAHDI channel %d (timeslot %d) has signalling 0x%x, want 0x%x (see system.conf)",
		      t->base.cfg.id, channo, ts, (unsigned)p.sigtype, (unsigned)sig);
		rc = -EPROTO;
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static int setup_dchan(struct tdm_dahdi *t)
{
	struct dahdi_bufferinfo bi = {.txbufpolicy = DAHDI_POLICY_IMMEDIATE,
				      .rxbufpolicy = DAHDI_POLICY_IMMEDIATE,
				      .numbufs = DCHAN_NUMBUFS,
				      .bufsize = DCHAN_BUFSIZE};

	return ioctl(t->dfd, DAHDI_SET_BUFINFO, &bi) < 0 ? -errno : 0;
}

static int setup_bchan(struct tdm_dahdi *t, int fd, int numbufs)
{
	struct dahdi_bufferinfo bi = {.txbufpolicy = DAHDI_POLICY_IMMEDIATE,
				      .rxbufpolicy = DAHDI_POLICY_IMMEDIATE,
				      .numbufs = numbufs,
				      .bufsize = t->blocksize};
	int law = t->base.cfg.law == TDM_LAW_ULAW ? DAHDI_LAW_MULAW : DAHDI_LAW_ALAW;
	struct dahdi_params p;

	/* The block is the unit of every read and write (20 ms by default);
	 * buffers are that size, played and recorded as soon as one is full. */
	if (ioctl(fd, DAHDI_SET_BLOCKSIZE, &t->blocksize) < 0 || ioctl(fd, DAHDI_SET_BUFINFO, &bi) < 0 ||
	    ioctl(fd, DAHDI_SETLAW, &law) < 0)
		return -errno;
	memset(&p, 0, sizeof(p));
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) < 0)
		return -errno;
	if (p.curlaw != law) {
		LOG_E(TAG, "span %d: the channel kept law %d, not %d", t->base.cfg.id, p.curlaw, law);
		return -EPROTO;
	}
	return 0;
}

/* The fds the loop watches are epoll fds: a DAHDI channel signals a
 * pending event with POLLPRI only, which a GW_READ watch would miss; an
 * epoll fd is readable when any member has EPOLLIN or EPOLLPRI. */
static int dahdi_epoll(int *epfd)
{
	*epfd = epoll_create1(EPOLL_CLOEXEC);
	return *epfd < 0 ? -errno : 0;
}

static int epoll_add(int epfd, int fd, int ch)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLPRI, .data.u32 = (uint32_t)ch};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int open_bchans(struct tdm_dahdi *t, const struct tdm_dahdi_config *dcfg, int basechan)
{
	int rc, ch, fd;

	for (int n = 0; n < tdm_span_bchannels(t->base.cfg.type); n++) {
		ch = tdm_span_bchan_nth(t->base.cfg.type, n);
		if ((rc = open_chan(t, dcfg, basechan + ch - 1, ch, DAHDI_SIG_CLEAR, DAHDI_SIG_CLEAR, &fd)) < 0)
			return rc;
		t->bfd[ch] = fd;
		if ((rc = setup_bchan(t, fd, dcfg->numbufs > 0 ? dcfg->numbufs : DEF_NUMBUF)) < 0) {
			LOG_E(TAG, "span %d: channel %d (timeslot %d): %s", t->base.cfg.id, basechan + ch - 1, ch,
			      strerror(-rc));
			return rc;
		}
		if ((rc = epoll_add(t->base.audio_fd, fd, ch)) < 0)
			return rc;
	}
	return 0;
}

int tdm_span_dahdi_open(const struct tdm_span_config *cfg, const struct tdm_dahdi_config *dcfg, struct tdm_span **out)
{
	struct tdm_dahdi *t;
	int rc, basechan = 0;

	*out = NULL;
	if ((cfg->type != TDM_SPAN_E1 && cfg->type != TDM_SPAN_T1) || dcfg->span < 1 || dcfg->basechan < 0 ||
	    dcfg->blocksize < 0 || dcfg->blocksize > TDM_AUDIO_MAX || dcfg->numbufs < 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->base.ops = &dahdi_ops;
	t->base.cfg = *cfg;
	t->base.dchan_fd = t->base.audio_fd = t->dfd = -1;
	for (int ch = 0; ch <= TDM_SPAN_MAX_CHANNELS; ch++)
		t->bfd[ch] = -1;
	t->span_no = dcfg->span;
	t->dslot = tdm_span_dchan_slot(cfg->type);
	t->blocksize = dcfg->blocksize > 0 ? dcfg->blocksize : DEF_BLOCK;
	if ((rc = span_stat(t, dcfg, &basechan)) < 0)
		goto fail;
	/* system.conf: dchan= (DAHDI's HDLC with FCS) or hardhdlc= (the card's). */
	if ((rc = open_chan(t, dcfg, basechan + t->dslot - 1, t->dslot, DAHDI_SIG_HDLCFCS, DAHDI_SIG_HARDHDLC,
			    &t->dfd)) < 0 ||
	    (rc = setup_dchan(t)) < 0)
		goto fail;
	if ((rc = dahdi_epoll(&t->base.dchan_fd)) < 0 || (rc = epoll_add(t->base.dchan_fd, t->dfd, t->dslot)) < 0 ||
	    (rc = dahdi_epoll(&t->base.audio_fd)) < 0 || (rc = open_bchans(t, dcfg, basechan)) < 0)
		goto fail;
	LOG_I(TAG, "span %d: DAHDI span %d, channels %d-%d, %s %s, D-channel %d, block %d, alarms 0x%x", cfg->id,
	      t->span_no, basechan, basechan + (cfg->type == TDM_SPAN_T1 ? 23 : 30), tdm_span_type_name(cfg->type),
	      tdm_span_law_name(cfg->law), basechan + t->dslot - 1, t->blocksize, t->alarms);
	*out = &t->base;
	return 0;
fail:
	dfree(&t->base);
	return rc;
}
