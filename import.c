/*
 * import.c: `clankers import AGENT`, the history an agent kept before
 * clankers recorded it. It takes the agent word and the options the
 * agents' readers share (DIR... and --since for an agent whose history is
 * files, --db PATH of the agent's own store and --session ID for the
 * others, --dry-run, --json), finds the agent in agent.c's table, opens
 * clankers' database and hands the rest to the agent's reader
 * (claude_import.c, opencode_db.c), which makes the rows the agent's
 * events would have made. A first SIGINT or SIGTERM asks the reader to
 * stop between two transactions. It prints what was read (progress on a
 * terminal), and logs one line. Nothing here knows an agent's storage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define IMPORT_USAGE "usage: clankers import claude [DIR...] [--since WHEN] " \
	"[--dry-run] [--json]\n" \
	"       clankers import opencode [--db PATH] [--session ID] [--dry-run] [--json]"

static volatile int stop_flag;
static int64_t started_us, drawn_us;

/* SIGINT, SIGTERM: the reader stops between two transactions. A second
 * signal ends the process at once (SA_RESETHAND). */
static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Minutes and seconds (or hours) of us, for the progress line. */
static void
clock_text(int64_t us, char out[48])
{
	int64_t s = us / 1000000;

	if (s >= 3600)
		snprintf(out, 48, "%lld:%02lld:%02lld", (long long)(s / 3600),
		    (long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(out, 48, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

/* The progress line on a terminal, redrawn after each session (at most
 * ten times a second); with the plan of an agent whose history is files,
 * also files, MB, time spent and left. */
static void
progress(const struct import_stats *st, int64_t total)
{
	int64_t now = mono_us(), spent = now - started_us;
	char el[48], left[48];

	if (now - drawn_us < 100000 && st->sessions < total)
		return;
	drawn_us = now;
	if (st->bytes_total <= 0) {
		fprintf(stderr, "\rclankers: import: %lld of %lld sessions",
		    (long long)st->sessions, (long long)total);
		return;
	}
	clock_text(spent, el);
	if (st->bytes > 0 && st->bytes < st->bytes_total)
		clock_text((int64_t)((double)spent * (double)(st->bytes_total - st->bytes) /
		    (double)st->bytes), left);
	else
		snprintf(left, sizeof left, "-");
	fprintf(stderr, "\rclankers: import: %lld of %lld sessions, %lld files, "
	    "%.0f of %.0f MB, %s spent, %s left  ", (long long)(st->made + st->changed),
	    (long long)total, (long long)st->files_read, (double)st->bytes / 1e6,
	    (double)st->bytes_total / 1e6, el, left);
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
	if (st->files)
		printf("; %lld files, %lld read (%.1f MB)", (long long)st->files,
		    (long long)st->files_read, (double)st->bytes / 1e6);
	if (dry_run && st->bytes_total)
		printf("; %.1f MB to read", (double)st->bytes_total / 1e6);
	if (st->older)
		printf("; %lld sessions older than --since left out", (long long)st->older);
	if (st->skipped)
		printf("; %lld file%s not read in full", (long long)st->skipped,
		    st->skipped == 1 ? "" : "s");
	if (st->stopped)
		printf("; interrupted: run it again to go on");
	putchar('\n');
}

/* On a terminal: each file not read in full, with why (escaped: paths). */
static void
put_problems(const struct import_stats *st)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, st->problems) {
		char *path = table_escape(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(p, "path")));
		char *why = table_escape(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(p, "reason")));

		printf("  %s: %s\n", path, why);
		free(path);
		free(why);
	}
	if (st->skipped > cJSON_GetArraySize(st->problems))
		printf("  ... and %lld more (see the log)\n",
		    (long long)(st->skipped - cJSON_GetArraySize(st->problems)));
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
	if (st->files) {
		cJSON_AddNumberToObject(obj, "files", (double)st->files);
		cJSON_AddNumberToObject(obj, "files_read", (double)st->files_read);
		cJSON_AddNumberToObject(obj, "bytes_read", (double)st->bytes);
	}
	if (st->older)
		cJSON_AddNumberToObject(obj, "older", (double)st->older);
	if (st->skipped)
		cJSON_AddNumberToObject(obj, "files_not_read", (double)st->skipped);
	if (st->stopped)
		cJSON_AddBoolToObject(obj, "interrupted", 1);
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
	if (dry_run && st->bytes_total)
		cJSON_AddNumberToObject(out, "bytes_to_read", (double)st->bytes_total);
	if (st->problems)
		cJSON_AddItemReferenceToObject(out, "not_read", st->problems);
	text = cJSON_PrintUnformatted(out);
	puts(text);
	free(text);
	cJSON_Delete(out);
}

/*
 * The options after the agent word into q (values borrowed from argv; DIRs
 * into q->dirs, which holds argc) and *json: the folders and --since for
 * an agent whose history is files, --db and --session for the others.
 * EXIT_OK, or EXIT_USAGE reported.
 */
static int
import_args(int argc, char **argv, const struct agent *a, struct import_req *q,
    int *json)
{
	int i;
	const char *since = NULL;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc && !a->import_dirs)
			q->from = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0 && !a->import_dirs)
			q->from = argv[i] + 5;
		else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc && !a->import_dirs)
			q->session_id = argv[++i];
		else if (strncmp(argv[i], "--session=", 10) == 0 && !a->import_dirs)
			q->session_id = argv[i] + 10;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && a->import_dirs)
			since = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0 && a->import_dirs)
			since = argv[i] + 8;
		else if (strcmp(argv[i], "--dry-run") == 0)
			q->dry_run = 1;
		else if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else if (argv[i][0] != '-' && a->import_dirs)
			q->dirs[q->ndirs++] = argv[i];
		else {
			error("import %s: unknown option '%s'", a->name, argv[i]);
			fprintf(stderr, "%s\n", IMPORT_USAGE);
			return EXIT_USAGE;
		}
	}
	if (since && (fmt_when(since, 0, now_ms(), &q->since) < 0 || q->since <= 0)) {
		error("import %s: --since '%s': not a date (YYYY-MM-DD) or an age (30d)",
		    a->name, since);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * clankers import AGENT [options]: 0 when imported, 1 when the agent's
 * store or clankers' database could not be read or written, or a signal
 * stopped it (the sessions done before stay), 64 on a bad command line or
 * an agent with no reader.
 */
int
cmd_import(int argc, char **argv, struct ctx *ctx)
{
	const struct agent *a;
	struct import_req q = {0};
	struct import_stats st = {0};
	struct db db = {0};
	struct sigaction sa, old_int, old_term;
	cJSON *rec;
	char *err = NULL;
	int json = 0, rc, status = EXIT_OK;

	if (argc < 2 || argv[1][0] == '-') {
		error("import: which agent? 'clankers import claude' or 'clankers import opencode'");
		fprintf(stderr, "%s\n", IMPORT_USAGE);
		return EXIT_USAGE;
	}
	if ((a = agent_find(argv[1])) == NULL || a->import == NULL) {
		error("import: '%s' is not an agent clankers imports (claude, opencode)", argv[1]);
		return EXIT_USAGE;
	}
	q.dirs = xmalloc((size_t)argc * sizeof *q.dirs);
	if (import_args(argc, argv, a, &q, &json) != EXIT_OK) {
		free(q.dirs);
		return EXIT_USAGE;
	}
	if (!json && isatty(STDERR_FILENO))
		q.progress = progress;
	if (db_open(&db, ctx->db_path, 10000) != SQLITE_OK) {
		char *e = table_escape(db.err ? db.err : "cannot open the database");

		error("import: %s", e);  /* a path: escaped (table.c) */
		free(e);
		db_close(&db);
		free(q.dirs);
		return EXIT_FAIL;
	}
	rec = log_new(LOG_INFO, "import", "");
	cJSON_AddStringToObject(rec, "source", a->source);
	if (q.from)
		cJSON_AddStringToObject(rec, "from", q.from);
	if (q.session_id)
		cJSON_AddStringToObject(rec, "session_id", q.session_id);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	q.stop = &stop_flag;
	started_us = mono_us();
	rc = a->import(&db, ctx->root, a, &q, &st, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (q.progress && drawn_us && st.bytes_total > 0) {
		drawn_us -= 1000000;  /* the last figures, whenever the last line was drawn */
		progress(&st, st.sessions_total);
	}
	if (q.progress && drawn_us)
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
		log_set_message(rec, "%s import%s%s", a->name, q.dry_run ? " (dry run)" : "",
		    st.stopped ? " interrupted" : "");
		if (st.stopped)
			status = EXIT_FAIL;
	}
	if (q.dry_run)
		cJSON_AddBoolToObject(rec, "dry_run", 1);
	if (json && rc == 0) {
		put_json(a->name, &st, q.dry_run);
	} else if (rc == 0) {
		put_summary(a->name, &st, q.dry_run);
		if (isatty(STDOUT_FILENO))
			put_problems(&st);
	}
	log_write(rec);
	cJSON_Delete(st.problems);
	free(err);
	free(q.dirs);
	db_close(&db);
	return status;
}
