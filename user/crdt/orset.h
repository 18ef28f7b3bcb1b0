/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_ORSET_H
#define _X0TTA_ORSET_H

#include <stdbool.h>
#include <stdint.h>

#include "crdt/cc.h"
#include "crdt/wire.h"

/*
 * Add-wins observed-remove set. Each add is tagged with a fresh dot; a
 * remove deletes the dots it has observed for the element, which it
 * records in the causal context. In a join, an (element, dot) pair that
 * one side lacks survives unless that side's context shows it saw the dot
 * (and so removed it). A concurrent add carries a dot the remover never
 * saw, so the add wins.
 */
struct crdt_orset_entry {
	uint8_t *elem;
	uint16_t len;
	struct crdt_dot dot;
};

struct crdt_orset {
	struct crdt_orset_entry *e;	/* sorted by (elem, dot) */
	uint32_t n;
	struct crdt_cc cc;		/* covers every dot in e */
};

void crdt_orset_init(struct crdt_orset *s);
void crdt_orset_free(struct crdt_orset *s);
bool crdt_orset_contains(const struct crdt_orset *s, const void *elem,
			 size_t len);
/* Distinct elements present. */
uint32_t crdt_orset_size(const struct crdt_orset *s);

/*
 * Delta mutators, as for the LWW map: apply to @s and return the delta in
 * @delta (initialised by the call, freed by the caller). @node is the
 * local replica, which issues the new dot.
 */
int crdt_orset_add(struct crdt_orset *s, struct crdt_orset *delta,
		   uint64_t node, const void *elem, size_t len);
int crdt_orset_remove(struct crdt_orset *s, struct crdt_orset *delta,
		      const void *elem, size_t len);

/* @s := @s ⊔ @src; @src consumed on success; both untouched on error. */
int crdt_orset_join(struct crdt_orset *s, struct crdt_orset *src);
int crdt_orset_copy(struct crdt_orset *dst, const struct crdt_orset *src);

void crdt_orset_encode(struct crdt_buf *b, const struct crdt_orset *s);
/*
 * Decode a canonical set: context first, entries strictly ascending by
 * (element, dot), every dot inside the context and on one entry only.
 */
int crdt_orset_decode(struct crdt_rd *r, struct crdt_orset *s);

#endif /* _X0TTA_ORSET_H */
