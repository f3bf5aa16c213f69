/*
 * search.c: `clankers index` and `clankers search`, a full-text index
 * (SQLite FTS5, schema version 7) of what the agents said and did: prompts,
 * responses, tool calls (name, input, output, error, file), session errors
 * and titles, for every agent recorded.
 *
 * The hook path pays nothing for it: no trigger, no write. The index
 * catches up at the start of each search (and with `clankers index`): the
 * sessions touched since the last catch-up are found from what every write
 * leaves behind (search_state keeps where it stopped): a hook_events row
 * for a hook, a transcript_files read for a transcript read, a rowid past
 * the last one seen for a new row (an import), an updated_at past the last
 * catch-up. Each such session is compared row by row with what is indexed
 * (search_rows, by a hash of the indexed text): a new row is added, a
 * changed one (a tool call finished, a transcript read again, an OpenCode
 * upsert) replaced, a row gone (message.removed) taken out, so one entry
 * per row, never stale. (A change that leaves none of these traces, an
 * edit by hand with sqlite3, is seen by `index --full`, which builds the
 * index again.) One new session costs what its rows cost. The work
 * is committed in short transactions, so hooks running meanwhile wait
 * little, and an interrupted catch-up leaves a consistent index whose
 * sessions the next one compares again.
 *
 * What is indexed is the stored text (already redacted where the store
 * redacts): a tool's input JSON by its values (not its keys, not its
 * escapes), its output (JSON by its values too) and its error.
 *
 * The query is FTS5's syntax as it is; one that FTS5 rejects and that uses
 * none of that syntax (store.c, rm -rf) is taken word by word, each word a
 * phrase. The results are ranked by bm25, newest first on ties. Stored text
 * reaches a terminal escaped (table.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define SEARCH_BUSY_MS 5000
#define BATCH_US 200000      /* a catch-up commits at least this often */
#define LIMIT_DEFAULT 20

/* What a row of search_rows stands for; search_rows.kind. */
enum { K_PROMPT = 1, K_RESPONSE, K_TOOL, K_ERROR, K_TITLE, K_LAST };
static const char *const kind_names[K_LAST] = {
	NULL, "prompt", "response", "tool", "error", "title"
};

/* --- the index ------------------------------------------------------------ */

/* The FTS columns of one row: text, tool, input, output, error, file. */
enum { C_TEXT, C_TOOL, C_INPUT, C_OUTPUT, C_ERROR, C_FILE, NCOLS };

struct doc {
	int kind;
	int64_t src, at;
	struct buf col[NCOLS];  /* owned; len 0: empty */
};

/* An indexed row of the session being compared. */
struct have {
	int64_t id, src, hash;
	int kind, seen;
};

struct catchup {
	struct db *db;            /* borrowed */
	int bulk;                 /* the index was empty: no row to compare with */
	struct have *have;        /* owned; the session's indexed rows, by (kind, src) */
	size_t nhave, caphave;
	struct index_stats st;
};

/*
 * Adds s[0..n) to b, the bytes that mark a snippet's terms (\x01, \x02)
 * turned to spaces, so that a marker in the output is always ours.
 */
static void
doc_add(struct buf *b, const char *s, size_t n)
{
	size_t i, at = b->len;

	if (n == 0)
		return;
	if (b->len)
		buf_add(b, "\n", 1), at++;
	buf_add(b, s, n);
	for (i = at; i < b->len; i++)
		if (b->data[i] == '\001' || b->data[i] == '\002')
			b->data[i] = ' ';
}

/* The values of a JSON tree into b, one per line: keys and escapes are not text. */
static void
doc_json_values(struct buf *b, const cJSON *v)
{
	const cJSON *c;
	char num[32];

	if (cJSON_IsString(v)) {
		doc_add(b, v->valuestring, strlen(v->valuestring));
	} else if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof num, "%.15g", v->valuedouble);
		doc_add(b, num, strlen(num));
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		cJSON_ArrayForEach(c, v)
			doc_json_values(b, c);
	}
}

/* s as text to index: a JSON object or array by its values, else as it is. */
static void
doc_add_text(struct buf *b, const char *s, size_t n)
{
	cJSON *j;

	while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
		s++, n--;
	if (n && (*s == '{' || *s == '[') && (j = cJSON_ParseWithLength(s, n)) != NULL) {
		doc_json_values(b, j);
		cJSON_Delete(j);
		return;
	}
	doc_add(b, s, n);
}

static void
doc_col(struct doc *d, int col, sqlite3_stmt *st, int i, int json)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (s == NULL)
		return;
	if (json)
		doc_add_text(&d->col[col], s, n);
	else
		doc_add(&d->col[col], s, n);
}

static int64_t
doc_hash(const struct doc *d)
{
	uint64_t h = fnv1a(FNV_SEED, &d->kind, sizeof d->kind);
	int c;

	h = fnv1a(h, &d->at, sizeof d->at);
	for (c = 0; c < NCOLS; c++) {
		h = fnv1a(h, &d->col[c].len, sizeof d->col[c].len);
		h = fnv1a(h, d->col[c].data ? d->col[c].data : "", d->col[c].len);
	}
	return (int64_t)(h >> 1);  /* fits an SQLite integer, never negative */
}

static int
doc_empty(const struct doc *d)
{
	int c;

	for (c = 0; c < NCOLS; c++)
		if (d->col[c].len)
			return 0;
	return 1;
}

static void
doc_clear(struct doc *d)
{
	int c;

	for (c = 0; c < NCOLS; c++)
		d->col[c].len = 0;
}

static int
have_cmp(const void *a, const void *b)
{
	const struct have *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	return (x->src > y->src) - (x->src < y->src);
}

static const char SQL_HAVE[] =
	"SELECT id, kind, src, hash FROM search_rows WHERE session_id = :sid";
static const char SQL_FORGET_TEXT[] =
	"DELETE FROM search_text WHERE rowid = :id";
static const char SQL_FORGET_ROW[] =
	"DELETE FROM search_rows WHERE id = :id";
static const char SQL_FORGET_ELSEWHERE[] =
	"SELECT id FROM search_rows WHERE kind = :kind AND src = :src";
static const char SQL_ADD_ROW[] =
	"INSERT INTO search_rows (kind, src, session_id, at, hash)"
	" VALUES (:kind, :src, :sid, :at, :hash)";
static const char SQL_ADD_TEXT[] =
	"INSERT INTO search_text (rowid, text, tool, input, output, error, file)"
	" VALUES (:id, :text, :tool, :input, :output, :error, :file)";

/* Takes out indexed row id. */
static int
forget(struct db *db, int64_t id)
{
	sqlite3_stmt *a, *b;
	int rc;

	if ((a = db_prepare(db, SQL_FORGET_TEXT)) == NULL ||
	    (b = db_prepare(db, SQL_FORGET_ROW)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(a, ":id", id);
	if ((rc = db_run(db, a)) != SQLITE_OK)
		return rc;
	db_bind_int(b, ":id", id);
	return db_run(db, b);
}

/* Loads the indexed rows of session sid into c->have, sorted. */
static int
have_load(struct catchup *c, const char *sid)
{
	sqlite3_stmt *st;
	int rc;

	c->nhave = 0;
	if (c->bulk)
		return SQLITE_OK;
	if ((st = db_prepare(c->db, SQL_HAVE)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	while ((rc = db_step(c->db, st)) == SQLITE_ROW) {
		struct have *h;

		if (c->nhave == c->caphave) {
			c->caphave = c->caphave ? 2 * c->caphave : 256;
			c->have = xrealloc(c->have, c->caphave * sizeof *c->have);
		}
		h = &c->have[c->nhave++];
		h->id = sqlite3_column_int64(st, 0);
		h->kind = sqlite3_column_int(st, 1);
		h->src = sqlite3_column_int64(st, 2);
		h->hash = sqlite3_column_int64(st, 3);
		h->seen = 0;
	}
	if (rc != SQLITE_DONE)
		return rc;
	if (c->nhave > 1)
		qsort(c->have, c->nhave, sizeof *c->have, have_cmp);
	return SQLITE_OK;
}

/* One source row d of session sid: kept, added, or replaced. */
static int
put(struct catchup *c, const char *sid, struct doc *d)
{
	struct have key, *h = NULL;
	sqlite3_stmt *st;
	int64_t hash, id;
	int rc, i;
	static const char *const names[NCOLS] = {
		":text", ":tool", ":input", ":output", ":error", ":file"
	};

	if (doc_empty(d))
		return SQLITE_OK;  /* nothing to find; a row it had is taken out below */
	hash = doc_hash(d);
	key.kind = d->kind;
	key.src = d->src;
	if (c->nhave)
		h = bsearch(&key, c->have, c->nhave, sizeof *c->have, have_cmp);
	if (h) {
		h->seen = 1;
		if (h->hash == hash)
			return SQLITE_OK;
		if ((rc = forget(c->db, h->id)) != SQLITE_OK)
			return rc;
		c->st.changed++;
	} else {
		{
			/* indexed under another session (a tool call that moved), or by
			 * another catch-up running beside this one */
			if ((st = db_prepare(c->db, SQL_FORGET_ELSEWHERE)) == NULL)
				return SQLITE_ERROR;
			db_bind_int(st, ":kind", d->kind);
			db_bind_int(st, ":src", d->src);
			rc = db_step(c->db, st);
			id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
			db_reset(st);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				return rc;
			if (id >= 0 && (rc = forget(c->db, id)) != SQLITE_OK)
				return rc;
		}
		c->st.added++;
	}
	if ((st = db_prepare(c->db, SQL_ADD_ROW)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, ":kind", d->kind);
	db_bind_int(st, ":src", d->src);
	db_bind_text(st, ":sid", sid);
	db_bind_known(st, ":at", d->at);
	db_bind_int(st, ":hash", hash);
	if ((rc = db_run(c->db, st)) != SQLITE_OK)
		return rc;
	id = sqlite3_last_insert_rowid(c->db->h);
	if ((st = db_prepare(c->db, SQL_ADD_TEXT)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, ":id", id);
	for (i = 0; i < NCOLS; i++)
		db_bind_textn(st, names[i], d->col[i].data, d->col[i].len);
	c->st.bytes += (int64_t)(d->col[0].len + d->col[1].len + d->col[2].len +
	    d->col[3].len + d->col[4].len + d->col[5].len);
	return db_run(c->db, st);
}

/* The rows of a session, in the order of the doc's kind: one statement each. */
static const char SQL_SRC_MESSAGES[] =
	"SELECT rowid, role, text_content, created_at FROM messages WHERE session_id = :sid";
static const char SQL_SRC_TOOLS[] =
	"SELECT rowid, tool_name, tool_input, tool_output, error_message, file_path,"
	" COALESCE(started_at, created_at) FROM tools WHERE session_id = :sid";
static const char SQL_SRC_ERRORS[] =
	"SELECT id, error_type, error_message, created_at FROM session_errors"
	" WHERE session_id = :sid";
static const char SQL_SRC_TITLE[] =
	"SELECT rowid, title, COALESCE(title_at, created_at) FROM sessions WHERE id = :sid";

/* Compares session sid with its indexed rows and brings them up to date. */
static int
session_sync(struct catchup *c, const char *sid)
{
	sqlite3_stmt *st;
	struct doc d;
	size_t i;
	int rc = SQLITE_OK;

	memset(&d, 0, sizeof d);
	if ((rc = have_load(c, sid)) != SQLITE_OK)
		return rc;
	if ((st = db_prepare(c->db, SQL_SRC_MESSAGES)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	while (rc == SQLITE_OK && (rc = db_step(c->db, st)) == SQLITE_ROW) {
		doc_clear(&d);
		d.src = sqlite3_column_int64(st, 0);
		d.kind = strcmp((const char *)sqlite3_column_text(st, 1), "user") == 0 ?
		    K_PROMPT : K_RESPONSE;
		doc_col(&d, C_TEXT, st, 2, 0);
		d.at = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
		rc = put(c, sid, &d);
	}
	if (rc == SQLITE_ROW)
		db_reset(st);  /* stopped by an error of put */
	if (rc == SQLITE_DONE && (st = db_prepare(c->db, SQL_SRC_TOOLS)) != NULL) {
		rc = SQLITE_OK;
		db_bind_text(st, ":sid", sid);
		while (rc == SQLITE_OK && (rc = db_step(c->db, st)) == SQLITE_ROW) {
			doc_clear(&d);
			d.kind = K_TOOL;
			d.src = sqlite3_column_int64(st, 0);
			doc_col(&d, C_TOOL, st, 1, 0);
			doc_col(&d, C_INPUT, st, 2, 1);
			doc_col(&d, C_OUTPUT, st, 3, 1);
			doc_col(&d, C_ERROR, st, 4, 0);
			doc_col(&d, C_FILE, st, 5, 0);
			d.at = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 6);
			rc = put(c, sid, &d);
		}
		if (rc == SQLITE_ROW)
			db_reset(st);
	}
	if (rc == SQLITE_DONE && (st = db_prepare(c->db, SQL_SRC_ERRORS)) != NULL) {
		rc = SQLITE_OK;
		db_bind_text(st, ":sid", sid);
		while (rc == SQLITE_OK && (rc = db_step(c->db, st)) == SQLITE_ROW) {
			doc_clear(&d);
			d.kind = K_ERROR;
			d.src = sqlite3_column_int64(st, 0);
			doc_col(&d, C_ERROR, st, 1, 0);
			doc_col(&d, C_ERROR, st, 2, 0);
			d.at = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 3);
			rc = put(c, sid, &d);
		}
		if (rc == SQLITE_ROW)
			db_reset(st);
	}
	if (rc == SQLITE_DONE && (st = db_prepare(c->db, SQL_SRC_TITLE)) != NULL) {
		rc = SQLITE_OK;
		db_bind_text(st, ":sid", sid);
		while (rc == SQLITE_OK && (rc = db_step(c->db, st)) == SQLITE_ROW) {
			doc_clear(&d);
			d.kind = K_TITLE;
			d.src = sqlite3_column_int64(st, 0);
			doc_col(&d, C_TEXT, st, 1, 0);
			d.at = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 2);
			rc = put(c, sid, &d);
		}
		if (rc == SQLITE_ROW)
			db_reset(st);
	}
	for (i = 0; i < NCOLS; i++)
		buf_release(&d.col[i]);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_OK ? SQLITE_ERROR : rc;
	/* What is indexed and no longer there (or no longer has text) goes. */
	for (i = 0; i < c->nhave; i++)
		if (!c->have[i].seen) {
			if ((rc = forget(c->db, c->have[i].id)) != SQLITE_OK)
				return rc;
			c->st.removed++;
		}
	c->st.sessions++;
	return SQLITE_OK;
}

/*
 * The sessions touched since the state st (all of them when there is
 * none): by a hook, a transcript read, a new row, a later update.
 */
static const char SQL_TOUCHED[] =
	"SELECT session_id FROM hook_events WHERE id > :he AND session_id IS NOT NULL"
	" UNION SELECT session_id FROM transcript_files WHERE read_at >= :since"
	" UNION SELECT session_id FROM messages WHERE rowid > :m"
	" UNION SELECT session_id FROM tools WHERE rowid > :t"
	" UNION SELECT session_id FROM session_errors WHERE id > :e"
	" UNION SELECT id FROM sessions WHERE rowid > :s"
	" UNION SELECT id FROM sessions WHERE updated_at >= :since";
static const char SQL_STATE[] =
	"SELECT hook_event, messages, tools, errors, sessions, since FROM search_state";
static const char SQL_MARKS[] =
	"SELECT (SELECT COALESCE(max(id), 0) FROM hook_events),"
	" (SELECT COALESCE(max(rowid), 0) FROM messages),"
	" (SELECT COALESCE(max(rowid), 0) FROM tools),"
	" (SELECT COALESCE(max(id), 0) FROM session_errors),"
	" (SELECT COALESCE(max(rowid), 0) FROM sessions)";
static const char SQL_SAVE_STATE[] =
	"INSERT INTO search_state (id, hook_event, messages, tools, errors, sessions,"
	" since, built_at) VALUES (1, :he, :m, :t, :e, :s, :since, :now)"
	" ON CONFLICT(id) DO UPDATE SET hook_event = excluded.hook_event,"
	" messages = excluded.messages, tools = excluded.tools, errors = excluded.errors,"
	" sessions = excluded.sessions, since = excluded.since, built_at = excluded.built_at";

/* Reads the one row of sql into v[0..n); 1 with a row, 0 without, -1 on error. */
static int
read_ints(struct db *db, const char *sql, int64_t *v, int n)
{
	sqlite3_stmt *st;
	int rc, i;

	if ((st = db_prepare(db, sql)) == NULL)
		return -1;
	rc = db_step(db, st);
	if (rc == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			v[i] = sqlite3_column_int64(st, i);
		db_reset(st);
		return 1;
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The session ids of sql (state bound), owned, into *ids; their count, or -1. */
static long
session_list(struct db *db, const char *sql, const int64_t *state, char ***ids)
{
	sqlite3_stmt *st;
	size_t n = 0, cap = 0;
	int rc;

	*ids = NULL;
	if ((st = db_prepare(db, sql)) == NULL)
		return -1;
	if (state) {
		db_bind_int(st, ":he", state[0]);
		db_bind_int(st, ":m", state[1]);
		db_bind_int(st, ":t", state[2]);
		db_bind_int(st, ":e", state[3]);
		db_bind_int(st, ":s", state[4]);
		db_bind_int(st, ":since", state[5]);
	}
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*ids = xrealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	if (rc != SQLITE_DONE) {
		while (n)
			free((*ids)[--n]);
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return (long)n;
}

static void
ids_free(char **ids, long n)
{
	while (n > 0)
		free(ids[--n]);
	free(ids);
}

/*
 * Brings the index up to date (see the top of the file); flags: INDEX_FULL
 * builds it again from nothing (which also takes out the entries of
 * sessions deleted by hand: clankers deletes none, and a search never
 * shows them, as it joins the sessions); INDEX_PROGRESS counts on stderr
 * as it goes.
 * Commits every BATCH_US; writes nothing when nothing changed. 0 and the
 * counts in *out, or -1 with the error reported (what was committed
 * stays: the next catch-up goes on from it).
 */
int
search_index(struct db *db, unsigned flags, struct index_stats *out)
{
	int full = (flags & INDEX_FULL) != 0, progress = (flags & INDEX_PROGRESS) != 0;
	struct catchup c;
	int64_t state[6], marks[5], start = now_ms(), t0 = mono_us(), batch;
	char **ids = NULL;
	long n = 0, i;
	int rc, has;

	memset(&c, 0, sizeof c);
	c.db = db;
	db->deadline_us = mono_us() + (int64_t)SEARCH_BUSY_MS * 1000;
	if (db_begin(db) != SQLITE_OK)
		goto fail;
	if (full && (sqlite3_exec(db->h, "DELETE FROM search_rows; DELETE FROM search_state;"
	    " DELETE FROM search_text", NULL, NULL,
	    NULL) != SQLITE_OK)) {
		error("index: %s", sqlite3_errmsg(db->h));
		db_rollback(db);
		goto out;
	}
	if ((has = read_ints(db, SQL_STATE, state, 6)) < 0 ||
	    read_ints(db, SQL_MARKS, marks, 5) < 0)
		goto fail;
	if (!has) {  /* never built: every session, nothing to compare with */
		int64_t any = 0;

		memset(state, 0, sizeof state);
		state[5] = INT64_MIN;
		if (read_ints(db, "SELECT EXISTS (SELECT 1 FROM search_rows)", &any, 1) < 0)
			goto fail;
		c.bulk = any == 0;
	}
	if ((n = session_list(db, SQL_TOUCHED, state, &ids)) < 0)
		goto fail;
	batch = mono_us();
	for (i = 0; i < n; i++) {
		if ((rc = session_sync(&c, ids[i])) != SQLITE_OK)
			goto fail;
		if (mono_us() - batch > BATCH_US) {
			/* Let the hooks in: what is committed is whole, sessions at a time. */
			if (db_commit(db) != SQLITE_OK)
				goto fail;
			if (progress)
				fprintf(stderr, "\rclankers: indexing: %ld of %ld sessions", i + 1, n);
			db->deadline_us = mono_us() + (int64_t)SEARCH_BUSY_MS * 1000;
			if (db_begin(db) != SQLITE_OK)
				goto fail;
			batch = mono_us();
		}
	}
	if (has && n == 0 && memcmp(state, marks, sizeof marks) == 0) {
		/* nothing new: no write (a search on a quiet database takes no lock long) */
		if (db_commit(db) != SQLITE_OK)
			goto fail;
	} else {
		sqlite3_stmt *st = db_prepare(db, SQL_SAVE_STATE);

		if (st == NULL)
			goto fail;
		db_bind_int(st, ":he", marks[0]);
		db_bind_int(st, ":m", marks[1]);
		db_bind_int(st, ":t", marks[2]);
		db_bind_int(st, ":e", marks[3]);
		db_bind_int(st, ":s", marks[4]);
		db_bind_int(st, ":since", start);
		db_bind_int(st, ":now", now_ms());
		if (db_run(db, st) != SQLITE_OK || db_commit(db) != SQLITE_OK)
			goto fail;
	}
	if (progress && n)
		fprintf(stderr, "\r\033[K");
	c.st.us = mono_us() - t0;
	if (out)
		*out = c.st;
	ids_free(ids, n);
	free(c.have);
	return 0;
fail:
	error("index: %s", db->err ? db->err : sqlite3_errmsg(db->h));
	db_rollback(db);
out:
	if (progress && n)
		fputc('\n', stderr);
	ids_free(ids, n);
	free(c.have);
	return -1;
}

/* Opens the database for the index: there must be one. 0, or -1 reported. */
static int
search_open(struct db *db, const char *cmd, const char *path)
{
	struct stat sb;

	memset(db, 0, sizeof *db);
	if (stat(path, &sb) < 0) {
		error("%s: no database at '%s' (nothing recorded yet: are the hooks "
		    "installed? see 'clankers doctor')", cmd, path);
		return -1;
	}
	if (db_open(db, path, SEARCH_BUSY_MS) != SQLITE_OK) {
		error("%s: %s", cmd, db->err ? db->err : "cannot open the database");
		return -1;
	}
	return 0;
}

int
cmd_index(int argc, char **argv, struct ctx *ctx)
{
	struct db db;
	struct index_stats st;
	int full = 0, i, rc;
	char a[32], b[32], c[32], d[32];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0) {
			full = 1;
		} else {
			error("index: unknown option '%s'; see 'clankers help index'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (search_open(&db, "index", ctx->db_path) < 0) {
		db_close(&db);
		return EXIT_FAIL;
	}
	rc = search_index(&db, (full ? INDEX_FULL : 0) |
	    (isatty(STDERR_FILENO) ? INDEX_PROGRESS : 0), &st);
	db_close(&db);
	if (rc < 0)
		return EXIT_FAIL;
	fmt_thousands(st.sessions, a);
	fmt_thousands(st.added, b);
	fmt_thousands(st.changed, c);
	fmt_thousands(st.removed, d);
	printf("indexed %s session%s: %s row%s added, %s changed, %s removed, "
	    "%lld MB of text, in %lld ms\n", a, st.sessions == 1 ? "" : "s", b,
	    st.added == 1 ? "" : "s", c, d, (long long)(st.bytes >> 20),
	    (long long)(st.us / 1000));
	return EXIT_OK;
}

/* --- the search ------------------------------------------------------------ */

enum out_fmt { F_TEXT, F_JSON, F_NDJSON };

struct search {
	struct buf query;        /* owned; the words, space-separated */
	unsigned kinds;          /* bit per K_*; all when --in is not given */
	const char *source;      /* borrowed: argv */
	char *project;           /* owned; without a trailing / */
	const char *session_arg; /* borrowed: argv */
	char *session;           /* owned: the full id */
	const char *since_arg, *until_arg;
	int64_t since, until;
	long limit;
	enum out_fmt fmt;
	int color;
};

static int
search_kinds(struct search *s, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *w;
	static const struct { const char *name; unsigned bits; } in[] = {
		{ "prompts", 1u << K_PROMPT }, { "messages", 1u << K_RESPONSE },
		{ "responses", 1u << K_RESPONSE }, { "tools", 1u << K_TOOL },
		{ "errors", 1u << K_ERROR }, { "titles", 1u << K_TITLE },
	};
	size_t k;

	s->kinds = 0;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NELEM(in) && strcmp(in[k].name, w) != 0; k++)
			;
		if (k == NELEM(in)) {
			char *e = table_escape(w);

			error("search: --in takes prompts, messages, tools, errors, titles "
			    "(comma-separated), not '%s'", e);
			free(e);
			free(copy);
			return -1;
		}
		s->kinds |= in[k].bits;
	}
	free(copy);
	if (s->kinds == 0) {
		error("search: --in names nothing");
		return -1;
	}
	return 0;
}

/* Parses the command line into s; EXIT_OK, or EXIT_USAGE reported. */
static int
search_args(struct search *s, int argc, char **argv)
{
	static const char *const with_value[] = { "--in", "--source", "--project",
	    "--session", "--since", "--until", "--limit" };
	const char *limit = NULL;
	char *msg;
	int64_t now = now_ms();
	int i, rc, words = 1;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (words && strcmp(a, "--") == 0) {
			words = 0;
			continue;
		}
		if (!words || a[0] != '-' || a[1] == '\0') {
			if (s->query.len)
				buf_add(&s->query, " ", 1);
			buf_add(&s->query, a, strlen(a));
			continue;
		}
		if (strcmp(a, "--json") == 0 || strcmp(a, "--ndjson") == 0) {
			enum out_fmt f = a[2] == 'j' ? F_JSON : F_NDJSON;

			if (s->fmt != F_TEXT && s->fmt != f) {
				error("search: --json and --ndjson: one output at a time");
				return EXIT_USAGE;
			}
			s->fmt = f;
			continue;
		}
		if ((rc = opt_value("search", with_value, NELEM(with_value), argc,
		    argv, &i, &val)) < 0)
			return EXIT_USAGE;
		k = (size_t)rc;
		if (val == NULL) {
			char *e = table_escape(a);

			error("search: unknown option '%s'; see 'clankers help search' "
			    "(a query that starts with - goes after --)", e);
			free(e);
			return EXIT_USAGE;
		}
		switch (k) {
		case 0:
			if (search_kinds(s, val) < 0)
				return EXIT_USAGE;
			break;
		case 1:
			s->source = val;
			break;
		case 2:
			free(s->project);
			s->project = folder_arg(val);
			break;
		case 3:
			s->session_arg = val;
			break;
		case 4:
			s->since_arg = val;
			break;
		case 5:
			s->until_arg = val;
			break;
		default:
			limit = val;
		}
	}
	if (s->query.len == 0) {
		error("search: no query; see 'clankers help search'");
		return EXIT_USAGE;
	}
	if ((msg = fmt_period(s->since_arg, s->until_arg, now, &s->since,
	    &s->until)) != NULL) {
		error("search: %s", msg);
		free(msg);
		return EXIT_USAGE;
	}
	if (limit) {
		char *end;

		errno = 0;
		s->limit = strtol(limit, &end, 10);
		if (errno || *end || end == limit || s->limit < 0) {
			error("search: --limit takes a number (0: all results), not '%s'", limit);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/*
 * The query, as FTS5 gets it the second time: each word a phrase, when the
 * first was rejected and uses none of FTS5's syntax. Owned, or NULL when
 * the query does use it (then the rejection stands).
 */
static char *
query_words(const char *q)
{
	static const char *const ops[] = { "AND", "OR", "NOT", "NEAR" };
	struct buf b = {0};
	const char *p = q;
	size_t k;

	/* Quotes, brackets and stars are syntax meant; a colon, caret or
	 * plus in a word (localhost:8080, std::vector, TypeError:, a+b) is
	 * text, taken in its phrase. */
	if (strpbrk(q, "\"()*{}") != NULL)
		return NULL;
	while (*p) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t\n");
		for (k = 0; k < NELEM(ops); k++)
			if (strlen(ops[k]) == n && strncmp(ops[k], p, n) == 0) {
				buf_release(&b);
				return NULL;
			}
		if (b.len)
			buf_add(&b, " ", 1);
		buf_add(&b, "\"", 1);
		buf_add(&b, p, n);
		buf_add(&b, "\"", 1);
		p += n;
	}
	return b.data;
}

/*
 * Whether FTS5 reads q: asked of an empty table of the same columns in a
 * database of its own, so that a query it rejects is told from any other
 * error of the search. 1 yes, 0 no, -1 on an error (reported).
 */
static int
query_ok(const char *q)
{
	sqlite3 *m = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_open_v2(":memory:", &m, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(m, "CREATE VIRTUAL TABLE q USING fts5(text, tool, input, output,"
	    " error, file)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m, "SELECT rowid FROM q WHERE q MATCH ?", -1, &st,
	    NULL) != SQLITE_OK) {
		error("search: %s", m ? sqlite3_errmsg(m) : "out of memory");
		sqlite3_close(m);
		return -1;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_close(m);
	return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

/*
 * The search in two steps: the ids of the best matches (bm25 of every
 * match, but no text read), then each one's snippet and particulars, so
 * that a common word reads the text of the rows shown only.
 */
static const char SQL_RANKED[] =
	"SELECT search_text.rowid FROM search_text"
	" JOIN search_rows r ON r.id = search_text.rowid"
	" JOIN sessions s ON s.id = r.session_id"
	" WHERE search_text MATCH :q AND (:kinds >> r.kind) & 1"
	" AND (:timed = 0 OR (r.at >= :since AND r.at < :until)) AND "
	SESSION_FILTER
	" ORDER BY search_text.rank, r.at DESC LIMIT :limit";
/*
 * The same with no filter on the sessions: no look-up of each match's
 * session (40% of the time of a common word). A session deleted by hand
 * is then left out by SQL_ONE, which joins it.
 */
static const char SQL_RANKED_ALL[] =
	"SELECT search_text.rowid FROM search_text"
	" JOIN search_rows r ON r.id = search_text.rowid"
	" WHERE search_text MATCH :q AND (:kinds >> r.kind) & 1"
	" AND (:timed = 0 OR (r.at >= :since AND r.at < :until))"
	" ORDER BY search_text.rank, r.at DESC LIMIT :limit";
static const char SQL_ONE[] =
	"SELECT r.kind, r.session_id, r.at, search_text.rank,"
	" snippet(search_text, -1, :open, :close, :dots, 24),"  /* tokens around the terms */
	" s.title, s.project_name, s.source,"
	" CASE r.kind WHEN 3 THEN t.id WHEN 4 THEN e.id ELSE m.id END,"
	" t.tool_name, t.status, t.duration_ms, m.is_sidechain OR m.agent_id IS NOT NULL"
	"   OR t.agent_id IS NOT NULL, e.error_type"
	" FROM search_text"
	" JOIN search_rows r ON r.id = search_text.rowid"
	" JOIN sessions s ON s.id = r.session_id"
	" LEFT JOIN tools t ON r.kind = 3 AND t.rowid = r.src"
	" LEFT JOIN messages m ON r.kind IN (1, 2) AND m.rowid = r.src"
	" LEFT JOIN session_errors e ON r.kind = 4 AND e.id = r.src"
	" WHERE search_text MATCH :q AND search_text.rowid = :id";

/* What matched, for a person: "tool Bash (error)", "response (subagent)". */
static char *
what_of(sqlite3_stmt *st)
{
	int kind = sqlite3_column_int(st, 0);
	const char *tool = (const char *)sqlite3_column_text(st, 9);
	const char *status = (const char *)sqlite3_column_text(st, 10);
	const char *etype = (const char *)sqlite3_column_text(st, 13);
	int sub = sqlite3_column_int(st, 12);

	switch (kind) {
	case K_TOOL:
		return xasprintf("tool %s (%s)%s", tool ? tool : "?", status ? status : "?",
		    sub ? " subagent" : "");
	case K_ERROR:
		return xasprintf("error %s", etype ? etype : "");
	default:
		return xasprintf("%s%s", kind > 0 && kind < K_LAST ? kind_names[kind] : "?",
		    sub && kind != K_TITLE ? " (subagent)" : "");
	}
}

/*
 * The snippet for a terminal: whitespace runs one space, stored text
 * escaped (table.c), the terms between \x01 and \x02 marked: bold red on
 * a terminal, [term] otherwise.
 */
static void
print_snippet(FILE *out, const char *s, int color)
{
	struct buf b = {0};
	const char *p;
	size_t w;
	char *e;
	int space = 1;  /* the last character out was a space (or none yet) */

	buf_add(&b, "", 0);
	for (p = s; *p; p++) {
		if (*p == '\001' || *p == '\002') {
			if (b.len) {
				e = table_fit(b.data, b.len, SIZE_MAX, 0, &w);
				fputs(e, out);
				free(e);
				b.len = 0;
			}
			fputs(*p == '\001' ? (color ? "\033[1;31m" : "[") :
			    (color ? "\033[0m" : "]"), out);
		} else if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			if (!space)
				buf_add(&b, " ", 1);
			space = 1;
			continue;
		} else {
			buf_add(&b, p, 1);
		}
		space = 0;
	}
	if (b.len) {
		e = table_fit(b.data, b.len, SIZE_MAX, 0, &w);
		fputs(e, out);
		free(e);
	}
	fputc('\n', out);
	buf_release(&b);
}

static void
print_text(FILE *out, sqlite3_stmt *st, int color)
{
	const char *sid = (const char *)sqlite3_column_text(st, 1);
	const char *title = (const char *)sqlite3_column_text(st, 5);
	const char *project = (const char *)sqlite3_column_text(st, 6);
	char when[32] = "-", *id, *what, *proj, *ttl;
	size_t w;

	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		iso_time(sqlite3_column_int64(st, 2), when);
		when[10] = ' ';
		when[16] = '\0';
	}
	id = table_fit(sid, utf8_cut(sid, strlen(sid), 8), 8, 0, &w);
	what = what_of(st);
	proj = table_fit(project ? project : "-", project ? strlen(project) : 1, 24, 0, &w);
	ttl = table_fit(title ? title : "", title ? strlen(title) : 0, 60, 0, &w);
	{
		char *e = table_escape(what);

		free(what);
		what = e;
	}
	fprintf(out, "%s%s%s  %s  %s  %s  %s\n", color ? "\033[33m" : "", id,
	    color ? "\033[0m" : "", when, what, proj, ttl);
	fputs("    ", out);
	print_snippet(out, (const char *)sqlite3_column_text(st, 4), color);
	free(id);
	free(what);
	free(proj);
	free(ttl);
}

static cJSON *
json_of(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	int kind = sqlite3_column_int(st, 0);

	cJSON_AddItemToObject(o, "session_id", section_json_col(st, 1));
	cJSON_AddItemToObject(o, "title", section_json_col(st, 5));
	cJSON_AddItemToObject(o, "project", section_json_col(st, 6));
	cJSON_AddItemToObject(o, "source", section_json_col(st, 7));
	cJSON_AddItemToObject(o, "time", sqlite3_column_type(st, 2) == SQLITE_NULL ?
	    cJSON_CreateNull() : fmt_json_time(sqlite3_column_int64(st, 2)));
	cJSON_AddStringToObject(o, "kind", kind > 0 && kind < K_LAST ? kind_names[kind] : "?");
	cJSON_AddItemToObject(o, "id", section_json_col(st, 8));
	cJSON_AddItemToObject(o, "tool", section_json_col(st, 9));
	cJSON_AddItemToObject(o, "status", section_json_col(st, 10));
	cJSON_AddItemToObject(o, "duration_ms", section_json_col(st, 11));
	cJSON_AddItemToObject(o, "error_type", section_json_col(st, 13));
	cJSON_AddBoolToObject(o, "subagent", sqlite3_column_int(st, 12));
	cJSON_AddNumberToObject(o, "score", -sqlite3_column_double(st, 3));
	cJSON_AddItemToObject(o, "snippet", section_json_col(st, 4));
	return o;
}

static void
search_bind(sqlite3_stmt *st, const struct search *s, const char *q)
{
	int text = s->fmt == F_TEXT;

	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":q"), q, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":open"), text ? "\001" : "",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":close"), text ? "\002" : "",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":dots"), "…", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":kinds"), s->kinds);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":timed"),
	    s->since != INT64_MIN || s->until != INT64_MAX);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), s->since);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), s->until);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
	    s->limit ? s->limit : -1);
	if (s->source)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":source"), s->source,
		    -1, SQLITE_STATIC);
	if (s->project)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":project"), s->project,
		    -1, SQLITE_STATIC);
	if (s->session)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":session"), s->session,
		    -1, SQLITE_STATIC);
}

/* Runs the query q and prints what it finds. EXIT_OK, or EXIT_FAIL reported. */
static int
search_run(sqlite3 *h, const struct search *s, const char *q, long *found)
{
	sqlite3_stmt *st, *one = NULL;
	cJSON *arr = NULL;
	int64_t *ids = NULL;
	size_t nids = 0, cap = 0, i;
	long n = 0;
	int rc;

	if (sqlite3_prepare_v2(h, s->source || s->project || s->session ? SQL_RANKED :
	    SQL_RANKED_ALL, -1, &st, NULL) != SQLITE_OK) {
		error("search: %s", sqlite3_errmsg(h));
		return EXIT_FAIL;
	}
	search_bind(st, s, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nids == cap) {
			cap = cap ? 2 * cap : 64;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[nids++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE || sqlite3_prepare_v2(h, SQL_ONE, -1, &one, NULL) != SQLITE_OK) {
		error("search: %s", sqlite3_errmsg(h));
		sqlite3_finalize(st);
		free(ids);
		return EXIT_FAIL;
	}
	sqlite3_finalize(st);
	st = one;
	search_bind(st, s, q);
	if (s->fmt == F_JSON)
		arr = cJSON_CreateArray();
	for (i = 0; i < nids; i++) {
		/* A match whose row or session is gone gives no row: the next
		 * one must still be asked (a finished statement takes no new
		 * binding until it is reset). */
		sqlite3_reset(st);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), ids[i]);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			if (rc == SQLITE_DONE)
				continue;
			break;
		}
		n++;
		if (s->fmt == F_TEXT) {
			print_text(stdout, st, s->color);
		} else if (s->fmt == F_JSON) {
			cJSON_AddItemToArray(arr, json_of(st));
		} else {
			cJSON *o = json_of(st);
			char *p = cJSON_PrintUnformatted(o);

			printf("%s\n", p);
			free(p);
			cJSON_Delete(o);
		}
		rc = SQLITE_DONE;
	}
	free(ids);
	if (rc != SQLITE_DONE) {
		error("search: %s", sqlite3_errmsg(h));
		sqlite3_finalize(st);
		cJSON_Delete(arr);
		return EXIT_FAIL;
	}
	sqlite3_finalize(st);
	if (arr) {
		char *p = cJSON_Print(arr);

		printf("%s\n", p);
		free(p);
		cJSON_Delete(arr);
	}
	*found = n;
	return EXIT_OK;
}

int
cmd_search(int argc, char **argv, struct ctx *ctx)
{
	struct search s;
	struct db db;
	const char *nc = getenv("NO_COLOR");
	long found = 0;
	int status, rc;
	char *words = NULL;
	const char *q;

	memset(&s, 0, sizeof s);
	memset(&db, 0, sizeof db);
	s.kinds = ~0u;
	s.since = INT64_MIN;
	s.until = INT64_MAX;
	s.limit = LIMIT_DEFAULT;
	if ((status = search_args(&s, argc, argv)) != EXIT_OK)
		goto out;
	status = EXIT_FAIL;
	s.color = s.fmt == F_TEXT && isatty(STDOUT_FILENO) && !(nc && *nc);
	if (search_open(&db, "search", ctx->db_path) < 0 ||
	    search_index(&db, 0, NULL) < 0)
		goto out;
	if (s.session_arg && (status = show_resolve(db.h, "search", s.session_arg,
	    &s.session)) != EXIT_OK)
		goto out;
	/* The query as FTS5 reads it, else word by word, else a usage error. */
	q = s.query.data;
	if ((rc = query_ok(q)) == 0 && (words = query_words(q)) != NULL &&
	    (rc = query_ok(words)) == 1)
		q = words;
	if (rc < 0)
		goto out;
	if (rc == 0) {
		char *e = table_escape(s.query.data);

		error("search: FTS5 cannot read the query '%s': words, \"a phrase\", "
		    "prefix*, AND, OR, NOT, (groups), NEAR(a b), column: (text tool "
		    "input output error file)", e);
		free(e);
		status = EXIT_USAGE;
		goto out;
	}
	/* One read transaction: the results see one state of the rows. */
	sqlite3_exec(db.h, "BEGIN", NULL, NULL, NULL);
	status = search_run(db.h, &s, q, &found);
	sqlite3_exec(db.h, "COMMIT", NULL, NULL, NULL);
	if (status == EXIT_OK && s.fmt == F_TEXT) {
		if (found == 0)
			fprintf(stdout, "No match.\n");
		else if (s.limit && found == s.limit)
			fprintf(stdout, "(the best %ld; --limit N for more, 0 for all)\n", found);
	}
out:
	free(words);
	buf_release(&s.query);
	free(s.project);
	free(s.session);
	db_close(&db);
	return status;
}
