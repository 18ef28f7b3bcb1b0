/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_INT_H
#define _X0TTA_RAFT_INT_H

/*
 * The core's internals, shared by its files and nothing else:
 *   raft.c      step, tick, propose, ready/advance, construction
 *   election.c  roles, pre-vote and vote
 *   leader.c    progress of followers, appends, snapshots, commit, read
 *               index, leadership transfer
 *   follower.c  appends, heartbeats and snapshots from the leader
 *   member.c    the current configuration, its rollback and progress
 *   conf.c      configurations and their codecs (also public)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/prng.h"
#include "raft/conf.h"
#include "raft/log.h"
#include "raft/raft.h"

enum raft_pr_state {
	RAFT_PR_PROBE,		/* one append at a time until prev matches */
	RAFT_PR_REPLICATE,	/* optimistic pipelining */
	RAFT_PR_SNAPSHOT,	/* a snapshot sent, waiting for its answer */
};

/* The leader's view of one member (itself included while a member). */
struct raft_progress {
	uint64_t id;
	uint64_t match;
	uint64_t next;
	enum raft_pr_state state;
	bool paused;
	bool recent_active;
	bool learner;
	uint64_t pending_snap;	/* index of the snapshot sent */
	/* Last index of each unacknowledged append, oldest first (a ring). */
	uint64_t inflight[RAFT_MAX_INFLIGHT];
	unsigned int in_start;
	unsigned int in_count;
};

/* A read-index request waiting for a quorum to confirm leadership. */
struct raft_read {
	uint64_t id;
	uint64_t index;
	uint32_t acks;		/* bit i: prs[i] answered a later heartbeat */
};

enum raft_vote {
	RAFT_VOTE_NONE,
	RAFT_VOTE_GRANTED,
	RAFT_VOTE_REJECTED,
};

struct raft {
	struct raft_config cfg;
	uint64_t term;
	uint64_t vote;
	uint64_t lead;
	enum raft_role role;
	struct raft_log log;
	struct raft_progress prs[RAFT_MAX_NODES];
	size_t n_prs;
	enum raft_vote votes[RAFT_MAX_NODES];
	unsigned int election_elapsed;
	unsigned int heartbeat_elapsed;
	unsigned int randomized_timeout;
	bool need_bcast;
	struct prng rng;
	struct raft_msg *msgs;
	size_t n_msgs;
	size_t cap_msgs;
	struct raft_hard_state prev_hs;
	/* read index: pending FIFO, and confirmed ones for the next ready */
	struct raft_read *reads;
	size_t n_reads;
	struct raft_read_state *ready_reads;
	size_t n_ready_reads;
	uint64_t read_seq;
	uint64_t transferee;
	/* The latest snapshot: to send, and (pending) to hand to the app. */
	struct raft_snapshot snap;
	bool snap_pending;
	/*
	 * Membership: the configuration as of the log's start (the
	 * snapshot's, else the bootstrap one), and the current one, made by
	 * the newest configuration entry in the log or, when there is none,
	 * equal to the base; conf_index is that entry's index (or the
	 * snapshot's, or 0). prs follows conf.
	 */
	struct raft_conf boot_conf;	/* from struct raft_config */
	struct raft_conf base_conf;
	struct raft_conf conf;
	uint64_t conf_index;
};

/* raft.c */
struct raft_progress *raft_pr(struct raft *r, uint64_t id);
size_t raft_quorum(const struct raft *r);
bool raft_is_voter(const struct raft *r);
/* Bit i set when prs[i] is a voter. */
uint32_t raft_voter_mask(const struct raft *r);
struct raft_msg *raft_msg_new(struct raft *r, uint8_t type, uint64_t to);
void raft_msg_release_entries(struct raft_msg *m);
int raft_snapshot_copy(struct raft_snapshot *dst, uint64_t index,
		       uint64_t term, const void *data, uint32_t len,
		       const struct raft_conf *conf);

/* election.c */
void raft_become_follower(struct raft *r, uint64_t term, uint64_t lead);
void raft_election(struct raft *r, bool transfer);
void raft_handle_vote_request(struct raft *r, const struct raft_msg *m);
void raft_handle_vote_response(struct raft *r, const struct raft_msg *m);
void raft_step_candidate(struct raft *r, const struct raft_msg *m);

/* leader.c */
void raft_bcast_append(struct raft *r, bool send_empty);
void raft_bcast_heartbeat(struct raft *r);
bool raft_maybe_commit(struct raft *r);
bool raft_quorum_active(struct raft *r);
bool raft_pr_update(struct raft_progress *pr, uint64_t index);
/* The commit index moved: tell the followers; step down if removed. */
void raft_commit_advanced(struct raft *r);
void raft_step_leader(struct raft *r, const struct raft_msg *m);

/* member.c */
/* @conf, made by entry @index (0: the base), is now the configuration. */
void raft_conf_set(struct raft *r, const struct raft_conf *conf,
		   uint64_t index);
/* Entry @e was just appended: if it is a configuration, it rules now. */
void raft_conf_note_entry(struct raft *r, const struct raft_entry *e);
/* Entries were truncated or replaced: find the newest configuration. */
void raft_conf_refresh(struct raft *r);
/* The base is empty when unknown: fall back to the bootstrap one. */
void raft_conf_set_base(struct raft *r, const struct raft_conf *conf);
bool raft_entry_valid(const struct raft_entry *e);
bool raft_leader_removed(const struct raft *r);
bool raft_may_campaign(const struct raft *r);

/* follower.c */
void raft_step_follower(struct raft *r, const struct raft_msg *m);

#endif /* _X0TTA_RAFT_INT_H */
