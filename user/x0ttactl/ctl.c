// SPDX-License-Identifier: GPL-2.0
/*
 * What every x0ttactl command shares: talking to the x0tta family,
 * turning kernel refusals into one clear line, usage errors, and filling
 * output tables from attributes.
 */
#include <errno.h>
#include <net/if.h>
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
	[X0TTA_A_PATH] = "path",
	[X0TTA_A_NEIGH] = "neighbour",
	[X0TTA_A_QUARANTINE] = "quarantine",
};

/*
 * Inside a path or quarantine request, the words of the command line
 * and the columns of `path show`/`quarantine show`: the kernel refuses
 * IFINDEX, but the user typed an interface name.
 */
static const char *const ctl_path_names[X0TTA_PATH_A_MAX + 1] = {
	[X0TTA_PATH_A_ORIG] = "orig",
	[X0TTA_PATH_A_HOP] = "hop",
};

static const char *const ctl_hop_names[X0TTA_HOP_A_MAX + 1] = {
	[X0TTA_HOP_A_IFINDEX] = "ifname",
	[X0TTA_HOP_A_NEIGH] = "neigh",
	[X0TTA_HOP_A_WEIGHT] = "weight",
};

static const char *const ctl_quarantine_names[X0TTA_QUARANTINE_A_MAX + 1] = {
	[X0TTA_QUARANTINE_A_ADDR] = "addr",
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
	if (depth == 2 && path[0] == X0TTA_A_PATH &&
	    path[1] <= X0TTA_PATH_A_MAX)
		return ctl_path_names[path[1]];
	if (depth == 3 && path[0] == X0TTA_A_PATH &&
	    path[1] == X0TTA_PATH_A_HOP && path[2] <= X0TTA_HOP_A_MAX)
		return ctl_hop_names[path[2]];
	if (depth == 2 && path[0] == X0TTA_A_QUARANTINE &&
	    path[1] <= X0TTA_QUARANTINE_A_MAX)
		return ctl_quarantine_names[path[1]];
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

int ctl_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t acc = 0;

	/* "12x" is not a number even when "12..." alone would be too big. */
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	for (; *s; s++) {
		uint64_t d = *s - '0';

		/* acc * 10 + d <= max, asked without overflowing. */
		if (d > max || acc > (max - d) / 10)
			return -ERANGE;
		acc = acc * 10 + d;
	}
	*v = acc;
	return 0;
}

static int ctl_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ctl_mac_parse(const char *s, uint8_t mac[CTL_MAC_LEN])
{
	uint8_t out[CTL_MAC_LEN];

	/* Fixed layout: "a:b:..." or "aabb.ccdd..." are not accepted. */
	if (strlen(s) != CTL_MAC_STRLEN - 1)
		return -EINVAL;
	for (int i = 0; i < CTL_MAC_LEN; i++) {
		const char *p = s + 3 * i;
		int hi = ctl_hex_digit(p[0]);
		int lo = ctl_hex_digit(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < CTL_MAC_LEN - 1 && p[2] != ':')
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	memcpy(mac, out, CTL_MAC_LEN);
	return 0;
}

void ctl_mac_format(const uint8_t mac[CTL_MAC_LEN], char buf[CTL_MAC_STRLEN])
{
	snprintf(buf, CTL_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void ctl_ifname(uint32_t ifindex, char buf[CTL_IFNAME_LEN])
{
	char name[IF_NAMESIZE];

	if (ifindex && if_indextoname(ifindex, name)) {
		snprintf(buf, CTL_IFNAME_LEN, "%s", name);
		return;
	}
	snprintf(buf, CTL_IFNAME_LEN, "if%u", ifindex);
}

int ctl_mac_attr(const struct nlattr *a, uint8_t mac[CTL_MAC_LEN])
{
	if (mnl_attr_get_payload_len(a) != CTL_MAC_LEN)
		return -EBADMSG;
	memcpy(mac, mnl_attr_get_payload(a), CTL_MAC_LEN);
	return 0;
}

const char *ctl_neigh_state_name(unsigned int state, char *buf, size_t len)
{
	switch (state) {
	case X0TTA_NEIGH_UNKNOWN:
		return "unknown";
	case X0TTA_NEIGH_UP:
		return "up";
	case X0TTA_NEIGH_DOWN:
		return "down";
	}
	/* A newer module's state: show it rather than refuse the table. */
	snprintf(buf, len, "%u", state);
	return buf;
}
