/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ISUP codec: address signals (BCD digits) and the number parameters. */
#include "config.h"

#include "isup/tisup_int.h"

#include <errno.h>
#include <string.h>

static const char nibble_chars[] = "0123456789ABCDEF";

/* Q.763 3.9 e): 0000-1001 digits 0-9, 1011 code 11, 1100 code 12,
 * 1111 ST; the others are spare but kept so a transit call is faithful. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c == '*')
		return 0xb;
	if (c == '#')
		return 0xc;
	return -1;
}

int tisup_digits_pack(const char *digits, uint8_t *out, size_t size, int *odd)
{
	size_t nd = strlen(digits), i;

	if (nd > TISUP_MAX_DIGITS || (nd + 1) / 2 > size)
		return -EINVAL;
	for (i = 0; i < nd; i++) {
		int d = digit_value(digits[i]);

		if (d < 0)
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)d; /* the filler of an odd count stays 0 */
		else
			out[i / 2] |= (uint8_t)(d << 4);
	}
	*odd = (int)(nd % 2);
	return (int)((nd + 1) / 2);
}

void tisup_digits_unpack(const uint8_t *p, size_t nd, char *digits)
{
	size_t i;

	for (i = 0; i < nd; i++)
		digits[i] = nibble_chars[(i % 2 == 0) ? (p[i / 2] & 0x0f) : (p[i / 2] >> 4)];
	digits[nd] = '\0';
}

/* Header octets before the digits, by kind. */
static size_t header_len(enum tisup_num_kind kind)
{
	switch (kind) {
	case TISUP_NUM_GENERIC:
		return 3;
	case TISUP_NUM_SUBSEQUENT:
		return 1;
	case TISUP_NUM_PLAIN:
	default:
		return 2;
	}
}

int tisup_number_decode(struct tisup_number *n, enum tisup_num_kind kind, const uint8_t *v, size_t len)
{
	struct tisup_number tmp;
	size_t hdr = header_len(kind), nd;
	const uint8_t *p = v;
	int odd;

	if (len < hdr)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (kind == TISUP_NUM_GENERIC)
		tmp.qualifier = *p++;
	odd = (*p & 0x80) != 0;
	if (kind != TISUP_NUM_SUBSEQUENT) {
		tmp.nai = *p++ & 0x7f;
		tmp.flag = (uint8_t)(*p >> 7);
		tmp.npi = (*p >> 4) & 0x07;
		tmp.pres = (*p >> 2) & 0x03;
		tmp.screen = *p & 0x03;
	}
	p++;
	nd = (len - hdr) * 2;
	if (odd) {
		if (nd == 0)
			return -EINVAL; /* odd count of no digit */
		nd--;
	}
	if (nd > TISUP_MAX_DIGITS)
		return -EINVAL;
	tisup_digits_unpack(p, nd, tmp.digits);
	*n = tmp;
	return 0;
}

int tisup_number_encode(const struct tisup_number *n, enum tisup_num_kind kind, uint8_t *out, size_t size)
{
	size_t hdr = header_len(kind);
	uint8_t *p = out;
	int odd = 0, nb;

	if (size < hdr || memchr(n->digits, '\0', sizeof(n->digits)) == NULL)
		return -EINVAL;
	nb = tisup_digits_pack(n->digits, out + hdr, size - hdr, &odd);
	if (nb < 0)
		return nb;
	if (kind == TISUP_NUM_GENERIC)
		*p++ = n->qualifier;
	if (kind == TISUP_NUM_SUBSEQUENT) {
		*p = (uint8_t)(odd << 7);
	} else {
		*p++ = (uint8_t)((odd << 7) | (n->nai & 0x7f));
		*p = (uint8_t)(((n->flag & 1) << 7) | ((n->npi & 7) << 4) | ((n->pres & 3) << 2) | (n->screen & 3));
	}
	return (int)hdr + nb;
}

void tisup_number_print(const struct tisup_number *n, enum tisup_num_kind kind, struct tisup_sbuf *sb)
{
	if (kind == TISUP_NUM_GENERIC)
		tisup_sb_printf(sb, "qualifier=%u ", n->qualifier);
	if (kind != TISUP_NUM_SUBSEQUENT)
		tisup_sb_printf(sb, "nai=%u npi=%u flag=%u pres=%u screen=%u ", n->nai, n->npi, n->flag, n->pres,
				n->screen);
	tisup_sb_printf(sb, "digits=\"%s\"", n->digits);
}
