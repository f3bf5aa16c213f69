/*
 * section.c: what every section of `clankers report` is built on. The
 * report's database: opened read-only (db_open_readonly) in one read
 * transaction, so every section sees the same rows, with a second
 * connection at the same snapshot for the tool pass's thread; statements
 * prepared with the period and filters bound (SESSION_FILTER); --session
 * resolved from a prefix. And the small JSON helpers the sections share:
 * numbers, a column as a value, percentiles, a ranking by count.
 *
 * It makes no section and prints nothing but errors; the sections are in
 * audit.c, usage.c and tools.c, the command in report.c.
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define REPORT_BUSY_MS 5000
#define FREEZE_BUSY_MS 200   /* how long to wait for a writer to let go, else no thread */
#define RUNNING_AFTER_MS (10 * 60 * 1000)  /* a tool this long behind its session */

static const char *const section_names[NSECTIONS] = {
	"tables", "gaps", "log", "usage", "tools", "mcp", "files", "overhead"
};

/* A column as a JSON value: number, string (cleaned UTF-8) or null. */
cJSON *
section_json_col(sqlite3_stmt *st, int i)
{
	const char *s;
	size_t n;
	char *c;
	cJSON *v;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return cJSON_CreateNull();
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	}
	s = (const char *)sqlite3_column_text(st, i);
	n = (size_t)sqlite3_column_bytes(st, i);
	c = utf8_clean(s ? s : "", n, &n);
	v = cJSON_CreateString(c ? c : s ? s : "");
	free(c);
	return v;
}

/* Adds key: v to the object o. */
void
section_add_int(cJSON *o, const char *key, int64_t v)
{
	cJSON_AddItemToObject(o, key, cJSON_CreateNumber((double)v));
}

/* The number o has at key, as an int64; 0 when it has none. */
int64_t
section_get_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Is section (a name of section_names) one the report makes? */
int
section_wanted(const struct report *r, const char *section)
{
	size_t i;

	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(section_names[i], section) == 0)
			return (r->sections >> i) & 1;
	return 0;
}

/* The name of section i, or NULL past the last. */
const char *
section_name(size_t i)
{
	return i < NSECTIONS ? section_names[i] : NULL;
}

/* --- the database -------------------------------------------------------- */

/* The database's schema version, or -1 on an error (reported). */
static int64_t
section_version(struct report *r)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(r->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		error("report: cannot read '%s': %s", r->ctx->db_path, sqlite3_errmsg(r->h));
	sqlite3_finalize(st);
	return v;
}

/* A read transaction begun on h: BEGIN, and a read that takes the snapshot. */
static int
begin_read(sqlite3 *h)
{
	return sqlite3_exec(h, "BEGIN; PRAGMA schema_version", NULL, NULL, NULL);
}

/*
 * One read transaction: every section sees the same rows. With second, a
 * second connection at the same snapshot, so that the pass over the tool
 * rows (the longest) runs on a thread while the other sections are read.
 * SQLite as Debian builds it cannot hand a snapshot from one connection
 * to another, so both read transactions begin while a third connection
 * holds the write lock (BEGIN IMMEDIATE, which writes nothing, released
 * at once): no commit can fall between them. When the lock cannot be had
 * soon (a writer holds it, the file is read-only), there is no h2 and the
 * pass runs on h after the others.
 */
static int
section_begin(struct report *r, int second)
{
	sqlite3 *w = NULL;
	char *err = NULL;
	int frozen = 0;

	if (second && sqlite3_open_v2(r->ctx->db_path, &w, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(w, FREEZE_BUSY_MS) == SQLITE_OK &&
	    sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		frozen = 1;
	if (begin_read(r->h) != SQLITE_OK) {
		error("report: %s", sqlite3_errmsg(r->h));
		sqlite3_close(w);
		return -1;
	}
	if (frozen && (db_open_readonly(&r->h2, r->ctx->db_path, 0, REPORT_BUSY_MS, &err) !=
	    SQLITE_OK || begin_read(r->h2) != SQLITE_OK)) {
		sqlite3_close(r->h2);
		r->h2 = NULL;
	}
	free(err);
	if (frozen)
		sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(w);
	return 0;
}

/*
 * Opens the database read-only (db_open_readonly) into r->h and begins the
 * read transaction; with second, r->h2 too when it can (see section_begin).
 * One that an older clankers made is first brought up to this schema, as
 * the next hook would do (that is the one write report can make); one that
 * a newer clankers made is refused. 0, or -1 reported.
 */
int
section_open(struct report *r, int second)
{
	char *err = NULL;
	int64_t v;
	int rc, tries;

	for (tries = 0; tries < 2; tries++) {
		rc = db_open_readonly(&r->h, r->ctx->db_path, 0, REPORT_BUSY_MS, &err);
		if (rc == SQLITE_NOTFOUND) {
			error("report: no database at '%s' (nothing recorded yet: "
			    "are the hooks installed? see 'clankers doctor')", r->ctx->db_path);
			return -1;
		}
		if (rc != SQLITE_OK) {
			error("report: cannot open '%s': %s", r->ctx->db_path, err);
			free(err);
			return -1;
		}
		if ((v = section_version(r)) < 0)
			return -1;
		if (v > db_schema_version()) {
			error("report: '%s' has schema version %lld, newer than this clankers "
			    "knows (%d): upgrade clankers", r->ctx->db_path, (long long)v,
			    db_schema_version());
			return -1;
		}
		if (v == db_schema_version())
			return section_begin(r, second);
		if (tries == 0) {
			struct db db;

			sqlite3_close(r->h);
			r->h = NULL;
			rc = db_open(&db, r->ctx->db_path, REPORT_BUSY_MS);
			if (rc != SQLITE_OK)
				error("report: cannot bring '%s' to schema version %d: %s",
				    r->ctx->db_path, db_schema_version(), db.err ? db.err : "?");
			db_close(&db);
			if (rc != SQLITE_OK)
				return -1;
		}
	}
	error("report: '%s' is still at schema version %lld", r->ctx->db_path, (long long)v);
	return -1;
}

/*
 * Prepares sql on r->h and binds the report's filters to whichever of
 * :since, :until, :source, :project, :session, :now and :running_after it
 * names. NULL on an error, reported.
 */
sqlite3_stmt *
section_prepare(struct report *r, const char *sql)
{
	sqlite3_stmt *st;
	int i;

	if (sqlite3_prepare_v2(r->h, sql, -1, &st, NULL) != SQLITE_OK) {
		error("report: %s (in: %.60s...)", sqlite3_errmsg(r->h), sql);
		return NULL;
	}
	if ((i = sqlite3_bind_parameter_index(st, ":since")) > 0)
		sqlite3_bind_int64(st, i, r->since);
	if ((i = sqlite3_bind_parameter_index(st, ":until")) > 0)
		sqlite3_bind_int64(st, i, r->until);
	if ((i = sqlite3_bind_parameter_index(st, ":now")) > 0)
		sqlite3_bind_int64(st, i, r->now);
	if ((i = sqlite3_bind_parameter_index(st, ":running_after")) > 0)
		sqlite3_bind_int64(st, i, RUNNING_AFTER_MS);
	if ((i = sqlite3_bind_parameter_index(st, ":source")) > 0 && r->source)
		sqlite3_bind_text(st, i, r->source, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":project")) > 0 && r->project)
		sqlite3_bind_text(st, i, r->project, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":session")) > 0 && r->session)
		sqlite3_bind_text(st, i, r->session, -1, SQLITE_STATIC);
	return st;
}

/* Finalizes st after its last step, rc: 0, or -1 when rc is an error (reported). */
int
section_done(struct report *r, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		error("report: %s", sqlite3_errmsg(r->h));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* True when a filter on the sessions' own columns (SESSION_FILTER) is given. */
int
section_filtered(const struct report *r)
{
	return r->source || r->project || r->session;
}

/*
 * Resolves --session ID-or-prefix to one id, r->session (owned); -1 when
 * none or several (reported).
 */
int
section_session(struct report *r, const char *arg)
{
	sqlite3_stmt *st;
	struct buf ids = {0};
	char *shown;
	int n = 0, rc;

	st = section_prepare(r, "SELECT id FROM sessions WHERE id = :arg "
	    "UNION ALL SELECT id FROM sessions WHERE id > :arg AND id < :arg || x'ff' "
	    "  AND NOT EXISTS (SELECT 1 FROM sessions WHERE id = :arg) LIMIT 6");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":arg"), arg, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (n++ == 0)
			r->session = xstrdup(id);
		else if (n <= 5)
			buf_add(&ids, "\n  ", 3);
		if (n <= 5) {  /* stored text, for a terminal: escaped (table.c) */
			char *e = table_escape(id);

			buf_add(&ids, e, strlen(e));
			free(e);
		}
	}
	if (section_done(r, st, rc) < 0) {
		buf_release(&ids);
		return -1;
	}
	shown = table_escape(arg);
	if (n == 0)
		error("report: no session '%s'", shown);
	else if (n > 1)
		error("report: '%s' names several sessions:\n  %s%s", shown, ids.data,
		    n > 5 ? "\n  ..." : "");
	free(shown);
	buf_release(&ids);
	if (n != 1) {
		free(r->session);
		r->session = NULL;
		return -1;
	}
	return 0;
}

/* Adds p50, p95 and max of s (sorted here) in ms to o; nulls when empty. */
void
section_percentiles(cJSON *o, struct series *s, double unit)
{
	if (s->n == 0) {
		cJSON_AddNullToObject(o, "p50_ms");
		cJSON_AddNullToObject(o, "p95_ms");
		cJSON_AddNullToObject(o, "max_ms");
		return;
	}
	series_sort(s);
	cJSON_AddNumberToObject(o, "p50_ms", (double)series_pct(s, 50) / unit);
	cJSON_AddNumberToObject(o, "p95_ms", (double)series_pct(s, 95) / unit);
	cJSON_AddNumberToObject(o, "max_ms", (double)s->v[s->n - 1] / unit);
}

/* Most calls first, then by name: for qsort of struct ranked. */
int
section_cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->calls != y->calls)
		return (x->calls < y->calls) - (x->calls > y->calls);
	return strcmp(x->name, y->name);
}

/*
 * The map's names, most calls first, each with its count from calls(arr,
 * value); an owned array of m->n.
 */
struct ranked *
section_ranked(const struct strmap *m, const int64_t *(*calls)(const void *, int),
    const void *arr)
{
	struct ranked *v = xmalloc((m->n ? m->n : 1) * sizeof *v);
	size_t i, k = 0;

	for (i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			v[k].name = m->keys[i];
			v[k].i = m->vals[i];
			v[k].calls = *calls(arr, m->vals[i]);
			k++;
		}
	if (k > 1)
		qsort(v, k, sizeof *v, section_cmp_ranked);
	return v;
}
