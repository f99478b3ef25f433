/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the span interface and its virtual backend (socketpairs, no peer process). */
#include "config.h"

#include "gateway/tdm_span.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const struct tdm_span_config e1 = {.id = 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ALAW};
static const struct tdm_span_config t1 = {.id = 2, .type = TDM_SPAN_T1, .law = TDM_LAW_ULAW};

/* Two spans joined back to back; raw[0..1] are extra descriptors on
 * span b's side of each socketpair, to inject bytes as a peer would. */
struct pair {
	struct tdm_span *a, *b;
	int raw_d, raw_a;
};

static int pair_new(struct pair *p, const struct tdm_span_config *cfg)
{
	int d[2], au[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, au) < 0)
		return -errno;
	p->raw_d = dup(d[1]);
	p->raw_a = dup(au[1]);
	if (tdm_span_virtual_from_fds(cfg, d[0], au[0], &p->a) < 0)
		return -1;
	return tdm_span_virtual_from_fds(cfg, d[1], au[1], &p->b);
}

static void pair_free(struct pair *p)
{
	tdm_span_free(p->a);
	tdm_span_free(p->b);
	close(p->raw_d);
	close(p->raw_a);
}

static void test_geometry(void)
{
	enum tdm_span_type type;
	enum tdm_span_law law;
	int n, seen16 = 0;

	is_int(tdm_span_bchannels(TDM_SPAN_E1), 30, "E1 has 30 B-channels");
	is_int(tdm_span_bchannels(TDM_SPAN_T1), 23, "T1 has 23 B-channels");
	is_int(tdm_span_dchan_slot(TDM_SPAN_E1), 16, "E1 D-channel on timeslot 16");
	is_int(tdm_span_dchan_slot(TDM_SPAN_T1), 24, "T1 D-channel on timeslot 24");
	for (n = 0; n < 30; n++)
		seen16 |= tdm_span_bchan_nth(TDM_SPAN_E1, n) == 16;
	ok(!seen16, "E1 B-channels skip timeslot 16");
	is_int(tdm_span_bchan_nth(TDM_SPAN_E1, 14), 15, "E1 15th B-channel is 15");
	is_int(tdm_span_bchan_nth(TDM_SPAN_E1, 15), 17, "E1 16th B-channel is 17");
	is_int(tdm_span_bchan_nth(TDM_SPAN_E1, 29), 31, "E1 last B-channel is 31");
	is_int(tdm_span_bchan_nth(TDM_SPAN_E1, 30), 0, "E1 has no 31st B-channel");
	is_int(tdm_span_bchan_nth(TDM_SPAN_T1, 22), 23, "T1 last B-channel is 23");
	ok(!tdm_span_bchan_valid(TDM_SPAN_T1, 24), "T1 channel 24 is the D-channel");
	ok(!tdm_span_bchan_valid(TDM_SPAN_E1, 0), "channel 0 is not a B-channel");
	ok(tdm_span_type_parse("E1", &type) == 0 && type == TDM_SPAN_E1, "parse e1");
	ok(tdm_span_type_parse("t1", &type) == 0 && type == TDM_SPAN_T1, "parse t1");
	is_int(tdm_span_type_parse("j1", &type), -EINVAL, "j1 refused");
	ok(tdm_span_law_parse("mulaw", &law) == 0 && law == TDM_LAW_ULAW, "parse mulaw");
	ok(tdm_span_law_parse("alaw", &law) == 0 && law == TDM_LAW_ALAW, "parse alaw");
	is_int(tdm_span_law_parse("slin", &law), -EINVAL, "slin refused");
}

static void test_dchannel(void)
{
	struct pair p;
	uint8_t sabme[] = {0x00, 0x01, 0x7F}, buf[TDM_DFRAME_MAX], big[TDM_DFRAME_MAX + 3];
	uint8_t raw[8];
	size_t len;

	ok(pair_new(&p, &e1) == 0, "E1 span pair over socketpairs");
	is_int(tdm_span_dchan_read(p.b, buf, sizeof(buf), &len), -EAGAIN, "nothing pending: -EAGAIN");
	is_int(tdm_span_dchan_write(p.a, sabme, sizeof(sabme)), 0, "SABME written");
	ok(tdm_span_dchan_read(p.b, buf, sizeof(buf), &len) == 0 && len == 3 && memcmp(buf, sabme, 3) == 0,
	   "SABME read back intact");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	big[0] = 0x02; /* SAPI 0, C/R 1, EA 0 */
	big[1] = 0x01; /* TEI 0, EA 1 */
	is_int(tdm_span_dchan_write(p.b, big, TDM_DFRAME_MAX), 0, "longest frame written the other way");
	ok(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len) == 0 && len == TDM_DFRAME_MAX && memcmp(buf, big, len) == 0,
	   "longest frame read back intact");
	is_int(tdm_span_dchan_write(p.a, big, TDM_DFRAME_MAX + 1), -EINVAL, "over-long frame not sent");
	is_int(tdm_span_dchan_write(p.a, sabme, 2), -EINVAL, "2-octet frame not sent");

	/* Bad frames from the peer are refused, counted, and skipped. */
	memcpy(raw, "\x00\x01\x7F\x00\x00", 5);
	ok(send(p.raw_d, raw, 5, 0) == 5, "inject a frame with a wrong FCS");
	is_int(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len), -EBADMSG, "wrong FCS refused");
	ok(send(p.raw_d, raw, 4, 0) == 4, "inject a 4-octet message");
	is_int(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len), -EBADMSG, "too short refused");
	ok(send(p.raw_d, big, sizeof(big), 0) > 0, "inject an over-long message");
	is_int(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len), -EBADMSG, "over-long refused");
	/* A correct FCS over a bad address field (EA bit of octet 1 set). */
	tdm_span_dchan_write(p.b, (const uint8_t *)"\x01\x01\x7F", 3);
	is_int(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len), -EBADMSG, "bad address field refused");
	is_int(tdm_span_dchan_write(p.b, sabme, 3), 0, "a good frame after the bad ones");
	ok(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len) == 0 && len == 3, "read normally");
	is_int(tdm_span_stats(p.a)->d_bad, 4, "4 frames counted as refused");
	is_int(tdm_span_stats(p.a)->d_rx, 2, "2 frames counted as received");
	is_int(tdm_span_stats(p.b)->d_tx, 3, "3 frames counted as sent");

	tdm_span_free(p.b);
	p.b = NULL;
	close(p.raw_d);
	close(p.raw_a);
	p.raw_d = p.raw_a = -1;
	is_int(tdm_span_dchan_read(p.a, buf, sizeof(buf), &len), -EPIPE, "peer closed: -EPIPE");
	is_int(tdm_span_dchan_write(p.a, sabme, 3), -EPIPE, "write to a closed peer: -EPIPE");
	pair_free(&p);
}

static void test_audio(void)
{
	struct pair p;
	uint8_t frame[160], buf[TDM_AUDIO_MAX];
	size_t len;
	int ch;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(0xD5 ^ i);
	ok(pair_new(&p, &e1) == 0, "E1 span pair for audio");
	is_int(tdm_span_audio_read(p.b, &ch, buf, sizeof(buf), &len), -EAGAIN, "no audio pending: -EAGAIN");
	is_int(tdm_span_audio_write(p.a, 1, frame, 160), 0, "160 bytes on channel 1");
	is_int(tdm_span_audio_write(p.a, 31, frame, 80), 0, "80 bytes on channel 31");
	ok(tdm_span_audio_read(p.b, &ch, buf, sizeof(buf), &len) == 0 && ch == 1 && len == 160 &&
	       memcmp(buf, frame, 160) == 0,
	   "channel 1 frame intact");
	ok(tdm_span_audio_read(p.b, &ch, buf, sizeof(buf), &len) == 0 && ch == 31 && len == 80, "channel 31 frame");
	is_int(tdm_span_audio_write(p.a, 16, frame, 160), -EINVAL, "E1 channel 16 refused on write");
	is_int(tdm_span_audio_write(p.a, 32, frame, 160), -EINVAL, "channel 32 refused on write");
	is_int(tdm_span_audio_write(p.a, 1, frame, 0), -EINVAL, "empty audio refused on write");
	is_int(tdm_span_audio_write(p.a, 1, buf, TDM_AUDIO_MAX + 1), -EINVAL, "over-long audio refused on write");

	/* Bad messages from the peer. */
	ok(send(p.raw_a, "\x10\x55\x55", 3, 0) == 3, "inject audio on channel 16");
	is_int(tdm_span_audio_read(p.a, &ch, buf, sizeof(buf), &len), -EBADMSG, "channel 16 refused on read");
	ok(send(p.raw_a, "\x01", 1, 0) == 1, "inject a channel octet without audio");
	is_int(tdm_span_audio_read(p.a, &ch, buf, sizeof(buf), &len), -EBADMSG, "empty audio refused on read");
	ok(send(p.raw_a, "\x00\x55", 2, 0) == 2, "inject audio on channel 0");
	is_int(tdm_span_audio_read(p.a, &ch, buf, sizeof(buf), &len), -EBADMSG, "channel 0 refused on read");
	is_int(tdm_span_stats(p.a)->b_bad, 3, "3 audio messages counted as refused");
	is_int(tdm_span_stats(p.b)->b_rx, 240, "240 audio bytes counted as received");
	pair_free(&p);

	ok(pair_new(&p, &t1) == 0, "T1 span pair");
	is_int(tdm_span_audio_write(p.a, 24, frame, 160), -EINVAL, "T1 channel 24 refused");
	is_int(tdm_span_audio_write(p.a, 23, frame, 160), 0, "T1 channel 23 accepted");
	ok(tdm_span_audio_read(p.b, &ch, buf, sizeof(buf), &len) == 0 && ch == 23, "T1 channel 23 read");
	ok(send(p.raw_a, "\x18\x55", 2, 0) == 2, "inject audio on T1 channel 24");
	is_int(tdm_span_audio_read(p.a, &ch, buf, sizeof(buf), &len), -EBADMSG, "T1 channel 24 refused on read");
	pair_free(&p);
}

/* Frames (docs/spans.md): [0][N, low octet first] then [channel][N octets] per channel. */
static size_t frame_make(uint8_t *msg, const int *chs, int n, size_t blk, uint8_t fill)
{
	size_t off = 3;

	msg[0] = 0;
	msg[1] = (uint8_t)(blk & 0xFF);
	msg[2] = (uint8_t)(blk >> 8);
	for (int i = 0; i < n; i++, off += 1 + blk) {
		msg[off] = (uint8_t)chs[i];
		memset(msg + off + 1, fill + i, blk);
	}
	return off;
}

static void test_audio_frames(void)
{
	static uint8_t msg[3 + 31 * 1025], got[3 + 31 * 1025];
	uint8_t buf[TDM_AUDIO_MAX], blk[160];
	struct tdm_span *s;
	int fds[2], d[2], ch, bad = 0;
	const int chs[] = {1, 15, 17, 31}, with16[] = {2, 16, 3};
	size_t len, n;
	ssize_t r;

	memset(blk, 0x55, sizeof(blk));
	ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) == 0 &&
	       tdm_span_virtual_from_fds(&e1, d[0], fds[0], &s) == 0,
	   "E1 span with a raw peer");
	/* Reading: one frame, four blocks. */
	n = frame_make(msg, chs, 4, 160, 0x10);
	ok(send(fds[1], msg, n, 0) == (ssize_t)n, "a frame of 4 channels sent");
	for (int i = 0; i < 4; i++) {
		int okb = tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len) == 0 && ch == chs[i] && len == 160;

		for (size_t j = 0; okb && j < len; j++)
			okb = buf[j] == 0x10 + i;
		bad += !okb;
	}
	is_int(bad, 0, "its 4 blocks read in order, each on its channel");
	is_int(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len), -EAGAIN, "then nothing");
	/* A block on a channel that is not a B-channel is refused alone. */
	n = frame_make(msg, with16, 3, 80, 0x20);
	send(fds[1], msg, n, 0);
	ok(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len) == 0 && ch == 2 && len == 80, "frame: channel 2");
	is_int(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len), -EBADMSG, "frame: channel 16 refused");
	ok(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len) == 0 && ch == 3 && buf[0] == 0x22,
	   "frame: channel 3 after it");
	/* Malformed frames. */
	n = frame_make(msg, chs, 2, 160, 0);
	send(fds[1], msg, n - 1, 0);
	is_int(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len), -EBADMSG, "a frame not of whole blocks refused");
	send(fds[1], "\0\xA0\0", 3, 0);
	is_int(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len), -EBADMSG, "a frame without blocks refused");
	n = frame_make(msg, chs, 1, 160, 0);
	msg[1] = 0x01, msg[2] = 0x04; /* 1025 */
	send(fds[1], msg, n, 0);
	is_int(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len), -EBADMSG, "a block over 1024 octets refused");
	is_int(tdm_span_stats(s)->b_bad, 4, "4 refused, counted");
	/* One block per message still reads. */
	send(fds[1], "\x05\x66\x67", 3, 0);
	ok(tdm_span_audio_read(s, &ch, buf, sizeof(buf), &len) == 0 && ch == 5 && len == 2 && buf[1] == 0x67,
	   "a one-block message after frames");

	/* Writing, corked: the peer has sent frames, so one frame goes back. */
	tdm_span_audio_cork(s, 1);
	for (int i = 0; i < 4; i++)
		bad += tdm_span_audio_write(s, chs[i], blk, 160) != 0;
	is_int(bad, 0, "4 blocks queued");
	ok(recv(fds[1], got, sizeof(got), MSG_DONTWAIT) < 0, "nothing sent while corked");
	is_int(tdm_span_audio_flush(s), 0, "flushed");
	r = recv(fds[1], got, sizeof(got), MSG_DONTWAIT);
	n = frame_make(msg, chs, 4, 160, 0);
	for (int i = 0; i < 4; i++)
		memset(msg + 3 + (size_t)i * 161 + 1, 0x55, 160);
	ok(r == (ssize_t)n && memcmp(got, msg, n) == 0, "one frame: header, 4 channels of 160 octets");
	/* A second block for a channel, or another length, starts the next frame. */
	tdm_span_audio_write(s, 1, blk, 160);
	tdm_span_audio_write(s, 1, blk, 160);
	tdm_span_audio_write(s, 2, blk, 80);
	tdm_span_audio_cork(s, 0);
	ok(recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 3 + 161 &&
	       recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 3 + 161 &&
	       recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 3 + 81 && got[1] == 80 && got[3] == 2,
	   "three frames: a channel twice, then another length");
	is_int(tdm_span_audio_write(s, 3, blk, 160), 0, "uncorked: a write");
	ok(recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 161 && got[0] == 3, "goes out at once, one block");
	is_int(tdm_span_stats(s)->b_tx, 7 * 160 + 80, "1200 octets counted as sent");
	close(fds[1]);
	tdm_span_audio_cork(s, 1);
	tdm_span_audio_write(s, 4, blk, 160);
	is_int(tdm_span_audio_flush(s), -EPIPE, "a flush to a closed peer: -EPIPE");
	ok(tdm_span_stats(s)->b_dropped == 1 && tdm_span_stats(s)->b_tx == 7 * 160 + 80,
	   "its block counted as dropped, not sent");
	tdm_span_free(s);
	close(d[1]);

	/* A span that has not received a frame sends one message per block,
	 * unless told to send frames. */
	ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) == 0 &&
	       tdm_span_virtual_from_fds(&e1, d[0], fds[0], &s) == 0,
	   "a second span");
	tdm_span_audio_cork(s, 1);
	tdm_span_audio_write(s, 7, blk, 160);
	tdm_span_audio_write(s, 8, blk, 160);
	tdm_span_audio_cork(s, 0);
	ok(recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 161 && got[0] == 7 &&
	       recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 161 && got[0] == 8,
	   "corked, to a peer that sent no frame: one message per block");
	tdm_span_virtual_set_framed(s);
	tdm_span_audio_cork(s, 1);
	tdm_span_audio_write(s, 7, blk, 160);
	tdm_span_audio_write(s, 8, blk, 160);
	tdm_span_audio_cork(s, 0);
	ok(recv(fds[1], got, sizeof(got), MSG_DONTWAIT) == 3 + 2 * 161 && got[0] == 0 && got[3] == 7 && got[164] == 8,
	   "told to: one frame");
	tdm_span_free(s);
	close(fds[1]);
	close(d[1]);
}

static void test_listen_connect(void)
{
	char dir[] = "/tmp/tdm-test.XXXXXX", dpath[64], apath[64];
	struct tdm_virtual_listener *l = NULL;
	struct tdm_span *gw = NULL, *far = NULL;
	uint8_t buf[TDM_DFRAME_MAX];
	size_t len;
	int rc;

	ok(mkdtemp(dir) != NULL, "temporary folder");
	snprintf(dpath, sizeof(dpath), "%s/d", dir);
	snprintf(apath, sizeof(apath), "%s/b", dir);
	rc = tdm_span_virtual_connect(&e1, dpath, apath, &gw);
	ok(rc == -ENOENT || rc == -ECONNREFUSED, "connect before listen fails (%d)", rc);
	is_int(tdm_virtual_listen(dpath, apath, &l), 0, "listen on both paths");
	is_int(tdm_virtual_accept(l, &e1, &far), -EAGAIN, "accept: nothing yet");
	/* A half-way connect (D-channel only, then closed), as a peer retrying
	 * does: the newest connection must win. */
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dpath);
		ok(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "half-way connect");
		is_int(tdm_virtual_accept(l, &e1, &far), -EAGAIN, "accept: D-channel only is not a span");
		close(s);
	}
	is_int(tdm_span_virtual_connect(&e1, dpath, apath, &gw), 0, "connect");
	is_int(tdm_virtual_accept(l, &e1, &far), 0, "accept: span ready");
	tdm_virtual_listener_free(l);
	ok(access(dpath, F_OK) != 0, "listener removed its socket file");
	ok(far && gw && tdm_span_dchan_write(gw, (const uint8_t *)"\x00\x01\x73", 3) == 0, "frame sent");
	ok(far && tdm_span_dchan_read(far, buf, sizeof(buf), &len) == 0 && len == 3 && buf[2] == 0x73,
	   "frame received by the listening side");
	ok(gw && tdm_span_audio_write(gw, 5, buf, 3) == 0, "audio sent");
	tdm_span_free(gw);
	tdm_span_free(far);
	rmdir(dir);
}

int main(void)
{
	test_geometry();
	test_dchannel();
	test_audio();
	test_audio_frames();
	test_listen_connect();
	return tap_done();
}
