/*
 * tools.c: the tools, mcp and files sections of `clankers report`: calls,
 * failures and duration percentiles by tool and by MCP server, and the
 * files most touched, from one pass over the period's tool rows (the
 * tools_stats index covers it), which counts usage's tool calls too when
 * asked. The pass can run on a thread of its own, on r->h2 (report.c).
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define TOP_FILES 10

struct toolstat {
	int64_t calls, failures, denied, running;  /* failures: not the denied */
	struct series ms;
};

struct filestat {
	int64_t touches, reads, edits;
};

static struct toolstat *
stat_of(struct strmap *m, struct toolstat **arr, size_t *n, const char *name, size_t len)
{
	int i = strmap_get(m, name, len);

	if (i < 0) {
		*arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
		memset(&(*arr)[*n], 0, sizeof **arr);
		strmap_put(m, name, len, (int)*n);
		i = (int)(*n)++;
	}
	return &(*arr)[i];
}

/* A call of status, and its duration, if ms is not NULL. */
static void
tool_count(struct toolstat *t, const char *status, int denied, const int64_t *ms)
{
	t->calls++;
	t->denied += denied;
	t->failures += !denied && strcmp(status, "error") == 0;
	t->running += strcmp(status, "running") == 0;
	if (ms)
		series_add(&t->ms, *ms);
}

static void
tool_stats(struct toolstats *x, const char *name, const char *status, int denied,
    const char *path, const int64_t *ms)
{
	tool_count(stat_of(&x->tools, &x->ts, &x->nts, name, strlen(name)), status,
	    denied, ms);
	if (strncmp(name, "mcp__", 5) == 0) {
		const char *end = strstr(name + 5, "__");
		size_t n = end ? (size_t)(end - name - 5) : strlen(name + 5);

		tool_count(stat_of(&x->servers, &x->ss, &x->nss, name + 5, n), status,
		    denied, ms);
	}
	if (path && *path) {
		int k = strmap_get(&x->files, path, strlen(path));

		if (k < 0) {
			x->fs = xrealloc(x->fs, (x->nfs + 1) * sizeof *x->fs);
			memset(&x->fs[x->nfs], 0, sizeof *x->fs);
			strmap_put(&x->files, path, strlen(path), (int)x->nfs);
			k = (int)x->nfs++;
		}
		x->fs[k].touches++;
		if (agent_edit_tool(name))
			x->fs[k].edits++;
		else
			x->fs[k].reads++;
	}
}

/*
 * One pass over the period's tool rows: for the tool sections (x, unless
 * NULL) and, with count_usage, for usage (u; its sessions are looked up in
 * any case when it is preloaded and a filter is given). 0, or -1 reported.
 */
int
tools_scan(struct report *r, struct usage *u, struct toolstats *x, int count_usage)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	/*
	 * tools_stats covers every column read here. The session is read only
	 * when a filter or usage needs it, the time only for a bounded period;
	 * the duration is worked out here as the duration_ms column defines it
	 * (a million rows: a fifth faster than the same in SQL).
	 */
	int need_sid = (u->preloaded && section_filtered(r)) || count_usage;
	int bounded = r->since != INT64_MIN || r->until != INT64_MAX;

	sql = xasprintf("SELECT %s tool_name, status, started_at, ended_at, "
	    "reported_duration_ms, file_path, permission IS 'denied'"
	    " FROM tools INDEXED BY tools_stats%s",
	    need_sid ? "session_id, created_at," : "",
	    bounded ? " WHERE created_at >= :since AND created_at < :until" : "");
	st = section_prepare(r, sql);
	free(sql);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = need_sid ? 2 : 0;  /* the first column after the session's two */
		const char *sid = need_sid ? (const char *)sqlite3_column_text(st, 0) : NULL;
		size_t sn = need_sid ? (size_t)sqlite3_column_bytes(st, 0) : 0;
		int64_t t = need_sid ? sqlite3_column_int64(st, 1) : 0, ms;
		int s = need_sid ? usage_sid(u, sid, sn) : 0;

		if (s < 0)
			continue;
		if (x) {
			const char *name = (const char *)sqlite3_column_text(st, c);
			const int64_t *has = &ms;

			if (sqlite3_column_type(st, c + 2) != SQLITE_NULL &&
			    sqlite3_column_type(st, c + 3) != SQLITE_NULL) {
				int64_t a = sqlite3_column_int64(st, c + 2);
				int64_t b = sqlite3_column_int64(st, c + 3);

				/* max(b - a, 0), and no overflow on absurd times */
				ms = b <= a ? 0 : a < 0 && b > INT64_MAX + a ? INT64_MAX : b - a;
			} else if (sqlite3_column_type(st, c + 4) != SQLITE_NULL) {
				ms = sqlite3_column_int64(st, c + 4);
			} else {
				has = NULL;
			}
			tool_stats(x, name ? name : "(unknown)",
			    (const char *)sqlite3_column_text(st, c + 1),
			    sqlite3_column_int(st, c + 6),
			    (const char *)sqlite3_column_text(st, c + 5), has);
		}
		if (count_usage)
			usage_tool(r, u, s, t);
	}
	return section_done(r, st, rc);
}

static const int64_t *
toolstat_calls(const void *arr, int i)
{
	return &((const struct toolstat *)arr)[i].calls;
}

static const int64_t *
filestat_touches(const void *arr, int i)
{
	return &((const struct filestat *)arr)[i].touches;
}

/* Per tool name (or server), most calls first. */
static void
tools_out(cJSON *arr, const char *key, const struct strmap *m, struct toolstat *ts)
{
	struct ranked *v = section_ranked(m, toolstat_calls, ts);
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct toolstat *t = &ts[v[i].i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, key, v[i].name);
		section_add_int(o, "calls", t->calls);
		section_add_int(o, "failures", t->failures);
		section_add_int(o, "running", t->running);
		cJSON_AddNumberToObject(o, "failure_rate", t->calls ?
		    (double)t->failures / (double)t->calls : 0);
		section_percentiles(o, &t->ms, 1);
		section_add_int(o, "denied", t->denied);  /* asked, and refused */
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
}

/* The tools, mcp and files sections that r wants, into r->out. */
void
tools_sections(struct report *r, struct toolstats *x)
{
	struct ranked *v;
	cJSON *arr;
	size_t i;

	if (section_wanted(r, "tools"))
		tools_out(cJSON_AddArrayToObject(r->out, "tools"), "tool", &x->tools, x->ts);
	if (section_wanted(r, "mcp"))
		tools_out(cJSON_AddArrayToObject(r->out, "mcp"), "server", &x->servers, x->ss);
	if (!section_wanted(r, "files"))
		return;
	arr = cJSON_AddArrayToObject(r->out, "files");
	v = section_ranked(&x->files, filestat_touches, x->fs);
	for (i = 0; i < x->files.n && i < TOP_FILES; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", v[i].name);
		section_add_int(o, "touches", x->fs[v[i].i].touches);
		section_add_int(o, "reads", x->fs[v[i].i].reads);
		section_add_int(o, "edits", x->fs[v[i].i].edits);
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
}

/* Frees what x holds. */
void
tools_release(struct toolstats *x)
{
	size_t i;

	for (i = 0; i < x->nts; i++)
		free(x->ts[i].ms.v);
	for (i = 0; i < x->nss; i++)
		free(x->ss[i].ms.v);
	strmap_release(&x->tools);
	strmap_release(&x->servers);
	strmap_release(&x->files);
	free(x->ts);
	free(x->ss);
	free(x->fs);
}
