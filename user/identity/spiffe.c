// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "identity/spiffe.h"

static const char idn_spiffe_scheme[] = "spiffe://";

static bool idn_td_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static bool idn_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Name the character a user most likely got wrong, for the message. */
static const char *idn_char_hint(char c)
{
	switch (c) {
	case ':':
		return " (ports are not allowed)";
	case '@':
		return " (userinfo is not allowed)";
	case '?':
		return " (query is not allowed)";
	case '#':
		return " (fragment is not allowed)";
	case '%':
		return " (percent-encoding is not allowed)";
	default:
		if (c >= 'A' && c <= 'Z')
			return " (trust domain must be lowercase)";
		return "";
	}
}

static enum idn_err idn_td_check(const char *td, size_t len,
				 struct idn_status *st)
{
	if (len == 0)
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"trust domain is empty");
	if (len > IDN_TRUST_DOMAIN_MAX)
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"trust domain longer than %d characters",
				IDN_TRUST_DOMAIN_MAX);
	for (size_t i = 0; i < len; i++) {
		if (!idn_td_char(td[i]))
			return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
					"character 0x%02x in trust domain%s",
					(unsigned char)td[i],
					idn_char_hint(td[i]));
	}
	return IDN_OK;
}

static enum idn_err idn_segment_check(const char *seg, size_t len,
				      struct idn_status *st)
{
	if (len == 0)
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"empty path segment (double or trailing '/')");
	if ((len == 1 && seg[0] == '.') ||
	    (len == 2 && seg[0] == '.' && seg[1] == '.'))
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"'.' or '..' path segment");
	for (size_t i = 0; i < len; i++) {
		if (!idn_path_char(seg[i]))
			return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
					"character 0x%02x in path%s",
					(unsigned char)seg[i],
					idn_char_hint(seg[i]));
	}
	return IDN_OK;
}

/* path is "" or starts with '/'; every segment after a '/' is checked. */
static enum idn_err idn_path_check(const char *path, size_t len,
				   struct idn_status *st)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i + 1, end = start;
		enum idn_err err;

		while (end < len && path[end] != '/')
			end++;
		err = idn_segment_check(path + start, end - start, st);
		if (err)
			return err;
		i = end;
	}
	return IDN_OK;
}

enum idn_err idn_spiffe_parse(const char *s, size_t len,
			      struct idn_spiffe_id *out,
			      struct idn_status *st)
{
	size_t slen = sizeof(idn_spiffe_scheme) - 1;
	const char *td, *slash;
	size_t tdlen;
	enum idn_err err;

	if (len > IDN_SPIFFE_ID_MAX)
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"longer than %d bytes", IDN_SPIFFE_ID_MAX);
	if (memchr(s, '\0', len))
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"contains a NUL byte");
	/* The scheme is compared case-sensitively, as the spec requires. */
	if (len < slen || memcmp(s, idn_spiffe_scheme, slen) != 0)
		return idn_fail(st, IDN_ERR_BAD_SPIFFE_ID,
				"scheme is not \"spiffe://\"");
	td = s + slen;
	slash = memchr(td, '/', len - slen);
	tdlen = slash ? (size_t)(slash - td) : len - slen;
	err = idn_td_check(td, tdlen, st);
	if (err)
		return err;
	err = idn_path_check(td + tdlen, len - slen - tdlen, st);
	if (err)
		return err;

	memcpy(out->id, s, len);
	out->id[len] = '\0';
	memcpy(out->td, td, tdlen);
	out->td[tdlen] = '\0';
	out->path_off = slen + tdlen;
	return idn_ok(st);
}

const char *idn_spiffe_path(const struct idn_spiffe_id *id)
{
	return id->id + id->path_off;
}

enum idn_err idn_trust_domain_check(const char *td, struct idn_status *st)
{
	enum idn_err err = idn_td_check(td, strlen(td), st);

	return err ? err : idn_ok(st);
}

bool idn_spiffe_match(const char *rule, const struct idn_spiffe_id *id)
{
	size_t rlen = strlen(rule);

	if (rlen == 0)
		return false;
	if (rule[rlen - 1] != '/')
		return strcmp(rule, id->id) == 0;
	/* A valid ID never ends in '/', so this prefix ends on a segment. */
	return strncmp(rule, id->id, rlen) == 0 && id->id[rlen] != '\0';
}

enum idn_err idn_rule_check(const char *rule, struct idn_status *st)
{
	size_t len = strlen(rule);
	struct idn_spiffe_id id;
	struct idn_status why;
	bool prefix;

	if (len == 0)
		return idn_fail(st, IDN_ERR_INVAL,
				"empty authorization rule matches no one");
	if (strcmp(rule, idn_spiffe_scheme) == 0)
		return idn_fail(st, IDN_ERR_INVAL, "authorization rule "
				"\"spiffe://\" alone names no trust domain");
	prefix = rule[len - 1] == '/';
	/* What a prefix matches has at least one more character. */
	if (prefix && len >= IDN_SPIFFE_ID_MAX)
		return idn_fail(st, IDN_ERR_INVAL, "authorization rule of %zu "
				"bytes leaves no room for an ID below it (IDs "
				"have at most %d)", len, IDN_SPIFFE_ID_MAX);
	if (idn_spiffe_parse(rule, len - prefix, &id, &why))
		return idn_fail(st, IDN_ERR_INVAL, "authorization rule \"%s\" "
				"is not a SPIFFE ID%s: %s", rule,
				prefix ? " followed by '/'" : "", why.detail);
	if (!prefix && idn_spiffe_path(&id)[0] == '\0')
		return idn_fail(st, IDN_ERR_INVAL, "authorization rule \"%s\" "
				"names a trust domain, which no SVID has: write "
				"\"%s/\" to allow all of its IDs", id.id, id.id);
	return idn_ok(st);
}

enum idn_err idn_rules_check(const char *const *rules, unsigned int n,
			     struct idn_status *st)
{
	char msg[IDN_DETAIL_MAX];

	if (n && !rules)
		return idn_fail(st, IDN_ERR_INVAL, "%u authorization rules "
				"announced, none given", n);
	for (unsigned int i = 0; i < n; i++) {
		struct idn_status one;

		if (!rules[i])
			return idn_fail(st, IDN_ERR_INVAL,
					"authorization rule %u is missing",
					i + 1);
		if (idn_rule_check(rules[i], &one) == IDN_OK)
			continue;
		snprintf(msg, sizeof(msg), "%s", one.detail);
		return idn_fail(st, IDN_ERR_INVAL, "rule %u: %s", i + 1, msg);
	}
	return idn_ok(st);
}
