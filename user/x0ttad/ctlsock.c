// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (AF_UNIX, SOCK_SEQPACKET, mode 0600) and the way
 * replies find their way back: to a local client, or over the transport
 * to the follower that forwarded a raft request to us, the leader.
 *
 * Forwarding frames on XD_CH_FORWARD: u8 kind, u64 id (little-endian),
 * then a whole control message: a request (kind 1) or its reply (kind 2).
 * The leader validates a forwarded request exactly like a local one, and
 * the follower checks the reply before relaying it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/le.h"
#include "x0ttad/daemon.h"

enum xd_fwd_kind {
	XD_FWD_REQUEST = 1,
	XD_FWD_REPLY = 2,
};

#define XD_FWD_HDR	9

static int xd_ctl_addr(const struct xd *xd, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(xd->cfg.control) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, xd->cfg.control);
	return 0;
}

/*
 * A socket file left by a daemon that died is removed; one a running
 * daemon answers on is not, so two daemons never share a socket path.
 */
static int xd_ctl_stale(const struct xd *xd, const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		xd_log(xd, "%s: another x0ttad is running there",
		       sun->sun_path);
		ret = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		unlink(sun->sun_path);
	}
	close(fd);
	return ret;
}

int xd_ctl_init(struct xd *xd)
{
	struct sockaddr_un sun;
	mode_t old;
	int ret;

	xd->rx = malloc(XD_MSG_MAX + 1);
	xd->tx = malloc(XD_REPLY_MAX);
	if (!xd->rx || !xd->tx)
		return -ENOMEM;
	ret = xd_ctl_addr(xd, &sun);
	if (!ret)
		ret = xd_ctl_stale(xd, &sun);
	if (ret)
		return ret;
	xd->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (xd->lfd < 0)
		return -errno;
	/* Created 0600 from the start: no window where others may connect. */
	old = umask(0177);
	ret = bind(xd->lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret < 0 || listen(xd->lfd, 16) < 0) {
		ret = -errno;
		xd_log(xd, "control socket %s: %s", sun.sun_path,
		       strerror(errno));
		close(xd->lfd);
		xd->lfd = -1;
		return ret;
	}
	return 0;
}

static void xd_ctl_close(struct xd *xd, uint32_t slot)
{
	struct xd_client *c = &xd->clients[slot];

	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	/* Waiting requests of this client now find a newer generation. */
	c->gen++;
}

void xd_ctl_uninit(struct xd *xd)
{
	for (uint32_t i = 0; i < XD_CLIENTS_MAX; i++)
		xd_ctl_close(xd, i);
	if (xd->lfd >= 0) {
		close(xd->lfd);
		unlink(xd->cfg.control);
	}
	xd->lfd = -1;
	free(xd->rx);
	free(xd->tx);
	xd->rx = xd->tx = NULL;
}

void xd_ctl_accept(struct xd *xd)
{
	for (;;) {
		int fd = accept4(xd->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint32_t slot;

		if (fd < 0)
			return;
		for (slot = 0; slot < XD_CLIENTS_MAX; slot++)
			if (xd->clients[slot].fd < 0)
				break;
		/* Full: the client sees its connection closed at once. */
		if (slot == XD_CLIENTS_MAX || xd_epoll_client(xd, fd, slot)) {
			close(fd);
			continue;
		}
		xd->clients[slot].fd = fd;
	}
}

static void xd_send_local(struct xd *xd, const struct xd_origin *to,
			  const void *buf, size_t len)
{
	struct xd_client *c;

	if (to->slot >= XD_CLIENTS_MAX)
		return;
	c = &xd->clients[to->slot];
	if (c->fd < 0 || c->gen != to->gen)
		return;		/* the client left before its answer */
	/* A client that does not read its replies loses its connection. */
	if (send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		xd_ctl_close(xd, to->slot);
}

static int xd_fwd_frame(struct xd *xd, uint64_t peer, uint8_t kind,
			uint64_t id, const void *msg, size_t len)
{
	uint8_t *f = malloc(XD_FWD_HDR + len);
	int ret;

	if (!f)
		return -ENOMEM;
	f[0] = kind;
	le_put64(f + 1, id);
	memcpy(f + XD_FWD_HDR, msg, len);
	ret = tp_send(xd->tp, peer, XD_CH_FORWARD, f, XD_FWD_HDR + len);
	free(f);
	return ret;
}

void xd_reply(struct xd *xd, const struct xd_origin *to, struct xd_msg *m)
{
	if (!to->remote) {
		xd_send_local(xd, to, m->buf, m->len);
		return;
	}
	/* Lost with the connection; the follower times its client out. */
	xd_fwd_frame(xd, to->peer, XD_FWD_REPLY, to->fwd_id, m->buf, m->len);
}

void xd_reply_error(struct xd *xd, const struct xd_origin *to, uint16_t cmd,
		    int err, uint64_t leader, const char *fmt, ...)
{
	char text[XD_ERRMSG_MAX];
	struct xd_msg m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	m.buf = (char *)xd->tx;
	m.cap = XD_REPLY_MAX;
	xd_msg_error(&m, cmd, err, leader, "%s", text);
	xd_reply(xd, to, &m);
}

/* What a follower hands to the leader. */
static bool xd_cmd_forwarded(uint16_t cmd)
{
	return cmd == XD_CMD_RAFT_PUT || cmd == XD_CMD_RAFT_GET ||
	       cmd == XD_CMD_RAFT_DEL || cmd == XD_CMD_RAFT_ADD ||
	       cmd == XD_CMD_RAFT_REMOVE || cmd == XD_CMD_IDENTITY_REVOKE;
}

static bool xd_cmd_is_raft(uint16_t cmd)
{
	return cmd <= XD_CMD_RAFT_DEL || cmd == XD_CMD_RAFT_ADD ||
	       cmd == XD_CMD_RAFT_REMOVE || cmd == XD_CMD_RAFT_MEMBERS ||
	       cmd == XD_CMD_IDENTITY_REVOKE ||
	       cmd == XD_CMD_IDENTITY_REVOKED;
}

static void xd_ctl_handle(struct xd *xd, const struct xd_origin *from,
			  const uint8_t *buf, size_t len)
{
	const struct nlattr *tb[XD_A_MAX + 1];
	struct xd_msg_hdr hdr = { 0 };
	char why[XD_ERRMSG_MAX];
	int ret;

	ret = xd_msg_parse(buf, len, false, &hdr, tb, why, sizeof(why));
	if (ret) {
		xd_reply_error(xd, from, hdr.cmd <= XD_CMD_MAX ? hdr.cmd : 0,
			       ret, 0, "bad request: %s", why);
		return;
	}
	/* Only raft writes, reads and changes travel between nodes. */
	if (from->remote && !xd_cmd_forwarded(hdr.cmd)) {
		xd_reply_error(xd, from, hdr.cmd, -EOPNOTSUPP, 0,
			       "%s is not forwarded", xd_cmd_name(hdr.cmd));
		return;
	}
	if (xd_cmd_is_raft(hdr.cmd))
		xd_raft_request(xd, from, &hdr, tb, buf, len);
	else
		xd_crdt_request(xd, from, &hdr, tb);
}

void xd_ctl_client_event(struct xd *xd, uint32_t slot)
{
	struct xd_origin from = { .slot = slot };
	struct xd_client *c;
	ssize_t n;

	if (slot >= XD_CLIENTS_MAX || xd->clients[slot].fd < 0)
		return;
	c = &xd->clients[slot];
	from.gen = c->gen;
	/* MSG_TRUNC: the real length, so an over-long request is named. */
	n = recv(c->fd, xd->rx, XD_MSG_MAX + 1, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		xd_ctl_close(xd, slot);
		return;
	}
	if ((size_t)n > XD_MSG_MAX) {
		xd_reply_error(xd, &from, 0, -E2BIG, 0, "request of %zd bytes, "
			       "at most %u", n, XD_MSG_MAX);
		return;
	}
	xd_ctl_handle(xd, &from, xd->rx, n);
}

/* ---- forwarding ---------------------------------------------------------- */

int xd_fwd_send(struct xd *xd, const struct xd_origin *from, uint64_t leader,
		uint16_t cmd, const uint8_t *req, size_t len,
		struct xd_fwd **out)
{
	struct xd_fwd *f = NULL;
	int ret;

	for (size_t i = 0; i < XD_FWDS_MAX && !f; i++)
		if (!xd->fwds[i].used)
			f = &xd->fwds[i];
	if (!f)
		return -EBUSY;
	ret = xd_fwd_frame(xd, leader, XD_FWD_REQUEST, ++xd->next_fwd_id, req,
			   len);
	if (ret)
		return ret;
	*f = (struct xd_fwd){
		.used = true, .id = xd->next_fwd_id, .peer = leader,
		.cmd = cmd, .slot = from->slot, .gen = from->gen,
		.deadline = xd->now + XD_FWD_MS,
	};
	*out = f;
	return 0;
}

static void xd_fwd_reply(struct xd *xd, uint64_t peer, uint64_t id,
			 const uint8_t *msg, size_t len)
{
	const struct nlattr *tb[XD_A_MAX + 1];
	struct xd_msg_hdr hdr;
	struct xd_origin to;
	struct xd_fwd *f = NULL;
	char why[XD_ERRMSG_MAX];

	for (size_t i = 0; i < XD_FWDS_MAX && !f; i++)
		if (xd->fwds[i].used && xd->fwds[i].id == id &&
		    xd->fwds[i].peer == peer)
			f = &xd->fwds[i];
	if (!f) {
		xd->raft_dropped++;
		return;
	}
	f->used = false;
	to = (struct xd_origin){ .slot = f->slot, .gen = f->gen };
	if (xd_msg_parse(msg, len, true, &hdr, tb, why, sizeof(why)) ||
	    hdr.cmd != f->cmd) {
		xd->raft_dropped++;
		xd_reply_error(xd, &to, f->cmd, -EPROTO, 0, "leader %llu sent "
			       "a malformed reply", (unsigned long long)peer);
		return;
	}
	xd_send_local(xd, &to, msg, len);
}

void xd_fwd_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		    size_t len)
{
	struct xd_origin from = { .remote = true, .peer = peer };

	if (len < XD_FWD_HDR + sizeof(struct xd_msg_hdr) ||
	    len - XD_FWD_HDR > XD_MSG_MAX) {
		xd->raft_dropped++;
		return;
	}
	from.fwd_id = le_get64(data + 1);
	switch (data[0]) {
	case XD_FWD_REQUEST:
		xd_ctl_handle(xd, &from, data + XD_FWD_HDR, len - XD_FWD_HDR);
		break;
	case XD_FWD_REPLY:
		xd_fwd_reply(xd, peer, from.fwd_id, data + XD_FWD_HDR,
			     len - XD_FWD_HDR);
		break;
	default:
		xd->raft_dropped++;
		break;
	}
}

void xd_fwd_expire(struct xd *xd)
{
	for (size_t i = 0; i < XD_FWDS_MAX; i++) {
		struct xd_fwd *f = &xd->fwds[i];
		struct xd_origin to;

		if (!f->used || xd->now < f->deadline)
			continue;
		f->used = false;
		to = (struct xd_origin){ .slot = f->slot, .gen = f->gen };
		xd_reply_error(xd, &to, f->cmd, -ETIMEDOUT, f->peer,
			       "leader %llu did not answer in time",
			       (unsigned long long)f->peer);
	}
}
