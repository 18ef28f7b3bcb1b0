// SPDX-License-Identifier: GPL-2.0
/*
 * Members' addresses (members.h): the context of a membership change,
 * the address book and the state machine snapshot
 * that carries it. Decoders re-run the encoder's checks on what they
 * read, so a peer or a damaged log cannot plant an address the
 * control socket would have refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/spiffe.h"
#include "lib/le.h"
#include "x0ttad/members.h"

#define XD_STATE_HDR		8
#define XD_BOOK_ITEM_HDR	10

__attribute__((format(printf, 3, 4)))
static int xd_mfail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int xd_member_make(struct xd_member *m, uint64_t id, const char *addr,
		   const char *spiffe_id, const char *td, char *why,
		   size_t whylen)
{
	struct idn_spiffe_id *sid;
	struct idn_status st;
	size_t alen = strlen(addr), slen = strlen(spiffe_id);
	int ret = 0;

	if (!id || id > XD_NODE_ID_MAX)
		return xd_mfail(why, whylen, "node id %llu is not from 1 to "
				"%llu", (unsigned long long)id,
				(unsigned long long)XD_NODE_ID_MAX);
	if (xd_addr_check(addr, false))
		return xd_mfail(why, whylen, "address '%.*s' is not IPV4:PORT "
				"or [IPV6]:PORT with a port from 1",
				XD_ADDR_MAX, addr);
	if (alen + slen > XD_MEMBER_TEXT_MAX)
		return xd_mfail(why, whylen, "address and SPIFFE ID take %zu "
				"bytes, at most %d together", alen + slen,
				XD_MEMBER_TEXT_MAX);
	sid = malloc(sizeof(*sid));
	if (!sid)
		return -ENOMEM;
	if (idn_spiffe_parse(spiffe_id, slen, sid, &st))
		ret = xd_mfail(why, whylen, "SPIFFE ID '%s': %s", spiffe_id,
			       st.detail);
	else if (strcmp(sid->id, spiffe_id))
		ret = xd_mfail(why, whylen, "SPIFFE ID '%s' is not in its "
			       "canonical form '%s'", spiffe_id, sid->id);
	else if (!*idn_spiffe_path(sid))
		ret = xd_mfail(why, whylen, "SPIFFE ID '%s' has no path; a "
			       "node's SVID always has one", spiffe_id);
	else if (strcmp(sid->td, td))
		ret = xd_mfail(why, whylen, "SPIFFE ID '%s' is not in trust "
			       "domain %s", spiffe_id, td);
	free(sid);
	if (ret)
		return ret;
	m->id = id;
	memcpy(m->addr, addr, alen + 1);
	memcpy(m->spiffe_id, spiffe_id, slen + 1);
	return 0;
}

uint16_t xd_member_ctx_encode(const struct xd_member *m,
			      uint8_t buf[RAFT_CONF_CTX_MAX])
{
	size_t alen = strlen(m->addr), slen = strlen(m->spiffe_id);

	buf[0] = XD_MEMBER_CTX_VERSION;
	buf[1] = alen;
	le_put16(buf + 2, slen);
	memcpy(buf + XD_MEMBER_CTX_HDR, m->addr, alen);
	memcpy(buf + XD_MEMBER_CTX_HDR + alen, m->spiffe_id, slen);
	return XD_MEMBER_CTX_HDR + alen + slen;
}

int xd_member_ctx_decode(const uint8_t *buf, size_t len, uint64_t id,
			 const char *td, struct xd_member *m)
{
	char addr[XD_ADDR_MAX], sid[XD_MEMBER_TEXT_MAX + 1];
	size_t alen, slen;

	if (len < XD_MEMBER_CTX_HDR || len > RAFT_CONF_CTX_MAX ||
	    buf[0] != XD_MEMBER_CTX_VERSION)
		return -EBADMSG;
	alen = buf[1];
	slen = le_get16(buf + 2);
	if (!alen || alen >= XD_ADDR_MAX || !slen ||
	    len != XD_MEMBER_CTX_HDR + alen + slen)
		return -EBADMSG;
	memcpy(addr, buf + XD_MEMBER_CTX_HDR, alen);
	addr[alen] = 0;
	memcpy(sid, buf + XD_MEMBER_CTX_HDR + alen, slen);
	sid[slen] = 0;
	/* A NUL inside would hide the rest from every check below. */
	if (strlen(addr) != alen || strlen(sid) != slen)
		return -EBADMSG;
	if (xd_member_make(m, id, addr, sid, td, NULL, 0))
		return -EBADMSG;
	return 0;
}

/* ---- the address book ---------------------------------------------------- */

void xd_book_init(struct xd_book *b)
{
	b->n = 0;
}

/* Index of @id, or where it would go. */
static unsigned int xd_book_pos(const struct xd_book *b, uint64_t id)
{
	unsigned int i = 0;

	while (i < b->n && b->m[i].id < id)
		i++;
	return i;
}

const struct xd_member *xd_book_find(const struct xd_book *b, uint64_t id)
{
	unsigned int i = xd_book_pos(b, id);

	return i < b->n && b->m[i].id == id ? &b->m[i] : NULL;
}

int xd_book_set(struct xd_book *b, const struct xd_member *m)
{
	unsigned int i = xd_book_pos(b, m->id);

	if (i < b->n && b->m[i].id == m->id) {
		b->m[i] = *m;
		return 0;
	}
	if (b->n == XD_BOOK_MAX)
		return -ENOSPC;
	memmove(&b->m[i + 1], &b->m[i], (b->n - i) * sizeof(b->m[0]));
	b->m[i] = *m;
	b->n++;
	return 0;
}

bool xd_book_del(struct xd_book *b, uint64_t id)
{
	unsigned int i = xd_book_pos(b, id);

	if (i == b->n || b->m[i].id != id)
		return false;
	memmove(&b->m[i], &b->m[i + 1], (b->n - i - 1) * sizeof(b->m[0]));
	b->n--;
	return true;
}

/* ---- the state machine's snapshot ---------------------------------------- */

int xd_state_snapshot(const struct xd_kv *kv, const struct xd_book *b,
		      uint8_t **out, size_t *len)
{
	uint8_t *kvs, *p, ctx[RAFT_CONF_CTX_MAX];
	size_t kvlen, total, off;
	int ret;

	ret = xd_kv_snapshot(kv, &kvs, &kvlen);
	if (ret)
		return ret;
	total = XD_STATE_HDR + kvlen + 4;
	for (unsigned int i = 0; i < b->n; i++)
		total += XD_BOOK_ITEM_HDR + xd_member_ctx_encode(&b->m[i], ctx);
	if (total > RAFT_MAX_SNAPSHOT_SIZE) {
		free(kvs);
		return -E2BIG;
	}
	p = malloc(total);
	if (!p) {
		free(kvs);
		return -ENOMEM;
	}
	le_put32(p, XD_STATE_VERSION);
	le_put32(p + 4, kvlen);
	memcpy(p + XD_STATE_HDR, kvs, kvlen);
	free(kvs);
	off = XD_STATE_HDR + kvlen;
	le_put32(p + off, b->n);
	off += 4;
	for (unsigned int i = 0; i < b->n; i++) {
		uint16_t clen = xd_member_ctx_encode(&b->m[i], ctx);

		le_put64(p + off, b->m[i].id);
		le_put16(p + off + 8, clen);
		memcpy(p + off + XD_BOOK_ITEM_HDR, ctx, clen);
		off += XD_BOOK_ITEM_HDR + clen;
	}
	*out = p;
	*len = total;
	return 0;
}

/* The book part of a version 2 snapshot, into @b. */
static int xd_book_decode(const uint8_t *p, size_t len, const char *td,
			  struct xd_book *b)
{
	uint32_t count;
	size_t off = 4;

	xd_book_init(b);
	if (len < 4)
		return -EBADMSG;
	count = le_get32(p);
	if (count > XD_BOOK_MAX)
		return -EBADMSG;
	for (uint32_t i = 0; i < count; i++) {
		struct xd_member m;
		size_t clen;

		if (len - off < XD_BOOK_ITEM_HDR)
			return -EBADMSG;
		clen = le_get16(p + off + 8);
		if (len - off - XD_BOOK_ITEM_HDR < clen ||
		    xd_member_ctx_decode(p + off + XD_BOOK_ITEM_HDR, clen,
					 le_get64(p + off), td, &m))
			return -EBADMSG;
		/* Increasing ids: one encoding per book. */
		if (b->n && b->m[b->n - 1].id >= m.id)
			return -EBADMSG;
		b->m[b->n++] = m;
		off += XD_BOOK_ITEM_HDR + clen;
	}
	return off == len ? 0 : -EBADMSG;
}

int xd_state_load(struct xd_kv *kv, struct xd_book *b, const void *data,
		  size_t len, const char *td)
{
	const uint8_t *p = data;
	struct xd_book *next;
	size_t kvlen;
	int ret;

	if (len < 4)
		return -EBADMSG;
	if (le_get32(p) == 1) {
		ret = xd_kv_load(kv, data, len);
		if (!ret)
			xd_book_init(b);
		return ret;
	}
	if (le_get32(p) != XD_STATE_VERSION || len < XD_STATE_HDR)
		return -EBADMSG;
	kvlen = le_get32(p + 4);
	if (len - XD_STATE_HDR < kvlen)
		return -EBADMSG;
	next = malloc(sizeof(*next));
	if (!next)
		return -ENOMEM;
	ret = xd_book_decode(p + XD_STATE_HDR + kvlen,
			     len - XD_STATE_HDR - kvlen, td, next);
	if (!ret)
		ret = xd_kv_load(kv, p + XD_STATE_HDR, kvlen);
	if (!ret)
		*b = *next;
	free(next);
	return ret;
}
