/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_HLC_H
#define _X0TTA_HLC_H

#include <stdint.h>

/*
 * Hybrid logical clock. A timestamp is one u64: physical milliseconds in
 * the high 48 bits, a logical counter in the low 16. Plain integer order is
 * then timestamp order, and "one tick later" is simply +1: when the logical
 * half overflows it carries into the physical half, which only runs the
 * clock a millisecond ahead instead of failing.
 *
 * The clock is pure: callers pass the physical time, so a simulator drives
 * it with virtual time.
 */
#define CRDT_HLC_LOGICAL_BITS	16

struct crdt_hlc {
	uint64_t last;		/* highest timestamp issued or observed */
	uint64_t max_drift_ms;	/* how far ahead a peer's clock may be */
};

void crdt_hlc_init(struct crdt_hlc *c, uint64_t max_drift_ms);
/* A timestamp greater than every one issued or observed so far. */
uint64_t crdt_hlc_now(struct crdt_hlc *c, uint64_t phys_ms);
/*
 * Is @ts acceptable from a peer at physical time @phys_ms? A timestamp
 * further ahead than max_drift_ms would drag every later local write into
 * the future with it (and win every LWW conflict), so it is refused.
 */
int crdt_hlc_check(const struct crdt_hlc *c, uint64_t ts, uint64_t phys_ms);
/* Record a peer's timestamp: -ERANGE, and no change, if it is refused. */
int crdt_hlc_observe(struct crdt_hlc *c, uint64_t ts, uint64_t phys_ms);

static inline uint64_t crdt_hlc_ms(uint64_t ts)
{
	return ts >> CRDT_HLC_LOGICAL_BITS;
}

#endif /* _X0TTA_HLC_H */
