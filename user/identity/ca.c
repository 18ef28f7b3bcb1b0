// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <gnutls/crypto.h>

#include "identity/ca.h"

#define IDN_CN_MAX 64	/* ub-common-name, RFC 5280 appendix A */

enum idn_err idn_key_type_parse(const char *s, enum idn_key_type *out,
				struct idn_status *st)
{
	if (strcmp(s, "ed25519") == 0)
		*out = IDN_KEY_ED25519;
	else if (strcmp(s, "ecdsa-p256") == 0)
		*out = IDN_KEY_ECDSA_P256;
	else
		return idn_fail(st, IDN_ERR_INVAL,
				"key type \"%s\": use ed25519 or ecdsa-p256",
				s);
	return idn_ok(st);
}

static enum idn_err idn_key_generate(gnutls_x509_privkey_t *key,
				     enum idn_key_type kt,
				     struct idn_status *st)
{
	gnutls_pk_algorithm_t pk = GNUTLS_PK_EDDSA_ED25519;
	unsigned int bits = 0;
	int ret;

	if (kt == IDN_KEY_ECDSA_P256) {
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	}
	ret = gnutls_x509_privkey_init(key);
	if (ret < 0)
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	ret = gnutls_x509_privkey_generate2(*key, pk, bits, 0, NULL, 0);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return idn_fail(st, IDN_ERR_INVAL, "key generation: %s",
				gnutls_strerror(ret));
	}
	return IDN_OK;
}

/* Ed25519 signs the whole message; the digest argument only matters to EC. */
static gnutls_digest_algorithm_t idn_sign_digest(gnutls_x509_privkey_t key)
{
	if (gnutls_x509_privkey_get_pk_algorithm(key) == GNUTLS_PK_ECDSA)
		return GNUTLS_DIG_SHA256;
	return GNUTLS_DIG_SHA512;
}

/*
 * The fields every certificate we issue shares: v3, random positive
 * 128-bit serial (so serials never collide across CA restarts), validity,
 * subject CN, public key and its subject key identifier.
 */
static int idn_crt_common(gnutls_x509_crt_t c, gnutls_x509_privkey_t key,
			  const char *cn, time_t nb, time_t na)
{
	unsigned char serial[16], kid[64];
	size_t kid_len = sizeof(kid);
	int ret;

	ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	if (ret < 0)
		return ret;
	serial[0] = (serial[0] & 0x7f) | 0x01;
	ret = gnutls_x509_crt_set_version(c, 3);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_serial(c, serial, sizeof(serial));
	if (ret >= 0)
		ret = gnutls_x509_crt_set_activation_time(c, nb);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_expiration_time(c, na);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_dn_by_oid(c,
						    GNUTLS_OID_X520_COMMON_NAME,
						    0, cn, strlen(cn));
	if (ret >= 0)
		ret = gnutls_x509_crt_set_key(c, key);
	if (ret >= 0)
		ret = gnutls_x509_crt_get_key_id(c, GNUTLS_KEYID_USE_SHA1, kid,
						 &kid_len);
	if (ret < 0)
		return ret;
	return gnutls_x509_crt_set_subject_key_id(c, kid, kid_len);
}

/*
 * GnuTLS caches a certificate's raw DNs only when it is imported, so a
 * freshly signed certificate is reloaded from its DER before anyone (the
 * validator, a TLS session) compares its issuer.
 */
static int idn_crt_reload(gnutls_x509_crt_t *c)
{
	gnutls_datum_t der = { NULL, 0 };
	gnutls_x509_crt_t fresh;
	int ret;

	ret = gnutls_x509_crt_export2(*c, GNUTLS_X509_FMT_DER, &der);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_init(&fresh);
	if (ret < 0)
		goto cleanup;
	ret = gnutls_x509_crt_import(fresh, &der, GNUTLS_X509_FMT_DER);
	if (ret < 0) {
		gnutls_x509_crt_deinit(fresh);
		goto cleanup;
	}
	gnutls_x509_crt_deinit(*c);
	*c = fresh;
cleanup:
	gnutls_free(der.data);
	return ret;
}

static int idn_crt_set_uri(gnutls_x509_crt_t c, const char *uri)
{
	return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_URI, uri,
						    strlen(uri),
						    GNUTLS_FSAN_SET);
}

/* A self-signed trust domain CA certificate in *c, reloaded. */
static int idn_ca_fill(gnutls_x509_crt_t *c, gnutls_x509_privkey_t key,
		       const char *cn, const char *uri, time_t nb, time_t na)
{
	int ret = idn_crt_common(*c, key, cn, nb, na);

	/* pathlen 0: this CA signs node SVIDs, never another CA. */
	if (ret >= 0)
		ret = gnutls_x509_crt_set_basic_constraints(*c, 1, 0);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_key_usage(*c,
						    GNUTLS_KEY_KEY_CERT_SIGN |
						    GNUTLS_KEY_CRL_SIGN);
	if (ret >= 0)
		ret = idn_crt_set_uri(*c, uri);
	if (ret >= 0)
		ret = gnutls_x509_crt_sign2(*c, *c, key, idn_sign_digest(key),
					    0);
	if (ret >= 0)
		ret = idn_crt_reload(c);
	return ret;
}

enum idn_err idn_ca_create(struct idn_ca *ca, const char *td,
			   enum idn_key_type kt, time_t now,
			   unsigned int lifetime, struct idn_status *st)
{
	char uri[IDN_TRUST_DOMAIN_MAX + 16], cn[IDN_CN_MAX + 1];
	struct idn_ca tmp;
	enum idn_err err;
	int ret;

	memset(&tmp, 0, sizeof(tmp));
	err = idn_trust_domain_check(td, st);
	if (err)
		return err;
	snprintf(uri, sizeof(uri), "spiffe://%s", td);
	snprintf(cn, sizeof(cn), "x0tta CA %.55s", td);
	err = idn_spiffe_parse(uri, strlen(uri), &tmp.id, st);
	if (err)
		return err;
	err = idn_key_generate(&tmp.key, kt, st);
	if (err)
		return err;
	ret = gnutls_x509_crt_init(&tmp.crt);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_NOMEM, "out of memory");
		goto err_key;
	}
	ret = idn_ca_fill(&tmp.crt, tmp.key, cn, uri, now, now + lifetime);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_INVAL, "CA certificate: %s",
			       gnutls_strerror(ret));
		goto err_crt;
	}
	*ca = tmp;
	return idn_ok(st);
err_crt:
	gnutls_x509_crt_deinit(tmp.crt);
err_key:
	gnutls_x509_privkey_deinit(tmp.key);
	return err;
}

enum idn_err idn_ca_load(struct idn_ca *ca, const char *cert_path,
			 const char *key_path, struct idn_status *st)
{
	unsigned int critical;
	struct idn_svid s;
	enum idn_err err;

	err = idn_svid_load(&s, cert_path, key_path, st);
	if (err)
		return err;
	if (s.chain.n != 1 ||
	    gnutls_x509_crt_get_basic_constraints(s.chain.crt[0], &critical,
						  NULL, NULL) <= 0) {
		err = idn_fail(st, IDN_ERR_INVAL,
			       "%s: not a single CA certificate", cert_path);
		goto cleanup;
	}
	if (idn_spiffe_path(&s.id)[0] != '\0') {
		err = idn_fail(st, IDN_ERR_INVAL,
			       "%s: CA SPIFFE ID %s is not a trust domain ID",
			       cert_path, s.id.id);
		goto cleanup;
	}
	ca->crt = s.chain.crt[0];
	ca->key = s.key;
	ca->id = s.id;
	return idn_ok(st);
cleanup:
	idn_svid_free(&s);
	return err;
}

static enum idn_err idn_key_save(gnutls_x509_privkey_t key, const char *path,
				 struct idn_status *st)
{
	gnutls_datum_t d = { NULL, 0 };
	enum idn_err err;
	int ret;

	ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
						GNUTLS_PKCS_PLAIN, &d);
	if (ret < 0)
		return idn_fail(st, IDN_ERR_INVAL, "export key: %s",
				gnutls_strerror(ret));
	err = idn_file_write_atomic(path, d.data, d.size, 0600, st);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	return err;
}

static enum idn_err idn_chain_save(const gnutls_x509_crt_t *crt,
				   unsigned int n, const char *path,
				   struct idn_status *st)
{
	char buf[IDN_CHAIN_MAX * 4096];
	size_t used = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t len = sizeof(buf) - used;
		int ret = gnutls_x509_crt_export(crt[i], GNUTLS_X509_FMT_PEM,
						 buf + used, &len);

		if (ret < 0)
			return idn_fail(st, IDN_ERR_INVAL, "export: %s",
					gnutls_strerror(ret));
		used += len;
	}
	return idn_file_write_atomic(path, buf, used, 0644, st);
}

enum idn_err idn_svid_save(const struct idn_svid *s, const char *cert_path,
			   const char *key_path, struct idn_status *st)
{
	enum idn_err err = idn_key_save(s->key, key_path, st);

	return err ? err : idn_chain_save(s->chain.crt, s->chain.n, cert_path,
					  st);
}

void idn_ca_free(struct idn_ca *ca)
{
	if (ca->crt)
		gnutls_x509_crt_deinit(ca->crt);
	if (ca->key)
		gnutls_x509_privkey_deinit(ca->key);
	ca->crt = NULL;
	ca->key = NULL;
}

/* Subject CN of a leaf: its last path segment, which names the node. */
static void idn_leaf_cn(const struct idn_spiffe_id *id,
			char cn[IDN_CN_MAX + 1])
{
	const char *last = strrchr(idn_spiffe_path(id), '/');

	snprintf(cn, IDN_CN_MAX + 1, "%.64s", last ? last + 1 : id->td);
}

static int idn_leaf_fill(gnutls_x509_crt_t c, const struct idn_ca *ca,
			 gnutls_x509_privkey_t key,
			 const struct idn_spiffe_id *id, time_t nb, time_t na)
{
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);
	unsigned int critical;
	char cn[IDN_CN_MAX + 1];
	int ret;

	idn_leaf_cn(id, cn);
	ret = idn_crt_common(c, key, cn, nb, na);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_basic_constraints(c, 0, -1);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_key_usage(c,
						    GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_key_purpose_oid(
			c, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_key_purpose_oid(
			c, GNUTLS_KP_TLS_WWW_CLIENT, 0);
	if (ret >= 0)
		ret = idn_crt_set_uri(c, id->id);
	if (ret >= 0)
		ret = gnutls_x509_crt_get_subject_key_id(ca->crt, aki,
							 &aki_len, &critical);
	if (ret >= 0)
		ret = gnutls_x509_crt_set_authority_key_id(c, aki, aki_len);
	if (ret < 0)
		return ret;
	return gnutls_x509_crt_sign2(c, ca->crt, ca->key,
				     idn_sign_digest(ca->key), 0);
}

enum idn_err idn_ca_issue(const struct idn_ca *ca, const char *spiffe_id,
			  enum idn_key_type kt, time_t now,
			  unsigned int lifetime, struct idn_svid *out,
			  struct idn_status *st)
{
	char when[IDN_TIME_MAX];
	struct idn_svid tmp;
	time_t ca_na, na;
	enum idn_err err;
	int ret;

	memset(&tmp, 0, sizeof(tmp));
	err = idn_spiffe_parse(spiffe_id, strlen(spiffe_id), &tmp.id, st);
	if (err)
		return err;
	if (strcmp(tmp.id.td, ca->id.td) != 0)
		return idn_fail(st, IDN_ERR_TRUST_DOMAIN,
				"%s is not in this CA's trust domain \"%s\"",
				spiffe_id, ca->id.td);
	if (idn_spiffe_path(&tmp.id)[0] == '\0')
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"%s has no path; a node SVID needs one",
				spiffe_id);
	if (lifetime == 0)
		return idn_fail(st, IDN_ERR_INVAL, "lifetime must be > 0");
	ca_na = gnutls_x509_crt_get_expiration_time(ca->crt);
	if (ca_na == (time_t)-1 || ca_na <= now)
		return idn_fail(st, IDN_ERR_EXPIRED, "CA certificate expired "
				"at %s: renew the CA before issuing",
				idn_fmt_time(ca_na, when));
	/* A leaf cannot be valid where its CA is not: peers would refuse it. */
	na = now + lifetime < ca_na ? now + lifetime : ca_na;
	err = idn_key_generate(&tmp.key, kt, st);
	if (err)
		return err;
	ret = gnutls_x509_crt_init(&tmp.chain.crt[0]);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_NOMEM, "out of memory");
		goto err_key;
	}
	tmp.chain.n = 1;
	ret = idn_leaf_fill(tmp.chain.crt[0], ca, tmp.key, &tmp.id,
			    now - IDN_SVID_BACKDATE, na);
	if (ret >= 0)
		ret = idn_crt_reload(&tmp.chain.crt[0]);
	if (ret < 0) {
		err = idn_fail(st, IDN_ERR_INVAL, "SVID: %s",
			       gnutls_strerror(ret));
		goto err_crt;
	}
	*out = tmp;
	return idn_ok(st);
err_crt:
	idn_chain_free(&tmp.chain);
err_key:
	gnutls_x509_privkey_deinit(tmp.key);
	return err;
}
