/*
 * opencode.c: OpenCode's events to rows. The plugin (opencode-plugin.js)
 * forwards each event that matters as one `clankers hook opencode`, the
 * event's JSON on stdin: { type, properties, directory } (directory: the
 * folder OpenCode runs in, from the plugin's context). This file only
 * translates: every row is written by store.c, whose merge rules make the
 * events order-free, which they must be: OpenCode runs its plugin's
 * handlers concurrently, so two events of one message may be stored in
 * either order, and a stale copy of a message may come last.
 *
 *   session.created/updated   the session: folder, parent, version, title
 *                             (not a "New session - ..." placeholder)
 *   session.deleted           the session ended
 *   session.error             a session_errors row (the same error as a
 *                             response's info.error: one row); of no
 *                             session, only the log line
 *   session.idle              (opencode_db.c) the session read again from
 *                             OpenCode's own database: the repair
 *   session.compacted         a compaction_events row (post)
 *   message.updated           a prompt, or a response with its model,
 *                             provider, tokens by kind, cost and times;
 *                             its model becomes the session's
 *   message.removed           the message goes, with its tool calls
 *   message.part.updated      text: the message's text; tool: a tools row
 *                             keyed by the part's id (a provider's callID
 *                             repeats across responses); step-finish: the
 *                             response's tokens and cost; compaction: a
 *                             compaction_events row (pre)
 *
 * Session totals are the sum of the session's responses (the triggers of
 * schema.sql), never a session.updated roll-up, which `opencode run`
 * never delivers. A cost of 0 is OpenCode's "unknown" (no configured
 * price, or a subscription): the price table then decides, or it stays
 * unpriced; reasoning tokens are paid as output. The folder the plugin
 * sends is the project path while no event of the session said one.
 * These functions are OpenCode's entry in the agent table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/* The bus events OpenCode 1.18 publishes that carry a session's work. */
static const char *const known_events[] = {
	"session.created", "session.updated", "session.deleted", "session.idle",
	"session.status", "session.error", "session.compacted", "session.diff",
	"message.updated", "message.removed", "message.part.updated",
	"message.part.removed", "message.part.delta", "permission.asked",
	"permission.replied", "todo.updated", "command.executed",
};


int
opencode_known(const char *event)
{
	return str_in(event, known_events, NELEM(known_events));
}

/* The event's type, borrowed. */
const char *
opencode_event_of(const cJSON *payload)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload, "type"));
}

static const cJSON *
props(struct event *ev)
{
	return cJSON_GetObjectItemCaseSensitive(ev->p.root, "properties");
}

/*
 * The session is named in properties.sessionID; older builds give only
 * the info (a session's own id, a message's sessionID) or the part. An
 * event of a session or a message must name it; others (a plugin that
 * forwards more than it needs) may not, and are only counted.
 */
const char *
opencode_identify(struct event *ev)
{
	struct payload *p = &ev->p;
	const cJSON *pr = props(ev), *info, *part;
	const char *sid;

	if (!cJSON_IsObject(pr))
		return "no properties object";
	info = payload_obj(p, pr, "info");
	part = payload_obj(p, pr, "part");
	sid = payload_str(p, pr, "sessionID");
	if (sid == NULL && info)
		sid = payload_str(p, info, strncmp(ev->r->event, "session.", 8) == 0 ?
		    "id" : "sessionID");
	if (sid == NULL && part)
		sid = payload_str(p, part, "sessionID");
	/* A plugin that fails to load is a session.error of no session. */
	if ((sid == NULL || *sid == '\0') && strcmp(ev->r->event, "session.error") != 0 &&
	    (strncmp(ev->r->event, "session.", 8) == 0 ||
	    strncmp(ev->r->event, "message.", 8) == 0))
		return "no sessionID";
	ev->session_id = sid && *sid ? sid : NULL;
	if (part) {
		ev->call_id = payload_str(p, part, "callID");
		ev->prompt_id = payload_str(p, part, "messageID");
	} else if (info && strncmp(ev->r->event, "message.", 8) == 0) {
		ev->prompt_id = payload_str(p, info, "id");
	} else {
		ev->prompt_id = payload_str(p, pr, "messageID");
	}
	return NULL;
}

/* A time field of obj (ms) into *out, -1 when absent. */
static int64_t
time_of(struct event *ev, const cJSON *obj, const char *name)
{
	int64_t v = -1;

	if (!payload_num(&ev->p, obj, name, &v) || v < 0)
		return -1;
	return v;
}

/*
 * Refreshes the session row as of at, the event's own time; with none
 * (-1), the part event's time, else none at all: a row it makes gets the
 * receipt time, an existing one keeps its times.
 */
static int
session_touch(struct event *ev, const char *cwd, int64_t at)
{
	struct store_session x = STORE_SESSION_INIT;

	if (at < 0)
		at = time_of(ev, props(ev), "time");
	x.id = ev->session_id;
	x.first_at = x.last_at = at;
	x.cwd = cwd;
	/* Where OpenCode runs (the plugin's), while no event of the session said. */
	x.project_dir = cwd ? cwd : payload_str(&ev->p, ev->p.root, "directory");
	x.event = ev->r->event;
	return store_session(&ev->store, &x);
}

/*
 * The titles OpenCode gives a session before it has one: "New session - "
 * or, for a subagent's, "Child session - " and an ISO time (OpenCode's
 * isDefaultTitle), and "Untitled". A real title that starts the same way
 * is a real title.
 */
static int
placeholder_title(const char *t)
{
	static const char *const prefix[] = { "New session - ", "Child session - " };
	static const char iso[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i, j, n;

	if (strcmp(t, "Untitled") == 0)
		return 1;
	for (i = 0; i < NELEM(prefix); i++) {
		n = strlen(prefix[i]);
		if (strncmp(t, prefix[i], n) != 0 || strlen(t + n) != sizeof iso - 1)
			continue;
		for (j = 0; j < sizeof iso - 1; j++)
			if (iso[j] == 'd' ? t[n + j] < '0' || t[n + j] > '9' :
			    t[n + j] != iso[j])
				break;
		if (j == sizeof iso - 1)
			return 1;
	}
	return 0;
}

/* session.created/updated/deleted: what the session's info says. */
static int
on_session(struct event *ev)
{
	struct payload *p = &ev->p;
	const cJSON *info = payload_obj(p, props(ev), "info");
	const cJSON *t = payload_obj(p, info, "time");
	struct store_session x = STORE_SESSION_INIT;
	const char *title;
	int64_t at = time_of(ev, t, "updated");
	int rc;

	if (at < 0)
		at = time_of(ev, t, "created");
	if (at < 0)
		at = ev->r->received_at;
	x.id = ev->session_id;
	x.first_at = x.last_at = at;
	/* directory is absolute in every version: it is the project's path. */
	x.cwd = payload_str(p, info, "directory");
	x.project_dir = x.cwd;
	x.parent_id = payload_str(p, info, "parentID");
	x.client_version = payload_str(p, info, "version");
	x.event = ev->r->event;
	if ((rc = store_session(&ev->store, &x)) != SQLITE_OK)
		return rc;
	title = payload_str(p, info, "title");
	if (title && *title && !placeholder_title(title) &&
	    (rc = store_title(&ev->store, ev->session_id, title, "client", at)) != SQLITE_OK)
		return rc;
	if (strcmp(ev->r->event, "session.deleted") == 0)
		return store_session_end(&ev->store, ev->session_id, at, "deleted");
	return SQLITE_OK;
}

/*
 * Errors are { name, data: { message, ... } }; the whole of it is the
 * details. OpenCode tells one error twice, on the response it ended
 * (info.error) and as session.error, which names no response: a row is
 * one distinct error of the session, keyed by what it says, so that the
 * two meet in either order (two identical errors of one session are one
 * row).
 */
static int
record_error(struct event *ev, const cJSON *err, int64_t at)
{
	struct payload *p = &ev->p;
	const cJSON *data = payload_obj(p, err, "data");
	const char *name = payload_str(p, err, "name");
	const char *msg = payload_str(p, data, "message");
	char *details = payload_text(err), key[17];
	struct store_event e = {0};
	const char *parts[3];
	int rc;

	if (name)
		cJSON_AddStringToObject(p->log, "error_type", name);
	if (ev->session_id == NULL) {
		/* No session to hang it on (a plugin failed to load): the log has it. */
		if (msg)
			cJSON_AddStringToObject(p->log, "error_message", msg);
		log_set_level(p->log, LOG_WARN);
		free(details);
		return SQLITE_OK;
	}
	parts[0] = ev->session_id;
	parts[1] = name;
	parts[2] = msg;
	store_key(key, parts, 3);
	e.session_id = ev->session_id;
	e.key = key;
	e.kind = name ? name : "unknown";
	e.message = msg ? msg : name;
	e.details = details;
	e.at = at;
	/* The earliest telling is when it happened. */
	rc = store_error(&ev->store, &e);
	free(details);
	return rc;
}

/* The event's own id (evt_..., 1.18+), else its receipt: one row per event. */
static const char *
event_key_part(struct event *ev, char *buf)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    ev->p.root, "id"));

	if (id)
		return id;
	snprintf(buf, 24, "at:%lld", (long long)ev->r->received_at);
	return buf;
}

static int
on_session_error(struct event *ev)
{
	const cJSON *err = payload_obj(&ev->p, props(ev), "error");
	int rc;

	if (ev->session_id && (rc = session_touch(ev, NULL, -1)) != SQLITE_OK)
		return rc;
	return record_error(ev, err, ev->r->received_at);
}

static int
on_compacted(struct event *ev)
{
	struct store_event e = {0};
	const char *parts[3];
	char buf[24], key[17];
	int rc;

	if ((rc = session_touch(ev, NULL, -1)) != SQLITE_OK)
		return rc;
	parts[0] = ev->session_id;
	parts[1] = ev->r->event;
	parts[2] = event_key_part(ev, buf);
	store_key(key, parts, 3);
	e.session_id = ev->session_id;
	e.key = key;
	e.kind = "post";
	e.at = ev->r->received_at;
	return store_compaction(&ev->store, &e);
}

/* The five token kinds of an OpenCode usage object into m. */
static void
tokens(struct event *ev, const cJSON *tok, struct store_message *m)
{
	struct payload *p = &ev->p;
	const cJSON *cache = payload_obj(p, tok, "cache");

	if (tok == NULL)
		return;
	payload_num(p, tok, "input", &m->input);
	payload_num(p, tok, "output", &m->output);
	payload_num(p, tok, "reasoning", &m->reasoning);
	payload_num(p, cache, "read", &m->cache_read);
	payload_num(p, cache, "write", &m->cache_write);
}

/* OpenCode's cost: 0 means unknown (no price, a subscription), not free. */
static void
cost(struct event *ev, const cJSON *obj, struct store_message *m)
{
	double usd;

	if (payload_real(&ev->p, obj, "cost", &usd) && usd > 0)
		m->cost_usd = usd;
}

/* message.updated: a prompt, or a response with its usage. */
static int
on_message(struct event *ev)
{
	struct payload *p = &ev->p;
	const cJSON *info = payload_obj(p, props(ev), "info");
	const cJSON *t = payload_obj(p, info, "time"), *err;
	const cJSON *path = payload_obj(p, info, "path");
	struct store_message m = STORE_MESSAGE_INIT;
	const char *role = payload_str(p, info, "role");
	int rc;

	m.id = payload_str(p, info, "id");
	m.session_id = ev->session_id;
	m.created_at = time_of(ev, t, "created");
	if (m.id == NULL || role == NULL)
		return session_touch(ev, NULL, -1);
	/* The folder a response ran in: the project's, when no session event said. */
	if ((rc = session_touch(ev, payload_str(p, path, "cwd"), m.created_at)) != SQLITE_OK)
		return rc;
	if (strcmp(role, "user") == 0)
		return store_prompt(&ev->store, &m);
	m.text_mode = TEXT_FILL;  /* the text is its parts' */
	m.completed_at = time_of(ev, t, "completed");
	if (m.created_at >= 0 && m.completed_at >= m.created_at)
		m.duration_ms = m.completed_at - m.created_at;
	m.model = payload_str(p, info, "modelID");
	m.provider = payload_str(p, info, "providerID");
	m.stop_reason = payload_str(p, info, "finish");
	tokens(ev, payload_obj(p, info, "tokens"), &m);
	cost(ev, info, &m);
	if ((rc = store_response(&ev->store, &m)) != SQLITE_OK ||
	    (rc = store_session_model(&ev->store, ev->session_id, m.model,
	    m.provider, m.created_at >= 0 ? m.created_at : ev->r->received_at)) != SQLITE_OK)
		return rc;
	if ((err = payload_obj(p, info, "error")) != NULL)
		return record_error(ev, err, m.completed_at >= 0 ?
		    m.completed_at : ev->r->received_at);
	return SQLITE_OK;
}

static int
on_message_removed(struct event *ev)
{
	const char *id = payload_str(&ev->p, props(ev), "messageID");
	int rc;

	if ((rc = session_touch(ev, NULL, -1)) != SQLITE_OK || id == NULL)
		return rc;
	return store_message_removed(&ev->store, ev->session_id, id);
}

/*
 * A text part is the message's text. A user's prompt part has no time at
 * all; a response's has one. Parts OpenCode injected (synthetic: file
 * contents, reminders) or that it ignores are not what anyone typed or read.
 */
static int
on_text(struct event *ev, const cJSON *part, const char *mid)
{
	struct payload *p = &ev->p;
	struct store_message m = STORE_MESSAGE_INIT;
	const cJSON *t = payload_obj(p, part, "time");
	int flag = 0;
	char title[512];
	int rc;

	if ((payload_bool(p, part, "synthetic", &flag) && flag) ||
	    (payload_bool(p, part, "ignored", &flag) && flag))
		return SQLITE_OK;
	m.id = mid;
	m.session_id = ev->session_id;
	if ((m.text = payload_str(p, part, "text")) == NULL || *m.text == '\0')
		return SQLITE_OK;
	m.text_len = strlen(m.text);
	if (t == NULL) {
		if ((rc = store_prompt(&ev->store, &m)) != SQLITE_OK)
			return rc;
		if (store_prompt_title(m.text, title, sizeof title) > 0)
			return store_title(&ev->store, ev->session_id, title, "prompt",
			    ev->r->received_at);
		return SQLITE_OK;
	}
	m.text_mode = TEXT_PART;
	m.created_at = time_of(ev, t, "start");
	return store_response(&ev->store, &m);
}

/*
 * A tool part in a final state. A bash call that ran but exited non-zero
 * is completed with metadata.exit set: it failed, as a failing command
 * does in Claude Code.
 */
static int
on_tool(struct event *ev, const cJSON *part, const char *mid)
{
	struct payload *p = &ev->p;
	const cJSON *state = payload_obj(p, part, "state"), *input, *t, *meta;
	struct store_tool x = STORE_TOOL_INIT;
	const char *status = payload_str(p, state, "status");
	char *input_text, *exit_msg = NULL;
	int64_t code = 0;
	int rc;

	/* Pending: the model is still writing the input ({} so far). */
	if (status == NULL || strcmp(status, "pending") == 0)
		return SQLITE_OK;
	input = cJSON_GetObjectItemCaseSensitive(state, "input");
	t = payload_obj(p, state, "time");
	meta = payload_obj(p, state, "metadata");
	x.id = payload_str(p, part, "id");
	x.session_id = ev->session_id;
	x.message_id = mid;
	x.name = payload_str(p, part, "tool");
	input_text = payload_text(input);
	x.input = input_text;
	/* Read without payload_str: the input is the tool's own. */
	x.file_path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(input,
	    "filePath"));
	x.started_at = time_of(ev, t, "start");
	x.ended_at = time_of(ev, t, "end");
	x.at = x.started_at >= 0 ? x.started_at : ev->r->received_at;
	if (x.id == NULL) {
		free(input_text);
		return SQLITE_OK;
	}
	if (strcmp(status, "completed") == 0 || strcmp(status, "error") == 0) {
		x.kind = TOOL_END;
		x.failed = strcmp(status, "error") == 0;
		x.output = payload_str(p, state, "output");
		x.output_len = x.output ? strlen(x.output) : 0;
		x.error = payload_str(p, state, "error");
		if (!x.failed && meta && payload_num(p, meta, "exit", &code) && code != 0) {
			x.failed = 1;
			x.error = exit_msg = xasprintf("exit code %lld", (long long)code);
		}
		if (x.ended_at < 0)
			x.ended_at = ev->r->received_at;
	} else {
		x.kind = TOOL_START;
	}
	cJSON_AddStringToObject(p->log, "tool_use_id", x.id);
	if (x.name)
		cJSON_AddStringToObject(p->log, "tool_name", x.name);
	rc = store_tool(&ev->store, &x);
	free(input_text);
	free(exit_msg);
	return rc;
}

/* step-finish: the response's usage and cost, as the step left them. */
static int
on_step_finish(struct event *ev, const cJSON *part, const char *mid)
{
	struct store_message m = STORE_MESSAGE_INIT;

	m.id = mid;
	m.session_id = ev->session_id;
	m.text_mode = TEXT_FILL;
	tokens(ev, payload_obj(&ev->p, part, "tokens"), &m);
	cost(ev, part, &m);
	return store_response(&ev->store, &m);
}

static int
on_compaction(struct event *ev, const cJSON *part)
{
	struct store_event e = {0};
	const char *parts[2];
	char key[17];
	int autom = 0;

	parts[0] = ev->session_id;
	parts[1] = payload_str(&ev->p, part, "id");
	store_key(key, parts, 2);
	e.session_id = ev->session_id;
	e.key = key;
	e.kind = "pre";
	e.trigger = payload_bool(&ev->p, part, "auto", &autom) && autom ?
	    "auto" : "manual";
	e.at = ev->r->received_at;
	return store_compaction(&ev->store, &e);
}

/* message.part.updated: the part's message is made or refreshed. */
static int
on_part(struct event *ev)
{
	struct payload *p = &ev->p;
	const cJSON *part = payload_obj(p, props(ev), "part");
	const char *type = payload_str(p, part, "type");
	const char *mid = payload_str(p, part, "messageID");
	int rc;

	if ((rc = session_touch(ev, NULL, -1)) != SQLITE_OK || type == NULL ||
	    mid == NULL)
		return rc;
	cJSON_AddStringToObject(p->log, "part", type);
	if (strcmp(type, "text") == 0)
		return on_text(ev, part, mid);
	if (strcmp(type, "tool") == 0)
		return on_tool(ev, part, mid);
	if (strcmp(type, "step-finish") == 0)
		return on_step_finish(ev, part, mid);
	if (strcmp(type, "compaction") == 0)
		return on_compaction(ev, part);
	return SQLITE_OK;
}

static int
on_touch(struct event *ev)
{
	return session_touch(ev, NULL, -1);
}

static const struct {
	const char *event;
	int (*fn)(struct event *);
} handlers[] = {
	{ "session.created", on_session },
	{ "session.updated", on_session },
	{ "session.deleted", on_session },
	{ "session.error", on_session_error },
	{ "session.compacted", on_compacted },
	{ "message.updated", on_message },
	{ "message.removed", on_message_removed },
	{ "message.part.updated", on_part },
};

/*
 * Stores one OpenCode event; the caller holds the transaction. Other
 * events touch their session; an event of no session stores nothing but
 * its hook_events row. Returns a SQLite result code.
 */
int
opencode_store(struct event *ev)
{
	size_t i;

	if (ev->session_id == NULL)
		return strcmp(ev->r->event, "session.error") == 0 ?
		    on_session_error(ev) : SQLITE_OK;
	for (i = 0; i < sizeof handlers / sizeof *handlers; i++)
		if (strcmp(ev->r->event, handlers[i].event) == 0)
			return handlers[i].fn(ev);
	return on_touch(ev);
}
