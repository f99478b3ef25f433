/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Redirection: Q.931 redirecting number and reason <-> Diversion (RFC
 * 5806) and History-Info (RFC 7044, cause parameter of RFC 4458). */
#include "config.h"

#include "gateway/cause.h"
#include "gateway/identity.h"
#include "gateway/sipaddr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One row per reason: Diversion token (RFC 5806), Q.931 code (libpri's
 * PRI_REDIR_*), RFC 4458 cause. Q.931 and RFC 4458 have fewer reasons:
 * the others go out as Q.931 unknown and, for History-Info, as the
 * closest RFC 4458 value (302 for the kinds of forwarding the user set
 * up, 503 for a destination out of service). */
static const struct {
	const char *name;
	int q931;
	int cause;
} reasons[] = {
    [IDENT_REDIR_UNKNOWN] = {"unknown", 0x0, 404},
    [IDENT_REDIR_USER_BUSY] = {"user-busy", 0x1, 486},
    [IDENT_REDIR_NO_ANSWER] = {"no-answer", 0x2, 408},
    [IDENT_REDIR_UNCONDITIONAL] = {"unconditional", 0xf, 302},
    [IDENT_REDIR_DEFLECTION] = {"deflection", 0x3, 487},
    [IDENT_REDIR_UNAVAILABLE] = {"unavailable", 0x0, 503},
    [IDENT_REDIR_TIME_OF_DAY] = {"time-of-day", 0x0, 302},
    [IDENT_REDIR_DO_NOT_DISTURB] = {"do-not-disturb", 0x0, 302},
    [IDENT_REDIR_FOLLOW_ME] = {"follow-me", 0x0, 302},
    [IDENT_REDIR_OUT_OF_SERVICE] = {"out-of-service", 0x9, 503},
    [IDENT_REDIR_AWAY] = {"away", 0x0, 302},
};

const char *ident_redir_reason_name(enum ident_redir_reason r)
{
	return (unsigned)r < N(reasons) ? reasons[r].name : "unknown";
}

int ident_redir_reason_parse(const char *token, enum ident_redir_reason *out)
{
	for (size_t i = 0; token && i < N(reasons); i++)
		if (strcasecmp(token, reasons[i].name) == 0) {
			*out = (enum ident_redir_reason)i;
			return 0;
		}
	return -EINVAL;
}

int ident_redir_reason_to_q931(enum ident_redir_reason r)
{
	return (unsigned)r < N(reasons) ? reasons[r].q931 : 0;
}

enum ident_redir_reason ident_redir_reason_from_q931(int code)
{
	switch (code) {
	case 0x1:
		return IDENT_REDIR_USER_BUSY;
	case 0x2:
		return IDENT_REDIR_NO_ANSWER;
	case 0x3: /* libpri's PRI_REDIR_DEFLECTION */
	case 0x4: /* Q.931's "call deflection" in some editions */
	case 0xa: /* call forwarding by the called DTE */
		return IDENT_REDIR_DEFLECTION;
	case 0x9:
		return IDENT_REDIR_OUT_OF_SERVICE;
	case 0xf:
		return IDENT_REDIR_UNCONDITIONAL;
	default:
		return IDENT_REDIR_UNKNOWN;
	}
}

int ident_redir_reason_to_cause(enum ident_redir_reason r)
{
	return (unsigned)r < N(reasons) ? reasons[r].cause : 404;
}

enum ident_redir_reason ident_redir_reason_from_cause(int cause)
{
	switch (cause) {
	case 486:
		return IDENT_REDIR_USER_BUSY;
	case 408:
		return IDENT_REDIR_NO_ANSWER;
	case 302:
		return IDENT_REDIR_UNCONDITIONAL;
	case 487: /* deflection during alerting */
	case 480: /* deflection immediate response */
		return IDENT_REDIR_DEFLECTION;
	case 503: /* mobile subscriber not reachable */
		return IDENT_REDIR_UNAVAILABLE;
	default:
		return IDENT_REDIR_UNKNOWN;
	}
}

/* The entry's URI: its own, or sip:+NUMBER@host;user=phone. */
static int entry_uri(const char *uri, const char *number, const char *host, char *out, size_t len)
{
	if (*uri) {
		if (strlen(uri) >= len || strpbrk(uri, "<>\r\n"))
			return -EINVAL;
		strcpy(out, uri);
		return 0;
	}
	return num_to_sip_uri(number, host, out, len);
}

static int putf(char *buf, size_t len, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int putf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -ENOSPC;
	*pos += (size_t)n;
	return 0;
}

int ident_diversion_build(const struct ident_diversion *d, size_t n, const char *host, char *buf, size_t len)
{
	char uri[IDENT_URI_SIZE];
	size_t pos = 0;
	int rc;

	if (!d || !n || !buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		rc = entry_uri(d[i].uri, d[i].number, host, uri, sizeof(uri));
		if (rc)
			return rc;
		if ((i && putf(buf, len, &pos, ", ")) ||
		    (d[i].name[0] && (sipaddr_put(buf, len, &pos, d[i].name, 1) || putf(buf, len, &pos, " "))))
			return -ENOSPC;
		rc = putf(buf, len, &pos, "<%s>;reason=%s;counter=%d%s", uri, ident_redir_reason_name(d[i].reason),
			  d[i].counter > 0 ? d[i].counter : 1, d[i].privacy ? ";privacy=full" : "");
		if (rc)
			return rc;
	}
	return 0;
}

int ident_diversion_parse(const char *value, const struct number_rules *rules, struct ident_diversion *d, size_t max,
			  size_t *n)
{
	const char *p = value;
	struct sipaddr a;
	char v[64];
	int rc;

	*n = 0;
	while (p && *n < max && (rc = sipaddr_next(&p, &a)) != 0) {
		struct ident_diversion *e = &d[*n];

		if (rc < 0)
			continue;
		memset(e, 0, sizeof(*e));
		snprintf(e->uri, sizeof(e->uri), "%s", a.uri);
		snprintf(e->name, sizeof(e->name), "%s", a.name);
		if (num_from_uri(a.uri, rules, e->number, sizeof(e->number)))
			e->number[0] = '\0';
		if (!sipaddr_param(a.params, "reason", v, sizeof(v)) || ident_redir_reason_parse(v, &e->reason))
			e->reason = IDENT_REDIR_UNKNOWN;
		e->counter = sipaddr_param(a.params, "counter", v, sizeof(v)) ? atoi(v) : 1;
		if (e->counter < 1)
			e->counter = 1;
		e->privacy = sipaddr_param(a.params, "privacy", v, sizeof(v)) && strcasecmp(v, "off") != 0;
		(*n)++;
	}
	return *n ? 0 : -ENOENT;
}

/* "1.2.3" -> "1.2" into out; "" for a top-level index. */
static void parent_index(const char *index, char *out, size_t len)
{
	const char *dot = strrchr(index, '.');
	size_t n = dot ? (size_t)(dot - index) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(out, index, n);
	out[n] = '\0';
}

int ident_hi_build(const struct ident_hi_entry *e, size_t n, const char *host, char *buf, size_t len)
{
	char uri[IDENT_URI_SIZE], parent[sizeof(e->index)];
	size_t pos = 0;
	int rc;

	if (!e || !n || !buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		rc = entry_uri(e[i].uri, e[i].number, host, uri, sizeof(uri));
		if (rc)
			return rc;
		if (!e[i].index[0] || strpbrk(e[i].index, " ,;<>\""))
			return -EINVAL;
		if ((i && putf(buf, len, &pos, ", ")) || putf(buf, len, &pos, "<%s", uri))
			return -ENOSPC;
		/* RFC 4458: cause is a URI parameter of the new target. */
		if (e[i].cause && putf(buf, len, &pos, ";cause=%d", e[i].cause))
			return -ENOSPC;
		/* RFC 7044: the Reason of the response that ended this branch,
		 * as an escaped URI header (RFC 3261 19.1.1). */
		if (e[i].reason_sip && putf(buf, len, &pos, "?Reason=SIP%%3Bcause%%3D%d", e[i].reason_sip))
			return -ENOSPC;
		else if (!e[i].reason_sip && e[i].reason_q850 &&
			 putf(buf, len, &pos, "?Reason=Q.850%%3Bcause%%3D%d", e[i].reason_q850))
			return -ENOSPC;
		if (putf(buf, len, &pos, ">;index=%s", e[i].index))
			return -ENOSPC;
		parent_index(e[i].index, parent, sizeof(parent));
		if (e[i].mapped && putf(buf, len, &pos, ";mp=%s", *parent ? parent : "1"))
			return -ENOSPC;
	}
	return 0;
}

/* Undo %-escapes in place. */
static void unescape_inplace(char *s)
{
	char *w = s;

	for (; *s; s++) {
		unsigned v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1 && s[1] && s[2]) {
			*w++ = (char)v;
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Split "uri;cause=302?Reason=..." of one hi-entry into e's fields. */
static void hi_split_uri(char *uri, struct ident_hi_entry *e)
{
	char *q = strchr(uri, '?'), *at, *c, v[16];

	if (q) {
		*q++ = '\0';
		for (char *save = NULL, *h = strtok_r(q, "&", &save); h; h = strtok_r(NULL, "&", &save)) {
			struct cause_reason r;

			if (strncasecmp(h, "Reason=", 7) != 0)
				continue;
			unescape_inplace(h + 7);
			if (cause_reason_parse(h + 7, &r) == 0) {
				e->reason_sip = r.sip_cause;
				e->reason_q850 = r.q850_cause;
			}
		}
	}
	/* URI parameters follow the host: a ';' in the user part is not one. */
	at = strchr(uri, '@');
	if (sipaddr_param(at ? at : uri, "cause", v, sizeof(v))) {
		e->cause = atoi(v);
		c = strcasestr(at ? at : uri, ";cause=");
		if (c) {
			char *end = strchr(c + 1, ';');

			memmove(c, end ? end : c + strlen(c), strlen(end ? end : c + strlen(c)) + 1);
		}
	}
	snprintf(e->uri, sizeof(e->uri), "%s", uri);
}

int ident_hi_parse(const char *value, const struct number_rules *rules, struct ident_hi_entry *e, size_t max, size_t *n)
{
	const char *p = value;
	struct sipaddr a;
	int rc;

	*n = 0;
	while (p && *n < max && (rc = sipaddr_next(&p, &a)) != 0) {
		struct ident_hi_entry *h = &e[*n];

		if (rc < 0)
			continue;
		memset(h, 0, sizeof(*h));
		hi_split_uri(a.uri, h);
		if (num_from_uri(h->uri, rules, h->number, sizeof(h->number)))
			h->number[0] = '\0';
		if (!sipaddr_param(a.params, "index", h->index, sizeof(h->index)))
			snprintf(h->index, sizeof(h->index), "%zu", *n + 1);
		h->mapped = sipaddr_param(a.params, "mp", NULL, 0);
		(*n)++;
	}
	return *n ? 0 : -ENOENT;
}

int ident_redirect_from_diversion(const struct ident_diversion *d, size_t n, struct ident_redirect *out)
{
	if (!d || !n || !out)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	snprintf(out->number, sizeof(out->number), "%s", d[0].number);
	out->reason = d[0].reason;
	out->pres = d[0].privacy ? IDENT_PRES_RESTRICTED : IDENT_PRES_ALLOWED;
	for (size_t i = 0; i < n; i++)
		out->counter += d[i].counter > 0 ? d[i].counter : 1;
	return 0;
}

int ident_redirect_from_hi(const struct ident_hi_entry *e, size_t n, struct ident_redirect *out)
{
	const struct ident_hi_entry *target = NULL, *from = NULL;
	char parent[sizeof(e->index)];
	int count = 0;

	if (!e || !out)
		return -ENOENT;
	for (size_t i = 0; i < n; i++)
		if (e[i].cause) {
			target = &e[i];
			count++;
		}
	if (!target)
		return -ENOENT;
	parent_index(target->index, parent, sizeof(parent));
	for (size_t i = 0; *parent && i < n; i++)
		if (strcmp(e[i].index, parent) == 0)
			from = &e[i];
	if (!from && target > e)
		from = target - 1;
	if (!from)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	snprintf(out->number, sizeof(out->number), "%s", from->number);
	out->reason = ident_redir_reason_from_cause(target->cause);
	out->pres = IDENT_PRES_ALLOWED;
	out->counter = count;
	return 0;
}

void ident_redirect_to_diversion(const struct ident_redirect *r, struct ident_diversion *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->number, sizeof(out->number), "%s", r->number);
	out->reason = r->reason;
	out->counter = r->counter > 0 ? r->counter : 1;
	out->privacy = r->pres == IDENT_PRES_RESTRICTED;
}

int ident_redirect_to_hi(const struct ident_redirect *r, const char *target_e164, struct ident_hi_entry out[2])
{
	if (!r || !num_is_e164(r->number) || !num_is_e164(target_e164))
		return -EINVAL;
	memset(out, 0, 2 * sizeof(*out));
	snprintf(out[0].number, sizeof(out[0].number), "%s", r->number);
	strcpy(out[0].index, "1");
	/* RFC 7044: why the request to the diverting party ended. */
	out[0].reason_sip = ident_redir_reason_to_cause(r->reason);
	snprintf(out[1].number, sizeof(out[1].number), "%s", target_e164);
	strcpy(out[1].index, "1.1");
	out[1].cause = ident_redir_reason_to_cause(r->reason);
	out[1].mapped = true;
	return 0;
}
