/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DAHDI emulation's system-call layer: open, ioctl, read, write and close of /dev/dahdi/channel and
 * /dev/dahdi/ctl, with the device's rules (DAHDI_SPECIFY first, ELAST while an event is pending, one block per
 * audio read or write, HDLC frames with their FCS) and the errno a device gives when they are broken. */
#include "config.h"

#include "tests/dahdi_emu/dahdiemu.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dahdi/user.h>

struct emu_span emu = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

ssize_t (*emu_real_read)(int, void *, size_t);
ssize_t (*emu_real_write)(int, const void *, size_t);
int (*emu_real_close)(int);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_ioctl)(int, unsigned long, ...);

/* Lets a test check that it runs with the emulation loaded. */
const char *dahdiemu_version(void);
const char *dahdiemu_version(void)
{
	return "tandem dahdiemu 1";
}

static void resolve(void)
{
	if (emu_real_read)
		return;
	emu_real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	emu_real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	__atomic_store_n(&emu_real_read, (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read"), __ATOMIC_RELEASE);
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* The span from the environment: DAHDI_EMU_TYPE (e1|t1), DAHDI_EMU_SPAN
 * (its number; spans before it are unconfigured 31-channel spans),
 * DAHDI_EMU_DCHAN_SIG (dchan|hardhdlc|bchan: how system.conf configured
 * the D-channel), DAHDI_EMU_DCHAN/DAHDI_EMU_AUDIO (the far end's
 * virtual-span paths), DAHDI_EMU_CTL (a datagram control socket). */
static void init_span(void)
{
	const char *type = getenv("DAHDI_EMU_TYPE"), *sig = getenv("DAHDI_EMU_DCHAN_SIG");

	/* Read again whenever nothing is open and the line is down (a test
	 * may "re-cable" the emulation between cases). */
	if (emu.inited && (emu.nopen > 0 || emu.far_d >= 0))
		return;
	emu.e1 = !(type && strcasecmp(type, "t1") == 0);
	emu.spanno = env_int("DAHDI_EMU_SPAN", 1);
	if (emu.spanno < 1 || emu.spanno > 8)
		emu.spanno = 1;
	emu.basechan = 1 + 31 * (emu.spanno - 1);
	emu.nchans = emu.e1 ? 31 : 24;
	emu.dslot = emu.e1 ? 16 : 24;
	emu.dsig = !sig || strcmp(sig, "dchan") == 0 ? DAHDI_SIG_HDLCFCS
		   : strcmp(sig, "hardhdlc") == 0    ? DAHDI_SIG_HARDHDLC
						     : DAHDI_SIG_CLEAR;
	emu.dpath = getenv("DAHDI_EMU_DCHAN");
	emu.apath = getenv("DAHDI_EMU_AUDIO");
	emu.ctlpath = getenv("DAHDI_EMU_CTL");
	/* No line configured: the span is in red alarm, as a card with no cable. */
	emu.alarms = emu.dpath && emu.apath ? 0 : DAHDI_ALARM_RED;
	if (!emu.inited) {
		emu.inited = 1;
		emu.far_d = emu.far_a = emu.ctl_sock = -1;
		emu_pump_start();
	}
}

static struct emu_fd *lookup(int fd)
{
	if (fd < 0 || fd >= EMU_MAX_FD)
		return NULL;
	return __atomic_load_n(&emu.by_fd[fd], __ATOMIC_ACQUIRE);
}

static int is_dahdi(const char *path, int *ctl)
{
	if (!path)
		return 0;
	if (strcmp(path, "/dev/dahdi/channel") == 0) {
		*ctl = 0;
		return 1;
	}
	if (strcmp(path, "/dev/dahdi/ctl") == 0) {
		*ctl = 1;
		return 1;
	}
	return 0;
}

static int emu_open(int ctl, int flags)
{
	struct emu_fd *c;
	int sv[2], type = SOCK_SEQPACKET;

	if (flags & O_NONBLOCK)
		type |= SOCK_NONBLOCK;
	if (flags & O_CLOEXEC)
		type |= SOCK_CLOEXEC;
	c = calloc(1, sizeof(*c));
	if (!c || socketpair(AF_UNIX, type, 0, sv) < 0) {
		free(c);
		errno = ENOMEM;
		return -1;
	}
	if (sv[0] >= EMU_MAX_FD) {
		emu_real_close(sv[0]);
		emu_real_close(sv[1]);
		free(c);
		errno = EMFILE;
		return -1;
	}
	/* Our end never blocks: a full reader loses data, as a device's
	 * buffers overrun. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	c->fd = sv[0];
	c->peer = sv[1];
	c->is_ctl = ctl;
	c->blocksize = DAHDI_DEFAULT_BLOCKSIZE;
	c->numbufs = DAHDI_DEFAULT_NUM_BUFS;
	c->law = DAHDI_LAW_DEFAULT;
	pthread_mutex_lock(&emu.lock);
	init_span();
	emu.nopen++;
	__atomic_store_n(&emu.by_fd[c->fd], c, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&emu.lock);
	return c->fd;
}

static int open_mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...);
int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode, ctl;

	resolve();
	va_start(ap, flags);
	mode = open_mode_arg(flags, ap);
	va_end(ap);
	if (is_dahdi(path, &ctl))
		return emu_open(ctl, flags);
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...);
int open64(const char *path, int flags, ...)
{
	va_list ap;
	int mode, ctl;

	resolve();
	va_start(ap, flags);
	mode = open_mode_arg(flags, ap);
	va_end(ap);
	if (is_dahdi(path, &ctl))
		return emu_open(ctl, flags);
	return real_open(path, flags | O_LARGEFILE, mode);
}

int openat(int dirfd, const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode, ctl;

	resolve();
	va_start(ap, flags);
	mode = open_mode_arg(flags, ap);
	va_end(ap);
	if (is_dahdi(path, &ctl))
		return emu_open(ctl, flags);
	return real_openat(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE's checked open. */
int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

/* --- close ------------------------------------------------------------- */

static int bound_in_span(void)
{
	for (int ts = 1; ts <= emu.nchans; ts++)
		if (emu.by_ts[ts])
			return 1;
	return 0;
}

int close(int fd);
int close(int fd)
{
	struct emu_fd *c;

	resolve();
	c = lookup(fd);
	if (!c)
		return emu_real_close(fd);
	pthread_mutex_lock(&emu.lock);
	__atomic_store_n(&emu.by_fd[fd], NULL, __ATOMIC_RELEASE);
	emu.nopen--;
	if (c->ts && emu.by_ts[c->ts] == c) {
		emu.by_ts[c->ts] = NULL;
		/* The last channel of the span closed: hang up the line, so
		 * the far end sees the gateway go, as pstnsim expects. */
		if (!bound_in_span())
			emu_line_close();
	}
	emu_real_close(c->peer);
	pthread_mutex_unlock(&emu.lock);
	free(c);
	return emu_real_close(fd);
}

/* --- read and write ------------------------------------------------------ */

static ssize_t fail(int err)
{
	errno = err;
	return -1;
}

/* One record off the socketpair: a block of audio, or one HDLC frame
 * with its two FCS octets. A frame longer than count is cut (DAHDI copies
 * what fits). */
static ssize_t emu_read(struct emu_fd *c, void *buf, size_t count)
{
	uint8_t rec[1 + EMU_RX_MAX];
	ssize_t n;
	size_t len;

	for (;;) {
		pthread_mutex_lock(&emu.lock);
		if (c->is_ctl || !c->channo) {
			pthread_mutex_unlock(&emu.lock);
			return fail(EINVAL);
		}
		if (c->evcount) {
			pthread_mutex_unlock(&emu.lock);
			return fail(ELAST); /* DAHDI_GETEVENT first */
		}
		pthread_mutex_unlock(&emu.lock);
		n = recv(c->fd, rec, sizeof(rec), 0);
		if (n <= 0)
			return n;
		if (rec[0] == EMU_REC_EVENT)
			continue; /* a wake-up; the check above decides */
		len = (size_t)n - 1 < count ? (size_t)n - 1 : count;
		memcpy(buf, rec + 1, len);
		return (ssize_t)len;
	}
}

static ssize_t emu_write(struct emu_fd *c, const void *buf, size_t count)
{
	uint8_t msg[1 + DAHDI_MAX_BLOCKSIZE];
	ssize_t rc;
	size_t n;
	uint16_t fcs;
	int sock;

	pthread_mutex_lock(&emu.lock);
	if (c->is_ctl || !c->channo) {
		rc = fail(EINVAL);
		goto out;
	}
	if (c->evcount) {
		rc = fail(ELAST);
		goto out;
	}
	if (c->ts == emu.dslot && emu.dsig != DAHDI_SIG_CLEAR) {
		/* HDLC: the last two octets are room for the FCS we compute. */
		if (count < 3 || count > (size_t)c->blocksize || count > sizeof(msg)) {
			rc = fail(EINVAL);
			goto out;
		}
		memcpy(msg, buf, count);
		fcs = (uint16_t)~emu_fcs16(msg, count - 2);
		msg[count - 2] = (uint8_t)(fcs & 0xFF);
		msg[count - 1] = (uint8_t)(fcs >> 8);
		n = count;
		sock = emu.far_d;
		rc = (ssize_t)count;
		if (sock >= 0 && !(emu.alarms & DAHDI_ALARM_RED) &&
		    send(sock, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EAGAIN)
			rc = fail(EAGAIN);
		goto out;
	}
	/* A clear channel takes at most one block per write. */
	n = count < (size_t)c->blocksize ? count : (size_t)c->blocksize;
	if (n == 0 || n > 1024) { /* the far end's audio message holds up to 1024 */
		rc = n == 0 ? 0 : fail(EINVAL);
		goto out;
	}
	msg[0] = (uint8_t)c->ts;
	memcpy(msg + 1, buf, n);
	rc = (ssize_t)n;
	if (emu.far_a >= 0 && !(emu.alarms & DAHDI_ALARM_RED) &&
	    send(emu.far_a, msg, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EAGAIN)
		rc = fail(EAGAIN);
out:
	pthread_mutex_unlock(&emu.lock);
	return rc;
}

ssize_t read(int fd, void *buf, size_t count);
ssize_t read(int fd, void *buf, size_t count)
{
	struct emu_fd *c;

	resolve();
	c = lookup(fd);
	return c ? emu_read(c, buf, count) : emu_real_read(fd, buf, count);
}

ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	if (count > buflen)
		abort();
	return read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count)
{
	struct emu_fd *c;

	resolve();
	c = lookup(fd);
	return c ? emu_write(c, buf, count) : emu_real_write(fd, buf, count);
}

/* --- ioctl --------------------------------------------------------------- */

static int spanstat(struct emu_fd *c, struct dahdi_spaninfo *si)
{
	int s = si->spanno;

	if (s == 0 && c->channo)
		s = emu.spanno; /* on a channel: its own span */
	if (s < 1 || s > emu.spanno)
		return -EINVAL;
	memset(si, 0, sizeof(*si));
	si->spanno = s;
	snprintf(si->name, sizeof(si->name), "EMU/%d", s);
	snprintf(si->desc, sizeof(si->desc), "Tandem DAHDI emulation span %d", s);
	si->totalchans = s == emu.spanno ? emu.nchans : 31;
	si->numchans = s == emu.spanno ? emu.nchans : 0;
	si->alarms = s == emu.spanno ? (int)emu.alarms : DAHDI_ALARM_NOTOPEN;
	si->totalspans = emu.spanno;
	si->linecompat = DAHDI_CONFIG_CCS | DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_ESF | DAHDI_CONFIG_B8ZS;
	snprintf(si->spantype, sizeof(si->spantype), "%s", s == emu.spanno && !emu.e1 ? "T1" : "E1");
	return 0;
}

static int specify(struct emu_fd *c, int channo)
{
	int ts, rc;

	if (c->is_ctl)
		return -ENOTTY;
	if (c->channo)
		return -EINVAL; /* already bound: a device refuses a second DAHDI_SPECIFY */
	if (channo < 1 || channo > EMU_MAX_CHANNEL)
		return -EINVAL;
	ts = channo - emu.basechan + 1;
	if (ts < 1 || ts > emu.nchans)
		return -ENXIO; /* no such channel, or one of an unconfigured span */
	if (emu.by_ts[ts])
		return -EBUSY;
	if (!bound_in_span() && (rc = emu_line_connect()) < 0)
		return rc;
	c->channo = channo;
	c->ts = ts;
	emu.by_ts[ts] = c;
	return 0;
}

static int get_params(struct emu_fd *c, struct dahdi_params *p)
{
	int law = c->law;

	if (law == DAHDI_LAW_DEFAULT)
		law = emu.e1 ? DAHDI_LAW_ALAW : DAHDI_LAW_MULAW;
	memset(p, 0, sizeof(*p));
	p->channo = c->channo;
	p->spanno = emu.spanno;
	p->chanpos = c->ts;
	p->sigtype = c->ts == emu.dslot ? emu.dsig : DAHDI_SIG_CLEAR;
	p->sigcap = DAHDI_SIG_CLEAR | DAHDI_SIG_HDLCFCS | DAHDI_SIG_HARDHDLC;
	p->curlaw = law;
	p->chan_alarms = emu.alarms;
	snprintf(p->name, sizeof(p->name), "EMU/%d/%d", emu.spanno, c->ts);
	return 0;
}

static int set_bufinfo(struct emu_fd *c, const struct dahdi_bufferinfo *bi)
{
	if (bi->txbufpolicy < DAHDI_POLICY_IMMEDIATE || bi->txbufpolicy > DAHDI_POLICY_HALF_FULL ||
	    bi->rxbufpolicy < DAHDI_POLICY_IMMEDIATE || bi->rxbufpolicy > DAHDI_POLICY_WHEN_FULL)
		return -EINVAL;
	if (bi->bufsize < 16 || bi->bufsize > DAHDI_MAX_BLOCKSIZE || bi->numbufs < 2 ||
	    bi->numbufs > DAHDI_MAX_NUM_BUFS || bi->bufsize * bi->numbufs > DAHDI_MAX_BUF_SPACE)
		return -EINVAL;
	c->txpol = bi->txbufpolicy;
	c->rxpol = bi->rxbufpolicy;
	c->numbufs = bi->numbufs;
	c->blocksize = bi->bufsize; /* DAHDI: the buffer size is the block size */
	return 0;
}

static int chan_ioctl(struct emu_fd *c, unsigned long req, void *arg)
{
	int v;

	if (c->is_ctl)
		return req == DAHDI_SPANSTAT ? spanstat(c, arg) : -ENOTTY;
	if (req == DAHDI_SPECIFY)
		return specify(c, *(int *)arg);
	if (!c->channo)
		return -EINVAL; /* a /dev/dahdi/channel fd is nothing before DAHDI_SPECIFY */
	switch (req) {
	case DAHDI_SPANSTAT:
		return spanstat(c, arg);
	case DAHDI_GET_PARAMS:
		return get_params(c, arg);
	case DAHDI_GET_BLOCKSIZE:
		*(int *)arg = c->blocksize;
		return 0;
	case DAHDI_SET_BLOCKSIZE:
		v = *(int *)arg;
		if (v < 16 || v > DAHDI_MAX_BLOCKSIZE)
			return -EINVAL;
		c->blocksize = v;
		return 0;
	case DAHDI_SETLAW:
		v = *(int *)arg;
		if (v < DAHDI_LAW_DEFAULT || v > DAHDI_LAW_ALAW)
			return -EINVAL;
		c->law = v;
		return 0;
	case DAHDI_SET_BUFINFO:
		return set_bufinfo(c, arg);
	case DAHDI_GET_BUFINFO: {
		struct dahdi_bufferinfo *bi = arg;
		memset(bi, 0, sizeof(*bi));
		bi->txbufpolicy = c->txpol;
		bi->rxbufpolicy = c->rxpol;
		bi->numbufs = c->numbufs;
		bi->bufsize = c->blocksize;
		return 0;
	}
	case DAHDI_GETEVENT:
		if (c->evcount) {
			*(int *)arg = c->events[c->evhead];
			c->evhead = (c->evhead + 1) % EMU_EVQ;
			c->evcount--;
		} else {
			*(int *)arg = DAHDI_EVENT_NONE;
		}
		return 0;
	case DAHDI_CHANNO:
		*(int *)arg = c->channo;
		return 0;
	case DAHDI_FLUSH:
		return 0;
	case DAHDI_ECHOCANCEL_PARAMS: {
		/* Recorded for tests: "echocancel CHANNO TAPS" lines in
		 * DAHDI_EMU_IOCTL_LOG (taps 0: off). */
		struct dahdi_echocanparams *ecp = arg;
		const char *path = getenv("DAHDI_EMU_IOCTL_LOG");
		char line[64];
		int fd, n;

		if (ecp->tap_length > 1024 || ecp->param_count > DAHDI_MAX_ECHOCANPARAMS)
			return -EINVAL;
		if (path && (fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) >= 0) {
			n = snprintf(line, sizeof(line), "echocancel %d %u\n", c->channo, ecp->tap_length);
			if (emu_real_write(fd, line, (size_t)n) < 0) {
				/* a test's log: nothing to do */
			}
			emu_real_close(fd);
		}
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

int ioctl(int fd, unsigned long req, ...);
int ioctl(int fd, unsigned long req, ...)
{
	struct emu_fd *c;
	va_list ap;
	void *arg;
	int rc;

	resolve();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	c = lookup(fd);
	if (!c)
		return real_ioctl(fd, req, arg);
	if (!arg && req != DAHDI_TIMERPING && req != DAHDI_TIMERPONG)
		return (int)fail(EFAULT);
	pthread_mutex_lock(&emu.lock);
	rc = chan_ioctl(c, req, arg);
	pthread_mutex_unlock(&emu.lock);
	return rc < 0 ? (int)fail(-rc) : rc;
}
