/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * x0tta: self-healing, zero-trust datapath for batman-adv meshes.
 *
 * Generic netlink family "x0tta". Documentation/netlink/specs/x0tta.yaml
 * describes the same protocol; the two move together.
 *
 * All state is per network namespace: a command acts on the namespace of
 * the socket it arrives on. Commands that change state need CAP_NET_ADMIN.
 *
 * The attribute tree, one enum per nesting level:
 *
 *   X0TTA_CMD_GET_VERSION (do)
 *     reply: X0TTA_A_VERSION, X0TTA_A_GENL_VERSION
 *
 *   X0TTA_CMD_GET_CONFIG (do)
 *     reply: X0TTA_A_CONFIG  (nest, enum x0tta_config_attr)
 *
 *   X0TTA_CMD_SET_CONFIG (do, CAP_NET_ADMIN)
 *     request: X0TTA_A_CONFIG (nest, any subset of enum x0tta_config_attr)
 *     Either every attribute given is applied or none is.
 *
 *   X0TTA_CMD_GET_IFACE (dump)
 *     one message per attached hard interface:
 *     X0TTA_A_IFACE (nest, enum x0tta_iface_attr)
 *       X0TTA_IFACE_A_STATS (nest, enum x0tta_stats_attr)
 *
 *   X0TTA_CMD_GET_STATS (do)
 *     reply: X0TTA_A_STATS (nest, enum x0tta_stats_attr), the totals of
 *     this namespace since the module was loaded, interfaces that have
 *     since left the mesh included.
 *
 *   X0TTA_CMD_SET_PATH (do, CAP_NET_ADMIN)
 *     request: X0TTA_A_PATH (nest, enum x0tta_path_attr): ORIG and 1..3
 *       X0TTA_PATH_A_HOP (nest, enum x0tta_hop_attr): IFINDEX, NEIGH, WEIGHT
 *     Replaces the entry of ORIG, if any.
 *
 *   X0TTA_CMD_DEL_PATH (do, CAP_NET_ADMIN)
 *     request: X0TTA_A_PATH: ORIG
 *
 *   X0TTA_CMD_GET_PATH (dump)
 *     X0TTA_A_PATH: ORIG, FRAMES, BYTES and per next hop
 *       X0TTA_PATH_A_HOP: IFINDEX, NEIGH, WEIGHT, STATE, FRAMES, BYTES
 *
 *   X0TTA_CMD_GET_NEIGH (dump)
 *     X0TTA_A_NEIGH (nest, enum x0tta_neigh_attr)
 *
 *   X0TTA_CMD_ADD_QUARANTINE, X0TTA_CMD_DEL_QUARANTINE (do, CAP_NET_ADMIN)
 *     request: X0TTA_A_QUARANTINE (nest, enum x0tta_quarantine_attr): ADDR
 *
 *   X0TTA_CMD_GET_QUARANTINE (dump)
 *     X0TTA_A_QUARANTINE: ADDR, DROPPED
 *
 *   Multicast group X0TTA_GENL_MCGRP_EVENTS ("events"):
 *     X0TTA_CMD_NEIGH_EVENT: X0TTA_A_NEIGH: IFINDEX, ADDR, STATE
 *     X0TTA_CMD_ROUTE_NEEDED: X0TTA_A_PATH: ORIG
 *
 * enum x0tta_stats_attr holds one X0TTA_STATS_A_COUNTER nest (enum
 * x0tta_counter_attr) per direction and batman-adv packet type.
 */
#ifndef _UAPI_LINUX_X0TTA_H
#define _UAPI_LINUX_X0TTA_H

#include <linux/types.h>

#define X0TTA_GENL_NAME		"x0tta"
#define X0TTA_GENL_VERSION	1
#define X0TTA_GENL_MCGRP_EVENTS	"events"

/**
 * enum x0tta_cmd - generic netlink commands of family "x0tta"
 * @X0TTA_CMD_UNSPEC: unused
 * @X0TTA_CMD_GET_VERSION: module and protocol version
 * @X0TTA_CMD_GET_CONFIG: read the namespace's configuration
 * @X0TTA_CMD_SET_CONFIG: change the namespace's configuration
 * @X0TTA_CMD_GET_IFACE: dump the hard interfaces x0tta is attached to
 * @X0TTA_CMD_GET_STATS: frame counters of the namespace
 * @X0TTA_CMD_SET_PATH: install or replace the next hops of a destination
 * @X0TTA_CMD_DEL_PATH: remove the path entry of a destination
 * @X0TTA_CMD_GET_PATH: dump path entries with their counters
 * @X0TTA_CMD_GET_NEIGH: dump neighbours with their liveness
 * @X0TTA_CMD_ADD_QUARANTINE: quarantine a neighbour or originator address
 * @X0TTA_CMD_DEL_QUARANTINE: lift a quarantine
 * @X0TTA_CMD_GET_QUARANTINE: dump quarantined addresses
 * @X0TTA_CMD_NEIGH_EVENT: notification on the events group: a neighbour
 *	went up or down (X0TTA_A_NEIGH)
 * @X0TTA_CMD_ROUTE_NEEDED: notification on the events group: frames for a
 *	destination wait in the hold queue with no live next hop
 *	(X0TTA_A_PATH with X0TTA_PATH_A_ORIG only)
 * @__X0TTA_CMD_MAX: internal use
 * @X0TTA_CMD_MAX: highest command number
 */
enum x0tta_cmd {
	X0TTA_CMD_UNSPEC,
	X0TTA_CMD_GET_VERSION,
	X0TTA_CMD_GET_CONFIG,
	X0TTA_CMD_SET_CONFIG,
	X0TTA_CMD_GET_IFACE,
	X0TTA_CMD_GET_STATS,
	X0TTA_CMD_SET_PATH,
	X0TTA_CMD_DEL_PATH,
	X0TTA_CMD_GET_PATH,
	X0TTA_CMD_GET_NEIGH,
	X0TTA_CMD_ADD_QUARANTINE,
	X0TTA_CMD_DEL_QUARANTINE,
	X0TTA_CMD_GET_QUARANTINE,
	X0TTA_CMD_NEIGH_EVENT,
	X0TTA_CMD_ROUTE_NEEDED,

	/* private: */
	__X0TTA_CMD_MAX,
	X0TTA_CMD_MAX = __X0TTA_CMD_MAX - 1
};

/**
 * enum x0tta_attr - top-level attributes
 * @X0TTA_A_UNSPEC: unused
 * @X0TTA_A_VERSION: string, module version
 * @X0TTA_A_GENL_VERSION: u32, X0TTA_GENL_VERSION of the module
 * @X0TTA_A_CONFIG: nest, enum x0tta_config_attr
 * @X0TTA_A_IFACE: nest, enum x0tta_iface_attr
 * @X0TTA_A_STATS: nest, enum x0tta_stats_attr
 * @X0TTA_A_PATH: nest, enum x0tta_path_attr
 * @X0TTA_A_NEIGH: nest, enum x0tta_neigh_attr
 * @X0TTA_A_QUARANTINE: nest, enum x0tta_quarantine_attr
 * @__X0TTA_A_MAX: internal use
 * @X0TTA_A_MAX: highest attribute number
 */
enum x0tta_attr {
	X0TTA_A_UNSPEC,
	X0TTA_A_VERSION,
	X0TTA_A_GENL_VERSION,
	X0TTA_A_CONFIG,
	X0TTA_A_IFACE,
	X0TTA_A_STATS,
	X0TTA_A_PATH,
	X0TTA_A_NEIGH,
	X0TTA_A_QUARANTINE,

	/* private: */
	__X0TTA_A_MAX,
	X0TTA_A_MAX = __X0TTA_A_MAX - 1
};

/* Limits and defaults of enum x0tta_config_attr; the module enforces them. */
#define X0TTA_ECHO_INTERVAL_MS_MIN	10
#define X0TTA_ECHO_INTERVAL_MS_MAX	10000
#define X0TTA_ECHO_INTERVAL_MS_DEFAULT	100
#define X0TTA_DETECT_MULT_MIN		2
#define X0TTA_DETECT_MULT_MAX		20
#define X0TTA_DETECT_MULT_DEFAULT	3
#define X0TTA_HOLDQ_LIMIT_MIN		0
#define X0TTA_HOLDQ_LIMIT_MAX		100000
#define X0TTA_HOLDQ_LIMIT_DEFAULT	1000
#define X0TTA_HOLDQ_TIMEOUT_MS_MIN	10
#define X0TTA_HOLDQ_TIMEOUT_MS_MAX	60000
#define X0TTA_HOLDQ_TIMEOUT_MS_DEFAULT	1000
#define X0TTA_MULTIPATH_DEFAULT		1
#define X0TTA_ECHO_FAST_MS_MIN		0
#define X0TTA_ECHO_FAST_MS_MAX		1000
#define X0TTA_ECHO_FAST_MS_DEFAULT	10

/**
 * enum x0tta_config_attr - attributes of an X0TTA_A_CONFIG nest
 * @X0TTA_CONFIG_A_UNSPEC: unused
 * @X0TTA_CONFIG_A_ECHO_INTERVAL_MS: u32, interval between liveness echo
 *	requests to each neighbour, in milliseconds (10..10000, default 100)
 * @X0TTA_CONFIG_A_DETECT_MULT: u32, missed echo replies after which a
 *	neighbour is declared down (2..20, default 3)
 * @X0TTA_CONFIG_A_HOLDQ_LIMIT: u32, frames the hold queue keeps for all
 *	destinations together (0..100000, default 1000; 0 disables it)
 * @X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS: u32, longest time a frame waits in the
 *	hold queue, in milliseconds (10..60000, default 1000)
 * @X0TTA_CONFIG_A_MULTIPATH: u8, 1 to spread flows over the next hops of a
 *	path entry, 0 to leave every choice to batman-adv (default 1)
 * @X0TTA_CONFIG_A_ECHO_FAST_MS: u32, once a neighbour that is up misses a
 *	reply, probe it this often (or at its retransmission timeout, if its
 *	round trip is slower) until it answers or is declared down, in
 *	milliseconds (0..1000, default 10; 0 keeps the echo_interval_ms pace)
 * @__X0TTA_CONFIG_A_MAX: internal use
 * @X0TTA_CONFIG_A_MAX: highest attribute number
 */
enum x0tta_config_attr {
	X0TTA_CONFIG_A_UNSPEC,
	X0TTA_CONFIG_A_ECHO_INTERVAL_MS,
	X0TTA_CONFIG_A_DETECT_MULT,
	X0TTA_CONFIG_A_HOLDQ_LIMIT,
	X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS,
	X0TTA_CONFIG_A_MULTIPATH,
	X0TTA_CONFIG_A_ECHO_FAST_MS,

	/* private: */
	__X0TTA_CONFIG_A_MAX,
	X0TTA_CONFIG_A_MAX = __X0TTA_CONFIG_A_MAX - 1
};

/**
 * enum x0tta_iface_attr - attributes of an X0TTA_A_IFACE nest
 * @X0TTA_IFACE_A_UNSPEC: unused
 * @X0TTA_IFACE_A_IFINDEX: u32, index of the hard interface
 * @X0TTA_IFACE_A_IFNAME: string, name of the hard interface
 * @X0TTA_IFACE_A_MESH_IFINDEX: u32, index of the batadv interface it is
 *	enslaved to
 * @X0TTA_IFACE_A_MESH_IFNAME: string, name of that batadv interface
 * @X0TTA_IFACE_A_STATS: nest, enum x0tta_stats_attr, counters of this
 *	interface since x0tta attached to it
 * @__X0TTA_IFACE_A_MAX: internal use
 * @X0TTA_IFACE_A_MAX: highest attribute number
 */
enum x0tta_iface_attr {
	X0TTA_IFACE_A_UNSPEC,
	X0TTA_IFACE_A_IFINDEX,
	X0TTA_IFACE_A_IFNAME,
	X0TTA_IFACE_A_MESH_IFINDEX,
	X0TTA_IFACE_A_MESH_IFNAME,
	X0TTA_IFACE_A_STATS,

	/* private: */
	__X0TTA_IFACE_A_MAX,
	X0TTA_IFACE_A_MAX = __X0TTA_IFACE_A_MAX - 1
};

/**
 * enum x0tta_stats_attr - attributes of a stats nest
 * @X0TTA_STATS_A_UNSPEC: unused
 * @X0TTA_STATS_A_IFACES: u32, hard interfaces attached now (namespace
 *	totals only)
 * @X0TTA_STATS_A_COUNTER: nest, enum x0tta_counter_attr; repeated, once
 *	per direction and packet type
 * @X0TTA_STATS_A_PAD: padding for 64-bit attributes
 * @X0TTA_STATS_A_REROUTED: u64, unicast frames x0tta sent to another next
 *	hop than batman-adv chose (namespace totals only, as all below)
 * @X0TTA_STATS_A_HOLDQ_QUEUED: u64, frames put in the hold queue
 * @X0TTA_STATS_A_HOLDQ_SENT: u64, frames sent from the hold queue
 * @X0TTA_STATS_A_HOLDQ_OVERFLOW: u64, frames dropped: hold queue full
 * @X0TTA_STATS_A_HOLDQ_EXPIRED: u64, frames dropped: waited longer than
 *	holdq_timeout_ms
 * @X0TTA_STATS_A_HOLDQ_LEN: u32, frames in the hold queue now
 * @X0TTA_STATS_A_QUARANTINE_DROPPED: u64, frames dropped by quarantine
 * @__X0TTA_STATS_A_MAX: internal use
 * @X0TTA_STATS_A_MAX: highest attribute number
 */
enum x0tta_stats_attr {
	X0TTA_STATS_A_UNSPEC,
	X0TTA_STATS_A_IFACES,
	X0TTA_STATS_A_COUNTER,
	X0TTA_STATS_A_PAD,
	X0TTA_STATS_A_REROUTED,
	X0TTA_STATS_A_HOLDQ_QUEUED,
	X0TTA_STATS_A_HOLDQ_SENT,
	X0TTA_STATS_A_HOLDQ_OVERFLOW,
	X0TTA_STATS_A_HOLDQ_EXPIRED,
	X0TTA_STATS_A_HOLDQ_LEN,
	X0TTA_STATS_A_QUARANTINE_DROPPED,

	/* private: */
	__X0TTA_STATS_A_MAX,
	X0TTA_STATS_A_MAX = __X0TTA_STATS_A_MAX - 1
};

/**
 * enum x0tta_dir - direction of a counted frame
 * @X0TTA_DIR_RX: received on the hard interface (netdev ingress hook)
 * @X0TTA_DIR_TX: sent on the hard interface (netdev egress hook)
 */
enum x0tta_dir {
	X0TTA_DIR_RX,
	X0TTA_DIR_TX,
};

/*
 * Packet types are batman-adv's (enum batadv_packettype in
 * linux/batadv_packet.h). This value stands for batman-adv frames whose
 * type batman-adv 2022.3 does not define.
 */
#define X0TTA_PTYPE_OTHER	0xff

/**
 * enum x0tta_counter_attr - attributes of an X0TTA_STATS_A_COUNTER nest
 * @X0TTA_COUNTER_A_UNSPEC: unused
 * @X0TTA_COUNTER_A_PAD: padding for 64-bit attributes
 * @X0TTA_COUNTER_A_DIR: u8, enum x0tta_dir
 * @X0TTA_COUNTER_A_PTYPE: u8, batman-adv packet type, or X0TTA_PTYPE_OTHER
 * @X0TTA_COUNTER_A_FRAMES: u64, frames
 * @X0TTA_COUNTER_A_BYTES: u64, bytes from the Ethernet header on
 * @__X0TTA_COUNTER_A_MAX: internal use
 * @X0TTA_COUNTER_A_MAX: highest attribute number
 */
enum x0tta_counter_attr {
	X0TTA_COUNTER_A_UNSPEC,
	X0TTA_COUNTER_A_PAD,
	X0TTA_COUNTER_A_DIR,
	X0TTA_COUNTER_A_PTYPE,
	X0TTA_COUNTER_A_FRAMES,
	X0TTA_COUNTER_A_BYTES,

	/* private: */
	__X0TTA_COUNTER_A_MAX,
	X0TTA_COUNTER_A_MAX = __X0TTA_COUNTER_A_MAX - 1
};

/* Most next hops of one destination. */
#define X0TTA_PATH_MAX_HOPS	3

/**
 * enum x0tta_path_attr - attributes of an X0TTA_A_PATH nest
 * @X0TTA_PATH_A_UNSPEC: unused
 * @X0TTA_PATH_A_PAD: padding for 64-bit attributes
 * @X0TTA_PATH_A_ORIG: binary (6 bytes), the destination originator, as
 *	batman-adv's unicast header names it
 * @X0TTA_PATH_A_HOP: nest, enum x0tta_hop_attr; repeated, 1 to
 *	X0TTA_PATH_MAX_HOPS times, in the order given at SET_PATH
 * @X0TTA_PATH_A_FRAMES: u64, frames x0tta sent to this destination (dump)
 * @X0TTA_PATH_A_BYTES: u64, their bytes (dump)
 * @__X0TTA_PATH_A_MAX: internal use
 * @X0TTA_PATH_A_MAX: highest attribute number
 *
 * SET_PATH takes ORIG and the HOP nests and replaces any entry of ORIG;
 * DEL_PATH takes ORIG alone.
 */
enum x0tta_path_attr {
	X0TTA_PATH_A_UNSPEC,
	X0TTA_PATH_A_PAD,
	X0TTA_PATH_A_ORIG,
	X0TTA_PATH_A_HOP,
	X0TTA_PATH_A_FRAMES,
	X0TTA_PATH_A_BYTES,

	/* private: */
	__X0TTA_PATH_A_MAX,
	X0TTA_PATH_A_MAX = __X0TTA_PATH_A_MAX - 1
};

/**
 * enum x0tta_neigh_state - liveness of a neighbour
 * @X0TTA_NEIGH_UNKNOWN: never answered an echo request: no x0tta there,
 *	or not yet; never declared down, usable
 * @X0TTA_NEIGH_UP: answers echo requests
 * @X0TTA_NEIGH_DOWN: missed detect_mult echo replies in a row
 */
enum x0tta_neigh_state {
	X0TTA_NEIGH_UNKNOWN,
	X0TTA_NEIGH_UP,
	X0TTA_NEIGH_DOWN,
};

/**
 * enum x0tta_hop_attr - attributes of an X0TTA_PATH_A_HOP nest
 * @X0TTA_HOP_A_UNSPEC: unused
 * @X0TTA_HOP_A_PAD: padding for 64-bit attributes
 * @X0TTA_HOP_A_IFINDEX: u32, hard interface the next hop is reached on;
 *	must be attached to a batadv interface
 * @X0TTA_HOP_A_NEIGH: binary (6 bytes), unicast MAC address of the
 *	neighbour's interface on that link
 * @X0TTA_HOP_A_WEIGHT: u8, share of the flows, 1..255
 * @X0TTA_HOP_A_STATE: u8, enum x0tta_neigh_state (dump)
 * @X0TTA_HOP_A_FRAMES: u64, frames sent through this next hop (dump)
 * @X0TTA_HOP_A_BYTES: u64, their bytes (dump)
 * @__X0TTA_HOP_A_MAX: internal use
 * @X0TTA_HOP_A_MAX: highest attribute number
 */
enum x0tta_hop_attr {
	X0TTA_HOP_A_UNSPEC,
	X0TTA_HOP_A_PAD,
	X0TTA_HOP_A_IFINDEX,
	X0TTA_HOP_A_NEIGH,
	X0TTA_HOP_A_WEIGHT,
	X0TTA_HOP_A_STATE,
	X0TTA_HOP_A_FRAMES,
	X0TTA_HOP_A_BYTES,

	/* private: */
	__X0TTA_HOP_A_MAX,
	X0TTA_HOP_A_MAX = __X0TTA_HOP_A_MAX - 1
};

/**
 * enum x0tta_neigh_attr - attributes of an X0TTA_A_NEIGH nest
 * @X0TTA_NEIGH_A_UNSPEC: unused
 * @X0TTA_NEIGH_A_PAD: padding for 64-bit attributes
 * @X0TTA_NEIGH_A_IFINDEX: u32, hard interface of the neighbour
 * @X0TTA_NEIGH_A_ADDR: binary (6 bytes), its MAC address
 * @X0TTA_NEIGH_A_STATE: u8, enum x0tta_neigh_state
 * @X0TTA_NEIGH_A_RTT_LAST_US: u32, last echo round-trip time
 * @X0TTA_NEIGH_A_RTT_SMOOTH_US: u32, smoothed round-trip time (1/8 gain)
 * @X0TTA_NEIGH_A_ECHO_SENT: u64, echo requests sent to it
 * @X0TTA_NEIGH_A_ECHO_RECEIVED: u64, echo replies received from it; loss
 *	is the difference, less the replies still in flight
 * @X0TTA_NEIGH_A_CHANGES: u32, up/down transitions since it was learned
 * @__X0TTA_NEIGH_A_MAX: internal use
 * @X0TTA_NEIGH_A_MAX: highest attribute number
 */
enum x0tta_neigh_attr {
	X0TTA_NEIGH_A_UNSPEC,
	X0TTA_NEIGH_A_PAD,
	X0TTA_NEIGH_A_IFINDEX,
	X0TTA_NEIGH_A_ADDR,
	X0TTA_NEIGH_A_STATE,
	X0TTA_NEIGH_A_RTT_LAST_US,
	X0TTA_NEIGH_A_RTT_SMOOTH_US,
	X0TTA_NEIGH_A_ECHO_SENT,
	X0TTA_NEIGH_A_ECHO_RECEIVED,
	X0TTA_NEIGH_A_CHANGES,

	/* private: */
	__X0TTA_NEIGH_A_MAX,
	X0TTA_NEIGH_A_MAX = __X0TTA_NEIGH_A_MAX - 1
};

/**
 * enum x0tta_quarantine_attr - attributes of an X0TTA_A_QUARANTINE nest
 * @X0TTA_QUARANTINE_A_UNSPEC: unused
 * @X0TTA_QUARANTINE_A_PAD: padding for 64-bit attributes
 * @X0TTA_QUARANTINE_A_ADDR: binary (6 bytes), a neighbour's interface MAC
 *	or an originator address
 * @X0TTA_QUARANTINE_A_DROPPED: u64, frames dropped for it (dump)
 * @__X0TTA_QUARANTINE_A_MAX: internal use
 * @X0TTA_QUARANTINE_A_MAX: highest attribute number
 */
enum x0tta_quarantine_attr {
	X0TTA_QUARANTINE_A_UNSPEC,
	X0TTA_QUARANTINE_A_PAD,
	X0TTA_QUARANTINE_A_ADDR,
	X0TTA_QUARANTINE_A_DROPPED,

	/* private: */
	__X0TTA_QUARANTINE_A_MAX,
	X0TTA_QUARANTINE_A_MAX = __X0TTA_QUARANTINE_A_MAX - 1
};

/*
 * Liveness echo frames, exchanged between x0tta modules of neighbouring
 * nodes on their batman-adv hard interfaces. IEEE 802 local experimental
 * ethertype: the frames never leave the link.
 */
#define X0TTA_ETH_P_ECHO	0x88B5
#define X0TTA_ECHO_VERSION	1

/**
 * enum x0tta_echo_type - kind of an echo frame
 * @X0TTA_ECHO_REQUEST: please answer
 * @X0TTA_ECHO_REPLY: the answer, carrying the request's seq and time
 */
enum x0tta_echo_type {
	X0TTA_ECHO_REQUEST = 1,
	X0TTA_ECHO_REPLY = 2,
};

/**
 * struct x0tta_echo - echo frame, after the Ethernet header
 * @version: X0TTA_ECHO_VERSION
 * @type: enum x0tta_echo_type
 * @interval_ms: in a regular request, the longest gap to the sender's
 *	next one: its echo_interval_ms, rounded up to whole ticks of its
 *	clock; the receiver may expect the next request that much later. 0
 *	in a fast probe and in a reply (and from senders that predate it)
 * @seq: sender's sequence number, echoed back in the reply
 * @time_ns: sender's clock when the request left, echoed back; only the
 *	sender interprets it
 */
struct x0tta_echo {
	__u8 version;
	__u8 type;
	__be16 interval_ms;
	__be32 seq;
	__be64 time_ns;
};

#endif /* _UAPI_LINUX_X0TTA_H */
