/*
 * report.c: `clankers report`, the audit in one command. It reads the
 * database (read-only) and the JSONL logs of the period and answers what
 * the hand-made audit of the seed plan answered with sqlite3 and rg:
 *
 *   tables    each table's rows, newest row and status (working, empty,
 *             errors: the log has write errors for it)
 *   gaps      Not saved: what the database lacks (session fields, token
 *             totals, prices, logged events with no row); Not logged: what
 *             the logs lack (stored events with no log line); tool calls
 *             left running after their session moved on
 *   log       errors and warnings of the period, counted by message
 *   usage     sessions, messages, tool calls, tokens and cost by day,
 *             model, project or session
 *   tools     calls, failures and duration percentiles by tool, by MCP
 *             server, and the files most touched
 *   overhead  clankers' own time per hook invocation, by event
 *
 * Every section is built once as a cJSON tree (the --json output is that
 * tree) and the table and CSV outputs are drawn from it, so the three can
 * never disagree. It writes nothing: no database change, no log line.
 *
 * This file is the command: its options, which sections to make and on
 * which thread (the logs and the tool rows are read beside the rest), and
 * the output. The sections are made in audit.c (tables, gaps, log,
 * overhead), usage.c and tools.c, on what section.c shares; logread.c
 * reads the logs; table.c draws the tables and CSV fields, as for query.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define TOP_MESSAGES 20      /* log messages shown in a table; JSON has all */
#define SHAPE_VERSION 1      /* of the --json output, documented in README.md */

/* The period is whole UTC days (all time is): usage can come from usage_days. */
static int
whole_days(const struct report *r)
{
	return (r->since == INT64_MIN || r->since % 86400000 == 0) &&
	    (r->until == INT64_MAX || r->until % 86400000 == 0);
}

/* A section drawn from the pass over the tool rows is wanted. */
static int
tools_wanted(const struct report *r)
{
	return section_wanted(r, "tools") || section_wanted(r, "mcp") ||
	    section_wanted(r, "files");
}

/*
 * The tool sections are wanted and their pass over the tool rows is theirs
 * alone (usage of a period that is not whole days counts tools in it too),
 * so it can run on a thread of its own (when SQLite is built for threads).
 */
static int
tools_alone(const struct report *r)
{
	return tools_wanted(r) && (whole_days(r) || !section_wanted(r, "usage")) &&
	    sqlite3_threadsafe();
}

/* logread_scan on a thread of its own: it reads only r's filters and the files. */
struct logs {
	struct report *r;
	struct logscan *ls;  /* logread_scan's */
	pthread_t thread;
	int threaded;
};

static void *
log_thread(void *arg)
{
	struct logs *l = arg;

	l->ls = logread_scan("report", l->r->ctx->log_dir, l->r->since, l->r->until,
	    l->r->session);
	return NULL;
}

/*
 * The usage, tools, mcp and files sections, from one pass over each table.
 * Started before the other sections are read: with a second connection
 * (r->h2), the pass over the tool rows then runs on a thread meanwhile.
 * That thread reads only its own struct report and usage (whose session
 * map, when preloaded, both threads only look up) and fills only x.
 */
struct usage_tools {
	struct usage u;
	struct toolstats x;
	int tools, rows, whole_days;
	struct report wr;         /* the thread's: r on h2 */
	struct usage wu;          /* the thread's: u's preloaded sessions, its own cache */
	pthread_t thread;
	int threaded, wrc;
};

static void *
tools_thread(void *arg)
{
	struct usage_tools *ut = arg;

	ut->wrc = tools_scan(&ut->wr, &ut->wu, &ut->x, 0);
	return NULL;
}

static void
tools_thread_start(struct report *r, struct usage_tools *ut)
{
	ut->wr = *r;
	ut->wr.h = r->h2;
	/* Of u, only the preloaded sessions, when a filter needs them: looked up, never added to. */
	usage_view(&ut->wu, &ut->u);
	ut->threaded = pthread_create(&ut->thread, NULL, tools_thread, ut) == 0;
}

static int
usage_tools_start(struct report *r, struct usage_tools *ut)
{
	int thread = r->h2 && tools_alone(r);

	memset(ut, 0, sizeof *ut);
	usage_init(&ut->u, r->by);
	ut->tools = tools_wanted(r);
	ut->whole_days = whole_days(r);
	ut->rows = section_wanted(r, "usage") && !ut->whole_days;
	/* With no filter the thread needs no session: it starts before the preload. */
	if (thread && !section_filtered(r))
		tools_thread_start(r, ut);
	if ((section_wanted(r, "usage") || ut->tools) && usage_preload(r, &ut->u) < 0)
		return -1;
	if (thread && section_filtered(r))
		tools_thread_start(r, ut);
	return 0;
}

/* Ends the thread, if any; its result. */
static int
usage_tools_join(struct usage_tools *ut)
{
	if (!ut->threaded)
		return 0;
	pthread_join(ut->thread, NULL);
	ut->threaded = 0;
	usage_view_release(&ut->wu);
	return ut->wrc;
}

/* Usage from usage_days, or from the period's messages; not yet in the report. */
static int
usage_tools_count(struct report *r, struct usage_tools *ut)
{
	if ((section_wanted(r, "usage") && ut->whole_days && usage_days(r, &ut->u) < 0) ||
	    (ut->rows && usage_messages(r, &ut->u) < 0))
		return -1;
	return 0;
}

/* The tool rows (the thread's pass, or one here), and the sections into the report. */
static int
usage_tools_finish(struct report *r, struct usage_tools *ut)
{
	int threaded = ut->threaded;

	if (usage_tools_join(ut) < 0 ||
	    (!threaded && (ut->rows || ut->tools) &&
	    tools_scan(r, &ut->u, ut->tools ? &ut->x : NULL, ut->rows) < 0))
		return -1;
	if (section_wanted(r, "usage") && usage_section(r, &ut->u) < 0)
		return -1;
	if (ut->tools)
		tools_sections(r, &ut->x);
	return 0;
}

static void
usage_tools_release(struct usage_tools *ut)
{
	usage_tools_join(ut);
	usage_release(&ut->u);
	tools_release(&ut->x);
}

/* --- output: tables -------------------------------------------------------- */

enum kind { K_TEXT, K_ID, K_INT, K_COST, K_MS, K_MS1, K_PCT, K_TIME, K_LEVEL, K_STATUS };

struct col {
	const char *key, *head;
	enum kind kind;
};

#define TEXT_MAX 48  /* display columns of a text cell */

static const char *
color_of(const struct report *r, const char *s)
{
	if (!r->color || s == NULL)
		return NULL;
	if (strcmp(s, "working") == 0)
		return "\033[32m";
	if (strcmp(s, "errors") == 0 || strcmp(s, "error") == 0)
		return "\033[31m";
	if (strcmp(s, "empty") == 0 || strcmp(s, "warn") == 0)
		return "\033[33m";
	return NULL;
}

/* The cell of column c for object o; owned. */
static char *
cell(const struct report *r, const struct col *c, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, c->key);
	char tmp[48];

	(void)r;
	if (c->kind == K_COST) {
		const cJSON *known = cJSON_GetObjectItemCaseSensitive(o, "known_cost_usd");

		if (cJSON_IsNumber(v)) {
			fmt_dollars(v->valuedouble, tmp);
			return xstrdup(tmp);
		}
		if (section_get_int(o, "unpriced_responses") == 0)
			return xstrdup("-");
		if (cJSON_IsNumber(known) && known->valuedouble > 0) {
			fmt_dollars(known->valuedouble, tmp);
			return xasprintf("%s+?", tmp);  /* the priced part, and more */
		}
		return xstrdup("unknown");
	}
	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("-");
	switch (c->kind) {
	case K_INT:
		fmt_thousands((int64_t)v->valuedouble, tmp);
		return xstrdup(tmp);
	case K_MS:
		fmt_thousands(llround(v->valuedouble), tmp);
		return xstrdup(tmp);
	case K_MS1:
		return xasprintf("%.1f", v->valuedouble);
	case K_PCT:
		return xasprintf("%.1f%%", v->valuedouble * 100);
	case K_TIME: {
		const char *s = cJSON_GetStringValue(v);

		return s && strlen(s) >= 16 ? xasprintf("%.10s %.5s", s, s + 11) : xstrdup("-");
	}
	case K_ID: {  /* a prefix, as --session takes it, not cut inside a character */
		const char *id = cJSON_GetStringValue(v) ? v->valuestring : "";

		return xstrndup(id, utf8_cut(id, strlen(id), 8));
	}
	default:
		if (cJSON_IsNumber(v))
			return xasprintf("%.15g", v->valuedouble);
		return xstrdup(cJSON_GetStringValue(v) ? v->valuestring : "");
	}
}

static int
right_aligned(enum kind k)
{
	return k == K_INT || k == K_COST || k == K_MS || k == K_MS1 || k == K_PCT;
}

/*
 * Prints the objects of rows (and total, when given, under a rule) as an
 * aligned table (table.c): numbers to the right, text cut at TEXT_MAX
 * columns (a path keeps its end), statuses in color.
 */
static void
table(const struct report *r, FILE *out, const struct col *cols, int ncol,
    const cJSON *rows, const cJSON *total)
{
	struct table t;
	const cJSON *o;
	int k;

	table_init(&t, ncol);
	for (k = 0; k < ncol; k++) {
		table_add(&t, cols[k].head, strlen(cols[k].head), TEXT_MAX, 0, NULL);
		t.right[k] = right_aligned(cols[k].kind);
	}
	cJSON_ArrayForEach(o, rows)
		for (k = 0; k < ncol; k++) {
			char *s = cell(r, &cols[k], o);

			table_add(&t, s, strlen(s), TEXT_MAX, cols[k].kind == K_TEXT &&
			    strcmp(cols[k].key, "path") == 0, color_of(r, s));
			free(s);
		}
	if (total) {
		table_rule(&t);
		for (k = 0; k < ncol; k++) {
			/* The total has no key, title or time. */
			char *s = t.right[k] ? cell(r, &cols[k], total) : xstrdup(k == 0 ? "total" : "");

			table_add(&t, s, strlen(s), TEXT_MAX, 0, color_of(r, s));
			free(s);
		}
	}
	table_print(&t, r->color ? "\033[2m" : NULL, out);
	table_release(&t);
}

static void
heading(const struct report *r, FILE *out, const char *title, const char *note)
{
	if (r->color)
		fprintf(out, "\n\033[1m%s\033[0m%s%s\n", title, note ? "  " : "", note ? note : "");
	else
		fprintf(out, "\n%s%s%s\n", title, note ? "  " : "", note ? note : "");
}

static void
print_gaps(const struct report *r, FILE *out, const cJSON *gaps)
{
	const cJSON *g;

	if (cJSON_GetArraySize(gaps) == 0) {
		fprintf(out, "No gaps: no session misses a field, every response has a "
		    "price, and every\nhook invocation of the logs' period is both saved "
		    "and logged.\n");
		return;
	}
	cJSON_ArrayForEach(g, gaps) {
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "kind"));
		const char *label = strcmp(kind, "not_saved") == 0 ? "Not saved" :
		    strcmp(kind, "not_logged") == 0 ? "Not logged" :
		    strcmp(kind, "failed") == 0 ? "Failed" : "Running";
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(g, "items"), *it;
		char n[32];
		int shown = 0;
		/* what names a stored source: escaped, as the items are. */
		char *what = table_escape(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(g, "what")));
		char *detail = table_escape(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(g, "detail")));

		fmt_thousands(section_get_int(g, "count"), n);
		fprintf(out, "%s%-10s%s  %6s  %s: %s\n", r->color ? "\033[31m" : "", label,
		    r->color ? "\033[0m" : "", n, what, detail);
		free(what);
		free(detail);
		cJSON_ArrayForEach(it, items) {
			size_t w;
			char *s = table_fit(it->valuestring, strlen(it->valuestring), 70, 0, &w);

			if (shown++ < 3)
				fprintf(out, "%20s%s\n", "", s);
			free(s);
		}
		if (section_get_int(g, "count") > 3 && cJSON_GetArraySize(items) > 0)
			fprintf(out, "%20sand %lld more (--json lists %d)\n", "",
			    (long long)section_get_int(g, "count") - (shown < 3 ? shown : 3), GAP_ITEMS);
	}
}

static void
print_log(const struct report *r, FILE *out, const cJSON *log)
{
	static const struct col cols[] = {
		{ "count", "count", K_INT }, { "level", "level", K_LEVEL },
		{ "last", "last", K_TIME }, { "component", "component", K_TEXT },
		{ "text", "message", K_TEXT },
	};
	cJSON *msgs = cJSON_GetObjectItemCaseSensitive(log, "messages"), *m;
	cJSON *rows = cJSON_CreateArray();
	char note[160], a[32], b[32], c[32];
	int n = 0;

	fmt_thousands(section_get_int(log, "errors"), a);
	fmt_thousands(section_get_int(log, "warnings"), b);
	fmt_thousands(section_get_int(log, "lines"), c);
	snprintf(note, sizeof note, "%s error%s, %s warning%s in %s lines of %lld log file%s",
	    a, section_get_int(log, "errors") == 1 ? "" : "s", b,
	    section_get_int(log, "warnings") == 1 ? "" : "s", c, (long long)section_get_int(log, "files"),
	    section_get_int(log, "files") == 1 ? "" : "s");
	heading(r, out, "Errors and warnings", note);
	if (section_get_int(log, "long_lines") > 0) {
		fmt_thousands(section_get_int(log, "long_lines"), a);
		fprintf(out, "%s log line%s over 4 MiB skipped, not read\n", a,
		    section_get_int(log, "long_lines") == 1 ? "" : "s");
	}
	cJSON_ArrayForEach(m, msgs) {
		cJSON *row;
		const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "error"));
		char *text;

		if (n++ == TOP_MESSAGES)
			break;
		row = cJSON_Duplicate(m, 1);
		text = err ? xasprintf("%s: %s", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(m, "message")), err) :
		    xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "message")));
		cJSON_AddStringToObject(row, "text", text);
		free(text);
		cJSON_AddItemToArray(rows, row);
	}
	if (n == 0)
		fprintf(out, "None.\n");
	else
		table(r, out, cols, 5, rows, NULL);
	if (cJSON_GetArraySize(msgs) > TOP_MESSAGES)
		fprintf(out, "and %d more messages (--json lists them all)\n",
		    cJSON_GetArraySize(msgs) - TOP_MESSAGES);
	cJSON_Delete(rows);
}

static void
print_usage(const struct report *r, FILE *out, const cJSON *usage)
{
	static const struct col tail[] = {
		{ "sessions", "sessions", K_INT }, { "messages", "messages", K_INT },
		{ "tool_calls", "tools", K_INT }, { "input_tokens", "input", K_INT },
		{ "output_tokens", "output", K_INT },
		{ "cache_creation_input_tokens", "cache write", K_INT },
		{ "cache_read_input_tokens", "cache read", K_INT },
		{ "cost_usd", "cost", K_COST },
	};
	struct col cols[16];
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(usage, "rows"), *client;
	int n = 0;
	size_t i;
	char note[64];

	snprintf(note, sizeof note, "by %s", usage_by_name(r->by));
	heading(r, out, "Usage", note);
	if (cJSON_GetArraySize(rows) == 0) {
		fprintf(out, "No messages or tool calls in this period.\n");
		return;
	}
	if (r->by == BY_SESSION) {
		cols[n++] = (struct col){ "key", "session", K_ID };
		cols[n++] = (struct col){ "title", "title", K_TEXT };
		cols[n++] = (struct col){ "last", "last", K_TIME };
	} else {
		cols[n++] = (struct col){ "key", usage_by_name(r->by), K_TEXT };
	}
	for (i = 0; i < sizeof tail / sizeof *tail; i++)
		if (!(r->by == BY_MODEL && strcmp(tail[i].key, "tool_calls") == 0) &&
		    !(r->by == BY_SESSION && strcmp(tail[i].key, "sessions") == 0))
			cols[n++] = tail[i];
	table(r, out, cols, n, rows, cJSON_GetObjectItemCaseSensitive(usage, "total"));
	if (section_get_int(usage, "omitted_rows"))
		fprintf(out, "%lld more row%s in the total (--limit 0 shows them)\n",
		    (long long)section_get_int(usage, "omitted_rows"),
		    section_get_int(usage, "omitted_rows") == 1 ? "" : "s");
	if (section_get_int(cJSON_GetObjectItemCaseSensitive(usage, "total"), "unpriced_responses"))
		fprintf(out, "+? and unknown: some responses have a model with no price "
		    "(see Gaps); the cost shown is that of the priced ones\n");
	if ((client = cJSON_GetObjectItemCaseSensitive(usage, "client_totals")) != NULL)
		fprintf(out, "The client's own totals (cost-state) differ in %lld session%s: "
		    "$%.6f against $%.6f from the responses (%+lld input, %+lld output "
		    "tokens that no response records)\n",
		    (long long)section_get_int(client, "sessions"),
		    section_get_int(client, "sessions") == 1 ? "" : "s",
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(client, "client_cost_usd")),
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(client, "responses_cost_usd")),
		    (long long)section_get_int(client, "more_input_tokens"),
		    (long long)section_get_int(client, "more_output_tokens"));
}

static const struct col tool_cols[] = {
	{ "tool", "tool", K_TEXT }, { "calls", "calls", K_INT },
	{ "failures", "failed", K_INT }, { "failure_rate", "failed %", K_PCT },
	{ "p50_ms", "p50 ms", K_MS }, { "p95_ms", "p95 ms", K_MS },
	{ "max_ms", "max ms", K_MS },
	{ "denied", "denied", K_INT },  /* shown when a call was denied */
};

/* The columns of tool_cols to show: denied only when some row has one. */
static int
tool_ncols(const cJSON *rows)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, rows)
		if (section_get_int(o, "denied") > 0)
			return (int)NELEM(tool_cols);
	return (int)NELEM(tool_cols) - 1;
}

static void
print_tools(const struct report *r, FILE *out)
{
	static const struct col file_cols[] = {
		{ "path", "path", K_TEXT }, { "touches", "touches", K_INT },
		{ "reads", "reads", K_INT }, { "edits", "edits", K_INT },
	};
	struct col server_cols[sizeof tool_cols / sizeof *tool_cols];
	const cJSON *tools = cJSON_GetObjectItemCaseSensitive(r->out, "tools");
	const cJSON *mcp = cJSON_GetObjectItemCaseSensitive(r->out, "mcp");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(r->out, "files");

	if (section_wanted(r, "tools")) {
		heading(r, out, "Tools", "durations from each call's start to its end, "
		    "else the client's own");
		if (cJSON_GetArraySize(tools))
			table(r, out, tool_cols, tool_ncols(tools), tools, NULL);
		else
			fprintf(out, "No tool calls in this period.\n");
	}
	if (section_wanted(r, "mcp") && cJSON_GetArraySize(mcp)) {
		memcpy(server_cols, tool_cols, sizeof tool_cols);
		server_cols[0] = (struct col){ "server", "MCP server", K_TEXT };
		heading(r, out, "MCP servers", NULL);
		table(r, out, server_cols, tool_ncols(mcp), mcp, NULL);
	}
	if (section_wanted(r, "files") && cJSON_GetArraySize(files)) {
		heading(r, out, "Files most touched", NULL);
		table(r, out, file_cols, 4, files, NULL);
	}
}

/* Prints label and s escaped, when s is not NULL. */
static void
header_field(FILE *out, const char *label, const char *s)
{
	char *e;

	if (s == NULL)
		return;
	e = table_escape(s);
	fprintf(out, "%s%s", label, e);
	free(e);
}

static void
print_table_report(const struct report *r, FILE *out)
{
	static const struct col table_cols[] = {
		{ "name", "table", K_TEXT }, { "rows", "rows", K_INT },
		{ "newest", "newest", K_TIME }, { "status", "status", K_STATUS },
	};
	static const struct col overhead_cols[] = {
		{ "event", "event", K_TEXT }, { "runs", "runs", K_INT },
		{ "p50_ms", "p50 ms", K_MS1 }, { "p95_ms", "p95 ms", K_MS1 },
		{ "max_ms", "max ms", K_MS1 },
	};
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(r->out, "period");
	const char *since = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "since"));
	const char *until = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(period, "until"));

	fprintf(out, "%sclankers report%s  ", r->color ? "\033[1m" : "",
	    r->color ? "\033[0m" : "");
	if (since || until) {
		if (since)
			fprintf(out, "%.10s %.5s", since, since + 11);
		else
			fprintf(out, "start");
		if (until)
			fprintf(out, " .. %.10s %.5s UTC", until, until + 11);
		else
			fprintf(out, " .. now UTC");
	} else
		fprintf(out, "all time");
	/* The filters and paths as a terminal may show them (table.c). */
	header_field(out, "  source ", r->source);
	header_field(out, "  project ", r->project);
	header_field(out, "  session ", r->session);
	header_field(out, "\ndatabase  ", r->ctx->db_path);
	header_field(out, "\nlogs      ", r->ctx->log_dir);
	fputc('\n', out);
	if (section_wanted(r, "tables")) {
		heading(r, out, "Tables", NULL);
		table(r, out, table_cols, 4, cJSON_GetObjectItemCaseSensitive(r->out, "tables"), NULL);
	}
	if (section_wanted(r, "gaps")) {
		heading(r, out, "Gaps", NULL);
		print_gaps(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "gaps"));
	}
	if (section_wanted(r, "log"))
		print_log(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "log"));
	if (section_wanted(r, "usage"))
		print_usage(r, out, cJSON_GetObjectItemCaseSensitive(r->out, "usage"));
	print_tools(r, out);
	if (section_wanted(r, "overhead")) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(r->out, "overhead");

		heading(r, out, "clankers' own time per hook", "from the log's duration_us");
		if (cJSON_GetArraySize(o))
			table(r, out, overhead_cols, 5, o, NULL);
		else
			fprintf(out, "No hook invocations in the logs of this period.\n");
	}
}

/* --- output: CSV ---------------------------------------------------------- */

/* A text field of CSV, as query writes it; "" for an empty string. */
static void
csv_cell(FILE *out, const char *s)
{
	table_csv_field(s, strlen(s), 0, out);
}

/* The header of a section with no rows: its fields, as --json has them. */
static const char *const csv_heads[NSECTIONS] = {
	"name,rows,newest,status",
	"kind,what,detail,count,items",
	"level,component,message,error,count,last",
	"key,sessions,messages,tool_calls,input_tokens,output_tokens,"
	    "cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,"
	    "known_cost_usd,cost_usd,last",
	"tool,calls,failures,running,failure_rate,p50_ms,p95_ms,max_ms,denied",
	"server,calls,failures,running,failure_rate,p50_ms,p95_ms,max_ms,denied",
	"path,touches,reads,edits",
	"event,runs,p50_ms,p95_ms,max_ms",
};

/*
 * A section's rows as RFC 4180 CSV: a header of the first row's keys
 * (head when there is no row), then a line per row.
 */
static void
print_csv(FILE *out, const cJSON *rows, const char *head)
{
	const cJSON *first = rows ? rows->child : NULL, *row, *v;

	if (first == NULL) {
		fprintf(out, "%s\r\n", head);
		return;
	}
	cJSON_ArrayForEach(v, first) {
		if (v != first->child)
			putc(',', out);
		csv_cell(out, v->string);
	}
	fputs("\r\n", out);
	cJSON_ArrayForEach(row, rows) {
		cJSON_ArrayForEach(v, first) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(row, v->string);

			if (v != first->child)
				putc(',', out);
			if (cJSON_IsNumber(x)) {
				if (x->valuedouble == floor(x->valuedouble) && fabs(x->valuedouble) < 1e15)
					fprintf(out, "%lld", (long long)x->valuedouble);
				else
					fprintf(out, "%.10g", x->valuedouble);
			} else if (cJSON_IsString(x)) {
				csv_cell(out, x->valuestring);
			} else if (cJSON_IsArray(x)) {
				struct buf b = {0};
				const cJSON *it;

				buf_add(&b, "", 0);
				cJSON_ArrayForEach(it, x)
					if (cJSON_IsString(it)) {
						if (b.len)
							buf_add(&b, " ", 1);
						buf_add(&b, it->valuestring, strlen(it->valuestring));
					}
				if (b.len)
					csv_cell(out, b.data);
				buf_release(&b);
			}
		}
		fputs("\r\n", out);
	}
}

/* --- the command ------------------------------------------------------------ */

static int
report_sections(struct report *r, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *name;
	size_t i;

	r->sections = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NSECTIONS; i++)
			if (strcmp(section_name(i), name) == 0)
				break;
		if (i == NSECTIONS) {
			error("report: no section '%s' (sections: tables, gaps, log, usage, "
			    "tools, mcp, files, overhead)", name);
			free(copy);
			return -1;
		}
		r->sections |= 1u << i;
	}
	free(copy);
	if (r->sections == 0) {
		error("report: --section '%s' names no section", list);
		return -1;
	}
	return 0;
}

/*
 * Checks and completes what report_args read: the period, --limit (the
 * string limit, or NULL), the sections (the list sections, or NULL).
 * EXIT_OK, or EXIT_USAGE reported.
 */
static int
report_check(struct report *r, const char *limit, const char *sections)
{
	char *msg;

	if ((msg = fmt_period(r->since_arg, r->until_arg, r->now, &r->since,
	    &r->until)) != NULL) {
		error("report: %s", msg);
		free(msg);
		return EXIT_USAGE;
	}
	if (limit) {
		char *end;

		errno = 0;
		r->limit = strtol(limit, &end, 10);
		if (errno || *end || end == limit || r->limit < 0) {
			error("report: --limit takes a number (0: all rows), not '%s'", limit);
			return EXIT_USAGE;
		}
	} else {
		r->limit = r->by == BY_SESSION ? 20 : 0;
	}
	if (sections && report_sections(r, sections) < 0)
		return EXIT_USAGE;
	if (r->fmt == OUT_CSV) {
		if (sections == NULL)
			report_sections(r, "usage");
		if (r->sections & (r->sections - 1)) {
			error("report: --csv prints one section: name it with --section");
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* Parses the options into r; EXIT_OK, or EXIT_USAGE reported. */
static int
report_args(struct report *r, int argc, char **argv)
{
	const char *limit = NULL, *sections = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		static const char *const with_value[] = { "--since", "--until", "--by",
		    "--source", "--project", "--session", "--section", "--limit" };
		size_t k;

		if (opt_value("report", with_value, NELEM(with_value), argc, argv,
		    &i, &val) < 0)
			return EXIT_USAGE;
		if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
			enum report_fmt f = a[2] == 'j' ? OUT_JSON : OUT_CSV;

			if (r->fmt != OUT_TABLE && r->fmt != f) {
				error("report: --json and --csv: one output at a time");
				return EXIT_USAGE;
			}
			r->fmt = f;
		} else if (val == NULL) {
			error("report: unknown option '%s'; see 'clankers help report'", a);
			return EXIT_USAGE;
		} else if (strncmp(a, "--since", 7) == 0) {
			r->since_arg = val;
		} else if (strncmp(a, "--until", 7) == 0) {
			r->until_arg = val;
		} else if (strncmp(a, "--by", 4) == 0) {
			for (k = 0; usage_by_name(k) && strcmp(usage_by_name(k), val) != 0; k++)
				;
			if (usage_by_name(k) == NULL) {
				error("report: --by takes day, model, project or session, not '%s'", val);
				return EXIT_USAGE;
			}
			r->by = (enum by)k;
		} else if (strncmp(a, "--source", 8) == 0) {
			r->source = val;
		} else if (strncmp(a, "--project", 9) == 0) {
			free(r->project);
			r->project = folder_arg(val);
		} else if (strncmp(a, "--session", 9) == 0 && strncmp(a, "--section", 9) != 0) {
			free(r->session);
			r->session = xstrdup(val);
		} else if (strncmp(a, "--section", 9) == 0) {
			sections = val;
		} else {
			limit = val;
		}
	}
	return report_check(r, limit, sections);
}

/* The report in its format: JSON, the CSV of its one section, or tables. */
static void
report_print(const struct report *r, FILE *out)
{
	const char *name;
	size_t i;

	if (r->fmt == OUT_JSON) {
		char *s = cJSON_Print(r->out);

		fprintf(out, "%s\n", s);
		free(s);
		return;
	}
	if (r->fmt == OUT_TABLE) {
		print_table_report(r, out);
		return;
	}
	for (i = 0; i < NSECTIONS && !((r->sections >> i) & 1); i++)
		;
	name = section_name(i);
	if (strcmp(name, "usage") == 0)
		print_csv(out, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    r->out, "usage"), "rows"), r->by == BY_SESSION ?
		    "key,sessions,messages,tool_calls,input_tokens,output_tokens,"
		    "cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,"
		    "known_cost_usd,cost_usd,last,title,project,models,source,status,started" :
		    csv_heads[i]);
	else if (strcmp(name, "log") == 0)
		print_csv(out, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    r->out, "log"), "messages"), csv_heads[i]);
	else
		print_csv(out, cJSON_GetObjectItemCaseSensitive(r->out, name), csv_heads[i]);
}

static void
report_header(struct report *r)
{
	cJSON *p, *f;

	section_add_int(r->out, "shape", SHAPE_VERSION);
	cJSON_AddItemToObject(r->out, "generated_at", fmt_json_time(r->now));
	cJSON_AddStringToObject(r->out, "database", r->ctx->db_path);
	p = cJSON_AddObjectToObject(r->out, "period");
	cJSON_AddItemToObject(p, "since", fmt_json_time(r->since));
	cJSON_AddItemToObject(p, "until", fmt_json_time(r->until));
	f = cJSON_AddObjectToObject(r->out, "filters");
	cJSON_AddItemToObject(f, "source", r->source ? cJSON_CreateString(r->source) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(f, "project", r->project ? cJSON_CreateString(r->project) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(f, "session", r->session ? cJSON_CreateString(r->session) :
	    cJSON_CreateNull());
}

int
cmd_report(int argc, char **argv, struct ctx *ctx)
{
	struct report r;
	struct usage_tools ut;
	struct logs logs;
	const char *nc = getenv("NO_COLOR");
	int status = EXIT_FAIL, rc;
	char *arg;

	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.now = now_ms();
	r.since = INT64_MIN;
	r.until = INT64_MAX;
	r.sections = (1u << NSECTIONS) - 1;
	if ((status = report_args(&r, argc, argv)) != EXIT_OK) {
		free(r.session);
		free(r.project);
		return status;
	}
	status = EXIT_FAIL;
	r.color = r.fmt == OUT_TABLE && isatty(STDOUT_FILENO) && !(nc && *nc);
	memset(&ut, 0, sizeof ut);
	memset(&logs, 0, sizeof logs);
	if (section_open(&r, tools_alone(&r)) < 0)
		goto out;
	if ((arg = r.session) != NULL) {
		r.session = NULL;
		if (section_session(&r, arg) < 0) {
			free(arg);
			goto out;
		}
		free(arg);
	}
	r.out = cJSON_CreateObject();
	report_header(&r);
	/*
	 * The logs are read on a thread (they need no database) while usage is
	 * counted here, and the tool rows on another (usage_tools_start); the
	 * sections go into the report in their order once all is read.
	 */
	if (usage_tools_start(&r, &ut) < 0)
		goto out;
	logs.r = &r;
	if (section_wanted(&r, "tables") || section_wanted(&r, "gaps") || section_wanted(&r, "log") ||
	    section_wanted(&r, "overhead")) {  /* what these read of the logs */
		logs.threaded = pthread_create(&logs.thread, NULL, log_thread, &logs) == 0;
		if (!logs.threaded)
			log_thread(&logs);
	} else {
		logs.ls = xmalloc(sizeof *logs.ls);
		memset(logs.ls, 0, sizeof *logs.ls);
	}
	rc = usage_tools_count(&r, &ut);
	if (logs.threaded)
		pthread_join(logs.thread, NULL);
	r.log = logs.ls;
	if (rc < 0)
		goto out;
	if ((section_wanted(&r, "tables") && audit_tables(&r) < 0) ||
	    (section_wanted(&r, "gaps") && audit_gaps(&r) < 0))
		goto out;
	if (section_wanted(&r, "log"))
		audit_log(&r);
	if (usage_tools_finish(&r, &ut) < 0)
		goto out;
	if (section_wanted(&r, "overhead"))
		audit_overhead(&r);
	report_print(&r, stdout);
	status = EXIT_OK;
out:
	usage_tools_release(&ut);
	logread_free(r.log);
	cJSON_Delete(r.out);
	free(r.session);
	free(r.project);
	sqlite3_close(r.h2);
	sqlite3_close(r.h);
	return status;
}
