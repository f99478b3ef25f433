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

/* The commands, by module. */
int prov_db_migrate(struct prov_ctx *ctx, int argc, char **argv);
int prov_db_status(struct prov_ctx *ctx, int argc, char **argv);
int prov_status(struct prov_ctx *ctx, int argc, char **argv);

#endif
