/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_XD_KV_H
#define _X0TTA_XD_KV_H

#include <stddef.h>
#include <stdint.h>

/*
 * The replicated key-value state machine behind `x0ttactl raft put/get/
 * del`. Commands travel as raft entries and are applied in log order on
 * every node, so every node holds the same map.
 *
 * Command (little-endian): u8 version (1), u8 op, u16 klen, u32 vlen,
 * klen bytes of key, vlen bytes of value (put only).
 * Snapshot: u32 version (1), u32 count, then per key in ascending order
 * u16 klen, u32 vlen, key, value.
 */

enum xd_kv_op {
	XD_KV_PUT = 1,
	XD_KV_DEL = 2,
};

#define XD_KV_CMD_HDR	8
#define XD_KV_KEY_MAX	256
#define XD_KV_VAL_MAX	(32u * 1024)

struct xd_kv_item {
	uint8_t *key;
	uint16_t klen;
	uint32_t vlen;
	uint8_t *val;
};

struct xd_kv {
	struct xd_kv_item *items;	/* sorted by key */
	size_t n, cap;
};

void xd_kv_init(struct xd_kv *kv);
void xd_kv_free(struct xd_kv *kv);

/* A command for raft_propose(); *out is malloc'ed. 0, -EINVAL, -ENOMEM. */
int xd_kv_cmd_encode(enum xd_kv_op op, const void *key, size_t klen,
		     const void *val, size_t vlen, uint8_t **out,
		     size_t *outlen);
/* A command taken apart; key and val point into the command. */
struct xd_kv_cmd {
	enum xd_kv_op op;
	const uint8_t *key, *val;
	size_t klen, vlen;
};

/* 0, or -EBADMSG for a command this version does not understand. */
int xd_kv_cmd_decode(const void *cmd, size_t len, struct xd_kv_cmd *c);
/*
 * Apply one committed command. 0; -ENOENT when a delete found no key
 * (the map is unchanged, and so on every node); -EBADMSG for a command
 * this version does not understand, which is skipped the same way on
 * every node; -ENOMEM.
 */
int xd_kv_apply(struct xd_kv *kv, const void *cmd, size_t len);
/* xd_kv_apply() of a command already decoded. */
int xd_kv_apply_cmd(struct xd_kv *kv, const struct xd_kv_cmd *c);
const struct xd_kv_item *xd_kv_get(const struct xd_kv *kv, const void *key,
				   size_t klen);

/* Serialize the whole map; *out is malloc'ed. 0, -E2BIG, -ENOMEM. */
int xd_kv_snapshot(const struct xd_kv *kv, uint8_t **out, size_t *len);
/*
 * Replace the map by a snapshot. Checked whole first: on -EBADMSG or
 * -ENOMEM the map is unchanged.
 */
int xd_kv_load(struct xd_kv *kv, const void *data, size_t len);

#endif /* _X0TTA_XD_KV_H */
