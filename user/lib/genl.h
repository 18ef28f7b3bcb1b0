/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_GENL_H
#define _X0TTA_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/*
 * A small generic netlink client on libmnl, shared by x0ttactl (family
 * "x0tta") and x0ttad (families "x0tta" and "batadv", multicast groups).
 *
 * One request is in flight at a time: genl_msg_start() builds it in the
 * socket's request buffer, the caller adds attributes with libmnl
 * (mnl_attr_put_*, mnl_attr_nest_*), and genl_request() sends it and runs
 * a callback for every reply until the kernel says it is done. Extended
 * ACKs are always requested, so a refused request comes back as -errno
 * plus the kernel's own explanation (struct genl_err).
 */

struct mnl_socket;

/* Longest extack message kept; the kernel's are far shorter. */
#define GENL_ERR_MSG_MAX	256
/* Deepest attribute nesting genl_err can name. */
#define GENL_ERR_DEPTH_MAX	8
/* Multicast groups of a family that genl_family_resolve() remembers. */
#define GENL_MCGRP_MAX		8
#define GENL_NAME_MAX		16	/* GENL_NAMSIZ, with the NUL */

struct genl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *req;	/* the request being built, see genl_msg_start() */
	char *rx;	/* receive buffer, GENL_RX_SIZE bytes */
};

struct genl_mcgrp {
	char name[GENL_NAME_MAX];
	uint32_t id;
};

struct genl_family {
	char name[GENL_NAME_MAX];
	uint16_t id;
	uint32_t version;
	uint32_t maxattr;
	unsigned int n_mcgrps;
	struct genl_mcgrp mcgrps[GENL_MCGRP_MAX];
};

/*
 * What the kernel said about a refused request. @err is the -errno also
 * returned by the failing call. Everything else is optional and only
 * valid when its has_ flag is set:
 *  - @msg: NLMSGERR_ATTR_MSG, a human sentence from the kernel.
 *  - @attr_path: the attribute NLMSGERR_ATTR_OFFS points at, as the
 *    attribute types from the top level of the request down to it
 *    ({X0TTA_A_CONFIG, X0TTA_CONFIG_A_DETECT_MULT}); @attr_depth entries.
 *  - @miss_type: NLMSGERR_ATTR_MISS_TYPE, a required attribute that was
 *    missing (in the nest at @miss_path, @miss_depth entries, 0 = top).
 *  - @min/@max: NLMSGERR_ATTR_POLICY's valid range of the bad attribute,
 *    signed if @range_signed (then read them as int64_t).
 */
struct genl_err {
	int err;
	bool has_msg;
	char msg[GENL_ERR_MSG_MAX];
	bool has_attr;
	unsigned int attr_depth;
	uint16_t attr_path[GENL_ERR_DEPTH_MAX];
	bool has_miss_type;
	uint16_t miss_type;
	unsigned int miss_depth;
	uint16_t miss_path[GENL_ERR_DEPTH_MAX];
	bool has_range;
	bool range_signed;
	uint64_t min;
	uint64_t max;
};

/*
 * Called once per reply message. Return 0 to go on, or a negative errno
 * to stop: genl_request() then drains the rest of the replies and returns
 * that errno.
 */
typedef int (*genl_cb_t)(const struct nlmsghdr *nlh, void *data);

int genl_open(struct genl_sock *gs);
void genl_close(struct genl_sock *gs);

/*
 * Start a request in gs->req: netlink header (with NLM_F_REQUEST |
 * NLM_F_ACK | @flags, e.g. NLM_F_DUMP) and genl header. Add attributes to
 * the returned message with libmnl, then call genl_request().
 */
struct nlmsghdr *genl_msg_start(struct genl_sock *gs, uint16_t family,
				uint8_t cmd, uint8_t version, uint16_t flags);

/*
 * Send the request built by genl_msg_start() and call @cb (may be NULL)
 * on each reply. Returns 0 or -errno; on a kernel error, fills @err (may
 * be NULL) with what the kernel said.
 */
int genl_request(struct genl_sock *gs, genl_cb_t cb, void *data,
		 struct genl_err *err);

/*
 * Resolve a family by name with CTRL_CMD_GETFAMILY. Returns -ENOENT if no
 * such family is registered in this network namespace (the module is not
 * loaded).
 */
int genl_family_resolve(struct genl_sock *gs, const char *name,
			struct genl_family *fam, struct genl_err *err);

/* Id of the family's multicast group @name, or -ENOENT. */
int genl_family_mcgrp(const struct genl_family *fam, const char *name,
		      uint32_t *id);

/* Subscribe the socket to a multicast group (genl_family_mcgrp()). */
int genl_join_group(struct genl_sock *gs, uint32_t group);

/* The socket's descriptor, to wait for events with epoll or poll. */
int genl_fd(const struct genl_sock *gs);

/*
 * Read one datagram of notifications from the joined groups and call @cb
 * on each message; returns how many, or -errno (a callback's error stops
 * the batch). Blocks unless the descriptor is non-blocking, which then
 * gives -EAGAIN when nothing is waiting. -ENOBUFS means the kernel
 * dropped notifications because we were slow: re-read the state with a
 * dump. Use a socket of its own for events, because genl_request()
 * discards whatever is not the answer to its request. Datagrams not sent
 * by the kernel are ignored, here and in genl_request().
 */
int genl_recv_events(struct genl_sock *gs, genl_cb_t cb, void *data);

/*
 * Decode a NLMSG_ERROR message (or a NLMSG_DONE carrying an error) that
 * answers @req into @err and return its -errno (0 for a plain ACK). @req
 * is the request as sent: with NETLINK_CAP_ACK the kernel does not echo
 * it, so NLMSGERR_ATTR_OFFS is resolved against our own copy. @len is the
 * number of bytes of @nlh that were received. Exposed for tests.
 */
int genl_parse_error(const struct nlmsghdr *nlh, size_t len,
		     const struct nlmsghdr *req, struct genl_err *err);

/*
 * Resolve a byte offset into @req (as NLMSGERR_ATTR_OFFS gives it) to the
 * path of attribute types leading to the attribute that starts there.
 * @hdrlen is the family header after struct nlmsghdr (GENL_HDRLEN).
 * Returns the depth, or -EINVAL if no attribute starts at @offs.
 */
int genl_attr_path(const struct nlmsghdr *req, size_t hdrlen, uint32_t offs,
		   uint16_t *path, unsigned int max_depth);

/*
 * Index the attributes of a genl message (after the genl header) or of a
 * nest by type into tb[0..maxtype], cleared first; a repeated type keeps
 * its last instance and types above maxtype are skipped, so a newer
 * kernel may add attributes. Returns -EBADMSG if the attributes do not
 * fill their container exactly. Types are checked by the caller
 * (mnl_attr_validate()), which knows what each one should be.
 */
int genl_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int maxtype);
int genl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		    unsigned int maxtype);

#endif /* _X0TTA_GENL_H */
