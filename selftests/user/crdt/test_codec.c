// SPDX-License-Identifier: GPL-2.0
/*
 * Messages from peers are untrusted: every malformed or hostile message
 * must be refused with the store left exactly as it was.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "crdt/store.h"

#define NOW	100000		/* ms; the simulated wall clock */
#define S(x)	(x), strlen(x)

static void encode(const struct crdt_store *s, struct crdt_buf *b)
{
	crdt_buf_init(b);
	crdt_store_encode(b, s);
}

static int same_state(const struct crdt_store *s, const struct crdt_buf *b)
{
	struct crdt_buf now;
	int eq;

	encode(s, &now);
	eq = now.len == b->len && !memcmp(now.data, b->data, b->len);
	crdt_buf_free(&now);
	return eq;
}

/* A node with one keyspace of each type, a little data in each. */
static void populate(struct __test_metadata *_metadata, struct crdt_store *s,
		     uint64_t node)
{
	struct crdt_buf d;

	crdt_buf_init(&d);
	ASSERT_EQ(0, crdt_store_init(s, node, 5000));
	ASSERT_EQ(0, crdt_store_keyspace(s, "nodes", CRDT_T_LWW_MAP));
	ASSERT_EQ(0, crdt_store_keyspace(s, "suspects", CRDT_T_ORSET));
	ASSERT_EQ(0, crdt_store_keyspace(s, "incidents", CRDT_T_PNCOUNTER));
	ASSERT_EQ(0, crdt_store_put(s, "nodes", S("n1"), S("up"), NOW, &d));
	ASSERT_EQ(0, crdt_store_put(s, "nodes", S("n2"), S("down"), NOW, &d));
	ASSERT_EQ(0, crdt_store_set_add(s, "suspects", S("aa:bb"), &d));
	ASSERT_EQ(0, crdt_store_set_add(s, "suspects", S("cc:dd"), &d));
	ASSERT_EQ(0, crdt_store_set_remove(s, "suspects", S("aa:bb"), &d));
	ASSERT_EQ(0, crdt_store_counter_add(s, "incidents", 3, &d));
	crdt_buf_free(&d);
}

/* One keyspace message with a hand-made body. */
static void ks_msg(struct crdt_buf *b, const char *name, uint8_t type,
		   const struct crdt_buf *body)
{
	crdt_buf_init(b);
	crdt_put_u32(b, 1);
	crdt_put_u8(b, strlen(name));
	crdt_put_bytes(b, name, strlen(name));
	crdt_put_u8(b, type);
	crdt_put_u32(b, body->len);
	crdt_put_bytes(b, body->data, body->len);
}

FIXTURE(peer) {
	struct crdt_store a;	/* the sender */
	struct crdt_store b;	/* the receiver, under attack */
	struct crdt_buf before;	/* b's state before the message */
};

static FIXTURE_SETUP(peer)
{
	populate(_metadata, &self->a, 1);
	populate(_metadata, &self->b, 2);
	encode(&self->b, &self->before);
}

static FIXTURE_TEARDOWN(peer)
{
	crdt_store_free(&self->a);
	crdt_store_free(&self->b);
	crdt_buf_free(&self->before);
}

TEST_F(peer, full_state_join_then_reencode_is_byte_identical)
{
	struct crdt_store fresh;
	struct crdt_buf sa;

	encode(&self->a, &sa);
	ASSERT_EQ(0, crdt_store_init(&fresh, 9, 5000));
	ASSERT_EQ(0, crdt_store_join(&fresh, sa.data, sa.len, NOW));
	EXPECT_TRUE(same_state(&fresh, &sa));
	EXPECT_TRUE(crdt_store_set_contains(&fresh, "suspects", S("cc:dd")));
	EXPECT_FALSE(crdt_store_set_contains(&fresh, "suspects", S("aa:bb")));
	EXPECT_EQ(3, crdt_store_counter_value(&fresh, "incidents"));
	crdt_store_free(&fresh);
	crdt_buf_free(&sa);
}

TEST_F(peer, every_truncated_message_is_refused_without_change)
{
	struct crdt_buf sa;

	encode(&self->a, &sa);
	for (size_t len = 0; len < sa.len; len++) {
		ASSERT_EQ(-EBADMSG, crdt_store_join(&self->b, sa.data, len, NOW))
			TH_LOG("prefix of %zu bytes accepted", len);
		ASSERT_TRUE(same_state(&self->b, &self->before));
	}
	crdt_buf_free(&sa);
}

TEST_F(peer, trailing_bytes_are_refused)
{
	struct crdt_buf sa;

	encode(&self->a, &sa);
	crdt_put_u8(&sa, 0);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, sa.data, sa.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&sa);
}

TEST_F(peer, unknown_type_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, 0);
	ks_msg(&m, "future", 99, &body);
	EXPECT_EQ(-EPROTONOSUPPORT, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

TEST_F(peer, keyspace_of_another_type_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, 0);		/* an empty PN counter */
	ks_msg(&m, "nodes", CRDT_T_PNCOUNTER, &body);
	EXPECT_EQ(-EINVAL, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/* A bogus count must fail on length, not by trying to allocate 4G entries. */
TEST_F(peer, huge_counts_are_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, UINT32_MAX);
	crdt_put_u64(&body, 1);
	ks_msg(&m, "nodes", CRDT_T_LWW_MAP, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	crdt_buf_free(&m);
	crdt_buf_init(&m);
	crdt_put_u32(&m, UINT32_MAX);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

static void lww_entry(struct crdt_buf *b, const char *key, uint64_t ts,
		      uint64_t node, const char *val)
{
	crdt_put_u16(b, strlen(key));
	crdt_put_bytes(b, key, strlen(key));
	crdt_put_u64(b, ts);
	crdt_put_u64(b, node);
	crdt_put_u8(b, 0);
	crdt_put_u32(b, strlen(val));
	crdt_put_bytes(b, val, strlen(val));
}

TEST_F(peer, unsorted_or_duplicate_keys_are_refused)
{
	uint64_t ts = (uint64_t)NOW << CRDT_HLC_LOGICAL_BITS;
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, 2);
	lww_entry(&body, "n9", ts, 1, "x");
	lww_entry(&body, "n3", ts, 1, "y");
	ks_msg(&m, "nodes", CRDT_T_LWW_MAP, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
	crdt_buf_init(&body);
	crdt_put_u32(&body, 2);
	lww_entry(&body, "n3", ts, 1, "x");
	lww_entry(&body, "n3", ts + 1, 1, "y");
	ks_msg(&m, "nodes", CRDT_T_LWW_MAP, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/*
 * A write stamped an hour ahead would win every later conflict and drag
 * the receiver's clock along: refused, and the receiver's clock unmoved.
 */
TEST_F(peer, timestamp_beyond_clock_drift_is_refused)
{
	uint64_t ts = (uint64_t)(NOW + 3600000) << CRDT_HLC_LOGICAL_BITS;
	uint64_t clock = self->b.hlc.last;
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, 1);
	lww_entry(&body, "n1", ts, 1, "evil");
	ks_msg(&m, "nodes", CRDT_T_LWW_MAP, &body);
	EXPECT_EQ(-ERANGE, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	EXPECT_EQ(clock, self->b.hlc.last);
	/* the same write is fine once the receiver's clock gets there */
	EXPECT_EQ(0, crdt_store_join(&self->b, m.data, m.len, NOW + 3600000));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

static void cc_one(struct crdt_buf *b, uint64_t node, uint64_t counter)
{
	crdt_put_u32(b, 1);		/* vv */
	crdt_put_u64(b, node);
	crdt_put_u64(b, counter);
	crdt_put_u32(b, 0);		/* cloud */
}

/* Node 2 issued 3 dots in "suspects"; a peer claiming dot 50 lies. */
TEST_F(peer, context_with_dots_we_never_issued_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	cc_one(&body, 2, 50);
	crdt_put_u32(&body, 0);
	ks_msg(&m, "suspects", CRDT_T_ORSET, &body);
	EXPECT_EQ(-ESTALE, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

TEST_F(peer, set_entry_outside_its_context_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	cc_one(&body, 1, 2);
	crdt_put_u32(&body, 1);
	crdt_put_u16(&body, 1);
	crdt_put_u8(&body, 'x');
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 3);		/* dot (1,3) not in vv 1:2 */
	ks_msg(&m, "suspects", CRDT_T_ORSET, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/* A body that decodes whole but is followed by more bytes of its own. */
TEST_F(peer, trailing_bytes_inside_a_keyspace_body_are_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	cc_one(&body, 1, 1);
	crdt_put_u32(&body, 1);
	crdt_put_u16(&body, 1);
	crdt_put_u8(&body, 'x');
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 1);
	crdt_put_u8(&body, 0);		/* counted in bodylen, not a field */
	ks_msg(&m, "suspects", CRDT_T_ORSET, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/*
 * Each add issues a fresh dot, so one dot tagging two elements is a lie;
 * accepted, a later remove of either element would remove both.
 */
TEST_F(peer, set_dot_tagging_two_elements_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	cc_one(&body, 1, 2);
	crdt_put_u32(&body, 2);
	crdt_put_u16(&body, 1);
	crdt_put_u8(&body, 'x');
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 2);
	crdt_put_u16(&body, 1);
	crdt_put_u8(&body, 'y');
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 2);		/* (1,2) again, another element */
	ks_msg(&m, "suspects", CRDT_T_ORSET, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_check(&self->b, m.data, m.len, NOW));
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	EXPECT_FALSE(crdt_store_set_contains(&self->b, "suspects", S("y")));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/* A cloud dot that continues the vector has only one valid spelling. */
TEST_F(peer, non_canonical_context_is_refused)
{
	struct crdt_buf body, m;

	crdt_buf_init(&body);
	crdt_put_u32(&body, 1);
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 2);
	crdt_put_u32(&body, 1);
	crdt_put_u64(&body, 1);
	crdt_put_u64(&body, 3);
	crdt_put_u32(&body, 0);
	ks_msg(&m, "suspects", CRDT_T_ORSET, &body);
	EXPECT_EQ(-EBADMSG, crdt_store_join(&self->b, m.data, m.len, NOW));
	EXPECT_TRUE(same_state(&self->b, &self->before));
	crdt_buf_free(&body);
	crdt_buf_free(&m);
}

/*
 * Random corruption of a valid message: either refused with the state
 * untouched, or accepted, and then the store still encodes to something
 * its own decoder accepts. Mostly a job for ASan and UBSan.
 */
TEST_F(peer, corrupted_messages_never_break_the_store)
{
	struct crdt_buf sa, m;
	struct prng r;

	encode(&self->a, &sa);
	prng_seed(&r, 7);
	for (int iter = 0; iter < 3000; iter++) {
		struct crdt_buf snap;
		struct crdt_store check;
		int flips = 1 + prng_below(&r, 3), err;

		crdt_buf_init(&m);
		crdt_put_bytes(&m, sa.data, sa.len);
		for (int f = 0; f < flips; f++)
			m.data[prng_below(&r, m.len)] ^= 1 << prng_below(&r, 8);
		encode(&self->b, &snap);
		err = crdt_store_join(&self->b, m.data, m.len, NOW);
		if (err) {
			ASSERT_TRUE(same_state(&self->b, &snap));
		} else {
			crdt_buf_free(&snap);
			encode(&self->b, &snap);
			ASSERT_EQ(0, crdt_store_init(&check, 3, 5000));
			ASSERT_EQ(0, crdt_store_join(&check, snap.data,
						     snap.len, NOW));
			crdt_store_free(&check);
		}
		crdt_buf_free(&snap);
		crdt_buf_free(&m);
	}
	crdt_buf_free(&sa);
}

TEST_HARNESS_MAIN
