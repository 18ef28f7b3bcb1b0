/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_LWW_H
#define _X0TTA_LWW_H

#include <stdbool.h>
#include <stdint.h>

#include "crdt/wire.h"

#define CRDT_KEY_MAX	1024		/* bytes in a key or set element */
#define CRDT_VAL_MAX	65536		/* bytes in a register value */

#define CRDT_LWW_TOMBSTONE	0x1	/* the key was deleted */

/*
 * Last-writer-wins register. Writes are ordered by (HLC timestamp, node
 * id); the flags and the value bytes only break ties that honest nodes
 * never produce (one node never issues one timestamp twice), but they make
 * the order total, so join stays commutative even on hostile input.
 */
struct crdt_lww_reg {
	uint64_t ts;
	uint64_t node;
	uint8_t flags;
	uint32_t len;
	uint8_t *val;
};

/*
 * LWW map: key -> register, sorted by key. A delete is a write of a
 * tombstone, which stays so that an older write arriving late loses.
 */
struct crdt_lww_entry {
	uint8_t *key;
	uint16_t klen;
	struct crdt_lww_reg reg;
};

struct crdt_lww_map {
	struct crdt_lww_entry *e;
	uint32_t n;
};

int crdt_lww_reg_cmp(const struct crdt_lww_reg *a, const struct crdt_lww_reg *b);

void crdt_lww_map_init(struct crdt_lww_map *m);
void crdt_lww_map_free(struct crdt_lww_map *m);
/* The live value of @key, NULL if absent or deleted. */
const struct crdt_lww_reg *crdt_lww_map_get(const struct crdt_lww_map *m,
					    const void *key, size_t klen);
/* Live (not deleted) keys. */
uint32_t crdt_lww_map_size(const struct crdt_lww_map *m);
uint64_t crdt_lww_map_max_ts(const struct crdt_lww_map *m);

/*
 * Delta mutators: write @key (@val, or a tombstone for del) at (@ts, @node),
 * join the write into @m and return it in @delta (initialised by the call,
 * to be shipped to peers and freed by the caller). On error neither @m nor
 * @delta holds anything new.
 */
int crdt_lww_map_put(struct crdt_lww_map *m, struct crdt_lww_map *delta,
		     const void *key, size_t klen, const void *val,
		     size_t vlen, uint64_t ts, uint64_t node);
int crdt_lww_map_del(struct crdt_lww_map *m, struct crdt_lww_map *delta,
		     const void *key, size_t klen, uint64_t ts, uint64_t node);

/*
 * @m := @m ⊔ @src. @src is consumed: emptied on success, untouched on
 * error (-ENOMEM), and so is @m.
 */
int crdt_lww_map_join(struct crdt_lww_map *m, struct crdt_lww_map *src);
int crdt_lww_map_copy(struct crdt_lww_map *dst, const struct crdt_lww_map *src);

void crdt_lww_map_encode(struct crdt_buf *b, const struct crdt_lww_map *m);
/* Decode a canonical map (keys strictly ascending) into @m. */
int crdt_lww_map_decode(struct crdt_rd *r, struct crdt_lww_map *m);

#endif /* _X0TTA_LWW_H */
