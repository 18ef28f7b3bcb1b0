/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CTLMSG_H
#define _X0TTA_CTLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/*
 * The control protocol between x0ttactl and x0ttad, over the daemon's
 * AF_UNIX SOCK_SEQPACKET socket: one request per message, one reply per
 * request, so the socket keeps message boundaries for us.
 *
 * A message is a struct xd_msg_hdr followed by netlink-style attributes
 * (struct nlattr, 4-byte aligned, built and walked with libmnl's helpers).
 * The reply carries the request's command and XD_F_REPLY; a refused
 * request gets XD_F_ERROR with XD_A_ERRNO (a positive errno) and
 * XD_A_ERRMSG (one sentence for the operator), plus XD_A_LEADER when the
 * refusal is "not the leader".
 *
 * Every request is validated in full before anything is done: a known
 * command, only the attributes that command takes, each of the right
 * type and size, each at most once, the required ones present, and no
 * bytes left over. The same codec checks raft requests a follower
 * forwards to the leader, since those come from the network.
 *
 *   attribute tree
 *     XD_A_ERRNO u32, XD_A_ERRMSG string, XD_A_LEADER u64
 *     XD_A_KEY, XD_A_VALUE binary; XD_A_KEYSPACE string; XD_A_AMOUNT s64
 *     XD_A_NODE_ID .. XD_A_TP_LAST_REFUSAL: status scalars
 *     XD_A_PEER (nest, repeated): XD_PEER_A_*
 *     XD_A_KEYSPACES (nest, repeated): XD_KS_A_*
 *     XD_A_ENTRY (nest, repeated): XD_ENTRY_A_*
 *     XD_A_ADDR, XD_A_SPIFFE_ID strings, XD_A_LEARNER u8: raft add
 *     XD_A_MEMBER (nest, repeated): XD_MEMBER_A_*
 *     XD_A_CONF_INDEX .. XD_A_REMOVED: membership scalars
 *     XD_A_SERIAL, XD_A_REASON strings: identity revoke
 *     XD_A_REVOCATION (nest, repeated): XD_REV_A_*
 */

#define XD_MSG_VERSION		1
/* Requests above this are refused unread (E2BIG). */
#define XD_MSG_MAX		(64u * 1024)
/* Replies (dumps) are cut at this size and flagged XD_A_TRUNCATED. */
#define XD_REPLY_MAX		(128u * 1024)
#define XD_KEY_MAX		256
#define XD_VALUE_MAX		(32u * 1024)
#define XD_ERRMSG_MAX		256
/* A serial as typed: up to 20 octets in hex with colons, and "0x". */
#define XD_SERIAL_MAX		64
#define XD_REASON_MAX		200

struct xd_msg_hdr {
	uint16_t cmd;		/* enum xd_cmd */
	uint8_t version;	/* XD_MSG_VERSION */
	uint8_t flags;		/* enum xd_msg_flags */
};

enum xd_msg_flags {
	XD_F_REPLY = 1 << 0,
	XD_F_ERROR = 1 << 1,
};

enum xd_cmd {
	XD_CMD_UNSPEC,
	XD_CMD_RAFT_STATUS,
	XD_CMD_RAFT_PUT,
	XD_CMD_RAFT_GET,
	XD_CMD_RAFT_DEL,
	XD_CMD_CRDT_STATUS,
	XD_CMD_CRDT_GET,
	XD_CMD_CRDT_DUMP,
	XD_CMD_CRDT_PUT,	/* LWW map */
	XD_CMD_CRDT_DEL,	/* LWW map */
	XD_CMD_CRDT_ADD,	/* add-wins set */
	XD_CMD_CRDT_REMOVE,	/* add-wins set */
	XD_CMD_CRDT_INCR,	/* PN counter, by XD_A_AMOUNT (may be < 0) */
	/* Membership: node id, address, SPIFFE ID, learner flag. */
	XD_CMD_RAFT_ADD,
	XD_CMD_RAFT_REMOVE,	/* node id */
	XD_CMD_RAFT_MEMBERS,	/* this node's view of the configuration */
	/* Revoke a certificate serial mesh-wide, through the raft log. */
	XD_CMD_IDENTITY_REVOKE,	/* serial, reason */
	XD_CMD_IDENTITY_REVOKED, /* the serials this node refuses */
	__XD_CMD_MAX,
};
#define XD_CMD_MAX (__XD_CMD_MAX - 1)

enum xd_attr {
	XD_A_UNSPEC,
	XD_A_ERRNO,		/* u32 */
	XD_A_ERRMSG,		/* string */
	XD_A_LEADER,		/* u64, 0: none known */
	XD_A_KEY,		/* binary, 1..XD_KEY_MAX */
	XD_A_VALUE,		/* binary, 0..XD_VALUE_MAX */
	XD_A_KEYSPACE,		/* string, 1..CRDT_NAME_MAX */
	XD_A_AMOUNT,		/* s64 as u64 */
	XD_A_NODE_ID,		/* u64 */
	XD_A_ROLE,		/* string */
	XD_A_TERM,		/* u64 */
	XD_A_COMMIT,		/* u64 */
	XD_A_APPLIED,		/* u64 */
	XD_A_LAST_INDEX,	/* u64 */
	XD_A_SNAP_INDEX,	/* u64 */
	XD_A_KEYS,		/* u64: keys in the state machine */
	XD_A_DROPPED,		/* u64: bad peer messages dropped */
	XD_A_TP_ACCEPTED,	/* u64 */
	XD_A_TP_REFUSED,	/* u64 */
	XD_A_TP_LAST_REFUSAL,	/* string */
	XD_A_PEER,		/* nest, repeated */
	XD_A_KEYSPACES,		/* nest, repeated */
	XD_A_ENTRY,		/* nest, repeated */
	XD_A_TRUNCATED,		/* u8: the dump did not fit */
	XD_A_MSGS_SENT,		/* u64 */
	XD_A_BYTES_SENT,	/* u64 */
	XD_A_DELTAS_APPLIED,	/* u64 */
	XD_A_JOURNAL_BYTES,	/* u64 */
	XD_A_ADDR,		/* string: IPV4:PORT or [IPV6]:PORT */
	XD_A_SPIFFE_ID,		/* string */
	XD_A_LEARNER,		/* u8: add as a learner */
	XD_A_MEMBER,		/* nest, repeated: XD_MEMBER_A_* */
	XD_A_CONF_INDEX,	/* u64: entry of the current configuration */
	XD_A_CONF_COMMITTED,	/* u8: that entry is committed */
	XD_A_REMOVED,		/* u8: this node was removed from the group */
	XD_A_SERIAL,		/* string: certificate serial, hex */
	XD_A_REASON,		/* string: why it was revoked */
	XD_A_REVOCATION,	/* nest, repeated: XD_REV_A_* */
	__XD_A_MAX,
};
#define XD_A_MAX (__XD_A_MAX - 1)

enum xd_peer_attr {
	XD_PEER_A_UNSPEC,
	XD_PEER_A_ID,		/* u64 */
	XD_PEER_A_ADDR,		/* string */
	XD_PEER_A_UP,		/* u8 */
	XD_PEER_A_FRAMES_IN,	/* u64 */
	XD_PEER_A_FRAMES_OUT,	/* u64 */
	XD_PEER_A_LAST_ERROR,	/* string */
	__XD_PEER_A_MAX,
};
#define XD_PEER_A_MAX (__XD_PEER_A_MAX - 1)

enum xd_member_attr {
	XD_MEMBER_A_UNSPEC,
	XD_MEMBER_A_ID,		/* u64 */
	XD_MEMBER_A_ROLE,	/* string: voter, learner */
	XD_MEMBER_A_ADDR,	/* string, absent when not known */
	XD_MEMBER_A_SPIFFE_ID,	/* string, absent when not known */
	XD_MEMBER_A_LEADER,	/* u8 */
	XD_MEMBER_A_SELF,	/* u8: the node that answers */
	XD_MEMBER_A_UP,		/* u8: its transport connection is up */
	__XD_MEMBER_A_MAX,
};
#define XD_MEMBER_A_MAX (__XD_MEMBER_A_MAX - 1)

enum xd_rev_attr {
	XD_REV_A_UNSPEC,
	XD_REV_A_SERIAL,	/* string, normalised hex */
	XD_REV_A_REASON,	/* string, may be empty */
	__XD_REV_A_MAX,
};
#define XD_REV_A_MAX (__XD_REV_A_MAX - 1)

enum xd_ks_attr {
	XD_KS_A_UNSPEC,
	XD_KS_A_NAME,		/* string */
	XD_KS_A_TYPE,		/* string: map, set, counter */
	XD_KS_A_SIZE,		/* u64: live keys, elements, or 1 */
	__XD_KS_A_MAX,
};
#define XD_KS_A_MAX (__XD_KS_A_MAX - 1)

enum xd_entry_attr {
	XD_ENTRY_A_UNSPEC,
	XD_ENTRY_A_KEYSPACE,	/* string */
	XD_ENTRY_A_TYPE,	/* string */
	XD_ENTRY_A_KEY,		/* binary (absent for a counter) */
	XD_ENTRY_A_VALUE,	/* binary (absent for a set element) */
	XD_ENTRY_A_COUNT,	/* s64 as u64, counters only */
	__XD_ENTRY_A_MAX,
};
#define XD_ENTRY_A_MAX (__XD_ENTRY_A_MAX - 1)

/* A message being built, in a caller-owned buffer. */
struct xd_msg {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;		/* an attribute did not fit */
};

/*
 * Start a message of @cmd with @flags in @buf (@cap bytes, at least
 * sizeof(struct xd_msg_hdr)).
 */
void xd_msg_init(struct xd_msg *m, void *buf, size_t cap, uint16_t cmd,
		 uint8_t flags);
/*
 * Add attributes. Each returns 0, or -EMSGSIZE when the message is full,
 * in which case nothing is added and the message is still well formed.
 */
int xd_msg_put_u8(struct xd_msg *m, uint16_t type, uint8_t v);
int xd_msg_put_u32(struct xd_msg *m, uint16_t type, uint32_t v);
int xd_msg_put_u64(struct xd_msg *m, uint16_t type, uint64_t v);
int xd_msg_put_str(struct xd_msg *m, uint16_t type, const char *s);
int xd_msg_put_bin(struct xd_msg *m, uint16_t type, const void *p,
		   size_t len);
/* Open a nest; close it with xd_msg_nest_end(), or drop it (-EMSGSIZE). */
struct nlattr *xd_msg_nest_start(struct xd_msg *m, uint16_t type);
void xd_msg_nest_end(struct xd_msg *m, struct nlattr *nest);
void xd_msg_nest_cancel(struct xd_msg *m, struct nlattr *nest);

/* An error reply: XD_F_REPLY | XD_F_ERROR, errno, message, leader. */
void xd_msg_error(struct xd_msg *m, uint16_t cmd, int err, uint64_t leader,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The name of a command ("raft put"), or NULL if unknown. */
const char *xd_cmd_name(uint16_t cmd);

/*
 * Parse and validate a request (@reply false) or a reply (@reply true)
 * of @len bytes. On success fills @hdr and @tb[0..XD_A_MAX] (NULL where
 * absent) pointing into @buf and returns 0. On failure returns -errno
 * (-EINVAL, -EBADMSG, -EPROTONOSUPPORT, -EOPNOTSUPP) and writes why to
 * @why (@whylen bytes).
 */
int xd_msg_parse(const void *buf, size_t len, bool reply,
		 struct xd_msg_hdr *hdr, const struct nlattr **tb,
		 char *why, size_t whylen);
/* Index the attributes of a nest; -EBADMSG when malformed. */
int xd_msg_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		      unsigned int maxtype);

#endif /* _X0TTA_CTLMSG_H */
