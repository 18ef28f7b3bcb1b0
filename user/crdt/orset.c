// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/lww.h"
#include "crdt/orset.h"

/* Smallest encoded entry: len, one byte, dot. */
#define CRDT_ORSET_ENTRY_MIN	(2 + 1 + 16)

void crdt_orset_init(struct crdt_orset *s)
{
	memset(s, 0, sizeof(*s));
	crdt_cc_init(&s->cc);
}

void crdt_orset_free(struct crdt_orset *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		free(s->e[i].elem);
	free(s->e);
	crdt_cc_free(&s->cc);
	crdt_orset_init(s);
}

static int crdt_orset_cmp(const struct crdt_orset_entry *a,
			  const struct crdt_orset_entry *b)
{
	int c = crdt_bytes_cmp(a->elem, a->len, b->elem, b->len);

	if (c)
		return c;
	if (a->dot.node != b->dot.node)
		return a->dot.node < b->dot.node ? -1 : 1;
	if (a->dot.counter != b->dot.counter)
		return a->dot.counter < b->dot.counter ? -1 : 1;
	return 0;
}

/* Index of the first entry of @elem, or where it would go. */
static uint32_t crdt_orset_lower(const struct crdt_orset *s, const void *elem,
				 size_t len)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (crdt_bytes_cmp(s->e[mid].elem, s->e[mid].len, elem, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool crdt_orset_is(const struct crdt_orset *s, uint32_t i,
			  const void *elem, size_t len)
{
	return i < s->n && !crdt_bytes_cmp(s->e[i].elem, s->e[i].len, elem, len);
}

bool crdt_orset_contains(const struct crdt_orset *s, const void *elem,
			 size_t len)
{
	return crdt_orset_is(s, crdt_orset_lower(s, elem, len), elem, len);
}

uint32_t crdt_orset_size(const struct crdt_orset *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->n; i++)
		n += !i || crdt_bytes_cmp(s->e[i - 1].elem, s->e[i - 1].len,
					  s->e[i].elem, s->e[i].len);
	return n;
}

/*
 * Entries are sorted the same way on both sides, so this is one merge
 * walk deciding per entry. The result array and the joined context are
 * built before anything is freed, so -ENOMEM changes nothing.
 */
int crdt_orset_join(struct crdt_orset *s, struct crdt_orset *src)
{
	struct crdt_orset_entry *out;
	uint32_t i = 0, j = 0, n = 0;
	struct crdt_cc cc;
	int err;

	crdt_cc_init(&cc);
	err = crdt_cc_join(&cc, &s->cc);
	if (!err)
		err = crdt_cc_join(&cc, &src->cc);
	out = calloc((size_t)s->n + src->n + 1, sizeof(*out));
	if (err || !out) {
		crdt_cc_free(&cc);
		free(out);
		return err ? err : -ENOMEM;
	}
	while (i < s->n || j < src->n) {
		struct crdt_orset_entry *a = i < s->n ? &s->e[i] : NULL;
		struct crdt_orset_entry *b = j < src->n ? &src->e[j] : NULL;
		int c = !b ? -1 : !a ? 1 : crdt_orset_cmp(a, b);

		if (c < 0) {
			i++;
			if (crdt_cc_contains(&src->cc, a->dot))
				free(a->elem);
			else
				out[n++] = *a;
		} else if (c > 0) {
			j++;
			if (crdt_cc_contains(&s->cc, b->dot))
				free(b->elem);
			else
				out[n++] = *b;
		} else {
			out[n++] = *a, i++, j++;
			free(b->elem);
		}
	}
	free(s->e);
	free(src->e);
	src->e = NULL;
	src->n = 0;
	crdt_orset_free(src);
	crdt_cc_free(&s->cc);
	s->e = out;
	s->n = n;
	s->cc = cc;
	return 0;
}

/* A delta holding only a context: the dots of @elem that @s has seen. */
static int crdt_orset_observed(const struct crdt_orset *s,
			       struct crdt_orset *delta, const void *elem,
			       size_t len)
{
	uint32_t i = crdt_orset_lower(s, elem, len);
	int err = 0;

	for (; !err && crdt_orset_is(s, i, elem, len); i++)
		err = crdt_cc_add(&delta->cc, s->e[i].dot);
	return err;
}

/* Join a copy of @delta into @s, keeping @delta for the caller. */
static int crdt_orset_apply(struct crdt_orset *s, const struct crdt_orset *delta)
{
	struct crdt_orset tmp;
	int err;

	err = crdt_orset_copy(&tmp, delta);
	if (!err)
		err = crdt_orset_join(s, &tmp);
	crdt_orset_free(&tmp);
	return err;
}

int crdt_orset_add(struct crdt_orset *s, struct crdt_orset *delta,
		   uint64_t node, const void *elem, size_t len)
{
	struct crdt_dot d = { node, crdt_cc_max(&s->cc, node) + 1 };
	struct crdt_orset_entry *e;
	int err;

	crdt_orset_init(delta);
	if (!len || len > CRDT_KEY_MAX || !d.counter)
		return -EINVAL;
	err = crdt_orset_observed(s, delta, elem, len);
	if (!err)
		err = crdt_cc_add(&delta->cc, d);
	if (err)
		goto err_delta;
	err = -ENOMEM;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto err_delta;
	delta->e = e;
	delta->n = 1;
	e->dot = d;
	e->len = len;
	e->elem = crdt_bytes_dup(elem, len);
	if (!e->elem)
		goto err_delta;
	err = crdt_orset_apply(s, delta);
	if (err)
		goto err_delta;
	return 0;
err_delta:
	crdt_orset_free(delta);
	return err;
}

int crdt_orset_remove(struct crdt_orset *s, struct crdt_orset *delta,
		      const void *elem, size_t len)
{
	int err;

	crdt_orset_init(delta);
	if (!len || len > CRDT_KEY_MAX)
		return -EINVAL;
	err = crdt_orset_observed(s, delta, elem, len);
	if (!err)
		err = crdt_orset_apply(s, delta);
	if (err)
		crdt_orset_free(delta);
	return err;
}

void crdt_orset_encode(struct crdt_buf *b, const struct crdt_orset *s)
{
	crdt_cc_encode(b, &s->cc);
	crdt_put_u32(b, s->n);
	for (uint32_t i = 0; i < s->n; i++) {
		crdt_put_u16(b, s->e[i].len);
		crdt_put_bytes(b, s->e[i].elem, s->e[i].len);
		crdt_put_u64(b, s->e[i].dot.node);
		crdt_put_u64(b, s->e[i].dot.counter);
	}
}

static int crdt_orset_entry_decode(struct crdt_rd *r,
				   struct crdt_orset_entry *e)
{
	const uint8_t *elem;

	e->len = crdt_get_u16(r);
	elem = crdt_get_bytes(r, e->len);
	e->dot.node = crdt_get_u64(r);
	e->dot.counter = crdt_get_u64(r);
	if (r->err)
		return r->err;
	if (!e->len || e->len > CRDT_KEY_MAX || !e->dot.counter)
		return -EBADMSG;
	e->elem = crdt_bytes_dup(elem, e->len);
	return e->elem ? 0 : -ENOMEM;
}

static int crdt_orset_dot_qcmp(const void *pa, const void *pb)
{
	const struct crdt_dot *a = pa, *b = pb;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->counter != b->counter)
		return a->counter < b->counter ? -1 : 1;
	return 0;
}

/*
 * Every add issues a fresh dot, so a dot tags at most one element. A
 * peer's state where one dot tags two would tie them: removing either
 * records the dot and so removes both. Entries are sorted by element
 * first, so finding a repeat takes a sort of the dots.
 */
static int crdt_orset_dots_unique(const struct crdt_orset *s)
{
	struct crdt_dot *d;
	int err = 0;

	if (s->n < 2)
		return 0;
	d = malloc((size_t)s->n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n; i++)
		d[i] = s->e[i].dot;
	qsort(d, s->n, sizeof(*d), crdt_orset_dot_qcmp);
	for (uint32_t i = 1; i < s->n && !err; i++)
		if (!crdt_orset_dot_qcmp(&d[i - 1], &d[i]))
			err = -EBADMSG;
	free(d);
	return err;
}

int crdt_orset_decode(struct crdt_rd *r, struct crdt_orset *s)
{
	uint32_t n;
	int err;

	crdt_orset_init(s);
	err = crdt_cc_decode(r, &s->cc);
	if (err)
		return err;
	n = crdt_get_count(r, CRDT_ORSET_ENTRY_MIN);
	err = r->err;
	if (err)
		goto err_free;
	err = -ENOMEM;
	s->e = calloc(n ? n : 1, sizeof(*s->e));
	if (!s->e)
		goto err_free;
	for (uint32_t i = 0; i < n; i++) {
		struct crdt_orset_entry *e = &s->e[i];

		s->n = i + 1;
		err = crdt_orset_entry_decode(r, e);
		if (err)
			goto err_free;
		err = -EBADMSG;
		if (i && crdt_orset_cmp(&s->e[i - 1], e) >= 0)
			goto err_free;
		if (!crdt_cc_contains(&s->cc, e->dot))
			goto err_free;
	}
	err = crdt_orset_dots_unique(s);
	if (err)
		goto err_free;
	return 0;
err_free:
	crdt_orset_free(s);
	return err;
}

int crdt_orset_copy(struct crdt_orset *dst, const struct crdt_orset *src)
{
	struct crdt_buf b;
	struct crdt_rd r;
	int err;

	crdt_buf_init(&b);
	crdt_orset_init(dst);
	crdt_orset_encode(&b, src);
	err = b.err;
	if (!err) {
		crdt_rd_init(&r, b.data, b.len);
		err = crdt_orset_decode(&r, dst);
	}
	crdt_buf_free(&b);
	return err;
}
