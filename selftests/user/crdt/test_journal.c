// SPDX-License-Identifier: GPL-2.0
/*
 * Restart from disk: every acknowledged update survives a crash, a torn
 * or corrupt journal tail costs only the record being written, and a
 * restarted replica resumes where it was instead of re-syncing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "crdt/ae.h"

#define NOW	1000000
#define S(x)	(x), strlen(x)

struct node {
	struct crdt_store store;
	struct crdt_ae ae;
	struct crdt_journal j;
	struct crdt_recovery rec;
};

static void drop(void *ctx, uint64_t peer, const uint8_t *msg, size_t len)
{
}

/* Start node @id from @dir, as the daemon would. */
static int node_start(struct node *n, const char *dir, uint64_t id)
{
	struct crdt_ae_cfg cfg;
	int err;

	crdt_ae_cfg_default(&cfg);
	err = crdt_store_init(&n->store, id, 5000);
	if (!err)
		err = crdt_store_keyspace(&n->store, "nodes", CRDT_T_LWW_MAP);
	if (!err)
		err = crdt_store_keyspace(&n->store, "suspects", CRDT_T_ORSET);
	if (!err)
		err = crdt_ae_init(&n->ae, &n->store, &cfg, id, drop, NULL);
	if (!err)
		err = crdt_journal_open(&n->j, dir, CRDT_FSYNC_ALWAYS);
	if (!err)
		err = crdt_journal_recover(&n->j, &n->ae, &n->rec);
	if (!err)
		crdt_ae_attach_journal(&n->ae, &n->j);
	return err;
}

/* A crash: memory gone, nothing flushed beyond what the policy did. */
static void node_crash(struct node *n)
{
	crdt_journal_close(&n->j);
	crdt_ae_free(&n->ae);
	crdt_store_free(&n->store);
}

static int put(struct node *n, const char *key, const char *val, uint64_t now)
{
	struct crdt_buf d;
	int err;

	crdt_buf_init(&d);
	err = crdt_store_put(&n->store, "nodes", S(key), S(val), now, &d);
	if (!err)
		err = crdt_ae_local(&n->ae, d.data, d.len);
	crdt_buf_free(&d);
	return err;
}

static int add(struct node *n, const char *elem)
{
	struct crdt_buf d;
	int err;

	crdt_buf_init(&d);
	err = crdt_store_set_add(&n->store, "suspects", S(elem), &d);
	if (!err)
		err = crdt_ae_local(&n->ae, d.data, d.len);
	crdt_buf_free(&d);
	return err;
}

static int val_is(struct node *n, const char *key, const char *val)
{
	const struct crdt_lww_reg *r = crdt_store_get(&n->store, "nodes", S(key));

	return r && r->len == strlen(val) && !memcmp(r->val, val, r->len);
}

static off_t file_size(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? -1 : st.st_size;
}

static int file_truncate(const char *dir, const char *name, off_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return truncate(path, len);
}

static int file_flip(const char *dir, const char *name, off_t at)
{
	char path[256];
	uint8_t c;
	int fd, err = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (pread(fd, &c, 1, at) == 1) {
		c ^= 0x40;
		err = pwrite(fd, &c, 1, at) == 1 ? 0 : -1;
	}
	close(fd);
	return err;
}

FIXTURE(disk) {
	char dir[64];
	struct node n;
};

static FIXTURE_SETUP(disk)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/crdt-journal-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
}

static FIXTURE_TEARDOWN(disk)
{
	char cmd[128];

	node_crash(&self->n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

TEST_F(disk, restart_keeps_every_acknowledged_update)
{
	char key[8];

	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(0, put(&self->n, key, "up", NOW));
	}
	ASSERT_EQ(0, add(&self->n, "aa:bb"));
	node_crash(&self->n);
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	EXPECT_EQ(51u, self->n.rec.records);
	EXPECT_EQ(0u, self->n.rec.cut_bytes);
	EXPECT_EQ(51u, crdt_ae_seq(&self->n.ae, 1));
	EXPECT_TRUE(val_is(&self->n, "k0", "up"));
	EXPECT_TRUE(val_is(&self->n, "k49", "up"));
	EXPECT_TRUE(crdt_store_set_contains(&self->n.store, "suspects",
					    S("aa:bb")));
}

TEST_F(disk, snapshot_plus_journal_restore_the_same_state)
{
	struct crdt_buf before, after;

	ASSERT_EQ(0, put(&self->n, "a", "1", NOW));
	ASSERT_EQ(0, add(&self->n, "x"));
	ASSERT_EQ(0, crdt_journal_snapshot(&self->n.j, &self->n.ae));
	EXPECT_EQ(0, file_size(self->dir, "journal"));
	ASSERT_EQ(0, put(&self->n, "a", "2", NOW));
	ASSERT_EQ(0, add(&self->n, "y"));
	crdt_buf_init(&before);
	crdt_store_encode(&before, &self->n.store);
	node_crash(&self->n);
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	EXPECT_EQ(2u, self->n.rec.records);
	EXPECT_LT(0u, self->n.rec.snapshot_bytes);
	crdt_buf_init(&after);
	crdt_store_encode(&after, &self->n.store);
	ASSERT_EQ(before.len, after.len);
	EXPECT_EQ(0, memcmp(before.data, after.data, before.len));
	EXPECT_EQ(4u, crdt_ae_seq(&self->n.ae, 1));
	crdt_buf_free(&before);
	crdt_buf_free(&after);
}

/*
 * A crash while the last record was being written, at every possible
 * byte: the earlier updates survive, the torn one is cut off, and the
 * journal takes new records after the cut.
 */
TEST_F(disk, torn_last_record_is_cut_and_earlier_updates_survive)
{
	off_t whole, last;

	ASSERT_EQ(0, put(&self->n, "a", "1", NOW));
	ASSERT_EQ(0, put(&self->n, "b", "2", NOW));
	whole = file_size(self->dir, "journal");
	ASSERT_EQ(0, put(&self->n, "c", "3", NOW));
	last = file_size(self->dir, "journal");
	node_crash(&self->n);
	for (off_t len = last - 1; len > whole; len--) {
		ASSERT_EQ(0, file_truncate(self->dir, "journal", len));
		ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
		ASSERT_EQ(2u, self->n.rec.records);
		ASSERT_EQ((uint64_t)(len - whole), self->n.rec.cut_bytes);
		ASSERT_EQ(whole, file_size(self->dir, "journal"));
		ASSERT_TRUE(val_is(&self->n, "b", "2"));
		ASSERT_FALSE(val_is(&self->n, "c", "3"));
		node_crash(&self->n);
	}
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	ASSERT_EQ(0, put(&self->n, "d", "4", NOW));
	node_crash(&self->n);
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	EXPECT_EQ(3u, self->n.rec.records);
	EXPECT_TRUE(val_is(&self->n, "d", "4"));
}

TEST_F(disk, corrupt_last_record_fails_its_checksum_and_is_cut)
{
	off_t whole;

	ASSERT_EQ(0, put(&self->n, "a", "1", NOW));
	whole = file_size(self->dir, "journal");
	ASSERT_EQ(0, put(&self->n, "b", "2", NOW));
	node_crash(&self->n);
	ASSERT_EQ(0, file_flip(self->dir, "journal", whole + 12));
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	EXPECT_EQ(1u, self->n.rec.records);
	EXPECT_TRUE(val_is(&self->n, "a", "1"));
	EXPECT_FALSE(val_is(&self->n, "b", "2"));
	EXPECT_EQ(whole, file_size(self->dir, "journal"));
}

/* Starting empty would look like a node that never wrote: refuse. */
TEST_F(disk, corrupt_snapshot_refuses_to_start)
{
	struct node m;

	ASSERT_EQ(0, put(&self->n, "a", "1", NOW));
	ASSERT_EQ(0, crdt_journal_snapshot(&self->n.j, &self->n.ae));
	ASSERT_EQ(0, file_flip(self->dir, "snapshot", 20));
	EXPECT_EQ(-EBADMSG, node_start(&m, self->dir, 1));
	node_crash(&m);
}

/*
 * Writes after a restart must win over writes before it, even when the
 * wall clock went back 10 s across the restart: the HLC resumes from the
 * recovered timestamps.
 */
TEST_F(disk, clock_resumes_after_restart_so_new_writes_win)
{
	ASSERT_EQ(0, put(&self->n, "a", "before", NOW));
	node_crash(&self->n);
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	ASSERT_EQ(0, put(&self->n, "a", "after", NOW - 10000));
	EXPECT_TRUE(val_is(&self->n, "a", "after"));
}

/*
 * Our own set adds replay although their dots are "ours": and the next
 * add after restart gets a fresh dot, not one reused from before.
 */
TEST_F(disk, own_set_dots_continue_after_restart)
{
	const struct crdt_keyspace *ks;

	ASSERT_EQ(0, add(&self->n, "x"));
	ASSERT_EQ(0, add(&self->n, "y"));
	node_crash(&self->n);
	ASSERT_EQ(0, node_start(&self->n, self->dir, 1));
	ASSERT_EQ(0, add(&self->n, "z"));
	ks = crdt_store_find(&self->n.store, "suspects");
	ASSERT_NE(NULL, ks);
	EXPECT_EQ(3u, crdt_cc_max(&ks->u.set.cc, 1));
	EXPECT_EQ(3u, crdt_orset_size(&ks->u.set));
}

TEST_HARNESS_MAIN
