/*
 * show.c: `clankers show SESSION`, one session read back as a
 * conversation, in the order things happened: prompts, responses (their
 * text), each tool call with its input in one line, its status, duration
 * and the first lines of its output or error (--tools: all of them),
 * compactions and API errors, subagent turns marked; then the session's
 * totals and cost. --json gives the same as one object.
 *
 * A session is named by its id or a unique prefix of it (show_resolve,
 * which search's --session uses too). The database is read only. On a
 * terminal the text goes through a pager as git log's does ($PAGER, else
 * less with LESS=FRX when LESS is unset; --no-pager: none) with colour
 * unless NO_COLOR is set; piped, it is plain text. Stored text reaches
 * the terminal escaped (table.c), line by line.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define SHOW_BUSY_MS 5000
#define OUTPUT_LINES 3     /* of a tool's output or error, without --tools */
#define LINE_MAX_COLS 160  /* a line of output, or an input, without --tools */

/*
 * Resolves arg, a session id or a unique prefix of it, to the full id
 * (*id, owned). EXIT_OK; EXIT_FAIL when no session or several have it
 * (reported under cmd's name, the candidates listed).
 */
int
show_resolve(sqlite3 *h, const char *cmd, const char *arg, char **id)
{
	sqlite3_stmt *st;
	struct buf list = {0};
	int n = 0, rc;
	char *shown;

	*id = NULL;
	if (sqlite3_prepare_v2(h, "SELECT id, created_at, title FROM sessions WHERE id = :a"
	    " UNION ALL SELECT id, created_at, title FROM sessions"
	    " WHERE id > :a AND id < :a || x'ff'"
	    " AND NOT EXISTS (SELECT 1 FROM sessions WHERE id = :a) LIMIT 11",
	    -1, &st, NULL) != SQLITE_OK) {
		error("%s: %s", cmd, sqlite3_errmsg(h));
		return EXIT_FAIL;
	}
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	buf_add(&list, "", 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		const char *title = (const char *)sqlite3_column_text(st, 2);
		char when[32], *e, *t, *line;
		size_t w;

		if (n++ == 0)
			*id = xstrdup(sid);
		if (n > 10)
			continue;
		iso_time(sqlite3_column_int64(st, 1), when);
		when[10] = ' ';
		when[16] = '\0';
		e = table_escape(sid);
		t = table_fit(title ? title : "", title ? strlen(title) : 0, 50, 0, &w);
		line = xasprintf("\n  %s  %s  %s", e, when, t);
		buf_add(&list, line, strlen(line));
		free(line);
		free(e);
		free(t);
	}
	if (rc != SQLITE_DONE) {
		error("%s: %s", cmd, sqlite3_errmsg(h));
		n = -1;
	}
	sqlite3_finalize(st);
	shown = table_escape(arg);
	if (n == 0)
		error("%s: no session '%s'", cmd, shown);
	else if (n > 1)
		error("%s: '%s' names several sessions:%s%s", cmd, shown, list.data,
		    n > 10 ? "\n  ..." : "");
	free(shown);
	buf_release(&list);
	if (n != 1) {
		free(*id);
		*id = NULL;
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

struct show {
	FILE *out;
	int tools;   /* --tools: inputs and outputs whole */
	int json;
	int color;
	sqlite3 *h;  /* owned */
	char *sid;   /* owned */
};

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* "2026-02-12 16:02:25" for ms; "-" when NULL. */
static void
when_of(sqlite3_stmt *st, int i, char out[32])
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		strcpy(out, "-");
		return;
	}
	iso_time(sqlite3_column_int64(st, i), out);
	out[10] = ' ';
	out[19] = '\0';
}

/* A heading of an item: bold on a terminal. */
static void
head(const struct show *sh, const char *when, const char *what, const char *rest)
{
	char *w = table_escape(what), *r = table_escape(rest ? rest : "");

	fprintf(sh->out, "%s[%s] %s%s%s%s\n", sh->color ? "\033[1m" : "", when, w,
	    sh->color ? "\033[0m" : "", *r ? "  " : "", r);
	free(w);
	free(r);
}

/*
 * Prints text s, each line escaped and indented by indent; with max_lines
 * (> 0) only that many lines, each cut at LINE_MAX_COLS, and a line that
 * says how many more there are.
 */
static void
body(const struct show *sh, const char *s, const char *indent, int max_lines)
{
	int lines = 0, more = 0;
	const char *p = s, *nl, *end;

	if (s == NULL)
		return;
	/* blank lines around the text say nothing */
	while (*p == '\n' || *p == '\r')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
	    end[-1] == '\t'))
		end--;
	while (p < end) {
		size_t n, w;
		char *e;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (max_lines > 0 && lines == max_lines) {
			more++;
		} else {
			e = table_fit(p, n, max_lines > 0 ? LINE_MAX_COLS : SIZE_MAX, 0, &w);
			fprintf(sh->out, "%s%s\n", indent, e);
			free(e);
			lines++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (more)
		fprintf(sh->out, "%s%s... %d more line%s (--tools shows all)%s\n", indent,
		    sh->color ? "\033[2m" : "", more, more == 1 ? "" : "s",
		    sh->color ? "\033[0m" : "");
}

/* s is NULL or only white space. */
static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

/* A tool's input in one line: its command, file, pattern, else its JSON. */
static char *
input_line(const char *input)
{
	static const char *const keys[] = { "command", "file_path", "filePath", "path",
	    "pattern", "url", "query", "description", "prompt" };
	cJSON *j;
	size_t k;
	char *s = NULL;

	if (input == NULL)
		return xstrdup("");
	if ((j = cJSON_Parse(input)) != NULL && cJSON_IsObject(j)) {
		for (k = 0; k < NELEM(keys) && s == NULL; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[k]);

			if (cJSON_IsString(v) && *v->valuestring)
				s = xstrdup(v->valuestring);
		}
		if (s == NULL)
			s = cJSON_PrintUnformatted(j);
	}
	cJSON_Delete(j);
	return s ? s : xstrdup(input);
}

/* The session's header lines. 0, or -1 reported. */
static int
show_header(struct show *sh, cJSON *js)
{
	sqlite3_stmt *st;
	static const char *const cols[] = { "id", "source", "title", "project_name",
	    "project_path", "git_branch", "hostname", "model", "models", "client_version",
	    "status", "end_reason", "parent_id", "created_at", "updated_at", "ended_at" };
	size_t i;
	int rc;

	if (sqlite3_prepare_v2(sh->h, "SELECT id, source, title, project_name, project_path,"
	    " git_branch, hostname, model, models, client_version, status, end_reason,"
	    " parent_id, created_at, updated_at, ended_at FROM sessions WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		error("show: %s", sqlite3_errmsg(sh->h));
		return -1;
	}
	sqlite3_bind_text(st, 1, sh->sid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		error("show: %s", rc == SQLITE_DONE ? "the session is gone" : sqlite3_errmsg(sh->h));
		sqlite3_finalize(st);
		return -1;
	}
	if (js) {
		cJSON *o = cJSON_AddObjectToObject(js, "session");

		for (i = 0; i < NELEM(cols); i++)
			cJSON_AddItemToObject(o, cols[i], i >= 13 &&
			    sqlite3_column_type(st, (int)i) != SQLITE_NULL ?
			    fmt_json_time(sqlite3_column_int64(st, (int)i)) :
			    section_json_col(st, (int)i));
	} else {
		char a[32], b[32];
		char *e;
		static const struct { int col; const char *label; } lines[] = {
			{ 2, "title    " }, { 3, "project  " }, { 4, "folder   " },
			{ 5, "branch   " }, { 8, "models   " }, { 9, "client   " },
			{ 12, "parent   " },
		};

		e = table_escape(col_text(st, 0));
		fprintf(sh->out, "%ssession  %s%s  %s\n", sh->color ? "\033[33m" : "", e,
		    sh->color ? "\033[0m" : "", col_text(st, 1));
		free(e);
		for (i = 0; i < NELEM(lines); i++)
			if (col_text(st, lines[i].col)) {
				e = table_escape(col_text(st, lines[i].col));
				fprintf(sh->out, "%s%s\n", lines[i].label, e);
				free(e);
			}
		when_of(st, 13, a);
		when_of(st, 15, b);
		fprintf(sh->out, "started  %s UTC%s%s%s\n\n", a,
		    strcmp(b, "-") ? "  ended " : "", strcmp(b, "-") ? b : "",
		    strcmp(b, "-") ? " UTC" : "");
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * Everything that happened, in order. Columns: kind (1 message, 2 tool,
 * 3 compaction, 4 error), time, id, a (role, tool name, phase, error
 * type), b (text, input, trigger, message), c (tool output, compaction
 * summary), d (tool error), e (tool status), f (duration ms), sub (a
 * subagent's: its agent id, or 'sidechain'), model.
 */
static const char SQL_ITEMS[] =
	"SELECT * FROM (SELECT 1 AS k, created_at AS at, id, role, text_content, NULL, NULL, NULL,"
	"  duration_ms, CASE WHEN agent_id IS NOT NULL THEN agent_id"
	"  WHEN is_sidechain THEN 'sidechain' END, model, rowid AS r"
	" FROM messages WHERE session_id = :sid"
	" UNION ALL SELECT 2, COALESCE(started_at, created_at), id, tool_name, tool_input,"
	"  tool_output, error_message, status, duration_ms, agent_id, NULL, rowid"
	" FROM tools WHERE session_id = :sid"
	" UNION ALL SELECT 3, created_at, NULL, phase, trigger, summary, NULL, NULL, NULL,"
	"  NULL, NULL, id FROM compaction_events WHERE session_id = :sid"
	" UNION ALL SELECT 4, created_at, NULL, error_type, error_message, NULL, NULL, NULL,"
	"  NULL, NULL, NULL, id FROM session_errors WHERE session_id = :sid"
	") ORDER BY at IS NULL, at, k, r";

static cJSON *
item_json(sqlite3_stmt *st)
{
	static const char *const kinds[] = { "", "message", "tool", "compaction", "error" };
	int k = sqlite3_column_int(st, 0);
	cJSON *o = cJSON_CreateObject();

	if (k == 1)
		cJSON_AddStringToObject(o, "kind", strcmp(col_text(st, 3), "user") == 0 ?
		    "prompt" : "response");
	else
		cJSON_AddStringToObject(o, "kind", kinds[k]);
	cJSON_AddItemToObject(o, "time", sqlite3_column_type(st, 1) == SQLITE_NULL ?
	    cJSON_CreateNull() : fmt_json_time(sqlite3_column_int64(st, 1)));
	switch (k) {
	case 1:
		cJSON_AddItemToObject(o, "id", section_json_col(st, 2));
		cJSON_AddItemToObject(o, "text", section_json_col(st, 4));
		cJSON_AddItemToObject(o, "model", section_json_col(st, 10));
		cJSON_AddItemToObject(o, "duration_ms", section_json_col(st, 8));
		break;
	case 2:
		cJSON_AddItemToObject(o, "id", section_json_col(st, 2));
		cJSON_AddItemToObject(o, "tool", section_json_col(st, 3));
		cJSON_AddItemToObject(o, "input", section_json_col(st, 4));
		cJSON_AddItemToObject(o, "output", section_json_col(st, 5));
		cJSON_AddItemToObject(o, "error", section_json_col(st, 6));
		cJSON_AddItemToObject(o, "status", section_json_col(st, 7));
		cJSON_AddItemToObject(o, "duration_ms", section_json_col(st, 8));
		break;
	case 3:
		cJSON_AddItemToObject(o, "phase", section_json_col(st, 3));
		cJSON_AddItemToObject(o, "trigger", section_json_col(st, 4));
		cJSON_AddItemToObject(o, "summary", section_json_col(st, 5));
		break;
	default:
		cJSON_AddItemToObject(o, "error_type", section_json_col(st, 3));
		cJSON_AddItemToObject(o, "message", section_json_col(st, 4));
	}
	cJSON_AddItemToObject(o, "subagent", section_json_col(st, 9));
	return o;
}

/* Prints the item st is on; 0 when it has nothing to show. */
static int
item_text(const struct show *sh, sqlite3_stmt *st)
{
	int k = sqlite3_column_int(st, 0);
	const char *sub = col_text(st, 9);
	char when[32], *what = NULL, *rest = NULL;

	when_of(st, 1, when);
	switch (k) {
	case 1: {
		int prompt = strcmp(col_text(st, 3), "user") == 0;

		what = xasprintf("%s%s%s", sub ? "subagent " : "", sub && strcmp(sub,
		    "sidechain") ? sub : "", prompt ? (sub ? " prompt" : "prompt") :
		    (sub ? " response" : "response"));
		if (!prompt && blank(col_text(st, 4)))
			return 0;  /* a response of tool calls only: they follow */
		rest = prompt || !col_text(st, 10) ? NULL : xstrdup(col_text(st, 10));
		head(sh, when, what, rest);
		body(sh, col_text(st, 4), "    ", 0);
		break;
	}
	case 2: {
		const char *status = col_text(st, 7);
		char dur[32] = "", *in = input_line(col_text(st, 4));
		size_t w;
		char *line;

		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			fmt_thousands(sqlite3_column_int64(st, 8), dur);
			strcat(dur, " ms");
		}
		what = xasprintf("%s%s%stool %s", sub ? "subagent " : "", sub ? sub : "",
		    sub ? " " : "", col_text(st, 3) ? col_text(st, 3) : "?");
		rest = xasprintf("%s%s%s", status ? status : "", *dur ? "  " : "", dur);
		head(sh, when, what, rest);
		if (sh->tools) {
			fputs("    input:\n", sh->out);
			body(sh, col_text(st, 4), "      ", 0);
		} else {
			line = table_fit(in, strlen(in), LINE_MAX_COLS, 0, &w);
			fprintf(sh->out, "    $ %s\n", line);
			free(line);
		}
		free(in);
		if (col_text(st, 6) && *col_text(st, 6)) {
			fprintf(sh->out, "    %serror:%s\n", sh->color ? "\033[31m" : "",
			    sh->color ? "\033[0m" : "");
			body(sh, col_text(st, 6), "      ", sh->tools ? 0 : OUTPUT_LINES);
		}
		/* a refused call's output is its error again: said once */
		if (col_text(st, 5) && *col_text(st, 5) && !(col_text(st, 6) &&
		    strcmp(col_text(st, 5), col_text(st, 6)) == 0)) {
			fputs("    output:\n", sh->out);
			body(sh, col_text(st, 5), "      ", sh->tools ? 0 : OUTPUT_LINES);
		}
		break;
	}
	case 3:
		what = xasprintf("compaction %s", col_text(st, 3) ? col_text(st, 3) : "");
		rest = col_text(st, 4) ? xstrdup(col_text(st, 4)) : NULL;
		head(sh, when, what, rest);
		body(sh, col_text(st, 5), "    ", sh->tools ? 0 : OUTPUT_LINES);
		break;
	default:
		what = xasprintf("API error %s", col_text(st, 3) ? col_text(st, 3) : "");
		head(sh, when, what, NULL);
		body(sh, col_text(st, 4), "    ", 0);
	}
	free(what);
	free(rest);
	return 1;
}

static int
show_items(struct show *sh, cJSON *js)
{
	sqlite3_stmt *st;
	cJSON *items = js ? cJSON_AddArrayToObject(js, "items") : NULL;
	int rc;

	if (sqlite3_prepare_v2(sh->h, SQL_ITEMS, -1, &st, NULL) != SQLITE_OK) {
		error("show: %s", sqlite3_errmsg(sh->h));
		return -1;
	}
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":sid"), sh->sid, -1,
	    SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (items) {
			cJSON_AddItemToArray(items, item_json(st));
		} else {
			if (item_text(sh, st))
				fputc('\n', sh->out);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		error("show: %s", sqlite3_errmsg(sh->h));
		return -1;
	}
	return 0;
}

/*
 * The totals line of st (show_totals' row): counts, the four token counts
 * ("-" when none is known) and the cost, as report says it: "$0.80+?" when
 * some model has no price, "unknown" when none has one.
 */
static void
totals_text(const struct show *sh, sqlite3_stmt *st)
{
	char v[10][32], cost[96], d[40];
	int k;

	for (k = 0; k < 10; k++) {
		if (sqlite3_column_type(st, k) == SQLITE_NULL)
			strcpy(v[k], "-");
		else
			fmt_thousands(sqlite3_column_int64(st, k), v[k]);
	}
	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		fmt_dollars(sqlite3_column_double(st, 10), cost);
	} else if (sqlite3_column_int64(st, 12) > 0 && sqlite3_column_double(st, 11) > 0) {
		fmt_dollars(sqlite3_column_double(st, 11), d);
		snprintf(cost, sizeof cost, "%s+? (a model with no price)", d);
	} else if (sqlite3_column_int64(st, 12) > 0) {
		snprintf(cost, sizeof cost, "unknown (a model with no price)");
	} else {
		strcpy(cost, "-");
	}
	fprintf(sh->out, "%stotal%s  %s prompts, %s responses, %s tool calls (%s failed), "
	    "%s compactions, %s API errors\n", sh->color ? "\033[1m" : "",
	    sh->color ? "\033[0m" : "", v[0], v[1], v[2], v[3], v[4], v[5]);
	fprintf(sh->out, "tokens  input %s, output %s, cache write %s, cache read %s\n"
	    "cost    %s\n", v[6], v[7], v[8], v[9], cost);
}

/* The totals: counts from the rows, tokens and cost from the session row. */
static int
show_totals(struct show *sh, cJSON *js)
{
	sqlite3_stmt *st;
	static const char *const names[] = { "prompts", "responses", "tool_calls",
	    "failed_tool_calls", "compactions", "errors", "input_tokens", "output_tokens",
	    "cache_creation_input_tokens", "cache_read_input_tokens", "cost_usd",
	    "known_cost_usd", "unpriced_responses" };
	size_t i;
	int rc;

	if (sqlite3_prepare_v2(sh->h, "SELECT"
	    " (SELECT count(*) FROM messages WHERE session_id = s.id AND role = 'user'),"
	    " (SELECT count(*) FROM messages WHERE session_id = s.id AND role = 'assistant'),"
	    " (SELECT count(*) FROM tools WHERE session_id = s.id),"
	    " (SELECT count(*) FROM tools WHERE session_id = s.id AND status = 'error'),"
	    " (SELECT count(*) FROM compaction_events WHERE session_id = s.id AND phase = 'pre'),"
	    " (SELECT count(*) FROM session_errors WHERE session_id = s.id),"
	    " input_tokens, output_tokens, cache_creation_input_tokens,"
	    " cache_read_input_tokens, cost_usd, known_cost_usd, unpriced_responses"
	    " FROM sessions s WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		error("show: %s", sqlite3_errmsg(sh->h));
		return -1;
	}
	sqlite3_bind_text(st, 1, sh->sid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		error("show: %s", sqlite3_errmsg(sh->h));
		sqlite3_finalize(st);
		return -1;
	}
	if (js) {
		cJSON *o = cJSON_AddObjectToObject(js, "totals");

		for (i = 0; i < NELEM(names); i++)
			cJSON_AddItemToObject(o, names[i], section_json_col(st, (int)i));
	} else {
		totals_text(sh, st);
	}
	sqlite3_finalize(st);
	return 0;
}

/*
 * The pager for a terminal, as git's: $PAGER (none when empty or "cat"),
 * else less; LESS=FRX when LESS is unset (quit when it fits, colour, no
 * screen clearing). NULL: write to stdout.
 */
/* Whether the program that the shell command cmd starts with can be run:
 * a pager that is not there must not swallow the session. */
static int
runnable(const char *cmd)
{
	size_t n = strcspn(cmd, " \t");
	const char *path = getenv("PATH"), *p;
	char *name = xstrndup(cmd, n), *full;
	int ok = 0;

	if (strchr(name, '/') != NULL) {
		ok = access(name, X_OK) == 0;
	} else {
		for (p = path ? path : "/usr/bin:/bin"; !ok && *p; p += *p == ':') {
			size_t d = strcspn(p, ":");

			full = xasprintf("%.*s/%s", (int)d, d ? p : ".", name);
			ok = access(full, X_OK) == 0;
			free(full);
			p += d;
		}
	}
	free(name);
	return ok;
}

static FILE *
pager_open(void)
{
	const char *p = getenv("PAGER");
	FILE *f;

	if (p && (*p == '\0' || strcmp(p, "cat") == 0))
		return NULL;
	if (p == NULL)
		p = "less";
	if (!runnable(p)) {
		char *e = table_escape(p);

		error("show: pager '%s' not found: written out whole", e);
		free(e);
		return NULL;
	}
	setenv("LESS", "FRX", 0);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);  /* quitting the pager early is no error */
	/* Ctrl-C is the pager's, as in git: clankers goes on to pclose. */
	signal(SIGINT, SIG_IGN);
	if ((f = popen(p, "w")) == NULL)
		return NULL;
	return f;
}

int
cmd_show(int argc, char **argv, struct ctx *ctx)
{
	struct show sh;
	const char *arg = NULL, *nc = getenv("NO_COLOR");
	int no_pager = 0, i, status = EXIT_FAIL, rc;
	char *err = NULL;
	cJSON *js = NULL;
	FILE *pager = NULL;

	memset(&sh, 0, sizeof sh);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tools") == 0) {
			sh.tools = 1;
		} else if (strcmp(argv[i], "--json") == 0) {
			sh.json = 1;
		} else if (strcmp(argv[i], "--no-pager") == 0) {
			no_pager = 1;
		} else if (argv[i][0] == '-' || arg) {
			char *e = table_escape(argv[i]);

			error(argv[i][0] == '-' ? "show: unknown option '%s'; see 'clankers "
			    "help show'" : "show: one session at a time ('%s' is a second)", e);
			free(e);
			return EXIT_USAGE;
		} else {
			arg = argv[i];
		}
	}
	if (arg == NULL || *arg == '\0') {
		error("show: which session? clankers show SESSION (an id, or a unique "
		    "prefix of one)");
		return EXIT_USAGE;
	}
	rc = db_open_readonly(&sh.h, ctx->db_path, 0, SHOW_BUSY_MS, &err);
	if (rc == SQLITE_NOTFOUND) {
		error("show: no database at '%s' (nothing recorded yet: are the hooks "
		    "installed? see 'clankers doctor')", ctx->db_path);
		goto out;
	}
	if (rc != SQLITE_OK) {
		error("show: cannot open '%s': %s", ctx->db_path, err ? err : "?");
		goto out;
	}
	/* One read transaction: the session as it was at one moment. */
	sqlite3_exec(sh.h, "BEGIN", NULL, NULL, NULL);
	if ((status = show_resolve(sh.h, "show", arg, &sh.sid)) != EXIT_OK)
		goto out;
	status = EXIT_FAIL;
	sh.out = stdout;
	if (sh.json) {
		js = cJSON_CreateObject();
	} else if (isatty(STDOUT_FILENO)) {
		sh.color = !(nc && *nc);
		if (!no_pager && (pager = pager_open()) != NULL)
			sh.out = pager;
	}
	if (show_header(&sh, js) < 0 || show_items(&sh, js) < 0 || show_totals(&sh, js) < 0)
		goto out;
	if (js) {
		char *p = cJSON_Print(js);

		printf("%s\n", p);
		free(p);
	}
	status = EXIT_OK;
out:
	if (pager)
		pclose(pager);
	cJSON_Delete(js);
	free(sh.sid);
	free(err);
	sqlite3_close(sh.h);
	return status;
}
