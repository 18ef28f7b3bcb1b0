// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's safety checker: election safety, log matching, leader
 * completeness and the committed prefix, checked after every step (see
 * sim.c for the list and Documentation/raft.rst for how).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/* ---- checker ------------------------------------------------------------ */

static int sim_lm_grow(struct sim *s);

/* Log matching: one prefix hash per (index, term), ever. */
void sim_check_log_matching(struct sim *s, int node, uint64_t index,
			    uint64_t term, uint64_t phash)
{
	size_t i;

	if ((s->n_lm + 1) * 2 > s->cap_lm && sim_lm_grow(s)) {
		sim_fail(s, "out of memory");
		return;
	}
	for (i = sim_mix(index, term) & (s->cap_lm - 1); s->lm[i].index;
	     i = (i + 1) & (s->cap_lm - 1)) {
		if (s->lm[i].index != index || s->lm[i].term != term)
			continue;
		if (s->lm[i].phash != phash)
			sim_fail(s, "log matching: node %d entry %" PRIu64
				 " term %" PRIu64 " has a different prefix",
				 node, index, term);
		return;
	}
	s->lm[i] = (struct sim_lm_slot){ index, term, phash };
	s->n_lm++;
}

static int sim_lm_grow(struct sim *s)
{
	struct sim_lm_slot *old = s->lm;
	size_t old_cap = s->cap_lm;

	s->cap_lm = old_cap ? old_cap * 2 : 1024;
	s->lm = calloc(s->cap_lm, sizeof(*s->lm));
	if (!s->lm) {
		s->lm = old;
		s->cap_lm = old_cap;
		return -ENOMEM;
	}
	s->n_lm = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].index)
			sim_check_log_matching(s, 0, old[i].index, old[i].term,
					       old[i].phash);
	free(old);
	return 0;
}

/*
 * Only a voter of its own configuration campaigns or leads, or one whose
 * removal is not committed yet (dissertation 4.2.2).
 */
static void sim_check_membership(struct sim *s, struct sim_node *nd)
{
	struct raft_status st;

	raft_status(nd->r, &st);
	if (st.voter || st.role == RAFT_FOLLOWER || st.conf_index > st.commit)
		return;
	sim_fail(s, "node %d, no voter of its committed configuration, is "
		 "%s", nd->id, raft_role_name(st.role));
}

void sim_check_election(struct sim *s, struct sim_node *nd)
{
	sim_check_membership(s, nd);
	if (nd->role != RAFT_LEADER)
		return;
	if (sim_reserve((void **)&s->leader_of_term, &s->n_terms, nd->term + 1,
			sizeof(uint64_t))) {
		sim_fail(s, "out of memory");
		return;
	}
	if (!s->leader_of_term[nd->term])
		s->leader_of_term[nd->term] = nd->id;
	else if (s->leader_of_term[nd->term] != (uint64_t)nd->id)
		sim_fail(s, "election safety: nodes %" PRIu64 " and %d both "
			 "lead term %" PRIu64, s->leader_of_term[nd->term],
			 nd->id, nd->term);
}

/*
 * Everything committed while the cluster was at a term below the
 * leader's must be in the leader's log. Only checked once the leader's
 * log is all on disk, which is after every ready.
 */
void sim_check_leader_completeness(struct sim *s, struct sim_node *nd)
{
	uint64_t i = s->commit;

	if (!nd->up || nd->role != RAFT_LEADER)
		return;
	while (i && s->facts[i].commit_term >= nd->term)
		i--;
	if (!i)
		return;
	/* A snapshot holds a committed prefix: check its end instead. */
	if (i < nd->disk.base)
		i = nd->disk.base <= s->commit ? nd->disk.base : i;
	if (i > sim_disk_last(&nd->disk) ||
	    sim_phash_at(&nd->disk, i) != s->facts[i].commit_hash)
		sim_fail(s, "leader completeness: leader %d of term %" PRIu64
			 " lacks committed entry %" PRIu64, nd->id, nd->term,
			 i);
}

/*
 * A node acts on the configuration its own durable log says: the newest
 * configuration entry, else its snapshot's, else the bootstrap one. A
 * change that was truncated away must no longer be in force.
 */
void sim_check_conf(struct sim *s, struct sim_node *nd)
{
	const struct sim_disk *d = &nd->disk;
	struct raft_conf want, have;
	struct raft_status st;

	raft_status(nd->r, &st);
	if (st.stable_index != st.last_index)
		return;
	if (d->conf_index) {
		const struct raft_entry *e = &d->log[d->conf_index - d->base - 1];

		if (raft_conf_entry_decode(e->data, e->len, NULL, &want)) {
			sim_fail(s, "node %d stored a configuration entry at %"
				 PRIu64 " that does not decode", nd->id,
				 e->index);
			return;
		}
	} else if (!raft_conf_empty(&d->base_conf)) {
		want = d->base_conf;
	} else {
		sim_boot_conf(s, nd->id, &want);
	}
	raft_conf(nd->r, &have);
	if (!raft_conf_equal(&want, &have))
		sim_fail(s, "configuration: node %d acts on another "
			 "configuration than its log's (entry %" PRIu64 ")",
			 nd->id, d->conf_index);
}

void sim_check_commit(struct sim *s, struct sim_node *nd)
{
	struct raft_status st;

	raft_status(nd->r, &st);
	if (!st.commit)
		return;
	if (st.commit > sim_disk_last(&nd->disk)) {
		sim_fail(s, "node %d commits %" PRIu64 " beyond its durable "
			 "log (%" PRIu64 ")", nd->id, st.commit,
			 sim_disk_last(&nd->disk));
		return;
	}
	if (st.commit < nd->disk.base)
		return;
	if (st.commit <= s->commit) {
		if (s->facts[st.commit].commit_hash !=
		    sim_phash_at(&nd->disk, st.commit))
			sim_fail(s, "committed entry %" PRIu64 " differs on "
				 "node %d", st.commit, nd->id);
		return;
	}
	for (uint64_t i = s->commit + 1; i <= st.commit; i++) {
		struct sim_index_fact *f = sim_fact(s, i);

		if (!f) {
			sim_fail(s, "out of memory");
			return;
		}
		f->commit_hash = sim_phash_at(&nd->disk, i);
		f->commit_term = st.term;
	}
	if (s->facts[s->commit].commit_hash && s->commit >= nd->disk.base &&
	    sim_phash_at(&nd->disk, s->commit) !=
	    s->facts[s->commit].commit_hash)
		sim_fail(s, "committed prefix at %" PRIu64
			 " changed on node %d",
			 s->commit, nd->id);
	s->res->committed = st.commit;
	s->commit = st.commit;
}
