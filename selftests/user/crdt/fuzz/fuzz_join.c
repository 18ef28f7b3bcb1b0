// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a store state or delta from a peer, through
 * crdt_store_check and crdt_store_join. Besides memory safety it checks
 * what store.h promises:
 *   - check and join agree on every message;
 *   - a refused message leaves the store byte-for-byte as it was;
 *   - an accepted one is idempotent (joining it again changes nothing)
 *     and leaves a canonical state that reloads to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "replica.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a restart would read back from a snapshot of @s. */
static void fuzz_expect_reloads(const struct crdt_buf *state)
{
	struct crdt_store again;
	struct crdt_buf b;

	if (crdt_store_init(&again, FUZZ_RECEIVER, FUZZ_DRIFT_MS) ||
	    crdt_store_load(&again, state->data, state->len))
		abort();
	fuzz_encode(&b, &again);
	fuzz_expect_same(state, &b);
	crdt_buf_free(&b);
	crdt_store_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crdt_buf before, once, twice;
	struct crdt_store s;
	int checked, err;

	if (fuzz_replica_init(&s, NULL, FUZZ_RECEIVER, 0, NULL, NULL) ||
	    fuzz_replica_write(&s, NULL, NULL, NULL))
		abort();
	fuzz_encode(&before, &s);
	checked = crdt_store_check(&s, data, size, FUZZ_NOW);
	err = crdt_store_join(&s, data, size, FUZZ_NOW);
	if (err != checked)
		abort();
	fuzz_encode(&once, &s);
	if (err) {
		fuzz_expect_same(&before, &once);
		goto out;
	}
	if (crdt_store_join(&s, data, size, FUZZ_NOW))
		abort();
	fuzz_encode(&twice, &s);
	fuzz_expect_same(&once, &twice);
	crdt_buf_free(&twice);
	fuzz_expect_reloads(&once);
out:
	crdt_buf_free(&before);
	crdt_buf_free(&once);
	crdt_store_free(&s);
	return 0;
}
