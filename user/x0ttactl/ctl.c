// SPDX-License-Identifier: GPL-2.0
/*
 * What every x0ttactl command shares: talking to the x0tta family,
 * turning kernel refusals into one clear line, usage errors, and filling
 * output tables from attributes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/ctl.h"

struct out_opts ctl_out;

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("x0ttactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("x0ttactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: x0ttactl %s\n", usage);
	return CTL_EXIT_USAGE;
}

bool ctl_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int ctl_no_args(int argc, char *argv[], const char *usage)
{
	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", usage);
		return CTL_EXIT_OK;
	}
	if (argc > 1)
		return ctl_usage(usage, "%s: unexpected argument '%s'",
				 argv[0], argv[1]);
	return -1;
}

int ctl_open(struct ctl *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = genl_open(&c->gs);
	if (ret < 0) {
		ctl_err("cannot open a generic netlink socket: %s",
			strerror(-ret));
		return ret;
	}
	ret = genl_family_resolve(&c->gs, X0TTA_GENL_NAME, &c->fam, NULL);
	if (ret == -ENOENT) {
		ctl_err("x0tta kernel module is not loaded (modprobe x0tta / insmod x0tta.ko)");
		goto err_close;
	}
	if (ret < 0) {
		ctl_err("cannot look up generic netlink family %s: %s",
			X0TTA_GENL_NAME, strerror(-ret));
		goto err_close;
	}
	return 0;

err_close:
	genl_close(&c->gs);
	return ret;
}

void ctl_close(struct ctl *c)
{
	genl_close(&c->gs);
}

struct nlmsghdr *ctl_msg(struct ctl *c, uint8_t cmd, uint16_t flags)
{
	return genl_msg_start(&c->gs, c->fam.id, cmd, X0TTA_GENL_VERSION,
			      flags);
}

/* Top-level attributes, as a person would call them. */
static const char *const ctl_top_names[X0TTA_A_MAX + 1] = {
	[X0TTA_A_VERSION] = "version",
	[X0TTA_A_GENL_VERSION] = "genl_version",
	[X0TTA_A_CONFIG] = "config",
	[X0TTA_A_IFACE] = "interface",
	[X0TTA_A_STATS] = "stats",
};

static const char *ctl_col_name(const struct out_col *cols, size_t n,
				unsigned int attr)
{
	for (size_t i = 0; i < n; i++) {
		if (cols[i].attr == attr)
			return cols[i].name;
	}
	return NULL;
}

const char *ctl_attr_name(const uint16_t *path, unsigned int depth)
{
	if (depth == 0 || path[0] > X0TTA_A_MAX)
		return NULL;
	if (depth == 1)
		return ctl_top_names[path[0]];
	if (depth == 2 && path[0] == X0TTA_A_CONFIG)
		return ctl_col_name(ctl_config_cols, ctl_config_ncols, path[1]);
	return NULL;
}

static void ctl_append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ctl_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void ctl_format_missing(char *buf, size_t len, const char *what,
			       const struct genl_err *err)
{
	uint16_t path[GENL_ERR_DEPTH_MAX + 1];
	const char *name;

	memcpy(path, err->miss_path, err->miss_depth * sizeof(*path));
	path[err->miss_depth] = err->miss_type;
	name = ctl_attr_name(path, err->miss_depth + 1);
	if (name)
		ctl_append(buf, len, "%s: missing attribute %s", what, name);
	else
		ctl_append(buf, len, "%s: missing attribute %u", what,
			   err->miss_type);
	if (err->has_msg)
		ctl_append(buf, len, ": %s", err->msg);
}

/*
 * "<attr>: <kernel message> (<min>..<max>)", each part only when the
 * kernel gave it; "<what>: <strerror>" when it gave nothing at all.
 */
void ctl_format_error(char *buf, size_t len, const char *what,
		      const struct genl_err *err)
{
	const char *attr = NULL;

	if (!len)
		return;
	buf[0] = '\0';
	if (err->has_attr)
		attr = ctl_attr_name(err->attr_path, err->attr_depth);
	if (err->has_miss_type) {
		ctl_format_missing(buf, len, what, err);
		return;
	}
	ctl_append(buf, len, "%s: %s", attr ? attr : what,
		   err->has_msg ? err->msg : strerror(-err->err));
	if (err->has_range && err->range_signed)
		ctl_append(buf, len, " (%lld..%lld)", (long long)err->min,
			   (long long)err->max);
	else if (err->has_range)
		ctl_append(buf, len, " (%llu..%llu)",
			   (unsigned long long)err->min,
			   (unsigned long long)err->max);
	if (err->err == -EPERM && !err->has_msg)
		ctl_append(buf, len, " (needs CAP_NET_ADMIN)");
}

int ctl_request(struct ctl *c, const char *what, genl_cb_t cb, void *data)
{
	struct genl_err err;
	bool from_kernel;
	char msg[512];
	int ret;

	ret = genl_request(&c->gs, cb, data, &err);
	if (ret == 0)
		return 0;
	/* err.err is only set by an error reply; otherwise it is ours. */
	from_kernel = err.err != 0;
	if (!from_kernel && ret == -EBADMSG) {
		ctl_err("%s: malformed reply from the kernel", what);
		return ret;
	}
	if (!from_kernel && ret == -EAGAIN) {
		ctl_err("%s: the table changed while it was read; try again",
			what);
		return ret;
	}
	if (!from_kernel)
		err.err = ret;
	ctl_format_error(msg, sizeof(msg), what, &err);
	ctl_err("%s", msg);
	return ret;
}

static int ctl_fill_cell(struct out_table *t, size_t row, size_t col,
			 const struct nlattr *a)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (t->cols[col].type) {
	case OUT_U64:
		if (len == 1)
			return out_table_set_u64(t, row, col, mnl_attr_get_u8(a));
		if (len == 2)
			return out_table_set_u64(t, row, col, mnl_attr_get_u16(a));
		if (len == 4)
			return out_table_set_u64(t, row, col, mnl_attr_get_u32(a));
		if (len == 8)
			return out_table_set_u64(t, row, col, mnl_attr_get_u64(a));
		return -EBADMSG;
	case OUT_BOOL:
		if (len != 1)
			return -EBADMSG;
		return out_table_set_bool(t, row, col, mnl_attr_get_u8(a));
	case OUT_STR:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		return out_table_set_str(t, row, col, mnl_attr_get_str(a));
	}
	return -EBADMSG;
}

int ctl_fill_row(struct out_table *t, size_t row, const struct nlattr **tb,
		 unsigned int maxtype)
{
	int ret;

	for (size_t c = 0; c < t->ncols; c++) {
		unsigned int attr = t->cols[c].attr;

		if (!attr || attr > maxtype || !tb[attr])
			continue;
		ret = ctl_fill_cell(t, row, c, tb[attr]);
		if (ret < 0)
			return ret;
	}
	return 0;
}
