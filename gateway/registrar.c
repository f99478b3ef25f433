/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registrar's bindings (gateway/registrar.h): an array searched
 * linearly, which is plenty for the PBXs of one node's customers (a few
 * thousand); the newest binding of a customer is tried first. */
#include "config.h"

#include "gateway/registrar.h"

#include "common/ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_registrar {
	struct gw_reg_binding *b;
	size_t n, cap;
	int64_t seq; /* the last registered_ms given: they stay unique and rising */
	void (*hook)(void *arg, const struct gw_reg_binding *b, int removed);
	void *hook_arg;
};

void gw_reg_set_hook(struct gw_registrar *r, void (*fn)(void *arg, const struct gw_reg_binding *b, int removed),
		     void *arg)
{
	r->hook = fn;
	r->hook_arg = arg;
}

static void reg_told(struct gw_registrar *r, const struct gw_reg_binding *b, int removed)
{
	if (r->hook)
		r->hook(r->hook_arg, b, removed);
}

struct gw_registrar *gw_reg_new(void)
{
	return calloc(1, sizeof(struct gw_registrar));
}

void gw_reg_free(struct gw_registrar *r)
{
	if (!r)
		return;
	free(r->b);
	free(r);
}

int gw_reg_is_private(const char *host)
{
	unsigned char a[16];
	char buf[64];
	size_t n;

	if (!host)
		return 0;
	n = strlen(host);
	if (n >= sizeof(buf))
		return 0;
	/* "[v6]" as in a URI */
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, host, n + 1);
	}
	if (inet_pton(AF_INET, buf, a) == 1)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, buf, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	return 0;
}

static struct gw_reg_binding *reg_find(struct gw_registrar *r, int64_t customer_id, const char *aor,
				       const char *contact)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->b[i].customer_id == customer_id && strcmp(r->b[i].aor, aor) == 0 &&
		    strcmp(r->b[i].contact, contact) == 0)
			return &r->b[i];
	return NULL;
}

static void reg_drop(struct gw_registrar *r, size_t i)
{
	r->b[i] = r->b[--r->n];
}

/* 1 when s has no control character: Sofia-SIP keeps a folded line
 * ("\r\n ") inside a Contact's host (found by tests/fuzz/fuzz_sip.c), and
 * a target is written into the Request-URI of the INVITEs we send. */
static int reg_clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int gw_reg_update(struct gw_registrar *r, int64_t customer_id, const char *aor, const char *contact, const char *user,
		  const char *host, unsigned port, const char *source_ip, unsigned source_port, const char *transport,
		  const char *call_id, int expires, time_t now)
{
	struct gw_reg_binding *b = reg_find(r, customer_id, aor, contact);
	int tcp = transport && strcmp(transport, "tcp") == 0, tls = transport && strcmp(transport, "tls") == 0;
	char hostport[96];

	if (!reg_clean(aor) || !reg_clean(contact) || !reg_clean(user) || !reg_clean(host) || !reg_clean(call_id))
		return -EINVAL;
	if (expires <= 0) {
		if (b) {
			reg_told(r, b, 1);
			reg_drop(r, (size_t)(b - r->b));
		}
		return 0;
	}
	if (!b) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct gw_reg_binding *p = reallocarray(r->b, cap, sizeof(*p));

			if (!p)
				return -ENOMEM;
			r->b = p;
			r->cap = cap;
		}
		b = &r->b[r->n++];
		memset(b, 0, sizeof(*b));
		b->customer_id = customer_id;
		snprintf(b->aor, sizeof(b->aor), "%s", aor);
		snprintf(b->contact, sizeof(b->contact), "%s", contact);
	}
	/* Behind a NAT the Contact names an address nobody outside can reach:
	 * calls go where the REGISTER came from (the port is rport's). */
	b->nat = gw_reg_is_private(host) && strcmp(host, source_ip) != 0;
	if (b->nat)
		snprintf(hostport, sizeof(hostport), strchr(source_ip, ':') ? "[%s]:%u" : "%s:%u", source_ip,
			 source_port);
	else if (port)
		snprintf(hostport, sizeof(hostport), "%s:%u", host, port);
	else
		snprintf(hostport, sizeof(hostport), "%s", host);
	snprintf(b->target, sizeof(b->target), "sip:%s%s%s%s", user && *user ? user : "", user && *user ? "@" : "",
		 hostport,
		 tls   ? ";transport=tls"
		 : tcp ? ";transport=tcp"
		       : "");
	snprintf(b->source, sizeof(b->source), strchr(source_ip, ':') ? "[%s]:%u" : "%s:%u", source_ip, source_port);
	snprintf(b->transport, sizeof(b->transport), "%s", tls ? "tls" : tcp ? "tcp" : "udp");
	snprintf(b->call_id, sizeof(b->call_id), "%s", call_id ? call_id : "");
	b->expires_at = now + expires;
	/* wall-clock ms, comparable with other nodes' in the database; unique
	 * and rising here even within one second */
	b->registered_ms = (int64_t)now * 1000 > r->seq ? (int64_t)now * 1000 : r->seq + 1;
	r->seq = b->registered_ms;
	b->node[0] = '\0'; /* ours now, whoever had it */
	reg_told(r, b, 0);
	return 0;
}

size_t gw_reg_load(struct gw_registrar *r, const struct gw_reg_binding *list, size_t n)
{
	size_t taken = 0;

	/* other nodes' bindings: the list replaces them */
	for (size_t i = r->n; i-- > 0;)
		if (r->b[i].node[0])
			reg_drop(r, i);
	for (size_t i = 0; i < n; i++) {
		const struct gw_reg_binding *in = &list[i];
		struct gw_reg_binding *b = reg_find(r, in->customer_id, in->aor, in->contact);

		if (!reg_clean(in->aor) || !reg_clean(in->contact) || !reg_clean(in->target) || !in->target[0])
			continue;
		if (b && b->registered_ms >= in->registered_ms)
			continue; /* ours is as new or newer */
		if (!b) {
			if (r->n == r->cap) {
				size_t cap = r->cap ? r->cap * 2 : 16;
				struct gw_reg_binding *p = reallocarray(r->b, cap, sizeof(*p));

				if (!p)
					return taken;
				r->b = p;
				r->cap = cap;
			}
			b = &r->b[r->n++];
		}
		*b = *in;
		if (b->registered_ms > r->seq)
			r->seq = b->registered_ms;
		taken++;
	}
	return taken;
}

void gw_reg_remove_aor(struct gw_registrar *r, int64_t customer_id, const char *aor)
{
	for (size_t i = r->n; i-- > 0;)
		if (r->b[i].customer_id == customer_id && strcmp(r->b[i].aor, aor) == 0) {
			reg_told(r, &r->b[i], 1);
			reg_drop(r, i);
		}
}

size_t gw_reg_expire(struct gw_registrar *r, time_t now)
{
	size_t gone = 0;

	for (size_t i = r->n; i-- > 0;)
		if (r->b[i].expires_at <= now) {
			reg_drop(r, i);
			gone++;
		}
	return gone;
}

static int reg_newer_first(const void *x, const void *y)
{
	const struct gw_reg_binding *a = *(const struct gw_reg_binding *const *)x;
	const struct gw_reg_binding *b = *(const struct gw_reg_binding *const *)y;

	return a->registered_ms < b->registered_ms ? 1 : a->registered_ms > b->registered_ms ? -1 : 0;
}

size_t gw_reg_lookup(struct gw_registrar *r, int64_t customer_id, const char *aor, time_t now,
		     const struct gw_reg_binding **out, size_t max)
{
	size_t n = 0;

	if (!max)
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct gw_reg_binding *b = &r->b[i];

		if (b->customer_id != customer_id || b->expires_at <= now || (aor && strcmp(b->aor, aor) != 0))
			continue;
		if (n < max) {
			out[n++] = b;
			continue;
		}
		/* full: b replaces the oldest kept, if it is newer */
		size_t old = 0;
		for (size_t j = 1; j < n; j++)
			if (out[j]->registered_ms < out[old]->registered_ms)
				old = j;
		if (out[old]->registered_ms < b->registered_ms)
			out[old] = b;
	}
	qsort(out, n, sizeof(*out), reg_newer_first);
	return n;
}

size_t gw_reg_count(const struct gw_registrar *r)
{
	return r->n;
}

void gw_reg_status(struct gw_registrar *r, time_t now, struct ctl_out *out)
{
	static const char *const cols[] = {"customer_id", "aor", "contact",   "target",
					   "source",      "nat", "expires_s", "node"};

	ctl_out_table(out, "registrations", cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < r->n; i++) {
		const struct gw_reg_binding *b = &r->b[i];
		char id[24], exp[24];
		const char *vals[8];

		if (b->expires_at <= now)
			continue;
		snprintf(id, sizeof(id), "%" PRId64, b->customer_id);
		snprintf(exp, sizeof(exp), "%lld", (long long)(b->expires_at - now));
		vals[0] = id;
		vals[1] = b->aor;
		vals[2] = b->contact;
		vals[3] = b->target;
		vals[4] = b->source;
		vals[5] = b->nat ? "yes" : "no";
		vals[6] = exp;
		vals[7] = b->node[0] ? b->node : "-";
		ctl_out_row(out, vals, 8);
	}
	ctl_out_end(out);
}
