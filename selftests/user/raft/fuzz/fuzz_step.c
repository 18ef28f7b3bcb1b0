// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile peer talking to a node. The input is a
 * script of frames (u16 length, then the frame), ticks (length 0) and
 * membership changes (length 1: op = byte & 3, id = byte >> 2); every
 * frame the decoder accepts is stepped into node 1 of a 3-node cluster
 * (or, when the first byte has bit 1 set, a node joining with no
 * configuration), and every ready is taken and acknowledged. Whatever
 * the peer says, the node must keep its own invariants: the term never
 * goes back, the commit index never passes the log or goes back, one
 * vote per term, a configuration that makes sense, and no campaign
 * outside it unless its own removal is uncommitted.
 */
#include <stdint.h>
#include <stdlib.h>

#include "raft/conf.h"
#include "raft/msg.h"
#include "raft/raft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(struct raft *r, struct raft_status *prev)
{
	struct raft_status st;
	struct raft_conf conf;

	raft_status(r, &st);
	if (st.term < prev->term || st.commit < prev->commit ||
	    st.commit > st.last_index || st.applied > st.commit)
		abort();
	if (st.term == prev->term && prev->vote && st.vote != prev->vote)
		abort();
	raft_conf(r, &conf);
	if (!raft_conf_valid(&conf) || st.voter != raft_conf_is_voter(&conf, 1))
		abort();
	if (st.role != RAFT_FOLLOWER && !st.voter && st.conf_index <= st.commit)
		abort();
	*prev = st;
}

static void fuzz_drain(struct raft *r)
{
	struct raft_ready rd;

	while (raft_has_ready(r)) {
		raft_ready(r, &rd);
		raft_advance(r, &rd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raft_status prev = { 0 };
	struct raft_config cfg;
	struct raft *r;
	size_t off = 0;

	raft_config_default(&cfg);
	cfg.id = 1;
	cfg.n_voters = size && data[0] & 2 ? 0 : 3;
	for (int i = 0; i < 3; i++)
		cfg.voters[i] = i + 1;
	if (raft_new(&cfg, NULL, NULL, 0, &r))
		abort();
	/* Become leader now and then, so leader paths are reached too. */
	if (size && data[0] & 1)
		raft_campaign(r);
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;
		struct raft_msg m;

		off += 2;
		if (len > size - off)
			break;
		if (!len) {
			raft_tick(r);
		} else if (len == 1) {
			struct raft_conf_change cc = {
				.op = data[off] & 3, .id = data[off] >> 2,
			};

			raft_propose_conf_change(r, &cc, NULL, NULL);
		} else if (!raft_msg_decode(data + off, len, &m)) {
			raft_step(r, &m);
			raft_msg_release(&m);
		}
		off += len;
		fuzz_drain(r);
		fuzz_check(r, &prev);
	}
	raft_free(r);
	return 0;
}
