// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate revocations agreed through raft.
 *
 * `x0ttactl identity revoke SERIAL` is a raft write: the leader checks
 * and normalises the serial and proposes a put of "x0tta/revoked/SERIAL"
 * with the reason as its value. Every node applies it in log order, from
 * the log or from a snapshot, at start too, by adding the serial to its
 * identity source: from then on handshakes and resumptions by that
 * certificate are refused, and the connections it authenticated are
 * closed (xd_revoke_enforce(), once per batch of readies).
 *
 * A revocation is for good. Keys under "x0tta/" belong to x0ttad:
 * `raft put` and `raft del` refuse them, so a client can neither forge a
 * revocation with a serial the leader did not check nor lift one. The
 * list only grows; SVIDs live hours, so a serial stops mattering once its
 * certificate has expired, but nothing removes it yet.
 */
#include <errno.h>
#include <string.h>

#include "identity/verify.h"
#include "x0ttad/daemon.h"

#define XD_REVOKED_PREFIX	XD_KEY_RESERVED "revoked/"
#define XD_REVOKED_PREFIX_LEN	(sizeof(XD_REVOKED_PREFIX) - 1)

bool xd_key_reserved(const void *key, size_t klen)
{
	size_t n = sizeof(XD_KEY_RESERVED) - 1;

	return klen >= n && !memcmp(key, XD_KEY_RESERVED, n);
}

/*
 * The serial a revocation key names, normalised; false for any other key
 * (and for one whose serial is not in normal form, which no leader of
 * ours proposes).
 */
static bool xd_revoke_key_serial(const uint8_t *key, size_t klen,
				 char serial[IDN_SERIAL_HEX_MAX])
{
	char raw[IDN_SERIAL_HEX_MAX];
	size_t n = klen - XD_REVOKED_PREFIX_LEN;

	if (klen <= XD_REVOKED_PREFIX_LEN || n >= sizeof(raw) ||
	    memcmp(key, XD_REVOKED_PREFIX, XD_REVOKED_PREFIX_LEN))
		return false;
	memcpy(raw, key + XD_REVOKED_PREFIX_LEN, n);
	raw[n] = '\0';
	return idn_serial_norm(raw, serial, NULL) == IDN_OK &&
	       !strcmp(raw, serial);
}

bool xd_revoke_serial(struct xd *xd, const struct xd_origin *from,
		      const struct nlattr **tb,
		      char serial[IDN_SERIAL_HEX_MAX])
{
	struct idn_status st;

	if (!idn_serial_norm(mnl_attr_get_str(tb[XD_A_SERIAL]), serial, &st))
		return true;
	xd_reply_error(xd, from, XD_CMD_IDENTITY_REVOKE, -EINVAL, 0, "%s",
		       st.detail);
	return false;
}

void xd_revoke_propose(struct xd *xd, const struct xd_origin *from,
		       const char *serial, const struct nlattr **tb,
		       struct xd_wait *w)
{
	const char *reason = tb[XD_A_REASON] ?
			     mnl_attr_get_str(tb[XD_A_REASON]) : "";
	char key[XD_REVOKED_PREFIX_LEN + IDN_SERIAL_HEX_MAX];

	snprintf(key, sizeof(key), "%s%s", XD_REVOKED_PREFIX, serial);
	/* Again is fine: the answer says it is revoked, as it is. */
	xd_raft_propose_kv(xd, from, XD_CMD_IDENTITY_REVOKE, XD_KV_PUT, key,
			   strlen(key), reason, strlen(reason), w);
}

/*
 * When the revoked node is the leader, a follower that forwarded the
 * request cuts the connection that would carry the leader's answer as
 * soon as it applies the entry itself. Applied means committed, though:
 * the follower answers its client then, whichever comes first.
 */
static void xd_revoke_answer_forwards(struct xd *xd, const char *serial)
{
	for (size_t i = 0; i < XD_FWDS_MAX; i++) {
		struct xd_fwd *f = &xd->fwds[i];
		struct xd_origin to;
		struct xd_msg m;

		if (!f->used || f->cmd != XD_CMD_IDENTITY_REVOKE ||
		    strcmp(f->serial, serial))
			continue;
		f->used = false;
		to = (struct xd_origin){ .slot = f->slot, .gen = f->gen };
		xd_msg_init(&m, xd->tx, XD_REPLY_MAX, XD_CMD_IDENTITY_REVOKE,
			    XD_F_REPLY);
		xd_reply(xd, &to, &m);
	}
}

/* Whether the serial is that of the SVID we present. */
static bool xd_revoke_is_ours(struct xd *xd, const char *serial)
{
	char ours[IDN_SERIAL_HEX_MAX];

	return !idn_crt_serial_hex(xd->src.svid.chain.crt[0], ours, NULL) &&
	       !strcmp(ours, serial);
}

static void xd_revoke_one(struct xd *xd, const char *serial)
{
	unsigned int before = xd->src.revoked.n_revoked;
	struct idn_status st;

	xd_revoke_answer_forwards(xd, serial);
	if (idn_source_revoke(&xd->src, serial, &st)) {
		xd_log(xd, "revoking serial %s: %s", serial, st.detail);
		return;
	}
	if (xd->src.revoked.n_revoked == before)
		return;		/* replayed */
	xd->recheck = true;
	xd_log(xd, "certificate serial %s revoked%s", serial,
	       xd_revoke_is_ours(xd, serial) ? "; it is our own SVID: peers "
	       "will refuse us until a new one is issued" : "");
}

void xd_revoke_applied(struct xd *xd, const struct xd_kv_cmd *c)
{
	char serial[IDN_SERIAL_HEX_MAX];

	if (c->op != XD_KV_PUT ||
	    !xd_revoke_key_serial(c->key, c->klen, serial))
		return;
	xd_revoke_one(xd, serial);
}

void xd_revoke_loaded(struct xd *xd)
{
	char serial[IDN_SERIAL_HEX_MAX];

	for (size_t i = 0; i < xd->kv.n; i++) {
		const struct xd_kv_item *it = &xd->kv.items[i];

		if (xd_revoke_key_serial(it->key, it->klen, serial))
			xd_revoke_one(xd, serial);
	}
}

void xd_revoke_enforce(struct xd *xd)
{
	unsigned int closed;

	if (!xd->recheck)
		return;
	xd->recheck = false;
	closed = xd_identity_recheck(xd);
	if (closed)
		xd_log(xd, "closed %u connection(s) of revoked certificates",
		       closed);
}

static int xd_revoke_put_row(struct xd_msg *m, const char *serial,
			     const struct xd_kv_item *it)
{
	char reason[XD_REASON_MAX + 1];
	struct nlattr *nest;
	size_t n = it->vlen < XD_REASON_MAX ? it->vlen : XD_REASON_MAX;

	/* The leader took the reason as a string: no NUL inside. */
	memcpy(reason, it->val, n);
	reason[n] = '\0';
	nest = xd_msg_nest_start(m, XD_A_REVOCATION);
	if (!nest)
		return -EMSGSIZE;
	if (xd_msg_put_str(m, XD_REV_A_SERIAL, serial) ||
	    xd_msg_put_str(m, XD_REV_A_REASON, reason)) {
		xd_msg_nest_cancel(m, nest);
		return -EMSGSIZE;
	}
	xd_msg_nest_end(m, nest);
	return 0;
}

void xd_revoke_list(struct xd *xd, const struct xd_origin *from)
{
	char serial[IDN_SERIAL_HEX_MAX];
	struct xd_msg m;

	xd_msg_init(&m, xd->tx, XD_REPLY_MAX, XD_CMD_IDENTITY_REVOKED,
		    XD_F_REPLY);
	xd_msg_put_u64(&m, XD_A_NODE_ID, xd->cfg.node_id);
	xd_msg_put_u64(&m, XD_A_APPLIED, xd->applied);
	for (size_t i = 0; i < xd->kv.n; i++) {
		const struct xd_kv_item *it = &xd->kv.items[i];

		if (!xd_revoke_key_serial(it->key, it->klen, serial))
			continue;
		if (xd_revoke_put_row(&m, serial, it)) {
			xd_msg_put_u8(&m, XD_A_TRUNCATED, 1);
			break;
		}
	}
	xd_reply(xd, from, &m);
}
