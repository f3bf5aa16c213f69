/*
 * install.c: `clankers install claude` and `clankers uninstall claude`.
 * Install adds one clankers hook for every Claude Code event worth
 * recording to a settings file; uninstall takes ours out again. Everything
 * else in the file stays as it was: other keys, other hooks, their order.
 * A file that cannot be read as settings (not JSON, or the wrong shape
 * where we would write) is never written; a file that is written is backed
 * up first (FILE.clankers-backup) and replaced atomically. Nothing here
 * touches the database or the data root. install_scan lends doctor the
 * same reading of a settings file: which events have a hook of ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
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
/* Seconds. From a settings file it also raises SessionEnd's 1.5 s budget. */
#define HOOK_TIMEOUT 10

#ifdef __APPLE__
#define MTIME_NSEC(st) ((st).st_mtimespec.tv_nsec)
#else
#define MTIME_NSEC(st) ((st).st_mtim.tv_nsec)
#endif

/*
 * Events Claude Code fires that we do not register. MessageDisplay fires
 * for every batch of streamed text and carries nothing to record. A
 * WorktreeCreate hook replaces Claude Code's own `git worktree add` and
 * must print the new worktree's path, which ours does not, so every
 * worktree would fail; WorktreeRemove is its counterpart.
 */
static const char *const skipped_events[] = {
	"MessageDisplay", "WorktreeCreate", "WorktreeRemove",
};

struct opts {
	int uninstall;
	int shell;             /* shell form instead of exec form */
	int dry_run;
	const char *settings;  /* borrowed from argv */
	const char *project;   /* borrowed; "" for --project without DIR */
};

/* The handler we write. */
struct ours {
	char *path;    /* owned; absolute path of this binary */
	char *quoted;  /* owned; path quoted for sh (shell form only) */
	int shell;
};

struct counts {
	int events;    /* events registered after install */
	int added;     /* handlers added */
	int updated;   /* handlers of ours rewritten (path or form) */
	int removed;   /* handlers of ours removed */
};

struct settings {
	char *path;       /* owned; the file itself, links resolved */
	int exists;
	struct stat st;   /* when exists: what was read */
	struct buf text;  /* owned; the file's bytes (empty when absent) */
	cJSON *doc;       /* owned */
	char indent[9];   /* one level of the file's indentation */
	char *err;        /* owned; why it cannot be used, after a failed load or check */
	int refused;      /* err is about its content: it is left untouched */
};

static int
skipped(const char *event)
{
	size_t i;

	for (i = 0; i < sizeof skipped_events / sizeof *skipped_events; i++)
		if (strcmp(event, skipped_events[i]) == 0)
			return 1;
	return 0;
}

/* --- command line --- */

static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *cmd = argv[0];
	int i;

	o->uninstall = strcmp(cmd, "uninstall") == 0;
	if (argc < 2 || argv[1][0] == '-') {
		error("%s: which agent? 'clankers %s claude'", cmd, cmd);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "claude") != 0) {
		error("%s: '%s' is not supported yet (only 'claude' is)", cmd,
		    argv[1]);
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
		} else if (strcmp(a, "--shell") == 0 && !o->uninstall) {
			o->shell = 1;
		} else if (strcmp(a, "--project") == 0) {
			/* DIR is optional: the next word, unless an option. */
			o->project = i + 1 < argc && argv[i + 1][0] != '-' ?
			    argv[++i] : "";
		} else if (strncmp(a, "--project=", 10) == 0) {
			o->project = a + 10;
		} else if (strcmp(a, "--settings") == 0 && i + 1 < argc) {
			o->settings = argv[++i];
		} else if (strncmp(a, "--settings=", 11) == 0) {
			o->settings = a + 11;
		} else if (strcmp(a, "--settings") == 0) {
			error("%s: --settings needs a FILE", cmd);
			return EXIT_USAGE;
		} else {
			error("%s: unknown argument '%s'; see 'clankers help %s'",
			    cmd, a, cmd);
			return EXIT_USAGE;
		}
	}
	if (o->settings && o->project) {
		error("%s: --project and --settings name two files; give one", cmd);
		return EXIT_USAGE;
	}
	if (o->settings && *o->settings == '\0') {
		error("%s: --settings needs a FILE", cmd);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * A Claude Code settings file, owned, or NULL after an error message:
 * with project, DIR/.claude/settings.json (settings.local.json when local
 * is set), DIR resolved ("" is the current folder; it must exist: a typo
 * must not create a project); else the user's settings in
 * $CLAUDE_CONFIG_DIR or ~/.claude.
 */
char *
install_settings_path(const char *project, int local)
{
	const char *cfg = getenv("CLAUDE_CONFIG_DIR");
	const char *home = getenv("HOME");
	struct passwd *pw;
	char *dir, *path;

	if (project) {
		if ((dir = realpath(*project ? project : ".", NULL)) == NULL) {
			error("cannot use project folder '%s': %s",
			    *project ? project : ".", strerror(errno));
			return NULL;
		}
		path = path_join(dir, local ? ".claude/settings.local.json" :
		    ".claude/settings.json");
		free(dir);
		return path;
	}
	if (cfg && *cfg)
		return path_join(cfg, "settings.json");
	if ((home == NULL || *home == '\0') &&
	    (pw = getpwuid(getuid())) != NULL && pw->pw_dir)
		home = pw->pw_dir;
	if (home == NULL || *home == '\0') {
		error("cannot find your home folder: set HOME or use --settings");
		return NULL;
	}
	return path_join(home, ".claude/settings.json");
}

/* The settings file the options name: --settings FILE, else as above. */
static char *
settings_path(const struct opts *o)
{
	if (o->settings)
		return xstrdup(o->settings);
	return install_settings_path(o->project, 0);
}

/* --- where this binary is --- */

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
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	char *dir, *cand, *res;

	if (name == NULL || *name == '\0')
		return NULL;
	if (strchr(name, '/'))
		return absolute_keep_name(name);
	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		dir = end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup(".");
		cand = path_join(dir, name);
		free(dir);
		if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			res = absolute_keep_name(cand);
			free(cand);
			return res;
		}
		free(cand);
	}
	return NULL;
}

/*
 * The absolute path the hooks run, owned, or NULL after an error message.
 * The path the user ran is preferred when it is the same file as the
 * running binary, so that a link such as /usr/local/bin/clankers into a
 * versioned folder (Homebrew, Nix) outlives an upgrade; else the running
 * binary itself; the path the user ran alone when the system cannot say
 * which binary runs (or it was deleted since).
 */
static char *
self_path(void)
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
 * taken off as sh would (no expansions); owned, NULL past the last word.
 */
static char *
sh_word(const char **sp)
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

/* --- our handlers --- */

/* "clankers", or a path whose last name is clankers. */
static int
is_clankers(const char *p)
{
	size_t n = strlen(p);

	return strcmp(p, "clankers") == 0 ||
	    (n >= 9 && strcmp(p + n - 9, "/clankers") == 0);
}

/*
 * When handler h runs `clankers hook`, whatever the path and form, the
 * program it runs: exec form (command clankers, args[0] "hook") or shell
 * form (first word clankers, second "hook", quotes taken off). A copy at
 * another path is ours too, so that it is updated rather than doubled.
 * Owned; NULL when h is not ours.
 */
static char *
ours_program(const cJSON *h)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(h, "type");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(h, "command");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(h, "args");
	const char *s;
	char *w0, *w1;

	if (!cJSON_IsObject(h) || !cJSON_IsString(type) ||
	    strcmp(type->valuestring, "command") != 0 || !cJSON_IsString(cmd))
		return NULL;
	if (args) {
		args = cJSON_IsArray(args) ? args->child : NULL;
		return is_clankers(cmd->valuestring) && cJSON_IsString(args) &&
		    strcmp(args->valuestring, "hook") == 0 ?
		    xstrdup(cmd->valuestring) : NULL;
	}
	s = cmd->valuestring;
	w0 = sh_word(&s);
	w1 = sh_word(&s);
	if (!(w0 && w1 && is_clankers(w0) && strcmp(w1, "hook") == 0)) {
		free(w0);
		w0 = NULL;
	}
	free(w1);
	return w0;
}

/* 1 when handler h runs `clankers hook` (see ours_program). */
static int
is_ours(const cJSON *h)
{
	char *p = ours_program(h);

	free(p);
	return p != NULL;
}

/* Adds our command (and args) for event to handler h. */
static void
add_command(cJSON *h, const struct ours *o, const char *event)
{
	cJSON *args;
	char *cmd;

	if (o->shell) {
		cmd = xasprintf("%s hook %s", o->quoted, event);
		cJSON_AddStringToObject(h, "command", cmd);
		free(cmd);
		return;
	}
	cJSON_AddStringToObject(h, "command", o->path);
	args = cJSON_AddArrayToObject(h, "args");
	cJSON_AddItemToArray(args, cJSON_CreateString("hook"));
	cJSON_AddItemToArray(args, cJSON_CreateString(event));
}

/* A new handler of ours for event; owned by the caller. */
static cJSON *
new_handler(const struct ours *o, const char *event)
{
	cJSON *h = cJSON_CreateObject();

	cJSON_AddStringToObject(h, "type", "command");
	add_command(h, o, event);
	cJSON_AddNumberToObject(h, "timeout", HOOK_TIMEOUT);
	return h;
}

/*
 * Handler h made to run this binary for event, in place of its command
 * and args; its other fields (timeout, async, ...) and their order are
 * the user's and stay. Owned by the caller.
 */
static cJSON *
updated_handler(const cJSON *h, const struct ours *o, const char *event)
{
	cJSON *n = cJSON_CreateObject();
	const cJSON *c;

	for (c = h->child; c; c = c->next) {
		if (strcmp(c->string, "command") == 0)
			add_command(n, o, event);
		else if (strcmp(c->string, "args") != 0)
			cJSON_AddItemToObject(n, c->string, cJSON_Duplicate(c, 1));
	}
	return n;
}

/*
 * Walks the matcher groups of one event (an array). With o, the first of
 * our handlers is brought up to date and the others removed; without o
 * (uninstall), all of ours are removed. A group that we left empty goes
 * too. Returns 1 when one of ours is kept.
 */
static int
edit_event(cJSON *ev, const char *event, const struct ours *o,
    struct counts *c)
{
	cJSON *g, *gnext, *hs, *h, *hnext, *n;
	int kept = 0, removed;

	for (g = ev->child; g; g = gnext) {
		gnext = g->next;
		hs = cJSON_GetObjectItemCaseSensitive(g, "hooks");
		if (!cJSON_IsObject(g) || !cJSON_IsArray(hs))
			continue;  /* not ours to judge: Claude Code skips it */
		removed = 0;
		for (h = hs->child; h; h = hnext) {
			hnext = h->next;
			if (!is_ours(h))
				continue;
			if (o && !kept) {
				kept = 1;
				n = updated_handler(h, o, event);
				if (!cJSON_Compare(h, n, 1))
					c->updated++;
				cJSON_ReplaceItemViaPointer(hs, h, n);
				continue;
			}
			cJSON_Delete(cJSON_DetachItemViaPointer(hs, h));
			c->removed++;
			removed = 1;
		}
		if (removed && hs->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(ev, g));
	}
	return kept;
}

/* 1 when one of the matcher groups of event ev holds a handler of ours. */
static int
has_ours(const cJSON *ev)
{
	const cJSON *g, *h;

	cJSON_ArrayForEach(g, ev) {
		const cJSON *hs = cJSON_GetObjectItemCaseSensitive(g, "hooks");

		if (cJSON_IsObject(g) && cJSON_IsArray(hs))
			cJSON_ArrayForEach(h, hs)
				if (is_ours(h))
					return 1;
	}
	return 0;
}

/* Registers every event; doc is an object whose "hooks" has been checked. */
static void
install(cJSON *doc, const struct ours *o, struct counts *c)
{
	cJSON *hooks = cJSON_GetObjectItemCaseSensitive(doc, "hooks");
	cJSON *ev, *group, *list;
	const char *name;
	size_t i;

	if (hooks == NULL)
		hooks = cJSON_AddObjectToObject(doc, "hooks");
	/* Ours anywhere, also on an event we no longer register, get this path. */
	cJSON_ArrayForEach(ev, hooks)
		edit_event(ev, ev->string, o, c);
	for (i = 0; (name = claude_event(i)) != NULL; i++) {
		if (skipped(name))
			continue;
		c->events++;
		ev = cJSON_GetObjectItemCaseSensitive(hooks, name);
		if (ev && has_ours(ev))
			continue;
		if (ev == NULL)
			ev = cJSON_AddArrayToObject(hooks, name);
		/* A group of our own, no matcher: every tool, every source. */
		group = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(group, "hooks");
		cJSON_AddItemToArray(list, new_handler(o, name));
		cJSON_AddItemToArray(ev, group);
		c->added++;
	}
}

/* Removes ours; an event, and "hooks", that we left empty go too. */
static void
uninstall(cJSON *doc, struct counts *c)
{
	cJSON *hooks = cJSON_GetObjectItemCaseSensitive(doc, "hooks");
	cJSON *ev, *next;
	int before = c->removed, was;

	if (hooks == NULL)
		return;
	for (ev = hooks->child; ev; ev = next) {
		next = ev->next;
		was = c->removed;
		edit_event(ev, ev->string, NULL, c);
		if (c->removed > was && ev->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(hooks, ev));
	}
	if (c->removed > before && hooks->child == NULL)
		cJSON_Delete(cJSON_DetachItemViaPointer(doc, hooks));
}

/* --- reading and writing the file --- */

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
 * Reads and parses s->path (links resolved first, so that a link into a
 * dotfiles repository stays a link). A missing file, or one holding only
 * white space, reads as {}. 0, or -1 with s->err set (and s->refused when
 * the file was read but is not JSON).
 */
static int
settings_load(struct settings *s, const char *path)
{
	struct stat lst;
	const char *end = NULL, *p;
	int fd, line, col;

	strcpy(s->indent, "  ");
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if ((s->path = realpath(path, NULL)) == NULL) {
			s->err = xasprintf("cannot follow the link '%s': %s", path,
			    strerror(errno));
			return -1;
		}
	} else {
		s->path = xstrdup(path);
	}
	/* O_NONBLOCK: a FIFO in its place must not hang us; it is refused below. */
	if ((fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno != ENOENT) {
			s->err = xasprintf("cannot open '%s': %s", s->path,
			    strerror(errno));
			return -1;
		}
		s->doc = cJSON_CreateObject();
		return 0;
	}
	if (fstat(fd, &s->st) < 0 || (S_ISREG(s->st.st_mode) &&
	    buf_read_fd(&s->text, fd) < 0)) {
		s->err = xasprintf("cannot read '%s': %s", s->path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(s->st.st_mode)) {
		s->err = xasprintf("'%s' is not a regular file", s->path);
		return -1;
	}
	s->exists = 1;
	find_indent(&s->text, s->indent);
	p = s->text.data ? s->text.data : "";
	end = p + s->text.len;
	if (strspn(p, " \t\r\n") == s->text.len) {
		s->doc = cJSON_CreateObject();
		return 0;
	}
	s->doc = cJSON_ParseWithLengthOpts(p, s->text.len, &end, 0);
	if (s->doc) {
		while (end < p + s->text.len && (*end == ' ' || *end == '\t' ||
		    *end == '\r' || *end == '\n'))
			end++;
		if (end == p + s->text.len)
			return 0;
		cJSON_Delete(s->doc);
		s->doc = NULL;
	}
	line_col(&s->text, end, &line, &col);
	s->err = xasprintf("'%s' is not valid JSON (line %d, column %d)",
	    s->path, line, col);
	s->refused = 1;
	return -1;
}

/* Refuses a shape we would have to guess at; 0, or -1 with s->err set. */
static int
settings_check(struct settings *s)
{
	const cJSON *hooks, *ev;

	s->refused = 1;
	if (!cJSON_IsObject(s->doc)) {
		s->err = xasprintf("'%s': the top level is not an object", s->path);
		return -1;
	}
	if ((hooks = cJSON_GetObjectItemCaseSensitive(s->doc, "hooks")) == NULL)
		return 0;
	if (!cJSON_IsObject(hooks)) {
		s->err = xasprintf("'%s': \"hooks\" is not an object", s->path);
		return -1;
	}
	cJSON_ArrayForEach(ev, hooks) {
		if (!cJSON_IsArray(ev)) {
			s->err = xasprintf("'%s': \"hooks\".\"%s\" is not an array",
			    s->path, ev->string);
			return -1;
		}
	}
	s->refused = 0;
	return 0;
}

static void
settings_release(struct settings *s)
{
	free(s->path);
	buf_release(&s->text);
	cJSON_Delete(s->doc);
	free(s->err);
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
 * v as JSON.stringify(v, null, indent) writes it, which is how Claude Code
 * writes its settings: one member per line, "key": value, [] and {} when
 * empty. Numbers are cJSON's (shortest form that reads back the same).
 */
static void
json_write(struct buf *b, const cJSON *v, int depth, const char *indent)
{
	const cJSON *c;
	char *s;
	int obj = cJSON_IsObject(v), i;

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
	buf_add(b, obj ? "{" : "[", 1);
	for (c = v->child; c; c = c->next) {
		buf_add(b, "\n", 1);
		for (i = 0; i <= depth; i++)
			buf_add(b, indent, strlen(indent));
		if (obj) {
			json_string(b, c->string ? c->string : "");
			buf_add(b, ": ", 2);
		}
		json_write(b, c, depth + 1, indent);
		if (c->next)
			buf_add(b, ",", 1);
	}
	if (v->child) {
		buf_add(b, "\n", 1);
		for (i = 0; i < depth; i++)
			buf_add(b, indent, strlen(indent));
	}
	buf_add(b, obj ? "}" : "]", 1);
}

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

/* 1 when the file is still what was read (Claude Code may write it too). */
static int
unchanged(const struct settings *s)
{
	struct stat st;

	if (stat(s->path, &st) < 0)
		return !s->exists && errno == ENOENT;
	return s->exists && st.st_ino == s->st.st_ino && st.st_dev == s->st.st_dev &&
	    st.st_size == s->st.st_size &&
	    st.st_mtime == s->st.st_mtime && MTIME_NSEC(st) == MTIME_NSEC(s->st);
}

/*
 * Backs up the old file (when there was one), then writes the new one,
 * creating its folder. Keeps the file's mode; a new file gets 0600 and a
 * new folder 0700, as every file clankers makes. Returns the backup's
 * path (owned; NULL for a new file) through backup. 0, or -1 after an
 * error message.
 */
static int
settings_write(const struct settings *s, const struct buf *out, char **backup)
{
	mode_t mode = s->exists ? s->st.st_mode & 07777 : 0600;
	char *slash, *dir;

	*backup = NULL;
	if (!unchanged(s)) {
		error("'%s' changed while clankers was editing it; left as it is now, "
		    "run the command again", s->path);
		return -1;
	}
	if (s->exists) {
		*backup = xasprintf("%s" BACKUP_SUFFIX, s->path);
		if (write_atomic(*backup, s->text.data ? s->text.data : "",
		    s->text.len, mode) < 0)
			return -1;
	} else if ((slash = strrchr(s->path, '/')) != NULL && slash != s->path) {
		dir = xstrndup(s->path, (size_t)(slash - s->path));
		if (mkdir_p(dir, 0700) < 0) {
			error("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	return write_atomic(s->path, out->data, out->len, mode);
}

/* --- the commands --- */

/* What was done, for the summary line; owned. */
static char *
summary(const struct opts *o, const struct counts *c, const char *path,
    int changed)
{
	struct buf b = {0};
	char *s;

	if (o->uninstall) {
		if (!changed)
			return xasprintf("nothing to remove in '%s'", path);
		return xasprintf("removed %d clankers hook%s from '%s'", c->removed,
		    c->removed == 1 ? "" : "s", path);
	}
	if (!changed)
		return xasprintf("already registered: %d events in '%s'; nothing changed",
		    c->events, path);
	s = xasprintf("registered %d events in '%s' (%d added", c->events, path,
	    c->added);
	buf_add(&b, s, strlen(s));
	free(s);
	if (c->updated) {
		s = xasprintf(", %d updated", c->updated);
		buf_add(&b, s, strlen(s));
		free(s);
	}
	if (c->removed) {
		s = xasprintf(", %d duplicate%s removed", c->removed,
		    c->removed == 1 ? "" : "s");
		buf_add(&b, s, strlen(s));
		free(s);
	}
	buf_add(&b, ")", 1);
	return b.data;
}

static int
run(const struct opts *o)
{
	struct settings s = {0};
	struct ours us = {0};
	struct counts c = {0};
	struct buf out = {0};
	cJSON *orig = NULL;
	char *path, *backup = NULL, *what = NULL;
	int changed, status = EXIT_FAIL;

	if ((path = settings_path(o)) == NULL)
		return EXIT_FAIL;
	if (settings_load(&s, path) < 0 || settings_check(&s) < 0) {
		error("%s%s", s.err, s.refused ? "; left untouched" : "");
		goto out;
	}
	if (!o->uninstall) {
		if ((us.path = self_path()) == NULL)
			goto out;
		us.shell = o->shell;
		us.quoted = sh_quote(us.path, 1);
	}
	orig = cJSON_Duplicate(s.doc, 1);
	if (o->uninstall)
		uninstall(s.doc, &c);
	else
		install(s.doc, &us, &c);
	if (!o->uninstall && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s.doc,
	    "disableAllHooks")))
		error("note: '%s' sets \"disableAllHooks\": true; no hook runs "
		    "while it does", s.path);
	/* Judged on the values, not the bytes: an unchanged file is not rewritten. */
	changed = !cJSON_Compare(orig, s.doc, 1);
	if (changed) {
		json_write(&out, s.doc, 0, s.indent);
		buf_add(&out, "\n", 1);
	} else if (s.text.len) {
		buf_add(&out, s.text.data, s.text.len);
	}
	what = summary(o, &c, s.path, changed);
	if (o->dry_run) {
		/* stdout holds only the file as it would be, for jq or diff. */
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
		fprintf(stderr, "clankers: dry run, nothing written: %s\n", what);
		status = EXIT_OK;
		goto out;
	}
	if (changed && settings_write(&s, &out, &backup) < 0)
		goto out;
	if (!changed)
		printf("clankers: %s\n", what);
	else if (backup)
		printf("clankers: %s; backup in '%s'\n", what, backup);
	else
		printf("clankers: %s; new file\n", what);
	status = EXIT_OK;
out:
	free(what);
	free(backup);
	buf_release(&out);
	cJSON_Delete(orig);
	free(us.path);
	free(us.quoted);
	settings_release(&s);
	free(path);
	return status;
}

/*
 * clankers install claude [--project [DIR]] [--settings FILE] [--shell]
 * [--dry-run]: 0 when the hooks are registered (or already were), 1 when
 * the file could not be read, parsed or written, 64 on a bad command line.
 */
int
cmd_install(int argc, char **argv, struct ctx *ctx)
{
	struct opts o = {0};
	int rc;

	(void)ctx;
	if ((rc = parse_args(argc, argv, &o)) != EXIT_OK)
		return rc;
	return run(&o);
}

/* clankers uninstall claude [...]: exit codes as cmd_install's. */
int
cmd_uninstall(int argc, char **argv, struct ctx *ctx)
{
	return cmd_install(argc, argv, ctx);
}

/* --- what a settings file registers, for doctor --- */

/*
 * Reads the settings file at path as install would (links followed, a
 * missing file read as {}) and, for each event install registers, finds
 * the first handler of ours: sc->programs[i] is the program it runs, as
 * written (a path or a bare name), NULL when event sc->events[i] has
 * none. Writes nothing and prints nothing. Returns 0, or -1 with sc->err
 * saying why the file cannot be read as settings (then sc->doc is NULL and
 * no event has a program). install_scan_release is needed either way.
 */
int
install_scan(const char *path, struct install_scan *sc)
{
	struct settings s = {0};
	const cJSON *hooks, *g, *h;
	const char *name;
	size_t i, n = 0;

	memset(sc, 0, sizeof *sc);
	for (i = 0; claude_event(i) != NULL; i++)
		n += !skipped(claude_event(i));
	sc->events = xmalloc(n * sizeof *sc->events);
	sc->programs = xmalloc(n * sizeof *sc->programs);
	for (i = 0; (name = claude_event(i)) != NULL; i++)
		if (!skipped(name)) {
			sc->events[sc->nevents] = name;
			sc->programs[sc->nevents++] = NULL;
		}
	if (settings_load(&s, path) < 0 || settings_check(&s) < 0) {
		sc->path = s.path ? xstrdup(s.path) : xstrdup(path);
		sc->exists = s.exists;
		sc->err = s.err;
		s.err = NULL;
		settings_release(&s);
		return -1;
	}
	sc->path = s.path;
	sc->exists = s.exists;
	sc->doc = s.doc;
	s.path = NULL;
	s.doc = NULL;
	settings_release(&s);
	hooks = cJSON_GetObjectItemCaseSensitive(sc->doc, "hooks");
	for (i = 0; hooks && i < sc->nevents; i++) {
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(hooks, sc->events[i]);

		cJSON_ArrayForEach(g, ev) {
			const cJSON *hs = cJSON_GetObjectItemCaseSensitive(g, "hooks");

			if (!cJSON_IsObject(g) || !cJSON_IsArray(hs))
				continue;  /* Claude Code skips it too */
			cJSON_ArrayForEach(h, hs)
				if (sc->programs[i] == NULL)
					sc->programs[i] = ours_program(h);
		}
	}
	return 0;
}

void
install_scan_release(struct install_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nevents; i++)
		free(sc->programs[i]);
	free(sc->programs);
	free(sc->events);
	free(sc->path);
	free(sc->err);
	cJSON_Delete(sc->doc);
	memset(sc, 0, sizeof *sc);
}
