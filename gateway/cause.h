/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Q.850 cause values <-> SIP status codes (RFC 3398 sections 7.2.4.1 and
 * 8.2.6.1 as the default tables, per-trunk overrides from table
 * cause_maps), Q.850 cause names, the Reason header (RFC 3326, RFC 6432)
 * and the CDR disposition of a call's end. Pure functions of plain values:
 * no I/O, no locks, callable from any thread. */
#ifndef TANDEM_GATEWAY_CAUSE_H
#define TANDEM_GATEWAY_CAUSE_H

#include "db/cdr.h"

#include <stdbool.h>
#include <stddef.h>

/* Q.850 cause values the call layer names in code (Q.850 table 1). */
enum {
	CAUSE_UNALLOCATED = 1,
	CAUSE_NO_ROUTE_DESTINATION = 3,
	CAUSE_NORMAL_CLEARING = 16,
	CAUSE_USER_BUSY = 17,
	CAUSE_NO_USER_RESPONSE = 18,
	CAUSE_NO_ANSWER = 19,
	CAUSE_SUBSCRIBER_ABSENT = 20,
	CAUSE_CALL_REJECTED = 21,
	CAUSE_INVALID_NUMBER_FORMAT = 28,
	CAUSE_EXCHANGE_ROUTING_ERROR = 25,
	CAUSE_NORMAL_UNSPECIFIED = 31,
	CAUSE_NO_CIRCUIT = 34,
	CAUSE_NETWORK_OUT_OF_ORDER = 38,
	CAUSE_TEMPORARY_FAILURE = 41,
	CAUSE_CONGESTION = 42,
	CAUSE_BEARER_NOT_IMPLEMENTED = 65,
	CAUSE_SERVICE_NOT_IMPLEMENTED = 79,
	CAUSE_INVALID_MESSAGE = 95,
	CAUSE_RECOVERY_ON_TIMER_EXPIRY = 102,
	CAUSE_INTERWORKING = 127,
};

/* cause_to_sip()'s answer for cause 16 without an override: clear with a
 * BYE (or CANCEL), not a response (RFC 3398 7.2.4.1, note (*)). */
#define CAUSE_SIP_BYE 0

/* Direction of an override row, as cause_maps.direction spells it. */
enum cause_dir {
	CAUSE_Q850_TO_SIP = 1, /* 'q850_to_sip': a DISCONNECT/REL cause -> SIP status */
	CAUSE_SIP_TO_Q850 = 2, /* 'sip_to_q850': a SIP final response -> cause */
};

/* One trunk's overrides (the rows of cause_maps for one trunk_id).
 * Opaque; built once by the loader, then read-only, so one map can be
 * shared by every call on the trunk (and across threads). */
struct cause_map;

/* Allocate an empty map. Returns 0 and *out (owned by the caller, freed
 * with cause_map_free), or -ENOMEM. */
int cause_map_new(struct cause_map **out);
void cause_map_free(struct cause_map *m);

/* Add one row. cause 1..127, status 400..699 (the table's CHECKs).
 * q850_to_sip rows key on the cause, sip_to_q850 rows on the status; a
 * second row with the same key and a different value is refused, since
 * the database would not say which one wins.
 * Returns 0, -EINVAL (bad value or direction) or -EEXIST (conflict). */
int cause_map_add(struct cause_map *m, enum cause_dir dir, int cause, int status);

/* "q850_to_sip" / "sip_to_q850" -> enum cause_dir; -EINVAL otherwise. */
int cause_dir_parse(const char *s, enum cause_dir *out);

/* Number of rows in the map (0 for NULL). */
size_t cause_map_size(const struct cause_map *m);

/* A Q.850 cause (1..127) to the SIP final response to send. The override
 * map (may be NULL) wins; otherwise RFC 3398 7.2.4.1; a cause that table
 * does not list maps as its class does. Returns a status 400..699,
 * CAUSE_SIP_BYE for cause 16 (no response: BYE/CANCEL), or -EINVAL for a
 * value outside 1..127. */
int cause_to_sip(const struct cause_map *m, int cause);

/* As cause_to_sip, but always a status: for a call that has to be
 * answered with a final response (an INVITE not yet answered), cause 16
 * without an override gives 480, the answer for its class (cause 31). */
int cause_to_sip_final(const struct cause_map *m, int cause);

/* A SIP final failure status (400..699) to a Q.850 cause 1..127. The
 * override map (may be NULL) wins; otherwise RFC 3398 8.2.6.1; a status
 * that table does not list maps as the x00 of its class (RFC 3261
 * 8.1.3.2). The caller that itself sent the CANCEL a 487 answers should
 * use 16 (normal call clearing) instead. Returns the cause, or -EINVAL for
 * a status outside 400..699. */
int cause_from_sip(const struct cause_map *m, int status);

/* The Q.850 text of a cause ("User busy"), for every value Q.850 (and its
 * amendment 1) assigns; NULL for unassigned values and out of range.
 * Static storage. */
const char *cause_name(int cause);

/* Write a Reason header value, `Q.850;cause=17;text="User busy"` (RFC
 * 3326 section 2; the text is left out for an unassigned cause). Returns
 * 0, -EINVAL (cause outside 1..127) or -ENOSPC (buf too small; buf then
 * holds ""). */
int cause_reason_header(int cause, char *buf, size_t len);

/* A received Reason header value. Several reasons may be comma
 * separated (RFC 3326: one per protocol); the Q.850 one is what a gateway
 * wants (RFC 6432), the SIP one is kept too (a CANCEL's "SIP;cause=200"). */
struct cause_reason {
	int q850_cause; /* 1..127, or 0 if no Q.850 reason */
	int sip_cause;  /* SIP status of a "SIP" reason, or 0 */
	char text[128]; /* text= of the reason chosen (Q.850 first), unquoted */
};

/* Parse a Reason header value (a leading "Reason:" is allowed). Tolerant:
 * case-insensitive names, spaces around ';' and '=', unknown protocols,
 * parameters and malformed elements are skipped, text may be unquoted.
 * Returns 0 if a Q.850 or SIP reason was found (fields above), -ENOENT if
 * none was, -EINVAL for a NULL argument. */
int cause_reason_parse(const char *value, struct cause_reason *out);

/* The CDR disposition of a leg that ended with code: a Q.850 cause
 * (1..127) or a SIP status (100..699). An answered leg is ANSWERED
 * whatever it ended with; otherwise 2xx answered, 16 and 487 cancelled,
 * 17/486/600 busy, 18/19/408/480 no answer, rejections (21, barring;
 * 401/402/403/407/603) rejected, everything else failed. */
enum cdr_disposition cause_disposition(int code, bool answered);

#endif
