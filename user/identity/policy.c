// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/verify.h"

void idn_policy_init(struct idn_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->skew = IDN_SKEW_DEFAULT;
}

void idn_policy_free(struct idn_policy *p)
{
	for (unsigned int i = 0; i < p->n_anchors; i++)
		gnutls_x509_crt_deinit(p->anchors[i].crt);
	free(p->anchors);
	free(p->revoked);
	free(p->memo);
	free(p->chains);
	idn_policy_init(p);
}

bool idn_policy_has_domain(const struct idn_policy *p, const char *td)
{
	for (unsigned int i = 0; i < p->n_anchors; i++)
		if (strcmp(p->anchors[i].td, td) == 0)
			return true;
	return false;
}

static bool idn_crt_is_ca(gnutls_x509_crt_t crt)
{
	unsigned int critical;

	return gnutls_x509_crt_get_basic_constraints(crt, &critical, NULL,
						     NULL) > 0;
}

/*
 * Fill a->td for one CA certificate of a bundle. A CA may name no domain
 * (some upstream CAs carry no URI SAN), but one that names a domain other
 * than the one its file is configured for is refused: a federated
 * partner's bundle could otherwise vouch for our own domain's identities.
 */
static enum idn_err idn_anchor_domain(struct idn_anchor *a, const char *td,
				      unsigned int idx, struct idn_status *st)
{
	struct idn_spiffe_id id;
	char msg[IDN_DETAIL_MAX];
	enum idn_err err;

	if (!idn_crt_is_ca(a->crt))
		return idn_fail(st, IDN_ERR_INVAL,
				"bundle certificate %u is not a CA", idx + 1);
	if (!idn_crt_fpr(a->crt, a->fpr))
		return idn_fail(st, IDN_ERR_PEM,
				"bundle certificate %u: no fingerprint",
				idx + 1);
	err = idn_crt_spiffe_id(a->crt, &id, st);
	if (err == IDN_ERR_NO_URI_SAN && td) {
		snprintf(a->td, sizeof(a->td), "%s", td);
		return IDN_OK;
	}
	if (err) {
		snprintf(msg, sizeof(msg), "%s", st ? st->detail : "");
		return idn_fail(st, IDN_ERR_INVAL,
				"bundle certificate %u: %s%s", idx + 1, msg,
				td ? "" : "; give the bundle its trust domain");
	}
	if (td && strcmp(id.td, td) != 0)
		return idn_fail(st, IDN_ERR_TRUST_DOMAIN,
				"bundle certificate %u is a CA of %s, not of "
				"trust domain \"%s\" this bundle is for",
				idx + 1, id.id, td);
	snprintf(a->td, sizeof(a->td), "%s", id.td);
	return IDN_OK;
}

/* One trust domain per bundle, whoever named it. */
static enum idn_err idn_bundle_one_domain(const struct idn_anchor *added,
					  unsigned int n,
					  struct idn_status *st)
{
	for (unsigned int i = 1; i < n; i++)
		if (strcmp(added[i].td, added[0].td) != 0)
			return idn_fail(st, IDN_ERR_TRUST_DOMAIN,
					"bundle mixes trust domains \"%s\" "
					"and \"%s\": use one file per domain",
					added[0].td, added[i].td);
	return IDN_OK;
}

enum idn_err idn_policy_add_bundle_pem(struct idn_policy *p, const char *td,
				       const void *pem, size_t len,
				       struct idn_status *st)
{
	gnutls_datum_t d = { .data = (void *)pem, .size = len };
	gnutls_x509_crt_t *list = NULL;
	struct idn_anchor *grown;
	enum idn_err err = IDN_OK;
	unsigned int n = 0, i;
	int ret;

	/*
	 * A bundle without a configured trust domain takes it from its CAs,
	 * so it must be the only one: nobody else's file may claim ours.
	 */
	if (p->self_named || (!td && p->n_anchors))
		return idn_fail(st, IDN_ERR_INVAL,
				"a bundle without a trust domain must be the "
				"only one: give each bundle its trust domain");
	if (td) {
		err = idn_trust_domain_check(td, st);
		if (err)
			return err;
	}
	/* Kept even if this bundle is refused: they are empty until used. */
	if (!p->memo) {
		p->memo = calloc(1, sizeof(*p->memo));
		if (!p->memo)
			return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	}
	if (!p->chains) {
		p->chains = calloc(1, sizeof(*p->chains));
		if (!p->chains)
			return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	}
	ret = gnutls_x509_crt_list_import2(&list, &n, &d,
					   GNUTLS_X509_FMT_PEM, 0);
	if (ret == GNUTLS_E_NO_CERTIFICATE_FOUND || (ret >= 0 && n == 0)) {
		gnutls_free(list);
		return idn_fail(st, IDN_ERR_NO_CERT,
				"bundle has no PEM certificate");
	}
	if (ret < 0)
		return idn_fail(st, IDN_ERR_PEM, "bundle: %s",
				gnutls_strerror(ret));
	grown = realloc(p->anchors, (p->n_anchors + n) * sizeof(*grown));
	if (!grown) {
		err = idn_fail(st, IDN_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	p->anchors = grown;
	for (i = 0; i < n; i++) {
		struct idn_anchor *a = &p->anchors[p->n_anchors + i];

		a->crt = list[i];
		a->not_before = gnutls_x509_crt_get_activation_time(a->crt);
		a->not_after = gnutls_x509_crt_get_expiration_time(a->crt);
		err = idn_anchor_domain(a, td, i, st);
		if (err)
			goto cleanup;
	}
	err = idn_bundle_one_domain(&p->anchors[p->n_anchors], n, st);
	if (err)
		goto cleanup;
	p->n_anchors += n;
	p->self_named = !td;
	/* Its facts were established against the CAs before this bundle. */
	p->chains->n = 0;
	p->chains->next = 0;
	gnutls_free(list);
	return idn_ok(st);
cleanup:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return err;
}

enum idn_err idn_bundle_arg_parse(const char *arg,
				  char td[IDN_TRUST_DOMAIN_MAX + 1],
				  const char **path, struct idn_status *st)
{
	const char *eq = strchr(arg, '=');
	size_t len;

	td[0] = '\0';
	*path = arg;
	if (!eq || memchr(arg, '/', eq - arg))
		return *arg ? idn_ok(st) : idn_fail(st, IDN_ERR_INVAL,
						   "empty bundle file name");
	len = eq - arg;
	if (len == 0 || len > IDN_TRUST_DOMAIN_MAX)
		return idn_fail(st, IDN_ERR_INVAL, "\"%s\": TD=FILE needs "
				"a trust domain of 1 to %d characters", arg,
				IDN_TRUST_DOMAIN_MAX);
	memcpy(td, arg, len);
	td[len] = '\0';
	if (idn_trust_domain_check(td, st))
		return idn_fail(st, IDN_ERR_INVAL, "\"%s\": \"%s\" is not a "
				"trust domain (write ./FILE for a file name "
				"with '=')", arg, td);
	*path = eq + 1;
	if (!**path)
		return idn_fail(st, IDN_ERR_INVAL, "\"%s\": no file after "
				"'='", arg);
	return idn_ok(st);
}

enum idn_err idn_policy_add_bundle_file(struct idn_policy *p, const char *td,
					const char *path,
					struct idn_status *st)
{
	gnutls_datum_t d = { NULL, 0 };
	enum idn_err err;

	err = idn_file_read(path, &d, st);
	if (err)
		return err;
	err = idn_policy_add_bundle_pem(p, td, d.data, d.size, st);
	idn_file_free(&d);
	if (err && st) {
		char msg[IDN_DETAIL_MAX];

		snprintf(msg, sizeof(msg), "%s", st->detail);
		idn_fail(st, err, "%s: %s", path, msg);
	}
	return err;
}

enum idn_err idn_serial_norm(const char *in, char out[IDN_SERIAL_HEX_MAX],
			     struct idn_status *st)
{
	size_t o = 0;

	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	if (*in == '\0')
		return idn_fail(st, IDN_ERR_INVAL, "empty serial");
	for (const char *c = in; *c; c++) {
		if (*c == ':')
			continue;
		if (!isxdigit((unsigned char)*c))
			return idn_fail(st, IDN_ERR_INVAL,
					"serial \"%s\" is not hex", in);
		if (o == 0 && *c == '0')
			continue;
		if (o == IDN_SERIAL_HEX_MAX - 1)
			return idn_fail(st, IDN_ERR_INVAL,
					"serial longer than 20 octets");
		out[o++] = tolower((unsigned char)*c);
	}
	if (o == 0)
		out[o++] = '0';
	out[o] = '\0';
	return IDN_OK;
}

enum idn_err idn_policy_revoke(struct idn_policy *p, const char *serial,
			       struct idn_status *st)
{
	char norm[IDN_SERIAL_HEX_MAX];
	char (*grown)[IDN_SERIAL_HEX_MAX];
	enum idn_err err;

	err = idn_serial_norm(serial, norm, st);
	if (err)
		return err;
	/* Revocations are replayed (raft, reloads): keep each serial once. */
	for (unsigned int i = 0; i < p->n_revoked; i++)
		if (strcmp(p->revoked[i], norm) == 0)
			return idn_ok(st);
	grown = realloc(p->revoked, (p->n_revoked + 1) * sizeof(*grown));
	if (!grown)
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	p->revoked = grown;
	memcpy(p->revoked[p->n_revoked++], norm, sizeof(norm));
	return idn_ok(st);
}
