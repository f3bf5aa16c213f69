/*
 * install.c: `clankers install claude` and `clankers uninstall claude`.
 * Install adds one clankers hook for every Claude Code event worth
 * recording to a settings file; uninstall takes ours out again. Everything
 * else in the file stays as it was: other keys, other hooks, their order.
 * A file that cannot be read as settings (not JSON, or the wrong shape
 * where we would write) is never written; reading, the backup and the
 * atomic replace are config.c's. Nothing here touches the database or the
 * data root. install_scan lends doctor the same reading of a settings
 * file: which events have a hook of ours.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

/* Seconds. From a settings file it also raises SessionEnd's 1.5 s budget. */
#define HOOK_TIMEOUT 10

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

/* --- what we can edit --- */

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
	struct config s = {0};
	struct ours us = {0};
	struct counts c = {0};
	struct buf out = {0};
	cJSON *orig = NULL;
	char *path, *what = NULL;
	int changed, status = EXIT_FAIL;

	if ((path = settings_path(o)) == NULL)
		return EXIT_FAIL;
	if (config_read(&s, path) < 0 || config_parse(&s) < 0 ||
	    settings_check(&s) < 0) {
		error("%s%s", s.err, s.refused ? "; left untouched" : "");
		goto out;
	}
	if (!o->uninstall) {
		if ((us.path = config_self_path()) == NULL)
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
	if (changed)
		config_json(&out, s.doc, s.indent);
	what = summary(o, &c, s.path, changed);
	status = config_save(&s, changed ? &out : NULL, o->dry_run, what);
out:
	free(what);
	buf_release(&out);
	cJSON_Delete(orig);
	free(us.path);
	free(us.quoted);
	config_release(&s);
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
