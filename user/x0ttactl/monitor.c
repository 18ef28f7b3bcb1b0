// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl monitor [count N]: the notifications of x0tta.ko's "events"
 * group as they happen, one line each, for people and for scripts that
 * read them through a pipe (hence a flush per line).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/x0tta.h>

#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define MONITOR_USAGE "[-j] monitor [count N]"

/* Returned by the callback once N events are printed: not an error. */
#define MONITOR_DONE	(-ECANCELED)

int ctl_monitor_parse(int argc, char *argv[], uint64_t *count, char *msg,
		      size_t len)
{
	int ret;

	*count = 0;
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "count")) {
		snprintf(msg, len, "monitor: unexpected argument '%s'", argv[0]);
		return -EINVAL;
	}
	if (argc == 1) {
		snprintf(msg, len, "monitor: count needs a number");
		return -EINVAL;
	}
	ret = ctl_parse_uint(argv[1], UINT32_MAX, count);
	if (ret < 0 || *count == 0) {
		snprintf(msg, len, "monitor: count '%s' is not a number from 1 to %u",
			 argv[1], UINT32_MAX);
		return -EINVAL;
	}
	if (argc > 2) {
		snprintf(msg, len, "monitor: unexpected argument '%s'", argv[2]);
		return -EINVAL;
	}
	return 0;
}

/* Names come from the kernel: never let one drive the terminal. */
static void monitor_put_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(iscntrl((unsigned char)*s) ? '?' : *s, f);
}

static int monitor_neigh(const struct nlattr **tb, FILE *f,
			 const struct out_opts *o)
{
	const struct nlattr *ntb[X0TTA_NEIGH_A_MAX + 1];
	char ifname[CTL_IFNAME_LEN], addr[CTL_MAC_STRLEN], buf[8];
	uint8_t mac[CTL_MAC_LEN];
	const char *state;
	struct out_json w;

	if (!tb[X0TTA_A_NEIGH] ||
	    genl_parse_nest(tb[X0TTA_A_NEIGH], ntb, X0TTA_NEIGH_A_MAX) < 0 ||
	    !ntb[X0TTA_NEIGH_A_IFINDEX] || !ntb[X0TTA_NEIGH_A_ADDR] ||
	    !ntb[X0TTA_NEIGH_A_STATE] ||
	    mnl_attr_validate(ntb[X0TTA_NEIGH_A_IFINDEX], MNL_TYPE_U32) < 0 ||
	    mnl_attr_validate(ntb[X0TTA_NEIGH_A_STATE], MNL_TYPE_U8) < 0 ||
	    ctl_mac_attr(ntb[X0TTA_NEIGH_A_ADDR], mac) < 0)
		return -EBADMSG;
	ctl_ifname(mnl_attr_get_u32(ntb[X0TTA_NEIGH_A_IFINDEX]), ifname);
	ctl_mac_format(mac, addr);
	state = ctl_neigh_state_name(mnl_attr_get_u8(ntb[X0TTA_NEIGH_A_STATE]),
				     buf, sizeof(buf));
	if (!o->json) {
		fputs("neigh ", f);
		monitor_put_text(f, ifname);
		fprintf(f, " %s %s\n", addr, state);
		return 0;
	}
	out_json_init(&w, f);
	out_json_open_object(&w, NULL);
	out_json_string(&w, "event", "neigh");
	out_json_string(&w, "ifname", ifname);
	out_json_string(&w, "addr", addr);
	out_json_string(&w, "state", state);
	out_json_close_object(&w);
	return out_json_finish(&w);
}

static int monitor_route_needed(const struct nlattr **tb, FILE *f,
				const struct out_opts *o)
{
	const struct nlattr *ptb[X0TTA_PATH_A_MAX + 1];
	char orig[CTL_MAC_STRLEN];
	uint8_t mac[CTL_MAC_LEN];
	struct out_json w;

	if (!tb[X0TTA_A_PATH] ||
	    genl_parse_nest(tb[X0TTA_A_PATH], ptb, X0TTA_PATH_A_MAX) < 0 ||
	    !ptb[X0TTA_PATH_A_ORIG] ||
	    ctl_mac_attr(ptb[X0TTA_PATH_A_ORIG], mac) < 0)
		return -EBADMSG;
	ctl_mac_format(mac, orig);
	if (!o->json) {
		fprintf(f, "route-needed %s\n", orig);
		return 0;
	}
	out_json_init(&w, f);
	out_json_open_object(&w, NULL);
	out_json_string(&w, "event", "route-needed");
	out_json_string(&w, "orig", orig);
	out_json_close_object(&w);
	return out_json_finish(&w);
}

int ctl_monitor_print(const struct nlmsghdr *nlh, uint16_t family, FILE *f,
		      const struct out_opts *o)
{
	const struct nlattr *tb[X0TTA_A_MAX + 1];
	const struct genlmsghdr *genl;
	int ret;

	if (nlh->nlmsg_type != family)
		return 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    genl_parse_msg(nlh, tb, X0TTA_A_MAX) < 0)
		return -EBADMSG;
	genl = mnl_nlmsg_get_payload(nlh);
	/* A newer module may announce more: not ours to refuse. */
	if (genl->cmd == X0TTA_CMD_NEIGH_EVENT)
		ret = monitor_neigh(tb, f, o);
	else if (genl->cmd == X0TTA_CMD_ROUTE_NEEDED)
		ret = monitor_route_needed(tb, f, o);
	else
		return 0;
	if (ret < 0)
		return ret;
	if (fflush(f) || ferror(f))
		return -EIO;
	return 1;
}

struct monitor_state {
	uint16_t family;
	uint64_t left;	/* events still to print; 0: no limit */
	bool limited;
};

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor_state *st = data;
	int ret;

	ret = ctl_monitor_print(nlh, st->family, stdout, &ctl_out);
	if (ret <= 0)
		return ret;
	if (st->limited && --st->left == 0)
		return MONITOR_DONE;
	return 0;
}

static int monitor_join(struct ctl *c)
{
	uint32_t group;
	int ret;

	ret = genl_family_mcgrp(&c->fam, X0TTA_GENL_MCGRP_EVENTS, &group);
	if (ret < 0) {
		ctl_err("monitor: the x0tta module has no \"%s\" group (too old?)",
			X0TTA_GENL_MCGRP_EVENTS);
		return ret;
	}
	ret = genl_join_group(&c->gs, group);
	if (ret < 0)
		ctl_err("monitor: cannot join the \"%s\" group: %s",
			X0TTA_GENL_MCGRP_EVENTS, strerror(-ret));
	return ret;
}

static int monitor_loop(struct ctl *c, struct monitor_state *st)
{
	int ret;

	for (;;) {
		ret = genl_recv_events(&c->gs, monitor_cb, st);
		if (ret == MONITOR_DONE)
			return 0;
		if (ret == -EINTR)
			continue;
		if (ret == -ENOBUFS) {
			/* Keep going: the next events are still worth seeing. */
			ctl_err("monitor: the kernel dropped events (we were too slow); dump the tables to resync");
			continue;
		}
		if (ret == -EBADMSG) {
			ctl_err("monitor: malformed event from the kernel");
			return ret;
		}
		if (ret == -EIO) {
			ctl_err("monitor: cannot write output");
			return ret;
		}
		if (ret < 0) {
			ctl_err("monitor: %s", strerror(-ret));
			return ret;
		}
	}
}

int monitor_main(int argc, char *argv[])
{
	struct monitor_state st = { 0 };
	struct ctl c;
	char msg[256];
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		printf("Usage: x0ttactl %s\n"
		       "\n"
		       "Prints x0tta.ko's events as they happen, one per line:\n"
		       "  neigh IFNAME MAC up|down\n"
		       "  route-needed ORIG\n"
		       "and exits after N of them if count is given.\n",
		       MONITOR_USAGE);
		return CTL_EXIT_OK;
	}
	if (ctl_monitor_parse(argc - 1, argv + 1, &st.left, msg,
			      sizeof(msg)) < 0)
		return ctl_usage(MONITOR_USAGE, "%s", msg);
	st.limited = st.left != 0;
	/*
	 * This socket only listens from here on: genl_request() would
	 * throw events away while it waits for an answer.
	 */
	if (ctl_open(&c) < 0)
		return CTL_EXIT_FAIL;
	st.family = c.fam.id;
	ret = monitor_join(&c);
	if (ret == 0)
		ret = monitor_loop(&c, &st);
	ctl_close(&c);
	return ret < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
