// SPDX-License-Identifier: GPL-2.0
/*
 * Membership changes through the log (dissertation chapter 4), on an
 * in-process cluster whose nodes keep their logs in real storage and
 * whose messages cross the wire codec. Nodes 1-3 are the bootstrap
 * voters; nodes 4 and 5 start empty, as a node joining a running
 * cluster does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kselftest_harness.h"
#include "raft/conf.h"
#include "raft/msg.h"
#include "raft/raft.h"
#include "raft/storage.h"

#define MAXN	5
#define BOOT	3
#define QCAP	8192

struct node {
	struct raft *r;
	struct raft_storage *s;
	char dir[96];
	uint64_t applied;
	int conf_applied;	/* RAFT_ENTRY_CONF entries handed out */
	int snaps;		/* snapshots installed from a leader */
};

struct packet {
	int to;
	size_t len;
	uint8_t *buf;
};

struct cluster {
	struct node n[MAXN + 1];	/* ids 1..MAXN */
	bool cut[MAXN + 1];
	struct packet q[QCAP];
	size_t n_q;
	char base[64];
};

static void node_config(struct raft_config *cfg, int id)
{
	raft_config_default(cfg);
	cfg->id = id;
	cfg->seed = 11;
	/* Joining nodes know no configuration: the log brings it. */
	if (id > BOOT)
		return;
	cfg->n_voters = BOOT;
	for (int i = 0; i < BOOT; i++)
		cfg->voters[i] = i + 1;
}

static int node_start(struct cluster *c, int id)
{
	struct node *nd = &c->n[id];
	struct raft_storage_state st;
	struct raft_config cfg;
	int err;

	node_config(&cfg, id);
	err = raft_storage_open(nd->dir, 0, &nd->s, &st);
	if (err)
		return err;
	err = raft_new_at(&cfg, &st.hs, &st.snapshot, st.entries,
			  st.n_entries, &nd->r);
	nd->applied = st.snapshot.index;
	raft_storage_state_release(&st);
	return err;
}

static void node_stop(struct cluster *c, int id)
{
	raft_free(c->n[id].r);
	raft_storage_close(c->n[id].s);
	c->n[id].r = NULL;
	c->n[id].s = NULL;
}

static void send_msg(struct cluster *c, const struct raft_msg *m)
{
	size_t len = raft_msg_encoded_size(m);
	uint8_t *buf;

	if (c->n_q == QCAP || m->to < 1 || m->to > MAXN ||
	    c->cut[m->from] || c->cut[m->to])
		return;
	buf = malloc(len);
	if (!buf || raft_msg_encode(m, buf, len) != (ssize_t)len)
		abort();
	c->q[c->n_q++] = (struct packet){ .to = m->to, .len = len, .buf = buf };
}

/* Persist, send, apply, advance: everything a ready asks, in order. */
static void drain(struct cluster *c, int id)
{
	struct node *nd = &c->n[id];
	struct raft_ready rd;

	while (nd->r && raft_has_ready(nd->r)) {
		raft_ready(nd->r, &rd);
		if (raft_storage_save(nd->s, &rd))
			abort();
		for (size_t i = 0; i < rd.n_msgs; i++)
			send_msg(c, &rd.msgs[i]);
		if (rd.snapshot) {
			nd->applied = rd.snapshot->index;
			nd->snaps++;
		}
		for (size_t i = 0; i < rd.n_committed; i++) {
			nd->applied = rd.committed[i].index;
			nd->conf_applied +=
				rd.committed[i].type == RAFT_ENTRY_CONF;
		}
		raft_advance(nd->r, &rd);
	}
}

static void settle(struct cluster *c)
{
	for (int id = 1; id <= MAXN; id++)
		drain(c, id);
	while (c->n_q) {
		struct packet p = c->q[0];
		struct raft_msg m;

		memmove(c->q, c->q + 1, (c->n_q - 1) * sizeof(c->q[0]));
		c->n_q--;
		if (c->n[p.to].r && !c->cut[p.to] &&
		    !raft_msg_decode(p.buf, p.len, &m)) {
			if (!c->cut[m.from])
				raft_step(c->n[p.to].r, &m);
			raft_msg_release(&m);
			drain(c, p.to);
		}
		free(p.buf);
	}
}

static void tick_all(struct cluster *c, int ticks)
{
	for (int t = 0; t < ticks; t++) {
		for (int id = 1; id <= MAXN; id++)
			if (c->n[id].r && !c->cut[id])
				raft_tick(c->n[id].r);
		settle(c);
	}
}

static struct raft_status status(struct cluster *c, int id)
{
	struct raft_status st;

	raft_status(c->n[id].r, &st);
	return st;
}

static int leader_of(struct cluster *c)
{
	int leader = 0;

	for (int id = 1; id <= MAXN; id++)
		if (c->n[id].r && !c->cut[id] &&
		    status(c, id).role == RAFT_LEADER)
			leader = id;
	return leader;
}

static struct raft_conf conf_of(struct cluster *c, int id)
{
	struct raft_conf conf;

	raft_conf(c->n[id].r, &conf);
	return conf;
}

static int change(struct cluster *c, int at, uint8_t op, uint64_t id)
{
	struct raft_conf_change cc = { .op = op, .id = id };

	/* What the daemon would put there: how to reach the node. */
	cc.ctx_len = snprintf((char *)cc.ctx, sizeof(cc.ctx),
			      "spiffe://x0tta/node/%d", (int)id);
	return raft_propose_conf_change(c->n[at].r, &cc, NULL, NULL);
}

/* Snapshot node @id's state machine at its applied index, as an app does. */
static int compact(struct cluster *c, int id)
{
	struct node *nd = &c->n[id];
	struct raft_snapshot snap = { .index = nd->applied, .len = 1,
				      .data = "S" };
	int err;

	err = raft_compact(nd->r, snap.index, snap.data, snap.len);
	if (!err)
		err = raft_term_at(nd->r, snap.index, &snap.term);
	if (!err)
		err = raft_conf_at(nd->r, snap.index, &snap.conf);
	if (!err)
		err = raft_storage_compact(nd->s, &snap);
	return err;
}

FIXTURE(cl) {
	struct cluster c;
	int leader;
};

FIXTURE_SETUP(cl)
{
	struct cluster *c = &self->c;

	memset(c, 0, sizeof(*c));
	strcpy(c->base, "/tmp/raft-conf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(c->base));
	for (int id = 1; id <= MAXN; id++) {
		snprintf(c->n[id].dir, sizeof(c->n[id].dir), "%s/n%d",
			 c->base, id);
		ASSERT_EQ(0, node_start(c, id));
	}
	tick_all(c, 40);
	self->leader = leader_of(c);
	ASSERT_NE(0, self->leader);
	ASSERT_GE(BOOT, self->leader);
}

FIXTURE_TEARDOWN(cl)
{
	char cmd[128];

	settle(&self->c);
	for (int id = 1; id <= MAXN; id++)
		node_stop(&self->c, id);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->c.base);
	if (system(cmd))
		TH_LOG("could not remove %s", self->c.base);
}

/* Another bootstrap voter than @not. */
static int other(int not)
{
	return not % BOOT + 1;
}

TEST_F(cl, empty_node_never_campaigns_and_joins_as_a_learner)
{
	struct cluster *c = &self->c;
	int l = self->leader;
	struct raft_conf conf;

	/* Ticking alone for long, node 4 stays a follower of term 0. */
	EXPECT_EQ(RAFT_FOLLOWER, status(c, 4).role);
	EXPECT_EQ(0u, status(c, 4).term);
	EXPECT_FALSE(status(c, 4).voter);
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	/* In force on the leader before it commits. */
	conf = conf_of(c, l);
	EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
	settle(c);
	tick_all(c, 3);
	EXPECT_EQ(status(c, l).commit, status(c, 4).commit);
	EXPECT_EQ(status(c, l).commit, c->n[4].applied);
	EXPECT_EQ((uint64_t)l, status(c, 4).lead);
	for (int id = 1; id <= 4; id++) {
		conf = conf_of(c, id);
		EXPECT_EQ(3u, conf.n_voters);
		EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
		/* The application saw the change in rd.committed. */
		EXPECT_EQ(1, c->n[id].conf_applied);
	}
	EXPECT_FALSE(status(c, 4).voter);
	/* Node 5, not added, got nothing. */
	EXPECT_EQ(0u, status(c, 5).last_index);
}

TEST_F(cl, learner_behind_a_compacted_log_catches_up_by_snapshot)
{
	struct cluster *c = &self->c;
	int l = self->leader;
	struct raft_ready rd;
	struct raft_conf conf;

	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, raft_propose(c->n[l].r, "v", 1, NULL, NULL));
	settle(c);
	tick_all(c, 2);
	for (int id = 1; id <= BOOT; id++)
		ASSERT_EQ(0, compact(c, id));
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	settle(c);
	tick_all(c, 3);
	EXPECT_EQ(1, c->n[4].snaps);
	EXPECT_LT(0u, status(c, 4).snap_index);
	EXPECT_EQ(status(c, l).commit, c->n[4].applied);
	conf = conf_of(c, 4);
	EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
	EXPECT_TRUE(raft_conf_is_voter(&conf, l));
	/* The learner itself restarts into the same configuration. */
	node_stop(c, 4);
	ASSERT_EQ(0, node_start(c, 4));
	conf = conf_of(c, 4);
	EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
	EXPECT_EQ(3u, conf.n_voters);
	raft_ready(c->n[4].r, &rd);
	raft_advance(c->n[4].r, &rd);
}

TEST_F(cl, lagging_voter_takes_the_configuration_from_the_snapshot)
{
	struct cluster *c = &self->c;
	int l = self->leader, x = other(l);
	struct raft_conf conf;

	c->cut[x] = true;
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	settle(c);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, raft_propose(c->n[l].r, "v", 1, NULL, NULL));
	settle(c);
	tick_all(c, 2);
	ASSERT_EQ(0, compact(c, l));
	/* x never saw the change's entry: only the snapshot tells it. */
	c->cut[x] = false;
	tick_all(c, 3);
	EXPECT_EQ(1, c->n[x].snaps);
	EXPECT_EQ(0, c->n[x].conf_applied);
	conf = conf_of(c, x);
	EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
	EXPECT_EQ(status(c, l).snap_index, status(c, x).conf_index);
}

TEST_F(cl, promoted_learner_counts_for_quorum_and_its_vote_elects)
{
	struct cluster *c = &self->c;
	int l = self->leader, x = other(l);
	uint64_t index, term;

	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	settle(c);
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_VOTER, 4));
	settle(c);
	tick_all(c, 2);
	EXPECT_TRUE(status(c, 4).voter);
	EXPECT_EQ(2, c->n[4].conf_applied);
	/* Four voters: with x and 4 cut off, two copies are not a quorum. */
	c->cut[x] = c->cut[4] = true;
	ASSERT_EQ(0, raft_propose(c->n[l].r, "v", 1, &index, NULL));
	settle(c);
	EXPECT_GT(index, status(c, l).commit);
	/* With 4 back, three of four commit. */
	c->cut[4] = false;
	tick_all(c, 2);
	EXPECT_EQ(index, status(c, l).commit);
	/* Leader gone: y and 4 cannot win without x, and 4's vote counts. */
	term = status(c, l).term;
	c->cut[l] = true;
	c->cut[x] = false;
	tick_all(c, 60);
	ASSERT_NE(0, leader_of(c));
	EXPECT_NE(l, leader_of(c));
	EXPECT_LT(term, status(c, leader_of(c)).term);
}

TEST_F(cl, node_removed_while_cut_off_cannot_disrupt_the_cluster)
{
	struct cluster *c = &self->c;
	int l = self->leader, x = other(l);
	struct raft_conf conf;
	uint64_t term = status(c, l).term, index;

	c->cut[x] = true;
	ASSERT_EQ(0, change(c, l, RAFT_CONF_REMOVE, x));
	settle(c);
	tick_all(c, 2);
	/* Two voters left, and both have the change. */
	conf = conf_of(c, l);
	EXPECT_EQ(2u, conf.n_voters);
	EXPECT_FALSE(raft_conf_is_voter(&conf, x));
	ASSERT_EQ(0, raft_propose(c->n[l].r, "v", 1, &index, NULL));
	settle(c);
	tick_all(c, 2);
	EXPECT_EQ(index, status(c, l).commit);
	/* x comes back knowing nothing; it campaigns and gets nowhere. */
	c->cut[x] = false;
	tick_all(c, 100);
	EXPECT_EQ(l, leader_of(c));
	EXPECT_EQ(term, status(c, l).term);
	EXPECT_NE(RAFT_LEADER, status(c, x).role);
}

TEST_F(cl, removed_leader_steps_down_after_commit_and_the_rest_elect)
{
	struct cluster *c = &self->c;
	int l = self->leader, nl;
	struct raft_conf conf;
	uint64_t index;

	ASSERT_EQ(0, change(c, l, RAFT_CONF_REMOVE, l));
	/* Until it commits, the old leader leads without counting itself. */
	EXPECT_EQ(RAFT_LEADER, status(c, l).role);
	EXPECT_FALSE(status(c, l).voter);
	settle(c);
	EXPECT_EQ(RAFT_FOLLOWER, status(c, l).role);
	tick_all(c, 60);
	nl = leader_of(c);
	ASSERT_NE(0, nl);
	EXPECT_NE(l, nl);
	conf = conf_of(c, nl);
	EXPECT_EQ(2u, conf.n_voters);
	ASSERT_EQ(0, raft_propose(c->n[nl].r, "v", 1, &index, NULL));
	settle(c);
	tick_all(c, 2);
	EXPECT_EQ(index, status(c, nl).commit);
	/* The removed node hears nothing more and never campaigns. */
	EXPECT_GT(index, status(c, l).last_index);
	EXPECT_NE(RAFT_CANDIDATE, status(c, l).role);
}

/*
 * Dissertation 4.2.2, found by the simulator: a leader appends its own
 * removal, loses its quorum before the change commits and steps down.
 * Its log is the most complete, so the remaining voter, whose log lacks
 * the change, cannot win without it: it must campaign itself.
 */
TEST_F(cl, leader_whose_removal_is_uncommitted_campaigns_to_finish_it)
{
	struct cluster *c = &self->c;
	int l = self->leader, x = other(l), y = other(x);
	struct raft_conf conf;

	ASSERT_EQ(0, change(c, l, RAFT_CONF_REMOVE, y));
	settle(c);
	tick_all(c, 2);
	c->cut[x] = true;
	ASSERT_EQ(0, change(c, l, RAFT_CONF_REMOVE, l));
	settle(c);
	/* Without x, nothing commits and check-quorum deposes l. */
	tick_all(c, 30);
	EXPECT_EQ(RAFT_FOLLOWER, status(c, l).role);
	EXPECT_GT(status(c, l).conf_index, status(c, l).commit);
	c->cut[x] = false;
	tick_all(c, 60);
	ASSERT_EQ(x, leader_of(c));
	conf = conf_of(c, x);
	EXPECT_EQ(1u, conf.n_voters);
	EXPECT_TRUE(raft_conf_is_voter(&conf, x));
	/* l led again just long enough to commit its own removal. */
	EXPECT_LE(status(c, l).conf_index, status(c, l).commit);
	EXPECT_EQ(RAFT_FOLLOWER, status(c, l).role);
	EXPECT_FALSE(status(c, l).voter);
}

TEST_F(cl, changes_that_make_no_sense_or_come_too_early_are_refused)
{
	struct cluster *c = &self->c;
	int l = self->leader;
	struct raft_conf_change cc = { .op = RAFT_CONF_ADD_VOTER, .id = 4,
				       .ctx_len = RAFT_CONF_CTX_MAX + 1 };
	uint64_t last = status(c, l).last_index;

	EXPECT_EQ(-EPERM, change(c, other(l), RAFT_CONF_ADD_LEARNER, 4));
	EXPECT_EQ(-EINVAL, change(c, l, RAFT_CONF_ADD_VOTER, other(l)));
	EXPECT_EQ(-EINVAL, change(c, l, RAFT_CONF_ADD_LEARNER, other(l)));
	EXPECT_EQ(-EINVAL, change(c, l, RAFT_CONF_REMOVE, 9));
	EXPECT_EQ(-EINVAL, change(c, l, RAFT_CONF_ADD_LEARNER, 0));
	EXPECT_EQ(-EINVAL, change(c, l, 7, 4));
	EXPECT_EQ(-EINVAL, raft_propose_conf_change(c->n[l].r, &cc, NULL,
						    NULL));
	EXPECT_EQ(last, status(c, l).last_index);
	/* One change at a time: the second waits for the first's commit. */
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	EXPECT_EQ(-EBUSY, change(c, l, RAFT_CONF_ADD_LEARNER, 5));
	settle(c);
	EXPECT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 5));
	settle(c);
	/* Not during a leadership transfer either. */
	c->cut[other(l)] = true;
	ASSERT_EQ(0, raft_transfer_leadership(c->n[l].r, other(l)));
	EXPECT_EQ(-EBUSY, change(c, l, RAFT_CONF_REMOVE, 5));
	c->cut[other(l)] = false;
}

TEST(leader_changes_nothing_before_its_first_entry_commits)
{
	struct raft_conf_change cc = { .op = RAFT_CONF_ADD_LEARNER, .id = 2 };
	struct raft_config cfg;
	struct raft_status st;
	struct raft_ready rd;
	struct raft *r;

	node_config(&cfg, 1);
	cfg.n_voters = 1;
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	raft_campaign(r);
	raft_status(r, &st);
	ASSERT_EQ(RAFT_LEADER, st.role);
	/* Its no-op is not durable yet, so not committed. */
	EXPECT_EQ(-EBUSY, raft_propose_conf_change(r, &cc, NULL, NULL));
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	EXPECT_EQ(0, raft_propose_conf_change(r, &cc, NULL, NULL));
	raft_ready(r, &rd);
	raft_advance(r, &rd);
	/* The only voter cannot go. */
	cc.op = RAFT_CONF_REMOVE;
	cc.id = 1;
	EXPECT_EQ(-EINVAL, raft_propose_conf_change(r, &cc, NULL, NULL));
	raft_free(r);
}

TEST_F(cl, truncated_configuration_entry_is_rolled_back)
{
	struct cluster *c = &self->c;
	int l = self->leader, nl;
	struct raft_conf conf;
	uint64_t conf_index;

	/* The leader appends a change nobody else receives ... */
	for (int id = 1; id <= MAXN; id++)
		c->cut[id] = id != l;
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	conf_index = status(c, l).conf_index;
	settle(c);
	conf = conf_of(c, l);
	EXPECT_TRUE(raft_conf_is_learner(&conf, 4));
	/* ... is cut off, and the others elect and go on without it. */
	for (int id = 1; id <= MAXN; id++)
		c->cut[id] = id == l;
	tick_all(c, 60);
	nl = leader_of(c);
	ASSERT_NE(0, nl);
	ASSERT_EQ(0, raft_propose(c->n[nl].r, "w", 1, NULL, NULL));
	settle(c);
	/* Back, it takes the new leader's log: its change is undone. */
	c->cut[l] = false;
	tick_all(c, 10);
	EXPECT_EQ(status(c, nl).commit, status(c, l).commit);
	conf = conf_of(c, l);
	EXPECT_FALSE(raft_conf_is_learner(&conf, 4));
	EXPECT_EQ(3u, conf.n_voters);
	EXPECT_GT(conf_index, status(c, l).conf_index);
	EXPECT_EQ(0, c->n[l].conf_applied);
}

TEST_F(cl, restart_recovers_the_configuration_from_log_and_snapshot)
{
	struct cluster *c = &self->c;
	int l = self->leader, x = other(l);
	struct raft_conf conf;

	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 4));
	settle(c);
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_VOTER, 4));
	settle(c);
	ASSERT_EQ(0, change(c, l, RAFT_CONF_ADD_LEARNER, 5));
	settle(c);
	tick_all(c, 2);
	/* From the log: three entries replayed over the bootstrap one. */
	node_stop(c, x);
	ASSERT_EQ(0, node_start(c, x));
	conf = conf_of(c, x);
	EXPECT_EQ(4u, conf.n_voters);
	EXPECT_TRUE(raft_conf_is_voter(&conf, 4));
	EXPECT_TRUE(raft_conf_is_learner(&conf, 5));
	tick_all(c, 5);
	/* From a snapshot that holds all three, and no log. */
	ASSERT_EQ(0, compact(c, x));
	ASSERT_EQ(status(c, x).last_index, status(c, x).snap_index);
	node_stop(c, x);
	ASSERT_EQ(0, node_start(c, x));
	conf = conf_of(c, x);
	EXPECT_EQ(4u, conf.n_voters);
	EXPECT_TRUE(raft_conf_is_voter(&conf, 4));
	EXPECT_TRUE(raft_conf_is_learner(&conf, 5));
	EXPECT_TRUE(status(c, x).voter);
}

/* ---- the entry codec ----------------------------------------------------- */

static size_t encode_add(uint8_t *buf, struct raft_conf *result)
{
	struct raft_conf_change cc = { .op = RAFT_CONF_ADD_LEARNER, .id = 4,
				       .ctx_len = 3, .ctx = "abc" };

	*result = (struct raft_conf){ .voters = { 1, 2, 3 }, .n_voters = 3,
				      .learners = { 4 }, .n_learners = 1 };
	return raft_conf_entry_encode(&cc, result, buf);
}

TEST(conf_entry_round_trips_with_its_context)
{
	uint8_t buf[RAFT_CONF_ENTRY_MAX];
	struct raft_conf_change cc;
	struct raft_conf result, out;
	size_t n = encode_add(buf, &result);

	ASSERT_EQ(0, raft_conf_entry_decode(buf, n, &cc, &out));
	EXPECT_EQ(RAFT_CONF_ADD_LEARNER, cc.op);
	EXPECT_EQ(4u, cc.id);
	ASSERT_EQ(3, cc.ctx_len);
	EXPECT_EQ(0, memcmp(cc.ctx, "abc", 3));
	EXPECT_TRUE(raft_conf_equal(&result, &out));
}

TEST(conf_entry_decoder_refuses_every_inconsistency)
{
	uint8_t buf[RAFT_CONF_ENTRY_MAX], b[RAFT_CONF_ENTRY_MAX];
	struct raft_conf result;
	size_t n = encode_add(buf, &result);
#define IDS (RAFT_CONF_ENTRY_HDR + RAFT_CONF_BLOCK_HDR)
	static const struct { size_t off; uint8_t val; int err; } bad[] = {
		{ 0, 2, -EPROTONOSUPPORT },	/* version */
		{ 1, 0, -EBADMSG },		/* op 0 */
		{ 1, 4, -EBADMSG },		/* op unknown */
		{ 1, RAFT_CONF_ADD_VOTER, -EBADMSG },	/* 4 is no voter */
		{ 1, RAFT_CONF_REMOVE, -EBADMSG },	/* 4 is still there */
		{ 2, 4, -EBADMSG },		/* context past the end */
		{ 3, 1, -EBADMSG },		/* context above the limit */
		{ 4, 1, -EBADMSG },		/* reserved */
		{ 8, 0, -EBADMSG },		/* id 0 */
		{ RAFT_CONF_ENTRY_HDR, 0, -EBADMSG },	/* no voter left */
		{ RAFT_CONF_ENTRY_HDR + 3, 1, -EBADMSG },	/* reserved */
		{ IDS, 2, -EBADMSG },		/* voters out of order */
		{ IDS + 24, 3, -EBADMSG },	/* learner 3 is a voter */
	};
#undef IDS

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, buf, n);
		b[bad[i].off] = bad[i].val;
		EXPECT_EQ(bad[i].err, raft_conf_entry_decode(b, n, NULL, NULL))
			TH_LOG("byte %zu = %u", bad[i].off, bad[i].val);
	}
	/* Every truncation, and a trailing byte. */
	for (size_t len = 0; len < n; len++)
		EXPECT_NE(0, raft_conf_entry_decode(buf, len, NULL, NULL));
	buf[n] = 0;
	EXPECT_EQ(-EBADMSG, raft_conf_entry_decode(buf, n + 1, NULL, NULL));
}

TEST_HARNESS_MAIN
