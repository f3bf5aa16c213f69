/*
 * opencode_setup.c: OpenCode's setup, for `clankers install opencode`,
 * `clankers uninstall opencode` and `clankers doctor`.
 *
 * OpenCode loads every .js file directly in a plugin/ (or plugins/) folder
 * of its config folders: the user's ($XDG_CONFIG_HOME/opencode, else
 * ~/.config/opencode) and a project's (.opencode). Install writes the
 * plugin (opencode-plugin.js, embedded at build time) there as
 * clankers.js, with this binary's absolute path written in, so that an
 * OpenCode started without the user's PATH still finds it; the plugin
 * falls back to PATH when that path is gone. A file of the same name that
 * is not ours is never overwritten; ours is replaced atomically, with a
 * backup, and only when it changes. Uninstall removes ours.
 *
 * Doctor says where the plugin is, whether it is ours and current, whether
 * the binary it runs is there, when it is installed twice (every event
 * then reaches clankers twice: stored once, counted twice), what turns
 * plugins off, and where OpenCode's own database is (opencode_db.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

static const unsigned char plugin_js[] = {
#include "opencode-plugin.inc"
};

#define PLUGIN_NAME "clankers.js"
#define PLUGIN_MARK "// opencode-plugin.js: the clankers plugin for OpenCode."
#define PLUGIN_BIN "\"@CLANKERS_BIN@\""

/*
 * The user's OpenCode config folder ($XDG_CONFIG_HOME/opencode, else
 * ~/.config/opencode), or with project the folder's .opencode ("" is the
 * current folder; it must exist). Owned, or NULL after an error message
 * when say is set.
 */
static char *
config_dir(const char *project, int say)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *dir, *path;

	if (project) {
		if ((dir = realpath(*project ? project : ".", NULL)) == NULL) {
			if (say)
				error("cannot use project folder '%s': %s",
				    *project ? project : ".", strerror(errno));
			return NULL;
		}
		path = path_join(dir, ".opencode");
		free(dir);
		return path;
	}
	if (xdg && *xdg == '/')
		return path_join(xdg, "opencode");
	if (home && *home)
		return path_join(home, ".config/opencode");
	if (say)
		error("cannot find your home folder: set HOME or XDG_CONFIG_HOME");
	return NULL;
}

/* The plugin as install writes it, with bin (a JSON string literal) in. */
static void
plugin_text(struct buf *out, const char *bin)
{
	const char *js = (const char *)plugin_js, *at;
	size_t n = sizeof plugin_js;
	cJSON *s = cJSON_CreateString(bin);
	char *lit = cJSON_PrintUnformatted(s);

	at = memmem(js, n, PLUGIN_BIN, strlen(PLUGIN_BIN));
	if (at == NULL) {  /* the build embeds the file that has it */
		buf_add(out, js, n);
	} else {
		buf_add(out, js, (size_t)(at - js));
		buf_add(out, lit, strlen(lit));
		at += strlen(PLUGIN_BIN);
		buf_add(out, at, n - (size_t)(at - js));
	}
	free(lit);
	cJSON_Delete(s);
}

/* 1 when text is a clankers plugin (of any version or path). */
static int
is_ours(const struct buf *text)
{
	return text->len >= strlen(PLUGIN_MARK) &&
	    memcmp(text->data, PLUGIN_MARK, strlen(PLUGIN_MARK)) == 0;
}

static int
remove_plugin(const struct install_req *q, struct config *c)
{
	if (!c->exists) {
		printf("clankers: nothing to remove: no '%s'\n", c->path);
		return EXIT_OK;
	}
	if (!is_ours(&c->text)) {
		error("%s: '%s' is not the clankers plugin; left as it is", q->cmd,
		    c->path);
		return EXIT_FAIL;
	}
	if (q->dry_run) {
		fprintf(stderr, "clankers: dry run, nothing removed: '%s'\n", c->path);
		return EXIT_OK;
	}
	if (unlink(c->path) < 0) {
		error("cannot remove '%s': %s", c->path, strerror(errno));
		return EXIT_FAIL;
	}
	printf("clankers: removed the OpenCode plugin '%s'\n", c->path);
	return EXIT_OK;
}

/*
 * clankers install|uninstall opencode [--project [DIR]] [--dry-run]: 0
 * when the plugin is in place (or already was) or removed, 1 when the
 * file could not be read or written or is not ours, 64 on a bad command
 * line.
 */
int
opencode_install(const struct install_req *q)
{
	struct config c = {0};
	struct buf out = {0};
	char *dir, *path, *bin = NULL, *what;
	int rc;

	if (q->argc > 0) {
		error("%s: unknown argument '%s'; see 'clankers help %s'", q->cmd,
		    q->argv[0], q->cmd);
		return EXIT_USAGE;
	}
	if ((dir = config_dir(q->project, 1)) == NULL)
		return EXIT_FAIL;
	path = xasprintf("%s/plugin/" PLUGIN_NAME, dir);
	free(dir);
	if (config_read(&c, path) < 0) {
		error("%s", c.err);
		rc = EXIT_FAIL;
	} else if (q->remove) {
		rc = remove_plugin(q, &c);
	} else if (c.exists && !is_ours(&c.text)) {
		error("%s: '%s' is not the clankers plugin; left as it is (move it "
		    "away, then install again)", q->cmd, c.path);
		rc = EXIT_FAIL;
	} else if ((bin = config_self_path()) == NULL) {
		rc = EXIT_FAIL;
	} else {
		plugin_text(&out, bin);
		if (c.exists && c.text.len == out.len &&
		    memcmp(c.text.data, out.data, out.len) == 0) {
			what = xasprintf("the OpenCode plugin is in place: '%s'; nothing "
			    "changed", c.path);
			rc = config_save(&c, NULL, q->dry_run, what);
		} else {
			what = xasprintf("installed the OpenCode plugin '%s' (runs %s)",
			    c.path, bin);
			rc = config_save(&c, &out, q->dry_run, what);
		}
		free(what);
	}
	buf_release(&out);
	config_release(&c);
	free(bin);
	free(path);
	return rc;
}

/* --- doctor --- */

/*
 * The binary a plugin file runs: the JSON string that install wrote in
 * place of the placeholder; NULL when it is still the placeholder (PATH).
 * Owned.
 */
static char *
plugin_binary(const struct buf *text)
{
	static const char key[] = "const CLANKERS = ";
	const char *at = memmem(text->data, text->len, key, strlen(key)), *eol;
	cJSON *v;
	char *bin = NULL;

	if (at == NULL)
		return NULL;
	at += strlen(key);
	eol = memchr(at, '\n', text->len - (size_t)(at - text->data));
	v = cJSON_ParseWithLength(at, eol ? (size_t)(eol - at) : 0);
	if (cJSON_IsString(v) && v->valuestring[0] != '@')
		bin = xstrdup(v->valuestring);
	cJSON_Delete(v);
	return bin;
}

/* One plugin folder: 1 when our plugin is in it. */
static int
check_plugin(struct doctor *d, const char *dir, const char *fix)
{
	static const char *const sub[] = { "plugin", "plugins" };
	struct config c = {0};
	struct buf want = {0};
	char *path, *bin, *self;
	size_t i;
	int found = 0;

	for (i = 0; i < 2 && !found; i++) {
		path = xasprintf("%s/%s/" PLUGIN_NAME, dir, sub[i]);
		memset(&c, 0, sizeof c);
		if (config_read(&c, path) < 0) {
			check_say(d, CHECK_FAIL, "opencode_plugin", xstrdup(c.err),
			    xstrdup(fix));
			found = -1;
		} else if (c.exists && !is_ours(&c.text)) {
			check_say(d, CHECK_WARN, "opencode_plugin", xasprintf("'%s' is "
			    "not the clankers plugin", c.path), NULL);
		} else if (c.exists) {
			found = 1;
			bin = plugin_binary(&c.text);
			self = config_self_path();
			if (self)
				plugin_text(&want, self);
			if (self && bin && strcmp(bin, self) == 0 && (c.text.len != want.len ||
			    memcmp(c.text.data, want.data, want.len) != 0))
				check_say(d, CHECK_WARN, "opencode_plugin", xasprintf("OpenCode "
				    "plugin '%s' is from another version of clankers",
				    c.path), xstrdup(fix));
			else
				check_say(d, CHECK_OK, "opencode_plugin", xasprintf("OpenCode "
				    "plugin '%s'", c.path), NULL);
			if (bin && access(bin, X_OK) < 0)
				check_say(d, CHECK_WARN, "hook_binary", xasprintf("the plugin "
				    "runs %s: %s; it falls back to clankers on PATH", bin,
				    strerror(errno)), xstrdup(fix));
			if (bin && access(bin, X_OK) == 0)
				check_program(d, bin, 0, fix);
			else
				check_program(d, "clankers", 0, fix);
			buf_release(&want);
			free(self);
			free(bin);
		}
		config_release(&c);
		free(path);
	}
	return found > 0;
}

/* OpenCode's own database, which import and the repair at idle read. */
static void
check_database(struct doctor *d)
{
	char *err = NULL, *path = opencode_db_path(&err);
	struct stat st;

	if (path == NULL)
		check_say(d, CHECK_WARN, "opencode_db", err, xstrdup("set OPENCODE_DB "
		    "to the one OpenCode uses"));
	else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		check_say(d, CHECK_OK, "opencode_db", xasprintf("OpenCode's database "
		    "%s (clankers import opencode, and the repair at idle, read it)",
		    path), NULL);
	else
		check_say(d, CHECK_NOTE, "opencode_db", xasprintf("no OpenCode "
		    "database at %s yet: OpenCode writes it at its first session; "
		    "until then a lost event is not repaired", path), NULL);
	free(path);
}

/*
 * The plugin where OpenCode looks (the user's config folder, the
 * project's .opencode), what it runs, and what keeps OpenCode from
 * loading it. Silent for a user with no OpenCode config at all.
 */
void
opencode_doctor(struct doctor *d)
{
	const char *off = getenv("OPENCODE_DISABLE_DEFAULT_PLUGINS");
	char *user = config_dir(NULL, 0), *proj = config_dir(d->project ?
	    d->project : "", 0), *json = NULL, *pfix;
	struct stat st;
	int n = 0, configured;

	json = path_join(d->project ? d->project : ".", "opencode.json");
	configured = (user && stat(user, &st) == 0) || (proj && stat(proj, &st) == 0) ||
	    stat(json, &st) == 0;
	if (user)
		n += check_plugin(d, user, "clankers install opencode");
	if (proj && (user == NULL || strcmp(user, proj) != 0)) {
		pfix = xasprintf("clankers install opencode --project %s",
		    d->project ? d->project : ".");
		n += check_plugin(d, proj, pfix);
		free(pfix);
	}
	if (n == 0 && configured)
		check_say(d, CHECK_WARN, "opencode_plugin", xstrdup("OpenCode is "
		    "configured here but has no clankers plugin: its sessions are "
		    "not recorded"), xstrdup("clankers install opencode"));
	if (n > 1)
		check_say(d, CHECK_WARN, "opencode_plugin", xstrdup("the clankers "
		    "plugin is installed for the user and the project: every event "
		    "reaches clankers twice (stored once, counted twice)"),
		    xstrdup("clankers uninstall opencode --project"));
	if (n > 0)
		check_say(d, CHECK_NOTE, "opencode_plugin", xstrdup("`opencode --pure` "
		    "loads no plugin: such runs are not recorded"), NULL);
	if (n > 0 || configured)
		check_database(d);
	if (n > 0 && off && *off)
		check_say(d, CHECK_NOTE, "opencode_plugin", xstrdup(
		    "OPENCODE_DISABLE_DEFAULT_PLUGINS is set: it turns off OpenCode's "
		    "built-in plugins only, not clankers'"), NULL);
	free(json);
	free(user);
	free(proj);
}
