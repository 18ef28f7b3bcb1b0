// SPDX-License-Identifier: GPL-2.0
/*
 * Durable storage: what was saved comes back, torn tails are cut back to
 * the last good record, and damage that is not a torn tail is refused.
 * Segments are preallocated, so "the end of the file" below is where
 * its records end, not its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/crc32c.h"
#include "raft/conf.h"
#include "raft/storage.h"

#define SEG1 "seg-0000000000000001"
#define ENTRY_REC(len) (8 + 20 + (len))
#define HS_REC (8 + 32)

static void entry(struct raft_entry *e, uint64_t index, uint64_t term,
		  const char *data)
{
	e->index = index;
	e->term = term;
	e->type = RAFT_ENTRY_NORMAL;
	e->len = strlen(data);
	e->data = (void *)data;
}

static int save(struct raft_storage *s, struct raft_entry *ents, size_t n,
		const struct raft_hard_state *hs)
{
	struct raft_ready rd = { .entries = ents, .n_entries = n };

	if (hs) {
		rd.hs = *hs;
		rd.hs_changed = true;
	}
	return raft_storage_save(s, &rd);
}

static off_t file_size(const char *dir, const char *name)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) ? -1 : sb.st_size;
}

/*
 * Where the records of a segment end: segments are preallocated, so the
 * file is larger than what was written. Only the record lengths are
 * read; a zero length is the unwritten space.
 */
static off_t records_end(const char *dir, const char *name)
{
	char path[512];
	uint8_t hdr[4];
	off_t off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while (pread(fd, hdr, sizeof(hdr), off) == (ssize_t)sizeof(hdr)) {
		uint32_t len = hdr[0] | hdr[1] << 8 | hdr[2] << 16 |
			       (uint32_t)hdr[3] << 24;

		if (!len)
			break;
		off += 8 + len;
	}
	close(fd);
	return off;
}

/* The bytes of a file, in a buffer to free. */
static uint8_t *file_bytes(const char *dir, const char *name, off_t len)
{
	char path[512];
	uint8_t *buf = malloc(len);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (!buf || fd < 0 || pread(fd, buf, len, 0) != len)
		abort();
	close(fd);
	return buf;
}

static void patch_file(const char *dir, const char *name, off_t off,
		       const void *buf, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
		abort();
	close(fd);
}

static void cut_file(const char *dir, const char *name, off_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (truncate(path, len))
		abort();
}

FIXTURE(store) {
	char dir[64];
	struct raft_storage *s;
	struct raft_storage_state st;
};

FIXTURE_SETUP(store)
{
	strcpy(self->dir, "/tmp/raft-storage-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, raft_storage_open(self->dir, 0, &self->s, &self->st));
	EXPECT_EQ(0u, self->st.n_entries);
}

FIXTURE_TEARDOWN(store)
{
	char cmd[128];

	raft_storage_state_release(&self->st);
	raft_storage_close(self->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static int reopen(FIXTURE_DATA(store) *self, size_t seg)
{
	raft_storage_state_release(&self->st);
	raft_storage_close(self->s);
	self->s = NULL;
	return raft_storage_open(self->dir, seg, &self->s, &self->st);
}

/* Three entries of term 1, then the hard state naming two committed. */
static void save_three(struct __test_metadata *_metadata,
		       FIXTURE_DATA(store) *self)
{
	struct raft_hard_state hs = { .term = 1, .vote = 2, .commit = 2 };
	struct raft_entry e[3];

	entry(&e[0], 1, 1, "a");
	entry(&e[1], 2, 1, "bb");
	entry(&e[2], 3, 1, "ccc");
	ASSERT_EQ(0, save(self->s, e, 3, &hs));
}

TEST_F(store, entries_and_hard_state_survive_reopen)
{
	save_three(_metadata, self);
	ASSERT_EQ(0, reopen(self, 0));
	ASSERT_EQ(3u, self->st.n_entries);
	EXPECT_EQ(1u, self->st.hs.term);
	EXPECT_EQ(2u, self->st.hs.vote);
	EXPECT_EQ(2u, self->st.hs.commit);
	EXPECT_EQ(3u, self->st.entries[2].len);
	EXPECT_EQ(0, memcmp(self->st.entries[2].data, "ccc", 3));
	EXPECT_EQ(0u, self->st.torn_bytes);
}

TEST_F(store, conflicting_entries_replace_the_tail_by_appending)
{
	struct raft_hard_state hs = { .term = 2, .commit = 1 };
	struct raft_entry e;
	off_t before;

	save_three(_metadata, self);
	before = records_end(self->dir, SEG1);
	entry(&e, 2, 2, "new");
	ASSERT_EQ(0, save(self->s, &e, 1, &hs));
	/* Nothing rewritten in place: the log only grew. */
	EXPECT_EQ(before + ENTRY_REC(3) + HS_REC, records_end(self->dir, SEG1));
	/* Preallocated at creation: appending did not change the size. */
	EXPECT_EQ((off_t)RAFT_STORAGE_SEGMENT_SIZE, file_size(self->dir, SEG1));
	ASSERT_EQ(0, reopen(self, 0));
	ASSERT_EQ(2u, self->st.n_entries);
	EXPECT_EQ(2u, self->st.entries[1].term);
	EXPECT_EQ(0, memcmp(self->st.entries[1].data, "new", 3));
}

TEST_F(store, every_torn_tail_is_cut_back_to_the_last_good_record)
{
	off_t full, good[] = { 0, ENTRY_REC(1), ENTRY_REC(1) + ENTRY_REC(2),
			       ENTRY_REC(1) + ENTRY_REC(2) + ENTRY_REC(3),
			       ENTRY_REC(1) + ENTRY_REC(2) + ENTRY_REC(3) +
			       HS_REC };

	uint8_t *bytes;

	save_three(_metadata, self);
	full = records_end(self->dir, SEG1);
	ASSERT_EQ(good[4], full);
	bytes = file_bytes(self->dir, SEG1, full);
	for (off_t cut = full - 1; cut >= 0; cut--) {
		size_t whole = 0;
		off_t torn = cut;

		while (whole < 4 && good[whole + 1] <= cut)
			whole++;
		/* What is reported cut: the torn part up to its last non-zero. */
		while (torn > good[whole] && !bytes[torn - 1])
			torn--;
		/* The tail as the crash left it, not as the last repair did. */
		patch_file(self->dir, SEG1, 0, bytes, full);
		cut_file(self->dir, SEG1, cut);
		ASSERT_EQ(0, reopen(self, 0));
		/* Records wholly on disk are used, the torn one never. */
		ASSERT_EQ(whole < 3 ? whole : 3, self->st.n_entries);
		ASSERT_EQ((uint64_t)(torn - good[whole]), self->st.torn_bytes);
		ASSERT_EQ(good[whole], records_end(self->dir, SEG1));
		/* The hard state came last: it names entries on disk. */
		ASSERT_EQ(whole == 4 ? 2u : 0u, self->st.hs.commit);
	}
	free(bytes);
}

TEST_F(store, garbage_after_the_last_record_is_cut_and_writing_resumes)
{
	uint8_t junk[100];
	struct raft_entry e;
	off_t size;

	save_three(_metadata, self);
	size = records_end(self->dir, SEG1);
	memset(junk, 0xa5, sizeof(junk));
	patch_file(self->dir, SEG1, size, junk, sizeof(junk));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(3u, self->st.n_entries);
	EXPECT_EQ(sizeof(junk), self->st.torn_bytes);
	entry(&e, 4, 1, "dddd");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(4u, self->st.n_entries);
	EXPECT_EQ(0u, self->st.torn_bytes);
}

TEST_F(store, unwritten_preallocated_space_ends_any_segment_cleanly)
{
	struct raft_entry e;

	save_three(_metadata, self);
	/*
	 * A smaller segment size from now on: the next save starts segment
	 * 2 and leaves segment 1 mostly preallocated, unwritten space.
	 */
	ASSERT_EQ(0, reopen(self, 1));
	entry(&e, 4, 1, "dddd");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	ASSERT_LT(records_end(self->dir, SEG1), file_size(self->dir, SEG1));
	ASSERT_EQ(0, reopen(self, 1));
	EXPECT_EQ(4u, self->st.n_entries);
	EXPECT_EQ(0u, self->st.torn_bytes);
	EXPECT_EQ(2u, self->st.hs.commit);
}

TEST_F(store, flipped_bit_in_the_last_record_drops_only_that_record)
{
	uint8_t b = 'X';

	save_three(_metadata, self);
	/* Inside the hard state record: the entries stay. */
	patch_file(self->dir, SEG1, records_end(self->dir, SEG1) - 3, &b, 1);
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(3u, self->st.n_entries);
	EXPECT_EQ(0u, self->st.hs.term);
	/* Reported up to the last non-zero byte: the flipped one. */
	EXPECT_EQ((uint64_t)HS_REC - 2, self->st.torn_bytes);
}

TEST_F(store, damage_in_an_older_segment_is_refused_not_truncated)
{
	struct raft_entry e;
	uint8_t b = 'X';
	off_t size;

	/* One record per segment: every save rotates. */
	ASSERT_EQ(0, reopen(self, 1));
	save_three(_metadata, self);
	entry(&e, 4, 1, "d");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	entry(&e, 5, 1, "e");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	ASSERT_EQ(0, reopen(self, 1));
	ASSERT_EQ(5u, self->st.n_entries);
	size = file_size(self->dir, SEG1);
	patch_file(self->dir, SEG1, 30, &b, 1);
	EXPECT_EQ(-EBADMSG, reopen(self, 1));
	EXPECT_EQ(size, file_size(self->dir, SEG1));
}

/* An entry record as storage.h specifies it, with a valid checksum. */
static size_t craft_entry(uint8_t *rec, uint64_t index, uint64_t term,
			  uint8_t type)
{
	uint8_t *b = rec + 8;
	uint32_t len = 20 + 1, crc;

	memset(rec, 0, 8 + len);
	b[0] = 1;
	b[1] = type;
	for (int i = 0; i < 8; i++) {
		b[4 + i] = term >> (8 * i);
		b[12 + i] = index >> (8 * i);
	}
	b[20] = 'q';
	for (int i = 0; i < 4; i++)
		rec[i] = len >> (8 * i);
	crc = crc32c(crc32c(0, rec, 4), b, len);
	for (int i = 0; i < 4; i++)
		rec[4 + i] = crc >> (8 * i);
	return 8 + len;
}

TEST_F(store, well_formed_record_that_breaks_the_log_is_refused)
{
	struct { uint64_t index, term; uint8_t type; } bad[] = {
		{ 9, 2, RAFT_ENTRY_NORMAL },	/* a gap after index 4 */
		{ 5, 0, RAFT_ENTRY_NORMAL },	/* term 0 */
		{ 0, 2, RAFT_ENTRY_NORMAL },	/* index 0 */
		{ 5, 1, RAFT_ENTRY_NORMAL },	/* term 1 after term 2 */
		{ 5, 2, 9 },			/* unknown entry type */
		{ 5, 2, RAFT_ENTRY_CONF },	/* a configuration of "q" */
	};
	struct raft_entry e;

	save_three(_metadata, self);
	entry(&e, 4, 2, "d");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t rec[64];
		off_t size = records_end(self->dir, SEG1);
		size_t n = craft_entry(rec, bad[i].index, bad[i].term,
				       bad[i].type);

		patch_file(self->dir, SEG1, size, rec, n);
		EXPECT_EQ(-EBADMSG, reopen(self, 0));
		/* Refused, and the file left as it was found, for forensics. */
		EXPECT_EQ(size + (off_t)n, records_end(self->dir, SEG1));
		cut_file(self->dir, SEG1, size);
		ASSERT_EQ(0, reopen(self, 0));
	}
}

TEST_F(store, refused_ready_writes_nothing)
{
	struct raft_hard_state older = { .term = 0 };
	struct raft_hard_state hs = { .term = 5 };
	struct raft_entry e[2];
	off_t size;

	save_three(_metadata, self);
	ASSERT_EQ(0, save(self->s, NULL, 0, &hs));
	size = records_end(self->dir, SEG1);
	entry(&e[0], 4, 1, "x");
	entry(&e[1], 6, 1, "y");	/* not contiguous */
	EXPECT_EQ(-EINVAL, save(self->s, e, 2, NULL));
	EXPECT_EQ(-EINVAL, save(self->s, NULL, 0, &older));
	EXPECT_EQ(size, records_end(self->dir, SEG1));
}

static int save_snapshot(struct raft_storage *s, uint64_t index,
			 uint64_t term, const char *data, struct raft_entry *e,
			 size_t n)
{
	struct raft_snapshot snap = { .index = index, .term = term,
				      .len = strlen(data),
				      .data = (void *)data };
	struct raft_ready rd = { .snapshot = &snap, .entries = e,
				 .n_entries = n };

	return raft_storage_save(s, &rd);
}

TEST_F(store, leaders_snapshot_replaces_the_whole_log_across_restart)
{
	struct raft_entry e;

	save_three(_metadata, self);
	entry(&e, 11, 3, "k");
	ASSERT_EQ(0, save_snapshot(self->s, 10, 3, "state", &e, 1));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(10u, self->st.snapshot.index);
	EXPECT_EQ(3u, self->st.snapshot.term);
	ASSERT_EQ(5u, self->st.snapshot.len);
	EXPECT_EQ(0, memcmp(self->st.snapshot.data, "state", 5));
	/* Entries 1-3 are void; 11 follows the snapshot. */
	ASSERT_EQ(1u, self->st.n_entries);
	EXPECT_EQ(11u, self->st.entries[0].index);
	/* ... and the log goes on from there. */
	entry(&e, 12, 3, "l");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	entry(&e, 14, 3, "gap");
	EXPECT_EQ(-EINVAL, save(self->s, &e, 1, NULL));
}

TEST_F(store, compaction_deletes_old_segments_but_never_the_vote)
{
	struct raft_snapshot snap = { .index = 4, .term = 1, .len = 2,
				      .data = "s4" };
	struct raft_entry e;

	/* One save per segment. */
	ASSERT_EQ(0, reopen(self, 1));
	save_three(_metadata, self);
	entry(&e, 4, 1, "d");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	entry(&e, 5, 1, "e");
	ASSERT_EQ(0, save(self->s, &e, 1, NULL));
	EXPECT_LT(0, file_size(self->dir, SEG1));
	ASSERT_EQ(0, raft_storage_compact(self->s, &snap));
	EXPECT_EQ(-1, file_size(self->dir, SEG1));
	EXPECT_EQ(-1, file_size(self->dir, "seg-0000000000000002"));
	ASSERT_EQ(0, reopen(self, 1));
	EXPECT_EQ(4u, self->st.snapshot.index);
	ASSERT_EQ(1u, self->st.n_entries);
	EXPECT_EQ(5u, self->st.entries[0].index);
	/* The term and vote lived in the first segment, and survive. */
	EXPECT_EQ(1u, self->st.hs.term);
	EXPECT_EQ(2u, self->st.hs.vote);
	snap.index = 9;
	EXPECT_EQ(-EINVAL, raft_storage_compact(self->s, &snap));
}

/*
 * Records older than the snapshot are replayed for what they void: here
 * entries 4-5 of term 1 were replaced from index 2 on before compaction
 * at 3, and must not come back, nor make the replay refuse the log.
 */
TEST_F(store, compacted_log_replays_past_entries_that_were_replaced)
{
	struct raft_snapshot snap = { .index = 3, .term = 2, .len = 1,
				      .data = "s" };
	struct raft_entry e[5];

	entry(&e[0], 1, 1, "a");
	entry(&e[1], 2, 1, "b");
	entry(&e[2], 3, 1, "c");
	entry(&e[3], 4, 1, "d");
	entry(&e[4], 5, 1, "e");
	ASSERT_EQ(0, save(self->s, e, 5, NULL));
	entry(&e[0], 2, 2, "B");
	entry(&e[1], 3, 2, "C");
	entry(&e[2], 4, 2, "D");
	ASSERT_EQ(0, save(self->s, e, 3, NULL));
	ASSERT_EQ(0, raft_storage_compact(self->s, &snap));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(3u, self->st.snapshot.index);
	ASSERT_EQ(1u, self->st.n_entries);
	EXPECT_EQ(4u, self->st.entries[0].index);
	EXPECT_EQ(2u, self->st.entries[0].term);
	EXPECT_EQ(0, memcmp(self->st.entries[0].data, "D", 1));
}

TEST_F(store, damaged_or_missing_snapshot_is_refused_and_half_one_ignored)
{
	char path[512];
	uint8_t b = 0;
	FILE *f;

	ASSERT_EQ(0, save_snapshot(self->s, 10, 3, "state", NULL, 0));
	/* A crash mid-snapshot leaves a temporary file: never used. */
	snprintf(path, sizeof(path), "%s/snapshot.tmp", self->dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("half a snapshot", f);
	fclose(f);
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(-1, file_size(self->dir, "snapshot.tmp"));
	EXPECT_EQ(10u, self->st.snapshot.index);
	/* A byte of the state, after the header and an empty conf block. */
	patch_file(self->dir, "snapshot", 41, &b, 1);
	EXPECT_EQ(-EBADMSG, reopen(self, 0));
	/* Without it, the reset record in the log names a lost snapshot. */
	snprintf(path, sizeof(path), "%s/snapshot", self->dir);
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(-EBADMSG, reopen(self, 0));
}

TEST_F(store, snapshot_keeps_its_configuration_across_restart)
{
	struct raft_snapshot snap = {
		.index = 3, .term = 1, .len = 1, .data = "s",
		.conf = { .voters = { 1, 2, 5 }, .n_voters = 3,
			  .learners = { 4 }, .n_learners = 1 },
	};

	save_three(_metadata, self);
	ASSERT_EQ(0, raft_storage_compact(self->s, &snap));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_TRUE(raft_conf_equal(&snap.conf, &self->st.snapshot.conf));
	/* A configuration storage could not give back is not written. */
	snap.conf.voters[1] = 9;	/* out of order */
	EXPECT_EQ(-EINVAL, raft_storage_compact(self->s, &snap));
	ASSERT_EQ(0, reopen(self, 0));
	EXPECT_EQ(5u, self->st.snapshot.conf.voters[2]);
}

/* The core, driven through storage, restarts where it left off. */
TEST_F(store, node_restarts_from_storage_with_its_log_and_commit)
{
	struct raft_config cfg;
	struct raft_status st;
	struct raft_ready rd;
	struct raft *r;

	raft_config_default(&cfg);
	cfg.id = 1;
	cfg.voters[0] = 1;
	cfg.n_voters = 1;
	ASSERT_EQ(0, raft_new(&cfg, NULL, NULL, 0, &r));
	raft_campaign(r);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, raft_propose(r, "op", 2, NULL, NULL));
		while (raft_has_ready(r)) {
			raft_ready(r, &rd);
			ASSERT_EQ(0, raft_storage_save(self->s, &rd));
			raft_advance(r, &rd);
		}
	}
	raft_free(r);
	ASSERT_EQ(0, reopen(self, 0));
	ASSERT_EQ(0, raft_new(&cfg, &self->st.hs, self->st.entries,
			      self->st.n_entries, &r));
	raft_status(r, &st);
	EXPECT_EQ(4u, st.last_index);	/* no-op and three proposals */
	EXPECT_EQ(4u, st.commit);
	EXPECT_EQ(1u, st.term);
	EXPECT_EQ(1u, st.vote);
	/* Committed entries are handed out again for the state machine. */
	raft_ready(r, &rd);
	EXPECT_EQ(4u, rd.n_committed);
	EXPECT_EQ(0u, rd.n_entries);
	raft_advance(r, &rd);
	/* Snapshot the state machine, compact, and restart from that. */
	ASSERT_EQ(0, raft_compact(r, 4, "S", 1));
	ASSERT_EQ(0, raft_storage_compact(self->s, &(struct raft_snapshot){
		.index = 4, .term = 1, .len = 1, .data = "S" }));
	raft_free(r);
	ASSERT_EQ(0, reopen(self, 0));
	ASSERT_EQ(0, raft_new_at(&cfg, &self->st.hs, &self->st.snapshot,
				 self->st.entries, self->st.n_entries, &r));
	raft_status(r, &st);
	EXPECT_EQ(4u, st.snap_index);
	EXPECT_EQ(4u, st.commit);
	/* Nothing to re-apply: the snapshot already holds it. */
	EXPECT_FALSE(raft_has_ready(r));
	raft_free(r);
}

TEST_HARNESS_MAIN
