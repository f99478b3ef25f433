/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing an error message into a caller's buffer (char *err, size_t
 * errlen), the way every module that explains a refusal does. */
#ifndef TANDEM_ERRBUF_H
#define TANDEM_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Format into err (a NULL err or a zero errlen is a no-op). */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void errbuf_vset(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
