// SPDX-License-Identifier: GPL-2.0
#include "counters.h"

/**
 * x0tta_counters_fold() - add per-CPU counters to a snapshot
 * @sum: snapshot to add to
 * @pcpu: per-CPU counters to read
 *
 * Readers may run concurrently with the datapath: each CPU's counters are
 * read as a consistent set through their u64_stats_sync.
 */
void x0tta_counters_fold(struct x0tta_counters_snap *sum,
			 struct x0tta_counters __percpu *pcpu)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct x0tta_counters *c = per_cpu_ptr(pcpu, cpu);
		struct x0tta_counters_snap one;
		unsigned int start, d, s;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (d = 0; d < X0TTA_NR_DIRS; d++) {
				for (s = 0; s < X0TTA_NR_PTYPE_SLOTS; s++) {
					one.frames[d][s] = u64_stats_read(&c->frames[d][s]);
					one.bytes[d][s] = u64_stats_read(&c->bytes[d][s]);
				}
			}
		} while (u64_stats_fetch_retry(&c->syncp, start));

		for (d = 0; d < X0TTA_NR_DIRS; d++) {
			for (s = 0; s < X0TTA_NR_PTYPE_SLOTS; s++) {
				sum->frames[d][s] += one.frames[d][s];
				sum->bytes[d][s] += one.bytes[d][s];
			}
		}
	}
}
