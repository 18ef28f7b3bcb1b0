/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_FWD_H
#define _X0TTA_FWD_H

#include <linux/types.h>

struct sk_buff;
struct x0tta_hardif;

unsigned int x0tta_fwd_egress(struct x0tta_hardif *hardif, struct sk_buff *skb,
			      int *ptype);
unsigned int x0tta_fwd_ingress(struct x0tta_hardif *hardif, struct sk_buff *skb,
			       u8 ptype);
unsigned int x0tta_fwd_ingress_other(struct x0tta_hardif *hardif,
				     struct sk_buff *skb);

#endif /* _X0TTA_FWD_H */
