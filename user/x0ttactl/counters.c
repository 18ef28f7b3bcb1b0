// SPDX-License-Identifier: GPL-2.0
/*
 * Frame counters by direction and batman-adv packet type, as the module
 * sends them (X0TTA_STATS_A_COUNTER nests, non-zero ones only) and as
 * `stats` prints them (every known type, zeros included).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/x0tta.h>

#include "x0ttactl/ctl.h"

/* enum batadv_packettype of batman-adv 2022.3, the names batctl uses. */
static const char *const ctl_ptype_names[256] = {
	[0x00] = "iv_ogm",
	[0x01] = "bcast",
	[0x02] = "coded",
	[0x03] = "elp",
	[0x04] = "ogm2",
	[0x40] = "unicast",
	[0x41] = "unicast_frag",
	[0x42] = "unicast_4addr",
	[0x43] = "icmp",
	[0x44] = "unicast_tvlv",
	[X0TTA_PTYPE_OTHER] = "other",
};

enum {
	CTL_CNT_TYPE,
	CTL_CNT_RX_FRAMES,
	CTL_CNT_RX_BYTES,
	CTL_CNT_TX_FRAMES,
	CTL_CNT_TX_BYTES,
};

static const struct out_col ctl_counter_cols[] = {
	[CTL_CNT_TYPE] = { .name = "type", .type = OUT_STR },
	[CTL_CNT_RX_FRAMES] = { .name = "rx_frames", .type = OUT_U64 },
	[CTL_CNT_RX_BYTES] = { .name = "rx_bytes", .type = OUT_U64 },
	[CTL_CNT_TX_FRAMES] = { .name = "tx_frames", .type = OUT_U64 },
	[CTL_CNT_TX_BYTES] = { .name = "tx_bytes", .type = OUT_U64 },
};

/*
 * Datapath totals of the namespace. HOLDQ_LEN is a u32 gauge, the rest
 * u64 counters; OUT_U64 columns print either.
 */
static const struct out_col ctl_ns_cols[] = {
	{ .name = "rerouted", .type = OUT_U64, .attr = X0TTA_STATS_A_REROUTED },
	{
		.name = "holdq_queued", .type = OUT_U64,
		.attr = X0TTA_STATS_A_HOLDQ_QUEUED,
	},
	{
		.name = "holdq_sent", .type = OUT_U64,
		.attr = X0TTA_STATS_A_HOLDQ_SENT,
	},
	{
		.name = "holdq_overflow", .type = OUT_U64,
		.attr = X0TTA_STATS_A_HOLDQ_OVERFLOW,
	},
	{
		.name = "holdq_expired", .type = OUT_U64,
		.attr = X0TTA_STATS_A_HOLDQ_EXPIRED,
	},
	{
		.name = "holdq_len", .type = OUT_U64,
		.attr = X0TTA_STATS_A_HOLDQ_LEN,
	},
	{
		.name = "quarantine_dropped", .type = OUT_U64,
		.attr = X0TTA_STATS_A_QUARANTINE_DROPPED,
	},
};

#define CTL_NS_NCOLS (sizeof(ctl_ns_cols) / sizeof(ctl_ns_cols[0]))

const char *ctl_ptype_name(unsigned int ptype, char *buf, size_t len)
{
	if (ptype < 256 && ctl_ptype_names[ptype])
		return ctl_ptype_names[ptype];
	snprintf(buf, len, "0x%02x", ptype & 0xff);
	return buf;
}

static int ctl_counter_parse(const struct nlattr *nest, struct ctl_counters *c)
{
	const struct nlattr *tb[X0TTA_COUNTER_A_MAX + 1];
	uint8_t dir, ptype;

	if (genl_parse_nest(nest, tb, X0TTA_COUNTER_A_MAX) < 0 ||
	    !tb[X0TTA_COUNTER_A_DIR] || !tb[X0TTA_COUNTER_A_PTYPE] ||
	    mnl_attr_validate(tb[X0TTA_COUNTER_A_DIR], MNL_TYPE_U8) < 0 ||
	    mnl_attr_validate(tb[X0TTA_COUNTER_A_PTYPE], MNL_TYPE_U8) < 0)
		return -EBADMSG;
	if ((tb[X0TTA_COUNTER_A_FRAMES] &&
	     mnl_attr_validate(tb[X0TTA_COUNTER_A_FRAMES], MNL_TYPE_U64) < 0) ||
	    (tb[X0TTA_COUNTER_A_BYTES] &&
	     mnl_attr_validate(tb[X0TTA_COUNTER_A_BYTES], MNL_TYPE_U64) < 0))
		return -EBADMSG;
	dir = mnl_attr_get_u8(tb[X0TTA_COUNTER_A_DIR]);
	ptype = mnl_attr_get_u8(tb[X0TTA_COUNTER_A_PTYPE]);
	if (dir != X0TTA_DIR_RX && dir != X0TTA_DIR_TX)
		return -EBADMSG;
	c->seen[ptype] = true;
	/* An absent counter is a zero one: the module omits those. */
	if (tb[X0TTA_COUNTER_A_FRAMES])
		c->frames[dir][ptype] +=
			mnl_attr_get_u64(tb[X0TTA_COUNTER_A_FRAMES]);
	if (tb[X0TTA_COUNTER_A_BYTES])
		c->bytes[dir][ptype] +=
			mnl_attr_get_u64(tb[X0TTA_COUNTER_A_BYTES]);
	return 0;
}

static int ctl_ns_parse(const struct nlattr **tb, struct ctl_counters *c)
{
	for (size_t i = 0; i < CTL_NS_NCOLS; i++) {
		unsigned int attr = ctl_ns_cols[i].attr;
		enum mnl_attr_data_type type = attr == X0TTA_STATS_A_HOLDQ_LEN ?
					       MNL_TYPE_U32 : MNL_TYPE_U64;

		if (!tb[attr])
			continue;
		if (mnl_attr_validate(tb[attr], type) < 0)
			return -EBADMSG;
		c->ns[attr] = type == MNL_TYPE_U32 ? mnl_attr_get_u32(tb[attr]) :
						     mnl_attr_get_u64(tb[attr]);
		c->has_ns[attr] = true;
	}
	return 0;
}

int ctl_counters_parse(const struct nlattr *stats, struct ctl_counters *c)
{
	const struct nlattr *tb[X0TTA_STATS_A_MAX + 1];
	const struct nlattr *a;
	int ret;

	/* Checks the stream as a whole; COUNTER repeats, so walk it below. */
	if (genl_parse_nest(stats, tb, X0TTA_STATS_A_MAX) < 0)
		return -EBADMSG;
	if (tb[X0TTA_STATS_A_IFACES]) {
		if (mnl_attr_validate(tb[X0TTA_STATS_A_IFACES], MNL_TYPE_U32) < 0)
			return -EBADMSG;
		c->ifaces = mnl_attr_get_u32(tb[X0TTA_STATS_A_IFACES]);
		c->has_ifaces = true;
	}
	ret = ctl_ns_parse(tb, c);
	if (ret < 0)
		return ret;
	mnl_attr_for_each_nested(a, stats) {
		if (mnl_attr_get_type(a) != X0TTA_STATS_A_COUNTER)
			continue;
		ret = ctl_counter_parse(a, c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int ctl_counters_row(const struct ctl_counters *c, struct out_table *t,
			    unsigned int ptype)
{
	size_t row = t->nrows;
	char buf[8];
	int ret;

	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	ret = out_table_set_str(t, row, CTL_CNT_TYPE,
				ctl_ptype_name(ptype, buf, sizeof(buf)));
	if (ret < 0)
		return ret;
	out_table_set_u64(t, row, CTL_CNT_RX_FRAMES,
			  c->frames[X0TTA_DIR_RX][ptype]);
	out_table_set_u64(t, row, CTL_CNT_RX_BYTES,
			  c->bytes[X0TTA_DIR_RX][ptype]);
	out_table_set_u64(t, row, CTL_CNT_TX_FRAMES,
			  c->frames[X0TTA_DIR_TX][ptype]);
	out_table_set_u64(t, row, CTL_CNT_TX_BYTES,
			  c->bytes[X0TTA_DIR_TX][ptype]);
	return 0;
}

int ctl_counters_table(const struct ctl_counters *c, struct out_table *t)
{
	int ret;

	out_table_init(t, ctl_counter_cols,
		       sizeof(ctl_counter_cols) / sizeof(ctl_counter_cols[0]));
	for (unsigned int p = 0; p < 256; p++) {
		if (!ctl_ptype_names[p] && !c->seen[p])
			continue;
		ret = ctl_counters_row(c, t, p);
		if (ret < 0) {
			out_table_free(t);
			return ret;
		}
	}
	return 0;
}

void ctl_counters_sum(const struct ctl_counters *c, uint64_t frames[2],
		      uint64_t bytes[2])
{
	for (int d = 0; d < 2; d++) {
		frames[d] = 0;
		bytes[d] = 0;
		for (int p = 0; p < 256; p++) {
			frames[d] += c->frames[d][p];
			bytes[d] += c->bytes[d][p];
		}
	}
}

/*
 * The record above the table: what the counters are of, and the
 * namespace totals the module sent. @cols holds its columns.
 */
static int ctl_counters_head_table(const struct ctl_counters *c,
				   const char *ifname, struct out_table *h,
				   struct out_col *cols)
{
	static const struct out_col ifname_col = {
		.name = "ifname", .type = OUT_STR,
	};
	static const struct out_col ifaces_col = {
		.name = "interfaces", .type = OUT_U64,
	};
	size_t n = 0;
	int ret;

	if (ifname)
		cols[n++] = ifname_col;
	else if (c->has_ifaces)
		cols[n++] = ifaces_col;
	for (size_t i = 0; i < CTL_NS_NCOLS; i++) {
		if (c->has_ns[ctl_ns_cols[i].attr])
			cols[n++] = ctl_ns_cols[i];
	}
	out_table_init(h, cols, n);
	if (n == 0)
		return 0;
	ret = out_table_add_row(h);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (cols[i].type == OUT_STR)
			ret = out_table_set_str(h, 0, i, ifname);
		else if (!cols[i].attr)
			ret = out_table_set_u64(h, 0, i, c->ifaces);
		else
			ret = out_table_set_u64(h, 0, i, c->ns[cols[i].attr]);
	}
	return ret;
}

static int ctl_counters_head(const struct ctl_counters *c, const char *ifname,
			     FILE *f, const struct out_opts *o)
{
	struct out_col cols[CTL_NS_NCOLS + 1];
	struct out_table h;
	int ret;

	ret = ctl_counters_head_table(c, ifname, &h, cols);
	if (ret == 0 && h.nrows) {
		out_record_print_text(&h, 0, f, o->color);
		fputc('\n', f);
	}
	out_table_free(&h);
	return ret;
}

/* JSON: added after "counters", as new keys are (x0ttactl.rst). */
static void ctl_counters_ns_json(const struct ctl_counters *c,
				 struct out_json *w)
{
	for (size_t i = 0; i < CTL_NS_NCOLS; i++) {
		unsigned int attr = ctl_ns_cols[i].attr;

		if (c->has_ns[attr])
			out_json_u64(w, ctl_ns_cols[i].name, c->ns[attr]);
	}
}

int ctl_counters_print(const struct ctl_counters *c, const char *ifname,
		       FILE *f, const struct out_opts *o)
{
	struct out_table t;
	struct out_json w;
	int ret;

	ret = ctl_counters_table(c, &t);
	if (ret < 0)
		return ret;
	if (o->json) {
		out_json_init(&w, f);
		out_json_open_object(&w, NULL);
		if (ifname)
			out_json_string(&w, "ifname", ifname);
		if (c->has_ifaces)
			out_json_u64(&w, "interfaces", c->ifaces);
		out_table_print_json(&t, &w, "counters");
		ctl_counters_ns_json(c, &w);
		out_json_close_object(&w);
		ret = out_json_finish(&w);
		goto cleanup;
	}
	ret = ctl_counters_head(c, ifname, f, o);
	if (ret < 0)
		goto cleanup;
	out_table_print_text(&t, f, o->color);
	ret = fflush(f) || ferror(f) ? -EIO : 0;
cleanup:
	out_table_free(&t);
	return ret;
}
