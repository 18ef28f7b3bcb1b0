/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_MTLS_FIXTURE_H
#define _X0TTA_MTLS_FIXTURE_H

/*
 * The loopback fixture shared by the mTLS and rotation tests: a CA, two
 * node SVIDs, client and server credentials, a listening socket, and an
 * epoll loop that drives both ends of a connection the way x0ttad does.
 * Include after kselftest_harness.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "identity/ca.h"
#include "identity/source.h"
#include "identity/tls.h"

#define TD "mesh.test"
#define NODE_A "spiffe://" TD "/node/a"
#define NODE_B "spiffe://" TD "/node/b"
#define DEADLINE_MS 5000

static const char *const any_node[] = { "spiffe://" TD "/node/" };

FIXTURE(mtls) {
	char dir[64];
	time_t now;
	struct idn_ca ca;
	gnutls_datum_t ca_pem;
	struct idn_svid a, b;
	struct idn_tls *cli_tls, *srv_tls;
	int lfd;
	unsigned short port;
	struct idn_status st;
};

static int listen_loopback(unsigned short *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (void *)&sin, sizeof(sin)) ||
	    listen(fd, 8) || getsockname(fd, (void *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static int connect_loopback(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for the pending connection: the listener is non-blocking too. */
static int accept_within(int lfd, int ms)
{
	for (int waited = 0; waited < ms; waited += 5) {
		int fd = accept4(lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0 || errno != EAGAIN)
			return fd;
		usleep(5000);
	}
	return -1;
}

/* Credentials trusting the fixture's CA, as a node would build them. */
static struct idn_tls *new_tls(FIXTURE_DATA(mtls) *self,
			       const struct idn_svid *svid,
			       const char *const *rules, unsigned int n)
{
	struct idn_policy pol;
	struct idn_tls *t = NULL;

	idn_policy_init(&pol);
	if (idn_policy_add_bundle_pem(&pol, TD, self->ca_pem.data,
				      self->ca_pem.size, &self->st) == IDN_OK)
		t = idn_tls_new(svid, &pol, rules, n, &self->st);
	idn_policy_free(&pol);
	return t;
}

FIXTURE_SETUP(mtls)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(self->dir, sizeof(self->dir), "/tmp/x0tta-tls-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->now = time(NULL);
	ASSERT_EQ(IDN_OK, idn_ca_create(&self->ca, TD, IDN_KEY_ED25519,
					self->now - 3600, 24 * 3600,
					&self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(self->ca.crt,
					     GNUTLS_X509_FMT_PEM,
					     &self->ca_pem));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &self->a, &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_B, IDN_KEY_ED25519,
				       self->now, 3600, &self->b, &self->st));
	self->cli_tls = new_tls(self, &self->a, any_node, 1);
	ASSERT_NE(NULL, self->cli_tls);
	self->srv_tls = new_tls(self, &self->b, any_node, 1);
	ASSERT_NE(NULL, self->srv_tls);
	self->lfd = listen_loopback(&self->port);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(mtls)
{
	char path[384];
	DIR *d = opendir(self->dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", self->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(self->dir);
	close(self->lfd);
	idn_tls_put(self->cli_tls);
	idn_tls_put(self->srv_tls);
	idn_svid_free(&self->a);
	idn_svid_free(&self->b);
	gnutls_free(self->ca_pem.data);
	idn_ca_free(&self->ca);
}

/* One side of a connection as the daemon's event loop sees it. */
struct side {
	int fd;
	struct idn_conn conn;
	enum idn_err err;
	struct idn_status st;
};

static void watch(int ep, struct side *s, bool add)
{
	struct epoll_event ev = { .data.ptr = s };

	ev.events = s->err == IDN_ERR_AGAIN ? idn_conn_events(&s->conn) : 0;
	epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s->fd, &ev);
}

/*
 * Run the handshakes of the sides given (cli may be NULL when the client
 * is an external program) until each is settled, or one is refused and
 * the other hears nothing more.
 */
static void handshake(struct side *cli, struct side *srv)
{
	struct side *sides[2] = { cli, srv };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int waited = 0;

	for (int i = 0; i < 2; i++)
		if (sides[i])
			sides[i]->err = idn_conn_handshake(&sides[i]->conn,
							   &sides[i]->st);
	for (int i = 0; i < 2; i++)
		if (sides[i])
			watch(ep, sides[i], true);
	while (waited < DEADLINE_MS) {
		struct epoll_event ev[2];
		bool pending = false, refused = false;
		int n;

		for (int i = 0; i < 2; i++) {
			if (!sides[i])
				continue;
			pending |= sides[i]->err == IDN_ERR_AGAIN;
			refused |= sides[i]->err != IDN_ERR_AGAIN &&
				   sides[i]->err != IDN_OK;
		}
		if (!pending)
			break;
		n = epoll_wait(ep, ev, 2, 100);
		if (n == 0 && refused)
			break;
		waited += n == 0 ? 100 : 0;
		for (int i = 0; i < n; i++) {
			struct side *s = ev[i].data.ptr;

			s->err = idn_conn_handshake(&s->conn, &s->st);
			watch(ep, s, false);
		}
	}
	close(ep);
}

static void open_pair(FIXTURE_DATA(mtls) *self, struct side *cli,
		      struct side *srv, const gnutls_datum_t *resume)
{
	memset(cli, 0, sizeof(*cli));
	memset(srv, 0, sizeof(*srv));
	cli->fd = connect_loopback(self->port);
	srv->fd = accept_within(self->lfd, DEADLINE_MS);
	idn_conn_init(&cli->conn, self->cli_tls, IDN_ROLE_CLIENT, cli->fd,
		      resume, &cli->st);
	idn_conn_init(&srv->conn, self->srv_tls, IDN_ROLE_SERVER, srv->fd,
		      NULL, &srv->st);
	handshake(cli, srv);
}

static void close_side(struct side *s)
{
	idn_conn_free(&s->conn);
	if (s->fd >= 0)
		close(s->fd);
}

/* Move one message from a to b through the event loop's eyes. */
static bool exchange(struct side *a, struct side *b, const char *msg,
		     char *got, size_t len)
{
	size_t done = 0;
	struct idn_status st;

	if (idn_conn_send(&a->conn, msg, strlen(msg), &done, &st) ||
	    done != strlen(msg))
		return false;
	for (int i = 0; i < DEADLINE_MS; i++) {
		enum idn_err err = idn_conn_recv(&b->conn, got, len - 1,
						 &done, &st);

		if (err == IDN_OK) {
			got[done] = '\0';
			return true;
		}
		if (err != IDN_ERR_AGAIN)
			return false;
		usleep(1000);
	}
	return false;
}

#endif /* _X0TTA_MTLS_FIXTURE_H */
