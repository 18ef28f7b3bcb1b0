/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_XD_CONFIG_H
#define _X0TTA_XD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crdt/journal.h"
#include "raft/raft.h"

/*
 * x0ttad's configuration file: one "key value..." per line, '#' starts a
 * comment, blank lines are ignored. Strict: an unknown key, a key given
 * twice (peer excepted), a bad value or a missing required key is refused
 * with "FILE:LINE: message", and nothing is started. Documentation/x0ttad.rst
 * lists the keys.
 */

#define XD_PATH_MAX		1024
#define XD_ADDR_MAX		64
#define XD_SPIFFE_MAX		2048
#define XD_TD_MAX		255
/* Terms and indexes of raft stop well below this; ids stay readable. */
#define XD_NODE_ID_MAX		(UINT64_MAX >> 2)
/* Raft's limit: every peer is a voter, and we are one too. */
#define XD_PEERS_MAX		(RAFT_MAX_NODES - 1)

struct xd_peer_cfg {
	uint64_t id;
	char addr[XD_ADDR_MAX];
	char spiffe_id[XD_SPIFFE_MAX];
};

struct xd_config {
	uint64_t node_id;
	char data_dir[XD_PATH_MAX];
	char listen[XD_ADDR_MAX];
	char control[XD_PATH_MAX];
	char svid[XD_PATH_MAX];
	char svid_key[XD_PATH_MAX];
	char bundle[XD_PATH_MAX];
	char trust_domain[XD_TD_MAX + 1];
	struct xd_peer_cfg peers[XD_PEERS_MAX];
	unsigned int n_peers;
	unsigned int raft_tick_ms;
	unsigned int election_ticks;
	unsigned int gossip_ms;
	unsigned int identity_check_ms;
	unsigned int snapshot_entries;
	enum crdt_fsync fsync;
	/*
	 * Start with an empty raft configuration, to be added to a running
	 * cluster (x0ttactl raft add): never campaign until a configuration
	 * entry makes this node a voter. Ignored once the log or a
	 * snapshot holds a configuration.
	 */
	bool join;
};

/*
 * Parse @text (@len bytes) read from @file. Returns 0, or -EINVAL with
 * "FILE:LINE: message" in @err.
 */
int xd_config_parse(struct xd_config *c, const char *file, const char *text,
		    size_t len, char *err, size_t errlen);
/*
 * 0 if @s is "IPV4:PORT" or "[IPV6]:PORT", numeric, shorter than
 * XD_ADDR_MAX, the port from 1 (from 0 if @port_zero_ok); else -EINVAL.
 */
int xd_addr_check(const char *s, bool port_zero_ok);
/* Read and parse @path; -errno from reading is reported in @err too. */
int xd_config_load(struct xd_config *c, const char *path, char *err,
		   size_t errlen);

#endif /* _X0TTA_XD_CONFIG_H */
