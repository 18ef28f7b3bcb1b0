// SPDX-License-Identifier: GPL-2.0
/*
 * The raft key-value state machine against a deliberately naive twin (a
 * fixed array of slots) on random commands, and its snapshots: a
 * snapshot loads back to the same map, and a damaged one changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "x0ttad/kv.h"

#define TWIN_KEYS	32

/* The naive twin: key i is "k<i>", its value a small string or absent. */
struct twin {
	bool set[TWIN_KEYS];
	char val[TWIN_KEYS][16];
};

static int apply(struct xd_kv *kv, enum xd_kv_op op, const char *key,
		 const char *val)
{
	uint8_t *cmd;
	size_t len;
	int ret;

	ret = xd_kv_cmd_encode(op, key, strlen(key), val, val ? strlen(val) : 0,
			       &cmd, &len);
	if (ret)
		return ret;
	ret = xd_kv_apply(kv, cmd, len);
	free(cmd);
	return ret;
}

static bool same(const struct xd_kv *kv, const struct twin *t)
{
	size_t n = 0;
	char key[8];

	for (int i = 0; i < TWIN_KEYS; i++) {
		const struct xd_kv_item *it;

		snprintf(key, sizeof(key), "k%d", i);
		it = xd_kv_get(kv, key, strlen(key));
		if (!it != !t->set[i])
			return false;
		if (!it)
			continue;
		n++;
		if (it->vlen != strlen(t->val[i]) ||
		    memcmp(it->val, t->val[i], it->vlen))
			return false;
	}
	return n == kv->n;
}

TEST(random_commands_match_a_naive_twin)
{
	struct xd_kv kv, copy;
	struct twin t = { 0 };
	struct prng r;
	char key[8], val[16];

	xd_kv_init(&kv);
	prng_seed(&r, 7);
	for (int i = 0; i < 20000; i++) {
		int k = prng_below(&r, TWIN_KEYS);

		snprintf(key, sizeof(key), "k%d", k);
		if (prng_chance(&r, 2, 3)) {
			snprintf(val, sizeof(val), "%llu",
				 (unsigned long long)prng_below(&r, 1000000));
			ASSERT_EQ(0, apply(&kv, XD_KV_PUT, key, val));
			t.set[k] = true;
			strcpy(t.val[k], val);
		} else {
			ASSERT_EQ(t.set[k] ? 0 : -ENOENT,
				  apply(&kv, XD_KV_DEL, key, NULL));
			t.set[k] = false;
		}
		ASSERT_TRUE(same(&kv, &t));
	}
	/* And the snapshot of the final map loads back to the same map. */
	uint8_t *snap;
	size_t len;

	ASSERT_EQ(0, xd_kv_snapshot(&kv, &snap, &len));
	xd_kv_init(&copy);
	ASSERT_EQ(0, xd_kv_load(&copy, snap, len));
	EXPECT_TRUE(same(&copy, &t));
	free(snap);
	xd_kv_free(&copy);
	xd_kv_free(&kv);
}

TEST(damaged_snapshot_changes_nothing)
{
	struct xd_kv kv, other;
	uint8_t *snap;
	size_t len;

	xd_kv_init(&kv);
	xd_kv_init(&other);
	ASSERT_EQ(0, apply(&kv, XD_KV_PUT, "a", "1"));
	ASSERT_EQ(0, apply(&kv, XD_KV_PUT, "b", "2"));
	ASSERT_EQ(0, apply(&other, XD_KV_PUT, "mine", "x"));
	ASSERT_EQ(0, xd_kv_snapshot(&kv, &snap, &len));
	/* Every cut short of the whole is refused. */
	for (size_t cut = 0; cut < len; cut++)
		EXPECT_EQ(-EBADMSG, xd_kv_load(&other, snap, cut));
	/* Keys out of order: "b" before "a". */
	snap[14] = 'b';
	snap[22] = 'a';
	EXPECT_EQ(-EBADMSG, xd_kv_load(&other, snap, len));
	EXPECT_EQ(1, other.n);
	EXPECT_NE(NULL, xd_kv_get(&other, "mine", 4));
	free(snap);
	xd_kv_free(&kv);
	xd_kv_free(&other);
}

TEST(malformed_commands_are_skipped_without_change)
{
	static const uint8_t bad[][12] = {
		{ 2, 1, 1, 0, 1, 0, 0, 0, 'k', 'v' },	/* version 2 */
		{ 1, 9, 1, 0, 1, 0, 0, 0, 'k', 'v' },	/* unknown op */
		{ 1, 1, 0, 0, 1, 0, 0, 0, 'k', 'v' },	/* empty key */
		{ 1, 1, 1, 0, 5, 0, 0, 0, 'k', 'v' },	/* value too short */
		{ 1, 2, 1, 0, 1, 0, 0, 0, 'k', 'v' },	/* del with a value */
	};
	struct xd_kv kv;

	xd_kv_init(&kv);
	ASSERT_EQ(0, apply(&kv, XD_KV_PUT, "k", "old"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EBADMSG, xd_kv_apply(&kv, bad[i], 10));
	EXPECT_EQ(-EBADMSG, xd_kv_apply(&kv, bad[0], 3));
	ASSERT_EQ(1, kv.n);
	EXPECT_EQ(0, memcmp("old", xd_kv_get(&kv, "k", 1)->val, 3));
	xd_kv_free(&kv);
}

TEST(encode_refuses_what_apply_would)
{
	static char big[XD_KV_KEY_MAX + 1];
	uint8_t *cmd;
	size_t len;

	EXPECT_EQ(-EINVAL, xd_kv_cmd_encode(XD_KV_PUT, big, sizeof(big), "v",
					    1, &cmd, &len));
	EXPECT_EQ(-EINVAL, xd_kv_cmd_encode(XD_KV_PUT, "", 0, "v", 1, &cmd,
					    &len));
	EXPECT_EQ(-EINVAL, xd_kv_cmd_encode(7, "k", 1, NULL, 0, &cmd, &len));
}

TEST_HARNESS_MAIN
