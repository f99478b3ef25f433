/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Telephone numbers at the edges: inside the gateway every number is
 * E.164 ('+' and 1-15 digits, as the database's e164 domain). The PRI side
 * carries digits with a Q.931 type of number and numbering plan (Q.931
 * 4.5.10), normalized with per-trunk/per-span rules; the SIP side carries
 * sip:/tel: URIs (RFC 3261 19.1.6, RFC 3966). Pure functions of plain
 * values; thread-safe. */
#ifndef TANDEM_GATEWAY_NUMBERS_H
#define TANDEM_GATEWAY_NUMBERS_H

#include <stddef.h>

#define NUM_E164_DIGITS 15                    /* ITU-T E.164 section 6 */
#define NUM_E164_SIZE   (NUM_E164_DIGITS + 2) /* '+', digits, NUL */
#define NUM_DIGITS_SIZE 32                    /* PRI digits with prefixes, NUL */

/* Type of number, Q.931 4.5.10 octet 3 bits 7-5 (values as on the wire). */
enum num_ton {
	NUM_TON_UNKNOWN = 0,
	NUM_TON_INTERNATIONAL = 1,
	NUM_TON_NATIONAL = 2,
	NUM_TON_NETWORK = 3, /* network-specific */
	NUM_TON_SUBSCRIBER = 4,
	NUM_TON_ABBREVIATED = 6,
};

/* Numbering plan identification, Q.931 4.5.10 octet 3 bits 4-1. */
enum num_npi {
	NUM_NPI_UNKNOWN = 0,
	NUM_NPI_E164 = 1, /* ISDN/telephony, E.164 */
	NUM_NPI_DATA = 3, /* X.121 */
	NUM_NPI_TELEX = 4,
	NUM_NPI_NATIONAL = 8,
	NUM_NPI_PRIVATE = 9,
};

/* How numbers are sent to the carrier (num_to_pri). */
enum num_format {
	NUM_FMT_INTERNATIONAL = 0, /* TON international, country code + number */
	NUM_FMT_NATIONAL = 1,      /* TON national in our country, else international */
	NUM_FMT_UNKNOWN = 2,       /* TON unknown, prefixes spelled out: 0..., 00... */
};

/* A trunk's or span's numbering rules. A plain value: copy with '='. */
struct number_rules {
	char cc[4];      /* country code, 1-3 digits ("44"); "" = none (national numbers refused) */
	char area[8];    /* area code for subscriber numbers (TON subscriber); "" = none */
	char natpfx[4];  /* national (trunk) prefix, "0" or "1"; may be "" */
	char intlpfx[5]; /* international prefix, "00" or "011"; may be "" */
	enum num_format format;
	enum num_npi npi; /* plan sent: E.164 or unknown */
	unsigned strip;   /* leading digits removed from a received number ... */
	char add[16];     /* ... then these digits put in front, before reading it */
};

/* A number as Q.931 carries it. */
struct num_q931 {
	char digits[NUM_DIGITS_SIZE];
	enum num_ton ton;
	enum num_npi npi;
};

/* Defaults: no country, natpfx "0", intlpfx "00", format international,
 * plan E.164, strip 0, add "". */
void num_rules_init(struct number_rules *r);

/* Parse the compact text form used in configuration and the database:
 * comma-separated key=value, keys cc, area, natpfx, intlpfx, format
 * (international|national|unknown), npi (e164|unknown), strip (0-15),
 * add; unnamed keys keep their defaults, e.g.
 * "cc=44,natpfx=0,intlpfx=00,format=national,strip=0,add=". Spaces around
 * items are ignored. Returns 0 and fills *r, or -EINVAL with a message
 * naming the field in err (may be NULL); *r is then unchanged. */
int num_rules_parse(const char *text, struct number_rules *r, char *err, size_t errlen);

/* Write the compact form of r (every key), which num_rules_parse reads
 * back to the same rules. Returns 0 or -ENOSPC. */
int num_rules_format(const struct number_rules *r, char *buf, size_t len);

/* Whether s is an E.164 number: '+', a digit 1-9, at most 15 digits in
 * all, at least 2 (the database's e164 domain). */
int num_is_e164(const char *s);

/* A received number to E.164. digits (0-9 only) are first stripped and
 * prefixed per the rules, then read by TON: international as is; national
 * after the country code (a national prefix sent anyway is dropped);
 * subscriber after country and area codes; unknown by its prefixes
 * (international prefix, then national prefix, else a national number).
 * Returns 0 and out ('+' digits), -EINVAL (bad digits, a TON that needs a
 * country or area code the rules lack, a result that is not E.164), or
 * -ENOTSUP (network-specific or abbreviated TON, or a private, data or
 * telex plan, which have no E.164 form). */
int num_from_pri(const struct number_rules *r, const char *digits, enum num_ton ton, enum num_npi npi, char *out,
		 size_t len);

/* An E.164 number to the carrier's format (rules->format, rules->npi).
 * Returns 0 and *out, or -EINVAL (not E.164, or format unknown for a
 * foreign number without an international prefix / a national one
 * without a country code in the rules). */
int num_to_pri(const struct number_rules *r, const char *e164, struct num_q931 *out);

/* The number in a SIP or tel URI, or a bare user part:
 *   sip:+44-20-7946-0000@host;user=phone    <tel:+1.212.555.0100>
 *   tel:5550100;phone-context=+1212         sips:0044207...@host
 *   "Bob" <sip:020...@host>
 * Visual separators - . ( ) and %-escapes are undone (RFC 3966 5.1.1);
 * URI parameters other than phone-context (isub, ext...) are dropped. A
 * global number ('+') is taken as is; a local one is prefixed by a
 * phone-context that is a global number (RFC 3966 5.1.5), else read with
 * rules as a received number of TON unknown, strip and add included
 * (rules may be NULL: local numbers refused). Returns 0 and out, -EINVAL
 * (no number: letters, '*', '#', empty), or what num_from_pri returns. */
int num_from_uri(const char *uri, const struct number_rules *r, char *out, size_t len);

/* "sip:+NUMBER@host;user=phone" (RFC 3261 19.1.6). Returns 0, -EINVAL
 * (not E.164, or an empty or unsafe host) or -ENOSPC. */
int num_to_sip_uri(const char *e164, const char *host, char *buf, size_t len);

/* Names for logs: "international", "national"... / "e164", "private"...;
 * "?" for a value out of range. */
const char *num_ton_name(enum num_ton ton);
const char *num_npi_name(enum num_npi npi);

#endif
