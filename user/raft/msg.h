/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_RAFT_MSG_H
#define _X0TTA_RAFT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

/*
 * Wire encoding of struct raft_msg, little-endian, version 2:
 *
 *   header (72 bytes)
 *     u8 version, u8 type, u8 flags (bit 0: reject, bit 1: transfer),
 *     u8 zero,
 *     u32 n_entries,
 *     u64 from, to, term, log_term, index, commit, hint, ctx
 *   n_entries times (16 bytes + data)
 *     u64 term, u8 type, u8 zero[3], u32 len, len bytes of data
 *   or, for a snapshot, its configuration block (conf.h) and then the
 *   state machine's bytes up to the frame's end
 *
 * Entry indexes are not sent: entry i is at index + 1 + i, so a message
 * cannot carry a gap. The transport frames messages; this layer only
 * turns one frame into one message and back.
 *
 * Version 2 added configuration entries (entry type 3, whose data must
 * decode as conf.h says) and the snapshot's configuration; a version 1
 * peer would misread a snapshot, so the version tells them apart.
 */
#define RAFT_MSG_VERSION	2
#define RAFT_MSG_HDR_SIZE	72
#define RAFT_MSG_ENTRY_HDR_SIZE	16
/* Frames above this are refused before anything is allocated. */
#define RAFT_MSG_MAX_SIZE	(8u << 20)

/* Bytes raft_msg_encode() needs for @m. */
size_t raft_msg_encoded_size(const struct raft_msg *m);
/*
 * Encode @m into @buf. Returns the size written, -ENOSPC if @cap is too
 * small, -EMSGSIZE if the message exceeds RAFT_MSG_MAX_SIZE.
 */
ssize_t raft_msg_encode(const struct raft_msg *m, void *buf, size_t cap);
/*
 * Decode one frame from an untrusted peer. Every field is checked for
 * sense (known type, bounded lengths and counts, terms and indexes that
 * fit together) and the frame must be consumed exactly. Returns 0 and a
 * message to release with raft_msg_release(), or -EBADMSG (malformed),
 * -EMSGSIZE (too large), -EPROTONOSUPPORT (unknown version), -ENOMEM;
 * on error *m is left zeroed.
 */
int raft_msg_decode(const void *buf, size_t len, struct raft_msg *m);
void raft_msg_release(struct raft_msg *m);

#endif /* _X0TTA_RAFT_MSG_H */
