// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the configuration entry decoder, which judges what
 * a leader (or a file) says the membership is. Anything it accepts must
 * be a configuration the core can act on, the change must agree with
 * it, and it must encode back to exactly the same bytes; and applying
 * the change to the configuration without it must be allowed and give
 * the same result whenever the change added or removed a node.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raft/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The configuration before an add or a removal of cc->id, if it has one. */
static bool fuzz_conf_before(const struct raft_conf_change *cc,
			     const struct raft_conf *after,
			     struct raft_conf *before)
{
	struct raft_conf_change undo = { .id = cc->id };

	/* A removal does not say whether the node was voter or learner. */
	if (cc->op == RAFT_CONF_REMOVE)
		return false;
	*before = *after;
	undo.op = RAFT_CONF_REMOVE;
	return !raft_conf_apply(before, &undo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[RAFT_CONF_ENTRY_MAX];
	struct raft_conf_change cc;
	struct raft_conf conf, before;

	if (raft_conf_entry_decode(data, size, &cc, &conf))
		return 0;
	if (!raft_conf_valid(&conf) || !conf.n_voters)
		abort();
	if (size > sizeof(again) ||
	    raft_conf_entry_encode(&cc, &conf, again) != size ||
	    memcmp(again, data, size))
		abort();
	if (fuzz_conf_before(&cc, &conf, &before)) {
		if (raft_conf_apply(&before, &cc) ||
		    !raft_conf_equal(&before, &conf))
			abort();
	}
	return 0;
}
