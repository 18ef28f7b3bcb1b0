// SPDX-License-Identifier: GPL-2.0
/*
 * Quarantine: zero-trust enforcement in the datapath. Frames from or to
 * a quarantined neighbour or originator are dropped in both directions,
 * and a quarantined neighbour is never chosen as next hop. The
 * controller decides who is quarantined (through Raft); the module only
 * enforces.
 */

#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "mac.h"
#include "netns.h"
#include "quarantine.h"

static struct x0tta_qentry *x0tta_quarantine_find(struct x0tta_quarantine *q,
						  const u8 *addr)
{
	struct x0tta_qentry *e;

	hash_for_each_possible_rcu(q->hash, e, node, x0tta_mac_key(addr),
				   lockdep_is_held(&q->lock))
		if (ether_addr_equal(e->addr, addr))
			return e;
	return NULL;
}

/**
 * x0tta_quarantine_has() - is this address quarantined?
 * @xn: the namespace
 * @addr: MAC or originator address
 *
 * Context: RCU read side.
 * Return: true if it is.
 */
bool x0tta_quarantine_has(struct x0tta_net *xn, const u8 *addr)
{
	if (!READ_ONCE(xn->quarantine.count))
		return false;
	return x0tta_quarantine_find(&xn->quarantine, addr);
}

/**
 * x0tta_quarantine_drop() - count a drop if the address is quarantined
 * @xn: the namespace
 * @addr: MAC or originator address of the frame
 *
 * Context: RCU read side (the hooks).
 * Return: true if the frame must be dropped.
 */
bool x0tta_quarantine_drop(struct x0tta_net *xn, const u8 *addr)
{
	struct x0tta_qentry *e;

	if (!READ_ONCE(xn->quarantine.count))
		return false;
	e = x0tta_quarantine_find(&xn->quarantine, addr);
	if (!e)
		return false;
	atomic64_inc(&e->dropped);
	atomic64_inc(&xn->quarantine.dropped);
	return true;
}

/**
 * x0tta_quarantine_add() - quarantine an address
 * @xn: the namespace
 * @addr: a unicast MAC address
 * @extack: where to say why it was refused
 *
 * Return: 0, -EEXIST, -ENOSPC or -ENOMEM.
 */
int x0tta_quarantine_add(struct x0tta_net *xn, const u8 *addr,
			 struct netlink_ext_ack *extack)
{
	struct x0tta_quarantine *q = &xn->quarantine;
	struct x0tta_qentry *e;
	int err = 0;

	mutex_lock(&q->lock);
	if (x0tta_quarantine_find(q, addr)) {
		NL_SET_ERR_MSG(extack, "address is already quarantined");
		err = -EEXIST;
		goto out;
	}
	if (q->count >= X0TTA_QUARANTINE_MAX) {
		NL_SET_ERR_MSG(extack, "quarantine list is full");
		err = -ENOSPC;
		goto out;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		err = -ENOMEM;
		goto out;
	}
	ether_addr_copy(e->addr, addr);
	atomic64_set(&e->dropped, 0);
	hash_add_rcu(q->hash, &e->node, x0tta_mac_key(addr));
	WRITE_ONCE(q->count, q->count + 1);
out:
	mutex_unlock(&q->lock);
	return err;
}

/**
 * x0tta_quarantine_del() - lift the quarantine of an address
 * @xn: the namespace
 * @addr: the address
 * @extack: where to say why it was refused
 *
 * Return: 0 or -ENOENT.
 */
int x0tta_quarantine_del(struct x0tta_net *xn, const u8 *addr,
			 struct netlink_ext_ack *extack)
{
	struct x0tta_quarantine *q = &xn->quarantine;
	struct x0tta_qentry *e;
	int err = 0;

	mutex_lock(&q->lock);
	e = x0tta_quarantine_find(q, addr);
	if (!e) {
		NL_SET_ERR_MSG(extack, "address is not quarantined");
		err = -ENOENT;
		goto out;
	}
	hash_del_rcu(&e->node);
	WRITE_ONCE(q->count, q->count - 1);
	kfree_rcu(e, rcu);
out:
	mutex_unlock(&q->lock);
	return err;
}

/**
 * x0tta_quarantine_net_init() - empty quarantine for a new namespace
 * @xn: the namespace
 */
void x0tta_quarantine_net_init(struct x0tta_net *xn)
{
	hash_init(xn->quarantine.hash);
	mutex_init(&xn->quarantine.lock);
	xn->quarantine.count = 0;
	atomic64_set(&xn->quarantine.dropped, 0);
}

/**
 * x0tta_quarantine_net_exit() - free the quarantine of a namespace
 * @xn: the namespace; no hook can run in it any more
 */
void x0tta_quarantine_net_exit(struct x0tta_net *xn)
{
	struct x0tta_qentry *e;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(xn->quarantine.hash, bkt, tmp, e, node) {
		hash_del(&e->node);
		kfree(e);
	}
	mutex_destroy(&xn->quarantine.lock);
}
