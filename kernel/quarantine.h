/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_QUARANTINE_H
#define _X0TTA_QUARANTINE_H

#include <linux/hashtable.h>
#include <linux/if_ether.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct netlink_ext_ack;
struct sk_buff;
struct x0tta_net;

/* Addresses one namespace may quarantine. */
#define X0TTA_QUARANTINE_MAX	4096

/**
 * struct x0tta_qentry - one quarantined address
 * @node: entry in &x0tta_quarantine.hash, RCU
 * @addr: neighbour interface MAC or originator address
 * @dropped: frames dropped for it
 * @rcu: frees the entry after readers are done
 */
struct x0tta_qentry {
	struct hlist_node node;
	u8 addr[ETH_ALEN];
	atomic64_t dropped;
	struct rcu_head rcu;
};

/**
 * struct x0tta_quarantine - quarantined addresses of a namespace
 * @hash: entries by address; written under @lock, read under RCU
 * @lock: serialises changes
 * @count: number of entries; zero lets the datapath skip every lookup
 * @dropped: frames dropped by quarantine, all entries
 */
struct x0tta_quarantine {
	DECLARE_HASHTABLE(hash, 6);
	struct mutex lock;	/* serialises changes to @hash */
	unsigned int count;
	atomic64_t dropped;
};

void x0tta_quarantine_net_init(struct x0tta_net *xn);
void x0tta_quarantine_net_exit(struct x0tta_net *xn);
int x0tta_quarantine_add(struct x0tta_net *xn, const u8 *addr,
			 struct netlink_ext_ack *extack);
int x0tta_quarantine_del(struct x0tta_net *xn, const u8 *addr,
			 struct netlink_ext_ack *extack);
/*
 * Whether anything is quarantined: while nothing is, the datapath reads
 * no header and looks nothing up for the quarantine. Read once per frame.
 */
static inline bool x0tta_quarantine_active(const struct x0tta_quarantine *q)
{
	return READ_ONCE(q->count);
}

bool x0tta_quarantine_has(struct x0tta_net *xn, const u8 *addr);
bool x0tta_quarantine_drop(struct x0tta_net *xn, const u8 *addr);

#endif /* _X0TTA_QUARANTINE_H */
