/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_NETLINK_H
#define _X0TTA_NETLINK_H

#include <linux/types.h>

struct net_device;
struct x0tta_net;

int x0tta_netlink_init(void);
void x0tta_netlink_uninit(void);
void x0tta_netlink_neigh_event(struct x0tta_net *xn, struct net_device *dev,
			       const u8 *addr, u8 state);
void x0tta_netlink_route_needed(struct x0tta_net *xn, const u8 *orig);

#endif /* _X0TTA_NETLINK_H */
