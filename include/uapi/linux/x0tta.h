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
 * enum x0tta_stats_attr holds one X0TTA_STATS_A_COUNTER nest (enum
 * x0tta_counter_attr) per direction and batman-adv packet type.
 */
#ifndef _UAPI_LINUX_X0TTA_H
#define _UAPI_LINUX_X0TTA_H

#define X0TTA_GENL_NAME		"x0tta"
#define X0TTA_GENL_VERSION	1

/**
 * enum x0tta_cmd - generic netlink commands of family "x0tta"
 * @X0TTA_CMD_UNSPEC: unused
 * @X0TTA_CMD_GET_VERSION: module and protocol version
 * @X0TTA_CMD_GET_CONFIG: read the namespace's configuration
 * @X0TTA_CMD_SET_CONFIG: change the namespace's configuration
 * @X0TTA_CMD_GET_IFACE: dump the hard interfaces x0tta is attached to
 * @X0TTA_CMD_GET_STATS: frame counters of the namespace
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
 * @__X0TTA_STATS_A_MAX: internal use
 * @X0TTA_STATS_A_MAX: highest attribute number
 */
enum x0tta_stats_attr {
	X0TTA_STATS_A_UNSPEC,
	X0TTA_STATS_A_IFACES,
	X0TTA_STATS_A_COUNTER,

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

#endif /* _UAPI_LINUX_X0TTA_H */
