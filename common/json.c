/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small strict JSON parser (RFC 8259): recursive descent over a bounded
 * buffer, every error with its line and column. */
#include "config.h"

#include "common/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	const char *s;
	size_t n, i;
	char *err;
	size_t errlen;
	int rc;
};

static void jp_fail(struct jp *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void jp_fail(struct jp *p, int rc, const char *fmt, ...)
{
	size_t line = 1, col = 1, k;
	char what[160];
	va_list ap;

	if (p->rc)
		return; /* the first error counts */
	p->rc = rc;
	for (k = 0; k < p->i && k < p->n; k++) {
		if (p->s[k] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "line %zu column %zu: %s", line, col, what);
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static struct json_value *new_value(struct jp *p, enum json_type t)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v)
		jp_fail(p, -ENOMEM, "out of memory");
	else
		v->type = t;
	return v;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of a valid UTF-8 sequence at s[0..n), 0 if invalid (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A string at p->i (the opening quote); the decoded text into *out. */
static char *parse_string(struct jp *p, size_t *out_len)
{
	size_t start = ++p->i, cap, o = 0;
	char *buf;

	/* The decoded string is never longer than the raw one. */
	while (p->i < p->n && p->s[p->i] != '"') {
		if (p->s[p->i] == '\\')
			p->i++;
		p->i++;
	}
	if (p->i >= p->n) {
		p->i = start - 1; /* point at the opening quote */
		jp_fail(p, -EINVAL, "unterminated string");
		return NULL;
	}
	cap = p->i - start + 1;
	p->i = start;
	buf = malloc(cap);
	if (!buf) {
		jp_fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	while (p->s[p->i] != '"') {
		unsigned char c = (unsigned char)p->s[p->i];

		if (c < 0x20) {
			jp_fail(p, -EINVAL, "control character 0x%02x in a string", c);
			goto bad;
		}
		if (c == '\\') {
			char e = p->s[p->i + 1];
			const char *simple = strchr("\"\\/bfnrt", e);

			if (e && simple) {
				buf[o++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
				p->i += 2;
				continue;
			}
			if (e == 'u') {
				int cp = p->n - p->i >= 6 ? hex4(p->s + p->i + 2) : -1;

				if (cp < 0) {
					jp_fail(p, -EINVAL, "bad \\u escape");
					goto bad;
				}
				p->i += 6;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					int lo = p->n - p->i >= 6 && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u'
						     ? hex4(p->s + p->i + 2)
						     : -1;

					if (lo < 0xdc00 || lo > 0xdfff) {
						jp_fail(p, -EINVAL, "unpaired surrogate in a \\u escape");
						goto bad;
					}
					p->i += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					jp_fail(p, -EINVAL, "unpaired surrogate in a \\u escape");
					goto bad;
				} else if (cp == 0) {
					jp_fail(p, -EINVAL, "\\u0000 in a string");
					goto bad;
				}
				o += put_utf8(buf + o, (uint32_t)cp);
				continue;
			}
			jp_fail(p, -EINVAL, "bad escape in a string");
			goto bad;
		}
		{
			size_t l = utf8_len((const unsigned char *)p->s + p->i, p->n - p->i);

			if (l == 0) {
				jp_fail(p, -EINVAL, "invalid UTF-8 in a string");
				goto bad;
			}
			memcpy(buf + o, p->s + p->i, l);
			o += l;
			p->i += l;
		}
	}
	p->i++;
	buf[o] = '\0';
	*out_len = o;
	return buf;
bad:
	free(buf);
	return NULL;
}

static int digit(struct jp *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static struct json_value *parse_number(struct jp *p)
{
	size_t start = p->i;
	int frac = 0;
	char tmp[64];
	struct json_value *v;

	if (p->s[p->i] == '-')
		p->i++;
	if (!digit(p)) {
		jp_fail(p, -EINVAL, "bad number");
		return NULL;
	}
	if (p->s[p->i] == '0') {
		p->i++;
		if (digit(p)) {
			jp_fail(p, -EINVAL, "leading zero in a number");
			return NULL;
		}
	} else {
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		frac = 1;
		if (!digit(p)) {
			jp_fail(p, -EINVAL, "bad number");
			return NULL;
		}
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		frac = 1;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digit(p)) {
			jp_fail(p, -EINVAL, "bad number");
			return NULL;
		}
		while (digit(p))
			p->i++;
	}
	if (p->i - start >= sizeof(tmp)) {
		jp_fail(p, -EINVAL, "number too long");
		return NULL;
	}
	memcpy(tmp, p->s + start, p->i - start);
	tmp[p->i - start] = '\0';
	v = new_value(p, JSON_NUMBER);
	if (!v)
		return NULL;
	v->num = strtod(tmp, NULL);
	if (!isfinite(v->num)) {
		free(v);
		jp_fail(p, -EINVAL, "number out of range");
		return NULL;
	}
	if (!frac) {
		errno = 0;
		v->ival = strtoll(tmp, NULL, 10);
		v->is_int = errno == 0;
	}
	return v;
}

static struct json_value *parse_value(struct jp *p, int depth);

static int grow(struct jp *p, struct json_value *v, size_t *cap, int object)
{
	size_t nc = *cap ? *cap * 2 : 4;
	struct json_value **items;

	items = realloc(v->items, nc * sizeof(*items));
	if (!items) {
		jp_fail(p, -ENOMEM, "out of memory");
		return -1;
	}
	v->items = items;
	if (object) {
		char **keys = realloc(v->keys, nc * sizeof(*keys));

		if (!keys) {
			jp_fail(p, -ENOMEM, "out of memory");
			return -1;
		}
		v->keys = keys;
	}
	*cap = nc;
	return 0;
}

static struct json_value *parse_container(struct jp *p, int depth, int object)
{
	struct json_value *v = new_value(p, object ? JSON_OBJECT : JSON_ARRAY);
	size_t cap = 0;
	char close = object ? '}' : ']';

	if (!v)
		return NULL;
	p->i++;
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		struct json_value *item;

		skip_ws(p);
		if (object) {
			if (p->i >= p->n || p->s[p->i] != '"') {
				jp_fail(p, -EINVAL, "expected a string key");
				break;
			}
			key = parse_string(p, &klen);
			if (!key)
				break;
			if (json_get(v, key)) {
				jp_fail(p, -EINVAL, "duplicate key \"%s\"", key);
				free(key);
				break;
			}
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':') {
				jp_fail(p, -EINVAL, "expected ':' after a key");
				free(key);
				break;
			}
			p->i++;
		}
		item = parse_value(p, depth + 1);
		if (!item || (v->len == cap && grow(p, v, &cap, object) < 0)) {
			free(key);
			json_free(item);
			break;
		}
		v->items[v->len] = item;
		if (object)
			v->keys[v->len] = key;
		v->len++;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return v;
		}
		jp_fail(p, -EINVAL, object ? "expected ',' or '}'" : "expected ',' or ']'");
		break;
	}
	json_free(v);
	return NULL;
}

static int literal(struct jp *p, const char *word)
{
	size_t l = strlen(word);

	if (p->n - p->i >= l && memcmp(p->s + p->i, word, l) == 0) {
		p->i += l;
		return 1;
	}
	return 0;
}

static struct json_value *parse_value(struct jp *p, int depth)
{
	struct json_value *v;

	if (depth > JSON_MAX_DEPTH) {
		jp_fail(p, -EINVAL, "nested deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	skip_ws(p);
	if (p->i >= p->n) {
		jp_fail(p, -EINVAL, "unexpected end of input");
		return NULL;
	}
	switch (p->s[p->i]) {
	case '{':
		return parse_container(p, depth, 1);
	case '[':
		return parse_container(p, depth, 0);
	case '"':
		v = new_value(p, JSON_STRING);
		if (v && !(v->str = parse_string(p, &v->len))) {
			free(v);
			v = NULL;
		}
		return v;
	case 't':
	case 'f':
	case 'n':
		if (literal(p, "true") || literal(p, "false")) {
			v = new_value(p, JSON_BOOL);
			if (v)
				v->b = p->s[p->i - 4] == 't'; /* "true" is 4 long, "false" 5 */
			return v;
		}
		if (literal(p, "null"))
			return new_value(p, JSON_NULL);
		break;
	default:
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return parse_number(p);
		break;
	}
	jp_fail(p, -EINVAL, "unexpected character '%c'", p->s[p->i] >= 0x20 && p->s[p->i] < 0x7f ? p->s[p->i] : '?');
	return NULL;
}

int json_parse(const char *text, size_t len, struct json_value **out, char *err, size_t errlen)
{
	struct jp p = {text, len, 0, err, errlen, 0};
	struct json_value *v;

	*out = NULL;
	v = parse_value(&p, 1);
	if (v) {
		skip_ws(&p);
		if (p.i < p.n) {
			jp_fail(&p, -EINVAL, "text after the value");
			json_free(v);
			v = NULL;
		}
	}
	if (!v)
		return p.rc ? p.rc : -EINVAL;
	*out = v;
	return 0;
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
		for (size_t k = 0; k < v->len; k++) {
			json_free(v->items[k]);
			if (v->keys)
				free(v->keys[k]);
		}
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t k = 0; k < obj->len; k++)
		if (strcmp(obj->keys[k], key) == 0)
			return obj->items[k];
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}
