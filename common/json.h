/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small strict JSON parser (RFC 8259) into a tree: no comments, no
 * trailing commas, no duplicate keys, valid UTF-8 only, depth at most
 * JSON_MAX_DEPTH. For command-line input, not for speed. */
#ifndef TANDEM_JSON_H
#define TANDEM_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	bool b;
	double num;
	bool is_int;               /* a number without fraction or exponent that fits */
	long long ival;            /* its value when is_int */
	char *str;                 /* JSON_STRING: NUL-terminated (a \u0000 inside is refused) */
	size_t len;                /* string length; array or object member count */
	struct json_value **items; /* array items, object values */
	char **keys;               /* object keys, in input order */
};

/* Parse text[0..len) into *out (free with json_free()). Returns 0, -EINVAL
 * with "line L column C: what" in err, or -ENOMEM. */
int json_parse(const char *text, size_t len, struct json_value **out, char *err, size_t errlen);
void json_free(struct json_value *v);

/* The member of object obj named key, NULL if none (or obj not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
const char *json_type_name(enum json_type t);

#endif
