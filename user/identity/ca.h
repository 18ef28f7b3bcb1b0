/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_CA_H
#define _X0TTA_CA_H

#include <time.h>

#include "identity/svid.h"

/*
 * A certificate authority for one trust domain of a small mesh, the
 * library side of `x0ttactl ca`. Big deployments use SPIRE instead; both
 * produce the same files, so the rest of x0tta cannot tell them apart.
 */
enum idn_key_type {
	IDN_KEY_ED25519,
	IDN_KEY_ECDSA_P256,
};

#define IDN_CA_LIFETIME_DEFAULT		(365 * 24 * 3600)
#define IDN_SVID_LIFETIME_DEFAULT	3600
/*
 * Leaves are backdated this much so that a peer whose clock is a little
 * behind the CA's accepts a certificate issued a second ago.
 */
#define IDN_SVID_BACKDATE		60

struct idn_ca {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	struct idn_spiffe_id id;	/* spiffe://<trust-domain> */
};

/* "ed25519" or "ecdsa-p256". */
enum idn_err idn_key_type_parse(const char *s, enum idn_key_type *out,
				struct idn_status *st);

/* A new self-signed CA for trust domain td, valid from now for lifetime. */
enum idn_err idn_ca_create(struct idn_ca *ca, const char *td,
			   enum idn_key_type kt, time_t now,
			   unsigned int lifetime, struct idn_status *st);

/*
 * Load a CA written by idn_ca_save(): the certificate must be a CA with a
 * trust domain SPIFFE ID, and the key must be its key.
 */
enum idn_err idn_ca_load(struct idn_ca *ca, const char *cert_path,
			 const char *key_path, struct idn_status *st);

/*
 * Replace the CA's key (mode 0600) and certificate (0644) as one unit:
 * after an error, a crash or a power loss, and idn_pair_recover(), the
 * two files are either the old pair or the new one, never a mix (see
 * pair.c for the steps). Both paths must be in one directory; the files
 * NAME.new, NAME.new.tmp and NAME.old beside them are the protocol's.
 */
enum idn_err idn_ca_save(const struct idn_ca *ca, const char *cert_path,
			 const char *key_path, struct idn_status *st);

/*
 * Bring a pair that idn_ca_save() left half replaced (it crashed) back
 * to a whole one, old or new, and remove the protocol's leftovers. Call
 * before reading the pair; idn_ca_save() calls it first itself.
 */
enum idn_err idn_pair_recover(const char *cert_path, const char *key_path,
			      struct idn_status *st);
void idn_ca_free(struct idn_ca *ca);

/*
 * Issue an X.509-SVID for spiffe_id (which must be in the CA's trust
 * domain and have a path) with a fresh key: not a CA, digitalSignature,
 * TLS client and server purposes, random 128-bit serial, valid from
 * now - IDN_SVID_BACKDATE to now + lifetime, cut at the CA's own expiry.
 * An expired CA issues nothing (IDN_ERR_EXPIRED).
 */
enum idn_err idn_ca_issue(const struct idn_ca *ca, const char *spiffe_id,
			  enum idn_key_type kt, time_t now,
			  unsigned int lifetime, struct idn_svid *out,
			  struct idn_status *st);

/* Write an SVID's key (0600) then its chain (0644), each atomically. */
enum idn_err idn_svid_save(const struct idn_svid *s, const char *cert_path,
			   const char *key_path, struct idn_status *st);

#endif /* _X0TTA_CA_H */
