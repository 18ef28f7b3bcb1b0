/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CC_H
#define _X0TTA_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "crdt/wire.h"

/*
 * A dot names one event: the @counter-th event issued by replica @node.
 */
struct crdt_dot {
	uint64_t node;
	uint64_t counter;
};

/*
 * Causal context: the set of dots a replica has seen, kept compact as a
 * version vector (node -> every counter 1..n seen) plus a "dot cloud" of
 * the dots seen out of order. Whenever cloud dots become contiguous with
 * the vector they are folded into it, so in a quiet system the cloud is
 * empty and the context costs one entry per node.
 *
 * Invariants (also what the decoder demands, so the encoding of a set of
 * dots is unique): vv sorted by node, strictly, counters >= 1; cloud
 * sorted by (node, counter), strictly, every cloud counter > vv + 1.
 */
struct crdt_cc {
	struct crdt_dot *vv;	/* .counter = highest contiguous counter */
	uint32_t nvv;
	struct crdt_dot *cloud;
	uint32_t ncloud;
};

void crdt_cc_init(struct crdt_cc *cc);
void crdt_cc_free(struct crdt_cc *cc);
bool crdt_cc_contains(const struct crdt_cc *cc, struct crdt_dot d);
/* Highest counter of @node in the context, vector or cloud. */
uint64_t crdt_cc_max(const struct crdt_cc *cc, uint64_t node);
/* Add one dot; the context is unchanged on -ENOMEM. */
int crdt_cc_add(struct crdt_cc *cc, struct crdt_dot d);
/* @cc := @cc ∪ @other; @cc is unchanged on -ENOMEM. */
int crdt_cc_join(struct crdt_cc *cc, const struct crdt_cc *other);
void crdt_cc_encode(struct crdt_buf *b, const struct crdt_cc *cc);
/* Decode a canonical context into @cc (initialised by the call). */
int crdt_cc_decode(struct crdt_rd *r, struct crdt_cc *cc);

#endif /* _X0TTA_CC_H */
