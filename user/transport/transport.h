/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TRANSPORT_H
#define _X0TTA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity/identity.h"

/*
 * Framed messages between controller peers over mutual TLS 1.3.
 *
 * Every controller runs one struct tp per use (raft, CRDT gossip, or
 * both on one transport with different channels). Peers are known in
 * advance: node id, address and the exact SPIFFE ID each must present.
 * Between two nodes there is one connection and the lower node id dials
 * it, so neither side ever has to pick between two. A lost connection is
 * redialled with exponential backoff and jitter.
 *
 * On the wire, inside TLS, each frame is
 *
 *	be32 length | u8 channel | payload (length bytes)
 *
 * Channel 0 belongs to the transport (an empty frame: hello/keepalive);
 * the others are delivered to on_message. A peer that sends a frame over
 * the configured maximum, or breaks the framing, loses its connection.
 *
 * Everything is non-blocking and single-threaded: the transport owns an
 * epoll fd (tp_fd()) that becomes readable whenever it has work, and the
 * caller then runs tp_poll(tp, 0). Callbacks run from tp_poll() only.
 */

#define TP_FRAME_HDR		5
#define TP_MAX_FRAME_DEFAULT	(8u << 20)	/* raft's RAFT_MSG_MAX_SIZE */

enum tp_channel {
	TP_CH_CONTROL = 0,	/* transport's own, never delivered */
	TP_CH_RAFT = 1,
	TP_CH_CRDT = 2,
	TP_CH_FORWARD = 3,	/* x0ttad: client requests relayed to the leader */
};

struct tp_ops {
	/*
	 * A whole frame from an authenticated peer. @data is only valid
	 * during the call. The callback may call tp_send() and
	 * tp_peer_remove(), never tp_free().
	 */
	void (*on_message)(void *ctx, uint64_t peer, uint8_t channel,
			   const uint8_t *data, size_t len);
	/*
	 * The peer is reachable: both sides authenticated each other and
	 * its first frame arrived. The place to pull state (CRDT) or to
	 * resend (raft does by itself).
	 */
	void (*on_peer_up)(void *ctx, uint64_t peer);
	/*
	 * The connection of a peer that was up is gone; frames queued to
	 * it are dropped.
	 */
	void (*on_peer_down)(void *ctx, uint64_t peer);
};

struct idn_tls;
struct idn_conn;

struct tp_cfg {
	uint64_t node_id;
	/* "IPv4:port" or "[IPv6]:port", numeric; port 0 picks one. */
	const char *listen;
	/* The node's credentials; the transport takes a reference. */
	struct idn_tls *tls;
	uint32_t max_frame;		/* payload bytes, both directions */
	/*
	 * Bytes queued to one peer beyond which tp_send() says -ENOBUFS.
	 * A frame is always accepted into an empty queue, so a frame of
	 * max_frame can be sent whatever this is.
	 */
	size_t sendq_max;
	unsigned int backoff_min_ms;	/* first redial delay */
	unsigned int backoff_max_ms;	/* the delay doubles up to this */
	unsigned int keepalive_ms;	/* send something at least this often */
	unsigned int idle_timeout_ms;	/* close if nothing heard for this */
	unsigned int handshake_timeout_ms;
	/*
	 * A connection stands on two certificates (ours and the peer's)
	 * and is closed, to be dialled anew with whatever credentials are
	 * current by then, this long before the earlier of them expires,
	 * or halfway to that expiry if less time is left.
	 */
	unsigned int renew_before_ms;
	uint64_t seed;			/* jitter; 0: from getrandom() */
};

struct tp_peer_stats {
	bool up;
	uint64_t dials;		/* connection attempts made by us */
	uint64_t ups;		/* times the peer came up */
	uint64_t frames_in, frames_out;
	uint64_t bytes_in, bytes_out;	/* payload bytes */
	uint64_t protocol_errors;	/* connections closed for bad framing */
	size_t queued;			/* bytes waiting to be sent */
	unsigned int backoff_ms;	/* current redial delay bound */
	/* Why the last connection failed or was refused, if it did. */
	struct idn_status last_error;
};

struct tp_stats {
	uint64_t accepted;	/* inbound TCP connections */
	uint64_t refused;	/* inbound ones that failed authentication */
	uint64_t dropped;	/* inbound ones over the pending limit */
	struct idn_status last_refusal;
};

struct tp;

/*
 * 8 MiB frames, 4 MiB queues, redial 100 ms..10 s, keepalive 1 s,
 * idle 5 s, handshake 5 s, renewal 60 s before a certificate expires.
 */
void tp_cfg_default(struct tp_cfg *cfg);

/*
 * Bind and listen on cfg->listen. Returns 0 and *out, -EINVAL for a bad
 * configuration (address, limits), or -errno from the socket calls.
 */
int tp_new(struct tp **out, const struct tp_cfg *cfg,
	   const struct tp_ops *ops, void *ctx);
void tp_free(struct tp *tp);

/*
 * Add a peer: @addr as for cfg->listen (port required), @spiffe_id the
 * exact SPIFFE ID it must present. -EINVAL for a bad address or ID, or
 * for our own id; -EEXIST if the id or SPIFFE ID is already a peer.
 */
int tp_peer_add(struct tp *tp, uint64_t id, const char *addr,
		const char *spiffe_id);
/* Close its connection (no on_peer_down) and forget it. -ENOENT. */
int tp_peer_remove(struct tp *tp, uint64_t id);

/*
 * Use new credentials (after a rotation) for every later handshake;
 * established connections keep theirs.
 */
void tp_set_tls(struct tp *tp, struct idn_tls *tls);

/*
 * Queue one frame to @peer; it never blocks. 0 when queued, -EMSGSIZE
 * over max_frame, -EINVAL for channel 0, -ENOENT for an unknown peer,
 * -ENOTCONN if the peer is not up (the caller retries later, as raft
 * does), -ENOBUFS if its queue is full (a slow or stuck peer).
 */
int tp_send(struct tp *tp, uint64_t peer, uint8_t channel, const void *data,
	    size_t len);

/*
 * Judge every authenticated connection again, e.g. after the trust bundle
 * changed or a serial was revoked (idn_source_recheck() fits): @check
 * returns IDN_OK to keep a connection, anything else closes it, with the
 * refusal recorded as the peer's last_error; on_peer_down runs as for
 * any loss, and a peer we dial is redialled with the current policy.
 * Returns the number of connections closed. Not from a tp callback.
 */
typedef enum idn_err (*tp_check_fn)(void *ctx, const struct idn_conn *c,
				    struct idn_status *st);
unsigned int tp_recheck(struct tp *tp, tp_check_fn check, void *ctx);

/* The epoll fd to watch for EPOLLIN; then call tp_poll(tp, 0). */
int tp_fd(const struct tp *tp);
/*
 * Wait up to @timeout_ms (-1: forever) for events, handle them and the
 * timers that are due. Returns the number of events or -errno.
 */
int tp_poll(struct tp *tp, int timeout_ms);

/* The port we listen on (useful after asking for port 0). */
unsigned short tp_port(const struct tp *tp);
bool tp_peer_up(const struct tp *tp, uint64_t peer);
int tp_peer_stats(const struct tp *tp, uint64_t peer,
		  struct tp_peer_stats *out);
void tp_stats(const struct tp *tp, struct tp_stats *out);

#endif /* _X0TTA_TRANSPORT_H */
