/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl status: the running daemon's own view, over the control socket. */
#include "config.h"

#include "common/ctl.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROV_CTL_TIMEOUT_MS 5000

int prov_status(struct prov_ctx *ctx, int argc, char **argv)
{
	struct ctl_reply reply;
	char *text;
	size_t len;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "tandemctl: status: unexpected argument \"%s\"\n", argv[1]);
		return PROV_USAGE;
	}
	rc = ctl_request(ctx->socket, "status\n", PROV_CTL_TIMEOUT_MS, &text, &len);
	if (rc < 0) {
		fprintf(stderr, "tandemctl: cannot reach tandemd at %s: %s (is it running?)\n", ctx->socket,
			strerror(-rc));
		return PROV_REFUSED;
	}
	rc = ctl_reply_parse(text, len, &reply);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "tandemctl: malformed reply from tandemd at %s\n", ctx->socket);
		return PROV_REFUSED;
	}
	if (!reply.ok) {
		fprintf(stderr, "tandemctl: tandemd: %s\n", reply.error);
		ctl_reply_free(&reply);
		return PROV_REFUSED;
	}
	if (ctx->json) {
		ctl_reply_print_json(stdout, &reply);
	} else {
		for (size_t i = 0; i < reply.ntables; i++)
			ctl_table_print(stdout, &reply.tables[i]);
	}
	ctl_reply_free(&reply);
	return PROV_OK;
}
