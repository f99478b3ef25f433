/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How many bridged channels one media worker thread sustains, and the latency a bridge adds. The real worker code
 * (gateway/libtandem_media.a, one worker) runs virtual E1 spans (socketpairs) driven by this program, each channel
 * bridged to RTP toward a UDP peer on loopback. A tick is 20 ms of audio on every active channel: one TDM block and
 * one RTP packet in, one TDM block and one RTP packet out. The worker's CPU time per tick (its thread's clock, so
 * other processes on the machine do not count) must stay under 20 ms: the largest channel count with no tick over
 * that, found by a search, is what one core sustains. Measured for (a) relay alone (no DTMF detection, no echo
 * canceller, no concealment), (b) relay + DTMF detection + the echo canceller with its answer-tone detectors + PLC +
 * fax detection (CNG, CED/V.21: all as tandemd runs a call; --fax-detect 0 leaves fax detection out), and (c)
 * the bare canceller (gateway/media_echo.c's media_echo_process on 160-sample blocks, the same tail) in a loop on
 * the same core. Then latency, driven in real time (a tick every 20 ms): TDM block in -> its RTP packet out (beyond
 * the 20 ms of packetization, which is the block itself), and RTP packet in -> its audio in a TDM block out, beyond
 * the jitter buffer's delay; with two workers, as tandemd runs (media.workers), the second sharing each tick's
 * cancellers (media_int.h struct media_share) from the driver's CPU, to which the driver yields between polls.
 *   bench/media [--max-relay N] [--ticks K] [--tail-ms T] [--latency-channels L] [--latency-workers W]
 *               [--latency-seconds S] [--only P]
 * (defaults: 8000, 50, 128, 30, 2, 4; P: the parts to run, of c, b, a, s and l (latency), all by default). (s) is the
 * floor under (a): one recv and one sendto per channel per tick on the worker's CPU, nothing else. The worker is
 * pinned to one CPU and the driver to another when there are two. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gateway/media.h"
#include "gateway/media_echo.h"
#include "gateway/media_int.h"
#include "gateway/tdm_span.h"

#define CH_PER_SPAN 30
#define TICK_US     20000
#define JITTER_MS   40

static int opt_ticks = 50, opt_max_relay = 8000, opt_lat_ch = 30, opt_lat_s = 4;
static unsigned opt_tail = 128;
static int opt_fax = 1;                /* (b) with fax detection (CNG, CED/V.21), as tandemd runs every call */
static const char *opt_only = "cbasl"; /* which parts to run: c, b, a, s(ockets), l(atency) */
static int cpu_worker = -1, cpu_driver = -1;
static int opt_lat_workers = 2; /* as tandemd runs (media.workers) */
static cpu_set_t all_cpus;      /* the CPUs we may use */
static uint8_t noise[8192];

static long now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* CPU time the host took from this VM (all CPUs, /proc/stat's steal), in ms; -1 if unknown. A figure taken
 * while it grows is the host's as much as the bridge's. */
static long steal_ms(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7])
		  : 0;

	if (f)
		fclose(f);
	return n == 8 ? (long)(v[7] * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK)) : -1;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void on_event(void *arg, const struct media_event *ev)
{
	(void)arg;
	(void)ev;
}

/* --- A rig: spans, bridges, peers ----------------------------------------- */

struct rig {
	struct media *m;
	clockid_t worker_clock;
	int nspans, nch;
	struct tdm_span **spans;
	int *span_fd, *dfd, *peer_fd;
	unsigned *peer_port;
	struct media_bridge **b;
	unsigned *port;      /* per channel: the bridge's RTP port */
	uint16_t *first_seq; /* per channel: the first RTP sequence number it sent us (latency) */
	int *have_first;
	unsigned long *rx_exp; /* per channel: RTP packets sent to it */
};

static int span_ch(int i)
{
	int k = i % CH_PER_SPAN + 1;

	return k < 16 ? k : k + 1; /* E1: timeslot 16 is the D-channel */
}

static int udp_bind(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), sz = 1 << 20;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	*port = ntohs(sa.sin_port);
	return fd;
}

/* full: DTMF detection both ways, the echo canceller, concealment. */
static struct rig *rig_new(int nch, int full, int nworkers)
{
	struct media_config cfg = {.nworkers = nworkers,
				   .rtp = {.addr = "127.0.0.1", .port_min = 41000, .port_max = 60999},
				   .jitter_ms = JITTER_MS,
				   .on_event = on_event};
	struct rig *r = calloc(1, sizeof(*r));

	r->nch = nch;
	r->nspans = (nch + CH_PER_SPAN - 1) / CH_PER_SPAN;
	r->spans = calloc((size_t)r->nspans, sizeof(*r->spans));
	r->span_fd = calloc((size_t)r->nspans, sizeof(int));
	r->dfd = calloc((size_t)r->nspans, sizeof(int));
	r->peer_fd = calloc((size_t)r->nspans, sizeof(int));
	r->peer_port = calloc((size_t)r->nspans, sizeof(unsigned));
	r->b = calloc((size_t)nch, sizeof(*r->b));
	r->port = calloc((size_t)nch, sizeof(unsigned));
	r->first_seq = calloc((size_t)nch, sizeof(uint16_t));
	r->have_first = calloc((size_t)nch, sizeof(int));
	r->rx_exp = calloc((size_t)nch, sizeof(unsigned long));
	/* one worker inherits the creating thread's CPU; more are placed below,
	 * and media_new() must see every CPU to let them share ticks */
	if (nworkers == 1)
		pin(cpu_worker);
	else
		sched_setaffinity(0, sizeof(all_cpus), &all_cpus);
	if (media_new(&cfg, &r->m) < 0) {
		fprintf(stderr, "media_new failed\n");
		exit(1);
	}
	pin(cpu_driver);
	/* more workers: the first (it gets the spans) on the worker's CPU, the
	 * others on the driver's, which yields to them (latency()) */
	for (int i = 0; nworkers > 1 && i < nworkers; i++) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(i == 0 ? cpu_worker : cpu_driver, &one);
		pthread_setaffinity_np(r->m->workers[i].thread, sizeof(one), &one);
	}
	pthread_getcpuclockid(r->m->workers[0].thread, &r->worker_clock);
	for (int s = 0; s < r->nspans; s++) {
		struct tdm_span_config sc = {.id = s + 1, .type = TDM_SPAN_E1, .law = TDM_LAW_ULAW};
		int a[2], d[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d) < 0 ||
		    tdm_span_virtual_from_fds(&sc, d[0], a[0], &r->spans[s]) < 0 ||
		    media_add_span(r->m, r->spans[s]) < 0 || (r->peer_fd[s] = udp_bind(&r->peer_port[s])) < 0) {
			fprintf(stderr, "span %d: %s (raise ulimit -n?)\n", s + 1, strerror(errno));
			exit(1);
		}
		r->span_fd[s] = a[1];
		r->dfd[s] = d[1];
	}
	for (int i = 0; i < nch; i++) {
		struct media_bridge_config c = {.span = r->spans[i / CH_PER_SPAN], .channel = span_ch(i)};
		int rc;

		if ((rc = media_rtp_open(r->m, &c.rtp)) < 0) {
			fprintf(stderr, "channel %d: no RTP port: %s (raise ulimit -n?)\n", i, strerror(-rc));
			exit(1);
		}
		r->port[i] = rtp_endpoint_port(c.rtp);
		strcpy(c.params.remote_addr, "127.0.0.1");
		c.params.remote_port = r->peer_port[i / CH_PER_SPAN];
		c.params.pt = RTP_PT_PCMU;
		c.params.event_pt = 101;
		c.params.send = c.params.recv = 1;
		c.dtmf_to_tdm = c.dtmf_from_tdm = full;
		c.echo_tail_ms = full ? opt_tail : 0;
		c.plc = full;
		c.fax_detect = full && opt_fax;
		if (media_bridge_start(r->m, &c, &r->b[i]) < 0) {
			fprintf(stderr, "channel %d: bridge not started\n", i);
			exit(1);
		}
	}
	for (int i = 0; i < nch; i++) {
		struct media_stats st;

		do {
			media_bridge_stats(r->b[i], &st);
		} while (!st.running && usleep(100) == 0);
	}
	return r;
}

static void rig_free(struct rig *r)
{
	media_free(r->m);
	for (int s = 0; s < r->nspans; s++) {
		tdm_span_free(r->spans[s]);
		close(r->span_fd[s]);
		close(r->dfd[s]);
		close(r->peer_fd[s]);
	}
	free(r->spans), free(r->span_fd), free(r->dfd), free(r->peer_fd), free(r->peer_port);
	free(r->b), free(r->port), free(r->first_seq), free(r->have_first), free(r->rx_exp);
	free(r);
}

static void send_rtp(struct rig *r, int i, uint32_t k, uint8_t fill)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct rtp_header h = {
	    .pt = RTP_PT_PCMU, .seq = (uint16_t)k, .ts = k * RTP_FRAME, .ssrc = 0x5000u + (unsigned)i};
	uint8_t pl[RTP_FRAME], buf[RTP_HDR_LEN + RTP_FRAME];
	size_t n;

	h.marker = k == 0;
	if (fill)
		memset(pl, fill, sizeof(pl));
	else
		memcpy(pl, noise + (k * 37 + (unsigned)i * 11) % (sizeof(noise) - RTP_FRAME), RTP_FRAME);
	sa.sin_port = htons((uint16_t)r->port[i]);
	rtp_pack(&h, pl, sizeof(pl), buf, sizeof(buf), &n);
	sendto(r->peer_fd[i / CH_PER_SPAN], buf, n, 0, (struct sockaddr *)&sa, sizeof(sa));
}

/* One tick's TDM blocks for channels [i0, i1) of one span, as pstnsim sends them: one frame (docs/spans.md). */
static void send_tdm(struct rig *r, int i0, int i1, uint32_t k)
{
	uint8_t msg[3 + CH_PER_SPAN * (1 + RTP_FRAME)], *e = msg + 3;

	msg[0] = 0;
	msg[1] = RTP_FRAME & 0xFF;
	msg[2] = RTP_FRAME >> 8;
	for (int i = i0; i < i1; i++, e += 1 + RTP_FRAME) {
		e[0] = (uint8_t)span_ch(i);
		memcpy(e + 1, noise + (k * 53 + (unsigned)i * 29) % (sizeof(noise) - RTP_FRAME), RTP_FRAME);
	}
	if (send(r->span_fd[i0 / CH_PER_SPAN], msg, (size_t)(e - msg), 0) < 0)
		perror("send");
}

/* What came back: per span fd, TDM blocks; per peer fd, RTP. The callbacks see each (latency). */
struct arrivals {
	int tdm, rtp;
	void (*on_tdm)(struct rig *r, int span, const uint8_t *msg, size_t len, long t);
	void (*on_rtp)(struct rig *r, int span, const uint8_t *pkt, size_t len, unsigned from_port, long t);
};

/* One datagram, and when it arrived: the kernel's receive time when the
 * socket has SO_TIMESTAMPNS (latency: the driver's own wake-up is not the
 * bridge's delay), else now; CLOCK_REALTIME either way. */
static ssize_t recv_stamped(int fd, void *buf, size_t size, struct sockaddr_in *from, long *t)
{
	struct iovec iov = {buf, size};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct msghdr mh = {.msg_name = from,
			    .msg_namelen = from ? sizeof(*from) : 0,
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	*t = now_ns(CLOCK_REALTIME);
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*t = ts.tv_sec * 1000000000L + ts.tv_nsec;
		}
	return n;
}

static void collect(struct rig *r, int nspans, struct arrivals *a, int timeout_ms)
{
	struct pollfd p[2 * 1024];
	uint8_t buf[RTP_MAX_PACKET];
	static uint8_t fbuf[3 + 31 * 1025];
	int np = 0;

	for (int s = 0; s < nspans && np < 2048; s++) {
		p[np++] = (struct pollfd){.fd = r->span_fd[s], .events = POLLIN};
		p[np++] = (struct pollfd){.fd = r->peer_fd[s], .events = POLLIN};
	}
	if (poll(p, (nfds_t)np, timeout_ms) <= 0)
		return;
	for (int j = 0; j < np; j++) {
		ssize_t n;

		if (!(p[j].revents & POLLIN))
			continue;
		if (j % 2 == 0) {
			long t;

			while ((n = recv_stamped(p[j].fd, fbuf, sizeof(fbuf), NULL, &t)) > 0) {
				size_t blk = fbuf[1] | (size_t)fbuf[2] << 8;

				if (fbuf[0] != 0 || n < 3 || blk == 0) { /* one block */
					a->tdm++;
					if (a->on_tdm)
						a->on_tdm(r, j / 2, fbuf, (size_t)n, t);
					continue;
				}
				for (size_t off = 3; off + 1 + blk <= (size_t)n; off += 1 + blk) {
					a->tdm++;
					if (a->on_tdm)
						a->on_tdm(r, j / 2, fbuf + off, 1 + blk, t);
				}
			}
		} else {
			struct sockaddr_in from;
			long t;

			while ((n = recv_stamped(p[j].fd, buf, sizeof(buf), &from, &t)) > 0) {
				a->rtp++;
				if (a->on_rtp)
					a->on_rtp(r, j / 2, buf, (size_t)n, ntohs(from.sin_port), t);
			}
		}
	}
}

/* One tick on the first n channels, as fast as the worker goes; its CPU time in ns. */
static long tick(struct rig *r, int n, uint32_t k)
{
	long c0 = now_ns(r->worker_clock), c1;
	int nspans = (n + CH_PER_SPAN - 1) / CH_PER_SPAN;
	struct arrivals a = {0};

	for (int i = 0; i < n; i++) {
		send_rtp(r, i, k, 0);
		r->rx_exp[i]++;
	}
	for (int i = 0; i < n; i += CH_PER_SPAN)
		send_tdm(r, i, i + CH_PER_SPAN < n ? i + CH_PER_SPAN : n, k);
	/* Polled without sleeping (the driver has its own CPU): a driver asleep
	 * in poll() would be woken by the worker's packets, and on loopback that
	 * wake-up is the sender's work, counted in the worker's time though a
	 * gateway sending to a network never pays it. */
	while (a.tdm < n || a.rtp < n)
		collect(r, nspans, &a, 0);
	/* and every RTP packet taken in (it may be read after the TDM block) */
	for (int i = 0; i < n; i++) {
		struct media_stats st;

		for (;;) {
			media_bridge_stats(r->b[i], &st);
			if (st.rtp_rx_packets + st.rtp_rx_bad >= r->rx_exp[i])
				break;
			sched_yield();
		}
	}
	c1 = now_ns(r->worker_clock);
	return c1 - c0;
}

struct result {
	long max_ns, mean_ns;
};

static uint32_t tick_no; /* per rig: every channel's RTP and TDM stay in sequence */

static struct result measure(struct rig *r, int n)
{
	struct result res = {0, 0};
	long sum = 0;

	/* the channels not driven so far start from here; tick 0..4 warm up */
	for (int i = 0; i < 5; i++)
		tick(r, n, tick_no++);
	for (int i = 0; i < opt_ticks; i++) {
		long t = tick(r, n, tick_no++);

		sum += t;
		res.max_ns = t > res.max_ns ? t : res.max_ns;
	}
	res.mean_ns = sum / opt_ticks;
	return res;
}

/* The largest n (a multiple of step, at most max) whose worst tick fits in 20 ms. */
static int search(struct result (*fn)(void *ctx, int n), void *ctx, int step, int max, struct result *at)
{
	int lo = 0, hi = max + step, n = step * 2;
	struct result r;

	while (hi - lo > step) {
		r = fn(ctx, n);
		fprintf(stderr, "  %6d channels: worst tick %6.2f ms, mean %6.2f ms\n", n, r.max_ns / 1e6,
			r.mean_ns / 1e6);
		if (r.max_ns <= TICK_US * 1000L) {
			lo = n;
			*at = r;
		} else {
			hi = n;
		}
		if (hi > max) { /* no failure yet: jump to where the cost says, then bisect */
			long guess = (long)n * TICK_US * 1000L / (r.max_ns > 0 ? r.max_ns : 1);
			int next = (int)(guess * 21 / 20 / step * step);

			n = next > n ? next : n + step;
			if (n > max)
				n = lo == max ? max + step : max;
			if (n > max)
				break;
		} else {
			n = (lo + hi) / 2 / step * step;
			if (n <= lo)
				break;
		}
	}
	return lo;
}

static struct result bridges_at(void *ctx, int n)
{
	return measure(ctx, n);
}

/* --- (c) the bare canceller ----------------------------------------------------- */

struct bare {
	int max;
	struct media_echo **ec;
};

static struct result bare_at(void *ctx, int n)
{
	struct bare *b = ctx;
	struct result res = {0, 0};
	int16_t ref[RTP_FRAME], io[RTP_FRAME];
	long sum = 0;

	for (int t = 0; t < opt_ticks + 5; t++) {
		long c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), d;

		for (int i = 0; i < n; i++) {
			const uint8_t *x =
			    noise + ((unsigned)t * 53 + (unsigned)i * 29) % (sizeof(noise) - 2 * RTP_FRAME);

			for (int j = 0; j < RTP_FRAME; j++) {
				ref[j] = (int16_t)((x[j] - 128) * 64);
				io[j] = (int16_t)(ref[j] / 4 + (x[j + RTP_FRAME] - 128) * 4);
			}
			media_echo_process(b->ec[i], ref, io, RTP_FRAME);
		}
		d = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (t >= 5) {
			sum += d;
			res.max_ns = d > res.max_ns ? d : res.max_ns;
		}
	}
	res.mean_ns = sum / opt_ticks;
	return res;
}

/* --- (s) the sockets alone ----------------------------------------------------- */

/* What the relay cannot go below: per channel per tick, one RTP packet read
 * from its socket and one sent from it, nothing else, on the worker's CPU
 * (a thread there, its own CPU clock), while the driver sends and drains
 * on the other as for the bridges. On loopback the send also runs the
 * receiving side's path, as it does for the relay. */
struct sockets {
	int max, npeers;
	int *fd, *peer;
	unsigned *port, *peer_port;
	int n;
	long ns;
	sem_t go, done;
	pthread_t th;
};

static void *sockets_thread(void *arg)
{
	struct sockets *s = arg;
	uint8_t buf[RTP_MAX_PACKET], pkt[RTP_HDR_LEN + RTP_FRAME];

	memset(pkt, 0x80, sizeof(pkt));
	for (;;) {
		long c0;

		sem_wait(&s->go);
		if (s->n < 0)
			return NULL;
		c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		for (int i = 0; i < s->n; i++) {
			struct sockaddr_in sa = {.sin_family = AF_INET,
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
						 .sin_port = htons((uint16_t)s->peer_port[i / CH_PER_SPAN])};

			while (recv(s->fd[i], buf, sizeof(buf), 0) < 0 && errno == EAGAIN)
				;
			sendto(s->fd[i], pkt, sizeof(pkt), 0, (struct sockaddr *)&sa, sizeof(sa));
		}
		s->ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		sem_post(&s->done);
	}
}

static struct result sockets_at(void *ctx, int n)
{
	struct sockets *s = ctx;
	struct result res = {0, 0};
	uint8_t pkt[RTP_HDR_LEN + RTP_FRAME], buf[RTP_MAX_PACKET];
	long sum = 0;

	memset(pkt, 0x80, sizeof(pkt));
	for (int t = 0; t < opt_ticks + 5; t++) {
		for (int i = 0; i < n; i++) {
			struct sockaddr_in sa = {.sin_family = AF_INET,
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
						 .sin_port = htons((uint16_t)s->port[i])};

			sendto(s->peer[i / CH_PER_SPAN], pkt, sizeof(pkt), 0, (struct sockaddr *)&sa, sizeof(sa));
		}
		s->n = n;
		sem_post(&s->go);
		sem_wait(&s->done);
		for (int p = 0; p < (n + CH_PER_SPAN - 1) / CH_PER_SPAN; p++)
			while (recv(s->peer[p], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		if (t >= 5) {
			sum += s->ns;
			res.max_ns = s->ns > res.max_ns ? s->ns : res.max_ns;
		}
	}
	res.mean_ns = sum / opt_ticks;
	return res;
}

static int sockets_floor(struct result *at)
{
	struct sockets s = {.max = opt_max_relay};
	int n;

	s.npeers = (s.max + CH_PER_SPAN - 1) / CH_PER_SPAN;
	s.fd = calloc((size_t)s.max, sizeof(int));
	s.port = calloc((size_t)s.max, sizeof(unsigned));
	s.peer = calloc((size_t)s.npeers, sizeof(int));
	s.peer_port = calloc((size_t)s.npeers, sizeof(unsigned));
	for (int i = 0; i < s.max; i++)
		if ((s.fd[i] = udp_bind(&s.port[i])) < 0) {
			fprintf(stderr, "socket %d: %s\n", i, strerror(errno));
			exit(1);
		}
	for (int p = 0; p < s.npeers; p++)
		if ((s.peer[p] = udp_bind(&s.peer_port[p])) < 0) {
			fprintf(stderr, "peer socket %d: %s\n", p, strerror(errno));
			exit(1);
		}
	sem_init(&s.go, 0, 0);
	sem_init(&s.done, 0, 0);
	pin(cpu_worker);
	pthread_create(&s.th, NULL, sockets_thread, &s);
	pin(cpu_driver);
	fprintf(stderr, "(s) the sockets alone:\n");
	n = search(sockets_at, &s, CH_PER_SPAN, s.max, at);
	s.n = -1;
	sem_post(&s.go);
	pthread_join(s.th, NULL);
	for (int i = 0; i < s.max; i++)
		close(s.fd[i]);
	for (int p = 0; p < s.npeers; p++)
		close(s.peer[p]);
	free(s.fd), free(s.port), free(s.peer), free(s.peer_port);
	return n;
}

/* --- Latency, in real time ----------------------------------------------------- */

#define LAT_TICKS_MAX 4096

static long *t_tdm_sent, *t_rtp_sent; /* [ch * LAT_TICKS_MAX + k] */
static uint32_t lat_tick;
static double fwd_sum, rev_sum, fwd_max, rev_max;
static long fwd_n, rev_n;
static double *fwd_all, *rev_all; /* every figure, for the percentiles */

static void lat_on_rtp(struct rig *r, int span, const uint8_t *pkt, size_t len, unsigned from, long t)
{
	struct rtp_header h;
	const uint8_t *pl;
	size_t plen;
	int i;

	(void)span;
	if (rtp_parse(pkt, len, &h, &pl, &plen) < 0)
		return;
	for (i = 0; i < r->nch && r->port[i] != from; i++)
		;
	if (i == r->nch)
		return;
	if (!r->have_first[i]) {
		r->have_first[i] = 1;
		r->first_seq[i] = h.seq;
	}
	{
		uint32_t k = (uint16_t)(h.seq - r->first_seq[i]);

		if (k >= 10 && k < LAT_TICKS_MAX && t_tdm_sent[i * LAT_TICKS_MAX + k]) {
			double d = (t - t_tdm_sent[i * LAT_TICKS_MAX + k]) / 1e6;

			fwd_sum += d;
			fwd_all[fwd_n++] = d;
			fwd_max = d > fwd_max ? d : fwd_max;
		}
	}
}

static void lat_on_tdm(struct rig *r, int span, const uint8_t *msg, size_t len, long t)
{
	int i, code;
	uint32_t k;

	if (len != 1 + RTP_FRAME || msg[1] < 0x20 || msg[1] >= 0x60)
		return; /* silence before playout */
	for (i = span * CH_PER_SPAN; i < r->nch && span_ch(i) != msg[0]; i++)
		;
	code = msg[1] - 0x20;
	/* the latest RTP tick sent with that code */
	k = lat_tick - (uint32_t)((int)(lat_tick % 64) - code + 64) % 64;
	if (i < r->nch && k >= 10 && k < LAT_TICKS_MAX && t_rtp_sent[i * LAT_TICKS_MAX + k]) {
		double d = (t - t_rtp_sent[i * LAT_TICKS_MAX + k]) / 1e6 - JITTER_MS;

		rev_sum += d;
		rev_all[rev_n++] = d;
		rev_max = d > rev_max ? d : rev_max;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile of v[0..n), sorted. */
static double percentile(const double *v, long n, double p)
{
	return n > 0 ? v[(long)(p / 100.0 * (double)(n - 1) + 0.5)] : -1;
}

static void latency(int nch)
{
	struct rig *r = rig_new(nch, 1, opt_lat_workers);
	int nspans = r->nspans, ticks = opt_lat_s * 50;
	struct arrivals a = {.on_tdm = lat_on_tdm, .on_rtp = lat_on_rtp};
	struct timespec next;
	long stolen;
	double f50, f99, r50, r99;

	if (ticks > LAT_TICKS_MAX)
		ticks = LAT_TICKS_MAX;
	for (int s = 0; s < nspans; s++) {
		int on = 1;

		setsockopt(r->span_fd[s], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
		setsockopt(r->peer_fd[s], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	}
	t_tdm_sent = calloc((size_t)nch * LAT_TICKS_MAX, sizeof(long));
	t_rtp_sent = calloc((size_t)nch * LAT_TICKS_MAX, sizeof(long));
	fwd_all = calloc((size_t)nch * LAT_TICKS_MAX, sizeof(double));
	rev_all = calloc((size_t)nch * LAT_TICKS_MAX, sizeof(double));
	stolen = steal_ms();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (lat_tick = 0; lat_tick < (uint32_t)ticks; lat_tick++) {
		long deadline;

		/* RTP first: the far end's packet for this 20 ms, then the B-channels' block */
		for (int i = 0; i < nch; i++) {
			t_rtp_sent[i * LAT_TICKS_MAX + lat_tick] = now_ns(CLOCK_REALTIME);
			send_rtp(r, i, lat_tick, (uint8_t)(0x20 + lat_tick % 64));
		}
		for (int i = 0; i < nch; i += CH_PER_SPAN) {
			for (int j = i; j < nch && j < i + CH_PER_SPAN; j++)
				t_tdm_sent[j * LAT_TICKS_MAX + lat_tick] = now_ns(CLOCK_REALTIME);
			send_tdm(r, i, i + CH_PER_SPAN < nch ? i + CH_PER_SPAN : nch, lat_tick);
		}
		next.tv_nsec += TICK_US * 1000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		deadline = next.tv_sec * 1000000000L + next.tv_nsec;
		for (long left; (left = deadline - now_ns(CLOCK_MONOTONIC)) > 0;) {
			collect(r, nspans, &a, 0); /* never asleep: see tick() */
			if (opt_lat_workers > 1)
				sched_yield(); /* a worker sharing a tick may want this CPU */
		}
	}
	if (stolen >= 0)
		stolen = steal_ms() - stolen;
	printf("latency, %d channels (relay + DTMF + canceller + PLC%s), real time, %d s, jitter buffer %d ms, %d "
	       "worker%s; the host took %ld ms of CPU from this VM meanwhile:\n",
	       nch, opt_fax ? " + fax detection" : "", opt_lat_s, JITTER_MS, opt_lat_workers,
	       opt_lat_workers > 1 ? "s" : "", stolen);
	qsort(fwd_all, (size_t)fwd_n, sizeof(*fwd_all), cmp_double);
	qsort(rev_all, (size_t)rev_n, sizeof(*rev_all), cmp_double);
	f50 = percentile(fwd_all, fwd_n, 50);
	f99 = percentile(fwd_all, fwd_n, 99);
	r50 = percentile(rev_all, rev_n, 50);
	r99 = percentile(rev_all, rev_n, 99);
	printf("  TDM -> RTP, beyond the 20 ms packet:      mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms (%ld "
	       "packets)\n",
	       fwd_n ? fwd_sum / fwd_n : -1, f50, f99, fwd_max, fwd_n);
	printf("  RTP -> TDM, beyond the %d ms jitter buffer: mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms (%ld "
	       "blocks)\n",
	       JITTER_MS, rev_n ? rev_sum / rev_n : -1, r50, r99, rev_max, rev_n);
	if (opt_lat_workers > 1)
		printf(
		    "  %d workers: %lu of the %ld blocks in were cancelled and sent by the worker after the span's\n",
		    opt_lat_workers, media_shared_blocks(r->m), (long)ticks * nch);
	/* judged on p99: the max is the worst stall of a shared host, 10-60 ms at times whatever the bridge does */
	printf("  target: at most 2 ms (p99 both ways): %s\n",
	       fwd_n && rev_n && f99 <= 2 && r99 <= 2 ? "met" : "MISSED");
	free(t_tdm_sent);
	free(t_rtp_sent);
	free(fwd_all);
	free(rev_all);
	rig_free(r);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	cpu_set_t set;
	struct result ra = {0, 0}, rb = {0, 0}, rc = {0, 0}, rs = {0, 0};
	struct bare bare;
	int na = 0, nb = 0, nc = 0, ns = 0, ncpu = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ticks"))
			opt_ticks = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-relay"))
			opt_max_relay = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tail-ms"))
			opt_tail = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--latency-channels"))
			opt_lat_ch = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--latency-workers"))
			opt_lat_workers = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--latency-seconds"))
			opt_lat_s = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--fax-detect"))
			opt_fax = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--only"))
			opt_only = argv[i + 1];
		else {
			fprintf(stderr, "usage: bench/media [--max-relay N] [--ticks K] [--tail-ms T] "
					"[--latency-channels L] [--latency-workers W] [--latency-seconds S] [--only "
					"cbasl] [--fax-detect 0|1]\n");
			return 2;
		}
	}
	if (opt_lat_workers < 1 || opt_lat_workers > 64) { /* media_new()'s range */
		fprintf(stderr, "bench/media: --latency-workers must be 1..64\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		/* two sockets a channel, and the spans' and peers' */
		if (rl.rlim_cur < (rlim_t)opt_max_relay * 2 + 2000)
			opt_max_relay = (int)(rl.rlim_cur - 2000) / 2 / CH_PER_SPAN * CH_PER_SPAN;
	}
	srand(1);
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(rand() & 0xFF) | 0x80; /* mu-law of moderate level, never 0xFF runs */
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	all_cpus = set;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			if (ncpu == 0)
				cpu_worker = c;
			else if (ncpu == 1)
				cpu_driver = c;
			ncpu++;
		}
	if (ncpu < 2)
		cpu_driver = cpu_worker;
	printf("bench/media: one worker on CPU %d, the driver on CPU %d (%ld CPUs online; a shared machine makes these "
	       "figures noisy), %d ticks of 20 ms a point, echo tail %u ms\n",
	       cpu_worker, cpu_driver, sysconf(_SC_NPROCESSORS_ONLN), opt_ticks, opt_tail);
	fflush(stdout);

	/* (c) the bare canceller, on the worker's CPU */
	if (strchr(opt_only, 'c')) {
		bare.max = 4000;
		bare.ec = calloc((size_t)bare.max, sizeof(*bare.ec));
		for (int i = 0; i < bare.max; i++)
			bare.ec[i] = media_echo_new(opt_tail);
		pin(cpu_worker);
		fprintf(stderr, "(c) bare canceller:\n");
		nc = search(bare_at, &bare, 10, bare.max, &rc);
		pin(cpu_driver);
		for (int i = 0; i < bare.max; i++)
			media_echo_free(bare.ec[i]);
		free(bare.ec);
	}

	/* (b) the full bridge; it cannot beat the canceller alone */
	if (strchr(opt_only, 'b')) {
		int cap = ((nc ? nc : 600) + 2 * CH_PER_SPAN) / CH_PER_SPAN * CH_PER_SPAN;
		struct rig *r = rig_new(cap, 1, 1);

		fprintf(stderr, "(b) relay + DTMF + canceller + PLC%s (%d bridges):\n",
			opt_fax ? " + fax detection" : "", cap);
		tick_no = 0;
		nb = search(bridges_at, r, CH_PER_SPAN, cap, &rb);
		rig_free(r);
	}
	/* (a) relay alone */
	if (strchr(opt_only, 'a')) {
		struct rig *r = rig_new(opt_max_relay, 0, 1);

		fprintf(stderr, "(a) relay alone (%d bridges):\n", opt_max_relay);
		tick_no = 0;
		na = search(bridges_at, r, CH_PER_SPAN, opt_max_relay, &ra);
		rig_free(r);
	}
	/* (s) the sockets alone: the floor under (a) */
	if (strchr(opt_only, 's'))
		ns = sockets_floor(&rs);
	if (strchr(opt_only, 'c'))
		printf(
		    "(c) bare canceller (media_echo_process, 160-sample blocks): %d channels  (%.2f us per channel per "
		    "20 ms)\n",
		    nc, nc ? rc.mean_ns / 1e3 / nc : 0);
	if (strchr(opt_only, 'b'))
		printf("(b) relay + DTMF detect + canceller + PLC%s: %d channels  (%.2f us per channel per 20 ms)\n",
		       opt_fax ? " + fax detect" : "", nb, nb ? rb.mean_ns / 1e3 / nb : 0);
	if (strchr(opt_only, 'a'))
		printf(
		    "(a) relay alone:                                             %d channels%s (%.2f us per channel "
		    "per 20 ms)\n",
		    na, na >= opt_max_relay ? " (all the bridges the fd limit allows: at least)" : "",
		    na ? ra.mean_ns / 1e3 / na : 0);
	if (ns)
		printf("(s) the sockets alone (one recv + one sendto):              %d channels%s (%.2f us per channel "
		       "per 20 ms): (a)/(s) = %.2f\n",
		       ns, ns >= opt_max_relay ? " (at least)" : "", rs.mean_ns / 1e3 / ns, (double)na / ns);
	if (strchr(opt_only, 'b') && strchr(opt_only, 'c')) {
		printf("(b)/(c) = %.2f: target at least 0.80: %s\n", nc ? (double)nb / nc : 0,
		       nc && (double)nb / nc >= 0.8 ? "met" : "MISSED");
		/* the same from the mean costs (the counts come from each search's worst tick) */
		if (nb && nc)
			printf("  by mean cost per channel: (c) %.2f us / (b) %.2f us = %.2f\n", rc.mean_ns / 1e3 / nc,
			       rb.mean_ns / 1e3 / nb, ((double)rc.mean_ns / nc) / ((double)rb.mean_ns / nb));
	}
	if (strchr(opt_only, 'a'))
		printf("(a) = %d: target at least 5000 channels a core: %s\n", na, na >= 5000 ? "met" : "MISSED");
	fflush(stdout);
	if (strchr(opt_only, 'l'))
		latency(opt_lat_ch);
	return 0;
}
