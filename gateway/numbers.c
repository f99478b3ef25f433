/* SPDX-License-Identifier: GPL-2.0-or-later */
/* E.164 normalization: Q.931 digits/TON/NPI and SIP/tel URIs to and from
 * '+digits', by per-trunk number rules. */
#include "config.h"

#include "gateway/numbers.h"

#include "common/errbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const format_names[] = {
    [NUM_FMT_INTERNATIONAL] = "international",
    [NUM_FMT_NATIONAL] = "national",
    [NUM_FMT_UNKNOWN] = "unknown",
};

void num_rules_init(struct number_rules *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->natpfx, "0");
	strcpy(r->intlpfx, "00");
	r->format = NUM_FMT_INTERNATIONAL;
	r->npi = NUM_NPI_E164;
}

/* Whether s is min..max decimal digits. */
static int all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int starts_with(const char *s, const char *prefix)
{
	return *prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* --- The compact text form: one row per key --- */

struct rule_key {
	const char *name;
	/* Set the field from value; on error return a message for "KEY: MSG". */
	const char *(*set)(struct number_rules *r, const char *value);
};

static const char *set_digits_field(char *field, size_t size, const char *v, size_t min, const char *msg)
{
	if (!all_digits(v, min, size - 1))
		return msg;
	strcpy(field, v);
	return NULL;
}

static const char *set_cc(struct number_rules *r, const char *v)
{
	if (v[0] == '0')
		return "a country code does not start with 0";
	return set_digits_field(r->cc, sizeof(r->cc), v, 0, "must be 1-3 digits (E.164 country code) or empty");
}

static const char *set_area(struct number_rules *r, const char *v)
{
	return set_digits_field(r->area, sizeof(r->area), v, 0, "must be at most 7 digits");
}

static const char *set_natpfx(struct number_rules *r, const char *v)
{
	return set_digits_field(r->natpfx, sizeof(r->natpfx), v, 0, "must be at most 3 digits");
}

static const char *set_intlpfx(struct number_rules *r, const char *v)
{
	return set_digits_field(r->intlpfx, sizeof(r->intlpfx), v, 0, "must be at most 4 digits");
}

static const char *set_add(struct number_rules *r, const char *v)
{
	return set_digits_field(r->add, sizeof(r->add), v, 0, "must be at most 15 digits");
}

static const char *set_format(struct number_rules *r, const char *v)
{
	for (size_t i = 0; i < N(format_names); i++)
		if (strcmp(v, format_names[i]) == 0) {
			r->format = (enum num_format)i;
			return NULL;
		}
	return "must be international, national or unknown";
}

static const char *set_npi(struct number_rules *r, const char *v)
{
	if (strcmp(v, "e164") == 0)
		r->npi = NUM_NPI_E164;
	else if (strcmp(v, "unknown") == 0)
		r->npi = NUM_NPI_UNKNOWN;
	else
		return "must be e164 or unknown";
	return NULL;
}

static const char *set_strip(struct number_rules *r, const char *v)
{
	if (!all_digits(v, 1, 2) || atoi(v) > NUM_E164_DIGITS)
		return "must be a number from 0 to 15";
	r->strip = (unsigned)atoi(v);
	return NULL;
}

static const struct rule_key rule_keys[] = {
    {"cc", set_cc},         {"area", set_area}, {"natpfx", set_natpfx}, {"intlpfx", set_intlpfx},
    {"format", set_format}, {"npi", set_npi},   {"strip", set_strip},   {"add", set_add},
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One "key=value" item into r; seen tracks keys already given. */
static int parse_item(char *item, struct number_rules *r, unsigned *seen, char *err, size_t errlen)
{
	char *eq = strchr(item, '='), *key, *value;
	const char *msg;

	if (!eq) {
		errbuf_set(err, errlen, "%s: expected key=value", trim(item));
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(item);
	value = trim(eq + 1);
	for (size_t i = 0; i < N(rule_keys); i++) {
		if (strcmp(key, rule_keys[i].name) != 0)
			continue;
		if (*seen & (1u << i)) {
			errbuf_set(err, errlen, "%s: given twice", key);
			return -EINVAL;
		}
		*seen |= 1u << i;
		msg = rule_keys[i].set(r, value);
		if (msg) {
			errbuf_set(err, errlen, "%s: \"%s\" %s", key, value, msg);
			return -EINVAL;
		}
		return 0;
	}
	errbuf_set(err, errlen, "%s: unknown field (cc, area, natpfx, intlpfx, format, npi, strip, add)", key);
	return -EINVAL;
}

int num_rules_parse(const char *text, struct number_rules *r, char *err, size_t errlen)
{
	struct number_rules tmp;
	unsigned seen = 0;
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (!text || !r) {
		errbuf_set(err, errlen, "no rules");
		return -EINVAL;
	}
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	num_rules_init(&tmp);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (!*trim(item))
			continue;
		rc = parse_item(item, &tmp, &seen, err, errlen);
		if (rc)
			goto out;
	}
	/* The prefixes are read longest-meaning first (international); a
	 * national prefix starting with the international one would never
	 * be seen. */
	if (*tmp.intlpfx && starts_with(tmp.natpfx, tmp.intlpfx)) {
		errbuf_set(err, errlen, "natpfx: \"%s\" starts with intlpfx \"%s\"", tmp.natpfx, tmp.intlpfx);
		rc = -EINVAL;
		goto out;
	}
	if (*tmp.area && !*tmp.cc) {
		errbuf_set(err, errlen, "area: needs cc");
		rc = -EINVAL;
		goto out;
	}
	*r = tmp;
out:
	free(copy);
	return rc;
}

int num_rules_format(const struct number_rules *r, char *buf, size_t len)
{
	int n =
	    snprintf(buf, len, "cc=%s,area=%s,natpfx=%s,intlpfx=%s,format=%s,npi=%s,strip=%u,add=%s", r->cc, r->area,
		     r->natpfx, r->intlpfx, (unsigned)r->format < N(format_names) ? format_names[r->format] : "?",
		     r->npi == NUM_NPI_UNKNOWN ? "unknown" : "e164", r->strip, r->add);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

int num_is_e164(const char *s)
{
	return s && s[0] == '+' && s[1] >= '1' && s[1] <= '9' && all_digits(s + 1, 2, NUM_E164_DIGITS);
}

/* out = "+" a b c, checked to be E.164. */
static int make_e164(char *out, size_t len, const char *a, const char *b, const char *c)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "+%s%s%s", a, b, c);

	if (n < 0 || (size_t)n >= sizeof(tmp) || !num_is_e164(tmp))
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOSPC;
	memcpy(out, tmp, (size_t)n + 1);
	return 0;
}

int num_from_pri(const struct number_rules *r, const char *digits, enum num_ton ton, enum num_npi npi, char *out,
		 size_t len)
{
	char buf[NUM_DIGITS_SIZE + sizeof(r->add)];
	const char *s;
	size_t n;

	if (!r || !digits || !out)
		return -EINVAL;
	if (npi == NUM_NPI_PRIVATE || npi == NUM_NPI_DATA || npi == NUM_NPI_TELEX)
		return -ENOTSUP;
	if (npi != NUM_NPI_UNKNOWN && npi != NUM_NPI_E164 && npi != NUM_NPI_NATIONAL)
		return -EINVAL;
	n = strlen(digits);
	if (!all_digits(digits, 1, NUM_DIGITS_SIZE - 1) || n <= r->strip)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s%s", r->add, digits + r->strip);
	s = buf;
	switch (ton) {
	case NUM_TON_INTERNATIONAL:
		return make_e164(out, len, s, "", "");
	case NUM_TON_NATIONAL:
		/* Some carriers send the trunk prefix with TON national; no
		 * national significant number starts with it. */
		if (starts_with(s, r->natpfx) && strlen(s) > strlen(r->natpfx))
			s += strlen(r->natpfx);
		return *r->cc ? make_e164(out, len, r->cc, s, "") : -EINVAL;
	case NUM_TON_SUBSCRIBER:
		return *r->cc && *r->area ? make_e164(out, len, r->cc, r->area, s) : -EINVAL;
	case NUM_TON_UNKNOWN:
		if (starts_with(s, r->intlpfx))
			return make_e164(out, len, s + strlen(r->intlpfx), "", "");
		if (starts_with(s, r->natpfx))
			s += strlen(r->natpfx);
		return *r->cc ? make_e164(out, len, r->cc, s, "") : -EINVAL;
	case NUM_TON_NETWORK:
	case NUM_TON_ABBREVIATED:
		return -ENOTSUP;
	}
	return -EINVAL;
}

int num_to_pri(const struct number_rules *r, const char *e164, struct num_q931 *out)
{
	const char *body, *nsn = NULL;
	int n;

	if (!r || !out || !num_is_e164(e164))
		return -EINVAL;
	body = e164 + 1;
	/* Country codes are a prefix code (E.164 6.2.1), so a plain prefix
	 * test tells a number of our country. */
	if (*r->cc && starts_with(body, r->cc))
		nsn = body + strlen(r->cc);
	out->npi = r->npi;
	switch (r->format) {
	case NUM_FMT_INTERNATIONAL:
		out->ton = NUM_TON_INTERNATIONAL;
		n = snprintf(out->digits, sizeof(out->digits), "%s", body);
		break;
	case NUM_FMT_NATIONAL:
		out->ton = nsn ? NUM_TON_NATIONAL : NUM_TON_INTERNATIONAL;
		n = snprintf(out->digits, sizeof(out->digits), "%s", nsn ? nsn : body);
		break;
	case NUM_FMT_UNKNOWN:
		out->ton = NUM_TON_UNKNOWN;
		if (!nsn && !*r->intlpfx)
			return -EINVAL;
		n = snprintf(out->digits, sizeof(out->digits), "%s%s", nsn ? r->natpfx : r->intlpfx, nsn ? nsn : body);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= sizeof(out->digits) ? -EINVAL : 0;
}

/* --- SIP side --- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copy [s, e) to out undoing %-escapes (RFC 3986 2.1). */
static int unescape(const char *s, const char *e, char *out, size_t len)
{
	size_t n = 0;

	for (; s < e; s++) {
		int c = (unsigned char)*s;

		if (c == '%' && e - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			c = hexval(s[1]) * 16 + hexval(s[2]);
			s += 2;
		}
		if (n + 1 >= len)
			return -EINVAL;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* A phone number ("+1-212 ..."): digits into out without the visual
 * separators (RFC 3966 5.1.1); *global set when it starts with '+'. */
static int phone_digits(const char *s, char *out, size_t len, int *global)
{
	size_t n = 0;

	*global = *s == '+';
	if (*global)
		s++;
	for (; *s; s++) {
		if (strchr("-.()", *s))
			continue;
		if (!isdigit((unsigned char)*s) || n + 1 >= len)
			return -EINVAL;
		out[n++] = *s;
	}
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}

/* From a URI (or name-addr, or user part) the user part: [b, e). */
static int user_part(const char *uri, const char **b, const char **e)
{
	const char *s = uri, *lt = strchr(uri, '<');

	if (lt) {
		s = lt + 1;
		*e = strchr(s, '>');
		if (!*e)
			return -EINVAL;
	} else {
		while (isspace((unsigned char)*s))
			s++;
		*e = s + strlen(s);
		while (*e > s && isspace((unsigned char)(*e)[-1]))
			(*e)--;
	}
	if (strncasecmp(s, "sip:", 4) == 0 || strncasecmp(s, "sips:", 5) == 0) {
		const char *at;

		s = strchr(s, ':') + 1;
		at = memchr(s, '@', (size_t)(*e - s));
		if (!at)
			return -EINVAL; /* sip:host has no number */
		*e = at;
	} else if (strncasecmp(s, "tel:", 4) == 0) {
		s += 4;
	}
	*b = s;
	return 0;
}

int num_from_uri(const char *uri, const struct number_rules *r, char *out, size_t len)
{
	char user[128], digits[NUM_DIGITS_SIZE], ctx[NUM_DIGITS_SIZE] = "";
	const char *b, *e, *q;
	char *param, *save = NULL;
	int global = 0, ctx_global = 0, rc;

	if (!uri || !out)
		return -EINVAL;
	rc = user_part(uri, &b, &e);
	if (rc)
		return rc;
	q = memchr(b, '?', (size_t)(e - b)); /* headers of a tel/bare form */
	if (q)
		e = q;
	if (unescape(b, e, user, sizeof(user)))
		return -EINVAL;
	param = strchr(user, ';');
	if (param) {
		*param++ = '\0';
		for (char *p = strtok_r(param, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
			if (strncasecmp(p, "phone-context=", 14) == 0 && p[14] == '+' &&
			    phone_digits(p + 14, ctx, sizeof(ctx), &ctx_global))
				return -EINVAL;
		}
	}
	rc = phone_digits(user, digits, sizeof(digits), &global);
	if (rc)
		return rc;
	if (global)
		return make_e164(out, len, digits, "", "");
	if (*ctx) /* RFC 3966 5.1.5: the global number digits prefix the local */
		return make_e164(out, len, ctx, digits, "");
	if (!r)
		return -EINVAL;
	return num_from_pri(r, digits, NUM_TON_UNKNOWN, NUM_NPI_UNKNOWN, out, len);
}

int num_to_sip_uri(const char *e164, const char *host, char *buf, size_t len)
{
	int n;

	if (!num_is_e164(e164) || !host || !*host || strpbrk(host, " \t\r\n<>@;,?\"\\"))
		return -EINVAL;
	n = snprintf(buf, len, "sip:%s@%s;user=phone", e164, host);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

const char *num_ton_name(enum num_ton ton)
{
	switch (ton) {
	case NUM_TON_UNKNOWN:
		return "unknown";
	case NUM_TON_INTERNATIONAL:
		return "international";
	case NUM_TON_NATIONAL:
		return "national";
	case NUM_TON_NETWORK:
		return "network-specific";
	case NUM_TON_SUBSCRIBER:
		return "subscriber";
	case NUM_TON_ABBREVIATED:
		return "abbreviated";
	}
	return "?";
}

const char *num_npi_name(enum num_npi npi)
{
	switch (npi) {
	case NUM_NPI_UNKNOWN:
		return "unknown";
	case NUM_NPI_E164:
		return "e164";
	case NUM_NPI_DATA:
		return "data";
	case NUM_NPI_TELEX:
		return "telex";
	case NUM_NPI_NATIONAL:
		return "national";
	case NUM_NPI_PRIVATE:
		return "private";
	}
	return "?";
}
