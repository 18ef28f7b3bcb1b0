/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_SIM_INT_H
#define _X0TTA_SIM_INT_H

/*
 * The simulator's internals:
 *   sim.c    the world: network, disks, nodes, faults, the run
 *   check.c  the safety checker, run after every step
 *   kv.c     the key-value store on every node and its clients
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/prng.h"
#include "raft/conf.h"
#include "raft/raft.h"
#include "raft/storage.h"
#include "sim.h"

/*
 * The cluster starts with opts->nodes members; SIM_SPARE_NODES more
 * run from the start with no configuration, as nodes waiting to join,
 * and membership changes move ids in and out of the configuration.
 */
#define SIM_SPARE_NODES		2
#define SIM_MAX_NODES		(5 + SIM_SPARE_NODES)
#define SIM_KEYS		3
#define SIM_CLIENTS		3
#define SIM_OPS_PER_KEY		60
#define SIM_TICK_MS		10
#define SIM_ELECTION_TICKS	10
#define SIM_CONVERGE_TICKS	300
/* A client gives up on an operation after this long without an answer. */
#define SIM_OP_TIMEOUT_MS	(4 * SIM_ELECTION_TICKS * SIM_TICK_MS)

struct sim_packet {
	uint64_t at;
	uint64_t seq;
	int to;
	size_t len;
	uint8_t *buf;
};

/* What a node's disk holds; only this survives a crash. */
struct sim_disk {
	struct raft_hard_state hs;
	/* snapshot: the store's state after entry base, of term base_term */
	uint64_t base;
	uint64_t base_term;
	uint64_t base_phash;	/* prefix hash of entries 1..base */
	uint64_t base_kv[SIM_KEYS];
	struct raft_conf base_conf;	/* the snapshot's configuration */
	uint64_t conf_index;	/* the newest configuration entry, or 0 */
	struct raft_entry *log;	/* entries base + 1.. */
	uint64_t *phash;	/* prefix hash up to log[i] */
	size_t n;
	size_t cap;
};

struct sim_node {
	int id;
	bool up;
	uint64_t restart_at;
	uint64_t doom_at;	/* a young leader's scheduled fault, or 0 */
	uint64_t reconf_at;	/* a young leader's membership change */
	struct raft *r;
	struct sim_disk disk;
	struct raft_storage *store;	/* with opts->storage_dir */
	char dir[256];
	uint64_t kv[SIM_KEYS];
	uint64_t applied;
	enum raft_role role;
	uint64_t term;
};

struct sim_client_op {
	int key;
	struct sim_op op;
	int node;
	uint64_t index;		/* log entry, or the confirmed read index */
	uint64_t term;
	uint64_t read_id;	/* a get served by read index, not the log */
	bool read_confirmed;
	bool done;
	bool failed;		/* definitely had no effect */
};

struct sim_client {
	int op;			/* index into ops, -1 when idle */
};

/* Per-index global facts the checker has established. */
struct sim_index_fact {
	uint64_t applied_hash;	/* 0: nobody applied it yet */
	uint64_t state_hash;	/* the store's state after applying it */
	uint64_t commit_hash;	/* prefix hash of the committed prefix */
	uint64_t commit_term;	/* term in which it was first seen committed */
};

struct sim_lm_slot {
	uint64_t index;
	uint64_t term;
	uint64_t phash;
};

struct sim {
	const struct sim_opts *o;
	struct sim_result *res;
	struct prng rng;
	uint64_t now;
	struct sim_node nodes[SIM_MAX_NODES];
	int n;			/* every node: members and spares */
	int n_boot;		/* the bootstrap members, ids 1..n_boot */
	/* network */
	struct sim_packet *pk;
	size_t n_pk;
	size_t cap_pk;
	uint64_t seq;
	bool blocked[SIM_MAX_NODES][SIM_MAX_NODES];
	uint32_t loss_pct;
	uint32_t dup_pct;
	uint32_t max_delay;
	uint32_t crash_odds;	/* a crash per tick is 1 in crash_odds */
	uint32_t partition_odds;	/* a new partition per tick: 1 in ... */
	bool faults;
	/* the cluster's tuning, drawn per seed */
	unsigned int heartbeat_ticks;
	unsigned int max_inflight;
	uint32_t max_msg_entries;
	uint32_t compact_every;	/* 0: never compact the log */
	int n_learners;		/* the last members replicate, never vote */
	uint32_t reconf_odds;	/* a membership change per tick: 1 in ... */
	/* checker */
	uint64_t *leader_of_term;
	size_t n_terms;
	struct sim_index_fact *facts;
	size_t cap_facts;
	uint64_t commit;
	struct sim_lm_slot *lm;	/* (index, term) -> prefix hash */
	size_t cap_lm;
	size_t n_lm;
	/* clients */
	struct sim_client_op *ops;
	size_t n_ops;
	size_t cap_ops;
	size_t ops_per_key[SIM_KEYS];
	struct sim_client clients[SIM_CLIENTS];
	uint64_t next_value;
};

/* sim.c */
uint64_t sim_phash_at(const struct sim_disk *d, uint64_t index);
uint64_t sim_disk_last(const struct sim_disk *d);
void sim_boot_conf(const struct sim *s, int id, struct raft_conf *conf);
void sim_log(struct sim *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sim_fail(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t sim_mix(uint64_t h, uint64_t v);
uint64_t sim_entry_hash(uint64_t prev, const struct raft_entry *e);
bool sim_chance(struct sim *s, uint32_t num, uint32_t den);
int sim_reserve(void **p, size_t *cap, size_t need, size_t size);
struct sim_index_fact *sim_fact(struct sim *s, uint64_t index);

/* store.c */
int sim_store_open(struct sim *s, struct sim_node *nd,
		   struct raft_storage_state *st);
void sim_store_save(struct sim *s, struct sim_node *nd,
		    const struct raft_ready *rd);
void sim_store_tear(struct sim *s, struct sim_node *nd,
		    const struct raft_ready *kept);
void sim_store_compact(struct sim *s, struct sim_node *nd,
		       const struct raft_snapshot *snap);
void sim_store_init(struct sim *s, struct sim_node *nd);
void sim_store_close(struct sim_node *nd);
void sim_store_remove(struct sim_node *nd);

/* check.c */
void sim_check_log_matching(struct sim *s, int node, uint64_t index,
			    uint64_t term, uint64_t phash);
void sim_check_election(struct sim *s, struct sim_node *nd);
void sim_check_leader_completeness(struct sim *s, struct sim_node *nd);
void sim_check_commit(struct sim *s, struct sim_node *nd);
void sim_check_conf(struct sim *s, struct sim_node *nd);

/* kv.c */
void sim_check_state(struct sim *s, struct sim_node *nd);
void sim_serve_reads(struct sim *s, struct sim_node *nd,
		     const struct raft_ready *rd);
void sim_apply(struct sim *s, struct sim_node *nd,
	       const struct raft_entry *e);
struct sim_node *sim_find_leader(struct sim *s);
void sim_clients(struct sim *s);
void sim_check_linearizable(struct sim *s);

#endif /* _X0TTA_SIM_INT_H */
