// SPDX-License-Identifier: GPL-2.0
/*
 * Membership configurations: the rules of a single-server change
 * (dissertation 4.1) and the strict codecs of configurations and
 * configuration entries; see conf.h for the layouts.
 */
#include <errno.h>
#include <string.h>

#include "lib/le.h"
#include "raft/conf.h"

static bool raft_ids_have(const uint64_t *ids, uint32_t n, uint64_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

bool raft_conf_is_voter(const struct raft_conf *conf, uint64_t id)
{
	return raft_ids_have(conf->voters, conf->n_voters, id);
}

bool raft_conf_is_learner(const struct raft_conf *conf, uint64_t id)
{
	return raft_ids_have(conf->learners, conf->n_learners, id);
}

bool raft_conf_empty(const struct raft_conf *conf)
{
	return !conf->n_voters && !conf->n_learners;
}

bool raft_conf_equal(const struct raft_conf *a, const struct raft_conf *b)
{
	size_t id = sizeof(a->voters[0]);

	return a->n_voters == b->n_voters && a->n_learners == b->n_learners &&
	       !memcmp(a->voters, b->voters, a->n_voters * id) &&
	       !memcmp(a->learners, b->learners, a->n_learners * id);
}

static bool raft_ids_sorted(const uint64_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!ids[i] || (i && ids[i - 1] >= ids[i]))
			return false;
	return true;
}

bool raft_conf_valid(const struct raft_conf *conf)
{
	if (conf->n_voters > RAFT_MAX_NODES ||
	    conf->n_learners > RAFT_MAX_NODES - conf->n_voters)
		return false;
	if (!raft_ids_sorted(conf->voters, conf->n_voters) ||
	    !raft_ids_sorted(conf->learners, conf->n_learners))
		return false;
	for (uint32_t i = 0; i < conf->n_learners; i++)
		if (raft_conf_is_voter(conf, conf->learners[i]))
			return false;
	return true;
}

/* Insert @id into the sorted list; the caller checked there is room. */
static void raft_ids_insert(uint64_t *ids, uint32_t *n, uint64_t id)
{
	uint32_t i = *n;

	while (i && ids[i - 1] > id) {
		ids[i] = ids[i - 1];
		i--;
	}
	ids[i] = id;
	(*n)++;
}

static void raft_ids_remove(uint64_t *ids, uint32_t *n, uint64_t id)
{
	for (uint32_t i = 0; i < *n; i++) {
		if (ids[i] != id)
			continue;
		memmove(ids + i, ids + i + 1, (*n - i - 1) * sizeof(*ids));
		ids[--(*n)] = 0;
		return;
	}
}

int raft_conf_from_lists(struct raft_conf *conf, const uint64_t *voters,
			 size_t n_voters, const uint64_t *learners,
			 size_t n_learners)
{
	memset(conf, 0, sizeof(*conf));
	if (n_voters > RAFT_MAX_NODES ||
	    n_learners > RAFT_MAX_NODES - n_voters)
		return -EINVAL;
	for (size_t i = 0; i < n_voters; i++)
		raft_ids_insert(conf->voters, &conf->n_voters, voters[i]);
	for (size_t i = 0; i < n_learners; i++)
		raft_ids_insert(conf->learners, &conf->n_learners, learners[i]);
	return raft_conf_valid(conf) ? 0 : -EINVAL;
}

int raft_conf_apply(struct raft_conf *conf, const struct raft_conf_change *cc)
{
	bool voter = raft_conf_is_voter(conf, cc->id);
	bool learner = raft_conf_is_learner(conf, cc->id);
	bool full = conf->n_voters + conf->n_learners >= RAFT_MAX_NODES;

	if (!cc->id || cc->ctx_len > RAFT_CONF_CTX_MAX)
		return -EINVAL;
	switch (cc->op) {
	case RAFT_CONF_ADD_VOTER:
		/* A learner's promotion takes no new slot. */
		if (voter || (!learner && full))
			return -EINVAL;
		raft_ids_remove(conf->learners, &conf->n_learners, cc->id);
		raft_ids_insert(conf->voters, &conf->n_voters, cc->id);
		return 0;
	case RAFT_CONF_ADD_LEARNER:
		/* Demoting a voter is not a single-server change we offer. */
		if (voter || learner || full)
			return -EINVAL;
		raft_ids_insert(conf->learners, &conf->n_learners, cc->id);
		return 0;
	case RAFT_CONF_REMOVE:
		if (!voter && !learner)
			return -EINVAL;
		/* A cluster without voters could never commit again. */
		if (voter && conf->n_voters == 1)
			return -EINVAL;
		raft_ids_remove(conf->voters, &conf->n_voters, cc->id);
		raft_ids_remove(conf->learners, &conf->n_learners, cc->id);
		return 0;
	default:
		return -EINVAL;
	}
}

size_t raft_conf_block_size(const struct raft_conf *conf)
{
	return RAFT_CONF_BLOCK_HDR +
	       8 * (size_t)(conf->n_voters + conf->n_learners);
}

void raft_conf_block_put(uint8_t *p, const struct raft_conf *conf)
{
	memset(p, 0, RAFT_CONF_BLOCK_HDR);
	p[0] = conf->n_voters;
	p[1] = conf->n_learners;
	p += RAFT_CONF_BLOCK_HDR;
	for (uint32_t i = 0; i < conf->n_voters; i++, p += 8)
		le_put64(p, conf->voters[i]);
	for (uint32_t i = 0; i < conf->n_learners; i++, p += 8)
		le_put64(p, conf->learners[i]);
}

int raft_conf_block_get(const uint8_t *p, size_t len, struct raft_conf *conf,
			size_t *used)
{
	struct raft_conf c = { 0 };
	size_t need;

	if (len < RAFT_CONF_BLOCK_HDR)
		return -EBADMSG;
	for (int i = 2; i < RAFT_CONF_BLOCK_HDR; i++)
		if (p[i])
			return -EBADMSG;
	c.n_voters = p[0];
	c.n_learners = p[1];
	if (c.n_voters + c.n_learners > RAFT_MAX_NODES)
		return -EBADMSG;
	need = raft_conf_block_size(&c);
	if (len < need)
		return -EBADMSG;
	p += RAFT_CONF_BLOCK_HDR;
	for (uint32_t i = 0; i < c.n_voters; i++, p += 8)
		c.voters[i] = le_get64(p);
	for (uint32_t i = 0; i < c.n_learners; i++, p += 8)
		c.learners[i] = le_get64(p);
	if (!raft_conf_valid(&c))
		return -EBADMSG;
	*conf = c;
	*used = need;
	return 0;
}

size_t raft_conf_entry_encode(const struct raft_conf_change *cc,
			      const struct raft_conf *result, uint8_t *buf)
{
	size_t off = RAFT_CONF_ENTRY_HDR;

	memset(buf, 0, RAFT_CONF_ENTRY_HDR);
	buf[0] = RAFT_CONF_VERSION;
	buf[1] = cc->op;
	buf[2] = cc->ctx_len;
	buf[3] = cc->ctx_len >> 8;
	le_put64(buf + 8, cc->id);
	raft_conf_block_put(buf + off, result);
	off += raft_conf_block_size(result);
	memcpy(buf + off, cc->ctx, cc->ctx_len);
	return off + cc->ctx_len;
}

/* The result must be what the change says it is about. */
static bool raft_conf_change_matches(const struct raft_conf_change *cc,
				     const struct raft_conf *conf)
{
	switch (cc->op) {
	case RAFT_CONF_ADD_VOTER:
		return raft_conf_is_voter(conf, cc->id);
	case RAFT_CONF_ADD_LEARNER:
		return raft_conf_is_learner(conf, cc->id);
	case RAFT_CONF_REMOVE:
		return !raft_conf_is_voter(conf, cc->id) &&
		       !raft_conf_is_learner(conf, cc->id);
	default:
		return false;
	}
}

int raft_conf_entry_decode(const void *data, size_t len,
			   struct raft_conf_change *cc, struct raft_conf *conf)
{
	struct raft_conf_change c;
	struct raft_conf result;
	const uint8_t *p = data;
	size_t used;

	if (len < RAFT_CONF_ENTRY_HDR)
		return -EBADMSG;
	if (p[0] != RAFT_CONF_VERSION)
		return -EPROTONOSUPPORT;
	memset(&c, 0, sizeof(c));
	c.op = p[1];
	c.ctx_len = p[2] | p[3] << 8;
	c.id = le_get64(p + 8);
	if (p[4] || p[5] || p[6] || p[7] || !c.id ||
	    c.ctx_len > RAFT_CONF_CTX_MAX)
		return -EBADMSG;
	if (raft_conf_block_get(p + RAFT_CONF_ENTRY_HDR,
				len - RAFT_CONF_ENTRY_HDR, &result, &used))
		return -EBADMSG;
	/* A change never leaves the cluster without a voter. */
	if (!result.n_voters || !raft_conf_change_matches(&c, &result))
		return -EBADMSG;
	if (len - RAFT_CONF_ENTRY_HDR - used != c.ctx_len)
		return -EBADMSG;
	memcpy(c.ctx, p + RAFT_CONF_ENTRY_HDR + used, c.ctx_len);
	if (cc)
		*cc = c;
	if (conf)
		*conf = result;
	return 0;
}
