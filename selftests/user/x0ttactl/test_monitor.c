// SPDX-License-Identifier: GPL-2.0
/* x0ttactl monitor: events of the "events" group as printed lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

/* The id the kernel gave family x0tta; any dynamic one will do. */
#define FAMILY 0x1d

FIXTURE(events)
{
	char buf[512] __attribute__((aligned(8)));
	char *out;
	size_t len;
	FILE *f;
};

static FIXTURE_SETUP(events)
{
	self->f = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->f);
}

static FIXTURE_TEARDOWN(events)
{
	fclose(self->f);
	free(self->out);
}

static struct nlmsghdr *event_start(char *buf, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = X0TTA_GENL_VERSION;
	return nlh;
}

static struct nlmsghdr *neigh_event(char *buf, uint32_t ifindex,
				    uint8_t state)
{
	struct nlmsghdr *nlh = event_start(buf, FAMILY, X0TTA_CMD_NEIGH_EVENT);
	struct nlattr *n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);

	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_IFINDEX, ifindex);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 6, "\x02\0\0\0\0\x0b");
	mnl_attr_put_u8(nlh, X0TTA_NEIGH_A_STATE, state);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static struct nlmsghdr *route_needed(char *buf, const char *orig,
				     size_t len)
{
	struct nlmsghdr *nlh = event_start(buf, FAMILY,
					   X0TTA_CMD_ROUTE_NEEDED);
	struct nlattr *n = mnl_attr_nest_start(nlh, X0TTA_A_PATH);

	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, len, orig);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

TEST_F(events, each_event_is_one_line)
{
	struct out_opts text = { 0 };

	EXPECT_EQ(1, ctl_monitor_print(neigh_event(self->buf, 1,
						   X0TTA_NEIGH_DOWN),
				       FAMILY, self->f, &text));
	EXPECT_EQ(1, ctl_monitor_print(neigh_event(self->buf, 0x7ffffff0u,
						   X0TTA_NEIGH_UP),
				       FAMILY, self->f, &text));
	EXPECT_EQ(1, ctl_monitor_print(route_needed(self->buf,
						    "\x02\0\0\0\0\x0d", 6),
				       FAMILY, self->f, &text));
	EXPECT_STREQ("neigh lo 02:00:00:00:00:0b down\n"
		     "neigh if2147483632 02:00:00:00:00:0b up\n"
		     "route-needed 02:00:00:00:00:0d\n", self->out);
}

TEST_F(events, json_is_one_object_per_line)
{
	struct out_opts json = { .json = true };

	EXPECT_EQ(1, ctl_monitor_print(neigh_event(self->buf, 1,
						   X0TTA_NEIGH_UP),
				       FAMILY, self->f, &json));
	EXPECT_EQ(1, ctl_monitor_print(route_needed(self->buf,
						    "\x02\0\0\0\0\x0d", 6),
				       FAMILY, self->f, &json));
	EXPECT_STREQ("{\"event\":\"neigh\",\"ifname\":\"lo\","
		     "\"addr\":\"02:00:00:00:00:0b\",\"state\":\"up\"}\n"
		     "{\"event\":\"route-needed\",\"orig\":\"02:00:00:00:00:0d\"}\n",
		     self->out);
}

TEST_F(events, line_is_out_before_the_next_event_arrives)
{
	struct out_opts text = { 0 };

	/* open_memstream() shows its size only after a flush. */
	ASSERT_EQ(1, ctl_monitor_print(route_needed(self->buf,
						    "\x02\0\0\0\0\x0d", 6),
				       FAMILY, self->f, &text));
	EXPECT_EQ(strlen("route-needed 02:00:00:00:00:0d\n"), self->len);
}

TEST_F(events, other_families_and_commands_are_skipped)
{
	struct out_opts text = { 0 };
	struct nlmsghdr *nlh;

	nlh = neigh_event(self->buf, 1, X0TTA_NEIGH_UP);
	EXPECT_EQ(0, ctl_monitor_print(nlh, FAMILY + 1, self->f, &text));
	nlh = event_start(self->buf, FAMILY, X0TTA_CMD_ROUTE_NEEDED + 1);
	EXPECT_EQ(0, ctl_monitor_print(nlh, FAMILY, self->f, &text));
	nlh = event_start(self->buf, FAMILY, X0TTA_CMD_GET_PATH);
	EXPECT_EQ(0, ctl_monitor_print(nlh, FAMILY, self->f, &text));
	fflush(self->f);
	EXPECT_EQ(0, self->len);
}

TEST_F(events, malformed_events_are_refused_and_print_nothing)
{
	struct out_opts text = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *n;

	/* ORIG of 5 bytes. */
	EXPECT_EQ(-EBADMSG,
		  ctl_monitor_print(route_needed(self->buf, "\x02\0\0\0\0", 5),
				    FAMILY, self->f, &text));
	/* route-needed without its nest. */
	nlh = event_start(self->buf, FAMILY, X0TTA_CMD_ROUTE_NEEDED);
	EXPECT_EQ(-EBADMSG, ctl_monitor_print(nlh, FAMILY, self->f, &text));
	/* neigh event without its state. */
	nlh = event_start(self->buf, FAMILY, X0TTA_CMD_NEIGH_EVENT);
	n = mnl_attr_nest_start(nlh, X0TTA_A_NEIGH);
	mnl_attr_put_u32(nlh, X0TTA_NEIGH_A_IFINDEX, 1);
	mnl_attr_put(nlh, X0TTA_NEIGH_A_ADDR, 6, "\x02\0\0\0\0\x0b");
	mnl_attr_nest_end(nlh, n);
	EXPECT_EQ(-EBADMSG, ctl_monitor_print(nlh, FAMILY, self->f, &text));
	/* A message cut before the genl header ends. */
	nlh = event_start(self->buf, FAMILY, X0TTA_CMD_NEIGH_EVENT);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	EXPECT_EQ(-EBADMSG, ctl_monitor_print(nlh, FAMILY, self->f, &text));
	fflush(self->f);
	EXPECT_EQ(0, self->len);
}

TEST(count_takes_a_positive_number)
{
	char *good[] = { "count", "3" };
	char *zero[] = { "count", "0" };
	char *junk[] = { "count", "3s" };
	char *none[] = { "count" };
	char *extra[] = { "count", "1", "more" };
	char *other[] = { "follow" };
	uint64_t n = 99;
	char msg[256];

	ASSERT_EQ(0, ctl_monitor_parse(0, NULL, &n, msg, sizeof(msg)));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, ctl_monitor_parse(2, good, &n, msg, sizeof(msg)));
	EXPECT_EQ(3, n);
	EXPECT_GT(0, ctl_monitor_parse(2, zero, &n, msg, sizeof(msg)));
	EXPECT_STREQ("monitor: count '0' is not a number from 1 to 4294967295",
		     msg);
	EXPECT_GT(0, ctl_monitor_parse(2, junk, &n, msg, sizeof(msg)));
	EXPECT_GT(0, ctl_monitor_parse(1, none, &n, msg, sizeof(msg)));
	EXPECT_STREQ("monitor: count needs a number", msg);
	EXPECT_GT(0, ctl_monitor_parse(3, extra, &n, msg, sizeof(msg)));
	EXPECT_STREQ("monitor: unexpected argument 'more'", msg);
	EXPECT_GT(0, ctl_monitor_parse(1, other, &n, msg, sizeof(msg)));
	EXPECT_STREQ("monitor: unexpected argument 'follow'", msg);
}

TEST_HARNESS_MAIN
