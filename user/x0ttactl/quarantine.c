// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl quarantine add|del|show: the neighbour and originator
 * addresses whose frames x0tta.ko drops in both directions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define QUARANTINE_USAGE \
	"quarantine add MAC | del MAC\n" \
	"       x0ttactl [-j] quarantine [show]"

enum { QUARANTINE_ADDR };

const struct out_col ctl_quarantine_cols[] = {
	[QUARANTINE_ADDR] = { .name = "addr", .type = OUT_STR },
	{
		.name = "dropped", .type = OUT_U64,
		.attr = X0TTA_QUARANTINE_A_DROPPED,
	},
};

const size_t ctl_quarantine_ncols = sizeof(ctl_quarantine_cols) /
				    sizeof(ctl_quarantine_cols[0]);

static int quarantine_parse_addr(int argc, char *argv[],
				 uint8_t addr[CTL_MAC_LEN], char *msg,
				 size_t len)
{
	if (argc < 2) {
		snprintf(msg, len, "quarantine %s: MAC missing", argv[0]);
		return -EINVAL;
	}
	if (ctl_mac_parse(argv[1], addr) < 0) {
		snprintf(msg, len,
			 "quarantine %s: '%s' is not a MAC address (six hex pairs separated by ':')",
			 argv[0], argv[1]);
		return -EINVAL;
	}
	if (argc > 2) {
		snprintf(msg, len, "quarantine %s: unexpected argument '%s'",
			 argv[0], argv[2]);
		return -EINVAL;
	}
	return 0;
}

int ctl_quarantine_parse(int argc, char *argv[], uint8_t *cmd,
			 uint8_t addr[CTL_MAC_LEN], char *msg, size_t len)
{
	if (argc == 0 || !strcmp(argv[0], "show")) {
		if (argc > 1) {
			snprintf(msg, len,
				 "quarantine show: unexpected argument '%s'",
				 argv[1]);
			return -EINVAL;
		}
		*cmd = X0TTA_CMD_GET_QUARANTINE;
		return 0;
	}
	if (!strcmp(argv[0], "add")) {
		*cmd = X0TTA_CMD_ADD_QUARANTINE;
	} else if (!strcmp(argv[0], "del")) {
		*cmd = X0TTA_CMD_DEL_QUARANTINE;
	} else {
		snprintf(msg, len, "quarantine: unknown subcommand '%s'",
			 argv[0]);
		return -EINVAL;
	}
	return quarantine_parse_addr(argc, argv, addr, msg, len);
}

void ctl_quarantine_put(struct nlmsghdr *nlh, const uint8_t addr[CTL_MAC_LEN])
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_QUARANTINE);

	mnl_attr_put(nlh, X0TTA_QUARANTINE_A_ADDR, CTL_MAC_LEN, addr);
	mnl_attr_nest_end(nlh, nest);
}

int ctl_quarantine_add(const struct nlmsghdr *nlh, void *table)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *qtb[X0TTA_QUARANTINE_A_MAX + 1];
	struct out_table *t = table;
	char addr[CTL_MAC_STRLEN];
	uint8_t mac[CTL_MAC_LEN];
	size_t row = t->nrows;
	int ret;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 ||
	    !tb[X0TTA_A_QUARANTINE] ||
	    genl_parse_nest(tb[X0TTA_A_QUARANTINE], qtb,
			    X0TTA_QUARANTINE_A_MAX) < 0 ||
	    !qtb[X0TTA_QUARANTINE_A_ADDR] ||
	    ctl_mac_attr(qtb[X0TTA_QUARANTINE_A_ADDR], mac) < 0)
		return -EBADMSG;
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	ctl_mac_format(mac, addr);
	ret = out_table_set_str(t, row, QUARANTINE_ADDR, addr);
	if (ret < 0)
		return ret;
	return ctl_fill_row(t, row, qtb, X0TTA_QUARANTINE_A_MAX);
}

static int quarantine_show(struct ctl *c)
{
	struct out_table t;
	int ret;

	out_table_init(&t, ctl_quarantine_cols, ctl_quarantine_ncols);
	ctl_msg(c, X0TTA_CMD_GET_QUARANTINE, NLM_F_DUMP);
	ret = ctl_request(c, "quarantine", ctl_quarantine_add, &t);
	if (ret < 0)
		goto cleanup;
	ret = out_table_print(&t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("quarantine: cannot write output: %s", strerror(-ret));
cleanup:
	out_table_free(&t);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static int quarantine_change(struct ctl *c, uint8_t cmd,
			     const uint8_t addr[CTL_MAC_LEN])
{
	const char *what = cmd == X0TTA_CMD_ADD_QUARANTINE ?
			   "quarantine add" : "quarantine del";

	ctl_quarantine_put(ctl_msg(c, cmd, 0), addr);
	if (ctl_request(c, what, NULL, NULL) < 0)
		return CTL_EXIT_FAIL;
	return CTL_EXIT_OK;
}

int quarantine_main(int argc, char *argv[])
{
	uint8_t addr[CTL_MAC_LEN];
	struct ctl c;
	char msg[256];
	uint8_t cmd;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n"
		       "\n"
		       "MAC is a neighbour's interface address or an originator\n"
		       "address; frames from and to it are dropped.\n",
		       QUARANTINE_USAGE);
		return CTL_EXIT_OK;
	}
	if (ctl_quarantine_parse(argc - 1, argv + 1, &cmd, addr, msg,
				 sizeof(msg)) < 0)
		return ctl_usage(QUARANTINE_USAGE, "%s", msg);
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	if (cmd == X0TTA_CMD_GET_QUARANTINE)
		ret = quarantine_show(&c);
	else
		ret = quarantine_change(&c, cmd, addr);
	ctl_close(&c);
	return ret;
}
