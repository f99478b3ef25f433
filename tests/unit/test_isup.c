/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the ISUP codec (isup/), against byte strings laid out by hand
 * from Q.763 and T1.113, and by round trips of every message type. */
#include "config.h"

#include "isup/tisup.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ITU IAM, Q.763 table 32: type, then the mandatory fixed part (3.35 NCI,
 * 3.23 FCI, 3.11 CPC, 3.54 TMR), two pointers, the called party number
 * (3.9) and the optional part (1.8). */
static const uint8_t iam_itu[] = {
    0x01,                         /* message type: IAM */
    0x10,                         /* NCI: no satellite, no continuity check, echo device included (E) */
    0x60, 0x01,                   /* FCI: national, ISUP all the way (F), ISUP not required (HG=01); ISDN access (I) */
    0x0a,                         /* CPC: ordinary calling subscriber */
    0x00,                         /* TMR: speech */
    0x02,                         /* pointer to the called party number: this octet + 2 */
    0x07,                         /* pointer to the optional part: this octet + 7 */
    0x05, 0x83, 0x10,             /* called: length 5, odd + NAI 3 (national), INN 0 + NPI 1 (E.164) */
    0x21, 0x43, 0x05,             /* digits 1 2 3 4 5, filler 0 */
    0x0a, 0x07, 0x04, 0x11,       /* calling party number (3.10): even, NAI 4 (international), NPI 1, screening 1 */
    0x14, 0x55, 0x55, 0x21, 0x43, /* digits 4155551234 */
    0x39, 0x03, 0x01, 0x02, 0x03, /* parameter compatibility information (3.41): kept untyped */
    0x3d, 0x01, 0x14,             /* hop counter (3.80): 20 */
    0xfe, 0x02, 0xaa, 0xbb,       /* a code no table knows: kept untyped */
    0x00,                         /* end of optional parameters */
};

/* ANSI IAM, T1.113.3 table: no TMR, then the user service information and
 * the called party number as mandatory variable parameters. */
static const uint8_t iam_ansi[] = {
    0x01,                         /* IAM */
    0x00,                         /* NCI */
    0x60, 0x01,                   /* FCI */
    0x0a,                         /* CPC */
    0x03,                         /* pointer to the USI: this octet + 3 */
    0x06,                         /* pointer to the called party number: this octet + 6 */
    0x0d,                         /* pointer to the optional part: this octet + 13 */
    0x03, 0x80, 0x90, 0xa2,       /* USI: ITU coding, speech; circuit 64 kbit/s; layer 1 G.711 mu-law */
    0x07, 0x03, 0x10,             /* called: even, NAI 3, NPI 1 */
    0x12, 0x52, 0x55, 0x21, 0x43, /* digits 2125551234 */
    0xeb, 0x07, 0x03, 0x10, 0x12, 0x52, 0x55, 0x21, 0x43, /* charge number (ANSI): untyped */
    0x3d, 0x01, 0x1f,                                     /* hop counter 31 */
    0x00,
};

/* REL, Q.763 table 26: one pointer to the cause (3.12), no optional part.
 * Cause octet 1: ext 1, ITU coding, location 2 (public network serving the
 * local user); octet 2: ext 1, cause 16. */
static const uint8_t rel_itu[] = {0x0c, 0x02, 0x00, 0x02, 0x82, 0x90};

/* REL whose cause has octet 1a (ext bit 0): recommendation 4, cause 34,
 * diagnostic 01 02. */
static const uint8_t rel_rec[] = {0x0c, 0x02, 0x00, 0x05, 0x02, 0x84, 0xa2, 0x01, 0x02};

/* ACM, Q.763 table 21: BCI (3.5) 0x16 0x14 = charge, subscriber free,
 * ordinary subscriber; ISUP all the way, ISDN access; then the optional
 * backward call indicators (3.37) with in-band information available. */
static const uint8_t acm_itu[] = {0x06, 0x16, 0x14, 0x01, 0x29, 0x01, 0x01, 0x00};

/* SAM, Q.763 table 35: subsequent number (3.51) odd, digits 345. */
static const uint8_t sam_itu[] = {0x02, 0x02, 0x00, 0x03, 0x80, 0x43, 0x05};

static int encode(const struct tisup_msg *m, uint8_t *buf, size_t *len)
{
	return tisup_encode(m, buf, TISUP_MAX_MSG, len);
}

/* Decode then encode: the bytes come back unchanged. */
static void same_bytes(const uint8_t *in, size_t len, enum tisup_variant v, const char *what)
{
	struct tisup_msg m;
	uint8_t out[TISUP_MAX_MSG];
	size_t olen = 0;
	int rc = tisup_decode(&m, v, in, len);

	is_int(rc, 0, "%s decodes", what);
	if (rc)
		return;
	is_int(encode(&m, out, &olen), 0, "%s encodes", what);
	ok(olen == len && memcmp(out, in, len) == 0, "%s re-encodes byte for byte (%zu/%zu octets)", what, olen, len);
}

static void test_iam_itu_bytes(void)
{
	struct tisup_msg m;
	const uint8_t *v;
	size_t len = 0;
	char text[2048];

	is_int(tisup_decode(&m, TISUP_ITU, iam_itu, sizeof(iam_itu)), 0, "ITU IAM decodes");
	is_int(m.type, TISUP_IAM, "type IAM");
	is_int(m.nci.echo, 1, "NCI echo device");
	is_int(m.nci.satellite, 0, "NCI no satellite");
	is_int(m.fci.isup_all_way, 1, "FCI ISUP all the way");
	is_int(m.fci.isup_pref, 1, "FCI ISUP not required");
	is_int(m.fci.isdn_access, 1, "FCI ISDN access");
	is_int(m.cpc, 10, "CPC ordinary");
	is_int(m.tmr, 0, "TMR speech");
	is_str(m.called.digits, "12345", "called digits (odd count)");
	is_int(m.called.nai, 3, "called NAI national");
	is_int(m.called.npi, 1, "called NPI E.164");
	ok(tisup_has(&m, TISUP_P_CALLING), "calling present");
	is_str(m.calling.digits, "4155551234", "calling digits (even count)");
	is_int(m.calling.nai, 4, "calling NAI international");
	is_int(m.calling.screen, 1, "calling screening");
	is_int(m.calling.pres, 0, "calling presentation allowed");
	ok(tisup_has(&m, TISUP_P_HOP_COUNTER) && m.hop_counter == 20, "hop counter 20");
	is_int(m.n_raw, 2, "two untyped parameters");
	v = tisup_raw_find(&m, 0x39, &len);
	ok(v && len == 3 && v[0] == 1 && v[2] == 3, "parameter compatibility information kept");
	v = tisup_raw_find(&m, 0xfe, &len);
	ok(v && len == 2 && v[0] == 0xaa && v[1] == 0xbb, "unknown 0xfe kept");
	ok(!tisup_has(&m, TISUP_P_CAUSE), "no cause in an IAM");
	tisup_print(&m, text, sizeof(text));
	ok(strstr(text, "IAM (0x01, ITU)") && strstr(text, "Called party number: nai=3") &&
	       strstr(text, "digits=\"4155551234\"") &&
	       strstr(text, "Parameter compatibility information (0x39, "
			    "untyped): 010203"),
	   "print names every parameter");
	same_bytes(iam_itu, sizeof(iam_itu), TISUP_ITU, "ITU IAM");
}

static void test_iam_ansi_bytes(void)
{
	struct tisup_msg m;
	size_t len = 0;

	is_int(tisup_decode(&m, TISUP_ANSI, iam_ansi, sizeof(iam_ansi)), 0, "ANSI IAM decodes");
	ok(tisup_has(&m, TISUP_P_USI), "ANSI IAM: USI mandatory");
	is_int(m.usi.itc, 0, "USI speech");
	is_int(m.usi.rate, 0x10, "USI 64 kbit/s");
	is_int(m.usi.layer1, 2, "USI layer 1 mu-law");
	ok(!tisup_has(&m, TISUP_P_TMR), "ANSI IAM: no TMR");
	is_str(m.called.digits, "2125551234", "ANSI called digits");
	ok(tisup_raw_find(&m, 0xeb, &len) && len == 7, "charge number kept untyped");
	is_str(tisup_param_name(TISUP_ANSI, 0xeb), "Charge number", "ANSI parameter name");
	is_int(m.hop_counter, 31, "hop counter 31");
	same_bytes(iam_ansi, sizeof(iam_ansi), TISUP_ANSI, "ANSI IAM");
	/* Read as ITU the same octets are another IAM: the USI pointer is a TMR. */
	ok(tisup_decode(&m, TISUP_ITU, iam_ansi, sizeof(iam_ansi)) == 0 && m.tmr == 3 && !tisup_has(&m, TISUP_P_USI),
	   "ANSI IAM read as ITU: layouts differ");
}

static void test_other_bytes(void)
{
	struct tisup_msg m;

	is_int(tisup_decode(&m, TISUP_ITU, rel_itu, sizeof(rel_itu)), 0, "REL decodes");
	ok(m.cause.cause == 16 && m.cause.location == 2 && m.cause.coding_std == 0 && !m.cause.has_rec,
	   "REL cause 16, location 2");
	is_str(tisup_cause_name(m.cause.cause), "Normal call clearing", "cause name");
	same_bytes(rel_itu, sizeof(rel_itu), TISUP_ITU, "REL");

	is_int(tisup_decode(&m, TISUP_ITU, rel_rec, sizeof(rel_rec)), 0, "REL with recommendation decodes");
	ok(m.cause.has_rec && m.cause.rec == 4 && m.cause.cause == 34 && m.cause.diag_len == 2 && m.cause.diag[1] == 2,
	   "octet 1a and diagnostics");
	same_bytes(rel_rec, sizeof(rel_rec), TISUP_ITU, "REL with recommendation");

	is_int(tisup_decode(&m, TISUP_ITU, acm_itu, sizeof(acm_itu)), 0, "ACM decodes");
	ok(m.bci.charge == 2 && m.bci.called_status == 1 && m.bci.called_cat == 1 && m.bci.isup_all_way == 1 &&
	       m.bci.isdn_access == 1 && m.bci.e2e_method == 0,
	   "BCI fields");
	ok(tisup_has(&m, TISUP_P_OBCI) && m.obci.inband == 1, "OBCI in-band information");
	same_bytes(acm_itu, sizeof(acm_itu), TISUP_ITU, "ACM");

	is_int(tisup_decode(&m, TISUP_ITU, sam_itu, sizeof(sam_itu)), 0, "SAM decodes");
	is_str(m.subsequent.digits, "345", "subsequent digits");
	same_bytes(sam_itu, sizeof(sam_itu), TISUP_ITU, "SAM");
	is_int(tisup_decode(&m, TISUP_ANSI, sam_itu, sizeof(sam_itu)), -ENOTSUP, "no SAM in ANSI");

	static const uint8_t rlc[] = {0x10, 0x00};
	same_bytes(rlc, sizeof(rlc), TISUP_ITU, "RLC without optional part");
	static const uint8_t cot[] = {0x05, 0x01};
	is_int(tisup_decode(&m, TISUP_ITU, cot, sizeof(cot)), -ENOTSUP, "COT: not a type of this codec");
	is_int(tisup_decode(&m, TISUP_ITU, cot, 0), -EMSGSIZE, "empty buffer");
}

/* Round trip: encode a built message, decode it, encode again. */
static int roundtrip(const struct tisup_msg *in, struct tisup_msg *out, const char *what)
{
	uint8_t b1[TISUP_MAX_MSG], b2[TISUP_MAX_MSG];
	size_t l1 = 0, l2 = 0;
	int rc;

	rc = encode(in, b1, &l1);
	is_int(rc, 0, "%s encodes", what);
	if (rc)
		return rc;
	rc = tisup_decode(out, (enum tisup_variant)in->variant, b1, l1);
	is_int(rc, 0, "%s decodes (%zu octets)", what, l1);
	if (rc)
		return rc;
	rc = encode(out, b2, &l2);
	ok(rc == 0 && l1 == l2 && memcmp(b1, b2, l1) == 0, "%s: second encoding identical", what);
	ok(out->type == in->type && (out->present & ~in->present) == 0, "%s: no parameter appears", what);
	return 0;
}

static void set_number(struct tisup_number *n, uint8_t nai, uint8_t npi, const char *digits)
{
	memset(n, 0, sizeof(*n));
	n->nai = nai;
	n->npi = npi;
	snprintf(n->digits, sizeof(n->digits), "%s", digits);
}

static void test_roundtrip_iam(void)
{
	struct tisup_msg m, d;
	struct tisup_number gn;

	tisup_msg_init(&m, TISUP_ITU, TISUP_IAM);
	m.nci.echo = 1;
	m.fci.isup_all_way = 1;
	m.fci.isup_pref = 2;
	m.cpc = 10;
	m.tmr = 3;
	set_number(&m.called, 3, 1, "0123456789*#");
	set_number(&m.calling, 4, 1, "33123456789");
	m.calling.pres = 1;
	m.calling.screen = 3;
	set_number(&m.redirecting, 3, 1, "7001");
	set_number(&m.orig_called, 3, 1, "7002");
	set_number(&m.location, 4, 1, "33100");
	m.location.flag = 1;
	m.redir_info.len = 2;
	m.redir_info.indicator = 3;
	m.redir_info.counter = 2;
	m.redir_info.reason = 1;
	tisup_usi_set(&m.usi, 0, 0x10, 0, 0x10, 3);
	m.access_transport.len = 3;
	memcpy(m.access_transport.data, "\x7d\x01\x91", 3);
	m.hop_counter = 25;
	m.call_ref.identity = 0x123456;
	m.call_ref.spc = 0x2abc;
	for (int p = TISUP_P_NCI; p <= TISUP_P_CALL_REF; p++)
		if (p != TISUP_P_SUBSEQUENT && p != TISUP_P_CAUSE && p != TISUP_P_BCI && p != TISUP_P_OBCI &&
		    p != TISUP_P_EVENT && p != TISUP_P_GENERIC_NUMBER)
			tisup_set(&m, (enum tisup_pid)p);
	set_number(&gn, 3, 1, "555");
	gn.qualifier = 6; /* additional calling party number */
	is_int(tisup_generic_add(&m, &gn), 0, "generic number added");
	set_number(&gn, 3, 1, "5556");
	gn.qualifier = 1;
	is_int(tisup_generic_add(&m, &gn), 0, "second generic number added");
	is_int(tisup_raw_add(&m, 0x31, (const uint8_t *)"\x00\x10", 2), 0, "untyped added");
	if (roundtrip(&m, &d, "ITU IAM, all typed fields"))
		return;
	is_str(d.called.digits, "0123456789BC", "'*' and '#' become codes 11 and 12");
	ok(d.calling.pres == 1 && d.calling.screen == 3, "calling presentation/screening");
	is_str(d.redirecting.digits, "7001", "redirecting number");
	is_str(d.orig_called.digits, "7002", "original called number");
	ok(d.location.flag == 1 && strcmp(d.location.digits, "33100") == 0, "location number");
	ok(d.redir_info.indicator == 3 && d.redir_info.counter == 2 && d.redir_info.reason == 1,
	   "redirection information");
	ok(d.usi.itc == 0x10 && d.usi.rate == 0x10 && d.usi.layer1 == 3, "USI view");
	ok(d.access_transport.len == 3 && d.access_transport.data[2] == 0x91, "access transport");
	ok(d.call_ref.identity == 0x123456 && d.call_ref.spc == 0x2abc, "call reference");
	ok(d.n_generic == 2 && d.generic[0].qualifier == 6 && strcmp(d.generic[1].digits, "5556") == 0,
	   "two generic numbers in order");
	ok(d.hop_counter == 25 && d.tmr == 3 && d.fci.isup_pref == 2, "fixed fields");

	/* ANSI IAM with a 6-octet call reference. */
	tisup_msg_init(&m, TISUP_ANSI, TISUP_IAM);
	m.cpc = 10;
	tisup_usi_set(&m.usi, 0, 0, 0, 0x10, 2);
	set_number(&m.called, 3, 1, "2125551234");
	m.call_ref.identity = 7;
	m.call_ref.spc = 0x010203;
	tisup_set(&m, TISUP_P_NCI);
	tisup_set(&m, TISUP_P_FCI);
	tisup_set(&m, TISUP_P_CPC);
	tisup_set(&m, TISUP_P_USI);
	tisup_set(&m, TISUP_P_CALLED);
	tisup_set(&m, TISUP_P_CALL_REF);
	if (roundtrip(&m, &d, "ANSI IAM") == 0)
		ok(d.call_ref.spc == 0x010203 && d.usi.layer1 == 2, "ANSI call reference 24-bit point code");
}

static void test_roundtrip_others(void)
{
	struct tisup_msg m, d;
	static const struct {
		enum tisup_variant v;
		enum tisup_msg_type t;
		const char *name;
	} types[] = {
	    {TISUP_ITU, TISUP_SAM, "SAM"},       {TISUP_ITU, TISUP_INR, "INR"},
	    {TISUP_ITU, TISUP_INF, "INF"},       {TISUP_ITU, TISUP_ACM, "ACM"},
	    {TISUP_ITU, TISUP_CON, "CON"},       {TISUP_ITU, TISUP_ANM, "ANM"},
	    {TISUP_ITU, TISUP_REL, "REL"},       {TISUP_ITU, TISUP_SUS, "SUS"},
	    {TISUP_ITU, TISUP_RES, "RES"},       {TISUP_ITU, TISUP_RLC, "RLC"},
	    {TISUP_ITU, TISUP_CPG, "CPG"},       {TISUP_ANSI, TISUP_ACM, "ANSI ACM"},
	    {TISUP_ANSI, TISUP_CPG, "ANSI CPG"}, {TISUP_ANSI, TISUP_ANM, "ANSI ANM"},
	    {TISUP_ANSI, TISUP_REL, "ANSI REL"}, {TISUP_ANSI, TISUP_INR, "ANSI INR"},
	    {TISUP_ANSI, TISUP_INF, "ANSI INF"}, {TISUP_ANSI, TISUP_SUS, "ANSI SUS"},
	    {TISUP_ANSI, TISUP_RES, "ANSI RES"}, {TISUP_ANSI, TISUP_RLC, "ANSI RLC"},
	};

	for (size_t i = 0; i < N(types); i++) {
		tisup_msg_init(&m, types[i].v, types[i].t);
		switch (types[i].t) {
		case TISUP_SAM:
			set_number(&m.subsequent, 0, 0, "67890");
			tisup_set(&m, TISUP_P_SUBSEQUENT);
			break;
		case TISUP_INR:
			m.inr_ind = 0x0001; /* calling party address requested */
			tisup_set(&m, TISUP_P_INR_IND);
			break;
		case TISUP_INF:
			m.inf_ind = 0x0003;
			tisup_set(&m, TISUP_P_INF_IND);
			set_number(&m.calling, 3, 1, "5551234");
			tisup_set(&m, TISUP_P_CALLING);
			break;
		case TISUP_ACM:
		case TISUP_CON:
			m.bci.charge = 2;
			m.bci.called_status = 1;
			m.bci.sccp_method = 3;
			m.obci.inband = 1;
			tisup_set(&m, TISUP_P_BCI);
			tisup_set(&m, TISUP_P_OBCI);
			break;
		case TISUP_ANM:
			m.bci.charge = 2;
			tisup_set(&m, TISUP_P_BCI); /* optional in an ANM */
			break;
		case TISUP_REL:
		case TISUP_RLC:
			m.cause.cause = 17;
			m.cause.location = 4;
			m.cause.coding_std = types[i].v == TISUP_ANSI ? 2 : 0;
			m.cause.diag_len = 1;
			m.cause.diag[0] = 0x42;
			tisup_set(&m, TISUP_P_CAUSE); /* optional in an RLC */
			break;
		case TISUP_SUS:
		case TISUP_RES:
			m.susres = 1;
			m.call_ref.identity = 99;
			tisup_set(&m, TISUP_P_SUSRES);
			tisup_set(&m, TISUP_P_CALL_REF);
			break;
		case TISUP_CPG:
			m.event.event = 1;
			m.event.restricted = 1;
			tisup_set(&m, TISUP_P_EVENT);
			break;
		default:
			break;
		}
		if (roundtrip(&m, &d, types[i].name))
			continue;
		ok(d.present == m.present, "%s: the same parameters", types[i].name);
	}

	/* A few fields checked after the round trip. */
	tisup_msg_init(&m, TISUP_ITU, TISUP_CPG);
	m.event.event = 3;
	m.event.restricted = 1;
	tisup_set(&m, TISUP_P_EVENT);
	if (roundtrip(&m, &d, "CPG in-band") == 0)
		ok(d.event.event == 3 && d.event.restricted == 1, "event information");

	/* ANSI allows a one-octet redirection information (T1.113 3.45). */
	tisup_msg_init(&m, TISUP_ANSI, TISUP_IAM);
	m.cpc = 10;
	tisup_usi_set(&m.usi, 0, 0, 0, 0x10, 2);
	set_number(&m.called, 3, 1, "2125551234");
	m.redir_info.len = 1;
	m.redir_info.indicator = 3;
	m.redir_info.orig_reason = 2;
	tisup_set(&m, TISUP_P_NCI);
	tisup_set(&m, TISUP_P_FCI);
	tisup_set(&m, TISUP_P_CPC);
	tisup_set(&m, TISUP_P_USI);
	tisup_set(&m, TISUP_P_CALLED);
	tisup_set(&m, TISUP_P_REDIR_INFO);
	if (roundtrip(&m, &d, "ANSI IAM, 1-octet redirection information") == 0)
		ok(d.redir_info.len == 1 && d.redir_info.indicator == 3 && d.redir_info.orig_reason == 2,
		   "1-octet redirection information kept");

	tisup_msg_init(&m, TISUP_ITU, TISUP_REL);
	is_int(tisup_encode(&m, (uint8_t[16]){0}, 16, &(size_t){0}), -EINVAL, "REL without cause refused");
	tisup_msg_init(&m, TISUP_ANSI, TISUP_CON);
	is_int(tisup_encode(&m, (uint8_t[16]){0}, 16, &(size_t){0}), -ENOTSUP, "no CON in ANSI");
}

/* Unknown optional parameters keep their bytes and their place, between
 * and around typed ones. */
static void test_unknown_preserved(void)
{
	static const uint8_t acm[] = {
	    0x06, 0x16, 0x14, 0x01,             /* ACM, BCI, pointer to the optional part */
	    0xf0, 0x00,                         /* unknown, empty */
	    0x29, 0x01, 0x01,                   /* OBCI */
	    0x80, 0x04, 0xde, 0xad, 0xbe, 0xef, /* unknown */
	    0x2c, 0x01, 0x83,                   /* generic notification indicator (untyped) */
	    0x29, 0x01, 0x02,                   /* OBCI again: kept untyped */
	    0x3d, 0x02, 0x01, 0x02,             /* hop counter of a wrong length: kept untyped */
	    0x00,
	};
	struct tisup_msg m;
	size_t len = 0;
	const uint8_t *v;

	same_bytes(acm, sizeof(acm), TISUP_ITU, "ACM with unknown parameters");
	tisup_decode(&m, TISUP_ITU, acm, sizeof(acm));
	is_int(m.n_raw, 5, "five untyped parameters");
	ok(m.obci.inband == 1, "the first OBCI is the typed one");
	ok(!tisup_has(&m, TISUP_P_HOP_COUNTER), "malformed hop counter not typed");
	v = tisup_raw_find(&m, 0x80, &len);
	ok(v && len == 4 && memcmp(v, "\xde\xad\xbe\xef", 4) == 0, "unknown 0x80 value");
	v = tisup_raw_find(&m, 0xf0, &len);
	ok(v && len == 0, "empty unknown parameter");
}

/* Past the codec's limits: -ENOBUFS, not a crash or a silent drop. */
static void test_limits(void)
{
	uint8_t b[2 + 2 * (TISUP_MAX_RAW + 1) + 1];
	struct tisup_msg m;
	size_t n = 0;

	b[n++] = TISUP_ANM;
	b[n++] = 0x01;
	for (int i = 0; i <= TISUP_MAX_RAW; i++) {
		b[n++] = 0xf0;
		b[n++] = 0x00;
	}
	b[n++] = 0x00;
	is_int(tisup_decode(&m, TISUP_ITU, b, n), -ENOBUFS, "%d untyped parameters: -ENOBUFS", TISUP_MAX_RAW + 1);
	b[2 + 2 * TISUP_MAX_RAW] = 0x00; /* end after TISUP_MAX_RAW parameters */
	is_int(tisup_decode(&m, TISUP_ITU, b, 3 + 2 * TISUP_MAX_RAW), 0, "%d untyped parameters decode", TISUP_MAX_RAW);
	is_int(tisup_raw_add(&m, 0xf1, NULL, 0), -ENOBUFS, "tisup_raw_add past the limit");
	is_int(tisup_raw_add(&m, 0x00, NULL, 0), -EINVAL, "tisup_raw_add of code 0");
}

/* Every prefix of a valid message is truncated, never accepted. */
static void test_truncations(const uint8_t *msg, size_t len, enum tisup_variant v, const char *what)
{
	struct tisup_msg m;
	int bad = 0;

	for (size_t n = 0; n < len; n++)
		if (tisup_decode(&m, v, msg, n) != -EMSGSIZE) {
			bad++;
			printf("# %s: prefix of %zu octets not -EMSGSIZE\n", what, n);
		}
	is_int(bad, 0, "%s: all %zu truncations give -EMSGSIZE", what, len);

	/* A buffer too small for the encoding. */
	uint8_t out[TISUP_MAX_MSG];
	size_t olen;
	bad = 0;
	tisup_decode(&m, v, msg, len);
	for (size_t n = 0; n < len; n++)
		if (tisup_encode(&m, out, n, &olen) != -ENOSPC)
			bad++;
	is_int(bad, 0, "%s: every short output buffer gives -ENOSPC", what);
}

static void test_bad_pointers(void)
{
	struct tisup_msg m;
	uint8_t b[sizeof(iam_itu) + 4];

	/* Offsets: 6 = pointer to the called number, 7 = to the optional part. */
	memcpy(b, iam_itu, sizeof(iam_itu));
	b[6] = 0;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "called pointer 0");
	b[6] = 1;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "called pointer into the pointers");
	b[6] = 0xf0;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EMSGSIZE, "called pointer past the end");
	b[6] = 3;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)) < 0, 1, "called pointer one octet off");

	memcpy(b, iam_itu, sizeof(iam_itu));
	b[7] = 3;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "optional pointer into the called number");
	b[7] = 0xff;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EMSGSIZE, "optional pointer past the end");
	b[7] = 0;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "optional pointer 0 with octets after");

	memcpy(b, iam_itu, sizeof(iam_itu));
	b[sizeof(iam_itu)] = 0x55;
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu) + 1), -EINVAL,
	       "octets after the end of the optional part");

	memcpy(b, iam_itu, sizeof(iam_itu));
	b[8] = 1; /* called party number of one octet */
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "called number shorter than its header");
	memcpy(b, iam_itu, sizeof(iam_itu));
	b[8] = 2;
	b[9] = 0x83; /* odd indicator without any digit octet */
	is_int(tisup_decode(&m, TISUP_ITU, b, sizeof(iam_itu)), -EINVAL, "odd count of no digit");

	memcpy(b, acm_itu, sizeof(acm_itu));
	b[3] = 0;
	is_int(tisup_decode(&m, TISUP_ITU, b, 4), 0, "ACM with optional pointer 0 and nothing after");
	is_int(tisup_decode(&m, TISUP_ITU, (const uint8_t *)"\x0c\x02\x00\x01\x82", 5), -EINVAL,
	       "REL: cause of one octet");
}

static void test_digits(void)
{
	struct tisup_msg m, d;
	uint8_t out[64];
	size_t len = 0;

	tisup_msg_init(&m, TISUP_ITU, TISUP_SAM);
	tisup_set(&m, TISUP_P_SUBSEQUENT);
	set_number(&m.subsequent, 0, 0, "12x");
	is_int(tisup_encode(&m, out, sizeof(out), &len), -EINVAL, "a bad digit refused");
	memset(m.subsequent.digits, '1', TISUP_MAX_DIGITS);
	m.subsequent.digits[TISUP_MAX_DIGITS] = '\0';
	is_int(tisup_encode(&m, out, 36, &len), -ENOSPC, "64 digits need 37 octets, not 36");
	is_int(roundtrip(&m, &d, "64 digits"), 0, "the longest number round-trips");
	set_number(&m.subsequent, 0, 0, "");
	if (roundtrip(&m, &d, "no digits") == 0)
		is_str(d.subsequent.digits, "", "empty number");
	set_number(&m.subsequent, 0, 0, "abcdef");
	if (roundtrip(&m, &d, "hex digits") == 0)
		is_str(d.subsequent.digits, "ABCDEF", "codes 10-15 kept as A-F");
	set_number(&m.subsequent, 0, 0, "1");
	is_int(tisup_encode(&m, out, sizeof(out), &len), 0, "one digit encodes");
	ok(len == 6 && out[3] == 2 && out[4] == 0x80 && out[5] == 0x01, "one digit: odd, filler 0");
}

/* Random octet changes in valid messages: nothing crashes, and whatever
 * decodes re-encodes to a fixed point (as the fuzzer checks). */
static void test_mutations(void)
{
	const struct {
		const uint8_t *p;
		size_t n;
		enum tisup_variant v;
	} seeds[] = {
	    {iam_itu, sizeof(iam_itu), TISUP_ITU},
	    {iam_ansi, sizeof(iam_ansi), TISUP_ANSI},
	    {rel_rec, sizeof(rel_rec), TISUP_ITU},
	};
	unsigned seed = 12345, decoded = 0, bad = 0;

	for (int i = 0; i < 30000; i++) {
		uint8_t b[64], e1[TISUP_MAX_MSG], e2[TISUP_MAX_MSG];
		size_t n, l1 = 0, l2 = 0;
		struct tisup_msg m1, m2;
		int k = i % 3;

		n = seeds[k].n;
		memcpy(b, seeds[k].p, n);
		for (int j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			b[(seed >> 8) % n] = (uint8_t)(seed >> 20);
		}
		if (tisup_decode(&m1, seeds[k].v, b, n) != 0)
			continue;
		decoded++;
		if (encode(&m1, e1, &l1) || tisup_decode(&m2, seeds[k].v, e1, l1) || encode(&m2, e2, &l2) || l1 != l2 ||
		    memcmp(e1, e2, l1) != 0)
			bad++;
	}
	is_int(bad, 0, "30000 mutations: %u decoded, all re-encode to a fixed point", decoded);
}

/* Every seed of the fuzzing corpus is a valid message (a seed that does not
 * decode only exercises the error paths). */
static void test_corpus(void)
{
	static const char *const seeds[] = {"acm", "anm", "con", "cpg",      "iam-ansi", "iam-itu", "iam-itu-redirect",
					    "inf", "inr", "rel", "rel-diag", "res",      "rlc",     "sam",
					    "sus"};
	const char *src = getenv("TOP_SRCDIR");

	for (size_t i = 0; i < N(seeds); i++) {
		char path[4096];
		uint8_t buf[512];
		size_t len = 0;
		struct tisup_msg m;
		FILE *f;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/isup/%s", src ? src : ".", seeds[i]);
		f = fopen(path, "rb");
		if (f) {
			len = fread(buf, 1, sizeof(buf), f);
			fclose(f);
		}
		ok(f && tisup_decode(&m, strcmp(seeds[i], "iam-ansi") ? TISUP_ITU : TISUP_ANSI, buf, len) == 0,
		   "corpus seed %s decodes", seeds[i]);
		if (strcmp(seeds[i], "iam-itu-redirect") == 0)
			ok(m.n_generic == 1 && tisup_has(&m, TISUP_P_REDIRECTING) &&
			       tisup_has(&m, TISUP_P_REDIR_INFO) && tisup_has(&m, TISUP_P_ORIG_CALLED) &&
			       tisup_has(&m, TISUP_P_LOCATION) && tisup_has(&m, TISUP_P_ACCESS_TRANSPORT) &&
			       tisup_has(&m, TISUP_P_CALL_REF) && m.n_raw == 0,
			   "iam-itu-redirect: every parameter typed");
	}
}

int main(void)
{
	test_iam_itu_bytes();
	test_iam_ansi_bytes();
	test_other_bytes();
	test_roundtrip_iam();
	test_roundtrip_others();
	test_unknown_preserved();
	test_limits();
	test_truncations(iam_itu, sizeof(iam_itu), TISUP_ITU, "ITU IAM");
	test_truncations(iam_ansi, sizeof(iam_ansi), TISUP_ANSI, "ANSI IAM");
	test_truncations(acm_itu, sizeof(acm_itu), TISUP_ITU, "ACM");
	test_bad_pointers();
	test_digits();
	test_mutations();
	test_corpus();
	return tap_done();
}
