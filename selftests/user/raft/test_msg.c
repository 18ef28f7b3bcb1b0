// SPDX-License-Identifier: GPL-2.0
/*
 * The wire codec: what goes in comes out, and what a hostile peer can
 * send is refused with an error, never a crash, before the core sees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "raft/conf.h"
#include "raft/msg.h"

static struct raft_entry two_entries[2] = {
	{ .term = 3, .index = 8, .type = RAFT_ENTRY_NORMAL, .len = 5,
	  .data = "hello" },
	{ .term = 4, .index = 9, .type = RAFT_ENTRY_NOOP },
};

static struct raft_msg append_msg(void)
{
	struct raft_msg m = {
		.type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 4,
		.log_term = 3, .index = 7, .commit = 6,
		.n_entries = 2, .entries = two_entries,
	};

	return m;
}

static size_t encode(const struct raft_msg *m, uint8_t *buf, size_t cap)
{
	ssize_t n = raft_msg_encode(m, buf, cap);

	return n < 0 ? 0 : (size_t)n;
}

TEST(append_with_entries_survives_the_round_trip)
{
	struct raft_msg in = append_msg(), out;
	uint8_t buf[256];
	size_t n = encode(&in, buf, sizeof(buf));

	ASSERT_EQ(raft_msg_encoded_size(&in), n);
	ASSERT_EQ(0, raft_msg_decode(buf, n, &out));
	EXPECT_EQ(in.type, out.type);
	EXPECT_EQ(in.term, out.term);
	EXPECT_EQ(in.index, out.index);
	EXPECT_EQ(in.log_term, out.log_term);
	EXPECT_EQ(in.commit, out.commit);
	ASSERT_EQ(2u, out.n_entries);
	EXPECT_EQ(8u, out.entries[0].index);
	EXPECT_EQ(9u, out.entries[1].index);
	EXPECT_EQ(5u, out.entries[0].len);
	EXPECT_EQ(0, memcmp(out.entries[0].data, "hello", 5));
	EXPECT_EQ(RAFT_ENTRY_NOOP, out.entries[1].type);
	raft_msg_release(&out);
}

static bool same_header(const struct raft_msg *a, const struct raft_msg *b)
{
	return a->type == b->type && a->reject == b->reject &&
	       a->from == b->from && a->to == b->to && a->term == b->term &&
	       a->log_term == b->log_term && a->index == b->index &&
	       a->commit == b->commit && a->hint == b->hint &&
	       a->ctx == b->ctx &&
	       a->n_entries == b->n_entries;
}

TEST(every_response_kind_survives_the_round_trip)
{
	struct raft_msg msgs[] = {
		{ .type = RAFT_MSG_PREVOTE, .from = 3, .to = 1, .term = 9,
		  .log_term = 2, .index = 40 },
		{ .type = RAFT_MSG_PREVOTE_RESP, .from = 1, .to = 3, .term = 9,
		  .reject = true },
		{ .type = RAFT_MSG_VOTE_RESP, .from = 1, .to = 3, .term = 9 },
		{ .type = RAFT_MSG_APPEND_RESP, .from = 2, .to = 1, .term = 4,
		  .index = 7, .hint = 5, .reject = true },
		{ .type = RAFT_MSG_HEARTBEAT, .from = 1, .to = 2, .term = 4,
		  .commit = 6, .ctx = 9 },
		{ .type = RAFT_MSG_HEARTBEAT_RESP, .from = 2, .to = 1,
		  .term = 4, .ctx = 9 },
	};

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		uint8_t buf[RAFT_MSG_HDR_SIZE];
		struct raft_msg out;

		ASSERT_EQ(sizeof(buf), encode(&msgs[i], buf, sizeof(buf)));
		ASSERT_EQ(0, raft_msg_decode(buf, sizeof(buf), &out));
		EXPECT_TRUE(same_header(&msgs[i], &out));
		raft_msg_release(&out);
	}
}

TEST(encoder_refuses_a_short_buffer)
{
	struct raft_msg in = append_msg();
	uint8_t buf[256];

	EXPECT_EQ(-ENOSPC, raft_msg_encode(&in, buf, 70));
}

TEST(decoder_refuses_every_truncation_and_trailing_bytes)
{
	struct raft_msg in = append_msg(), out;
	uint8_t buf[256];
	size_t n = encode(&in, buf, sizeof(buf));

	for (size_t len = 0; len < n; len++) {
		ASSERT_NE(0, raft_msg_decode(buf, len, &out));
		ASSERT_EQ(NULL, out.entries);
	}
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n + 1, &out));
}

/* Patch one header field of a valid frame and expect a refusal. */
static int decode_patched(size_t off, const void *val, size_t len)
{
	struct raft_msg in = append_msg(), out;
	uint8_t buf[256];
	size_t n = encode(&in, buf, sizeof(buf));
	int err;

	memcpy(buf + off, val, len);
	err = raft_msg_decode(buf, n, &out);
	if (!err)
		raft_msg_release(&out);
	return err;
}

TEST(decoder_refuses_nonsense_fields)
{
	uint8_t b;
	uint64_t v;
	uint32_t n;

	b = RAFT_MSG_VERSION + 1;
	EXPECT_EQ(-EPROTONOSUPPORT, decode_patched(0, &b, 1));
	b = 1;	/* version 1 snapshots had no configuration */
	EXPECT_EQ(-EPROTONOSUPPORT, decode_patched(0, &b, 1));
	b = 0;
	EXPECT_EQ(-EBADMSG, decode_patched(1, &b, 1));	/* type 0 */
	b = RAFT_MSG_TYPE_MAX + 1;
	EXPECT_EQ(-EBADMSG, decode_patched(1, &b, 1));	/* unknown type */
	b = 1;
	EXPECT_EQ(-EBADMSG, decode_patched(2, &b, 1));	/* reject on append */
	b = 0x80;
	EXPECT_EQ(-EBADMSG, decode_patched(2, &b, 1));	/* unknown flag */
	v = 2;
	EXPECT_EQ(-EBADMSG, decode_patched(8, &v, 8));	/* from == to */
	v = 0;
	EXPECT_EQ(-EBADMSG, decode_patched(24, &v, 8));	/* term 0 */
	v = 5;
	EXPECT_EQ(-EBADMSG, decode_patched(32, &v, 8));	/* log_term > term */
	v = UINT64_MAX;
	EXPECT_EQ(-EBADMSG, decode_patched(40, &v, 8));	/* index overflows */
	v = 0;
	EXPECT_EQ(-EBADMSG, decode_patched(40, &v, 8));	/* index 0, term 3 */
	v = 1;
	EXPECT_EQ(-EBADMSG, decode_patched(64, &v, 8));	/* ctx on append */
	n = 0xffffffff;
	EXPECT_EQ(-EBADMSG, decode_patched(4, &n, 4));	/* huge count */
	n = 3;
	EXPECT_EQ(-EBADMSG, decode_patched(4, &n, 4));	/* count > bytes */
}

TEST(decoder_refuses_nonsense_entries)
{
	size_t e0 = RAFT_MSG_HDR_SIZE, e1 = e0 + RAFT_MSG_ENTRY_HDR_SIZE + 5;
	uint64_t v;
	uint32_t n;
	uint8_t b;

	v = 2;	/* below the prev entry's term */
	EXPECT_EQ(-EBADMSG, decode_patched(e0, &v, 8));
	v = 2;	/* term decreases along the log */
	EXPECT_EQ(-EBADMSG, decode_patched(e1, &v, 8));
	v = 5;	/* above the sender's term */
	EXPECT_EQ(-EBADMSG, decode_patched(e1, &v, 8));
	b = 9;	/* unknown entry type */
	EXPECT_EQ(-EBADMSG, decode_patched(e0 + 8, &b, 1));
	b = 1;	/* reserved byte */
	EXPECT_EQ(-EBADMSG, decode_patched(e0 + 9, &b, 1));
	n = RAFT_MAX_ENTRY_SIZE + 1;
	EXPECT_EQ(-EBADMSG, decode_patched(e0 + 12, &n, 4));
	n = 6;	/* runs into the next entry's header */
	EXPECT_EQ(-EBADMSG, decode_patched(e0 + 12, &n, 4));
}

TEST(snapshot_carries_its_state_and_is_bounded)
{
	struct raft_msg in = {
		.type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 3, .term = 5,
		.index = 40, .log_term = 4, .data = "state", .len = 5,
	}, out;
	size_t big = RAFT_MSG_HDR_SIZE + RAFT_CONF_BLOCK_HDR +
		     RAFT_MAX_SNAPSHOT_SIZE + 1;
	uint8_t buf[128], *huge;
	size_t n = encode(&in, buf, sizeof(buf));

	ASSERT_EQ(RAFT_MSG_HDR_SIZE + RAFT_CONF_BLOCK_HDR + 5, n);
	ASSERT_EQ(0, raft_msg_decode(buf, n, &out));
	EXPECT_EQ(40u, out.index);
	ASSERT_EQ(5u, out.len);
	EXPECT_EQ(0, memcmp(out.data, "state", 5));
	raft_msg_release(&out);
	/* A snapshot names the entry it ends at: index 0 is nonsense. */
	in.index = 0;
	in.log_term = 0;
	n = encode(&in, buf, sizeof(buf));
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
	in.index = 40;
	in.log_term = 4;
	huge = calloc(1, big);
	ASSERT_NE(NULL, huge);
	in.len = 0;
	encode(&in, huge, RAFT_MSG_HDR_SIZE + RAFT_CONF_BLOCK_HDR);
	EXPECT_EQ(-EBADMSG, raft_msg_decode(huge, big, &out));
	EXPECT_EQ(0, raft_msg_decode(huge, big - 1, &out));
	raft_msg_release(&out);
	free(huge);
}

TEST(snapshot_carries_its_configuration_and_a_bad_one_is_refused)
{
	struct raft_msg in = {
		.type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 3, .term = 5,
		.index = 40, .log_term = 4, .data = "state", .len = 5,
		.conf = { .voters = { 1, 2, 4 }, .n_voters = 3,
			  .learners = { 7 }, .n_learners = 1 },
	}, out;
	size_t ids = RAFT_MSG_HDR_SIZE + RAFT_CONF_BLOCK_HDR;
	uint8_t buf[256], copy[256];
	size_t n = encode(&in, buf, sizeof(buf));
	uint64_t v;

	ASSERT_EQ(0, raft_msg_decode(buf, n, &out));
	EXPECT_EQ(3u, out.conf.n_voters);
	EXPECT_EQ(4u, out.conf.voters[2]);
	EXPECT_EQ(1u, out.conf.n_learners);
	EXPECT_EQ(7u, out.conf.learners[0]);
	ASSERT_EQ(5u, out.len);
	EXPECT_EQ(0, memcmp(out.data, "state", 5));
	raft_msg_release(&out);
	memcpy(copy, buf, n);
	v = 0;		/* id 0 */
	memcpy(buf + ids, &v, 8);
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
	memcpy(buf, copy, n);
	v = 9;		/* voters out of order */
	memcpy(buf + ids + 8, &v, 8);
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
	memcpy(buf, copy, n);
	v = 4;		/* a voter who is also a learner */
	memcpy(buf + ids + 24, &v, 8);
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
	memcpy(buf, copy, n);
	buf[RAFT_MSG_HDR_SIZE] = RAFT_MAX_NODES + 1;	/* count too large */
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
	memcpy(buf, copy, n);
	buf[RAFT_MSG_HDR_SIZE + 2] = 1;			/* reserved byte */
	EXPECT_EQ(-EBADMSG, raft_msg_decode(buf, n, &out));
}

TEST(decoder_refuses_oversized_frames_before_reading_them)
{
	struct raft_msg out;
	uint8_t b = 0;

	EXPECT_EQ(-EMSGSIZE, raft_msg_decode(&b, RAFT_MSG_MAX_SIZE + 1, &out));
}

/*
 * Random corruption of valid frames: the decoder must never crash (the
 * sanitizer build checks every access), and anything it accepts must be
 * a canonical frame that encodes back to the same bytes.
 */
TEST(decoder_survives_random_corruption_and_accepts_only_canonical_frames)
{
	struct raft_msg in = append_msg(), out;
	uint8_t buf[256], again[256];
	size_t n = encode(&in, buf, sizeof(buf));
	int accepted = 0;
	struct prng r;

	prng_seed(&r, 6);
	for (int i = 0; i < 200000; i++) {
		uint8_t mut[256];
		size_t len = n;
		int flips = 1 + prng_below(&r, 3);

		memcpy(mut, buf, n);
		while (flips--)
			mut[prng_below(&r, n)] ^= 1u << prng_below(&r, 8);
		if (prng_chance(&r, 1, 8))
			len = prng_below(&r, n + 1);
		if (raft_msg_decode(mut, len, &out))
			continue;
		accepted++;
		ASSERT_EQ(len, encode(&out, again, sizeof(again)));
		ASSERT_EQ(0, memcmp(mut, again, len));
		raft_msg_release(&out);
	}
	/* Some flips (data bytes, ids) are legal: the test saw both sides. */
	EXPECT_GT(accepted, 0);
}

TEST_HARNESS_MAIN
