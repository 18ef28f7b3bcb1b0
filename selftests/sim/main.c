// SPDX-License-Identifier: GPL-2.0
/*
 * raft-sim: run the deterministic Raft simulation over many seeds.
 *
 *   raft-sim [--nodes 3|5] [--seeds N] [--start S] [--ticks T]
 *   raft-sim [--nodes 3|5] --seed S [--verbose[=2]]
 *   raft-sim ... --mutate-kv    break one replica on purpose
 *   raft-sim ... --storage DIR  also run real storage in DIR (must exist)
 *
 * Prints each failing seed with the command that replays it; exits 1 if
 * any seed failed, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim_args {
	struct sim_opts opts;
	uint64_t start;
	uint64_t seeds;
	bool single;
};

static void sim_usage(FILE *f)
{
	fprintf(f, "usage: raft-sim [--nodes 3|5] [--seeds N] [--start S] "
		   "[--ticks T] [--mutate-kv] [--storage DIR]\n"
		   "       raft-sim [--nodes 3|5] --seed S [--verbose[=2]]\n");
}

static int sim_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	return 0;
}

static int sim_parse(int argc, char **argv, struct sim_args *a)
{
	static const struct option longopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "seeds", required_argument, NULL, 'N' },
		{ "start", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "ticks", required_argument, NULL, 't' },
		{ "verbose", optional_argument, NULL, 'v' },
		{ "mutate-kv", no_argument, NULL, 'm' },
		{ "storage", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm') {
			a->opts.mutate = SIM_MUTATE_KV;
			continue;
		}
		if (c == 'v') {
			a->opts.verbose = optarg ? atoi(optarg) : 1;
			continue;
		}
		if (c == 'D') {
			a->opts.storage_dir = optarg;
			continue;
		}
		if (c == 'h' || c == '?' || sim_parse_u64(optarg, &v))
			return -EINVAL;
		switch (c) {
		case 'n':
			if (v != 3 && v != 5)
				return -EINVAL;
			a->opts.nodes = v;
			break;
		case 'N':
			a->seeds = v;
			break;
		case 's':
			a->start = v;
			break;
		case 'S':
			a->start = v;
			a->seeds = 1;
			a->single = true;
			break;
		case 't':
			if (!v || v > 100000)
				return -EINVAL;
			a->opts.ticks = v;
			break;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	struct sim_args a = {
		.opts = { .nodes = 3, .ticks = 1000 },
		.seeds = 100,
	};
	uint64_t failed = 0, msgs = 0, crashes = 0, elections = 0, ops = 0;
	uint64_t transfers = 0, snapshots = 0, confs = 0;

	if (sim_parse(argc, argv, &a)) {
		sim_usage(stderr);
		return 2;
	}
	for (uint64_t seed = a.start; seed < a.start + a.seeds; seed++) {
		struct sim_result res;

		a.opts.seed = seed;
		if (sim_run(&a.opts, &res)) {
			fprintf(stderr, "raft-sim: out of memory\n");
			return 1;
		}
		msgs += res.msgs;
		crashes += res.crashes;
		transfers += res.transfers;
		snapshots += res.snapshots;
		confs += res.conf_changes;
		elections += res.elections;
		ops += res.ops_ok;
		if (!res.failed)
			continue;
		failed++;
		printf("FAIL seed %" PRIu64 ": %s\n  replay: raft-sim --nodes "
		       "%d --ticks %d%s%s%s --seed %" PRIu64 " --verbose\n",
		       seed, res.why, a.opts.nodes, a.opts.ticks,
		       a.opts.mutate ? " --mutate-kv" : "",
		       a.opts.storage_dir ? " --storage " : "",
		       a.opts.storage_dir ? a.opts.storage_dir : "", seed);
	}
	printf("%" PRIu64 " seeds (%d nodes, from %" PRIu64 "): %" PRIu64
	       " failed; %" PRIu64 " messages, %" PRIu64 " elections, %"
	       PRIu64 " transfers, %" PRIu64 " membership changes, %" PRIu64
	       " snapshots installed, %" PRIu64 " crashes, %" PRIu64
	       " client ops answered\n", a.seeds, a.opts.nodes, a.start,
	       failed, msgs, elections, transfers, confs, snapshots, crashes,
	       ops);
	return failed ? 1 : 0;
}
