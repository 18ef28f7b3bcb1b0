// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttad's configuration file parser (config.h). A table of keys, each
 * with its own small parser; the checks that involve several keys (a
 * peer's trust domain, our own id among the peers) run at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "identity/spiffe.h"
#include "x0ttad/config.h"

#define XD_CONFIG_MAX_ARGS	4
#define XD_CONFIG_FILE_MAX	(1u << 20)

/*
 * A configuration key: @parse takes its words, or, for a plain number
 * (@parse NULL), the unsigned int at @off in struct xd_config gets a
 * value from @min to @max.
 */
struct xd_key {
	const char *name;
	unsigned int nargs;
	bool required;
	bool repeat;
	int (*parse)(struct xd_config *c, char **args, char *msg, size_t len);
	size_t off;
	unsigned int min, max;
};

__attribute__((format(printf, 3, 4)))
static int xd_cfg_fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Decimal digits only, from @min to @max. */
static int xd_cfg_uint(const char *s, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -ERANGE;
	}
	if (v < min)
		return -ERANGE;
	*out = v;
	return 0;
}

static int xd_cfg_num(const char *key, const char *s, uint64_t min,
		      uint64_t max, uint64_t *out, char *msg, size_t len)
{
	if (xd_cfg_uint(s, min, max, out))
		return xd_cfg_fail(msg, len, "%s: '%s' is not a number from "
				   "%llu to %llu", key, s,
				   (unsigned long long)min,
				   (unsigned long long)max);
	return 0;
}

static int xd_cfg_copy(const char *key, char *dst, size_t cap, const char *s,
		       char *msg, size_t len)
{
	if (strlen(s) >= cap)
		return xd_cfg_fail(msg, len, "%s: longer than %zu bytes", key,
				   cap - 1);
	strcpy(dst, s);
	return 0;
}

/*
 * "a.b.c.d:port" or "[v6]:port", numeric only: the daemon must not
 * depend on a resolver to find its peers.
 */
int xd_addr_check(const char *s, bool port_zero_ok)
{
	char host[INET6_ADDRSTRLEN + 2], buf[sizeof(struct in6_addr)];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hlen;
	int af = AF_INET;

	if (!colon || strlen(s) >= XD_ADDR_MAX)
		return -EINVAL;
	hlen = colon - s;
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = 0;
		af = AF_INET6;
	}
	if (inet_pton(af, host, buf) != 1 ||
	    xd_cfg_uint(colon + 1, port_zero_ok ? 0 : 1, 65535, &port))
		return -EINVAL;
	return 0;
}

static int xd_cfg_addr(const char *key, const char *s, bool port_zero_ok,
		       char *dst, char *msg, size_t len)
{
	if (strlen(s) >= XD_ADDR_MAX)
		return xd_cfg_fail(msg, len, "%s: longer than %d bytes", key,
				   XD_ADDR_MAX - 1);
	if (xd_addr_check(s, port_zero_ok))
		return xd_cfg_fail(msg, len, "%s: '%s' is not IPV4:PORT or "
				   "[IPV6]:PORT%s", key, s,
				   port_zero_ok ? "" : " with a port from 1");
	strcpy(dst, s);
	return 0;
}

static int xd_key_node_id(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_num("node_id", a[0], 1, XD_NODE_ID_MAX, &c->node_id, m,
			  l);
}

static int xd_key_data_dir(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_copy("data_dir", c->data_dir, sizeof(c->data_dir),
			   a[0], m, l);
}

static int xd_key_listen(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_addr("listen", a[0], true, c->listen, m, l);
}

static int xd_key_control(struct xd_config *c, char **a, char *m, size_t l)
{
	struct sockaddr_un sun;

	return xd_cfg_copy("control_socket", c->control,
			   sizeof(sun.sun_path), a[0], m, l);
}

static int xd_key_svid(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_copy("svid", c->svid, sizeof(c->svid), a[0], m, l);
}

static int xd_key_svid_key(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_copy("svid_key", c->svid_key, sizeof(c->svid_key), a[0],
			   m, l);
}

static int xd_key_bundle(struct xd_config *c, char **a, char *m, size_t l)
{
	return xd_cfg_copy("bundle", c->bundle, sizeof(c->bundle), a[0], m,
			   l);
}

static int xd_key_td(struct xd_config *c, char **a, char *m, size_t l)
{
	struct idn_status st;

	if (idn_trust_domain_check(a[0], &st))
		return xd_cfg_fail(m, l, "trust_domain: %s", st.detail);
	return xd_cfg_copy("trust_domain", c->trust_domain,
			   sizeof(c->trust_domain), a[0], m, l);
}

static int xd_key_peer(struct xd_config *c, char **a, char *m, size_t l)
{
	struct xd_peer_cfg *p = &c->peers[c->n_peers];
	struct idn_spiffe_id id;
	struct idn_status st;
	int ret;

	if (c->n_peers == XD_PEERS_MAX)
		return xd_cfg_fail(m, l, "peer: more than %u peers",
				   XD_PEERS_MAX);
	ret = xd_cfg_num("peer id", a[0], 1, XD_NODE_ID_MAX, &p->id, m, l);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < c->n_peers; i++)
		if (c->peers[i].id == p->id)
			return xd_cfg_fail(m, l, "peer: id %s given twice",
					   a[0]);
	ret = xd_cfg_addr("peer address", a[1], false, p->addr, m, l);
	if (ret)
		return ret;
	if (idn_spiffe_parse(a[2], strlen(a[2]), &id, &st))
		return xd_cfg_fail(m, l, "peer: %s: %s", a[2], st.detail);
	for (unsigned int i = 0; i < c->n_peers; i++)
		if (!strcmp(c->peers[i].spiffe_id, a[2]))
			return xd_cfg_fail(m, l, "peer: %s given twice", a[2]);
	strcpy(p->spiffe_id, id.id);
	c->n_peers++;
	return 0;
}

static int xd_key_fsync(struct xd_config *c, char **a, char *m, size_t l)
{
	static const char *const names[] = {
		[CRDT_FSYNC_ALWAYS] = "always",
		[CRDT_FSYNC_BATCH] = "batch",
		[CRDT_FSYNC_NONE] = "none",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(a[0], names[i])) {
			c->fsync = i;
			return 0;
		}
	}
	return xd_cfg_fail(m, l, "fsync: '%s' is not always, batch or none",
			   a[0]);
}

static int xd_key_join(struct xd_config *c, char **a, char *m, size_t l)
{
	if (!strcmp(a[0], "yes") || !strcmp(a[0], "no")) {
		c->join = !strcmp(a[0], "yes");
		return 0;
	}
	return xd_cfg_fail(m, l, "join: '%s' is not yes or no", a[0]);
}

static int xd_key_num(struct xd_config *c, const struct xd_key *k,
		      const char *s, char *msg, size_t len)
{
	uint64_t v;
	int ret = xd_cfg_num(k->name, s, k->min, k->max, &v, msg, len);

	if (!ret)
		*(unsigned int *)((char *)c + k->off) = v;
	return ret;
}

#define XD_KEY(key, nargs, required, repeat, parse) \
	{ key, nargs, required, repeat, parse, 0, 0, 0 }
static const struct xd_key xd_keys[] = {
	XD_KEY("node_id", 1, true, false, xd_key_node_id),
	XD_KEY("data_dir", 1, true, false, xd_key_data_dir),
	XD_KEY("listen", 1, true, false, xd_key_listen),
	XD_KEY("control_socket", 1, true, false, xd_key_control),
	XD_KEY("svid", 1, true, false, xd_key_svid),
	XD_KEY("svid_key", 1, true, false, xd_key_svid_key),
	XD_KEY("bundle", 1, true, false, xd_key_bundle),
	XD_KEY("trust_domain", 1, true, false, xd_key_td),
	XD_KEY("peer", 3, false, true, xd_key_peer),
#define XD_NUM_KEY(key, lo, hi) \
	{ #key, 1, false, false, NULL, offsetof(struct xd_config, key), lo, hi }
	XD_NUM_KEY(raft_tick_ms, 1, 10000),
	XD_NUM_KEY(election_ticks, 3, 1000),
	XD_NUM_KEY(gossip_ms, 10, 600000),
	XD_NUM_KEY(identity_check_ms, 100, 3600000),
	XD_NUM_KEY(snapshot_entries, 16, 1000000),
#undef XD_NUM_KEY
	XD_KEY("fsync", 1, false, false, xd_key_fsync),
	XD_KEY("join", 1, false, false, xd_key_join),
};
#undef XD_KEY
#define XD_NKEYS (sizeof(xd_keys) / sizeof(xd_keys[0]))

static void xd_config_defaults(struct xd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->raft_tick_ms = 100;
	c->election_ticks = 10;
	c->gossip_ms = 1000;
	c->identity_check_ms = 5000;
	c->snapshot_entries = 1024;
	c->fsync = CRDT_FSYNC_ALWAYS;
}

/* Split @line in place into words; '#' ends it. Returns the count. */
static unsigned int xd_split(char *line, char **words, unsigned int max)
{
	unsigned int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		if (*p == '#') {
			*p = 0;
			return n;
		}
		if (*p)
			*p++ = 0;
	}
}

static int xd_config_line(struct xd_config *c, char *line, bool *seen,
			  char *msg, size_t len)
{
	char *w[XD_CONFIG_MAX_ARGS + 1];
	unsigned int n = xd_split(line, w, XD_CONFIG_MAX_ARGS + 1);
	const struct xd_key *k = NULL;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < XD_NKEYS; i++)
		if (!strcmp(w[0], xd_keys[i].name))
			k = &xd_keys[i];
	if (!k)
		return xd_cfg_fail(msg, len, "unknown key '%s'", w[0]);
	if (n - 1 != k->nargs)
		return xd_cfg_fail(msg, len, "%s takes %u value%s", k->name,
				   k->nargs, k->nargs > 1 ? "s" : "");
	if (seen[k - xd_keys] && !k->repeat)
		return xd_cfg_fail(msg, len, "%s given twice", k->name);
	seen[k - xd_keys] = true;
	if (k->parse)
		return k->parse(c, w + 1, msg, len);
	return xd_key_num(c, k, w[1], msg, len);
}

/* What a single line cannot tell. */
static int xd_config_check(const struct xd_config *c, const bool *seen,
			   char *msg, size_t len)
{
	char prefix[XD_TD_MAX + 16];

	for (size_t i = 0; i < XD_NKEYS; i++)
		if (xd_keys[i].required && !seen[i])
			return xd_cfg_fail(msg, len, "%s missing",
					   xd_keys[i].name);
	if (c->join && !c->n_peers)
		return xd_cfg_fail(msg, len, "join yes needs a peer line naming "
				   "a member of the cluster to join");
	snprintf(prefix, sizeof(prefix), "spiffe://%s/", c->trust_domain);
	for (unsigned int i = 0; i < c->n_peers; i++) {
		if (c->peers[i].id == c->node_id)
			return xd_cfg_fail(msg, len, "peer %llu is this node "
					   "(node_id)", (unsigned long long)
					   c->node_id);
		if (strncmp(c->peers[i].spiffe_id, prefix, strlen(prefix)))
			return xd_cfg_fail(msg, len, "peer %llu: %s is not in "
					   "trust domain %s",
					   (unsigned long long)c->peers[i].id,
					   c->peers[i].spiffe_id,
					   c->trust_domain);
	}
	return 0;
}

int xd_config_parse(struct xd_config *c, const char *file, const char *text,
		    size_t len, char *err, size_t errlen)
{
	bool seen[XD_NKEYS] = { false };
	char line[4096], msg[512];
	unsigned int lineno = 0;
	size_t pos = 0;
	int ret;

	xd_config_defaults(c);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line longer than %zu "
				 "bytes", file, lineno, sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos += n + 1;
		if (strlen(line) != n) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", file,
				 lineno);
			return -EINVAL;
		}
		ret = xd_config_line(c, line, seen, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", file, lineno, msg);
			return ret;
		}
	}
	ret = xd_config_check(c, seen, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "%s: %s", file, msg);
	return ret;
}

int xd_config_load(struct xd_config *c, const char *path, char *err,
		   size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(XD_CONFIG_FILE_MAX + 1);
	ret = -ENOMEM;
	if (!text)
		goto cleanup;
	while ((n = read(fd, text + len, XD_CONFIG_FILE_MAX + 1 - len)) > 0)
		len += n;
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (len > XD_CONFIG_FILE_MAX) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: larger than %u bytes", path,
			 XD_CONFIG_FILE_MAX);
		goto cleanup;
	}
	ret = xd_config_parse(c, path, text, len, err, errlen);
cleanup:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	free(text);
	close(fd);
	return ret;
}
