// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "lib/genl.h"
#include "lib/prng.h"

/*
 * Requests and kernel errors are built by hand here, byte for byte as
 * the kernel lays them out (net/netlink/af_netlink.c, netlink_ack()), so
 * the decoder is tested without a module that refuses anything.
 */

enum { T_A_NAME = 1, T_A_NEST = 2, T_A_U32 = 3 };
enum { T_N_FIRST = 1, T_N_SECOND = 2 };

struct req {
	char buf[512];
	struct nlmsghdr *nlh;
	uint32_t off_name, off_nest, off_first, off_second, off_u32;
};

static uint32_t req_off(const struct req *r)
{
	return r->nlh->nlmsg_len;
}

/* {NAME "bat0", NEST {FIRST u32, SECOND u8}, U32} */
static void req_build(struct req *r)
{
	struct genlmsghdr *g;
	struct nlattr *nest;

	memset(r, 0, sizeof(*r));
	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = 0x20;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->nlh->nlmsg_seq = 77;
	g = mnl_nlmsg_put_extra_header(r->nlh, sizeof(*g));
	g->cmd = 3;
	r->off_name = req_off(r);
	mnl_attr_put_strz(r->nlh, T_A_NAME, "bat0");
	r->off_nest = req_off(r);
	nest = mnl_attr_nest_start(r->nlh, T_A_NEST);
	r->off_first = req_off(r);
	mnl_attr_put_u32(r->nlh, T_N_FIRST, 5);
	r->off_second = req_off(r);
	mnl_attr_put_u8(r->nlh, T_N_SECOND, 1);
	mnl_attr_nest_end(r->nlh, nest);
	r->off_u32 = req_off(r);
	mnl_attr_put_u32(r->nlh, T_A_U32, 9);
}

TEST(attr_path_names_top_level_and_nested_attributes)
{
	uint16_t path[GENL_ERR_DEPTH_MAX];
	struct req r;

	req_build(&r);
	ASSERT_EQ(1, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_name, path, 8));
	EXPECT_EQ(T_A_NAME, path[0]);
	ASSERT_EQ(1, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_nest, path, 8));
	EXPECT_EQ(T_A_NEST, path[0]);
	ASSERT_EQ(2, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_second, path, 8));
	EXPECT_EQ(T_A_NEST, path[0]);
	EXPECT_EQ(T_N_SECOND, path[1]);
	ASSERT_EQ(2, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_first, path, 8));
	EXPECT_EQ(T_N_FIRST, path[1]);
	ASSERT_EQ(1, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_u32, path, 8));
	EXPECT_EQ(T_A_U32, path[0]);
}

TEST(attr_path_rejects_offsets_that_are_no_attribute_start)
{
	uint16_t path[GENL_ERR_DEPTH_MAX];
	struct req r;

	req_build(&r);
	/* Inside a string payload, in the genl header, past the end. */
	EXPECT_EQ(-EINVAL, genl_attr_path(r.nlh, GENL_HDRLEN,
					  r.off_name + NLA_HDRLEN + 1, path, 8));
	EXPECT_EQ(-EINVAL, genl_attr_path(r.nlh, GENL_HDRLEN, 2, path, 8));
	EXPECT_EQ(-EINVAL, genl_attr_path(r.nlh, GENL_HDRLEN,
					  r.nlh->nlmsg_len, path, 8));
	EXPECT_EQ(-EINVAL, genl_attr_path(r.nlh, GENL_HDRLEN, 100000,
					  path, 8));
	/* Deeper than the caller can hold. */
	EXPECT_EQ(-EINVAL, genl_attr_path(r.nlh, GENL_HDRLEN, r.off_second,
					  path, 1));
}

/*
 * An error reply as netlink_ack() builds it: struct nlmsgerr (with the
 * request's header, or the whole request if @capped is false), then the
 * extack TLVs. Returns the message.
 */
static struct nlmsghdr *err_build(char *buf, const struct req *r, int error,
				  bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	size_t echo = capped ? sizeof(*e) :
		      sizeof(*e) + r->nlh->nlmsg_len - NLMSG_HDRLEN;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = r->nlh->nlmsg_seq;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	e = mnl_nlmsg_put_extra_header(nlh, echo);
	e->error = error;
	memcpy(&e->msg, r->nlh, capped ? sizeof(e->msg) : r->nlh->nlmsg_len);
	return nlh;
}

static void err_put_range(struct nlmsghdr *nlh, uint64_t min, uint64_t max)
{
	struct nlattr *pol = mnl_attr_nest_start(nlh, NLMSGERR_ATTR_POLICY);

	mnl_attr_put_u32(nlh, NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_U32);
	mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, min);
	mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, max);
	mnl_attr_nest_end(nlh, pol);
}

TEST(extack_gives_errno_message_nested_attribute_and_range)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, -ERANGE, true);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "integer out of range\n");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, r.off_first);
	err_put_range(nlh, 10, 10000);

	ASSERT_EQ(-ERANGE, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_EQ(-ERANGE, err.err);
	ASSERT_TRUE(err.has_msg);
	EXPECT_STREQ("integer out of range", err.msg);
	ASSERT_TRUE(err.has_attr);
	ASSERT_EQ(2, err.attr_depth);
	EXPECT_EQ(T_A_NEST, err.attr_path[0]);
	EXPECT_EQ(T_N_FIRST, err.attr_path[1]);
	ASSERT_TRUE(err.has_range);
	EXPECT_FALSE(err.range_signed);
	EXPECT_EQ(10, err.min);
	EXPECT_EQ(10000, err.max);
	EXPECT_FALSE(err.has_miss_type);
}

TEST(extack_is_found_after_an_uncapped_echo_of_the_request)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, -EINVAL, false);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "bad name");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, r.off_name);

	ASSERT_EQ(-EINVAL, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_STREQ("bad name", err.msg);
	ASSERT_EQ(1, err.attr_depth);
	EXPECT_EQ(T_A_NAME, err.attr_path[0]);
	EXPECT_FALSE(err.has_range);
}

TEST(extack_names_a_missing_attribute_and_its_nest)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, -EINVAL, true);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, 4);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, r.off_nest);

	ASSERT_EQ(-EINVAL, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_FALSE(err.has_msg);
	EXPECT_FALSE(err.has_attr);
	ASSERT_TRUE(err.has_miss_type);
	EXPECT_EQ(4, err.miss_type);
	ASSERT_EQ(1, err.miss_depth);
	EXPECT_EQ(T_A_NEST, err.miss_path[0]);
}

TEST(extack_offset_that_is_no_attribute_is_ignored)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, -EINVAL, true);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, r.off_name + 5);
	ASSERT_EQ(-EINVAL, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_FALSE(err.has_attr);
}

TEST(plain_ack_is_success_and_error_without_tlvs_is_just_errno)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, 0, true);
	nlh->nlmsg_flags = NLM_F_CAPPED;
	EXPECT_EQ(0, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));

	nlh = err_build(buf, &r, -EPERM, true);
	nlh->nlmsg_flags = NLM_F_CAPPED;
	EXPECT_EQ(-EPERM, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_EQ(-EPERM, err.err);
	EXPECT_FALSE(err.has_msg);
	EXPECT_FALSE(err.has_attr);
}

TEST(dump_done_carries_its_error_and_message)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genl_err err;
	int *error;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	error = mnl_nlmsg_put_extra_header(nlh, sizeof(*error));
	*error = -ENODEV;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "mesh interface is gone");
	EXPECT_EQ(-ENODEV, genl_parse_error(nlh, nlh->nlmsg_len, NULL, &err));
	EXPECT_STREQ("mesh interface is gone", err.msg);

	nlh->nlmsg_len = NLMSG_HDRLEN;
	EXPECT_EQ(0, genl_parse_error(nlh, nlh->nlmsg_len, NULL, &err));
}

TEST(malformed_error_replies_never_read_as_success)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct req r;

	req_build(&r);
	nlh = err_build(buf, &r, 0, true);
	/* Claims more bytes than were received. */
	EXPECT_EQ(-EBADMSG, genl_parse_error(nlh, nlh->nlmsg_len - 1, r.nlh,
					     &err));
	/* Too short to hold the error code. */
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	EXPECT_EQ(-EBADMSG, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	/* A positive "errno" is no success either. */
	nlh = err_build(buf, &r, 5, true);
	EXPECT_EQ(-EPROTO, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	/* A TLV running past the end is dropped, the errno kept. */
	nlh = err_build(buf, &r, -EINVAL, true);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "truncated");
	nlh->nlmsg_len -= 4;
	EXPECT_EQ(-EINVAL, genl_parse_error(nlh, nlh->nlmsg_len, r.nlh, &err));
	EXPECT_FALSE(err.has_msg);
}

TEST(parse_msg_indexes_attributes_and_refuses_garbage)
{
	const struct nlattr *tb[T_A_NEST + 1];
	const struct nlattr *ntb[T_N_SECOND + 1];
	struct req r;

	req_build(&r);
	/* T_A_U32 is above maxtype: a newer kernel's addition, skipped. */
	ASSERT_EQ(0, genl_parse_msg(r.nlh, tb, T_A_NEST));
	ASSERT_NE(NULL, tb[T_A_NAME]);
	EXPECT_STREQ("bat0", mnl_attr_get_str(tb[T_A_NAME]));
	ASSERT_NE(NULL, tb[T_A_NEST]);
	ASSERT_EQ(0, genl_parse_nest(tb[T_A_NEST], ntb, T_N_SECOND));
	EXPECT_EQ(5, mnl_attr_get_u32(ntb[T_N_FIRST]));
	EXPECT_EQ(1, mnl_attr_get_u8(ntb[T_N_SECOND]));
	EXPECT_EQ(NULL, tb[0]);

	/* Trailing bytes that are no attribute. */
	r.nlh->nlmsg_len += 2;
	EXPECT_EQ(-EBADMSG, genl_parse_msg(r.nlh, tb, T_A_NEST));
}

/*
 * Replies come from the kernel, but a decoder must not trust lengths it
 * can check: flip bytes and cut a valid error reply at random, and the
 * decoder must still answer with an errno (ASan watches every read).
 */
TEST(garbled_error_replies_are_decoded_within_bounds)
{
	char good[1024] __attribute__((aligned(4)));
	char buf[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct genl_err err;
	struct prng rng;
	struct req r;
	size_t len;

	req_build(&r);
	nlh = err_build(good, &r, -ERANGE, true);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "integer out of range");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, r.off_second);
	err_put_range(nlh, 10, 10000);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, 2);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, r.off_nest);
	len = nlh->nlmsg_len;

	prng_seed(&rng, 2);
	for (int i = 0; i < 20000; i++) {
		size_t cut = NLMSG_HDRLEN + prng_below(&rng, len - NLMSG_HDRLEN + 1);
		int flips = 1 + prng_below(&rng, 4);
		int ret;

		memcpy(buf, good, len);
		for (int f = 0; f < flips; f++)
			buf[prng_below(&rng, len)] = prng_next(&rng);
		nlh = (struct nlmsghdr *)buf;
		if (prng_chance(&rng, 1, 2))
			nlh->nlmsg_len = cut;
		ret = genl_parse_error(nlh, cut, r.nlh, &err);
		ASSERT_GE(0, ret);
		ASSERT_LE(err.attr_depth, GENL_ERR_DEPTH_MAX);
		ASSERT_LE(err.miss_depth, GENL_ERR_DEPTH_MAX);
		ASSERT_LT(strnlen(err.msg, sizeof(err.msg)), sizeof(err.msg));
	}
}

/*
 * Against the running kernel: the control family always exists, so the
 * socket, request and reply paths are exercised for real.
 */
FIXTURE(sock)
{
	struct genl_sock gs;
};

static FIXTURE_SETUP(sock)
{
	int ret = genl_open(&self->gs);

	if (ret == -EAFNOSUPPORT || ret == -EPERM || ret == -EACCES)
		SKIP(return, "no generic netlink here (%s)", strerror(-ret));
	ASSERT_EQ(0, ret);
}

static FIXTURE_TEARDOWN(sock)
{
	genl_close(&self->gs);
}

TEST_F(sock, resolves_the_control_family_and_its_group)
{
	struct genl_family fam;
	struct genl_err err;
	uint32_t grp;

	ASSERT_EQ(0, genl_family_resolve(&self->gs, "nlctrl", &fam, &err));
	EXPECT_EQ(GENL_ID_CTRL, fam.id);
	EXPECT_STREQ("nlctrl", fam.name);
	EXPECT_LE(1, fam.version);
	EXPECT_EQ(0, genl_family_mcgrp(&fam, "notify", &grp));
	EXPECT_NE(0, grp);
	EXPECT_EQ(-ENOENT, genl_family_mcgrp(&fam, "nope", &grp));
	EXPECT_EQ(0, genl_join_group(&self->gs, grp));
	/* Requests still match their own replies after joining. */
	ASSERT_EQ(0, genl_family_resolve(&self->gs, "nlctrl", &fam, &err));
}

TEST_F(sock, unknown_family_is_enoent)
{
	struct genl_family fam;
	struct genl_err err;

	EXPECT_EQ(-ENOENT, genl_family_resolve(&self->gs, "x0tta-none",
					       &fam, &err));
	EXPECT_EQ(-ENOENT, err.err);
	EXPECT_EQ(-ENAMETOOLONG,
		  genl_family_resolve(&self->gs, "a-name-far-too-long", &fam,
				      &err));
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int *n = data;

	if (genl_parse_msg(nlh, tb, CTRL_ATTR_MAX) == 0 &&
	    tb[CTRL_ATTR_FAMILY_NAME])
		(*n)++;
	return 0;
}

TEST_F(sock, dump_calls_back_once_per_family)
{
	int n = 0;

	genl_msg_start(&self->gs, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
		       NLM_F_DUMP);
	ASSERT_EQ(0, genl_request(&self->gs, count_cb, &n, NULL));
	/* At least nlctrl itself. */
	EXPECT_LE(1, n);
}

static int stop_cb(const struct nlmsghdr *nlh, void *data)
{
	return -ECANCELED;
}

TEST_F(sock, callback_error_stops_and_leaves_the_socket_usable)
{
	struct genl_family fam;

	genl_msg_start(&self->gs, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
		       NLM_F_DUMP);
	EXPECT_EQ(-ECANCELED, genl_request(&self->gs, stop_cb, NULL, NULL));
	/* The rest of the dump was drained, not taken for this answer. */
	ASSERT_EQ(0, genl_family_resolve(&self->gs, "nlctrl", &fam, NULL));
	EXPECT_EQ(GENL_ID_CTRL, fam.id);
}

TEST_F(sock, kernel_extack_points_at_the_bad_attribute)
{
	struct nlmsghdr *nlh;
	struct genl_err err;
	int ret;

	/* A family id must be a u16; send a u8 after a good name. */
	nlh = genl_msg_start(&self->gs, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	mnl_attr_put_u8(nlh, CTRL_ATTR_FAMILY_ID, 1);
	ret = genl_request(&self->gs, NULL, NULL, &err);
	ASSERT_GT(0, ret);
	EXPECT_EQ(ret, err.err);
	TH_LOG("kernel said: %s (%s)", err.has_msg ? err.msg : "-",
	       strerror(-ret));
	ASSERT_TRUE(err.has_attr);
	ASSERT_EQ(1, err.attr_depth);
	EXPECT_EQ(CTRL_ATTR_FAMILY_ID, err.attr_path[0]);
}

static int never_cb(const struct nlmsghdr *nlh, void *data)
{
	int *called = data;

	(*called)++;
	return 0;
}

/* Send a genl message that looks like an event from @from to @to. */
static int forge_event(struct genl_sock *from, const struct genl_sock *to)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_pid = to->portid };
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(from, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 1, 0);
	nlh->nlmsg_seq = 0;
	nlh->nlmsg_pid = 0;	/* claims to be the kernel */
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "forged");
	if (sendto(genl_fd(from), nlh, nlh->nlmsg_len, 0,
		   (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return -errno;
	return 0;
}

TEST_F(sock, events_from_other_processes_are_ignored)
{
	struct genl_sock other;
	int called = 0;
	int ret;

	ASSERT_EQ(0, genl_open(&other));
	ret = forge_event(&other, &self->gs);
	genl_close(&other);
	if (ret == -EPERM)
		SKIP(return, "needs CAP_NET_ADMIN to send to another port");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, fcntl(genl_fd(&self->gs), F_SETFL, O_NONBLOCK));
	EXPECT_EQ(0, genl_recv_events(&self->gs, never_cb, &called));
	EXPECT_EQ(0, called);
	EXPECT_EQ(-EAGAIN, genl_recv_events(&self->gs, never_cb, &called));
}

TEST_F(sock, forged_reply_does_not_answer_a_request)
{
	struct genl_family fam;
	struct genl_sock other;
	int ret;

	/* Queued before the request: seq 0 would never match, so also
	 * check that a forged datagram in the way does not end it early.
	 */
	ASSERT_EQ(0, genl_open(&other));
	ret = forge_event(&other, &self->gs);
	genl_close(&other);
	if (ret == -EPERM)
		SKIP(return, "needs CAP_NET_ADMIN to send to another port");
	ASSERT_EQ(0, genl_family_resolve(&self->gs, "nlctrl", &fam, NULL));
	EXPECT_EQ(GENL_ID_CTRL, fam.id);
}

TEST_HARNESS_MAIN
