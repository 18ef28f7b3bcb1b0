// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic simulation of a mesh of replicas running the anti-entropy
 * protocol over a hostile network: messages are lost, duplicated, delayed
 * and reordered, and the mesh splits in two, then heals. Every replica
 * must end in the same state, and that state must hold every update made
 * (counter total, last write of every key). One seed, one run, exactly
 * replayable.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "crdt/ae.h"

#define MAX_NODES	100
#define NKEYS		40
#define S(x)		(x), strlen(x)

struct net_msg {
	uint32_t from, to;
	uint64_t at;		/* round of delivery */
	uint8_t *data;
	size_t len;
};

struct sim;

struct node {
	struct sim *sim;
	uint32_t idx;
	struct crdt_store store;
	struct crdt_ae ae;
	bool cut_off;		/* isolated on its own (see sim_isolate) */
};

struct sim {
	struct prng rng;
	uint32_t n;
	struct node nodes[MAX_NODES];
	struct net_msg *q;
	size_t nq, capq;
	uint64_t round;
	uint32_t loss_pct, dup_pct;
	bool split;		/* halves cannot talk */
	size_t max_delta_msg;	/* largest DIGEST/DELTAS seen */
	/* what the converged state must show */
	int64_t counter_total;
	struct {
		uint64_t ts, node;
		bool deleted;
		char val[16];
		bool written;
	} last[NKEYS];
};

static uint64_t sim_now(const struct sim *s)
{
	return 1000000 + s->round * 100;
}

static bool sim_linked(const struct sim *s, uint32_t a, uint32_t b)
{
	if (s->nodes[a].cut_off || s->nodes[b].cut_off)
		return false;
	return !s->split || (a < s->n / 2) == (b < s->n / 2);
}

static void sim_enqueue(struct sim *s, uint32_t from, uint32_t to,
			const uint8_t *data, size_t len)
{
	struct net_msg *m;

	if (s->nq == s->capq) {
		s->capq = s->capq ? 2 * s->capq : 1024;
		s->q = realloc(s->q, s->capq * sizeof(*s->q));
		if (!s->q)
			abort();
	}
	m = &s->q[s->nq++];
	m->from = from;
	m->to = to;
	m->at = s->round + 1 + prng_below(&s->rng, 3);
	m->len = len;
	m->data = malloc(len);
	if (!m->data)
		abort();
	memcpy(m->data, data, len);
}

static void sim_send(void *ctx, uint64_t peer, const uint8_t *msg, size_t len)
{
	struct node *nd = ctx;
	struct sim *s = nd->sim;

	if (msg[0] != CRDT_AE_FULL && len > s->max_delta_msg)
		s->max_delta_msg = len;
	if (prng_chance(&s->rng, s->loss_pct, 100))
		return;
	sim_enqueue(s, nd->idx, peer - 1, msg, len);
	if (prng_chance(&s->rng, s->dup_pct, 100))
		sim_enqueue(s, nd->idx, peer - 1, msg, len);
}

static int sim_init(struct sim *s, uint32_t n, uint64_t seed,
		    const struct crdt_ae_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	prng_seed(&s->rng, seed);
	s->n = n;
	s->loss_pct = 10;
	s->dup_pct = 5;
	for (uint32_t i = 0; i < n; i++) {
		struct node *nd = &s->nodes[i];

		nd->sim = s;
		nd->idx = i;
		/* node ids start at 1: 0 is not a valid id */
		if (crdt_store_init(&nd->store, i + 1, 5000) ||
		    crdt_store_keyspace(&nd->store, "links", CRDT_T_LWW_MAP) ||
		    crdt_store_keyspace(&nd->store, "suspects", CRDT_T_ORSET) ||
		    crdt_store_keyspace(&nd->store, "incidents",
					CRDT_T_PNCOUNTER) ||
		    crdt_ae_init(&nd->ae, &nd->store, cfg, seed * 1000 + i,
				 sim_send, nd))
			return -1;
		for (uint32_t j = 0; j < n; j++)
			if (j != i && crdt_ae_add_peer(&nd->ae, j + 1))
				return -1;
	}
	return 0;
}

static void sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->nq; i++)
		free(s->q[i].data);
	free(s->q);
	for (uint32_t i = 0; i < s->n; i++) {
		crdt_ae_free(&s->nodes[i].ae);
		crdt_store_free(&s->nodes[i].store);
	}
}

/* Remember the write the LWW rule must keep for key @k. */
static void sim_note_write(struct sim *s, int k, struct node *nd, bool del,
			   const char *val)
{
	const struct crdt_keyspace *ks = crdt_store_find(&nd->store, "links");
	uint64_t ts = 0;
	char key[8];

	snprintf(key, sizeof(key), "k%d", k);
	for (uint32_t i = 0; i < ks->u.map.n; i++)
		if (ks->u.map.e[i].klen == strlen(key) &&
		    !memcmp(ks->u.map.e[i].key, key, strlen(key)))
			ts = ks->u.map.e[i].reg.ts;
	if (s->last[k].written &&
	    (ts < s->last[k].ts ||
	     (ts == s->last[k].ts && nd->store.node < s->last[k].node)))
		return;
	s->last[k].written = true;
	s->last[k].ts = ts;
	s->last[k].node = nd->store.node;
	s->last[k].deleted = del;
	snprintf(s->last[k].val, sizeof(s->last[k].val), "%s", val);
}

/* One random user update at a random node, handed to anti-entropy. */
static int sim_mutate(struct sim *s)
{
	struct node *nd = &s->nodes[prng_below(&s->rng, s->n)];
	int k = prng_below(&s->rng, NKEYS), what = prng_below(&s->rng, 10);
	char key[8], val[16];
	struct crdt_buf d;
	int err;

	crdt_buf_init(&d);
	snprintf(key, sizeof(key), "k%d", k);
	snprintf(val, sizeof(val), "v%u", (unsigned)prng_below(&s->rng, 1000));
	if (what < 4) {
		err = crdt_store_put(&nd->store, "links", S(key), S(val),
				     sim_now(s), &d);
		if (!err)
			sim_note_write(s, k, nd, false, val);
	} else if (what < 5) {
		err = crdt_store_del(&nd->store, "links", S(key), sim_now(s),
				     &d);
		if (!err)
			sim_note_write(s, k, nd, true, "");
	} else if (what < 7) {
		err = crdt_store_set_add(&nd->store, "suspects", S(key), &d);
	} else if (what < 8) {
		err = crdt_store_set_remove(&nd->store, "suspects", S(key), &d);
	} else {
		int64_t amount = (int64_t)prng_below(&s->rng, 7) - 2;

		err = crdt_store_counter_add(&nd->store, "incidents", amount,
					     &d);
		if (!err)
			s->counter_total += amount;
	}
	if (!err)
		err = crdt_ae_local(&nd->ae, d.data, d.len);
	crdt_buf_free(&d);
	return err;
}

/* Deliver what is due this round, in random order; links may be cut. */
static void sim_deliver(struct sim *s)
{
	size_t i = 0;

	/* shuffle so equal-round messages arrive in any order */
	for (size_t k = s->nq; k > 1; k--) {
		size_t j = prng_below(&s->rng, k);
		struct net_msg t = s->q[k - 1];

		s->q[k - 1] = s->q[j];
		s->q[j] = t;
	}
	while (i < s->nq) {
		struct net_msg m = s->q[i];

		if (m.at > s->round) {
			i++;
			continue;
		}
		s->q[i] = s->q[--s->nq];
		if (sim_linked(s, m.from, m.to))
			crdt_ae_receive(&s->nodes[m.to].ae, m.from + 1, m.data,
					m.len, sim_now(s));
		free(m.data);
	}
}

static void sim_tick(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		crdt_ae_tick(&s->nodes[i].ae, sim_now(s));
}

/* Every node has the same state, byte for byte. */
static bool sim_converged(struct sim *s)
{
	struct crdt_buf ref, b;
	bool same = true;

	crdt_buf_init(&ref);
	crdt_store_encode(&ref, &s->nodes[0].store);
	for (uint32_t i = 1; i < s->n && same; i++) {
		crdt_buf_init(&b);
		crdt_store_encode(&b, &s->nodes[i].store);
		same = b.len == ref.len && !memcmp(b.data, ref.data, b.len);
		crdt_buf_free(&b);
	}
	crdt_buf_free(&ref);
	return same;
}

/* A reconnect: every node pulls from one random peer. */
static void sim_reconnect(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t j = prng_below(&s->rng, s->n - 1);

		crdt_ae_connected(&s->nodes[i].ae, (j >= i ? j + 1 : j) + 1);
	}
}

/* The converged state holds every update the simulation made. */
static void sim_check_content(struct __test_metadata *_metadata,
			      struct sim *s)
{
	const struct crdt_store *st = &s->nodes[s->n - 1].store;

	EXPECT_EQ(s->counter_total, crdt_store_counter_value(st, "incidents"));
	for (int k = 0; k < NKEYS; k++) {
		const struct crdt_lww_reg *r;
		char key[8];

		if (!s->last[k].written)
			continue;
		snprintf(key, sizeof(key), "k%d", k);
		r = crdt_store_get(st, "links", S(key));
		if (s->last[k].deleted) {
			EXPECT_EQ(NULL, r);
			continue;
		}
		ASSERT_NE(NULL, r);
		EXPECT_EQ(strlen(s->last[k].val), r->len);
		EXPECT_EQ(0, memcmp(r->val, s->last[k].val, r->len));
	}
}

/*
 * 100 nodes, 10% loss, 5% duplication, 1-3 rounds of delay; updates for
 * 30 rounds, the mesh split in halves from round 10 to round 40.
 */
TEST(hundred_nodes_converge_through_loss_duplication_and_a_healed_split)
{
	struct crdt_ae_cfg cfg;
	uint64_t converged_at = 0;
	struct sim *s = calloc(1, sizeof(*s));

	ASSERT_NE(NULL, s);
	crdt_ae_cfg_default(&cfg);
	ASSERT_EQ(0, sim_init(s, 100, 1, &cfg));
	for (s->round = 1; s->round <= 300 && !converged_at; s->round++) {
		if (s->round == 10)
			s->split = true;
		if (s->round == 40) {
			s->split = false;
			sim_reconnect(s);
		}
		for (int k = 0; s->round < 30 && k < 10; k++)
			ASSERT_EQ(0, sim_mutate(s));
		sim_deliver(s);
		sim_tick(s);
		if (s->round >= 40 && sim_converged(s))
			converged_at = s->round;
	}
	ASSERT_NE(0, converged_at);
	TH_LOG("converged at round %lu (40 = heal), largest delta msg %zu B",
	       (unsigned long)converged_at, s->max_delta_msg);
	EXPECT_LE(s->max_delta_msg, cfg.max_msg);
	sim_check_content(_metadata, s);
	sim_free(s);
	free(s);
}

/*
 * A node cut off while the others make more updates than their delta
 * logs keep cannot be caught up by deltas: it must get a full state.
 */
TEST(node_behind_the_retained_deltas_catches_up_by_full_state)
{
	struct crdt_ae_cfg cfg;
	uint64_t fulls = 0;
	bool done = false;
	struct sim *s = calloc(1, sizeof(*s));

	ASSERT_NE(NULL, s);
	crdt_ae_cfg_default(&cfg);
	cfg.log_max = 16;
	ASSERT_EQ(0, sim_init(s, 20, 2, &cfg));
	s->nodes[7].cut_off = true;
	for (s->round = 1; s->round <= 300 && !done; s->round++) {
		if (s->round == 30) {
			s->nodes[7].cut_off = false;
			crdt_ae_connected(&s->nodes[7].ae, 1);
		}
		for (int k = 0; s->round < 20 && k < 5; k++)
			ASSERT_EQ(0, sim_mutate(s));
		sim_deliver(s);
		sim_tick(s);
		done = s->round >= 30 && sim_converged(s);
	}
	ASSERT_TRUE(done);
	for (uint32_t i = 0; i < s->n; i++)
		fulls += s->nodes[i].ae.stats.fulls_sent;
	EXPECT_GT(fulls, 0);
	sim_check_content(_metadata, s);
	sim_free(s);
	free(s);
}

TEST_HARNESS_MAIN
