/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: Q.850 <-> SIP cause tables (gateway/cause.c) against RFC
 * 3398, overrides, names, Reason headers and CDR dispositions. */
#include "config.h"

#include "gateway/cause.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 3398 7.2.4.1, every row (16 is BYE). */
static const int rfc_q850_to_sip[][2] = {
    {1, 404},  {2, 404},  {3, 404},  {16, CAUSE_SIP_BYE}, {17, 486}, {18, 408},  {19, 480},  {20, 480},
    {21, 403}, {22, 410}, {23, 410}, {26, 404},           {27, 502}, {28, 484},  {29, 501},  {31, 480},
    {34, 503}, {38, 503}, {41, 503}, {42, 503},           {47, 503}, {55, 403},  {57, 403},  {58, 503},
    {65, 488}, {70, 488}, {79, 501}, {87, 403},           {88, 503}, {102, 504}, {111, 500}, {127, 500},
};

/* RFC 3398 8.2.6.1, every row (487, 488, 606: the project's choice). */
static const int rfc_sip_to_q850[][2] = {
    {400, 41},  {401, 21},  {402, 21},  {403, 21},  {404, 1},  {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22},  {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18},  {481, 41},  {482, 25},  {483, 25}, {484, 28},  {485, 1},   {486, 17},
    {487, 127}, {488, 127}, {500, 41},  {501, 79},  {502, 38}, {503, 41},  {504, 102}, {505, 127},
    {513, 127}, {600, 17},  {603, 21},  {604, 1},   {606, 58},
};

/* The values Q.850 assigns a meaning to. */
static const int assigned[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  14, 16,  17,  18,  19,  20,  21,  22, 23,
			       24, 25, 26, 27, 28, 29, 30, 31, 34, 38, 39,  40,  41,  42,  43,  44,  46, 47,
			       49, 50, 53, 55, 57, 58, 62, 63, 65, 66, 69,  70,  79,  81,  82,  83,  84, 85,
			       86, 87, 88, 90, 91, 95, 96, 97, 98, 99, 100, 101, 102, 103, 110, 111, 127};

static void test_whole_tables(void)
{
	int bad = 0, first_bad = 0;

	for (int c = 1; c <= 127; c++) {
		int s = cause_to_sip(NULL, c);

		if (!(c == 16 ? s == CAUSE_SIP_BYE : (s >= 400 && s <= 699)) && !bad++)
			first_bad = c;
	}
	ok(bad == 0, "every cause 1..127 maps to a status 400..699 or BYE (first bad: %d)", first_bad);
	bad = 0;
	for (int c = 1; c <= 127; c++) {
		int s = cause_to_sip_final(NULL, c);

		if (!(s >= 400 && s <= 699) && !bad++)
			first_bad = c;
	}
	ok(bad == 0, "cause_to_sip_final: every cause 1..127 maps to a status (first bad: %d)", first_bad);
	bad = 0;
	for (int s = 400; s <= 699; s++) {
		int c = cause_from_sip(NULL, s);

		if (!(c >= 1 && c <= 127) && !bad++)
			first_bad = s;
	}
	ok(bad == 0, "every status 400..699 maps to a cause 1..127 (first bad: %d)", first_bad);
}

static void test_rfc_fixed_points(void)
{
	for (size_t i = 0; i < N(rfc_q850_to_sip); i++)
		is_int(cause_to_sip(NULL, rfc_q850_to_sip[i][0]), rfc_q850_to_sip[i][1], "RFC 3398 7.2.4.1: cause %d",
		       rfc_q850_to_sip[i][0]);
	for (size_t i = 0; i < N(rfc_sip_to_q850); i++)
		is_int(cause_from_sip(NULL, rfc_sip_to_q850[i][0]), rfc_sip_to_q850[i][1],
		       "RFC 3398 8.2.6.1: status %d", rfc_sip_to_q850[i][0]);
}

static void test_defaults_and_range(void)
{
	/* Unlisted causes: as the unspecified cause of their class. */
	is_int(cause_to_sip(NULL, 4), 480, "cause 4 (normal class) as 31: 480");
	is_int(cause_to_sip(NULL, 25), 480, "cause 25 (normal class) as 31: 480");
	is_int(cause_to_sip(NULL, 44), 503, "cause 44 (resource unavailable) as 47: 503");
	is_int(cause_to_sip(NULL, 63), 503, "cause 63 (service not available): 503");
	is_int(cause_to_sip(NULL, 66), 501, "cause 66 (not implemented) as 79: 501");
	is_int(cause_to_sip(NULL, 95), 500, "cause 95 (invalid message): 500");
	is_int(cause_to_sip(NULL, 100), 500, "cause 100 (protocol error) as 111: 500");
	is_int(cause_to_sip(NULL, 120), 500, "cause 120 (interworking) as 127: 500");
	/* Unlisted statuses: as x00 (RFC 3261 8.1.3.2). */
	is_int(cause_from_sip(NULL, 409), 41, "409 as 400: 41");
	is_int(cause_from_sip(NULL, 599), 41, "599 as 500: 41");
	is_int(cause_from_sip(NULL, 607), 17, "607 as 600: 17");
	is_int(cause_to_sip_final(NULL, 16), 480, "16 needing a final response: 480");
	is_int(cause_to_sip_final(NULL, 17), 486, "cause_to_sip_final 17: 486");
	is_int(cause_to_sip(NULL, 0), -EINVAL, "cause 0 refused");
	is_int(cause_to_sip(NULL, 128), -EINVAL, "cause 128 refused");
	is_int(cause_from_sip(NULL, 399), -EINVAL, "status 399 refused");
	is_int(cause_from_sip(NULL, 700), -EINVAL, "status 700 refused");
	is_int(cause_from_sip(NULL, 200), -EINVAL, "status 200 refused");
}

static void test_overrides(void)
{
	struct cause_map *a = NULL, *b = NULL;
	enum cause_dir dir;

	ok(cause_map_new(&a) == 0 && cause_map_new(&b) == 0, "two maps");
	is_int(cause_dir_parse("q850_to_sip", &dir), 0, "direction q850_to_sip");
	is_int(dir, CAUSE_Q850_TO_SIP, "... parsed");
	is_int(cause_dir_parse("sip_to_q850", &dir), 0, "direction sip_to_q850");
	is_int(dir, CAUSE_SIP_TO_Q850, "... parsed");
	is_int(cause_dir_parse("both", &dir), -EINVAL, "unknown direction refused");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 17, 603), 0, "trunk A: 17 -> 603");
	is_int(cause_map_add(a, CAUSE_SIP_TO_Q850, 21, 486), 0, "trunk A: 486 -> 21");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 16, 487), 0, "trunk A: 16 -> 487");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 17, 603), 0, "the same row twice is fine");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 17, 600), -EEXIST, "a conflicting row is refused");
	is_int(cause_map_add(a, CAUSE_SIP_TO_Q850, 17, 486), -EEXIST, "a conflicting reverse row is refused");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 0, 486), -EINVAL, "cause 0 refused");
	is_int(cause_map_add(a, CAUSE_Q850_TO_SIP, 17, 399), -EINVAL, "status 399 refused");
	is_int(cause_map_add(a, (enum cause_dir)7, 17, 486), -EINVAL, "bad direction refused");
	is_int(cause_map_size(a), 3, "trunk A has 3 rows");
	is_int(cause_map_size(b), 0, "trunk B has none");
	is_int(cause_to_sip(a, 17), 603, "trunk A: 17 -> 603");
	is_int(cause_to_sip(b, 17), 486, "trunk B: 17 -> 486 (default)");
	is_int(cause_to_sip(NULL, 17), 486, "no map: 17 -> 486");
	is_int(cause_from_sip(a, 486), 21, "trunk A: 486 -> 21");
	is_int(cause_from_sip(b, 486), 17, "trunk B: 486 -> 17");
	is_int(cause_to_sip(a, 16), 487, "trunk A: 16 -> 487 instead of BYE");
	is_int(cause_to_sip(b, 16), CAUSE_SIP_BYE, "trunk B: 16 -> BYE");
	is_int(cause_to_sip(a, 34), 503, "trunk A: rows it lacks use the defaults");
	cause_map_free(a);
	cause_map_free(b);
}

static void test_names(void)
{
	int bad = 0, first_bad = 0;
	size_t j = 0;

	for (int c = 1; c <= 127; c++) {
		int want = j < N(assigned) && assigned[j] == c;

		if (want)
			j++;
		if ((cause_name(c) != NULL) != want && !bad++)
			first_bad = c;
	}
	ok(bad == 0, "a name for every assigned cause and none other (first bad: %d)", first_bad);
	is_str(cause_name(16), "Normal call clearing", "name of 16");
	is_str(cause_name(17), "User busy", "name of 17");
	is_str(cause_name(34), "No circuit/channel available", "name of 34");
	ok(cause_name(0) == NULL && cause_name(128) == NULL && cause_name(-1) == NULL, "out of range: NULL");
}

static void test_reason_build(void)
{
	char buf[160];
	struct cause_reason r;
	int bad = 0, first_bad = 0;

	is_int(cause_reason_header(17, buf, sizeof(buf)), 0, "Reason for 17");
	is_str(buf, "Q.850;cause=17;text=\"User busy\"", "... as RFC 3326 writes it");
	is_int(cause_reason_header(12, buf, sizeof(buf)), 0, "Reason for unassigned 12");
	is_str(buf, "Q.850;cause=12", "... without a text");
	is_int(cause_reason_header(17, buf, 20), -ENOSPC, "too small a buffer");
	is_str(buf, "", "... leaves it empty");
	is_int(cause_reason_header(0, buf, sizeof(buf)), -EINVAL, "cause 0 refused");
	for (int c = 1; c <= 127; c++) {
		const char *name = cause_name(c);

		if ((cause_reason_header(c, buf, sizeof(buf)) || cause_reason_parse(buf, &r) || r.q850_cause != c ||
		     strcmp(r.text, name ? name : "") != 0) &&
		    !bad++)
			first_bad = c;
	}
	ok(bad == 0, "build/parse round trip for every cause (first bad: %d)", first_bad);
}

static void test_reason_parse(void)
{
	struct cause_reason r;

	is_int(cause_reason_parse(
		   "SIP ;cause=200 ;text=\"Call completed elsewhere\", Q.850 ;cause=16 ;text=\"Terminated\"", &r),
	       0, "two reasons");
	is_int(r.q850_cause, 16, "... Q.850 picked");
	is_int(r.sip_cause, 200, "... SIP kept");
	is_str(r.text, "Terminated", "... the Q.850 text");
	is_int(cause_reason_parse("q.850;CAUSE=17", &r), 0, "lower case protocol, upper case param");
	is_int(r.q850_cause, 17, "... 17");
	is_int(cause_reason_parse("Reason: Q.850;cause=34", &r), 0, "with the header name");
	is_int(r.q850_cause, 34, "... 34");
	is_int(cause_reason_parse("  Q.850 ; cause = 41 ; text = \"a, b; c\"", &r), 0, "spaces, separators in text");
	is_int(r.q850_cause, 41, "... 41");
	is_str(r.text, "a, b; c", "... text kept whole");
	is_int(cause_reason_parse("Q.850;cause=18;text=NoAnswer", &r), 0, "unquoted text");
	is_str(r.text, "NoAnswer", "... read");
	is_int(cause_reason_parse("Q.850;cause=1;text=\"say \\\"hi\\\"\"", &r), 0, "escaped quotes");
	is_str(r.text, "say \"hi\"", "... unescaped");
	is_int(cause_reason_parse("SIP;cause=487;text=\"Request Terminated\"", &r), 0, "SIP only");
	ok(r.q850_cause == 0 && r.sip_cause == 487, "... sip 487, no Q.850");
	is_str(r.text, "Request Terminated", "... SIP text when no Q.850");
	is_int(cause_reason_parse("Q.850;cause=abc, Q.850;cause=21", &r), 0, "a bad element then a good one");
	is_int(r.q850_cause, 21, "... the good one");
	is_int(cause_reason_parse("preemption;cause=1;text=\"UA Preemption\"", &r), -ENOENT, "unknown protocol");
	is_int(cause_reason_parse("Q.850;cause=999", &r), -ENOENT, "cause out of range");
	is_int(cause_reason_parse("Q.850", &r), -ENOENT, "no cause");
	is_int(cause_reason_parse("", &r), -ENOENT, "empty");
	is_int(cause_reason_parse("\"unterminated, Q.850;cause=3", &r), -ENOENT, "an unterminated quote eats the rest");
	is_int(cause_reason_parse(NULL, &r), -EINVAL, "NULL");
}

static void test_disposition(void)
{
	is_int(cause_disposition(200, false), CDR_DISP_ANSWERED, "200 answered");
	is_int(cause_disposition(16, true), CDR_DISP_ANSWERED, "16 after answer: answered");
	is_int(cause_disposition(17, true), CDR_DISP_ANSWERED, "answered whatever the code");
	is_int(cause_disposition(16, false), CDR_DISP_CANCELLED, "16 before answer: cancelled");
	is_int(cause_disposition(487, false), CDR_DISP_CANCELLED, "487 cancelled");
	is_int(cause_disposition(17, false), CDR_DISP_BUSY, "17 busy");
	is_int(cause_disposition(486, false), CDR_DISP_BUSY, "486 busy");
	is_int(cause_disposition(600, false), CDR_DISP_BUSY, "600 busy");
	is_int(cause_disposition(19, false), CDR_DISP_NO_ANSWER, "19 no answer");
	is_int(cause_disposition(18, false), CDR_DISP_NO_ANSWER, "18 no answer");
	is_int(cause_disposition(408, false), CDR_DISP_NO_ANSWER, "408 no answer");
	is_int(cause_disposition(480, false), CDR_DISP_NO_ANSWER, "480 no answer");
	is_int(cause_disposition(21, false), CDR_DISP_REJECTED, "21 rejected");
	is_int(cause_disposition(403, false), CDR_DISP_REJECTED, "403 rejected");
	is_int(cause_disposition(603, false), CDR_DISP_REJECTED, "603 rejected");
	is_int(cause_disposition(34, false), CDR_DISP_FAILED, "34 failed");
	is_int(cause_disposition(1, false), CDR_DISP_FAILED, "1 failed");
	is_int(cause_disposition(503, false), CDR_DISP_FAILED, "503 failed");
	is_int(cause_disposition(404, false), CDR_DISP_FAILED, "404 failed");
}

int main(void)
{
	test_whole_tables();
	test_rfc_fixed_points();
	test_defaults_and_range();
	test_overrides();
	test_names();
	test_reason_build();
	test_reason_parse();
	test_disposition();
	return tap_done();
}
