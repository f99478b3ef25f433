/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tolerant name-addr list reader and writer for the mapping modules. */
#include "config.h"

#include "gateway/sipaddr.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* Copy [b, e) trimmed into out (truncating); returns 0, or -EINVAL if it
 * does not fit (a truncated URI would be a different URI). */
static int copy_trim(const char *b, const char *e, char *out, size_t len)
{
	size_t n;

	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - b);
	if (n >= len)
		return -EINVAL;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

/* A quoted-string at p ('"' first): its unescaped content into out;
 * returns the position after the closing quote, or NULL if unterminated. */
static const char *read_quoted(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 < len)
			out[n++] = *p;
	}
	out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* The end of the current element: the next ',' outside quotes and <>. */
static const char *element_end(const char *p)
{
	int inq = 0, inangle = 0;

	for (; *p; p++) {
		if (inq) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				inq = 0;
		} else if (*p == '"') {
			inq = 1;
		} else if (*p == '<') {
			inangle = 1;
		} else if (*p == '>') {
			inangle = 0;
		} else if (*p == ',' && !inangle) {
			break;
		}
	}
	return p;
}

static int parse_element(const char *b, const char *e, struct sipaddr *out)
{
	const char *p = skip_ws(b), *lt, *gt;

	memset(out, 0, sizeof(*out));
	if (*p == '"') {
		p = read_quoted(p, out->name, sizeof(out->name));
		if (!p || p > e)
			return -EINVAL;
	}
	lt = memchr(p, '<', (size_t)(e - p));
	if (lt) {
		if (!out->name[0] && copy_trim(p, lt, out->name, sizeof(out->name)))
			return -EINVAL;
		gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt || copy_trim(lt + 1, gt, out->uri, sizeof(out->uri)))
			return -EINVAL;
		if (copy_trim(gt + 1, e, out->params, sizeof(out->params)))
			return -EINVAL;
	} else {
		/* addr-spec: RFC 3261 20: its parameters belong to the
		 * header, not the URI; no display name allowed. */
		const char *semi;

		if (out->name[0])
			return -EINVAL;
		semi = memchr(p, ';', (size_t)(e - p));
		if (!semi)
			semi = e;
		if (copy_trim(p, semi, out->uri, sizeof(out->uri)) ||
		    copy_trim(semi, e, out->params, sizeof(out->params)))
			return -EINVAL;
	}
	if (!out->uri[0] || strchr(out->uri, ' '))
		return -EINVAL;
	return 0;
}

int sipaddr_next(const char **p, struct sipaddr *out)
{
	const char *b = *p, *e;
	int rc;

	while (*b == ',' || isspace((unsigned char)*b))
		b++;
	if (!*b) {
		*p = b;
		return 0;
	}
	e = element_end(b);
	rc = parse_element(b, e, out);
	*p = *e ? e + 1 : e;
	return rc ? rc : 1;
}

int sipaddr_param(const char *params, const char *name, char *val, size_t len)
{
	size_t nl = strlen(name);
	const char *p = params;

	while ((p = strchr(p, ';')) != NULL) {
		const char *q = skip_ws(p + 1), *e;

		p++;
		if (strncasecmp(q, name, nl) != 0)
			continue;
		q = skip_ws(q + nl);
		if (*q && *q != '=' && *q != ';')
			continue; /* a longer name */
		if (!val || !len)
			return 1;
		val[0] = '\0';
		if (*q != '=')
			return 1;
		q = skip_ws(q + 1);
		if (*q == '"') {
			read_quoted(q, val, len); /* unterminated: what there is */
			return 1;
		}
		for (e = q; *e && *e != ';' && !isspace((unsigned char)*e); e++)
			;
		if (copy_trim(q, e, val, len))
			val[0] = '\0';
		return 1;
	}
	return 0;
}

int sipaddr_put(char *buf, size_t len, size_t *pos, const char *s, int quote)
{
	size_t n = *pos;

	if (quote) {
		if (n + 1 >= len)
			return -ENOSPC;
		buf[n++] = '"';
	}
	for (; *s; s++) {
		if (quote && (*s == '"' || *s == '\\')) {
			if (n + 1 >= len)
				return -ENOSPC;
			buf[n++] = '\\';
		}
		if (n + 1 >= len)
			return -ENOSPC;
		buf[n++] = *s;
	}
	if (quote) {
		if (n + 1 >= len)
			return -ENOSPC;
		buf[n++] = '"';
	}
	buf[n] = '\0';
	*pos = n;
	return 0;
}
