// SPDX-License-Identifier: GPL-2.0
/*
 * The hold queue. When every next hop of a destination is down, its
 * frames wait here instead of being sent into a dead link, for at most
 * holdq_timeout_ms and at most holdq_limit frames for all destinations
 * together. They leave, in order, as soon as a next hop is live again
 * (a neighbour answers, or a new path is installed), and the controller
 * is asked for a route meanwhile.
 */

#include <linux/etherdevice.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "holdq.h"
#include "mac.h"
#include "netlink.h"
#include "netns.h"
#include "path.h"

/**
 * struct x0tta_holdq_cb - what a held frame carries in skb->cb
 * @expires: jiffies after which it is dropped
 * @orig: its destination originator
 */
struct x0tta_holdq_cb {
	unsigned long expires;
	u8 orig[ETH_ALEN];
};

static struct x0tta_holdq_cb *x0tta_holdq_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct x0tta_holdq_cb) > sizeof_field(struct sk_buff, cb));
	return (struct x0tta_holdq_cb *)skb->cb;
}

/**
 * struct x0tta_held - count of held frames of one destination
 * @node: entry in &x0tta_holdq.held
 * @orig: the destination
 * @count: its frames queued or being sent
 */
struct x0tta_held {
	struct hlist_node node;
	u8 orig[ETH_ALEN];
	unsigned int count;
};

/* Set while this CPU sends a held frame, so it is not held again. */
static DEFINE_PER_CPU(bool, x0tta_holdq_xmit);

/**
 * x0tta_holdq_in_flush() - is this CPU sending a frame from a hold queue?
 *
 * Context: BHs off.
 * Return: true if so.
 */
bool x0tta_holdq_in_flush(void)
{
	return __this_cpu_read(x0tta_holdq_xmit);
}

static struct x0tta_held *x0tta_held_find(struct x0tta_holdq *q, const u8 *orig)
{
	struct x0tta_held *h;

	hash_for_each_possible(q->held, h, node, x0tta_mac_key(orig))
		if (ether_addr_equal(h->orig, orig))
			return h;
	return NULL;
}

static int x0tta_held_inc(struct x0tta_holdq *q, const u8 *orig)
{
	struct x0tta_held *h = x0tta_held_find(q, orig);

	if (!h) {
		h = kzalloc(sizeof(*h), GFP_ATOMIC);
		if (!h)
			return -ENOMEM;
		ether_addr_copy(h->orig, orig);
		hash_add(q->held, &h->node, x0tta_mac_key(orig));
		WRITE_ONCE(q->nr_dests, q->nr_dests + 1);
	}
	h->count++;
	return 0;
}

static void x0tta_held_dec(struct x0tta_holdq *q, const u8 *orig)
{
	struct x0tta_held *h = x0tta_held_find(q, orig);

	if (WARN_ON_ONCE(!h))
		return;
	if (--h->count)
		return;
	hash_del(&h->node);
	WRITE_ONCE(q->nr_dests, q->nr_dests - 1);
	kfree(h);
}

/**
 * x0tta_holdq_busy() - are frames of this destination held?
 * @xn: the namespace
 * @orig: the destination
 *
 * A newer frame of a destination with held frames must queue behind
 * them, even when a next hop is live again, or it would overtake them.
 *
 * Context: BHs off (the egress hook).
 * Return: true if the frame must be held too.
 */
bool x0tta_holdq_busy(struct x0tta_net *xn, const u8 *orig)
{
	struct x0tta_holdq *q = &xn->holdq;
	bool busy;

	if (!READ_ONCE(q->nr_dests))
		return false;
	spin_lock(&q->lock);
	busy = x0tta_held_find(q, orig);
	spin_unlock(&q->lock);
	return busy;
}

static void x0tta_holdq_route_needed(struct x0tta_net *xn,
				     struct x0tta_path *path,
				     unsigned long timeout)
{
	unsigned long last = READ_ONCE(path->route_needed_at);

	/* Once per destination per timeout, however many frames wait. */
	if (time_before(jiffies, last + timeout))
		return;
	if (cmpxchg(&path->route_needed_at, last, jiffies) != last)
		return;
	x0tta_netlink_route_needed(xn, path->orig);
}

/**
 * x0tta_holdq_enqueue() - hold a frame that has no live next hop
 * @xn: the namespace
 * @path: the entry of its destination
 * @skb: the frame, at the egress hook
 *
 * Context: BHs off (the egress hook).
 * Return: NF_STOLEN if held, NF_DROP if the queue is full, NF_ACCEPT if
 * the hold queue is off (limit 0): batman-adv's choice then stands.
 */
unsigned int x0tta_holdq_enqueue(struct x0tta_net *xn, struct x0tta_path *path,
				 struct sk_buff *skb)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(xn->config.holdq_timeout_ms));
	u32 limit = READ_ONCE(xn->config.holdq_limit);
	struct x0tta_holdq *q = &xn->holdq;
	struct x0tta_holdq_cb *cb = x0tta_holdq_cb(skb);

	if (!limit)
		return NF_ACCEPT;

	spin_lock(&q->lock);
	if (skb_queue_len(&q->queue) >= limit ||
	    x0tta_held_inc(q, path->orig)) {
		q->overflow++;
		spin_unlock(&q->lock);
		return NF_DROP;
	}
	cb->expires = jiffies + timeout;
	ether_addr_copy(cb->orig, path->orig);
	__skb_queue_tail(&q->queue, skb);
	q->queued++;
	if (!timer_pending(&q->timer))
		mod_timer(&q->timer, cb->expires);
	spin_unlock(&q->lock);

	x0tta_holdq_route_needed(xn, path, timeout);
	return NF_STOLEN;
}

static bool x0tta_holdq_releasable(struct x0tta_net *xn, const u8 *orig)
{
	struct x0tta_path *path = x0tta_path_lookup(&xn->paths, orig);

	/* Entry deleted: batman-adv's own choice applies again. */
	return !path ||
	       x0tta_path_live(path, xn,
			       x0tta_quarantine_active(&xn->quarantine));
}

/* Take, in order, the frames that can leave now. */
static void x0tta_holdq_take(struct x0tta_net *xn, struct sk_buff_head *out)
{
	struct x0tta_holdq *q = &xn->holdq;
	struct sk_buff *skb, *tmp;

	lockdep_assert_held(&q->lock);
	rcu_read_lock();
	skb_queue_walk_safe(&q->queue, skb, tmp) {
		if (!x0tta_holdq_releasable(xn, x0tta_holdq_cb(skb)->orig))
			continue;
		__skb_unlink(skb, &q->queue);
		/* The frame holds no reference on its device: take one. */
		dev_hold(skb->dev);
		__skb_queue_tail(out, skb);
	}
	rcu_read_unlock();
}

static void x0tta_holdq_send(struct x0tta_net *xn, struct sk_buff *skb)
{
	struct x0tta_holdq *q = &xn->holdq;
	struct net_device *dev = skb->dev;
	u8 orig[ETH_ALEN];

	ether_addr_copy(orig, x0tta_holdq_cb(skb)->orig);
	memset(skb->cb, 0, sizeof(skb->cb));

	local_bh_disable();
	__this_cpu_write(x0tta_holdq_xmit, true);
	dev_queue_xmit(skb);
	__this_cpu_write(x0tta_holdq_xmit, false);
	local_bh_enable();
	dev_put(dev);

	/* Only now may newer frames of this destination go straight out. */
	spin_lock_bh(&q->lock);
	x0tta_held_dec(q, orig);
	q->sent++;
	spin_unlock_bh(&q->lock);
}

/**
 * x0tta_holdq_flush() - send every held frame that has a live hop now
 * @xn: the namespace
 *
 * One flush at a time sends, so frames leave in queue order; a flush
 * asked for meanwhile makes the running one look again.
 *
 * Context: process or softirq; no x0tta lock held.
 */
void x0tta_holdq_flush(struct x0tta_net *xn)
{
	struct x0tta_holdq *q = &xn->holdq;
	struct sk_buff_head out;
	bool sent;

	__skb_queue_head_init(&out);
	spin_lock_bh(&q->lock);
	if (q->flushing) {
		q->again = true;
		spin_unlock_bh(&q->lock);
		return;
	}
	q->flushing = true;
	do {
		q->again = false;
		x0tta_holdq_take(xn, &out);
		sent = !skb_queue_empty(&out);
		spin_unlock_bh(&q->lock);
		while (!skb_queue_empty(&out))
			x0tta_holdq_send(xn, __skb_dequeue(&out));
		spin_lock_bh(&q->lock);
	} while (sent || q->again);
	q->flushing = false;
	spin_unlock_bh(&q->lock);
}

static void x0tta_holdq_timer(struct timer_list *t)
{
	struct x0tta_net *xn = from_timer(xn, t, holdq.timer);
	struct x0tta_holdq *q = &xn->holdq;
	struct sk_buff_head dead;
	struct sk_buff *skb;

	__skb_queue_head_init(&dead);
	spin_lock(&q->lock);
	while ((skb = skb_peek(&q->queue)) &&
	       time_after_eq(jiffies, x0tta_holdq_cb(skb)->expires)) {
		__skb_unlink(skb, &q->queue);
		x0tta_held_dec(q, x0tta_holdq_cb(skb)->orig);
		q->expired++;
		__skb_queue_tail(&dead, skb);
	}
	if (skb)
		mod_timer(&q->timer, x0tta_holdq_cb(skb)->expires);
	spin_unlock(&q->lock);
	__skb_queue_purge(&dead);
}

/**
 * x0tta_holdq_purge_dev() - drop the held frames of a leaving interface
 * @xn: the namespace
 * @dev: the interface; the frames hold no reference on it
 *
 * They are counted as expired: they will never be sent.
 */
void x0tta_holdq_purge_dev(struct x0tta_net *xn, const struct net_device *dev)
{
	struct x0tta_holdq *q = &xn->holdq;
	struct sk_buff *skb, *tmp;
	struct sk_buff_head dead;

	__skb_queue_head_init(&dead);
	spin_lock_bh(&q->lock);
	skb_queue_walk_safe(&q->queue, skb, tmp) {
		if (skb->dev != dev)
			continue;
		__skb_unlink(skb, &q->queue);
		x0tta_held_dec(q, x0tta_holdq_cb(skb)->orig);
		q->expired++;
		__skb_queue_tail(&dead, skb);
	}
	spin_unlock_bh(&q->lock);
	__skb_queue_purge(&dead);
}

/**
 * x0tta_holdq_stats() - copy the hold queue's counters
 * @xn: the namespace
 * @st: the copy
 */
void x0tta_holdq_stats(struct x0tta_net *xn, struct x0tta_holdq_stats *st)
{
	struct x0tta_holdq *q = &xn->holdq;

	spin_lock_bh(&q->lock);
	st->queued = q->queued;
	st->sent = q->sent;
	st->overflow = q->overflow;
	st->expired = q->expired;
	st->len = skb_queue_len(&q->queue);
	spin_unlock_bh(&q->lock);
}

/**
 * x0tta_holdq_net_init() - empty hold queue for a new namespace
 * @xn: the namespace
 */
void x0tta_holdq_net_init(struct x0tta_net *xn)
{
	struct x0tta_holdq *q = &xn->holdq;

	__skb_queue_head_init(&q->queue);
	spin_lock_init(&q->lock);
	hash_init(q->held);
	timer_setup(&q->timer, x0tta_holdq_timer, 0);
}

/**
 * x0tta_holdq_net_exit() - drop everything held in a namespace
 * @xn: the namespace; no hook can run in it any more
 */
void x0tta_holdq_net_exit(struct x0tta_net *xn)
{
	struct x0tta_holdq *q = &xn->holdq;
	struct x0tta_held *h;
	struct hlist_node *tmp;
	int bkt;

	timer_shutdown_sync(&q->timer);
	__skb_queue_purge(&q->queue);
	hash_for_each_safe(q->held, bkt, tmp, h, node) {
		hash_del(&h->node);
		kfree(h);
	}
}
