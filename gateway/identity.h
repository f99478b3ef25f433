/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Caller identity and redirection between Q.931 and SIP: presentation and
 * screening indicators <-> From / P-Asserted-Identity / Privacy (RFC 3323,
 * RFC 3325), the redirecting number and reason <-> Diversion (RFC 5806)
 * and History-Info (RFC 7044 with the RFC 4458 cause parameter). Header
 * values are plain strings (without the "Name:" part), numbers E.164.
 * Pure functions; thread-safe. */
#ifndef TANDEM_GATEWAY_IDENTITY_H
#define TANDEM_GATEWAY_IDENTITY_H

#include "gateway/numbers.h"

#include <stdbool.h>
#include <stddef.h>

#define IDENT_NAME_SIZE 128 /* display name (Q.931 Display IE holds at most 82) */
#define IDENT_HDR_SIZE  512 /* one built header value */
#define IDENT_URI_SIZE  256

/* Presentation indicator, Q.931 4.5.10 octet 3a bits 7-6. */
enum ident_pres {
	IDENT_PRES_ALLOWED = 0,
	IDENT_PRES_RESTRICTED = 1,
	IDENT_PRES_UNAVAILABLE = 2, /* number not available due to interworking */
};

/* Screening indicator, Q.931 4.5.10 octet 3a bits 2-1. */
enum ident_screen {
	IDENT_SCREEN_USER_NOT_SCREENED = 0,
	IDENT_SCREEN_USER_PASSED = 1, /* user-provided, verified and passed */
	IDENT_SCREEN_USER_FAILED = 2, /* user-provided, verified and failed */
	IDENT_SCREEN_NETWORK = 3,     /* network provided */
};

/* A calling party as the PRI side sees it. */
struct ident_party {
	char number[NUM_E164_SIZE]; /* E.164, "" = none */
	char name[IDENT_NAME_SIZE]; /* display name, "" = none */
	enum ident_pres pres;
	enum ident_screen screen;
};

/* Privacy header values, RFC 3323 4.2 and RFC 3325 9.3, as bits. */
enum {
	IDENT_PRIV_NONE = 1 << 0,
	IDENT_PRIV_HEADER = 1 << 1,
	IDENT_PRIV_SESSION = 1 << 2,
	IDENT_PRIV_USER = 1 << 3,
	IDENT_PRIV_ID = 1 << 4,
	IDENT_PRIV_CRITICAL = 1 << 5,
};

/* The identity headers of an INVITE toward SIP; "" = leave the header
 * out. The SIP glue adds From's tag. */
struct ident_sip {
	char from[IDENT_HDR_SIZE];
	char pai[IDENT_HDR_SIZE];
	char privacy[32];
};

/* The anonymous From RFC 3323 recommends (section 4.1.1.3). */
#define IDENT_ANONYMOUS_FROM "\"Anonymous\" <sip:anonymous@anonymous.invalid>"

/* Privacy header value ("id;critical", tolerant of ',' and case) -> bits;
 * unknown values are ignored; 0 for NULL or empty. */
unsigned ident_privacy_parse(const char *value);

/* Bits -> "header;id" (RFC 3323 order). Returns 0 or -ENOSPC. */
int ident_privacy_format(unsigned bits, char *buf, size_t len);

/* PSTN -> SIP: the calling party p to the headers (host: the host part
 * of the URIs built). Allowed: From with the number (and name); PAI with
 * it only when the network vouches for it (screening network provided or
 * user-provided verified and passed, as 3GPP TS 29.163 does). Restricted:
 * anonymous From, PAI as above, Privacy: id (RFC 3325 9.3). Unavailable or
 * no number: anonymous From, no PAI. Returns 0, -EINVAL (bad host or
 * number) or -ENOSPC. */
int ident_to_sip(const struct ident_party *p, const char *host, struct ident_sip *out);

/* SIP -> PSTN: the calling party from From, P-Asserted-Identity and
 * Privacy values (each may be NULL). PAI is used only from a trusted peer
 * (an RFC 3325 trust domain) and gives screening "user-provided,
 * verified and passed"; a number from From is "not screened". Privacy id,
 * header or user, or an anonymous From, make it restricted. Local numbers
 * are read with rules (may be NULL). Returns 0 (out->number may be "" if
 * no number was found: then pres is restricted or unavailable), or
 * -EINVAL for a NULL out. */
int ident_from_sip(const char *from, const char *pai, const char *privacy, bool trusted,
		   const struct number_rules *rules, struct ident_party *out);

/* Reasons for redirection: Diversion's reason values (RFC 5806). */
enum ident_redir_reason {
	IDENT_REDIR_UNKNOWN = 0,
	IDENT_REDIR_USER_BUSY,
	IDENT_REDIR_NO_ANSWER,
	IDENT_REDIR_UNCONDITIONAL,
	IDENT_REDIR_DEFLECTION,
	IDENT_REDIR_UNAVAILABLE,
	IDENT_REDIR_TIME_OF_DAY,
	IDENT_REDIR_DO_NOT_DISTURB,
	IDENT_REDIR_FOLLOW_ME,
	IDENT_REDIR_OUT_OF_SERVICE,
	IDENT_REDIR_AWAY,
};

/* Diversion's token ("user-busy"); "unknown" for a value out of range. */
const char *ident_redir_reason_name(enum ident_redir_reason r);
/* Token -> reason (case-insensitive); -EINVAL for an unknown token. */
int ident_redir_reason_parse(const char *token, enum ident_redir_reason *out);

/* The reason for redirection of Q.931's redirecting number IE (octet
 * 3b), as libpri's PRI_REDIR_* values carry it: 0 unknown, 1 busy, 2 no reply,
 * 3 deflection, 9 called DTE out of order, 10 forwarded by the called DTE,
 * 15 unconditional. Reasons Q.931 lacks go out as 0 (unknown); 4 is read
 * as deflection too (see docs/mapping.md). */
int ident_redir_reason_to_q931(enum ident_redir_reason r);
enum ident_redir_reason ident_redir_reason_from_q931(int code);

/* The RFC 4458 cause URI parameter: 404 unknown, 486 busy, 408 no reply,
 * 302 unconditional, 487 deflection during alerting, 480 deflection
 * immediate response, 503 not reachable. from: 0 -> UNKNOWN for others. */
int ident_redir_reason_to_cause(enum ident_redir_reason r);
enum ident_redir_reason ident_redir_reason_from_cause(int cause);

/* One Diversion entry (RFC 5806). */
struct ident_diversion {
	char number[NUM_E164_SIZE]; /* from the URI; "" if it holds none */
	char uri[IDENT_URI_SIZE];   /* as received; built from number when "" */
	char name[IDENT_NAME_SIZE];
	enum ident_redir_reason reason;
	int counter;  /* >= 1 (RFC 5806: 1 when absent) */
	bool privacy; /* privacy=full/name/uri: hide the diverting party */
};

/* Build a Diversion value from n entries, most recent first:
 * `<sip:+44...@host;user=phone>;reason=user-busy;counter=1`, entries
 * comma separated. host is used for entries without a uri. Returns 0,
 * -EINVAL or -ENOSPC. */
int ident_diversion_build(const struct ident_diversion *d, size_t n, const char *host, char *buf, size_t len);

/* Parse a Diversion value into at most max entries (*n: how many),
 * keeping the order (most recent first). Entries that are not a
 * name-addr are skipped; unknown reasons read as UNKNOWN; numbers are
 * read with rules (may be NULL). Returns 0, or -ENOENT if no entry was
 * read. */
int ident_diversion_parse(const char *value, const struct number_rules *rules, struct ident_diversion *d, size_t max,
			  size_t *n);

/* One History-Info entry (RFC 7044). */
struct ident_hi_entry {
	char number[NUM_E164_SIZE]; /* from the URI; "" if none */
	char uri[IDENT_URI_SIZE];   /* without the ?Reason= header; built from number when "" */
	char index[24];             /* "1", "1.1", ... */
	int cause;                  /* RFC 4458 cause URI parameter, 0 = none */
	int reason_sip;             /* ?Reason=SIP;cause=N in the URI, 0 = none */
	int reason_q850;            /* ?Reason=Q.850;cause=N in the URI, 0 = none */
	bool mapped;                /* mp= tag: retargeted to a new user (diversion) */
};

/* Build `<uri?Reason=SIP%3Bcause%3D486>;index=1, <uri;cause=486>;index=1.1;mp=1`
 * from n entries in order. Returns 0, -EINVAL or -ENOSPC. */
int ident_hi_build(const struct ident_hi_entry *e, size_t n, const char *host, char *buf, size_t len);

/* Parse a History-Info value into at most max entries (*n). Returns 0, or
 * -ENOENT if no entry was read. */
int ident_hi_parse(const char *value, const struct number_rules *rules, struct ident_hi_entry *e, size_t max,
		   size_t *n);

/* The redirection as Q.931's redirecting number carries it. */
struct ident_redirect {
	char number[NUM_E164_SIZE]; /* the last diverting party */
	enum ident_pres pres;
	enum ident_redir_reason reason;
	int counter; /* diversions so far, >= 1 */
};

/* Diversion entries -> redirect: the most recent entry gives number and
 * reason, the counters add up (RFC 5806). Returns 0 or -ENOENT (n 0). */
int ident_redirect_from_diversion(const struct ident_diversion *d, size_t n, struct ident_redirect *out);

/* History-Info entries -> redirect: the last entry with a cause parameter
 * is the current target; the entry it was retargeted from (its parent
 * index, else the one before it) is the diverting party; counter = the
 * entries with a cause parameter. Returns 0, or -ENOENT if no entry has a
 * cause parameter. */
int ident_redirect_from_hi(const struct ident_hi_entry *e, size_t n, struct ident_redirect *out);

/* Redirect -> one Diversion entry, and -> two History-Info entries (the
 * diverting party at index 1, the target at 1.1 with cause and mp). */
void ident_redirect_to_diversion(const struct ident_redirect *r, struct ident_diversion *out);
int ident_redirect_to_hi(const struct ident_redirect *r, const char *target_e164, struct ident_hi_entry out[2]);

const char *ident_pres_name(enum ident_pres p);
const char *ident_screen_name(enum ident_screen s);

#endif
