// SPDX-License-Identifier: GPL-2.0
/*
 * What the hooks do with each frame: quarantine in both directions,
 * control priority for routing frames, and the choice of next hop for
 * batman-adv unicast frames at egress.
 *
 * batman-adv 2022.3 puts the final destination originator at offset 4
 * of every unicast header (0x40..0x44), and a neighbour forwards any
 * frame addressed to one of its interfaces by that field. Choosing
 * another next hop therefore means rewriting the Ethernet destination,
 * and when the interface changes too, the source, and sending the frame
 * on that interface. Nothing in batman-adv's header is ever changed.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/pkt_sched.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <uapi/linux/batadv_packet.h>

#include "fwd.h"
#include "hardif.h"
#include "holdq.h"
#include "neigh.h"
#include "netns.h"
#include "path.h"
#include "quarantine.h"

/* Offsets in batman-adv headers of the originators they name. */
#define X0TTA_BAT_UNICAST_DEST	4	/* all unicast types */
#define X0TTA_BAT_UNICAST_SRC	10	/* 0x41..0x44: 4addr, frag, icmp, tvlv */
#define X0TTA_BAT_OGM_ORIG	8	/* OGM, OGM2, broadcast */
#define X0TTA_BAT_ELP_ORIG	2
#define X0TTA_BAT_HDR_PEEK	16
/* What the egress hook reads: Ethernet header, up to the destination. */
#define X0TTA_FWD_EGRESS_HDR	(ETH_HLEN + X0TTA_BAT_UNICAST_DEST + ETH_ALEN)

/* Bounds recursion when a frame moves to another interface. */
static DEFINE_PER_CPU(u8, x0tta_fwd_recursion);
#define X0TTA_FWD_RECURSION_LIMIT	2

static bool x0tta_fwd_is_unicast(u8 ptype)
{
	return ptype >= BATADV_UNICAST && ptype <= BATADV_UNICAST_TVLV;
}

static bool x0tta_fwd_is_routing(u8 ptype)
{
	return ptype == BATADV_IV_OGM || ptype == BATADV_OGM2 ||
	       ptype == BATADV_ELP;
}

/*
 * Offset of the Ethernet header batman-adv carries inside a unicast frame
 * whose batman-adv header starts at @off, or -1 for types that carry none
 * directly (fragments, ICMP, TVLV).
 */
static int x0tta_fwd_inner_eth(int off, u8 ptype)
{
	if (ptype == BATADV_UNICAST)
		return off + sizeof(struct batadv_unicast_packet);
	if (ptype == BATADV_UNICAST_4ADDR)
		return off + sizeof(struct batadv_unicast_4addr_packet);
	return -1;
}

/*
 * Hash of the inner flow of a unicast frame: addresses and L4 ports of
 * the IPv4/IPv6 packet inside, or the inner Ethernet addresses. Frames
 * without an inner flow (fragments, ICMP, TVLV) hash by destination.
 *
 * Out of line, like every helper here with a buffer on its stack: the
 * hooks themselves then need no stack canary and no zeroed arrays
 * (CONFIG_INIT_STACK_ALL_ZERO) for the frames that never get this far.
 */
static noinline u32 x0tta_fwd_flow_hash(const struct sk_buff *skb, int off,
					u8 ptype, const u8 *dest)
{
	struct { struct ethhdr eth; union { struct iphdr v4; struct ipv6hdr v6; }; } buf;
	const struct ethhdr *eth;
	const struct iphdr *ip4;
	const struct ipv6hdr *ip6;
	__be32 ports_buf, ports = 0;
	const __be32 *pp;
	u32 hash;
	u8 proto;

	off = x0tta_fwd_inner_eth(off, ptype);
	if (off < 0)
		return jhash(dest, ETH_ALEN, ptype);

	eth = skb_header_pointer(skb, off, sizeof(buf.eth), &buf.eth);
	if (!eth)
		return jhash(dest, ETH_ALEN, ptype);
	hash = jhash(eth, 2 * ETH_ALEN, 0);
	off += ETH_HLEN;

	switch (eth->h_proto) {
	case htons(ETH_P_IP):
		ip4 = skb_header_pointer(skb, off, sizeof(buf.v4), &buf.v4);
		if (!ip4 || ip4->ihl < 5)
			return hash;
		proto = ip4->protocol;
		hash = jhash_3words((__force u32)ip4->saddr,
				    (__force u32)ip4->daddr, proto, hash);
		/* Only unfragmented packets carry ports in every frame. */
		if (ip4->frag_off & htons(IP_MF | IP_OFFSET))
			return hash;
		off += ip4->ihl * 4;
		break;
	case htons(ETH_P_IPV6):
		ip6 = skb_header_pointer(skb, off, sizeof(buf.v6), &buf.v6);
		if (!ip6)
			return hash;
		proto = ip6->nexthdr;
		hash = jhash2((const u32 *)&ip6->saddr, 8, hash ^ proto);
		off += sizeof(*ip6);
		break;
	default:
		return hash;
	}

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE) {
		pp = skb_header_pointer(skb, off, sizeof(ports_buf), &ports_buf);
		if (pp)
			ports = *pp;
	}
	return jhash_1word((__force u32)ports, hash);
}

/*
 * A plain unicast frame names only its destination originator, so once
 * another node relays it, the only trace of where it came from is the
 * inner frame's source: the client address (a node's bat0, or a host
 * bridged behind it). Quarantining that address stops what the node sends
 * through the whole mesh, and what is sent to it.
 */
static noinline bool x0tta_fwd_inner_quarantined(struct x0tta_net *xn,
						 const struct sk_buff *skb,
						 int off, u8 ptype)
{
	struct ethhdr buf;
	const struct ethhdr *eth;

	off = x0tta_fwd_inner_eth(off, ptype);
	if (off < 0)
		return false;
	eth = skb_header_pointer(skb, off, sizeof(buf), &buf);
	return eth && (x0tta_quarantine_drop(xn, eth->h_source) ||
		       x0tta_quarantine_drop(xn, eth->h_dest));
}

/*
 * A frame still tagged here belongs to a VLAN device stacked on this
 * interface: that device's own hooks see it, untagged. Acting on it here
 * would count it twice and route it by the wrong interface's paths.
 */
static bool x0tta_fwd_foreign(const struct sk_buff *skb)
{
	return skb_vlan_tag_present(skb);
}

/*
 * With multipath off, batman-adv's own choice (@cur, @cur_addr) stands
 * unless that neighbour is down or quarantined. Returns the index of the
 * entry's hop it names, nr_hops if it stands and is none of them, or -1
 * if it does not stand.
 */
static int x0tta_fwd_current(struct x0tta_net *xn,
			     const struct x0tta_path *path,
			     struct x0tta_hardif *cur, const u8 *cur_addr,
			     bool quarantine)
{
	const struct x0tta_neigh *neigh;
	unsigned int i;

	for (i = 0; i < path->nr_hops; i++) {
		neigh = x0tta_hop_neigh(&path->hops[i]);
		if (neigh && neigh->hardif == cur &&
		    ether_addr_equal(path->hops[i].addr, cur_addr))
			return x0tta_hop_state(&path->hops[i], xn, quarantine) ==
			       X0TTA_NEIGH_DOWN ? -1 : i;
	}
	if ((quarantine && x0tta_quarantine_has(xn, cur_addr)) ||
	    x0tta_neigh_state(&cur->neighs, cur_addr) == X0TTA_NEIGH_DOWN)
		return -1;
	return i;
}

static unsigned int x0tta_fwd_steal(struct sk_buff *skb, struct net_device *dev)
{
	if (__this_cpu_read(x0tta_fwd_recursion) >= X0TTA_FWD_RECURSION_LIMIT) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	skb->dev = dev;
	__this_cpu_inc(x0tta_fwd_recursion);
	dev_queue_xmit(skb);
	__this_cpu_dec(x0tta_fwd_recursion);
	return NF_STOLEN;
}

/*
 * @h is the frame's first X0TTA_FWD_EGRESS_HDR bytes, in the frame or in
 * a copy: read only before the frame is changed.
 */
static unsigned int x0tta_fwd_unicast(struct x0tta_net *xn,
				      struct x0tta_hardif *hardif,
				      struct sk_buff *skb, u8 ptype,
				      const u8 *h, bool quarantine)
{
	const u8 *h_dest = ((const struct ethhdr *)h)->h_dest;
	const u8 *dest = h + ETH_HLEN + X0TTA_BAT_UNICAST_DEST;
	const struct x0tta_neigh *neigh;
	const struct x0tta_hop *hop;
	struct x0tta_path *path;
	struct net_device *out;
	unsigned long live;
	struct ethhdr *eth;
	int i;

	path = x0tta_path_lookup(&xn->paths, dest);
	if (!path)
		return NF_ACCEPT;	/* batman-adv's choice stands */

	/*
	 * Frames of a destination with held frames queue behind them. The
	 * queue is empty nearly always: then it costs no call.
	 */
	if (READ_ONCE(xn->holdq.nr_dests) && !x0tta_holdq_in_flush() &&
	    x0tta_holdq_busy(xn, dest))
		return x0tta_holdq_enqueue(xn, path, skb);

	if (!READ_ONCE(xn->config.multipath)) {
		i = x0tta_fwd_current(xn, path, hardif, h_dest, quarantine);
		if (i >= 0) {
			if (i < path->nr_hops)
				x0tta_path_count(path, i, skb->len);
			return NF_ACCEPT;
		}
	}

	live = x0tta_path_live(path, xn, quarantine);
	if (!live)
		return x0tta_holdq_enqueue(xn, path, skb);
	/* The flow hash reads the inner headers: only when it matters. */
	if (live & (live - 1))
		i = x0tta_path_pick(path, live,
				    x0tta_fwd_flow_hash(skb, ETH_HLEN, ptype,
							dest));
	else
		i = __ffs(live);
	hop = &path->hops[i];
	neigh = x0tta_hop_neigh(hop);
	if (unlikely(!neigh))
		return NF_ACCEPT;	/* its interface left the mesh just now */

	if (neigh->hardif == hardif && ether_addr_equal(hop->addr, h_dest)) {
		x0tta_path_count(path, i, skb->len);
		return NF_ACCEPT;
	}
	if (skb_ensure_writable(skb, ETH_HLEN))
		return NF_DROP;
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, hop->addr);
	x0tta_net_count_rerouted(xn);
	if (neigh->hardif == hardif) {
		x0tta_path_count(path, i, skb->len);
		return NF_ACCEPT;
	}
	/* The egress hook of the other interface counts it. */
	out = neigh->hardif->dev;
	ether_addr_copy(eth->h_source, out->dev_addr);
	return x0tta_fwd_steal(skb, out);
}

/*
 * The fate of a batman-adv frame leaving @hardif, whose first
 * X0TTA_FWD_EGRESS_HDR bytes are @h. Counted if it leaves here.
 */
static noinline unsigned int x0tta_fwd_egress(struct x0tta_hardif *hardif,
					      struct sk_buff *skb, const u8 *h)
{
	struct x0tta_net *xn = hardif->xn;
	unsigned int verdict, len = skb->len;
	u8 ptype = h[ETH_HLEN];
	bool quarantine;

	if (x0tta_fwd_is_routing(ptype))
		skb->priority = TC_PRIO_CONTROL;

	quarantine = x0tta_quarantine_active(&xn->quarantine);
	if (quarantine &&
	    (x0tta_quarantine_drop(xn, ((const struct ethhdr *)h)->h_dest) ||
	     (x0tta_fwd_is_unicast(ptype) &&
	      (x0tta_quarantine_drop(xn, h + ETH_HLEN +
					 X0TTA_BAT_UNICAST_DEST) ||
	       x0tta_fwd_inner_quarantined(xn, skb, ETH_HLEN, ptype)))))
		return NF_DROP;

	verdict = x0tta_fwd_is_unicast(ptype) ?
		  x0tta_fwd_unicast(xn, hardif, skb, ptype, h, quarantine) :
		  NF_ACCEPT;
	if (verdict == NF_ACCEPT)
		x0tta_counters_add(hardif->counters, X0TTA_DIR_TX, ptype, len);
	return verdict;
}

/*
 * The common case of x0tta_fwd_egress(), decided without a call, so that
 * the egress hook needs no saved register for it: a unicast frame, no
 * quarantine and no held frame in the namespace, and the entry's hop
 * that x0tta_fwd_unicast() would choose is the neighbour batman-adv
 * chose (with multipath off: one of the entry's hops, and not down; on:
 * the entry's one live hop). Returns that hop's index, or -1 if
 * x0tta_fwd_unicast() has to decide.
 */
static __always_inline int x0tta_fwd_unicast_stands(const struct x0tta_net *xn,
						    const struct x0tta_path *path,
						    const struct x0tta_hardif *hardif,
						    const u8 *h_dest)
{
	const struct x0tta_neigh *neigh;
	unsigned int i, live = 0;
	int mine = -1;

	for (i = 0; i < path->nr_hops; i++) {
		neigh = x0tta_hop_neigh(&path->hops[i]);
		if (!x0tta_hop_neigh_live(neigh))
			continue;
		live++;
		if (neigh->hardif == hardif &&
		    ether_addr_equal(path->hops[i].addr, h_dest))
			mine = i;
	}
	return live == 1 || !READ_ONCE(xn->config.multipath) ? mine : -1;
}

/*
 * A frame whose headers are not linear (batman-adv never builds one):
 * from a copy, or too short to name a destination, only its priority.
 */
static noinline unsigned int x0tta_fwd_egress_copy(struct x0tta_hardif *hardif,
						   struct sk_buff *skb)
{
	u8 hbuf[X0TTA_FWD_EGRESS_HDR];
	const u8 *h;

	h = skb_header_pointer(skb, 0, sizeof(hbuf), hbuf);
	if (h)
		return x0tta_fwd_egress(hardif, skb, h);
	h = skb_header_pointer(skb, ETH_HLEN, 1, hbuf);
	if (!h)
		return NF_ACCEPT;
	if (x0tta_fwd_is_routing(*h))
		skb->priority = TC_PRIO_CONTROL;
	x0tta_counters_add(hardif->counters, X0TTA_DIR_TX, *h, skb->len);
	return NF_ACCEPT;
}

/**
 * x0tta_fwd_egress_hook() - the netdev egress hook of a hard interface
 * @priv: the interface's &struct x0tta_hardif
 * @skb: the frame; skb->data is its Ethernet header
 * @state: unused
 *
 * Only batman-adv frames need anything here (x0tta's echo frames are
 * given their priority when built): quarantine, control priority, and
 * the next hop of unicast frames. A frame counts as sent on this
 * interface only if it leaves through it. The headers are read in place
 * when they are linear, as they are for every frame batman-adv builds.
 *
 * Context: BHs off, RCU read side.
 * Return: a netfilter verdict; NF_STOLEN when the frame left through
 * another interface or waits in the hold queue.
 */
unsigned int x0tta_fwd_egress_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct x0tta_hardif *hardif = priv;
	struct x0tta_net *xn = hardif->xn;
	struct x0tta_path *path;
	const u8 *h;
	u8 ptype;
	int hop;

	if (skb->protocol != htons(ETH_P_BATMAN) || x0tta_fwd_foreign(skb))
		return NF_ACCEPT;
	if (unlikely(skb_headlen(skb) < X0TTA_FWD_EGRESS_HDR))
		return x0tta_fwd_egress_copy(hardif, skb);
	h = skb->data;
	ptype = h[ETH_HLEN];
	if (!x0tta_fwd_is_unicast(ptype) ||
	    x0tta_quarantine_active(&xn->quarantine) ||
	    READ_ONCE(xn->holdq.nr_dests))
		return x0tta_fwd_egress(hardif, skb, h);

	path = x0tta_path_lookup(&xn->paths,
				 h + ETH_HLEN + X0TTA_BAT_UNICAST_DEST);
	if (path) {
		hop = x0tta_fwd_unicast_stands(xn, path, hardif, h);
		if (hop < 0)
			return x0tta_fwd_egress(hardif, skb, h);
		x0tta_path_count(path, hop, skb->len);
	}
	x0tta_counters_add(hardif->counters, X0TTA_DIR_TX, ptype, skb->len);
	return NF_ACCEPT;
}

/* The originators a received batman-adv frame names as its sources. */
static noinline bool x0tta_fwd_rx_quarantined(struct x0tta_net *xn,
					      const struct sk_buff *skb,
					      u8 ptype)
{
	u8 buf[X0TTA_BAT_HDR_PEEK];
	const u8 *h;

	if (x0tta_quarantine_drop(xn, eth_hdr(skb)->h_source))
		return true;
	h = skb_header_pointer(skb, 0, sizeof(buf), buf);
	if (!h)
		return false;
	switch (ptype) {
	case BATADV_IV_OGM:
	case BATADV_OGM2:
	case BATADV_BCAST:
		return x0tta_quarantine_drop(xn, h + X0TTA_BAT_OGM_ORIG);
	case BATADV_ELP:
		return x0tta_quarantine_drop(xn, h + X0TTA_BAT_ELP_ORIG);
	case BATADV_UNICAST:
		return x0tta_quarantine_drop(xn, h + X0TTA_BAT_UNICAST_DEST) ||
		       x0tta_fwd_inner_quarantined(xn, skb, 0, ptype);
	case BATADV_UNICAST_FRAG:
	case BATADV_UNICAST_4ADDR:
	case BATADV_ICMP:
	case BATADV_UNICAST_TVLV:
		return x0tta_quarantine_drop(xn, h + X0TTA_BAT_UNICAST_DEST) ||
		       x0tta_quarantine_drop(xn, h + X0TTA_BAT_UNICAST_SRC) ||
		       x0tta_fwd_inner_quarantined(xn, skb, 0, ptype);
	}
	return false;
}

/*
 * A batman-adv frame arriving on @hardif, counted, when a routing frame
 * teaches who neighbours us or the quarantine has entries.
 */
static noinline unsigned int x0tta_fwd_ingress(struct x0tta_hardif *hardif,
					       struct sk_buff *skb, u8 ptype)
{
	struct x0tta_net *xn = hardif->xn;

	x0tta_counters_add(hardif->counters, X0TTA_DIR_RX, ptype,
			   skb->len + ETH_HLEN);
	if (x0tta_quarantine_active(&xn->quarantine) &&
	    x0tta_fwd_rx_quarantined(xn, skb, ptype))
		return NF_DROP;
	if (x0tta_fwd_is_routing(ptype))
		x0tta_neigh_learn(hardif, eth_hdr(skb)->h_source);
	return NF_ACCEPT;
}

/*
 * Any other frame arriving on a hard interface: dropped if from a
 * quarantined neighbour, whatever it carries; x0tta's echo frames are
 * answered or recorded, and consumed (NF_STOLEN). A batman-adv frame
 * whose head holds not even its type (batman-adv would pull it) is
 * taken from a copy.
 */
static noinline unsigned int x0tta_fwd_ingress_other(struct x0tta_hardif *hardif,
						     struct sk_buff *skb)
{
	struct x0tta_net *xn = hardif->xn;
	u8 buf;

	if (skb->protocol == htons(ETH_P_BATMAN) &&
	    skb_copy_bits(skb, 0, &buf, sizeof(buf)) == 0)
		return x0tta_fwd_ingress(hardif, skb, buf);
	if (x0tta_quarantine_active(&xn->quarantine) &&
	    x0tta_quarantine_drop(xn, eth_hdr(skb)->h_source))
		return NF_DROP;
	if (skb->protocol == htons(X0TTA_ETH_P_ECHO) &&
	    x0tta_neigh_rcv_echo(hardif, skb))
		return NF_STOLEN;
	return NF_ACCEPT;
}

/**
 * x0tta_fwd_ingress_hook() - the netdev ingress hook of a hard interface
 * @priv: the interface's &struct x0tta_hardif
 * @skb: the frame; eth_type_trans() has pulled the Ethernet header. It
 *	may be shared, so it is only read.
 * @state: unused
 *
 * batman-adv frames are counted, dropped if they come from or name a
 * quarantined node, and teach the neighbour table who routes here. The
 * common case, a data frame while the quarantine is empty, is counted
 * here without a call; the rest go to x0tta_fwd_ingress() and
 * x0tta_fwd_ingress_other().
 *
 * Context: softirq, RCU read side.
 * Return: a netfilter verdict.
 */
unsigned int x0tta_fwd_ingress_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct x0tta_hardif *hardif = priv;
	u8 ptype;

	if (x0tta_fwd_foreign(skb))
		return NF_ACCEPT;
	if (skb->protocol != htons(ETH_P_BATMAN) || unlikely(!skb_headlen(skb)))
		return x0tta_fwd_ingress_other(hardif, skb);
	ptype = skb->data[0];
	if (x0tta_quarantine_active(&hardif->xn->quarantine) ||
	    x0tta_fwd_is_routing(ptype))
		return x0tta_fwd_ingress(hardif, skb, ptype);
	x0tta_counters_add(hardif->counters, X0TTA_DIR_RX, ptype,
			   skb->len + ETH_HLEN);
	return NF_ACCEPT;
}
