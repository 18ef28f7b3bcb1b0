// SPDX-License-Identifier: GPL-2.0
/* x0ttactl quarantine: command lines, requests and dumps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

TEST(add_and_del_carry_the_address_alone)
{
	char *add[] = { "add", "02:00:00:00:00:0E" };
	char *del[] = { "del", "02:00:00:00:00:0e" };
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *qtb[X0TTA_QUARANTINE_A_MAX + 1];
	char buf[256] __attribute__((aligned(4)));
	uint8_t addr[CTL_MAC_LEN];
	struct nlmsghdr *nlh;
	char msg[256];
	uint8_t cmd;

	ASSERT_EQ(0, ctl_quarantine_parse(2, add, &cmd, addr, msg,
					  sizeof(msg)));
	EXPECT_EQ(X0TTA_CMD_ADD_QUARANTINE, cmd);
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	ctl_quarantine_put(nlh, addr);
	ASSERT_EQ(0, genl_parse_msg(nlh, tb, X0TTA_A_MAX));
	ASSERT_NE(NULL, tb[X0TTA_A_QUARANTINE]);
	ASSERT_EQ(0, genl_parse_nest(tb[X0TTA_A_QUARANTINE], qtb,
				     X0TTA_QUARANTINE_A_MAX));
	ASSERT_NE(NULL, qtb[X0TTA_QUARANTINE_A_ADDR]);
	ASSERT_EQ(6, mnl_attr_get_payload_len(qtb[X0TTA_QUARANTINE_A_ADDR]));
	EXPECT_EQ(0, memcmp("\x02\0\0\0\0\x0e",
			    mnl_attr_get_payload(qtb[X0TTA_QUARANTINE_A_ADDR]),
			    6));
	EXPECT_EQ(NULL, qtb[X0TTA_QUARANTINE_A_DROPPED]);

	ASSERT_EQ(0, ctl_quarantine_parse(2, del, &cmd, addr, msg,
					  sizeof(msg)));
	EXPECT_EQ(X0TTA_CMD_DEL_QUARANTINE, cmd);
	EXPECT_EQ(0x0e, addr[5]);
}

TEST(show_is_the_default)
{
	char *show[] = { "show" };
	uint8_t addr[CTL_MAC_LEN];
	char msg[256];
	uint8_t cmd = 0;

	ASSERT_EQ(0, ctl_quarantine_parse(0, NULL, &cmd, addr, msg,
					  sizeof(msg)));
	EXPECT_EQ(X0TTA_CMD_GET_QUARANTINE, cmd);
	cmd = 0;
	ASSERT_EQ(0, ctl_quarantine_parse(1, show, &cmd, addr, msg,
					  sizeof(msg)));
	EXPECT_EQ(X0TTA_CMD_GET_QUARANTINE, cmd);
}

static struct {
	int argc;
	char *argv[3];
	const char *msg;
} bad_lines[] = {
	{ 1, { "add" }, "quarantine add: MAC missing" },
	{ 1, { "del" }, "quarantine del: MAC missing" },
	{ 2, { "add", "02:00:00:00:00" },
	  "quarantine add: '02:00:00:00:00' is not a MAC address (six hex pairs separated by ':')" },
	{ 3, { "add", "02:00:00:00:00:01", "now" },
	  "quarantine add: unexpected argument 'now'" },
	{ 2, { "show", "all" }, "quarantine show: unexpected argument 'all'" },
	{ 1, { "list" }, "quarantine: unknown subcommand 'list'" },
	/* Multicast and zero addresses are for the module to refuse. */
};

TEST(bad_command_lines_are_refused_with_a_clear_message)
{
	uint8_t addr[CTL_MAC_LEN];
	char msg[256];
	uint8_t cmd;

	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		msg[0] = '\0';
		EXPECT_GT(0, ctl_quarantine_parse(bad_lines[i].argc,
						  bad_lines[i].argv, &cmd,
						  addr, msg, sizeof(msg)))
			TH_LOG("line %zu was accepted", i);
		EXPECT_STREQ(bad_lines[i].msg, msg);
	}
}

TEST(zero_and_multicast_addresses_are_sent_for_the_kernel_to_judge)
{
	char *zero[] = { "add", "00:00:00:00:00:00" };
	char *mcast[] = { "add", "01:00:5e:00:00:01" };
	uint8_t addr[CTL_MAC_LEN];
	char msg[256];
	uint8_t cmd;

	EXPECT_EQ(0, ctl_quarantine_parse(2, zero, &cmd, addr, msg,
					  sizeof(msg)));
	EXPECT_EQ(0, ctl_quarantine_parse(2, mcast, &cmd, addr, msg,
					  sizeof(msg)));
}

static struct nlmsghdr *entry_msg(char *buf, const char *mac, size_t maclen,
				  uint64_t dropped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *n;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	n = mnl_attr_nest_start(nlh, X0TTA_A_QUARANTINE);
	mnl_attr_put(nlh, X0TTA_QUARANTINE_A_ADDR, maclen, mac);
	mnl_attr_put_u64(nlh, X0TTA_QUARANTINE_A_DROPPED, dropped);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

TEST(dump_prints_address_and_dropped_frames)
{
	struct out_opts text = { 0 }, json = { .json = true };
	char buf[256] __attribute__((aligned(8)));
	struct out_table t;
	char *out = NULL;
	size_t len;
	FILE *f;

	out_table_init(&t, ctl_quarantine_cols, ctl_quarantine_ncols);
	ASSERT_EQ(0, ctl_quarantine_add(entry_msg(buf, "\x02\0\0\0\0\x0e", 6,
						  12345678901ULL), &t));
	ASSERT_EQ(0, ctl_quarantine_add(entry_msg(buf, "\xaa\xbb\xcc\0\0\x01",
						  6, 0), &t));
	f = open_memstream(&out, &len);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, out_table_print(&t, f, &text));
	ASSERT_EQ(0, out_table_print(&t, f, &json));
	fclose(f);
	EXPECT_STREQ("ADDR                   DROPPED\n"
		     "02:00:00:00:00:0e  12345678901\n"
		     "aa:bb:cc:00:00:01            0\n"
		     "[{\"addr\":\"02:00:00:00:00:0e\",\"dropped\":12345678901},"
		     "{\"addr\":\"aa:bb:cc:00:00:01\",\"dropped\":0}]\n", out);
	free(out);
	out_table_free(&t);
}

TEST(address_of_the_wrong_length_is_a_malformed_reply)
{
	char buf[256] __attribute__((aligned(8)));
	struct out_table t;

	out_table_init(&t, ctl_quarantine_cols, ctl_quarantine_ncols);
	EXPECT_EQ(-EBADMSG, ctl_quarantine_add(entry_msg(buf, "\x02\0\0\0\0",
							 5, 1), &t));
	EXPECT_EQ(0, t.nrows);
	out_table_free(&t);
}

TEST_HARNESS_MAIN
