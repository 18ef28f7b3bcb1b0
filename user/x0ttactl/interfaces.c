// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl interfaces: the hard interfaces x0tta is attached to, the
 * batadv interface each is enslaved to, and its frame totals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define INTERFACES_USAGE "[-j] interfaces"

enum {
	IFACES_IFNAME,
	IFACES_IFINDEX,
	IFACES_MESH,
	IFACES_MESH_IFINDEX,
	IFACES_RX_FRAMES,
	IFACES_RX_BYTES,
	IFACES_TX_FRAMES,
	IFACES_TX_BYTES,
};

static const struct out_col interfaces_cols[] = {
	[IFACES_IFNAME] = {
		.name = "ifname", .type = OUT_STR,
		.attr = X0TTA_IFACE_A_IFNAME,
	},
	[IFACES_IFINDEX] = {
		.name = "ifindex", .type = OUT_U64,
		.attr = X0TTA_IFACE_A_IFINDEX,
	},
	[IFACES_MESH] = {
		.name = "mesh_ifname", .type = OUT_STR,
		.attr = X0TTA_IFACE_A_MESH_IFNAME,
	},
	[IFACES_MESH_IFINDEX] = {
		.name = "mesh_ifindex", .type = OUT_U64,
		.attr = X0TTA_IFACE_A_MESH_IFINDEX,
	},
	[IFACES_RX_FRAMES] = { .name = "rx_frames", .type = OUT_U64 },
	[IFACES_RX_BYTES] = { .name = "rx_bytes", .type = OUT_U64 },
	[IFACES_TX_FRAMES] = { .name = "tx_frames", .type = OUT_U64 },
	[IFACES_TX_BYTES] = { .name = "tx_bytes", .type = OUT_U64 },
};

struct interfaces_state {
	struct out_table t;
	struct ctl_counters *cnt;	/* scratch, one interface at a time */
};

static int interfaces_totals(struct out_table *t, size_t row,
			     const struct ctl_counters *cnt)
{
	uint64_t frames[2], bytes[2];

	ctl_counters_sum(cnt, frames, bytes);
	if (out_table_set_u64(t, row, IFACES_RX_FRAMES, frames[X0TTA_DIR_RX]) ||
	    out_table_set_u64(t, row, IFACES_RX_BYTES, bytes[X0TTA_DIR_RX]) ||
	    out_table_set_u64(t, row, IFACES_TX_FRAMES, frames[X0TTA_DIR_TX]) ||
	    out_table_set_u64(t, row, IFACES_TX_BYTES, bytes[X0TTA_DIR_TX]))
		return -EINVAL;
	return 0;
}

static int interfaces_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *itb[X0TTA_IFACE_A_MAX + 1];
	struct interfaces_state *st = data;
	size_t row = st->t.nrows;
	int ret;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_IFACE] ||
	    genl_parse_nest(tb[X0TTA_A_IFACE], itb, X0TTA_IFACE_A_MAX) < 0)
		return -EBADMSG;
	memset(st->cnt, 0, sizeof(*st->cnt));
	if (itb[X0TTA_IFACE_A_STATS]) {
		ret = ctl_counters_parse(itb[X0TTA_IFACE_A_STATS], st->cnt);
		if (ret < 0)
			return ret;
	}
	ret = out_table_add_row(&st->t);
	if (ret < 0)
		return ret;
	ret = ctl_fill_row(&st->t, row, itb, X0TTA_IFACE_A_MAX);
	if (ret < 0)
		return ret;
	return interfaces_totals(&st->t, row, st->cnt);
}

int interfaces_main(int argc, char *argv[])
{
	struct interfaces_state st;
	struct ctl c;
	int ret;

	ret = ctl_no_args(argc, argv, INTERFACES_USAGE);
	if (ret >= 0)
		return ret;
	out_table_init(&st.t, interfaces_cols,
		       sizeof(interfaces_cols) / sizeof(interfaces_cols[0]));
	st.cnt = malloc(sizeof(*st.cnt));
	if (!st.cnt) {
		ctl_err("interfaces: %s", strerror(ENOMEM));
		return CTL_EXIT_FAIL;
	}
	ret = ctl_open(&c);
	if (ret < 0)
		goto err_free;
	ctl_msg(&c, X0TTA_CMD_GET_IFACE, NLM_F_DUMP);
	ret = ctl_request(&c, "interfaces", interfaces_cb, &st);
	if (ret < 0)
		goto err_close;
	ret = out_table_print(&st.t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("interfaces: cannot write output: %s", strerror(-ret));
err_close:
	ctl_close(&c);
err_free:
	out_table_free(&st.t);
	free(st.cnt);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
