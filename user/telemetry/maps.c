// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the pinned telemetry maps, and what the numbers in them mean.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "telemetry/tm.h"

struct tm_map_desc {
	const char *name;
	uint32_t key_size;
	uint32_t val_size;
	size_t last_seen_off;	/* offset of last_seen_ns in the value */
};

static const struct tm_map_desc tm_maps[TM_MAP_COUNT] = {
	[TM_MAP_LINK] = { "tm_link", sizeof(struct tm_link_key),
			  sizeof(struct tm_link_val),
			  offsetof(struct tm_link_val, last_seen_ns) },
	[TM_MAP_ORIG] = { "tm_orig", sizeof(struct tm_orig_key),
			  sizeof(struct tm_orig_val),
			  offsetof(struct tm_orig_val, last_seen_ns) },
	[TM_MAP_LOSS] = { "tm_loss", sizeof(struct tm_loss_key),
			  sizeof(struct tm_loss_val),
			  offsetof(struct tm_loss_val, last_seen_ns) },
	[TM_MAP_RTT] = { "tm_rtt", sizeof(struct tm_rtt_key),
			 sizeof(struct tm_rtt_val),
			 offsetof(struct tm_rtt_val, last_seen_ns) },
};

/* Large enough for any key and value above. */
#define TM_BUF_MAX	256

const char *tm_map_name(enum tm_map m)
{
	return m < TM_MAP_COUNT ? tm_maps[m].name : NULL;
}

/* Open pinned map @m, refusing anything that is not what we pinned. */
static int tm_map_open(const char *pin_dir, enum tm_map m,
		       uint32_t *max_entries)
{
	const struct tm_map_desc *d = &tm_maps[m];
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", pin_dir ? pin_dir : TM_PIN_DIR,
		 d->name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (ret < 0) {
		ret = -errno;
		goto err_close;
	}
	if (info.type != BPF_MAP_TYPE_LRU_HASH || info.key_size != d->key_size ||
	    info.value_size != d->val_size) {
		ret = -EINVAL;
		goto err_close;
	}
	*max_entries = info.max_entries;
	return fd;

err_close:
	close(fd);
	return ret;
}

int tm_map_walk(const char *pin_dir, enum tm_map m, tm_entry_cb cb,
		void *ctx)
{
	unsigned char key[TM_BUF_MAX], next[TM_BUF_MAX], val[TM_BUF_MAX];
	uint32_t max_entries;
	void *prev = NULL;
	uint64_t budget;
	int fd, ret = 0;

	if (m >= TM_MAP_COUNT)
		return -EINVAL;
	fd = tm_map_open(pin_dir, m, &max_entries);
	if (fd < 0)
		return fd;
	/*
	 * The programs insert and evict while we walk; a walk can restart
	 * from the first key when the previous one is evicted, so bound it.
	 */
	budget = 2ull * max_entries + 16;
	while (budget-- && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, tm_maps[m].key_size);
		prev = key;
		/* Evicted between the two calls: skip it. */
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		ret = cb(key, val, ctx);
		if (ret)
			break;
	}
	close(fd);
	return ret;
}

struct tm_prune_ctx {
	int fd;
	size_t off;
	uint64_t cutoff;
	uint64_t deleted;
};

static int tm_prune_cb(const void *key, const void *val, void *ctx)
{
	struct tm_prune_ctx *p = ctx;
	uint64_t seen;

	memcpy(&seen, (const unsigned char *)val + p->off, sizeof(seen));
	if (seen >= p->cutoff)
		return 0;
	if (!bpf_map_delete_elem(p->fd, key))
		p->deleted++;
	return 0;
}

int tm_prune(const char *pin_dir, uint64_t max_age_ns, uint64_t now,
	     uint64_t *deleted)
{
	struct tm_prune_ctx p = { .deleted = 0 };
	uint32_t max_entries;
	int ret = 0;

	p.cutoff = now > max_age_ns ? now - max_age_ns : 0;
	for (int m = 0; m < TM_MAP_COUNT && !ret; m++) {
		p.fd = tm_map_open(pin_dir, m, &max_entries);
		if (p.fd < 0)
			return p.fd;
		p.off = tm_maps[m].last_seen_off;
		ret = tm_map_walk(pin_dir, m, tm_prune_cb, &p);
		close(p.fd);
	}
	*deleted = p.deleted;
	return ret;
}

uint64_t tm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *tm_ptype_name(unsigned int slot)
{
	static const char *const names[TM_PT_MAX] = {
		[TM_PT_IV_OGM] = "iv_ogm",
		[TM_PT_BCAST] = "bcast",
		[TM_PT_CODED] = "coded",
		[TM_PT_ELP] = "elp",
		[TM_PT_OGM2] = "ogm2",
		[TM_PT_UNICAST] = "unicast",
		[TM_PT_UNICAST_FRAG] = "unicast_frag",
		[TM_PT_UNICAST_4ADDR] = "unicast_4addr",
		[TM_PT_ICMP] = "icmp",
		[TM_PT_UNICAST_TVLV] = "unicast_tvlv",
		[TM_PT_OTHER] = "other",
	};

	return slot < TM_PT_MAX ? names[slot] : NULL;
}

int tm_loss_ppm(const struct tm_loss_val *v, bool window, uint32_t *ppm)
{
	uint64_t rcv, lost;

	if (window) {
		rcv = v->win_prev_received + v->win_cur_received;
		lost = v->win_prev_lost + v->win_cur_lost;
	} else {
		rcv = v->received;
		lost = v->lost;
	}
	if (!rcv && !lost)
		return -ENODATA;
	/* lost <= rcv + lost, so the ratio is at most 10^6. */
	*ppm = (uint32_t)(lost * 1000000ull / (rcv + lost));
	return 0;
}
