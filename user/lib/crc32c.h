/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CRC32C_H
#define _X0TTA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC32C (Castagnoli), as used for on-disk records. Start with crc = 0 and
 * feed the result back in to checksum data in pieces:
 * crc32c(crc32c(0, a, n), b, m) == crc32c(0, a || b, n + m).
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* _X0TTA_CRC32C_H */
