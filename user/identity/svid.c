// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/svid.h"
#include "lib/fileio.h"

/* OID of the subjectAltName extension (RFC 5280, 4.2.1.6). */
#define IDN_OID_SAN "2.5.29.17"

void idn_file_free(gnutls_datum_t *d)
{
	if (d->data)
		gnutls_memset(d->data, 0, d->size);
	gnutls_free(d->data);
	d->size = 0;
}

/* What an operator should be told a non-regular file is. */
static const char *idn_file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Read exactly len bytes; a file that grew meanwhile is refused too. */
static enum idn_err idn_file_read_all(int fd, const char *path,
				      unsigned char *buf, size_t len,
				      struct idn_status *st)
{
	size_t got = 0;
	char more;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return idn_fail(st, IDN_ERR_IO, "%s: %s", path,
					strerror(errno));
		if (n == 0)
			return idn_fail(st, IDN_ERR_IO, "%s: changed while "
					"being read (shrank)", path);
		got += n;
	}
	if (read(fd, &more, 1) > 0)
		return idn_fail(st, IDN_ERR_IO, "%s: changed while being read "
				"(grew); writers must replace it atomically",
				path);
	return IDN_OK;
}

enum idn_err idn_file_read(const char *path, gnutls_datum_t *out,
			   struct idn_status *st)
{
	gnutls_datum_t d = { NULL, 0 };
	enum idn_err err;
	struct stat sb;
	int fd;

	/*
	 * O_NONBLOCK: a FIFO or a device put in place of a key file must be
	 * refused, not hang the loader (and the daemon's event loop) in
	 * open() or read(). It changes nothing for a regular file.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return idn_fail(st, IDN_ERR_IO, "%s: %s", path,
				strerror(errno));
	if (fstat(fd, &sb) < 0) {
		err = idn_fail(st, IDN_ERR_IO, "%s: %s", path,
			       strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = idn_fail(st, IDN_ERR_IO, "%s: %s, not a regular file",
			       path, idn_file_kind(sb.st_mode));
		goto cleanup;
	}
	if (sb.st_size > IDN_FILE_MAX) {
		err = idn_fail(st, IDN_ERR_IO, "%s: larger than %d bytes",
			       path, IDN_FILE_MAX);
		goto cleanup;
	}
	d.data = gnutls_malloc(sb.st_size + 1);
	if (!d.data) {
		err = idn_fail(st, IDN_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	d.size = sb.st_size;
	err = idn_file_read_all(fd, path, d.data, d.size, st);
	if (err)
		goto cleanup;
	d.data[d.size] = '\0';
	*out = d;
	d.data = NULL;
	err = idn_ok(st);
cleanup:
	/* The file may hold a private key: never leave a copy behind. */
	idn_file_free(&d);
	close(fd);
	return err;
}

enum idn_err idn_file_write_atomic(const char *path, const void *data,
				   size_t len, mode_t mode,
				   struct idn_status *st)
{
	int ret = file_replace(path, data, len, mode);

	if (ret)
		return idn_fail(st, IDN_ERR_IO, "%s: %s", path, strerror(-ret));
	return idn_ok(st);
}

static enum idn_err idn_chain_take(struct idn_chain *c,
				   gnutls_x509_crt_t *list, unsigned int n,
				   struct idn_status *st)
{
	if (n == 0)
		return idn_fail(st, IDN_ERR_NO_CERT, "no certificate found");
	if (n > IDN_CHAIN_MAX) {
		for (unsigned int i = 0; i < n; i++)
			gnutls_x509_crt_deinit(list[i]);
		return idn_fail(st, IDN_ERR_CHAIN_TOO_LONG,
				"%u certificates, at most %d allowed", n,
				IDN_CHAIN_MAX);
	}
	memcpy(c->crt, list, n * sizeof(list[0]));
	c->n = n;
	return idn_ok(st);
}

enum idn_err idn_chain_import_pem(struct idn_chain *c, const void *pem,
				  size_t len, struct idn_status *st)
{
	gnutls_datum_t d = { .data = (void *)pem, .size = len };
	gnutls_x509_crt_t *list = NULL;
	unsigned int n = 0;
	enum idn_err err;
	int ret;

	ret = gnutls_x509_crt_list_import2(&list, &n, &d,
					   GNUTLS_X509_FMT_PEM, 0);
	if (ret == GNUTLS_E_NO_CERTIFICATE_FOUND || (ret >= 0 && n == 0)) {
		gnutls_free(list);
		return idn_fail(st, IDN_ERR_NO_CERT,
				"no PEM certificate found");
	}
	if (ret < 0)
		return idn_fail(st, IDN_ERR_PEM, "certificate: %s",
				gnutls_strerror(ret));
	err = idn_chain_take(c, list, n, st);
	gnutls_free(list);
	return err;
}

enum idn_err idn_chain_import_der(struct idn_chain *c,
				  const gnutls_datum_t *der, unsigned int n,
				  struct idn_status *st)
{
	struct idn_chain tmp = { .n = 0 };

	if (n == 0)
		return idn_fail(st, IDN_ERR_NO_CERT, "no certificate presented");
	if (n > IDN_CHAIN_MAX)
		return idn_fail(st, IDN_ERR_CHAIN_TOO_LONG,
				"%u certificates, at most %d allowed", n,
				IDN_CHAIN_MAX);
	for (unsigned int i = 0; i < n; i++) {
		int ret = gnutls_x509_crt_init(&tmp.crt[i]);

		if (ret < 0) {
			idn_chain_free(&tmp);
			return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
		}
		tmp.n++;
		ret = gnutls_x509_crt_import(tmp.crt[i], &der[i],
					     GNUTLS_X509_FMT_DER);
		if (ret < 0) {
			idn_chain_free(&tmp);
			return idn_fail(st, IDN_ERR_PEM,
					"certificate %u: %s", i,
					gnutls_strerror(ret));
		}
	}
	*c = tmp;
	return idn_ok(st);
}

enum idn_err idn_chain_load(struct idn_chain *c, const char *path,
			    struct idn_status *st)
{
	gnutls_datum_t d = { NULL, 0 };
	enum idn_err err;

	err = idn_file_read(path, &d, st);
	if (err)
		return err;
	err = idn_chain_import_pem(c, d.data, d.size, st);
	/* spiffe-helper may write the key into the same file. */
	idn_file_free(&d);
	if (err && st) {
		char msg[IDN_DETAIL_MAX];

		snprintf(msg, sizeof(msg), "%s", st->detail);
		idn_fail(st, err, "%s: %s", path, msg);
	}
	return err;
}

void idn_chain_free(struct idn_chain *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		gnutls_x509_crt_deinit(c->crt[i]);
	c->n = 0;
}

static enum idn_err idn_sans_import(gnutls_x509_crt_t crt,
				    gnutls_subject_alt_names_t *sans,
				    struct idn_status *st)
{
	gnutls_datum_t der = { NULL, 0 };
	unsigned int critical;
	int ret;

	ret = gnutls_x509_crt_get_extension_by_oid2(crt, IDN_OID_SAN, 0,
						    &der, &critical);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return idn_fail(st, IDN_ERR_NO_URI_SAN,
				"no subjectAltName extension");
	if (ret < 0)
		return idn_fail(st, IDN_ERR_PEM, "subjectAltName: %s",
				gnutls_strerror(ret));
	ret = gnutls_subject_alt_names_init(sans);
	if (ret < 0) {
		gnutls_free(der.data);
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	}
	ret = gnutls_x509_ext_import_subject_alt_names(&der, *sans, 0);
	gnutls_free(der.data);
	if (ret < 0) {
		gnutls_subject_alt_names_deinit(*sans);
		return idn_fail(st, IDN_ERR_PEM, "subjectAltName: %s",
				gnutls_strerror(ret));
	}
	return IDN_OK;
}

enum idn_err idn_crt_spiffe_id(gnutls_x509_crt_t crt,
			       struct idn_spiffe_id *id,
			       struct idn_status *st)
{
	gnutls_subject_alt_names_t sans;
	gnutls_datum_t uri = { NULL, 0 };
	unsigned int nuri = 0;
	enum idn_err err;

	err = idn_sans_import(crt, &sans, st);
	if (err)
		return err;
	for (unsigned int i = 0;; i++) {
		gnutls_datum_t san, oid;
		unsigned int type;
		int ret = gnutls_subject_alt_names_get(sans, i, &type, &san,
						       &oid);

		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (ret < 0) {
			err = idn_fail(st, IDN_ERR_PEM, "subjectAltName: %s",
				       gnutls_strerror(ret));
			goto cleanup;
		}
		if (type != GNUTLS_SAN_URI)
			continue;
		nuri++;
		uri = san;
	}
	if (nuri == 0) {
		err = idn_fail(st, IDN_ERR_NO_URI_SAN,
			       "subjectAltName has no URI");
		goto cleanup;
	}
	if (nuri > 1) {
		err = idn_fail(st, IDN_ERR_MULTIPLE_URI_SAN,
			       "%u URI SANs, an SVID has exactly one", nuri);
		goto cleanup;
	}
	err = idn_spiffe_parse((const char *)uri.data, uri.size, id, st);
cleanup:
	gnutls_subject_alt_names_deinit(sans);
	return err;
}

enum idn_err idn_crt_serial_hex(gnutls_x509_crt_t crt,
				char out[IDN_SERIAL_HEX_MAX],
				struct idn_status *st)
{
	unsigned char raw[20 + 1];	/* RFC 5280 caps serials at 20 octets */
	size_t len = sizeof(raw), i = 0, o = 0;
	int ret;

	ret = gnutls_x509_crt_get_serial(crt, raw, &len);
	if (ret < 0)
		return idn_fail(st, IDN_ERR_PEM, "serial: %s",
				gnutls_strerror(ret));
	if (len > 20)
		return idn_fail(st, IDN_ERR_PEM, "serial longer than 20 octets");
	while (i < len && raw[i] == 0)
		i++;
	for (; i < len; i++)
		o += snprintf(out + o, IDN_SERIAL_HEX_MAX - o, "%02x", raw[i]);
	if (o == 0)
		out[o++] = '0';
	out[o] = '\0';
	/* One leading nibble may be zero: "0a1b" and "a1b" are one serial. */
	if (out[0] == '0' && out[1] != '\0')
		memmove(out, out + 1, o);
	return idn_ok(st);
}

static enum idn_err idn_key_import(gnutls_x509_privkey_t *key,
				   const char *path, struct idn_status *st)
{
	gnutls_datum_t d = { NULL, 0 };
	enum idn_err err;
	int ret;

	err = idn_file_read(path, &d, st);
	if (err)
		return err;
	ret = gnutls_x509_privkey_init(key);
	if (ret < 0) {
		idn_file_free(&d);
		return idn_fail(st, IDN_ERR_NOMEM, "out of memory");
	}
	ret = gnutls_x509_privkey_import2(*key, &d, GNUTLS_X509_FMT_PEM,
					  NULL, GNUTLS_PKCS_PLAIN);
	idn_file_free(&d);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(*key);
		return idn_fail(st, IDN_ERR_PEM, "%s: private key: %s", path,
				gnutls_strerror(ret));
	}
	return IDN_OK;
}

static enum idn_err idn_key_match(gnutls_x509_crt_t crt,
				  gnutls_x509_privkey_t key,
				  struct idn_status *st)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, a,
				       &alen) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b,
					   &blen) < 0)
		return idn_fail(st, IDN_ERR_KEY_MISMATCH,
				"cannot compute key identifiers");
	if (alen != blen || memcmp(a, b, alen) != 0)
		return idn_fail(st, IDN_ERR_KEY_MISMATCH,
				"private key is not the leaf certificate's key");
	return IDN_OK;
}

enum idn_err idn_svid_load(struct idn_svid *s, const char *cert_path,
			   const char *key_path, struct idn_status *st)
{
	struct idn_svid tmp;
	enum idn_err err;

	memset(&tmp, 0, sizeof(tmp));
	err = idn_chain_load(&tmp.chain, cert_path, st);
	if (err)
		return err;
	err = idn_key_import(&tmp.key, key_path, st);
	if (err)
		goto err_chain;
	err = idn_key_match(tmp.chain.crt[0], tmp.key, st);
	if (err)
		goto err_key;
	err = idn_crt_spiffe_id(tmp.chain.crt[0], &tmp.id, st);
	if (err)
		goto err_key;
	*s = tmp;
	return idn_ok(st);
err_key:
	gnutls_x509_privkey_deinit(tmp.key);
err_chain:
	idn_chain_free(&tmp.chain);
	return err;
}

void idn_svid_free(struct idn_svid *s)
{
	if (s->key)
		gnutls_x509_privkey_deinit(s->key);
	s->key = NULL;
	idn_chain_free(&s->chain);
}
