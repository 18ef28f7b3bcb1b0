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

/* Whether svid validates against pol; the refusal names the file. */
static enum idn_err idn_source_check_own(const struct idn_source *s,
					 const struct idn_policy *pol,
					 const struct idn_svid *svid, time_t now,
					 struct idn_status *st)
{
	char msg[IDN_DETAIL_MAX];

	if (!idn_verify(pol, &svid->chain, now, NULL, st))
		return IDN_OK;
	snprintf(msg, sizeof(msg), "%s", st->detail);
	return idn_fail(st, st->err, "own SVID %s: %s", s->files.cert, msg);
}

enum idn_err idn_source_open(struct idn_source *s, const struct idn_files *f,
			     const char *const *rules, unsigned int n_rules,
			     unsigned int skew, time_t now,
			     struct idn_status *st)
{
	struct idn_status local;
	struct idn_policy pol;

	if (!st)
		st = &local;
	if (f->n_bundles == 0 || f->n_bundles > IDN_BUNDLES_MAX)
		return idn_fail(st, IDN_ERR_INVAL, "1 to %d bundle files",
				IDN_BUNDLES_MAX);
	/* Before any file is read: a bad rule is a configuration error. */
	if (idn_rules_check(rules, n_rules, st))
		return st->err;
	memset(s, 0, sizeof(*s));
	s->files = *f;
	s->rules = rules;
	s->n_rules = n_rules;
	s->skew = skew;
	idn_policy_init(&s->revoked);
	for (unsigned int i = 0; i < idn_source_nfiles(s); i++)
		idn_file_sig_take(&s->sig[i], idn_source_path(s, i));
	/*
	 * At start there is no identity to fall back on: serving an
	 * expired or untrusted SVID would only make every handshake fail.
	 */
	if (idn_svid_load(&s->svid, f->cert, f->key, st))
		goto err_revoked;
	if (idn_source_policy(s, &pol, st))
		goto err_svid;
	if (!idn_source_check_own(s, &pol, &s->svid, now, st))
		s->tls = idn_tls_new(&s->svid, &pol, rules, n_rules, st);
	idn_policy_free(&pol);
	if (!s->tls)
		goto err_svid;
	s->generation = 1;
	return idn_ok(st);
err_svid:
	idn_svid_free(&s->svid);
err_revoked:
	idn_policy_free(&s->revoked);
	return st->err;
}

/*
 * A new version of the SVID files, if it loads and validates against pol;
 * a time-based refusal makes the next refresh look at the files again,
 * since a not-yet-valid SVID becomes valid and a wrong clock gets fixed.
 */
static enum idn_err idn_source_new_svid(struct idn_source *s,
					const struct idn_policy *pol,
					time_t now, struct idn_svid *svid,
					struct idn_status *st)
{
	enum idn_err err;

	err = idn_svid_load(svid, s->files.cert, s->files.key, st);
	if (err)
		return err;
	err = idn_source_check_own(s, pol, svid, now, st);
	if (!err)
		return IDN_OK;
	idn_svid_free(svid);
	if (err == IDN_ERR_NOT_YET_VALID || err == IDN_ERR_EXPIRED)
		s->sig[0].err = -1;	/* never equal to a real stat() */
	return err;
}

/*
 * Install credentials for svid under pol (both consumed), sharing the
 * ticket key so clients keep resuming.
 */
static enum idn_err idn_source_install(struct idn_source *s,
				       struct idn_svid *svid, bool own,
				       struct idn_policy *pol,
				       struct idn_status *st)
{
	struct idn_tls *t = idn_tls_new(svid, pol, s->rules, s->n_rules, st);

	idn_policy_free(pol);
	if (!t || idn_tls_share_tickets(t, s->tls, st)) {
		idn_tls_put(t);
		if (own)
			idn_svid_free(svid);
		return st->err;
	}
	idn_tls_put(s->tls);
	s->tls = t;
	s->generation++;
	if (own) {
		idn_svid_free(&s->svid);
		s->svid = *svid;
	}
	return IDN_OK;
}

enum idn_err idn_source_refresh(struct idn_source *s, time_t now,
				bool *rotated, struct idn_status *st)
{
	struct idn_file_sig sig[2 + IDN_BUNDLES_MAX];
	bool svid_changed = false, bundle_changed = false;
	struct idn_status local, own_st;
	enum idn_err own = IDN_OK;
	struct idn_policy pol;
	struct idn_svid svid;

	if (!st)
		st = &local;
	*rotated = false;
	for (unsigned int i = 0; i < idn_source_nfiles(s); i++) {
		idn_file_sig_take(&sig[i], idn_source_path(s, i));
		if (idn_file_sig_equal(&sig[i], &s->sig[i]))
			continue;
		if (i < 2)
			svid_changed = true;
		else
			bundle_changed = true;
	}
	if (!svid_changed && !bundle_changed)
		return idn_ok(st);
	/* Remember this version even if it is refused: judge it once. */
	memcpy(s->sig, sig, sizeof(sig));
	if (idn_source_policy(s, &pol, st))
		return st->err;
	if (svid_changed)
		own = idn_source_new_svid(s, &pol, now, &svid, &own_st);
	if (svid_changed && !own) {
		if (idn_source_install(s, &svid, true, &pol, st))
			return st->err;
		*rotated = true;
		return idn_ok(st);
	}
	/*
	 * A new bundle (a CA removed, say) applies even when our own SVID
	 * does not validate against it: trust is never kept to spare our
	 * own identity. We keep serving the SVID we have until a good one
	 * arrives, and say why peers may now refuse it.
	 */
	if (!own)
		own = idn_source_check_own(s, &pol, &s->svid, now, &own_st);
	if (bundle_changed) {
		if (idn_source_install(s, &s->svid, false, &pol, st))
			return st->err;
		*rotated = true;
	} else {
		idn_policy_free(&pol);
	}
	if (own) {
		*st = own_st;
		return own;
	}
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

enum idn_err idn_source_recheck(const struct idn_source *s,
				const struct idn_conn *c, time_t now,
				struct idn_status *st)
{
	return idn_conn_recheck(c, &s->tls->policy, now, st);
}

void idn_source_close(struct idn_source *s)
{
	idn_tls_put(s->tls);
	s->tls = NULL;
	idn_svid_free(&s->svid);
	idn_policy_free(&s->revoked);
}
