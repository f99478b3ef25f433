/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpq's messages made into one line for logs, status and errors. */
#ifndef TANDEM_DB_MESSAGE_H
#define TANDEM_DB_MESSAGE_H

#include <stddef.h>

/* Write "prefix: msg" (or just msg when prefix is NULL/empty) into out as
 * one line: newlines and tabs become spaces, the "LINE n: ..." position
 * detail of a query error is left out, trailing spaces are trimmed. An
 * empty msg reads "unknown database error". */
void db_message(char *out, size_t len, const char *prefix, const char *msg);

#endif
