// SPDX-License-Identifier: GPL-2.0
/*
 * JSON writer and dual-format tables for the CLI. See output.h.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/output.h"

#define OUT_BOLD	"\033[1m"
#define OUT_RESET	"\033[0m"
#define OUT_NUM_MAX	24	/* UINT64_MAX in decimal, with the NUL */

/* ---- JSON writer --------------------------------------------------------- */

void out_json_init(struct out_json *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static size_t out_utf8_len(const unsigned char *s)
{
	uint32_t cp, min;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	/* The terminating NUL is no continuation byte: no overread. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF are invalid. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void out_json_escape_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", f);
		return;
	case '\\':
		fputs("\\\\", f);
		return;
	case '\b':
		fputs("\\b", f);
		return;
	case '\f':
		fputs("\\f", f);
		return;
	case '\n':
		fputs("\\n", f);
		return;
	case '\r':
		fputs("\\r", f);
		return;
	case '\t':
		fputs("\\t", f);
		return;
	}
	if (c < 0x20 || c == 0x7f)
		fprintf(f, "\\u%04x", c);
	else
		fputc(c, f);
}

void out_json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = out_utf8_len(p);

		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (n == 1) {
			out_json_escape_char(f, *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

/*
 * Everything a value needs before it: a comma after a sibling and the
 * member name inside an object. False (and nothing written) on misuse.
 */
static bool out_json_begin(struct out_json *w, const char *key)
{
	bool in_object = w->depth > 0 && w->in_object[w->depth];

	if (w->misuse)
		return false;
	/* A key is required in an object and forbidden elsewhere; one
	 * top-level value per document.
	 */
	if (in_object != (key != NULL) ||
	    (w->depth == 0 && w->need_comma[0])) {
		w->misuse = true;
		return false;
	}
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (key) {
		out_json_escape(w->f, key);
		fputc(':', w->f);
	}
	return true;
}

static void out_json_open(struct out_json *w, const char *key, bool object)
{
	if (w->depth == OUT_JSON_DEPTH_MAX) {
		w->misuse = true;
		return;
	}
	if (!out_json_begin(w, key))
		return;
	w->depth++;
	w->in_object[w->depth] = object;
	w->need_comma[w->depth] = false;
	fputc(object ? '{' : '[', w->f);
}

static void out_json_close(struct out_json *w, bool object)
{
	if (w->misuse)
		return;
	if (w->depth == 0 || w->in_object[w->depth] != object) {
		w->misuse = true;
		return;
	}
	w->depth--;
	fputc(object ? '}' : ']', w->f);
}

void out_json_open_object(struct out_json *w, const char *key)
{
	out_json_open(w, key, true);
}

void out_json_close_object(struct out_json *w)
{
	out_json_close(w, true);
}

void out_json_open_array(struct out_json *w, const char *key)
{
	out_json_open(w, key, false);
}

void out_json_close_array(struct out_json *w)
{
	out_json_close(w, false);
}

void out_json_string(struct out_json *w, const char *key, const char *s)
{
	if (out_json_begin(w, key))
		out_json_escape(w->f, s);
}

void out_json_u64(struct out_json *w, const char *key, uint64_t v)
{
	if (out_json_begin(w, key))
		fprintf(w->f, "%" PRIu64, v);
}

void out_json_s64(struct out_json *w, const char *key, int64_t v)
{
	if (out_json_begin(w, key))
		fprintf(w->f, "%" PRId64, v);
}

void out_json_bool(struct out_json *w, const char *key, bool v)
{
	if (out_json_begin(w, key))
		fputs(v ? "true" : "false", w->f);
}

void out_json_null(struct out_json *w, const char *key)
{
	if (out_json_begin(w, key))
		fputs("null", w->f);
}

int out_json_finish(struct out_json *w)
{
	if (w->misuse || w->depth != 0 || !w->need_comma[0])
		return -EINVAL;
	fputc('\n', w->f);
	if (fflush(w->f) || ferror(w->f))
		return -EIO;
	return 0;
}

/* ---- tables -------------------------------------------------------------- */

void out_table_init(struct out_table *t, const struct out_col *cols,
		    size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void out_table_free(struct out_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++) {
		if (t->cols[i % t->ncols].type == OUT_STR && t->cells[i].set)
			free(t->cells[i].str);
	}
	free(t->cells);
	out_table_init(t, t->cols, t->ncols);
}

int out_table_add_row(struct out_table *t)
{
	struct out_cell *cells;
	size_t cap;

	if (t->nrows == t->cap) {
		cap = t->cap ? 2 * t->cap : 8;
		cells = reallocarray(t->cells, cap * t->ncols, sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0,
	       t->ncols * sizeof(*t->cells));
	t->nrows++;
	return 0;
}

static struct out_cell *out_table_cell(struct out_table *t, size_t row,
				       size_t col, enum out_type type)
{
	if (row >= t->nrows || col >= t->ncols || t->cols[col].type != type)
		return NULL;
	return &t->cells[row * t->ncols + col];
}

int out_table_set_str(struct out_table *t, size_t row, size_t col,
		      const char *s)
{
	struct out_cell *c = out_table_cell(t, row, col, OUT_STR);
	char *copy;

	if (!c)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	if (c->set)
		free(c->str);
	c->str = copy;
	c->set = true;
	return 0;
}

int out_table_set_u64(struct out_table *t, size_t row, size_t col,
		      uint64_t v)
{
	struct out_cell *c = out_table_cell(t, row, col, OUT_U64);

	if (!c)
		return -EINVAL;
	c->u64 = v;
	c->set = true;
	return 0;
}

int out_table_set_bool(struct out_table *t, size_t row, size_t col, bool v)
{
	struct out_cell *c = out_table_cell(t, row, col, OUT_BOOL);

	if (!c)
		return -EINVAL;
	c->b = v;
	c->set = true;
	return 0;
}

int out_table_col(const struct out_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (!strcmp(t->cols[i].name, name))
			return i;
	}
	return -ENOENT;
}

static const struct out_cell *out_cell_at(const struct out_table *t,
					  size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

/*
 * The text of a non-string cell, in @buf. Strings are returned as they
 * are; out_text_put() neutralises control characters when printing.
 */
static const char *out_cell_text(const struct out_col *col,
				 const struct out_cell *c, char *buf,
				 size_t len)
{
	if (!c->set)
		return "-";
	switch (col->type) {
	case OUT_STR:
		return c->str;
	case OUT_U64:
		snprintf(buf, len, "%" PRIu64, c->u64);
		return buf;
	case OUT_BOOL:
		return c->b ? "on" : "off";
	}
	return "?";
}

/*
 * Names come from the kernel and may hold any byte but '/', ':' and
 * spaces: never let one drive the terminal. Width is kept (one '?' per
 * byte) so columns stay aligned.
 */
static void out_text_put(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(iscntrl((unsigned char)*s) ? '?' : *s, f);
}

static void out_text_pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

static void out_text_header(FILE *f, const char *name, bool color)
{
	if (color)
		fputs(OUT_BOLD, f);
	for (const char *p = name; *p; p++)
		fputc(toupper((unsigned char)*p), f);
	if (color)
		fputs(OUT_RESET, f);
}

static size_t out_col_width(const struct out_table *t, size_t col)
{
	size_t w = strlen(t->cols[col].name);
	char buf[OUT_NUM_MAX];

	for (size_t r = 0; r < t->nrows; r++) {
		size_t n = strlen(out_cell_text(&t->cols[col],
						out_cell_at(t, r, col),
						buf, sizeof(buf)));
		if (n > w)
			w = n;
	}
	return w;
}

static void out_text_cell(FILE *f, const char *s, size_t width,
			  bool right, bool last)
{
	size_t n = strlen(s);

	if (right)
		out_text_pad(f, width - n);
	out_text_put(f, s);
	/* No trailing blanks: they upset diff-based tests. */
	if (!right && !last)
		out_text_pad(f, width - n);
}

void out_table_print_text(const struct out_table *t, FILE *f, bool color)
{
	size_t width[t->ncols ? t->ncols : 1];
	char buf[OUT_NUM_MAX];

	for (size_t c = 0; c < t->ncols; c++)
		width[c] = out_col_width(t, c);
	for (size_t c = 0; c < t->ncols; c++) {
		bool right = t->cols[c].type == OUT_U64;
		size_t n = strlen(t->cols[c].name);

		if (c)
			fputs("  ", f);
		if (right)
			out_text_pad(f, width[c] - n);
		out_text_header(f, t->cols[c].name, color);
		if (!right && c + 1 < t->ncols)
			out_text_pad(f, width[c] - n);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = out_cell_text(&t->cols[c],
						      out_cell_at(t, r, c),
						      buf, sizeof(buf));
			if (c)
				fputs("  ", f);
			out_text_cell(f, s, width[c],
				      t->cols[c].type == OUT_U64,
				      c + 1 == t->ncols);
		}
		fputc('\n', f);
	}
}

static void out_cell_json(struct out_json *w, const struct out_col *col,
			  const struct out_cell *c)
{
	if (!c->set) {
		out_json_null(w, col->name);
		return;
	}
	switch (col->type) {
	case OUT_STR:
		out_json_string(w, col->name, c->str);
		break;
	case OUT_U64:
		out_json_u64(w, col->name, c->u64);
		break;
	case OUT_BOOL:
		out_json_bool(w, col->name, c->b);
		break;
	}
}

void out_record_print_json(const struct out_table *t, size_t row,
			   struct out_json *w, const char *key)
{
	out_json_open_object(w, key);
	for (size_t c = 0; c < t->ncols && row < t->nrows; c++)
		out_cell_json(w, &t->cols[c], out_cell_at(t, row, c));
	out_json_close_object(w);
}

void out_table_print_json(const struct out_table *t, struct out_json *w,
			  const char *key)
{
	out_json_open_array(w, key);
	for (size_t r = 0; r < t->nrows; r++)
		out_record_print_json(t, r, w, NULL);
	out_json_close_array(w);
}

void out_record_print_text(const struct out_table *t, size_t row, FILE *f,
			   bool color)
{
	char buf[OUT_NUM_MAX];
	size_t w = 0;

	if (row >= t->nrows)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		if (strlen(t->cols[c].name) > w)
			w = strlen(t->cols[c].name);
	}
	for (size_t c = 0; c < t->ncols; c++) {
		if (color)
			fputs(OUT_BOLD, f);
		fputs(t->cols[c].name, f);
		if (color)
			fputs(OUT_RESET, f);
		out_text_pad(f, w - strlen(t->cols[c].name) + 2);
		out_text_put(f, out_cell_text(&t->cols[c],
					      out_cell_at(t, row, c),
					      buf, sizeof(buf)));
		fputc('\n', f);
	}
}

static int out_flush(FILE *f)
{
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

int out_table_print(const struct out_table *t, FILE *f,
		    const struct out_opts *o)
{
	struct out_json w;

	if (!o->json) {
		out_table_print_text(t, f, o->color);
		return out_flush(f);
	}
	out_json_init(&w, f);
	out_table_print_json(t, &w, NULL);
	return out_json_finish(&w);
}

int out_record_print(const struct out_table *t, FILE *f,
		     const struct out_opts *o)
{
	struct out_json w;

	if (t->nrows == 0)
		return -EINVAL;
	if (!o->json) {
		out_record_print_text(t, 0, f, o->color);
		return out_flush(f);
	}
	out_json_init(&w, f);
	out_record_print_json(t, 0, &w, NULL);
	return out_json_finish(&w);
}
