/*
 * log.c: the daily JSONL log. Each record is one compact JSON line, built
 * whole in memory and written with one write(2) to a descriptor opened with
 * O_APPEND, which is what keeps lines of concurrent processes from
 * interleaving. Files are <dir>/clankers-YYYY-MM-DD.jsonl (UTC), mode 0600;
 * the process that creates a new day's file removes files older than
 * LOG_KEEP_DAYS. Logging never fails the caller: a log that cannot be
 * written is reported once on stderr. Secrets in a record's strings are
 * redacted before it is written (redact_tree).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clankers.h"

#define LOG_KEEP_DAYS 30

static const char *level_names[] = { "debug", "info", "warn", "error" };

static struct {
	char *dir;           /* owned */
	int fd;              /* -1 until the first record */
	char date[11];       /* date of the open file */
	enum log_level min;
	int failed;          /* reported once */
} lg = { NULL, -1, "", LOG_INFO, 0 };

/*
 * Starts logging into dir (created 0700 on the first record). The level
 * comes from $CLANKERS_LOG_LEVEL: debug, info (default), warn or error.
 */
void
log_open(const char *dir)
{
	const char *env = getenv("CLANKERS_LOG_LEVEL");
	size_t i;

	free(lg.dir);
	lg.dir = xstrdup(dir);
	lg.min = LOG_INFO;
	for (i = 0; env && i < sizeof level_names / sizeof *level_names; i++)
		if (strcasecmp(env, level_names[i]) == 0)
			lg.min = (enum log_level)i;
}

void
log_close(void)
{
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
	free(lg.dir);
	lg.dir = NULL;
}

/* A log file's name: LOG_PREFIX, its UTC date YYYY-MM-DD, LOG_SUFFIX. */
#define LOG_PREFIX "clankers-"
#define LOG_SUFFIX ".jsonl"

/*
 * Is name the name of a log file, clankers-YYYY-MM-DD.jsonl? Returns 1
 * with its date in date (YYYY-MM-DD), else 0. The one place that knows the
 * pattern, for whoever lists the log folder (the sweep, report, doctor).
 */
int
log_file_date(const char *name, char date[11])
{
	size_t np = strlen(LOG_PREFIX), i;

	if (strlen(name) != np + 10 + strlen(LOG_SUFFIX) ||
	    strncmp(name, LOG_PREFIX, np) != 0 || strcmp(name + np + 10, LOG_SUFFIX) != 0)
		return 0;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? name[np + i] != '-' :
		    name[np + i] < '0' || name[np + i] > '9')
			return 0;
	memcpy(date, name + np, 10);
	date[10] = '\0';
	return 1;
}

/* Removes the log files dated more than LOG_KEEP_DAYS ago. */
static void
log_sweep(int64_t now)
{
	char cutoff[11], date[11];
	struct dirent *de;
	DIR *d;

	utc_date(now - (int64_t)LOG_KEEP_DAYS * 86400 * 1000, cutoff);
	if ((d = opendir(lg.dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (!log_file_date(n, date))
			continue;
		/* ISO dates compare as strings. */
		if (strcmp(date, cutoff) < 0) {
			char *p = path_join(lg.dir, n);

			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

static int
log_fd(int64_t now)
{
	char date[11], name[40];
	char *path;
	int fd;

	utc_date(now, date);
	if (lg.fd >= 0 && strcmp(date, lg.date) == 0)
		return lg.fd;
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
	if (lg.dir == NULL || mkdir_p(lg.dir, 0700) < 0)
		return -1;
	snprintf(name, sizeof name, LOG_PREFIX "%s" LOG_SUFFIX, date);
	path = path_join(lg.dir, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		log_sweep(now);  /* we made the day's file: time to prune */
	else if (errno == EEXIST)
		/* Someone else's file: a FIFO there would hang us, a device eat lines. */
		fd = open_regular(path, O_WRONLY | O_APPEND, 0);
	if (fd < 0 && !lg.failed) {
		lg.failed = 1;
		error("cannot open log '%s': %s", path, errno == EINVAL ?
		    "not a regular file" : strerror(errno));
	}
	free(path);
	lg.fd = fd;
	memcpy(lg.date, date, sizeof date);
	return fd;
}

/*
 * Returns a new record holding time, level, component and message; the
 * caller adds fields and passes it to log_write. Time is filled in again at
 * write time.
 */
cJSON *
log_new(enum log_level level, const char *component, const char *message)
{
	cJSON *rec = cJSON_CreateObject();  /* cJSON allocates with xmalloc */

	cJSON_AddStringToObject(rec, "time", "");
	cJSON_AddStringToObject(rec, "level", level_names[level]);
	cJSON_AddStringToObject(rec, "component", component);
	cJSON_AddStringToObject(rec, "message", message);
	return rec;
}

static enum log_level rec_level(const cJSON *rec);

/* Raises rec's level to level; a record's level never goes down. */
void
log_set_level(cJSON *rec, enum log_level level)
{
	if (level > rec_level(rec))
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "level",
		    cJSON_CreateString(level_names[level]));
}

/* Sets rec's message (printf-style). */
void
log_set_message(cJSON *rec, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m == NULL)
		return;
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "message", cJSON_CreateString(m));
	free(m);
}

/* Sets rec's error: {"message": msg}, replacing any earlier one. */
void
log_set_error(cJSON *rec, const char *msg)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "message", msg);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "error");
	cJSON_AddItemToObject(rec, "error", e);
}

static enum log_level
rec_level(const cJSON *rec)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "level"));
	size_t i;

	for (i = 0; s && i < sizeof level_names / sizeof *level_names; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (enum log_level)i;
	return LOG_INFO;
}

/*
 * Redacts the secrets in the strings of v and below (redact.c): what a
 * record carries of a payload (an unknown event's whole payload, the head
 * of a rejected one, a message an agent wrote) is as safe as the rows.
 * Names of members are redacted too: an unknown payload may use a secret
 * as one. The fields of the record's own (ids, times, outcome) are not
 * walked: top says so.
 */
static void
redact_tree(cJSON *v, int top)
{
	static const char *const own[] = { "time", "level", "component", "event",
	    "source", "invocation", "session_id", "tool_use_id", "outcome" };
	size_t n;
	char *r;

	for (; v; v = v->next) {
		if (top && v->string && str_in(v->string, own, NELEM(own)))
			continue;
		if (!top && v->string && !(v->type & cJSON_StringIsConst) &&
		    (r = redact(v->string, strlen(v->string), &n)) != NULL) {
			char *k = cJSON_malloc(n + 1);

			memcpy(k, r, n + 1);
			cJSON_free(v->string);
			v->string = k;
			free(r);
		}
		if (cJSON_IsString(v) && v->valuestring &&
		    (r = redact(v->valuestring, strlen(v->valuestring), &n)) != NULL) {
			cJSON_SetValuestring(v, r);
			free(r);
		}
		if (v->child)
			redact_tree(v->child, 0);
	}
}

/* Writes rec as one line when its level is enabled; frees rec either way. */
void
log_write(cJSON *rec)
{
	int64_t now = now_ms();
	char when[32], *line;
	size_t n;
	int fd;

	if (rec == NULL)
		return;
	if (rec_level(rec) < lg.min || (fd = log_fd(now)) < 0) {
		cJSON_Delete(rec);
		return;
	}
	if (redact_enabled())
		redact_tree(rec->child, 1);
	iso_time(now, when);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "time", cJSON_CreateString(when));
	line = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (line == NULL)
		return;
	n = strlen(line);
	line[n] = '\n';  /* replaces the NUL; the length is kept in n */
	if (write(fd, line, n + 1) != (ssize_t)(n + 1) && !lg.failed) {
		lg.failed = 1;
		error("cannot write log in '%s': %s", lg.dir, strerror(errno));
	}
	free(line);
}

/* Writes one record with a printf-style message, when level is enabled. */
void
log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (level < lg.min)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		return;
	log_write(log_new(level, component, msg));
	free(msg);
}
