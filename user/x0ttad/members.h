/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_XD_MEMBERS_H
#define _X0TTA_XD_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"
#include "x0ttad/config.h"
#include "x0ttad/kv.h"

/*
 * Where the members of the raft group are: their transport address and
 * the SPIFFE ID each must present. Two encodings, little-endian, both
 * decoded as strictly as they are encoded (a decoder refuses whatever
 * the encoder would not produce):
 *
 * The context of a membership change (struct raft_conf_change.ctx),
 * version 1:
 *   u8 version, u8 addr_len, u16 id_len, addr_len bytes of address,
 *   id_len bytes of SPIFFE ID; nothing else, at most RAFT_CONF_CTX_MAX.
 * The address is IPV4:PORT or [IPV6]:PORT with a port from 1 (as a
 * `peer` line of the configuration file), the SPIFFE ID canonical, with
 * a path, in our trust domain; no NUL byte in either.
 *
 * The state machine's snapshot, version 2:
 *   u32 version (2), u32 kv_len, kv_len bytes of key-value snapshot
 *   (kv.h), u32 count, then per member in increasing id order:
 *   u64 id, u16 ctx_len, ctx_len bytes of context.
 * Version 1 is the key-value snapshot alone (its own version is 1): a
 * snapshot taken before membership changes, with an empty book.
 */

#define XD_MEMBER_CTX_VERSION	1
#define XD_MEMBER_CTX_HDR	4
/* Address and SPIFFE ID together, so that a context fits raft's bound. */
#define XD_MEMBER_TEXT_MAX	(RAFT_CONF_CTX_MAX - XD_MEMBER_CTX_HDR)
#define XD_STATE_VERSION	2
/* Founders, members added since, and a few removed but still known. */
#define XD_BOOK_MAX		(2 * RAFT_MAX_NODES)

struct xd_member {
	uint64_t id;
	char addr[XD_ADDR_MAX];
	char spiffe_id[XD_MEMBER_TEXT_MAX + 1];
};

/* Members sorted by id, each id once. */
struct xd_book {
	struct xd_member m[XD_BOOK_MAX];
	unsigned int n;
};

/*
 * Check @addr and @spiffe_id for a member of trust domain @td and fill
 * @m. Returns 0, or -EINVAL with one sentence in @why naming what is
 * wrong. @m is written only on success.
 */
int xd_member_make(struct xd_member *m, uint64_t id, const char *addr,
		   const char *spiffe_id, const char *td, char *why,
		   size_t whylen);
/* Encode @m (made by xd_member_make()); returns the length. */
uint16_t xd_member_ctx_encode(const struct xd_member *m,
			      uint8_t buf[RAFT_CONF_CTX_MAX]);
/*
 * Decode the context of a change of node @id for trust domain @td.
 * Returns 0 or -EBADMSG; @m is written only on success.
 */
int xd_member_ctx_decode(const uint8_t *buf, size_t len, uint64_t id,
			 const char *td, struct xd_member *m);

void xd_book_init(struct xd_book *b);
const struct xd_member *xd_book_find(const struct xd_book *b, uint64_t id);
/* Add or replace by id: 0, or -ENOSPC when full. */
int xd_book_set(struct xd_book *b, const struct xd_member *m);
/* Forget @id; false if it was not there. */
bool xd_book_del(struct xd_book *b, uint64_t id);

/*
 * The state machine's snapshot (key-value map and address book); *out
 * is malloc'ed. 0, -E2BIG above RAFT_MAX_SNAPSHOT_SIZE, -ENOMEM.
 */
int xd_state_snapshot(const struct xd_kv *kv, const struct xd_book *b,
		      uint8_t **out, size_t *len);
/*
 * Replace map and book by a snapshot of version 1 or 2. Checked whole
 * first: on -EBADMSG or -ENOMEM both are unchanged.
 */
int xd_state_load(struct xd_kv *kv, struct xd_book *b, const void *data,
		  size_t len, const char *td);

#endif /* _X0TTA_XD_MEMBERS_H */
