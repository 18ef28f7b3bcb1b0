/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TLS_H
#define _X0TTA_TLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "identity/verify.h"

/*
 * Mutual TLS 1.3 between controllers. Both sides present X.509-SVIDs and
 * both run idn_verify() on the other's chain during the handshake, then
 * check the peer's SPIFFE ID against the rules of this use (raft, crdt,
 * control: exact IDs or "spiffe://td/path/" prefixes, see
 * idn_spiffe_match()). Anything older than TLS 1.3 is refused.
 *
 * Connections are non-blocking and never wait: every call either makes
 * progress or returns IDN_ERR_AGAIN, after which the caller waits in its
 * epoll loop for idn_conn_events() on the socket and calls again.
 */
/*
 * TLS 1.3 only: no renegotiation, no static RSA, encrypted certificates,
 * and one protocol version to reason about. NORMAL keeps GnuTLS's choice
 * of signature algorithms, which follows its security updates.
 *
 * Cipher suites: the SHA-256 suites, CHACHA20-POLY1305 first. Our key
 * exchange (X25519) and signatures (Ed25519, P-256) give 128-bit
 * security, so AES-256 and SHA-384 (GnuTLS's NORMAL order) add none, yet
 * the suite's hash runs the whole key schedule and transcript of every
 * handshake: SHA-384 is SHA-512, 64-bit arithmetic that 32-bit routers
 * do in pieces, with no instructions on most ARMv8 and x86 cores where
 * SHA-256 has them. ChaCha20-Poly1305 is constant-time in plain
 * software, where table-based AES leaks through the cache on the many
 * routers without AES instructions; it is what WireGuard uses.
 * AES-128-GCM, the suite every TLS 1.3 peer must have (RFC 8446, 9.1),
 * comes next, and AES-256-GCM last for a peer that insists on it.
 * A GnuTLS server follows the client's order, so x0tta peers agree on
 * ChaCha20-Poly1305.
 *
 * X25519 goes first, and clients are made with GNUTLS_KEY_SHARE_TOP: by
 * default a GnuTLS client sends key shares for its first two groups of
 * different kinds (x25519 and secp256r1 here), two key generations per
 * handshake where every x0tta peer uses one. A peer without X25519
 * still connects, after a HelloRetryRequest.
 */
#define IDN_TLS_PRIORITY \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3" \
	":-CIPHER-ALL:+CHACHA20-POLY1305:+AES-128-GCM:+AES-256-GCM" \
	":-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"

struct idn_tls {
	unsigned int refs;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t ticket_key;	/* server: seals session tickets */
	struct idn_policy policy;
	const char *const *rules;	/* borrowed, outlives this */
	unsigned int n_rules;
	time_t not_after;		/* of our own leaf */
};

/*
 * Credentials for one use: own svid (copied), the peers' policy (moved
 * in: on success *policy is left empty) and the authorization rules
 * (borrowed, checked with idn_rules_check(): a rule that can match no
 * SVID is refused). n_rules 0 authorizes no one. Reference counted: every
 * connection holds a reference, so after a rotation the old credentials
 * live exactly as long as the connections made with them.
 */
struct idn_tls *idn_tls_new(const struct idn_svid *svid,
			    struct idn_policy *policy,
			    const char *const *rules, unsigned int n_rules,
			    struct idn_status *st);
struct idn_tls *idn_tls_get(struct idn_tls *t);

/*
 * Seal session tickets of to with the ticket key of from, so clients
 * holding tickets keep resuming across a rotation of our certificate
 * instead of all coming back for full handshakes at once. GnuTLS derives
 * the actual encryption keys from this one and rotates them itself.
 */
enum idn_err idn_tls_share_tickets(struct idn_tls *to,
				   const struct idn_tls *from,
				   struct idn_status *st);
void idn_tls_put(struct idn_tls *t);

enum idn_role {
	IDN_ROLE_CLIENT,
	IDN_ROLE_SERVER,
};

struct idn_conn {
	gnutls_session_t session;
	struct idn_tls *tls;		/* a reference */
	enum idn_role role;
	bool established;
	bool peer_pre_tls13;	/* its ClientHello lacked TLS 1.3 */
	const char *const *rules;	/* this connection's authorization */
	unsigned int n_rules;
	struct idn_spiffe_id peer;	/* valid once established */
	time_t peer_not_after;		/* of the peer's leaf */
	struct idn_status refusal;	/* set by our verify callback */
};

/*
 * Start a connection on the connected non-blocking socket fd (not owned).
 * A client may pass resume, session data from idn_conn_session_data() of
 * an earlier connection to the same peer, to skip the full handshake.
 */
enum idn_err idn_conn_init(struct idn_conn *c, struct idn_tls *t,
			   enum idn_role role, int fd,
			   const gnutls_datum_t *resume, struct idn_status *st);
void idn_conn_free(struct idn_conn *c);

/*
 * Authorize this connection's peer by other rules than the credentials'
 * (one node identity serves raft, CRDT gossip and control, each with its
 * own allowed peers). Call before the handshake; rules are borrowed.
 * IDN_ERR_INVAL, and the connection keeps its rules, if one of them can
 * match no SVID; idn_rules_check() says which and why.
 */
enum idn_err idn_conn_set_rules(struct idn_conn *c, const char *const *rules,
				unsigned int n_rules);

/*
 * Drive the handshake. IDN_OK once the peer is authenticated and
 * authorized (c->peer is its ID); IDN_ERR_AGAIN to wait for
 * idn_conn_events(); any other code is a refusal, with its reason in st,
 * and the connection must be freed.
 */
enum idn_err idn_conn_handshake(struct idn_conn *c, struct idn_status *st);

/*
 * Judge an established connection's peer again, by policy p at now: the
 * verdict a new handshake would get (IDN_OK or the refusal with its
 * reason), without the cost of one. A revocation or a bundle change
 * alters only the policy that later handshakes use; the daemon calls
 * this on each live connection after such a change (idn_source_recheck()
 * with its current policy) and closes those refused. The chain's
 * signatures, checked in the handshake, are not checked again, but the
 * chain must still end at a CA of p (see idn_verify_known()). The
 * connection is not changed.
 */
enum idn_err idn_conn_recheck(const struct idn_conn *c,
			      const struct idn_policy *p, time_t now,
			      struct idn_status *st);

/*
 * When the established connection must be replaced: the earlier expiry
 * of the two certificates it was authenticated with. Re-establish it
 * before then; a new handshake uses the current, rotated credentials.
 */
time_t idn_conn_expiry(const struct idn_conn *c);

/* EPOLLIN or EPOLLOUT: what the last IDN_ERR_AGAIN was waiting for. */
unsigned int idn_conn_events(const struct idn_conn *c);

/*
 * Whether the established session was resumed from a ticket.
 *
 * Note that in TLS 1.3 a client finishes its handshake before the server
 * has checked the client's certificate: a refused client learns it from
 * the alert its first idn_conn_recv() returns.
 */
bool idn_conn_resumed(const struct idn_conn *c);

/*
 * Record I/O on an established connection. *done is the byte count moved;
 * IDN_ERR_AGAIN means nothing could be moved now, IDN_ERR_CLOSED that the
 * peer closed cleanly.
 */
enum idn_err idn_conn_send(struct idn_conn *c, const void *buf, size_t len,
			   size_t *done, struct idn_status *st);
enum idn_err idn_conn_recv(struct idn_conn *c, void *buf, size_t len,
			   size_t *done, struct idn_status *st);

/*
 * Client: the data to resume this session later (gnutls_free() it). TLS
 * 1.3 tickets arrive after the handshake, with the first records read, so
 * this is IDN_ERR_AGAIN until a ticket has been received.
 */
enum idn_err idn_conn_session_data(struct idn_conn *c, gnutls_datum_t *out,
				   struct idn_status *st);

#endif /* _X0TTA_TLS_H */
