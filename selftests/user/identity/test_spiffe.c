// SPDX-License-Identifier: GPL-2.0
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

TEST_HARNESS_MAIN
