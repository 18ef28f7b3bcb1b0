// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: an anti-entropy message from an authenticated peer,
 * through crdt_ae_receive. Besides memory safety it checks what ae.h
 * promises: a refused message leaves the store and the version vector
 * exactly as they were; an accepted one delivered twice (duplication on
 * the mesh is normal) changes nothing the second time.
 */
#include <stdint.h>
#include <stdlib.h>

#include "replica.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Answers are not delivered anywhere: only the receiver is under test. */
static void fuzz_drop(void *ctx, uint64_t peer, const uint8_t *msg, size_t len)
{
}

/* Store, then vector: everything a message may change. */
static void fuzz_snapshot(struct crdt_buf *b, const struct crdt_ae *ae)
{
	fuzz_encode(b, ae->store);
	for (uint32_t i = 0; i < ae->nvv; i++) {
		crdt_put_u64(b, ae->vv[i].node);
		crdt_put_u64(b, ae->vv[i].counter);
	}
	if (b->err)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crdt_buf before, once, twice;
	struct crdt_store s;
	struct crdt_ae ae;
	int err;

	if (fuzz_replica_init(&s, &ae, FUZZ_RECEIVER, FUZZ_SENDER, fuzz_drop,
			      NULL) ||
	    fuzz_replica_write(&s, &ae, NULL, NULL))
		abort();
	fuzz_snapshot(&before, &ae);
	err = crdt_ae_receive(&ae, FUZZ_SENDER, data, size, FUZZ_NOW);
	fuzz_snapshot(&once, &ae);
	if (err) {
		fuzz_expect_same(&before, &once);
		goto out;
	}
	if (crdt_ae_receive(&ae, FUZZ_SENDER, data, size, FUZZ_NOW))
		abort();
	fuzz_snapshot(&twice, &ae);
	fuzz_expect_same(&once, &twice);
	crdt_buf_free(&twice);
out:
	crdt_buf_free(&before);
	crdt_buf_free(&once);
	crdt_ae_free(&ae);
	crdt_store_free(&s);
	return 0;
}
