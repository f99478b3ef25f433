/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tandemd: the Tandem gateway daemon. */
#include "config.h"

#include "gateway/daemon.h"
#include "gateway/spans.h"
#include "common/log.h"
#include "common/settings.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: tandemd [-c FILE] [--check-config] [--show-config]\n"
		   "\n"
		   "The Tandem SIP-to-PSTN gateway. Runs in the foreground and logs to stderr\n"
		   "(or syslog, as [log] target says).\n"
		   "\n"
		   "  -c, --config FILE   configuration file (default " SETTINGS_DEFAULT_PATH " if it\n"
		   "                      exists, else the embedded default)\n"
		   "  -t, --check-config  check the configuration and exit (0 good, 2 bad)\n"
		   "      --show-config   print every setting with its default and meaning\n"
		   "  -V, --version       print the version\n"
		   "  -h, --help          this text\n"
		   "\n"
		   "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP re-reads the configuration.\n"
		   "Exit status: 0 after a clean stop, 1 if start-up failed, 2 for a bad\n"
		   "configuration or usage.\n");
}

static void show_config(void)
{
	const char *section = "";

	for (const struct conf_directive *d = settings_directives; d->key; d++) {
		if (d->type == CONF_SECTION) {
			printf("\n# %s\n[%s NAME]\n", d->help, d->section);
			section = d->section;
			continue;
		}
		if (strcmp(section, d->section) != 0) {
			printf("%s[%s]\n", *section ? "\n" : "", d->section);
			section = d->section;
		}
		printf("# %s\n%s = %s\n", d->help, d->key, d->def);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 't'},
	    {"show-config", no_argument, NULL, 'S'},  {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct tandem_settings s;
	const char *path = NULL;
	char err[600];
	int c, check = 0;

	while ((c = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'S':
			show_config();
			return 0;
		case 'V':
			printf("tandemd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tandemd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!path && access(SETTINGS_DEFAULT_PATH, F_OK) == 0)
		path = SETTINGS_DEFAULT_PATH;
	if (settings_load(path, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemd: %s\n", err);
		return 2;
	}
	if (gw_spans_check(&s, err, sizeof(err)) < 0) {
		fprintf(stderr, "tandemd: %s: %s\n", path ? path : "embedded default", err);
		return 2;
	}
	if (check) {
		printf("tandemd: %s: configuration is good\n", path ? path : "embedded default");
		return 0;
	}
	return gw_daemon_run(path, &s);
}
