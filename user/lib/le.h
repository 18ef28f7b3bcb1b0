/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_LE_H
#define _X0TTA_LE_H

#include <stdint.h>

/*
 * Little-endian integers at any alignment, for the on-disk and on-wire
 * encodings (raft segments and configurations, x0ttad's snapshots and
 * control frames): byte by byte, so neither the host's byte order nor
 * the buffer's alignment matters.
 */
static inline void le_put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void le_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void le_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static inline uint16_t le_get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static inline uint32_t le_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t le_get64(const uint8_t *p)
{
	return le_get32(p) | (uint64_t)le_get32(p + 4) << 32;
}

#endif /* _X0TTA_LE_H */
