// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/ae.h"

#define CRDT_AE_HDR_MIN		(1 + 4)
#define CRDT_AE_DELTA_HDR	(8 + 8 + 4)

void crdt_ae_cfg_default(struct crdt_ae_cfg *cfg)
{
	cfg->fanout = 3;
	cfg->log_max = 4096;
	cfg->max_msg = 64 * 1024;
	cfg->max_full = CRDT_AE_MAX_FULL_DEFAULT;
}

/* ---- version vectors: sorted arrays of (origin, seq) ------------------ */

static uint64_t crdt_vv_get(const struct crdt_dot *vv, uint32_t n,
			    uint64_t origin)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (vv[mid].node == origin)
			return vv[mid].counter;
		if (vv[mid].node < origin)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* vv[origin] := max(vv[origin], seq) */
static int crdt_vv_raise(struct crdt_dot **vv, uint32_t *n, uint64_t origin,
			 uint64_t seq)
{
	struct crdt_dot *v = *vv, *nv;
	uint32_t i = 0;

	while (i < *n && v[i].node < origin)
		i++;
	if (i < *n && v[i].node == origin) {
		if (seq > v[i].counter)
			v[i].counter = seq;
		return 0;
	}
	nv = realloc(v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	memmove(&nv[i + 1], &nv[i], (*n - i) * sizeof(*nv));
	nv[i] = (struct crdt_dot){ origin, seq };
	*vv = nv;
	(*n)++;
	return 0;
}

static void crdt_vv_encode(struct crdt_buf *b, const struct crdt_dot *vv,
			   uint32_t n)
{
	crdt_put_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		crdt_put_u64(b, vv[i].node);
		crdt_put_u64(b, vv[i].counter);
	}
}

/* Does @a hold some seq that @b lacks? */
static bool crdt_vv_ahead(const struct crdt_dot *a, uint32_t na,
			  const struct crdt_dot *b, uint32_t nb)
{
	for (uint32_t i = 0; i < na; i++)
		if (a[i].counter > crdt_vv_get(b, nb, a[i].node))
			return true;
	return false;
}

/* ---- set-up ------------------------------------------------------------ */

int crdt_ae_init(struct crdt_ae *ae, struct crdt_store *store,
		 const struct crdt_ae_cfg *cfg, uint64_t seed,
		 crdt_ae_send_fn send, void *ctx)
{
	memset(ae, 0, sizeof(*ae));
	if (!cfg->fanout || !cfg->log_max || cfg->max_msg < 1024)
		return -EINVAL;
	ae->log = calloc(cfg->log_max, sizeof(*ae->log));
	if (!ae->log)
		return -ENOMEM;
	ae->store = store;
	ae->cfg = *cfg;
	ae->send = send;
	ae->ctx = ctx;
	prng_seed(&ae->rng, seed);
	return 0;
}

void crdt_ae_free(struct crdt_ae *ae)
{
	for (uint32_t i = 0; i < ae->log_len; i++)
		free(ae->log[(ae->log_head + i) % ae->cfg.log_max].data);
	for (uint32_t i = 0; i < ae->npeers; i++)
		free(ae->peers[i].known);
	free(ae->log);
	free(ae->peers);
	free(ae->vv);
	free(ae->floor);
	memset(ae, 0, sizeof(*ae));
}

static struct crdt_ae_peer *crdt_ae_peer(struct crdt_ae *ae, uint64_t id)
{
	for (uint32_t i = 0; i < ae->npeers; i++)
		if (ae->peers[i].id == id)
			return &ae->peers[i];
	return NULL;
}

int crdt_ae_add_peer(struct crdt_ae *ae, uint64_t id)
{
	struct crdt_ae_peer *p;

	if (id == ae->store->node)
		return -EINVAL;
	if (crdt_ae_peer(ae, id))
		return -EEXIST;
	p = realloc(ae->peers, (ae->npeers + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ae->peers = p;
	memset(&p[ae->npeers], 0, sizeof(*p));
	p[ae->npeers++].id = id;
	return 0;
}

uint64_t crdt_ae_seq(const struct crdt_ae *ae, uint64_t origin)
{
	return crdt_vv_get(ae->vv, ae->nvv, origin);
}

/* ---- the delta log ----------------------------------------------------- */

static struct crdt_ae_log_entry *crdt_ae_log_at(struct crdt_ae *ae, uint32_t i)
{
	return &ae->log[(ae->log_head + i) % ae->cfg.log_max];
}

/*
 * Append (origin, seq), which must continue the vector. The oldest entry
 * makes room when the log is full; its origin's floor rises, and a peer
 * below that floor will get the full state instead.
 */
static int crdt_ae_log_append(struct crdt_ae *ae, uint64_t origin,
			      uint64_t seq, const uint8_t *data, size_t len,
			      bool journal)
{
	struct crdt_ae_log_entry *e;
	uint8_t *copy = crdt_bytes_dup(data, len);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	if (journal && ae->journal)
		err = crdt_journal_append(ae->journal, origin, seq, data, len);
	if (!err)
		err = crdt_vv_raise(&ae->vv, &ae->nvv, origin, seq);
	if (!err)
		err = crdt_vv_raise(&ae->floor, &ae->nfloor, origin, 0);
	if (err) {
		free(copy);
		return err;
	}
	if (ae->log_len == ae->cfg.log_max) {
		e = crdt_ae_log_at(ae, 0);
		crdt_vv_raise(&ae->floor, &ae->nfloor, e->origin, e->seq);
		free(e->data);
		ae->log_head = (ae->log_head + 1) % ae->cfg.log_max;
		ae->log_len--;
	}
	e = crdt_ae_log_at(ae, ae->log_len++);
	*e = (struct crdt_ae_log_entry){ origin, seq, copy, len };
	return 0;
}

int crdt_ae_local(struct crdt_ae *ae, const uint8_t *delta, size_t len)
{
	uint64_t self = ae->store->node;

	if (len > ae->cfg.max_msg - 64)
		return -EMSGSIZE;
	return crdt_ae_log_append(ae, self, crdt_ae_seq(ae, self) + 1, delta,
				  len, true);
}

void crdt_ae_attach_journal(struct crdt_ae *ae, struct crdt_journal *j)
{
	ae->journal = j;
}

int crdt_ae_restore(struct crdt_ae *ae, uint64_t origin, uint64_t seq)
{
	int err = crdt_vv_raise(&ae->vv, &ae->nvv, origin, seq);

	if (!err)
		err = crdt_vv_raise(&ae->floor, &ae->nfloor, origin, seq);
	return err;
}

int crdt_ae_replay(struct crdt_ae *ae, uint64_t origin, uint64_t seq,
		   const uint8_t *delta, size_t len)
{
	int err;

	/* A repeat of what the snapshot already holds, or an old record. */
	if (seq <= crdt_ae_seq(ae, origin))
		return 0;
	err = crdt_store_load(ae->store, delta, len);
	/*
	 * After a gap (a full-state merge whose snapshot failed), the state
	 * takes the delta but the vector cannot claim it: peers resend.
	 */
	if (err || seq != crdt_ae_seq(ae, origin) + 1)
		return err;
	return crdt_ae_log_append(ae, origin, seq, delta, len, false);
}

/* ---- sending ----------------------------------------------------------- */

static void crdt_ae_emit(struct crdt_ae *ae, uint64_t peer,
			 const struct crdt_buf *b)
{
	if (b->err)
		return;
	ae->stats.msgs_sent++;
	ae->stats.bytes_sent += b->len;
	ae->send(ae->ctx, peer, b->data, b->len);
}

static void crdt_ae_header(struct crdt_ae *ae, struct crdt_buf *b,
			   enum crdt_ae_kind kind)
{
	crdt_put_u8(b, kind);
	crdt_vv_encode(b, ae->vv, ae->nvv);
}

static void crdt_ae_send_digest(struct crdt_ae *ae, uint64_t peer)
{
	struct crdt_buf b;

	crdt_buf_init(&b);
	crdt_ae_header(ae, &b, CRDT_AE_DIGEST);
	crdt_ae_emit(ae, peer, &b);
	crdt_buf_free(&b);
}

/* Is @p missing deltas the log no longer holds? */
static bool crdt_ae_needs_full(const struct crdt_ae *ae,
			       const struct crdt_ae_peer *p)
{
	for (uint32_t i = 0; i < ae->nvv; i++) {
		uint64_t has = crdt_vv_get(p->known, p->nknown, ae->vv[i].node);
		uint64_t floor = crdt_vv_get(ae->floor, ae->nfloor,
					     ae->vv[i].node);

		if (has < ae->vv[i].counter && has < floor)
			return true;
	}
	return false;
}

static void crdt_ae_send_full(struct crdt_ae *ae, struct crdt_ae_peer *p)
{
	struct crdt_buf b;
	size_t off;

	crdt_buf_init(&b);
	crdt_ae_header(ae, &b, CRDT_AE_FULL);
	off = b.len;
	crdt_put_u32(&b, 0);
	crdt_store_encode(&b, ae->store);
	crdt_patch_u32(&b, off, b.len - off - 4);
	if (b.len <= ae->cfg.max_full) {
		ae->stats.fulls_sent++;
		crdt_ae_emit(ae, p->id, &b);
	}
	crdt_buf_free(&b);
}

/* The logged deltas @p lacks, oldest first, as many as max_msg allows. */
static void crdt_ae_send_deltas(struct crdt_ae *ae, struct crdt_ae_peer *p)
{
	uint32_t n = 0;
	struct crdt_buf b;
	size_t off;

	crdt_buf_init(&b);
	crdt_ae_header(ae, &b, CRDT_AE_DELTAS);
	off = b.len;
	crdt_put_u32(&b, 0);
	for (uint32_t i = 0; i < ae->log_len; i++) {
		const struct crdt_ae_log_entry *e = crdt_ae_log_at(ae, i);

		if (e->seq <= crdt_vv_get(p->known, p->nknown, e->origin))
			continue;
		if (b.len + CRDT_AE_DELTA_HDR + e->len > ae->cfg.max_msg)
			break;
		crdt_put_u64(&b, e->origin);
		crdt_put_u64(&b, e->seq);
		crdt_put_u32(&b, e->len);
		crdt_put_bytes(&b, e->data, e->len);
		n++;
	}
	crdt_patch_u32(&b, off, n);
	ae->stats.deltas_sent += n;
	if (n)
		crdt_ae_emit(ae, p->id, &b);
	crdt_buf_free(&b);
}

/* Send @p what it is known to lack; false if it lacks nothing we know of. */
static bool crdt_ae_push(struct crdt_ae *ae, struct crdt_ae_peer *p)
{
	if (!crdt_vv_ahead(ae->vv, ae->nvv, p->known, p->nknown))
		return false;
	if (crdt_ae_needs_full(ae, p))
		crdt_ae_send_full(ae, p);
	else
		crdt_ae_send_deltas(ae, p);
	return true;
}

/* Ask @p for what we lack, once per tick at most. */
static void crdt_ae_pull(struct crdt_ae *ae, struct crdt_ae_peer *p)
{
	if (p->pulled_round == ae->round + 1)
		return;
	p->pulled_round = ae->round + 1;
	crdt_ae_send_digest(ae, p->id);
}

void crdt_ae_tick(struct crdt_ae *ae, uint64_t now_ms)
{
	uint32_t n = ae->npeers < ae->cfg.fanout ? ae->npeers : ae->cfg.fanout;

	ae->round++;
	/* Partial Fisher-Yates: n distinct random peers to the front. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i + prng_below(&ae->rng, ae->npeers - i);
		struct crdt_ae_peer tmp = ae->peers[i];

		ae->peers[i] = ae->peers[j];
		ae->peers[j] = tmp;
		if (!crdt_ae_push(ae, &ae->peers[i]))
			crdt_ae_send_digest(ae, ae->peers[i].id);
	}
}

int crdt_ae_connected(struct crdt_ae *ae, uint64_t peer)
{
	struct crdt_ae_peer *p = crdt_ae_peer(ae, peer);

	if (!p)
		return -ENOENT;
	/* It may have restarted with less than we knew it had. */
	free(p->known);
	p->known = NULL;
	p->nknown = 0;
	crdt_ae_send_digest(ae, peer);
	return 0;
}

/* ---- receiving --------------------------------------------------------- */

struct crdt_ae_msg {
	uint8_t kind;
	struct crdt_dot *vv;
	uint32_t nvv;
	struct crdt_rd body;	/* what follows the vector */
};

static int crdt_ae_parse_vv(struct crdt_rd *r, struct crdt_ae_msg *m)
{
	uint32_t n = crdt_get_count(r, 16);

	if (r->err)
		return r->err;
	m->vv = calloc(n + 1, sizeof(*m->vv));
	if (!m->vv)
		return -ENOMEM;
	m->nvv = n;
	for (uint32_t i = 0; i < n; i++) {
		m->vv[i].node = crdt_get_u64(r);
		m->vv[i].counter = crdt_get_u64(r);
		if (r->err)
			return r->err;
		if (!m->vv[i].counter)
			return -EBADMSG;
		if (i && m->vv[i - 1].node >= m->vv[i].node)
			return -EBADMSG;
	}
	return 0;
}

/*
 * Walk a DELTAS body. With @apply false, only check it: shape, per-origin
 * order, no delta of ours we never made, every delta acceptable to the
 * store as the deltas before it in the batch would leave it (so two that
 * give one new keyspace two types, or together create more keyspaces than
 * the store takes, refuse the batch rather than fail half-way through
 * applying it). Deltas that the apply pass will skip are checked too: an
 * honest peer sends none that conflict. With @apply true, apply the ones
 * that continue our vector.
 */
static int crdt_ae_walk_deltas(struct crdt_ae *ae, struct crdt_rd r,
			       bool apply, uint64_t now_ms, uint32_t *applied)
{
	uint64_t self = ae->store->node, mine = crdt_ae_seq(ae, self);
	uint32_t n = crdt_get_count(&r, CRDT_AE_DELTA_HDR);
	uint64_t prev_origin = 0, prev_seq = 0;
	struct crdt_store_batch batch;
	int err;

	crdt_store_batch_init(&batch);

	for (uint32_t i = 0; i < n && !r.err; i++) {
		uint64_t origin = crdt_get_u64(&r), seq = crdt_get_u64(&r);
		uint32_t len = crdt_get_u32(&r);
		const uint8_t *data = crdt_get_bytes(&r, len);

		if (r.err)
			break;
		if (!apply) {
			if (!seq || (origin == prev_origin && seq <= prev_seq))
				return -EBADMSG;
			if (origin == self && seq > mine)
				return -ESTALE;
			prev_origin = origin;
			prev_seq = seq;
			err = crdt_store_check_batch(ae->store, &batch, data,
						     len, now_ms);
			if (err)
				return err;
			continue;
		}
		if (seq != crdt_ae_seq(ae, origin) + 1)
			continue;	/* a duplicate, or after a gap: skip */
		err = crdt_store_join(ae->store, data, len, now_ms);
		if (!err)
			err = crdt_ae_log_append(ae, origin, seq, data, len,
						 true);
		if (err)
			return err;
		(*applied)++;
	}
	if (r.err || r.left)
		return -EBADMSG;
	return 0;
}

static int crdt_ae_apply_full(struct crdt_ae *ae, struct crdt_ae_msg *m,
			      uint64_t now_ms, uint32_t *applied)
{
	uint32_t len = crdt_get_u32(&m->body);
	const uint8_t *state = crdt_get_bytes(&m->body, len);
	int err;

	if (m->body.err || m->body.left)
		return -EBADMSG;
	err = crdt_store_join(ae->store, state, len, now_ms);
	if (err)
		return err;
	/*
	 * The state holds every delta up to the sender's vector, so ours may
	 * rise to it; but the log cannot serve the deltas we skipped, so the
	 * floor rises with it.
	 */
	for (uint32_t i = 0; i < m->nvv; i++) {
		uint64_t o = m->vv[i].node, s = m->vv[i].counter;

		if (s <= crdt_ae_seq(ae, o))
			continue;
		err = crdt_vv_raise(&ae->vv, &ae->nvv, o, s);
		if (!err)
			err = crdt_vv_raise(&ae->floor, &ae->nfloor, o, s);
		if (err)
			return err;
		(*applied)++;
	}
	if (*applied && ae->journal)
		return crdt_journal_snapshot(ae->journal, ae);
	return 0;
}

static int crdt_ae_parse(struct crdt_ae *ae, const uint8_t *msg, size_t len,
			 struct crdt_ae_msg *m)
{
	struct crdt_rd r;
	int err;

	memset(m, 0, sizeof(*m));
	if (len > ae->cfg.max_full)
		return -EMSGSIZE;
	crdt_rd_init(&r, msg, len);
	m->kind = crdt_get_u8(&r);
	if (r.err)
		return r.err;
	if (m->kind < CRDT_AE_DIGEST || m->kind > CRDT_AE_FULL)
		return -EPROTONOSUPPORT;
	if (m->kind != CRDT_AE_FULL && len > ae->cfg.max_msg)
		return -EMSGSIZE;
	err = crdt_ae_parse_vv(&r, m);
	if (err)
		return err;
	if (crdt_vv_get(m->vv, m->nvv, ae->store->node) >
	    crdt_ae_seq(ae, ae->store->node))
		return -ESTALE;
	m->body = r;
	if (m->kind == CRDT_AE_DIGEST && r.left)
		return -EBADMSG;
	return 0;
}

static int crdt_ae_learn(struct crdt_ae_peer *p, const struct crdt_ae_msg *m)
{
	for (uint32_t i = 0; i < m->nvv; i++) {
		int err = crdt_vv_raise(&p->known, &p->nknown, m->vv[i].node,
					m->vv[i].counter);

		if (err)
			return err;
	}
	return 0;
}

int crdt_ae_receive(struct crdt_ae *ae, uint64_t peer, const uint8_t *msg,
		    size_t len, uint64_t now_ms)
{
	struct crdt_ae_peer *p = crdt_ae_peer(ae, peer);
	uint32_t applied = 0;
	struct crdt_ae_msg m;
	int err;

	if (!p)
		return -ENOENT;
	err = crdt_ae_parse(ae, msg, len, &m);
	if (!err && m.kind == CRDT_AE_DELTAS)
		err = crdt_ae_walk_deltas(ae, m.body, false, now_ms, NULL);
	if (!err && m.kind == CRDT_AE_FULL)
		err = crdt_store_check(ae->store, m.body.p + 4,
				       m.body.left >= 4 ? m.body.left - 4 : 0,
				       now_ms);
	if (err) {
		ae->stats.refused++;
		goto out;
	}
	if (m.kind == CRDT_AE_DELTAS)
		err = crdt_ae_walk_deltas(ae, m.body, true, now_ms, &applied);
	else if (m.kind == CRDT_AE_FULL)
		err = crdt_ae_apply_full(ae, &m, now_ms, &applied);
	ae->stats.deltas_applied += applied;
	if (!err)
		err = crdt_ae_learn(p, &m);
	if (err)
		goto out;
	/* A digest asks for what the peer lacks. */
	if (m.kind == CRDT_AE_DIGEST)
		crdt_ae_push(ae, p);
	/* Pull when the peer has more, unless this message got us nowhere. */
	if ((m.kind == CRDT_AE_DIGEST || applied) &&
	    crdt_vv_ahead(m.vv, m.nvv, ae->vv, ae->nvv))
		crdt_ae_pull(ae, p);
out:
	free(m.vv);
	return err;
}
