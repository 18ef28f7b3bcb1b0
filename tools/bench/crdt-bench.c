// SPDX-License-Identifier: GPL-2.0
/*
 * CRDT benchmarks, each printed beside a baseline from the same run:
 *   crdt_delta_bytes   bytes sent for one key update in a 10,000-key map,
 *                      against a full-state sync of the same map
 *   crdt_gossip_rounds rounds until 100 replicas hold one new update,
 *                      against log2(100), the push-gossip ideal
 *   crdt_merge_rate    one-key delta joins per second into the 10,000-key
 *                      map, against full-state joins per second
 * Built and run by tools/bench/crdt.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crdt/ae.h"

#define NKEYS	10000
#define NNODES	100
#define NOW	1000000

struct net {
	uint64_t to;
	struct crdt_buf msg;
};

/* Outbox of a replica: every message it sent this round, to whom. */
struct box {
	struct net *m;
	size_t n, cap;
	uint64_t from;
	size_t bytes;
};

static void box_send(void *ctx, uint64_t peer, const uint8_t *msg, size_t len)
{
	struct box *b = ctx;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->m = realloc(b->m, b->cap * sizeof(*b->m));
		if (!b->m)
			abort();
	}
	b->m[b->n].to = peer;
	crdt_buf_init(&b->m[b->n].msg);
	crdt_put_bytes(&b->m[b->n].msg, msg, len);
	b->n++;
	b->bytes += len;
}

static void box_clear(struct box *b)
{
	for (size_t i = 0; i < b->n; i++)
		crdt_buf_free(&b->m[i].msg);
	b->n = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fill(struct crdt_store *s, struct crdt_ae *ae)
{
	char key[16], val[32];
	struct crdt_buf d;
	int err = 0;

	crdt_buf_init(&d);
	for (int i = 0; i < NKEYS && !err; i++) {
		snprintf(key, sizeof(key), "node-%05d", i);
		snprintf(val, sizeof(val), "fe80::%x up", i);
		crdt_buf_reset(&d);
		err = crdt_store_put(s, "nodes", key, strlen(key), val,
				     strlen(val), NOW, &d);
		if (!err && ae)
			err = crdt_ae_local(ae, d.data, d.len);
	}
	crdt_buf_free(&d);
	return err;
}

/* A has 10,000 keys, B is in sync; A writes one key; B pulls. */
static int bench_delta_bytes(void)
{
	struct crdt_store sa, sb;
	struct crdt_ae a, b;
	struct crdt_ae_cfg cfg;
	struct box ba = { 0 }, bb = { 0 };
	struct crdt_buf full, d;
	size_t delta_bytes;

	crdt_ae_cfg_default(&cfg);
	cfg.log_max = 64;
	if (crdt_store_init(&sa, 1, 5000) || crdt_store_init(&sb, 2, 5000) ||
	    crdt_store_keyspace(&sa, "nodes", CRDT_T_LWW_MAP) ||
	    crdt_ae_init(&a, &sa, &cfg, 1, box_send, &ba) ||
	    crdt_ae_init(&b, &sb, &cfg, 2, box_send, &bb) ||
	    crdt_ae_add_peer(&a, 2) || crdt_ae_add_peer(&b, 1) ||
	    fill(&sa, &a))
		return -1;
	/* sync B by full state (A's log is far too short for 10,000) */
	crdt_ae_connected(&b, 1);
	crdt_ae_receive(&a, 2, bb.m[0].msg.data, bb.m[0].msg.len, NOW);
	crdt_ae_receive(&b, 1, ba.m[0].msg.data, ba.m[0].msg.len, NOW);
	box_clear(&ba);
	box_clear(&bb);
	crdt_buf_init(&full);
	crdt_store_encode(&full, &sa);
	crdt_buf_init(&d);
	crdt_store_put(&sa, "nodes", "node-00042", 10, "fe80::2a down", 13,
		       NOW + 1, &d);
	crdt_ae_local(&a, d.data, d.len);
	ba.bytes = bb.bytes = 0;
	crdt_ae_connected(&b, 1);
	crdt_ae_receive(&a, 2, bb.m[0].msg.data, bb.m[0].msg.len, NOW + 1);
	crdt_ae_receive(&b, 1, ba.m[0].msg.data, ba.m[0].msg.len, NOW + 1);
	delta_bytes = ba.bytes + bb.bytes;
	if (!crdt_store_get(&sb, "nodes", "node-00042", 10) ||
	    crdt_store_get(&sb, "nodes", "node-00042", 10)->len != 13)
		return -1;
	printf("RESULT crdt_delta_bytes x0tta=%zuB baseline=%zuB ratio=%.4f\n",
	       delta_bytes, full.len, (double)delta_bytes / full.len);
	box_clear(&ba);
	box_clear(&bb);
	free(ba.m);
	free(bb.m);
	crdt_buf_free(&full);
	crdt_buf_free(&d);
	crdt_ae_free(&a);
	crdt_ae_free(&b);
	crdt_store_free(&sa);
	crdt_store_free(&sb);
	return 0;
}

/* Rounds until every one of 100 replicas has node 1's single update. */
static int bench_gossip_rounds(void)
{
	static struct crdt_store s[NNODES];
	static struct crdt_ae ae[NNODES];
	static struct box box[NNODES];
	struct crdt_ae_cfg cfg;
	struct crdt_buf d;
	int round, have = 1;

	crdt_ae_cfg_default(&cfg);
	for (int i = 0; i < NNODES; i++) {
		box[i].from = i + 1;
		if (crdt_store_init(&s[i], i + 1, 5000) ||
		    crdt_store_keyspace(&s[i], "nodes", CRDT_T_LWW_MAP) ||
		    crdt_ae_init(&ae[i], &s[i], &cfg, 77 + i, box_send, &box[i]))
			return -1;
		for (int j = 0; j < NNODES; j++)
			if (j != i && crdt_ae_add_peer(&ae[i], j + 1))
				return -1;
	}
	crdt_buf_init(&d);
	crdt_store_put(&s[0], "nodes", "k", 1, "v", 1, NOW, &d);
	crdt_ae_local(&ae[0], d.data, d.len);
	crdt_buf_free(&d);
	for (round = 1; have < NNODES && round < 100; round++) {
		for (int i = 0; i < NNODES; i++)
			crdt_ae_tick(&ae[i], NOW);
		/* deliver until quiet: replies belong to the same round */
		for (int busy = 1; busy;) {
			busy = 0;
			for (int i = 0; i < NNODES; i++) {
				struct box snap = box[i];

				box[i].m = NULL;
				box[i].n = box[i].cap = 0;
				for (size_t k = 0; k < snap.n; k++) {
					busy = 1;
					crdt_ae_receive(&ae[snap.m[k].to - 1],
							i + 1, snap.m[k].msg.data,
							snap.m[k].msg.len, NOW);
				}
				box_clear(&snap);
				free(snap.m);
			}
		}
		have = 0;
		for (int i = 0; i < NNODES; i++)
			have += crdt_ae_seq(&ae[i], 1) == 1;
	}
	printf("RESULT crdt_gossip_rounds x0tta=%drounds baseline=%.2frounds ratio=%.2f\n",
	       round - 1, log2(NNODES), (round - 1) / log2(NNODES));
	for (int i = 0; i < NNODES; i++) {
		free(box[i].m);
		crdt_ae_free(&ae[i]);
		crdt_store_free(&s[i]);
	}
	return have == NNODES ? 0 : -1;
}

/* Joins per second into a 10,000-key map: one-key deltas vs full states. */
static int bench_merge_rate(void)
{
	struct crdt_store src, dst;
	struct crdt_buf full, *deltas;
	double t0, delta_rate, full_rate;
	int nd = 20000, nf = 0;
	char key[16];

	deltas = calloc(nd, sizeof(*deltas));
	if (!deltas || crdt_store_init(&src, 1, 5000) ||
	    crdt_store_init(&dst, 2, 5000) ||
	    crdt_store_keyspace(&src, "nodes", CRDT_T_LWW_MAP) ||
	    fill(&src, NULL))
		return -1;
	crdt_buf_init(&full);
	crdt_store_encode(&full, &src);
	if (crdt_store_join(&dst, full.data, full.len, NOW))
		return -1;
	for (int i = 0; i < nd; i++) {
		snprintf(key, sizeof(key), "node-%05d", i % NKEYS);
		crdt_buf_init(&deltas[i]);
		crdt_store_put(&src, "nodes", key, strlen(key), "changed", 7,
			       NOW + 1, &deltas[i]);
	}
	t0 = now_s();
	for (int i = 0; i < nd; i++)
		if (crdt_store_join(&dst, deltas[i].data, deltas[i].len, NOW + 1))
			return -1;
	delta_rate = nd / (now_s() - t0);
	t0 = now_s();
	for (; now_s() - t0 < 0.5; nf++)
		if (crdt_store_join(&dst, full.data, full.len, NOW + 1))
			return -1;
	full_rate = nf / (now_s() - t0);
	printf("RESULT crdt_merge_rate x0tta=%.0fops/s baseline=%.0fops/s ratio=%.1f\n",
	       delta_rate, full_rate, delta_rate / full_rate);
	for (int i = 0; i < nd; i++)
		crdt_buf_free(&deltas[i]);
	free(deltas);
	crdt_buf_free(&full);
	crdt_store_free(&src);
	crdt_store_free(&dst);
	return 0;
}

int main(void)
{
	if (bench_delta_bytes() || bench_gossip_rounds() || bench_merge_rate()) {
		fprintf(stderr, "crdt-bench: a benchmark failed\n");
		return 1;
	}
	return 0;
}
