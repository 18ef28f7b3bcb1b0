// SPDX-License-Identifier: GPL-2.0
/*
 * The transport object: configuration, the peer table, the event loop
 * and its timers. Connections themselves are conn.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "identity/spiffe.h"
#include "transport/tp_int.h"

/* Frames beyond this would be a configuration mistake, not a need. */
#define TP_MAX_FRAME_LIMIT	(256u << 20)

void tp_cfg_default(struct tp_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_frame = TP_MAX_FRAME_DEFAULT;
	cfg->sendq_max = 4u << 20;
	cfg->backoff_min_ms = 100;
	cfg->backoff_max_ms = 10000;
	cfg->keepalive_ms = 1000;
	cfg->idle_timeout_ms = 5000;
	cfg->handshake_timeout_ms = 5000;
	cfg->renew_before_ms = 60000;
}

uint64_t tp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * "1.2.3.4:port" or "[v6]:port", numeric only: a name lookup would
 * block the event loop, and controllers address each other by the
 * mesh's own addresses anyway.
 */
int tp_parse_addr(const char *s, bool port_required,
		  struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	char *end;
	unsigned long pn;
	size_t hlen;

	if (!s)
		return -EINVAL;
	colon = strrchr(s, ':');
	if (!colon)
		return -EINVAL;
	port = colon + 1;
	hlen = colon - s;
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			return -EINVAL;
		s++;
		hlen -= 2;
	} else if (memchr(s, ':', hlen)) {
		return -EINVAL;		/* IPv6 without brackets */
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (!*port || *end || errno || pn > 65535 || *port == '-' ||
	    *port == '+' || (port_required && pn == 0))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, port, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int tp_cfg_check(const struct tp_cfg *cfg)
{
	if (!cfg->tls || !cfg->listen)
		return -EINVAL;
	if (!cfg->max_frame || cfg->max_frame > TP_MAX_FRAME_LIMIT ||
	    !cfg->sendq_max)
		return -EINVAL;
	if (!cfg->backoff_min_ms || cfg->backoff_max_ms < cfg->backoff_min_ms)
		return -EINVAL;
	if (!cfg->keepalive_ms || cfg->idle_timeout_ms <= cfg->keepalive_ms ||
	    !cfg->handshake_timeout_ms || !cfg->renew_before_ms)
		return -EINVAL;
	return 0;
}

static int tp_listen(struct tp *tp, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, err;

	err = tp_parse_addr(addr, false, &ss, &len);
	if (err)
		return err;
	tp->lfd = socket(ss.ss_family,
			 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tp->lfd < 0)
		return -errno;
	/*
	 * A restarted node must get its port back while old connections
	 * linger in TIME_WAIT.
	 */
	setsockopt(tp->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(tp->lfd, (struct sockaddr *)&ss, len) ||
	    listen(tp->lfd, 64) ||
	    getsockname(tp->lfd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET6)
		tp->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		tp->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* The listener, timer and kick fds are told apart by their address. */
static int tp_watch_fd(struct tp *tp, int *fdp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = fdp };

	return epoll_ctl(tp->ep, EPOLL_CTL_ADD, *fdp, &ev) ? -errno : 0;
}

static int tp_open_fds(struct tp *tp, const char *listen_addr)
{
	int err;

	tp->ep = epoll_create1(EPOLL_CLOEXEC);
	if (tp->ep < 0)
		return -errno;
	err = tp_listen(tp, listen_addr);
	if (err)
		return err;
	tp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tp->tfd < 0)
		return -errno;
	tp->kfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tp->kfd < 0)
		return -errno;
	err = tp_watch_fd(tp, &tp->lfd);
	if (!err)
		err = tp_watch_fd(tp, &tp->tfd);
	if (!err)
		err = tp_watch_fd(tp, &tp->kfd);
	return err;
}

static void tp_close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

int tp_new(struct tp **out, const struct tp_cfg *cfg,
	   const struct tp_ops *ops, void *ctx)
{
	struct tp *tp;
	uint64_t seed = cfg->seed;
	int err;

	err = tp_cfg_check(cfg);
	if (err)
		return err;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	tp->cfg = *cfg;
	/* Both are borrowed only for this call. */
	tp->cfg.tls = NULL;
	tp->cfg.listen = NULL;
	tp->ops = *ops;
	tp->ctx = ctx;
	tp->ep = tp->lfd = tp->tfd = tp->kfd = -1;
	err = tp_open_fds(tp, cfg->listen);
	if (err)
		goto err_fds;
	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = tp_now_ms() ^ (uint64_t)getpid() << 32;
	prng_seed(&tp->rng, seed);
	tp->tls = idn_tls_get(cfg->tls);
	*out = tp;
	return 0;

err_fds:
	tp_close_fd(tp->kfd);
	tp_close_fd(tp->tfd);
	tp_close_fd(tp->lfd);
	tp_close_fd(tp->ep);
	free(tp);
	return err;
}

static void tp_peer_free(struct tp_peer *p)
{
	free(p->addr_str);
	free(p->spiffe_id);
	free(p);
}

void tp_free(struct tp *tp)
{
	if (!tp)
		return;
	tp->closing = true;
	while (tp->conns)
		tp_conn_free(tp->conns);
	for (unsigned int i = 0; i < tp->npeers; i++)
		tp_peer_free(tp->peers[i]);
	free(tp->peers);
	tp_close_fd(tp->kfd);
	tp_close_fd(tp->tfd);
	tp_close_fd(tp->lfd);
	tp_close_fd(tp->ep);
	idn_tls_put(tp->tls);
	free(tp);
}

void tp_set_tls(struct tp *tp, struct idn_tls *tls)
{
	struct idn_tls *old = tp->tls;

	tp->tls = idn_tls_get(tls);
	idn_tls_put(old);
}

/* ---- peers -------------------------------------------------------------- */

struct tp_peer *tp_peer_find(const struct tp *tp, uint64_t id)
{
	for (unsigned int i = 0; i < tp->npeers; i++)
		if (tp->peers[i]->id == id)
			return tp->peers[i];
	return NULL;
}

static bool tp_spiffe_taken(const struct tp *tp, const char *id)
{
	for (unsigned int i = 0; i < tp->npeers; i++)
		if (!strcmp(tp->peers[i]->spiffe_id, id))
			return true;
	return false;
}

/*
 * Exactly one well-formed SPIFFE ID of a workload: a prefix rule
 * ("spiffe://td/node/") would authorize a whole group of nodes as this
 * one peer.
 */
static int tp_check_spiffe_id(const char *s)
{
	struct idn_spiffe_id *id = malloc(sizeof(*id));
	struct idn_status st;
	int err = -EINVAL;

	if (!id)
		return -ENOMEM;
	if (s && idn_spiffe_parse(s, strlen(s), id, &st) == IDN_OK &&
	    *idn_spiffe_path(id) && !strcmp(id->id, s))
		err = 0;
	free(id);
	return err;
}

int tp_peer_add(struct tp *tp, uint64_t id, const char *addr,
		const char *spiffe_id)
{
	struct tp_peer **peers, *p;
	int err;

	if (id == tp->cfg.node_id)
		return -EINVAL;
	err = tp_check_spiffe_id(spiffe_id);
	if (err)
		return err;
	if (tp_peer_find(tp, id) || tp_spiffe_taken(tp, spiffe_id))
		return -EEXIST;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = tp_parse_addr(addr, true, &p->addr, &p->addr_len);
	if (err)
		goto err_free;
	err = -ENOMEM;
	p->addr_str = strdup(addr);
	p->spiffe_id = strdup(spiffe_id);
	peers = realloc(tp->peers, (tp->npeers + 1) * sizeof(*peers));
	if (!p->addr_str || !p->spiffe_id || !peers)
		goto err_free;
	tp->peers = peers;
	p->id = id;
	/*
	 * One connection per pair, and no race over who keeps which:
	 * the lower id dials.
	 */
	p->dial = tp->cfg.node_id < id;
	p->backoff_ms = tp->cfg.backoff_min_ms;
	p->stats.backoff_ms = p->backoff_ms;
	p->retry_at = tp_now_ms();
	tp->peers[tp->npeers++] = p;
	tp_kick(tp);
	return 0;

err_free:
	tp_peer_free(p);
	return err;
}

static void tp_reap(struct tp *tp)
{
	struct tp_conn *c = tp->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->dead)
			tp_conn_free(c);
	}
}

int tp_peer_remove(struct tp *tp, uint64_t id)
{
	struct tp_peer *p = tp_peer_find(tp, id);
	unsigned int i;

	if (!p)
		return -ENOENT;
	if (p->conn) {
		struct tp_conn *c = p->conn;

		/* Forgotten, not down: no callback. */
		p->conn = NULL;
		c->peer = NULL;
		tp_conn_kill(c, IDN_ERR_CLOSED, "peer removed");
	}
	/* Inbound handshakes borrow the table's IDs as their rules. */
	for (struct tp_conn *c = tp->conns; c; c = c->next)
		if (c->pending)
			tp_conn_kill(c, IDN_ERR_CLOSED, "peer table changed");
	for (i = 0; tp->peers[i] != p; i++)
		;
	tp->peers[i] = tp->peers[--tp->npeers];
	tp_peer_free(p);
	if (!tp->in_poll)
		tp_reap(tp);
	return 0;
}

unsigned int tp_recheck(struct tp *tp, tp_check_fn check, void *ctx)
{
	unsigned int closed = 0;

	for (struct tp_conn *c = tp->conns; c; c = c->next) {
		struct idn_status st;
		enum idn_err err;

		if (c->dead || c->state < TP_CONN_OPEN || !c->idn_ready)
			continue;
		err = check(ctx, &c->idn, &st);
		if (err == IDN_OK)
			continue;
		tp_conn_kill(c, err, st.detail);
		closed++;
	}
	if (!tp->in_poll)
		tp_reap(tp);
	/* Redials are due: let the caller's loop come round to tp_poll(). */
	if (closed)
		tp_kick(tp);
	return closed;
}

void tp_peer_backoff(struct tp *tp, struct tp_peer *p)
{
	unsigned int d = p->backoff_ms;

	/*
	 * Jitter in [d/2, d]: peers that lost a node together do not
	 * come back at it in lockstep.
	 */
	p->retry_at = tp_now_ms() + d / 2 + prng_below(&tp->rng, d / 2 + 1);
	p->backoff_ms = d > tp->cfg.backoff_max_ms / 2 ?
			tp->cfg.backoff_max_ms : d * 2;
	p->stats.backoff_ms = p->backoff_ms;
}

/* ---- sending ------------------------------------------------------------ */

int tp_send(struct tp *tp, uint64_t peer, uint8_t channel, const void *data,
	    size_t len)
{
	struct tp_peer *p = tp_peer_find(tp, peer);
	struct tp_conn *c;
	int err;

	if (!p)
		return -ENOENT;
	if (channel == TP_CH_CONTROL || (len && !data))
		return -EINVAL;
	if (len > tp->cfg.max_frame)
		return -EMSGSIZE;
	c = p->conn;
	if (!c || c->dead || c->state != TP_CONN_UP)
		return -ENOTCONN;
	if (c->queued && c->queued + TP_FRAME_HDR + len > tp->cfg.sendq_max)
		return -ENOBUFS;
	err = tp_conn_queue(c, channel, data, len);
	if (err)
		return err;
	p->stats.frames_out++;
	p->stats.bytes_out += len;
	tp_conn_flush_deferred(c);
	return 0;
}

/* ---- the event loop ----------------------------------------------------- */

void tp_kick(struct tp *tp)
{
	uint64_t one = 1;

	/* Failing means the counter is saturated: a wake-up is pending. */
	if (write(tp->kfd, &one, sizeof(one)) < 0)
		return;
}

static void tp_drain(int fd)
{
	uint64_t v;

	/* Failing means there was nothing to drain. */
	if (read(fd, &v, sizeof(v)) < 0)
		return;
}

static void tp_dial_due(struct tp *tp, uint64_t now)
{
	for (unsigned int i = 0; i < tp->npeers; i++) {
		struct tp_peer *p = tp->peers[i];
		int err;

		if (!p->dial || p->conn || now < p->retry_at)
			continue;
		p->stats.dials++;
		err = tp_conn_dial(tp, p);
		if (!err)
			continue;
		idn_fail(&p->stats.last_error, IDN_ERR_IO, "connect to %s: %s",
			 p->addr_str, strerror(-err));
		tp_peer_backoff(tp, p);
	}
}

static void tp_rearm(struct tp *tp)
{
	struct itimerspec its = { 0 };
	uint64_t t = UINT64_MAX;

	for (unsigned int i = 0; i < tp->npeers; i++) {
		const struct tp_peer *p = tp->peers[i];

		if (p->dial && !p->conn && p->retry_at < t)
			t = p->retry_at;
	}
	for (const struct tp_conn *c = tp->conns; c; c = c->next) {
		uint64_t ct = tp_conn_next_timer(c);

		if (ct < t)
			t = ct;
	}
	if (t != UINT64_MAX) {
		/* Zero would disarm; a deadline already past fires now. */
		t = t ? t : 1;
		its.it_value.tv_sec = t / 1000;
		its.it_value.tv_nsec = (t % 1000) * 1000000;
	}
	timerfd_settime(tp->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void tp_dispatch(struct tp *tp, const struct epoll_event *ev)
{
	if (ev->data.ptr == &tp->lfd) {
		tp_conn_accept(tp);
	} else if (ev->data.ptr == &tp->tfd) {
		tp_drain(tp->tfd);
	} else if (ev->data.ptr == &tp->kfd) {
		tp_drain(tp->kfd);
		for (struct tp_conn *c = tp->conns; c; c = c->next)
			tp_conn_resume(c);
	} else {
		struct tp_conn *c = ev->data.ptr;

		if (!c->dead)
			tp_conn_event(c, ev->events);
	}
}

int tp_poll(struct tp *tp, int timeout_ms)
{
	struct epoll_event ev[32];
	uint64_t now;
	int n;

	if (tp->in_poll)
		return -EBUSY;
	n = epoll_wait(tp->ep, ev, 32, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	tp->in_poll = true;
	for (int i = 0; i < n; i++)
		tp_dispatch(tp, &ev[i]);
	now = tp_now_ms();
	tp_dial_due(tp, now);
	for (struct tp_conn *c = tp->conns; c; c = c->next)
		tp_conn_timers(c, now);
	tp->in_poll = false;
	tp_reap(tp);
	tp_rearm(tp);
	return n;
}

int tp_fd(const struct tp *tp)
{
	return tp->ep;
}

unsigned short tp_port(const struct tp *tp)
{
	return tp->port;
}

bool tp_peer_up(const struct tp *tp, uint64_t peer)
{
	const struct tp_peer *p = tp_peer_find(tp, peer);

	return p && p->conn && p->conn->state == TP_CONN_UP;
}

int tp_peer_stats(const struct tp *tp, uint64_t peer,
		  struct tp_peer_stats *out)
{
	const struct tp_peer *p = tp_peer_find(tp, peer);

	if (!p)
		return -ENOENT;
	*out = p->stats;
	out->queued = p->conn ? p->conn->queued : 0;
	return 0;
}

void tp_stats(const struct tp *tp, struct tp_stats *out)
{
	*out = tp->stats;
}
