// SPDX-License-Identifier: GPL-2.0
/*
 * Behaviour of each CRDT type as a user of the store sees it: which write
 * wins, what a concurrent add and remove leave, what a counter reads.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "crdt/hlc.h"
#include "crdt/lww.h"
#include "crdt/orset.h"
#include "crdt/pncounter.h"

#define S(x) (x), strlen(x)

static int lww_val_is(const struct crdt_lww_map *m, const char *key,
		      const char *val)
{
	const struct crdt_lww_reg *r = crdt_lww_map_get(m, S(key));

	return r && r->len == strlen(val) && !memcmp(r->val, val, r->len);
}

TEST(hlc_timestamps_increase_even_when_wall_clock_steps_back)
{
	struct crdt_hlc c;
	uint64_t a, b, d;

	crdt_hlc_init(&c, 1000);
	a = crdt_hlc_now(&c, 5000);
	b = crdt_hlc_now(&c, 4000);
	d = crdt_hlc_now(&c, 4000);
	EXPECT_LT(a, b);
	EXPECT_LT(b, d);
	EXPECT_EQ(5000u, crdt_hlc_ms(d));
	EXPECT_LT(d, crdt_hlc_now(&c, 5001));
}

TEST(hlc_follows_a_peer_ahead_within_drift_and_refuses_beyond)
{
	struct crdt_hlc c;
	uint64_t peer = (uint64_t)5500 << CRDT_HLC_LOGICAL_BITS;
	uint64_t far = (uint64_t)7000 << CRDT_HLC_LOGICAL_BITS;

	crdt_hlc_init(&c, 1000);
	ASSERT_EQ(0, crdt_hlc_observe(&c, peer, 5000));
	EXPECT_LT(peer, crdt_hlc_now(&c, 5000));
	EXPECT_EQ(-ERANGE, crdt_hlc_observe(&c, far, 5000));
	EXPECT_LT(crdt_hlc_now(&c, 5000), far);
}

TEST(lww_later_write_wins_whatever_the_arrival_order)
{
	struct crdt_lww_map a, b, d1, d2;

	crdt_lww_map_init(&a);
	crdt_lww_map_init(&b);
	ASSERT_EQ(0, crdt_lww_map_put(&a, &d1, S("k"), S("old"), 10, 1));
	ASSERT_EQ(0, crdt_lww_map_put(&b, &d2, S("k"), S("new"), 20, 2));
	/* b gets the older write after its own newer one, a the reverse */
	ASSERT_EQ(0, crdt_lww_map_join(&b, &d1));
	ASSERT_EQ(0, crdt_lww_map_join(&a, &d2));
	EXPECT_TRUE(lww_val_is(&a, "k", "new"));
	EXPECT_TRUE(lww_val_is(&b, "k", "new"));
	crdt_lww_map_free(&a);
	crdt_lww_map_free(&b);
}

TEST(lww_equal_timestamps_resolved_by_node_id)
{
	struct crdt_lww_map a, b, d1, d2;

	crdt_lww_map_init(&a);
	crdt_lww_map_init(&b);
	ASSERT_EQ(0, crdt_lww_map_put(&a, &d1, S("k"), S("from9"), 10, 9));
	ASSERT_EQ(0, crdt_lww_map_put(&b, &d2, S("k"), S("from3"), 10, 3));
	ASSERT_EQ(0, crdt_lww_map_join(&a, &d2));
	ASSERT_EQ(0, crdt_lww_map_join(&b, &d1));
	EXPECT_TRUE(lww_val_is(&a, "k", "from9"));
	EXPECT_TRUE(lww_val_is(&b, "k", "from9"));
	crdt_lww_map_free(&a);
	crdt_lww_map_free(&b);
}

TEST(lww_delete_is_not_undone_by_an_older_write_arriving_late)
{
	struct crdt_lww_map a, b, put, del;

	crdt_lww_map_init(&a);
	crdt_lww_map_init(&b);
	ASSERT_EQ(0, crdt_lww_map_put(&a, &put, S("k"), S("v"), 10, 1));
	ASSERT_EQ(0, crdt_lww_map_del(&b, &del, S("k"), 11, 2));
	ASSERT_EQ(0, crdt_lww_map_join(&b, &put));
	EXPECT_EQ(NULL, crdt_lww_map_get(&b, S("k")));
	EXPECT_EQ(0u, crdt_lww_map_size(&b));
	ASSERT_EQ(0, crdt_lww_map_join(&a, &del));
	EXPECT_EQ(NULL, crdt_lww_map_get(&a, S("k")));
	crdt_lww_map_free(&a);
	crdt_lww_map_free(&b);
}

TEST(lww_refuses_empty_and_oversized_keys_without_change)
{
	static char big[CRDT_KEY_MAX + 1];
	struct crdt_lww_map m, d;

	crdt_lww_map_init(&m);
	EXPECT_EQ(-EINVAL, crdt_lww_map_put(&m, &d, "", 0, S("v"), 1, 1));
	EXPECT_EQ(-EINVAL, crdt_lww_map_put(&m, &d, big, sizeof(big), S("v"),
					    1, 1));
	EXPECT_EQ(0u, m.n);
	EXPECT_EQ(0u, d.n);
}

TEST(orset_concurrent_add_wins_over_remove)
{
	struct crdt_orset a, b, d, add, rm;

	crdt_orset_init(&a);
	crdt_orset_init(&b);
	ASSERT_EQ(0, crdt_orset_add(&a, &d, 1, S("x")));
	ASSERT_EQ(0, crdt_orset_join(&b, &d));
	/* b removes the x it saw while a adds x again, concurrently */
	ASSERT_EQ(0, crdt_orset_remove(&b, &rm, S("x")));
	ASSERT_EQ(0, crdt_orset_add(&a, &add, 1, S("x")));
	EXPECT_FALSE(crdt_orset_contains(&b, S("x")));
	ASSERT_EQ(0, crdt_orset_join(&b, &add));
	ASSERT_EQ(0, crdt_orset_join(&a, &rm));
	EXPECT_TRUE(crdt_orset_contains(&a, S("x")));
	EXPECT_TRUE(crdt_orset_contains(&b, S("x")));
	crdt_orset_free(&a);
	crdt_orset_free(&b);
}

TEST(orset_remove_of_seen_add_removes_everywhere)
{
	struct crdt_orset a, b, d, rm;

	crdt_orset_init(&a);
	crdt_orset_init(&b);
	ASSERT_EQ(0, crdt_orset_add(&a, &d, 1, S("x")));
	ASSERT_EQ(0, crdt_orset_join(&b, &d));
	ASSERT_EQ(0, crdt_orset_add(&a, &d, 1, S("y")));
	ASSERT_EQ(0, crdt_orset_join(&b, &d));
	ASSERT_EQ(0, crdt_orset_remove(&b, &rm, S("x")));
	ASSERT_EQ(0, crdt_orset_join(&a, &rm));
	EXPECT_FALSE(crdt_orset_contains(&a, S("x")));
	EXPECT_TRUE(crdt_orset_contains(&a, S("y")));
	EXPECT_EQ(1u, crdt_orset_size(&a));
	crdt_orset_free(&a);
	crdt_orset_free(&b);
}

/*
 * Deltas of node 7 arrive out of order: while a gap is open the context
 * carries the dots in its cloud; once the gap closes it is one vector
 * entry again, which is what keeps contexts small in a healthy mesh.
 */
TEST(orset_context_compacts_when_dots_become_contiguous)
{
	struct crdt_orset src, dst, d[4];
	char name[2] = "a";

	crdt_orset_init(&src);
	crdt_orset_init(&dst);
	for (int i = 0; i < 4; i++, name[0]++)
		ASSERT_EQ(0, crdt_orset_add(&src, &d[i], 7, name, 1));
	EXPECT_EQ(1u, src.cc.nvv);
	EXPECT_EQ(0u, src.cc.ncloud);
	ASSERT_EQ(0, crdt_orset_join(&dst, &d[3]));
	ASSERT_EQ(0, crdt_orset_join(&dst, &d[1]));
	EXPECT_EQ(0u, dst.cc.nvv);
	EXPECT_EQ(2u, dst.cc.ncloud);
	ASSERT_EQ(0, crdt_orset_join(&dst, &d[0]));
	EXPECT_EQ(1u, dst.cc.nvv);
	EXPECT_EQ(1u, dst.cc.ncloud);
	ASSERT_EQ(0, crdt_orset_join(&dst, &d[2]));
	ASSERT_EQ(1u, dst.cc.nvv);
	EXPECT_EQ(0u, dst.cc.ncloud);
	EXPECT_EQ(4u, dst.cc.vv[0].counter);
	EXPECT_EQ(4u, crdt_orset_size(&dst));
	crdt_orset_free(&src);
	crdt_orset_free(&dst);
}

TEST(pn_counter_reads_increments_minus_decrements_of_all_nodes)
{
	struct crdt_pncounter a, b, d1, d2, d3;

	crdt_pn_init(&a);
	crdt_pn_init(&b);
	ASSERT_EQ(0, crdt_pn_add(&a, &d1, 1, 10));
	ASSERT_EQ(0, crdt_pn_add(&b, &d2, 2, -3));
	ASSERT_EQ(0, crdt_pn_add(&b, &d3, 2, 5));
	ASSERT_EQ(0, crdt_pn_join(&a, &d3));
	ASSERT_EQ(0, crdt_pn_join(&a, &d2));	/* older delta, late */
	ASSERT_EQ(0, crdt_pn_join(&b, &d1));
	EXPECT_EQ(12, crdt_pn_value(&a));
	EXPECT_EQ(12, crdt_pn_value(&b));
	crdt_pn_free(&a);
	crdt_pn_free(&b);
}

TEST(pn_counter_refuses_overflow_without_change)
{
	struct crdt_pncounter c, d;

	crdt_pn_init(&c);
	ASSERT_EQ(0, crdt_pn_add(&c, &d, 1, INT64_MAX));
	crdt_pn_free(&d);
	ASSERT_EQ(0, crdt_pn_add(&c, &d, 1, INT64_MAX));
	crdt_pn_free(&d);
	EXPECT_EQ(-EOVERFLOW, crdt_pn_add(&c, &d, 1, 2));
	EXPECT_EQ(UINT64_MAX - 1, c.e[0].p);
	crdt_pn_free(&c);
}

TEST_HARNESS_MAIN
