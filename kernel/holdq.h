/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_HOLDQ_H
#define _X0TTA_HOLDQ_H

#include <linux/hashtable.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>

struct net_device;
struct x0tta_net;
struct x0tta_path;

/**
 * struct x0tta_holdq - frames waiting for a live next hop
 * @queue: the frames, oldest first, all destinations together
 * @lock: protects everything here; taken with BHs off
 * @held: per destination, how many of its frames are in @queue (or being
 *	sent from it): while any are, newer frames queue behind them so a
 *	flow leaves in order
 * @nr_dests: entries in @held; zero lets the datapath skip the lock
 * @timer: drops frames that waited longer than holdq_timeout_ms
 * @flushing: a flush is sending frames; others leave the work to it
 * @again: a flush was asked for while one ran
 * @queued: frames put in the queue
 * @sent: frames sent from it
 * @overflow: frames dropped because the queue was full
 * @expired: frames dropped because they waited too long
 */
struct x0tta_holdq {
	struct sk_buff_head queue;
	spinlock_t lock;	/* protects all members */
	DECLARE_HASHTABLE(held, 6);
	unsigned int nr_dests;
	struct timer_list timer;
	bool flushing;
	bool again;
	u64 queued;
	u64 sent;
	u64 overflow;
	u64 expired;
};

/**
 * struct x0tta_holdq_stats - a consistent copy of the counters
 * @queued: frames put in the queue
 * @sent: frames sent from it
 * @overflow: frames dropped, queue full
 * @expired: frames dropped, waited too long
 * @len: frames in the queue now
 */
struct x0tta_holdq_stats {
	u64 queued;
	u64 sent;
	u64 overflow;
	u64 expired;
	u32 len;
};

void x0tta_holdq_net_init(struct x0tta_net *xn);
void x0tta_holdq_net_exit(struct x0tta_net *xn);
bool x0tta_holdq_busy(struct x0tta_net *xn, const u8 *orig);
unsigned int x0tta_holdq_enqueue(struct x0tta_net *xn, struct x0tta_path *path,
				 struct sk_buff *skb);
void x0tta_holdq_flush(struct x0tta_net *xn);
void x0tta_holdq_purge_dev(struct x0tta_net *xn, const struct net_device *dev);
void x0tta_holdq_stats(struct x0tta_net *xn, struct x0tta_holdq_stats *st);
bool x0tta_holdq_in_flush(void);

#endif /* _X0TTA_HOLDQ_H */
