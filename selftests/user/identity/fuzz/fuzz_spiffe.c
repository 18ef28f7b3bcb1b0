// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SPIFFE ID parser, fed straight from certificates
 * and the command line. Besides memory safety it checks the parser's
 * promises: an accepted ID is stored byte for byte, splits into the
 * trust domain and path it came from, parses again to the same thing,
 * and matches itself as an authorization rule. The same input taken as
 * an authorization rule must be refused unless some valid SVID's ID
 * matches it: a rule accepted at configuration must be able to match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/spiffe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An SVID's ID the accepted rule r must match: r itself, or r + "x". */
static void fuzz_rule(const uint8_t *data, size_t size)
{
	static char rule[IDN_SPIFFE_ID_MAX + 8];
	static struct idn_spiffe_id id;
	struct idn_status st;
	size_t len;

	if (size > IDN_SPIFFE_ID_MAX + 1 || memchr(data, '\0', size))
		return;
	memcpy(rule, data, size);
	rule[size] = '\0';
	if (idn_rule_check(rule, &st) != IDN_OK)
		return;
	len = strlen(rule);
	if (rule[len - 1] == '/')
		strcpy(rule + len, "x");
	if (idn_spiffe_parse(rule, strlen(rule), &id, &st) != IDN_OK ||
	    idn_spiffe_path(&id)[0] == '\0')
		abort();
	rule[len] = '\0';
	if (!idn_spiffe_match(rule, &id))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idn_spiffe_id id, again;
	struct idn_status st;
	size_t tdlen;

	fuzz_rule(data, size);
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
