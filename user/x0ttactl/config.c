// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl config [set KEY VALUE [KEY VALUE...]]
 *
 * Shows or changes the module's configuration in this network namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define CONFIG_USAGE "[-j] config [set KEY VALUE [KEY VALUE...]]"

/* OUT_U64 keys are u32 attributes, OUT_BOOL keys u8. */
const struct out_col ctl_config_cols[] = {
	{
		.name = "echo_interval_ms", .type = OUT_U64,
		.attr = X0TTA_CONFIG_A_ECHO_INTERVAL_MS,
	},
	{
		.name = "detect_mult", .type = OUT_U64,
		.attr = X0TTA_CONFIG_A_DETECT_MULT,
	},
	{
		.name = "holdq_limit", .type = OUT_U64,
		.attr = X0TTA_CONFIG_A_HOLDQ_LIMIT,
	},
	{
		.name = "holdq_timeout_ms", .type = OUT_U64,
		.attr = X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS,
	},
	{
		.name = "multipath", .type = OUT_BOOL,
		.attr = X0TTA_CONFIG_A_MULTIPATH,
	},
	{
		.name = "echo_fast_ms", .type = OUT_U64,
		.attr = X0TTA_CONFIG_A_ECHO_FAST_MS,
	},
};

const size_t ctl_config_ncols = sizeof(ctl_config_cols) /
				sizeof(ctl_config_cols[0]);

static const struct out_col *config_key(const char *name)
{
	for (size_t i = 0; i < ctl_config_ncols; i++) {
		if (!strcmp(ctl_config_cols[i].name, name))
			return &ctl_config_cols[i];
	}
	return NULL;
}

/*
 * Decimal digits only: strtoul() would also take blanks, a sign (and
 * turn "-1" into ULONG_MAX), and hex with base 0, none of which belong
 * in a configuration value.
 */
static int config_parse_u32(const char *s, uint32_t *v)
{
	uint64_t acc = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		acc = acc * 10 + (*s - '0');
		if (acc > UINT32_MAX)
			return -ERANGE;
	}
	*v = acc;
	return 0;
}

static int config_parse_bool(const char *s, uint32_t *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "1")) {
		*v = 1;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "0")) {
		*v = 0;
		return 0;
	}
	return -EINVAL;
}

static int config_parse_value(const struct out_col *key, const char *s,
			      uint32_t *v, char *msg, size_t len)
{
	int ret;

	if (key->type == OUT_BOOL) {
		ret = config_parse_bool(s, v);
		if (ret < 0)
			snprintf(msg, len, "%s: '%s' is not on, off, 1 or 0",
				 key->name, s);
		return ret;
	}
	ret = config_parse_u32(s, v);
	if (ret == -ERANGE)
		snprintf(msg, len, "%s: '%s' is too large (at most %u)",
			 key->name, s, UINT32_MAX);
	else if (ret < 0)
		snprintf(msg, len, "%s: '%s' is not an unsigned decimal integer",
			 key->name, s);
	return ret;
}

static void config_list_keys(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ctl_config_ncols && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 ctl_config_cols[i].name);
}

static bool config_has_key(const struct ctl_config_set *set,
			   const struct out_col *key)
{
	for (unsigned int i = 0; i < set->n; i++) {
		if (set->items[i].key == key)
			return true;
	}
	return false;
}

int ctl_config_parse(int argc, char *argv[], struct ctl_config_set *set,
		     char *msg, size_t len)
{
	char keys[128];
	int ret;

	memset(set, 0, sizeof(*set));
	if (argc == 0) {
		snprintf(msg, len, "config set: nothing to set");
		return -EINVAL;
	}
	for (int i = 0; i < argc; i += 2) {
		const struct out_col *key = config_key(argv[i]);

		if (!key) {
			config_list_keys(keys, sizeof(keys));
			snprintf(msg, len, "unknown config key '%s' (one of: %s)",
				 argv[i], keys);
			return -EINVAL;
		}
		if (i + 1 == argc) {
			snprintf(msg, len, "%s: value missing", key->name);
			return -EINVAL;
		}
		/* Each key at most once, so items[] cannot overflow. */
		if (config_has_key(set, key)) {
			snprintf(msg, len, "%s: given twice", key->name);
			return -EINVAL;
		}
		ret = config_parse_value(key, argv[i + 1],
					 &set->items[set->n].value, msg, len);
		if (ret < 0)
			return ret;
		set->items[set->n++].key = key;
	}
	return 0;
}

static int config_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ctb[X0TTA_CONFIG_A_MAX + 1];
	struct out_table *t = data;
	int ret;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_CONFIG] ||
	    genl_parse_nest(tb[X0TTA_A_CONFIG], ctb, X0TTA_CONFIG_A_MAX) < 0)
		return -EBADMSG;
	/* One reply: a second one would be a protocol error. */
	if (t->nrows)
		return -EBADMSG;
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	return ctl_fill_row(t, 0, ctb, X0TTA_CONFIG_A_MAX);
}

static int config_show(struct ctl *c)
{
	struct out_table t;
	int ret;

	out_table_init(&t, ctl_config_cols, ctl_config_ncols);
	ctl_msg(c, X0TTA_CMD_GET_CONFIG, 0);
	ret = ctl_request(c, "config", config_get_cb, &t);
	if (ret < 0)
		goto cleanup;
	ret = out_record_print(&t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("config: cannot write output: %s", strerror(-ret));
cleanup:
	out_table_free(&t);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

void ctl_config_put(struct nlmsghdr *nlh, const struct ctl_config_set *set)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_CONFIG);

	for (unsigned int i = 0; i < set->n; i++) {
		const struct out_col *key = set->items[i].key;

		if (key->type == OUT_BOOL)
			mnl_attr_put_u8(nlh, key->attr, set->items[i].value);
		else
			mnl_attr_put_u32(nlh, key->attr, set->items[i].value);
	}
	mnl_attr_nest_end(nlh, nest);
}

static int config_set(struct ctl *c, const struct ctl_config_set *set)
{
	ctl_config_put(ctl_msg(c, X0TTA_CMD_SET_CONFIG, 0), set);
	if (ctl_request(c, "config set", NULL, NULL) < 0)
		return CTL_EXIT_FAIL;
	return CTL_EXIT_OK;
}

int config_main(int argc, char *argv[])
{
	struct ctl_config_set set;
	struct ctl c;
	char msg[256];
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\nKeys:", CONFIG_USAGE);
		for (size_t i = 0; i < ctl_config_ncols; i++)
			printf(" %s", ctl_config_cols[i].name);
		printf("\n");
		return CTL_EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "set"))
		return ctl_usage(CONFIG_USAGE, "config: unknown subcommand '%s'",
				 argv[1]);
	/* Check the whole command line before touching the kernel. */
	if (argc > 1 &&
	    ctl_config_parse(argc - 2, argv + 2, &set, msg, sizeof(msg)) < 0)
		return ctl_usage(CONFIG_USAGE, "%s", msg);
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	if (argc > 1)
		ret = config_set(&c, &set);
	else
		ret = config_show(&c);
	ctl_close(&c);
	return ret;
}
