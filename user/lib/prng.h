/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_PRNG_H
#define _X0TTA_PRNG_H

#include <stdint.h>

/*
 * A small seeded PRNG (xoshiro256** seeded through splitmix64) for
 * deterministic simulations and property tests: the same seed gives the
 * same sequence on every machine, so a failing seed replays exactly.
 * Not for anything secret.
 */
struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
uint64_t prng_below(struct prng *r, uint64_t bound);
/* True with probability num/den. */
int prng_chance(struct prng *r, uint32_t num, uint32_t den);

#endif /* _X0TTA_PRNG_H */
