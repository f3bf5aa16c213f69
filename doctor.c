/*
 * doctor.c: `clankers doctor`, which checks that clankers can record and
 * says how to fix what stops it: the data root and the files in it (owner
 * and mode), the database (a SQLite file, WAL, its schema version,
 * quick_check), the spool, the logs (writable, errors of today and
 * yesterday), the user's price table, the clankers hooks in the user's and
 * the project's Claude Code settings (what counts as ours is install.c's
 * reading), and whether OpenCode is configured (not recorded yet).
 *
 * It only reads. No file is created or changed: no log line (the log is
 * closed first), no data root, and not even the -wal and -shm files that a
 * read-only SQLite connection makes or writes (see db_read). Each finding
 * is one line, ok, note, warn or FAIL, with its fix where there is one;
 * --json gives the same findings as an array of objects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
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
#define SETTINGS_FILES 3 /* Claude Code's: user, project, project's local */
/* The fix for a damaged database: what can be read, into a new one. */
#define RECOVER "sqlite3 %s .recover | sqlite3 %s.recovered, then put " \
	"%s.recovered in its place"
#define STR_(x) #x
#define STR(x) STR_(x)

enum status { ST_OK, ST_NOTE, ST_WARN, ST_FAIL };

static const char *const status_words[] = { "ok", "note", "warn", "FAIL" };
static const char *const status_json[] = { "ok", "note", "warn", "fail" };
static const char *const status_colors[] = {
	"\033[32m", "\033[36m", "\033[33m", "\033[1;31m"
};

struct doctor {
	int json;              /* --json */
	int color;             /* stdout is a terminal and NO_COLOR is unset */
	const char *project;   /* borrowed from argv; NULL: the current folder */
	cJSON *found;          /* owned; --json: the findings so far */
	int fails;
	uid_t uid;
};

/* One Claude Code settings file, read. */
struct settings_file {
	struct install_scan sc;
	char *fix;             /* owned; the install command that writes it */
	int read;              /* sc holds a scan (the file is not a duplicate) */
};

/* --- saying it --- */

/*
 * Records one finding. Takes ownership of msg and of fix (NULL when there
 * is nothing to run or do).
 */
static void
say(struct doctor *d, enum status st, const char *check, char *msg, char *fix)
{
	if (st == ST_FAIL)
		d->fails++;
	if (d->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "check", check);
		cJSON_AddStringToObject(o, "status", status_json[st]);
		cJSON_AddStringToObject(o, "message", msg);
		if (fix)
			cJSON_AddStringToObject(o, "fix", fix);
		else
			cJSON_AddNullToObject(o, "fix");
		cJSON_AddItemToArray(d->found, o);
	} else {
		if (d->color)
			printf("%s%s\033[0m%*s%s\n", status_colors[st], status_words[st],
			    (int)(6 - strlen(status_words[st])), "", msg);
		else
			printf("%-6s%s\n", status_words[st], msg);
		if (fix)
			printf("      fix: %s\n", fix);
	}
	free(msg);
	free(fix);
}

/* The user's name for a chown, else the number; owned. */
static char *
user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw && pw->pw_name ? xstrdup(pw->pw_name) :
	    xasprintf("%lu", (unsigned long)uid);
}

/* cmd with path, quoted, after it: a fix; owned. */
static char *
fix_on(const char *cmd, const char *path)
{
	char *q = sh_quote(path, 0), *s = xasprintf("%s %s", cmd, q);

	free(q);
	return s;
}

/*
 * FAIL when st (of path, called what) is not owned by us, or its mode is
 * not want (files) or has bits outside want (folders: want is 0700, and
 * u+rwx must be there). Returns 1 when all is well, and then says nothing.
 */
static int
owner_mode(struct doctor *d, const char *check, const char *what,
    const char *path, const struct stat *st, mode_t want)
{
	mode_t m = st->st_mode & 0777;  /* setgid on a folder is no one's business */
	char *you, *them, *cmd;

	if (st->st_uid != d->uid) {
		you = user_name(d->uid);
		them = user_name(st->st_uid);
		cmd = xasprintf("sudo chown %s%s", S_ISDIR(st->st_mode) ? "-R " : "",
		    you);
		say(d, ST_FAIL, check, xasprintf("%s %s is owned by %s, not by you (%s)",
		    what, path, them, you), fix_on(cmd, path));
		free(cmd);
		free(you);
		free(them);
		return 0;
	}
	if (S_ISDIR(st->st_mode) ? (m & ~want) != 0 || (m & want) != want :
	    m != want) {
		cmd = xasprintf("chmod %o", (unsigned)want);
		say(d, ST_FAIL, check, xasprintf("%s %s is mode %04o, not %04o", what,
		    path, (unsigned)m, (unsigned)want), fix_on(cmd, path));
		free(cmd);
		return 0;
	}
	return 1;
}

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
			say(d, ST_NOTE, "data_root", xasprintf("no data yet: %s does not "
			    "exist; run a session with the hooks installed", root), NULL);
			return 0;
		}
		say(d, ST_FAIL, "data_root", xasprintf("cannot reach data root %s: %s",
		    root, strerror(errno)), NULL);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *q = sh_quote(root, 0);

		say(d, ST_FAIL, "data_root", xasprintf("data root %s is not a folder",
		    root), xasprintf("mv %s %s.old", q, q));
		free(q);
		return -1;
	}
	if (owner_mode(d, "data_root", "data root", root, &st, 0700))
		say(d, ST_OK, "data_root", xasprintf("data root %s (%04o)", root,
		    (unsigned)(st.st_mode & 07777)), NULL);
	return 1;
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
			ok &= owner_mode(d, "database", i == 0 ? "database" :
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
		say(d, ST_OK, "journal_mode", xstrdup("journal mode wal"), NULL);
	else
		say(d, ST_FAIL, "journal_mode", xstrdup("journal mode delete, not wal: "
		    "concurrent hooks wait for each other"),
		    xasprintf("sqlite3 %s 'PRAGMA journal_mode=WAL'", q));
	if (f->version == want)
		say(d, ST_OK, "schema", xasprintf("schema version %d", want), NULL);
	else if (f->version < want)
		say(d, ST_WARN, "schema", xasprintf("schema version %lld, older than "
		    "this clankers writes (%d): the next hook migrates it",
		    (long long)f->version, want), xstrdup("start a Claude Code "
		    "session: its first hook migrates the database"));
	else
		say(d, ST_FAIL, "schema", xasprintf("schema version %lld is newer than "
		    "this clankers knows (%d): hooks spool their events instead of "
		    "storing them", (long long)f->version, want),
		    xstrdup("upgrade clankers"));
	if (f->nproblems == 0)
		say(d, ST_OK, "integrity", xstrdup("quick_check ok"), NULL);
	else
		say(d, ST_FAIL, "integrity", xasprintf("quick_check found %s%d "
		    "problem%s, the first: %s", f->nproblems >= CHECK_MAX ?
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
			say(d, ST_FAIL, "database", xasprintf("cannot reach database %s: %s",
			    db, strerror(errno)), NULL);
		else if (root > 0)
			say(d, ST_NOTE, "database", xasprintf("no database yet at %s: run "
			    "a session with the hooks installed", db), NULL);
		free(q);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		say(d, ST_FAIL, "database", xasprintf("database %s is not a file", db),
		    xasprintf("mv %s %s.old", q, q));
		free(q);
		return;
	}
	if (check_db_files(d, db))
		say(d, ST_OK, "database", xasprintf("database %s (%04o)", db,
		    (unsigned)(st.st_mode & 07777)), NULL);
	do {
		dbfacts_release(&f);
		stamp_take(db, &before);
		db_inspect(db, &f);
		stamp_take(db, &after);
	} while (!stamp_same(&before, &after) && ++tries < DB_TRIES);

	if (f.empty) {
		say(d, ST_WARN, "database", xasprintf("database %s is empty: the next "
		    "hook creates its tables", db), NULL);
	} else if (f.not_sqlite) {
		say(d, ST_FAIL, "database", xasprintf("database %s is not a SQLite "
		    "database: hooks cannot store events (they spool them)", db),
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
		say(d, ST_FAIL, "database", xasprintf("cannot read database %s: %s", db,
		    f.err), fix);
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
			say(d, ST_OK, "spool", xstrdup("spool empty"), NULL);
		else
			say(d, ST_FAIL, "spool", xasprintf("cannot reach spool %s: %s",
			    dir, strerror(errno)), NULL);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		say(d, ST_FAIL, "spool", xasprintf("spool %s is not a folder: a hook "
		    "that cannot store its event loses it", dir),
		    xasprintf("mv %s %s.old", q, q));
		goto out;
	}
	owner_mode(d, "spool", "spool", dir, &st, 0700);
	if ((dp = opendir(dir)) == NULL) {
		say(d, ST_FAIL, "spool", xasprintf("cannot read spool %s: %s", dir,
		    strerror(errno)), NULL);
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
		say(d, ST_FAIL, "spool", xasprintf("spool: %d event%s waiting in %s, "
		    "not in the database yet", waiting, waiting == 1 ? "" : "s", dir),
		    xasprintf("the next hook stores %s: start a Claude Code session "
		    "(fix the database first if a line above says FAIL)",
		    waiting == 1 ? "it" : "them"));
	if (bad)
		say(d, ST_WARN, "spool", xasprintf("spool: %d event%s set aside in %s "
		    "(*.bad): %s could not be read or stored", bad, bad == 1 ? "" : "s",
		    dir, bad == 1 ? "it" : "they"), xasprintf("see why in 'clankers "
		    "report', then remove %s", bad == 1 ? "it" : "them"));
	if (!waiting && !bad)
		say(d, ST_OK, "spool", xstrdup("spool empty"), NULL);
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
		say(d, ST_FAIL, "logs", xasprintf("cannot read log folder %s: %s", dir,
		    strerror(errno)), NULL);
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
		char *you = user_name(d->uid);

		say(d, ST_FAIL, "logs", xasprintf("log files: %d of %d in %s are not "
		    "yours (%s)", notmine, n, dir, you),
		    xasprintf("sudo chown %s %s/clankers-*.jsonl", you, q));
		free(you);
	}
	if (badmode)
		say(d, ST_FAIL, "logs", xasprintf("log files: %d of %d in %s are not "
		    "mode 0600 (%s is %04o)", badmode, n, dir, first,
		    (unsigned)first_mode), xasprintf("chmod 600 %s/clankers-*.jsonl", q));
	free(q);
	free(first);
	return notmine || badmode ? -1 : n;
}

/* Counts the error and warn lines of one day's log; -1 if unreadable. */
static int
count_day(struct doctor *d, const char *dir, int64_t ms, int *errors,
    int *warns)
{
	char date[11], name[40], *path, *line = NULL;
	size_t cap = 0;
	FILE *f;

	utc_date(ms, date);
	snprintf(name, sizeof name, "clankers-%s.jsonl", date);
	path = path_join(dir, name);
	if ((f = fopen(path, "re")) == NULL) {
		int e = errno;

		if (e != ENOENT)
			say(d, ST_WARN, "log_errors", xasprintf("cannot read log %s: %s",
			    path, strerror(e)), NULL);
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	/* The seed's own check, rg '"level":"(error|warn)"': lines are compact. */
	while (getline(&line, &cap, f) >= 0) {
		if (strstr(line, "\"level\":\"error\""))
			++*errors;
		else if (strstr(line, "\"level\":\"warn\""))
			++*warns;
	}
	if (ferror(f))
		say(d, ST_WARN, "log_errors", xasprintf("cannot read log %s: %s", path,
		    strerror(errno)), NULL);
	fclose(f);
	free(line);
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
			say(d, ST_NOTE, "logs", xasprintf("log folder %s does not exist "
			    "yet: the first hook creates it", dir), NULL);
		else if (errno != ENOENT)
			say(d, ST_FAIL, "logs", xasprintf("cannot reach log folder %s: %s",
			    dir, strerror(errno)), NULL);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		say(d, ST_FAIL, "logs", xasprintf("log folder %s is not a folder: "
		    "nothing can be logged", dir), xasprintf("mv %s %s.old, or set "
		    "CLANKERS_LOG_PATH to a folder", q, q));
		goto out;
	}
	/* access() says yes to root whatever the mode: the mode is asked too. */
	m = st.st_mode & 07777;
	if (access(dir, W_OK | X_OK) < 0 ||
	    (st.st_uid == d->uid && (m & 0300) != 0300)) {
		say(d, ST_FAIL, "logs", xasprintf("log folder %s is not writable "
		    "(mode %04o)", dir, (unsigned)m), fix_on("chmod 700", dir));
		goto out;
	}
	if (!same && (m & 077))
		say(d, ST_WARN, "logs", xasprintf("log folder %s is mode %04o: others "
		    "can list it", dir, (unsigned)m), fix_on("chmod 700", dir));
	if ((n = check_log_files(d, dir)) >= 0)
		say(d, ST_OK, "logs", xasprintf("logs in %s: writable, %d file%s%s", dir, n,
		    n == 1 ? "" : "s", n ? " (0600)" : ""), NULL);
	if (count_day(d, dir, now, &errors, &warns) == 0 &&
	    count_day(d, dir, now - 86400 * 1000LL, &errors, &warns) == 0) {
		if (errors + warns == 0)
			say(d, ST_OK, "log_errors", xstrdup("log: no errors or warnings "
			    "today or yesterday (UTC)"), NULL);
		else
			say(d, ST_WARN, "log_errors", xasprintf("log: %d error%s and %d "
			    "warning%s today and yesterday (UTC)", errors,
			    errors == 1 ? "" : "s", warns, warns == 1 ? "" : "s"),
			    xstrdup("clankers report (lists them, newest first)"));
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
			say(d, ST_WARN, "prices", xasprintf("CLANKERS_PRICES=%s: %s: the "
			    "built-in prices are used", path, strerror(errno)),
			    xstrdup("unset CLANKERS_PRICES, or point it at your table"));
		else
			say(d, ST_OK, "prices", xstrdup("prices: the built-in table"), NULL);
	} else if (price_load(path) < 0) {
		say(d, ST_FAIL, "prices", xasprintf("prices: cannot read %s: %s: the "
		    "built-in prices are used", path, strerror(errno)), NULL);
	} else if ((skipped = price_skipped(&first)) > 0) {
		say(d, ST_WARN, "prices", xasprintf("prices: %d line%s of %s skipped, "
		    "the first: %s", skipped, skipped == 1 ? "" : "s", path, first),
		    xasprintf("correct %s: until then %s left out of the prices",
		    skipped == 1 ? "it" : "them", skipped == 1 ? "it is" : "they are"));
	} else {
		say(d, ST_OK, "prices", xasprintf("prices: %s loads", path), NULL);
	}
	price_free();
	free(path);
}

/* --- Claude Code --- */

/* Where name is found on PATH; owned, or NULL. */
static char *
on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;

	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		char *dir, *cand;

		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dir = end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup(".");
		cand = path_join(dir, name);
		free(dir);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

/*
 * Is prog, as a hook names it, there to run? nevents is how many events
 * run it; fix is the install command of the first file that names it.
 */
static void
check_program(struct doctor *d, const char *prog, int nevents, const char *fix)
{
	const char *home = getenv("HOME");
	char *path, *found;
	struct stat st;

	if (strchr(prog, '$') || strchr(prog, '`')) {
		say(d, ST_NOTE, "hook_binary", xasprintf("hook runs %s: not checked "
		    "(the shell expands it)", prog), NULL);
		return;
	}
	if (strchr(prog, '/') == NULL) {
		if ((found = on_path(prog)) != NULL)
			say(d, ST_OK, "hook_binary", xasprintf("hook runs %s from PATH: %s",
			    prog, found), NULL);
		else
			say(d, ST_FAIL, "hook_binary", xasprintf("hook runs %s from PATH, "
			    "but there is none on PATH", prog), xstrdup(fix));
		free(found);
		return;
	}
	if (prog[0] == '~' && prog[1] == '/' && home)
		path = path_join(home, prog + 2);
	else
		path = xstrdup(prog);
	if (path[0] != '/') {
		say(d, ST_NOTE, "hook_binary", xasprintf("hook runs %s: not checked (a "
		    "relative path)", prog), NULL);
	} else if (stat(path, &st) < 0) {
		say(d, ST_FAIL, "hook_binary", xasprintf("hook binary %s: %s (%d "
		    "event%s)", path, strerror(errno), nevents, nevents == 1 ? "" : "s"),
		    xstrdup(fix));
	} else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
	    access(path, X_OK) < 0) {
		say(d, ST_FAIL, "hook_binary", xasprintf("hook binary %s is not an "
		    "executable file (%d event%s)", path, nevents, nevents == 1 ? "" :
		    "s"), xstrdup(fix));
	} else {
		say(d, ST_OK, "hook_binary", xasprintf("hook binary %s", path), NULL);
	}
	free(path);
}

/* The programs our hooks run, each checked once, in the order found. */
static void
check_programs(struct doctor *d, struct settings_file *f)
{
	struct prog {
		const char *name;  /* borrowed from a scan */
		int events;        /* the events that run it, in all files */
		const char *fix;   /* borrowed; of the first file that names it */
	} *v = NULL;
	size_t i, j, k, n = 0;

	for (i = 0; i < SETTINGS_FILES; i++) {
		if (!f[i].read)
			continue;
		v = xrealloc(v, (n + f[i].sc.nevents) * sizeof *v);
		for (j = 0; j < f[i].sc.nevents; j++) {
			const char *p = f[i].sc.programs[j];

			if (p == NULL)
				continue;
			for (k = 0; k < n && strcmp(v[k].name, p) != 0; k++)
				;
			if (k == n) {
				v[n].name = p;
				v[n].events = 0;
				v[n++].fix = f[i].fix;
			}
			v[k].events++;
		}
	}
	for (k = 0; k < n; k++)
		check_program(d, v[k].name, v[k].events, v[k].fix);
	free(v);
}

/*
 * Reads the settings files of the user, the project and the project's
 * local file into f, in that order (Claude Code gives the later ones
 * precedence), each once: the project may be the home folder.
 */
static void
settings_read(struct doctor *d, struct settings_file *f)
{
	const char *project = d->project ? d->project : "";
	struct stat st[SETTINGS_FILES];
	int exists[SETTINGS_FILES];
	char *path, *q;
	size_t i, j;

	for (i = 0; i < SETTINGS_FILES; i++) {
		path = i == 0 ? install_settings_path(NULL, 0) :
		    install_settings_path(project, i == 2);
		exists[i] = path && stat(path, &st[i]) == 0;
		for (j = 0; path && exists[i] && j < i; j++)
			if (exists[j] && st[i].st_dev == st[j].st_dev &&
			    st[i].st_ino == st[j].st_ino)
				break;
		if (path == NULL || (exists[i] && j < i)) {
			free(path);
			continue;
		}
		f[i].read = 1;
		install_scan(path, &f[i].sc);
		q = sh_quote(path, 0);
		if (i == 0) {
			f[i].fix = xstrdup("clankers install claude");
		} else if (i == 1) {
			/* path is DIR/.claude/settings.json, DIR resolved */
			path[strlen(path) - strlen("/.claude/settings.json")] = '\0';
			free(q);
			q = sh_quote(path, 0);
			f[i].fix = xasprintf("clankers install claude --project %s", q);
		} else {
			f[i].fix = xasprintf("clankers install claude --settings %s", q);
		}
		free(q);
		free(path);
	}
}

/* One line per settings file there is; returns the hooks of ours in them. */
static size_t
say_settings(struct doctor *d, struct settings_file *f)
{
	size_t i, j, n, all = 0;

	for (i = 0; i < SETTINGS_FILES; i++) {
		struct install_scan *sc = &f[i].sc;

		if (!f[i].read)
			continue;
		for (j = n = 0; j < sc->nevents; j++)
			n += sc->programs[j] != NULL;
		all += n;
		if (sc->err)
			say(d, ST_FAIL, "settings", xasprintf("settings: %s", sc->err),
			    xstrdup("correct it by hand (clankers install leaves it "
			    "alone until it is settings JSON)"));
		else if (sc->exists && n)
			say(d, ST_OK, "settings", xasprintf("settings %s: clankers hook "
			    "for %zu of %zu events", sc->path, n, sc->nevents), NULL);
		else if (sc->exists)
			say(d, ST_OK, "settings", xasprintf("settings %s: no clankers "
			    "hook", sc->path), NULL);
	}
	return all;
}

/*
 * Where the file of highest precedence that gives a boolean for what
 * pick() looks for says it; the file's index, or -1. *on is the value and
 * *name (borrowed from the file) the key.
 */
static int
settings_bool(struct settings_file *f, int (*pick)(const cJSON *doc,
    const char **name), int *on, const char **name)
{
	int i, v;

	for (i = SETTINGS_FILES - 1; i >= 0; i--)
		if (f[i].read && f[i].sc.doc && (v = pick(f[i].sc.doc, name)) >= 0) {
			*on = v;
			return i;
		}
	return -1;
}

/* "disableAllHooks": 1 or 0; -1 when it is not a boolean there. */
static int
pick_disable(const cJSON *doc, const char **name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "disableAllHooks");

	*name = "disableAllHooks";
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

/*
 * "enabledPlugins": {"clankers@<marketplace>": true}, as pick_disable. A
 * plugin's id is its name, @, its marketplace's; whether Claude Code has
 * it installed is not written anywhere documented, so it is not checked.
 */
static int
pick_plugin(const cJSON *doc, const char **name)
{
	const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(doc, "enabledPlugins");
	const cJSON *v;

	cJSON_ArrayForEach(v, plugins)
		if (v->string && strncmp(v->string, "clankers@", 9) == 0 &&
		    cJSON_IsBool(v)) {
			*name = v->string;
			return cJSON_IsTrue(v);
		}
	return -1;
}

/*
 * The clankers plugin, when enabled: its hooks (hooks/hooks.json) run
 * clankers from PATH for every event. Returns 1 when it is enabled.
 */
static int
check_plugin(struct doctor *d, struct settings_file *f, size_t ours)
{
	const char *name = NULL;
	char *found;
	int on = 0, at = settings_bool(f, pick_plugin, &on, &name);

	if (at < 0 || !on)
		return 0;
	if ((found = on_path("clankers")) != NULL)
		say(d, ST_OK, "plugin", xasprintf("plugin %s enabled in %s: its hooks "
		    "run clankers from PATH: %s", name, f[at].sc.path, found), NULL);
	else
		say(d, ST_FAIL, "plugin", xasprintf("plugin %s enabled in %s, but there "
		    "is no clankers on PATH for its hooks", name, f[at].sc.path),
		    xstrdup("make install (clankers on PATH)"));
	free(found);
	/* Claude Code runs a plugin's hook and a settings hook both. */
	if (ours)
		say(d, ST_WARN, "plugin", xasprintf("hooks both in settings and from "
		    "the plugin %s: each event runs clankers twice", name),
		    xasprintf("clankers uninstall claude, or disable the plugin %s",
		    name));
	return 1;
}

/* Events with a hook of ours in any of the files (or all, by the plugin). */
static void
check_events(struct doctor *d, struct settings_file *f, int plugin)
{
	const struct install_scan *any = NULL;
	struct buf missing = {0};
	size_t i, j, n = 0;

	for (i = 0; i < SETTINGS_FILES && any == NULL; i++)
		if (f[i].read)
			any = &f[i].sc;
	if (any == NULL)
		return;  /* no settings file could be named: said on stderr */
	for (j = 0; j < any->nevents; j++) {
		int has = plugin;

		for (i = 0; i < SETTINGS_FILES && !has; i++)
			has = f[i].read && f[i].sc.programs[j] != NULL;
		if (has)
			continue;
		if (n++)
			buf_add(&missing, ", ", 2);
		buf_add(&missing, any->events[j], strlen(any->events[j]));
	}
	if (n == 0)
		say(d, ST_OK, "hooks", xasprintf("hooks: registered for all %zu events",
		    any->nevents), NULL);
	else if (n == any->nevents)
		say(d, ST_FAIL, "hooks", xstrdup("hooks: none registered in Claude Code "
		    "settings: nothing is recorded"), xstrdup("clankers install claude"));
	else
		say(d, ST_FAIL, "hooks", xasprintf("hooks: %zu of %zu events have none: "
		    "%s", n, any->nevents, missing.data), xstrdup("clankers install "
		    "claude"));
	buf_release(&missing);
}

static void
check_claude(struct doctor *d)
{
	struct settings_file f[SETTINGS_FILES];
	const char *name;
	size_t i, ours;
	int plugin, on = 0, at;

	memset(f, 0, sizeof f);
	settings_read(d, f);
	ours = say_settings(d, f);
	plugin = check_plugin(d, f, ours);
	check_events(d, f, plugin);
	check_programs(d, f);
	at = settings_bool(f, pick_disable, &on, &name);
	if (at >= 0 && on) {
		char *q = sh_quote(f[at].sc.path, 0);

		say(d, ST_FAIL, "hooks", xasprintf("hooks are off: \"disableAllHooks\": "
		    "true in %s", f[at].sc.path), xasprintf("remove \"disableAllHooks\" "
		    "from %s", q));
		free(q);
	}
	for (i = 0; i < SETTINGS_FILES; i++) {
		if (f[i].read)
			install_scan_release(&f[i].sc);
		free(f[i].fix);
	}
}

/* --- OpenCode --- */

static void
check_opencode(struct doctor *d)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *project = d->project ? d->project : ".";
	char *cand[3];
	struct stat st;
	size_t i;
	int found = -1;

	cand[0] = xdg && *xdg == '/' ? path_join(xdg, "opencode") :
	    home && *home ? path_join(home, ".config/opencode") : NULL;
	cand[1] = path_join(project, "opencode.json");
	cand[2] = path_join(project, ".opencode");
	for (i = 0; i < 3 && found < 0; i++)
		if (cand[i] && stat(cand[i], &st) == 0)
			found = (int)i;
	if (found >= 0)
		say(d, ST_NOTE, "opencode", xasprintf("OpenCode is configured (%s): "
		    "this version of clankers does not record OpenCode sessions",
		    cand[found]), NULL);
	for (i = 0; i < 3; i++)
		free(cand[i]);
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
	d.color = !d.json && isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
	if (d.json)
		d.found = cJSON_CreateArray();

	root = check_root(&d, ctx->root);
	check_db(&d, ctx->db_path, root);
	if (root > 0)
		check_spool(&d, ctx->root);
	check_logs(&d, ctx->log_dir, ctx->root, root);
	check_prices(&d, ctx->root);
	check_claude(&d);
	check_opencode(&d);

	if (d.json) {
		s = cJSON_Print(d.found);
		puts(s);
		free(s);
		cJSON_Delete(d.found);
	}
	return d.fails ? EXIT_FAIL : EXIT_OK;
}
