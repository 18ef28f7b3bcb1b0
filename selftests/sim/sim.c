// SPDX-License-Identifier: GPL-2.0
/*
 * The deterministic Raft simulator. A cluster of 3 or 5 nodes, and two
 * spare nodes that start empty, runs the real core (user/raft) while an
 * operator adds, promotes and removes members, over a simulated network
 * that loses, duplicates, delays and reorders messages and can be
 * partitioned (asymmetrically too), on simulated disks that lose unsynced writes when a node crashes
 * in the middle of persisting. Every message crosses the wire codec.
 * After every step the checker asserts Raft's safety properties:
 *
 *   election safety     at most one leader per term, and only voters of
 *                       their own configuration campaign;
 *   log matching        same (index, term) => same prefix (prefix hashes);
 *   leader completeness a leader holds every entry committed before its
 *                       term;
 *   state machine safety every node applies the same entry at an index,
 *                       and a committed prefix never changes;
 *   configuration       a node acts on the configuration its durable
 *                       log says;
 *
 * and at the end, that the clients' history of the key-value store is
 * linearizable and that the healed cluster converges (liveness).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lib/crc32c.h"
#include "raft/msg.h"
#include "sim_int.h"

/* Prefix hash of @d's log up to @index; 0 if compacted or absent. */
uint64_t sim_phash_at(const struct sim_disk *d, uint64_t index)
{
	if (index == d->base)
		return d->base_phash;
	if (index < d->base || index > d->base + d->n)
		return 0;
	return d->phash[index - d->base - 1];
}

uint64_t sim_disk_last(const struct sim_disk *d)
{
	return d->base + d->n;
}

void sim_log(struct sim *s, int level, const char *fmt, ...)
{
	va_list ap;

	if (s->o->verbose < level)
		return;
	printf("%6" PRIu64 " ", s->now);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->res->failed)
		return;
	s->res->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->res->why, sizeof(s->res->why), fmt, ap);
	va_end(ap);
	sim_log(s, 1, "VIOLATION: %s", s->res->why);
}

uint64_t sim_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

uint64_t sim_entry_hash(uint64_t prev, const struct raft_entry *e)
{
	uint64_t h = sim_mix(prev, e->index);

	h = sim_mix(h, e->term);
	h = sim_mix(h, e->type);
	return sim_mix(h, crc32c(0, e->data, e->len) | (uint64_t)e->len << 32);
}

bool sim_chance(struct sim *s, uint32_t num, uint32_t den)
{
	return prng_chance(&s->rng, num, den);
}

/* ---- growable arrays ---------------------------------------------------- */

int sim_reserve(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	memset((char *)q + *cap * size, 0, (c - *cap) * size);
	*p = q;
	*cap = c;
	return 0;
}

struct sim_index_fact *sim_fact(struct sim *s, uint64_t index)
{
	if (sim_reserve((void **)&s->facts, &s->cap_facts, index + 1,
			sizeof(*s->facts)))
		return NULL;
	return &s->facts[index];
}

/* ---- network ------------------------------------------------------------ */

/* More than any sane cluster of 5 sends in 80 ms: a feedback loop. */
#define SIM_MAX_IN_FLIGHT	20000

static void sim_enqueue(struct sim *s, int to, const uint8_t *buf,
			size_t len)
{
	struct sim_packet p;
	size_t lo = 0, hi = s->n_pk;

	if (s->n_pk >= SIM_MAX_IN_FLIGHT) {
		sim_fail(s, "message storm: %zu messages in flight", s->n_pk);
		return;
	}

	if (sim_reserve((void **)&s->pk, &s->cap_pk, s->n_pk + 1,
			sizeof(*s->pk))) {
		sim_fail(s, "out of memory");
		return;
	}
	p.buf = malloc(len);
	if (!p.buf) {
		sim_fail(s, "out of memory");
		return;
	}
	memcpy(p.buf, buf, len);
	p.len = len;
	p.to = to;
	p.seq = s->seq++;
	p.at = s->now + 1 + prng_below(&s->rng, s->max_delay);
	/*
	 * The queue stays sorted by (at, seq): the newest seq goes after
	 * every packet due no later than it. Delivery then never sorts.
	 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->pk[mid].at <= p.at)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(s->pk + lo + 1, s->pk + lo, (s->n_pk - lo) * sizeof(*s->pk));
	s->pk[lo] = p;
	s->n_pk++;
}

static void sim_send(struct sim *s, const struct raft_msg *m)
{
	size_t len = raft_msg_encoded_size(m);
	int from = m->from - 1, to = m->to - 1;
	uint8_t *buf;
	ssize_t n;

	s->res->msgs++;
	sim_log(s, 2, "send %s %" PRIu64 "->%" PRIu64 " term %" PRIu64
		" index %" PRIu64 " logterm %" PRIu64 " commit %" PRIu64
		" n %u%s", raft_msg_type_name(m->type), m->from, m->to,
		m->term, m->index, m->log_term, m->commit, m->n_entries,
		m->reject ? " reject" : "");
	if (to < 0 || to >= s->n) {
		sim_fail(s, "message to unknown node %" PRIu64, m->to);
		return;
	}
	if (s->blocked[from][to] || sim_chance(s, s->loss_pct, 100))
		return;
	buf = malloc(len);
	if (!buf) {
		sim_fail(s, "out of memory");
		return;
	}
	n = raft_msg_encode(m, buf, len);
	if (n != (ssize_t)len)
		sim_fail(s, "encode %s: %zd", raft_msg_type_name(m->type), n);
	else {
		sim_enqueue(s, to, buf, len);
		if (sim_chance(s, s->dup_pct, 100))
			sim_enqueue(s, to, buf, len);
	}
	free(buf);
}

/* ---- nodes -------------------------------------------------------------- */

static void sim_crash(struct sim *s, struct sim_node *nd);

/* The newest configuration entry left on @d, after a truncation. */
static uint64_t sim_disk_conf_index(const struct sim_disk *d)
{
	for (size_t i = d->n; i > 0; i--)
		if (d->log[i - 1].type == RAFT_ENTRY_CONF)
			return d->log[i - 1].index;
	return 0;
}

static int sim_disk_write(struct sim_disk *d, const struct raft_entry *e,
			  size_t n)
{
	if (!n)
		return 0;
	/* Storage drops whatever the new entries replace. */
	while (d->n && sim_disk_last(d) >= e[0].index)
		free(d->log[--d->n].data);
	if (d->conf_index > sim_disk_last(d))
		d->conf_index = sim_disk_conf_index(d);
	if (sim_reserve((void **)&d->log, &d->cap, d->n + n, sizeof(*d->log)))
		return -ENOMEM;
	d->phash = realloc(d->phash, d->cap * sizeof(*d->phash));
	if (!d->phash)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct raft_entry *de = &d->log[d->n];

		*de = e[i];
		de->data = NULL;
		if (e[i].len) {
			de->data = malloc(e[i].len);
			if (!de->data)
				return -ENOMEM;
			memcpy(de->data, e[i].data, e[i].len);
		}
		d->phash[d->n] = sim_entry_hash(d->n ? d->phash[d->n - 1] :
						d->base_phash, de);
		d->n++;
		if (de->type == RAFT_ENTRY_CONF)
			d->conf_index = de->index;
	}
	return 0;
}

static void sim_note_role(struct sim *s, struct sim_node *nd)
{
	struct raft_status st;

	raft_status(nd->r, &st);
	if (st.role != nd->role || st.term != nd->term) {
		sim_log(s, 1, "node %d: %s term %" PRIu64, nd->id,
			raft_role_name(st.role), st.term);
		if (st.role == RAFT_LEADER)
			s->res->elections++;
		/*
		 * Leaders that fail young leave logs half replicated: the
		 * raw material of Raft's figure 8.
		 */
		if (st.role == RAFT_LEADER && s->faults && sim_chance(s, 1, 4))
			nd->doom_at = s->now + 1 +
				      prng_below(&s->rng, 3 * SIM_TICK_MS);
		/*
		 * Young leaders change the membership at once, while an
		 * earlier leader's change may still be uncommitted: the
		 * situation of the single-server bug.
		 */
		if (st.role == RAFT_LEADER && s->faults && s->reconf_odds &&
		    sim_chance(s, 1, 2))
			nd->reconf_at = s->now + 1 +
					prng_below(&s->rng, 3 * SIM_TICK_MS);
	}
	nd->role = st.role;
	nd->term = st.term;
	sim_check_election(s, nd);
}

static void sim_disk_drop_to(struct sim_disk *d, uint64_t index)
{
	size_t drop = index - d->base;

	/* The snapshot's configuration holds what the dropped ones said. */
	if (d->conf_index <= index)
		d->conf_index = 0;
	if (drop > d->n)
		drop = d->n;
	if (!drop)
		return;
	for (size_t i = 0; i < drop; i++)
		free(d->log[i].data);
	memmove(d->log, d->log + drop, (d->n - drop) * sizeof(*d->log));
	memmove(d->phash, d->phash + drop, (d->n - drop) * sizeof(*d->phash));
	d->n -= drop;
}

/*
 * A snapshot from the leader replaces the whole log on disk. It must be
 * of a committed prefix: the chain of committed prefix hashes says what
 * its prefix hash is.
 */
static void sim_install_snapshot(struct sim *s, struct sim_node *nd,
				 const struct raft_snapshot *snap)
{
	struct sim_disk *d = &nd->disk;
	const uint8_t *b = snap->data;

	if (snap->index > s->commit || snap->len != 8 * SIM_KEYS) {
		sim_fail(s, "node %d got a snapshot at %" PRIu64 " that is "
			 "not of a committed prefix", nd->id, snap->index);
		return;
	}
	sim_disk_drop_to(d, sim_disk_last(d));
	d->base = snap->index;
	d->base_term = snap->term;
	d->base_conf = snap->conf;
	d->base_phash = s->facts[snap->index].commit_hash;
	for (int k = 0; k < SIM_KEYS; k++) {
		d->base_kv[k] = 0;
		for (int i = 7; i >= 0; i--)
			d->base_kv[k] = (d->base_kv[k] << 8) | b[8 * k + i];
	}
	s->res->snapshots++;
	sim_log(s, 1, "node %d: installs snapshot at %" PRIu64, nd->id,
		snap->index);
}

/* The store restarts from the disk's snapshot. */
static void sim_load_snapshot(struct sim *s, struct sim_node *nd)
{
	memcpy(nd->kv, nd->disk.base_kv, sizeof(nd->kv));
	nd->applied = nd->disk.base;
	if (nd->applied)
		sim_check_state(s, nd);
}

/* Now and then a node snapshots its store and compacts its log. */
static void sim_maybe_compact(struct sim *s, struct sim_node *nd)
{
	struct sim_disk *d = &nd->disk;
	uint8_t data[8 * SIM_KEYS];
	uint64_t index = nd->applied;
	int err;

	if (!nd->up || !s->compact_every ||
	    index < d->base + s->compact_every || index > sim_disk_last(d))
		return;
	for (int k = 0; k < SIM_KEYS; k++)
		for (int i = 0; i < 8; i++)
			data[8 * k + i] = nd->kv[k] >> (8 * i);
	err = raft_compact(nd->r, index, data, sizeof(data));
	if (err) {
		sim_fail(s, "node %d cannot compact to %" PRIu64 ": %s",
			 nd->id, index, strerror(-err));
		return;
	}
	/* The configuration as of the snapshot comes from the core. */
	err = raft_conf_at(nd->r, index, &d->base_conf);
	if (err) {
		sim_fail(s, "node %d has no configuration at %" PRIu64 ": %s",
			 nd->id, index, strerror(-err));
		return;
	}
	d->base_phash = sim_phash_at(d, index);
	d->base_term = d->log[index - d->base - 1].term;
	memcpy(d->base_kv, nd->kv, sizeof(nd->kv));
	sim_disk_drop_to(d, index);
	d->base = index;
	sim_store_compact(s, nd, &(struct raft_snapshot){
		.index = index, .term = d->base_term,
		.len = sizeof(data), .data = data, .conf = d->base_conf });
}

/*
 * A crash while persisting. Storage writes the entries, then the hard
 * state, then syncs; the disk keeps a random prefix of that sequence
 * (unsynced data lost, a torn tail cut off at restart). Nothing of this
 * ready was sent or applied.
 */
static void sim_torn_persist(struct sim *s, struct sim_node *nd,
			     const struct raft_ready *rd)
{
	size_t keep = prng_below(&s->rng, rd->n_entries + 2);
	struct raft_ready kept = { .entries = rd->entries };

	/* The snapshot is written (atomically) before anything else. */
	if (rd->snapshot) {
		if (sim_chance(s, 1, 2)) {
			keep = 0;
		} else {
			sim_install_snapshot(s, nd, rd->snapshot);
			kept.snapshot = rd->snapshot;
		}
	}
	if (keep > rd->n_entries) {
		keep = rd->n_entries;
		if (rd->hs_changed) {
			nd->disk.hs = rd->hs;
			kept.hs = rd->hs;
			kept.hs_changed = true;
		}
	}
	kept.n_entries = keep;
	if (sim_disk_write(&nd->disk, rd->entries, keep))
		sim_fail(s, "out of memory");
	sim_store_tear(s, nd, &kept);
	sim_log(s, 1, "node %d: crash while persisting (kept %zu of %zu)",
		nd->id, keep, rd->n_entries);
	sim_crash(s, nd);
}

static void sim_process_ready(struct sim *s, struct sim_node *nd)
{
	struct raft_ready rd;

	while (nd->up && !s->res->failed && raft_has_ready(nd->r)) {
		raft_ready(nd->r, &rd);
		if (s->faults && (rd.n_entries || rd.hs_changed) &&
		    sim_chance(s, 1, 300)) {
			sim_torn_persist(s, nd, &rd);
			return;
		}
		if (rd.snapshot) {
			sim_install_snapshot(s, nd, rd.snapshot);
			sim_load_snapshot(s, nd);
		}
		if (sim_disk_write(&nd->disk, rd.entries, rd.n_entries)) {
			sim_fail(s, "out of memory");
			return;
		}
		for (size_t i = 0; i < rd.n_entries; i++) {
			uint64_t index = rd.entries[i].index;

			sim_check_log_matching(s, nd->id, index,
					       rd.entries[i].term,
					       sim_phash_at(&nd->disk, index));
		}
		if (rd.hs_changed)
			nd->disk.hs = rd.hs;
		sim_store_save(s, nd, &rd);
		for (size_t i = 0; i < rd.n_msgs; i++)
			sim_send(s, &rd.msgs[i]);
		for (size_t i = 0; i < rd.n_committed; i++)
			sim_apply(s, nd, &rd.committed[i]);
		sim_serve_reads(s, nd, &rd);
		raft_advance(nd->r, &rd);
		sim_note_role(s, nd);
		sim_check_commit(s, nd);
		sim_check_conf(s, nd);
		sim_maybe_compact(s, nd);
	}
}

/* Members start with the bootstrap configuration; spares with none. */
void sim_boot_conf(const struct sim *s, int id, struct raft_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (id > s->n_boot)
		return;
	for (int i = 1; i <= s->n_boot; i++) {
		if (i <= s->n_boot - s->n_learners)
			conf->voters[conf->n_voters++] = i;
		else
			conf->learners[conf->n_learners++] = i;
	}
}

static void sim_node_config(struct sim *s, struct sim_node *nd,
			    struct raft_config *cfg)
{
	raft_config_default(cfg);
	cfg->id = nd->id;
	/* Spares join through the log: they start with no configuration. */
	if (nd->id <= s->n_boot) {
		cfg->n_voters = s->n_boot - s->n_learners;
		for (size_t i = 0; i < cfg->n_voters; i++)
			cfg->voters[i] = i + 1;
		cfg->n_learners = s->n_learners;
		for (int i = 0; i < s->n_learners; i++)
			cfg->learners[i] = cfg->n_voters + i + 1;
	}
	cfg->election_ticks = SIM_ELECTION_TICKS;
	cfg->heartbeat_ticks = s->heartbeat_ticks;
	cfg->max_inflight = s->max_inflight;
	cfg->max_msg_entries = s->max_msg_entries;
	cfg->seed = prng_next(&s->rng);
}

/* Restart from what the files recovered, once it matched the model. */
static int sim_start_from_storage(struct sim *s, struct sim_node *nd,
				  const struct raft_config *cfg)
{
	struct raft_storage_state st;
	int err;

	err = sim_store_open(s, nd, &st);
	if (!err)
		err = raft_new_at(cfg, &st.hs, &st.snapshot, st.entries,
				  st.n_entries, &nd->r);
	raft_storage_state_release(&st);
	return err;
}

static int sim_start(struct sim *s, struct sim_node *nd)
{
	struct raft_config cfg;
	int err;

	struct raft_snapshot snap = {
		.index = nd->disk.base,
		.term = nd->disk.base_term,
		.conf = nd->disk.base_conf,
	};
	uint8_t data[8 * SIM_KEYS];

	for (int k = 0; k < SIM_KEYS; k++)
		for (int i = 0; i < 8; i++)
			data[8 * k + i] = nd->disk.base_kv[k] >> (8 * i);
	snap.data = data;
	snap.len = sizeof(data);
	sim_node_config(s, nd, &cfg);
	if (s->o->storage_dir)
		err = sim_start_from_storage(s, nd, &cfg);
	else
		err = raft_new_at(&cfg, &nd->disk.hs, &snap, nd->disk.log,
				  nd->disk.n, &nd->r);
	if (err) {
		sim_fail(s, "node %d cannot restart from its disk: %s", nd->id,
			 strerror(-err));
		return err;
	}
	nd->up = true;
	sim_load_snapshot(s, nd);
	nd->role = RAFT_FOLLOWER;
	nd->term = nd->disk.hs.term;
	return 0;
}

static void sim_crash(struct sim *s, struct sim_node *nd)
{
	raft_free(nd->r);
	nd->r = NULL;
	sim_store_close(nd);
	nd->up = false;
	nd->role = RAFT_FOLLOWER;
	nd->restart_at = s->now + SIM_TICK_MS * (5 + prng_below(&s->rng, 50));
	s->res->crashes++;
	sim_log(s, 1, "node %d: crash", nd->id);
}

static void sim_deliver(struct sim *s)
{
	size_t n = 0;

	/* Packets sent while delivering are due later: they queue behind. */
	while (n < s->n_pk && s->pk[n].at <= s->now && !s->res->failed) {
		struct sim_packet *p = &s->pk[n++];
		struct sim_node *nd = &s->nodes[p->to];
		struct raft_msg m;
		int err;

		if (!nd->up)
			continue;
		err = raft_msg_decode(p->buf, p->len, &m);
		if (err) {
			sim_fail(s, "decode of an encoded message: %s",
				 strerror(-err));
			break;
		}
		if (!s->blocked[m.from - 1][p->to]) {
			err = raft_step(nd->r, &m);
			if (err)
				sim_fail(s, "node %d refused a message: %s",
					 nd->id, strerror(-err));
		}
		raft_msg_release(&m);
		sim_process_ready(s, nd);
	}
	for (size_t i = 0; i < n; i++)
		free(s->pk[i].buf);
	if (!n)
		return;
	memmove(s->pk, s->pk + n, (s->n_pk - n) * sizeof(*s->pk));
	s->n_pk -= n;
}

/* ---- faults ------------------------------------------------------------- */

static void sim_partition(struct sim *s)
{
	int kind = prng_below(&s->rng, 5);
	struct sim_node *leader = sim_find_leader(s);
	int victim = leader ? leader->id - 1 : 0;

	memset(s->blocked, 0, sizeof(s->blocked));
	for (int a = 0; a < s->n; a++) {
		for (int b = 0; b < s->n; b++) {
			if (a == b)
				continue;
			switch (kind) {
			case 0:	/* healed */
				break;
			case 1:	/* node 0.. isolated both ways */
				s->blocked[a][b] = a == 0 || b == 0;
				break;
			case 2:	/* asymmetric: each direction at random */
				s->blocked[a][b] = sim_chance(s, 1, 3);
				break;
			case 4:	/* the leader, isolated */
				s->blocked[a][b] = a == victim || b == victim;
				break;
			case 3:	/* two sides, split at random */
				s->blocked[a][b] = (a < s->n / 2) !=
						   (b < s->n / 2);
				break;
			}
		}
	}
	/* Rotate which nodes the fixed shapes hit. */
	if (kind == 1 || kind == 3) {
		int shift = prng_below(&s->rng, s->n);
		bool b2[SIM_MAX_NODES][SIM_MAX_NODES];

		for (int a = 0; a < s->n; a++)
			for (int b = 0; b < s->n; b++)
				b2[(a + shift) % s->n][(b + shift) % s->n] =
					s->blocked[a][b];
		memcpy(s->blocked, b2, sizeof(b2));
	}
	sim_log(s, 1, "network: partition kind %d", kind);
}

/* An operator hands leadership to another node (not a fault, but churn). */
static void sim_transfer(struct sim *s)
{
	struct sim_node *nd = sim_find_leader(s);
	int to;

	if (!nd)
		return;
	to = 1 + prng_below(&s->rng, s->n);
	if (to == nd->id || raft_transfer_leadership(nd->r, to))
		return;
	s->res->transfers++;
	sim_log(s, 1, "node %d: transfer leadership to %d", nd->id, to);
	sim_process_ready(s, nd);
}

/*
 * An operator changes the membership: adds a spare (mostly as a
 * learner, sometimes straight as a voter), promotes a learner, removes
 * a member, the leader included. The core refuses what it must.
 */
static void sim_reconfigure(struct sim *s, struct sim_node *nd)
{
	struct raft_conf_change cc = { 0 };
	struct raft_conf conf;
	uint64_t index;

	if (!nd)
		return;
	raft_conf(nd->r, &conf);
	cc.id = 1 + prng_below(&s->rng, s->n);
	if (raft_conf_is_voter(&conf, cc.id))
		cc.op = RAFT_CONF_REMOVE;
	else if (raft_conf_is_learner(&conf, cc.id))
		cc.op = sim_chance(s, 2, 3) ? RAFT_CONF_ADD_VOTER :
					      RAFT_CONF_REMOVE;
	else
		cc.op = sim_chance(s, 3, 4) ? RAFT_CONF_ADD_LEARNER :
					      RAFT_CONF_ADD_VOTER;
	/* Keep a cluster that can survive one crash, most of the time. */
	if (cc.op == RAFT_CONF_REMOVE && conf.n_voters <= 3 &&
	    raft_conf_is_voter(&conf, cc.id) && sim_chance(s, 3, 4))
		return;
	cc.ctx_len = 1;
	cc.ctx[0] = cc.id;
	if (raft_propose_conf_change(nd->r, &cc, &index, NULL))
		return;
	s->res->conf_changes++;
	sim_log(s, 1, "node %d: membership: %s %" PRIu64 " at %" PRIu64,
		nd->id, cc.op == RAFT_CONF_REMOVE ? "remove" :
		cc.op == RAFT_CONF_ADD_VOTER ? "add voter" : "add learner",
		cc.id, index);
	sim_process_ready(s, nd);
}

static void sim_faults(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];

		if (!nd->up && s->now >= nd->restart_at) {
			sim_log(s, 1, "node %d: restart", nd->id);
			if (!sim_start(s, nd))
				sim_process_ready(s, nd);
		}
	}
	if (!s->faults)
		return;
	for (int i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];

		if (!nd->reconf_at || s->now < nd->reconf_at)
			continue;
		nd->reconf_at = 0;
		if (nd->up && nd->role == RAFT_LEADER)
			sim_reconfigure(s, nd);
	}
	for (int i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];

		if (!nd->doom_at || s->now < nd->doom_at)
			continue;
		nd->doom_at = 0;
		if (!nd->up || nd->role != RAFT_LEADER)
			continue;
		if (sim_chance(s, 1, 2)) {
			sim_crash(s, nd);
			continue;
		}
		for (int j = 0; j < s->n; j++)
			s->blocked[i][j] = s->blocked[j][i] = i != j;
		sim_log(s, 1, "network: young leader %d isolated", nd->id);
	}
	if (sim_chance(s, 1, s->crash_odds)) {
		struct sim_node *nd = sim_find_leader(s);

		/* Leaders are the interesting victims: half the crashes. */
		if (!nd || sim_chance(s, 1, 2))
			nd = &s->nodes[prng_below(&s->rng, s->n)];

		if (nd->up)
			sim_crash(s, nd);
	}
	if (sim_chance(s, 1, s->partition_odds))
		sim_partition(s);
	if (sim_chance(s, 1, 100))
		sim_transfer(s);
	if (s->reconf_odds && sim_chance(s, 1, s->reconf_odds))
		sim_reconfigure(s, sim_find_leader(s));
}

static void sim_tick(struct sim *s)
{
	sim_faults(s);
	sim_clients(s);
	for (int i = 0; i < s->n && !s->res->failed; i++) {
		struct sim_node *nd = &s->nodes[i];

		if (!nd->up)
			continue;
		raft_tick(nd->r);
		sim_process_ready(s, nd);
	}
}

static void sim_step_to(struct sim *s, uint64_t end)
{
	while (s->now < end && !s->res->failed) {
		uint64_t next = (s->now / SIM_TICK_MS + 1) * SIM_TICK_MS;

		if (s->n_pk && s->pk[0].at < next)
			next = s->pk[0].at;
		s->now = next;
		sim_deliver(s);
		if (s->now % SIM_TICK_MS == 0)
			sim_tick(s);
		for (int i = 0; i < s->n && !s->res->failed; i++)
			sim_check_leader_completeness(s, &s->nodes[i]);
	}
}

/* ---- the run ------------------------------------------------------------ */

/*
 * After healing, a leader must emerge and every member of its
 * configuration catch up with it; nodes outside it are left alone.
 */
static bool sim_converged(struct sim *s)
{
	struct raft_status st, lst;
	struct sim_node *leader = NULL;
	struct raft_conf conf;

	for (int i = 0; i < s->n; i++)
		if (s->nodes[i].up && s->nodes[i].role == RAFT_LEADER &&
		    (!leader || s->nodes[i].term > leader->term))
			leader = &s->nodes[i];
	if (!leader)
		return false;
	raft_status(leader->r, &lst);
	if (lst.commit != lst.last_index)
		return false;
	raft_conf(leader->r, &conf);
	for (int i = 0; i < s->n; i++) {
		if (!raft_conf_is_voter(&conf, i + 1) &&
		    !raft_conf_is_learner(&conf, i + 1))
			continue;
		if (!s->nodes[i].up)
			return false;
		raft_status(s->nodes[i].r, &st);
		if (st.term != lst.term || st.commit != lst.commit ||
		    s->nodes[i].applied != lst.commit)
			return false;
	}
	return true;
}

/* Where each node stands, for the trace of a seed that did not converge. */
static void sim_log_nodes(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];
		struct raft_status st;
		struct raft_conf c;
		char ids[128];
		size_t off = 0;

		if (!nd->up)
			continue;
		raft_status(nd->r, &st);
		raft_conf(nd->r, &c);
		/* Ids are at most SIM_MAX_NODES: " ~7" each, never more. */
		for (uint32_t j = 0; j < c.n_voters + c.n_learners &&
		     off < sizeof(ids) - 8; j++)
			off += snprintf(ids + off, sizeof(ids) - off,
					" %s%" PRIu64, j < c.n_voters ? "" : "~",
					j < c.n_voters ? c.voters[j] :
					c.learners[j - c.n_voters]);
		sim_log(s, 1, "node %d: %s term %" PRIu64 " lead %" PRIu64
			" commit %" PRIu64 " last %" PRIu64 " conf@%" PRIu64
			":%s", nd->id, raft_role_name(st.role), st.term,
			st.lead, st.commit, st.last_index, st.conf_index, ids);
	}
}

static void sim_converge(struct sim *s)
{
	uint64_t deadline = s->now + SIM_CONVERGE_TICKS * SIM_TICK_MS;

	s->faults = false;
	s->loss_pct = 0;
	s->dup_pct = 0;
	if (s->max_delay > SIM_TICK_MS)
		s->max_delay = SIM_TICK_MS;
	memset(s->blocked, 0, sizeof(s->blocked));
	for (int i = 0; i < s->n; i++)
		s->nodes[i].restart_at = 0;
	sim_log(s, 1, "network healed, every node restarts");
	while (!s->res->failed && s->now < deadline) {
		sim_step_to(s, s->now + SIM_TICK_MS);
		if (sim_converged(s))
			return;
	}
	if (s->res->failed)
		return;
	sim_log_nodes(s);
	sim_fail(s, "liveness: no converged leader %d ticks after healing",
		 SIM_CONVERGE_TICKS);
}

static void sim_setup_network(struct sim *s)
{
	/* Each seed picks its own weather, from calm to hostile. */
	s->loss_pct = prng_below(&s->rng, 4) ? prng_below(&s->rng, 20) : 0;
	s->dup_pct = prng_below(&s->rng, 10);
	/* Up to most of an election timeout: old messages meet new terms. */
	s->max_delay = 1 + prng_below(&s->rng, 8 * SIM_TICK_MS);
	s->crash_odds = 20 + prng_below(&s->rng, 100);
	s->partition_odds = 5 + prng_below(&s->rng, 60);
	s->faults = true;
	/* Small batches and windows split a leader's catch-up traffic. */
	s->heartbeat_ticks = 1 + prng_below(&s->rng, 3);
	s->max_inflight = 1 + prng_below(&s->rng, 4);
	s->max_msg_entries = 1 + prng_below(&s->rng, 8);
	/* One five-node seed in three has two learners and three voters. */
	if (s->n_boot == 5 && !prng_below(&s->rng, 3))
		s->n_learners = 2;
	/* Three seeds in four change their membership, some very often. */
	s->reconf_odds = prng_below(&s->rng, 4) ? 10 + prng_below(&s->rng, 100)
						 : 0;
	/* Two seeds in three compact their logs, some very often. */
	s->compact_every = prng_below(&s->rng, 3) ? 2 + prng_below(&s->rng, 30)
						   : 0;
}

static void sim_cleanup(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->nodes[i];

		raft_free(nd->r);
		if (s->res->failed)
			sim_store_close(nd);
		else
			sim_store_remove(nd);
		for (size_t j = 0; j < nd->disk.n; j++)
			free(nd->disk.log[j].data);
		free(nd->disk.log);
		free(nd->disk.phash);
	}
	for (size_t i = 0; i < s->n_pk; i++)
		free(s->pk[i].buf);
	free(s->pk);
	free(s->leader_of_term);
	free(s->facts);
	free(s->lm);
	free(s->ops);
}

int sim_run(const struct sim_opts *o, struct sim_result *res)
{
	struct sim s = { .o = o, .res = res };

	memset(res, 0, sizeof(*res));
	if (o->nodes < 1 || o->nodes > SIM_MAX_NODES - SIM_SPARE_NODES)
		return -EINVAL;
	prng_seed(&s.rng, o->seed);
	s.n_boot = o->nodes;
	s.n = o->nodes + SIM_SPARE_NODES;
	for (int i = 0; i < SIM_CLIENTS; i++)
		s.clients[i].op = -1;
	if (!sim_fact(&s, 0)) {
		sim_cleanup(&s);
		return -ENOMEM;
	}
	sim_setup_network(&s);
	sim_log(&s, 1, "seed %" PRIu64 ": %d nodes and %d spares, loss %u%%, "
		"dup %u%%, delay <= %u ms", o->seed, s.n_boot,
		SIM_SPARE_NODES, s.loss_pct, s.dup_pct, s.max_delay);
	for (int i = 0; i < s.n; i++) {
		s.nodes[i].id = i + 1;
		if (o->storage_dir)
			sim_store_init(&s, &s.nodes[i]);
		if (sim_start(&s, &s.nodes[i]))
			break;
	}
	sim_step_to(&s, (uint64_t)o->ticks * SIM_TICK_MS);
	if (!res->failed)
		sim_converge(&s);
	if (!res->failed)
		sim_check_linearizable(&s);
	sim_cleanup(&s);
	return 0;
}
