// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "x0tta": the controller's and x0ttactl's view of
 * the module. Documentation/netlink/specs/x0tta.yaml describes it.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "hardif.h"
#include "netlink.h"
#include "netns.h"

static struct netlink_range_validation x0tta_echo_interval_range = {
	.min = X0TTA_ECHO_INTERVAL_MS_MIN,
	.max = X0TTA_ECHO_INTERVAL_MS_MAX,
};

static struct netlink_range_validation x0tta_detect_mult_range = {
	.min = X0TTA_DETECT_MULT_MIN,
	.max = X0TTA_DETECT_MULT_MAX,
};

static struct netlink_range_validation x0tta_holdq_limit_range = {
	.min = X0TTA_HOLDQ_LIMIT_MIN,
	.max = X0TTA_HOLDQ_LIMIT_MAX,
};

static struct netlink_range_validation x0tta_holdq_timeout_range = {
	.min = X0TTA_HOLDQ_TIMEOUT_MS_MIN,
	.max = X0TTA_HOLDQ_TIMEOUT_MS_MAX,
};

static const struct nla_policy x0tta_config_policy[X0TTA_CONFIG_A_MAX + 1] = {
	[X0TTA_CONFIG_A_ECHO_INTERVAL_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &x0tta_echo_interval_range),
	[X0TTA_CONFIG_A_DETECT_MULT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &x0tta_detect_mult_range),
	[X0TTA_CONFIG_A_HOLDQ_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &x0tta_holdq_limit_range),
	[X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &x0tta_holdq_timeout_range),
	[X0TTA_CONFIG_A_MULTIPATH] = NLA_POLICY_MAX(NLA_U8, 1),
};

/*
 * Only attributes a request may carry are in the policy; with strict
 * validation anything else is refused before a handler runs.
 */
static const struct nla_policy x0tta_policy[X0TTA_A_MAX + 1] = {
	[X0TTA_A_CONFIG] = NLA_POLICY_NESTED(x0tta_config_policy),
};

static struct genl_family x0tta_genl_family;

static void *x0tta_genl_put(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_put_reply(skb, info, &x0tta_genl_family, 0, info->genlhdr->cmd);
}

static int x0tta_genl_reply(struct genl_info *info,
			    int (*fill)(struct sk_buff *skb, struct genl_info *info))
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = x0tta_genl_put(skb, info);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = fill(skb, info);
	if (err)
		goto err_free;
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);

err_free:
	nlmsg_free(skb);
	return err;
}

static int x0tta_fill_version(struct sk_buff *skb, struct genl_info *info)
{
	if (nla_put_string(skb, X0TTA_A_VERSION, X0TTA_VERSION) ||
	    nla_put_u32(skb, X0TTA_A_GENL_VERSION, X0TTA_GENL_VERSION))
		return -EMSGSIZE;
	return 0;
}

static int x0tta_nl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	return x0tta_genl_reply(info, x0tta_fill_version);
}

static int x0tta_fill_config(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_net *xn = x0tta_net(genl_info_net(info));
	struct x0tta_config cfg;
	struct nlattr *nest;

	mutex_lock(&xn->config_lock);
	cfg = xn->config;
	mutex_unlock(&xn->config_lock);

	nest = nla_nest_start(skb, X0TTA_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, X0TTA_CONFIG_A_ECHO_INTERVAL_MS, cfg.echo_interval_ms) ||
	    nla_put_u32(skb, X0TTA_CONFIG_A_DETECT_MULT, cfg.detect_mult) ||
	    nla_put_u32(skb, X0TTA_CONFIG_A_HOLDQ_LIMIT, cfg.holdq_limit) ||
	    nla_put_u32(skb, X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS, cfg.holdq_timeout_ms) ||
	    nla_put_u8(skb, X0TTA_CONFIG_A_MULTIPATH, cfg.multipath)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int x0tta_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return x0tta_genl_reply(info, x0tta_fill_config);
}

static void x0tta_config_set_u32(u32 *field, const struct nlattr *attr)
{
	if (attr)
		WRITE_ONCE(*field, nla_get_u32(attr));
}

static int x0tta_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_net *xn = x0tta_net(genl_info_net(info));
	struct nlattr *tb[X0TTA_CONFIG_A_MAX + 1];
	struct x0tta_config *cfg = &xn->config;
	int err, i;

	if (GENL_REQ_ATTR_CHECK(info, X0TTA_A_CONFIG))
		return -EINVAL;
	/* The policy has already checked every value; this cannot fail. */
	err = nla_parse_nested(tb, X0TTA_CONFIG_A_MAX, info->attrs[X0TTA_A_CONFIG],
			       x0tta_config_policy, info->extack);
	if (err)
		return err;
	for (i = 1; i <= X0TTA_CONFIG_A_MAX && !tb[i]; i++)
		;
	if (i > X0TTA_CONFIG_A_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[X0TTA_A_CONFIG],
				    "no configuration attribute given");
		return -EINVAL;
	}

	mutex_lock(&xn->config_lock);
	x0tta_config_set_u32(&cfg->echo_interval_ms,
			     tb[X0TTA_CONFIG_A_ECHO_INTERVAL_MS]);
	x0tta_config_set_u32(&cfg->detect_mult, tb[X0TTA_CONFIG_A_DETECT_MULT]);
	x0tta_config_set_u32(&cfg->holdq_limit, tb[X0TTA_CONFIG_A_HOLDQ_LIMIT]);
	x0tta_config_set_u32(&cfg->holdq_timeout_ms,
			     tb[X0TTA_CONFIG_A_HOLDQ_TIMEOUT_MS]);
	if (tb[X0TTA_CONFIG_A_MULTIPATH])
		WRITE_ONCE(cfg->multipath, nla_get_u8(tb[X0TTA_CONFIG_A_MULTIPATH]));
	mutex_unlock(&xn->config_lock);
	return 0;
}

/* Only counters that have seen a frame are sent, to keep dumps small. */
static int x0tta_put_counters(struct sk_buff *skb,
			      const struct x0tta_counters_snap *snap)
{
	unsigned int d, s;

	for (d = 0; d < X0TTA_NR_DIRS; d++) {
		for (s = 0; s < X0TTA_NR_PTYPE_SLOTS; s++) {
			struct nlattr *nest;

			if (!snap->frames[d][s])
				continue;
			nest = nla_nest_start(skb, X0TTA_STATS_A_COUNTER);
			if (!nest)
				return -EMSGSIZE;
			if (nla_put_u8(skb, X0TTA_COUNTER_A_DIR, d) ||
			    nla_put_u8(skb, X0TTA_COUNTER_A_PTYPE, x0tta_slot_ptype(s)) ||
			    nla_put_u64_64bit(skb, X0TTA_COUNTER_A_FRAMES,
					      snap->frames[d][s], X0TTA_COUNTER_A_PAD) ||
			    nla_put_u64_64bit(skb, X0TTA_COUNTER_A_BYTES,
					      snap->bytes[d][s], X0TTA_COUNTER_A_PAD)) {
				nla_nest_cancel(skb, nest);
				return -EMSGSIZE;
			}
			nla_nest_end(skb, nest);
		}
	}
	return 0;
}

static int x0tta_fill_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_net *xn = x0tta_net(genl_info_net(info));
	struct x0tta_counters_snap *snap;
	struct x0tta_hardif *hardif;
	struct nlattr *nest;
	unsigned int nr;
	int err;

	/* Too big for the stack of a netlink handler. */
	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;

	/* RTNL keeps interfaces from moving into @retired while we sum. */
	rtnl_lock();
	*snap = xn->retired;
	list_for_each_entry(hardif, &xn->hardifs, list)
		x0tta_counters_fold(snap, hardif->counters);
	nr = xn->nr_hardifs;
	rtnl_unlock();

	err = -EMSGSIZE;
	nest = nla_nest_start(skb, X0TTA_A_STATS);
	if (!nest)
		goto out;
	if (nla_put_u32(skb, X0TTA_STATS_A_IFACES, nr))
		goto out_cancel;
	err = x0tta_put_counters(skb, snap);
	if (err)
		goto out_cancel;
	nla_nest_end(skb, nest);
	goto out;

out_cancel:
	nla_nest_cancel(skb, nest);
out:
	kfree(snap);
	return err;
}

static int x0tta_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	return x0tta_genl_reply(info, x0tta_fill_stats);
}

static int x0tta_fill_iface(struct sk_buff *skb,
			    const struct x0tta_hardif *hardif,
			    struct x0tta_counters_snap *snap)
{
	struct net_device *mesh = netdev_master_upper_dev_get(hardif->dev);
	struct nlattr *nest, *stats;

	nest = nla_nest_start(skb, X0TTA_A_IFACE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, X0TTA_IFACE_A_IFINDEX, hardif->dev->ifindex) ||
	    nla_put_string(skb, X0TTA_IFACE_A_IFNAME, hardif->dev->name))
		goto err_cancel;
	if (mesh &&
	    (nla_put_u32(skb, X0TTA_IFACE_A_MESH_IFINDEX, mesh->ifindex) ||
	     nla_put_string(skb, X0TTA_IFACE_A_MESH_IFNAME, mesh->name)))
		goto err_cancel;

	stats = nla_nest_start(skb, X0TTA_IFACE_A_STATS);
	if (!stats)
		goto err_cancel;
	memset(snap, 0, sizeof(*snap));
	x0tta_counters_fold(snap, hardif->counters);
	if (x0tta_put_counters(skb, snap))
		goto err_cancel;
	nla_nest_end(skb, stats);
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * One message per interface; cb->args[0] counts the interfaces already
 * sent, so a dump that fills its buffer resumes where it stopped.
 */
static int x0tta_nl_dump_iface(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct x0tta_net *xn = x0tta_net(sock_net(cb->skb->sk));
	struct x0tta_counters_snap *snap;
	struct x0tta_hardif *hardif;
	long idx = 0, start = cb->args[0];
	int err = 0;

	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;

	rtnl_lock();
	list_for_each_entry(hardif, &xn->hardifs, list) {
		void *hdr;

		if (idx++ < start)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &x0tta_genl_family,
				  NLM_F_MULTI, X0TTA_CMD_GET_IFACE);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = x0tta_fill_iface(skb, hardif, snap);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	rtnl_unlock();
	kfree(snap);

	/* A full buffer is not an error: netlink calls us again. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_small_ops x0tta_genl_ops[] = {
	{
		.cmd = X0TTA_CMD_GET_VERSION,
		.doit = x0tta_nl_get_version,
	},
	{
		.cmd = X0TTA_CMD_GET_CONFIG,
		.doit = x0tta_nl_get_config,
	},
	{
		.cmd = X0TTA_CMD_SET_CONFIG,
		.doit = x0tta_nl_set_config,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_GET_IFACE,
		.dumpit = x0tta_nl_dump_iface,
	},
	{
		.cmd = X0TTA_CMD_GET_STATS,
		.doit = x0tta_nl_get_stats,
	},
};

static struct genl_family x0tta_genl_family __ro_after_init = {
	.name = X0TTA_GENL_NAME,
	.version = X0TTA_GENL_VERSION,
	.maxattr = X0TTA_A_MAX,
	.policy = x0tta_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = x0tta_genl_ops,
	.n_small_ops = ARRAY_SIZE(x0tta_genl_ops),
	/* Strict checks of the reserved header fields for every command. */
	.resv_start_op = X0TTA_CMD_MAX + 1,
};

/**
 * x0tta_netlink_init() - register the generic netlink family
 *
 * Return: 0 or -errno.
 */
int x0tta_netlink_init(void)
{
	return genl_register_family(&x0tta_genl_family);
}

/**
 * x0tta_netlink_uninit() - unregister the generic netlink family
 */
void x0tta_netlink_uninit(void)
{
	genl_unregister_family(&x0tta_genl_family);
}
