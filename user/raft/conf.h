/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_CONF_H
#define _X0TTA_RAFT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

/*
 * Membership configurations and their encodings, little-endian.
 *
 * A configuration block (in snapshots on the wire and on disk, and in
 * configuration entries):
 *   u8 n_voters, u8 n_learners, u8 zero[6],
 *   n_voters u64 ids, then n_learners u64 ids, each list strictly
 *   increasing, no id in both, none zero.
 *
 * The data of a RAFT_ENTRY_CONF entry, version 1:
 *   u8 version, u8 op, u16 ctx_len, u32 zero, u64 id,
 *   the configuration block the change produced (at least one voter),
 *   ctx_len bytes of application context.
 *
 * The entry carries the resulting configuration as well as the change so
 * that a node can take its configuration from the newest entry alone:
 * one that joined empty never saw the bootstrap configuration the first
 * changes were made against, and rolling back a truncated change is
 * going back to the previous entry, not undoing a delta.
 */
#define RAFT_CONF_VERSION	1
#define RAFT_CONF_BLOCK_HDR	8
#define RAFT_CONF_ENTRY_HDR	16
#define RAFT_CONF_ENTRY_MAX	(RAFT_CONF_ENTRY_HDR + \
				 RAFT_CONF_BLOCK_HDR + \
				 8 * RAFT_MAX_NODES + RAFT_CONF_CTX_MAX)

bool raft_conf_empty(const struct raft_conf *conf);
/* Same members in the same roles (padding and unused slots aside). */
bool raft_conf_equal(const struct raft_conf *a, const struct raft_conf *b);
/* Sorted, disjoint, non-zero ids, at most RAFT_MAX_NODES in all. */
bool raft_conf_valid(const struct raft_conf *conf);
/* Build a sorted configuration from unsorted lists; -EINVAL if invalid. */
int raft_conf_from_lists(struct raft_conf *conf, const uint64_t *voters,
			 size_t n_voters, const uint64_t *learners,
			 size_t n_learners);
/* Apply @cc to @conf; -EINVAL (and @conf untouched) if it makes no sense. */
int raft_conf_apply(struct raft_conf *conf, const struct raft_conf_change *cc);

size_t raft_conf_block_size(const struct raft_conf *conf);
/* Write the block at @p, which has raft_conf_block_size() bytes. */
void raft_conf_block_put(uint8_t *p, const struct raft_conf *conf);
/*
 * Read a block from the @len bytes at @p; its size in *used. An empty
 * configuration is accepted (a snapshot that predates membership
 * tracking). Returns 0 or -EBADMSG.
 */
int raft_conf_block_get(const uint8_t *p, size_t len, struct raft_conf *conf,
			size_t *used);

/* Encode a change and its result; returns the size (<= RAFT_CONF_ENTRY_MAX). */
size_t raft_conf_entry_encode(const struct raft_conf_change *cc,
			      const struct raft_conf *result, uint8_t *buf);

#endif /* _X0TTA_RAFT_CONF_H */
