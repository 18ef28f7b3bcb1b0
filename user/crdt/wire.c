// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/wire.h"

void crdt_buf_init(struct crdt_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void crdt_buf_free(struct crdt_buf *b)
{
	free(b->data);
	crdt_buf_init(b);
}

void crdt_buf_reset(struct crdt_buf *b)
{
	b->len = 0;
	b->err = 0;
}

static int crdt_buf_reserve(struct crdt_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (n > SIZE_MAX - b->len) {
		b->err = -EOVERFLOW;
		return b->err;
	}
	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void crdt_put_bytes(struct crdt_buf *b, const void *p, size_t n)
{
	if (!n || crdt_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void crdt_put_u8(struct crdt_buf *b, uint8_t v)
{
	crdt_put_bytes(b, &v, 1);
}

void crdt_put_u16(struct crdt_buf *b, uint16_t v)
{
	uint8_t le[2] = { v, v >> 8 };

	crdt_put_bytes(b, le, sizeof(le));
}

void crdt_put_u32(struct crdt_buf *b, uint32_t v)
{
	uint8_t le[4];

	for (int i = 0; i < 4; i++)
		le[i] = v >> (8 * i);
	crdt_put_bytes(b, le, sizeof(le));
}

void crdt_put_u64(struct crdt_buf *b, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = v >> (8 * i);
	crdt_put_bytes(b, le, sizeof(le));
}

void crdt_patch_u32(struct crdt_buf *b, size_t off, uint32_t v)
{
	if (b->err || off > b->len || b->len - off < 4)
		return;
	for (int i = 0; i < 4; i++)
		b->data[off + i] = v >> (8 * i);
}

void crdt_rd_init(struct crdt_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
	r->err = 0;
}

const uint8_t *crdt_get_bytes(struct crdt_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->left) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t crdt_get_le(struct crdt_rd *r, size_t n)
{
	const uint8_t *p = crdt_get_bytes(r, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t crdt_get_u8(struct crdt_rd *r)
{
	return crdt_get_le(r, 1);
}

uint16_t crdt_get_u16(struct crdt_rd *r)
{
	return crdt_get_le(r, 2);
}

uint32_t crdt_get_u32(struct crdt_rd *r)
{
	return crdt_get_le(r, 4);
}

uint64_t crdt_get_u64(struct crdt_rd *r)
{
	return crdt_get_le(r, 8);
}

uint32_t crdt_get_count(struct crdt_rd *r, size_t min_size)
{
	uint32_t n = crdt_get_u32(r);

	if (r->err)
		return 0;
	if (min_size && n > r->left / min_size) {
		r->err = -EBADMSG;
		return 0;
	}
	return n;
}

int crdt_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
		   size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c < 0 ? -1 : 1;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

uint8_t *crdt_bytes_dup(const void *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}
