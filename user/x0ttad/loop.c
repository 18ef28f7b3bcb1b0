// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttad's event loop: one epoll set holding the transport's fd, a
 * timerfd beating at the raft tick, a signalfd for SIGINT/SIGTERM, the
 * control socket and its clients. No threads: raft, the CRDT store and
 * the transport are all non-blocking state machines driven from here.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "identity/verify.h"
#include "x0ttad/daemon.h"

/* epoll tags: the kind in the high half, a client slot in the low. */
enum xd_ev {
	XD_EV_TP = 1,
	XD_EV_TIMER,
	XD_EV_SIGNAL,
	XD_EV_LISTEN,
	XD_EV_CLIENT,
};

/* Ticks run after a long stall (a stopped process) are capped at this. */
#define XD_TICKS_CATCHUP_MAX	20
/* Events taken per epoll_wait(): one ready serves them all. */
#define XD_EVENTS_MAX		64

void xd_log(const struct xd *xd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "x0ttad[%llu]: ", (unsigned long long)xd->cfg.node_id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t xd_clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t xd_wall_ms(void)
{
	return xd_clock_ms(CLOCK_REALTIME);
}

static int xd_epoll_add(struct xd *xd, int fd, enum xd_ev ev, uint32_t slot)
{
	struct epoll_event e = {
		.events = EPOLLIN,
		.data.u64 = (uint64_t)ev << 32 | slot,
	};

	return epoll_ctl(xd->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

static int xd_mkdir(const struct xd *xd, const char *dir, const char *sub,
		    char *path, size_t len)
{
	if (snprintf(path, len, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "")
	    >= (int)len)
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		int err = -errno;

		xd_log(xd, "%s: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

static int xd_dirs_init(struct xd *xd)
{
	char path[XD_PATH_MAX + 16];
	int ret;

	ret = xd_mkdir(xd, xd->cfg.data_dir, NULL, path, sizeof(path));
	if (!ret)
		ret = xd_mkdir(xd, xd->cfg.data_dir, "raft", path,
			       sizeof(path));
	if (!ret)
		ret = xd_mkdir(xd, xd->cfg.data_dir, "crdt", path,
			       sizeof(path));
	return ret;
}

/* ---- identity ------------------------------------------------------------ */

static int xd_identity_init(struct xd *xd)
{
	struct idn_files f = {
		.cert = xd->cfg.svid,
		.key = xd->cfg.svid_key,
		.bundles = { xd->cfg.bundle },
		.bundle_tds = { xd->cfg.trust_domain },
		.n_bundles = 1,
	};
	struct idn_status st;

	/* Only the configured peers may connect, each as itself. */
	for (unsigned int i = 0; i < xd->cfg.n_peers; i++)
		xd->rules[i] = xd->cfg.peers[i].spiffe_id;
	if (idn_source_open(&xd->src, &f, xd->rules, xd->cfg.n_peers,
			    IDN_SKEW_DEFAULT, time(NULL), &st)) {
		xd_log(xd, "own identity: %s: %s", idn_strerror(st.err),
		       st.detail);
		return -EINVAL;
	}
	xd->src_open = true;
	return 0;
}

static enum idn_err xd_conn_recheck(void *ctx, const struct idn_conn *c,
				    struct idn_status *st)
{
	struct xd *xd = ctx;

	return idn_source_recheck(&xd->src, c, time(NULL), st);
}

unsigned int xd_identity_recheck(struct xd *xd)
{
	return tp_recheck(xd->tp, xd_conn_recheck, xd);
}

/*
 * SVIDs are short-lived and rotated on disk by `x0ttactl ca issue` or
 * spiffe-helper: pick up new files, and hand new credentials to the
 * transport so later handshakes use them. A new bundle may withdraw
 * trust from a CA: connections made under the old one are judged again
 * and those it refuses are closed (the transport replaces the others
 * before their certificates expire).
 */
static void xd_identity_check(struct xd *xd)
{
	struct idn_status st;
	bool rotated = false;
	unsigned int closed;
	enum idn_err err;

	err = idn_source_refresh(&xd->src, time(NULL), &rotated, &st);
	if (err)
		xd_log(xd, "own identity refused: %s: %s", idn_strerror(err),
		       st.detail);
	if (!rotated)
		return;
	tp_set_tls(xd->tp, xd->src.tls);
	xd_log(xd, "identity rotated (generation %u)", xd->src.generation);
	closed = xd_identity_recheck(xd);
	if (closed)
		xd_log(xd, "closed %u connection(s) the new identity files refuse",
		       closed);
}

/* ---- transport ----------------------------------------------------------- */

static void xd_on_message(void *ctx, uint64_t peer, uint8_t channel,
			  const uint8_t *data, size_t len)
{
	struct xd *xd = ctx;

	switch (channel) {
	case TP_CH_RAFT:
		xd_raft_receive(xd, peer, data, len);
		break;
	case TP_CH_CRDT:
		xd_crdt_receive(xd, peer, data, len);
		break;
	case XD_CH_FORWARD:
		xd_fwd_receive(xd, peer, data, len);
		break;
	default:
		xd->raft_dropped++;
		break;
	}
}

static void xd_on_peer_up(void *ctx, uint64_t peer)
{
	struct xd *xd = ctx;

	xd_log(xd, "peer %llu up", (unsigned long long)peer);
	xd_crdt_peer_up(xd, peer);
}

static void xd_on_peer_down(void *ctx, uint64_t peer)
{
	struct xd *xd = ctx;

	xd_log(xd, "peer %llu down", (unsigned long long)peer);
}

static const struct tp_ops xd_tp_ops = {
	.on_message = xd_on_message,
	.on_peer_up = xd_on_peer_up,
	.on_peer_down = xd_on_peer_down,
};

static int xd_transport_init(struct xd *xd)
{
	struct tp_cfg cfg;
	int ret;

	tp_cfg_default(&cfg);
	cfg.node_id = xd->cfg.node_id;
	cfg.listen = xd->cfg.listen;
	cfg.tls = xd->src.tls;
	ret = tp_new(&xd->tp, &cfg, &xd_tp_ops, xd);
	if (ret) {
		xd_log(xd, "listen %s: %s", xd->cfg.listen, strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < xd->cfg.n_peers; i++) {
		const struct xd_peer_cfg *p = &xd->cfg.peers[i];

		ret = tp_peer_add(xd->tp, p->id, p->addr, p->spiffe_id);
		if (ret) {
			xd_log(xd, "peer %llu: %s", (unsigned long long)p->id,
			       strerror(-ret));
			return ret;
		}
	}
	xd_log(xd, "listening on %s", xd->cfg.listen);
	return 0;
}

/* ---- timers and signals -------------------------------------------------- */

static int xd_timer_init(struct xd *xd)
{
	struct itimerspec its = { 0 };
	unsigned int ms = xd->cfg.raft_tick_ms;

	xd->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (xd->tfd < 0)
		return -errno;
	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(xd->tfd, 0, &its, NULL) < 0)
		return -errno;
	return xd_epoll_add(xd, xd->tfd, XD_EV_TIMER, 0);
}

static int xd_signal_init(struct xd *xd)
{
	sigset_t set;

	/* A client that hangs up must not kill the daemon with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	xd->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (xd->sfd < 0)
		return -errno;
	return xd_epoll_add(xd, xd->sfd, XD_EV_SIGNAL, 0);
}

static void xd_on_timer(struct xd *xd)
{
	uint64_t n = 0;

	if (read(xd->tfd, &n, sizeof(n)) != sizeof(n))
		return;
	if (n > XD_TICKS_CATCHUP_MAX)
		n = XD_TICKS_CATCHUP_MAX;
	while (n--)
		xd_raft_tick(xd);
	xd_raft_expire(xd);
	xd_fwd_expire(xd);
	if (xd->now >= xd->next_gossip) {
		xd_crdt_tick(xd);
		xd->next_gossip = xd->now + xd->cfg.gossip_ms;
	}
	if (xd->now >= xd->next_idcheck) {
		xd_identity_check(xd);
		xd->next_idcheck = xd->now + xd->cfg.identity_check_ms;
	}
}

static void xd_on_signal(struct xd *xd)
{
	struct signalfd_siginfo si;

	if (read(xd->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	xd_log(xd, "signal %u: shutting down", si.ssi_signo);
	xd->stop = true;
}

/* ---- init and run -------------------------------------------------------- */

int xd_init(struct xd *xd, const struct xd_config *cfg)
{
	int ret;

	memset(xd, 0, sizeof(*xd));
	xd->cfg = *cfg;
	xd->epfd = xd->tfd = xd->sfd = xd->lfd = -1;
	for (unsigned int i = 0; i < XD_CLIENTS_MAX; i++)
		xd->clients[i].fd = -1;
	xd->now = xd_clock_ms(CLOCK_MONOTONIC);
	xd->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (xd->epfd < 0)
		return -errno;
	ret = xd_signal_init(xd);
	if (ret)
		goto err;
	ret = xd_dirs_init(xd);
	if (ret)
		goto err;
	ret = xd_identity_init(xd);
	if (ret)
		goto err;
	ret = xd_transport_init(xd);
	if (ret)
		goto err;
	ret = xd_raft_init(xd);
	if (ret)
		goto err;
	/*
	 * Apply the committed log now, before the loop runs the transport:
	 * the revocations it holds apply before the first handshake.
	 */
	xd_raft_process(xd);
	if (xd->stop) {
		ret = -EIO;
		goto err;
	}
	ret = xd_crdt_init(xd);
	if (ret)
		goto err;
	ret = xd_ctl_init(xd);
	if (ret)
		goto err;
	ret = xd_epoll_add(xd, tp_fd(xd->tp), XD_EV_TP, 0);
	if (!ret)
		ret = xd_epoll_add(xd, xd->lfd, XD_EV_LISTEN, 0);
	if (!ret)
		ret = xd_timer_init(xd);
	if (ret)
		goto err;
	return 0;
err:
	/* Every uninit step copes with what was never set up. */
	xd_uninit(xd);
	return ret;
}

void xd_uninit(struct xd *xd)
{
	xd_ctl_uninit(xd);
	xd_crdt_uninit(xd);
	xd_raft_uninit(xd);
	tp_free(xd->tp);
	xd->tp = NULL;
	if (xd->src_open)
		idn_source_close(&xd->src);
	xd->src_open = false;
	if (xd->tfd >= 0)
		close(xd->tfd);
	if (xd->sfd >= 0)
		close(xd->sfd);
	if (xd->epfd >= 0)
		close(xd->epfd);
	xd->tfd = xd->sfd = xd->epfd = -1;
}

static void xd_dispatch(struct xd *xd, uint64_t tag)
{
	switch (tag >> 32) {
	case XD_EV_TP:
		tp_poll(xd->tp, 0);
		break;
	case XD_EV_TIMER:
		xd_on_timer(xd);
		break;
	case XD_EV_SIGNAL:
		xd_on_signal(xd);
		break;
	case XD_EV_LISTEN:
		xd_ctl_accept(xd);
		break;
	case XD_EV_CLIENT:
		xd_ctl_client_event(xd, (uint32_t)tag);
		break;
	}
}

int xd_run(struct xd *xd)
{
	struct epoll_event ev[XD_EVENTS_MAX];

	xd_log(xd, "running");
	while (!xd->stop) {
		int n = epoll_wait(xd->epfd, ev, XD_EVENTS_MAX, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			xd_log(xd, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		xd->now = xd_clock_ms(CLOCK_MONOTONIC);
		for (int i = 0; i < n && !xd->stop; i++)
			xd_dispatch(xd, ev[i].data.u64);
		/*
		 * Inputs queue readies; persist and send them once for the
		 * whole batch, so that the proposals of every client that
		 * was ready share one write, one fsync and one append.
		 */
		xd_raft_process(xd);
	}
	return 0;
}

int xd_epoll_client(struct xd *xd, int fd, uint32_t slot)
{
	return xd_epoll_add(xd, fd, XD_EV_CLIENT, slot);
}
