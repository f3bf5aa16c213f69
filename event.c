/*
 * event.c: one hook event, from its receipt to its rows. A receipt is what
 * an invocation knows before it touches the database (which agent, which
 * event, when, and what the agent's receive noted); it is what the spool
 * keeps beside the payload. event_store writes the event's hook_events
 * row and the agent's rows in one transaction; event_after runs what the
 * agent does once the event is stored (Claude Code: read the transcript).
 * event_apply stores an event that no hook received (one an import
 * rebuilt from the agent's own records) through the same mapper, inside
 * the caller's transaction and with no hook_events row.
 * Which rows an event makes is the agent's mapper's business, reached
 * through the agent table; nothing here names an agent.
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/* A new receipt for event (owned copy) of agent a, received now. */
void
receipt_init(struct receipt *r, const struct agent *a, const char *event)
{
	char inv[33];

	memset(r, 0, sizeof *r);
	r->agent = a;
	r->event = xstrdup(event ? event : "");
	random_hex(inv, 16);
	r->invocation = xstrdup(inv);
	r->received_at = now_ms();
}

/* Frees what r holds and zeroes it; r itself is the caller's. */
void
receipt_release(struct receipt *r)
{
	free(r->event);
	free(r->invocation);
	cJSON_Delete(r->context);
	memset(r, 0, sizeof *r);
}

/*
 * Sets ev up for the payload of r: the store with the agent's source, the
 * field reader logging into log, the ids the agent finds. Returns NULL, or
 * (static) why the event cannot be used.
 */
const char *
event_identify(struct event *ev, const struct receipt *r, cJSON *payload,
    cJSON *log)
{
	memset(ev, 0, sizeof *ev);
	ev->store.source = r->agent->source;
	ev->r = r;
	ev->p.root = payload;
	ev->p.log = log;
	return r->agent->identify(ev);
}

static const char SQL_HOOK_EVENT[] =
	"INSERT INTO hook_events (invocation, session_id, source, event,"
	" tool_use_id, agent_id, prompt_id, known, spooled, received_at)"
	" VALUES (:invocation, :sid, :source, :event, :tool_use_id, :agent_id,"
	" :prompt_id, :known, :spooled, :now)"
	" ON CONFLICT(invocation) DO NOTHING";

/*
 * Stores one event, which event_identify set up, in one BEGIN IMMEDIATE
 * ... COMMIT on db. An invocation already stored (a spool file ingested
 * twice) changes nothing. The event's log record receives the fields the
 * mapper adds. Returns a SQLite result code; on failure nothing of the
 * event is written.
 */
int
event_store(struct event *ev, struct db *db, const char *root)
{
	const struct receipt *r = ev->r;
	cJSON *log = ev->p.log;
	sqlite3_stmt *st;
	int rc;

	ev->store.db = db;
	ev->store.root = root;
	if ((rc = db_begin(db)) != SQLITE_OK)
		return rc;
	if ((st = db_prepare(db, SQL_HOOK_EVENT)) == NULL) {
		rc = SQLITE_ERROR;
		goto fail;
	}
	db_bind_text(st, ":invocation", r->invocation);
	db_bind_text(st, ":sid", ev->session_id);
	db_bind_text(st, ":source", r->agent->source);
	db_bind_text(st, ":event", r->event);
	db_bind_text(st, ":tool_use_id", ev->call_id);
	db_bind_text(st, ":agent_id", ev->agent_id);
	db_bind_text(st, ":prompt_id", ev->prompt_id);
	db_bind_int(st, ":known", r->agent->known(r->event));
	db_bind_int(st, ":spooled", r->spooled);
	db_bind_int(st, ":now", r->received_at);
	if ((rc = db_run(db, st)) != SQLITE_OK)
		goto fail;
	if (sqlite3_changes(db->h) == 0) {
		cJSON_AddBoolToObject(log, "duplicate", 1);
		db_rollback(db);
		return SQLITE_OK;
	}
	if ((rc = r->agent->store(ev)) != SQLITE_OK)
		goto fail;
	if (ev->p.warned)
		log_set_level(log, LOG_WARN);
	return db_commit(db);
fail:
	db_rollback(db);
	return rc;
}

/*
 * Stores an event no hook received (an import rebuilds it from the agent's
 * own records) through agent a's mapper, as if received at at (ms): the
 * same rows a hook would make, inside the caller's transaction, and no
 * hook_events row, which stands for a hook invocation only. log (may be
 * NULL) receives the fields the mapper adds. An event the agent cannot
 * identify stores nothing. Returns a SQLite result code.
 */
int
event_apply(struct db *db, const char *root, const struct agent *a,
    const char *event, int64_t at, cJSON *payload, cJSON *log)
{
	struct receipt r = {0};
	struct event ev;

	/* Borrowed, never released: no invocation, no context, nothing owned. */
	r.agent = a;
	r.event = (char *)event;
	r.received_at = at;
	if (event_identify(&ev, &r, payload, log) != NULL)
		return SQLITE_OK;
	ev.store.db = db;
	ev.store.root = root;
	return a->store(&ev);
}

/*
 * What the agent does once event_store stored ev, within deadline_us;
 * what it cannot finish is left for a later event.
 */
void
event_after(struct event *ev, int64_t deadline_us)
{
	if (ev->r->agent->after)
		ev->r->agent->after(ev, ev->store.root, deadline_us);
}
