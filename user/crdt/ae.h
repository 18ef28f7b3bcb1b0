/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_AE_H
#define _X0TTA_AE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crdt/cc.h"
#include "crdt/journal.h"
#include "crdt/store.h"
#include "lib/prng.h"

/*
 * Anti-entropy: how replicas of a crdt_store converge. Pure logic: the
 * caller feeds it received messages, ticks and (re)connections, and it
 * hands messages to a send callback; the simulator and the daemon drive
 * the same code.
 *
 * Every local mutation's delta is numbered (origin node, seq). A replica's
 * version vector says, per origin, up to which seq it has applied every
 * delta; it keeps the most recent deltas it applied (its own and relayed
 * ones) in a bounded log. Peers exchange version vectors ("digests") and
 * answer with exactly the logged deltas the other lacks; when the other is
 * further behind than the log reaches back, with the full state instead.
 *
 * Each tick pushes to cfg.fanout random peers: the deltas they are known
 * to lack, or a digest. A (re)connection pulls with a digest. A replica
 * that learns a peer has more than it does pulls with a digest, at most
 * once per peer per tick, which bounds the message rate.
 *
 * Messages, little-endian; all carry the sender's version vector:
 *   u8 kind, u32 n, n * (u64 origin, u64 seq)   origins strictly ascending
 *   DIGEST: nothing more
 *   DELTAS: u32 n, n * (u64 origin, u64 seq, u32 len, len bytes of
 *           store delta), each origin's seqs ascending
 *   FULL:   u32 len, len bytes of store state
 */
enum crdt_ae_kind {
	CRDT_AE_DIGEST = 1,
	CRDT_AE_DELTAS = 2,
	CRDT_AE_FULL = 3,
};

struct crdt_ae_cfg {
	uint32_t fanout;	/* peers pushed to per tick */
	uint32_t log_max;	/* deltas retained for peers */
	size_t max_msg;		/* bound on DIGEST and DELTAS messages */
	size_t max_full;	/* bound on FULL messages */
};

/* Where outgoing messages go; the callee copies @msg if it keeps it. */
typedef void (*crdt_ae_send_fn)(void *ctx, uint64_t peer, const uint8_t *msg,
				size_t len);

struct crdt_ae_stats {
	uint64_t msgs_sent;
	uint64_t bytes_sent;
	uint64_t deltas_sent;
	uint64_t fulls_sent;
	uint64_t deltas_applied;
	uint64_t refused;	/* messages rejected as malformed or hostile */
};

struct crdt_ae_log_entry {
	uint64_t origin;
	uint64_t seq;
	uint8_t *data;
	uint32_t len;
};

struct crdt_ae_peer {
	uint64_t id;
	struct crdt_dot *known;	/* lower bound of the peer's vector */
	uint32_t nknown;
	uint64_t pulled_round;	/* last tick we pulled from it, +1 */
};

struct crdt_ae {
	struct crdt_store *store;
	struct crdt_ae_cfg cfg;
	crdt_ae_send_fn send;
	void *ctx;
	struct prng rng;
	uint64_t round;
	struct crdt_dot *vv;	/* origin -> highest contiguous seq applied */
	uint32_t nvv;
	/* origin -> highest seq no longer in the log (log holds (floor, vv]) */
	struct crdt_dot *floor;
	uint32_t nfloor;
	struct crdt_ae_log_entry *log;	/* ring of cfg.log_max, FIFO */
	uint32_t log_head, log_len;
	struct crdt_ae_peer *peers;
	uint32_t npeers;
	struct crdt_ae_stats stats;
	struct crdt_journal *journal;	/* optional, see journal.h */
};

/*
 * A FULL message travels as one transport frame, so its default bound is
 * the transport's default frame size (TP_MAX_FRAME_DEFAULT, 8 MiB of
 * payload; the frame header is not counted against it). Raise both
 * together.
 */
#define CRDT_AE_MAX_FULL_DEFAULT	(8u << 20)

/* Defaults: fanout 3, 4096 deltas, 64 KiB messages, 8 MiB full states. */
void crdt_ae_cfg_default(struct crdt_ae_cfg *cfg);
int crdt_ae_init(struct crdt_ae *ae, struct crdt_store *store,
		 const struct crdt_ae_cfg *cfg, uint64_t seed,
		 crdt_ae_send_fn send, void *ctx);
void crdt_ae_free(struct crdt_ae *ae);
int crdt_ae_add_peer(struct crdt_ae *ae, uint64_t id);

/* Number and retain a delta the local store just emitted. */
int crdt_ae_local(struct crdt_ae *ae, const uint8_t *delta, size_t len);
/* One gossip round. */
void crdt_ae_tick(struct crdt_ae *ae, uint64_t now_ms);
/* A connection to @peer came (back) up: forget what we knew, pull. */
int crdt_ae_connected(struct crdt_ae *ae, uint64_t peer);
/*
 * A message from authenticated peer @peer. Refused whole, with store and
 * vector unchanged, when malformed (-EBADMSG), of unknown kind
 * (-EPROTONOSUPPORT), larger than the configured bounds (-EMSGSIZE), from
 * an unknown peer (-ENOENT), claiming deltas of this node it never made
 * (-ESTALE), or carrying a delta the store refuses (see crdt_store_join),
 * alone or after the deltas before it in the message (see
 * crdt_store_check_batch).
 */
int crdt_ae_receive(struct crdt_ae *ae, uint64_t peer, const uint8_t *msg,
		    size_t len, uint64_t now_ms);

/*
 * Journal every delta applied from now on (local ones before
 * crdt_ae_local returns: with CRDT_FSYNC_ALWAYS, a local update whose
 * crdt_ae_local succeeded survives a crash), and snapshot after a full
 * state is merged.
 */
void crdt_ae_attach_journal(struct crdt_ae *ae, struct crdt_journal *j);
/* Recovery (journal.c): vector entry from a snapshot; journal records. */
int crdt_ae_restore(struct crdt_ae *ae, uint64_t origin, uint64_t seq);
int crdt_ae_replay(struct crdt_ae *ae, uint64_t origin, uint64_t seq,
		   const uint8_t *delta, size_t len);

/* Highest contiguous seq applied from @origin. */
uint64_t crdt_ae_seq(const struct crdt_ae *ae, uint64_t origin);

#endif /* _X0TTA_AE_H */
