/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_STORAGE_H
#define _X0TTA_RAFT_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

/*
 * Durable storage for one Raft node, in a directory of its own:
 *
 *   seg-<16 hex digits>   append-only segment files of records
 *   snapshot              the latest snapshot and the configuration as of
 *                         its index, replaced atomically
 *
 * A record is [u32 len][u32 crc32c(len || body)][body of len bytes],
 * little-endian; the body is an entry (index, term, type, data), a hard
 * state (term, vote, commit) or a reset (the log was replaced by a
 * snapshot). Conflicting entries are never rewritten in place: an entry
 * record at index i replaces the log from i on when the segments are
 * replayed, so every write is an append. Entries the snapshot covers are
 * skipped on replay, and whole segments of them deleted at compaction;
 * each segment starts with the hard state, so none is ever lost.
 *
 * raft_storage_save() writes a ready's snapshot (if any, to its own file),
 * then its entries, then its hard state, then fsyncs, and only then
 * returns: the caller may send the ready's messages afterwards. A save
 * whose only news is a higher commit index is written but not fsynced
 * (etcd's MustSync): a commit index that comes back older after a crash
 * is learnt again from the leader, and the next fsync covers it anyway.
 *
 * Each segment is preallocated to its full size when created, so that
 * an fsync seldom has a file size to commit too; its unwritten rest
 * reads as zeros, which replay takes for the end of the records. A crash
 * can leave a torn or garbage tail in the last segment; raft_storage_open()
 * finds it, zeroes everything after the last good record and reports how
 * many bytes of it were not zero. Damage anywhere else
 * (an earlier segment, or a well-formed record that contradicts the log)
 * is refused with -EBADMSG: that is lost acknowledged data, and a node
 * must not silently forget what it promised.
 */

/*
 * Segments are preallocated whole, and x0ttad runs on small routers, often
 * with its data on tmpfs: 1 MiB holds thousands of entries between two
 * snapshots and costs little memory or flash.
 */
#define RAFT_STORAGE_SEGMENT_SIZE	(1u << 20)

struct raft_storage;

/* What raft_storage_open() recovered: feed it to raft_new_at(). */
struct raft_storage_state {
	struct raft_hard_state hs;
	struct raft_snapshot snapshot;	/* index 0: none */
	/* indexes snapshot.index + 1 .. snapshot.index + n_entries */
	struct raft_entry *entries;
	size_t n_entries;
	uint64_t torn_bytes;		/* cut from the tail at open */
};

/*
 * Open (creating if needed) the storage in @dir and recover its state.
 * @segment_size: rotate segments above this many bytes (0: default).
 * Returns 0, -EBADMSG on corruption that is not a torn tail, or -errno.
 */
int raft_storage_open(const char *dir, size_t segment_size,
		      struct raft_storage **out, struct raft_storage_state *st);
void raft_storage_state_release(struct raft_storage_state *st);

/*
 * Make @rd's entries and hard state durable. Returns 0 or -errno; after
 * an error the storage must be closed and reopened (the tail may be
 * torn), exactly as after a crash.
 */
int raft_storage_save(struct raft_storage *s, const struct raft_ready *rd);

/*
 * The application snapshotted its state machine and called raft_compact():
 * make the snapshot durable (a temporary file, fsync, rename, fsync of
 * the directory) and delete the segments it makes obsolete. A ready's
 * snapshot from the leader needs no call: raft_storage_save() stores it.
 */
int raft_storage_compact(struct raft_storage *s,
			 const struct raft_snapshot *snap);

void raft_storage_close(struct raft_storage *s);

#endif /* _X0TTA_RAFT_STORAGE_H */
