/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TM_H
#define _X0TTA_TM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"	/* bpf/: map keys and values */

/*
 * Link telemetry: the tc programs of bpf/telemetry.bpf.c on batman-adv
 * hard interfaces, and their maps pinned under a bpffs directory.
 *
 * Lifetime: tm_load() loads the programs and pins the maps (or reuses the
 * maps already pinned, so counters survive a reload and every interface
 * feeds the same maps); tm_attach() puts the programs on an interface as
 * tc clsact filters, which keep them alive after tm_close() and after the
 * process exits. tm_detach() removes them from one interface and
 * tm_unpin() removes the maps once no interface uses them. Every function
 * returns 0 or -errno.
 */

#define TM_PIN_DIR	"/sys/fs/bpf/x0tta"

/* tc filter identity of our programs, so we never touch other filters. */
#define TM_TC_HANDLE	0x7830
#define TM_TC_PRIO	0x7830

struct tm_opts {
	const char *pin_dir;		/* NULL: TM_PIN_DIR */
	uint32_t link_entries;		/* 0: TM_LINK_ENTRIES_DEFAULT */
	uint32_t orig_entries;		/* 0: TM_ORIG_ENTRIES_DEFAULT */
	uint32_t loss_entries;		/* 0: TM_LOSS_ENTRIES_DEFAULT */
	uint32_t rtt_entries;		/* 0: TM_RTT_ENTRIES_DEFAULT */
	uint32_t loss_window;		/* 0: TM_LOSS_WINDOW_DEFAULT */
};

/* Bounds on tm_opts, checked before anything is loaded. */
#define TM_ENTRIES_MIN		16
#define TM_ENTRIES_MAX		(1u << 20)
#define TM_LOSS_WINDOW_MIN	8
#define TM_LOSS_WINDOW_MAX	65536

struct tm;

/*
 * libbpf prints kernel messages for expected outcomes too (an existing
 * clsact qdisc, a missing filter); quiet by default, everything when
 * @on, e.g. to see the verifier's log when a load fails.
 */
void tm_verbose(bool on);

/* 0 or -EINVAL with @why set to what is wrong. */
int tm_opts_check(const struct tm_opts *o, const char **why);

/*
 * Open the skeleton, size the maps, load, pin. -EEXIST if maps pinned
 * earlier have other sizes (detach everything first to resize).
 */
int tm_load(struct tm **out, const struct tm_opts *o);
/* Attach to @ifindex at ingress and egress, replacing our own filters. */
int tm_attach(struct tm *t, int ifindex);
/* Release the loader's references; attached programs stay. */
void tm_close(struct tm *t);

/* Our programs' ids on @ifindex (0 where none). -ENODEV if no such if. */
int tm_query(int ifindex, uint32_t *ingress_id, uint32_t *egress_id);
/* Remove our filters from @ifindex; -ENOENT if it had none. */
int tm_detach(int ifindex);
/* Remove the pinned maps and the pin directory; missing ones are fine. */
int tm_unpin(const char *pin_dir);

/*
 * Call @cb with the name of every interface enslaved to a batman-adv
 * mesh interface in the caller's network namespace (from rtnetlink,
 * hardifs.c). A non-zero return of @cb stops the walk and is returned.
 */
int tm_hardifs(int (*cb)(const char *ifname, void *ctx), void *ctx);

/*
 * Follow the batman-adv hard interfaces of this network namespace: @cb
 * with @joined true for each one there is now, then as interfaces are
 * enslaved to a mesh interface, and with @joined false as they are
 * released or deleted, until *@stop is set (by a signal handler: the
 * wait is interrupted) or @cb returns an error, which is returned.
 */
typedef int (*tm_follow_cb)(int ifindex, const char *ifname, bool joined,
			    void *ctx);
int tm_follow(tm_follow_cb cb, void *ctx, const volatile sig_atomic_t *stop);

/* ---- reading the pinned maps --------------------------------------------- */

enum tm_map {
	TM_MAP_LINK,
	TM_MAP_ORIG,
	TM_MAP_LOSS,
	TM_MAP_RTT,
	TM_MAP_COUNT,
};

/* The pinned file name of a map ("tm_link", ...). */
const char *tm_map_name(enum tm_map m);

/*
 * Call @cb for every entry of pinned map @m. -ENOENT when it is not
 * pinned (telemetry not attached), -EINVAL when the file pinned there is
 * not a map of the expected type and key/value sizes. A non-zero return
 * of @cb stops the walk and is returned.
 */
typedef int (*tm_entry_cb)(const void *key, const void *val, void *ctx);
int tm_map_walk(const char *pin_dir, enum tm_map m, tm_entry_cb cb,
		void *ctx);

/*
 * Delete the entries of every map not seen for @max_age_ns before @now
 * (CLOCK_BOOTTIME ns). Stores the number deleted in @deleted.
 */
int tm_prune(const char *pin_dir, uint64_t max_age_ns, uint64_t now,
	     uint64_t *deleted);

/* CLOCK_BOOTTIME in ns: the clock of every last_seen_ns. */
uint64_t tm_now_ns(void);

/* Name of a packet type slot ("iv_ogm", "unicast", ...). */
const char *tm_ptype_name(unsigned int slot);

/*
 * Estimated loss in parts per million: over the recent window (both
 * buckets) when @window, else over the entry's lifetime. -ENODATA when
 * there is no sample yet.
 */
int tm_loss_ppm(const struct tm_loss_val *v, bool window, uint32_t *ppm);

#endif /* _X0TTA_TM_H */
