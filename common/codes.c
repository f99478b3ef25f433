/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP status lists ("2xx,4xx,!408"): a bitmap over 100..699. */
#include "config.h"

#include "common/codes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void codes_set(struct sip_codes *s, int lo, int hi)
{
	for (int c = lo; c <= hi; c++) {
		unsigned i = (unsigned)(c - 100);

		s->bits[i / 64] |= UINT64_C(1) << (i % 64);
	}
}

/* One item without its '!': "NNN", "NNN-MMM" or "Nxx" into lo..hi. */
static int codes_item(const char *t, int *lo, int *hi)
{
	int n = 0;

	if (strlen(t) == 3 && t[0] >= '1' && t[0] <= '6' && tolower((unsigned char)t[1]) == 'x' &&
	    tolower((unsigned char)t[2]) == 'x') {
		*lo = (t[0] - '0') * 100;
		*hi = *lo + 99;
		return 0;
	}
	if (sscanf(t, "%3d-%3d%n", lo, hi, &n) == 2 && t[n] == '\0' && n == 7)
		return *lo >= 100 && *hi <= 699 && *lo <= *hi ? 0 : -EINVAL;
	if (sscanf(t, "%3d%n", lo, &n) == 1 && t[n] == '\0' && n == 3) {
		*hi = *lo;
		return *lo >= 100 && *lo <= 699 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int sip_codes_parse(const char *list, struct sip_codes *set, char *why, size_t whylen)
{
	struct sip_codes out = {{0}}, off = {{0}};
	char item[32];
	const char *p = list;

	if (!list || !*list) {
		snprintf(why, whylen, "an empty list of SIP statuses");
		return -EINVAL;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *t = item;
		int lo, hi, neg;

		while (n && isspace((unsigned char)*p))
			p++, n--;
		if (n >= sizeof(item)) {
			snprintf(why, whylen, "\"%.*s\" is not a SIP status, range or class", (int)n, p);
			return -EINVAL;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		while (n && isspace((unsigned char)item[n - 1]))
			item[--n] = '\0';
		neg = item[0] == '!';
		t += neg;
		if (codes_item(t, &lo, &hi) < 0) {
			snprintf(why, whylen, "\"%s\" is not a SIP status (100..699), range (400-499) or class (5xx)",
				 item);
			return -EINVAL;
		}
		codes_set(neg ? &off : &out, lo, hi);
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	for (size_t i = 0; i < sizeof(out.bits) / sizeof(out.bits[0]); i++)
		out.bits[i] &= ~off.bits[i];
	*set = out;
	return 0;
}

int sip_codes_has(const struct sip_codes *set, int status)
{
	unsigned i;

	if (status < 100 || status > 699)
		return 0;
	i = (unsigned)(status - 100);
	return (int)((set->bits[i / 64] >> (i % 64)) & 1);
}
