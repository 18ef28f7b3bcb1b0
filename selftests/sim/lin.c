// SPDX-License-Identifier: GPL-2.0
/*
 * A linearizability checker for one register, after Wing and Gong with
 * Lowe's memoization: depth-first search over the order in which
 * operations take effect, pruning states (set of operations done, value)
 * already seen. Linearizability is compositional, so the simulator checks
 * each key of its store on its own and histories stay small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim_lin_seen {
	uint64_t *mask;
	uint64_t *value;
	size_t cap;
	size_t n;
};

struct sim_lin {
	const struct sim_op *ops;
	size_t n;
	uint64_t need;		/* operations with a response */
	struct sim_lin_seen seen;
};

static uint64_t sim_lin_hash(uint64_t mask, uint64_t value)
{
	uint64_t h = mask * 0x9e3779b97f4a7c15ull ^ value;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

static int sim_lin_grow(struct sim_lin_seen *s);

/* Returns 1 if newly added, 0 if seen before, -ENOMEM. */
static int sim_lin_add(struct sim_lin_seen *s, uint64_t mask, uint64_t value)
{
	size_t i;

	/* mask == 0 never needs storing: the search starts there once. */
	if ((s->n + 1) * 2 > s->cap && sim_lin_grow(s))
		return -ENOMEM;
	for (i = sim_lin_hash(mask, value) & (s->cap - 1); s->mask[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->mask[i] == mask && s->value[i] == value)
			return 0;
	s->mask[i] = mask;
	s->value[i] = value;
	s->n++;
	return 1;
}

static int sim_lin_grow(struct sim_lin_seen *s)
{
	struct sim_lin_seen bigger = { .cap = s->cap ? s->cap * 2 : 1024 };

	bigger.mask = calloc(bigger.cap, sizeof(uint64_t));
	bigger.value = calloc(bigger.cap, sizeof(uint64_t));
	if (!bigger.mask || !bigger.value)
		goto err;
	for (size_t i = 0; i < s->cap; i++)
		if (s->mask[i] && sim_lin_add(&bigger, s->mask[i],
					      s->value[i]) < 0)
			goto err;
	free(s->mask);
	free(s->value);
	*s = bigger;
	return 0;
err:
	free(bigger.mask);
	free(bigger.value);
	return -ENOMEM;
}

/* The earliest response among operations not yet done. */
static uint64_t sim_lin_deadline(const struct sim_lin *l, uint64_t mask)
{
	uint64_t d = SIM_NO_RESPONSE;

	for (size_t i = 0; i < l->n; i++)
		if (!(mask & (1ull << i)) && l->ops[i].response < d)
			d = l->ops[i].response;
	return d;
}

static int sim_lin_search(struct sim_lin *l, uint64_t mask, uint64_t value)
{
	uint64_t deadline;

	if ((mask & l->need) == l->need)
		return 1;
	if (mask) {
		int added = sim_lin_add(&l->seen, mask, value);

		if (added <= 0)
			return added;
	}
	deadline = sim_lin_deadline(l, mask);
	for (size_t i = 0; i < l->n; i++) {
		const struct sim_op *op = &l->ops[i];
		int ok;

		/*
		 * An operation can take effect next only if nothing still
		 * undone had already returned when it was invoked.
		 */
		if ((mask & (1ull << i)) || op->invoke > deadline)
			continue;
		if (!op->is_put && op->value != value)
			continue;
		ok = sim_lin_search(l, mask | (1ull << i),
				    op->is_put ? op->value : value);
		if (ok)
			return ok;
	}
	return 0;
}

int sim_lin_check(const struct sim_op *ops, size_t n)
{
	struct sim_lin l = { .ops = ops, .n = n };
	int ret;

	if (n > 64)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (ops[i].response != SIM_NO_RESPONSE)
			l.need |= 1ull << i;
	ret = sim_lin_search(&l, 0, 0);
	free(l.seen.mask);
	free(l.seen.value);
	return ret;
}
