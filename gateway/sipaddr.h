/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the mapping modules: a tolerant reader and writer of SIP
 * name-addr lists as header values carry them (From, P-Asserted-Identity,
 * Diversion, History-Info): `"Name" <uri;uparams?headers>;params, ...`
 * (RFC 3261 20.10 and 25.1). Plain strings in, fixed buffers out. */
#ifndef TANDEM_GATEWAY_SIPADDR_H
#define TANDEM_GATEWAY_SIPADDR_H

#include <stddef.h>

#define SIPADDR_URI_SIZE  256
#define SIPADDR_NAME_SIZE 128

struct sipaddr {
	char name[SIPADDR_NAME_SIZE]; /* display name, unquoted; "" = none */
	char uri[SIPADDR_URI_SIZE];   /* the URI without '<' '>' */
	char params[256];             /* header parameters after the URI: ";a=b;c" */
};

/* Read the next element of a comma-separated list at *p (commas inside
 * quotes or <> do not count) and advance *p past it. Returns 1 and *out,
 * 0 at the end of the list, or -EINVAL for an element that is not a
 * name-addr or addr-spec (skipped: *p still advances). */
int sipaddr_next(const char **p, struct sipaddr *out);

/* The value of parameter name (case-insensitive) in a ";a=b;c=d" list,
 * unquoted, into val. Returns 1 if present (val "" for a flag), else 0. */
int sipaddr_param(const char *params, const char *name, char *val, size_t len);

/* Append s to buf (of size len) at *pos, as a quoted-string when quote
 * is set (escaping '"' and '\\'). Returns 0 or -ENOSPC. */
int sipaddr_put(char *buf, size_t len, size_t *pos, const char *s, int quote);

#endif
