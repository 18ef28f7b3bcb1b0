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
#include <signal.h>
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

/* A route netlink socket, listening to @groups (RTMGRP_*); NULL, errno. */
static struct mnl_socket *tm_nl_open(unsigned int groups)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (nl && mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
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
	nl = tm_nl_open(0);
	if (!nl) {
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

/* ---- following interfaces as they join and leave meshes ----------------- */

struct tm_follow {
	struct tm_nl_links bat;		/* batman-adv mesh interfaces */
	struct tm_nl_links hard;	/* hard interfaces reported joined */
	tm_follow_cb cb;
	void *ctx;
};

static struct tm_nl_link *tm_nl_find(struct tm_nl_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return &l->v[i];
	return NULL;
}

static void tm_nl_drop(struct tm_nl_links *l, struct tm_nl_link *li)
{
	*li = l->v[--l->n];
}

/*
 * One link's news: @gone for a RTM_DELLINK. A hard interface is one whose
 * master is a known mesh interface; report it when it becomes one and
 * when it stops being one (released, or deleted).
 */
static int tm_follow_link(struct tm_follow *f, const struct tm_nl_link *li,
			  bool gone)
{
	struct tm_nl_link *bat = tm_nl_find(&f->bat, li->ifindex);
	struct tm_nl_link *hard = tm_nl_find(&f->hard, li->ifindex);
	bool is_hard;
	int ret;

	if (li->batadv && !gone && !bat) {
		ret = tm_nl_links_add(&f->bat, li);
		if (ret)
			return ret;
	} else if (bat && gone) {
		tm_nl_drop(&f->bat, bat);
	}
	is_hard = !gone && li->master && tm_nl_find(&f->bat, li->master);
	if (is_hard == !!hard)
		return 0;
	if (is_hard) {
		ret = tm_nl_links_add(&f->hard, li);
		return ret ? ret : f->cb(li->ifindex, li->name, true, f->ctx);
	}
	ret = f->cb(hard->ifindex, hard->name, false, f->ctx);
	tm_nl_drop(&f->hard, hard);
	return ret;
}

/*
 * Bring the view up to date from a dump: mesh interfaces first (a hard
 * interface may come before its master), then every link, then what the
 * dump no longer has is gone. Used at start and after the kernel dropped
 * notifications (ENOBUFS).
 */
static int tm_follow_sync(struct tm_follow *f)
{
	struct tm_nl_links l = { 0 };
	int ret;

	ret = tm_nl_dump_links(&l);
	for (size_t i = 0; !ret && i < l.n; i++)
		if (l.v[i].batadv && !tm_nl_find(&f->bat, l.v[i].ifindex))
			ret = tm_nl_links_add(&f->bat, &l.v[i]);
	for (size_t i = 0; !ret && i < l.n; i++)
		ret = tm_follow_link(f, &l.v[i], false);
	for (size_t i = 0; !ret && i < f->hard.n; i++) {
		if (tm_nl_find(&l, f->hard.v[i].ifindex))
			continue;
		ret = tm_follow_link(f, &f->hard.v[i], true);
		i--;	/* the slot now holds another entry */
	}
	for (size_t i = 0; !ret && i < f->bat.n; i++) {
		if (!tm_nl_find(&l, f->bat.v[i].ifindex))
			tm_nl_drop(&f->bat, &f->bat.v[i--]);
	}
	free(l.v);
	return ret;
}

static int tm_follow_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tm_follow *f = data;
	struct tm_nl_links one = { 0 };
	int ret;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (tm_nl_link_cb(nlh, &one) != MNL_CB_OK)
		return MNL_CB_OK;	/* malformed: nothing to learn */
	ret = tm_follow_link(f, &one.v[0], nlh->nlmsg_type == RTM_DELLINK);
	free(one.v);
	if (ret) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int tm_follow(tm_follow_cb cb, void *ctx, const volatile sig_atomic_t *stop)
{
	struct tm_follow f = { .cb = cb, .ctx = ctx };
	struct mnl_socket *nl;
	ssize_t len;
	char *buf;
	int ret;

	buf = malloc(TM_NL_DUMP_BUF);
	if (!buf)
		return -ENOMEM;
	/* Subscribe before the dump, so no change falls between the two. */
	nl = tm_nl_open(RTMGRP_LINK);
	if (!nl) {
		ret = -errno;
		goto out;
	}
	ret = tm_follow_sync(&f);
	while (!ret && !*stop) {
		len = mnl_socket_recvfrom(nl, buf, TM_NL_DUMP_BUF);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			ret = tm_follow_sync(&f);
			continue;
		}
		if (len < 0) {
			ret = -errno;
			break;
		}
		errno = 0;
		if (mnl_cb_run(buf, len, 0, 0, tm_follow_msg_cb, &f) < 0)
			ret = -(errno ? errno : EIO);
	}
out:
	if (nl)
		mnl_socket_close(nl);
	free(f.bat.v);
	free(f.hard.v);
	free(buf);
	return ret;
}
