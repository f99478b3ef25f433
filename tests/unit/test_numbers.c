/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: number rules and E.164 normalization (gateway/numbers.c)
 * with UK, US and German style rules, both directions, and SIP URIs. */
#include "config.h"

#include "gateway/numbers.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct number_rules rules(const char *text)
{
	struct number_rules r;
	char err[128] = "";

	num_rules_init(&r);
	if (num_rules_parse(text, &r, err, sizeof(err)))
		printf("# rules \"%s\": %s\n", text, err);
	return r;
}

/* num_from_pri into a static buffer: the number, or "error N". */
static const char *from_pri(const struct number_rules *r, const char *digits, enum num_ton ton, enum num_npi npi)
{
	static char out[64];
	int rc = num_from_pri(r, digits, ton, npi, out, sizeof(out));

	if (rc)
		snprintf(out, sizeof(out), "error %d", rc);
	return out;
}

/* num_to_pri as "TON:digits" or "error N". */
static const char *to_pri(const struct number_rules *r, const char *e164)
{
	static char out[64];
	struct num_q931 q;
	int rc = num_to_pri(r, e164, &q);

	if (rc)
		snprintf(out, sizeof(out), "error %d", rc);
	else
		snprintf(out, sizeof(out), "%s:%s", num_ton_name(q.ton), q.digits);
	return out;
}

static const char *from_uri(const char *uri, const struct number_rules *r)
{
	static char out[64];
	int rc = num_from_uri(uri, r, out, sizeof(out));

	if (rc)
		snprintf(out, sizeof(out), "error %d", rc);
	return out;
}

static void test_uk(void)
{
	struct number_rules uk = rules("cc=44,natpfx=0,intlpfx=00,format=national,strip=0,add=");
	struct num_q931 q;

	is_str(from_pri(&uk, "2079460000", NUM_TON_NATIONAL, NUM_NPI_E164), "+442079460000", "UK national");
	is_str(from_pri(&uk, "02079460000", NUM_TON_NATIONAL, NUM_NPI_E164), "+442079460000",
	       "UK national with the trunk prefix anyway");
	is_str(from_pri(&uk, "442079460000", NUM_TON_INTERNATIONAL, NUM_NPI_E164), "+442079460000", "UK international");
	is_str(from_pri(&uk, "02079460000", NUM_TON_UNKNOWN, NUM_NPI_UNKNOWN), "+442079460000", "UK unknown, 0...");
	is_str(from_pri(&uk, "0033142685300", NUM_TON_UNKNOWN, NUM_NPI_E164), "+33142685300", "UK unknown, 00...");
	is_str(from_pri(&uk, "2079460000", NUM_TON_UNKNOWN, NUM_NPI_E164), "+442079460000", "UK unknown, no prefix");
	is_str(from_pri(&uk, "79460000", NUM_TON_SUBSCRIBER, NUM_NPI_E164), "error -22",
	       "subscriber without an area code refused");
	is_str(from_pri(&uk, "123", NUM_TON_NETWORK, NUM_NPI_E164), "error -95", "network-specific: not E.164");
	is_str(from_pri(&uk, "999", NUM_TON_ABBREVIATED, NUM_NPI_E164), "error -95", "abbreviated: not E.164");
	is_str(from_pri(&uk, "2001", NUM_TON_UNKNOWN, NUM_NPI_PRIVATE), "error -95", "private plan: not E.164");
	is_str(from_pri(&uk, "20794a0000", NUM_TON_NATIONAL, NUM_NPI_E164), "error -22", "letters refused");
	is_str(from_pri(&uk, "*67", NUM_TON_UNKNOWN, NUM_NPI_E164), "error -22", "'*' refused");
	is_str(from_pri(&uk, "", NUM_TON_NATIONAL, NUM_NPI_E164), "error -22", "empty refused");
	is_str(from_pri(&uk, "1234567890123456", NUM_TON_INTERNATIONAL, NUM_NPI_E164), "error -22",
	       "16 digits refused");
	is_str(from_pri(&uk, "0442079460000", NUM_TON_INTERNATIONAL, NUM_NPI_E164), "error -22",
	       "country code 0 refused");
	is_str(from_pri(&uk, "2079460000", NUM_TON_NATIONAL, (enum num_npi)5), "error -22", "reserved plan refused");

	is_str(to_pri(&uk, "+442079460000"), "national:2079460000", "UK out, national format: national");
	is_str(to_pri(&uk, "+33142685300"), "international:33142685300", "UK out, foreign: international");
	ok(num_to_pri(&uk, "+442079460000", &q) == 0 && q.npi == NUM_NPI_E164, "plan E.164");
	uk.format = NUM_FMT_UNKNOWN;
	is_str(to_pri(&uk, "+442079460000"), "unknown:02079460000", "UK out, unknown format: 0...");
	is_str(to_pri(&uk, "+33142685300"), "unknown:0033142685300", "UK out, unknown format: 00...");
	uk.format = NUM_FMT_INTERNATIONAL;
	is_str(to_pri(&uk, "+442079460000"), "international:442079460000", "UK out, international format");
	is_str(to_pri(&uk, "442079460000"), "error -22", "not E.164 refused");
	uk = rules("cc=44,area=20");
	is_str(from_pri(&uk, "79460000", NUM_TON_SUBSCRIBER, NUM_NPI_E164), "+442079460000", "UK subscriber, area 20");
	uk = rules("cc=44,intlpfx=,format=unknown");
	is_str(to_pri(&uk, "+33142685300"), "error -22", "unknown format, foreign, no intlpfx: refused");
	uk = rules("cc=44,npi=unknown");
	ok(num_to_pri(&uk, "+442079460000", &q) == 0 && q.npi == NUM_NPI_UNKNOWN, "npi=unknown sent");
}

static void test_us(void)
{
	struct number_rules us = rules("cc=1,natpfx=1,intlpfx=011,format=unknown");

	is_str(to_pri(&us, "+12125550100"), "unknown:12125550100", "US out, unknown: 1 + 10 digits");
	is_str(to_pri(&us, "+442079460000"), "unknown:011442079460000", "US out, unknown: 011...");
	is_str(from_pri(&us, "12125550100", NUM_TON_UNKNOWN, NUM_NPI_E164), "+12125550100", "US unknown, 1...");
	is_str(from_pri(&us, "2125550100", NUM_TON_UNKNOWN, NUM_NPI_E164), "+12125550100", "US unknown, 10 digits");
	is_str(from_pri(&us, "011442079460000", NUM_TON_UNKNOWN, NUM_NPI_E164), "+442079460000", "US unknown, 011...");
	is_str(from_pri(&us, "2125550100", NUM_TON_NATIONAL, NUM_NPI_E164), "+12125550100", "US national");
	us = rules("cc=1,natpfx=1,intlpfx=011,format=national,area=212");
	is_str(from_pri(&us, "5550100", NUM_TON_SUBSCRIBER, NUM_NPI_E164), "+12125550100", "US subscriber, NPA 212");
	is_str(to_pri(&us, "+12125550100"), "national:2125550100", "US out, national");
}

static void test_de(void)
{
	struct number_rules de = rules("cc=49,natpfx=0,intlpfx=00,format=international,strip=1");

	is_str(from_pri(&de, "90301234567", NUM_TON_UNKNOWN, NUM_NPI_E164), "+49301234567", "DE: strip 1, then 0...");
	is_str(from_pri(&de, "9", NUM_TON_UNKNOWN, NUM_NPI_E164), "error -22", "DE: nothing left after strip");
	is_str(to_pri(&de, "+49301234567"), "international:49301234567", "DE out, international");
	de = rules("cc=49,add=0");
	is_str(from_pri(&de, "301234567", NUM_TON_UNKNOWN, NUM_NPI_E164), "+49301234567", "DE: add 0, then 0...");
	de = rules("cc=49,format=national");
	is_str(to_pri(&de, "+49301234567"), "national:301234567", "DE out, national");
}

static void test_round_trips(void)
{
	static const char *const texts[] = {
	    "cc=44,format=national",
	    "cc=44,format=unknown",
	    "cc=44,format=international",
	    "cc=1,natpfx=1,intlpfx=011",
	    "cc=1,natpfx=1,intlpfx=011,format=unknown",
	    "cc=49,format=national",
	    "cc=49,format=unknown",
	};
	static const char *const numbers[] = {"+442079460000", "+12125550100", "+49301234567", "+33142685300",
					      "+861012345678"};
	int bad = 0;

	for (size_t i = 0; i < N(texts); i++) {
		struct number_rules r = rules(texts[i]);

		for (size_t j = 0; j < N(numbers); j++) {
			struct num_q931 q;
			char back[NUM_E164_SIZE];

			if (num_to_pri(&r, numbers[j], &q) ||
			    num_from_pri(&r, q.digits, q.ton, q.npi, back, sizeof(back)) || strcmp(back, numbers[j])) {
				printf("# %s with %s: %s\n", numbers[j], texts[i], to_pri(&r, numbers[j]));
				bad++;
			}
		}
	}
	is_int(bad, 0, "E.164 -> PRI -> E.164 round trips for UK, US, DE rules and every format");
}

static void test_rules_parse(void)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
	    {"cc=044", "cc"},
	    {"cc=1234", "cc"},
	    {"cc=4x", "cc"},
	    {"natpfx=a", "natpfx"},
	    {"intlpfx=00000", "intlpfx"},
	    {"format=local", "format"},
	    {"strip=16", "strip"},
	    {"strip=x", "strip"},
	    {"strip=", "strip"},
	    {"npi=x121", "npi"},
	    {"add=+44", "add"},
	    {"bogus=1", "bogus"},
	    {"cc=44,cc=44", "cc"},
	    {"cc", "cc"},
	    {"natpfx=00,intlpfx=0", "natpfx"},
	    {"area=20", "area"},
	};
	struct number_rules r, before, again;
	char err[160], text[256];

	num_rules_init(&r);
	is_str(r.natpfx, "0", "default national prefix 0");
	is_str(r.intlpfx, "00", "default international prefix 00");
	is_int(r.format, NUM_FMT_INTERNATIONAL, "default format international");
	is_int(num_rules_parse(" cc = 44 , natpfx=0,intlpfx=00,format=national,strip=0,add= ", &r, err, sizeof(err)), 0,
	       "the compact form, with spaces");
	is_str(r.cc, "44", "cc read");
	is_int(r.format, NUM_FMT_NATIONAL, "format read");
	is_int(num_rules_parse("", &r, err, sizeof(err)), 0, "empty text: defaults");
	is_str(r.cc, "", "... no country");
	for (size_t i = 0; i < N(bad); i++) {
		num_rules_init(&r);
		strcpy(r.cc, "99");
		before = r;
		err[0] = '\0';
		is_int(num_rules_parse(bad[i].text, &r, err, sizeof(err)), -EINVAL, "\"%s\" refused", bad[i].text);
		ok(strncmp(err, bad[i].field, strlen(bad[i].field)) == 0, "... naming %s: %s", bad[i].field, err);
		ok(memcmp(&r, &before, sizeof(r)) == 0, "... rules unchanged");
	}
	is_int(num_rules_parse("cc=1,area=212,natpfx=1,intlpfx=011,format=unknown,npi=unknown,strip=2,add=9", &r, err,
			       sizeof(err)),
	       0, "every key");
	is_int(num_rules_format(&r, text, sizeof(text)), 0, "formatted");
	is_str(text, "cc=1,area=212,natpfx=1,intlpfx=011,format=unknown,npi=unknown,strip=2,add=9", "... as written");
	ok(num_rules_parse(text, &again, err, sizeof(err)) == 0 && memcmp(&r, &again, sizeof(r)) == 0,
	   "format then parse gives the same rules");
	is_int(num_rules_format(&r, text, 10), -ENOSPC, "too small a buffer");
}

static void test_e164(void)
{
	ok(num_is_e164("+442079460000"), "+442079460000 is E.164");
	ok(num_is_e164("+123456789012345"), "15 digits is E.164");
	ok(!num_is_e164("+1234567890123456"), "16 digits is not");
	ok(!num_is_e164("+0123"), "country code 0 is not");
	ok(!num_is_e164("442079460000"), "no + is not");
	ok(!num_is_e164("+1"), "one digit is not");
	ok(!num_is_e164("+44 20"), "a space is not");
	ok(!num_is_e164(NULL), "NULL is not");
}

static void test_uris(void)
{
	struct number_rules uk = rules("cc=44"), us = rules("cc=1,natpfx=1,intlpfx=011");
	char buf[128];

	is_str(from_uri("sip:+44-20-7946-0000@example.com;user=phone", NULL), "+442079460000", "sip, separators");
	is_str(from_uri("<tel:+1.212.555.0100>", NULL), "+12125550100", "tel in <>, dots");
	is_str(from_uri("tel:+1-212-555-0100;ext=22", NULL), "+12125550100", "tel with ext dropped");
	is_str(from_uri("tel:555-0100;phone-context=+1-212", NULL), "+12125550100", "phone-context global number");
	is_str(from_uri("tel:5550100;phone-context=example.com", NULL), "error -22",
	       "domain phone-context without rules refused");
	is_str(from_uri("\"Bob\" <sip:02079460000@gw.example.com>", &uk), "+442079460000", "name-addr, national");
	is_str(from_uri("sips:00442079460000@host", &uk), "+442079460000", "sips, international prefix");
	is_str(from_uri("sip:%2B442079460000@host", NULL), "+442079460000", "percent-escaped +");
	is_str(from_uri("sip:+1(212)5550100;phone-context=+1@host", NULL), "+12125550100", "parens, user params");
	is_str(from_uri("SIP:011442079460000@carrier.example:5060;user=phone", &us), "+442079460000", "US 011");
	is_str(from_uri("+44 (20)", NULL), "error -22", "a space is no separator");
	is_str(from_uri("+44(20)79460000", NULL), "+442079460000", "bare user part");
	is_str(from_uri("sip:alice@example.com", &uk), "error -22", "letters refused");
	is_str(from_uri("sip:example.com", &uk), "error -22", "no user part refused");
	is_str(from_uri("sip:*69@host", &uk), "error -22", "'*' refused");
	is_str(from_uri("sip:02079460000@host", NULL), "error -22", "a local number without rules refused");
	is_str(from_uri("<sip:+442079460000@host", NULL), "error -22", "unterminated < refused");
	is_str(from_uri("tel:+", NULL), "error -22", "'+' alone refused");

	is_int(num_to_sip_uri("+442079460000", "gw.example.com", buf, sizeof(buf)), 0, "SIP URI built");
	is_str(buf, "sip:+442079460000@gw.example.com;user=phone", "... as RFC 3261 19.1.6 writes it");
	is_str(from_uri(buf, NULL), "+442079460000", "... and read back");
	is_int(num_to_sip_uri("+442079460000", "gw example", buf, sizeof(buf)), -EINVAL, "bad host refused");
	is_int(num_to_sip_uri("+442079460000", "", buf, sizeof(buf)), -EINVAL, "empty host refused");
	is_int(num_to_sip_uri("02079460000", "gw", buf, sizeof(buf)), -EINVAL, "not E.164 refused");
	is_int(num_to_sip_uri("+442079460000", "gw.example.com", buf, 20), -ENOSPC, "small buffer");
	is_str(num_ton_name(NUM_TON_SUBSCRIBER), "subscriber", "TON name");
	is_str(num_npi_name(NUM_NPI_PRIVATE), "private", "NPI name");
}

int main(void)
{
	test_uk();
	test_us();
	test_de();
	test_round_trips();
	test_rules_parse();
	test_e164();
	test_uris();
	return tap_done();
}
