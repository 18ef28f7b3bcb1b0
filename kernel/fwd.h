/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_FWD_H
#define _X0TTA_FWD_H

#include <linux/types.h>

struct nf_hook_state;
struct sk_buff;

unsigned int x0tta_fwd_ingress_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state);
unsigned int x0tta_fwd_egress_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state);

#endif /* _X0TTA_FWD_H */
