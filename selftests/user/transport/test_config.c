// SPDX-License-Identifier: GPL-2.0
/*
 * The transport's configuration and peer table refuse what an operator
 * could mistype, without changing anything; and its one fd fits into
 * the daemon's own epoll loop.
 */
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "tp_fixture.h"

FIXTURE(table) {
	struct idn_ca ca;
	gnutls_datum_t ca_pem;
	struct idn_tls *tls[3];
	struct node *n[3];
	struct idn_status st;
};

FIXTURE_SETUP(table)
{
	char name[64];

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, fixture_ca(&self->ca, &self->ca_pem, &self->st));
	for (uint64_t id = 1; id <= 2; id++) {
		node_name(name, sizeof(name), id);
		self->tls[id] = issue_tls(&self->ca, &self->ca_pem, name);
		ASSERT_NE(NULL, self->tls[id]);
		self->n[id] = calloc(1, sizeof(struct node));
		ASSERT_NE(NULL, self->n[id]);
	}
}

FIXTURE_TEARDOWN(table)
{
	fixture_release(self->n, self->tls, 3, &self->ca,
			&self->ca_pem);
}

TEST_F(table, bad_listen_addresses_and_limits_are_refused)
{
	static const char *const bad[] = {
		"localhost:7000",	/* names would block the loop */
		"127.0.0.1",		/* no port */
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:7x",
		"::1:7000",		/* IPv6 needs brackets */
		"[::1:7000",
		"[]:7000",
		"",
	};
	struct tp_cfg cfg;
	struct tp *tp = NULL;

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		test_cfg(&cfg, 1);
		cfg.tls = self->tls[1];
		cfg.listen = bad[i];
		EXPECT_EQ(-EINVAL, tp_new(&tp, &cfg, &node_ops, NULL))
			TH_LOG("accepted %s", bad[i]);
	}
	test_cfg(&cfg, 1);
	cfg.tls = self->tls[1];
	cfg.max_frame = 0;
	EXPECT_EQ(-EINVAL, tp_new(&tp, &cfg, &node_ops, NULL));
	test_cfg(&cfg, 1);
	cfg.tls = self->tls[1];
	cfg.idle_timeout_ms = cfg.keepalive_ms;	/* would drop live peers */
	EXPECT_EQ(-EINVAL, tp_new(&tp, &cfg, &node_ops, NULL));
	test_cfg(&cfg, 1);
	cfg.tls = self->tls[1];
	cfg.backoff_max_ms = cfg.backoff_min_ms - 1;
	EXPECT_EQ(-EINVAL, tp_new(&tp, &cfg, &node_ops, NULL));
	EXPECT_EQ(NULL, tp);

	/* IPv6 in brackets is fine. */
	test_cfg(&cfg, 1);
	cfg.tls = self->tls[1];
	cfg.listen = "[::1]:0";
	ASSERT_EQ(0, tp_new(&tp, &cfg, &node_ops, NULL));
	EXPECT_NE(0, tp_port(tp));
	tp_free(tp);
}

TEST_F(table, bad_peers_are_refused_and_leave_the_table_unchanged)
{
	struct node *n = self->n[1];
	struct tp_peer_stats ps;
	const char *id2 = "spiffe://" TD "/node/n2";

	ASSERT_EQ(0, node_start(n, 1, self->tls[1], NULL, NULL));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 1, "127.0.0.1:7000",
				       "spiffe://" TD "/node/n1"));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "127.0.0.1:0", id2));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "peer2:7000", id2));
	/* A prefix rule would let a whole group pose as node 2. */
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "127.0.0.1:7000",
				       "spiffe://" TD "/node/"));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "127.0.0.1:7000",
				       "spiffe://" TD));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "127.0.0.1:7000",
				       "spiffe://MESH.test/node/n2"));
	EXPECT_EQ(-EINVAL, tp_peer_add(n->tp, 2, "127.0.0.1:7000", NULL));
	EXPECT_EQ(-ENOENT, tp_peer_stats(n->tp, 2, &ps));

	ASSERT_EQ(0, tp_peer_add(n->tp, 2, "[::1]:7000", id2));
	EXPECT_EQ(-EEXIST, tp_peer_add(n->tp, 2, "127.0.0.1:7001",
				       "spiffe://" TD "/node/n3"));
	EXPECT_EQ(-EEXIST, tp_peer_add(n->tp, 3, "127.0.0.1:7001", id2));
	EXPECT_EQ(-ENOENT, tp_peer_stats(n->tp, 3, &ps));
	EXPECT_EQ(0, tp_peer_remove(n->tp, 2));
	EXPECT_EQ(-ENOENT, tp_peer_remove(n->tp, 2));
}

TEST_F(table, send_says_why_a_frame_cannot_go)
{
	struct node *n = self->n[1];
	struct tp_peer_stats ps;

	ASSERT_EQ(0, node_start(n, 1, self->tls[1], NULL, NULL));
	/* Port 9 (discard) on loopback: nobody listens, never up. */
	ASSERT_EQ(0, tp_peer_add(n->tp, 2, "127.0.0.1:9",
				 "spiffe://" TD "/node/n2"));
	ASSERT_TRUE(RUN_UNTIL(&n, 1, ({ tp_peer_stats(n->tp, 2, &ps);
				       ps.dials >= 2; }), WAIT_MS));
	EXPECT_EQ(IDN_ERR_IO, ps.last_error.err);
	EXPECT_NE(NULL, strstr(ps.last_error.detail, "127.0.0.1:9"))
		TH_LOG("%s", ps.last_error.detail);
	EXPECT_EQ(-ENOENT, send_str(n, 3, TP_CH_RAFT, "x"));
	EXPECT_EQ(-EINVAL, send_str(n, 2, TP_CH_CONTROL, "x"));
	EXPECT_EQ(-ENOTCONN, send_str(n, 2, TP_CH_RAFT, "x"));
	EXPECT_EQ(-EMSGSIZE, tp_send(n->tp, 2, TP_CH_RAFT, "x",
				     TP_MAX_FRAME_DEFAULT + 1));
}

/* What x0ttad does: tp_fd() in its own epoll set, next to its fds. */
TEST_F(table, daemon_epoll_loop_wakes_on_the_transport_fd)
{
	struct node **n = self->n;
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t end = now_ms() + WAIT_MS;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	bool sent = false;

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, node_start(n[1], 1, self->tls[1], NULL, NULL));
	ASSERT_EQ(0, node_start(n[2], 2, self->tls[2], NULL, NULL));
	ASSERT_EQ(0, node_link(n[1], n[2]));
	for (int i = 1; i <= 2; i++) {
		ev.data.ptr = n[i];
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, tp_fd(n[i]->tp),
				       &ev));
	}
	while (n[2]->nrec == 0 && now_ms() < end) {
		struct epoll_event got[2];
		int k = epoll_wait(ep, got, 2, 1000);

		/* Timers (the first dial, here) wake it up as well. */
		ASSERT_LT(0, k);
		for (int i = 0; i < k; i++)
			tp_poll(((struct node *)got[i].data.ptr)->tp, 0);
		if (!sent && tp_peer_up(n[1]->tp, 2)) {
			ASSERT_EQ(0, send_str(n[1], 2, TP_CH_RAFT, "vote"));
			sent = true;
		}
	}
	ASSERT_EQ(1, n[2]->nrec);
	EXPECT_STREQ("vote", n[2]->rec[0].text);
	close(ep);
}

TEST_HARNESS_MAIN
