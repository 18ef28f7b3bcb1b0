// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the node's files, which anyone with write access to their
 * directory can replace: something that is not a regular file is refused
 * without hanging the loader, and private key text never outlives the
 * load, on success or on any refusal.
 */
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "identity/ca.h"
#include "identity/verify.h"

#define TD "mesh.test"
#define NODE "spiffe://" TD "/node/a"
#define KEY_MARK "PRIVATE KEY-----"

/*
 * gnutls_free is a pointer GnuTLS lets programs replace: look at every
 * buffer as it is released, and count those still holding key text.
 */
static gnutls_free_function real_free;
static unsigned int key_text_freed;

static void spy_free(void *p)
{
	if (p && memmem(p, malloc_usable_size(p), KEY_MARK,
			sizeof(KEY_MARK) - 1))
		key_text_freed++;
	real_free(p);
}

static void spy_start(void)
{
	key_text_freed = 0;
	real_free = gnutls_free;
	gnutls_free = spy_free;
}

static void spy_stop(void)
{
	gnutls_free = real_free;
}

FIXTURE(files) {
	char dir[64];
	char cert[128], key[128], both[128], fifo[128];
	char other_cert[128], other_key[128];
	struct idn_ca ca;
	struct idn_status st;
};

static void join(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void append_file(const char *to, const char *from)
{
	gnutls_datum_t d;
	FILE *f;

	if (gnutls_load_file(from, &d) < 0)
		return;
	f = fopen(to, "a");
	if (f) {
		fwrite(d.data, 1, d.size, f);
		fclose(f);
	}
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

FIXTURE_SETUP(files)
{
	struct idn_svid a, b;
	time_t now = time(NULL);

	snprintf(self->dir, sizeof(self->dir), "/tmp/x0tta-files-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	join(self->cert, sizeof(self->cert), self->dir, "a.pem");
	join(self->key, sizeof(self->key), self->dir, "a.key");
	join(self->both, sizeof(self->both), self->dir, "both.pem");
	join(self->other_cert, sizeof(self->other_cert), self->dir, "b.pem");
	join(self->other_key, sizeof(self->other_key), self->dir, "b.key");
	join(self->fifo, sizeof(self->fifo), self->dir, "fifo");
	ASSERT_EQ(IDN_OK, idn_ca_create(&self->ca, TD, IDN_KEY_ED25519,
					now - 60, 3600, &self->st));
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, NODE, IDN_KEY_ED25519, now,
				       3600, &a, &self->st));
	ASSERT_EQ(IDN_OK, idn_svid_save(&a, self->cert, self->key, &self->st));
	idn_svid_free(&a);
	ASSERT_EQ(IDN_OK, idn_ca_issue(&self->ca, "spiffe://" TD "/node/b",
				       IDN_KEY_ED25519, now, 3600, &b,
				       &self->st));
	ASSERT_EQ(IDN_OK, idn_svid_save(&b, self->other_cert,
					self->other_key, &self->st));
	idn_svid_free(&b);
	/* One file holding certificate and key, as spiffe-helper can. */
	append_file(self->both, self->cert);
	append_file(self->both, self->key);
	ASSERT_EQ(0, mkfifo(self->fifo, 0600));
}

FIXTURE_TEARDOWN(files)
{
	char path[384];
	DIR *d = opendir(self->dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		join(path, sizeof(path), self->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(self->dir);
	idn_ca_free(&self->ca);
}

/*
 * A FIFO in place of a file used to block open() until a writer came:
 * the daemon would hang in its reload. alarm() fails the test instead.
 */
TEST_F_TIMEOUT(files, fifo_in_place_of_a_file_is_refused_without_hanging, 10)
{
	struct idn_policy pol;
	struct idn_chain chain;
	struct idn_svid s;

	alarm(5);
	EXPECT_EQ(IDN_ERR_IO, idn_svid_load(&s, self->cert, self->fifo,
					    &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "FIFO"))
		TH_LOG("%s", self->st.detail);
	EXPECT_EQ(IDN_ERR_IO, idn_chain_load(&chain, self->fifo, &self->st));
	idn_policy_init(&pol);
	EXPECT_EQ(IDN_ERR_IO, idn_policy_add_bundle_file(&pol, TD, self->fifo,
							 &self->st));
	EXPECT_EQ(0, pol.n_anchors);
	idn_policy_free(&pol);
	alarm(0);
}

TEST_F(files, directory_and_device_are_refused_by_kind)
{
	struct idn_chain chain;

	EXPECT_EQ(IDN_ERR_IO, idn_chain_load(&chain, self->dir, &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "directory"))
		TH_LOG("%s", self->st.detail);
	EXPECT_EQ(IDN_ERR_IO, idn_chain_load(&chain, "/dev/null", &self->st));
	EXPECT_NE(NULL, strstr(self->st.detail, "device"))
		TH_LOG("%s", self->st.detail);
}

TEST_F(files, key_text_is_wiped_after_a_successful_load)
{
	struct idn_svid s;
	enum idn_err err;

	spy_start();
	err = idn_svid_load(&s, self->cert, self->key, &self->st);
	spy_stop();
	ASSERT_EQ(IDN_OK, err) TH_LOG("%s", self->st.detail);
	EXPECT_EQ(0, key_text_freed);
	idn_svid_free(&s);
}

/* The certificate reader sees the key too when both share one file. */
TEST_F(files, key_text_is_wiped_when_key_and_certificate_share_a_file)
{
	struct idn_svid s;
	enum idn_err err;

	spy_start();
	err = idn_svid_load(&s, self->both, self->both, &self->st);
	spy_stop();
	ASSERT_EQ(IDN_OK, err) TH_LOG("%s", self->st.detail);
	EXPECT_EQ(0, key_text_freed);
	idn_svid_free(&s);
}

TEST_F(files, key_text_is_wiped_when_the_key_is_refused)
{
	char bad[128];
	struct idn_svid s;
	FILE *f;

	/* A key of another certificate: refused after it was parsed. */
	spy_start();
	EXPECT_EQ(IDN_ERR_KEY_MISMATCH, idn_svid_load(&s, self->cert,
						      self->other_key,
						      &self->st));
	spy_stop();
	EXPECT_EQ(0, key_text_freed);

	/* Key text that does not parse: refused by GnuTLS. */
	join(bad, sizeof(bad), self->dir, "bad.key");
	f = fopen(bad, "w");
	ASSERT_NE(NULL, f);
	fputs("-----BEGIN PRIVATE KEY-----\nnot base64 !!\n"
	      "-----END PRIVATE KEY-----\n", f);
	fclose(f);
	spy_start();
	EXPECT_EQ(IDN_ERR_PEM, idn_svid_load(&s, self->cert, bad, &self->st));
	spy_stop();
	EXPECT_EQ(0, key_text_freed);
}

TEST_HARNESS_MAIN
