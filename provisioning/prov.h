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

/* --- Shared by the commands (prov_util.c) ------------------------------- */

struct ctl_table;

/* "tandemctl WHAT: FIELD "VALUE" WHY" on stderr; returns PROV_REFUSED. */
int prov_refuse(const char *what, const char *field, const char *value, const char *why);

/* A usage error, pointing at WHAT --help; returns PROV_USAGE. */
int prov_usage(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Value checks: 0 when v is NULL or good, else a refusal naming field. */
int prov_check_int(const char *what, const char *field, const char *v, long min, long max);
int prov_check_name(const char *what, const char *field, const char *v);   /* the tandem_name domain */
int prov_check_prefix(const char *what, const char *field, const char *v); /* '+' and 0..15 digits */
int prov_check_cidr(const char *what, const char *field, const char *v);   /* an address or network */

/* The values of a repeatable option, in order (pointers into argv). */
struct prov_strv {
	const char **v;
	size_t n;
};
int prov_strv_push(struct prov_strv *sv, const char *s);
void prov_strv_free(struct prov_strv *sv);

/* Run one statement; its first value (if val) to val. A database refusal
 * is reported with its message and returns PROV_REFUSED. */
int prov_exec(struct db_session *s, const char *what, const char *sql, int n, const char *const *params, char *val,
	      size_t vallen);

/* The id of the customer or trunk (field "customer" or "trunk") named
 * name; a refusal naming it when there is none. */
int prov_id(struct db_session *s, const char *what, const char *field, const char *name, char *id, size_t idlen);

/* BEGIN; and COMMIT when rc is 0, else ROLLBACK (returns rc, or the
 * COMMIT's refusal). */
int prov_begin(struct db_session *s, const char *what);
int prov_finish(struct db_session *s, const char *what, int rc);

/* Rows of a query as strings ("" for NULL), row-major. */
struct prov_rows {
	char **cells;
	size_t n, cap, ncols;
};
int prov_rows_query(struct db_session *s, const char *what, struct prov_rows *r, const char *sql, int n,
		    const char *const *params);
void prov_rows_free(struct prov_rows *r);

/* Query and print as a listing (prov_print_rows). */
int prov_list(struct prov_ctx *ctx, struct db_session *s, const char *what, const char *name, const char *const *cols,
	      size_t ncols, const char *sql, int n, const char *const *params);

/* Print several tables: the first (a field/value table) as it is, the
 * others under their names; with --json one object holding all. */
void prov_print_tables(struct prov_ctx *ctx, struct ctl_table *t, size_t n);

/* The commands, by module. */
int prov_db_migrate(struct prov_ctx *ctx, int argc, char **argv);
int prov_db_status(struct prov_ctx *ctx, int argc, char **argv);
int prov_status(struct prov_ctx *ctx, int argc, char **argv);
int prov_calls(struct prov_ctx *ctx, int argc, char **argv);
int prov_spans(struct prov_ctx *ctx, int argc, char **argv);
int prov_span_service(struct prov_ctx *ctx, int argc, char **argv);
int prov_registrations(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunks(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_set(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_isup_decode(struct prov_ctx *ctx, int argc, char **argv);
int prov_isup_encode(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_set(struct prov_ctx *ctx, int argc, char **argv);
int prov_route_test(struct prov_ctx *ctx, int argc, char **argv);
int prov_did_import(struct prov_ctx *ctx, int argc, char **argv);
int prov_customer_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_customer_set(struct prov_ctx *ctx, int argc, char **argv);
int prov_customer_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_customer_show(struct prov_ctx *ctx, int argc, char **argv);
int prov_customer_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_add(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_set(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_list(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_show(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_del(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_member(struct prov_ctx *ctx, int argc, char **argv);
int prov_trunk_cause(struct prov_ctx *ctx, int argc, char **argv);
int prov_cdr_export(struct prov_ctx *ctx, int argc, char **argv);

#endif
