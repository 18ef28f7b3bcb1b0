// SPDX-License-Identifier: GPL-2.0
/*
 * Replacing a certificate and its private key as one unit.
 *
 * Two renames are never atomic together, so a crash or an error between
 * them would leave a key with a certificate that is not its own: for a
 * CA, the old key is then gone and nothing it issued can be renewed. The
 * replacement therefore goes in steps whose every intermediate state is
 * recognisable on disk (NAME below is each of the two file names):
 *
 *   1. stage:  NAME.new with the new bytes, key first, each fsynced
 *   2. backup: NAME.old, a hard link to the current NAME
 *   3. commit: rename key.new over key, then cert.new over cert
 *   4. fsync the directory, remove the NAME.old links
 *
 * Recovery (idn_pair_recover(), also run before every replacement) reads
 * the state from what exists: the key's .new renamed away while the
 * certificate's .new is still there means step 3 was under way, and as
 * both new files were complete before it started, the certificate's
 * rename is finished (roll forward). Any other .new file is an
 * unfinished stage and is removed, leaving the old pair (roll back). The
 * .old links serve the undo of an error inside one replacement, when the
 * certificate's rename fails after the key's: a certificate still the
 * same file as cert.old with a key that is not key.old is such an undo
 * cut short, and key.old goes back. Then the .old links are dropped.
 * With no pair before, an undo cut short can leave a lone new key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/ca.h"
#include "lib/fileio.h"

enum idn_pair_file { IDN_PAIR_KEY, IDN_PAIR_CERT, IDN_PAIR_N };

struct idn_pair {
	int dirfd;
	char dir[PATH_MAX];
	char name[IDN_PAIR_N][NAME_MAX + 1];
	char new_[IDN_PAIR_N][NAME_MAX + 1];
	char old[IDN_PAIR_N][NAME_MAX + 1];
	char tmp[IDN_PAIR_N][NAME_MAX + 1];
};

static const char *const idn_pair_what[IDN_PAIR_N] = { "key", "certificate" };

/* The directory part of path ("." if none) and the plain name after it. */
static int idn_pair_split(const char *path, char *dir, size_t dlen,
			  char *name, size_t nlen)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (!slash)
		n = snprintf(dir, dlen, ".");
	else if (slash == path)
		n = snprintf(dir, dlen, "/");
	else
		n = snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= dlen)
		return -ENAMETOOLONG;
	n = snprintf(name, nlen, "%s", slash ? slash + 1 : path);
	if (n <= 0 || (size_t)n >= nlen)
		return n == 0 ? -EINVAL : -ENAMETOOLONG;
	return 0;
}

static int idn_pair_derive(struct idn_pair *p, enum idn_pair_file f)
{
	char n[NAME_MAX + 1];

	/* A copy: snprintf() must not read the struct it writes into. */
	memcpy(n, p->name[f], sizeof(n));
	if (snprintf(p->new_[f], sizeof(p->new_[f]), "%s.new", n) >=
		    (int)sizeof(p->new_[f]) ||
	    snprintf(p->old[f], sizeof(p->old[f]), "%s.old", n) >=
		    (int)sizeof(p->old[f]) ||
	    snprintf(p->tmp[f], sizeof(p->tmp[f]), "%s.new.tmp", n) >=
		    (int)sizeof(p->tmp[f]))
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Both files must live in one directory: the protocol's states are only
 * ordered by that directory's fsync.
 */
static enum idn_err idn_pair_open(struct idn_pair *p, const char *cert_path,
				  const char *key_path, struct idn_status *st)
{
	char kdir[PATH_MAX];

	p->dirfd = -1;
	if (idn_pair_split(cert_path, p->dir, sizeof(p->dir),
			   p->name[IDN_PAIR_CERT], sizeof(p->name[0])) ||
	    idn_pair_split(key_path, kdir, sizeof(kdir),
			   p->name[IDN_PAIR_KEY], sizeof(p->name[0])) ||
	    idn_pair_derive(p, IDN_PAIR_CERT) ||
	    idn_pair_derive(p, IDN_PAIR_KEY))
		return idn_fail(st, IDN_ERR_INVAL, "%s, %s: bad or too long "
				"file name", cert_path, key_path);
	if (strcmp(p->dir, kdir) != 0)
		return idn_fail(st, IDN_ERR_INVAL, "%s and %s must be in one "
				"directory to be replaced together", cert_path,
				key_path);
	if (strcmp(p->name[IDN_PAIR_CERT], p->name[IDN_PAIR_KEY]) == 0)
		return idn_fail(st, IDN_ERR_INVAL, "%s: certificate and key "
				"need two files", cert_path);
	p->dirfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0)
		return idn_fail(st, IDN_ERR_IO, "%s: %s", p->dir,
				strerror(errno));
	return idn_ok(st);
}

static void idn_pair_close(struct idn_pair *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->dirfd = -1;
}

static int idn_pair_unlink(const struct idn_pair *p, const char *name)
{
	if (unlinkat(p->dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static bool idn_pair_exists(const struct idn_pair *p, const char *name)
{
	struct stat sb;

	return fstatat(p->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static enum idn_err idn_pair_io(const struct idn_pair *p, const char *name,
				int err, struct idn_status *st)
{
	return idn_fail(st, IDN_ERR_IO, "%s/%s: %s", p->dir, name,
			strerror(err));
}

/* Whether a and b are one file (the .old links are hard links). */
static bool idn_pair_same(const struct idn_pair *p, const char *a,
			  const char *b)
{
	struct stat sa, sb;

	return fstatat(p->dirfd, a, &sa, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(p->dirfd, b, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * An undo (idn_pair_undo_key()) cut short: the certificate is still the
 * old one, the key is not, and the old key is still there to put back.
 */
static bool idn_pair_undo_pending(const struct idn_pair *p)
{
	return !idn_pair_exists(p, p->new_[IDN_PAIR_CERT]) &&
	       idn_pair_exists(p, p->old[IDN_PAIR_KEY]) &&
	       idn_pair_same(p, p->name[IDN_PAIR_CERT], p->old[IDN_PAIR_CERT]) &&
	       !idn_pair_same(p, p->name[IDN_PAIR_KEY], p->old[IDN_PAIR_KEY]);
}

static enum idn_err idn_pair_do_recover(const struct idn_pair *p,
					struct idn_status *st)
{
	/*
	 * cert.new goes before key.new, and each .old after both: a crash
	 * inside recovery leaves a state that recovery reads the same way.
	 */
	const char *drop[] = { p->new_[IDN_PAIR_CERT], p->new_[IDN_PAIR_KEY],
			       p->old[IDN_PAIR_CERT], p->old[IDN_PAIR_KEY] };
	int ret;

	if (!idn_pair_exists(p, p->new_[IDN_PAIR_KEY]) &&
	    idn_pair_exists(p, p->new_[IDN_PAIR_CERT]) &&
	    renameat(p->dirfd, p->new_[IDN_PAIR_CERT], p->dirfd,
		     p->name[IDN_PAIR_CERT]) < 0)
		return idn_pair_io(p, p->new_[IDN_PAIR_CERT], errno, st);
	if (idn_pair_undo_pending(p) &&
	    renameat(p->dirfd, p->old[IDN_PAIR_KEY], p->dirfd,
		     p->name[IDN_PAIR_KEY]) < 0)
		return idn_pair_io(p, p->old[IDN_PAIR_KEY], errno, st);
	for (unsigned int i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		ret = idn_pair_unlink(p, drop[i]);
		if (ret)
			return idn_pair_io(p, drop[i], -ret, st);
	}
	if (fsync(p->dirfd) < 0)
		return idn_pair_io(p, ".", errno, st);
	return idn_ok(st);
}

enum idn_err idn_pair_recover(const char *cert_path, const char *key_path,
			      struct idn_status *st)
{
	struct idn_pair p;
	enum idn_err err = idn_pair_open(&p, cert_path, key_path, st);

	if (err)
		return err;
	err = idn_pair_do_recover(&p, st);
	idn_pair_close(&p);
	return err;
}

static enum idn_err idn_pair_stage(const struct idn_pair *p,
				   const gnutls_datum_t data[IDN_PAIR_N],
				   struct idn_status *st)
{
	static const mode_t mode[IDN_PAIR_N] = { 0600, 0644 };

	/* The key first: a cert.new without key.new reads as "committing". */
	for (unsigned int f = IDN_PAIR_KEY; f < IDN_PAIR_N; f++) {
		struct iovec iov = { data[f].data, data[f].size };
		int ret = file_replace_at(p->dirfd, p->new_[f], p->tmp[f], &iov,
					  1, mode[f], 0);

		if (ret)
			return idn_fail(st, IDN_ERR_IO, "%s/%s: writing the new "
					"%s: %s", p->dir, p->new_[f],
					idn_pair_what[f], strerror(-ret));
	}
	return idn_ok(st);
}

/* NAME.old: the current file, kept until the commit is durable. */
static enum idn_err idn_pair_backup(const struct idn_pair *p,
				    struct idn_status *st)
{
	for (unsigned int f = 0; f < IDN_PAIR_N; f++) {
		int ret = idn_pair_unlink(p, p->old[f]);

		if (ret)
			return idn_pair_io(p, p->old[f], -ret, st);
		if (linkat(p->dirfd, p->name[f], p->dirfd, p->old[f], 0) < 0 &&
		    errno != ENOENT)
			return idn_pair_io(p, p->old[f], errno, st);
	}
	return idn_ok(st);
}

/*
 * The certificate's rename failed after the key's: put the old key back
 * (or remove the new one if there was no pair before). cert.new goes
 * first, or a crash in between would read as a commit to roll forward;
 * after it, idn_pair_undo_pending() recognises the state, so that
 * recovery finishes a restore that failed or was cut short here.
 */
static void idn_pair_undo_key(const struct idn_pair *p)
{
	bool had_old = idn_pair_exists(p, p->old[IDN_PAIR_KEY]);

	if (idn_pair_unlink(p, p->new_[IDN_PAIR_CERT]))
		return;
	if (had_old)
		renameat(p->dirfd, p->old[IDN_PAIR_KEY], p->dirfd,
			 p->name[IDN_PAIR_KEY]);
	else
		unlinkat(p->dirfd, p->name[IDN_PAIR_KEY], 0);
}

static enum idn_err idn_pair_commit(const struct idn_pair *p,
				    struct idn_status *st)
{
	if (renameat(p->dirfd, p->new_[IDN_PAIR_KEY], p->dirfd,
		     p->name[IDN_PAIR_KEY]) < 0)
		return idn_pair_io(p, p->name[IDN_PAIR_KEY], errno, st);
	if (renameat(p->dirfd, p->new_[IDN_PAIR_CERT], p->dirfd,
		     p->name[IDN_PAIR_CERT]) < 0) {
		int err = errno;

		idn_pair_undo_key(p);
		return idn_pair_io(p, p->name[IDN_PAIR_CERT], err, st);
	}
	if (fsync(p->dirfd) < 0)
		return idn_pair_io(p, ".", errno, st);
	return idn_ok(st);
}

static enum idn_err idn_pair_replace(const char *cert_path,
				     const char *key_path,
				     const gnutls_datum_t data[IDN_PAIR_N],
				     struct idn_status *st)
{
	struct idn_status ignored;
	struct idn_pair p;
	enum idn_err err;

	err = idn_pair_open(&p, cert_path, key_path, st);
	if (err)
		return err;
	/* Finish whatever an earlier writer left, so we start clean. */
	err = idn_pair_do_recover(&p, st);
	if (!err)
		err = idn_pair_stage(&p, data, st);
	if (!err)
		err = idn_pair_backup(&p, st);
	if (!err)
		err = idn_pair_commit(&p, st);
	/*
	 * After success this drops the .old links; after a failure it
	 * removes the staged files, the old pair being in place.
	 */
	idn_pair_do_recover(&p, err ? &ignored : st);
	idn_pair_close(&p);
	return err;
}

static enum idn_err idn_pair_export_key(gnutls_x509_privkey_t key,
					gnutls_datum_t *out,
					struct idn_status *st)
{
	int ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM,
						    NULL, GNUTLS_PKCS_PLAIN,
						    out);

	if (ret < 0)
		return idn_fail(st, IDN_ERR_INVAL, "export key: %s",
				gnutls_strerror(ret));
	return idn_ok(st);
}

enum idn_err idn_ca_save(const struct idn_ca *ca, const char *cert_path,
			 const char *key_path, struct idn_status *st)
{
	gnutls_datum_t data[IDN_PAIR_N] = { { NULL, 0 }, { NULL, 0 } };
	enum idn_err err;
	int ret;

	err = idn_pair_export_key(ca->key, &data[IDN_PAIR_KEY], st);
	if (err)
		return err;
	ret = gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_PEM,
				      &data[IDN_PAIR_CERT]);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_INVAL, "export: %s",
			       gnutls_strerror(ret));
		goto cleanup;
	}
	err = idn_pair_replace(cert_path, key_path, data, st);
cleanup:
	gnutls_memset(data[IDN_PAIR_KEY].data, 0, data[IDN_PAIR_KEY].size);
	gnutls_free(data[IDN_PAIR_KEY].data);
	gnutls_free(data[IDN_PAIR_CERT].data);
	return err;
}
