/*
 * logread.c: reads the JSONL logs that log.c writes, for a period: how many
 * lines, the warnings and errors counted by message, and each hook
 * invocation's line (its event, session, outcome and clankers' own time),
 * so that they can be held against the hook_events rows. The file names
 * are log.c's (log_file_date), the outcome words hook.c's (OUTCOME_*).
 *
 * It reads the files with jscan, one reused line buffer, no cJSON tree per
 * line; it touches no database and writes nothing. A scan uses no global
 * state: it can run on a thread of its own. Memory is bounded: a line
 * past LOG_LINE_MAX is skipped unread (counted), and a message's text is
 * kept to LOG_TEXT_MAX bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

/*
 * clankers' own lines are far shorter: a payload goes to the log whole
 * only up to CLANKERS_OUTPUT_LIMIT (64 KiB by default).
 */
#define LOG_LINE_MAX (4u << 20)
#define LOG_TEXT_MAX 4096  /* bytes of a message kept for the count */

/* Frees ls and all it holds; NULL does nothing. */
void
logread_free(struct logscan *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->nevents; i++) {
		free(ls->events[i]);
		free(ls->durations[i].v);
	}
	for (i = 0; i < ls->nmsgs; i++) {
		free(ls->msgs[i].level);
		free(ls->msgs[i].component);
		free(ls->msgs[i].message);
		free(ls->msgs[i].error);
	}
	free(ls->events);
	free(ls->durations);
	free(ls->msgs);
	free(ls->inv);
	idmap_release(&ls->ids);
	strmap_release(&ls->event_ids);
	strmap_release(&ls->sessions);
	strmap_release(&ls->msg_ids);
	free(ls);
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* An invocation id s[0..n) as 16 bytes: its hex digits, else a hash of it. */
void
logread_key(const char *s, size_t n, unsigned char out[16])
{
	uint64_t a, b;
	size_t i;

	for (i = 0; n == 32 && i < 32; i++)
		if (hexval((unsigned char)s[i]) < 0)
			break;
	if (n == 32 && i == 32) {
		for (i = 0; i < 16; i++)
			out[i] = (unsigned char)(hexval((unsigned char)s[2 * i]) << 4 |
			    hexval((unsigned char)s[2 * i + 1]));
		return;
	}
	a = fnv1a(FNV_SEED, s, n);
	b = fnv1a(a ^ 0x9e3779b97f4a7c15ULL, s, n);
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

/* The invocation of id, or NULL. */
struct invocation *
logread_find(const struct logscan *ls, const unsigned char id[16])
{
	int i = idmap_get(&ls->ids, id);

	return i < 0 ? NULL : &ls->inv[i];
}

/* Adds an invocation; a second line with the same id (a retry) is kept once. */
static void
inv_add(struct logscan *ls, const unsigned char id[16], const struct invocation *v)
{
	if (!idmap_add(&ls->ids, id))
		return;
	if (ls->ninv == ls->capinv) {
		ls->capinv = ls->capinv ? 2 * ls->capinv : 1024;
		ls->inv = xrealloc(ls->inv, ls->capinv * sizeof *ls->inv);
	}
	ls->inv[ls->ninv++] = *v;
}

static int
event_index(struct logscan *ls, const char *name, size_t n)
{
	int i = strmap_get(&ls->event_ids, name, n);

	if (i >= 0)
		return i;
	ls->events = xrealloc(ls->events, (ls->nevents + 1) * sizeof *ls->events);
	ls->durations = xrealloc(ls->durations, (ls->nevents + 1) * sizeof *ls->durations);
	ls->events[ls->nevents] = xstrndup(name, n);
	memset(&ls->durations[ls->nevents], 0, sizeof *ls->durations);
	strmap_put(&ls->event_ids, name, n, (int)ls->nevents);
	return (int)ls->nevents++;
}

static void
count_message(struct logscan *ls, struct buf *key, int64_t t)
{
	struct logmsg *m;
	int i = strmap_get(&ls->msg_ids, key->data, key->len);

	if (i < 0) {
		char *f[4], *p = key->data;
		int k;

		for (k = 0; k < 4; k++) {
			char *tab = strchr(p, '\t');
			size_t n = tab ? (size_t)(tab - p) : strlen(p);

			f[k] = xstrndup(p, n);
			p += n + (tab != NULL);
		}
		ls->msgs = xrealloc(ls->msgs, (ls->nmsgs + 1) * sizeof *ls->msgs);
		ls->msgs[ls->nmsgs] = (struct logmsg){ f[0], f[1], f[2], f[3], 0, t };
		strmap_put(&ls->msg_ids, key->data, key->len, (int)ls->nmsgs);
		i = (int)ls->nmsgs++;
	}
	m = &ls->msgs[i];
	m->count++;
	if (t > m->last)
		m->last = t;
}

/* Appends the string value v, unescaped and with tabs as spaces, to b. */
static void
key_part(struct buf *b, struct jspan v)
{
	struct buf s = {0};
	size_t i;

	if (v.p && jscan_str(v, &s) == 0 && s.len) {
		size_t n;
		char *c = utf8_clean(s.data, s.len, &n);  /* NULL: already clean */

		if (c)
			buf_release(&s), s.data = c, s.len = n;
		if (s.len > LOG_TEXT_MAX) {
			s.len = utf8_cut(s.data, s.len, LOG_TEXT_MAX - 3);
			buf_add(&s, "\xe2\x80\xa6", 3);  /* … */
		}
		for (i = 0; i < s.len; i++)
			if (s.data[i] == '\t' || s.data[i] == '\n')
				s.data[i] = ' ';
		buf_add(b, s.data, s.len);
	}
	buf_release(&s);
}

enum { L_TIME, L_LEVEL, L_COMPONENT, L_MESSAGE, L_EVENT, L_INVOCATION, L_OUTCOME,
	L_DURATION, L_SESSION, L_ERROR, L_NKEYS };

/* What a scan keeps: lines of [since, until), of session when not NULL. */
struct logfilter {
	int64_t since, until;
	const char *session;  /* borrowed */
};

static void
log_line(const struct logfilter *r, struct logscan *ls, const char *line, size_t n,
    struct buf *key)
{
	static const char *const keys[L_NKEYS] = { "time", "level", "component",
	    "message", "event", "invocation", "outcome", "duration_us", "session_id",
	    "error" };
	struct jspan v[L_NKEYS], em = { NULL, 0 };
	int64_t t, dur;
	int warn, err;

	if (jscan_object((struct jspan){ line, n }, keys, L_NKEYS, v, NULL) < 0 ||
	    (t = jscan_time(v[L_TIME])) < 0) {
		ls->bad++;
		return;
	}
	if (t < r->since || t >= r->until)
		return;
	if (r->session && !jscan_streq(v[L_SESSION], r->session))
		return;
	ls->lines++;
	if (ls->first == 0 || t < ls->first)
		ls->first = t;
	if (t > ls->last)
		ls->last = t;
	warn = jscan_streq(v[L_LEVEL], "warn");
	err = jscan_streq(v[L_LEVEL], "error");
	if (warn || err) {
		ls->warns += warn;
		ls->errors += err;
		if (err && (jscan_streq(v[L_COMPONENT], "transcript") ||
		    jscan_streq(v[L_COMPONENT], "session-end")))
			ls->transcript_errors++;
		else if (err)
			ls->write_errors++;
		if (v[L_ERROR].p)
			jscan_get(v[L_ERROR], "message", &em);
		key->len = 0;
		key_part(key, v[L_LEVEL]);
		buf_add(key, "\t", 1);
		key_part(key, v[L_COMPONENT]);
		buf_add(key, "\t", 1);
		key_part(key, v[L_MESSAGE]);
		buf_add(key, "\t", 1);
		key_part(key, em);
		count_message(ls, key, t);
	}
	if (jscan_streq(v[L_COMPONENT], "hook") && v[L_INVOCATION].p && v[L_EVENT].p &&
	    v[L_INVOCATION].n > 2 && v[L_EVENT].n > 2) {
		struct invocation inv = {0};
		unsigned char id[16];

		logread_key(v[L_INVOCATION].p + 1, v[L_INVOCATION].n - 2, id);
		inv.time = t;
		inv.event = event_index(ls, v[L_EVENT].p + 1, v[L_EVENT].n - 2);
		inv.session = -1;
		if (v[L_SESSION].p && v[L_SESSION].n > 2) {
			const char *sp = v[L_SESSION].p + 1;
			size_t sn = v[L_SESSION].n - 2;

			if ((inv.session = strmap_get(&ls->sessions, sp, sn)) < 0) {
				inv.session = (int)ls->sessions.n;
				strmap_put(&ls->sessions, sp, sn, inv.session);
			}
		}
		inv.outcome = jscan_streq(v[L_OUTCOME], OUTCOME_STORED) ? INV_STORED :
		    jscan_streq(v[L_OUTCOME], OUTCOME_SPOOLED) ? INV_SPOOLED :
		    jscan_streq(v[L_OUTCOME], OUTCOME_LOST) ? INV_LOST :
		    jscan_streq(v[L_OUTCOME], OUTCOME_REJECTED) ? INV_REJECTED : INV_NONE;
		inv_add(ls, id, &inv);
		if (jscan_int(v[L_DURATION], &dur) && dur >= 0)
			series_add(&ls->durations[inv.event], dur);
	}
}

/* Is name a log file whose day can hold lines of the period? */
static int
log_file_in_period(const struct logfilter *r, const char *name)
{
	char date[11];
	int y, mo, d;
	int64_t day;

	if (!log_file_date(name, date) || sscanf(date, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return 0;
	day = days_from_civil(y, mo, d) * 86400000LL;
	/* A line is dated by when it was written, its file by the same clock. */
	return day + 86400000LL > r->since && day < r->until;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reads the log files in dir (log.c's) whose lines can fall in [since,
 * until), and keeps the lines of that period, of session when it is not
 * NULL: see struct logscan. Returns it, owned (logread_free), also when
 * the folder cannot be read (reported, prefixed with who, unless it does
 * not exist). Lines that are not JSON objects with a time are counted bad.
 */
struct logscan *
logread_scan(const char *who, const char *dir, int64_t since, int64_t until,
    const char *session)
{
	struct logfilter f = { since, until, session }, *r = &f;
	struct logscan *ls = xmalloc(sizeof *ls);
	struct buf key = {0};
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0, i;
	DIR *d;

	memset(ls, 0, sizeof *ls);
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			error("%s: cannot read the logs in '%s': %s", who, dir,
			    strerror(errno));
		return ls;
	}
	while ((de = readdir(d)) != NULL) {
		if (!log_file_in_period(r, de->d_name))
			continue;
		names = xrealloc(names, ++nnames * sizeof *names);
		names[nnames - 1] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nnames > 1)  /* qsort of NULL, even for none, is undefined */
		qsort(names, nnames, sizeof *names, cmp_str);
	for (i = 0; i < nnames; i++) {
		char *path = path_join(dir, names[i]);
		/* Not fopen: a FIFO in the log folder would hang the reader. */
		int fd = open_regular(path, O_RDONLY, 0), rc;
		struct lines lr;
		const char *line;
		size_t len;

		if (fd < 0) {
			error("%s: cannot read '%s': %s", who, path, errno == EINVAL ?
			    "not a regular file" : strerror(errno));
		} else {
			ls->files++;
			lines_init(&lr, fd, LOG_LINE_MAX);
			while ((rc = lines_next(&lr, &line, &len)) != 0) {
				if (rc < 0) {
					ls->long_lines++;
					continue;
				}
				while (len > 0 && line[len - 1] == '\r')
					len--;
				if (len > 0)
					log_line(r, ls, line, len, &key);
			}
			if (lr.err)
				error("%s: cannot read '%s': %s", who, path, strerror(lr.err));
			lines_release(&lr);
			close(fd);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	buf_release(&key);
	return ls;
}
