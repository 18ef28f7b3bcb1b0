// SPDX-License-Identifier: GPL-2.0
/*
 * The CA library behind `x0ttactl ca`: what it issues must pass the
 * validator, its files must be private and replaced atomically, and it
 * must refuse to mint identities outside its trust domain.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "identity/ca.h"
#include "identity/verify.h"

#define TD "mesh.test"

FIXTURE(ca) {
	char dir[64];
	char cert[128], key[128], bundle[128];
	time_t now;
	struct idn_ca ca;
	struct idn_policy pol;
	struct idn_status st;
};

FIXTURE_SETUP(ca)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/x0tta-ca-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->cert, sizeof(self->cert), "%s/node.pem", self->dir);
	snprintf(self->key, sizeof(self->key), "%s/node.key", self->dir);
	snprintf(self->bundle, sizeof(self->bundle), "%s/ca.pem", self->dir);
	self->now = time(NULL);
	ASSERT_EQ(IDN_OK, idn_ca_create(&self->ca, TD, IDN_KEY_ED25519,
					self->now, 24 * 3600, &self->st));
	idn_policy_init(&self->pol);
}

FIXTURE_TEARDOWN(ca)
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
	idn_ca_free(&self->ca);
	idn_policy_free(&self->pol);
}

static unsigned int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static mode_t file_mode(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? (mode_t)-1 : (sb.st_mode & 07777);
}

/* Save the CA as the bundle and trust it. */
static enum idn_err trust_ca(FIXTURE_DATA(ca) *self)
{
	char key[384];
	enum idn_err err;

	snprintf(key, sizeof(key), "%s/ca.key", self->dir);
	err = idn_ca_save(&self->ca, self->bundle, key, &self->st);
	if (err)
		return err;
	return idn_policy_add_bundle_file(&self->pol, NULL, self->bundle,
					  &self->st);
}

TEST_F(ca, issued_svids_of_both_key_types_pass_the_validator)
{
	enum idn_key_type types[] = { IDN_KEY_ED25519, IDN_KEY_ECDSA_P256 };
	struct idn_spiffe_id id;

	ASSERT_EQ(IDN_OK, trust_ca(self));
	for (unsigned int i = 0; i < 2; i++) {
		struct idn_svid svid, loaded;

		ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca,
					       "spiffe://" TD "/node/a",
					       types[i], self->now, 3600,
					       &svid, &self->st));
		ASSERT_EQ(IDN_OK, idn_svid_save(&svid, self->cert, self->key,
						&self->st));
		idn_svid_free(&svid);
		ASSERT_EQ(IDN_OK, idn_svid_load(&loaded, self->cert,
						self->key, &self->st));
		EXPECT_EQ(IDN_OK, idn_verify(&self->pol, &loaded.chain,
					     self->now, &id, &self->st));
		EXPECT_STREQ("spiffe://" TD "/node/a", id.id);
		idn_svid_free(&loaded);
	}
}

TEST_F(ca, ecdsa_ca_issues_valid_svids)
{
	struct idn_svid svid;

	idn_ca_free(&self->ca);
	ASSERT_EQ(IDN_OK, idn_ca_create(&self->ca, TD, IDN_KEY_ECDSA_P256,
					self->now, 3600, &self->st));
	ASSERT_EQ(IDN_OK, trust_ca(self));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/b",
				       IDN_KEY_ED25519, self->now, 3600, &svid,
				       &self->st));
	EXPECT_EQ(IDN_OK, idn_verify(&self->pol, &svid.chain, self->now, NULL,
				     &self->st));
	idn_svid_free(&svid);
}

TEST_F(ca, svid_expires_after_its_lifetime)
{
	struct idn_svid svid;

	ASSERT_EQ(IDN_OK, trust_ca(self));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, self->now, 3600, &svid,
				       &self->st));
	self->pol.skew = 0;
	EXPECT_EQ(IDN_OK, idn_verify(&self->pol, &svid.chain,
				     self->now + 3600, NULL, &self->st));
	EXPECT_EQ(IDN_ERR_EXPIRED, idn_verify(&self->pol, &svid.chain,
					      self->now + 3601, NULL,
					      &self->st));
	/* Backdated so a peer whose clock is slightly behind accepts it. */
	EXPECT_EQ(self->now - IDN_SVID_BACKDATE,
		  gnutls_x509_crt_get_activation_time(svid.chain.crt[0]));
	idn_svid_free(&svid);
}

TEST_F(ca, keys_are_private_and_files_replaced_without_leftovers)
{
	struct idn_svid a, b;
	char ca_key[384];

	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", self->dir);
	ASSERT_EQ(IDN_OK, trust_ca(self));
	EXPECT_EQ(0600, file_mode(ca_key));
	EXPECT_EQ(0644, file_mode(self->bundle));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, self->now, 3600, &a,
				       &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, self->now, 3600, &b,
				       &self->st));
	ASSERT_EQ(IDN_OK, idn_svid_save(&a, self->cert, self->key, &self->st));
	/* A key that is world-readable before the write stays private after. */
	chmod(self->key, 0644);
	ASSERT_EQ(IDN_OK, idn_svid_save(&b, self->cert, self->key, &self->st));
	EXPECT_EQ(0600, file_mode(self->key));
	EXPECT_EQ(4u, count_files(self->dir));
	idn_svid_free(&a);
	idn_svid_free(&b);
	/* The files now hold b, consistently. */
	ASSERT_EQ(IDN_OK, idn_svid_load(&a, self->cert, self->key, &self->st));
	idn_svid_free(&a);
}

TEST_F(ca, serials_are_unique)
{
	char s1[IDN_SERIAL_HEX_MAX], s2[IDN_SERIAL_HEX_MAX];
	struct idn_svid a, b;

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, self->now, 3600, &a,
				       &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, self->now, 3600, &b,
				       &self->st));
	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(a.chain.crt[0], s1, &self->st));
	ASSERT_EQ(IDN_OK, idn_crt_serial_hex(b.chain.crt[0], s2, &self->st));
	EXPECT_STRNE(s1, s2);
	EXPECT_GE(strlen(s1), 31u);
	idn_svid_free(&a);
	idn_svid_free(&b);
}

TEST_F(ca, refuses_ids_it_must_not_mint)
{
	struct idn_svid svid;

	EXPECT_EQ(IDN_ERR_TRUST_DOMAIN,
		  idn_ca_issue(&self->ca, "spiffe://other.test/node/a",
			       IDN_KEY_ED25519, self->now, 3600, &svid,
			       &self->st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_ca_issue(&self->ca, "spiffe://" TD, IDN_KEY_ED25519,
			       self->now, 3600, &svid, &self->st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_ca_issue(&self->ca, "spiffe://" TD "/node/../x",
			       IDN_KEY_ED25519, self->now, 3600, &svid,
			       &self->st));
	EXPECT_EQ(IDN_ERR_INVAL,
		  idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
			       IDN_KEY_ED25519, self->now, 0, &svid,
			       &self->st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_ca_create(&self->ca, "Bad.Domain", IDN_KEY_ED25519,
				self->now, 3600, &self->st));
}

TEST_F(ca, load_round_trips_and_refuses_a_leaf_as_ca)
{
	struct idn_ca loaded;
	struct idn_svid svid;
	char ca_key[384];

	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", self->dir);
	ASSERT_EQ(IDN_OK, trust_ca(self));
	ASSERT_EQ(IDN_OK, idn_ca_load(&loaded, self->bundle, ca_key,
				      &self->st));
	EXPECT_STREQ("spiffe://" TD, loaded.id.id);
	ASSERT_EQ(IDN_OK, idn_ca_issue(&loaded, "spiffe://" TD "/node/c",
				       IDN_KEY_ED25519, self->now, 3600, &svid,
				       &self->st));
	EXPECT_EQ(IDN_OK, idn_verify(&self->pol, &svid.chain, self->now, NULL,
				     &self->st));
	ASSERT_EQ(IDN_OK, idn_svid_save(&svid, self->cert, self->key,
					&self->st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_ca_load(&loaded, self->cert, self->key,
					     &self->st));
	/* A CA certificate with the wrong key is refused too. */
	EXPECT_EQ(IDN_ERR_KEY_MISMATCH, idn_ca_load(&loaded, self->bundle,
						    self->key, &self->st));
	idn_svid_free(&svid);
	idn_ca_free(&loaded);
}

TEST_F(ca, svid_never_outlives_its_ca_and_an_expired_ca_issues_nothing)
{
	time_t ca_end = gnutls_x509_crt_get_expiration_time(self->ca.crt);
	struct idn_svid svid;

	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
				       IDN_KEY_ED25519, ca_end - 600, 3600,
				       &svid, &self->st));
	EXPECT_EQ(ca_end, gnutls_x509_crt_get_expiration_time(
				  svid.chain.crt[0]));
	idn_svid_free(&svid);
	EXPECT_EQ(IDN_ERR_EXPIRED,
		  idn_ca_issue(&self->ca, "spiffe://" TD "/node/a",
			       IDN_KEY_ED25519, ca_end + 1, 3600, &svid,
			       &self->st));
}

TEST(key_type_names)
{
	enum idn_key_type kt;
	struct idn_status st;

	EXPECT_EQ(IDN_OK, idn_key_type_parse("ed25519", &kt, &st));
	EXPECT_EQ(IDN_KEY_ED25519, kt);
	EXPECT_EQ(IDN_OK, idn_key_type_parse("ecdsa-p256", &kt, &st));
	EXPECT_EQ(IDN_KEY_ECDSA_P256, kt);
	EXPECT_EQ(IDN_ERR_INVAL, idn_key_type_parse("rsa", &kt, &st));
}

TEST_HARNESS_MAIN
