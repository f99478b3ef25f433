/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl status, and the live views calls, spans, registrations and
 * trunks (with trunk_members): the
 * running daemon's own view, over the control socket. */
#include "config.h"

#include "common/ctl.h"
#include "provisioning/prov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROV_CTL_TIMEOUT_MS 5000

/* Keep the rows of t whose first cell is key; returns how many. */
static size_t prov_keep_rows(struct ctl_table *t, const char *key)
{
	size_t kept = 0;

	for (size_t r = 0; r < t->nrows; r++) {
		char **row = t->cells + r * t->ncols;

		if (t->ncols == 0 || strcmp(row[0], key) != 0) {
			for (size_t c = 0; c < t->ncols; c++)
				free(row[c]);
			continue;
		}
		memmove(t->cells + kept * t->ncols, row, t->ncols * sizeof(char *));
		kept++;
	}
	t->nrows = kept;
	return kept;
}

/* Send req to the daemon and read its reply into *reply. PROV_OK, or
 * PROV_REFUSED after saying why (what: the message's prefix for the
 * daemon's own refusal). */
static int prov_ctl_ask(struct prov_ctx *ctx, const char *req, const char *what, struct ctl_reply *reply)
{
	char *text;
	size_t len;
	int rc = ctl_request(ctx->socket, req, PROV_CTL_TIMEOUT_MS, &text, &len);

	if (rc < 0) {
		fprintf(stderr, "tandemctl: cannot reach tandemd at %s: %s (is it running?)\n", ctx->socket,
			strerror(-rc));
		return PROV_REFUSED;
	}
	rc = ctl_reply_parse(text, len, reply);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "tandemctl: malformed reply from tandemd at %s\n", ctx->socket);
		return PROV_REFUSED;
	}
	if (!reply->ok) {
		fprintf(stderr, "tandemctl: %s: %s\n", what, reply->error);
		ctl_reply_free(reply);
		return PROV_REFUSED;
	}
	return PROV_OK;
}

/* Print the daemon's status reply: every table, or only the one called
 * only (NULL: all). */
static int prov_status_tables(struct prov_ctx *ctx, int argc, char **argv, const char *only, const char *span)
{
	struct ctl_reply reply;
	int rc;

	if (argc > (span ? 2 : 1)) {
		fprintf(stderr, "tandemctl: %s: unexpected argument \"%s\"\n", argv[0], argv[1]);
		return PROV_USAGE;
	}
	if ((rc = prov_ctl_ask(ctx, "status\n", "tandemd", &reply)) != PROV_OK)
		return rc;
	if (only) {
		/* keep only the tables named in only, a space-separated list, in
		 * its order (the others are freed with the reply) */
		size_t kept = 0;
		char name[64];

		for (const char *p = only; *p; p += strspn(p, " ")) {
			size_t n = strcspn(p, " "), i;

			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			p += n;
			for (i = kept; i < reply.ntables && strcmp(reply.tables[i].name, name) != 0; i++)
				;
			if (i == reply.ntables) {
				fprintf(stderr, "tandemctl: %s: tandemd sent no %s table\n", argv[0], name);
				ctl_reply_free(&reply);
				return PROV_REFUSED;
			}
			struct ctl_table t = reply.tables[kept];
			reply.tables[kept] = reply.tables[i];
			reply.tables[i] = t;
			kept++;
		}
		if (span && prov_keep_rows(&reply.tables[0], span) == 0) {
			fprintf(stderr, "tandemctl: %s: tandemd has no span \"%s\"\n", argv[0], span);
			ctl_reply_free(&reply);
			return PROV_REFUSED;
		}
		struct ctl_reply some = reply;
		some.ntables = kept;
		if (ctx->json)
			ctl_reply_print_json(stdout, &some);
		else
			for (size_t i = 0; i < kept; i++)
				ctl_table_print(stdout, &some.tables[i]);
	} else if (ctx->json) {
		ctl_reply_print_json(stdout, &reply);
	} else {
		for (size_t i = 0; i < reply.ntables; i++)
			ctl_table_print(stdout, &reply.tables[i]);
	}
	ctl_reply_free(&reply);
	return PROV_OK;
}

int prov_status(struct prov_ctx *ctx, int argc, char **argv)
{
	return prov_status_tables(ctx, argc, argv, NULL, NULL);
}

int prov_calls(struct prov_ctx *ctx, int argc, char **argv)
{
	return prov_status_tables(ctx, argc, argv, "calls", NULL);
}

int prov_spans(struct prov_ctx *ctx, int argc, char **argv)
{
	/* tandemctl spans NAME: that span's B-channels and their states */
	if (argc == 2)
		return prov_status_tables(ctx, argc, argv, "channels", argv[1]);
	return prov_status_tables(ctx, argc, argv, "spans", NULL);
}

int prov_registrations(struct prov_ctx *ctx, int argc, char **argv)
{
	return prov_status_tables(ctx, argc, argv, "registrations", NULL);
}

int prov_span_service(struct prov_ctx *ctx, int argc, char **argv)
{
	struct ctl_reply reply;
	char req[256];
	int rc;

	if (argc != 4 || (strcmp(argv[3], "in") != 0 && strcmp(argv[3], "out") != 0)) {
		fprintf(stderr, "tandemctl: span service: usage: tandemctl span service SPAN CHANNEL|all in|out\n");
		return PROV_USAGE;
	}
	if (strchr(argv[1], ' ') || strchr(argv[2], ' ') ||
	    snprintf(req, sizeof(req), "span-service %s %s %s\n", argv[1], argv[2], argv[3]) >= (int)sizeof(req)) {
		fprintf(stderr, "tandemctl: span service: SPAN \"%s\" or CHANNEL \"%s\" is not a name\n", argv[1],
			argv[2]);
		return PROV_USAGE;
	}
	if ((rc = prov_ctl_ask(ctx, req, "span service", &reply)) != PROV_OK)
		return rc;
	if (ctx->json)
		ctl_reply_print_json(stdout, &reply);
	else
		for (size_t i = 0; i < reply.ntables; i++)
			ctl_table_print(stdout, &reply.tables[i]);
	ctl_reply_free(&reply);
	return PROV_OK;
}

int prov_trunks(struct prov_ctx *ctx, int argc, char **argv)
{
	return prov_status_tables(ctx, argc, argv, "trunks trunk_members", NULL);
}
