/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One-line database messages. */
#include "config.h"

#include "db/message.h"

#include <stdio.h>
#include <string.h>

void db_message(char *out, size_t len, const char *prefix, const char *msg)
{
	const char *line = msg ? strstr(msg, "\nLINE ") : NULL;
	int keep = line ? (int)(line - msg) : -1;
	size_t n;

	if (!len)
		return;
	if (!msg || !*msg)
		msg = "unknown database error";
	if (prefix && *prefix)
		snprintf(out, len, "%s: %.*s", prefix, keep < 0 ? (int)strlen(msg) : keep, msg);
	else
		snprintf(out, len, "%.*s", keep < 0 ? (int)strlen(msg) : keep, msg);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}
