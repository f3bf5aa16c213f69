/*
 * config.c: an agent's config file, read, edited and written back, with
 * what every agent's install writer needs around that: this binary's own
 * path (what a config file names), where a program is on PATH, and the
 * words of a sh command line. It knows no agent and no file format but
 * JSON, and only JSON's layout: what the keys mean is the agent's.
 *
 * A file is read whole (links followed, so that a link into a dotfiles
 * repository stays a link); a missing file reads as empty. A JSON file is
 * edited as text, never written back from a parsed tree (that would turn
 * a number past 2^53 into a float, cut a string at \u0000 and redo the
 * user's layout): the caller lists the members and elements of the
 * containers it walks (config_list), and records edits (config_drop,
 * config_insert, config_replace) that config_apply makes at once; new
 * values are laid out as their neighbours are, or as
 * JSON.stringify(v, null, indent) writes them, with the file's own
 * indentation. Every byte no edit names stays. Writing backs the old
 * file up first (FILE.clankers-backup), keeps its mode, refuses when the
 * file changed since it was read, and replaces it atomically. Nothing
 * here touches the database or the data root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include "clankers.h"

#define BACKUP_SUFFIX ".clankers-backup"

#ifdef __APPLE__
#define MTIME_NSEC(st) ((st).st_mtimespec.tv_nsec)
#else
#define MTIME_NSEC(st) ((st).st_mtim.tv_nsec)
#endif

/*
 * An edit replaces the bytes [a, b) of c->src with text (an insertion when
 * a == b). Edits are collected, then applied together by config_apply;
 * they are disjoint or nested, and a nested one is dropped: the outer edit
 * (a container taken out whole) already decided those bytes.
 */
struct config_edit {
	const char *a, *b;  /* borrowed; in c->src */
	char *text;         /* owned; NULL for a deletion */
	size_t seq;         /* order given, for insertions at one point */
};

/* --- reading --- */

/* The first indentation of the file (two spaces when there is none). */
static void
find_indent(const struct buf *t, char out[9])
{
	const char *p = t->len ? memchr(t->data, '\n', t->len) : NULL;
	size_t n;

	strcpy(out, "  ");
	if (p == NULL)
		return;
	p++;
	if (*p == '\t') {
		strcpy(out, "\t");
		return;
	}
	n = strspn(p, " ");
	if (n > 0 && n <= 8 && p[n] != '\n' && p[n] != '\r' && p[n] != '\0') {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

/* The line and column, from 1, of err in t. */
static void
line_col(const struct buf *t, const char *err, int *line, int *col)
{
	const char *p;

	*line = 1;
	*col = 1;
	if (err == NULL || err < t->data || err > t->data + t->len)
		return;
	for (p = t->data; p < err; p++) {
		if (*p == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

/*
 * Reads the file at path into c, which must be zeroed: c->path is path
 * with links resolved, c->text its bytes, c->exists 0 when there is no
 * such file (then c->text is empty). Returns 0, or -1 with c->err set
 * (the file cannot be read, or is not a regular file).
 * config_release is needed either way.
 */
int
config_read(struct config *c, const char *path)
{
	struct stat lst;
	int fd;

	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if ((c->path = realpath(path, NULL)) == NULL) {
			c->err = xasprintf("cannot follow the link '%s': %s", path,
			    strerror(errno));
			return -1;
		}
	} else {
		c->path = xstrdup(path);
	}
	/* O_NONBLOCK: a FIFO in its place must not hang us; it is refused below. */
	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno != ENOENT) {
			c->err = xasprintf("cannot open '%s': %s", c->path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (fstat(fd, &c->st) < 0 || (S_ISREG(c->st.st_mode) &&
	    buf_read_fd(&c->text, fd) < 0)) {
		c->err = xasprintf("cannot read '%s': %s", c->path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(c->st.st_mode)) {
		c->err = xasprintf("'%s' is not a regular file", c->path);
		return -1;
	}
	c->exists = 1;
	return 0;
}

/*
 * Parses c->text, after config_read, as JSON into c->doc and takes its
 * indentation into c->indent. Text of white space only (or none: a
 * missing file) reads as {}. Returns 0, or -1 with c->err (with the line
 * and column) and c->refused set when the text is not one JSON value.
 */
int
config_parse(struct config *c)
{
	const char *p = c->text.data ? c->text.data : "", *end = p + c->text.len;
	int line, col;

	find_indent(&c->text, c->indent);
	c->src = (struct jspan){ p, c->text.len };
	if (strspn(p, " \t\r\n") == c->text.len) {
		/* edited as the file Claude Code and OpenCode write for {} */
		c->src = (struct jspan){ "{}\n", 3 };
		c->doc = cJSON_CreateObject();
		return 0;
	}
	c->doc = cJSON_ParseWithLengthOpts(p, c->text.len, &end, 0);
	if (c->doc) {
		while (end < p + c->text.len && (*end == ' ' || *end == '\t' ||
		    *end == '\r' || *end == '\n'))
			end++;
		if (end == p + c->text.len)
			return 0;
		cJSON_Delete(c->doc);
		c->doc = NULL;
	}
	line_col(&c->text, end, &line, &col);
	c->err = xasprintf("'%s' is not valid JSON (line %d, column %d)",
	    c->path, line, col);
	c->refused = 1;
	return -1;
}

/* Frees what c holds; c can be read into again after a memset. */
void
config_release(struct config *c)
{
	size_t i;

	free(c->path);
	buf_release(&c->text);
	cJSON_Delete(c->doc);
	free(c->err);
	for (i = 0; i < c->nedits; i++)
		free(c->edits[i].text);
	free(c->edits);
}

/* --- editing the text in place --- */

static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static const char *
ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* The top value of c->src, the white space (and a UTF-8 BOM) around it left out. */
struct jspan
config_root(const struct config *c)
{
	const char *p = c->src.p, *end = c->src.p + c->src.n;

	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	p = ws(p, end);
	while (end > p && is_ws(end[-1]))
		end--;
	return (struct jspan){ p, (size_t)(end - p) };
}

/*
 * Lists the members of the object, or the elements of the array, v (a
 * span of text that cJSON accepted): each member's key (decoded into
 * name) and value, as spans of the same text. Returns 0, or -1 when v is
 * not a container (l is then empty). config_list_release is needed
 * either way.
 */
int
config_list(struct jspan v, struct jlist *l)
{
	const char *p, *end, *kend, *vend;
	char close;

	memset(l, 0, sizeof *l);
	if (v.p == NULL || v.n < 2 || (v.p[0] != '{' && v.p[0] != '['))
		return -1;
	l->span = v;
	l->obj = v.p[0] == '{';
	close = l->obj ? '}' : ']';
	end = v.p + v.n - 1;
	if (*end != close)
		return -1;
	for (p = ws(v.p + 1, end); p < end;) {
		struct jitem it = {0};
		struct buf name = {0};

		if (l->obj) {
			if (*p != '"' || (kend = jscan_value(p, end)) == NULL)
				goto bad;
			it.key = (struct jspan){ p, (size_t)(kend - p) };
			if (jscan_str(it.key, &name) < 0) {
				buf_release(&name);
				goto bad;
			}
			it.name = name.data;
			p = ws(kend, end);
			if (p >= end || *p != ':') {
				free(it.name);
				goto bad;
			}
			p = ws(p + 1, end);
		}
		if ((vend = jscan_value(p, end)) == NULL) {
			free(it.name);
			goto bad;
		}
		it.val = (struct jspan){ p, (size_t)(vend - p) };
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 8;
			l->v = xrealloc(l->v, l->cap * sizeof *l->v);
		}
		l->v[l->n++] = it;
		p = ws(vend, end);
		if (p < end && *p == ',')
			p = ws(p + 1, end);
		else if (p < end)
			goto bad;
	}
	return 0;
bad:
	config_list_release(l);
	return -1;
}

void
config_list_release(struct jlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/*
 * The index of the first member of l named name, or -1; *again (when not
 * NULL) the index of a second one, or -1. A JSON parser in JavaScript
 * keeps the last of two, cJSON the first: a caller that must change one
 * refuses rather than guess.
 */
long
config_find(const struct jlist *l, const char *name, long *again)
{
	long first = -1;
	size_t i;

	if (again)
		*again = -1;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].name == NULL || strcmp(l->v[i].name, name) != 0)
			continue;
		if (first < 0) {
			first = (long)i;
			if (again == NULL)
				break;
		} else {
			*again = (long)i;
			break;
		}
	}
	return first;
}

/* The line, from 1, of at in the file (1 when the file was empty). */
int
config_line(const struct config *c, const char *at)
{
	int line, col;

	if (c->src.p != c->text.data)
		return 1;
	line_col(&c->text, at, &line, &col);
	return line;
}

/* Records an edit; text is owned by c from now on. */
static void
edit(struct config *c, const char *a, const char *b, char *text)
{
	if (c->nedits == c->capedits) {
		c->capedits = c->capedits ? c->capedits * 2 : 16;
		c->edits = xrealloc(c->edits, c->capedits * sizeof *c->edits);
	}
	c->edits[c->nedits] = (struct config_edit){ a, b, text, c->nedits };
	c->nedits++;
}

/* Where item i starts: its key, or its value in an array. */
static const char *
item_start(const struct jlist *l, size_t i)
{
	return l->obj ? l->v[i].key.p : l->v[i].val.p;
}

static const char *
item_end(const struct jlist *l, size_t i)
{
	return l->v[i].val.p + l->v[i].val.n;
}

/*
 * Takes the items of l marked drop out of the text, with the commas that
 * went with them; the others keep their bytes and the white space before
 * them. An empty container is written [] or {}.
 */
void
config_drop(struct config *c, const struct jlist *l)
{
	size_t i, j, kept = 0;

	for (i = 0; i < l->n; i++)
		kept += !l->v[i].drop;
	if (kept == l->n)
		return;
	if (kept == 0) {
		edit(c, l->span.p + 1, l->span.p + l->span.n - 1, NULL);
		return;
	}
	for (i = 0; i < l->n; i = j) {
		if (!l->v[i].drop) {
			j = i + 1;
			continue;
		}
		for (j = i; j < l->n && l->v[j].drop; j++)
			;
		/* the run [i, j): its commas are the ones after it, or before it at the end */
		if (j < l->n)
			edit(c, item_start(l, i), item_start(l, j), NULL);
		else
			edit(c, item_end(l, i - 1), item_end(l, j - 1), NULL);
	}
}

/* The indentation of the line that holds at: its leading blanks. */
static void
line_indent(const struct config *c, const char *at, struct buf *out)
{
	const char *p = at, *q;

	while (p > c->src.p && p[-1] != '\n')
		p--;
	for (q = p; q < at && (*q == ' ' || *q == '\t'); q++)
		;
	buf_add(out, p, (size_t)(q - p));
}

/*
 * How new items of l are laid out, copied from the last one there (the
 * first one when it is alone): *sep gets the white space before it. When
 * that holds a newline, *base gets the item's indentation and *gap is
 * NULL; else the container is on one line and *gap is "" or " " (the
 * white space, if any, before that item). An empty container is laid out
 * as JSON.stringify(v, null, indent) would.
 */
static void
layout(const struct config *c, const struct jlist *l, struct buf *sep,
    struct buf *base, const char **gap)
{
	const char *s, *q, *nl;

	*gap = NULL;
	if (l->n == 0) {
		line_indent(c, l->span.p, base);
		buf_add(base, c->indent, strlen(c->indent));
		buf_add(sep, "\n", 1);
		buf_add(sep, base->data, base->len);
		return;
	}
	s = item_start(l, l->n >= 2 ? l->n - 1 : 0);
	for (q = s; q > l->span.p && is_ws(q[-1]); q--)
		;
	buf_add(sep, q, (size_t)(s - q));
	for (nl = NULL; q < s; q++)
		if (*q == '\n')
			nl = q;
	if (nl)
		buf_add(base, nl + 1, (size_t)(s - nl - 1));
	else
		*gap = sep->len > 0 ? " " : "";
	buf_add(base, "", 0);
}

static void
json_string(struct buf *b, const char *s)
{
	char esc[8];

	buf_add(b, "\"", 1);
	for (; *s; s++) {
		switch (*s) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default:
			if ((unsigned char)*s < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", (unsigned char)*s);
				buf_add(b, esc, 6);
			} else {
				buf_add(b, s, 1);
			}
		}
	}
	buf_add(b, "\"", 1);
}

/*
 * Appends v as JSON.stringify(v, null, unit) writes it, its lines after
 * the first indented by base; with gap (a one-line container), on one
 * line with gap after each comma and colon. Numbers are cJSON's (the
 * shortest form that reads back the same); only values clankers made are
 * written this way.
 */
static void
json_write(struct buf *b, const cJSON *v, const char *base, const char *unit,
    const char *gap)
{
	const cJSON *ch;
	struct buf inner = {0};
	char *s;
	int obj = cJSON_IsObject(v);

	if (!obj && !cJSON_IsArray(v)) {
		if (cJSON_IsString(v)) {
			json_string(b, v->valuestring);
		} else if ((s = cJSON_PrintUnformatted(v)) != NULL) {
			buf_add(b, s, strlen(s));
			free(s);
		} else {
			buf_add(b, "null", 4);
		}
		return;
	}
	buf_add(&inner, base, strlen(base));
	buf_add(&inner, unit, strlen(unit));
	buf_add(b, obj ? "{" : "[", 1);
	for (ch = v->child; ch; ch = ch->next) {
		if (gap == NULL) {
			buf_add(b, "\n", 1);
			buf_add(b, inner.data, inner.len);
		}
		if (obj) {
			json_string(b, ch->string ? ch->string : "");
			buf_add(b, ":", 1);
			buf_add(b, gap ? gap : " ", strlen(gap ? gap : " "));
		}
		json_write(b, ch, inner.data, unit, gap);
		if (ch->next) {
			buf_add(b, ",", 1);
			if (gap)
				buf_add(b, gap, strlen(gap));
		}
	}
	if (v->child && gap == NULL) {
		buf_add(b, "\n", 1);
		buf_add(b, base, strlen(base));
	}
	buf_add(b, obj ? "}" : "]", 1);
	buf_release(&inner);
}

/*
 * Inserts the children of items (members with their keys when l is an
 * object, else elements) into l before its item at (l->n: after the
 * last), laid out as l's items are. The bytes around them stay.
 */
void
config_insert(struct config *c, const struct jlist *l, size_t at,
    const cJSON *items)
{
	struct buf sep = {0}, base = {0}, t = {0};
	const cJSON *ch;
	const char *gap;

	layout(c, l, &sep, &base, &gap);
	for (ch = items->child; ch; ch = ch->next) {
		if (l->n == 0 || at == l->n || ch != items->child) {
			if (l->n > 0 || ch != items->child)
				buf_add(&t, ",", 1);
			buf_add(&t, sep.data, sep.len);
		}
		if (l->obj) {
			json_string(&t, ch->string ? ch->string : "");
			buf_add(&t, ":", 1);
			buf_add(&t, gap ? gap : " ", strlen(gap ? gap : " "));
		}
		json_write(&t, ch, base.data, c->indent, gap);
	}
	if (t.len == 0) {
		/* nothing to insert */
	} else if (l->n == 0) {
		/* an empty container: what was between its brackets goes */
		buf_add(&t, "\n", 1);
		line_indent(c, l->span.p, &t);
		edit(c, l->span.p + 1, l->span.p + l->span.n - 1, t.data);
		t.data = NULL;
	} else if (at >= l->n) {
		edit(c, item_end(l, l->n - 1), item_end(l, l->n - 1), t.data);
		t.data = NULL;
	} else {
		/* before item at: "NEW,<sep>" where it starts */
		buf_add(&t, ",", 1);
		buf_add(&t, sep.data, sep.len);
		edit(c, item_start(l, at), item_start(l, at), t.data);
		t.data = NULL;
	}
	buf_release(&t);
	buf_release(&sep);
	buf_release(&base);
}

/* Replaces the value of l's item i with v, laid out as l's items are. */
void
config_replace(struct config *c, const struct jlist *l, size_t i, const cJSON *v)
{
	struct buf sep = {0}, base = {0}, t = {0};
	const char *gap;

	layout(c, l, &sep, &base, &gap);
	base.len = 0;
	line_indent(c, item_start(l, i), &base);
	buf_add(&base, "", 0);
	json_write(&t, v, base.data, c->indent, gap);
	edit(c, l->v[i].val.p, l->v[i].val.p + l->v[i].val.n, t.data);
	buf_release(&sep);
	buf_release(&base);
}

static int
edit_cmp(const void *x, const void *y)
{
	const struct config_edit *a = x, *b = y;
	int ia = a->a == a->b, ib = b->a == b->b;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	/* at one point: insertions first, in their order; then the widest edit */
	if (ia != ib)
		return ia ? -1 : 1;
	if (!ia && a->b != b->b)
		return a->b > b->b ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Appends c->src with the edits made on it to out. An edit that starts
 * inside one applied before it is nested in it, and left out.
 */
void
config_apply(struct config *c, struct buf *out)
{
	const char *pos = c->src.p, *end = c->src.p + c->src.n;
	size_t i;

	if (c->nedits > 0)
		qsort(c->edits, c->nedits, sizeof *c->edits, edit_cmp);
	buf_add(out, "", 0);
	for (i = 0; i < c->nedits; i++) {
		const struct config_edit *e = &c->edits[i];

		if (e->a < pos)
			continue;
		buf_add(out, pos, (size_t)(e->a - pos));
		if (e->text)
			buf_add(out, e->text, strlen(e->text));
		pos = e->b;
	}
	buf_add(out, pos, (size_t)(end - pos));
}

/* --- writing --- */

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Replaces path with data, mode mode: a temporary file in the same folder,
 * synced, renamed over path, then the folder synced, so that a crash
 * leaves the old file or the new one, never half of one. 0, or -1 after
 * an error message.
 */
static int
write_atomic(const char *path, const char *data, size_t n, mode_t mode)
{
	char *tmp = xasprintf("%s.clankers-XXXXXX", path), *dir, *slash;
	int fd, dfd;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		error("cannot create a file next to '%s': %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, n) < 0 || fsync(fd) < 0 ||
	    close(fd) < 0) {
		error("cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	slash = strrchr(path, '/');
	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	/* The rename lasts once the folder is synced; failing that is not fatal. */
	if ((dfd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	return 0;
}

/* 1 when the file is still what was read (the agent may write it too). */
static int
unchanged(const struct config *c)
{
	struct stat st;

	if (stat(c->path, &st) < 0)
		return !c->exists && errno == ENOENT;
	return c->exists && st.st_ino == c->st.st_ino && st.st_dev == c->st.st_dev &&
	    st.st_size == c->st.st_size &&
	    st.st_mtime == c->st.st_mtime && MTIME_NSEC(st) == MTIME_NSEC(c->st);
}

/*
 * Backs up the old file (when there was one), then writes the new one,
 * creating its folder. Keeps the file's mode; a new file gets 0600 and a
 * new folder 0700, as every file clankers makes. Returns the backup's
 * path (owned; NULL for a new file) through backup. 0, or -1 after an
 * error message.
 */
static int
config_write(const struct config *c, const struct buf *out, char **backup)
{
	mode_t mode = c->exists ? c->st.st_mode & 07777 : 0600;
	char *slash, *dir;

	*backup = NULL;
	if (!unchanged(c)) {
		error("'%s' changed while clankers was editing it; left as it is now, "
		    "run the command again", c->path);
		return -1;
	}
	if (c->exists) {
		*backup = xasprintf("%s" BACKUP_SUFFIX, c->path);
		if (write_atomic(*backup, c->text.data ? c->text.data : "",
		    c->text.len, mode) < 0)
			return -1;
	} else if ((slash = strrchr(c->path, '/')) != NULL && slash != c->path) {
		dir = xstrndup(c->path, (size_t)(slash - c->path));
		if (mkdir_p(dir, 0700) < 0) {
			error("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	return write_atomic(c->path, out->data, out->len, mode);
}

/*
 * Ends an edit of the file c read: out is the file as it is to be, NULL
 * when the edit changed nothing (then the file is not rewritten); what
 * says what was done. With dry_run, stdout gets only the file as it
 * would be (for jq or diff) and stderr the summary; nothing is written.
 * Else the file is written (config_write above) and stdout gets
 * "clankers: WHAT", with where the backup is or that the file is new.
 * Returns EXIT_OK, or EXIT_FAIL after an error message.
 */
int
config_save(const struct config *c, const struct buf *out, int dry_run,
    const char *what)
{
	const struct buf *now = out ? out : &c->text;
	char *backup = NULL;

	if (dry_run) {
		fwrite(now->data ? now->data : "", 1, now->len, stdout);
		fprintf(stderr, "clankers: dry run, nothing written: %s\n", what);
		return EXIT_OK;
	}
	if (out && config_write(c, out, &backup) < 0)
		return EXIT_FAIL;
	if (out == NULL)
		printf("clankers: %s\n", what);
	else if (backup)
		printf("clankers: %s; backup in '%s'\n", what, backup);
	else
		printf("clankers: %s; new file\n", what);
	free(backup);
	return EXIT_OK;
}

/* --- where programs are --- */

/*
 * Where PATH finds name, as a shell would: the first executable regular
 * file; an empty entry is the current folder. Owned, or NULL.
 */
char *
config_which(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;

	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		char *dir, *cand;

		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dir = end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup(".");
		cand = path_join(dir, name);
		free(dir);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

/* The running binary, links resolved; owned, or NULL. */
static char *
exe_path(void)
{
#ifdef __APPLE__
	uint32_t n = 0;
	char *p, *real;

	_NSGetExecutablePath(NULL, &n);
	p = xmalloc(n + 1);
	if (_NSGetExecutablePath(p, &n) != 0) {
		free(p);
		return NULL;
	}
	real = realpath(p, NULL);
	free(p);
	return real;
#else
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf);

	if (n <= 0 || (size_t)n >= sizeof buf || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
#endif
}

/* p made absolute, its folder resolved, its last name kept; owned or NULL. */
static char *
absolute_keep_name(const char *p)
{
	const char *slash = strrchr(p, '/');
	char *dir, *real, *res;

	dir = slash == NULL ? xstrdup(".") : slash == p ? xstrdup("/") :
	    xstrndup(p, (size_t)(slash - p));
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return NULL;
	res = path_join(real, slash ? slash + 1 : p);
	free(real);
	return res;
}

/* The binary as the user ran it (argv[0], else on PATH); owned or NULL. */
static char *
invoked_path(void)
{
#ifdef __linux__
	const char *name = program_invocation_name;
#else
	const char *name = getprogname();
#endif
	char *found, *res;

	if (name == NULL || *name == '\0')
		return NULL;
	if (strchr(name, '/'))
		return absolute_keep_name(name);
	if ((found = config_which(name)) == NULL)
		return NULL;
	res = absolute_keep_name(found);
	free(found);
	return res;
}

/*
 * The absolute path of this binary for a config file to run, owned, or
 * NULL after an error message. The path the user ran is preferred when it
 * is the same file as the running binary, so that a link such as
 * /usr/local/bin/clankers into a versioned folder (Homebrew, Nix)
 * outlives an upgrade; else the running binary itself; the path the user
 * ran alone when the system cannot say which binary runs (or it was
 * deleted since).
 */
char *
config_self_path(void)
{
	char *exe = exe_path(), *inv = invoked_path();
	struct stat a, b;
	int exe_ok = exe && stat(exe, &a) == 0;

	if (inv && stat(inv, &b) == 0 && S_ISREG(b.st_mode) &&
	    access(inv, X_OK) == 0 &&
	    (!exe_ok || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))) {
		free(exe);
		return inv;
	}
	free(inv);
	if (exe_ok)
		return exe;
	free(exe);
	error("cannot find the path of this clankers binary");
	return NULL;
}

/*
 * The next word of a sh command line at *sp, its quotes and backslashes
 * taken off as sh would (no expansions), and *sp moved past it; owned,
 * NULL past the last word. What a config file's command runs, read back.
 */
char *
config_sh_word(const char **sp)
{
	const char *s = *sp, *q;
	struct buf w = {0};

	s += strspn(s, " \t\n");
	if (*s == '\0') {
		*sp = s;
		return NULL;
	}
	buf_add(&w, "", 0);
	while (*s && !strchr(" \t\n", *s)) {
		if (*s == '\'') {
			if ((q = strchr(s + 1, '\'')) == NULL)
				q = s + strlen(s);
			buf_add(&w, s + 1, (size_t)(q - s - 1));
			s = *q ? q + 1 : q;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1] && strchr("$`\"\\\n", s[1]))
					s++;
				buf_add(&w, s, 1);
			}
			if (*s)
				s++;
		} else if (*s == '\\' && s[1]) {
			buf_add(&w, s + 1, 1);
			s += 2;
		} else {
			buf_add(&w, s++, 1);
		}
	}
	*sp = s;
	return w.data;
}
