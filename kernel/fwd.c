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
 */
static u32 x0tta_fwd_flow_hash(const struct sk_buff *skb, int off, u8 ptype,
			       const u8 *dest)
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
static bool x0tta_fwd_inner_quarantined(struct x0tta_net *xn,
					const struct sk_buff *skb, int off,
					u8 ptype)
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
 * @h is the frame's Ethernet and batman-adv unicast header, in the frame
 * or in a copy on the caller's stack.
 */
static unsigned int x0tta_fwd_unicast(struct x0tta_net *xn,
				      struct x0tta_hardif *hardif,
				      struct sk_buff *skb, u8 ptype,
				      const u8 *h)
{
	struct x0tta_choice live[X0TTA_PATH_MAX_HOPS], choice;
	u8 h_dest[ETH_ALEN] __aligned(2), dest[ETH_ALEN] __aligned(2);
	struct x0tta_path *path;
	struct ethhdr *eth;
	unsigned int n;
	const u8 *next;

	path = x0tta_path_lookup(xn, h + ETH_HLEN + X0TTA_BAT_UNICAST_DEST);
	if (!path)
		return NF_ACCEPT;	/* batman-adv's choice stands */
	/* @h may point into the frame, which the rewrite may reallocate. */
	ether_addr_copy(h_dest, ((const struct ethhdr *)h)->h_dest);
	ether_addr_copy(dest, h + ETH_HLEN + X0TTA_BAT_UNICAST_DEST);

	/*
	 * Frames of a destination with held frames queue behind them. The
	 * queue is empty nearly always: then it costs no call.
	 */
	if (READ_ONCE(xn->holdq.nr_dests) && !x0tta_holdq_in_flush() &&
	    x0tta_holdq_busy(xn, dest))
		return x0tta_holdq_enqueue(xn, path, skb);

	if (READ_ONCE(xn->config.multipath) ||
	    !x0tta_path_keeps_current(xn, path, hardif, h_dest, &choice)) {
		n = x0tta_path_live(xn, path, hardif, live);
		if (!n)
			return x0tta_holdq_enqueue(xn, path, skb);
		/* The flow hash reads the inner headers: only when it matters. */
		choice = live[n == 1 ? 0 :
			      x0tta_path_pick(path, live, n,
					      x0tta_fwd_flow_hash(skb, ETH_HLEN,
								  ptype, dest))];
	}

	next = choice.hop < path->nr_hops ? path->hops[choice.hop].addr : h_dest;
	if (choice.hardif == hardif && ether_addr_equal(next, h_dest)) {
		if (choice.hop < path->nr_hops)
			x0tta_path_count(path, choice.hop, skb->len);
		return NF_ACCEPT;
	}

	if (skb_ensure_writable(skb, ETH_HLEN))
		return NF_DROP;
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, next);
	x0tta_net_count_rerouted(xn);
	if (choice.hardif == hardif) {
		x0tta_path_count(path, choice.hop, skb->len);
		return NF_ACCEPT;
	}
	/* The egress hook of the other interface counts it. */
	ether_addr_copy(eth->h_source, choice.hardif->dev->dev_addr);
	return x0tta_fwd_steal(skb, choice.hardif->dev);
}

/* A batman-adv frame too short to name a destination: only its priority. */
static unsigned int x0tta_fwd_egress_short(struct sk_buff *skb, int *ptype)
{
	const u8 *p;
	u8 buf;

	p = skb_header_pointer(skb, ETH_HLEN, sizeof(buf), &buf);
	*ptype = p ? *p : -1;
	if (p && x0tta_fwd_is_routing(*p))
		skb->priority = TC_PRIO_CONTROL;
	return NF_ACCEPT;
}

/**
 * x0tta_fwd_egress() - decide the fate of a batman-adv frame leaving a
 * hard interface
 * @hardif: the interface
 * @skb: the frame, with the batman-adv ethertype; skb->data is its
 *	Ethernet header
 * @ptype: set to its batman-adv packet type, or -1 if it has none
 *
 * The headers are read once, in place when they are linear, as they
 * are for every frame batman-adv builds.
 *
 * Context: BHs off, RCU read side (the netdev egress hook).
 * Return: a netfilter verdict; NF_STOLEN when the frame left through
 * another interface or waits in the hold queue.
 */
unsigned int x0tta_fwd_egress(struct x0tta_hardif *hardif, struct sk_buff *skb,
			      int *ptype)
{
	struct x0tta_net *xn = hardif->xn;
	u8 hbuf[ETH_HLEN + X0TTA_BAT_UNICAST_DEST + ETH_ALEN];
	bool quarantine;
	const u8 *h;
	u8 type;

	h = skb_header_pointer(skb, 0, sizeof(hbuf), hbuf);
	if (unlikely(!h))
		return x0tta_fwd_egress_short(skb, ptype);
	*ptype = type = h[ETH_HLEN];
	if (x0tta_fwd_is_routing(type))
		skb->priority = TC_PRIO_CONTROL;

	quarantine = x0tta_quarantine_active(&xn->quarantine);
	if (quarantine &&
	    x0tta_quarantine_drop(xn, ((const struct ethhdr *)h)->h_dest))
		return NF_DROP;
	if (!x0tta_fwd_is_unicast(type))
		return NF_ACCEPT;
	if (quarantine &&
	    (x0tta_quarantine_drop(xn, h + ETH_HLEN + X0TTA_BAT_UNICAST_DEST) ||
	     x0tta_fwd_inner_quarantined(xn, skb, ETH_HLEN, type)))
		return NF_DROP;
	return x0tta_fwd_unicast(xn, hardif, skb, type, h);
}

/* The originators a received batman-adv frame names as its sources. */
static bool x0tta_fwd_rx_quarantined(struct x0tta_net *xn,
				     const struct sk_buff *skb, u8 ptype)
{
	u8 buf[X0TTA_BAT_HDR_PEEK];
	const u8 *h;

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

/**
 * x0tta_fwd_ingress() - decide the fate of a batman-adv frame arriving on
 * a hard interface
 * @hardif: the interface
 * @skb: the frame; skb->data is past the Ethernet header. It may be
 *	shared, so it is only read.
 * @ptype: its batman-adv packet type
 *
 * Context: softirq, RCU read side (the netdev ingress hook).
 * Return: a netfilter verdict.
 */
unsigned int x0tta_fwd_ingress(struct x0tta_hardif *hardif, struct sk_buff *skb,
			       u8 ptype)
{
	struct x0tta_net *xn = hardif->xn;
	const u8 *h_source = eth_hdr(skb)->h_source;

	if (x0tta_quarantine_active(&xn->quarantine) &&
	    (x0tta_quarantine_drop(xn, h_source) ||
	     x0tta_fwd_rx_quarantined(xn, skb, ptype)))
		return NF_DROP;
	if (x0tta_fwd_is_routing(ptype))
		x0tta_neigh_learn(hardif, h_source);
	return NF_ACCEPT;
}

/**
 * x0tta_fwd_ingress_other() - decide the fate of any other frame arriving
 * on a hard interface
 * @hardif: the interface
 * @skb: the frame; skb->data is past the Ethernet header
 *
 * Frames from a quarantined neighbour are dropped whatever they carry;
 * x0tta's echo frames are answered or recorded, and consumed.
 *
 * Context: softirq, RCU read side (the netdev ingress hook).
 * Return: a netfilter verdict; NF_STOLEN for echo frames, which are ours.
 */
unsigned int x0tta_fwd_ingress_other(struct x0tta_hardif *hardif,
				     struct sk_buff *skb)
{
	struct x0tta_net *xn = hardif->xn;

	if (x0tta_quarantine_active(&xn->quarantine) &&
	    x0tta_quarantine_drop(xn, eth_hdr(skb)->h_source))
		return NF_DROP;
	if (skb->protocol == htons(X0TTA_ETH_P_ECHO) &&
	    x0tta_neigh_rcv_echo(hardif, skb))
		return NF_STOLEN;
	return NF_ACCEPT;
}
