/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_NETNS_H
#define _X0TTA_NETNS_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "counters.h"
#include "holdq.h"
#include "path.h"
#include "quarantine.h"

/**
 * struct x0tta_config - tunables of one network namespace
 * @echo_interval_ms: interval between liveness echo requests
 * @detect_mult: missed echo replies after which a neighbour is down
 * @holdq_limit: frames the hold queue keeps, all destinations together
 * @holdq_timeout_ms: longest wait of a frame in the hold queue
 * @multipath: spread flows over the next hops of a path entry
 * @echo_fast_ms: probe pace of a neighbour that missed a reply, 0: off
 *
 * Fields are written under &x0tta_net.config_lock and read locklessly
 * with READ_ONCE() by the datapath: each is one word, and a reader that
 * sees a mix of an old and a new configuration for one frame is harmless.
 */
struct x0tta_config {
	u32 echo_interval_ms;
	u32 detect_mult;
	u32 holdq_limit;
	u32 holdq_timeout_ms;
	bool multipath;
	u32 echo_fast_ms;
};

/**
 * struct x0tta_net_stats - per-CPU datapath counters of a namespace
 * @rerouted: unicast frames sent to another next hop than batman-adv's
 * @syncp: makes the counters readable on 32-bit machines
 */
struct x0tta_net_stats {
	u64_stats_t rerouted;
	struct u64_stats_sync syncp;
};

/**
 * struct x0tta_net - per network namespace state
 * @net: the namespace
 * @hardifs: attached hard interfaces (&struct x0tta_hardif.list); changed
 *	under RTNL, walked under RTNL or RCU
 * @nr_hardifs: number of entries in @hardifs, RTNL
 * @retired: counters of hard interfaces detached since load, RTNL
 * @config_lock: serialises configuration changes
 * @config: tunables
 * @paths: next hops per destination
 * @holdq: frames waiting for a live next hop
 * @quarantine: quarantined addresses
 * @echo_timer: sends liveness echo requests every echo_interval_ms
 * @echo_fast_timer: probes, every echo_fast_ms, neighbours that missed
 *	a reply or whose own request is overdue; wakes at the earliest
 *	reply deadline or due request
 * @echo_fast_lock: serialises arming @echo_fast_timer
 * @echo_fast_stopped: the namespace is going: @echo_fast_timer stays
 *	off; under @echo_fast_lock
 * @stats: per-CPU datapath counters
 *
 * Every mesh node of a test bed is a namespace of one kernel, so all
 * state is per namespace, as on a real router with several meshes in
 * containers.
 */
struct x0tta_net {
	struct net *net;
	struct list_head hardifs;
	unsigned int nr_hardifs;
	struct x0tta_counters_snap retired;
	struct mutex config_lock;	/* protects writes to @config */
	struct x0tta_config config;
	struct x0tta_path_table paths;
	struct x0tta_holdq holdq;
	struct x0tta_quarantine quarantine;
	struct timer_list echo_timer;
	struct hrtimer echo_fast_timer;
	spinlock_t echo_fast_lock;	/* protects arming echo_fast_timer */
	bool echo_fast_stopped;
	struct x0tta_net_stats __percpu *stats;
};

extern unsigned int x0tta_net_id;

/* The netns core holds a pointer to it (see netns.c). */
static inline struct x0tta_net *x0tta_net(const struct net *net)
{
	struct x0tta_net * const *slot = net_generic(net, x0tta_net_id);

	return *slot;
}

static inline void x0tta_net_count_rerouted(struct x0tta_net *xn)
{
	struct x0tta_net_stats *s = this_cpu_ptr(xn->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->rerouted);
	u64_stats_update_end(&s->syncp);
}

u64 x0tta_net_rerouted(struct x0tta_net *xn);
int x0tta_netns_init(void);
void x0tta_netns_uninit(void);

#endif /* _X0TTA_NETNS_H */
