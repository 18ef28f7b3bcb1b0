// SPDX-License-Identifier: GPL-2.0
/*
 * Real storage under the simulation (raft-sim --storage DIR): every node
 * also keeps its log in user/raft/storage.c files, written exactly when
 * the model disk is, torn exactly when the model's write is torn (the
 * kept prefix is saved, then a partial record is left behind), and at
 * every restart what the files give back must be the model's disk, bit
 * for bit. The model is the naive twin; storage must agree with it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_int.h"

/* Small segments, so that rotation and compaction's deletions happen. */
#define SIM_SEGMENT_SIZE	4096

static bool sim_entry_equal(const struct raft_entry *a,
			    const struct raft_entry *b)
{
	return a->index == b->index && a->term == b->term &&
	       a->type == b->type && a->len == b->len &&
	       (!a->len || !memcmp(a->data, b->data, a->len));
}

/* What the files recovered must be what the model says is on disk. */
static void sim_store_compare(struct sim *s, struct sim_node *nd,
			      const struct raft_storage_state *st)
{
	const struct sim_disk *d = &nd->disk;

	if (st->hs.term != d->hs.term || st->hs.vote != d->hs.vote ||
	    st->hs.commit != d->hs.commit) {
		sim_fail(s, "storage of node %d recovered hard state %" PRIu64
			 "/%" PRIu64 "/%" PRIu64 ", the model has %" PRIu64
			 "/%" PRIu64 "/%" PRIu64, nd->id, st->hs.term,
			 st->hs.vote, st->hs.commit, d->hs.term, d->hs.vote,
			 d->hs.commit);
		return;
	}
	if (st->snapshot.index != d->base ||
	    (d->base && (st->snapshot.term != d->base_term ||
			 !raft_conf_equal(&st->snapshot.conf,
					  &d->base_conf)))) {
		sim_fail(s, "storage of node %d recovered snapshot %" PRIu64
			 ", the model has %" PRIu64, nd->id,
			 st->snapshot.index, d->base);
		return;
	}
	if (st->n_entries != d->n) {
		sim_fail(s, "storage of node %d recovered %zu entries, the "
			 "model has %zu", nd->id, st->n_entries, d->n);
		return;
	}
	for (size_t i = 0; i < d->n; i++)
		if (!sim_entry_equal(&st->entries[i], &d->log[i])) {
			sim_fail(s, "storage of node %d recovered a different "
				 "entry %" PRIu64, nd->id, d->log[i].index);
			return;
		}
}

int sim_store_open(struct sim *s, struct sim_node *nd,
		   struct raft_storage_state *st)
{
	int err;

	err = raft_storage_open(nd->dir, SIM_SEGMENT_SIZE, &nd->store, st);
	if (err) {
		sim_fail(s, "storage of node %d does not open: %s", nd->id,
			 strerror(-err));
		return err;
	}
	sim_store_compare(s, nd, st);
	if (st->torn_bytes)
		sim_log(s, 1, "node %d: storage cut a torn tail of %" PRIu64
			" bytes", nd->id, st->torn_bytes);
	return s->res->failed ? -EIO : 0;
}

void sim_store_save(struct sim *s, struct sim_node *nd,
		    const struct raft_ready *rd)
{
	int err;

	if (!nd->store)
		return;
	err = raft_storage_save(nd->store, rd);
	if (err)
		sim_fail(s, "storage of node %d cannot save: %s", nd->id,
			 strerror(-err));
}

/* The newest segment: where a torn write leaves its remains. */
static int sim_store_last_segment(const char *dir, char *path, size_t len)
{
	char best[sizeof(((struct dirent *)0)->d_name)] = "";
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "seg-", 4) &&
		    strcmp(de->d_name, best) > 0)
			memcpy(best, de->d_name, sizeof(best));
	closedir(d);
	if (!best[0])
		return -ENOENT;
	snprintf(path, len, "%s/%s", dir, best);
	return 0;
}

void sim_store_tear(struct sim *s, struct sim_node *nd,
		    const struct raft_ready *kept)
{
	uint8_t junk[128];
	char path[512];
	size_t n;
	int fd;

	if (!nd->store)
		return;
	sim_store_save(s, nd, kept);
	if (s->res->failed)
		return;
	n = 1 + prng_below(&s->rng, sizeof(junk));
	/* The unsynced rest of the write: a random part of a record. */
	for (size_t i = 0; i < n; i++)
		junk[i] = prng_next(&s->rng);
	if (sim_store_last_segment(nd->dir, path, sizeof(path)))
		return;
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, junk, n) != (ssize_t)n)
		sim_fail(s, "cannot tear %s", path);
	if (fd >= 0)
		close(fd);
}

void sim_store_compact(struct sim *s, struct sim_node *nd,
		       const struct raft_snapshot *snap)
{
	int err;

	if (!nd->store)
		return;
	err = raft_storage_compact(nd->store, snap);
	if (err)
		sim_fail(s, "storage of node %d cannot compact: %s", nd->id,
			 strerror(-err));
}

void sim_store_close(struct sim_node *nd)
{
	raft_storage_close(nd->store);
	nd->store = NULL;
}

/* A node's directory, emptied of what an earlier run left there. */
void sim_store_init(struct sim *s, struct sim_node *nd)
{
	snprintf(nd->dir, sizeof(nd->dir), "%s/seed-%" PRIu64 "-node-%d",
		 s->o->storage_dir, s->o->seed, nd->id);
	sim_store_remove(nd);
}

/* Leave nothing behind but what a failing seed needs to be looked at. */
void sim_store_remove(struct sim_node *nd)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	sim_store_close(nd);
	if (!nd->dir[0])
		return;
	d = opendir(nd->dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", nd->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(nd->dir);
}
