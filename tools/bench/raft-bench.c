// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator of the raft benchmark (tools/bench/raft): N connections,
 * each with one write in flight (x0ttad's rule for its control socket),
 * distinct keys, 128-byte values, for a fixed time; every request's
 * latency is taken on the monotonic clock, from just before the request
 * is sent to the moment its whole reply has been read.
 *
 *   raft-bench x0tta [OPTIONS] SOCKET...     `raft put` over x0ttad's
 *                                            control socket (ctlmsg.h)
 *   raft-bench etcd [OPTIONS] HOST:PORT      etcd's v3 JSON gateway:
 *                                            HTTP/1.1 POST /v3/kv/put,
 *                                            base64 key and value,
 *                                            keep-alive
 *   -c N      connections (default 1)
 *   -d SECS   measured time (default 10)
 *   -w SECS   warm-up before it, not measured (default 1)
 *   -s BYTES  value size (default 128)
 *   -t TAG    key prefix, so that runs do not overwrite each other
 *   -H        also print how many latencies fall in each power-of-two
 *             bucket of milliseconds, to see where a tail comes from
 *
 * x0tta: connections go to the first SOCKET (the leader) as long as it
 * accepts them; x0ttad serves a bounded number of control clients and
 * closes the others at once, so the rest go to the next SOCKETs
 * (followers, which forward to the leader), and the split is printed.
 *
 * One thread and epoll, so the generator costs both sides the same. It
 * ends with one line for the script:
 *   STATS ops=N errors=N secs=S tput=OPS p50=MS p99=MS max=MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "x0ttad/ctlmsg.h"

#define RB_CONNS_MAX	1024
#define RB_VALUE_MAX	4096
#define RB_RBUF		(64 * 1024)
/* A request with no answer for this long ends the run: something broke. */
#define RB_STALL_SECS	10.0
#define RB_SETUP_MS	2000

enum rb_target { RB_X0TTA, RB_ETCD };

struct rb_conn {
	int fd;
	unsigned int id;
	uint64_t seq;
	double sent;		/* monotonic time the request in flight left */
	char *rbuf;		/* etcd: the response read so far */
	size_t rlen;
};

struct rb {
	enum rb_target target;
	unsigned int n;
	double secs, warmup;
	size_t vsize;
	const char *tag;
	bool histogram;
	char **socks;		/* x0tta */
	unsigned int n_socks;
	struct sockaddr_in sin;	/* etcd */
	char host[64];
	struct rb_conn *conns;
	int epfd;
	uint32_t *lat_us;	/* latencies of the measured window */
	size_t n_lat, cap_lat;
	uint64_t errors;
	char first_error[300];
	char value[RB_VALUE_MAX];
};

static void __attribute__((format(printf, 1, 2), noreturn))
rb_die(const char *fmt, ...)
{
	va_list ap;

	fputs("raft-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double rb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((format(printf, 2, 3)))
rb_error(struct rb *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->errors++) {
		va_start(ap, fmt);
		vsnprintf(b->first_error, sizeof(b->first_error), fmt, ap);
		va_end(ap);
	}
}

static void rb_record(struct rb *b, double lat)
{
	if (b->n_lat == b->cap_lat) {
		b->cap_lat = b->cap_lat ? 2 * b->cap_lat : 65536;
		b->lat_us = realloc(b->lat_us, b->cap_lat * sizeof(*b->lat_us));
		if (!b->lat_us)
			rb_die("out of memory");
	}
	b->lat_us[b->n_lat++] = lat * 1e6 > UINT32_MAX ? UINT32_MAX :
				(uint32_t)(lat * 1e6);
}

static size_t rb_key(const struct rb *b, const struct rb_conn *c, char *buf,
		     size_t len)
{
	return snprintf(buf, len, "%s-%u-%llu", b->tag, c->id,
			(unsigned long long)c->seq);
}

/* ---- x0ttad ------------------------------------------------------------ */

/* A connection the daemon actually serves: it answers raft status. */
static int rb_x0tta_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd p = { .events = POLLIN };
	char req[64], *reply;
	struct xd_msg m;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		rb_die("%s: socket path too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		rb_die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		rb_die("%s: %s", path, strerror(errno));
	xd_msg_init(&m, req, sizeof(req), XD_CMD_RAFT_STATUS, 0);
	reply = malloc(XD_REPLY_MAX);
	if (!reply)
		rb_die("out of memory");
	p.fd = fd;
	n = -1;
	if (send(fd, m.buf, m.len, MSG_NOSIGNAL) == (ssize_t)m.len &&
	    poll(&p, 1, RB_SETUP_MS) == 1)
		n = recv(fd, reply, XD_REPLY_MAX, 0);
	free(reply);
	if (n <= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void rb_x0tta_open(struct rb *b)
{
	unsigned int per[16] = { 0 };
	unsigned int s = 0;

	for (unsigned int i = 0; i < b->n; i++) {
		int fd = -1;

		while (s < b->n_socks &&
		       (fd = rb_x0tta_connect(b->socks[s])) < 0)
			s++;
		if (fd < 0)
			rb_die("%s and the other sockets given serve only %u "
			       "of %u connections", b->socks[0], i, b->n);
		b->conns[i].fd = fd;
		per[s < 16 ? s : 15]++;
	}
	if (per[0] < b->n) {
		printf("note: %s served %u of %u connections (x0ttad's "
		       "client limit);", b->socks[0], per[0], b->n);
		for (unsigned int i = 1; i < b->n_socks && i < 16; i++)
			if (per[i])
				printf(" %u went to %s (forwarded)", per[i],
				       b->socks[i]);
		printf("\n");
	}
}

static int rb_x0tta_send(struct rb *b, struct rb_conn *c)
{
	char key[XD_KEY_MAX + 1], buf[RB_VALUE_MAX + 512];
	struct xd_msg m;
	size_t klen = rb_key(b, c, key, sizeof(key));

	xd_msg_init(&m, buf, sizeof(buf), XD_CMD_RAFT_PUT, 0);
	if (xd_msg_put_bin(&m, XD_A_KEY, key, klen) ||
	    xd_msg_put_bin(&m, XD_A_VALUE, b->value, b->vsize))
		rb_die("request does not fit");
	c->sent = rb_now();
	if (send(c->fd, m.buf, m.len, MSG_NOSIGNAL) != (ssize_t)m.len)
		return -errno;
	return 0;
}

/* 1: a reply was read (an error reply counted), 0: none yet, < 0: gone. */
static int rb_x0tta_recv(struct rb *b, struct rb_conn *c)
{
	const struct nlattr *tb[XD_A_MAX + 1];
	struct xd_msg_hdr hdr;
	char why[XD_ERRMSG_MAX];
	ssize_t n;

	n = recv(c->fd, c->rbuf, RB_RBUF, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return n ? -errno : -ECONNRESET;
	if (xd_msg_parse(c->rbuf, n, true, &hdr, tb, why, sizeof(why)))
		rb_die("malformed reply from x0ttad: %s", why);
	if (hdr.cmd != XD_CMD_RAFT_PUT)
		rb_die("reply to command %u, not to raft put", hdr.cmd);
	if (hdr.flags & XD_F_ERROR) {
		rb_error(b, "x0ttad: %s", tb[XD_A_ERRMSG] ?
			 mnl_attr_get_str(tb[XD_A_ERRMSG]) : "error");
		return 2;
	}
	return 1;
}

/* ---- etcd's JSON gateway ------------------------------------------------ */

static size_t rb_base64(const void *in, size_t len, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = in;
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = p[i] << 16;

		if (i + 1 < len)
			v |= p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = 0;
	return o;
}

static void rb_etcd_open(struct rb *b)
{
	for (unsigned int i = 0; i < b->n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			rb_die("socket: %s", strerror(errno));
		/* One small request at a time: no Nagle, as x0ttad's peers. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			   sizeof(int));
		if (connect(fd, (struct sockaddr *)&b->sin, sizeof(b->sin)))
			rb_die("%s: %s", b->host, strerror(errno));
		b->conns[i].fd = fd;
	}
}

static int rb_etcd_send(struct rb *b, struct rb_conn *c)
{
	char key[300], k64[420], v64[RB_VALUE_MAX * 2];
	char body[RB_VALUE_MAX * 2 + 512], req[RB_VALUE_MAX * 2 + 1024];
	size_t klen = rb_key(b, c, key, sizeof(key));
	int blen, len;

	rb_base64(key, klen, k64);
	rb_base64(b->value, b->vsize, v64);
	blen = snprintf(body, sizeof(body), "{\"key\":\"%s\",\"value\":\"%s\"}",
			k64, v64);
	len = snprintf(req, sizeof(req), "POST /v3/kv/put HTTP/1.1\r\n"
		       "Host: %s\r\nContent-Type: application/json\r\n"
		       "Content-Length: %d\r\n\r\n%s", b->host, blen, body);
	c->sent = rb_now();
	/* Blocking socket, empty send buffer: the request goes whole. */
	if (send(c->fd, req, len, MSG_NOSIGNAL) != len)
		return -errno;
	return 0;
}

/* The length of a whole response at the start of @buf, or 0. */
static size_t rb_http_complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *h;
	size_t hlen;

	if (!end)
		return 0;
	hlen = end + 4 - buf;
	for (h = buf; h && h < end; h = memmem(h, end - h, "\r\n", 2)) {
		h += 2;
		if (!strncasecmp(h, "Content-Length:", 15)) {
			size_t cl = strtoul(h + 15, NULL, 10);

			return len >= hlen + cl ? hlen + cl : 0;
		}
		if (!strncasecmp(h, "Transfer-Encoding: chunked", 26)) {
			const char *z = memmem(end + 2, len - hlen + 2,
					       "\r\n0\r\n\r\n", 7);

			return z ? (size_t)(z + 7 - buf) : 0;
		}
	}
	rb_die("HTTP response with neither Content-Length nor chunks");
}

static int rb_etcd_recv(struct rb *b, struct rb_conn *c)
{
	size_t whole;
	ssize_t n;

	n = recv(c->fd, c->rbuf + c->rlen, RB_RBUF - 1 - c->rlen,
		 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return n ? -errno : -ECONNRESET;
	c->rlen += n;
	c->rbuf[c->rlen] = 0;
	whole = rb_http_complete(c->rbuf, c->rlen);
	if (!whole) {
		if (c->rlen == RB_RBUF - 1)
			rb_die("HTTP response over %d bytes", RB_RBUF);
		return 0;
	}
	if (whole != c->rlen)
		rb_die("etcd answered more than it was asked");
	c->rlen = 0;
	if (strncmp(c->rbuf, "HTTP/1.1 200 ", 13)) {
		char *eol = strstr(c->rbuf, "\r\n");

		if (eol)
			*eol = 0;
		rb_error(b, "etcd: %s: %s", c->rbuf,
			 eol ? eol + 2 + strcspn(eol + 2, "{") : "");
		return 2;
	}
	return 1;
}

/* ---- the run ------------------------------------------------------------ */

static int rb_send(struct rb *b, struct rb_conn *c)
{
	c->seq++;
	return b->target == RB_X0TTA ? rb_x0tta_send(b, c) :
	       rb_etcd_send(b, c);
}

static int rb_recv(struct rb *b, struct rb_conn *c)
{
	return b->target == RB_X0TTA ? rb_x0tta_recv(b, c) :
	       rb_etcd_recv(b, c);
}

static void rb_run(struct rb *b, double *t0, double *t1)
{
	struct epoll_event ev[64];
	double start = rb_now(), stop, now;
	unsigned int busy = 0;

	*t0 = start + b->warmup;
	stop = *t0 + b->secs;
	for (unsigned int i = 0; i < b->n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->conns[i].fd, &e))
			rb_die("epoll_ctl: %s", strerror(errno));
		if (rb_send(b, &b->conns[i]))
			rb_die("connection %u: send: %s", i, strerror(errno));
		busy++;
	}
	/* After the window, no new requests; those in flight drain. */
	while (busy) {
		int n = epoll_wait(b->epfd, ev, 64, 1000);

		now = rb_now();
		if (n < 0 && errno != EINTR)
			rb_die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct rb_conn *c = &b->conns[ev[i].data.u32];
			int ret = rb_recv(b, c);

			if (ret < 0)
				rb_die("connection %u closed by the server: "
				       "%s", c->id, strerror(-ret));
			if (!ret)
				continue;
			if (ret == 1 && c->sent >= *t0 && now <= stop)
				rb_record(b, now - c->sent);
			if (now >= stop) {
				busy--;
				continue;
			}
			if (rb_send(b, c))
				rb_die("connection %u: send: %s", c->id,
				       strerror(errno));
		}
		for (unsigned int i = 0; i < b->n && n == 0; i++)
			if (now - b->conns[i].sent > RB_STALL_SECS &&
			    b->conns[i].sent > 0)
				rb_die("connection %u: no answer in %.0f s",
				       i, RB_STALL_SECS);
	}
	*t1 = stop;
}

static int rb_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest latency at or above fraction @q of them. */
static double rb_pct_ms(const struct rb *b, double q)
{
	size_t r = (size_t)(q * b->n_lat + 0.999999);

	if (!b->n_lat)
		return 0;
	if (r < 1)
		r = 1;
	return b->lat_us[r - 1] / 1000.0;
}

/* Latencies are sorted: one pass counts each bucket [2^(k-1), 2^k) ms. */
static void rb_print_histogram(const struct rb *b)
{
	double edge = 0.125;
	size_t i = 0;

	printf("latency ms: count");
	while (i < b->n_lat) {
		size_t n = 0;

		while (i < b->n_lat && b->lat_us[i] / 1000.0 < edge) {
			n++;
			i++;
		}
		if (n)
			printf(" <%g:%zu", edge, n);
		edge *= 2;
	}
	printf("\n");
}

static void __attribute__((noreturn)) rb_usage(void)
{
	fprintf(stderr, "Usage: raft-bench x0tta|etcd [-c N] [-d SECS] "
		"[-w SECS] [-s BYTES] [-t TAG] [-H] SOCKET...|HOST:PORT\n");
	exit(2);
}

static void rb_parse_target(struct rb *b, int argc, char **argv)
{
	char *colon;

	if (b->target == RB_X0TTA) {
		b->socks = argv;
		b->n_socks = argc;
		return;
	}
	if (argc != 1)
		rb_usage();
	snprintf(b->host, sizeof(b->host), "%s", argv[0]);
	colon = strrchr(b->host, ':');
	b->sin.sin_family = AF_INET;
	if (!colon)
		rb_die("%s: want IPV4:PORT", argv[0]);
	*colon = 0;
	if (inet_pton(AF_INET, b->host, &b->sin.sin_addr) != 1 ||
	    !atoi(colon + 1))
		rb_die("%s: want IPV4:PORT", argv[0]);
	b->sin.sin_port = htons(atoi(colon + 1));
	*colon = ':';
}

int main(int argc, char **argv)
{
	static struct rb b = {
		.n = 1, .secs = 10, .warmup = 1, .vsize = 128, .tag = "rb",
	};
	double t0, t1;
	int opt;

	if (argc < 2)
		rb_usage();
	if (!strcmp(argv[1], "x0tta"))
		b.target = RB_X0TTA;
	else if (!strcmp(argv[1], "etcd"))
		b.target = RB_ETCD;
	else
		rb_usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "c:d:w:s:t:H")) != -1) {
		switch (opt) {
		case 'c':
			b.n = atoi(optarg);
			break;
		case 'd':
			b.secs = atof(optarg);
			break;
		case 'w':
			b.warmup = atof(optarg);
			break;
		case 's':
			b.vsize = atoi(optarg);
			break;
		case 't':
			b.tag = optarg;
			break;
		case 'H':
			b.histogram = true;
			break;
		default:
			rb_usage();
		}
	}
	if (optind >= argc)
		rb_usage();
	if (b.n < 1 || b.n > RB_CONNS_MAX || b.secs <= 0 || b.warmup < 0 ||
	    b.vsize > RB_VALUE_MAX || strlen(b.tag) > 64)
		rb_die("-c 1..%d, -d > 0, -w >= 0, -s 0..%d, -t up to 64 "
		       "bytes", RB_CONNS_MAX, RB_VALUE_MAX);
	rb_parse_target(&b, argc - optind, argv + optind);
	for (size_t i = 0; i < b.vsize; i++)
		b.value[i] = 'a' + i % 26;
	b.conns = calloc(b.n, sizeof(*b.conns));
	b.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!b.conns || b.epfd < 0)
		rb_die("setting up: %s", strerror(errno));
	for (unsigned int i = 0; i < b.n; i++) {
		b.conns[i].id = i;
		b.conns[i].rbuf = malloc(RB_RBUF);
		if (!b.conns[i].rbuf)
			rb_die("out of memory");
	}
	if (b.target == RB_X0TTA)
		rb_x0tta_open(&b);
	else
		rb_etcd_open(&b);
	rb_run(&b, &t0, &t1);
	if (b.errors)
		fprintf(stderr, "raft-bench: %llu requests refused; the first: "
			"%s\n", (unsigned long long)b.errors, b.first_error);
	if (!b.n_lat)
		rb_die("no request succeeded in the measured window");
	qsort(b.lat_us, b.n_lat, sizeof(*b.lat_us), rb_u32_cmp);
	if (b.histogram)
		rb_print_histogram(&b);
	printf("STATS ops=%zu errors=%llu secs=%.3f tput=%.1f p50=%.3f "
	       "p99=%.3f max=%.3f\n", b.n_lat, (unsigned long long)b.errors,
	       t1 - t0, b.n_lat / (t1 - t0), rb_pct_ms(&b, 0.50),
	       rb_pct_ms(&b, 0.99), b.lat_us[b.n_lat - 1] / 1000.0);
	return 0;
}
