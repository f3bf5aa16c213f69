/*
 * clankers.h: the one internal header. Each module exports a few functions,
 * declared here grouped by file; everything else in a module is static.
 */
#ifndef CLANKERS_H
#define CLANKERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#define CLANKERS_VERSION "0.1.0"

/*
 * Exit codes, documented in README.md and --help. Never 2: a Claude Code
 * hook that exits 2 blocks the action (the tool call, the prompt, the stop).
 */
enum {
	EXIT_OK = 0,     /* done; in hook mode: event stored or spooled */
	EXIT_FAIL = 1,   /* failed; in hook mode: event neither stored nor spooled */
	EXIT_USAGE = 64  /* bad command line (never used in hook mode) */
};

/* clankers.c: what every command shares, set up by main */
struct ctx {
	char *root;      /* owned; the data root */
	char *db_path;   /* owned */
	char *log_dir;   /* owned; the folder of the JSONL logs */
	int64_t start_us;  /* mono_us() when the process started */
};

/* util.c */
void *xmalloc(size_t n);              /* exits on out of memory */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct buf {
	char *data;  /* owned; NUL-terminated when len > 0 or after buf_add */
	size_t len;
	size_t cap;
};
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_release(struct buf *b);
int buf_read_fd(struct buf *b, int fd);  /* to EOF; 0 or -1 with errno */

int64_t now_ms(void);                 /* wall clock, ms since the epoch */
int64_t mono_us(void);                /* monotonic clock, microseconds */
void iso_time(int64_t ms, char out[32]);  /* 2026-11-24T16:40:33.123Z */
void utc_date(int64_t ms, char out[11]);  /* 2026-11-24 */

char *utf8_clean(const char *s, size_t n, size_t *outlen);
void json_fix_escapes(char *s, size_t n);
size_t utf8_cut(const char *s, size_t n, size_t max);
uint64_t fnv1a(uint64_t h, const void *p, size_t n);
#define FNV_SEED 0xcbf29ce484222325ULL
void random_hex(char *out, size_t nbytes);  /* out holds 2*nbytes+1 */
int mkdir_p(const char *path, mode_t mode);
char *path_join(const char *dir, const char *name);  /* owned result */
int64_t days_from_civil(int64_t y, int m, int d);
char *sh_quote(const char *s, int always);

/* map.c: the general containers */
struct strmap {  /* string -> int; all zero is an empty map */
	char **keys;      /* owned array; slot order, NULL for a free slot; keys in the arena */
	int *vals;        /* owned; the value given, per slot */
	uint64_t *hashes; /* owned; each key's hash, per slot: a probe compares bytes only on a match */
	size_t cap, n;    /* cap a power of two, or 0; n keys */
	char *arena;      /* owned: the newest block of keys, which starts with the one before */
	char *free_at;    /* where the next key goes in it */
	size_t left;      /* bytes free there */
};
int strmap_get(const struct strmap *m, const char *k, size_t n);
int strmap_put(struct strmap *m, const char *k, size_t n, int v);
void strmap_release(struct strmap *m);

struct idmap {  /* 16-byte id -> the order it was added in; all zero is empty */
	unsigned char (*ids)[16];  /* owned; in the order added */
	size_t n, cap;
	uint32_t *slots;  /* owned; index + 1 into ids, 0 for a free slot */
	size_t nslots;
};
int idmap_get(const struct idmap *m, const unsigned char id[16]);
int idmap_add(struct idmap *m, const unsigned char id[16]);
void idmap_release(struct idmap *m);

struct series {  /* a growing list of int64, for percentiles */
	int64_t *v;  /* owned */
	size_t n, cap;
};
void series_add(struct series *s, int64_t v);
void series_sort(struct series *s);
int64_t series_pct(const struct series *s, int p);

/* fmt.c: numbers, money and times for people */
int fmt_when(const char *s, int until, int64_t now, int64_t *out);  /* 0, or -1 */
void fmt_thousands(int64_t v, char out[32]);
void fmt_dollars(double v, char out[40]);
cJSON *fmt_json_time(int64_t ms);
void fmt_day(int64_t days, char out[32]);  /* days since the epoch -> YYYY-MM-DD */

/* table.c: aligned tables, CSV, TSV and JSON strings; one display-width rule */
struct table_cell {
	char *s;            /* owned; fit for a terminal; NULL in a rule */
	size_t width;       /* display columns */
	const char *color;  /* borrowed escape sequence, or NULL */
	int rule;           /* a line of dashes, not text */
};
struct table {
	int ncol;
	size_t *width;             /* owned; per column, its widest cell */
	unsigned char *right;      /* owned; per column, set by the caller: aligned right */
	struct table_cell *cells;  /* owned; row after row, the header first */
	size_t ncell, cap;
};
char *table_fit(const char *s, size_t n, size_t max, int keep_end, size_t *width);
void table_init(struct table *t, int ncol);
void table_add(struct table *t, const char *s, size_t n, size_t max, int keep_end,
    const char *color);
void table_rule(struct table *t);
void table_print(struct table *t, const char *head_style, FILE *out);
void table_release(struct table *t);
void table_csv_field(const char *s, size_t n, int null, FILE *out);
void table_tsv_field(const char *s, size_t n, FILE *out);
void table_json_string(const char *s, size_t n, FILE *out);

/* log.c */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void log_open(const char *dir);
void log_close(void);
cJSON *log_new(enum log_level level, const char *component, const char *message);
void log_write(cJSON *rec);  /* takes ownership of rec, also when filtered */
void log_msg(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_set_level(cJSON *rec, enum log_level level);
void log_set_message(cJSON *rec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_set_error(cJSON *rec, const char *msg);
int log_file_date(const char *name, char date[11]);  /* clankers-YYYY-MM-DD.jsonl: 1 */

/* db.c */
#define DB_CACHE 64
struct db {
	sqlite3 *h;           /* owned */
	int64_t deadline_us;  /* mono_us() past which a busy database is given up */
	char *err;            /* owned; the last error, for the log */
	uint32_t rand;        /* jitter state */
	struct {
		const char *sql;  /* borrowed: a string literal */
		sqlite3_stmt *st; /* owned */
	} cache[DB_CACHE];
	int ncache;
};
int db_open(struct db *db, const char *path, int budget_ms);
void db_close(struct db *db);
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
sqlite3_stmt *db_prepare(struct db *db, const char *sql);
/* Parameter names are string literals (their address is a cache key). */
void db_bind_text(sqlite3_stmt *st, const char *name, const char *s);
void db_bind_textn(sqlite3_stmt *st, const char *name, const char *s, size_t n);
void db_bind_int(sqlite3_stmt *st, const char *name, int64_t v);
void db_bind_null(sqlite3_stmt *st, const char *name);
int db_step(struct db *db, sqlite3_stmt *st);
int db_run(struct db *db, sqlite3_stmt *st);
void db_reset(sqlite3_stmt *st);
int db_schema_version(void);
#define DB_RO_IMMUTABLE 1  /* db_open_readonly: the file alone, no locks, no side files */
#define DB_RO_SHM 2        /* db_open_readonly: reads an existing -shm, never writes it */
int db_open_readonly(sqlite3 **h, const char *path, unsigned flags, int busy_ms,
    char **err);

/* hook.c: what one hook invocation received, and the event dispatch */
struct receipt {
	char *event;         /* owned */
	char *invocation;    /* owned; random, unique per invocation */
	int64_t received_at; /* ms */
	char *project_dir;   /* owned; $CLAUDE_PROJECT_DIR when given */
	int64_t transcript_size;  /* size of transcript_path at receipt, -1 if none */
	int spooled;         /* 1 when this event comes from the spool */
};
void receipt_release(struct receipt *r);

struct hook {
	struct db *db;
	const struct receipt *r;
	cJSON *payload;       /* borrowed */
	const char *session_id;  /* borrowed from payload */
	cJSON *log;           /* borrowed; the invocation's log record */
	int warned;           /* a field had the wrong type */
};
const char *hook_str(struct hook *h, const cJSON *obj, const char *name);
int hook_num(struct hook *h, const cJSON *obj, const char *name, int64_t *out);
int hook_bool(struct hook *h, const cJSON *obj, const char *name, int *out);
cJSON *hook_parse(char *data, size_t n, const char **err);
int hook_store(struct db *db, const struct receipt *r, cJSON *payload, cJSON *log);
int cmd_hook(int argc, char **argv, struct ctx *ctx);
/* The outcome of a hook invocation, as its log line says it ("outcome"). */
#define OUTCOME_STORED "stored"      /* in the database */
#define OUTCOME_SPOOLED "spooled"    /* in the spool: the next hook that can write takes it in */
#define OUTCOME_LOST "lost"          /* neither stored nor spooled */
#define OUTCOME_REJECTED "rejected"  /* a payload that could not be read */
#define OUTCOME_DUPLICATE "duplicate"  /* a field, true: stored before (a retry), kept once */
void hook_transcript(struct db *db, const char *root, const char *event,
    cJSON *payload, int64_t deadline_us, cJSON *log);

/* spool.c */
int spool_write(const char *root, const struct receipt *r, const char *payload, size_t n);
int spool_ingest(struct db *db, const char *root, int64_t until_us);

/* claude.c */
int claude_known_event(const char *event);
const char *claude_event(size_t idx);  /* NULL past the last */
int claude_store(struct hook *h);
size_t claude_title(const char *prompt, char *out, size_t outsz);
size_t output_limit(void);
int claude_set_title(struct db *db, const char *sid, const char *title,
    const char *source, int64_t at);

/* jscan.c: raw JSON spans, for reading transcripts fast */
struct jspan {
	const char *p;  /* borrowed; NULL when absent */
	size_t n;
};
const char *jscan_value(const char *p, const char *end);
int jscan_object(struct jspan obj, const char *const *keys, int nkeys,
    struct jspan *vals, int (*stop)(int key, struct jspan val));
int jscan_get(struct jspan obj, const char *key, struct jspan *val);
int jscan_next(struct jspan arr, const char **it, struct jspan *elem);
int jscan_str(struct jspan v, struct buf *out);
int jscan_streq(struct jspan v, const char *s);
int jscan_int(struct jspan v, int64_t *out);
int jscan_true(struct jspan v);
int64_t jscan_time(struct jspan v);  /* "2026-02-12T16:02:25.227Z" -> ms; -1 */

/* price.c: the embedded price table, overridable by a user file */
struct price_usage {
	int64_t input, output, cache_write, cache_write_1h, cache_read;  /* cache_write includes the 1h part */
	int fast;  /* usage.speed == "fast" */
};
int price_load(const char *user_file);
int price_cost(const char *model, const struct price_usage *u, double *usd);
const char *price_match(const char *model);
void price_free(void);
void price_register(sqlite3 *h);
int price_skipped(const char **first);  /* lines the last load skipped */

/* transcript.c: Claude Code transcripts into messages, tools and totals */
struct tstats {
	int files;           /* files read */
	int64_t bytes;       /* bytes read */
	int64_t lines;       /* complete lines read */
	int64_t bad;         /* lines that could not be read */
	int rewinds;         /* files read again from the start */
	int deferred;        /* stopped at the deadline; the next read goes on */
	char session[256];   /* the session read (named by the caller or the file) */
};
int transcript_update(struct db *db, const char *path, const char *session_id,
    int full, int64_t deadline_us, struct tstats *st, char **err);
int cmd_session_end(int argc, char **argv, struct ctx *ctx);
void transcript_prices(const char *root);

/* query.c */
int cmd_query(int argc, char **argv, struct ctx *ctx);

/* report.c: the command; section.c: what the report's sections share */
int cmd_report(int argc, char **argv, struct ctx *ctx);

enum by { BY_DAY, BY_MODEL, BY_PROJECT, BY_SESSION };  /* usage rows */
enum report_fmt { OUT_TABLE, OUT_JSON, OUT_CSV };
#define NSECTIONS 8   /* tables gaps log usage tools mcp files overhead */
#define GAP_ITEMS 10  /* ids listed per gap; the count covers all */
struct report {
	sqlite3 *h;               /* owned */
	sqlite3 *h2;              /* owned, or NULL: at h's snapshot, for the tool pass's thread */
	struct ctx *ctx;          /* borrowed */
	enum by by;
	enum report_fmt fmt;
	int color;
	long limit;               /* rows of usage by project or session; 0: all */
	int64_t since, until;     /* ms, [since, until); INT64_MIN/MAX when open */
	const char *since_arg, *until_arg;  /* borrowed: argv */
	const char *source;       /* borrowed: argv, or NULL */
	char *project;            /* owned, or NULL; a folder without its trailing / */
	char *session;            /* owned; the full id --session named */
	unsigned sections;        /* bit per section_name() */
	int64_t now;
	cJSON *out;               /* owned; the report */
	struct logscan *log;      /* owned */
};

/*
 * The sessions filter, for a query that has sessions as s. The SQL is
 * built from these constant pieces only; values are bound (section_prepare).
 */
#define SESSION_FILTER \
	"(:source IS NULL OR s.source = :source) AND " \
	"(:project IS NULL OR s.project_name = :project OR s.project_path = :project " \
	"  OR substr(s.project_path, 1, length(:project) + 1) = :project || '/') AND " \
	"(:session IS NULL OR s.id = :session)"

const char *section_name(size_t i);  /* NULL past the last */
int section_wanted(const struct report *r, const char *section);
int section_open(struct report *r, int second);
sqlite3_stmt *section_prepare(struct report *r, const char *sql);
int section_done(struct report *r, sqlite3_stmt *st, int rc);
int section_filtered(const struct report *r);
int section_session(struct report *r, const char *arg);
cJSON *section_json_col(sqlite3_stmt *st, int i);
void section_add_int(cJSON *o, const char *key, int64_t v);
int64_t section_get_int(const cJSON *o, const char *key);
void section_percentiles(cJSON *o, struct series *s, double unit);
struct ranked {
	const char *name;  /* borrowed */
	int64_t calls;
	int i;
};
int section_cmp_ranked(const void *a, const void *b);
struct ranked *section_ranked(const struct strmap *m,
    const int64_t *(*calls)(const void *, int), const void *arr);

/* logread.c: the JSONL logs of a period, read back */
enum inv_outcome { INV_NONE, INV_STORED, INV_SPOOLED, INV_LOST, INV_REJECTED };
struct invocation {  /* one hook invocation's log line */
	int64_t time;
	int event;             /* index into logscan.events */
	int session;           /* index into logscan.sessions, -1 when none */
	unsigned char outcome; /* enum inv_outcome */
	unsigned char in_db;   /* a hook_events row has its id */
};
struct logmsg {  /* a warn or error message of the logs, counted */
	char *level, *component, *message, *error;  /* owned */
	int64_t count, last;
};
struct logscan {
	int files;
	int64_t lines, bad, warns, errors;
	int64_t first, last;        /* times of the first and last line read */
	int write_errors, transcript_errors;  /* error lines, by what they write */
	struct idmap ids;           /* invocation id (logread_key) -> index into inv */
	struct invocation *inv;     /* owned */
	size_t ninv, capinv;
	struct strmap event_ids;    /* event name -> index in events */
	char **events;              /* owned, each owned */
	struct series *durations;   /* owned; per event, duration_us */
	size_t nevents;
	struct strmap sessions;     /* session id of a hook line -> index */
	struct strmap msg_ids;      /* level\tcomponent\tmessage\terror -> index */
	struct logmsg *msgs;        /* owned */
	size_t nmsgs;
};
struct logscan *logread_scan(const char *who, const char *dir, int64_t since,
    int64_t until, const char *session);
void logread_free(struct logscan *ls);
void logread_key(const char *s, size_t n, unsigned char out[16]);
struct invocation *logread_find(const struct logscan *ls, const unsigned char id[16]);

/* audit.c: the report's tables, gaps, log and overhead sections */
int audit_tables(struct report *r);
int audit_gaps(struct report *r);
void audit_log(struct report *r);
void audit_overhead(struct report *r);

/* usage.c: the report's usage section */
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
const char *usage_by_name(size_t by);  /* NULL past the last */
void usage_init(struct usage *u, enum by by);
void usage_view(struct usage *view, const struct usage *u);
void usage_view_release(struct usage *view);
int usage_preload(struct report *r, struct usage *u);
int usage_sid(struct usage *u, const char *sid, size_t n);
void usage_tool(struct report *r, struct usage *u, int sid, int64_t t);
int usage_days(struct report *r, struct usage *u);
int usage_messages(struct report *r, struct usage *u);
int usage_section(struct report *r, struct usage *u);
void usage_release(struct usage *u);

/* tools.c: the report's tools, mcp and files sections */
struct toolstats {
	struct strmap tools, servers, files;  /* name -> index into ts, ss, fs */
	struct toolstat *ts, *ss;  /* owned; per tool, per MCP server */
	struct filestat *fs;       /* owned; per file path */
	size_t nts, nss, nfs;
};
int tools_scan(struct report *r, struct usage *u, struct toolstats *x, int count_usage);
void tools_sections(struct report *r, struct toolstats *x);
void tools_release(struct toolstats *x);

/* doctor.c */
int cmd_doctor(int argc, char **argv, struct ctx *ctx);

/* install.c */
int cmd_install(int argc, char **argv, struct ctx *ctx);
int cmd_uninstall(int argc, char **argv, struct ctx *ctx);
char *install_settings_path(const char *project, int local);
struct install_scan {
	char *path;            /* owned; the file read, links resolved */
	int exists;            /* 0: no such file (read as {}) */
	char *err;             /* owned; why it is not usable settings, else NULL */
	cJSON *doc;            /* owned; the parsed file, NULL when err is set */
	size_t nevents;        /* the events install registers */
	const char **events;   /* owned array of names borrowed from claude_event() */
	char **programs;       /* owned; per event, what our hook runs, or NULL */
};
int install_scan(const char *path, struct install_scan *sc);
void install_scan_release(struct install_scan *sc);

/* project.c */
struct project {
	char *root;    /* owned; repository root, NULL outside git */
	char *name;    /* owned; repository name, else basename of cwd */
	char *branch;  /* owned; branch, or short commit when detached */
};
void project_find(const char *cwd, struct project *p);
void project_release(struct project *p);

#endif
