/*
 * claude_import.c: `clankers import claude`, Claude Code's transcripts on
 * disk into rows, and doctor's count of what is not in them yet.
 *
 * Claude Code keeps one transcript per session in
 * <config>/projects/<project>/<session>.jsonl, its subagents in
 * <session>/subagents/, and deletes them after 30 days by default. Each
 * session is read by transcript_update, the reader the hooks use, so an
 * imported session has the rows a recorded one has; the reader keeps in
 * transcript_files how far it read each file, so importing twice, or
 * while the hooks record the same session, reads nothing twice.
 *
 * The folders are walked one at a time: a folder's sessions are checked
 * against transcript_files in one read transaction (a file whose device,
 * inode and size are the ones recorded is read through: not opened),
 * then the ones with something new are read, each in the reader's own
 * short write transactions. Memory is one folder's names and the
 * reader's buffer. A file that cannot be read is named in the summary and
 * the walk goes on. A signal stops it between two sessions; the next run
 * goes on from there. Nothing here parses a line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#define WALK_DEPTH 4      /* projects/<project>/<session>.jsonl is 2 */
#define PROBLEMS_MAX 100  /* files named in the summary; the count covers all */

/* What the check found of one session. */
enum { S_UNCHANGED, S_NEW, S_UPDATED, S_OLDER };

struct item {
	char *path;        /* owned; the main transcript (or an orphan subagent file) */
	char *sid;         /* owned; the session to read it into; NULL: the file says */
	char *known;       /* owned; the session transcript_files has it under, or NULL */
	struct stat st;
	int state;
	int64_t to_read;   /* bytes the reader has not read yet, subagent files too */
};

struct hist {
	sqlite3 *h;                   /* borrowed */
	struct db *db;                /* borrowed; NULL: only look (doctor, --dry-run) */
	const struct import_req *q;   /* borrowed, or NULL (doctor) */
	struct import_stats *st;      /* borrowed, or NULL (doctor) */
	struct claude_pending *pend;  /* borrowed, or NULL (import) */
	int plan;                     /* only check: the progress plan, or --dry-run */
	int quiet;                    /* the plan before a read: counts nothing twice */
	sqlite3_stmt *file_st, *exists_st, *tot_st;  /* owned */
	int rc;                       /* a SQLite error that ends the walk */
};

static const char SQL_FILE[] =
	"SELECT dev, ino, size, offset, session_id FROM transcript_files WHERE path = ?1";
static const char SQL_EXISTS[] = "SELECT 1 FROM sessions WHERE id = ?1";
static const char SQL_TOTALS[] =
	"SELECT message_count, tool_call_count, input_tokens, output_tokens,"
	" cache_creation_input_tokens, cache_read_input_tokens, cost_usd"
	" FROM sessions WHERE id = ?1";

/* --------------------------------------------------------- the summary */

/* Names path in the summary, with why it was not read (or not all of it). */
static void
problem(struct hist *w, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct hist *w, const char *path, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	cJSON *o;

	if (w->st == NULL || w->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	w->st->skipped++;
	log_msg(LOG_WARN, "import", "%s: %s", path, reason);
	if (w->st->problems == NULL)
		w->st->problems = cJSON_CreateArray();
	if (cJSON_GetArraySize(w->st->problems) >= PROBLEMS_MAX)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(w->st->problems, o);
}

/* Adds what the database holds of session sid to the totals. */
static int
add_totals(struct hist *w, const char *sid)
{
	struct import_stats *st = w->st;
	sqlite3_stmt *s = w->tot_st;
	int rc;

	if (sid == NULL || st == NULL)
		return 0;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st->messages += sqlite3_column_int64(s, 0);
		st->tools += sqlite3_column_int64(s, 1);
		st->input += sqlite3_column_int64(s, 2);
		st->output += sqlite3_column_int64(s, 3);
		st->cache_write += sqlite3_column_int64(s, 4);
		st->cache_read += sqlite3_column_int64(s, 5);
		st->cost_usd += sqlite3_column_double(s, 6);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW;
}

/* ----------------------------------------------------------- the check */


/*
 * One file of a session against its row in transcript_files: the bytes
 * not read yet (0: read through, it has not changed since). *known gets
 * the row's session when it is NULL. Returns 1 when the file has a row.
 */
static int
file_check(struct hist *w, const char *path, const struct stat *st,
    int64_t *to_read, char **known)
{
	sqlite3_stmt *s = w->file_st;
	int rc, row = 0;

	*to_read = st->st_size;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t off = sqlite3_column_int64(s, 3);

		row = 1;
		if (sqlite3_column_int64(s, 0) == (int64_t)st->st_dev &&
		    sqlite3_column_int64(s, 1) == (int64_t)st->st_ino &&
		    off <= (int64_t)st->st_size)
			*to_read = sqlite3_column_int64(s, 2) == (int64_t)st->st_size ?
			    0 : st->st_size - off;
		if (*known == NULL && sqlite3_column_text(s, 4))
			*known = xstrdup((const char *)sqlite3_column_text(s, 4));
	} else if (rc != SQLITE_DONE) {
		w->rc = rc;
	}
	sqlite3_reset(s);
	return row;
}

/*
 * What is new in it.session and its subagent files; the file counts and
 * the plan's figures added up. Runs inside the folder's read transaction.
 */
static void
item_check(struct hist *w, struct item *it)
{
	char **subs;
	size_t nsubs, i;
	int64_t n, newest = (int64_t)it->st.st_mtime * 1000;
	int main_row;

	main_row = file_check(w, it->path, &it->st, &it->to_read, &it->known);
	nsubs = transcript_subagents(it->path, &subs);
	for (i = 0; i < nsubs; i++) {
		struct stat sst;

		if (stat(subs[i], &sst) == 0 && S_ISREG(sst.st_mode)) {
			file_check(w, subs[i], &sst, &n, &it->known);
			it->to_read += n;
			if ((int64_t)sst.st_mtime * 1000 > newest)
				newest = (int64_t)sst.st_mtime * 1000;
		}
		free(subs[i]);
	}
	free(subs);
	if (w->st)
		w->st->files += 1 + (int64_t)nsubs;
	if (w->pend) {
		w->pend->files += 1 + (int64_t)nsubs;
		w->pend->sessions++;
		if (it->to_read > 0) {
			if (main_row)
				w->pend->partial++;
			else
				w->pend->unread++;
			w->pend->bytes += it->to_read;
		}
	}
	if (it->to_read == 0) {
		it->state = S_UNCHANGED;
		return;
	}
	if (w->q && w->q->since > 0 && newest < w->q->since) {
		it->state = S_OLDER;
		return;
	}
	if (it->sid) {
		sqlite3_bind_text(w->exists_st, 1, it->sid, -1, SQLITE_STATIC);
		it->state = sqlite3_step(w->exists_st) == SQLITE_ROW ? S_UPDATED : S_NEW;
		sqlite3_reset(w->exists_st);
	} else {
		it->state = main_row ? S_UPDATED : S_NEW;
	}
}

/* ------------------------------------------------------------ the read */

static void
progress(struct hist *w)
{
	if (w->q && w->q->progress && !w->plan)
		w->q->progress(w->st, w->st->sessions_total);
}

/*
 * Reads one session with something new through transcript_update.
 * Returns 0, also for a file that cannot be read (named), or a SQLite
 * code that ends the import.
 */
static int
item_read(struct hist *w, struct item *it)
{
	struct import_stats *st = w->st;
	struct tstats ts;
	struct stat after;
	char *err = NULL;
	int rc;

	rc = transcript_update(w->db, it->path, it->sid, 0, 0, &ts, &err);
	st->files_read += ts.files;
	st->bytes += ts.bytes;
	st->bad += ts.bad;
	if (rc < 0) {
		size_t n = strlen(it->path);
		/* err is "<path>: <why>": the path is in the summary already. */
		const char *why = err && strncmp(err, it->path, n) == 0 &&
		    strncmp(err + n, ": ", 2) == 0 ? err + n + 2 : err;

		problem(w, it->path, "%s", why ? why : "cannot be read");
		free(err);
		return 0;
	}
	free(err);
	if (rc != SQLITE_OK)
		return rc;
	if (ts.bad)
		problem(w, it->path, "%lld line%s could not be read (not JSON, or "
		    "longer than 64 MiB): skipped", (long long)ts.bad,
		    ts.bad == 1 ? "" : "s");
	if (stat(it->path, &after) == 0 && after.st_size != it->st.st_size)
		problem(w, it->path, after.st_size > it->st.st_size ?
		    "grew while it was read: the rest is read next time" :
		    "shrank while it was read: it is read again next time");
	if (!add_totals(w, ts.session))
		return 0;  /* nothing but lines that record nothing (snapshots, ...) */
	st->sessions++;
	if (it->state == S_NEW)
		st->made++;
	else if (ts.lines > 0 || ts.rewinds > 0)
		st->changed++;
	else
		st->same++;  /* it grew by a partial line: nothing to read yet */
	return 0;
}

static void
item_release(struct item *it)
{
	free(it->path);
	free(it->sid);
	free(it->known);
}

/*
 * A folder's sessions: checked in one read transaction, then the ones
 * with something new read (unless w->plan). Returns a SQLite code.
 */
static int
items_run(struct hist *w, struct item *items, size_t n)
{
	size_t i;
	int rc;

	if (n == 0)
		return SQLITE_OK;
	/* One snapshot for the whole folder: a read, no lock that hooks wait on. */
	if ((rc = sqlite3_exec(w->h, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
		return rc;
	for (i = 0; i < n && w->rc == SQLITE_OK; i++) {
		item_check(w, &items[i]);
		if (w->st == NULL)
			continue;
		if (items[i].state == S_NEW || items[i].state == S_UPDATED) {
			if (w->plan) {
				w->st->sessions_total++;
				w->st->bytes_total += items[i].to_read;
			}
			if (w->plan && !w->quiet) {  /* --dry-run: what a run would do */
				w->st->sessions++;
				w->st->made += items[i].state == S_NEW;
				w->st->changed += items[i].state == S_UPDATED;
			}
		} else if (w->quiet) {
			continue;
		} else if (items[i].state == S_UNCHANGED) {
			if (add_totals(w, items[i].known ? items[i].known : items[i].sid)) {
				w->st->sessions++;
				w->st->same++;
			}
		} else if (items[i].state == S_OLDER) {
			w->st->older++;
		}
	}
	sqlite3_exec(w->h, "COMMIT", NULL, NULL, NULL);
	if (w->rc != SQLITE_OK || w->plan || w->db == NULL)
		return w->rc;
	for (i = 0; i < n; i++) {
		if (items[i].state != S_NEW && items[i].state != S_UPDATED)
			continue;
		if (w->q->stop && *w->q->stop) {
			w->st->stopped = 1;
			break;
		}
		if ((rc = item_read(w, &items[i])) != SQLITE_OK)
			return rc;
		progress(w);
	}
	return SQLITE_OK;
}

/* ------------------------------------------------------------ the walk */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_jsonl(const char *s, size_t n)
{
	return n > 6 && strcmp(s + n - 6, ".jsonl") == 0;
}

/* name.jsonl among the sorted names: the folder name is that session's. */
static int
has_main(char **names, size_t n, const char *name)
{
	char *want = xasprintf("%s.jsonl", name);
	int found = bsearch(&want, names, n, sizeof *names, cmp_name) != NULL;

	free(want);
	return found;
}

static void item_add(struct item **items, size_t *n, const char *path,
    const char *sid, const struct stat *st)
{
	struct item *it;

	*items = xrealloc(*items, (*n + 1) * sizeof **items);
	it = &(*items)[(*n)++];
	memset(it, 0, sizeof *it);
	it->path = xstrdup(path);
	it->sid = sid ? xstrdup(sid) : NULL;
	it->st = *st;
}

static int stopped(const struct hist *w)
{
	return w->q && w->q->stop && *w->q->stop;
}

/*
 * The folder dir (real, no link in it), depth folders below a root. Its
 * *.jsonl files are sessions; a folder next to its session's file holds
 * that session's subagents (the reader finds them); a folder named after
 * a session whose file is gone is walked with orphan, that session's id,
 * for its subagent files; other folders are walked. Returns a SQLite code.
 */
static int
walk(struct hist *w, const char *dir, int depth, const char *orphan)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t nnames = 0, nitems = 0, i;
	struct item *items = NULL;
	int fd, rc = SQLITE_OK;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		if (depth > 0)
			problem(w, dir, "folder cannot be read: %s", strerror(errno));
		return SQLITE_OK;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (nnames + 1) * sizeof *names);
		names[nnames++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (nnames > 1)
		qsort(names, nnames, sizeof *names, cmp_name);

	for (i = 0; i < nnames; i++) {
		size_t len = strlen(names[i]);
		char *p;
		struct stat st;

		if (!ends_jsonl(names[i], len))
			continue;
		p = path_join(dir, names[i]);
		if (lstat(p, &st) < 0)
			problem(w, p, "%s", strerror(errno));
		else if (S_ISDIR(st.st_mode))
			problem(w, p, "a folder, not a transcript");
		else if (S_ISLNK(st.st_mode))
			problem(w, p, "a symbolic link (not followed)");
		else if (S_ISFIFO(st.st_mode))
			problem(w, p, "a FIFO, not a transcript");
		else if (!S_ISREG(st.st_mode))
			problem(w, p, "not a regular file");
		else if (st.st_size == 0)
			problem(w, p, "empty");
		else if (orphan) {
			item_add(&items, &nitems, p, orphan, &st);
		} else {
			char *sid = is_uuid(names[i], len - 6) ?
			    xstrndup(names[i], len - 6) : NULL;

			item_add(&items, &nitems, p, sid, &st);
			free(sid);
		}
		free(p);
	}
	rc = items_run(w, items, nitems);
	for (i = 0; i < nitems; i++)
		item_release(&items[i]);
	free(items);

	for (i = 0; i < nnames && rc == SQLITE_OK && !stopped(w); i++) {
		size_t len = strlen(names[i]);
		struct stat st;
		char *p;

		if (ends_jsonl(names[i], len) || depth + 1 > WALK_DEPTH)
			continue;
		p = path_join(dir, names[i]);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (orphan)
				rc = walk(w, p, depth + 1, orphan);
			else if (!has_main(names, nnames, names[i]))
				rc = walk(w, p, depth + 1, is_uuid(names[i], len) ?
				    names[i] : NULL);
			/* else: the session's subagents, read with its file */
		}
		free(p);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ----------------------------------------------------------- the roots */

struct roots {
	char **real;   /* owned, each owned: the folders to walk, resolved */
	size_t n;
};

/*
 * Adds a folder to walk: dir/projects when there is one (a Claude config
 * folder), else, when the user gave it, dir itself (a config folder holds
 * other .jsonl files: history.jsonl is no transcript). Resolved, and once
 * however it was named. Returns 0, or -1 (errno) when there is none.
 */
static int
roots_add(struct roots *r, const char *dir, int given)
{
	char *proj = path_join(dir, "projects"), real[PATH_MAX];
	struct stat st;
	size_t i;

	if (!(stat(proj, &st) == 0 && S_ISDIR(st.st_mode) && realpath(proj, real)) &&
	    (!given || realpath(dir, real) == NULL)) {
		free(proj);
		return -1;
	}
	free(proj);
	for (i = 0; i < r->n; i++)
		if (strcmp(r->real[i], real) == 0)
			return 0;
	r->real = xrealloc(r->real, (r->n + 1) * sizeof *r->real);
	r->real[r->n++] = xstrdup(real);
	return 0;
}

/* Claude Code's folders: $CLAUDE_CONFIG_DIR (a comma-separated list),
 * ~/.config/claude, ~/.claude; those that exist. */
static void
roots_default(struct roots *r)
{
	const char *home = getenv("HOME"), *env = getenv("CLAUDE_CONFIG_DIR");
	char *p;

	if (env && *env) {
		char *list = xstrdup(env), *save = NULL, *tok;

		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (*tok)
				roots_add(r, tok, 0);
		free(list);
	}
	if (home && *home) {
		p = path_join(home, ".config/claude");
		roots_add(r, p, 0);
		free(p);
		p = path_join(home, ".claude");
		roots_add(r, p, 0);
		free(p);
	}
}

static void
roots_release(struct roots *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->real[i]);
	free(r->real);
}

/* A root: a folder walked, or a single transcript file. */
static int
root_run(struct hist *w, const char *root)
{
	struct stat st;
	struct item it = {0};
	int rc;

	if (stat(root, &st) == 0 && S_ISREG(st.st_mode)) {
		const char *base = strrchr(root, '/');
		size_t len;

		base = base ? base + 1 : root;
		len = strlen(base);
		it.path = xstrdup(root);
		it.st = st;
		if (ends_jsonl(base, len) && is_uuid(base, len - 6))
			it.sid = xstrndup(base, len - 6);
		rc = items_run(w, &it, 1);
		item_release(&it);
		return rc;
	}
	return walk(w, root, 0, NULL);
}

static int
hist_prepare(struct hist *w)
{
	if (sqlite3_prepare_v2(w->h, SQL_FILE, -1, &w->file_st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->h, SQL_EXISTS, -1, &w->exists_st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->h, SQL_TOTALS, -1, &w->tot_st, NULL) != SQLITE_OK)
		return sqlite3_errcode(w->h);
	return SQLITE_OK;
}

static void
hist_release(struct hist *w)
{
	sqlite3_finalize(w->file_st);
	sqlite3_finalize(w->exists_st);
	sqlite3_finalize(w->tot_st);
}

/*
 * Imports the Claude Code transcripts under q->dirs (none: Claude Code's
 * own folders) into db. With q->dry_run (or a plan for progress) they are
 * only checked. st receives the counts and the files not read (owned:
 * st->problems). Returns 0; -1 when a folder given cannot be opened
 * (*err, owned; nothing read); or a SQLite code (db->err), the sessions
 * read before kept.
 */
int
claude_import(struct db *db, const char *root, const struct agent *a,
    const struct import_req *q, struct import_stats *st, char **err)
{
	struct hist w = { .h = db->h, .db = db, .q = q, .st = st };
	struct roots r = {0};
	int i, rc = SQLITE_OK;
	size_t k;

	(void)a;
	memset(st, 0, sizeof *st);
	*err = NULL;
	for (i = 0; i < q->ndirs; i++)
		if (roots_add(&r, q->dirs[i], 1) < 0) {
			*err = xasprintf("cannot open '%s': %s", q->dirs[i], strerror(errno));
			roots_release(&r);
			return -1;
		}
	if (q->ndirs == 0)
		roots_default(&r);
	store_prices(db, root);
	/* A checkpoint writes each page the WAL holds into the database: fewer
	 * of them while many sessions are written (a page the next sessions
	 * change again is written back once). The WAL grows to about 32 MB. */
	sqlite3_exec(db->h, "PRAGMA wal_autocheckpoint = 8192", NULL, NULL, NULL);
	if ((rc = hist_prepare(&w)) != SQLITE_OK) {
		free(db->err);
		db->err = xstrdup(sqlite3_errmsg(db->h));
		goto out;
	}
	/* The plan: what is to read, for the progress line (and --dry-run). */
	if (q->progress || q->dry_run) {
		w.plan = 1;
		w.quiet = !q->dry_run;
		for (k = 0; k < r.n && rc == SQLITE_OK; k++)
			rc = root_run(&w, r.real[k]);
		w.plan = w.quiet = 0;
		if (q->dry_run || rc != SQLITE_OK)
			goto out;
		st->files = 0;
	}
	for (k = 0; k < r.n && rc == SQLITE_OK && !stopped(&w); k++)
		rc = root_run(&w, r.real[k]);
	if (stopped(&w))
		st->stopped = 1;
out:
	if (rc != SQLITE_OK && db->err == NULL)
		db->err = xstrdup(sqlite3_errmsg(db->h));
	hist_release(&w);
	roots_release(&r);
	return rc;
}

/* How many of Claude Code's projects folders exist (install's offer). */
int
claude_history_dirs(void)
{
	struct roots r = {0};
	int n;

	roots_default(&r);
	n = (int)r.n;
	roots_release(&r);
	return n;
}

/*
 * doctor: what of Claude Code's own folders an import would read, through
 * h (read-only). Returns a SQLite code.
 */
int
claude_history_pending(sqlite3 *h, struct claude_pending *p)
{
	struct hist w = { .h = h, .pend = p, .plan = 1 };
	struct roots r = {0};
	size_t k;
	int rc;

	memset(p, 0, sizeof *p);
	roots_default(&r);
	if ((rc = hist_prepare(&w)) == SQLITE_OK)
		for (k = 0; k < r.n && rc == SQLITE_OK; k++)
			rc = root_run(&w, r.real[k]);
	hist_release(&w);
	roots_release(&r);
	return rc;
}
