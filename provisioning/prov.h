/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl's commands and what they share. */
#ifndef TANDEM_PROV_H
#define TANDEM_PROV_H

#include "common/settings.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (documented in tandemctl --help). */
#define PROV_OK      0
#define PROV_REFUSED 1 /* a refused value, or the operation failed */
#define PROV_USAGE   2

struct prov_ctx {
	struct tandem_settings settings;
	const char *conninfo; /* --db, else settings.db_conninfo */
	char socket[108];     /* --socket, else the settings' control socket */
	bool json;
};

struct prov_cmd {
	const char *name, *sub; /* "db", "migrate"; sub NULL for one-word commands */
	int (*run)(struct prov_ctx *ctx, int argc, char **argv);
	const char *args;    /* argument synopsis */
	const char *summary; /* one line */
	const char *help;    /* the rest of --help */
};

/* Print a command's --help. */
void prov_cmd_help(const struct prov_cmd *cmd, FILE *f);

/* If argv holds -h/--help, print the command's help and return 1. */
int prov_wants_help(const struct prov_cmd *cmd, int argc, char **argv);

struct db_session;

/* Connect to the database of ctx; on failure say why on stderr and return
 * -1. */
int prov_open(struct prov_ctx *ctx, struct db_session **s);

/* Print rows as a listing: an aligned table with a header, or with --json
 * an array of objects under "name". cells holds nrows * ncols strings,
 * row-major. */
void prov_print_rows(struct prov_ctx *ctx, const char *name, const char *const *cols, size_t ncols, char **cells,
		     size_t nrows);

/* The commands, by module. */
int prov_db_migrate(struct prov_ctx *ctx, int argc, char **argv);
int prov_db_status(struct prov_ctx *ctx, int argc, char **argv);
int prov_status(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_set(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_isup_decode(struct prov_ctx *ctx, int argc, char **argv);
int prov_isup_encode(struct prov_ctx *ctx, int argc, char **argv);

#endif
