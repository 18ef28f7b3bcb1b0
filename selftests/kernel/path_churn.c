// SPDX-License-Identifier: GPL-2.0
/*
 * path_churn - replace one path entry of x0tta.ko as fast as generic
 * netlink allows, for a while, and report the rate.
 *
 *   path_churn [-t SECONDS] ORIG IFNAME MAC [IFNAME MAC [IFNAME MAC]]
 *
 * Each replacement installs a different non-empty subset of the given
 * next hops with different weights, so that the datapath sees the hop
 * it chose vanish, come back and change its share while frames flow.
 * Every replacement must succeed: a refusal is a failure (exit 1), as
 * the hops stay valid whatever happens to their links. The entry is left
 * installed. The last line is for scripts:
 *
 *   RESULT path_churn replacements=N seconds=S rate=R/s errors=E
 *
 * Used by datapath_churn.sh in the test VM.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "lib/genl.h"

struct churn_hop {
	uint32_t ifindex;
	struct ether_addr neigh;
};

struct churn {
	struct genl_sock gs;
	struct genl_family fam;
	struct ether_addr orig;
	struct churn_hop hops[X0TTA_PATH_MAX_HOPS];
	unsigned int nr_hops;
	double seconds;
};

static void churn_usage(FILE *f)
{
	fprintf(f, "usage: path_churn [-t SECONDS] ORIG IFNAME MAC [IFNAME MAC [IFNAME MAC]]\n");
}

static double churn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int churn_parse_mac(const char *s, struct ether_addr *mac)
{
	if (strlen(s) != 17 || !ether_aton_r(s, mac)) {
		fprintf(stderr, "path_churn: '%s' is not a MAC address\n", s);
		return -EINVAL;
	}
	return 0;
}

static int churn_parse_args(struct churn *c, int argc, char **argv)
{
	char *end;
	int opt, i;

	c->seconds = 5;
	while ((opt = getopt(argc, argv, "ht:")) != -1) {
		switch (opt) {
		case 't':
			c->seconds = strtod(optarg, &end);
			if (*end || !(c->seconds > 0 && c->seconds <= 3600)) {
				fprintf(stderr, "path_churn: bad duration '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			churn_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc % 2 != 1 || argc > 1 + 2 * X0TTA_PATH_MAX_HOPS)
		return -EINVAL;
	if (churn_parse_mac(argv[0], &c->orig))
		return -EINVAL;
	for (i = 1; i < argc; i += 2) {
		struct churn_hop *hop = &c->hops[c->nr_hops++];

		hop->ifindex = if_nametoindex(argv[i]);
		if (!hop->ifindex) {
			fprintf(stderr, "path_churn: no interface '%s'\n", argv[i]);
			return -ENODEV;
		}
		if (churn_parse_mac(argv[i + 1], &hop->neigh))
			return -EINVAL;
	}
	return 0;
}

/*
 * Replacement @i: subset (i mod (2^n - 1)) + 1 of the hops, as a bit
 * mask, and weights that move with @i, so that two replacements in a
 * row never install the same entry.
 */
static int churn_replace(struct churn *c, unsigned long i, struct genl_err *err)
{
	unsigned int subsets = (1u << c->nr_hops) - 1;
	unsigned int mask = i % subsets + 1, h;
	struct nlmsghdr *nlh;
	struct nlattr *path, *hop;

	nlh = genl_msg_start(&c->gs, c->fam.id, X0TTA_CMD_SET_PATH,
			     X0TTA_GENL_VERSION, 0);
	path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, ETH_ALEN, &c->orig);
	for (h = 0; h < c->nr_hops; h++) {
		if (!(mask & (1u << h)))
			continue;
		hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, c->hops[h].ifindex);
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, ETH_ALEN, &c->hops[h].neigh);
		mnl_attr_put_u8(nlh, X0TTA_HOP_A_WEIGHT, 1 + (i / subsets + h) % 255);
		mnl_attr_nest_end(nlh, hop);
	}
	mnl_attr_nest_end(nlh, path);
	return genl_request(&c->gs, NULL, NULL, err);
}

static int churn_run(struct churn *c)
{
	unsigned long done = 0, errors = 0;
	struct genl_err err;
	double start, now;

	start = churn_now();
	now = start;
	while (now - start < c->seconds) {
		if (churn_replace(c, done, &err)) {
			/* Report the first few; a broken kernel says the same each time. */
			if (errors++ < 5)
				fprintf(stderr, "path_churn: replacement %lu refused: %s (%s)\n",
					done, strerror(-err.err),
					err.has_msg ? err.msg : "no message");
		}
		done++;
		/* A clock read per 32 requests costs nothing measurable. */
		if (!(done % 32))
			now = churn_now();
	}
	now = churn_now();
	printf("RESULT path_churn replacements=%lu seconds=%.2f rate=%.0f/s errors=%lu\n",
	       done, now - start, done / (now - start), errors);
	return errors ? -EIO : 0;
}

int main(int argc, char **argv)
{
	struct churn c = { 0 };
	int err;

	err = churn_parse_args(&c, argc, argv);
	if (err) {
		churn_usage(stderr);
		return 2;
	}
	err = genl_open(&c.gs);
	if (err) {
		fprintf(stderr, "path_churn: netlink: %s\n", strerror(-err));
		return 1;
	}
	err = genl_family_resolve(&c.gs, X0TTA_GENL_NAME, &c.fam, NULL);
	if (err) {
		fprintf(stderr, "path_churn: family %s: %s (is x0tta.ko loaded?)\n",
			X0TTA_GENL_NAME, strerror(-err));
		goto out;
	}
	err = churn_run(&c);
out:
	genl_close(&c.gs);
	return err ? 1 : 0;
}
