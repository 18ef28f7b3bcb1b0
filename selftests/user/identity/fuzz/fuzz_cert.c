// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: everything a peer or a file can hand the identity
 * layer as a certificate. The input is tried as a PEM file (SVID or
 * bundle) and as one DER certificate, as a TLS peer presents it, and
 * whatever parses goes through the full validator against a real CA, so
 * the SAN, serial, key usage and time code all see hostile input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/ca.h"
#include "identity/verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct idn_policy fuzz_policy;
static time_t fuzz_now;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct idn_status st;
	gnutls_datum_t pem;
	struct idn_ca ca;

	fuzz_now = time(NULL);
	idn_policy_init(&fuzz_policy);
	if (idn_ca_create(&ca, "mesh.test", IDN_KEY_ED25519, fuzz_now, 3600,
			  &st) ||
	    gnutls_x509_crt_export2(ca.crt, GNUTLS_X509_FMT_PEM, &pem) < 0 ||
	    idn_policy_add_bundle_pem(&fuzz_policy, NULL, pem.data, pem.size,
				      &st) ||
	    idn_policy_revoke(&fuzz_policy, "0x01", &st))
		abort();
	gnutls_free(pem.data);
	idn_ca_free(&ca);
	return 0;
}

static void fuzz_chain(const struct idn_chain *c)
{
	struct idn_spiffe_id id;
	struct idn_status st;
	char serial[IDN_SERIAL_HEX_MAX];

	if (idn_verify(&fuzz_policy, c, fuzz_now, &id, &st) == IDN_OK &&
	    strncmp(id.id, "spiffe://mesh.test/", 19) != 0)
		abort();
	for (unsigned int i = 0; i < c->n; i++)
		idn_crt_serial_hex(c->crt[i], serial, &st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gnutls_datum_t der = { .data = (unsigned char *)data, .size = size };
	struct idn_policy bundle;
	struct idn_status st;
	struct idn_chain c;

	if (idn_chain_import_pem(&c, data, size, &st) == IDN_OK) {
		fuzz_chain(&c);
		idn_chain_free(&c);
	}
	if (idn_chain_import_der(&c, &der, 1, &st) == IDN_OK) {
		fuzz_chain(&c);
		idn_chain_free(&c);
	}
	idn_policy_init(&bundle);
	idn_policy_add_bundle_pem(&bundle, NULL, data, size, &st);
	idn_policy_free(&bundle);
	return 0;
}
