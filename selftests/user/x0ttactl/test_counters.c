// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

/* A GET_STATS reply as the module sends it: non-zero counters only. */
FIXTURE(stats)
{
	char buf[4096] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct ctl_counters *c;
	char *out;
	size_t len;
	FILE *f;
};

static FIXTURE_SETUP(stats)
{
	self->nlh = mnl_nlmsg_put_header(self->buf);
	mnl_nlmsg_put_extra_header(self->nlh, GENL_HDRLEN);
	self->nest = mnl_attr_nest_start(self->nlh, X0TTA_A_STATS);
	self->c = calloc(1, sizeof(*self->c));
	ASSERT_NE(NULL, self->c);
	self->f = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->f);
}

static FIXTURE_TEARDOWN(stats)
{
	fclose(self->f);
	free(self->out);
	free(self->c);
}

static void put_counter(struct nlmsghdr *nlh, uint8_t dir, uint8_t ptype,
			uint64_t frames, uint64_t bytes)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, X0TTA_STATS_A_COUNTER);

	mnl_attr_put_u8(nlh, X0TTA_COUNTER_A_DIR, dir);
	mnl_attr_put_u8(nlh, X0TTA_COUNTER_A_PTYPE, ptype);
	if (frames)
		mnl_attr_put_u64(nlh, X0TTA_COUNTER_A_FRAMES, frames);
	if (bytes)
		mnl_attr_put_u64(nlh, X0TTA_COUNTER_A_BYTES, bytes);
	mnl_attr_nest_end(nlh, n);
}

static int parse(FIXTURE_DATA(stats) *self)
{
	mnl_attr_nest_end(self->nlh, self->nest);
	return ctl_counters_parse(self->nest, self->c);
}

TEST_F(stats, every_known_type_is_listed_with_missing_counters_as_zero)
{
	struct out_opts text = { 0 };

	mnl_attr_put_u32(self->nlh, X0TTA_STATS_A_IFACES, 2);
	put_counter(self->nlh, X0TTA_DIR_RX, 0x00, 10, 1000);
	put_counter(self->nlh, X0TTA_DIR_TX, 0x00, 12, 1200);
	put_counter(self->nlh, X0TTA_DIR_TX, 0x40, 5, 5000);
	put_counter(self->nlh, X0TTA_DIR_RX, X0TTA_PTYPE_OTHER, 1, 60);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &text));
	fflush(self->f);
	EXPECT_STREQ("interfaces  2\n"
		     "\n"
		     "TYPE           RX_FRAMES  RX_BYTES  TX_FRAMES  TX_BYTES\n"
		     "iv_ogm                10      1000         12      1200\n"
		     "bcast                  0         0          0         0\n"
		     "coded                  0         0          0         0\n"
		     "elp                    0         0          0         0\n"
		     "ogm2                   0         0          0         0\n"
		     "unicast                0         0          5      5000\n"
		     "unicast_frag           0         0          0         0\n"
		     "unicast_4addr          0         0          0         0\n"
		     "icmp                   0         0          0         0\n"
		     "unicast_tvlv           0         0          0         0\n"
		     "other                  1        60          0         0\n",
		     self->out);
}

TEST_F(stats, json_has_the_same_rows_and_the_interface_count)
{
	struct out_opts json = { .json = true };

	mnl_attr_put_u32(self->nlh, X0TTA_STATS_A_IFACES, 1);
	put_counter(self->nlh, X0TTA_DIR_RX, 0x03, 4, 400);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &json));
	fflush(self->f);
	EXPECT_EQ(0, strncmp("{\"interfaces\":1,\"counters\":["
			     "{\"type\":\"iv_ogm\",\"rx_frames\":0,"
			     "\"rx_bytes\":0,\"tx_frames\":0,\"tx_bytes\":0},",
			     self->out, 99))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out,
			       "{\"type\":\"elp\",\"rx_frames\":4,"
			       "\"rx_bytes\":400,\"tx_frames\":0,"
			       "\"tx_bytes\":0}"));
	ASSERT_LE(4, self->len);
	EXPECT_STREQ("}]}\n", self->out + self->len - 4);
}

TEST_F(stats, unknown_packet_type_gets_its_own_row)
{
	struct out_table t;

	put_counter(self->nlh, X0TTA_DIR_RX, 0x07, 3, 300);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_table(self->c, &t));
	/* 11 known types and 0x07, in packet type order. */
	ASSERT_EQ(12, t.nrows);
	EXPECT_STREQ("0x07", t.cells[5 * t.ncols].str);
	EXPECT_EQ(3, t.cells[5 * t.ncols + 1].u64);
	out_table_free(&t);
}

TEST_F(stats, interface_counters_print_under_its_name)
{
	struct out_opts text = { 0 }, json = { .json = true };

	put_counter(self->nlh, X0TTA_DIR_TX, 0x01, 2, 200);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, "veth\"1", self->f, &text));
	ASSERT_EQ(0, ctl_counters_print(self->c, "veth\"1", self->f, &json));
	fflush(self->f);
	EXPECT_EQ(0, strncmp("ifname  veth\"1\n\nTYPE ", self->out, 21));
	EXPECT_NE(NULL, strstr(self->out, "{\"ifname\":\"veth\\\"1\","
					  "\"counters\":[{"));
}

TEST_F(stats, totals_add_every_type_per_direction)
{
	uint64_t frames[2], bytes[2];

	put_counter(self->nlh, X0TTA_DIR_RX, 0x00, 1, 10);
	put_counter(self->nlh, X0TTA_DIR_RX, 0x40, 2, 20);
	put_counter(self->nlh, X0TTA_DIR_TX, 0xff, 4, 0);
	ASSERT_EQ(0, parse(self));
	ctl_counters_sum(self->c, frames, bytes);
	EXPECT_EQ(3, frames[X0TTA_DIR_RX]);
	EXPECT_EQ(30, bytes[X0TTA_DIR_RX]);
	EXPECT_EQ(4, frames[X0TTA_DIR_TX]);
	EXPECT_EQ(0, bytes[X0TTA_DIR_TX]);
}

TEST_F(stats, bad_direction_is_a_malformed_reply)
{
	put_counter(self->nlh, 2, 0x00, 1, 10);
	EXPECT_EQ(-EBADMSG, parse(self));
}

TEST_F(stats, counter_without_type_is_a_malformed_reply)
{
	struct nlattr *n = mnl_attr_nest_start(self->nlh,
					       X0TTA_STATS_A_COUNTER);

	mnl_attr_put_u8(self->nlh, X0TTA_COUNTER_A_DIR, X0TTA_DIR_RX);
	mnl_attr_put_u64(self->nlh, X0TTA_COUNTER_A_FRAMES, 1);
	mnl_attr_nest_end(self->nlh, n);
	EXPECT_EQ(-EBADMSG, parse(self));
}

TEST_F(stats, counter_of_the_wrong_width_is_a_malformed_reply)
{
	struct nlattr *n = mnl_attr_nest_start(self->nlh,
					       X0TTA_STATS_A_COUNTER);

	mnl_attr_put_u8(self->nlh, X0TTA_COUNTER_A_DIR, X0TTA_DIR_RX);
	mnl_attr_put_u8(self->nlh, X0TTA_COUNTER_A_PTYPE, 0);
	mnl_attr_put_u32(self->nlh, X0TTA_COUNTER_A_FRAMES, 1);
	mnl_attr_nest_end(self->nlh, n);
	EXPECT_EQ(-EBADMSG, parse(self));
}

TEST(packet_type_names_follow_batman_adv)
{
	char buf[8];

	EXPECT_STREQ("iv_ogm", ctl_ptype_name(0x00, buf, sizeof(buf)));
	/* 0x05 (multicast) came after batman-adv 2022.3. */
	EXPECT_STREQ("0x05", ctl_ptype_name(0x05, buf, sizeof(buf)));
	EXPECT_STREQ("unicast_4addr", ctl_ptype_name(0x42, buf, sizeof(buf)));
	EXPECT_STREQ("unicast_tvlv", ctl_ptype_name(0x44, buf, sizeof(buf)));
	EXPECT_STREQ("other", ctl_ptype_name(0xff, buf, sizeof(buf)));
	EXPECT_STREQ("0x06", ctl_ptype_name(0x06, buf, sizeof(buf)));
}

TEST_HARNESS_MAIN
