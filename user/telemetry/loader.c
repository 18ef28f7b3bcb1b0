// SPDX-License-Identifier: GPL-2.0
/*
 * Loading, pinning, attaching and detaching the telemetry programs.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "telemetry.skel.h"
#include "telemetry/tm.h"

struct tm {
	struct telemetry *skel;
};

static bool tm_is_verbose;

static int tm_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (!tm_is_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void tm_verbose(bool on)
{
	tm_is_verbose = on;
}

/* Every entry point that reaches libbpf routes its printing through us. */
static void tm_libbpf_init(void)
{
	libbpf_set_print(tm_libbpf_print);
}

static const char *tm_pin_dir(const struct tm_opts *o)
{
	return o && o->pin_dir ? o->pin_dir : TM_PIN_DIR;
}

static uint32_t tm_or(uint32_t v, uint32_t dflt)
{
	return v ? v : dflt;
}

static bool tm_entries_ok(uint32_t v)
{
	return !v || (v >= TM_ENTRIES_MIN && v <= TM_ENTRIES_MAX);
}

int tm_opts_check(const struct tm_opts *o, const char **why)
{
	if (!tm_entries_ok(o->link_entries) ||
	    !tm_entries_ok(o->orig_entries) ||
	    !tm_entries_ok(o->loss_entries) ||
	    !tm_entries_ok(o->rtt_entries)) {
		*why = "map entries must be 16..1048576";
		return -EINVAL;
	}
	if (o->loss_window && (o->loss_window < TM_LOSS_WINDOW_MIN ||
			       o->loss_window > TM_LOSS_WINDOW_MAX)) {
		*why = "loss window must be 8..65536 sequence numbers";
		return -EINVAL;
	}
	if (o->pin_dir && (o->pin_dir[0] != '/' ||
			   strlen(o->pin_dir) > PATH_MAX - 32)) {
		*why = "pin directory must be an absolute path";
		return -EINVAL;
	}
	return 0;
}

/*
 * Pinning into a directory that is not on bpffs fails late and obscurely
 * inside libbpf; say it plainly instead.
 */
static int tm_pin_dir_prepare(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs st;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st) < 0)
		return -errno;
	if (st.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int tm_set_pin(struct bpf_map *map, const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
	return bpf_map__set_pin_path(map, path);
}

static int tm_configure(struct telemetry *skel, const struct tm_opts *o)
{
	const char *dir = tm_pin_dir(o);
	struct bpf_map *maps[] = {
		skel->maps.tm_link, skel->maps.tm_orig,
		skel->maps.tm_loss, skel->maps.tm_rtt,
	};
	uint32_t sizes[] = {
		tm_or(o->link_entries, TM_LINK_ENTRIES_DEFAULT),
		tm_or(o->orig_entries, TM_ORIG_ENTRIES_DEFAULT),
		tm_or(o->loss_entries, TM_LOSS_ENTRIES_DEFAULT),
		tm_or(o->rtt_entries, TM_RTT_ENTRIES_DEFAULT),
	};
	int ret;

	skel->rodata->tm_loss_window =
		tm_or(o->loss_window, TM_LOSS_WINDOW_DEFAULT);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		ret = bpf_map__set_max_entries(maps[i], sizes[i]);
		if (ret < 0)
			return ret;
		ret = tm_set_pin(maps[i], dir);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tm_load(struct tm **out, const struct tm_opts *o)
{
	static const struct tm_opts none;
	const char *why;
	struct tm *t;
	int ret;

	if (!o)
		o = &none;
	tm_libbpf_init();
	ret = tm_opts_check(o, &why);
	if (ret < 0)
		return ret;
	ret = tm_pin_dir_prepare(tm_pin_dir(o));
	if (ret < 0)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->skel = telemetry__open();
	if (!t->skel) {
		ret = -errno;
		goto err_free;
	}
	ret = tm_configure(t->skel, o);
	if (ret < 0)
		goto err_destroy;
	/*
	 * libbpf reuses a pinned map only if it matches type, sizes and
	 * max_entries; otherwise it fails with -EINVAL. Report that as
	 * "already exists, differently": the caller must detach first.
	 */
	ret = telemetry__load(t->skel);
	if (ret == -EINVAL)
		ret = -EEXIST;
	if (ret < 0)
		goto err_destroy;
	*out = t;
	return 0;

err_destroy:
	telemetry__destroy(t->skel);
err_free:
	free(t);
	return ret;
}

void tm_close(struct tm *t)
{
	if (!t)
		return;
	telemetry__destroy(t->skel);
	free(t);
}

static void tm_hook_init(struct bpf_tc_hook *h, int ifindex,
			 enum bpf_tc_attach_point where)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = where;
}

static void tm_tc_opts_init(struct bpf_tc_opts *opts, int prog_fd,
			    uint32_t flags)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = TM_TC_HANDLE;
	opts->priority = TM_TC_PRIO;
	opts->prog_fd = prog_fd;
	opts->flags = flags;
}

static int tm_attach_one(int ifindex, enum bpf_tc_attach_point where,
			 int prog_fd)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;

	tm_hook_init(&hook, ifindex, where);
	tm_tc_opts_init(&opts, prog_fd, BPF_TC_F_REPLACE);
	return bpf_tc_attach(&hook, &opts);
}

int tm_attach(struct tm *t, int ifindex)
{
	struct bpf_tc_hook hook;
	int ret;

	if (ifindex <= 0)
		return -ENODEV;
	/* clsact may exist already (ours or someone's): share it. */
	tm_hook_init(&hook, ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS);
	ret = bpf_tc_hook_create(&hook);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	ret = tm_attach_one(ifindex, BPF_TC_INGRESS,
			    bpf_program__fd(t->skel->progs.tm_ingress));
	if (ret < 0)
		return ret;
	ret = tm_attach_one(ifindex, BPF_TC_EGRESS,
			    bpf_program__fd(t->skel->progs.tm_egress));
	if (ret < 0)
		goto err_ingress;
	return 0;

err_ingress:
	tm_detach(ifindex);
	return ret;
}

/*
 * Whether program @id is one of ours: our filters are recognised by
 * handle and priority, and the program name guards against a foreign
 * filter that happens to use the same pair.
 */
static bool tm_prog_is_ours(uint32_t id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	bool ours = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strcmp(info.name, "tm_ingress") ||
		       !strcmp(info.name, "tm_egress");
	close(fd);
	return ours;
}

static int tm_query_one(int ifindex, enum bpf_tc_attach_point where,
			uint32_t *id)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int ret;

	*id = 0;
	tm_hook_init(&hook, ifindex, where);
	tm_tc_opts_init(&opts, 0, 0);
	ret = bpf_tc_query(&hook, &opts);
	/* No clsact qdisc (-EINVAL) or no such filter (-ENOENT): none. */
	if (ret == -ENOENT || ret == -EINVAL)
		return 0;
	if (ret < 0)
		return ret;
	if (tm_prog_is_ours(opts.prog_id))
		*id = opts.prog_id;
	return 0;
}

int tm_query(int ifindex, uint32_t *ingress_id, uint32_t *egress_id)
{
	char name[IF_NAMESIZE];
	int ret;

	tm_libbpf_init();
	if (ifindex <= 0 || !if_indextoname(ifindex, name))
		return -ENODEV;
	ret = tm_query_one(ifindex, BPF_TC_INGRESS, ingress_id);
	if (ret < 0)
		return ret;
	return tm_query_one(ifindex, BPF_TC_EGRESS, egress_id);
}

static int tm_detach_one(int ifindex, enum bpf_tc_attach_point where)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;

	tm_hook_init(&hook, ifindex, where);
	tm_tc_opts_init(&opts, 0, 0);
	return bpf_tc_detach(&hook, &opts);
}

/* The clsact qdisc stays: other filters may live on it. */
int tm_detach(int ifindex)
{
	uint32_t in_id, eg_id;
	int ret;

	ret = tm_query(ifindex, &in_id, &eg_id);
	if (ret < 0)
		return ret;
	if (!in_id && !eg_id)
		return -ENOENT;
	if (in_id) {
		ret = tm_detach_one(ifindex, BPF_TC_INGRESS);
		if (ret < 0)
			return ret;
	}
	if (eg_id)
		return tm_detach_one(ifindex, BPF_TC_EGRESS);
	return 0;
}

int tm_unpin(const char *pin_dir)
{
	char path[PATH_MAX];

	if (!pin_dir)
		pin_dir = TM_PIN_DIR;
	for (int m = 0; m < TM_MAP_COUNT; m++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, tm_map_name(m));
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	if (rmdir(pin_dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
