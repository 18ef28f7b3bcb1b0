// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "identity/source.h"

static unsigned int idn_source_nfiles(const struct idn_source *s)
{
	return 2 + s->files.n_bundles;
}

static const char *idn_source_path(const struct idn_source *s, unsigned int i)
{
	if (i == 0)
		return s->files.cert;
	if (i == 1)
		return s->files.key;
	return s->files.bundles[i - 2];
}

static void idn_file_sig_take(struct idn_file_sig *sig, const char *path)
{
	struct stat sb;

	memset(sig, 0, sizeof(*sig));
	if (stat(path, &sb) < 0) {
		sig->err = errno;
		return;
	}
	sig->dev = sb.st_dev;
	sig->ino = sb.st_ino;
	sig->size = sb.st_size;
	sig->mtime = sb.st_mtim;
}

static bool idn_file_sig_equal(const struct idn_file_sig *a,
			       const struct idn_file_sig *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static enum idn_err idn_source_policy(const struct idn_source *s,
				      struct idn_policy *pol,
				      struct idn_status *st)
{
	enum idn_err err;

	idn_policy_init(pol);
	pol->skew = s->skew;
	for (unsigned int i = 0; i < s->files.n_bundles; i++) {
		err = idn_policy_add_bundle_file(pol, s->files.bundle_tds[i],
						 s->files.bundles[i], st);
		if (err)
			goto err_pol;
	}
	for (unsigned int i = 0; i < s->revoked.n_revoked; i++) {
		err = idn_policy_revoke(pol, s->revoked.revoked[i], st);
		if (err)
			goto err_pol;
	}
	return IDN_OK;
err_pol:
	idn_policy_free(pol);
	return err;
}

/*
 * Build credentials from the files as they are now (st not NULL). The node's own SVID
 * must pass the same validation its peers will apply: serving an expired
 * or untrusted certificate would only make every handshake fail.
 */
static struct idn_tls *idn_source_build(const struct idn_source *s,
					time_t now, struct idn_status *st)
{
	struct idn_tls *t = NULL;
	struct idn_policy pol;
	struct idn_svid svid;
	char msg[IDN_DETAIL_MAX];

	if (idn_svid_load(&svid, s->files.cert, s->files.key, st))
		return NULL;
	if (idn_source_policy(s, &pol, st))
		goto err_svid;
	if (idn_verify(&pol, &svid.chain, now, NULL, st)) {
		snprintf(msg, sizeof(msg), "%s", st->detail);
		idn_fail(st, st->err, "own SVID %s: %s", s->files.cert, msg);
		goto err_pol;
	}
	t = idn_tls_new(&svid, &pol, s->rules, s->n_rules, st);
err_pol:
	idn_policy_free(&pol);
err_svid:
	idn_svid_free(&svid);
	return t;
}

enum idn_err idn_source_open(struct idn_source *s, const struct idn_files *f,
			     const char *const *rules, unsigned int n_rules,
			     unsigned int skew, time_t now,
			     struct idn_status *st)
{
	struct idn_status local;

	if (!st)
		st = &local;
	if (f->n_bundles == 0 || f->n_bundles > IDN_BUNDLES_MAX)
		return idn_fail(st, IDN_ERR_INVAL, "1 to %d bundle files",
				IDN_BUNDLES_MAX);
	memset(s, 0, sizeof(*s));
	s->files = *f;
	s->rules = rules;
	s->n_rules = n_rules;
	s->skew = skew;
	idn_policy_init(&s->revoked);
	for (unsigned int i = 0; i < idn_source_nfiles(s); i++)
		idn_file_sig_take(&s->sig[i], idn_source_path(s, i));
	s->tls = idn_source_build(s, now, st);
	if (!s->tls) {
		idn_policy_free(&s->revoked);
		return st->err;
	}
	s->generation = 1;
	return idn_ok(st);
}

enum idn_err idn_source_refresh(struct idn_source *s, time_t now,
				bool *rotated, struct idn_status *st)
{
	struct idn_file_sig sig[2 + IDN_BUNDLES_MAX];
	struct idn_status local;
	bool changed = false;
	struct idn_tls *t;

	if (!st)
		st = &local;
	*rotated = false;
	for (unsigned int i = 0; i < idn_source_nfiles(s); i++) {
		idn_file_sig_take(&sig[i], idn_source_path(s, i));
		changed |= !idn_file_sig_equal(&sig[i], &s->sig[i]);
	}
	if (!changed)
		return idn_ok(st);
	/* Remember this version even if it is refused: judge it once. */
	memcpy(s->sig, sig, sizeof(sig));
	t = idn_source_build(s, now, st);
	if (!t)
		return st->err;
	if (idn_tls_share_tickets(t, s->tls, st)) {
		idn_tls_put(t);
		return st->err;
	}
	idn_tls_put(s->tls);
	s->tls = t;
	s->generation++;
	*rotated = true;
	return idn_ok(st);
}

enum idn_err idn_source_revoke(struct idn_source *s, const char *serial,
			       struct idn_status *st)
{
	enum idn_err err = idn_policy_revoke(&s->revoked, serial, st);

	if (err)
		return err;
	return idn_policy_revoke(&s->tls->policy, serial, st);
}

void idn_source_close(struct idn_source *s)
{
	idn_tls_put(s->tls);
	s->tls = NULL;
	idn_policy_free(&s->revoked);
}
