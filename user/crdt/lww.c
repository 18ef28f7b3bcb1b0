// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/lww.h"

/* Smallest encoded entry: klen, ts, node, flags, vlen, one key byte. */
#define CRDT_LWW_ENTRY_MIN	(2 + 8 + 8 + 1 + 4 + 1)

int crdt_lww_reg_cmp(const struct crdt_lww_reg *a, const struct crdt_lww_reg *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return crdt_bytes_cmp(a->val, a->len, b->val, b->len);
}

static void crdt_lww_entry_free(struct crdt_lww_entry *e)
{
	free(e->key);
	free(e->reg.val);
}

void crdt_lww_map_init(struct crdt_lww_map *m)
{
	memset(m, 0, sizeof(*m));
}

void crdt_lww_map_free(struct crdt_lww_map *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		crdt_lww_entry_free(&m->e[i]);
	free(m->e);
	crdt_lww_map_init(m);
}

static int crdt_lww_key_cmp(const struct crdt_lww_entry *e, const void *key,
			    size_t klen)
{
	return crdt_bytes_cmp(e->key, e->klen, key, klen);
}

const struct crdt_lww_reg *crdt_lww_map_get(const struct crdt_lww_map *m,
					    const void *key, size_t klen)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = crdt_lww_key_cmp(&m->e[mid], key, klen);

		if (!c) {
			if (m->e[mid].reg.flags & CRDT_LWW_TOMBSTONE)
				return NULL;
			return &m->e[mid].reg;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t crdt_lww_map_size(const struct crdt_lww_map *m)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->n; i++)
		n += !(m->e[i].reg.flags & CRDT_LWW_TOMBSTONE);
	return n;
}

uint64_t crdt_lww_map_max_ts(const struct crdt_lww_map *m)
{
	uint64_t ts = 0;

	for (uint32_t i = 0; i < m->n; i++)
		if (m->e[i].reg.ts > ts)
			ts = m->e[i].reg.ts;
	return ts;
}

/*
 * Both maps are sorted by key, so the join is one merge walk. The only
 * allocation is the result array, done first, so a failure leaves both
 * inputs as they were; after it, entries are moved, never copied.
 */
int crdt_lww_map_join(struct crdt_lww_map *m, struct crdt_lww_map *src)
{
	uint32_t i = 0, j = 0, n = 0;
	struct crdt_lww_entry *out;
	size_t cap = (size_t)m->n + src->n;

	if (!src->n)
		return 0;
	out = calloc(cap, sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < m->n || j < src->n) {
		struct crdt_lww_entry *a = i < m->n ? &m->e[i] : NULL;
		struct crdt_lww_entry *b = j < src->n ? &src->e[j] : NULL;
		int c = !b ? -1 : !a ? 1 : crdt_lww_key_cmp(a, b->key, b->klen);

		if (c < 0) {
			out[n++] = *a, i++;
		} else if (c > 0) {
			out[n++] = *b, j++;
		} else if (crdt_lww_reg_cmp(&a->reg, &b->reg) >= 0) {
			out[n++] = *a, i++, j++;
			crdt_lww_entry_free(b);
		} else {
			out[n++] = *b, i++, j++;
			crdt_lww_entry_free(a);
		}
	}
	free(m->e);
	free(src->e);
	crdt_lww_map_init(src);
	m->e = out;
	m->n = n;
	return 0;
}

static int crdt_lww_map_write(struct crdt_lww_map *m,
			      struct crdt_lww_map *delta, const void *key,
			      size_t klen, const struct crdt_lww_reg *reg)
{
	struct crdt_lww_entry *e;
	struct crdt_lww_map tmp;
	int err;

	crdt_lww_map_init(delta);
	if (!klen || klen > CRDT_KEY_MAX || reg->len > CRDT_VAL_MAX)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->klen = klen;
	e->reg = *reg;
	e->key = crdt_bytes_dup(key, klen);
	e->reg.val = crdt_bytes_dup(reg->val, reg->len);
	delta->e = e;
	delta->n = 1;
	if (!e->key || !e->reg.val) {
		err = -ENOMEM;
		goto err_delta;
	}
	err = crdt_lww_map_copy(&tmp, delta);
	if (err)
		goto err_delta;
	err = crdt_lww_map_join(m, &tmp);
	crdt_lww_map_free(&tmp);
	if (err)
		goto err_delta;
	return 0;
err_delta:
	crdt_lww_map_free(delta);
	return err;
}

int crdt_lww_map_put(struct crdt_lww_map *m, struct crdt_lww_map *delta,
		     const void *key, size_t klen, const void *val,
		     size_t vlen, uint64_t ts, uint64_t node)
{
	struct crdt_lww_reg reg = {
		.ts = ts, .node = node, .len = vlen, .val = (uint8_t *)val,
	};

	if (vlen > CRDT_VAL_MAX)
		return -EINVAL;
	return crdt_lww_map_write(m, delta, key, klen, &reg);
}

int crdt_lww_map_del(struct crdt_lww_map *m, struct crdt_lww_map *delta,
		     const void *key, size_t klen, uint64_t ts, uint64_t node)
{
	struct crdt_lww_reg reg = {
		.ts = ts, .node = node, .flags = CRDT_LWW_TOMBSTONE,
	};

	return crdt_lww_map_write(m, delta, key, klen, &reg);
}

void crdt_lww_map_encode(struct crdt_buf *b, const struct crdt_lww_map *m)
{
	crdt_put_u32(b, m->n);
	for (uint32_t i = 0; i < m->n; i++) {
		const struct crdt_lww_entry *e = &m->e[i];

		crdt_put_u16(b, e->klen);
		crdt_put_bytes(b, e->key, e->klen);
		crdt_put_u64(b, e->reg.ts);
		crdt_put_u64(b, e->reg.node);
		crdt_put_u8(b, e->reg.flags);
		crdt_put_u32(b, e->reg.len);
		crdt_put_bytes(b, e->reg.val, e->reg.len);
	}
}

static int crdt_lww_entry_decode(struct crdt_rd *r, struct crdt_lww_entry *e)
{
	const uint8_t *key, *val;

	e->klen = crdt_get_u16(r);
	key = crdt_get_bytes(r, e->klen);
	e->reg.ts = crdt_get_u64(r);
	e->reg.node = crdt_get_u64(r);
	e->reg.flags = crdt_get_u8(r);
	e->reg.len = crdt_get_u32(r);
	val = crdt_get_bytes(r, e->reg.len);
	if (r->err)
		return r->err;
	if (!e->klen || e->klen > CRDT_KEY_MAX || e->reg.len > CRDT_VAL_MAX)
		return -EBADMSG;
	if (e->reg.flags & ~CRDT_LWW_TOMBSTONE)
		return -EBADMSG;
	if ((e->reg.flags & CRDT_LWW_TOMBSTONE) && e->reg.len)
		return -EBADMSG;
	e->key = crdt_bytes_dup(key, e->klen);
	e->reg.val = crdt_bytes_dup(val, e->reg.len);
	return e->key && e->reg.val ? 0 : -ENOMEM;
}

int crdt_lww_map_decode(struct crdt_rd *r, struct crdt_lww_map *m)
{
	uint32_t n = crdt_get_count(r, CRDT_LWW_ENTRY_MIN);
	int err = r->err;

	crdt_lww_map_init(m);
	if (err)
		return err;
	m->e = calloc(n ? n : 1, sizeof(*m->e));
	if (!m->e)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct crdt_lww_entry *e = &m->e[i];

		m->n = i + 1;
		err = crdt_lww_entry_decode(r, e);
		if (err)
			goto err_free;
		if (i && crdt_lww_key_cmp(&m->e[i - 1], e->key, e->klen) >= 0) {
			err = -EBADMSG;
			goto err_free;
		}
	}
	return 0;
err_free:
	crdt_lww_map_free(m);
	return err;
}

int crdt_lww_map_copy(struct crdt_lww_map *dst, const struct crdt_lww_map *src)
{
	struct crdt_buf b;
	struct crdt_rd r;
	int err;

	crdt_buf_init(&b);
	crdt_lww_map_init(dst);
	crdt_lww_map_encode(&b, src);
	err = b.err;
	if (!err) {
		crdt_rd_init(&r, b.data, b.len);
		err = crdt_lww_map_decode(&r, dst);
	}
	crdt_buf_free(&b);
	return err;
}
