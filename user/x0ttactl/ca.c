// SPDX-License-Identifier: GPL-2.0
/*
 * x0ttactl ca init | issue | inspect | verify
 *
 * A certificate authority for a small mesh: one trust domain, node SVIDs
 * with short lifetimes, and the full validator of x0ttad behind `verify`,
 * so an operator sees exactly why a node would refuse a certificate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "identity/ca.h"
#include "identity/verify.h"
#include "x0ttactl/commands.h"
#include "x0ttactl/ctl.h"

#define CA_USAGE \
	"ca init --trust-domain TD [--dir DIR] [--key-type TYPE] [--days N] [--force]\n" \
	"       x0ttactl ca issue --name NAME [--dir DIR] [--lifetime DURATION]\n" \
	"                         [--key-type TYPE] [--cert FILE] [--key FILE]\n" \
	"       x0ttactl [-j] ca inspect FILE\n" \
	"       x0ttactl [-j] ca verify --bundle [TD=]FILE [--bundle TD=FILE...]\n" \
	"                         [--revoked SERIAL...] [--skew SECONDS] [--key FILE] CERT\n" \
	"TYPE is ed25519 (default) or ecdsa-p256; DURATION is N[smhd] (default 1h);\n" \
	"TD=FILE binds a bundle to its trust domain, needed when there are several"

#define CA_DIR_DEFAULT "/var/lib/x0tta/ca"
/* DIR/ca.pem and DIR/ca.key are the CA's certificate and key. */
#define CA_BASE "ca"
/* No SVID of ours should outlive this; long-lived identities defeat rotation. */
#define CA_SVID_LIFETIME_MAX (90u * 24 * 3600)
#define CA_DAYS_MAX (20u * 365)

static int ca_fail(const struct idn_status *st)
{
	ctl_err("%s: %s", idn_strerror(st->err), st->detail);
	return CTL_EXIT_FAIL;
}

/*
 * Leading decimal digits of s, at most max; *end is the first other
 * character. strtoul() would also take blanks, signs and hex.
 */
static int ca_parse_digits(const char *s, unsigned int max,
			   unsigned long long *v, const char **end)
{
	*v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		*v = *v * 10 + (*s - '0');
		if (*v > max)
			return -ERANGE;
	}
	*end = s;
	return 0;
}

/* A whole number from 1 to max, nothing else. */
static int ca_parse_count(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long long v;
	const char *end;
	int ret = ca_parse_digits(s, max, &v, &end);

	if (ret)
		return ret;
	if (*end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Digits then one optional unit: "3600", "90s", "30m", "1h", "7d". */
static int ca_parse_duration(const char *s, unsigned int max,
			     unsigned int *out)
{
	unsigned long long v, mult = 1;
	const char *p;
	int ret = ca_parse_digits(s, max, &v, &p);

	if (ret)
		return ret;
	switch (*p) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 24 * 3600;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	if (v == 0 || v * mult > max)
		return v ? -ERANGE : -EINVAL;
	*out = v * mult;
	return 0;
}

static int ca_paths(char *cert, char *key, size_t len, const char *dir,
		    const char *base)
{
	if (snprintf(cert, len, "%s/%s.pem", dir, base) >= (int)len ||
	    snprintf(key, len, "%s/%s.key", dir, base) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- init ---------------------------------------------------------------- */

static int ca_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust-domain", required_argument, NULL, 't' },
		{ "dir", required_argument, NULL, 'd' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "days", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *td = NULL, *dir = CA_DIR_DEFAULT;
	enum idn_key_type kt = IDN_KEY_ED25519;
	char cert[4096], key[4096], until[IDN_TIME_MAX];
	unsigned int days = IDN_CA_LIFETIME_DEFAULT / (24 * 3600);
	struct idn_status st;
	struct idn_ca ca;
	bool force = false;
	time_t now;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:d:k:n:fh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			td = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			if (idn_key_type_parse(optarg, &kt, &st))
				return ctl_usage(CA_USAGE, "%s", st.detail);
			break;
		case 'n':
			if (ca_parse_count(optarg, CA_DAYS_MAX, &days))
				return ctl_usage(CA_USAGE,
						 "--days: a number from 1 to %u",
						 CA_DAYS_MAX);
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			return ctl_usage(CA_USAGE, "ca init: help");
		default:
			return ctl_usage(CA_USAGE, "ca init: bad option %s",
					 argv[optind - 1]);
		}
	}
	if (!td || optind != argc)
		return ctl_usage(CA_USAGE, "ca init needs --trust-domain and "
				 "no other argument");
	if (idn_trust_domain_check(td, &st))
		return ctl_usage(CA_USAGE, "--trust-domain: %s", st.detail);
	if (ca_paths(cert, key, sizeof(cert), dir, CA_BASE))
		return ctl_usage(CA_USAGE, "--dir: path too long");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ctl_err("%s: %s", dir, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	/* An earlier init that crashed half way leaves a whole pair here. */
	if (idn_pair_recover(cert, key, &st))
		return ca_fail(&st);
	if (!force && access(key, F_OK) == 0) {
		ctl_err("%s exists: a CA is already set up in %s (--force "
			"replaces it; every SVID it issued stops validating)",
			key, dir);
		return CTL_EXIT_FAIL;
	}
	now = time(NULL);
	if (idn_ca_create(&ca, td, kt, now, days * 24 * 3600, &st))
		return ca_fail(&st);
	ret = idn_ca_save(&ca, cert, key, &st) ? ca_fail(&st) : CTL_EXIT_OK;
	if (ret == CTL_EXIT_OK)
		printf("CA for spiffe://%s until %s\n  certificate (trust "
		       "bundle) %s\n  key %s\n", td,
		       idn_fmt_time(now + (time_t)days * 24 * 3600, until),
		       cert, key);
	idn_ca_free(&ca);
	return ret;
}

/* ---- issue --------------------------------------------------------------- */

struct ca_issue_args {
	const char *dir, *name, *cert, *key;
	enum idn_key_type kt;
	unsigned int lifetime;
};

/* A node name is one SPIFFE path segment; say so before touching the CA. */
static enum idn_err ca_check_name(const char *name, struct idn_status *st)
{
	char id[IDN_SPIFFE_ID_MAX + 1];
	struct idn_spiffe_id parsed;
	int len = snprintf(id, sizeof(id), "spiffe://td/node/%s", name);

	if (strchr(name, '/'))
		return idn_fail(st, IDN_ERR_INVAL,
				"\"%s\" is not one path segment", name);
	if (len >= (int)sizeof(id))
		return idn_fail(st, IDN_ERR_INVAL, "name too long");
	return idn_spiffe_parse(id, len, &parsed, st);
}

static int ca_issue_parse(int argc, char **argv, struct ca_issue_args *a)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "dir", required_argument, NULL, 'd' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct idn_status st;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "N:d:l:k:c:K:h", opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			a->name = optarg;
			break;
		case 'd':
			a->dir = optarg;
			break;
		case 'l':
			if (ca_parse_duration(optarg, CA_SVID_LIFETIME_MAX,
					      &a->lifetime))
				return ctl_usage(CA_USAGE,
						 "--lifetime: N[smhd], at most "
						 "90d");
			break;
		case 'k':
			if (idn_key_type_parse(optarg, &a->kt, &st))
				return ctl_usage(CA_USAGE, "%s", st.detail);
			break;
		case 'c':
			a->cert = optarg;
			break;
		case 'K':
			a->key = optarg;
			break;
		case 'h':
			return ctl_usage(CA_USAGE, "ca issue: help");
		default:
			return ctl_usage(CA_USAGE, "ca issue: bad option %s",
					 argv[optind - 1]);
		}
	}
	if (!a->name || optind != argc)
		return ctl_usage(CA_USAGE, "ca issue needs --name and no other "
				 "argument");
	if (ca_check_name(a->name, &st))
		return ctl_usage(CA_USAGE, "--name: %s", st.detail);
	/* Node files are DIR/NAME.pem and .key: "ca" would be the CA's. */
	if (strcmp(a->name, CA_BASE) == 0)
		return ctl_usage(CA_USAGE, "--name %s is reserved: %s.pem and "
				 "%s.key are the CA's own files", CA_BASE,
				 CA_BASE, CA_BASE);
	if (!a->cert != !a->key)
		return ctl_usage(CA_USAGE, "give both --cert and --key, or "
				 "neither");
	return -1;
}

/* Whether an output file already is (or links to) one of the CA's files. */
static bool ca_clobbers(const char *out, const char *ca_cert,
			const char *ca_key)
{
	const char *ca_files[] = { ca_cert, ca_key };
	struct stat o, c;

	if (stat(out, &o) < 0)
		return false;
	for (size_t i = 0; i < 2; i++) {
		if (stat(ca_files[i], &c) < 0 || o.st_dev != c.st_dev ||
		    o.st_ino != c.st_ino)
			continue;
		ctl_err("%s is the CA's %s: refusing to overwrite it", out,
			i ? "key" : "certificate");
		return true;
	}
	return false;
}

static int ca_issue(int argc, char **argv)
{
	struct ca_issue_args a = {
		.dir = CA_DIR_DEFAULT, .kt = IDN_KEY_ED25519,
		.lifetime = IDN_SVID_LIFETIME_DEFAULT,
	};
	char ca_cert[4096], ca_key[4096], cert[4096], key[4096];
	char id[IDN_SPIFFE_ID_MAX + 1], serial[IDN_SERIAL_HEX_MAX];
	char until[IDN_TIME_MAX];
	struct idn_status st;
	struct idn_svid svid;
	struct idn_ca ca;
	int ret;
	time_t now;

	ret = ca_issue_parse(argc, argv, &a);
	if (ret >= 0)
		return ret;
	if (ca_paths(ca_cert, ca_key, sizeof(ca_cert), a.dir, CA_BASE) ||
	    ca_paths(cert, key, sizeof(cert), a.dir, a.name))
		return ctl_usage(CA_USAGE, "--dir or --name: path too long");
	if (a.cert) {
		snprintf(cert, sizeof(cert), "%s", a.cert);
		snprintf(key, sizeof(key), "%s", a.key);
	}
	if (ca_clobbers(cert, ca_cert, ca_key) ||
	    ca_clobbers(key, ca_cert, ca_key))
		return CTL_EXIT_FAIL;
	if (idn_pair_recover(ca_cert, ca_key, &st) ||
	    idn_ca_load(&ca, ca_cert, ca_key, &st))
		return ca_fail(&st);
	/* The name becomes one path segment; the parser rejects '/' etc. */
	snprintf(id, sizeof(id), "spiffe://%s/node/%s", ca.id.td, a.name);
	now = time(NULL);
	ret = CTL_EXIT_FAIL;
	if (idn_ca_issue(&ca, id, a.kt, now, a.lifetime, &svid, &st)) {
		ca_fail(&st);
		goto err_ca;
	}
	if (idn_svid_save(&svid, cert, key, &st) ||
	    idn_crt_serial_hex(svid.chain.crt[0], serial, &st)) {
		ca_fail(&st);
		goto err_svid;
	}
	printf("%s serial %s until %s\n  certificate %s\n  key %s\n", id,
	       serial, idn_fmt_time(gnutls_x509_crt_get_expiration_time(
					    svid.chain.crt[0]), until),
	       cert, key);
	ret = CTL_EXIT_OK;
err_svid:
	idn_svid_free(&svid);
err_ca:
	idn_ca_free(&ca);
	return ret;
}

/* ---- inspect ------------------------------------------------------------- */

struct ca_crt_info {
	char id[IDN_SPIFFE_ID_MAX + 1];
	const char *id_reason;
	char id_error[IDN_DETAIL_MAX];
	char serial[IDN_SERIAL_HEX_MAX];
	char nb[IDN_TIME_MAX], na[IDN_TIME_MAX];
	char subject[256], issuer[256];
	const char *key;
	bool ca;
};

static void ca_crt_info(gnutls_x509_crt_t crt, struct ca_crt_info *i)
{
	size_t len;
	struct idn_spiffe_id id;
	struct idn_status st;
	unsigned int critical;

	memset(i, 0, sizeof(*i));
	if (idn_crt_spiffe_id(crt, &id, &st)) {
		i->id_reason = idn_errname(st.err);
		snprintf(i->id_error, sizeof(i->id_error), "%s", st.detail);
	} else {
		snprintf(i->id, sizeof(i->id), "%s", id.id);
	}
	if (idn_crt_serial_hex(crt, i->serial, &st))
		snprintf(i->serial, sizeof(i->serial), "?");
	idn_fmt_time(gnutls_x509_crt_get_activation_time(crt), i->nb);
	idn_fmt_time(gnutls_x509_crt_get_expiration_time(crt), i->na);
	len = sizeof(i->subject);
	if (gnutls_x509_crt_get_dn(crt, i->subject, &len) < 0)
		snprintf(i->subject, sizeof(i->subject), "?");
	len = sizeof(i->issuer);
	if (gnutls_x509_crt_get_issuer_dn(crt, i->issuer, &len) < 0)
		snprintf(i->issuer, sizeof(i->issuer), "?");
	i->key = gnutls_pk_get_name(gnutls_x509_crt_get_pk_algorithm(crt,
								     NULL));
	if (!i->key)
		i->key = "?";
	i->ca = gnutls_x509_crt_get_basic_constraints(crt, &critical, NULL,
						      NULL) > 0;
}

static void ca_inspect_text(const struct ca_crt_info *i, unsigned int idx,
			    unsigned int n)
{
	printf("certificate %u of %u%s\n", idx + 1, n,
	       idx == 0 ? " (leaf)" : "");
	if (i->id[0])
		printf("  spiffe_id   %s\n", i->id);
	else
		printf("  spiffe_id   none (%s: %s)\n", i->id_reason,
		       i->id_error);
	printf("  subject     %s\n  issuer      %s\n  serial      %s\n"
	       "  not_before  %s\n  not_after   %s\n  ca          %s\n"
	       "  key         %s\n", i->subject, i->issuer, i->serial, i->nb,
	       i->na, i->ca ? "yes" : "no", i->key);
}

static void ca_inspect_json(struct out_json *w, const struct ca_crt_info *i)
{
	out_json_open_object(w, NULL);
	if (i->id[0]) {
		out_json_string(w, "spiffe_id", i->id);
	} else {
		out_json_null(w, "spiffe_id");
		out_json_string(w, "spiffe_id_reason", i->id_reason);
		out_json_string(w, "spiffe_id_error", i->id_error);
	}
	out_json_string(w, "subject", i->subject);
	out_json_string(w, "issuer", i->issuer);
	out_json_string(w, "serial", i->serial);
	out_json_string(w, "not_before", i->nb);
	out_json_string(w, "not_after", i->na);
	out_json_bool(w, "ca", i->ca);
	out_json_string(w, "key", i->key);
	out_json_close_object(w);
}

static int ca_inspect(int argc, char **argv)
{
	struct ca_crt_info info;
	struct idn_chain chain;
	struct idn_status st;
	struct out_json w;
	int ret = CTL_EXIT_OK;

	if (argc != 2 || ctl_is_help(argv[1]))
		return ctl_usage(CA_USAGE, "ca inspect takes one FILE");
	if (idn_chain_load(&chain, argv[1], &st))
		return ca_fail(&st);
	if (ctl_out.json) {
		out_json_init(&w, stdout);
		out_json_open_array(&w, NULL);
	}
	for (unsigned int i = 0; i < chain.n; i++) {
		ca_crt_info(chain.crt[i], &info);
		if (ctl_out.json)
			ca_inspect_json(&w, &info);
		else
			ca_inspect_text(&info, i, chain.n);
	}
	if (ctl_out.json) {
		out_json_close_array(&w);
		if (out_json_finish(&w))
			ret = CTL_EXIT_FAIL;
	}
	idn_chain_free(&chain);
	return ret;
}

/* ---- verify -------------------------------------------------------------- */

static int ca_verify_parse(int argc, char **argv, struct idn_policy *pol,
			   const char **key)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "revoked", required_argument, NULL, 'r' },
		{ "skew", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char td[IDN_TRUST_DOMAIN_MAX + 1];
	struct idn_status st;
	const char *path;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "b:r:s:K:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (idn_bundle_arg_parse(optarg, td, &path, &st))
				return ctl_usage(CA_USAGE, "--bundle: %s",
						 st.detail);
			if (idn_policy_add_bundle_file(pol, td[0] ? td : NULL,
						       path, &st))
				return ca_fail(&st);
			break;
		case 'r':
			if (idn_policy_revoke(pol, optarg, &st))
				return ctl_usage(CA_USAGE, "--revoked: %s",
						 st.detail);
			break;
		case 's':
			if (strcmp(optarg, "0") == 0)
				pol->skew = 0;
			else if (ca_parse_duration(optarg, 3600, &pol->skew))
				return ctl_usage(CA_USAGE,
						 "--skew: N[smh], at most 1h");
			break;
		case 'K':
			*key = optarg;
			break;
		case 'h':
			return ctl_usage(CA_USAGE, "ca verify: help");
		default:
			return ctl_usage(CA_USAGE, "ca verify: bad option %s",
					 argv[optind - 1]);
		}
	}
	if (pol->n_anchors == 0 || optind + 1 != argc)
		return ctl_usage(CA_USAGE, "ca verify needs --bundle and one "
				 "CERT");
	return -1;
}

static void ca_verify_print(const struct idn_status *st,
			    const struct idn_spiffe_id *id)
{
	struct out_json w;

	if (!ctl_out.json) {
		if (st->err)
			printf("refused (%s): %s\n", idn_errname(st->err),
			       st->detail);
		else
			printf("valid %s\n", id->id);
		return;
	}
	out_json_init(&w, stdout);
	out_json_open_object(&w, NULL);
	out_json_bool(&w, "valid", st->err == IDN_OK);
	if (st->err) {
		out_json_string(&w, "reason", idn_errname(st->err));
		out_json_string(&w, "detail", st->detail);
	} else {
		out_json_string(&w, "spiffe_id", id->id);
	}
	out_json_close_object(&w);
	out_json_finish(&w);
}

static int ca_verify(int argc, char **argv)
{
	struct idn_spiffe_id id;
	struct idn_policy pol;
	struct idn_status st;
	struct idn_svid svid;
	const char *key = NULL, *cert;
	int ret;

	idn_policy_init(&pol);
	ret = ca_verify_parse(argc, argv, &pol, &key);
	if (ret >= 0)
		goto cleanup;
	cert = argv[argc - 1];
	memset(&svid, 0, sizeof(svid));
	/* With --key, also prove the pair is usable as a node identity. */
	if (key)
		idn_svid_load(&svid, cert, key, &st);
	else
		idn_chain_load(&svid.chain, cert, &st);
	if (st.err == IDN_ERR_IO) {
		ret = ca_fail(&st);
		goto cleanup;
	}
	if (!st.err)
		idn_verify(&pol, &svid.chain, time(NULL), &id, &st);
	ca_verify_print(&st, &id);
	ret = st.err ? CTL_EXIT_FAIL : CTL_EXIT_OK;
	idn_svid_free(&svid);
cleanup:
	idn_policy_free(&pol);
	return ret;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} ca_cmds[] = {
	{ "init", ca_init },
	{ "issue", ca_issue },
	{ "inspect", ca_inspect },
	{ "verify", ca_verify },
};

int ca_main(int argc, char *argv[])
{
	if (argc < 2 || ctl_is_help(argv[1]))
		return ctl_usage(CA_USAGE, "ca needs a subcommand");
	for (size_t i = 0; i < sizeof(ca_cmds) / sizeof(ca_cmds[0]); i++)
		if (strcmp(argv[1], ca_cmds[i].name) == 0)
			return ca_cmds[i].fn(argc - 1, argv + 1);
	return ctl_usage(CA_USAGE, "ca: unknown subcommand \"%s\"", argv[1]);
}
