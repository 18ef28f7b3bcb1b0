// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/pncounter.h"

#define CRDT_PN_ENTRY_SIZE	24

void crdt_pn_init(struct crdt_pncounter *c)
{
	memset(c, 0, sizeof(*c));
}

void crdt_pn_free(struct crdt_pncounter *c)
{
	free(c->e);
	crdt_pn_init(c);
}

int64_t crdt_pn_value(const struct crdt_pncounter *c)
{
	uint64_t v = 0;

	/* Modular sums: the difference is right whenever it fits. */
	for (uint32_t i = 0; i < c->n; i++)
		v += c->e[i].p - c->e[i].n;
	return (int64_t)v;
}

static const struct crdt_pn_entry *crdt_pn_find(const struct crdt_pncounter *c,
						uint64_t node)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->e[i].node == node)
			return &c->e[i];
	return NULL;
}

int crdt_pn_join(struct crdt_pncounter *c, struct crdt_pncounter *src)
{
	uint32_t i = 0, j = 0, n = 0;
	struct crdt_pn_entry *out;

	out = calloc((size_t)c->n + src->n + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < c->n || j < src->n) {
		if (j >= src->n || (i < c->n && c->e[i].node < src->e[j].node)) {
			out[n++] = c->e[i++];
		} else if (i >= c->n || src->e[j].node < c->e[i].node) {
			out[n++] = src->e[j++];
		} else {
			out[n] = c->e[i++];
			if (src->e[j].p > out[n].p)
				out[n].p = src->e[j].p;
			if (src->e[j].n > out[n].n)
				out[n].n = src->e[j].n;
			n++, j++;
		}
	}
	crdt_pn_free(c);
	crdt_pn_free(src);
	c->e = out;
	c->n = n;
	return 0;
}

int crdt_pn_add(struct crdt_pncounter *c, struct crdt_pncounter *delta,
		uint64_t node, int64_t amount)
{
	const struct crdt_pn_entry *cur = crdt_pn_find(c, node);
	struct crdt_pn_entry e = { .node = node };
	struct crdt_pncounter tmp;
	uint64_t mag;
	int err;

	crdt_pn_init(delta);
	if (cur)
		e = *cur;
	mag = amount < 0 ? -(uint64_t)amount : (uint64_t)amount;
	if (amount < 0 && e.n > UINT64_MAX - mag)
		return -EOVERFLOW;
	if (amount >= 0 && e.p > UINT64_MAX - mag)
		return -EOVERFLOW;
	if (amount < 0)
		e.n += mag;
	else
		e.p += mag;
	delta->e = calloc(1, sizeof(e));
	tmp.e = calloc(1, sizeof(e));
	if (!delta->e || !tmp.e) {
		free(tmp.e);
		crdt_pn_free(delta);
		return -ENOMEM;
	}
	delta->e[0] = e;
	delta->n = 1;
	tmp.e[0] = e;
	tmp.n = 1;
	err = crdt_pn_join(c, &tmp);
	if (err) {
		crdt_pn_free(&tmp);
		crdt_pn_free(delta);
	}
	return err;
}

void crdt_pn_encode(struct crdt_buf *b, const struct crdt_pncounter *c)
{
	crdt_put_u32(b, c->n);
	for (uint32_t i = 0; i < c->n; i++) {
		crdt_put_u64(b, c->e[i].node);
		crdt_put_u64(b, c->e[i].p);
		crdt_put_u64(b, c->e[i].n);
	}
}

int crdt_pn_decode(struct crdt_rd *r, struct crdt_pncounter *c)
{
	uint32_t n = crdt_get_count(r, CRDT_PN_ENTRY_SIZE);

	crdt_pn_init(c);
	if (r->err)
		return r->err;
	c->e = calloc(n ? n : 1, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	c->n = n;
	for (uint32_t i = 0; i < n; i++) {
		c->e[i].node = crdt_get_u64(r);
		c->e[i].p = crdt_get_u64(r);
		c->e[i].n = crdt_get_u64(r);
		if (!r->err && i && c->e[i - 1].node >= c->e[i].node)
			r->err = -EBADMSG;
	}
	if (r->err) {
		crdt_pn_free(c);
		return r->err;
	}
	return 0;
}

int crdt_pn_copy(struct crdt_pncounter *dst, const struct crdt_pncounter *src)
{
	crdt_pn_init(dst);
	dst->e = calloc(src->n + 1, sizeof(*dst->e));
	if (!dst->e)
		return -ENOMEM;
	if (src->n)
		memcpy(dst->e, src->e, src->n * sizeof(*dst->e));
	dst->n = src->n;
	return 0;
}
