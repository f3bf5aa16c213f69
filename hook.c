/*
 * hook.c: `clankers hook EVENT < payload.json`, the command each agent hook
 * execs. Reads the payload to EOF, repairs what would make a JSON parser
 * drop it (invalid UTF-8, lone surrogate escapes), stores the event in one
 * transaction, or keeps it in the spool when the database cannot be written
 * in the time budget, and writes one log line. It prints nothing on stdout
 * and exits 0 (stored or spooled) or 1 (neither), never 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#define BUDGET_MS_DEFAULT 1000
#define HEAD_BYTES 256  /* of a payload that cannot be used, for the log */

/* Frees what r holds and zeroes it; r itself is the caller's. */
void
receipt_release(struct receipt *r)
{
	free(r->event);
	free(r->invocation);
	free(r->project_dir);
	memset(r, 0, sizeof *r);
}

/* Notes a field of the wrong type once in the log record. */
static void
bad_field(struct hook *h, const char *name)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(h->log, "bad_fields");
	const cJSON *it;

	if (list == NULL)
		list = cJSON_AddArrayToObject(h->log, "bad_fields");
	cJSON_ArrayForEach(it, list)
		if (strcmp(it->valuestring, name) == 0)
			return;
	cJSON_AddItemToArray(list, cJSON_CreateString(name));
	h->warned = 1;
}

/*
 * The string field name of obj, borrowed; NULL when absent, null, or of
 * another type (which is noted for the log: never reject a whole event for
 * one odd field).
 */
const char *
hook_str(struct hook *h, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		bad_field(h, name);
		return NULL;
	}
	return v->valuestring;
}

/* An integral number field into *out; 1 when there is one. */
int
hook_num(struct hook *h, const cJSON *obj, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	/* valuedouble, not valueint: valueint is clamped to int. */
	if (!cJSON_IsNumber(v) || v->valuedouble < -9e15 || v->valuedouble > 9e15) {
		bad_field(h, name);
		return 0;
	}
	*out = (int64_t)v->valuedouble;
	return 1;
}

/* A boolean field into *out; 1 when there is one (wrong types noted). */
int
hook_bool(struct hook *h, const cJSON *obj, const char *name, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		bad_field(h, name);
		return 0;
	}
	*out = cJSON_IsTrue(v);
	return 1;
}

/*
 * Parses a payload. data must be NUL-terminated; it is written: escapes
 * that would lose the event or cut a string are rewritten in place. Returns
 * an owned object, or NULL with *err set to a static message; *err is also
 * set (a warning) when text follows the object.
 */
cJSON *
hook_parse(char *data, size_t n, const char **err)
{
	const char *end = NULL;
	cJSON *root;
	size_t i;

	*err = NULL;
	for (i = 0; i < n && (data[i] == ' ' || data[i] == '\n' ||
	    data[i] == '\r' || data[i] == '\t'); i++)
		;
	if (i == n) {
		*err = "empty payload";
		return NULL;
	}
	json_fix_escapes(data, n);
	root = cJSON_ParseWithLengthOpts(data, n, &end, 0);
	if (root == NULL) {
		*err = "malformed JSON";
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*err = "payload is not a JSON object";
		return NULL;
	}
	/* Text after the object: keep the event, tell the caller (a warning). */
	for (i = (size_t)(end - data); i < n && (data[i] == ' ' ||
	    data[i] == '\n' || data[i] == '\r' || data[i] == '\t'); i++)
		;
	if (i < n)
		*err = "text after the JSON object ignored";
	return root;
}

static const char SQL_HOOK_EVENT[] =
	"INSERT INTO hook_events (invocation, session_id, source, event,"
	" tool_use_id, agent_id, prompt_id, known, spooled, received_at)"
	" VALUES (:invocation, :sid, :source, :event, :tool_use_id, :agent_id,"
	" :prompt_id, :known, :spooled, :now)"
	" ON CONFLICT(invocation) DO NOTHING";

/*
 * Stores one event in one BEGIN IMMEDIATE ... COMMIT. An invocation already
 * stored (a spool file ingested twice) changes nothing. log receives the
 * fields the handlers add. Returns a SQLite result code; on failure nothing
 * of the event is written.
 */
int
hook_store(struct db *db, const struct receipt *r, cJSON *payload, cJSON *log)
{
	struct hook h = { db, r, payload, NULL, log, 0 };
	sqlite3_stmt *st;
	int rc;

	h.session_id = hook_str(&h, payload, "session_id");
	if ((rc = db_begin(db)) != SQLITE_OK)
		return rc;
	if ((st = db_prepare(db, SQL_HOOK_EVENT)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_text(st, ":invocation", r->invocation);
	db_bind_text(st, ":sid", h.session_id);
	db_bind_text(st, ":source", "claude-code");
	db_bind_text(st, ":event", r->event);
	db_bind_text(st, ":tool_use_id", hook_str(&h, payload, "tool_use_id"));
	db_bind_text(st, ":agent_id", hook_str(&h, payload, "agent_id"));
	db_bind_text(st, ":prompt_id", hook_str(&h, payload, "prompt_id"));
	db_bind_int(st, ":known", claude_known_event(r->event));
	db_bind_int(st, ":spooled", r->spooled);
	db_bind_int(st, ":now", r->received_at);
	if ((rc = db_run(db, st)) != SQLITE_OK)
		goto fail;
	if (sqlite3_changes(db->h) == 0) {
		cJSON_AddBoolToObject(log, OUTCOME_DUPLICATE, 1);
		db_rollback(db);
		return SQLITE_OK;
	}
	if ((rc = claude_store(&h)) != SQLITE_OK)
		goto fail;
	if (h.warned)
		log_set_level(log, LOG_WARN);
	return db_commit(db);
fail:
	db_rollback(db);
	return rc;
}

/*
 * Stop, SubagentStop, PreCompact and SessionEnd bring the session up to
 * date from its transcript, after the event itself is stored. What cannot
 * be read before the deadline is read by the next one: the file stays.
 */
void
hook_transcript(struct db *db, const char *root, const char *event,
    cJSON *payload, int64_t deadline_us, cJSON *log)
{
	static const char *const events[] = { "Stop", "SubagentStop", "PreCompact",
	    "SessionEnd" };
	const char *path, *sid;
	struct tstats ts;
	struct stat st;
	char *err = NULL;
	cJSON *o;
	size_t i;
	int rc;

	for (i = 0; i < sizeof events / sizeof *events; i++)
		if (strcmp(event, events[i]) == 0)
			break;
	if (i == sizeof events / sizeof *events)
		return;
	path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "transcript_path"));
	sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "session_id"));
	if (path == NULL || *path == '\0' || sid == NULL)
		return;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		/* Not written yet, or already cleaned up: nothing to read. */
		cJSON_AddStringToObject(log, "transcript", "missing");
		return;
	}
	transcript_prices(root);
	rc = transcript_update(db, path, sid, 0, deadline_us, &ts, &err);
	o = cJSON_AddObjectToObject(log, "transcript");
	cJSON_AddNumberToObject(o, "files", ts.files);
	cJSON_AddNumberToObject(o, "lines", (double)ts.lines);
	cJSON_AddNumberToObject(o, "bytes", (double)ts.bytes);
	if (ts.bad) {
		cJSON_AddNumberToObject(o, "bad_lines", (double)ts.bad);
		log_set_level(log, LOG_WARN);
	}
	if (ts.rewinds)
		cJSON_AddNumberToObject(o, "rewinds", ts.rewinds);
	if (ts.deferred || (rc > 0 && (rc & 0xff) == SQLITE_BUSY))
		cJSON_AddBoolToObject(o, "deferred", 1);  /* the next read goes on */
	else if (rc != 0) {
		cJSON_AddStringToObject(o, "error", rc < 0 ? err : db->err ? db->err :
		    "database error");
		log_set_level(log, LOG_WARN);
	}
	free(err);
}

static int
budget_ms(void)
{
	const char *s = getenv("CLANKERS_TIMEOUT_MS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : BUDGET_MS_DEFAULT;
}

/* Rejects a payload that cannot be used: stderr, an error log line, exit 1. */
static int
reject(cJSON *rec, const char *event, const char *why, const char *data, size_t n)
{
	size_t keep = utf8_cut(data, n, HEAD_BYTES);

	if (event[0] == '\0')
		event = "(no event)";
	error("hook %s: %s: event not recorded", event, why);
	log_set_level(rec, LOG_ERROR);
	log_set_message(rec, "%s rejected", event);
	cJSON_AddStringToObject(rec, "outcome", OUTCOME_REJECTED);
	log_set_error(rec, why);
	cJSON_AddNumberToObject(rec, "payload_bytes", (double)n);
	if (n > 0) {
		char *head = xstrndup(data, keep);

		cJSON_AddStringToObject(rec, "payload_head", head);
		free(head);
	}
	return EXIT_FAIL;
}

int
cmd_hook(int argc, char **argv, struct ctx *ctx)
{
	struct receipt r = {0};
	struct buf in = {0};
	struct db db = {0};
	cJSON *payload = NULL, *rec;
	const char *sid, *tpath, *named;
	char *text;
	char inv[33], *clean;
	const char *err = NULL;
	size_t n, cleanlen;
	struct stat st;
	int rc, budget, status = EXIT_OK;

	r.received_at = now_ms();
	random_hex(inv, 16);
	r.invocation = xstrdup(inv);
	r.transcript_size = -1;
	r.event = xstrdup(argc >= 2 ? argv[1] : "");
	rec = log_new(LOG_INFO, "hook", "");
	cJSON_AddStringToObject(rec, "event", r.event);
	cJSON_AddStringToObject(rec, "source", "claude-code");
	cJSON_AddStringToObject(rec, "invocation", r.invocation);
	if (argc > 2) {
		/* Exit 1, never EXIT_USAGE: a hook may exit only 0 or 1. */
		status = reject(rec, r.event, "extra arguments: usage: clankers "
		    "[--data-root DIR] [--db PATH] hook [EVENT] < payload.json", "", 0);
		goto out;
	}

	if (isatty(STDIN_FILENO)) {
		status = reject(rec, r.event, "no payload: stdin is a terminal", "", 0);
		goto out;
	}
	if (buf_read_fd(&in, STDIN_FILENO) < 0) {
		char *why = xasprintf("cannot read stdin: %s", strerror(errno));

		status = reject(rec, r.event, why, "", 0);
		free(why);
		goto out;
	}
	buf_add(&in, "", 0);  /* never NULL, always NUL-terminated */
	text = in.data;
	n = in.len;
	if ((clean = utf8_clean(text, n, &cleanlen)) != NULL) {
		cJSON_AddBoolToObject(rec, "invalid_utf8", 1);
		buf_release(&in);
		in.data = clean;
		in.len = in.cap = cleanlen;
		text = clean;
		n = cleanlen;
	}
	if ((payload = hook_parse(text, n, &err)) == NULL) {
		status = reject(rec, r.event, err, text, n);
		goto out;
	}
	if (err) {
		log_set_level(rec, LOG_WARN);
		cJSON_AddStringToObject(rec, "warning", err);
	}
	named = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "hook_event_name"));
	if (r.event[0] == '\0' && named) {
		free(r.event);
		r.event = xstrdup(named);
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "event",
		    cJSON_CreateString(r.event));
	}
	if (r.event[0] == '\0') {
		status = reject(rec, r.event, "no event name: give it as an argument "
		    "or in hook_event_name", text, n);
		goto out;
	}
	sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "session_id"));
	if (sid == NULL || sid[0] == '\0') {
		status = reject(rec, r.event, cJSON_GetObjectItemCaseSensitive(payload,
		    "session_id") ? "session_id is not a non-empty string" :
		    "no session_id", text, n);
		goto out;
	}
	cJSON_AddStringToObject(rec, "session_id", sid);
	tpath = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "transcript_path"));
	if (tpath && stat(tpath, &st) == 0 && S_ISREG(st.st_mode))
		r.transcript_size = (int64_t)st.st_size;
	if (getenv("CLAUDE_PROJECT_DIR") && *getenv("CLAUDE_PROJECT_DIR"))
		r.project_dir = xstrdup(getenv("CLAUDE_PROJECT_DIR"));

	budget = budget_ms();
	rc = db_open(&db, ctx->db_path, budget);
	if (rc == SQLITE_OK) {
		/* Half the budget at most, so that this event keeps its time. */
		spool_ingest(&db, ctx->root, mono_us() + budget * 500LL);
		rc = hook_store(&db, &r, payload, rec);
		if (rc == SQLITE_OK)
			hook_transcript(&db, ctx->root, r.event, payload,
			    ctx->start_us + budget * 1000LL, rec);
	}
	if (rc == SQLITE_OK) {
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_STORED);
		log_set_message(rec, "%s stored", r.event);
	} else if (spool_write(ctx->root, &r, text, n) == 0) {
		/* Not lost: the next invocation that can write ingests it. */
		error("hook %s: %s: event spooled", r.event, db.err ? db.err : "database unavailable");
		log_set_level(rec, LOG_WARN);
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_SPOOLED);
		log_set_message(rec, "%s spooled", r.event);
		log_set_error(rec, db.err ? db.err : "database unavailable");
	} else {
		char *why = xasprintf("%s; spool: %s", db.err ? db.err :
		    "database unavailable", strerror(errno));

		error("hook %s: %s: event lost", r.event, why);
		log_set_level(rec, LOG_ERROR);
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_LOST);
		log_set_message(rec, "%s lost", r.event);
		log_set_error(rec, why);
		free(why);
		status = EXIT_FAIL;
	}
out:
	db_close(&db);
	cJSON_AddNumberToObject(rec, "duration_us", (double)(mono_us() - ctx->start_us));
	log_write(rec);
	cJSON_Delete(payload);
	buf_release(&in);
	receipt_release(&r);
	return status;
}
