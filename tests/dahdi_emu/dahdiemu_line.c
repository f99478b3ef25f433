/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DAHDI emulation's line: a thread that bridges the emulated span to a far end speaking the virtual span's
 * wire format (pstnsim), checks the FCS of received frames, gathers audio into blocks, raises alarms, and takes
 * commands on a control socket. */
#include "config.h"

#include "tests/dahdi_emu/dahdiemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <dahdi/user.h>

uint16_t emu_fcs16(const uint8_t *p, size_t len)
{
	uint16_t fcs = 0xFFFF;

	while (len--) {
		fcs ^= *p++;
		for (int i = 0; i < 8; i++)
			fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
	}
	return fcs;
}

static void send_rec(struct emu_fd *c, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t rec[1 + EMU_RX_MAX];

	rec[0] = type;
	if (len > EMU_RX_MAX)
		len = EMU_RX_MAX;
	if (len)
		memcpy(rec + 1, data, len);
	/* Non-blocking: a reader that falls behind loses data, as a device's
	 * buffers overrun. */
	if (send(c->peer, rec, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		emu.rx_dropped++;
}

void emu_queue_event(struct emu_fd *c, int event)
{
	if (c->evcount == EMU_EVQ) {
		c->evhead = (c->evhead + 1) % EMU_EVQ;
		c->evcount--;
	}
	c->events[(c->evhead + c->evcount) % EMU_EVQ] = event;
	c->evcount++;
	send_rec(c, EMU_REC_EVENT, NULL, 0);
}

/* DAHDI tells every channel of a span when its alarms change. */
void emu_set_alarms(unsigned alarms)
{
	if (alarms == emu.alarms)
		return;
	emu.alarms = alarms;
	for (int ts = 1; ts <= emu.nchans; ts++)
		if (emu.by_ts[ts])
			emu_queue_event(emu.by_ts[ts], alarms ? DAHDI_EVENT_ALARM : DAHDI_EVENT_NOALARM);
}

static void wake_pump(void)
{
	char b = 1;

	if (emu.wake[1] > 0 && emu_real_write(emu.wake[1], &b, 1) < 0) {
		/* a full pipe already wakes it */
	}
}

static int connect_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;
		emu_real_close(s);
		return rc;
	}
	fcntl(s, F_SETFL, O_NONBLOCK);
	return s;
}

int emu_line_connect(void)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	int d = -1, a = -1;

	if (!emu.dpath || !emu.apath || emu.far_d >= 0)
		return 0;
	/* The far end may still be starting: try for 5 s (a card's line is
	 * simply in alarm until the carrier is there). */
	for (int i = 0; i < 100; i++) {
		d = connect_path(emu.dpath);
		if (d >= 0) {
			a = connect_path(emu.apath);
			if (a >= 0)
				break;
			emu_real_close(d);
			d = -1;
		}
		nanosleep(&pause, NULL);
	}
	if (d < 0) {
		fprintf(stderr, "dahdiemu: cannot reach the far end at %s: the span stays in red alarm\n", emu.dpath);
		emu_set_alarms(DAHDI_ALARM_RED);
		return 0;
	}
	emu.far_d = d;
	emu.far_a = a;
	emu_set_alarms(0);
	wake_pump();
	return 0;
}

void emu_line_close(void)
{
	if (emu.far_d < 0 && emu.far_a < 0)
		return;
	/* The pump may be polling them: it closes them, we wait. */
	shutdown(emu.far_d, SHUT_RDWR);
	shutdown(emu.far_a, SHUT_RDWR);
	emu.far_closing = 1;
	wake_pump();
	while (emu.far_closing)
		pthread_cond_wait(&emu.cond, &emu.lock);
}

static void close_line_locked(void)
{
	if (emu.far_d >= 0)
		emu_real_close(emu.far_d);
	if (emu.far_a >= 0)
		emu_real_close(emu.far_a);
	emu.far_d = emu.far_a = -1;
}

/* One HDLC frame from the far end (frame + FCS): the receiver checks the
 * FCS, as DAHDI does; a bad frame is discarded and reported as
 * DAHDI_EVENT_BADFCS, a good one is read with its FCS. */
static void deliver_frame(const uint8_t *msg, size_t n)
{
	struct emu_fd *c = emu.by_ts[emu.dslot];

	if (emu.alarms & DAHDI_ALARM_RED)
		return;
	if (emu.dsig == DAHDI_SIG_CLEAR) { /* not an HDLC channel: the octets as they come */
		if (c)
			send_rec(c, EMU_REC_DATA, msg, n);
		return;
	}
	if (n < 4) {
		if (c)
			emu_queue_event(c, DAHDI_EVENT_ABORT);
		return;
	}
	if (emu_fcs16(msg, n) != 0xF0B8) {
		emu.bad_fcs_seen++;
		if (c)
			emu_queue_event(c, DAHDI_EVENT_BADFCS);
		return;
	}
	if (c)
		send_rec(c, EMU_REC_DATA, msg, n);
}

/* Audio from the far end: [timeslot][octets], gathered into the
 * channel's blocks; one read returns one block. */
static void deliver_block(const uint8_t *msg, size_t n)
{
	struct emu_fd *c;
	size_t len = n - 1, bs;

	if (n < 2 || msg[0] < 1 || msg[0] > emu.nchans || msg[0] == emu.dslot || (emu.alarms & DAHDI_ALARM_RED))
		return;
	c = emu.by_ts[msg[0]];
	if (!c)
		return;
	if (c->rxlen + len > EMU_RX_MAX) {
		emu.rx_dropped++;
		c->rxlen = 0;
	}
	memcpy(c->rx + c->rxlen, msg + 1, len);
	c->rxlen += len;
	bs = (size_t)c->blocksize;
	while (c->rxlen >= bs) {
		send_rec(c, EMU_REC_DATA, c->rx, bs);
		memmove(c->rx, c->rx + bs, c->rxlen - bs);
		c->rxlen -= bs;
	}
}

/* A message: one block, or a frame ([0][N, low octet first] then
 * [timeslot][N octets] per channel, docs/spans.md). */
static void deliver_audio(const uint8_t *msg, size_t n)
{
	size_t blk;

	if (n < 1 || msg[0] != 0) {
		deliver_block(msg, n);
		return;
	}
	blk = n >= 3 ? (size_t)msg[1] | (size_t)msg[2] << 8 : 0;
	if (blk < 1 || n == 3 || (n - 3) % (blk + 1))
		return;
	for (size_t off = 3; off < n; off += blk + 1)
		deliver_block(msg + off, blk + 1);
}

/* Control commands, one per datagram: "alarm red|yellow|blue|none" and
 * "event N" (queue DAHDI event N on every bound channel). */
static void control(const char *cmd)
{
	unsigned a = 0;

	if (strncmp(cmd, "alarm ", 6) == 0) {
		const char *w = cmd + 6;
		if (strncmp(w, "red", 3) == 0)
			a = DAHDI_ALARM_RED | DAHDI_ALARM_LOS;
		else if (strncmp(w, "yellow", 6) == 0)
			a = DAHDI_ALARM_YELLOW;
		else if (strncmp(w, "blue", 4) == 0)
			a = DAHDI_ALARM_BLUE;
		emu_set_alarms(a);
	} else if (strncmp(cmd, "event ", 6) == 0) {
		int e = atoi(cmd + 6);
		for (int ts = 1; ts <= emu.nchans; ts++)
			if (emu.by_ts[ts])
				emu_queue_event(emu.by_ts[ts], e);
	} else {
		fprintf(stderr, "dahdiemu: unknown control command '%s'\n", cmd);
	}
}

static void line_lost(void)
{
	if (emu.far_closing)
		return; /* our own hang-up */
	close_line_locked();
	emu_set_alarms(DAHDI_ALARM_RED | DAHDI_ALARM_LOS);
}

static void read_far(int fd, int dchan)
{
	static uint8_t msg[3 + 31 * 1025]; /* the largest frame; the pump thread's alone */
	ssize_t n;

	for (int i = 0; i < 64; i++) {
		n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		pthread_mutex_lock(&emu.lock);
		if (n <= 0)
			line_lost();
		else if (dchan)
			deliver_frame(msg, (size_t)n);
		else
			deliver_audio(msg, (size_t)n);
		pthread_mutex_unlock(&emu.lock);
		if (n <= 0)
			return;
	}
}

static void *pump(void *arg)
{
	struct pollfd pfd[4];
	char buf[256];
	int n, fd_d, fd_a;
	ssize_t r;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&emu.lock);
		if (emu.far_closing) {
			close_line_locked();
			emu.far_closing = 0;
			pthread_cond_broadcast(&emu.cond);
		}
		fd_d = emu.far_d;
		fd_a = emu.far_a;
		pthread_mutex_unlock(&emu.lock);
		n = 0;
		pfd[n++] = (struct pollfd){.fd = emu.wake[0], .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = emu.ctl_sock, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = fd_d, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = fd_a, .events = POLLIN};
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		if (pfd[0].revents)
			while (emu_real_read(emu.wake[0], buf, sizeof(buf)) > 0)
				;
		if (pfd[1].revents & POLLIN) {
			r = recv(emu.ctl_sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (r > 0) {
				buf[r] = '\0';
				buf[strcspn(buf, "\r\n")] = '\0';
				pthread_mutex_lock(&emu.lock);
				control(buf);
				pthread_mutex_unlock(&emu.lock);
			}
		}
		if (fd_d >= 0 && pfd[2].revents)
			read_far(fd_d, 1);
		if (fd_a >= 0 && pfd[3].revents)
			read_far(fd_a, 0);
	}
	return NULL;
}

static void bind_control(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (!emu.ctlpath || strlen(emu.ctlpath) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, emu.ctlpath);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return;
	unlink(emu.ctlpath);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "dahdiemu: cannot bind %s: %s\n", emu.ctlpath, strerror(errno));
		emu_real_close(s);
		return;
	}
	emu.ctl_sock = s;
}

void emu_pump_start(void)
{
	pthread_t th;
	pthread_attr_t at;

	if (pipe2(emu.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("dahdiemu: pipe");
		abort();
	}
	bind_control();
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, pump, NULL) != 0) {
		perror("dahdiemu: pthread_create");
		abort();
	}
	pthread_attr_destroy(&at);
}
