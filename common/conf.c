/* SPDX-License-Identifier: GPL-2.0-or-later */
/* INI-style configuration reader: "[section]", "key = value", comments
 * starting with '#' or ';', values optionally in double quotes. */
#include "config.h"

#include "common/conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_reader {
	const char *name;
	int line;
	char section[64];
	char *element; /* in a named section: its element of the array */
	char *err;
	size_t errlen;
};

static int conf_fail(struct conf_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int conf_fail(struct conf_reader *r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r->line > 0)
		snprintf(r->err, r->errlen, "%s:%d: %s", r->name, r->line, what);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->name, what);
	return -EINVAL;
}

static char *conf_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int conf_parse_msec(const char *text, long *msec)
{
	char *end;
	long v, mult = 1000;

	errno = 0;
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	v = strtol(text, &end, 10);
	if (errno)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		return -EINVAL;
	if (v > LONG_MAX / mult)
		return -EINVAL;
	*msec = v * mult;
	return 0;
}

static int conf_parse_bool(const char *v, bool *out)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int conf_set(struct conf_reader *r, const struct conf_directive *d, void *obj, const char *value)
{
	char *field = (char *)obj + d->offset;
	char why[256] = "";
	char *end;
	long v;

	switch (d->type) {
	case CONF_STR:
		if (strlen(value) >= d->size)
			return conf_fail(r, "%s: value too long (at most %zu characters)", d->key, d->size - 1);
		if (d->check && d->check(value, why, sizeof(why)) < 0)
			return conf_fail(r, "%s: %s", d->key, why);
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case CONF_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0')
			return conf_fail(r, "%s: \"%s\" is not an integer", d->key, value);
		if (v < d->min || v > d->max)
			return conf_fail(r, "%s: %ld is out of range (%ld..%ld)", d->key, v, d->min, d->max);
		*(int *)field = (int)v;
		return 0;
	case CONF_BOOL:
		if (conf_parse_bool(value, (bool *)field) < 0)
			return conf_fail(r, "%s: \"%s\" is not yes or no", d->key, value);
		return 0;
	case CONF_ENUM:
		for (const struct conf_enum *e = d->enums; e->name; e++) {
			if (strcasecmp(e->name, value) == 0) {
				*(int *)field = e->value;
				return 0;
			}
		}
		{
			char names[256] = "";
			for (const struct conf_enum *e = d->enums; e->name; e++) {
				if (names[0])
					strncat(names, ", ", sizeof(names) - strlen(names) - 1);
				strncat(names, e->name, sizeof(names) - strlen(names) - 1);
			}
			return conf_fail(r, "%s: \"%s\" is not one of %s", d->key, value, names);
		}
	case CONF_SECTION:
		return 0;
	case CONF_MSEC:
		if (conf_parse_msec(value, &v) < 0)
			return conf_fail(r, "%s: \"%s\" is not a duration (like 500ms, 2s, 5m)", d->key, value);
		if (v < d->min || v > d->max)
			return conf_fail(r, "%s: %ldms is out of range (%ldms..%ldms)", d->key, v, d->min, d->max);
		*(int *)field = (int)v;
		return 0;
	}
	return conf_fail(r, "%s: unknown directive type", d->key);
}

/* The CONF_SECTION row that declares section name, or NULL. */
static const struct conf_directive *conf_named(const struct conf_directive *table, const char *section)
{
	for (const struct conf_directive *d = table; d->key; d++)
		if (d->type == CONF_SECTION && strcmp(d->section, section) == 0)
			return d;
	return NULL;
}

/* Defaults of the rows of one section (all fixed sections when named is
 * NULL) into obj (an element, for a named section). */
static int conf_defaults_of(struct conf_reader *r, const struct conf_directive *table, const char *named, void *obj)
{
	for (const struct conf_directive *d = table; d->key; d++) {
		const struct conf_directive *sec = conf_named(table, d->section);
		int rc;

		if (d->type == CONF_SECTION) {
			if (!named)
				*(int *)((char *)obj + d->min) = 0;
			continue;
		}
		if ((named && strcmp(d->section, named) != 0) || (!named && sec))
			continue;
		if ((rc = conf_set(r, d, obj, d->def ? d->def : "")) < 0)
			return rc;
	}
	return 0;
}

int conf_defaults(const struct conf_directive *table, void *obj, char *err, size_t errlen)
{
	struct conf_reader r = {.name = "default", .err = err, .errlen = errlen};

	return conf_defaults_of(&r, table, NULL, obj);
}

static int conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !strchr("_.-", *s))
			return 0;
	return 1;
}

/* "[span NAME]": start the next element of the section's array. */
static int conf_section_named(struct conf_reader *r, const struct conf_directive *table, void *obj, char *s, bool *seen)
{
	char *name = s + strcspn(s, " \t"), *arr;
	const struct conf_directive *sec;
	int *count;

	if (*name)
		*name++ = '\0';
	name = conf_trim(name);
	sec = conf_named(table, s);
	if (!sec)
		return conf_fail(r, "unknown section [%s %s]", s, name);
	if (!conf_name_ok(name))
		return conf_fail(r, "[%s %s]: a %s name is 1-63 characters: a-z, 0-9, '_', '.', '-'", s, name, s);
	count = (int *)((char *)obj + sec->min);
	arr = (char *)obj + sec->offset;
	for (int i = 0; i < *count; i++)
		if (strcmp(arr + (size_t)i * sec->size, name) == 0)
			return conf_fail(r, "[%s %s]: defined twice", s, name);
	if (*count >= sec->max)
		return conf_fail(r, "[%s %s]: at most %ld [%s] sections", s, name, sec->max, s);
	r->element = arr + (size_t)(*count)++ * sec->size;
	memset(r->element, 0, sec->size);
	snprintf(r->element, CONF_NAME_MAX, "%s", name);
	snprintf(r->section, sizeof(r->section), "%s", s);
	for (size_t i = 0; table[i].key; i++)
		if (strcmp(table[i].section, s) == 0)
			seen[i] = false;
	return conf_defaults_of(r, table, s, r->element);
}

/* Unquote a value in place: "a \"b\"" -> a "b". Returns NULL if unterminated. */
static char *conf_unquote(char *v)
{
	char *out, *in;

	if (*v != '"')
		return v;
	out = v;
	for (in = v + 1; *in && *in != '"'; in++) {
		if (*in == '\\' && (in[1] == '"' || in[1] == '\\'))
			in++;
		*out++ = *in;
	}
	if (*in != '"' || *conf_trim(in + 1) != '\0')
		return NULL;
	*out = '\0';
	return v;
}

/* Strip a trailing comment: '#' or ';' preceded by whitespace, outside quotes. */
static void conf_strip_comment(char *s)
{
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '\\' && quoted && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '#' || *p == ';') && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int conf_line(struct conf_reader *r, char *line, const struct conf_directive *table, void *obj, bool *seen)
{
	char *s = conf_trim(line), *eq, *key, *value;
	size_t i;

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	conf_strip_comment(s);
	s = conf_trim(s);
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || *conf_trim(close + 1) != '\0')
			return conf_fail(r, "malformed section header (expected [name])");
		*close = '\0';
		s = conf_trim(s + 1);
		r->element = NULL;
		if (strchr(s, ' ') || strchr(s, '\t') || conf_named(table, s))
			return conf_section_named(r, table, obj, s, seen);
		for (i = 0; table[i].key; i++)
			if (strcmp(table[i].section, s) == 0)
				break;
		if (!table[i].key)
			return conf_fail(r, "unknown section [%s]", s);
		snprintf(r->section, sizeof(r->section), "%s", s);
		return 0;
	}
	eq = strchr(s, '=');
	if (!eq)
		return conf_fail(r, "expected \"key = value\"");
	*eq = '\0';
	key = conf_trim(s);
	value = conf_unquote(conf_trim(eq + 1));
	if (!value)
		return conf_fail(r, "%s: unterminated quoted value", key);
	if (r->section[0] == '\0')
		return conf_fail(r, "\"%s\" outside any section", key);
	for (i = 0; table[i].key; i++) {
		if (table[i].type != CONF_SECTION && strcmp(table[i].section, r->section) == 0 &&
		    strcmp(table[i].key, key) == 0)
			break;
	}
	if (!table[i].key)
		return conf_fail(r, "unknown key \"%s\" in section [%s]", key, r->section);
	if (seen[i])
		return conf_fail(r, "%s: set twice in section [%s]", key, r->section);
	seen[i] = true;
	return conf_set(r, &table[i], r->element ? r->element : obj, value);
}

int conf_load_string(const char *name, const char *text, const struct conf_directive *table, void *obj, char *err,
		     size_t errlen)
{
	struct conf_reader r = {.name = name, .err = err, .errlen = errlen};
	size_t n = 0;
	bool *seen = NULL;
	char *copy = NULL, *line, *next;
	int rc;

	rc = conf_defaults(table, obj, err, errlen);
	if (rc < 0)
		goto out;
	while (table[n].key)
		n++;
	seen = calloc(n + 1, sizeof(*seen));
	copy = strdup(text);
	if (!seen || !copy) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r.line++;
		rc = conf_line(&r, line, table, obj, seen);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(seen);
	free(copy);
	return rc;
}

int conf_load_file(const char *path, const struct conf_directive *table, void *obj, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long len;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (len > 1024 * 1024) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		goto out;
	}
	text = malloc((size_t)len + 1);
	if (!text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != (size_t)len) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	rc = conf_load_string(path, text, table, obj, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}
