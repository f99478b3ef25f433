/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between the SIP glue (gateway/sip.c) and its client requests
 * (gateway/sip_client.c): the nua they share and the events of requests
 * the gateway sends on its own behalf. */
#ifndef TANDEM_GW_SIP_INT_H
#define TANDEM_GW_SIP_INT_H

struct gw_sip;
struct nua_s;
struct nua_handle_s;
struct sip_s;

struct nua_s *gw_sip_nua(struct gw_sip *sip);
/* Our listen address ("127.0.0.1:5060"), for Contact headers. */
const char *gw_sip_listen_addr(const struct gw_sip *sip);

/* A nua_r_options, nua_r_method or nua_r_authenticate event: the handle's
 * magic is a struct gw_sip_req (or NULL once given up). */
void gw_sip_client_event(struct gw_sip *sip, int event, int status, const char *phrase, struct nua_handle_s *nh,
			 void *hmagic, const struct sip_s *msg);

#endif
