// SPDX-License-Identifier: GPL-2.0
/*
 * The Raft core's entry points: step, tick, propose, ready/advance and
 * construction. See raft.h for the contract with the application,
 * raft_int.h for how the core is split, and Documentation/raft.rst for
 * the design. Section numbers refer to Ongaro's dissertation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"

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

struct raft_progress *raft_pr(struct raft *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			return &r->prs[i];
	return NULL;
}

size_t raft_quorum(const struct raft *r)
{
	return r->conf.n_voters / 2 + 1;
}

bool raft_is_voter(const struct raft *r)
{
	return raft_conf_is_voter(&r->conf, r->cfg.id);
}

uint32_t raft_voter_mask(const struct raft *r)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < r->n_prs; i++)
		if (!r->prs[i].learner)
			mask |= 1u << i;
	return mask;
}

/* ---- outgoing messages ------------------------------------------------- */

struct raft_msg *raft_msg_new(struct raft *r, uint8_t type, uint64_t to)
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

void raft_msg_release_entries(struct raft_msg *m)
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
	uint64_t lead;

	if (m->term > r->term) {
		if (raft_is_vote_request(m->type) && raft_in_lease(r) &&
		    !m->transfer)
			return true;
		if (m->type == RAFT_MSG_PREVOTE)
			return false;
		if (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject)
			return false;
		lead = raft_is_from_leader(m->type) ? m->from : 0;
		raft_become_follower(r, m->term, lead);
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

/* What the decoder guarantees, for callers that build messages themselves. */
static bool raft_msg_sane(const struct raft_msg *m)
{
	if (m->type == 0 || m->type > RAFT_MSG_TYPE_MAX || !m->from)
		return false;
	if (m->n_entries && (m->type != RAFT_MSG_APPEND || !m->entries))
		return false;
	for (uint32_t i = 0; i < m->n_entries; i++)
		if (!raft_entry_valid(&m->entries[i]))
			return false;
	if (m->type == RAFT_MSG_SNAPSHOT && !raft_conf_valid(&m->conf))
		return false;
	return true;
}

int raft_step(struct raft *r, const struct raft_msg *m)
{
	if (m->to != r->cfg.id || m->from == r->cfg.id || !raft_msg_sane(m))
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

/*
 * Proposals only append to the log; the appends that carry them are built
 * here, once per ready, so that every proposal made since the last ready
 * travels in the same messages.
 */
static void raft_flush_proposals(struct raft *r)
{
	if (r->need_bcast && r->role == RAFT_LEADER)
		raft_bcast_append(r, false);
}

bool raft_has_ready(struct raft *r)
{
	struct raft_hard_state hs = raft_hs(r);

	raft_flush_proposals(r);
	return r->n_msgs || r->n_ready_reads || r->snap_pending ||
	       !raft_hs_equal(&hs, &r->prev_hs) ||
	       r->log.stable < raft_log_last(&r->log) ||
	       r->log.applied < r->log.committed;
}

void raft_ready(struct raft *r, struct raft_ready *rd)
{
	uint64_t last = raft_log_last(&r->log);

	raft_flush_proposals(r);
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
		raft_commit_advanced(r);
}

int raft_compact(struct raft *r, uint64_t index, const void *data,
		 uint32_t len)
{
	struct raft_conf conf;
	uint64_t term;
	int err;

	if (index > r->log.applied || index <= r->log.snap_index ||
	    (len && !data))
		return -EINVAL;
	if (len > RAFT_MAX_SNAPSHOT_SIZE)
		return -E2BIG;
	if (raft_log_term(&r->log, index, &term) ||
	    raft_conf_at(r, index, &conf))
		return -EINVAL;
	err = raft_snapshot_copy(&r->snap, index, term, data, len, &conf);
	if (err)
		return err;
	err = raft_log_compact(&r->log, index);
	if (err)
		return err;
	/* The configuration entries before @index are gone with them. */
	r->base_conf = conf;
	return 0;
}

/* ---- construction ------------------------------------------------------ */

/*
 * Every id non-zero and listed once, self among them; or no id at all,
 * for a node joining an existing cluster.
 */
static int raft_config_check_ids(const struct raft_config *cfg)
{
	uint64_t ids[RAFT_MAX_NODES];
	size_t n = cfg->n_voters + cfg->n_learners;
	bool self = false;

	if (!n)
		return 0;
	memcpy(ids, cfg->voters, cfg->n_voters * sizeof(ids[0]));
	memcpy(ids + cfg->n_voters, cfg->learners,
	       cfg->n_learners * sizeof(ids[0]));
	for (size_t i = 0; i < n; i++) {
		if (!ids[i])
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (ids[i] == ids[j])
				return -EINVAL;
		self |= ids[i] == cfg->id;
	}
	return self ? 0 : -EINVAL;
}

static int raft_config_check(const struct raft_config *cfg)
{
	if (!cfg->id || (!cfg->n_voters && cfg->n_learners) ||
	    cfg->n_voters > RAFT_MAX_NODES ||
	    cfg->n_learners > RAFT_MAX_NODES - cfg->n_voters)
		return -EINVAL;
	if (!cfg->heartbeat_ticks ||
	    cfg->election_ticks <= cfg->heartbeat_ticks)
		return -EINVAL;
	if (!cfg->max_inflight || cfg->max_inflight > RAFT_MAX_INFLIGHT ||
	    !cfg->max_msg_entries ||
	    cfg->max_msg_entries > RAFT_MAX_MSG_ENTRIES)
		return -EINVAL;
	return raft_config_check_ids(cfg);
}

static int raft_restore_log(struct raft *r, const struct raft_hard_state *hs,
			    const struct raft_entry *log, size_t n_log)
{
	uint64_t prev_term = r->log.snap_term;
	uint64_t base = r->log.snap_index;

	for (size_t i = 0; i < n_log; i++) {
		int err;

		if (log[i].index != base + i + 1 || log[i].term < prev_term ||
		    !log[i].term || !raft_entry_valid(&log[i]))
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
	err = raft_conf_from_lists(&r->boot_conf, cfg->voters, cfg->n_voters,
				   cfg->learners, cfg->n_learners);
	if (err)
		goto err_free;
	r->base_conf = r->boot_conf;
	err = -EINVAL;
	if (snap && snap->index &&
	    (!snap->term || snap->term > hs->term ||
	     snap->len > RAFT_MAX_SNAPSHOT_SIZE ||
	     !raft_conf_valid(&snap->conf)))
		goto err_free;
	if (snap && snap->index) {
		raft_conf_set_base(r, &snap->conf);
		err = raft_snapshot_copy(&r->snap, snap->index, snap->term,
					 snap->data, snap->len, &r->base_conf);
		if (err)
			goto err_free;
		/* The application loaded the snapshot itself. */
		raft_log_restore(&r->log, snap->index, snap->term);
	}
	err = raft_restore_log(r, hs, log, n_log);
	if (err)
		goto err_free;
	r->prev_hs = *hs;
	raft_conf_refresh(r);
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
	st->conf_index = r->conf_index;
	st->voter = raft_is_voter(r);
}

int raft_term_at(const struct raft *r, uint64_t index, uint64_t *term)
{
	return raft_log_term(&r->log, index, term);
}

const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index)
{
	return raft_log_entry(&r->log, index);
}
