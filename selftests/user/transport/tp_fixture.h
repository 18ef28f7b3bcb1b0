/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_TP_FIXTURE_H
#define _X0TTA_TP_FIXTURE_H

/*
 * Controllers on loopback for the transport tests: one CA, an SVID per
 * node ("spiffe://mesh.test/node/nN"), and struct node, a transport
 * whose callbacks record what the application would see. Include after
 * kselftest_harness.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "identity/ca.h"
#include "identity/tls.h"
#include "lib/crc32c.h"
#include "transport/transport.h"

#define TD "mesh.test"
#define MAX_NODES 8
#define MAX_RECORDS 4096
#define WAIT_MS 5000

static const char *const any_node[] = { "spiffe://" TD "/node/" };

struct record {
	uint64_t from;
	uint8_t channel;
	size_t len;
	uint32_t crc;
	char text[32];		/* the start of the payload, NUL-terminated */
};

struct node {
	uint64_t id;
	struct tp *tp;
	struct tp_cfg cfg;
	char listen[32];
	unsigned int nrec;
	struct record rec[MAX_RECORDS];
	unsigned int ups, downs;
	uint64_t last_up, last_down;
};

static void node_on_message(void *ctx, uint64_t peer, uint8_t channel,
			    const uint8_t *data, size_t len)
{
	struct node *n = ctx;
	struct record *r;

	if (n->nrec == MAX_RECORDS)
		return;
	r = &n->rec[n->nrec++];
	r->from = peer;
	r->channel = channel;
	r->len = len;
	r->crc = crc32c(0, data, len);
	memcpy(r->text, data, len < sizeof(r->text) - 1 ? len :
	       sizeof(r->text) - 1);
	r->text[len < sizeof(r->text) - 1 ? len : sizeof(r->text) - 1] = 0;
}

static void node_on_up(void *ctx, uint64_t peer)
{
	struct node *n = ctx;

	n->ups++;
	n->last_up = peer;
}

static void node_on_down(void *ctx, uint64_t peer)
{
	struct node *n = ctx;

	n->downs++;
	n->last_down = peer;
}

static const struct tp_ops node_ops = {
	.on_message = node_on_message,
	.on_peer_up = node_on_up,
	.on_peer_down = node_on_down,
};

/* Fast timers, so that backoff and idle detection fit in a test. */
static void test_cfg(struct tp_cfg *cfg, uint64_t id)
{
	tp_cfg_default(cfg);
	cfg->node_id = id;
	cfg->listen = "127.0.0.1:0";
	cfg->backoff_min_ms = 10;
	cfg->backoff_max_ms = 200;
	cfg->keepalive_ms = 200;
	cfg->idle_timeout_ms = 2000;
	cfg->handshake_timeout_ms = 2000;
	cfg->seed = id;
}

static void node_name(char *buf, size_t len, uint64_t id)
{
	snprintf(buf, len, "spiffe://" TD "/node/n%llu",
		 (unsigned long long)id);
}

static void node_addr(char *buf, size_t len, const struct node *n)
{
	snprintf(buf, len, "127.0.0.1:%u", tp_port(n->tp));
}

/* Poll every live node once; true when cond holds. */
#define RUN_UNTIL(nodes, count, cond, ms) ({				\
	bool _ok = false;						\
	uint64_t _end = now_ms() + (ms);				\
	while (!(_ok = (cond)) && now_ms() < _end)			\
		poll_nodes((nodes), (count));				\
	_ok;								\
})

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void poll_nodes(struct node **nodes, unsigned int count)
{
	unsigned int live = 0;

	for (unsigned int i = 0; i < count; i++)
		live += nodes[i] && nodes[i]->tp;
	for (unsigned int i = 0; i < count; i++)
		if (nodes[i] && nodes[i]->tp)
			tp_poll(nodes[i]->tp, 5 / (live ? live : 1));
	if (!live)
		usleep(5000);
}

/* Credentials for @svid trusting @ca_pem only. */
static struct idn_tls *make_tls(const gnutls_datum_t *ca_pem,
				const struct idn_svid *svid)
{
	struct idn_policy pol;
	struct idn_status st;
	struct idn_tls *t = NULL;

	idn_policy_init(&pol);
	if (idn_policy_add_bundle_pem(&pol, NULL, ca_pem->data, ca_pem->size,
				      &st) == IDN_OK)
		t = idn_tls_new(svid, &pol, any_node, 1, &st);
	idn_policy_free(&pol);
	return t;
}

/* Issue an SVID for @spiffe_id from @ca and make credentials of it. */
static struct idn_tls *issue_tls(struct idn_ca *ca,
				 const gnutls_datum_t *ca_pem,
				 const char *spiffe_id)
{
	struct idn_svid svid;
	struct idn_status st;
	struct idn_tls *t;

	if (idn_ca_issue(ca, spiffe_id, IDN_KEY_ED25519, time(NULL), 3600,
			 &svid, &st) != IDN_OK)
		return NULL;
	t = make_tls(ca_pem, &svid);
	idn_svid_free(&svid);
	return t;
}

static int node_start(struct node *n, uint64_t id, struct idn_tls *tls,
		      const char *listen, const struct tp_cfg *cfg)
{
	if (cfg)
		n->cfg = *cfg;
	else
		test_cfg(&n->cfg, id);
	n->id = id;
	n->cfg.node_id = id;
	n->cfg.tls = tls;
	if (listen) {
		snprintf(n->listen, sizeof(n->listen), "%s", listen);
		n->cfg.listen = n->listen;
	}
	return tp_new(&n->tp, &n->cfg, &node_ops, n);
}

static void node_stop(struct node *n)
{
	tp_free(n->tp);
	n->tp = NULL;
}

/* Make @a and @b peers of each other, each expecting the other's SVID. */
static int node_link(struct node *a, struct node *b)
{
	char addr[32], name[64];
	int err;

	node_addr(addr, sizeof(addr), b);
	node_name(name, sizeof(name), b->id);
	err = tp_peer_add(a->tp, b->id, addr, name);
	if (err)
		return err;
	node_addr(addr, sizeof(addr), a);
	node_name(name, sizeof(name), a->id);
	return tp_peer_add(b->tp, a->id, addr, name);
}

static int send_str(struct node *n, uint64_t to, uint8_t channel,
		    const char *s)
{
	return tp_send(n->tp, to, channel, s, strlen(s));
}

/* A CA of TD, valid from an hour ago for a day, and its PEM. */
static int fixture_ca(struct idn_ca *ca, gnutls_datum_t *pem,
		      struct idn_status *st)
{
	if (idn_ca_create(ca, TD, IDN_KEY_ED25519, time(NULL) - 3600,
			  24 * 3600, st) != IDN_OK)
		return -1;
	if (gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_PEM, pem)) {
		idn_ca_free(ca);
		return -1;
	}
	return 0;
}

/* Stop and free @count nodes and their credentials, then the CA. */
static void fixture_release(struct node **n, struct idn_tls **tls,
			    unsigned int count, struct idn_ca *ca,
			    gnutls_datum_t *pem)
{
	for (unsigned int i = 0; i < count; i++) {
		if (n[i])
			node_stop(n[i]);
		free(n[i]);
		idn_tls_put(tls[i]);
	}
	gnutls_free(pem->data);
	idn_ca_free(ca);
}

#endif /* _X0TTA_TP_FIXTURE_H */
