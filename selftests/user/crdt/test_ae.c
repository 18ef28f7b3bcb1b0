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

/*
 * One good delta then one the store refuses: nothing of the batch is
 * applied, so no replica holds half a message.
 */
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

/* A store delta that creates keyspace @name of @type, empty. */
static int keyspace_delta(struct crdt_buf *d, const char *name,
			  enum crdt_type type)
{
	struct crdt_store s;
	int err;

	err = crdt_store_init(&s, 99, 5000);
	if (err)
		return err;
	err = crdt_store_keyspace(&s, name, type);
	if (!err)
		crdt_store_encode(d, &s);
	crdt_store_free(&s);
	return err;
}

/*
 * A DELTAS message from origin 1 carrying, as seqs 1..n, deltas that
 * create the keyspaces @names[i] of @types[i].
 */
static int keyspace_batch(struct crdt_buf *m, const char *const *names,
			  const enum crdt_type *types, uint32_t n)
{
	crdt_put_u8(m, CRDT_AE_DELTAS);
	crdt_put_u32(m, 1);
	crdt_put_u64(m, 1);
	crdt_put_u64(m, n);
	crdt_put_u32(m, n);
	for (uint32_t i = 0; i < n; i++) {
		struct crdt_buf d;
		int err;

		crdt_buf_init(&d);
		err = keyspace_delta(&d, names[i], types[i]);
		crdt_put_u64(m, 1);
		crdt_put_u64(m, i + 1);
		crdt_put_u32(m, d.len);
		crdt_put_bytes(m, d.data, d.len);
		crdt_buf_free(&d);
		if (err)
			return err;
	}
	return m->err;
}

/* Is b's store encoding and version vector what @enc and @vv say? */
static bool b_unchanged(FIXTURE_DATA(pair) *self, const struct crdt_buf *enc,
			const struct crdt_dot *vv, uint32_t nvv)
{
	struct crdt_buf now;
	bool same;

	crdt_buf_init(&now);
	crdt_store_encode(&now, &self->sb);
	same = now.len == enc->len && !memcmp(now.data, enc->data, enc->len) &&
	       self->b.nvv == nvv &&
	       (!nvv || !memcmp(self->b.vv, vv, nvv * sizeof(*vv)));
	crdt_buf_free(&now);
	return same;
}

/*
 * Each delta alone fits the store, but together they give one new
 * keyspace two types: no order of applying them can succeed, so the
 * batch is refused before the first is applied.
 */
TEST_F(pair, batch_creating_one_keyspace_with_two_types_is_refused_whole)
{
	static const char *const names[] = { "links", "links" };
	static const enum crdt_type types[] = { CRDT_T_LWW_MAP,
						CRDT_T_PNCOUNTER };
	struct crdt_buf m, before;

	crdt_buf_init(&m);
	crdt_buf_init(&before);
	ASSERT_EQ(0, keyspace_batch(&m, names, types, 2));
	crdt_store_encode(&before, &self->sb);
	EXPECT_EQ(-EINVAL, crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	EXPECT_TRUE(b_unchanged(self, &before, NULL, 0));
	EXPECT_EQ(NULL, crdt_store_find(&self->sb, "links"));
	EXPECT_EQ(0u, crdt_ae_seq(&self->b, 1));
	EXPECT_EQ(1u, self->b.stats.refused);
	EXPECT_EQ(0u, self->b.stats.deltas_applied);
	EXPECT_EQ(0, self->ob.count);
	crdt_buf_free(&m);
	crdt_buf_free(&before);
}

/* b holds "nodes"; names ks00.. are all new to it. */
static void new_names(char (*buf)[16], const char **names,
		      enum crdt_type *types, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		snprintf(buf[i], sizeof(buf[i]), "ks%02u", i);
		names[i] = buf[i];
		types[i] = CRDT_T_ORSET;
	}
}

/*
 * Every delta adds one keyspace and each alone fits, but together they
 * pass CRDT_KEYSPACES_MAX: refused whole, not applied up to the limit.
 */
TEST_F(pair, batch_passing_the_keyspace_limit_together_is_refused_whole)
{
	uint32_t n = CRDT_KEYSPACES_MAX - self->sb.nks + 1;
	enum crdt_type types[CRDT_KEYSPACES_MAX];
	const char *names[CRDT_KEYSPACES_MAX];
	char buf[CRDT_KEYSPACES_MAX][16];
	struct crdt_buf m, before;

	ASSERT_EQ(1u, self->sb.nks);
	new_names(buf, names, types, n);
	crdt_buf_init(&m);
	crdt_buf_init(&before);
	ASSERT_EQ(0, keyspace_batch(&m, names, types, n));
	crdt_store_encode(&before, &self->sb);
	EXPECT_EQ(-ENOSPC, crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	EXPECT_TRUE(b_unchanged(self, &before, NULL, 0));
	EXPECT_EQ(1u, self->sb.nks);
	EXPECT_EQ(0u, crdt_ae_seq(&self->b, 1));
	EXPECT_EQ(1u, self->b.stats.refused);
	crdt_buf_free(&m);
	crdt_buf_free(&before);
}

/*
 * The same bound reached exactly, with one new keyspace mentioned by two
 * deltas (same type): a name counts once, and the batch is applied.
 */
TEST_F(pair, batch_reaching_the_keyspace_limit_is_applied)
{
	uint32_t n = CRDT_KEYSPACES_MAX - self->sb.nks;
	enum crdt_type types[CRDT_KEYSPACES_MAX + 1];
	const char *names[CRDT_KEYSPACES_MAX + 1];
	char buf[CRDT_KEYSPACES_MAX][16];
	struct crdt_buf m;

	new_names(buf, names, types, n);
	names[n] = names[0];
	types[n] = types[0];
	crdt_buf_init(&m);
	ASSERT_EQ(0, keyspace_batch(&m, names, types, n + 1));
	EXPECT_EQ(0, crdt_ae_receive(&self->b, 1, m.data, m.len, NOW));
	EXPECT_EQ(CRDT_KEYSPACES_MAX, self->sb.nks);
	EXPECT_EQ(n + 1, crdt_ae_seq(&self->b, 1));
	EXPECT_NE(NULL, crdt_store_find(&self->sb, "ks00"));
	crdt_buf_free(&m);
}

TEST_HARNESS_MAIN
