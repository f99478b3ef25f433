/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: identity and redirection (gateway/identity.c, redirect.c):
 * presentation/screening <-> From/PAI/Privacy, Diversion and History-Info
 * builds, parses of real-world forms, and round trips. */
#include "config.h"

#include "gateway/identity.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HOST "gw.example.com"

static void test_privacy(void)
{
	char buf[32];

	is_int(ident_privacy_parse("id"), IDENT_PRIV_ID, "id");
	is_int(ident_privacy_parse("id;critical"), IDENT_PRIV_ID | IDENT_PRIV_CRITICAL, "id;critical");
	is_int(ident_privacy_parse(" Header ; ID "), IDENT_PRIV_HEADER | IDENT_PRIV_ID, "case and spaces");
	is_int(ident_privacy_parse("user, session"), IDENT_PRIV_USER | IDENT_PRIV_SESSION, "comma separated");
	is_int(ident_privacy_parse("none"), IDENT_PRIV_NONE, "none");
	is_int(ident_privacy_parse("foo;id;idx"), IDENT_PRIV_ID, "unknown values ignored");
	is_int(ident_privacy_parse(""), 0, "empty");
	is_int(ident_privacy_parse(NULL), 0, "NULL");
	is_int(ident_privacy_format(IDENT_PRIV_ID | IDENT_PRIV_CRITICAL, buf, sizeof(buf)), 0, "format");
	is_str(buf, "id;critical", "... id;critical");
	ident_privacy_format(IDENT_PRIV_ID | IDENT_PRIV_HEADER, buf, sizeof(buf));
	is_str(buf, "header;id", "... header;id in RFC order");
	is_int(ident_privacy_format(IDENT_PRIV_HEADER | IDENT_PRIV_ID, buf, 5), -ENOSPC, "small buffer");
}

static struct ident_party party(const char *number, const char *name, enum ident_pres pres, enum ident_screen screen)
{
	struct ident_party p;

	memset(&p, 0, sizeof(p));
	snprintf(p.number, sizeof(p.number), "%s", number);
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.pres = pres;
	p.screen = screen;
	return p;
}

static void test_to_sip(void)
{
	struct ident_party p = party("+442079460000", "Alice", IDENT_PRES_ALLOWED, IDENT_SCREEN_NETWORK);
	struct ident_sip s;

	is_int(ident_to_sip(&p, HOST, &s), 0, "allowed, network provided");
	is_str(s.from, "\"Alice\" <sip:+442079460000@gw.example.com;user=phone>", "... From with name and number");
	is_str(s.pai, "\"Alice\" <sip:+442079460000@gw.example.com;user=phone>", "... PAI asserted");
	is_str(s.privacy, "", "... no Privacy");
	p.screen = IDENT_SCREEN_USER_NOT_SCREENED;
	p.name[0] = '\0';
	is_int(ident_to_sip(&p, HOST, &s), 0, "allowed, not screened");
	is_str(s.from, "<sip:+442079460000@gw.example.com;user=phone>", "... From with the number");
	is_str(s.pai, "", "... no PAI: nobody vouches for it");
	p.screen = IDENT_SCREEN_USER_FAILED;
	ident_to_sip(&p, HOST, &s);
	is_str(s.pai, "", "verified and failed: no PAI");
	p = party("+442079460000", "Alice", IDENT_PRES_RESTRICTED, IDENT_SCREEN_USER_PASSED);
	is_int(ident_to_sip(&p, HOST, &s), 0, "restricted, verified and passed");
	is_str(s.from, IDENT_ANONYMOUS_FROM, "... anonymous From");
	is_str(s.pai, "\"Alice\" <sip:+442079460000@gw.example.com;user=phone>", "... PAI kept for the trust domain");
	is_str(s.privacy, "id", "... Privacy: id");
	p = party("", "", IDENT_PRES_UNAVAILABLE, IDENT_SCREEN_NETWORK);
	is_int(ident_to_sip(&p, HOST, &s), 0, "not available");
	is_str(s.from, IDENT_ANONYMOUS_FROM, "... anonymous From");
	ok(!s.pai[0] && !s.privacy[0], "... no PAI, no Privacy");
	p = party("+442079460000", "Al \"The\" Pal", IDENT_PRES_ALLOWED, IDENT_SCREEN_NETWORK);
	ident_to_sip(&p, HOST, &s);
	is_str(s.from, "\"Al \\\"The\\\" Pal\" <sip:+442079460000@gw.example.com;user=phone>", "quotes escaped");
	p = party("2079460000", "", IDENT_PRES_ALLOWED, IDENT_SCREEN_NETWORK);
	is_int(ident_to_sip(&p, HOST, &s), -EINVAL, "a number that is not E.164 refused");
	p = party("+442079460000", "", IDENT_PRES_ALLOWED, IDENT_SCREEN_NETWORK);
	is_int(ident_to_sip(&p, "bad host", &s), -EINVAL, "a bad host refused");
}

static void test_from_sip(void)
{
	struct number_rules uk;
	struct ident_party p;
	struct ident_sip s;

	num_rules_init(&uk);
	strcpy(uk.cc, "44");
	is_int(ident_from_sip("\"Bob\" <sip:02079460001@pbx.example.com>;tag=abc",
			      "\"Alice\" <sip:+442079460000@pbx.example.com;user=phone>", NULL, true, &uk, &p),
	       0, "trusted PAI and From");
	is_str(p.number, "+442079460000", "... number from PAI");
	is_str(p.name, "Alice", "... name from PAI");
	is_int(p.screen, IDENT_SCREEN_USER_PASSED, "... verified and passed");
	is_int(p.pres, IDENT_PRES_ALLOWED, "... allowed");
	ident_from_sip("\"Bob\" <sip:02079460001@pbx.example.com>;tag=abc", "<sip:+442079460000@pbx.example.com>", NULL,
		       false, &uk, &p);
	is_str(p.number, "+442079460001", "untrusted: PAI ignored, From's number");
	is_str(p.name, "Bob", "... From's name");
	is_int(p.screen, IDENT_SCREEN_USER_NOT_SCREENED, "... not screened");
	ident_from_sip(IDENT_ANONYMOUS_FROM ";tag=1", "<sip:+442079460000@pbx.example.com>", "id", true, &uk, &p);
	is_str(p.number, "+442079460000", "anonymous From, PAI, Privacy id: the number");
	is_int(p.pres, IDENT_PRES_RESTRICTED, "... restricted");
	ident_from_sip("<sip:+442079460000@pbx.example.com>;tag=1", NULL, "header", true, &uk, &p);
	is_int(p.pres, IDENT_PRES_RESTRICTED, "Privacy header: restricted");
	ident_from_sip("<sip:+442079460000@pbx.example.com>;tag=1", NULL, "none", true, &uk, &p);
	is_int(p.pres, IDENT_PRES_ALLOWED, "Privacy none: allowed");
	ident_from_sip("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=x", NULL, NULL, true, &uk, &p);
	ok(p.number[0] == '\0' && p.pres == IDENT_PRES_RESTRICTED, "anonymous From only: restricted, no number");
	ident_from_sip("<sip:Anonymous@pbx.example.com>", NULL, NULL, true, &uk, &p);
	is_int(p.pres, IDENT_PRES_RESTRICTED, "anonymous@ user: restricted");
	ident_from_sip("<sip:alice@example.com>;tag=1", NULL, NULL, true, &uk, &p);
	ok(p.number[0] == '\0' && p.pres == IDENT_PRES_UNAVAILABLE, "no number anywhere: unavailable");
	ident_from_sip("sip:bob@example.com", "<sip:alice@example.com>, <tel:+44-20-7946-0000>", NULL, true, &uk, &p);
	is_str(p.number, "+442079460000", "PAI with sip and tel URIs: the tel one");
	is_int(ident_from_sip(NULL, NULL, NULL, true, NULL, NULL), -EINVAL, "NULL out refused");

	/* Round trips: PSTN -> SIP -> PSTN. */
	p = party("+442079460000", "Alice", IDENT_PRES_ALLOWED, IDENT_SCREEN_NETWORK);
	ident_to_sip(&p, HOST, &s);
	ident_from_sip(s.from, s.pai, s.privacy, true, NULL, &p);
	ok(strcmp(p.number, "+442079460000") == 0 && p.pres == IDENT_PRES_ALLOWED && strcmp(p.name, "Alice") == 0,
	   "round trip, allowed");
	p = party("+442079460000", "", IDENT_PRES_RESTRICTED, IDENT_SCREEN_NETWORK);
	ident_to_sip(&p, HOST, &s);
	ident_from_sip(s.from, s.pai, s.privacy, true, NULL, &p);
	ok(strcmp(p.number, "+442079460000") == 0 && p.pres == IDENT_PRES_RESTRICTED, "round trip, restricted");
}

static void test_reasons(void)
{
	static const enum ident_redir_reason q931_kinds[] = {IDENT_REDIR_UNKNOWN,    IDENT_REDIR_USER_BUSY,
							     IDENT_REDIR_NO_ANSWER,  IDENT_REDIR_UNCONDITIONAL,
							     IDENT_REDIR_DEFLECTION, IDENT_REDIR_OUT_OF_SERVICE};
	static const enum ident_redir_reason cause_kinds[] = {IDENT_REDIR_UNKNOWN,    IDENT_REDIR_USER_BUSY,
							      IDENT_REDIR_NO_ANSWER,  IDENT_REDIR_UNCONDITIONAL,
							      IDENT_REDIR_DEFLECTION, IDENT_REDIR_UNAVAILABLE};
	enum ident_redir_reason r;
	int bad = 0;

	for (int i = IDENT_REDIR_UNKNOWN; i <= IDENT_REDIR_AWAY; i++)
		if (ident_redir_reason_parse(ident_redir_reason_name((enum ident_redir_reason)i), &r) || (int)r != i)
			bad++;
	is_int(bad, 0, "every Diversion reason token parses back");
	is_str(ident_redir_reason_name(IDENT_REDIR_DO_NOT_DISTURB), "do-not-disturb", "do-not-disturb");
	ok(ident_redir_reason_parse("No-Answer", &r) == 0 && r == IDENT_REDIR_NO_ANSWER, "case-insensitive");
	is_int(ident_redir_reason_parse("bogus", &r), -EINVAL, "unknown token refused");
	is_int(ident_redir_reason_to_q931(IDENT_REDIR_USER_BUSY), 0x1, "busy: Q.931 1");
	is_int(ident_redir_reason_to_q931(IDENT_REDIR_UNCONDITIONAL), 0xf, "unconditional: Q.931 15");
	is_int(ident_redir_reason_to_q931(IDENT_REDIR_AWAY), 0x0, "away: Q.931 unknown");
	is_int(ident_redir_reason_from_q931(0x4), IDENT_REDIR_DEFLECTION, "Q.931 4: deflection");
	is_int(ident_redir_reason_from_q931(0x7), IDENT_REDIR_UNKNOWN, "Q.931 7 (spare): unknown");
	bad = 0;
	for (size_t i = 0; i < N(q931_kinds); i++)
		bad += ident_redir_reason_from_q931(ident_redir_reason_to_q931(q931_kinds[i])) != q931_kinds[i];
	is_int(bad, 0, "Q.931 round trips");
	bad = 0;
	for (size_t i = 0; i < N(cause_kinds); i++)
		bad += ident_redir_reason_from_cause(ident_redir_reason_to_cause(cause_kinds[i])) != cause_kinds[i];
	is_int(bad, 0, "RFC 4458 cause round trips");
	is_int(ident_redir_reason_to_cause(IDENT_REDIR_NO_ANSWER), 408, "no answer: cause 408");
	is_int(ident_redir_reason_from_cause(480), IDENT_REDIR_DEFLECTION, "480: deflection immediate response");
}

static void test_diversion(void)
{
	struct ident_diversion d[4], one;
	struct ident_redirect rd = {"+442079460000", IDENT_PRES_ALLOWED, IDENT_REDIR_USER_BUSY, 1};
	struct number_rules us;
	char buf[IDENT_HDR_SIZE];
	size_t n;

	ident_redirect_to_diversion(&rd, &one);
	is_int(ident_diversion_build(&one, 1, HOST, buf, sizeof(buf)), 0, "Diversion built");
	is_str(buf, "<sip:+442079460000@gw.example.com;user=phone>;reason=user-busy;counter=1", "... RFC 5806 form");
	ok(ident_diversion_parse(buf, NULL, d, N(d), &n) == 0 && n == 1, "... parsed back");
	ok(strcmp(d[0].number, "+442079460000") == 0 && d[0].reason == IDENT_REDIR_USER_BUSY && d[0].counter == 1 &&
	       !d[0].privacy,
	   "... same number, reason, counter");
	is_int(ident_diversion_build(&one, 1, HOST, buf, 30), -ENOSPC, "small buffer");

	num_rules_init(&us);
	strcpy(us.cc, "1");
	strcpy(us.natpfx, "1");
	is_int(ident_diversion_parse("\"Sales\" <sip:2125550100@carrier.example>;reason=\"no-answer\";counter=2;"
				     "screen=no;privacy=off, <tel:+12125550199>;reason=user-busy",
				     &us, d, N(d), &n),
	       0, "two entries with name, quotes, extra params");
	is_int(n, 2, "... 2 entries");
	is_str(d[0].number, "+12125550100", "... first: national number read");
	is_str(d[0].name, "Sales", "... first: name");
	ok(d[0].reason == IDENT_REDIR_NO_ANSWER && d[0].counter == 2 && !d[0].privacy, "... first: no-answer, 2");
	ok(strcmp(d[1].number, "+12125550199") == 0 && d[1].counter == 1, "... second: tel URI, counter 1");
	is_int(ident_redirect_from_diversion(d, n, &rd), 0, "redirect from it");
	ok(strcmp(rd.number, "+12125550100") == 0 && rd.reason == IDENT_REDIR_NO_ANSWER && rd.counter == 3,
	   "... most recent number and reason, counters summed");
	ident_diversion_parse("sip:+442079460000@host;reason=deflection;privacy=full", NULL, d, N(d), &n);
	ok(n == 1 && d[0].reason == IDENT_REDIR_DEFLECTION && d[0].privacy, "addr-spec form, privacy=full");
	ident_redirect_from_diversion(d, n, &rd);
	is_int(rd.pres, IDENT_PRES_RESTRICTED, "... restricted redirecting number");
	ident_diversion_parse("<sip:+4420@host>;reason=bogus;counter=0", NULL, d, N(d), &n);
	ok(n == 1 && d[0].reason == IDENT_REDIR_UNKNOWN && d[0].counter == 1, "bad reason and counter tolerated");
	ident_diversion_parse("<sip:voicemail@host>;reason=unconditional", NULL, d, N(d), &n);
	ok(n == 1 && d[0].number[0] == '\0' && strcmp(d[0].uri, "sip:voicemail@host") == 0, "a URI without a number");
	is_int(ident_diversion_parse("<<<", NULL, d, N(d), &n), -ENOENT, "garbage");
	is_int(ident_diversion_parse("", NULL, d, N(d), &n), -ENOENT, "empty");
}

static void test_history_info(void)
{
	static const char sample[] =
	    "<sip:+15551230000@pbx.example.com;user=phone>;index=1, "
	    "\"Bob\" <sip:+15551230001@pbx.example.com;user=phone;cause=302>;index=1.1;rc=1, "
	    "<sip:+15551230002@vm.example.com;cause=408?Reason=SIP%3Bcause%3D408%3Btext%3D%22Request%20Timeout%22>;"
	    "index=1.1.1;mp=1.1";
	struct ident_redirect rd = {"+442079460000", IDENT_PRES_ALLOWED, IDENT_REDIR_USER_BUSY, 1}, back;
	struct ident_hi_entry hi[2], e[5];
	char buf[IDENT_HDR_SIZE], again[IDENT_HDR_SIZE];
	size_t n;

	is_int(ident_redirect_to_hi(&rd, "+442079460001", hi), 0, "redirect to History-Info entries");
	is_int(ident_hi_build(hi, 2, HOST, buf, sizeof(buf)), 0, "History-Info built");
	is_str(buf,
	       "<sip:+442079460000@gw.example.com;user=phone?Reason=SIP%3Bcause%3D486>;index=1, "
	       "<sip:+442079460001@gw.example.com;user=phone;cause=486>;index=1.1;mp=1",
	       "... RFC 7044 / RFC 4458 form");
	ok(ident_hi_parse(buf, NULL, e, N(e), &n) == 0 && n == 2, "... parsed back");
	ok(e[0].reason_sip == 486 && e[0].cause == 0 && strcmp(e[0].index, "1") == 0, "... entry 1: Reason 486");
	ok(e[1].cause == 486 && e[1].mapped && strcmp(e[1].index, "1.1") == 0, "... entry 1.1: cause 486, mp");
	is_str(e[1].uri, "sip:+442079460001@gw.example.com;user=phone", "... URI without the cause");
	is_str(e[1].number, "+442079460001", "... target number");
	is_int(ident_redirect_from_hi(e, n, &back), 0, "redirect from it");
	ok(strcmp(back.number, "+442079460000") == 0 && back.reason == IDENT_REDIR_USER_BUSY && back.counter == 1,
	   "... same number, reason, counter");
	is_int(ident_hi_build(e, n, HOST, again, sizeof(again)), 0, "parsed entries rebuilt");
	is_str(again, buf, "... to the same header");

	is_int(ident_hi_parse(sample, NULL, e, N(e), &n), 0, "a three-entry sample");
	is_int(n, 3, "... 3 entries");
	ok(e[1].cause == 302 && !e[1].mapped && strcmp(e[1].number, "+15551230001") == 0, "... 1.1: cause 302, rc");
	ok(e[2].cause == 408 && e[2].reason_sip == 408 && e[2].mapped, "... 1.1.1: cause 408, Reason 408, mp");
	is_str(e[2].uri, "sip:+15551230002@vm.example.com", "... 1.1.1 URI without cause and headers");
	is_int(ident_redirect_from_hi(e, n, &back), 0, "redirect from the sample");
	ok(strcmp(back.number, "+15551230001") == 0 && back.reason == IDENT_REDIR_NO_ANSWER && back.counter == 2,
	   "... diverted by 1.1 (parent index) on no answer, 2 diversions");
	ident_hi_parse("<sip:bob@example.com>;index=1", NULL, e, N(e), &n);
	is_int(ident_redirect_from_hi(e, n, &back), -ENOENT, "no cause parameter: no redirection");
	ident_hi_parse("<sip:+15551230000@x>, <sip:+15551230001@x;cause=486>", NULL, e, N(e), &n);
	ok(n == 2 && strcmp(e[1].index, "2") == 0, "entries without index numbered in order");
	ok(ident_redirect_from_hi(e, n, &back) == 0 && strcmp(back.number, "+15551230000") == 0,
	   "... diverting party: the entry before");
	is_int(ident_hi_parse(",,", NULL, e, N(e), &n), -ENOENT, "empty list");
	rd.number[0] = '\0';
	is_int(ident_redirect_to_hi(&rd, "+442079460001", hi), -EINVAL, "no redirecting number refused");
	is_str(ident_pres_name(IDENT_PRES_RESTRICTED), "restricted", "pres name");
	is_str(ident_screen_name(IDENT_SCREEN_NETWORK), "network", "screen name");
}

int main(void)
{
	test_privacy();
	test_to_sip();
	test_from_sip();
	test_reasons();
	test_diversion();
	test_history_info();
	return tap_done();
}
