// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "x0tta": the controller's and x0ttactl's view of
 * the module. Documentation/netlink/specs/x0tta.yaml describes it.
 */

#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "hardif.h"
#include "holdq.h"
#include "neigh.h"
#include "netlink.h"
#include "netns.h"
#include "path.h"
#include "quarantine.h"

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

static struct netlink_range_validation x0tta_echo_fast_range = {
	.min = X0TTA_ECHO_FAST_MS_MIN,
	.max = X0TTA_ECHO_FAST_MS_MAX,
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
	[X0TTA_CONFIG_A_ECHO_FAST_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &x0tta_echo_fast_range),
};

static const struct nla_policy x0tta_hop_policy[X0TTA_HOP_A_MAX + 1] = {
	[X0TTA_HOP_A_IFINDEX] = { .type = NLA_U32 },
	[X0TTA_HOP_A_NEIGH] = NLA_POLICY_ETH_ADDR,
	[X0TTA_HOP_A_WEIGHT] = NLA_POLICY_MIN(NLA_U8, 1),
};

static const struct nla_policy x0tta_path_policy[X0TTA_PATH_A_MAX + 1] = {
	[X0TTA_PATH_A_ORIG] = NLA_POLICY_ETH_ADDR,
	[X0TTA_PATH_A_HOP] = NLA_POLICY_NESTED(x0tta_hop_policy),
};

static const struct nla_policy x0tta_quarantine_policy[X0TTA_QUARANTINE_A_MAX + 1] = {
	[X0TTA_QUARANTINE_A_ADDR] = NLA_POLICY_ETH_ADDR,
};

/*
 * One policy per command that takes attributes, holding only those it
 * takes; commands without one take none. With strict validation anything
 * else is refused before a handler runs.
 */
static const struct nla_policy x0tta_set_config_policy[X0TTA_A_MAX + 1] = {
	[X0TTA_A_CONFIG] = NLA_POLICY_NESTED(x0tta_config_policy),
};

static const struct nla_policy x0tta_path_cmd_policy[X0TTA_A_MAX + 1] = {
	[X0TTA_A_PATH] = NLA_POLICY_NESTED(x0tta_path_policy),
};

static const struct nla_policy x0tta_quarantine_cmd_policy[X0TTA_A_MAX + 1] = {
	[X0TTA_A_QUARANTINE] = NLA_POLICY_NESTED(x0tta_quarantine_policy),
};

enum {
	X0TTA_MCGRP_EVENTS,
};

static const struct genl_multicast_group x0tta_mcgrps[] = {
	[X0TTA_MCGRP_EVENTS] = { .name = X0TTA_GENL_MCGRP_EVENTS },
};

/*
 * A required attribute is missing: say so in words (@msg, a string
 * literal), and name it and the nest it is missing from (NULL at the top
 * level) for tools.
 */
static bool x0tta_nl_missing(struct netlink_ext_ack *extack,
			     const struct nlattr *nest, struct nlattr **tb,
			     int type, const char *msg)
{
	if (tb[type])
		return false;
	if (extack)
		extack->_msg = msg;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	return true;
}

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
	    nla_put_u8(skb, X0TTA_CONFIG_A_MULTIPATH, cfg.multipath) ||
	    nla_put_u32(skb, X0TTA_CONFIG_A_ECHO_FAST_MS, cfg.echo_fast_ms)) {
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

	if (x0tta_nl_missing(info->extack, NULL, info->attrs, X0TTA_A_CONFIG,
			     "configuration attributes missing"))
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
	x0tta_config_set_u32(&cfg->echo_fast_ms,
			     tb[X0TTA_CONFIG_A_ECHO_FAST_MS]);
	mutex_unlock(&xn->config_lock);
	if (tb[X0TTA_CONFIG_A_ECHO_INTERVAL_MS])
		x0tta_neigh_interval_set(xn);
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
	struct x0tta_holdq_stats hq;
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

	x0tta_holdq_stats(xn, &hq);

	err = -EMSGSIZE;
	nest = nla_nest_start(skb, X0TTA_A_STATS);
	if (!nest)
		goto out;
	if (nla_put_u32(skb, X0TTA_STATS_A_IFACES, nr) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_REROUTED,
			      x0tta_net_rerouted(xn), X0TTA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_HOLDQ_QUEUED, hq.queued,
			      X0TTA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_HOLDQ_SENT, hq.sent,
			      X0TTA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_HOLDQ_OVERFLOW, hq.overflow,
			      X0TTA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_HOLDQ_EXPIRED, hq.expired,
			      X0TTA_STATS_A_PAD) ||
	    nla_put_u32(skb, X0TTA_STATS_A_HOLDQ_LEN, hq.len) ||
	    nla_put_u64_64bit(skb, X0TTA_STATS_A_QUARANTINE_DROPPED,
			      atomic64_read(&xn->quarantine.dropped),
			      X0TTA_STATS_A_PAD))
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

/* ---- paths ------------------------------------------------------------ */

/* Resolve and check one HOP nest of SET_PATH. */
static int x0tta_nl_parse_hop(struct net *net, const struct nlattr *attr,
			      struct x0tta_hop *hop,
			      struct netlink_ext_ack *extack)
{
	struct x0tta_net *xn = x0tta_net(net);
	struct nlattr *tb[X0TTA_HOP_A_MAX + 1];
	struct x0tta_hardif *hardif;
	struct net_device *dev;
	int err;

	err = nla_parse_nested(tb, X0TTA_HOP_A_MAX, attr, x0tta_hop_policy, extack);
	if (err)
		return err;
	if (x0tta_nl_missing(extack, attr, tb, X0TTA_HOP_A_IFINDEX,
			     "next hop interface missing") ||
	    x0tta_nl_missing(extack, attr, tb, X0TTA_HOP_A_NEIGH,
			     "next hop neighbour address missing"))
		return -EINVAL;
	if (!is_valid_ether_addr(nla_data(tb[X0TTA_HOP_A_NEIGH]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[X0TTA_HOP_A_NEIGH],
				    "next hop must be a unicast, non-zero MAC address");
		return -EINVAL;
	}
	hop->ifindex = nla_get_u32(tb[X0TTA_HOP_A_IFINDEX]);
	ether_addr_copy(hop->addr, nla_data(tb[X0TTA_HOP_A_NEIGH]));
	hop->weight = tb[X0TTA_HOP_A_WEIGHT] ?
		      nla_get_u8(tb[X0TTA_HOP_A_WEIGHT]) : 1;

	dev = __dev_get_by_index(net, hop->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[X0TTA_HOP_A_IFINDEX],
				    "no interface with this index");
		return -ENODEV;
	}
	list_for_each_entry(hardif, &xn->hardifs, list)
		if (hardif->dev == dev)
			return 0;
	NL_SET_ERR_MSG_ATTR(extack, tb[X0TTA_HOP_A_IFINDEX],
			    "interface is not enslaved to a batman-adv mesh interface");
	return -EINVAL;
}

static int x0tta_nl_parse_path(struct genl_info *info, struct nlattr **tb)
{
	int err;

	if (x0tta_nl_missing(info->extack, NULL, info->attrs, X0TTA_A_PATH,
			     "path attributes missing"))
		return -EINVAL;
	err = nla_parse_nested(tb, X0TTA_PATH_A_MAX, info->attrs[X0TTA_A_PATH],
			       x0tta_path_policy, info->extack);
	if (err)
		return err;
	if (x0tta_nl_missing(info->extack, info->attrs[X0TTA_A_PATH], tb,
			     X0TTA_PATH_A_ORIG, "destination originator missing"))
		return -EINVAL;
	if (!is_valid_ether_addr(nla_data(tb[X0TTA_PATH_A_ORIG]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[X0TTA_PATH_A_ORIG],
				    "destination must be a unicast, non-zero originator address");
		return -EINVAL;
	}
	return 0;
}

static int x0tta_nl_set_path(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_hop hops[X0TTA_PATH_MAX_HOPS];
	struct net *net = genl_info_net(info);
	struct nlattr *tb[X0TTA_PATH_A_MAX + 1];
	const struct nlattr *attr;
	unsigned int n = 0, i;
	int err, rem;

	err = x0tta_nl_parse_path(info, tb);
	if (err)
		return err;

	rtnl_lock();
	nla_for_each_nested(attr, info->attrs[X0TTA_A_PATH], rem) {
		if (nla_type(attr) != X0TTA_PATH_A_HOP)
			continue;
		if (n == X0TTA_PATH_MAX_HOPS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "at most 3 next hops per destination");
			err = -EINVAL;
			goto out;
		}
		err = x0tta_nl_parse_hop(net, attr, &hops[n], info->extack);
		if (err)
			goto out;
		for (i = 0; i < n; i++) {
			if (hops[i].ifindex == hops[n].ifindex &&
			    ether_addr_equal(hops[i].addr, hops[n].addr)) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "duplicate next hop");
				err = -EINVAL;
				goto out;
			}
		}
		n++;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[X0TTA_A_PATH],
				    "at least one next hop is needed");
		err = -EINVAL;
		goto out;
	}
	err = x0tta_path_set(x0tta_net(net), nla_data(tb[X0TTA_PATH_A_ORIG]),
			     hops, n, info->extack);
out:
	rtnl_unlock();
	/* Frames held for this destination may leave now. */
	if (!err)
		x0tta_holdq_flush(x0tta_net(net));
	return err;
}

static int x0tta_nl_del_path(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_net *xn = x0tta_net(genl_info_net(info));
	struct nlattr *tb[X0TTA_PATH_A_MAX + 1];
	int err;

	err = x0tta_nl_parse_path(info, tb);
	if (err)
		return err;
	if (tb[X0TTA_PATH_A_HOP]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[X0TTA_PATH_A_HOP],
				    "deleting a path takes its destination only");
		return -EINVAL;
	}
	rtnl_lock();
	err = x0tta_path_del(xn, nla_data(tb[X0TTA_PATH_A_ORIG]), info->extack);
	rtnl_unlock();
	if (!err)
		x0tta_holdq_flush(xn);
	return err;
}

static int x0tta_fill_hop(struct sk_buff *skb, struct x0tta_net *xn,
			  const struct x0tta_hop *hop, u64 frames, u64 bytes)
{
	struct nlattr *nest = nla_nest_start(skb, X0TTA_PATH_A_HOP);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, X0TTA_HOP_A_IFINDEX, hop->ifindex) ||
	    nla_put(skb, X0TTA_HOP_A_NEIGH, ETH_ALEN, hop->addr) ||
	    nla_put_u8(skb, X0TTA_HOP_A_WEIGHT, hop->weight) ||
	    nla_put_u8(skb, X0TTA_HOP_A_STATE,
		       x0tta_hop_state(hop, xn,
				       x0tta_quarantine_active(&xn->quarantine))) ||
	    nla_put_u64_64bit(skb, X0TTA_HOP_A_FRAMES, frames, X0TTA_HOP_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_HOP_A_BYTES, bytes, X0TTA_HOP_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int x0tta_fill_path(struct sk_buff *skb, struct x0tta_net *xn,
			   const struct x0tta_path *path)
{
	u64 frames[X0TTA_PATH_MAX_HOPS], bytes[X0TTA_PATH_MAX_HOPS];
	u64 tf = 0, tb = 0;
	struct nlattr *nest;
	unsigned int i;

	x0tta_path_fold(path, frames, bytes);
	for (i = 0; i < path->nr_hops; i++) {
		tf += frames[i];
		tb += bytes[i];
	}
	nest = nla_nest_start(skb, X0TTA_A_PATH);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, X0TTA_PATH_A_ORIG, ETH_ALEN, path->orig) ||
	    nla_put_u64_64bit(skb, X0TTA_PATH_A_FRAMES, tf, X0TTA_PATH_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_PATH_A_BYTES, tb, X0TTA_PATH_A_PAD))
		goto err_cancel;
	for (i = 0; i < path->nr_hops; i++)
		if (x0tta_fill_hop(skb, xn, &path->hops[i], frames[i], bytes[i]))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void *x0tta_dump_put(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &x0tta_genl_family, NLM_F_MULTI,
			   ((struct genlmsghdr *)nlmsg_data(cb->nlh))->cmd);
}

/* A full buffer is not an error: netlink calls the dump again. */
static int x0tta_dump_done(struct sk_buff *skb, int err)
{
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/*
 * Dump every entry of an RCU hash table of the namespace, one message
 * each. cb->args[0] is the bucket and cb->args[1] the entries of it
 * already sent, so a dump that fills its buffer resumes where it stopped.
 */
static int x0tta_dump_hash(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct hlist_head *buckets, unsigned int size,
			   int (*fill)(struct sk_buff *skb, struct x0tta_net *xn,
				       const struct hlist_node *node))
{
	struct x0tta_net *xn = x0tta_net(sock_net(cb->skb->sk));
	const struct hlist_node *node;
	long bkt, idx;
	int err = 0;

	rcu_read_lock();
	for (bkt = cb->args[0]; bkt < size; bkt++) {
		idx = 0;
		__hlist_for_each_rcu(node, &buckets[bkt]) {
			void *hdr;

			if (idx++ < cb->args[1])
				continue;
			hdr = x0tta_dump_put(skb, cb);
			if (!hdr) {
				err = -EMSGSIZE;
				goto out;
			}
			err = fill(skb, xn, node);
			if (err) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = idx;
		}
		cb->args[0] = bkt + 1;
		cb->args[1] = 0;
	}
out:
	rcu_read_unlock();
	return x0tta_dump_done(skb, err);
}

static int x0tta_fill_path_node(struct sk_buff *skb, struct x0tta_net *xn,
				const struct hlist_node *node)
{
	return x0tta_fill_path(skb, xn, hlist_entry(node, struct x0tta_path, node));
}

static int x0tta_nl_dump_path(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct x0tta_net *xn = x0tta_net(sock_net(cb->skb->sk));

	return x0tta_dump_hash(skb, cb, xn->paths.hash, HASH_SIZE(xn->paths.hash),
			       x0tta_fill_path_node);
}

/* ---- neighbours -------------------------------------------------------- */

static int x0tta_fill_neigh(struct sk_buff *skb, const struct net_device *dev,
			    const struct x0tta_neigh *neigh)
{
	struct nlattr *nest = nla_nest_start(skb, X0TTA_A_NEIGH);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, X0TTA_NEIGH_A_IFINDEX, dev->ifindex) ||
	    nla_put(skb, X0TTA_NEIGH_A_ADDR, ETH_ALEN, neigh->addr) ||
	    nla_put_u8(skb, X0TTA_NEIGH_A_STATE, READ_ONCE(neigh->state)) ||
	    nla_put_u32(skb, X0TTA_NEIGH_A_RTT_LAST_US,
			READ_ONCE(neigh->rtt_last_us)) ||
	    nla_put_u32(skb, X0TTA_NEIGH_A_RTT_SMOOTH_US,
			READ_ONCE(neigh->rtt_smooth_us)) ||
	    nla_put_u64_64bit(skb, X0TTA_NEIGH_A_ECHO_SENT,
			      READ_ONCE(neigh->echo_sent), X0TTA_NEIGH_A_PAD) ||
	    nla_put_u64_64bit(skb, X0TTA_NEIGH_A_ECHO_RECEIVED,
			      READ_ONCE(neigh->echo_received), X0TTA_NEIGH_A_PAD) ||
	    nla_put_u32(skb, X0TTA_NEIGH_A_CHANGES, READ_ONCE(neigh->changes))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* cb->args[0]: interfaces done, cb->args[1]: neighbours of the next one. */
static int x0tta_nl_dump_neigh(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct x0tta_net *xn = x0tta_net(sock_net(cb->skb->sk));
	struct x0tta_hardif *hardif;
	struct x0tta_neigh *neigh;
	long ifidx = 0, idx;
	int err = 0, bkt;

	rtnl_lock();
	rcu_read_lock();
	list_for_each_entry(hardif, &xn->hardifs, list) {
		if (ifidx++ < cb->args[0])
			continue;
		idx = 0;
		hash_for_each_rcu(hardif->neighs.hash, bkt, neigh, node) {
			void *hdr;

			if (idx++ < cb->args[1])
				continue;
			hdr = x0tta_dump_put(skb, cb);
			if (!hdr) {
				err = -EMSGSIZE;
				goto out;
			}
			err = x0tta_fill_neigh(skb, hardif->dev, neigh);
			if (err) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = idx;
		}
		cb->args[0] = ifidx;
		cb->args[1] = 0;
	}
out:
	rcu_read_unlock();
	rtnl_unlock();
	return x0tta_dump_done(skb, err);
}

/* ---- quarantine -------------------------------------------------------- */

static int x0tta_nl_quarantine_addr(struct genl_info *info, const u8 **addr)
{
	struct nlattr *tb[X0TTA_QUARANTINE_A_MAX + 1];
	int err;

	if (x0tta_nl_missing(info->extack, NULL, info->attrs, X0TTA_A_QUARANTINE,
			     "quarantine attributes missing"))
		return -EINVAL;
	err = nla_parse_nested(tb, X0TTA_QUARANTINE_A_MAX,
			       info->attrs[X0TTA_A_QUARANTINE],
			       x0tta_quarantine_policy, info->extack);
	if (err)
		return err;
	if (x0tta_nl_missing(info->extack, info->attrs[X0TTA_A_QUARANTINE], tb,
			     X0TTA_QUARANTINE_A_ADDR, "address missing"))
		return -EINVAL;
	*addr = nla_data(tb[X0TTA_QUARANTINE_A_ADDR]);
	if (!is_valid_ether_addr(*addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[X0TTA_QUARANTINE_A_ADDR],
				    "address must be unicast and non-zero");
		return -EINVAL;
	}
	return 0;
}

static int x0tta_nl_add_quarantine(struct sk_buff *skb, struct genl_info *info)
{
	const u8 *addr;
	int err;

	err = x0tta_nl_quarantine_addr(info, &addr);
	if (err)
		return err;
	return x0tta_quarantine_add(x0tta_net(genl_info_net(info)), addr,
				    info->extack);
}

static int x0tta_nl_del_quarantine(struct sk_buff *skb, struct genl_info *info)
{
	struct x0tta_net *xn = x0tta_net(genl_info_net(info));
	const u8 *addr;
	int err;

	err = x0tta_nl_quarantine_addr(info, &addr);
	if (err)
		return err;
	err = x0tta_quarantine_del(xn, addr, info->extack);
	/* A next hop may be usable again. */
	if (!err)
		x0tta_holdq_flush(xn);
	return err;
}

static int x0tta_fill_qentry(struct sk_buff *skb, const struct x0tta_qentry *e)
{
	struct nlattr *nest = nla_nest_start(skb, X0TTA_A_QUARANTINE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, X0TTA_QUARANTINE_A_ADDR, ETH_ALEN, e->addr) ||
	    nla_put_u64_64bit(skb, X0TTA_QUARANTINE_A_DROPPED,
			      atomic64_read(&e->dropped), X0TTA_QUARANTINE_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int x0tta_fill_qentry_node(struct sk_buff *skb, struct x0tta_net *xn,
				  const struct hlist_node *node)
{
	return x0tta_fill_qentry(skb, hlist_entry(node, struct x0tta_qentry, node));
}

static int x0tta_nl_dump_quarantine(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct x0tta_net *xn = x0tta_net(sock_net(cb->skb->sk));

	return x0tta_dump_hash(skb, cb, xn->quarantine.hash,
			       HASH_SIZE(xn->quarantine.hash),
			       x0tta_fill_qentry_node);
}

/* ---- events ------------------------------------------------------------ */

static void x0tta_netlink_event(struct x0tta_net *xn, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&x0tta_genl_family, xn->net, skb, 0,
				X0TTA_MCGRP_EVENTS, GFP_ATOMIC);
}

static struct sk_buff *x0tta_netlink_event_new(struct x0tta_net *xn, u8 cmd,
					       void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&x0tta_genl_family, xn->net, X0TTA_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &x0tta_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/**
 * x0tta_netlink_neigh_event() - tell listeners a neighbour went up or down
 * @xn: the namespace
 * @dev: the neighbour's hard interface
 * @addr: its MAC address
 * @state: enum x0tta_neigh_state
 *
 * Context: any, no sleeping.
 */
void x0tta_netlink_neigh_event(struct x0tta_net *xn, struct net_device *dev,
			       const u8 *addr, u8 state)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = x0tta_netlink_event_new(xn, X0TTA_CMD_NEIGH_EVENT, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, X0TTA_A_NEIGH);
	if (!nest ||
	    nla_put_u32(skb, X0TTA_NEIGH_A_IFINDEX, dev->ifindex) ||
	    nla_put(skb, X0TTA_NEIGH_A_ADDR, ETH_ALEN, addr) ||
	    nla_put_u8(skb, X0TTA_NEIGH_A_STATE, state)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	x0tta_netlink_event(xn, skb);
}

/**
 * x0tta_netlink_route_needed() - ask the controller for a route
 * @xn: the namespace
 * @orig: destination whose frames wait with no live next hop
 *
 * Context: any, no sleeping.
 */
void x0tta_netlink_route_needed(struct x0tta_net *xn, const u8 *orig)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = x0tta_netlink_event_new(xn, X0TTA_CMD_ROUTE_NEEDED, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, X0TTA_A_PATH);
	if (!nest || nla_put(skb, X0TTA_PATH_A_ORIG, ETH_ALEN, orig)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	x0tta_netlink_event(xn, skb);
}

/*
 * Changes need CAP_NET_ADMIN in the user namespace that owns the network
 * namespace: root of a container runs its own mesh.
 */
static const struct genl_ops x0tta_genl_ops[] = {
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
		.policy = x0tta_set_config_policy,
		.maxattr = X0TTA_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_GET_IFACE,
		.dumpit = x0tta_nl_dump_iface,
	},
	{
		.cmd = X0TTA_CMD_GET_STATS,
		.doit = x0tta_nl_get_stats,
	},
	{
		.cmd = X0TTA_CMD_SET_PATH,
		.doit = x0tta_nl_set_path,
		.policy = x0tta_path_cmd_policy,
		.maxattr = X0TTA_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_DEL_PATH,
		.doit = x0tta_nl_del_path,
		.policy = x0tta_path_cmd_policy,
		.maxattr = X0TTA_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_GET_PATH,
		.dumpit = x0tta_nl_dump_path,
	},
	{
		.cmd = X0TTA_CMD_GET_NEIGH,
		.dumpit = x0tta_nl_dump_neigh,
	},
	{
		.cmd = X0TTA_CMD_ADD_QUARANTINE,
		.doit = x0tta_nl_add_quarantine,
		.policy = x0tta_quarantine_cmd_policy,
		.maxattr = X0TTA_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_DEL_QUARANTINE,
		.doit = x0tta_nl_del_quarantine,
		.policy = x0tta_quarantine_cmd_policy,
		.maxattr = X0TTA_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = X0TTA_CMD_GET_QUARANTINE,
		.dumpit = x0tta_nl_dump_quarantine,
	},
};

/*
 * parallel_ops: handlers take what they need (RTNL, the table locks)
 * instead of one family-wide mutex. resv_start_op is left at zero, so
 * every command gets strict checks of the header's reserved fields and
 * of attributes it does not take.
 */
static struct genl_family x0tta_genl_family __ro_after_init = {
	.name = X0TTA_GENL_NAME,
	.version = X0TTA_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = x0tta_genl_ops,
	.n_ops = ARRAY_SIZE(x0tta_genl_ops),
	.mcgrps = x0tta_mcgrps,
	.n_mcgrps = ARRAY_SIZE(x0tta_mcgrps),
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
