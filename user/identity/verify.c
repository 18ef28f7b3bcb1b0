// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "identity/verify.h"

/*
 * Time is checked here, not by GnuTLS, so that the window can be widened
 * by the configured skew and a refusal can say which bound was crossed.
 */
#define IDN_GNUTLS_VERIFY_FLAGS (GNUTLS_VERIFY_DISABLE_TIME_CHECKS | \
				 GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS | \
				 GNUTLS_VERIFY_DO_NOT_ALLOW_UNSORTED_CHAIN)

/* What certificate i of a chain of n is, for refusal messages. */
static const char *idn_role_at(unsigned int i, unsigned int n)
{
	return i == 0 ? "leaf" : (i + 1 == n ? "top" : "intermediate");
}

static const char *idn_crt_role(const struct idn_chain *c, unsigned int i)
{
	return idn_role_at(i, c->n);
}

/* The validity window [nb, na] of a certificate, widened by skew. */
static enum idn_err idn_check_window(time_t nb, time_t na, const char *what,
				     time_t now, unsigned int skew,
				     struct idn_status *st)
{
	char tb[IDN_TIME_MAX], tn[IDN_TIME_MAX];

	if (nb == (time_t)-1 || na == (time_t)-1)
		return idn_fail(st, IDN_ERR_PEM,
				"%s certificate has an unreadable validity",
				what);
	if (now + (time_t)skew < nb)
		return idn_fail(st, IDN_ERR_NOT_YET_VALID,
				"%s certificate valid only from %s, now %s "
				"(skew %us)", what,
				idn_fmt_time(nb, tb),
				idn_fmt_time(now, tn), skew);
	if (now - (time_t)skew > na)
		return idn_fail(st, IDN_ERR_EXPIRED,
				"%s certificate expired at %s, now %s "
				"(skew %us)", what,
				idn_fmt_time(na, tb),
				idn_fmt_time(now, tn), skew);
	return IDN_OK;
}

static enum idn_err idn_check_time(gnutls_x509_crt_t crt, const char *what,
				   time_t now, unsigned int skew,
				   struct idn_status *st)
{
	return idn_check_window(gnutls_x509_crt_get_activation_time(crt),
				gnutls_x509_crt_get_expiration_time(crt),
				what, now, skew, st);
}

static enum idn_err idn_check_leaf_role(gnutls_x509_crt_t leaf,
					struct idn_status *st)
{
	unsigned int usage = 0, critical;
	int ret;

	if (gnutls_x509_crt_get_basic_constraints(leaf, &critical, NULL,
						  NULL) > 0)
		return idn_fail(st, IDN_ERR_LEAF_IS_CA,
				"leaf certificate has basicConstraints CA:TRUE");
	ret = gnutls_x509_crt_get_key_usage(leaf, &usage, &critical);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return idn_fail(st, IDN_ERR_KEY_USAGE,
				"leaf certificate has no keyUsage extension");
	if (ret < 0)
		return idn_fail(st, IDN_ERR_PEM, "keyUsage: %s",
				gnutls_strerror(ret));
	if (!(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
		return idn_fail(st, IDN_ERR_KEY_USAGE,
				"leaf keyUsage lacks digitalSignature");
	if (usage & (GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN))
		return idn_fail(st, IDN_ERR_KEY_USAGE,
				"leaf keyUsage has keyCertSign or cRLSign");
	return IDN_OK;
}

/*
 * Validity of every presented certificate and of the bundle CA the chain
 * ends at: that CA, not any CA of the same name, which during a rollover
 * may be the expired predecessor or a successor not valid yet.
 */
static enum idn_err idn_check_times(const struct idn_policy *p,
				    const struct idn_chain *c,
				    const struct idn_anchor *anchor,
				    time_t now, struct idn_status *st)
{
	enum idn_err err;

	for (unsigned int i = 0; i < c->n; i++) {
		err = idn_check_time(c->crt[i], idn_crt_role(c, i), now,
				     p->skew, st);
		if (err)
			return err;
	}
	return idn_check_window(anchor->not_before, anchor->not_after,
				"trust bundle CA", now, p->skew, st);
}

static enum idn_err idn_check_serial(const struct idn_policy *p,
				     const char *serial, const char *what,
				     struct idn_status *st)
{
	for (unsigned int r = 0; r < p->n_revoked; r++)
		if (strcmp(p->revoked[r], serial) == 0)
			return idn_fail(st, IDN_ERR_REVOKED,
					"%s certificate serial %s is revoked",
					what, serial);
	return IDN_OK;
}

static enum idn_err idn_check_revoked(const struct idn_policy *p,
				      const struct idn_chain *c,
				      struct idn_status *st)
{
	char serial[IDN_SERIAL_HEX_MAX];
	enum idn_err err;

	for (unsigned int i = 0; i < c->n; i++) {
		err = idn_crt_serial_hex(c->crt[i], serial, st);
		if (!err)
			err = idn_check_serial(p, serial, idn_crt_role(c, i),
					       st);
		if (err)
			return err;
	}
	return IDN_OK;
}

/*
 * Each certificate must be issued by the one after it. GnuTLS would sort
 * the list and ignore what is not on the path, but the checks done here
 * after it (the anchor's validity, resumption) start from the chain's
 * top, so a peer could otherwise append a certificate that plays no part
 * in the path and have it taken for the path's end.
 */
static enum idn_err idn_check_links(const struct idn_chain *c,
				    struct idn_status *st)
{
	for (unsigned int i = 0; i + 1 < c->n; i++)
		if (!gnutls_x509_crt_check_issuer(c->crt[i], c->crt[i + 1]))
			return idn_fail(st, IDN_ERR_UNTRUSTED,
					"chain certificate %u did not issue "
					"certificate %u (%s): chains must be "
					"sent in order, without extras",
					i + 2, i + 1, idn_crt_role(c, i));
	return IDN_OK;
}

bool idn_crt_fpr(gnutls_x509_crt_t crt, unsigned char fpr[IDN_FPR_LEN])
{
	gnutls_datum_t der = { NULL, 0 };
	int ret;

	/*
	 * Not gnutls_x509_crt_get_fingerprint(): it re-encodes the
	 * certificate, 50 times the cost of hashing the DER it was read from.
	 */
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
		return false;
	ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, fpr);
	gnutls_free(der.data);
	return ret >= 0;
}

static bool idn_memo_has(const struct idn_sig_memo *m,
			 const unsigned char crt[IDN_FPR_LEN],
			 const struct idn_anchor *a)
{
	for (unsigned int i = 0; m && i < m->n; i++)
		if (!memcmp(m->crt[i], crt, IDN_FPR_LEN) &&
		    !memcmp(m->ca[i], a->fpr, IDN_FPR_LEN))
			return true;
	return false;
}

/* Record that a's signature on the certificate crt verified. */
static void idn_memo_add(struct idn_sig_memo *m,
			 const unsigned char crt[IDN_FPR_LEN],
			 const struct idn_anchor *a)
{
	if (!m || idn_memo_has(m, crt, a))
		return;
	memcpy(m->crt[m->next], crt, IDN_FPR_LEN);
	memcpy(m->ca[m->next], a->fpr, IDN_FPR_LEN);
	m->next = (m->next + 1) % IDN_SIG_MEMO_MAX;
	if (m->n < IDN_SIG_MEMO_MAX)
		m->n++;
}

/*
 * Whether anchor a signed crt; time is checked separately. A signature
 * verified once is remembered in the memo of p.
 */
static bool idn_anchor_signed(const struct idn_policy *p,
			      const struct idn_anchor *a,
			      gnutls_x509_crt_t crt)
{
	unsigned char fpr[IDN_FPR_LEN];
	unsigned int status = 0;
	bool named = idn_crt_fpr(crt, fpr);

	if (named && idn_memo_has(p->memo, fpr, a))
		return true;
	if (gnutls_x509_crt_verify(crt, &a->crt, 1, IDN_GNUTLS_VERIFY_FLAGS,
				   &status) < 0 || status)
		return false;
	if (named)
		idn_memo_add(p->memo, fpr, a);
	return true;
}

/* After a full path check: a signed crt, as that check proved. */
static void idn_anchor_remember(const struct idn_policy *p,
				const struct idn_anchor *a,
				gnutls_x509_crt_t crt)
{
	unsigned char fpr[IDN_FPR_LEN];

	if (idn_crt_fpr(crt, fpr))
		idn_memo_add(p->memo, fpr, a);
}

/*
 * The first n certificates of c, up to the bundle CA a, checked with a
 * alone as trust anchor: GnuTLS picks one of several CAs of the same
 * name, and a rollover has two. The trust list does not own a->crt.
 */
static enum idn_err idn_check_path(const struct idn_anchor *a,
				   const struct idn_chain *c, unsigned int n,
				   struct idn_status *st)
{
	gnutls_x509_trust_list_t tl;
	gnutls_datum_t why = { NULL, 0 };
	enum idn_err err = IDN_OK;
	unsigned int status = 0;
	int ret;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	ret = gnutls_x509_trust_list_add_cas(tl, &a->crt, 1, 0);
	if (ret != 1) {
		err = idn_fail(st, IDN_ERR_NOMEM, "trust list: %s",
			       gnutls_strerror(ret));
		goto cleanup;
	}
	ret = gnutls_x509_trust_list_verify_crt2(tl, (gnutls_x509_crt_t *)c->crt,
						 n, NULL, 0,
						 IDN_GNUTLS_VERIFY_FLAGS,
						 &status, NULL);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_UNTRUSTED, "chain: %s",
			       gnutls_strerror(ret));
		goto cleanup;
	}
	if (status) {
		gnutls_certificate_verification_status_print(
			status, GNUTLS_CRT_X509, &why, 0);
		err = idn_fail(st, IDN_ERR_UNTRUSTED, "not issued by a CA of "
			       "trust domain \"%s\": %s", a->td,
			       why.data ? (char *)why.data : "?");
		gnutls_free(why.data);
	}
cleanup:
	gnutls_x509_trust_list_deinit(tl, 0);
	return err;
}

/* The index of the first certificate of c equal to a CA of td, or c->n. */
static unsigned int idn_first_anchor(const struct idn_policy *p,
				     const struct idn_chain *c, const char *td)
{
	for (unsigned int j = 0; j < c->n; j++)
		for (unsigned int i = 0; i < p->n_anchors; i++)
			if (strcmp(p->anchors[i].td, td) == 0 &&
			    gnutls_x509_crt_equals(c->crt[j],
						   p->anchors[i].crt))
				return j;
	return c->n;
}

/*
 * The bundle CA the chain ends at, found by trying each CA of td named
 * as issuer of the last certificate before any copy of a bundle CA (a
 * peer may send its CA along; that copy proves nothing, the bundle's own
 * certificate does). A known chain was verified before: one signature,
 * the CA's on that certificate, says whether the CA is still trusted.
 */
static enum idn_err idn_find_anchor(const struct idn_policy *p,
				    const struct idn_chain *c, const char *td,
				    bool known,
				    const struct idn_anchor **anchor,
				    struct idn_status *st)
{
	unsigned int n = idn_first_anchor(p, c, td);
	enum idn_err err = IDN_OK;
	bool tried = false;

	if (n + 1 < c->n)
		return idn_fail(st, IDN_ERR_UNTRUSTED, "chain goes on past "
				"trust bundle CA (certificate %u)", n + 1);
	if (n == 0)
		return idn_fail(st, IDN_ERR_UNTRUSTED, "leaf certificate is "
				"a trust bundle CA");
	for (unsigned int i = 0; i < p->n_anchors; i++) {
		const struct idn_anchor *a = &p->anchors[i];

		if (strcmp(a->td, td) != 0 ||
		    !gnutls_x509_crt_check_issuer(c->crt[n - 1], a->crt))
			continue;
		tried = true;
		if (known)
			err = idn_anchor_signed(p, a, c->crt[n - 1]) ?
			      IDN_OK : IDN_ERR_UNTRUSTED;
		else
			err = idn_check_path(a, c, n, st);
		if (err == IDN_OK) {
			if (!known)
				idn_anchor_remember(p, a, c->crt[n - 1]);
			*anchor = a;
			return IDN_OK;
		}
		if (err != IDN_ERR_UNTRUSTED)
			return err;
	}
	if (known)
		return idn_fail(st, IDN_ERR_UNTRUSTED, "issuing CA is no "
				"longer in the trust bundle of \"%s\"", td);
	if (tried)
		return err;	/* with the last candidate's reason */
	return idn_fail(st, IDN_ERR_UNTRUSTED, "not issued by a CA of trust "
			"domain \"%s\": no CA of that name", td);
}

static enum idn_err idn_verify_common(const struct idn_policy *p,
				      const struct idn_chain *chain,
				      time_t now, bool known,
				      struct idn_spiffe_id *id,
				      const struct idn_anchor **found,
				      struct idn_status *st)
{
	const struct idn_anchor *anchor = NULL;
	struct idn_spiffe_id peer;
	gnutls_x509_crt_t leaf;
	enum idn_err err;

	if (chain->n == 0)
		return idn_fail(st, IDN_ERR_NO_CERT, "no certificate presented");
	leaf = chain->crt[0];
	err = idn_crt_spiffe_id(leaf, &peer, st);
	if (err)
		return err;
	if (idn_spiffe_path(&peer)[0] == '\0')
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"leaf SPIFFE ID %s has no path", peer.id);
	if (!idn_policy_has_domain(p, peer.td))
		return idn_fail(st, IDN_ERR_TRUST_DOMAIN,
				"%s: no trust bundle for trust domain \"%s\"",
				peer.id, peer.td);
	if (gnutls_x509_crt_check_issuer(leaf, leaf))
		return idn_fail(st, IDN_ERR_SELF_SIGNED,
				"%s: leaf certificate is its own issuer",
				peer.id);
	err = idn_check_links(chain, st);
	if (!err)
		err = idn_find_anchor(p, chain, peer.td, known, &anchor, st);
	if (!err)
		err = idn_check_leaf_role(leaf, st);
	if (!err)
		err = idn_check_times(p, chain, anchor, now, st);
	if (!err)
		err = idn_check_revoked(p, chain, st);
	if (err)
		return err;
	if (id)
		*id = peer;
	if (found)
		*found = anchor;
	return idn_ok(st);
}

enum idn_err idn_verify(const struct idn_policy *p,
			const struct idn_chain *chain, time_t now,
			struct idn_spiffe_id *id, struct idn_status *st)
{
	return idn_verify_common(p, chain, now, false, id, NULL, st);
}

enum idn_err idn_verify_known(const struct idn_policy *p,
			      const struct idn_chain *chain, time_t now,
			      struct idn_spiffe_id *id, struct idn_status *st)
{
	return idn_verify_common(p, chain, now, true, id, NULL, st);
}

/*
 * The memo's key: SHA-256 over each certificate's length and DER, so two
 * different lists of certificates can never share a key.
 */
static bool idn_chain_key(const gnutls_datum_t *der, unsigned int n,
			  unsigned char key[IDN_FPR_LEN])
{
	gnutls_hash_hd_t h;
	bool ok = true;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return false;
	for (unsigned int i = 0; i < n && ok; i++) {
		unsigned char len[4] = { der[i].size >> 24, der[i].size >> 16,
					 der[i].size >> 8, der[i].size };

		ok = gnutls_hash(h, len, sizeof(len)) >= 0 &&
		     gnutls_hash(h, der[i].data, der[i].size) >= 0;
	}
	gnutls_hash_deinit(h, key);
	return ok;
}

/*
 * The fact recorded for key, if its bundle CA is still the one at the
 * index it was found at (the memo is emptied when bundles are added, so
 * this holds unless the policy was rebuilt under it).
 */
static const struct idn_chain_fact *
idn_chain_memo_find(const struct idn_policy *p,
		    const unsigned char key[IDN_FPR_LEN])
{
	const struct idn_chain_memo *m = p->chains;

	for (unsigned int i = 0; m && i < m->n; i++) {
		const struct idn_chain_fact *f = &m->fact[i];

		if (memcmp(f->key, key, IDN_FPR_LEN))
			continue;
		if (f->anchor < p->n_anchors &&
		    !memcmp(p->anchors[f->anchor].fpr, f->anchor_fpr,
			    IDN_FPR_LEN))
			return f;
		return NULL;
	}
	return NULL;
}

/*
 * Fill f from a chain p has just accepted with bundle CA a; false if a
 * detail cannot be read, and then nothing is recorded.
 */
static bool idn_chain_fact_fill(struct idn_chain_fact *f,
				const struct idn_policy *p,
				const struct idn_chain *c,
				const struct idn_anchor *a,
				const struct idn_spiffe_id *id)
{
	f->n = c->n;
	f->anchor = a - p->anchors;
	memcpy(f->anchor_fpr, a->fpr, IDN_FPR_LEN);
	f->id = *id;
	for (unsigned int i = 0; i < c->n; i++) {
		gnutls_x509_crt_t crt = c->crt[i];

		f->not_before[i] = gnutls_x509_crt_get_activation_time(crt);
		f->not_after[i] = gnutls_x509_crt_get_expiration_time(crt);
		if (idn_crt_serial_hex(crt, f->serial[i], NULL))
			return false;
	}
	return true;
}

static void idn_chain_memo_add(const struct idn_policy *p,
			       const unsigned char key[IDN_FPR_LEN],
			       const struct idn_chain *c,
			       const struct idn_anchor *a,
			       const struct idn_spiffe_id *id)
{
	struct idn_chain_memo *m = p->chains;
	struct idn_chain_fact f;

	/* Filled aside: the slot's old entry stays whole if this fails. */
	if (!m || !idn_chain_fact_fill(&f, p, c, a, id))
		return;
	memcpy(f.key, key, IDN_FPR_LEN);
	/* A peer making full handshakes again keeps one entry. */
	for (unsigned int i = 0; i < m->n; i++) {
		if (!memcmp(m->fact[i].key, key, IDN_FPR_LEN)) {
			m->fact[i] = f;
			return;
		}
	}
	m->fact[m->next] = f;
	m->next = (m->next + 1) % IDN_CHAIN_MEMO_MAX;
	if (m->n < IDN_CHAIN_MEMO_MAX)
		m->n++;
}

/*
 * A remembered chain judged at now by p: what can change since it was
 * recorded, in the order and with the reasons of idn_verify_common().
 */
static enum idn_err idn_verify_fact(const struct idn_policy *p,
				    const struct idn_chain_fact *f, time_t now,
				    struct idn_spiffe_id *id, time_t *not_after,
				    struct idn_status *st)
{
	const struct idn_anchor *a = &p->anchors[f->anchor];
	enum idn_err err;

	for (unsigned int i = 0; i < f->n; i++) {
		err = idn_check_window(f->not_before[i], f->not_after[i],
				       idn_role_at(i, f->n), now, p->skew, st);
		if (err)
			return err;
	}
	err = idn_check_window(a->not_before, a->not_after, "trust bundle CA",
			       now, p->skew, st);
	for (unsigned int i = 0; !err && i < f->n; i++)
		err = idn_check_serial(p, f->serial[i], idn_role_at(i, f->n),
				       st);
	if (err)
		return err;
	*id = f->id;
	*not_after = f->not_after[0];
	return idn_ok(st);
}

/* The way without the memo; a chain it accepts is recorded under key. */
static enum idn_err idn_verify_parsed(const struct idn_policy *p,
				      const gnutls_datum_t *der,
				      unsigned int n, bool known,
				      const unsigned char *key, time_t now,
				      struct idn_spiffe_id *id,
				      time_t *not_after,
				      struct idn_status *st)
{
	const struct idn_anchor *anchor = NULL;
	struct idn_chain chain;
	enum idn_err err;

	err = idn_chain_import_der(&chain, der, n, st);
	if (err)
		return err;
	err = idn_verify_common(p, &chain, now, known, id, &anchor, st);
	if (!err) {
		*not_after = gnutls_x509_crt_get_expiration_time(chain.crt[0]);
		if (key)
			idn_chain_memo_add(p, key, &chain, anchor, id);
	}
	idn_chain_free(&chain);
	return err;
}

enum idn_err idn_verify_der(const struct idn_policy *p,
			    const gnutls_datum_t *der, unsigned int n,
			    bool known, time_t now, struct idn_spiffe_id *id,
			    time_t *not_after, struct idn_status *st)
{
	unsigned char key[IDN_FPR_LEN];
	const struct idn_chain_fact *f = NULL;
	bool keyed;

	if (n == 0 || n > IDN_CHAIN_MAX)
		return idn_verify_parsed(p, der, n, known, NULL, now, id,
					 not_after, st);
	keyed = idn_chain_key(der, n, key);
	if (keyed && known)
		f = idn_chain_memo_find(p, key);
	if (f)
		return idn_verify_fact(p, f, now, id, not_after, st);
	return idn_verify_parsed(p, der, n, known, keyed ? key : NULL, now,
				 id, not_after, st);
}
