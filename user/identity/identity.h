/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_IDENTITY_H
#define _X0TTA_IDENTITY_H

#include <stddef.h>

/*
 * Every refusal of the identity layer has its own code, so callers (the
 * daemon's logs, `x0ttactl ca verify`, tests) can tell *why* a peer or a
 * file was refused without parsing text. Documentation/identity.rst lists
 * what each one means for an operator.
 */
enum idn_err {
	IDN_OK = 0,
	IDN_ERR_NOMEM,
	IDN_ERR_IO,			/* a file could not be read or written */
	IDN_ERR_INVAL,			/* bad argument or option */
	IDN_ERR_PEM,			/* not a PEM certificate or key */
	IDN_ERR_NO_CERT,		/* no certificate presented */
	IDN_ERR_CHAIN_TOO_LONG,
	IDN_ERR_NO_URI_SAN,
	IDN_ERR_MULTIPLE_URI_SAN,
	IDN_ERR_BAD_SPIFFE_ID,
	IDN_ERR_TRUST_DOMAIN,		/* no bundle for its trust domain */
	IDN_ERR_SELF_SIGNED,
	IDN_ERR_UNTRUSTED,		/* does not chain to the bundle */
	IDN_ERR_LEAF_IS_CA,
	IDN_ERR_KEY_USAGE,
	IDN_ERR_NOT_YET_VALID,
	IDN_ERR_EXPIRED,
	IDN_ERR_REVOKED,
	IDN_ERR_KEY_MISMATCH,		/* private key is not the cert's */
	IDN_ERR_NOT_AUTHORIZED,		/* valid, but not allowed here */
	IDN_ERR_TLS_VERSION,		/* peer does not speak TLS 1.3 */
	IDN_ERR_TLS,			/* handshake or record layer failure */
	IDN_ERR_AGAIN,			/* non-blocking: wait, then retry */
	IDN_ERR_CLOSED,			/* peer closed the connection */
	IDN_ERR__MAX,
};

/* Room for one human-readable sentence saying what exactly was wrong. */
#define IDN_DETAIL_MAX 256

/*
 * The outcome of an operation that can be refused: the code, and a
 * sentence naming the certificate, file or field at fault.
 */
struct idn_status {
	enum idn_err err;
	char detail[IDN_DETAIL_MAX];
};

/* Short fixed description of a code, e.g. "certificate has expired". */
const char *idn_strerror(enum idn_err err);

/* Stable lowercase token of a code for logs and JSON, e.g. "expired". */
const char *idn_errname(enum idn_err err);

/*
 * Record err in st (st may be NULL) with a printf-style detail and return
 * err, so callers can write `return idn_fail(st, IDN_ERR_X, "...")`.
 */
enum idn_err idn_fail(struct idn_status *st, enum idn_err err,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reset st to IDN_OK with an empty detail and return IDN_OK. */
enum idn_err idn_ok(struct idn_status *st);

/* Room for a time as idn_fmt_time() writes it. */
#define IDN_TIME_MAX 32

/*
 * t as UTC ISO 8601 ("2026-01-02T03:04:05Z"), the form every message of
 * this layer uses, so operators can compare it with logs. Returns buf.
 */
const char *idn_fmt_time(long long t, char buf[IDN_TIME_MAX]);

#endif /* _X0TTA_IDENTITY_H */
