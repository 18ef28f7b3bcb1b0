// SPDX-License-Identifier: GPL-2.0
/*
 * Mutual TLS 1.3 over loopback TCP, both ends non-blocking in one epoll
 * loop, as x0ttad runs them. Good peers get each other's SPIFFE ID;
 * every bad one is refused inside the handshake with its reason. Old or
 * certificate-less clients are played by gnutls-cli (gnutls-bin).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "identity/ca.h"
#include "identity/tls.h"

#define TD "mesh.test"
#define NODE_A "spiffe://" TD "/node/a"
#define NODE_B "spiffe://" TD "/node/b"
#define DEADLINE_MS 5000

static const char *const any_node[] = { "spiffe://" TD "/node/" };
static const char *const only_b[] = { NODE_B };

FIXTURE(mtls) {
	char dir[64];
	time_t now;
	struct idn_ca ca;
	struct idn_policy pol;
	struct idn_svid a, b;
	struct idn_tls cli_tls, srv_tls;
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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
FIXTURE_SETUP(mtls)
{
	gnutls_datum_t pem;

	signal(SIGPIPE, SIG_IGN);
	snprintf(self->dir, sizeof(self->dir), "/tmp/x0tta-tls-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->now = time(NULL);
	ASSERT_EQ(IDN_OK, idn_ca_create(&self->ca, TD, IDN_KEY_ED25519,
					self->now - 3600, 24 * 3600,
					&self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(self->ca.crt,
					     GNUTLS_X509_FMT_PEM, &pem));
	idn_policy_init(&self->pol);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&self->pol, NULL, pem.data,
						    pem.size, &self->st));
	gnutls_free(pem.data);
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &self->a, &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_B, IDN_KEY_ED25519,
				       self->now, 3600, &self->b, &self->st));
	ASSERT_EQ(IDN_OK, idn_tls_init(&self->cli_tls, &self->a, &self->pol,
				       any_node, 1, &self->st));
	ASSERT_EQ(IDN_OK, idn_tls_init(&self->srv_tls, &self->b, &self->pol,
				       any_node, 1, &self->st));
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
	idn_tls_free(&self->cli_tls);
	idn_tls_free(&self->srv_tls);
	idn_svid_free(&self->a);
	idn_svid_free(&self->b);
	idn_policy_free(&self->pol);
	idn_ca_free(&self->ca);
}
#pragma GCC diagnostic pop

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
	idn_conn_init(&cli->conn, &self->cli_tls, IDN_ROLE_CLIENT, cli->fd,
		      resume, &cli->st);
	idn_conn_init(&srv->conn, &self->srv_tls, IDN_ROLE_SERVER, srv->fd,
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

/*
 * TLS 1.3 clients finish before the server has judged their certificate;
 * a refused client hears about it on its first read.
 */
static enum idn_err first_read(struct side *s, struct idn_status *st)
{
	char buf[16];
	size_t done;

	if (s->err != IDN_OK)
		return s->err;
	for (int i = 0; i < DEADLINE_MS; i++) {
		enum idn_err err = idn_conn_recv(&s->conn, buf, sizeof(buf),
						 &done, st);

		if (err != IDN_ERR_AGAIN)
			return err;
		usleep(1000);
	}
	return IDN_ERR_AGAIN;
}

/* Read until the client holds a ticket the server sent after Finished. */
static bool fetch_ticket(struct side *cli, struct side *srv,
			 gnutls_datum_t *ticket)
{
	char buf[16];
	struct idn_status st;

	if (!exchange(srv, cli, "hi", buf, sizeof(buf)))
		return false;
	return idn_conn_session_data(&cli->conn, ticket, &st) == IDN_OK;
}

TEST_F(mtls, good_peers_learn_each_others_spiffe_id_and_talk)
{
	struct side cli, srv;
	char buf[64];

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err) TH_LOG("server: %s", srv.st.detail);
	ASSERT_EQ(IDN_OK, cli.err) TH_LOG("client: %s", cli.st.detail);
	EXPECT_STREQ(NODE_A, srv.conn.peer.id);
	EXPECT_STREQ(NODE_B, cli.conn.peer.id);
	EXPECT_FALSE(idn_conn_resumed(&cli.conn));
	EXPECT_TRUE(exchange(&cli, &srv, "append entries", buf, sizeof(buf)));
	EXPECT_STREQ("append entries", buf);
	EXPECT_TRUE(exchange(&srv, &cli, "ack", buf, sizeof(buf)));
	EXPECT_STREQ("ack", buf);
	close_side(&cli);
	close_side(&srv);
}

TEST_F(mtls, valid_but_unauthorized_client_is_refused)
{
	struct side cli, srv;

	idn_tls_free(&self->srv_tls);
	ASSERT_EQ(IDN_OK, idn_tls_init(&self->srv_tls, &self->b, &self->pol,
				       only_b, 1, &self->st));
	open_pair(self, &cli, &srv, NULL);
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, srv.err);
	EXPECT_NE(NULL, strstr(srv.st.detail, NODE_A));
	EXPECT_EQ(IDN_ERR_TLS, first_read(&cli, &cli.st));
	/* The alert tells the client the class of its problem. */
	EXPECT_NE(NULL, strstr(cli.st.detail, gnutls_alert_get_name(
		GNUTLS_A_ACCESS_DENIED))) TH_LOG("%s", cli.st.detail);
	close_side(&cli);
	close_side(&srv);
}

TEST_F(mtls, client_with_expired_svid_is_refused)
{
	struct side cli, srv;
	struct idn_svid old;

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now - 1800, 600, &old,
				       &self->st));
	idn_tls_free(&self->cli_tls);
	ASSERT_EQ(IDN_OK, idn_tls_init(&self->cli_tls, &old, &self->pol,
				       any_node, 1, &self->st));
	idn_svid_free(&old);
	open_pair(self, &cli, &srv, NULL);
	EXPECT_EQ(IDN_ERR_EXPIRED, srv.err) TH_LOG("%s", srv.st.detail);
	EXPECT_EQ(IDN_ERR_TLS, first_read(&cli, &cli.st));
	close_side(&cli);
	close_side(&srv);
}

TEST_F(mtls, client_refuses_server_of_an_untrusted_ca)
{
	struct side cli, srv;
	struct idn_ca rogue;
	struct idn_svid fake_b;

	ASSERT_EQ(IDN_OK, idn_ca_create(&rogue, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&rogue, NODE_B, IDN_KEY_ED25519,
				       self->now, 3600, &fake_b, &self->st));
	idn_tls_free(&self->srv_tls);
	ASSERT_EQ(IDN_OK, idn_tls_init(&self->srv_tls, &fake_b, &self->pol,
				       any_node, 1, &self->st));
	open_pair(self, &cli, &srv, NULL);
	EXPECT_EQ(IDN_ERR_UNTRUSTED, cli.err) TH_LOG("%s", cli.st.detail);
	EXPECT_NE(IDN_OK, srv.err);
	close_side(&cli);
	close_side(&srv);
	idn_svid_free(&fake_b);
	idn_ca_free(&rogue);
}

TEST_F(mtls, reconnect_resumes_with_a_ticket_and_keeps_the_peer_id)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;
	char buf[32];

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(fetch_ticket(&cli, &srv, &ticket));
	close_side(&cli);
	close_side(&srv);

	open_pair(self, &cli, &srv, &ticket);
	ASSERT_EQ(IDN_OK, srv.err) TH_LOG("server: %s", srv.st.detail);
	ASSERT_EQ(IDN_OK, cli.err) TH_LOG("client: %s", cli.st.detail);
	EXPECT_TRUE(idn_conn_resumed(&cli.conn));
	EXPECT_TRUE(idn_conn_resumed(&srv.conn));
	EXPECT_STREQ(NODE_A, srv.conn.peer.id);
	EXPECT_STREQ(NODE_B, cli.conn.peer.id);
	EXPECT_TRUE(exchange(&cli, &srv, "again", buf, sizeof(buf)));
	close_side(&cli);
	close_side(&srv);
	gnutls_free(ticket.data);
}

TEST_F(mtls, resumption_does_not_bypass_a_later_revocation)
{
	char serial[IDN_SERIAL_HEX_MAX];
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(fetch_ticket(&cli, &srv, &ticket));
	close_side(&cli);
	close_side(&srv);

	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(self->a.chain.crt[0], serial,
					     &self->st));
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->pol, serial, &self->st));
	open_pair(self, &cli, &srv, &ticket);
	EXPECT_EQ(IDN_ERR_REVOKED, srv.err) TH_LOG("%s", srv.st.detail);
	close_side(&cli);
	close_side(&srv);
	gnutls_free(ticket.data);
}

/* Run gnutls-cli against our server; returns its pid, or -1. */
static pid_t run_gnutls_cli(FIXTURE_DATA(mtls) *self, const char *priority,
			    bool with_cert)
{
	char port[16], cert[128], key[128], prio[128];
	pid_t pid;

	snprintf(cert, sizeof(cert), "--x509certfile=%s/a.pem", self->dir);
	snprintf(key, sizeof(key), "--x509keyfile=%s/a.key", self->dir);
	snprintf(prio, sizeof(prio), "--priority=%s", priority);
	snprintf(port, sizeof(port), "--port=%u", self->port);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (with_cert)
			execlp("gnutls-cli", "gnutls-cli", "--insecure", prio,
			       port, cert, key, "127.0.0.1", (char *)NULL);
		else
			execlp("gnutls-cli", "gnutls-cli", "--insecure", prio,
			       port, "127.0.0.1", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static enum idn_err serve_external(FIXTURE_DATA(mtls) *self, pid_t pid,
				   struct idn_status *st)
{
	struct side srv;
	enum idn_err err;

	memset(&srv, 0, sizeof(srv));
	srv.fd = accept_within(self->lfd, DEADLINE_MS);
	if (srv.fd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return idn_fail(st, IDN_ERR_IO, "gnutls-cli did not connect");
	}
	idn_conn_init(&srv.conn, &self->srv_tls, IDN_ROLE_SERVER, srv.fd,
		      NULL, &srv.st);
	handshake(NULL, &srv);
	err = srv.err;
	*st = srv.st;
	close_side(&srv);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return err;
}

static bool have_gnutls_cli(void)
{
	return system("command -v gnutls-cli >/dev/null 2>&1") == 0;
}

TEST_F(mtls, tls12_only_client_is_refused)
{
	char cert[128], key[128];
	pid_t pid;

	if (!have_gnutls_cli())
		SKIP(return, "gnutls-cli (gnutls-bin) not installed");
	snprintf(cert, sizeof(cert), "%s/a.pem", self->dir);
	snprintf(key, sizeof(key), "%s/a.key", self->dir);
	ASSERT_EQ(IDN_OK, idn_svid_save(&self->a, cert, key, &self->st));
	pid = run_gnutls_cli(self, "NORMAL:-VERS-ALL:+VERS-TLS1.2", true);
	ASSERT_LT(0, pid);
	EXPECT_EQ(IDN_ERR_TLS_VERSION, serve_external(self, pid, &self->st))
		TH_LOG("%s", self->st.detail);
}

TEST_F(mtls, client_without_certificate_is_refused)
{
	pid_t pid;

	if (!have_gnutls_cli())
		SKIP(return, "gnutls-cli (gnutls-bin) not installed");
	pid = run_gnutls_cli(self, "NORMAL:-VERS-ALL:+VERS-TLS1.3", false);
	ASSERT_LT(0, pid);
	EXPECT_EQ(IDN_ERR_NO_CERT, serve_external(self, pid, &self->st))
		TH_LOG("%s", self->st.detail);
}

TEST_HARNESS_MAIN
