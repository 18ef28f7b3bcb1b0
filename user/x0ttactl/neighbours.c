// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl neighbours: the neighbours x0tta.ko sends liveness echoes to,
 * whether they answer, and how fast.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define NEIGHBOURS_USAGE "[-j] neighbours"

enum { NEIGH_IFNAME, NEIGH_ADDR, NEIGH_STATE };

/* The first three are decoded by hand; the rest straight from attrs. */
const struct out_col ctl_neigh_cols[] = {
	[NEIGH_IFNAME] = { .name = "ifname", .type = OUT_STR },
	[NEIGH_ADDR] = { .name = "addr", .type = OUT_STR },
	[NEIGH_STATE] = { .name = "state", .type = OUT_STR },
	{
		.name = "rtt_last_us", .type = OUT_U64,
		.attr = X0TTA_NEIGH_A_RTT_LAST_US,
	},
	{
		.name = "rtt_smooth_us", .type = OUT_U64,
		.attr = X0TTA_NEIGH_A_RTT_SMOOTH_US,
	},
	{
		.name = "echo_sent", .type = OUT_U64,
		.attr = X0TTA_NEIGH_A_ECHO_SENT,
	},
	{
		.name = "echo_received", .type = OUT_U64,
		.attr = X0TTA_NEIGH_A_ECHO_RECEIVED,
	},
	{ .name = "changes", .type = OUT_U64, .attr = X0TTA_NEIGH_A_CHANGES },
};

const size_t ctl_neigh_ncols = sizeof(ctl_neigh_cols) /
			       sizeof(ctl_neigh_cols[0]);

static int neigh_set_names(struct out_table *t, size_t row,
			   const struct nlattr **tb)
{
	char ifname[CTL_IFNAME_LEN], addr[CTL_MAC_STRLEN], buf[8];
	uint8_t mac[CTL_MAC_LEN];

	ctl_mac_attr(tb[X0TTA_NEIGH_A_ADDR], mac);
	ctl_mac_format(mac, addr);
	ctl_ifname(mnl_attr_get_u32(tb[X0TTA_NEIGH_A_IFINDEX]), ifname);
	if (out_table_set_str(t, row, NEIGH_IFNAME, ifname) < 0 ||
	    out_table_set_str(t, row, NEIGH_ADDR, addr) < 0)
		return -ENOMEM;
	if (!tb[X0TTA_NEIGH_A_STATE])
		return 0;
	return out_table_set_str(t, row, NEIGH_STATE,
				 ctl_neigh_state_name(mnl_attr_get_u8(tb[X0TTA_NEIGH_A_STATE]),
						      buf, sizeof(buf)));
}

int ctl_neigh_add(const struct nlmsghdr *nlh, void *table)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ntb[X0TTA_NEIGH_A_MAX + 1];
	struct out_table *t = table;
	uint8_t mac[CTL_MAC_LEN];
	size_t row = t->nrows;
	int ret;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_NEIGH] ||
	    genl_parse_nest(tb[X0TTA_A_NEIGH], ntb, X0TTA_NEIGH_A_MAX) < 0 ||
	    !ntb[X0TTA_NEIGH_A_IFINDEX] || !ntb[X0TTA_NEIGH_A_ADDR] ||
	    mnl_attr_validate(ntb[X0TTA_NEIGH_A_IFINDEX], MNL_TYPE_U32) < 0 ||
	    ctl_mac_attr(ntb[X0TTA_NEIGH_A_ADDR], mac) < 0)
		return -EBADMSG;
	if (ntb[X0TTA_NEIGH_A_STATE] &&
	    mnl_attr_validate(ntb[X0TTA_NEIGH_A_STATE], MNL_TYPE_U8) < 0)
		return -EBADMSG;
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	ret = neigh_set_names(t, row, ntb);
	if (ret < 0)
		return ret;
	return ctl_fill_row(t, row, ntb, X0TTA_NEIGH_A_MAX);
}

int neighbours_main(int argc, char *argv[])
{
	struct out_table t;
	struct ctl c;
	int ret;

	ret = ctl_no_args(argc, argv, NEIGHBOURS_USAGE);
	if (ret >= 0)
		return ret;
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	out_table_init(&t, ctl_neigh_cols, ctl_neigh_ncols);
	ctl_msg(&c, X0TTA_CMD_GET_NEIGH, NLM_F_DUMP);
	ret = ctl_request(&c, "neighbours", ctl_neigh_add, &t);
	if (ret < 0)
		goto cleanup;
	ret = out_table_print(&t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("neighbours: cannot write output: %s", strerror(-ret));
cleanup:
	out_table_free(&t);
	ctl_close(&c);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
