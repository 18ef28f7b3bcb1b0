// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl crdt status | get KS [KEY] | dump [KS] | put KS KEY VALUE |
 *              del KS KEY | add KS ELEM | remove KS ELEM | incr KS [N]
 *
 * The node's replica of the CRDT store. Reads are local (the store only
 * converges, it promises no more); writes are acknowledged once on this
 * node's disk and reach the others by gossip.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define CRDT_USAGE "[-j] [-s SOCKET] crdt status | get KS [KEY] | " \
	"dump [KS] |\n" \
	"       put KS KEY VALUE | del KS KEY | add KS ELEM | " \
	"remove KS ELEM | incr KS [N]\n" \
	"A keyspace's first write fixes its type: put/del a map, " \
	"add/remove a set,\nincr a counter (N may be negative, default 1)"

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

static const struct out_col crdt_status_cols[] = {
	{ "node_id", OUT_U64, XD_A_NODE_ID },
	{ "msgs_sent", OUT_U64, XD_A_MSGS_SENT },
	{ "bytes_sent", OUT_U64, XD_A_BYTES_SENT },
	{ "deltas_applied", OUT_U64, XD_A_DELTAS_APPLIED },
	{ "dropped", OUT_U64, XD_A_DROPPED },
	{ "journal_bytes", OUT_U64, XD_A_JOURNAL_BYTES },
};

static const struct out_col crdt_ks_cols[] = {
	{ "keyspace", OUT_STR, XD_KS_A_NAME },
	{ "type", OUT_STR, XD_KS_A_TYPE },
	{ "size", OUT_U64, XD_KS_A_SIZE },
};

enum { DUMP_KS, DUMP_TYPE, DUMP_KEY, DUMP_VALUE };

static const struct out_col crdt_dump_cols[] = {
	[DUMP_KS] = { "keyspace", OUT_STR, XD_ENTRY_A_KEYSPACE },
	[DUMP_TYPE] = { "type", OUT_STR, XD_ENTRY_A_TYPE },
	[DUMP_KEY] = { "key", OUT_STR, 0 },
	[DUMP_VALUE] = { "value", OUT_STR, 0 },
};

struct crdt_sub {
	const char *name;
	uint16_t cmd;
	int min, max;		/* arguments after the subcommand */
	const char *args;
};

static const struct crdt_sub crdt_subs[] = {
	{ "status", XD_CMD_CRDT_STATUS, 0, 0, "no argument" },
	{ "get", XD_CMD_CRDT_GET, 1, 2, "KS [KEY]" },
	{ "dump", XD_CMD_CRDT_DUMP, 0, 1, "[KS]" },
	{ "put", XD_CMD_CRDT_PUT, 3, 3, "KS KEY VALUE" },
	{ "del", XD_CMD_CRDT_DEL, 2, 2, "KS KEY" },
	{ "add", XD_CMD_CRDT_ADD, 2, 2, "KS ELEM" },
	{ "remove", XD_CMD_CRDT_REMOVE, 2, 2, "KS ELEM" },
	{ "incr", XD_CMD_CRDT_INCR, 1, 2, "KS [N]" },
};

static int crdt_dump_fill(struct out_table *t, size_t row,
			  const struct nlattr **tb)
{
	char num[24];
	int ret = 0;

	if (tb[XD_ENTRY_A_KEY])
		ret = ctl_xd_set_bin(t, row, DUMP_KEY, tb[XD_ENTRY_A_KEY]);
	if (!ret && tb[XD_ENTRY_A_VALUE])
		ret = ctl_xd_set_bin(t, row, DUMP_VALUE, tb[XD_ENTRY_A_VALUE]);
	if (!ret && tb[XD_ENTRY_A_COUNT]) {
		if (mnl_attr_get_payload_len(tb[XD_ENTRY_A_COUNT]) != 8)
			return -EBADMSG;
		snprintf(num, sizeof(num), "%" PRId64,
			 (int64_t)mnl_attr_get_u64(tb[XD_ENTRY_A_COUNT]));
		ret = out_table_set_str(t, row, DUMP_VALUE, num);
	}
	return ret;
}

static int crdt_status_show(struct ctl_xd *c)
{
	static const struct ctl_xd_view v = {
		crdt_status_cols, NCOLS(crdt_status_cols), "crdt",
		crdt_ks_cols, NCOLS(crdt_ks_cols), "keyspaces",
		XD_A_KEYSPACES, XD_KS_A_MAX,
	};

	return ctl_xd_show(c, &v);
}

static int crdt_dump_show(const struct ctl_xd *c)
{
	struct out_table t;
	int ret;

	out_table_init(&t, crdt_dump_cols, NCOLS(crdt_dump_cols));
	ret = ctl_xd_rows(c, XD_A_ENTRY, &t, XD_ENTRY_A_MAX, crdt_dump_fill);
	if (!ret)
		ret = out_table_print(&t, stdout, &ctl_out);
	out_table_free(&t);
	if (!ret && c->tb[XD_A_TRUNCATED])
		ctl_err("crdt dump: the store is larger than one reply; "
			"dump one keyspace at a time");
	return ret;
}

/* map: the value; set: the element; counter: its value. */
static int crdt_get_show(const struct ctl_xd *c)
{
	const struct nlattr *v = c->tb[XD_A_VALUE], *k = c->tb[XD_A_KEY];
	const struct nlattr *n = c->tb[XD_A_AMOUNT];
	struct out_json w;

	if (!ctl_out.json) {
		if (n)
			return printf("%" PRId64 "\n",
				      (int64_t)mnl_attr_get_u64(n)) < 0 ?
			       -EIO : 0;
		if (!v && !k)
			return -EBADMSG;
		return ctl_xd_print_value(v ? v : k, stdout);
	}
	out_json_init(&w, stdout);
	out_json_open_object(&w, NULL);
	if (n)
		out_json_s64(&w, "value", (int64_t)mnl_attr_get_u64(n));
	if (k) {
		/* Copy: the attribute carries no NUL. */
		size_t len = mnl_attr_get_payload_len(k);
		char *s = strndup(mnl_attr_get_payload(k), len);

		out_json_string(&w, "key", s ? s : "");
		free(s);
	}
	if (v) {
		size_t len = mnl_attr_get_payload_len(v);
		char *s = strndup(mnl_attr_get_payload(v), len);

		out_json_string(&w, "value", s ? s : "");
		free(s);
	}
	out_json_close_object(&w);
	return out_json_finish(&w);
}

/* "N" or "-N", as an int64. */
static int crdt_parse_amount(const char *s, int64_t *v)
{
	bool neg = *s == '-';
	uint64_t u;

	if (ctl_parse_uint(s + neg, neg ? (uint64_t)INT64_MAX + 1 :
			   INT64_MAX, &u))
		return -EINVAL;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

static int crdt_build(struct xd_msg *req, const struct crdt_sub *sub,
		      int argc, char *argv[])
{
	int64_t amount = 1;
	int ret = 0;

	if (argc > 2)
		ret = xd_msg_put_str(req, XD_A_KEYSPACE, argv[2]);
	if (sub->cmd == XD_CMD_CRDT_INCR) {
		if (argc > 3 && crdt_parse_amount(argv[3], &amount))
			return ctl_usage(CRDT_USAGE, "crdt incr: '%s' is not "
					 "an integer", argv[3]);
		return xd_msg_put_u64(req, XD_A_AMOUNT, (uint64_t)amount) ?
		       -EMSGSIZE : -1;
	}
	if (!ret && argc > 3)
		ret = xd_msg_put_bin(req, XD_A_KEY, argv[3], strlen(argv[3]));
	if (!ret && argc > 4)
		ret = xd_msg_put_bin(req, XD_A_VALUE, argv[4],
				     strlen(argv[4]));
	return ret ? -EMSGSIZE : -1;
}

static const struct crdt_sub *crdt_find(int argc, char *argv[], int *ret)
{
	*ret = -1;
	if (argc < 2) {
		*ret = ctl_usage(CRDT_USAGE, "crdt needs a subcommand");
		return NULL;
	}
	for (size_t i = 0; i < NCOLS(crdt_subs); i++) {
		const struct crdt_sub *s = &crdt_subs[i];

		if (strcmp(argv[1], s->name))
			continue;
		if (argc - 2 < s->min || argc - 2 > s->max) {
			*ret = ctl_usage(CRDT_USAGE, "crdt %s takes %s",
					 s->name, s->args);
			return NULL;
		}
		return s;
	}
	*ret = ctl_usage(CRDT_USAGE, "crdt: unknown subcommand '%s'", argv[1]);
	return NULL;
}

static int crdt_show(struct ctl_xd *c, uint16_t cmd)
{
	switch (cmd) {
	case XD_CMD_CRDT_STATUS:
		return crdt_status_show(c);
	case XD_CMD_CRDT_DUMP:
		return crdt_dump_show(c);
	case XD_CMD_CRDT_GET:
		return crdt_get_show(c);
	default:
		return 0;	/* writes print nothing, like ip */
	}
}

int crdt_main(int argc, char *argv[])
{
	static char buf[XD_MSG_MAX];
	const struct crdt_sub *sub;
	struct xd_msg req;
	struct ctl_xd c;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", CRDT_USAGE);
		return CTL_EXIT_OK;
	}
	sub = crdt_find(argc, argv, &ret);
	if (!sub)
		return ret;
	xd_msg_init(&req, buf, sizeof(buf), sub->cmd, 0);
	ret = crdt_build(&req, sub, argc, argv);
	if (ret == -EMSGSIZE) {
		ctl_err("crdt %s: arguments too long for one request",
			sub->name);
		return CTL_EXIT_FAIL;
	}
	if (ret >= 0)
		return ret;
	if (ctl_xd_open(&c))
		return CTL_EXIT_FAIL;
	ret = ctl_xd_call(&c, xd_cmd_name(sub->cmd), &req);
	if (!ret) {
		ret = crdt_show(&c, sub->cmd);
		if (ret)
			ctl_err("%s: %s", xd_cmd_name(sub->cmd),
				ret == -EBADMSG ?
				"malformed reply from x0ttad" : strerror(-ret));
	}
	ctl_xd_close(&c);
	return ret ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
