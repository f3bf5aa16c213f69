/*
 * usage.c: the usage section of `clankers report`: sessions, messages,
 * tool calls, tokens and cost, grouped by day, model, project or session.
 * The rows come from usage_days (the per session, day and model sums the
 * triggers keep) for a period of whole days, else from the period's
 * message rows; tools.c's pass over the tool rows counts the tool calls
 * through usage_tool. It reads through section.c and adds to r->out only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

static const char *const by_names[] = { "day", "model", "project", "session" };

/*
 * Usage and tools come from one pass over the period's message rows and
 * one over its tool rows, both read from covering indexes (messages_usage,
 * tools_stats: no message text or tool output is touched) and added up
 * here: SQLite's GROUP BY over the same rows sorts them in a temporary
 * B-tree, several times slower on a million rows. Usage is counted from
 * the rows of the period, not from the sessions' totals, so that a session
 * that spans two days counts on each day for what it did that day.
 */
struct group {
	char *key;                /* borrowed from the map */
	int64_t sessions, messages, tools, tok[4], unpriced, last;
	int has_tok[4], priced;   /* a NULL sum stays NULL */
	double cost;
};

/* A new group, its key not yet set. */
static int
group_new(struct usage *u)
{
	if (u->ng == u->capg) {
		u->capg = u->capg ? 2 * u->capg : 64;
		u->g = xrealloc(u->g, u->capg * sizeof *u->g);
	}
	memset(&u->g[u->ng], 0, sizeof *u->g);
	return (int)u->ng++;
}

static int
usage_group(struct usage *u, const char *key, size_t n)
{
	int i = strmap_get(&u->keys, key, n);

	if (i < 0)
		strmap_put(&u->keys, key, n, i = group_new(u));
	return i;
}

/* Room for one more session in the arrays kept per session. */
static void
sid_grow(struct usage *u)
{
	size_t k;

	if (u->nsids < u->capsids)
		return;
	u->capsids = u->capsids ? 2 * u->capsids : 1024;
	u->seen = xrealloc(u->seen, u->capsids);
	u->sid_group = xrealloc(u->sid_group, u->capsids * sizeof *u->sid_group);
	for (k = u->nsids; k < u->capsids; k++)
		u->sid_group[k] = -1;
}

/*
 * The index of session id sid[0..n), added when new; -1 when the filter
 * leaves it out (the sessions are preloaded and it is not one of them).
 */
int
usage_sid(struct usage *u, const char *sid, size_t n)
{
	int i;

	if (u->last_sid.len == n + 1 && memcmp(u->last_sid.data, sid, n) == 0)
		return u->last_s;
	u->last_sid.len = 0;
	buf_add(&u->last_sid, sid, n);
	buf_add(&u->last_sid, "", 1);
	if ((i = strmap_get(&u->sids, sid, n)) >= 0 || u->preloaded)
		return u->last_s = i;
	strmap_put(&u->sids, sid, n, (int)u->nsids);
	sid_grow(u);
	u->seen[u->nsids] = 0;
	return u->last_s = (int)u->nsids++;
}

/* Counts session sid in group g once. */
static void
usage_pair(struct usage *u, int g, int sid)
{
	uint64_t key, h;
	size_t i;

	if (u->single) {  /* g is sid's one group: seen says it all */
		if (!u->seen[sid]) {
			u->seen[sid] = 1;
			u->g[g].sessions++;
			u->total_sessions++;
		}
		return;
	}
	key = (uint64_t)(g + 1) << 32 | (uint64_t)(sid + 1);
	if (2 * (u->npairs + 1) > u->cappairs) {
		uint64_t *old = u->pairs;
		size_t oldcap = u->cappairs, k;

		u->cappairs = u->cappairs ? 2 * u->cappairs : 4096;
		u->pairs = xmalloc(u->cappairs * sizeof *u->pairs);
		memset(u->pairs, 0, u->cappairs * sizeof *u->pairs);
		u->npairs = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k]) {
				h = old[k] * 0x9e3779b97f4a7c15ULL;
				for (i = (size_t)(h >> 20) & (u->cappairs - 1); u->pairs[i];
				    i = (i + 1) & (u->cappairs - 1))
					;
				u->pairs[i] = old[k];
				u->npairs++;
			}
		free(old);
	}
	h = key * 0x9e3779b97f4a7c15ULL;
	for (i = (size_t)(h >> 20) & (u->cappairs - 1); u->pairs[i];
	    i = (i + 1) & (u->cappairs - 1))
		if (u->pairs[i] == key)
			return;
	u->pairs[i] = key;
	u->npairs++;
	u->g[g].sessions++;
	if (!u->seen[sid]) {
		u->seen[sid] = 1;
		u->total_sessions++;
	}
}

/* Frees what u holds. */
void
usage_release(struct usage *u)
{
	strmap_release(&u->keys);
	strmap_release(&u->sids);
	free(u->g);
	free(u->sid_group);
	free(u->pairs);
	free(u->seen);
	free(u->days);
	free(u->day_g);
	buf_release(&u->last_sid);
}

/*
 * Which sessions count, and by project their group, when that needs the
 * sessions (a filter, or by project): then only those count. 0, or -1
 * reported.
 */
int
usage_preload(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc;

	if (!section_filtered(r) && r->by != BY_PROJECT)
		return 0;
	u->preloaded = 1;
	st = section_prepare(r, "SELECT s.id, coalesce(s.project_name, s.project_path, "
	    "'(none)') FROM sessions s WHERE " SESSION_FILTER);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *p = (const char *)sqlite3_column_text(st, 1);

		sid_grow(u);
		u->seen[u->nsids] = 0;
		if (r->by == BY_PROJECT)
			u->sid_group[u->nsids] = usage_group(u, p, strlen(p));
		strmap_put(&u->sids, id, strlen(id), (int)u->nsids++);
	}
	return section_done(r, st, rc);
}

/* The slot of day d in the map of days: its own, or the free one it would take. */
static size_t
day_slot(const struct usage *u, int64_t d)
{
	size_t i = (size_t)((uint64_t)d * 0x9e3779b97f4a7c15ULL >> 20) & (u->capdays - 1);

	while (u->day_g[i] >= 0 && u->days[i] != d)
		i = (i + 1) & (u->capdays - 1);
	return i;
}

/*
 * By day: the group of day d (days since the epoch), from a map of the
 * days met: the rows of a session come together, the days of the rows do not.
 */
static int
day_group(struct usage *u, int64_t d)
{
	char day[32];
	size_t i;

	if (2 * (u->ndays + 1) > u->capdays) {
		int64_t *days = u->days;
		int *g = u->day_g;
		size_t cap = u->capdays, k;

		u->capdays = cap ? 2 * cap : 64;
		u->days = xmalloc(u->capdays * sizeof *u->days);
		u->day_g = xmalloc(u->capdays * sizeof *u->day_g);
		for (k = 0; k < u->capdays; k++)
			u->day_g[k] = -1;
		for (k = 0; k < cap; k++)
			if (g[k] >= 0) {
				i = day_slot(u, days[k]);
				u->days[i] = days[k];
				u->day_g[i] = g[k];
			}
		free(days);
		free(g);
	}
	if (u->day_g[i = day_slot(u, d)] < 0) {
		fmt_day(d, day);
		u->days[i] = d;
		u->day_g[i] = usage_group(u, day, strlen(day));
		u->ndays++;
	}
	return u->day_g[i];
}

/* The group of a row of session sid at time t; model NULL for a tool. */
static int
group_of(struct report *r, struct usage *u, int sid, int64_t t, const char *model)
{
	switch (r->by) {
	case BY_DAY:  /* the day as usage_days counts it: toward zero */
		return day_group(u, t / 86400000);
	case BY_MODEL:
		return model ? usage_group(u, model, strlen(model)) : -1;
	case BY_PROJECT:
		return u->sid_group[sid];
	case BY_SESSION:  /* keyed by the session map's own copy of the id (usage_section) */
		if (u->sid_group[sid] < 0)
			u->sid_group[sid] = group_new(u);
		return u->sid_group[sid];
	}
	return -1;
}

/* Usage from the period's message rows; 0, or -1 reported. */
int
usage_messages(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc;

	/* messages_usage covers every column read here. */
	st = section_prepare(r, "SELECT session_id, role, model, created_at, input_tokens, "
	    "output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd "
	    "FROM messages INDEXED BY messages_usage "
	    "WHERE created_at >= :since AND created_at < :until");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		size_t sn = (size_t)sqlite3_column_bytes(st, 0);
		int assistant = strcmp((const char *)sqlite3_column_text(st, 1), "assistant") == 0;
		const char *model = (const char *)sqlite3_column_text(st, 2);
		int64_t t = sqlite3_column_int64(st, 3);
		int s, g, k;
		struct group *gr;

		if (r->by == BY_MODEL && !assistant)
			continue;
		if ((s = usage_sid(u, sid, sn)) < 0)
			continue;
		g = group_of(r, u, s, t, model ? model : "(none)");
		if (g < 0)
			continue;
		usage_pair(u, g, s);
		gr = &u->g[g];
		gr->messages++;
		for (k = 0; k < 4; k++)
			if (sqlite3_column_type(st, 4 + k) != SQLITE_NULL) {
				gr->tok[k] += sqlite3_column_int64(st, 4 + k);
				gr->has_tok[k] = 1;
			}
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			gr->cost += sqlite3_column_double(st, 8);
			gr->priced = 1;
		} else if (assistant) {
			gr->unpriced++;
		}
		if (t > gr->last)
			gr->last = t;
	}
	return section_done(r, st, rc);
}

/*
 * Usage from usage_days, the per session, day and model sums the triggers
 * keep: what the rows give, read from a row per session and day. For a
 * period of whole UTC days only (all time is one).
 */
int
usage_days(struct report *r, struct usage *u)
{
	sqlite3_stmt *st;
	int rc, by_model = r->by == BY_MODEL;

#define USAGE_DAYS "SELECT session_id, day, model, messages, responses, " \
	"input_tokens, output_tokens, cache_creation_input_tokens, " \
	"cache_read_input_tokens, priced_responses, unpriced_responses, known_cost_usd, " \
	"tool_calls, last_at FROM usage_days"

	/* All time reads every row: no bounds to test on each. */
	int bounded = r->since != INT64_MIN || r->until != INT64_MAX;

	st = section_prepare(r, bounded ? USAGE_DAYS " WHERE day >= :d0 AND day < :d1" :
	    USAGE_DAYS);
	if (st == NULL)
		return -1;
	if (bounded) {
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":d0"),
		    r->since == INT64_MIN ? INT64_MIN : r->since / 86400000);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":d1"),
		    r->until == INT64_MAX ? INT64_MAX : r->until / 86400000);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		size_t sn = (size_t)sqlite3_column_bytes(st, 0);
		const char *model = (const char *)sqlite3_column_text(st, 2);
		int64_t msgs = sqlite3_column_int64(st, by_model ? 4 : 3);
		int64_t tools = by_model ? 0 : sqlite3_column_int64(st, 12);
		int s, g, k;
		struct group *gr;

		if (msgs == 0 && tools == 0)
			continue;
		if ((s = usage_sid(u, sid, sn)) < 0)
			continue;
		g = group_of(r, u, s, sqlite3_column_int64(st, 1) * 86400000,
		    *model ? model : "(none)");
		if (g < 0)
			continue;
		usage_pair(u, g, s);
		gr = &u->g[g];
		gr->messages += msgs;
		gr->tools += tools;
		for (k = 0; k < 4; k++)
			if (sqlite3_column_type(st, 5 + k) != SQLITE_NULL) {
				gr->tok[k] += sqlite3_column_int64(st, 5 + k);
				gr->has_tok[k] = 1;
			}
		if (sqlite3_column_int64(st, 9) > 0) {
			gr->cost += sqlite3_column_double(st, 11);
			gr->priced = 1;
		}
		gr->unpriced += sqlite3_column_int64(st, 10);
		if (sqlite3_column_int64(st, 13) > gr->last)
			gr->last = sqlite3_column_int64(st, 13);
	}
	return section_done(r, st, rc);
}

static enum by sort_by;  /* for cmp_group: qsort passes no context */

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int64_t tx, ty;

	switch (sort_by) {
	case BY_DAY:
		break;
	case BY_MODEL:
		tx = x->tok[0] + x->tok[1] + x->tok[2] + x->tok[3];
		ty = y->tok[0] + y->tok[1] + y->tok[2] + y->tok[3];
		if (tx != ty)
			return (tx < ty) - (tx > ty);
		break;
	default:
		if (x->last != y->last)
			return (x->last < y->last) - (x->last > y->last);
	}
	return strcmp(x->key, y->key);
}

static void
group_json(cJSON *o, const struct group *g, int by_model)
{
	static const char *const tok[] = { "input_tokens", "output_tokens",
	    "cache_creation_input_tokens", "cache_read_input_tokens" };
	double cost;
	int k;

	section_add_int(o, "sessions", g->sessions);
	section_add_int(o, "messages", g->messages);
	if (by_model)
		cJSON_AddNullToObject(o, "tool_calls");  /* a tool call has no model */
	else
		section_add_int(o, "tool_calls", g->tools);
	for (k = 0; k < 4; k++)
		if (g->has_tok[k])
			section_add_int(o, tok[k], g->tok[k]);
		else
			cJSON_AddNullToObject(o, tok[k]);
	section_add_int(o, "unpriced_responses", g->unpriced);
	/* No priced response: no cost, not $0; one without a price: unknown. */
	/* To 1e-10 dollars: sums in another order must not print 0.30000000000000004. */
	cost = round(g->cost * 1e10) / 1e10;
	if (g->priced)
		cJSON_AddNumberToObject(o, "known_cost_usd", cost);
	else
		cJSON_AddNullToObject(o, "known_cost_usd");
	if (g->priced && g->unpriced == 0)
		cJSON_AddNumberToObject(o, "cost_usd", cost);
	else
		cJSON_AddNullToObject(o, "cost_usd");
	cJSON_AddItemToObject(o, "last", g->last ? fmt_json_time(g->last) : cJSON_CreateNull());
}

/* The sessions' own columns on their usage rows. */
static int
usage_sessions(struct report *r, cJSON *rows)
{
	sqlite3_stmt *st = section_prepare(r, "SELECT title, coalesce(project_name, "
	    "project_path), coalesce(models, model), source, status, created_at "
	    "FROM sessions WHERE id = :id");
	cJSON *row;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	cJSON_ArrayForEach(row, rows) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "key"));

		sqlite3_reset(st);
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":id"), id, -1,
		    SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		cJSON_AddItemToObject(row, "title", section_json_col(st, 0));
		cJSON_AddItemToObject(row, "project", section_json_col(st, 1));
		cJSON_AddItemToObject(row, "models", section_json_col(st, 2));
		cJSON_AddItemToObject(row, "source", section_json_col(st, 3));
		cJSON_AddItemToObject(row, "status", section_json_col(st, 4));
		cJSON_AddItemToObject(row, "started", fmt_json_time(sqlite3_column_int64(st, 5)));
		rc = SQLITE_DONE;
	}
	return section_done(r, st, rc);
}

/*
 * The client's own totals (Claude Code 2.1.332's cost-state lines) of the
 * sessions of the period where they differ from the sum of the responses:
 * what the client paid that no response row records (a /compact summary).
 * Kept apart from the rows above, never added to them. 0, or -1.
 */
static int
usage_client(struct report *r, cJSON *o)
{
	sqlite3_stmt *st;
	cJSON *c;
	int rc;

	st = section_prepare(r, "SELECT count(*), total(s.client_cost_usd), total(s.cost_usd),"
	    " total(cu.input_tokens) - total(s.input_tokens),"
	    " total(cu.output_tokens) - total(s.output_tokens)"
	    " FROM sessions s JOIN (SELECT session_id, sum(input_tokens) AS input_tokens,"
	    "   sum(output_tokens) AS output_tokens FROM client_usage GROUP BY session_id) cu"
	    " ON cu.session_id = s.id"
	    " WHERE s.client_cost_usd IS NOT NULL"
	    " AND abs(s.client_cost_usd - coalesce(s.cost_usd, 0)) >= 0.0000005"
	    " AND s.updated_at >= :since AND s.created_at < :until AND " SESSION_FILTER);
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
		c = cJSON_AddObjectToObject(o, "client_totals");
		section_add_int(c, "sessions", sqlite3_column_int64(st, 0));
		cJSON_AddNumberToObject(c, "client_cost_usd", sqlite3_column_double(st, 1));
		cJSON_AddNumberToObject(c, "responses_cost_usd", sqlite3_column_double(st, 2));
		section_add_int(c, "more_input_tokens", (int64_t)sqlite3_column_double(st, 3));
		section_add_int(c, "more_output_tokens", (int64_t)sqlite3_column_double(st, 4));
		rc = SQLITE_DONE;
	}
	return section_done(r, st, rc);
}

/* The usage section into r->out: its rows, sorted, and their total; 0, or -1. */
int
usage_section(struct report *r, struct usage *u)
{
	cJSON *o = cJSON_AddObjectToObject(r->out, "usage"), *rows, *total;
	struct group all = {0};
	size_t i;
	int k;

	cJSON_AddStringToObject(o, "by", by_names[r->by]);
	rows = cJSON_AddArrayToObject(o, "rows");
	for (i = 0; i < u->keys.cap; i++)  /* the keys live in the maps */
		if (u->keys.keys[i])
			u->g[u->keys.vals[i]].key = u->keys.keys[i];
	for (i = 0; r->by == BY_SESSION && i < u->sids.cap; i++)
		if (u->sids.keys[i] && u->sid_group[u->sids.vals[i]] >= 0)
			u->g[u->sid_group[u->sids.vals[i]]].key = u->sids.keys[i];
	sort_by = r->by;
	if (u->ng > 1)
		qsort(u->g, u->ng, sizeof *u->g, cmp_group);
	for (i = 0; i < u->ng; i++) {
		struct group *g = &u->g[i];
		cJSON *row;

		all.messages += g->messages;
		all.tools += g->tools;
		for (k = 0; k < 4; k++) {
			all.tok[k] += g->tok[k];
			all.has_tok[k] |= g->has_tok[k];
		}
		all.cost += g->cost;
		all.priced |= g->priced;
		all.unpriced += g->unpriced;
		if (g->last > all.last)
			all.last = g->last;
		if (g->sessions == 0 || (r->limit > 0 && (long)i >= r->limit))
			continue;  /* a project with no rows in the period; past the limit */
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "key", g->key);
		group_json(row, g, r->by == BY_MODEL);
		cJSON_AddItemToArray(rows, row);
	}
	for (i = k = 0; i < u->ng; i++)
		k += u->g[i].sessions > 0;
	section_add_int(o, "omitted_rows", r->limit > 0 && k > r->limit ? k - r->limit : 0);
	all.sessions = u->total_sessions;
	total = cJSON_AddObjectToObject(o, "total");
	group_json(total, &all, r->by == BY_MODEL);
	if (usage_client(r, o) < 0)
		return -1;
	return r->by == BY_SESSION ? usage_sessions(r, rows) : 0;
}

/* An empty usage, its rows to be grouped by by. */
void
usage_init(struct usage *u, enum by by)
{
	memset(u, 0, sizeof *u);
	u->single = by == BY_PROJECT || by == BY_SESSION;
}

/*
 * view: for another thread, u's preloaded sessions, if any (looked up,
 * never added to), with a cache of its own; nothing else. Release it
 * with usage_view_release, not usage_release: u owns the map.
 */
void
usage_view(struct usage *view, const struct usage *u)
{
	memset(view, 0, sizeof *view);
	view->sids = u->sids;
	view->preloaded = u->preloaded;
}

void
usage_view_release(struct usage *view)
{
	buf_release(&view->last_sid);
}

/* A tool call of session sid at time t, counted in its group (none by model). */
void
usage_tool(struct report *r, struct usage *u, int sid, int64_t t)
{
	int g = group_of(r, u, sid, t, NULL);

	if (g < 0)
		return;  /* BY_MODEL: a tool call has no model */
	usage_pair(u, g, sid);
	u->g[g].tools++;
	if (t > u->g[g].last)
		u->g[g].last = t;
}

/* The name of by, or NULL past the last. */
const char *
usage_by_name(size_t by)
{
	return by < sizeof by_names / sizeof *by_names ? by_names[by] : NULL;
}
