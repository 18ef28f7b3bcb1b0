// SPDX-License-Identifier: GPL-2.0
/*
 * Algebraic properties every state-based CRDT must have, checked on
 * replicas built from random operation sequences (seeded PRNG: a failing
 * seed replays exactly). Two states are equal when their canonical
 * encodings are equal, which the decoders enforce.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/prng.h"
#include "crdt/lww.h"
#include "crdt/orset.h"
#include "crdt/pncounter.h"

#define NREPLICAS	3
#define NSEEDS		60
#define NOPS		40

/* One CRDT type seen through a uniform interface. */
struct ty {
	const char *name;
	size_t size;
	void (*init)(void *s);
	void (*free)(void *s);
	int (*join)(void *s, void *src);
	int (*copy)(void *dst, const void *src);
	void (*encode)(struct crdt_buf *b, const void *s);
	/* A random mutation at replica @node; the delta goes to @delta. */
	int (*op)(void *s, void *delta, uint64_t node, uint64_t ts,
		  struct prng *r);
};

static void rand_key(struct prng *r, char *k)
{
	/* Few keys, so replicas often write the same one. */
	k[0] = 'a' + prng_below(r, 6);
	k[1] = 0;
}

static int lww_op(void *s, void *delta, uint64_t node, uint64_t ts,
		  struct prng *r)
{
	char k[2], v[8];

	rand_key(r, k);
	snprintf(v, sizeof(v), "%u", (unsigned)prng_below(r, 1000));
	if (prng_chance(r, 1, 4))
		return crdt_lww_map_del(s, delta, k, 1, ts, node);
	/* Equal timestamps from different nodes on purpose: the tiebreak. */
	return crdt_lww_map_put(s, delta, k, 1, v, strlen(v), ts / 4, node);
}

static int orset_op(void *s, void *delta, uint64_t node, uint64_t ts,
		    struct prng *r)
{
	char k[2];

	rand_key(r, k);
	if (prng_chance(r, 1, 3))
		return crdt_orset_remove(s, delta, k, 1);
	return crdt_orset_add(s, delta, node, k, 1);
}

static int pn_op(void *s, void *delta, uint64_t node, uint64_t ts,
		 struct prng *r)
{
	return crdt_pn_add(s, delta, node, (int64_t)prng_below(r, 21) - 10);
}

#define TY(n, pfx, type, opfn) {					\
	.name = n, .size = sizeof(type),				\
	.init = (void (*)(void *))pfx##_init,				\
	.free = (void (*)(void *))pfx##_free,				\
	.join = (int (*)(void *, void *))pfx##_join,			\
	.copy = (int (*)(void *, const void *))pfx##_copy,		\
	.encode = (void (*)(struct crdt_buf *, const void *))pfx##_encode, \
	.op = opfn,							\
}

static const struct ty types[] = {
	TY("lww_map", crdt_lww_map, struct crdt_lww_map, lww_op),
	TY("orset", crdt_orset, struct crdt_orset, orset_op),
	TY("pncounter", crdt_pn, struct crdt_pncounter, pn_op),
};

/* Union big enough for any state. */
union state {
	struct crdt_lww_map m;
	struct crdt_orset s;
	struct crdt_pncounter c;
};

static int same(const struct ty *t, const void *a, const void *b)
{
	struct crdt_buf ea, eb;
	int eq;

	crdt_buf_init(&ea);
	crdt_buf_init(&eb);
	t->encode(&ea, a);
	t->encode(&eb, b);
	eq = !ea.err && !eb.err && ea.len == eb.len &&
	     !memcmp(ea.data, eb.data, ea.len);
	crdt_buf_free(&ea);
	crdt_buf_free(&eb);
	return eq;
}

/* *out := a ⊔ b, inputs kept. */
static int join_of(const struct ty *t, void *out, const void *a, const void *b)
{
	union state tmp;
	int err;

	err = t->copy(out, a);
	if (err)
		return err;
	err = t->copy(&tmp, b);
	if (!err)
		err = t->join(out, &tmp);
	t->free(&tmp);
	return err;
}

/*
 * Replicas that diverge and partly sync: random ops at random replicas,
 * sometimes a full-state join from one replica into another, so states
 * share history (the interesting case for observed-remove).
 */
static int build_replicas(const struct ty *t, uint64_t seed, union state *rep)
{
	struct prng r;
	int err = 0;

	prng_seed(&r, seed);
	for (int i = 0; i < NREPLICAS; i++)
		t->init(&rep[i]);
	for (int op = 0; op < NOPS && !err; op++) {
		int i = prng_below(&r, NREPLICAS), j = prng_below(&r, NREPLICAS);
		union state delta, tmp;

		if (prng_chance(&r, 1, 5)) {
			err = t->copy(&tmp, &rep[j]);
			if (!err)
				err = t->join(&rep[i], &tmp);
			t->free(&tmp);
			continue;
		}
		err = t->op(&rep[i], &delta, i + 1, op, &r);
		if (!err)
			t->free(&delta);
	}
	return err;
}

static void free_all(const struct ty *t, union state *s, int n)
{
	for (int i = 0; i < n; i++)
		t->free(&s[i]);
}

TEST(join_is_commutative_associative_and_idempotent)
{
	for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
		const struct ty *t = &types[ti];

		for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
			union state rep[NREPLICAS], x[6];

			ASSERT_EQ(0, build_replicas(t, seed, rep));
			/* a⊔b = b⊔a */
			ASSERT_EQ(0, join_of(t, &x[0], &rep[0], &rep[1]));
			ASSERT_EQ(0, join_of(t, &x[1], &rep[1], &rep[0]));
			EXPECT_TRUE(same(t, &x[0], &x[1]))
				TH_LOG("%s seed %lu: not commutative", t->name,
				       (unsigned long)seed);
			/* (a⊔b)⊔c = a⊔(b⊔c) */
			ASSERT_EQ(0, join_of(t, &x[2], &x[0], &rep[2]));
			ASSERT_EQ(0, join_of(t, &x[3], &rep[1], &rep[2]));
			ASSERT_EQ(0, join_of(t, &x[4], &rep[0], &x[3]));
			EXPECT_TRUE(same(t, &x[2], &x[4]))
				TH_LOG("%s seed %lu: not associative", t->name,
				       (unsigned long)seed);
			/* a⊔a = a, and joining again changes nothing */
			ASSERT_EQ(0, join_of(t, &x[5], &rep[0], &rep[0]));
			EXPECT_TRUE(same(t, &x[5], &rep[0]))
				TH_LOG("%s seed %lu: not idempotent", t->name,
				       (unsigned long)seed);
			free_all(t, x, 6);
			free_all(t, rep, NREPLICAS);
		}
	}
}

/*
 * Two observers of the same replicas: one is sent every delta, in a
 * shuffled order and some twice; the other is sent each replica's final
 * full state. Delta replication is only right if they end equal.
 */
TEST(delta_replication_equals_full_state_merge)
{
	for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
		const struct ty *t = &types[ti];

		for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
			union state rep[NREPLICAS], deltas[2 * NOPS];
			union state by_delta, by_state, tmp;
			int nd = 0;
			struct prng r;

			prng_seed(&r, seed);
			for (int i = 0; i < NREPLICAS; i++)
				t->init(&rep[i]);
			for (int op = 0; op < NOPS; op++) {
				int i = prng_below(&r, NREPLICAS);

				ASSERT_EQ(0, t->op(&rep[i], &deltas[nd], i + 1,
						   op, &r));
				nd++;
				/* replicas learn from each other's deltas too */
				if (prng_chance(&r, 1, 3)) {
					int j = prng_below(&r, NREPLICAS);

					ASSERT_EQ(0, t->copy(&tmp, &deltas[nd - 1]));
					ASSERT_EQ(0, t->join(&rep[j], &tmp));
					t->free(&tmp);
				}
			}
			/* duplicates, then a Fisher-Yates shuffle */
			for (int k = 0; k < NOPS / 4; k++, nd++)
				ASSERT_EQ(0, t->copy(&deltas[nd],
						     &deltas[prng_below(&r, NOPS)]));
			for (int k = nd - 1; k > 0; k--) {
				int m = prng_below(&r, k + 1);

				tmp = deltas[k];
				deltas[k] = deltas[m];
				deltas[m] = tmp;
			}
			t->init(&by_delta);
			for (int k = 0; k < nd; k++)
				ASSERT_EQ(0, t->join(&by_delta, &deltas[k]));
			t->init(&by_state);
			for (int i = 0; i < NREPLICAS; i++)
				ASSERT_EQ(0, t->join(&by_state, &rep[i]));
			EXPECT_TRUE(same(t, &by_delta, &by_state))
				TH_LOG("%s seed %lu: deltas diverge", t->name,
				       (unsigned long)seed);
			t->free(&by_delta);
			t->free(&by_state);
			free_all(t, deltas, nd);
		}
	}
}

TEST_HARNESS_MAIN
