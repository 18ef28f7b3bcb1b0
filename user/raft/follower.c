// SPDX-License-Identifier: GPL-2.0
/*
 * The follower's side of replication: appends, heartbeats and snapshots
 * from the leader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"

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
		/* A truncated configuration entry is undone (section 4.1). */
		if (r->conf_index >= e->index)
			raft_conf_refresh(r);
		err = raft_log_append(&r->log, e);
		if (err)
			return err;
		raft_conf_note_entry(r, e);
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
				       m->data, m->len, &m->conf))
			return;
		raft_log_restore(&r->log, m->index, m->log_term);
		r->snap_pending = true;
		/* The snapshot's configuration replaces the whole log's. */
		raft_conf_set_base(r, &m->conf);
		r->snap.conf = r->base_conf;
		raft_conf_refresh(r);
	}
	out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);
	if (out)
		out->index = index;
}

void raft_step_follower(struct raft *r, const struct raft_msg *m)
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
		if (raft_may_campaign(r))
			raft_election(r, true);
		break;
	default:
		break;
	}
}
