// SPDX-License-Identifier: GPL-2.0
/*
 * Link telemetry on batman-adv hard interfaces: tc clsact programs that
 * count frames per neighbour and packet type, snoop what neighbours
 * advertise in OGM/OGM2, and account sequence-number gaps of OGM, OGM2
 * and ELP as loss. They only observe: every frame gets TC_ACT_OK.
 *
 * Headers are read with bpf_skb_load_bytes() rather than direct packet
 * access, so a frame whose headers are not in the linear area is still
 * counted: counters must be exact, not "exact when linear".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "telemetry.h"

#define TM_TC_ACT_OK		0
#define TM_ETH_HLEN		14
#define TM_BATADV_VERSION	15	/* BATADV_COMPAT_VERSION of 2022.3 */

/*
 * The batman-adv headers the programs parse. batman-adv is a module, so
 * its UAPI structs are not in vmlinux BTF; these mirror batadv_packet.h
 * (all fields byte-aligned and packed by construction).
 */
struct tm_eth_bat {
	__u8 dst[TM_ETH_ALEN];
	__u8 src[TM_ETH_ALEN];
	__be16 proto;
	__u8 packet_type;
} __attribute__((packed));

struct tm_ogm_hdr {		/* struct batadv_ogm_packet, 24 bytes */
	__u8 packet_type;
	__u8 version;
	__u8 ttl;
	__u8 flags;
	__be32 seqno;
	__u8 orig[TM_ETH_ALEN];
	__u8 prev_sender[TM_ETH_ALEN];
	__u8 reserved;
	__u8 tq;
	__be16 tvlv_len;
} __attribute__((packed));

struct tm_ogm2_hdr {		/* struct batadv_ogm2_packet, 20 bytes */
	__u8 packet_type;
	__u8 version;
	__u8 ttl;
	__u8 flags;
	__be32 seqno;
	__u8 orig[TM_ETH_ALEN];
	__be16 tvlv_len;
	__be32 throughput;
} __attribute__((packed));

struct tm_elp_hdr {		/* struct batadv_elp_packet, 16 bytes */
	__u8 packet_type;
	__u8 version;
	__u8 orig[TM_ETH_ALEN];
	__be32 seqno;
	__be32 elp_interval;
} __attribute__((packed));

/* Set by the loader before load (rodata). */
const volatile __u32 tm_loss_window = TM_LOSS_WINDOW_DEFAULT;

/*
 * LRU everywhere an entry is created from what a peer sends: a flood of
 * spoofed source MACs or originators evicts old entries instead of
 * growing the map or failing to record new real neighbours.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TM_LINK_ENTRIES_DEFAULT);
	__type(key, struct tm_link_key);
	__type(value, struct tm_link_val);
} tm_link SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TM_ORIG_ENTRIES_DEFAULT);
	__type(key, struct tm_orig_key);
	__type(value, struct tm_orig_val);
} tm_orig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TM_LOSS_ENTRIES_DEFAULT);
	__type(key, struct tm_loss_key);
	__type(value, struct tm_loss_val);
} tm_loss SEC(".maps");

/* Echo round trips from x0tta.ko's liveness checks; see telemetry.h. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TM_RTT_ENTRIES_DEFAULT);
	__type(key, struct tm_rtt_key);
	__type(value, struct tm_rtt_val);
} tm_rtt SEC(".maps");

static __always_inline __u32 tm_slot(__u8 type)
{
	if (type <= 0x04)
		return type;
	if (type >= 0x40 && type <= 0x44)
		return TM_PT_UNICAST + (type - 0x40);
	return TM_PT_OTHER;
}

static __always_inline void tm_count(__u32 ifindex, const __u8 *neigh,
				     __u8 dir, __u32 slot, __u64 len,
				     __u64 now)
{
	struct tm_link_key key = { .ifindex = ifindex, .dir = dir };
	struct tm_link_val *v;

	__builtin_memcpy(key.neigh, neigh, TM_ETH_ALEN);
	v = bpf_map_lookup_elem(&tm_link, &key);
	if (!v) {
		struct tm_link_val init = {};

		/* NOEXIST: another CPU may have created it meanwhile. */
		bpf_map_update_elem(&tm_link, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&tm_link, &key);
		if (!v)
			return;
	}
	/*
	 * tm_slot() already bounds it, but clang moves that knowledge away
	 * from the access; the empty asm makes it check here, where the
	 * verifier needs the bound.
	 */
	asm volatile("" : "+r"(slot));
	if (slot >= TM_PT_MAX)
		return;
	__sync_fetch_and_add(&v->frames[slot], 1);
	__sync_fetch_and_add(&v->bytes[slot], len);
	v->last_seen_ns = now;
}

static __always_inline void tm_win_add(struct tm_loss_val *v, __u64 rcv,
				       __u64 lost)
{
	v->received += rcv;
	v->lost += lost;
	v->win_cur_received += rcv;
	v->win_cur_lost += lost;
	if (v->win_cur_received + v->win_cur_lost < tm_loss_window)
		return;
	v->win_prev_received = v->win_cur_received;
	v->win_prev_lost = v->win_cur_lost;
	v->win_cur_received = 0;
	v->win_cur_lost = 0;
}

/* A frame given up as lost arrived after all: one loss becomes a reception. */
static __always_inline void tm_win_late(struct tm_loss_val *v)
{
	if (!v->lost)
		return;
	v->lost--;
	v->received++;
	if (v->win_cur_lost) {
		v->win_cur_lost--;
		v->win_cur_received++;
	} else if (v->win_prev_lost) {
		v->win_prev_lost--;
		v->win_prev_received++;
	}
}

/*
 * Updates of one entry are not atomic as a whole: they come from the
 * frames of one neighbour on one interface, which one CPU handles at a
 * time in the common case; a rare race costs one sample, not a crash.
 */
static __always_inline void tm_loss_note(__u32 ifindex, const __u8 *addr,
					 const __u8 *neigh, __u8 kind,
					 __u32 seqno, __u64 now)
{
	struct tm_loss_key key = { .ifindex = ifindex, .kind = kind };
	struct tm_loss_val *v;
	__u32 ahead, behind;

	__builtin_memcpy(key.addr, addr, TM_ETH_ALEN);
	__builtin_memcpy(key.neigh, neigh, TM_ETH_ALEN);
	v = bpf_map_lookup_elem(&tm_loss, &key);
	if (!v) {
		struct tm_loss_val init = {
			.last_seqno = seqno,
			.received = 1,
			.win_cur_received = 1,
			.last_seen_ns = now,
		};

		bpf_map_update_elem(&tm_loss, &key, &init, BPF_NOEXIST);
		return;
	}
	v->last_seen_ns = now;
	ahead = seqno - v->last_seqno;	/* modulo 2^32: seqnos wrap */
	behind = v->last_seqno - seqno;
	if (!ahead)
		return;		/* the same frame again, e.g. rebroadcast */
	if (ahead <= TM_SEQ_GAP_MAX) {
		v->last_seqno = seqno;
		tm_win_add(v, 1, ahead - 1);
	} else if (behind <= TM_SEQ_GAP_MAX) {
		tm_win_late(v);
	} else {
		v->last_seqno = seqno;
		v->restarts++;
		tm_win_add(v, 1, 0);
	}
}

static __always_inline void tm_orig_note(__u32 ifindex, const __u8 *orig,
					 const __u8 *neigh,
					 struct tm_orig_val *val)
{
	struct tm_orig_key key = { .ifindex = ifindex };

	__builtin_memcpy(key.orig, orig, TM_ETH_ALEN);
	__builtin_memcpy(key.neigh, neigh, TM_ETH_ALEN);
	bpf_map_update_elem(&tm_orig, &key, val, BPF_ANY);
}

/*
 * An OGM frame aggregates several OGMs, each followed by tvlv_len bytes
 * of TVLV. Accept an OGM exactly when batman-adv would
 * (batadv_iv_ogm_aggr_packet): it and its TVLV end inside the frame and
 * inside the aggregation limit.
 */
static __always_inline void tm_ogm_iv(struct __sk_buff *skb,
				      const __u8 *neigh, __u64 now)
{
	__u32 pkt_len = skb->len - TM_ETH_HLEN;
	__u32 pos = 0, next;
	int i;

	for (i = 0; i < TM_AGGR_MAX; i++) {
		struct tm_orig_val val = { .algo = TM_ALGO_IV };
		struct tm_ogm_hdr ogm;

		if (pos + sizeof(ogm) > pkt_len || pos > TM_AGGR_BYTES_MAX)
			return;
		if (bpf_skb_load_bytes(skb, TM_ETH_HLEN + pos, &ogm,
				       sizeof(ogm)))
			return;
		next = pos + sizeof(ogm) + bpf_ntohs(ogm.tvlv_len);
		if (next > pkt_len || next > TM_AGGR_BYTES_MAX)
			return;
		if (ogm.packet_type != 0x00 ||
		    ogm.version != TM_BATADV_VERSION)
			return;
		val.seqno = bpf_ntohl(ogm.seqno);
		val.metric = ogm.tq;
		val.ttl = ogm.ttl;
		val.last_seen_ns = now;
		__builtin_memcpy(val.prev_sender, ogm.prev_sender,
				 TM_ETH_ALEN);
		tm_orig_note(skb->ifindex, ogm.orig, neigh, &val);
		tm_loss_note(skb->ifindex, ogm.orig, neigh, TM_SEQ_OGM,
			     val.seqno, now);
		pos = next;
	}
}

/* The same walk for BATMAN_V's OGM2 (batadv_v_ogm_aggr_packet). */
static __always_inline void tm_ogm2(struct __sk_buff *skb,
				    const __u8 *neigh, __u64 now)
{
	__u32 pkt_len = skb->len - TM_ETH_HLEN;
	__u32 pos = 0, next;
	int i;

	for (i = 0; i < TM_AGGR_MAX; i++) {
		struct tm_orig_val val = { .algo = TM_ALGO_V };
		struct tm_ogm2_hdr ogm;

		if (pos + sizeof(ogm) > pkt_len || pos > TM_AGGR_BYTES_MAX)
			return;
		if (bpf_skb_load_bytes(skb, TM_ETH_HLEN + pos, &ogm,
				       sizeof(ogm)))
			return;
		next = pos + sizeof(ogm) + bpf_ntohs(ogm.tvlv_len);
		if (next > pkt_len || next > TM_AGGR_BYTES_MAX)
			return;
		if (ogm.packet_type != 0x04 ||
		    ogm.version != TM_BATADV_VERSION)
			return;
		val.seqno = bpf_ntohl(ogm.seqno);
		val.metric = bpf_ntohl(ogm.throughput);
		val.ttl = ogm.ttl;
		val.last_seen_ns = now;
		tm_orig_note(skb->ifindex, ogm.orig, neigh, &val);
		tm_loss_note(skb->ifindex, ogm.orig, neigh, TM_SEQ_OGM,
			     val.seqno, now);
		pos = next;
	}
}

static __always_inline void tm_elp(struct __sk_buff *skb, const __u8 *neigh,
				   __u64 now)
{
	struct tm_elp_hdr elp;

	if (bpf_skb_load_bytes(skb, TM_ETH_HLEN, &elp, sizeof(elp)))
		return;
	if (elp.version != TM_BATADV_VERSION)
		return;
	tm_loss_note(skb->ifindex, elp.orig, neigh, TM_SEQ_ELP,
		     bpf_ntohl(elp.seqno), now);
}

/* x0tta.ko's liveness echo frame (struct x0tta_echo in linux/x0tta.h). */
#define TM_ETH_P_ECHO		0x88B5
#define TM_ECHO_VERSION		1
#define TM_ECHO_REPLY		2

struct tm_echo_hdr {
	__u8 version;
	__u8 type;
	__be16 interval_ms;
	__be32 seq;
	__be64 time_ns;
};

/* Floor of log2(v) for v >= 1, in a loop the verifier can bound. */
static __always_inline __u32 tm_log2(__u64 v)
{
	__u32 r = 0;
	int i;

	for (i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		r++;
	}
	return r;
}

/*
 * An echo reply carries the CLOCK_MONOTONIC time its request left this
 * node: tc ingress sees it before x0tta.ko's netfilter hook consumes it.
 */
static __always_inline void tm_echo(struct __sk_buff *skb, const __u8 *neigh,
				    __u64 now_boot)
{
	struct tm_rtt_key key = { .ifindex = skb->ifindex };
	struct tm_echo_hdr e;
	struct tm_rtt_val *v;
	__u64 sent, now, us;
	__u32 slot;

	if (bpf_skb_load_bytes(skb, TM_ETH_HLEN, &e, sizeof(e)))
		return;
	if (e.version != TM_ECHO_VERSION || e.type != TM_ECHO_REPLY)
		return;
	sent = bpf_be64_to_cpu(e.time_ns);
	now = bpf_ktime_get_ns();
	if (now < sent)
		return;
	us = (now - sent) / 1000;
	slot = us ? tm_log2(us) : 0;
	if (slot >= TM_RTT_SLOTS)
		slot = TM_RTT_SLOTS - 1;

	__builtin_memcpy(key.neigh, neigh, TM_ETH_ALEN);
	v = bpf_map_lookup_elem(&tm_rtt, &key);
	if (!v) {
		struct tm_rtt_val zero = {};

		bpf_map_update_elem(&tm_rtt, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&tm_rtt, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->slots[slot], 1);
	v->last_seen_ns = now_boot;
}

static __always_inline int tm_handle(struct __sk_buff *skb, __u8 dir)
{
	struct tm_eth_bat hdr;
	__u64 now;

	if (dir == TM_DIR_INGRESS && skb->protocol == bpf_htons(TM_ETH_P_ECHO)) {
		if (!bpf_skb_load_bytes(skb, 0, &hdr, sizeof(hdr)))
			tm_echo(skb, hdr.src, bpf_ktime_get_boot_ns());
		return TM_TC_ACT_OK;
	}
	/* Cheap first test: most traffic elsewhere is not batman-adv. */
	if (skb->protocol != bpf_htons(TM_ETH_P_BATMAN))
		return TM_TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 0, &hdr, sizeof(hdr)))
		return TM_TC_ACT_OK;
	if (hdr.proto != bpf_htons(TM_ETH_P_BATMAN))
		return TM_TC_ACT_OK;
	now = bpf_ktime_get_boot_ns();
	tm_count(skb->ifindex, dir == TM_DIR_INGRESS ? hdr.src : hdr.dst, dir,
		 tm_slot(hdr.packet_type), skb->len, now);
	if (dir != TM_DIR_INGRESS)
		return TM_TC_ACT_OK;
	switch (hdr.packet_type) {
	case 0x00:
		tm_ogm_iv(skb, hdr.src, now);
		break;
	case 0x03:
		tm_elp(skb, hdr.src, now);
		break;
	case 0x04:
		tm_ogm2(skb, hdr.src, now);
		break;
	}
	return TM_TC_ACT_OK;
}

SEC("tc")
int tm_ingress(struct __sk_buff *skb)
{
	return tm_handle(skb, TM_DIR_INGRESS);
}

SEC("tc")
int tm_egress(struct __sk_buff *skb)
{
	return tm_handle(skb, TM_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "GPL";
