// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl telemetry: load, attach and detach the link telemetry
 * programs (user/telemetry) and read their pinned maps. Until x0ttad
 * manages them, this is how they get onto the batman-adv hard interfaces.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/tm.h"
#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define TM_USAGE \
	"[-j] telemetry [neighbours | origs | loss | rtt | list]\n" \
	"       x0ttactl telemetry attach [dev IFNAME]... [link-entries N]\n" \
	"                [orig-entries N] [loss-entries N] [rtt-entries N]\n" \
	"                [loss-window N] [verbose]\n" \
	"       x0ttactl telemetry follow [link-entries N]... [verbose]\n" \
	"       x0ttactl telemetry detach [dev IFNAME]...\n" \
	"       x0ttactl telemetry prune SECONDS"

#define TM_DEVS_MAX	64

static void tmc_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* An interface may have gone since the entry was made: show its index. */
static void tmc_ifname(char *buf, uint32_t ifindex)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
}

static uint64_t tmc_age_ms(uint64_t now, uint64_t seen)
{
	return now > seen ? (now - seen) / 1000000 : 0;
}

static int tmc_map_error(const char *what, int err)
{
	if (err == -ENOENT)
		ctl_err("%s: telemetry is not attached (nothing pinned at %s)",
			what, TM_PIN_DIR);
	else if (err == -EINVAL)
		ctl_err("%s: the maps pinned at %s are not x0tta telemetry maps "
			"of this version", what, TM_PIN_DIR);
	else
		ctl_err("%s: %s", what, strerror(-err));
	return CTL_EXIT_FAIL;
}

/* ---- tables ---------------------------------------------------------- */

struct tmc_table {
	struct out_table t;
	uint64_t now;
};

enum { NB_IF, NB_NEIGH, NB_DIR, NB_FRAMES, NB_BYTES, NB_OGM, NB_ELP,
       NB_BCAST, NB_UNICAST, NB_OTHER, NB_AGE };
static const struct out_col tmc_neigh_cols[] = {
	[NB_IF] = { "ifname", OUT_STR, 0 },
	[NB_NEIGH] = { "neighbour", OUT_STR, 0 },
	[NB_DIR] = { "dir", OUT_STR, 0 },
	[NB_FRAMES] = { "frames", OUT_U64, 0 },
	[NB_BYTES] = { "bytes", OUT_U64, 0 },
	[NB_OGM] = { "ogm", OUT_U64, 0 },
	[NB_ELP] = { "elp", OUT_U64, 0 },
	[NB_BCAST] = { "bcast", OUT_U64, 0 },
	[NB_UNICAST] = { "unicast", OUT_U64, 0 },
	[NB_OTHER] = { "other", OUT_U64, 0 },
	[NB_AGE] = { "age_ms", OUT_U64, 0 },
};

static int tmc_neigh_row(const void *key, const void *val, void *ctx)
{
	const struct tm_link_key *k = key;
	const struct tm_link_val *v = val;
	struct tmc_table *tt = ctx;
	struct out_table *t = &tt->t;
	char ifname[IF_NAMESIZE], mac[18];
	uint64_t frames = 0, bytes = 0, unicast = 0;
	size_t r = t->nrows;
	int ret;

	for (int i = 0; i < TM_PT_MAX; i++) {
		frames += v->frames[i];
		bytes += v->bytes[i];
	}
	for (int i = TM_PT_UNICAST; i <= TM_PT_UNICAST_TVLV; i++)
		unicast += v->frames[i];
	tmc_ifname(ifname, k->ifindex);
	tmc_mac(mac, sizeof(mac), k->neigh);
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	out_table_set_str(t, r, NB_IF, ifname);
	out_table_set_str(t, r, NB_NEIGH, mac);
	out_table_set_str(t, r, NB_DIR, k->dir == TM_DIR_INGRESS ? "in" : "out");
	out_table_set_u64(t, r, NB_FRAMES, frames);
	out_table_set_u64(t, r, NB_BYTES, bytes);
	out_table_set_u64(t, r, NB_OGM,
			  v->frames[TM_PT_IV_OGM] + v->frames[TM_PT_OGM2]);
	out_table_set_u64(t, r, NB_ELP, v->frames[TM_PT_ELP]);
	out_table_set_u64(t, r, NB_BCAST, v->frames[TM_PT_BCAST]);
	out_table_set_u64(t, r, NB_UNICAST, unicast);
	out_table_set_u64(t, r, NB_OTHER,
			  v->frames[TM_PT_CODED] + v->frames[TM_PT_OTHER]);
	out_table_set_u64(t, r, NB_AGE, tmc_age_ms(tt->now, v->last_seen_ns));
	return 0;
}

enum { OR_IF, OR_ORIG, OR_NEIGH, OR_ALGO, OR_METRIC, OR_SEQNO, OR_PREV,
       OR_TTL, OR_AGE };
static const struct out_col tmc_orig_cols[] = {
	[OR_IF] = { "ifname", OUT_STR, 0 },
	[OR_ORIG] = { "originator", OUT_STR, 0 },
	[OR_NEIGH] = { "neighbour", OUT_STR, 0 },
	[OR_ALGO] = { "algo", OUT_STR, 0 },
	[OR_METRIC] = { "metric", OUT_U64, 0 },
	[OR_SEQNO] = { "seqno", OUT_U64, 0 },
	[OR_PREV] = { "prev_sender", OUT_STR, 0 },
	[OR_TTL] = { "ttl", OUT_U64, 0 },
	[OR_AGE] = { "age_ms", OUT_U64, 0 },
};

static int tmc_orig_row(const void *key, const void *val, void *ctx)
{
	const struct tm_orig_key *k = key;
	const struct tm_orig_val *v = val;
	struct tmc_table *tt = ctx;
	struct out_table *t = &tt->t;
	char ifname[IF_NAMESIZE], orig[18], neigh[18], prev[18];
	size_t r = t->nrows;
	int ret;

	tmc_ifname(ifname, k->ifindex);
	tmc_mac(orig, sizeof(orig), k->orig);
	tmc_mac(neigh, sizeof(neigh), k->neigh);
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	out_table_set_str(t, r, OR_IF, ifname);
	out_table_set_str(t, r, OR_ORIG, orig);
	out_table_set_str(t, r, OR_NEIGH, neigh);
	out_table_set_str(t, r, OR_ALGO, v->algo == TM_ALGO_IV ? "BATMAN_IV" :
							       "BATMAN_V");
	out_table_set_u64(t, r, OR_METRIC, v->metric);
	out_table_set_u64(t, r, OR_SEQNO, v->seqno);
	/* OGM2 has no prev_sender: leave the cell unset ("-", null). */
	if (v->algo == TM_ALGO_IV) {
		tmc_mac(prev, sizeof(prev), v->prev_sender);
		out_table_set_str(t, r, OR_PREV, prev);
	}
	out_table_set_u64(t, r, OR_TTL, v->ttl);
	out_table_set_u64(t, r, OR_AGE, tmc_age_ms(tt->now, v->last_seen_ns));
	return 0;
}

enum { LO_IF, LO_KIND, LO_ADDR, LO_NEIGH, LO_RCV, LO_LOST, LO_PPM,
       LO_WIN_PPM, LO_RESTARTS, LO_AGE };
static const struct out_col tmc_loss_cols[] = {
	[LO_IF] = { "ifname", OUT_STR, 0 },
	[LO_KIND] = { "kind", OUT_STR, 0 },
	[LO_ADDR] = { "originator", OUT_STR, 0 },
	[LO_NEIGH] = { "neighbour", OUT_STR, 0 },
	[LO_RCV] = { "received", OUT_U64, 0 },
	[LO_LOST] = { "lost", OUT_U64, 0 },
	[LO_PPM] = { "loss_ppm", OUT_U64, 0 },
	[LO_WIN_PPM] = { "window_loss_ppm", OUT_U64, 0 },
	[LO_RESTARTS] = { "restarts", OUT_U64, 0 },
	[LO_AGE] = { "age_ms", OUT_U64, 0 },
};

static int tmc_loss_row(const void *key, const void *val, void *ctx)
{
	const struct tm_loss_key *k = key;
	const struct tm_loss_val *v = val;
	struct tmc_table *tt = ctx;
	struct out_table *t = &tt->t;
	char ifname[IF_NAMESIZE], addr[18], neigh[18];
	size_t r = t->nrows;
	uint32_t ppm;
	int ret;

	tmc_ifname(ifname, k->ifindex);
	tmc_mac(addr, sizeof(addr), k->addr);
	tmc_mac(neigh, sizeof(neigh), k->neigh);
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	out_table_set_str(t, r, LO_IF, ifname);
	out_table_set_str(t, r, LO_KIND, k->kind == TM_SEQ_ELP ? "elp" : "ogm");
	out_table_set_str(t, r, LO_ADDR, addr);
	out_table_set_str(t, r, LO_NEIGH, neigh);
	out_table_set_u64(t, r, LO_RCV, v->received);
	out_table_set_u64(t, r, LO_LOST, v->lost);
	if (!tm_loss_ppm(v, false, &ppm))
		out_table_set_u64(t, r, LO_PPM, ppm);
	if (!tm_loss_ppm(v, true, &ppm))
		out_table_set_u64(t, r, LO_WIN_PPM, ppm);
	out_table_set_u64(t, r, LO_RESTARTS, v->restarts);
	out_table_set_u64(t, r, LO_AGE, tmc_age_ms(tt->now, v->last_seen_ns));
	return 0;
}

enum { RT_IF, RT_NEIGH, RT_SAMPLES, RT_MEDIAN, RT_MAX, RT_AGE };
static const struct out_col tmc_rtt_cols[] = {
	[RT_IF] = { "ifname", OUT_STR, 0 },
	[RT_NEIGH] = { "neighbour", OUT_STR, 0 },
	[RT_SAMPLES] = { "samples", OUT_U64, 0 },
	[RT_MEDIAN] = { "median_us_lt", OUT_U64, 0 },
	[RT_MAX] = { "max_us_lt", OUT_U64, 0 },
	[RT_AGE] = { "age_ms", OUT_U64, 0 },
};

/*
 * A log2 histogram only bounds a quantile: report the upper edge of
 * the slot it falls in, 2^(i+1) us, named "_lt" (less than).
 */
static int tmc_rtt_row(const void *key, const void *val, void *ctx)
{
	const struct tm_rtt_key *k = key;
	const struct tm_rtt_val *v = val;
	struct tmc_table *tt = ctx;
	struct out_table *t = &tt->t;
	char ifname[IF_NAMESIZE], neigh[18];
	uint64_t n = 0, acc = 0;
	int median = -1, max = -1;
	size_t r = t->nrows;
	int ret;

	for (int i = 0; i < TM_RTT_SLOTS; i++) {
		n += v->slots[i];
		if (v->slots[i])
			max = i;
	}
	for (int i = 0; i < TM_RTT_SLOTS && median < 0; i++) {
		acc += v->slots[i];
		if (n && acc * 2 >= n)
			median = i;
	}
	tmc_ifname(ifname, k->ifindex);
	tmc_mac(neigh, sizeof(neigh), k->neigh);
	ret = out_table_add_row(t);
	if (ret < 0)
		return ret;
	out_table_set_str(t, r, RT_IF, ifname);
	out_table_set_str(t, r, RT_NEIGH, neigh);
	out_table_set_u64(t, r, RT_SAMPLES, n);
	if (median >= 0)
		out_table_set_u64(t, r, RT_MEDIAN, 2ull << median);
	if (max >= 0)
		out_table_set_u64(t, r, RT_MAX, 2ull << max);
	out_table_set_u64(t, r, RT_AGE, tmc_age_ms(tt->now, v->last_seen_ns));
	return 0;
}

static const struct {
	const char *name;
	enum tm_map map;
	const struct out_col *cols;
	size_t ncols;
	tm_entry_cb row;
} tmc_views[] = {
	{ "neighbours", TM_MAP_LINK, tmc_neigh_cols,
	  sizeof(tmc_neigh_cols) / sizeof(tmc_neigh_cols[0]), tmc_neigh_row },
	{ "origs", TM_MAP_ORIG, tmc_orig_cols,
	  sizeof(tmc_orig_cols) / sizeof(tmc_orig_cols[0]), tmc_orig_row },
	{ "loss", TM_MAP_LOSS, tmc_loss_cols,
	  sizeof(tmc_loss_cols) / sizeof(tmc_loss_cols[0]), tmc_loss_row },
	{ "rtt", TM_MAP_RTT, tmc_rtt_cols,
	  sizeof(tmc_rtt_cols) / sizeof(tmc_rtt_cols[0]), tmc_rtt_row },
};

static int tmc_show(size_t view)
{
	struct tmc_table tt = { .now = tm_now_ns() };
	int ret;

	out_table_init(&tt.t, tmc_views[view].cols, tmc_views[view].ncols);
	ret = tm_map_walk(NULL, tmc_views[view].map, tmc_views[view].row, &tt);
	if (ret < 0) {
		tmc_map_error(tmc_views[view].name, ret);
		goto out;
	}
	ret = out_table_print(&tt.t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("telemetry: cannot write output: %s", strerror(-ret));
out:
	out_table_free(&tt.t);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

/* ---- list ------------------------------------------------------------ */

enum { LS_IF, LS_IN, LS_OUT };
static const struct out_col tmc_list_cols[] = {
	[LS_IF] = { "ifname", OUT_STR, 0 },
	[LS_IN] = { "ingress_prog_id", OUT_U64, 0 },
	[LS_OUT] = { "egress_prog_id", OUT_U64, 0 },
};

static int tmc_list(void)
{
	struct if_nameindex *ifs, *i;
	uint32_t in_id, eg_id;
	struct out_table t;
	int ret = 0;

	ifs = if_nameindex();
	if (!ifs) {
		ctl_err("telemetry list: %s", strerror(errno));
		return CTL_EXIT_FAIL;
	}
	out_table_init(&t, tmc_list_cols,
		       sizeof(tmc_list_cols) / sizeof(tmc_list_cols[0]));
	for (i = ifs; i->if_index && !ret; i++) {
		/* An interface may vanish while we look: not an error. */
		if (tm_query(i->if_index, &in_id, &eg_id) < 0 ||
		    (!in_id && !eg_id))
			continue;
		ret = out_table_add_row(&t);
		if (ret < 0)
			break;
		out_table_set_str(&t, t.nrows - 1, LS_IF, i->if_name);
		if (in_id)
			out_table_set_u64(&t, t.nrows - 1, LS_IN, in_id);
		if (eg_id)
			out_table_set_u64(&t, t.nrows - 1, LS_OUT, eg_id);
	}
	if (!ret)
		ret = out_table_print(&t, stdout, &ctl_out);
	if (ret < 0)
		ctl_err("telemetry list: %s", strerror(-ret));
	out_table_free(&t);
	if_freenameindex(ifs);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

/* ---- attach / detach ------------------------------------------------- */

struct tmc_devs {
	unsigned int n;
	const char *names[TM_DEVS_MAX];
	char found[TM_DEVS_MAX][IF_NAMESIZE];
};

static int tmc_add_found(const char *ifname, void *ctx)
{
	struct tmc_devs *d = ctx;

	if (d->n == TM_DEVS_MAX)
		return -E2BIG;
	snprintf(d->found[d->n], IF_NAMESIZE, "%s", ifname);
	d->names[d->n] = d->found[d->n];
	d->n++;
	return 0;
}

static int tmc_parse_u32(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static uint32_t *tmc_opt_field(struct tm_opts *o, const char *name)
{
	if (!strcmp(name, "link-entries"))
		return &o->link_entries;
	if (!strcmp(name, "orig-entries"))
		return &o->orig_entries;
	if (!strcmp(name, "loss-entries"))
		return &o->loss_entries;
	if (!strcmp(name, "rtt-entries"))
		return &o->rtt_entries;
	if (!strcmp(name, "loss-window"))
		return &o->loss_window;
	return NULL;
}

/* "dev IF" pairs and "KEY N" options; nothing loaded until all parse. */
static int tmc_parse_attach(int argc, char *argv[], struct tmc_devs *d,
			    struct tm_opts *o, bool *verbose, bool allow_opts)
{
	const char *why;
	uint32_t *field;

	for (int i = 1; i < argc; i++) {
		if (allow_opts && !strcmp(argv[i], "verbose")) {
			*verbose = true;
			continue;
		}
		field = allow_opts ? tmc_opt_field(o, argv[i]) : NULL;
		if (strcmp(argv[i], "dev") && !field)
			return ctl_usage(TM_USAGE, "telemetry %s: unexpected "
					 "argument '%s'", argv[0], argv[i]);
		if (i + 1 == argc)
			return ctl_usage(TM_USAGE, "telemetry %s: %s needs a "
					 "value", argv[0], argv[i]);
		if (field && tmc_parse_u32(argv[i + 1], field))
			return ctl_usage(TM_USAGE, "telemetry %s: %s: '%s' is "
					 "not a number", argv[0], argv[i],
					 argv[i + 1]);
		if (!field) {
			if (d->n == TM_DEVS_MAX)
				return ctl_usage(TM_USAGE, "telemetry %s: more "
						 "than %d devices", argv[0],
						 TM_DEVS_MAX);
			if (!if_nametoindex(argv[i + 1])) {
				ctl_err("telemetry %s: no interface '%s'",
					argv[0], argv[i + 1]);
				return CTL_EXIT_FAIL;
			}
			d->names[d->n++] = argv[i + 1];
		}
		i++;
	}
	if (tm_opts_check(o, &why) < 0)
		return ctl_usage(TM_USAGE, "telemetry %s: %s", argv[0], why);
	return -1;
}

static int tmc_load_error(int err)
{
	if (err == -EEXIST)
		ctl_err("telemetry attach: maps of other sizes are pinned at %s; "
			"detach first to resize", TM_PIN_DIR);
	else if (err == -ENOTSUP)
		ctl_err("telemetry attach: /sys/fs/bpf is not a bpffs mount");
	else
		ctl_err("telemetry attach: cannot load the programs: %s%s",
			strerror(-err), " (run with 'verbose' for libbpf's log)");
	return CTL_EXIT_FAIL;
}

static int tmc_attach(int argc, char *argv[])
{
	struct tm_opts o = { 0 };
	struct tmc_devs d = { 0 };
	bool verbose = false;
	struct tm *t;
	int ret;

	ret = tmc_parse_attach(argc, argv, &d, &o, &verbose, true);
	if (ret >= 0)
		return ret;
	if (!d.n) {
		ret = tm_hardifs(tmc_add_found, &d);
		if (ret < 0 || !d.n) {
			ctl_err("telemetry attach: %s", ret < 0 ? strerror(-ret) :
				"no batman-adv hard interface (give dev IFNAME)");
			return CTL_EXIT_FAIL;
		}
	}
	tm_verbose(verbose);
	ret = tm_load(&t, &o);
	if (ret < 0)
		return tmc_load_error(ret);
	for (unsigned int i = 0; i < d.n && !ret; i++) {
		ret = tm_attach(t, if_nametoindex(d.names[i]));
		if (ret < 0)
			ctl_err("telemetry attach: %s: %s", d.names[i],
				strerror(-ret));
	}
	tm_close(t);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static volatile sig_atomic_t tmc_stop;

static void tmc_on_signal(int sig)
{
	(void)sig;
	tmc_stop = 1;
}

static int tmc_follow_cb(int ifindex, const char *ifname, bool joined,
			 void *ctx)
{
	int ret;

	if (joined) {
		ret = tm_attach(ctx, ifindex);
		if (ret < 0)
			ctl_err("telemetry follow: %s: %s", ifname,
				strerror(-ret));
		else
			printf("attached %s\n", ifname);
	} else {
		/* A deleted interface took its filters with it. */
		ret = tm_detach(ifindex);
		if (ret < 0 && ret != -ENOENT && ret != -ENODEV)
			ctl_err("telemetry follow: %s: %s", ifname,
				strerror(-ret));
		else
			printf("detached %s\n", ifname);
	}
	fflush(stdout);
	/* One interface that cannot be attached must not stop the rest. */
	return 0;
}

/*
 * attach, then keep attaching to interfaces as they join a mesh and
 * detaching from those that leave, until SIGINT or SIGTERM: what the
 * controller will do, for a node run without it. The programs stay
 * attached when it stops, as after attach.
 */
static int tmc_follow(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = tmc_on_signal };
	struct tm_opts o = { 0 };
	struct tmc_devs d = { 0 };
	bool verbose = false;
	struct tm *t;
	int ret;

	ret = tmc_parse_attach(argc, argv, &d, &o, &verbose, true);
	if (ret >= 0)
		return ret;
	if (d.n)
		return ctl_usage(TM_USAGE, "telemetry follow: takes no dev: it "
				 "follows every batman-adv hard interface");
	tm_verbose(verbose);
	ret = tm_load(&t, &o);
	if (ret < 0)
		return tmc_load_error(ret);
	/* No SA_RESTART: the wait for news must end on the signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = tm_follow(tmc_follow_cb, t, &tmc_stop);
	tm_close(t);
	if (ret < 0) {
		ctl_err("telemetry follow: %s", strerror(-ret));
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

static int tmc_attached(const char *ifname, unsigned int ifindex, void *ctx)
{
	struct tmc_devs *d = ctx;
	uint32_t in_id, eg_id;

	if (tm_query(ifindex, &in_id, &eg_id) < 0 || (!in_id && !eg_id))
		return 0;
	return tmc_add_found(ifname, d);
}

static bool tmc_any_attached(void)
{
	struct if_nameindex *ifs, *i;
	uint32_t in_id, eg_id;
	bool any = false;

	ifs = if_nameindex();
	if (!ifs)
		return true;	/* cannot tell: keep the maps */
	for (i = ifs; i->if_index && !any; i++)
		any = !tm_query(i->if_index, &in_id, &eg_id) &&
		      (in_id || eg_id);
	if_freenameindex(ifs);
	return any;
}

/*
 * Without devices: detach from every interface that has our filters.
 * The maps are unpinned once no interface is left, so that a detach of
 * everything leaves nothing behind.
 */
static int tmc_detach(int argc, char *argv[])
{
	struct tm_opts o = { 0 };
	struct tmc_devs d = { 0 };
	struct if_nameindex *ifs, *i;
	bool verbose = false;
	int ret, failed = 0;

	ret = tmc_parse_attach(argc, argv, &d, &o, &verbose, false);
	if (ret >= 0)
		return ret;
	if (!d.n) {
		ifs = if_nameindex();
		for (i = ifs; ifs && i->if_index; i++)
			tmc_attached(i->if_name, i->if_index, &d);
		if (ifs)
			if_freenameindex(ifs);
	}
	for (unsigned int k = 0; k < d.n; k++) {
		ret = tm_detach(if_nametoindex(d.names[k]));
		if (ret < 0 && !(ret == -ENOENT && argc == 1)) {
			ctl_err("telemetry detach: %s: %s", d.names[k],
				ret == -ENOENT ? "telemetry is not attached" :
						 strerror(-ret));
			failed = 1;
		}
	}
	if (!tmc_any_attached()) {
		ret = tm_unpin(NULL);
		if (ret < 0) {
			ctl_err("telemetry detach: unpin %s: %s", TM_PIN_DIR,
				strerror(-ret));
			failed = 1;
		}
	}
	return failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static int tmc_prune(int argc, char *argv[])
{
	uint64_t deleted;
	uint32_t secs;
	int ret;

	if (argc != 2 || tmc_parse_u32(argv[1], &secs))
		return ctl_usage(TM_USAGE, "telemetry prune: give the age in "
				 "seconds");
	ret = tm_prune(NULL, secs * 1000000000ull, tm_now_ns(), &deleted);
	if (ret < 0)
		return tmc_map_error("prune", ret);
	if (ctl_out.json)
		printf("{\"deleted\":%llu}\n", (unsigned long long)deleted);
	else
		printf("deleted %llu\n", (unsigned long long)deleted);
	return CTL_EXIT_OK;
}

int telemetry_main(int argc, char *argv[])
{
	if (argc == 1)
		return tmc_show(0);
	if (ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n", TM_USAGE);
		return CTL_EXIT_OK;
	}
	if (!strcmp(argv[1], "attach"))
		return tmc_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "follow"))
		return tmc_follow(argc - 1, argv + 1);
	if (!strcmp(argv[1], "detach"))
		return tmc_detach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "prune"))
		return tmc_prune(argc - 1, argv + 1);
	if (argc > 2)
		return ctl_usage(TM_USAGE, "telemetry: unexpected argument '%s'",
				 argv[2]);
	if (!strcmp(argv[1], "list"))
		return tmc_list();
	for (size_t v = 0; v < sizeof(tmc_views) / sizeof(tmc_views[0]); v++)
		if (!strcmp(argv[1], tmc_views[v].name))
			return tmc_show(v);
	return ctl_usage(TM_USAGE, "telemetry: unknown view '%s'", argv[1]);
}
