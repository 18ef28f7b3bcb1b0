// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario tests of the Raft core through its public interface, on a
 * tiny in-process cluster with a perfect network that the test drives by
 * hand (dropping or holding messages where a scenario needs it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "raft/raft.h"

#define N 3

struct cluster {
	struct raft *r[N + 1];		/* ids 1..N */
	bool cut[N + 1];		/* node isolated: its traffic is lost */
	struct raft_msg q[4096];	/* in flight, entries owned */
	size_t n_q;
	uint64_t applied[N + 1];
};

static void copy_msg(struct raft_msg *dst, const struct raft_msg *src)
{
	*dst = *src;
	dst->entries = NULL;
	if (!src->n_entries)
		return;
	dst->entries = calloc(src->n_entries, sizeof(*dst->entries));
	for (uint32_t i = 0; i < src->n_entries; i++) {
		dst->entries[i] = src->entries[i];
		if (src->entries[i].len) {
			dst->entries[i].data = malloc(src->entries[i].len);
			memcpy(dst->entries[i].data, src->entries[i].data,
			       src->entries[i].len);
		}
	}
}

static void free_msg(struct raft_msg *m)
{
	for (uint32_t i = 0; i < m->n_entries; i++)
		free(m->entries[i].data);
	free(m->entries);
}

/* Handle every ready of node @id: "persist", queue messages, "apply". */
static void drain(struct cluster *c, int id)
{
	struct raft_ready rd;

	while (raft_has_ready(c->r[id])) {
		raft_ready(c->r[id], &rd);
		for (size_t i = 0; i < rd.n_msgs; i++)
			if (c->n_q < 4096)
				copy_msg(&c->q[c->n_q++], &rd.msgs[i]);
		if (rd.n_committed)
			c->applied[id] = rd.committed[rd.n_committed - 1].index;
		raft_advance(c->r[id], &rd);
	}
}

/* Deliver everything in flight, and what that causes, until quiet. */
static void settle(struct cluster *c)
{
	for (int id = 1; id <= N; id++)
		drain(c, id);
	while (c->n_q) {
		struct raft_msg m = c->q[0];

		memmove(c->q, c->q + 1, (c->n_q - 1) * sizeof(c->q[0]));
		c->n_q--;
		if (!c->cut[m.from] && !c->cut[m.to]) {
			raft_step(c->r[m.to], &m);
			drain(c, m.to);
		}
		free_msg(&m);
	}
}

static void tick_all(struct cluster *c, int ticks)
{
	for (int t = 0; t < ticks; t++) {
		for (int id = 1; id <= N; id++)
			raft_tick(c->r[id]);
		settle(c);
	}
}

static void config(struct raft_config *cfg, uint64_t id)
{
	raft_config_default(cfg);
	cfg->id = id;
	cfg->n_voters = N;
	for (int i = 0; i < N; i++)
		cfg->voters[i] = i + 1;
	cfg->seed = 7;
}

static void cluster_init(struct cluster *c)
{
	memset(c, 0, sizeof(*c));
	for (int id = 1; id <= N; id++) {
		struct raft_config cfg;

		config(&cfg, id);
		if (raft_new(&cfg, NULL, NULL, 0, &c->r[id]))
			abort();
	}
}

static void cluster_free(struct cluster *c)
{
	settle(c);
	for (int id = 1; id <= N; id++)
		raft_free(c->r[id]);
}

static struct raft_status status(struct cluster *c, int id)
{
	struct raft_status st;

	raft_status(c->r[id], &st);
	return st;
}

static int leader_of(struct cluster *c)
{
	int leader = 0;

	for (int id = 1; id <= N; id++)
		if (status(c, id).role == RAFT_LEADER && !c->cut[id])
			leader = id;
	return leader;
}

TEST(single_node_commits_its_own_proposal_once_durable)
{
	struct raft_config cfg;
	struct raft_ready rd;
	struct raft *r;
	uint64_t index, term;

	raft_config_default(&cfg);
	cfg.id = 1;
	cfg.voters[0] = 1;
	cfg.n_voters = 1;
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	raft_campaign(r);
	ASSERT_EQ(0, raft_propose(r, "x", 1, &index, &term));
	EXPECT_EQ(2u, index);	/* after the leader's no-op */
	raft_ready(r, &rd);
	/* Nothing is applied before it is on disk. */
	EXPECT_EQ(2u, rd.n_entries);
	EXPECT_EQ(0u, rd.n_committed);
	raft_advance(r, &rd);
	raft_ready(r, &rd);
	EXPECT_EQ(2u, rd.n_committed);
	EXPECT_EQ(1u, rd.committed[1].len);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(cluster_elects_one_leader_and_replicates_to_all)
{
	struct cluster c;
	uint64_t index;
	int leader;

	cluster_init(&c);
	tick_all(&c, 30);
	leader = leader_of(&c);
	ASSERT_NE(0, leader);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, raft_propose(c.r[leader], "v", 1, &index, NULL));
	settle(&c);
	tick_all(&c, 2);
	for (int id = 1; id <= N; id++) {
		EXPECT_EQ(index, status(&c, id).commit);
		EXPECT_EQ(index, c.applied[id]);
		EXPECT_EQ((uint64_t)leader, status(&c, id).lead);
	}
	cluster_free(&c);
}

TEST(follower_refuses_proposals_and_names_no_false_leader)
{
	struct cluster c;
	int leader, other;

	cluster_init(&c);
	tick_all(&c, 30);
	leader = leader_of(&c);
	other = leader % N + 1;
	EXPECT_EQ(-EPERM, raft_propose(c.r[other], "v", 1, NULL, NULL));
	EXPECT_EQ((uint64_t)leader, status(&c, other).lead);
	cluster_free(&c);
}

TEST(isolated_node_with_prevote_keeps_its_term)
{
	struct cluster c;
	uint64_t term;
	int leader, lone;

	cluster_init(&c);
	tick_all(&c, 30);
	leader = leader_of(&c);
	lone = leader % N + 1;
	term = status(&c, lone).term;
	c.cut[lone] = true;
	tick_all(&c, 200);
	/* Pre-vote failed every time: no term inflation ... */
	EXPECT_EQ(term, status(&c, lone).term);
	c.cut[lone] = false;
	tick_all(&c, 5);
	/* ... so rejoining does not depose the healthy leader. */
	EXPECT_EQ(leader, leader_of(&c));
	EXPECT_EQ(term, status(&c, leader).term);
	cluster_free(&c);
}

TEST(leader_cut_off_from_quorum_steps_down)
{
	struct cluster c;
	int leader;

	cluster_init(&c);
	tick_all(&c, 30);
	leader = leader_of(&c);
	ASSERT_NE(0, leader);
	c.cut[leader] = true;
	tick_all(&c, 25);
	EXPECT_NE(RAFT_LEADER, status(&c, leader).role);
	/* The majority side elected a new leader meanwhile. */
	EXPECT_NE(0, leader_of(&c));
	EXPECT_NE(leader, leader_of(&c));
	cluster_free(&c);
}

static struct raft_msg msg(uint8_t type, uint64_t from, uint64_t to,
			   uint64_t term)
{
	struct raft_msg m = { .type = type, .from = from, .to = to,
			      .term = term };

	return m;
}

/*
 * Raft's figure 8: an entry of an older term stored on a majority is not
 * committed by counting; only an entry of the leader's own term commits
 * it, indirectly.
 */
TEST(leader_does_not_commit_older_term_entry_by_counting)
{
	struct raft_entry log[2] = {
		{ .term = 1, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 2, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_hard_state hs = { .term = 1 };
	struct raft_config cfg;
	struct raft_status st;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 1);
	cfg.pre_vote = false;
	ASSERT_EQ(0, raft_new(&cfg, &hs, log, 2, &r));
	raft_campaign(r);
	m = msg(RAFT_MSG_VOTE_RESP, 2, 1, 2);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	ASSERT_EQ(RAFT_LEADER, st.role);
	raft_ready(r, &rd);
	raft_advance(r, &rd);	/* the no-op (index 3) is durable here */
	m = msg(RAFT_MSG_APPEND_RESP, 2, 1, 2);
	m.index = 2;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	EXPECT_EQ(RAFT_LEADER, st.role);
	EXPECT_EQ(0u, st.commit);
	m.index = 3;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	EXPECT_EQ(3u, st.commit);
	raft_free(r);
}

TEST(vote_is_durable_in_the_same_ready_as_its_grant)
{
	struct raft_config cfg;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	m = msg(RAFT_MSG_VOTE, 1, 2, 5);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_msgs);
	EXPECT_EQ(RAFT_MSG_VOTE_RESP, rd.msgs[0].type);
	EXPECT_FALSE(rd.msgs[0].reject);
	EXPECT_TRUE(rd.hs_changed);
	EXPECT_EQ(5u, rd.hs.term);
	EXPECT_EQ(1u, rd.hs.vote);
	raft_advance(r, &rd);
	/* A second candidate in the same term is refused. */
	m = msg(RAFT_MSG_VOTE, 3, 2, 5);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_msgs);
	EXPECT_TRUE(rd.msgs[0].reject);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(message_not_for_this_node_or_malformed_is_refused_without_state_change)
{
	struct raft_entry bad = {
		.term = 50, .index = 1, .type = RAFT_ENTRY_CONF,
		.data = "junk", .len = 4,
	};
	struct raft_status before, after;
	struct raft_config cfg;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 1);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	/* Compared whole, padding included. */
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	raft_status(r, &before);
	m = msg(RAFT_MSG_APPEND, 2, 3, 50);	/* not addressed to us */
	EXPECT_EQ(-EINVAL, raft_step(r, &m));
	/* A configuration entry that does not decode is never obeyed. */
	m = msg(RAFT_MSG_APPEND, 2, 1, 50);
	m.entries = &bad;
	m.n_entries = 1;
	EXPECT_EQ(-EINVAL, raft_step(r, &m));
	raft_status(r, &after);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_FALSE(raft_has_ready(r));
	raft_free(r);
}

TEST(stale_leader_learns_the_new_term_from_a_follower)
{
	struct raft_config cfg;
	struct raft_hard_state hs = { .term = 4 };
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, &hs, NULL, 0, &r));
	m = msg(RAFT_MSG_HEARTBEAT, 1, 2, 3);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_msgs);
	EXPECT_EQ(4u, rd.msgs[0].term);
	EXPECT_EQ(1u, rd.msgs[0].to);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(follower_replaces_conflicting_uncommitted_entries)
{
	struct raft_entry old[3] = {
		{ .term = 1, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 2, .index = 2, .type = RAFT_ENTRY_NORMAL },
		{ .term = 2, .index = 3, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_entry fresh = { .term = 3, .index = 2,
				    .type = RAFT_ENTRY_NOOP };
	struct raft_hard_state hs = { .term = 2, .commit = 1 };
	struct raft_config cfg;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;
	uint64_t term;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, &hs, old, 3, &r));
	m = msg(RAFT_MSG_APPEND, 1, 2, 3);
	m.index = 1;
	m.log_term = 1;
	m.commit = 2;
	m.entries = &fresh;
	m.n_entries = 1;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	/* Storage is told to rewrite from index 2 on. */
	ASSERT_EQ(1u, rd.n_entries);
	EXPECT_EQ(2u, rd.entries[0].index);
	EXPECT_EQ(3u, rd.entries[0].term);
	EXPECT_EQ(2u, rd.hs.commit);
	ASSERT_EQ(1u, rd.n_msgs);
	EXPECT_FALSE(rd.msgs[0].reject);
	EXPECT_EQ(2u, rd.msgs[0].index);
	raft_advance(r, &rd);
	EXPECT_EQ(-ENOENT, raft_term_at(r, 3, &term));
	raft_free(r);
}

/*
 * Entries past the append's last one were not checked against the
 * leader's log: they may be stale, so the leader's commit index must not
 * reach them.
 */
TEST(follower_commits_only_what_the_leader_verified)
{
	struct raft_entry stale[3] = {
		{ .term = 1, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 2, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 3, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_hard_state hs = { .term = 1 };
	struct raft_config cfg;
	struct raft_status st;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, &hs, stale, 3, &r));
	m = msg(RAFT_MSG_APPEND, 1, 2, 2);
	m.index = 1;
	m.log_term = 1;
	m.commit = 3;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	EXPECT_EQ(1u, st.commit);
	raft_free(r);
}

/* Node 1 of 3 as leader of term 2, with its no-op durable. */
static struct raft *new_leader(void)
{
	struct raft_config cfg;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 1);
	cfg.pre_vote = false;
	if (raft_new(&cfg, &(struct raft_hard_state){ .term = 1 }, NULL, 0,
		     &r))
		abort();
	raft_campaign(r);
	m = msg(RAFT_MSG_VOTE_RESP, 2, 1, 2);
	raft_step(r, &m);
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	return r;
}

TEST(read_index_waits_for_the_leaders_first_commit)
{
	struct raft *r = new_leader();
	struct raft_msg m = msg(RAFT_MSG_APPEND_RESP, 2, 1, 2);
	struct raft_ready rd;
	uint64_t id;

	EXPECT_EQ(-EAGAIN, raft_read_index(r, &id));
	m.index = 1;
	ASSERT_EQ(0, raft_step(r, &m));
	EXPECT_EQ(0, raft_read_index(r, &id));
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(read_index_is_confirmed_only_by_a_quorum_answering_after_it)
{
	struct raft *r = new_leader();
	struct raft_msg m = msg(RAFT_MSG_APPEND_RESP, 2, 1, 2);
	struct raft_ready rd;
	uint64_t id;

	m.index = 1;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	ASSERT_EQ(0, raft_read_index(r, &id));
	raft_ready(r, &rd);
	EXPECT_EQ(0u, rd.n_reads);
	ASSERT_EQ(2u, rd.n_msgs);	/* heartbeats carrying the read */
	EXPECT_EQ(id, rd.msgs[0].ctx);
	raft_advance(r, &rd);
	/* An answer to an older heartbeat proves nothing about now. */
	m = msg(RAFT_MSG_HEARTBEAT_RESP, 3, 1, 2);
	m.ctx = id - 1;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	EXPECT_EQ(0u, rd.n_reads);
	raft_advance(r, &rd);
	m.ctx = id;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_reads);
	EXPECT_EQ(id, rd.reads[0].id);
	EXPECT_EQ(1u, rd.reads[0].index);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(follower_refuses_read_index)
{
	struct raft_config cfg;
	struct raft *r;
	uint64_t id;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	EXPECT_EQ(-EPERM, raft_read_index(r, &id));
	raft_free(r);
}

TEST(leadership_moves_to_the_chosen_node_and_proposals_wait)
{
	struct cluster c;
	int leader, target;

	cluster_init(&c);
	tick_all(&c, 30);
	leader = leader_of(&c);
	ASSERT_NE(0, leader);
	target = leader % N + 1;
	EXPECT_EQ(-EINVAL, raft_transfer_leadership(c.r[leader], leader));
	EXPECT_EQ(-EPERM, raft_transfer_leadership(c.r[target], leader));
	ASSERT_EQ(0, raft_transfer_leadership(c.r[leader], target));
	EXPECT_EQ(-EBUSY, raft_propose(c.r[leader], "v", 1, NULL, NULL));
	settle(&c);
	/* Within the old leader's lease: the transfer flag got the votes. */
	EXPECT_EQ(target, leader_of(&c));
	EXPECT_EQ(RAFT_FOLLOWER, status(&c, leader).role);
	EXPECT_EQ(0, raft_propose(c.r[target], "v", 1, NULL, NULL));
	cluster_free(&c);
}

static const struct raft_msg *find_msg(const struct raft_ready *rd,
				       uint8_t type, uint64_t to)
{
	for (size_t i = 0; i < rd->n_msgs; i++)
		if (rd->msgs[i].type == type && rd->msgs[i].to == to)
			return &rd->msgs[i];
	return NULL;
}

TEST(leader_sends_its_snapshot_to_a_follower_behind_the_compacted_log)
{
	struct raft *r = new_leader();
	struct raft_msg m = msg(RAFT_MSG_APPEND_RESP, 2, 1, 2);
	const struct raft_msg *snap;
	struct raft_ready rd;
	struct raft_status st;

	ASSERT_EQ(0, raft_propose(r, "x", 1, NULL, NULL));
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	m.index = 2;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(2u, rd.n_committed);
	raft_advance(r, &rd);
	/* Only what was applied can be compacted. */
	EXPECT_EQ(-EINVAL, raft_compact(r, 3, "S", 1));
	ASSERT_EQ(0, raft_compact(r, 2, "S", 1));
	raft_status(r, &st);
	EXPECT_EQ(2u, st.snap_index);
	/* Node 3 never answered: entries 1-2 are gone, so a snapshot. */
	m = msg(RAFT_MSG_HEARTBEAT_RESP, 3, 1, 2);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	snap = find_msg(&rd, RAFT_MSG_SNAPSHOT, 3);
	ASSERT_NE(NULL, snap);
	EXPECT_EQ(2u, snap->index);
	EXPECT_EQ(2u, snap->log_term);
	ASSERT_EQ(1u, snap->len);
	EXPECT_EQ('S', *(char *)snap->data);
	raft_advance(r, &rd);
	/* Its answer moves node 3 past the snapshot. */
	m = msg(RAFT_MSG_APPEND_RESP, 3, 1, 2);
	m.index = 2;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_free(r);
}

TEST(follower_replaces_a_stale_log_by_the_leaders_snapshot)
{
	struct raft_entry stale[2] = {
		{ .term = 1, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 2, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_hard_state hs = { .term = 1 };
	struct raft_entry next = { .term = 3, .index = 6,
				   .type = RAFT_ENTRY_NORMAL };
	struct raft_config cfg;
	struct raft_status st;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config(&cfg, 2);
	ASSERT_EQ(0, raft_new(&cfg, &hs, stale, 2, &r));
	m = msg(RAFT_MSG_SNAPSHOT, 1, 2, 3);
	m.index = 5;
	m.log_term = 3;
	m.data = "state";
	m.len = 5;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_NE(NULL, rd.snapshot);
	EXPECT_EQ(5u, rd.snapshot->index);
	EXPECT_EQ(0, memcmp(rd.snapshot->data, "state", 5));
	EXPECT_EQ(0u, rd.n_committed);
	EXPECT_EQ(0u, rd.n_entries);
	ASSERT_EQ(1u, rd.n_msgs);
	EXPECT_EQ(5u, rd.msgs[0].index);
	EXPECT_FALSE(rd.msgs[0].reject);
	raft_advance(r, &rd);
	raft_status(r, &st);
	EXPECT_EQ(5u, st.commit);
	EXPECT_EQ(5u, st.last_index);
	/* Replication continues right after the snapshot. */
	m = msg(RAFT_MSG_APPEND, 1, 2, 3);
	m.index = 5;
	m.log_term = 3;
	m.commit = 6;
	m.entries = &next;
	m.n_entries = 1;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_committed);
	EXPECT_EQ(6u, rd.committed[0].index);
	raft_advance(r, &rd);
	raft_free(r);
}

TEST(restart_from_a_snapshot_hands_out_only_later_entries)
{
	struct raft_entry after[1] = {
		{ .term = 2, .index = 11, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_snapshot snap = { .index = 10, .term = 2 };
	struct raft_hard_state hs = { .term = 2, .commit = 11 };
	struct raft_config cfg;
	struct raft_ready rd;
	struct raft *r;

	config(&cfg, 1);
	ASSERT_EQ(0, raft_new_at(&cfg, &hs, &snap, after, 1, &r));
	raft_ready(r, &rd);
	ASSERT_EQ(1u, rd.n_committed);
	EXPECT_EQ(11u, rd.committed[0].index);
	EXPECT_EQ(NULL, rd.snapshot);
	raft_advance(r, &rd);
	raft_free(r);
	/* Entries must continue the snapshot, not restart at 1. */
	after[0].index = 1;
	EXPECT_EQ(-EINVAL, raft_new_at(&cfg, &hs, &snap, after, 1, &r));
}

static void config_with_learners(struct raft_config *cfg, uint64_t id)
{
	config(cfg, id);
	cfg->learners[0] = 4;
	cfg->learners[1] = 5;
	cfg->n_learners = 2;
	cfg->pre_vote = false;
}

TEST(learners_copies_do_not_make_a_quorum)
{
	struct raft_config cfg;
	struct raft_status st;
	struct raft_ready rd;
	struct raft_msg m;
	struct raft *r;

	config_with_learners(&cfg, 1);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	raft_campaign(r);
	m = msg(RAFT_MSG_VOTE_RESP, 2, 1, 1);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	ASSERT_EQ(RAFT_LEADER, st.role);
	raft_ready(r, &rd);
	/* Learners are sent the log too. */
	EXPECT_NE(NULL, find_msg(&rd, RAFT_MSG_APPEND, 4));
	EXPECT_NE(NULL, find_msg(&rd, RAFT_MSG_APPEND, 5));
	raft_advance(r, &rd);
	for (uint64_t id = 4; id <= 5; id++) {
		m = msg(RAFT_MSG_APPEND_RESP, id, 1, 1);
		m.index = 1;
		ASSERT_EQ(0, raft_step(r, &m));
	}
	raft_status(r, &st);
	EXPECT_EQ(0u, st.commit);	/* 3 copies of 5, but 1 of 3 voters */
	m = msg(RAFT_MSG_APPEND_RESP, 3, 1, 1);
	m.index = 1;
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	EXPECT_EQ(1u, st.commit);
	raft_free(r);
}

TEST(learner_never_campaigns_but_one_promoted_unbeknown_gets_votes)
{
	struct raft_config cfg;
	struct raft_status st;
	struct raft_msg m;
	struct raft *r;

	config_with_learners(&cfg, 4);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	for (int i = 0; i < 100; i++)
		raft_tick(r);
	raft_campaign(r);
	raft_status(r, &st);
	EXPECT_EQ(RAFT_FOLLOWER, st.role);
	EXPECT_EQ(0u, st.term);
	EXPECT_FALSE(raft_has_ready(r));
	raft_free(r);
	/*
	 * A vote request from a node this voter knows as a learner: its
	 * log may hold its promotion, which ours lacks, and without our
	 * vote the new configuration might elect nobody. It is judged on
	 * its log like any other; candidates count only their own voters.
	 */
	config_with_learners(&cfg, 1);
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	m = msg(RAFT_MSG_VOTE, 4, 1, 7);
	ASSERT_EQ(0, raft_step(r, &m));
	raft_status(r, &st);
	EXPECT_EQ(7u, st.term);
	EXPECT_EQ(4u, st.vote);
	raft_free(r);
}

TEST(restart_refuses_a_log_that_storage_could_not_have_written)
{
	struct raft_entry gap[2] = {
		{ .term = 1, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 3, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_entry backwards[2] = {
		{ .term = 2, .index = 1, .type = RAFT_ENTRY_NORMAL },
		{ .term = 1, .index = 2, .type = RAFT_ENTRY_NORMAL },
	};
	struct raft_hard_state hs = { .term = 2, .commit = 5 };
	struct raft_hard_state ok = { .term = 2, .commit = 1 };
	struct raft_config cfg;
	struct raft *r = NULL;

	config(&cfg, 1);
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &ok, gap, 2, &r));
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &ok, backwards, 2, &r));
	/* A commit index beyond the log means acknowledged data was lost. */
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &hs, gap, 1, &r));
	/* Learners without a voter: no cluster could ever commit. */
	cfg.n_voters = 0;
	cfg.learners[0] = 1;
	cfg.n_learners = 1;
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &ok, gap, 1, &r));
	/* Ids once each, self among them. */
	config(&cfg, 1);
	cfg.learners[0] = 3;
	cfg.n_learners = 1;
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &ok, gap, 1, &r));
	config(&cfg, 7);
	EXPECT_EQ(-EINVAL, raft_new(&cfg, &ok, gap, 1, &r));
	EXPECT_EQ(NULL, r);
}

TEST_HARNESS_MAIN
