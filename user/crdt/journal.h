/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_JOURNAL_H
#define _X0TTA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct crdt_ae;

/*
 * Persistence of a replica in a directory of two files:
 *   snapshot  one STATE record: version vector and full store state
 *   journal   DELTA records appended since that snapshot
 * Record: u32 len, u32 crc32c(len bytes, payload), payload. Payload:
 *   u8 1 (DELTA), u64 origin, u64 seq, store delta
 *   u8 2 (STATE), u32 n, n * (u64 origin, u64 seq), store state
 *
 * A crash can tear the last journal record; recovery keeps every record
 * up to the first short or corrupt one and cuts the file there. A
 * snapshot is written aside, fsynced and renamed over the old one before
 * the journal is emptied, so a crash at any point leaves one whole
 * snapshot plus a journal whose records are either new or harmless
 * repeats (replay skips what the vector already covers).
 */
enum crdt_fsync {
	CRDT_FSYNC_ALWAYS,	/* fdatasync every record: acked = durable */
	CRDT_FSYNC_BATCH,	/* durable at crdt_journal_sync(), on a timer */
	CRDT_FSYNC_NONE,	/* leave it to the kernel (tests, tmpfs) */
};

struct crdt_journal {
	int dirfd;
	int fd;
	enum crdt_fsync policy;
	uint64_t size;		/* bytes of whole records in the journal */
	int dirty;		/* written since the last sync */
};

struct crdt_recovery {
	uint64_t snapshot_bytes;
	uint64_t records;	/* journal records replayed */
	uint64_t cut_bytes;	/* torn or corrupt tail removed */
};

#define CRDT_RECORD_MAX	(64u << 20)

/* Open (creating the journal file) in existing directory @dir. */
int crdt_journal_open(struct crdt_journal *j, const char *dir,
		      enum crdt_fsync policy);
void crdt_journal_close(struct crdt_journal *j);
/*
 * Load the snapshot and replay the journal into @ae (and its store),
 * which must be fresh. A corrupt snapshot is -EBADMSG: the replica must
 * not silently start empty and be taken for one that never wrote.
 */
int crdt_journal_recover(struct crdt_journal *j, struct crdt_ae *ae,
			 struct crdt_recovery *rec);
int crdt_journal_append(struct crdt_journal *j, uint64_t origin, uint64_t seq,
			const uint8_t *delta, size_t len);
int crdt_journal_sync(struct crdt_journal *j);
/* Write @ae's state as the new snapshot and empty the journal. */
int crdt_journal_snapshot(struct crdt_journal *j, const struct crdt_ae *ae);

#endif /* _X0TTA_JOURNAL_H */
