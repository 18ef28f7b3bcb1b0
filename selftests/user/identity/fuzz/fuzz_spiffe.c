// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SPIFFE ID parser, fed straight from certificates
 * and the command line. Besides memory safety it checks the parser's
 * promises: an accepted ID is stored byte for byte, splits into the
 * trust domain and path it came from, parses again to the same thing,
 * and matches itself as an authorization rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/spiffe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idn_spiffe_id id, again;
	struct idn_status st;
	size_t tdlen;

	if (idn_spiffe_parse((const char *)data, size, &id, &st) != IDN_OK)
		return 0;
	tdlen = strlen(id.td);
	if (strlen(id.id) != size || memcmp(id.id, data, size) ||
	    tdlen == 0 || tdlen > IDN_TRUST_DOMAIN_MAX ||
	    strncmp(id.id + 9, id.td, tdlen) ||
	    idn_spiffe_path(&id) != id.id + 9 + tdlen)
		abort();
	if (idn_spiffe_parse(id.id, size, &again, &st) != IDN_OK ||
	    strcmp(again.id, id.id) || strcmp(again.td, id.td) ||
	    again.path_off != id.path_off)
		abort();
	if (!idn_spiffe_match(id.id, &id))
		abort();
	return 0;
}
