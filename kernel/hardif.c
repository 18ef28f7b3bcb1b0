// SPDX-License-Identifier: GPL-2.0
/*
 * Attach to the hard interfaces of batman-adv meshes without patching
 * batman-adv: a netdevice notifier watches interfaces being enslaved to
 * (and released from) a batadv interface, and x0tta puts netdev ingress
 * and egress netfilter hooks on each of them.
 */

#include <linux/if_ether.h>
#include <linux/netfilter_netdev.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/rtnetlink.h>
#include <linux/slab.h>

#include "fwd.h"
#include "hardif.h"
#include "holdq.h"
#include "neigh.h"
#include "netns.h"
#include "path.h"

/*
 * batman-adv exports no symbols; its rtnl_link_ops kind is the stable way
 * to recognise its mesh interfaces.
 */
static bool x0tta_hardif_is_mesh(const struct net_device *dev)
{
	return dev && dev->rtnl_link_ops &&
	       !strcmp(dev->rtnl_link_ops->kind, "batadv");
}

static struct x0tta_hardif *x0tta_hardif_find(struct x0tta_net *xn,
					      const struct net_device *dev)
{
	struct x0tta_hardif *hardif;

	ASSERT_RTNL();
	list_for_each_entry(hardif, &xn->hardifs, list)
		if (hardif->dev == dev)
			return hardif;
	return NULL;
}

static void x0tta_hardif_free(struct x0tta_hardif *hardif)
{
	free_percpu(hardif->counters);
	kfree(hardif);
}

static int x0tta_hardif_attach(struct net_device *dev)
{
	struct x0tta_net *xn = x0tta_net(dev_net(dev));
	struct x0tta_hardif *hardif;
	int err;

	ASSERT_RTNL();
	if (x0tta_hardif_find(xn, dev))
		return 0;

	hardif = kzalloc(sizeof(*hardif), GFP_KERNEL);
	if (!hardif)
		return -ENOMEM;
	hardif->counters = netdev_alloc_pcpu_stats(struct x0tta_counters);
	if (!hardif->counters) {
		err = -ENOMEM;
		goto err_free;
	}
	hardif->dev = dev;
	hardif->xn = xn;
	x0tta_neigh_table_init(&hardif->neighs);

	hardif->ops[X0TTA_DIR_RX] = (struct nf_hook_ops) {
		.hook = x0tta_fwd_ingress_hook,
		.pf = NFPROTO_NETDEV,
		.hooknum = NF_NETDEV_INGRESS,
		.dev = dev,
		.priv = hardif,
	};
	hardif->ops[X0TTA_DIR_TX] = (struct nf_hook_ops) {
		.hook = x0tta_fwd_egress_hook,
		.pf = NFPROTO_NETDEV,
		.hooknum = NF_NETDEV_EGRESS,
		.dev = dev,
		.priv = hardif,
	};
	err = nf_register_net_hooks(dev_net(dev), hardif->ops,
				    ARRAY_SIZE(hardif->ops));
	if (err)
		goto err_hooks;

	netdev_hold(dev, &hardif->dev_tracker, GFP_KERNEL);
	list_add_tail_rcu(&hardif->list, &xn->hardifs);
	xn->nr_hardifs++;
	x0tta_path_attach(xn, hardif);
	x0tta_neigh_start(xn);
	netdev_dbg(dev, "x0tta attached\n");
	return 0;

err_hooks:
	/*
	 * When the second hook fails, the first was live for a moment: a
	 * frame may still be in it, with @hardif as priv.
	 */
	synchronize_net();
err_free:
	x0tta_hardif_free(hardif);
	return err;
}

static void x0tta_hardif_detach(struct x0tta_net *xn,
				struct x0tta_hardif *hardif)
{
	ASSERT_RTNL();
	list_del_rcu(&hardif->list);
	xn->nr_hardifs--;
	x0tta_path_detach(xn, hardif);
	nf_unregister_net_hooks(xn->net, hardif->ops, ARRAY_SIZE(hardif->ops));

	/*
	 * Netfilter does not wait for hook calls in flight. Waiting here
	 * (expedited, since RTNL is held) makes the counters final before
	 * they are folded into the namespace totals, and makes it safe to
	 * free the hardif that the hooks use as priv.
	 */
	synchronize_net();
	x0tta_counters_fold(&xn->retired, hardif->counters);
	x0tta_holdq_purge_dev(xn, hardif->dev);
	x0tta_neigh_table_free(&hardif->neighs);
	netdev_dbg(hardif->dev, "x0tta detached\n");
	netdev_put(hardif->dev, &hardif->dev_tracker);
	x0tta_hardif_free(hardif);
}

static void x0tta_hardif_detach_dev(struct net_device *dev)
{
	struct x0tta_net *xn = x0tta_net(dev_net(dev));
	struct x0tta_hardif *hardif = x0tta_hardif_find(xn, dev);

	if (hardif)
		x0tta_hardif_detach(xn, hardif);
}

static void x0tta_hardif_attach_dev(struct net_device *dev)
{
	int err = x0tta_hardif_attach(dev);

	/* A notifier cannot refuse the enslavement; say why x0tta is absent. */
	if (err)
		netdev_warn(dev, "x0tta: cannot attach: %d\n", err);
}

static int x0tta_hardif_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netdev_notifier_changeupper_info *info;

	switch (event) {
	case NETDEV_REGISTER:
		/*
		 * Registering the notifier replays NETDEV_REGISTER for every
		 * existing device: this is how interfaces that were enslaved
		 * before the module was loaded are found.
		 */
		if (x0tta_hardif_is_mesh(netdev_master_upper_dev_get(dev)))
			x0tta_hardif_attach_dev(dev);
		break;
	case NETDEV_CHANGEUPPER:
		info = ptr;
		if (!info->master || !x0tta_hardif_is_mesh(info->upper_dev))
			break;
		if (info->linking)
			x0tta_hardif_attach_dev(dev);
		else
			x0tta_hardif_detach_dev(dev);
		break;
	case NETDEV_UNREGISTER:
		/* Must drop our reference, or unregistration never ends. */
		x0tta_hardif_detach_dev(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block x0tta_hardif_notifier = {
	.notifier_call = x0tta_hardif_event,
};

/**
 * x0tta_hardif_init() - start attaching to batman-adv hard interfaces
 *
 * Return: 0 or -errno.
 */
int x0tta_hardif_init(void)
{
	return register_netdevice_notifier(&x0tta_hardif_notifier);
}

/**
 * x0tta_hardif_uninit() - detach from every hard interface
 *
 * Unregistering the notifier replays NETDEV_UNREGISTER for every device,
 * which detaches them all.
 */
void x0tta_hardif_uninit(void)
{
	unregister_netdevice_notifier(&x0tta_hardif_notifier);
}
