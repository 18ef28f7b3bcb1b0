// SPDX-License-Identifier: GPL-2.0
/*
 * The validator against a matrix of bad peers. Every certificate is built
 * here with GnuTLS's X.509 API, independently of the CA code under test,
 * and written as PEM into a temporary directory, so the file loading path
 * is exercised too. Each bad certificate has exactly one defect and must
 * be refused with the code naming that defect.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "identity/verify.h"

#define TD "mesh.test"
#define NODE "spiffe://" TD "/node/a"
#define HOUR 3600

static void die(const char *what, int ret)
{
	fprintf(stderr, "test setup: %s: %s\n", what, gnutls_strerror(ret));
	exit(1);
}

static gnutls_x509_privkey_t make_key(void)
{
	gnutls_x509_privkey_t k;
	int ret;

	ret = gnutls_x509_privkey_init(&k);
	if (ret < 0)
		die("privkey_init", ret);
	ret = gnutls_x509_privkey_generate2(k, GNUTLS_PK_EDDSA_ED25519, 0, 0,
					    NULL, 0);
	if (ret < 0)
		die("generate", ret);
	return k;
}

/* One certificate's contents; zero fields mean "like a good leaf". */
struct spec {
	const char *uri[3];	/* URI SANs, NULL-terminated */
	const char *dns;	/* an extra non-URI SAN */
	long nb, na;		/* validity, seconds relative to now */
	int ca;
	unsigned int ku;	/* key usage, 0 = digitalSignature */
	int no_ku;
	unsigned char serial;
	const char *cn;
};

static gnutls_x509_crt_t make_crt(const struct spec *s, time_t now,
				  gnutls_x509_privkey_t key,
				  gnutls_x509_crt_t issuer,
				  gnutls_x509_privkey_t ikey)
{
	unsigned char serial[2] = { 0x01, s->serial ? s->serial : 0x42 };
	const char *cn = s->cn ? s->cn : "x0tta test";
	gnutls_x509_crt_t c;
	int ret;

	ret = gnutls_x509_crt_init(&c);
	if (ret < 0)
		die("crt_init", ret);
	gnutls_x509_crt_set_version(c, 3);
	gnutls_x509_crt_set_serial(c, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(c, now + (s->nb ? s->nb : -HOUR));
	gnutls_x509_crt_set_expiration_time(c, now + (s->na ? s->na : HOUR));
	gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
				      strlen(cn));
	ret = gnutls_x509_crt_set_key(c, key);
	if (ret < 0)
		die("set_key", ret);
	gnutls_x509_crt_set_basic_constraints(c, s->ca, -1);
	if (!s->no_ku)
		gnutls_x509_crt_set_key_usage(c, s->ku ? s->ku :
					      GNUTLS_KEY_DIGITAL_SIGNATURE);
	for (int i = 0; s->uri[i]; i++)
		gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_URI,
						     s->uri[i],
						     strlen(s->uri[i]),
						     GNUTLS_FSAN_APPEND);
	if (s->dns)
		gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME,
						     s->dns, strlen(s->dns),
						     GNUTLS_FSAN_APPEND);
	ret = gnutls_x509_crt_sign2(c, issuer ? issuer : c, ikey ? ikey : key,
				    GNUTLS_DIG_SHA512, 0);
	if (ret < 0)
		die("sign", ret);
	return c;
}

static gnutls_x509_crt_t make_ca(const char *td, time_t now,
				 gnutls_x509_privkey_t key, const char *cn)
{
	char uri[128];
	struct spec s = {
		.uri = { uri }, .ca = 1, .cn = cn, .na = 24 * HOUR,
		.ku = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN,
	};

	snprintf(uri, sizeof(uri), "spiffe://%s", td);
	return make_crt(&s, now, key, NULL, NULL);
}

static void append_pem(FILE *f, gnutls_x509_crt_t c)
{
	gnutls_datum_t d;
	int ret = gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d);

	if (ret < 0)
		die("export", ret);
	fwrite(d.data, 1, d.size, f);
	gnutls_free(d.data);
}

static void write_pem(const char *path, gnutls_x509_crt_t a,
		      gnutls_x509_crt_t b)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	append_pem(f, a);
	if (b)
		append_pem(f, b);
	fclose(f);
}

static void write_key(const char *path, gnutls_x509_privkey_t k)
{
	gnutls_datum_t d;
	FILE *f = fopen(path, "w");
	int ret = gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM,
						   NULL, GNUTLS_PKCS_PLAIN, &d);

	if (!f || ret < 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	fwrite(d.data, 1, d.size, f);
	gnutls_free(d.data);
	fclose(f);
}

FIXTURE(pki) {
	char dir[64];
	char path[384];
	time_t now;
	gnutls_x509_privkey_t ca_key, other_key, peer_key;
	gnutls_x509_crt_t ca, other_ca, peer_ca;
	struct idn_policy pol;
	struct idn_status st;
};

static const char *fpath(FIXTURE_DATA(pki) *self, const char *name)
{
	snprintf(self->path, sizeof(self->path), "%s/%s", self->dir, name);
	return self->path;
}

FIXTURE_SETUP(pki)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/x0tta-idn-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->now = time(NULL);
	self->ca_key = make_key();
	self->other_key = make_key();
	self->peer_key = make_key();
	self->ca = make_ca(TD, self->now, self->ca_key, "mesh CA");
	/* Same trust domain name, different key: an impostor CA. */
	self->other_ca = make_ca(TD, self->now, self->other_key, "mesh CA");
	self->peer_ca = make_ca("peer.test", self->now, self->peer_key,
				"peer CA");
	write_pem(fpath(self, "bundle.pem"), self->ca, NULL);
	idn_policy_init(&self->pol);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_file(&self->pol, TD,
						     fpath(self, "bundle.pem"),
						     &self->st));
}

FIXTURE_TEARDOWN(pki)
{
	DIR *d = opendir(self->dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlink(fpath(self, e->d_name));
	if (d)
		closedir(d);
	rmdir(self->dir);
	idn_policy_free(&self->pol);
	gnutls_x509_crt_deinit(self->ca);
	gnutls_x509_crt_deinit(self->other_ca);
	gnutls_x509_crt_deinit(self->peer_ca);
	gnutls_x509_privkey_deinit(self->ca_key);
	gnutls_x509_privkey_deinit(self->other_key);
	gnutls_x509_privkey_deinit(self->peer_key);
}

/*
 * Build a leaf from s signed by issuer (NULL: self-signed), write it (and
 * an optional intermediate) to leaf.pem, load it back and validate it.
 */
static enum idn_err check_chain(FIXTURE_DATA(pki) *self, const struct spec *s,
				gnutls_x509_crt_t issuer,
				gnutls_x509_privkey_t ikey,
				gnutls_x509_crt_t inter,
				struct idn_spiffe_id *id)
{
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(s, self->now, key, issuer, ikey);
	struct idn_chain chain;
	enum idn_err err;

	write_pem(fpath(self, "leaf.pem"), leaf, inter);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
	err = idn_chain_load(&chain, fpath(self, "leaf.pem"), &self->st);
	if (err)
		return err;
	err = idn_verify(&self->pol, &chain, self->now, id, &self->st);
	idn_chain_free(&chain);
	if (err)
		fprintf(stderr, "# refused: %s: %s\n", idn_errname(err),
			self->st.detail);
	return err;
}

static enum idn_err check(FIXTURE_DATA(pki) *self, const struct spec *s)
{
	return check_chain(self, s, self->ca, self->ca_key, NULL, NULL);
}

TEST_F(pki, good_leaf_is_accepted_with_its_spiffe_id)
{
	struct spec s = { .uri = { NODE }, .dns = "node-a.local" };
	struct idn_spiffe_id id;

	ASSERT_EQ(IDN_OK, check_chain(self, &s, self->ca, self->ca_key, NULL,
				      &id));
	EXPECT_STREQ(NODE, id.id);
	EXPECT_STREQ(TD, id.td);
	EXPECT_STREQ("/node/a", idn_spiffe_path(&id));
}

TEST_F(pki, expired_leaf_is_refused)
{
	struct spec s = { .uri = { NODE }, .nb = -2 * HOUR, .na = -HOUR };

	ASSERT_EQ(IDN_ERR_EXPIRED, check(self, &s));
}

TEST_F(pki, not_yet_valid_leaf_is_refused)
{
	struct spec s = { .uri = { NODE }, .nb = HOUR, .na = 2 * HOUR };

	ASSERT_EQ(IDN_ERR_NOT_YET_VALID, check(self, &s));
}

TEST_F(pki, clock_skew_is_tolerated_only_up_to_the_configured_bound)
{
	struct spec late = { .uri = { NODE }, .nb = -HOUR, .na = -10 };
	struct spec early = { .uri = { NODE }, .nb = 10, .na = HOUR };

	self->pol.skew = 30;
	EXPECT_EQ(IDN_OK, check(self, &late));
	EXPECT_EQ(IDN_OK, check(self, &early));
	self->pol.skew = 5;
	EXPECT_EQ(IDN_ERR_EXPIRED, check(self, &late));
	EXPECT_EQ(IDN_ERR_NOT_YET_VALID, check(self, &early));
}

TEST_F(pki, wrong_trust_domain_is_refused)
{
	struct spec s = { .uri = { "spiffe://elsewhere.test/node/a" } };

	ASSERT_EQ(IDN_ERR_TRUST_DOMAIN, check(self, &s));
	EXPECT_NE(NULL, strstr(self->st.detail, "elsewhere.test"));
}

TEST_F(pki, leaf_of_an_untrusted_ca_is_refused)
{
	struct spec s = { .uri = { NODE } };

	ASSERT_EQ(IDN_ERR_UNTRUSTED, check_chain(self, &s, self->other_ca,
						 self->other_key, NULL, NULL));
}

TEST_F(pki, self_signed_leaf_is_refused)
{
	struct spec s = { .uri = { NODE } };

	ASSERT_EQ(IDN_ERR_SELF_SIGNED, check_chain(self, &s, NULL, NULL,
						   NULL, NULL));
}

TEST_F(pki, leaf_with_ca_bit_is_refused)
{
	struct spec s = { .uri = { NODE }, .ca = 1 };

	ASSERT_EQ(IDN_ERR_LEAF_IS_CA, check(self, &s));
}

TEST_F(pki, leaf_without_digital_signature_is_refused)
{
	struct spec enc = { .uri = { NODE },
			    .ku = GNUTLS_KEY_KEY_ENCIPHERMENT };
	struct spec signer = { .uri = { NODE },
			       .ku = GNUTLS_KEY_DIGITAL_SIGNATURE |
				     GNUTLS_KEY_KEY_CERT_SIGN };
	struct spec none = { .uri = { NODE }, .no_ku = 1 };

	EXPECT_EQ(IDN_ERR_KEY_USAGE, check(self, &enc));
	EXPECT_EQ(IDN_ERR_KEY_USAGE, check(self, &signer));
	EXPECT_EQ(IDN_ERR_KEY_USAGE, check(self, &none));
}

TEST_F(pki, leaf_without_uri_san_is_refused)
{
	struct spec dns_only = { .dns = "node-a.local" };
	struct spec no_san = { .uri = { NULL } };

	EXPECT_EQ(IDN_ERR_NO_URI_SAN, check(self, &dns_only));
	EXPECT_EQ(IDN_ERR_NO_URI_SAN, check(self, &no_san));
}

TEST_F(pki, leaf_with_two_uri_sans_is_refused)
{
	struct spec s = { .uri = { NODE, "spiffe://" TD "/node/b" } };

	ASSERT_EQ(IDN_ERR_MULTIPLE_URI_SAN, check(self, &s));
}

TEST_F(pki, malformed_spiffe_ids_are_refused)
{
	static const char *const bad[] = {
		"https://" TD "/node/a", "spiffe://MESH.test/node/a",
		"spiffe://" TD "/node/../a", "spiffe://" TD ":8443/node/a",
		"spiffe://" TD "/node/a?x", "spiffe://" TD "/node/a/",
		/* A trust domain ID names a domain, never a workload. */
		"spiffe://" TD,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spec s = { .uri = { bad[i] } };

		EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID, check(self, &s))
			TH_LOG("accepted %s", bad[i]);
	}
}

TEST_F(pki, revoked_serial_is_refused_and_others_pass)
{
	struct spec revoked = { .uri = { NODE }, .serial = 0x77 };
	struct spec other = { .uri = { NODE }, .serial = 0x78 };

	ASSERT_EQ(IDN_OK, check(self, &revoked));
	/* Any spelling of the serial works: 0x prefix, case, zeros, colons. */
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->pol, "0x00:01:77",
					    &self->st));
	EXPECT_EQ(IDN_ERR_REVOKED, check(self, &revoked));
	EXPECT_EQ(IDN_OK, check(self, &other));
	/* Revoking it again, in another spelling, keeps one entry. */
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->pol, "177", &self->st));
	EXPECT_EQ(1u, self->pol.n_revoked);
}

TEST_F(pki, bad_revocation_input_changes_nothing)
{
	EXPECT_EQ(IDN_ERR_INVAL, idn_policy_revoke(&self->pol, "12zz",
						   &self->st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_policy_revoke(&self->pol, "", &self->st));
	EXPECT_EQ(IDN_ERR_INVAL,
		  idn_policy_revoke(&self->pol,
				    "0102030405060708090a0b0c0d0e0f101112131415",
				    &self->st));
	EXPECT_EQ(0u, self->pol.n_revoked);
}

TEST_F(pki, key_not_matching_certificate_is_refused_at_load)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key(), wrong = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->ca,
					  self->ca_key);
	struct idn_svid svid;
	char cert_path[384], key_path[384], good_path[384];

	write_pem(fpath(self, "svid.pem"), leaf, NULL);
	snprintf(cert_path, sizeof(cert_path), "%s", self->path);
	write_key(fpath(self, "svid.key"), wrong);
	snprintf(key_path, sizeof(key_path), "%s", self->path);
	write_key(fpath(self, "good.key"), key);
	snprintf(good_path, sizeof(good_path), "%s", self->path);

	EXPECT_EQ(IDN_ERR_KEY_MISMATCH,
		  idn_svid_load(&svid, cert_path, key_path, &self->st));
	EXPECT_EQ(IDN_ERR_PEM,
		  idn_svid_load(&svid, cert_path, cert_path, &self->st));
	ASSERT_EQ(IDN_OK, idn_svid_load(&svid, cert_path, good_path,
					&self->st));
	EXPECT_STREQ(NODE, svid.id.id);
	idn_svid_free(&svid);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
	gnutls_x509_privkey_deinit(wrong);
}

TEST_F(pki, federated_domains_each_vouch_only_for_their_own_ids)
{
	struct spec peer = { .uri = { "spiffe://peer.test/node/p" } };
	struct idn_spiffe_id id;

	/* Before federation, peer.test identities are unknown. */
	EXPECT_EQ(IDN_ERR_TRUST_DOMAIN,
		  check_chain(self, &peer, self->peer_ca, self->peer_key,
			      NULL, NULL));
	write_pem(fpath(self, "peer-bundle.pem"), self->peer_ca, NULL);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_file(
		&self->pol, "peer.test", fpath(self, "peer-bundle.pem"),
		&self->st));
	EXPECT_EQ(IDN_OK, check_chain(self, &peer, self->peer_ca,
				      self->peer_key, NULL, &id));
	EXPECT_STREQ("peer.test", id.td);
	/* The mesh CA cannot mint peer.test identities, nor the reverse. */
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_chain(self, &peer, self->ca,
						 self->ca_key, NULL, NULL));
	{
		struct spec mesh = { .uri = { NODE } };

		EXPECT_EQ(IDN_ERR_UNTRUSTED,
			  check_chain(self, &mesh, self->peer_ca,
				      self->peer_key, NULL, NULL));
	}
}

TEST_F(pki, leaf_under_an_intermediate_ca_is_accepted)
{
	struct spec is = { .uri = { "spiffe://" TD }, .ca = 1, .cn = "inter",
			   .ku = GNUTLS_KEY_KEY_CERT_SIGN };
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t ikey = make_key();
	gnutls_x509_crt_t inter = make_crt(&is, self->now, ikey, self->ca,
					   self->ca_key);

	EXPECT_EQ(IDN_OK, check_chain(self, &s, inter, ikey, inter, NULL));
	/* Without the intermediate in the file, the chain is broken. */
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_chain(self, &s, inter, ikey, NULL,
						 NULL));
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_privkey_deinit(ikey);
}

TEST_F(pki, expired_intermediate_is_refused)
{
	struct spec is = { .uri = { "spiffe://" TD }, .ca = 1, .cn = "inter",
			   .ku = GNUTLS_KEY_KEY_CERT_SIGN,
			   .nb = -3 * HOUR, .na = -2 * HOUR };
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t ikey = make_key();
	gnutls_x509_crt_t inter = make_crt(&is, self->now, ikey, self->ca,
					   self->ca_key);

	EXPECT_EQ(IDN_ERR_EXPIRED, check_chain(self, &s, inter, ikey, inter,
					       NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "top"));
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_privkey_deinit(ikey);
}

TEST_F(pki, bundle_with_a_non_ca_or_garbage_is_refused_whole)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->ca,
					  self->ca_key);
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
				      "-----END CERTIFICATE-----\n";
	unsigned int before = self->pol.n_anchors;

	write_pem(fpath(self, "mixed.pem"), self->peer_ca, leaf);
	EXPECT_EQ(IDN_ERR_INVAL, idn_policy_add_bundle_file(
		&self->pol, "peer.test", fpath(self, "mixed.pem"), &self->st));
	EXPECT_EQ(before, self->pol.n_anchors);
	EXPECT_FALSE(idn_policy_has_domain(&self->pol, "peer.test"));
	EXPECT_EQ(IDN_ERR_PEM, idn_policy_add_bundle_pem(
		&self->pol, TD, garbage, sizeof(garbage) - 1, &self->st));
	EXPECT_EQ(IDN_ERR_NO_CERT, idn_policy_add_bundle_pem(
		&self->pol, TD, "hello", 5, &self->st));
	EXPECT_EQ(IDN_ERR_IO, idn_policy_add_bundle_file(
		&self->pol, TD, fpath(self, "missing.pem"), &self->st));
	EXPECT_EQ(before, self->pol.n_anchors);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

/* Validate certificates as a peer sent them, fully or as a resumption. */
/* The chain crt[0..n-1] as a TLS peer sends it. */
static void export_der(const gnutls_x509_crt_t *crt, unsigned int n,
		       gnutls_datum_t der[IDN_CHAIN_MAX])
{
	for (unsigned int i = 0; i < n; i++)
		if (gnutls_x509_crt_export2(crt[i], GNUTLS_X509_FMT_DER,
					    &der[i]) < 0)
			die("export", -1);
}

static void free_der(gnutls_datum_t *der, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		gnutls_free(der[i].data);
}

static enum idn_err check_sent(FIXTURE_DATA(pki) *self,
			       const gnutls_x509_crt_t *crt, unsigned int n,
			       bool known)
{
	gnutls_datum_t der[IDN_CHAIN_MAX];
	struct idn_chain chain;
	enum idn_err err;

	/* Through DER, as they arrive: GnuTLS caches DNs only on import. */
	export_der(crt, n, der);
	err = idn_chain_import_der(&chain, der, n, &self->st);
	free_der(der, n);
	if (err)
		return err;
	if (known)
		err = idn_verify_known(&self->pol, &chain, self->now, NULL,
				       &self->st);
	else
		err = idn_verify(&self->pol, &chain, self->now, NULL,
				 &self->st);
	idn_chain_free(&chain);
	if (err)
		fprintf(stderr, "# refused: %s: %s\n", idn_errname(err),
			self->st.detail);
	return err;
}

static void trust_also(FIXTURE_DATA(pki) *self, gnutls_x509_crt_t ca)
{
	write_pem(fpath(self, "more.pem"), ca, NULL);
	if (idn_policy_add_bundle_file(&self->pol, TD, fpath(self, "more.pem"),
				       &self->st)) {
		fprintf(stderr, "trust_also: %s\n", self->st.detail);
		exit(1);
	}
}

/*
 * A rollover: the old and the new CA of the domain have the same name.
 * A peer of the old CA sends the new CA along; once the old CA leaves the
 * bundle, neither a full handshake nor a resumption may accept it.
 */
TEST_F(pki, resumption_is_refused_once_the_real_issuer_left_the_bundle)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->other_ca,
					  self->other_key);
	gnutls_x509_crt_t padded[2] = { leaf, self->ca };

	trust_also(self, self->other_ca);
	ASSERT_EQ(IDN_OK, check_sent(self, padded, 2, false));
	ASSERT_EQ(IDN_OK, check_sent(self, padded, 1, false));
	/* The old CA (other_ca) is retired: only ca stays trusted. */
	idn_policy_free(&self->pol);
	trust_also(self, self->ca);
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, padded, 2, false));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, padded, 2, true));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, padded, 1, true));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

TEST_F(pki, chain_with_a_certificate_that_issued_nothing_is_refused)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->ca,
					  self->ca_key);
	gnutls_x509_crt_t extra[2] = { leaf, self->peer_ca };
	gnutls_x509_crt_t past[3] = { leaf, self->ca, self->peer_ca };

	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, extra, 2, false));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, extra, 2, true));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, past, 3, false));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, past, 3, true));
	/* The same leaf, sent alone or with its CA, is fine. */
	EXPECT_EQ(IDN_OK, check_sent(self, past, 2, false));
	EXPECT_EQ(IDN_OK, check_sent(self, past, 2, true));
	EXPECT_EQ(IDN_OK, check_sent(self, past, 1, true));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

/*
 * The memo of verified signatures that makes resumptions cheap must
 * vouch only for the CA that really signed: here a stale memo, taken
 * over into a policy that trusts only a same-named CA of another key,
 * must not let the old CA's leaf resume.
 */
TEST_F(pki, memo_of_verified_signatures_never_vouches_for_another_ca)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->other_ca,
					  self->other_key);
	struct idn_sig_memo seen;

	trust_also(self, self->other_ca);
	ASSERT_EQ(IDN_OK, check_sent(self, &leaf, 1, false));
	ASSERT_NE(NULL, self->pol.memo);
	ASSERT_EQ(1, self->pol.memo->n);
	/* Seen before: judged again without a new entry. */
	ASSERT_EQ(IDN_OK, check_sent(self, &leaf, 1, true));
	ASSERT_EQ(1, self->pol.memo->n);
	seen = *self->pol.memo;

	idn_policy_free(&self->pol);
	write_pem(fpath(self, "bundle.pem"), self->ca, NULL);
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_file(&self->pol, TD,
						     fpath(self, "bundle.pem"),
						     &self->st));
	*self->pol.memo = seen;
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, &leaf, 1, true));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, &leaf, 1, false));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

/* Many peers: the memo stays bounded and recent peers still resume. */
TEST_F(pki, memo_of_verified_signatures_is_bounded)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();

	for (int i = 0; i < IDN_SIG_MEMO_MAX + 8; i++) {
		gnutls_x509_crt_t leaf;

		s.serial = i + 1;
		leaf = make_crt(&s, self->now, key, self->ca, self->ca_key);
		ASSERT_EQ(IDN_OK, check_sent(self, &leaf, 1, false));
		ASSERT_EQ(IDN_OK, check_sent(self, &leaf, 1, true));
		gnutls_x509_crt_deinit(leaf);
	}
	EXPECT_EQ(IDN_SIG_MEMO_MAX, self->pol.memo->n);
	gnutls_x509_privkey_deinit(key);
}

/*
 * Chains as a TLS session hands them over, judged by idn_verify_der() at
 * now + at; *not_after is the leaf's expiry it reports.
 */
static enum idn_err check_der(FIXTURE_DATA(pki) *self,
			      const gnutls_x509_crt_t *crt, unsigned int n,
			      bool known, long at, time_t *not_after)
{
	gnutls_datum_t der[IDN_CHAIN_MAX];
	struct idn_spiffe_id id;
	enum idn_err err;
	time_t na = 0;

	export_der(crt, n, der);
	err = idn_verify_der(&self->pol, der, n, known, self->now + at, &id,
			     &na, &self->st);
	free_der(der, n);
	if (!err && strcmp(id.id, NODE))
		return IDN_ERR_INVAL;
	if (not_after)
		*not_after = na;
	if (err)
		fprintf(stderr, "# refused: %s: %s\n", idn_errname(err),
			self->st.detail);
	return err;
}

/*
 * A resumption of a chain seen before is judged from the policy's chain
 * memo, without parsing it; whatever can change since must still refuse
 * it, with the reason a full check would give: a revocation of any of
 * its certificates, its own or its bundle CA's validity at that time.
 */
TEST_F(pki, remembered_chain_is_still_refused_once_revoked_or_expired)
{
	struct spec is = { .uri = { "spiffe://" TD }, .ca = 1,
			   .cn = "inter", .serial = 0x51,
			   .ku = GNUTLS_KEY_KEY_CERT_SIGN };
	struct spec s = { .uri = { NODE }, .na = 48 * HOUR, .serial = 0x52 };
	gnutls_x509_privkey_t ikey = make_key(), key = make_key();
	gnutls_x509_crt_t inter = make_crt(&is, self->now, ikey, self->ca,
					   self->ca_key);
	gnutls_x509_crt_t chain[2] = {
		make_crt(&s, self->now, key, inter, ikey), inter
	};
	time_t full, resumed;

	ASSERT_EQ(IDN_OK, check_der(self, chain, 2, false, 0, &full));
	ASSERT_EQ(IDN_OK, check_der(self, chain, 2, false, 0, &full));
	ASSERT_EQ(1, self->pol.chains->n);
	ASSERT_EQ(IDN_OK, check_der(self, chain, 2, true, 0, &resumed));
	EXPECT_EQ(full, resumed);
	EXPECT_EQ(1, self->pol.chains->n);
	/* The leaf outlives its CAs: each window is checked on its own. */
	EXPECT_EQ(IDN_ERR_EXPIRED, check_der(self, chain, 2, true, 2 * HOUR,
					     NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "top certificate expired"));
	EXPECT_EQ(IDN_ERR_NOT_YET_VALID, check_der(self, chain, 2, true,
						   -2 * HOUR, NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "leaf certificate"));
	ASSERT_EQ(IDN_OK, check_der(self, chain, 2, true, 0, NULL));
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->pol, "151", &self->st));
	EXPECT_EQ(IDN_ERR_REVOKED, check_der(self, chain, 2, true, 0, NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "top certificate serial 151"));
	ASSERT_EQ(IDN_OK, idn_policy_revoke(&self->pol, "152", &self->st));
	EXPECT_EQ(IDN_ERR_REVOKED, check_der(self, chain, 2, true, 0, NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "leaf certificate serial"));
	gnutls_x509_crt_deinit(chain[0]);
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_privkey_deinit(key);
	gnutls_x509_privkey_deinit(ikey);
}

TEST_F(pki, remembered_chain_is_still_refused_once_its_bundle_ca_expired)
{
	struct spec s = { .uri = { NODE }, .na = 48 * HOUR };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->ca,
					  self->ca_key);

	ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, false, 0, NULL));
	ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, true, 0, NULL));
	EXPECT_EQ(IDN_ERR_EXPIRED, check_der(self, &leaf, 1, true, 30 * HOUR,
					     NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "trust bundle CA"));
	EXPECT_EQ(IDN_ERR_EXPIRED, check_der(self, &leaf, 1, true, 49 * HOUR,
					     NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "leaf certificate expired"));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

/*
 * What the memo holds was established against one set of bundle CAs:
 * adding a bundle forgets it, and a chain whose CA is not in a new
 * policy is refused as it would be without the memo.
 */
TEST_F(pki, remembered_chains_do_not_outlive_their_bundles)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t leaf = make_crt(&s, self->now, key, self->ca,
					  self->ca_key);
	struct idn_chain_memo seen;

	ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, false, 0, NULL));
	ASSERT_EQ(1, self->pol.chains->n);
	seen = *self->pol.chains;
	trust_also(self, self->other_ca);
	EXPECT_EQ(0, self->pol.chains->n);
	ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, true, 0, NULL));

	/* A rotated bundle without our CA, even handed the old memo. */
	idn_policy_free(&self->pol);
	trust_also(self, self->other_ca);
	*self->pol.chains = seen;
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_der(self, &leaf, 1, true, 0, NULL));
	EXPECT_NE(NULL, strstr(self->st.detail, "no longer"));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_privkey_deinit(key);
}

/* Many peers: the chain memo stays bounded and recent peers still hit. */
TEST_F(pki, memo_of_remembered_chains_is_bounded)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();

	for (int i = 0; i < IDN_CHAIN_MEMO_MAX + 8; i++) {
		gnutls_x509_crt_t leaf;

		s.serial = i + 1;
		leaf = make_crt(&s, self->now, key, self->ca, self->ca_key);
		ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, false, 0, NULL));
		ASSERT_EQ(IDN_OK, check_der(self, &leaf, 1, true, 0, NULL));
		gnutls_x509_crt_deinit(leaf);
	}
	EXPECT_EQ(IDN_CHAIN_MEMO_MAX, self->pol.chains->n);
	gnutls_x509_privkey_deinit(key);
}

/* A CA named like the fixture's, valid from now + nb to now + na. */
static gnutls_x509_crt_t make_ca_at(FIXTURE_DATA(pki) *self,
				    gnutls_x509_privkey_t key, long nb,
				    long na)
{
	struct spec s = {
		.uri = { "spiffe://" TD }, .ca = 1, .cn = "mesh CA",
		.nb = nb, .na = na,
		.ku = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN,
	};

	return make_crt(&s, self->now, key, NULL, NULL);
}

/*
 * The bundle CA's own validity counts, judged on the CA that signed the
 * leaf: a same-named expired predecessor left in the bundle must not
 * break its successor's leaves, and an unrelated certificate appended to
 * the chain must not skip the check.
 */
TEST_F(pki, leaves_of_an_expired_or_future_bundle_ca_are_refused)
{
	gnutls_x509_privkey_t old_key = make_key(), new_key = make_key();
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t old_ca = make_ca_at(self, old_key, -48 * HOUR,
					      -HOUR);
	gnutls_x509_crt_t new_ca = make_ca_at(self, new_key, HOUR,
					      48 * HOUR);
	struct spec s = { .uri = { NODE } };
	gnutls_x509_crt_t of_old = make_crt(&s, self->now, key, old_ca,
					    old_key);
	gnutls_x509_crt_t of_new = make_crt(&s, self->now, key, new_ca,
					    new_key);
	gnutls_x509_crt_t of_ca = make_crt(&s, self->now, key, self->ca,
					   self->ca_key);
	gnutls_x509_crt_t junk[2] = { of_old, self->peer_ca };

	trust_also(self, old_ca);
	trust_also(self, new_ca);
	EXPECT_EQ(IDN_ERR_EXPIRED, check_sent(self, &of_old, 1, false));
	EXPECT_NE(NULL, strstr(self->st.detail, "trust bundle CA"));
	EXPECT_EQ(IDN_ERR_EXPIRED, check_sent(self, &of_old, 1, true));
	EXPECT_EQ(IDN_ERR_NOT_YET_VALID, check_sent(self, &of_new, 1, false));
	EXPECT_NE(IDN_OK, check_sent(self, junk, 2, false));
	EXPECT_NE(IDN_OK, check_sent(self, junk, 2, true));
	/* The valid CA of the same name still vouches for its leaves. */
	EXPECT_EQ(IDN_OK, check_sent(self, &of_ca, 1, false));
	EXPECT_EQ(IDN_OK, check_sent(self, &of_ca, 1, true));
	gnutls_x509_crt_deinit(of_old);
	gnutls_x509_crt_deinit(of_new);
	gnutls_x509_crt_deinit(of_ca);
	gnutls_x509_crt_deinit(old_ca);
	gnutls_x509_crt_deinit(new_ca);
	gnutls_x509_privkey_deinit(old_key);
	gnutls_x509_privkey_deinit(new_key);
	gnutls_x509_privkey_deinit(key);
}

/*
 * A federated partner controls its own bundle file. A CA in it that
 * claims our trust domain must not become a CA of our domain, however the
 * file is added; and an unbound file may only stand alone.
 */
TEST_F(pki, federated_bundle_cannot_claim_our_trust_domain)
{
	struct spec s = { .uri = { NODE } };
	gnutls_x509_privkey_t key = make_key();
	gnutls_x509_crt_t forged = make_crt(&s, self->now, key,
					    self->other_ca, self->other_key);
	unsigned int before = self->pol.n_anchors;
	struct idn_policy alone;

	write_pem(fpath(self, "partner.pem"), self->other_ca, NULL);
	EXPECT_EQ(IDN_ERR_TRUST_DOMAIN, idn_policy_add_bundle_file(
		&self->pol, "peer.test", fpath(self, "partner.pem"),
		&self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "spiffe://" TD));
	EXPECT_EQ(IDN_ERR_INVAL, idn_policy_add_bundle_file(
		&self->pol, NULL, fpath(self, "partner.pem"), &self->st));
	EXPECT_EQ(before, self->pol.n_anchors);
	EXPECT_FALSE(idn_policy_has_domain(&self->pol, "peer.test"));
	EXPECT_EQ(IDN_ERR_UNTRUSTED, check_sent(self, &forged, 1, false));

	/* One file, one domain, even when it is the only one. */
	write_pem(fpath(self, "two.pem"), self->ca, self->peer_ca);
	idn_policy_init(&alone);
	EXPECT_EQ(IDN_ERR_TRUST_DOMAIN, idn_policy_add_bundle_file(
		&alone, NULL, fpath(self, "two.pem"), &self->st));
	EXPECT_EQ(0u, alone.n_anchors);
	/* An unbound sole bundle admits no other after it. */
	ASSERT_EQ(IDN_OK, idn_policy_add_bundle_file(
		&alone, NULL, fpath(self, "bundle.pem"), &self->st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_policy_add_bundle_file(
		&alone, "peer.test", fpath(self, "partner.pem"), &self->st));
	EXPECT_EQ(1u, alone.n_anchors);
	idn_policy_free(&alone);
	gnutls_x509_crt_deinit(forged);
	gnutls_x509_privkey_deinit(key);
}

TEST(bundle_arguments_bind_a_file_to_a_trust_domain)
{
	char td[IDN_TRUST_DOMAIN_MAX + 1];
	struct idn_status st;
	const char *path;

	ASSERT_EQ(IDN_OK, idn_bundle_arg_parse("peer.test=/etc/p.pem", td,
					       &path, &st));
	EXPECT_STREQ("peer.test", td);
	EXPECT_STREQ("/etc/p.pem", path);
	ASSERT_EQ(IDN_OK, idn_bundle_arg_parse("/etc/a=b.pem", td, &path,
					       &st));
	EXPECT_STREQ("", td);
	EXPECT_STREQ("/etc/a=b.pem", path);
	EXPECT_EQ(IDN_ERR_INVAL, idn_bundle_arg_parse("Peer.test=p.pem", td,
						      &path, &st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_bundle_arg_parse("=p.pem", td, &path,
						      &st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_bundle_arg_parse("peer.test=", td,
						      &path, &st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_bundle_arg_parse("", td, &path, &st));
}

TEST_HARNESS_MAIN
