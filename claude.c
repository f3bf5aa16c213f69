/*
 * claude.c: Claude Code hook events to rows. Every event creates or
 * refreshes its session; tool events upsert the tool row named by
 * tool_use_id; StopFailure, PreCompact and PostCompact add one row each.
 * All writes are idempotent and order-free: any order or repetition of
 * events leaves the same rows (times are the earliest or latest seen, never
 * the last written). Runs inside the caller's transaction and reads no
 * transcript.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define SOURCE "claude-code"
#define OUTPUT_LIMIT_DEFAULT 65536

/* Every event name of Claude Code's HOOK_EVENTS (SDK 0.3.330, CLI 2.1.330). */
static const char *const known_events[] = {
	"SessionStart", "Setup", "UserPromptSubmit", "UserPromptExpansion",
	"PreToolUse", "PermissionRequest", "PermissionDenied", "PostToolUse",
	"PostToolUseFailure", "PostToolBatch", "Notification", "MessageDisplay",
	"SubagentStart", "SubagentStop", "TaskCreated", "TaskCompleted", "Stop",
	"StopFailure", "TeammateIdle", "InstructionsLoaded", "ConfigChange",
	"CwdChanged", "DirectoryAdded", "FileChanged", "WorktreeCreate",
	"WorktreeRemove", "PreCompact", "PostCompact", "PreModelSwitch",
	"PostModelSwitch", "Elicitation", "ElicitationResult", "SessionEnd",
};

/* 1 when event is a name Claude Code documents, known or not to us. */
int
claude_known_event(const char *event)
{
	size_t i;

	for (i = 0; i < sizeof known_events / sizeof *known_events; i++)
		if (strcmp(event, known_events[i]) == 0)
			return 1;
	return 0;
}

/* The idx-th of those names, in the order above; NULL past the last. */
const char *
claude_event(size_t idx)
{
	return idx < sizeof known_events / sizeof *known_events ?
	    known_events[idx] : NULL;
}

static const char SQL_SESSION_PROJECT[] =
	"SELECT project_name FROM sessions WHERE id = :id";

/*
 * Fields an event does not carry are bound NULL and leave the stored value
 * alone. "Latest" fields take the value of the most recently received event,
 * so a replayed old event cannot roll them back.
 */
/* Only SessionStart carries these: the latest SessionStart's value wins. */
#define LATEST_START(col) \
	" " col " = CASE WHEN excluded." col " IS NOT NULL AND (sessions." col \
	" IS NULL OR excluded.updated_at >= COALESCE(sessions.last_start_at, 0))" \
	" THEN excluded." col " ELSE sessions." col " END,"

/* Fields most events carry: the most recently received event's value. */
#define LATEST(col) \
	" " col " = CASE WHEN excluded." col " IS NOT NULL AND (sessions." col \
	" IS NULL OR excluded.updated_at >= sessions.updated_at)" \
	" THEN excluded." col " ELSE sessions." col " END,"

/*
 * Which title wins: a rank by source (a prompt, the client's summary or
 * AI title, the client's session_title, the user's /rename), then within a
 * rank the earliest prompt or the latest of the others.
 */
#define TITLE_RANK(s) "(CASE " s " WHEN 'prompt' THEN 1 WHEN 'client' THEN 3" \
	" WHEN 'custom' THEN 4 ELSE 2 END)"

static const char SQL_TITLE[] =
	"UPDATE sessions SET title = :title, title_source = :src, title_at = :at"
	" WHERE id = :sid AND (title IS NULL OR " TITLE_RANK(":src") " > "
	TITLE_RANK("title_source") " OR (" TITLE_RANK(":src") " = "
	TITLE_RANK("title_source") " AND CASE WHEN :src = 'prompt'"
	" THEN :at < title_at ELSE :at >= title_at END))";

static const char SQL_SESSION[] =
	"INSERT INTO sessions (id, source, project_path,"
	" project_name, repo_root, git_branch, cwd, hostname, model,"
	" permission_mode, transcript_path, start_source, agent_type,"
	" last_event, created_at, updated_at)"
	" VALUES (:id, '" SOURCE "', :project_path,"
	" :project_name, :repo_root, :git_branch, :cwd, :hostname, :model,"
	" :permission_mode, :transcript_path, :start_source, :agent_type,"
	" :event, :now, :now)"
	" ON CONFLICT(id) DO UPDATE SET"
	" project_path = COALESCE(sessions.project_path, excluded.project_path),"
	" project_name = COALESCE(sessions.project_name, excluded.project_name),"
	" repo_root = COALESCE(sessions.repo_root, excluded.repo_root),"
	" git_branch = COALESCE(sessions.git_branch, excluded.git_branch),"
	" hostname = COALESCE(sessions.hostname, excluded.hostname),"
	" start_source = COALESCE(sessions.start_source, excluded.start_source),"
	LATEST("cwd")
	LATEST("permission_mode")
	LATEST("transcript_path")
	LATEST_START("model")
	LATEST_START("agent_type")
	" last_event = CASE WHEN excluded.updated_at >= sessions.updated_at"
	"   THEN excluded.last_event ELSE sessions.last_event END,"
	" created_at = MIN(sessions.created_at, excluded.created_at),"
	" updated_at = MAX(sessions.updated_at, excluded.updated_at)";

static const char SQL_SESSION_START[] =
	"UPDATE sessions SET last_start_at = MAX(COALESCE(last_start_at, 0), :now)"
	" WHERE id = :id";

static const char SQL_SESSION_END[] =
	"UPDATE sessions SET"
	" end_reason = CASE WHEN :now >= COALESCE(last_end_at, 0)"
	"   THEN COALESCE(:reason, end_reason) ELSE end_reason END,"
	" last_end_at = MAX(COALESCE(last_end_at, 0), :now)"
	" WHERE id = :id";

/* A session is ended when its latest end is not older than its latest start. */
static const char SQL_SESSION_STATUS[] =
	"UPDATE sessions SET"
	" status = CASE WHEN last_end_at >= COALESCE(last_start_at, 0)"
	"   THEN 'ended' ELSE 'active' END,"
	" ended_at = CASE WHEN last_end_at >= COALESCE(last_start_at, 0)"
	"   THEN last_end_at END"
	" WHERE id = :id";

static const char SQL_TOOL_START[] =
	"INSERT INTO tools (id, session_id, source, agent_id, tool_name,"
	" tool_input, file_path, status, started_at, created_at)"
	" VALUES (:id, :sid, '" SOURCE "', :agent_id, :name, :input, :file_path,"
	" 'running', :now, :now)"
	" ON CONFLICT(id) DO UPDATE SET"
	" agent_id = COALESCE(tools.agent_id, excluded.agent_id),"
	" tool_name = COALESCE(tools.tool_name, excluded.tool_name),"
	" tool_input = COALESCE(tools.tool_input, excluded.tool_input),"
	" file_path = COALESCE(tools.file_path, excluded.file_path),"
	" started_at = CASE WHEN excluded.started_at > tools.ended_at"
	"   THEN tools.started_at ELSE MIN(COALESCE(tools.started_at,"
	"   excluded.started_at), excluded.started_at) END,"
	" created_at = MIN(tools.created_at, excluded.created_at)";

/*
 * An error from any Post event wins over success, so their order cannot
 * matter; an error PostToolBatch inferred (not_run) gives way to a real
 * Post. A start received after the end tells nothing (both hooks of one
 * call started in the other order): it is dropped, whichever came first.
 */
#define TOOL_FAILED "(excluded.status = 'error' OR (tools.status = 'error'" \
	" AND tools.not_run = 0))"

static const char SQL_TOOL_END[] =
	"INSERT INTO tools (id, session_id, source, agent_id, tool_name,"
	" tool_input, file_path, status, success, tool_output, tool_output_bytes,"
	" tool_output_truncated, error_message, is_interrupt, ended_at,"
	" reported_duration_ms, created_at)"
	" VALUES (:id, :sid, '" SOURCE "', :agent_id, :name, :input, :file_path,"
	" :status, :status = 'ok', :output, :output_bytes, :truncated, :error,"
	" :interrupt, :now, :duration, :now)"
	" ON CONFLICT(id) DO UPDATE SET"
	" agent_id = COALESCE(tools.agent_id, excluded.agent_id),"
	" tool_name = COALESCE(tools.tool_name, excluded.tool_name),"
	" tool_input = COALESCE(tools.tool_input, excluded.tool_input),"
	" file_path = COALESCE(tools.file_path, excluded.file_path),"
	" status = CASE WHEN " TOOL_FAILED " THEN 'error' ELSE 'ok' END,"
	" success = CASE WHEN " TOOL_FAILED " THEN 0 ELSE 1 END,"
	" not_run = 0,"
	" tool_output = COALESCE(excluded.tool_output, tools.tool_output),"
	" tool_output_bytes = CASE WHEN excluded.tool_output IS NOT NULL"
	"   THEN excluded.tool_output_bytes ELSE tools.tool_output_bytes END,"
	" tool_output_truncated = CASE WHEN excluded.tool_output IS NOT NULL"
	"   THEN excluded.tool_output_truncated ELSE tools.tool_output_truncated END,"
	" error_message = CASE WHEN tools.not_run THEN excluded.error_message"
	"   ELSE COALESCE(excluded.error_message, tools.error_message) END,"
	" is_interrupt = COALESCE(excluded.is_interrupt, tools.is_interrupt),"
	" ended_at = MIN(COALESCE(tools.ended_at, excluded.ended_at),"
	"   excluded.ended_at),"
	" started_at = CASE WHEN tools.started_at > excluded.ended_at THEN NULL"
	"   ELSE tools.started_at END,"
	" reported_duration_ms = COALESCE(excluded.reported_duration_ms,"
	"   tools.reported_duration_ms),"
	" created_at = MIN(tools.created_at, excluded.created_at)";

/*
 * PostToolBatch lists every call of a model turn once all are resolved. A
 * call still running then (or never seen) got no PostToolUse nor
 * PostToolUseFailure: it never ran (permission denied, invalid input,
 * cancelled), and what the model was told is the reason. Marked not_run,
 * so that a real Post arriving late still wins.
 */
static const char SQL_TOOL_NOT_RUN[] =
	"INSERT INTO tools (id, session_id, source, tool_name, tool_input,"
	" file_path, status, success, error_message, not_run, ended_at, created_at)"
	" VALUES (:id, :sid, '" SOURCE "', :name, :input, :file_path, 'error', 0,"
	" :error, 1, :now, :now)"
	" ON CONFLICT(id) DO UPDATE SET status = 'error', success = 0, not_run = 1,"
	" error_message = COALESCE(tools.error_message, excluded.error_message),"
	" ended_at = COALESCE(tools.ended_at, excluded.ended_at)"
	" WHERE tools.status = 'running'";


static const char SQL_ERROR[] =
	"INSERT INTO session_errors (session_id, event_key, error_type,"
	" error_message, error_details, created_at)"
	" VALUES (:sid, :key, :type, :message, :details, :now)"
	" ON CONFLICT(event_key) DO UPDATE SET"
	" created_at = MIN(created_at, excluded.created_at)";

static const char SQL_COMPACTION[] =
	"INSERT INTO compaction_events (session_id, event_key, phase, trigger,"
	" custom_instructions, summary, created_at)"
	" VALUES (:sid, :key, :phase, :trigger, :instructions, :summary, :now)"
	" ON CONFLICT(event_key) DO UPDATE SET"
	" created_at = MIN(created_at, excluded.created_at)";

size_t
output_limit(void)
{
	const char *s = getenv("CLANKERS_OUTPUT_LIMIT");
	long long n;

	if (s == NULL || *s == '\0')
		return OUTPUT_LIMIT_DEFAULT;
	n = atoll(s);
	return n > 0 ? (size_t)n : OUTPUT_LIMIT_DEFAULT;
}

/* A JSON value as text: strings as they are, the rest as compact JSON. */
static char *
value_text(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

/*
 * A title from a prompt: whitespace runs become one space, at most 100
 * characters with an ellipsis when cut. Slash commands and empty prompts
 * give no title (returns 0). out must hold at least 404 bytes.
 */
size_t
claude_title(const char *prompt, char *out, size_t outsz)
{
	size_t n = 0, chars = 0;
	const char *p = prompt;
	int space = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '\0' || *p == '/' || outsz < 404)
		return 0;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = 1;
			continue;
		}
		/* 100 characters fit; only invalid UTF-8 could run further. */
		if ((c & 0xc0) == 0x80 && n + 4 >= outsz)
			break;
		if ((c & 0xc0) != 0x80) {  /* the start of a character */
			if (chars + space >= 100) {
				memcpy(out + n, "\xe2\x80\xa6", 3);  /* … */
				n += 3;
				break;
			}
			if (space)
				out[n++] = ' ', chars++;
			space = 0;
			chars++;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n;
}

/* A hash of the parts, as 16 hex digits, for keys of rows with no id. */
static void
event_key(char out[17], const char *const *parts, size_t n)
{
	uint64_t h = FNV_SEED;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = parts[i] ? parts[i] : "";

		h = fnv1a(h, s, strlen(s) + 1);  /* the NUL separates parts */
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/*
 * When in the session an event happened, for the key of a row that has no
 * id of its own: the prompt it belongs to (2.1.196+), else the size of the
 * transcript when the event came. Two copies of one event (a hook that is
 * registered twice) agree on it; two real events differ. buf holds 24.
 */
static const char *
moment(struct hook *h, char *buf)
{
	const char *prompt = hook_str(h, h->payload, "prompt_id");

	if (prompt)
		return prompt;
	snprintf(buf, 24, "size:%lld", (long long)h->r->transcript_size);
	return buf;
}

/* Gives the session this title if it wins over the one it has. */
int
claude_set_title(struct db *db, const char *sid, const char *title,
    const char *source, int64_t at)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_TITLE)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":title", title);
	db_bind_text(st, ":src", source);
	db_bind_int(st, ":at", at);
	db_bind_text(st, ":sid", sid);
	return db_run(db, st);
}

static int
store_session(struct hook *h)
{
	struct db *db = h->db;
	cJSON *p = h->payload;
	const char *cwd = hook_str(h, p, "cwd");
	const char *event = h->r->event, *path;
	struct project proj = {0};
	char title[512], host[256] = "";
	const char *title_src = NULL, *client_title, *prompt;
	sqlite3_stmt *st;
	int rc, known_project = 0;

	if ((st = db_prepare(db, SQL_SESSION_PROJECT)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", h->session_id);
	if ((rc = db_step(db, st)) == SQLITE_ROW) {
		known_project = sqlite3_column_type(st, 0) != SQLITE_NULL;
		db_reset(st);
	} else if (rc != SQLITE_DONE) {
		return rc;
	}
	/* Found once per session: the walk up to .git costs a few stats. */
	path = h->r->project_dir ? h->r->project_dir : cwd;
	if (!known_project)
		project_find(path, &proj);
	if (!known_project && gethostname(host, sizeof host - 1) < 0)
		host[0] = '\0';

	title[0] = '\0';
	if ((client_title = hook_str(h, p, "session_title")) != NULL) {
		size_t n = utf8_cut(client_title, strlen(client_title), sizeof title - 1);

		memcpy(title, client_title, n);
		title[n] = '\0';
		title_src = "client";
	} else if (strcmp(event, "UserPromptSubmit") == 0 &&
	    (prompt = hook_str(h, p, "prompt")) != NULL &&
	    claude_title(prompt, title, sizeof title) > 0) {
		title_src = "prompt";
	}

	if ((st = db_prepare(db, SQL_SESSION)) == NULL) {
		project_release(&proj);
		return SQLITE_ERROR;
	}
	db_bind_text(st, ":id", h->session_id);
	db_bind_text(st, ":project_path", path);
	db_bind_text(st, ":project_name", proj.name);
	db_bind_text(st, ":repo_root", proj.root);
	db_bind_text(st, ":git_branch", proj.branch);
	db_bind_text(st, ":cwd", cwd);
	db_bind_text(st, ":hostname", host);
	db_bind_text(st, ":model", hook_str(h, p, "model"));
	db_bind_text(st, ":permission_mode", hook_str(h, p, "permission_mode"));
	db_bind_text(st, ":transcript_path", hook_str(h, p, "transcript_path"));
	if (strcmp(event, "SessionStart") == 0) {
		db_bind_text(st, ":start_source", hook_str(h, p, "source"));
		db_bind_text(st, ":agent_type", hook_str(h, p, "agent_type"));
	} else {
		/* On other events agent_type names a subagent, not the session. */
		db_bind_null(st, ":start_source");
		db_bind_null(st, ":agent_type");
	}
	db_bind_text(st, ":event", event);
	db_bind_int(st, ":now", h->r->received_at);
	rc = db_run(db, st);
	project_release(&proj);
	if (rc == SQLITE_OK && title_src)
		rc = claude_set_title(db, h->session_id, title, title_src,
		    h->r->received_at);
	return rc;
}

static int
run_id(struct hook *h, const char *sql, const char *id)
{
	sqlite3_stmt *st = db_prepare(h->db, sql);

	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", id);
	if (sqlite3_bind_parameter_index(st, ":now"))
		db_bind_int(st, ":now", h->r->received_at);
	return db_run(h->db, st);
}

static int
on_session_start(struct hook *h)
{
	int rc = run_id(h, SQL_SESSION_START, h->session_id);

	return rc ? rc : run_id(h, SQL_SESSION_STATUS, h->session_id);
}

static int
on_session_end(struct hook *h)
{
	sqlite3_stmt *st = db_prepare(h->db, SQL_SESSION_END);
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", h->session_id);
	db_bind_int(st, ":now", h->r->received_at);
	db_bind_text(st, ":reason", hook_str(h, h->payload, "reason"));
	if ((rc = db_run(h->db, st)) != SQLITE_OK)
		return rc;
	cJSON_AddStringToObject(h->log, "reason",
	    hook_str(h, h->payload, "reason") ? hook_str(h, h->payload, "reason") : "");
	return run_id(h, SQL_SESSION_STATUS, h->session_id);
}

/*
 * The row id of a tool call: its tool_use_id; for clients older than
 * 2.0.43, which send none, a hash of session, tool name and input, so that
 * Pre and Post still meet (two identical calls in one session then share a
 * row). Owned result.
 */
static char *
tool_id(struct hook *h, const char *name, const char *input)
{
	const char *id = hook_str(h, h->payload, "tool_use_id");
	const char *parts[3];
	char key[17];

	if (id)
		return xstrdup(id);
	parts[0] = h->session_id;
	parts[1] = name;
	parts[2] = input;
	event_key(key, parts, 3);
	return xasprintf("legacy-%s", key);
}

/*
 * The file a file tool works on. Read without hook_str: the input is the
 * tool's own (an MCP tool may use these names for anything), not a
 * payload field of the wrong type. Borrowed, or NULL.
 */
static const char *
tool_file(const cJSON *input)
{
	const char *f;

	f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input, "file_path"));
	if (f == NULL)
		f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input,
		    "notebook_path"));
	return f;
}

static int
on_tool(struct hook *h)
{
	const char *event = h->r->event;
	int pre = strcmp(event, "PreToolUse") == 0;
	int failed = strcmp(event, "PostToolUseFailure") == 0;
	int denied = strcmp(event, "PermissionDenied") == 0;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(h->payload, "tool_input");
	const char *name = hook_str(h, h->payload, "tool_name");
	char *input_text = value_text(input), *id, *output = NULL, *errmsg = NULL;
	sqlite3_stmt *st;
	int64_t duration;
	int interrupt, rc;

	id = tool_id(h, name, input_text);
	cJSON_AddStringToObject(h->log, "tool_use_id", id);
	if (name)
		cJSON_AddStringToObject(h->log, "tool_name", name);
	st = db_prepare(h->db, pre ? SQL_TOOL_START : SQL_TOOL_END);
	if (st == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":sid", h->session_id);
	db_bind_text(st, ":agent_id", hook_str(h, h->payload, "agent_id"));
	db_bind_text(st, ":name", name);
	db_bind_text(st, ":input", input_text);
	db_bind_text(st, ":file_path", tool_file(input));
	db_bind_int(st, ":now", h->r->received_at);
	if (!pre) {
		size_t n = 0, keep = 0, limit = output_limit();

		output = value_text(cJSON_GetObjectItemCaseSensitive(h->payload,
		    "tool_response"));
		if (output) {
			n = strlen(output);
			keep = utf8_cut(output, n, limit);
		}
		db_bind_text(st, ":status", failed || denied ? "error" : "ok");
		db_bind_textn(st, ":output", output, keep);
		if (output)
			db_bind_int(st, ":output_bytes", (int64_t)n);
		else
			db_bind_null(st, ":output_bytes");
		db_bind_int(st, ":truncated", keep < n);
		if (denied) {
			const char *why = hook_str(h, h->payload, "reason");

			errmsg = xasprintf("permission denied%s%s", why ? ": " : "",
			    why ? why : "");
		} else if (failed) {
			errmsg = value_text(cJSON_GetObjectItemCaseSensitive(h->payload,
			    "error"));
		}
		db_bind_text(st, ":error", errmsg);
		if (hook_bool(h, h->payload, "is_interrupt", &interrupt))
			db_bind_int(st, ":interrupt", interrupt);
		else
			db_bind_null(st, ":interrupt");
		if (hook_num(h, h->payload, "duration_ms", &duration))
			db_bind_int(st, ":duration", duration);
		else
			db_bind_null(st, ":duration");
	}
	rc = db_run(h->db, st);  /* tool_call_count follows by trigger */
out:
	free(input_text);
	free(output);
	free(errmsg);
	free(id);
	return rc;
}

static int
on_tool_batch(struct hook *h)
{
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(h->payload, "tool_calls");
	const cJSON *c;
	int rc = SQLITE_OK, closed = 0;

	if (calls && !cJSON_IsArray(calls)) {
		hook_str(h, h->payload, "tool_calls");  /* records the odd type */
		return SQLITE_OK;
	}
	cJSON_ArrayForEach(c, calls) {
		const char *id = hook_str(h, c, "tool_use_id");
		const cJSON *input = cJSON_GetObjectItemCaseSensitive(c, "tool_input");
		char *why, *input_text;
		sqlite3_stmt *st;

		if (id == NULL)
			continue;
		if ((st = db_prepare(h->db, SQL_TOOL_NOT_RUN)) == NULL)
			return SQLITE_ERROR;
		why = value_text(cJSON_GetObjectItemCaseSensitive(c, "tool_response"));
		input_text = value_text(input);
		db_bind_text(st, ":id", id);
		db_bind_text(st, ":sid", h->session_id);
		db_bind_text(st, ":name", hook_str(h, c, "tool_name"));
		db_bind_text(st, ":input", input_text);
		db_bind_text(st, ":file_path", tool_file(input));
		db_bind_text(st, ":error", why ? why : "tool did not run");
		db_bind_int(st, ":now", h->r->received_at);
		rc = db_run(h->db, st);
		free(why);
		free(input_text);
		if (rc != SQLITE_OK)
			return rc;
		closed += sqlite3_changes(h->db->h);
	}
	if (closed)
		cJSON_AddNumberToObject(h->log, "tools_not_run", closed);
	return rc;
}

static int
on_stop_failure(struct hook *h)
{
	cJSON *p = h->payload;
	char *details = value_text(cJSON_GetObjectItemCaseSensitive(p, "error_details"));
	const char *type = hook_str(h, p, "error");
	const char *msg = hook_str(h, p, "last_assistant_message");
	char size[24], key[17];
	const char *parts[5];
	sqlite3_stmt *st;
	int rc;

	parts[0] = h->session_id;
	parts[1] = h->r->event;
	parts[2] = type;
	parts[3] = msg;
	parts[4] = moment(h, size);
	event_key(key, parts, 5);
	if ((st = db_prepare(h->db, SQL_ERROR)) == NULL) {
		free(details);
		return SQLITE_ERROR;
	}
	db_bind_text(st, ":sid", h->session_id);
	db_bind_text(st, ":key", key);
	db_bind_text(st, ":type", type ? type : "unknown");
	db_bind_text(st, ":message", msg ? msg : details ? details : type);
	db_bind_text(st, ":details", details);
	db_bind_int(st, ":now", h->r->received_at);
	rc = db_run(h->db, st);
	if (type)
		cJSON_AddStringToObject(h->log, "error_type", type);
	free(details);
	return rc;
}

static int
on_compact(struct hook *h)
{
	cJSON *p = h->payload;
	int post = strcmp(h->r->event, "PostCompact") == 0;
	const char *trigger = hook_str(h, p, "trigger");
	char size[24], key[17];
	const char *parts[4];
	sqlite3_stmt *st;

	parts[0] = h->session_id;
	parts[1] = h->r->event;
	parts[2] = trigger;
	parts[3] = moment(h, size);
	event_key(key, parts, 4);
	if ((st = db_prepare(h->db, SQL_COMPACTION)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", h->session_id);
	db_bind_text(st, ":key", key);
	db_bind_text(st, ":phase", post ? "post" : "pre");
	db_bind_text(st, ":trigger", trigger);
	db_bind_text(st, ":instructions", hook_str(h, p, "custom_instructions"));
	db_bind_text(st, ":summary", hook_str(h, p, "compact_summary"));
	db_bind_int(st, ":now", h->r->received_at);
	if (trigger)
		cJSON_AddStringToObject(h->log, "trigger", trigger);
	return db_run(h->db, st);
}

static int
on_notification(struct hook *h)
{
	const char *type = hook_str(h, h->payload, "notification_type");

	if (type)
		cJSON_AddStringToObject(h->log, "notification_type", type);
	return SQLITE_OK;
}

static int
on_subagent(struct hook *h)
{
	const char *type = hook_str(h, h->payload, "agent_type");

	if (type)
		cJSON_AddStringToObject(h->log, "agent_type", type);
	return SQLITE_OK;
}

static int
on_touch(struct hook *h)
{
	(void)h;  /* the session row was refreshed: that is all */
	return SQLITE_OK;
}

/*
 * An unknown event has no columns: its payload goes to the log line whole,
 * or, past the output limit, its first bytes as text (one huge line would
 * make every later reader of the log pay for it).
 */
static void
log_payload(struct hook *h)
{
	char *text = cJSON_PrintUnformatted(h->payload);
	size_t n = strlen(text), limit = output_limit();

	if (n <= limit) {
		cJSON_AddItemToObject(h->log, "payload", cJSON_Duplicate(h->payload, 1));
	} else {
		text[utf8_cut(text, n, limit)] = '\0';
		cJSON_AddStringToObject(h->log, "payload_head", text);
		cJSON_AddNumberToObject(h->log, "payload_bytes", (double)n);
	}
	free(text);
}

static const struct {
	const char *event;
	int (*fn)(struct hook *);
} handlers[] = {
	{ "SessionStart", on_session_start },
	{ "SessionEnd", on_session_end },
	{ "PreToolUse", on_tool },
	{ "PostToolUse", on_tool },
	{ "PostToolUseFailure", on_tool },
	{ "PermissionDenied", on_tool },
	{ "PostToolBatch", on_tool_batch },
	{ "StopFailure", on_stop_failure },
	{ "PreCompact", on_compact },
	{ "PostCompact", on_compact },
	{ "Notification", on_notification },
	{ "SubagentStart", on_subagent },
	{ "SubagentStop", on_subagent },
};

/*
 * Stores one Claude Code event; the caller holds the transaction. Unknown
 * events refresh their session and have their payload logged raw. Returns
 * a SQLite result code.
 */
int
claude_store(struct hook *h)
{
	int (*fn)(struct hook *) = on_touch;
	size_t i;
	int rc;

	if ((rc = store_session(h)) != SQLITE_OK)
		return rc;
	for (i = 0; i < sizeof handlers / sizeof *handlers; i++)
		if (strcmp(h->r->event, handlers[i].event) == 0)
			fn = handlers[i].fn;
	if (!claude_known_event(h->r->event))
		log_payload(h);
	return fn(h);
}
