/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_H
#define _X0TTA_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The Raft consensus core, written as a pure state machine in the style of
 * etcd's raft: it does no I/O, reads no clock and draws randomness only
 * from a PRNG seeded by the caller. The application feeds it messages
 * (raft_step), ticks (raft_tick) and proposals (raft_propose), then takes a
 * struct raft_ready describing what to do, does it in this order:
 *
 *   1. persist hs (if hs_changed) and entries, and fsync them;
 *   2. send msgs;
 *   3. apply committed entries to the state machine;
 *   4. call raft_advance() with the same ready.
 *
 * Everything a ready points to stays valid until raft_advance(); no other
 * raft_* call may be made on the same node in between. Because the core
 * never blocks and never looks outside, the same code runs in the daemon
 * and in the deterministic simulator (selftests/sim).
 */

#define RAFT_MAX_NODES		9
#define RAFT_MAX_INFLIGHT	64
#define RAFT_MAX_PENDING_READS	1024
/* Bounds the decoder enforces on data from the network. */
#define RAFT_MAX_ENTRY_SIZE	(1u << 20)
#define RAFT_MAX_MSG_ENTRIES	1024u
#define RAFT_MAX_SNAPSHOT_SIZE	(4u << 20)
/* Terms and indexes above this are refused: no arithmetic can overflow. */
#define RAFT_MAX_INDEX		(UINT64_MAX >> 2)

enum raft_role {
	RAFT_FOLLOWER,
	RAFT_PRE_CANDIDATE,
	RAFT_CANDIDATE,
	RAFT_LEADER,
};

enum raft_entry_type {
	RAFT_ENTRY_NORMAL = 1,
	/* Every new leader appends one, to commit older terms' entries. */
	RAFT_ENTRY_NOOP = 2,
	/*
	 * A membership change (raft_propose_conf_change()); its data is
	 * decoded by raft_conf_entry_decode(). It reaches the application
	 * through rd.committed like any other entry, to apply in order:
	 * connect to a new node, disconnect from a removed one.
	 */
	RAFT_ENTRY_CONF = 3,
};

struct raft_entry {
	uint64_t term;
	uint64_t index;
	uint8_t type;		/* enum raft_entry_type */
	uint32_t len;
	void *data;		/* len bytes, NULL when len == 0 */
};

/*
 * A cluster's membership: voters elect and make quorums, learners only
 * receive the log. Each list is sorted and an id is in at most one.
 */
struct raft_conf {
	uint64_t voters[RAFT_MAX_NODES];
	uint32_t n_voters;
	uint64_t learners[RAFT_MAX_NODES];
	uint32_t n_learners;
};

/* Opaque application context of a change: e.g. address and SPIFFE ID. */
#define RAFT_CONF_CTX_MAX	256

enum raft_conf_op {
	/* A new voter, or the promotion of a learner. */
	RAFT_CONF_ADD_VOTER = 1,
	RAFT_CONF_ADD_LEARNER = 2,
	RAFT_CONF_REMOVE = 3,
};

/* One single-server membership change (dissertation chapter 4). */
struct raft_conf_change {
	uint8_t op;		/* enum raft_conf_op */
	uint64_t id;
	uint16_t ctx_len;
	uint8_t ctx[RAFT_CONF_CTX_MAX];
};

enum raft_msg_type {
	RAFT_MSG_PREVOTE = 1,
	RAFT_MSG_PREVOTE_RESP,
	RAFT_MSG_VOTE,
	RAFT_MSG_VOTE_RESP,
	RAFT_MSG_APPEND,
	RAFT_MSG_APPEND_RESP,
	RAFT_MSG_HEARTBEAT,
	RAFT_MSG_HEARTBEAT_RESP,
	/* Leadership transfer: campaign now, the leader steps aside. */
	RAFT_MSG_TIMEOUT_NOW,
	/* The leader's snapshot, for a follower it has no entries for. */
	RAFT_MSG_SNAPSHOT,
	RAFT_MSG_TYPE_MAX = RAFT_MSG_SNAPSHOT,
};

/*
 * One peer message. The meaning of index/log_term depends on type:
 *   APPEND:       entry before entries[0] (the "prev" entry); commit is the
 *                 leader's commit index.
 *   APPEND_RESP:  on success the last index known to match; on reject the
 *                 rejected prev index, with hint the follower's guess of the
 *                 last index that may match.
 *   (PRE)VOTE:    the candidate's last log index and term; transfer set
 *                 when the leader asked for this election, so voters
 *                 that still hear from that leader vote anyway.
 *   SNAPSHOT:     index/log_term: the last entry the snapshot covers;
 *                 data/len: the application's state at that entry;
 *                 conf: the configuration at that entry.
 *   HEARTBEAT:    commit is min(leader commit, follower's match); ctx is
 *                 the newest read-index request, echoed in the response.
 */
struct raft_msg {
	uint8_t type;		/* enum raft_msg_type */
	bool reject;
	bool transfer;
	uint64_t from;
	uint64_t to;
	uint64_t term;
	uint64_t log_term;
	uint64_t index;
	uint64_t commit;
	uint64_t hint;
	uint64_t ctx;
	uint32_t n_entries;
	struct raft_entry *entries;	/* APPEND only */
	uint32_t len;
	void *data;			/* SNAPSHOT only */
	struct raft_conf conf;		/* SNAPSHOT only */
};

/*
 * A state machine snapshot covering the log up to (index, term), and
 * the membership as of that index. An empty conf (no voters) is a
 * snapshot from before configurations were tracked: the node then uses
 * the one in its struct raft_config.
 */
struct raft_snapshot {
	uint64_t index;
	uint64_t term;
	uint32_t len;
	void *data;
	struct raft_conf conf;
};

/* What must be durable before any message of the same ready is sent. */
struct raft_hard_state {
	uint64_t term;
	uint64_t vote;
	uint64_t commit;
};

/* A read confirmed by a quorum: serve it once applied >= index. */
struct raft_read_state {
	uint64_t id;
	uint64_t index;
};

struct raft_config {
	uint64_t id;			/* this node, non-zero */
	/*
	 * The bootstrap membership, used until the log or a snapshot says
	 * otherwise (see raft_conf()). Both lists empty: a node joining an
	 * existing cluster, which waits for the leader to send it the log
	 * and never campaigns before a configuration makes it a voter.
	 */
	uint64_t voters[RAFT_MAX_NODES];	/* every voter */
	size_t n_voters;
	/*
	 * Learners get the log but neither vote nor count for a quorum,
	 * nor ever campaign: a node catching up before it becomes a voter,
	 * or a read replica. Self is in one of the two lists (unless both
	 * are empty); together they hold at most RAFT_MAX_NODES ids.
	 */
	uint64_t learners[RAFT_MAX_NODES];
	size_t n_learners;
	unsigned int election_ticks;	/* > heartbeat_ticks */
	unsigned int heartbeat_ticks;	/* >= 1 */
	unsigned int max_inflight;	/* pipelined appends per follower */
	uint32_t max_msg_entries;	/* batch limit per append */
	uint32_t max_msg_bytes;		/* soft batch limit per append */
	bool pre_vote;
	bool check_quorum;
	uint64_t seed;			/* election timeout jitter */
};

struct raft_ready {
	struct raft_hard_state hs;
	bool hs_changed;
	/*
	 * A snapshot from the leader: persist it (it replaces the whole log)
	 * and load it into the state machine, before the entries below.
	 */
	const struct raft_snapshot *snapshot;
	/* Entries to persist; storage drops its own from entries[0].index. */
	const struct raft_entry *entries;
	size_t n_entries;
	/* Entries to apply, in order. */
	const struct raft_entry *committed;
	size_t n_committed;
	const struct raft_msg *msgs;
	size_t n_msgs;
	/* Reads confirmed since the last ready (raft_read_index()). */
	const struct raft_read_state *reads;
	size_t n_reads;
	/* Soft state, for information only. */
	enum raft_role role;
	uint64_t lead;
};

struct raft_status {
	uint64_t id;
	uint64_t term;
	uint64_t vote;
	uint64_t lead;
	enum raft_role role;
	uint64_t commit;
	uint64_t applied;
	uint64_t last_index;
	uint64_t stable_index;
	uint64_t snap_index;	/* the log starts after this */
	uint64_t transferee;	/* leadership being handed to, or 0 */
	/*
	 * The entry that made the current configuration, or the snapshot
	 * that holds it; 0: the bootstrap configuration.
	 */
	uint64_t conf_index;
	bool voter;		/* votes in the current configuration */
};

struct raft;

/* Defaults for every tunable of @cfg; the caller sets the ids. */
void raft_config_default(struct raft_config *cfg);

/*
 * Create a node from what storage recovered: the hard state and the
 * durable log (entries 1..n, contiguous). Returns -EINVAL on an
 * inconsistent configuration or log, -ENOMEM.
 */
int raft_new(const struct raft_config *cfg, const struct raft_hard_state *hs,
	     const struct raft_entry *log, size_t n_log, struct raft **out);
/*
 * The same, for storage that holds a snapshot (may be NULL): the log then
 * holds entries snap->index + 1.., and the application has loaded the
 * snapshot into its state machine; only later entries are handed out.
 */
int raft_new_at(const struct raft_config *cfg,
		const struct raft_hard_state *hs,
		const struct raft_snapshot *snap, const struct raft_entry *log,
		size_t n_log, struct raft **out);
void raft_free(struct raft *r);

/*
 * Feed one message from a peer. Returns -EINVAL without any state change
 * when the message is not for this node. Senders outside the current
 * configuration, or learners in it, are heard: a node joining, or one
 * whose log lacks the change that added or promoted the sender, must
 * follow the leader and may vote;
 * their responses count for nothing, and votes are only asked of and
 * counted from voters of this node's configuration. A removed node that
 * never learnt of its removal cannot win a pre-vote (its log lacks the
 * committed change) and, with check-quorum, cannot raise the term of
 * nodes that hear from a leader.
 */
int raft_step(struct raft *r, const struct raft_msg *m);
void raft_tick(struct raft *r);
/*
 * Append @data as a new entry. Returns 0 and its index and term, or
 * -EPERM when this node is not the leader (raft_status().lead tells who
 * is), -EBUSY during a leadership transfer, -E2BIG when len exceeds
 * RAFT_MAX_ENTRY_SIZE, -ENOMEM.
 */
int raft_propose(struct raft *r, const void *data, uint32_t len,
		 uint64_t *index, uint64_t *term);
/*
 * Linearizable read without a log write (dissertation 6.4): the leader
 * notes its commit index, confirms with a round of heartbeats that it is
 * still the leader, then reports {id, index} in a ready's reads; the
 * read is answered from the state machine once it has applied index.
 * Returns 0 and the request's id, -EPERM when not the leader, -EAGAIN
 * before the leader has committed an entry of its term (it cannot know
 * the commit index yet), -EBUSY with too many reads pending. Pending
 * reads are dropped if leadership is lost; the caller retries.
 */
int raft_read_index(struct raft *r, uint64_t *id);
/*
 * Hand leadership to voter @to (dissertation 3.10): the leader stops
 * taking proposals, brings @to's log up to date and tells it to campaign
 * at once. Returns 0, -EPERM when not the leader, -EINVAL for an unknown
 * id, a learner or itself. The transfer is abandoned after an election timeout.
 * While it is under way raft_propose() returns -EBUSY.
 */
int raft_transfer_leadership(struct raft *r, uint64_t to);
/*
 * The application has durably saved a snapshot of its state machine at
 * applied index @index: drop the log up to there and keep a copy of
 * @data to send to followers too far behind for entries; the snapshot
 * carries the configuration as of @index (raft_conf_at()). Returns 0,
 * -EINVAL when @index was not applied yet, -E2BIG above
 * RAFT_MAX_SNAPSHOT_SIZE, -ENOMEM.
 */
int raft_compact(struct raft *r, uint64_t index, const void *data,
		 uint32_t len);
/*
 * Propose one membership change (dissertation 4.1, 4.2). It takes
 * effect on each node as soon as its entry is in that node's log, not
 * when committed, and is undone if the entry is truncated away. Returns
 * 0 and the entry's index and term, or
 *   -EPERM  not the leader;
 *   -EBUSY  an earlier change is not committed yet, the leader has not
 *           committed an entry of its own term yet (its first no-op),
 *           or a leadership transfer is under way;
 *   -EINVAL a change that makes no sense: unknown op, id 0, adding a
 *           voter twice or a voter as learner, removing an unknown id
 *           or the last voter, more than RAFT_MAX_NODES members, a
 *           context above RAFT_CONF_CTX_MAX;
 *   -ENOMEM.
 * Add a node as a learner first and promote it once it has caught up:
 * a voter with an empty log can stall commits until it has the log.
 * A leader that removes itself keeps leading until the change commits,
 * then steps down.
 */
int raft_propose_conf_change(struct raft *r, const struct raft_conf_change *cc,
			     uint64_t *index, uint64_t *term);
/* The current configuration (including uncommitted changes). */
void raft_conf(const struct raft *r, struct raft_conf *conf);
/*
 * The configuration as of log index @index, for a snapshot the
 * application stores itself (raft_storage_compact()). Returns 0, or
 * -ENOENT when @index is compacted away or beyond the log.
 */
int raft_conf_at(const struct raft *r, uint64_t index, struct raft_conf *conf);
/*
 * Decode the data of a RAFT_ENTRY_CONF entry: the change and the
 * configuration it produced. Returns 0, -EBADMSG if malformed,
 * -EPROTONOSUPPORT for an unknown version.
 */
int raft_conf_entry_decode(const void *data, size_t len,
			   struct raft_conf_change *cc, struct raft_conf *conf);
bool raft_conf_is_voter(const struct raft_conf *conf, uint64_t id);
bool raft_conf_is_learner(const struct raft_conf *conf, uint64_t id);

/* Start an election now, as if the election timeout had fired. */
void raft_campaign(struct raft *r);

bool raft_has_ready(struct raft *r);
void raft_ready(struct raft *r, struct raft_ready *rd);
void raft_advance(struct raft *r, const struct raft_ready *rd);

void raft_status(const struct raft *r, struct raft_status *st);
/* Term of the entry at @index (or of the snapshot's last); -ENOENT if absent. */
int raft_term_at(const struct raft *r, uint64_t index, uint64_t *term);
/* The entry at @index, valid until the next raft_* call; NULL if absent. */
const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index);

const char *raft_role_name(enum raft_role role);
const char *raft_msg_type_name(uint8_t type);

#endif /* _X0TTA_RAFT_H */
