// SPDX-License-Identifier: GPL-2.0
/*
 * Controllers talking over the transport on loopback, with real mutual
 * TLS 1.3: messages on several channels between two and three nodes,
 * frames at the size limit, a node restarting, a peer that stops
 * reading. Refusals of bad peers are in test_refusal.c.
 */
#include "kselftest_harness.h"
#include "tp_fixture.h"

static const struct record *find_record(const struct node *n, uint64_t from,
					uint8_t channel, const char *text)
{
	for (unsigned int i = 0; i < n->nrec; i++)
		if (n->rec[i].from == from && n->rec[i].channel == channel &&
		    !strcmp(n->rec[i].text, text))
			return &n->rec[i];
	return NULL;
}

FIXTURE(mesh) {
	struct idn_ca ca;
	gnutls_datum_t ca_pem;
	struct idn_tls *tls[MAX_NODES];
	struct node *n[MAX_NODES];
	struct idn_status st;
};

FIXTURE_SETUP(mesh)
{
	char name[64];

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, fixture_ca(&self->ca, &self->ca_pem, &self->st));
	for (uint64_t id = 1; id <= 3; id++) {
		node_name(name, sizeof(name), id);
		self->tls[id] = issue_tls(&self->ca, &self->ca_pem, name);
		ASSERT_NE(NULL, self->tls[id]);
		self->n[id] = calloc(1, sizeof(struct node));
		ASSERT_NE(NULL, self->n[id]);
	}
}

FIXTURE_TEARDOWN(mesh)
{
	fixture_release(self->n, self->tls, MAX_NODES, &self->ca,
			&self->ca_pem);
}

static bool both_up(struct node *a, struct node *b)
{
	return tp_peer_up(a->tp, b->id) && tp_peer_up(b->tp, a->id);
}

/* Start nodes 1..count, link every pair, wait until all are up. */
static bool start_mesh(FIXTURE_DATA(mesh) *self, unsigned int count,
		       const struct tp_cfg *cfg)
{
	struct node **n = self->n;
	bool ok;

	for (unsigned int i = 1; i <= count; i++)
		if (node_start(n[i], i, self->tls[i], NULL, cfg))
			return false;
	for (unsigned int i = 1; i <= count; i++)
		for (unsigned int j = i + 1; j <= count; j++)
			if (node_link(n[i], n[j]))
				return false;
	ok = RUN_UNTIL(n, count + 1, ({
		bool all = true;

		for (unsigned int i = 1; i <= count; i++)
			for (unsigned int j = i + 1; j <= count; j++)
				all &= both_up(n[i], n[j]);
		all;
	}), WAIT_MS);
	return ok;
}

TEST_F(mesh, two_nodes_exchange_messages_both_ways_on_several_channels)
{
	struct node **n = self->n;
	const struct record *r;

	ASSERT_TRUE(start_mesh(self, 2, NULL));
	EXPECT_EQ(1, n[1]->ups);
	EXPECT_EQ(2, n[1]->last_up);
	EXPECT_EQ(1, n[2]->ups);
	EXPECT_EQ(1, n[2]->last_up);

	ASSERT_EQ(0, send_str(n[1], 2, TP_CH_RAFT, "append entries 1"));
	ASSERT_EQ(0, send_str(n[1], 2, TP_CH_CRDT, "digest"));
	ASSERT_EQ(0, send_str(n[1], 2, TP_CH_RAFT, "append entries 2"));
	ASSERT_EQ(0, send_str(n[2], 1, TP_CH_RAFT, "append response"));
	ASSERT_EQ(0, send_str(n[2], 1, TP_CH_CRDT, "deltas"));
	ASSERT_EQ(0, tp_send(n[2]->tp, 1, 7, "", 0));
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[2]->nrec == 3 && n[1]->nrec == 3,
			      WAIT_MS));

	/* Per connection, frames arrive in the order they were sent. */
	EXPECT_STREQ("append entries 1", n[2]->rec[0].text);
	EXPECT_EQ(TP_CH_RAFT, n[2]->rec[0].channel);
	EXPECT_STREQ("digest", n[2]->rec[1].text);
	EXPECT_EQ(TP_CH_CRDT, n[2]->rec[1].channel);
	EXPECT_STREQ("append entries 2", n[2]->rec[2].text);
	EXPECT_EQ(1, n[2]->rec[2].from);
	r = find_record(n[1], 2, TP_CH_RAFT, "append response");
	EXPECT_NE(NULL, r);
	EXPECT_NE(NULL, find_record(n[1], 2, TP_CH_CRDT, "deltas"));
	/* An empty message on any channel is a message too. */
	r = find_record(n[1], 2, 7, "");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->len);
}

TEST_F(mesh, three_nodes_each_reach_both_others)
{
	struct node **n = self->n;
	char msg[32];

	ASSERT_TRUE(start_mesh(self, 3, NULL));
	for (uint64_t i = 1; i <= 3; i++) {
		EXPECT_EQ(2, n[i]->ups);
		for (uint64_t j = 1; j <= 3; j++) {
			if (i == j)
				continue;
			snprintf(msg, sizeof(msg), "from %llu to %llu",
				 (unsigned long long)i, (unsigned long long)j);
			ASSERT_EQ(0, send_str(n[i], j, TP_CH_RAFT, msg));
		}
	}
	ASSERT_TRUE(RUN_UNTIL(n, 4, n[1]->nrec + n[2]->nrec + n[3]->nrec == 6,
			      WAIT_MS));
	for (uint64_t i = 1; i <= 3; i++) {
		for (uint64_t j = 1; j <= 3; j++) {
			if (i == j)
				continue;
			snprintf(msg, sizeof(msg), "from %llu to %llu",
				 (unsigned long long)i, (unsigned long long)j);
			EXPECT_NE(NULL, find_record(n[j], i, TP_CH_RAFT, msg))
				TH_LOG("missing: %s", msg);
		}
	}
	/* One connection per pair: nobody came up twice. */
	for (uint64_t i = 1; i <= 3; i++)
		EXPECT_EQ(2, n[i]->ups);
}

TEST_F(mesh, frame_of_exactly_the_maximum_size_arrives_intact)
{
	struct node **n = self->n;
	size_t max = TP_MAX_FRAME_DEFAULT;
	uint8_t *big = malloc(max);
	uint32_t crc;

	ASSERT_NE(NULL, big);
	for (size_t i = 0; i < max; i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
	crc = crc32c(0, big, max);
	ASSERT_TRUE(start_mesh(self, 2, NULL));
	ASSERT_EQ(0, tp_send(n[2]->tp, 1, TP_CH_RAFT, big, max));
	/*
	 * The frame is twice the 4 MiB queue bound: accepted because the
	 * queue was empty, and the next one waits for it to drain.
	 */
	EXPECT_EQ(-ENOBUFS, send_str(n[2], 1, TP_CH_CRDT, "after"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, send_str(n[2], 1, TP_CH_CRDT, "after") == 0,
			      WAIT_MS));
	/* The small frame behind the big one is not overtaken or merged. */
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[1]->nrec == 2, WAIT_MS));
	EXPECT_EQ(max, n[1]->rec[0].len);
	EXPECT_EQ(crc, n[1]->rec[0].crc);
	EXPECT_STREQ("after", n[1]->rec[1].text);
	free(big);
}

TEST_F(mesh, frame_over_the_limit_is_refused_on_send_and_nothing_breaks)
{
	struct node **n = self->n;
	struct tp_cfg cfg;
	uint8_t *big;

	test_cfg(&cfg, 0);
	cfg.max_frame = 64 << 10;
	big = calloc(1, cfg.max_frame + 1);
	ASSERT_NE(NULL, big);
	ASSERT_TRUE(start_mesh(self, 2, &cfg));
	EXPECT_EQ(-EMSGSIZE, tp_send(n[1]->tp, 2, TP_CH_RAFT, big,
				     cfg.max_frame + 1));
	ASSERT_EQ(0, tp_send(n[1]->tp, 2, TP_CH_RAFT, big, cfg.max_frame));
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[2]->nrec == 1, WAIT_MS));
	EXPECT_EQ(cfg.max_frame, n[2]->rec[0].len);
	EXPECT_TRUE(both_up(n[1], n[2]));
	EXPECT_EQ(0, n[1]->downs);
	free(big);
}

TEST_F(mesh, restarted_peer_is_redialled_with_backoff_and_messages_flow)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;
	char listen[32];
	uint64_t dials;

	ASSERT_TRUE(start_mesh(self, 2, NULL));
	node_addr(listen, sizeof(listen), n[2]);

	/* Node 2 goes away for a second; node 1 (the dialer) notices. */
	node_stop(n[2]);
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[1]->downs == 1, WAIT_MS));
	EXPECT_EQ(2, n[1]->last_down);
	EXPECT_EQ(-ENOTCONN, send_str(n[1], 2, TP_CH_RAFT, "lost"));
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	dials = ps.dials;
	RUN_UNTIL(n, 3, false, 1000);
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	/*
	 * Redials at 10, 20, 40... ms capped at 200 ms, jittered down to
	 * half: at least 4 and at most 30 in a second (100 without the
	 * backoff), and the delay has reached its cap.
	 */
	EXPECT_GE(ps.dials - dials, 4);
	EXPECT_LE(ps.dials - dials, 30);
	EXPECT_EQ(200, ps.backoff_ms);
	EXPECT_EQ(IDN_ERR_IO, ps.last_error.err) TH_LOG("%s",
							ps.last_error.detail);

	/* Back on the same port: up again, and the backoff is reset. */
	ASSERT_EQ(0, node_start(n[2], 2, self->tls[2], listen, NULL));
	node_addr(listen, sizeof(listen), n[1]);
	ASSERT_EQ(0, tp_peer_add(n[2]->tp, 1, listen,
				 "spiffe://" TD "/node/n1"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, both_up(n[1], n[2]), WAIT_MS));
	EXPECT_EQ(2, n[1]->ups);
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	EXPECT_EQ(10, ps.backoff_ms);
	ASSERT_EQ(0, send_str(n[1], 2, TP_CH_RAFT, "welcome back"));
	ASSERT_EQ(0, send_str(n[2], 1, TP_CH_RAFT, "thanks"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[2]->nrec == 1 && n[1]->nrec == 1,
			      WAIT_MS));
	EXPECT_STREQ("welcome back", n[2]->rec[0].text);
	EXPECT_STREQ("thanks", n[1]->rec[0].text);
}

TEST_F(mesh, restarted_dialer_replaces_its_old_connection)
{
	struct node **n = self->n;
	char listen[32], addr[32];

	ASSERT_TRUE(start_mesh(self, 2, NULL));
	node_addr(listen, sizeof(listen), n[1]);
	node_stop(n[1]);
	ASSERT_EQ(0, node_start(n[1], 1, self->tls[1], listen, NULL));
	node_addr(addr, sizeof(addr), n[2]);
	ASSERT_EQ(0, tp_peer_add(n[1]->tp, 2, addr,
				 "spiffe://" TD "/node/n2"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, both_up(n[1], n[2]) && n[2]->ups == 2,
			      WAIT_MS));
	EXPECT_EQ(1, n[2]->downs);
	ASSERT_EQ(0, send_str(n[2], 1, TP_CH_CRDT, "pull"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[1]->nrec == 1, WAIT_MS));
	EXPECT_STREQ("pull", n[1]->rec[0].text);
}

TEST_F(mesh, peer_that_stops_reading_gets_enobufs_not_our_memory)
{
	struct node **n = self->n;
	struct node *only1[1];
	struct tp_peer_stats ps;
	struct tp_cfg cfg;
	size_t len = 64 << 10;
	uint8_t *buf = calloc(1, len);
	unsigned int sent = 0;
	int err = 0;

	ASSERT_NE(NULL, buf);
	test_cfg(&cfg, 0);
	cfg.sendq_max = 1 << 20;
	cfg.idle_timeout_ms = 20000;	/* stalled, not dead */
	ASSERT_TRUE(start_mesh(self, 2, &cfg));
	only1[0] = n[1];

	/* Node 2 no longer polls: the kernel buffers fill, then ours. */
	while (sent < 4096) {
		buf[0] = (uint8_t)sent;
		err = tp_send(n[1]->tp, 2, TP_CH_CRDT, buf, len);
		if (err)
			break;
		sent++;
		poll_nodes(only1, 1);
	}
	EXPECT_EQ(-ENOBUFS, err);
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	EXPECT_LE(ps.queued, cfg.sendq_max);
	EXPECT_GT(ps.queued, cfg.sendq_max - len - TP_FRAME_HDR);
	TH_LOG("%u frames of 64 KiB accepted before -ENOBUFS", sent);

	/* Once it reads again, every accepted frame arrives, in order. */
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[2]->nrec == sent, WAIT_MS));
	for (unsigned int i = 0; i < sent; i++) {
		buf[0] = (uint8_t)i;
		ASSERT_EQ(crc32c(0, buf, len), n[2]->rec[i].crc);
	}
	EXPECT_EQ(0, tp_send(n[1]->tp, 2, TP_CH_CRDT, buf, len));
	free(buf);
}

TEST_F(mesh, peer_vanishing_mid_stream_costs_its_connection_not_a_sigpipe)
{
	struct node **n = self->n;
	size_t len = 16 << 10;
	uint8_t *buf = calloc(1, len);

	ASSERT_NE(NULL, buf);
	/* The daemon may not ignore SIGPIPE; the transport must not care. */
	signal(SIGPIPE, SIG_DFL);
	ASSERT_TRUE(start_mesh(self, 2, NULL));
	ASSERT_EQ(0, tp_send(n[1]->tp, 2, TP_CH_RAFT, buf, len));
	RUN_UNTIL(n, 3, false, 20);
	/* Unread data in its socket: node 2's close sends a reset. */
	node_stop(n[2]);
	ASSERT_TRUE(RUN_UNTIL(n, 3, ({
		tp_send(n[1]->tp, 2, TP_CH_RAFT, buf, len);
		n[1]->downs == 1;
	}), WAIT_MS));
	EXPECT_FALSE(tp_peer_up(n[1]->tp, 2));
	free(buf);
}

TEST_HARNESS_MAIN
