/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_REPLICA_H
#define _X0TTA_REPLICA_H

/*
 * The replicas the CRDT fuzzers and their seed writer share: the same
 * keyspaces and writes on every node, so seeds from node 1 (the sender)
 * meet a receiver, node 2, that holds data of every type and dots of its
 * own for a hostile message to collide with.
 */
#include <stdlib.h>
#include <string.h>

#include "crdt/ae.h"

#define FUZZ_NOW	100000	/* ms, the wall clock of every call */
#define FUZZ_DRIFT_MS	5000
#define FUZZ_SENDER	1
#define FUZZ_RECEIVER	2

/* Where each local delta goes besides the store and @ae (seed files). */
typedef void (*fuzz_sink_fn)(void *ctx, const char *what,
			     const struct crdt_buf *delta);

/* A store with a keyspace of each type; @ae (optional) knows @peer. */
static int fuzz_replica_init(struct crdt_store *s, struct crdt_ae *ae,
			     uint64_t node, uint64_t peer, crdt_ae_send_fn send,
			     void *ctx)
{
	struct crdt_ae_cfg cfg;
	int err;

	err = crdt_store_init(s, node, FUZZ_DRIFT_MS);
	if (!err)
		err = crdt_store_keyspace(s, "nodes", CRDT_T_LWW_MAP);
	if (!err)
		err = crdt_store_keyspace(s, "suspects", CRDT_T_ORSET);
	if (!err)
		err = crdt_store_keyspace(s, "incidents", CRDT_T_PNCOUNTER);
	if (err || !ae)
		return err;
	/* A short log, so a few writes put a peer behind it (FULL). */
	crdt_ae_cfg_default(&cfg);
	cfg.log_max = 4;
	err = crdt_ae_init(ae, s, &cfg, node, send, ctx);
	if (!err)
		err = crdt_ae_add_peer(ae, peer);
	return err;
}

static int fuzz_replica_emit(struct crdt_ae *ae, struct crdt_buf *d,
			     const char *what, fuzz_sink_fn sink, void *ctx)
{
	int err = d->err;

	if (!err && ae)
		err = crdt_ae_local(ae, d->data, d->len);
	if (!err && sink)
		sink(ctx, what, d);
	crdt_buf_reset(d);
	return err;
}

/* One write of every kind: put, delete, set add and remove, counter. */
static int fuzz_replica_write(struct crdt_store *s, struct crdt_ae *ae,
			      fuzz_sink_fn sink, void *ctx)
{
	const char *ks = "nodes", *set = "suspects";
	struct crdt_buf d;
	int err;

	crdt_buf_init(&d);
	err = crdt_store_put(s, ks, "n1", 2, "up", 2, FUZZ_NOW, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "put", sink, ctx);
	if (!err)
		err = crdt_store_del(s, ks, "n0", 2, FUZZ_NOW, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "del", sink, ctx);
	if (!err)
		err = crdt_store_set_add(s, set, "aa:bb", 5, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "add", sink, ctx);
	if (!err)
		err = crdt_store_set_add(s, set, "cc:dd", 5, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "add2", sink, ctx);
	if (!err)
		err = crdt_store_set_remove(s, set, "aa:bb", 5, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "remove", sink, ctx);
	if (!err)
		err = crdt_store_counter_add(s, "incidents", -3, &d);
	if (!err)
		err = fuzz_replica_emit(ae, &d, "counter", sink, ctx);
	crdt_buf_free(&d);
	return err;
}

/* The store's encoding, for before/after comparisons. */
static void fuzz_encode(struct crdt_buf *b, const struct crdt_store *s)
{
	crdt_buf_init(b);
	crdt_store_encode(b, s);
	if (b->err)
		abort();
}

static void fuzz_expect_same(const struct crdt_buf *a, const struct crdt_buf *b)
{
	if (a->len != b->len || memcmp(a->data, b->data, a->len))
		abort();
}

#endif /* _X0TTA_REPLICA_H */
