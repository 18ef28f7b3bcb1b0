// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl: look inside and configure x0tta on this node.
 *
 * Global options, then a subcommand from the table below; each
 * subcommand lives in its own file (commands.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *description;
} ctl_commands[] = {
	{ "version", version_main,
	  "Show the versions of x0ttactl and of the x0tta module" },
	{ "config", config_main,
	  "Show or change the module's configuration" },
	{ "interfaces", interfaces_main,
	  "List the hard interfaces x0tta is attached to" },
	{ "stats", stats_main,
	  "Show frame counters by batman-adv packet type" },
	{ "ca", ca_main,
	  "Run a small-mesh CA: init, issue, inspect and verify SVIDs" },
	{ "identity", identity_main, "mTLS identities: probe, revoke, revoked" },
	{ "telemetry", telemetry_main, "Attach link telemetry (eBPF) and read its maps" },
	{ "path", path_main, "Add, delete or show multipath next hops" },
	{ "neighbours", neighbours_main, "Show neighbour liveness (echo state, RTT)" },
	{ "quarantine", quarantine_main, "Add, delete or show quarantined addresses" },
	{ "monitor", monitor_main, "Print neighbour and route-needed events" },
	{ "raft", raft_main, "Status and key-value store of x0ttad's raft group" },
	{ "crdt", crdt_main, "Status and contents of x0ttad's CRDT store" },
};

static void ctl_show_usage(FILE *f)
{
	fputs("Usage: x0ttactl [-j] [-s SOCKET] <command> [<args>]\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     print JSON instead of text\n"
	      "  -s, --socket   x0ttad's control socket (default $X0TTA_SOCKET,\n"
	      "                 else " CTL_SOCKET_DEFAULT ")\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version of x0ttactl\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]);
	     i++)
		fprintf(f, "  %-12s%s\n", ctl_commands[i].name,
			ctl_commands[i].description);
	fputs("\nRun 'x0ttactl <command> --help' for its arguments.\n", f);
}

/* Colour is for people: not in pipes, not for dumb terminals. */
static bool ctl_want_color(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDOUT_FILENO) || getenv("NO_COLOR"))
		return false;
	return term && *term && strcmp(term, "dumb");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* '+': options end at the command, whose own options are its own. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:js:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl_out.json = true;
			break;
		case 's':
			ctl_socket = optarg;
			break;
		case ':':
			fprintf(stderr, "x0ttactl: option '%s' needs a value\n",
				argv[optind - 1]);
			ctl_show_usage(stderr);
			return CTL_EXIT_USAGE;
		case 'h':
			ctl_show_usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("x0ttactl %s\n", X0TTA_VERSION);
			return CTL_EXIT_OK;
		default:
			fprintf(stderr, "x0ttactl: unknown option '%s'\n",
				argv[optind - 1]);
			ctl_show_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fputs("x0ttactl: no command given\n", stderr);
		ctl_show_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	ctl_out.color = !ctl_out.json && ctl_want_color();
	if (!strcmp(argv[optind], "help")) {
		ctl_show_usage(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]);
	     i++) {
		if (!strcmp(argv[optind], ctl_commands[i].name))
			return ctl_commands[i].fn(argc - optind, argv + optind);
	}
	fprintf(stderr, "x0ttactl: unknown command '%s'\n", argv[optind]);
	ctl_show_usage(stderr);
	return CTL_EXIT_USAGE;
}
