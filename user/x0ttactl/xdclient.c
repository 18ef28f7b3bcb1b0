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

/* Nests of the control protocol have fewer attributes than this. */
#define CTL_XD_NEST_MAX		63

int ctl_xd_rows(const struct ctl_xd *c, uint16_t type, struct out_table *t,
		unsigned int maxtype, ctl_xd_fill_fn fill)
{
	const struct nlattr *tb[CTL_XD_NEST_MAX + 1], *attr;
	const void *attrs = c->buf + sizeof(struct xd_msg_hdr);
	size_t len = c->len - sizeof(struct xd_msg_hdr);
	int ret;

	if (maxtype > CTL_XD_NEST_MAX)
		return -EINVAL;
	mnl_attr_for_each_payload(attrs, len) {
		if (mnl_attr_get_type(attr) != type)
			continue;
		if (xd_msg_parse_nest(attr, tb, maxtype))
			return -EBADMSG;
		ret = out_table_add_row(t);
		if (!ret)
			ret = ctl_fill_row(t, t->nrows - 1, tb, maxtype);
		if (!ret && fill)
			ret = fill(t, t->nrows - 1, tb);
		if (ret)
			return ret;
	}
	return 0;
}

static int ctl_xd_print_view(struct out_table *rec, struct out_table *rows,
			     const struct ctl_xd_view *v)
{
	struct out_json w;

	if (!ctl_out.json) {
		out_record_print_text(rec, 0, stdout, ctl_out.color);
		fputc('\n', stdout);
		out_table_print_text(rows, stdout, ctl_out.color);
		return fflush(stdout) || ferror(stdout) ? -EIO : 0;
	}
	out_json_init(&w, stdout);
	out_json_open_object(&w, NULL);
	out_record_print_json(rec, 0, &w, v->rec_key);
	out_table_print_json(rows, &w, v->rows_key);
	out_json_close_object(&w);
	return out_json_finish(&w);
}

int ctl_xd_show(struct ctl_xd *c, const struct ctl_xd_view *v)
{
	struct out_table rec, rows;
	int ret;

	out_table_init(&rec, v->rec_cols, v->n_rec_cols);
	out_table_init(&rows, v->row_cols, v->n_row_cols);
	ret = out_table_add_row(&rec);
	if (!ret)
		ret = ctl_fill_row(&rec, 0, c->tb, XD_A_MAX);
	if (!ret)
		ret = ctl_xd_rows(c, v->row_type, &rows, v->row_maxtype, NULL);
	if (!ret)
		ret = ctl_xd_print_view(&rec, &rows, v);
	out_table_free(&rec);
	out_table_free(&rows);
	return ret;
}

int ctl_xd_view_call(struct ctl_xd *c, uint16_t cmd,
		     const struct ctl_xd_view *v)
{
	const char *what = xd_cmd_name(cmd);
	char buf[64];
	struct xd_msg req;
	int ret;

	xd_msg_init(&req, buf, sizeof(buf), cmd, 0);
	ret = ctl_xd_call(c, what, &req);
	if (ret)
		return ret;
	ret = ctl_xd_show(c, v);
	if (ret)
		ctl_err("%s: %s", what, ret == -EBADMSG ?
			"malformed reply from x0ttad" : strerror(-ret));
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
