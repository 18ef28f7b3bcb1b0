// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl raft status | put KEY VALUE | get KEY | del KEY
 *
 * The replicated key-value store of x0ttad's raft group. Any node
 * answers: a follower forwards to the leader. Limits (key and value
 * sizes) are the daemon's to enforce, so its message is the one shown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define RAFT_USAGE "[-j] [-s SOCKET] raft status | put KEY VALUE | " \
	"get KEY | del KEY"

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

static int raft_peers_fill(const struct ctl_xd *c, struct out_table *t)
{
	const struct nlattr *attr;
	const struct nlattr *tb[XD_PEER_A_MAX + 1];
	const void *attrs = c->buf + sizeof(struct xd_msg_hdr);
	size_t len = c->len - sizeof(struct xd_msg_hdr);
	int ret;

	mnl_attr_for_each_payload(attrs, len) {
		if (mnl_attr_get_type(attr) != XD_A_PEER)
			continue;
		if (xd_msg_parse_nest(attr, tb, XD_PEER_A_MAX))
			return -EBADMSG;
		ret = out_table_add_row(t);
		if (!ret)
			ret = ctl_fill_row(t, t->nrows - 1, tb, XD_PEER_A_MAX);
		if (ret)
			return ret;
	}
	return 0;
}

static int raft_status_print(struct out_table *st, struct out_table *peers)
{
	struct out_json w;

	if (!ctl_out.json) {
		out_record_print_text(st, 0, stdout, ctl_out.color);
		fputc('\n', stdout);
		out_table_print_text(peers, stdout, ctl_out.color);
		return fflush(stdout) || ferror(stdout) ? -EIO : 0;
	}
	out_json_init(&w, stdout);
	out_json_open_object(&w, NULL);
	out_record_print_json(st, 0, &w, "raft");
	out_table_print_json(peers, &w, "peers");
	out_json_close_object(&w);
	return out_json_finish(&w);
}

static int raft_status(struct ctl_xd *c)
{
	struct out_table st, peers;
	char buf[64];
	struct xd_msg req;
	int ret;

	xd_msg_init(&req, buf, sizeof(buf), XD_CMD_RAFT_STATUS, 0);
	ret = ctl_xd_call(c, "raft status", &req);
	if (ret)
		return ret;
	out_table_init(&st, raft_status_cols, NCOLS(raft_status_cols));
	out_table_init(&peers, raft_peer_cols, NCOLS(raft_peer_cols));
	ret = out_table_add_row(&st);
	if (!ret)
		ret = ctl_fill_row(&st, 0, c->tb, XD_A_MAX);
	if (!ret)
		ret = raft_peers_fill(c, &peers);
	if (!ret)
		ret = raft_status_print(&st, &peers);
	if (ret)
		ctl_err("raft status: %s", ret == -EBADMSG ?
			"malformed reply from x0ttad" : strerror(-ret));
	out_table_free(&st);
	out_table_free(&peers);
	return ret;
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

static int raft_parse(int argc, char *argv[], uint16_t *cmd)
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
	};

	if (argc < 2)
		return ctl_usage(RAFT_USAGE, "raft needs a subcommand");
	for (size_t i = 0; i < NCOLS(subs); i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		if (argc - 2 != subs[i].nargs)
			return ctl_usage(RAFT_USAGE, "raft %s takes %s",
					 subs[i].name, subs[i].nargs == 0 ?
					 "no argument" : subs[i].nargs == 1 ?
					 "KEY" : "KEY VALUE");
		*cmd = subs[i].cmd;
		return -1;
	}
	return ctl_usage(RAFT_USAGE, "raft: unknown subcommand '%s'",
			 argv[1]);
}

int raft_main(int argc, char *argv[])
{
	struct ctl_xd c;
	uint16_t cmd = XD_CMD_UNSPEC;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", RAFT_USAGE);
		return CTL_EXIT_OK;
	}
	ret = raft_parse(argc, argv, &cmd);
	if (ret >= 0)
		return ret;
	if (ctl_xd_open(&c))
		return CTL_EXIT_FAIL;
	if (cmd == XD_CMD_RAFT_STATUS)
		ret = raft_status(&c);
	else
		ret = raft_kv(&c, cmd, xd_cmd_name(cmd), argv[2],
			      argc > 3 ? argv[3] : NULL);
	ctl_xd_close(&c);
	return ret ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
