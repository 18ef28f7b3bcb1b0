// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to x0ttad over its control socket (x0ttad/ctlmsg.h): connect,
 * one request, one validated reply, and the daemon's refusal turned into
 * one clear line on stderr. Shared by `x0ttactl raft` and `crdt`.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "x0ttactl/ctl.h"

const char *ctl_socket;

/* An answer takes at most the daemon's own timeouts plus some. */
#define CTL_XD_TIMEOUT_MS	10000
/* "No leader yet" is retried for this long: elections take a moment. */
#define CTL_XD_RETRY_MS		5000
#define CTL_XD_RETRY_STEP_MS	100

const char *ctl_socket_path(void)
{
	const char *env = getenv("X0TTA_SOCKET");

	if (ctl_socket)
		return ctl_socket;
	return env && *env ? env : CTL_SOCKET_DEFAULT;
}

int ctl_xd_open(struct ctl_xd *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = ctl_socket_path();
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctl_err("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	c->buf = malloc(XD_REPLY_MAX);
	if (!c->buf) {
		ctl_err("out of memory");
		return -ENOMEM;
	}
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ECONNREFUSED)
			ctl_err("x0ttad is not running (no daemon at %s; "
				"-s SOCKET or X0TTA_SOCKET chooses another)",
				path);
		else
			ctl_err("%s: %s", path, strerror(errno));
		ctl_xd_close(c);
		return ret;
	}
	return 0;
}

void ctl_xd_close(struct ctl_xd *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static int ctl_xd_roundtrip(struct ctl_xd *c, const struct xd_msg *req)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char why[XD_ERRMSG_MAX];
	ssize_t n;
	int ret;

	if (send(c->fd, req->buf, req->len, MSG_NOSIGNAL) < 0)
		return -errno;
	ret = poll(&p, 1, CTL_XD_TIMEOUT_MS);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	n = recv(c->fd, c->buf, XD_REPLY_MAX, MSG_TRUNC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n > XD_REPLY_MAX)
		return -EMSGSIZE;
	c->len = n;
	ret = xd_msg_parse(c->buf, c->len, true, &c->hdr, c->tb, why,
			   sizeof(why));
	if (ret)
		return -EPROTO;
	if (c->hdr.cmd != ((const struct xd_msg_hdr *)req->buf)->cmd)
		return -EPROTO;
	return 0;
}

static int ctl_xd_refusal(const struct ctl_xd *c)
{
	const struct nlattr *e = c->tb[XD_A_ERRNO];
	int err = e ? (int)mnl_attr_get_u32(e) : EPROTO;

	if (err <= 0 || err > 4095)
		err = EPROTO;
	return -err;
}

static void ctl_xd_sleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int ctl_xd_call(struct ctl_xd *c, const char *what, const struct xd_msg *req)
{
	unsigned int waited = 0;
	int ret;

	for (;;) {
		ret = ctl_xd_roundtrip(c, req);
		if (ret) {
			ctl_err("%s: %s", what, ret == -EPROTO ?
				"malformed reply from x0ttad" :
				ret == -ETIMEDOUT ? "x0ttad did not answer" :
				strerror(-ret));
			return ret;
		}
		if (!(c->hdr.flags & XD_F_ERROR))
			return 0;
		ret = ctl_xd_refusal(c);
		if (ret != -EAGAIN || waited >= CTL_XD_RETRY_MS)
			break;
		ctl_xd_sleep(CTL_XD_RETRY_STEP_MS);
		waited += CTL_XD_RETRY_STEP_MS;
	}
	ctl_err("%s: %s", what, c->tb[XD_A_ERRMSG] ?
		mnl_attr_get_str(c->tb[XD_A_ERRMSG]) : strerror(-ret));
	return ret;
}

int ctl_xd_set_bin(struct out_table *t, size_t row, size_t col,
		   const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a);
	char *s = malloc(len + 1);
	int ret;

	if (!s)
		return -ENOMEM;
	memcpy(s, mnl_attr_get_payload(a), len);
	s[len] = 0;
	ret = out_table_set_str(t, row, col, s);
	free(s);
	return ret;
}

int ctl_xd_print_value(const struct nlattr *a, FILE *f)
{
	size_t len = mnl_attr_get_payload_len(a);

	if (fwrite(mnl_attr_get_payload(a), 1, len, f) != len ||
	    fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}
