// SPDX-License-Identifier: GPL-2.0
/*
 * The key-value state machine (kv.h): a sorted array, because the map is
 * small (configuration, quarantine lists) and a snapshot then needs no
 * sort.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/le.h"
#include "x0ttad/kv.h"

#define XD_KV_VERSION	1
#define XD_KV_SNAP_HDR	8
#define XD_KV_ITEM_HDR	6
/* The snapshot must fit raft's limit (RAFT_MAX_SNAPSHOT_SIZE). */
#define XD_KV_SNAP_MAX	(4u << 20)

void xd_kv_init(struct xd_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
}

static void xd_kv_item_free(struct xd_kv_item *it)
{
	free(it->key);
	free(it->val);
}

void xd_kv_free(struct xd_kv *kv)
{
	for (size_t i = 0; i < kv->n; i++)
		xd_kv_item_free(&kv->items[i]);
	free(kv->items);
	xd_kv_init(kv);
}

static int xd_kv_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of @key, or of where it would go (*found false). */
static size_t xd_kv_find(const struct xd_kv *kv, const void *key,
			 size_t klen, bool *found)
{
	size_t lo = 0, hi = kv->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = xd_kv_cmp(kv->items[mid].key, kv->items[mid].klen, key,
				  klen);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct xd_kv_item *xd_kv_get(const struct xd_kv *kv, const void *key,
				   size_t klen)
{
	bool found;
	size_t i = xd_kv_find(kv, key, klen, &found);

	return found ? &kv->items[i] : NULL;
}

static uint8_t *xd_dup(const void *p, size_t len)
{
	/* malloc(0) may return NULL; an empty value is still a value. */
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

static int xd_kv_put(struct xd_kv *kv, const void *key, size_t klen,
		     const void *val, size_t vlen)
{
	bool found;
	size_t i = xd_kv_find(kv, key, klen, &found);
	uint8_t *v = xd_dup(val, vlen), *k;

	if (!v)
		return -ENOMEM;
	if (found) {
		free(kv->items[i].val);
		kv->items[i].val = v;
		kv->items[i].vlen = vlen;
		return 0;
	}
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 16;
		struct xd_kv_item *n = realloc(kv->items, cap * sizeof(*n));

		if (!n)
			goto err_val;
		kv->items = n;
		kv->cap = cap;
	}
	k = xd_dup(key, klen);
	if (!k)
		goto err_val;
	memmove(&kv->items[i + 1], &kv->items[i],
		(kv->n - i) * sizeof(kv->items[0]));
	kv->items[i] = (struct xd_kv_item){ k, klen, vlen, v };
	kv->n++;
	return 0;
err_val:
	free(v);
	return -ENOMEM;
}

static int xd_kv_del(struct xd_kv *kv, const void *key, size_t klen)
{
	bool found;
	size_t i = xd_kv_find(kv, key, klen, &found);

	if (!found)
		return -ENOENT;
	xd_kv_item_free(&kv->items[i]);
	memmove(&kv->items[i], &kv->items[i + 1],
		(kv->n - i - 1) * sizeof(kv->items[0]));
	kv->n--;
	return 0;
}

int xd_kv_cmd_encode(enum xd_kv_op op, const void *key, size_t klen,
		     const void *val, size_t vlen, uint8_t **out,
		     size_t *outlen)
{
	uint8_t *b;

	if ((op != XD_KV_PUT && op != XD_KV_DEL) || !klen ||
	    klen > XD_KV_KEY_MAX || vlen > XD_KV_VAL_MAX ||
	    (op == XD_KV_DEL && vlen))
		return -EINVAL;
	b = malloc(XD_KV_CMD_HDR + klen + vlen);
	if (!b)
		return -ENOMEM;
	b[0] = XD_KV_VERSION;
	b[1] = op;
	le_put16(b + 2, klen);
	le_put32(b + 4, vlen);
	memcpy(b + XD_KV_CMD_HDR, key, klen);
	if (vlen)
		memcpy(b + XD_KV_CMD_HDR + klen, val, vlen);
	*out = b;
	*outlen = XD_KV_CMD_HDR + klen + vlen;
	return 0;
}

int xd_kv_cmd_decode(const void *cmd, size_t len, struct xd_kv_cmd *c)
{
	const uint8_t *b = cmd;
	size_t klen, vlen;

	if (len < XD_KV_CMD_HDR || b[0] != XD_KV_VERSION)
		return -EBADMSG;
	klen = le_get16(b + 2);
	vlen = le_get32(b + 4);
	if (!klen || klen > XD_KV_KEY_MAX || vlen > XD_KV_VAL_MAX ||
	    len != XD_KV_CMD_HDR + klen + vlen)
		return -EBADMSG;
	if (b[1] != XD_KV_PUT && (b[1] != XD_KV_DEL || vlen))
		return -EBADMSG;
	*c = (struct xd_kv_cmd){
		.op = b[1], .key = b + XD_KV_CMD_HDR, .klen = klen,
		.val = b + XD_KV_CMD_HDR + klen, .vlen = vlen,
	};
	return 0;
}

int xd_kv_apply_cmd(struct xd_kv *kv, const struct xd_kv_cmd *c)
{
	if (c->op == XD_KV_PUT)
		return xd_kv_put(kv, c->key, c->klen, c->val, c->vlen);
	return xd_kv_del(kv, c->key, c->klen);
}

int xd_kv_apply(struct xd_kv *kv, const void *cmd, size_t len)
{
	struct xd_kv_cmd c;
	int ret = xd_kv_cmd_decode(cmd, len, &c);

	return ret ? ret : xd_kv_apply_cmd(kv, &c);
}

int xd_kv_snapshot(const struct xd_kv *kv, uint8_t **out, size_t *len)
{
	size_t total = XD_KV_SNAP_HDR, off;
	uint8_t *b;

	for (size_t i = 0; i < kv->n; i++)
		total += XD_KV_ITEM_HDR + kv->items[i].klen +
			 kv->items[i].vlen;
	if (total > XD_KV_SNAP_MAX)
		return -E2BIG;
	b = malloc(total);
	if (!b)
		return -ENOMEM;
	le_put32(b, XD_KV_VERSION);
	le_put32(b + 4, kv->n);
	off = XD_KV_SNAP_HDR;
	for (size_t i = 0; i < kv->n; i++) {
		const struct xd_kv_item *it = &kv->items[i];

		le_put16(b + off, it->klen);
		le_put32(b + off + 2, it->vlen);
		off += XD_KV_ITEM_HDR;
		memcpy(b + off, it->key, it->klen);
		off += it->klen;
		if (it->vlen)
			memcpy(b + off, it->val, it->vlen);
		off += it->vlen;
	}
	*out = b;
	*len = total;
	return 0;
}

/* Bounds, order and exact size, before anything is allocated. */
static int xd_kv_snap_check(const uint8_t *b, size_t len, uint32_t *count)
{
	const uint8_t *prev = NULL;
	size_t off = XD_KV_SNAP_HDR, prevlen = 0;

	if (len < XD_KV_SNAP_HDR || le_get32(b) != XD_KV_VERSION)
		return -EBADMSG;
	*count = le_get32(b + 4);
	for (uint32_t i = 0; i < *count; i++) {
		size_t klen, vlen;

		if (len - off < XD_KV_ITEM_HDR)
			return -EBADMSG;
		klen = le_get16(b + off);
		vlen = le_get32(b + off + 2);
		off += XD_KV_ITEM_HDR;
		if (!klen || klen > XD_KV_KEY_MAX || vlen > XD_KV_VAL_MAX ||
		    len - off < klen + vlen)
			return -EBADMSG;
		if (prev && xd_kv_cmp(prev, prevlen, b + off, klen) >= 0)
			return -EBADMSG;
		prev = b + off;
		prevlen = klen;
		off += klen + vlen;
	}
	return off == len ? 0 : -EBADMSG;
}

int xd_kv_load(struct xd_kv *kv, const void *data, size_t len)
{
	const uint8_t *b = data;
	struct xd_kv next;
	uint32_t count;
	size_t off = XD_KV_SNAP_HDR;
	int ret = xd_kv_snap_check(b, len, &count);

	if (ret)
		return ret;
	xd_kv_init(&next);
	for (uint32_t i = 0; i < count; i++) {
		size_t klen = le_get16(b + off), vlen = le_get32(b + off + 2);

		off += XD_KV_ITEM_HDR;
		/* In order, so every put appends. */
		ret = xd_kv_put(&next, b + off, klen, b + off + klen, vlen);
		if (ret) {
			xd_kv_free(&next);
			return ret;
		}
		off += klen + vlen;
	}
	xd_kv_free(kv);
	*kv = next;
	return 0;
}
