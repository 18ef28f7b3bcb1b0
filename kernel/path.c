// SPDX-License-Identifier: GPL-2.0
/*
 * The path table: up to X0TTA_PATH_MAX_HOPS next hops per destination
 * originator, and the choice of one for each frame.
 *
 * The choice is weighted rendezvous hashing of the frame's flow: every
 * live hop draws a score from a hash of (flow, hop), scaled by its
 * weight, and the highest score wins. A flow therefore stays on one hop
 * for as long as that hop lives, and when a hop dies only its own flows
 * move; the others keep their hop, so x0tta never reorders a flow that
 * had a working path.
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "hardif.h"
#include "mac.h"
#include "neigh.h"
#include "netns.h"
#include "path.h"
#include "quarantine.h"

static void x0tta_path_free(struct x0tta_path *path)
{
	free_percpu(path->stats);
	kfree(path);
}

static void x0tta_path_free_rcu(struct rcu_head *head)
{
	x0tta_path_free(container_of(head, struct x0tta_path, rcu));
}

/*
 * -ln(u) for u = hash / 2^32 in (0, 1], in 16.16 fixed point, from the
 * integer part of log2 and a linear interpolation of the fraction: the
 * error (under 0.1%) is far below what the weights can express.
 */
static u32 x0tta_neg_ln_q16(u32 hash)
{
	u32 msb, frac, log2_q16;

	if (!hash)
		return 32 * 45426;	/* -ln(2^-32), as for the smallest u */
	msb = ilog2(hash);
	/* Bits below the MSB, as a 16-bit fraction of log2's mantissa. */
	frac = msb >= 16 ? (hash >> (msb - 16)) & 0xffff :
			   (hash << (16 - msb)) & 0xffff;
	/* log2(1 + f) ~ f * (1 + (1 - f) * 0.34) keeps the error small. */
	frac += (u32)(((u64)frac * (0x10000 - frac) * 22282) >> 32);
	log2_q16 = (msb << 16) + frac;
	/* ln(2) in 16.16 is 45426; -ln(u) = (32 - log2(hash)) * ln(2). */
	return (u32)(((u64)((32u << 16) - log2_q16) * 45426) >> 16) + 1;
}

/*
 * A hop's rendezvous score for a flow, from a 32-bit hash of both:
 * weight / -ln(u) with u uniform in (0, 1] gives each hop the highest
 * score with probability weight / sum of weights. Compare scores of one
 * flow only.
 */
static u32 x0tta_path_weight_score(u32 hash, u8 weight)
{
	return (u32)(((u64)weight << 24) / x0tta_neg_ln_q16(hash));
}

static struct x0tta_hardif *x0tta_path_hardif(struct x0tta_net *xn, int ifindex)
{
	struct x0tta_hardif *hardif;

	list_for_each_entry_rcu(hardif, &xn->hardifs, list,
				lockdep_rtnl_is_held())
		if (hardif->dev->ifindex == ifindex)
			return hardif;
	return NULL;
}

/**
 * x0tta_path_unquarantined() - drop the hops to quarantined neighbours
 * @path: the entry
 * @xn: its namespace
 * @live: a mask of its hops
 *
 * Context: RCU read side.
 * Return: @live without the hops whose neighbour is quarantined.
 */
unsigned long x0tta_path_unquarantined(const struct x0tta_path *path,
				       struct x0tta_net *xn, unsigned long live)
{
	unsigned int i;

	for_each_set_bit(i, &live, X0TTA_PATH_MAX_HOPS)
		if (x0tta_quarantine_has(xn, path->hops[i].addr))
			__clear_bit(i, &live);
	return live;
}

/**
 * x0tta_path_pick() - the live hop of highest rendezvous score for a flow
 * @path: the entry
 * @live: its live hops (x0tta_path_live()), at least one
 * @flow: hash of the frame's flow
 *
 * Return: the index of the chosen hop.
 */
unsigned int x0tta_path_pick(const struct x0tta_path *path, unsigned long live,
			     u32 flow)
{
	unsigned int i, best = 0;
	u32 score, best_score = 0;

	/* A weight of at least 1 scores at least 1: the first hop wins 0. */
	for_each_set_bit(i, &live, X0TTA_PATH_MAX_HOPS) {
		const struct x0tta_hop *hop = &path->hops[i];

		score = x0tta_path_weight_score(jhash_2words(flow, hop->key, 0),
						hop->weight);
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/**
 * x0tta_path_fold() - sum a path entry's counters over all CPUs
 * @path: the entry
 * @frames: frames per hop, written
 * @bytes: bytes per hop, written
 */
void x0tta_path_fold(const struct x0tta_path *path,
		     u64 frames[X0TTA_PATH_MAX_HOPS],
		     u64 bytes[X0TTA_PATH_MAX_HOPS])
{
	unsigned int i, start;
	int cpu;

	memset(frames, 0, sizeof(u64) * X0TTA_PATH_MAX_HOPS);
	memset(bytes, 0, sizeof(u64) * X0TTA_PATH_MAX_HOPS);
	for_each_possible_cpu(cpu) {
		const struct x0tta_path_stats *s = per_cpu_ptr(path->stats, cpu);
		u64 f[X0TTA_PATH_MAX_HOPS], b[X0TTA_PATH_MAX_HOPS];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < X0TTA_PATH_MAX_HOPS; i++) {
				f[i] = u64_stats_read(&s->frames[i]);
				b[i] = u64_stats_read(&s->bytes[i]);
			}
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < X0TTA_PATH_MAX_HOPS; i++) {
			frames[i] += f[i];
			bytes[i] += b[i];
		}
	}
}

/* Undo the pins of the first @n hops of @path. */
static void x0tta_path_unpin(struct x0tta_path *path, unsigned int n)
{
	struct x0tta_neigh *neigh;
	unsigned int i;

	ASSERT_RTNL();
	for (i = 0; i < n; i++) {
		neigh = rtnl_dereference(path->hops[i].neigh);
		if (neigh)
			x0tta_neigh_unpin(neigh);
	}
}

/**
 * x0tta_path_set() - install or replace the entry of a destination
 * @xn: the namespace
 * @orig: destination originator
 * @hops: next hops, already validated; their @neigh is not read
 * @nr_hops: 1..X0TTA_PATH_MAX_HOPS
 * @extack: where to say why it was refused
 *
 * Context: RTNL held, so the hops' interfaces stay attached.
 * Return: 0 or -errno.
 */
int x0tta_path_set(struct x0tta_net *xn, const u8 *orig,
		   const struct x0tta_hop *hops, unsigned int nr_hops,
		   struct netlink_ext_ack *extack)
{
	struct x0tta_path_table *tbl = &xn->paths;
	struct x0tta_path *path, *old;
	unsigned int i;
	int err;

	ASSERT_RTNL();
	path = kzalloc(sizeof(*path), GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	path->stats = netdev_alloc_pcpu_stats(struct x0tta_path_stats);
	if (!path->stats) {
		kfree(path);
		return -ENOMEM;
	}
	ether_addr_copy(path->orig, orig);
	path->nr_hops = nr_hops;
	memcpy(path->hops, hops, nr_hops * sizeof(*hops));
	for (i = 0; i < nr_hops; i++) {
		path->hops[i].key = jhash(path->hops[i].addr, ETH_ALEN,
					  path->hops[i].ifindex);
		/* Set below, once pinned: the caller's copy holds nothing. */
		RCU_INIT_POINTER(path->hops[i].neigh, NULL);
	}
	path->route_needed_at = jiffies - HZ * 3600;

	mutex_lock(&tbl->lock);
	old = x0tta_path_lookup(tbl, orig);
	if (!old && tbl->count >= X0TTA_PATH_MAX) {
		NL_SET_ERR_MSG(extack, "path table is full");
		err = -ENOSPC;
		goto err_unlock;
	}
	/* Start liveness checks of every hop before frames can use it. */
	for (i = 0; i < nr_hops; i++) {
		struct x0tta_hop *hop = &path->hops[i];
		struct x0tta_hardif *hardif;
		struct x0tta_neigh *neigh;

		hardif = x0tta_path_hardif(xn, hop->ifindex);
		neigh = hardif ? x0tta_neigh_pin(hardif, hop->addr) :
				 ERR_PTR(-ENODEV);
		if (IS_ERR(neigh)) {
			NL_SET_ERR_MSG(extack, "cannot track the next hop's neighbour");
			err = PTR_ERR(neigh);
			x0tta_path_unpin(path, i);
			goto err_unlock;
		}
		RCU_INIT_POINTER(hop->neigh, neigh);
	}
	if (old) {
		hlist_replace_rcu(&old->node, &path->node);
		x0tta_path_unpin(old, old->nr_hops);
		call_rcu(&old->rcu, x0tta_path_free_rcu);
	} else {
		hash_add_rcu(tbl->hash, &path->node, x0tta_mac_key(orig));
		WRITE_ONCE(tbl->count, tbl->count + 1);
	}
	mutex_unlock(&tbl->lock);
	return 0;

err_unlock:
	mutex_unlock(&tbl->lock);
	x0tta_path_free(path);
	return err;
}

/**
 * x0tta_path_del() - remove the entry of a destination
 * @xn: the namespace
 * @orig: destination originator
 * @extack: where to say why it was refused
 *
 * Context: RTNL held, for the hops' interfaces.
 * Return: 0 or -ENOENT.
 */
int x0tta_path_del(struct x0tta_net *xn, const u8 *orig,
		   struct netlink_ext_ack *extack)
{
	struct x0tta_path_table *tbl = &xn->paths;
	struct x0tta_path *path;

	ASSERT_RTNL();
	mutex_lock(&tbl->lock);
	path = x0tta_path_lookup(tbl, orig);
	if (!path) {
		mutex_unlock(&tbl->lock);
		NL_SET_ERR_MSG(extack, "no path entry for this destination");
		return -ENOENT;
	}
	hash_del_rcu(&path->node);
	WRITE_ONCE(tbl->count, tbl->count - 1);
	x0tta_path_unpin(path, path->nr_hops);
	mutex_unlock(&tbl->lock);
	call_rcu(&path->rcu, x0tta_path_free_rcu);
	return 0;
}

/* @hardif joined the mesh: track @hop's neighbour again if it is there. */
static void x0tta_path_hop_join(struct x0tta_hop *hop,
				struct x0tta_hardif *hardif)
{
	struct x0tta_neigh *neigh;

	if (rtnl_dereference(hop->neigh) || hop->ifindex != hardif->dev->ifindex)
		return;
	neigh = x0tta_neigh_pin(hardif, hop->addr);
	if (IS_ERR(neigh))
		netdev_warn(hardif->dev, "x0tta: cannot track next hop %pM: %ld\n",
			    hop->addr, PTR_ERR(neigh));
	else
		rcu_assign_pointer(hop->neigh, neigh);
}

/* @hardif is leaving the mesh: @hop is down if it is there. */
static void x0tta_path_hop_leave(struct x0tta_hop *hop,
				 struct x0tta_hardif *hardif)
{
	struct x0tta_neigh *neigh = rtnl_dereference(hop->neigh);

	if (!neigh || neigh->hardif != hardif)
		return;
	RCU_INIT_POINTER(hop->neigh, NULL);
	x0tta_neigh_unpin(neigh);
}

/* Apply @follow to every hop of every entry, for @hardif. */
static void x0tta_path_follow(struct x0tta_net *xn, struct x0tta_hardif *hardif,
			      void (*follow)(struct x0tta_hop *hop,
					     struct x0tta_hardif *hardif))
{
	struct x0tta_path_table *tbl = &xn->paths;
	struct x0tta_path *path;
	unsigned int i;
	int bkt;

	ASSERT_RTNL();
	mutex_lock(&tbl->lock);
	hash_for_each(tbl->hash, bkt, path, node)
		for (i = 0; i < path->nr_hops; i++)
			follow(&path->hops[i], hardif);
	mutex_unlock(&tbl->lock);
}

/**
 * x0tta_path_attach() - a hard interface joined the mesh: track the hops
 * on it again
 * @xn: the namespace
 * @hardif: the interface, already on &x0tta_net.hardifs
 *
 * A hop whose neighbour cannot be tracked (table full, no memory) stays
 * down, as x0tta_path_set() would refuse it.
 *
 * Context: RTNL held.
 */
void x0tta_path_attach(struct x0tta_net *xn, struct x0tta_hardif *hardif)
{
	x0tta_path_follow(xn, hardif, x0tta_path_hop_join);
}

/**
 * x0tta_path_detach() - a hard interface is leaving the mesh: its hops
 * are down until it rejoins
 * @xn: the namespace
 * @hardif: the interface, already off &x0tta_net.hardifs; its neighbours
 *	are freed only after a grace period, so frames in flight may still
 *	read them
 *
 * Context: RTNL held.
 */
void x0tta_path_detach(struct x0tta_net *xn, struct x0tta_hardif *hardif)
{
	x0tta_path_follow(xn, hardif, x0tta_path_hop_leave);
}

/**
 * x0tta_path_net_init() - empty path table for a new namespace
 * @xn: the namespace
 */
void x0tta_path_net_init(struct x0tta_net *xn)
{
	hash_init(xn->paths.hash);
	mutex_init(&xn->paths.lock);
	xn->paths.count = 0;
}

/**
 * x0tta_path_net_exit() - free the path table of a namespace
 * @xn: the namespace; no hook can run in it any more
 */
void x0tta_path_net_exit(struct x0tta_net *xn)
{
	struct x0tta_path *path;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(xn->paths.hash, bkt, tmp, path, node) {
		hash_del(&path->node);
		x0tta_path_free(path);
	}
	mutex_destroy(&xn->paths.lock);
}
