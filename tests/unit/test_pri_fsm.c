/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the PRI glue's names and its per-channel Q.931 state machine (no libpri I/O). */
#include "config.h"

#include "gateway/pri_glue.h"
#include "tests/tap.h"

#include <errno.h>

/* Run a sequence of events from Null; return the final state or -1. */
static int run(const enum gw_pri_event *ev, int n)
{
	enum gw_pri_state s = GW_PRI_NULL;

	for (int i = 0; i < n; i++)
		if (gw_pri_fsm_next(s, ev[i], &s) < 0)
			return -1;
	return (int)s;
}

#define RUN(...)                                      \
	run((const enum gw_pri_event[]){__VA_ARGS__}, \
	    sizeof((enum gw_pri_event[]){__VA_ARGS__}) / sizeof(enum gw_pri_event))

int main(void)
{
	enum gw_pri_switch sw;
	enum gw_pri_node node;
	enum gw_pri_state s;
	static const char *const names[] = {"ni2", "dms100", "5ess", "4ess", "euroisdn_e1", "euroisdn_t1", "qsig"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok(gw_pri_switch_parse(names[i], &sw) == 0 && strcmp(gw_pri_switch_name(sw), names[i]) == 0,
		   "switch %s round-trips", names[i]);
	is_int(gw_pri_switch_parse("euroisdn", &sw), -EINVAL, "unknown switch name refused");
	is_int(gw_pri_switch_parse("", &sw), -EINVAL, "empty switch name refused");
	is_int(gw_pri_switch_parse("NI2", &sw), -EINVAL, "switch names are exact");
	ok(gw_pri_node_parse("network", &node) == 0 && node == GW_PRI_NETWORK, "node network");
	ok(gw_pri_node_parse("cpe", &node) == 0 && node == GW_PRI_CPE, "node cpe");
	is_int(gw_pri_node_parse("user", &node), -EINVAL, "unknown node refused");

	for (int i = 0; i < GW_PRI_STATE_COUNT; i++)
		ok(strcmp(gw_pri_state_name((enum gw_pri_state)i), "?") != 0, "state %d has a name", i);
	is_str(gw_pri_state_name(GW_PRI_CALL_DELIVERED), "Call Delivered", "U4 is Call Delivered");

	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_PROCEEDING, GW_PRI_EV_ALERTING, GW_PRI_EV_CONNECT), GW_PRI_ACTIVE,
	       "outgoing: SETUP, CALL PROCEEDING, ALERTING, CONNECT -> Active");
	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_PROGRESS, GW_PRI_EV_ALERTING), GW_PRI_CALL_DELIVERED,
	       "PROGRESS keeps the state");
	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_CONNECT, GW_PRI_EV_CMD_HANGUP, GW_PRI_EV_RELEASE), GW_PRI_NULL,
	       "we clear: Disconnect Request, then Null");
	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_DISCONNECT, GW_PRI_EV_CMD_HANGUP), GW_PRI_RELEASE_REQUEST,
	       "far end clears: DISCONNECT, our RELEASE -> Release Request");
	is_int(RUN(GW_PRI_EV_SETUP, GW_PRI_EV_CMD_PROCEEDING, GW_PRI_EV_CMD_ALERTING, GW_PRI_EV_CMD_ANSWER),
	       GW_PRI_CONNECT_REQUEST, "incoming: proceeding, alerting, answer -> Connect Request");
	is_int(RUN(GW_PRI_EV_SETUP, GW_PRI_EV_CMD_ANSWER, GW_PRI_EV_CONNECT_ACK), GW_PRI_ACTIVE,
	       "CONNECT ACKNOWLEDGE -> Active");
	is_int(RUN(GW_PRI_EV_SETUP, GW_PRI_EV_CMD_HANGUP, GW_PRI_EV_RELEASE), GW_PRI_NULL, "incoming rejected");
	is_int(RUN(GW_PRI_EV_CONNECT), -1, "CONNECT in Null is unexpected");
	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_CMD_SETUP), -1, "a second SETUP on a busy channel is refused");
	is_int(RUN(GW_PRI_EV_CMD_HANGUP), -1, "hangup of an idle channel is refused");
	is_int(RUN(GW_PRI_EV_SETUP, GW_PRI_EV_CMD_ANSWER, GW_PRI_EV_CMD_ALERTING), -1,
	       "alerting after answer is refused");
	is_int(RUN(GW_PRI_EV_CMD_SETUP, GW_PRI_EV_CONNECT, GW_PRI_EV_RESTART), GW_PRI_NULL, "RESTART -> Null");
	is_int(gw_pri_fsm_next(GW_PRI_STATE_COUNT, GW_PRI_EV_RELEASE, &s), -EPROTO, "out-of-range state refused");
	return tap_done();
}
