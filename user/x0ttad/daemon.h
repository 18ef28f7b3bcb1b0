/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_XD_DAEMON_H
#define _X0TTA_XD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crdt/ae.h"
#include "crdt/journal.h"
#include "crdt/store.h"
#include "identity/source.h"
#include "raft/raft.h"
#include "raft/storage.h"
#include "transport/transport.h"
#include "x0ttad/config.h"
#include "x0ttad/ctlmsg.h"
#include "x0ttad/kv.h"
#include "x0ttad/members.h"

/*
 * x0ttad's state, shared by its units: loop.c (the event loop, timers,
 * signals, identity), ctlsock.c (control socket, replies, forwarding),
 * raftsvc.c (the raft key-value service), membersvc.c (membership),
 * revoke.c (revocations through raft) and crdtsvc.c (the CRDT store).
 */

/*
 * Transport channel on which a follower hands a client's raft request to
 * the leader and gets the reply back.
 */
#define XD_CH_FORWARD		TP_CH_FORWARD

#define XD_CLIENTS_MAX		128
/* Requests waiting for the log (puts, deletes) or a read index. */
#define XD_WAITS_MAX		256
/* Requests a follower forwarded and waits for the leader to answer. */
#define XD_FWDS_MAX		256
/* A waiting request is answered "timed out" after this. */
#define XD_WAIT_MS		5000
#define XD_FWD_MS		6000

/* Who asked: a local client, or a follower on behalf of its client. */
struct xd_origin {
	bool remote;
	uint32_t slot, gen;	/* local: client slot and its generation */
	uint64_t peer, fwd_id;	/* remote */
};

struct xd_wait {
	bool used;
	bool read;		/* a get waiting for its read index */
	bool read_ready;	/* the read index arrived: serve at index */
	uint16_t cmd;
	struct xd_origin from;
	uint64_t index, term;	/* put/del: entry; get: read index */
	uint64_t read_id;
	uint8_t key[XD_KEY_MAX];
	size_t klen;
	uint64_t deadline;
};

struct xd_fwd {
	bool used;
	uint64_t id, peer;
	uint16_t cmd;
	uint32_t slot, gen;
	uint64_t deadline;
	char serial[IDN_SERIAL_HEX_MAX];	/* identity revoke: normalised */
};

struct xd_client {
	int fd;			/* -1: free slot */
	uint32_t gen;
};

struct xd {
	struct xd_config cfg;
	int epfd, tfd, sfd, lfd;
	bool stop;
	uint64_t now;		/* CLOCK_MONOTONIC, ms, once per event */

	/* identity and transport */
	struct idn_source src;
	bool src_open;
	const char *rules[XD_PEERS_MAX];
	struct tp *tp;
	uint64_t next_idcheck;
	bool recheck;			/* revocations applied, not enforced */

	/* raft */
	struct raft *raft;
	struct raft_storage *rs;
	struct xd_kv kv;
	uint64_t applied, snap_index;
	uint64_t raft_dropped;		/* bad frames from peers */
	enum raft_role role;
	struct xd_wait waits[XD_WAITS_MAX];
	struct xd_fwd fwds[XD_FWDS_MAX];
	uint64_t next_fwd_id;

	/* membership */
	struct xd_book book;		/* replicated: as of the applied index */
	struct xd_book addrs;		/* the peers we know: file, book, log */
	bool removed;			/* our own removal is committed */
	uint64_t removed_at;		/* by the entry at this index */

	/* crdt */
	struct crdt_store store;
	struct crdt_ae ae;
	struct crdt_journal journal;
	bool crdt_open;
	uint64_t crdt_dropped;
	uint64_t next_gossip;

	/* control */
	struct xd_client clients[XD_CLIENTS_MAX];
	uint8_t *rx;			/* XD_MSG_MAX + 1 */
	uint8_t *tx;			/* XD_REPLY_MAX */
};

void xd_log(const struct xd *xd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t xd_wall_ms(void);

/* ---- loop.c ---- */
int xd_init(struct xd *xd, const struct xd_config *cfg);
void xd_uninit(struct xd *xd);
int xd_run(struct xd *xd);
/* Watch a control client's socket. */
int xd_epoll_client(struct xd *xd, int fd, uint32_t slot);
/*
 * Judge every connection again by the identity source as it is now (its
 * bundles, every revocation) and close those it refuses; how many.
 */
unsigned int xd_identity_recheck(struct xd *xd);

/* ---- ctlsock.c ---- */
int xd_ctl_init(struct xd *xd);
void xd_ctl_uninit(struct xd *xd);
void xd_ctl_accept(struct xd *xd);
void xd_ctl_client_event(struct xd *xd, uint32_t slot);
/* Send a reply built in @m to whoever asked. */
void xd_reply(struct xd *xd, const struct xd_origin *to, struct xd_msg *m);
__attribute__((format(printf, 6, 7)))
void xd_reply_error(struct xd *xd, const struct xd_origin *to, uint16_t cmd,
		    int err, uint64_t leader, const char *fmt, ...);
/* A frame on XD_CH_FORWARD from @peer. */
void xd_fwd_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		    size_t len);
/* Hand a local client's request to the leader; *@out is its record. */
int xd_fwd_send(struct xd *xd, const struct xd_origin *from, uint64_t leader,
		uint16_t cmd, const uint8_t *req, size_t len,
		struct xd_fwd **out);
void xd_fwd_expire(struct xd *xd);

/* ---- raftsvc.c ---- */
int xd_raft_init(struct xd *xd);
void xd_raft_uninit(struct xd *xd);
void xd_raft_tick(struct xd *xd);
void xd_raft_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		     size_t len);
/* Run the readies the last input produced. */
void xd_raft_process(struct xd *xd);
/*
 * A validated raft request (raw bytes kept for forwarding). Local
 * requests on a follower are forwarded; remote ones are never forwarded
 * again.
 */
void xd_raft_request(struct xd *xd, const struct xd_origin *from,
		     const struct xd_msg_hdr *hdr, const struct nlattr **tb,
		     const uint8_t *raw, size_t rawlen);
void xd_raft_expire(struct xd *xd);
/*
 * Propose a put or delete on the leader; @w is free and waits for the
 * entry. A refused proposal is answered here.
 */
void xd_raft_propose_kv(struct xd *xd, const struct xd_origin *from,
			uint16_t cmd, enum xd_kv_op op, const void *key,
			size_t klen, const void *val, size_t vlen,
			struct xd_wait *w);

/* ---- revoke.c ---- */
/* Keys under this prefix are x0ttad's; clients can neither put nor del. */
#define XD_KEY_RESERVED		"x0tta/"
bool xd_key_reserved(const void *key, size_t klen);
/*
 * The serial of an identity revoke request, normalised; false when it is
 * malformed, after answering @from with the reason.
 */
bool xd_revoke_serial(struct xd *xd, const struct xd_origin *from,
		      const struct nlattr **tb,
		      char serial[IDN_SERIAL_HEX_MAX]);
/* identity revoke, on the leader; @w is free for the answer. */
void xd_revoke_propose(struct xd *xd, const struct xd_origin *from,
		       const char *serial, const struct nlattr **tb,
		       struct xd_wait *w);
/* identity revoked: the serials this node applied. */
void xd_revoke_list(struct xd *xd, const struct xd_origin *from);
/* A command applied to the map: revoke if it is a revocation. */
void xd_revoke_applied(struct xd *xd, const struct xd_kv_cmd *c);
/* The map was replaced by a snapshot: revoke every serial it holds. */
void xd_revoke_loaded(struct xd *xd);
/* Close the connections of certificates revoked since the last call. */
void xd_revoke_enforce(struct xd *xd);

/* ---- membersvc.c ---- */
/*
 * Build the address book from the config file's peers, the snapshot's
 * book (already in xd->book) and every configuration entry of the
 * recovered log, committed or not; make each known peer a transport
 * peer.
 */
int xd_members_init(struct xd *xd, const struct raft_entry *log, size_t n,
		    uint64_t commit);
/* Entries about to be persisted: connect to members they add. */
void xd_members_appended(struct xd *xd, const struct raft_entry *e,
			 size_t n);
/* The leader's snapshot was loaded: connect to the members of its book. */
void xd_members_loaded(struct xd *xd);
/* A committed configuration entry. */
void xd_members_apply(struct xd *xd, const struct raft_entry *e);
/* raft add / raft remove, on the leader; @w is free for the answer. */
void xd_members_change(struct xd *xd, const struct xd_origin *from,
		       uint16_t cmd, const struct nlattr **tb,
		       struct xd_wait *w);
void xd_members_list(struct xd *xd, const struct xd_origin *from);

/* ---- crdtsvc.c ---- */
int xd_crdt_init(struct xd *xd);
void xd_crdt_uninit(struct xd *xd);
void xd_crdt_tick(struct xd *xd);
void xd_crdt_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		     size_t len);
void xd_crdt_peer_up(struct xd *xd, uint64_t peer);
void xd_crdt_request(struct xd *xd, const struct xd_origin *from,
		     const struct xd_msg_hdr *hdr, const struct nlattr **tb);

#endif /* _X0TTA_XD_DAEMON_H */
