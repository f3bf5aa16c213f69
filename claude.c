/*
 * claude.c: Claude Code hook events to rows. Every event creates or
 * refreshes its session; tool events upsert the tool row named by
 * tool_use_id; StopFailure, PreCompact and PostCompact add one row each,
 * Pre/PostModelSwitch one per switch; PermissionRequest marks its call,
 * and an Agent call launched in the background ends with its agent.
 * All writes are idempotent and order-free: any order or repetition of
 * events leaves the same rows (times are the earliest or latest seen, never
 * the last written), by the rules of store.c, which writes every row.
 * Stores run inside the caller's transaction; claude_after, which runs
 * once the event is stored, reads the session's transcript (transcript.c)
 * for what the hooks do not carry: messages, tokens, cost.
 *
 * These functions are Claude Code's entry in the agent table (agent.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clankers.h"

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
claude_known(const char *event)
{
	return str_in(event, known_events, NELEM(known_events));
}

/* The idx-th of those names, in the order above; NULL past the last. */
const char *
claude_event(size_t idx)
{
	return idx < sizeof known_events / sizeof *known_events ?
	    known_events[idx] : NULL;
}

/* The event's name in the payload (a hook registered without one), borrowed. */
const char *
claude_event_of(const cJSON *payload)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload,
	    "hook_event_name"));
}

/* Every event names its session; the other ids are there when they apply. */
const char *
claude_identify(struct event *ev)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev->p.root, "session_id");

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return v ? "session_id is not a non-empty string" : "no session_id";
	ev->session_id = v->valuestring;
	ev->call_id = payload_str(&ev->p, ev->p.root, "tool_use_id");
	ev->agent_id = payload_str(&ev->p, ev->p.root, "agent_id");
	ev->prompt_id = payload_str(&ev->p, ev->p.root, "prompt_id");
	return NULL;
}

/*
 * At receipt: the size of the transcript (the moment in the session an
 * event without an id of its own happened) and $CLAUDE_PROJECT_DIR, which
 * only the hook's own process can see.
 */
void
claude_receive(struct receipt *r, const cJSON *payload)
{
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    payload, "transcript_path"));
	const char *dir = getenv("CLAUDE_PROJECT_DIR");
	struct stat st;
	double size = -1;

	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		size = (double)st.st_size;
	r->context = cJSON_CreateObject();
	cJSON_AddNumberToObject(r->context, "transcript_size", size);
	if (dir && *dir)
		cJSON_AddStringToObject(r->context, "project_dir", dir);
}

/*
 * When in the session an event happened, for the key of a row that has no
 * id of its own: the prompt it belongs to (2.1.196+), else the size of the
 * transcript when the event came. Two copies of one event (a hook that is
 * registered twice) agree on it; two real events differ. buf holds 24.
 */
static const char *
moment(struct event *ev, char *buf)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(ev->r->context,
	    "transcript_size");

	if (ev->prompt_id)
		return ev->prompt_id;
	snprintf(buf, 24, "size:%lld", cJSON_IsNumber(size) ?
	    (long long)size->valuedouble : -1LL);
	return buf;
}

/* Every event creates or refreshes its session, and may name it. */
static int
on_any(struct event *ev)
{
	struct payload *p = &ev->p;
	struct store_session x = STORE_SESSION_INIT;
	const char *event = ev->r->event, *client_title, *prompt;
	char title[512];
	int rc;

	x.id = ev->session_id;
	x.first_at = x.last_at = ev->r->received_at;
	x.cwd = payload_str(p, p->root, "cwd");
	x.project_dir = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    ev->r->context, "project_dir"));
	x.model = payload_str(p, p->root, "model");
	x.permission_mode = payload_str(p, p->root, "permission_mode");
	x.transcript_path = payload_str(p, p->root, "transcript_path");
	x.event = event;
	if (strcmp(event, "SessionStart") == 0) {
		x.start_source = payload_str(p, p->root, "source");
		/* On other events agent_type names a subagent, not the session. */
		x.agent_type = payload_str(p, p->root, "agent_type");
	}
	if ((rc = store_session(&ev->store, &x)) != SQLITE_OK)
		return rc;
	if ((client_title = payload_str(p, p->root, "session_title")) != NULL) {
		size_t n = utf8_cut(client_title, strlen(client_title), sizeof title - 1);

		memcpy(title, client_title, n);
		title[n] = '\0';
		return store_title(&ev->store, ev->session_id, title, "client",
		    ev->r->received_at);
	}
	if (strcmp(event, "UserPromptSubmit") == 0 &&
	    (prompt = payload_str(p, p->root, "prompt")) != NULL &&
	    store_prompt_title(prompt, title, sizeof title) > 0)
		return store_title(&ev->store, ev->session_id, title, "prompt",
		    ev->r->received_at);
	return SQLITE_OK;
}

static int
on_session_start(struct event *ev)
{
	return store_session_start(&ev->store, ev->session_id, ev->r->received_at);
}

static int
on_session_end(struct event *ev)
{
	const char *reason = payload_str(&ev->p, ev->p.root, "reason");
	int rc = store_session_end(&ev->store, ev->session_id, ev->r->received_at,
	    reason);

	if (rc == SQLITE_OK)
		cJSON_AddStringToObject(ev->p.log, "reason", reason ? reason : "");
	return rc;
}

/*
 * The row id of a tool call: its tool_use_id; for clients older than
 * 2.0.43, which send none, a hash of session, tool name and input, so that
 * Pre and Post still meet (two identical calls in one session then share a
 * row). Owned result.
 */
static char *
tool_id(struct event *ev, const char *name, const char *input)
{
	const char *parts[3];
	char key[17];

	if (ev->call_id)
		return xstrdup(ev->call_id);
	parts[0] = ev->session_id;
	parts[1] = name;
	parts[2] = input;
	store_key(key, parts, 3);
	return xasprintf("legacy-%s", key);
}

/*
 * The file a file tool works on. Read without payload_str: the input is the
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

/* What ended the call: the tool's error, or the reason permission was denied. */
static char *
tool_error(struct event *ev, int failed, int denied)
{
	const char *why;

	if (denied) {
		why = payload_str(&ev->p, ev->p.root, "reason");
		return xasprintf("permission denied%s%s", why ? ": " : "",
		    why ? why : "");
	}
	if (failed)
		return payload_text(cJSON_GetObjectItemCaseSensitive(ev->p.root, "error"));
	return NULL;
}

/*
 * The agent an Agent call launched in the background (2.1.332: its
 * PostToolUse comes at once, tool_response.status "async_launched"),
 * borrowed; NULL for any other call.
 */
static const char *
launched(struct event *ev)
{
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(ev->p.root, "tool_response");

	if (!cJSON_IsObject(resp))  /* most tools answer with text */
		return NULL;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(resp, "status")) ||
	    strcmp(cJSON_GetObjectItemCaseSensitive(resp, "status")->valuestring,
	    "async_launched") != 0)
		return NULL;
	return payload_str(&ev->p, resp, "agentId");
}

/* PreToolUse starts a call; PostToolUse, PostToolUseFailure, PermissionDenied end it. */
static int
on_tool(struct event *ev)
{
	struct payload *p = &ev->p;
	const char *event = ev->r->event;
	int failed = strcmp(event, "PostToolUseFailure") == 0;
	int denied = strcmp(event, "PermissionDenied") == 0;
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(p->root, "tool_input");
	struct store_tool t = STORE_TOOL_INIT;
	char *input_text = payload_text(input), *id, *output = NULL, *errmsg = NULL;
	const char *agent = NULL;
	int rc;

	t.name = payload_str(p, p->root, "tool_name");
	t.id = id = tool_id(ev, t.name, input_text);
	cJSON_AddStringToObject(p->log, "tool_use_id", id);
	if (t.name)
		cJSON_AddStringToObject(p->log, "tool_name", t.name);
	t.session_id = ev->session_id;
	t.agent_id = ev->agent_id;
	t.input = input_text;
	t.file_path = tool_file(input);
	t.at = ev->r->received_at;
	if (strcmp(event, "PreToolUse") == 0) {
		t.kind = TOOL_START;
		t.started_at = ev->r->received_at;
	} else {
		t.kind = TOOL_END;
		output = payload_text(cJSON_GetObjectItemCaseSensitive(p->root,
		    "tool_response"));
		t.output = output;
		t.output_len = output ? strlen(output) : 0;
		t.failed = failed || denied;
		t.denied = denied;
		t.error = errmsg = tool_error(ev, failed, denied);
		payload_bool(p, p->root, "is_interrupt", &t.interrupt);
		payload_num(p, p->root, "duration_ms", &t.duration_ms);
	}
	if (t.kind == TOOL_END && !failed && !denied && (agent = launched(ev)) != NULL) {
		/* A background agent (2.1.332): the call runs until the agent stops. */
		t.kind = TOOL_START;
		t.started_at = -1;
		cJSON_AddStringToObject(p->log, "launched_agent_id", agent);
	}
	rc = store_tool(&ev->store, &t);  /* tool_call_count follows by trigger */
	if (rc == SQLITE_OK && agent)
		rc = store_agent_launch(&ev->store, ev->session_id, id, agent, output,
		    t.output_len);
	free(input_text);
	free(output);
	free(errmsg);
	free(id);
	return rc;
}

/*
 * PostToolBatch lists every call of a model turn once all are resolved. A
 * call still running then (or never seen) got no PostToolUse nor
 * PostToolUseFailure: it never ran, and what the model was told is why.
 */
static int
on_tool_batch(struct event *ev)
{
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(ev->p.root, "tool_calls");
	const cJSON *c;
	int rc = SQLITE_OK, closed = 0;

	if (calls && !cJSON_IsArray(calls)) {
		payload_str(&ev->p, ev->p.root, "tool_calls");  /* records the odd type */
		return SQLITE_OK;
	}
	cJSON_ArrayForEach(c, calls) {
		const cJSON *input = cJSON_GetObjectItemCaseSensitive(c, "tool_input");
		struct store_tool t = STORE_TOOL_INIT;
		char *why, *input_text;

		if ((t.id = payload_str(&ev->p, c, "tool_use_id")) == NULL)
			continue;
		why = payload_text(cJSON_GetObjectItemCaseSensitive(c, "tool_response"));
		input_text = payload_text(input);
		t.kind = TOOL_NOT_RUN;
		t.session_id = ev->session_id;
		t.name = payload_str(&ev->p, c, "tool_name");
		t.input = input_text;
		t.file_path = tool_file(input);
		t.error = why ? why : "tool did not run";
		t.at = ev->r->received_at;
		rc = store_tool(&ev->store, &t);
		free(why);
		free(input_text);
		if (rc != SQLITE_OK)
			return rc;
		closed += sqlite3_changes(ev->store.db->h);
	}
	if (closed)
		cJSON_AddNumberToObject(ev->p.log, "tools_not_run", closed);
	return rc;
}

/* StopFailure: the turn ended in an API error (rate limit, overloaded, ...). */
static int
on_stop_failure(struct event *ev)
{
	struct payload *p = &ev->p;
	char *details = payload_text(cJSON_GetObjectItemCaseSensitive(p->root,
	    "error_details"));
	const char *type = payload_str(p, p->root, "error");
	const char *msg = payload_str(p, p->root, "last_assistant_message");
	struct store_event e = {0};
	char size[24], key[17];
	const char *parts[5];
	int rc;

	parts[0] = ev->session_id;
	parts[1] = ev->r->event;
	parts[2] = type;
	parts[3] = msg;
	parts[4] = moment(ev, size);
	store_key(key, parts, 5);
	e.session_id = ev->session_id;
	e.key = key;
	e.kind = type ? type : "unknown";
	e.message = msg ? msg : details ? details : type;
	e.details = details;
	e.at = ev->r->received_at;
	rc = store_error(&ev->store, &e);
	if (type)
		cJSON_AddStringToObject(p->log, "error_type", type);
	free(details);
	return rc;
}

/*
 * PermissionRequest: the user was asked about a call (no tool_use_id: the
 * session's latest call of that tool and input). Its end tells the
 * decision: allowed if it ran, denied if its turn closed it unrun.
 */
static int
on_permission(struct event *ev)
{
	const char *name = payload_str(&ev->p, ev->p.root, "tool_name");
	char *input = payload_text(cJSON_GetObjectItemCaseSensitive(ev->p.root,
	    "tool_input"));
	int rc;

	if (name)
		cJSON_AddStringToObject(ev->p.log, "tool_name", name);
	rc = store_tool_permission(&ev->store, ev->session_id, ev->call_id, name,
	    input, ev->r->received_at);
	free(input);
	return rc;
}

/* PreModelSwitch and PostModelSwitch (2.1.332): one row per switch. */
static int
on_model_switch(struct event *ev)
{
	struct payload *p = &ev->p;
	const char *from = payload_str(p, p->root, "from_model");
	const char *to = payload_str(p, p->root, "to_model");
	struct store_event e = {0};
	char size[24], key[17];
	const char *parts[4];

	parts[0] = ev->session_id;
	parts[1] = from;
	parts[2] = to;
	parts[3] = moment(ev, size);
	store_key(key, parts, 4);
	e.session_id = ev->session_id;
	e.key = key;
	e.trigger = payload_str(p, p->root, "source");
	e.at = ev->r->received_at;
	if (from)
		cJSON_AddStringToObject(p->log, "from_model", from);
	if (to)
		cJSON_AddStringToObject(p->log, "to_model", to);
	return store_model_switch(&ev->store, &e, from, to,
	    payload_str(p, p->root, "requested_model"),
	    strcmp(ev->r->event, "PostModelSwitch") == 0);
}

/* Stop: background tasks still running keep the session's work open. */
static int
on_stop(struct event *ev)
{
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(ev->p.root,
	    "background_tasks");

	if (cJSON_IsArray(tasks) && cJSON_GetArraySize(tasks) > 0)
		cJSON_AddNumberToObject(ev->p.log, "background_tasks",
		    cJSON_GetArraySize(tasks));
	return SQLITE_OK;
}

static int
on_compact(struct event *ev)
{
	struct payload *p = &ev->p;
	const char *trigger = payload_str(p, p->root, "trigger");
	struct store_event e = {0};
	char size[24], key[17];
	const char *parts[4];

	parts[0] = ev->session_id;
	parts[1] = ev->r->event;
	parts[2] = trigger;
	parts[3] = moment(ev, size);
	store_key(key, parts, 4);
	e.session_id = ev->session_id;
	e.key = key;
	e.kind = strcmp(ev->r->event, "PostCompact") == 0 ? "post" : "pre";
	e.trigger = trigger;
	e.details = payload_str(p, p->root, "custom_instructions");
	e.message = payload_str(p, p->root, "compact_summary");
	e.at = ev->r->received_at;
	if (trigger)
		cJSON_AddStringToObject(p->log, "trigger", trigger);
	return store_compaction(&ev->store, &e);
}

static int
on_notification(struct event *ev)
{
	const char *type = payload_str(&ev->p, ev->p.root, "notification_type");

	if (type)
		cJSON_AddStringToObject(ev->p.log, "notification_type", type);
	return SQLITE_OK;
}

static int
on_subagent(struct event *ev)
{
	const char *type = payload_str(&ev->p, ev->p.root, "agent_type");

	if (type)
		cJSON_AddStringToObject(ev->p.log, "agent_type", type);
	/* A background agent's stop ends the Agent call that launched it. */
	if (strcmp(ev->r->event, "SubagentStop") == 0 && ev->agent_id)
		return store_agent_end(&ev->store, ev->session_id, ev->agent_id,
		    ev->r->received_at);
	return SQLITE_OK;
}

static int
on_touch(struct event *ev)
{
	(void)ev;  /* the session row was refreshed: that is all */
	return SQLITE_OK;
}

/*
 * An unknown event has no columns: its payload goes to the log line whole,
 * or, past the output limit, its first bytes as text (one huge line would
 * make every later reader of the log pay for it).
 */
static void
log_payload(struct event *ev)
{
	char *text = cJSON_PrintUnformatted(ev->p.root);
	size_t n = strlen(text), limit = store_output_limit();

	if (n <= limit) {
		cJSON_AddItemToObject(ev->p.log, "payload", cJSON_Duplicate(ev->p.root, 1));
	} else {
		text[utf8_cut(text, n, limit)] = '\0';
		cJSON_AddStringToObject(ev->p.log, "payload_head", text);
		cJSON_AddNumberToObject(ev->p.log, "payload_bytes", (double)n);
	}
	free(text);
}

static const struct {
	const char *event;
	int (*fn)(struct event *);
} handlers[] = {
	{ "SessionStart", on_session_start },
	{ "SessionEnd", on_session_end },
	{ "PreToolUse", on_tool },
	{ "PostToolUse", on_tool },
	{ "PostToolUseFailure", on_tool },
	{ "PermissionDenied", on_tool },
	{ "PermissionRequest", on_permission },
	{ "PreModelSwitch", on_model_switch },
	{ "PostModelSwitch", on_model_switch },
	{ "Stop", on_stop },
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
claude_store(struct event *ev)
{
	int (*fn)(struct event *) = on_touch;
	size_t i;
	int rc;

	if ((rc = on_any(ev)) != SQLITE_OK)
		return rc;
	for (i = 0; i < sizeof handlers / sizeof *handlers; i++)
		if (strcmp(ev->r->event, handlers[i].event) == 0)
			fn = handlers[i].fn;
	if (!claude_known(ev->r->event))
		log_payload(ev);
	return fn(ev);
}

/*
 * Stop, SubagentStop, PreCompact and SessionEnd bring the session up to
 * date from its transcript, after the event itself is stored. What cannot
 * be read before the deadline is read by the next one: the file stays.
 */
void
claude_after(struct event *ev, const char *root, int64_t deadline_us)
{
	static const char *const events[] = { "Stop", "SubagentStop", "PreCompact",
	    "SessionEnd" };
	struct db *db = ev->store.db;
	cJSON *log = ev->p.log, *o;
	const char *path;
	struct tstats ts;
	struct stat st;
	char *err = NULL;
	int rc;

	if (!str_in(ev->r->event, events, NELEM(events)))
		return;
	path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev->p.root,
	    "transcript_path"));
	if (path == NULL || *path == '\0')
		return;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		/* Not written yet, or already cleaned up: nothing to read. */
		cJSON_AddStringToObject(log, "transcript", "missing");
		return;
	}
	store_prices(db, root);
	rc = transcript_update(db, path, ev->session_id, 0, deadline_us, &ts, &err);
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
