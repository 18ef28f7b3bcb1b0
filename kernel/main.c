// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * x0tta: multipath, fast failover and quarantine for batman-adv meshes,
 * without patching batman-adv.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "hardif.h"
#include "netlink.h"
#include "netns.h"

static int __init x0tta_init(void)
{
	int err;

	err = x0tta_netns_init();
	if (err)
		goto err_netns;
	/* Before the hooks: the datapath sends events on the family. */
	err = x0tta_netlink_init();
	if (err)
		goto err_netlink;
	err = x0tta_hardif_init();
	if (err)
		goto err_hardif;
	return 0;

err_hardif:
	x0tta_netlink_uninit();
err_netlink:
	x0tta_netns_uninit();
err_netns:
	return err;
}

static void __exit x0tta_exit(void)
{
	/* No frame, and so no event, once every interface is detached. */
	x0tta_hardif_uninit();
	x0tta_netlink_uninit();
	x0tta_netns_uninit();
	/* Path entries are freed by RCU callbacks in this module's text. */
	rcu_barrier();
}

module_init(x0tta_init);
module_exit(x0tta_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Self-healing, zero-trust datapath for batman-adv meshes");
MODULE_AUTHOR("The x0tta developers");
MODULE_VERSION(X0TTA_VERSION);
MODULE_ALIAS_GENL_FAMILY(X0TTA_GENL_NAME);
