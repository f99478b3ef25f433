/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-source counters, bans, and the kernel filter that enforces them.
 * Counting happens where a request is seen (the SIP glue); dropping
 * happens in the kernel: a classic BPF program on Sofia's sockets compares
 * the IP source address with the banned list, so a banned flood costs no
 * wake-up, no parse and no transaction. */
#include "config.h"

#include "gateway/security.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "gateway/loop.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEC_BUCKETS     4096
#define SEC_MAX_ENTRIES 65536 /* beyond this, new sources are not tracked (spoofed floods) */
#define SEC_MAX_FDS     8
#define SEC_BPF_BUDGET  4000 /* of the kernel's 4096 instructions per program */
#define SEC_SWEEP_MS    250

struct sec_addr {
	uint8_t family; /* AF_INET (4 bytes used) or AF_INET6 */
	uint8_t b[16];
};

struct sec_entry {
	struct sec_entry *next;
	struct sec_addr a;
	int64_t req_start, fail_start, last_seen, banned_until; /* ms; banned_until 0: not banned */
	unsigned req_n, fail_n;
};

struct gw_sec {
	struct gw_loop *loop;
	struct gw_timer *sweep;
	int sweeping;
	int flood_requests, flood_window_ms, auth_failures, auth_window_ms, ban_time_ms;
	int (*trusted)(void *arg, const struct sockaddr *sa);
	void *trusted_arg;
	struct sec_entry *buckets[SEC_BUCKETS];
	unsigned entries, banned, untracked_warned;
	unsigned long bans_total;
	int fds[SEC_MAX_FDS], nfds;
	unsigned filtered; /* bans the kernel filter holds */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* IPv4-mapped IPv6 addresses count as IPv4: the same peer either way. */
static int sec_addr_of(const struct sockaddr *sa, struct sec_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(a, 0, sizeof(*a));
	if (sa && sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(b, mapped, 12) == 0) {
			a->family = AF_INET;
			memcpy(a->b, b + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->b, b, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

static const char *sec_addr_str(const struct sec_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void sec_sockaddr(const struct sec_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->b, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->b, 16);
	}
}

static unsigned sec_hash(const struct sec_addr *a)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < (a->family == AF_INET ? 4u : 16u); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h % SEC_BUCKETS;
}

static struct sec_entry **sec_find(struct gw_sec *sec, const struct sec_addr *a)
{
	struct sec_entry **p = &sec->buckets[sec_hash(a)];

	while (*p && memcmp(&(*p)->a, a, sizeof(*a)) != 0)
		p = &(*p)->next;
	return p;
}

/* --- The kernel filter -------------------------------------------------- */

#define NET(off) ((uint32_t)(SKF_NET_OFF + (off)))

/* One program for both families (a dual-stack socket sees both): the IP
 * version nibble picks the list; each banned address is a compare and a
 * "ret 0" (drop), so no jump is longer than the 8-bit offsets allow. */
static int sec_filter_build(struct gw_sec *sec, struct sock_filter *prog, unsigned *len)
{
	unsigned n = 0, v4_at, v6_at, used = 0;
	struct sock_filter *ja4, *ja6;

	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NET(0));
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 1);
	ja4 = &prog[n++];
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 1);
	ja6 = &prog[n++];
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);

	v4_at = n;
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(12));
	for (unsigned b = 0; b < SEC_BUCKETS; b++)
		for (struct sec_entry *e = sec->buckets[b]; e; e = e->next) {
			if (!e->banned_until || e->a.family != AF_INET || n + 2 > SEC_BPF_BUDGET - 20)
				continue;
			uint32_t k;
			memcpy(&k, e->a.b, 4);
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(k), 0, 1);
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
			used++;
		}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);

	v6_at = n;
	for (unsigned b = 0; b < SEC_BUCKETS; b++)
		for (struct sec_entry *e = sec->buckets[b]; e; e = e->next) {
			if (!e->banned_until || e->a.family != AF_INET6 || n + 9 > SEC_BPF_BUDGET - 1)
				continue;
			for (unsigned w = 0; w < 4; w++) {
				uint32_t k;
				memcpy(&k, e->a.b + 4 * w, 4);
				prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET(8 + 4 * w));
				prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(k), 0,
									 (uint8_t)(7 - 2 * w));
			}
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
			used++;
		}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);

	*ja4 = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, v4_at - (unsigned)(ja4 - prog) - 1);
	*ja6 = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, v6_at - (unsigned)(ja6 - prog) - 1);
	*len = n;
	return (int)used;
}

static void sec_filter_apply(struct gw_sec *sec)
{
	static struct sock_filter prog[SEC_BPF_BUDGET + 8];
	struct sock_fprog fp;
	unsigned len;
	int used;

	if (!sec->nfds)
		return;
	used = sec_filter_build(sec, prog, &len);
	fp.len = (unsigned short)len;
	fp.filter = prog;
	for (int i = 0; i < sec->nfds; i++) {
		int none = 0; /* the kernel wants an int-sized option even to detach */
		int rc = sec->banned ? setsockopt(sec->fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp))
				     : setsockopt(sec->fds[i], SOL_SOCKET, SO_DETACH_FILTER, &none, sizeof(none));
		if (rc < 0 && (sec->banned || errno != ENOENT))
			LOG_W("security", "socket filter on fd %d: %s", sec->fds[i], strerror(errno));
	}
	if ((unsigned)used < sec->banned)
		LOG_W("security", "%u banned addresses, %d in the kernel filter: the rest are refused after parsing",
		      sec->banned, used);
	sec->filtered = (unsigned)used;
}

int gw_sec_guard_port(struct gw_sec *sec, int port)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int found = 0;

	/* called once per listening port (plain SIP, then TLS): the sockets
	 * of every port stay in the list */
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL && sec->nfds < SEC_MAX_FDS) {
		int fd = atoi(de->d_name), type = 0, listening = 0;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss), il = sizeof(int);
		struct stat st;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d) || fstat(fd, &st) < 0 ||
		    !S_ISSOCK(st.st_mode) || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &il) < 0)
			continue;
		if (ss.ss_family == AF_INET    ? ntohs(((struct sockaddr_in *)&ss)->sin_port) != port
		    : ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) != port
					       : 1)
			continue;
		il = sizeof(int);
		if (type == SOCK_STREAM &&
		    (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &il) < 0 || !listening))
			continue;
		if (type != SOCK_DGRAM && type != SOCK_STREAM)
			continue;
		found++;
		for (int i = 0; i < sec->nfds && fd >= 0; i++)
			if (sec->fds[i] == fd)
				fd = -1; /* this port was guarded before */
		if (fd >= 0)
			sec->fds[sec->nfds++] = fd;
	}
	closedir(d);
	if (sec->banned)
		sec_filter_apply(sec);
	LOG_D("security", "%d SIP sockets on port %d filtered for banned sources", found, port);
	return found;
}

int gw_sec_sockets(const struct gw_sec *sec, const int **fds)
{
	*fds = sec->fds;
	return sec->nfds;
}

void gw_sec_unguard(struct gw_sec *sec)
{
	sec->nfds = 0;
}

/* --- Counting and banning ----------------------------------------------- */

static void sec_sweep(void *arg);

static void sec_sweep_arm(struct gw_sec *sec)
{
	if (!sec->sweeping && sec->entries) {
		sec->sweeping = 1;
		gw_timer_start(sec->sweep, SEC_SWEEP_MS);
	}
}

static struct sec_entry *sec_entry(struct gw_sec *sec, const struct sockaddr *sa, int64_t now)
{
	struct sec_addr a;
	struct sec_entry **p, *e;

	if (sec_addr_of(sa, &a) < 0)
		return NULL;
	p = sec_find(sec, &a);
	if (*p) {
		(*p)->last_seen = now;
		return *p;
	}
	if (sec->entries >= SEC_MAX_ENTRIES || !(e = calloc(1, sizeof(*e)))) {
		if (!sec->untracked_warned++)
			LOG_W("security", "tracking %u source addresses: new ones are not counted", sec->entries);
		return NULL;
	}
	e->a = a;
	e->last_seen = e->req_start = e->fail_start = now;
	*p = e;
	sec->entries++;
	sec_sweep_arm(sec);
	return e;
}

static int sec_is_trusted(struct gw_sec *sec, const struct sec_entry *e)
{
	struct sockaddr_storage ss;

	if (!sec->trusted)
		return 0;
	sec_sockaddr(&e->a, &ss);
	return sec->trusted(sec->trusted_arg, (struct sockaddr *)&ss);
}

static void sec_ban(struct gw_sec *sec, struct sec_entry *e, int64_t now, const char *why)
{
	char ip[INET6_ADDRSTRLEN];

	e->banned_until = now + sec->ban_time_ms;
	sec->banned++;
	sec->bans_total++;
	LOG_W("security", "banned %s for %d s: %s", sec_addr_str(&e->a, ip, sizeof(ip)),
	      (sec->ban_time_ms + 999) / 1000, why);
	sec_filter_apply(sec);
}

int gw_sec_request(struct gw_sec *sec, const struct sockaddr *sa)
{
	int64_t now = now_ms();
	struct sec_entry *e;
	char why[96];

	if (!sec || !(e = sec_entry(sec, sa, now)))
		return 0;
	if (e->banned_until)
		return 1;
	if (!sec->flood_requests || !sec->ban_time_ms)
		return 0;
	if (now - e->req_start >= sec->flood_window_ms) {
		e->req_start = now;
		e->req_n = 0;
	}
	if (++e->req_n <= (unsigned)sec->flood_requests)
		return 0;
	/* Asked only at the threshold: the lookup is not on every request. */
	if (sec_is_trusted(sec, e)) {
		e->req_start = now;
		e->req_n = 0;
		return 0;
	}
	snprintf(why, sizeof(why), "%u requests in %d s", e->req_n, (sec->flood_window_ms + 999) / 1000);
	sec_ban(sec, e, now, why);
	return 1;
}

void gw_sec_refused(struct gw_sec *sec, const struct sockaddr *sa, int status)
{
	int64_t now = now_ms();
	struct sec_entry *e;
	char why[96];

	if (!sec || status != 403 || !sec->auth_failures || !sec->ban_time_ms || !(e = sec_entry(sec, sa, now)) ||
	    e->banned_until)
		return;
	if (now - e->fail_start >= sec->auth_window_ms) {
		e->fail_start = now;
		e->fail_n = 0;
	}
	if (++e->fail_n <= (unsigned)sec->auth_failures)
		return;
	if (sec_is_trusted(sec, e)) {
		e->fail_start = now;
		e->fail_n = 0;
		return;
	}
	snprintf(why, sizeof(why), "%u refusals (403) in %d s", e->fail_n, (sec->auth_window_ms + 999) / 1000);
	sec_ban(sec, e, now, why);
}

int gw_sec_banned(struct gw_sec *sec, const struct sockaddr *sa)
{
	struct sec_addr a;
	struct sec_entry **p;

	if (!sec || sec_addr_of(sa, &a) < 0)
		return 0;
	p = sec_find(sec, &a);
	return *p && (*p)->banned_until;
}

/* Bans that ended are lifted; addresses quiet for longer than both
 * windows are forgotten. */
static void sec_sweep(void *arg)
{
	struct gw_sec *sec = arg;
	int64_t now = now_ms(),
		idle = sec->flood_window_ms > sec->auth_window_ms ? sec->flood_window_ms : sec->auth_window_ms;
	unsigned lifted = 0;
	char ip[INET6_ADDRSTRLEN];

	sec->sweeping = 0;
	for (unsigned b = 0; b < SEC_BUCKETS; b++) {
		struct sec_entry **p = &sec->buckets[b];
		while (*p) {
			struct sec_entry *e = *p;
			if (e->banned_until && now >= e->banned_until) {
				LOG_N("security", "unbanned %s", sec_addr_str(&e->a, ip, sizeof(ip)));
				e->banned_until = 0;
				e->req_n = e->fail_n = 0;
				e->req_start = e->fail_start = e->last_seen = now;
				sec->banned--;
				lifted++;
			}
			if (!e->banned_until && now - e->last_seen > idle) {
				*p = e->next;
				free(e);
				sec->entries--;
				continue;
			}
			p = &e->next;
		}
	}
	if (lifted)
		sec_filter_apply(sec);
	sec_sweep_arm(sec);
}

/* --- Life cycle ---------------------------------------------------------- */

static void sec_limits(struct gw_sec *sec, const struct tandem_settings *s)
{
	sec->flood_requests = s->sec_flood_requests;
	sec->flood_window_ms = s->sec_flood_window_ms;
	sec->auth_failures = s->sec_auth_failures;
	sec->auth_window_ms = s->sec_auth_window_ms;
	sec->ban_time_ms = s->sec_ban_time_ms;
}

int gw_sec_new(struct gw_loop *loop, const struct tandem_settings *s, struct gw_sec **out)
{
	struct gw_sec *sec = calloc(1, sizeof(*sec));
	int rc;

	*out = NULL;
	if (!sec)
		return -ENOMEM;
	sec->loop = loop;
	sec_limits(sec, s);
	if ((rc = gw_timer_new(loop, sec_sweep, sec, &sec->sweep)) < 0) {
		free(sec);
		return rc;
	}
	*out = sec;
	return 0;
}

void gw_sec_reconfigure(struct gw_sec *sec, const struct tandem_settings *s)
{
	sec_limits(sec, s);
}

void gw_sec_set_trusted(struct gw_sec *sec, int (*trusted)(void *arg, const struct sockaddr *sa), void *arg)
{
	sec->trusted = trusted;
	sec->trusted_arg = arg;
}

void gw_sec_free(struct gw_sec *sec)
{
	if (!sec)
		return;
	for (unsigned b = 0; b < SEC_BUCKETS; b++)
		while (sec->buckets[b]) {
			struct sec_entry *e = sec->buckets[b];
			sec->buckets[b] = e->next;
			free(e);
		}
	gw_timer_free(sec->sweep);
	free(sec);
}

void gw_sec_status(const struct gw_sec *sec, struct ctl_out *out)
{
	ctl_out_kv(out, "security_banned", "%u", sec->banned);
	ctl_out_kv(out, "security_bans", "%lu", sec->bans_total);
	ctl_out_kv(out, "security_tracked", "%u", sec->entries);
	ctl_out_kv(out, "security_filtered_sockets", "%d", sec->nfds);
}
