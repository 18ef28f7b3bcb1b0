// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration over generic netlink, talking to x0tta.ko directly (not
 * through x0ttactl) so that requests x0ttactl would never build can be
 * sent: out of range, wrong type, unknown attributes, empty nests. Every
 * bad request must be refused with an extack message and change nothing.
 * Runs in the test VM with x0tta.ko loaded (netlink_config.sh).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "lib/genl.h"

struct cfg {
	uint32_t v[X0TTA_CONFIG_A_MAX + 1];
};

FIXTURE(nl) {
	struct genl_sock gs;
	struct genl_family fam;
	struct genl_err err;
	struct cfg before;
};

static int nl_cfg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1], *ctb[X0TTA_CONFIG_A_MAX + 1];
	struct cfg *cfg = data;
	int i;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) || !tb[X0TTA_A_CONFIG])
		return -EBADMSG;
	if (genl_parse_nest(tb[X0TTA_A_CONFIG], ctb, X0TTA_CONFIG_A_MAX))
		return -EBADMSG;
	for (i = 1; i <= X0TTA_CONFIG_A_MAX; i++) {
		if (!ctb[i])
			return -EBADMSG;
		cfg->v[i] = i == X0TTA_CONFIG_A_MULTIPATH ?
			mnl_attr_get_u8(ctb[i]) : mnl_attr_get_u32(ctb[i]);
	}
	return 0;
}

static int nl_get_config(struct genl_sock *gs, uint16_t family, struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	genl_msg_start(gs, family, X0TTA_CMD_GET_CONFIG, X0TTA_GENL_VERSION, 0);
	return genl_request(gs, nl_cfg_cb, cfg, NULL);
}

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, genl_open(&self->gs));
	ASSERT_EQ(0, genl_family_resolve(&self->gs, X0TTA_GENL_NAME,
					 &self->fam, NULL)) {
		TH_LOG("x0tta.ko is not loaded");
	}
	ASSERT_EQ(0, nl_get_config(&self->gs, self->fam.id, &self->before));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(nl)
{
	genl_close(&self->gs);
}

static struct nlmsghdr *nl_set_start(struct genl_sock *gs, uint16_t family)
{
	return genl_msg_start(gs, family, X0TTA_CMD_SET_CONFIG,
			      X0TTA_GENL_VERSION, 0);
}

/* Send SET_CONFIG with one attribute of @len bytes in the config nest. */
static int nl_set_raw(struct genl_sock *gs, uint16_t family, uint16_t type,
		      const void *val, size_t len, struct genl_err *err)
{
	struct nlmsghdr *nlh = nl_set_start(gs, family);
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);

	mnl_attr_put(nlh, type, len, val);
	mnl_attr_nest_end(nlh, nest);
	return genl_request(gs, NULL, NULL, err);
}

static int nl_set_u32(struct genl_sock *gs, uint16_t family, uint16_t type,
		      uint32_t v, struct genl_err *err)
{
	return nl_set_raw(gs, family, type, &v, sizeof(v), err);
}

static void nl_assert_unchanged(struct __test_metadata *_metadata,
				FIXTURE_DATA(nl) *self)
{
	struct cfg now;

	ASSERT_EQ(0, nl_get_config(&self->gs, self->fam.id, &now));
	ASSERT_EQ(0, memcmp(&now, &self->before, sizeof(now)));
}

static const struct {
	uint16_t type;
	uint32_t min, max;
} nl_ranges[] = {
	{ X0TTA_CONFIG_A_ECHO_INTERVAL_MS, X0TTA_ECHO_INTERVAL_MS_MIN,
	  X0TTA_ECHO_INTERVAL_MS_MAX },
	{ X0TTA_CONFIG_A_DETECT_MULT, X0TTA_DETECT_MULT_MIN,
	  X0TTA_DETECT_MULT_MAX },
	{ X0TTA_CONFIG_A_HOLDQ_LIMIT, X0TTA_HOLDQ_LIMIT_MIN,
	  X0TTA_HOLDQ_LIMIT_MAX },
	{ X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS, X0TTA_HOLDQ_TIMEOUT_MS_MIN,
	  X0TTA_HOLDQ_TIMEOUT_MS_MAX },
};

TEST_F(nl, defaults_after_load)
{
	EXPECT_EQ(X0TTA_ECHO_INTERVAL_MS_DEFAULT,
		  self->before.v[X0TTA_CONFIG_A_ECHO_INTERVAL_MS]);
	EXPECT_EQ(X0TTA_DETECT_MULT_DEFAULT,
		  self->before.v[X0TTA_CONFIG_A_DETECT_MULT]);
	EXPECT_EQ(X0TTA_HOLDQ_LIMIT_DEFAULT,
		  self->before.v[X0TTA_CONFIG_A_HOLDQ_LIMIT]);
	EXPECT_EQ(X0TTA_HOLDQ_TIMEOUT_MS_DEFAULT,
		  self->before.v[X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS]);
	EXPECT_EQ(X0TTA_MULTIPATH_DEFAULT,
		  self->before.v[X0TTA_CONFIG_A_MULTIPATH]);
}

/* Each bound is accepted; one past it is refused, naming the attribute. */
TEST_F(nl, out_of_range_refused_with_range_and_nothing_changes)
{
	for (size_t i = 0; i < ARRAY_SIZE(nl_ranges); i++) {
		uint16_t type = nl_ranges[i].type;
		uint32_t bad[2] = { nl_ranges[i].min - 1, nl_ranges[i].max + 1 };

		for (int b = 0; b < 2; b++) {
			if (b == 0 && nl_ranges[i].min == 0)
				continue;	/* u32 cannot go below 0 */
			memset(&self->err, 0, sizeof(self->err));
			ASSERT_EQ(-ERANGE, nl_set_u32(&self->gs, self->fam.id,
						      type, bad[b], &self->err));
			ASSERT_TRUE(self->err.has_msg);
			TH_LOG("type %u value %u: %s", type, bad[b], self->err.msg);
			ASSERT_TRUE(self->err.has_attr);
			ASSERT_EQ(2u, self->err.attr_depth);
			ASSERT_EQ(X0TTA_A_CONFIG, self->err.attr_path[0]);
			ASSERT_EQ(type, self->err.attr_path[1]);
			ASSERT_TRUE(self->err.has_range);
			ASSERT_EQ(nl_ranges[i].min, self->err.min);
			ASSERT_EQ(nl_ranges[i].max, self->err.max);
			nl_assert_unchanged(_metadata, self);
		}
	}
	{
		uint8_t two = 2;

		ASSERT_EQ(-ERANGE, nl_set_raw(&self->gs, self->fam.id,
					      X0TTA_CONFIG_A_MULTIPATH, &two, 1,
					      &self->err));
		ASSERT_TRUE(self->err.has_msg);
		nl_assert_unchanged(_metadata, self);
	}
}

TEST_F(nl, wrong_type_refused)
{
	uint8_t one = 50;
	uint64_t wide = 50;
	uint32_t four = 1;

	/* Short, long and wrong-width values: refused, whatever the errno. */
	ASSERT_GT(0, nl_set_raw(&self->gs, self->fam.id,
				X0TTA_CONFIG_A_DETECT_MULT, &one, 1, &self->err));
	ASSERT_TRUE(self->err.has_msg);
	ASSERT_GT(0, nl_set_raw(&self->gs, self->fam.id,
				X0TTA_CONFIG_A_ECHO_INTERVAL_MS, &wide,
				sizeof(wide), &self->err));
	ASSERT_GT(0, nl_set_raw(&self->gs, self->fam.id,
				X0TTA_CONFIG_A_MULTIPATH, &four, sizeof(four),
				&self->err));
	nl_assert_unchanged(_metadata, self);
}

TEST_F(nl, unknown_attributes_refused)
{
	uint32_t v = 1;
	struct nlmsghdr *nlh;

	/* Inside the config nest, past the last known type. */
	EXPECT_NE(0, nl_set_u32(&self->gs, self->fam.id, X0TTA_CONFIG_A_MAX + 1,
				v, &self->err));
	EXPECT_TRUE(self->err.has_msg);
	/* At the top level, a known type that SET_CONFIG does not take. */
	nlh = nl_set_start(&self->gs, self->fam.id);
	mnl_attr_put_u32(nlh, X0TTA_A_GENL_VERSION, 1);
	EXPECT_NE(0, genl_request(&self->gs, NULL, NULL, &self->err));
	nl_assert_unchanged(_metadata, self);
}

TEST_F(nl, missing_or_empty_config_refused)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nl_set_start(&self->gs, self->fam.id);
	ASSERT_EQ(-EINVAL, genl_request(&self->gs, NULL, NULL, &self->err));
	EXPECT_TRUE(self->err.has_msg || self->err.has_miss_type);

	memset(&self->err, 0, sizeof(self->err));
	nlh = nl_set_start(&self->gs, self->fam.id);
	nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, genl_request(&self->gs, NULL, NULL, &self->err));
	ASSERT_TRUE(self->err.has_msg);
	TH_LOG("empty nest: %s", self->err.msg);
	nl_assert_unchanged(_metadata, self);
}

/* One request with a good and a bad value applies neither. */
TEST_F(nl, partly_bad_request_applies_nothing)
{
	struct nlmsghdr *nlh = nl_set_start(&self->gs, self->fam.id);
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);

	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_DETECT_MULT, 7);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS, 5);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ERANGE, genl_request(&self->gs, NULL, NULL, &self->err));
	nl_assert_unchanged(_metadata, self);
}

TEST_F(nl, good_values_applied_together)
{
	struct nlmsghdr *nlh = nl_set_start(&self->gs, self->fam.id);
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);
	struct cfg now;

	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_ECHO_INTERVAL_MS, 20);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_HOLDQ_LIMIT, 0);
	mnl_attr_put_u8(nlh, X0TTA_CONFIG_A_MULTIPATH, 0);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, genl_request(&self->gs, NULL, NULL, &self->err));
	ASSERT_EQ(0, nl_get_config(&self->gs, self->fam.id, &now));
	EXPECT_EQ(20u, now.v[X0TTA_CONFIG_A_ECHO_INTERVAL_MS]);
	EXPECT_EQ(0u, now.v[X0TTA_CONFIG_A_HOLDQ_LIMIT]);
	EXPECT_EQ(0u, now.v[X0TTA_CONFIG_A_MULTIPATH]);
	EXPECT_EQ(self->before.v[X0TTA_CONFIG_A_DETECT_MULT],
		  now.v[X0TTA_CONFIG_A_DETECT_MULT]);

	/* Put the defaults back for the tests that follow. */
	nlh = nl_set_start(&self->gs, self->fam.id);
	nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_ECHO_INTERVAL_MS,
			 self->before.v[X0TTA_CONFIG_A_ECHO_INTERVAL_MS]);
	mnl_attr_put_u32(nlh, X0TTA_CONFIG_A_HOLDQ_LIMIT,
			 self->before.v[X0TTA_CONFIG_A_HOLDQ_LIMIT]);
	mnl_attr_put_u8(nlh, X0TTA_CONFIG_A_MULTIPATH,
			self->before.v[X0TTA_CONFIG_A_MULTIPATH]);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, genl_request(&self->gs, NULL, NULL, &self->err));
}

/* Drop CAP_NET_ADMIN from every set of this (forked) process. */
static int nl_drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	data[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
	data[CAP_NET_ADMIN / 32].inheritable &= ~(1u << (CAP_NET_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

TEST_F(nl, set_without_cap_net_admin_refused_get_allowed)
{
	struct genl_sock gs;
	struct cfg now;

	ASSERT_EQ(0, nl_drop_net_admin());
	/* A fresh socket: netlink checks the capability of the sender. */
	ASSERT_EQ(0, genl_open(&gs));
	ASSERT_EQ(-EPERM, nl_set_u32(&gs, self->fam.id,
				     X0TTA_CONFIG_A_DETECT_MULT, 5, &self->err));
	ASSERT_EQ(0, nl_get_config(&gs, self->fam.id, &now));
	genl_close(&gs);
	nl_assert_unchanged(_metadata, self);
}

/* Each namespace (each mesh node of the test bed) has its own config. */
TEST_F(nl, config_is_per_network_namespace)
{
	struct genl_sock gs;
	struct genl_family fam;
	struct cfg now;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, genl_open(&gs));
	ASSERT_EQ(0, genl_family_resolve(&gs, X0TTA_GENL_NAME, &fam, NULL));
	ASSERT_EQ(0, nl_set_u32(&gs, fam.id, X0TTA_CONFIG_A_DETECT_MULT, 9,
				&self->err));
	ASSERT_EQ(0, nl_get_config(&gs, fam.id, &now));
	ASSERT_EQ(9u, now.v[X0TTA_CONFIG_A_DETECT_MULT]);
	genl_close(&gs);
	/* The fixture's socket still lives in the original namespace. */
	nl_assert_unchanged(_metadata, self);
}

TEST_HARNESS_MAIN
