// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client: family lookup, do/dump requests, extended ACK
 * decoding. See genl.h for the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "lib/genl.h"

/*
 * Requests are small (a few attributes). Replies are read with a buffer
 * large enough for the biggest message the kernel builds for a dump
 * (netlink_dump() caps them at 32 KiB), so nothing is ever truncated.
 */
#define GENL_REQ_SIZE	8192
#define GENL_RX_SIZE	32768

int genl_open(struct genl_sock *gs)
{
	int one = 1;
	int ret;

	memset(gs, 0, sizeof(*gs));
	gs->req = calloc(1, GENL_REQ_SIZE);
	gs->rx = malloc(GENL_RX_SIZE);
	if (!gs->req || !gs->rx) {
		ret = -ENOMEM;
		goto err_free;
	}
	gs->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!gs->nl) {
		ret = -errno;
		goto err_free;
	}
	if (mnl_socket_bind(gs->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_close;
	}
	/*
	 * EXT_ACK: the kernel explains refusals (message, bad attribute,
	 * valid range). CAP_ACK: it does not echo our request back in
	 * every error; we keep our own copy to resolve offsets against.
	 */
	if (mnl_socket_setsockopt(gs->nl, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(gs->nl, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0) {
		ret = -errno;
		goto err_close;
	}
	gs->portid = mnl_socket_get_portid(gs->nl);
	gs->seq = (uint32_t)time(NULL);
	return 0;

err_close:
	mnl_socket_close(gs->nl);
err_free:
	free(gs->rx);
	free(gs->req);
	memset(gs, 0, sizeof(*gs));
	return ret;
}

void genl_close(struct genl_sock *gs)
{
	if (gs->nl)
		mnl_socket_close(gs->nl);
	free(gs->rx);
	free(gs->req);
	memset(gs, 0, sizeof(*gs));
}

struct nlmsghdr *genl_msg_start(struct genl_sock *gs, uint16_t family,
				uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(gs->req, 0, GENL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(gs->req);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/*
	 * A do request asks for an ACK so that success and failure both
	 * end with one message. A dump ends with NLMSG_DONE instead.
	 */
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	/* 0 is what notifications carry: never use it for a request. */
	if (++gs->seq == 0)
		gs->seq = 1;
	nlh->nlmsg_seq = gs->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

int genl_attr_path(const struct nlmsghdr *req, size_t hdrlen, uint32_t offs,
		   uint16_t *path, unsigned int max_depth)
{
	const char *base = (const char *)req;
	size_t pos = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	size_t end = req->nlmsg_len;
	unsigned int depth = 0;

	/*
	 * The kernel points at the start of the offending attribute. Walk
	 * down: an attribute that contains the offset beyond its own header
	 * must be the nest the offending one sits in.
	 */
	while (pos + NLA_HDRLEN <= end && offs >= pos) {
		const struct nlattr *a = (const struct nlattr *)(base + pos);
		size_t aend = pos + a->nla_len;

		if (a->nla_len < NLA_HDRLEN || aend > end)
			return -EINVAL;
		if (offs >= aend) {
			pos += NLA_ALIGN(a->nla_len);
			continue;
		}
		if (depth == max_depth)
			return -EINVAL;
		path[depth++] = a->nla_type & NLA_TYPE_MASK;
		if (offs == pos)
			return depth;
		pos += NLA_HDRLEN;
		end = aend;
	}
	return -EINVAL;
}

/* Does @a, inside the attribute stream [start, start + len), fit? */
static bool genl_attr_fits(const struct nlattr *a, const void *start,
			   size_t len)
{
	return mnl_attr_ok(a, (const char *)start + len - (const char *)a);
}

static void genl_err_reset(struct genl_err *err)
{
	memset(err, 0, sizeof(*err));
}

static void genl_err_set_msg(struct genl_err *err, const struct nlattr *a)
{
	size_t len;

	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return;
	len = strnlen(mnl_attr_get_str(a), sizeof(err->msg) - 1);
	memcpy(err->msg, mnl_attr_get_str(a), len);
	while (len && err->msg[len - 1] == '\n')
		len--;
	err->msg[len] = '\0';
	err->has_msg = len > 0;
}

/* NLMSGERR_ATTR_POLICY: we only need the valid range of integers. */
static void genl_err_set_policy(struct genl_err *err, const struct nlattr *a)
{
	const struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];
	int u, s;

	if (genl_parse_nest(a, tb, NL_POLICY_TYPE_ATTR_MAX) < 0)
		return;
	u = tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] &&
	    !mnl_attr_validate(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U],
			       MNL_TYPE_U64) &&
	    !mnl_attr_validate(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U],
			       MNL_TYPE_U64);
	s = tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S] &&
	    !mnl_attr_validate(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S],
			       MNL_TYPE_U64) &&
	    !mnl_attr_validate(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S],
			       MNL_TYPE_U64);
	if (u) {
		err->min = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
		err->max = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
		err->has_range = true;
	} else if (s) {
		err->min = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S]);
		err->max = mnl_attr_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S]);
		err->has_range = true;
		err->range_signed = true;
	}
}

static void genl_err_set_tlvs(struct genl_err *err, const void *tlvs,
			      size_t len, const struct nlmsghdr *req)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	const struct nlattr *a;
	int depth;

	for (a = tlvs; genl_attr_fits(a, tlvs, len); a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) <= NLMSGERR_ATTR_MAX)
			tb[mnl_attr_get_type(a)] = a;
	}
	if (tb[NLMSGERR_ATTR_MSG])
		genl_err_set_msg(err, tb[NLMSGERR_ATTR_MSG]);
	if (tb[NLMSGERR_ATTR_OFFS] && req &&
	    !mnl_attr_validate(tb[NLMSGERR_ATTR_OFFS], MNL_TYPE_U32)) {
		depth = genl_attr_path(req, GENL_HDRLEN,
				       mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]),
				       err->attr_path, GENL_ERR_DEPTH_MAX);
		if (depth > 0) {
			err->attr_depth = depth;
			err->has_attr = true;
		}
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    !mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_TYPE], MNL_TYPE_U32)) {
		err->miss_type = mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		err->has_miss_type = true;
	}
	if (err->has_miss_type && tb[NLMSGERR_ATTR_MISS_NEST] && req &&
	    !mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_NEST], MNL_TYPE_U32)) {
		depth = genl_attr_path(req, GENL_HDRLEN,
				       mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]),
				       err->miss_path, GENL_ERR_DEPTH_MAX);
		if (depth > 0)
			err->miss_depth = depth;
	}
	if (tb[NLMSGERR_ATTR_POLICY])
		genl_err_set_policy(err, tb[NLMSGERR_ATTR_POLICY]);
}

int genl_parse_error(const struct nlmsghdr *nlh, size_t len,
		     const struct nlmsghdr *req, struct genl_err *err)
{
	const char *payload = mnl_nlmsg_get_payload(nlh);
	size_t plen, tlv_off;
	int error;

	if (nlh->nlmsg_len > len)
		return -EBADMSG;
	/* Some kernels end a dump with a bare NLMSG_DONE. */
	if (nlh->nlmsg_type == NLMSG_DONE && nlh->nlmsg_len == NLMSG_HDRLEN)
		return 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return -EBADMSG;
	plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	memcpy(&error, payload, sizeof(error));
	/* A kernel bug or a forged reply must not read as success. */
	if (error > 0)
		error = -EPROTO;
	if (err) {
		genl_err_reset(err);
		err->err = error;
	}
	if (!err || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;

	/*
	 * NLMSG_DONE carries the int alone; NLMSG_ERROR carries the request's
	 * header, and its payload too unless the ACK was capped.
	 */
	tlv_off = sizeof(int);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = (const struct nlmsgerr *)payload;

		if (plen < sizeof(*e))
			return error;
		tlv_off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return error;
			tlv_off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
		tlv_off = NLMSG_ALIGN(tlv_off);
	}
	if (tlv_off < plen)
		genl_err_set_tlvs(err, payload + tlv_off, plen - tlv_off, req);
	return error;
}

/*
 * State of one request while its replies come in. @cb_ret keeps the
 * first error a callback returned: the replies still have to be read to
 * the end, or they would be taken for the answer to the next request.
 */
struct genl_req_state {
	const struct nlmsghdr *req;
	genl_cb_t cb;
	void *data;
	struct genl_err *err;
	int cb_ret;
	bool intr;
};

/* Returns 1 when the request is complete, 0 to go on reading, or -errno. */
static int genl_handle_msg(struct genl_req_state *st,
			   const struct nlmsghdr *nlh, size_t len)
{
	int ret;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_OVERRUN:
		return -ENOBUFS;
	case NLMSG_ERROR:
	case NLMSG_DONE:
		ret = genl_parse_error(nlh, len, st->req, st->err);
		if (ret < 0)
			return ret;
		return 1;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		st->intr = true;
	if (!st->cb || st->cb_ret)
		return 0;
	ret = st->cb(nlh, st->data);
	if (ret < 0)
		st->cb_ret = ret;
	return 0;
}

static int genl_handle_batch(struct genl_sock *gs, struct genl_req_state *st,
			     size_t n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)gs->rx;
	int len = n;
	int ret;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		/* Late answers to an earlier request, or notifications. */
		if (nlh->nlmsg_seq != st->req->nlmsg_seq ||
		    !mnl_nlmsg_portid_ok(nlh, gs->portid))
			continue;
		ret = genl_handle_msg(st, nlh, len);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Read one datagram. Only the kernel (port 0) may answer or notify: a
 * local process with CAP_NET_ADMIN could otherwise unicast forged
 * replies or events to our port, and the port in the netlink header is
 * the sender's to fill in. Such datagrams read as empty (0).
 */
static ssize_t genl_recv(struct genl_sock *gs)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = gs->rx, .iov_len = GENL_RX_SIZE };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	do {
		n = recvmsg(mnl_socket_get_fd(gs->nl), &msg, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0)
		return 0;
	return n;
}

int genl_request(struct genl_sock *gs, genl_cb_t cb, void *data,
		 struct genl_err *err)
{
	struct genl_req_state st = {
		.req = (const struct nlmsghdr *)gs->req,
		.cb = cb,
		.data = data,
		.err = err,
	};
	ssize_t n;
	int ret;

	if (err)
		genl_err_reset(err);
	if (mnl_socket_sendto(gs->nl, st.req, st.req->nlmsg_len) < 0)
		return -errno;
	do {
		n = genl_recv(gs);
		if (n < 0)
			return n;
		ret = genl_handle_batch(gs, &st, n);
	} while (ret == 0);
	if (ret < 0)
		return ret;
	if (st.cb_ret)
		return st.cb_ret;
	/* The table changed under the dump: what we got may be torn. */
	if (st.intr)
		return -EAGAIN;
	return 0;
}

static int genl_parse_stream(const void *start, size_t len,
			     const struct nlattr **tb, unsigned int maxtype)
{
	const struct nlattr *a;
	size_t used = 0;

	memset(tb, 0, (maxtype + 1) * sizeof(*tb));
	for (a = start; genl_attr_fits(a, start, len); a = mnl_attr_next(a)) {
		used = (const char *)a - (const char *)start +
		       NLA_ALIGN(a->nla_len);
		if (mnl_attr_get_type(a) <= maxtype)
			tb[mnl_attr_get_type(a)] = a;
	}
	/* The last attribute's padding may be absent. */
	if (used < len || used > NLA_ALIGN(len))
		return -EBADMSG;
	return 0;
}

int genl_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int maxtype)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	if (nlh->nlmsg_len < off)
		return -EBADMSG;
	return genl_parse_stream((const char *)nlh + off,
				 nlh->nlmsg_len - off, tb, maxtype);
}

int genl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		    unsigned int maxtype)
{
	return genl_parse_stream(mnl_attr_get_payload(nest),
				 mnl_attr_get_payload_len(nest), tb, maxtype);
}

static int genl_parse_mcgrps(const struct nlattr *nest,
			     struct genl_family *fam)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
		struct genl_mcgrp *g;

		if (fam->n_mcgrps == GENL_MCGRP_MAX)
			break;
		if (genl_parse_nest(grp, tb, CTRL_ATTR_MCAST_GRP_MAX) < 0 ||
		    !tb[CTRL_ATTR_MCAST_GRP_NAME] ||
		    !tb[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME],
				      MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID],
				      MNL_TYPE_U32) < 0)
			return -EBADMSG;
		g = &fam->mcgrps[fam->n_mcgrps++];
		snprintf(g->name, sizeof(g->name), "%s",
			 mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]));
		g->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genl_family *fam = data;

	if (genl_parse_msg(nlh, tb, CTRL_ATTR_MAX) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
		return -EBADMSG;
	fam->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION] &&
	    !mnl_attr_validate(tb[CTRL_ATTR_VERSION], MNL_TYPE_U32))
		fam->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_MAXATTR] &&
	    !mnl_attr_validate(tb[CTRL_ATTR_MAXATTR], MNL_TYPE_U32))
		fam->maxattr = mnl_attr_get_u32(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		return genl_parse_mcgrps(tb[CTRL_ATTR_MCAST_GROUPS], fam);
	return 0;
}

int genl_family_resolve(struct genl_sock *gs, const char *name,
			struct genl_family *fam, struct genl_err *err)
{
	struct nlmsghdr *nlh;
	int ret;

	if (strlen(name) >= sizeof(fam->name))
		return -ENAMETOOLONG;
	memset(fam, 0, sizeof(*fam));
	nlh = genl_msg_start(gs, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = genl_request(gs, genl_family_cb, fam, err);
	if (ret < 0)
		return ret;
	if (!fam->id)
		return -EBADMSG;
	snprintf(fam->name, sizeof(fam->name), "%s", name);
	return 0;
}

int genl_family_mcgrp(const struct genl_family *fam, const char *name,
		      uint32_t *id)
{
	for (unsigned int i = 0; i < fam->n_mcgrps; i++) {
		if (!strcmp(fam->mcgrps[i].name, name)) {
			*id = fam->mcgrps[i].id;
			return 0;
		}
	}
	return -ENOENT;
}

int genl_fd(const struct genl_sock *gs)
{
	return mnl_socket_get_fd(gs->nl);
}

int genl_recv_events(struct genl_sock *gs, genl_cb_t cb, void *data)
{
	const struct nlmsghdr *nlh;
	int count = 0;
	ssize_t n;
	int len, ret;

	n = genl_recv(gs);
	if (n < 0)
		return n;
	nlh = (const struct nlmsghdr *)gs->rx;
	len = n;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		/* Notifications carry no sequence number; the rest are
		 * late answers to requests made on this socket.
		 */
		if (nlh->nlmsg_seq != 0 || nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		ret = cb(nlh, data);
		if (ret < 0)
			return ret;
		count++;
	}
	return count;
}

int genl_join_group(struct genl_sock *gs, uint32_t group)
{
	if (mnl_socket_setsockopt(gs->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}
