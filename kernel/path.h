/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_PATH_H
#define _X0TTA_PATH_H

#include <linux/hashtable.h>
#include <linux/if_ether.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/x0tta.h>

struct netlink_ext_ack;
struct x0tta_hardif;
struct x0tta_net;

/* Destinations one namespace may hold path entries for. */
#define X0TTA_PATH_MAX		4096

/**
 * struct x0tta_hop - one next hop of a destination
 * @ifindex: hard interface the neighbour is reached on
 * @addr: the neighbour's MAC address on that link
 * @weight: share of the flows, 1..255
 * @key: hash of @ifindex and @addr, this hop's identity for rendezvous
 *	hashing; independent of the hop's position in the entry, so
 *	reordering the hops moves no flow
 */
struct x0tta_hop {
	int ifindex;
	u8 addr[ETH_ALEN];
	u8 weight;
	u32 key;
};

/**
 * struct x0tta_path_stats - per-CPU counters of one path entry
 * @frames: frames sent through each hop
 * @bytes: their bytes
 * @syncp: makes the counters readable on 32-bit machines
 */
struct x0tta_path_stats {
	u64_stats_t frames[X0TTA_PATH_MAX_HOPS];
	u64_stats_t bytes[X0TTA_PATH_MAX_HOPS];
	struct u64_stats_sync syncp;
};

/**
 * struct x0tta_path - next hops of one destination originator
 * @node: entry in &x0tta_path_table.hash, RCU
 * @orig: the destination originator
 * @nr_hops: number of valid entries in @hops
 * @hops: the next hops
 * @stats: per-CPU counters
 * @route_needed_at: jiffies of the last route-needed event, which goes
 *	out at most once per holdq_timeout_ms
 * @rcu: frees the entry after readers are done
 *
 * Entries are never changed once published: replacing one publishes a
 * new entry.
 */
struct x0tta_path {
	struct hlist_node node;
	u8 orig[ETH_ALEN];
	u8 nr_hops;
	struct x0tta_hop hops[X0TTA_PATH_MAX_HOPS];
	struct x0tta_path_stats __percpu *stats;
	unsigned long route_needed_at;
	struct rcu_head rcu;
};

/**
 * struct x0tta_path_table - path entries of a namespace
 * @hash: entries by destination; written under @lock, read under RCU
 * @lock: serialises changes
 * @count: number of entries; zero lets the datapath skip the lookup
 */
struct x0tta_path_table {
	DECLARE_HASHTABLE(hash, 8);
	struct mutex lock;	/* serialises changes to @hash */
	unsigned int count;
};

/**
 * struct x0tta_choice - where a frame goes
 * @hardif: hard interface of the chosen hop
 * @hop: index of the chosen hop in &x0tta_path.hops, or nr_hops when
 *	batman-adv's own choice stands and is not one of them
 */
struct x0tta_choice {
	struct x0tta_hardif *hardif;
	unsigned int hop;
};

void x0tta_path_net_init(struct x0tta_net *xn);
void x0tta_path_net_exit(struct x0tta_net *xn);

struct x0tta_path *x0tta_path_lookup(struct x0tta_net *xn, const u8 *orig);
int x0tta_path_set(struct x0tta_net *xn, const u8 *orig,
		   const struct x0tta_hop *hops, unsigned int nr_hops,
		   struct netlink_ext_ack *extack);
int x0tta_path_del(struct x0tta_net *xn, const u8 *orig,
		   struct netlink_ext_ack *extack);
bool x0tta_path_keeps_current(struct x0tta_net *xn,
			      const struct x0tta_path *path,
			      struct x0tta_hardif *cur, const u8 *cur_addr,
			      struct x0tta_choice *choice);
unsigned int x0tta_path_live(struct x0tta_net *xn, const struct x0tta_path *path,
			     struct x0tta_hardif *cur,
			     struct x0tta_choice live[X0TTA_PATH_MAX_HOPS]);
unsigned int x0tta_path_pick(const struct x0tta_path *path,
			     const struct x0tta_choice *live, unsigned int n,
			     u32 flow);
u8 x0tta_path_hop_state(struct x0tta_net *xn, const struct x0tta_hop *hop);
void x0tta_path_fold(const struct x0tta_path *path,
		     u64 frames[X0TTA_PATH_MAX_HOPS],
		     u64 bytes[X0TTA_PATH_MAX_HOPS]);

/**
 * x0tta_path_count() - count a frame sent through a hop
 * @path: the entry
 * @hop: index of the hop
 * @len: frame length
 *
 * Inline: every frame a path entry carries is counted.
 *
 * Context: BHs off (the hooks).
 */
static inline void x0tta_path_count(struct x0tta_path *path, unsigned int hop,
				    unsigned int len)
{
	struct x0tta_path_stats *s = this_cpu_ptr(path->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->frames[hop]);
	u64_stats_add(&s->bytes[hop], len);
	u64_stats_update_end(&s->syncp);
}

#endif /* _X0TTA_PATH_H */
