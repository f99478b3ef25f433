/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Calling party identity: Q.931 presentation/screening <-> From,
 * P-Asserted-Identity and Privacy. Redirection is in redirect.c. */
#include "config.h"

#include "gateway/identity.h"
#include "gateway/sipaddr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 3323 4.2 priv-value tokens, in the order they are written. */
static const struct {
	const char *name;
	unsigned bit;
} privacy_values[] = {
    {"header", IDENT_PRIV_HEADER}, {"session", IDENT_PRIV_SESSION}, {"user", IDENT_PRIV_USER},
    {"id", IDENT_PRIV_ID},         {"none", IDENT_PRIV_NONE},       {"critical", IDENT_PRIV_CRITICAL},
};

unsigned ident_privacy_parse(const char *value)
{
	unsigned bits = 0;
	const char *p = value;

	if (!p)
		return 0;
	while (*p) {
		const char *b;
		size_t n;

		while (*p && (isspace((unsigned char)*p) || *p == ';' || *p == ','))
			p++;
		b = p;
		while (*p && !isspace((unsigned char)*p) && *p != ';' && *p != ',')
			p++;
		n = (size_t)(p - b);
		for (size_t i = 0; n && i < N(privacy_values); i++)
			if (strlen(privacy_values[i].name) == n && strncasecmp(b, privacy_values[i].name, n) == 0)
				bits |= privacy_values[i].bit;
	}
	return bits;
}

int ident_privacy_format(unsigned bits, char *buf, size_t len)
{
	size_t pos = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < N(privacy_values); i++) {
		if (!(bits & privacy_values[i].bit))
			continue;
		if ((pos && sipaddr_put(buf, len, &pos, ";", 0)) ||
		    sipaddr_put(buf, len, &pos, privacy_values[i].name, 0))
			return -ENOSPC;
	}
	return 0;
}

/* `"name" <uri>` or `<uri>` into buf. */
static int name_addr(char *buf, size_t len, const char *name, const char *uri)
{
	size_t pos = 0;

	buf[0] = '\0';
	if (name && *name && (sipaddr_put(buf, len, &pos, name, 1) || sipaddr_put(buf, len, &pos, " ", 0)))
		return -ENOSPC;
	if (sipaddr_put(buf, len, &pos, "<", 0) || sipaddr_put(buf, len, &pos, uri, 0) ||
	    sipaddr_put(buf, len, &pos, ">", 0))
		return -ENOSPC;
	return 0;
}

int ident_to_sip(const struct ident_party *p, const char *host, struct ident_sip *out)
{
	char uri[IDENT_URI_SIZE];
	bool has_number, asserted;
	int rc;

	if (!p || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	has_number = p->number[0] && p->pres != IDENT_PRES_UNAVAILABLE;
	asserted = has_number && (p->screen == IDENT_SCREEN_NETWORK || p->screen == IDENT_SCREEN_USER_PASSED);
	if (has_number) {
		rc = num_to_sip_uri(p->number, host, uri, sizeof(uri));
		if (rc)
			return rc;
	}
	if (has_number && p->pres == IDENT_PRES_ALLOWED)
		rc = name_addr(out->from, sizeof(out->from), p->name, uri);
	else
		rc = snprintf(out->from, sizeof(out->from), "%s", IDENT_ANONYMOUS_FROM) < 0 ? -ENOSPC : 0;
	if (!rc && asserted)
		rc = name_addr(out->pai, sizeof(out->pai), p->name, uri);
	/* RFC 3325 9.3: Privacy: id keeps the asserted identity inside the
	 * trust domain. */
	if (!rc && p->pres == IDENT_PRES_RESTRICTED)
		rc = ident_privacy_format(IDENT_PRIV_ID, out->privacy, sizeof(out->privacy));
	return rc;
}

/* RFC 3323 4.1.1.3 and common practice: anonymous@ or *.invalid hosts. */
static bool is_anonymous(const char *uri)
{
	const char *at = strchr(uri, '@'), *colon = strchr(uri, ':');
	const char *user = colon ? colon + 1 : uri;

	if (!at)
		return false;
	if ((size_t)(at - user) == 9 && strncasecmp(user, "anonymous", 9) == 0)
		return true;
	return strncasecmp(at + 1, "anonymous.invalid", 17) == 0;
}

int ident_from_sip(const char *from, const char *pai, const char *privacy, bool trusted,
		   const struct number_rules *rules, struct ident_party *out)
{
	unsigned bits = ident_privacy_parse(privacy);
	bool anonymous = false, restricted;
	struct sipaddr a;
	const char *p;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->screen = IDENT_SCREEN_USER_NOT_SCREENED;
	/* RFC 3325 9.1: PAI may hold a sip/sips and a tel URI; the first
	 * that is a number wins. Only a trusted peer's PAI means anything. */
	for (p = pai; trusted && p && !out->number[0];) {
		int rc = sipaddr_next(&p, &a);

		if (rc == 0)
			break;
		if (rc < 0 || num_from_uri(a.uri, rules, out->number, sizeof(out->number)))
			continue;
		out->screen = IDENT_SCREEN_USER_PASSED;
		snprintf(out->name, sizeof(out->name), "%s", a.name);
	}
	p = from;
	if (p && sipaddr_next(&p, &a) == 1) {
		anonymous = is_anonymous(a.uri);
		if (!out->number[0] && !anonymous && num_from_uri(a.uri, rules, out->number, sizeof(out->number)) == 0)
			snprintf(out->name, sizeof(out->name), "%s", a.name);
	}
	restricted = anonymous || (bits & (IDENT_PRIV_ID | IDENT_PRIV_HEADER | IDENT_PRIV_USER));
	if (restricted)
		out->pres = IDENT_PRES_RESTRICTED;
	else
		out->pres = out->number[0] ? IDENT_PRES_ALLOWED : IDENT_PRES_UNAVAILABLE;
	return 0;
}

const char *ident_pres_name(enum ident_pres p)
{
	switch (p) {
	case IDENT_PRES_ALLOWED:
		return "allowed";
	case IDENT_PRES_RESTRICTED:
		return "restricted";
	case IDENT_PRES_UNAVAILABLE:
		return "unavailable";
	}
	return "?";
}

const char *ident_screen_name(enum ident_screen s)
{
	switch (s) {
	case IDENT_SCREEN_USER_NOT_SCREENED:
		return "user-not-screened";
	case IDENT_SCREEN_USER_PASSED:
		return "user-passed";
	case IDENT_SCREEN_USER_FAILED:
		return "user-failed";
	case IDENT_SCREEN_NETWORK:
		return "network";
	}
	return "?";
}
