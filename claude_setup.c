/*
 * claude_setup.c: Claude Code's setup, for `clankers install claude`,
 * `clankers uninstall claude` and `clankers doctor`. Install adds one
 * clankers hook for every Claude Code event worth recording to a settings
 * file (the user's, in $CLAUDE_CONFIG_DIR or ~/.claude, a project's, or
 * one named with --settings); uninstall takes ours out again. Everything
 * else in the file stays as it was: other keys, other hooks, their order.
 * A file that cannot be read as settings (not JSON, or the wrong shape
 * where we would write) is never written. Doctor reads the user's, the
 * project's and the project's local settings the same way: which events
 * have a hook of ours, whether its program is there, the clankers plugin,
 * "disableAllHooks".
 *
 * What is Claude Code's is here: its settings paths and keys, the events
 * registered (claude.c's list, less the ones skipped below), what counts
 * as a hook of ours. Reading, backing up and replacing the file are
 * config.c's; the common options and the choice of agent install.c's;
 * saying a finding check.c's. Nothing here touches the database or the
 * data root.
 */
#include <errno.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

/* Seconds. From a settings file it also raises SessionEnd's 1.5 s budget. */
#define HOOK_TIMEOUT 10
#define SETTINGS_FILES 3 /* Claude Code's: user, project, project's local */

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

/* What install's own options ask, besides struct install_req's. */
struct opts {
	int shell;             /* shell form instead of exec form */
	const char *settings;  /* borrowed from argv */
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

/* What a settings file registers: which events have a hook of ours. */
struct scan {
	char *path;            /* owned; the file read, links resolved */
	int exists;            /* 0: no such file (read as {}) */
	char *err;             /* owned; why it is not usable settings, else NULL */
	cJSON *doc;            /* owned; the parsed file, NULL when err is set */
	size_t nevents;        /* the events install registers */
	const char **events;   /* owned array of names borrowed from claude_event() */
	char **programs;       /* owned; per event, what our hook runs, or NULL */
};

/* One settings file, for doctor. */
struct settings_file {
	struct scan sc;
	char *fix;             /* owned; the install command that writes it */
	int read;              /* sc holds a scan (the file is not a duplicate) */
};

static int
skipped(const char *event)
{
	return str_in(event, skipped_events, NELEM(skipped_events));
}

/*
 * A Claude Code settings file, owned, or NULL after an error message:
 * with project, DIR/.claude/settings.json (settings.local.json when local
 * is set), DIR resolved ("" is the current folder; it must exist: a typo
 * must not create a project); else the user's settings in
 * $CLAUDE_CONFIG_DIR or ~/.claude.
 */
static char *
settings_path(const char *project, int local)
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
	w0 = config_sh_word(&s);
	w1 = config_sh_word(&s);
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

/* --- reading a settings file --- */

/* Refuses a shape we would have to guess at; 0, or -1 with s->err set. */
static int
settings_check(struct config *s)
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

/*
 * Reads the settings file at path as install would (links followed, a
 * missing file read as {}) and, for each event install registers, finds
 * the first handler of ours: sc->programs[i] is the program it runs, as
 * written (a path or a bare name), NULL when event sc->events[i] has
 * none. Writes nothing and prints nothing. Returns 0, or -1 with sc->err
 * saying why the file cannot be read as settings (then sc->doc is NULL and
 * no event has a program). scan_release is needed either way.
 */
static int
scan(const char *path, struct scan *sc)
{
	struct config s = {0};
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
	if (config_read(&s, path) < 0 || config_parse(&s) < 0 ||
	    settings_check(&s) < 0) {
		sc->path = s.path ? xstrdup(s.path) : xstrdup(path);
		sc->exists = s.exists;
		sc->err = s.err;
		s.err = NULL;
		config_release(&s);
		return -1;
	}
	sc->path = s.path;
	sc->exists = s.exists;
	sc->doc = s.doc;
	s.path = NULL;
	s.doc = NULL;
	config_release(&s);
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

static void
scan_release(struct scan *sc)
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

/* --- install and uninstall --- */

/*
 * Install's own options, after install.c took the common ones: --shell
 * (install only) and --settings FILE.
 */
static int
parse_args(const struct install_req *q, struct opts *o)
{
	const char *cmd = q->cmd;
	int i;

	for (i = 0; i < q->argc; i++) {
		const char *a = q->argv[i];

		if (strcmp(a, "--shell") == 0 && !q->remove) {
			o->shell = 1;
		} else if (strcmp(a, "--settings") == 0 && i + 1 < q->argc) {
			o->settings = q->argv[++i];
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
	if (o->settings && q->project) {
		error("%s: --project and --settings name two files; give one", cmd);
		return EXIT_USAGE;
	}
	if (o->settings && *o->settings == '\0') {
		error("%s: --settings needs a FILE", cmd);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* What was done, for the summary line; owned. */
static char *
summary(int remove, const struct counts *c, const char *path, int changed)
{
	struct buf b = {0};
	char *s;

	if (remove) {
		if (!changed)
			return xasprintf("nothing to remove in '%s'", path);
		return xasprintf("removed %d clankers hook%s from '%s'", c->removed,
		    c->removed == 1 ? "" : "s", path);
	}
	if (!changed)
		return xasprintf("already registered: %d events in '%s'; nothing "
		    "changed", c->events, path);
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

/* Edits the settings file at path as q and o ask; an exit code. */
static int
edit(const struct install_req *q, const struct opts *o, const char *path)
{
	struct config s = {0};
	struct ours us = {0};
	struct counts c = {0};
	struct buf out = {0};
	cJSON *orig = NULL;
	char *what = NULL;
	int changed, status = EXIT_FAIL;

	if (config_read(&s, path) < 0 || config_parse(&s) < 0 ||
	    settings_check(&s) < 0) {
		error("%s%s", s.err, s.refused ? "; left untouched" : "");
		goto out;
	}
	if (!q->remove) {
		if ((us.path = config_self_path()) == NULL)
			goto out;
		us.shell = o->shell;
		us.quoted = sh_quote(us.path, 1);
	}
	orig = cJSON_Duplicate(s.doc, 1);
	if (q->remove)
		uninstall(s.doc, &c);
	else
		install(s.doc, &us, &c);
	if (!q->remove && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s.doc,
	    "disableAllHooks")))
		error("note: '%s' sets \"disableAllHooks\": true; no hook runs "
		    "while it does", s.path);
	/* Judged on the values, not the bytes: an unchanged file is not rewritten. */
	changed = !cJSON_Compare(orig, s.doc, 1);
	if (changed)
		config_json(&out, s.doc, s.indent);
	what = summary(q->remove, &c, s.path, changed);
	status = config_save(&s, changed ? &out : NULL, q->dry_run, what);
out:
	free(what);
	buf_release(&out);
	cJSON_Delete(orig);
	free(us.path);
	free(us.quoted);
	config_release(&s);
	return status;
}

/*
 * clankers install claude [--project [DIR]] [--settings FILE] [--shell]
 * [--dry-run], and uninstall claude (no --shell): the file is --settings
 * FILE, else settings_path's. 0 when the hooks are registered (or already
 * were) or removed, 1 when the file could not be read, parsed or written,
 * 64 on a bad command line.
 */
int
claude_install(const struct install_req *q)
{
	struct opts o = {0};
	char *path;
	int rc;

	if ((rc = parse_args(q, &o)) != EXIT_OK)
		return rc;
	path = o.settings ? xstrdup(o.settings) : settings_path(q->project, 0);
	if (path == NULL)
		return EXIT_FAIL;
	rc = edit(q, &o, path);
	/* The sessions before today are in the transcripts, for 30 days. */
	if (rc == EXIT_OK && !q->remove && !q->dry_run && claude_history_dirs() > 0)
		printf("clankers: sessions from before now are in Claude Code's "
		    "transcripts until it deletes them (30 days by default); to keep "
		    "them: clankers import claude\n");
	free(path);
	return rc;
}

/* --- doctor --- */

/*
 * Claude Code's transcripts on disk (deleted after 30 days by default)
 * against what the database holds of them: how many sessions an import
 * would read, and how much of them.
 */
static void
check_history(struct doctor *d)
{
	struct claude_pending p;
	sqlite3 *h = NULL;
	char *err = NULL, *wal = xasprintf("%s-wal", d->db_path);
	char *shm = xasprintf("%s-shm", d->db_path);
	int shared = access(wal, F_OK) == 0 && access(shm, F_OK) == 0, rc;

	free(wal);
	free(shm);
	rc = db_open_readonly(&h, d->db_path, shared ? DB_RO_SHM : DB_RO_IMMUTABLE,
	    2000, &err);
	if (rc == SQLITE_OK)
		rc = claude_history_pending(h, &p);
	sqlite3_close(h);
	free(err);
	if (rc != SQLITE_OK)
		return;  /* the database's own checks say why */
	if (p.sessions == 0)
		return;  /* no transcripts: nothing to say */
	if (p.unread + p.partial == 0)
		check_say(d, CHECK_OK, "history", xasprintf("transcripts: all %lld "
		    "session%s on disk (%lld files) are in the database",
		    (long long)p.sessions, p.sessions == 1 ? "" : "s",
		    (long long)p.files), NULL);
	else
		check_say(d, CHECK_NOTE, "history", xasprintf("transcripts: %lld of "
		    "%lld sessions on disk not in the database, %lld in part "
		    "(%.1f MB to read); Claude Code deletes them after 30 days",
		    (long long)p.unread, (long long)p.sessions, (long long)p.partial,
		    (double)p.bytes / 1e6), xstrdup("clankers import claude"));
}

/* The programs our hooks run, each checked once, in the order found. */
static void
check_programs(struct doctor *d, struct settings_file *f)
{
	struct prog {
		const char *name;  /* borrowed from a scan */
		int events;        /* the events that run it, in all files */
		const char *fix;   /* borrowed; of the first file that names it */
	} *v = NULL;
	size_t i, j, k, n = 0;

	for (i = 0; i < SETTINGS_FILES; i++) {
		if (!f[i].read)
			continue;
		v = xrealloc(v, (n + f[i].sc.nevents) * sizeof *v);
		for (j = 0; j < f[i].sc.nevents; j++) {
			const char *p = f[i].sc.programs[j];

			if (p == NULL)
				continue;
			for (k = 0; k < n && strcmp(v[k].name, p) != 0; k++)
				;
			if (k == n) {
				v[n].name = p;
				v[n].events = 0;
				v[n++].fix = f[i].fix;
			}
			v[k].events++;
		}
	}
	for (k = 0; k < n; k++)
		check_program(d, v[k].name, v[k].events, v[k].fix);
	free(v);
}

/*
 * Reads the settings files of the user, the project and the project's
 * local file into f, in that order (Claude Code gives the later ones
 * precedence), each once: the project may be the home folder.
 */
static void
settings_read(struct doctor *d, struct settings_file *f)
{
	const char *project = d->project ? d->project : "";
	struct stat st[SETTINGS_FILES];
	int exists[SETTINGS_FILES];
	char *path, *q;
	size_t i, j;

	for (i = 0; i < SETTINGS_FILES; i++) {
		path = i == 0 ? settings_path(NULL, 0) :
		    settings_path(project, i == 2);
		exists[i] = path && stat(path, &st[i]) == 0;
		for (j = 0; path && exists[i] && j < i; j++)
			if (exists[j] && st[i].st_dev == st[j].st_dev &&
			    st[i].st_ino == st[j].st_ino)
				break;
		if (path == NULL || (exists[i] && j < i)) {
			free(path);
			continue;
		}
		f[i].read = 1;
		scan(path, &f[i].sc);
		q = sh_quote(path, 0);
		if (i == 0) {
			f[i].fix = xstrdup("clankers install claude");
		} else if (i == 1) {
			/* path is DIR/.claude/settings.json, DIR resolved */
			path[strlen(path) - strlen("/.claude/settings.json")] = '\0';
			free(q);
			q = sh_quote(path, 0);
			f[i].fix = xasprintf("clankers install claude --project %s", q);
		} else {
			f[i].fix = xasprintf("clankers install claude --settings %s", q);
		}
		free(q);
		free(path);
	}
}

/* One line per settings file there is; returns the hooks of ours in them. */
static size_t
say_settings(struct doctor *d, struct settings_file *f)
{
	size_t i, j, n, all = 0;

	for (i = 0; i < SETTINGS_FILES; i++) {
		struct scan *sc = &f[i].sc;

		if (!f[i].read)
			continue;
		for (j = n = 0; j < sc->nevents; j++)
			n += sc->programs[j] != NULL;
		all += n;
		if (sc->err)
			check_say(d, CHECK_FAIL, "settings", xasprintf("settings: %s",
			    sc->err), xstrdup("correct it by hand (clankers install leaves "
			    "it alone until it is settings JSON)"));
		else if (sc->exists && n)
			check_say(d, CHECK_OK, "settings", xasprintf("settings %s: "
			    "clankers hook for %zu of %zu events", sc->path, n,
			    sc->nevents), NULL);
		else if (sc->exists)
			check_say(d, CHECK_OK, "settings", xasprintf("settings %s: no "
			    "clankers hook", sc->path), NULL);
	}
	return all;
}

/*
 * Where the file of highest precedence that gives a boolean for what
 * pick() looks for says it; the file's index, or -1. *on is the value and
 * *name (borrowed from the file) the key.
 */
static int
settings_bool(struct settings_file *f, int (*pick)(const cJSON *doc,
    const char **name), int *on, const char **name)
{
	int i, v;

	for (i = SETTINGS_FILES - 1; i >= 0; i--)
		if (f[i].read && f[i].sc.doc && (v = pick(f[i].sc.doc, name)) >= 0) {
			*on = v;
			return i;
		}
	return -1;
}

/* "disableAllHooks": 1 or 0; -1 when it is not a boolean there. */
static int
pick_disable(const cJSON *doc, const char **name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "disableAllHooks");

	*name = "disableAllHooks";
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

/*
 * "enabledPlugins": {"clankers@<marketplace>": true}, as pick_disable. A
 * plugin's id is its name, @, its marketplace's; whether Claude Code has
 * it installed is not written anywhere documented, so it is not checked.
 */
static int
pick_plugin(const cJSON *doc, const char **name)
{
	const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(doc, "enabledPlugins");
	const cJSON *v;

	cJSON_ArrayForEach(v, plugins)
		if (v->string && strncmp(v->string, "clankers@", 9) == 0 &&
		    cJSON_IsBool(v)) {
			*name = v->string;
			return cJSON_IsTrue(v);
		}
	return -1;
}

/*
 * The clankers plugin, when enabled: its hooks (hooks/hooks.json) run
 * clankers from PATH for every event. Returns 1 when it is enabled.
 */
static int
check_plugin(struct doctor *d, struct settings_file *f, size_t ours)
{
	const char *name = NULL;
	char *found;
	int on = 0, at = settings_bool(f, pick_plugin, &on, &name);

	if (at < 0 || !on)
		return 0;
	if ((found = config_which("clankers")) != NULL)
		check_say(d, CHECK_OK, "plugin", xasprintf("plugin %s enabled in %s: "
		    "its hooks run clankers from PATH: %s", name, f[at].sc.path, found),
		    NULL);
	else
		check_say(d, CHECK_FAIL, "plugin", xasprintf("plugin %s enabled in %s, "
		    "but there is no clankers on PATH for its hooks", name,
		    f[at].sc.path), xstrdup("make install (clankers on PATH)"));
	free(found);
	/* Claude Code runs a plugin's hook and a settings hook both. */
	if (ours)
		check_say(d, CHECK_WARN, "plugin", xasprintf("hooks both in settings "
		    "and from the plugin %s: each event runs clankers twice", name),
		    xasprintf("clankers uninstall claude, or disable the plugin %s",
		    name));
	return 1;
}

/*
 * The version in the npm package.json of the folder dir, when the package
 * is Claude Code's (@anthropic-ai/claude-code, or its native binary's
 * @anthropic-ai/claude-code-<platform>). Owned, or NULL.
 */
static char *
client_package_version(const char *dir)
{
	char *path = xasprintf("%s/package.json", dir), *text, *v = NULL;
	const char *name, *version;
	size_t n = 0;
	cJSON *pkg;
	FILE *fp;

	fp = fopen(path, "r");
	free(path);
	if (fp == NULL)
		return NULL;
	text = xmalloc(65536);
	n = fread(text, 1, 65535, fp);
	fclose(fp);
	text[n] = '\0';
	if ((pkg = cJSON_ParseWithLength(text, n)) != NULL) {
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "name"));
		version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "version"));
		if (name && version && strncmp(name, "@anthropic-ai/claude-code",
		    strlen("@anthropic-ai/claude-code")) == 0)
			v = xstrdup(version);
		cJSON_Delete(pkg);
	}
	free(text);
	return v;
}

/*
 * The Claude Code on PATH and its version, read from the package.json of
 * the npm package it is in (claude is not run: a doctor stays fast and
 * offline). The events a version fires differ: 2.1.332 added
 * PermissionRequest decisions, model switches and background agents.
 */
static void
check_client(struct doctor *d)
{
	char *found = config_which("claude"), real[PATH_MAX], *version = NULL, *slash;
	int up;

	if (found == NULL)
		return;  /* Claude Code may run from elsewhere (an IDE): nothing to say */
	if (realpath(found, real) != NULL)
		for (up = 0; up < 4 && version == NULL && (slash = strrchr(real, '/')) != NULL &&
		    slash != real; up++) {
			*slash = '\0';
			version = client_package_version(real);
		}
	if (version)
		check_say(d, CHECK_OK, "client", xasprintf("Claude Code %s: %s",
		    version, found), NULL);
	else
		check_say(d, CHECK_NOTE, "client", xasprintf("claude on PATH (%s), "
		    "its version not found (no npm package.json of Claude Code "
		    "beside it)", found), NULL);
	free(version);
	free(found);
}

/* Events with a hook of ours in any of the files (or all, by the plugin). */
static void
check_events(struct doctor *d, struct settings_file *f, int plugin)
{
	const struct scan *any = NULL;
	struct buf missing = {0};
	size_t i, j, n = 0;

	for (i = 0; i < SETTINGS_FILES && any == NULL; i++)
		if (f[i].read)
			any = &f[i].sc;
	if (any == NULL)
		return;  /* no settings file could be named: said on stderr */
	for (j = 0; j < any->nevents; j++) {
		int has = plugin;

		for (i = 0; i < SETTINGS_FILES && !has; i++)
			has = f[i].read && f[i].sc.programs[j] != NULL;
		if (has)
			continue;
		if (n++)
			buf_add(&missing, ", ", 2);
		buf_add(&missing, any->events[j], strlen(any->events[j]));
	}
	if (n == 0)
		check_say(d, CHECK_OK, "hooks", xasprintf("hooks: registered for all "
		    "%zu events", any->nevents), NULL);
	else if (n == any->nevents)
		check_say(d, CHECK_FAIL, "hooks", xstrdup("hooks: none registered in "
		    "Claude Code settings: nothing is recorded"),
		    xstrdup("clankers install claude"));
	else
		check_say(d, CHECK_FAIL, "hooks", xasprintf("hooks: %zu of %zu events "
		    "have none: %s", n, any->nevents, missing.data),
		    xstrdup("clankers install claude"));
	buf_release(&missing);
}

/*
 * Claude Code's checks: each settings file there is (the user's, the
 * project's, the project's local), the plugin, which events have a hook
 * of ours, the programs those hooks run, and "disableAllHooks". Reads
 * only; the settings paths it cannot name are said on stderr.
 */
void
claude_doctor(struct doctor *d)
{
	struct settings_file f[SETTINGS_FILES];
	const char *name;
	size_t i, ours;
	int plugin, on = 0, at;

	memset(f, 0, sizeof f);
	settings_read(d, f);
	ours = say_settings(d, f);
	plugin = check_plugin(d, f, ours);
	check_events(d, f, plugin);
	check_programs(d, f);
	if (d->db_path)
		check_history(d);
	check_client(d);
	at = settings_bool(f, pick_disable, &on, &name);
	if (at >= 0 && on) {
		char *q = sh_quote(f[at].sc.path, 0);

		check_say(d, CHECK_FAIL, "hooks", xasprintf("hooks are off: "
		    "\"disableAllHooks\": true in %s", f[at].sc.path),
		    xasprintf("remove \"disableAllHooks\" from %s", q));
		free(q);
	}
	for (i = 0; i < SETTINGS_FILES; i++) {
		if (f[i].read)
			scan_release(&f[i].sc);
		free(f[i].fix);
	}
}

