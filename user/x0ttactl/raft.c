// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl raft status | put KEY VALUE | get KEY | del KEY |
 *               add ID ADDR SPIFFE-ID [--learner] | remove ID | members
 *
 * The replicated key-value store of x0ttad's raft group and its
 * membership. Any node answers: a follower forwards writes, reads and
 * membership changes to the leader; `members` is the answering node's
 * own view. Limits (key and value sizes, address and SPIFFE ID syntax)
 * are the daemon's to enforce, so its message is the one shown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define RAFT_USAGE "[-j] [-s SOCKET] raft status | put KEY VALUE | " \
	"get KEY | del KEY |\n" \
	"       add ID ADDR SPIFFE-ID [--learner] | remove ID | members"

static const struct out_col raft_status_cols[] = {
	{ "node_id", OUT_U64, XD_A_NODE_ID },
	{ "role", OUT_STR, XD_A_ROLE },
	{ "term", OUT_U64, XD_A_TERM },
	{ "leader", OUT_U64, XD_A_LEADER },
	{ "commit", OUT_U64, XD_A_COMMIT },
	{ "applied", OUT_U64, XD_A_APPLIED },
	{ "last_index", OUT_U64, XD_A_LAST_INDEX },
	{ "snap_index", OUT_U64, XD_A_SNAP_INDEX },
	{ "keys", OUT_U64, XD_A_KEYS },
	{ "dropped", OUT_U64, XD_A_DROPPED },
	{ "tp_accepted", OUT_U64, XD_A_TP_ACCEPTED },
	{ "tp_refused", OUT_U64, XD_A_TP_REFUSED },
	{ "tp_last_refusal", OUT_STR, XD_A_TP_LAST_REFUSAL },
	{ "conf_index", OUT_U64, XD_A_CONF_INDEX },
	{ "removed", OUT_BOOL, XD_A_REMOVED },
};

static const struct out_col raft_members_cols[] = {
	{ "node_id", OUT_U64, XD_A_NODE_ID },
	{ "leader", OUT_U64, XD_A_LEADER },
	{ "conf_index", OUT_U64, XD_A_CONF_INDEX },
	{ "conf_committed", OUT_BOOL, XD_A_CONF_COMMITTED },
	{ "commit", OUT_U64, XD_A_COMMIT },
	{ "applied", OUT_U64, XD_A_APPLIED },
	{ "removed", OUT_BOOL, XD_A_REMOVED },
};

static const struct out_col raft_member_cols[] = {
	{ "id", OUT_U64, XD_MEMBER_A_ID },
	{ "role", OUT_STR, XD_MEMBER_A_ROLE },
	{ "leader", OUT_BOOL, XD_MEMBER_A_LEADER },
	{ "self", OUT_BOOL, XD_MEMBER_A_SELF },
	{ "up", OUT_BOOL, XD_MEMBER_A_UP },
	{ "addr", OUT_STR, XD_MEMBER_A_ADDR },
	{ "spiffe_id", OUT_STR, XD_MEMBER_A_SPIFFE_ID },
};

static const struct out_col raft_peer_cols[] = {
	{ "id", OUT_U64, XD_PEER_A_ID },
	{ "addr", OUT_STR, XD_PEER_A_ADDR },
	{ "up", OUT_BOOL, XD_PEER_A_UP },
	{ "frames_in", OUT_U64, XD_PEER_A_FRAMES_IN },
	{ "frames_out", OUT_U64, XD_PEER_A_FRAMES_OUT },
	{ "last_error", OUT_STR, XD_PEER_A_LAST_ERROR },
};

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

static int raft_status(struct ctl_xd *c)
{
	static const struct ctl_xd_view v = {
		raft_status_cols, NCOLS(raft_status_cols), "raft",
		raft_peer_cols, NCOLS(raft_peer_cols), "peers",
		XD_A_PEER, XD_PEER_A_MAX,
	};

	return ctl_xd_view_call(c, XD_CMD_RAFT_STATUS, &v);
}

static int raft_members(struct ctl_xd *c)
{
	static const struct ctl_xd_view v = {
		raft_members_cols, NCOLS(raft_members_cols), "raft",
		raft_member_cols, NCOLS(raft_member_cols), "members",
		XD_A_MEMBER, XD_MEMBER_A_MAX,
	};

	return ctl_xd_view_call(c, XD_CMD_RAFT_MEMBERS, &v);
}

/* add ID ADDR SPIFFE-ID [--learner], remove ID: checked by the daemon. */
static int raft_change(struct ctl_xd *c, uint16_t cmd, uint64_t id,
		       const char *addr, const char *spiffe_id, bool learner)
{
	static char buf[XD_MSG_MAX];
	struct xd_msg req;

	xd_msg_init(&req, buf, sizeof(buf), cmd, 0);
	xd_msg_put_u64(&req, XD_A_NODE_ID, id);
	if (cmd == XD_CMD_RAFT_ADD) {
		xd_msg_put_str(&req, XD_A_ADDR, addr);
		xd_msg_put_str(&req, XD_A_SPIFFE_ID, spiffe_id);
		if (learner)
			xd_msg_put_u8(&req, XD_A_LEARNER, 1);
	}
	if (req.overflow) {
		ctl_err("%s: address or SPIFFE ID too long for one request",
			xd_cmd_name(cmd));
		return -EMSGSIZE;
	}
	return ctl_xd_call(c, xd_cmd_name(cmd), &req);
}

static int raft_get_print(const struct ctl_xd *c)
{
	static const struct out_col cols[] = {
		{ "key", OUT_STR, 0 },
		{ "value", OUT_STR, 0 },
	};
	struct out_table t;
	int ret;

	if (!c->tb[XD_A_KEY] || !c->tb[XD_A_VALUE])
		return -EBADMSG;
	/* Text is the value alone, for scripts: v=$(x0ttactl raft get k). */
	if (!ctl_out.json)
		return ctl_xd_print_value(c->tb[XD_A_VALUE], stdout);
	out_table_init(&t, cols, NCOLS(cols));
	ret = out_table_add_row(&t);
	if (!ret)
		ret = ctl_xd_set_bin(&t, 0, 0, c->tb[XD_A_KEY]);
	if (!ret)
		ret = ctl_xd_set_bin(&t, 0, 1, c->tb[XD_A_VALUE]);
	if (!ret)
		ret = out_record_print(&t, stdout, &ctl_out);
	out_table_free(&t);
	return ret;
}

/* put, get and del: one key, maybe a value. */
static int raft_kv(struct ctl_xd *c, uint16_t cmd, const char *what,
		   const char *key, const char *value)
{
	static char buf[XD_MSG_MAX];
	struct xd_msg req;
	int ret;

	xd_msg_init(&req, buf, sizeof(buf), cmd, 0);
	if (xd_msg_put_bin(&req, XD_A_KEY, key, strlen(key)) ||
	    (value && xd_msg_put_bin(&req, XD_A_VALUE, value, strlen(value)))) {
		ctl_err("%s: key or value too long for one request", what);
		return -EMSGSIZE;
	}
	ret = ctl_xd_call(c, what, &req);
	if (ret || cmd != XD_CMD_RAFT_GET)
		return ret;
	ret = raft_get_print(c);
	if (ret)
		ctl_err("%s: %s", what, ret == -EBADMSG ?
			"malformed reply from x0ttad" : strerror(-ret));
	return ret;
}

static int raft_parse(int argc, char *argv[], uint16_t *cmd, uint64_t *id,
		      bool *learner)
{
	static const struct {
		const char *name;
		int nargs;
		uint16_t cmd;
	} subs[] = {
		{ "status", 0, XD_CMD_RAFT_STATUS },
		{ "put", 2, XD_CMD_RAFT_PUT },
		{ "get", 1, XD_CMD_RAFT_GET },
		{ "del", 1, XD_CMD_RAFT_DEL },
		{ "add", 3, XD_CMD_RAFT_ADD },
		{ "remove", 1, XD_CMD_RAFT_REMOVE },
		{ "members", 0, XD_CMD_RAFT_MEMBERS },
	};
	static const char *const args[] = {
		[XD_CMD_RAFT_STATUS] = "no argument",
		[XD_CMD_RAFT_PUT] = "KEY VALUE",
		[XD_CMD_RAFT_GET] = "KEY",
		[XD_CMD_RAFT_DEL] = "KEY",
		[XD_CMD_RAFT_ADD] = "ID ADDR SPIFFE-ID [--learner]",
		[XD_CMD_RAFT_REMOVE] = "ID",
		[XD_CMD_RAFT_MEMBERS] = "no argument",
	};

	if (argc < 2)
		return ctl_usage(RAFT_USAGE, "raft needs a subcommand");
	for (size_t i = 0; i < NCOLS(subs); i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		/* --learner, only after add's three arguments. */
		*learner = subs[i].cmd == XD_CMD_RAFT_ADD && argc == 6 &&
			   !strcmp(argv[5], "--learner");
		if (argc - 2 - *learner != subs[i].nargs)
			return ctl_usage(RAFT_USAGE, "raft %s takes %s",
					 subs[i].name, args[subs[i].cmd]);
		*cmd = subs[i].cmd;
		if ((*cmd == XD_CMD_RAFT_ADD || *cmd == XD_CMD_RAFT_REMOVE) &&
		    (ctl_parse_uint(argv[2], UINT64_MAX >> 2, id) || !*id))
			return ctl_usage(RAFT_USAGE, "raft %s: node id '%s' "
					 "is not a number from 1 to %llu",
					 subs[i].name, argv[2],
					 (unsigned long long)(UINT64_MAX >> 2));
		return -1;
	}
	return ctl_usage(RAFT_USAGE, "raft: unknown subcommand '%s'",
			 argv[1]);
}

int raft_main(int argc, char *argv[])
{
	struct ctl_xd c;
	uint16_t cmd = XD_CMD_UNSPEC;
	bool learner = false;
	uint64_t id = 0;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", RAFT_USAGE);
		return CTL_EXIT_OK;
	}
	ret = raft_parse(argc, argv, &cmd, &id, &learner);
	if (ret >= 0)
		return ret;
	if (ctl_xd_open(&c))
		return CTL_EXIT_FAIL;
	if (cmd == XD_CMD_RAFT_STATUS)
		ret = raft_status(&c);
	else if (cmd == XD_CMD_RAFT_MEMBERS)
		ret = raft_members(&c);
	else if (cmd == XD_CMD_RAFT_ADD || cmd == XD_CMD_RAFT_REMOVE)
		ret = raft_change(&c, cmd, id,
				  cmd == XD_CMD_RAFT_ADD ? argv[3] : NULL,
				  cmd == XD_CMD_RAFT_ADD ? argv[4] : NULL,
				  learner);
	else
		ret = raft_kv(&c, cmd, xd_cmd_name(cmd), argv[2],
			      argc > 3 ? argv[3] : NULL);
	ctl_xd_close(&c);
	return ret ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
