/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_PATH_H
#define _X0TTA_PATH_H

#include <linux/bits.h>
#include <linux/etherdevice.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/x0tta.h>

#include "mac.h"
#include "neigh.h"
#include "quarantine.h"

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
 * @neigh: the neighbour's liveness, pinned while the entry names it, so
 *	that a frame finds it without a lookup; NULL while @ifindex is not
 *	in the mesh. The one part of a published entry that changes: under
 *	RTNL and &x0tta_path_table.lock, as the interface leaves and
 *	rejoins the mesh.
 */
struct x0tta_hop {
	int ifindex;
	u8 addr[ETH_ALEN];
	u8 weight;
	u32 key;
	struct x0tta_neigh __rcu *neigh;
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
 * Entries are never changed once published, but for their hops' @neigh:
 * replacing one publishes a new entry.
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

void x0tta_path_net_init(struct x0tta_net *xn);
void x0tta_path_net_exit(struct x0tta_net *xn);

int x0tta_path_set(struct x0tta_net *xn, const u8 *orig,
		   const struct x0tta_hop *hops, unsigned int nr_hops,
		   struct netlink_ext_ack *extack);
int x0tta_path_del(struct x0tta_net *xn, const u8 *orig,
		   struct netlink_ext_ack *extack);
void x0tta_path_attach(struct x0tta_net *xn, struct x0tta_hardif *hardif);
void x0tta_path_detach(struct x0tta_net *xn, struct x0tta_hardif *hardif);
unsigned long x0tta_path_unquarantined(const struct x0tta_path *path,
				       struct x0tta_net *xn, unsigned long live);
unsigned int x0tta_path_pick(const struct x0tta_path *path, unsigned long live,
			     u32 flow);
void x0tta_path_fold(const struct x0tta_path *path,
		     u64 frames[X0TTA_PATH_MAX_HOPS],
		     u64 bytes[X0TTA_PATH_MAX_HOPS]);

/**
 * x0tta_path_lookup() - the path entry of a destination
 * @tbl: the namespace's table
 * @orig: destination originator
 *
 * Inline: every unicast frame leaving a hard interface asks.
 *
 * Context: RCU read side, or @tbl->lock held.
 * Return: the entry or NULL.
 */
static inline struct x0tta_path *x0tta_path_lookup(struct x0tta_path_table *tbl,
						   const u8 *orig)
{
	struct x0tta_path *path;

	/* Spare the hash while there is no entry. */
	if (!READ_ONCE(tbl->count))
		return NULL;
	hash_for_each_possible_rcu(tbl->hash, path, node, x0tta_mac_key(orig),
				   lockdep_is_held(&tbl->lock))
		if (ether_addr_equal(path->orig, orig))
			return path;
	return NULL;
}

/**
 * x0tta_hop_neigh() - the tracked neighbour of a next hop
 * @hop: the hop
 *
 * Context: RCU read side, or RTNL held.
 * Return: the neighbour, or NULL while the hop's interface is not in
 * the mesh.
 */
static inline struct x0tta_neigh *x0tta_hop_neigh(const struct x0tta_hop *hop)
{
	return rcu_dereference_rtnl(hop->neigh);
}

/**
 * x0tta_hop_neigh_live() - can a hop's neighbour carry frames?
 * @neigh: what x0tta_hop_neigh() returned
 *
 * The one test of a hop's liveness, but for the quarantine: its interface
 * is in the mesh and its neighbour is not down (one that never answered
 * is not down).
 *
 * Return: true if so.
 */
static inline bool x0tta_hop_neigh_live(const struct x0tta_neigh *neigh)
{
	return neigh && READ_ONCE(neigh->state) != X0TTA_NEIGH_DOWN;
}

/**
 * x0tta_hop_state() - liveness of a next hop
 * @hop: the hop
 * @xn: its namespace
 * @quarantine: x0tta_quarantine_active() of @xn, read once per frame
 *
 * Context: RCU read side, or RTNL held.
 * Return: enum x0tta_neigh_state; down if its interface left the mesh
 * or its neighbour is quarantined.
 */
static inline u8 x0tta_hop_state(const struct x0tta_hop *hop,
				 struct x0tta_net *xn, bool quarantine)
{
	const struct x0tta_neigh *neigh = x0tta_hop_neigh(hop);

	if (!neigh || (quarantine && x0tta_quarantine_has(xn, hop->addr)))
		return X0TTA_NEIGH_DOWN;
	return READ_ONCE(neigh->state);
}

/**
 * x0tta_path_live() - the live hops of an entry
 * @path: the entry
 * @xn: its namespace
 * @quarantine: x0tta_quarantine_active() of @xn
 *
 * x0tta_hop_neigh_live() for each hop, in a loop without calls while the
 * quarantine is empty; then the quarantine's test.
 *
 * Context: RCU read side.
 * Return: a mask with bit i set if hop i is not down.
 */
static inline unsigned long x0tta_path_live(const struct x0tta_path *path,
					    struct x0tta_net *xn,
					    bool quarantine)
{
	unsigned long live = 0;
	unsigned int i;

	for (i = 0; i < path->nr_hops; i++)
		if (x0tta_hop_neigh_live(x0tta_hop_neigh(&path->hops[i])))
			live |= BIT(i);
	if (unlikely(quarantine) && live)
		live = x0tta_path_unquarantined(path, xn, live);
	return live;
}

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
