/*
 * claude_setup.c: Claude Code's setup, for `clankers install claude`,
 * `clankers uninstall claude` and `clankers doctor`. Install adds one
 * clankers hook for every Claude Code event worth recording to a settings
 * file (the user's, in $CLAUDE_CONFIG_DIR or ~/.claude, a project's, or
 * one named with --settings); uninstall takes ours out again. Everything
 * else in the file stays as it was, byte for byte: the file is walked as
 * text (settings_walk) and only the containers that gain or lose a hook of
 * ours are edited. A file that cannot be read as settings (not JSON, the
 * wrong shape where we would write, or a key twice on our path) is never
 * written. Doctor reads the user's, the
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

/* The string v decoded (a \u0000 as U+FFFD) into b; NULL when v is not one. */
static const char *
str_at(struct jspan v, struct buf *b)
{
	b->len = 0;
	if (v.p == NULL || jscan_str(v, b) < 0)
		return NULL;
	return b->data;
}

/*
 * Refuses a settings file where a key we must read or change is there
 * twice in one object (items a and b of l): Claude Code reads the last of
 * two, cJSON and any guess of ours the first. -1 with s->err set.
 */
static int
twice(struct config *s, const struct jlist *l, long a, long b)
{
	char *name = table_escape(l->v[b].name);

	s->err = xasprintf("'%s': \"%s\" is there twice in one object (lines %d "
	    "and %d); Claude Code reads only the last: remove one", s->path, name,
	    config_line(s, l->v[a].key.p), config_line(s, l->v[b].key.p));
	s->refused = 1;
	free(name);
	return -1;
}

/* A handler as written: its members, and the ones that say whose it is. */
struct handler {
	struct jlist m;          /* owned; its members */
	long type, command, args;  /* indexes in m, or -1 */
	char *cmd;               /* owned; "command" decoded, or NULL */
	char *program;           /* owned; what it runs when it is ours, or NULL */
};

static void
handler_release(struct handler *h)
{
	config_list_release(&h->m);
	free(h->cmd);
	free(h->program);
}

/*
 * Reads handler v (any value) into h. When it runs `clankers hook`,
 * whatever the path and form, h->program is the program it runs: exec
 * form (command clankers, args[0] "hook") or shell form (first word
 * clankers, second "hook", quotes taken off). A copy at another path is
 * ours too, so that it is updated rather than doubled. Returns 0, or -1
 * (twice()) when "type", "command" or "args" is there twice.
 * handler_release either way.
 */
static int
handler_read(struct config *s, struct jspan v, struct handler *h)
{
	struct buf b = {0};
	struct jlist args = {0};
	const char *t, *w;
	char *w0, *w1;
	long again;

	memset(h, 0, sizeof *h);
	h->type = h->command = h->args = -1;
	if (config_list(v, &h->m) < 0 || !h->m.obj)
		return 0;
	if ((h->type = config_find(&h->m, "type", &again)) >= 0 && again >= 0)
		return twice(s, &h->m, h->type, again);
	if ((h->command = config_find(&h->m, "command", &again)) >= 0 && again >= 0)
		return twice(s, &h->m, h->command, again);
	if ((h->args = config_find(&h->m, "args", &again)) >= 0 && again >= 0)
		return twice(s, &h->m, h->args, again);
	if (h->type < 0 || h->command < 0 ||
	    (t = str_at(h->m.v[h->type].val, &b)) == NULL || strcmp(t, "command") != 0 ||
	    str_at(h->m.v[h->command].val, &b) == NULL) {
		buf_release(&b);
		return 0;
	}
	h->cmd = xstrdup(b.data);
	if (h->args >= 0) {
		if (is_clankers(h->cmd) && config_list(h->m.v[h->args].val, &args) == 0 &&
		    !args.obj && args.n > 0 && (t = str_at(args.v[0].val, &b)) &&
		    strcmp(t, "hook") == 0)
			h->program = xstrdup(h->cmd);
		config_list_release(&args);
		buf_release(&b);
		return 0;
	}
	buf_release(&b);
	w = h->cmd;
	w0 = config_sh_word(&w);
	w1 = config_sh_word(&w);
	if (w0 && w1 && is_clankers(w0) && strcmp(w1, "hook") == 0)
		h->program = w0;
	else
		free(w0);
	free(w1);
	return 0;
}

/* 1 when h's "args" are exactly ["hook", event]. */
static int
args_are(const struct handler *h, const char *event)
{
	struct jlist l;
	struct buf b = {0};
	const char *t;
	int yes;

	yes = config_list(h->m.v[h->args].val, &l) == 0 && !l.obj && l.n == 2 &&
	    (t = str_at(l.v[0].val, &b)) && strcmp(t, "hook") == 0 &&
	    (t = str_at(l.v[1].val, &b)) && strcmp(t, event) == 0;
	config_list_release(&l);
	buf_release(&b);
	return yes;
}

/* ["hook", event]; owned by the caller. */
static cJSON *
args_json(const char *event)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString("hook"));
	cJSON_AddItemToArray(a, cJSON_CreateString(event));
	return a;
}

/* Our command for event: the path (exec form) or the shell line; owned. */
static char *
our_command(const struct ours *o, const char *event)
{
	return o->shell ? xasprintf("%s hook %s", o->quoted, event) :
	    xstrdup(o->path);
}

/* A new handler of ours for event; owned by the caller. */
static cJSON *
new_handler(const struct ours *o, const char *event)
{
	cJSON *h = cJSON_CreateObject();
	char *cmd = our_command(o, event);

	cJSON_AddStringToObject(h, "type", "command");
	cJSON_AddStringToObject(h, "command", cmd);
	if (!o->shell)
		cJSON_AddItemToObject(h, "args", args_json(event));
	cJSON_AddNumberToObject(h, "timeout", HOOK_TIMEOUT);
	free(cmd);
	return h;
}

/* A matcher group of our own, no matcher: every tool, every source. */
static cJSON *
new_group(const struct ours *o, const char *event)
{
	cJSON *g = cJSON_CreateObject();

	cJSON_AddItemToArray(cJSON_AddArrayToObject(g, "hooks"), new_handler(o, event));
	return g;
}

/*
 * Handler h of ours made to run this binary for event: its "command" and
 * "args" values are rewritten where they are (args added after the
 * command, or taken out for the shell form); its other members (timeout,
 * async, ...) are the user's and keep their bytes. Counts it as updated
 * when that changes it.
 */
static void
handler_update(struct config *s, struct handler *h, const struct ours *o,
    const char *event, struct counts *c)
{
	char *cmd = our_command(o, event);
	cJSON *v, *wrap;
	int same = strcmp(h->cmd, cmd) == 0;

	same = same && (o->shell ? h->args < 0 : h->args >= 0 && args_are(h, event));
	if (!same) {
		c->updated++;
		v = cJSON_CreateString(cmd);
		config_replace(s, &h->m, (size_t)h->command, v);
		cJSON_Delete(v);
		if (!o->shell && h->args >= 0) {
			v = args_json(event);
			config_replace(s, &h->m, (size_t)h->args, v);
			cJSON_Delete(v);
		} else if (!o->shell) {
			wrap = cJSON_CreateObject();
			cJSON_AddItemToObject(wrap, "args", args_json(event));
			config_insert(s, &h->m, (size_t)h->command + 1, wrap);
			cJSON_Delete(wrap);
		} else if (h->args >= 0) {
			h->m.v[h->args].drop = 1;
			config_drop(s, &h->m);
		}
	}
	free(cmd);
}

/* --- walking a settings file's hooks, as written --- */

enum walk_mode { WALK_SCAN, WALK_INSTALL, WALK_UNINSTALL };

/*
 * One walk over the hooks of a settings file (c->src), for doctor's scan,
 * install or uninstall. Install and uninstall record their changes as
 * edits of the text (config.c), so that what is not ours keeps its bytes.
 */
struct walker {
	struct config *s;
	enum walk_mode mode;
	const struct ours *o;      /* install: the handler we write */
	struct counts *c;          /* install, uninstall */
	size_t nevents;            /* scan: the events install registers */
	const char **events;       /* borrowed */
	char **programs;           /* scan: per event, the first program of ours */
};

/*
 * The handlers of one matcher group (list hs) of event ev. Scan: notes the
 * first program of ours. Install: the first handler of ours of the event
 * (*kept not set yet) is brought up to date, the others marked to drop;
 * uninstall: all of ours marked. *removed counts the marked ones. 0, or
 * -1 after twice().
 */
static int
walk_handlers(struct walker *w, const char *ev, struct jlist *hs, int *kept,
    size_t *removed)
{
	struct handler h;
	size_t i, k;

	for (i = 0; i < hs->n; i++) {
		if (handler_read(w->s, hs->v[i].val, &h) < 0) {
			handler_release(&h);
			return -1;
		}
		if (h.program == NULL) {
			handler_release(&h);
			continue;
		}
		if (w->mode == WALK_SCAN) {
			for (k = 0; k < w->nevents && strcmp(w->events[k], ev) != 0; k++)
				;
			if (k < w->nevents && w->programs[k] == NULL) {
				w->programs[k] = h.program;
				h.program = NULL;
			}
		} else if (w->mode == WALK_INSTALL && !*kept) {
			*kept = 1;
			handler_update(w->s, &h, w->o, ev, w->c);
		} else {
			hs->v[i].drop = 1;
			w->c->removed++;
			++*removed;
		}
		handler_release(&h);
	}
	return 0;
}

/*
 * The matcher groups of event ev (an array: settings_check said so). A
 * group we left without a handler goes; *emptied is set when uninstall
 * took every group out (then the event is the caller's to drop). *kept
 * as walk_handlers. 0, or -1 after twice().
 */
static int
walk_event(struct walker *w, const struct jitem *ev, int *kept, int *emptied)
{
	struct jlist groups, g, hs;
	size_t i, dropped = 0, removed;
	long at, again;
	int rc = 0;

	*emptied = 0;
	if (config_list(ev->val, &groups) < 0 || groups.obj) {
		config_list_release(&groups);
		return 0;
	}
	for (i = 0; i < groups.n && rc == 0; i++) {
		if (config_list(groups.v[i].val, &g) < 0 || !g.obj) {
			config_list_release(&g);
			continue;  /* not ours to judge: Claude Code skips it */
		}
		if ((at = config_find(&g, "hooks", &again)) >= 0 && again >= 0) {
			rc = twice(w->s, &g, at, again);
		} else if (at >= 0 && config_list(g.v[at].val, &hs) == 0 && !hs.obj) {
			removed = 0;
			rc = walk_handlers(w, ev->name, &hs, kept, &removed);
			if (removed > 0 && removed == hs.n) {
				groups.v[i].drop = 1;
				dropped++;
			} else if (removed > 0) {
				config_drop(w->s, &hs);
			}
			config_list_release(&hs);
		} else if (at >= 0) {
			config_list_release(&hs);
		}
		config_list_release(&g);
	}
	if (rc == 0 && dropped > 0 && dropped == groups.n &&
	    w->mode == WALK_UNINSTALL)
		*emptied = 1;
	else if (rc == 0 && dropped > 0)
		config_drop(w->s, &groups);
	config_list_release(&groups);
	return rc;
}

/*
 * Install's additions: for each event registered, a group of ours where
 * the event has none (at the end of its array, or a new member of
 * "hooks", or a new "hooks" after the file's last key).
 */
static void
walk_add(struct walker *w, struct jlist *top, struct jlist *hooks,
    struct strmap *names, const int *kept)
{
	cJSON *add = cJSON_CreateObject(), *hk, *arr;
	struct jlist ev;
	const char *name;
	size_t i;
	int k;

	for (i = 0; (name = claude_event(i)) != NULL; i++) {
		if (skipped(name))
			continue;
		w->c->events++;
		k = hooks ? strmap_get(names, name, strlen(name)) : -1;
		if (k >= 0 && kept[k])
			continue;
		w->c->added++;
		arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, new_group(w->o, name));
		if (k < 0) {
			cJSON_AddItemToObject(add, name, arr);
			continue;
		}
		if (config_list(hooks->v[k].val, &ev) == 0 && !ev.obj)
			config_insert(w->s, &ev, ev.n, arr);
		config_list_release(&ev);
		cJSON_Delete(arr);
	}
	if (add->child && hooks) {
		config_insert(w->s, hooks, hooks->n, add);
	} else if (add->child) {
		hk = cJSON_CreateObject();
		cJSON_AddItemToObject(hk, "hooks", add);
		config_insert(w->s, top, top->n, hk);
		cJSON_Delete(hk);
		return;
	}
	cJSON_Delete(add);
}

/*
 * Walks s (parsed, settings_check passed) as w->mode asks. A second
 * "hooks", a second event of one name, a second "hooks" in a group or a
 * second "type", "command" or "args" in a handler is refused: 0, or -1
 * with s->err set. Linear in the file's size: names are found in a hash
 * map, never by comparing every key with every other.
 */
static int
settings_walk(struct walker *w)
{
	struct config *s = w->s;
	struct jlist top, hooks = {0};
	struct strmap names = {0};
	int *kept = NULL, emptied, rc = 0;
	size_t i, nempty = 0;
	long at, again;

	if (config_list(config_root(s), &top) < 0 || !top.obj) {
		config_list_release(&top);
		s->err = xasprintf("'%s': the top level is not an object", s->path);
		s->refused = 1;
		return -1;
	}
	if ((at = config_find(&top, "hooks", &again)) >= 0 && again >= 0) {
		rc = twice(s, &top, at, again);
		goto out;
	}
	if (at < 0) {
		if (w->mode == WALK_INSTALL)
			walk_add(w, &top, NULL, NULL, NULL);
		goto out;
	}
	if (config_list(top.v[at].val, &hooks) < 0 || !hooks.obj)
		goto out;  /* settings_check refused it */
	kept = xmalloc((hooks.n + 1) * sizeof *kept);
	for (i = 0; i < hooks.n; i++) {
		const char *name = hooks.v[i].name;

		if (!strmap_put(&names, name, strlen(name), (int)i)) {
			rc = twice(s, &hooks, strmap_get(&names, name, strlen(name)),
			    (long)i);
			goto out;
		}
	}
	for (i = 0; i < hooks.n; i++) {
		kept[i] = 0;
		if ((rc = walk_event(w, &hooks.v[i], &kept[i], &emptied)) < 0)
			goto out;
		if (emptied) {
			hooks.v[i].drop = 1;
			nempty++;
		}
	}
	if (nempty > 0 && nempty == hooks.n) {
		top.v[at].drop = 1;
		config_drop(s, &top);
	} else if (nempty > 0) {
		config_drop(s, &hooks);
	}
	if (w->mode == WALK_INSTALL)
		walk_add(w, &top, &hooks, &names, kept);
out:
	free(kept);
	strmap_release(&names);
	config_list_release(&hooks);
	config_list_release(&top);
	return rc;
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
	struct walker w = {0};
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
	w.s = &s;
	w.mode = WALK_SCAN;
	w.nevents = sc->nevents;
	w.events = sc->events;
	w.programs = sc->programs;
	if (config_read(&s, path) < 0 || config_parse(&s) < 0 ||
	    settings_check(&s) < 0 || settings_walk(&w) < 0) {
		sc->path = s.path ? xstrdup(s.path) : xstrdup(path);
		sc->exists = s.exists;
		sc->err = s.err;
		s.err = NULL;
		config_release(&s);
		for (i = 0; i < sc->nevents; i++) {
			free(sc->programs[i]);
			sc->programs[i] = NULL;
		}
		return -1;
	}
	sc->path = s.path;
	sc->exists = s.exists;
	sc->doc = s.doc;
	s.path = NULL;
	s.doc = NULL;
	config_release(&s);
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
	struct walker w = {0};
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
	w.s = &s;
	w.mode = q->remove ? WALK_UNINSTALL : WALK_INSTALL;
	w.o = &us;
	w.c = &c;
	if (settings_walk(&w) < 0) {
		error("%s; left untouched", s.err);
		goto out;
	}
	if (!q->remove && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s.doc,
	    "disableAllHooks")))
		error("note: '%s' sets \"disableAllHooks\": true; no hook runs "
		    "while it does", s.path);
	/* Only what the walk changed differs; an unchanged file is not rewritten. */
	config_apply(&s, &out);
	changed = out.len != s.src.n || memcmp(out.data, s.src.p, out.len) != 0;
	what = summary(q->remove, &c, s.path, changed);
	status = config_save(&s, changed ? &out : NULL, q->dry_run, what);
out:
	free(what);
	buf_release(&out);
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

