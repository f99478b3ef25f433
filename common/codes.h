/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sets of SIP final statuses written as lists, as settings take them:
 * "200", "400-499", "5xx", and "!408" to take one (or a range, a class)
 * out again. Items are separated by commas; exclusions apply after every
 * inclusion, wherever they stand. */
#ifndef TANDEM_COMMON_CODES_H
#define TANDEM_COMMON_CODES_H

#include <stddef.h>
#include <stdint.h>

/* Statuses 100..699. */
struct sip_codes {
	uint64_t bits[10];
};

/* Parse list into *set. Returns 0, or -EINVAL with why naming the item. */
int sip_codes_parse(const char *list, struct sip_codes *set, char *why, size_t whylen);
/* 1 when status is in the set. */
int sip_codes_has(const struct sip_codes *set, int status);

#endif
