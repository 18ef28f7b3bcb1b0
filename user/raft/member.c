// SPDX-License-Identifier: GPL-2.0
/*
 * The node's current configuration (dissertation 4.1): a configuration
 * entry rules from the moment it is in the log, committed or not, and
 * the one before it rules again if it is truncated away. The leader's
 * progress table and a candidate's votes follow the configuration.
 */
#include <errno.h>
#include <string.h>

#include "raft/raft_int.h"

bool raft_entry_valid(const struct raft_entry *e)
{
	switch (e->type) {
	case RAFT_ENTRY_NORMAL:
	case RAFT_ENTRY_NOOP:
		return true;
	case RAFT_ENTRY_CONF:
		return !raft_conf_entry_decode(e->data, e->len, NULL, NULL);
	default:
		return false;
	}
}

static void raft_pr_init(struct raft *r, struct raft_progress *pr,
			 uint64_t id)
{
	memset(pr, 0, sizeof(*pr));
	pr->id = id;
	pr->next = raft_log_last(&r->log) + 1;
	/* A newcomer is given an election timeout before check-quorum. */
	pr->recent_active = true;
	if (id == r->cfg.id)
		pr->match = r->log.stable;
}

/* Move a pending read's acknowledgements to the new progress slots. */
static uint32_t raft_remap_acks(uint32_t acks, const int *map, size_t n_old)
{
	uint32_t out = 0;

	for (size_t i = 0; i < n_old; i++)
		if (acks & (1u << i) && map[i] >= 0)
			out |= 1u << map[i];
	return out;
}

/*
 * Rebuild prs (voters first, then learners) from conf, keeping what is
 * known of members that stay: progress, votes and read acks.
 */
static void raft_prs_sync(struct raft *r)
{
	struct raft_progress prs[RAFT_MAX_NODES];
	enum raft_vote votes[RAFT_MAX_NODES] = { 0 };
	int map[RAFT_MAX_NODES];
	size_t n = 0;

	for (size_t i = 0; i < r->n_prs; i++)
		map[i] = -1;
	for (uint32_t i = 0; i < r->conf.n_voters + r->conf.n_learners; i++) {
		bool learner = i >= r->conf.n_voters;
		uint64_t id = learner ? r->conf.learners[i - r->conf.n_voters] :
					r->conf.voters[i];
		struct raft_progress *old = raft_pr(r, id);

		if (old) {
			prs[n] = *old;
			votes[n] = r->votes[old - r->prs];
			map[old - r->prs] = n;
		} else {
			raft_pr_init(r, &prs[n], id);
		}
		prs[n].learner = learner;
		/* A learner's vote never counted; a promoted one votes anew. */
		if (learner)
			votes[n] = RAFT_VOTE_NONE;
		n++;
	}
	for (size_t i = 0; i < r->n_reads; i++)
		r->reads[i].acks = raft_remap_acks(r->reads[i].acks, map,
						   r->n_prs);
	memcpy(r->prs, prs, n * sizeof(prs[0]));
	memcpy(r->votes, votes, sizeof(votes));
	r->n_prs = n;
	if (r->transferee && !raft_conf_is_voter(&r->conf, r->transferee))
		r->transferee = 0;
}

void raft_conf_set(struct raft *r, const struct raft_conf *conf,
		   uint64_t index)
{
	r->conf = *conf;
	r->conf_index = index;
	raft_prs_sync(r);
}

void raft_conf_note_entry(struct raft *r, const struct raft_entry *e)
{
	struct raft_conf conf;

	/* Entries are checked before they are appended (raft_entry_valid). */
	if (e->type != RAFT_ENTRY_CONF ||
	    raft_conf_entry_decode(e->data, e->len, NULL, &conf))
		return;
	raft_conf_set(r, &conf, e->index);
}

/* The newest configuration entry at or below @index, or 0. */
static uint64_t raft_conf_entry_before(const struct raft *r, uint64_t index,
				       struct raft_conf *conf)
{
	for (; index > r->log.snap_index; index--) {
		const struct raft_entry *e = raft_log_entry(&r->log, index);

		if (e->type == RAFT_ENTRY_CONF &&
		    !raft_conf_entry_decode(e->data, e->len, NULL, conf))
			return index;
	}
	return 0;
}

void raft_conf_refresh(struct raft *r)
{
	struct raft_conf conf = r->base_conf;
	uint64_t index;

	index = raft_conf_entry_before(r, raft_log_last(&r->log), &conf);
	raft_conf_set(r, &conf, index ? index : r->log.snap_index);
}

void raft_conf_set_base(struct raft *r, const struct raft_conf *conf)
{
	r->base_conf = raft_conf_empty(conf) ? r->boot_conf : *conf;
}

/*
 * A voter campaigns. So does a node whose own removal is not committed
 * yet (dissertation 4.2.2): the old configuration may still need it,
 * e.g. a leader that removed itself and lost its quorum before the
 * change committed, with the most complete log of all. It does not count
 * its own vote; if elected, it commits the change and steps down.
 */
bool raft_may_campaign(const struct raft *r)
{
	struct raft_conf prev;

	if (raft_is_voter(r))
		return true;
	if (r->conf_index <= r->log.committed ||
	    raft_conf_at(r, r->conf_index - 1, &prev))
		return false;
	return raft_conf_is_voter(&prev, r->cfg.id);
}

int raft_conf_at(const struct raft *r, uint64_t index, struct raft_conf *conf)
{
	if (index < r->log.snap_index || index > raft_log_last(&r->log))
		return -ENOENT;
	if (r->conf_index <= index) {
		*conf = r->conf;
		return 0;
	}
	*conf = r->base_conf;
	raft_conf_entry_before(r, index, conf);
	return 0;
}

void raft_conf(const struct raft *r, struct raft_conf *conf)
{
	*conf = r->conf;
}

/*
 * Dissertation 4.2.2: a leader that is not in the configuration it
 * manages steps down once that configuration is committed; the
 * remaining voters time out and elect one of their own.
 */
bool raft_leader_removed(const struct raft *r)
{
	return !raft_conf_is_voter(&r->conf, r->cfg.id) &&
	       r->conf_index <= r->log.committed;
}

int raft_propose_conf_change(struct raft *r, const struct raft_conf_change *cc,
			     uint64_t *index, uint64_t *term)
{
	uint8_t buf[RAFT_CONF_ENTRY_MAX];
	struct raft_conf next = r->conf;
	struct raft_entry e = {
		.term = r->term,
		.index = raft_log_last(&r->log) + 1,
		.type = RAFT_ENTRY_CONF,
		.data = buf,
	};
	uint64_t committed_term;
	int err;

	if (r->role != RAFT_LEADER)
		return -EPERM;
	if (r->transferee)
		return -EBUSY;
	/*
	 * One change at a time, and none before this leader's own no-op is
	 * committed: otherwise a change of an earlier term's leader that
	 * never committed could combine with ours into two configurations
	 * without a common quorum (the single-server bug, Ongaro 2015).
	 */
	if (r->conf_index > r->log.committed)
		return -EBUSY;
	if (raft_log_term(&r->log, r->log.committed, &committed_term) ||
	    committed_term != r->term)
		return -EBUSY;
	if (!cc || raft_conf_apply(&next, cc))
		return -EINVAL;
	e.len = raft_conf_entry_encode(cc, &next, buf);
	err = raft_log_append(&r->log, &e);
	if (err)
		return err;
	raft_conf_set(r, &next, e.index);
	r->need_bcast = true;
	if (index)
		*index = e.index;
	if (term)
		*term = e.term;
	return 0;
}
