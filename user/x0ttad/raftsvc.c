// SPDX-License-Identifier: GPL-2.0
/*
 * The raft key-value service: storage in <data_dir>/raft, the core fed
 * from the transport and the tick, readies run in raft.h's order, and
 * the key-value state machine (kv.h) behind `x0ttactl raft put/get/del`.
 *
 * A put or delete is answered once its entry is applied here, the leader
 * (so it is committed: on a majority of disks). A get is linearizable:
 * the leader confirms with raft_read_index() that it still leads, then
 * answers once it has applied up to the read index. A follower forwards
 * these requests to the leader it knows and relays the answer, so any
 * node serves any client; with no leader known it says so and the client
 * retries.
 *
 * The first membership is this node and the config file's peers, all
 * voters, or nobody for a node that joins a running group (`join yes`);
 * from then on it changes through the log (membersvc.c). The state
 * machine is the key-value map and the members' address book; its
 * snapshots hold both (members.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "raft/msg.h"
#include "x0ttad/daemon.h"

int xd_raft_init(struct xd *xd)
{
	struct raft_storage_state st;
	struct raft_config rc;
	char path[XD_PATH_MAX + 8];
	int ret;

	xd_kv_init(&xd->kv);
	xd_book_init(&xd->book);
	snprintf(path, sizeof(path), "%s/raft", xd->cfg.data_dir);
	ret = raft_storage_open(path, 0, &xd->rs, &st);
	if (ret) {
		xd_log(xd, "raft storage %s: %s", path, strerror(-ret));
		return ret;
	}
	if (st.torn_bytes)
		xd_log(xd, "raft storage: cut %llu bytes of torn tail",
		       (unsigned long long)st.torn_bytes);
	if (st.snapshot.index) {
		ret = xd_state_load(&xd->kv, &xd->book, st.snapshot.data,
				    st.snapshot.len, xd->cfg.trust_domain);
		if (ret) {
			xd_log(xd, "raft snapshot at %llu: %s",
			       (unsigned long long)st.snapshot.index,
			       strerror(-ret));
			goto cleanup;
		}
	}
	xd->applied = xd->snap_index = st.snapshot.index;
	xd_revoke_loaded(xd);
	raft_config_default(&rc);
	rc.id = xd->cfg.node_id;
	/* Joining: no configuration until the leader's log brings one. */
	if (!xd->cfg.join) {
		rc.voters[rc.n_voters++] = rc.id;
		for (unsigned int i = 0; i < xd->cfg.n_peers; i++)
			rc.voters[rc.n_voters++] = xd->cfg.peers[i].id;
	}
	rc.election_ticks = xd->cfg.election_ticks;
	if (getrandom(&rc.seed, sizeof(rc.seed), 0) != sizeof(rc.seed))
		rc.seed = xd->now ^ rc.id;
	ret = raft_new_at(&rc, &st.hs, st.snapshot.index ? &st.snapshot : NULL,
			  st.entries, st.n_entries, &xd->raft);
	if (ret) {
		xd_log(xd, "raft: cannot start from storage: %s",
		       strerror(-ret));
		goto cleanup;
	}
	ret = xd_members_init(xd, st.entries, st.n_entries, st.hs.commit);
	if (ret)
		goto cleanup;
	xd_log(xd, "raft: term %llu, commit %llu, snapshot %llu, %zu entries",
	       (unsigned long long)st.hs.term,
	       (unsigned long long)st.hs.commit,
	       (unsigned long long)st.snapshot.index, st.n_entries);
cleanup:
	raft_storage_state_release(&st);
	return ret;
}

void xd_raft_uninit(struct xd *xd)
{
	raft_free(xd->raft);
	xd->raft = NULL;
	raft_storage_close(xd->rs);
	xd->rs = NULL;
	xd_kv_free(&xd->kv);
}

void xd_raft_tick(struct xd *xd)
{
	raft_tick(xd->raft);
}

void xd_raft_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		     size_t len)
{
	struct raft_msg m;

	if (raft_msg_decode(data, len, &m)) {
		xd->raft_dropped++;
		return;
	}
	/* A peer speaks for itself only: the TLS identity decides who. */
	if (m.from != peer || m.to != xd->cfg.node_id ||
	    raft_step(xd->raft, &m))
		xd->raft_dropped++;
	raft_msg_release(&m);
}

/* Lost messages are fine: raft resends on its own. */
static void xd_raft_send(struct xd *xd, const struct raft_msg *m)
{
	size_t size = raft_msg_encoded_size(m);
	uint8_t *buf = malloc(size);

	if (!buf)
		return;
	if (raft_msg_encode(m, buf, size) > 0)
		tp_send(xd->tp, m->to, TP_CH_RAFT, buf, size);
	free(buf);
}

/* ---- answering clients --------------------------------------------------- */

static void xd_msg_reply_init(struct xd *xd, struct xd_msg *m, uint16_t cmd)
{
	xd_msg_init(m, xd->tx, XD_REPLY_MAX, cmd, XD_F_REPLY);
}

static struct xd_wait *xd_wait_new(struct xd *xd)
{
	for (size_t i = 0; i < XD_WAITS_MAX; i++)
		if (!xd->waits[i].used)
			return &xd->waits[i];
	return NULL;
}

static void xd_serve_get(struct xd *xd, struct xd_wait *w)
{
	const struct xd_kv_item *it = xd_kv_get(&xd->kv, w->key, w->klen);
	struct xd_msg m;

	w->used = false;
	if (!it) {
		xd_reply_error(xd, &w->from, w->cmd, -ENOENT, 0,
			       "no such key");
		return;
	}
	xd_msg_reply_init(xd, &m, w->cmd);
	xd_msg_put_bin(&m, XD_A_KEY, it->key, it->klen);
	xd_msg_put_bin(&m, XD_A_VALUE, it->val, it->vlen);
	xd_reply(xd, &w->from, &m);
}

/* The entry at @e->index was applied with result @res. */
static void xd_complete_writes(struct xd *xd, const struct raft_entry *e,
			       int res)
{
	for (size_t i = 0; i < XD_WAITS_MAX; i++) {
		struct xd_wait *w = &xd->waits[i];
		struct xd_msg m;

		if (!w->used || w->read || w->index != e->index)
			continue;
		w->used = false;
		/* Another leader's entry won the index: ours never commits. */
		if (w->term != e->term) {
			xd_reply_error(xd, &w->from, w->cmd, -EAGAIN, 0,
				       "leadership changed before the write "
				       "committed; it was not applied, retry");
		} else if (res == -ENOENT) {
			xd_reply_error(xd, &w->from, w->cmd, -ENOENT, 0,
				       "no such key");
		} else if (res) {
			xd_reply_error(xd, &w->from, w->cmd, res, 0,
				       "applying the write: %s",
				       strerror(-res));
		} else {
			xd_msg_reply_init(xd, &m, w->cmd);
			xd_reply(xd, &w->from, &m);
		}
	}
}

static void xd_serve_reads(struct xd *xd)
{
	for (size_t i = 0; i < XD_WAITS_MAX; i++) {
		struct xd_wait *w = &xd->waits[i];

		if (w->used && w->read && w->read_ready &&
		    w->index <= xd->applied)
			xd_serve_get(xd, w);
	}
}

static void xd_note_reads(struct xd *xd, const struct raft_ready *rd)
{
	for (size_t r = 0; r < rd->n_reads; r++) {
		for (size_t i = 0; i < XD_WAITS_MAX; i++) {
			struct xd_wait *w = &xd->waits[i];

			if (w->used && w->read && !w->read_ready &&
			    w->read_id == rd->reads[r].id) {
				w->read_ready = true;
				w->index = rd->reads[r].index;
			}
		}
	}
}

/* raft drops pending reads with leadership: tell their clients now. */
static void xd_fail_reads(struct xd *xd)
{
	for (size_t i = 0; i < XD_WAITS_MAX; i++) {
		struct xd_wait *w = &xd->waits[i];

		if (!w->used || !w->read)
			continue;
		w->used = false;
		xd_reply_error(xd, &w->from, w->cmd, -EAGAIN, 0,
			       "leadership lost during the read; retry");
	}
}

void xd_raft_expire(struct xd *xd)
{
	for (size_t i = 0; i < XD_WAITS_MAX; i++) {
		struct xd_wait *w = &xd->waits[i];

		if (!w->used || xd->now < w->deadline)
			continue;
		w->used = false;
		xd_reply_error(xd, &w->from, w->cmd, -ETIMEDOUT, 0,
			       "no quorum answered in time%s", w->read ? "" :
			       "; the write may still be applied later");
	}
}

/* ---- readies ------------------------------------------------------------ */

static int xd_apply(struct xd *xd, const struct raft_entry *e)
{
	struct xd_kv_cmd c;
	int res = 0;

	/* Our own commands and membership; no-ops and the rest skipped. */
	if (e->type == RAFT_ENTRY_CONF)
		xd_members_apply(xd, e);
	if (e->type == RAFT_ENTRY_NORMAL) {
		res = xd_kv_cmd_decode(e->data, e->len, &c);
		if (!res)
			res = xd_kv_apply_cmd(&xd->kv, &c);
		if (!res)
			xd_revoke_applied(xd, &c);
		if (res == -EBADMSG)
			xd_log(xd, "raft: entry %llu is no command of ours; "
			       "skipped", (unsigned long long)e->index);
		if (res == -ENOMEM)
			return res;
	}
	xd->applied = e->index;
	xd_complete_writes(xd, e, res);
	return 0;
}

/* Storage or memory failed: no safe way on but a restart from disk. */
static void xd_raft_fatal(struct xd *xd, const char *what, int err)
{
	xd_log(xd, "raft: %s: %s; stopping", what, strerror(-err));
	xd->stop = true;
}

static void xd_raft_maybe_compact(struct xd *xd)
{
	struct raft_snapshot snap = { .index = xd->applied };
	uint8_t *data;
	size_t len;
	int ret;

	if (xd->applied - xd->snap_index < xd->cfg.snapshot_entries)
		return;
	ret = xd_state_snapshot(&xd->kv, &xd->book, &data, &len);
	if (ret) {
		xd_log(xd, "raft: snapshot: %s", strerror(-ret));
		return;
	}
	snap.data = data;
	snap.len = len;
	ret = raft_term_at(xd->raft, snap.index, &snap.term);
	if (!ret)
		ret = raft_conf_at(xd->raft, snap.index, &snap.conf);
	if (!ret)
		ret = raft_compact(xd->raft, snap.index, data, len);
	if (!ret)
		ret = raft_storage_compact(xd->rs, &snap);
	if (ret)
		xd_log(xd, "raft: compaction at %llu: %s",
		       (unsigned long long)snap.index, strerror(-ret));
	else
		xd->snap_index = snap.index;
	free(data);
}

static int xd_raft_ready(struct xd *xd, struct raft_ready *rd)
{
	int ret;

	ret = raft_storage_save(xd->rs, rd);
	if (ret) {
		xd_raft_fatal(xd, "saving to storage", ret);
		return ret;
	}
	/* A member's entry is in our log: the leader sends to it now. */
	xd_members_appended(xd, rd->entries, rd->n_entries);
	for (size_t i = 0; i < rd->n_msgs; i++)
		xd_raft_send(xd, &rd->msgs[i]);
	if (rd->snapshot) {
		ret = xd_state_load(&xd->kv, &xd->book, rd->snapshot->data,
				    rd->snapshot->len, xd->cfg.trust_domain);
		if (ret) {
			xd_raft_fatal(xd, "loading the leader's snapshot",
				      ret);
			return ret;
		}
		xd->applied = xd->snap_index = rd->snapshot->index;
		xd_members_loaded(xd);
		xd_revoke_loaded(xd);
	}
	for (size_t i = 0; i < rd->n_committed; i++) {
		ret = xd_apply(xd, &rd->committed[i]);
		if (ret) {
			xd_raft_fatal(xd, "applying", ret);
			return ret;
		}
	}
	xd_note_reads(xd, rd);
	if (xd->role == RAFT_LEADER && rd->role != RAFT_LEADER)
		xd_fail_reads(xd);
	if (xd->role != rd->role && rd->role == RAFT_LEADER)
		xd_log(xd, "raft: leader");
	xd->role = rd->role;
	return 0;
}

void xd_raft_process(struct xd *xd)
{
	struct raft_ready rd;

	if (!xd->raft || xd->stop)
		return;
	while (raft_has_ready(xd->raft)) {
		raft_ready(xd->raft, &rd);
		/* Never advance past what could not be done. */
		if (xd_raft_ready(xd, &rd))
			return;
		raft_advance(xd->raft, &rd);
	}
	xd_serve_reads(xd);
	xd_raft_maybe_compact(xd);
	xd_revoke_enforce(xd);
}

/* ---- requests ----------------------------------------------------------- */

static void xd_raft_status(struct xd *xd, const struct xd_origin *from)
{
	struct raft_status st;
	struct tp_stats ts;
	struct xd_msg m;

	raft_status(xd->raft, &st);
	tp_stats(xd->tp, &ts);
	xd_msg_reply_init(xd, &m, XD_CMD_RAFT_STATUS);
	xd_msg_put_u64(&m, XD_A_NODE_ID, st.id);
	xd_msg_put_str(&m, XD_A_ROLE, raft_role_name(st.role));
	xd_msg_put_u64(&m, XD_A_TERM, st.term);
	xd_msg_put_u64(&m, XD_A_LEADER, st.lead);
	xd_msg_put_u64(&m, XD_A_COMMIT, st.commit);
	xd_msg_put_u64(&m, XD_A_APPLIED, xd->applied);
	xd_msg_put_u64(&m, XD_A_LAST_INDEX, st.last_index);
	xd_msg_put_u64(&m, XD_A_SNAP_INDEX, st.snap_index);
	xd_msg_put_u64(&m, XD_A_KEYS, xd->kv.n);
	xd_msg_put_u64(&m, XD_A_DROPPED, xd->raft_dropped);
	xd_msg_put_u64(&m, XD_A_TP_ACCEPTED, ts.accepted);
	xd_msg_put_u64(&m, XD_A_TP_REFUSED, ts.refused);
	xd_msg_put_u64(&m, XD_A_CONF_INDEX, st.conf_index);
	xd_msg_put_u8(&m, XD_A_REMOVED, xd->removed);
	if (ts.last_refusal.err != IDN_OK) {
		char text[512];

		snprintf(text, sizeof(text), "%s: %s",
			 idn_errname(ts.last_refusal.err),
			 ts.last_refusal.detail);
		xd_msg_put_str(&m, XD_A_TP_LAST_REFUSAL, text);
	}
	for (unsigned int i = 0; i < xd->addrs.n; i++) {
		const struct xd_member *p = &xd->addrs.m[i];
		struct tp_peer_stats ps;
		struct nlattr *nest;

		if (tp_peer_stats(xd->tp, p->id, &ps))
			continue;
		nest = xd_msg_nest_start(&m, XD_A_PEER);
		if (!nest)
			break;
		xd_msg_put_u64(&m, XD_PEER_A_ID, p->id);
		xd_msg_put_str(&m, XD_PEER_A_ADDR, p->addr);
		xd_msg_put_u8(&m, XD_PEER_A_UP, ps.up);
		xd_msg_put_u64(&m, XD_PEER_A_FRAMES_IN, ps.frames_in);
		xd_msg_put_u64(&m, XD_PEER_A_FRAMES_OUT, ps.frames_out);
		if (ps.last_error.err != IDN_OK)
			xd_msg_put_str(&m, XD_PEER_A_LAST_ERROR,
				       idn_errname(ps.last_error.err));
		xd_msg_nest_end(&m, nest);
	}
	xd_reply(xd, from, &m);
}

static void xd_raft_not_leader(struct xd *xd, const struct xd_origin *from,
			       uint16_t cmd, uint64_t lead)
{
	if (!lead) {
		xd_reply_error(xd, from, cmd, -EAGAIN, 0,
			       "no leader elected yet; retry");
		return;
	}
	xd_reply_error(xd, from, cmd, -EPERM, lead,
		       "node %llu is not the leader; leader is %llu",
		       (unsigned long long)xd->cfg.node_id,
		       (unsigned long long)lead);
}

void xd_raft_propose_kv(struct xd *xd, const struct xd_origin *from,
			uint16_t cmd, enum xd_kv_op op, const void *key,
			size_t klen, const void *val, size_t vlen,
			struct xd_wait *w)
{
	uint64_t index, term;
	size_t len;
	uint8_t *data;
	int ret;

	ret = xd_kv_cmd_encode(op, key, klen, val, vlen, &data, &len);
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "encoding: %s",
			       strerror(-ret));
		return;
	}
	ret = raft_propose(xd->raft, data, len, &index, &term);
	free(data);
	if (ret == -EPERM) {
		struct raft_status st;

		raft_status(xd->raft, &st);
		xd_raft_not_leader(xd, from, cmd, st.lead);
		return;
	}
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "%s",
			       ret == -EBUSY ? "leadership transfer under "
			       "way; retry" : strerror(-ret));
		return;
	}
	*w = (struct xd_wait){
		.used = true, .cmd = cmd, .from = *from, .index = index,
		.term = term, .deadline = xd->now + XD_WAIT_MS,
	};
}

static void xd_raft_write(struct xd *xd, const struct xd_origin *from,
			  uint16_t cmd, const struct nlattr **tb,
			  struct xd_wait *w)
{
	const struct nlattr *k = tb[XD_A_KEY], *v = tb[XD_A_VALUE];

	xd_raft_propose_kv(xd, from, cmd,
			   cmd == XD_CMD_RAFT_PUT ? XD_KV_PUT : XD_KV_DEL,
			   mnl_attr_get_payload(k), mnl_attr_get_payload_len(k),
			   v ? mnl_attr_get_payload(v) : NULL,
			   v ? mnl_attr_get_payload_len(v) : 0, w);
}

static void xd_raft_read(struct xd *xd, const struct xd_origin *from,
			 uint16_t cmd, const struct nlattr **tb,
			 struct xd_wait *w)
{
	const struct nlattr *k = tb[XD_A_KEY];
	uint64_t id;
	int ret;

	ret = raft_read_index(xd->raft, &id);
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "%s",
			       ret == -EAGAIN ? "the new leader has not "
			       "committed yet; retry" : strerror(-ret));
		return;
	}
	*w = (struct xd_wait){
		.used = true, .read = true, .cmd = cmd, .from = *from,
		.read_id = id, .klen = mnl_attr_get_payload_len(k),
		.deadline = xd->now + XD_WAIT_MS,
	};
	memcpy(w->key, mnl_attr_get_payload(k), w->klen);
}

void xd_raft_request(struct xd *xd, const struct xd_origin *from,
		     const struct xd_msg_hdr *hdr, const struct nlattr **tb,
		     const uint8_t *raw, size_t rawlen)
{
	char serial[IDN_SERIAL_HEX_MAX] = "";
	struct raft_status st;
	struct xd_wait *w;
	struct xd_fwd *f;
	int ret;

	if (hdr->cmd == XD_CMD_RAFT_STATUS) {
		xd_raft_status(xd, from);
		return;
	}
	if (hdr->cmd == XD_CMD_RAFT_MEMBERS) {
		xd_members_list(xd, from);
		return;
	}
	if (hdr->cmd == XD_CMD_IDENTITY_REVOKED) {
		xd_revoke_list(xd, from);
		return;
	}
	if ((hdr->cmd == XD_CMD_RAFT_PUT || hdr->cmd == XD_CMD_RAFT_DEL) &&
	    xd_key_reserved(mnl_attr_get_payload(tb[XD_A_KEY]),
			    mnl_attr_get_payload_len(tb[XD_A_KEY]))) {
		xd_reply_error(xd, from, hdr->cmd, -EPERM, 0, "keys under "
			       "\"%s\" are x0ttad's own; revocations are made "
			       "with x0ttactl identity revoke", XD_KEY_RESERVED);
		return;
	}
	if (xd->removed) {
		xd_reply_error(xd, from, hdr->cmd, -EPERM, 0, "node %llu was "
			       "removed from the raft group (entry %llu); it "
			       "serves no raft requests",
			       (unsigned long long)xd->cfg.node_id,
			       (unsigned long long)xd->removed_at);
		return;
	}
	if (hdr->cmd == XD_CMD_IDENTITY_REVOKE &&
	    !xd_revoke_serial(xd, from, tb, serial))
		return;
	raft_status(xd->raft, &st);
	if (st.role != RAFT_LEADER) {
		if (from->remote || !st.lead) {
			xd_raft_not_leader(xd, from, hdr->cmd, st.lead);
			return;
		}
		ret = xd_fwd_send(xd, from, st.lead, hdr->cmd, raw, rawlen,
				  &f);
		if (!ret)
			memcpy(f->serial, serial, sizeof(serial));
		if (ret)
			xd_reply_error(xd, from, hdr->cmd, -EHOSTUNREACH,
				       st.lead, "cannot reach leader %llu: %s",
				       (unsigned long long)st.lead,
				       strerror(-ret));
		return;
	}
	w = xd_wait_new(xd);
	if (!w) {
		xd_reply_error(xd, from, hdr->cmd, -EBUSY, 0,
			       "too many requests in flight; retry");
		return;
	}
	if (hdr->cmd == XD_CMD_RAFT_GET)
		xd_raft_read(xd, from, hdr->cmd, tb, w);
	else if (hdr->cmd == XD_CMD_RAFT_ADD || hdr->cmd == XD_CMD_RAFT_REMOVE)
		xd_members_change(xd, from, hdr->cmd, tb, w);
	else if (hdr->cmd == XD_CMD_IDENTITY_REVOKE)
		xd_revoke_propose(xd, from, serial, tb, w);
	else
		xd_raft_write(xd, from, hdr->cmd, tb, w);
}
