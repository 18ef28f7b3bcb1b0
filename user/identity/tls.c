// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "identity/tls.h"

/* RFC 8446, 4.2.1: the extension a TLS 1.3 client must send. */
#define IDN_EXT_SUPPORTED_VERSIONS 43

static enum idn_err idn_conn_authorize(const struct idn_conn *c,
				       const struct idn_spiffe_id *id,
				       struct idn_status *st)
{
	for (unsigned int i = 0; i < c->n_rules; i++)
		if (idn_spiffe_match(c->rules[i], id))
			return IDN_OK;
	return idn_fail(st, IDN_ERR_NOT_AUTHORIZED,
			"%s is valid but not allowed on this connection",
			id->id);
}

/*
 * Validate the peer's chain as the session holds it by policy p at now;
 * known for a resumed or established session (see idn_verify_der()).
 */
static enum idn_err idn_conn_verify_peer(const struct idn_conn *c,
					 const struct idn_policy *p,
					 bool known, time_t now,
					 struct idn_spiffe_id *id,
					 time_t *not_after,
					 struct idn_status *st)
{
	const gnutls_datum_t *der;
	unsigned int n = 0;

	der = gnutls_certificate_get_peers(c->session, &n);
	if (!der || n == 0)
		return idn_fail(st, IDN_ERR_NO_CERT,
				"peer presented no certificate");
	return idn_verify_der(p, der, n, known, now, id, not_after, st);
}

/* Validate and authorize the peer inside the handshake. */
static enum idn_err idn_conn_check_peer(struct idn_conn *c, bool known,
					struct idn_status *st)
{
	struct idn_spiffe_id id;
	time_t not_after;
	enum idn_err err;

	err = idn_conn_verify_peer(c, &c->tls->policy, known, time(NULL), &id,
				   &not_after, st);
	if (err)
		return err;
	c->peer = id;
	c->peer_not_after = not_after;
	return idn_conn_authorize(c, &c->peer, st);
}

/*
 * Called by GnuTLS once the peer's Certificate message is in, so a bad
 * peer is refused inside the handshake and gets an alert, before it can
 * send a single application byte.
 */
static int idn_tls_verify_cb(gnutls_session_t session)
{
	struct idn_conn *c = gnutls_session_get_ptr(session);

	if (idn_conn_check_peer(c, false, &c->refusal))
		return GNUTLS_E_CERTIFICATE_ERROR;
	return 0;
}

static int idn_versions_cb(void *ctx, unsigned int tls_id,
			   const unsigned char *data, unsigned int size)
{
	bool *tls13 = ctx;

	if (tls_id != IDN_EXT_SUPPORTED_VERSIONS || size < 1)
		return 0;
	for (unsigned int i = 1; i + 1 < size && i <= data[0]; i += 2)
		if (data[i] == 3 && data[i + 1] == 4)
			*tls13 = true;
	return 0;
}

/*
 * GnuTLS refuses a TLS 1.2-only client with "no supported cipher suites",
 * which would send an operator hunting for cipher settings. Look at the
 * ClientHello ourselves so the refusal can name the real cause.
 */
static int idn_client_hello_hook(gnutls_session_t session, unsigned int htype,
				 unsigned int when, unsigned int incoming,
				 const gnutls_datum_t *msg)
{
	struct idn_conn *c = gnutls_session_get_ptr(session);
	bool tls13 = false;

	if (gnutls_ext_raw_parse(&tls13, idn_versions_cb, msg,
				 GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO) >= 0)
		c->peer_pre_tls13 = !tls13;
	return 0;
}

struct idn_tls *idn_tls_new(const struct idn_svid *svid,
			    struct idn_policy *policy,
			    const char *const *rules, unsigned int n_rules,
			    struct idn_status *st)
{
	const char *where = NULL;
	struct idn_tls *t;
	int ret;

	if (idn_rules_check(rules, n_rules, st))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		idn_fail(st, IDN_ERR_NOMEM, "out of memory");
		return NULL;
	}
	t->refs = 1;
	t->rules = rules;
	t->n_rules = n_rules;
	t->not_after = gnutls_x509_crt_get_expiration_time(svid->chain.crt[0]);
	ret = gnutls_certificate_allocate_credentials(&t->cred);
	if (ret < 0)
		goto err_free;
	ret = gnutls_certificate_set_x509_key(t->cred,
					      (gnutls_x509_crt_t *)svid->chain.crt,
					      svid->chain.n, svid->key);
	if (ret < 0)
		goto err_cred;
	gnutls_certificate_set_verify_function(t->cred, idn_tls_verify_cb);
	ret = gnutls_priority_init(&t->prio, IDN_TLS_PRIORITY, &where);
	if (ret < 0)
		goto err_cred;
	ret = gnutls_session_ticket_key_generate(&t->ticket_key);
	if (ret < 0)
		goto err_prio;
	t->policy = *policy;
	idn_policy_init(policy);
	idn_ok(st);
	return t;
err_prio:
	gnutls_priority_deinit(t->prio);
err_cred:
	gnutls_certificate_free_credentials(t->cred);
err_free:
	free(t);
	idn_fail(st, IDN_ERR_TLS, "TLS setup: %s", gnutls_strerror(ret));
	return NULL;
}

struct idn_tls *idn_tls_get(struct idn_tls *t)
{
	t->refs++;
	return t;
}

enum idn_err idn_tls_share_tickets(struct idn_tls *to,
				   const struct idn_tls *from,
				   struct idn_status *st)
{
	unsigned char *copy = gnutls_malloc(from->ticket_key.size);

	if (!copy)
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	memcpy(copy, from->ticket_key.data, from->ticket_key.size);
	gnutls_memset(to->ticket_key.data, 0, to->ticket_key.size);
	gnutls_free(to->ticket_key.data);
	to->ticket_key.data = copy;
	to->ticket_key.size = from->ticket_key.size;
	return idn_ok(st);
}

void idn_tls_put(struct idn_tls *t)
{
	if (!t || --t->refs)
		return;
	gnutls_memset(t->ticket_key.data, 0, t->ticket_key.size);
	gnutls_free(t->ticket_key.data);
	gnutls_priority_deinit(t->prio);
	gnutls_certificate_free_credentials(t->cred);
	idn_policy_free(&t->policy);
	free(t);
}

static int idn_session_setup(struct idn_conn *c, enum idn_role role,
			     const gnutls_datum_t *resume)
{
	gnutls_session_t s = c->session;
	int ret;

	ret = gnutls_priority_set(s, c->tls->prio);
	if (ret < 0)
		return ret;
	ret = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->tls->cred);
	if (ret < 0)
		return ret;
	if (role == IDN_ROLE_SERVER) {
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_handshake_set_hook_function(s,
						   GNUTLS_HANDSHAKE_CLIENT_HELLO,
						   GNUTLS_HOOK_PRE,
						   idn_client_hello_hook);
		return gnutls_session_ticket_enable_server(s,
							   &c->tls->ticket_key);
	}
	if (resume && resume->size)
		return gnutls_session_set_data(s, resume->data, resume->size);
	return 0;
}

enum idn_err idn_conn_init(struct idn_conn *c, struct idn_tls *t,
			   enum idn_role role, int fd,
			   const gnutls_datum_t *resume, struct idn_status *st)
{
	/*
	 * GNUTLS_NO_SIGNAL: a peer resetting mid-write must cost its
	 * connection, not kill the daemon with SIGPIPE.
	 */
	unsigned int flags = (role == IDN_ROLE_SERVER ? GNUTLS_SERVER :
							GNUTLS_CLIENT |
							GNUTLS_KEY_SHARE_TOP) |
			     GNUTLS_NO_SIGNAL;
	int ret;

	memset(c, 0, sizeof(*c));
	c->role = role;
	ret = gnutls_init(&c->session, flags);
	if (ret < 0)
		return idn_fail(st, IDN_ERR_NOMEM, "session: %s",
				gnutls_strerror(ret));
	c->tls = idn_tls_get(t);
	c->rules = t->rules;
	c->n_rules = t->n_rules;
	gnutls_session_set_ptr(c->session, c);
	gnutls_transport_set_int(c->session, fd);
	ret = idn_session_setup(c, role, resume);
	if (ret < 0) {
		idn_conn_free(c);
		return idn_fail(st, IDN_ERR_TLS, "session: %s",
				gnutls_strerror(ret));
	}
	return idn_ok(st);
}

void idn_conn_free(struct idn_conn *c)
{
	if (!c->session)
		return;
	/* Best effort close_notify; a non-blocking socket may refuse it. */
	if (c->established)
		gnutls_bye(c->session, GNUTLS_SHUT_WR);
	gnutls_deinit(c->session);
	c->session = NULL;
	idn_tls_put(c->tls);
	c->tls = NULL;
}

/* The alert that tells a refused peer the class of its problem. */
static gnutls_alert_description_t idn_refusal_alert(enum idn_err err)
{
	switch (err) {
	case IDN_ERR_NO_CERT:
		return GNUTLS_A_CERTIFICATE_REQUIRED;
	case IDN_ERR_EXPIRED:
	case IDN_ERR_NOT_YET_VALID:
		return GNUTLS_A_CERTIFICATE_EXPIRED;
	case IDN_ERR_REVOKED:
		return GNUTLS_A_CERTIFICATE_REVOKED;
	case IDN_ERR_UNTRUSTED:
	case IDN_ERR_SELF_SIGNED:
	case IDN_ERR_TRUST_DOMAIN:
		return GNUTLS_A_UNKNOWN_CA;
	case IDN_ERR_NOT_AUTHORIZED:
		return GNUTLS_A_ACCESS_DENIED;
	default:
		return GNUTLS_A_BAD_CERTIFICATE;
	}
}

/*
 * Refuse the peer: GnuTLS leaves sending the alert to us. On a
 * non-blocking socket the alert is best effort; the refusal stands
 * either way.
 */
static enum idn_err idn_conn_refuse(struct idn_conn *c, struct idn_status *st)
{
	gnutls_alert_send(c->session, GNUTLS_AL_FATAL,
			  idn_refusal_alert(st->err));
	return st->err;
}

static enum idn_err idn_handshake_error(struct idn_conn *c, int ret,
					struct idn_status *st)
{
	if (c->refusal.err) {
		*st = c->refusal;
		return idn_conn_refuse(c, st);
	}
	if (ret != GNUTLS_E_FATAL_ALERT_RECEIVED)
		gnutls_alert_send_appropriate(c->session, ret);
	if (c->peer_pre_tls13)
		return idn_fail(st, IDN_ERR_TLS_VERSION,
				"peer offers only TLS 1.2 or older (%s)",
				gnutls_strerror(ret));
	switch (ret) {
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		return idn_fail(st, IDN_ERR_NO_CERT,
				"peer presented no certificate");
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_INSUFFICIENT_SECURITY:
		return idn_fail(st, IDN_ERR_TLS_VERSION,
				"peer offers no TLS 1.3 (%s)",
				gnutls_strerror(ret));
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return idn_fail(st, IDN_ERR_TLS, "peer refused us: %s alert",
				gnutls_alert_get_name(gnutls_alert_get(
					c->session)));
	default:
		return idn_fail(st, IDN_ERR_TLS, "handshake: %s",
				gnutls_strerror(ret));
	}
}

enum idn_err idn_conn_handshake(struct idn_conn *c, struct idn_status *st)
{
	enum idn_err err;
	int ret;

	if (c->established)
		return idn_ok(st);
	ret = gnutls_handshake(c->session);
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		return idn_fail(st, IDN_ERR_AGAIN, "handshake in progress");
	if (ret < 0)
		return idn_handshake_error(c, ret, st);
	/* The priority string already ensures it; a reviewer should not
	 * have to trust that. */
	if (gnutls_protocol_get_version(c->session) != GNUTLS_TLS1_3)
		return idn_fail(st, IDN_ERR_TLS_VERSION,
				"negotiated %s", gnutls_protocol_get_name(
					gnutls_protocol_get_version(c->session)));
	/*
	 * A resumed session skips the Certificate messages, so our callback
	 * did not run: check the identity the ticket carries against today's
	 * policy (bundle, expiry, revocations, rules may have changed since).
	 */
	if (gnutls_session_is_resumed(c->session)) {
		err = idn_conn_check_peer(c, true, st);
		if (err)
			return idn_conn_refuse(c, st);
	}
	c->established = true;
	return idn_ok(st);
}

enum idn_err idn_conn_set_rules(struct idn_conn *c, const char *const *rules,
				unsigned int n_rules)
{
	enum idn_err err = idn_rules_check(rules, n_rules, NULL);

	if (err)
		return err;
	c->rules = rules;
	c->n_rules = n_rules;
	return IDN_OK;
}

enum idn_err idn_conn_recheck(const struct idn_conn *c,
			      const struct idn_policy *p, time_t now,
			      struct idn_status *st)
{
	struct idn_spiffe_id id;
	time_t not_after;
	enum idn_err err;

	if (!c->established)
		return idn_fail(st, IDN_ERR_INVAL, "connection not established");
	/* The handshake checked the signatures of this very chain. */
	err = idn_conn_verify_peer(c, p, true, now, &id, &not_after, st);
	if (err)
		return err;
	return idn_conn_authorize(c, &id, st);
}

time_t idn_conn_expiry(const struct idn_conn *c)
{
	return c->peer_not_after < c->tls->not_after ? c->peer_not_after :
						       c->tls->not_after;
}

unsigned int idn_conn_events(const struct idn_conn *c)
{
	return gnutls_record_get_direction(c->session) ? EPOLLOUT : EPOLLIN;
}

bool idn_conn_resumed(const struct idn_conn *c)
{
	return c->established && gnutls_session_is_resumed(c->session);
}

static enum idn_err idn_record_error(const struct idn_conn *c, ssize_t ret,
				     struct idn_status *st)
{
	if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return idn_fail(st, IDN_ERR_TLS, "peer sent alert: %s",
				gnutls_alert_get_name(gnutls_alert_get(
					c->session)));
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		return idn_fail(st, IDN_ERR_AGAIN, "would block");
	if (ret == GNUTLS_E_PREMATURE_TERMINATION)
		return idn_fail(st, IDN_ERR_CLOSED,
				"peer closed without close_notify");
	return idn_fail(st, IDN_ERR_TLS, "record: %s",
			gnutls_strerror((int)ret));
}

enum idn_err idn_conn_send(struct idn_conn *c, const void *buf, size_t len,
			   size_t *done, struct idn_status *st)
{
	ssize_t ret;

	*done = 0;
	if (!c->established)
		return idn_fail(st, IDN_ERR_INVAL, "handshake not complete");
	ret = gnutls_record_send(c->session, buf, len);
	if (ret < 0)
		return idn_record_error(c, ret, st);
	*done = ret;
	return idn_ok(st);
}

enum idn_err idn_conn_recv(struct idn_conn *c, void *buf, size_t len,
			   size_t *done, struct idn_status *st)
{
	ssize_t ret;

	*done = 0;
	if (!c->established)
		return idn_fail(st, IDN_ERR_INVAL, "handshake not complete");
	ret = gnutls_record_recv(c->session, buf, len);
	if (ret == 0)
		return idn_fail(st, IDN_ERR_CLOSED, "peer closed");
	if (ret < 0)
		return idn_record_error(c, ret, st);
	*done = ret;
	return idn_ok(st);
}

enum idn_err idn_conn_session_data(struct idn_conn *c, gnutls_datum_t *out,
				   struct idn_status *st)
{
	int ret;

	if (c->role != IDN_ROLE_CLIENT || !c->established)
		return idn_fail(st, IDN_ERR_INVAL,
				"only an established client resumes");
	if (!(gnutls_session_get_flags(c->session) &
	      GNUTLS_SFLAGS_SESSION_TICKET))
		return idn_fail(st, IDN_ERR_AGAIN, "no ticket received yet");
	ret = gnutls_session_get_data2(c->session, out);
	if (ret < 0)
		return idn_fail(st, IDN_ERR_TLS, "session data: %s",
				gnutls_strerror(ret));
	return idn_ok(st);
}
