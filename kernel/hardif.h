/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_HARDIF_H
#define _X0TTA_HARDIF_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>

#include "counters.h"
#include "neigh.h"

struct x0tta_net;

/**
 * struct x0tta_hardif - a hard interface enslaved to a batadv interface
 * @list: entry in &x0tta_net.hardifs
 * @xn: the namespace of @dev
 * @dev: the hard interface, held while attached
 * @dev_tracker: reference tracker of @dev
 * @ops: netdev ingress and egress hooks on @dev
 * @counters: per-CPU frame counters
 * @neighs: liveness of the neighbours on this link
 *
 * Attached and detached under RTNL. The hooks reach this structure
 * through their priv pointer, so it is freed only after every hook call
 * that could see it has returned.
 */
struct x0tta_hardif {
	struct list_head list;
	struct x0tta_net *xn;
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct nf_hook_ops ops[X0TTA_NR_DIRS];
	struct x0tta_counters __percpu *counters;
	struct x0tta_neigh_table neighs;
};

int x0tta_hardif_init(void);
void x0tta_hardif_uninit(void);

#endif /* _X0TTA_HARDIF_H */
