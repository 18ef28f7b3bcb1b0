// SPDX-License-Identifier: GPL-2.0
/*
 * `x0ttactl stats`: the datapath totals of the namespace (rerouted, hold
 * queue, quarantine) next to the packet type counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

FIXTURE(stats)
{
	char buf[2048] __attribute__((aligned(8)));
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

static int parse(FIXTURE_DATA(stats) *self)
{
	mnl_attr_nest_end(self->nlh, self->nest);
	return ctl_counters_parse(self->nest, self->c);
}

static void put_all(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, X0TTA_STATS_A_IFACES, 2);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_REROUTED, 17);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_HOLDQ_QUEUED, 1500);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_HOLDQ_SENT, 1000);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_HOLDQ_OVERFLOW, 400);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_HOLDQ_EXPIRED, 90);
	mnl_attr_put_u32(nlh, X0TTA_STATS_A_HOLDQ_LEN, 10);
	mnl_attr_put_u64(nlh, X0TTA_STATS_A_QUARANTINE_DROPPED, 5);
}

TEST_F(stats, text_lists_the_datapath_totals_above_the_table)
{
	static const char head[] = "interfaces          2\n"
				   "rerouted            17\n"
				   "holdq_queued        1500\n"
				   "holdq_sent          1000\n"
				   "holdq_overflow      400\n"
				   "holdq_expired       90\n"
				   "holdq_len           10\n"
				   "quarantine_dropped  5\n"
				   "\n"
				   "TYPE ";
	struct out_opts text = { 0 };

	put_all(self->nlh);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &text));
	fflush(self->f);
	EXPECT_EQ(0, strncmp(head, self->out, strlen(head)))
		TH_LOG("%s", self->out);
}

TEST_F(stats, json_adds_the_totals_after_the_counters)
{
	struct out_opts json = { .json = true };
	static const char tail[] =
		"],\"rerouted\":17,\"holdq_queued\":1500,\"holdq_sent\":1000,"
		"\"holdq_overflow\":400,\"holdq_expired\":90,\"holdq_len\":10,"
		"\"quarantine_dropped\":5}\n";

	put_all(self->nlh);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &json));
	fflush(self->f);
	EXPECT_EQ(0, strncmp("{\"interfaces\":2,\"counters\":[", self->out, 28));
	ASSERT_LE(strlen(tail), self->len);
	EXPECT_STREQ(tail, self->out + self->len - strlen(tail));
}

TEST_F(stats, totals_the_module_did_not_send_are_not_shown)
{
	struct out_opts text = { 0 }, json = { .json = true };

	mnl_attr_put_u32(self->nlh, X0TTA_STATS_A_IFACES, 1);
	mnl_attr_put_u64(self->nlh, X0TTA_STATS_A_HOLDQ_EXPIRED, 0);
	ASSERT_EQ(0, parse(self));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &text));
	ASSERT_EQ(0, ctl_counters_print(self->c, NULL, self->f, &json));
	fflush(self->f);
	EXPECT_EQ(0, strncmp("interfaces     1\nholdq_expired  0\n\nTYPE ",
			     self->out, 40))
		TH_LOG("%s", self->out);
	EXPECT_EQ(NULL, strstr(self->out, "rerouted"));
	EXPECT_NE(NULL, strstr(self->out, "}],\"holdq_expired\":0}\n"));
}

TEST_F(stats, queue_length_wider_than_u32_is_a_malformed_reply)
{
	mnl_attr_put_u64(self->nlh, X0TTA_STATS_A_HOLDQ_LEN, 10);
	EXPECT_EQ(-EBADMSG, parse(self));
}

TEST_F(stats, counter_narrower_than_u64_is_a_malformed_reply)
{
	mnl_attr_put_u32(self->nlh, X0TTA_STATS_A_REROUTED, 10);
	EXPECT_EQ(-EBADMSG, parse(self));
}

TEST_HARNESS_MAIN
