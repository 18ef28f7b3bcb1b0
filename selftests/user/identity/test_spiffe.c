// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "identity/spiffe.h"

static enum idn_err parse(const char *s, struct idn_spiffe_id *id)
{
	struct idn_status st;

	return idn_spiffe_parse(s, strlen(s), id, &st);
}

TEST(spiffe_accepts_node_id_and_splits_domain_and_path)
{
	struct idn_spiffe_id id;

	ASSERT_EQ(IDN_OK, parse("spiffe://mesh.example/node/n-1_a.b", &id));
	EXPECT_STREQ("mesh.example", id.td);
	EXPECT_STREQ("/node/n-1_a.b", idn_spiffe_path(&id));
	EXPECT_STREQ("spiffe://mesh.example/node/n-1_a.b", id.id);
	ASSERT_EQ(IDN_OK, parse("spiffe://td_1-x.y", &id));
	EXPECT_STREQ("", idn_spiffe_path(&id));
	ASSERT_EQ(IDN_OK, parse("spiffe://td/Upper/Case/Path", &id));
}

/* Each of these is a second spelling or a non-SPIFFE URI: all refused. */
TEST(spiffe_refuses_every_malformed_form)
{
	static const char *const bad[] = {
		"", "spiffe:", "spiffe://", "spiffe:///path",
		"SPIFFE://td/a", "Spiffe://td/a", "https://td/a",
		"spiffe:/td/a", "spiffe://TD/a", "spiffe://Td/a",
		"spiffe://td:8080/a", "spiffe://user@td/a",
		"spiffe://td/a?x=1", "spiffe://td/a#frag", "spiffe://td?q",
		"spiffe://td/", "spiffe://td//a", "spiffe://td/a/",
		"spiffe://td/a//b", "spiffe://td/./a", "spiffe://td/a/..",
		"spiffe://td/a/.", "spiffe://td/%41", "spiffe://td/a b",
		"spiffe://td/a+b", "spiffe://td/a~b", "spiffe://t d/a",
		"spiffe://td/\xc3\xa9", "spiffe://[::1]/a",
	};
	struct idn_spiffe_id id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID, parse(bad[i], &id))
			TH_LOG("accepted \"%s\"", bad[i]);
	}
}

TEST(spiffe_refuses_embedded_nul_from_certificate)
{
	static const char s[] = "spiffe://td/a\0evil";
	struct idn_spiffe_id id;
	struct idn_status st;

	ASSERT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_spiffe_parse(s, sizeof(s) - 1, &id, &st));
	EXPECT_NE(NULL, strstr(st.detail, "NUL"));
}

TEST(spiffe_enforces_length_limits)
{
	static char s[IDN_SPIFFE_ID_MAX + 2];
	struct idn_spiffe_id id;
	size_t n;

	/* Trust domain of exactly 255 characters is fine, 256 is not. */
	n = (size_t)sprintf(s, "spiffe://");
	memset(s + n, 'a', IDN_TRUST_DOMAIN_MAX);
	s[n + IDN_TRUST_DOMAIN_MAX] = '\0';
	ASSERT_EQ(IDN_OK, parse(s, &id));
	strcat(s, "a");
	ASSERT_EQ(IDN_ERR_BAD_SPIFFE_ID, parse(s, &id));

	/* Whole ID of exactly 2048 bytes is fine, 2049 is not. */
	n = (size_t)sprintf(s, "spiffe://td/");
	memset(s + n, 'p', IDN_SPIFFE_ID_MAX - n);
	s[IDN_SPIFFE_ID_MAX] = '\0';
	ASSERT_EQ(IDN_OK, parse(s, &id));
	s[IDN_SPIFFE_ID_MAX] = 'p';
	s[IDN_SPIFFE_ID_MAX + 1] = '\0';
	ASSERT_EQ(IDN_ERR_BAD_SPIFFE_ID, parse(s, &id));
}

TEST(spiffe_error_detail_names_the_problem)
{
	struct idn_spiffe_id id;
	struct idn_status st;
	const char *s = "spiffe://td:443/a";

	ASSERT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_spiffe_parse(s, strlen(s), &id, &st));
	EXPECT_NE(NULL, strstr(st.detail, "port"));
}

TEST(authorization_rule_exact_or_segment_prefix)
{
	struct idn_spiffe_id id;

	ASSERT_EQ(IDN_OK, parse("spiffe://td/node/a", &id));
	EXPECT_TRUE(idn_spiffe_match("spiffe://td/node/a", &id));
	EXPECT_TRUE(idn_spiffe_match("spiffe://td/node/", &id));
	EXPECT_TRUE(idn_spiffe_match("spiffe://td/", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://td/node/ab", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://td/node", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://td/node/a/", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://other/node/", &id));
	EXPECT_FALSE(idn_spiffe_match("", &id));

	/* A prefix must end on a segment boundary, not mid-name. */
	ASSERT_EQ(IDN_OK, parse("spiffe://td/nodes/a", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://td/node/", &id));
	/* "spiffe://td/" must not match the trust domain ID itself. */
	ASSERT_EQ(IDN_OK, parse("spiffe://td", &id));
	EXPECT_FALSE(idn_spiffe_match("spiffe://td/", &id));
}

TEST(trust_domain_check_for_cli_input)
{
	struct idn_status st;

	EXPECT_EQ(IDN_OK, idn_trust_domain_check("mesh.example", &st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_trust_domain_check("Mesh.example", &st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID, idn_trust_domain_check("", &st));
	EXPECT_EQ(IDN_ERR_BAD_SPIFFE_ID,
		  idn_trust_domain_check("mesh/x", &st));
}

/* Rules an operator means: each matches some SVID, so all are accepted. */
TEST(authorization_rules_that_can_match_are_accepted)
{
	static const char *const good[] = {
		"spiffe://mesh.example/node/n1", "spiffe://mesh.example/node/",
		"spiffe://mesh.example/", "spiffe://td/Upper/Case/",
	};
	struct idn_status st;

	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_EQ(IDN_OK, idn_rule_check(good[i], &st))
			TH_LOG("%s: %s", good[i], st.detail);
	}
	EXPECT_EQ(IDN_OK, idn_rules_check(good, 4, &st));
	/* No rule at all authorizes no one, which is meaningful. */
	EXPECT_EQ(IDN_OK, idn_rules_check(NULL, 0, &st));
}

/*
 * A rule that can match no SVID would lock every peer out without a
 * word; each is refused when configured, with the reason.
 */
TEST(authorization_rules_that_match_no_one_are_refused)
{
	static const struct {
		const char *rule, *why;
	} bad[] = {
		{ "", "empty" },
		{ "spiffe://", "no trust domain" },
		{ "spiffe:///node/", "trust domain is empty" },
		{ "spiffe:///", "trust domain is empty" },
		{ "/node/n1", "not a SPIFFE ID" },
		{ "mesh.example/node/", "not a SPIFFE ID" },
		{ "spiffe://mesh.example", "names a trust domain" },
		{ "spiffe://Mesh.example/node/", "lowercase" },
		{ "spiffe://mesh.example:8443/node/n1", "ports" },
		{ "spiffe://mesh.example//", "empty path segment" },
		{ "spiffe://mesh.example/node//", "empty path segment" },
		{ "spiffe://mesh.example/node/*", "character 0x2a" },
		{ "spiffe://mesh.example/node/../", "'..'" },
		{ "spiffe://mesh.example/node/n1 ", "character 0x20" },
	};
	struct idn_status st;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(IDN_ERR_INVAL, idn_rule_check(bad[i].rule, &st))
			TH_LOG("accepted \"%s\"", bad[i].rule);
		EXPECT_NE(NULL, strstr(st.detail, bad[i].why))
			TH_LOG("\"%s\": %s", bad[i].rule, st.detail);
	}
}

/* A prefix as long as the longest ID can have nothing below it. */
TEST(authorization_prefix_rule_needs_room_for_an_id_below_it)
{
	static char rule[IDN_SPIFFE_ID_MAX + 1];
	struct idn_status st;
	size_t len;

	strcpy(rule, "spiffe://td/");
	len = strlen(rule);
	memset(rule + len, 'a', IDN_SPIFFE_ID_MAX - len - 2);
	strcpy(rule + IDN_SPIFFE_ID_MAX - 2, "/");
	/* 2047 bytes: "spiffe://td/aaa...a/b" fits in 2048. */
	EXPECT_EQ(IDN_OK, idn_rule_check(rule, &st)) TH_LOG("%s", st.detail);
	rule[IDN_SPIFFE_ID_MAX - 2] = 'a';
	strcpy(rule + IDN_SPIFFE_ID_MAX - 1, "/");
	EXPECT_EQ(IDN_ERR_INVAL, idn_rule_check(rule, &st));
	EXPECT_NE(NULL, strstr(st.detail, "no room")) TH_LOG("%s", st.detail);
}

TEST(authorization_rule_list_refusal_names_the_rule)
{
	const char *rules[] = { "spiffe://td/node/", "spiffe://", NULL };
	struct idn_status st;

	EXPECT_EQ(IDN_ERR_INVAL, idn_rules_check(rules, 2, &st));
	EXPECT_NE(NULL, strstr(st.detail, "rule 2")) TH_LOG("%s", st.detail);
	EXPECT_EQ(IDN_ERR_INVAL, idn_rules_check(rules, 3, &st));
	EXPECT_EQ(IDN_ERR_INVAL, idn_rules_check(NULL, 1, &st));
	rules[1] = NULL;
	EXPECT_EQ(IDN_ERR_INVAL, idn_rules_check(rules, 2, &st));
	EXPECT_NE(NULL, strstr(st.detail, "rule 2 is missing"))
		TH_LOG("%s", st.detail);
}

/*
 * Operators look refusals up by name in Documentation/identity.rst; a
 * code added without its entry there leaves them guessing.
 */
TEST(every_error_name_is_documented)
{
	FILE *f = fopen("Documentation/identity.rst", "r");
	char *doc = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		SKIP(return, "run from the repository root");
	len = getdelim(&doc, &cap, '\0', f);
	fclose(f);
	ASSERT_LT(0, len);
	for (int e = IDN_ERR_NOMEM; e < IDN_ERR__MAX; e++) {
		char quoted[64];

		snprintf(quoted, sizeof(quoted), "``%s``", idn_errname(e));
		EXPECT_NE(NULL, strstr(doc, quoted)) TH_LOG("%s", quoted);
	}
	free(doc);
}

TEST_HARNESS_MAIN
