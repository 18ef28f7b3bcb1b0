/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_SPIFFE_H
#define _X0TTA_SPIFFE_H

#include <stdbool.h>
#include <stddef.h>

#include "identity/identity.h"

/* Limits from the SPIFFE ID specification, section 2. */
#define IDN_SPIFFE_ID_MAX	2048
#define IDN_TRUST_DOMAIN_MAX	255

/*
 * A parsed SPIFFE ID: id is the whole string ("spiffe://td/path"), td the
 * trust domain. The path is kept as an offset into id, not a pointer, so
 * the struct stays valid when copied.
 */
struct idn_spiffe_id {
	char id[IDN_SPIFFE_ID_MAX + 1];
	char td[IDN_TRUST_DOMAIN_MAX + 1];
	unsigned int path_off;
};

/* The path of id: "" for a trust domain ID, else "/seg/seg". */
const char *idn_spiffe_path(const struct idn_spiffe_id *id);

/*
 * Parse s (len bytes, not necessarily NUL-terminated: it comes straight
 * from a certificate) as a SPIFFE ID. Strict by design: no percent
 * encoding, uppercase trust domain, port, userinfo, query, fragment, empty,
 * "." or ".." segment is accepted, because two spellings of one identity
 * would let a peer slip past an authorization rule. out is written only on
 * success.
 */
enum idn_err idn_spiffe_parse(const char *s, size_t len,
			      struct idn_spiffe_id *out,
			      struct idn_status *st);

/* Check a bare trust domain name, e.g. from the command line. */
enum idn_err idn_trust_domain_check(const char *td, struct idn_status *st);

/*
 * Authorization rule match: a rule is either an exact SPIFFE ID, or a
 * SPIFFE ID followed by '/', which matches every ID below that path
 * (segment-wise: "spiffe://td/node/" matches "spiffe://td/node/a" but
 * neither "spiffe://td/node" nor "spiffe://td/nodes/a").
 */
bool idn_spiffe_match(const char *rule, const struct idn_spiffe_id *id);

/*
 * Check an authorization rule when it is configured, since a rule that
 * can match no SVID would silently lock every peer out: an exact rule
 * must be a SPIFFE ID with a path (a leaf always has one, so
 * "spiffe://td" alone never matches; "spiffe://td/" allows the whole
 * domain), a prefix rule must be a SPIFFE ID followed by one '/'. Refused
 * with IDN_ERR_INVAL naming what is wrong: an empty rule, "spiffe://"
 * alone, no trust domain, a malformed ID (uppercase, port, "//"...).
 */
enum idn_err idn_rule_check(const char *rule, struct idn_status *st);

/* idn_rule_check() of each of n rules; the refusal names the rule. */
enum idn_err idn_rules_check(const char *const *rules, unsigned int n,
			     struct idn_status *st);

#endif /* _X0TTA_SPIFFE_H */
