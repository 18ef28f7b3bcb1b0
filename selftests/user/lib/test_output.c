// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/output.h"

/* Output goes to memory so each test can compare the exact text. */
FIXTURE(mem)
{
	char *buf;
	size_t len;
	FILE *f;
	struct out_json w;
};

static FIXTURE_SETUP(mem)
{
	self->f = open_memstream(&self->buf, &self->len);
	ASSERT_NE(NULL, self->f);
	out_json_init(&self->w, self->f);
}

static FIXTURE_TEARDOWN(mem)
{
	fclose(self->f);
	free(self->buf);
}

static const char *mem_text(FILE *f, char **buf)
{
	fflush(f);
	return *buf;
}

TEST_F(mem, json_escapes_quotes_backslashes_and_control_characters)
{
	out_json_string(&self->w, NULL, "a\"b\\c\n\t\x01\x1f\x7f/");
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f/\"\n",
		     mem_text(self->f, &self->buf));
}

TEST_F(mem, json_keeps_valid_utf8_and_replaces_invalid_bytes)
{
	/* é, €, 😀 are valid; a lone continuation byte, a truncated
	 * sequence, an overlong '/' and a surrogate are not.
	 */
	out_json_string(&self->w, NULL,
			"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xe2\x82|"
			"\xc0\xaf|\xed\xa0\x80");
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\ufffd|"
		     "\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"\n",
		     mem_text(self->f, &self->buf));
}

TEST_F(mem, json_nests_objects_and_arrays_with_commas)
{
	out_json_open_object(&self->w, NULL);
	out_json_string(&self->w, "name", "bat0");
	out_json_open_array(&self->w, "list");
	out_json_u64(&self->w, NULL, 1);
	out_json_open_object(&self->w, NULL);
	out_json_close_object(&self->w);
	out_json_open_array(&self->w, NULL);
	out_json_close_array(&self->w);
	out_json_null(&self->w, NULL);
	out_json_close_array(&self->w);
	out_json_bool(&self->w, "on", true);
	out_json_bool(&self->w, "off", false);
	out_json_close_object(&self->w);
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("{\"name\":\"bat0\",\"list\":[1,{},[],null],"
		     "\"on\":true,\"off\":false}\n",
		     mem_text(self->f, &self->buf));
}

TEST_F(mem, json_numbers_cover_the_full_64_bit_range)
{
	out_json_open_array(&self->w, NULL);
	out_json_u64(&self->w, NULL, UINT64_MAX);
	out_json_u64(&self->w, NULL, 0);
	out_json_s64(&self->w, NULL, INT64_MIN);
	out_json_close_array(&self->w);
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("[18446744073709551615,0,-9223372036854775808]\n",
		     mem_text(self->f, &self->buf));
}

TEST_F(mem, json_escapes_member_names_too)
{
	out_json_open_object(&self->w, NULL);
	out_json_u64(&self->w, "a\"b", 1);
	out_json_close_object(&self->w);
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("{\"a\\\"b\":1}\n", mem_text(self->f, &self->buf));
}

TEST_F(mem, json_misuse_is_reported_not_printed_as_valid)
{
	out_json_open_array(&self->w, NULL);
	out_json_u64(&self->w, "key_in_array", 1);
	out_json_close_array(&self->w);
	EXPECT_EQ(-EINVAL, out_json_finish(&self->w));
}

TEST_F(mem, json_unbalanced_or_empty_document_is_refused)
{
	struct out_json w2;

	out_json_open_object(&self->w, NULL);
	EXPECT_EQ(-EINVAL, out_json_finish(&self->w));

	out_json_init(&w2, self->f);
	EXPECT_EQ(-EINVAL, out_json_finish(&w2));

	out_json_init(&w2, self->f);
	out_json_close_array(&w2);
	EXPECT_EQ(-EINVAL, out_json_finish(&w2));
}

TEST_F(mem, json_refuses_nesting_beyond_the_limit)
{
	for (int i = 0; i <= OUT_JSON_DEPTH_MAX; i++)
		out_json_open_array(&self->w, NULL);
	EXPECT_EQ(-EINVAL, out_json_finish(&self->w));
}

static const struct out_col test_cols[] = {
	{ .name = "ifname", .type = OUT_STR },
	{ .name = "frames", .type = OUT_U64 },
	{ .name = "multipath", .type = OUT_BOOL },
	{ .name = "mesh", .type = OUT_STR },
};

static void fill_two_rows(struct __test_metadata *_metadata,
			  struct out_table *t)
{
	out_table_init(t, test_cols, 4);
	ASSERT_EQ(0, out_table_add_row(t));
	ASSERT_EQ(0, out_table_set_str(t, 0, 0, "eth0"));
	ASSERT_EQ(0, out_table_set_u64(t, 0, 1, 7));
	ASSERT_EQ(0, out_table_set_bool(t, 0, 2, true));
	ASSERT_EQ(0, out_table_set_str(t, 0, 3, "bat0"));
	ASSERT_EQ(0, out_table_add_row(t));
	ASSERT_EQ(0, out_table_set_str(t, 1, 0, "wlan-long0"));
	ASSERT_EQ(0, out_table_set_u64(t, 1, 1, 1234567));
	ASSERT_EQ(0, out_table_set_bool(t, 1, 2, false));
}

TEST_F(mem, table_text_aligns_columns_and_marks_unset_cells)
{
	struct out_table t;

	fill_two_rows(_metadata, &t);
	out_table_print_text(&t, self->f, false);
	EXPECT_STREQ("IFNAME       FRAMES  MULTIPATH  MESH\n"
		     "eth0              7  on         bat0\n"
		     "wlan-long0  1234567  off        -\n",
		     mem_text(self->f, &self->buf));
	out_table_free(&t);
}

TEST_F(mem, table_json_has_the_same_columns_as_text)
{
	struct out_table t;
	struct out_opts o = { .json = true };

	fill_two_rows(_metadata, &t);
	ASSERT_EQ(0, out_table_print(&t, self->f, &o));
	EXPECT_STREQ("[{\"ifname\":\"eth0\",\"frames\":7,\"multipath\":true,"
		     "\"mesh\":\"bat0\"},{\"ifname\":\"wlan-long0\","
		     "\"frames\":1234567,\"multipath\":false,\"mesh\":null}]\n",
		     mem_text(self->f, &self->buf));
	out_table_free(&t);
}

TEST_F(mem, empty_table_prints_header_only_or_empty_array)
{
	struct out_table t;
	struct out_opts o = { .json = true };

	out_table_init(&t, test_cols, 2);
	out_table_print_text(&t, self->f, false);
	ASSERT_EQ(0, out_table_print(&t, self->f, &o));
	EXPECT_STREQ("IFNAME  FRAMES\n[]\n", mem_text(self->f, &self->buf));
}

TEST_F(mem, record_prints_key_value_lines_or_one_object)
{
	struct out_table t;
	struct out_opts o = { .json = true };

	fill_two_rows(_metadata, &t);
	out_record_print_text(&t, 1, self->f, false);
	out_record_print_json(&t, 0, &self->w, NULL);
	ASSERT_EQ(0, out_json_finish(&self->w));
	EXPECT_STREQ("ifname     wlan-long0\n"
		     "frames     1234567\n"
		     "multipath  off\n"
		     "mesh       -\n"
		     "{\"ifname\":\"eth0\",\"frames\":7,\"multipath\":true,"
		     "\"mesh\":\"bat0\"}\n",
		     mem_text(self->f, &self->buf));
	EXPECT_EQ(0, out_record_print(&t, self->f, &o));
	out_table_free(&t);
}

TEST_F(mem, color_only_adds_bold_around_headers)
{
	struct out_table t;

	out_table_init(&t, test_cols, 2);
	ASSERT_EQ(0, out_table_add_row(&t));
	ASSERT_EQ(0, out_table_set_str(&t, 0, 0, "eth0"));
	ASSERT_EQ(0, out_table_set_u64(&t, 0, 1, 1));
	out_table_print_text(&t, self->f, true);
	EXPECT_STREQ("\033[1mIFNAME\033[0m  \033[1mFRAMES\033[0m\n"
		     "eth0         1\n", mem_text(self->f, &self->buf));
	out_table_free(&t);
}

TEST_F(mem, text_never_passes_control_characters_to_the_terminal)
{
	struct out_table t;

	out_table_init(&t, test_cols, 1);
	ASSERT_EQ(0, out_table_add_row(&t));
	ASSERT_EQ(0, out_table_set_str(&t, 0, 0, "ev\033[2Jil"));
	out_table_print_text(&t, self->f, false);
	EXPECT_STREQ("IFNAME\nev?[2Jil\n", mem_text(self->f, &self->buf));
	out_table_free(&t);
}

TEST(table_refuses_values_of_the_wrong_type_or_place)
{
	struct out_table t;

	out_table_init(&t, test_cols, 4);
	ASSERT_EQ(0, out_table_add_row(&t));
	EXPECT_EQ(-EINVAL, out_table_set_u64(&t, 0, 0, 1));
	EXPECT_EQ(-EINVAL, out_table_set_str(&t, 0, 1, "x"));
	EXPECT_EQ(-EINVAL, out_table_set_bool(&t, 0, 1, true));
	EXPECT_EQ(-EINVAL, out_table_set_u64(&t, 1, 1, 1));
	EXPECT_EQ(-EINVAL, out_table_set_u64(&t, 0, 4, 1));
	EXPECT_FALSE(t.cells[0].set);
	EXPECT_FALSE(t.cells[1].set);
	EXPECT_EQ(2, out_table_col(&t, "multipath"));
	EXPECT_EQ(-ENOENT, out_table_col(&t, "nope"));
	out_table_free(&t);
}

TEST(table_grows_and_keeps_every_row)
{
	struct out_table t;

	out_table_init(&t, test_cols, 4);
	for (int i = 0; i < 1000; i++) {
		ASSERT_EQ(0, out_table_add_row(&t));
		ASSERT_EQ(0, out_table_set_u64(&t, i, 1, i));
		ASSERT_EQ(0, out_table_set_str(&t, i, 0, "x"));
		/* Overwriting a string must not leak the old one. */
		ASSERT_EQ(0, out_table_set_str(&t, i, 0, "y"));
	}
	ASSERT_EQ(1000, t.nrows);
	for (int i = 0; i < 1000; i++) {
		ASSERT_EQ((uint64_t)i, t.cells[i * 4 + 1].u64);
		ASSERT_STREQ("y", t.cells[i * 4].str);
	}
	out_table_free(&t);
}

TEST_HARNESS_MAIN
