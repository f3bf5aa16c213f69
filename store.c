/*
 * store.c: every write of a row that agents share (sessions, titles,
 * messages, tools, session errors, compactions), with the agent's source
 * bound. Mappers (claude.c, transcript.c, opencode.c: one file per agent)
 * translate what their agent sent into the neutral records below and call
 * these; no other file writes these rows (transcript.c alone sets a
 * session's bad_lines, from its own transcript_files), so each merge rule
 * is written once, here, with the reason beside it. It also counts a
 * session's totals again from its rows (store_recount) and reads them
 * back (store_totals).
 *
 * Every write is an upsert that never loses what is known and is
 * order-free: any order or repetition of events and transcript reads
 * leaves the same row. A field a record does not carry (NULL, or -1 for
 * numbers) leaves the stored value alone; times are the earliest or latest
 * seen, never the last written; counters and token totals follow the rows
 * (triggers in schema.sql), never added to blindly. Each function runs
 * inside the caller's transaction and returns a SQLite result code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define OUTPUT_LIMIT_DEFAULT 65536

/*
 * Text an agent wrote (prompts, responses, titles, tool input and output,
 * errors, compaction summaries) passes here on its way to a column: the
 * one place its secrets are redacted (redact.c), unless CLANKERS_REDACT=0.
 * Returns s, or the redacted text, which *owned then holds (the caller
 * frees it); *n is updated. Ids, names, paths and numbers never come here.
 */
static const char *
unsecret(const char *s, size_t *n, char **owned)
{
	size_t rn = 0;

	*owned = NULL;
	if (s && *n && redact_enabled() && (*owned = redact(s, *n, &rn)) != NULL) {
		*n = rn;
		return *owned;
	}
	return s;
}

/* Binds the n bytes of text s an agent wrote (see unsecret). */
static void
bind_said(sqlite3_stmt *st, const char *name, const char *s, size_t n)
{
	char *r;

	s = unsecret(s, &n, &r);
	db_bind_textn(st, name, s, n);
	free(r);
}

static void
bind_said_str(sqlite3_stmt *st, const char *name, const char *s)
{
	bind_said(st, name, s, s ? strlen(s) : 0);
}

/* ----------------------------------------------------------- sessions */

static const char SQL_SESSION_PROJECT[] =
	"SELECT project_name IS NOT NULL FROM sessions WHERE id = :id";

/*
 * Columns that describe the session as it is now (where the agent runs,
 * in which mode, from which file): a value replaces the stored one when it
 * was seen no earlier than the session's latest update, so a replayed old
 * event or an old part of a transcript cannot roll it back.
 */
#define LATEST(col) \
	" " col " = CASE WHEN excluded." col " IS NOT NULL AND (sessions." col \
	" IS NULL OR :first >= sessions.updated_at)" \
	" THEN excluded." col " ELSE sessions." col " END,"

/*
 * Columns only a start of the session carries (the model it starts with,
 * its --agent): the latest start's value wins.
 */
#define LATEST_START(col) \
	" " col " = CASE WHEN excluded." col " IS NOT NULL AND (sessions." col \
	" IS NULL OR :first >= COALESCE(sessions.last_start_at, 0))" \
	" THEN excluded." col " ELSE sessions." col " END,"

/*
 * Where the session ran and on which machine is found once, from its first
 * folder (the project is the repository around it): later events cannot
 * move a session to another project. created_at is the earliest time seen,
 * updated_at the latest; a record with no time of its own moves neither.
 */
static const char SQL_SESSION[] =
	"INSERT INTO sessions (id, source, parent_id, project_path, project_name,"
	" repo_root, git_branch, cwd, hostname, model, provider, permission_mode,"
	" transcript_path, client_version, start_source, agent_type, last_event,"
	" created_at, updated_at)"
	" VALUES (:id, :source, :parent, :project_path, :project_name, :repo_root,"
	" :git_branch, :cwd, :hostname, :model, :provider, :permission_mode,"
	" :transcript_path, :client_version, :start_source, :agent_type, :event,"
	" COALESCE(:first, :now), COALESCE(:last, :first, :now))"
	" ON CONFLICT(id) DO UPDATE SET"
	" parent_id = COALESCE(sessions.parent_id, excluded.parent_id),"
	" project_path = COALESCE(sessions.project_path, excluded.project_path),"
	" project_name = COALESCE(sessions.project_name, excluded.project_name),"
	" repo_root = COALESCE(sessions.repo_root, excluded.repo_root),"
	" git_branch = COALESCE(sessions.git_branch, excluded.git_branch),"
	" hostname = COALESCE(sessions.hostname, excluded.hostname),"
	" start_source = COALESCE(sessions.start_source, excluded.start_source),"
	LATEST("cwd")
	LATEST("permission_mode")
	LATEST("transcript_path")
	/* Only transcripts carry it, read forward: the last read's value. */
	" client_version = COALESCE(excluded.client_version, sessions.client_version),"
	LATEST("provider")
	LATEST("last_event")
	LATEST_START("model")
	LATEST_START("agent_type")
	" created_at = MIN(sessions.created_at, COALESCE(:first, sessions.created_at)),"
	" updated_at = MAX(sessions.updated_at, COALESCE(:last, sessions.updated_at))";

/* The row the counting triggers add to: made before the first message or tool. */
static const char SQL_SESSION_MADE[] =
	"INSERT INTO sessions (id, source, created_at, updated_at)"
	" VALUES (:id, :source, :at, :at) ON CONFLICT(id) DO NOTHING";

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

/*
 * Creates or refreshes the session row x describes. The project (and the
 * machine) are looked up only while the row has none: the walk up to .git
 * costs a few stats, once per session.
 */
int
store_session(struct store *s, const struct store_session *x)
{
	struct project proj = {0};
	const char *dir = x->project_dir ? x->project_dir : x->cwd;
	char host[256] = "";
	sqlite3_stmt *st;
	int rc, known = 0;

	if ((st = db_prepare(s->db, SQL_SESSION_PROJECT)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", x->id);
	if ((rc = db_step(s->db, st)) == SQLITE_ROW) {
		known = sqlite3_column_int(st, 0);
		db_reset(st);
	} else if (rc != SQLITE_DONE) {
		return rc;
	}
	if (!known) {
		project_find(dir, &proj);
		if (gethostname(host, sizeof host - 1) < 0)
			host[0] = '\0';
	}
	if ((st = db_prepare(s->db, SQL_SESSION)) == NULL) {
		project_release(&proj);
		return SQLITE_ERROR;
	}
	db_bind_text(st, ":id", x->id);
	db_bind_text(st, ":source", s->source);
	db_bind_text(st, ":parent", x->parent_id);
	db_bind_text(st, ":project_path", dir);
	db_bind_text(st, ":project_name", proj.name);
	db_bind_text(st, ":repo_root", proj.root);
	db_bind_text(st, ":git_branch", x->git_branch ? x->git_branch : proj.branch);
	db_bind_text(st, ":cwd", x->cwd);
	db_bind_text(st, ":hostname", host);
	db_bind_text(st, ":model", x->model);
	db_bind_text(st, ":provider", x->provider);
	db_bind_text(st, ":permission_mode", x->permission_mode);
	db_bind_text(st, ":transcript_path", x->transcript_path);
	db_bind_text(st, ":client_version", x->client_version);
	db_bind_text(st, ":start_source", x->start_source);
	db_bind_text(st, ":agent_type", x->agent_type);
	db_bind_text(st, ":event", x->event);
	db_bind_known(st, ":first", x->first_at);
	db_bind_known(st, ":last", x->last_at >= 0 ? x->last_at : x->first_at);
	db_bind_int(st, ":now", now_ms());
	rc = db_run(s->db, st);
	project_release(&proj);
	return rc;
}

/*
 * The model the session works with is its latest response's (by that
 * response's time), whatever order the responses are stored in.
 */
static const char SQL_SESSION_MODEL[] =
	"UPDATE sessions SET model = :model, provider = COALESCE(:provider, provider),"
	" model_at = :at WHERE id = :id AND (model_at IS NULL OR :at >= model_at)";

int
store_session_model(struct store *s, const char *sid, const char *model,
    const char *provider, int64_t at)
{
	sqlite3_stmt *st;

	if (model == NULL || (st = db_prepare(s->db, SQL_SESSION_MODEL)) == NULL)
		return model == NULL ? SQLITE_OK : SQLITE_ERROR;
	db_bind_text(st, ":id", sid);
	db_bind_text(st, ":model", model);
	db_bind_text(st, ":provider", provider);
	db_bind_int(st, ":at", at);
	return db_run(s->db, st);
}

/* Makes the session's row if it has none yet (at: its first time). */
int
store_session_made(struct store *s, const char *sid, int64_t at)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_SESSION_MADE)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", sid);
	db_bind_text(st, ":source", s->source);
	db_bind_int(st, ":at", at >= 0 ? at : now_ms());
	return db_run(s->db, st);
}

static int
run_id(struct store *s, const char *sql, const char *sid, int64_t at)
{
	sqlite3_stmt *st = db_prepare(s->db, sql);

	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", sid);
	if (sqlite3_bind_parameter_index(st, ":now"))
		db_bind_int(st, ":now", at);
	return db_run(s->db, st);
}

/* The session (re)started at at: it is active until a later end. */
int
store_session_start(struct store *s, const char *sid, int64_t at)
{
	int rc = run_id(s, SQL_SESSION_START, sid, at);

	return rc ? rc : run_id(s, SQL_SESSION_STATUS, sid, at);
}

/* The session ended at at, for reason (NULL: none given). */
int
store_session_end(struct store *s, const char *sid, int64_t at, const char *reason)
{
	sqlite3_stmt *st = db_prepare(s->db, SQL_SESSION_END);
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", sid);
	db_bind_int(st, ":now", at);
	db_bind_text(st, ":reason", reason);
	if ((rc = db_run(s->db, st)) != SQLITE_OK)
		return rc;
	return run_id(s, SQL_SESSION_STATUS, sid, at);
}

/* ------------------------------------------------------------- titles */

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

/*
 * Gives the session this title if it wins over the one it has. source is
 * one of prompt, summary, ai, client, custom (see TITLE_RANK).
 */
int
store_title(struct store *s, const char *sid, const char *title,
    const char *source, int64_t at)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_TITLE)) == NULL)
		return SQLITE_ERROR;
	bind_said_str(st, ":title", title);
	db_bind_text(st, ":src", source);
	db_bind_int(st, ":at", at);
	db_bind_text(st, ":sid", sid);
	return db_run(s->db, st);
}

static size_t prompt_title(const char *prompt, char *out, size_t outsz);

/*
 * A title from a prompt: whitespace runs become one space, at most 100
 * characters with an ellipsis when cut. Slash commands and empty prompts
 * give no title (returns 0). out must hold at least 404 bytes. The
 * prompt's head is redacted before the cut (see unsecret), so that no
 * secret is cut to a head its pattern no longer knows.
 */
size_t
store_prompt_title(const char *prompt, char *out, size_t outsz)
{
	size_t n = strnlen(prompt, 8192), len;
	char *r;
	const char *p = unsecret(prompt, &n, &r);

	len = prompt_title(p, out, outsz);
	free(r);
	return len;
}

static size_t
prompt_title(const char *prompt, char *out, size_t outsz)
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

/* ----------------------------------------------------------- messages */

/*
 * Makes clankers_cost (the price of a response) callable on db: the
 * built-in price table with the user's own file over it ($CLANKERS_PRICES,
 * else <root>/prices.tsv; root NULL: the built-in table alone, unless a
 * file was loaded already). The table is loaded once per process.
 */
void
store_prices(struct db *db, const char *root)
{
	static int loaded;
	const char *env = getenv("CLANKERS_PRICES");
	char *path;

	if (!loaded && root) {
		path = env && *env ? xstrdup(env) : path_join(root, "prices.tsv");
		if (env && *env && access(path, F_OK) < 0)
			log_msg(LOG_WARN, "price", "CLANKERS_PRICES=%s: %s; using the "
			    "built-in prices", path, strerror(errno));
		if (price_load(path) < 0)
			log_msg(LOG_WARN, "price", "%s: cannot read: %s; using the "
			    "built-in prices", path, errno == EINVAL ?
			    "not a regular file" : strerror(errno));
		free(path);
		loaded = 1;
	}
	if (!db->priced) {
		price_register(db->h);
		db->priced = 1;
	}
}

/* The larger of two values, either of which may be NULL (m: the stored row). */
#define MAXE(col) "MAX(COALESCE(m." col ", excluded." col "),"\
	" COALESCE(excluded." col ", m." col "))"
#define MAXOF(col) " " col " = " MAXE(col) ","

/*
 * A response may be seen many times (a line per content block, copies in
 * subagent files and progress lines, updates of one message): it is counted
 * once, with the largest value of each usage field seen for it, so a copy
 * with a partial count never lowers a complete one. Reasoning tokens
 * (counted apart from output by OpenCode) are paid as output. Its cost is what the
 * agent computed where it gives one (the largest figure seen: it only
 * grows as the response's steps finish), else the price table's.
 */
static const char SQL_RESPONSE[] =
	"INSERT INTO messages AS m (id, session_id, role, text_content, model, provider,"
	" source, request_id, agent_id, input_tokens, output_tokens,"
	" reasoning_tokens, cache_creation_input_tokens, cache_creation_1h_tokens,"
	" cache_read_input_tokens, speed, stop_reason, is_sidechain, duration_ms,"
	" agent_cost_usd, cost_usd, created_at, completed_at)"
	" VALUES (:id, :sid, 'assistant', :text, :model, :provider, :source, :req,"
	" :agent, :input, :output, :reasoning, :cw, :cw1h, :cr, :speed, :stop, :side,"
	" :dur, :cost,"
	" COALESCE(:cost, clankers_cost(:model, :input, COALESCE(:output, 0) +"
	" COALESCE(:reasoning, 0), :cw, :cw1h, :cr, :speed)),"
	" :first, :last)"
	" ON CONFLICT(id) DO UPDATE SET"
	/* The first text of a response met in a read sets it (TEXT_SET), the
	 * next blocks add to it (TEXT_ADD): a read from the start rebuilds it
	 * whole. Copies only fill a text that is missing (TEXT_FILL): they are
	 * not the response's own lines. A sidechain's replay of a main-thread
	 * response (/btw) changes neither its text nor its agent. */
	/* A text part (TEXT_PART) is added once, however often it is told. */
	" text_content = CASE WHEN excluded.is_sidechain > m.is_sidechain"
	"   THEN m.text_content"
	"   WHEN :mode = 0 THEN excluded.text_content"
	"   WHEN :mode = 2 THEN COALESCE(m.text_content, excluded.text_content)"
	"   WHEN :mode = 3 AND instr(m.text_content, excluded.text_content) > 0"
	"   THEN m.text_content"
	"   WHEN m.text_content IS NULL THEN excluded.text_content"
	"   WHEN excluded.text_content IS NULL THEN m.text_content"
	"   ELSE m.text_content || char(10, 10) || excluded.text_content END,"
	" model = COALESCE(m.model, excluded.model),"
	" provider = COALESCE(m.provider, excluded.provider),"
	" request_id = COALESCE(m.request_id, excluded.request_id),"
	" agent_id = CASE WHEN m.is_sidechain = 0 THEN m.agent_id"
	"   WHEN excluded.is_sidechain = 0 THEN excluded.agent_id"
	"   ELSE COALESCE(m.agent_id, excluded.agent_id) END,"
	" agent_cost_usd = " MAXE("agent_cost_usd") ","
	" cost_usd = COALESCE(" MAXE("agent_cost_usd") ","
	"   clankers_cost(COALESCE(m.model, excluded.model),"
	"   " MAXE("input_tokens") ", COALESCE(" MAXE("output_tokens") ", 0) + COALESCE("
	MAXE("reasoning_tokens") ", 0),"
	"   " MAXE("cache_creation_input_tokens") ", " MAXE("cache_creation_1h_tokens") ","
	"   " MAXE("cache_read_input_tokens") ", COALESCE(m.speed, excluded.speed))),"
	MAXOF("input_tokens")
	MAXOF("output_tokens")
	MAXOF("reasoning_tokens")
	MAXOF("cache_creation_input_tokens")
	MAXOF("cache_creation_1h_tokens")
	MAXOF("cache_read_input_tokens")
	MAXOF("duration_ms")
	" speed = COALESCE(m.speed, excluded.speed),"
	" stop_reason = COALESCE(excluded.stop_reason, m.stop_reason),"
	/* A copy in a sidechain never makes the main thread's response one. */
	" is_sidechain = MIN(m.is_sidechain, excluded.is_sidechain),"
	" created_at = MIN(COALESCE(m.created_at, excluded.created_at),"
	"   COALESCE(excluded.created_at, m.created_at)),"
	" completed_at = MAX(COALESCE(m.completed_at, excluded.completed_at),"
	"   COALESCE(excluded.completed_at, m.completed_at))";

/*
 * A prompt's text is its own: a later copy with none keeps it. A prompt
 * the client injected (a background agent's <task-notification>) is one.
 */
static const char SQL_PROMPT[] =
	"INSERT INTO messages (id, session_id, role, text_content, source, agent_id,"
	" is_sidechain, is_notification, created_at, completed_at)"
	" VALUES (:id, :sid, 'user', :text, :source, :agent, :side, :note, :at, :at)"
	" ON CONFLICT(id) DO UPDATE SET"
	" is_notification = max(is_notification, excluded.is_notification),"
	" text_content = COALESCE(excluded.text_content, messages.text_content),"
	" created_at = COALESCE(messages.created_at, excluded.created_at),"
	" completed_at = COALESCE(messages.completed_at, excluded.completed_at)";

static const char SQL_TURN[] =
	"UPDATE messages SET duration_ms = :dur WHERE id = :id AND role = 'user'";

/* Prepares sql and binds what every message has; NULL on error. */
static sqlite3_stmt *
message_prepare(struct store *s, const char *sql, const struct store_message *m)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, sql)) == NULL)
		return NULL;
	db_bind_text(st, ":id", m->id);
	db_bind_text(st, ":sid", m->session_id);
	db_bind_text(st, ":source", s->source);
	bind_said(st, ":text", m->text, m->text ? m->text_len : 0);
	db_bind_text(st, ":agent", m->agent_id);
	db_bind_int(st, ":side", m->sidechain);
	return st;
}

/* Claude's thinking tokens: a part of output_tokens, kept apart, never priced again. */
static const char SQL_THINKING[] =
	"UPDATE messages SET thinking_tokens = max(coalesce(thinking_tokens, :thinking),"
	" :thinking) WHERE id = :id";

/* Stores one response (an assistant message); see SQL_RESPONSE. */
int
store_response(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->db->priced)
		store_prices(s->db, s->root);
	if ((st = message_prepare(s, SQL_RESPONSE, m)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":model", m->model);
	db_bind_text(st, ":provider", m->provider);
	db_bind_text(st, ":req", m->request_id);
	db_bind_known(st, ":reasoning", m->reasoning);
	db_bind_known(st, ":input", m->input);
	db_bind_known(st, ":output", m->output);
	db_bind_known(st, ":cw", m->cache_write);
	db_bind_known(st, ":cw1h", m->cache_write >= 0 ? m->cache_write_1h : -1);
	db_bind_known(st, ":cr", m->cache_read);
	db_bind_known(st, ":first", m->created_at);
	db_bind_known(st, ":last", m->completed_at);
	db_bind_known(st, ":dur", m->duration_ms);
	db_bind_text(st, ":speed", m->speed);
	db_bind_text(st, ":stop", m->stop_reason);
	db_bind_int(st, ":mode", m->text_mode);
	if (m->cost_usd >= 0)
		db_bind_real(st, ":cost", m->cost_usd);
	else
		db_bind_null(st, ":cost");
	if ((rc = db_run(s->db, st)) != SQLITE_OK || m->thinking < 0)
		return rc;
	if ((st = db_prepare(s->db, SQL_THINKING)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", m->id);
	db_bind_int(st, ":thinking", m->thinking);
	return db_run(s->db, st);
}

/* Stores one prompt (a user message); m's token fields are not used. */
int
store_prompt(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st;

	if ((st = message_prepare(s, SQL_PROMPT, m)) == NULL)
		return SQLITE_ERROR;
	db_bind_known(st, ":at", m->created_at);
	db_bind_int(st, ":note", m->notification);
	return db_run(s->db, st);
}

static const char SQL_MESSAGE_TOOLS_GONE[] =
	"DELETE FROM tools WHERE message_id = :id AND session_id = :sid";
static const char SQL_MESSAGE_GONE[] =
	"DELETE FROM messages WHERE id = :id AND session_id = :sid";

/*
 * The agent took a message back (an undo): it goes, with the tool calls
 * it made; the session's totals follow by trigger.
 */
int
store_message_removed(struct store *s, const char *sid, const char *id)
{
	static const char *const sql[] = { SQL_MESSAGE_TOOLS_GONE, SQL_MESSAGE_GONE };
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < 2; i++) {
		if ((st = db_prepare(s->db, sql[i])) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, ":id", id);
		db_bind_text(st, ":sid", sid);
		if ((rc = db_run(s->db, st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* The whole turn a prompt started took ms (the client's own figure). */
int
store_turn_duration(struct store *s, const char *prompt_id, int64_t ms)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_TURN)) == NULL)
		return SQLITE_ERROR;
	db_bind_int(st, ":dur", ms);
	db_bind_text(st, ":id", prompt_id);
	return db_run(s->db, st);
}

/* -------------------------------------------------------------- tools */

/*
 * A tool call is told in pieces by several sources: its start (a hook
 * before it runs), its end (a hook after, with output or error), the
 * agent's own record of the call (the transcript's tool_use and
 * tool_result blocks, an OpenCode tool part), and a batch that names calls
 * that never ran. Whatever the order, the row ends the same:
 *
 *   - name, input, file, message and agent: the first value known stays;
 *   - an error from any end wins over success, so two ends cannot disagree
 *     by order; a call inferred not to have run (not_run) gives way to a
 *     real end arriving late;
 *   - the agent's record settles only a call that no end closed (still
 *     running, or not_run), since a hook saw more (duration, interrupt);
 *   - started_at is the earliest start, ended_at the earliest end; a start
 *     received after the end tells nothing and is dropped.
 */
/* Open to a result: running (not a background agent's launch), or closed unrun. */
#define TOOL_OPEN "((tools.status = 'running' AND tools.launched_agent_id IS NULL)" \
	" OR tools.not_run = 1)"
#define TOOL_FAILED "(excluded.status = 'error' OR (tools.status = 'error'" \
	" AND tools.not_run = 0))"
#define TOOL_FIRST(col) " " col " = COALESCE(tools." col ", excluded." col ")"
/* What the call is: the first value known of each stays. */
#define TOOL_KNOWN TOOL_FIRST("message_id") "," TOOL_FIRST("agent_id") "," \
	TOOL_FIRST("tool_name") "," TOOL_FIRST("tool_input") "," TOOL_FIRST("file_path")

/* A start with its time (a hook before the call, a running tool part). */
static const char SQL_TOOL_START[] =
	"INSERT INTO tools (id, session_id, message_id, source, agent_id, tool_name,"
	" tool_input, file_path, status, started_at, created_at)"
	" VALUES (:id, :sid, :msg, :source, :agent_id, :name, :input, :file_path,"
	" 'running', :started, :now)"
	" ON CONFLICT(id) DO UPDATE SET" TOOL_KNOWN ","
	" started_at = CASE WHEN excluded.started_at > tools.ended_at"
	"   THEN tools.started_at ELSE MIN(COALESCE(tools.started_at,"
	"   excluded.started_at), excluded.started_at) END,"
	" created_at = MIN(tools.created_at, excluded.created_at)";

/*
 * The agent's record of a call with no time of its own (a transcript's
 * tool_use block): it makes the row, with the record's time, but on a row
 * that exists it only fills what is known of the call; its times stay.
 */
static const char SQL_TOOL_SEEN[] =
	"INSERT INTO tools (id, session_id, message_id, source, agent_id, tool_name,"
	" tool_input, file_path, status, started_at, created_at)"
	" VALUES (:id, :sid, :msg, :source, :agent_id, :name, :input, :file_path,"
	" 'running', :now, :now)"
	" ON CONFLICT(id) DO UPDATE SET" TOOL_KNOWN;

static const char SQL_TOOL_END[] =
	"INSERT INTO tools (id, session_id, message_id, source, agent_id, tool_name,"
	" tool_input, file_path, status, success, tool_output, tool_output_bytes,"
	" tool_output_truncated, error_message, is_interrupt, started_at, ended_at,"
	" reported_duration_ms, permission, created_at)"
	" VALUES (:id, :sid, :msg, :source, :agent_id, :name, :input, :file_path,"
	" :status, :status = 'ok', :output, :output_bytes, :truncated, :error,"
	" :interrupt, :started, :ended, :duration,"
	" CASE WHEN :denied THEN 'denied' END, :now)"
	" ON CONFLICT(id) DO UPDATE SET" TOOL_KNOWN ","
	/* A call asked for permission that ends was allowed; PermissionDenied denies. */
	" permission = CASE WHEN :denied THEN 'denied'"
	"   WHEN tools.permission = 'asked' THEN 'allowed' ELSE tools.permission END,"
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
	" started_at = CASE WHEN COALESCE(tools.started_at, excluded.started_at)"
	"   > excluded.ended_at THEN NULL"
	"   ELSE COALESCE(tools.started_at, excluded.started_at) END,"
	" reported_duration_ms = COALESCE(excluded.reported_duration_ms,"
	"   tools.reported_duration_ms),"
	" created_at = MIN(tools.created_at, excluded.created_at)";

/*
 * A call still running when its turn was resolved (or never seen) got no
 * end: it never ran (permission denied, invalid input, cancelled), and
 * what the model was told is the reason. Marked not_run, so that a real
 * end arriving late still wins. An Agent call that launched its agent in
 * the background runs on: its agent's stop ends it.
 */
static const char SQL_TOOL_NOT_RUN[] =
	"INSERT INTO tools (id, session_id, source, tool_name, tool_input,"
	" file_path, status, success, error_message, not_run, ended_at, created_at)"
	" VALUES (:id, :sid, :source, :name, :input, :file_path, 'error', 0,"
	" :error, 1, :ended, :now)"
	" ON CONFLICT(id) DO UPDATE SET status = 'error', success = 0, not_run = 1,"
	" permission = CASE WHEN tools.permission IS NOT NULL THEN 'denied' END,"
	" error_message = COALESCE(tools.error_message, excluded.error_message),"
	" ended_at = COALESCE(tools.ended_at, excluded.ended_at)"
	" WHERE tools.status = 'running' AND tools.launched_agent_id IS NULL";

/*
 * The agent's own record of the result settles a call the ends left open.
 * A result that is no error shows the call ran after all.
 */
static const char SQL_TOOL_RESULT[] =
	"INSERT INTO tools (id, session_id, source, agent_id, tool_output,"
	" tool_output_bytes, tool_output_truncated, status, success, error_message,"
	" ended_at, created_at)"
	" VALUES (:id, :sid, :source, :agent_id, :output, :output_bytes, :truncated,"
	" :status, :status = 'ok', :error, :ended, :now)"
	" ON CONFLICT(id) DO UPDATE SET"
	TOOL_FIRST("agent_id") ","
	" error_message = CASE WHEN " TOOL_OPEN
	"   THEN excluded.error_message ELSE tools.error_message END,"
	" success = CASE WHEN " TOOL_OPEN
	"   THEN excluded.success ELSE tools.success END,"
	" tool_output_bytes = CASE WHEN tools.tool_output IS NULL"
	"   THEN excluded.tool_output_bytes ELSE tools.tool_output_bytes END,"
	" tool_output_truncated = CASE WHEN tools.tool_output IS NULL"
	"   THEN excluded.tool_output_truncated ELSE tools.tool_output_truncated END,"
	" tool_output = COALESCE(tools.tool_output, excluded.tool_output),"
	" ended_at = CASE WHEN tools.launched_agent_id IS NOT NULL THEN tools.ended_at"
	"   ELSE COALESCE(tools.ended_at, excluded.ended_at) END,"
	" not_run = CASE WHEN tools.not_run = 1 AND excluded.status = 'ok'"
	"   THEN 0 ELSE tools.not_run END,"
	" status = CASE WHEN " TOOL_OPEN
	"   THEN excluded.status ELSE tools.status END";

/*
 * The most bytes of a tool's output kept (CLANKERS_OUTPUT_LIMIT, else
 * 64 KiB): the rest is counted, not stored.
 */
size_t
store_output_limit(void)
{
	static size_t limit;
	const char *s;
	long long n;

	if (limit)
		return limit;
	s = getenv("CLANKERS_OUTPUT_LIMIT");
	n = s && *s ? atoll(s) : 0;
	limit = n > 0 ? (size_t)n : OUTPUT_LIMIT_DEFAULT;
	return limit;
}

/*
 * The output is redacted before it is cut, so that the cut cannot leave
 * the head of a secret its pattern no longer matches; only the part kept
 * and a margin are scanned (a secret that long is a private key, redacted
 * to the end of the text when its end is not seen). output_bytes and
 * truncated speak of the output as it came.
 */
static void
bind_output(sqlite3_stmt *st, const struct store_tool *t)
{
	size_t limit = store_output_limit(), cut = 0, n = 0;
	const char *out = t->output;
	char *r = NULL;

	if (out) {
		cut = utf8_cut(out, t->output_len, limit);
		n = t->output_len - cut > 8192 ? cut + 8192 : t->output_len;
		out = unsecret(out, &n, &r);
	}
	db_bind_textn(st, ":output", out, out ? utf8_cut(out, n, limit) : 0);
	free(r);
	if (t->output)
		db_bind_int(st, ":output_bytes", (int64_t)t->output_len);
	else
		db_bind_null(st, ":output_bytes");
	db_bind_int(st, ":truncated", cut < t->output_len);
}

/* Binds what the kind's SQL takes of the call itself (its own fields aside). */
static void
bind_tool(sqlite3_stmt *st, struct store *s, const struct store_tool *t)
{
	db_bind_text(st, ":id", t->id);
	db_bind_text(st, ":sid", t->session_id);
	db_bind_text(st, ":source", s->source);
	if (t->kind != TOOL_NOT_RUN)
		db_bind_text(st, ":agent_id", t->agent_id);
	if (t->kind == TOOL_START || t->kind == TOOL_END)
		db_bind_text(st, ":msg", t->message_id);
	if (t->kind != TOOL_RESULT) {
		db_bind_text(st, ":name", t->name);
		bind_said_str(st, ":input", t->input);
		db_bind_text(st, ":file_path", t->file_path);
	}
	db_bind_int(st, ":now", t->at >= 0 ? t->at : now_ms());
}

/*
 * Stores what t tells of a call (see the rules above SQL_TOOL_START).
 * The output is cut at store_output_limit(), its whole size kept.
 */
int
store_tool(struct store *s, const struct store_tool *t)
{
	static const char *const sql[] = {
		[TOOL_START] = SQL_TOOL_START, [TOOL_END] = SQL_TOOL_END,
		[TOOL_NOT_RUN] = SQL_TOOL_NOT_RUN, [TOOL_RESULT] = SQL_TOOL_RESULT,
	};
	int64_t at = t->at >= 0 ? t->at : now_ms();
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, t->kind == TOOL_START && t->started_at < 0 ?
	    SQL_TOOL_SEEN : sql[t->kind])) == NULL)
		return SQLITE_ERROR;
	bind_tool(st, s, t);
	switch (t->kind) {
	case TOOL_START:
		if (t->started_at >= 0)
			db_bind_int(st, ":started", t->started_at);
		break;
	case TOOL_END:
		db_bind_text(st, ":status", t->failed ? "error" : "ok");
		bind_output(st, t);
		bind_said_str(st, ":error", t->error);
		if (t->interrupt >= 0)
			db_bind_int(st, ":interrupt", t->interrupt);
		else
			db_bind_null(st, ":interrupt");
		db_bind_known(st, ":started", t->started_at);
		db_bind_int(st, ":ended", t->ended_at >= 0 ? t->ended_at : at);
		db_bind_known(st, ":duration", t->duration_ms);
		db_bind_int(st, ":denied", t->denied);
		break;
	case TOOL_NOT_RUN:
		bind_said_str(st, ":error", t->error);
		db_bind_int(st, ":ended", t->ended_at >= 0 ? t->ended_at : at);
		break;
	case TOOL_RESULT:
		db_bind_text(st, ":status", t->failed ? "error" : "ok");
		bind_output(st, t);
		bind_said_str(st, ":error", t->error);
		db_bind_int(st, ":ended", t->ended_at >= 0 ? t->ended_at : at);
		break;
	}
	return db_run(s->db, st);
}

/* ------------------------------------------------------------- totals */

/* One pass over the covering index: the session's figures, by model. */
static const char SQL_BY_MODEL[] =
	"SELECT model, sum(input_tokens), sum(output_tokens),"
	" sum(cache_creation_input_tokens), sum(cache_read_input_tokens),"
	" count(*), sum(cost_usd IS NULL), total(cost_usd), min(created_at),"
	" min(CASE WHEN is_sidechain = 0 THEN created_at END)"
	" FROM messages WHERE session_id = :sid AND role = 'assistant'"
	" GROUP BY model ORDER BY min(created_at)";

static const char SQL_PROMPT_COUNT[] =
	"SELECT count(*) FROM messages WHERE session_id = :sid AND role = 'user'";

/* The figures the triggers keep, counted again from scratch. */
static const char SQL_RECOUNT[] =
	"UPDATE sessions SET input_tokens = :input, output_tokens = :output,"
	" cache_creation_input_tokens = :cw, cache_read_input_tokens = :cr,"
	" prompt_tokens = :prompt, completion_tokens = :output, cost_usd = :cost,"
	" message_count = :count, responses = :responses,"
	" unpriced_responses = :unpriced, known_cost_usd = :known, models = :models,"
	" model = COALESCE(model, :model),"
	" tool_call_count = (SELECT count(*) FROM tools WHERE session_id = :sid)"
	" WHERE id = :sid";

/* A sum of a column, and whether any row gave it a value. */
struct sum {
	int64_t v;
	int seen;
};

/* The session's figures as recount_totals gathers them from its rows. */
struct recount {
	struct sum in, out, cw, cr;
	int64_t responses, unpriced, prompts, first_at;
	double cost;
	struct buf models;    /* owned; the models by first use, comma-separated */
	char *first_model;    /* owned; of the first main-chain response */
};

/*
 * Adds up the session's responses, by model (SQL_BY_MODEL), into t.
 * Returns SQLITE_DONE when every row was read, else a SQLite code.
 */
static int
recount_responses(struct store *s, const char *sid, struct recount *t)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(s->db, SQL_BY_MODEL)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	while ((rc = db_step(s->db, st)) == SQLITE_ROW) {
		const char *model = (const char *)sqlite3_column_text(st, 0);
		struct sum *s[4] = { &t->in, &t->out, &t->cw, &t->cr };
		int i;

		for (i = 0; i < 4; i++)
			if (sqlite3_column_type(st, 1 + i) != SQLITE_NULL) {
				s[i]->v += sqlite3_column_int64(st, 1 + i);
				s[i]->seen = 1;
			}
		t->responses += sqlite3_column_int64(st, 5);
		t->unpriced += sqlite3_column_int64(st, 6);
		t->cost += sqlite3_column_double(st, 7);
		if (model && strcmp(model, "<synthetic>") != 0) {
			if (t->models.len)
				buf_add(&t->models, ",", 1);
			buf_add(&t->models, model, strlen(model));
			if (sqlite3_column_type(st, 9) != SQLITE_NULL &&
			    (t->first_at < 0 || sqlite3_column_int64(st, 9) < t->first_at)) {
				t->first_at = sqlite3_column_int64(st, 9);
				free(t->first_model);
				t->first_model = xstrdup(model);
			}
		}
	}
	return rc;
}

/* Writes t over the session's totals (SQL_RECOUNT). Returns a SQLite code. */
static int
recount_write(struct store *s, const char *sid, const struct recount *t)
{
	sqlite3_stmt *up;

	if ((up = db_prepare(s->db, SQL_RECOUNT)) == NULL)
		return SQLITE_ERROR;
#define BIND_SUM(name, s) \
	do { if ((s).seen) db_bind_int(up, name, (s).v); else db_bind_null(up, name); } while (0)
	BIND_SUM(":input", t->in);
	BIND_SUM(":output", t->out);
	BIND_SUM(":cw", t->cw);
	BIND_SUM(":cr", t->cr);
#undef BIND_SUM
	if (t->in.seen || t->cw.seen || t->cr.seen)
		db_bind_int(up, ":prompt", t->in.v + t->cw.v + t->cr.v);
	else
		db_bind_null(up, ":prompt");
	/* Unknown if any response has no price: never a made-up $0. */
	if (t->responses > 0 && t->unpriced == 0)
		db_bind_real(up, ":cost", t->cost);
	else
		db_bind_null(up, ":cost");
	db_bind_real(up, ":known", t->cost);
	db_bind_int(up, ":responses", t->responses);
	db_bind_int(up, ":unpriced", t->unpriced);
	if (t->responses + t->prompts > 0)
		db_bind_int(up, ":count", t->responses + t->prompts);
	else
		db_bind_null(up, ":count");
	db_bind_textn(up, ":models", t->models.data, t->models.len);
	db_bind_text(up, ":model", t->first_model);
	db_bind_text(up, ":sid", sid);
	return db_run(s->db, up);
}

/*
 * The session's totals, counted again from its rows (the triggers of
 * schema.sql keep them as rows change; a full re-read checks them from
 * scratch). Sums stay NULL until a response gave a count.
 */
int
store_recount(struct store *s, const char *sid)
{
	struct recount t = { .first_at = -1 };
	sqlite3_stmt *st;
	int rc;

	if ((rc = recount_responses(s, sid, &t)) != SQLITE_DONE)
		goto out;
	if ((st = db_prepare(s->db, SQL_PROMPT_COUNT)) == NULL) {
		rc = SQLITE_ERROR;
		goto out;
	}
	db_bind_text(st, ":sid", sid);
	if ((rc = db_step(s->db, st)) != SQLITE_ROW)
		goto out;
	t.prompts = sqlite3_column_int64(st, 0);
	db_reset(st);
	rc = recount_write(s, sid, &t);
out:
	buf_release(&t.models);
	free(t.first_model);
	return rc;
}

/* ------------------------------------------------ errors, compactions */

/*
 * One API failure is told twice in 2.1.332: by StopFailure and by the
 * transcript's <synthetic> assistant line, with the same message. The one
 * stored first stands for both: a row of the same message within two
 * minutes makes no second.
 */
static const char SQL_ERROR[] =
	"INSERT INTO session_errors (session_id, event_key, error_type,"
	" error_message, error_details, created_at)"
	" SELECT :sid, :key, :type, :message, :details, :now"
	" WHERE NOT EXISTS (SELECT 1 FROM session_errors WHERE session_id = :sid"
	"   AND event_key <> :key AND error_message IS :message"
	"   AND abs(created_at - :now) < 120000)"
	" ON CONFLICT(event_key) DO UPDATE SET"
	" created_at = MIN(created_at, excluded.created_at)";

static const char SQL_COMPACTION[] =
	"INSERT INTO compaction_events (session_id, event_key, phase, trigger,"
	" custom_instructions, summary, created_at)"
	" VALUES (:sid, :key, :phase, :trigger, :instructions, :summary, :now)"
	" ON CONFLICT(event_key) DO UPDATE SET"
	" created_at = MIN(created_at, excluded.created_at)";

/*
 * A key for a row that has no id of its own, from the parts that tell one
 * such event from another (two copies of one event agree on them): a hash,
 * as 16 hex digits.
 */
void
store_key(char out[17], const char *const *parts, size_t n)
{
	uint64_t h = FNV_SEED;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = parts[i] ? parts[i] : "";

		h = fnv1a(h, p, strlen(p) + 1);  /* the NUL separates parts */
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Prepares sql and binds what an error and a compaction share; NULL on error. */
static sqlite3_stmt *
event_prepare(struct store *s, const char *sql, const struct store_event *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, sql)) == NULL)
		return NULL;
	db_bind_text(st, ":sid", e->session_id);
	db_bind_text(st, ":key", e->key);
	db_bind_int(st, ":now", e->at);
	return st;
}

/* One error of the session (an API failure), once per key. */
int
store_error(struct store *s, const struct store_event *e)
{
	sqlite3_stmt *st;

	if ((st = event_prepare(s, SQL_ERROR, e)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":type", e->kind);
	bind_said_str(st, ":message", e->message);
	bind_said_str(st, ":details", e->details);
	return db_run(s->db, st);
}

/* One compaction of the session's context (phase pre or post), once per key. */
int
store_compaction(struct store *s, const struct store_event *e)
{
	sqlite3_stmt *st;

	if ((st = event_prepare(s, SQL_COMPACTION, e)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":phase", e->kind);
	db_bind_text(st, ":trigger", e->trigger);
	bind_said_str(st, ":instructions", e->details);
	bind_said_str(st, ":summary", e->message);
	return db_run(s->db, st);
}

/* -------------------------------------- Claude Code 2.1.332 additions */

/* Pre and Post of one switch are one row: done once Post is seen. */
static const char SQL_MODEL_SWITCH[] =
	"INSERT INTO model_switches (session_id, event_key, from_model, to_model,"
	" requested_model, switch_source, done, created_at)"
	" VALUES (:sid, :key, :from, :to, :req, :src, :done, :now)"
	" ON CONFLICT(event_key) DO UPDATE SET"
	" from_model = COALESCE(from_model, excluded.from_model),"
	" to_model = COALESCE(to_model, excluded.to_model),"
	" requested_model = COALESCE(requested_model, excluded.requested_model),"
	" switch_source = COALESCE(switch_source, excluded.switch_source),"
	" done = max(done, excluded.done),"
	" created_at = MIN(created_at, excluded.created_at)";

/*
 * One model switch of the session (e->trigger: its source), once per key;
 * done (PostModelSwitch) makes to the session's model from e->at on, so
 * that the responses after it are counted under it.
 */
int
store_model_switch(struct store *s, const struct store_event *e,
    const char *from, const char *to, const char *requested, int done)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = event_prepare(s, SQL_MODEL_SWITCH, e)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":from", from);
	db_bind_text(st, ":to", to);
	db_bind_text(st, ":req", requested);
	db_bind_text(st, ":src", e->trigger);
	db_bind_int(st, ":done", done);
	if ((rc = db_run(s->db, st)) != SQLITE_OK || !done)
		return rc;
	return store_session_model(s, e->session_id, to, NULL, e->at);
}

/*
 * A permission prompt for a call (PermissionRequest names no tool_use_id:
 * the call is the session's latest of that tool and input). A call still
 * waiting was asked; one that ended was allowed, one closed unrun denied.
 */
static const char SQL_PERMISSION[] =
	"UPDATE tools SET permission = CASE WHEN not_run = 1 THEN 'denied'"
	"   WHEN status = 'running' THEN coalesce(permission, 'asked')"
	"   WHEN permission = 'denied' THEN 'denied' ELSE 'allowed' END"
	" WHERE id = (SELECT id FROM tools WHERE session_id = :sid"
	"   AND (:id IS NULL OR id = :id) AND tool_name IS :name"
	"   AND (:id IS NOT NULL OR tool_input IS :input)"
	"   AND coalesce(started_at, created_at) <= :now"
	"   ORDER BY coalesce(started_at, created_at) DESC LIMIT 1)";

/* Records that the call was asked for permission; see SQL_PERMISSION. */
int
store_tool_permission(struct store *s, const char *sid, const char *id,
    const char *name, const char *input, int64_t at)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_PERMISSION)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":name", name);
	/* The call's input is stored redacted: compared redacted. */
	bind_said_str(st, ":input", input);
	db_bind_int(st, ":now", at);
	return db_run(s->db, st);
}

/*
 * An Agent call that launched its agent in the background (2.1.332): the
 * call runs until the agent stops, so its row stays open, named by the
 * agent's id. Its launch's PostToolUse always comes before the agent's
 * SubagentStop; a row that already ended by the agent keeps its end.
 */
static const char SQL_AGENT_LAUNCH[] =
	"UPDATE tools SET launched_agent_id = :agent,"
	" tool_output_bytes = CASE WHEN tool_output IS NULL THEN :output_bytes"
	"   ELSE tool_output_bytes END,"
	" tool_output_truncated = CASE WHEN tool_output IS NULL THEN :truncated"
	"   ELSE tool_output_truncated END,"
	" tool_output = COALESCE(tool_output, :output)"
	" WHERE id = :id AND session_id = :sid";

/* The launch's answer (output, output_len bytes) is the call's output. */
int
store_agent_launch(struct store *s, const char *sid, const char *tool_id,
    const char *agent_id, const char *output, size_t output_len)
{
	struct store_tool t = STORE_TOOL_INIT;
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_AGENT_LAUNCH)) == NULL)
		return SQLITE_ERROR;
	t.output = output;
	t.output_len = output_len;
	db_bind_text(st, ":sid", sid);
	db_bind_text(st, ":id", tool_id);
	db_bind_text(st, ":agent", agent_id);
	bind_output(st, &t);
	return db_run(s->db, st);
}

/* The background agent stopped at at: the call that launched it ends then. */
static const char SQL_AGENT_END[] =
	"UPDATE tools SET ended_at = max(coalesce(ended_at, :now), :now),"
	" status = CASE WHEN status = 'running' THEN 'ok' ELSE status END,"
	" success = CASE WHEN status = 'running' THEN 1 ELSE success END"
	" WHERE session_id = :sid AND launched_agent_id = :agent";

int
store_agent_end(struct store *s, const char *sid, const char *agent_id,
    int64_t at)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_AGENT_END)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	db_bind_text(st, ":agent", agent_id);
	db_bind_int(st, ":now", at);
	return db_run(s->db, st);
}

/*
 * The client's own running totals of one model (a cost-state line): they
 * only grow, so each is the largest seen, whatever the order of reading.
 */
#define CLIENT_MAX(col) " " col " = max(coalesce(client_usage." col ", excluded." col \
	"), coalesce(excluded." col ", client_usage." col ")),"
static const char SQL_CLIENT_USAGE[] =
	"INSERT INTO client_usage (session_id, model, input_tokens, output_tokens,"
	" thinking_tokens, cache_creation_input_tokens, cache_read_input_tokens,"
	" cost_usd, updated_at)"
	" VALUES (:sid, :model, :input, :output, :thinking, :cw, :cr, :cost, :now)"
	" ON CONFLICT(session_id, model) DO UPDATE SET"
	CLIENT_MAX("input_tokens") CLIENT_MAX("output_tokens")
	CLIENT_MAX("thinking_tokens") CLIENT_MAX("cache_creation_input_tokens")
	CLIENT_MAX("cache_read_input_tokens") CLIENT_MAX("cost_usd")
	" updated_at = max(coalesce(client_usage.updated_at, excluded.updated_at),"
	"   coalesce(excluded.updated_at, client_usage.updated_at))";

int
store_client_usage(struct store *s, const struct store_client_usage *u)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_CLIENT_USAGE)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", u->session_id);
	db_bind_text(st, ":model", u->model);
	db_bind_known(st, ":input", u->input);
	db_bind_known(st, ":output", u->output);
	db_bind_known(st, ":thinking", u->thinking);
	db_bind_known(st, ":cw", u->cache_write);
	db_bind_known(st, ":cr", u->cache_read);
	if (u->cost_usd >= 0)
		db_bind_real(st, ":cost", u->cost_usd);
	else
		db_bind_null(st, ":cost");
	db_bind_known(st, ":now", u->at);
	return db_run(s->db, st);
}

static const char SQL_CLIENT_COST[] =
	"UPDATE sessions SET client_cost_usd = max(coalesce(client_cost_usd, :cost), :cost)"
	" WHERE id = :sid";

/* The client's own running total cost of the session (totalCostUSD). */
int
store_client_cost(struct store *s, const char *sid, double cost)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(s->db, SQL_CLIENT_COST)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":sid", sid);
	db_bind_real(st, ":cost", cost);
	return db_run(s->db, st);
}

/* ------------------------------------------------------------ reading */

static const char SQL_TOTALS[] =
	"SELECT message_count, tool_call_count, input_tokens, output_tokens,"
	" cache_read_input_tokens, cache_creation_input_tokens, cost_usd,"
	" (SELECT sum(reasoning_tokens) FROM messages WHERE session_id = :id)"
	" FROM sessions WHERE id = :id";
static const char SQL_ROWS_SESSION[] = "SELECT * FROM sessions WHERE id = :id";
static const char SQL_ROWS_MESSAGES[] =
	"SELECT * FROM messages WHERE session_id = :id ORDER BY id";
static const char SQL_ROWS_TOOLS[] =
	"SELECT * FROM tools WHERE session_id = :id ORDER BY id";

/* Adds every column of every row st gives to the hash *h. */
static int
digest_rows(struct store *s, sqlite3_stmt *st, uint64_t *h)
{
	int rc, i, n;

	while ((rc = db_step(s->db, st)) == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++) {
			int type = sqlite3_column_type(st, i);
			const void *p = sqlite3_column_blob(st, i);
			int len = sqlite3_column_bytes(st, i);

			*h = fnv1a(*h, &type, sizeof type);
			*h = fnv1a(*h, &len, sizeof len);
			if (len > 0)
				*h = fnv1a(*h, p, (size_t)len);
		}
	}
	db_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * What the database holds of session sid: its totals, and a digest of
 * every column of its row, its messages and its tools, which tells
 * whether anything of it changed between two calls. t->exists is 0 (the
 * rest 0) when it has no row. Returns a SQLite result code.
 */
int
store_totals(struct store *s, const char *sid, struct store_totals *t)
{
	static const char *const rows[] = { SQL_ROWS_SESSION, SQL_ROWS_MESSAGES,
	    SQL_ROWS_TOOLS };
	sqlite3_stmt *st;
	size_t i;
	int rc;

	memset(t, 0, sizeof *t);
	t->cost_usd = -1;
	if ((st = db_prepare(s->db, SQL_TOTALS)) == NULL)
		return SQLITE_ERROR;
	db_bind_text(st, ":id", sid);
	if ((rc = db_step(s->db, st)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	t->exists = 1;
	t->messages = sqlite3_column_int64(st, 0);
	t->tools = sqlite3_column_int64(st, 1);
	t->input = sqlite3_column_int64(st, 2);
	t->output = sqlite3_column_int64(st, 3);
	t->cache_read = sqlite3_column_int64(st, 4);
	t->cache_write = sqlite3_column_int64(st, 5);
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		t->cost_usd = sqlite3_column_double(st, 6);
	t->reasoning = sqlite3_column_int64(st, 7);
	db_reset(st);
	t->digest = FNV_SEED;
	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		if ((st = db_prepare(s->db, rows[i])) == NULL)
			return SQLITE_ERROR;
		db_bind_text(st, ":id", sid);
		if ((rc = digest_rows(s, st, &t->digest)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
