/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for SIP requests as our code sees them: Sofia-SIP
 * parses the input (msg_make, as nua does), then the code that tandemd
 * runs on what it parsed: the header values and SDP body it hands the
 * call layer (gateway/sip_msg.c), the called number (numbers.c), the
 * caller's identity from From/P-Asserted-Identity/Privacy and the
 * redirection from Diversion/History-Info (identity.c, redirect.c), the
 * offer (media_sdp.c), digest credentials (auth.c) and a REGISTER's
 * Contacts (registrar.c). Whatever they return must stay in bounds, and
 * nothing we keep may carry a line break into a header we write. */
#include "config.h"

#include "gateway/auth.h"
#include "gateway/identity.h"
#include "gateway/media_sdp.h"
#include "gateway/numbers.h"
#include "gateway/registrar.h"
#include "gateway/sip_msg.h"

#include <errno.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One known user, so that well-formed credentials reach the HA1 check. */
static int lookup(void *arg, const char *user, const char *realm, char ha1[33], int64_t *customer_id)
{
	(void)arg;
	if (strcmp(user, "alice") != 0 || strcmp(realm, "tandem") != 0)
		return -1;
	memcpy(ha1, "8f8a3ab3bd1a4b38b6c6f7e1b5f2d3c4", 33);
	*customer_id = 7;
	return 0;
}

static void no_break(const char *s, size_t max)
{
	if (memchr(s, '\0', max) == NULL || strpbrk(s, "\r\n"))
		abort();
}

static void identity(sip_t const *sip)
{
	char pai[512], privacy[128], div[1024], hist[1024], from[300], callee[NUM_E164_SIZE];
	struct ident_party party;
	struct ident_diversion d[4];
	struct ident_hi_entry h[8];
	struct ident_redirect r;
	struct ident_sip out;
	size_t n = 0;

	gw_sip_header_values(sip, "P-Asserted-Identity", pai, sizeof(pai));
	gw_sip_privacy_values(sip, privacy, sizeof(privacy));
	gw_sip_header_values(sip, "Diversion", div, sizeof(div));
	gw_sip_header_values(sip, "History-Info", hist, sizeof(hist));
	if (sip->sip_request->rq_url->url_user &&
	    num_from_uri(sip->sip_request->rq_url->url_user, NULL, callee, sizeof(callee)) == 0 && !num_is_e164(callee))
		abort(); /* a called number we accept is E.164 */
	snprintf(from, sizeof(from), "\"%s\" <sip:%s@192.0.2.1>",
		 sip->sip_from && sip->sip_from->a_display ? sip->sip_from->a_display : "",
		 sip->sip_from && sip->sip_from->a_url->url_user ? sip->sip_from->a_url->url_user : "");
	for (int trusted = 0; trusted < 2; trusted++) {
		if (ident_from_sip(from, pai[0] ? pai : NULL, privacy[0] ? privacy : NULL, trusted, NULL, &party) != 0)
			abort();
		if (party.number[0] && !num_is_e164(party.number))
			abort();
		/* what we would send on: no header injection */
		if (ident_to_sip(&party, "192.0.2.1", &out) == 0) {
			no_break(out.from, sizeof(out.from));
			no_break(out.pai, sizeof(out.pai));
			no_break(out.privacy, sizeof(out.privacy));
		}
	}
	if (div[0] && ident_diversion_parse(div, NULL, d, 4, &n) == 0) {
		if (n < 1 || n > 4)
			abort();
		if (ident_redirect_from_diversion(d, n, &r) == 0) {
			char back[600];
			struct ident_diversion one;

			ident_redirect_to_diversion(&r, &one);
			if (ident_diversion_build(&one, 1, "192.0.2.1", back, sizeof(back)) == 0)
				no_break(back, sizeof(back));
		}
	}
	if (hist[0] && ident_hi_parse(hist, NULL, h, 8, &n) == 0) {
		if (n < 1 || n > 8)
			abort();
		ident_redirect_from_hi(h, n, &r);
	}
}

static void offer(sip_t const *sip)
{
	static char sdp[8192];
	struct media_sdp_info in;

	gw_sip_body_sdp(sip, sdp, sizeof(sdp));
	if (strlen(sdp) >= sizeof(sdp))
		abort();
	if (sdp[0] && media_sdp_parse(sdp, strlen(sdp), MEDIA_CODEC_PCMA | MEDIA_CODEC_PCMU, &in) == 0 &&
	    (in.pt != RTP_PT_PCMA && in.pt != RTP_PT_PCMU))
		abort();
}

static void credentials(sip_t const *sip)
{
	static struct gw_auth *auth;
	char user[128];
	int64_t cust = 0;

	if (!auth && !(auth = gw_auth_new("tandem", 300)))
		abort();
	for (sip_authorization_t const *a = sip->sip_proxy_authorization; a; a = a->au_next) {
		if (!a->au_scheme || strcasecmp(a->au_scheme, "Digest") != 0)
			continue;
		enum gw_auth_result r = gw_auth_check(auth, a->au_params, sip->sip_request->rq_method_name, 1700000000,
						      lookup, NULL, user, sizeof(user), &cust);
		if (r == GW_AUTH_OK)
			abort(); /* no nonce of ours was ever issued at that time with a right response */
	}
}

static void contacts(sip_t const *sip)
{
	struct gw_registrar *reg = gw_reg_new();
	const struct gw_reg_binding *b[16];
	char uri[256];
	size_t n;

	if (!reg)
		abort();
	for (sip_contact_t const *m = sip->sip_contact; m; m = m->m_next) {
		if (m->m_url->url_type == url_any)
			continue;
		url_e(uri, sizeof(uri), m->m_url);
		uri[sizeof(uri) - 1] = '\0';
		int rc = gw_reg_update(reg, 7, "sip:alice@tandem", uri, m->m_url->url_user, m->m_url->url_host,
				       m->m_url->url_port ? (unsigned)atoi(m->m_url->url_port) : 0, "203.0.113.9", 5060,
				       "udp", sip->sip_call_id ? sip->sip_call_id->i_id : "", 600, 1700000000);

		if (rc < 0 && rc != -EINVAL)
			abort(); /* -EINVAL: a control character, refused (400) */
	}
	n = gw_reg_lookup(reg, 7, NULL, 1700000000, b, 16);
	for (size_t i = 0; i < n; i++) {
		no_break(b[i]->contact, strlen(b[i]->contact) + 1);
		no_break(b[i]->target, strlen(b[i]->target) + 1);
		if (strncasecmp(b[i]->target, "sip", 3) != 0)
			abort(); /* calls go to a SIP URI */
	}
	gw_reg_free(reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msg_t *msg;
	sip_t *sip;

	static char text[16385];

	if (size > 16384)
		return 0; /* tandemd refuses bigger messages (413) before parsing */
	/* nta refuses a Content-Length beyond its maximum size (413) before
	 * the parser sizes a body by it; msg_make has no such limit. */
	memcpy(text, data, size);
	text[size] = '\0';
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		if ((strncasecmp(p + 1, "content-length", 14) == 0 || strncasecmp(p + 1, "l ", 2) == 0 ||
		     strncasecmp(p + 1, "l:", 2) == 0) &&
		    strtoul(p + 1 + strcspn(p + 1, ":") + (p[1 + strcspn(p + 1, ":")] ? 1 : 0), NULL, 10) > 16384)
			return 0;
	msg = msg_make(sip_default_mclass(), 0, data, (ssize_t)size);
	sip = msg ? sip_object(msg) : NULL;
	if (sip && sip->sip_request && !sip->sip_error) {
		identity(sip);
		offer(sip);
		credentials(sip);
		contacts(sip);
	}
	msg_destroy(msg);
	return 0;
}
