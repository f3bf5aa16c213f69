/*
 * import.c: `clankers import AGENT`, the history an agent kept before
 * clankers recorded it. It takes the agent word and the options every
 * agent's reader shares (--db PATH of the agent's own store, --session ID,
 * --dry-run, --json), finds the agent in agent.c's table, opens clankers'
 * database and hands the rest to the agent's reader (opencode_db.c), which
 * makes the rows the agent's events would have made. It prints what was
 * read, and logs one line. Nothing here knows an agent's storage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define IMPORT_USAGE "usage: clankers import AGENT [--db PATH] [--session ID] " \
	"[--dry-run] [--json]"

/* The progress line on a terminal, redrawn after each session. */
static void
progress(const struct import_stats *st, int64_t total)
{
	fprintf(stderr, "\rclankers: import: %lld of %lld sessions",
	    (long long)st->sessions, (long long)total);
}

/* One line for people: what was read and what the rows now hold. */
static void
put_summary(const char *agent, const struct import_stats *st, int dry_run)
{
	printf("%s%s: %lld session%s (%lld new, %lld updated, %lld unchanged), "
	    "%lld messages, %lld tool calls; tokens: input %lld, output %lld, "
	    "reasoning %lld, cache write %lld, cache read %lld; cost $%.4f",
	    dry_run ? "dry run, nothing kept: " : "", agent, (long long)st->sessions,
	    st->sessions == 1 ? "" : "s", (long long)st->made,
	    (long long)st->changed, (long long)st->same, (long long)st->messages,
	    (long long)st->tools, (long long)st->input, (long long)st->output,
	    (long long)st->reasoning, (long long)st->cache_write,
	    (long long)st->cache_read, st->cost_usd);
	if (st->bad)
		printf("; %lld records could not be read", (long long)st->bad);
	putchar('\n');
}

/* The same counts as st into obj (the --json output and the log line). */
static void
add_stats(cJSON *obj, const struct import_stats *st)
{
	cJSON_AddNumberToObject(obj, "sessions", (double)st->sessions);
	cJSON_AddNumberToObject(obj, "new", (double)st->made);
	cJSON_AddNumberToObject(obj, "updated", (double)st->changed);
	cJSON_AddNumberToObject(obj, "unchanged", (double)st->same);
	cJSON_AddNumberToObject(obj, "messages", (double)st->messages);
	cJSON_AddNumberToObject(obj, "tool_calls", (double)st->tools);
	cJSON_AddNumberToObject(obj, "input_tokens", (double)st->input);
	cJSON_AddNumberToObject(obj, "output_tokens", (double)st->output);
	cJSON_AddNumberToObject(obj, "reasoning_tokens", (double)st->reasoning);
	cJSON_AddNumberToObject(obj, "cache_write_tokens", (double)st->cache_write);
	cJSON_AddNumberToObject(obj, "cache_read_tokens", (double)st->cache_read);
	cJSON_AddNumberToObject(obj, "cost_usd", st->cost_usd);
	cJSON_AddNumberToObject(obj, "bad_records", (double)st->bad);
}

/* The --json output: the agent, whether it was a dry run, and st's counts. */
static void
put_json(const char *agent, const struct import_stats *st, int dry_run)
{
	cJSON *out = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(out, "agent", agent);
	cJSON_AddBoolToObject(out, "dry_run", dry_run);
	add_stats(out, st);
	text = cJSON_PrintUnformatted(out);
	puts(text);
	free(text);
	cJSON_Delete(out);
}

/*
 * The options after the agent word into q (values borrowed from argv) and
 * *json. EXIT_OK, or EXIT_USAGE reported.
 */
static int
import_args(int argc, char **argv, struct import_req *q, int *json)
{
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			q->from = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			q->from = argv[i] + 5;
		else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc)
			q->session_id = argv[++i];
		else if (strncmp(argv[i], "--session=", 10) == 0)
			q->session_id = argv[i] + 10;
		else if (strcmp(argv[i], "--dry-run") == 0)
			q->dry_run = 1;
		else if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else {
			error("import: unknown option '%s'", argv[i]);
			fprintf(stderr, "%s\n", IMPORT_USAGE);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/*
 * clankers import AGENT [--db PATH] [--session ID] [--dry-run] [--json]:
 * 0 when imported, 1 when the agent's store or clankers' database could
 * not be read or written (the sessions done before stay), 64 on a bad
 * command line or an agent with no reader yet.
 */
int
cmd_import(int argc, char **argv, struct ctx *ctx)
{
	const struct agent *a;
	struct import_req q = {0};
	struct import_stats st;
	struct db db = {0};
	cJSON *rec;
	char *err = NULL;
	int json = 0, rc, status = EXIT_OK;

	if (argc < 2 || argv[1][0] == '-') {
		error("import: which agent? 'clankers import opencode'");
		return EXIT_USAGE;
	}
	if ((a = agent_find(argv[1])) == NULL || a->import == NULL) {
		error("import: '%s' is not supported yet (only 'opencode' is)", argv[1]);
		return EXIT_USAGE;
	}
	if (import_args(argc, argv, &q, &json) != EXIT_OK)
		return EXIT_USAGE;
	if (!json && isatty(STDERR_FILENO))
		q.progress = progress;
	if (db_open(&db, ctx->db_path, 10000) != SQLITE_OK) {
		char *e = table_escape(db.err ? db.err : "cannot open the database");

		error("import: %s", e);  /* a path: escaped (table.c) */
		free(e);
		db_close(&db);
		return EXIT_FAIL;
	}
	rec = log_new(LOG_INFO, "import", "");
	cJSON_AddStringToObject(rec, "source", a->source);
	if (q.from)
		cJSON_AddStringToObject(rec, "from", q.from);
	if (q.session_id)
		cJSON_AddStringToObject(rec, "session_id", q.session_id);
	rc = a->import(&db, ctx->root, a, &q, &st, &err);
	if (q.progress && st.sessions > 0)
		fputc('\n', stderr);
	add_stats(rec, &st);
	if (rc != 0) {
		const char *why = rc < 0 ? err : db.err ? db.err : "database error";
		char *e = table_escape(why);  /* paths and stored text: escaped */

		error("import %s: %s", a->name, e);
		free(e);
		log_set_level(rec, LOG_ERROR);
		log_set_message(rec, "%s import failed", a->name);
		log_set_error(rec, why);
		status = EXIT_FAIL;
	} else {
		log_set_message(rec, "%s import%s", a->name, q.dry_run ? " (dry run)" : "");
	}
	if (q.dry_run)
		cJSON_AddBoolToObject(rec, "dry_run", 1);
	if (json && rc == 0) {
		put_json(a->name, &st, q.dry_run);
	} else if (rc == 0) {
		put_summary(a->name, &st, q.dry_run);
	}
	log_write(rec);
	free(err);
	db_close(&db);
	return status;
}
