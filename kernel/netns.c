// SPDX-License-Identifier: GPL-2.0
#include <linux/netdevice.h>

#include "neigh.h"
#include "netns.h"

unsigned int x0tta_net_id __read_mostly;

static int __net_init x0tta_netns_net_init(struct net *net)
{
	struct x0tta_net *xn = x0tta_net(net);

	xn->stats = netdev_alloc_pcpu_stats(struct x0tta_net_stats);
	if (!xn->stats)
		return -ENOMEM;
	xn->net = net;
	INIT_LIST_HEAD(&xn->hardifs);
	mutex_init(&xn->config_lock);
	xn->config = (struct x0tta_config) {
		.echo_interval_ms = X0TTA_ECHO_INTERVAL_MS_DEFAULT,
		.detect_mult = X0TTA_DETECT_MULT_DEFAULT,
		.holdq_limit = X0TTA_HOLDQ_LIMIT_DEFAULT,
		.holdq_timeout_ms = X0TTA_HOLDQ_TIMEOUT_MS_DEFAULT,
		.multipath = X0TTA_MULTIPATH_DEFAULT,
		.echo_fast_ms = X0TTA_ECHO_FAST_MS_DEFAULT,
	};
	x0tta_path_net_init(xn);
	x0tta_holdq_net_init(xn);
	x0tta_quarantine_net_init(xn);
	x0tta_neigh_net_init(xn);
	return 0;
}

static void __net_exit x0tta_netns_net_exit(struct net *net)
{
	struct x0tta_net *xn = x0tta_net(net);

	/*
	 * Devices of a dying namespace are unregistered (and so detached)
	 * before pernet subsystems exit, and module unload detaches all
	 * interfaces before this runs.
	 */
	WARN_ON_ONCE(!list_empty(&xn->hardifs));
	x0tta_neigh_net_exit(xn);
	x0tta_holdq_net_exit(xn);
	x0tta_path_net_exit(xn);
	x0tta_quarantine_net_exit(xn);
	mutex_destroy(&xn->config_lock);
	free_percpu(xn->stats);
}

/**
 * x0tta_net_rerouted() - frames of a namespace sent to another next hop
 * @xn: the namespace
 *
 * Return: the sum over all CPUs.
 */
u64 x0tta_net_rerouted(struct x0tta_net *xn)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct x0tta_net_stats *s = per_cpu_ptr(xn->stats, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = u64_stats_read(&s->rerouted);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum += v;
	}
	return sum;
}

static struct pernet_operations x0tta_netns_ops = {
	.init = x0tta_netns_net_init,
	.exit = x0tta_netns_net_exit,
	.id = &x0tta_net_id,
	.size = sizeof(struct x0tta_net),
};

/**
 * x0tta_netns_init() - set up per-namespace state in every namespace
 *
 * Return: 0 or -errno.
 */
int x0tta_netns_init(void)
{
	return register_pernet_subsys(&x0tta_netns_ops);
}

/**
 * x0tta_netns_uninit() - free the per-namespace state
 */
void x0tta_netns_uninit(void)
{
	unregister_pernet_subsys(&x0tta_netns_ops);
}
