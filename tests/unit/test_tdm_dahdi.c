/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the DAHDI span backend, run under the DAHDI emulation (tests/unit/tdm_dahdi.sh preloads
 * tests/dahdi_emu/libdahdiemu.so); this process is also the far end, through a virtual-span listener. The device
 * is inspected with DAHDI's own ioctls, as one would check a real card. */
#include "config.h"

#include "gateway/tdm_span.h"
#include "tests/tap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <dahdi/user.h>

static char dir[64], dpath[96], apath[96], ctlpath[96];

static const struct tdm_span_config e1 = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
static const struct tdm_span_config t1 = {.id = 2, .type = TDM_SPAN_T1, .law = TDM_LAW_ULAW};

/* "Re-cable" the emulation: read again at the next open with nothing open. */
static void emu_env(const char *type, int span, const char *dsig, int line)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", span);
	setenv("DAHDI_EMU_TYPE", type, 1);
	setenv("DAHDI_EMU_SPAN", n, 1);
	setenv("DAHDI_EMU_DCHAN_SIG", dsig, 1);
	setenv("DAHDI_EMU_CTL", ctlpath, 1);
	if (line) {
		setenv("DAHDI_EMU_DCHAN", dpath, 1);
		setenv("DAHDI_EMU_AUDIO", apath, 1);
	} else {
		unsetenv("DAHDI_EMU_DCHAN");
		unsetenv("DAHDI_EMU_AUDIO");
	}
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLPRI};

	return poll(&p, 1, ms) == 1;
}

static void emu_control(const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);

	strcpy(sa.sun_path, ctlpath);
	if (sendto(s, cmd, strlen(cmd), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("sendto");
	close(s);
}

/* The device's own rules: what a backend must do, and what it gets when it does not. */
static void test_device_rules(void)
{
	int fd, fd2, v, ch;
	char b[8];

	emu_env("e1", 2, "dchan", 0);
	fd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
	ok(fd >= 0, "open /dev/dahdi/channel");
	errno = 0;
	ok(read(fd, b, sizeof(b)) < 0 && errno == EINVAL, "read before DAHDI_SPECIFY: EINVAL");
	v = 160;
	errno = 0;
	ok(ioctl(fd, DAHDI_SET_BLOCKSIZE, &v) < 0 && errno == EINVAL,
	   "DAHDI_SET_BLOCKSIZE before DAHDI_SPECIFY: EINVAL");
	ch = 1;
	errno = 0;
	ok(ioctl(fd, DAHDI_SPECIFY, &ch) < 0 && errno == ENXIO, "channel 1 is span 1's (unconfigured): ENXIO");
	ch = 32 + 15;
	is_int(ioctl(fd, DAHDI_SPECIFY, &ch), 0, "DAHDI_SPECIFY channel 47 (span 2 timeslot 16)");
	errno = 0;
	ok(ioctl(fd, DAHDI_SPECIFY, &ch) < 0 && errno == EINVAL, "a second DAHDI_SPECIFY: EINVAL");
	fd2 = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
	errno = 0;
	ok(ioctl(fd2, DAHDI_SPECIFY, &ch) < 0 && errno == EBUSY, "the same channel from another fd: EBUSY");
	v = 8;
	errno = 0;
	ok(ioctl(fd, DAHDI_SET_BLOCKSIZE, &v) < 0 && errno == EINVAL, "blocksize 8: EINVAL");
	ok(ioctl(fd, DAHDI_GET_BLOCKSIZE, &v) == 0 && v == DAHDI_DEFAULT_BLOCKSIZE, "default blocksize is %d (got %d)",
	   DAHDI_DEFAULT_BLOCKSIZE, v);
	v = 7;
	errno = 0;
	ok(ioctl(fd, DAHDI_SETLAW, &v) < 0 && errno == EINVAL, "law 7: EINVAL");
	errno = 0;
	ok(write(fd, "ab", 2) < 0 && errno == EINVAL, "an HDLC frame without room for its FCS: EINVAL");
	close(fd2);
	close(fd);
}

struct pair {
	struct tdm_virtual_listener *l;
	struct tdm_span *dahdi, *far;
};

static int pair_open(struct pair *p, const struct tdm_span_config *cfg, int span)
{
	struct tdm_dahdi_config dcfg = {.span = span};
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = tdm_virtual_listen(dpath, apath, &p->l)) < 0)
		return rc;
	if ((rc = tdm_span_dahdi_open(cfg, &dcfg, &p->dahdi)) < 0)
		return rc;
	/* The emulation connected both paths when the first channel was bound. */
	return tdm_virtual_accept(p->l, cfg, &p->far);
}

static void pair_close(struct pair *p)
{
	tdm_span_free(p->dahdi);
	tdm_span_free(p->far);
	tdm_virtual_listener_free(p->l);
}

static void check_channels(struct tdm_span *s, int basechan, int law, int nwant)
{
	struct dahdi_bufferinfo bi;
	struct dahdi_params prm;
	int fds[TDM_SPAN_MAX_CHANNELS], chs[TDM_SPAN_MAX_CHANNELS], n, bad = 0, v;

	n = tdm_span_audio_fds(s, fds, chs, TDM_SPAN_MAX_CHANNELS);
	is_int(n, nwant, "one audio fd per B-channel");
	for (int i = 0; i < n; i++) {
		memset(&prm, 0, sizeof(prm));
		memset(&bi, 0, sizeof(bi));
		if (ioctl(fds[i], DAHDI_GET_PARAMS, &prm) < 0 || prm.channo != basechan + chs[i] - 1 ||
		    prm.chanpos != chs[i] || prm.curlaw != law || ioctl(fds[i], DAHDI_GET_BLOCKSIZE, &v) < 0 ||
		    v != 160 || ioctl(fds[i], DAHDI_GET_BUFINFO, &bi) < 0 || bi.txbufpolicy != DAHDI_POLICY_IMMEDIATE ||
		    bi.rxbufpolicy != DAHDI_POLICY_IMMEDIATE || bi.numbufs != 4) {
			bad++;
			printf("# ch %d: channo %d pos %d law %d block %d bufs %d\n", chs[i], prm.channo, prm.chanpos,
			       prm.curlaw, v, bi.numbufs);
		}
	}
	is_int(bad, 0, "every B-channel: numbered basechan+timeslot-1, law %d, blocksize 160, 4 immediate buffers",
	       law);
}

static int dread(struct tdm_span *s, uint8_t *buf, size_t *len)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 20 && rc == -EAGAIN; i++) {
		wait_readable(tdm_span_dchan_fd(s), 100);
		rc = tdm_span_dchan_read(s, buf, TDM_DFRAME_MAX, len);
	}
	return rc;
}

static void test_dchan(struct pair *p)
{
	const uint8_t sabme[] = {0x00, 0x01, 0x7F}, info[] = {0x02, 0x01, 0x00, 0x00, 0x08, 0x01, 0x05};
	uint8_t buf[TDM_DFRAME_MAX], raw[8];
	struct tdm_span_event ev;
	size_t len = 0;
	uint16_t fcs = 0;

	is_int(tdm_span_dchan_write(p->dahdi, sabme, sizeof(sabme)), 0, "D-channel: write a frame");
	is_int(dread(p->far, buf, &len), 0, "the far end receives it with a good FCS (the device computed it)");
	ok(len == sizeof(sabme) && memcmp(buf, sabme, len) == 0, "unchanged (%zu octets)", len);
	is_int(tdm_span_dchan_write(p->far, info, sizeof(info)), 0, "far end: send a frame");
	is_int(dread(p->dahdi, buf, &len), 0, "D-channel: read it");
	ok(len == sizeof(info) && memcmp(buf, info, len) == 0, "without its FCS, unchanged (%zu octets)", len);
	/* A frame whose FCS is wrong: the device discards it and reports DAHDI_EVENT_BADFCS. */
	memcpy(raw, sabme, 3);
	raw[3] = (uint8_t)fcs;
	raw[4] = 0x55;
	ok(send(tdm_span_dchan_fd(p->far), raw, 5, 0) == 5, "far end: send a frame with a bad FCS");
	is_int(dread(p->dahdi, buf, &len), -EAGAIN, "D-channel: nothing to read (the event was taken)");
	is_int(tdm_span_stats(p->dahdi)->d_bad, 1, "counted in d_bad");
	ok(tdm_span_poll_event(p->dahdi, &ev) == 0 && ev.type == TDM_EV_BADFCS && ev.ch == 16,
	   "event bad-fcs on timeslot 16");
	is_int(tdm_span_poll_event(p->dahdi, &ev), -EAGAIN, "no other event");
	is_int(tdm_span_dchan_write(p->far, info, sizeof(info)), 0, "far end: another frame");
	is_int(dread(p->dahdi, buf, &len), 0, "D-channel: frames flow again after the event");
}

static void test_audio(struct pair *p)
{
	uint8_t out[400], in[TDM_AUDIO_MAX];
	size_t len = 0;
	int ch = 0, rc = -EAGAIN, got[3] = {0, 0, 0}, n = 0;

	for (int i = 0; i < 400; i++)
		out[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 3; i++)
		tdm_span_audio_write(p->far, 17, out + i * 100, 100);
	for (int i = 0; i < 20 && rc == -EAGAIN; i++) {
		wait_readable(tdm_span_audio_fd(p->dahdi), 100);
		rc = tdm_span_audio_read(p->dahdi, &ch, in, sizeof(in), &len);
	}
	is_int(rc, 0, "audio: 300 bytes from the far end on ch 17 read through the span's audio fd");
	ok(ch == 17 && len == 160 && memcmp(in, out, 160) == 0, "one 160-byte block, ch %d, %zu bytes, unchanged", ch,
	   len);
	is_int(tdm_span_audio_read_ch(p->dahdi, 17, in, sizeof(in), &len), -EAGAIN,
	       "the other 140 bytes wait for a whole block");
	tdm_span_audio_write(p->far, 17, out + 300, 20);
	rc = -EAGAIN;
	for (int i = 0; i < 20 && rc == -EAGAIN; i++) {
		wait_readable(tdm_span_audio_fd(p->dahdi), 100);
		rc = tdm_span_audio_read_ch(p->dahdi, 17, in, sizeof(in), &len);
	}
	ok(rc == 0 && len == 160 && memcmp(in, out + 160, 160) == 0, "read_ch: the second block (rc %d, %zu bytes)", rc,
	   len);
	is_int(tdm_span_audio_read_ch(p->far, 17, in, sizeof(in), &len), -EOPNOTSUPP, "read_ch on a virtual span");
	/* Toward the far end: the backend writes one block per write. */
	is_int(tdm_span_audio_write(p->dahdi, 1, out, 400), 0, "audio: write 400 bytes on ch 1");
	for (int i = 0; i < 20 && n < 3; i++) {
		wait_readable(tdm_span_audio_fd(p->far), 100);
		while (n < 3 && tdm_span_audio_read(p->far, &ch, in, sizeof(in), &len) == 0) {
			got[n] = ch == 1 && memcmp(in, out + 160 * n, len) == 0 ? (int)len : -1;
			n++;
		}
	}
	ok(got[0] == 160 && got[1] == 160 && got[2] == 80, "the far end gets 160 + 160 + 80 bytes on ch 1 (%d %d %d)",
	   got[0], got[1], got[2]);
}

/* An alarm reaches the backend as ELAST + DAHDI_GETEVENT on every channel. */
static void test_alarm(struct pair *p)
{
	struct tdm_span_event ev;
	uint8_t buf[TDM_AUDIO_MAX];
	size_t len;
	int ch, seen = 0, d_seen = 0;

	is_int(tdm_span_alarms(p->dahdi), 0, "in service: no alarm");
	emu_control("alarm red");
	ok(wait_readable(tdm_span_dchan_fd(p->dahdi), 2000), "red alarm: the D-channel fd wakes the loop");
	is_int(tdm_span_dchan_read(p->dahdi, buf, sizeof(buf), &len), -EAGAIN, "no frame, the event taken");
	while (tdm_span_poll_event(p->dahdi, &ev) == 0)
		d_seen |= ev.type == TDM_EV_ALARM && ev.ch == 16 && (ev.alarms & TDM_ALARM_RED);
	ok(d_seen, "event alarm on timeslot 16 with red set");
	ok(tdm_span_alarms(p->dahdi) & TDM_ALARM_RED, "tdm_span_alarms: red");
	/* B-channels: the read path takes their events too. */
	while (tdm_span_audio_read(p->dahdi, &ch, buf, sizeof(buf), &len) != -EAGAIN)
		;
	while (tdm_span_poll_event(p->dahdi, &ev) == 0)
		seen += ev.type == TDM_EV_ALARM && ev.ch != 16;
	ok(seen > 0, "B-channels reported the alarm too (%d events kept)", seen);
	/* A write with an event pending gets ELAST; the backend takes it and writes. */
	emu_control("alarm none");
	ok(wait_readable(tdm_span_dchan_fd(p->dahdi), 2000), "alarm cleared: the D-channel fd wakes");
	is_int(tdm_span_dchan_write(p->dahdi, (const uint8_t *)"\x00\x01\x7f", 3), 0,
	       "a D-channel write through the pending event");
	ok(tdm_span_poll_event(p->dahdi, &ev) == 0 && ev.type == TDM_EV_NOALARM && ev.alarms == 0,
	   "event no-alarm, alarms 0");
	is_int(tdm_span_alarms(p->dahdi), 0, "tdm_span_alarms: 0");
}

static void test_refusals(void)
{
	struct tdm_dahdi_config dcfg = {.span = 2};
	struct tdm_span *s = NULL, *s2 = NULL;

	emu_env("e1", 2, "dchan", 0);
	is_int(tdm_span_dahdi_open(&t1, &dcfg, &s), -EPROTO, "a T1 configuration on an E1 span: -EPROTO");
	dcfg.span = 3;
	is_int(tdm_span_dahdi_open(&e1, &dcfg, &s), -ENXIO, "no span 3: -ENXIO");
	dcfg.span = 2;
	dcfg.basechan = 1;
	is_int(tdm_span_dahdi_open(&e1, &dcfg, &s), -ENXIO, "a wrong basechan (span 1's channels): -ENXIO");
	dcfg.basechan = 0;
	is_int(tdm_span_dahdi_open(&e1, &dcfg, &s), 0, "open with no line");
	ok(s && (tdm_span_alarms(s) & TDM_ALARM_RED), "a span with no line is in red alarm at open");
	is_int(tdm_span_dahdi_open(&e1, &dcfg, &s2), -EBUSY, "the same span twice: -EBUSY");
	tdm_span_free(s);
	emu_env("e1", 2, "bchan", 0);
	is_int(tdm_span_dahdi_open(&e1, &dcfg, &s), -EPROTO,
	       "a D-channel not in HDLC mode (system.conf bchan): -EPROTO");
}

static void test_t1(void)
{
	const uint8_t ua[] = {0x00, 0x01, 0x73};
	uint8_t buf[TDM_DFRAME_MAX];
	struct pair p;
	size_t len = 0;

	emu_env("t1", 1, "hardhdlc", 1);
	is_int(pair_open(&p, &t1, 1), 0, "T1 span 1 (hardhdlc D-channel, mu-law) opens");
	if (p.dahdi) {
		check_channels(p.dahdi, 1, DAHDI_LAW_MULAW, 23);
		is_int(tdm_span_dchan_write(p.far, ua, sizeof(ua)), 0, "T1: far end sends a frame");
		ok(dread(p.dahdi, buf, &len) == 0 && len == 3 && memcmp(buf, ua, 3) == 0, "T1: read on timeslot 24");
	}
	pair_close(&p);
}

int main(void)
{
	struct pair p;
	uint8_t buf[TDM_DFRAME_MAX];
	size_t len;
	int rc = -EAGAIN;

	if (!dlsym(RTLD_DEFAULT, "dahdiemu_version")) {
		printf("Bail out! not running under the DAHDI emulation (run tests/unit/tdm_dahdi.sh)\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/tandem-dahdi.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(dpath, sizeof(dpath), "%s/d", dir);
	snprintf(apath, sizeof(apath), "%s/b", dir);
	snprintf(ctlpath, sizeof(ctlpath), "%s/ctl", dir);

	test_device_rules();
	emu_env("e1", 2, "dchan", 1);
	is_int(pair_open(&p, &e1, 2), 0, "E1 span 2 opens (basechan found by DAHDI_SPANSTAT) and reaches the far end");
	if (p.dahdi && p.far) {
		check_channels(p.dahdi, 32, DAHDI_LAW_ALAW, 30);
		test_dchan(&p);
		test_audio(&p);
		test_alarm(&p);
	}
	tdm_span_free(p.dahdi);
	p.dahdi = NULL;
	/* Frames still in flight first, then the end of the line. */
	for (int i = 0; i < 20 && (rc == -EAGAIN || rc == 0); i++) {
		wait_readable(tdm_span_dchan_fd(p.far), 100);
		rc = tdm_span_dchan_read(p.far, buf, sizeof(buf), &len);
	}
	is_int(rc, -EPIPE, "closing the span hangs up the line: the far end sees it go");
	pair_close(&p);
	test_refusals();
	test_t1();
	unlink(ctlpath);
	rmdir(dir);
	return tap_done();
}
