// SPDX-License-Identifier: GPL-2.0
/*
 * Membership changes in the daemon: `x0ttactl raft add|remove|members`,
 * and the transport following the raft configuration.
 *
 * A change carries the member's address and SPIFFE ID as its context
 * (members.h). The configuration takes effect on a node as soon as the
 * entry is in its log, and the leader replicates to a new member from
 * then on, so a node connects to a member it adds when the entry is
 * about to be persisted, not when it commits. It disconnects from a
 * removed member only once the removal commits. The replicated address
 * book (xd->book, in the state machine's snapshots) follows committed
 * entries; the one the transport uses (xd->addrs) also holds the config
 * file's peers and the members of uncommitted entries, and is rebuilt at
 * start from the snapshot's book and every configuration entry of the
 * log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "raft/conf.h"
#include "x0ttad/daemon.h"

static void xd_peer_learn(struct xd *xd, const struct xd_member *m)
{
	const struct xd_member *old = xd_book_find(&xd->addrs, m->id);
	int ret;

	if (m->id == xd->cfg.node_id)
		return;
	if (old && !strcmp(old->addr, m->addr) &&
	    !strcmp(old->spiffe_id, m->spiffe_id))
		return;
	if (xd_book_set(&xd->addrs, m)) {
		xd_log(xd, "members: address book full; node %" PRIu64
		       " unreachable", m->id);
		return;
	}
	/* The newest word on a member's address wins over the file's. */
	if (old)
		tp_peer_remove(xd->tp, m->id);
	ret = tp_peer_add(xd->tp, m->id, m->addr, m->spiffe_id);
	if (ret)
		xd_log(xd, "members: peer %" PRIu64 " at %s as %s: %s", m->id,
		       m->addr, m->spiffe_id, strerror(-ret));
	else
		xd_log(xd, "members: peer %" PRIu64 " at %s as %s", m->id,
		       m->addr, m->spiffe_id);
	if (xd->crdt_open) {
		ret = crdt_ae_add_peer(&xd->ae, m->id);
		if (ret && ret != -EEXIST)
			xd_log(xd, "members: crdt peer %" PRIu64 ": %s", m->id,
			       strerror(-ret));
	}
}

static void xd_peer_forget(struct xd *xd, uint64_t id)
{
	if (id == xd->cfg.node_id)
		return;
	xd_book_del(&xd->addrs, id);
	if (!tp_peer_remove(xd->tp, id))
		xd_log(xd, "members: peer %" PRIu64 " removed", id);
}

/* The change a configuration entry makes, with its member if added. */
static int xd_conf_entry(const struct xd *xd, const struct raft_entry *e,
			 struct raft_conf_change *cc, struct xd_member *m)
{
	int ret;

	memset(cc, 0, sizeof(*cc));
	if (e->type != RAFT_ENTRY_CONF)
		return -ENOENT;
	ret = raft_conf_entry_decode(e->data, e->len, cc, NULL);
	if (ret)
		return ret;
	if (cc->op == RAFT_CONF_REMOVE)
		return 0;
	return xd_member_ctx_decode(cc->ctx, cc->ctx_len, cc->id,
				    xd->cfg.trust_domain, m);
}

static void xd_note_bad_entry(struct xd *xd, const struct raft_entry *e,
			      const struct raft_conf_change *cc)
{
	xd_log(xd, "members: configuration entry %" PRIu64 " has no valid "
	       "address for node %" PRIu64 "; it stays unreachable",
	       e->index, cc->id);
}

int xd_members_init(struct xd *xd, const struct raft_entry *log, size_t n,
		    uint64_t commit)
{
	xd_book_init(&xd->addrs);
	for (unsigned int i = 0; i < xd->cfg.n_peers; i++) {
		const struct xd_peer_cfg *p = &xd->cfg.peers[i];
		struct xd_member m = { .id = p->id };

		snprintf(m.addr, sizeof(m.addr), "%s", p->addr);
		snprintf(m.spiffe_id, sizeof(m.spiffe_id), "%s", p->spiffe_id);
		/* The transport has the file's peers already. */
		xd_book_set(&xd->addrs, &m);
	}
	for (unsigned int i = 0; i < xd->book.n; i++)
		xd_peer_learn(xd, &xd->book.m[i]);
	for (size_t i = 0; i < n; i++) {
		const struct raft_entry *e = &log[i];
		struct raft_conf_change cc;
		struct xd_member m;
		int ret;

		if (e->type != RAFT_ENTRY_CONF)
			continue;
		ret = xd_conf_entry(xd, e, &cc, &m);
		if (ret) {
			xd_note_bad_entry(xd, e, &cc);
			continue;
		}
		if (cc.op != RAFT_CONF_REMOVE) {
			xd_peer_learn(xd, &m);
			if (cc.id == xd->cfg.node_id)
				xd->removed = false;
			continue;
		}
		if (e->index > commit)
			continue;
		if (cc.id == xd->cfg.node_id) {
			xd->removed = true;
			xd->removed_at = e->index;
		}
		xd_peer_forget(xd, cc.id);
	}
	if (xd->removed)
		xd_log(xd, "members: this node was removed from the group by "
		       "entry %" PRIu64 "; it serves no raft requests",
		       xd->removed_at);
	return 0;
}

void xd_members_appended(struct xd *xd, const struct raft_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct raft_conf_change cc;
		struct xd_member m;
		int ret;

		if (e[i].type != RAFT_ENTRY_CONF)
			continue;
		ret = xd_conf_entry(xd, &e[i], &cc, &m);
		if (ret)
			xd_note_bad_entry(xd, &e[i], &cc);
		else if (cc.op != RAFT_CONF_REMOVE)
			xd_peer_learn(xd, &m);
	}
}

void xd_members_loaded(struct xd *xd)
{
	for (unsigned int i = 0; i < xd->book.n; i++)
		xd_peer_learn(xd, &xd->book.m[i]);
}

void xd_members_apply(struct xd *xd, const struct raft_entry *e)
{
	struct raft_conf_change cc;
	struct xd_member m;

	if (xd_conf_entry(xd, e, &cc, &m)) {
		/* Not ours to judge: raft took it; its member has no address. */
		xd_note_bad_entry(xd, e, &cc);
		return;
	}
	if (cc.op != RAFT_CONF_REMOVE) {
		/* Same on every node: it was decoded the same way. */
		if (xd_book_set(&xd->book, &m))
			xd_log(xd, "members: replicated address book full");
		if (cc.id == xd->cfg.node_id && xd->removed) {
			xd->removed = false;
			xd_log(xd, "members: added back by entry %" PRIu64,
			       e->index);
		}
		return;
	}
	xd_book_del(&xd->book, cc.id);
	if (cc.id != xd->cfg.node_id) {
		xd_peer_forget(xd, cc.id);
		return;
	}
	xd->removed = true;
	xd->removed_at = e->index;
	xd_log(xd, "members: this node was removed from the group by entry "
	       "%" PRIu64 "; it serves no raft requests from now on",
	       e->index);
}

/* ---- raft add / raft remove ---------------------------------------------- */

/* Who has @spiffe_id among the members of @conf, other than @id. */
static uint64_t xd_spiffe_owner(const struct xd *xd,
				const struct raft_conf *conf, uint64_t id,
				const char *spiffe_id)
{
	const uint64_t *lists[2] = { conf->voters, conf->learners };
	uint32_t lens[2] = { conf->n_voters, conf->n_learners };

	for (int l = 0; l < 2; l++) {
		for (uint32_t i = 0; i < lens[l]; i++) {
			uint64_t o = lists[l][i];
			const struct xd_member *m = xd_book_find(&xd->addrs, o);
			const char *sid = m ? m->spiffe_id : NULL;

			if (o == xd->cfg.node_id)
				sid = xd->src.svid.id.id;
			if (o != id && sid && !strcmp(sid, spiffe_id))
				return o;
		}
	}
	return 0;
}

/* Why @cc cannot be made to @conf, or 0. */
static int xd_change_check(struct xd *xd, const struct xd_origin *from,
			   uint16_t cmd, const struct raft_conf *conf,
			   const struct raft_conf_change *cc,
			   const struct xd_member *m)
{
	bool voter = raft_conf_is_voter(conf, cc->id);
	bool learner = raft_conf_is_learner(conf, cc->id);
	const struct xd_member *known;
	uint64_t owner;

	if (cc->op == RAFT_CONF_REMOVE) {
		if (!voter && !learner)
			goto unknown;
		if (voter && conf->n_voters == 1)
			goto last;
		return 0;
	}
	if (voter || (learner && cc->op == RAFT_CONF_ADD_LEARNER)) {
		xd_reply_error(xd, from, cmd, -EEXIST, 0, "node %" PRIu64
			       " is already a %s", cc->id,
			       voter ? "voter" : "learner");
		return -EEXIST;
	}
	owner = xd_spiffe_owner(xd, conf, cc->id, m->spiffe_id);
	if (owner) {
		xd_reply_error(xd, from, cmd, -EEXIST, 0, "%s is node %" PRIu64
			       "'s SPIFFE ID", m->spiffe_id, owner);
		return -EEXIST;
	}
	known = xd_book_find(&xd->addrs, cc->id);
	if (learner && known && (strcmp(known->addr, m->addr) ||
				 strcmp(known->spiffe_id, m->spiffe_id))) {
		xd_reply_error(xd, from, cmd, -EINVAL, 0, "node %" PRIu64
			       " is a learner at %s as %s; promote it with "
			       "the same address and SPIFFE ID", cc->id,
			       known->addr, known->spiffe_id);
		return -EINVAL;
	}
	if (conf->n_voters + conf->n_learners + !learner > RAFT_MAX_NODES) {
		xd_reply_error(xd, from, cmd, -ENOSPC, 0, "the group has %d "
			       "members already, the most it can have",
			       RAFT_MAX_NODES);
		return -ENOSPC;
	}
	return 0;
unknown:
	xd_reply_error(xd, from, cmd, -ENOENT, 0, "node %" PRIu64 " is not a "
		       "member", cc->id);
	return -ENOENT;
last:
	xd_reply_error(xd, from, cmd, -EINVAL, 0, "node %" PRIu64 " is the "
		       "last voter; the group cannot do without it", cc->id);
	return -EINVAL;
}

void xd_members_change(struct xd *xd, const struct xd_origin *from,
		       uint16_t cmd, const struct nlattr **tb,
		       struct xd_wait *w)
{
	struct raft_conf_change cc = {
		.id = mnl_attr_get_u64(tb[XD_A_NODE_ID]),
		.op = RAFT_CONF_REMOVE,
	};
	struct raft_conf conf;
	struct xd_member m = { 0 };
	uint64_t index, term;
	char why[XD_ERRMSG_MAX];
	int ret;

	if (cmd == XD_CMD_RAFT_ADD) {
		ret = xd_member_make(&m, cc.id,
				     mnl_attr_get_str(tb[XD_A_ADDR]),
				     mnl_attr_get_str(tb[XD_A_SPIFFE_ID]),
				     xd->cfg.trust_domain, why, sizeof(why));
		if (ret) {
			xd_reply_error(xd, from, cmd, ret, 0, "%s", why);
			return;
		}
		cc.op = tb[XD_A_LEARNER] && mnl_attr_get_u8(tb[XD_A_LEARNER]) ?
			RAFT_CONF_ADD_LEARNER : RAFT_CONF_ADD_VOTER;
		cc.ctx_len = xd_member_ctx_encode(&m, cc.ctx);
	} else if (!cc.id || cc.id > XD_NODE_ID_MAX) {
		xd_reply_error(xd, from, cmd, -EINVAL, 0, "node id %" PRIu64
			       " is not from 1 to %llu", cc.id,
			       (unsigned long long)XD_NODE_ID_MAX);
		return;
	}
	raft_conf(xd->raft, &conf);
	if (xd_change_check(xd, from, cmd, &conf, &cc, &m))
		return;
	ret = raft_propose_conf_change(xd->raft, &cc, &index, &term);
	if (ret == -EBUSY) {
		xd_reply_error(xd, from, cmd, -EBUSY, 0, "another membership "
			       "change is in progress; retry");
		return;
	}
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "the change was refused: "
			       "%s", strerror(-ret));
		return;
	}
	xd_log(xd, "members: %s node %" PRIu64 " proposed at %" PRIu64,
	       cc.op == RAFT_CONF_REMOVE ? "removing" :
	       cc.op == RAFT_CONF_ADD_LEARNER ? "adding learner" :
	       "adding voter", cc.id, index);
	*w = (struct xd_wait){
		.used = true, .cmd = cmd, .from = *from, .index = index,
		.term = term, .deadline = xd->now + XD_WAIT_MS,
	};
}

/* ---- raft members -------------------------------------------------------- */

static int xd_member_put(struct xd *xd, struct xd_msg *m, uint64_t id,
			 bool voter, uint64_t lead)
{
	const struct xd_member *k = xd_book_find(&xd->addrs, id);
	bool self = id == xd->cfg.node_id;
	struct nlattr *nest = xd_msg_nest_start(m, XD_A_MEMBER);

	if (!nest)
		return -EMSGSIZE;
	xd_msg_put_u64(m, XD_MEMBER_A_ID, id);
	xd_msg_put_str(m, XD_MEMBER_A_ROLE, voter ? "voter" : "learner");
	if (self) {
		xd_msg_put_str(m, XD_MEMBER_A_ADDR, xd->cfg.listen);
		xd_msg_put_str(m, XD_MEMBER_A_SPIFFE_ID, xd->src.svid.id.id);
	} else if (k) {
		xd_msg_put_str(m, XD_MEMBER_A_ADDR, k->addr);
		xd_msg_put_str(m, XD_MEMBER_A_SPIFFE_ID, k->spiffe_id);
	}
	xd_msg_put_u8(m, XD_MEMBER_A_LEADER, id == lead);
	xd_msg_put_u8(m, XD_MEMBER_A_SELF, self);
	xd_msg_put_u8(m, XD_MEMBER_A_UP, self || tp_peer_up(xd->tp, id));
	if (m->overflow) {
		xd_msg_nest_cancel(m, nest);
		return -EMSGSIZE;
	}
	xd_msg_nest_end(m, nest);
	return 0;
}

void xd_members_list(struct xd *xd, const struct xd_origin *from)
{
	struct raft_status st;
	struct raft_conf conf;
	struct xd_msg m;

	raft_status(xd->raft, &st);
	raft_conf(xd->raft, &conf);
	xd_msg_init(&m, xd->tx, XD_REPLY_MAX, XD_CMD_RAFT_MEMBERS, XD_F_REPLY);
	xd_msg_put_u64(&m, XD_A_NODE_ID, st.id);
	xd_msg_put_u64(&m, XD_A_LEADER, st.lead);
	xd_msg_put_u64(&m, XD_A_CONF_INDEX, st.conf_index);
	xd_msg_put_u8(&m, XD_A_CONF_COMMITTED, st.conf_index <= st.commit);
	xd_msg_put_u64(&m, XD_A_COMMIT, st.commit);
	xd_msg_put_u64(&m, XD_A_APPLIED, xd->applied);
	xd_msg_put_u8(&m, XD_A_REMOVED, xd->removed);
	for (uint32_t i = 0; i < conf.n_voters; i++)
		xd_member_put(xd, &m, conf.voters[i], true, st.lead);
	for (uint32_t i = 0; i < conf.n_learners; i++)
		xd_member_put(xd, &m, conf.learners[i], false, st.lead);
	xd_reply(xd, from, &m);
}
