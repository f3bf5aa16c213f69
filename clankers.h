/*
 * clankers.h: the one internal header. Each module exports a few functions,
 * declared here grouped by file; everything else in a module is static.
 */
#ifndef CLANKERS_H
#define CLANKERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
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
int buf_read_max(struct buf *b, int fd, size_t max);  /* EFBIG past max */
int open_regular(const char *path, int flags, mode_t mode);
struct lines {  /* lines of at most max bytes from a descriptor */
	int fd;              /* borrowed */
	size_t max;
	char *buf;           /* owned */
	size_t cap, start, scan, end;
	int eof, skipping;
	int err;             /* errno of a failed read, else 0 */
};
void lines_init(struct lines *r, int fd, size_t max);
int lines_next(struct lines *r, const char **line, size_t *n);  /* 1, -1 too long, 0 end */
void lines_release(struct lines *r);

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
int opt_value(const char *cmd, const char *const *names, size_t n, int argc,
    char **argv, int *i, const char **val);  /* index; n: none; -1: no value */
char *folder_arg(const char *val);
int is_uuid(const char *s, size_t n);
int str_in(const char *s, const char *const *list, size_t n);
#define NELEM(a) (sizeof (a) / sizeof *(a))

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
char *fmt_period(const char *since_arg, const char *until_arg, int64_t now,
    int64_t *since, int64_t *until);  /* NULL, or what is wrong (owned) */
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
char *table_escape(const char *s);
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
	int priced;           /* clankers_cost is registered (store_prices) */
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
void db_bind_real(sqlite3_stmt *st, const char *name, double v);
void db_bind_known(sqlite3_stmt *st, const char *name, int64_t v);  /* v < 0: NULL */
int db_step(struct db *db, sqlite3_stmt *st);
int db_run(struct db *db, sqlite3_stmt *st);
void db_reset(sqlite3_stmt *st);
int db_schema_version(void);
#define DB_RO_IMMUTABLE 1  /* db_open_readonly: the file alone, no locks, no side files */
#define DB_RO_SHM 2        /* db_open_readonly: reads an existing -shm, never writes it */
int db_open_readonly(sqlite3 **h, const char *path, unsigned flags, int busy_ms,
    char **err);

/* payload.c: reading what an agent sent, for every mapper */
struct payload {
	cJSON *root;  /* borrowed; the event's payload */
	cJSON *log;   /* borrowed; the invocation's log record, or NULL */
	int warned;   /* a field had the wrong type (named in log's bad_fields) */
};
cJSON *payload_parse(char *data, size_t n, const char **err);
/* The getters read obj's field (obj NULL: none); wrong types read as absent. */
const char *payload_str(struct payload *p, const cJSON *obj, const char *name);
int payload_num(struct payload *p, const cJSON *obj, const char *name, int64_t *out);
int payload_real(struct payload *p, const cJSON *obj, const char *name, double *out);
int payload_bool(struct payload *p, const cJSON *obj, const char *name, int *out);
const cJSON *payload_obj(struct payload *p, const cJSON *obj, const char *name);
char *payload_text(const cJSON *v);  /* owned; strings as they are, else JSON */

/* redact.c: secrets out of what is stored and logged (README: Secrets) */
char *redact(const char *in, size_t len, size_t *outlen);  /* owned, or NULL: none */
int redact_enabled(void);  /* CLANKERS_REDACT=0 turns redaction off */

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

/*
 * store.c: every write of sessions, titles, messages, tools, errors and
 * compactions, with the source bound. Records carry what an agent said;
 * NULL strings and negative numbers are "not said" and leave the stored
 * value alone. Rows other than the session's need its row first
 * (store_session or store_session_made). Each returns a SQLite result
 * code and runs inside the caller's transaction.
 */
struct store {
	struct db *db;        /* borrowed */
	const char *source;   /* borrowed: sessions.source of the agent, e.g. "claude-code" */
	const char *root;     /* borrowed: the data root (the user's prices.tsv), or NULL */
};
void store_prices(struct db *db, const char *root);
struct store_session {
	const char *id;
	int64_t first_at, last_at;  /* the times this record speaks for; -1: none */
	const char *cwd;            /* where the agent runs now */
	const char *project_dir;    /* the agent's project folder, when it names one (else cwd) */
	const char *git_branch;     /* as the agent reports it (else found from the folder) */
	const char *provider, *permission_mode, *transcript_path, *client_version;
	const char *parent_id;      /* the session that started this one */
	const char *event;          /* the event that said this */
	const char *model;          /* the model it starts with: the latest start's wins */
	const char *start_source, *agent_type;  /* only a start of the session says these */
};
#define STORE_SESSION_INIT { .first_at = -1, .last_at = -1 }
int store_session(struct store *s, const struct store_session *x);
int store_session_made(struct store *s, const char *sid, int64_t at);
int store_session_model(struct store *s, const char *sid, const char *model,
    const char *provider, int64_t at);
int store_session_start(struct store *s, const char *sid, int64_t at);
int store_session_end(struct store *s, const char *sid, int64_t at, const char *reason);
int store_title(struct store *s, const char *sid, const char *title,
    const char *source, int64_t at);
size_t store_prompt_title(const char *prompt, char *out, size_t outsz);

/* How a message's text meets the stored one: replaces it, adds to it, fills
 * it when missing, adds a part to it unless the part is there already. */
enum { TEXT_SET, TEXT_ADD, TEXT_FILL, TEXT_PART };
struct store_message {
	const char *id, *session_id;
	const char *text;           /* text_len bytes; NULL: none */
	size_t text_len;
	int text_mode;              /* TEXT_SET, TEXT_ADD or TEXT_FILL */
	const char *model, *provider, *request_id, *agent_id, *speed, *stop_reason;
	int sidechain;
	int64_t input, output, reasoning, cache_write, cache_write_1h, cache_read;  /* -1: not said */
	int64_t thinking;           /* inside output (Claude); -1: not said */
	int notification;           /* a prompt the client injected, not the user's */
	double cost_usd;            /* the agent's own figure; -1: price it here */
	int64_t created_at, completed_at, duration_ms;  /* -1: not said */
};
#define STORE_MESSAGE_INIT { .input = -1, .output = -1, .reasoning = -1, .thinking = -1, \
	.cache_write = -1, \
	.cache_write_1h = -1, .cache_read = -1, .cost_usd = -1, .created_at = -1, \
	.completed_at = -1, .duration_ms = -1 }
int store_response(struct store *s, const struct store_message *m);
int store_prompt(struct store *s, const struct store_message *m);
int store_turn_duration(struct store *s, const char *prompt_id, int64_t ms);
int store_message_removed(struct store *s, const char *sid, const char *id);
int store_recount(struct store *s, const char *sid);

enum tool_kind {
	TOOL_START,    /* the call begins (a hook before it, or the agent's record of it) */
	TOOL_END,      /* it ended: output or error (a hook after it, a finished tool part) */
	TOOL_NOT_RUN,  /* its turn was resolved with no end: it never ran */
	TOOL_RESULT    /* the agent's record of the result: settles a call left open */
};
struct store_tool {
	enum tool_kind kind;
	const char *id, *session_id, *message_id, *agent_id;
	const char *name, *input, *file_path;
	const char *output;         /* output_len bytes, cut at store_output_limit() */
	size_t output_len;
	const char *error;
	int failed;                 /* TOOL_END, TOOL_RESULT: the call failed */
	int denied;                 /* TOOL_END: permission was denied */
	int interrupt;              /* -1: not said */
	int64_t at;                 /* when this was said; -1: now */
	int64_t started_at, ended_at, duration_ms;  /* -1: not said (at stands in) */
};
#define STORE_TOOL_INIT { .interrupt = -1, .at = -1, .started_at = -1, \
	.ended_at = -1, .duration_ms = -1 }
int store_tool(struct store *s, const struct store_tool *t);
size_t store_output_limit(void);

struct store_event {            /* a session error or a compaction */
	const char *session_id;
	const char *key;            /* store_key() of what tells it from another */
	const char *kind;           /* error type, or compaction phase (pre, post) */
	const char *message;        /* error message, or compaction summary */
	const char *details;        /* error details, or compaction instructions */
	const char *trigger;        /* compaction trigger */
	int64_t at;
};
void store_key(char out[17], const char *const *parts, size_t n);
int store_error(struct store *s, const struct store_event *e);
int store_model_switch(struct store *s, const struct store_event *e,
    const char *from, const char *to, const char *requested, int done);
int store_tool_permission(struct store *s, const char *sid, const char *id,
    const char *name, const char *input, int64_t at);
int store_agent_launch(struct store *s, const char *sid, const char *tool_id,
    const char *agent_id, const char *output, size_t output_len);
int store_agent_end(struct store *s, const char *sid, const char *agent_id,
    int64_t at);
struct store_client_usage {     /* the client's own running totals of one model */
	const char *session_id, *model;
	int64_t input, output, thinking, cache_write, cache_read;  /* -1: not said */
	double cost_usd;            /* -1: not said */
	int64_t at;
};
int store_client_usage(struct store *s, const struct store_client_usage *u);
int store_client_cost(struct store *s, const char *sid, double cost);
int store_compaction(struct store *s, const struct store_event *e);

struct store_totals {           /* what the database holds of one session */
	int exists;                 /* 0: no row (the rest 0) */
	int64_t messages, tools;
	int64_t input, output, reasoning, cache_read, cache_write;
	double cost_usd;            /* -1: not priced */
	uint64_t digest;            /* of every column of its rows, messages and tools */
};
int store_totals(struct store *s, const char *sid, struct store_totals *t);

/*
 * One hook event on its way from the command to the rows: what the agent
 * table's functions receive. event.c owns the receipt and the hook_events
 * row; agent.c holds the table.
 */
struct agent;
struct receipt {
	const struct agent *agent;  /* borrowed: an entry of the agent table */
	char *event;         /* owned; the event's name */
	char *invocation;    /* owned; random, unique per invocation */
	int64_t received_at; /* ms */
	cJSON *context;      /* owned; what the agent noted at receipt (kept in the spool) */
	int spooled;         /* 1 when this event comes from the spool */
};
struct event {
	struct store store;         /* the agent's source bound */
	const struct receipt *r;    /* borrowed */
	struct payload p;           /* the payload and the log record */
	const char *session_id;     /* borrowed; set by the agent's identify */
	const char *call_id, *agent_id, *prompt_id;  /* borrowed; NULL when none */
};

/* claude.c: Claude Code hook events to rows */
#define SOURCE_CLAUDE "claude-code"
const char *claude_event(size_t idx);  /* its documented events; NULL past the last */
int claude_known(const char *event);
const char *claude_event_of(const cJSON *payload);
const char *claude_identify(struct event *ev);
void claude_receive(struct receipt *r, const cJSON *payload);
int claude_store(struct event *ev);
void claude_after(struct event *ev, const char *root, int64_t deadline_us);

/* opencode.c: OpenCode's events to rows */
#define SOURCE_OPENCODE "opencode"
int opencode_known(const char *event);
const char *opencode_event_of(const cJSON *payload);
const char *opencode_identify(struct event *ev);
int opencode_store(struct event *ev);

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
size_t transcript_subagents(const char *main_path, char ***list);
int cmd_session_end(int argc, char **argv, struct ctx *ctx);

/* config.c: an agent's config file, read, edited in place and written back */
struct config {
	char *path;       /* owned; the file itself, links resolved */
	int exists;       /* 0: no such file (read as empty) */
	struct stat st;   /* when exists: what was read */
	struct buf text;  /* owned; the file's bytes (empty when absent) */
	cJSON *doc;       /* owned; after config_parse */
	char indent[9];   /* after config_parse: one level of its indentation */
	char *err;        /* owned; why it cannot be used, after a failure */
	int refused;      /* err is about its content: it is left untouched */
	struct jspan src; /* after config_parse: the text edits apply to */
	struct config_edit *edits;  /* owned; see config_apply */
	size_t nedits, capedits;
};
/* An object's members or an array's elements, as written in c->src. */
struct jitem {
	struct jspan key;  /* a member's key, quotes included; {NULL, 0} in an array */
	char *name;        /* owned; the key decoded; NULL in an array */
	struct jspan val;  /* the value */
	int drop;          /* set by the caller, for config_drop */
};
struct jlist {
	struct jspan span; /* the container, brackets included */
	int obj;           /* an object (else an array) */
	struct jitem *v;   /* owned */
	size_t n, cap;
};
int config_read(struct config *c, const char *path);
int config_parse(struct config *c);
void config_release(struct config *c);
struct jspan config_root(const struct config *c);
int config_list(struct jspan v, struct jlist *l);
void config_list_release(struct jlist *l);
long config_find(const struct jlist *l, const char *name, long *again);
int config_line(const struct config *c, const char *at);
void config_drop(struct config *c, const struct jlist *l);
void config_insert(struct config *c, const struct jlist *l, size_t at,
    const cJSON *items);
void config_replace(struct config *c, const struct jlist *l, size_t i,
    const cJSON *v);
void config_apply(struct config *c, struct buf *out);
int config_save(const struct config *c, const struct buf *out, int dry_run,
    const char *what);
char *config_which(const char *name);    /* owned, or NULL */
char *config_self_path(void);            /* owned, or NULL after a message */
char *config_sh_word(const char **sp);   /* owned, NULL past the last */

/* check.c: doctor's findings, and checks more than one part makes */
enum check_status { CHECK_OK, CHECK_NOTE, CHECK_WARN, CHECK_FAIL };
struct doctor {
	int json;              /* --json */
	int color;             /* stdout is a terminal and NO_COLOR is unset */
	const char *project;   /* borrowed from argv; NULL: the current folder */
	const char *db_path;   /* borrowed; clankers' database */
	cJSON *found;          /* owned; --json: the findings so far */
	int fails;             /* FAILs said */
	uid_t uid;             /* who should own the files: geteuid() */
};
void check_say(struct doctor *d, enum check_status st, const char *check,
    char *msg, char *fix);  /* takes msg and fix */
char *check_user_name(uid_t uid);
char *check_fix_on(const char *cmd, const char *path);
int check_owner_mode(struct doctor *d, const char *check, const char *what,
    const char *path, const struct stat *st, mode_t want);
void check_program(struct doctor *d, const char *prog, int nevents,
    const char *fix);

/* install.c reads the command line; each agent's writer does the rest */
struct install_req {
	const char *cmd;      /* "install" or "uninstall", for messages */
	int remove;           /* uninstall: take ours out */
	int dry_run;          /* --dry-run: print the file as it would be */
	const char *project;  /* borrowed; --project DIR, "" if no DIR; or NULL */
	int argc;             /* the words left for the agent's writer */
	char **argv;          /* borrowed; its options, in their order */
};
/* claude_setup.c: Claude Code's install writer and doctor checks */
int claude_install(const struct install_req *q);
void claude_doctor(struct doctor *d);

/* import.c reads the command line; each agent's reader does the rest */
struct import_stats {
	int64_t sessions;           /* read from the agent's records */
	int64_t made, changed, same;  /* of them: new here, updated, unchanged */
	int64_t messages, tools;    /* the rows those sessions have here */
	int64_t input, output, reasoning, cache_read, cache_write;
	double cost_usd;            /* of the priced ones */
	int64_t bad;                /* records that could not be read (skipped) */
	int deferred;               /* stopped at the deadline; the rest is for later */
	/* Agents whose history is files (import_dirs): */
	int64_t files, files_read;  /* found; of them read (the rest unchanged) */
	int64_t bytes, bytes_total; /* read; to read (progress: the plan) */
	int64_t sessions_total;     /* sessions to look at (progress: the plan) */
	int64_t older;              /* sessions left out by --since */
	int64_t skipped;            /* files not read, or not to their end (in problems) */
	cJSON *problems;            /* owned, or NULL: [{path, reason}], at most 100 */
	int stopped;                /* interrupted (SIGINT): the next run goes on */
};
struct import_req {
	const char *from;           /* borrowed; --db PATH: the agent's store, or NULL */
	const char *session_id;     /* borrowed; --session ID, or NULL: every session */
	int dry_run;                /* --dry-run: count what would change, keep nothing */
	int64_t deadline_us;        /* mono_us() past which it stops; 0: none */
	int recent;                 /* only each session's latest messages; 0: all */
	char **dirs;                /* borrowed; DIR...: folders of the agent's files */
	int ndirs;
	int64_t since;              /* --since: files older (mtime, ms) left out; 0: all */
	volatile int *stop;         /* set by a signal: stop between transactions */
	/* Called after each session when not NULL (progress on a terminal). */
	void (*progress)(const struct import_stats *st, int64_t total);
};

/* opencode_db.c: OpenCode's own database into rows (import, repair at idle) */
char *opencode_db_path(char **err);  /* owned, or NULL with *err (owned) */
int opencode_import(struct db *db, const char *root, const struct agent *a,
    const struct import_req *q, struct import_stats *st, char **err);
void opencode_after(struct event *ev, const char *root, int64_t deadline_us);

/* claude_import.c: Claude Code's transcripts on disk into rows */
int claude_import(struct db *db, const char *root, const struct agent *a,
    const struct import_req *q, struct import_stats *st, char **err);
struct claude_pending {         /* doctor: what import would read */
	int64_t files, sessions;    /* main transcripts found, and subagent files */
	int64_t unread, partial;    /* sessions with a file never read, or read in part */
	int64_t bytes;              /* bytes not read yet */
};
int claude_history_pending(sqlite3 *h, struct claude_pending *p);
int claude_history_dirs(void);

/* opencode_setup.c: OpenCode's (install refuses: not recorded yet) */
int opencode_install(const struct install_req *q);
void opencode_doctor(struct doctor *d);

/*
 * agent.c: the agents clankers records, one entry each: the only list of
 * them. Everything above the mappers reaches an agent through its entry.
 */
struct agent {
	const char *name;     /* the word users type: "claude" */
	const char *source;   /* sessions.source and the log's source */
	const char *const *edit_tools;  /* NULL-terminated: its tools that change a file */
	/* The event's name in its payload, when the command line gives none. */
	const char *(*event_of)(const cJSON *payload);
	int (*known)(const char *event);  /* 1 for a name the agent documents */
	/* Fills ev's ids from the payload; NULL, or why the event cannot be used. */
	const char *(*identify)(struct event *ev);
	/* Notes what only the moment of receipt can tell (r->context); may be NULL. */
	void (*receive)(struct receipt *r, const cJSON *payload);
	int (*store)(struct event *ev);  /* the rows; the caller holds the transaction */
	/* After the event is stored: work that may take its own transactions; may be NULL. */
	void (*after)(struct event *ev, const char *root, int64_t deadline_us);
	int (*install)(const struct install_req *q);  /* install or uninstall; an exit code */
	void (*doctor)(struct doctor *d);              /* its checks */
	/* Its history from its own records (import_req); NULL: none yet.
	 * import_dirs: it reads folders (DIR..., --since), not --db/--session. */
	int import_dirs;
	int (*import)(struct db *db, const char *root, const struct agent *a,
	    const struct import_req *q, struct import_stats *st, char **err);
};
const struct agent *agent_find(const char *name);  /* NULL when unknown */
const struct agent *agent_at(size_t i);            /* NULL past the last */
int agent_edit_tool(const char *tool);

/* event.c */
void receipt_init(struct receipt *r, const struct agent *a, const char *event);
void receipt_release(struct receipt *r);
const char *event_identify(struct event *ev, const struct receipt *r,
    cJSON *payload, cJSON *log);
int event_store(struct event *ev, struct db *db, const char *root);
void event_after(struct event *ev, int64_t deadline_us);
int event_apply(struct db *db, const char *root, const struct agent *a,
    const char *event, int64_t at, cJSON *payload, cJSON *log);

/* spool.c */
int spool_write(const char *root, const struct receipt *r, const char *payload, size_t n);
int spool_ingest(struct db *db, const char *root, int64_t until_us);

/* hook.c; an invocation's outcome, as its log line names it (report reads them) */
#define OUTCOME_STORED "stored"
#define OUTCOME_SPOOLED "spooled"
#define OUTCOME_LOST "lost"
#define OUTCOME_REJECTED "rejected"
int cmd_hook(int argc, char **argv, struct ctx *ctx);

/* doctor.c */
int cmd_doctor(int argc, char **argv, struct ctx *ctx);

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
	int64_t long_lines;         /* lines past logread's bound, skipped unread */
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

/* search.c: the full-text index (FTS5) and `clankers search` */
struct index_stats {
	int64_t sessions;                /* sessions compared */
	int64_t added, changed, removed; /* rows of the index */
	int64_t bytes;                   /* of text indexed */
	int64_t us;                      /* time taken */
};
#define INDEX_FULL 1      /* search_index: build it again from nothing */
#define INDEX_PROGRESS 2  /* counts on stderr as it goes */
int search_index(struct db *db, unsigned flags, struct index_stats *out);
int cmd_index(int argc, char **argv, struct ctx *ctx);
int cmd_search(int argc, char **argv, struct ctx *ctx);

/* show.c: `clankers show`, one session read back */
int show_resolve(sqlite3 *h, const char *cmd, const char *arg, char **id);
int cmd_show(int argc, char **argv, struct ctx *ctx);

/* install.c */
int cmd_install(int argc, char **argv, struct ctx *ctx);
int cmd_uninstall(int argc, char **argv, struct ctx *ctx);

/* import.c */
int cmd_import(int argc, char **argv, struct ctx *ctx);

/* project.c */
struct project {
	char *root;    /* owned; repository root, NULL outside git */
	char *name;    /* owned; repository name, else basename of cwd */
	char *branch;  /* owned; branch, or short commit when detached */
};
void project_find(const char *cwd, struct project *p);
void project_release(struct project *p);

#endif
