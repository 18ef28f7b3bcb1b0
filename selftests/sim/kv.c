// SPDX-License-Identifier: GPL-2.0
/*
 * The replicated key-value store of the simulation, its clients (puts
 * and gets through the log, gets through read index) and the final
 * linearizability check of what they saw.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/* ---- the key-value state machine and its clients ------------------------ */

#define SIM_CMD_SIZE 10

static void sim_cmd_encode(uint8_t *b, bool is_put, int key, uint64_t value)
{
	b[0] = is_put ? 'P' : 'G';
	b[1] = key;
	for (int i = 0; i < 8; i++)
		b[2 + i] = value >> (8 * i);
}

static uint64_t sim_kv_apply(struct sim *s, struct sim_node *nd,
			     const struct raft_entry *e)
{
	const uint8_t *b = e->data;
	uint64_t value = 0;
	int key;

	if (e->type != RAFT_ENTRY_NORMAL || e->len != SIM_CMD_SIZE)
		return 0;
	key = b[1] % SIM_KEYS;
	for (int i = 7; i >= 0; i--)
		value = (value << 8) | b[2 + i];
	if (b[0] != 'P')
		return nd->kv[key];
	if (s->o->mutate == SIM_MUTATE_KV && nd->id == 1 && key == 0)
		return 0;
	nd->kv[key] = value;
	return 0;
}

static void sim_complete_ops(struct sim *s, struct sim_node *nd,
			     const struct raft_entry *e, uint64_t result)
{
	for (int c = 0; c < SIM_CLIENTS; c++) {
		struct sim_client_op *op;

		if (s->clients[c].op < 0)
			continue;
		op = &s->ops[s->clients[c].op];
		if (op->node != nd->id || op->read_id || op->index != e->index)
			continue;
		/* Another entry won that index: ours can never commit. */
		if (op->term != e->term)
			op->failed = true;
		else if (!op->op.is_put)
			op->op.value = result;
		op->op.response = s->now;
		op->done = true;
		s->res->ops_ok += !op->failed;
		s->clients[c].op = -1;
	}
}

static uint64_t sim_kv_hash(const uint64_t *kv)
{
	uint64_t h = 1;

	for (int i = 0; i < SIM_KEYS; i++)
		h = sim_mix(h, kv[i]);
	return h;
}

/* Every node's store must be in the same state after the same index. */
void sim_check_state(struct sim *s, struct sim_node *nd)
{
	struct sim_index_fact *f = sim_fact(s, nd->applied);
	uint64_t h = sim_kv_hash(nd->kv);

	if (!f) {
		sim_fail(s, "out of memory");
		return;
	}
	if (!f->state_hash)
		f->state_hash = h;
	else if (f->state_hash != h)
		sim_fail(s, "state machine safety: node %d's store differs "
			 "after %" PRIu64, nd->id, nd->applied);
}

static void sim_respond(struct sim *s, int c, struct sim_client_op *op)
{
	op->op.response = s->now;
	op->done = true;
	s->res->ops_ok++;
	s->clients[c].op = -1;
}

/* Note reads the leader confirmed, and answer those now applied. */
void sim_serve_reads(struct sim *s, struct sim_node *nd,
		     const struct raft_ready *rd)
{
	for (int c = 0; c < SIM_CLIENTS; c++) {
		struct sim_client_op *op;

		if (s->clients[c].op < 0)
			continue;
		op = &s->ops[s->clients[c].op];
		if (op->node != nd->id || !op->read_id)
			continue;
		for (size_t i = 0; i < rd->n_reads; i++) {
			if (rd->reads[i].id != op->read_id)
				continue;
			op->index = rd->reads[i].index;
			op->read_confirmed = true;
		}
		if (!op->read_confirmed || nd->applied < op->index)
			continue;
		op->op.value = nd->kv[op->key];
		sim_respond(s, c, op);
	}
}

void sim_apply(struct sim *s, struct sim_node *nd,
	       const struct raft_entry *e)
{
	uint64_t h = sim_entry_hash(0, e);
	struct sim_index_fact *f = sim_fact(s, e->index);
	uint64_t result;

	if (!f) {
		sim_fail(s, "out of memory");
		return;
	}
	if (e->index != nd->applied + 1)
		sim_fail(s, "node %d applies %" PRIu64 " after %" PRIu64,
			 nd->id, e->index, nd->applied);
	if (!f->applied_hash)
		f->applied_hash = h;
	else if (f->applied_hash != h)
		sim_fail(s, "state machine safety: node %d applies a "
			 "different entry at %" PRIu64, nd->id, e->index);
	nd->applied = e->index;
	result = sim_kv_apply(s, nd, e);
	sim_check_state(s, nd);
	sim_complete_ops(s, nd, e, result);
}

struct sim_node *sim_find_leader(struct sim *s)
{
	struct sim_node *cand[SIM_MAX_NODES];
	int n = 0;

	for (int i = 0; i < s->n; i++)
		if (s->nodes[i].up && s->nodes[i].role == RAFT_LEADER)
			cand[n++] = &s->nodes[i];
	return n ? cand[prng_below(&s->rng, n)] : NULL;
}

static void sim_client_start(struct sim *s, struct sim_client *c)
{
	struct sim_node *nd = sim_find_leader(s);
	uint8_t cmd[SIM_CMD_SIZE];
	struct sim_client_op *op;
	int key = prng_below(&s->rng, SIM_KEYS);
	bool is_put = sim_chance(s, 1, 2);
	uint64_t value = is_put ? ++s->next_value : 0;

	if (!nd || s->ops_per_key[key] >= SIM_OPS_PER_KEY)
		return;
	if (sim_reserve((void **)&s->ops, &s->cap_ops, s->n_ops + 1,
			sizeof(*s->ops))) {
		sim_fail(s, "out of memory");
		return;
	}
	op = &s->ops[s->n_ops];
	memset(op, 0, sizeof(*op));
	sim_cmd_encode(cmd, is_put, key, value);
	/* Half the gets go through read index instead of the log. */
	if (!is_put && sim_chance(s, 1, 2)) {
		if (raft_read_index(nd->r, &op->read_id))
			return;
	} else if (raft_propose(nd->r, cmd, sizeof(cmd), &op->index,
				&op->term)) {
		return;
	}
	op->key = key;
	op->node = nd->id;
	op->op = (struct sim_op){ .is_put = is_put, .value = value,
				  .invoke = s->now,
				  .response = SIM_NO_RESPONSE };
	c->op = s->n_ops++;
	s->ops_per_key[key]++;
	sim_log(s, 1, "client: %s key %d value %" PRIu64 " at node %d "
		"index %" PRIu64 "%s", is_put ? "put" : "get", key, value,
		nd->id, op->index, op->read_id ? " (read index)" : "");
}

void sim_clients(struct sim *s)
{
	for (int i = 0; i < SIM_CLIENTS; i++) {
		struct sim_client *c = &s->clients[i];

		if (c->op >= 0 &&
		    s->now - s->ops[c->op].op.invoke > SIM_OP_TIMEOUT_MS)
			c->op = -1;	/* gives up: outcome unknown */
		/* Once healed, the cluster must go quiet to converge. */
		if (c->op < 0 && s->faults && sim_chance(s, 1, 3))
			sim_client_start(s, c);
	}
}

void sim_check_linearizable(struct sim *s)
{
	struct sim_op hist[SIM_OPS_PER_KEY];

	for (int key = 0; key < SIM_KEYS && !s->res->failed; key++) {
		size_t n = 0;
		int ok;

		for (size_t i = 0; i < s->n_ops; i++) {
			const struct sim_client_op *op = &s->ops[i];

			if (op->key != key || op->failed)
				continue;
			/* An unanswered get tells nothing. */
			if (!op->done && !op->op.is_put)
				continue;
			s->res->ops_unknown += !op->done;
			hist[n++] = op->op;
		}
		ok = sim_lin_check(hist, n);
		if (ok < 0)
			sim_fail(s, "linearizability checker: %s",
				 strerror(-ok));
		else if (!ok)
			sim_fail(s, "linearizability: history of key %d "
				 "(%zu ops) is not linearizable", key, n);
	}
}
