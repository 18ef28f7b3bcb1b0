// SPDX-License-Identifier: GPL-2.0
/* x0ttactl neighbours: GET_NEIGH dump messages to text and JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

FIXTURE(neigh)
{
	char buf[1024] __attribute__((aligned(8)));
	struct out_table t;
	char *out;
	size_t len;
	FILE *f;
};

static FIXTURE_SETUP(neigh)
{
	out_table_init(&self->t, ctl_neigh_cols, ctl_neigh_ncols);
	self->f = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->f);
}

static FIXTURE_TEARDOWN(neigh)
{
	fclose(self->f);
	free(self->out);
	out_table_free(&self->t);
}

/* One dump message, every attribute as the module sends it. */
static struct nlmsghdr *neigh_msg(char *buf, uint32_t ifindex, uint8_t last,
				  uint8_t state, uint32_t rtt, uint64_t sent,
				  uint64_t received, uint32_t changes)
{
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, last };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *n;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_IFINDEX, ifindex);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 6, mac);
	mnl_attr_put_u8(nlh, X0TTA_NEIGH_A_STATE, state);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_RTT_LAST_US, rtt);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_RTT_SMOOTH_US, rtt + 10);
	mnl_attr_put_u64(nlh, X0TTA_NEIGH_A_ECHO_SENT, sent);
	mnl_attr_put_u64(nlh, X0TTA_NEIGH_A_ECHO_RECEIVED, received);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_CHANGES, changes);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

TEST_F(neigh, text_shows_state_rtt_and_echo_counts_per_neighbour)
{
	struct out_opts text = { 0 };

	ASSERT_EQ(0, ctl_neigh_add(neigh_msg(self->buf, 1, 0x0b,
					     X0TTA_NEIGH_UP, 250, 1000, 998, 1),
				   &self->t));
	ASSERT_EQ(0, ctl_neigh_add(neigh_msg(self->buf, 0x7ffffff0u, 0x0c,
					     X0TTA_NEIGH_DOWN, 4000, 50, 20, 3),
				   &self->t));
	ASSERT_EQ(0, out_table_print(&self->t, self->f, &text));
	EXPECT_STREQ("IFNAME        ADDR               STATE  RTT_LAST_US  RTT_SMOOTH_US  ECHO_SENT  ECHO_RECEIVED  CHANGES\n"
		     "lo            02:00:00:00:00:0b  up             250            260       1000            998        1\n"
		     "if2147483632  02:00:00:00:00:0c  down          4000           4010         50             20        3\n",
		     self->out);
}

TEST_F(neigh, json_keys_are_the_column_names)
{
	struct out_opts json = { .json = true };

	ASSERT_EQ(0, ctl_neigh_add(neigh_msg(self->buf, 1, 0xff,
					     X0TTA_NEIGH_UNKNOWN, 0, 3, 0, 0),
				   &self->t));
	ASSERT_EQ(0, out_table_print(&self->t, self->f, &json));
	EXPECT_STREQ("[{\"ifname\":\"lo\",\"addr\":\"02:00:00:00:00:ff\","
		     "\"state\":\"unknown\",\"rtt_last_us\":0,"
		     "\"rtt_smooth_us\":10,\"echo_sent\":3,"
		     "\"echo_received\":0,\"changes\":0}]\n", self->out);
}

TEST_F(neigh, attributes_a_module_omits_print_as_dashes)
{
	struct out_opts text = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(self->buf);
	struct nlattr *n;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_IFINDEX, 1);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 6, "\x02\0\0\0\0\x01");
	mnl_attr_nest_end(nlh, n);
	ASSERT_EQ(0, ctl_neigh_add(nlh, &self->t));
	ASSERT_EQ(0, out_table_print(&self->t, self->f, &text));
	EXPECT_NE(NULL, strstr(self->out,
			       "lo      02:00:00:00:00:01  -                -              -          -              -        -\n"))
		TH_LOG("%s", self->out);
}

TEST_F(neigh, address_of_the_wrong_length_is_a_malformed_reply)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(self->buf);
	struct nlattr *n;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_IFINDEX, 1);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 8, "\x02\0\0\0\0\x01\0\0");
	mnl_attr_nest_end(nlh, n);
	EXPECT_EQ(-EBADMSG, ctl_neigh_add(nlh, &self->t));
	EXPECT_EQ(0, self->t.nrows);
}

TEST_F(neigh, message_without_interface_is_a_malformed_reply)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(self->buf);
	struct nlattr *n;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 6, "\x02\0\0\0\0\x01");
	mnl_attr_nest_end(nlh, n);
	EXPECT_EQ(-EBADMSG, ctl_neigh_add(nlh, &self->t));
	EXPECT_EQ(0, self->t.nrows);
}

TEST_HARNESS_MAIN
