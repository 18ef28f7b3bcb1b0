// SPDX-License-Identifier: GPL-2.0
/*
 * What the transport refuses: servers with the wrong SPIFFE ID or an
 * untrusted CA, clients that are not in the peer table or should not be
 * dialling, strangers that speak no TLS, and authenticated peers that
 * break the framing or fall silent. Each is shut out without a byte
 * delivered, and the other peers' connections carry on.
 */
#include "kselftest_harness.h"
#include "tp_fixture.h"

/* ---- a hand-driven peer, to say what a real transport never would ---- */

struct rogue {
	int fd;
	struct idn_conn conn;
	bool ready;
};

static int connect_port(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Connect to @target with credentials @tls and finish the TLS handshake
 * while @target's transport runs. Returns the handshake's outcome.
 */
static enum idn_err rogue_open(struct rogue *r, struct node *target,
			       struct idn_tls *tls)
{
	struct idn_status st;
	enum idn_err err = IDN_ERR_IO;
	struct node *nodes[1] = { target };
	uint64_t end = now_ms() + WAIT_MS;

	memset(r, 0, sizeof(*r));
	r->fd = connect_port(tp_port(target->tp));
	if (r->fd < 0)
		return IDN_ERR_IO;
	poll_nodes(nodes, 1);
	if (idn_conn_init(&r->conn, tls, IDN_ROLE_CLIENT, r->fd, NULL, &st))
		return st.err;
	r->ready = true;
	while (now_ms() < end) {
		err = idn_conn_handshake(&r->conn, &st);
		if (err != IDN_ERR_AGAIN)
			break;
		poll_nodes(nodes, 1);
	}
	return err;
}

/* Send all of @buf through TLS, letting @target run meanwhile. */
static bool rogue_send(struct rogue *r, struct node *target, const void *buf,
		       size_t len)
{
	struct node *nodes[1] = { target };
	uint64_t end = now_ms() + WAIT_MS;
	struct idn_status st;
	size_t off = 0;

	while (off < len && now_ms() < end) {
		size_t done;
		enum idn_err err = idn_conn_send(&r->conn, (const char *)buf +
						 off, len - off, &done, &st);

		if (err == IDN_OK)
			off += done;
		else if (err != IDN_ERR_AGAIN)
			return false;
		poll_nodes(nodes, 1);
	}
	return off == len;
}

static void rogue_close(struct rogue *r)
{
	if (r->ready)
		idn_conn_free(&r->conn);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->ready = false;
}

static void frame_header(uint8_t *hdr, uint32_t len, uint8_t channel)
{
	hdr[0] = len >> 24;
	hdr[1] = len >> 16;
	hdr[2] = len >> 8;
	hdr[3] = len;
	hdr[4] = channel;
}

FIXTURE(guard) {
	struct idn_ca ca;
	gnutls_datum_t ca_pem;
	struct idn_tls *tls[MAX_NODES];	/* node/nN */
	struct node *n[MAX_NODES];
	struct rogue r;
	struct idn_status st;
};

FIXTURE_SETUP(guard)
{
	char name[64];

	signal(SIGPIPE, SIG_IGN);
	self->r.fd = -1;
	ASSERT_EQ(0, fixture_ca(&self->ca, &self->ca_pem, &self->st));
	for (uint64_t id = 1; id < MAX_NODES; id++) {
		node_name(name, sizeof(name), id);
		self->tls[id] = issue_tls(&self->ca, &self->ca_pem, name);
		ASSERT_NE(NULL, self->tls[id]);
		self->n[id] = calloc(1, sizeof(struct node));
		ASSERT_NE(NULL, self->n[id]);
	}
}

FIXTURE_TEARDOWN(guard)
{
	rogue_close(&self->r);
	fixture_release(self->n, self->tls, MAX_NODES, &self->ca,
			&self->ca_pem);
}

/*
 * Nodes 1 and 2 where node 2 runs with @tls2 instead of its own SVID.
 * Node 1 dials (lower id) and checks node 2's certificate.
 */
static void run_pair_with(FIXTURE_DATA(guard) *self,
			  struct __test_metadata *_metadata,
			  struct idn_tls *tls2)
{
	struct node **n = self->n;

	ASSERT_EQ(0, node_start(n[1], 1, self->tls[1], NULL, NULL));
	ASSERT_EQ(0, node_start(n[2], 2, tls2, NULL, NULL));
	ASSERT_EQ(0, node_link(n[1], n[2]));
	RUN_UNTIL(n, 3, false, 500);
}

static void expect_nothing_between(struct __test_metadata *_metadata,
				   struct node *a, struct node *b)
{
	EXPECT_EQ(0, a->ups);
	EXPECT_EQ(0, b->ups);
	EXPECT_EQ(0, a->nrec);
	EXPECT_EQ(0, b->nrec);
	EXPECT_EQ(-ENOTCONN, send_str(a, b->id, TP_CH_RAFT, "secret"));
	EXPECT_EQ(-ENOTCONN, send_str(b, a->id, TP_CH_RAFT, "secret"));
}

TEST_F(guard, server_with_another_nodes_valid_svid_is_refused)
{
	struct tp_peer_stats ps;

	/* Node 2's address answers with node 3's perfectly valid SVID. */
	run_pair_with(self, _metadata, self->tls[3]);
	ASSERT_EQ(0, tp_peer_stats(self->n[1]->tp, 2, &ps));
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, ps.last_error.err)
		TH_LOG("%s", ps.last_error.detail);
	EXPECT_NE(NULL, strstr(ps.last_error.detail, "node/n3"));
	EXPECT_GE(ps.dials, 2);		/* it keeps trying, backing off */
	expect_nothing_between(_metadata, self->n[1], self->n[2]);
}

TEST_F(guard, server_whose_svid_comes_from_an_untrusted_ca_is_refused)
{
	struct tp_peer_stats ps;
	struct idn_tls *fake;
	struct idn_ca rogue_ca;
	gnutls_datum_t rogue_pem;

	/* The right SPIFFE ID, from a CA that merely claims the domain. */
	ASSERT_EQ(IDN_OK, idn_ca_create(&rogue_ca, TD, IDN_KEY_ED25519,
					time(NULL) - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(rogue_ca.crt,
					     GNUTLS_X509_FMT_PEM, &rogue_pem));
	fake = issue_tls(&rogue_ca, &rogue_pem, "spiffe://" TD "/node/n2");
	ASSERT_NE(NULL, fake);
	run_pair_with(self, _metadata, fake);
	ASSERT_EQ(0, tp_peer_stats(self->n[1]->tp, 2, &ps));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, ps.last_error.err)
		TH_LOG("%s", ps.last_error.detail);
	expect_nothing_between(_metadata, self->n[1], self->n[2]);
	idn_tls_put(fake);
	gnutls_free(rogue_pem.data);
	idn_ca_free(&rogue_ca);
}

/* Node 5 knows peers 1 (a lower id: it dials) and 7 (we dial it). */
static void start_node5(FIXTURE_DATA(guard) *self,
			struct __test_metadata *_metadata,
			const struct tp_cfg *cfg)
{
	struct node *n5 = self->n[5];

	ASSERT_EQ(0, node_start(n5, 5, self->tls[5], NULL, cfg));
	ASSERT_EQ(0, tp_peer_add(n5->tp, 1, "127.0.0.1:9",
				 "spiffe://" TD "/node/n1"));
	ASSERT_EQ(0, tp_peer_add(n5->tp, 7, "127.0.0.1:9",
				 "spiffe://" TD "/node/n7"));
}

TEST_F(guard, clients_not_allowed_to_dial_are_refused)
{
	struct node *n5 = self->n[5];
	struct tp_stats ts;

	start_node5(self, _metadata, NULL);
	/* Node 6 holds a valid SVID but is not in node 5's table. */
	rogue_open(&self->r, n5, self->tls[6]);
	rogue_send(&self->r, n5, "\0\0\0\0\0", 5);
	RUN_UNTIL(&n5, 1, false, 200);
	tp_stats(n5->tp, &ts);
	EXPECT_EQ(1, ts.refused);
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, ts.last_refusal.err)
		TH_LOG("%s", ts.last_refusal.detail);
	rogue_close(&self->r);

	/* Node 7 is a peer, but node 5 dials it, never the reverse. */
	rogue_open(&self->r, n5, self->tls[7]);
	rogue_send(&self->r, n5, "\0\0\0\0\0", 5);
	RUN_UNTIL(&n5, 1, false, 200);
	tp_stats(n5->tp, &ts);
	EXPECT_EQ(2, ts.refused);
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, ts.last_refusal.err);
	EXPECT_EQ(0, n5->ups);
	EXPECT_EQ(0, n5->nrec);
}

/*
 * Node 5 with node 2 (a real transport) and node 1 (hand-driven, with
 * its real SVID) both up; returns after node 1's "hello" arrived.
 */
static void start_three(FIXTURE_DATA(guard) *self,
			struct __test_metadata *_metadata,
			const struct tp_cfg *cfg)
{
	struct node **n = self->n;
	uint8_t hdr[TP_FRAME_HDR];

	start_node5(self, _metadata, cfg);
	ASSERT_EQ(0, node_start(n[2], 2, self->tls[2], NULL, cfg));
	ASSERT_EQ(0, node_link(n[2], n[5]));
	ASSERT_EQ(IDN_OK, rogue_open(&self->r, n[5], self->tls[1]));
	frame_header(hdr, 0, TP_CH_CONTROL);
	ASSERT_TRUE(rogue_send(&self->r, n[5], hdr, sizeof(hdr)));
	frame_header(hdr, 5, TP_CH_RAFT);
	ASSERT_TRUE(rogue_send(&self->r, n[5], hdr, sizeof(hdr)));
	ASSERT_TRUE(rogue_send(&self->r, n[5], "hello", 5));
	ASSERT_TRUE(RUN_UNTIL(n, 6, tp_peer_up(n[5]->tp, 1) &&
			      tp_peer_up(n[5]->tp, 2) &&
			      tp_peer_up(n[2]->tp, 5) && n[5]->nrec == 1,
			      WAIT_MS));
	EXPECT_STREQ("hello", n[5]->rec[0].text);
	EXPECT_EQ(1, n[5]->rec[0].from);
}

static void expect_node2_unaffected(struct __test_metadata *_metadata,
				    struct node **n)
{
	EXPECT_TRUE(tp_peer_up(n[5]->tp, 2));
	ASSERT_EQ(0, send_str(n[2], 5, TP_CH_RAFT, "still here"));
	ASSERT_EQ(0, send_str(n[5], 2, TP_CH_RAFT, "me too"));
	ASSERT_TRUE(RUN_UNTIL(n, 6, n[2]->nrec == 1 && n[5]->nrec == 2,
			      WAIT_MS));
	EXPECT_STREQ("still here", n[5]->rec[1].text);
	EXPECT_STREQ("me too", n[2]->rec[0].text);
	EXPECT_EQ(0, n[2]->downs);
}

TEST_F(guard, frame_over_the_limit_from_a_peer_closes_only_its_connection)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;
	uint8_t hdr[TP_FRAME_HDR];

	start_three(self, _metadata, NULL);
	/* A length one over the limit: refused before any allocation. */
	frame_header(hdr, TP_MAX_FRAME_DEFAULT + 1, TP_CH_RAFT);
	ASSERT_TRUE(rogue_send(&self->r, n[5], hdr, sizeof(hdr)));
	rogue_send(&self->r, n[5], "junk", 4);
	ASSERT_TRUE(RUN_UNTIL(n, 6, n[5]->downs == 1, WAIT_MS));
	EXPECT_EQ(1, n[5]->last_down);
	ASSERT_EQ(0, tp_peer_stats(n[5]->tp, 1, &ps));
	EXPECT_EQ(1, ps.protocol_errors);
	EXPECT_NE(NULL, strstr(ps.last_error.detail, "over the")) TH_LOG(
		"%s", ps.last_error.detail);
	EXPECT_EQ(1, n[5]->nrec);
	expect_node2_unaffected(_metadata, n);
}

TEST_F(guard, garbage_length_from_a_peer_closes_only_its_connection)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;

	start_three(self, _metadata, NULL);
	/* Text where a header belongs: a length of about 1.2 GB. */
	ASSERT_TRUE(rogue_send(&self->r, n[5], "HELO mesh\r\n", 11));
	ASSERT_TRUE(RUN_UNTIL(n, 6, n[5]->downs == 1, WAIT_MS));
	ASSERT_EQ(0, tp_peer_stats(n[5]->tp, 1, &ps));
	EXPECT_EQ(1, ps.protocol_errors);
	EXPECT_EQ(1, n[5]->nrec);
	expect_node2_unaffected(_metadata, n);
}

TEST_F(guard, control_frame_with_a_payload_closes_the_connection)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;
	uint8_t hdr[TP_FRAME_HDR];

	start_three(self, _metadata, NULL);
	frame_header(hdr, 3, TP_CH_CONTROL);
	ASSERT_TRUE(rogue_send(&self->r, n[5], hdr, sizeof(hdr)));
	ASSERT_TRUE(rogue_send(&self->r, n[5], "abc", 3));
	ASSERT_TRUE(RUN_UNTIL(n, 6, n[5]->downs == 1, WAIT_MS));
	ASSERT_EQ(0, tp_peer_stats(n[5]->tp, 1, &ps));
	EXPECT_EQ(1, ps.protocol_errors);
	expect_node2_unaffected(_metadata, n);
}

TEST_F(guard, peer_that_falls_silent_is_dropped_after_the_idle_timeout)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;
	struct tp_cfg cfg;
	uint64_t start;

	test_cfg(&cfg, 0);
	cfg.keepalive_ms = 100;
	cfg.idle_timeout_ms = 500;
	start_three(self, _metadata, &cfg);
	/* Node 2 keeps its connection alive; node 1 says nothing more. */
	start = now_ms();
	ASSERT_TRUE(RUN_UNTIL(n, 6, n[5]->downs == 1, WAIT_MS));
	EXPECT_EQ(1, n[5]->last_down);
	EXPECT_GE(now_ms() - start, 400);
	ASSERT_EQ(0, tp_peer_stats(n[5]->tp, 1, &ps));
	EXPECT_NE(NULL, strstr(ps.last_error.detail, "nothing heard"));
	RUN_UNTIL(n, 6, false, 600);
	expect_node2_unaffected(_metadata, n);
}

TEST_F(guard, strangers_speaking_no_tls_or_nothing_are_dropped)
{
	struct node **n = self->n;
	struct tp_stats ts;
	struct tp_cfg cfg;
	int quiet, chatty;

	test_cfg(&cfg, 0);
	cfg.handshake_timeout_ms = 300;
	start_node5(self, _metadata, &cfg);
	quiet = connect_port(tp_port(n[5]->tp));
	chatty = connect_port(tp_port(n[5]->tp));
	ASSERT_LE(0, quiet);
	ASSERT_LE(0, chatty);
	RUN_UNTIL(n, 6, false, 50);
	ASSERT_EQ(40, write(chatty, "GET / HTTP/1.1\r\nHost: x0tta\r\n\r\n\0\0\0\0"
			    "\0\0\0\0", 40));
	ASSERT_TRUE(RUN_UNTIL(n, 6, ({ tp_stats(n[5]->tp, &ts);
				       ts.refused == 2; }), WAIT_MS));
	EXPECT_EQ(2, ts.accepted);
	EXPECT_EQ(0, n[5]->ups);
	EXPECT_EQ(0, n[5]->nrec);
	close(quiet);
	close(chatty);
}

TEST_HARNESS_MAIN
