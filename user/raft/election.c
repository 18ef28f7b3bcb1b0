// SPDX-License-Identifier: GPL-2.0
/*
 * Roles and elections: pre-vote (section 9.6), votes (3.4, 3.6.1),
 * the candidate side of leadership transfer (3.10).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft_int.h"

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
		bool learner = pr->learner;

		memset(pr, 0, sizeof(*pr));
		pr->id = id;
		pr->learner = learner;
		pr->next = raft_log_last(&r->log) + 1;
		if (id == r->cfg.id)
			pr->match = r->log.stable;
	}
}

void raft_become_follower(struct raft *r, uint64_t term, uint64_t lead)
{
	raft_reset(r, term);
	r->role = RAFT_FOLLOWER;
	r->lead = lead;
}


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
		if (r->prs[i].id != id || r->prs[i].learner ||
		    r->votes[i] != RAFT_VOTE_NONE)
			continue;
		r->votes[i] = granted ? RAFT_VOTE_GRANTED : RAFT_VOTE_REJECTED;
	}
}

static void raft_send_vote_requests(struct raft *r, uint8_t type,
				    uint64_t term, bool transfer)
{
	for (size_t i = 0; i < r->n_prs; i++) {
		struct raft_msg *m;

		if (r->prs[i].id == r->cfg.id || r->prs[i].learner)
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

void raft_election(struct raft *r, bool transfer)
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
	if (r->role == RAFT_LEADER || !raft_may_campaign(r))
		return;
	if (r->cfg.pre_vote)
		raft_pre_election(r);
	else
		raft_election(r, false);
}

void raft_handle_vote_request(struct raft *r, const struct raft_msg *m)
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

void raft_handle_vote_response(struct raft *r, const struct raft_msg *m)
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

void raft_step_candidate(struct raft *r, const struct raft_msg *m)
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
