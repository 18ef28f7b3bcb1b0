// SPDX-License-Identifier: GPL-2.0
/*
 * Mutual TLS 1.3 over loopback TCP, both ends non-blocking in one epoll
 * loop, as x0ttad runs them. Good peers get each other's SPIFFE ID;
 * every bad one is refused inside the handshake with its reason. Old or
 * certificate-less clients are played by gnutls-cli (gnutls-bin).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/abstract.h>

#include "kselftest_harness.h"
#include "mtls_fixture.h"

static const char *const only_b[] = { NODE_B };

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

TEST_F(mtls, connection_expires_with_the_shorter_lived_certificate)
{
	struct side cli, srv;
	struct idn_svid brief;
	time_t end;

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 600, &brief, &self->st));
	end = gnutls_x509_crt_get_expiration_time(brief.chain.crt[0]);
	idn_tls_put(self->cli_tls);
	self->cli_tls = new_tls(self, &brief, any_node, 1);
	ASSERT_NE(NULL, self->cli_tls);
	idn_svid_free(&brief);
	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_EQ(IDN_OK, cli.err);
	/* Each side sees the 10 min client SVID, not the 1 h server one. */
	EXPECT_EQ(end, idn_conn_expiry(&srv.conn));
	EXPECT_EQ(end, idn_conn_expiry(&cli.conn));
	close_side(&cli);
	close_side(&srv);
}

TEST_F(mtls, valid_but_unauthorized_client_is_refused)
{
	struct side cli, srv;

	idn_tls_put(self->srv_tls);
	self->srv_tls = new_tls(self, &self->b, only_b, 1);
	ASSERT_NE(NULL, self->srv_tls);
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

TEST_F(mtls, each_connection_can_have_its_own_rules)
{
	static const char *const only_a[] = { NODE_A };
	struct side cli, srv;

	/* Same credentials, two uses: the second admits only node b. */
	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	cli.fd = connect_loopback(self->port);
	srv.fd = accept_within(self->lfd, DEADLINE_MS);
	ASSERT_EQ(IDN_OK, idn_conn_init(&cli.conn, self->cli_tls,
					IDN_ROLE_CLIENT, cli.fd, NULL,
					&cli.st));
	ASSERT_EQ(IDN_OK, idn_conn_init(&srv.conn, self->srv_tls,
					IDN_ROLE_SERVER, srv.fd, NULL,
					&srv.st));
	idn_conn_set_rules(&srv.conn, only_b, 1);
	handshake(&cli, &srv);
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, srv.err);
	close_side(&cli);
	close_side(&srv);

	/* And the client may insist on one particular server. */
	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	cli.fd = connect_loopback(self->port);
	srv.fd = accept_within(self->lfd, DEADLINE_MS);
	idn_conn_init(&cli.conn, self->cli_tls, IDN_ROLE_CLIENT, cli.fd, NULL,
		      &cli.st);
	idn_conn_init(&srv.conn, self->srv_tls, IDN_ROLE_SERVER, srv.fd, NULL,
		      &srv.st);
	idn_conn_set_rules(&cli.conn, only_a, 1);
	handshake(&cli, &srv);
	EXPECT_EQ(IDN_ERR_NOT_AUTHORIZED, cli.err);
	EXPECT_NE(NULL, strstr(cli.st.detail, NODE_B));
	close_side(&cli);
	close_side(&srv);
}

/*
 * A configured rule that can match no SVID is refused where it is
 * given, and nothing changes: no credentials, the connection's own
 * rules kept.
 */
TEST_F(mtls, rules_that_match_no_one_are_refused_when_configured)
{
	static const char *const td_only[] = { "spiffe://" TD };
	static const char *const bare[] = { NODE_B, "spiffe://" };
	struct idn_policy pol;
	struct idn_conn c;
	int sv[2];

	idn_policy_init(&pol);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&pol, TD,
						    self->ca_pem.data,
						    self->ca_pem.size,
						    &self->st));
	EXPECT_EQ(NULL, idn_tls_new(&self->b, &pol, td_only, 1, &self->st));
	EXPECT_EQ(IDN_ERR_INVAL, self->st.err);
	EXPECT_NE(NULL, strstr(self->st.detail, "names a trust domain"))
		TH_LOG("%s", self->st.detail);
	/* The policy was not consumed by the refused call. */
	EXPECT_EQ(1, pol.n_anchors);
	idn_policy_free(&pol);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(IDN_OK, idn_conn_init(&c, self->srv_tls, IDN_ROLE_SERVER,
					sv[0], NULL, &self->st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_conn_set_rules(&c, bare, 2));
	EXPECT_TRUE(c.rules == any_node);
	EXPECT_EQ(IDN_OK, idn_conn_set_rules(&c, bare, 1));
	EXPECT_TRUE(c.rules == bare);
	idn_conn_free(&c);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(mtls, client_with_expired_svid_is_refused)
{
	struct side cli, srv;
	struct idn_svid old;

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now - 1800, 600, &old,
				       &self->st));
	idn_tls_put(self->cli_tls);
	self->cli_tls = new_tls(self, &old, any_node, 1);
	ASSERT_NE(NULL, self->cli_tls);
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
	idn_tls_put(self->srv_tls);
	self->srv_tls = new_tls(self, &fake_b, any_node, 1);
	ASSERT_NE(NULL, self->srv_tls);
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

/*
 * The suite's hash runs every handshake's key schedule: x0tta peers use
 * ChaCha20-Poly1305 with SHA-256, not GnuTLS's default AES-256-GCM with
 * SHA-384, and a resumed session keeps it.
 */
static void expect_sha256_suite(struct __test_metadata *_metadata,
				const struct side *s)
{
	EXPECT_EQ(GNUTLS_CIPHER_CHACHA20_POLY1305,
		  gnutls_cipher_get(s->conn.session));
	EXPECT_EQ(GNUTLS_DIG_SHA256, gnutls_prf_hash_get(s->conn.session));
}

TEST_F(mtls, peers_agree_on_chacha20_poly1305_sha256_full_and_resumed)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	expect_sha256_suite(_metadata, &cli);
	expect_sha256_suite(_metadata, &srv);
	ASSERT_TRUE(fetch_ticket(&cli, &srv, &ticket));
	close_side(&cli);
	close_side(&srv);

	open_pair(self, &cli, &srv, &ticket);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(idn_conn_resumed(&srv.conn));
	expect_sha256_suite(_metadata, &cli);
	expect_sha256_suite(_metadata, &srv);
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
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->srv_tls->policy, serial,
					    &self->st));
	open_pair(self, &cli, &srv, &ticket);
	EXPECT_EQ(IDN_ERR_REVOKED, srv.err) TH_LOG("%s", srv.st.detail);
	close_side(&cli);
	close_side(&srv);
	gnutls_free(ticket.data);
}

/*
 * A resumed session is judged at the time of the resumption: a client
 * whose certificate expired since its ticket was issued is refused.
 */
TEST_F(mtls, resumption_is_refused_once_the_client_certificate_expired)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;
	struct idn_svid brief;
	time_t end;

	/* Valid for 2 more seconds, and no skew tolerated. */
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       time(NULL) - 8, 10, &brief, &self->st));
	end = gnutls_x509_crt_get_expiration_time(brief.chain.crt[0]);
	idn_tls_put(self->cli_tls);
	self->cli_tls = new_tls(self, &brief, any_node, 1);
	ASSERT_NE(NULL, self->cli_tls);
	idn_svid_free(&brief);
	self->srv_tls->policy.skew = 0;
	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err) TH_LOG("%s", srv.st.detail);
	ASSERT_TRUE(fetch_ticket(&cli, &srv, &ticket));
	close_side(&cli);
	close_side(&srv);

	while (time(NULL) <= end)
		usleep(100 * 1000);
	open_pair(self, &cli, &srv, &ticket);
	EXPECT_EQ(IDN_ERR_EXPIRED, srv.err) TH_LOG("%s", srv.st.detail);
	/* Refused on the resumed path, not by a fallback full handshake. */
	EXPECT_TRUE(gnutls_session_is_resumed(srv.conn.session));
	close_side(&cli);
	close_side(&srv);
	gnutls_free(ticket.data);
}

TEST_F(mtls, resumption_is_refused_once_the_ca_left_the_bundle)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;
	struct idn_ca other;
	gnutls_datum_t pem;

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(fetch_ticket(&cli, &srv, &ticket));
	close_side(&cli);
	close_side(&srv);

	/* The server now trusts only another CA of the same trust domain. */
	ASSERT_EQ(IDN_OK, idn_ca_create(&other, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(other.crt, GNUTLS_X509_FMT_PEM,
					     &pem));
	idn_policy_free(&self->srv_tls->policy);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&self->srv_tls->policy,
						    NULL, pem.data, pem.size,
						    &self->st));
	open_pair(self, &cli, &srv, &ticket);
	EXPECT_EQ(IDN_ERR_UNTRUSTED, srv.err) TH_LOG("%s", srv.st.detail);
	/* Refused on the resumed path, not by a fallback full handshake. */
	EXPECT_NE(NULL, strstr(srv.st.detail, "no longer"));
	close_side(&cli);
	close_side(&srv);
	gnutls_free(pem.data);
	gnutls_free(ticket.data);
	idn_ca_free(&other);
}

/* ---- live connections re-judged after a policy change -------------------- */

TEST_F(mtls, recheck_refuses_an_established_peer_once_its_serial_is_revoked)
{
	char serial[IDN_SERIAL_HEX_MAX];
	struct side cli, srv;
	char got[16];

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, cli.err);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(exchange(&cli, &srv, "hello", got, sizeof(got)));
	EXPECT_EQ(IDN_OK, idn_conn_recheck(&srv.conn, &self->srv_tls->policy,
					   time(NULL), &self->st));

	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(self->a.chain.crt[0], serial,
					     &self->st));
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->srv_tls->policy, serial,
					    &self->st));
	EXPECT_EQ(IDN_ERR_REVOKED,
		  idn_conn_recheck(&srv.conn, &self->srv_tls->policy,
				   time(NULL), &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, serial)) TH_LOG("%s",
								self->st.detail);
	/* The client's view of the server is unaffected. */
	EXPECT_EQ(IDN_OK, idn_conn_recheck(&cli.conn, &self->cli_tls->policy,
					   time(NULL), &self->st));
	close_side(&cli);
	close_side(&srv);
}

TEST_F(mtls, recheck_refuses_an_established_peer_once_its_ca_left_the_bundle)
{
	struct idn_policy next;
	struct side cli, srv;
	struct idn_ca other;
	gnutls_datum_t pem;

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	/* The new bundle trusts only another CA of the same trust domain. */
	ASSERT_EQ(IDN_OK, idn_ca_create(&other, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(other.crt, GNUTLS_X509_FMT_PEM,
					     &pem));
	idn_policy_init(&next);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&next, TD, pem.data,
						    pem.size, &self->st));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, idn_conn_recheck(&srv.conn, &next,
						      time(NULL), &self->st));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, idn_conn_recheck(&cli.conn, &next,
						      time(NULL), &self->st));
	idn_policy_free(&next);
	close_side(&cli);
	close_side(&srv);
	gnutls_free(pem.data);
	idn_ca_free(&other);
}

TEST_F(mtls, recheck_also_sees_expiry_and_refuses_a_connection_in_handshake)
{
	struct side cli, srv;

	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	EXPECT_EQ(IDN_ERR_EXPIRED,
		  idn_conn_recheck(&srv.conn, &self->srv_tls->policy,
				   self->now + 2 * 3600, &self->st));
	srv.conn.established = false;
	EXPECT_EQ(IDN_ERR_INVAL,
		  idn_conn_recheck(&srv.conn, &self->srv_tls->policy,
				   time(NULL), &self->st));
	close_side(&cli);
	close_side(&srv);
}

/* What a hostile client sends, bypassing GnuTLS's own chain cleanup. */
static gnutls_pcert_st sent_pcert[2];
static gnutls_privkey_t sent_key;

static int send_as_is(gnutls_session_t session,
		      const struct gnutls_cert_retr_st *info,
		      gnutls_pcert_st **certs, unsigned int *n,
		      gnutls_ocsp_data_st **ocsp, unsigned int *n_ocsp,
		      gnutls_privkey_t *key, unsigned int *flags)
{
	*certs = sent_pcert;
	*n = 2;
	*key = sent_key;
	*ocsp = NULL;
	*n_ocsp = 0;
	*flags = 0;
	return 0;
}

/*
 * During a CA rollover the server trusts the old and the new CA. A client
 * of the old CA appends the new CA's certificate to its chain, hoping the
 * server takes that for the chain's end and keeps resuming its session
 * once the old CA is retired. Such a chain is refused from the start.
 */
TEST_F(mtls, chain_padded_with_another_trusted_ca_is_refused)
{
	gnutls_datum_t pem = { NULL, 0 };
	struct side cli, srv;
	struct idn_ca next;
	unsigned int n = 0;

	ASSERT_EQ(IDN_OK, idn_ca_create(&next, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(next.crt, GNUTLS_X509_FMT_PEM,
					     &pem));
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_pem(&self->srv_tls->policy,
						    TD, pem.data, pem.size,
						    &self->st));
	ASSERT_EQ(0, gnutls_pcert_import_x509(&sent_pcert[0],
					      self->a.chain.crt[0], 0));
	ASSERT_EQ(0, gnutls_pcert_import_x509(&sent_pcert[1], next.crt, 0));
	ASSERT_EQ(0, gnutls_privkey_init(&sent_key));
	ASSERT_EQ(0, gnutls_privkey_import_x509(sent_key, self->a.key, 0));
	gnutls_certificate_set_retrieve_function3(self->cli_tls->cred,
						  send_as_is);

	open_pair(self, &cli, &srv, NULL);
	gnutls_certificate_get_peers(srv.conn.session, &n);
	EXPECT_EQ(2u, n);
	EXPECT_EQ(IDN_ERR_UNTRUSTED, srv.err) TH_LOG("%s", srv.st.detail);
	EXPECT_NE(IDN_OK, first_read(&cli, &cli.st));
	close_side(&cli);
	close_side(&srv);
	gnutls_privkey_deinit(sent_key);
	gnutls_pcert_deinit(&sent_pcert[0]);
	gnutls_pcert_deinit(&sent_pcert[1]);
	gnutls_free(pem.data);
	idn_ca_free(&next);
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
	idn_conn_init(&srv.conn, self->srv_tls, IDN_ROLE_SERVER, srv.fd,
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

/* RFC 8446, 4.2.8: the key_share extension. */
#define EXT_KEY_SHARE 51

static int count_key_shares(void *ctx, unsigned int tls_id,
			    const unsigned char *data, unsigned int size)
{
	unsigned int *n = ctx, pos = 2;

	if (tls_id != EXT_KEY_SHARE)
		return 0;
	/* client_shares<0..2^16-1>: {group(2), key_exchange<1..2^16-1>}... */
	while (pos + 4 <= size) {
		pos += 4 + (data[pos + 2] << 8 | data[pos + 3]);
		(*n)++;
	}
	return 0;
}

/*
 * Every key share costs the client a key generation; x0tta peers all use
 * X25519, so a client offers that one only.
 */
TEST_F(mtls, client_offers_a_single_x25519_key_share)
{
	unsigned char buf[4096];
	gnutls_datum_t body;
	struct idn_conn c;
	unsigned int n = 0;
	ssize_t len;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	ASSERT_EQ(IDN_OK, idn_conn_init(&c, self->cli_tls, IDN_ROLE_CLIENT,
					sv[0], NULL, &self->st));
	EXPECT_EQ(IDN_ERR_AGAIN, idn_conn_handshake(&c, &self->st));
	len = read(sv[1], buf, sizeof(buf));
	/* A record (5 bytes) holding a handshake message (4) ClientHello. */
	ASSERT_LT(9, len);
	ASSERT_EQ(22, buf[0]);
	ASSERT_EQ(1, buf[5]);
	body.data = buf + 9;
	body.size = len - 9;
	ASSERT_LE(0, gnutls_ext_raw_parse(&n, count_key_shares, &body,
					  GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO));
	EXPECT_EQ(1, n);
	idn_conn_free(&c);
	close(sv[0]);
	close(sv[1]);
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

/* Any TLS 1.3 suite a peer may be limited to still connects. */
TEST_F(mtls, client_offering_only_aes_256_gcm_or_aes_128_gcm_is_accepted)
{
	static const char *const prio[] = {
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM",
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM",
	};
	char cert[128], key[128];

	if (!have_gnutls_cli())
		SKIP(return, "gnutls-cli (gnutls-bin) not installed");
	snprintf(cert, sizeof(cert), "%s/a.pem", self->dir);
	snprintf(key, sizeof(key), "%s/a.key", self->dir);
	ASSERT_EQ(IDN_OK, idn_svid_save(&self->a, cert, key, &self->st));
	for (unsigned int i = 0; i < 2; i++) {
		pid_t pid = run_gnutls_cli(self, prio[i], true);

		ASSERT_LT(0, pid);
		EXPECT_EQ(IDN_OK, serve_external(self, pid, &self->st))
			TH_LOG("%s: %s", prio[i], self->st.detail);
	}
}

TEST_HARNESS_MAIN
