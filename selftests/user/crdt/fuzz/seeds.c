// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpus for the CRDT fuzzers, from real encodings: node 1's deltas
 * and full state into DIR/join/, and the anti-entropy messages it sends
 * node 2 (digest, deltas, full state) into DIR/ae/.
 * Usage: seeds DIR (both subdirectories must exist).
 */
#include <stdio.h>
#include <stdlib.h>

#include "replica.h"

static const char *seeds_dir;
static int seeds_err;

static void seeds_write(const char *sub, const char *what, const uint8_t *p,
			size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", seeds_dir, sub, what);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, len, f) != len)
		seeds_err = 1;
	if (f && fclose(f))
		seeds_err = 1;
}

static void seeds_delta(void *ctx, const char *what, const struct crdt_buf *d)
{
	seeds_write("join", what, d->data, d->len);
}

/* Name each message the sender sends after its kind. */
static void seeds_send(void *ctx, uint64_t peer, const uint8_t *msg,
		       size_t len)
{
	static const char *const kind[] = { "bad", "digest", "deltas", "full" };

	seeds_write("ae", kind[msg[0] <= CRDT_AE_FULL ? msg[0] : 0], msg, len);
}

int main(int argc, char **argv)
{
	struct crdt_store s;
	struct crdt_ae ae;
	struct crdt_buf b;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	seeds_dir = argv[1];
	if (fuzz_replica_init(&s, &ae, FUZZ_SENDER, FUZZ_RECEIVER, seeds_send,
			      NULL) ||
	    fuzz_replica_write(&s, &ae, seeds_delta, NULL))
		return 1;
	/* Six deltas, a log of four: the receiver needs the full state. */
	crdt_ae_connected(&ae, FUZZ_RECEIVER);
	crdt_ae_tick(&ae, FUZZ_NOW);
	/* Once it has the first two, the newest four deltas will do. */
	crdt_buf_init(&b);
	crdt_put_u8(&b, CRDT_AE_DIGEST);
	crdt_put_u32(&b, 1);
	crdt_put_u64(&b, FUZZ_SENDER);
	crdt_put_u64(&b, 2);
	if (b.err || crdt_ae_receive(&ae, FUZZ_RECEIVER, b.data, b.len, FUZZ_NOW))
		seeds_err = 1;
	crdt_buf_free(&b);
	fuzz_encode(&b, &s);
	seeds_write("join", "state", b.data, b.len);
	crdt_buf_free(&b);
	crdt_ae_free(&ae);
	crdt_store_free(&s);
	return seeds_err;
}
