/*
 * check.c: doctor's findings, and the checks that more than one part of
 * doctor makes. A finding is one line, ok, note, warn or FAIL, with its
 * fix where there is one; --json gives the same findings as an array of
 * objects. check_owner_mode judges a file's owner and mode, and
 * check_program whether a program a config file runs is there to run.
 *
 * What to check is not here: doctor.c checks the data root, the database,
 * the spool, the logs and the prices, and each agent's setup file (through
 * the table in agent.c) its own config. Like all of doctor, nothing here
 * writes a file.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

static const char *const status_words[] = { "ok", "note", "warn", "FAIL" };
static const char *const status_json[] = { "ok", "note", "warn", "fail" };
static const char *const status_colors[] = {
	"\033[32m", "\033[36m", "\033[33m", "\033[1;31m"
};

/*
 * Records one finding: printed at once, or added to d->found with
 * --json. A FAIL counts in d->fails. check names what was checked (the
 * "check" of --json). Takes ownership of msg and of fix (NULL when there
 * is nothing to run or do).
 */
void
check_say(struct doctor *d, enum check_status st, const char *check, char *msg,
    char *fix)
{
	if (st == CHECK_FAIL)
		d->fails++;
	if (d->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "check", check);
		cJSON_AddStringToObject(o, "status", status_json[st]);
		cJSON_AddStringToObject(o, "message", msg);
		if (fix)
			cJSON_AddStringToObject(o, "fix", fix);
		else
			cJSON_AddNullToObject(o, "fix");
		cJSON_AddItemToArray(d->found, o);
	} else {
		/* Paths and stored names in msg and fix: escaped (table.c). */
		char *m = table_escape(msg), *f = fix ? table_escape(fix) : NULL;

		if (d->color)
			printf("%s%s\033[0m%*s%s\n", status_colors[st], status_words[st],
			    (int)(6 - strlen(status_words[st])), "", m);
		else
			printf("%-6s%s\n", status_words[st], m);
		if (f)
			printf("      fix: %s\n", f);
		free(m);
		free(f);
	}
	free(msg);
	free(fix);
}

/* The user's name, for a chown, else the number; owned. */
char *
check_user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw && pw->pw_name ? xstrdup(pw->pw_name) :
	    xasprintf("%lu", (unsigned long)uid);
}

/* cmd with path, quoted for sh, after it: a fix; owned. */
char *
check_fix_on(const char *cmd, const char *path)
{
	char *q = sh_quote(path, 0), *s = xasprintf("%s %s", cmd, q);

	free(q);
	return s;
}

/*
 * FAIL when st (of path, called what) is not owned by d->uid, or its mode
 * is not want (files) or has bits outside want (folders: want is 0700, and
 * u+rwx must be there). Returns 1 when all is well, and then says nothing;
 * 0 after the FAIL.
 */
int
check_owner_mode(struct doctor *d, const char *check, const char *what,
    const char *path, const struct stat *st, mode_t want)
{
	mode_t m = st->st_mode & 0777;  /* setgid on a folder is no one's business */
	char *you, *them, *cmd;

	if (st->st_uid != d->uid) {
		you = check_user_name(d->uid);
		them = check_user_name(st->st_uid);
		cmd = xasprintf("sudo chown %s%s", S_ISDIR(st->st_mode) ? "-R " : "",
		    you);
		check_say(d, CHECK_FAIL, check, xasprintf("%s %s is owned by %s, not "
		    "by you (%s)", what, path, them, you), check_fix_on(cmd, path));
		free(cmd);
		free(you);
		free(them);
		return 0;
	}
	if (S_ISDIR(st->st_mode) ? (m & ~want) != 0 || (m & want) != want :
	    m != want) {
		cmd = xasprintf("chmod %o", (unsigned)want);
		check_say(d, CHECK_FAIL, check, xasprintf("%s %s is mode %04o, not "
		    "%04o", what, path, (unsigned)m, (unsigned)want),
		    check_fix_on(cmd, path));
		free(cmd);
		return 0;
	}
	return 1;
}

/*
 * Is prog, as a hook (or plugin) of ours names it, there to run? One
 * finding "hook_binary": ok, FAIL with fix (borrowed; copied) when it is
 * missing or not executable, note when it cannot be judged (the shell
 * expands it, or a relative path). A bare name is looked for on PATH, and
 * ~/ is $HOME. nevents is how many events run it, for the message.
 */
void
check_program(struct doctor *d, const char *prog, int nevents, const char *fix)
{
	const char *home = getenv("HOME");
	char *path, *found;
	struct stat st;

	if (strchr(prog, '$') || strchr(prog, '`')) {
		check_say(d, CHECK_NOTE, "hook_binary", xasprintf("hook runs %s: not "
		    "checked (the shell expands it)", prog), NULL);
		return;
	}
	if (strchr(prog, '/') == NULL) {
		if ((found = config_which(prog)) != NULL)
			check_say(d, CHECK_OK, "hook_binary", xasprintf("hook runs %s "
			    "from PATH: %s", prog, found), NULL);
		else
			check_say(d, CHECK_FAIL, "hook_binary", xasprintf("hook runs %s "
			    "from PATH, but there is none on PATH", prog), xstrdup(fix));
		free(found);
		return;
	}
	if (prog[0] == '~' && prog[1] == '/' && home)
		path = path_join(home, prog + 2);
	else
		path = xstrdup(prog);
	if (path[0] != '/') {
		check_say(d, CHECK_NOTE, "hook_binary", xasprintf("hook runs %s: not "
		    "checked (a relative path)", prog), NULL);
	} else if (stat(path, &st) < 0) {
		check_say(d, CHECK_FAIL, "hook_binary", xasprintf("hook binary %s: %s "
		    "(%d event%s)", path, strerror(errno), nevents, nevents == 1 ? "" :
		    "s"), xstrdup(fix));
	} else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
	    access(path, X_OK) < 0) {
		check_say(d, CHECK_FAIL, "hook_binary", xasprintf("hook binary %s is "
		    "not an executable file (%d event%s)", path, nevents, nevents == 1 ?
		    "" : "s"), xstrdup(fix));
	} else {
		check_say(d, CHECK_OK, "hook_binary", xasprintf("hook binary %s", path),
		    NULL);
	}
	free(path);
}
