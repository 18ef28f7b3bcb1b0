// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "identity/identity.h"

struct idn_err_desc {
	const char *name;
	const char *text;
};

static const struct idn_err_desc idn_err_descs[IDN_ERR__MAX] = {
	[IDN_OK] = { "ok", "valid" },
	[IDN_ERR_NOMEM] = { "nomem", "out of memory" },
	[IDN_ERR_IO] = { "io", "file could not be read or written" },
	[IDN_ERR_INVAL] = { "inval", "invalid argument" },
	[IDN_ERR_PEM] = { "pem", "not a valid PEM certificate or key" },
	[IDN_ERR_NO_CERT] = { "no_cert", "no certificate presented" },
	[IDN_ERR_CHAIN_TOO_LONG] = { "chain_too_long",
		"certificate chain too long" },
	[IDN_ERR_NO_URI_SAN] = { "no_uri_san", "certificate has no URI SAN" },
	[IDN_ERR_MULTIPLE_URI_SAN] = { "multiple_uri_san",
		"certificate has more than one URI SAN" },
	[IDN_ERR_BAD_SPIFFE_ID] = { "bad_spiffe_id",
		"URI SAN is not a valid SPIFFE ID" },
	[IDN_ERR_TRUST_DOMAIN] = { "trust_domain", "trust domain not allowed" },
	[IDN_ERR_SELF_SIGNED] = { "self_signed", "certificate is self-signed" },
	[IDN_ERR_UNTRUSTED] = { "untrusted",
		"certificate does not chain to the trust bundle" },
	[IDN_ERR_LEAF_IS_CA] = { "leaf_is_ca", "leaf certificate is a CA" },
	[IDN_ERR_KEY_USAGE] = { "key_usage",
		"leaf key usage lacks digitalSignature or may sign certificates" },
	[IDN_ERR_NOT_YET_VALID] = { "not_yet_valid",
		"certificate is not yet valid" },
	[IDN_ERR_EXPIRED] = { "expired", "certificate has expired" },
	[IDN_ERR_REVOKED] = { "revoked", "certificate serial is revoked" },
	[IDN_ERR_KEY_MISMATCH] = { "key_mismatch",
		"private key does not match the certificate" },
	[IDN_ERR_NOT_AUTHORIZED] = { "not_authorized",
		"SPIFFE ID not authorized" },
	[IDN_ERR_TLS_VERSION] = { "tls_version",
		"peer does not speak TLS 1.3" },
	[IDN_ERR_TLS] = { "tls", "TLS failure" },
	[IDN_ERR_AGAIN] = { "again", "operation would block" },
	[IDN_ERR_CLOSED] = { "closed", "connection closed" },
};

static const struct idn_err_desc *idn_err_desc(enum idn_err err)
{
	static const struct idn_err_desc unknown = { "unknown", "unknown error" };

	if ((unsigned int)err >= IDN_ERR__MAX || !idn_err_descs[err].name)
		return &unknown;
	return &idn_err_descs[err];
}

const char *idn_strerror(enum idn_err err)
{
	return idn_err_desc(err)->text;
}

const char *idn_errname(enum idn_err err)
{
	return idn_err_desc(err)->name;
}

enum idn_err idn_fail(struct idn_status *st, enum idn_err err,
		      const char *fmt, ...)
{
	va_list ap;

	if (!st)
		return err;
	st->err = err;
	va_start(ap, fmt);
	vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
	va_end(ap);
	return err;
}

enum idn_err idn_ok(struct idn_status *st)
{
	if (st) {
		st->err = IDN_OK;
		st->detail[0] = '\0';
	}
	return IDN_OK;
}

const char *idn_fmt_time(long long t, char buf[IDN_TIME_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, IDN_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, IDN_TIME_MAX, "@%lld", t);
	return buf;
}
