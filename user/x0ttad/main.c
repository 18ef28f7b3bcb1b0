// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttad: the x0tta controller daemon. Runs in the foreground (a service
 * manager supervises it), logs to stderr, and stops cleanly on SIGINT or
 * SIGTERM. Documentation/x0ttad.rst describes the configuration file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x0ttad/config.h"
#include "x0ttad/daemon.h"

#define XD_USAGE "Usage: x0ttad -c CONFIG\n" \
	"  -c, --config FILE  configuration file (required)\n" \
	"  -t, --check        check the configuration and exit\n" \
	"  -h, --help         show this help\n" \
	"  -V, --version      show the version\n"

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct xd_config cfg;
	static struct xd xd;
	const char *path = NULL;
	bool check = false;
	char err[1024];
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:thV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			fputs(XD_USAGE, stdout);
			return 0;
		case 'V':
			printf("x0ttad %s\n", X0TTA_VERSION);
			return 0;
		default:
			fprintf(stderr, "x0ttad: bad option '%s'\n%s",
				argv[optind - 1], XD_USAGE);
			return 2;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "x0ttad: %s\n%s", path ? "unexpected argument" :
			"-c CONFIG is required", XD_USAGE);
		return 2;
	}
	if (xd_config_load(&cfg, path, err, sizeof(err))) {
		fprintf(stderr, "x0ttad: %s\n", err);
		return 1;
	}
	if (check)
		return 0;
	ret = xd_init(&xd, &cfg);
	if (ret) {
		fprintf(stderr, "x0ttad: cannot start: %s\n", strerror(-ret));
		return 1;
	}
	ret = xd_run(&xd);
	xd_uninit(&xd);
	return ret ? 1 : 0;
}
