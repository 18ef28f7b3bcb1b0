/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_SOURCE_H
#define _X0TTA_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "identity/tls.h"

/*
 * A node's identity as files on disk (written by `x0ttactl ca issue` or
 * SPIRE's spiffe-helper) and the TLS credentials built from them, kept
 * current without a restart: the daemon calls idn_source_refresh() from
 * a timer or an inotify event, new handshakes use the new credentials at
 * once, and established connections keep the ones they were made with
 * (see idn_conn_expiry() for when to replace them).
 */
#define IDN_BUNDLES_MAX 8

struct idn_files {
	const char *cert;	/* SVID chain, leaf first */
	const char *key;	/* its private key; may be the same file */
	const char *bundles[IDN_BUNDLES_MAX];
	/*
	 * The trust domain each bundle file is for. NULL takes it from the
	 * file's CAs, which only the sole bundle file may do: a federated
	 * partner's file must not be able to name our domain.
	 */
	const char *bundle_tds[IDN_BUNDLES_MAX];
	unsigned int n_bundles;
};

/* What identifies one version of a file without reading it. */
struct idn_file_sig {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int err;		/* errno of stat(), 0 if it exists */
};

struct idn_source {
	struct idn_files files;		/* paths borrowed */
	const char *const *rules;	/* borrowed */
	unsigned int n_rules;
	unsigned int skew;
	struct idn_tls *tls;		/* current; never NULL once open */
	struct idn_svid svid;		/* the SVID tls serves */
	struct idn_file_sig sig[2 + IDN_BUNDLES_MAX];
	struct idn_policy revoked;	/* serials only, survive reloads */
	unsigned int generation;	/* 1 after open, +1 per rotation */
};

/*
 * Load the files. Refused (with the reason) unless the rules pass
 * idn_rules_check(), the SVID and key match and the SVID itself
 * validates against the bundles at now.
 */
enum idn_err idn_source_open(struct idn_source *s, const struct idn_files *f,
			     const char *const *rules, unsigned int n_rules,
			     unsigned int skew, time_t now,
			     struct idn_status *st);

/*
 * Reload if any file changed since the last look. *rotated tells whether
 * new credentials are now in use.
 *
 * New bundles and revocations always apply, even when our own SVID does
 * not validate against them: trust is never kept to spare our identity.
 * A new SVID is used only if it loads and validates against the bundles;
 * otherwise the node keeps serving the SVID it has (even one the new
 * bundle no longer trusts: peers decide, and a good SVID may arrive any
 * moment). Either way the return value is the refusal of our own SVID
 * (bad PEM, key not matching the certificate, expired, untrusted...),
 * for the caller to log. A refused file version is judged once and not
 * again until a file changes, except a time-based refusal (not yet
 * valid, expired), which the next refresh tries again.
 */
enum idn_err idn_source_refresh(struct idn_source *s, time_t now,
				bool *rotated, struct idn_status *st);

/* Revoke a serial now and in every later generation. */
enum idn_err idn_source_revoke(struct idn_source *s, const char *serial,
			       struct idn_status *st);

/*
 * idn_conn_recheck() of c by the source's current policy (its latest
 * bundles and every revocation), whichever credentials c was made with.
 */
enum idn_err idn_source_recheck(const struct idn_source *s,
				const struct idn_conn *c, time_t now,
				struct idn_status *st);

void idn_source_close(struct idn_source *s);

#endif /* _X0TTA_SOURCE_H */
