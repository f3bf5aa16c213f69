/*
 * opencode_setup.c: OpenCode's setup, for `clankers install opencode`,
 * `clankers uninstall opencode` and `clankers doctor`. This version does
 * not record OpenCode: install and uninstall refuse, and doctor notes when
 * OpenCode is configured (its user folder, or a project's opencode.json or
 * .opencode), so that no one takes the silence for a recording.
 *
 * Nothing here writes a file.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "clankers.h"

/*
 * clankers install|uninstall opencode: refused, 64, with the message the
 * table's other unknown agents get (no writer yet).
 */
int
opencode_install(const struct install_req *q)
{
	error("%s: 'opencode' is not supported yet (only 'claude' is)", q->cmd);
	return EXIT_USAGE;
}

/* A note when OpenCode is configured for the user or the project. */
void
opencode_doctor(struct doctor *d)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *project = d->project ? d->project : ".";
	char *cand[3];
	struct stat st;
	size_t i;
	int found = -1;

	cand[0] = xdg && *xdg == '/' ? path_join(xdg, "opencode") :
	    home && *home ? path_join(home, ".config/opencode") : NULL;
	cand[1] = path_join(project, "opencode.json");
	cand[2] = path_join(project, ".opencode");
	for (i = 0; i < 3 && found < 0; i++)
		if (cand[i] && stat(cand[i], &st) == 0)
			found = (int)i;
	if (found >= 0)
		check_say(d, CHECK_NOTE, "opencode", xasprintf("OpenCode is configured "
		    "(%s): this version of clankers does not record OpenCode sessions",
		    cand[found]), NULL);
	for (i = 0; i < 3; i++)
		free(cand[i]);
}

