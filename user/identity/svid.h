/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_SVID_H
#define _X0TTA_SVID_H

#include <sys/types.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "identity/identity.h"
#include "identity/spiffe.h"

/*
 * A leaf and its intermediates, leaf first, as presented by a peer or read
 * from an SVID file. Eight is more than any sane mesh PKI needs and bounds
 * the work an unauthenticated peer can make us do.
 */
#define IDN_CHAIN_MAX 8

/* Certificate and key files are small; refuse anything larger. */
#define IDN_FILE_MAX (1 << 20)

struct idn_chain {
	gnutls_x509_crt_t crt[IDN_CHAIN_MAX];
	unsigned int n;
};

/* An own identity: SVID chain, its private key and its SPIFFE ID. */
struct idn_svid {
	struct idn_chain chain;
	gnutls_x509_privkey_t key;
	struct idn_spiffe_id id;
};

/*
 * Read a whole regular file of at most IDN_FILE_MAX bytes into out->data
 * (NUL-terminated; release it with idn_file_free()). Anything else (a
 * FIFO, a device, a directory) is refused without blocking, and so is a
 * file that changes size while it is read. out is written only on
 * success.
 */
enum idn_err idn_file_read(const char *path, gnutls_datum_t *out,
			   struct idn_status *st);

/* Wipe and free what idn_file_read() returned: it may be a private key. */
void idn_file_free(gnutls_datum_t *d);

/*
 * Replace path with data atomically: write a temporary file in the same
 * directory with mode, fsync it, rename it over path, fsync the directory.
 * A reader (another node process, spiffe-helper's consumer) sees the old
 * or the new file, never a torn one.
 */
enum idn_err idn_file_write_atomic(const char *path, const void *data,
				   size_t len, mode_t mode,
				   struct idn_status *st);

/* Parse one or more PEM certificates; c is untouched on failure. */
enum idn_err idn_chain_import_pem(struct idn_chain *c, const void *pem,
				  size_t len, struct idn_status *st);
enum idn_err idn_chain_import_der(struct idn_chain *c,
				  const gnutls_datum_t *der, unsigned int n,
				  struct idn_status *st);
enum idn_err idn_chain_load(struct idn_chain *c, const char *path,
			    struct idn_status *st);
void idn_chain_free(struct idn_chain *c);

/*
 * The SPIFFE ID of a certificate: exactly one URI SAN that parses as a
 * SPIFFE ID (IDN_ERR_NO_URI_SAN, IDN_ERR_MULTIPLE_URI_SAN,
 * IDN_ERR_BAD_SPIFFE_ID otherwise).
 */
enum idn_err idn_crt_spiffe_id(gnutls_x509_crt_t crt,
			       struct idn_spiffe_id *id,
			       struct idn_status *st);

/* Serial as lowercase hex without leading zeros ("0" for zero). */
#define IDN_SERIAL_HEX_MAX 41
enum idn_err idn_crt_serial_hex(gnutls_x509_crt_t crt,
				char out[IDN_SERIAL_HEX_MAX],
				struct idn_status *st);

/*
 * Load an own SVID from PEM files (key_path may equal cert_path, as
 * spiffe-helper can write both in one file). Checks the PEM, the SPIFFE ID
 * and that the key belongs to the leaf (IDN_ERR_KEY_MISMATCH), not the
 * chain: that is idn_verify()'s job, with the caller's policy.
 */
enum idn_err idn_svid_load(struct idn_svid *s, const char *cert_path,
			   const char *key_path, struct idn_status *st);
void idn_svid_free(struct idn_svid *s);

#endif /* _X0TTA_SVID_H */
