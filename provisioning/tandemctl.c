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
    {"calls", NULL, prov_calls, "", "list the calls in progress",
     "One row per live call from tandemd: uuid, direction, state, customer,\n"
     "caller, callee, egress, span, channel and age in seconds.\n"},
    {"spans", NULL, prov_spans, "[SPAN]", "list the PRI spans and their channels",
     "One row per span from tandemd: backend, framing, law, switch type, side,\n"
     "trunk, D-channel state (up, down, alarm), busy and idle B-channels, audit\n"
     "repairs, and a map of the B-channels (. idle, P proceeding, A alerting,\n"
     "C connected, D clearing, r restarting, o out of service, - link down).\n"
     "With SPAN: that span's B-channels, one row each, with their state.\n"},
    {"span", "service", prov_span_service, "SPAN CHANNEL|all in|out", "take B-channels out of or into service",
     "Out of service, a B-channel is never hunted and incoming calls on it are\n"
     "refused (44); a call already on it goes on. Where the span's switch type has\n"
     "SERVICE messages (5ess, 4ess, ni2; [span] service = yes) the far end is told\n"
     "with SERVICE; otherwise the change is ours only. Lasts until tandemd restarts.\n"},
    {"registrations", NULL, prov_registrations, "", "list the registered PBXs",
     "One row per live binding from tandemd's registrar: customer, address of\n"
     "record, Contact as registered, where calls go (the source address when\n"
     "the Contact is behind a NAT), source, NAT, seconds left.\n"},
    {"trunks", NULL, prov_trunks, "", "show the trunks' health and registration",
     "Two tables from tandemd. trunks: one row per trunk: kind, enabled, members\n"
     "up (by OPTIONS pings) and in all, registration (none, registering,\n"
     "registered, failed: retrying, rejected: stopped until the credentials\n"
     "change), calls in progress on it, max_calls and max_cps. trunk_members:\n"
     "one row per member: host:port/transport, health (up, down, unknown), why,\n"
     "since when, the last OPTIONS round trip in ms, registration.\n"},
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
    {"did", "import", prov_did_import, "FILE.csv", "add many DIDs from a CSV file",
     "Rows: number,customer,target[,fallback] (RFC 4180: fields in double quotes\n"
     "may hold commas, \"\" and line breaks; an empty target or fallback is none).\n"
     "A first line starting with \"number\" is a header. Every row is checked;\n"
     "each bad one is reported with its line (\"line 7: number \"+1abc\": not\n"
     "E.164\"), and then nothing is imported (exit 1). Otherwise all rows go in\n"
     "one transaction. FILE - reads standard input. The file is streamed.\n"},
    {"route", "add", prov_route_add, "PREFIX --trunk NAME [--customer NAME] [--priority N] [--weight N]",
     "add an outbound route",
     "PREFIX is '+' and up to 15 digits ('+' alone: every number). The longest\n"
     "matching prefix wins; a customer's own routes come before the global ones.\n"
     "Among a prefix's trunks the lowest priority is tried first (default 10),\n"
     "then by weight (0..65535, default 100).\n"},
    {"route", "set", prov_route_set, "PREFIX --trunk NAME [--customer NAME] [--priority N] [--weight N]",
     "change a route's priority or weight",
     "Changes the route from PREFIX to the trunk (the customer's own with --customer).\n"},
    {"route", "list", prov_route_list, "[--customer NAME] [--trunk NAME]", "list outbound routes",
     "One row per route; customer '*' is a global route. --customer lists the\n"
     "routes that apply to that customer (its own and the global ones).\n"},
    {"route", "test", prov_route_test, "NUMBER [--customer NAME]", "show which trunks a call would try",
     "Reads the routes whose prefix starts NUMBER and decides as the daemon does\n"
     "(the same routing index): the longest prefix wins; a customer's own route\n"
     "beats a global one of the same length, a longer global one beats it; routes\n"
     "of disabled trunks are left out. Prints the trunks in the order they are\n"
     "tried (by priority; equal priorities share calls by weight: 'share'), their\n"
     "members, and every other matching route with why it is not used. Without\n"
     "--customer only global routes apply. Exit 1 when no route matches.\n"},
    {"route", "del", prov_route_del, "PREFIX --trunk NAME [--customer NAME]", "delete an outbound route",
     "Deletes the route from PREFIX to the trunk (the customer's own with --customer).\n"},
    {"customer", "add", prov_customer_add,
     "NAME [--disable] [--max-calls N] [--max-cps N] [--max-duration S] [--require-secure]"
     " [--dtmf-mode rfc4733|info|inband] [--t38 yes|no] [--user U --password P [--realm R]]"
     " [--address CIDR]... [--allow PREFIX]... [--deny PREFIX]... [--caller PREFIX]...",
     "add a customer",
     "NAME: 1 to 63 of a-z 0-9 _ . - (starting with a letter or digit).\n"
     "  --disable            refuse its calls until customer set --enable\n"
     "  --max-calls N        concurrent calls, 0..100000 (default 10)\n"
     "  --max-cps N          new calls per second, 0..10000, two decimals (default 5)\n"
     "  --max-duration S     seconds a call may last, 1..604800 (default 14400)\n"
     "  --require-secure     TLS and SRTP required: INVITEs only over TLS (else 403)\n"
     "                       with RTP/SAVP (else 488); calls to its PBX over TLS\n"
     "                       offering SRTP\n"
     "  --dtmf-mode M        how DTMF goes to and from its PBX: rfc4733 (telephone-event\n"
     "                       in RTP, the default), info (SIP INFO) or inband (tones only)\n"
     "  --user U --password P [--realm R]\n"
     "                       digest credentials; only MD5(U:R:P) is stored. R defaults\n"
     "                       to the settings' [sip] realm, the one tandemd challenges\n"
     "                       with (\"tandem\"). --password - reads it from stdin\n"
     "  --address CIDR       a source address or network its PBX calls from\n"
     "                       (repeatable; networks of two customers may not overlap)\n"
     "  --allow/--deny PREFIX  destinations it may / may not call (repeatable; the\n"
     "                       longest matching prefix decides; none: all allowed)\n"
     "  --caller PREFIX      caller numbers it may present (repeatable; none: any)\n"
     "  --t38 yes|no         faxes with its PBX as T.38 (re-INVITE) or, no, G.711\n"
     "                       passthrough only (default yes)\n"
     "All of it is one transaction: nothing is written when any value is refused.\n"},
    {"customer", "set", prov_customer_set,
     "NAME [--enable|--disable] [customer add's options] [--no-require-secure] [--del-user U [--realm R]]"
     " [--del-address CIDR]... [--del-destination PREFIX]... [--del-caller PREFIX]...",
     "change a customer",
     "Changes only what is given; the customer add options add (or, for --user in\n"
     "a realm and --allow/--deny of a prefix, replace) entries, the --del- options\n"
     "remove them (--del-user without --realm: in every realm); --no-require-secure\n"
     "takes plain SIP and RTP again. One transaction.\n"},
    {"customer", "list", prov_customer_list, "", "list customers",
     "One row per customer: name, enabled, limits, and how many credentials,\n"
     "addresses and DIDs it has (--json: an array of objects).\n"},
    {"customer", "show", prov_customer_show, "NAME", "show one customer",
     "Its settings, credentials (user names and realms, never secrets), source\n"
     "addresses, destination rules and caller prefixes.\n"},
    {"customer", "del", prov_customer_del, "NAME", "delete a customer",
     "Refused while it has DIDs (did del or did set --customer them first);\n"
     "its own routes, credentials and addresses go with it.\n"},
    {"trunk", "add", prov_trunk_add, "NAME --kind sip|pri [OPTIONS]", "add a trunk",
     "A SIP trunk sends calls to its members (gateways); a PRI trunk to its spans.\n"
     "  --kind sip|pri            required\n"
     "  --disable                 no calls until trunk set --enable\n"
     "  --max-calls N|none        concurrent calls, 0..100000 (default none: no limit)\n"
     "  --max-cps N|none          new calls per second, 0..10000 (default none)\n"
     "  --limit-status S          SIP status a call over the limits gets, 400..699 (503)\n"
     "  --limit-cause C           Q.850 cause it gets, 1..127 (34)\n"
     "  --failover-codes L|none   statuses that try the next member/route (408,500,502,503,504)\n"
     "  --national-prefix D|none  numbers of the trunk's country as D + national number\n"
     "  --international-prefix D|none  other numbers as D + the number without '+'\n"
     "  --strip-digits N          then drop N leading digits, 0..15 (0)\n"
     "  --add-prefix P|none       then put P in front (digits, * #, optional leading +)\n"
     "SIP trunks only:\n"
     "  --member HOST[:PORT]      a gateway, repeatable ([v6 address]:PORT); --transport\n"
     "                            udp|tcp|tls applies to these (default udp); priority 10\n"
     "                            and weight 100 (trunk member add sets them)\n"
     "  --sipt none|sip-t|sip-i   ISUP bodies (default none)\n"
     "  --register                register with the members; --register-expires S (3600)\n"
     "  --auth-user U --auth-password P  credentials for its challenges (P - : from stdin)\n"
     "  --ping-interval S         OPTIONS every S seconds, 0 = none (30); --ping-up N (2)\n"
     "                            and --ping-down N (3): answers/failures in a row\n"
     "  --invite-timeout MS       no answer at all before failover, 500..300000 (1000)\n"
     "  --require-secure          TLS and SRTP required: only members with transport tls\n"
     "                            are used, offered RTP/SAVP; its INVITEs only over TLS\n"
     "  --dtmf-mode M             DTMF toward it: rfc4733 (default), info (SIP INFO) or\n"
     "                            inband (tones in the audio only)\n"
     "  --t38 yes|no              faxes toward it as T.38 (re-INVITE) or, no, G.711\n"
     "                            passthrough only (default yes)\n"
     "PRI trunks only:\n"
     "  --span NAME               a span (spans table) of the trunk, repeatable\n"
     "All of it is one transaction: nothing is written when any value is refused.\n"},
    {"trunk", "set", prov_trunk_set,
     "NAME [trunk add's OPTIONS] [--enable] [--no-register] [--no-auth] [--no-require-secure] [--del-span NAME]...",
     "change a trunk",
     "Changes only what is given ('none' clears an optional value). Members are\n"
     "changed with trunk member add|del; the kind cannot change.\n"},
    {"trunk", "member", prov_trunk_member,
     "add|del TRUNK HOST[:PORT] [--transport udp|tcp|tls] [--priority N] [--weight N]",
     "add or delete a SIP trunk's member",
     "Members are tried by priority (lower first, 0..65535, default 10), balanced by\n"
     "weight (0..65535, default 100). del matches HOST, PORT (none if not given)\n"
     "and, when given, --transport.\n"},
    {"trunk", "cause", prov_trunk_cause,
     "TRUNK q850_to_sip CAUSE STATUS | TRUNK sip_to_q850 STATUS CAUSE | TRUNK DIR FROM --del",
     "override a cause mapping",
     "Overrides the RFC 3398 default for one trunk: a Q.850 cause (1..127) to the\n"
     "SIP status (400..699) the caller gets, or a status to a cause. One mapping\n"
     "per value: a new one replaces it. --del removes it (the default applies).\n"},
    {"trunk", "list", prov_trunk_list, "", "list trunks",
     "One row per trunk: kind, enabled, members (a PRI trunk's spans), limits,\n"
     "registration, SIP-T mode and how many routes use it.\n"},
    {"trunk", "show", prov_trunk_show, "NAME", "show one trunk",
     "Every setting (the registration password is never shown), its members or\n"
     "spans, and its cause mappings.\n"},
    {"trunk", "del", prov_trunk_del, "NAME", "delete a trunk",
     "Refused while routes use it (route del them first). Its members and cause\n"
     "mappings go with it; its spans stay, without a trunk.\n"},
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
    {"cdr", "export", prov_cdr_export, "--after-id N | --since TIME [--until TIME] [--format csv|json] [--stats]",
     "export call detail records",
     "CDRs with an id above N (a billing system keeps the last id it has), or\n"
     "that started at or after TIME and before --until, in id order. csv (the\n"
     "default): RFC 4180, a header line, CRLF line ends. json: one array of\n"
     "objects, numbers as numbers, NULL as null. Times are UTC with milliseconds.\n"
     "Rows are streamed: memory does not grow with their number.\n"
     "  --stats   print rows, seconds, rows/s and the maximum RSS on stderr\n"},
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
