/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the Q.931 <-> ISUP mapping (isup/q699.c): an IAM built from
 * SETUP fields against bytes laid out by hand from Q.763, every number
 * type, bearer, presentation and redirection both ways, causes, the
 * backward messages, and the transit hop counter. */
#include "config.h"

#include "isup/q699.h"
#include "tests/tap.h"

#include <errno.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void set_q(struct q699_number *n, uint8_t ton, uint8_t npi, const char *digits)
{
	memset(n, 0, sizeof(*n));
	n->present = 1;
	n->ton = ton;
	n->npi = npi;
	snprintf(n->digits, sizeof(n->digits), "%s", digits);
}

static int enc(const struct tisup_msg *m, uint8_t *b, size_t *len)
{
	return tisup_encode(m, b, TISUP_MAX_MSG, len);
}

/* Q.763 table 32, laid out by hand: NCI 00; FCI 20 01 (ISUP all the way,
 * ISUP preferred, ISDN access); CPC 0a; TMR 00 (speech); pointers 02 09;
 * called party number 07: 83 (odd, national) 10 (INN 0, E.164) 612345678;
 * optional: calling 0a 08: 84 (odd, international) 11 (E.164, allowed,
 * user verified and passed) 33123456789; USI 1d 03: 80 90 a3 (speech,
 * 64 kbit/s circuit, G.711 A-law); end. */
static const uint8_t iam_hand[] = {
    0x01, 0x00, 0x20, 0x01, 0x0a, 0x00, 0x02, 0x09, 0x07, 0x83, 0x10, 0x16, 0x32, 0x54, 0x76, 0x08,
    0x0a, 0x08, 0x84, 0x11, 0x33, 0x21, 0x43, 0x65, 0x87, 0x09, 0x1d, 0x03, 0x80, 0x90, 0xa3, 0x00,
};

static void test_iam_bytes(void)
{
	struct q699_call c, back;
	struct tisup_msg m, d;
	uint8_t b[TISUP_MAX_MSG];
	size_t len = 0;
	char err[200];

	q699_call_init(&c);
	set_q(&c.called, Q699_TON_UNKNOWN, 1, "0612345678"); /* national prefix */
	set_q(&c.calling, Q699_TON_INTERNATIONAL, 1, "+33123456789");
	c.calling.screen = 1;
	is_int(q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err)), 0, "IAM from SETUP");
	is_int(enc(&m, b, &len), 0, "encodes");
	ok(len == sizeof(iam_hand) && memcmp(b, iam_hand, len) == 0, "the bytes of Q.763 table 32 (%zu octets)", len);

	is_int(tisup_decode(&d, TISUP_ITU, iam_hand, sizeof(iam_hand)), 0, "hand IAM decodes");
	is_int(q699_setup_from_iam(&d, &back, err, sizeof(err)), 0, "SETUP fields from the IAM");
	ok(back.called.ton == Q699_TON_NATIONAL && back.called.npi == 1 && strcmp(back.called.digits, "612345678") == 0,
	   "called: national, E.164, prefix gone");
	ok(back.calling.ton == Q699_TON_INTERNATIONAL && back.calling.pres == 0 && back.calling.screen == 1 &&
	       strcmp(back.calling.digits, "33123456789") == 0,
	   "calling: international, allowed, user verified and passed");
	ok(back.bearer == Q699_BEARER_SPEECH && back.law == 3 && back.cpc == 10, "speech, A-law, CPC ordinary");
	ok(!back.redirecting.present && !back.orig_called.present, "no redirection");
}

static void test_ton(void)
{
	static const struct {
		uint8_t ton;
		const char *in, *out;
		uint8_t nai;
	} cases[] = {
	    {Q699_TON_INTERNATIONAL, "4930123", "4930123", 4},
	    {Q699_TON_INTERNATIONAL, "+4930123", "4930123", 4},
	    {Q699_TON_NATIONAL, "30123", "30123", 3},
	    {Q699_TON_SUBSCRIBER, "123456", "123456", 1},
	    {Q699_TON_NETWORK, "1234", "1234", 5},
	    {Q699_TON_ABBREVIATED, "12", "12", 2},
	    {Q699_TON_UNKNOWN, "004930123", "4930123", 4},
	    {Q699_TON_UNKNOWN, "+4930123", "4930123", 4},
	    {Q699_TON_UNKNOWN, "030123", "30123", 3},
	    {Q699_TON_UNKNOWN, "123456", "123456", 1},
	};
	struct q699_call c;
	char out[TISUP_MAX_DIGITS + 1];

	q699_call_init(&c);
	for (size_t i = 0; i < N(cases); i++) {
		uint8_t nai = q699_nai_from_ton(&c, cases[i].ton, cases[i].in, out, sizeof(out));

		ok(nai == cases[i].nai && strcmp(out, cases[i].out) == 0,
		   "TON %u \"%s\" -> NAI %u \"%s\" (got %u \"%s\")", cases[i].ton, cases[i].in, cases[i].nai,
		   cases[i].out, nai, out);
	}
	is_int(q699_ton_from_nai(4), Q699_TON_INTERNATIONAL, "NAI 4 -> international");
	is_int(q699_ton_from_nai(3), Q699_TON_NATIONAL, "NAI 3 -> national");
	is_int(q699_ton_from_nai(1), Q699_TON_SUBSCRIBER, "NAI 1 -> subscriber");
	is_int(q699_ton_from_nai(5), Q699_TON_NETWORK, "NAI 5 -> network specific");
	is_int(q699_ton_from_nai(2), Q699_TON_UNKNOWN, "NAI 2 -> unknown");
	is_int(q699_isup_npi(9), 5, "private plan -> ISUP 5");
	is_int(q699_q931_npi(5), 9, "ISUP 5 -> private plan");
	is_int(q699_isup_npi(0), 1, "unknown plan -> E.164");
	for (uint8_t r = 0; r < 16; r++) {
		uint8_t i = q699_isup_redir_reason(r);

		if (i)
			is_int(q699_isup_redir_reason(q699_q931_redir_reason(i)), i,
			       "redirect reason Q.931 %u -> ISUP %u -> back", r, i);
	}
}

/* SETUP -> IAM -> bytes -> IAM -> SETUP, for each bearer, variant,
 * presentation and with redirection. */
static void test_roundtrips(void)
{
	static const uint8_t tmr[] = {0, 3, 2}, itc[] = {0x00, 0x10, 0x08};
	struct q699_call c, back;
	struct tisup_msg m, d;
	uint8_t b[TISUP_MAX_MSG];
	size_t len = 0;
	char err[200];

	for (int v = TISUP_ITU; v <= TISUP_ANSI; v++) {
		for (uint8_t bearer = 0; bearer < 3; bearer++) {
			q699_call_init(&c);
			set_q(&c.called, Q699_TON_NATIONAL, 1, "2125551234");
			c.bearer = bearer;
			if (q699_iam_from_setup(&c, (enum tisup_variant)v, &m, err, sizeof(err)) != 0 ||
			    enc(&m, b, &len) != 0 || tisup_decode(&d, (enum tisup_variant)v, b, len) != 0 ||
			    q699_setup_from_iam(&d, &back, err, sizeof(err)) != 0) {
				ok(0, "variant %d bearer %u round trip: %s", v, bearer, err);
				continue;
			}
			ok(back.bearer == bearer && d.usi.itc == itc[bearer], "variant %d bearer %u: USI itc %u", v,
			   bearer, d.usi.itc);
			if (v == TISUP_ITU)
				is_int(d.tmr, tmr[bearer], "bearer %u: TMR", bearer);
			else
				ok(!tisup_has(&d, TISUP_P_TMR), "ANSI: no TMR");
			ok(bearer == 2 ? d.usi.layer1 == 0 : d.usi.layer1 == (v == TISUP_ANSI ? 2 : 3),
			   "variant %d bearer %u: layer 1 law", v, bearer);
			is_int(d.fci.isup_pref, bearer == 2 ? 2 : 0, "ISUP preference for bearer %u", bearer);
		}
	}

	/* Presentation restricted; CPC payphone; redirection twice over. */
	q699_call_init(&c);
	set_q(&c.called, Q699_TON_INTERNATIONAL, 1, "442079460000");
	set_q(&c.calling, Q699_TON_NATIONAL, 1, "2079461111");
	c.calling.pres = 1;
	c.calling.screen = 3;
	c.cpc = 15; /* payphone */
	set_q(&c.redirecting, Q699_TON_NATIONAL, 1, "2079462222");
	set_q(&c.orig_called, Q699_TON_NATIONAL, 1, "2079463333");
	c.redirect_reason = 2;       /* no reply */
	c.orig_redirect_reason = 15; /* unconditional */
	c.redirect_counter = 2;
	c.hop_counter = 20;
	c.echo_device = 1;
	is_int(q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err)), 0, "IAM with redirection");
	ok(m.redir_info.indicator == 3 && m.redir_info.reason == 2 && m.redir_info.orig_reason == 3 &&
	       m.redir_info.counter == 2,
	   "redirection information: diverted, no reply, first unconditional, counter 2");
	ok(m.calling.pres == 1 && m.calling.screen == 3 && m.calling.nai == 3, "calling restricted, network provided");
	ok(m.nci.echo == 1 && m.hop_counter == 20 && m.cpc == 15, "echo device, hop counter, CPC");
	if (enc(&m, b, &len) == 0 && tisup_decode(&d, TISUP_ITU, b, len) == 0 &&
	    q699_setup_from_iam(&d, &back, err, sizeof(err)) == 0) {
		ok(back.cpc == 15, "CPC back");
		ok(back.redirecting.present && strcmp(back.redirecting.digits, "2079462222") == 0 &&
		       back.redirecting.ton == Q699_TON_NATIONAL,
		   "redirecting number back");
		ok(back.orig_called.present && strcmp(back.orig_called.digits, "2079463333") == 0,
		   "original called number back");
		ok(back.redirect_reason == 2 && back.orig_redirect_reason == 15 && back.redirect_counter == 2,
		   "redirection reasons and counter back");
		ok(back.calling.pres == 1 && back.calling.screen == 3, "presentation and screening back");
		ok(back.hop_counter == 20 && back.echo_device == 1, "hop counter and echo back");
	} else {
		ok(0, "redirection round trip: %s", err);
	}

	/* Redirecting number restricted: 'all information restricted'. */
	c.redirecting.pres = 1;
	q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err));
	is_int(m.redir_info.indicator, 4, "restricted redirecting: indicator 4");
	q699_setup_from_iam(&m, &back, err, sizeof(err));
	is_int(back.redirecting.pres, 1, "indicator 4 -> redirecting restricted");

	/* Address not available: no digits, 'network provided' (Q.763 3.10). */
	q699_call_init(&c);
	set_q(&c.called, Q699_TON_SUBSCRIBER, 1, "5551234");
	set_q(&c.calling, Q699_TON_NATIONAL, 1, "999");
	c.calling.pres = 2;
	q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err));
	ok(m.calling.pres == 2 && m.calling.screen == 3 && m.calling.digits[0] == '\0' && m.calling.nai == 0,
	   "calling not available: no address");
	is_int(m.called.nai, 1, "subscriber number");

	/* Refusals. */
	q699_call_init(&c);
	is_int(q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err)), -EINVAL, "no called number: refused");
	is_str(err, "called number: missing", "says so");
	set_q(&c.called, Q699_TON_NATIONAL, 1, "12x4");
	is_int(q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err)), -EINVAL, "bad digit refused");
	is_str(err, "called number: 'x' is not an address signal", "names the digit");
	set_q(&c.called, Q699_TON_NATIONAL, 1, "1234");
	c.hop_counter = 32;
	is_int(q699_iam_from_setup(&c, TISUP_ITU, &m, err, sizeof(err)), -EINVAL, "hop counter 32 refused");
	tisup_msg_init(&m, TISUP_ITU, TISUP_ACM);
	is_int(q699_setup_from_iam(&m, &back, err, sizeof(err)), -EINVAL, "ACM is not an IAM");
	tisup_msg_init(&m, TISUP_ITU, TISUP_IAM);
	is_int(q699_setup_from_iam(&m, &back, err, sizeof(err)), -EINVAL, "IAM without bearer refused");
}

static void test_causes(void)
{
	struct tisup_msg m, d;
	uint8_t b[TISUP_MAX_MSG], cause = 0, loc = 0;
	size_t len = 0;
	static const uint8_t rel16[] = {0x0c, 0x02, 0x00, 0x02, 0x82, 0x90}; /* Q.763 table 26, cause 16 loc 2 */

	is_int(q699_rel_build(&m, TISUP_ITU, 16, 2), 0, "REL cause 16");
	ok(enc(&m, b, &len) == 0 && len == sizeof(rel16) && memcmp(b, rel16, len) == 0, "REL bytes");
	for (int v = TISUP_ITU; v <= TISUP_ANSI; v++) {
		for (unsigned c = 1; c <= 127; c++) {
			if (q699_rel_build(&m, (enum tisup_variant)v, (uint8_t)c, (uint8_t)(c % 16)) != 0 ||
			    enc(&m, b, &len) != 0 || tisup_decode(&d, (enum tisup_variant)v, b, len) != 0 ||
			    q699_rel_cause(&d, &cause, &loc) != 0 || cause != c || loc != c % 16) {
				ok(0, "variant %d cause %u round trip", v, c);
				goto next;
			}
		}
		ok(1, "variant %d: causes 1..127 and locations round trip", v);
	next:;
	}
	is_int(q699_rel_build(&m, TISUP_ITU, 0, 0), -EINVAL, "cause 0 refused");
	is_int(q699_rel_build(&m, TISUP_ITU, 16, 16), -EINVAL, "location 16 refused");
	tisup_msg_init(&m, TISUP_ITU, TISUP_RLC);
	ok(q699_rel_cause(&m, &cause, &loc) == 0 && cause == 31 && loc == 4, "RLC without cause: 31");
	tisup_msg_init(&m, TISUP_ITU, TISUP_ANM);
	is_int(q699_rel_cause(&m, &cause, &loc), -EINVAL, "ANM has no release cause");
}

static void test_backward(void)
{
	struct q699_backward b = {0};
	struct tisup_msg m, d;
	uint8_t buf[TISUP_MAX_MSG];
	size_t len = 0;
	enum q699_event ev;
	int inband;
	/* Q.763 table 21: BCI 0x16 0x14 = charge, subscriber free, ordinary
	 * subscriber; ISUP all the way, ISDN access. */
	static const uint8_t acm[] = {0x06, 0x16, 0x14, 0x00};

	is_int(q699_backward_build(&m, TISUP_ITU, Q699_EV_ALERTING, &b), 0, "ALERTING -> ACM");
	ok(enc(&m, buf, &len) == 0 && len == sizeof(acm) && memcmp(buf, acm, len) == 0, "ACM bytes");
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_ALERTING && !inband, "ACM -> ALERTING");

	b.inband = 1;
	q699_backward_build(&m, TISUP_ITU, Q699_EV_PROGRESS, &b);
	ok(m.type == TISUP_ACM && m.bci.called_status == 0 && m.obci.inband == 1,
	   "PROGRESS -> ACM, no indication, in-band");
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_PROGRESS && inband, "ACM in-band -> PROGRESS");
	b.inband = 0;
	q699_backward_build(&m, TISUP_ITU, Q699_EV_PROGRESS, &b);
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_PROCEEDING, "bare ACM -> PROCEEDING");

	b.acm_sent = 1;
	q699_backward_build(&m, TISUP_ITU, Q699_EV_ALERTING, &b);
	ok(m.type == TISUP_CPG && m.event.event == 1, "ALERTING after ACM -> CPG alerting");
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_ALERTING, "CPG 1 -> ALERTING");
	b.inband = 1;
	q699_backward_build(&m, TISUP_ANSI, Q699_EV_PROGRESS, &b);
	ok(m.type == TISUP_CPG && m.event.event == 3, "PROGRESS in-band after ACM -> CPG in-band info");
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_PROGRESS && inband,
	   "CPG 3 -> PROGRESS, in-band");
	b.inband = 0;
	q699_backward_build(&m, TISUP_ITU, Q699_EV_PROGRESS, &b);
	is_int(m.event.event, 2, "PROGRESS after ACM -> CPG progress");
	q699_backward_build(&m, TISUP_ITU, Q699_EV_CONNECT, &b);
	is_int(m.type, TISUP_ANM, "CONNECT after ACM -> ANM");
	b.acm_sent = 0;
	q699_backward_build(&m, TISUP_ITU, Q699_EV_CONNECT, &b);
	is_int(m.type, TISUP_CON, "CONNECT without ACM (ITU) -> CON");
	q699_backward_build(&m, TISUP_ANSI, Q699_EV_CONNECT, &b);
	ok(m.type == TISUP_ANM && tisup_has(&m, TISUP_P_BCI), "CONNECT without ACM (ANSI) -> ANM with BCI");
	ok(q699_backward_event(&m, &ev, &inband) == 0 && ev == Q699_EV_CONNECT, "ANM -> CONNECT");

	/* Every builder's output encodes and decodes. */
	for (int v = TISUP_ITU; v <= TISUP_ANSI; v++)
		for (int e = Q699_EV_ALERTING; e <= Q699_EV_CONNECT; e++)
			for (int s = 0; s < 4; s++) {
				struct q699_backward bb = {(uint8_t)(s & 1), (uint8_t)(s >> 1), 1, 0};

				q699_backward_build(&m, (enum tisup_variant)v, (enum q699_event)e, &bb);
				if (enc(&m, buf, &len) != 0 || tisup_decode(&d, (enum tisup_variant)v, buf, len) != 0 ||
				    d.type != m.type || d.present != m.present) {
					ok(0, "backward v%d e%d s%d encodes and decodes", v, e, s);
					return;
				}
			}
	ok(1, "every backward message encodes and decodes");
	is_int(q699_backward_build(&m, TISUP_ITU, Q699_EV_PROCEEDING, &b), -EINVAL, "PROCEEDING builds nothing");
	tisup_msg_init(&m, TISUP_ITU, TISUP_REL);
	is_int(q699_backward_event(&m, &ev, &inband), -EINVAL, "REL is not a backward event");
}

static void test_hop(void)
{
	/* Q.763 IAM with, in its optional part, an unknown parameter, the
	 * hop counter (0x3d) with spare bits set, and another unknown one. */
	uint8_t iam[] = {0x01, 0x00, 0x20, 0x01, 0x0a, 0x00, 0x02, 0x06, 0x04, 0x03, 0x10, 0x21, 0x43,
			 0xfe, 0x02, 0xaa, 0xbb, 0x3d, 0x01, 0xe5, 0x39, 0x03, 0x01, 0x02, 0x03, 0x00};
	uint8_t out[64], small[8];
	size_t len = 0;
	char err[200];
	int hop = 0, rc, diff = 0;

	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam), out, sizeof(out), &len, &hop, err, sizeof(err));
	is_int(rc, 0, "hop counter 5 decremented");
	is_int(hop, 4, "to 4");
	for (size_t i = 0; i < sizeof(iam); i++)
		diff += out[i] != iam[i];
	ok(len == sizeof(iam) && diff == 1 && out[19] == 0xe4, "only the counter changed, spare bits kept");

	iam[19] = 0x01;
	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam), out, sizeof(out), &len, &hop, err, sizeof(err));
	ok(rc == Q699_HOP_EXHAUSTED && hop == 0, "counter 1 -> 0: Q699_HOP_EXHAUSTED (release, cause %d)",
	   Q699_CAUSE_HOP);
	iam[19] = 0x00;
	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam), out, sizeof(out), &len, &hop, err, sizeof(err));
	is_int(rc, Q699_HOP_EXHAUSTED, "counter 0: exhausted too");

	iam[17] = 0x3e; /* no longer a hop counter */
	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam), out, sizeof(out), &len, &hop, err, sizeof(err));
	ok(rc == 0 && hop == -1 && len == sizeof(iam) && memcmp(out, iam, len) == 0, "no hop counter: copied as is");
	iam[17] = 0x3d;
	iam[19] = 0x10;

	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam), small, sizeof(small), &len, &hop, err, sizeof(err));
	is_int(rc, -ENOSPC, "small output refused");
	rc = q699_hop_decrement(TISUP_ITU, iam, sizeof(iam) - 1, out, sizeof(out), &len, &hop, err, sizeof(err));
	is_int(rc, -EMSGSIZE, "truncated IAM refused");
	is_str(err, "IAM does not decode (Message too long)", "says why");
	{
		static const uint8_t rel[] = {0x0c, 0x02, 0x00, 0x02, 0x82, 0x90};

		rc = q699_hop_decrement(TISUP_ITU, rel, sizeof(rel), out, sizeof(out), &len, &hop, err, sizeof(err));
		is_int(rc, -EINVAL, "REL refused");
		is_str(err, "REL is not an IAM", "names the type");
	}

	/* Every counter value, and through an IAM the codec built. */
	{
		struct q699_call c;
		struct tisup_msg m, d;
		uint8_t b[TISUP_MAX_MSG];
		int bad = 0;

		q699_call_init(&c);
		set_q(&c.called, Q699_TON_NATIONAL, 1, "1234");
		for (uint8_t h = 2; h <= 31; h++) {
			c.hop_counter = h;
			q699_iam_from_setup(&c, TISUP_ANSI, &m, err, sizeof(err));
			enc(&m, b, &len);
			rc = q699_hop_decrement(TISUP_ANSI, b, len, out, sizeof(out), &len, &hop, err, sizeof(err));
			if (rc != 0 || hop != h - 1 || tisup_decode(&d, TISUP_ANSI, out, len) != 0 ||
			    d.hop_counter != h - 1)
				bad++;
		}
		is_int(bad, 0, "ANSI IAM counters 31..2 each decremented by one");
	}
}

int main(void)
{
	test_iam_bytes();
	test_ton();
	test_roundtrips();
	test_causes();
	test_backward();
	test_hop();
	return tap_done();
}
