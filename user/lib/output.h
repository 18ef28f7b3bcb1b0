/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X0TTA_OUTPUT_H
#define _X0TTA_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Output for the CLI: a JSON writer, and tables whose columns are
 * described once ({name, type}) and printed either for people (aligned
 * columns, or "key value" lines for a single record) or as JSON (`-j`),
 * so the two can never disagree about what is shown.
 */

/* ---- JSON writer --------------------------------------------------------- */

#define OUT_JSON_DEPTH_MAX	16

/*
 * Compact JSON, one document per out_json_init()/out_json_finish(). Every
 * call takes the member name @key when the current container is an object
 * and NULL when it is an array or at the top level; misuse (a key where
 * none belongs, unbalanced closes, nesting too deep) is remembered and
 * reported by out_json_finish() rather than printed as broken JSON.
 */
struct out_json {
	FILE *f;
	unsigned int depth;
	bool in_object[OUT_JSON_DEPTH_MAX + 1];
	bool need_comma[OUT_JSON_DEPTH_MAX + 1];
	bool misuse;
};

void out_json_init(struct out_json *w, FILE *f);
void out_json_open_object(struct out_json *w, const char *key);
void out_json_close_object(struct out_json *w);
void out_json_open_array(struct out_json *w, const char *key);
void out_json_close_array(struct out_json *w);
void out_json_string(struct out_json *w, const char *key, const char *s);
void out_json_u64(struct out_json *w, const char *key, uint64_t v);
void out_json_s64(struct out_json *w, const char *key, int64_t v);
void out_json_bool(struct out_json *w, const char *key, bool v);
void out_json_null(struct out_json *w, const char *key);
/* Ends the document with a newline. 0, -EINVAL on misuse, -EIO. */
int out_json_finish(struct out_json *w);

/*
 * Write @s as a JSON string literal: quotes, backslashes and control
 * characters escaped, bytes that are not valid UTF-8 (interface names
 * are arbitrary bytes) replaced by U+FFFD so the document stays valid.
 */
void out_json_escape(FILE *f, const char *s);

/* ---- tables -------------------------------------------------------------- */

enum out_type {
	OUT_STR,	/* text: as is, left-aligned */
	OUT_U64,	/* text: decimal, right-aligned */
	OUT_BOOL,	/* text: on/off; JSON: true/false */
};

/*
 * A column: @name is the JSON member name and, in upper case, the text
 * header. A cell never set prints as "-" in text and null in JSON.
 * @attr is free for the caller, typically the netlink attribute the
 * column shows, so that one table drives parsing, printing and naming
 * (batctl's attribute -> {name, printer} table); 0 means none.
 */
struct out_col {
	const char *name;
	enum out_type type;
	unsigned int attr;
};

struct out_cell {
	bool set;
	union {
		char *str;
		uint64_t u64;
		bool b;
	};
};

struct out_table {
	const struct out_col *cols;
	size_t ncols;
	size_t nrows;
	size_t cap;
	struct out_cell *cells;	/* nrows * ncols, row-major */
};

struct out_opts {
	bool json;
	bool color;	/* text only: bold headers; only set for a terminal */
};

void out_table_init(struct out_table *t, const struct out_col *cols,
		    size_t ncols);
void out_table_free(struct out_table *t);
/* Append a row with every cell unset. 0 or -ENOMEM. */
int out_table_add_row(struct out_table *t);
/*
 * Set a cell of row @row; the value's type must match the column's
 * (-EINVAL otherwise, nothing changed). Strings are copied.
 */
int out_table_set_str(struct out_table *t, size_t row, size_t col,
		      const char *s);
int out_table_set_u64(struct out_table *t, size_t row, size_t col,
		      uint64_t v);
int out_table_set_bool(struct out_table *t, size_t row, size_t col, bool v);
/* Column index by name, or -ENOENT. */
int out_table_col(const struct out_table *t, const char *name);

/*
 * Text: a header line and aligned columns, two spaces apart.
 * JSON: an array of objects, one per row, members in column order, as
 * the member @key of the current object (or NULL in an array/top level).
 */
void out_table_print_text(const struct out_table *t, FILE *f, bool color);
void out_table_print_json(const struct out_table *t, struct out_json *w,
			  const char *key);

/*
 * One row as a record. Text: "name  value" lines with the names padded
 * to one width. JSON: an object, member @key as above.
 */
void out_record_print_text(const struct out_table *t, size_t row, FILE *f,
			   bool color);
void out_record_print_json(const struct out_table *t, size_t row,
			   struct out_json *w, const char *key);

/*
 * Whole documents for the common cases: the table (or its row 0 as a
 * record) in the chosen format. Returns 0 or -errno (-EIO on a write
 * error, so a full disk or closed pipe is not silent).
 */
int out_table_print(const struct out_table *t, FILE *f,
		    const struct out_opts *o);
int out_record_print(const struct out_table *t, FILE *f,
		     const struct out_opts *o);

#endif /* _X0TTA_OUTPUT_H */
