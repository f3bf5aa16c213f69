/*
 * report.c: `clankers report`, the audit in one command. It reads the
 * database (read-only) and the JSONL logs of the period and answers what
 * the hand-made audit of the seed plan answered with sqlite3 and rg:
 *
 *   tables    each table's rows, newest row and status (working, empty,
 *             errors: the log has write errors for it)
 *   gaps      Not saved: what the database lacks (session fields, token
 *             totals, prices, logged events with no row); Not logged: what
 *             the logs lack (stored events with no log line); tool calls
 *             left running after their session moved on
 *   log       errors and warnings of the period, counted by message
 *   usage     sessions, messages, tool calls, tokens and cost by day,
 *             model, project or session
 *   tools     calls, failures and duration percentiles by tool, by MCP
 *             server, and the files most touched
 *   overhead  clankers' own time per hook invocation, by event
 *
 * Every section is built once as a cJSON tree (the --json output is that
 * tree) and the table and CSV outputs are drawn from it, so the three can
 * never disagree. It writes nothing: no database change, no log line.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clankers.h"

#define REPORT_BUSY_MS 5000
#define FREEZE_BUSY_MS 200   /* how long to wait for a writer to let go, else no thread */
#define GAP_ITEMS 10         /* ids listed per gap; the count covers all */
#define TOP_FILES 10
#define TOP_MESSAGES 20      /* log messages shown in a table; JSON has all */
#define RUNNING_AFTER_MS (10 * 60 * 1000)  /* a tool this long behind its session */
#define LOG_GRACE_MS 5000    /* a hook writes its log line just after its commit */
#define SHAPE_VERSION 1      /* of the --json output, documented in README.md */

enum by { BY_DAY, BY_MODEL, BY_PROJECT, BY_SESSION };
static const char *const by_names[] = { "day", "model", "project", "session" };

enum fmt { OUT_TABLE, OUT_JSON, OUT_CSV };

static const char *const section_names[] = {
	"tables", "gaps", "log", "usage", "tools", "mcp", "files", "overhead"
};
#define NSECTIONS (sizeof section_names / sizeof *section_names)

struct report {
	sqlite3 *h;               /* owned */
	sqlite3 *h2;              /* owned, or NULL: at h's snapshot, for the tool pass's thread */
	struct ctx *ctx;          /* borrowed */
	enum by by;
	enum fmt fmt;
	int color;
	long limit;               /* rows of usage by project or session; 0: all */
	int64_t since, until;     /* ms, [since, until); INT64_MIN/MAX when open */
	const char *since_arg, *until_arg;  /* borrowed: argv */
	const char *source;       /* borrowed: argv, or NULL */
	char *project;            /* owned, or NULL; a folder without its trailing / */
	char *session;            /* owned; the full id --session named */
	unsigned sections;        /* bit per section_names entry */
	int64_t now;
	cJSON *out;               /* owned; the report */
	struct logscan *log;      /* owned */
};

/* --- small things ------------------------------------------------------- */

/*
 * Reads a time for --since/--until, in UTC: YYYY-MM-DD or YYYYMMDD (a
 * whole day: --until takes its end), YYYY-MM-DDTHH:MM[:SS][Z], or an age:
 * N followed by m (minutes), h, d or w, counted back from now. Returns 0
 * and ms since the epoch, or -1.
 */
static int
parse_when(const char *s, int until, int64_t now, int64_t *out)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, n = 0;
	char unit;
	long long age;

	if (sscanf(s, "%lld%c%n", &age, &unit, &n) == 2 && s[n] == '\0' && age >= 0 &&
	    strchr("mhdw", unit) && isdigit((unsigned char)s[0])) {
		static const int64_t mult[] = { 60000, 3600000, 86400000, 604800000 };

		if (age > 100000)
			return -1;
		*out = now - age * mult[strchr("mhdw", unit) - "mhdw"];
		return 0;
	}
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
		if (sscanf(s, "%4d%2d%2d", &y, &mo, &d) != 3)
			return -1;
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && (s[n] == '\0' ||
	    s[n] == 'T' || s[n] == ' ')) {
		if (s[n] != '\0') {
			const char *rest;
			int m = 0;

			if (sscanf(s + n + 1, "%2d:%2d%n", &hh, &mi, &m) != 2 || m != 5)
				return -1;
			rest = s + n + 1 + m;
			if (*rest == ':') {
				if (sscanf(rest + 1, "%2d%n", &ss, &m) != 1 || m != 2)
					return -1;
				rest += 3;
			}
			if (strcmp(rest, "") != 0 && strcmp(rest, "Z") != 0)
				return -1;
			if (hh > 23 || mi > 59 || ss > 60)
				return -1;
			n = -1;  /* not a whole day */
		}
	} else {
		return -1;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || hh < 0 || mi < 0 ||
	    ss < 0 || d > (mo == 2 ? 28 + (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) :
	    mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30 : 31))
		return -1;
	*out = ((days_from_civil(y, mo, d) * 24 + hh) * 60 + mi) * 60000LL + ss * 1000LL;
	if (until && n >= 0)
		*out += 86400000LL;  /* --until 2026-12-01 takes in all of that day */
	return 0;
}

/* 1234567 -> "1,234,567" */
static void
thousands(int64_t v, char out[32])
{
	char tmp[32];
	int len, i, j = 0, lead;

	len = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		out[j++] = '-';
	lead = len % 3 ? len % 3 : 3;
	for (i = 0; i < len; i++) {
		if (i >= lead && (i - lead) % 3 == 0)
			out[j++] = ',';
		out[j++] = tmp[i];
	}
	out[j] = '\0';
}

static void
dollars(double v, char out[40])
{
	char n[32];

	if (v > 0 && v < 0.005) {
		snprintf(out, 40, "<$0.01");
		return;
	}
	thousands((int64_t)floor(v), n);
	snprintf(out, 40, "$%s.%02d", n, (int)llround((v - floor(v)) * 100) % 100);
	if (llround((v - floor(v)) * 100) == 100)  /* 0.999 rounds up a dollar */
		dollars(ceil(v), out);
}

static cJSON *
json_time(int64_t ms)
{
	char iso[32];

	if (ms == INT64_MIN || ms == INT64_MAX)
		return cJSON_CreateNull();
	iso_time(ms, iso);
	return cJSON_CreateString(iso);
}

/* A column as a JSON value: number, string (cleaned UTF-8) or null. */
static cJSON *
json_col(sqlite3_stmt *st, int i)
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

static void
add_int(cJSON *o, const char *key, int64_t v)
{
	cJSON_AddItemToObject(o, key, cJSON_CreateNumber((double)v));
}

static int64_t
get_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Is section one the report makes? */
static int
wanted(const struct report *r, const char *section)
{
	size_t i;

	for (i = 0; i < NSECTIONS; i++)
		if (strcmp(section_names[i], section) == 0)
			return (r->sections >> i) & 1;
	return 0;
}

/* The period is whole UTC days (all time is): usage can come from usage_days. */
static int
whole_days(const struct report *r)
{
	return (r->since == INT64_MIN || r->since % 86400000 == 0) &&
	    (r->until == INT64_MAX || r->until % 86400000 == 0);
}

/* A section drawn from the pass over the tool rows is wanted. */
static int
tools_wanted(const struct report *r)
{
	return wanted(r, "tools") || wanted(r, "mcp") || wanted(r, "files");
}

/*
 * The tool sections are wanted and their pass over the tool rows is theirs
 * alone (usage of a period that is not whole days counts tools in it too),
 * so it can run on a thread of its own (when SQLite is built for threads).
 */
static int
tools_alone(const struct report *r)
{
	return tools_wanted(r) && (whole_days(r) || !wanted(r, "usage")) &&
	    sqlite3_threadsafe();
}

/* --- the database -------------------------------------------------------- */

/* The database's schema version, or -1 on an error (reported). */
static int64_t
report_version(struct report *r)
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
 * One read transaction: every section sees the same rows. With tools_alone, a
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
report_begin(struct report *r)
{
	sqlite3 *w = NULL;
	int frozen = 0;

	if (tools_alone(r) && sqlite3_open_v2(r->ctx->db_path, &w, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(w, FREEZE_BUSY_MS) == SQLITE_OK &&
	    sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		frozen = 1;
	if (begin_read(r->h) != SQLITE_OK) {
		error("report: %s", sqlite3_errmsg(r->h));
		sqlite3_close(w);
		return -1;
	}
	if (frozen && (sqlite3_open_v2(r->ctx->db_path, &r->h2, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(r->h2, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK ||
	    begin_read(r->h2) != SQLITE_OK)) {
		sqlite3_close(r->h2);
		r->h2 = NULL;
	}
	if (frozen)
		sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(w);
	return 0;
}

/*
 * Opens the database read-only. One that an older clankers made is first
 * brought up to this schema, as the next hook would do (that is the one
 * write report can make); one that a newer clankers made is refused.
 */
static int
report_open(struct report *r)
{
	struct stat sb;
	int64_t v;
	int rc, tries;

	if (stat(r->ctx->db_path, &sb) < 0) {
		if (errno == ENOENT)
			error("report: no database at '%s' (nothing recorded yet: "
			    "are the hooks installed? see 'clankers doctor')", r->ctx->db_path);
		else
			error("report: cannot open '%s': %s", r->ctx->db_path, strerror(errno));
		return -1;
	}
	for (tries = 0; tries < 2; tries++) {
		rc = sqlite3_open_v2(r->ctx->db_path, &r->h, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOMUTEX, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_busy_timeout(r->h, REPORT_BUSY_MS);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(r->h, "PRAGMA query_only=1", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			error("report: cannot open '%s': %s", r->ctx->db_path,
			    r->h ? sqlite3_errmsg(r->h) : sqlite3_errstr(rc));
			return -1;
		}
		if ((v = report_version(r)) < 0)
			return -1;
		if (v > db_schema_version()) {
			error("report: '%s' has schema version %lld, newer than this clankers "
			    "knows (%d): upgrade clankers", r->ctx->db_path, (long long)v,
			    db_schema_version());
			return -1;
		}
		if (v == db_schema_version())
			return report_begin(r);
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
 * Prepares sql and binds the report's filters to whichever of :since,
 * :until, :source, :project, :session, :now and :running_after it names. NULL on an error,
 * reported.
 */
static sqlite3_stmt *
report_prepare(struct report *r, const char *sql)
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

static int
report_done(struct report *r, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		error("report: %s", sqlite3_errmsg(r->h));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* True when a filter on the sessions' own columns is given. */
static int
filtered(const struct report *r)
{
	return r->source || r->project || r->session;
}

/*
 * The sessions filter, for a query that has sessions as s. The SQL is
 * built from these constant pieces only; values are bound.
 */
#define SESSION_FILTER \
	"(:source IS NULL OR s.source = :source) AND " \
	"(:project IS NULL OR s.project_name = :project OR s.project_path = :project " \
	"  OR substr(s.project_path, 1, length(:project) + 1) = :project || '/') AND " \
	"(:session IS NULL OR s.id = :session)"

/* Resolves --session ID-or-prefix to one id; -1 when none or several. */
static int
resolve_session(struct report *r, const char *arg)
{
	sqlite3_stmt *st;
	struct buf ids = {0};
	int n = 0, rc;

	st = report_prepare(r, "SELECT id FROM sessions WHERE id = :arg "
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
		if (n <= 5)
			buf_add(&ids, id, strlen(id));
	}
	if (report_done(r, st, rc) < 0) {
		buf_release(&ids);
		return -1;
	}
	if (n == 0)
		error("report: no session '%s'", arg);
	else if (n > 1)
		error("report: '%s' names several sessions:\n  %s%s", arg, ids.data,
		    n > 5 ? "\n  ..." : "");
	buf_release(&ids);
	if (n != 1) {
		free(r->session);
		r->session = NULL;
		return -1;
	}
	return 0;
}

/* --- a string map: key -> index into the caller's array ------------------- */

struct strmap {
	char **keys;      /* owned; slot order; each in the arena */
	int *vals;        /* the index the caller gave, per slot */
	uint64_t *hashes; /* each key's hash, per slot: a probe compares bytes only on a match */
	size_t cap, n;    /* cap a power of two, or 0 */
	char *arena;      /* owned: the newest block of keys, which starts with the one before */
	char *free_at;    /* where the next key goes in it */
	size_t left;      /* bytes free there */
};

#define ARENA_BLOCK (64 * 1024)

/* A copy of k[0..n) in the map's arena: 100,000 keys are not 100,000 mallocs. */
static char *
strmap_copy(struct strmap *m, const char *k, size_t n)
{
	char *p;

	if (n + 1 > m->left) {
		size_t size = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		char *b = xmalloc(sizeof(char *) + size);

		memcpy(b, &m->arena, sizeof(char *));
		m->arena = b;
		m->free_at = b + sizeof(char *);
		m->left = size;
	}
	p = m->free_at;
	memcpy(p, k, n);
	p[n] = '\0';
	m->free_at += n + 1;
	m->left -= n + 1;
	return p;
}

static size_t
strmap_slot(const struct strmap *m, const char *k, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->keys[i] && (m->hashes[i] != h || strncmp(m->keys[i], k, n) != 0 ||
	    m->keys[i][n] != '\0'))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of k[0..n), or -1. */
static int
strmap_get(const struct strmap *m, const char *k, size_t n)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	i = strmap_slot(m, k, n, fnv1a(FNV_SEED, k, n));
	return m->keys[i] ? m->vals[i] : -1;
}

/* Sets k[0..n) (copied) to v; k must not be there yet. */
static void
strmap_put(struct strmap *m, const char *k, size_t n, int v)
{
	uint64_t h = fnv1a(FNV_SEED, k, n);
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct strmap g = *m;

		g.cap = m->cap ? 2 * m->cap : 64;
		g.n = 0;
		g.keys = xmalloc(g.cap * sizeof *g.keys);
		g.vals = xmalloc(g.cap * sizeof *g.vals);
		g.hashes = xmalloc(g.cap * sizeof *g.hashes);
		memset(g.keys, 0, g.cap * sizeof *g.keys);
		for (i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = (size_t)m->hashes[i] & (g.cap - 1);

				while (g.keys[j])  /* the keys are distinct: the first free slot */
					j = (j + 1) & (g.cap - 1);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
				g.hashes[j] = m->hashes[i];
				g.n++;
			}
		free(m->keys);
		free(m->vals);
		free(m->hashes);
		*m = g;
	}
	i = strmap_slot(m, k, n, h);
	m->keys[i] = strmap_copy(m, k, n);
	m->vals[i] = v;
	m->hashes[i] = h;
	m->n++;
}

static void
strmap_release(struct strmap *m)
{
	while (m->arena) {
		char *b = m->arena;

		memcpy(&m->arena, b, sizeof(char *));
		free(b);
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof *m);
}

/* A growing list of int64, for percentiles. */
struct series {
	int64_t *v;  /* owned */
	size_t n, cap;
};

static void
series_add(struct series *s, int64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = v;
}

/*
 * Sorts s: an LSD radix sort, a byte a pass, skipping the passes where
 * every value has the same byte (durations fit in two or three bytes), so
 * a million values take a few milliseconds rather than qsort's hundred.
 */
static void
series_sort(struct series *s)
{
	uint64_t *a = (uint64_t *)s->v, *tmp, *src, *dst;
	size_t i, count[256], n = s->n;
	uint64_t flip = 1ULL << 63, x;
	int pass;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof *tmp);
	for (i = 0; i < n; i++)  /* signed order as unsigned: flip the sign bit */
		a[i] ^= flip;
	src = a, dst = tmp;
	for (pass = 0; pass < 8; pass++) {
		size_t sum = 0, c;
		int shift = pass * 8;

		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		if (count[(src[0] >> shift) & 0xff] == n)
			continue;  /* the same byte everywhere: nothing to move */
		for (i = 0; i < 256; i++)
			c = count[i], count[i] = sum, sum += c;
		for (i = 0; i < n; i++) {
			x = src[i];
			dst[count[(x >> shift) & 0xff]++] = x;
		}
		tmp = src, src = dst, dst = tmp;
	}
	for (i = 0; i < n; i++)
		a[i] = src[i] ^ flip;
	free(src == a ? dst : src);
}

/* Nearest rank: the smallest value with at least p% of the values at or below it. */
static int64_t
series_pct(const struct series *s, int p)
{
	size_t rank = (size_t)((s->n * (size_t)p + 99) / 100);

	return s->v[rank ? rank - 1 : 0];
}

/* Adds p50, p95 and max of s (sorted here) in ms to o; nulls when empty. */
static void
add_percentiles(cJSON *o, struct series *s, double unit)
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

/* --- the logs -------------------------------------------------------------- */

enum outcome { OUT_NONE, OUT_STORED, OUT_SPOOLED, OUT_LOST, OUT_REJECTED };

/* One hook invocation's log line. */
struct invocation {
	unsigned char id[16];  /* the invocation id's 32 hex digits */
	int64_t time;
	int event;             /* index into logscan.events */
	int session;           /* index into logscan.sessions, -1 when none */
	unsigned char outcome; /* enum outcome */
	unsigned char in_db;   /* a hook_events row has its id */
};

/* A warn or error message of the logs, counted. */
struct logmsg {
	char *level, *component, *message, *error;  /* owned */
	int64_t count, last;
};

struct logscan {
	int files;
	int64_t lines, bad, warns, errors;
	int64_t first, last;        /* times of the first and last line read */
	int write_errors, transcript_errors;  /* error lines, by what they write */
	struct invocation *inv;     /* owned */
	size_t ninv, capinv;
	uint32_t *slots;            /* owned; index + 1 into inv, 0 empty */
	size_t nslots;
	struct strmap event_ids;    /* event name -> index in events */
	char **events;              /* owned, each owned */
	struct series *durations;   /* owned; per event, duration_us */
	size_t nevents;
	struct strmap sessions;     /* session id of a hook line -> index */
	struct strmap msg_ids;      /* level\tcomponent\tmessage\terror -> index */
	struct logmsg *msgs;        /* owned */
	size_t nmsgs;
};

static void
logscan_free(struct logscan *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->nevents; i++) {
		free(ls->events[i]);
		free(ls->durations[i].v);
	}
	for (i = 0; i < ls->nmsgs; i++) {
		free(ls->msgs[i].level);
		free(ls->msgs[i].component);
		free(ls->msgs[i].message);
		free(ls->msgs[i].error);
	}
	free(ls->events);
	free(ls->durations);
	free(ls->msgs);
	free(ls->inv);
	free(ls->slots);
	strmap_release(&ls->event_ids);
	strmap_release(&ls->sessions);
	strmap_release(&ls->msg_ids);
	free(ls);
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* An invocation id as 16 bytes: its hex digits, else a hash of it. */
static void
invocation_key(const char *s, size_t n, unsigned char out[16])
{
	uint64_t a, b;
	size_t i;

	for (i = 0; n == 32 && i < 32; i++)
		if (hexval((unsigned char)s[i]) < 0)
			break;
	if (n == 32 && i == 32) {
		for (i = 0; i < 16; i++)
			out[i] = (unsigned char)(hexval((unsigned char)s[2 * i]) << 4 |
			    hexval((unsigned char)s[2 * i + 1]));
		return;
	}
	a = fnv1a(FNV_SEED, s, n);
	b = fnv1a(a ^ 0x9e3779b97f4a7c15ULL, s, n);
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

static size_t
inv_slot(const struct logscan *ls, const unsigned char id[16])
{
	uint64_t h;
	size_t i;

	memcpy(&h, id, 8);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	i = (size_t)(h ^ h >> 32) & (ls->nslots - 1);
	while (ls->slots[i] && memcmp(ls->inv[ls->slots[i] - 1].id, id, 16) != 0)
		i = (i + 1) & (ls->nslots - 1);
	return i;
}

static struct invocation *
inv_find(const struct logscan *ls, const unsigned char id[16])
{
	size_t i;

	if (ls->nslots == 0)
		return NULL;
	i = inv_slot(ls, id);
	return ls->slots[i] ? &ls->inv[ls->slots[i] - 1] : NULL;
}

/* Adds an invocation; a second line with the same id (a retry) is kept once. */
static void
inv_add(struct logscan *ls, const struct invocation *v)
{
	size_t i;

	if (2 * (ls->ninv + 1) > ls->nslots) {
		size_t k;

		free(ls->slots);
		ls->nslots = ls->nslots ? 2 * ls->nslots : 1024;
		ls->slots = xmalloc(ls->nslots * sizeof *ls->slots);
		memset(ls->slots, 0, ls->nslots * sizeof *ls->slots);
		for (k = 0; k < ls->ninv; k++)
			ls->slots[inv_slot(ls, ls->inv[k].id)] = (uint32_t)k + 1;
	}
	i = inv_slot(ls, v->id);
	if (ls->slots[i])
		return;
	if (ls->ninv == ls->capinv) {
		ls->capinv = ls->capinv ? 2 * ls->capinv : 1024;
		ls->inv = xrealloc(ls->inv, ls->capinv * sizeof *ls->inv);
	}
	ls->inv[ls->ninv] = *v;
	ls->slots[i] = (uint32_t)++ls->ninv;
}

static int
event_index(struct logscan *ls, const char *name, size_t n)
{
	int i = strmap_get(&ls->event_ids, name, n);

	if (i >= 0)
		return i;
	ls->events = xrealloc(ls->events, (ls->nevents + 1) * sizeof *ls->events);
	ls->durations = xrealloc(ls->durations, (ls->nevents + 1) * sizeof *ls->durations);
	ls->events[ls->nevents] = xstrndup(name, n);
	memset(&ls->durations[ls->nevents], 0, sizeof *ls->durations);
	strmap_put(&ls->event_ids, name, n, (int)ls->nevents);
	return (int)ls->nevents++;
}

static void
count_message(struct logscan *ls, struct buf *key, int64_t t)
{
	struct logmsg *m;
	int i = strmap_get(&ls->msg_ids, key->data, key->len);

	if (i < 0) {
		char *f[4], *p = key->data;
		int k;

		for (k = 0; k < 4; k++) {
			char *tab = strchr(p, '\t');
			size_t n = tab ? (size_t)(tab - p) : strlen(p);

			f[k] = xstrndup(p, n);
			p += n + (tab != NULL);
		}
		ls->msgs = xrealloc(ls->msgs, (ls->nmsgs + 1) * sizeof *ls->msgs);
		ls->msgs[ls->nmsgs] = (struct logmsg){ f[0], f[1], f[2], f[3], 0, t };
		strmap_put(&ls->msg_ids, key->data, key->len, (int)ls->nmsgs);
		i = (int)ls->nmsgs++;
	}
	m = &ls->msgs[i];
	m->count++;
	if (t > m->last)
		m->last = t;
}

/* Appends the string value v, unescaped and with tabs as spaces, to b. */
static void
key_part(struct buf *b, struct jspan v)
{
	struct buf s = {0};
	size_t i;

	if (v.p && jscan_str(v, &s) == 0 && s.len) {
		size_t n;
		char *c = utf8_clean(s.data, s.len, &n);  /* NULL: already clean */

		if (c)
			buf_release(&s), s.data = c, s.len = n;
		for (i = 0; i < s.len; i++)
			if (s.data[i] == '\t' || s.data[i] == '\n')
				s.data[i] = ' ';
		buf_add(b, s.data, s.len);
	}
	buf_release(&s);
}

enum { L_TIME, L_LEVEL, L_COMPONENT, L_MESSAGE, L_EVENT, L_INVOCATION, L_OUTCOME,
	L_DURATION, L_SESSION, L_ERROR, L_NKEYS };

static void
log_line(struct report *r, struct logscan *ls, const char *line, size_t n,
    struct buf *key)
{
	static const char *const keys[L_NKEYS] = { "time", "level", "component",
	    "message", "event", "invocation", "outcome", "duration_us", "session_id",
	    "error" };
	struct jspan v[L_NKEYS], em = { NULL, 0 };
	int64_t t, dur;
	int warn, err;

	if (jscan_object((struct jspan){ line, n }, keys, L_NKEYS, v, NULL) < 0 ||
	    (t = jscan_time(v[L_TIME])) < 0) {
		ls->bad++;
		return;
	}
	if (t < r->since || t >= r->until)
		return;
	if (r->session && !jscan_streq(v[L_SESSION], r->session))
		return;
	ls->lines++;
	if (ls->first == 0 || t < ls->first)
		ls->first = t;
	if (t > ls->last)
		ls->last = t;
	warn = jscan_streq(v[L_LEVEL], "warn");
	err = jscan_streq(v[L_LEVEL], "error");
	if (warn || err) {
		ls->warns += warn;
		ls->errors += err;
		if (err && (jscan_streq(v[L_COMPONENT], "transcript") ||
		    jscan_streq(v[L_COMPONENT], "session-end")))
			ls->transcript_errors++;
		else if (err)
			ls->write_errors++;
		if (v[L_ERROR].p)
			jscan_get(v[L_ERROR], "message", &em);
		key->len = 0;
		key_part(key, v[L_LEVEL]);
		buf_add(key, "\t", 1);
		key_part(key, v[L_COMPONENT]);
		buf_add(key, "\t", 1);
		key_part(key, v[L_MESSAGE]);
		buf_add(key, "\t", 1);
		key_part(key, em);
		count_message(ls, key, t);
	}
	if (jscan_streq(v[L_COMPONENT], "hook") && v[L_INVOCATION].p && v[L_EVENT].p &&
	    v[L_INVOCATION].n > 2 && v[L_EVENT].n > 2) {
		struct invocation inv = {0};

		invocation_key(v[L_INVOCATION].p + 1, v[L_INVOCATION].n - 2, inv.id);
		inv.time = t;
		inv.event = event_index(ls, v[L_EVENT].p + 1, v[L_EVENT].n - 2);
		inv.session = -1;
		if (v[L_SESSION].p && v[L_SESSION].n > 2) {
			const char *sp = v[L_SESSION].p + 1;
			size_t sn = v[L_SESSION].n - 2;

			if ((inv.session = strmap_get(&ls->sessions, sp, sn)) < 0) {
				inv.session = (int)ls->sessions.n;
				strmap_put(&ls->sessions, sp, sn, inv.session);
			}
		}
		inv.outcome = jscan_streq(v[L_OUTCOME], "stored") ? OUT_STORED :
		    jscan_streq(v[L_OUTCOME], "spooled") ? OUT_SPOOLED :
		    jscan_streq(v[L_OUTCOME], "lost") ? OUT_LOST :
		    jscan_streq(v[L_OUTCOME], "rejected") ? OUT_REJECTED : OUT_NONE;
		inv_add(ls, &inv);
		if (jscan_int(v[L_DURATION], &dur) && dur >= 0)
			series_add(&ls->durations[inv.event], dur);
	}
}

/* Is name a log file whose day can hold lines of the period? */
static int
log_file_in_period(const struct report *r, const char *name)
{
	int y, mo, d;
	int64_t day;

	if (strlen(name) != strlen("clankers-YYYY-MM-DD.jsonl") ||
	    strncmp(name, "clankers-", 9) != 0 || strcmp(name + 19, ".jsonl") != 0 ||
	    sscanf(name + 9, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return 0;
	day = days_from_civil(y, mo, d) * 86400000LL;
	/* A line is dated by when it was written, its file by the same clock. */
	return day + 86400000LL > r->since && day < r->until;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the period's log files; NULL only when the folder cannot be listed. */
static struct logscan *
log_scan(struct report *r)
{
	struct logscan *ls = xmalloc(sizeof *ls);
	struct buf key = {0};
	struct dirent *de;
	char **names = NULL, *line = NULL;
	size_t nnames = 0, cap = 0, i;
	DIR *d;

	memset(ls, 0, sizeof *ls);
	if ((d = opendir(r->ctx->log_dir)) == NULL) {
		if (errno != ENOENT)
			error("report: cannot read the logs in '%s': %s", r->ctx->log_dir,
			    strerror(errno));
		return ls;
	}
	while ((de = readdir(d)) != NULL) {
		if (!log_file_in_period(r, de->d_name))
			continue;
		names = xrealloc(names, ++nnames * sizeof *names);
		names[nnames - 1] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nnames > 1)  /* qsort of NULL, even for none, is undefined */
		qsort(names, nnames, sizeof *names, cmp_str);
	for (i = 0; i < nnames; i++) {
		char *path = path_join(r->ctx->log_dir, names[i]);
		FILE *f = fopen(path, "r");
		ssize_t len;

		if (f == NULL) {
			error("report: cannot read '%s': %s", path, strerror(errno));
		} else {
			ls->files++;
			while ((len = getline(&line, &cap, f)) > 0) {
				while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
					len--;
				if (len > 0)
					log_line(r, ls, line, (size_t)len, &key);
			}
			if (ferror(f))
				error("report: cannot read '%s': %s", path, strerror(errno));
			fclose(f);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	free(line);
	buf_release(&key);
	return ls;
}

/* log_scan on a thread of its own: it reads only r's filters and the files. */
struct logs {
	struct report *r;
	struct logscan *ls;  /* log_scan's */
	pthread_t thread;
	int threaded;
};

static void *
log_thread(void *arg)
{
	struct logs *l = arg;

	l->ls = log_scan(l->r);
	return NULL;
}

/* --- sections -------------------------------------------------------------- */

/*
 * Each table: its rows, when the newest was written, and a status: empty,
 * errors (the period's log has error lines from what writes it: the hook
 * and the spool for the event tables, the transcript reader for messages
 * and transcript_files), else working.
 */
static int
section_tables(struct report *r)
{
	/* count(*) alone: SQLite then counts an index's cells without reading rows. */
	static const struct {
		const char *name, *newest;
		int transcript;
	} tables[] = {
		{ "sessions", "SELECT max(updated_at) FROM sessions", 0 },
		{ "messages", "SELECT coalesce(completed_at, created_at) FROM messages "
		  "ORDER BY rowid DESC LIMIT 1", 1 },
		{ "tools", "SELECT coalesce(ended_at, created_at) FROM tools "
		  "ORDER BY rowid DESC LIMIT 1", 0 },
		{ "session_errors", "SELECT max(created_at) FROM session_errors", 0 },
		{ "compaction_events", "SELECT max(created_at) FROM compaction_events", 0 },
		{ "hook_events", "SELECT max(received_at) FROM hook_events", 0 },
		{ "transcript_files", "SELECT max(read_at) FROM transcript_files", 1 },
	};
	cJSON *arr = cJSON_AddArrayToObject(r->out, "tables");
	size_t i;

	for (i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", tables[i].name);
		sqlite3_stmt *count = report_prepare(r, sql), *newest;
		int64_t rows;
		cJSON *t;
		int rc;

		sqlite3_free(sql);
		if (count == NULL)
			return -1;
		if ((rc = sqlite3_step(count)) != SQLITE_ROW)
			return report_done(r, count, rc);
		rows = sqlite3_column_int64(count, 0);
		sqlite3_finalize(count);
		if ((newest = report_prepare(r, tables[i].newest)) == NULL)
			return -1;
		rc = sqlite3_step(newest);
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", tables[i].name);
		add_int(t, "rows", rows);
		cJSON_AddItemToObject(t, "newest", rc != SQLITE_ROW ||
		    sqlite3_column_type(newest, 0) == SQLITE_NULL ? cJSON_CreateNull() :
		    json_time(sqlite3_column_int64(newest, 0)));
		cJSON_AddStringToObject(t, "status", rows == 0 ? "empty" :
		    (tables[i].transcript ? r->log->transcript_errors : r->log->write_errors) ?
		    "errors" : "working");
		cJSON_AddItemToArray(arr, t);
		if (report_done(r, newest, rc) < 0)
			return -1;
	}
	return 0;
}

/* One gap: a kind, what is missing, how many, and the first few ids. */
static cJSON *
gap_new(cJSON *gaps, const char *kind, const char *what, const char *detail)
{
	cJSON *g = cJSON_CreateObject();

	cJSON_AddStringToObject(g, "kind", kind);
	cJSON_AddStringToObject(g, "what", what);
	cJSON_AddStringToObject(g, "detail", detail);
	add_int(g, "count", 0);
	cJSON_AddArrayToObject(g, "items");
	cJSON_AddItemToArray(gaps, g);
	return g;
}

static void
gap_item(cJSON *g, const char *item)
{
	cJSON *count = cJSON_GetObjectItemCaseSensitive(g, "count");
	cJSON *items = cJSON_GetObjectItemCaseSensitive(g, "items");

	cJSON_SetNumberValue(count, count->valuedouble + 1);
	if (item && cJSON_GetArraySize(items) < GAP_ITEMS)
		cJSON_AddItemToArray(items, cJSON_CreateString(item));
}

/* Drops the gaps that found nothing. */
static void
gaps_prune(cJSON *gaps)
{
	cJSON *g = gaps->child, *next;

	for (; g; g = next) {
		next = g->next;
		if (get_int(g, "count") == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(gaps, g));
	}
}

/* The gap of this kind and what, made on first use. */
static cJSON *
gap_find(cJSON *gaps, const char *kind, const char *what, const char *detail)
{
	cJSON *g;

	cJSON_ArrayForEach(g, gaps)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(g, "kind")->valuestring, kind) == 0 &&
		    strcmp(cJSON_GetObjectItemCaseSensitive(g, "what")->valuestring, what) == 0)
			return g;
	return gap_new(gaps, kind, what, detail);
}

/* Sessions of the period missing a field, by source: Not saved. One pass. */
static int
gaps_sessions(struct report *r, cJSON *gaps)
{
	static const struct {
		const char *what, *detail;
	} fields[] = {
		{ "model", "sessions with no model" },
		{ "project_path", "sessions with no project path" },
		{ "title", "sessions with no title" },
		{ "tokens", "sessions with no token totals (transcript not read)" },
		{ "transcript_lines", "sessions with transcript lines that could not be read" },
	};
	cJSON *found = cJSON_CreateArray(), *g;
	sqlite3_stmt *st;
	int rc;
	size_t i;

	st = report_prepare(r, "SELECT s.source, s.id, s.model IS NULL AND s.models IS NULL, "
	    "s.project_path IS NULL, s.title IS NULL, "
	    "s.input_tokens IS NULL AND s.output_tokens IS NULL, s.bad_lines > 0 "
	    "FROM sessions s INDEXED BY sessions_incomplete "
	    "WHERE ((model IS NULL AND models IS NULL) OR project_path IS NULL OR title IS NULL "
	    "  OR (input_tokens IS NULL AND output_tokens IS NULL) OR bad_lines > 0) "
	    "AND " SESSION_FILTER " AND s.updated_at >= :since AND s.created_at < :until "
	    "ORDER BY s.updated_at DESC");
	if (st == NULL) {
		cJSON_Delete(found);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(st, 0);

		for (i = 0; i < sizeof fields / sizeof *fields; i++) {
			char *what;

			if (!sqlite3_column_int(st, 2 + (int)i))
				continue;
			what = xasprintf("%s %s", src, fields[i].what);
			gap_item(gap_find(found, "not_saved", what, fields[i].detail),
			    (const char *)sqlite3_column_text(st, 1));
			free(what);
		}
	}
	/* In the order of fields, then by source. */
	for (i = 0; i < sizeof fields / sizeof *fields; i++) {
		for (;;) {
			cJSON *first = NULL;

			cJSON_ArrayForEach(g, found) {
				const char *w = cJSON_GetObjectItemCaseSensitive(g, "what")->valuestring;
				const char *f = strchr(w, ' ');

				if (f && strcmp(f + 1, fields[i].what) == 0 && (first == NULL ||
				    strcmp(w, cJSON_GetObjectItemCaseSensitive(first,
				    "what")->valuestring) < 0))
					first = g;
			}
			if (first == NULL)
				break;
			cJSON_AddItemToArray(gaps, cJSON_DetachItemViaPointer(found, first));
		}
	}
	cJSON_Delete(found);
	return report_done(r, st, rc);
}

/* Models whose responses have no price: their cost is unknown. */
static int
gaps_prices(struct report *r, cJSON *gaps)
{
	sqlite3_stmt *st;
	int rc;

	/* Only sessions the triggers found an unpriced response in: no full scan. */
	st = report_prepare(r, "SELECT coalesce(m.model, '(none)'), count(*) "
	    "FROM sessions s INDEXED BY sessions_unpriced CROSS JOIN messages m "
	    "INDEXED BY messages_usage "
	    "ON m.session_id = s.id AND m.role = 'assistant' "
	    "WHERE unpriced_responses > 0 AND m.cost_usd IS NULL "
	    "AND m.created_at >= :since AND m.created_at < :until AND " SESSION_FILTER
	    " GROUP BY 1 ORDER BY 2 DESC, 1");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *g = gap_new(gaps, "not_saved", "price",
		    "responses of a model with no price: their cost is unknown");
		char *item = xasprintf("%s", sqlite3_column_text(st, 0));

		gap_item(g, item);
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "count"),
		    (double)sqlite3_column_int64(st, 1));
		free(item);
	}
	return report_done(r, st, rc);
}

/* Tool calls still running well after their session moved on. */
static int
gaps_running(struct report *r, cJSON *gaps)
{
	sqlite3_stmt *st;
	cJSON *g;
	int rc;

	st = report_prepare(r, "SELECT t.id, t.tool_name FROM tools t INDEXED BY tools_running "
	    "JOIN sessions s ON s.id = t.session_id WHERE t.status = 'running' "
	    "AND (s.status = 'ended' OR s.updated_at > coalesce(t.started_at, t.created_at) "
	    "  + :running_after) "
	    "AND t.created_at >= :since AND t.created_at < :until AND " SESSION_FILTER
	    " ORDER BY t.created_at DESC");
	if (st == NULL)
		return -1;
	g = gap_new(gaps, "running", "tool",
	    "tool calls still running 10 minutes after their session moved on");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *item = xasprintf("%s (%s)", sqlite3_column_text(st, 0),
		    sqlite3_column_type(st, 1) == SQLITE_NULL ? "?" :
		    (const char *)sqlite3_column_text(st, 1));

		gap_item(g, item);
		free(item);
	}
	return report_done(r, st, rc);
}

static void
hex16(const unsigned char id[16], char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/*
 * Which sessions of the log's hook lines the filter lets in: *pass gets
 * an owned array, a byte per logscan.sessions index. A session with no
 * row cannot be matched to a filter: it is left out.
 */
static int
log_sessions_pass(struct report *r, const struct logscan *ls, unsigned char **pass)
{
	sqlite3_stmt *st = report_prepare(r, "SELECT 1 FROM sessions s WHERE s.id = :id AND "
	    SESSION_FILTER);
	size_t i;
	int rc = SQLITE_DONE;

	*pass = xmalloc(ls->sessions.n ? ls->sessions.n : 1);
	memset(*pass, 0, ls->sessions.n ? ls->sessions.n : 1);
	if (st == NULL) {
		free(*pass);
		*pass = NULL;
		return -1;
	}
	for (i = 0; i < ls->sessions.cap && rc != SQLITE_ERROR; i++) {
		if (ls->sessions.keys[i] == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":id"),
		    ls->sessions.keys[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			(*pass)[ls->sessions.vals[i]] = 1;
		else if (rc != SQLITE_DONE)
			rc = SQLITE_ERROR;
	}
	if (report_done(r, st, rc == SQLITE_ERROR ? SQLITE_ERROR : SQLITE_DONE) < 0) {
		free(*pass);
		*pass = NULL;
		return -1;
	}
	return 0;
}

/*
 * The logs against hook_events, over the time both cover: a stored event
 * with no log line is Not logged; a logged event with no row (lost,
 * rejected, spooled and not yet taken in, or "stored" with no row) is Not
 * saved. The last LOG_GRACE_MS are left out: a hook logs after it commits.
 */
static int
gaps_log(struct report *r, cJSON *gaps)
{
	struct logscan *ls = r->log;
	int64_t from, to;
	sqlite3_stmt *st;
	cJSON *nolog, *lost, *spooled, *rejected, *norow;
	unsigned char *pass = NULL;
	size_t i;
	int rc;

	if (ls->lines == 0)
		return 0;
	from = ls->first > r->since ? ls->first : r->since;
	to = ls->last < r->until ? ls->last : r->until;
	/* A hook logs after it commits: a line may fall past --until or now. */
	if (to > r->now - LOG_GRACE_MS)
		to = r->now - LOG_GRACE_MS;
	if (r->until != INT64_MAX && to > r->until - LOG_GRACE_MS)
		to = r->until - LOG_GRACE_MS;
	/*
	 * Rows from a little before the span: their lines are written after
	 * receipt. Every row marks its line; only those of the sessions the
	 * filter lets in can be a gap.
	 */
	st = report_prepare(r, "SELECT h.invocation, h.received_at, h.event, h.session_id, "
	    "s.id IS NOT NULL AND " SESSION_FILTER " FROM hook_events h "
	    "LEFT JOIN sessions s ON s.id = h.session_id "
	    "WHERE h.received_at >= :from - 60000 AND h.received_at <= :to");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":from"), from);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":to"), to);
	nolog = gap_new(gaps, "not_logged", "hook_event",
	    "hook invocations stored in the database with no log line");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		struct invocation *v;
		unsigned char key[16];

		invocation_key(id, (size_t)sqlite3_column_bytes(st, 0), key);
		if ((v = inv_find(ls, key)) != NULL) {
			v->in_db = 1;
		} else if (sqlite3_column_int64(st, 1) >= from &&
		    (!filtered(r) || sqlite3_column_int(st, 4))) {
			char *item = xasprintf("%s %s %s", id, sqlite3_column_text(st, 2),
			    sqlite3_column_type(st, 3) == SQLITE_NULL ? "-" :
			    (const char *)sqlite3_column_text(st, 3));

			gap_item(nolog, item);
			free(item);
		}
	}
	if (report_done(r, st, rc) < 0)
		return -1;
	if (filtered(r) && log_sessions_pass(r, ls, &pass) < 0)
		return -1;
	lost = gap_new(gaps, "not_saved", "lost",
	    "hook invocations logged as lost: neither stored nor spooled");
	rejected = gap_new(gaps, "not_saved", "rejected",
	    "hook invocations whose payload could not be read");
	spooled = gap_new(gaps, "not_saved", "spooled",
	    "hook invocations spooled and not yet taken into the database "
	    "(the next hook that can write takes them in)");
	norow = gap_new(gaps, "not_saved", "hook_event",
	    "hook invocations logged as stored with no row in hook_events");
	for (i = 0; i < ls->ninv; i++) {
		struct invocation *v = &ls->inv[i];
		char id[33], *item;
		cJSON *g;

		if (v->in_db || v->time > to || v->time < from ||
		    (pass && (v->session < 0 || !pass[v->session])))
			continue;  /* stored; outside the span; a session filtered out */
		switch (v->outcome) {
		case OUT_LOST: g = lost; break;
		case OUT_REJECTED: g = rejected; break;
		case OUT_SPOOLED: g = spooled; break;
		case OUT_STORED: g = norow; break;
		default: continue;
		}
		hex16(v->id, id);
		item = xasprintf("%s %s", id, ls->events[v->event]);
		gap_item(g, item);
		free(item);
	}
	free(pass);
	return 0;
}

static int
section_gaps(struct report *r)
{
	cJSON *gaps = cJSON_AddArrayToObject(r->out, "gaps");

	if (gaps_sessions(r, gaps) < 0 || gaps_prices(r, gaps) < 0 ||
	    gaps_running(r, gaps) < 0 || gaps_log(r, gaps) < 0)
		return -1;
	gaps_prune(gaps);
	return 0;
}

static int
cmp_logmsg(const void *a, const void *b)
{
	const struct logmsg *x = a, *y = b;

	return (x->last < y->last) - (x->last > y->last);
}

/* The period's error and warning lines, counted by message, newest first. */
static void
section_log(struct report *r)
{
	struct logscan *ls = r->log;
	cJSON *o = cJSON_AddObjectToObject(r->out, "log");
	cJSON *arr;
	size_t i;

	cJSON_AddStringToObject(o, "dir", r->ctx->log_dir);
	add_int(o, "files", ls->files);
	add_int(o, "lines", ls->lines);
	add_int(o, "unreadable_lines", ls->bad);
	add_int(o, "errors", ls->errors);
	add_int(o, "warnings", ls->warns);
	cJSON_AddItemToObject(o, "first", ls->lines ? json_time(ls->first) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "last", ls->lines ? json_time(ls->last) : cJSON_CreateNull());
	arr = cJSON_AddArrayToObject(o, "messages");
	if (ls->nmsgs > 1)
		qsort(ls->msgs, ls->nmsgs, sizeof *ls->msgs, cmp_logmsg);
	for (i = 0; i < ls->nmsgs; i++) {
		struct logmsg *m = &ls->msgs[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "level", m->level);
		cJSON_AddStringToObject(e, "component", m->component);
		cJSON_AddStringToObject(e, "message", m->message);
		if (*m->error)
			cJSON_AddStringToObject(e, "error", m->error);
		else
			cJSON_AddNullToObject(e, "error");
		add_int(e, "count", m->count);
		cJSON_AddItemToObject(e, "last", json_time(m->last));
		cJSON_AddItemToArray(arr, e);
	}
}

/*
 * Usage and tools come from one pass over the period's message rows and
 * one over its tool rows, both read from covering indexes (messages_usage,
 * tools_stats: no message text or tool output is touched) and added up
 * here: SQLite's GROUP BY over the same rows sorts them in a temporary
 * B-tree, several times slower on a million rows. Usage is counted from
 * the rows of the period, not from the sessions' totals, so that a session
 * that spans two days counts on each day for what it did that day.
 */
struct group {
	char *key;                /* borrowed from the map */
	int64_t sessions, messages, tools, tok[4], unpriced, last;
	int has_tok[4], priced;   /* a NULL sum stays NULL */
	double cost;
};

struct usage {
	struct strmap keys;       /* group key -> index into g (by session: none, see sid_group) */
	struct group *g;          /* owned */
	size_t ng, capg;
	struct strmap sids;       /* session id -> index */
	int *sid_group;           /* owned; by project or session: the group of each session, or -1 */
	size_t nsids, capsids;
	int single;               /* by project or session: each session is in one group */
	uint64_t *pairs;          /* owned; (group + 1) << 32 | sid + 1, open addressing */
	size_t npairs, cappairs;
	unsigned char *seen;      /* owned; per sid: counted in the total */
	int64_t total_sessions;
	int preloaded;            /* sids holds exactly the sessions the filter lets in */
	/* Rows come in session order and mostly one day at a time: the last answers. */
	struct buf last_sid;
	int last_s;               /* its index */
	int64_t *days;            /* owned; open addressing, day -> its group in day_g */
	int *day_g;               /* owned; -1: a free slot */
	size_t ndays, capdays;
};

struct toolstat {
	int64_t calls, failures, running;
	struct series ms;
};

struct filestat {
	int64_t touches, reads, edits;
};

struct toolstats {
	struct strmap tools, servers, files;
	struct toolstat *ts, *ss;
	struct filestat *fs;
	size_t nts, nss, nfs;
};

/* A new group, its key not yet set. */
static int
group_new(struct usage *u)
{
	if (u->ng == u->capg) {
		u->capg = u->capg ? 2 * u->capg : 64;
		u->g = xrealloc(u->g, u->capg * sizeof *u->g);
	}
	memset(&u->g[u->ng], 0, sizeof *u->g);
	return (int)u->ng++;
}

static int
usage_group(struct usage *u, const char *key, size_t n)
{
	int i = strmap_get(&u->keys, key, n);

	if (i < 0)
		strmap_put(&u->keys, key, n, i = group_new(u));
	return i;
}

/* Room for one more session in the arrays kept per session. */
static void
sid_grow(struct usage *u)
{
	size_t k;

	if (u->nsids < u->capsids)
		return;
	u->capsids = u->capsids ? 2 * u->capsids : 1024;
	u->seen = xrealloc(u->seen, u->capsids);
	u->sid_group = xrealloc(u->sid_group, u->capsids * sizeof *u->sid_group);
	for (k = u->nsids; k < u->capsids; k++)
		u->sid_group[k] = -1;
}

/* The index of a session id; -1 when the filter leaves it out. */
static int
usage_sid(struct usage *u, const char *sid, size_t n)
{
	int i;

	if (u->last_sid.len == n + 1 && memcmp(u->last_sid.data, sid, n) == 0)
		return u->last_s;
	u->last_sid.len = 0;
	buf_add(&u->last_sid, sid, n);
	buf_add(&u->last_sid, "", 1);
	if ((i = strmap_get(&u->sids, sid, n)) >= 0 || u->preloaded)
		return u->last_s = i;
	strmap_put(&u->sids, sid, n, (int)u->nsids);
	sid_grow(u);
	u->seen[u->nsids] = 0;
	return u->last_s = (int)u->nsids++;
}

/* Counts session sid in group g once. */
static void
usage_pair(struct usage *u, int g, int sid)
{
	uint64_t key, h;
	size_t i;

	if (u->single) {  /* g is sid's one group: seen says it all */
		if (!u->seen[sid]) {
			u->seen[sid] = 1;
			u->g[g].sessions++;
			u->total_sessions++;
		}
		return;
	}
	key = (uint64_t)(g + 1) << 32 | (uint64_t)(sid + 1);
	if (2 * (u->npairs + 1) > u->cappairs) {
		uint64_t *old = u->pairs;
		size_t oldcap = u->cappairs, k;

		u->cappairs = u->cappairs ? 2 * u->cappairs : 4096;
		u->pairs = xmalloc(u->cappairs * sizeof *u->pairs);
		memset(u->pairs, 0, u->cappairs * sizeof *u->pairs);
		u->npairs = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k]) {
				h = old[k] * 0x9e3779b97f4a7c15ULL;
				for (i = (size_t)(h >> 20) & (u->cappairs - 1); u->pairs[i];
				    i = (i + 1) & (u->cappairs - 1))
					;
				u->pairs[i] = old[k];
				u->npairs++;
			}
		free(old);
	}
	h = key * 0x9e3779b97f4a7c15ULL;
	for (i = (size_t)(h >> 20) & (u->cappairs - 1); u->pairs[i];
	    i = (i + 1) & (u->cappairs - 1))
		if (u->pairs[i] == key)
			return;
	u->pairs[i] = key;
	u->npairs++;
	u->g[g].sessions++;
	if (!u->seen[sid]) {
		u->seen[sid] = 1;
		u->total_sessions++;
	}
}

static void
usage_release(struct usage *u)
{
	strmap_release(&u->keys);
	strmap_release(&u->sids);
	free(u->g);
	free(u->sid_group);
	free(u->pairs);
	free(u->seen);
	free(u->days);
	free(u->day_g);
	buf_release(&u->last_sid);
}

/* Days since the epoch -> "YYYY-MM-DD" (the inverse of days_from_civil). */
static void
civil_day(int64_t z, char out[32])
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(out, 32, "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
}

/* Which sessions count, and by project their group, when that needs the sessions. */
static int
usage_preload(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc;

	if (!filtered(r) && r->by != BY_PROJECT)
		return 0;
	u->preloaded = 1;
	st = report_prepare(r, "SELECT s.id, coalesce(s.project_name, s.project_path, "
	    "'(none)') FROM sessions s WHERE " SESSION_FILTER);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *p = (const char *)sqlite3_column_text(st, 1);

		sid_grow(u);
		u->seen[u->nsids] = 0;
		if (r->by == BY_PROJECT)
			u->sid_group[u->nsids] = usage_group(u, p, strlen(p));
		strmap_put(&u->sids, id, strlen(id), (int)u->nsids++);
	}
	return report_done(r, st, rc);
}

/* The slot of day d in the map of days: its own, or the free one it would take. */
static size_t
day_slot(const struct usage *u, int64_t d)
{
	size_t i = (size_t)((uint64_t)d * 0x9e3779b97f4a7c15ULL >> 20) & (u->capdays - 1);

	while (u->day_g[i] >= 0 && u->days[i] != d)
		i = (i + 1) & (u->capdays - 1);
	return i;
}

/*
 * By day: the group of day d (days since the epoch), from a map of the
 * days met: the rows of a session come together, the days of the rows do not.
 */
static int
day_group(struct usage *u, int64_t d)
{
	char day[32];
	size_t i;

	if (2 * (u->ndays + 1) > u->capdays) {
		int64_t *days = u->days;
		int *g = u->day_g;
		size_t cap = u->capdays, k;

		u->capdays = cap ? 2 * cap : 64;
		u->days = xmalloc(u->capdays * sizeof *u->days);
		u->day_g = xmalloc(u->capdays * sizeof *u->day_g);
		for (k = 0; k < u->capdays; k++)
			u->day_g[k] = -1;
		for (k = 0; k < cap; k++)
			if (g[k] >= 0) {
				i = day_slot(u, days[k]);
				u->days[i] = days[k];
				u->day_g[i] = g[k];
			}
		free(days);
		free(g);
	}
	if (u->day_g[i = day_slot(u, d)] < 0) {
		civil_day(d, day);
		u->days[i] = d;
		u->day_g[i] = usage_group(u, day, strlen(day));
		u->ndays++;
	}
	return u->day_g[i];
}

/* The group of a row of session sid at time t; model NULL for a tool. */
static int
group_of(struct report *r, struct usage *u, int sid, int64_t t, const char *model)
{
	switch (r->by) {
	case BY_DAY:  /* the day as usage_days counts it: toward zero */
		return day_group(u, t / 86400000);
	case BY_MODEL:
		return model ? usage_group(u, model, strlen(model)) : -1;
	case BY_PROJECT:
		return u->sid_group[sid];
	case BY_SESSION:  /* keyed by the session map's own copy of the id (usage_out) */
		if (u->sid_group[sid] < 0)
			u->sid_group[sid] = group_new(u);
		return u->sid_group[sid];
	}
	return -1;
}

static int
usage_messages(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc;

	/* messages_usage covers every column read here. */
	st = report_prepare(r, "SELECT session_id, role, model, created_at, input_tokens, "
	    "output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd "
	    "FROM messages INDEXED BY messages_usage "
	    "WHERE created_at >= :since AND created_at < :until");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		size_t sn = (size_t)sqlite3_column_bytes(st, 0);
		int assistant = strcmp((const char *)sqlite3_column_text(st, 1), "assistant") == 0;
		const char *model = (const char *)sqlite3_column_text(st, 2);
		int64_t t = sqlite3_column_int64(st, 3);
		int s, g, k;
		struct group *gr;

		if (r->by == BY_MODEL && !assistant)
			continue;
		if ((s = usage_sid(u, sid, sn)) < 0)
			continue;
		g = group_of(r, u, s, t, model ? model : "(none)");
		if (g < 0)
			continue;
		usage_pair(u, g, s);
		gr = &u->g[g];
		gr->messages++;
		for (k = 0; k < 4; k++)
			if (sqlite3_column_type(st, 4 + k) != SQLITE_NULL) {
				gr->tok[k] += sqlite3_column_int64(st, 4 + k);
				gr->has_tok[k] = 1;
			}
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			gr->cost += sqlite3_column_double(st, 8);
			gr->priced = 1;
		} else if (assistant) {
			gr->unpriced++;
		}
		if (t > gr->last)
			gr->last = t;
	}
	return report_done(r, st, rc);
}

/*
 * Usage from usage_days, the per session, day and model sums the triggers
 * keep: what the rows give, read from a row per session and day. For a
 * period of whole UTC days only (all time is one).
 */
static int
usage_days(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc, by_model = r->by == BY_MODEL;

#define USAGE_DAYS "SELECT session_id, day, model, messages, responses, " \
	"input_tokens, output_tokens, cache_creation_input_tokens, " \
	"cache_read_input_tokens, priced_responses, unpriced_responses, known_cost_usd, " \
	"tool_calls, last_at FROM usage_days"

	/* All time reads every row: no bounds to test on each. */
	int bounded = r->since != INT64_MIN || r->until != INT64_MAX;

	st = report_prepare(r, bounded ? USAGE_DAYS " WHERE day >= :d0 AND day < :d1" :
	    USAGE_DAYS);
	if (st == NULL)
		return -1;
	if (bounded) {
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":d0"),
		    r->since == INT64_MIN ? INT64_MIN : r->since / 86400000);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":d1"),
		    r->until == INT64_MAX ? INT64_MAX : r->until / 86400000);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		size_t sn = (size_t)sqlite3_column_bytes(st, 0);
		const char *model = (const char *)sqlite3_column_text(st, 2);
		int64_t msgs = sqlite3_column_int64(st, by_model ? 4 : 3);
		int64_t tools = by_model ? 0 : sqlite3_column_int64(st, 12);
		int s, g, k;
		struct group *gr;

		if (msgs == 0 && tools == 0)
			continue;
		if ((s = usage_sid(u, sid, sn)) < 0)
			continue;
		g = group_of(r, u, s, sqlite3_column_int64(st, 1) * 86400000,
		    *model ? model : "(none)");
		if (g < 0)
			continue;
		usage_pair(u, g, s);
		gr = &u->g[g];
		gr->messages += msgs;
		gr->tools += tools;
		for (k = 0; k < 4; k++)
			if (sqlite3_column_type(st, 5 + k) != SQLITE_NULL) {
				gr->tok[k] += sqlite3_column_int64(st, 5 + k);
				gr->has_tok[k] = 1;
			}
		if (sqlite3_column_int64(st, 9) > 0) {
			gr->cost += sqlite3_column_double(st, 11);
			gr->priced = 1;
		}
		gr->unpriced += sqlite3_column_int64(st, 10);
		if (sqlite3_column_int64(st, 13) > gr->last)
			gr->last = sqlite3_column_int64(st, 13);
	}
	return report_done(r, st, rc);
}

static struct toolstat *
stat_of(struct strmap *m, struct toolstat **arr, size_t *n, const char *name, size_t len)
{
	int i = strmap_get(m, name, len);

	if (i < 0) {
		*arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
		memset(&(*arr)[*n], 0, sizeof **arr);
		strmap_put(m, name, len, (int)*n);
		i = (int)(*n)++;
	}
	return &(*arr)[i];
}

/* A call of status, and its duration, if ms is not NULL. */
static void
tool_count(struct toolstat *t, const char *status, const int64_t *ms)
{
	t->calls++;
	t->failures += strcmp(status, "error") == 0;
	t->running += strcmp(status, "running") == 0;
	if (ms)
		series_add(&t->ms, *ms);
}

/* The file tools that change a file; the rest of the tools with a path read it. */
static int
edits_file(const char *tool)
{
	return strcmp(tool, "Edit") == 0 || strcmp(tool, "Write") == 0 ||
	    strcmp(tool, "MultiEdit") == 0 || strcmp(tool, "NotebookEdit") == 0 ||
	    strcmp(tool, "edit") == 0 || strcmp(tool, "write") == 0 ||
	    strcmp(tool, "patch") == 0;
}

static void
tool_stats(struct toolstats *x, const char *name, const char *status, const char *path,
    const int64_t *ms)
{
	tool_count(stat_of(&x->tools, &x->ts, &x->nts, name, strlen(name)), status, ms);
	if (strncmp(name, "mcp__", 5) == 0) {
		const char *end = strstr(name + 5, "__");
		size_t n = end ? (size_t)(end - name - 5) : strlen(name + 5);

		tool_count(stat_of(&x->servers, &x->ss, &x->nss, name + 5, n), status, ms);
	}
	if (path && *path) {
		int k = strmap_get(&x->files, path, strlen(path));

		if (k < 0) {
			x->fs = xrealloc(x->fs, (x->nfs + 1) * sizeof *x->fs);
			memset(&x->fs[x->nfs], 0, sizeof *x->fs);
			strmap_put(&x->files, path, strlen(path), (int)x->nfs);
			k = (int)x->nfs++;
		}
		x->fs[k].touches++;
		if (edits_file(name))
			x->fs[k].edits++;
		else
			x->fs[k].reads++;
	}
}

/*
 * One pass over the period's tool rows: for the tool sections (x, unless
 * NULL) and, with count_usage, for usage.
 */
static int
tools_scan(struct report *r, struct usage *u, struct toolstats *x, int count_usage)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	/*
	 * tools_stats covers every column read here. The session is read only
	 * when a filter or usage needs it, the time only for a bounded period;
	 * the duration is worked out here as the duration_ms column defines it
	 * (a million rows: a fifth faster than the same in SQL).
	 */
	int need_sid = (u->preloaded && filtered(r)) || count_usage;
	int bounded = r->since != INT64_MIN || r->until != INT64_MAX;

	sql = xasprintf("SELECT %s tool_name, status, started_at, ended_at, "
	    "reported_duration_ms, file_path FROM tools INDEXED BY tools_stats%s",
	    need_sid ? "session_id, created_at," : "",
	    bounded ? " WHERE created_at >= :since AND created_at < :until" : "");
	st = report_prepare(r, sql);
	free(sql);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = need_sid ? 2 : 0;  /* the first column after the session's two */
		const char *sid = need_sid ? (const char *)sqlite3_column_text(st, 0) : NULL;
		size_t sn = need_sid ? (size_t)sqlite3_column_bytes(st, 0) : 0;
		int64_t t = need_sid ? sqlite3_column_int64(st, 1) : 0, ms;
		int s = need_sid ? usage_sid(u, sid, sn) : 0, g;

		if (s < 0)
			continue;
		if (x) {
			const char *name = (const char *)sqlite3_column_text(st, c);
			const int64_t *has = &ms;

			if (sqlite3_column_type(st, c + 2) != SQLITE_NULL &&
			    sqlite3_column_type(st, c + 3) != SQLITE_NULL) {
				int64_t a = sqlite3_column_int64(st, c + 2);
				int64_t b = sqlite3_column_int64(st, c + 3);

				/* max(b - a, 0), and no overflow on absurd times */
				ms = b <= a ? 0 : a < 0 && b > INT64_MAX + a ? INT64_MAX : b - a;
			} else if (sqlite3_column_type(st, c + 4) != SQLITE_NULL) {
				ms = sqlite3_column_int64(st, c + 4);
			} else {
				has = NULL;
			}
			tool_stats(x, name ? name : "(unknown)",
			    (const char *)sqlite3_column_text(st, c + 1),
			    (const char *)sqlite3_column_text(st, c + 5), has);
		}
		if (!count_usage || (g = group_of(r, u, s, t, NULL)) < 0)
			continue;  /* BY_MODEL: a tool call has no model */
		usage_pair(u, g, s);
		u->g[g].tools++;
		if (t > u->g[g].last)
			u->g[g].last = t;
	}
	return report_done(r, st, rc);
}

struct ranked {
	const char *name;  /* borrowed */
	int64_t calls;
	int i;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->calls != y->calls)
		return (x->calls < y->calls) - (x->calls > y->calls);
	return strcmp(x->name, y->name);
}

/* The map's names, most calls first; owned array. */
static struct ranked *
ranked(const struct strmap *m, const int64_t *(*calls)(const void *, int),
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
		qsort(v, k, sizeof *v, cmp_ranked);
	return v;
}

static const int64_t *
toolstat_calls(const void *arr, int i)
{
	return &((const struct toolstat *)arr)[i].calls;
}

static const int64_t *
filestat_touches(const void *arr, int i)
{
	return &((const struct filestat *)arr)[i].touches;
}

static enum by sort_by;  /* for cmp_group: qsort passes no context */

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int64_t tx, ty;

	switch (sort_by) {
	case BY_DAY:
		break;
	case BY_MODEL:
		tx = x->tok[0] + x->tok[1] + x->tok[2] + x->tok[3];
		ty = y->tok[0] + y->tok[1] + y->tok[2] + y->tok[3];
		if (tx != ty)
			return (tx < ty) - (tx > ty);
		break;
	default:
		if (x->last != y->last)
			return (x->last < y->last) - (x->last > y->last);
	}
	return strcmp(x->key, y->key);
}

static void
group_json(cJSON *o, const struct group *g, int by_model)
{
	static const char *const tok[] = { "input_tokens", "output_tokens",
	    "cache_creation_input_tokens", "cache_read_input_tokens" };
	double cost;
	int k;

	add_int(o, "sessions", g->sessions);
	add_int(o, "messages", g->messages);
	if (by_model)
		cJSON_AddNullToObject(o, "tool_calls");  /* a tool call has no model */
	else
		add_int(o, "tool_calls", g->tools);
	for (k = 0; k < 4; k++)
		if (g->has_tok[k])
			add_int(o, tok[k], g->tok[k]);
		else
			cJSON_AddNullToObject(o, tok[k]);
	add_int(o, "unpriced_responses", g->unpriced);
	/* No priced response: no cost, not $0; one without a price: unknown. */
	/* To 1e-10 dollars: sums in another order must not print 0.30000000000000004. */
	cost = round(g->cost * 1e10) / 1e10;
	if (g->priced)
		cJSON_AddNumberToObject(o, "known_cost_usd", cost);
	else
		cJSON_AddNullToObject(o, "known_cost_usd");
	if (g->priced && g->unpriced == 0)
		cJSON_AddNumberToObject(o, "cost_usd", cost);
	else
		cJSON_AddNullToObject(o, "cost_usd");
	cJSON_AddItemToObject(o, "last", g->last ? json_time(g->last) : cJSON_CreateNull());
}

/* The sessions' own columns on their usage rows. */
static int
usage_sessions(struct report *r, cJSON *rows)
{
	sqlite3_stmt *st = report_prepare(r, "SELECT title, coalesce(project_name, "
	    "project_path), coalesce(models, model), source, status, created_at "
	    "FROM sessions WHERE id = :id");
	cJSON *row;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	cJSON_ArrayForEach(row, rows) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "key"));

		sqlite3_reset(st);
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":id"), id, -1,
		    SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		cJSON_AddItemToObject(row, "title", json_col(st, 0));
		cJSON_AddItemToObject(row, "project", json_col(st, 1));
		cJSON_AddItemToObject(row, "models", json_col(st, 2));
		cJSON_AddItemToObject(row, "source", json_col(st, 3));
		cJSON_AddItemToObject(row, "status", json_col(st, 4));
		cJSON_AddItemToObject(row, "started", json_time(sqlite3_column_int64(st, 5)));
		rc = SQLITE_DONE;
	}
	return report_done(r, st, rc);
}

static int
usage_out(struct report *r, struct usage *u)
{
	cJSON *o = cJSON_AddObjectToObject(r->out, "usage"), *rows, *total;
	struct group all = {0};
	size_t i;
	int k;

	cJSON_AddStringToObject(o, "by", by_names[r->by]);
	rows = cJSON_AddArrayToObject(o, "rows");
	for (i = 0; i < u->keys.cap; i++)  /* the keys live in the maps */
		if (u->keys.keys[i])
			u->g[u->keys.vals[i]].key = u->keys.keys[i];
	for (i = 0; r->by == BY_SESSION && i < u->sids.cap; i++)
		if (u->sids.keys[i] && u->sid_group[u->sids.vals[i]] >= 0)
			u->g[u->sid_group[u->sids.vals[i]]].key = u->sids.keys[i];
	sort_by = r->by;
	if (u->ng > 1)
		qsort(u->g, u->ng, sizeof *u->g, cmp_group);
	for (i = 0; i < u->ng; i++) {
		struct group *g = &u->g[i];
		cJSON *row;

		all.messages += g->messages;
		all.tools += g->tools;
		for (k = 0; k < 4; k++) {
			all.tok[k] += g->tok[k];
			all.has_tok[k] |= g->has_tok[k];
		}
		all.cost += g->cost;
		all.priced |= g->priced;
		all.unpriced += g->unpriced;
		if (g->last > all.last)
			all.last = g->last;
		if (g->sessions == 0 || (r->limit > 0 && (long)i >= r->limit))
			continue;  /* a project with no rows in the period; past the limit */
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "key", g->key);
		group_json(row, g, r->by == BY_MODEL);
		cJSON_AddItemToArray(rows, row);
	}
	for (i = k = 0; i < u->ng; i++)
		k += u->g[i].sessions > 0;
	add_int(o, "omitted_rows", r->limit > 0 && k > r->limit ? k - r->limit : 0);
	all.sessions = u->total_sessions;
	total = cJSON_AddObjectToObject(o, "total");
	group_json(total, &all, r->by == BY_MODEL);
	return r->by == BY_SESSION ? usage_sessions(r, rows) : 0;
}

/* Per tool name (or server), most calls first. */
static void
tools_out(cJSON *arr, const char *key, const struct strmap *m, struct toolstat *ts)
{
	struct ranked *v = ranked(m, toolstat_calls, ts);
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct toolstat *t = &ts[v[i].i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, key, v[i].name);
		add_int(o, "calls", t->calls);
		add_int(o, "failures", t->failures);
		add_int(o, "running", t->running);
		cJSON_AddNumberToObject(o, "failure_rate", t->calls ?
		    (double)t->failures / (double)t->calls : 0);
		add_percentiles(o, &t->ms, 1);
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
}

static void
toolstats_out(struct report *r, struct toolstats *x)
{
	struct ranked *v;
	cJSON *arr;
	size_t i;

	if (wanted(r, "tools"))
		tools_out(cJSON_AddArrayToObject(r->out, "tools"), "tool", &x->tools, x->ts);
	if (wanted(r, "mcp"))
		tools_out(cJSON_AddArrayToObject(r->out, "mcp"), "server", &x->servers, x->ss);
	if (!wanted(r, "files"))
		return;
	arr = cJSON_AddArrayToObject(r->out, "files");
	v = ranked(&x->files, filestat_touches, x->fs);
	for (i = 0; i < x->files.n && i < TOP_FILES; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", v[i].name);
		add_int(o, "touches", x->fs[v[i].i].touches);
		add_int(o, "reads", x->fs[v[i].i].reads);
		add_int(o, "edits", x->fs[v[i].i].edits);
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
}

static void
toolstats_release(struct toolstats *x)
{
	size_t i;

	for (i = 0; i < x->nts; i++)
		free(x->ts[i].ms.v);
	for (i = 0; i < x->nss; i++)
		free(x->ss[i].ms.v);
	strmap_release(&x->tools);
	strmap_release(&x->servers);
	strmap_release(&x->files);
	free(x->ts);
	free(x->ss);
	free(x->fs);
}

/*
 * The usage, tools, mcp and files sections, from one pass over each table.
 * Started before the other sections are read: with a second connection
 * (r->h2), the pass over the tool rows then runs on a thread meanwhile.
 * That thread reads only its own struct report and usage (whose session
 * map, when preloaded, both threads only look up) and fills only x.
 */
struct usage_tools {
	struct usage u;
	struct toolstats x;
	int tools, rows, whole_days;
	struct report wr;         /* the thread's: r on h2 */
	struct usage wu;          /* the thread's: u's preloaded sessions, its own cache */
	pthread_t thread;
	int threaded, wrc;
};

static void *
tools_thread(void *arg)
{
	struct usage_tools *ut = arg;

	ut->wrc = tools_scan(&ut->wr, &ut->wu, &ut->x, 0);
	return NULL;
}

static void
tools_thread_start(struct report *r, struct usage_tools *ut)
{
	ut->wr = *r;
	ut->wr.h = r->h2;
	/* Of u, only the preloaded sessions, when a filter needs them: looked up, never added to. */
	memset(&ut->wu, 0, sizeof ut->wu);
	ut->wu.sids = ut->u.sids;
	ut->wu.preloaded = ut->u.preloaded;
	ut->threaded = pthread_create(&ut->thread, NULL, tools_thread, ut) == 0;
}

static int
usage_tools_start(struct report *r, struct usage_tools *ut)
{
	int thread = r->h2 && tools_alone(r);

	memset(ut, 0, sizeof *ut);
	ut->u.single = r->by == BY_PROJECT || r->by == BY_SESSION;
	ut->tools = tools_wanted(r);
	ut->whole_days = whole_days(r);
	ut->rows = wanted(r, "usage") && !ut->whole_days;
	/* With no filter the thread needs no session: it starts before the preload. */
	if (thread && !filtered(r))
		tools_thread_start(r, ut);
	if ((wanted(r, "usage") || ut->tools) && usage_preload(r, &ut->u) < 0)
		return -1;
	if (thread && filtered(r))
		tools_thread_start(r, ut);
	return 0;
}

/* Ends the thread, if any; its result. */
static int
usage_tools_join(struct usage_tools *ut)
{
	if (!ut->threaded)
		return 0;
	pthread_join(ut->thread, NULL);
	ut->threaded = 0;
	buf_release(&ut->wu.last_sid);
	return ut->wrc;
}

/* Usage from usage_days, or from the period's messages; not yet in the report. */
static int
usage_tools_count(struct report *r, struct usage_tools *ut)
{
	if ((wanted(r, "usage") && ut->whole_days && usage_days(r, &ut->u) < 0) ||
	    (ut->rows && usage_messages(r, &ut->u) < 0))
		return -1;
	return 0;
}

/* The tool rows (the thread's pass, or one here), and the sections into the report. */
static int
usage_tools_finish(struct report *r, struct usage_tools *ut)
{
	int threaded = ut->threaded;

	if (usage_tools_join(ut) < 0 ||
	    (!threaded && (ut->rows || ut->tools) &&
	    tools_scan(r, &ut->u, ut->tools ? &ut->x : NULL, ut->rows) < 0))
		return -1;
	if (wanted(r, "usage") && usage_out(r, &ut->u) < 0)
		return -1;
	if (ut->tools)
		toolstats_out(r, &ut->x);
	return 0;
}

static void
usage_tools_release(struct usage_tools *ut)
{
	usage_tools_join(ut);
	usage_release(&ut->u);
	toolstats_release(&ut->x);
}

/* clankers' own time per hook invocation, by event (most runs first), from the log. */
static void
section_overhead(struct report *r)
{
	struct logscan *ls = r->log;
	cJSON *arr = cJSON_AddArrayToObject(r->out, "overhead");
	struct ranked *v = xmalloc((ls->nevents ? ls->nevents : 1) * sizeof *v);
	struct series all = {0};
	size_t i, k;
	cJSON *o;

	for (i = 0; i < ls->nevents; i++)
		v[i] = (struct ranked){ ls->events[i], (int64_t)ls->durations[i].n, (int)i };
	if (ls->nevents > 1)
		qsort(v, ls->nevents, sizeof *v, cmp_ranked);
	for (i = 0; i < ls->nevents; i++) {
		struct series *s = &ls->durations[v[i].i];

		if (s->n == 0)
			continue;
		for (k = 0; k < s->n; k++)
			series_add(&all, s->v[k]);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", v[i].name);
		add_int(o, "runs", (int64_t)s->n);
		add_percentiles(o, s, 1000);
		cJSON_AddItemToArray(arr, o);
	}
	if (all.n) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "(all)");
		add_int(o, "runs", (int64_t)all.n);
		add_percentiles(o, &all, 1000);
		cJSON_AddItemToArray(arr, o);
	}
	free(all.v);
	free(v);
}

/* --- output: tables -------------------------------------------------------- */

enum kind { K_TEXT, K_ID, K_INT, K_COST, K_MS, K_MS1, K_PCT, K_TIME, K_LEVEL, K_STATUS };

struct col {
	const char *key, *head;
	enum kind kind;
};

#define TEXT_MAX 48  /* display columns of a text cell */

static const char *
color_of(const struct report *r, const char *s)
{
	if (!r->color || s == NULL)
		return NULL;
	if (strcmp(s, "working") == 0)
		return "\033[32m";
	if (strcmp(s, "errors") == 0 || strcmp(s, "error") == 0)
		return "\033[31m";
	if (strcmp(s, "empty") == 0 || strcmp(s, "warn") == 0)
		return "\033[33m";
	return NULL;
}

/* Display columns of valid UTF-8 (a code point each: close enough here). */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* s fit for a cell: control characters as spaces, cut at max columns with …. */
static char *
cell_fit(const char *s, size_t max, int left)
{
	size_t n = strlen(s), w = text_width(s), i, skip;
	struct buf b = {0};

	buf_add(&b, "", 0);
	if (w > max && left) {  /* a path: keep its end */
		buf_add(&b, "\xe2\x80\xa6", 3);
		for (skip = w - max + 1, i = 0; skip; i++)
			if (((unsigned char)s[i + 1] & 0xc0) != 0x80)
				skip--;
		s += i;
		n -= i;
		w = max - 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (w > max && text_width(b.data) >= max - 1 && (c & 0xc0) != 0x80) {
			buf_add(&b, "\xe2\x80\xa6", 3);
			break;
		}
		buf_add(&b, c < 0x20 || c == 0x7f ? " " : (const char *)&s[i], 1);
	}
	return b.data;
}

/* The cell of column c for object o; owned. */
static char *
cell(const struct report *r, const struct col *c, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, c->key);
	char tmp[48];

	(void)r;
	if (c->kind == K_COST) {
		const cJSON *known = cJSON_GetObjectItemCaseSensitive(o, "known_cost_usd");

		if (cJSON_IsNumber(v)) {
			dollars(v->valuedouble, tmp);
			return xstrdup(tmp);
		}
		if (get_int(o, "unpriced_responses") == 0)
			return xstrdup("-");
		if (cJSON_IsNumber(known) && known->valuedouble > 0) {
			dollars(known->valuedouble, tmp);
			return xasprintf("%s+?", tmp);  /* the priced part, and more */
		}
		return xstrdup("unknown");
	}
	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("-");
	switch (c->kind) {
	case K_INT:
		thousands((int64_t)v->valuedouble, tmp);
		return xstrdup(tmp);
	case K_MS:
		thousands(llround(v->valuedouble), tmp);
		return xstrdup(tmp);
	case K_MS1:
		return xasprintf("%.1f", v->valuedouble);
	case K_PCT:
		return xasprintf("%.1f%%", v->valuedouble * 100);
	case K_TIME: {
		const char *s = cJSON_GetStringValue(v);

		return s && strlen(s) >= 16 ? xasprintf("%.10s %.5s", s, s + 11) : xstrdup("-");
	}
	case K_ID:  /* a prefix, as --session takes it */
		return xstrndup(cJSON_GetStringValue(v) ? v->valuestring : "", 8);
	default:
		if (cJSON_IsNumber(v))
			return xasprintf("%.15g", v->valuedouble);
		return cell_fit(cJSON_GetStringValue(v) ? v->valuestring : "", TEXT_MAX,
		    c->kind == K_TEXT && strcmp(c->key, "path") == 0);
	}
}

static int
right_aligned(enum kind k)
{
	return k == K_INT || k == K_COST || k == K_MS || k == K_MS1 || k == K_PCT;
}

/*
 * Prints the objects of rows (and total, when given, under a rule) as an
 * aligned table: two spaces between columns, numbers to the right.
 */
static void
table(const struct report *r, FILE *out, const struct col *cols, int ncol,
    const cJSON *rows, const cJSON *total)
{
	int nrow = cJSON_GetArraySize(rows) + (total != NULL), i, k;
	char **cells = xmalloc(sizeof *cells * (size_t)((nrow + 1) * ncol));
	size_t *w = xmalloc(sizeof *w * (size_t)ncol);
	const cJSON *o = rows ? rows->child : NULL;

	for (k = 0; k < ncol; k++) {
		cells[k] = xstrdup(cols[k].head);
		w[k] = text_width(cells[k]);
	}
	for (i = 1; i <= nrow; i++, o = o ? o->next : NULL) {
		const cJSON *row = o ? o : total;

		for (k = 0; k < ncol; k++) {
			char *s = cell(r, &cols[k], row);

			if (row == total && !right_aligned(cols[k].kind)) {
				free(s);  /* the total has no key, title or time */
				s = xstrdup(k == 0 ? "total" : "");
			}
			cells[i * ncol + k] = s;
			if (text_width(s) > w[k])
				w[k] = text_width(s);
		}
	}
	for (i = 0; i <= nrow; i++) {
		struct buf line = {0};

		if (total && i == nrow) {
			for (k = 0; k < ncol; k++) {
				size_t d;

				if (k)
					buf_add(&line, "  ", 2);
				for (d = 0; d < w[k]; d++)
					buf_add(&line, "-", 1);
			}
			fprintf(out, "%s\n", line.len ? line.data : "");
			line.len = 0;
		}
		for (k = 0; k < ncol; k++) {
			const char *s = cells[i * ncol + k];
			const char *c = i ? color_of(r, s) : NULL;
			size_t gap = w[k] - text_width(s), d;

			if (k)
				buf_add(&line, "  ", 2);
			if (right_aligned(cols[k].kind))
				for (d = 0; d < gap; d++)
					buf_add(&line, " ", 1);
			if (c)
				buf_add(&line, c, strlen(c));
			buf_add(&line, s, strlen(s));
			if (c)
				buf_add(&line, "\033[0m", 4);
			if (!right_aligned(cols[k].kind) && k < ncol - 1)
				for (d = 0; d < gap; d++)
					buf_add(&line, " ", 1);
		}
		if (i == 0 && r->color)
			fprintf(out, "\033[2m%s\033[0m\n", line.data);
		else
			fprintf(out, "%s\n", line.len ? line.data : "");
		buf_release(&line);
	}
	for (i = 0; i < (nrow + 1) * ncol; i++)
		free(cells[i]);
	free(cells);
	free(w);
}

static void
heading(const struct report *r, FILE *out, const char *title, const char *note)
{
	if (r->color)
		fprintf(out, "\n\033[1m%s\033[0m%s%s\n", title, note ? "  " : "", note ? note : "");
	else
		fprintf(out, "\n%s%s%s\n", title, note ? "  " : "", note ? note : "");
}

static void
print_gaps(const struct report *r, FILE *out, const cJSON *gaps)
{
	const cJSON *g;

	if (cJSON_GetArraySize(gaps) == 0) {
		fprintf(out, "No gaps: no session misses a field, every response has a "
		    "price, and every\nhook invocation of the logs' period is both saved "
		    "and logged.\n");
		return;
	}
	cJSON_ArrayForEach(g, gaps) {
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "kind"));
		const char *label = strcmp(kind, "not_saved") == 0 ? "Not saved" :
		    strcmp(kind, "not_logged") == 0 ? "Not logged" : "Running";
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(g, "items"), *it;
		char n[32];
		int shown = 0;

		thousands(get_int(g, "count"), n);
		fprintf(out, "%s%-10s%s  %6s  %s: %s\n", r->color ? "\033[31m" : "", label,
		    r->color ? "\033[0m" : "", n,
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "what")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "detail")));
		cJSON_ArrayForEach(it, items) {
			char *s = cell_fit(it->valuestring, 70, 0);

			if (shown++ < 3)
				fprintf(out, "%20s%s\n", "", s);
			free(s);
		}
		if (get_int(g, "count") > 3 && cJSON_GetArraySize(items) > 0)
			fprintf(out, "%20sand %lld more (--json lists %d)\n", "",
			    (long long)get_int(g, "count") - (shown < 3 ? shown : 3), GAP_ITEMS);
	}
}

static void
print_log(const struct report *r, FILE *out, const cJSON *log)
{
	static const struct col cols[] = {
		{ "count", "count", K_INT }, { "level", "level", K_LEVEL },
		{ "last", "last", K_TIME }, { "component", "component", K_TEXT },
		{ "text", "message", K_TEXT },
	};
	cJSON *msgs = cJSON_GetObjectItemCaseSensitive(log, "messages"), *m;
	cJSON *rows = cJSON_CreateArray();
	char note[160], a[32], b[32], c[32];
	int n = 0;

	thousands(get_int(log, "errors"), a);
	thousands(get_int(log, "warnings"), b);
	thousands(get_int(log, "lines"), c);
	snprintf(note, sizeof note, "%s error%s, %s warning%s in %s lines of %lld log file%s",
	    a, get_int(log, "errors") == 1 ? "" : "s", b,
	    get_int(log, "warnings") == 1 ? "" : "s", c, (long long)get_int(log, "files"),
	    get_int(log, "files") == 1 ? "" : "s");
	heading(r, out, "Errors and warnings", note);
	cJSON_ArrayForEach(m, msgs) {
		cJSON *row;
		const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "error"));
		char *text;

		if (n++ == TOP_MESSAGES)
			break;
		row = cJSON_Duplicate(m, 1);
		text = err ? xasprintf("%s: %s", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(m, "message")), err) :
		    xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "message")));
		cJSON_AddStringToObject(row, "text", text);
		free(text);
		cJSON_AddItemToArray(rows, row);
	}
	if (n == 0)
		fprintf(out, "None.\n");
	else
		table(r, out, cols, 5, rows, NULL);
	if (cJSON_GetArraySize(msgs) > TOP_MESSAGES)
		fprintf(out, "and %d more messages (--json lists them all)\n",
		    cJSON_GetArraySize(msgs) - TOP_MESSAGES);
	cJSON_Delete(rows);
}

static void
print_usage(const struct report *r, FILE *out, const cJSON *usage)
{
	static const struct col tail[] = {
		{ "sessions", "sessions", K_INT }, { "messages", "messages", K_INT },
		{ "tool_calls", "tools", K_INT }, { "input_tokens", "input", K_INT },
		{ "output_tokens", "output", K_INT },
		{ "cache_creation_input_tokens", "cache write", K_INT },
		{ "cache_read_input_tokens", "cache read", K_INT },
		{ "cost_usd", "cost", K_COST },
	};
	struct col cols[16];
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(usage, "rows");
	int n = 0;
	size_t i;
	char note[64];

	snprintf(note, sizeof note, "by %s", by_names[r->by]);
	heading(r, out, "Usage", note);
	if (cJSON_GetArraySize(rows) == 0) {
		fprintf(out, "No messages or tool calls in this period.\n");
		return;
	}
	if (r->by == BY_SESSION) {
		cols[n++] = (struct col){ "key", "session", K_ID };
		cols[n++] = (struct col){ "title", "title", K_TEXT };
		cols[n++] = (struct col){ "last", "last", K_TIME };
	} else {
		cols[n++] = (struct col){ "key", by_names[r->by], K_TEXT };
	}
	for (i = 0; i < sizeof tail / sizeof *tail; i++)
		if (!(r->by == BY_MODEL && strcmp(tail[i].key, "tool_calls") == 0) &&
		    !(r->by == BY_SESSION && strcmp(tail[i].key, "sessions") == 0))
			cols[n++] = tail[i];
	table(r, out, cols, n, rows, cJSON_GetObjectItemCaseSensitive(usage, "total"));
	if (get_int(usage, "omitted_rows"))
		fprintf(out, "%lld more row%s in the total (--limit 0 shows them)\n",
		    (long long)get_int(usage, "omitted_rows"),
		    get_int(usage, "omitted_rows") == 1 ? "" : "s");
	if (get_int(cJSON_GetObjectItemCaseSensitive(usage, "total"), "unpriced_responses"))
		fprintf(out, "+? and unknown: some responses have a model with no price "
		    "(see Gaps); the cost shown is that of the priced ones\n");
}

static const struct col tool_cols[] = {
	{ "tool", "tool", K_TEXT }, { "calls", "calls", K_INT },
	{ "failures", "failed", K_INT }, { "failure_rate", "failed %", K_PCT },
	{ "p50_ms", "p50 ms", K_MS }, { "p95_ms", "p95 ms", K_MS },
	{ "max_ms", "max ms", K_MS },
};

static void
print_tools(const struct report *r, FILE *out)
{
	static const struct col file_cols[] = {
		{ "path", "path", K_TEXT }, { "touches", "touches", K_INT },
		{ "reads", "reads", K_INT }, { "edits", "edits", K_INT },
	};
	struct col server_cols[sizeof tool_cols / sizeof *tool_cols];
	const cJSON *tools = cJSON_GetObjectItemCaseSensitive(r->out, "tools");
	const cJSON *mcp = cJSON_GetObjectItemCaseSensitive(r->out, "mcp");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(r->out, "files");

	if (wanted(r, "tools")) {
		heading(r, out, "Tools", "durations from PreToolUse to PostToolUse, "
		    "else the client's own");
		if (cJSON_GetArraySize(tools))
			table(r, out, tool_cols, 7, tools, NULL);
		else
			fprintf(out, "No tool calls in this period.\n");
	}
	if (wanted(r, "mcp") && cJSON_GetArraySize(mcp)) {
		memcpy(server_cols, tool_cols, sizeof tool_cols);
		server_cols[0] = (struct col){ "server", "MCP server", K_TEXT };
		heading(r, out, "MCP servers", NULL);
		table(r, out, server_cols, 7, mcp, NULL);
	}
	if (wanted(r, "files") && cJSON_GetArraySize(files)) {
		heading(r, out, "Files most touched", NULL);
		table(r, out, file_cols, 4, files, NULL);
	}
}

static void
print_table_report(const struct report *r, FILE *out)
{
	static const struct col table_cols[] = {
		{ "name", "table", K_TEXT }, { "rows", "rows", K_INT },
		{ "newest", "newest", K_TIME }, { "status", "status", K_STATUS },
	};
	static const struct col overhead_cols[] = {
		{ "event", "event", K_TEXT }, { "runs", "runs", K_INT },
		{ "p50_ms", "p50 ms", K_MS1 }, { "p95_ms", "p95 ms", K_MS1 },
		{ "max_ms", "max ms", K_MS1 },
	};
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(r->out, "period");
	const char *since = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "since"));
	const char *until = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "until"));

	fprintf(out, "%sclankers report%s  ", r->color ? "\033[1m" : "",
	    r->color ? "\033[0m" : "");
	if (since || until) {
		if (since)
			fprintf(out, "%.10s %.5s", since, since + 11);
		else
			fprintf(out, "start");
		if (until)
			fprintf(out, " .. %.10s %.5s UTC", until, until + 11);
		else
			fprintf(out, " .. now UTC");
	} else
		fprintf(out, "all time");
	if (r->source)
		fprintf(out, "  source %s", r->source);
	if (r->project)
		fprintf(out, "  project %s", r->project);
	if (r->session)
		fprintf(out, "  session %s", r->session);
	fprintf(out, "\ndatabase  %s\nlogs      %s\n", r->ctx->db_path, r->ctx->log_dir);
	if (wanted(r, "tables")) {
		heading(r, out, "Tables", NULL);
		table(r, out, table_cols, 4, cJSON_GetObjectItemCaseSensitive(r->out, "tables"), NULL);
	}
	if (wanted(r, "gaps")) {
		heading(r, out, "Gaps", NULL);
		print_gaps(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "gaps"));
	}
	if (wanted(r, "log"))
		print_log(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "log"));
	if (wanted(r, "usage"))
		print_usage(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "usage"));
	print_tools(r, out);
	if (wanted(r, "overhead")) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(r->out, "overhead");

		heading(r, out, "clankers' own time per hook", "from the log's duration_us");
		if (cJSON_GetArraySize(o))
			table(r, out, overhead_cols, 5, o, NULL);
		else
			fprintf(out, "No hook invocations in the logs of this period.\n");
	}
}

/* --- output: CSV ---------------------------------------------------------- */

static void
csv_cell(FILE *out, const char *s)
{
	if (*s && strcspn(s, ",\"\r\n") == strlen(s)) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

/* The header of a section with no rows: its fields, as --json has them. */
static const char *const csv_heads[NSECTIONS] = {
	"name,rows,newest,status",
	"kind,what,detail,count,items",
	"level,component,message,error,count,last",
	"key,sessions,messages,tool_calls,input_tokens,output_tokens,"
	    "cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,"
	    "known_cost_usd,cost_usd,last",
	"tool,calls,failures,running,failure_rate,p50_ms,p95_ms,max_ms",
	"server,calls,failures,running,failure_rate,p50_ms,p95_ms,max_ms",
	"path,touches,reads,edits",
	"event,runs,p50_ms,p95_ms,max_ms",
};

/*
 * A section's rows as RFC 4180 CSV: a header of the first row's keys
 * (head when there is no row), then a line per row.
 */
static void
print_csv(FILE *out, const cJSON *rows, const char *head)
{
	const cJSON *first = rows ? rows->child : NULL, *row, *v;

	if (first == NULL) {
		fprintf(out, "%s\r\n", head);
		return;
	}
	cJSON_ArrayForEach(v, first) {
		if (v != first->child)
			putc(',', out);
		csv_cell(out, v->string);
	}
	fputs("\r\n", out);
	cJSON_ArrayForEach(row, rows) {
		cJSON_ArrayForEach(v, first) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(row, v->string);

			if (v != first->child)
				putc(',', out);
			if (cJSON_IsNumber(x)) {
				if (x->valuedouble == floor(x->valuedouble) && fabs(x->valuedouble) < 1e15)
					fprintf(out, "%lld", (long long)x->valuedouble);
				else
					fprintf(out, "%.10g", x->valuedouble);
			} else if (cJSON_IsString(x)) {
				csv_cell(out, x->valuestring);
			} else if (cJSON_IsArray(x)) {
				struct buf b = {0};
				const cJSON *it;

				buf_add(&b, "", 0);
				cJSON_ArrayForEach(it, x)
					if (cJSON_IsString(it)) {
						if (b.len)
							buf_add(&b, " ", 1);
						buf_add(&b, it->valuestring, strlen(it->valuestring));
					}
				if (b.len)
					csv_cell(out, b.data);
				buf_release(&b);
			}
		}
		fputs("\r\n", out);
	}
}

/* --- the command ------------------------------------------------------------ */

static int
report_sections(struct report *r, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *name;
	size_t i;

	r->sections = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NSECTIONS; i++)
			if (strcmp(section_names[i], name) == 0)
				break;
		if (i == NSECTIONS) {
			error("report: no section '%s' (sections: tables, gaps, log, usage, "
			    "tools, mcp, files, overhead)", name);
			free(copy);
			return -1;
		}
		r->sections |= 1u << i;
	}
	free(copy);
	if (r->sections == 0) {
		error("report: --section '%s' names no section", list);
		return -1;
	}
	return 0;
}

/* Parses the options into r; EXIT_OK, or EXIT_USAGE reported. */
static int
report_args(struct report *r, int argc, char **argv)
{
	const char *limit = NULL, *sections = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		static const char *const with_value[] = { "--since", "--until", "--by",
		    "--source", "--project", "--session", "--section", "--limit" };
		size_t k;

		for (k = 0; k < sizeof with_value / sizeof *with_value; k++) {
			size_t n = strlen(with_value[k]);

			if (strncmp(a, with_value[k], n) == 0 && a[n] == '=') {
				val = a + n + 1;
				break;
			}
			if (strcmp(a, with_value[k]) == 0) {
				if (i + 1 == argc) {
					error("report: %s needs a value", a);
					return EXIT_USAGE;
				}
				val = argv[++i];
				break;
			}
		}
		if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
			enum fmt f = a[2] == 'j' ? OUT_JSON : OUT_CSV;

			if (r->fmt != OUT_TABLE && r->fmt != f) {
				error("report: --json and --csv: one output at a time");
				return EXIT_USAGE;
			}
			r->fmt = f;
		} else if (val == NULL) {
			error("report: unknown option '%s'; see 'clankers help report'", a);
			return EXIT_USAGE;
		} else if (strncmp(a, "--since", 7) == 0) {
			r->since_arg = val;
		} else if (strncmp(a, "--until", 7) == 0) {
			r->until_arg = val;
		} else if (strncmp(a, "--by", 4) == 0) {
			for (k = 0; k < 4 && strcmp(by_names[k], val) != 0; k++)
				;
			if (k == 4) {
				error("report: --by takes day, model, project or session, not '%s'", val);
				return EXIT_USAGE;
			}
			r->by = (enum by)k;
		} else if (strncmp(a, "--source", 8) == 0) {
			r->source = val;
		} else if (strncmp(a, "--project", 9) == 0) {
			size_t n = strlen(val);

			while (n > 1 && val[n - 1] == '/')
				n--;  /* a folder as it is stored: no trailing slash */
			free(r->project);
			r->project = xstrndup(val, n);
		} else if (strncmp(a, "--session", 9) == 0 && strncmp(a, "--section", 9) != 0) {
			free(r->session);
			r->session = xstrdup(val);
		} else if (strncmp(a, "--section", 9) == 0) {
			sections = val;
		} else {
			limit = val;
		}
	}
	if (r->since_arg && parse_when(r->since_arg, 0, r->now, &r->since) < 0) {
		error("report: --since '%s' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM, "
		    "or an age: 30m, 12h, 7d, 2w)", r->since_arg);
		return EXIT_USAGE;
	}
	if (r->until_arg && parse_when(r->until_arg, 1, r->now, &r->until) < 0) {
		error("report: --until '%s' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM, "
		    "or an age: 30m, 12h, 7d, 2w)", r->until_arg);
		return EXIT_USAGE;
	}
	if (r->since >= r->until) {
		error("report: the period is empty: --since is not before --until");
		return EXIT_USAGE;
	}
	if (limit) {
		char *end;

		errno = 0;
		r->limit = strtol(limit, &end, 10);
		if (errno || *end || end == limit || r->limit < 0) {
			error("report: --limit takes a number (0: all rows), not '%s'", limit);
			return EXIT_USAGE;
		}
	} else {
		r->limit = r->by == BY_SESSION ? 20 : 0;
	}
	if (sections && report_sections(r, sections) < 0)
		return EXIT_USAGE;
	if (r->fmt == OUT_CSV) {
		if (sections == NULL)
			report_sections(r, "usage");
		if (r->sections & (r->sections - 1)) {
			error("report: --csv prints one section: name it with --section");
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static void
report_header(struct report *r)
{
	cJSON *p, *f;

	add_int(r->out, "shape", SHAPE_VERSION);
	cJSON_AddItemToObject(r->out, "generated_at", json_time(r->now));
	cJSON_AddStringToObject(r->out, "database", r->ctx->db_path);
	p = cJSON_AddObjectToObject(r->out, "period");
	cJSON_AddItemToObject(p, "since", json_time(r->since));
	cJSON_AddItemToObject(p, "until", json_time(r->until));
	f = cJSON_AddObjectToObject(r->out, "filters");
	cJSON_AddItemToObject(f, "source", r->source ? cJSON_CreateString(r->source) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(f, "project", r->project ? cJSON_CreateString(r->project) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(f, "session", r->session ? cJSON_CreateString(r->session) :
	    cJSON_CreateNull());
}

int
cmd_report(int argc, char **argv, struct ctx *ctx)
{
	struct report r;
	struct usage_tools ut;
	struct logs logs;
	const char *nc = getenv("NO_COLOR");
	int status = EXIT_FAIL, rc;
	char *arg;

	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.now = now_ms();
	r.since = INT64_MIN;
	r.until = INT64_MAX;
	r.sections = (1u << NSECTIONS) - 1;
	if ((status = report_args(&r, argc, argv)) != EXIT_OK) {
		free(r.session);
		free(r.project);
		return status;
	}
	status = EXIT_FAIL;
	r.color = r.fmt == OUT_TABLE && isatty(STDOUT_FILENO) && !(nc && *nc);
	memset(&ut, 0, sizeof ut);
	memset(&logs, 0, sizeof logs);
	if (report_open(&r) < 0)
		goto out;
	if ((arg = r.session) != NULL) {
		r.session = NULL;
		if (resolve_session(&r, arg) < 0) {
			free(arg);
			goto out;
		}
		free(arg);
	}
	r.out = cJSON_CreateObject();
	report_header(&r);
	/*
	 * The logs are read on a thread (they need no database) while usage is
	 * counted here, and the tool rows on another (usage_tools_start); the
	 * sections go into the report in their order once all is read.
	 */
	if (usage_tools_start(&r, &ut) < 0)
		goto out;
	logs.r = &r;
	if (wanted(&r, "tables") || wanted(&r, "gaps") || wanted(&r, "log") ||
	    wanted(&r, "overhead")) {  /* what these read of the logs */
		logs.threaded = pthread_create(&logs.thread, NULL, log_thread, &logs) == 0;
		if (!logs.threaded)
			log_thread(&logs);
	} else {
		logs.ls = xmalloc(sizeof *logs.ls);
		memset(logs.ls, 0, sizeof *logs.ls);
	}
	rc = usage_tools_count(&r, &ut);
	if (logs.threaded)
		pthread_join(logs.thread, NULL);
	r.log = logs.ls;
	if (rc < 0)
		goto out;
	if ((wanted(&r, "tables") && section_tables(&r) < 0) ||
	    (wanted(&r, "gaps") && section_gaps(&r) < 0))
		goto out;
	if (wanted(&r, "log"))
		section_log(&r);
	if (usage_tools_finish(&r, &ut) < 0)
		goto out;
	if (wanted(&r, "overhead"))
		section_overhead(&r);
	if (r.fmt == OUT_JSON) {
		char *s = cJSON_Print(r.out);

		puts(s);
		free(s);
	} else if (r.fmt == OUT_CSV) {
		size_t i;

		for (i = 0; i < NSECTIONS && !((r.sections >> i) & 1); i++)
			;
		print_csv(stdout, strcmp(section_names[i], "usage") == 0 ?
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.out,
		    "usage"), "rows") : strcmp(section_names[i], "log") == 0 ?
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.out,
		    "log"), "messages") : cJSON_GetObjectItemCaseSensitive(r.out,
		    section_names[i]), r.by == BY_SESSION && strcmp(section_names[i], "usage") == 0 ?
		    "key,sessions,messages,tool_calls,input_tokens,output_tokens,"
		    "cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,"
		    "known_cost_usd,cost_usd,last,title,project,models,source,status,started" :
		    csv_heads[i]);
	} else {
		print_table_report(&r, stdout);
	}
	status = EXIT_OK;
out:
	usage_tools_release(&ut);
	logscan_free(r.log);
	cJSON_Delete(r.out);
	free(r.session);
	free(r.project);
	sqlite3_close(r.h2);
	sqlite3_close(r.h);
	return status;
}
