// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "kselftest_harness.h"
#include "lib/crc32c.h"
#include "lib/prng.h"

/* Check values from RFC 3720, appendix B.4 (iSCSI uses CRC32C). */
TEST(crc32c_matches_rfc3720_vectors)
{
	unsigned char buf[32];

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(0x8a9136aau, crc32c(0, buf, sizeof(buf)));
	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ(0x62a8ab43u, crc32c(0, buf, sizeof(buf)));
	for (int i = 0; i < 32; i++)
		buf[i] = i;
	EXPECT_EQ(0x46dd794eu, crc32c(0, buf, sizeof(buf)));
	EXPECT_EQ(0xe3069283u, crc32c(0, "123456789", 9));
}

/* Records are checksummed piecewise (header, then payload). */
TEST(crc32c_piecewise_equals_whole)
{
	unsigned char buf[257];
	struct prng r;

	prng_seed(&r, 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = prng_next(&r);
	for (size_t cut = 0; cut <= sizeof(buf); cut++) {
		uint32_t part = crc32c(crc32c(0, buf, cut), buf + cut,
				       sizeof(buf) - cut);

		ASSERT_EQ(crc32c(0, buf, sizeof(buf)), part);
	}
}

TEST(prng_same_seed_same_sequence)
{
	struct prng a, b;

	prng_seed(&a, 42);
	prng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(prng_next(&a), prng_next(&b));
	for (int i = 0; i < 1000; i++)
		ASSERT_LT(prng_below(&a, 7), 7u);
}

TEST_HARNESS_MAIN
