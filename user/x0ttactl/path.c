// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl path add|del|show: the next hops x0tta.ko spreads the
 * unicast traffic of a destination originator over.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define PATH_USAGE \
	"path add ORIG via IFNAME NEIGH_MAC [weight W] [via IFNAME NEIGH_MAC [weight W]]...\n" \
	"       x0ttactl path del ORIG\n" \
	"       x0ttactl [-j] path [show]"

#define PATH_MAC_SYNTAX "six hex pairs separated by ':'"

static int path_parse_orig(const char *what, int argc, char *argv[],
			   struct ctl_path_req *req, char *msg, size_t len)
{
	if (argc == 0) {
		snprintf(msg, len, "%s: ORIG missing", what);
		return -EINVAL;
	}
	if (ctl_mac_parse(argv[0], req->orig) < 0) {
		snprintf(msg, len, "%s: ORIG '%s' is not a MAC address (%s)",
			 what, argv[0], PATH_MAC_SYNTAX);
		return -EINVAL;
	}
	return 0;
}

/* "via IFNAME NEIGH_MAC" at argv[0..2]: one more next hop, weight 1. */
static int path_parse_via(int argc, char *argv[], struct ctl_path_req *req,
			  char *msg, size_t len)
{
	unsigned int h = req->nhops;
	uint32_t ifindex;

	if (h == CTL_PATH_ARG_HOPS) {
		snprintf(msg, len, "path add: more than %d next hops",
			 CTL_PATH_ARG_HOPS);
		return -EINVAL;
	}
	if (argc < 2) {
		snprintf(msg, len, "via: IFNAME missing");
		return -EINVAL;
	}
	/* if_nametoindex() would read a too long name as some other one. */
	ifindex = strlen(argv[1]) < IF_NAMESIZE ? if_nametoindex(argv[1]) : 0;
	if (!ifindex) {
		snprintf(msg, len, "via: no interface '%s' in this namespace",
			 argv[1]);
		return -ENODEV;
	}
	if (argc < 3) {
		snprintf(msg, len, "via %s: NEIGH_MAC missing", argv[1]);
		return -EINVAL;
	}
	if (ctl_mac_parse(argv[2], req->hops[h].neigh) < 0) {
		snprintf(msg, len, "via %s: '%s' is not a MAC address (%s)",
			 argv[1], argv[2], PATH_MAC_SYNTAX);
		return -EINVAL;
	}
	req->hops[h].ifindex = ifindex;
	req->hops[h].weight = 1;
	req->nhops++;
	return 0;
}

/*
 * "weight W" at argv[0..1], for the last next hop. 0 is left for the
 * module to refuse; only what cannot be sent as a u8 is refused here.
 */
static int path_parse_weight(int argc, char *argv[], struct ctl_path_req *req,
			     bool *given, char *msg, size_t len)
{
	uint64_t w;
	int ret;

	if (req->nhops == 0) {
		snprintf(msg, len, "weight: must follow 'via IFNAME NEIGH_MAC'");
		return -EINVAL;
	}
	if (*given) {
		snprintf(msg, len, "weight: given twice for one next hop");
		return -EINVAL;
	}
	if (argc < 2) {
		snprintf(msg, len, "weight: value missing");
		return -EINVAL;
	}
	ret = ctl_parse_uint(argv[1], UINT8_MAX, &w);
	if (ret == -ERANGE)
		snprintf(msg, len, "weight: '%s' is too large (at most %u)",
			 argv[1], UINT8_MAX);
	else if (ret < 0)
		snprintf(msg, len,
			 "weight: '%s' is not an unsigned decimal integer",
			 argv[1]);
	if (ret < 0)
		return ret;
	req->hops[req->nhops - 1].weight = w;
	*given = true;
	return 0;
}

int ctl_path_parse_add(int argc, char *argv[], struct ctl_path_req *req,
		       char *msg, size_t len)
{
	bool weight_given = false;
	int i = 1, ret;

	memset(req, 0, sizeof(*req));
	ret = path_parse_orig("path add", argc, argv, req, msg, len);
	if (ret < 0)
		return ret;
	while (i < argc) {
		if (!strcmp(argv[i], "via")) {
			ret = path_parse_via(argc - i, argv + i, req, msg, len);
			weight_given = false;
			i += 3;
		} else if (!strcmp(argv[i], "weight")) {
			ret = path_parse_weight(argc - i, argv + i, req,
						&weight_given, msg, len);
			i += 2;
		} else {
			snprintf(msg, len,
				 "path add: unexpected '%s' (expected via or weight)",
				 argv[i]);
			ret = -EINVAL;
		}
		if (ret < 0)
			return ret;
	}
	if (req->nhops == 0) {
		snprintf(msg, len, "path add: no next hop (via IFNAME NEIGH_MAC)");
		return -EINVAL;
	}
	return 0;
}

int ctl_path_parse_del(int argc, char *argv[], struct ctl_path_req *req,
		       char *msg, size_t len)
{
	int ret;

	memset(req, 0, sizeof(*req));
	ret = path_parse_orig("path del", argc, argv, req, msg, len);
	if (ret < 0)
		return ret;
	if (argc > 1) {
		snprintf(msg, len, "path del: unexpected argument '%s'",
			 argv[1]);
		return -EINVAL;
	}
	return 0;
}

void ctl_path_put(struct nlmsghdr *nlh, const struct ctl_path_req *req)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, X0TTA_A_PATH);

	mnl_attr_put(nlh, X0TTA_PATH_A_ORIG, CTL_MAC_LEN, req->orig);
	for (unsigned int i = 0; i < req->nhops; i++) {
		struct nlattr *hop = mnl_attr_nest_start(nlh, X0TTA_PATH_A_HOP);

		mnl_attr_put_u32(nlh, X0TTA_HOP_A_IFINDEX, req->hops[i].ifindex);
		mnl_attr_put(nlh, X0TTA_HOP_A_NEIGH, CTL_MAC_LEN,
			     req->hops[i].neigh);
		mnl_attr_put_u8(nlh, X0TTA_HOP_A_WEIGHT, req->hops[i].weight);
		mnl_attr_nest_end(nlh, hop);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* ---- show ---------------------------------------------------------------- */

enum { PATH_DEST_ORIG };

static const struct out_col path_dest_cols[] = {
	[PATH_DEST_ORIG] = { .name = "orig", .type = OUT_STR },
	{ .name = "frames", .type = OUT_U64, .attr = X0TTA_PATH_A_FRAMES },
	{ .name = "bytes", .type = OUT_U64, .attr = X0TTA_PATH_A_BYTES },
};

enum { PATH_HOP_IFNAME, PATH_HOP_NEIGH, PATH_HOP_WEIGHT, PATH_HOP_STATE };

static const struct out_col path_hop_cols[] = {
	[PATH_HOP_IFNAME] = { .name = "ifname", .type = OUT_STR },
	[PATH_HOP_NEIGH] = { .name = "neigh", .type = OUT_STR },
	[PATH_HOP_WEIGHT] = {
		.name = "weight", .type = OUT_U64, .attr = X0TTA_HOP_A_WEIGHT,
	},
	[PATH_HOP_STATE] = { .name = "state", .type = OUT_STR },
	{ .name = "frames", .type = OUT_U64, .attr = X0TTA_HOP_A_FRAMES },
	{ .name = "bytes", .type = OUT_U64, .attr = X0TTA_HOP_A_BYTES },
};

#define PATH_NCOLS(cols) (sizeof(cols) / sizeof((cols)[0]))

/* Text: ORIG, then every hop column. */
static const struct out_col path_text_cols[] = {
	{ .name = "orig", .type = OUT_STR },
	{ .name = "ifname", .type = OUT_STR },
	{ .name = "neigh", .type = OUT_STR },
	{ .name = "weight", .type = OUT_U64 },
	{ .name = "state", .type = OUT_STR },
	{ .name = "frames", .type = OUT_U64 },
	{ .name = "bytes", .type = OUT_U64 },
};

void ctl_path_show_init(struct ctl_path_show *ps)
{
	memset(ps, 0, sizeof(*ps));
	out_table_init(&ps->dests, path_dest_cols, PATH_NCOLS(path_dest_cols));
}

void ctl_path_show_free(struct ctl_path_show *ps)
{
	for (size_t i = 0; i < ps->dests.nrows; i++)
		out_table_free(&ps->hops[i]);
	free(ps->hops);
	out_table_free(&ps->dests);
}

static int path_hop_add(struct out_table *t, const struct nlattr *nest)
{
	const struct nlattr *tb[X0TTA_HOP_A_MAX + 1];
	char buf[CTL_MAC_STRLEN], name[CTL_IFNAME_LEN];
	uint8_t mac[CTL_MAC_LEN];
	size_t row = t->nrows;
	int ret;

	if (genl_parse_nest(nest, tb, X0TTA_HOP_A_MAX) < 0 ||
	    !tb[X0TTA_HOP_A_IFINDEX] || !tb[X0TTA_HOP_A_NEIGH] ||
	    mnl_attr_validate(tb[X0TTA_HOP_A_IFINDEX], MNL_TYPE_U32) < 0 ||
	    ctl_mac_attr(tb[X0TTA_HOP_A_NEIGH], mac) < 0)
		return -EBADMSG;
	if (tb[X0TTA_HOP_A_STATE] &&
	    mnl_attr_validate(tb[X0TTA_HOP_A_STATE], MNL_TYPE_U8) < 0)
		return -EBADMSG;
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	ctl_ifname(mnl_attr_get_u32(tb[X0TTA_HOP_A_IFINDEX]), name);
	ctl_mac_format(mac, buf);
	if (out_table_set_str(t, row, PATH_HOP_IFNAME, name) < 0 ||
	    out_table_set_str(t, row, PATH_HOP_NEIGH, buf) < 0)
		return -ENOMEM;
	if (tb[X0TTA_HOP_A_STATE] &&
	    out_table_set_str(t, row, PATH_HOP_STATE,
			      ctl_neigh_state_name(mnl_attr_get_u8(tb[X0TTA_HOP_A_STATE]),
						   buf, sizeof(buf))) < 0)
		return -ENOMEM;
	return ctl_fill_row(t, row, tb, X0TTA_HOP_A_MAX);
}

/* Every X0TTA_PATH_A_HOP of @path, in the order the module sent them. */
static int path_hops_add(struct out_table *t, const struct nlattr *path)
{
	const struct nlattr *a;
	int ret;

	mnl_attr_for_each_nested(a, path) {
		if (mnl_attr_get_type(a) != X0TTA_PATH_A_HOP)
			continue;
		ret = path_hop_add(t, a);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int path_grow(struct ctl_path_show *ps)
{
	struct out_table *hops;
	size_t cap;

	if (ps->dests.nrows < ps->cap)
		return 0;
	cap = ps->cap ? 2 * ps->cap : 16;
	hops = realloc(ps->hops, cap * sizeof(*hops));
	if (!hops)
		return -ENOMEM;
	ps->hops = hops;
	ps->cap = cap;
	return 0;
}

/*
 * The next hops are parsed first, so a bad one adds no destination; a
 * bad counter of the destination itself fails the whole command anyway.
 */
int ctl_path_show_add(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct nlattr *ptb[X0TTA_PATH_A_MAX + 1];
	struct ctl_path_show *ps = data;
	size_t row = ps->dests.nrows;
	char orig[CTL_MAC_STRLEN];
	uint8_t mac[CTL_MAC_LEN];
	struct out_table hops;
	int ret;

	if (genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0 || !tb[X0TTA_A_PATH] ||
	    genl_parse_nest(tb[X0TTA_A_PATH], ptb, X0TTA_PATH_A_MAX) < 0 ||
	    !ptb[X0TTA_PATH_A_ORIG] ||
	    ctl_mac_attr(ptb[X0TTA_PATH_A_ORIG], mac) < 0)
		return -EBADMSG;
	ret = path_grow(ps);
	if (ret < 0)
		return ret;
	out_table_init(&hops, path_hop_cols, PATH_NCOLS(path_hop_cols));
	ret = path_hops_add(&hops, tb[X0TTA_A_PATH]);
	if (ret == 0)
		ret = out_table_add_row(&ps->dests);
	if (ret < 0) {
		out_table_free(&hops);
		return ret;
	}
	/* From here on the row owns the hops: ctl_path_show_free() frees. */
	ps->hops[row] = hops;
	ctl_mac_format(mac, orig);
	ret = out_table_set_str(&ps->dests, row, PATH_DEST_ORIG, orig);
	if (ret < 0)
		return ret;
	return ctl_fill_row(&ps->dests, row, ptb, X0TTA_PATH_A_MAX);
}

static void path_copy_cell(struct out_table *to, size_t row, size_t col,
			   const struct out_table *from, size_t frow,
			   size_t fcol)
{
	const struct out_cell *c = &from->cells[frow * from->ncols + fcol];

	if (!c->set)
		return;
	if (from->cols[fcol].type == OUT_STR)
		out_table_set_str(to, row, col, c->str);
	else
		out_table_set_u64(to, row, col, c->u64);
}

/* Text table: each hop row behind its destination's orig. */
static int path_text_table(const struct ctl_path_show *ps, struct out_table *t)
{
	out_table_init(t, path_text_cols, PATH_NCOLS(path_text_cols));
	for (size_t d = 0; d < ps->dests.nrows; d++) {
		const struct out_table *h = &ps->hops[d];

		for (size_t r = 0; r < h->nrows; r++) {
			if (out_table_add_row(t) < 0)
				return -ENOMEM;
			path_copy_cell(t, t->nrows - 1, 0, &ps->dests, d,
				       PATH_DEST_ORIG);
			for (size_t c = 0; c < h->ncols; c++)
				path_copy_cell(t, t->nrows - 1, c + 1, h, r, c);
		}
	}
	return 0;
}

static void path_json_u64(struct out_json *w, const struct out_table *t,
			  size_t row, size_t col)
{
	const struct out_cell *c = &t->cells[row * t->ncols + col];

	if (c->set)
		out_json_u64(w, t->cols[col].name, c->u64);
	else
		out_json_null(w, t->cols[col].name);
}

static int path_print_json(const struct ctl_path_show *ps, FILE *f)
{
	const struct out_table *d = &ps->dests;
	struct out_json w;

	out_json_init(&w, f);
	out_json_open_array(&w, NULL);
	for (size_t r = 0; r < d->nrows; r++) {
		out_json_open_object(&w, NULL);
		out_json_string(&w, "orig",
				d->cells[r * d->ncols + PATH_DEST_ORIG].str);
		for (size_t c = PATH_DEST_ORIG + 1; c < d->ncols; c++)
			path_json_u64(&w, d, r, c);
		out_table_print_json(&ps->hops[r], &w, "hops");
		out_json_close_object(&w);
	}
	out_json_close_array(&w);
	return out_json_finish(&w);
}

int ctl_path_show_print(const struct ctl_path_show *ps, FILE *f,
			const struct out_opts *o)
{
	struct out_table t;
	int ret;

	if (o->json)
		return path_print_json(ps, f);
	ret = path_text_table(ps, &t);
	if (ret == 0)
		ret = out_table_print(&t, f, o);
	out_table_free(&t);
	return ret;
}

/* ---- the command --------------------------------------------------------- */

static int path_show(struct ctl *c)
{
	struct ctl_path_show ps;
	int ret;

	ctl_path_show_init(&ps);
	ctl_msg(c, X0TTA_CMD_GET_PATH, NLM_F_DUMP);
	ret = ctl_request(c, "path", ctl_path_show_add, &ps);
	if (ret < 0)
		goto cleanup;
	ret = ctl_path_show_print(&ps, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("path: cannot write output: %s", strerror(-ret));
cleanup:
	ctl_path_show_free(&ps);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static int path_change(struct ctl *c, uint8_t cmd, const char *what,
		       const struct ctl_path_req *req)
{
	ctl_path_put(ctl_msg(c, cmd, 0), req);
	if (ctl_request(c, what, NULL, NULL) < 0)
		return CTL_EXIT_FAIL;
	return CTL_EXIT_OK;
}

static int path_help(void)
{
	printf("Usage: x0ttactl %s\n"
	       "\n"
	       "add installs the next hops of destination originator ORIG,\n"
	       "replacing the entry ORIG had, if any: 1 to %d next hops, each\n"
	       "a hard interface and the neighbour's MAC address on it, with\n"
	       "a weight of 1..255 (default 1) for its share of the flows.\n"
	       "del removes the entry; show lists every entry with counters.\n",
	       PATH_USAGE, X0TTA_PATH_MAX_HOPS);
	return CTL_EXIT_OK;
}

int path_main(int argc, char *argv[])
{
	struct ctl_path_req req;
	uint8_t cmd = X0TTA_CMD_GET_PATH;
	struct ctl c;
	char msg[256];
	int ret = 0;

	if (argc == 2 && ctl_is_help(argv[1]))
		return path_help();
	if (argc > 1 && !strcmp(argv[1], "add")) {
		cmd = X0TTA_CMD_SET_PATH;
		ret = ctl_path_parse_add(argc - 2, argv + 2, &req, msg,
					 sizeof(msg));
	} else if (argc > 1 && !strcmp(argv[1], "del")) {
		cmd = X0TTA_CMD_DEL_PATH;
		ret = ctl_path_parse_del(argc - 2, argv + 2, &req, msg,
					 sizeof(msg));
	} else if (argc > 2 && !strcmp(argv[1], "show")) {
		snprintf(msg, sizeof(msg), "path show: unexpected argument '%s'",
			 argv[2]);
		ret = -EINVAL;
	} else if (argc > 1 && strcmp(argv[1], "show")) {
		snprintf(msg, sizeof(msg), "path: unknown subcommand '%s'",
			 argv[1]);
		ret = -EINVAL;
	}
	/* The whole command line is checked before the kernel is asked. */
	if (ret < 0)
		return ctl_usage(PATH_USAGE, "%s", msg);
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	if (cmd == X0TTA_CMD_SET_PATH)
		ret = path_change(&c, cmd, "path add", &req);
	else if (cmd == X0TTA_CMD_DEL_PATH)
		ret = path_change(&c, cmd, "path del", &req);
	else
		ret = path_show(&c);
	ctl_close(&c);
	return ret;
}
