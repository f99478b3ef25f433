/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration files: an INI-style reader driven by per-module directive
 * tables (one row per key: section, name, type, where it goes, default). */
#ifndef TANDEM_CONF_H
#define TANDEM_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum conf_type {
	CONF_STR,  /* char[size], validated by check() when given */
	CONF_INT,  /* int in [min, max] */
	CONF_BOOL, /* bool: yes/no, true/false, on/off, 1/0 */
	CONF_ENUM, /* int, one of enums[] by name */
	CONF_MSEC, /* int milliseconds: "250ms", "2s", "5m", "1h"; a bare number is seconds */
	/* Declares a named section, "[span NAME]", that may appear several
	 * times: each one fills the next element of an array in obj. The row's
	 * key is "*"; offset is the array's offset in obj, size the element's
	 * size, min the offset of the int element count, max the most
	 * elements. The rows of that section that follow have offsets relative
	 * to the element, which starts with char name[CONF_NAME_MAX]. Names are
	 * like "pstn1" (lower case, digits, '_', '.', '-') and unique. */
	CONF_SECTION,
};

#define CONF_NAME_MAX 64

struct conf_enum {
	const char *name;
	int value;
};

struct conf_directive {
	const char *section;
	const char *key;
	enum conf_type type;
	size_t offset;                 /* offsetof() into the settings struct */
	size_t size;                   /* CONF_STR: the buffer's size */
	long min, max;                 /* CONF_INT, CONF_MSEC */
	const struct conf_enum *enums; /* CONF_ENUM, ended by {NULL, 0} */
	/* CONF_STR: 0 if value is acceptable, else -EINVAL with *why set. */
	int (*check)(const char *value, char *why, size_t whylen);
	const char *def;  /* default, parsed like a file value */
	const char *help; /* one line for --help and the docs */
};

/* Fill obj with every directive's default. Returns 0, or -EINVAL with err
 * set (a bad default is a programming error, caught by the unit tests). */
int conf_defaults(const struct conf_directive *table, void *obj, char *err, size_t errlen);

/* Apply the defaults, then the file at path. On error returns -EINVAL (bad
 * content: err is "path:line: what is wrong") or a negative errno (could
 * not read: err is "path: reason"); obj is then partly written and must be
 * discarded by the caller. */
int conf_load_file(const char *path, const struct conf_directive *table, void *obj, char *err, size_t errlen);

/* As conf_load_file, from a string; name stands in for the path in errors. */
int conf_load_string(const char *name, const char *text, const struct conf_directive *table, void *obj, char *err,
		     size_t errlen);

/* Parse a duration ("250ms", "2s", "5m", "1h", bare number = seconds) into
 * milliseconds. Returns 0 or -EINVAL. */
int conf_parse_msec(const char *text, long *msec);

#endif
