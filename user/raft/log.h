/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_LOG_H
#define _X0TTA_RAFT_LOG_H

#include "raft/raft.h"

/*
 * The in-memory log of one node: a snapshot covering 1..snap_index, then
 * entries snap_index + 1..last, of which those up to stable are known to
 * be durable. Internal to the core.
 */
struct raft_log {
	struct raft_entry *ents;	/* ents[0].index == snap_index + 1 */
	size_t n;
	uint64_t snap_index;
	uint64_t snap_term;
	size_t cap;
	uint64_t stable;
	uint64_t committed;
	uint64_t applied;
};

uint64_t raft_log_last(const struct raft_log *l);
uint64_t raft_log_last_term(const struct raft_log *l);
int raft_log_term(const struct raft_log *l, uint64_t index, uint64_t *term);
const struct raft_entry *raft_log_entry(const struct raft_log *l,
					uint64_t index);
/* Append a copy of @e, which must be at index last + 1. */
int raft_log_append(struct raft_log *l, const struct raft_entry *e);
/* Drop every entry >= @index; durable ones become unstable again. */
void raft_log_truncate(struct raft_log *l, uint64_t index);
bool raft_log_matches(const struct raft_log *l, uint64_t index,
		      uint64_t term);
/* Is (term, index) at least as up to date as this log (Raft 5.4.1)? */
bool raft_log_up_to_date(const struct raft_log *l, uint64_t last_term,
			 uint64_t last_index);
/* Drop entries up to @index (<= last), which a snapshot now covers. */
int raft_log_compact(struct raft_log *l, uint64_t index);
/* Replace the whole log by a snapshot ending at (index, term). */
void raft_log_restore(struct raft_log *l, uint64_t index, uint64_t term);
void raft_log_free(struct raft_log *l);

int raft_entry_copy(struct raft_entry *dst, const struct raft_entry *src);
void raft_entry_release(struct raft_entry *e);

#endif /* _X0TTA_RAFT_LOG_H */
