/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TP_INT_H
#define _X0TTA_TP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "identity/tls.h"
#include "lib/prng.h"
#include "transport/transport.h"

/* One TLS record's worth of plaintext: GnuTLS sends at most this. */
#define TP_IO_CHUNK		16384
/* Unauthenticated inbound connections held at once. */
#define TP_PENDING_MAX		32
/* Bytes read from one connection per wake-up, for fairness. */
#define TP_RX_BUDGET		(256u << 10)
/* Shortest life of a connection replaced before a certificate expires. */
#define TP_RENEW_MIN_MS		1000

struct tp_frame {
	struct tp_frame *next;
	size_t len;		/* header included */
	uint8_t data[];
};

enum tp_conn_state {
	TP_CONN_CONNECTING,	/* outbound TCP connect in progress */
	TP_CONN_HANDSHAKE,
	TP_CONN_OPEN,		/* TLS up, waiting for the peer's hello */
	TP_CONN_UP,
};

struct tp_peer;

struct tp_conn {
	struct tp *tp;
	struct tp_conn *prev, *next;	/* tp->conns */
	struct tp_peer *peer;		/* NULL for an unidentified inbound */
	int fd;
	enum tp_conn_state state;
	bool inbound;
	bool dead;			/* closed; freed by tp_reap() */
	bool idn_ready;			/* idn is initialised */
	bool pending;			/* inbound, not yet identified */
	bool rx_more;			/* budget ran out with data left */
	bool tx_failed;			/* a write from tp_send() broke */
	struct idn_status tx_error;
	uint32_t events;		/* registered with epoll */
	struct idn_conn idn;
	const char **rules;		/* inbound: SPIFFE IDs allowed to dial */
	unsigned int nrules;
	uint64_t deadline;		/* handshake must end by then (ms) */
	uint64_t last_rx, last_tx;	/* ms */
	uint64_t renew_at;		/* ms; replaced then, see renew_before_ms */

	/* Send side: frames not yet staged, and one staged TLS record. */
	struct tp_frame *txq, *txq_tail;
	size_t txq_off;			/* bytes of txq head already staged */
	size_t queued;			/* accepted, not yet written */
	uint8_t obuf[TP_IO_CHUNK];
	size_t olen, ooff;
	bool tx_blocked;		/* last write said EAGAIN */

	/* Receive side: a header, then a payload being assembled. */
	uint8_t hdr[TP_FRAME_HDR];
	size_t hdr_have;
	uint8_t *frame;			/* only for frames split across reads */
	uint32_t flen, fhave;
};

struct tp_peer {
	uint64_t id;
	char *addr_str;
	char *spiffe_id;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct tp_conn *conn;		/* current connection, if any */
	bool dial;			/* we have the lower id */
	uint64_t retry_at;		/* ms; next dial when no conn */
	unsigned int backoff_ms;
	struct tp_peer_stats stats;
};

struct tp {
	struct tp_cfg cfg;
	struct tp_ops ops;
	void *ctx;
	struct idn_tls *tls;
	int ep, lfd, tfd, kfd;		/* epoll, listen, timerfd, eventfd */
	unsigned short port;
	struct tp_peer **peers;
	unsigned int npeers;
	struct tp_conn *conns;
	unsigned int npending;		/* inbound, not yet identified */
	struct prng rng;
	struct tp_stats stats;
	bool in_poll;
	bool closing;			/* tp_free(): no more callbacks */
};

uint64_t tp_now_ms(void);
int tp_parse_addr(const char *s, bool port_required,
		  struct sockaddr_storage *ss, socklen_t *len);
struct tp_peer *tp_peer_find(const struct tp *tp, uint64_t id);
/* Schedule a redial of a peer we dial, and grow its backoff. */
void tp_peer_backoff(struct tp *tp, struct tp_peer *p);
/* Ask for a tp_poll() pass over tp_conn_resume() of every connection. */
void tp_kick(struct tp *tp);

/* conn.c */
int tp_conn_dial(struct tp *tp, struct tp_peer *p);
void tp_conn_accept(struct tp *tp);
void tp_conn_event(struct tp_conn *c, uint32_t events);
void tp_conn_timers(struct tp_conn *c, uint64_t now);
uint64_t tp_conn_next_timer(const struct tp_conn *c);
void tp_conn_kill(struct tp_conn *c, enum idn_err err, const char *why);
void tp_conn_free(struct tp_conn *c);
int tp_conn_queue(struct tp_conn *c, uint8_t channel, const void *data,
		  size_t len);
void tp_conn_flush(struct tp_conn *c);
void tp_conn_flush_deferred(struct tp_conn *c);
void tp_conn_read(struct tp_conn *c);
void tp_conn_resume(struct tp_conn *c);

#endif /* _X0TTA_TP_INT_H */
