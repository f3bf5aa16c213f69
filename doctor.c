/*
 * doctor.c: `clankers doctor`, which checks that clankers can record and
 * says how to fix what stops it: the data root and the files in it (owner
 * and mode), the database (a SQLite file, WAL, its schema version,
 * quick_check), the spool, the logs (writable, errors of today and
 * yesterday), the user's price table; then each agent's setup, in the
 * order of agent.c's table, by the agent's own checks (Claude Code's
 * hooks in the user's and the project's settings: claude_setup.c; whether
 * OpenCode is configured, not recorded yet: opencode_setup.c).
 *
 * It only reads. No file is created or changed: no log line (the log is
 * closed first), no data root, and not even the -wal and -shm files that a
 * read-only SQLite connection makes or writes (see db_read). Each finding
 * is one line, ok, note, warn or FAIL, with its fix where there is one;
 * --json gives the same findings as an array of objects (check.c says
 * them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#ifdef __APPLE__
#define MTIME_NSEC(st) ((st).st_mtimespec.tv_nsec)
#else
#define MTIME_NSEC(st) ((st).st_mtim.tv_nsec)
#endif

#define DB_BUSY_MS 2000  /* a rollback journal's writer holds its lock for ms */
#define DB_TRIES 3       /* reads of a database that changed while we read it */
#define CHECK_MAX 10     /* quick_check problems listed */
/* The fix for a damaged database: what can be read, into a new one. */
#define RECOVER "sqlite3 %s .recover | sqlite3 %s.recovered, then put " \
	"%s.recovered in its place"
#define STR_(x) #x
#define STR(x) STR_(x)

/* --- the data root --- */

/*
 * Returns 1 when the root is a folder (whatever its mode), 0 when it does
 * not exist yet, -1 when it cannot be used at all (said already).
 */
static int
check_root(struct doctor *d, const char *root)
{
	struct stat st;

	if (stat(root, &st) < 0) {
		if (errno == ENOENT) {
			check_say(d, CHECK_NOTE, "data_root", xasprintf("no data yet: %s "
			    "does not exist; run a session with the hooks installed", root),
			    NULL);
			return 0;
		}
		check_say(d, CHECK_FAIL, "data_root", xasprintf("cannot reach data "
		    "root %s: %s", root, strerror(errno)), NULL);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *q = sh_quote(root, 0);

		check_say(d, CHECK_FAIL, "data_root", xasprintf("data root %s is not a "
		    "folder", root), xasprintf("mv %s %s.old", q, q));
		free(q);
		return -1;
	}
	if (check_owner_mode(d, "data_root", "data root", root, &st, 0700))
		check_say(d, CHECK_OK, "data_root", xasprintf("data root %s (%04o)",
		    root, (unsigned)(st.st_mode & 07777)), NULL);
	return 1;
}

/*
 * A relative CLANKERS_DATA_PATH, CLANKERS_DB_PATH or CLANKERS_LOG_PATH: the
 * commands typed here read it from this folder, but hooks run wherever the
 * agent is and pass it over (clankers.c's setup): a warning each.
 */
static void
check_relative(struct doctor *d)
{
	static const char *const vars[] = {
		"CLANKERS_DATA_PATH", "CLANKERS_DB_PATH", "CLANKERS_LOG_PATH",
	};
	char cwd[4096], *q, *abs;
	size_t i;

	for (i = 0; i < NELEM(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v == NULL || *v == '\0' || *v == '/')
			continue;
		abs = getcwd(cwd, sizeof cwd) ? path_join(cwd, v) : xstrdup(v);
		q = sh_quote(abs, 0);
		check_say(d, CHECK_WARN, "data_root", xasprintf("%s is a relative "
		    "path ('%s'): hooks run in whatever folder the agent is in, so they "
		    "pass it over and write to the default data root", vars[i], v),
		    xasprintf("export %s=%s", vars[i], q));
		free(q);
		free(abs);
	}
}

/* --- the database --- */

/* What one read of the database found. */
struct dbfacts {
	int empty;           /* a file of 0 bytes: the next hook creates the tables */
	int not_sqlite;      /* no SQLite header */
	int wal;             /* the header says WAL (bytes 18 and 19 are 2) */
	int rc;              /* SQLite's result; SQLITE_OK: the read went through */
	char *err;           /* owned; SQLite's message when rc is not SQLITE_OK */
	int64_t version;     /* PRAGMA user_version */
	int nproblems;       /* quick_check lines other than "ok" */
	char *problem;       /* owned; the first of them */
};

static void
dbfacts_release(struct dbfacts *f)
{
	free(f->err);
	free(f->problem);
	memset(f, 0, sizeof *f);
}

/* What tells a database file that changed while it was read. */
struct stamp {
	int exists, wal;
	dev_t dev;
	ino_t ino;
	off_t size;
	time_t mtime;
	long mtime_ns;
};

static void
stamp_take(const char *path, struct stamp *s)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat st;

	memset(s, 0, sizeof *s);
	if (stat(path, &st) == 0) {
		s->exists = 1;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->size = st.st_size;
		s->mtime = st.st_mtime;
		s->mtime_ns = (long)MTIME_NSEC(st);
	}
	s->wal = access(wal, F_OK) == 0;
	free(wal);
}

static int
stamp_same(const struct stamp *a, const struct stamp *b)
{
	return a->exists == b->exists && a->wal == b->wal && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size && a->mtime == b->mtime &&
	    a->mtime_ns == b->mtime_ns;
}

/* Runs a read-only pragma; each row's first column goes to row(). */
static int
db_pragma(sqlite3 *h, const char *sql, struct dbfacts *f,
    void (*row)(struct dbfacts *f, sqlite3_stmt *st))
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if (!sqlite3_stmt_readonly(st)) {  /* cannot happen: our own SQL */
		sqlite3_finalize(st);
		return SQLITE_MISUSE;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(f, st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void
row_version(struct dbfacts *f, sqlite3_stmt *st)
{
	f->version = sqlite3_column_int64(st, 0);
}

static void
row_check(struct dbfacts *f, sqlite3_stmt *st)
{
	const char *s = (const char *)sqlite3_column_text(st, 0);

	if (s == NULL || strcmp(s, "ok") == 0)
		return;
	if (f->nproblems++ == 0)
		f->problem = xstrdup(s);
}

/*
 * Reads the schema version and runs quick_check over a read-only
 * connection that creates and writes nothing. A read-only connection to a
 * WAL database creates the -wal and -shm files when they are missing and
 * writes its read marks into the -shm, so: when both are there (a writer
 * is at work, or left them), readonly_shm reads them without writing;
 * else there is no WAL to read and the file alone is the database, read
 * as immutable (no locks, no side files). The caller reads again if the
 * file changed meanwhile. Fills f->rc and f->err.
 */
static void
db_read(const char *path, struct dbfacts *f)
{
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	int shared = access(wal, F_OK) == 0 && access(shm, F_OK) == 0, rc;
	sqlite3 *h = NULL;
	char *err = NULL;

	free(wal);
	free(shm);
again:
	rc = db_open_readonly(&h, path, shared ? DB_RO_SHM : DB_RO_IMMUTABLE, DB_BUSY_MS, &err);
	if (rc == SQLITE_OK) {
		f->version = 0;
		f->nproblems = 0;
		free(f->problem);
		f->problem = NULL;
		if ((rc = db_pragma(h, "PRAGMA user_version", f, row_version)) == SQLITE_OK)
			rc = db_pragma(h, "PRAGMA quick_check(" STR(CHECK_MAX) ")", f, row_check);
	}
	if (rc != SQLITE_OK && shared && ((rc & 0xff) == SQLITE_READONLY ||
	    (rc & 0xff) == SQLITE_CANTOPEN)) {
		/* A -shm we may not read, or one left unusable: the file alone. */
		sqlite3_close(h);
		h = NULL;
		free(err);
		err = NULL;
		shared = 0;
		goto again;
	}
	f->rc = rc;
	if (rc != SQLITE_OK)
		f->err = err ? err : xstrdup(h ? sqlite3_errmsg(h) : rc == SQLITE_NOTFOUND ?
		    strerror(ENOENT) : sqlite3_errstr(rc));
	else
		free(err);
	sqlite3_close(h);
}

/* Reads the header and, when it is a SQLite file, the database. */
static void
db_inspect(const char *path, struct dbfacts *f)
{
	unsigned char hdr[100];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		f->rc = SQLITE_CANTOPEN;
		f->err = xstrdup(strerror(errno));
		return;
	}
	n = read(fd, hdr, sizeof hdr);
	close(fd);
	if (n == 0) {
		f->empty = 1;
		return;
	}
	if (n < (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0) {
		f->not_sqlite = 1;
		return;
	}
	f->wal = hdr[18] == 2 && hdr[19] == 2;
	db_read(path, f);
}

/* Owner and mode of the database and of its -wal and -shm when present. */
static int
check_db_files(struct doctor *d, const char *db)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct stat st;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		char *p = xasprintf("%s%s", db, sfx[i]);

		if (stat(p, &st) == 0 && (i == 0 || S_ISREG(st.st_mode)))
			ok &= check_owner_mode(d, "database", i == 0 ? "database" :
			    sfx[i] + 1, p, &st, 0600);
		free(p);
	}
	return ok;
}

/* Journal mode, schema version and quick_check of a database read whole. */
static void
say_db(struct doctor *d, const struct dbfacts *f, const char *q)
{
	int want = db_schema_version();

	if (f->wal)
		check_say(d, CHECK_OK, "journal_mode", xstrdup("journal mode wal"),
		    NULL);
	else
		check_say(d, CHECK_FAIL, "journal_mode", xstrdup("journal mode delete, "
		    "not wal: concurrent hooks wait for each other"),
		    xasprintf("sqlite3 %s 'PRAGMA journal_mode=WAL'", q));
	if (f->version == want)
		check_say(d, CHECK_OK, "schema", xasprintf("schema version %d", want),
		    NULL);
	else if (f->version < want)
		check_say(d, CHECK_WARN, "schema", xasprintf("schema version %lld, "
		    "older than this clankers writes (%d): the next hook migrates it",
		    (long long)f->version, want), xstrdup("start a Claude Code "
		    "session: its first hook migrates the database"));
	else
		check_say(d, CHECK_FAIL, "schema", xasprintf("schema version %lld is "
		    "newer than this clankers knows (%d): hooks spool their events "
		    "instead of storing them", (long long)f->version, want),
		    xstrdup("upgrade clankers"));
	if (f->nproblems == 0)
		check_say(d, CHECK_OK, "integrity", xstrdup("quick_check ok"), NULL);
	else
		check_say(d, CHECK_FAIL, "integrity", xasprintf("quick_check found "
		    "%s%d problem%s, the first: %s", f->nproblems >= CHECK_MAX ?
		    "at least " : "", f->nproblems, f->nproblems == 1 ? "" : "s",
		    f->problem), xasprintf(RECOVER, q, q, q));
}

static void
check_db(struct doctor *d, const char *db, int root)
{
	struct stamp before, after;
	struct dbfacts f = {0};
	struct stat st;
	int tries = 0;
	char *q = sh_quote(db, 0), *fix;

	if (stat(db, &st) < 0) {
		if (errno == ENOTDIR && root < 0)
			;  /* in a data root that is not a folder: said */
		else if (errno != ENOENT)
			check_say(d, CHECK_FAIL, "database", xasprintf("cannot reach "
			    "database %s: %s", db, strerror(errno)), NULL);
		else if (root > 0)
			check_say(d, CHECK_NOTE, "database", xasprintf("no database yet at "
			    "%s: run a session with the hooks installed", db), NULL);
		free(q);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		check_say(d, CHECK_FAIL, "database", xasprintf("database %s is not a "
		    "file", db), xasprintf("mv %s %s.old", q, q));
		free(q);
		return;
	}
	if (check_db_files(d, db))
		check_say(d, CHECK_OK, "database", xasprintf("database %s (%04o)", db,
		    (unsigned)(st.st_mode & 07777)), NULL);
	do {
		dbfacts_release(&f);
		stamp_take(db, &before);
		db_inspect(db, &f);
		stamp_take(db, &after);
	} while (!stamp_same(&before, &after) && ++tries < DB_TRIES);

	if (f.empty) {
		check_say(d, CHECK_WARN, "database", xasprintf("database %s is empty: "
		    "the next hook creates its tables", db), NULL);
	} else if (f.not_sqlite) {
		check_say(d, CHECK_FAIL, "database", xasprintf("database %s is not a "
		    "SQLite database: hooks cannot store events (they spool them)", db),
		    xasprintf("mv %s %s.broken (the next hook starts a new database)",
		    q, q));
	} else if (f.rc != SQLITE_OK) {
		if ((f.rc & 0xff) == SQLITE_CORRUPT)
			fix = xasprintf(RECOVER, q, q, q);
		else if ((f.rc & 0xff) == SQLITE_NOTADB)
			fix = xasprintf("mv %s %s.broken (the next hook starts a new "
			    "database)", q, q);
		else
			fix = NULL;
		check_say(d, CHECK_FAIL, "database", xasprintf("cannot read database "
		    "%s: %s", db, f.err), fix);
	} else {
		say_db(d, &f, q);
	}
	dbfacts_release(&f);
	free(q);
}

/* --- the spool --- */

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* spool.c's names: <t>-<id>.event waits, .event.claim-<pid> is being
 * ingested, .tmp-<id> being written; <name>.bad was set aside. */
static void
check_spool(struct doctor *d, const char *root)
{
	char *dir = path_join(root, "spool"), *q = sh_quote(dir, 0);
	int waiting = 0, bad = 0;
	struct dirent *de;
	struct stat st;
	DIR *dp;

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			check_say(d, CHECK_OK, "spool", xstrdup("spool empty"), NULL);
		else
			check_say(d, CHECK_FAIL, "spool", xasprintf("cannot reach spool "
			    "%s: %s", dir, strerror(errno)), NULL);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		check_say(d, CHECK_FAIL, "spool", xasprintf("spool %s is not a folder: "
		    "a hook that cannot store its event loses it", dir),
		    xasprintf("mv %s %s.old", q, q));
		goto out;
	}
	check_owner_mode(d, "spool", "spool", dir, &st, 0700);
	if ((dp = opendir(dir)) == NULL) {
		check_say(d, CHECK_FAIL, "spool", xasprintf("cannot read spool %s: %s",
		    dir, strerror(errno)), NULL);
		goto out;
	}
	while ((de = readdir(dp)) != NULL) {
		if (has_suffix(de->d_name, ".bad"))
			bad++;
		else if (has_suffix(de->d_name, ".event") ||
		    strstr(de->d_name, ".event.claim-") ||
		    strncmp(de->d_name, ".tmp-", 5) == 0)
			waiting++;
	}
	closedir(dp);
	if (waiting)
		check_say(d, CHECK_FAIL, "spool", xasprintf("spool: %d event%s waiting "
		    "in %s, not in the database yet", waiting, waiting == 1 ? "" : "s",
		    dir), xasprintf("the next hook stores %s: start a Claude Code "
		    "session (fix the database first if a line above says FAIL)",
		    waiting == 1 ? "it" : "them"));
	if (bad)
		check_say(d, CHECK_WARN, "spool", xasprintf("spool: %d event%s set "
		    "aside in %s (*.bad): %s could not be read or stored", bad, bad == 1
		    ? "" : "s", dir, bad == 1 ? "it" : "they"), xasprintf("see why in "
		    "'clankers report', then remove %s", bad == 1 ? "it" : "them"));
	if (!waiting && !bad)
		check_say(d, CHECK_OK, "spool", xstrdup("spool empty"), NULL);
out:
	free(q);
	free(dir);
}

/* --- the logs --- */

static int
is_log_name(const char *n)
{
	char date[11];

	return log_file_date(n, date);
}

/* The log files' owner and mode: how many there are, or -1 after a FAIL. */
static int
check_log_files(struct doctor *d, const char *dir)
{
	int n = 0, badmode = 0, notmine = 0;
	char *first = NULL, *q;
	mode_t first_mode = 0;
	struct dirent *de;
	struct stat st;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL) {
		check_say(d, CHECK_FAIL, "logs", xasprintf("cannot read log folder %s: "
		    "%s", dir, strerror(errno)), NULL);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		char *p;

		if (!is_log_name(de->d_name))
			continue;
		p = path_join(dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			n++;
			if (st.st_uid != d->uid)
				notmine++;
			else if ((st.st_mode & 0777) != 0600 && badmode++ == 0) {
				first = xstrdup(de->d_name);
				first_mode = st.st_mode & 07777;
			}
		}
		free(p);
	}
	closedir(dp);
	q = sh_quote(dir, 0);
	if (notmine) {
		char *you = check_user_name(d->uid);

		check_say(d, CHECK_FAIL, "logs", xasprintf("log files: %d of %d in %s "
		    "are not yours (%s)", notmine, n, dir, you), xasprintf("sudo chown "
		    "%s %s/clankers-*.jsonl", you, q));
		free(you);
	}
	if (badmode)
		check_say(d, CHECK_FAIL, "logs", xasprintf("log files: %d of %d in %s "
		    "are not mode 0600 (%s is %04o)", badmode, n, dir, first,
		    (unsigned)first_mode), xasprintf("chmod 600 %s/clankers-*.jsonl",
		    q));
	free(q);
	free(first);
	return notmine || badmode ? -1 : n;
}

/*
 * Counts the error and warn lines of one day's log; -1 if unreadable. A
 * line past 4 MiB (clankers writes none) is skipped unread, as report
 * does: memory stays bounded whatever the file holds.
 */
static int
count_day(struct doctor *d, const char *dir, int64_t ms, int *errors,
    int *warns)
{
	char date[11], name[40], *path;
	struct lines lr;
	const char *line;
	size_t n;
	int fd, rc;

	utc_date(ms, date);
	snprintf(name, sizeof name, "clankers-%s.jsonl", date);
	path = path_join(dir, name);
	/* Not fopen: a FIFO there would hang doctor. */
	if ((fd = open_regular(path, O_RDONLY, 0)) < 0) {
		int e = errno;

		if (e != ENOENT)
			check_say(d, CHECK_WARN, "log_errors",
			    xasprintf("cannot read log %s: %s", path, e == EINVAL ?
			    "not a regular file" : strerror(e)), NULL);
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	/* The seed's own check, rg '"level":"(error|warn)"': lines are compact. */
	lines_init(&lr, fd, 4u << 20);
	while ((rc = lines_next(&lr, &line, &n)) != 0) {
		if (rc < 0)
			continue;  /* not a line clankers wrote */
		if (memmem(line, n, "\"level\":\"error\"", 15))
			++*errors;
		else if (memmem(line, n, "\"level\":\"warn\"", 14))
			++*warns;
	}
	if (lr.err)
		check_say(d, CHECK_WARN, "log_errors",
		    xasprintf("cannot read log %s: %s", path, strerror(lr.err)), NULL);
	lines_release(&lr);
	close(fd);
	free(path);
	return 0;
}

static void
check_logs(struct doctor *d, const char *dir, const char *root, int root_state)
{
	int same = strcmp(dir, root) == 0, errors = 0, warns = 0, n;
	int64_t now = now_ms();
	mode_t m;
	struct stat st;
	char *q = sh_quote(dir, 0);

	if (same && root_state <= 0)
		goto out;  /* the data root's line said it */
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			check_say(d, CHECK_NOTE, "logs", xasprintf("log folder %s does not "
			    "exist yet: the first hook creates it", dir), NULL);
		else if (errno != ENOENT)
			check_say(d, CHECK_FAIL, "logs", xasprintf("cannot reach log "
			    "folder %s: %s", dir, strerror(errno)), NULL);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		check_say(d, CHECK_FAIL, "logs", xasprintf("log folder %s is not a "
		    "folder: nothing can be logged", dir), xasprintf("mv %s %s.old, or "
		    "set CLANKERS_LOG_PATH to a folder", q, q));
		goto out;
	}
	/* access() says yes to root whatever the mode: the mode is asked too. */
	m = st.st_mode & 07777;
	if (access(dir, W_OK | X_OK) < 0 ||
	    (st.st_uid == d->uid && (m & 0300) != 0300)) {
		check_say(d, CHECK_FAIL, "logs", xasprintf("log folder %s is not "
		    "writable (mode %04o)", dir, (unsigned)m), check_fix_on("chmod 700",
		    dir));
		goto out;
	}
	if (!same && (m & 077))
		check_say(d, CHECK_WARN, "logs", xasprintf("log folder %s is mode "
		    "%04o: others can list it", dir, (unsigned)m),
		    check_fix_on("chmod 700", dir));
	if ((n = check_log_files(d, dir)) >= 0)
		check_say(d, CHECK_OK, "logs", xasprintf("logs in %s: writable, %d "
		    "file%s%s", dir, n, n == 1 ? "" : "s", n ? " (0600)" : ""), NULL);
	if (count_day(d, dir, now, &errors, &warns) == 0 &&
	    count_day(d, dir, now - 86400 * 1000LL, &errors, &warns) == 0) {
		if (errors + warns == 0)
			check_say(d, CHECK_OK, "log_errors", xstrdup("log: no errors or "
			    "warnings today or yesterday (UTC)"), NULL);
		else
			check_say(d, CHECK_WARN, "log_errors", xasprintf("log: %d error%s "
			    "and %d warning%s today and yesterday (UTC)", errors, errors ==
			    1 ? "" : "s", warns, warns == 1 ? "" : "s"), xstrdup("clankers "
			    "report (lists them, newest first)"));
	}
out:
	free(q);
}

/* --- the price table --- */

static void
check_prices(struct doctor *d, const char *root)
{
	const char *env = getenv("CLANKERS_PRICES"), *first;
	char *path = env && *env ? xstrdup(env) : path_join(root, "prices.tsv");
	int skipped;

	if (access(path, F_OK) < 0) {
		if (env && *env)
			check_say(d, CHECK_WARN, "prices", xasprintf("CLANKERS_PRICES=%s: "
			    "%s: the built-in prices are used", path, strerror(errno)),
			    xstrdup("unset CLANKERS_PRICES, or point it at your table"));
		else
			check_say(d, CHECK_OK, "prices", xstrdup("prices: the built-in "
			    "table"), NULL);
	} else if (price_load(path) < 0) {
		check_say(d, CHECK_FAIL, "prices", xasprintf("prices: cannot read %s: "
		    "%s: the built-in prices are used", path, errno == EINVAL ?
		    "not a regular file" : strerror(errno)), NULL);
	} else if ((skipped = price_skipped(&first)) > 0) {
		check_say(d, CHECK_WARN, "prices", xasprintf("prices: %d line%s of %s "
		    "skipped, the first: %s", skipped, skipped == 1 ? "" : "s", path,
		    first), xasprintf("correct %s: until then %s left out of the "
		    "prices", skipped == 1 ? "it" : "them", skipped == 1 ? "it is" :
		    "they are"));
	} else {
		check_say(d, CHECK_OK, "prices", xasprintf("prices: %s loads", path),
		    NULL);
	}
	price_free();
	free(path);
}

/* --- the command --- */

static void
doctor_usage(FILE *f)
{
	fputs("usage: clankers doctor [--json] [--project DIR]\n", f);
}

/*
 * clankers doctor [--json] [--project DIR]: 0 when nothing FAILs (notes
 * and warnings allowed), 1 when something does, 64 on a bad command line.
 */
int
cmd_doctor(int argc, char **argv, struct ctx *ctx)
{
	struct doctor d = {0};
	const struct agent *a;
	const char *nc = getenv("NO_COLOR");
	struct stat st;
	int i, root;
	char *s;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			d.json = 1;
		} else if (strcmp(a, "--project") == 0 && i + 1 < argc) {
			d.project = argv[++i];
		} else if (strncmp(a, "--project=", 10) == 0) {
			d.project = a + 10;
		} else {
			error("doctor: unknown argument '%s'", a);
			doctor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (d.project && stat(d.project, &st) < 0) {
		error("doctor: cannot use project folder '%s': %s", d.project,
		    strerror(errno));
		return EXIT_USAGE;
	}
	if (d.project && !S_ISDIR(st.st_mode)) {
		error("doctor: cannot use project folder '%s': not a folder", d.project);
		return EXIT_USAGE;
	}
	/* It must change nothing: not even a line in the log. */
	log_close();
	d.uid = geteuid();
	d.db_path = ctx->db_path;
	d.color = !d.json && isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
	if (d.json)
		d.found = cJSON_CreateArray();

	check_relative(&d);
	root = check_root(&d, ctx->root);
	check_db(&d, ctx->db_path, root);
	if (root > 0)
		check_spool(&d, ctx->root);
	check_logs(&d, ctx->log_dir, ctx->root, root);
	check_prices(&d, ctx->root);
	for (i = 0; (a = agent_at((size_t)i)) != NULL; i++)
		a->doctor(&d);

	if (d.json) {
		s = cJSON_Print(d.found);
		puts(s);
		free(s);
		cJSON_Delete(d.found);
	}
	return d.fails ? EXIT_FAIL : EXIT_OK;
}
