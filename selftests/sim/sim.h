/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_SIM_H
#define _X0TTA_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Deterministic simulation of a Raft cluster: every source of
 * nondeterminism (network, disk, crashes, clients, election jitter) is
 * drawn from one PRNG seeded by opts->seed, so a failing seed replays
 * exactly.
 */
enum sim_mutation {
	SIM_MUTATE_NONE,
	/*
	 * Node 1's state machine ignores puts to key 0: a deliberately
	 * broken replica, to prove the checkers notice divergence.
	 */
	SIM_MUTATE_KV,
};

struct sim_opts {
	uint64_t seed;
	int nodes;		/* 3 or 5 bootstrap members, and 2 spares */
	int ticks;		/* length of the faulty phase */
	int verbose;		/* 0 quiet, 1 events, 2 every message */
	enum sim_mutation mutate;
	/*
	 * Also keep every node's log in real storage (user/raft/storage.c)
	 * under this directory, tear its writes the way the model does, and
	 * at each restart check that what it recovers is exactly the model's
	 * disk. NULL: the in-memory model only.
	 */
	const char *storage_dir;
};

struct sim_result {
	bool failed;
	char why[256];
	/* Figures, to show a run exercised something. */
	uint64_t msgs;
	uint64_t elections;
	uint64_t crashes;
	uint64_t transfers;
	uint64_t snapshots;	/* installed from a leader */
	uint64_t conf_changes;	/* membership changes proposed */
	uint64_t committed;
	uint64_t ops_ok;
	uint64_t ops_unknown;
};

/* Run one seed. Returns 0, or -ENOMEM; a safety violation sets res->failed. */
int sim_run(const struct sim_opts *opts, struct sim_result *res);

/* ---- linearizability (lin.c) ---- */

#define SIM_NO_RESPONSE UINT64_MAX

/* One client operation on one register of the key-value store. */
struct sim_op {
	bool is_put;
	uint64_t value;		/* put: value written; get: value read */
	uint64_t invoke;
	uint64_t response;	/* SIM_NO_RESPONSE: outcome unknown */
};

/*
 * Is this history of one register (initial value 0, written values
 * unique) linearizable? Operations without a response may or may not
 * have taken effect. Returns 1 yes, 0 no, -E2BIG above 64 operations,
 * -ENOMEM.
 */
int sim_lin_check(const struct sim_op *ops, size_t n);

#endif /* _X0TTA_SIM_H */
