/*
 * db.c: the SQLite database. Opens it with a busy timeout, WAL,
 * synchronous=NORMAL and foreign keys; brings the schema forward from the
 * embedded schema.sql; wraps each event in BEGIN IMMEDIATE with a bounded,
 * jittered retry; keeps prepared statements for the life of the handle.
 * It knows nothing about agents: callers bring the SQL. The commands that
 * only read open it through db_open_readonly, the one read-only open.
 *
 * Every function that fails leaves a message in db->err (with the SQL it
 * was running) and returns the SQLite result code; none of them exits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clankers.h"

/* schema.sql as bytes (a string literal that long is not portable C). */
static const char db_schema_sql[] = {
#include "schema.inc"
	0
};

static void
db_error(struct db *db, const char *what, const char *sql)
{
	free(db->err);
	if (sql)
		db->err = xasprintf("%s: %s (while running: %.200s)", what,
		    sqlite3_errmsg(db->h), sql);
	else
		db->err = xasprintf("%s: %s", what, sqlite3_errmsg(db->h));
}

/*
 * Parameter indexes, remembered by statement and name: SQLite finds one by
 * comparing names, and a transcript read binds millions. The names are
 * string literals and the statements live as long as the handle, so the
 * two pointers are the key; the table is emptied whenever a statement is
 * finalized.
 */
#define PARAM_CACHE 512
static struct {
	const sqlite3_stmt *st;
	const char *name;
	int idx;
} params[PARAM_CACHE];

static void
params_forget(void)
{
	memset(params, 0, sizeof params);
}

static int
db_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* xorshift32, seeded once per handle: jitter needs no /dev/urandom read. */
static unsigned
db_jitter(struct db *db, unsigned n)
{
	db->rand ^= db->rand << 13;
	db->rand ^= db->rand >> 17;
	db->rand ^= db->rand << 5;
	return db->rand % n;
}

/*
 * Waits before another try at a busy database: a short, jittered sleep,
 * 50 us to 2 ms growing with count, unless the budget is spent (returns 0:
 * give up). SQLite calls it as the busy handler; our own retries of what
 * the handler does not cover use it too. The jitter keeps processes that
 * collided once from colliding again in step; the short sleeps match the
 * few hundred microseconds a hook holds the lock (SQLite's own handler
 * sleeps up to 100 ms).
 */
static int
db_wait(void *arg, int count)
{
	struct db *db = arg;
	struct timespec ts;
	long us;

	if (mono_us() >= db->deadline_us)
		return 0;
	us = 50 + (long)db_jitter(db, 256) * (count < 7 ? count + 1 : 8);
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000L;
	nanosleep(&ts, NULL);
	return 1;
}

static int
db_retry(struct db *db, int rc)
{
	return db_busy(rc) && db_wait(db, 7);
}

/* Runs SQL without results, retrying while busy within the budget. */
static int
db_exec(struct db *db, const char *sql)
{
	int rc;

	do {
		rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	} while (db_retry(db, rc));
	if (rc != SQLITE_OK)
		db_error(db, "cannot run SQL", sql);
	return rc;
}

/*
 * Runs a one-row query, retrying while busy; the first column goes to *num
 * and, when text is not NULL, to text (at most size bytes).
 */
static int
db_query1(struct db *db, const char *sql, int64_t *num, char *text, size_t size)
{
	sqlite3_stmt *st;
	int rc;

	do {
		rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				*num = sqlite3_column_int64(st, 0);
				if (text)
					snprintf(text, size, "%s",
					    (const char *)sqlite3_column_text(st, 0));
				rc = SQLITE_OK;
			}
			sqlite3_finalize(st);
		}
	} while (db_retry(db, rc));
	if (rc != SQLITE_OK)
		db_error(db, "cannot read", sql);
	return rc;
}

/* The highest "-- version N" in the embedded schema. */
int
db_schema_version(void)
{
	const char *p = db_schema_sql;
	int v = 0, n;

	while ((p = strstr(p, "\n-- version ")) != NULL) {
		p += strlen("\n-- version ");
		n = atoi(p);
		if (n > v)
			v = n;
	}
	return v;
}

/*
 * Applies the migrations after version `from`. The caller holds the write
 * lock (BEGIN IMMEDIATE), so two processes never migrate at once.
 */
static int
db_migrate_from(struct db *db, int64_t from)
{
	const char *p = db_schema_sql, *next;
	int rc = SQLITE_OK, to = 0;
	char *sql;

	while ((p = strstr(p, "\n-- version ")) != NULL) {
		int v = atoi(p + strlen("\n-- version "));

		next = strstr(p + 1, "\n-- version ");
		if (v > from) {
			size_t n = next ? (size_t)(next - p) : strlen(p);

			sql = xstrndup(p, n);
			rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
			if (rc != SQLITE_OK) {
				db_error(db, "cannot migrate the schema", sql);
				free(sql);
				return rc;
			}
			free(sql);
			to = v;
		}
		p++;
	}
	if (to > 0) {
		sql = sqlite3_mprintf("PRAGMA user_version = %d", to);
		rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			db_error(db, "cannot set the schema version", sql);
		sqlite3_free(sql);
	}
	return rc;
}

static int
db_migrate(struct db *db)
{
	int64_t v;
	int rc, want = db_schema_version();

	if ((rc = db_query1(db, "PRAGMA user_version", &v, NULL, 0)) != SQLITE_OK)
		return rc;
	if (v == want)
		return SQLITE_OK;
	if (v > want) {
		free(db->err);
		db->err = xasprintf("database schema version %lld is newer than "
		    "this clankers knows (%d): upgrade clankers", (long long)v, want);
		return SQLITE_MISMATCH;
	}
	if ((rc = db_begin(db)) != SQLITE_OK)
		return rc;
	/* Read again under the lock: another process may have migrated. */
	if ((rc = db_query1(db, "PRAGMA user_version", &v, NULL, 0)) == SQLITE_OK && v < want)
		rc = db_migrate_from(db, v);
	if (rc == SQLITE_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}

/*
 * Opens (creating if needed) the database at path and brings its schema up
 * to date. budget_ms bounds the time spent waiting on a busy database, from
 * now, for the life of the handle. Returns SQLITE_OK, or an error with
 * db->err set; db_close is needed either way.
 */
int
db_open(struct db *db, const char *path, int budget_ms)
{
	char mode[16] = "", seed[9];
	struct stat sb;
	int64_t v;
	int rc;

	memset(db, 0, sizeof *db);
	db->deadline_us = mono_us() + (int64_t)budget_ms * 1000;
	random_hex(seed, 4);
	db->rand = (uint32_t)strtoul(seed, NULL, 16) | 1;
	/* SQLite would open a FIFO and wait on it forever, or read a device. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		db->err = xasprintf("cannot open database '%s': not a regular file", path);
		return SQLITE_CANTOPEN;
	}
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (db->h)
			db_error(db, "cannot open database", NULL);
		else
			db->err = xasprintf("cannot open database '%s'", path);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/*
	 * The busy handler first: even the journal_mode pragma can meet a lock.
	 * Ours, not sqlite3_busy_timeout: SQLite's own sleeps grow to 100 ms,
	 * far longer than the few hundred microseconds a hook holds the lock.
	 */
	sqlite3_busy_handler(db->h, db_wait, db);
	if ((rc = db_query1(db, "PRAGMA journal_mode=WAL", &v, mode, sizeof mode)) != SQLITE_OK)
		return rc;
	if (strcmp(mode, "wal") != 0)
		log_msg(LOG_WARN, "db", "database '%s' is in journal mode '%s', "
		    "not WAL: concurrent hooks will wait on each other", path, mode);
	/*
	 * temp_store in memory: the upserts the triggers make need a statement
	 * journal, which would otherwise be a temporary file written for every
	 * row (twenty times the writes of a long transcript read).
	 */
	if ((rc = db_exec(db, "PRAGMA synchronous=NORMAL")) != SQLITE_OK ||
	    (rc = db_exec(db, "PRAGMA foreign_keys=ON")) != SQLITE_OK ||
	    (rc = db_exec(db, "PRAGMA temp_store=MEMORY")) != SQLITE_OK)
		return rc;
	return db_migrate(db);
}

/* Finalizes the cached statements and closes; safe on a failed open. */
void
db_close(struct db *db)
{
	int i;

	for (i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].st);
	params_forget();
	if (db->h)
		sqlite3_close(db->h);
	free(db->err);
	memset(db, 0, sizeof *db);
}

/*
 * BEGIN IMMEDIATE, not BEGIN: a deferred transaction that later upgrades
 * to a write gets SQLITE_BUSY at once, whatever the timeout, because
 * waiting could deadlock. Taking the write lock up front lets the busy
 * handler wait for it.
 */
int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

/* COMMIT; on failure rolls back, so nothing of the transaction stays. */
int
db_commit(struct db *db)
{
	int rc = db_exec(db, "COMMIT");

	if (rc != SQLITE_OK)
		db_rollback(db);
	return rc;
}

/* ROLLBACK when a transaction is open; never fails the caller. */
void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Returns the prepared statement for sql, a string literal whose address
 * is the cache key; the handle owns it. NULL on error (db->err set).
 */
sqlite3_stmt *
db_prepare(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int i, rc;

	for (i = 0; i < db->ncache; i++)
		if (db->cache[i].sql == sql)
			return db->cache[i].st;
	do {
		rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL);
	} while (db_retry(db, rc));
	if (rc != SQLITE_OK) {
		db_error(db, "cannot prepare", sql);
		return NULL;
	}
	if (db->ncache == DB_CACHE) {
		/* Full: drop the oldest. Only long runs of many queries get here. */
		sqlite3_finalize(db->cache[0].st);
		params_forget();
		memmove(db->cache, db->cache + 1, sizeof db->cache[0] * (DB_CACHE - 1));
		db->ncache--;
	}
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].st = st;
	db->ncache++;
	return st;
}

static int
param(sqlite3_stmt *st, const char *name)
{
	size_t h = ((uintptr_t)st / 8 * 31 + (uintptr_t)name) % PARAM_CACHE;
	int i;

	if (params[h].st == st && params[h].name == name)
		return params[h].idx;
	if ((i = sqlite3_bind_parameter_index(st, name)) == 0) {
		/* A programming error: the SQL and the code disagree. */
		fprintf(stderr, "clankers: internal error: no parameter %s in: %s\n",
		    name, sqlite3_sql(st));
		abort();
	}
	params[h].st = st;
	params[h].name = name;
	params[h].idx = i;
	return i;
}

/* Binds s, or NULL when s is NULL or empty: an empty field is no value. */
void
db_bind_text(sqlite3_stmt *st, const char *name, const char *s)
{
	db_bind_textn(st, name, s, s ? strlen(s) : 0);
}

/* Binds the first n bytes of s (copied), or NULL when n is 0. */
void
db_bind_textn(sqlite3_stmt *st, const char *name, const char *s, size_t n)
{
	if (s == NULL || n == 0)
		sqlite3_bind_null(st, param(st, name));
	else
		sqlite3_bind_text64(st, param(st, name), s, n, SQLITE_TRANSIENT,
		    SQLITE_UTF8);
}

void
db_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	sqlite3_bind_int64(st, param(st, name), v);
}

void
db_bind_null(sqlite3_stmt *st, const char *name)
{
	sqlite3_bind_null(st, param(st, name));
}

void
db_bind_real(sqlite3_stmt *st, const char *name, double v)
{
	sqlite3_bind_double(st, param(st, name), v);
}

/* Binds v, or NULL when v is negative (a count or a time not known). */
void
db_bind_known(sqlite3_stmt *st, const char *name, int64_t v)
{
	if (v >= 0)
		db_bind_int(st, name, v);
	else
		db_bind_null(st, name);
}

/* Steps st once: SQLITE_ROW, or anything else after resetting it. */
int
db_step(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return rc;
	if (rc != SQLITE_DONE)
		db_error(db, "cannot write", sqlite3_sql(st));
	db_reset(st);
	return rc;
}

/* Runs a statement without results: SQLITE_OK or the error. */
int
db_run(struct db *db, sqlite3_stmt *st)
{
	int rc = db_step(db, st);

	if (rc == SQLITE_ROW) {
		db_reset(st);
		return SQLITE_OK;
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Resets st and clears its bindings, ready for the next use. */
void
db_reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * A URI for path (its bytes that mean something in a URI escaped) with
 * query; owned. A path that starts with // would read as an authority.
 */
static char *
db_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = {0};
	const unsigned char *p;

	buf_add(&b, "file:", 5);
	if (path[0] == '/' && path[1] == '/')
		buf_add(&b, "//localhost", 11);
	for (p = (const unsigned char *)path; *p; p++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789/._~-", *p)) {
			buf_add(&b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_add(&b, e, 3);
		}
	}
	buf_add(&b, "?", 1);
	buf_add(&b, query, strlen(query));
	return b.data;
}

/*
 * Opens the database at path read-only, for the commands that only read
 * (report, query, doctor): SQLITE_OPEN_READONLY and PRAGMA query_only (a
 * second guard, for the temp schema too, which READONLY leaves writable),
 * no extension loading, the defensive flag, a schema whose views and
 * triggers run no function with side effects, extended result codes, and
 * busy_ms of waiting for a writer. It never creates the file. Of flags,
 * DB_RO_IMMUTABLE reads the file alone (no locks, no -wal or -shm read or
 * made) and DB_RO_SHM reads an existing -shm without writing to it; with
 * neither, SQLite reads as usual (a database in WAL mode may get its -wal
 * and -shm files made, and read marks written into the -shm).
 *
 * Returns SQLITE_OK with *h open; SQLITE_NOTFOUND when there is no file at
 * path; else SQLite's (extended) code and, in *err, an owned message (the
 * system's reason when there is one). On an error *h is NULL. Nothing is
 * reported: each command words its own message.
 */
int
db_open_readonly(sqlite3 **h, const char *path, unsigned flags, int busy_ms, char **err)
{
	struct stat sb;
	char *uri = NULL;
	int rc, e;

	*h = NULL;
	*err = NULL;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return SQLITE_NOTFOUND;
		*err = xstrdup(strerror(errno));
		return SQLITE_CANTOPEN;
	}
	if (!S_ISREG(sb.st_mode)) {  /* a FIFO would hang the reader */
		*err = xstrdup("not a regular file");
		return SQLITE_CANTOPEN;
	}
	if (flags & (DB_RO_IMMUTABLE | DB_RO_SHM))
		uri = db_uri(path, flags & DB_RO_IMMUTABLE ? "immutable=1" : "readonly_shm=1");
	rc = sqlite3_open_v2(uri ? uri : path, h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
	    (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		e = *h ? sqlite3_system_errno(*h) : 0;
		*err = xstrdup(e ? strerror(e) : *h ? sqlite3_errmsg(*h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(*h, 1);
	/* Readers never wait in WAL mode; a rollback journal's writer may. */
	sqlite3_busy_timeout(*h, busy_ms);
	sqlite3_db_config(*h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(*h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	/* A view of a database from elsewhere runs no function with side effects. */
	sqlite3_db_config(*h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	if ((rc = sqlite3_exec(*h, "PRAGMA query_only=1", NULL, NULL, NULL)) == SQLITE_OK)
		return SQLITE_OK;
	*err = xstrdup(sqlite3_errmsg(*h));
fail:
	sqlite3_close(*h);
	*h = NULL;
	return rc;
}
