// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/store.h"

/* Smallest encoded keyspace: namelen, one name byte, type, bodylen. */
#define CRDT_KS_MIN	(1 + 1 + 1 + 4)

static bool crdt_type_known(uint8_t type)
{
	return type >= CRDT_T_LWW_MAP && type <= CRDT_T_PNCOUNTER;
}

static void crdt_ks_init(struct crdt_keyspace *k, const char *name,
			 uint8_t type)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->type = type;
	switch (type) {
	case CRDT_T_LWW_MAP:
		crdt_lww_map_init(&k->u.map);
		break;
	case CRDT_T_ORSET:
		crdt_orset_init(&k->u.set);
		break;
	case CRDT_T_PNCOUNTER:
		crdt_pn_init(&k->u.ctr);
		break;
	}
}

static void crdt_ks_free(struct crdt_keyspace *k)
{
	switch (k->type) {
	case CRDT_T_LWW_MAP:
		crdt_lww_map_free(&k->u.map);
		break;
	case CRDT_T_ORSET:
		crdt_orset_free(&k->u.set);
		break;
	case CRDT_T_PNCOUNTER:
		crdt_pn_free(&k->u.ctr);
		break;
	}
}

static void crdt_ks_encode_body(struct crdt_buf *b, const struct crdt_keyspace *k)
{
	switch (k->type) {
	case CRDT_T_LWW_MAP:
		crdt_lww_map_encode(b, &k->u.map);
		break;
	case CRDT_T_ORSET:
		crdt_orset_encode(b, &k->u.set);
		break;
	case CRDT_T_PNCOUNTER:
		crdt_pn_encode(b, &k->u.ctr);
		break;
	}
}

static int crdt_ks_decode_body(struct crdt_rd *r, struct crdt_keyspace *k)
{
	switch (k->type) {
	case CRDT_T_LWW_MAP:
		return crdt_lww_map_decode(r, &k->u.map);
	case CRDT_T_ORSET:
		return crdt_orset_decode(r, &k->u.set);
	case CRDT_T_PNCOUNTER:
		return crdt_pn_decode(r, &k->u.ctr);
	}
	return -EPROTONOSUPPORT;
}

/* @dst := @dst ⊔ @src, same type; @src consumed on success. */
static int crdt_ks_join(struct crdt_keyspace *dst, struct crdt_keyspace *src)
{
	switch (dst->type) {
	case CRDT_T_LWW_MAP:
		return crdt_lww_map_join(&dst->u.map, &src->u.map);
	case CRDT_T_ORSET:
		return crdt_orset_join(&dst->u.set, &src->u.set);
	case CRDT_T_PNCOUNTER:
		return crdt_pn_join(&dst->u.ctr, &src->u.ctr);
	}
	return -EINVAL;
}

/* One keyspace record: header, then the body with its length patched in. */
static void crdt_ks_encode(struct crdt_buf *b, const struct crdt_keyspace *k)
{
	size_t len = strlen(k->name), off;

	crdt_put_u8(b, len);
	crdt_put_bytes(b, k->name, len);
	crdt_put_u8(b, k->type);
	off = b->len;
	crdt_put_u32(b, 0);
	crdt_ks_encode_body(b, k);
	crdt_patch_u32(b, off, b->len - off - 4);
}

int crdt_store_init(struct crdt_store *s, uint64_t node, uint64_t max_drift_ms)
{
	memset(s, 0, sizeof(*s));
	if (!node)
		return -EINVAL;
	s->node = node;
	crdt_hlc_init(&s->hlc, max_drift_ms);
	return 0;
}

void crdt_store_free(struct crdt_store *s)
{
	for (uint32_t i = 0; i < s->nks; i++)
		crdt_ks_free(&s->ks[i]);
	free(s->ks);
	s->ks = NULL;
	s->nks = 0;
}

/* Index of @name, or where it would be inserted (and *found = false). */
static uint32_t crdt_store_index(const struct crdt_store *s, const char *name,
				 bool *found)
{
	uint32_t lo = 0, hi = s->nks;

	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->ks[mid].name, name);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct crdt_keyspace *crdt_store_find(const struct crdt_store *s,
					    const char *name)
{
	bool found;
	uint32_t i = crdt_store_index(s, name, &found);

	return found ? &s->ks[i] : NULL;
}

static struct crdt_keyspace *crdt_store_find_mut(struct crdt_store *s,
						 const char *name,
						 uint8_t type)
{
	bool found;
	uint32_t i = crdt_store_index(s, name, &found);

	return found && s->ks[i].type == type ? &s->ks[i] : NULL;
}

static int crdt_store_reserve(struct crdt_store *s, uint32_t more)
{
	struct crdt_keyspace *ks;

	ks = realloc(s->ks, ((size_t)s->nks + more + 1) * sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	s->ks = ks;
	return 0;
}

/* Insert @k (moved) at its place; room must have been reserved. */
static void crdt_store_insert(struct crdt_store *s, struct crdt_keyspace *k)
{
	bool found;
	uint32_t i = crdt_store_index(s, k->name, &found);

	memmove(&s->ks[i + 1], &s->ks[i], (s->nks - i) * sizeof(*k));
	s->ks[i] = *k;
	s->nks++;
}

static bool crdt_name_valid(const char *name, size_t len)
{
	if (!len || len > CRDT_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int crdt_store_keyspace(struct crdt_store *s, const char *name,
			enum crdt_type type)
{
	const struct crdt_keyspace *cur = crdt_store_find(s, name);
	struct crdt_keyspace k;
	int err;

	if (!crdt_name_valid(name, strlen(name)) || !crdt_type_known(type))
		return -EINVAL;
	if (cur)
		return cur->type == type ? 0 : -EINVAL;
	if (s->nks >= CRDT_KEYSPACES_MAX)
		return -ENOSPC;
	err = crdt_store_reserve(s, 1);
	if (err)
		return err;
	crdt_ks_init(&k, name, type);
	crdt_store_insert(s, &k);
	return 0;
}

/*
 * Wrap a type-level delta into a one-keyspace store delta appended to
 * @out. Built aside first so a failed allocation leaves @out as it was.
 */
static int crdt_store_emit(struct crdt_buf *out, const struct crdt_keyspace *k)
{
	struct crdt_buf b;
	int err;

	crdt_buf_init(&b);
	crdt_put_u32(&b, 1);
	crdt_ks_encode(&b, k);
	err = b.err;
	if (!err) {
		crdt_put_bytes(out, b.data, b.len);
		err = out->err;
	}
	crdt_buf_free(&b);
	return err;
}

/* Shell keyspace carrying a delta, so it encodes like any keyspace. */
static void crdt_delta_ks(struct crdt_keyspace *d, const struct crdt_keyspace *k)
{
	crdt_ks_init(d, k->name, k->type);
}

static int crdt_store_lww_write(struct crdt_store *s, const char *ks,
				const void *key, size_t klen, const void *val,
				size_t vlen, bool del, uint64_t now_ms,
				struct crdt_buf *delta)
{
	struct crdt_keyspace *k = crdt_store_find_mut(s, ks, CRDT_T_LWW_MAP);
	struct crdt_hlc saved = s->hlc;
	struct crdt_keyspace d;
	uint64_t ts;
	int err;

	if (!k)
		return crdt_store_find(s, ks) ? -EINVAL : -ENOENT;
	crdt_delta_ks(&d, k);
	ts = crdt_hlc_now(&s->hlc, now_ms);
	if (del)
		err = crdt_lww_map_del(&k->u.map, &d.u.map, key, klen, ts,
				       s->node);
	else
		err = crdt_lww_map_put(&k->u.map, &d.u.map, key, klen, val,
				       vlen, ts, s->node);
	if (!err)
		err = crdt_store_emit(delta, &d);
	/*
	 * Emitting can only fail for memory after the write was applied;
	 * the write then stays local until the next full-state sync, the
	 * caller is told it was not replicated.
	 */
	if (err == -EINVAL)
		s->hlc = saved;
	crdt_ks_free(&d);
	return err;
}

int crdt_store_put(struct crdt_store *s, const char *ks, const void *key,
		   size_t klen, const void *val, size_t vlen, uint64_t now_ms,
		   struct crdt_buf *delta)
{
	return crdt_store_lww_write(s, ks, key, klen, val, vlen, false, now_ms,
				    delta);
}

int crdt_store_del(struct crdt_store *s, const char *ks, const void *key,
		   size_t klen, uint64_t now_ms, struct crdt_buf *delta)
{
	return crdt_store_lww_write(s, ks, key, klen, NULL, 0, true, now_ms,
				    delta);
}

static int crdt_store_set_op(struct crdt_store *s, const char *ks,
			     const void *elem, size_t len, bool add,
			     struct crdt_buf *delta)
{
	struct crdt_keyspace *k = crdt_store_find_mut(s, ks, CRDT_T_ORSET);
	struct crdt_keyspace d;
	int err;

	if (!k)
		return crdt_store_find(s, ks) ? -EINVAL : -ENOENT;
	crdt_delta_ks(&d, k);
	if (add)
		err = crdt_orset_add(&k->u.set, &d.u.set, s->node, elem, len);
	else
		err = crdt_orset_remove(&k->u.set, &d.u.set, elem, len);
	if (!err)
		err = crdt_store_emit(delta, &d);
	crdt_ks_free(&d);
	return err;
}

int crdt_store_set_add(struct crdt_store *s, const char *ks, const void *elem,
		       size_t len, struct crdt_buf *delta)
{
	return crdt_store_set_op(s, ks, elem, len, true, delta);
}

int crdt_store_set_remove(struct crdt_store *s, const char *ks,
			  const void *elem, size_t len, struct crdt_buf *delta)
{
	return crdt_store_set_op(s, ks, elem, len, false, delta);
}

int crdt_store_counter_add(struct crdt_store *s, const char *ks,
			   int64_t amount, struct crdt_buf *delta)
{
	struct crdt_keyspace *k = crdt_store_find_mut(s, ks, CRDT_T_PNCOUNTER);
	struct crdt_keyspace d;
	int err;

	if (!k)
		return crdt_store_find(s, ks) ? -EINVAL : -ENOENT;
	crdt_delta_ks(&d, k);
	err = crdt_pn_add(&k->u.ctr, &d.u.ctr, s->node, amount);
	if (!err)
		err = crdt_store_emit(delta, &d);
	crdt_ks_free(&d);
	return err;
}

const struct crdt_lww_reg *crdt_store_get(const struct crdt_store *s,
					  const char *ks, const void *key,
					  size_t klen)
{
	const struct crdt_keyspace *k = crdt_store_find(s, ks);

	if (!k || k->type != CRDT_T_LWW_MAP)
		return NULL;
	return crdt_lww_map_get(&k->u.map, key, klen);
}

bool crdt_store_set_contains(const struct crdt_store *s, const char *ks,
			     const void *elem, size_t len)
{
	const struct crdt_keyspace *k = crdt_store_find(s, ks);

	return k && k->type == CRDT_T_ORSET &&
	       crdt_orset_contains(&k->u.set, elem, len);
}

int64_t crdt_store_counter_value(const struct crdt_store *s, const char *ks)
{
	const struct crdt_keyspace *k = crdt_store_find(s, ks);

	if (!k || k->type != CRDT_T_PNCOUNTER)
		return 0;
	return crdt_pn_value(&k->u.ctr);
}

void crdt_store_encode(struct crdt_buf *b, const struct crdt_store *s)
{
	crdt_put_u32(b, s->nks);
	for (uint32_t i = 0; i < s->nks; i++)
		crdt_ks_encode(b, &s->ks[i]);
}

/* A keyspace record of a peer's message, checked for shape only. */
static int crdt_ks_decode(struct crdt_rd *r, struct crdt_keyspace *k)
{
	uint8_t nlen = crdt_get_u8(r);
	const uint8_t *name = crdt_get_bytes(r, nlen);
	uint8_t type = crdt_get_u8(r);
	uint32_t blen = crdt_get_u32(r);
	const uint8_t *body = crdt_get_bytes(r, blen);
	char cname[CRDT_NAME_MAX + 1];
	struct crdt_rd br;
	int err;

	if (r->err)
		return r->err;
	if (!crdt_name_valid((const char *)name, nlen))
		return -EBADMSG;
	if (!crdt_type_known(type))
		return -EPROTONOSUPPORT;
	memcpy(cname, name, nlen);
	cname[nlen] = 0;
	crdt_ks_init(k, cname, type);
	crdt_rd_init(&br, body, blen);
	err = crdt_ks_decode_body(&br, k);
	/* A body with bytes after its value decoded fine: free it here. */
	if (!err && br.left) {
		crdt_ks_free(k);
		err = -EBADMSG;
	}
	if (err)
		crdt_ks_init(k, cname, 0);	/* decoders free on error */
	return err;
}

void crdt_store_batch_init(struct crdt_store_batch *b)
{
	b->n = 0;
}

/* The type of keyspace @name in @s, else in @b (may be NULL); 0 if none. */
static uint8_t crdt_store_type_of(const struct crdt_store *s,
				  const struct crdt_store_batch *b,
				  const char *name)
{
	const struct crdt_keyspace *cur = crdt_store_find(s, name);

	if (cur)
		return cur->type;
	for (uint32_t i = 0; b && i < b->n; i++)
		if (!strcmp(b->ks[i].name, name))
			return b->ks[i].type;
	return 0;
}

/* What a peer may tell us, beyond being well formed (see store.h). */
static int crdt_store_admit(const struct crdt_store *s,
			    const struct crdt_keyspace *k, uint64_t now_ms)
{
	const struct crdt_keyspace *cur = crdt_store_find(s, k->name);

	if (k->type == CRDT_T_LWW_MAP)
		return crdt_hlc_check(&s->hlc, crdt_lww_map_max_ts(&k->u.map),
				      now_ms);
	if (k->type == CRDT_T_ORSET) {
		uint64_t mine = cur ? crdt_cc_max(&cur->u.set.cc, s->node) : 0;

		if (crdt_cc_max(&k->u.set.cc, s->node) > mine)
			return -ESTALE;
	}
	return 0;
}

static void crdt_ks_free_all(struct crdt_keyspace *ks, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		crdt_ks_free(&ks[i]);
	free(ks);
}

/*
 * Decode and check a message against @s and, if @batch is not NULL, the
 * keyspaces the earlier messages of its batch create. *nnew counts the
 * keyspaces it creates that neither holds.
 */
static int crdt_store_decode_msg(const struct crdt_store *s,
				 const struct crdt_store_batch *batch,
				 struct crdt_rd *r, uint64_t now_ms, bool trusted,
				 struct crdt_keyspace **out, uint32_t *nout,
				 uint32_t *nnew)
{
	uint32_t n = crdt_get_count(r, CRDT_KS_MIN), i;
	uint32_t pending = batch ? batch->n : 0;
	struct crdt_keyspace *ks;
	int err = r->err;

	if (err)
		return err;
	if (n > CRDT_KEYSPACES_MAX)
		return -ENOSPC;
	ks = calloc(n + 1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	*nnew = 0;
	for (i = 0; i < n; i++) {
		uint8_t known = 0;

		err = crdt_ks_decode(r, &ks[i]);
		if (!err && i && strcmp(ks[i - 1].name, ks[i].name) >= 0)
			err = -EBADMSG;
		if (!err)
			known = crdt_store_type_of(s, batch, ks[i].name);
		if (!err && known && known != ks[i].type)
			err = -EINVAL;
		if (!err && !trusted)
			err = crdt_store_admit(s, &ks[i], now_ms);
		if (err) {
			i++;
			goto err_free;
		}
		*nnew += !known;
	}
	err = -EBADMSG;
	if (r->left)
		goto err_free;
	err = -ENOSPC;
	if (s->nks + pending + *nnew > CRDT_KEYSPACES_MAX)
		goto err_free;
	*out = ks;
	*nout = n;
	return 0;
err_free:
	crdt_ks_free_all(ks, i);
	return err;
}

/* Our own timestamps, from disk, move the clock without a drift check. */
static void crdt_store_observe(struct crdt_store *s, uint64_t ts,
			       uint64_t now_ms, bool trusted)
{
	if (!trusted)
		crdt_hlc_observe(&s->hlc, ts, now_ms);
	else if (ts > s->hlc.last)
		s->hlc.last = ts;
}

static int crdt_store_merge(struct crdt_store *s, const void *msg, size_t len,
			    uint64_t now_ms, bool trusted)
{
	struct crdt_keyspace *ks = NULL;
	uint32_t n = 0, nnew = 0;
	struct crdt_rd r;
	int err;

	crdt_rd_init(&r, msg, len);
	err = crdt_store_decode_msg(s, NULL, &r, now_ms, trusted, &ks, &n,
				    &nnew);
	if (err)
		return err;
	err = crdt_store_reserve(s, nnew);
	for (uint32_t i = 0; !err && i < n; i++) {
		struct crdt_keyspace *cur;

		if (ks[i].type == CRDT_T_LWW_MAP)
			crdt_store_observe(s, crdt_lww_map_max_ts(&ks[i].u.map),
					   now_ms, trusted);
		cur = crdt_store_find_mut(s, ks[i].name, ks[i].type);
		if (!cur) {
			crdt_store_insert(s, &ks[i]);
			crdt_ks_init(&ks[i], "", 0);
			continue;
		}
		err = crdt_ks_join(cur, &ks[i]);
	}
	crdt_ks_free_all(ks, n);
	return err;
}

int crdt_store_join(struct crdt_store *s, const void *msg, size_t len,
		    uint64_t now_ms)
{
	return crdt_store_merge(s, msg, len, now_ms, false);
}

int crdt_store_load(struct crdt_store *s, const void *msg, size_t len)
{
	return crdt_store_merge(s, msg, len, 0, true);
}

int crdt_store_check(const struct crdt_store *s, const void *msg, size_t len,
		     uint64_t now_ms)
{
	return crdt_store_check_batch(s, NULL, msg, len, now_ms);
}

int crdt_store_check_batch(const struct crdt_store *s,
			   struct crdt_store_batch *b, const void *msg,
			   size_t len, uint64_t now_ms)
{
	struct crdt_keyspace *ks = NULL;
	uint32_t n = 0, nnew = 0;
	struct crdt_rd r;
	int err;

	crdt_rd_init(&r, msg, len);
	err = crdt_store_decode_msg(s, b, &r, now_ms, false, &ks, &n, &nnew);
	if (err)
		return err;
	/* The limit check above leaves room for every name added here. */
	for (uint32_t i = 0; b && i < n; i++) {
		if (crdt_store_type_of(s, b, ks[i].name))
			continue;
		memcpy(b->ks[b->n].name, ks[i].name, sizeof(ks[i].name));
		b->ks[b->n++].type = ks[i].type;
	}
	crdt_ks_free_all(ks, n);
	return 0;
}
