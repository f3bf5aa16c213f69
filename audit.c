/*
 * audit.c: the sections of `clankers report` that audit the recording
 * itself: tables (each table's rows, newest row, and whether the logs show
 * write errors for it), gaps (Not saved: what the database lacks; Not
 * logged: what the logs lack; tool calls left running), log (the period's
 * errors and warnings by message) and overhead (clankers' own time per
 * hook invocation). Each adds its part to r->out from the database (through
 * section.c) and r->log (logread.c); none prints or writes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define LOG_GRACE_MS 5000    /* a hook writes its log line just after its commit */

/*
 * Each table: its rows, when the newest was written, and a status: empty,
 * errors (the period's log has error lines from what writes it: the hook
 * and the spool for the event tables, the transcript reader for messages
 * and transcript_files), else working.
 */
int
audit_tables(struct report *r)
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
		sqlite3_stmt *count = section_prepare(r, sql), *newest;
		int64_t rows;
		cJSON *t;
		int rc;

		sqlite3_free(sql);
		if (count == NULL)
			return -1;
		if ((rc = sqlite3_step(count)) != SQLITE_ROW)
			return section_done(r, count, rc);
		rows = sqlite3_column_int64(count, 0);
		sqlite3_finalize(count);
		if ((newest = section_prepare(r, tables[i].newest)) == NULL)
			return -1;
		rc = sqlite3_step(newest);
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", tables[i].name);
		section_add_int(t, "rows", rows);
		cJSON_AddItemToObject(t, "newest", rc != SQLITE_ROW ||
		    sqlite3_column_type(newest, 0) == SQLITE_NULL ? cJSON_CreateNull() :
		    fmt_json_time(sqlite3_column_int64(newest, 0)));
		cJSON_AddStringToObject(t, "status", rows == 0 ? "empty" :
		    (tables[i].transcript ? r->log->transcript_errors : r->log->write_errors) ?
		    "errors" : "working");
		cJSON_AddItemToArray(arr, t);
		if (section_done(r, newest, rc) < 0)
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
	section_add_int(g, "count", 0);
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
		if (section_get_int(g, "count") == 0)
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

	/* A session whose turn failed (an API error) has no model nor tokens
	 * to save: it is shown as Failed (gaps_failed), not as incomplete. */
	st = section_prepare(r, "SELECT s.source, s.id, s.model IS NULL AND s.models IS NULL "
	    "  AND NOT EXISTS (SELECT 1 FROM session_errors e WHERE e.session_id = s.id), "
	    "s.project_path IS NULL, s.title IS NULL, "
	    "s.input_tokens IS NULL AND s.output_tokens IS NULL "
	    "  AND NOT EXISTS (SELECT 1 FROM session_errors e WHERE e.session_id = s.id), "
	    "s.bad_lines > 0 "
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
	return section_done(r, st, rc);
}

/* Models whose responses have no price: their cost is unknown. */
static int
gaps_prices(struct report *r, cJSON *gaps)
{
	sqlite3_stmt *st;
	int rc;

	/* Only sessions the triggers found an unpriced response in: no full scan. */
	st = section_prepare(r, "SELECT coalesce(m.model, '(none)'), count(*) "
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
	return section_done(r, st, rc);
}

/*
 * A gap whose items are "ID (DETAIL)", from sql's two columns (a NULL
 * detail is "?").
 */
static int
gaps_pairs(struct report *r, cJSON *gaps, const char *sql, const char *name,
    const char *unit, const char *what)
{
	sqlite3_stmt *st;
	cJSON *g;
	int rc;

	if ((st = section_prepare(r, sql)) == NULL)
		return -1;
	g = gap_new(gaps, name, unit, what);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *item = xasprintf("%s (%s)", sqlite3_column_text(st, 0),
		    sqlite3_column_type(st, 1) == SQLITE_NULL ? "?" :
		    (const char *)sqlite3_column_text(st, 1));

		gap_item(g, item);
		free(item);
	}
	return section_done(r, st, rc);
}

/* Sessions of the period whose turn ended in an API error (StopFailure). */
static int
gaps_failed(struct report *r, cJSON *gaps)
{
	return gaps_pairs(r, gaps, "SELECT s.id, group_concat(DISTINCT e.error_type) "
	    "FROM session_errors e JOIN sessions s ON s.id = e.session_id "
	    "WHERE e.created_at >= :since AND e.created_at < :until AND " SESSION_FILTER
	    " GROUP BY s.id ORDER BY max(e.created_at) DESC", "failed", "session",
	    "sessions whose turn ended in an API error (session_errors)");
}

/* Tool calls still running well after their session moved on. */
static int
gaps_running(struct report *r, cJSON *gaps)
{
	return gaps_pairs(r, gaps, "SELECT t.id, t.tool_name FROM tools t INDEXED BY tools_running "
	    "JOIN sessions s ON s.id = t.session_id WHERE t.status = 'running' "
	    "AND (s.status = 'ended' OR s.updated_at > coalesce(t.started_at, t.created_at) "
	    "  + :running_after) "
	    "AND t.created_at >= :since AND t.created_at < :until AND " SESSION_FILTER
	    " ORDER BY t.created_at DESC", "running", "tool",
	    "tool calls still running 10 minutes after their session moved on");
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
	sqlite3_stmt *st = section_prepare(r, "SELECT 1 FROM sessions s WHERE s.id = :id AND "
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
	if (section_done(r, st, rc == SQLITE_ERROR ? SQLITE_ERROR : SQLITE_DONE) < 0) {
		free(*pass);
		*pass = NULL;
		return -1;
	}
	return 0;
}

/*
 * The Not logged gap: the hook_events rows of [from, to], of the sessions
 * the filter lets in, with no log line. Every row from a little before
 * from marks its invocation in the log as in_db. 0, or -1 on an error
 * (reported).
 */
static int
gaps_not_logged(struct report *r, cJSON *gaps, int64_t from, int64_t to)
{
	struct logscan *ls = r->log;
	sqlite3_stmt *st;
	cJSON *nolog;
	int rc;

	/*
	 * Rows from a little before the span: their lines are written after
	 * receipt. Every row marks its line; only those of the sessions the
	 * filter lets in can be a gap.
	 */
	st = section_prepare(r, "SELECT h.invocation, h.received_at, h.event, h.session_id, "
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

		logread_key(id, (size_t)sqlite3_column_bytes(st, 0), key);
		if ((v = logread_find(ls, key)) != NULL) {
			v->in_db = 1;
		} else if (sqlite3_column_int64(st, 1) >= from &&
		    (!section_filtered(r) || sqlite3_column_int(st, 4))) {
			char *item = xasprintf("%s %s %s", id, sqlite3_column_text(st, 2),
			    sqlite3_column_type(st, 3) == SQLITE_NULL ? "-" :
			    (const char *)sqlite3_column_text(st, 3));

			gap_item(nolog, item);
			free(item);
		}
	}
	return section_done(r, st, rc);
}

/*
 * The Not saved gaps: the invocations the log has in [from, to] with no
 * row (after gaps_not_logged marked those with one), by what the log says
 * became of them. 0, or -1 on an error (reported).
 */
static int
gaps_not_saved(struct report *r, cJSON *gaps, int64_t from, int64_t to)
{
	struct logscan *ls = r->log;
	cJSON *lost, *spooled, *rejected, *norow;
	unsigned char *pass = NULL;
	size_t i;

	if (section_filtered(r) && log_sessions_pass(r, ls, &pass) < 0)
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
		case INV_LOST: g = lost; break;
		case INV_REJECTED: g = rejected; break;
		case INV_SPOOLED: g = spooled; break;
		case INV_STORED: g = norow; break;
		default: continue;
		}
		hex16(ls->ids.ids[i], id);
		item = xasprintf("%s %s", id, ls->events[v->event]);
		gap_item(g, item);
		free(item);
	}
	free(pass);
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

	if (ls->lines == 0)
		return 0;
	from = ls->first > r->since ? ls->first : r->since;
	to = ls->last < r->until ? ls->last : r->until;
	/* A hook logs after it commits: a line may fall past --until or now. */
	if (to > r->now - LOG_GRACE_MS)
		to = r->now - LOG_GRACE_MS;
	if (r->until != INT64_MAX && to > r->until - LOG_GRACE_MS)
		to = r->until - LOG_GRACE_MS;
	if (gaps_not_logged(r, gaps, from, to) < 0)
		return -1;
	return gaps_not_saved(r, gaps, from, to);
}

/*
 * Not saved, Failed, Not logged and Running: what the database and the logs lack,
 * each gap with a count and its first GAP_ITEMS ids; the gaps that found
 * nothing are left out.
 */
int
audit_gaps(struct report *r)
{
	cJSON *gaps = cJSON_AddArrayToObject(r->out, "gaps");

	if (gaps_sessions(r, gaps) < 0 || gaps_prices(r, gaps) < 0 ||
	    gaps_failed(r, gaps) < 0 || gaps_running(r, gaps) < 0 || gaps_log(r, gaps) < 0)
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
void
audit_log(struct report *r)
{
	struct logscan *ls = r->log;
	cJSON *o = cJSON_AddObjectToObject(r->out, "log");
	cJSON *arr;
	size_t i;

	cJSON_AddStringToObject(o, "dir", r->ctx->log_dir);
	section_add_int(o, "files", ls->files);
	section_add_int(o, "lines", ls->lines);
	section_add_int(o, "unreadable_lines", ls->bad);
	section_add_int(o, "long_lines", ls->long_lines);
	section_add_int(o, "errors", ls->errors);
	section_add_int(o, "warnings", ls->warns);
	cJSON_AddItemToObject(o, "first", ls->lines ? fmt_json_time(ls->first) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "last", ls->lines ? fmt_json_time(ls->last) : cJSON_CreateNull());
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
		section_add_int(e, "count", m->count);
		cJSON_AddItemToObject(e, "last", fmt_json_time(m->last));
		cJSON_AddItemToArray(arr, e);
	}
}

/* clankers' own time per hook invocation, by event (most runs first), from the log. */
void
audit_overhead(struct report *r)
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
		qsort(v, ls->nevents, sizeof *v, section_cmp_ranked);
	for (i = 0; i < ls->nevents; i++) {
		struct series *s = &ls->durations[v[i].i];

		if (s->n == 0)
			continue;
		for (k = 0; k < s->n; k++)
			series_add(&all, s->v[k]);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", v[i].name);
		section_add_int(o, "runs", (int64_t)s->n);
		section_percentiles(o, s, 1000);
		cJSON_AddItemToArray(arr, o);
	}
	if (all.n) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "(all)");
		section_add_int(o, "runs", (int64_t)all.n);
		section_percentiles(o, &all, 1000);
		cJSON_AddItemToArray(arr, o);
	}
	free(all.v);
	free(v);
}
