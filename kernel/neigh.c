// SPDX-License-Identifier: GPL-2.0
/*
 * BFD-like liveness of neighbours. Every echo_interval_ms (less up to a
 * quarter, at random) x0tta sends an echo request to each neighbour it
 * knows on each hard interface; the x0tta of the neighbour answers at
 * once from its ingress hook. A neighbour that answered once and then
 * misses detect_mult replies in a row is down, long before batman-adv's
 * own metric decays; a neighbour that never answered (no x0tta there) is
 * never declared down.
 *
 * Waiting detect_mult whole intervals would cost detect_mult *
 * echo_interval_ms of traffic on every dead link. Instead, once an up
 * neighbour leaves a request unanswered past its deadline, it is probed
 * every echo_fast_ms until it answers or has missed detect_mult in a row
 * (BFD's poll sequence, in spirit): detection then takes about
 * detect_mult * echo_fast_ms after the first unanswered request, while a
 * healthy link still costs one request per echo_interval_ms. The deadline
 * of a request is never shorter than the neighbour's retransmission
 * timeout (TCP's SRTT + 4 * RTTVAR), so a slow link is not taken for a
 * dead one.
 *
 * The neighbour's own requests are evidence too, as the peer's control
 * packets are in BFD's asynchronous mode: each regular request carries
 * the longest gap to its sender's next one, and when that is overdue
 * the fast probing starts at once rather than at our own next request.
 * With two independent request clocks on a link, a cut is noticed
 * sooner on average, at no extra frame on a healthy link.
 *
 * Neighbours are learned from batman-adv's routing frames (so the router
 * batman-adv picked is watched too) and from path entries (pinned).
 */

#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/pkt_sched.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "hardif.h"
#include "holdq.h"
#include "mac.h"
#include "neigh.h"
#include "netlink.h"
#include "netns.h"
#include "quarantine.h"

/* Leeway for the fast timer to share an interrupt with another timer. */
#define X0TTA_NEIGH_FAST_SLACK_NS	(100 * NSEC_PER_USEC)
/* The least lateness of a neighbour's request that is not yet news. */
#define X0TTA_NEIGH_PEER_SLACK_MS	10

/**
 * x0tta_neigh_table_init() - prepare an empty neighbour table
 * @tbl: the table
 */
void x0tta_neigh_table_init(struct x0tta_neigh_table *tbl)
{
	hash_init(tbl->hash);
	spin_lock_init(&tbl->lock);
	tbl->count = 0;
}

/**
 * x0tta_neigh_table_free() - free every entry of a table
 * @tbl: the table; its hard interface is already detached, and no path
 *	entry pins its neighbours any more
 */
void x0tta_neigh_table_free(struct x0tta_neigh_table *tbl)
{
	struct x0tta_neigh *neigh;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&tbl->lock);
	hash_for_each_safe(tbl->hash, bkt, tmp, neigh, node) {
		WARN_ON_ONCE(neigh->pins);
		hash_del_rcu(&neigh->node);
		kfree_rcu(neigh, rcu);
	}
	tbl->count = 0;
	spin_unlock_bh(&tbl->lock);
}

/* The entry of @addr or NULL; RCU read side, or @tbl->lock held. */
static struct x0tta_neigh *x0tta_neigh_lookup(struct x0tta_neigh_table *tbl,
					      const u8 *addr)
{
	struct x0tta_neigh *neigh;

	hash_for_each_possible_rcu(tbl->hash, neigh, node, x0tta_mac_key(addr))
		if (ether_addr_equal(neigh->addr, addr))
			return neigh;
	return NULL;
}

/**
 * x0tta_neigh_state() - liveness of a neighbour, for the datapath
 * @tbl: the table
 * @addr: its MAC address
 *
 * Context: RCU read side.
 * Return: enum x0tta_neigh_state; X0TTA_NEIGH_UNKNOWN if not tracked.
 */
u8 x0tta_neigh_state(struct x0tta_neigh_table *tbl, const u8 *addr)
{
	struct x0tta_neigh *neigh = x0tta_neigh_lookup(tbl, addr);

	return neigh ? READ_ONCE(neigh->state) : X0TTA_NEIGH_UNKNOWN;
}

static struct x0tta_neigh *x0tta_neigh_create(struct x0tta_hardif *hardif,
					      const u8 *addr)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct x0tta_neigh *neigh;

	lockdep_assert_held(&tbl->lock);
	if (tbl->count >= X0TTA_NEIGH_MAX)
		return NULL;
	neigh = kzalloc(sizeof(*neigh), GFP_ATOMIC);
	if (!neigh)
		return NULL;
	ether_addr_copy(neigh->addr, addr);
	neigh->hardif = hardif;
	neigh->state = X0TTA_NEIGH_UNKNOWN;
	neigh->last_heard = jiffies;
	hash_add_rcu(tbl->hash, &neigh->node, x0tta_mac_key(addr));
	tbl->count++;
	return neigh;
}

/**
 * x0tta_neigh_pin() - track a neighbour that a path entry names
 * @hardif: the hop's hard interface
 * @addr: the hop's MAC address
 *
 * Each pin is undone by one x0tta_neigh_unpin() when the entry goes, or
 * when @hardif leaves the mesh. While pinned, the neighbour is never
 * forgotten, so the entry may keep the pointer.
 *
 * Return: the neighbour, or ERR_PTR(-ENOSPC) when the table is full,
 * ERR_PTR(-ENOMEM).
 */
struct x0tta_neigh *x0tta_neigh_pin(struct x0tta_hardif *hardif, const u8 *addr)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct x0tta_neigh *neigh;

	spin_lock_bh(&tbl->lock);
	neigh = x0tta_neigh_lookup(tbl, addr);
	if (!neigh)
		neigh = x0tta_neigh_create(hardif, addr);
	if (neigh)
		neigh->pins++;
	else
		neigh = ERR_PTR(tbl->count >= X0TTA_NEIGH_MAX ? -ENOSPC :
							     -ENOMEM);
	spin_unlock_bh(&tbl->lock);
	return neigh;
}

/**
 * x0tta_neigh_unpin() - a path entry no longer names this neighbour
 * @neigh: what x0tta_neigh_pin() returned
 *
 * The neighbour stays tracked; unpinned, it is forgotten once it is not
 * up and has been silent for X0TTA_NEIGH_STALE_MS.
 */
void x0tta_neigh_unpin(struct x0tta_neigh *neigh)
{
	struct x0tta_neigh_table *tbl = &neigh->hardif->neighs;

	spin_lock_bh(&tbl->lock);
	if (!WARN_ON_ONCE(!neigh->pins))
		neigh->pins--;
	spin_unlock_bh(&tbl->lock);
}

/**
 * x0tta_neigh_learn() - a routing frame came from this neighbour
 * @hardif: the hard interface it came in on
 * @addr: its source MAC address
 *
 * Context: softirq, RCU read side.
 */
void x0tta_neigh_learn(struct x0tta_hardif *hardif, const u8 *addr)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct x0tta_neigh *neigh;

	if (!is_valid_ether_addr(addr))
		return;
	neigh = x0tta_neigh_lookup(tbl, addr);
	if (neigh) {
		WRITE_ONCE(neigh->last_heard, jiffies);
		return;
	}
	spin_lock(&tbl->lock);
	if (!x0tta_neigh_lookup(tbl, addr))
		x0tta_neigh_create(hardif, addr);
	spin_unlock(&tbl->lock);
}

static struct sk_buff *x0tta_echo_build(struct net_device *dev, const u8 *dst,
					u8 type, u16 interval_ms, __be32 seq,
					__be64 time_ns)
{
	struct x0tta_echo *echo;
	struct ethhdr *eth;
	struct sk_buff *skb;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + ETH_ZLEN, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev) + ETH_HLEN);
	skb_reset_network_header(skb);
	echo = skb_put_zero(skb, ETH_ZLEN - ETH_HLEN);
	echo->version = X0TTA_ECHO_VERSION;
	echo->type = type;
	echo->interval_ms = cpu_to_be16(interval_ms);
	echo->seq = seq;
	echo->time_ns = time_ns;

	eth = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	ether_addr_copy(eth->h_dest, dst);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = htons(X0TTA_ETH_P_ECHO);

	skb->dev = dev;
	skb->protocol = htons(X0TTA_ETH_P_ECHO);
	/* Liveness must not queue behind a data burst. */
	skb->priority = TC_PRIO_CONTROL;
	return skb;
}

/*
 * How long, in ms, to wait for the reply to a request sent now: the fast
 * probe interval, or the neighbour's retransmission timeout if that is
 * longer.
 */
static u32 x0tta_neigh_timeout(const struct x0tta_neigh *neigh, u32 fast_ms)
{
	u64 rto_us = (u64)neigh->rtt_smooth_us + 4 * (u64)neigh->rtt_var_us;

	return max_t(u64, fast_ms, DIV_ROUND_UP_ULL(rto_us, USEC_PER_MSEC));
}

static void x0tta_neigh_set_state(struct x0tta_neigh *neigh, u8 state)
{
	WRITE_ONCE(neigh->state, state);
	neigh->changes++;
}

static void x0tta_echo_reply_rcvd(struct x0tta_hardif *hardif,
				  const struct ethhdr *eth,
				  const struct x0tta_echo *echo)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct x0tta_net *xn = hardif->xn;
	struct x0tta_neigh *neigh;
	bool up = false;
	s64 rtt, srtt;

	spin_lock(&tbl->lock);
	neigh = x0tta_neigh_lookup(tbl, eth->h_source);
	if (!neigh)
		goto out;
	rtt = div_s64((s64)ktime_get_ns() - (s64)be64_to_cpu(echo->time_ns),
		      NSEC_PER_USEC);
	if (rtt < 0 || rtt > U32_MAX)
		goto out;	/* not a request of ours: ignore */
	neigh->rtt_last_us = rtt;
	srtt = neigh->rtt_smooth_us;
	if (srtt) {
		s64 var = neigh->rtt_var_us;

		neigh->rtt_var_us = var + div_s64(abs(rtt - srtt) - var, 4);
		neigh->rtt_smooth_us = srtt + div_s64(rtt - srtt, 8);
	} else {
		neigh->rtt_var_us = div_s64(rtt, 2);
		neigh->rtt_smooth_us = rtt;
	}
	neigh->echo_received++;
	neigh->unanswered = 0;
	neigh->last_heard = jiffies;
	if (neigh->state != X0TTA_NEIGH_UP) {
		x0tta_neigh_set_state(neigh, X0TTA_NEIGH_UP);
		x0tta_netlink_neigh_event(xn, hardif->dev, neigh->addr,
					  X0TTA_NEIGH_UP);
		up = true;
	}
out:
	spin_unlock(&tbl->lock);
	/* Held frames may have a live next hop again. */
	if (up)
		x0tta_holdq_flush(xn);
}

/*
 * Have the fast timer fire by @at: timer_reduce() for an hrtimer. The
 * fast timer keeps milliseconds, which the timer wheel rounds up to
 * whole ticks (12 ms for 10 at HZ=250) on every probe of a detection.
 * Under @echo_fast_lock, so of two callers the earlier time wins, and
 * nothing arms the timer again once x0tta_neigh_net_exit() stopped it.
 */
static void x0tta_neigh_fast_arm(struct x0tta_net *xn, ktime_t at)
{
	struct hrtimer *t = &xn->echo_fast_timer;

	spin_lock_bh(&xn->echo_fast_lock);
	if (!xn->echo_fast_stopped &&
	    (!hrtimer_is_queued(t) ||
	     ktime_before(at, hrtimer_get_softexpires(t))))
		hrtimer_start_range_ns(t, at, X0TTA_NEIGH_FAST_SLACK_NS,
				       HRTIMER_MODE_ABS_SOFT);
	spin_unlock_bh(&xn->echo_fast_lock);
}

/*
 * A regular request says when the neighbour's next one is due: the gap
 * it announces (its interval in whole ticks of its own clock, see
 * x0tta_neigh_announced()), plus a margin for lateness: the time we
 * would wait for a reply (its path is ours reversed), an eighth of the
 * interval (a long timer of the timer wheel may fire that much late),
 * or X0TTA_NEIGH_PEER_SLACK_MS, whichever is longest. The sender's
 * timer runs on its tick, which comes late now and then by more than a
 * fast probe interval of 1 or 2 ms (most requests of a neighbour asking
 * every 10 ms were "late" without the floor, in the test guest). If it
 * does not come by then, the fast timer probes the neighbour at once
 * instead of waiting for our own next request. A neighbour held down
 * that asks again may be back: it is probed at once, so a mended link
 * is up again within a round trip rather than at our own next request.
 */
static void x0tta_echo_request_rcvd(struct x0tta_hardif *hardif,
				    const struct ethhdr *eth,
				    const struct x0tta_echo *echo)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct x0tta_net *xn = hardif->xn;
	u32 interval = be16_to_cpu(echo->interval_ms);
	u32 fast_ms = READ_ONCE(xn->config.echo_fast_ms);
	struct x0tta_neigh *neigh;
	ktime_t due = 0;
	bool watch = false;

	/* A probe, an older sender, or a nonsense interval: no promise. */
	if (!fast_ms || interval < X0TTA_ECHO_INTERVAL_MS_MIN ||
	    interval > X0TTA_ECHO_INTERVAL_MS_MAX)
		return;
	spin_lock(&tbl->lock);
	neigh = x0tta_neigh_lookup(tbl, eth->h_source);
	if (neigh) {
		due = ktime_get();
		if (neigh->state != X0TTA_NEIGH_DOWN)
			due = ktime_add_ms(due, interval +
					   max3(x0tta_neigh_timeout(neigh, fast_ms),
						interval / 8,
						X0TTA_NEIGH_PEER_SLACK_MS));
		neigh->peer_due = due;
		neigh->peer_expected = true;
		watch = neigh->state != X0TTA_NEIGH_UNKNOWN;
	}
	spin_unlock(&tbl->lock);
	if (watch)
		x0tta_neigh_fast_arm(xn, due);
}

/**
 * x0tta_neigh_rcv_echo() - handle a frame with the echo ethertype
 * @hardif: the hard interface it arrived on
 * @skb: the frame, skb->data at the echo header
 *
 * Answers requests and records replies.
 *
 * Context: softirq, RCU read side (the ingress hook).
 * Return: true if the frame was an echo frame; it is then consumed.
 */
bool x0tta_neigh_rcv_echo(struct x0tta_hardif *hardif, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);
	struct x0tta_echo buf;
	const struct x0tta_echo *echo;
	struct sk_buff *reply;

	if (skb->protocol != htons(X0TTA_ETH_P_ECHO))
		return false;
	echo = skb_header_pointer(skb, 0, sizeof(buf), &buf);
	if (!echo || echo->version != X0TTA_ECHO_VERSION ||
	    !is_valid_ether_addr(eth->h_source))
		goto consume;

	switch (echo->type) {
	case X0TTA_ECHO_REQUEST:
		reply = x0tta_echo_build(skb->dev, eth->h_source,
					 X0TTA_ECHO_REPLY, 0, echo->seq,
					 echo->time_ns);
		if (reply)
			dev_queue_xmit(reply);
		x0tta_echo_request_rcvd(hardif, eth, echo);
		break;
	case X0TTA_ECHO_REPLY:
		x0tta_echo_reply_rcvd(hardif, eth, echo);
		break;
	}
consume:
	consume_skb(skb);
	return true;
}

/* An up neighbour with a request outstanding is the fast timer's. */
static bool x0tta_neigh_probing(const struct x0tta_neigh *neigh, u32 fast_ms)
{
	return fast_ms && neigh->state == X0TTA_NEIGH_UP && neigh->unanswered;
}

/* The earliest time the fast timer has something to look at. */
struct x0tta_neigh_wake {
	ktime_t at;
	bool set;
};

static void x0tta_neigh_wake_at(struct x0tta_neigh_wake *wake, ktime_t at)
{
	if (!wake->set || ktime_before(at, wake->at)) {
		wake->at = at;
		wake->set = true;
	}
}

/*
 * Queue one echo request to @neigh on @frames. @interval_ms is what a
 * regular request announces, 0 for a probe. An up neighbour's request
 * is the fast timer's from now: it looks again at the deadline.
 */
static void x0tta_neigh_probe(struct x0tta_hardif *hardif,
			      struct x0tta_neigh *neigh, u32 fast_ms,
			      u16 interval_ms, ktime_t now,
			      struct sk_buff_head *frames,
			      struct x0tta_neigh_wake *wake)
{
	struct sk_buff *skb;

	skb = x0tta_echo_build(hardif->dev, neigh->addr, X0TTA_ECHO_REQUEST,
			       interval_ms, cpu_to_be32(neigh->seq++),
			       cpu_to_be64(ktime_to_ns(now)));
	if (!skb)
		return;
	neigh->echo_sent++;
	neigh->unanswered++;
	neigh->deadline = ktime_add_ms(now, x0tta_neigh_timeout(neigh, fast_ms));
	__skb_queue_tail(frames, skb);
	if (x0tta_neigh_probing(neigh, fast_ms))
		x0tta_neigh_wake_at(wake, neigh->deadline);
}

static void x0tta_neigh_down(struct x0tta_net *xn, struct x0tta_hardif *hardif,
			     struct x0tta_neigh *neigh)
{
	x0tta_neigh_set_state(neigh, X0TTA_NEIGH_DOWN);
	x0tta_netlink_neigh_event(xn, hardif->dev, neigh->addr,
				  X0TTA_NEIGH_DOWN);
}

/*
 * Frames go out after the table lock is dropped: sending runs our own
 * egress hook and the qdisc.
 */
static void x0tta_neigh_xmit(struct sk_buff_head *frames)
{
	while (!skb_queue_empty(frames))
		dev_queue_xmit(__skb_dequeue(frames));
}

/*
 * One regular tick for one hard interface: declare down who missed too
 * many replies, forget silent strangers, and send the next round of
 * requests, except to neighbours the fast timer is probing. An up
 * neighbour's outstanding request is due back by its deadline: @wake.
 */
static void x0tta_neigh_tick_hardif(struct x0tta_net *xn,
				    struct x0tta_hardif *hardif,
				    u16 announce, u32 detect_mult, u32 fast_ms,
				    unsigned long stale,
				    struct x0tta_neigh_wake *wake)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct sk_buff_head frames;
	struct x0tta_neigh *neigh;
	struct hlist_node *tmp;
	ktime_t now = ktime_get();
	int bkt;

	__skb_queue_head_init(&frames);
	spin_lock(&tbl->lock);
	hash_for_each_safe(tbl->hash, bkt, tmp, neigh, node) {
		if (neigh->state == X0TTA_NEIGH_UP &&
		    neigh->unanswered >= detect_mult)
			x0tta_neigh_down(xn, hardif, neigh);
		if (!neigh->pins && neigh->state != X0TTA_NEIGH_UP &&
		    time_after(jiffies, READ_ONCE(neigh->last_heard) + stale)) {
			hash_del_rcu(&neigh->node);
			tbl->count--;
			kfree_rcu(neigh, rcu);
			continue;
		}
		if (x0tta_quarantine_has(xn, neigh->addr))
			continue;
		if (x0tta_neigh_probing(neigh, fast_ms))
			x0tta_neigh_wake_at(wake, neigh->deadline);
		else
			x0tta_neigh_probe(hardif, neigh, fast_ms, announce, now,
					  &frames, wake);
	}
	spin_unlock(&tbl->lock);

	x0tta_neigh_xmit(&frames);
}

/*
 * Whether a neighbour that answered before and is not being probed
 * should be now: up, because the regular request it announced is
 * overdue; down, because it asked again. Each promise is checked once:
 * a late request costs one probe, and a neighbour whose requests stop
 * (its interval grew, say) is left to our own pace.
 */
static bool x0tta_neigh_peer_late(struct x0tta_neigh *neigh, ktime_t now,
				  struct x0tta_neigh_wake *wake)
{
	if (neigh->state == X0TTA_NEIGH_UNKNOWN || !neigh->peer_expected)
		return false;
	if (ktime_before(now, neigh->peer_due)) {
		x0tta_neigh_wake_at(wake, neigh->peer_due);
		return false;
	}
	neigh->peer_expected = false;
	return true;
}

/*
 * One fast tick for one hard interface: an up neighbour whose request is
 * past its deadline is down if it missed detect_mult in a row, else gets
 * another request at once; so does one whose own request is overdue,
 * and a down one that asked again. The next deadline or due request is
 * on @wake.
 */
static void x0tta_neigh_fast_hardif(struct x0tta_net *xn,
				    struct x0tta_hardif *hardif,
				    u32 detect_mult, u32 fast_ms,
				    struct x0tta_neigh_wake *wake)
{
	struct x0tta_neigh_table *tbl = &hardif->neighs;
	struct sk_buff_head frames;
	struct x0tta_neigh *neigh;
	ktime_t now = ktime_get();
	int bkt;

	__skb_queue_head_init(&frames);
	spin_lock(&tbl->lock);
	hash_for_each(tbl->hash, bkt, neigh, node) {
		if (x0tta_neigh_probing(neigh, fast_ms)) {
			if (ktime_before(now, neigh->deadline)) {
				x0tta_neigh_wake_at(wake, neigh->deadline);
				continue;
			}
			if (neigh->unanswered >= detect_mult) {
				x0tta_neigh_down(xn, hardif, neigh);
				continue;
			}
		} else if (!x0tta_neigh_peer_late(neigh, now, wake)) {
			continue;
		}
		if (x0tta_quarantine_has(xn, neigh->addr))
			continue;
		x0tta_neigh_probe(hardif, neigh, fast_ms, 0, now, &frames, wake);
	}
	spin_unlock(&tbl->lock);

	x0tta_neigh_xmit(&frames);
}

/*
 * Jiffies until the next regular round: 75 to 100% of the interval,
 * drawn anew each time as BFD jitters its control packets (RFC 5880,
 * 6.8.7). Timers of nodes that started together (a mesh coming back
 * after a power cut) would otherwise stay in step, and a neighbour's
 * requests would then never come before our own. The interval that a
 * request announces stays the longest gap.
 */
static unsigned long x0tta_neigh_pace(u32 interval_ms)
{
	return msecs_to_jiffies(interval_ms -
				get_random_u32_below(interval_ms / 4 + 1));
}

/*
 * What a regular request announces: the longest gap to the next one.
 * x0tta_neigh_pace() rounds up to whole ticks, 4 ms at HZ=250 but 10 ms
 * at HZ=100, which a neighbour with a finer clock cannot know; so the
 * gap is announced in our ticks, and the receiver's margin is left for
 * the timer's and the network's lateness.
 */
static u16 x0tta_neigh_announced(u32 interval_ms)
{
	return min_t(u32, jiffies_to_msecs(msecs_to_jiffies(interval_ms)),
		     X0TTA_ECHO_INTERVAL_MS_MAX);
}

static void x0tta_neigh_timer(struct timer_list *t)
{
	struct x0tta_net *xn = from_timer(xn, t, echo_timer);
	u32 interval = READ_ONCE(xn->config.echo_interval_ms);
	u16 announce = x0tta_neigh_announced(interval);
	u32 detect_mult = READ_ONCE(xn->config.detect_mult);
	u32 fast_ms = READ_ONCE(xn->config.echo_fast_ms);
	unsigned long stale = msecs_to_jiffies(X0TTA_NEIGH_STALE_MS);
	struct x0tta_neigh_wake wake = {};
	struct x0tta_hardif *hardif;
	bool any = false;

	rcu_read_lock();
	list_for_each_entry_rcu(hardif, &xn->hardifs, list) {
		x0tta_neigh_tick_hardif(xn, hardif, announce, detect_mult,
					fast_ms, stale, &wake);
		any = true;
	}
	rcu_read_unlock();

	if (wake.set)
		x0tta_neigh_fast_arm(xn, wake.at);
	/* With no interface left, the next attach restarts the timer. */
	if (any)
		mod_timer(&xn->echo_timer, jiffies + x0tta_neigh_pace(interval));
}

static enum hrtimer_restart x0tta_neigh_fast_timer(struct hrtimer *t)
{
	struct x0tta_net *xn = container_of(t, struct x0tta_net,
					    echo_fast_timer);
	u32 detect_mult = READ_ONCE(xn->config.detect_mult);
	u32 fast_ms = READ_ONCE(xn->config.echo_fast_ms);
	struct x0tta_neigh_wake wake = {};
	struct x0tta_hardif *hardif;

	/* Switched off: the regular tick takes over. */
	if (!fast_ms)
		return HRTIMER_NORESTART;
	rcu_read_lock();
	list_for_each_entry_rcu(hardif, &xn->hardifs, list)
		x0tta_neigh_fast_hardif(xn, hardif, detect_mult, fast_ms,
					&wake);
	rcu_read_unlock();

	if (wake.set)
		x0tta_neigh_fast_arm(xn, wake.at);
	return HRTIMER_NORESTART;
}

/**
 * x0tta_neigh_start() - make sure the echo timer runs
 * @xn: the namespace, which has just gained a hard interface
 */
void x0tta_neigh_start(struct x0tta_net *xn)
{
	if (!timer_pending(&xn->echo_timer))
		mod_timer(&xn->echo_timer, jiffies + 1);
}

/**
 * x0tta_neigh_interval_set() - echo_interval_ms has just been set
 * @xn: the namespace
 *
 * A shorter interval takes effect at once, not after the longer one
 * already running out; a longer one from the next request on.
 */
void x0tta_neigh_interval_set(struct x0tta_net *xn)
{
	u32 interval = READ_ONCE(xn->config.echo_interval_ms);

	/* Not pending: no interface, and the next attach starts it. */
	if (timer_pending(&xn->echo_timer))
		timer_reduce(&xn->echo_timer,
			     jiffies + x0tta_neigh_pace(interval));
}

/**
 * x0tta_neigh_net_init() - set up liveness for a new namespace
 * @xn: the namespace
 */
void x0tta_neigh_net_init(struct x0tta_net *xn)
{
	timer_setup(&xn->echo_timer, x0tta_neigh_timer, 0);
	hrtimer_init(&xn->echo_fast_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_SOFT);
	xn->echo_fast_timer.function = x0tta_neigh_fast_timer;
	spin_lock_init(&xn->echo_fast_lock);
}

/**
 * x0tta_neigh_net_exit() - stop liveness of a namespace for good
 * @xn: the namespace
 */
void x0tta_neigh_net_exit(struct x0tta_net *xn)
{
	/* The regular timer arms the fast one: stop it first. */
	timer_shutdown_sync(&xn->echo_timer);
	spin_lock_bh(&xn->echo_fast_lock);
	xn->echo_fast_stopped = true;
	spin_unlock_bh(&xn->echo_fast_lock);
	hrtimer_cancel(&xn->echo_fast_timer);
}
