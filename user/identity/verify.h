/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_VERIFY_H
#define _X0TTA_VERIFY_H

#include <time.h>

#include "identity/svid.h"

/* Default tolerated clock difference between two nodes, in seconds. */
#define IDN_SKEW_DEFAULT 30

/*
 * What a node accepts: the CA certificates of each trust domain it
 * federates with, the revoked serials (fed by raft later) and the clock
 * skew it tolerates. A peer's SVID is checked only against the CAs of the
 * trust domain its own SPIFFE ID names, so one federated domain's CA can
 * never vouch for another domain's identities.
 */
/* Room for a SHA-256 certificate fingerprint. */
#define IDN_FPR_LEN 32

struct idn_anchor {
	char td[IDN_TRUST_DOMAIN_MAX + 1];
	gnutls_x509_crt_t crt;
	unsigned char fpr[IDN_FPR_LEN];	/* SHA-256 of its DER */
	time_t not_before, not_after;	/* read once, checked per peer */
};

/*
 * Signatures by the policy's CAs that were already verified: pairs of
 * SHA-256 fingerprints {certificate, bundle CA that signed it}. A
 * resumption (idn_verify_known()) must show that a CA of the current
 * bundle signed its chain's end; this memo turns the Ed25519 or ECDSA
 * verification that costs into a lookup, which is most of the cost of a
 * resumed handshake. A fact "CA X signed certificate Y" never becomes
 * false, and SHA-256 names both exactly, so an entry needs no expiry;
 * only verified signatures are entered, so a peer cannot fill it with
 * unverified ones. It is bounded, and the oldest entry makes room.
 */
#define IDN_SIG_MEMO_MAX 64

struct idn_sig_memo {
	unsigned char crt[IDN_SIG_MEMO_MAX][IDN_FPR_LEN];
	unsigned char ca[IDN_SIG_MEMO_MAX][IDN_FPR_LEN];
	unsigned int n;		/* entries in use */
	unsigned int next;	/* the slot the next entry replaces */
};

/*
 * Chains the policy accepted, by a SHA-256 of their DER, with what was
 * established from their certificates alone: the SPIFFE ID, the leaf's
 * role, the links and the bundle CA that signed the chain's end. A
 * resumed session hands over the very DER a handshake verified, and
 * parsing it again and re-deriving those facts was most of our share of
 * a resumption (idn_verify_der()). What can change is never taken from
 * here: validity at the time of the check (each certificate's window is
 * kept, and the bundle CA's is the policy's), revocations, and the
 * authorization rules (the caller's). Facts hold for one set of bundle
 * CAs: adding a bundle empties the memo, and a rotation builds a new
 * policy with an empty one. Only chains that passed idn_verify() or
 * idn_verify_known() are entered; bounded, the oldest entry makes room.
 */
#define IDN_CHAIN_MEMO_MAX 32

struct idn_chain_fact {
	unsigned char key[IDN_FPR_LEN];
	unsigned char anchor_fpr[IDN_FPR_LEN];
	unsigned int anchor;		/* index in the policy's anchors */
	unsigned int n;			/* certificates, leaf first */
	time_t not_before[IDN_CHAIN_MAX];
	time_t not_after[IDN_CHAIN_MAX];
	char serial[IDN_CHAIN_MAX][IDN_SERIAL_HEX_MAX];
	struct idn_spiffe_id id;
};

struct idn_chain_memo {
	struct idn_chain_fact fact[IDN_CHAIN_MEMO_MAX];
	unsigned int n;		/* entries in use */
	unsigned int next;	/* the slot the next entry replaces */
};

struct idn_policy {
	struct idn_anchor *anchors;
	unsigned int n_anchors;
	char (*revoked)[IDN_SERIAL_HEX_MAX];
	unsigned int n_revoked;
	unsigned int skew;
	bool self_named;	/* its one bundle took its domain from its CAs */
	/*
	 * Allocated with the first bundle. Updated by the validator even
	 * through a const policy, like the revocations it is never shared
	 * between threads.
	 */
	struct idn_sig_memo *memo;
	struct idn_chain_memo *chains;	/* allocated with memo */
};

/* SHA-256 of crt's DER; false if it cannot be computed. */
bool idn_crt_fpr(gnutls_x509_crt_t crt, unsigned char fpr[IDN_FPR_LEN]);

void idn_policy_init(struct idn_policy *p);
void idn_policy_free(struct idn_policy *p);

/*
 * Add the CA certificates of a PEM bundle of trust domain td: a bundle
 * holds one domain, and a CA whose own SPIFFE ID names another domain is
 * refused (IDN_ERR_TRUST_DOMAIN), so a federated partner's file cannot
 * vouch for our identities. td NULL takes the domain from the CAs' own
 * SPIFFE IDs (as `x0ttactl ca init` and SPIRE write them), and is allowed
 * only for the policy's one and only bundle. Every certificate must be a
 * CA. All or nothing: on error p is unchanged.
 */
enum idn_err idn_policy_add_bundle_pem(struct idn_policy *p, const char *td,
				       const void *pem, size_t len,
				       struct idn_status *st);
enum idn_err idn_policy_add_bundle_file(struct idn_policy *p, const char *td,
					const char *path,
					struct idn_status *st);

/*
 * A bundle as given on a command line: "TD=FILE" binds FILE to trust
 * domain TD (td filled), "FILE" leaves td empty. A name before '=' that
 * contains no '/' must be a trust domain; write ./FILE for a file whose
 * name has '='. *path points into arg.
 */
enum idn_err idn_bundle_arg_parse(const char *arg,
				  char td[IDN_TRUST_DOMAIN_MAX + 1],
				  const char **path, struct idn_status *st);

/*
 * A serial given in hex ("0x" prefix, colons, case and leading zeros
 * ignored) the way idn_crt_serial_hex() prints one: lowercase, no
 * leading zeros. IDN_ERR_INVAL with the reason when it is not one.
 */
enum idn_err idn_serial_norm(const char *in, char out[IDN_SERIAL_HEX_MAX],
			     struct idn_status *st);

/* Revoke a serial given in hex, as idn_serial_norm() reads it. */
enum idn_err idn_policy_revoke(struct idn_policy *p, const char *serial,
			       struct idn_status *st);

/* Whether the policy has any CA for trust domain td. */
bool idn_policy_has_domain(const struct idn_policy *p, const char *td);

/*
 * The validator. Accepts chain (leaf first) at time now iff: the leaf has
 * exactly one URI SAN, a valid SPIFFE ID whose trust domain p has CAs for;
 * the leaf is not self-signed and chains to one of those CAs, each
 * certificate issued by the next and none past a copy of the CA; the leaf is
 * not a CA and its key usage has digitalSignature and neither keyCertSign
 * nor cRLSign; every certificate of the chain and its anchor is within its
 * validity window widened by p->skew; the leaf serial is not revoked. On
 * success *id (may be NULL) is the peer's SPIFFE ID.
 */
enum idn_err idn_verify(const struct idn_policy *p,
			const struct idn_chain *chain, time_t now,
			struct idn_spiffe_id *id, struct idn_status *st);

/*
 * idn_verify() for a chain this node fully verified before and kept where
 * nobody could alter it: a resumed TLS session, whose peer certificates
 * come from a ticket sealed with our own key (server) or from our own
 * memory (client). The chain's signatures are not checked again, but
 * everything that can change since is: a CA of the current bundle must
 * still have signed the chain's end (one signature check, as CAs of a
 * rollover may share a name; none when p's memo has already seen that
 * CA sign that certificate), and the SPIFFE ID, leaf role, validity and
 * revocations are checked as in idn_verify().
 */
enum idn_err idn_verify_known(const struct idn_policy *p,
			      const struct idn_chain *chain, time_t now,
			      struct idn_spiffe_id *id, struct idn_status *st);

/*
 * idn_verify() (known false) or idn_verify_known() (true) of the chain
 * der[0..n-1], leaf first, as GnuTLS hands a peer's certificates over;
 * on success *id is the peer's SPIFFE ID and *not_after its leaf's
 * expiry (neither may be NULL). A known chain that p accepted before,
 * byte for byte, is judged from p's chain memo without being parsed:
 * validity at now and revocations are checked as idn_verify_known()
 * would, with the same reasons. Every accepted chain is remembered.
 */
enum idn_err idn_verify_der(const struct idn_policy *p,
			    const gnutls_datum_t *der, unsigned int n,
			    bool known, time_t now, struct idn_spiffe_id *id,
			    time_t *not_after, struct idn_status *st);

#endif /* _X0TTA_VERIFY_H */
