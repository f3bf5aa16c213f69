/*
 * spool.c: where a hook keeps an event it could not write to the database
 * in its time budget (locked, read-only, full, corrupt, newer schema), so
 * that nothing is lost. One file per event in <root>/spool/, named
 * <received_at>-<invocation>.event so that names sort in arrival order:
 * a header line of JSON and then the payload as received. The header
 * (version 2) names the agent, the event, the invocation, the receipt time
 * and what the agent noted at receipt (context); a version 1 header, from
 * before there was more than one agent, is Claude Code's, its context
 * (transcript_size, project_dir) at the top level. Files are written under a temporary name, synced
 * and renamed, so a reader never sees half a file.
 *
 * The next invocation that can write ingests the spool first. A process
 * claims a file by renaming it to <name>.claim-<pid> (rename is atomic, so
 * two processes never ingest the same file; a claim whose process died is
 * taken back). Storing is idempotent by invocation, so a crash between
 * commit and unlink only costs a repeat.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

#define SPOOL_MAX (64u << 20)  /* bytes of a spool file read at most */
#define STALE_S 60  /* a hook never lives this long: what it left is orphaned */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes one event to the spool. Returns 0, or -1 with errno set (the
 * event is then lost and the caller must say so).
 */
int
spool_write(const char *root, const struct receipt *r, const char *payload, size_t n)
{
	char *dir = path_join(root, "spool"), *tmp = NULL, *final = NULL, *line = NULL;
	cJSON *hdr = NULL;
	int fd = -1, rc = -1, saved;

	if (mkdir_p(dir, 0700) < 0)
		goto out;
	hdr = cJSON_CreateObject();
	cJSON_AddNumberToObject(hdr, "v", 2);
	cJSON_AddStringToObject(hdr, "agent", r->agent->name);
	cJSON_AddStringToObject(hdr, "event", r->event);
	cJSON_AddStringToObject(hdr, "invocation", r->invocation);
	cJSON_AddNumberToObject(hdr, "received_at", (double)r->received_at);
	if (r->context)
		cJSON_AddItemToObject(hdr, "context", cJSON_Duplicate(r->context, 1));
	line = cJSON_PrintUnformatted(hdr);
	tmp = xasprintf("%s/.tmp-%s", dir, r->invocation);
	final = xasprintf("%s/%013lld-%s.event", dir, (long long)r->received_at,
	    r->invocation);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (write_all(fd, line, strlen(line)) < 0 || write_all(fd, "\n", 1) < 0 ||
	    write_all(fd, payload, n) < 0 || fsync(fd) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) < 0)
		goto out;
	rc = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp)
		unlink(tmp);
	cJSON_Delete(hdr);
	free(line);
	free(tmp);
	free(final);
	free(dir);
	errno = saved;
	return rc;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Renames dir/from to dir/to and logs why at warn; 0 or -1. */
static int
take_back(const char *dir, const char *from, const char *to, const char *why)
{
	char *a = path_join(dir, from), *b = path_join(dir, to);
	int rc = rename(a, b);

	if (rc == 0)
		log_msg(LOG_WARN, "spool", "%s: '%s' back in the spool as '%s'", why, from, to);
	free(a);
	free(b);
	return rc;
}

/*
 * Seconds since dir/name was last written (mtime: a temporary file) or
 * renamed (ctime: a claim), -1 when it is gone.
 */
static int64_t
age(const char *dir, const char *name, int renamed)
{
	char *path = path_join(dir, name);
	struct stat st;
	int64_t a = -1;

	if (stat(path, &st) == 0)
		a = now_ms() / 1000 - (int64_t)(renamed ? st.st_ctime : st.st_mtime);
	free(path);
	return a;
}

/*
 * Lists the spool's event names, sorted, after taking back what a process
 * left behind: a claim whose process is gone, or older than STALE_S (a pid
 * can be reused, or be another namespace's), and a temporary file older
 * than STALE_S (its writer was killed; if it is incomplete, the read fails
 * and it is set aside as .bad). Returns the count; *names is owned.
 */
static size_t
spool_list(const char *dir, char ***names)
{
	struct dirent *de;
	size_t n = 0, cap = 0;
	char **v = NULL;
	DIR *d;

	*names = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		const char *dn = de->d_name;
		char *name = NULL, *claim = strstr(dn, ".event.claim-");

		if (claim) {
			long pid = strtol(claim + strlen(".event.claim-"), NULL, 10);
			int gone = pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);

			if (!gone && age(dir, dn, 1) < STALE_S)
				continue;  /* its process is still at it */
			name = xstrndup(dn, (size_t)(claim - dn) + strlen(".event"));
			if (take_back(dir, dn, name, "unfinished claim") < 0) {
				free(name);
				name = NULL;
			}
		} else if (strncmp(dn, ".tmp-", 5) == 0 && age(dir, dn, 0) >= STALE_S) {
			/* Sorts first: it is older than anything spooled since. */
			name = xasprintf("0000000000000-%s.event", dn + 5);
			if (take_back(dir, dn, name, "unfinished spool write") < 0) {
				free(name);
				name = NULL;
			}
		} else if (has_suffix(dn, ".event")) {
			name = xstrdup(dn);
		}
		if (name == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n++] = name;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof *v, cmpstr);
	*names = v;
	return n;
}

/* A failure that says nothing about the event itself: try again later. */
static int
transient(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_FULL: case SQLITE_IOERR:
	case SQLITE_READONLY: case SQLITE_CANTOPEN: case SQLITE_CORRUPT:
	case SQLITE_NOTADB: case SQLITE_MISMATCH: case SQLITE_PROTOCOL:
	case SQLITE_NOMEM: case SQLITE_INTERRUPT:
		return 1;
	}
	return 0;
}

/*
 * The receipt a spool header describes; 0, or -1 when it names no event,
 * invocation or time, or an agent this binary does not know.
 */
static int
spool_header(const cJSON *hdr, struct receipt *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(hdr, "v");
	const cJSON *agent = cJSON_GetObjectItemCaseSensitive(hdr, "agent");
	int version = cJSON_IsNumber(v) ? (int)v->valuedouble : 1;

	if (version >= 2) {
		if (!cJSON_IsString(agent) ||
		    (r->agent = agent_find(agent->valuestring)) == NULL ||
		    r->agent->store == NULL)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(hdr, "context");
		r->context = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) : NULL;
	} else {
		/* Version 1: Claude Code's, with its context at the top level. */
		r->agent = agent_at(0);
		r->context = cJSON_CreateObject();
		v = cJSON_GetObjectItemCaseSensitive(hdr, "transcript_size");
		cJSON_AddNumberToObject(r->context, "transcript_size",
		    cJSON_IsNumber(v) ? v->valuedouble : -1);
		if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(hdr, "project_dir")))
			cJSON_AddStringToObject(r->context, "project_dir", v->valuestring);
	}
	if (!cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(hdr, "event")))
		return -1;
	r->event = xstrdup(v->valuestring);
	if (!cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(hdr, "invocation")))
		return -1;
	r->invocation = xstrdup(v->valuestring);
	if (!cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(hdr, "received_at")))
		return -1;
	r->received_at = (int64_t)v->valuedouble;
	r->spooled = 1;
	return 0;
}

/* Reads a claimed spool file into a receipt and a payload; 0 or -1. */
static int
spool_read(const char *path, struct receipt *r, cJSON **payload)
{
	struct buf b = {0};
	cJSON *hdr = NULL;
	const char *err;
	char *nl, *clean;
	size_t len, cleanlen;
	int fd, rc = -1;

	*payload = NULL;
	/* Not a regular file (a FIFO would block us): set aside by the caller. */
	if ((fd = open_regular(path, O_RDONLY, 0)) < 0)
		return -1;
	if (buf_read_max(&b, fd, SPOOL_MAX) < 0 || b.data == NULL ||
	    (nl = memchr(b.data, '\n', b.len)) == NULL)
		goto out;
	hdr = cJSON_ParseWithLength(b.data, (size_t)(nl - b.data));
	if (!cJSON_IsObject(hdr) || spool_header(hdr, r) < 0)
		goto out;
	/* Written clean, but a spool file is a file: check it again. */
	len = b.len - (size_t)(nl + 1 - b.data);
	clean = utf8_clean(nl + 1, len, &cleanlen);
	*payload = clean ? payload_parse(clean, cleanlen, &err) :
	    payload_parse(nl + 1, len, &err);
	free(clean);
	if (*payload)
		rc = 0;
out:
	close(fd);
	cJSON_Delete(hdr);
	buf_release(&b);
	return rc;
}

/*
 * Ingests spooled events into db, oldest first, each in its own
 * transaction, until mono_us() passes until_us (the rest waits for the next
 * invocation, so the caller keeps time for its own event). Stops at the first failure that is not the event's fault and
 * leaves the rest for later; sets aside (as <name>.bad) a file that cannot
 * be read or stored. Returns the number ingested.
 */
int
spool_ingest(struct db *db, const char *root, int64_t until_us)
{
	char *dir = path_join(root, "spool"), **names;
	size_t n = spool_list(dir, &names), i;
	int done = 0;  /* ingested */

	for (i = 0; i < n && mono_us() < until_us; i++) {
		char *path = path_join(dir, names[i]);
		char *claim = xasprintf("%s.claim-%ld", path, (long)getpid());
		char *bad = xasprintf("%s.bad", path);
		struct receipt r = {0};
		struct event ev;
		cJSON *payload = NULL, *rec;
		const char *why = NULL;
		int rc;

		if (rename(path, claim) < 0)
			goto next;  /* another process took it */
		rec = log_new(LOG_INFO, "spool", "ingested spooled event");
		if (spool_read(claim, &r, &payload) < 0 ||
		    (why = event_identify(&ev, &r, payload, rec)) != NULL) {
			/* Identified when spooled: a file that no longer is, is damaged. */
			rename(claim, bad);
			log_set_level(rec, LOG_ERROR);
			log_set_message(rec, "cannot read spooled event");
			cJSON_AddStringToObject(rec, "file", bad);
			if (why)
				log_set_error(rec, why);
			log_write(rec);
			goto next;
		}
		cJSON_AddStringToObject(rec, "event", r.event);
		cJSON_AddStringToObject(rec, "invocation", r.invocation);
		cJSON_AddStringToObject(rec, "source", r.agent->source);
		rc = event_store(&ev, db, root);
		if (rc == SQLITE_OK) {
			unlink(claim);
			done++;
			event_after(&ev, until_us);
		} else {
			int keep = transient(rc);

			rename(claim, keep ? path : bad);
			log_set_level(rec, keep ? LOG_WARN : LOG_ERROR);
			log_set_message(rec, keep ? "spooled event kept for later" :
			    "spooled event set aside");
			log_set_error(rec, db->err ? db->err : "unknown");
			if (keep)
				i = n;  /* the database is the problem: stop here */
		}
		log_write(rec);
next:
		cJSON_Delete(payload);
		receipt_release(&r);
		free(bad);
		free(claim);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return done;
}
