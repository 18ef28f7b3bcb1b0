// SPDX-License-Identifier: GPL-2.0
/*
 * The Raft protocol: elections (with pre-vote and check-quorum), log
 * replication (batched and pipelined) and the commit rule. See raft.h for
 * the contract with the application and Documentation/raft.rst for the
 * design. Section numbers refer to Ongaro's dissertation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prng.h"
#include "raft/log.h"
#include "raft/raft.h"

enum raft_pr_state {
	RAFT_PR_PROBE,		/* one append at a time until prev matches */
	RAFT_PR_REPLICATE,	/* optimistic pipelining */
	RAFT_PR_SNAPSHOT,	/* a snapshot sent, waiting for its answer */
};

/* The leader's view of one voter (itself included). */
struct raft_progress {
	uint64_t id;
	uint64_t match;
	uint64_t next;
	enum raft_pr_state state;
	bool paused;
	bool recent_active;
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
};

static const char *const raft_role_names[] = {
	[RAFT_FOLLOWER] = "follower",
	[RAFT_PRE_CANDIDATE] = "pre-candidate",
	[RAFT_CANDIDATE] = "candidate",
	[RAFT_LEADER] = "leader",
};

static const char *const raft_msg_names[] = {
	[RAFT_MSG_PREVOTE] = "prevote",
	[RAFT_MSG_PREVOTE_RESP] = "prevote-resp",
	[RAFT_MSG_VOTE] = "vote",
	[RAFT_MSG_VOTE_RESP] = "vote-resp",
	[RAFT_MSG_APPEND] = "append",
	[RAFT_MSG_APPEND_RESP] = "append-resp",
	[RAFT_MSG_HEARTBEAT] = "heartbeat",
	[RAFT_MSG_HEARTBEAT_RESP] = "heartbeat-resp",
	[RAFT_MSG_TIMEOUT_NOW] = "timeout-now",
	[RAFT_MSG_SNAPSHOT] = "snapshot",
};

const char *raft_role_name(enum raft_role role)
{
	if ((unsigned int)role > RAFT_LEADER)
		return "?";
	return raft_role_names[role];
}

const char *raft_msg_type_name(uint8_t type)
{
	if (type == 0 || type > RAFT_MSG_TYPE_MAX)
		return "?";
	return raft_msg_names[type];
}

void raft_config_default(struct raft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->election_ticks = 10;
	cfg->heartbeat_ticks = 1;
	cfg->max_inflight = 16;
	cfg->max_msg_entries = 64;
	cfg->max_msg_bytes = 64 * 1024;
	cfg->pre_vote = true;
	cfg->check_quorum = true;
}

/* ---- membership helpers ------------------------------------------------ */

static struct raft_progress *raft_pr(struct raft *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			return &r->prs[i];
	return NULL;
}

static size_t raft_quorum(const struct raft *r)
{
	return r->n_prs / 2 + 1;
}

static bool raft_is_voter(const struct raft *r)
{
	for (size_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == r->cfg.id)
			return true;
	return false;
}

/* ---- outgoing messages ------------------------------------------------- */

static struct raft_msg *raft_msg_new(struct raft *r, uint8_t type,
				     uint64_t to)
{
	struct raft_msg *m;

	if (r->n_msgs == r->cap_msgs) {
		size_t cap = r->cap_msgs ? r->cap_msgs * 2 : 16;
		struct raft_msg *msgs = realloc(r->msgs, cap * sizeof(*msgs));

		/*
		 * Dropping a message is always safe in Raft (the network may
		 * do it too); the protocol retries on the next tick.
		 */
		if (!msgs)
			return NULL;
		r->msgs = msgs;
		r->cap_msgs = cap;
	}
	m = &r->msgs[r->n_msgs++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->from = r->cfg.id;
	m->to = to;
	m->term = r->term;
	return m;
}

static void raft_msg_release_entries(struct raft_msg *m)
{
	for (uint32_t i = 0; i < m->n_entries; i++)
		raft_entry_release(&m->entries[i]);
	free(m->entries);
	m->entries = NULL;
	m->n_entries = 0;
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

static void raft_msgs_clear(struct raft *r)
{
	for (size_t i = 0; i < r->n_msgs; i++)
		raft_msg_release_entries(&r->msgs[i]);
	r->n_msgs = 0;
}

/* ---- role changes ------------------------------------------------------ */

static void raft_reset_timeout(struct raft *r)
{
	unsigned int e = r->cfg.election_ticks;

	/* Randomized in [e, 2e) so that split votes resolve (section 3.4). */
	r->election_elapsed = 0;
	r->randomized_timeout = e + (unsigned int)prng_below(&r->rng, e);
}

static void raft_reset(struct raft *r, uint64_t term)
{
	if (term != r->term) {
		r->term = term;
		r->vote = 0;
	}
	r->lead = 0;
	r->heartbeat_elapsed = 0;
	r->need_bcast = false;
	r->transferee = 0;
	/* Unconfirmed reads die with the leadership they relied on. */
	r->n_reads = 0;
	raft_reset_timeout(r);
	memset(r->votes, 0, sizeof(r->votes));
	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];
		uint64_t id = pr->id;

		memset(pr, 0, sizeof(*pr));
		pr->id = id;
		pr->next = raft_log_last(&r->log) + 1;
		if (id == r->cfg.id)
			pr->match = r->log.stable;
	}
}

static void raft_become_follower(struct raft *r, uint64_t term, uint64_t lead)
{
	raft_reset(r, term);
	r->role = RAFT_FOLLOWER;
	r->lead = lead;
}

static void raft_bcast_append(struct raft *r, bool send_empty);
static bool raft_maybe_commit(struct raft *r);

static void raft_become_leader(struct raft *r)
{
	struct raft_entry noop = {
		.term = r->term,
		.index = raft_log_last(&r->log) + 1,
		.type = RAFT_ENTRY_NOOP,
	};

	raft_reset(r, r->term);
	r->role = RAFT_LEADER;
	r->lead = r->cfg.id;
	for (size_t i = 0; i < r->n_prs; i++)
		r->prs[i].recent_active = true;
	/*
	 * A leader may only commit entries of its own term by counting
	 * replicas (section 3.6.2); the no-op gives it one at once, which also
	 * commits everything before it.
	 */
	if (raft_log_append(&r->log, &noop))
		return;
	raft_bcast_append(r, true);
	raft_maybe_commit(r);
}

/* ---- elections --------------------------------------------------------- */

static size_t raft_count_votes(const struct raft *r, enum raft_vote v)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_prs; i++)
		n += r->votes[i] == v;
	return n;
}

static void raft_record_vote(struct raft *r, uint64_t id, bool granted)
{
	for (size_t i = 0; i < r->n_prs; i++) {
		if (r->prs[i].id != id || r->votes[i] != RAFT_VOTE_NONE)
			continue;
		r->votes[i] = granted ? RAFT_VOTE_GRANTED : RAFT_VOTE_REJECTED;
	}
}

static void raft_send_vote_requests(struct raft *r, uint8_t type,
				    uint64_t term, bool transfer)
{
	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_msg *m;

		if (r->prs[i].id == r->cfg.id)
			continue;
		m = raft_msg_new(r, type, r->prs[i].id);
		if (!m)
			continue;
		m->term = term;
		m->index = raft_log_last(&r->log);
		m->log_term = raft_log_last_term(&r->log);
		m->transfer = transfer;
	}
}

static void raft_election(struct raft *r, bool transfer);

/* Pre-vote (section 9.6): ask whether an election could be won before
 * disturbing anyone with a higher term.
 */
static void raft_pre_election(struct raft *r)
{
	raft_reset(r, r->term);
	r->role = RAFT_PRE_CANDIDATE;
	raft_record_vote(r, r->cfg.id, true);
	if (raft_count_votes(r, RAFT_VOTE_GRANTED) >= raft_quorum(r)) {
		raft_election(r, false);
		return;
	}
	raft_send_vote_requests(r, RAFT_MSG_PREVOTE, r->term + 1, false);
}

static void raft_election(struct raft *r, bool transfer)
{
	raft_reset(r, r->term + 1);
	r->role = RAFT_CANDIDATE;
	r->vote = r->cfg.id;
	raft_record_vote(r, r->cfg.id, true);
	if (raft_count_votes(r, RAFT_VOTE_GRANTED) >= raft_quorum(r)) {
		raft_become_leader(r);
		return;
	}
	raft_send_vote_requests(r, RAFT_MSG_VOTE, r->term, transfer);
}

void raft_campaign(struct raft *r)
{
	if (r->role == RAFT_LEADER || !raft_is_voter(r))
		return;
	if (r->cfg.pre_vote)
		raft_pre_election(r);
	else
		raft_election(r, false);
}

static void raft_handle_vote_request(struct raft *r, const struct raft_msg *m)
{
	bool prevote = m->type == RAFT_MSG_PREVOTE;
	uint8_t resp = prevote ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP;
	bool can_vote = r->vote == m->from ||
			(r->vote == 0 && r->lead == 0) ||
			(prevote && m->term > r->term);
	struct raft_msg *out;

	if (can_vote && raft_log_up_to_date(&r->log, m->log_term, m->index)) {
		out = raft_msg_new(r, resp, m->from);
		if (!out)
			return;
		/* A granted pre-vote answers in the term it was asked for. */
		out->term = m->term;
		if (!prevote) {
			r->vote = m->from;
			r->election_elapsed = 0;
		}
		return;
	}
	out = raft_msg_new(r, resp, m->from);
	if (out)
		out->reject = true;
}

static void raft_handle_vote_response(struct raft *r, const struct raft_msg *m)
{
	size_t q = raft_quorum(r);

	raft_record_vote(r, m->from, !m->reject);
	if (raft_count_votes(r, RAFT_VOTE_GRANTED) >= q) {
		if (r->role == RAFT_PRE_CANDIDATE)
			raft_election(r, false);
		else
			raft_become_leader(r);
		return;
	}
	if (raft_count_votes(r, RAFT_VOTE_REJECTED) >= q)
		raft_become_follower(r, r->term, 0);
}

/* ---- replication (leader side) ----------------------------------------- */

static bool raft_pr_blocked(const struct raft_progress *pr,
			    const struct raft *r)
{
	if (pr->state == RAFT_PR_SNAPSHOT)
		return true;
	if (pr->state == RAFT_PR_PROBE)
		return pr->paused;
	return pr->in_count >= r->cfg.max_inflight;
}

static void raft_pr_inflight_add(struct raft_progress *pr, uint64_t last)
{
	unsigned int slot = (pr->in_start + pr->in_count) % RAFT_MAX_INFLIGHT;

	pr->inflight[slot] = last;
	pr->in_count++;
}

static void raft_pr_inflight_free_to(struct raft_progress *pr, uint64_t index)
{
	while (pr->in_count && pr->inflight[pr->in_start] <= index) {
		pr->in_start = (pr->in_start + 1) % RAFT_MAX_INFLIGHT;
		pr->in_count--;
	}
}

static void raft_pr_become(struct raft_progress *pr, enum raft_pr_state st)
{
	pr->state = st;
	pr->paused = false;
	pr->in_start = 0;
	pr->in_count = 0;
	pr->next = pr->match + 1;
}

/* Copy a batch of entries starting at @next, bounded by count and bytes. */
static int raft_fill_entries(struct raft *r, struct raft_msg *m, uint64_t next)
{
	uint64_t last = raft_log_last(&r->log);
	uint64_t bytes = 0;
	uint32_t n = 0;

	while (next + n <= last && n < r->cfg.max_msg_entries) {
		const struct raft_entry *e = raft_log_entry(&r->log, next + n);

		/* Always send at least one entry, however large. */
		if (n && bytes + e->len > r->cfg.max_msg_bytes)
			break;
		bytes += e->len;
		n++;
	}
	if (!n)
		return 0;
	m->entries = calloc(n, sizeof(*m->entries));
	if (!m->entries)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (raft_entry_copy(&m->entries[i],
				    raft_log_entry(&r->log, next + i)))
			goto err;
		m->n_entries++;
	}
	return 0;
err:
	raft_msg_release_entries(m);
	return -ENOMEM;
}

static int raft_snapshot_copy(struct raft_snapshot *dst, uint64_t index,
			      uint64_t term, const void *data, uint32_t len)
{
	void *copy = NULL;

	if (len) {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	free(dst->data);
	dst->index = index;
	dst->term = term;
	dst->len = len;
	dst->data = copy;
	return 0;
}

/* The entries the follower needs are compacted: send the snapshot. */
static void raft_send_snapshot(struct raft *r, struct raft_progress *pr)
{
	struct raft_msg *m;

	if (!r->snap.index)
		return;
	m = raft_msg_new(r, RAFT_MSG_SNAPSHOT, pr->id);
	if (!m)
		return;
	m->index = r->snap.index;
	m->log_term = r->snap.term;
	if (r->snap.len) {
		m->data = malloc(r->snap.len);
		if (!m->data) {
			r->n_msgs--;
			return;
		}
		memcpy(m->data, r->snap.data, r->snap.len);
		m->len = r->snap.len;
	}
	raft_pr_become(pr, RAFT_PR_SNAPSHOT);
	pr->pending_snap = r->snap.index;
}

/* Send the follower what it lacks. Returns true if it sent entries. */
static bool raft_send_append(struct raft *r, struct raft_progress *pr,
			     bool send_empty)
{
	uint64_t prev = pr->next - 1;
	struct raft_msg *m;
	uint64_t prev_term;

	if (raft_pr_blocked(pr, r))
		return false;
	if (pr->next > raft_log_last(&r->log) && !send_empty)
		return false;
	if (raft_log_term(&r->log, prev, &prev_term)) {
		raft_send_snapshot(r, pr);
		return false;
	}
	m = raft_msg_new(r, RAFT_MSG_APPEND, pr->id);
	if (!m)
		return false;
	m->index = prev;
	m->log_term = prev_term;
	m->commit = r->log.committed;
	if (raft_fill_entries(r, m, pr->next)) {
		r->n_msgs--;
		return false;
	}
	if (pr->state == RAFT_PR_PROBE) {
		pr->paused = true;
		return m->n_entries > 0;
	}
	if (!m->n_entries)
		return false;
	pr->next = m->entries[m->n_entries - 1].index + 1;
	raft_pr_inflight_add(pr, pr->next - 1);
	return true;
}

static void raft_bcast_append(struct raft *r, bool send_empty)
{
	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];

		if (pr->id == r->cfg.id)
			continue;
		/* Pipelining: fill the window in one go. */
		if (raft_send_append(r, pr, send_empty))
			while (raft_send_append(r, pr, false))
				;
	}
	r->need_bcast = false;
}

static void raft_bcast_heartbeat(struct raft *r)
{
	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];
		struct raft_msg *m;

		if (pr->id == r->cfg.id)
			continue;
		m = raft_msg_new(r, RAFT_MSG_HEARTBEAT, pr->id);
		if (!m)
			continue;
		/* The follower's log may not reach our commit index yet. */
		m->commit = pr->match < r->log.committed ? pr->match :
							    r->log.committed;
		m->ctx = r->read_seq;
	}
}

static int raft_cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Commit the highest index a quorum stores, if it is of our term. */
static bool raft_maybe_commit(struct raft *r)
{
	uint64_t match[RAFT_MAX_NODES];
	uint64_t index, term;

	for (size_t i = 0; i < r->n_prs; i++)
		match[i] = r->prs[i].match;
	qsort(match, r->n_prs, sizeof(match[0]), raft_cmp_desc);
	index = match[raft_quorum(r) - 1];
	if (index <= r->log.committed)
		return false;
	/* Section 3.6.2: never commit an older term's entry by counting. */
	if (raft_log_term(&r->log, index, &term) || term != r->term)
		return false;
	r->log.committed = index;
	return true;
}

static bool raft_quorum_active(struct raft *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];

		if (pr->id == r->cfg.id || pr->recent_active)
			n++;
		pr->recent_active = false;
	}
	return n >= raft_quorum(r);
}

static bool raft_pr_update(struct raft_progress *pr, uint64_t index)
{
	bool updated = false;

	if (pr->match < index) {
		pr->match = index;
		pr->paused = false;
		updated = true;
	}
	if (pr->next < index + 1)
		pr->next = index + 1;
	return updated;
}

/* A rejected append: move next back, unless the rejection is stale. */
static bool raft_pr_decrease(struct raft_progress *pr, uint64_t rejected,
			     uint64_t hint)
{
	uint64_t next;

	/* Nothing to learn until the snapshot is answered. */
	if (pr->state == RAFT_PR_SNAPSHOT)
		return false;
	if (pr->state == RAFT_PR_REPLICATE) {
		if (rejected <= pr->match)
			return false;
		raft_pr_become(pr, RAFT_PR_PROBE);
		return true;
	}
	if (pr->next - 1 != rejected)
		return false;
	next = hint + 1 < rejected ? hint + 1 : rejected;
	if (next < pr->match + 1)
		next = pr->match + 1;
	pr->next = next;
	pr->paused = false;
	return true;
}

static void raft_handle_append_response(struct raft *r,
					struct raft_progress *pr,
					const struct raft_msg *m)
{
	if (m->reject) {
		if (raft_pr_decrease(pr, m->index, m->hint))
			raft_send_append(r, pr, true);
		return;
	}
	if (!raft_pr_update(pr, m->index))
		return;
	if (pr->state != RAFT_PR_REPLICATE)
		raft_pr_become(pr, RAFT_PR_REPLICATE);
	else
		raft_pr_inflight_free_to(pr, m->index);
	if (pr->id == r->transferee && pr->match == raft_log_last(&r->log))
		raft_msg_new(r, RAFT_MSG_TIMEOUT_NOW, pr->id);
	if (raft_maybe_commit(r)) {
		raft_bcast_append(r, true);
		return;
	}
	while (raft_send_append(r, pr, false))
		;
}

int raft_transfer_leadership(struct raft *r, uint64_t to)
{
	struct raft_progress *pr = raft_pr(r, to);

	if (r->role != RAFT_LEADER)
		return -EPERM;
	if (!pr || to == r->cfg.id)
		return -EINVAL;
	r->transferee = to;
	/* The transfer gets one election timeout to complete. */
	r->election_elapsed = 0;
	if (pr->match == raft_log_last(&r->log))
		raft_msg_new(r, RAFT_MSG_TIMEOUT_NOW, to);
	else
		raft_send_append(r, pr, true);
	return 0;
}

/*
 * The follower is alive but behind: appends may have been lost. Let a
 * paused probe try again and give a full pipeline one slot, and send even
 * an empty append: if everything in flight was lost, its rejection is
 * what moves the follower back to probing.
 */
static void raft_handle_heartbeat_response(struct raft *r,
					   struct raft_progress *pr)
{
	if (pr->match >= raft_log_last(&r->log))
		return;
	/* A snapshot still unanswered is presumed lost: probe again. */
	if (pr->state == RAFT_PR_SNAPSHOT)
		raft_pr_become(pr, RAFT_PR_PROBE);
	pr->paused = false;
	if (pr->state == RAFT_PR_REPLICATE && pr->in_count >= r->cfg.max_inflight) {
		pr->in_start = (pr->in_start + 1) % RAFT_MAX_INFLIGHT;
		pr->in_count--;
	}
	raft_send_append(r, pr, true);
}

static size_t raft_popcount(uint32_t v)
{
	size_t n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static int raft_ready_read_push(struct raft *r, const struct raft_read *rd)
{
	struct raft_read_state *p;

	p = realloc(r->ready_reads, (r->n_ready_reads + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->ready_reads = p;
	p[r->n_ready_reads].id = rd->id;
	p[r->n_ready_reads].index = rd->index;
	r->n_ready_reads++;
	return 0;
}

/*
 * A heartbeat answer for ctx proves we were still leader after every read
 * up to ctx was registered. Reads confirm in order: an earlier read has
 * every acknowledgement a later one has.
 */
static void raft_read_ack(struct raft *r, size_t peer, uint64_t ctx)
{
	size_t done = 0;

	for (size_t i = 0; i < r->n_reads && r->reads[i].id <= ctx; i++)
		r->reads[i].acks |= 1u << peer;
	while (done < r->n_reads &&
	       raft_popcount(r->reads[done].acks) >= raft_quorum(r)) {
		if (raft_ready_read_push(r, &r->reads[done]))
			break;
		done++;
	}
	if (!done)
		return;
	memmove(r->reads, r->reads + done,
		(r->n_reads - done) * sizeof(*r->reads));
	r->n_reads -= done;
}

int raft_read_index(struct raft *r, uint64_t *id)
{
	struct raft_read rd = { .index = r->log.committed };
	uint64_t term;
	size_t self;

	if (r->role != RAFT_LEADER)
		return -EPERM;
	/* Until an entry of its term commits, a new leader's commit index
	 * may lag what earlier leaders committed.
	 */
	if (raft_log_term(&r->log, r->log.committed, &term) || term != r->term)
		return -EAGAIN;
	if (r->n_reads >= RAFT_MAX_PENDING_READS)
		return -EBUSY;
	self = raft_pr(r, r->cfg.id) - r->prs;
	rd.id = r->read_seq + 1;
	rd.acks = 1u << self;
	if (raft_popcount(rd.acks) >= raft_quorum(r)) {
		if (raft_ready_read_push(r, &rd))
			return -ENOMEM;
	} else {
		struct raft_read *p = realloc(r->reads, (r->n_reads + 1) *
							sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->reads = p;
		r->reads[r->n_reads++] = rd;
	}
	r->read_seq = rd.id;
	/* Heartbeats now carry this id: their answers confirm the read. */
	if (r->n_reads)
		raft_bcast_heartbeat(r);
	*id = rd.id;
	return 0;
}

static void raft_step_leader(struct raft *r, const struct raft_msg *m)
{
	struct raft_progress *pr = raft_pr(r, m->from);

	pr->recent_active = true;
	switch (m->type) {
	case RAFT_MSG_APPEND_RESP:
		raft_handle_append_response(r, pr, m);
		break;
	case RAFT_MSG_HEARTBEAT_RESP:
		raft_read_ack(r, pr - r->prs, m->ctx);
		raft_handle_heartbeat_response(r, pr);
		break;
	default:
		break;
	}
}

/* ---- replication (follower side) --------------------------------------- */

static void raft_commit_to(struct raft *r, uint64_t index)
{
	uint64_t last = raft_log_last(&r->log);

	if (index > last)
		index = last;
	if (index > r->log.committed)
		r->log.committed = index;
}

/*
 * The largest index <= @index whose term is <= @term: every entry after it
 * conflicts with a log whose entry at @index has @term, so the leader can
 * skip a whole term of conflicting entries in one round trip.
 */
static uint64_t raft_conflict_hint(const struct raft *r, uint64_t index,
				   uint64_t term)
{
	uint64_t t;

	if (index > raft_log_last(&r->log))
		index = raft_log_last(&r->log);
	while (index > r->log.committed &&
	       !raft_log_term(&r->log, index, &t) && t > term)
		index--;
	return index;
}

static int raft_append_entries(struct raft *r, const struct raft_msg *m)
{
	for (uint32_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];
		int err;

		if (raft_log_matches(&r->log, e->index, e->term))
			continue;
		/*
		 * Log matching guarantees committed entries never conflict;
		 * a leader that says otherwise is refused, not obeyed.
		 */
		if (e->index <= r->log.committed)
			return -EINVAL;
		raft_log_truncate(&r->log, e->index);
		err = raft_log_append(&r->log, e);
		if (err)
			return err;
	}
	return 0;
}

static void raft_handle_append(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg *out;
	uint64_t last_new;

	if (m->index < r->log.committed) {
		out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
		if (out)
			out->index = r->log.committed;
		return;
	}
	if (!raft_log_matches(&r->log, m->index, m->log_term)) {
		out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
		if (!out)
			return;
		out->reject = true;
		out->index = m->index;
		out->hint = raft_conflict_hint(r, m->index, m->log_term);
		return;
	}
	if (raft_append_entries(r, m))
		return;
	last_new = m->index + m->n_entries;
	raft_commit_to(r, m->commit < last_new ? m->commit : last_new);
	out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
	if (out)
		out->index = last_new;
}

static void raft_handle_heartbeat(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg *out;

	raft_commit_to(r, m->commit);
	out = raft_msg_new(r, RAFT_MSG_HEARTBEAT_RESP, m->from);
	if (out)
		out->ctx = m->ctx;
}

/*
 * A snapshot from the leader. If our log already has its last entry we
 * keep the log and only commit; otherwise the snapshot replaces the log
 * and goes to the application in the next ready.
 */
static void raft_handle_snapshot(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg *out;
	uint64_t index = m->index;

	if (index <= r->log.committed) {
		index = r->log.committed;
	} else if (raft_log_matches(&r->log, m->index, m->log_term)) {
		raft_commit_to(r, m->index);
	} else {
		if (raft_snapshot_copy(&r->snap, m->index, m->log_term,
				       m->data, m->len))
			return;
		raft_log_restore(&r->log, m->index, m->log_term);
		r->snap_pending = true;
	}
	out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
	if (out)
		out->index = index;
}

static void raft_step_follower(struct raft *r, const struct raft_msg *m)
{
	switch (m->type) {
	case RAFT_MSG_APPEND:
		r->election_elapsed = 0;
		r->lead = m->from;
		raft_handle_append(r, m);
		break;
	case RAFT_MSG_HEARTBEAT:
		r->election_elapsed = 0;
		r->lead = m->from;
		raft_handle_heartbeat(r, m);
		break;
	case RAFT_MSG_SNAPSHOT:
		r->election_elapsed = 0;
		r->lead = m->from;
		raft_handle_snapshot(r, m);
		break;
	case RAFT_MSG_TIMEOUT_NOW:
		/* No pre-vote: the leader itself asked for this election. */
		if (raft_is_voter(r))
			raft_election(r, true);
		break;
	default:
		break;
	}
}

static void raft_step_candidate(struct raft *r, const struct raft_msg *m)
{
	uint8_t want = r->role == RAFT_PRE_CANDIDATE ? RAFT_MSG_PREVOTE_RESP :
						       RAFT_MSG_VOTE_RESP;

	switch (m->type) {
	case RAFT_MSG_APPEND:
	case RAFT_MSG_HEARTBEAT:
	case RAFT_MSG_SNAPSHOT:
		/* A leader exists in our term: stand down and follow it. */
		raft_become_follower(r, m->term, m->from);
		raft_step_follower(r, m);
		break;
	case RAFT_MSG_PREVOTE_RESP:
	case RAFT_MSG_VOTE_RESP:
		if (m->type == want)
			raft_handle_vote_response(r, m);
		break;
	default:
		break;
	}
}

/* ---- the step function ------------------------------------------------- */

static bool raft_is_vote_request(uint8_t type)
{
	return type == RAFT_MSG_PREVOTE || type == RAFT_MSG_VOTE;
}

static bool raft_is_from_leader(uint8_t type)
{
	return type == RAFT_MSG_APPEND || type == RAFT_MSG_HEARTBEAT ||
	       type == RAFT_MSG_SNAPSHOT;
}

/*
 * With check-quorum, a node that heard from a live leader within the
 * election timeout ignores vote requests: a partitioned node rejoining
 * with a high term cannot depose a healthy leader (section 4.2.3).
 */
static bool raft_in_lease(const struct raft *r)
{
	return r->cfg.check_quorum && r->lead != 0 &&
	       r->election_elapsed < r->cfg.election_ticks;
}

/* Returns true when the message must not be processed further. */
static bool raft_check_term(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg *out;

	if (m->term > r->term) {
		if (raft_is_vote_request(m->type) && raft_in_lease(r) &&
		    !m->transfer)
			return true;
		if (m->type == RAFT_MSG_PREVOTE)
			return false;
		if (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject)
			return false;
		raft_become_follower(r, m->term,
				     raft_is_from_leader(m->type) ? m->from : 0);
		return false;
	}
	if (m->term == r->term)
		return false;
	/*
	 * A stale leader (partitioned, then healed) learns the new term from
	 * our answer; without it, pre-vote and check-quorum could leave it
	 * leading a minority forever.
	 */
	if (raft_is_from_leader(m->type) &&
	    (r->cfg.check_quorum || r->cfg.pre_vote)) {
		raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
	} else if (m->type == RAFT_MSG_PREVOTE) {
		out = raft_msg_new(r, RAFT_MSG_PREVOTE_RESP, m->from);
		if (out)
			out->reject = true;
	}
	return true;
}

int raft_step(struct raft *r, const struct raft_msg *m)
{
	if (m->to != r->cfg.id || m->from == r->cfg.id || !raft_pr(r, m->from))
		return -EINVAL;
	if (m->type == 0 || m->type > RAFT_MSG_TYPE_MAX)
		return -EINVAL;
	if (raft_check_term(r, m))
		return 0;
	if (raft_is_vote_request(m->type)) {
		raft_handle_vote_request(r, m);
		return 0;
	}
	switch (r->role) {
	case RAFT_LEADER:
		raft_step_leader(r, m);
		break;
	case RAFT_FOLLOWER:
		raft_step_follower(r, m);
		break;
	case RAFT_PRE_CANDIDATE:
	case RAFT_CANDIDATE:
		raft_step_candidate(r, m);
		break;
	}
	return 0;
}

static void raft_tick_leader(struct raft *r)
{
	r->heartbeat_elapsed++;
	r->election_elapsed++;
	if (r->election_elapsed >= r->cfg.election_ticks) {
		r->election_elapsed = 0;
		r->transferee = 0;
		/* Section 6.2: a leader cut off from a quorum steps down. */
		if (r->cfg.check_quorum && !raft_quorum_active(r)) {
			raft_become_follower(r, r->term, 0);
			return;
		}
	}
	if (r->heartbeat_elapsed >= r->cfg.heartbeat_ticks) {
		r->heartbeat_elapsed = 0;
		raft_bcast_heartbeat(r);
	}
}

void raft_tick(struct raft *r)
{
	if (r->role == RAFT_LEADER) {
		raft_tick_leader(r);
		return;
	}
	r->election_elapsed++;
	if (r->election_elapsed >= r->randomized_timeout)
		raft_campaign(r);
}

int raft_propose(struct raft *r, const void *data, uint32_t len,
		 uint64_t *index, uint64_t *term)
{
	struct raft_entry e = {
		.term = r->term,
		.index = raft_log_last(&r->log) + 1,
		.type = RAFT_ENTRY_NORMAL,
		.len = len,
		.data = (void *)data,
	};
	int err;

	if (r->role != RAFT_LEADER)
		return -EPERM;
	if (r->transferee)
		return -EBUSY;
	if (len > RAFT_MAX_ENTRY_SIZE)
		return -E2BIG;
	if (len && !data)
		return -EINVAL;
	err = raft_log_append(&r->log, &e);
	if (err)
		return err;
	/* Batching: proposals made before the next ready share messages. */
	r->need_bcast = true;
	if (index)
		*index = e.index;
	if (term)
		*term = e.term;
	return 0;
}

/* ---- ready / advance --------------------------------------------------- */

static struct raft_hard_state raft_hs(const struct raft *r)
{
	struct raft_hard_state hs = {
		.term = r->term,
		.vote = r->vote,
		.commit = r->log.committed,
	};

	return hs;
}

static bool raft_hs_equal(const struct raft_hard_state *a,
			  const struct raft_hard_state *b)
{
	return a->term == b->term && a->vote == b->vote &&
	       a->commit == b->commit;
}

bool raft_has_ready(struct raft *r)
{
	struct raft_hard_state hs = raft_hs(r);

	if (r->need_bcast && r->role == RAFT_LEADER)
		raft_bcast_append(r, false);
	return r->n_msgs || r->n_ready_reads || r->snap_pending ||
	       !raft_hs_equal(&hs, &r->prev_hs) ||
	       r->log.stable < raft_log_last(&r->log) ||
	       r->log.applied < r->log.committed;
}

void raft_ready(struct raft *r, struct raft_ready *rd)
{
	uint64_t last = raft_log_last(&r->log);

	if (r->need_bcast && r->role == RAFT_LEADER)
		raft_bcast_append(r, false);
	memset(rd, 0, sizeof(*rd));
	rd->hs = raft_hs(r);
	rd->hs_changed = !raft_hs_equal(&rd->hs, &r->prev_hs);
	if (r->snap_pending)
		rd->snapshot = &r->snap;
	if (r->log.stable < last) {
		rd->entries = raft_log_entry(&r->log, r->log.stable + 1);
		rd->n_entries = last - r->log.stable;
	}
	if (r->log.applied < r->log.committed) {
		rd->committed = raft_log_entry(&r->log, r->log.applied + 1);
		rd->n_committed = r->log.committed - r->log.applied;
	}
	rd->msgs = r->msgs;
	rd->n_msgs = r->n_msgs;
	rd->reads = r->ready_reads;
	rd->n_reads = r->n_ready_reads;
	rd->role = r->role;
	rd->lead = r->lead;
}

void raft_advance(struct raft *r, const struct raft_ready *rd)
{
	struct raft_progress *self;

	if (rd->hs_changed)
		r->prev_hs = rd->hs;
	if (rd->snapshot)
		r->snap_pending = false;
	if (rd->n_entries)
		r->log.stable = rd->entries[rd->n_entries - 1].index;
	if (rd->n_committed)
		r->log.applied = rd->committed[rd->n_committed - 1].index;
	raft_msgs_clear(r);
	r->n_ready_reads = 0;
	if (r->role != RAFT_LEADER)
		return;
	/*
	 * The leader counts its own copy only once it is durable: otherwise
	 * a crash could lose an entry that a quorum was said to store.
	 */
	self = raft_pr(r, r->cfg.id);
	if (self && raft_pr_update(self, r->log.stable) && raft_maybe_commit(r))
		raft_bcast_append(r, true);
}

int raft_compact(struct raft *r, uint64_t index, const void *data,
		 uint32_t len)
{
	uint64_t term;
	int err;

	if (index > r->log.applied || index <= r->log.snap_index ||
	    (len && !data))
		return -EINVAL;
	if (len > RAFT_MAX_SNAPSHOT_SIZE)
		return -E2BIG;
	if (raft_log_term(&r->log, index, &term))
		return -EINVAL;
	err = raft_snapshot_copy(&r->snap, index, term, data, len);
	if (err)
		return err;
	return raft_log_compact(&r->log, index);
}

/* ---- construction ------------------------------------------------------ */

static int raft_config_check(const struct raft_config *cfg)
{
	if (!cfg->id || !cfg->n_voters || cfg->n_voters > RAFT_MAX_NODES)
		return -EINVAL;
	if (!cfg->heartbeat_ticks ||
	    cfg->election_ticks <= cfg->heartbeat_ticks)
		return -EINVAL;
	if (!cfg->max_inflight || cfg->max_inflight > RAFT_MAX_INFLIGHT ||
	    !cfg->max_msg_entries ||
	    cfg->max_msg_entries > RAFT_MAX_MSG_ENTRIES)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_voters; i++) {
		if (!cfg->voters[i])
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (cfg->voters[i] == cfg->voters[j])
				return -EINVAL;
	}
	return 0;
}

static int raft_restore_log(struct raft *r, const struct raft_hard_state *hs,
			    const struct raft_entry *log, size_t n_log)
{
	uint64_t prev_term = r->log.snap_term;
	uint64_t base = r->log.snap_index;

	for (size_t i = 0; i < n_log; i++) {
		int err;

		if (log[i].index != base + i + 1 || log[i].term < prev_term ||
		    !log[i].term)
			return -EINVAL;
		prev_term = log[i].term;
		err = raft_log_append(&r->log, &log[i]);
		if (err)
			return err;
	}
	r->log.stable = base + n_log;
	/* Storage makes entries durable before the hard state naming them. */
	if (hs->commit > base + n_log)
		return -EINVAL;
	/* A snapshot holds only committed entries. */
	r->log.committed = hs->commit > base ? hs->commit : base;
	r->term = hs->term;
	r->vote = hs->vote;
	/*
	 * A crash between the entries and the hard state of one ready leaves
	 * entries of a term we never recorded. Adopt it: we cannot have
	 * voted in it (a vote is durable before it is sent), so no vote.
	 */
	if (prev_term > r->term) {
		r->term = prev_term;
		r->vote = 0;
	}
	return 0;
}

int raft_new(const struct raft_config *cfg, const struct raft_hard_state *hs,
	     const struct raft_entry *log, size_t n_log, struct raft **out)
{
	return raft_new_at(cfg, hs, NULL, log, n_log, out);
}

int raft_new_at(const struct raft_config *cfg,
		const struct raft_hard_state *hs,
		const struct raft_snapshot *snap, const struct raft_entry *log,
		size_t n_log, struct raft **out)
{
	static const struct raft_hard_state empty;
	struct raft *r;
	int err;

	err = raft_config_check(cfg);
	if (err)
		return err;
	if (!hs)
		hs = &empty;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	prng_seed(&r->rng, cfg->seed ^ cfg->id);
	err = -EINVAL;
	if (snap && snap->index &&
	    (!snap->term || snap->term > hs->term ||
	     snap->len > RAFT_MAX_SNAPSHOT_SIZE))
		goto err_free;
	if (snap && snap->index) {
		err = raft_snapshot_copy(&r->snap, snap->index, snap->term,
					 snap->data, snap->len);
		if (err)
			goto err_free;
		/* The application loaded the snapshot itself. */
		raft_log_restore(&r->log, snap->index, snap->term);
	}
	err = raft_restore_log(r, hs, log, n_log);
	if (err)
		goto err_free;
	r->prev_hs = *hs;
	r->n_prs = cfg->n_voters;
	for (size_t i = 0; i < cfg->n_voters; i++)
		r->prs[i].id = cfg->voters[i];
	raft_become_follower(r, r->term, 0);
	*out = r;
	return 0;
err_free:
	raft_free(r);
	return err;
}

void raft_free(struct raft *r)
{
	if (!r)
		return;
	raft_msgs_clear(r);
	free(r->msgs);
	free(r->reads);
	free(r->ready_reads);
	free(r->snap.data);
	raft_log_free(&r->log);
	free(r);
}

void raft_status(const struct raft *r, struct raft_status *st)
{
	st->id = r->cfg.id;
	st->term = r->term;
	st->vote = r->vote;
	st->lead = r->lead;
	st->role = r->role;
	st->commit = r->log.committed;
	st->applied = r->log.applied;
	st->last_index = raft_log_last(&r->log);
	st->stable_index = r->log.stable;
	st->snap_index = r->log.snap_index;
	st->transferee = r->transferee;
}

int raft_term_at(const struct raft *r, uint64_t index, uint64_t *term)
{
	return raft_log_term(&r->log, index, term);
}

const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index)
{
	return raft_log_entry(&r->log, index);
}
