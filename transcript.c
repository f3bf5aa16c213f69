/*
 * transcript.c: Claude Code transcripts into messages, tools and totals.
 *
 * A transcript is one JSON object per line. Hook payloads carry no tokens,
 * no model and no assistant text: they are here. One API response is
 * written as several assistant lines sharing message.id, one per content
 * block, each with a copy of the usage whose output_tokens grows. Subagent
 * responses appear inline (isSidechain), in <session>/subagents/ files,
 * and copied inside progress lines. Each response is one messages row keyed
 * by message.id wherever it is seen, with the largest value of each usage
 * field; the session's totals follow its rows (triggers in schema.sql), so
 * that reading a line twice changes nothing.
 *
 * Reading is incremental: transcript_files remembers, per file, how far it
 * was read and what the bytes around that point hashed to, so a Stop hook
 * on a long session reads only the lines added since the last one, and a
 * file that was truncated or replaced is read again from the start. Only
 * complete lines are read; a partial last line waits for the next call.
 * Each transaction reads at most CHUNK_BYTES, so a first read of a huge
 * file holds the write lock in short turns and can stop at a deadline. A
 * line longer than LINE_MAX_BYTES is counted bad: its newline is looked for
 * outside any transaction, and only until the deadline.
 *
 * Memory is the read buffer, as large as the longest line, plus the ids of
 * the responses met in the current read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#define READ_SIZE (1 << 20)
#define CHUNK_BYTES (8 << 20)       /* read per transaction */
#define LINE_MAX_BYTES (64 << 20)   /* a longer line is counted bad, skipped */
#define HASH_SPAN 4096
#define SUBAGENT_DEPTH 3

struct tfile {
	char *path;           /* owned; resolved */
	char *agent;          /* owned; from agent-<id>.jsonl, else NULL */
	int fd;
	struct stat st;
	int64_t offset;       /* bytes read, just after a newline */
	int64_t lines, bad, reads, rewinds;
	int fresh;            /* no stored state, or read again from the start */
	int bad_logged;
	int64_t request_at;   /* the last user line: when the next response was asked */
	int64_t last_at;
	char *open_msg;       /* owned; the response of the last assistant line */
	char *prompt_id;      /* owned; the last prompt, for the turn's duration */
	char *prompt_key;     /* owned; the last user line's promptId, in this read */
	struct strmap seen;   /* the responses met in this read of the file */
};

/*
 * Lines of one response usually follow each other: they are gathered here
 * and written as one row when a line of another response comes, or when
 * the transaction ends.
 */
struct pending {
	struct buf id, model, req, agent, speed, stop, text;
	int64_t input, output, cw, cw1h, cr;  /* -1: not seen */
	int64_t think;        /* output_tokens_details.thinking_tokens; -1: not seen */
	int64_t first_at, last_at, dur;
	int side, active;
	int copy;             /* every line so far was a copy in a progress line */
};

struct reader {
	struct db *db;
	struct store store;   /* Claude Code's source bound */
	const char *sid;
	int64_t deadline_us;  /* 0: none */
	struct tstats *st;
	struct buf in;        /* the read buffer */
	struct buf text, tmp, key, out;  /* scratch */
	/* What the lines of this transaction said about the session. */
	int64_t first_at, last_at;
	char *cwd, *branch, *version, *perm;
	char *title, *title_src;
	int64_t title_at;
	int dirty;            /* a turn stopped short: the end-of-read save is due */
	int session_seen;     /* lines gave something: the session row is kept up */
	int session_made;     /* the row exists in this transaction */
	int recount;          /* --full: count the totals again from the rows */
	struct pending pend;
	const struct tfile *buf_file;  /* in holds its bytes from buf_start on */
	int64_t buf_start;
	/* A line longer than LINE_MAX_BYTES starts at skip_at in skip_file: the
	 * next turn looks for its newline from skip_pos, outside a transaction. */
	const struct tfile *skip_file;
	int64_t skip_at, skip_pos;
};

/* ---------------------------------------------------------------- SQL */

static const char SQL_STATE_GET[] =
	"SELECT dev, ino, size, offset, head_hash, tail_hash, lines, bad_lines,"
	" open_message, request_at, prompt_id, last_at, reads, rewinds"
	" FROM transcript_files WHERE path = :path";

static const char SQL_STATE_PUT[] =
	"INSERT INTO transcript_files (path, session_id, agent_id, dev, ino, size,"
	" offset, head_hash, tail_hash, lines, bad_lines, open_message, request_at,"
	" prompt_id, last_at, reads, rewinds, read_at)"
	" VALUES (:path, :sid, :agent, :dev, :ino, :size, :offset, :head, :tail,"
	" :lines, :bad, :open, :req, :prompt, :last, :reads, :rewinds, :now)"
	" ON CONFLICT(path) DO UPDATE SET session_id = excluded.session_id,"
	" agent_id = excluded.agent_id, dev = excluded.dev, ino = excluded.ino,"
	" size = excluded.size, offset = excluded.offset,"
	" head_hash = excluded.head_hash, tail_hash = excluded.tail_hash,"
	" lines = excluded.lines, bad_lines = excluded.bad_lines,"
	" open_message = excluded.open_message, request_at = excluded.request_at,"
	" prompt_id = excluded.prompt_id, last_at = excluded.last_at,"
	" reads = excluded.reads, rewinds = excluded.rewinds,"
	" read_at = excluded.read_at";

static const char SQL_BAD_LINES[] =
	"UPDATE sessions SET bad_lines = (SELECT sum(bad_lines) FROM transcript_files"
	" WHERE session_id = :sid) WHERE id = :sid";

/* ------------------------------------------------------------ helpers */

static int
ensure_session(struct reader *r, int64_t at)
{
	int rc;

	if (r->session_made)
		return SQLITE_OK;
	if ((rc = store_session_made(&r->store, r->sid, at)) == SQLITE_OK)
		r->session_made = 1;
	return rc;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}


/* Decodes a JSON string into b, as valid UTF-8; -1 when v is no string. */
static int
decode(struct jspan v, struct buf *b)
{
	char *clean;
	size_t n;

	b->len = 0;
	if (jscan_str(v, b) < 0)
		return -1;
	if ((clean = utf8_clean(b->data, b->len, &n)) != NULL) {
		free(b->data);
		b->data = clean;
		b->len = b->cap = n;
		buf_add(b, "", 0);
	}
	return 0;
}

/* A raw JSON value, as text SQLite can hold. */
static void
raw_json(struct jspan v, struct buf *b)
{
	char *clean;
	size_t n;

	b->len = 0;
	buf_add(b, v.p, v.n);
	buf_add(b, "", 0);
	json_fix_escapes(b->data, b->len);
	if ((clean = utf8_clean(b->data, b->len, &n)) != NULL) {
		free(b->data);
		b->data = clean;
		b->len = b->cap = n;
		buf_add(b, "", 0);
	}
}

static int
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* The text blocks of a content value (a string or an array of blocks). */
static void
content_text(struct reader *r, struct jspan content, struct buf *out)
{
	const char *it = NULL;
	struct jspan block, type, text;

	out->len = 0;
	if (content.p && content.p[0] == '"') {
		decode(content, out);
		return;
	}
	while (jscan_next(content, &it, &block)) {
		if (!jscan_get(block, "type", &type))
			continue;
		if (jscan_streq(type, "text") && jscan_get(block, "text", &text) &&
		    decode(text, &r->tmp) == 0) {
			if (out->len)
				buf_add(out, "\n\n", 2);
			buf_add(out, r->tmp.data, r->tmp.len);
		} else if (jscan_streq(type, "image")) {
			if (out->len)
				buf_add(out, "\n\n", 2);
			buf_add(out, "[image]", 7);
		}
	}
	buf_add(out, "", 0);
}

/* ------------------------------------------------------------ entries */

enum {
	K_TYPE, K_SUBTYPE, K_UUID, K_TS, K_SIDE, K_META, K_COMPACT, K_VISIBLE,
	K_AGENT, K_REQ, K_MSG, K_DATA, K_SUMMARY, K_CUSTOM, K_AI, K_VERSION,
	K_CWD, K_BRANCH, K_DUR, K_PERM, K_APIERR, K_ERROR, K_PROMPT, NKEYS
};
static const char *const entry_keys[NKEYS] = {
	"type", "subtype", "uuid", "timestamp", "isSidechain", "isMeta",
	"isCompactSummary", "isVisibleInTranscriptOnly", "agentId", "requestId",
	"message", "data", "summary", "customTitle", "aiTitle", "version", "cwd",
	"gitBranch", "durationMs", "permissionMode", "isApiErrorMessage", "error",
	"promptId",
};

/* Stops the scan of a line whose type the reader does not use. */
static int
uninteresting(int key, struct jspan v)
{
	return key == K_TYPE && !(jscan_streq(v, "assistant") ||
	    jscan_streq(v, "user") || jscan_streq(v, "progress") ||
	    jscan_streq(v, "system") || jscan_streq(v, "summary") ||
	    jscan_streq(v, "custom-title") || jscan_streq(v, "ai-title") ||
	    jscan_streq(v, "cost-state"));
}

/* Where an entry came from: a line of its own, or a copy in a progress line. */
struct origin {
	struct tfile *f;
	int copy;
	const char *agent;   /* borrowed */
};

static const char *
entry_agent(struct reader *r, const struct origin *o, const struct jspan *k)
{
	if (k[K_AGENT].p && decode(k[K_AGENT], &r->tmp) == 0 && r->tmp.len)
		return r->tmp.data;
	return o->agent;
}

static int
tool_use(struct reader *r, struct jspan block, const char *msg_id,
    const char *agent, int64_t at)
{
	static const char *const keys[] = { "id", "name", "input" };
	static const char *const fkeys[] = { "file_path", "notebook_path", "path" };
	struct store_tool t = STORE_TOOL_INIT;
	struct jspan k[3], file[3];
	struct buf name = {0};
	int rc;

	if (jscan_object(block, keys, 3, k, NULL) < 0 || decode(k[0], &r->key) < 0 ||
	    r->key.len == 0)
		return SQLITE_OK;
	if (ensure_session(r, at) != SQLITE_OK)
		return SQLITE_ERROR;
	t.kind = TOOL_START;  /* with no time of its own: it fills, never moves */
	t.id = r->key.data;
	t.session_id = r->sid;
	t.message_id = msg_id;
	t.agent_id = agent;
	if (decode(k[1], &name) == 0)
		t.name = name.data;
	if (k[2].p) {
		raw_json(k[2], &r->out);
		t.input = r->out.data;
	}
	if (jscan_object(k[2], fkeys, 3, file, NULL) == 0 &&
	    (decode(file[0], &r->tmp) == 0 || decode(file[1], &r->tmp) == 0 ||
	    decode(file[2], &r->tmp) == 0))
		t.file_path = r->tmp.data;
	t.at = at;
	rc = store_tool(&r->store, &t);
	buf_release(&name);
	return rc;
}

static int
tool_result(struct reader *r, struct jspan block, const char *agent, int64_t at)
{
	static const char *const keys[] = { "tool_use_id", "is_error", "content" };
	struct store_tool t = STORE_TOOL_INIT;
	struct jspan k[3];
	char *errmsg = NULL;
	int rc;

	if (jscan_object(block, keys, 3, k, NULL) < 0 || decode(k[0], &r->key) < 0 ||
	    r->key.len == 0)
		return SQLITE_OK;
	t.failed = jscan_true(k[1]);
	content_text(r, k[2], &r->out);
	if (ensure_session(r, at) != SQLITE_OK)
		return SQLITE_ERROR;
	t.kind = TOOL_RESULT;
	t.id = r->key.data;
	t.session_id = r->sid;
	t.agent_id = agent;
	t.output = r->out.data ? r->out.data : "";
	t.output_len = r->out.len;
	if (t.failed && r->out.len)
		t.error = errmsg = xstrndup(r->out.data, utf8_cut(r->out.data,
		    r->out.len, 1000));
	t.at = at;
	rc = store_tool(&r->store, &t);
	free(errmsg);
	return rc;
}

static void
count_max(int64_t *have, int64_t v)
{
	if (v >= 0 && v > *have)
		*have = v;
}

static void
buf_set(struct buf *b, const char *s, size_t n)
{
	b->len = 0;
	buf_add(b, s ? s : "", s ? n : 0);
}

static int
flush_response(struct reader *r, struct tfile *f)
{
	struct pending *p = &r->pend;
	struct store_message m = STORE_MESSAGE_INIT;

	if (!p->active)
		return SQLITE_OK;
	p->active = 0;
	if (ensure_session(r, p->first_at) != SQLITE_OK)
		return SQLITE_ERROR;
	m.id = p->id.data;
	m.session_id = r->sid;
	m.text = p->text.len ? p->text.data : NULL;
	m.text_len = p->text.len;
	m.text_mode = p->copy ? TEXT_FILL : strmap_put(&f->seen, p->id.data, p->id.len, 0) ?
	    TEXT_SET : TEXT_ADD;
	m.model = p->model.len ? p->model.data : NULL;
	m.request_id = p->req.len ? p->req.data : NULL;
	m.agent_id = p->agent.len ? p->agent.data : NULL;
	m.speed = p->speed.len ? p->speed.data : NULL;
	m.stop_reason = p->stop.len ? p->stop.data : NULL;
	m.sidechain = p->side;
	m.input = p->input;
	m.output = p->output;
	m.cache_write = p->cw;
	m.cache_write_1h = p->cw1h;
	m.cache_read = p->cr;
	m.thinking = p->think;
	m.created_at = p->first_at;
	m.completed_at = p->last_at;
	m.duration_ms = p->dur;
	return store_response(&r->store, &m);
}

static void
pending_release(struct pending *p)
{
	buf_release(&p->id);
	buf_release(&p->model);
	buf_release(&p->req);
	buf_release(&p->agent);
	buf_release(&p->speed);
	buf_release(&p->stop);
	buf_release(&p->text);
}

/* Starts gathering the response keyed r->key: nothing of it seen yet. */
static void
pending_start(struct reader *r, int side)
{
	struct pending *p = &r->pend;

	p->active = 1;
	buf_set(&p->id, r->key.data, r->key.len);
	p->model.len = p->req.len = p->agent.len = p->speed.len = 0;
	p->stop.len = p->text.len = 0;
	p->input = p->output = p->cw = p->cw1h = p->cr = p->think = -1;
	p->first_at = p->last_at = p->dur = -1;
	p->side = side;
	p->copy = 1;
}

/*
 * What an assistant line says of the pending response besides usage and
 * content: the first model, request and agent met, the last stop reason,
 * the lowest sidechain flag, its times. model and stop are the message's.
 */
static void
pending_line(struct reader *r, const struct origin *o, struct jspan *k,
    struct jspan model, struct jspan stop, int64_t at, int side)
{
	struct pending *p = &r->pend;
	struct tfile *f = o->f;
	const char *agent;

	if (!o->copy)
		p->copy = 0;
	if (p->model.len == 0 && decode(model, &r->tmp) == 0)
		buf_set(&p->model, r->tmp.data, r->tmp.len);
	if (p->req.len == 0 && decode(k[K_REQ], &r->tmp) == 0)
		buf_set(&p->req, r->tmp.data, r->tmp.len);
	if (p->agent.len == 0 && (agent = entry_agent(r, o, k)) != NULL)
		buf_set(&p->agent, agent, strlen(agent));
	if (decode(stop, &r->tmp) == 0 && r->tmp.len)
		buf_set(&p->stop, r->tmp.data, r->tmp.len);
	if (side < p->side)
		p->side = side;
	if (at >= 0) {
		if (p->first_at < 0 || at < p->first_at)
			p->first_at = at;
		count_max(&p->last_at, at);
		/* A copy in a progress line is not timed against this file's prompts. */
		if (!o->copy && f->request_at >= 0 && at >= f->request_at)
			count_max(&p->dur, at - f->request_at);
	}
}

/*
 * The message's usage object into the pending response. Every line
 * repeats the usage; output_tokens grows: keep each maximum.
 */
static void
pending_usage(struct reader *r, struct jspan usage)
{
	static const char *const ukeys[] = { "input_tokens", "output_tokens",
	    "cache_creation_input_tokens", "cache_read_input_tokens",
	    "cache_creation", "speed", "output_tokens_details" };
	static const char *const ckeys[] = { "ephemeral_5m_input_tokens",
	    "ephemeral_1h_input_tokens" };
	struct jspan u[7] = {{0}}, c[2], think;
	struct pending *p = &r->pend;
	int64_t v, e5 = 0, e1h = 0;

	if (jscan_object(usage, ukeys, 7, u, NULL) != 0)
		return;
	/* 2.1.332: the thinking part of output_tokens, already inside it. */
	if (u[6].p && u[6].p[0] == '{' && jscan_get(u[6], "thinking_tokens", &think) &&
	    jscan_int(think, &v))
		count_max(&p->think, v);
	if (jscan_int(u[0], &v))
		count_max(&p->input, v);
	if (jscan_int(u[1], &v))
		count_max(&p->output, v);
	if (jscan_int(u[3], &v))
		count_max(&p->cr, v);
	v = -1;
	jscan_int(u[2], &v);
	/* Before 2.1.152 the total could read 0 beside a real breakdown. */
	if (u[4].p && jscan_object(u[4], ckeys, 2, c, NULL) == 0) {
		int64_t n;

		if (jscan_int(c[0], &n))
			e5 = n;
		if (jscan_int(c[1], &n))
			e1h = n;
		if (e5 + e1h > v)
			v = e5 + e1h;
		count_max(&p->cw1h, e1h);
	}
	count_max(&p->cw, v);
	if (p->speed.len == 0 && decode(u[5], &r->tmp) == 0)
		buf_set(&p->speed, r->tmp.data, r->tmp.len);
}

/*
 * The text of the message's content (a string, or its text blocks) added
 * to the pending response, and its tool_use blocks stored. A list of
 * blocks outside a copy makes the response the file's open one; a string
 * leaves that as it was. Returns a SQLite code.
 */
static int
pending_content(struct reader *r, const struct origin *o, struct jspan content,
    int64_t at)
{
	struct pending *p = &r->pend;
	struct jspan block, type;
	const char *it = NULL;
	int rc;

	if (content.p && content.p[0] == '"') {
		if (decode(content, &r->tmp) == 0 && r->tmp.len) {
			if (p->text.len)
				buf_add(&p->text, "\n\n", 2);
			buf_add(&p->text, r->tmp.data, r->tmp.len);
		}
		return SQLITE_OK;
	}
	while (jscan_next(content, &it, &block)) {
		if (!jscan_get(block, "type", &type))
			continue;
		if (jscan_streq(type, "text")) {
			struct jspan t;

			if (jscan_get(block, "text", &t) && decode(t, &r->tmp) == 0) {
				if (p->text.len)
					buf_add(&p->text, "\n\n", 2);
				buf_add(&p->text, r->tmp.data, r->tmp.len);
			}
		} else if (jscan_streq(type, "tool_use")) {
			if ((rc = tool_use(r, block, p->id.data, p->agent.len ?
			    p->agent.data : NULL, at)) != SQLITE_OK)
				return rc;
		}
	}
	if (!o->copy)
		set_str(&o->f->open_msg, p->id.data);
	return SQLITE_OK;
}

/*
 * An API error the client wrote as an assistant line of model <synthetic>
 * with zero usage (the same failure StopFailure tells: store_error makes
 * the two one row). r->key holds the line's key.
 */
static int
api_error(struct reader *r, const struct origin *o, struct jspan *k,
    struct jspan content, int64_t at)
{
	struct store_event e = {0};
	const char *parts[5];
	char key[17], *kind;
	int rc;

	if (o->copy || ensure_session(r, at) != SQLITE_OK)
		return o->copy ? SQLITE_OK : SQLITE_ERROR;
	kind = decode(k[K_ERROR], &r->tmp) == 0 && r->tmp.len ? xstrdup(r->tmp.data) :
	    xstrdup("api_error");
	content_text(r, content, &r->text);
	/* The key StopFailure gives the same failure (claude.c): one row. */
	parts[0] = r->sid;
	parts[1] = "StopFailure";
	parts[2] = kind;
	parts[3] = r->text.len ? r->text.data : NULL;
	parts[4] = o->f->prompt_key ? o->f->prompt_key : r->key.data;
	store_key(key, parts, 5);
	e.session_id = r->sid;
	e.key = key;
	e.kind = kind;
	e.message = r->text.len ? r->text.data : kind;
	e.at = at >= 0 ? at : o->f->last_at >= 0 ? o->f->last_at : now_ms();
	rc = store_error(&r->store, &e);
	free(kind);
	return rc;
}

/*
 * An assistant line: its response, keyed by message.id (else requestId,
 * else uuid), gathered into r->pend; a line of another response first
 * writes the one gathered. Returns a SQLite code, or -1 for a message
 * that is not a JSON object.
 */
static int
response(struct reader *r, const struct origin *o, struct jspan *k, int64_t at,
    int side)
{
	static const char *const mkeys[] = { "id", "model", "usage", "content",
	    "stop_reason" };
	struct jspan m[5];
	struct pending *p = &r->pend;
	int rc;

	if (jscan_object(k[K_MSG], mkeys, 5, m, NULL) < 0)
		return -1;
	if (!(decode(m[0], &r->key) == 0 && r->key.len) &&
	    !(decode(k[K_REQ], &r->key) == 0 && r->key.len) &&
	    !(decode(k[K_UUID], &r->key) == 0 && r->key.len))
		return SQLITE_OK;  /* nothing to key it by */
	/* The client's own line (an API error, 2.1.332): no response, no model. */
	if (jscan_streq(m[1], "<synthetic>"))
		return jscan_true(k[K_APIERR]) ? api_error(r, o, k, m[3], at) : SQLITE_OK;
	if (p->active && (p->id.len != r->key.len ||
	    memcmp(p->id.data, r->key.data, r->key.len) != 0)) {
		if ((rc = flush_response(r, o->f)) != SQLITE_OK)
			return rc;
	}
	if (!p->active)
		pending_start(r, side);
	pending_line(r, o, k, m[1], m[4], at, side);
	if (m[2].p)
		pending_usage(r, m[2]);
	return pending_content(r, o, m[3], at);
}

/* Text a user line carries that is the harness's, not the user's words. */
static int
not_a_prompt(const char *s, size_t n)
{
	return starts(s, n, "<local-command-") || starts(s, n, "[Request interrupted") ||
	    starts(s, n, "<task-notification>") || starts(s, n, "Caveat: ");
}

static void
title_candidate(struct reader *r, const char *title, const char *src, int64_t at)
{
	/* Within one read: the first prompt, the last of any other kind. */
	if (r->title_src && strcmp(src, "prompt") == 0 && strcmp(r->title_src, "prompt") == 0)
		return;
	if (r->title_src && strcmp(r->title_src, "prompt") != 0 && strcmp(src, "prompt") == 0)
		return;
	if (r->title_src && strcmp(r->title_src, "custom") == 0 && strcmp(src, "custom") != 0)
		return;
	set_str(&r->title, title);
	set_str(&r->title_src, src);
	r->title_at = at;
}

static int
user_line(struct reader *r, const struct origin *o, struct jspan *k, int64_t at,
    int side)
{
	static const char *const mkeys[] = { "content" };
	struct jspan m[1], block, type;
	const char *it = NULL, *agent;
	char *agent_copy = NULL;
	struct tfile *f = o->f;
	struct store_message pm = STORE_MESSAGE_INIT;
	int results = 0, rc = SQLITE_OK;
	char title[512];

	if (jscan_object(k[K_MSG], mkeys, 1, m, NULL) < 0)
		return -1;
	if ((agent = entry_agent(r, o, k)) != NULL)
		agent = agent_copy = xstrdup(agent);
	if (!o->copy && at >= 0)
		f->request_at = at;
	if (m[0].p && m[0].p[0] == '[') {
		while (jscan_next(m[0], &it, &block))
			if (jscan_get(block, "type", &type) && jscan_streq(type, "tool_result")) {
				results++;
				if ((rc = tool_result(r, block, agent, at)) != SQLITE_OK)
					goto out;
			}
	}
	if (results || jscan_true(k[K_META]) || jscan_true(k[K_COMPACT]) ||
	    jscan_true(k[K_VISIBLE]) || k[K_UUID].p == NULL)
		goto out;
	content_text(r, m[0], &r->text);
	/* A background agent's end, injected as a prompt (2.1.332): kept, flagged. */
	pm.notification = starts(r->text.data, r->text.len, "<task-notification>");
	if (r->text.len == 0 || (!pm.notification && not_a_prompt(r->text.data, r->text.len)))
		goto out;
	if (decode(k[K_UUID], &r->key) < 0 || r->key.len == 0)
		goto out;
	if (ensure_session(r, at) != SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	pm.id = r->key.data;
	pm.session_id = r->sid;
	pm.text = r->text.data;
	pm.text_len = r->text.len;
	pm.agent_id = agent;
	pm.sidechain = side;
	pm.created_at = at;
	if ((rc = store_prompt(&r->store, &pm)) != SQLITE_OK)
		goto out;
	if (!side && !o->copy) {
		set_str(&f->prompt_id, r->key.data);
		/* A slash command or shell escape is kept, but names nothing. */
		if (!pm.notification && !starts(r->text.data, r->text.len, "<command-") &&
		    !starts(r->text.data, r->text.len, "<bash-") &&
		    store_prompt_title(r->text.data, title, sizeof title) > 0)
			title_candidate(r, title, "prompt", at >= 0 ? at : now_ms());
	}
out:
	free(agent_copy);
	return rc;
}

static int entry(struct reader *r, const struct origin *o, struct jspan line, int depth);

/* A progress line: only agent_progress carries something, a subagent line. */
static int
progress(struct reader *r, const struct origin *o, struct jspan data)
{
	static const char *const keys[] = { "type", "message", "agentId" };
	struct jspan k[3];
	struct origin copy = { o->f, 1, o->agent };
	int rc;

	if (jscan_object(data, keys, 3, k, NULL) < 0 || !jscan_streq(k[0], "agent_progress") ||
	    k[1].p == NULL)
		return SQLITE_OK;
	if (decode(k[2], &r->out) == 0 && r->out.len) {
		char *agent = xstrdup(r->out.data);

		copy.agent = agent;
		rc = entry(r, &copy, k[1], 1);
		free(agent);
		return rc;
	}
	return entry(r, &copy, k[1], 1);
}

/* A number of an object of the cost-state line as a count; -1: none. */
static int64_t
cost_count(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e18 ?
	    (int64_t)v->valuedouble : -1;
}

/*
 * A cost-state line (2.1.332): the client's running totals of the
 * session, per model and in all, which count calls no assistant line
 * records (the /compact summary). Kept as the client's own figures, apart
 * from the responses. A few hundred bytes: read whole with cJSON.
 */
static int
cost_state(struct reader *r, struct tfile *f, struct jspan line)
{
	cJSON *root = cJSON_ParseWithLength(line.p, line.n), *m;
	const cJSON *usage, *total;
	int rc = SQLITE_OK;

	if (root == NULL)
		return SQLITE_OK;
	usage = cJSON_GetObjectItemCaseSensitive(root, "modelUsage");
	total = cJSON_GetObjectItemCaseSensitive(root, "totalCostUSD");
	if ((cJSON_IsObject(usage) || cJSON_IsNumber(total)) &&
	    (rc = ensure_session(r, f->last_at)) != SQLITE_OK)
		goto out;
	if (!cJSON_IsObject(usage))
		usage = NULL;
	cJSON_ArrayForEach(m, usage) {
		struct store_client_usage u;
		const cJSON *cost = cJSON_GetObjectItemCaseSensitive(m, "costUSD");
		char *model;
		size_t n;

		if (!cJSON_IsObject(m) || m->string == NULL || m->string[0] == '\0')
			continue;
		model = utf8_clean(m->string, strlen(m->string), &n);
		u.session_id = r->sid;
		u.model = model ? model : m->string;
		u.input = cost_count(m, "inputTokens");
		u.output = cost_count(m, "outputTokens");
		u.thinking = cost_count(m, "thinkingTokens");
		u.cache_write = cost_count(m, "cacheCreationInputTokens");
		u.cache_read = cost_count(m, "cacheReadInputTokens");
		u.cost_usd = cJSON_IsNumber(cost) && cost->valuedouble >= 0 ?
		    cost->valuedouble : -1;
		u.at = f->last_at;
		rc = store_client_usage(&r->store, &u);
		free(model);
		if (rc != SQLITE_OK)
			goto out;
	}
	if (cJSON_IsNumber(total) && total->valuedouble >= 0)
		rc = store_client_cost(&r->store, r->sid, total->valuedouble);
out:
	cJSON_Delete(root);
	return rc;
}

/* Returns a SQLite code, or -1 for a line that is not a JSON object. */
static int
entry(struct reader *r, const struct origin *o, struct jspan line, int depth)
{
	struct jspan k[NKEYS];
	struct tfile *f = o->f;
	int64_t at, v;
	int side, rc;

	rc = jscan_object(line, entry_keys, NKEYS, k, depth == 0 ? uninteresting : NULL);
	if (rc < 0)
		return depth == 0 ? -1 : SQLITE_OK;
	if (rc == 1)
		return SQLITE_OK;
	at = jscan_time(k[K_TS]);
	side = o->copy || jscan_true(k[K_SIDE]);
	if (at >= 0 && !o->copy) {
		if (r->first_at < 0 || at < r->first_at)
			r->first_at = at;
		if (at > r->last_at)
			r->last_at = at;
		if (at > f->last_at)
			f->last_at = at;
	}
	if (!o->copy) {
		if (r->cwd == NULL && decode(k[K_CWD], &r->tmp) == 0 && r->tmp.len)
			r->cwd = xstrdup(r->tmp.data);
		/* "HEAD" is what the client writes outside a repository: no branch. */
		if (r->branch == NULL && decode(k[K_BRANCH], &r->tmp) == 0 && r->tmp.len &&
		    strcmp(r->tmp.data, "HEAD") != 0)
			r->branch = xstrdup(r->tmp.data);
		if (decode(k[K_VERSION], &r->tmp) == 0 && r->tmp.len)
			set_str(&r->version, r->tmp.data);
		if (r->perm == NULL && !side && decode(k[K_PERM], &r->tmp) == 0 && r->tmp.len)
			r->perm = xstrdup(r->tmp.data);
	}

	if (jscan_streq(k[K_TYPE], "assistant")) {
		if (k[K_MSG].p == NULL)
			return SQLITE_OK;
		rc = response(r, o, k, at, side);
		return rc < 0 ? (depth == 0 ? -1 : SQLITE_OK) : rc;
	}
	if (jscan_streq(k[K_TYPE], "user")) {
		if (!o->copy && decode(k[K_PROMPT], &r->tmp) == 0 && r->tmp.len)
			set_str(&f->prompt_key, r->tmp.data);
		if (k[K_MSG].p == NULL)
			return SQLITE_OK;
		rc = user_line(r, o, k, at, side);
		return rc < 0 ? (depth == 0 ? -1 : SQLITE_OK) : rc;
	}
	if (depth > 0)
		return SQLITE_OK;
	if (jscan_streq(k[K_TYPE], "progress"))
		return progress(r, o, k[K_DATA]);
	/* A subagent's file has none; the main file's are the session's. */
	if (jscan_streq(k[K_TYPE], "cost-state"))
		return o->copy || f->agent ? SQLITE_OK : cost_state(r, f, line);
	if (jscan_streq(k[K_TYPE], "system")) {
		if (!jscan_streq(k[K_SUBTYPE], "turn_duration") || f->prompt_id == NULL ||
		    !jscan_int(k[K_DUR], &v) || v < 0)
			return SQLITE_OK;
		return store_turn_duration(&r->store, f->prompt_id, v);
	}
	/* Titles the client wrote: summary (old), ai-title, custom-title (/rename). */
	if (jscan_streq(k[K_TYPE], "summary") && decode(k[K_SUMMARY], &r->tmp) == 0 &&
	    r->tmp.len)
		title_candidate(r, r->tmp.data, "summary", 0);
	else if (jscan_streq(k[K_TYPE], "ai-title") && decode(k[K_AI], &r->tmp) == 0 &&
	    r->tmp.len)
		title_candidate(r, r->tmp.data, "ai", f->last_at);
	else if (jscan_streq(k[K_TYPE], "custom-title") && decode(k[K_CUSTOM], &r->tmp) == 0 &&
	    r->tmp.len)
		title_candidate(r, r->tmp.data, "custom", f->last_at);
	return SQLITE_OK;
}

/* -------------------------------------------------------------- files */

static int64_t
hash_range(int fd, int64_t from, int64_t to)
{
	char b[HASH_SPAN];
	ssize_t n;

	if (to - from > HASH_SPAN)
		from = to - HASH_SPAN;
	if (to <= from)
		return 0;
	n = pread(fd, b, (size_t)(to - from), from);
	if (n != to - from)
		return -1;
	return (int64_t)(fnv1a(FNV_SEED, b, (size_t)n) >> 1);
}

static int64_t
head_hash(int fd, int64_t offset)
{
	return hash_range(fd, 0, offset < HASH_SPAN ? offset : HASH_SPAN);
}

static void
state_reset(struct tfile *f)
{
	f->offset = f->lines = f->bad = 0;
	f->request_at = f->last_at = -1;
	set_str(&f->open_msg, NULL);
	set_str(&f->prompt_id, NULL);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t
col_int(sqlite3_stmt *st, int i, int64_t none)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? none : sqlite3_column_int64(st, i);
}

/*
 * Loads where the last read of f stopped, inside the transaction, and
 * checks that the bytes before that point are still the ones read: a file
 * that shrank, was replaced or was rewritten is read again from the start.
 */
static int
state_load(struct reader *r, struct tfile *f, int full)
{
	sqlite3_stmt *st;
	struct stat now;
	int rc, rewind = 0;

	state_reset(f);
	f->reads = f->rewinds = 0;
	/* The size now, not when the file was opened: a file that grew while
	 * it was read has not shrunk, and must not be read again. */
	if (fstat(f->fd, &now) == 0)
		f->st.st_size = now.st_size;
	if ((st = db_prepare(r->db, SQL_STATE_GET)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":path", f->path);
	f->fresh = 1;
	rc = db_step(r->db, st);
	if (rc == SQLITE_DONE)
		return SQLITE_OK;
	f->fresh = 0;
	if (rc != SQLITE_ROW)
		return rc;
	f->offset = col_int(st, 3, 0);
	f->lines = col_int(st, 6, 0);
	f->bad = col_int(st, 7, 0);
	set_str(&f->open_msg, col_text(st, 8));
	f->request_at = col_int(st, 9, -1);
	set_str(&f->prompt_id, col_text(st, 10));
	f->last_at = col_int(st, 11, -1);
	f->reads = col_int(st, 12, 0);
	f->rewinds = col_int(st, 13, 0);
	if (full)
		rewind = 1;
	else if (col_int(st, 0, -1) != (int64_t)f->st.st_dev ||
	    col_int(st, 1, -1) != (int64_t)f->st.st_ino || f->offset > f->st.st_size)
		rewind = 2;
	else if (f->offset > 0 && (col_int(st, 4, -2) != head_hash(f->fd, f->offset) ||
	    col_int(st, 5, -2) != hash_range(f->fd, 0, f->offset)))
		rewind = 2;
	db_reset(st);
	if (rewind) {
		int64_t reads = f->reads, rewinds = f->rewinds;

		state_reset(f);
		f->reads = reads;
		f->rewinds = rewinds + (rewind == 2);
		f->fresh = 1;
		r->st->rewinds += rewind == 2;
	}
	return SQLITE_OK;
}

static int
state_save(struct reader *r, struct tfile *f)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(r->db, SQL_STATE_PUT)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":path", f->path);
	db_bind_text(st, ":sid", r->sid);
	db_bind_text(st, ":agent", f->agent);
	db_bind_int(st, ":dev", (int64_t)f->st.st_dev);
	db_bind_int(st, ":ino", (int64_t)f->st.st_ino);
	db_bind_int(st, ":size", f->offset > f->st.st_size ? f->offset : (int64_t)f->st.st_size);
	db_bind_int(st, ":offset", f->offset);
	db_bind_int(st, ":head", head_hash(f->fd, f->offset));
	db_bind_int(st, ":tail", hash_range(f->fd, 0, f->offset));
	db_bind_int(st, ":lines", f->lines);
	db_bind_int(st, ":bad", f->bad);
	db_bind_text(st, ":open", f->open_msg);
	db_bind_known(st, ":req", f->request_at);
	db_bind_text(st, ":prompt", f->prompt_id);
	db_bind_known(st, ":last", f->last_at);
	db_bind_int(st, ":reads", f->reads);
	db_bind_int(st, ":rewinds", f->rewinds);
	db_bind_int(st, ":now", now_ms());
	return db_run(r->db, st);
}

/*
 * The session row, its title and its totals, counted from the rows. What
 * the lines said of the session (folder, branch, mode, version) was seen
 * from first_at on.
 */
static int
session_save(struct reader *r, const char *main_path, int refresh)
{
	struct store_session x = STORE_SESSION_INIT;
	int rc;

	x.id = r->sid;
	x.first_at = r->first_at;
	x.last_at = r->first_at >= 0 ? r->last_at : -1;
	x.cwd = r->cwd;
	x.git_branch = r->branch;
	x.client_version = r->version;
	x.permission_mode = r->perm;
	x.transcript_path = main_path;
	if ((rc = store_session(&r->store, &x)) != SQLITE_OK)
		return rc;
	if (r->title && (rc = store_title(&r->store, r->sid, r->title,
	    r->title_src, r->title_at)) != SQLITE_OK)
		return rc;
	if (!refresh || !r->recount)
		return SQLITE_OK;
	return store_recount(&r->store, r->sid);
}

/*
 * The session's bad_lines, from its files: also after a read that found
 * nothing but a bad line (an update only: it makes no session row).
 */
static int
bad_lines_save(struct reader *r)
{
	sqlite3_stmt *st;

	if (r->sid == NULL)
		return SQLITE_OK;
	if ((st = db_prepare(r->db, SQL_BAD_LINES)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", r->sid);
	return db_run(r->db, st);
}

static void
facts_clear(struct reader *r)
{
	set_str(&r->cwd, NULL);
	set_str(&r->branch, NULL);
	set_str(&r->version, NULL);
	set_str(&r->perm, NULL);
	set_str(&r->title, NULL);
	set_str(&r->title_src, NULL);
	r->first_at = r->last_at = -1;
}

static int
past_deadline(struct reader *r)
{
	return r->deadline_us > 0 && mono_us() >= r->deadline_us;
}

/*
 * The start of a turn, in the caller's transaction: the file's stored
 * state, the responses already met in it, and nothing yet of what the
 * lines say of the session. Returns a SQLite code.
 */
static int
turn_start(struct reader *r, struct tfile *f, int full)
{
	int rc;

	/* No PRAGMA defer_foreign_keys: ensure_session makes the session row
	 * before any row that names it, and a flag pragma expires every
	 * prepared statement (OP_Expire), so each turn compiled them all
	 * again (42% of an import's CPU time). */
	if ((rc = state_load(r, f, full)) != SQLITE_OK)
		return rc;
	if (f->offset == 0)
		strmap_release(&f->seen);
	else if (f->open_msg && f->seen.n == 0)
		strmap_put(&f->seen, f->open_msg, strlen(f->open_msg), 0);  /* its next line continues it */
	facts_clear(r);
	r->session_made = 0;
	return SQLITE_OK;
}

/*
 * One complete line of o->f, its newline left out, counted in the file's
 * and the read's figures (a blank line is not). A line longer than
 * LINE_MAX_BYTES (or *skipping, its bytes never buffered) and a line that is not
 * a JSON object are counted bad and skipped. Returns SQLITE_OK, also for
 * a bad line, or the SQLite code that ends the turn.
 */
static int
turn_line(struct reader *r, const struct origin *o, struct jspan line, int *skipping)
{
	struct tfile *f = o->f;
	const char *p = line.p, *e = line.p + line.n;
	int rc;

	if (*skipping || line.n > LINE_MAX_BYTES) {
		*skipping = 0;
		log_msg(LOG_WARN, "transcript", "%s: line %lld is longer than "
		    "%d MiB: skipped", f->path, (long long)f->lines + 1,
		    LINE_MAX_BYTES >> 20);
		f->bad++;
		r->st->bad++;
		f->lines++;
		r->st->lines++;
		return SQLITE_OK;
	}
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p == e)
		return SQLITE_OK;
	f->lines++;
	r->st->lines++;
	rc = entry(r, o, line, 0);
	if (rc < 0) {
		f->bad++;
		r->st->bad++;
		if (f->bad_logged++ < 5)
			log_msg(LOG_WARN, "transcript", "%s: line %lld is not "
			    "a JSON object: skipped", f->path, (long long)f->lines);
		return SQLITE_OK;
	}
	return rc;
}

/*
 * Moves the partial line from *at to the start of the read buffer (*at
 * becomes 0) and reads up to READ_SIZE bytes of the file at pos after it;
 * the caller counts them. Returns what pread returned.
 */
static ssize_t
turn_fill(struct reader *r, struct tfile *f, size_t *at, int64_t pos)
{
	struct buf *in = &r->in;

	if (*at > 0) {
		memmove(in->data, in->data + *at, in->len - *at);
		in->len -= *at;
		*at = 0;
	}
	buf_grow(in, READ_SIZE);
	return pread(f->fd, in->data + in->len, READ_SIZE, pos);
}

/*
 * The newline that ends the overlong line of f, looked for from pos with
 * no transaction open: a line of gigabytes holds no lock while it is
 * scanned, and the scan stops at the deadline. Uses r->in as scratch.
 * Returns the newline's offset; -1 at the end of the file (the line is not
 * complete yet) or on a read error; -2 past the deadline.
 */
static int64_t
scan_newline(struct reader *r, struct tfile *f, int64_t pos)
{
	struct buf *in = &r->in;

	in->len = 0;
	buf_grow(in, READ_SIZE);
	for (;;) {
		const char *nl;
		ssize_t n;

		if (past_deadline(r))
			return -2;
		n = pread(f->fd, in->data, READ_SIZE, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r->st->bytes += n;
		if ((nl = memchr(in->data, '\n', (size_t)n)) != NULL)
			return pos + (nl - in->data);
		pos += n;
	}
}

/*
 * The end of a turn that read something, in its transaction: the pending
 * response, the file's state and the session row written, and committed.
 * changes is the connection's count of changes when the turn began. Sets
 * r->dirty when the turn leaves the end-of-read save for a later one.
 * Returns a SQLite code; on an error the caller rolls back.
 */
static int
turn_save(struct reader *r, struct tfile *f, const char *main_path, int more,
    sqlite3_int64 changes)
{
	int rc, refresh;

	f->reads++;
	/* What comes once a file is read through (or time is up): its bad lines
	 * on the session, and with --full a count of the totals from scratch. */
	refresh = !more || past_deadline(r);
	if ((rc = flush_response(r, f)) != SQLITE_OK)
		return rc;
	/* An empty or useless file makes no session. */
	if (sqlite3_total_changes64(r->db->h) > changes || r->first_at >= 0 || r->dirty ||
	    r->title)
		r->session_seen = 1;
	if ((rc = state_save(r, f)) != SQLITE_OK ||
	    (r->session_seen && (rc = session_save(r, main_path, refresh)) != SQLITE_OK) ||
	    (refresh && (rc = bad_lines_save(r)) != SQLITE_OK))
		return rc;
	if ((rc = db_commit(r->db)) != SQLITE_OK)
		return rc;
	r->dirty = !refresh;
	return SQLITE_OK;
}

/*
 * One transaction: reads from the stored offset up to CHUNK_BYTES of
 * complete lines. *more is set when lines are left for another turn.
 */
static int
read_turn(struct reader *r, struct tfile *f, int full, const char *main_path, int *more)
{
	struct buf *in = &r->in;
	struct origin o = { f, 0, f->agent };
	int64_t pos, start_offset, budget_at, skip_nl = -1;
	size_t at = 0;
	int rc, skipping = 0;
	sqlite3_int64 changes;

	*more = 0;
	if (r->skip_file == f) {
		/* The last turn stopped at an overlong line: find its end first. */
		r->skip_file = NULL;
		r->buf_file = NULL;
		if ((skip_nl = scan_newline(r, f, r->skip_pos)) == -2)
			r->st->deferred = 1;
		if (skip_nl < 0)
			return SQLITE_OK;
	}
	r->db->deadline_us = r->deadline_us > 0 ? r->deadline_us : mono_us() + 60000000LL;
	if ((rc = db_begin(r->db)) != SQLITE_OK)
		return rc;
	if ((rc = turn_start(r, f, full)) != SQLITE_OK)
		goto fail;
	changes = sqlite3_total_changes64(r->db->h);
	start_offset = f->offset;
	if (skip_nl >= 0 && f->offset == r->skip_at) {
		/* Still where the scan began (no other reader moved it): the line
		 * is counted bad and the read goes on after its newline. */
		struct jspan none = { in->data, 0 };

		skipping = 1;
		if ((rc = turn_line(r, &o, none, &skipping)) != SQLITE_OK)
			goto fail;
		f->offset = skip_nl + 1;
	}
	budget_at = f->offset + CHUNK_BYTES;
	if (r->buf_file == f && r->buf_start == f->offset) {
		pos = f->offset + (int64_t)in->len;  /* the last turn read these */
	} else {
		pos = f->offset;
		in->len = 0;
	}
	r->buf_file = NULL;
	for (;;) {
		char *nl;
		ssize_t n;

		nl = in->len > at ? memchr(in->data + at, '\n', in->len - at) : NULL;
		if (nl) {
			size_t len = (size_t)(nl - (in->data + at));
			struct jspan line = { in->data + at, len };

			if ((rc = turn_line(r, &o, line, &skipping)) != SQLITE_OK)
				goto fail;
			at += len + 1;
			f->offset = pos - (int64_t)(in->len - at);
			if (f->offset >= budget_at || ((f->lines & 255) == 0 && past_deadline(r))) {
				*more = 1;
				break;
			}
			continue;
		}
		/* No newline in what is buffered: keep the partial line, read more;
		 * unless it is too long to keep (its newline is looked for outside
		 * the transaction) or time is up. */
		if (in->len - at >= LINE_MAX_BYTES) {
			r->skip_file = f;
			r->skip_at = f->offset;
			r->skip_pos = pos;
			*more = 1;
			break;
		}
		if (past_deadline(r)) {
			*more = 1;
			break;
		}
		n = turn_fill(r, f, &at, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;  /* EOF: a partial last line waits for the next read */
		in->len += (size_t)n;
		pos += n;
		r->st->bytes += n;
	}
	if (at > 0) {
		memmove(in->data, in->data + at, in->len - at);
		in->len -= at;
	}
	if (r->skip_file == f) {
		in->len = 0;
	} else {
		r->buf_file = f;
		r->buf_start = f->offset;
	}
	if (f->offset == start_offset && !f->fresh && !r->dirty) {
		/* Nothing new: nothing to write, and no transaction to commit. */
		db_rollback(r->db);
	} else if ((rc = turn_save(r, f, main_path, *more, changes)) != SQLITE_OK) {
		goto fail;
	}
	if (*more && past_deadline(r)) {
		r->st->deferred = 1;
		*more = 0;
	}
	return SQLITE_OK;
fail:
	r->pend.active = 0;
	r->buf_file = NULL;
	r->skip_file = NULL;
	db_rollback(r->db);
	*more = 0;
	return rc;
}

/* Opens a transcript file: a regular file, never waiting on a FIFO. */
static int
file_open(struct tfile *f, const char *path, char **err)
{
	char real[PATH_MAX];

	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (realpath(path, real) == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	f->path = xstrdup(real);
	if ((f->fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(f->fd, &f->st) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(f->st.st_mode)) {
		*err = xasprintf("%s: is a directory", path);
		return -1;
	}
	if (!S_ISREG(f->st.st_mode)) {
		*err = xasprintf("%s: not a regular file", path);
		return -1;
	}
	return 0;
}

static void
file_close(struct tfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->agent);
	free(f->open_msg);
	free(f->prompt_id);
	free(f->prompt_key);
	strmap_release(&f->seen);
}

static int
read_file(struct reader *r, struct tfile *f, int full, const char *main_path)
{
	int more, rc, first = 1;

	do {
		rc = read_turn(r, f, full && first, main_path, &more);
		first = 0;
	} while (rc == SQLITE_OK && more);
	r->buf_file = NULL;
	r->skip_file = NULL;
	r->st->files++;
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The .jsonl files under <session>/subagents/: regular files, in real
 * folders down to SUBAGENT_DEPTH (newer Claude Code versions write
 * subagents/workflows/<wf>/agent-*.jsonl). A symbolic link is neither
 * read nor followed: a link to another session's folder would bring its
 * responses into this one, a link to / would walk the machine.
 */
static void
find_subagents(const char *dir, int depth, char ***list, size_t *n)
{
	DIR *d;
	struct dirent *e;
	int fd;

	/* O_NOFOLLOW: subagents/ itself, or a folder swapped for a link after
	 * the lstat below, is not followed either. */
	if (depth > SUBAGENT_DEPTH ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char *p;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		p = path_join(dir, e->d_name);
		if (lstat(p, &st) < 0) {
			free(p);
		} else if (S_ISDIR(st.st_mode)) {
			find_subagents(p, depth + 1, list, n);
			free(p);
		} else if (len > 6 && strcmp(e->d_name + len - 6, ".jsonl") == 0 &&
		    S_ISREG(st.st_mode)) {
			*list = xrealloc(*list, (*n + 1) * sizeof **list);
			(*list)[(*n)++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
}

static char *
agent_from_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (strncmp(base, "agent-", 6) != 0 || n <= 12)
		return NULL;
	return xstrndup(base + 6, n - 6 - 6);
}

/*
 * The subagent files of the session whose main transcript is main_path
 * (<dir>/<session>.jsonl: they are in <dir>/<session>/subagents), sorted,
 * into *list (owned, each owned; NULL when none). Returns how many.
 */
size_t
transcript_subagents(const char *main_path, char ***list)
{
	size_t n = 0, len = strlen(main_path);
	char *base, *dir;

	*list = NULL;
	if (len <= 6 || strcmp(main_path + len - 6, ".jsonl") != 0)
		return 0;
	base = xstrndup(main_path, len - 6);
	dir = path_join(base, "subagents");
	free(base);
	find_subagents(dir, 0, list, &n);
	free(dir);
	if (n > 1)
		qsort(*list, n, sizeof **list, cmp_str);
	return n;
}


/*
 * The session a transcript names, owned, or NULL when it names none: its
 * file's name when that is a session id (Claude Code names each file
 * <session id>.jsonl, a fork's too, whose first lines are copied from
 * the session it forked), else the first top-level "sessionId" of its
 * first lines (up to 1 MiB), parsed as JSON, not found in the raw text (a
 * quoted "sessionId" inside a prompt, or an escaped quote in an id, gave a
 * bogus session).
 */
static char *
session_named(const struct tfile *f)
{
	size_t cap = 1 << 20;
	char *b;
	ssize_t n;
	const char *p, *end, *nl, *base;
	struct buf id = {0};
	struct jspan v;

	base = strrchr(f->path, '/');
	base = base ? base + 1 : f->path;
	if (strlen(base) == 42 && strcmp(base + 36, ".jsonl") == 0 && is_uuid(base, 36))
		return xstrndup(base, 36);
	b = xmalloc(cap);
	n = pread(f->fd, b, cap, 0);
	for (p = b, end = b + (n > 0 ? n : 0); p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;  /* a cut line: not one to trust */
		id.len = 0;
		if (jscan_get((struct jspan){ p, (size_t)(nl - p) }, "sessionId", &v) &&
		    jscan_str(v, &id) == 0 && id.len > 0 && id.len < 200 &&
		    strlen(id.data) == id.len) {
			free(b);
			return id.data;
		}
	}
	free(b);
	buf_release(&id);
	return NULL;
}

/* The file's name without its extension; owned. */
static char *
session_of_name(const struct tfile *f)
{
	const char *base = strrchr(f->path, '/'), *dot;

	base = base ? base + 1 : f->path;
	dot = strrchr(base, '.');
	return xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

/*
 * Brings a session up to date from its transcript at path and the subagent
 * files beside it. session_id may be NULL: the file says. Returns 0; -1
 * when path cannot be read (*err says why); or a SQLite code (db->err).
 */
int
transcript_update(struct db *db, const char *path, const char *session_id,
    int full, int64_t deadline_us, struct tstats *st, char **err)
{
	struct reader r = {0};
	struct tfile f;
	char *sid = NULL, **subs = NULL;
	size_t nsubs = 0, i;
	int rc;

	memset(st, 0, sizeof *st);
	*err = NULL;
	if (file_open(&f, path, err) < 0) {
		file_close(&f);
		return -1;
	}
	/*
	 * The rows of a file belong to the session the file names, whoever
	 * reads it first (a hook of another session, session-end with or
	 * without --session): else they would stay with the first reader and
	 * the others, reading on from its offset, get none. The caller's id
	 * counts only when the file names none.
	 */
	if ((sid = session_named(&f)) != NULL && session_id &&
	    strcmp(sid, session_id) != 0)
		log_msg(LOG_WARN, "transcript", "transcript %s is session %s's, not "
		    "%s's: read into %s", f.path, sid, session_id, sid);
	if (sid == NULL)
		sid = session_id ? xstrdup(session_id) : session_of_name(&f);
	snprintf(st->session, sizeof st->session, "%s", sid);
	store_prices(db, NULL);
	/* A long read touches many pages of the indexes: 8 MiB of cache. */
	sqlite3_exec(db->h, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
	r.db = db;
	r.store.db = db;
	r.store.source = SOURCE_CLAUDE;
	r.sid = sid;
	r.deadline_us = deadline_us;
	r.recount = full;
	r.st = st;
	r.first_at = r.last_at = -1;
	rc = read_file(&r, &f, full, f.path);

	if (rc == SQLITE_OK && !st->deferred)
		nsubs = transcript_subagents(f.path, &subs);
	for (i = 0; i < nsubs && rc == SQLITE_OK && !st->deferred; i++) {
		struct tfile sf;
		char *why = NULL;

		if (file_open(&sf, subs[i], &why) == 0) {
			sf.agent = agent_from_name(sf.path);
			rc = read_file(&r, &sf, full, f.path);
		} else {
			log_msg(LOG_WARN, "transcript", "subagent transcript skipped: %s", why);
			st->bad++;
		}
		free(why);
		file_close(&sf);
	}
	for (i = 0; i < nsubs; i++)
		free(subs[i]);
	free(subs);
	file_close(&f);
	facts_clear(&r);
	buf_release(&r.in);
	buf_release(&r.text);
	buf_release(&r.tmp);
	buf_release(&r.key);
	buf_release(&r.out);
	pending_release(&r.pend);
	free(sid);
	return rc;
}

static void
put_count(const char *label, sqlite3_stmt *st, int col)
{
	char digits[32], out[48];
	int n, i, j = 0;

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		printf("%s unknown", label);
		return;
	}
	n = snprintf(digits, sizeof digits, "%lld", (long long)sqlite3_column_int64(st, col));
	for (i = 0; i < n; i++) {
		if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
	printf("%s %s", label, out);
}

static const char SQL_SUMMARY[] =
	"SELECT title, models, message_count, tool_call_count, input_tokens,"
	" output_tokens, cache_creation_input_tokens, cache_read_input_tokens,"
	" cost_usd, (SELECT count(*) FROM messages WHERE session_id = :sid"
	"   AND role = 'user'),"
	/* Which models have no price: looked for only when some response has
	 * none (a pass over all the session's responses otherwise). */
	" CASE WHEN unpriced_responses > 0 THEN"
	"   (SELECT group_concat(DISTINCT COALESCE(model, '(no model)')) FROM messages"
	"   WHERE session_id = :sid"
	"   AND role = 'assistant' AND cost_usd IS NULL) END"
	" FROM sessions WHERE id = :sid";

static const char SQL_TRANSCRIPT_OF[] =
	"SELECT transcript_path FROM sessions WHERE id = :sid";

static const char SQL_CLIENT_COST[] =
	"SELECT client_cost_usd, coalesce(cost_usd, 0) FROM sessions WHERE id = :sid"
	" AND abs(client_cost_usd - coalesce(cost_usd, 0)) >= 0.0000005";

static void
session_end_usage(FILE *f)
{
	fprintf(f, "usage: clankers session-end --transcript PATH [--session ID] [--full]\n"
	    "       clankers session-end --session ID [--full]\n");
}

/*
 * The transcript the session's row names (SQL_TRANSCRIPT_OF): owned, or
 * NULL when there is none or it cannot be read.
 */
static char *
transcript_of(struct db *db, const char *sid)
{
	sqlite3_stmt *st;
	char *stored = NULL;

	if ((st = db_prepare(db, SQL_TRANSCRIPT_OF)) != NULL) {
		db_bind_text(st, ":sid", sid);
		if (db_step(db, st) == SQLITE_ROW) {
			if (sqlite3_column_text(st, 0))
				stored = xstrdup((const char *)sqlite3_column_text(st, 0));
			db_reset(st);
		}
	}
	return stored;
}

/*
 * Prints what session sid holds after the read ts (SQL_SUMMARY), or that
 * nothing is recorded; nothing when the query cannot be prepared.
 */
static void
session_end_print(struct db *db, const char *sid, const struct tstats *ts)
{
	sqlite3_stmt *st;
	char *id = table_escape(sid), *t;

	if ((st = db_prepare(db, SQL_SUMMARY)) == NULL) {
		free(id);
		return;
	}
	db_bind_text(st, ":sid", sid);
	if (db_step(db, st) != SQLITE_ROW) {
		printf("session %s: nothing recorded (%lld lines read, %lld bad)\n", id,
		    (long long)ts->lines, (long long)ts->bad);
		free(id);
		return;
	}
	printf("session %s\n", id);
	free(id);
	printf("  read: %d file%s, %lld new lines, %lld bytes, %lld bad%s\n", ts->files,
	    ts->files == 1 ? "" : "s", (long long)ts->lines, (long long)ts->bytes,
	    (long long)ts->bad, ts->rewinds ? ", changed files read again" : "");
	/* Titles, models and ids are the agent's text: escaped (table.c). */
	if (sqlite3_column_text(st, 0)) {
		printf("  title: %s\n", t = table_escape((const char *)sqlite3_column_text(st, 0)));
		free(t);
	}
	if (sqlite3_column_text(st, 1)) {
		printf("  models: %s\n", t = table_escape((const char *)sqlite3_column_text(st, 1)));
		free(t);
	}
	printf("  ");
	put_count("messages", st, 2);
	put_count(" (prompts", st, 9);
	printf("),");
	put_count(" tool calls", st, 3);
	printf("\n  tokens:");
	put_count(" input", st, 4);
	put_count(", output", st, 5);
	put_count(", cache write", st, 6);
	put_count(", cache read", st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		printf(sqlite3_column_double(st, 8) >= 1 ? "\n  cost: $%.2f\n" :
		    "\n  cost: $%.4f\n", sqlite3_column_double(st, 8));
	else if (sqlite3_column_text(st, 10)) {
		printf("\n  cost: unknown (no price for %s)\n",
		    t = table_escape((const char *)sqlite3_column_text(st, 10)));
		free(t);
	} else
		printf("\n  cost: unknown (no responses)\n");
	db_reset(st);
	/* The client's own total (cost-state, 2.1.332), where it says more. */
	if ((st = db_prepare(db, SQL_CLIENT_COST)) == NULL)
		return;
	db_bind_text(st, ":sid", sid);
	if (db_step(db, st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		printf("  the client's own cost: $%.6f against $%.6f from the responses"
		    " (it counts calls no response records)\n",
		    sqlite3_column_double(st, 0), sqlite3_column_double(st, 1));
	db_reset(st);
}

/*
 * Reads the transcript at path (and its subagents) into session sid, or
 * the one the file names when NULL, filling *ts, and logs one line of
 * what was read. EXIT_OK, also with bad lines (said on stderr), or
 * EXIT_FAIL reported.
 */
static int
session_end_read(struct db *db, const char *path, const char *sid, int full,
    struct tstats *ts)
{
	char *err = NULL;
	cJSON *rec;
	int rc;

	rec = log_new(LOG_INFO, "session-end", "");
	cJSON_AddStringToObject(rec, "transcript", path);
	rc = transcript_update(db, path, sid, full, 0, ts, &err);
	cJSON_AddNumberToObject(rec, "files", ts->files);
	cJSON_AddNumberToObject(rec, "lines", (double)ts->lines);
	cJSON_AddNumberToObject(rec, "bytes", (double)ts->bytes);
	cJSON_AddNumberToObject(rec, "bad_lines", (double)ts->bad);
	if (rc != 0) {
		const char *why = rc < 0 ? err : db->err ? db->err : "database error";

		error("session-end: %s", why);
		log_set_level(rec, LOG_ERROR);
		log_set_message(rec, "transcript not read");
		log_set_error(rec, why);
		log_write(rec);
		free(err);
		return EXIT_FAIL;
	}
	if (ts->bad) {
		error("session-end: %s: %lld line%s could not be read (skipped; see the log)",
		    path, (long long)ts->bad, ts->bad == 1 ? "" : "s");
		log_set_level(rec, LOG_WARN);
	}
	log_set_message(rec, "transcript read");
	log_write(rec);
	free(err);
	return EXIT_OK;
}

/*
 * clankers session-end: brings one session fully up to date from its
 * transcript (and its subagent files), and says what it holds. Running it
 * again reads nothing new and changes nothing; --full reads every file
 * from the start, and gives the same rows.
 */
int
cmd_session_end(int argc, char **argv, struct ctx *ctx)
{
	const char *path = NULL, *sid = NULL;
	char *stored = NULL;
	struct db db = {0};
	struct tstats ts;
	int i, full = 0, rc, status;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--transcript") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--transcript=", 13) == 0)
			path = argv[i] + 13;
		else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc)
			sid = argv[++i];
		else if (strncmp(argv[i], "--session=", 10) == 0)
			sid = argv[i] + 10;
		else if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			session_end_usage(stdout);
			return EXIT_OK;
		} else {
			error("session-end: unknown option: %s", argv[i]);
			session_end_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (path == NULL && sid == NULL) {
		error("session-end: give --transcript PATH or --session ID");
		session_end_usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = db_open(&db, ctx->db_path, 10000)) != SQLITE_OK) {
		error("session-end: %s", db.err ? db.err : "cannot open the database");
		db_close(&db);
		return EXIT_FAIL;
	}
	if (path == NULL) {
		if ((stored = transcript_of(&db, sid)) == NULL) {
			error("session-end: session %s: no transcript known; give --transcript PATH", sid);
			db_close(&db);
			return EXIT_FAIL;
		}
		path = stored;
	}
	store_prices(&db, ctx->root);
	if ((status = session_end_read(&db, path, sid, full, &ts)) == EXIT_OK) {
		sid = ts.session;  /* the one read into: the file's, when it names one */
		session_end_print(&db, sid, &ts);
	}
	free(stored);
	db_close(&db);
	return status;
}
