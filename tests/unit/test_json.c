/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the strict JSON parser (common/json.c): values, escapes,
 * UTF-8, and every kind of refusal with its line and column. */
#include "config.h"

#include "common/json.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *s, struct json_value **v, char *err)
{
	return json_parse(s, strlen(s), v, err, 200);
}

static void test_values(void)
{
	struct json_value *v;
	const struct json_value *x;
	char err[200];

	is_int(parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": {}} ", &v, err), 0,
	       "a document parses");
	if (!v)
		return;
	x = json_get(v, "a");
	ok(x && x->type == JSON_ARRAY && x->len == 7, "array of 7");
	ok(x->items[0]->is_int && x->items[0]->ival == 1 && x->items[1]->ival == -2, "integers");
	ok(!x->items[2]->is_int && x->items[2]->num == 3.5, "3.5 is not an integer");
	ok(!x->items[3]->is_int && x->items[3]->num == 1000, "1e3 is a number, not an integer");
	ok(x->items[4]->type == JSON_BOOL && x->items[4]->b && !x->items[5]->b, "true, false");
	ok(x->items[6]->type == JSON_NULL, "null");
	x = json_get(json_get(v, "b"), "c");
	is_str(x ? x->str : NULL, "d", "nested object");
	ok(json_get(v, "e") && json_get(v, "e")->len == 0, "empty object");
	ok(v->len == 3 && strcmp(v->keys[0], "a") == 0 && strcmp(v->keys[2], "e") == 0, "keys in input order");
	ok(json_get(v, "zz") == NULL, "absent key");
	json_free(v);

	is_int(parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\xc3\xa9\"", &v, err), 0, "escapes parse");
	ok(v && strcmp(v->str, "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9") == 0, "escapes and UTF-8 decoded");
	json_free(v);
	is_int(parse("9223372036854775807", &v, err), 0, "the largest integer");
	ok(v && v->is_int && v->ival == 9223372036854775807LL, "kept exactly");
	json_free(v);
	is_int(parse("9223372036854775808", &v, err), 0, "one more");
	ok(v && !v->is_int, "not an integer any more");
	json_free(v);
}

static void test_refused(void)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
	    {"", "line 1 column 1: unexpected end of input"},
	    {"{\"a\":1,}", "line 1 column 8: expected a string key"},
	    {"[1,]", "line 1 column 4: unexpected character ']'"},
	    {"{\"a\":1 \"b\":2}", "line 1 column 8: expected ',' or '}'"},
	    {"{\"a\":1,\n \"a\":2}", "line 2 column 5: duplicate key \"a\""},
	    {"01", "line 1 column 2: leading zero in a number"},
	    {"1.", "line 1 column 3: bad number"},
	    {"-", "line 1 column 2: bad number"},
	    {"+1", "line 1 column 1: unexpected character '+'"},
	    {"NaN", "line 1 column 1: unexpected character 'N'"},
	    {"1e999", "line 1 column 6: number out of range"},
	    {"\"abc", "line 1 column 1: unterminated string"},
	    {"\"a\tb\"", "line 1 column 3: control character 0x09 in a string"},
	    {"\"\\x\"", "line 1 column 2: bad escape in a string"},
	    {"\"\\u12g4\"", "line 1 column 2: bad \\u escape"},
	    {"\"\\ud800\"", "line 1 column 8: unpaired surrogate in a \\u escape"},
	    {"\"\\udc00\"", "line 1 column 8: unpaired surrogate in a \\u escape"},
	    {"\"\\u0000\"", "line 1 column 8: \\u0000 in a string"},
	    {"\"\xc0\xaf\"", "line 1 column 2: invalid UTF-8 in a string"},
	    {"\"\xed\xa0\x80\"", "line 1 column 2: invalid UTF-8 in a string"},
	    {"\"\xe2\x82\"", "line 1 column 2: invalid UTF-8 in a string"},
	    {"true false", "line 1 column 6: text after the value"},
	    {"/* c */ 1", "line 1 column 1: unexpected character '/'"},
	    {"tru", "line 1 column 1: unexpected character 't'"},
	    {"{1:2}", "line 1 column 2: expected a string key"},
	    {"{\"a\" 1}", "line 1 column 6: expected ':' after a key"},
	};
	struct json_value *v;
	char err[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].in, &v, err);

		ok(rc == -EINVAL && v == NULL, "refused: %s", cases[i].err);
		if (rc == -EINVAL)
			is_str(err, cases[i].err, "message %zu", i);
		json_free(v);
	}
	{
		char deep[200];

		for (int levels = 64; levels <= 65; levels++) {
			int rc;

			memset(deep, '[', (size_t)levels);
			memset(deep + levels, ']', (size_t)levels);
			deep[2 * levels] = '\0';
			rc = parse(deep, &v, err);
			if (levels == 64)
				is_int(rc, 0, "64 levels accepted");
			else
				ok(rc == -EINVAL && strstr(err, "nested deeper than 64"), "65 levels refused");
			json_free(v);
		}
	}
	/* The input need not be NUL-terminated: a length cuts it. */
	ok(json_parse("[1]xyz", 3, &v, err, sizeof(err)) == 0 && v->len == 1, "length bounds the input");
	json_free(v);
}

int main(void)
{
	test_values();
	test_refused();
	return tap_done();
}
