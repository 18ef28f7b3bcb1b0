// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl stats [dev IFNAME]: frame counters by batman-adv packet type,
 * of the whole namespace (since the module was loaded) or of one hard
 * interface (since x0tta attached to it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define STATS_USAGE "[-j] stats [dev IFNAME]"

static int stats_ns_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_STATS])
		return -EBADMSG;
	return ctl_counters_parse(tb[X0TTA_A_STATS], data);
}

struct stats_dev {
	const char *ifname;
	bool found;
	struct ctl_counters *c;
};

static int stats_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *itb[X0TTA_IFACE_A_MAX + 1];
	struct stats_dev *sd = data;
	const struct nlattr *name;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_IFACE] ||
	    genl_parse_nest(tb[X0TTA_A_IFACE], itb, X0TTA_IFACE_A_MAX) < 0)
		return -EBADMSG;
	name = itb[X0TTA_IFACE_A_IFNAME];
	if (!name || mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0)
		return -EBADMSG;
	if (strcmp(mnl_attr_get_str(name), sd->ifname))
		return 0;
	sd->found = true;
	if (!itb[X0TTA_IFACE_A_STATS])
		return 0;
	return ctl_counters_parse(itb[X0TTA_IFACE_A_STATS], sd->c);
}

static int stats_fetch(struct ctl *c, const char *ifname,
		       struct ctl_counters *cnt)
{
	struct stats_dev sd = { .ifname = ifname, .c = cnt };
	int ret;

	if (!ifname) {
		ctl_msg(c, X0TTA_CMD_GET_STATS, 0);
		return ctl_request(c, "stats", stats_ns_cb, cnt);
	}
	ctl_msg(c, X0TTA_CMD_GET_IFACE, NLM_F_DUMP);
	ret = ctl_request(c, "stats", stats_dev_cb, &sd);
	if (ret < 0)
		return ret;
	if (!sd.found) {
		ctl_err("stats: x0tta is not attached to %s", ifname);
		return -ENODEV;
	}
	return 0;
}

int stats_main(int argc, char *argv[])
{
	const char *ifname = NULL;
	struct ctl_counters *cnt;
	struct ctl c;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", STATS_USAGE);
		return CTL_EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "dev"))
		return ctl_usage(STATS_USAGE, "stats: unexpected argument '%s'",
				 argv[1]);
	if (argc == 2)
		return ctl_usage(STATS_USAGE, "stats: dev needs an interface name");
	if (argc > 3)
		return ctl_usage(STATS_USAGE, "stats: unexpected argument '%s'",
				 argv[3]);
	if (argc == 3)
		ifname = argv[2];
	/* 8 KiB of counters: too much for the stack of a small helper. */
	cnt = calloc(1, sizeof(*cnt));
	if (!cnt) {
		ctl_err("stats: %s", strerror(ENOMEM));
		return CTL_EXIT_FAIL;
	}
	ret = ctl_open(&c);
	if (ret < 0)
		goto err_free;
	ret = stats_fetch(&c, ifname, cnt);
	if (ret < 0)
		goto err_close;
	ret = ctl_counters_print(cnt, ifname, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("stats: cannot write output: %s", strerror(-ret));
err_close:
	ctl_close(&c);
err_free:
	free(cnt);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
