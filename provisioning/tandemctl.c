/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemctl: provisioning and operations for Tandem. */
#include "config.h"

#include "common/ctl.h"
#include "provisioning/prov.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct prov_cmd prov_cmds[] = {
    {"status", NULL, prov_status, "", "show the running daemon's state",
     "Asks tandemd over its control socket (--socket, [control] socket, or the\n"
     "default) for its node, uptime, SIP listeners and database connection.\n"},
    {"db", "migrate", prov_db_migrate, "[--migrations DIR]", "apply pending schema migrations",
     "Applies each pending migration in its own transaction, under a lock, and\n"
     "records it in schema_migrations; running it again changes nothing. A\n"
     "migration edited after it was applied is refused.\n"
     "  --migrations DIR   use NNN_name.sql files from DIR instead of the built-in ones\n"},
    {"db", "status", prov_db_status, "[--migrations DIR]", "show the schema version and migrations",
     "Lists applied and pending migrations and says whether the schema is current.\n"
     "  --migrations DIR   compare against NNN_name.sql files in DIR\n"},
    {"did", "add", prov_did_add, "NUMBER --customer NAME [--target URI] [--fallback URI]", "add a DID",
     "NUMBER is E.164 (+ and digits). Calls to it go to TARGET (a SIP URI), else to\n"
     "the customer's registered PBX; FALLBACK is tried when the target fails.\n"
     "Running daemons route the next call to it without a restart.\n"},
    {"did", "set", prov_did_set, "NUMBER [--customer NAME] [--target URI|--no-target] [--fallback URI|--no-fallback]",
     "change a DID", "Changes only what is given; --no-target and --no-fallback clear them.\n"},
    {"did", "del", prov_did_del, "NUMBER", "delete a DID", "Calls to NUMBER are refused from the next call on.\n"},
    {"did", "list", prov_did_list, "[--customer NAME]", "list DIDs",
     "One row per DID: number, customer, target, fallback (--json: an array of objects).\n"},
    {"route", "add", prov_route_add, "PREFIX --trunk NAME [--customer NAME] [--priority N] [--weight N]",
     "add an outbound route",
     "PREFIX is '+' and up to 15 digits ('+' alone: every number). The longest\n"
     "matching prefix wins; a customer's own routes come before the global ones.\n"
     "Among a prefix's trunks the lowest priority is tried first (default 10),\n"
     "then by weight (0..65535, default 100).\n"},
    {"route", "del", prov_route_del, "PREFIX --trunk NAME [--customer NAME]", "delete an outbound route",
     "Deletes the route from PREFIX to the trunk (the customer's own with --customer).\n"},
    {"route", "list", prov_route_list, "[--customer NAME] [--trunk NAME]", "list outbound routes",
     "One row per route; customer '*' is a global route. --customer lists the\n"
     "routes that apply to that customer (its own and the global ones).\n"},
    {"isup", "decode", prov_isup_decode, "[--ansi] HEX", "decode an ISUP message to JSON",
     "HEX is the message from its type octet (no routing label, no CIC), as a\n"
     "SIP-T body carries it; spaces and colons between octets are allowed.\n"
     "Prints every typed parameter by field, the optional part in wire order and\n"
     "untyped parameters as hex. --ansi: ANSI T1.113 instead of ITU-T Q.763.\n"
     "Exit 1 if the hex or the message is refused.\n"},
    {"isup", "encode", prov_isup_encode, "[--ansi] [JSON|-]", "encode an ISUP message from JSON",
     "Takes the JSON that isup decode prints (from the argument, or stdin when\n"
     "it is - or absent) and prints the message as hex. Keys \"name\" and\n"
     "\"text\" are informative; any other unknown key, a value out of range or a\n"
     "missing mandatory parameter is refused naming the field (exit 1).\n"},
};

#define PROV_NCMDS (sizeof(prov_cmds) / sizeof(prov_cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: tandemctl [OPTIONS] COMMAND [ARGS]\n"
		   "\n"
		   "Options:\n"
		   "  -c, --config FILE   read [database] and [control] from FILE (default\n"
		   "                      " SETTINGS_DEFAULT_PATH " if it exists)\n"
		   "      --db CONNINFO   libpq connection string (overrides the file; the\n"
		   "                      libpq environment PGHOST, PGDATABASE... also applies)\n"
		   "      --socket PATH   the daemon's control socket\n"
		   "      --json          machine-readable output\n"
		   "  -V, --version       print the version\n"
		   "  -h, --help          this text; COMMAND --help for a command's\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < PROV_NCMDS; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", prov_cmds[i].name, prov_cmds[i].sub ? " " : "",
			 prov_cmds[i].sub ? prov_cmds[i].sub : "");
		fprintf(f, "  %-18s  %s\n", name, prov_cmds[i].summary);
	}
	fprintf(f, "\nExit status: 0 success, 1 refused or failed, 2 usage error.\n");
}

void prov_cmd_help(const struct prov_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: tandemctl [OPTIONS] %s%s%s %s\n\n%s.\n\n%s", cmd->name, cmd->sub ? " " : "",
		cmd->sub ? cmd->sub : "", cmd->args, cmd->summary, cmd->help);
}

int prov_wants_help(const struct prov_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			prov_cmd_help(cmd, stdout);
			return 1;
		}
	}
	return 0;
}

void prov_print_rows(struct prov_ctx *ctx, const char *name, const char *const *cols, size_t ncols, char **cells,
		     size_t nrows)
{
	struct ctl_table t = {(char *)name, ncols, nrows, (char **)cols, cells};
	struct ctl_reply r = {1, NULL, 1, &t};

	if (ctx->json)
		ctl_reply_print_json(stdout, &r);
	else
		ctl_table_print(stdout, &t);
}

/* Find the command named by argv[0] (and argv[1] for two-word ones). */
static const struct prov_cmd *prov_find(int argc, char **argv, int *used)
{
	for (size_t i = 0; i < PROV_NCMDS; i++) {
		const struct prov_cmd *c = &prov_cmds[i];
		if (strcmp(c->name, argv[0]) != 0)
			continue;
		if (!c->sub) {
			*used = 1;
			return c;
		}
		if (argc > 1 && strcmp(c->sub, argv[1]) == 0) {
			*used = 2;
			return c;
		}
	}
	return NULL;
}

/* "tandemctl db" or "tandemctl db --help": list the group's commands. */
static int prov_group_help(const char *group, FILE *f)
{
	int found = 0;

	for (size_t i = 0; i < PROV_NCMDS; i++) {
		if (prov_cmds[i].sub && strcmp(prov_cmds[i].name, group) == 0) {
			if (!found++)
				fprintf(f, "Usage: tandemctl [OPTIONS] %s SUBCOMMAND [ARGS]\n\nSubcommands:\n", group);
			fprintf(f, "  %-10s  %s\n", prov_cmds[i].sub, prov_cmds[i].summary);
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct prov_ctx ctx = {0};
	const struct prov_cmd *cmd;
	const char *path = NULL, *db = NULL, *sock = NULL;
	char err[600];
	int c, used;

	/* '+': options end at the command; its own options are its own. */
	while ((c = getopt_long(argc, argv, "+c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'V':
			printf("tandemctl %s\n", PACKAGE_VERSION);
			return PROV_OK;
		case 'h':
			usage(stdout);
			return PROV_OK;
		default:
			usage(stderr);
			return PROV_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return PROV_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return PROV_OK;
	}
	cmd = prov_find(argc, argv, &used);
	if (!cmd) {
		int help = argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
		if (prov_group_help(argv[0], help ? stdout : stderr))
			return help ? PROV_OK : PROV_USAGE;
		fprintf(stderr, "tandemctl: unknown command \"%s\" (tandemctl --help lists them)\n", argv[0]);
		return PROV_USAGE;
	}
	argc -= used - 1;
	argv += used - 1;
	if (prov_wants_help(cmd, argc, argv))
		return PROV_OK;
	if (!path && access(SETTINGS_DEFAULT_PATH, F_OK) == 0)
		path = SETTINGS_DEFAULT_PATH;
	if (settings_load(path, &ctx.settings, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemctl: %s\n", err);
		return PROV_USAGE;
	}
	ctx.conninfo = db ? db : ctx.settings.db_conninfo;
	if (sock)
		snprintf(ctx.socket, sizeof(ctx.socket), "%s", sock);
	else
		settings_ctl_socket(&ctx.settings, ctx.socket, sizeof(ctx.socket));
	return cmd->run(&ctx, argc, argv);
}
