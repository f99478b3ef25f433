/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the channel audit's rules (gateway/span_audit.c), each
 * stuck state and its near misses given as facts, as the audit sees them. */
#include "config.h"

#include "gateway/span_audit.h"
#include "tests/tap.h"

#include <string.h>

#define CLEARING_MS 90000

static const char *check(const struct span_audit_chan *c, unsigned char *orphan)
{
	static char buf[128];

	return span_audit_check(c, orphan, CLEARING_MS, buf, sizeof(buf));
}

int main(void)
{
	unsigned char orphan = 0;
	const char *why;
	struct span_audit_chan idle = {.state = GW_PRI_NULL};
	struct span_audit_chan active = {.state = GW_PRI_ACTIVE, .has_call = 1, .owned = 1, .age_ms = 3600000};

	/* Healthy channels. */
	ok(!check(&idle, &orphan), "an idle channel without an owner is fine");
	ok(!check(&active, &orphan), "an owned active call with a libpri record is fine, however long");

	/* Rule 1: a call state without libpri's call record. */
	{
		struct span_audit_chan c = active;

		c.has_call = 0;
		why = check(&c, &orphan);
		ok(why && strcmp(why, "state Active without a libpri call") == 0, "rule 1: Active without a record: %s",
		   why ? why : "(none)");
		c.state = GW_PRI_CALL_INITIATED;
		why = check(&c, &orphan);
		ok(why && strstr(why, "Call Initiated without a libpri call"), "rule 1: any call state");
		c.restarting = 1;
		ok(!check(&c, &orphan), "rule 1: not while the channel's RESTART is pending");
	}

	/* Rule 2: idle at Q.931, still owned by a call. */
	{
		struct span_audit_chan c = idle;

		c.owned = 1;
		why = check(&c, &orphan);
		ok(why && strcmp(why, "held by a call but idle at Q.931") == 0, "rule 2: owned but idle: %s",
		   why ? why : "(none)");
		c.restarting = 1;
		ok(!check(&c, &orphan), "rule 2: not while restarting (the owner hears the release)");
	}

	/* Rule 3: a call no call owns, at two audits in a row. */
	{
		struct span_audit_chan c = active;

		c.owned = 0;
		orphan = 0;
		ok(!check(&c, &orphan), "rule 3: the first audit only notes it (it may be on its way out)");
		is_int(orphan, 1, "rule 3: noted");
		why = check(&c, &orphan);
		ok(why && strcmp(why, "a call in state Active that no call owns") == 0,
		   "rule 3: the second is stuck: %s", why ? why : "(none)");
		is_int(orphan, 0, "rule 3: the note is cleared after the repair");
		ok(!check(&c, &orphan), "rule 3: a third audit starts over");
		c.owned = 1;
		ok(!check(&c, &orphan), "rule 3: an owner found in between clears the note");
		is_int(orphan, 0, "rule 3: note cleared");
		c.owned = 0;
		c.collecting = 1;
		ok(!check(&c, &orphan) && !check(&c, &orphan), "rule 3: never while overlap digits are collected");
		c.collecting = 0;
		c.state = GW_PRI_DISCONNECT_REQUEST;
		c.age_ms = 1;
		orphan = 0;
		check(&c, &orphan);
		why = check(&c, &orphan);
		ok(why && strstr(why, "Disconnect Request that no call owns"), "rule 3: a clearing call without owner");
	}

	/* Rule 4: clearing for longer than audit_clearing. */
	{
		static const enum gw_pri_state clearing[] = {GW_PRI_DISCONNECT_REQUEST, GW_PRI_DISCONNECT_INDICATION,
							     GW_PRI_RELEASE_REQUEST};
		struct span_audit_chan c = active;

		for (size_t i = 0; i < sizeof(clearing) / sizeof(clearing[0]); i++) {
			c.state = clearing[i];
			c.age_ms = CLEARING_MS;
			ok(!check(&c, &orphan), "rule 4: %s for exactly audit_clearing is not yet stuck",
			   gw_pri_state_name(c.state));
			c.age_ms = CLEARING_MS + 1000;
			why = check(&c, &orphan);
			ok(why && strstr(why, gw_pri_state_name(c.state)) && strstr(why, "for 91 s"),
			   "rule 4: %s for longer: %s", gw_pri_state_name(c.state), why ? why : "(none)");
		}
		c.state = GW_PRI_CALL_DELIVERED;
		ok(!check(&c, &orphan), "rule 4: a long ringing call is not clearing");
	}
	return tap_done();
}
