/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_NETLINK_H
#define _X0TTA_NETLINK_H

int x0tta_netlink_init(void);
void x0tta_netlink_uninit(void);

#endif /* _X0TTA_NETLINK_H */
