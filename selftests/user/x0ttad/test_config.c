// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttad's configuration parser: a full file is read into every field,
 * and each kind of mistake is refused with FILE:LINE and what is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "x0ttad/config.h"

#define BASE \
	"# a node\n" \
	"node_id 1\n" \
	"data_dir /var/lib/x0tta\n" \
	"listen 127.0.0.1:7001\n" \
	"control_socket /run/x0tta/x0ttad.sock\n" \
	"svid /etc/x0tta/n1.pem\n" \
	"svid_key /etc/x0tta/n1.key\n" \
	"bundle /etc/x0tta/ca.pem\n" \
	"trust_domain mesh.test\n"

static int parse(struct xd_config *c, const char *text, char *err,
		 size_t len)
{
	err[0] = 0;
	return xd_config_parse(c, "x.conf", text, strlen(text), err, len);
}

/* BASE plus @extra must be refused with exactly @want. */
static void refused(struct __test_metadata *_metadata, const char *extra,
		    const char *want)
{
	static struct xd_config c;
	char text[4096], err[1024];

	snprintf(text, sizeof(text), "%s%s", BASE, extra);
	EXPECT_EQ(-EINVAL, parse(&c, text, err, sizeof(err)));
	EXPECT_STREQ(want, err);
}

TEST(full_file_fills_every_field)
{
	static struct xd_config c;
	char err[1024];

	ASSERT_EQ(0, parse(&c, BASE
			   "peer 2 127.0.0.1:7002 spiffe://mesh.test/node/n2\n"
			   "peer 3   [::1]:7003\tspiffe://mesh.test/node/n3"
			   " # v6\n"
			   "raft_tick_ms 50\n"
			   "election_ticks 20\n"
			   "gossip_ms 200\n"
			   "identity_check_ms 1000\n"
			   "snapshot_entries 64\n"
			   "fsync batch\n", err, sizeof(err)));
	EXPECT_STREQ("", err);
	EXPECT_EQ(1, c.node_id);
	EXPECT_STREQ("/var/lib/x0tta", c.data_dir);
	EXPECT_STREQ("127.0.0.1:7001", c.listen);
	EXPECT_STREQ("/run/x0tta/x0ttad.sock", c.control);
	EXPECT_STREQ("mesh.test", c.trust_domain);
	ASSERT_EQ(2, c.n_peers);
	EXPECT_EQ(3, c.peers[1].id);
	EXPECT_STREQ("[::1]:7003", c.peers[1].addr);
	EXPECT_STREQ("spiffe://mesh.test/node/n3", c.peers[1].spiffe_id);
	EXPECT_EQ(50, c.raft_tick_ms);
	EXPECT_EQ(20, c.election_ticks);
	EXPECT_EQ(200, c.gossip_ms);
	EXPECT_EQ(1000, c.identity_check_ms);
	EXPECT_EQ(64, c.snapshot_entries);
	EXPECT_EQ(CRDT_FSYNC_BATCH, c.fsync);
}

TEST(defaults_apply_to_optional_keys)
{
	static struct xd_config c;
	char err[1024];

	ASSERT_EQ(0, parse(&c, BASE, err, sizeof(err)));
	EXPECT_EQ(0, c.n_peers);
	EXPECT_EQ(100, c.raft_tick_ms);
	EXPECT_EQ(CRDT_FSYNC_ALWAYS, c.fsync);
}

TEST(unknown_key_names_file_and_line)
{
	refused(_metadata, "\n\nfrob 1\n", "x.conf:12: unknown key 'frob'");
}

TEST(repeated_key_is_refused)
{
	refused(_metadata, "node_id 2\n", "x.conf:10: node_id given twice");
}

TEST(numbers_are_decimal_and_in_range)
{
	refused(_metadata, "raft_tick_ms 0\n", "x.conf:10: raft_tick_ms: '0' "
		"is not a number from 1 to 10000");
	refused(_metadata, "raft_tick_ms 0x10\n", "x.conf:10: raft_tick_ms: "
		"'0x10' is not a number from 1 to 10000");
	refused(_metadata, "gossip_ms 99999999999999999999999\n",
		"x.conf:10: gossip_ms: '99999999999999999999999' is not a "
		"number from 10 to 600000");
	refused(_metadata, "election_ticks -5\n", "x.conf:10: election_ticks: "
		"'-5' is not a number from 3 to 1000");
}

TEST(addresses_are_numeric_with_a_port)
{
	refused(_metadata, "peer 2 localhost:7002 spiffe://mesh.test/node/n2\n",
		"x.conf:10: peer address: 'localhost:7002' is not IPV4:PORT or "
		"[IPV6]:PORT with a port from 1");
	refused(_metadata, "peer 2 127.0.0.1:0 spiffe://mesh.test/node/n2\n",
		"x.conf:10: peer address: '127.0.0.1:0' is not IPV4:PORT or "
		"[IPV6]:PORT with a port from 1");
	refused(_metadata, "peer 2 ::1:7 spiffe://mesh.test/node/n2\n",
		"x.conf:10: peer address: '::1:7' is not IPV4:PORT or "
		"[IPV6]:PORT with a port from 1");
}

TEST(peers_are_unique_and_in_our_trust_domain)
{
	refused(_metadata,
		"peer 2 127.0.0.1:2 spiffe://mesh.test/node/n2\n"
		"peer 2 127.0.0.1:3 spiffe://mesh.test/node/n3\n",
		"x.conf:11: peer: id 2 given twice");
	refused(_metadata,
		"peer 2 127.0.0.1:2 spiffe://mesh.test/node/n2\n"
		"peer 3 127.0.0.1:3 spiffe://mesh.test/node/n2\n",
		"x.conf:11: peer: spiffe://mesh.test/node/n2 given twice");
	refused(_metadata, "peer 2 127.0.0.1:2 spiffe://other.test/node/n2\n",
		"x.conf: peer 2: spiffe://other.test/node/n2 is not in trust "
		"domain mesh.test");
	refused(_metadata, "peer 1 127.0.0.1:2 spiffe://mesh.test/node/n1\n",
		"x.conf: peer 1 is this node (node_id)");
}

TEST(bad_spiffe_id_is_refused)
{
	static struct xd_config c;
	char text[4096], err[1024];

	snprintf(text, sizeof(text), "%s%s", BASE,
		 "peer 2 127.0.0.1:2 https://mesh.test/n2\n");
	EXPECT_EQ(-EINVAL, parse(&c, text, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, "x.conf:10: peer: https://mesh.test/n2: ",
			     39));
}

TEST(wrong_value_count_is_refused)
{
	refused(_metadata, "fsync\n", "x.conf:10: fsync takes 1 value");
	refused(_metadata, "peer 2 127.0.0.1:2\n",
		"x.conf:10: peer takes 3 values");
	refused(_metadata, "fsync always a b c d e\n",
		"x.conf:10: fsync takes 1 value");
	refused(_metadata, "fsync sometimes\n", "x.conf:10: fsync: "
		"'sometimes' is not always, batch or none");
}

TEST(missing_required_key_is_named)
{
	static struct xd_config c;
	char err[1024];

	EXPECT_EQ(-EINVAL, parse(&c, "node_id 1\n", err, sizeof(err)));
	EXPECT_STREQ("x.conf: data_dir missing", err);
}

TEST(nul_byte_and_long_line_are_refused)
{
	static struct xd_config c;
	static char text[8192];
	char err[1024];

	memcpy(text, "node_id 1\0\n", 11);
	EXPECT_EQ(-EINVAL, xd_config_parse(&c, "x.conf", text, 11, err,
					   sizeof(err)));
	EXPECT_STREQ("x.conf:1: NUL byte in line", err);
	memset(text, 'a', 5000);
	text[5000] = 0;
	EXPECT_EQ(-EINVAL, parse(&c, text, err, sizeof(err)));
	EXPECT_STREQ("x.conf:1: line longer than 4095 bytes", err);
}

TEST(too_many_peers_is_refused)
{
	char text[4096], line[128];

	snprintf(text, sizeof(text), "%s", BASE);
	for (int i = 2; i <= XD_PEERS_MAX + 2; i++) {
		snprintf(line, sizeof(line),
			 "peer %d 127.0.0.1:%d spiffe://mesh.test/node/n%d\n",
			 i, i, i);
		strcat(text, line);
	}
	refused(_metadata, text + strlen(BASE), "x.conf:18: peer: more than "
		"8 peers");
}

TEST(missing_file_is_reported)
{
	static struct xd_config c;
	char err[1024];

	EXPECT_EQ(-ENOENT, xd_config_load(&c, "/nonexistent/x0ttad.conf", err,
					  sizeof(err)));
	EXPECT_STREQ("/nonexistent/x0ttad.conf: No such file or directory",
		     err);
}

TEST_HARNESS_MAIN
