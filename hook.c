/*
 * hook.c: `clankers hook [AGENT] [EVENT] < payload.json`, the command each
 * agent hook execs. Reads the payload to EOF, repairs what would make a
 * JSON parser drop it (invalid UTF-8, lone surrogate escapes), finds the
 * agent in the agent table, stores the event in one transaction (event.c),
 * or keeps it in the spool when the database cannot be written in the
 * time budget, and writes one log line. It prints nothing on stdout and
 * exits 0 (stored or spooled) or 1 (neither), never 2.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#define BUDGET_MS_DEFAULT 1000
#define STDIN_OPEN "stdin not closed within the budget"
#define HEAD_BYTES 256  /* of a payload that cannot be used, for the log */

static int
budget_ms(void)
{
	const char *s = getenv("CLANKERS_TIMEOUT_MS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : BUDGET_MS_DEFAULT;
}

/* Rejects a payload that cannot be used: stderr, an error log line, exit 1. */
static int
reject(cJSON *rec, const char *event, const char *why, const char *data, size_t n)
{
	size_t keep = utf8_cut(data, n, HEAD_BYTES);

	if (event[0] == '\0')
		event = "(no event)";
	error("hook %s: %s: event not recorded", event, why);
	log_set_level(rec, LOG_ERROR);
	log_set_message(rec, "%s rejected", event);
	cJSON_AddStringToObject(rec, "outcome", OUTCOME_REJECTED);
	log_set_error(rec, why);
	cJSON_AddNumberToObject(rec, "payload_bytes", (double)n);
	if (n > 0) {
		char *head = xstrndup(data, keep);

		cJSON_AddStringToObject(rec, "payload_head", head);
		free(head);
	}
	return EXIT_FAIL;
}

/*
 * Which agent and which event: `hook [AGENT] [EVENT]`. A first word that
 * names no agent is an event of the first agent of the table (Claude
 * Code's hooks were registered that way before there were others). Sets
 * *agent and *event (borrowed from argv, or NULL: the payload names it).
 * Returns NULL, or why the command line cannot be used.
 */
static const char *
hook_args(int argc, char **argv, const struct agent **agent, const char **event)
{
	int i = 1;

	*agent = agent_at(0);
	*event = NULL;
	if (i < argc && agent_find(argv[i]) != NULL)
		*agent = agent_find(argv[i++]);
	if (i < argc)
		*event = argv[i++];
	if (i < argc)
		return "extra arguments: usage: clankers [--data-root DIR] [--db PATH] "
		    "hook [AGENT] [EVENT] < payload.json";
	return NULL;
}

/*
 * Reads fd to EOF, waiting at most budget ms for each read: a caller that
 * never closes our stdin must not hold the hook forever. Returns 0 at EOF,
 * 1 when the wait ran out (what came so far is in b), -1 with errno.
 */
static int
read_bounded(struct buf *b, int fd, int budget)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int r = poll(&p, 1, budget);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		buf_grow(b, 65536);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
	}
}

/*
 * Reads stdin whole, made valid UTF-8 (noted in rec when it was not). Sets
 * *open when stdin was still open after the budget: the caller keeps what
 * came if it is a whole JSON object.
 */
static const char *
read_payload(struct buf *in, cJSON *rec, char **why, int *open)
{
	char *clean;
	size_t cleanlen;
	int rc;

	*why = NULL;
	*open = 0;
	if (isatty(STDIN_FILENO))
		return "no payload: stdin is a terminal";
	if ((rc = read_bounded(in, STDIN_FILENO, budget_ms())) < 0) {
		*why = xasprintf("cannot read stdin: %s", strerror(errno));
		return *why;
	}
	*open = rc == 1;
	buf_add(in, "", 0);  /* never NULL, always NUL-terminated */
	if ((clean = utf8_clean(in->data, in->len, &cleanlen)) != NULL) {
		cJSON_AddBoolToObject(rec, "invalid_utf8", 1);
		buf_release(in);
		in->data = clean;
		in->len = in->cap = cleanlen;
	}
	return NULL;
}

/*
 * Stores the event, or spools it when the database cannot be written in
 * the budget; says which in rec. Returns the exit status.
 */
static int
hook_record(struct ctx *ctx, struct event *ev, const struct buf *in, cJSON *rec)
{
	const struct receipt *r = ev->r;
	struct db db = {0};
	int rc, budget = budget_ms(), status = EXIT_OK;

	rc = db_open(&db, ctx->db_path, budget);
	if (rc == SQLITE_OK) {
		/* Half the budget at most, so that this event keeps its time. */
		spool_ingest(&db, ctx->root, mono_us() + budget * 500LL);
		rc = event_store(ev, &db, ctx->root);
		if (rc == SQLITE_OK)
			event_after(ev, ctx->start_us + budget * 1000LL);
	}
	if (rc == SQLITE_OK) {
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_STORED);
		log_set_message(rec, "%s stored", r->event);
	} else if (spool_write(ctx->root, r, in->data, in->len) == 0) {
		/* Not lost: the next invocation that can write ingests it. */
		error("hook %s: %s: event spooled", r->event, db.err ? db.err : "database unavailable");
		log_set_level(rec, LOG_WARN);
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_SPOOLED);
		log_set_message(rec, "%s spooled", r->event);
		log_set_error(rec, db.err ? db.err : "database unavailable");
	} else {
		char *why = xasprintf("%s; spool: %s", db.err ? db.err :
		    "database unavailable", strerror(errno));

		error("hook %s: %s: event lost", r->event, why);
		log_set_level(rec, LOG_ERROR);
		cJSON_AddStringToObject(rec, "outcome", OUTCOME_LOST);
		log_set_message(rec, "%s lost", r->event);
		log_set_error(rec, why);
		free(why);
		status = EXIT_FAIL;
	}
	db_close(&db);
	return status;
}

int
cmd_hook(int argc, char **argv, struct ctx *ctx)
{
	const struct agent *agent;
	const char *named = NULL, *err, *bad;
	struct receipt r;
	struct buf in = {0};
	struct event ev;
	cJSON *payload = NULL, *rec;
	char *why = NULL;
	int status = EXIT_OK, still_open;

	/*
	 * A hook must not die of a signal: with a stderr nobody reads (SIGPIPE)
	 * or under a file-size limit (SIGXFSZ) the write fails instead, and the
	 * spool or the log takes over. Hook mode only: other commands die of
	 * SIGPIPE in `clankers report | head`, as a filter should.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	bad = hook_args(argc, argv, &agent, &named);
	receipt_init(&r, agent, named ? named : "");
	rec = log_new(LOG_INFO, "hook", "");
	cJSON_AddStringToObject(rec, "event", r.event);
	cJSON_AddStringToObject(rec, "source", agent->source);
	cJSON_AddStringToObject(rec, "invocation", r.invocation);
	if (bad) {
		/* Exit 1, never EXIT_USAGE: a hook may exit only 0 or 1. */
		status = reject(rec, r.event, bad, "", 0);
		goto out;
	}
	if ((err = read_payload(&in, rec, &why, &still_open)) != NULL) {
		status = reject(rec, r.event, err, "", 0);
		goto out;
	}
	if ((payload = payload_parse(in.data, in.len, &err)) == NULL) {
		status = reject(rec, r.event, still_open ? STDIN_OPEN : err,
		    in.data, in.len);
		goto out;
	}
	if (err || still_open) {
		/* A whole object came: the caller only forgot to close. Keep it. */
		log_set_level(rec, LOG_WARN);
		cJSON_AddStringToObject(rec, "warning", still_open ? STDIN_OPEN : err);
	}
	if (named == NULL && agent->event_of(payload) != NULL) {
		free(r.event);
		r.event = xstrdup(agent->event_of(payload));
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "event",
		    cJSON_CreateString(r.event));
	}
	if (r.event[0] == '\0') {
		status = reject(rec, r.event, "no event name: give it as an argument "
		    "or in the payload", in.data, in.len);
		goto out;
	}
	if ((err = event_identify(&ev, &r, payload, rec)) != NULL) {
		status = reject(rec, r.event, err, in.data, in.len);
		goto out;
	}
	if (ev.session_id)
		cJSON_AddStringToObject(rec, "session_id", ev.session_id);
	if (agent->receive)
		agent->receive(&r, payload);
	status = hook_record(ctx, &ev, &in, rec);
out:
	cJSON_AddNumberToObject(rec, "duration_us", (double)(mono_us() - ctx->start_us));
	log_write(rec);
	cJSON_Delete(payload);
	buf_release(&in);
	free(why);
	receipt_release(&r);
	return status;
}
