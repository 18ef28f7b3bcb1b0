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

/* ---- replacing the CA's key and certificate as one unit ------------------ */

static void ca_path(FIXTURE_DATA(ca) *self, char *out, const char *name)
{
	snprintf(out, 384, "%s/%s", self->dir, name);
}

/*
 * Whether DIR/ca.pem and DIR/ca.key are want's pair and still work as a
 * CA: they load as a matching pair, and an SVID they issue validates
 * against want's certificate as the bundle.
 */
static bool pair_is(FIXTURE_DATA(ca) *self, const struct idn_ca *want)
{
	char cert[384], key[384];
	gnutls_datum_t pem = { NULL, 0 };
	struct idn_policy pol;
	struct idn_svid svid;
	struct idn_ca got;
	bool ok = false;

	ca_path(self, cert, "ca.pem");
	ca_path(self, key, "ca.key");
	if (idn_ca_load(&got, cert, key, &self->st))
		return false;
	idn_policy_init(&pol);
	if (!gnutls_x509_crt_equals(got.crt, want->crt) ||
	    gnutls_x509_crt_export2(want->crt, GNUTLS_X509_FMT_PEM, &pem) ||
	    idn_policy_add_bundle_pem(&pol, TD, pem.data, pem.size, &self->st))
		goto out;
	if (idn_ca_issue(&got, "spiffe://" TD "/node/a", IDN_KEY_ED25519,
			 self->now, 3600, &svid, &self->st))
		goto out;
	ok = idn_verify(&pol, &svid.chain, self->now, NULL, &self->st) ==
	     IDN_OK;
	idn_svid_free(&svid);
out:
	gnutls_free(pem.data);
	idn_policy_free(&pol);
	idn_ca_free(&got);
	return ok;
}

TEST_F(ca, failed_ca_replace_keeps_the_old_pair_working)
{
	char blocker[384];
	struct idn_ca next;

	ASSERT_EQ(IDN_OK, trust_ca(self));
	ASSERT_EQ(IDN_OK, idn_ca_create(&next, TD, IDN_KEY_ED25519, self->now,
					3600, &self->st));
	/*
	 * The new key is staged, then the new certificate cannot be:
	 * before the pair was one unit, the old key was gone by now.
	 */
	ca_path(self, blocker, "ca.pem.new.tmp");
	ASSERT_EQ(0, mkdir(blocker, 0700));
	{
		char key[384];

		ca_path(self, key, "ca.key");
		EXPECT_EQ(IDN_ERR_IO, idn_ca_save(&next, self->bundle, key,
						  &self->st));
	}
	EXPECT_NE(NULL, strstr(self->st.detail, "new certificate"));
	ASSERT_EQ(0, rmdir(blocker));
	EXPECT_TRUE(pair_is(self, &self->ca));
	EXPECT_EQ(2u, count_files(self->dir));
	idn_ca_free(&next);
}

enum crash_point { CRASH_STAGED, CRASH_COMMITTING, CRASH_UNDOING };

/*
 * Leave DIR as idn_ca_save() of next would after a crash at point: the
 * new pair's files are made under other names and moved into place.
 */
static void crash_save(FIXTURE_DATA(ca) *self, const struct idn_ca *next,
		       enum crash_point point)
{
	char b_pem[384], b_key[384], pem[384], key[384];
	char pem_new[384], key_new[384], pem_old[384], key_old[384];

	ca_path(self, b_pem, "b.pem");
	ca_path(self, b_key, "b.key");
	ca_path(self, pem, "ca.pem");
	ca_path(self, key, "ca.key");
	ca_path(self, pem_new, "ca.pem.new");
	ca_path(self, key_new, "ca.key.new");
	ca_path(self, pem_old, "ca.pem.old");
	ca_path(self, key_old, "ca.key.old");
	if (idn_ca_save(next, b_pem, b_key, &self->st))
		return;
	if (point != CRASH_STAGED && (link(pem, pem_old) || link(key, key_old)))
		return;
	if (rename(b_key, point == CRASH_STAGED ? key_new : key))
		return;
	if (point == CRASH_UNDOING)
		unlink(b_pem);
	else
		rename(b_pem, pem_new);
}

static void crash_and_recover(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ca) *self, enum crash_point point,
			      bool expect_new)
{
	char key[384];
	struct idn_ca next;

	ca_path(self, key, "ca.key");
	ASSERT_EQ(IDN_OK, trust_ca(self));
	ASSERT_EQ(IDN_OK, idn_ca_create(&next, TD, IDN_KEY_ED25519, self->now,
					3600, &self->st));
	crash_save(self, &next, point);
	ASSERT_EQ(4u + (point == CRASH_COMMITTING), count_files(self->dir));
	ASSERT_EQ(IDN_OK, idn_pair_recover(self->bundle, key, &self->st));
	EXPECT_TRUE(pair_is(self, expect_new ? &next : &self->ca));
	EXPECT_EQ(2u, count_files(self->dir));
	idn_ca_free(&next);
}

TEST_F(ca, crash_before_the_commit_recovers_the_old_pair)
{
	crash_and_recover(_metadata, self, CRASH_STAGED, false);
}

TEST_F(ca, crash_between_the_two_renames_recovers_the_new_pair)
{
	crash_and_recover(_metadata, self, CRASH_COMMITTING, true);
}

TEST_F(ca, crash_while_undoing_a_failed_replace_recovers_the_old_pair)
{
	crash_and_recover(_metadata, self, CRASH_UNDOING, false);
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
