// SPDX-License-Identifier: GPL-2.0
/*
 * The CRDT service: a crdt_store replicated by anti-entropy on
 * TP_CH_CRDT, persisted in <data_dir>/crdt (snapshot + delta journal),
 * and the `x0ttactl crdt` requests.
 *
 * A write is acknowledged after crdt_ae_local() returned, which has
 * journalled the delta (fsynced with fsync always), so an acknowledged
 * update survives a crash. A keyspace is created by its first write, with
 * the type that write implies: put/del a map, add/remove a set, incr a
 * counter; a later write of another type is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "x0ttad/daemon.h"

/* How far ahead of our clock a peer's timestamp may be (crdt_store_join). */
#define XD_CRDT_DRIFT_MS	60000
/* Fold the journal into a snapshot beyond this many bytes. */
#define XD_CRDT_JOURNAL_MAX	(8u << 20)

static const char *xd_crdt_type_name(uint8_t type)
{
	switch (type) {
	case CRDT_T_LWW_MAP:
		return "map";
	case CRDT_T_ORSET:
		return "set";
	case CRDT_T_PNCOUNTER:
		return "counter";
	default:
		return "unknown";
	}
}

static void xd_crdt_send(void *ctx, uint64_t peer, const uint8_t *msg,
			 size_t len)
{
	struct xd *xd = ctx;

	/* A peer that is down is pulled from again when it comes up. */
	tp_send(xd->tp, peer, TP_CH_CRDT, msg, len);
}

int xd_crdt_init(struct xd *xd)
{
	struct crdt_recovery rec;
	struct crdt_ae_cfg cfg;
	char path[XD_PATH_MAX + 8];
	uint64_t seed;
	int ret;

	ret = crdt_store_init(&xd->store, xd->cfg.node_id, XD_CRDT_DRIFT_MS);
	if (ret)
		return ret;
	crdt_ae_cfg_default(&cfg);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = xd->now ^ xd->cfg.node_id;
	ret = crdt_ae_init(&xd->ae, &xd->store, &cfg, seed, xd_crdt_send, xd);
	if (ret)
		goto err_store;
	/* Every peer raft knows of, the file's and the members' alike. */
	for (unsigned int i = 0; i < xd->addrs.n && !ret; i++)
		ret = crdt_ae_add_peer(&xd->ae, xd->addrs.m[i].id);
	if (ret)
		goto err_ae;
	snprintf(path, sizeof(path), "%s/crdt", xd->cfg.data_dir);
	ret = crdt_journal_open(&xd->journal, path, xd->cfg.fsync);
	if (ret) {
		xd_log(xd, "crdt journal %s: %s", path, strerror(-ret));
		goto err_ae;
	}
	ret = crdt_journal_recover(&xd->journal, &xd->ae, &rec);
	if (ret) {
		xd_log(xd, "crdt recovery from %s: %s", path, strerror(-ret));
		goto err_journal;
	}
	crdt_ae_attach_journal(&xd->ae, &xd->journal);
	xd->crdt_open = true;
	xd_log(xd, "crdt: %u keyspaces, %llu journal records replayed%s",
	       xd->store.nks, (unsigned long long)rec.records,
	       rec.cut_bytes ? ", torn tail cut" : "");
	return 0;
err_journal:
	crdt_journal_close(&xd->journal);
err_ae:
	crdt_ae_free(&xd->ae);
err_store:
	crdt_store_free(&xd->store);
	return ret;
}

void xd_crdt_uninit(struct xd *xd)
{
	if (!xd->crdt_open)
		return;
	crdt_journal_sync(&xd->journal);
	crdt_journal_close(&xd->journal);
	crdt_ae_free(&xd->ae);
	crdt_store_free(&xd->store);
	xd->crdt_open = false;
}

void xd_crdt_tick(struct xd *xd)
{
	int ret;

	crdt_ae_tick(&xd->ae, xd_wall_ms());
	if (xd->cfg.fsync == CRDT_FSYNC_BATCH)
		crdt_journal_sync(&xd->journal);
	if (xd->journal.size < XD_CRDT_JOURNAL_MAX)
		return;
	ret = crdt_journal_snapshot(&xd->journal, &xd->ae);
	if (ret)
		xd_log(xd, "crdt snapshot: %s", strerror(-ret));
}

void xd_crdt_receive(struct xd *xd, uint64_t peer, const uint8_t *data,
		     size_t len)
{
	if (crdt_ae_receive(&xd->ae, peer, data, len, xd_wall_ms()))
		xd->crdt_dropped++;
}

void xd_crdt_peer_up(struct xd *xd, uint64_t peer)
{
	crdt_ae_connected(&xd->ae, peer);
}

/* ---- reading ------------------------------------------------------------- */

static void xd_crdt_reply_init(struct xd *xd, struct xd_msg *m, uint16_t cmd)
{
	xd_msg_init(m, xd->tx, XD_REPLY_MAX, cmd, XD_F_REPLY);
}

static void xd_crdt_status(struct xd *xd, const struct xd_origin *from)
{
	const struct crdt_ae_stats *s = &xd->ae.stats;
	struct xd_msg m;

	xd_crdt_reply_init(xd, &m, XD_CMD_CRDT_STATUS);
	xd_msg_put_u64(&m, XD_A_NODE_ID, xd->cfg.node_id);
	xd_msg_put_u64(&m, XD_A_MSGS_SENT, s->msgs_sent);
	xd_msg_put_u64(&m, XD_A_BYTES_SENT, s->bytes_sent);
	xd_msg_put_u64(&m, XD_A_DELTAS_APPLIED, s->deltas_applied);
	xd_msg_put_u64(&m, XD_A_DROPPED, xd->crdt_dropped);
	xd_msg_put_u64(&m, XD_A_JOURNAL_BYTES, xd->journal.size);
	for (uint32_t i = 0; i < xd->store.nks; i++) {
		const struct crdt_keyspace *k = &xd->store.ks[i];
		struct nlattr *nest = xd_msg_nest_start(&m, XD_A_KEYSPACES);
		uint64_t size = 1;

		if (!nest)
			break;
		if (k->type == CRDT_T_LWW_MAP)
			size = crdt_lww_map_size(&k->u.map);
		else if (k->type == CRDT_T_ORSET)
			size = crdt_orset_size(&k->u.set);
		xd_msg_put_str(&m, XD_KS_A_NAME, k->name);
		xd_msg_put_str(&m, XD_KS_A_TYPE, xd_crdt_type_name(k->type));
		xd_msg_put_u64(&m, XD_KS_A_SIZE, size);
		xd_msg_nest_end(&m, nest);
	}
	xd_reply(xd, from, &m);
}

/* One dump row; false when the reply is full. */
static bool xd_crdt_row(struct xd_msg *m, const struct crdt_keyspace *k,
			const void *key, size_t klen, const void *val,
			size_t vlen, bool has_val)
{
	struct nlattr *nest = xd_msg_nest_start(m, XD_A_ENTRY);
	int ret;

	if (!nest)
		return false;
	ret = xd_msg_put_str(m, XD_ENTRY_A_KEYSPACE, k->name);
	if (!ret)
		ret = xd_msg_put_str(m, XD_ENTRY_A_TYPE,
				     xd_crdt_type_name(k->type));
	if (!ret && key)
		ret = xd_msg_put_bin(m, XD_ENTRY_A_KEY, key, klen);
	if (!ret && has_val)
		ret = xd_msg_put_bin(m, XD_ENTRY_A_VALUE, val, vlen);
	if (!ret && k->type == CRDT_T_PNCOUNTER)
		ret = xd_msg_put_u64(m, XD_ENTRY_A_COUNT,
				     (uint64_t)crdt_pn_value(&k->u.ctr));
	if (ret) {
		xd_msg_nest_cancel(m, nest);
		return false;
	}
	xd_msg_nest_end(m, nest);
	return true;
}

static bool xd_crdt_dump_ks(struct xd_msg *m, const struct crdt_keyspace *k)
{
	if (k->type == CRDT_T_PNCOUNTER)
		return xd_crdt_row(m, k, NULL, 0, NULL, 0, false);
	if (k->type == CRDT_T_LWW_MAP) {
		for (uint32_t i = 0; i < k->u.map.n; i++) {
			const struct crdt_lww_entry *e = &k->u.map.e[i];

			if (e->reg.flags & CRDT_LWW_TOMBSTONE)
				continue;
			if (!xd_crdt_row(m, k, e->key, e->klen, e->reg.val,
					 e->reg.len, true))
				return false;
		}
		return true;
	}
	for (uint32_t i = 0; i < k->u.set.n; i++) {
		const struct crdt_orset_entry *e = &k->u.set.e[i];

		/* Entries are sorted by element: one row per element. */
		if (i && e->len == e[-1].len &&
		    !memcmp(e->elem, e[-1].elem, e->len))
			continue;
		if (!xd_crdt_row(m, k, e->elem, e->len, NULL, 0, false))
			return false;
	}
	return true;
}

static void xd_crdt_dump(struct xd *xd, const struct xd_origin *from,
			 const struct nlattr **tb)
{
	const char *only = tb[XD_A_KEYSPACE] ?
			   mnl_attr_get_str(tb[XD_A_KEYSPACE]) : NULL;
	struct xd_msg m;

	if (only && !crdt_store_find(&xd->store, only)) {
		xd_reply_error(xd, from, XD_CMD_CRDT_DUMP, -ENOENT, 0,
			       "no such keyspace '%s'", only);
		return;
	}
	xd_crdt_reply_init(xd, &m, XD_CMD_CRDT_DUMP);
	/* Room for the truncation flag is kept aside. */
	m.cap -= MNL_ALIGN(MNL_ATTR_HDRLEN + 1);
	for (uint32_t i = 0; i < xd->store.nks; i++) {
		const struct crdt_keyspace *k = &xd->store.ks[i];

		if (only && strcmp(only, k->name))
			continue;
		if (!xd_crdt_dump_ks(&m, k)) {
			m.cap += MNL_ALIGN(MNL_ATTR_HDRLEN + 1);
			xd_msg_put_u8(&m, XD_A_TRUNCATED, 1);
			break;
		}
	}
	xd_reply(xd, from, &m);
}

static void xd_crdt_get(struct xd *xd, const struct xd_origin *from,
			const struct nlattr **tb)
{
	const char *name = mnl_attr_get_str(tb[XD_A_KEYSPACE]);
	const struct crdt_keyspace *k = crdt_store_find(&xd->store, name);
	const struct nlattr *key = tb[XD_A_KEY];
	const struct crdt_lww_reg *reg;
	const void *kp = key ? mnl_attr_get_payload(key) : NULL;
	size_t klen = key ? mnl_attr_get_payload_len(key) : 0;
	struct xd_msg m;

	if (!k) {
		xd_reply_error(xd, from, XD_CMD_CRDT_GET, -ENOENT, 0,
			       "no such keyspace '%s'", name);
		return;
	}
	if (!key != (k->type == CRDT_T_PNCOUNTER)) {
		xd_reply_error(xd, from, XD_CMD_CRDT_GET, -EINVAL, 0,
			       "keyspace '%s' is a %s: %s", name,
			       xd_crdt_type_name(k->type),
			       key ? "it has no keys" : "a key is needed");
		return;
	}
	xd_crdt_reply_init(xd, &m, XD_CMD_CRDT_GET);
	if (k->type == CRDT_T_PNCOUNTER) {
		xd_msg_put_u64(&m, XD_A_AMOUNT,
			       (uint64_t)crdt_pn_value(&k->u.ctr));
	} else if (k->type == CRDT_T_ORSET) {
		if (!crdt_orset_contains(&k->u.set, kp, klen))
			goto noent;
		xd_msg_put_bin(&m, XD_A_KEY, kp, klen);
	} else {
		reg = crdt_lww_map_get(&k->u.map, kp, klen);
		if (!reg || (reg->flags & CRDT_LWW_TOMBSTONE))
			goto noent;
		xd_msg_put_bin(&m, XD_A_KEY, kp, klen);
		xd_msg_put_bin(&m, XD_A_VALUE, reg->val, reg->len);
	}
	xd_reply(xd, from, &m);
	return;
noent:
	xd_reply_error(xd, from, XD_CMD_CRDT_GET, -ENOENT, 0, "no such %s",
		       k->type == CRDT_T_ORSET ? "element" : "key");
}

/* ---- writing ------------------------------------------------------------- */

static enum crdt_type xd_crdt_cmd_type(uint16_t cmd)
{
	switch (cmd) {
	case XD_CMD_CRDT_ADD:
	case XD_CMD_CRDT_REMOVE:
		return CRDT_T_ORSET;
	case XD_CMD_CRDT_INCR:
		return CRDT_T_PNCOUNTER;
	default:
		return CRDT_T_LWW_MAP;
	}
}

static int xd_crdt_mutate(struct xd *xd, uint16_t cmd, const char *ks,
			  const struct nlattr **tb, struct crdt_buf *d)
{
	const struct nlattr *key = tb[XD_A_KEY], *val = tb[XD_A_VALUE];
	const void *kp = key ? mnl_attr_get_payload(key) : NULL;
	size_t klen = key ? mnl_attr_get_payload_len(key) : 0;
	struct crdt_store *s = &xd->store;

	switch (cmd) {
	case XD_CMD_CRDT_PUT:
		return crdt_store_put(s, ks, kp, klen,
				      mnl_attr_get_payload(val),
				      mnl_attr_get_payload_len(val),
				      xd_wall_ms(), d);
	case XD_CMD_CRDT_DEL:
		return crdt_store_del(s, ks, kp, klen, xd_wall_ms(), d);
	case XD_CMD_CRDT_ADD:
		return crdt_store_set_add(s, ks, kp, klen, d);
	case XD_CMD_CRDT_REMOVE:
		return crdt_store_set_remove(s, ks, kp, klen, d);
	default:
		return crdt_store_counter_add(s, ks,
			(int64_t)mnl_attr_get_u64(tb[XD_A_AMOUNT]), d);
	}
}

/* Deleting what is not there is an error the operator wants to see. */
static bool xd_crdt_absent(const struct crdt_keyspace *k, uint16_t cmd,
			   const struct nlattr *key)
{
	const void *kp = mnl_attr_get_payload(key);
	size_t klen = mnl_attr_get_payload_len(key);
	const struct crdt_lww_reg *reg;

	if (cmd == XD_CMD_CRDT_REMOVE)
		return !crdt_orset_contains(&k->u.set, kp, klen);
	reg = crdt_lww_map_get(&k->u.map, kp, klen);
	return !reg || (reg->flags & CRDT_LWW_TOMBSTONE);
}

static void xd_crdt_write(struct xd *xd, const struct xd_origin *from,
			  uint16_t cmd, const struct nlattr **tb)
{
	const char *ks = mnl_attr_get_str(tb[XD_A_KEYSPACE]);
	enum crdt_type type = xd_crdt_cmd_type(cmd);
	bool removal = cmd == XD_CMD_CRDT_DEL || cmd == XD_CMD_CRDT_REMOVE;
	const struct crdt_keyspace *k = crdt_store_find(&xd->store, ks);
	struct crdt_buf d;
	struct xd_msg m;
	int ret;

	if (k && k->type != type) {
		xd_reply_error(xd, from, cmd, -EINVAL, 0, "keyspace '%s' is a "
			       "%s, not a %s", ks, xd_crdt_type_name(k->type),
			       xd_crdt_type_name(type));
		return;
	}
	if (removal && (!k || xd_crdt_absent(k, cmd, tb[XD_A_KEY]))) {
		xd_reply_error(xd, from, cmd, -ENOENT, 0, "%s", !k ?
			       "no such keyspace" : cmd == XD_CMD_CRDT_DEL ?
			       "no such key" : "no such element");
		return;
	}
	ret = crdt_store_keyspace(&xd->store, ks, type);
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "keyspace '%s': %s", ks,
			       ret == -ENOSPC ? "too many keyspaces" :
			       ret == -EINVAL ? "not a valid name" :
			       strerror(-ret));
		return;
	}
	crdt_buf_init(&d);
	ret = xd_crdt_mutate(xd, cmd, ks, tb, &d);
	if (!ret)
		ret = d.err ? d.err : crdt_ae_local(&xd->ae, d.data, d.len);
	crdt_buf_free(&d);
	if (ret) {
		xd_reply_error(xd, from, cmd, ret, 0, "%s: %s",
			       xd_cmd_name(cmd), strerror(-ret));
		return;
	}
	xd_crdt_reply_init(xd, &m, cmd);
	xd_reply(xd, from, &m);
}

void xd_crdt_request(struct xd *xd, const struct xd_origin *from,
		     const struct xd_msg_hdr *hdr, const struct nlattr **tb)
{
	switch (hdr->cmd) {
	case XD_CMD_CRDT_STATUS:
		xd_crdt_status(xd, from);
		break;
	case XD_CMD_CRDT_GET:
		xd_crdt_get(xd, from, tb);
		break;
	case XD_CMD_CRDT_DUMP:
		xd_crdt_dump(xd, from, tb);
		break;
	default:
		xd_crdt_write(xd, from, hdr->cmd, tb);
		break;
	}
}
