// SPDX-License-Identifier: GPL-2.0
/*
 * One connection to a peer: TCP connect or accept, the mutual TLS
 * handshake, then frames in both directions. A connection is closed by
 * tp_conn_kill() at once (socket, TLS session, queues) but its struct
 * lives until tp_reap(), because an epoll batch or the caller's loop may
 * still hold a pointer to it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "transport/tp_int.h"

static void tp_conn_watch(struct tp_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->dead || events == c->events)
		return;
	if (epoll_ctl(c->tp->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void tp_conn_set_nodelay(int fd)
{
	int one = 1;

	/*
	 * Handshake flights and small raft messages are latency-bound;
	 * Nagle with delayed ACKs would add 40 ms to each.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static struct tp_conn *tp_conn_new(struct tp *tp, int fd, bool inbound,
				   uint32_t events)
{
	struct epoll_event ev = { .events = events };
	struct tp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->tp = tp;
	c->fd = fd;
	c->inbound = inbound;
	c->events = events;
	c->last_rx = c->last_tx = tp_now_ms();
	c->deadline = c->last_rx + tp->cfg.handshake_timeout_ms;
	ev.data.ptr = c;
	if (epoll_ctl(tp->ep, EPOLL_CTL_ADD, fd, &ev)) {
		free(c);
		return NULL;
	}
	c->next = tp->conns;
	if (tp->conns)
		tp->conns->prev = c;
	tp->conns = c;
	return c;
}

static void tp_conn_drop_queues(struct tp_conn *c)
{
	while (c->txq) {
		struct tp_frame *f = c->txq;

		c->txq = f->next;
		free(f);
	}
	c->txq_tail = NULL;
	c->queued = 0;
	free(c->frame);
	c->frame = NULL;
	free(c->rules);
	c->rules = NULL;
}

void tp_conn_kill(struct tp_conn *c, enum idn_err err, const char *why)
{
	struct tp *tp = c->tp;
	struct tp_peer *p = c->peer;
	bool was_up = c->state == TP_CONN_UP;
	struct idn_status st;

	if (c->dead)
		return;
	c->dead = true;
	idn_fail(&st, err, "%s", why);
	epoll_ctl(tp->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->idn_ready)
		idn_conn_free(&c->idn);
	c->idn_ready = false;
	close(c->fd);
	c->fd = -1;
	tp_conn_drop_queues(c);
	if (c->pending) {
		tp->npending--;
		tp->stats.refused++;
		tp->stats.last_refusal = st;
		return;
	}
	c->peer = NULL;
	if (!p || p->conn != c)
		return;
	p->conn = NULL;
	p->stats.up = false;
	p->stats.queued = 0;
	p->stats.last_error = st;
	if (p->dial)
		tp_peer_backoff(tp, p);
	if (was_up && tp->ops.on_peer_down && !tp->closing)
		tp->ops.on_peer_down(tp->ctx, p->id);
}

void tp_conn_free(struct tp_conn *c)
{
	struct tp *tp = c->tp;

	tp_conn_kill(c, IDN_ERR_CLOSED, "transport closed");
	if (c->prev)
		c->prev->next = c->next;
	else
		tp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* ---- sending ------------------------------------------------------------ */

int tp_conn_queue(struct tp_conn *c, uint8_t channel, const void *data,
		  size_t len)
{
	struct tp_frame *f = malloc(sizeof(*f) + TP_FRAME_HDR + len);

	if (!f)
		return -ENOMEM;
	f->next = NULL;
	f->len = TP_FRAME_HDR + len;
	f->data[0] = len >> 24;
	f->data[1] = len >> 16;
	f->data[2] = len >> 8;
	f->data[3] = len;
	f->data[4] = channel;
	if (len)
		memcpy(f->data + TP_FRAME_HDR, data, len);
	if (c->txq_tail)
		c->txq_tail->next = f;
	else
		c->txq = f;
	c->txq_tail = f;
	c->queued += f->len;
	return 0;
}

/*
 * Copy queued frames into one TLS record's worth of plaintext, so that
 * many small frames share a record and a max-size frame needs no second
 * copy of its own. Only called once the previous record is fully sent:
 * GnuTLS wants a retried send to pass the same bytes again.
 */
static void tp_conn_stage(struct tp_conn *c)
{
	c->olen = c->ooff = 0;
	while (c->txq && c->olen < sizeof(c->obuf)) {
		struct tp_frame *f = c->txq;
		size_t take = f->len - c->txq_off;

		if (take > sizeof(c->obuf) - c->olen)
			take = sizeof(c->obuf) - c->olen;
		memcpy(c->obuf + c->olen, f->data + c->txq_off, take);
		c->olen += take;
		c->txq_off += take;
		if (c->txq_off < f->len)
			break;
		c->txq = f->next;
		if (!c->txq)
			c->txq_tail = NULL;
		c->txq_off = 0;
		free(f);
	}
}

static uint32_t tp_conn_wanted(const struct tp_conn *c)
{
	return EPOLLIN | (c->tx_blocked ? EPOLLOUT : 0);
}

/*
 * Write until the queue is empty or the socket is full. Returns 0, or a
 * negative value with @st set when the connection broke; the caller
 * decides whether it may close it right away.
 */
static int tp_conn_write(struct tp_conn *c, struct idn_status *st)
{
	for (;;) {
		enum idn_err err;
		size_t done;

		if (c->ooff == c->olen)
			tp_conn_stage(c);
		if (c->olen == 0) {
			c->tx_blocked = false;
			return 0;
		}
		err = idn_conn_send(&c->idn, c->obuf + c->ooff,
				    c->olen - c->ooff, &done, st);
		if (err == IDN_ERR_AGAIN) {
			c->tx_blocked = true;
			return 0;
		}
		if (err != IDN_OK)
			return -EPIPE;
		c->ooff += done;
		c->queued -= done;
		c->last_tx = tp_now_ms();
	}
}

void tp_conn_flush(struct tp_conn *c)
{
	struct idn_status st;

	if (c->dead || c->state < TP_CONN_OPEN)
		return;
	if (tp_conn_write(c, &st)) {
		tp_conn_kill(c, st.err, st.detail);
		return;
	}
	if (c->peer)
		c->peer->stats.queued = c->queued;
	tp_conn_watch(c, tp_conn_wanted(c));
}

/*
 * tp_send() must not call back into the application (it may be running
 * inside on_message for another peer), so a write failure found there
 * closes the connection from the next tp_poll() instead.
 */
void tp_conn_flush_deferred(struct tp_conn *c)
{
	if (c->dead || c->tx_blocked)
		return;
	if (tp_conn_write(c, &c->tx_error)) {
		c->tx_failed = true;
		tp_kick(c->tp);
		return;
	}
	if (c->peer)
		c->peer->stats.queued = c->queued;
	tp_conn_watch(c, tp_conn_wanted(c));
}

/* ---- receiving ---------------------------------------------------------- */

static void tp_conn_protocol_error(struct tp_conn *c, const char *why)
{
	if (c->peer)
		c->peer->stats.protocol_errors++;
	tp_conn_kill(c, IDN_ERR_INVAL, why);
}

static void tp_conn_became_up(struct tp_conn *c)
{
	struct tp *tp = c->tp;
	struct tp_peer *p = c->peer;

	c->state = TP_CONN_UP;
	/*
	 * Only now do we know the peer accepted us too (a TLS 1.3 client
	 * finishes before the server judged it), so only now is the
	 * backoff earned back.
	 */
	p->backoff_ms = tp->cfg.backoff_min_ms;
	p->stats.backoff_ms = p->backoff_ms;
	p->stats.up = true;
	p->stats.ups++;
	if (tp->ops.on_peer_up)
		tp->ops.on_peer_up(tp->ctx, p->id);
}

static void tp_conn_deliver(struct tp_conn *c, uint8_t channel,
			    const uint8_t *data, size_t len)
{
	struct tp *tp = c->tp;
	struct tp_peer *p = c->peer;

	p->stats.frames_in++;
	p->stats.bytes_in += len;
	if (c->state == TP_CONN_OPEN) {
		tp_conn_became_up(c);
		if (c->dead)
			return;
	}
	if (channel == TP_CH_CONTROL || !tp->ops.on_message)
		return;
	tp->ops.on_message(tp->ctx, p->id, channel, data, len);
}

/* A complete header arrived: check it before a byte is allocated. */
static bool tp_conn_frame_begin(struct tp_conn *c)
{
	uint32_t len = (uint32_t)c->hdr[0] << 24 | (uint32_t)c->hdr[1] << 16 |
		       (uint32_t)c->hdr[2] << 8 | c->hdr[3];
	char why[96];

	if (len > c->tp->cfg.max_frame) {
		snprintf(why, sizeof(why),
			 "peer sent a frame of %u bytes, over the %u limit",
			 len, c->tp->cfg.max_frame);
		tp_conn_protocol_error(c, why);
		return false;
	}
	if (c->hdr[4] == TP_CH_CONTROL && len) {
		tp_conn_protocol_error(c, "peer sent a non-empty control frame");
		return false;
	}
	c->flen = len;
	c->fhave = 0;
	return true;
}

static void tp_conn_frame_end(struct tp_conn *c, const uint8_t *data)
{
	uint8_t channel = c->hdr[4];
	uint32_t len = c->flen;

	c->hdr_have = 0;
	c->flen = c->fhave = 0;
	tp_conn_deliver(c, channel, data, len);
}

/*
 * Cut frames out of what one read returned. A frame wholly inside the
 * read is delivered in place; only one split across reads is assembled
 * in its own buffer.
 */
static void tp_conn_parse(struct tp_conn *c, const uint8_t *buf, size_t n)
{
	while (n && !c->dead) {
		size_t take;

		if (c->hdr_have < TP_FRAME_HDR) {
			take = TP_FRAME_HDR - c->hdr_have;
			take = take < n ? take : n;
			memcpy(c->hdr + c->hdr_have, buf, take);
			c->hdr_have += take;
			buf += take;
			n -= take;
			if (c->hdr_have < TP_FRAME_HDR)
				return;
			if (!tp_conn_frame_begin(c))
				return;
			if (n >= c->flen) {
				take = c->flen;
				tp_conn_frame_end(c, buf);
				buf += take;
				n -= take;
				continue;
			}
			c->frame = malloc(c->flen);
			if (!c->frame) {
				tp_conn_kill(c, IDN_ERR_NOMEM,
					     "no memory for a frame");
				return;
			}
		}
		take = c->flen - c->fhave;
		take = take < n ? take : n;
		memcpy(c->frame + c->fhave, buf, take);
		c->fhave += take;
		buf += take;
		n -= take;
		if (c->fhave == c->flen) {
			uint8_t *frame = c->frame;

			c->frame = NULL;
			tp_conn_frame_end(c, frame);
			free(frame);
		}
	}
}

void tp_conn_read(struct tp_conn *c)
{
	uint8_t buf[TP_IO_CHUNK];
	size_t budget = TP_RX_BUDGET;
	struct idn_status st;

	c->rx_more = false;
	while (!c->dead && c->state >= TP_CONN_OPEN) {
		enum idn_err err;
		size_t done;

		if (budget < sizeof(buf)) {
			/* GnuTLS may hold decrypted data epoll cannot see. */
			c->rx_more = true;
			tp_kick(c->tp);
			return;
		}
		err = idn_conn_recv(&c->idn, buf, sizeof(buf), &done, &st);
		if (err == IDN_ERR_AGAIN)
			return;
		if (err != IDN_OK) {
			tp_conn_kill(c, err, st.detail);
			return;
		}
		budget -= done;
		c->last_rx = tp_now_ms();
		tp_conn_parse(c, buf, done);
	}
}

/* ---- establishing ------------------------------------------------------- */

static struct tp_peer *tp_conn_identify(struct tp_conn *c)
{
	struct tp *tp = c->tp;

	for (unsigned int i = 0; i < tp->npeers; i++) {
		struct tp_peer *p = tp->peers[i];

		if (!p->dial && !strcmp(p->spiffe_id, c->idn.peer.id))
			return p;
	}
	return NULL;
}

/*
 * An inbound connection authenticated as a known peer. That peer dials
 * only when it has no connection, so an older one we still hold is dead
 * on its side (it restarted, or a path broke): the new one replaces it.
 */
static bool tp_conn_attach_inbound(struct tp_conn *c)
{
	struct tp_peer *p = tp_conn_identify(c);

	if (!p) {
		/*
		 * The rules admit exactly our peers' IDs; stay strict
		 * should they ever disagree.
		 */
		tp_conn_kill(c, IDN_ERR_NOT_AUTHORIZED,
			     "authenticated peer is not in the peer table");
		return false;
	}
	c->pending = false;
	c->tp->npending--;
	/*
	 * The table's IDs served to authenticate; from now on the
	 * connection answers to this peer's ID alone, which outlives it
	 * (tp_peer_remove() closes it first). tp_recheck() authorizes
	 * with these rules again.
	 */
	idn_conn_set_rules(&c->idn, (const char *const *)&p->spiffe_id, 1);
	free(c->rules);
	c->rules = NULL;
	if (p->conn)
		tp_conn_kill(p->conn, IDN_ERR_CLOSED,
			     "replaced by a new connection from the peer");
	p->conn = c;
	c->peer = p;
	return true;
}

/*
 * When to replace a connection: renew_before_ms before the earlier of its
 * two certificates expires, by which time a rotation has brought new
 * ones, or halfway there if less time is left, so that an identity near
 * its end is not redialled in a tight loop.
 */
static uint64_t tp_conn_renew_at(const struct tp_conn *c, uint64_t now)
{
	uint64_t before = c->tp->cfg.renew_before_ms, left = 0, wait;
	time_t expiry = idn_conn_expiry(&c->idn), wall = time(NULL);

	if (expiry > wall)
		left = (uint64_t)(expiry - wall) * 1000;
	wait = left > 2 * before ? left - before : left / 2;
	return now + (wait < TP_RENEW_MIN_MS ? TP_RENEW_MIN_MS : wait);
}

static void tp_conn_established(struct tp_conn *c)
{
	uint64_t now = tp_now_ms();

	if (c->inbound && !tp_conn_attach_inbound(c))
		return;
	c->state = TP_CONN_OPEN;
	c->deadline = now + c->tp->cfg.handshake_timeout_ms;
	c->renew_at = tp_conn_renew_at(c, now);
	/* The hello: it tells the peer we accepted it. */
	if (tp_conn_queue(c, TP_CH_CONTROL, NULL, 0)) {
		tp_conn_kill(c, IDN_ERR_NOMEM, "no memory for the hello");
		return;
	}
	tp_conn_flush(c);
	/* Application data may have come with the last handshake flight. */
	tp_conn_read(c);
}

static void tp_conn_handshake(struct tp_conn *c)
{
	struct idn_status st;
	enum idn_err err = idn_conn_handshake(&c->idn, &st);

	if (err == IDN_ERR_AGAIN) {
		tp_conn_watch(c, idn_conn_events(&c->idn));
		return;
	}
	if (err != IDN_OK) {
		tp_conn_kill(c, err, st.detail);
		return;
	}
	tp_conn_established(c);
}

/*
 * GnuTLS writes with plain writev(), so a peer that vanished mid-write
 * would raise SIGPIPE and kill the whole daemon. Send with MSG_NOSIGNAL
 * instead; the broken pipe comes back as EPIPE and closes only this
 * connection.
 */
static ssize_t tp_conn_push(gnutls_transport_ptr_t ptr, const giovec_t *iov,
			    int iovcnt)
{
	struct msghdr msg = {
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = iovcnt,
	};

	return sendmsg((int)(intptr_t)ptr, &msg, MSG_NOSIGNAL);
}

static void tp_conn_start_tls(struct tp_conn *c)
{
	enum idn_role role = c->inbound ? IDN_ROLE_SERVER : IDN_ROLE_CLIENT;
	struct idn_status st;

	if (idn_conn_init(&c->idn, c->tp->tls, role, c->fd, NULL, &st)) {
		tp_conn_kill(c, st.err, st.detail);
		return;
	}
	c->idn_ready = true;
	gnutls_transport_set_vec_push_function(c->idn.session, tp_conn_push);
	if (c->inbound)
		idn_conn_set_rules(&c->idn, (const char *const *)c->rules,
				   c->nrules);
	else
		idn_conn_set_rules(&c->idn,
				   (const char *const *)&c->peer->spiffe_id, 1);
	c->state = TP_CONN_HANDSHAKE;
	tp_conn_handshake(c);
}

static void tp_conn_connected(struct tp_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err) {
		char why[96];

		snprintf(why, sizeof(why), "connect to %s: %s",
			 c->peer->addr_str, strerror(err));
		tp_conn_kill(c, IDN_ERR_IO, why);
		return;
	}
	tp_conn_start_tls(c);
}

int tp_conn_dial(struct tp *tp, struct tp_peer *p)
{
	int fd = socket(p->addr.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct tp_conn *c;
	int err;

	if (fd < 0)
		return -errno;
	tp_conn_set_nodelay(fd);
	if (connect(fd, (struct sockaddr *)&p->addr, p->addr_len) &&
	    errno != EINPROGRESS) {
		err = -errno;
		goto err_close;
	}
	c = tp_conn_new(tp, fd, false, EPOLLOUT);
	if (!c) {
		err = -ENOMEM;
		goto err_close;
	}
	c->peer = p;
	c->state = TP_CONN_CONNECTING;
	p->conn = c;
	return 0;

err_close:
	close(fd);
	return err;
}

/* The SPIFFE IDs that may dial us: peers with a lower id. */
static int tp_conn_inbound_rules(struct tp_conn *c)
{
	struct tp *tp = c->tp;

	c->rules = calloc(tp->npeers + 1, sizeof(*c->rules));
	if (!c->rules)
		return -ENOMEM;
	for (unsigned int i = 0; i < tp->npeers; i++)
		if (!tp->peers[i]->dial)
			c->rules[c->nrules++] = tp->peers[i]->spiffe_id;
	return 0;
}

static void tp_conn_accept_one(struct tp *tp, int fd)
{
	struct tp_conn *c;

	tp->stats.accepted++;
	if (tp->npending >= TP_PENDING_MAX) {
		/* Unauthenticated strangers must not pin our memory. */
		tp->stats.dropped++;
		close(fd);
		return;
	}
	tp_conn_set_nodelay(fd);
	c = tp_conn_new(tp, fd, true, EPOLLIN);
	if (!c) {
		close(fd);
		return;
	}
	c->pending = true;
	tp->npending++;
	if (tp_conn_inbound_rules(c)) {
		tp_conn_kill(c, IDN_ERR_NOMEM, "no memory for a connection");
		return;
	}
	tp_conn_start_tls(c);
}

void tp_conn_accept(struct tp *tp)
{
	for (;;) {
		int fd = accept4(tp->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		tp_conn_accept_one(tp, fd);
	}
}

/* ---- events and timers -------------------------------------------------- */

void tp_conn_event(struct tp_conn *c, uint32_t events)
{
	switch (c->state) {
	case TP_CONN_CONNECTING:
		tp_conn_connected(c);
		return;
	case TP_CONN_HANDSHAKE:
		tp_conn_handshake(c);
		return;
	case TP_CONN_OPEN:
	case TP_CONN_UP:
		tp_conn_read(c);
		if (events & EPOLLOUT)
			tp_conn_flush(c);
		return;
	}
}

/* Work left from a wake-up: reads cut short, writes that failed. */
void tp_conn_resume(struct tp_conn *c)
{
	if (c->dead)
		return;
	if (c->tx_failed) {
		c->tx_failed = false;
		tp_conn_kill(c, c->tx_error.err, c->tx_error.detail);
		return;
	}
	if (c->rx_more)
		tp_conn_read(c);
}

void tp_conn_timers(struct tp_conn *c, uint64_t now)
{
	const struct tp_cfg *cfg = &c->tp->cfg;
	char why[64];

	if (c->dead)
		return;
	if (c->state != TP_CONN_UP && now >= c->deadline) {
		snprintf(why, sizeof(why), "%s timed out after %u ms",
			 c->state == TP_CONN_CONNECTING ? "connect" :
			 "handshake", cfg->handshake_timeout_ms);
		tp_conn_kill(c, IDN_ERR_TLS, why);
		return;
	}
	if (c->state < TP_CONN_OPEN)
		return;
	if (now >= c->renew_at) {
		tp_conn_kill(c, IDN_ERR_CLOSED,
			     "replaced before its certificate expires");
		return;
	}
	if (now - c->last_rx >= cfg->idle_timeout_ms) {
		snprintf(why, sizeof(why), "nothing heard for %u ms",
			 cfg->idle_timeout_ms);
		tp_conn_kill(c, IDN_ERR_CLOSED, why);
		return;
	}
	if (now - c->last_tx < cfg->keepalive_ms)
		return;
	/* With frames still queued the peer has data coming already. */
	if (c->queued == 0 && tp_conn_queue(c, TP_CH_CONTROL, NULL, 0) == 0)
		tp_conn_flush(c);
	c->last_tx = now;
}

uint64_t tp_conn_next_timer(const struct tp_conn *c)
{
	const struct tp_cfg *cfg = &c->tp->cfg;
	uint64_t t;

	if (c->dead)
		return UINT64_MAX;
	t = c->state == TP_CONN_UP ? UINT64_MAX : c->deadline;
	if (c->state < TP_CONN_OPEN)
		return t;
	if (c->renew_at < t)
		t = c->renew_at;
	if (c->last_rx + cfg->idle_timeout_ms < t)
		t = c->last_rx + cfg->idle_timeout_ms;
	if (c->last_tx + cfg->keepalive_ms < t)
		t = c->last_tx + cfg->keepalive_ms;
	return t;
}
