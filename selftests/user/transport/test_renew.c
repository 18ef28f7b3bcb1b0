// SPDX-License-Identifier: GPL-2.0
/*
 * Connections do not outlive what they were authenticated with: one is
 * replaced before the earlier of its two certificates expires, by then
 * with the rotated credentials, and tp_recheck() closes those a new
 * policy refuses. Both without losing the peer for longer than a redial.
 */
#include "kselftest_harness.h"
#include "tp_fixture.h"

/* Short-lived SVIDs, so that renewal comes within a test. */
#define SHORT_LIFE	3	/* s */
#define RENEW_BEFORE	1000	/* ms */

FIXTURE(renew) {
	struct idn_ca ca;
	gnutls_datum_t ca_pem;
	struct idn_tls *tls[3];
	struct node *n[3];
	struct tp_cfg cfg;
	struct idn_status st;
};

static struct idn_tls *issue_for(FIXTURE_DATA(renew) *self, uint64_t id,
				 unsigned int lifetime)
{
	struct idn_svid svid;
	struct idn_tls *t;
	char name[64];

	node_name(name, sizeof(name), id);
	if (idn_ca_issue(&self->ca, name, IDN_KEY_ED25519, time(NULL),
			 lifetime, &svid, &self->st) != IDN_OK)
		return NULL;
	t = make_tls(&self->ca_pem, &svid);
	idn_svid_free(&svid);
	return t;
}

FIXTURE_SETUP(renew)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, fixture_ca(&self->ca, &self->ca_pem, &self->st));
	test_cfg(&self->cfg, 0);
	self->cfg.renew_before_ms = RENEW_BEFORE;
	for (uint64_t id = 1; id <= 2; id++) {
		self->n[id] = calloc(1, sizeof(struct node));
		ASSERT_NE(NULL, self->n[id]);
	}
}

FIXTURE_TEARDOWN(renew)
{
	fixture_release(self->n, self->tls, 3, &self->ca,
			&self->ca_pem);
}

static bool both_up(struct node **n)
{
	return tp_peer_up(n[1]->tp, 2) && tp_peer_up(n[2]->tp, 1);
}

static bool start_pair(FIXTURE_DATA(renew) *self, unsigned int lifetime)
{
	struct node **n = self->n;

	for (uint64_t id = 1; id <= 2; id++) {
		self->tls[id] = issue_for(self, id, lifetime);
		if (!self->tls[id] ||
		    node_start(n[id], id, self->tls[id], NULL, &self->cfg))
			return false;
	}
	return !node_link(n[1], n[2]) && RUN_UNTIL(n, 3, both_up(n), WAIT_MS);
}

/* Credentials valid for an hour, for both nodes, from now on. */
static bool rotate(FIXTURE_DATA(renew) *self)
{
	char name[64];

	for (uint64_t id = 1; id <= 2; id++) {
		struct idn_tls *t;

		node_name(name, sizeof(name), id);
		t = issue_tls(&self->ca, &self->ca_pem, name);
		if (!t)
			return false;
		tp_set_tls(self->n[id]->tp, t);
		idn_tls_put(self->tls[id]);
		self->tls[id] = t;
	}
	return true;
}

TEST_F(renew, connection_moves_to_rotated_svids_before_the_old_ones_expire)
{
	struct node **n = self->n;
	time_t expiry = time(NULL) + SHORT_LIFE;
	struct tp_peer_stats ps, ps2;

	ASSERT_TRUE(start_pair(self, SHORT_LIFE));
	ASSERT_TRUE(rotate(self));
	/* The replacement comes up on its own, before the expiry. */
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[1]->ups == 2 && both_up(n),
			      SHORT_LIFE * 1000 + WAIT_MS));
	EXPECT_LE(time(NULL), expiry);
	EXPECT_EQ(1, n[1]->downs);
	/* Whichever side came first closed it for the renewal. */
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	ASSERT_EQ(0, tp_peer_stats(n[2]->tp, 1, &ps2));
	EXPECT_TRUE(strstr(ps.last_error.detail, "before its certificate") ||
		    strstr(ps2.last_error.detail, "before its certificate"))
		TH_LOG("%s / %s", ps.last_error.detail, ps2.last_error.detail);

	/*
	 * Past the old SVIDs' expiry the connection stands on the new ones:
	 * it is not replaced again, and frames flow.
	 */
	RUN_UNTIL(n, 3, time(NULL) > expiry + 1, (SHORT_LIFE + 3) * 1000);
	ASSERT_GT(time(NULL), expiry + 1);
	EXPECT_TRUE(both_up(n));
	EXPECT_EQ(2, n[1]->ups);
	ASSERT_EQ(0, send_str(n[1], 2, TP_CH_RAFT, "after expiry"));
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[2]->nrec == 1, WAIT_MS));
	EXPECT_STREQ("after expiry", n[2]->rec[0].text);
}

static enum idn_err refuse_all(void *ctx, const struct idn_conn *c,
			       struct idn_status *st)
{
	unsigned int *calls = ctx;

	(void)c;
	++*calls;
	return idn_fail(st, IDN_ERR_REVOKED, "serial revoked by the test");
}

static enum idn_err accept_all(void *ctx, const struct idn_conn *c,
			       struct idn_status *st)
{
	unsigned int *calls = ctx;

	(void)c;
	++*calls;
	return idn_ok(st);
}

/* The identity layer's own recheck, with a policy trusting the test CA. */
static enum idn_err recheck_by_policy(void *ctx, const struct idn_conn *c,
				      struct idn_status *st)
{
	return idn_conn_recheck(c, ctx, time(NULL), st);
}

TEST_F(renew, recheck_by_the_same_policy_keeps_both_sides_connections)
{
	struct node **n = self->n;
	struct idn_policy pol;

	ASSERT_TRUE(start_pair(self, 3600));
	idn_policy_init(&pol);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&pol, NULL,
						    self->ca_pem.data,
						    self->ca_pem.size,
						    &self->st));
	/* Node 1 dialled; node 2 holds the inbound side. */
	EXPECT_EQ(0, tp_recheck(n[1]->tp, recheck_by_policy, &pol));
	EXPECT_EQ(0, tp_recheck(n[2]->tp, recheck_by_policy, &pol));
	EXPECT_EQ(0, n[1]->downs + n[2]->downs);
	EXPECT_TRUE(both_up(n));
	idn_policy_free(&pol);
}

TEST_F(renew, recheck_closes_refused_connections_with_the_reason)
{
	struct node **n = self->n;
	struct tp_peer_stats ps;
	unsigned int calls = 0;

	ASSERT_TRUE(start_pair(self, 3600));

	EXPECT_EQ(0, tp_recheck(n[1]->tp, accept_all, &calls));
	EXPECT_EQ(1, calls);
	EXPECT_EQ(0, n[1]->downs);
	EXPECT_TRUE(tp_peer_up(n[1]->tp, 2));

	calls = 0;
	EXPECT_EQ(1, tp_recheck(n[1]->tp, refuse_all, &calls));
	EXPECT_EQ(1, calls);
	EXPECT_EQ(1, n[1]->downs);
	EXPECT_FALSE(tp_peer_up(n[1]->tp, 2));
	ASSERT_EQ(0, tp_peer_stats(n[1]->tp, 2, &ps));
	EXPECT_EQ(IDN_ERR_REVOKED, ps.last_error.err);
	EXPECT_STREQ("serial revoked by the test", ps.last_error.detail);

	/* Nothing changed in the credentials here, so the redial succeeds. */
	ASSERT_TRUE(RUN_UNTIL(n, 3, n[1]->ups == 2 && both_up(n), WAIT_MS));
}

TEST_HARNESS_MAIN
