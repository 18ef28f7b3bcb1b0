// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/cc.h"

void crdt_cc_init(struct crdt_cc *cc)
{
	memset(cc, 0, sizeof(*cc));
}

void crdt_cc_free(struct crdt_cc *cc)
{
	free(cc->vv);
	free(cc->cloud);
	crdt_cc_init(cc);
}

static int crdt_dot_cmp(struct crdt_dot a, struct crdt_dot b)
{
	if (a.node != b.node)
		return a.node < b.node ? -1 : 1;
	if (a.counter != b.counter)
		return a.counter < b.counter ? -1 : 1;
	return 0;
}

static uint64_t crdt_cc_base(const struct crdt_cc *cc, uint64_t node)
{
	uint32_t lo = 0, hi = cc->nvv;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cc->vv[mid].node == node)
			return cc->vv[mid].counter;
		if (cc->vv[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Index of the first cloud dot not below @d. */
static uint32_t crdt_cc_cloud_lower(const struct crdt_cc *cc, struct crdt_dot d)
{
	uint32_t lo = 0, hi = cc->ncloud;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (crdt_dot_cmp(cc->cloud[mid], d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool crdt_cc_contains(const struct crdt_cc *cc, struct crdt_dot d)
{
	uint32_t i;

	if (d.counter <= crdt_cc_base(cc, d.node))
		return true;
	i = crdt_cc_cloud_lower(cc, d);
	return i < cc->ncloud && !crdt_dot_cmp(cc->cloud[i], d);
}

uint64_t crdt_cc_max(const struct crdt_cc *cc, uint64_t node)
{
	struct crdt_dot next = { .node = node + 1, .counter = 0 };
	uint32_t i;

	if (node == UINT64_MAX) {
		i = cc->ncloud;
	} else {
		i = crdt_cc_cloud_lower(cc, next);
	}
	if (i > 0 && cc->cloud[i - 1].node == node)
		return cc->cloud[i - 1].counter;
	return crdt_cc_base(cc, node);
}

/*
 * Fold cloud dots that continue the vector into it. Inputs are sorted but
 * may hold duplicates and dots already covered; the outputs are canonical.
 * @vv_out has room for nvv + ncloud entries, @cloud_out for ncloud.
 */
static void crdt_cc_normalize(const struct crdt_dot *vv, uint32_t nvv,
			      const struct crdt_dot *cloud, uint32_t ncloud,
			      struct crdt_dot *vv_out, uint32_t *nvv_out,
			      struct crdt_dot *cloud_out, uint32_t *ncloud_out)
{
	uint32_t i = 0, j = 0, nv = 0, nc = 0;

	while (i < nvv || j < ncloud) {
		uint64_t node, base = 0;

		if (j >= ncloud || (i < nvv && vv[i].node <= cloud[j].node))
			node = vv[i].node;
		else
			node = cloud[j].node;
		if (i < nvv && vv[i].node == node)
			base = vv[i++].counter;
		for (; j < ncloud && cloud[j].node == node; j++) {
			uint64_t c = cloud[j].counter;

			if (c <= base)
				continue;
			if (c == base + 1) {
				base = c;
				continue;
			}
			if (nc && !crdt_dot_cmp(cloud_out[nc - 1], cloud[j]))
				continue;
			cloud_out[nc++] = cloud[j];
		}
		if (base)
			vv_out[nv++] = (struct crdt_dot){ node, base };
	}
	*nvv_out = nv;
	*ncloud_out = nc;
}

static uint32_t crdt_vv_max_merge(const struct crdt_dot *a, uint32_t na,
				  const struct crdt_dot *b, uint32_t nb,
				  struct crdt_dot *out)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].node < b[j].node)) {
			out[n++] = a[i++];
		} else if (i >= na || b[j].node < a[i].node) {
			out[n++] = b[j++];
		} else {
			out[n] = a[i].counter > b[j].counter ? a[i] : b[j];
			n++, i++, j++;
		}
	}
	return n;
}

static uint32_t crdt_cloud_union(const struct crdt_dot *a, uint32_t na,
				 const struct crdt_dot *b, uint32_t nb,
				 struct crdt_dot *out)
{
	uint32_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		int c = j >= nb ? -1 : i >= na ? 1 : crdt_dot_cmp(a[i], b[j]);

		if (c <= 0)
			out[n++] = a[i++];
		else
			out[n++] = b[j++];
		if (!c)
			j++;
	}
	return n;
}

/* calloc that never fails for an empty array, so "NULL" means ENOMEM. */
static struct crdt_dot *crdt_dots_alloc(size_t n)
{
	return calloc(n ? n : 1, sizeof(struct crdt_dot));
}

static int crdt_cc_union(struct crdt_cc *cc, const struct crdt_dot *vv,
			 uint32_t nvv, const struct crdt_dot *cloud,
			 uint32_t ncloud)
{
	size_t vmax = (size_t)cc->nvv + nvv, cmax = (size_t)cc->ncloud + ncloud;
	struct crdt_dot *tv, *tc, *ov, *oc;
	uint32_t ntv, ntc;
	int err = -ENOMEM;

	tv = crdt_dots_alloc(vmax);
	tc = crdt_dots_alloc(cmax);
	ov = crdt_dots_alloc(vmax + cmax);
	oc = crdt_dots_alloc(cmax);
	if (!tv || !tc || !ov || !oc)
		goto cleanup;
	ntv = crdt_vv_max_merge(cc->vv, cc->nvv, vv, nvv, tv);
	ntc = crdt_cloud_union(cc->cloud, cc->ncloud, cloud, ncloud, tc);
	crdt_cc_free(cc);
	crdt_cc_normalize(tv, ntv, tc, ntc, ov, &cc->nvv, oc, &cc->ncloud);
	cc->vv = ov;
	cc->cloud = oc;
	ov = oc = NULL;
	err = 0;
cleanup:
	free(tv);
	free(tc);
	free(ov);
	free(oc);
	return err;
}

int crdt_cc_add(struct crdt_cc *cc, struct crdt_dot d)
{
	if (!d.counter || crdt_cc_contains(cc, d))
		return 0;
	return crdt_cc_union(cc, NULL, 0, &d, 1);
}

int crdt_cc_join(struct crdt_cc *cc, const struct crdt_cc *other)
{
	return crdt_cc_union(cc, other->vv, other->nvv, other->cloud,
			     other->ncloud);
}

static void crdt_dots_encode(struct crdt_buf *b, const struct crdt_dot *d,
			     uint32_t n)
{
	crdt_put_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		crdt_put_u64(b, d[i].node);
		crdt_put_u64(b, d[i].counter);
	}
}

void crdt_cc_encode(struct crdt_buf *b, const struct crdt_cc *cc)
{
	crdt_dots_encode(b, cc->vv, cc->nvv);
	crdt_dots_encode(b, cc->cloud, cc->ncloud);
}

static int crdt_dots_decode(struct crdt_rd *r, struct crdt_dot **out,
			    uint32_t *n)
{
	uint32_t cnt = crdt_get_count(r, 16);
	struct crdt_dot *d;

	if (r->err)
		return r->err;
	d = crdt_dots_alloc(cnt);
	if (!d)
		return -ENOMEM;
	for (uint32_t i = 0; i < cnt; i++) {
		d[i].node = crdt_get_u64(r);
		d[i].counter = crdt_get_u64(r);
	}
	*out = d;
	*n = cnt;
	return r->err;
}

/* The canonical-form rules listed in cc.h. */
static int crdt_cc_check(const struct crdt_cc *cc)
{
	for (uint32_t i = 0; i < cc->nvv; i++) {
		if (!cc->vv[i].counter)
			return -EBADMSG;
		if (i && cc->vv[i - 1].node >= cc->vv[i].node)
			return -EBADMSG;
	}
	for (uint32_t i = 0; i < cc->ncloud; i++) {
		struct crdt_dot d = cc->cloud[i];
		uint64_t base = crdt_cc_base(cc, d.node);

		if (i && crdt_dot_cmp(cc->cloud[i - 1], d) >= 0)
			return -EBADMSG;
		if (d.counter <= base || d.counter - base == 1)
			return -EBADMSG;
	}
	return 0;
}

int crdt_cc_decode(struct crdt_rd *r, struct crdt_cc *cc)
{
	int err;

	crdt_cc_init(cc);
	err = crdt_dots_decode(r, &cc->vv, &cc->nvv);
	if (!err)
		err = crdt_dots_decode(r, &cc->cloud, &cc->ncloud);
	if (!err)
		err = crdt_cc_check(cc);
	if (err)
		crdt_cc_free(cc);
	return err;
}
