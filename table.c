/*
 * table.c: values out for people and for other programs: aligned text
 * tables (query's and report's), CSV and tab-separated fields, and JSON
 * strings. One display-width and escape rule for every table and every
 * message that shows stored text (table_escape): a code point is as wide
 * as cp_width says, and control characters (C0, DEL, C1), bidi controls
 * and bytes that are not UTF-8 are shown as escapes (\n, \t, \x1b,
 * \u009b, \u202e, \xff): text the agents stored is untrusted, and a
 * stored escape sequence must never drive the terminal or reorder it.
 * CSV, TSV and JSON stay byte-exact: they are for programs. It reads no
 * database and knows no command; what a cell says is the caller's
 * business (fmt.c has numbers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/* --- display width ---------------------------------------------------------- */

/* Display columns of a code point: 0 for combining marks, 2 for wide ones. */
static int
cp_width(uint32_t c)
{
	static const uint32_t zero[][2] = {
		{ 0x0300, 0x036f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff },
		{ 0x200b, 0x200f }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
		{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};
	size_t i;

	for (i = 0; i < sizeof zero / sizeof *zero; i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (i = 0; i < sizeof wide / sizeof *wide; i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

/* A byte that starts no valid UTF-8 sequence: shown as \xNN. */
#define CP_BAD 0x80000000u

/*
 * The code point at u[i] (at most n - i bytes), in *c; returns its length
 * in bytes. A byte that starts no valid sequence (a lone continuation byte,
 * a cut or overlong sequence) is one byte, CP_BAD | byte: its next bytes
 * are read on their own, so an ESC can never hide inside a bad sequence and
 * be copied out raw.
 */
static size_t
cp_next(const unsigned char *u, size_t i, size_t n, uint32_t *c)
{
	size_t len, k;
	uint32_t min;

	*c = u[i];
	if (*c < 0x80)
		return 1;
	if (*c >= 0xc2 && *c <= 0xdf)
		len = 2, *c &= 0x1f, min = 0x80;
	else if (*c >= 0xe0 && *c <= 0xef)
		len = 3, *c &= 0x0f, min = 0x800;
	else if (*c >= 0xf0 && *c <= 0xf4)
		len = 4, *c &= 0x07, min = 0x10000;
	else
		goto bad;
	if (i + len > n)
		goto bad;
	for (k = 1; k < len; k++) {
		if ((u[i + k] & 0xc0) != 0x80)
			goto bad;
		*c = *c << 6 | (u[i + k] & 0x3f);
	}
	if (*c < min || (*c >= 0xd800 && *c <= 0xdfff) || *c > 0x10ffff)
		goto bad;
	return len;
bad:
	*c = CP_BAD | u[i];
	return 1;
}

/*
 * Whether c is a bidi control: the embeddings and overrides (U+202A..E),
 * the isolates (U+2066..9) and the marks (U+200E, U+200F). Shown raw, they
 * reorder what the terminal prints after them ("Trojan Source").
 */
static int
cp_bidi(uint32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f;
}

/* How code point c is shown: its escape in esc ("" when none); its width. */
static size_t
cp_show(uint32_t c, char esc[8])
{
	esc[0] = '\0';
	if (c & CP_BAD)
		snprintf(esc, 8, "\\x%02x", (unsigned)(c & 0xff));
	else if (c == '\n' || c == '\t' || c == '\r')
		snprintf(esc, 8, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
	else if (c < 0x20 || c == 0x7f)
		snprintf(esc, 8, "\\x%02x", (unsigned)c);
	else if ((c >= 0x80 && c < 0xa0) || cp_bidi(c))
		snprintf(esc, 8, "\\u%04x", (unsigned)(c & 0xffff));  /* all in the BMP */
	return *esc ? strlen(esc) : (size_t)cp_width(c);
}

/*
 * Makes s[0..n) fit for a terminal cell: control characters (C0, DEL,
 * C1), bidi controls and bytes that are not UTF-8 shown as escapes, and
 * past max display columns (max >= 1) cut, with an ellipsis at the end,
 * or with keep_end (a path) at the start. Returns an owned string, its
 * width in *width.
 */
char *
table_fit(const char *s, size_t n, size_t max, int keep_end, size_t *width)
{
	const unsigned char *u = (const unsigned char *)s;
	struct buf b = {0};
	size_t i = 0, len, w = 0, keep = 0, keep_w = 0, tw;
	uint32_t c;
	char esc[8];

	buf_add(&b, "", 0);
	if (keep_end) {
		size_t total = 0;

		for (i = 0; i < n; i += len) {
			len = cp_next(u, i, n, &c);
			total += cp_show(c, esc);
		}
		i = 0;
		if (total > max) {  /* drop from the start until the rest and … fit */
			for (; i < n && total > max - 1; i += len) {
				len = cp_next(u, i, n, &c);
				total -= cp_show(c, esc);
			}
			buf_add(&b, "\xe2\x80\xa6", 3);
			w = 1;
			max = SIZE_MAX;
		}
	}
	for (; i < n; i += len) {
		len = cp_next(u, i, n, &c);
		tw = cp_show(c, esc);
		if (w + tw > max) {
			b.len = keep;
			buf_add(&b, "\xe2\x80\xa6", 3);  /* … */
			w = keep_w + 1;
			break;
		}
		if (*esc)
			buf_add(&b, esc, strlen(esc));
		else
			buf_add(&b, s + i, len);
		w += tw;
		if (w <= max - 1)
			keep = b.len, keep_w = w;
	}
	*width = w;
	return b.data;
}

/*
 * s (NULL is "") as a terminal shows it, nothing cut: the one escape rule
 * of table_fit for text outside tables (messages, summaries, headers).
 * Returns an owned string.
 */
char *
table_escape(const char *s)
{
	size_t w;

	if (s == NULL)
		s = "";
	return table_fit(s, strlen(s), SIZE_MAX, 0, &w);
}

/* --- aligned tables --------------------------------------------------------- */

/* An empty table of ncol columns; its first row is the header. */
void
table_init(struct table *t, int ncol)
{
	memset(t, 0, sizeof *t);
	t->ncol = ncol;
	t->width = xmalloc(sizeof *t->width * (size_t)ncol);
	t->right = xmalloc((size_t)ncol);
	memset(t->width, 0, sizeof *t->width * (size_t)ncol);
	memset(t->right, 0, (size_t)ncol);
}

/* Room for one more cell. */
static struct table_cell *
table_next(struct table *t)
{
	if (t->ncell == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = xrealloc(t->cells, sizeof *t->cells * t->cap);
	}
	return &t->cells[t->ncell++];
}

/*
 * Adds the next cell, left to right, row after row: s[0..n) made fit by
 * table_fit (max, keep_end), shown in color (an escape sequence, borrowed;
 * NULL for none). s NULL is an empty cell.
 */
void
table_add(struct table *t, const char *s, size_t n, size_t max, int keep_end,
    const char *color)
{
	size_t col = t->ncell % (size_t)t->ncol;
	struct table_cell *c = table_next(t);

	c->s = table_fit(s ? s : "", s ? n : 0, max, keep_end, &c->width);
	c->color = color;
	c->rule = 0;
	if (c->width > t->width[col])
		t->width[col] = c->width;
}

/* Adds a row that is a line of dashes under each column. */
void
table_rule(struct table *t)
{
	int i;

	for (i = 0; i < t->ncol; i++) {
		struct table_cell *c = table_next(t);

		memset(c, 0, sizeof *c);
		c->rule = 1;
	}
}

static void
pad(struct buf *b, size_t n, char ch)
{
	while (n--)
		buf_add(b, &ch, 1);
}

/*
 * Prints the table: cells separated by two spaces, right-aligned in the
 * columns marked right, a rule as wide as its column, no trailing blanks;
 * a column is at least one wide. head_style (an escape sequence, or NULL)
 * wraps the header line.
 */
void
table_print(struct table *t, const char *head_style, FILE *out)
{
	struct buf line = {0};
	size_t r, nrow = t->ncell / (size_t)t->ncol;
	int i;

	for (i = 0; i < t->ncol; i++)
		if (t->width[i] == 0)
			t->width[i] = 1;  /* a dash even under an empty name */
	for (r = 0; r < nrow; r++) {
		struct table_cell *row = &t->cells[r * (size_t)t->ncol];

		line.len = 0;
		buf_add(&line, "", 0);
		for (i = 0; i < t->ncol; i++) {
			const struct table_cell *c = &row[i];
			size_t gap = t->width[i] - (c->rule ? t->width[i] : c->width);

			if (i)
				pad(&line, 2, ' ');
			if (t->right[i])
				pad(&line, gap, ' ');
			if (c->rule)
				pad(&line, t->width[i], '-');
			if (c->color)
				buf_add(&line, c->color, strlen(c->color));
			if (c->s)
				buf_add(&line, c->s, strlen(c->s));
			if (c->color)
				buf_add(&line, "\033[0m", 4);
			if (!t->right[i])
				pad(&line, gap, ' ');
		}
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.len--;
		if (r == 0 && head_style)
			fprintf(out, "%s%.*s\033[0m\n", head_style, (int)line.len, line.data);
		else
			fprintf(out, "%.*s\n", (int)line.len, line.data);
	}
	buf_release(&line);
}

void
table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->ncell; i++)
		free(t->cells[i].s);
	free(t->cells);
	free(t->width);
	free(t->right);
	memset(t, 0, sizeof *t);
}

/* --- CSV, tab-separated values, JSON strings ------------------------------- */

/*
 * RFC 4180: quoted when it holds a comma, quote or line break, quotes
 * doubled. An empty string is "" so that it differs from NULL (nothing),
 * as PostgreSQL's CSV does.
 */
void
table_csv_field(const char *s, size_t n, int null, FILE *out)
{
	size_t i;

	if (null)
		return;
	if (n > 0 && strcspn(s, ",\"\r\n") == n) {
		fwrite(s, 1, n, out);
		return;
	}
	putc('"', out);
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', out);
		putc(s[i], out);
	}
	putc('"', out);
}

/* One line per row: tab, line breaks and backslash written \t \n \r \\. */
void
table_tsv_field(const char *s, size_t n, FILE *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\\': fputs("\\\\", out); break;
		default: putc(s[i], out);
		}
	}
}

/* Writes s[0..n), valid UTF-8, as a JSON string. */
void
table_json_string(const char *s, size_t n, FILE *out)
{
	size_t i, run = 0;

	putc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				snprintf(u, sizeof u, "\\u%04x", c);
				esc = u;
			}
		}
		if (esc == NULL)
			continue;
		fwrite(s + run, 1, i - run, out);
		fputs(esc, out);
		run = i + 1;
	}
	fwrite(s + run, 1, n - run, out);
	putc('"', out);
}
