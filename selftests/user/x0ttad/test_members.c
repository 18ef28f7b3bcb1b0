// SPDX-License-Identifier: GPL-2.0
/*
 * The members' codecs (members.h): a change's context decodes back to
 * what was encoded and refuses, byte for byte, what the encoder would
 * not produce; the state snapshot carries the address book and a
 * damaged one changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "x0ttad/members.h"

#define TD "mesh.test"

static int make(struct xd_member *m, uint64_t id, const char *addr,
		const char *sid)
{
	char why[256];

	return xd_member_make(m, id, addr, sid, TD, why, sizeof(why));
}

TEST(context_round_trip)
{
	struct xd_member m, d;
	uint8_t buf[RAFT_CONF_CTX_MAX];
	uint16_t len;

	ASSERT_EQ(0, make(&m, 4, "127.0.0.1:7004", "spiffe://mesh.test/node/n4"));
	len = xd_member_ctx_encode(&m, buf);
	ASSERT_EQ(0, xd_member_ctx_decode(buf, len, 4, TD, &d));
	EXPECT_EQ(4, d.id);
	EXPECT_STREQ("127.0.0.1:7004", d.addr);
	EXPECT_STREQ("spiffe://mesh.test/node/n4", d.spiffe_id);
	ASSERT_EQ(0, make(&m, 9, "[::1]:1", "spiffe://mesh.test/a"));
	len = xd_member_ctx_encode(&m, buf);
	ASSERT_EQ(0, xd_member_ctx_decode(buf, len, 9, TD, &d));
	EXPECT_STREQ("[::1]:1", d.addr);
}

TEST(make_refuses_what_a_peer_line_would)
{
	struct xd_member m = { .id = 77 };
	char why[256], longid[300];

	EXPECT_EQ(-EINVAL, xd_member_make(&m, 4, "127.0.0.1", "spiffe://mesh.test/n",
					 TD, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "is not IPV4:PORT"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:0", "spiffe://mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "host:80", "spiffe://mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "::1:80", "spiffe://mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 0, "127.0.0.1:1", "spiffe://mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, XD_NODE_ID_MAX + 1, "127.0.0.1:1",
				"spiffe://mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:1", "spiffe://other.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:1", "spiffe://mesh.test"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:1", "spiffe://Mesh.test/n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:1", "spiffe://mesh.test//n"));
	EXPECT_EQ(-EINVAL, make(&m, 4, "127.0.0.1:1", ""));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	memcpy(longid, "spiffe://mesh.test/", 19);
	EXPECT_EQ(-EINVAL, xd_member_make(&m, 4, "127.0.0.1:1", longid, TD,
					 why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "at most"));
	/* Nothing written on failure. */
	EXPECT_EQ(77, m.id);
}

TEST(context_decode_refuses_damage)
{
	struct xd_member m, d = { .id = 77 };
	uint8_t buf[RAFT_CONF_CTX_MAX + 8];
	uint16_t len;

	ASSERT_EQ(0, make(&m, 4, "127.0.0.1:7004", "spiffe://mesh.test/node/n4"));
	len = xd_member_ctx_encode(&m, buf);
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len - 1, 4, TD, &d));
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len + 1, 4, TD, &d));
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, 3, 4, TD, &d));
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len, 0, TD, &d));
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len, 4, "other.test",
						 &d));
	buf[0] = 2;
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len, 4, TD, &d));
	buf[0] = 1;
	buf[5] = 0;	/* a NUL inside the address */
	EXPECT_EQ(-EBADMSG, xd_member_ctx_decode(buf, len, 4, TD, &d));
	EXPECT_EQ(77, d.id);
}

/*
 * Every single-byte change of a valid context either is refused or
 * decodes to a member that encodes back to exactly those bytes: no two
 * encodings of one member, nothing the encoder would not write.
 */
TEST(context_mutations_are_refused_or_canonical)
{
	struct xd_member m, d;
	uint8_t good[RAFT_CONF_CTX_MAX], buf[RAFT_CONF_CTX_MAX];
	uint8_t again[RAFT_CONF_CTX_MAX];
	struct prng rng;
	uint16_t len;

	prng_seed(&rng, 6);
	ASSERT_EQ(0, make(&m, 4, "[fe80::1]:7004", "spiffe://mesh.test/node/n4"));
	len = xd_member_ctx_encode(&m, good);
	for (int i = 0; i < 20000; i++) {
		size_t blen = len;

		memcpy(buf, good, len);
		buf[prng_below(&rng, len)] = prng_below(&rng, 256);
		if (i % 7 == 0)
			blen = prng_below(&rng, len + 1);
		if (xd_member_ctx_decode(buf, blen, 4, TD, &d))
			continue;
		ASSERT_EQ(blen, xd_member_ctx_encode(&d, again));
		ASSERT_EQ(0, memcmp(buf, again, blen));
	}
}

TEST(book_sorted_set_and_delete)
{
	struct xd_book b;
	struct xd_member m;

	xd_book_init(&b);
	for (uint64_t id = 9; id >= 1; id--) {
		ASSERT_EQ(0, make(&m, id, "127.0.0.1:1", "spiffe://mesh.test/x"));
		ASSERT_EQ(0, xd_book_set(&b, &m));
	}
	for (unsigned int i = 0; i < b.n; i++)
		EXPECT_EQ(i + 1, b.m[i].id);
	ASSERT_EQ(0, make(&m, 3, "127.0.0.1:3", "spiffe://mesh.test/y"));
	ASSERT_EQ(0, xd_book_set(&b, &m));
	EXPECT_EQ(9, b.n);
	EXPECT_STREQ("127.0.0.1:3", xd_book_find(&b, 3)->addr);
	EXPECT_TRUE(xd_book_del(&b, 3));
	EXPECT_FALSE(xd_book_del(&b, 3));
	EXPECT_EQ(NULL, xd_book_find(&b, 3));
	for (uint64_t id = 100; b.n < XD_BOOK_MAX; id++) {
		m.id = id;
		ASSERT_EQ(0, xd_book_set(&b, &m));
	}
	m.id = 1000;
	EXPECT_EQ(-ENOSPC, xd_book_set(&b, &m));
}

/* One key, two members (added out of order). */
static int fill(struct xd_kv *kv, struct xd_book *b)
{
	struct xd_member m;
	uint8_t *cmd;
	size_t len;
	int ret;

	xd_kv_init(kv);
	xd_book_init(b);
	ret = xd_kv_cmd_encode(XD_KV_PUT, "k", 1, "v", 1, &cmd, &len);
	if (ret)
		return ret;
	ret = xd_kv_apply(kv, cmd, len);
	free(cmd);
	if (!ret)
		ret = make(&m, 4, "127.0.0.1:4", "spiffe://mesh.test/n4");
	if (!ret)
		ret = xd_book_set(b, &m);
	if (!ret)
		ret = make(&m, 2, "[::1]:2", "spiffe://mesh.test/n2");
	if (!ret)
		ret = xd_book_set(b, &m);
	return ret;
}

TEST(state_snapshot_round_trip)
{
	struct xd_kv kv, kv2;
	struct xd_book b, b2;
	uint8_t *snap;
	size_t len;

	ASSERT_EQ(0, fill(&kv, &b));
	ASSERT_EQ(0, xd_state_snapshot(&kv, &b, &snap, &len));
	xd_kv_init(&kv2);
	xd_book_init(&b2);
	ASSERT_EQ(0, xd_state_load(&kv2, &b2, snap, len, TD));
	EXPECT_EQ(1, kv2.n);
	ASSERT_EQ(2, b2.n);
	EXPECT_EQ(2, b2.m[0].id);
	EXPECT_STREQ("[::1]:2", b2.m[0].addr);
	EXPECT_STREQ("spiffe://mesh.test/n4", b2.m[1].spiffe_id);
	free(snap);
	xd_kv_free(&kv);
	xd_kv_free(&kv2);
}

/* A snapshot from before membership changes: the key-value map alone. */
TEST(state_loads_a_version_1_snapshot)
{
	struct xd_kv kv, kv2;
	struct xd_book b;
	uint8_t *snap;
	size_t len;

	ASSERT_EQ(0, fill(&kv, &b));
	ASSERT_EQ(0, xd_kv_snapshot(&kv, &snap, &len));
	xd_kv_init(&kv2);
	ASSERT_EQ(0, xd_state_load(&kv2, &b, snap, len, TD));
	EXPECT_EQ(1, kv2.n);
	EXPECT_EQ(0, b.n);
	free(snap);
	xd_kv_free(&kv);
	xd_kv_free(&kv2);
}

TEST(state_damage_changes_nothing)
{
	struct xd_kv kv, kv2;
	struct xd_book b, b2;
	uint8_t *snap;
	size_t len;
	struct prng rng;
	int refused = 0;

	ASSERT_EQ(0, fill(&kv, &b));
	ASSERT_EQ(0, xd_state_snapshot(&kv, &b, &snap, &len));
	prng_seed(&rng, 7);
	xd_kv_init(&kv2);
	for (int i = 0; i < 5000; i++) {
		uint8_t *bad = malloc(len);
		size_t at = prng_below(&rng, len);
		uint8_t old = snap[at];
		int ret;

		memcpy(bad, snap, len);
		bad[at] ^= 1 + prng_below(&rng, 255);
		xd_book_init(&b2);
		b2.m[0].id = 99;
		b2.n = 1;
		ret = xd_state_load(&kv2, &b2, bad, i % 5 ? len : at, TD);
		if (ret) {
			refused++;
			ASSERT_EQ(1, b2.n);
			ASSERT_EQ(99, b2.m[0].id);
		}
		ASSERT_EQ(old, snap[at]);
		free(bad);
	}
	EXPECT_GT(refused, 4000);
	/* Sorted ids only: a book out of order is refused. */
	{
		struct xd_member t = b.m[0];

		b.m[0] = b.m[1];
		b.m[1] = t;
		free(snap);
		ASSERT_EQ(0, xd_state_snapshot(&kv, &b, &snap, &len));
		EXPECT_EQ(-EBADMSG, xd_state_load(&kv2, &b2, snap, len, TD));
	}
	free(snap);
	xd_kv_free(&kv);
	xd_kv_free(&kv2);
}

TEST_HARNESS_MAIN
