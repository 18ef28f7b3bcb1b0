// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's linearizability checker, on hand-made histories of one
 * register whose verdict is known: a checker that accepts everything
 * would make the simulation's linearizability claim worthless.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "../../sim/sim.h"

#define NONE SIM_NO_RESPONSE
#define PUT(v, a, b) { .is_put = true, .value = (v), .invoke = (a), \
		       .response = (b) }
#define GET(v, a, b) { .is_put = false, .value = (v), .invoke = (a), \
		       .response = (b) }
#define CHECK(h) sim_lin_check((h), sizeof(h) / sizeof((h)[0]))

TEST(sequential_reads_of_the_last_write_are_linearizable)
{
	struct sim_op h[] = { GET(0, 0, 1), PUT(1, 2, 3), GET(1, 4, 5),
			      PUT(2, 6, 7), GET(2, 8, 9) };

	EXPECT_EQ(1, CHECK(h));
}

TEST(read_of_a_value_never_written_is_not_linearizable)
{
	struct sim_op h[] = { PUT(1, 0, 1), GET(9, 2, 3) };

	EXPECT_EQ(0, CHECK(h));
}

TEST(stale_read_after_a_newer_write_completed_is_not_linearizable)
{
	struct sim_op h[] = { PUT(1, 0, 10), PUT(2, 20, 30), GET(1, 40, 50) };

	EXPECT_EQ(0, CHECK(h));
}

TEST(read_concurrent_with_a_write_may_see_either_value)
{
	struct sim_op old[] = { PUT(1, 0, 10), PUT(2, 20, 40), GET(1, 25, 30) };
	struct sim_op new[] = { PUT(1, 0, 10), PUT(2, 20, 40), GET(2, 25, 30) };

	EXPECT_EQ(1, CHECK(old));
	EXPECT_EQ(1, CHECK(new));
}

TEST(reads_may_not_go_back_in_time)
{
	/* Both reads overlap the write, but the second starts after the
	 * first saw the new value, so it must not see the old one. */
	struct sim_op h[] = { PUT(1, 0, 100), GET(1, 10, 20),
			      GET(0, 30, 40) };

	EXPECT_EQ(0, CHECK(h));
}

TEST(unanswered_write_may_or_may_not_have_happened)
{
	struct sim_op seen[] = { PUT(5, 0, NONE), GET(5, 100, 110) };
	struct sim_op unseen[] = { PUT(5, 0, NONE), GET(0, 100, 110) };
	struct sim_op flip[] = { PUT(5, 0, NONE), GET(5, 100, 110),
				 GET(0, 120, 130) };

	EXPECT_EQ(1, CHECK(seen));
	EXPECT_EQ(1, CHECK(unseen));
	/* ... but once seen, it cannot be undone. */
	EXPECT_EQ(0, CHECK(flip));
}

TEST(unanswered_write_cannot_take_effect_before_it_was_made)
{
	struct sim_op h[] = { GET(7, 0, 10), PUT(7, 20, NONE) };

	EXPECT_EQ(0, CHECK(h));
}

TEST(history_too_long_for_the_checker_is_reported_not_passed)
{
	struct sim_op h[65];

	for (int i = 0; i < 65; i++)
		h[i] = (struct sim_op)PUT(i + 1, 2 * i, 2 * i + 1);
	EXPECT_EQ(-E2BIG, CHECK(h));
	EXPECT_EQ(1, sim_lin_check(h, 64));
}

TEST_HARNESS_MAIN
