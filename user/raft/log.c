// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft/log.h"

uint64_t raft_log_last(const struct raft_log *l)
{
	return l->snap_index + l->n;
}

uint64_t raft_log_last_term(const struct raft_log *l)
{
	return l->n ? l->ents[l->n - 1].term : l->snap_term;
}

int raft_log_term(const struct raft_log *l, uint64_t index, uint64_t *term)
{
	if (index == l->snap_index) {
		*term = l->snap_term;
		return 0;
	}
	/* Compacted entries have no term any more, nor future ones. */
	if (index < l->snap_index || index > raft_log_last(l))
		return -ENOENT;
	*term = l->ents[index - l->snap_index - 1].term;
	return 0;
}

const struct raft_entry *raft_log_entry(const struct raft_log *l,
					uint64_t index)
{
	if (index <= l->snap_index || index > raft_log_last(l))
		return NULL;
	return &l->ents[index - l->snap_index - 1];
}

int raft_entry_copy(struct raft_entry *dst, const struct raft_entry *src)
{
	*dst = *src;
	dst->data = NULL;
	if (!src->len)
		return 0;
	dst->data = malloc(src->len);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	return 0;
}

void raft_entry_release(struct raft_entry *e)
{
	free(e->data);
	e->data = NULL;
	e->len = 0;
}

int raft_log_append(struct raft_log *l, const struct raft_entry *e)
{
	if (e->index != raft_log_last(l) + 1)
		return -EINVAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct raft_entry *ents = realloc(l->ents, cap * sizeof(*ents));

		if (!ents)
			return -ENOMEM;
		l->ents = ents;
		l->cap = cap;
	}
	if (raft_entry_copy(&l->ents[l->n], e))
		return -ENOMEM;
	l->n++;
	return 0;
}

void raft_log_truncate(struct raft_log *l, uint64_t index)
{
	if (index <= l->snap_index)
		index = l->snap_index + 1;
	while (raft_log_last(l) >= index)
		raft_entry_release(&l->ents[--l->n]);
	if (l->stable > raft_log_last(l))
		l->stable = raft_log_last(l);
}

int raft_log_compact(struct raft_log *l, uint64_t index)
{
	size_t drop;
	uint64_t term;

	if (index <= l->snap_index)
		return 0;
	if (raft_log_term(l, index, &term))
		return -EINVAL;
	drop = index - l->snap_index;
	for (size_t i = 0; i < drop; i++)
		raft_entry_release(&l->ents[i]);
	memmove(l->ents, l->ents + drop, (l->n - drop) * sizeof(*l->ents));
	l->n -= drop;
	l->snap_index = index;
	l->snap_term = term;
	return 0;
}

void raft_log_restore(struct raft_log *l, uint64_t index, uint64_t term)
{
	while (l->n)
		raft_entry_release(&l->ents[--l->n]);
	l->snap_index = index;
	l->snap_term = term;
	l->stable = index;
	l->committed = index;
	l->applied = index;
}

bool raft_log_matches(const struct raft_log *l, uint64_t index, uint64_t term)
{
	uint64_t t;

	return !raft_log_term(l, index, &t) && t == term;
}

bool raft_log_up_to_date(const struct raft_log *l, uint64_t last_term,
			 uint64_t last_index)
{
	uint64_t my_term = raft_log_last_term(l);

	if (last_term != my_term)
		return last_term > my_term;
	return last_index >= raft_log_last(l);
}

void raft_log_free(struct raft_log *l)
{
	while (l->n)
		raft_entry_release(&l->ents[--l->n]);
	free(l->ents);
	memset(l, 0, sizeof(*l));
}
