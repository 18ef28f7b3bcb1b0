// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

/*
 * The kernel's refusal of a SET_CONFIG, built as netlink_ack() builds it
 * with NETLINK_EXT_ACK and NETLINK_CAP_ACK, decoded by lib/genl and
 * worded by x0ttactl: what the user reads on stderr.
 */
struct refusal {
	char req_buf[512] __attribute__((aligned(4)));
	char err_buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *req;
	struct nlmsghdr *err;
};

/* `config set <key> <value>`, and the offset of its attribute. */
static uint32_t refusal_request(struct refusal *r, char *key, char *value)
{
	char *argv[] = { "detect_mult", "3", key, value };
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ctb[X0TTA_CONFIG_A_MAX + 1];
	struct ctl_config_set set;
	char msg[256];
	uint16_t attr;

	memset(r, 0, sizeof(*r));
	r->req = mnl_nlmsg_put_header(r->req_buf);
	r->req->nlmsg_seq = 9;
	mnl_nlmsg_put_extra_header(r->req, GENL_HDRLEN);
	if (ctl_config_parse(4, argv, &set, msg, sizeof(msg)) < 0)
		return 0;
	ctl_config_put(r->req, &set);
	genl_parse_msg(r->req, tb, X0TTA_A_MAX);
	genl_parse_nest(tb[X0TTA_A_CONFIG], ctb, X0TTA_CONFIG_A_MAX);
	attr = set.items[1].key->attr;
	return (const char *)ctb[attr] - (const char *)r->req;
}

static void refusal_error(struct refusal *r, int error)
{
	struct nlmsgerr *e;

	r->err = mnl_nlmsg_put_header(r->err_buf);
	r->err->nlmsg_type = NLMSG_ERROR;
	r->err->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(r->err, sizeof(*e));
	e->error = error;
	memcpy(&e->msg, r->req, sizeof(e->msg));
}

static void refusal_range(struct refusal *r, uint64_t min, uint64_t max)
{
	struct nlattr *pol = mnl_attr_nest_start(r->err, NLMSGERR_ATTR_POLICY);

	mnl_attr_put_u32(r->err, NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_U32);
	mnl_attr_put_u64(r->err, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, min);
	mnl_attr_put_u64(r->err, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, max);
	mnl_attr_nest_end(r->err, pol);
}

static const char *refusal_text(struct refusal *r, char *buf, size_t len)
{
	struct genl_err err;

	genl_parse_error(r->err, r->err->nlmsg_len, r->req, &err);
	ctl_format_error(buf, len, "config set", &err);
	return buf;
}

TEST(out_of_range_value_names_the_key_and_the_range)
{
	struct refusal r;
	char buf[256];
	uint32_t offs = refusal_request(&r, "echo_interval_ms", "5");

	ASSERT_NE(0, offs);
	refusal_error(&r, -ERANGE);
	mnl_attr_put_strz(r.err, NLMSGERR_ATTR_MSG, "integer out of range");
	mnl_attr_put_u32(r.err, NLMSGERR_ATTR_OFFS, offs);
	refusal_range(&r, 10, 10000);
	EXPECT_STREQ("echo_interval_ms: integer out of range (10..10000)",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(second_key_is_named_not_the_first)
{
	struct refusal r;
	char buf[256];
	uint32_t offs = refusal_request(&r, "holdq_timeout_ms", "70000");

	refusal_error(&r, -ERANGE);
	mnl_attr_put_strz(r.err, NLMSGERR_ATTR_MSG, "integer out of range");
	mnl_attr_put_u32(r.err, NLMSGERR_ATTR_OFFS, offs);
	refusal_range(&r, 10, 60000);
	EXPECT_STREQ("holdq_timeout_ms: integer out of range (10..60000)",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(kernel_message_without_attribute_is_shown_as_is)
{
	struct refusal r;
	char buf[256];

	refusal_request(&r, "multipath", "on");
	refusal_error(&r, -EBUSY);
	mnl_attr_put_strz(r.err, NLMSGERR_ATTR_MSG, "hold queue is draining");
	EXPECT_STREQ("config set: hold queue is draining",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(permission_error_without_message_says_what_is_needed)
{
	struct refusal r;
	char buf[256];

	refusal_request(&r, "multipath", "on");
	refusal_error(&r, -EPERM);
	r.err->nlmsg_flags &= ~NLM_F_ACK_TLVS;
	EXPECT_STREQ("config set: Operation not permitted (needs CAP_NET_ADMIN)",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(missing_attribute_is_named)
{
	struct refusal r;
	char buf[256];

	refusal_request(&r, "multipath", "on");
	refusal_error(&r, -EINVAL);
	mnl_attr_put_u32(r.err, NLMSGERR_ATTR_MISS_TYPE, X0TTA_A_CONFIG);
	EXPECT_STREQ("config set: missing attribute config",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(attribute_without_message_falls_back_to_strerror)
{
	struct refusal r;
	char buf[256];
	uint32_t offs = refusal_request(&r, "holdq_limit", "1");

	refusal_error(&r, -EINVAL);
	mnl_attr_put_u32(r.err, NLMSGERR_ATTR_OFFS, offs);
	EXPECT_STREQ("holdq_limit: Invalid argument",
		     refusal_text(&r, buf, sizeof(buf)));
}

TEST(attribute_names_follow_the_uapi_tree)
{
	uint16_t p[2] = { X0TTA_A_CONFIG, X0TTA_CONFIG_A_MULTIPATH };

	EXPECT_STREQ("config", ctl_attr_name(p, 1));
	EXPECT_STREQ("multipath", ctl_attr_name(p, 2));
	p[1] = X0TTA_CONFIG_A_MAX + 1;
	EXPECT_EQ(NULL, ctl_attr_name(p, 2));
	p[0] = X0TTA_A_MAX + 1;
	EXPECT_EQ(NULL, ctl_attr_name(p, 1));
	EXPECT_EQ(NULL, ctl_attr_name(p, 0));
}

TEST(long_messages_are_cut_not_overflowed)
{
	struct genl_err err = { .err = -EINVAL, .has_msg = true };
	char buf[16];

	memset(err.msg, 'x', sizeof(err.msg) - 1);
	ctl_format_error(buf, sizeof(buf), "config set", &err);
	EXPECT_EQ(15, strlen(buf));
	EXPECT_EQ(0, strncmp("config set: xxx", buf, 15));
}

TEST_HARNESS_MAIN
