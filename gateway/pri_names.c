/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PRI glue's names: switch types (ours and libpri's), sides, the
 * per-channel states and the events of gateway/pri_glue.h. */
#include "config.h"

#include "gateway/pri_glue.h"

#include <errno.h>
#include <libpri.h>
#include <string.h>

static const struct {
	const char *name;
	enum gw_pri_switch sw;
	int pri_switch;
} switches[] = {
    {"ni2", GW_PRI_SW_NI2, PRI_SWITCH_NI2},
    {"dms100", GW_PRI_SW_DMS100, PRI_SWITCH_DMS100},
    {"5ess", GW_PRI_SW_5ESS, PRI_SWITCH_LUCENT5E},
    {"4ess", GW_PRI_SW_4ESS, PRI_SWITCH_ATT4ESS},
    {"euroisdn_e1", GW_PRI_SW_EUROISDN_E1, PRI_SWITCH_EUROISDN_E1},
    {"euroisdn_t1", GW_PRI_SW_EUROISDN_T1, PRI_SWITCH_EUROISDN_T1},
    {"qsig", GW_PRI_SW_QSIG, PRI_SWITCH_QSIG},
};
#define N_SWITCHES (sizeof(switches) / sizeof(switches[0]))

int gw_pri_switch_parse(const char *name, enum gw_pri_switch *out)
{
	for (size_t i = 0; i < N_SWITCHES; i++) {
		if (strcmp(name, switches[i].name) == 0) {
			*out = switches[i].sw;
			return 0;
		}
	}
	return -EINVAL;
}

const char *gw_pri_switch_name(enum gw_pri_switch sw)
{
	for (size_t i = 0; i < N_SWITCHES; i++)
		if (switches[i].sw == sw)
			return switches[i].name;
	return "?";
}

int gw_pri_switch_libpri(enum gw_pri_switch sw)
{
	for (size_t i = 0; i < N_SWITCHES; i++)
		if (switches[i].sw == sw)
			return switches[i].pri_switch;
	return -1;
}

/* chan_dahdi's service_message_support list: the AT&T and Bellcore
 * maintenance procedures (protocol discriminator 3, NI2: 0x43). */
int gw_pri_switch_has_service(enum gw_pri_switch sw)
{
	return sw == GW_PRI_SW_NI2 || sw == GW_PRI_SW_5ESS || sw == GW_PRI_SW_4ESS;
}

int gw_pri_node_parse(const char *name, enum gw_pri_node *out)
{
	if (strcmp(name, "cpe") == 0)
		*out = GW_PRI_CPE;
	else if (strcmp(name, "network") == 0)
		*out = GW_PRI_NETWORK;
	else
		return -EINVAL;
	return 0;
}

const char *gw_pri_node_name(enum gw_pri_node node)
{
	return node == GW_PRI_NETWORK ? "network" : "cpe";
}

static const char *const state_names[GW_PRI_STATE_COUNT] = {
    [GW_PRI_NULL] = "Null",
    [GW_PRI_CALL_INITIATED] = "Call Initiated",
    [GW_PRI_OUTGOING_CALL_PROCEEDING] = "Outgoing Call Proceeding",
    [GW_PRI_CALL_DELIVERED] = "Call Delivered",
    [GW_PRI_CALL_PRESENT] = "Call Present",
    [GW_PRI_CALL_RECEIVED] = "Call Received",
    [GW_PRI_CONNECT_REQUEST] = "Connect Request",
    [GW_PRI_INCOMING_CALL_PROCEEDING] = "Incoming Call Proceeding",
    [GW_PRI_ACTIVE] = "Active",
    [GW_PRI_DISCONNECT_REQUEST] = "Disconnect Request",
    [GW_PRI_DISCONNECT_INDICATION] = "Disconnect Indication",
    [GW_PRI_RELEASE_REQUEST] = "Release Request",
    [GW_PRI_OVERLAP_SENDING] = "Overlap Sending",
    [GW_PRI_OVERLAP_RECEIVING] = "Overlap Receiving",
};

const char *gw_pri_state_name(enum gw_pri_state s)
{
	return (unsigned)s < GW_PRI_STATE_COUNT ? state_names[s] : "?";
}

static const char *const event_names[GW_PRI_EV_COUNT] = {
    [GW_PRI_EV_CMD_SETUP] = "cmd-setup",
    [GW_PRI_EV_CMD_PROCEEDING] = "cmd-proceeding",
    [GW_PRI_EV_CMD_ALERTING] = "cmd-alerting",
    [GW_PRI_EV_CMD_ANSWER] = "cmd-answer",
    [GW_PRI_EV_CMD_HANGUP] = "cmd-hangup",
    [GW_PRI_EV_SETUP] = "SETUP",
    [GW_PRI_EV_PROCEEDING] = "CALL PROCEEDING",
    [GW_PRI_EV_PROGRESS] = "PROGRESS",
    [GW_PRI_EV_ALERTING] = "ALERTING",
    [GW_PRI_EV_CONNECT] = "CONNECT",
    [GW_PRI_EV_CONNECT_ACK] = "CONNECT ACKNOWLEDGE",
    [GW_PRI_EV_DISCONNECT] = "DISCONNECT",
    [GW_PRI_EV_RELEASE] = "RELEASE",
    [GW_PRI_EV_RESTART] = "RESTART",
    [GW_PRI_EV_CMD_MORE_INFO] = "cmd-more-info",
    [GW_PRI_EV_CMD_INFO] = "cmd-info",
    [GW_PRI_EV_SETUP_ACK] = "SETUP ACKNOWLEDGE",
    [GW_PRI_EV_INFO] = "INFORMATION",
};

const char *gw_pri_event_name(enum gw_pri_event e)
{
	return (unsigned)e < GW_PRI_EV_COUNT ? event_names[e] : "?";
}
