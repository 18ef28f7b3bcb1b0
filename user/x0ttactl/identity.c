// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl identity probe HOST:PORT --cert FILE --key FILE --bundle FILE
 * (revoke and revoked: revoke.c)
 *
 * A mesh-aware `openssl s_client`: connects with the node's SVID, runs
 * the same validator and authorization as x0ttad, and prints who the
 * peer is, how the session was secured, and whether each side accepted
 * the other (with the reason when not).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "identity/source.h"
#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define IDENTITY_USAGE \
	"[-j] identity probe HOST:PORT --cert FILE --key FILE --bundle [TD=]FILE\n" \
	"                         [--bundle TD=FILE...] [--allow RULE...] [--timeout SECONDS]\n" \
	"TD=FILE binds a bundle to its trust domain, needed when there are several;\n" \
	"RULE is a SPIFFE ID, or a prefix ending in '/'; default: the bundles' trust domains\n" \
	"       identity revoke SERIAL | --cert FILE [--reason TEXT]\n" \
	"       identity revoked"

#define PROBE_RULES_MAX 16
/* After our Finished, how long a server has to refuse our certificate. */
#define PROBE_VERDICT_MS 500

struct probe_args {
	const char *target, *cert, *key;
	const char *bundles[IDN_BUNDLES_MAX];
	const char *bundle_tds[IDN_BUNDLES_MAX];
	char tds[IDN_BUNDLES_MAX][IDN_TRUST_DOMAIN_MAX + 1];
	unsigned int n_bundles;
	const char *rules[PROBE_RULES_MAX];
	unsigned int n_rules;
	int timeout_ms;
};

struct probe_result {
	struct idn_status ours;		/* our verdict on the peer */
	struct idn_status theirs;	/* the peer's verdict on us */
	char peer_id[IDN_SPIFFE_ID_MAX + 1];
	const char *version, *cipher;
};

/* "host:port" or "[v6addr]:port"; host and port point into buf. */
static int probe_split(const char *target, char *buf, size_t len,
		       const char **host, const char **port)
{
	char *colon;

	if (snprintf(buf, len, "%s", target) >= (int)len)
		return -ENAMETOOLONG;
	colon = strrchr(buf, ':');
	if (!colon || colon == buf || !colon[1])
		return -EINVAL;
	*colon = '\0';
	*port = colon + 1;
	*host = buf;
	if (buf[0] == '[') {
		if (colon[-1] != ']')
			return -EINVAL;
		colon[-1] = '\0';
		*host = buf + 1;
	}
	for (const char *p = *port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return atoi(*port) > 0 && atoi(*port) < 65536 ? 0 : -EINVAL;
}

/* Wait until fd is ready for events or the deadline passes. */
static int probe_wait(int fd, short events, const struct timespec *deadline)
{
	struct timespec now;
	struct pollfd p = { .fd = fd, .events = events };
	long ms;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return -ETIMEDOUT;
	ret = poll(&p, 1, (int)ms);
	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

static void probe_deadline(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

static int probe_connect(const char *target, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	const char *host, *port;
	struct timespec deadline;
	char buf[512];
	int fd = -1, ret, err;
	socklen_t len = sizeof(err);

	if (probe_split(target, buf, sizeof(buf), &host, &port))
		return -EINVAL;
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		ctl_err("%s: %s", target, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	probe_deadline(&deadline, timeout_ms);
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		     (errno == EINPROGRESS &&
		      probe_wait(fd, POLLOUT, &deadline) == 0 &&
		      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		      err == 0)))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		ctl_err("%s: cannot connect", target);
	return fd < 0 ? -ECONNREFUSED : fd;
}

/* The peer's SPIFFE ID for display, even when we refused it. */
static void probe_peer_id(struct idn_conn *c, struct probe_result *r)
{
	const gnutls_datum_t *der;
	struct idn_spiffe_id id;
	struct idn_chain chain;
	struct idn_status st;
	unsigned int n = 0;

	der = gnutls_certificate_get_peers(c->session, &n);
	if (!der || idn_chain_import_der(&chain, der, n, &st))
		return;
	if (idn_crt_spiffe_id(chain.crt[0], &id, &st) == IDN_OK)
		snprintf(r->peer_id, sizeof(r->peer_id), "%s", id.id);
	idn_chain_free(&chain);
}

/*
 * In TLS 1.3 the server judges our certificate after we finished: give
 * it a moment to send an alert before calling ourselves accepted.
 */
static void probe_their_verdict(struct idn_conn *c, int fd,
				struct probe_result *r)
{
	struct timespec deadline;
	char buf[256];
	size_t done;

	probe_deadline(&deadline, PROBE_VERDICT_MS);
	idn_ok(&r->theirs);
	for (;;) {
		enum idn_err err = idn_conn_recv(c, buf, sizeof(buf), &done,
						 &r->theirs);

		if (err == IDN_OK)
			continue;
		if (err != IDN_ERR_AGAIN ||
		    probe_wait(fd, POLLIN, &deadline) < 0)
			break;
	}
	if (r->theirs.err == IDN_ERR_AGAIN)
		idn_ok(&r->theirs);
}

static int probe_handshake(struct idn_conn *c, int fd, int timeout_ms,
			   struct probe_result *r)
{
	struct timespec deadline;
	enum idn_err err;

	probe_deadline(&deadline, timeout_ms);
	while ((err = idn_conn_handshake(c, &r->ours)) == IDN_ERR_AGAIN) {
		short ev = idn_conn_events(c) & EPOLLOUT ? POLLOUT : POLLIN;

		if (probe_wait(fd, ev, &deadline) < 0)
			return idn_fail(&r->ours, IDN_ERR_TLS,
					"handshake timed out");
	}
	/* Before the peer's certificate, nothing about the session is set. */
	if (err == IDN_OK || c->refusal.err) {
		r->version = gnutls_protocol_get_name(
			gnutls_protocol_get_version(c->session));
		r->cipher = gnutls_cipher_get_name(
			gnutls_cipher_get(c->session));
	}
	probe_peer_id(c, r);
	if (err == IDN_OK)
		probe_their_verdict(c, fd, r);
	return err;
}

static void probe_print(const struct probe_args *a,
			const struct probe_result *r)
{
	struct out_json w;

	if (!ctl_out.json) {
		printf("peer        %s\n", r->peer_id[0] ? r->peer_id : "-");
		if (r->ours.err)
			printf("validation  refused (%s): %s\n",
			       idn_errname(r->ours.err), r->ours.detail);
		else
			printf("validation  valid\n");
		printf("tls         %s %s\n", r->version ? r->version : "-",
		       r->cipher ? r->cipher : "-");
		if (r->ours.err)
			return;
		if (r->theirs.err)
			printf("peer says   refused: %s\n", r->theirs.detail);
		else
			printf("peer says   accepted\n");
		return;
	}
	out_json_init(&w, stdout);
	out_json_open_object(&w, NULL);
	out_json_string(&w, "target", a->target);
	if (r->peer_id[0])
		out_json_string(&w, "peer", r->peer_id);
	else
		out_json_null(&w, "peer");
	out_json_bool(&w, "valid", r->ours.err == IDN_OK);
	if (r->ours.err) {
		out_json_string(&w, "reason", idn_errname(r->ours.err));
		out_json_string(&w, "detail", r->ours.detail);
	} else {
		out_json_bool(&w, "accepted", r->theirs.err == IDN_OK);
		if (r->theirs.err)
			out_json_string(&w, "refusal", r->theirs.detail);
	}
	if (r->version)
		out_json_string(&w, "version", r->version);
	if (r->cipher)
		out_json_string(&w, "cipher", r->cipher);
	out_json_close_object(&w);
	out_json_finish(&w);
}

/* Without --allow, any identity of a trust domain we have a bundle for. */
static int probe_default_rules(struct probe_args *a, char (*buf)[300])
{
	struct idn_policy pol;
	struct idn_status st;

	idn_policy_init(&pol);
	for (unsigned int i = 0; i < a->n_bundles; i++) {
		if (idn_policy_add_bundle_file(&pol, a->bundle_tds[i],
					       a->bundles[i], &st)) {
			ctl_err("%s: %s", idn_strerror(st.err), st.detail);
			idn_policy_free(&pol);
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < pol.n_anchors; i++) {
		if (a->n_rules == PROBE_RULES_MAX)
			break;
		snprintf(buf[a->n_rules], sizeof(buf[0]), "spiffe://%s/",
			 pol.anchors[i].td);
		a->rules[a->n_rules] = buf[a->n_rules];
		a->n_rules++;
	}
	idn_policy_free(&pol);
	return 0;
}

/* One --bundle [TD=]FILE. */
static int probe_bundle(struct probe_args *a, const char *arg)
{
	unsigned int i = a->n_bundles;
	struct idn_status st;

	if (idn_bundle_arg_parse(arg, a->tds[i], &a->bundles[i], &st)) {
		ctl_usage(IDENTITY_USAGE, "--bundle: %s", st.detail);
		return -EINVAL;
	}
	a->bundle_tds[i] = a->tds[i][0] ? a->tds[i] : NULL;
	a->n_bundles++;
	return 0;
}

static int probe_parse(int argc, char **argv, struct probe_args *a)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "allow", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:k:b:a:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->cert = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'b':
			if (a->n_bundles == IDN_BUNDLES_MAX)
				return ctl_usage(IDENTITY_USAGE,
						 "at most %d --bundle",
						 IDN_BUNDLES_MAX);
			if (probe_bundle(a, optarg))
				return CTL_EXIT_USAGE;
			break;
		case 'a':
			if (a->n_rules == PROBE_RULES_MAX)
				return ctl_usage(IDENTITY_USAGE,
						 "at most %d --allow",
						 PROBE_RULES_MAX);
			a->rules[a->n_rules++] = optarg;
			break;
		case 't':
			a->timeout_ms = atoi(optarg) * 1000;
			if (a->timeout_ms <= 0 || a->timeout_ms > 300000)
				return ctl_usage(IDENTITY_USAGE,
						 "--timeout: 1 to 300 seconds");
			break;
		case 'h':
			return ctl_usage(IDENTITY_USAGE, "identity probe: help");
		default:
			return ctl_usage(IDENTITY_USAGE,
					 "identity probe: bad option %s",
					 argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !a->cert || !a->key || !a->n_bundles)
		return ctl_usage(IDENTITY_USAGE, "identity probe needs "
				 "HOST:PORT, --cert, --key and --bundle");
	a->target = argv[optind];
	return -1;
}

static int identity_probe(int argc, char **argv)
{
	struct probe_args a = { .timeout_ms = 5000 };
	struct probe_result r;
	char rule_buf[PROBE_RULES_MAX][300], target[512];
	const char *host, *port;
	struct idn_source src;
	struct idn_files f;
	struct idn_conn c;
	struct idn_status st;
	int fd, ret;

	ret = probe_parse(argc, argv, &a);
	if (ret >= 0)
		return ret;
	if (probe_split(a.target, target, sizeof(target), &host, &port))
		return ctl_usage(IDENTITY_USAGE, "%s is not HOST:PORT",
				 a.target);
	if (!a.n_rules && probe_default_rules(&a, rule_buf))
		return CTL_EXIT_FAIL;
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.cert = a.cert;
	f.key = a.key;
	memcpy(f.bundles, a.bundles, sizeof(a.bundles));
	memcpy(f.bundle_tds, a.bundle_tds, sizeof(a.bundle_tds));
	f.n_bundles = a.n_bundles;
	if (idn_source_open(&src, &f, a.rules, a.n_rules, IDN_SKEW_DEFAULT,
			    time(NULL), &st)) {
		ctl_err("own identity: %s: %s", idn_strerror(st.err),
			st.detail);
		return CTL_EXIT_FAIL;
	}
	ret = CTL_EXIT_FAIL;
	fd = probe_connect(a.target, a.timeout_ms);
	if (fd < 0)
		goto err_src;
	if (idn_conn_init(&c, src.tls, IDN_ROLE_CLIENT, fd, NULL, &st)) {
		ctl_err("%s", st.detail);
		goto err_fd;
	}
	if (probe_handshake(&c, fd, a.timeout_ms, &r) == IDN_OK &&
	    r.theirs.err == IDN_OK)
		ret = CTL_EXIT_OK;
	probe_print(&a, &r);
	idn_conn_free(&c);
err_fd:
	close(fd);
err_src:
	idn_source_close(&src);
	return ret;
}

int identity_main(int argc, char *argv[])
{
	if (argc < 2 || ctl_is_help(argv[1]))
		return ctl_usage(IDENTITY_USAGE, "identity needs a subcommand");
	if (strcmp(argv[1], "probe") == 0)
		return identity_probe(argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0 || strcmp(argv[1], "revoked") == 0)
		return identity_revoke_main(argc - 1, argv + 1);
	return ctl_usage(IDENTITY_USAGE,
			 "identity: unknown subcommand \"%s\"", argv[1]);
}
