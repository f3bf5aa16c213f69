/*
 * opencode_db.c: OpenCode's own database into rows, for `clankers import
 * opencode` (the history from before clankers was installed) and for the
 * repair when a session goes idle (what a lost event left out).
 *
 * OpenCode 1.2 and later keep every session in SQLite: opencode.db in its
 * data folder ($XDG_DATA_HOME/opencode, default ~/.local/share/opencode,
 * on macOS too); channel builds name it opencode-<channel>.db;
 * $OPENCODE_DB overrides (absolute, or relative to the data folder). Three
 * tables hold what clankers records:
 *
 *   session  one row, every field a column (id, parent_id, directory,
 *            title, version, time_created, time_updated, ...)
 *   message  id, session_id, times, and data: the message info of the
 *            message.updated event without its id and sessionID
 *   part     id, message_id, session_id, times, and data: the part of the
 *            message.part.updated event without id, sessionID, messageID
 *
 * Nothing here maps a field to a column. Each row becomes the bus event a
 * plugin would have received (the ids put back), and goes through the
 * agent's own mapper (opencode.c) by event_apply: the rows come out
 * exactly as the events make them, by the same merge rules, so an import
 * after the events, or twice, changes nothing, and one that follows a lost
 * event fills in what it lost. Parts are given as the plugin forwards
 * them: only finished ones (a text still streaming is not its text yet).
 *
 * The database is live (WAL, OpenCode writing): it is opened read-only,
 * read in one read transaction (one snapshot), and its schema checked
 * first: a table or column missing is an error naming OpenCode's version,
 * never rows guessed. One write transaction per session here, so an
 * interrupted import keeps the sessions done and a new run goes on.
 * OpenCode's older JSON storage (storage/, before 1.2) is not read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define DB_NAME "opencode.db"
#define BUSY_MS 5000  /* OpenCode's own busy_timeout */
#define REPAIR_MESSAGES 64  /* the latest messages the repair at idle reads again */

/* The reader's handle on one OpenCode database. */
struct odb {
	sqlite3 *h;     /* owned; read-only */
	const char *path;  /* borrowed */
	char *version;  /* owned; "OpenCode 1.18.33", or what else tells it */
	char *err;      /* owned; why it cannot be read */
};

/* OpenCode's data folder; owned. */
static char *
data_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return path_join(xdg, "opencode");
	return xasprintf("%s/.local/share/opencode", home && *home ? home : "");
}

/*
 * Which database OpenCode writes, as OpenCode finds it: $OPENCODE_DB
 * (absolute, or relative to the data folder), else opencode.db there,
 * else the one opencode-<channel>.db there. Returns the path (owned;
 * the file may not exist), or NULL with *err (owned) when several channel
 * databases leave the choice open.
 */
char *
opencode_db_path(char **err)
{
	const char *env = getenv("OPENCODE_DB");
	char *dir = data_dir(), *path, *found = NULL;
	struct buf names = {0};
	struct dirent *de;
	DIR *d;
	int n = 0;

	*err = NULL;
	if (env && *env) {
		path = *env == '/' ? xstrdup(env) : path_join(dir, env);
		free(dir);
		return path;
	}
	path = path_join(dir, DB_NAME);
	if (access(path, F_OK) == 0 || (d = opendir(dir)) == NULL) {
		free(dir);
		return path;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "opencode-", 9) != 0 || len <= 12 ||
		    strcmp(de->d_name + len - 3, ".db") != 0)
			continue;
		if (n++ == 0)
			found = path_join(dir, de->d_name);
		buf_add(&names, n > 1 ? ", " : "", n > 1 ? 2 : 0);
		buf_add(&names, de->d_name, len);
	}
	closedir(d);
	if (n == 1) {
		free(path);
		path = found;
	} else if (n > 1) {
		*err = xasprintf("several OpenCode databases in '%s' (%s): "
		    "give --db PATH, or set OPENCODE_DB", dir, names.data);
		free(found);
		free(path);
		path = NULL;
	}
	buf_release(&names);
	free(dir);
	return path;
}

static void
odb_fail(struct odb *o, const char *what)
{
	free(o->err);
	o->err = xasprintf("'%s': %s: %s", o->path, what, sqlite3_errmsg(o->h));
}

/* The first column of sql's first row; owned, or NULL (none, or an error). */
static char *
odb_text(struct odb *o, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(o->h, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Whether table has column (column NULL: whether the table exists at all). */
static int
odb_column(struct odb *o, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int yes;

	if (sqlite3_prepare_v2(o->h, "SELECT 1 FROM pragma_table_info(?1)"
	    " WHERE ?2 IS NULL OR name = ?2", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* The columns read here: any one missing and nothing is read. */
static const char *const needed[][2] = {
	{ "session", "id" }, { "session", "parent_id" }, { "session", "directory" },
	{ "session", "title" }, { "session", "version" },
	{ "session", "time_created" }, { "session", "time_updated" },
	{ "message", "id" }, { "message", "session_id" },
	{ "message", "time_created" }, { "message", "time_updated" },
	{ "message", "data" },
	{ "part", "id" }, { "part", "message_id" }, { "part", "session_id" },
	{ "part", "time_updated" }, { "part", "data" },
};

/*
 * Which OpenCode wrote the database: the version its latest session
 * names, else its latest migration; NULL when neither tells.
 */
static char *
odb_version(struct odb *o)
{
	char *v;

	if ((v = odb_text(o, "SELECT version FROM session"
	    " ORDER BY time_updated DESC LIMIT 1")) != NULL) {
		char *s = xasprintf("OpenCode %s", v);

		free(v);
		return s;
	}
	if ((v = odb_text(o, "SELECT id FROM migration ORDER BY id DESC LIMIT 1")) != NULL) {
		char *s = xasprintf("OpenCode with migration %s", v);

		free(v);
		return s;
	}
	return NULL;
}

/*
 * Opens the database at o->path read-only and checks that it has what is
 * read here. Returns 0, or -1 with o->err set. odb_close either way.
 */
static int
odb_open(struct odb *o, const char *path, int64_t deadline_us)
{
	int64_t ms = BUSY_MS;
	size_t i;

	memset(o, 0, sizeof *o);
	o->path = path;
	if (sqlite3_open_v2(path, &o->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		o->err = xasprintf("cannot open '%s': %s", path,
		    o->h ? sqlite3_errmsg(o->h) : "out of memory");
		return -1;
	}
	/* OpenCode writes on: wait as it does, but never past a hook's deadline. */
	if (deadline_us > 0 && (ms = (deadline_us - mono_us()) / 1000) < 1)
		ms = 1;
	sqlite3_busy_timeout(o->h, (int)(ms < BUSY_MS ? ms : BUSY_MS));
	/*
	 * One read transaction for the whole import: every session, message
	 * and part is read from one snapshot, whatever OpenCode writes
	 * meanwhile. Its first read (the schema) fails on a file that is no
	 * database.
	 */
	if (sqlite3_exec(o->h, "BEGIN; SELECT count(*) FROM sqlite_schema",
	    NULL, NULL, NULL) != SQLITE_OK) {
		o->err = xasprintf("cannot open '%s': %s", path, sqlite3_errmsg(o->h));
		return -1;
	}
	o->version = odb_version(o);
	for (i = 0; i < sizeof needed / sizeof *needed; i++) {
		const char *t = needed[i][0], *c = needed[i][1];
		char *what;

		if (odb_column(o, t, c))
			continue;
		what = odb_column(o, t, NULL) ? xasprintf("table '%s' has no column "
		    "'%s'", t, c) : xasprintf("it has no table '%s'", t);
		o->err = xasprintf("'%s': not an OpenCode database this clankers "
		    "can read (%s): %s; nothing imported", path, o->version ?
		    o->version : "OpenCode's version unknown", what);
		free(what);
		return -1;
	}
	return 0;
}

static void
odb_close(struct odb *o)
{
	if (o->h) {
		sqlite3_exec(o->h, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(o->h);
	}
	free(o->version);
	free(o->err);
	memset(o, 0, sizeof *o);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Sets obj's string field name to v (OpenCode keeps the ids out of data). */
static void
set_str(cJSON *obj, const char *name, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	if (v)
		cJSON_AddStringToObject(obj, name, v);
}

/*
 * The bus event { type, properties: { sessionID, NAME: item } } that
 * carries item (taken), as the plugin forwards it.
 */
static cJSON *
bus_event(const char *type, const char *sid, const char *name, cJSON *item)
{
	cJSON *ev = cJSON_CreateObject(), *pr;

	cJSON_AddStringToObject(ev, "type", type);
	pr = cJSON_AddObjectToObject(ev, "properties");
	cJSON_AddStringToObject(pr, "sessionID", sid);
	cJSON_AddItemToObject(pr, name, item);
	return ev;
}

/*
 * Whether the plugin forwards this part: a tool that ended, a text that
 * is whole (a prompt's has no time, a response's an end), a step's usage,
 * a compaction, a subtask. A part still being written is not what it will
 * be: its text would be kept as a part of the final one.
 */
static int
part_forwarded(const cJSON *part)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(part, "type"));
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(part, "state");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "time");
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(state, "status"));

	if (type == NULL)
		return 0;
	if (strcmp(type, "tool") == 0)
		return status && (strcmp(status, "completed") == 0 ||
		    strcmp(status, "error") == 0);
	if (strcmp(type, "text") == 0)
		return t == NULL || cJSON_IsNull(t) ||
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(t, "end"));
	return strcmp(type, "step-finish") == 0 || strcmp(type, "compaction") == 0 ||
	    strcmp(type, "subtask") == 0;
}

/* What one import reads, prepared once. */
struct reader {
	struct odb *o;
	struct db *db;            /* borrowed: clankers' */
	const char *root;
	const struct agent *a;
	sqlite3_stmt *messages;   /* owned */
	sqlite3_stmt *parts;      /* owned */
	struct import_stats *st;
	int64_t deadline_us;      /* 0: none */
	int recent;               /* read only the latest messages of each session; 0: all */
};

/*
 * Past the deadline: stop applying (what is applied is kept: every write
 * is an upsert that a later read completes). Counted in st->deferred.
 */
static int
past(struct reader *r)
{
	if (r->deadline_us <= 0 || mono_us() < r->deadline_us)
		return 0;
	r->st->deferred = 1;
	return 1;
}

/* Applies one event (taken) at at; a SQLite result code. */
static int
apply(struct reader *r, const char *type, int64_t at, cJSON *ev)
{
	cJSON *log = cJSON_CreateObject();  /* the mapper's notes: not kept */
	int rc = event_apply(r->db, r->root, r->a, type, at, ev, log);

	cJSON_Delete(log);
	cJSON_Delete(ev);
	return rc;
}

/*
 * data (a row's JSON) parsed into an object; NULL (counted as bad) when
 * it is not one.
 */
static cJSON *
row_json(struct reader *r, sqlite3_stmt *st, int i)
{
	const char *p = (const char *)sqlite3_column_blob(st, i);
	cJSON *v = p ? cJSON_ParseWithLength(p, (size_t)sqlite3_column_bytes(st, i)) : NULL;

	if (cJSON_IsObject(v))
		return v;
	cJSON_Delete(v);
	r->st->bad++;
	return NULL;
}

/* session.updated from the session row st stands on. */
static int
apply_session(struct reader *r, sqlite3_stmt *st)
{
	cJSON *info = cJSON_CreateObject(), *t;
	const char *sid = col_text(st, 0);

	cJSON_AddStringToObject(info, "id", sid);
	set_str(info, "directory", col_text(st, 1));
	set_str(info, "parentID", col_text(st, 2));
	set_str(info, "title", col_text(st, 3));
	set_str(info, "version", col_text(st, 4));
	t = cJSON_AddObjectToObject(info, "time");
	cJSON_AddNumberToObject(t, "created", (double)sqlite3_column_int64(st, 5));
	cJSON_AddNumberToObject(t, "updated", (double)sqlite3_column_int64(st, 6));
	return apply(r, "session.updated", sqlite3_column_int64(st, 6),
	    bus_event("session.updated", sid, "info", info));
}

/* message.updated for each message of sid, then message.part.updated for each part. */
static int
apply_messages(struct reader *r, const char *sid)
{
	sqlite3_stmt *st;
	cJSON *item, *ev;
	int rc = SQLITE_OK, step = SQLITE_DONE;

	st = r->messages;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->recent > 0 ? r->recent : -1);
	while (rc == SQLITE_OK && !past(r) && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((item = row_json(r, st, 2)) == NULL)
			continue;
		set_str(item, "id", col_text(st, 0));
		set_str(item, "sessionID", sid);
		rc = apply(r, "message.updated", sqlite3_column_int64(st, 1),
		    bus_event("message.updated", sid, "info", item));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_OK || r->st->deferred)
		return rc;
	if (step != SQLITE_DONE)
		goto fail;
	st = r->parts;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->recent > 0 ? r->recent : -1);
	while (rc == SQLITE_OK && !past(r) && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((item = row_json(r, st, 3)) == NULL)
			continue;
		if (!part_forwarded(item)) {
			cJSON_Delete(item);
			continue;
		}
		set_str(item, "id", col_text(st, 0));
		set_str(item, "sessionID", sid);
		set_str(item, "messageID", col_text(st, 1));
		ev = bus_event("message.part.updated", sid, "part", item);
		cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(ev, "properties"),
		    "time", (double)sqlite3_column_int64(st, 2));
		rc = apply(r, "message.part.updated", sqlite3_column_int64(st, 2), ev);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_OK || step == SQLITE_DONE || r->st->deferred)
		return rc;
fail:
	odb_fail(r->o, "cannot read");
	return -1;
}

/* Adds what the database now holds of a session to the totals. */
static void
count(struct import_stats *st, const struct store_totals *before,
    const struct store_totals *after)
{
	st->sessions++;
	if (!before->exists)
		st->made++;
	else if (before->digest != after->digest)
		st->changed++;
	else
		st->same++;
	st->messages += after->messages;
	st->tools += after->tools;
	st->input += after->input;
	st->output += after->output;
	st->reasoning += after->reasoning;
	st->cache_read += after->cache_read;
	st->cache_write += after->cache_write;
	if (after->cost_usd > 0)
		st->cost_usd += after->cost_usd;
}

/*
 * One session, the row row stands on, in one transaction: kept, or with
 * dry_run rolled back once counted. 0, -1 (r->o->err), or a SQLite code.
 */
static int
import_session(struct reader *r, sqlite3_stmt *row, int dry_run)
{
	struct store store = { .db = r->db, .source = r->a->source, .root = r->root };
	struct store_totals before, after;
	const char *sid = col_text(row, 0);
	int rc;

	if (sid == NULL)
		return 0;
	/* The wait for clankers' write lock: the hook's deadline, else 10 s a session. */
	r->db->deadline_us = r->deadline_us > 0 ? r->deadline_us : mono_us() + 10000000LL;
	if ((rc = db_begin(r->db)) != SQLITE_OK)
		return rc;
	if ((rc = store_totals(&store, sid, &before)) != SQLITE_OK ||
	    (rc = apply_session(r, row)) != SQLITE_OK ||
	    (rc = apply_messages(r, sid)) != SQLITE_OK ||
	    (rc = store_totals(&store, sid, &after)) != SQLITE_OK) {
		db_rollback(r->db);
		return rc;
	}
	if (dry_run)
		db_rollback(r->db);
	else if ((rc = db_commit(r->db)) != SQLITE_OK)
		return rc;
	count(r->st, &before, &after);
	return 0;
}

static const char SQL_ALL[] =
	"SELECT id, directory, parent_id, title, version, time_created,"
	" time_updated FROM session ORDER BY time_created, id";
static const char SQL_ONE[] =
	"SELECT id, directory, parent_id, title, version, time_created,"
	" time_updated FROM session WHERE id = ?1";
/* The session's messages, or its ?2 latest (-1: all), in order. */
#define LATEST_MESSAGES "(SELECT id FROM message WHERE session_id = ?1" \
	" ORDER BY time_created DESC, id DESC LIMIT ?2)"
static const char SQL_MESSAGES[] =
	"SELECT id, time_updated, data FROM message WHERE session_id = ?1"
	" AND (?2 < 0 OR id IN " LATEST_MESSAGES ") ORDER BY time_created, id";
/* Part ids grow with time: their order is the order they were made in. */
static const char SQL_PARTS[] =
	"SELECT id, message_id, time_updated, data FROM part WHERE session_id = ?1"
	" AND (?2 < 0 OR message_id IN " LATEST_MESSAGES ") ORDER BY id";

/*
 * Imports OpenCode's sessions (q->session_id: that one) from the database
 * q->from (NULL: opencode_db_path's) into db, through agent a's mapper.
 * st receives the counts. Returns 0; -1 when OpenCode's database cannot
 * be read (cannot open, unknown schema: *err, owned, says why, and
 * nothing was written); or a SQLite code (db->err), the sessions before
 * the one that failed kept.
 */
int
opencode_import(struct db *db, const char *root, const struct agent *a,
    const struct import_req *q, struct import_stats *st, char **err)
{
	struct reader r = { .db = db, .root = root, .a = a, .st = st,
	    .deadline_us = q->deadline_us, .recent = q->recent };
	struct odb o;
	sqlite3_stmt *ss = NULL;
	char *path;
	int64_t total = 0;
	int rc = 0, step = SQLITE_DONE;

	memset(st, 0, sizeof *st);
	*err = NULL;
	if ((path = q->from ? xstrdup(q->from) : opencode_db_path(err)) == NULL)
		return -1;
	r.o = &o;
	if (odb_open(&o, path, q->deadline_us) < 0)
		goto fail;
	if (sqlite3_prepare_v2(o.h, q->session_id ? SQL_ONE : SQL_ALL, -1, &ss,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(o.h, SQL_MESSAGES, -1, &r.messages, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(o.h, SQL_PARTS, -1, &r.parts, NULL) != SQLITE_OK) {
		odb_fail(&o, "cannot read");
		goto fail;
	}
	if (q->session_id)
		sqlite3_bind_text(ss, 1, q->session_id, -1, SQLITE_STATIC);
	if (q->progress) {
		char *n = odb_text(&o, "SELECT count(*) FROM session");

		total = n ? atoll(n) : 0;
		free(n);
	}
	store_prices(db, root);
	while (!st->deferred && (step = sqlite3_step(ss)) == SQLITE_ROW) {
		if ((rc = import_session(&r, ss, q->dry_run)) != 0)
			break;
		if (q->progress)
			q->progress(st, total);
	}
	if (rc == 0 && !st->deferred && step != SQLITE_DONE) {
		odb_fail(&o, "cannot read");
		rc = -1;
	}
	if (rc < 0)
		goto fail;
	goto out;
fail:
	*err = o.err ? xstrdup(o.err) : *err;
	rc = -1;
out:
	sqlite3_finalize(ss);
	sqlite3_finalize(r.messages);
	sqlite3_finalize(r.parts);
	if (r.o)
		odb_close(&o);
	free(path);
	return rc;
}

/*
 * When a session goes idle (session.idle, or session.status of type
 * idle), the session is read again from OpenCode's database: what an
 * event lost on the way (`opencode run` exits without waiting for the
 * plugin's handlers) is filled in, as a Claude Code transcript re-read
 * fills in a missed hook. One session, within the hook's deadline. No
 * database (OpenCode elsewhere, or older than 1.2) is no fault: the log
 * line only says so.
 */
void
opencode_after(struct event *ev, const char *root, int64_t deadline_us)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(ev->p.root, "properties");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(pr, "status");
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(status, "type"));
	struct import_req q = {0};
	struct import_stats st;
	cJSON *log = ev->p.log, *o;
	char *path, *err = NULL;
	int rc;

	if (ev->session_id == NULL || (strcmp(ev->r->event, "session.idle") != 0 &&
	    (strcmp(ev->r->event, "session.status") != 0 || type == NULL ||
	    strcmp(type, "idle") != 0)))
		return;
	if ((path = opencode_db_path(&err)) == NULL || access(path, F_OK) != 0) {
		cJSON_AddStringToObject(log, "repair", err ? err : "no OpenCode database");
		free(path);
		free(err);
		return;
	}
	q.from = path;
	q.session_id = ev->session_id;
	q.deadline_us = deadline_us;
	/* A lost event is of the last turns: the whole session is import's job. */
	q.recent = REPAIR_MESSAGES;
	rc = opencode_import(ev->store.db, root, ev->r->agent, &q, &st, &err);
	o = cJSON_AddObjectToObject(log, "repair");
	cJSON_AddBoolToObject(o, "found", st.sessions > 0);
	cJSON_AddBoolToObject(o, "changed", st.made + st.changed > 0);
	cJSON_AddNumberToObject(o, "messages", (double)st.messages);
	cJSON_AddNumberToObject(o, "tools", (double)st.tools);
	if (st.deferred)
		cJSON_AddBoolToObject(o, "deferred", 1);
	if (rc != 0) {
		cJSON_AddStringToObject(o, "error", rc < 0 ? err : ev->store.db->err ?
		    ev->store.db->err : "database error");
		log_set_level(log, LOG_WARN);
	}
	free(err);
	free(path);
}
