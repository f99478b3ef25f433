/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing an SDP body into a caller's buffer (gateway/media_sdp.c,
 * gateway/media_t38sdp.c): put() appends; the first overflow sticks as
 * -ENOSPC in err and later puts do nothing. */
#ifndef TANDEM_GW_SDP_OUT_H
#define TANDEM_GW_SDP_OUT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct out {
	char *buf;
	size_t size, len;
	int err;
};

static inline void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->err = -ENOSPC;
	else
		o->len += (size_t)n;
}

#endif
