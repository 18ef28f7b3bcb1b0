// SPDX-License-Identifier: GPL-2.0
#include <linux/netdevice.h>
#include <linux/slab.h>

#include "neigh.h"
#include "netns.h"

unsigned int x0tta_net_id __read_mostly;

/*
 * struct x0tta_net is close to 4 KB. Left to the netns core (pernet
 * .size), it would be kzalloc()ed from kmalloc-4k, the cache the head of
 * every full-sized data frame comes from. A few objects that live as long
 * as their namespace keep slabs of that cache partly used for good, and
 * with more partial slabs than it keeps, SLUB gives slabs that the
 * traffic empties back to the page allocator and allocates (and, with
 * init_on_alloc, clears) new ones soon after: 3% more instructions per
 * byte forwarded in the overhead benchmark, with the module loaded and
 * no hook at all. The namespace state gets a cache of its own instead.
 */
static struct kmem_cache *x0tta_net_cache __read_mostly;

static int __net_init x0tta_netns_net_init(struct net *net)
{
	struct x0tta_net **slot = net_generic(net, x0tta_net_id);
	struct x0tta_net *xn;

	xn = kmem_cache_zalloc(x0tta_net_cache, GFP_KERNEL);
	if (!xn)
		return -ENOMEM;
	xn->stats = netdev_alloc_pcpu_stats(struct x0tta_net_stats);
	if (!xn->stats) {
		kmem_cache_free(x0tta_net_cache, xn);
		return -ENOMEM;
	}
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
	*slot = xn;
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
	kmem_cache_free(x0tta_net_cache, xn);
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
	.size = sizeof(struct x0tta_net *),
};

/**
 * x0tta_netns_init() - set up per-namespace state in every namespace
 *
 * Return: 0 or -errno.
 */
int x0tta_netns_init(void)
{
	int err;

	x0tta_net_cache = KMEM_CACHE(x0tta_net, 0);
	if (!x0tta_net_cache)
		return -ENOMEM;
	err = register_pernet_subsys(&x0tta_netns_ops);
	if (err)
		kmem_cache_destroy(x0tta_net_cache);
	return err;
}

/**
 * x0tta_netns_uninit() - free the per-namespace state
 */
void x0tta_netns_uninit(void)
{
	unregister_pernet_subsys(&x0tta_netns_ops);
	kmem_cache_destroy(x0tta_net_cache);
}
