// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "crdt/hlc.h"

/* Physical times past 2^48 ms (year 10889) saturate rather than wrap. */
static uint64_t crdt_hlc_from_ms(uint64_t ms)
{
	const uint64_t max_ms = UINT64_MAX >> CRDT_HLC_LOGICAL_BITS;

	return (ms > max_ms ? max_ms : ms) << CRDT_HLC_LOGICAL_BITS;
}

void crdt_hlc_init(struct crdt_hlc *c, uint64_t max_drift_ms)
{
	c->last = 0;
	c->max_drift_ms = max_drift_ms;
}

uint64_t crdt_hlc_now(struct crdt_hlc *c, uint64_t phys_ms)
{
	uint64_t phys = crdt_hlc_from_ms(phys_ms);

	c->last = phys > c->last ? phys : c->last + 1;
	return c->last;
}

int crdt_hlc_check(const struct crdt_hlc *c, uint64_t ts, uint64_t phys_ms)
{
	uint64_t limit_ms = phys_ms + c->max_drift_ms;

	if (limit_ms < phys_ms)
		return 0;
	return crdt_hlc_ms(ts) > limit_ms ? -ERANGE : 0;
}

int crdt_hlc_observe(struct crdt_hlc *c, uint64_t ts, uint64_t phys_ms)
{
	int err = crdt_hlc_check(c, ts, phys_ms);

	if (err)
		return err;
	if (ts > c->last)
		c->last = ts;
	return 0;
}
