// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's side of replication: per-follower progress (probe,
 * pipelined replicate, snapshot), batched appends, heartbeats, the commit
 * rule (3.6.2), check-quorum (6.2) and read index (6.4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"

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

int raft_snapshot_copy(struct raft_snapshot *dst, uint64_t index,
		       uint64_t term, const void *data, uint32_t len,
		       const struct raft_conf *conf)
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
	dst->conf = *conf;
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
	m->conf = r->snap.conf;
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

void raft_bcast_append(struct raft *r, bool send_empty)
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

void raft_bcast_heartbeat(struct raft *r)
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
bool raft_maybe_commit(struct raft *r)
{
	uint64_t match[RAFT_MAX_NODES];
	uint64_t index, term;
	size_t n = 0;

	/* Learners hold copies, but only voters' copies make a quorum. */
	for (size_t i = 0; i < r->n_prs; i++)
		if (!r->prs[i].learner)
			match[n++] = r->prs[i].match;
	if (n < raft_quorum(r))
		return false;
	qsort(match, n, sizeof(match[0]), raft_cmp_desc);
	index = match[raft_quorum(r) - 1];
	if (index <= r->log.committed)
		return false;
	/* Section 3.6.2: never commit an older term's entry by counting. */
	if (raft_log_term(&r->log, index, &term) || term != r->term)
		return false;
	r->log.committed = index;
	return true;
}

void raft_commit_advanced(struct raft *r)
{
	raft_bcast_append(r, true);
	if (raft_leader_removed(r))
		raft_become_follower(r, r->term, 0);
}

bool raft_quorum_active(struct raft *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *pr = &r->prs[i];

		if (!pr->learner && (pr->id == r->cfg.id || pr->recent_active))
			n++;
		pr->recent_active = false;
	}
	return n >= raft_quorum(r);
}

bool raft_pr_update(struct raft_progress *pr, uint64_t index)
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
		raft_commit_advanced(r);
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
	if (!pr || pr->learner || to == r->cfg.id)
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
	if (pr->state == RAFT_PR_REPLICATE &&
	    pr->in_count >= r->cfg.max_inflight) {
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
	       raft_popcount(r->reads[done].acks & raft_voter_mask(r)) >=
	       raft_quorum(r)) {
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
	struct raft_progress *self = raft_pr(r, r->cfg.id);
	uint64_t term;

	if (r->role != RAFT_LEADER)
		return -EPERM;
	/* Until an entry of its term commits, a new leader's commit index
	 * may lag what earlier leaders committed.
	 */
	if (raft_log_term(&r->log, r->log.committed, &term) || term != r->term)
		return -EAGAIN;
	if (r->n_reads >= RAFT_MAX_PENDING_READS)
		return -EBUSY;
	rd.id = r->read_seq + 1;
	/* A leader removing itself no longer counts for a quorum. */
	if (self && !self->learner)
		rd.acks = 1u << (self - r->prs);
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

void raft_step_leader(struct raft *r, const struct raft_msg *m)
{
	struct raft_progress *pr = raft_pr(r, m->from);

	/* A node removed since it sent this: nothing to track any more. */
	if (!pr)
		return;
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
