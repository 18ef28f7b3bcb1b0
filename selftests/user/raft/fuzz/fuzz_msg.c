// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the peer message decoder, the first code to touch
 * bytes from the network. Besides memory safety it checks the decoder's
 * promise of canonical frames: anything accepted encodes back to exactly
 * the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "raft/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raft_msg m;
	uint8_t *again;

	if (raft_msg_decode(data, size, &m)) {
		/* A refusal leaves nothing behind to free or to misuse. */
		if (m.entries || m.n_entries || m.type)
			abort();
		return 0;
	}
	again = malloc(size);
	if (!again)
		abort();
	if (raft_msg_encode(&m, again, size) != (ssize_t)size ||
	    memcmp(again, data, size))
		abort();
	free(again);
	raft_msg_release(&m);
	return 0;
}
