// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the batman-adv hard interfaces of this network namespace: the
 * interfaces whose master is a link of kind "batadv".
 *
 * Why rtnetlink and not sysfs: batman-adv dropped its sysfs files
 * (/sys/class/net/<if>/batman_adv/) before 2022.3, the version in
 * Debian's 6.1, and /sys shows the network namespace of whoever mounted
 * it, not the caller's, whereas a netlink socket always answers for the
 * namespace it was opened in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "telemetry/tm.h"

/* A link dump's messages fit in one page; 32 KiB is the kernel's most. */
#define TM_NL_DUMP_BUF	32768

struct tm_nl_link {
	int ifindex;
	int master;		/* 0: none */
	bool batadv;		/* this link is a batman-adv mesh interface */
	char name[IF_NAMESIZE];
};

struct tm_nl_links {
	struct tm_nl_link *v;
	size_t n;
	size_t cap;
};

static bool tm_nl_kind_is_batadv(const struct nlattr *linkinfo)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, linkinfo) {
		if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
			continue;
		return !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
		       !strcmp(mnl_attr_get_str(a), "batadv");
	}
	return false;
}

static int tm_nl_links_add(struct tm_nl_links *l, const struct tm_nl_link *li)
{
	struct tm_nl_link *v;

	if (l->n == l->cap) {
		v = reallocarray(l->v, l->cap ? 2 * l->cap : 16, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = l->cap ? 2 * l->cap : 16;
	}
	l->v[l->n++] = *li;
	return 0;
}

/* One RTM_NEWLINK of the dump: keep its name, master and kind. */
static int tm_nl_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tm_nl_link li = { .ifindex = ifi->ifi_index };
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return MNL_CB_ERROR;
			snprintf(li.name, sizeof(li.name), "%s",
				 mnl_attr_get_str(a));
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			li.master = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			li.batadv = tm_nl_kind_is_batadv(a);
			break;
		}
	}
	if (tm_nl_links_add(data, &li) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* Every link of this network namespace, from one RTM_GETLINK dump. */
static int tm_nl_dump_links(struct tm_nl_links *l)
{
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	unsigned int seq = time(NULL), portid;
	ssize_t len;
	char *buf;
	int ret;

	buf = malloc(TM_NL_DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		len = mnl_socket_recvfrom(nl, buf, TM_NL_DUMP_BUF);
		if (len < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, len, seq, portid, tm_nl_link_cb, l);
	} while (ret > MNL_CB_STOP);
	ret = ret < 0 ? -(errno ? errno : EIO) : 0;
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return ret;
}

static bool tm_nl_is_batadv(const struct tm_nl_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return l->v[i].batadv;
	return false;
}

int tm_hardifs(int (*cb)(const char *ifname, void *ctx), void *ctx)
{
	struct tm_nl_links l = { 0 };
	int ret;

	ret = tm_nl_dump_links(&l);
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (l.v[i].master && tm_nl_is_batadv(&l, l.v[i].master))
			ret = cb(l.v[i].name, ctx);
	}
	free(l.v);
	return ret;
}
