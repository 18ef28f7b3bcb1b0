/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_STORE_H
#define _X0TTA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "crdt/hlc.h"
#include "crdt/lww.h"
#include "crdt/orset.h"
#include "crdt/pncounter.h"
#include "crdt/wire.h"

/*
 * The replicated store: named keyspaces, each holding one CRDT. A store
 * state and a store delta have the same encoding (a delta is a small
 * state), so one join serves full-state sync and delta replication:
 *
 *   u32 nks, then per keyspace, names strictly ascending:
 *     u8 namelen, name, u8 type, u32 bodylen, body (the type's encoding)
 *
 * A keyspace a peer mentions that we lack is created by the join, so a
 * new node learns the schema from the mesh.
 */
enum crdt_type {
	CRDT_T_LWW_MAP = 1,
	CRDT_T_ORSET = 2,
	CRDT_T_PNCOUNTER = 3,
};

#define CRDT_NAME_MAX		32
#define CRDT_KEYSPACES_MAX	64

struct crdt_keyspace {
	char name[CRDT_NAME_MAX + 1];
	uint8_t type;			/* enum crdt_type */
	union {
		struct crdt_lww_map map;
		struct crdt_orset set;
		struct crdt_pncounter ctr;
	} u;
};

struct crdt_store {
	uint64_t node;			/* this replica's id, never 0 */
	struct crdt_hlc hlc;
	struct crdt_keyspace *ks;	/* sorted by name */
	uint32_t nks;
};

int crdt_store_init(struct crdt_store *s, uint64_t node, uint64_t max_drift_ms);
void crdt_store_free(struct crdt_store *s);
/* Create keyspace @name of @type, or check an existing one has @type. */
int crdt_store_keyspace(struct crdt_store *s, const char *name,
			enum crdt_type type);
const struct crdt_keyspace *crdt_store_find(const struct crdt_store *s,
					    const char *name);

/*
 * Mutators. Each applies the change locally and appends its store-level
 * delta to @delta, ready to hand to anti-entropy or a journal. @now_ms is
 * the wall clock, fed to the HLC. Errors leave store and @delta unchanged
 * (-ENOENT unknown keyspace, -EINVAL wrong type or bad argument).
 */
int crdt_store_put(struct crdt_store *s, const char *ks, const void *key,
		   size_t klen, const void *val, size_t vlen, uint64_t now_ms,
		   struct crdt_buf *delta);
int crdt_store_del(struct crdt_store *s, const char *ks, const void *key,
		   size_t klen, uint64_t now_ms, struct crdt_buf *delta);
int crdt_store_set_add(struct crdt_store *s, const char *ks, const void *elem,
		       size_t len, struct crdt_buf *delta);
int crdt_store_set_remove(struct crdt_store *s, const char *ks,
			  const void *elem, size_t len, struct crdt_buf *delta);
int crdt_store_counter_add(struct crdt_store *s, const char *ks,
			   int64_t amount, struct crdt_buf *delta);

/* Readers; NULL / false / 0 when the keyspace or key is absent. */
const struct crdt_lww_reg *crdt_store_get(const struct crdt_store *s,
					  const char *ks, const void *key,
					  size_t klen);
bool crdt_store_set_contains(const struct crdt_store *s, const char *ks,
			     const void *elem, size_t len);
int64_t crdt_store_counter_value(const struct crdt_store *s, const char *ks);

/* The full state, in the encoding above. */
void crdt_store_encode(struct crdt_buf *b, const struct crdt_store *s);

/*
 * Join an encoded state or delta from a peer. The whole message is decoded
 * and checked before anything is applied; it is refused, with the store
 * unchanged, on
 *   -EBADMSG          bad lengths, trailing bytes, non-canonical order,
 *   -EPROTONOSUPPORT  an unknown type,
 *   -EINVAL           a keyspace whose type differs from ours,
 *   -ENOSPC           more than CRDT_KEYSPACES_MAX keyspaces,
 *   -ERANGE           a timestamp further ahead of @now_ms than the HLC
 *                     drift allows,
 *   -ESTALE           a causal context claiming dots of this node that
 *                     it never issued (a context "from the future": the
 *                     peer saw an earlier incarnation of this node id;
 *                     accepting it would make our next dots collide).
 * Only -ENOMEM can strike after the first keyspace is joined; what was
 * joined stays, which is harmless since joins are idempotent.
 */
int crdt_store_join(struct crdt_store *s, const void *msg, size_t len,
		    uint64_t now_ms);
/*
 * Join what this node itself wrote to disk (snapshot, journal): decoded
 * as strictly, but without the peer checks, since our own dots and
 * timestamps are no lie even if the wall clock stepped back since.
 */
int crdt_store_load(struct crdt_store *s, const void *msg, size_t len);
/* The checks of crdt_store_join alone: would @msg be accepted now? */
int crdt_store_check(const struct crdt_store *s, const void *msg, size_t len,
		     uint64_t now_ms);

/*
 * The keyspaces that the messages of a batch checked so far would create.
 * Each message of a batch may fit the store alone while the batch does
 * not (two messages giving one new keyspace two types, or together more
 * new keyspaces than there is room for); applying such a batch would fail
 * half-way. Checking every message against the store plus what the earlier
 * ones create lets the caller refuse the batch before applying any of it.
 */
struct crdt_store_batch {
	struct {
		char name[CRDT_NAME_MAX + 1];
		uint8_t type;
	} ks[CRDT_KEYSPACES_MAX];
	uint32_t n;
};

void crdt_store_batch_init(struct crdt_store_batch *b);
/*
 * crdt_store_check for the next message of batch @b. Besides its errors,
 * -EINVAL when @msg gives a keyspace another type than an earlier message
 * created it with, -ENOSPC when the keyspaces of the store and of the
 * whole batch would pass CRDT_KEYSPACES_MAX. On success the keyspaces
 * @msg creates are added to @b; on error @b is unchanged.
 */
int crdt_store_check_batch(const struct crdt_store *s,
			   struct crdt_store_batch *b, const void *msg,
			   size_t len, uint64_t now_ms);

#endif /* _X0TTA_STORE_H */
