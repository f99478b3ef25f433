/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Driver for tests/integration/directory.sh: runs gw_directory on a real
 * event loop against the database in the libpq environment and answers
 * one command line from stdin with one line on stdout (status: several,
 * then "end"). The script does the SQL, stops and starts PostgreSQL, and
 * polls these answers until they change.
 *
 *   route CUSTOMER NUMBER  -> "route TRUNK PREFIXLEN ROUTEID" | "route none"
 *   held-route C NUMBER    -> the same, from the snapshot taken by "hold"
 *   did NUMBER             -> "did CUSTOMER TARGET" | "did none"
 *   addr IP                -> "customer ID NAME ENABLED" | "customer none"
 *   trunk NAME             -> "trunk ID KIND ENABLED NMEMBERS FIRST-MEMBER NCAUSES" | "trunk none"
 *   hold / release         -> "held VERSION" / "released"
 *   reload                 -> "reloading"
 *   swaps                  -> "swaps N" (on_swap callbacks seen)
 *   status                 -> gw_directory_status rows as "KEY VALUE", then "end"
 *   quit                   -> "bye", and exit 0 */
#include "config.h"

#include "common/ctl.h"
#include "common/log.h"
#include "common/settings.h"
#include "db/directory.h"
#include "gateway/directory.h"
#include "gateway/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct driver {
	struct gw_loop *loop;
	struct gw_directory *dir;
	struct gw_watch *in;
	const struct dir_snapshot *held;
	unsigned long swaps;
	char buf[4096];
	size_t len;
};

static void on_swap(void *arg, const struct dir_snapshot *now)
{
	struct driver *d = arg;

	(void)now;
	d->swaps++;
}

static void cmd_route(const struct dir_snapshot *s, const char *cust, const char *number)
{
	struct route_match m;

	if (!s || !cust || !number || route_lookup(dir_routes(s), strtoll(cust, NULL, 10), number, &m) < 0) {
		printf("route none\n");
		return;
	}
	printf("route %lld %u %lld\n", (long long)m.targets[0].trunk_id, m.prefix_len,
	       (long long)m.targets[0].route_id);
}

static void cmd_did(const struct dir_snapshot *s, const char *number)
{
	struct route_did d;

	if (!s || !number || route_did_lookup(dir_routes(s), number, &d) < 0)
		printf("did none\n");
	else
		printf("did %lld %s\n", (long long)d.customer_id, d.target ? d.target : "-");
}

static void cmd_addr(const struct dir_snapshot *s, const char *addr)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	const struct dir_customer *c = NULL;

	if (s && addr && inet_pton(AF_INET, addr, &in.sin_addr) == 1)
		c = dir_customer_by_addr(s, (const struct sockaddr *)&in);
	else if (s && addr && inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1)
		c = dir_customer_by_addr(s, (const struct sockaddr *)&in6);
	if (c)
		printf("customer %lld %s %d\n", (long long)c->id, c->name, c->enabled);
	else
		printf("customer none\n");
}

static void cmd_trunk(const struct dir_snapshot *s, const char *name)
{
	const struct dir_trunk *t = s ? dir_trunk_by_name(s, name) : NULL;
	const struct dir_member *m;
	const struct dir_cause_row *c;
	size_t nm, nc;

	if (!t) {
		printf("trunk none\n");
		return;
	}
	nm = dir_trunk_members(s, t->id, &m);
	nc = dir_cause_rows(s, t->id, &c);
	printf("trunk %lld %s %d %zu %s:%u %zu\n", (long long)t->id, t->kind == DIR_TRUNK_PRI ? "pri" : "sip",
	       t->enabled, nm, nm ? m[0].host : "-", nm ? m[0].port : 0, nc);
}

/* Print the status rows ("row KEY\tVALUE") as "KEY VALUE". */
static void cmd_status(struct driver *d)
{
	struct ctl_out out = {0};
	char *line, *save = NULL;

	gw_directory_status(d->dir, &out);
	for (line = out.buf ? strtok_r(out.buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (strncmp(line, "row ", 4) != 0 || !tab)
			continue;
		*tab = ' ';
		printf("%s\n", line + 4);
	}
	printf("end\n");
	ctl_out_free(&out);
}

static void command(struct driver *d, char *line)
{
	const struct dir_snapshot *s = gw_directory_current(d->dir);
	char *save = NULL, *cmd = strtok_r(line, " ", &save), *a1 = strtok_r(NULL, " ", &save),
	     *a2 = strtok_r(NULL, " ", &save);
	struct dir_stats st;

	if (!cmd)
		printf("error empty\n");
	else if (strcmp(cmd, "route") == 0)
		cmd_route(s, a1, a2);
	else if (strcmp(cmd, "held-route") == 0)
		cmd_route(d->held, a1, a2);
	else if (strcmp(cmd, "did") == 0)
		cmd_did(s, a1);
	else if (strcmp(cmd, "addr") == 0)
		cmd_addr(s, a1);
	else if (strcmp(cmd, "trunk") == 0)
		cmd_trunk(s, a1);
	else if (strcmp(cmd, "hold") == 0 && !d->held && (d->held = gw_directory_acquire(d->dir))) {
		dir_snapshot_stats(d->held, &st);
		printf("held %llu\n", (unsigned long long)st.version);
	} else if (strcmp(cmd, "release") == 0) {
		gw_directory_release(d->dir, d->held);
		d->held = NULL;
		printf("released\n");
	} else if (strcmp(cmd, "reload") == 0) {
		gw_directory_reload(d->dir);
		printf("reloading\n");
	} else if (strcmp(cmd, "swaps") == 0)
		printf("swaps %lu\n", d->swaps);
	else if (strcmp(cmd, "status") == 0)
		cmd_status(d);
	else if (strcmp(cmd, "quit") == 0) {
		printf("bye\n");
		gw_loop_stop(d->loop);
	} else
		printf("error unknown command %s\n", cmd);
}

static void on_input(void *arg, int revents)
{
	struct driver *d = arg;
	ssize_t n;
	char *nl;

	(void)revents;
	n = read(0, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		gw_loop_stop(d->loop); /* the script went away */
		return;
	}
	d->len += (size_t)n;
	d->buf[d->len] = '\0';
	while ((nl = strchr(d->buf, '\n'))) {
		*nl = '\0';
		command(d, d->buf);
		d->len -= (size_t)(nl + 1 - d->buf);
		memmove(d->buf, nl + 1, d->len + 1);
	}
	if (d->len == sizeof(d->buf) - 1)
		d->len = 0; /* a line too long: drop it */
}

int main(void)
{
	struct driver d = {0};
	struct tandem_settings s;
	char err[256];
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_setup("directory_driver", LOG_TARGET_STDERR, LOG_DEBUG, LOG_DAEMON);
	if (settings_load(NULL, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "settings: %s\n", err);
		return 1;
	}
	s.db_conninfo[0] = '\0'; /* the libpq environment */
	s.db_reconnect_ms = 200;
	s.db_connect_timeout_ms = 2000;
	/* no directory cache: "no database at start" means nothing to route
	 * with here (directory_cache.sh tests the cache through tandemd) */
	snprintf(s.db_dir_cache, sizeof(s.db_dir_cache), "off");
	if ((rc = gw_loop_new(&d.loop)) < 0 || (rc = gw_directory_new(d.loop, &s, &d.dir)) < 0 ||
	    (rc = gw_watch_new(d.loop, 0, GW_READ, on_input, &d, &d.in)) < 0) {
		fprintf(stderr, "start: %s\n", strerror(-rc));
		return 1;
	}
	gw_directory_on_swap(d.dir, on_swap, &d);
	gw_loop_run(d.loop);
	gw_directory_release(d.dir, d.held);
	gw_watch_free(d.in);
	gw_directory_free(d.dir);
	gw_loop_free(d.loop);
	return 0;
}
