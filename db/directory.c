/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory snapshot: sorted arrays searched by bisection, and address
 * blocks grouped by (family, prefix length) so that a longest match tries
 * each distinct length once, longest first. */
#include "config.h"

#include "db/directory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* An address block: IPv4 in the first 4 bytes of a, the rest zero. */
struct dir_addr {
	uint8_t fam; /* 4 or 6 */
	uint8_t len; /* prefix length */
	uint8_t a[16];
	int64_t customer_id;
};

/* The blocks of one family and length: addrs[first .. first + n). */
struct dir_group {
	uint8_t fam, len;
	size_t first, n;
};

/* A customer's destination rule or caller prefix ("+" and 0..15 digits). */
struct dir_rule {
	int64_t customer_id;
	char prefix[17];
	bool allow; /* destinations: allow or deny; callers: always true */
};

/* Where a trunk's members and cause rows start (parallel to trunks). */
struct dir_trunk_span {
	size_t mfirst, mn, cfirst, cn;
};

struct dir_builder {
	struct route_builder *routes;
	struct dir_customer *cust;
	struct dir_addr *addr;
	struct dir_trunk *trunk;
	struct dir_member *mem;
	struct dir_cause_row *cause;
	struct dir_credential *cred;
	struct dir_rule *dest, *caller;
	size_t ncust, naddr, ntrunk, nmem, ncause, ncred, ndest, ncaller;
	size_t ccust, caddr, ctrunk, cmem, ccause, ccred, cdest, ccaller;
};

struct dir_snapshot {
	struct route_index *routes;
	struct dir_customer *cust; /* by id */
	struct dir_addr *addr;     /* by family, length (longest first), address */
	struct dir_group *groups;
	struct dir_trunk *trunk; /* by id */
	struct dir_trunk_span *span;
	const struct dir_trunk **by_name;
	struct dir_member *mem;         /* by trunk, priority, id */
	struct dir_cause_row *cause;    /* by trunk, direction, cause, status */
	struct dir_credential *cred;    /* by username, realm */
	struct dir_rule *dest, *caller; /* by customer, prefix */
	size_t ncust, naddr, ngroups, ntrunk, nmem, ncause, ncred, ndest, ncaller;
	uint64_t version;
	time_t loaded_at;
	unsigned load_ms;
};

/* --- Builder ------------------------------------------------------------ */

int dir_builder_new(struct dir_builder **out)
{
	struct dir_builder *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || route_builder_new(&b->routes) < 0) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

static void dir_free_strings(struct dir_customer *c, size_t nc, struct dir_trunk *t, size_t nt, struct dir_member *m,
			     size_t nm)
{
	for (size_t i = 0; i < nc; i++)
		free((char *)c[i].name);
	for (size_t i = 0; i < nt; i++) {
		free((char *)t[i].name);
		free((char *)t[i].auth_user);
		free((char *)t[i].auth_password);
	}
	for (size_t i = 0; i < nm; i++)
		free((char *)m[i].host);
}

static void dir_free_creds(struct dir_credential *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)c[i].username);
		free((char *)c[i].realm);
	}
	free(c);
}

void dir_builder_free(struct dir_builder *b)
{
	if (!b)
		return;
	dir_free_strings(b->cust, b->ncust, b->trunk, b->ntrunk, b->mem, b->nmem);
	dir_free_creds(b->cred, b->ncred);
	free(b->cust);
	free(b->addr);
	free(b->trunk);
	free(b->mem);
	free(b->cause);
	free(b->dest);
	free(b->caller);
	route_builder_free(b->routes);
	free(b);
}

struct route_builder *dir_builder_routes(struct dir_builder *b)
{
	return b->routes;
}

/* Make room for one more element in *arr (n used of *cap). */
static int dir_grow(void **arr, size_t n, size_t *cap, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = reallocarray(*arr, c, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

#define DIR_GROW(b, arr, n, c) dir_grow((void **)&(b)->arr, (b)->n, &(b)->c, sizeof(*(b)->arr))

int dir_builder_add_customer(struct dir_builder *b, int64_t id, const char *name, bool enabled, unsigned max_calls,
			     double max_cps, unsigned max_duration_s)
{
	struct dir_customer *c;

	if (!name || id <= 0 || !(max_cps >= 0) || max_duration_s == 0)
		return -EINVAL;
	if (DIR_GROW(b, cust, ncust, ccust) < 0)
		return -ENOMEM;
	c = &b->cust[b->ncust];
	*c = (struct dir_customer){id,    strdup(name),     enabled, max_calls, max_cps, max_duration_s,
				   false, DIR_DTMF_RFC4733, false};
	if (!c->name)
		return -ENOMEM;
	b->ncust++;
	return 0;
}

int dir_builder_add_credential(struct dir_builder *b, const char *username, const char *realm, const char *ha1,
			       int64_t customer_id)
{
	struct dir_credential *c;

	if (!username || !*username || !realm || !*realm || !ha1 || strlen(ha1) != 32 ||
	    strspn(ha1, "0123456789abcdef") != 32 || customer_id <= 0)
		return -EINVAL;
	if (DIR_GROW(b, cred, ncred, ccred) < 0)
		return -ENOMEM;
	c = &b->cred[b->ncred];
	*c = (struct dir_credential){strdup(username), strdup(realm), "", customer_id};
	memcpy(c->ha1, ha1, 33);
	b->ncred++;
	if (!c->username || !c->realm)
		return -ENOMEM;
	return 0;
}

/* Parse PostgreSQL's cidr text into a block; host bits must be zero. */
static int dir_parse_cidr(const char *text, struct dir_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned max, nbytes;
	long len;

	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, out->a) == 1) {
		out->fam = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->a) == 1) {
		out->fam = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (errno || !*slash || *end || len < 0 || len > (long)max)
			return -EINVAL;
	}
	out->len = (uint8_t)len;
	nbytes = max / 8;
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned bits = (unsigned)len > i * 8 ? (unsigned)len - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (out->a[i] & (uint8_t)~mask)
			return -EINVAL; /* host bits set: PostgreSQL's cidr refuses it too */
	}
	return 0;
}

int dir_builder_add_address(struct dir_builder *b, const char *cidr, int64_t customer_id)
{
	struct dir_addr a;

	if (customer_id <= 0 || dir_parse_cidr(cidr, &a) < 0)
		return -EINVAL;
	if (DIR_GROW(b, addr, naddr, caddr) < 0)
		return -ENOMEM;
	a.customer_id = customer_id;
	b->addr[b->naddr++] = a;
	return 0;
}

int dir_builder_add_trunk(struct dir_builder *b, int64_t id, const char *name, enum dir_trunk_kind kind, bool enabled,
			  int max_calls, double max_cps)
{
	struct dir_trunk *t;

	if (!name || id <= 0 || (kind != DIR_TRUNK_SIP && kind != DIR_TRUNK_PRI) || max_calls < -1)
		return -EINVAL;
	if (DIR_GROW(b, trunk, ntrunk, ctrunk) < 0)
		return -ENOMEM;
	t = &b->trunk[b->ntrunk];
	*t = (struct dir_trunk){.id = id,
				.name = strdup(name),
				.kind = kind,
				.enabled = enabled,
				.max_calls = max_calls,
				.max_cps = max_cps < 0 ? -1 : max_cps,
				.register_expires = 3600,
				.ping_up = 2,
				.ping_down = 3};
	if (!t->name)
		return -ENOMEM;
	/* the schema's defaults (005_provisioning; the INVITE timeout as of 006) */
	t->fo = (struct dir_trunk_failover){1000, 5, {408, 500, 502, 503, 504}, 503, 34};
	b->ntrunk++;
	return 0;
}

/* The loader sets these right after adding the row: search from the end. */
/* The customer or trunk with id, searched from the end (added last). */
static struct dir_customer *builder_cust(struct dir_builder *b, int64_t id)
{
	for (size_t i = b->ncust; i-- > 0;)
		if (b->cust[i].id == id)
			return &b->cust[i];
	return NULL;
}

static struct dir_trunk *builder_trunk(struct dir_builder *b, int64_t id)
{
	for (size_t i = b->ntrunk; i-- > 0;)
		if (b->trunk[i].id == id)
			return &b->trunk[i];
	return NULL;
}

#define DTMF_OK(m) ((m) == DIR_DTMF_RFC4733 || (m) == DIR_DTMF_INFO || (m) == DIR_DTMF_INBAND)
int dir_builder_set_customer_secure(struct dir_builder *b, int64_t id, bool require_secure)
{
	struct dir_customer *c = builder_cust(b, id);

	return c ? (c->require_secure = require_secure, 0) : -ENOENT;
}

int dir_builder_set_trunk_secure(struct dir_builder *b, int64_t id, bool require_secure)
{
	struct dir_trunk *t = builder_trunk(b, id);

	return t ? (t->require_secure = require_secure, 0) : -ENOENT;
}

int dir_builder_set_customer_dtmf(struct dir_builder *b, int64_t id, enum dir_dtmf mode)
{
	struct dir_customer *c = builder_cust(b, id);

	return !DTMF_OK(mode) ? -EINVAL : c ? (c->dtmf_mode = mode, 0) : -ENOENT;
}

int dir_builder_set_customer_t38(struct dir_builder *b, int64_t id, bool t38)
{
	struct dir_customer *c = builder_cust(b, id);

	return c ? (c->no_t38 = !t38, 0) : -ENOENT;
}

int dir_builder_set_trunk_dtmf(struct dir_builder *b, int64_t id, enum dir_dtmf mode)
{
	struct dir_trunk *t = builder_trunk(b, id);

	return !DTMF_OK(mode) ? -EINVAL : t ? (t->dtmf_mode = mode, 0) : -ENOENT;
}

int dir_builder_set_trunk_t38(struct dir_builder *b, int64_t id, bool t38)
{
	struct dir_trunk *t = builder_trunk(b, id);

	return t ? (t->no_t38 = !t38, 0) : -ENOENT;
}

int dir_dtmf_parse(const char *s)
{
	if (!s)
		return -1;
	return strcmp(s, "rfc4733") == 0  ? DIR_DTMF_RFC4733
	       : strcmp(s, "info") == 0   ? DIR_DTMF_INFO
	       : strcmp(s, "inband") == 0 ? DIR_DTMF_INBAND
					  : -1;
}

int dir_builder_set_trunk_health(struct dir_builder *b, int64_t id, bool reg, const char *auth_user,
				 const char *auth_password, unsigned register_expires, unsigned ping_interval_s,
				 unsigned ping_up, unsigned ping_down)
{
	struct dir_trunk *t = NULL;
	char *user, *password;

	if (!auth_user != !auth_password || register_expires < 1 || register_expires > 86400 ||
	    ping_interval_s > 86400 || ping_up < 1 || ping_up > 1000 || ping_down < 1 || ping_down > 1000)
		return -EINVAL;
	/* the loader sets it right after adding the trunk: search from the end */
	for (size_t i = b->ntrunk; i-- > 0 && !t;)
		if (b->trunk[i].id == id)
			t = &b->trunk[i];
	if (!t)
		return -ENOENT;
	user = auth_user ? strdup(auth_user) : NULL;
	password = auth_password ? strdup(auth_password) : NULL;
	if (auth_user && (!user || !password)) {
		free(user);
		free(password);
		return -ENOMEM;
	}
	free((char *)t->auth_user);
	free((char *)t->auth_password);
	t->reg = reg;
	t->auth_user = user;
	t->auth_password = password;
	t->register_expires = register_expires;
	t->ping_interval_s = ping_interval_s;
	t->ping_up = ping_up;
	t->ping_down = ping_down;
	return 0;
}

int dir_builder_set_trunk_sipt(struct dir_builder *b, int64_t trunk_id, enum dir_sipt sipt)
{
	if (sipt != DIR_SIPT_NONE && sipt != DIR_SIPT_T && sipt != DIR_SIPT_I)
		return -EINVAL;
	/* the loader sets it right after adding the trunk: search from the end */
	for (size_t i = b->ntrunk; i-- > 0;)
		if (b->trunk[i].id == trunk_id) {
			if (sipt != DIR_SIPT_NONE && b->trunk[i].kind != DIR_TRUNK_SIP)
				return -EINVAL;
			b->trunk[i].sipt = sipt;
			return 0;
		}
	return -ENOENT;
}

int dir_builder_trunk_failover(struct dir_builder *b, int64_t trunk_id, const struct dir_trunk_failover *fo)
{
	if (!fo || fo->invite_timeout_ms < 1 || fo->invite_timeout_ms > 300000 || fo->ncodes > DIR_FAILOVER_MAX ||
	    fo->limit_status < 400 || fo->limit_status > 699 || fo->limit_cause < 1 || fo->limit_cause > 127)
		return -EINVAL;
	for (unsigned i = 0; i < fo->ncodes; i++)
		if (fo->codes[i] < 400 || fo->codes[i] > 699)
			return -EINVAL;
	/* the loader sets it right after adding the trunk: search from the end */
	for (size_t i = b->ntrunk; i-- > 0;)
		if (b->trunk[i].id == trunk_id) {
			b->trunk[i].fo = *fo;
			return 0;
		}
	return -ENOENT;
}

static int dir_add_rule(struct dir_rule **arr, size_t *n, size_t *cap, int64_t customer_id, const char *prefix,
			bool allow)
{
	size_t len = prefix ? strlen(prefix) : 0;

	if (customer_id <= 0 || len < 1 || len > 16 || prefix[0] != '+' || strspn(prefix + 1, "0123456789") != len - 1)
		return -EINVAL;
	if (dir_grow((void **)arr, *n, cap, sizeof(**arr)) < 0)
		return -ENOMEM;
	(*arr)[*n] = (struct dir_rule){customer_id, "", allow};
	memcpy((*arr)[*n].prefix, prefix, len + 1);
	(*n)++;
	return 0;
}

int dir_builder_add_destination(struct dir_builder *b, int64_t customer_id, const char *prefix, bool allow)
{
	return dir_add_rule(&b->dest, &b->ndest, &b->cdest, customer_id, prefix, allow);
}

int dir_builder_add_caller(struct dir_builder *b, int64_t customer_id, const char *prefix)
{
	return dir_add_rule(&b->caller, &b->ncaller, &b->ccaller, customer_id, prefix, true);
}

int dir_builder_add_member(struct dir_builder *b, int64_t id, int64_t trunk_id, const char *host, unsigned port,
			   enum dir_transport transport, unsigned priority, unsigned weight)
{
	struct dir_member *m;

	if (!host || !*host || port > 65535 || priority > 65535 || weight > 65535 ||
	    (transport != DIR_TRANSPORT_UDP && transport != DIR_TRANSPORT_TCP && transport != DIR_TRANSPORT_TLS))
		return -EINVAL;
	if (DIR_GROW(b, mem, nmem, cmem) < 0)
		return -ENOMEM;
	m = &b->mem[b->nmem];
	*m = (struct dir_member){id, trunk_id, strdup(host), port, transport, priority, weight};
	if (!m->host)
		return -ENOMEM;
	b->nmem++;
	return 0;
}

int dir_builder_add_cause(struct dir_builder *b, int64_t trunk_id, enum dir_cause_direction direction,
			  unsigned q850_cause, unsigned sip_status)
{
	if (q850_cause < 1 || q850_cause > 127 || sip_status < 400 || sip_status > 699 ||
	    (direction != DIR_Q850_TO_SIP && direction != DIR_SIP_TO_Q850))
		return -EINVAL;
	if (DIR_GROW(b, cause, ncause, ccause) < 0)
		return -ENOMEM;
	b->cause[b->ncause++] = (struct dir_cause_row){trunk_id, direction, q850_cause, sip_status};
	return 0;
}

/* --- Sorting ------------------------------------------------------------ */

#define DIR_CMP(x, y) ((x) < (y) ? -1 : (x) > (y))

/* qsort, which must not be given NULL even for no elements. */
static void dir_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int dir_cmp_customer(const void *x, const void *y)
{
	return DIR_CMP(((const struct dir_customer *)x)->id, ((const struct dir_customer *)y)->id);
}

static int dir_cmp_trunk(const void *x, const void *y)
{
	return DIR_CMP(((const struct dir_trunk *)x)->id, ((const struct dir_trunk *)y)->id);
}

static int dir_cmp_trunk_name(const void *x, const void *y)
{
	return strcmp((*(const struct dir_trunk *const *)x)->name, (*(const struct dir_trunk *const *)y)->name);
}

/* Family, then longest first, then the address bytes. */
static int dir_cmp_addr(const void *x, const void *y)
{
	const struct dir_addr *a = x, *b = y;

	if (a->fam != b->fam)
		return DIR_CMP(a->fam, b->fam);
	if (a->len != b->len)
		return DIR_CMP(b->len, a->len);
	return memcmp(a->a, b->a, sizeof(a->a));
}

static int dir_cmp_member(const void *x, const void *y)
{
	const struct dir_member *a = x, *b = y;

	if (a->trunk_id != b->trunk_id)
		return DIR_CMP(a->trunk_id, b->trunk_id);
	if (a->priority != b->priority)
		return DIR_CMP(a->priority, b->priority);
	return DIR_CMP(a->id, b->id);
}

static int dir_cmp_cause(const void *x, const void *y)
{
	const struct dir_cause_row *a = x, *b = y;

	if (a->trunk_id != b->trunk_id)
		return DIR_CMP(a->trunk_id, b->trunk_id);
	if (a->direction != b->direction)
		return DIR_CMP(a->direction, b->direction);
	if (a->q850_cause != b->q850_cause)
		return DIR_CMP(a->q850_cause, b->q850_cause);
	return DIR_CMP(a->sip_status, b->sip_status);
}

static int dir_cmp_rule(const void *x, const void *y)
{
	const struct dir_rule *a = x, *b = y;

	if (a->customer_id != b->customer_id)
		return DIR_CMP(a->customer_id, b->customer_id);
	return strcmp(a->prefix, b->prefix);
}

/* --- Build -------------------------------------------------------------- */

/* Index of the trunk with this id, or -1. */
static long dir_trunk_index(const struct dir_snapshot *s, int64_t id)
{
	size_t lo = 0, hi = s->ntrunk;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->trunk[mid].id == id)
			return (long)mid;
		if (s->trunk[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int dir_build_customers(struct dir_snapshot *s, char *err, size_t errlen)
{
	dir_sort(s->cust, s->ncust, sizeof(*s->cust), dir_cmp_customer);
	for (size_t i = 1; i < s->ncust; i++)
		if (s->cust[i].id == s->cust[i - 1].id) {
			snprintf(err, errlen, "customers: id %lld twice", (long long)s->cust[i].id);
			return -EEXIST;
		}
	return 0;
}

static int dir_cmp_cred(const void *x, const void *y)
{
	const struct dir_credential *a = x, *b = y;
	int c = strcmp(a->username, b->username);

	return c ? c : strcmp(a->realm, b->realm);
}

static int dir_build_credentials(struct dir_snapshot *s, char *err, size_t errlen)
{
	dir_sort(s->cred, s->ncred, sizeof(*s->cred), dir_cmp_cred);
	for (size_t i = 0; i < s->ncred; i++) {
		if (i && dir_cmp_cred(&s->cred[i], &s->cred[i - 1]) == 0) {
			snprintf(err, errlen, "customer_credentials: %s in realm %s twice", s->cred[i].username,
				 s->cred[i].realm);
			return -EEXIST;
		}
		if (!dir_customer(s, s->cred[i].customer_id)) {
			snprintf(err, errlen, "customer_credentials: %s for unknown customer %lld", s->cred[i].username,
				 (long long)s->cred[i].customer_id);
			return -EINVAL;
		}
	}
	return 0;
}

static int dir_build_addresses(struct dir_snapshot *s, char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN];

	dir_sort(s->addr, s->naddr, sizeof(*s->addr), dir_cmp_addr);
	for (size_t i = 0; i < s->naddr; i++) {
		const struct dir_addr *a = &s->addr[i];

		inet_ntop(a->fam == 4 ? AF_INET : AF_INET6, a->a, text, sizeof(text));
		if (!dir_customer(s, a->customer_id)) {
			snprintf(err, errlen, "customer_addresses: %s/%u for unknown customer %lld", text, a->len,
				 (long long)a->customer_id);
			return -EINVAL;
		}
		if (i > 0 && dir_cmp_addr(a, a - 1) == 0) {
			snprintf(err, errlen, "customer_addresses: %s/%u twice", text, a->len);
			return -EEXIST;
		}
		if (i == 0 || a->fam != a[-1].fam || a->len != a[-1].len)
			s->ngroups++;
	}
	s->groups = calloc(s->ngroups ? s->ngroups : 1, sizeof(*s->groups));
	if (!s->groups) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0, g = 0; i < s->naddr; i++) {
		if (i > 0 && (s->addr[i].fam != s->addr[i - 1].fam || s->addr[i].len != s->addr[i - 1].len))
			g++;
		if (s->groups[g].n == 0)
			s->groups[g] = (struct dir_group){s->addr[i].fam, s->addr[i].len, i, 0};
		s->groups[g].n++;
	}
	return 0;
}

static int dir_build_trunks(struct dir_snapshot *s, char *err, size_t errlen)
{
	dir_sort(s->trunk, s->ntrunk, sizeof(*s->trunk), dir_cmp_trunk);
	s->span = calloc(s->ntrunk ? s->ntrunk : 1, sizeof(*s->span));
	s->by_name = calloc(s->ntrunk ? s->ntrunk : 1, sizeof(*s->by_name));
	if (!s->span || !s->by_name) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->ntrunk; i++) {
		if (i > 0 && s->trunk[i].id == s->trunk[i - 1].id) {
			snprintf(err, errlen, "trunks: id %lld twice", (long long)s->trunk[i].id);
			return -EEXIST;
		}
		s->by_name[i] = &s->trunk[i];
	}
	dir_sort(s->by_name, s->ntrunk, sizeof(*s->by_name), dir_cmp_trunk_name);
	for (size_t i = 1; i < s->ntrunk; i++)
		if (strcmp(s->by_name[i]->name, s->by_name[i - 1]->name) == 0) {
			snprintf(err, errlen, "trunks: name \"%s\" twice", s->by_name[i]->name);
			return -EEXIST;
		}
	return 0;
}

static int dir_build_members(struct dir_snapshot *s, char *err, size_t errlen)
{
	dir_sort(s->mem, s->nmem, sizeof(*s->mem), dir_cmp_member);
	for (size_t i = 0; i < s->nmem; i++) {
		long t = dir_trunk_index(s, s->mem[i].trunk_id);

		if (t < 0) {
			snprintf(err, errlen, "trunk_members: %s for unknown trunk %lld", s->mem[i].host,
				 (long long)s->mem[i].trunk_id);
			return -EINVAL;
		}
		if (s->span[t].mn++ == 0)
			s->span[t].mfirst = i;
	}
	dir_sort(s->cause, s->ncause, sizeof(*s->cause), dir_cmp_cause);
	for (size_t i = 0; i < s->ncause; i++) {
		long t = dir_trunk_index(s, s->cause[i].trunk_id);

		if (t < 0) {
			snprintf(err, errlen, "cause_maps: row for unknown trunk %lld",
				 (long long)s->cause[i].trunk_id);
			return -EINVAL;
		}
		if (i > 0 && dir_cmp_cause(&s->cause[i], &s->cause[i - 1]) == 0) {
			snprintf(err, errlen, "cause_maps: a row twice for trunk %lld",
				 (long long)s->cause[i].trunk_id);
			return -EEXIST;
		}
		if (s->span[t].cn++ == 0)
			s->span[t].cfirst = i;
	}
	return 0;
}

static int dir_build_rules(struct dir_snapshot *s, struct dir_rule *r, size_t n, const char *table, char *err,
			   size_t errlen)
{
	dir_sort(r, n, sizeof(*r), dir_cmp_rule);
	for (size_t i = 0; i < n; i++) {
		if (!dir_customer(s, r[i].customer_id)) {
			snprintf(err, errlen, "%s: %s for unknown customer %lld", table, r[i].prefix,
				 (long long)r[i].customer_id);
			return -EINVAL;
		}
		if (i > 0 && dir_cmp_rule(&r[i], &r[i - 1]) == 0) {
			snprintf(err, errlen, "%s: %s twice for customer %lld", table, r[i].prefix,
				 (long long)r[i].customer_id);
			return -EEXIST;
		}
	}
	return 0;
}

int dir_builder_build(struct dir_builder *b, uint64_t version, struct dir_snapshot **out, char *err, size_t errlen)
{
	struct dir_snapshot *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* The rows move into the snapshot; dir_snapshot_free undoes a failure. */
	s->cust = b->cust, s->ncust = b->ncust;
	s->addr = b->addr, s->naddr = b->naddr;
	s->trunk = b->trunk, s->ntrunk = b->ntrunk;
	s->mem = b->mem, s->nmem = b->nmem;
	s->cause = b->cause, s->ncause = b->ncause;
	s->cred = b->cred, s->ncred = b->ncred;
	s->dest = b->dest, s->ndest = b->ndest;
	s->caller = b->caller, s->ncaller = b->ncaller;
	b->cust = NULL, b->addr = NULL, b->trunk = NULL, b->mem = NULL, b->cause = NULL, b->cred = NULL;
	b->dest = b->caller = NULL;
	b->ncust = b->naddr = b->ntrunk = b->nmem = b->ncause = b->ncred = b->ndest = b->ncaller = 0;
	b->ccust = b->caddr = b->ctrunk = b->cmem = b->ccause = b->ccred = b->cdest = b->ccaller = 0;
	s->version = version;
	s->loaded_at = time(NULL);
	if ((rc = dir_build_customers(s, err, errlen)) < 0 || (rc = dir_build_addresses(s, err, errlen)) < 0 ||
	    (rc = dir_build_credentials(s, err, errlen)) < 0 || (rc = dir_build_trunks(s, err, errlen)) < 0 ||
	    (rc = dir_build_members(s, err, errlen)) < 0 ||
	    (rc = dir_build_rules(s, s->dest, s->ndest, "customer_destinations", err, errlen)) < 0 ||
	    (rc = dir_build_rules(s, s->caller, s->ncaller, "customer_callers", err, errlen)) < 0 ||
	    (rc = route_builder_build(b->routes, &s->routes, err, errlen)) < 0) {
		dir_snapshot_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void dir_snapshot_set_load_ms(struct dir_snapshot *snap, unsigned load_ms)
{
	snap->load_ms = load_ms;
}

void dir_snapshot_free(struct dir_snapshot *s)
{
	if (!s)
		return;
	dir_free_strings(s->cust, s->ncust, s->trunk, s->ntrunk, s->mem, s->nmem);
	dir_free_creds(s->cred, s->ncred);
	route_index_free(s->routes);
	free(s->cust);
	free(s->addr);
	free(s->groups);
	free(s->trunk);
	free(s->span);
	free(s->by_name);
	free(s->mem);
	free(s->cause);
	free(s->dest);
	free(s->caller);
	free(s);
}

/* --- Lookups ------------------------------------------------------------ */

const struct dir_customer *dir_customer(const struct dir_snapshot *s, int64_t id)
{
	size_t lo = 0, hi = s->ncust;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->cust[mid].id == id)
			return &s->cust[mid];
		if (s->cust[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The block of group g equal to key masked to g's length, or NULL. */
static const struct dir_addr *dir_group_find(const struct dir_snapshot *s, const struct dir_group *g,
					     const uint8_t *key)
{
	uint8_t masked[16] = {0};
	size_t lo = g->first, hi = g->first + g->n;
	unsigned full = g->len / 8, rest = g->len % 8;

	memcpy(masked, key, full);
	if (rest)
		masked[full] = key[full] & (uint8_t)(0xff00 >> rest);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->addr[mid].a, masked, sizeof(masked));

		if (c == 0)
			return &s->addr[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct dir_customer *dir_customer_by_addr(const struct dir_snapshot *s, const struct sockaddr *sa)
{
	uint8_t key[16] = {0};
	uint8_t fam;

	if (!sa)
		return NULL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		memcpy(key, &in->sin_addr, 4);
		fam = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(key, &in6->sin6_addr.s6_addr[12], 4);
			fam = 4;
		} else {
			memcpy(key, &in6->sin6_addr, 16);
			fam = 6;
		}
	} else {
		return NULL;
	}
	for (size_t i = 0; i < s->ngroups; i++) {
		const struct dir_addr *a;

		if (s->groups[i].fam != fam)
			continue;
		if ((a = dir_group_find(s, &s->groups[i], key)))
			return dir_customer(s, a->customer_id);
	}
	return NULL;
}

const struct dir_trunk *dir_trunk(const struct dir_snapshot *s, int64_t id)
{
	long i = dir_trunk_index(s, id);

	return i < 0 ? NULL : &s->trunk[i];
}

const struct dir_trunk *dir_trunk_by_name(const struct dir_snapshot *s, const char *name)
{
	size_t lo = 0, hi = s->ntrunk;

	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->by_name[mid]->name, name);

		if (c == 0)
			return s->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t dir_snapshot_trunk_count(const struct dir_snapshot *s)
{
	return s->ntrunk;
}

const struct dir_trunk *dir_snapshot_trunk_at(const struct dir_snapshot *s, size_t i)
{
	return i < s->ntrunk ? &s->trunk[i] : NULL;
}

size_t dir_trunk_members(const struct dir_snapshot *s, int64_t trunk_id, const struct dir_member **members)
{
	long i = dir_trunk_index(s, trunk_id);

	*members = i < 0 || !s->span[i].mn ? NULL : &s->mem[s->span[i].mfirst];
	return i < 0 ? 0 : s->span[i].mn;
}

const struct dir_credential *dir_credential(const struct dir_snapshot *s, const char *username, const char *realm)
{
	struct dir_credential key = {username, realm, "", 0};

	if (!username || !realm || !s->ncred)
		return NULL;
	return bsearch(&key, s->cred, s->ncred, sizeof(*s->cred), dir_cmp_cred);
}

const struct dir_trunk *dir_trunk_by_member_host(const struct dir_snapshot *s, enum dir_trunk_kind kind,
						 const char *host)
{
	for (size_t i = 0; host && i < s->nmem; i++) {
		const struct dir_trunk *t;

		if (strcmp(s->mem[i].host, host) != 0)
			continue;
		t = dir_trunk(s, s->mem[i].trunk_id);
		if (t && t->kind == kind)
			return t;
	}
	return NULL;
}

size_t dir_cause_rows(const struct dir_snapshot *s, int64_t trunk_id, const struct dir_cause_row **rows)
{
	long i = dir_trunk_index(s, trunk_id);

	*rows = i < 0 || !s->span[i].cn ? NULL : &s->cause[s->span[i].cfirst];
	return i < 0 ? 0 : s->span[i].cn;
}

bool dir_trunk_fails_over(const struct dir_trunk *t, unsigned status)
{
	for (unsigned i = 0; t && i < t->fo.ncodes; i++)
		if (t->fo.codes[i] == status)
			return true;
	return false;
}

/* The longest of a customer's rules that number starts with, or NULL;
 * *any is set when the customer has rules at all. */
static const struct dir_rule *dir_rule_match(const struct dir_rule *r, size_t n, int64_t customer_id,
					     const char *number, bool *any)
{
	const struct dir_rule *best = NULL;
	size_t lo = 0, hi = n, best_len = 0;

	*any = false;
	while (lo < hi) { /* the customer's first rule */
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].customer_id < customer_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && r[i].customer_id == customer_id; i++) {
		size_t len = strlen(r[i].prefix);

		*any = true;
		if (number && strncmp(number, r[i].prefix, len) == 0 && (!best || len > best_len)) {
			best = &r[i];
			best_len = len;
		}
	}
	return best;
}

bool dir_destination_allowed(const struct dir_snapshot *s, int64_t customer_id, const char *number)
{
	bool any;
	const struct dir_rule *r = dir_rule_match(s->dest, s->ndest, customer_id, number, &any);

	return !r || r->allow;
}

bool dir_caller_allowed(const struct dir_snapshot *s, int64_t customer_id, const char *number)
{
	bool any;
	const struct dir_rule *r = dir_rule_match(s->caller, s->ncaller, customer_id, number, &any);

	return !any || (r && number && number[0]);
}

const struct route_index *dir_routes(const struct dir_snapshot *s)
{
	return s->routes;
}

void dir_snapshot_stats(const struct dir_snapshot *s, struct dir_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->version = s->version;
	st->customers = s->ncust;
	st->addresses = s->naddr;
	st->credentials = s->ncred;
	st->trunks = s->ntrunk;
	st->members = s->nmem;
	st->cause_rows = s->ncause;
	st->destinations = s->ndest;
	st->callers = s->ncaller;
	route_index_stats(s->routes, &st->routes);
	st->loaded_at = s->loaded_at;
	st->load_ms = s->load_ms;
}
