/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_PNCOUNTER_H
#define _X0TTA_PNCOUNTER_H

#include <stdint.h>

#include "crdt/wire.h"

/*
 * PN counter: per node, the total of its increments (p) and of its
 * decrements (n). Each node only ever raises its own totals, so join is
 * the per-node maximum and the value is sum(p) - sum(n).
 */
struct crdt_pn_entry {
	uint64_t node;
	uint64_t p;
	uint64_t n;
};

struct crdt_pncounter {
	struct crdt_pn_entry *e;	/* sorted by node */
	uint32_t n;
};

void crdt_pn_init(struct crdt_pncounter *c);
void crdt_pn_free(struct crdt_pncounter *c);
int64_t crdt_pn_value(const struct crdt_pncounter *c);
/*
 * Delta mutator: add @amount (may be negative) on behalf of @node. A total
 * that would pass 2^64 - 1 is refused with -EOVERFLOW, since wrapping
 * would make it smaller and lose to every older state in a join.
 */
int crdt_pn_add(struct crdt_pncounter *c, struct crdt_pncounter *delta,
		uint64_t node, int64_t amount);
/* @c := @c ⊔ @src; @src consumed on success; both untouched on error. */
int crdt_pn_join(struct crdt_pncounter *c, struct crdt_pncounter *src);
int crdt_pn_copy(struct crdt_pncounter *dst, const struct crdt_pncounter *src);
void crdt_pn_encode(struct crdt_buf *b, const struct crdt_pncounter *c);
/* Decode a canonical counter: nodes strictly ascending. */
int crdt_pn_decode(struct crdt_rd *r, struct crdt_pncounter *c);

#endif /* _X0TTA_PNCOUNTER_H */
