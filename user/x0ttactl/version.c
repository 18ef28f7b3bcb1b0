// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl version: this program's version and the module's, so a
 * mismatch after an upgrade is visible.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define VERSION_USAGE "[-j] version"

enum { VERSION_CTL, VERSION_MODULE, VERSION_GENL };

static const struct out_col version_cols[] = {
	[VERSION_CTL] = { .name = "x0ttactl", .type = OUT_STR },
	[VERSION_MODULE] = {
		.name = "module", .type = OUT_STR,
		.attr = X0TTA_A_VERSION,
	},
	[VERSION_GENL] = {
		.name = "genl_version", .type = OUT_U64,
		.attr = X0TTA_A_GENL_VERSION,
	},
};

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	struct out_table *t = data;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0)
		return -EBADMSG;
	return ctl_fill_row(t, 0, tb, X0TTA_A_MAX);
}

int version_main(int argc, char *argv[])
{
	struct out_table t;
	struct ctl c;
	int ret;

	ret = ctl_no_args(argc, argv, VERSION_USAGE);
	if (ret >= 0)
		return ret;
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	out_table_init(&t, version_cols,
		       sizeof(version_cols) / sizeof(version_cols[0]));
	ret = out_table_add_row(&t);
	if (ret == 0)
		ret = out_table_set_str(&t, 0, VERSION_CTL, X0TTA_VERSION);
	if (ret < 0) {
		ctl_err("version: %s", strerror(-ret));
		goto cleanup;
	}
	ctl_msg(&c, X0TTA_CMD_GET_VERSION, 0);
	ret = ctl_request(&c, "version", version_cb, &t);
	if (ret < 0)
		goto cleanup;
	ret = out_record_print(&t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("version: cannot write output: %s", strerror(-ret));
cleanup:
	out_table_free(&t);
	ctl_close(&c);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
