// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol codec: what x0ttactl builds parses back the same,
 * and every malformed request is refused with a sentence naming what is
 * wrong, never accepted and never a crash (random mutations under ASan).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "x0ttad/ctlmsg.h"

struct parsed {
	struct xd_msg_hdr hdr;
	const struct nlattr *tb[XD_A_MAX + 1];
	char why[XD_ERRMSG_MAX];
	int ret;
};

static void parse_req(struct parsed *p, const struct xd_msg *m)
{
	p->ret = xd_msg_parse(m->buf, m->len, false, &p->hdr, p->tb, p->why,
			      sizeof(p->why));
}

TEST(put_request_round_trips)
{
	char buf[512];
	struct xd_msg m;
	struct parsed p;

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_RAFT_PUT, 0);
	ASSERT_EQ(0, xd_msg_put_bin(&m, XD_A_KEY, "colour", 6));
	ASSERT_EQ(0, xd_msg_put_bin(&m, XD_A_VALUE, "blue", 4));
	parse_req(&p, &m);
	ASSERT_EQ(0, p.ret);
	EXPECT_EQ(XD_CMD_RAFT_PUT, p.hdr.cmd);
	ASSERT_NE(NULL, p.tb[XD_A_KEY]);
	EXPECT_EQ(6, mnl_attr_get_payload_len(p.tb[XD_A_KEY]));
	EXPECT_EQ(0, memcmp("blue", mnl_attr_get_payload(p.tb[XD_A_VALUE]),
			    4));
	EXPECT_EQ(NULL, p.tb[XD_A_KEYSPACE]);
}

TEST(empty_value_is_a_value)
{
	char buf[512];
	struct xd_msg m;
	struct parsed p;

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_CRDT_PUT, 0);
	xd_msg_put_str(&m, XD_A_KEYSPACE, "nodes");
	xd_msg_put_bin(&m, XD_A_KEY, "k", 1);
	xd_msg_put_bin(&m, XD_A_VALUE, "", 0);
	parse_req(&p, &m);
	EXPECT_EQ(0, p.ret);
}

/* Build @cmd with attributes (type, bytes, len)..., expect @want. */
static void expect_refused(struct __test_metadata *_metadata, uint16_t cmd,
			   int err, const char *want, int nattrs, ...)
{
	char buf[XD_MSG_MAX];
	struct xd_msg m;
	struct parsed p;
	va_list ap;

	xd_msg_init(&m, buf, sizeof(buf), cmd, 0);
	va_start(ap, nattrs);
	for (int i = 0; i < nattrs; i++) {
		int type = va_arg(ap, int);
		const char *data = va_arg(ap, const char *);
		size_t len = va_arg(ap, size_t);

		ASSERT_EQ(0, xd_msg_put_bin(&m, type, data, len));
	}
	va_end(ap);
	parse_req(&p, &m);
	EXPECT_EQ(err, p.ret);
	EXPECT_STREQ(want, p.why);
}

TEST(unknown_command_and_attribute_are_refused)
{
	expect_refused(_metadata, 77, -EOPNOTSUPP, "unknown command 77", 0);
	expect_refused(_metadata, 0, -EOPNOTSUPP, "unknown command 0", 0);
	expect_refused(_metadata, XD_CMD_RAFT_STATUS, -EINVAL,
		       "unknown attribute 200", 1, 200, "x", (size_t)1);
}

TEST(attributes_must_belong_to_the_command)
{
	expect_refused(_metadata, XD_CMD_RAFT_GET, -EINVAL,
		       "raft get: attribute value not allowed", 2,
		       XD_A_KEY, "k", (size_t)1, XD_A_VALUE, "v", (size_t)1);
	expect_refused(_metadata, XD_CMD_RAFT_PUT, -EINVAL,
		       "raft put: attribute value missing", 1,
		       XD_A_KEY, "k", (size_t)1);
	expect_refused(_metadata, XD_CMD_RAFT_DEL, -EINVAL,
		       "key: given twice", 2, XD_A_KEY, "k", (size_t)1,
		       XD_A_KEY, "j", (size_t)1);
}

TEST(key_length_is_bounded)
{
	static char key[XD_KEY_MAX + 1];

	memset(key, 'k', sizeof(key));
	expect_refused(_metadata, XD_CMD_RAFT_GET, -EINVAL,
		       "key: 257 bytes, at most 256", 1, XD_A_KEY, key,
		       sizeof(key));
	expect_refused(_metadata, XD_CMD_RAFT_GET, -EINVAL, "key: empty", 1,
		       XD_A_KEY, "", (size_t)0);
	expect_refused(_metadata, XD_CMD_RAFT_GET, 0, "ok", 1, XD_A_KEY, key,
		       sizeof(key) - 1);
}

TEST(scalars_and_strings_are_checked)
{
	expect_refused(_metadata, XD_CMD_CRDT_INCR, -EINVAL,
		       "amount: wrong length 4", 2, XD_A_KEYSPACE, "c",
		       (size_t)2, XD_A_AMOUNT, "\1\0\0\0", (size_t)4);
	expect_refused(_metadata, XD_CMD_CRDT_DUMP, -EINVAL,
		       "keyspace: not a NUL-terminated string", 1,
		       XD_A_KEYSPACE, "ab", (size_t)2);
	expect_refused(_metadata, XD_CMD_CRDT_DUMP, -EINVAL,
		       "keyspace: not a NUL-terminated string", 1,
		       XD_A_KEYSPACE, "a\0b", (size_t)4);
	expect_refused(_metadata, XD_CMD_CRDT_DUMP, -EINVAL,
		       "keyspace: 33 bytes, at most 32", 1, XD_A_KEYSPACE,
		       "abcdefghijklmnopqrstuvwxyz0123456", (size_t)34);
}

TEST(framing_errors_are_refused)
{
	char buf[64];
	struct xd_msg m;
	struct parsed p;

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_RAFT_GET, 0);
	xd_msg_put_bin(&m, XD_A_KEY, "key", 3);
	/* Cut inside the attribute. */
	p.ret = xd_msg_parse(buf, m.len - 2, false, &p.hdr, p.tb, p.why,
			     sizeof(p.why));
	EXPECT_EQ(-EBADMSG, p.ret);
	EXPECT_STREQ("malformed attribute at offset 0", p.why);
	p.ret = xd_msg_parse(buf, 2, false, &p.hdr, p.tb, p.why,
			     sizeof(p.why));
	EXPECT_EQ(-EBADMSG, p.ret);
	((struct xd_msg_hdr *)buf)->version = 2;
	parse_req(&p, &m);
	EXPECT_EQ(-EPROTONOSUPPORT, p.ret);
	((struct xd_msg_hdr *)buf)->version = XD_MSG_VERSION;
	((struct xd_msg_hdr *)buf)->flags = XD_F_REPLY;
	parse_req(&p, &m);
	EXPECT_EQ(-EINVAL, p.ret);
	EXPECT_STREQ("bad flags 0x1", p.why);
}

TEST(full_message_refuses_attribute_and_stays_valid)
{
	char buf[24];
	struct xd_msg m;
	struct parsed p;

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_RAFT_GET, 0);
	EXPECT_EQ(0, xd_msg_put_bin(&m, XD_A_KEY, "key", 3));
	EXPECT_EQ(-EMSGSIZE, xd_msg_put_bin(&m, XD_A_VALUE, "0123456789", 10));
	EXPECT_TRUE(m.overflow);
	parse_req(&p, &m);
	EXPECT_EQ(0, p.ret);
}

TEST(error_reply_carries_errno_message_and_leader)
{
	char buf[512];
	struct xd_msg m = { .buf = buf, .cap = sizeof(buf) };
	struct parsed p;

	xd_msg_error(&m, XD_CMD_RAFT_PUT, -EPERM, 3, "leader is %d", 3);
	p.ret = xd_msg_parse(buf, m.len, true, &p.hdr, p.tb, p.why,
			     sizeof(p.why));
	ASSERT_EQ(0, p.ret);
	EXPECT_EQ(XD_F_REPLY | XD_F_ERROR, p.hdr.flags);
	EXPECT_EQ(EPERM, mnl_attr_get_u32(p.tb[XD_A_ERRNO]));
	EXPECT_STREQ("leader is 3", mnl_attr_get_str(p.tb[XD_A_ERRMSG]));
	EXPECT_EQ(3, mnl_attr_get_u64(p.tb[XD_A_LEADER]));
}

TEST(reply_repeats_nests_and_they_parse)
{
	const struct nlattr *ntb[XD_PEER_A_MAX + 1], *attr;
	const void *attrs;
	char buf[512];
	struct nlattr *nest;
	struct xd_msg m;
	struct parsed p;
	int peers = 0;

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_RAFT_STATUS, XD_F_REPLY);
	for (uint64_t id = 2; id <= 3; id++) {
		nest = xd_msg_nest_start(&m, XD_A_PEER);
		ASSERT_NE(NULL, nest);
		xd_msg_put_u64(&m, XD_PEER_A_ID, id);
		xd_msg_nest_end(&m, nest);
	}
	p.ret = xd_msg_parse(buf, m.len, true, &p.hdr, p.tb, p.why,
			     sizeof(p.why));
	ASSERT_EQ(0, p.ret);
	attrs = buf + sizeof(struct xd_msg_hdr);
	mnl_attr_for_each_payload(attrs, m.len - sizeof(struct xd_msg_hdr)) {
		ASSERT_EQ(0, xd_msg_parse_nest(attr, ntb, XD_PEER_A_MAX));
		EXPECT_EQ(2 + peers, mnl_attr_get_u64(ntb[XD_PEER_A_ID]));
		peers++;
	}
	EXPECT_EQ(2, peers);
}

/* Random corruption of valid requests: refused or valid, never a crash. */
TEST(random_mutations_never_crash)
{
	char base[256], buf[256];
	struct xd_msg m;
	struct parsed p;
	struct prng r;
	int accepted = 0;

	prng_seed(&r, 42);
	xd_msg_init(&m, base, sizeof(base), XD_CMD_CRDT_PUT, 0);
	xd_msg_put_str(&m, XD_A_KEYSPACE, "nodes");
	xd_msg_put_bin(&m, XD_A_KEY, "key", 3);
	xd_msg_put_bin(&m, XD_A_VALUE, "value", 5);
	for (int i = 0; i < 50000; i++) {
		size_t len = m.len - prng_below(&r, 4);
		int flips = 1 + prng_below(&r, 3);

		memcpy(buf, base, m.len);
		for (int f = 0; f < flips; f++)
			buf[prng_below(&r, len)] = prng_next(&r);
		p.ret = xd_msg_parse(buf, len, false, &p.hdr, p.tb, p.why,
				     sizeof(p.why));
		if (p.ret == 0)
			accepted++;
		else
			ASSERT_NE(0, strcmp(p.why, "ok"));
	}
	/* Flipping a value byte keeps a request valid: both outcomes seen. */
	EXPECT_LT(0, accepted);
	EXPECT_GT(50000, accepted);
}

TEST(command_names)
{
	EXPECT_STREQ("raft put", xd_cmd_name(XD_CMD_RAFT_PUT));
	EXPECT_STREQ("crdt incr", xd_cmd_name(XD_CMD_CRDT_INCR));
	EXPECT_EQ(NULL, xd_cmd_name(XD_CMD_MAX + 1));
}

TEST_HARNESS_MAIN
