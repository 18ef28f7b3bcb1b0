// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "raft/conf.h"
#include "raft/log.h"
#include "raft/msg.h"

static void raft_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void raft_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t raft_get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t raft_get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

size_t raft_msg_encoded_size(const struct raft_msg *m)
{
	size_t n = RAFT_MSG_HDR_SIZE + m->len;

	if (m->type == RAFT_MSG_SNAPSHOT)
		n += raft_conf_block_size(&m->conf);

	for (uint32_t i = 0; i < m->n_entries; i++)
		n += RAFT_MSG_ENTRY_HDR_SIZE + m->entries[i].len;
	return n;
}

ssize_t raft_msg_encode(const struct raft_msg *m, void *buf, size_t cap)
{
	size_t size = raft_msg_encoded_size(m);
	uint8_t *p = buf;

	if (size > RAFT_MSG_MAX_SIZE)
		return -EMSGSIZE;
	if (size > cap)
		return -ENOSPC;
	memset(p, 0, RAFT_MSG_HDR_SIZE);
	p[0] = RAFT_MSG_VERSION;
	p[1] = m->type;
	p[2] = (m->reject ? 1 : 0) | (m->transfer ? 2 : 0);
	raft_put_u32(p + 4, m->n_entries);
	raft_put_u64(p + 8, m->from);
	raft_put_u64(p + 16, m->to);
	raft_put_u64(p + 24, m->term);
	raft_put_u64(p + 32, m->log_term);
	raft_put_u64(p + 40, m->index);
	raft_put_u64(p + 48, m->commit);
	raft_put_u64(p + 56, m->hint);
	raft_put_u64(p + 64, m->ctx);
	p += RAFT_MSG_HDR_SIZE;
	for (uint32_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];

		memset(p, 0, RAFT_MSG_ENTRY_HDR_SIZE);
		raft_put_u64(p, e->term);
		p[8] = e->type;
		raft_put_u32(p + 12, e->len);
		p += RAFT_MSG_ENTRY_HDR_SIZE;
		if (e->len)
			memcpy(p, e->data, e->len);
		p += e->len;
	}
	if (m->type == RAFT_MSG_SNAPSHOT) {
		raft_conf_block_put(p, &m->conf);
		p += raft_conf_block_size(&m->conf);
	}
	if (m->len)
		memcpy(p, m->data, m->len);
	return size;
}

static bool raft_msg_is_response(uint8_t type)
{
	return type == RAFT_MSG_PREVOTE_RESP || type == RAFT_MSG_VOTE_RESP ||
	       type == RAFT_MSG_APPEND_RESP;
}

/* Field-level sense of a header, before any entry is looked at. */
static bool raft_msg_header_valid(const struct raft_msg *m)
{
	bool carries_log = m->type == RAFT_MSG_APPEND ||
			   m->type == RAFT_MSG_VOTE ||
			   m->type == RAFT_MSG_PREVOTE ||
			   m->type == RAFT_MSG_SNAPSHOT;
	bool carries_commit = m->type == RAFT_MSG_APPEND ||
			      m->type == RAFT_MSG_HEARTBEAT;

	if (m->type == 0 || m->type > RAFT_MSG_TYPE_MAX)
		return false;
	if (!m->from || !m->to || m->from == m->to)
		return false;
	if (!m->term || m->term > RAFT_MAX_INDEX || m->log_term > m->term ||
	    m->index > RAFT_MAX_INDEX || m->commit > RAFT_MAX_INDEX)
		return false;
	if (m->reject && !raft_msg_is_response(m->type))
		return false;
	if (m->transfer && m->type != RAFT_MSG_VOTE)
		return false;
	if (m->hint && !(m->type == RAFT_MSG_APPEND_RESP && m->reject))
		return false;
	if (m->hint > m->index)
		return false;
	if (!carries_commit && m->commit)
		return false;
	if (m->ctx && m->type != RAFT_MSG_HEARTBEAT &&
	    m->type != RAFT_MSG_HEARTBEAT_RESP)
		return false;
	if (m->ctx > RAFT_MAX_INDEX)
		return false;
	if (!carries_log && m->log_term)
		return false;
	/* Only index 0 (the empty log) has term 0. */
	if (carries_log && (m->index == 0) != (m->log_term == 0))
		return false;
	if (m->n_entries && m->type != RAFT_MSG_APPEND)
		return false;
	if (m->n_entries > RAFT_MAX_MSG_ENTRIES ||
	    m->index + m->n_entries > RAFT_MAX_INDEX)
		return false;
	return true;
}

static int raft_msg_decode_entries(const uint8_t *p, size_t len,
				   struct raft_msg *m)
{
	uint64_t prev_term = m->log_term;
	size_t off = 0;

	m->entries = calloc(m->n_entries, sizeof(*m->entries));
	if (!m->entries)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->n_entries; i++) {
		struct raft_entry *e = &m->entries[i];

		if (len - off < RAFT_MSG_ENTRY_HDR_SIZE)
			return -EBADMSG;
		e->term = raft_get_u64(p + off);
		e->type = p[off + 8];
		e->len = raft_get_u32(p + off + 12);
		e->index = m->index + 1 + i;
		if (p[off + 9] || p[off + 10] || p[off + 11])
			return -EBADMSG;
		/* Terms never decrease along a log, nor exceed the sender's. */
		if (e->term < prev_term || e->term > m->term || !e->term)
			return -EBADMSG;
		if (e->type != RAFT_ENTRY_NORMAL &&
		    e->type != RAFT_ENTRY_NOOP && e->type != RAFT_ENTRY_CONF)
			return -EBADMSG;
		off += RAFT_MSG_ENTRY_HDR_SIZE;
		if (e->len > RAFT_MAX_ENTRY_SIZE || e->len > len - off)
			return -EBADMSG;
		/* A configuration is checked here, before any node obeys it. */
		if (e->type == RAFT_ENTRY_CONF &&
		    raft_conf_entry_decode(p + off, e->len, NULL, NULL))
			return -EBADMSG;
		if (e->len) {
			e->data = malloc(e->len);
			if (!e->data)
				return -ENOMEM;
			memcpy(e->data, p + off, e->len);
		}
		off += e->len;
		prev_term = e->term;
	}
	return off == len ? 0 : -EBADMSG;
}

/*
 * A snapshot frame is the header, the configuration, then the state
 * machine's bytes.
 */
static int raft_msg_decode_snapshot(const uint8_t *p, size_t len,
				    struct raft_msg *m)
{
	size_t n = len - RAFT_MSG_HDR_SIZE, used;

	p += RAFT_MSG_HDR_SIZE;
	if (!m->index || raft_conf_block_get(p, n, &m->conf, &used)) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	p += used;
	n -= used;
	if (n > RAFT_MAX_SNAPSHOT_SIZE) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	m->len = n;
	if (!n)
		return 0;
	m->data = malloc(n);
	if (!m->data) {
		memset(m, 0, sizeof(*m));
		return -ENOMEM;
	}
	memcpy(m->data, p, n);
	return 0;
}

int raft_msg_decode(const void *buf, size_t len, struct raft_msg *m)
{
	const uint8_t *p = buf;
	int err;

	memset(m, 0, sizeof(*m));
	if (len > RAFT_MSG_MAX_SIZE)
		return -EMSGSIZE;
	if (len < RAFT_MSG_HDR_SIZE)
		return -EBADMSG;
	if (p[0] != RAFT_MSG_VERSION)
		return -EPROTONOSUPPORT;
	if ((p[2] & ~3u) || p[3])
		return -EBADMSG;
	m->type = p[1];
	m->reject = p[2] & 1;
	m->transfer = p[2] & 2;
	m->n_entries = raft_get_u32(p + 4);
	m->from = raft_get_u64(p + 8);
	m->to = raft_get_u64(p + 16);
	m->term = raft_get_u64(p + 24);
	m->log_term = raft_get_u64(p + 32);
	m->index = raft_get_u64(p + 40);
	m->commit = raft_get_u64(p + 48);
	m->hint = raft_get_u64(p + 56);
	m->ctx = raft_get_u64(p + 64);
	err = -EBADMSG;
	if (!raft_msg_header_valid(m))
		goto err;
	if (m->type == RAFT_MSG_SNAPSHOT)
		return raft_msg_decode_snapshot(p, len, m);
	/* Cheap bound first: the count must fit the bytes we were given. */
	if (m->n_entries > (len - RAFT_MSG_HDR_SIZE) / RAFT_MSG_ENTRY_HDR_SIZE)
		goto err;
	if (!m->n_entries) {
		if (len != RAFT_MSG_HDR_SIZE)
			goto err;
		return 0;
	}
	err = raft_msg_decode_entries(p + RAFT_MSG_HDR_SIZE,
				      len - RAFT_MSG_HDR_SIZE, m);
	if (err)
		goto err;
	return 0;
err:
	raft_msg_release(m);
	return err;
}

void raft_msg_release(struct raft_msg *m)
{
	if (m->entries)
		for (uint32_t i = 0; i < m->n_entries; i++)
			raft_entry_release(&m->entries[i]);
	free(m->entries);
	free(m->data);
	memset(m, 0, sizeof(*m));
}
