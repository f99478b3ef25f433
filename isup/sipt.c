/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP-T / SIP-I bodies (RFC 3204, RFC 3372): multipart/mixed with an SDP
 * and an application/ISUP part, built and split. Every read is bounded by
 * the (pointer, length) pairs below; nothing relies on a NUL in the body. */
#include "config.h"

#include "isup/sipt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* s[0..n) equals the NUL-terminated word, ignoring case. */
static int ci_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)word[i]))
			return 0;
	return word[n] == '\0';
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 2045 token characters. */
static int is_token(int c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ws((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A header value "main *(; name=value)": the main part (before the first
 * ';', trimmed) in main and main_n. */
static void hv_main(const char *s, size_t n, const char **main, size_t *main_n)
{
	const char *semi = memchr(s, ';', n);

	*main = s;
	*main_n = semi ? (size_t)(semi - s) : n;
	trim(main, main_n);
}

/* Parameter name of the header value s[0..n): its value (token or quoted
 * string, unquoted) into val[0..vsz), cut to fit. Returns the value's
 * full length, -1 if absent, -EINVAL if the parameters are malformed. */
static int hv_param(const char *s, size_t n, const char *name, char *val, size_t vsz)
{
	const char *semi = memchr(s, ';', n);
	size_t i = semi ? (size_t)(semi - s) : n;
	int found = -1;

	while (i < n) {
		size_t ns, ne, vl = 0;
		int want;

		i++; /* the ';' */
		while (i < n && is_ws((unsigned char)s[i]))
			i++;
		if (i == n)
			break; /* a trailing ';' is tolerated */
		ns = i;
		while (i < n && is_token((unsigned char)s[i]))
			i++;
		ne = i;
		while (i < n && is_ws((unsigned char)s[i]))
			i++;
		if (ne == ns)
			return -EINVAL;
		want = found < 0 && ci_eq(s + ns, ne - ns, name);
		if (i < n && s[i] == '=') {
			i++;
			while (i < n && is_ws((unsigned char)s[i]))
				i++;
			if (i < n && s[i] == '"') {
				for (i++;; i++) {
					if (i >= n)
						return -EINVAL; /* unterminated quoted string */
					if (s[i] == '"')
						break;
					if (s[i] == '\\' && ++i >= n)
						return -EINVAL;
					if (want && vl + 1 < vsz)
						val[vl] = s[i];
					vl++;
				}
				i++;
			} else {
				size_t vs = i;

				while (i < n && is_token((unsigned char)s[i]))
					i++;
				if (i == vs)
					return -EINVAL;
				for (; vs < i; vs++, vl++)
					if (want && vl + 1 < vsz)
						val[vl] = s[vs];
			}
		}
		while (i < n && is_ws((unsigned char)s[i]))
			i++;
		if (i < n && s[i] != ';')
			return -EINVAL;
		if (want) {
			if (vsz)
				val[vl < vsz ? vl : vsz - 1] = '\0';
			found = vl > 0x7fff ? 0x7fff : (int)vl;
		}
	}
	return found;
}

int tsipt_version_variant(const char *version)
{
	static const char *const itu[] = {"itu-t88", "itu-t92+", "itu-t", "etsi121", "etsi356"};
	static const char *const ansi[] = {"ansi88", "ansi00", "ansi", "gr317"};
	size_t i, n = version ? strlen(version) : 0;

	for (i = 0; i < sizeof(itu) / sizeof(itu[0]); i++)
		if (ci_eq(version, n, itu[i]))
			return TISUP_ITU;
	for (i = 0; i < sizeof(ansi) / sizeof(ansi[0]); i++)
		if (ci_eq(version, n, ansi[i]))
			return TISUP_ANSI;
	return -1;
}

/* --- building --- */

struct obuf {
	uint8_t *p;
	size_t size, len;
	int over;
};

static void put(struct obuf *o, const void *p, size_t n)
{
	if (o->over || o->size - o->len < n) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void puts_(struct obuf *o, const char *s)
{
	put(o, s, strlen(s));
}

int tsipt_build(const struct tsipt_body *in, uint8_t *body, size_t size, size_t *len, char *ctype, size_t ctype_size,
		char *err, size_t errlen)
{
	char bnd[TSIPT_MAX_BOUNDARY + 1];
	struct obuf o = {body, size, 0, 0};
	unsigned k;
	int n;

	if (!in || !in->isup || in->isup_len == 0)
		return fail(err, errlen, -EINVAL, "SIP-T body: no ISUP message");
	if (in->variant != TISUP_ITU && in->variant != TISUP_ANSI)
		return fail(err, errlen, -EINVAL, "SIP-T body: bad ISUP variant %d", in->variant);
	if (!in->sdp && in->sdp_len)
		return fail(err, errlen, -EINVAL, "SIP-T body: SDP length without SDP");
	/* A boundary that no part contains, so that no delimiter can appear
	 * inside a part (RFC 2046 5.1.1). */
	for (k = 1;; k++) {
		if (k > 1000)
			return fail(err, errlen, -EINVAL, "SIP-T body: no free boundary");
		snprintf(bnd, sizeof(bnd), "unique-boundary-%u", k);
		if ((!in->sdp || !memmem(in->sdp, in->sdp_len, bnd, strlen(bnd))) &&
		    !memmem(in->isup, in->isup_len, bnd, strlen(bnd)))
			break;
	}
	if (in->sdp) {
		puts_(&o, "--");
		puts_(&o, bnd);
		puts_(&o, "\r\nContent-Type: application/sdp\r\n\r\n");
		put(&o, in->sdp, in->sdp_len);
		puts_(&o, "\r\n");
	}
	puts_(&o, "--");
	puts_(&o, bnd);
	puts_(&o, in->variant == TISUP_ANSI ? "\r\nContent-Type: application/ISUP; version=ansi00"
					    : "\r\nContent-Type: application/ISUP; version=itu-t92+");
	puts_(&o, in->required ? "\r\nContent-Disposition: signal; handling=required\r\n\r\n"
			       : "\r\nContent-Disposition: signal; handling=optional\r\n\r\n");
	put(&o, in->isup, in->isup_len);
	puts_(&o, "\r\n--");
	puts_(&o, bnd);
	puts_(&o, "--\r\n");
	if (o.over)
		return fail(err, errlen, -ENOSPC, "SIP-T body: more than %zu octets", size);
	n = snprintf(ctype, ctype_size, "multipart/mixed; boundary=%s", bnd);
	if (n < 0 || (size_t)n >= ctype_size)
		return fail(err, errlen, -ENOSPC, "SIP-T body: Content-Type longer than %zu", ctype_size);
	*len = o.len;
	return 0;
}

/* --- parsing --- */

/* What a part (or a single-part body) is. */
struct part_info {
	char type[64]; /* lowercase type/subtype, cut */
	char version[32], base[32];
	int handling_required; /* -1: no handling parameter */
};

/* Content-Type value s[0..n): the media type and application/ISUP's
 * parameters. */
static int parse_ctype(const char *s, size_t n, struct part_info *pi, int partno, char *err, size_t errlen)
{
	const char *mt;
	size_t mn, i;

	hv_main(s, n, &mt, &mn);
	if (mn == 0 || !memchr(mt, '/', mn))
		return partno ? fail(err, errlen, -EINVAL, "part %d: bad Content-Type \"%.*s\"", partno,
				     (int)(mn > 60 ? 60 : mn), mt)
			      : fail(err, errlen, -EINVAL, "bad Content-Type \"%.*s\"", (int)(mn > 60 ? 60 : mn), mt);
	for (i = 0; i < mn && i + 1 < sizeof(pi->type); i++)
		pi->type[i] = (char)lower((unsigned char)mt[i]);
	pi->type[i] = '\0';
	if (hv_param(s, n, "version", pi->version, sizeof(pi->version)) == -EINVAL ||
	    hv_param(s, n, "base", pi->base, sizeof(pi->base)) == -EINVAL)
		return partno ? fail(err, errlen, -EINVAL, "part %d: malformed Content-Type parameters", partno)
			      : fail(err, errlen, -EINVAL, "malformed Content-Type parameters");
	return 0;
}

static int parse_cdisp(const char *s, size_t n, struct part_info *pi, int partno, char *err, size_t errlen)
{
	char h[16];
	int rc = hv_param(s, n, "handling", h, sizeof(h));

	if (rc == -EINVAL)
		return partno ? fail(err, errlen, -EINVAL, "part %d: malformed Content-Disposition", partno)
			      : fail(err, errlen, -EINVAL, "malformed Content-Disposition");
	if (rc >= 0) {
		if (ci_eq(h, strlen(h), "required"))
			pi->handling_required = 1;
		else if (ci_eq(h, strlen(h), "optional"))
			pi->handling_required = 0;
		/* RFC 3261 20.11 defines only these two; others are ignored. */
	}
	return 0;
}

/* Take in an ISUP part (or body) p[0..n) described by pi. */
static int take_isup(struct tsipt_body *out, const struct part_info *pi, const uint8_t *p, size_t n, int partno,
		     char *err, size_t errlen)
{
	if (out->isup)
		return 0; /* the first one wins */
	if (n == 0)
		return fail(err, errlen, -EINVAL, "part %d: empty application/ISUP part", partno);
	out->isup = p;
	out->isup_len = n;
	snprintf(out->version, sizeof(out->version), "%s", pi->version);
	snprintf(out->base, sizeof(out->base), "%s", pi->base);
	out->required = pi->handling_required != 0; /* absent: required */
	out->variant = tsipt_version_variant(pi->version);
	if (out->variant < 0 && pi->base[0])
		out->variant = tsipt_version_variant(pi->base);
	return 0;
}

/* One header line (unfolded) h[0..n) of part partno. */
static int part_header(const char *h, size_t n, struct part_info *pi, int partno, char *err, size_t errlen)
{
	const char *colon = memchr(h, ':', n), *name = h, *v;
	size_t nn, vn;

	if (!colon)
		return fail(err, errlen, -EINVAL, "part %d: header line without a colon", partno);
	nn = (size_t)(colon - h);
	trim(&name, &nn);
	v = colon + 1;
	vn = n - (size_t)(v - h);
	trim(&v, &vn);
	if (ci_eq(name, nn, "content-type"))
		return parse_ctype(v, vn, pi, partno, err, errlen);
	if (ci_eq(name, nn, "content-disposition"))
		return parse_cdisp(v, vn, pi, partno, err, errlen);
	return 0;
}

/* One body part p[0..n): its headers, then (after a blank line) its
 * content. A part without the blank line has headers only. */
static int do_part(struct tsipt_body *out, const uint8_t *p, size_t n, int partno, int *unsupported, char *err,
		   size_t errlen)
{
	struct part_info pi;
	char hbuf[1024];
	size_t i = 0, hl = 0, cstart = n;
	int have = 0, rc;

	memset(&pi, 0, sizeof(pi));
	pi.handling_required = -1;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t le = nl ? (size_t)(nl - p) : n, next = nl ? le + 1 : n;

		if (le > i && p[le - 1] == '\r')
			le--;
		if (le == i) { /* the blank line */
			cstart = next;
			break;
		}
		if (is_ws(p[i]) && have) { /* a folded continuation */
			size_t add = le - i;

			if (add > sizeof(hbuf) - hl)
				add = sizeof(hbuf) - hl;
			memcpy(hbuf + hl, p + i, add);
			hl += add;
		} else {
			if (have && (rc = part_header(hbuf, hl, &pi, partno, err, errlen)) < 0)
				return rc;
			hl = le - i < sizeof(hbuf) ? le - i : sizeof(hbuf);
			memcpy(hbuf, p + i, hl);
			have = 1;
		}
		i = next;
	}
	if (have && (rc = part_header(hbuf, hl, &pi, partno, err, errlen)) < 0)
		return rc;
	if (cstart > n)
		cstart = n;
	if (strcmp(pi.type, "application/sdp") == 0) {
		if (!out->sdp) {
			out->sdp = (const char *)p + cstart;
			out->sdp_len = n - cstart;
		}
		return 0;
	}
	if (strcmp(pi.type, "application/isup") == 0)
		return take_isup(out, &pi, p + cstart, n - cstart, partno, err, errlen);
	if (pi.handling_required == 1 && !*unsupported) {
		*unsupported = 1;
		fail(err, errlen, -ENOTSUP, "part %d: %s with handling=required is not supported", partno,
		     pi.type[0] ? pi.type : "text/plain");
	}
	return 0;
}

/* Whether a delimiter "--boundary" starts at p[i] (i at a line start). */
static int delim_at(const uint8_t *p, size_t n, size_t i, const char *bnd, size_t bl)
{
	if (n - i < 2 + bl || p[i] != '-' || p[i + 1] != '-' || memcmp(p + i + 2, bnd, bl) != 0)
		return 0;
	i += 2 + bl;
	return i == n || p[i] == '-' || p[i] == '\r' || p[i] == '\n' || is_ws(p[i]);
}

/* The next delimiter at a line start at or after from (from itself counts
 * as a line start when at_start); n if none. */
static size_t find_delim(const uint8_t *p, size_t n, size_t from, int at_start, const char *bnd, size_t bl)
{
	size_t i = from;

	if (at_start && from < n && delim_at(p, n, from, bnd, bl))
		return from;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);

		if (!nl)
			break;
		i = (size_t)(nl - p) + 1;
		if (delim_at(p, n, i, bnd, bl))
			return i;
	}
	return n;
}

static int parse_multipart(const char *bnd, const uint8_t *p, size_t n, struct tsipt_body *out, char *err,
			   size_t errlen)
{
	size_t bl = strlen(bnd), d = find_delim(p, n, 0, 1, bnd, bl);
	int partno = 0, unsupported = 0, rc;

	if (d == n)
		return fail(err, errlen, -EINVAL, "multipart body without the delimiter --%s", bnd);
	for (;;) {
		size_t pos = d + 2 + bl, start, next, end;

		if (n - pos >= 2 && p[pos] == '-' && p[pos + 1] == '-')
			break; /* the close delimiter; the epilogue is ignored */
		while (pos < n && is_ws(p[pos]))
			pos++; /* transport padding */
		if (pos < n && p[pos] == '\r')
			pos++;
		if (pos >= n)
			return fail(err, errlen, -EMSGSIZE, "multipart body ends after a delimiter");
		if (p[pos] != '\n')
			return fail(err, errlen, -EINVAL, "part %d: text after the boundary on its line", partno + 1);
		start = pos + 1;
		partno++;
		/* The line break before the next delimiter belongs to it. */
		next = find_delim(p, n, start, 1, bnd, bl);
		if (next == n)
			return fail(err, errlen, -EMSGSIZE, "part %d: no closing delimiter (truncated body)", partno);
		end = next;
		if (end > start && p[end - 1] == '\n')
			end--;
		if (end > start && p[end - 1] == '\r')
			end--;
		rc = do_part(out, p + start, end - start, partno, &unsupported, err, errlen);
		if (rc < 0)
			return rc;
		d = next;
	}
	return unsupported ? -ENOTSUP : 0;
}

int tsipt_parse(const char *ctype, const char *cdisp, const uint8_t *body, size_t len, struct tsipt_body *out,
		char *err, size_t errlen)
{
	struct part_info pi;
	int rc;

	if (!out)
		return fail(err, errlen, -EINVAL, "no output");
	memset(out, 0, sizeof(*out));
	out->variant = -1;
	if (!ctype || !*ctype)
		return fail(err, errlen, -EINVAL, "no Content-Type");
	if (!body && len)
		return fail(err, errlen, -EINVAL, "no body");
	if (!body)
		body = (const uint8_t *)"";
	memset(&pi, 0, sizeof(pi));
	pi.handling_required = -1;
	rc = parse_ctype(ctype, strlen(ctype), &pi, 0, err, errlen);
	if (rc < 0)
		return rc;
	if (strcmp(pi.type, "multipart/mixed") == 0) {
		char bnd[TSIPT_MAX_BOUNDARY + 2];
		int bl = hv_param(ctype, strlen(ctype), "boundary", bnd, sizeof(bnd));

		if (bl < 0)
			return fail(err, errlen, -EINVAL, "multipart/mixed without a boundary parameter");
		if (bl == 0 || bl > TSIPT_MAX_BOUNDARY)
			return fail(err, errlen, -EINVAL, "multipart boundary of %d characters (1..%d)", bl,
				    TSIPT_MAX_BOUNDARY);
		rc = parse_multipart(bnd, body, len, out, err, errlen);
	} else if (strcmp(pi.type, "application/isup") == 0) {
		if (cdisp && parse_cdisp(cdisp, strlen(cdisp), &pi, 0, err, errlen) < 0)
			return -EINVAL;
		rc = take_isup(out, &pi, body, len, 1, err, errlen);
	} else if (strcmp(pi.type, "application/sdp") == 0) {
		out->sdp = (const char *)body;
		out->sdp_len = len;
		rc = 0;
	} else {
		return fail(err, errlen, -ENOTSUP, "Content-Type %s is not supported", pi.type);
	}
	if (rc < 0)
		return rc;
	if (out->isup && out->variant < 0 && out->required)
		return fail(err, errlen, -ENOTSUP,
			    "application/ISUP version \"%s\" is not supported (handling=required)", out->version);
	return rc;
}
