/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_COUNTERS_H
#define _X0TTA_COUNTERS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/batadv_packet.h>
#include <uapi/linux/x0tta.h>

/*
 * Slots of the per packet type counters: batman-adv 2022.3's types
 * 0x00..0x04 (routing, broadcast, coded) and 0x40..0x44 (unicast), and one
 * slot for anything else with the batman-adv ethertype.
 */
#define X0TTA_PTYPE_LOW_MAX	BATADV_OGM2
#define X0TTA_PTYPE_SLOT_OTHER	10
#define X0TTA_NR_PTYPE_SLOTS	11
#define X0TTA_NR_DIRS		2

/**
 * struct x0tta_counters - per-CPU frame counters of one hard interface
 * @frames: frames by direction and packet type slot
 * @bytes: bytes by direction and packet type slot
 * @syncp: makes the 64-bit counters readable on 32-bit machines
 */
struct x0tta_counters {
	u64_stats_t frames[X0TTA_NR_DIRS][X0TTA_NR_PTYPE_SLOTS];
	u64_stats_t bytes[X0TTA_NR_DIRS][X0TTA_NR_PTYPE_SLOTS];
	struct u64_stats_sync syncp;
};

/**
 * struct x0tta_counters_snap - counters summed over all CPUs
 * @frames: frames by direction and packet type slot
 * @bytes: bytes by direction and packet type slot
 */
struct x0tta_counters_snap {
	u64 frames[X0TTA_NR_DIRS][X0TTA_NR_PTYPE_SLOTS];
	u64 bytes[X0TTA_NR_DIRS][X0TTA_NR_PTYPE_SLOTS];
};

/* Map a batman-adv packet type to its counter slot; hot path. */
static inline unsigned int x0tta_ptype_slot(u8 ptype)
{
	if (ptype <= X0TTA_PTYPE_LOW_MAX)
		return ptype;
	if (ptype >= BATADV_UNICAST && ptype <= BATADV_UNICAST_TVLV)
		return ptype - BATADV_UNICAST + X0TTA_PTYPE_LOW_MAX + 1;
	return X0TTA_PTYPE_SLOT_OTHER;
}

/* Inverse of x0tta_ptype_slot(), for reporting. */
static inline u8 x0tta_slot_ptype(unsigned int slot)
{
	if (slot <= X0TTA_PTYPE_LOW_MAX)
		return slot;
	if (slot < X0TTA_PTYPE_SLOT_OTHER)
		return slot - (X0TTA_PTYPE_LOW_MAX + 1) + BATADV_UNICAST;
	return X0TTA_PTYPE_OTHER;
}

static inline void x0tta_counters_add(struct x0tta_counters __percpu *pcpu,
				      enum x0tta_dir dir, u8 ptype,
				      unsigned int len)
{
	struct x0tta_counters *c = this_cpu_ptr(pcpu);
	unsigned int slot = x0tta_ptype_slot(ptype);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->frames[dir][slot]);
	u64_stats_add(&c->bytes[dir][slot], len);
	u64_stats_update_end(&c->syncp);
}

void x0tta_counters_fold(struct x0tta_counters_snap *sum,
			 struct x0tta_counters __percpu *pcpu);

#endif /* _X0TTA_COUNTERS_H */
