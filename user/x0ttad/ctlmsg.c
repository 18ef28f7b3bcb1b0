// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol codec (ctlmsg.h), shared by x0ttad and x0ttactl.
 *
 * Validation is table-driven: one policy per attribute type (kind and
 * length bounds) and, per command, the attributes it allows and the ones
 * it requires. Anything the tables do not allow is refused with a
 * sentence naming the attribute, so a client bug is easy to find.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crdt/store.h"
#include "x0ttad/ctlmsg.h"
#include "x0ttad/members.h"

enum xd_kind {
	XD_K_NONE,
	XD_K_U8,
	XD_K_U32,
	XD_K_U64,
	XD_K_STR,	/* NUL-terminated, length bounds exclude the NUL */
	XD_K_BIN,
	XD_K_NEST,
};

struct xd_attr_policy {
	const char *name;
	enum xd_kind kind;
	uint32_t min, max;	/* payload bytes, for STR and BIN */
};

static const struct xd_attr_policy xd_attr_policy[XD_A_MAX + 1] = {
	[XD_A_ERRNO] = { "errno", XD_K_U32 },
	[XD_A_ERRMSG] = { "errmsg", XD_K_STR, 0, XD_ERRMSG_MAX },
	[XD_A_LEADER] = { "leader", XD_K_U64 },
	[XD_A_KEY] = { "key", XD_K_BIN, 1, XD_KEY_MAX },
	[XD_A_VALUE] = { "value", XD_K_BIN, 0, XD_VALUE_MAX },
	[XD_A_KEYSPACE] = { "keyspace", XD_K_STR, 1, CRDT_NAME_MAX },
	[XD_A_AMOUNT] = { "amount", XD_K_U64 },
	[XD_A_NODE_ID] = { "node_id", XD_K_U64 },
	[XD_A_ROLE] = { "role", XD_K_STR, 1, 32 },
	[XD_A_TERM] = { "term", XD_K_U64 },
	[XD_A_COMMIT] = { "commit", XD_K_U64 },
	[XD_A_APPLIED] = { "applied", XD_K_U64 },
	[XD_A_LAST_INDEX] = { "last_index", XD_K_U64 },
	[XD_A_SNAP_INDEX] = { "snap_index", XD_K_U64 },
	[XD_A_KEYS] = { "keys", XD_K_U64 },
	[XD_A_DROPPED] = { "dropped", XD_K_U64 },
	[XD_A_TP_ACCEPTED] = { "tp_accepted", XD_K_U64 },
	[XD_A_TP_REFUSED] = { "tp_refused", XD_K_U64 },
	[XD_A_TP_LAST_REFUSAL] = { "tp_last_refusal", XD_K_STR, 0, 512 },
	[XD_A_PEER] = { "peer", XD_K_NEST },
	[XD_A_KEYSPACES] = { "keyspaces", XD_K_NEST },
	[XD_A_ENTRY] = { "entry", XD_K_NEST },
	[XD_A_TRUNCATED] = { "truncated", XD_K_U8 },
	[XD_A_MSGS_SENT] = { "msgs_sent", XD_K_U64 },
	[XD_A_BYTES_SENT] = { "bytes_sent", XD_K_U64 },
	[XD_A_DELTAS_APPLIED] = { "deltas_applied", XD_K_U64 },
	[XD_A_JOURNAL_BYTES] = { "journal_bytes", XD_K_U64 },
	[XD_A_ADDR] = { "address", XD_K_STR, 1, XD_ADDR_MAX - 1 },
	[XD_A_SPIFFE_ID] = { "spiffe_id", XD_K_STR, 1, XD_MEMBER_TEXT_MAX },
	[XD_A_LEARNER] = { "learner", XD_K_U8 },
	[XD_A_MEMBER] = { "member", XD_K_NEST },
	[XD_A_CONF_INDEX] = { "conf_index", XD_K_U64 },
	[XD_A_CONF_COMMITTED] = { "conf_committed", XD_K_U8 },
	[XD_A_REMOVED] = { "removed", XD_K_U8 },
	[XD_A_SERIAL] = { "serial", XD_K_STR, 1, XD_SERIAL_MAX },
	[XD_A_REASON] = { "reason", XD_K_STR, 0, XD_REASON_MAX },
	[XD_A_REVOCATION] = { "revocation", XD_K_NEST },
};

#define BIT(a) (1ull << (a))

struct xd_cmd_policy {
	const char *name;
	uint64_t allowed;
	uint64_t required;
};

static const struct xd_cmd_policy xd_cmd_policy[XD_CMD_MAX + 1] = {
	[XD_CMD_RAFT_STATUS] = { "raft status", 0, 0 },
	[XD_CMD_RAFT_PUT] = { "raft put", BIT(XD_A_KEY) | BIT(XD_A_VALUE),
			      BIT(XD_A_KEY) | BIT(XD_A_VALUE) },
	[XD_CMD_RAFT_GET] = { "raft get", BIT(XD_A_KEY), BIT(XD_A_KEY) },
	[XD_CMD_RAFT_DEL] = { "raft del", BIT(XD_A_KEY), BIT(XD_A_KEY) },
	[XD_CMD_CRDT_STATUS] = { "crdt status", 0, 0 },
	[XD_CMD_CRDT_GET] = { "crdt get", BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY),
			      BIT(XD_A_KEYSPACE) },
	[XD_CMD_CRDT_DUMP] = { "crdt dump", BIT(XD_A_KEYSPACE), 0 },
	[XD_CMD_CRDT_PUT] = {
		"crdt put",
		BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY) | BIT(XD_A_VALUE),
		BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY) | BIT(XD_A_VALUE) },
	[XD_CMD_CRDT_DEL] = { "crdt del", BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY),
			      BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY) },
	[XD_CMD_CRDT_ADD] = { "crdt add", BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY),
			      BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY) },
	[XD_CMD_CRDT_REMOVE] = {
		"crdt remove", BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY),
		BIT(XD_A_KEYSPACE) | BIT(XD_A_KEY) },
	[XD_CMD_CRDT_INCR] = {
		"crdt incr", BIT(XD_A_KEYSPACE) | BIT(XD_A_AMOUNT),
		BIT(XD_A_KEYSPACE) | BIT(XD_A_AMOUNT) },
	[XD_CMD_RAFT_ADD] = {
		"raft add",
		BIT(XD_A_NODE_ID) | BIT(XD_A_ADDR) | BIT(XD_A_SPIFFE_ID) |
		BIT(XD_A_LEARNER),
		BIT(XD_A_NODE_ID) | BIT(XD_A_ADDR) | BIT(XD_A_SPIFFE_ID) },
	[XD_CMD_RAFT_REMOVE] = { "raft remove", BIT(XD_A_NODE_ID),
				 BIT(XD_A_NODE_ID) },
	[XD_CMD_RAFT_MEMBERS] = { "raft members", 0, 0 },
	[XD_CMD_IDENTITY_REVOKE] = {
		"identity revoke", BIT(XD_A_SERIAL) | BIT(XD_A_REASON),
		BIT(XD_A_SERIAL) },
	[XD_CMD_IDENTITY_REVOKED] = { "identity revoked", 0, 0 },
};

const char *xd_cmd_name(uint16_t cmd)
{
	if (cmd > XD_CMD_MAX)
		return NULL;
	return xd_cmd_policy[cmd].name;
}

/* ---- building ------------------------------------------------------------ */

void xd_msg_init(struct xd_msg *m, void *buf, size_t cap, uint16_t cmd,
		 uint8_t flags)
{
	struct xd_msg_hdr *h = buf;

	m->buf = buf;
	m->cap = cap;
	m->len = sizeof(*h);
	m->overflow = false;
	h->cmd = cmd;
	h->version = XD_MSG_VERSION;
	h->flags = flags;
}

static int xd_msg_put(struct xd_msg *m, uint16_t type, const void *p,
		      size_t len)
{
	size_t total = MNL_ALIGN(MNL_ATTR_HDRLEN + len);
	struct nlattr *a;

	if (len > UINT16_MAX - MNL_ATTR_HDRLEN || m->len + total > m->cap) {
		m->overflow = true;
		return -EMSGSIZE;
	}
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = MNL_ATTR_HDRLEN + len;
	if (len)
		memcpy(mnl_attr_get_payload(a), p, len);
	memset((char *)a + a->nla_len, 0, total - a->nla_len);
	m->len += total;
	return 0;
}

int xd_msg_put_u8(struct xd_msg *m, uint16_t type, uint8_t v)
{
	return xd_msg_put(m, type, &v, sizeof(v));
}

int xd_msg_put_u32(struct xd_msg *m, uint16_t type, uint32_t v)
{
	return xd_msg_put(m, type, &v, sizeof(v));
}

int xd_msg_put_u64(struct xd_msg *m, uint16_t type, uint64_t v)
{
	return xd_msg_put(m, type, &v, sizeof(v));
}

int xd_msg_put_str(struct xd_msg *m, uint16_t type, const char *s)
{
	return xd_msg_put(m, type, s, strlen(s) + 1);
}

int xd_msg_put_bin(struct xd_msg *m, uint16_t type, const void *p,
		   size_t len)
{
	return xd_msg_put(m, type, p, len);
}

struct nlattr *xd_msg_nest_start(struct xd_msg *m, uint16_t type)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (xd_msg_put(m, type | NLA_F_NESTED, NULL, 0))
		return NULL;
	return a;
}

void xd_msg_nest_end(struct xd_msg *m, struct nlattr *nest)
{
	nest->nla_len = m->buf + m->len - (char *)nest;
}

void xd_msg_nest_cancel(struct xd_msg *m, struct nlattr *nest)
{
	m->len = (char *)nest - m->buf;
}

void xd_msg_error(struct xd_msg *m, uint16_t cmd, int err, uint64_t leader,
		  const char *fmt, ...)
{
	char text[XD_ERRMSG_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xd_msg_init(m, m->buf, m->cap, cmd, XD_F_REPLY | XD_F_ERROR);
	xd_msg_put_u32(m, XD_A_ERRNO, err < 0 ? -err : err);
	xd_msg_put_str(m, XD_A_ERRMSG, text);
	if (leader)
		xd_msg_put_u64(m, XD_A_LEADER, leader);
}

/* ---- parsing ------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int xd_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

static int xd_attr_check(const struct nlattr *a, char *why, size_t whylen)
{
	uint16_t type = mnl_attr_get_type(a);
	const struct xd_attr_policy *p = &xd_attr_policy[type];
	size_t len = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);
	bool nested = a->nla_type & NLA_F_NESTED;

	if ((p->kind == XD_K_NEST) != nested)
		return xd_fail(why, whylen, -EINVAL, "%s: %s nested",
			       p->name,
			      nested ? "must not be" : "must be");
	switch (p->kind) {
	case XD_K_U8:
		if (len != 1)
			goto bad_len;
		return 0;
	case XD_K_U32:
		if (len != 4)
			goto bad_len;
		return 0;
	case XD_K_U64:
		if (len != 8)
			goto bad_len;
		return 0;
	case XD_K_STR:
		if (!len || s[len - 1] || strlen(s) != len - 1)
			return xd_fail(why, whylen, -EINVAL,
				       "%s: not a NUL-terminated string",
				       p->name);
		len--;
		break;
	case XD_K_BIN:
		break;
	default:
		return 0;
	}
	if (len < p->min)
		return xd_fail(why, whylen, -EINVAL, "%s: empty", p->name);
	if (len > p->max)
		return xd_fail(why, whylen, -EINVAL,
			       "%s: %zu bytes, at most %u", p->name, len,
			       p->max);
	return 0;
bad_len:
	return xd_fail(why, whylen, -EINVAL, "%s: wrong length %zu",
		       p->name, len);
}

static int xd_walk(const void *start, size_t len, const struct nlattr **tb,
		   unsigned int maxtype, uint64_t *seen, bool strict,
		   char *why, size_t whylen)
{
	const struct nlattr *a = start;
	size_t left = len, step;

	while (left) {
		uint16_t type;

		if (!mnl_attr_ok(a, (int)left))
			return xd_fail(why, whylen, -EBADMSG,
				       "malformed attribute at offset %zu",
				       len - left);
		type = mnl_attr_get_type(a);
		if (type == 0 || type > maxtype)
			return xd_fail(why, whylen, -EINVAL,
				       "unknown attribute %u", type);
		if (strict && (*seen & BIT(type)))
			return xd_fail(why, whylen, -EINVAL, "%s: given twice",
				      xd_attr_policy[type].name);
		*seen |= BIT(type);
		/* A repeated nest keeps its first instance in tb. */
		if (!tb[type])
			tb[type] = a;
		step = MNL_ALIGN(a->nla_len);
		if (step >= left)
			break;
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
	return 0;
}

static int xd_check_all(const void *start, size_t len, char *why,
			size_t whylen)
{
	const struct nlattr *attr;

	/* xd_walk() checked the framing; this checks each attribute. */
	mnl_attr_for_each_payload(start, len) {
		int ret = xd_attr_check(attr, why, whylen);

		if (ret)
			return ret;
	}
	return 0;
}

int xd_msg_parse(const void *buf, size_t len, bool reply,
		 struct xd_msg_hdr *hdr, const struct nlattr **tb,
		 char *why, size_t whylen)
{
	const struct xd_cmd_policy *cp;
	uint64_t seen = 0, extra, missing;
	int ret;

	memset(tb, 0, sizeof(*tb) * (XD_A_MAX + 1));
	snprintf(why, whylen, "ok");
	if (len < sizeof(*hdr))
		return xd_fail(why, whylen, -EBADMSG,
			       "message shorter than its header");
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->version != XD_MSG_VERSION)
		return xd_fail(why, whylen, -EPROTONOSUPPORT,
			       "protocol version %u, expected %u",
			       hdr->version, XD_MSG_VERSION);
	if (hdr->cmd == 0 || hdr->cmd > XD_CMD_MAX)
		return xd_fail(why, whylen, -EOPNOTSUPP,
			       "unknown command %u", hdr->cmd);
	if (!!(hdr->flags & XD_F_REPLY) != reply ||
	    (hdr->flags & ~(XD_F_REPLY | XD_F_ERROR)) ||
	    (!reply && (hdr->flags & XD_F_ERROR)))
		return xd_fail(why, whylen, -EINVAL, "bad flags 0x%x",
			       hdr->flags);
	len -= sizeof(*hdr);
	buf = (const char *)buf + sizeof(*hdr);
	/* Replies repeat nests (one per row); requests repeat nothing. */
	ret = xd_walk(buf, len, tb, XD_A_MAX, &seen, !reply, why, whylen);
	if (ret)
		return ret;
	ret = xd_check_all(buf, len, why, whylen);
	if (ret || reply)
		return ret;
	cp = &xd_cmd_policy[hdr->cmd];
	extra = seen & ~cp->allowed;
	missing = cp->required & ~seen;
	for (unsigned int t = 1; t <= XD_A_MAX; t++) {
		if (extra & BIT(t))
			return xd_fail(why, whylen, -EINVAL,
				       "%s: attribute %s not allowed",
				       cp->name, xd_attr_policy[t].name);
		if (missing & BIT(t))
			return xd_fail(why, whylen, -EINVAL,
				       "%s: attribute %s missing", cp->name,
				       xd_attr_policy[t].name);
	}
	return 0;
}

int xd_msg_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		      unsigned int maxtype)
{
	uint64_t seen = 0;
	char why[8];

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	if (!(nest->nla_type & NLA_F_NESTED))
		return -EBADMSG;
	if (xd_walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
		    tb, maxtype, &seen, true, why, sizeof(why)))
		return -EBADMSG;
	return 0;
}
