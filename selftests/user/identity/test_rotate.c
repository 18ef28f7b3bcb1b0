// SPDX-License-Identifier: GPL-2.0
/*
 * Rotation: new SVID, key or bundle files are picked up without a
 * restart; new handshakes use them at once while live connections keep
 * working; broken new files are refused and the old identity stays.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "mtls_fixture.h"

static void path_of(FIXTURE_DATA(mtls) *self, const char *name, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s", self->dir, name);
}

/* Write a node's files as `x0ttactl ca issue` or spiffe-helper would. */
static enum idn_err write_node(FIXTURE_DATA(mtls) *self,
			       const struct idn_svid *svid)
{
	char cert[128], key[128];

	path_of(self, "node.pem", cert, sizeof(cert));
	path_of(self, "node.key", key, sizeof(key));
	return idn_svid_save(svid, cert, key, &self->st);
}

static enum idn_err write_bundle(FIXTURE_DATA(mtls) *self,
				 const gnutls_datum_t *a,
				 const gnutls_datum_t *b)
{
	char path[128], buf[8192];
	size_t len = 0;

	memcpy(buf, a->data, a->size);
	len = a->size;
	if (b) {
		memcpy(buf + len, b->data, b->size);
		len += b->size;
	}
	path_of(self, "bundle.pem", path, sizeof(path));
	return idn_file_write_atomic(path, buf, len, 0644, &self->st);
}

static enum idn_err open_source(FIXTURE_DATA(mtls) *self,
				struct idn_source *src,
				const struct idn_svid *svid)
{
	static char cert[128], key[128], bundle[128];
	struct idn_files f = { .cert = cert, .key = key,
			       .bundles = { bundle }, .n_bundles = 1 };

	path_of(self, "node.pem", cert, sizeof(cert));
	path_of(self, "node.key", key, sizeof(key));
	path_of(self, "bundle.pem", bundle, sizeof(bundle));
	if (write_node(self, svid) || write_bundle(self, &self->ca_pem, NULL))
		return self->st.err;
	return idn_source_open(src, &f, any_node, 1, IDN_SKEW_DEFAULT,
			       time(NULL), &self->st);
}

/* Make the client use the source's current credentials. */
static void client_uses(FIXTURE_DATA(mtls) *self, struct idn_source *src)
{
	idn_tls_put(self->cli_tls);
	self->cli_tls = idn_tls_get(src->tls);
}

static enum idn_err refresh(FIXTURE_DATA(mtls) *self, struct idn_source *src,
			    bool *rotated)
{
	enum idn_err err = idn_source_refresh(src, time(NULL), rotated,
					      &self->st);

	if (err)
		fprintf(stderr, "# refused rotation: %s: %s\n",
			idn_errname(err), self->st.detail);
	return err;
}

TEST_F(mtls, rotation_keeps_live_connections_and_new_ones_use_the_new_svid)
{
	struct side old_cli, old_srv, cli, srv;
	struct idn_source src;
	struct idn_svid next;
	bool rotated;
	char buf[32];
	time_t end;

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	client_uses(self, &src);
	open_pair(self, &old_cli, &old_srv, NULL);
	ASSERT_EQ(IDN_OK, old_srv.err);

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 1800, &next, &self->st));
	end = gnutls_x509_crt_get_expiration_time(next.chain.crt[0]);
	ASSERT_EQ(IDN_OK, write_node(self, &next));
	idn_svid_free(&next);
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	ASSERT_TRUE(rotated);
	EXPECT_EQ(2u, src.generation);
	/* Only the live connection still holds the old credentials now. */
	client_uses(self, &src);

	EXPECT_TRUE(exchange(&old_cli, &old_srv, "still", buf, sizeof(buf)));
	EXPECT_TRUE(exchange(&old_srv, &old_cli, "here", buf, sizeof(buf)));
	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err) TH_LOG("%s", srv.st.detail);
	EXPECT_EQ(end, idn_conn_expiry(&srv.conn));
	EXPECT_NE(end, idn_conn_expiry(&old_srv.conn));
	close_side(&old_cli);
	close_side(&old_srv);
	close_side(&cli);
	close_side(&srv);

	/* Unchanged files: nothing to do. */
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_FALSE(rotated);
	idn_source_close(&src);
}

TEST_F(mtls, clients_keep_resuming_across_a_server_rotation)
{
	gnutls_datum_t ticket = { NULL, 0 };
	struct side cli, srv;
	struct idn_source src;
	struct idn_svid next;
	bool rotated;
	char buf[8];

	/* This time the source is the server's. */
	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->b));
	idn_tls_put(self->srv_tls);
	self->srv_tls = idn_tls_get(src.tls);
	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, srv.err);
	ASSERT_TRUE(exchange(&srv, &cli, "t", buf, sizeof(buf)));
	ASSERT_EQ(IDN_OK, idn_conn_session_data(&cli.conn, &ticket,
						&self->st));
	close_side(&cli);
	close_side(&srv);

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_B, IDN_KEY_ED25519,
				       self->now, 3600, &next, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &next));
	idn_svid_free(&next);
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	ASSERT_TRUE(rotated);
	idn_tls_put(self->srv_tls);
	self->srv_tls = idn_tls_get(src.tls);

	open_pair(self, &cli, &srv, &ticket);
	ASSERT_EQ(IDN_OK, srv.err) TH_LOG("%s", srv.st.detail);
	EXPECT_TRUE(idn_conn_resumed(&srv.conn));
	EXPECT_STREQ(NODE_A, srv.conn.peer.id);
	close_side(&cli);
	close_side(&srv);
	gnutls_free(ticket.data);
	idn_source_close(&src);
}

TEST_F(mtls, broken_new_files_are_refused_and_the_old_identity_keeps_working)
{
	struct idn_svid next, stale;
	struct side cli, srv;
	struct idn_source src;
	struct idn_tls *before;
	char cert[128], key[128];
	bool rotated;
	FILE *f;

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	before = src.tls;
	path_of(self, "node.pem", cert, sizeof(cert));
	path_of(self, "node.key", key, sizeof(key));

	f = fopen(cert, "w");
	ASSERT_NE(NULL, f);
	fputs("-----BEGIN CERTIFICATE-----\ngarbage\n", f);
	fclose(f);
	EXPECT_NE(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_FALSE(rotated);
	EXPECT_EQ(before, src.tls);
	/* Judged once: the same broken file is not refused again. */
	EXPECT_EQ(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_FALSE(rotated);

	/* New certificate, old key: the half-written state of a rotation. */
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &next, &self->st));
	{
		gnutls_datum_t pem;

		ASSERT_EQ(0, gnutls_x509_crt_export2(next.chain.crt[0],
						     GNUTLS_X509_FMT_PEM, &pem));
		ASSERT_EQ(IDN_OK, idn_file_write_atomic(cert, pem.data,
							pem.size, 0644,
							&self->st));
		gnutls_free(pem.data);
	}
	EXPECT_EQ(IDN_ERR_KEY_MISMATCH, refresh(self, &src, &rotated));
	EXPECT_EQ(before, src.tls);
	/* ... and when the key lands too, the rotation goes through. */
	ASSERT_EQ(IDN_OK, write_node(self, &next));
	EXPECT_EQ(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_TRUE(rotated);
	before = src.tls;
	idn_svid_free(&next);

	/* An SVID that already expired is refused. */
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now - 7200, 600, &stale,
				       &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &stale));
	idn_svid_free(&stale);
	EXPECT_EQ(IDN_ERR_EXPIRED, refresh(self, &src, &rotated));
	EXPECT_EQ(before, src.tls);

	/* The identity in use still connects. */
	client_uses(self, &src);
	open_pair(self, &cli, &srv, NULL);
	EXPECT_EQ(IDN_OK, srv.err) TH_LOG("%s", srv.st.detail);
	EXPECT_EQ(IDN_OK, cli.err) TH_LOG("%s", cli.st.detail);
	close_side(&cli);
	close_side(&srv);
	idn_source_close(&src);
}

TEST_F(mtls, ca_rollover_needs_the_new_ca_in_the_bundle_first)
{
	gnutls_datum_t next_pem;
	struct idn_svid svid;
	struct idn_source src;
	struct idn_ca next;
	bool rotated;

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	ASSERT_EQ(IDN_OK, idn_ca_create(&next, TD, IDN_KEY_ECDSA_P256,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(next.crt, GNUTLS_X509_FMT_PEM,
					     &next_pem));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&next, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &svid, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &svid));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, refresh(self, &src, &rotated));
	ASSERT_EQ(IDN_OK, write_bundle(self, &self->ca_pem, &next_pem));
	EXPECT_EQ(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_TRUE(rotated);
	EXPECT_EQ(2u, src.tls->policy.n_anchors);
	gnutls_free(next_pem.data);
	idn_svid_free(&svid);
	idn_ca_free(&next);
	idn_source_close(&src);
}

TEST_F(mtls, revocations_survive_rotation)
{
	char serial[IDN_SERIAL_HEX_MAX];
	struct idn_source src;
	struct idn_svid next;
	bool rotated;

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(self->b.chain.crt[0], serial,
					     &self->st));
	ASSERT_EQ(IDN_OK, idn_source_revoke(&src, serial, &self->st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_source_revoke(&src, "xyz", &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &next, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &next));
	idn_svid_free(&next);
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	ASSERT_TRUE(rotated);
	EXPECT_EQ(IDN_ERR_REVOKED, idn_verify(&src.tls->policy, &self->b.chain,
					      time(NULL), NULL, &self->st));
	idn_source_close(&src);
}

/*
 * A revocation reaches the source's current policy only; a connection
 * made with credentials that were rotated out since is judged by that
 * current policy through idn_source_recheck(), not by its own stale one.
 */
TEST_F(mtls, source_recheck_applies_a_revocation_to_connections_of_older_credentials)
{
	char serial[IDN_SERIAL_HEX_MAX];
	struct idn_source src;
	struct idn_svid next;
	struct side cli, srv;
	bool rotated;

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	client_uses(self, &src);
	open_pair(self, &cli, &srv, NULL);
	ASSERT_EQ(IDN_OK, cli.err);
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &next, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &next));
	idn_svid_free(&next);
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	ASSERT_TRUE(rotated);
	ASSERT_NE(cli.conn.tls, src.tls);

	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(self->b.chain.crt[0], serial,
					     &self->st));
	ASSERT_EQ(IDN_OK, idn_source_revoke(&src, serial, &self->st));
	/* The credentials it was made with never heard of the revocation. */
	EXPECT_EQ(IDN_OK, idn_conn_recheck(&cli.conn, &cli.conn.tls->policy,
					   time(NULL), &self->st));
	EXPECT_EQ(IDN_ERR_REVOKED, idn_source_recheck(&src, &cli.conn,
						      time(NULL), &self->st));
	close_side(&cli);
	close_side(&srv);
	idn_source_close(&src);
}

/*
 * A node federating with a partner reads the partner's bundle file too.
 * Each file is bound to its trust domain, so a partner file holding a CA
 * of our domain is refused instead of trusted for our identities.
 */
TEST_F(mtls, federated_bundle_files_are_bound_to_their_trust_domain)
{
	static char cert[128], key[128], ours[128], partner[128];
	struct idn_files f = { .cert = cert, .key = key,
			       .bundles = { ours, partner },
			       .bundle_tds = { TD, "partner.test" },
			       .n_bundles = 2 };
	struct idn_source src;
	struct idn_ca rogue;
	gnutls_datum_t pem;

	path_of(self, "node.pem", cert, sizeof(cert));
	path_of(self, "node.key", key, sizeof(key));
	path_of(self, "bundle.pem", ours, sizeof(ours));
	path_of(self, "partner.pem", partner, sizeof(partner));
	ASSERT_EQ(IDN_OK, write_node(self, &self->a));
	ASSERT_EQ(IDN_OK, write_bundle(self, &self->ca_pem, NULL));
	ASSERT_EQ(IDN_OK, idn_ca_create(&rogue, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(rogue.crt, GNUTLS_X509_FMT_PEM,
					     &pem));
	ASSERT_EQ(IDN_OK, idn_file_write_atomic(partner, pem.data, pem.size,
						0644, &self->st));
	EXPECT_EQ(IDN_ERR_TRUST_DOMAIN,
		  idn_source_open(&src, &f, any_node, 1, IDN_SKEW_DEFAULT,
				  time(NULL), &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "partner.pem"));
	/* Unbound, several files would let each name its own domain. */
	f.bundle_tds[0] = NULL;
	f.bundle_tds[1] = NULL;
	EXPECT_EQ(IDN_ERR_INVAL,
		  idn_source_open(&src, &f, any_node, 1, IDN_SKEW_DEFAULT,
				  time(NULL), &self->st));
	gnutls_free(pem.data);
	idn_ca_free(&rogue);
}

/*
 * The node's SVID is from the old CA when the operator removes that CA
 * from the bundle (compromised, say). The removal applies at once: peers
 * of the old CA are refused, while the node keeps serving its SVID, is
 * told why peers may refuse it, and rotates when its new SVID lands.
 */
TEST_F(mtls, removing_a_ca_applies_even_when_our_own_svid_is_from_it)
{
	gnutls_datum_t next_pem;
	struct idn_source src;
	struct idn_svid renewed;
	struct idn_ca next;
	bool rotated;

	ASSERT_EQ(IDN_OK, idn_ca_create(&next, TD, IDN_KEY_ED25519,
					self->now - 60, 3600, &self->st));
	ASSERT_EQ(0, gnutls_x509_crt_export2(next.crt, GNUTLS_X509_FMT_PEM,
					     &next_pem));
	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	ASSERT_EQ(IDN_OK, write_bundle(self, &self->ca_pem, &next_pem));
	ASSERT_EQ(IDN_OK, refresh(self, &src, &rotated));
	ASSERT_EQ(IDN_OK, idn_verify(&src.tls->policy, &self->b.chain,
				     time(NULL), NULL, &self->st));

	ASSERT_EQ(IDN_OK, write_bundle(self, &next_pem, NULL));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, refresh(self, &src, &rotated));
	EXPECT_NE(NULL, strstr(self->st.detail, "own SVID"));
	EXPECT_TRUE(rotated);
	EXPECT_EQ(IDN_ERR_UNTRUSTED, idn_verify(&src.tls->policy,
						&self->b.chain, time(NULL),
						NULL, &self->st));

	ASSERT_EQ(IDN_OK, idn_ca_issue(&next, NODE_A, IDN_KEY_ED25519,
				       self->now, 3600, &renewed, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &renewed));
	EXPECT_EQ(IDN_OK, refresh(self, &src, &rotated));
	EXPECT_TRUE(rotated);
	EXPECT_EQ(IDN_OK, idn_verify(&src.tls->policy, &renewed.chain,
				     time(NULL), NULL, &self->st));
	idn_svid_free(&renewed);
	gnutls_free(next_pem.data);
	idn_ca_free(&next);
	idn_source_close(&src);
}

/* An SVID written a little ahead of its validity is used once it starts. */
TEST_F(mtls, svid_refused_as_not_yet_valid_is_tried_again_later)
{
	struct idn_source src;
	struct idn_svid early;
	bool rotated;
	time_t now = time(NULL);

	ASSERT_EQ(IDN_OK, open_source(self, &src, &self->a));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE_A, IDN_KEY_ED25519,
				       now + 600, 3600, &early, &self->st));
	ASSERT_EQ(IDN_OK, write_node(self, &early));
	idn_svid_free(&early);
	EXPECT_EQ(IDN_ERR_NOT_YET_VALID,
		  idn_source_refresh(&src, now, &rotated, &self->st));
	EXPECT_FALSE(rotated);
	EXPECT_EQ(1u, src.generation);
	/* Ten minutes later, with no file touched in between. */
	EXPECT_EQ(IDN_OK, idn_source_refresh(&src, now + 600, &rotated,
					     &self->st));
	EXPECT_TRUE(rotated);
	EXPECT_EQ(2u, src.generation);
	idn_source_close(&src);
}

/* A bad rule is a configuration error, reported before any file is read. */
TEST_F(mtls, source_refuses_a_rule_that_matches_no_one_before_reading_files)
{
	static const char *const bad[] = { "spiffe:///node/" };
	struct idn_files f = { .cert = "/nonexistent/node.pem",
			       .key = "/nonexistent/node.key",
			       .bundles = { "/nonexistent/bundle.pem" },
			       .n_bundles = 1 };
	struct idn_source src;

	EXPECT_EQ(IDN_ERR_INVAL,
		  idn_source_open(&src, &f, bad, 1, IDN_SKEW_DEFAULT,
				  time(NULL), &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "spiffe:///node/"))
		TH_LOG("%s", self->st.detail);
	EXPECT_EQ(IDN_ERR_IO,
		  idn_source_open(&src, &f, any_node, 1, IDN_SKEW_DEFAULT,
				  time(NULL), &self->st));
}

TEST_HARNESS_MAIN
