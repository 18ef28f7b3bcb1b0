// SPDX-License-Identifier: GPL-2.0
/*
 * The syntax x0ttactl accepts for MAC addresses and numbers, and how it
 * names interfaces: shared by path, quarantine and monitor.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

TEST(mac_takes_six_hex_pairs_in_either_case)
{
	static const uint8_t want[] = { 0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f };
	uint8_t mac[CTL_MAC_LEN];
	char buf[CTL_MAC_STRLEN];

	ASSERT_EQ(0, ctl_mac_parse("02:AB:cd:Ef:00:9f", mac));
	EXPECT_EQ(0, memcmp(want, mac, sizeof(want)));
	/* Printed back in lower case, as ip and batctl print them. */
	ctl_mac_format(mac, buf);
	EXPECT_STREQ("02:ab:cd:ef:00:9f", buf);
}

TEST(mac_other_spellings_are_refused_and_nothing_is_written)
{
	static const char *const bad[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:01:", "2:0:0:0:0:1",
		"02-00-00-00-00-01", "0200.0000.0001", "020000000001",
		"02:00:00:00:00:0g", "02:00:00:00:00:0 ", " 2:00:00:00:00:01",
		"02:00:00:00:00:001", "02:00:00:00:00;01", "+2:00:00:00:00:01",
	};
	uint8_t mac[CTL_MAC_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 0x55, sizeof(mac));
		EXPECT_EQ(-EINVAL, ctl_mac_parse(bad[i], mac))
			TH_LOG("'%s' was accepted", bad[i]);
		EXPECT_EQ(0x55, mac[0]);
		EXPECT_EQ(0x55, mac[5]);
	}
}

TEST(numbers_are_plain_decimal_within_their_bound)
{
	uint64_t v = 7;

	EXPECT_EQ(0, ctl_parse_uint("255", 255, &v));
	EXPECT_EQ(255, v);
	EXPECT_EQ(0, ctl_parse_uint("007", 255, &v));
	EXPECT_EQ(7, v);
	EXPECT_EQ(0, ctl_parse_uint("18446744073709551615", UINT64_MAX, &v));
	EXPECT_EQ(UINT64_MAX, v);
	v = 7;
	EXPECT_EQ(-ERANGE, ctl_parse_uint("256", 255, &v));
	EXPECT_EQ(-ERANGE, ctl_parse_uint("18446744073709551616", UINT64_MAX,
					  &v));
	EXPECT_EQ(-ERANGE, ctl_parse_uint("5", 3, &v));
	EXPECT_EQ(-EINVAL, ctl_parse_uint("", 255, &v));
	EXPECT_EQ(-EINVAL, ctl_parse_uint("-1", 255, &v));
	EXPECT_EQ(-EINVAL, ctl_parse_uint("+1", 255, &v));
	EXPECT_EQ(-EINVAL, ctl_parse_uint(" 1", 255, &v));
	EXPECT_EQ(-EINVAL, ctl_parse_uint("0x1", 255, &v));
	/* Junk makes it not a number even past the bound. */
	EXPECT_EQ(-EINVAL, ctl_parse_uint("99999x", 255, &v));
	EXPECT_EQ(7, v);
}

TEST(interface_index_is_named_or_shown_as_ifN)
{
	char buf[CTL_IFNAME_LEN];

	ctl_ifname(if_nametoindex("lo"), buf);
	EXPECT_STREQ("lo", buf);
	ctl_ifname(0x7ffffff0u, buf);
	EXPECT_STREQ("if2147483632", buf);
	ctl_ifname(UINT32_MAX, buf);
	EXPECT_STREQ("if4294967295", buf);
	ctl_ifname(0, buf);
	EXPECT_STREQ("if0", buf);
}

TEST_HARNESS_MAIN
