// SPDX-License-Identifier: GPL-2.0
/*
 * Paths and quarantine over generic netlink, talking to x0tta.ko directly
 * (not through x0ttactl) so that requests x0ttactl would never build can
 * be sent. Every bad SET_PATH, DEL_PATH, ADD_QUARANTINE and
 * DEL_QUARANTINE must be refused with an extack message, name the bad
 * attribute where the kernel knows it, and change nothing: the path,
 * quarantine and neighbour dumps read the same before and after.
 *
 * Runs in the test VM (datapath_netlink.sh), in a namespace holding
 *   bat0 <- DP_MESH_IF (veth, enslaved: x0tta is attached to it)
 *           DP_LONE_IF (its peer, in no mesh)
 *   br0  <- DP_BRPORT_IF (veth, a bridge port, in no mesh)
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/x0tta.h>

#include "kselftest_harness.h"
#include "lib/genl.h"

#define DP_MESH_IF	"x0m0"
#define DP_LONE_IF	"x0m1"
#define DP_BRPORT_IF	"x0b0"

typedef uint8_t dp_mac[6];

/* The fixture's path entry and quarantined address, there in every test. */
static const dp_mac dp_orig_kept = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const dp_mac dp_neigh_kept = { 0x02, 0, 0, 0, 0xbb, 0x01 };
static const dp_mac dp_quar_kept = { 0x02, 0, 0, 0, 0xcc, 0x01 };
/* Addresses no entry uses. */
static const dp_mac dp_orig_new = { 0x02, 0, 0, 0, 0xaa, 0x02 };
static const dp_mac dp_quar_new = { 0x02, 0, 0, 0, 0xcc, 0x02 };
static const dp_mac dp_neigh[4] = {
	{ 0x02, 0, 0, 0, 0xbb, 0x02 }, { 0x02, 0, 0, 0, 0xbb, 0x03 },
	{ 0x02, 0, 0, 0, 0xbb, 0x04 }, { 0x02, 0, 0, 0, 0xbb, 0x05 },
};
/* What is never a next hop, a destination or a quarantined node. */
static const dp_mac dp_bad_macs[] = {
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },	/* IPv4 multicast */
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },	/* IPv6 multicast */
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },	/* broadcast */
	{ 0, 0, 0, 0, 0, 0 },
};

/*
 * The observable state of a namespace, as sorted text lines: path
 * entries with their hops, quarantined addresses, tracked neighbours.
 * Counters and liveness are left out: traffic may move them.
 */
#define DP_SNAP_LINES	64
#define DP_LINE_MAX	128

struct dp_snap {
	unsigned int n;
	bool overflow;
	char line[DP_SNAP_LINES][DP_LINE_MAX];
};

/* One next hop of a SET_PATH request; weight < 0 leaves it out. */
struct dp_hop {
	uint32_t ifindex;
	const uint8_t *neigh;
	int weight;
};

/*
 * What a refusal must carry: its -errno (0: any), and either the
 * attribute the kernel names (as types from the top level down, depth 0:
 * not checked) or, for a missing attribute, its type and the nest it is
 * missing from.
 */
struct dp_refusal {
	int err;
	unsigned int depth;
	uint16_t attr[3];
	bool missing;
	uint16_t miss_type;
	unsigned int miss_depth;
	uint16_t miss_path[2];
};

FIXTURE(dp) {
	struct genl_sock gs;
	struct genl_family fam;
	struct genl_err err;
	uint32_t mesh_if, lone_if, brport_if;
	struct dp_snap before;
};

static void dp_fmt_mac(char *buf, size_t size, const void *mac)
{
	const uint8_t *m = mac;

	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
}

static char *dp_snap_next(struct dp_snap *snap)
{
	if (snap->n == DP_SNAP_LINES) {
		snap->overflow = true;
		return NULL;
	}
	return snap->line[snap->n++];
}

static int dp_snap_mac(const struct nlattr *a, char *buf, size_t size)
{
	if (mnl_attr_get_payload_len(a) != 6)
		return -EBADMSG;
	dp_fmt_mac(buf, size, mnl_attr_get_payload(a));
	return 0;
}

/* "path ORIG IFINDEX/NEIGH/WEIGHT ...", hops in the order dumped. */
static int dp_path_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1], *htb[X0TTA_HOP_A_MAX + 1];
	char *line = dp_snap_next(data), mac[18];
	const struct nlattr *a;
	size_t len;

	if (!line)
		return 0;
	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) || !tb[X0TTA_A_PATH])
		return -EBADMSG;
	len = snprintf(line, DP_LINE_MAX, "path");
	mnl_attr_for_each_nested(a, tb[X0TTA_A_PATH]) {
		if (mnl_attr_get_type(a) == X0TTA_PATH_A_ORIG) {
			if (dp_snap_mac(a, mac, sizeof(mac)))
				return -EBADMSG;
			len += snprintf(line + len, DP_LINE_MAX - len, " %s", mac);
		}
		if (mnl_attr_get_type(a) != X0TTA_PATH_A_HOP)
			continue;
		if (genl_parse_nest(a, htb, X0TTA_HOP_A_MAX) ||
		    !htb[X0TTA_HOP_A_IFINDEX] || !htb[X0TTA_HOP_A_NEIGH] ||
		    !htb[X0TTA_HOP_A_WEIGHT] ||
		    dp_snap_mac(htb[X0TTA_HOP_A_NEIGH], mac, sizeof(mac)))
			return -EBADMSG;
		len += snprintf(line + len, DP_LINE_MAX - len, " %u/%s/%u",
				mnl_attr_get_u32(htb[X0TTA_HOP_A_IFINDEX]), mac,
				mnl_attr_get_u8(htb[X0TTA_HOP_A_WEIGHT]));
		if (len >= DP_LINE_MAX)
			return -EMSGSIZE;
	}
	return 0;
}

static int dp_quarantine_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *qtb[X0TTA_QUARANTINE_A_MAX + 1];
	char *line = dp_snap_next(data), mac[18];

	if (!line)
		return 0;
	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) || !tb[X0TTA_A_QUARANTINE] ||
	    genl_parse_nest(tb[X0TTA_A_QUARANTINE], qtb, X0TTA_QUARANTINE_A_MAX) ||
	    !qtb[X0TTA_QUARANTINE_A_ADDR] ||
	    dp_snap_mac(qtb[X0TTA_QUARANTINE_A_ADDR], mac, sizeof(mac)))
		return -EBADMSG;
	snprintf(line, DP_LINE_MAX, "quarantine %s", mac);
	return 0;
}

static int dp_neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1], *ntb[X0TTA_NEIGH_A_MAX + 1];
	char *line = dp_snap_next(data), mac[18];

	if (!line)
		return 0;
	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) || !tb[X0TTA_A_NEIGH] ||
	    genl_parse_nest(tb[X0TTA_A_NEIGH], ntb, X0TTA_NEIGH_A_MAX) ||
	    !ntb[X0TTA_NEIGH_A_IFINDEX] || !ntb[X0TTA_NEIGH_A_ADDR] ||
	    dp_snap_mac(ntb[X0TTA_NEIGH_A_ADDR], mac, sizeof(mac)))
		return -EBADMSG;
	snprintf(line, DP_LINE_MAX, "neigh %u %s",
		 mnl_attr_get_u32(ntb[X0TTA_NEIGH_A_IFINDEX]), mac);
	return 0;
}

static int dp_line_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int dp_snapshot(struct genl_sock *gs, uint16_t family,
		       struct dp_snap *snap)
{
	static const struct {
		uint8_t cmd;
		genl_cb_t cb;
	} dumps[] = {
		{ X0TTA_CMD_GET_PATH, dp_path_cb },
		{ X0TTA_CMD_GET_QUARANTINE, dp_quarantine_cb },
		{ X0TTA_CMD_GET_NEIGH, dp_neigh_cb },
	};
	size_t i;
	int err;

	memset(snap, 0, sizeof(*snap));
	for (i = 0; i < ARRAY_SIZE(dumps); i++) {
		genl_msg_start(gs, family, dumps[i].cmd, X0TTA_GENL_VERSION,
			       NLM_F_DUMP);
		err = genl_request(gs, dumps[i].cb, snap, NULL);
		if (err)
			return err;
	}
	if (snap->overflow)
		return -EOVERFLOW;
	qsort(snap->line, snap->n, DP_LINE_MAX, dp_line_cmp);
	return 0;
}

static bool dp_snap_has(const struct dp_snap *snap, const char *line)
{
	unsigned int i;

	for (i = 0; i < snap->n; i++)
		if (!strcmp(snap->line[i], line))
			return true;
	return false;
}

static unsigned int dp_snap_count_prefix(const struct dp_snap *snap,
					 const char *prefix)
{
	unsigned int i, n = 0;

	for (i = 0; i < snap->n; i++)
		n += !strncmp(snap->line[i], prefix, strlen(prefix));
	return n;
}

static struct nlmsghdr *dp_msg(struct genl_sock *gs, uint16_t family,
			       uint8_t cmd)
{
	return genl_msg_start(gs, family, cmd, X0TTA_GENL_VERSION, 0);
}

static void dp_put_hop(struct nlmsghdr *nlh, const struct dp_hop *hop)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);

	if (hop->ifindex)
		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, hop->ifindex);
	if (hop->neigh)
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, 6, hop->neigh);
	if (hop->weight >= 0)
		mnl_attr_put_u8(nlh, X0TTA_HOP_A_WEIGHT, hop->weight);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Build SET_PATH (or, with no hops, DEL_PATH) for @orig (NULL: left out)
 * in gs's request buffer; the X0TTA_A_PATH nest stays open so a test can
 * add to it, and is returned.
 */
static struct nlattr *dp_path_open(struct genl_sock *gs, uint16_t family,
				   uint8_t cmd, const uint8_t *orig,
				   const struct dp_hop *hops, unsigned int n)
{
	struct nlmsghdr *nlh = dp_msg(gs, family, cmd);
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
	unsigned int i;

	if (orig)
		mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, orig);
	for (i = 0; i < n; i++)
		dp_put_hop(nlh, &hops[i]);
	return nest;
}

static void dp_close(struct genl_sock *gs, struct nlattr *nest)
{
	mnl_attr_nest_end((struct nlmsghdr *)gs->req, nest);
}

static int dp_set_path(struct genl_sock *gs, uint16_t family,
		       const uint8_t *orig, const struct dp_hop *hops,
		       unsigned int n, struct genl_err *err)
{
	dp_close(gs, dp_path_open(gs, family, X0TTA_CMD_SET_PATH, orig, hops, n));
	return genl_request(gs, NULL, NULL, err);
}

static int dp_del_path(struct genl_sock *gs, uint16_t family,
		       const uint8_t *orig, struct genl_err *err)
{
	dp_close(gs, dp_path_open(gs, family, X0TTA_CMD_DEL_PATH, orig, NULL, 0));
	return genl_request(gs, NULL, NULL, err);
}

static struct nlattr *dp_quarantine_open(struct genl_sock *gs, uint16_t family,
					 uint8_t cmd, const uint8_t *addr)
{
	struct nlmsghdr *nlh = dp_msg(gs, family, cmd);
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_QUARANTINE);

	if (addr)
		mnl_attr_put(nlh, X0TTA_QUARANTINE_A_ADDR, 6, addr);
	return nest;
}

static int dp_quarantine(struct genl_sock *gs, uint16_t family, uint8_t cmd,
			 const uint8_t *addr, struct genl_err *err)
{
	dp_close(gs, dp_quarantine_open(gs, family, cmd, addr));
	return genl_request(gs, NULL, NULL, err);
}

static uint32_t dp_ifindex(struct __test_metadata *_metadata, const char *name)
{
	uint32_t ifindex = if_nametoindex(name);

	ASSERT_NE(0, ifindex) {
		TH_LOG("no interface %s: run datapath_netlink.sh", name);
	}
	return ifindex;
}

FIXTURE_SETUP(dp)
{
	struct dp_hop hop;
	char line[DP_LINE_MAX], orig[18], neigh[18];

	ASSERT_EQ(0, genl_open(&self->gs));
	ASSERT_EQ(0, genl_family_resolve(&self->gs, X0TTA_GENL_NAME,
					 &self->fam, NULL)) {
		TH_LOG("x0tta.ko is not loaded");
	}
	self->mesh_if = dp_ifindex(_metadata, DP_MESH_IF);
	self->lone_if = dp_ifindex(_metadata, DP_LONE_IF);
	self->brport_if = dp_ifindex(_metadata, DP_BRPORT_IF);

	hop = (struct dp_hop){ self->mesh_if, dp_neigh_kept, 3 };
	ASSERT_EQ(0, dp_set_path(&self->gs, self->fam.id, dp_orig_kept, &hop, 1,
				 &self->err)) {
		TH_LOG("good path refused: %s", self->err.msg);
	}
	ASSERT_EQ(0, dp_quarantine(&self->gs, self->fam.id,
				   X0TTA_CMD_ADD_QUARANTINE, dp_quar_kept,
				   &self->err));
	ASSERT_EQ(0, dp_snapshot(&self->gs, self->fam.id, &self->before));

	/* The entry reads back as given, or "unchanged" would prove nothing. */
	dp_fmt_mac(orig, sizeof(orig), dp_orig_kept);
	dp_fmt_mac(neigh, sizeof(neigh), dp_neigh_kept);
	snprintf(line, sizeof(line), "path %s %u/%s/3", orig, self->mesh_if, neigh);
	ASSERT_TRUE(dp_snap_has(&self->before, line)) {
		TH_LOG("no '%s' in the path dump", line);
	}
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(dp)
{
	/* Leave the namespace as found; whatever is not there is fine. */
	dp_del_path(&self->gs, self->fam.id, dp_orig_kept, NULL);
	dp_del_path(&self->gs, self->fam.id, dp_orig_new, NULL);
	dp_quarantine(&self->gs, self->fam.id, X0TTA_CMD_DEL_QUARANTINE,
		      dp_quar_kept, NULL);
	dp_quarantine(&self->gs, self->fam.id, X0TTA_CMD_DEL_QUARANTINE,
		      dp_quar_new, NULL);
	genl_close(&self->gs);
}

static void dp_assert_unchanged(struct __test_metadata *_metadata,
				FIXTURE_DATA(dp) *self)
{
	struct dp_snap now;
	unsigned int i;

	ASSERT_EQ(0, dp_snapshot(&self->gs, self->fam.id, &now));
	for (i = 0; i < now.n || i < self->before.n; i++)
		EXPECT_STREQ(i < self->before.n ? self->before.line[i] : "",
			     i < now.n ? now.line[i] : "");
	ASSERT_EQ(self->before.n, now.n);
}

static bool dp_path_eq(const uint16_t *a, unsigned int n, const uint16_t *b)
{
	return !memcmp(a, b, n * sizeof(*a));
}

/*
 * Send the request built in the fixture's socket and check that it is
 * refused as @want says and that nothing changed.
 */
static void dp_assert_refused(struct __test_metadata *_metadata,
			      FIXTURE_DATA(dp) *self, const char *what,
			      const struct dp_refusal *want)
{
	struct genl_err *e = &self->err;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = genl_request(&self->gs, NULL, NULL, e);
	TH_LOG("%s: %d %s%s", what, rc, e->msg,
	       e->has_miss_type ? " (missing attribute)" : "");
	ASSERT_GT(0, rc);
	if (want->err)
		ASSERT_EQ(want->err, rc);
	if (want->missing) {
		ASSERT_TRUE(e->has_miss_type);
		ASSERT_EQ(want->miss_type, e->miss_type);
		ASSERT_EQ(want->miss_depth, e->miss_depth);
		ASSERT_TRUE(dp_path_eq(want->miss_path, want->miss_depth,
				       e->miss_path));
	}
	/* Every refusal says why in words, missing attributes included. */
	ASSERT_TRUE(e->has_msg);
	if (want->depth) {
		ASSERT_TRUE(e->has_attr);
		ASSERT_EQ(want->depth, e->attr_depth);
		ASSERT_TRUE(dp_path_eq(want->attr, want->depth, e->attr_path));
	}
	dp_assert_unchanged(_metadata, self);
}

/* A SET_PATH with these hops, for the kept and for a new destination. */
static void dp_assert_set_refused(struct __test_metadata *_metadata,
				  FIXTURE_DATA(dp) *self, const char *what,
				  const struct dp_hop *hops, unsigned int n,
				  const struct dp_refusal *want)
{
	const uint8_t *origs[] = { dp_orig_kept, dp_orig_new };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(origs); i++) {
		dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
						 X0TTA_CMD_SET_PATH, origs[i],
						 hops, n));
		dp_assert_refused(_metadata, self, what, want);
	}
}

static const struct dp_refusal dp_bad_hop_ifindex = {
	.depth = 3, .attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP, X0TTA_HOP_A_IFINDEX },
};

TEST_F(dp, unknown_ifindex_refused_naming_it)
{
	struct dp_hop hop = { 0x7ffffff0, dp_neigh[0], 1 };
	struct dp_refusal want = dp_bad_hop_ifindex;

	want.err = -ENODEV;
	dp_assert_set_refused(_metadata, self, "unknown ifindex", &hop, 1, &want);
}

TEST_F(dp, interface_outside_the_mesh_refused_naming_it)
{
	struct dp_hop lone = { self->lone_if, dp_neigh[0], 1 };
	struct dp_hop brport = { self->brport_if, dp_neigh[0], 1 };
	struct dp_hop mixed[2] = {
		{ self->mesh_if, dp_neigh[1], 1 },
		{ self->lone_if, dp_neigh[0], 1 },
	};
	struct dp_refusal want = dp_bad_hop_ifindex;

	want.err = -EINVAL;
	dp_assert_set_refused(_metadata, self, "veth in no mesh", &lone, 1, &want);
	dp_assert_set_refused(_metadata, self, "bridge port", &brport, 1, &want);
	/* A good first hop is not installed on its own either. */
	dp_assert_set_refused(_metadata, self, "good, then bad", mixed, 2, &want);
}

TEST_F(dp, zero_next_hops_refused)
{
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 1, .attr = { X0TTA_A_PATH },
	};

	dp_assert_set_refused(_metadata, self, "no hop", NULL, 0, &want);
}

TEST_F(dp, more_than_three_next_hops_refused)
{
	struct dp_hop hops[4];
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 2,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP },
	};
	int i;

	for (i = 0; i < 4; i++)
		hops[i] = (struct dp_hop){ self->mesh_if, dp_neigh[i], 1 };
	dp_assert_set_refused(_metadata, self, "4 hops", hops, 4, &want);
}

TEST_F(dp, duplicate_next_hop_refused)
{
	struct dp_hop hops[3] = {
		{ self->mesh_if, dp_neigh[0], 1 },
		{ self->mesh_if, dp_neigh[1], 2 },
		{ self->mesh_if, dp_neigh[0], 5 },	/* same hop, other weight */
	};
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 2,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP },
	};

	dp_assert_set_refused(_metadata, self, "duplicate hop", hops, 3, &want);
}

TEST_F(dp, multicast_broadcast_or_zero_next_hop_refused)
{
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 3,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP, X0TTA_HOP_A_NEIGH },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dp_bad_macs); i++) {
		struct dp_hop hop = { self->mesh_if, dp_bad_macs[i], 1 };

		dp_assert_set_refused(_metadata, self, "bad hop MAC", &hop, 1,
				      &want);
	}
}

TEST_F(dp, multicast_broadcast_or_zero_destination_refused)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 1 };
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 2,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_ORIG },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dp_bad_macs); i++) {
		dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
						 X0TTA_CMD_SET_PATH,
						 dp_bad_macs[i], &hop, 1));
		dp_assert_refused(_metadata, self, "bad destination", &want);
		dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
						 X0TTA_CMD_DEL_PATH,
						 dp_bad_macs[i], NULL, 0));
		dp_assert_refused(_metadata, self, "delete bad destination",
				  &want);
	}
}

TEST_F(dp, weight_zero_refused_with_its_range)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 0 };
	struct dp_refusal want = {
		.err = -ERANGE, .depth = 3,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP, X0TTA_HOP_A_WEIGHT },
	};

	dp_assert_set_refused(_metadata, self, "weight 0", &hop, 1, &want);
	ASSERT_TRUE(self->err.has_range);
	EXPECT_EQ(1u, self->err.min);
	EXPECT_EQ(255u, self->err.max);
}

/* One attribute of the wrong size, put where SET_PATH expects it. */
struct dp_bad_len {
	const char *what;
	unsigned int depth;	/* 2: in the path nest, 3: in the hop */
	uint16_t type;
	uint16_t len;
};

static void dp_put_bad_len(struct nlmsghdr *nlh, const struct dp_bad_len *b,
			   uint32_t ifindex)
{
	static const uint8_t junk[8] = { 0x02, 0, 0, 0, 0xdd, 0x01, 0, 0 };
	struct nlattr *hop;

	if (b->depth == 2) {
		mnl_attr_put(nlh, b->type, b->len, junk);
		return;
	}
	hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
	if (b->type != X0TTA_HOP_A_IFINDEX)
		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, ifindex);
	if (b->type != X0TTA_HOP_A_NEIGH)
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, 6, dp_neigh[0]);
	mnl_attr_put(nlh, b->type, b->len, junk);
	mnl_attr_nest_end(nlh, hop);
}

TEST_F(dp, wrong_attribute_lengths_refused_naming_them)
{
	static const struct dp_bad_len bad[] = {
		{ "orig of 5 bytes", 2, X0TTA_PATH_A_ORIG, 5 },
		{ "orig of 8 bytes", 2, X0TTA_PATH_A_ORIG, 8 },
		{ "ifindex of 2 bytes", 3, X0TTA_HOP_A_IFINDEX, 2 },
		{ "ifindex of 8 bytes", 3, X0TTA_HOP_A_IFINDEX, 8 },
		{ "neighbour of 4 bytes", 3, X0TTA_HOP_A_NEIGH, 4 },
		{ "neighbour of 7 bytes", 3, X0TTA_HOP_A_NEIGH, 7 },
		{ "weight of 4 bytes", 3, X0TTA_HOP_A_WEIGHT, 4 },
	};
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct dp_refusal want = {
			.depth = bad[i].depth,
			.attr = { X0TTA_A_PATH, bad[i].depth == 2 ?
				  bad[i].type : X0TTA_PATH_A_HOP, bad[i].type },
		};
		struct nlattr *nest;

		/* An ORIG of the wrong size goes alone; others need one. */
		nest = dp_path_open(&self->gs, self->fam.id, X0TTA_CMD_SET_PATH,
				    bad[i].depth == 2 ? NULL : dp_orig_new,
				    bad[i].depth == 2 ? &hop : NULL,
				    bad[i].depth == 2);
		dp_put_bad_len((struct nlmsghdr *)self->gs.req, &bad[i],
			       self->mesh_if);
		dp_close(&self->gs, nest);
		dp_assert_refused(_metadata, self, bad[i].what, &want);
	}
	/* A path that is not a nest. */
	{
		struct dp_refusal want = { .depth = 1, .attr = { X0TTA_A_PATH } };
		struct nlmsghdr *nlh = dp_msg(&self->gs, self->fam.id,
					      X0TTA_CMD_SET_PATH);

		mnl_attr_put_u32(nlh, X0TTA_A_PATH, 1);
		dp_assert_refused(_metadata, self, "path not a nest", &want);
	}
}

TEST_F(dp, missing_orig_refused_naming_it)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 1 };
	struct dp_refusal want = {
		.err = -EINVAL, .missing = true, .miss_type = X0TTA_PATH_A_ORIG,
		.miss_depth = 1, .miss_path = { X0TTA_A_PATH },
	};

	dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
					 X0TTA_CMD_SET_PATH, NULL, &hop, 1));
	dp_assert_refused(_metadata, self, "set without orig", &want);
	dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
					 X0TTA_CMD_DEL_PATH, NULL, NULL, 0));
	dp_assert_refused(_metadata, self, "del without orig", &want);
}

TEST_F(dp, missing_path_nest_refused_naming_it)
{
	uint8_t cmds[] = { X0TTA_CMD_SET_PATH, X0TTA_CMD_DEL_PATH };
	struct dp_refusal want = {
		.err = -EINVAL, .missing = true, .miss_type = X0TTA_A_PATH,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		dp_msg(&self->gs, self->fam.id, cmds[i]);
		dp_assert_refused(_metadata, self, "no path nest", &want);
	}
}

TEST_F(dp, hop_without_ifindex_or_neighbour_refused_naming_it)
{
	struct dp_hop no_if = { 0, dp_neigh[0], 1 };
	struct dp_hop no_neigh = { self->mesh_if, NULL, 1 };
	struct dp_refusal want = {
		.err = -EINVAL, .missing = true,
		.miss_depth = 2, .miss_path = { X0TTA_A_PATH, X0TTA_PATH_A_HOP },
	};

	want.miss_type = X0TTA_HOP_A_IFINDEX;
	dp_assert_set_refused(_metadata, self, "hop without ifindex", &no_if, 1,
			      &want);
	want.miss_type = X0TTA_HOP_A_NEIGH;
	dp_assert_set_refused(_metadata, self, "hop without neighbour",
			      &no_neigh, 1, &want);
}

TEST_F(dp, unknown_or_dump_only_attributes_refused_naming_them)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 1 };
	/* {nest depth, type}: past each level's last type, or a dump-only one. */
	static const struct {
		const char *what;
		unsigned int depth;
		uint16_t type;
	} bad[] = {
		{ "unknown top-level type", 1, X0TTA_A_MAX + 1 },
		{ "config on SET_PATH", 1, X0TTA_A_CONFIG },
		{ "unknown path type", 2, X0TTA_PATH_A_MAX + 1 },
		{ "path frames (dump only)", 2, X0TTA_PATH_A_FRAMES },
		{ "unknown hop type", 3, X0TTA_HOP_A_MAX + 1 },
		{ "hop state (dump only)", 3, X0TTA_HOP_A_STATE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nlmsghdr *nlh;
		struct nlattr *path, *nest;
		struct dp_refusal want = { .depth = bad[i].depth };

		nlh = dp_msg(&self->gs, self->fam.id, X0TTA_CMD_SET_PATH);
		if (bad[i].depth == 1)
			mnl_attr_put_u8(nlh, bad[i].type, 1);
		path = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
		mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, dp_orig_new);
		if (bad[i].depth == 2)
			mnl_attr_put_u8(nlh, bad[i].type, 1);
		nest = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);
		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, hop.ifindex);
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, 6, hop.neigh);
		if (bad[i].depth == 3)
			mnl_attr_put_u8(nlh, bad[i].type, 1);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, path);

		want.attr[0] = bad[i].depth == 1 ? bad[i].type : X0TTA_A_PATH;
		want.attr[1] = bad[i].depth == 2 ? bad[i].type : X0TTA_PATH_A_HOP;
		want.attr[2] = bad[i].type;
		dp_assert_refused(_metadata, self, bad[i].what, &want);
	}
	/* And on the quarantine commands. */
	{
		struct dp_refusal want = {
			.depth = 2,
			.attr = { X0TTA_A_QUARANTINE, X0TTA_QUARANTINE_A_DROPPED },
		};
		struct nlattr *nest;

		nest = dp_quarantine_open(&self->gs, self->fam.id,
					  X0TTA_CMD_ADD_QUARANTINE, dp_quar_new);
		mnl_attr_put_u64((struct nlmsghdr *)self->gs.req,
				 X0TTA_QUARANTINE_A_DROPPED, 0);
		dp_close(&self->gs, nest);
		dp_assert_refused(_metadata, self, "quarantine dropped (dump only)",
				  &want);
	}
}

TEST_F(dp, deleting_a_missing_path_is_enoent)
{
	struct dp_refusal want = { .err = -ENOENT };

	dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
					 X0TTA_CMD_DEL_PATH, dp_orig_new, NULL, 0));
	dp_assert_refused(_metadata, self, "del missing path", &want);
}

TEST_F(dp, deleting_with_next_hops_refused)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh_kept, 3 };
	struct dp_refusal want = {
		.err = -EINVAL, .depth = 2,
		.attr = { X0TTA_A_PATH, X0TTA_PATH_A_HOP },
	};

	dp_close(&self->gs, dp_path_open(&self->gs, self->fam.id,
					 X0TTA_CMD_DEL_PATH, dp_orig_kept, &hop, 1));
	dp_assert_refused(_metadata, self, "del with hops", &want);
}

TEST_F(dp, quarantine_twice_is_eexist_and_missing_is_enoent)
{
	struct dp_refusal exists = { .err = -EEXIST };
	struct dp_refusal missing = { .err = -ENOENT };

	dp_close(&self->gs, dp_quarantine_open(&self->gs, self->fam.id,
					       X0TTA_CMD_ADD_QUARANTINE,
					       dp_quar_kept));
	dp_assert_refused(_metadata, self, "add twice", &exists);
	dp_close(&self->gs, dp_quarantine_open(&self->gs, self->fam.id,
					       X0TTA_CMD_DEL_QUARANTINE,
					       dp_quar_new));
	dp_assert_refused(_metadata, self, "del missing", &missing);
}

TEST_F(dp, quarantine_of_bad_or_missing_address_refused)
{
	uint8_t cmds[] = { X0TTA_CMD_ADD_QUARANTINE, X0TTA_CMD_DEL_QUARANTINE };
	struct dp_refusal bad = {
		.err = -EINVAL, .depth = 2,
		.attr = { X0TTA_A_QUARANTINE, X0TTA_QUARANTINE_A_ADDR },
	};
	struct dp_refusal none = {
		.err = -EINVAL, .missing = true,
		.miss_type = X0TTA_QUARANTINE_A_ADDR,
		.miss_depth = 1, .miss_path = { X0TTA_A_QUARANTINE },
	};
	size_t c, i;

	for (c = 0; c < ARRAY_SIZE(cmds); c++) {
		for (i = 0; i < ARRAY_SIZE(dp_bad_macs); i++) {
			dp_close(&self->gs,
				 dp_quarantine_open(&self->gs, self->fam.id,
						    cmds[c], dp_bad_macs[i]));
			dp_assert_refused(_metadata, self, "bad address", &bad);
		}
		dp_close(&self->gs, dp_quarantine_open(&self->gs, self->fam.id,
						       cmds[c], NULL));
		dp_assert_refused(_metadata, self, "no address", &none);
	}
}

/* Queries take no attributes: a filter they would ignore is refused. */
TEST_F(dp, get_commands_with_attributes_refused)
{
	static const struct {
		uint8_t cmd;
		uint16_t flags;
	} gets[] = {
		{ X0TTA_CMD_GET_VERSION, 0 },
		{ X0TTA_CMD_GET_CONFIG, 0 },
		{ X0TTA_CMD_GET_STATS, 0 },
		{ X0TTA_CMD_GET_IFACE, NLM_F_DUMP },
		{ X0TTA_CMD_GET_PATH, NLM_F_DUMP },
		{ X0TTA_CMD_GET_NEIGH, NLM_F_DUMP },
		{ X0TTA_CMD_GET_QUARANTINE, NLM_F_DUMP },
	};
	struct dp_refusal want = { .err = -EINVAL, .depth = 1,
				   .attr = { X0TTA_A_PATH } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gets); i++) {
		struct nlmsghdr *nlh;
		struct nlattr *nest;

		nlh = genl_msg_start(&self->gs, self->fam.id, gets[i].cmd,
				     X0TTA_GENL_VERSION, gets[i].flags);
		nest = mnl_attr_nest_start(nlh, X0TTA_A_PATH);
		mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, 6, dp_orig_kept);
		mnl_attr_nest_end(nlh, nest);
		TH_LOG("command %u", gets[i].cmd);
		dp_assert_refused(_metadata, self, "get with a filter", &want);
	}
}

/* Drop CAP_NET_ADMIN from every set of this (forked) process. */
static int dp_drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_NET_ADMIN / 32].effective &= ~bit;
	data[CAP_NET_ADMIN / 32].permitted &= ~bit;
	data[CAP_NET_ADMIN / 32].inheritable &= ~bit;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * Without CAP_NET_ADMIN, requests that would succeed with it; returns how
 * many were not refused with -EPERM, or -errno if it could not try.
 */
static int dp_try_unprivileged(uint16_t fam, uint32_t mesh_if)
{
	struct dp_hop hop = { mesh_if, dp_neigh[0], 1 };
	struct genl_sock gs;
	struct dp_snap seen;
	int wrong = 0, err;

	err = dp_drop_net_admin();
	if (err)
		return err;
	/* A fresh socket: genetlink checks the opener's capability too. */
	err = genl_open(&gs);
	if (err)
		return err;
	wrong += dp_set_path(&gs, fam, dp_orig_new, &hop, 1, NULL) != -EPERM;
	wrong += dp_set_path(&gs, fam, dp_orig_kept, &hop, 1, NULL) != -EPERM;
	wrong += dp_del_path(&gs, fam, dp_orig_kept, NULL) != -EPERM;
	wrong += dp_quarantine(&gs, fam, X0TTA_CMD_ADD_QUARANTINE, dp_quar_new,
			       NULL) != -EPERM;
	wrong += dp_quarantine(&gs, fam, X0TTA_CMD_DEL_QUARANTINE, dp_quar_kept,
			       NULL) != -EPERM;
	/* Reading needs no privilege. */
	wrong += dp_snapshot(&gs, fam, &seen) != 0;
	genl_close(&gs);
	return wrong;
}

TEST_F(dp, changes_without_cap_net_admin_refused_dumps_allowed)
{
	int status;
	pid_t pid;

	/* In a child, so that the teardown keeps the capability. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int rc = dp_try_unprivileged(self->fam.id, self->mesh_if);

		_exit(rc < 0 ? 100 : rc);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("%d unprivileged requests not refused with EPERM (100: no try)",
		       WEXITSTATUS(status));
	}
	dp_assert_unchanged(_metadata, self);
}

/*
 * Each namespace (each mesh node of the test bed) has its own paths and
 * quarantine, and cannot name another namespace's interfaces.
 */
TEST_F(dp, paths_and_quarantine_are_per_network_namespace)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], 1 };
	struct genl_family fam;
	struct dp_snap seen;
	struct genl_sock gs;
	char line[DP_LINE_MAX], mac[18];

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, genl_open(&gs));
	ASSERT_EQ(0, genl_family_resolve(&gs, X0TTA_GENL_NAME, &fam, NULL));
	ASSERT_EQ(0, dp_snapshot(&gs, fam.id, &seen));
	EXPECT_EQ(0u, seen.n);

	EXPECT_EQ(-ENODEV, dp_set_path(&gs, fam.id, dp_orig_new, &hop, 1,
				       &self->err));
	EXPECT_EQ(-ENOENT, dp_del_path(&gs, fam.id, dp_orig_kept, &self->err));
	EXPECT_EQ(-ENOENT, dp_quarantine(&gs, fam.id, X0TTA_CMD_DEL_QUARANTINE,
					 dp_quar_kept, &self->err));
	/* The same address is not "already quarantined" here. */
	EXPECT_EQ(0, dp_quarantine(&gs, fam.id, X0TTA_CMD_ADD_QUARANTINE,
				   dp_quar_kept, &self->err));
	EXPECT_EQ(0, dp_quarantine(&gs, fam.id, X0TTA_CMD_ADD_QUARANTINE,
				   dp_quar_new, &self->err));
	ASSERT_EQ(0, dp_snapshot(&gs, fam.id, &seen));
	genl_close(&gs);
	ASSERT_EQ(2u, seen.n);
	dp_fmt_mac(mac, sizeof(mac), dp_quar_new);
	snprintf(line, sizeof(line), "quarantine %s", mac);
	EXPECT_TRUE(dp_snap_has(&seen, line));

	/* The fixture's socket still lives in the original namespace. */
	dp_assert_unchanged(_metadata, self);
}

/* The refusals above are not everything refused: good changes apply. */
TEST_F(dp, three_weighted_hops_replace_the_entry_as_given)
{
	struct dp_hop hops[3];
	char line[DP_LINE_MAX], orig[18], n[3][18];
	struct dp_snap now;
	int i;

	for (i = 0; i < 3; i++) {
		hops[i] = (struct dp_hop){ self->mesh_if, dp_neigh[i], 100 + i };
		dp_fmt_mac(n[i], sizeof(n[i]), dp_neigh[i]);
	}
	hops[2].weight = -1;	/* defaults to 1 */
	ASSERT_EQ(0, dp_set_path(&self->gs, self->fam.id, dp_orig_kept, hops, 3,
				 &self->err)) {
		TH_LOG("%s", self->err.msg);
	}
	ASSERT_EQ(0, dp_snapshot(&self->gs, self->fam.id, &now));
	dp_fmt_mac(orig, sizeof(orig), dp_orig_kept);
	snprintf(line, sizeof(line), "path %s %u/%s/100 %u/%s/101 %u/%s/1", orig,
		 self->mesh_if, n[0], self->mesh_if, n[1], self->mesh_if, n[2]);
	EXPECT_TRUE(dp_snap_has(&now, line)) {
		TH_LOG("no '%s'", line);
	}
	/* Replaced, not added: one entry for the destination. */
	snprintf(line, sizeof(line), "path %s ", orig);
	EXPECT_EQ(1u, dp_snap_count_prefix(&now, line));

	ASSERT_EQ(0, dp_del_path(&self->gs, self->fam.id, dp_orig_kept,
				 &self->err));
	ASSERT_EQ(-ENOENT, dp_del_path(&self->gs, self->fam.id, dp_orig_kept,
				       &self->err));
}

/* Every entry of a dump that spans many messages, each exactly once. */
#define DP_MANY	1000

struct dp_seen {
	uint8_t attr;			/* X0TTA_A_PATH or X0TTA_A_QUARANTINE */
	uint16_t key;			/* the nest's address attribute */
	unsigned int n, dup, foreign;
	uint8_t seen[DP_MANY];
};

static int dp_seen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1], *ntb[X0TTA_PATH_A_MAX + 1];
	struct dp_seen *s = data;
	const uint8_t *mac;
	unsigned int idx;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) || !tb[s->attr] ||
	    genl_parse_nest(tb[s->attr], ntb, X0TTA_PATH_A_MAX) ||
	    !ntb[s->key] || mnl_attr_get_payload_len(ntb[s->key]) != 6)
		return -EBADMSG;
	mac = mnl_attr_get_payload(ntb[s->key]);
	idx = mac[4] << 8 | mac[5];
	if (mac[0] != 0x02 || mac[3] != 0x07 || idx >= DP_MANY) {
		s->foreign++;
		return 0;
	}
	s->dup += s->seen[idx];
	s->seen[idx] = 1;
	s->n++;
	return 0;
}

static void dp_many_mac(uint8_t *mac, unsigned int i)
{
	const uint8_t m[6] = { 0x02, 0, 0, 0x07, i >> 8, i & 0xff };

	memcpy(mac, m, 6);
}

TEST_F(dp, large_dumps_resume_without_loss_or_repeat)
{
	struct dp_hop hop = { self->mesh_if, dp_neigh[0], -1 };
	static struct dp_seen s;
	uint8_t mac[6];
	unsigned int i;

	for (i = 0; i < DP_MANY; i++) {
		dp_many_mac(mac, i);
		ASSERT_EQ(0, dp_quarantine(&self->gs, self->fam.id,
					   X0TTA_CMD_ADD_QUARANTINE, mac,
					   &self->err));
		ASSERT_EQ(0, dp_set_path(&self->gs, self->fam.id, mac, &hop, 1,
					 &self->err));
	}

	memset(&s, 0, sizeof(s));
	s.attr = X0TTA_A_QUARANTINE;
	s.key = X0TTA_QUARANTINE_A_ADDR;
	genl_msg_start(&self->gs, self->fam.id, X0TTA_CMD_GET_QUARANTINE,
		       X0TTA_GENL_VERSION, NLM_F_DUMP);
	ASSERT_EQ(0, genl_request(&self->gs, dp_seen_cb, &s, NULL));
	EXPECT_EQ(DP_MANY, s.n);
	EXPECT_EQ(0u, s.dup);

	memset(&s, 0, sizeof(s));
	s.attr = X0TTA_A_PATH;
	s.key = X0TTA_PATH_A_ORIG;
	genl_msg_start(&self->gs, self->fam.id, X0TTA_CMD_GET_PATH,
		       X0TTA_GENL_VERSION, NLM_F_DUMP);
	ASSERT_EQ(0, genl_request(&self->gs, dp_seen_cb, &s, NULL));
	EXPECT_EQ(DP_MANY, s.n);
	EXPECT_EQ(0u, s.dup);

	for (i = 0; i < DP_MANY; i++) {
		dp_many_mac(mac, i);
		ASSERT_EQ(0, dp_quarantine(&self->gs, self->fam.id,
					   X0TTA_CMD_DEL_QUARANTINE, mac,
					   &self->err));
		ASSERT_EQ(0, dp_del_path(&self->gs, self->fam.id, mac,
					 &self->err));
	}
	dp_assert_unchanged(_metadata, self);
}

TEST_HARNESS_MAIN
