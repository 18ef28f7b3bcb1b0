/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_MAC_H
#define _X0TTA_MAC_H

#include <linux/types.h>
#include <asm/unaligned.h>

/**
 * x0tta_mac_key() - hash table key of a MAC address
 * @addr: the address
 *
 * x0tta's tables (paths, neighbours, quarantine, hold queue) are keyed by
 * MAC address, and the first two are looked up for every data frame.
 * ether_addr_to_u64() assembles its value a byte at a time; two loads do
 * for a key, since the table's hash mixes it and a hit compares the
 * whole address.
 *
 * Return: the key.
 */
static inline u32 x0tta_mac_key(const u8 *addr)
{
	return get_unaligned((const u32 *)addr) ^
	       get_unaligned((const u16 *)(addr + 4));
}

#endif /* _X0TTA_MAC_H */
