// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-entropy between two replicas, message by message: what is sent in
 * answer to a digest, and which messages are refused untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "crdt/ae.h"
#include "transport/transport.h"

#define NOW	1000000
#define S(x)	(x), strlen(x)

/* The last message a replica sent. */
struct outbox {
	uint64_t peer;
	struct crdt_buf msg;
	int count;
};

static void capture(void *ctx, uint64_t peer, const uint8_t *msg, size_t len)
{
	struct outbox *o = ctx;

	o->peer = peer;
	crdt_buf_reset(&o->msg);
	crdt_put_bytes(&o->msg, msg, len);
	o->count++;
}

FIXTURE(pair) {
	struct crdt_store sa, sb;
	struct crdt_ae a, b;
	struct outbox oa, ob;
};

static void replica(struct __test_metadata *_metadata, struct crdt_store *s,
		    struct crdt_ae *ae, struct outbox *o, uint64_t id,
		    uint64_t peer, uint32_t log_max)
{
	struct crdt_ae_cfg cfg;

	crdt_ae_cfg_default(&cfg);
	cfg.log_max = log_max;
	crdt_buf_init(&o->msg);
	ASSERT_EQ(0, crdt_store_init(s, id, 5000));
	ASSERT_EQ(0, crdt_store_keyspace(s, "nodes", CRDT_T_LWW_MAP));
	ASSERT_EQ(0, crdt_ae_init(ae, s, &cfg, id, capture, o));
	ASSERT_EQ(0, crdt_ae_add_peer(ae, peer));
}

static FIXTURE_SETUP(pair)
{
	replica(_metadata, &self->sa, &self->a, &self->oa, 1, 2, 4);
	replica(_metadata, &self->sb, &self->b, &self->ob, 2, 1, 4);
}

static FIXTURE_TEARDOWN(pair)
{
	crdt_ae_free(&self->a);
	crdt_ae_free(&self->b);
	crdt_store_free(&self->sa);
	crdt_store_free(&self->sb);
	crdt_buf_free(&self->oa.msg);
	crdt_buf_free(&self->ob.msg);
}

/* n writes at @s, each delta numbered by @ae. */
static int writes(struct crdt_store *s, struct crdt_ae *ae, int n)
{
	for (int i = 0; i < n; i++) {
		struct crdt_buf d;
		char key[8];
		int err;

		crdt_buf_init(&d);
		snprintf(key, sizeof(key), "k%d", i);
		err = crdt_store_put(s, "nodes", S(key), S("v"), NOW, &d);
		if (!err)
			err = crdt_ae_local(ae, d.data, d.len);
		crdt_buf_free(&d);
		if (err)
			return err;
	}
	return 0;
}

/* Deliver a's last message to b and the reverse. */
static int a_to_b(FIXTURE_DATA(pair) *self)
{
	return crdt_ae_receive(&self->b, 1, self->oa.msg.data, self->oa.msg.len,
			       NOW);
}

static int b_to_a(FIXTURE_DATA(pair) *self)
{
	return crdt_ae_receive(&self->a, 2, self->ob.msg.data, self->ob.msg.len,
			       NOW);
}

TEST_F(pair, digest_is_answered_with_only_the_missing_deltas)
{
	ASSERT_EQ(0, writes(&self->sa, &self->a, 3));
	ASSERT_EQ(0, crdt_ae_connected(&self->b, 1));	/* b pulls */
	ASSERT_EQ(0, b_to_a(self));
	EXPECT_EQ(CRDT_AE_DELTAS, self->oa.msg.data[0]);
	EXPECT_EQ(3u, self->a.stats.deltas_sent);
	ASSERT_EQ(0, a_to_b(self));
	EXPECT_EQ(3u, crdt_ae_seq(&self->b, 1));
	EXPECT_NE(NULL, crdt_store_get(&self->sb, "nodes", S("k2")));
	/* two more writes: the next answer carries those two only */
	ASSERT_EQ(0, writes(&self->sa, &self->a, 2));
	ASSERT_EQ(0, crdt_ae_connected(&self->b, 1));
	ASSERT_EQ(0, b_to_a(self));
	EXPECT_EQ(5u, self->a.stats.deltas_sent);
	ASSERT_EQ(0, a_to_b(self));
	EXPECT_EQ(5u, crdt_ae_seq(&self->b, 1));
}

TEST_F(pair, peer_behind_the_log_gets_the_full_state)
{
	ASSERT_EQ(0, writes(&self->sa, &self->a, 10));	/* log keeps 4 */
	ASSERT_EQ(0, crdt_ae_connected(&self->b, 1));
	ASSERT_EQ(0, b_to_a(self));
	EXPECT_EQ(CRDT_AE_FULL, self->oa.msg.data[0]);
	ASSERT_EQ(0, a_to_b(self));
	EXPECT_EQ(10u, crdt_ae_seq(&self->b, 1));
	EXPECT_NE(NULL, crdt_store_get(&self->sb, "nodes", S("k0")));
}

TEST_F(pair, duplicate_delivery_applies_once)
{
	ASSERT_EQ(0, writes(&self->sa, &self->a, 2));
	ASSERT_EQ(0, crdt_ae_connected(&self->b, 1));
	ASSERT_EQ(0, b_to_a(self));
	ASSERT_EQ(0, a_to_b(self));
	ASSERT_EQ(0, a_to_b(self));
	EXPECT_EQ(2u, self->b.stats.deltas_applied);
	EXPECT_EQ(2u, crdt_ae_seq(&self->b, 1));
}

/* b never wrote 7 deltas: a digest saying so is refused. */
TEST_F(pair, digest_claiming_our_unwritten_deltas_is_refused)
{
	struct crdt_buf m;

	crdt_buf_init(&m);
	crdt_put_u8(&m, CRDT_AE_DIGEST);
	crdt_put_u32(&m, 1);
	crdt_put_u64(&m, 2);
	crdt_put_u64(&m, 7);
	EXPECT_EQ(-ESTALE, crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	EXPECT_EQ(0, self->ob.count);
	EXPECT_EQ(1u, self->b.stats.refused);
	crdt_buf_free(&m);
}

TEST_F(pair, unknown_kind_unknown_peer_and_oversize_are_refused)
{
	uint8_t *big = calloc(1, self->b.cfg.max_msg + 1);
	struct crdt_buf m;

	ASSERT_NE(NULL, big);
	crdt_buf_init(&m);
	crdt_put_u8(&m, 42);
	crdt_put_u32(&m, 0);
	EXPECT_EQ(-EPROTONOSUPPORT,
		  crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	m.data[0] = CRDT_AE_DIGEST;
	EXPECT_EQ(-ENOENT, crdt_ae_receive(&self->b, 9, m.data, m.len, NOW));
	big[0] = CRDT_AE_DELTAS;
	EXPECT_EQ(-EMSGSIZE, crdt_ae_receive(&self->b, 1, big,
					     self->b.cfg.max_msg + 1, NOW));
	EXPECT_EQ(0, self->ob.count);
	crdt_buf_free(&m);
	free(big);
}

/*
 * One good delta then one the store refuses: nothing of the batch is
 * applied, so no replica holds half a message.
 */
/*
 * The transport drops a peer that sends a frame over its limit, so a
 * FULL message the bound allows must fit one frame, and a larger one is
 * refused before it is parsed.
 */
TEST_F(pair, full_state_fits_one_transport_frame_and_more_is_refused)
{
	size_t len = self->b.cfg.max_full + 1;
	uint8_t *big = calloc(1, len);

	ASSERT_NE(NULL, big);
	EXPECT_LE(self->b.cfg.max_full, TP_MAX_FRAME_DEFAULT);
	big[0] = CRDT_AE_FULL;
	EXPECT_EQ(-EMSGSIZE, crdt_ae_receive(&self->b, 1, big, len, NOW));
	EXPECT_EQ(1u, self->b.stats.refused);
	EXPECT_EQ(0, self->ob.count);
	free(big);
}

TEST_F(pair, batch_with_one_bad_delta_is_refused_whole)
{
	struct crdt_buf m;
	size_t cut;

	ASSERT_EQ(0, writes(&self->sa, &self->a, 2));
	ASSERT_EQ(0, crdt_ae_connected(&self->b, 1));
	ASSERT_EQ(0, b_to_a(self));
	ASSERT_EQ(CRDT_AE_DELTAS, self->oa.msg.data[0]);
	/* corrupt the type byte of the second delta's keyspace */
	crdt_buf_init(&m);
	crdt_put_bytes(&m, self->oa.msg.data, self->oa.msg.len);
	cut = m.len - self->a.log[1].len;
	m.data[cut + 4 + 1 + strlen("nodes")] = 77;
	EXPECT_EQ(-EPROTONOSUPPORT,
		  crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	EXPECT_EQ(0u, crdt_ae_seq(&self->b, 1));
	EXPECT_EQ(NULL, crdt_store_get(&self->sb, "nodes", S("k0")));
	/* every truncation is refused too */
	for (size_t len = 0; len < self->oa.msg.len; len++)
		ASSERT_NE(0, crdt_ae_receive(&self->b, 1, self->oa.msg.data,
					     len, NOW));
	EXPECT_EQ(0u, crdt_ae_seq(&self->b, 1));
	crdt_buf_free(&m);
}

TEST_HARNESS_MAIN
