// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

TEST(set_accepts_every_key_and_converts_values)
{
	char *argv[] = {
		"echo_interval_ms", "250", "detect_mult", "05",
		"holdq_limit", "0", "holdq_timeout_ms", "4294967295",
		"multipath", "off",
	};
	struct ctl_config_set set;
	char msg[256] = "";

	ASSERT_EQ(0, ctl_config_parse(ARGC(argv), argv, &set, msg,
				      sizeof(msg)));
	ASSERT_EQ(5, set.n);
	EXPECT_EQ(X0TTA_CONFIG_A_ECHO_INTERVAL_MS, set.items[0].key->attr);
	EXPECT_EQ(250, set.items[0].value);
	/* Leading zeros are decimal, not octal. */
	EXPECT_EQ(5, set.items[1].value);
	EXPECT_EQ(0, set.items[2].value);
	EXPECT_EQ(UINT32_MAX, set.items[3].value);
	EXPECT_EQ(X0TTA_CONFIG_A_MULTIPATH, set.items[4].key->attr);
	EXPECT_EQ(0, set.items[4].value);
	EXPECT_STREQ("", msg);
}

TEST(multipath_takes_on_off_1_0)
{
	const char *good[][2] = { { "on", "1" }, { "1", "1" },
				  { "off", "0" }, { "0", "0" } };
	struct ctl_config_set set;
	char msg[256];

	for (int i = 0; i < 4; i++) {
		char *argv[] = { "multipath", (char *)good[i][0] };

		ASSERT_EQ(0, ctl_config_parse(2, argv, &set, msg, sizeof(msg)));
		EXPECT_EQ(good[i][1][0] - '0', set.items[0].value);
	}
}

/* Each refused command line and the message the user sees for it. */
static struct {
	int argc;
	char *argv[4];
	const char *msg;
} bad_lines[] = {
	{ 0, { NULL }, "config set: nothing to set" },
	{ 1, { "detect_mult" }, "detect_mult: value missing" },
	{ 2, { "detect_mult", "" },
	  "detect_mult: '' is not an unsigned decimal integer" },
	{ 2, { "detect_mult", "3x" },
	  "detect_mult: '3x' is not an unsigned decimal integer" },
	{ 2, { "detect_mult", "-1" },
	  "detect_mult: '-1' is not an unsigned decimal integer" },
	{ 2, { "detect_mult", "+3" },
	  "detect_mult: '+3' is not an unsigned decimal integer" },
	{ 2, { "detect_mult", " 3" },
	  "detect_mult: ' 3' is not an unsigned decimal integer" },
	{ 2, { "detect_mult", "0x10" },
	  "detect_mult: '0x10' is not an unsigned decimal integer" },
	{ 2, { "holdq_limit", "4294967296" },
	  "holdq_limit: '4294967296' is too large (at most 4294967295)" },
	{ 2, { "holdq_limit", "99999999999999999999999" },
	  "holdq_limit: '99999999999999999999999' is too large (at most 4294967295)" },
	{ 2, { "multipath", "yes" },
	  "multipath: 'yes' is not on, off, 1 or 0" },
	{ 2, { "multipath", "2" }, "multipath: '2' is not on, off, 1 or 0" },
	{ 2, { "Detect_mult", "3" },
	  "unknown config key 'Detect_mult' (one of: echo_interval_ms, detect_mult, holdq_limit, holdq_timeout_ms, multipath, echo_fast_ms)" },
	{ 4, { "detect_mult", "3", "detect_mult", "4" },
	  "detect_mult: given twice" },
	{ 3, { "detect_mult", "3", "multipath" }, "multipath: value missing" },
	{ 4, { "detect_mult", "3", "multipath", "maybe" },
	  "multipath: 'maybe' is not on, off, 1 or 0" },
};

TEST(bad_command_lines_are_refused_with_a_clear_message)
{
	struct ctl_config_set set;
	char msg[256];

	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		int ret;

		msg[0] = '\0';
		ret = ctl_config_parse(bad_lines[i].argc, bad_lines[i].argv,
				       &set, msg, sizeof(msg));
		EXPECT_GT(0, ret)
			TH_LOG("line %zu was accepted", i);
		EXPECT_STREQ(bad_lines[i].msg, msg);
	}
}

TEST(ranges_are_left_to_the_kernel)
{
	/* Out of the module's range but valid u32s: the kernel decides. */
	char *argv[] = { "echo_interval_ms", "1", "detect_mult", "1000" };
	struct ctl_config_set set;
	char msg[256];

	ASSERT_EQ(0, ctl_config_parse(4, argv, &set, msg, sizeof(msg)));
	EXPECT_EQ(1, set.items[0].value);
	EXPECT_EQ(1000, set.items[1].value);
}

TEST(set_request_carries_u32_keys_and_u8_multipath_in_one_nest)
{
	char *argv[] = { "multipath", "on", "detect_mult", "7" };
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ctb[X0TTA_CONFIG_A_MAX + 1];
	char buf[512] __attribute__((aligned(4)));
	struct ctl_config_set set;
	struct nlmsghdr *nlh;
	char msg[256];

	ASSERT_EQ(0, ctl_config_parse(4, argv, &set, msg, sizeof(msg)));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	ctl_config_put(nlh, &set);

	ASSERT_EQ(0, genl_parse_msg(nlh, tb, X0TTA_A_MAX));
	ASSERT_NE(NULL, tb[X0TTA_A_CONFIG]);
	ASSERT_EQ(0, genl_parse_nest(tb[X0TTA_A_CONFIG], ctb,
				     X0TTA_CONFIG_A_MAX));
	ASSERT_NE(NULL, ctb[X0TTA_CONFIG_A_MULTIPATH]);
	EXPECT_EQ(1, mnl_attr_get_payload_len(ctb[X0TTA_CONFIG_A_MULTIPATH]));
	EXPECT_EQ(1, mnl_attr_get_u8(ctb[X0TTA_CONFIG_A_MULTIPATH]));
	ASSERT_NE(NULL, ctb[X0TTA_CONFIG_A_DETECT_MULT]);
	EXPECT_EQ(4, mnl_attr_get_payload_len(ctb[X0TTA_CONFIG_A_DETECT_MULT]));
	EXPECT_EQ(7, mnl_attr_get_u32(ctb[X0TTA_CONFIG_A_DETECT_MULT]));
	/* Keys not given are not sent: the kernel keeps their values. */
	EXPECT_EQ(NULL, ctb[X0TTA_CONFIG_A_ECHO_INTERVAL_MS]);
	EXPECT_EQ(NULL, ctb[X0TTA_CONFIG_A_HOLDQ_LIMIT]);
}

/* A GET_CONFIG reply as the module builds it, printed both ways. */
TEST(config_reply_prints_as_key_value_lines_and_json)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ctb[X0TTA_CONFIG_A_MAX + 1];
	char buf[512] __attribute__((aligned(4)));
	struct out_opts text = { 0 }, json = { .json = true };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct out_table t;
	char *out = NULL;
	size_t len;
	FILE *f;

	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_ECHO_INTERVAL_MS, 100);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_DETECT_MULT, 3);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_HOLDQ_LIMIT, 1000);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS, 1000);
	mnl_attr_put_u8(nlh, X0TTA_CONFIG_A_MULTIPATH, 1);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_ECHO_FAST_MS, 10);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, genl_parse_msg(nlh, tb, X0TTA_A_MAX));
	ASSERT_EQ(0, genl_parse_nest(tb[X0TTA_A_CONFIG], ctb,
				     X0TTA_CONFIG_A_MAX));

	out_table_init(&t, ctl_config_cols, ctl_config_ncols);
	ASSERT_EQ(0, out_table_add_row(&t));
	ASSERT_EQ(0, ctl_fill_row(&t, 0, ctb, X0TTA_CONFIG_A_MAX));
	f = open_memstream(&out, &len);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, out_record_print(&t, f, &text));
	ASSERT_EQ(0, out_record_print(&t, f, &json));
	fclose(f);
	EXPECT_STREQ("echo_interval_ms  100\n"
		     "detect_mult       3\n"
		     "holdq_limit       1000\n"
		     "holdq_timeout_ms  1000\n"
		     "multipath         on\n"
		     "echo_fast_ms      10\n"
		     "{\"echo_interval_ms\":100,\"detect_mult\":3,"
		     "\"holdq_limit\":1000,\"holdq_timeout_ms\":1000,"
		     "\"multipath\":true,\"echo_fast_ms\":10}\n", out);
	free(out);
	out_table_free(&t);
}

TEST(malformed_reply_attribute_is_refused)
{
	const struct nlattr *ctb[X0TTA_CONFIG_A_MAX + 1] = { NULL };
	char buf[64] __attribute__((aligned(4)));
	struct nlattr *a = (struct nlattr *)buf;
	struct out_table t;

	/* multipath as a u32 where a u8 belongs. */
	a->nla_type = X0TTA_CONFIG_A_MULTIPATH;
	a->nla_len = NLA_HDRLEN + 4;
	memset(buf + NLA_HDRLEN, 0, 4);
	ctb[X0TTA_CONFIG_A_MULTIPATH] = a;
	out_table_init(&t, ctl_config_cols, ctl_config_ncols);
	ASSERT_EQ(0, out_table_add_row(&t));
	EXPECT_EQ(-EBADMSG, ctl_fill_row(&t, 0, ctb, X0TTA_CONFIG_A_MAX));
	out_table_free(&t);
}

TEST_HARNESS_MAIN
