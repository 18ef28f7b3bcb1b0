// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl path: command lines to SET_PATH/DEL_PATH requests, GET_PATH
 * dumps to what the user reads, kernel refusals to the word they typed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "x0ttactl/ctl.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* An index no interface of this namespace has. */
#define GONE_IFINDEX 0x7ffffff0u

static struct nlmsghdr *msg_start(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	return nlh;
}

/* The X0TTA_PATH_A_HOP nests of @path, in message order. */
static int hops_of(const struct nlattr *path, const struct nlattr **hops,
		   int max)
{
	const struct nlattr *a;
	int n = 0;

	mnl_attr_for_each_nested(a, path) {
		if (mnl_attr_get_type(a) == X0TTA_PATH_A_HOP && n < max)
			hops[n++] = a;
	}
	return n;
}

TEST(add_request_has_orig_then_each_hop_in_the_order_typed)
{
	char *argv[] = {
		"02:00:00:00:00:0D",
		"via", "lo", "02:00:00:00:00:0b", "weight", "200",
		"via", "lo", "0a:bb:cc:dd:ee:ff",
	};
	static const uint8_t orig[] = { 2, 0, 0, 0, 0, 0x0d };
	static const uint8_t n1[] = { 2, 0, 0, 0, 0, 0x0b };
	static const uint8_t n2[] = { 0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	const struct nlattr *tb[X0TTA_A_MAX + 1], *ptb[X0TTA_PATH_A_MAX + 1];
	const struct nlattr *htb[X0TTA_HOP_A_MAX + 1], *hops[4];
	char buf[1024] __attribute__((aligned(4)));
	struct ctl_path_req req;
	struct nlmsghdr *nlh;
	char msg[256] = "";

	ASSERT_EQ(0, ctl_path_parse_add(ARGC(argv), argv, &req, msg,
					sizeof(msg))) TH_LOG("%s", msg);
	nlh = msg_start(buf);
	ctl_path_put(nlh, &req);

	ASSERT_EQ(0, genl_parse_msg(nlh, tb, X0TTA_A_MAX));
	ASSERT_NE(NULL, tb[X0TTA_A_PATH]);
	ASSERT_EQ(0, genl_parse_nest(tb[X0TTA_A_PATH], ptb, X0TTA_PATH_A_MAX));
	ASSERT_NE(NULL, ptb[X0TTA_PATH_A_ORIG]);
	ASSERT_EQ(6, mnl_attr_get_payload_len(ptb[X0TTA_PATH_A_ORIG]));
	EXPECT_EQ(0, memcmp(orig, mnl_attr_get_payload(ptb[X0TTA_PATH_A_ORIG]),
			    6));
	/* Counters are the kernel's to report, never sent. */
	EXPECT_EQ(NULL, ptb[X0TTA_PATH_A_FRAMES]);
	ASSERT_EQ(2, hops_of(tb[X0TTA_A_PATH], hops, 4));

	ASSERT_EQ(0, genl_parse_nest(hops[0], htb, X0TTA_HOP_A_MAX));
	ASSERT_EQ(4, mnl_attr_get_payload_len(htb[X0TTA_HOP_A_IFINDEX]));
	EXPECT_EQ(if_nametoindex("lo"),
		  mnl_attr_get_u32(htb[X0TTA_HOP_A_IFINDEX]));
	ASSERT_EQ(6, mnl_attr_get_payload_len(htb[X0TTA_HOP_A_NEIGH]));
	EXPECT_EQ(0, memcmp(n1, mnl_attr_get_payload(htb[X0TTA_HOP_A_NEIGH]),
			    6));
	ASSERT_EQ(1, mnl_attr_get_payload_len(htb[X0TTA_HOP_A_WEIGHT]));
	EXPECT_EQ(200, mnl_attr_get_u8(htb[X0TTA_HOP_A_WEIGHT]));
	EXPECT_EQ(NULL, htb[X0TTA_HOP_A_STATE]);

	ASSERT_EQ(0, genl_parse_nest(hops[1], htb, X0TTA_HOP_A_MAX));
	EXPECT_EQ(0, memcmp(n2, mnl_attr_get_payload(htb[X0TTA_HOP_A_NEIGH]),
			    6));
	/* No weight typed: 1, sent explicitly. */
	ASSERT_NE(NULL, htb[X0TTA_HOP_A_WEIGHT]);
	EXPECT_EQ(1, mnl_attr_get_u8(htb[X0TTA_HOP_A_WEIGHT]));
}

TEST(del_request_carries_orig_alone)
{
	char *argv[] = { "02:00:00:00:00:0e" };
	const struct nlattr *tb[X0TTA_A_MAX + 1], *ptb[X0TTA_PATH_A_MAX + 1];
	char buf[256] __attribute__((aligned(4)));
	struct ctl_path_req req;
	struct nlmsghdr *nlh;
	char msg[256];

	ASSERT_EQ(0, ctl_path_parse_del(1, argv, &req, msg, sizeof(msg)));
	nlh = msg_start(buf);
	ctl_path_put(nlh, &req);
	ASSERT_EQ(0, genl_parse_msg(nlh, tb, X0TTA_A_MAX));
	ASSERT_EQ(0, genl_parse_nest(tb[X0TTA_A_PATH], ptb, X0TTA_PATH_A_MAX));
	ASSERT_NE(NULL, ptb[X0TTA_PATH_A_ORIG]);
	EXPECT_EQ(0xe, ((uint8_t *)mnl_attr_get_payload(ptb[X0TTA_PATH_A_ORIG]))[5]);
	EXPECT_EQ(NULL, ptb[X0TTA_PATH_A_HOP]);
	/* Exactly the nest header and ORIG (padded to 8 bytes). */
	EXPECT_EQ(NLA_HDRLEN + NLA_HDRLEN + 8,
		  mnl_attr_get_len(tb[X0TTA_A_PATH]));
}

TEST(semantic_mistakes_are_left_to_the_kernel)
{
	/* Four hops, a duplicate, weight 0, zero and multicast MACs. */
	char *argv[] = {
		"01:00:5e:00:00:01",
		"via", "lo", "00:00:00:00:00:00", "weight", "0",
		"via", "lo", "00:00:00:00:00:00",
		"via", "lo", "ff:ff:ff:ff:ff:ff",
		"via", "lo", "02:00:00:00:00:01",
	};
	struct ctl_path_req req;
	char msg[256] = "";

	ASSERT_EQ(0, ctl_path_parse_add(ARGC(argv), argv, &req, msg,
					sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(4, req.nhops);
	EXPECT_EQ(0, req.hops[0].weight);
	EXPECT_EQ(0xff, req.hops[2].neigh[0]);
}

/* Each refused `path add` line and the message the user sees for it. */
static struct {
	int argc;
	char *argv[8];
	const char *msg;
} bad_adds[] = {
	{ 0, { NULL }, "path add: ORIG missing" },
	{ 1, { "02:00:00:00:00:0d" },
	  "path add: no next hop (via IFNAME NEIGH_MAC)" },
	{ 3, { "02:00:00:00:00:0", "via", "lo" },
	  "path add: ORIG '02:00:00:00:00:0' is not a MAC address (six hex pairs separated by ':')" },
	{ 1, { "02-00-00-00-00-0d" },
	  "path add: ORIG '02-00-00-00-00-0d' is not a MAC address (six hex pairs separated by ':')" },
	{ 2, { "02:00:00:00:00:0d", "via" }, "via: IFNAME missing" },
	{ 3, { "02:00:00:00:00:0d", "via", "lo" }, "via lo: NEIGH_MAC missing" },
	{ 4, { "02:00:00:00:00:0d", "via", "no-such-if0", "02:00:00:00:00:01" },
	  "via: no interface 'no-such-if0' in this namespace" },
	{ 4, { "02:00:00:00:00:0d", "via", "an-interface-name-too-long",
	       "02:00:00:00:00:01" },
	  "via: no interface 'an-interface-name-too-long' in this namespace" },
	{ 4, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:0g" },
	  "via lo: '02:00:00:00:00:0g' is not a MAC address (six hex pairs separated by ':')" },
	{ 4, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:001" },
	  "via lo: '02:00:00:00:00:001' is not a MAC address (six hex pairs separated by ':')" },
	{ 3, { "02:00:00:00:00:0d", "weight", "2" },
	  "weight: must follow 'via IFNAME NEIGH_MAC'" },
	{ 5, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "weight" },
	  "weight: value missing" },
	{ 6, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "weight",
	       "256" },
	  "weight: '256' is too large (at most 255)" },
	{ 6, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "weight",
	       "-1" },
	  "weight: '-1' is not an unsigned decimal integer" },
	{ 6, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "weight",
	       "0x10" },
	  "weight: '0x10' is not an unsigned decimal integer" },
	{ 8, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "weight",
	       "2", "weight", "3" },
	  "weight: given twice for one next hop" },
	{ 5, { "02:00:00:00:00:0d", "via", "lo", "02:00:00:00:00:01", "dev" },
	  "path add: unexpected 'dev' (expected via or weight)" },
};

TEST(bad_add_lines_are_refused_with_a_clear_message)
{
	struct ctl_path_req req;
	char msg[256];

	for (size_t i = 0; i < sizeof(bad_adds) / sizeof(bad_adds[0]); i++) {
		msg[0] = '\0';
		EXPECT_GT(0, ctl_path_parse_add(bad_adds[i].argc,
						bad_adds[i].argv, &req, msg,
						sizeof(msg)))
			TH_LOG("line %zu was accepted", i);
		EXPECT_STREQ(bad_adds[i].msg, msg);
	}
}

TEST(more_next_hops_than_anyone_could_mean_are_refused_here)
{
	char *argv[1 + 3 * (CTL_PATH_ARG_HOPS + 1)];
	struct ctl_path_req req;
	char msg[256] = "";
	int argc = 1;

	argv[0] = "02:00:00:00:00:0d";
	for (int i = 0; i <= CTL_PATH_ARG_HOPS; i++) {
		argv[argc++] = "via";
		argv[argc++] = "lo";
		argv[argc++] = "02:00:00:00:00:01";
	}
	EXPECT_EQ(0, ctl_path_parse_add(argc - 3, argv, &req, msg,
					sizeof(msg)));
	EXPECT_EQ(CTL_PATH_ARG_HOPS, req.nhops);
	EXPECT_GT(0, ctl_path_parse_add(argc, argv, &req, msg, sizeof(msg)));
	EXPECT_STREQ("path add: more than 8 next hops", msg);
}

TEST(bad_del_lines_are_refused)
{
	char *extra[] = { "02:00:00:00:00:0d", "via" };
	char *bad[] = { "02:00:00:00:00" };
	struct ctl_path_req req;
	char msg[256];

	EXPECT_GT(0, ctl_path_parse_del(0, NULL, &req, msg, sizeof(msg)));
	EXPECT_STREQ("path del: ORIG missing", msg);
	EXPECT_GT(0, ctl_path_parse_del(2, extra, &req, msg, sizeof(msg)));
	EXPECT_STREQ("path del: unexpected argument 'via'", msg);
	EXPECT_GT(0, ctl_path_parse_del(1, bad, &req, msg, sizeof(msg)));
}

/* ---- dumps ---------------------------------------------------------------- */

struct hop {
	uint32_t ifindex;
	uint8_t last;	/* neighbour 02:00:00:00:00:<last> */
	uint8_t weight;
	uint8_t state;
	uint64_t frames, bytes;
};

/* One GET_PATH dump message, as the module builds it. */
static struct nlmsghdr *path_msg(char *buf, uint8_t last, bool counters,
				 uint64_t frames, uint64_t bytes,
				 const struct hop *hops, int n)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, last };
	struct nlmsghdr *nlh = msg_start(buf);
	struct nlattr *path, *hop;

	path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, mac);
	if (counters) {
		mnl_attr_put_u64(nlh, X0TTA_PATH_A_FRAMES, frames);
		mnl_attr_put_u64(nlh, X0TTA_PATH_A_BYTES, bytes);
	}
	for (int i = 0; i < n; i++) {
		mac[5] = hops[i].last;
		hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, hops[i].ifindex);
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, 6, mac);
		mnl_attr_put_u8(nlh, X0TTA_HOP_A_WEIGHT, hops[i].weight);
		mnl_attr_put_u8(nlh, X0TTA_HOP_A_STATE, hops[i].state);
		mnl_attr_put_u64(nlh, X0TTA_HOP_A_FRAMES, hops[i].frames);
		mnl_attr_put_u64(nlh, X0TTA_HOP_A_BYTES, hops[i].bytes);
		mnl_attr_nest_end(nlh, hop);
	}
	mnl_attr_nest_end(nlh, path);
	return nlh;
}

FIXTURE(dump)
{
	char buf[2048] __attribute__((aligned(8)));
	struct ctl_path_show ps;
	char *out;
	size_t len;
	FILE *f;
};

static FIXTURE_SETUP(dump)
{
	ctl_path_show_init(&self->ps);
	self->f = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->f);
}

static FIXTURE_TEARDOWN(dump)
{
	fclose(self->f);
	free(self->out);
	ctl_path_show_free(&self->ps);
}

/* Destination ...:0d over two next hops, ...:0e over one. */
static void two_destinations(FIXTURE_DATA(dump) *self,
			     struct __test_metadata *_metadata)
{
	const struct hop d[] = {
		{ 1, 0x0b, 2, X0TTA_NEIGH_UP, 200, 30000 },
		{ GONE_IFINDEX, 0x0c, 1, X0TTA_NEIGH_DOWN, 100, 15000 },
	};
	const struct hop e[] = {
		{ 1, 0x0b, 255, X0TTA_NEIGH_UNKNOWN, 0, 0 },
	};

	ASSERT_EQ(0, ctl_path_show_add(path_msg(self->buf, 0x0d, true, 300,
						45000, d, 2), &self->ps));
	ASSERT_EQ(0, ctl_path_show_add(path_msg(self->buf, 0x0e, false, 0, 0,
						e, 1), &self->ps));
}

TEST_F(dump, text_has_one_row_per_next_hop_behind_its_destination)
{
	struct out_opts text = { 0 };

	ASSERT_EQ(1, if_nametoindex("lo"));
	two_destinations(self, _metadata);
	ASSERT_EQ(0, ctl_path_show_print(&self->ps, self->f, &text));
	EXPECT_STREQ("ORIG               IFNAME        NEIGH              WEIGHT  STATE    FRAMES  BYTES\n"
		     "02:00:00:00:00:0d  lo            02:00:00:00:00:0b       2  up          200  30000\n"
		     "02:00:00:00:00:0d  if2147483632  02:00:00:00:00:0c       1  down        100  15000\n"
		     "02:00:00:00:00:0e  lo            02:00:00:00:00:0b     255  unknown       0      0\n",
		     self->out);
}

TEST_F(dump, json_groups_next_hops_under_their_destination_with_totals)
{
	struct out_opts json = { .json = true };

	two_destinations(self, _metadata);
	ASSERT_EQ(0, ctl_path_show_print(&self->ps, self->f, &json));
	EXPECT_STREQ("[{\"orig\":\"02:00:00:00:00:0d\",\"frames\":300,\"bytes\":45000,"
		     "\"hops\":[{\"ifname\":\"lo\",\"neigh\":\"02:00:00:00:00:0b\","
		     "\"weight\":2,\"state\":\"up\",\"frames\":200,\"bytes\":30000},"
		     "{\"ifname\":\"if2147483632\",\"neigh\":\"02:00:00:00:00:0c\","
		     "\"weight\":1,\"state\":\"down\",\"frames\":100,\"bytes\":15000}]},"
		     "{\"orig\":\"02:00:00:00:00:0e\",\"frames\":null,\"bytes\":null,"
		     "\"hops\":[{\"ifname\":\"lo\",\"neigh\":\"02:00:00:00:00:0b\","
		     "\"weight\":255,\"state\":\"unknown\",\"frames\":0,\"bytes\":0}]}]\n",
		     self->out);
}

TEST_F(dump, empty_table_is_a_header_or_an_empty_array)
{
	struct out_opts text = { 0 }, json = { .json = true };

	ASSERT_EQ(0, ctl_path_show_print(&self->ps, self->f, &text));
	ASSERT_EQ(0, ctl_path_show_print(&self->ps, self->f, &json));
	EXPECT_STREQ("ORIG  IFNAME  NEIGH  WEIGHT  STATE  FRAMES  BYTES\n[]\n",
		     self->out);
}

TEST_F(dump, state_of_a_newer_module_is_shown_as_its_number)
{
	const struct hop h[] = { { 1, 0x0b, 1, 7, 0, 0 } };
	struct out_opts json = { .json = true };

	ASSERT_EQ(0, ctl_path_show_add(path_msg(self->buf, 0x0d, true, 0, 0,
						h, 1), &self->ps));
	ASSERT_EQ(0, ctl_path_show_print(&self->ps, self->f, &json));
	EXPECT_NE(NULL, strstr(self->out, "\"state\":\"7\""));
}

TEST_F(dump, orig_of_the_wrong_length_is_a_malformed_reply)
{
	struct nlmsghdr *nlh = msg_start(self->buf);
	struct nlattr *path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);

	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 4, "\x02\0\0\0");
	mnl_attr_nest_end(nlh, path);
	EXPECT_EQ(-EBADMSG, ctl_path_show_add(nlh, &self->ps));
	EXPECT_EQ(0, self->ps.dests.nrows);
}

TEST_F(dump, next_hop_without_neighbour_adds_no_destination)
{
	struct nlmsghdr *nlh = msg_start(self->buf);
	struct nlattr *path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
	struct nlattr *hop;

	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, "\x02\0\0\0\0\x0d");
	hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
	mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, 1);
	mnl_attr_nest_end(nlh, hop);
	mnl_attr_nest_end(nlh, path);
	EXPECT_EQ(-EBADMSG, ctl_path_show_add(nlh, &self->ps));
	EXPECT_EQ(0, self->ps.dests.nrows);
}

TEST_F(dump, state_wider_than_a_byte_is_a_malformed_reply)
{
	struct nlmsghdr *nlh = msg_start(self->buf);
	struct nlattr *path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
	struct nlattr *hop;

	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, "\x02\0\0\0\0\x0d");
	hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
	mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, 1);
	mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, 6, "\x02\0\0\0\0\x0b");
	mnl_attr_put_u32(nlh, X0TTA_HOP_A_STATE, X0TTA_NEIGH_UP);
	mnl_attr_nest_end(nlh, hop);
	mnl_attr_nest_end(nlh, path);
	EXPECT_EQ(-EBADMSG, ctl_path_show_add(nlh, &self->ps));
}

TEST_F(dump, many_destinations_are_all_kept)
{
	const struct hop h[] = { { 1, 0x0b, 1, X0TTA_NEIGH_UP, 1, 1 } };

	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, ctl_path_show_add(path_msg(self->buf, i, true, i,
							i, h, 1), &self->ps));
	ASSERT_EQ(100, self->ps.dests.nrows);
	EXPECT_EQ(99, self->ps.dests.cells[99 * 3 + 1].u64);
	EXPECT_EQ(1, self->ps.hops[99].nrows);
}

/* ---- refusals ------------------------------------------------------------- */

/*
 * The module refuses attribute @type of hop @hop (or of the path nest
 * when @hop < 0) with @text, as netlink_ack() sends it: what does the
 * user read?
 */
static const char *refused(char *buf, size_t len, int hop, uint16_t type,
			   const char *text)
{
	char *argv[] = {
		"02:00:00:00:00:0d",
		"via", "lo", "02:00:00:00:00:0b",
		"via", "lo", "02:00:00:00:00:0b",
	};
	char req_buf[512] __attribute__((aligned(4)));
	char err_buf[1024] __attribute__((aligned(4)));
	const struct nlattr *tb[X0TTA_A_MAX + 1], *hops[4], *a;
	struct ctl_path_req req;
	struct nlmsghdr *rq, *er;
	struct genl_err err;
	struct nlmsgerr *e;
	char msg[256];

	ctl_path_parse_add(ARGC(argv), argv, &req, msg, sizeof(msg));
	rq = msg_start(req_buf);
	rq->nlmsg_seq = 3;
	ctl_path_put(rq, &req);
	genl_parse_msg(rq, tb, X0TTA_A_MAX);
	hops_of(tb[X0TTA_A_PATH], hops, 4);
	mnl_attr_for_each_nested(a, hop < 0 ? tb[X0TTA_A_PATH] : hops[hop]) {
		if (mnl_attr_get_type(a) == type)
			break;
	}

	er = mnl_nlmsg_put_header(err_buf);
	er->nlmsg_type = NLMSG_ERROR;
	er->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(er, sizeof(*e));
	e->error = -EINVAL;
	memcpy(&e->msg, rq, sizeof(e->msg));
	mnl_attr_put_strz(er, NLMSGERR_ATTR_MSG, text);
	mnl_attr_put_u32(er, NLMSGERR_ATTR_OFFS,
			 (const char *)a - (const char *)rq);
	genl_parse_error(er, er->nlmsg_len, rq, &err);
	ctl_format_error(buf, len, "path add", &err);
	return buf;
}

TEST(kernel_refusals_name_what_the_user_typed)
{
	char buf[256];

	EXPECT_STREQ("ifname: interface not enslaved to a batadv mesh",
		     refused(buf, sizeof(buf), 0, X0TTA_HOP_A_IFINDEX,
			     "interface not enslaved to a batadv mesh"));
	EXPECT_STREQ("neigh: duplicate next hop",
		     refused(buf, sizeof(buf), 1, X0TTA_HOP_A_NEIGH,
			     "duplicate next hop"));
	EXPECT_STREQ("weight: weight must be 1..255",
		     refused(buf, sizeof(buf), 1, X0TTA_HOP_A_WEIGHT,
			     "weight must be 1..255"));
	EXPECT_STREQ("orig: multicast address",
		     refused(buf, sizeof(buf), -1, X0TTA_PATH_A_ORIG,
			     "multicast address"));
	EXPECT_STREQ("hop: more than 3 next hops",
		     refused(buf, sizeof(buf), -1, X0TTA_PATH_A_HOP,
			     "more than 3 next hops"));
}

TEST(neighbour_states_have_the_documented_names)
{
	char buf[8];

	EXPECT_STREQ("unknown", ctl_neigh_state_name(X0TTA_NEIGH_UNKNOWN, buf,
						     sizeof(buf)));
	EXPECT_STREQ("up", ctl_neigh_state_name(X0TTA_NEIGH_UP, buf,
						sizeof(buf)));
	EXPECT_STREQ("down", ctl_neigh_state_name(X0TTA_NEIGH_DOWN, buf,
						  sizeof(buf)));
	EXPECT_STREQ("255", ctl_neigh_state_name(255, buf, sizeof(buf)));
}

TEST_HARNESS_MAIN
