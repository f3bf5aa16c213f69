/*
 * query.c: `clankers query SQL`, read-only SQL over the database, its rows
 * printed as an aligned table, tab-separated values, CSV, JSON or NDJSON.
 *
 * The guard is SQLite's, not a keyword list: the database is opened
 * SQLITE_OPEN_READONLY with PRAGMA query_only, and every statement is
 * prepared, and checked with sqlite3_stmt_readonly, before the first one
 * runs, so a run with one writing statement runs nothing. An authorizer
 * refuses what sqlite3_stmt_readonly lets through because it changes the
 * connection, not the file: ATTACH, DETACH and turning query_only off. It
 * lets one read through that sqlite3_stmt_readonly calls a write, PRAGMA
 * journal_mode with no value (a question, answered without writing). No
 * SQL function is registered.
 *
 * Memory stays bounded by a batch of rows, not by the result: the table is
 * printed TABLE_BATCH rows at a time (a column only widens from one batch
 * to the next), the other formats row by row. --timeout stops a statement
 * that runs too long (a progress handler), with a message and exit 1.
 *
 * It never creates the database or changes the schema, and writes no log
 * line: what it has to say goes to stderr.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clankers.h"

#define QUERY_BUSY_MS 5000  /* a writer's transaction is milliseconds long */
#define CELL_MAX 60         /* display columns of a table cell, … included */
#define SHOW_SQL 80         /* bytes of a refused statement quoted back */
#define TABLE_BATCH 1000    /* rows of the table held at once */
#define PROGRESS_OPS 10000  /* VM steps between two looks at the clock */

enum format { FMT_TABLE, FMT_TSV, FMT_CSV, FMT_JSON, FMT_NDJSON };

static const char *const format_names[] = {
	"table", "tsv", "csv", "json", "ndjson"
};

struct query {
	sqlite3 *h;             /* owned */
	const char *path;       /* borrowed: ctx->db_path */
	sqlite3_stmt **st;      /* owned, each finalized by query_release */
	int nst;
	int refused;            /* authorizer action denied in the last prepare */
	int pragma_read;        /* the last prepare was a pragma that only reads */
	enum format fmt;
	int64_t deadline_us;    /* mono_us() past which a statement stops; 0: none */
	int timed_out;          /* the progress handler stopped one */
};

/* One column of a result, as the text formats and the table need it. */
struct column {
	char *name;             /* owned; valid UTF-8 */
	char *key;              /* owned; JSON key: name, made unique */
};

static void
query_usage(FILE *f)
{
	fputs("usage: clankers query [--format table|tsv|csv|json|ndjson] "
	    "[--timeout SECONDS] SQL\n"
	    "       (SQL '-' reads it from stdin; see 'clankers help query')\n", f);
}

static void
query_release(struct query *q)
{
	int i;

	for (i = 0; i < q->nst; i++)
		sqlite3_finalize(q->st[i]);
	free(q->st);
	if (q->h)
		sqlite3_close(q->h);
	memset(q, 0, sizeof *q);
}

/*
 * Refuses, while a statement is prepared, what changes the connection
 * rather than the file (sqlite3_stmt_readonly says yes to it): ATTACH
 * would open another file, DETACH and query_only undo our set-up.
 */
static int
query_auth(void *arg, int action, const char *a, const char *b,
    const char *dbname, const char *trigger)
{
	struct query *q = arg;

	(void)dbname, (void)trigger;
	/* The journal mode asked, not set: sqlite3_stmt_readonly says write. */
	if (action == SQLITE_PRAGMA && a && b == NULL &&
	    strcasecmp(a, "journal_mode") == 0)
		q->pragma_read = 1;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH ||
	    (action == SQLITE_PRAGMA && a && b && strcasecmp(a, "query_only") == 0)) {
		q->refused = action;
		return SQLITE_DENY;
	}
	return SQLITE_OK;
}

/* --- text of values ------------------------------------------------------ */

/*
 * The shortest %g that reads back as the same double, with ".0" added to
 * a whole number so that a REAL stays a REAL to whoever reads it back.
 */
static void
real_text(double v, char out[40])
{
	int prec;

	if (isinf(v)) {
		strcpy(out, v > 0 ? "Inf" : "-Inf");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(out, 40, "%.17g", v);
	if (strpbrk(out, ".eEn") == NULL)
		strcat(out, ".0");
}

/*
 * Appends the text of column i of the current row: nothing for NULL,
 * decimal for numbers, hex digits for a blob, and text as valid UTF-8
 * (invalid bytes and NUL become U+FFFD). Returns the column's type.
 */
static int
value_text(sqlite3_stmt *st, int i, struct buf *b)
{
	static const char hex[] = "0123456789abcdef";
	int type = sqlite3_column_type(st, i);
	char num[40];

	switch (type) {
	case SQLITE_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
		buf_add(b, num, strlen(num));
		break;
	case SQLITE_FLOAT:
		real_text(sqlite3_column_double(st, i), num);
		buf_add(b, num, strlen(num));
		break;
	case SQLITE_BLOB: {
		const unsigned char *p = sqlite3_column_blob(st, i);
		size_t j, n = (size_t)sqlite3_column_bytes(st, i);

		buf_grow(b, 2 * n);
		for (j = 0; j < n; j++) {
			b->data[b->len++] = hex[p[j] >> 4];
			b->data[b->len++] = hex[p[j] & 15];
		}
		b->data[b->len] = '\0';
		break;
	}
	case SQLITE_TEXT: {
		const char *s = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i), m;
		char *clean = s ? utf8_clean(s, n, &m) : NULL;

		if (clean) {
			buf_add(b, clean, m);
			free(clean);
		} else if (s) {
			buf_add(b, s, n);
		}
		break;
	}
	}
	if (b->data == NULL)
		buf_add(b, "", 0);
	return type;
}

/* A column or statement text as valid UTF-8; owned. */
static char *
clean_dup(const char *s)
{
	size_t n;
	char *c;

	if (s == NULL)
		return xstrdup("");
	c = utf8_clean(s, strlen(s), &n);
	return c ? c : xstrdup(s);
}

/*
 * Text for a message on stderr: valid UTF-8 (U+FFFD for bad bytes, as the
 * outputs have), control characters escaped (table.c): SQL and SQLite's
 * messages quote what the user typed and what the database holds. Owned.
 */
static char *
msg_dup(const char *s)
{
	char *c = clean_dup(s), *e = table_escape(c);

	free(c);
	return e;
}

/* --- JSON ---------------------------------------------------------------- */

/* Writes the current row as one compact JSON object. */
static void
json_row(sqlite3_stmt *st, const struct column *cols, int ncol, struct buf *b,
    FILE *out)
{
	int i, type;

	putc('{', out);
	for (i = 0; i < ncol; i++) {
		if (i)
			putc(',', out);
		table_json_string(cols[i].key, strlen(cols[i].key), out);
		putc(':', out);
		b->len = 0;
		type = value_text(st, i, b);
		if (type == SQLITE_NULL ||
		    (type == SQLITE_FLOAT && !isfinite(sqlite3_column_double(st, i))))
			fputs("null", out);  /* JSON has no infinity */
		else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
			fwrite(b->data, 1, b->len, out);
		else
			table_json_string(b->data, b->len, out);
	}
	putc('}', out);
}

/* --- the table -------------------------------------------------------------- */

/*
 * Prints the table in batches of TABLE_BATCH rows, so that memory is
 * bounded by a batch whatever the result: the header and the first batch
 * are aligned together, each later batch with the widths seen so far (a
 * column only widens, so a later batch can stand a little to the right).
 * Each cell is at most CELL_MAX columns; a column whose values are all
 * numbers (NULL aside), so far, is aligned right. Returns SQLITE_DONE or
 * the error of sqlite3_step; on an error in the first batch nothing is
 * printed.
 */
static int
query_table(sqlite3_stmt *st, struct column *cols, int ncol, FILE *out)
{
	struct table t;
	struct buf b = {0};
	size_t *width = xmalloc(sizeof *width * (size_t)ncol);
	int i, rc, rows, first = 1, *seen_num, *seen_text;

	seen_num = xmalloc(sizeof *seen_num * (size_t)ncol);
	seen_text = xmalloc(sizeof *seen_text * (size_t)ncol);
	table_init(&t, ncol);
	for (i = 0; i < ncol; i++) {
		table_add(&t, cols[i].name, strlen(cols[i].name), CELL_MAX, 0, NULL);
		seen_num[i] = seen_text[i] = 0;
	}
	table_rule(&t);
	do {
		for (rows = 0; rows < TABLE_BATCH &&
		    (rc = sqlite3_step(st)) == SQLITE_ROW; rows++) {
			for (i = 0; i < ncol; i++) {
				int type;

				b.len = 0;
				type = value_text(st, i, &b);
				if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
					seen_num[i] = 1;
				else if (type != SQLITE_NULL)
					seen_text[i] = 1;
				table_add(&t, type == SQLITE_NULL ? NULL : b.data, b.len,
				    CELL_MAX, 0, NULL);
			}
		}
		if (rows == TABLE_BATCH)
			rc = SQLITE_ROW;  /* more to come */
		if (rc != SQLITE_ROW && rc != SQLITE_DONE && first)
			break;
		for (i = 0; i < ncol; i++)
			t.right[i] = seen_num[i] && !seen_text[i];
		table_print(&t, NULL, out);
		memcpy(width, t.width, sizeof *width * (size_t)ncol);
		table_release(&t);
		table_init(&t, ncol);
		memcpy(t.width, width, sizeof *width * (size_t)ncol);
		first = 0;
	} while (rc == SQLITE_ROW);
	table_release(&t);
	free(width);
	free(seen_num);
	free(seen_text);
	buf_release(&b);
	return rc;
}

/* --- running -------------------------------------------------------------- */

/* The columns of a statement; owned array, freed by columns_free. */
static struct column *
columns_new(sqlite3_stmt *st, int ncol)
{
	struct column *cols = xmalloc(sizeof *cols * (size_t)(ncol ? ncol : 1));
	int i, j, dup;

	for (i = 0; i < ncol; i++) {
		memset(&cols[i], 0, sizeof cols[i]);
		cols[i].name = clean_dup(sqlite3_column_name(st, i));
		/* A JSON object's keys should be unique: a second "n" is "n:2". */
		for (dup = 1, j = 0; j < i; j++)
			if (strcmp(cols[j].name, cols[i].name) == 0)
				dup++;
		cols[i].key = dup > 1 ? xasprintf("%s:%d", cols[i].name, dup) :
		    xstrdup(cols[i].name);
	}
	return cols;
}

static void
columns_free(struct column *cols, int ncol)
{
	int i;

	for (i = 0; i < ncol; i++) {
		free(cols[i].name);
		free(cols[i].key);
	}
	free(cols);
}

/* Steps st to the end, printing its rows; returns SQLITE_DONE or the error. */
static int
query_print(struct query *q, sqlite3_stmt *st, FILE *out)
{
	int ncol = sqlite3_column_count(st), i, rc, nrow = 0;
	struct column *cols = columns_new(st, ncol);
	struct buf b = {0};

	if (q->fmt == FMT_TABLE) {
		rc = query_table(st, cols, ncol, out);
		columns_free(cols, ncol);
		return rc;
	}
	/* The first row before any output: an error there leaves stdout empty. */
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto out;
	if (q->fmt == FMT_CSV || q->fmt == FMT_TSV) {
		for (i = 0; i < ncol; i++) {
			if (i)
				putc(q->fmt == FMT_CSV ? ',' : '\t', out);
			if (q->fmt == FMT_CSV)
				table_csv_field(cols[i].name, strlen(cols[i].name), 0, out);
			else
				table_tsv_field(cols[i].name, strlen(cols[i].name), out);
		}
		fputs(q->fmt == FMT_CSV ? "\r\n" : "\n", out);
	}
	if (q->fmt == FMT_JSON)
		putc('[', out);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st), nrow++) {
		switch (q->fmt) {
		case FMT_JSON:
			fputs(nrow ? ",\n" : "\n", out);
			/* fall through */
		case FMT_NDJSON:
			json_row(st, cols, ncol, &b, out);
			if (q->fmt == FMT_NDJSON)
				putc('\n', out);
			break;
		case FMT_CSV:
		case FMT_TSV:
			for (i = 0; i < ncol; i++) {
				int type;

				b.len = 0;
				type = value_text(st, i, &b);
				if (i)
					putc(q->fmt == FMT_CSV ? ',' : '\t', out);
				if (q->fmt == FMT_CSV)
					table_csv_field(b.data, b.len, type == SQLITE_NULL, out);
				else
					table_tsv_field(b.data, b.len, out);
			}
			fputs(q->fmt == FMT_CSV ? "\r\n" : "\n", out);
			break;
		case FMT_TABLE:
			break;
		}
	}
	if (q->fmt == FMT_JSON && rc == SQLITE_DONE)
		fputs(nrow ? "\n]\n" : "]\n", out);
out:
	columns_free(cols, ncol);
	buf_release(&b);
	return rc;
}

/* --- errors ----------------------------------------------------------------- */

/* The first SHOW_SQL bytes of sql[0..n), on one line; owned. */
static char *
sql_excerpt(const char *sql, size_t n)
{
	size_t cut, i;
	char *s, *clean;

	while (n > 0 && strchr(" \t\r\n", *sql))
		sql++, n--;
	while (n > 0 && strchr(" \t\r\n;", sql[n - 1]))
		n--;
	cut = utf8_cut(sql, n, SHOW_SQL);
	s = xasprintf("%.*s%s", (int)cut, sql, cut < n ? "\xe2\x80\xa6" : "");
	for (i = 0; s[i]; i++)
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			s[i] = ' ';
	clean = msg_dup(s);
	free(s);
	return clean;
}

/* Prints "query: LABEL: a, b, c" from the rows of sql (one text column). */
static void
hint_list(struct query *q, const char *label, const char *sql, const char *arg)
{
	struct buf b = {0};
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->h, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		if (s == NULL)
			continue;
		if (b.len)
			buf_add(&b, ", ", 2);
		buf_add(&b, s, strlen(s));
	}
	sqlite3_finalize(st);
	if (b.len) {
		char *clean = msg_dup(b.data), *l = msg_dup(label);

		error("query: %s: %s", l, clean);
		free(l);
		free(clean);
	}
	buf_release(&b);
}

/* The tables a user may name: a virtual table (the search index) is one,
 * its shadow tables and SQLite's own are not. */
#define SQL_TABLES "SELECT name FROM pragma_table_list WHERE schema = 'main' " \
	"AND (type = ?1 OR (?1 = 'table' AND type = 'virtual')) " \
	"AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
#define SQL_COLUMNS "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden <> 1 ORDER BY cid"

/* Does name appear in sql as a whole word, in any case? */
static int
names(const char *sql, const char *name)
{
	size_t n = strlen(name);
	const char *p = sql;

	while (n > 0 && (p = strcasestr(p, name)) != NULL) {
		int before = p > sql && (p[-1] == '_' || isalnum((unsigned char)p[-1]));
		int after = p[n] == '_' || isalnum((unsigned char)p[n]);

		if (!before && !after)
			return 1;
		p++;
	}
	return 0;
}

/*
 * The tables and views there are, after "no such table"; their columns
 * after "no such column": of those the SQL names, else of them all.
 */
static void
query_hint(struct query *q, const char *msg, const char *sql)
{
	sqlite3_stmt *st;
	char **all = NULL;
	int n = 0, i, named = 0;

	if (strncmp(msg, "no such table", 13) == 0) {
		hint_list(q, "tables", SQL_TABLES, "table");
		hint_list(q, "views", SQL_TABLES, "view");
		return;
	}
	if (strncmp(msg, "no such column", 14) != 0)
		return;
	if (sqlite3_prepare_v2(q->h, "SELECT name FROM pragma_table_list WHERE schema = 'main' "
	    "AND type IN ('table', 'view', 'virtual') "
	    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		all = xrealloc(all, sizeof *all * (size_t)(n + 1));
		all[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++)
		named += names(sql, all[i]);
	for (i = 0; i < n; i++) {
		char *label;

		if (named && !names(sql, all[i]))
			continue;
		label = xasprintf("columns of %s", all[i]);
		hint_list(q, label, SQL_COLUMNS, all[i]);
		free(label);
	}
	for (i = 0; i < n; i++)
		free(all[i]);
	free(all);
}

/*
 * Reports SQLite's error rc, what: the message, with a hint at the tables
 * and columns, or at the file when the file is what failed (with no
 * connection: it could not be opened).
 */
static void
query_fail(struct query *q, int rc, const char *what, const char *sql)
{
	char *msg = msg_dup(what);

	switch (rc & 0xff) {
	case SQLITE_READONLY:
		if (rc == SQLITE_READONLY) {
			error("query: %s", msg);
			break;
		}
		/* SQLITE_READONLY_DIRECTORY, _CANTINIT, _RECOVERY...: the file. */
		error("query: cannot read '%s': %s (reading a database in WAL mode "
		    "needs its -wal and -shm files, or a folder where they can be "
		    "made)", q->path, msg);
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_IOERR:
	case SQLITE_PERM:
		error("query: cannot %s '%s': %s", q->h == NULL &&
		    (rc & 0xff) == SQLITE_CANTOPEN ? "open" : "read", q->path, msg);
		break;
	default:
		error("query: %s", msg);
		if (q->h)
			query_hint(q, msg, sql);
	}
	free(msg);
}

static void
query_error(struct query *q, int rc, const char *sql)
{
	query_fail(q, rc, sqlite3_errmsg(q->h), sql);
}

/* --- the command ------------------------------------------------------------ */

/*
 * Opens the database read-only (db_open_readonly), with the authorizer;
 * EXIT_OK or EXIT_FAIL, reported.
 */
static int
query_open(struct query *q)
{
	char *err = NULL;
	int rc;

	rc = db_open_readonly(&q->h, q->path, 0, QUERY_BUSY_MS, &err);
	if (rc == SQLITE_NOTFOUND) {
		error("query: no database at '%s' (nothing recorded yet?)", q->path);
		return EXIT_FAIL;
	}
	if (rc != SQLITE_OK) {
		query_fail(q, rc, err, "");
		free(err);
		return EXIT_FAIL;
	}
	sqlite3_set_authorizer(q->h, query_auth, q);
	return EXIT_OK;
}

/*
 * Prepares every statement of sql before any runs, so that one refused
 * statement leaves nothing half done; at most one may return rows, so
 * that every format prints one result. EXIT_OK, or the error reported.
 */
static int
query_prepare(struct query *q, const char *sql)
{
	const char *p = sql, *tail;
	int rc, n = 0, first = 0, second = 0;

	while (*p) {
		sqlite3_stmt *st = NULL;
		const char *why = NULL;

		q->refused = 0;
		q->pragma_read = 0;
		tail = NULL;
		rc = sqlite3_prepare_v2(q->h, p, -1, &st, &tail);
		if (rc == SQLITE_OK && st == NULL) {  /* blanks or a comment */
			p = tail;
			continue;
		}
		n++;
		if (q->refused == SQLITE_ATTACH)
			why = "attaches a database";
		else if (q->refused == SQLITE_DETACH)
			why = "detaches a database";
		else if (q->refused == SQLITE_PRAGMA)
			why = "changes query_only";
		else if (rc == SQLITE_OK && !sqlite3_stmt_readonly(st) &&
		    !q->pragma_read)
			why = "writes";
		if (why) {
			char *ex = st ? sql_excerpt(sqlite3_sql(st), strlen(sqlite3_sql(st))) :
			    sql_excerpt(p, tail && tail > p ? (size_t)(tail - p) : strlen(p));

			error("query: statement %d %s (refused): %s", n, why, ex);
			free(ex);
			sqlite3_finalize(st);
			return EXIT_FAIL;
		}
		if (rc != SQLITE_OK) {
			query_error(q, rc, sql);
			return EXIT_FAIL;
		}
		q->st = xrealloc(q->st, sizeof *q->st * (size_t)(q->nst + 1));
		q->st[q->nst++] = st;
		if (sqlite3_column_count(st) > 0) {
			if (first == 0)
				first = n;
			else if (second == 0)
				second = n;
		}
		p = tail;
	}
	if (n == 0) {
		error("query: no SQL statement");
		query_usage(stderr);
		return EXIT_USAGE;
	}
	if (second) {
		error("query: statements %d and %d both return rows: give one "
		    "at a time", first, second);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * The value of --timeout: seconds, a number above 0 (a fraction is fine);
 * 0 with *us set, or -1 after a message.
 */
static int
query_timeout(const char *v, int64_t *us)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno || !(sec > 0) || sec > 1e9) {
		error("query: --timeout needs a number of seconds above 0, not '%s'", v);
		return -1;
	}
	*us = (int64_t)(sec * 1e6);
	if (*us < 1)
		*us = 1;
	return 0;
}

/*
 * The command line of clankers query: *sql gets the one SQL argument,
 * *fmt the --format value or NULL (both borrowed from argv), *timeout_us
 * the --timeout (0: none). EXIT_OK, or EXIT_USAGE reported.
 */
static int
query_args(int argc, char **argv, const char **sql, const char **fmt,
    int64_t *timeout_us)
{
	int i, opts = 1;

	*sql = *fmt = NULL;
	*timeout_us = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		/* SQL can start with "--" (a comment), but never without a blank. */
		if (opts && a[0] == '-' && a[1] != '\0' && strpbrk(a, " \t\r\n") == NULL) {
			if (strcmp(a, "--") == 0) {
				opts = 0;
				continue;
			} else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
				*fmt = argv[++i];
				continue;
			} else if (strncmp(a, "--format=", 9) == 0) {
				*fmt = a + 9;
				continue;
			} else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
				if (query_timeout(argv[++i], timeout_us) == 0)
					continue;
			} else if (strncmp(a, "--timeout=", 10) == 0) {
				if (query_timeout(a + 10, timeout_us) == 0)
					continue;
			} else if (strcmp(a, "--format") == 0) {
				error("query: --format needs a value: table, tsv, csv, json or ndjson");
			} else if (strcmp(a, "--timeout") == 0) {
				error("query: --timeout needs a number of seconds");
			} else {
				error("query: unknown option '%s'", a);
			}
			query_usage(stderr);
			return EXIT_USAGE;
		}
		if (*sql) {
			error("query: one SQL argument expected, got another: '%s' "
			    "(quote the SQL)", a);
			query_usage(stderr);
			return EXIT_USAGE;
		}
		*sql = a;
	}
	if (*sql == NULL) {
		error("query: no SQL given");
		query_usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * q->fmt from the --format value fmt, or when NULL a table on a terminal
 * and tab-separated values elsewhere. EXIT_OK, or EXIT_USAGE reported.
 */
static int
query_format(struct query *q, const char *fmt)
{
	int j;

	q->fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_TSV;
	if (fmt == NULL)
		return EXIT_OK;
	for (j = 0; j < (int)(sizeof format_names / sizeof *format_names); j++)
		if (strcmp(fmt, format_names[j]) == 0)
			break;
	if (j == (int)(sizeof format_names / sizeof *format_names)) {
		error("query: unknown format '%s': table, tsv, csv, json or ndjson", fmt);
		return EXIT_USAGE;
	}
	q->fmt = (enum format)j;
	return EXIT_OK;
}

/* Stops the statement running once the deadline has passed. */
static int
query_progress(void *arg)
{
	struct query *q = arg;

	if (mono_us() < q->deadline_us)
		return 0;
	q->timed_out = 1;
	return 1;
}

/*
 * Runs the statements query_prepare made, in order, printing the rows of
 * the one that returns rows; stops at the first error (reported, with
 * sql) or at --timeout (timeout_us after the start, reported).
 * EXIT_OK or EXIT_FAIL.
 */
static int
query_run(struct query *q, const char *sql, int64_t timeout_us)
{
	int i, rc, printed = 0;

	if (timeout_us > 0) {
		q->deadline_us = mono_us() + timeout_us;
		sqlite3_progress_handler(q->h, PROGRESS_OPS, query_progress, q);
	}

	for (i = 0; i < q->nst; i++) {
		sqlite3_stmt *st = q->st[i];

		if (sqlite3_column_count(st) > 0) {
			rc = query_print(q, st, stdout);
			printed = 1;
		} else {
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				;
		}
		if (rc != SQLITE_DONE && q->timed_out) {
			fflush(stdout);
			error("query: stopped by --timeout after %g s; what was "
			    "printed is not the whole result", (double)timeout_us / 1e6);
			return EXIT_FAIL;
		}
		if (rc != SQLITE_DONE) {
			query_error(q, sqlite3_extended_errcode(q->h), sql);
			return EXIT_FAIL;
		}
	}
	/* JSON is always one document, even of no result. */
	if (!printed && q->fmt == FMT_JSON)
		fputs("[]\n", stdout);
	return EXIT_OK;
}

/*
 * clankers query: prints the rows of read-only SQL. Exits 0 (also with no
 * rows), 1 on an SQL error, a refused statement or past --timeout, 64 on
 * a bad command line. The help text in clankers.c says what each format prints.
 */
int
cmd_query(int argc, char **argv, struct ctx *ctx)
{
	struct query q = {0};
	struct buf in = {0};
	const char *sql, *fmt;
	int64_t timeout_us;
	int status;
	size_t len;

	if ((status = query_args(argc, argv, &sql, &fmt, &timeout_us)) != EXIT_OK ||
	    (status = query_format(&q, fmt)) != EXIT_OK)
		return status;
	if (strcmp(sql, "-") == 0) {
		if (buf_read_fd(&in, STDIN_FILENO) < 0) {
			error("query: cannot read the SQL from stdin: %s", strerror(errno));
			buf_release(&in);
			return EXIT_FAIL;
		}
		sql = in.data ? in.data : "";
		len = in.len;
	} else {
		len = strlen(sql);
	}
	/* SQLite stops at a NUL: what follows would be dropped unseen. */
	if (strlen(sql) != len) {
		error("query: the SQL holds a NUL byte");
		buf_release(&in);
		return EXIT_USAGE;
	}
	q.path = ctx->db_path;
	if ((status = query_open(&q)) == EXIT_OK &&
	    (status = query_prepare(&q, sql)) == EXIT_OK)
		status = query_run(&q, sql, timeout_us);
	query_release(&q);
	buf_release(&in);
	return status;
}
