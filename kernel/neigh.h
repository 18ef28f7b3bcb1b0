/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_NEIGH_H
#define _X0TTA_NEIGH_H

#include <linux/hashtable.h>
#include <linux/if_ether.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <uapi/linux/x0tta.h>

struct sk_buff;
struct x0tta_hardif;
struct x0tta_net;

/* Neighbours one hard interface tracks; more are not learned. */
#define X0TTA_NEIGH_MAX		256
/* An unpinned neighbour that is not up is forgotten after this silence. */
#define X0TTA_NEIGH_STALE_MS	60000

/**
 * struct x0tta_neigh - liveness of one neighbour on one hard interface
 * @node: entry in &x0tta_neigh_table.hash, RCU
 * @addr: the neighbour's MAC address on this link
 * @hardif: the hard interface of that link
 * @state: enum x0tta_neigh_state, read locklessly by the datapath
 * @peer_expected: its last regular request announced its interval, so
 *	its next one is due by @peer_due
 * @pins: hops of path entries naming it; while any do, it is never
 *	forgotten
 * @unanswered: echo requests sent since the last reply
 * @seq: sequence number of the next echo request
 * @rtt_last_us: last round-trip time
 * @rtt_smooth_us: smoothed round-trip time, gain 1/8 as TCP's SRTT
 * @rtt_var_us: smoothed mean deviation of the round-trip time, gain 1/4
 *	as TCP's RTTVAR
 * @deadline: when the last request should have been answered by
 * @peer_due: when its next regular request should arrive by
 *	(when down: when to probe it, as it asked again), if @peer_expected
 * @echo_sent: echo requests sent
 * @echo_received: echo replies received
 * @changes: up/down transitions
 * @last_heard: jiffies of the last routing or echo frame from it
 * @rcu: frees the entry after readers are done
 *
 * Everything but @node, @addr and @hardif changes under
 * &x0tta_neigh_table.lock.
 */
struct x0tta_neigh {
	struct hlist_node node;
	u8 addr[ETH_ALEN];
	u8 state;
	bool peer_expected;
	struct x0tta_hardif *hardif;
	u32 pins;
	u32 unanswered;
	u32 seq;
	u32 rtt_last_us;
	u32 rtt_smooth_us;
	u32 rtt_var_us;
	ktime_t deadline;
	ktime_t peer_due;
	u64 echo_sent;
	u64 echo_received;
	u32 changes;
	unsigned long last_heard;
	struct rcu_head rcu;
};

/**
 * struct x0tta_neigh_table - neighbours of one hard interface
 * @hash: entries by address; written under @lock, read under RCU
 * @lock: serialises changes; taken from softirq, so with BHs off
 * @count: number of entries
 */
struct x0tta_neigh_table {
	DECLARE_HASHTABLE(hash, 6);
	spinlock_t lock;	/* protects changes to the table and entries */
	unsigned int count;
};

void x0tta_neigh_table_init(struct x0tta_neigh_table *tbl);
void x0tta_neigh_table_free(struct x0tta_neigh_table *tbl);

struct x0tta_neigh *x0tta_neigh_pin(struct x0tta_hardif *hardif, const u8 *addr);
void x0tta_neigh_unpin(struct x0tta_neigh *neigh);
u8 x0tta_neigh_state(struct x0tta_neigh_table *tbl, const u8 *addr);

void x0tta_neigh_learn(struct x0tta_hardif *hardif, const u8 *addr);
bool x0tta_neigh_rcv_echo(struct x0tta_hardif *hardif, struct sk_buff *skb);

void x0tta_neigh_net_init(struct x0tta_net *xn);
void x0tta_neigh_net_exit(struct x0tta_net *xn);
void x0tta_neigh_start(struct x0tta_net *xn);
void x0tta_neigh_interval_set(struct x0tta_net *xn);

#endif /* _X0TTA_NEIGH_H */
