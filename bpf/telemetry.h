/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TELEMETRY_H
#define _X0TTA_TELEMETRY_H

/*
 * Map keys and values of the link telemetry programs (telemetry.bpf.c),
 * shared by the BPF side and by user/telemetry. Every struct is the
 * value or key of a pinned map; their BTF travels with the maps, which is
 * what lets `bpftool map dump pinned /sys/fs/bpf/x0tta/<map>` print the
 * member names below. Explicit padding members keep the layout the same
 * for clang -target bpf and for the host compiler, and keep hash keys
 * free of uninitialised holes.
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TM_ETH_ALEN		6
#define TM_ETH_P_BATMAN		0x4305

/*
 * batman-adv packet types (batadv_packet.h of batman-adv 2022.3) folded
 * into the slots of tm_link_val's arrays: 0x00..0x04 are the routing and
 * broadcast types, 0x40..0x44 the unicast types, anything else "other".
 */
enum tm_ptype_slot {
	TM_PT_IV_OGM,		/* 0x00 */
	TM_PT_BCAST,		/* 0x01 */
	TM_PT_CODED,		/* 0x02 */
	TM_PT_ELP,		/* 0x03 */
	TM_PT_OGM2,		/* 0x04 */
	TM_PT_UNICAST,		/* 0x40 */
	TM_PT_UNICAST_FRAG,	/* 0x41 */
	TM_PT_UNICAST_4ADDR,	/* 0x42 */
	TM_PT_ICMP,		/* 0x43 */
	TM_PT_UNICAST_TVLV,	/* 0x44 */
	TM_PT_OTHER,		/* any other type byte */
	TM_PT_MAX,
};

enum tm_dir {
	TM_DIR_INGRESS,
	TM_DIR_EGRESS,
};

/*
 * tm_link: one entry per (hard interface, neighbour MAC, direction). The
 * neighbour is the Ethernet source at ingress and the destination at
 * egress, so broadcast routing frames sent show up under ff:ff:ff:ff:ff:ff.
 */
struct tm_link_key {
	__u32 ifindex;
	__u8 neigh[TM_ETH_ALEN];
	__u8 dir;		/* enum tm_dir */
	__u8 pad;
};

struct tm_link_val {
	__u64 frames[TM_PT_MAX];	/* indexed by enum tm_ptype_slot */
	__u64 bytes[TM_PT_MAX];		/* whole frames, Ethernet header included */
	__u64 last_seen_ns;		/* CLOCK_BOOTTIME */
};

enum tm_algo {
	TM_ALGO_IV = 1,		/* BATMAN_IV OGM: metric is TQ, 0..255 */
	TM_ALGO_V = 2,		/* BATMAN_V OGM2: metric is throughput, 100 kbit/s */
};

/*
 * tm_orig: what neighbour @neigh, heard on @ifindex, advertised for
 * originator @orig in its last OGM/OGM2 (one entry per OGM of an
 * aggregate). This is the input of the controller's loop-free test.
 */
struct tm_orig_key {
	__u32 ifindex;
	__u8 orig[TM_ETH_ALEN];
	__u8 neigh[TM_ETH_ALEN];
};

struct tm_orig_val {
	__u32 seqno;
	__u32 metric;		/* TQ (IV) or throughput (V), see algo */
	__u8 prev_sender[TM_ETH_ALEN];	/* IV only; zero for V */
	__u8 algo;		/* enum tm_algo */
	__u8 ttl;
	__u64 last_seen_ns;	/* CLOCK_BOOTTIME */
};

enum tm_seq_kind {
	TM_SEQ_OGM = 1,		/* OGM/OGM2 of originator @addr via @neigh */
	TM_SEQ_ELP = 2,		/* ELP of neighbour @addr (then @neigh == @addr) */
};

/*
 * tm_loss: sequence-number accounting per (hard interface, originator or
 * ELP sender, neighbour it came through, kind). A forward jump of d
 * counts 1 received and d - 1 lost; a late frame within the gap limit
 * turns one loss back into a reception. The window is two buckets: the
 * current one is retired to @prev once it has seen tm_loss_window
 * sequence numbers, so (prev + cur) covers between one and two windows
 * of the most recent history, while @received/@lost cover the lifetime
 * of the entry.
 */
struct tm_loss_key {
	__u32 ifindex;
	__u8 addr[TM_ETH_ALEN];
	__u8 neigh[TM_ETH_ALEN];
	__u8 kind;		/* enum tm_seq_kind */
	__u8 pad[3];
};

struct tm_loss_val {
	__u32 last_seqno;
	__u32 restarts;		/* jumps too large to be loss: originator restarted */
	__u64 received;
	__u64 lost;
	__u64 win_cur_received;
	__u64 win_cur_lost;
	__u64 win_prev_received;
	__u64 win_prev_lost;
	__u64 last_seen_ns;	/* CLOCK_BOOTTIME */
};

/* Sequence-number jumps above this are restarts, not loss. */
#define TM_SEQ_GAP_MAX		1024

/*
 * tm_rtt: x0tta echo round-trip times per neighbour, as a log2 histogram
 * of microseconds: slot i counts RTTs in [2^i, 2^(i+1)) us, slot 0 also
 * takes anything under 1 us. Filled from the echo replies x0tta.ko's
 * liveness checks receive (struct x0tta_echo in linux/x0tta.h: the reply
 * carries the time the request left, CLOCK_MONOTONIC), so it stays empty
 * where x0tta.ko is not loaded.
 */
#define TM_RTT_SLOTS		32

struct tm_rtt_key {
	__u32 ifindex;
	__u8 neigh[TM_ETH_ALEN];
	__u8 pad[2];
};

struct tm_rtt_val {
	__u64 slots[TM_RTT_SLOTS];
	__u64 last_seen_ns;
};

/* Default sizes; user/telemetry can change them before load. */
#define TM_LINK_ENTRIES_DEFAULT		4096
#define TM_ORIG_ENTRIES_DEFAULT		16384
#define TM_LOSS_ENTRIES_DEFAULT		16384
#define TM_RTT_ENTRIES_DEFAULT		1024
#define TM_LOSS_WINDOW_DEFAULT		128

/* OGMs in one aggregated frame that the programs walk (512 bytes / 20). */
#define TM_AGGR_MAX			26
#define TM_AGGR_BYTES_MAX		512

#endif /* _X0TTA_TELEMETRY_H */
