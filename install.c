/*
 * install.c: `clankers install AGENT` and `clankers uninstall AGENT`. It
 * takes the agent word and the options every agent's writer shares
 * (--dry-run, --project [DIR]), finds the agent in agent.c's table and
 * hands the rest of the command line to its install writer, which reads
 * its own options and edits the agent's config (claude_setup.c,
 * opencode_setup.c, with config.c's reading, backup and atomic replace).
 * Nothing here knows a config file, and nothing here touches the database
 * or the data root.
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/*
 * Fills q from argv (argv[0] the command, argv[1] the agent word): the
 * common options are taken out, and q->argv gets the other words, in
 * their order (owned array, borrowed words; free it). Never fails.
 */
static void
parse_common(int argc, char **argv, struct install_req *q)
{
	int i;

	q->argv = xmalloc((size_t)argc * sizeof *q->argv);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dry-run") == 0) {
			q->dry_run = 1;
		} else if (strcmp(a, "--project") == 0) {
			/* DIR is optional: the next word, unless an option. */
			q->project = i + 1 < argc && argv[i + 1][0] != '-' ?
			    argv[++i] : "";
		} else if (strncmp(a, "--project=", 10) == 0) {
			q->project = a + 10;
		} else {
			q->argv[q->argc++] = argv[i];
		}
	}
}

/*
 * clankers install AGENT [--project [DIR]] [--dry-run] [AGENT'S OPTIONS]:
 * the agent's writer's exit code (0 when installed, or already; 1 when
 * its config could not be read, parsed or written), 64 on a bad command
 * line: no agent, an unknown one, or options its writer refuses.
 */
int
cmd_install(int argc, char **argv, struct ctx *ctx)
{
	const char *cmd = argv[0];
	const struct agent *a;
	struct install_req q = {0};
	int rc;

	(void)ctx;
	if (argc < 2 || argv[1][0] == '-') {
		error("%s: which agent? 'clankers %s claude'", cmd, cmd);
		return EXIT_USAGE;
	}
	if ((a = agent_find(argv[1])) == NULL) {
		error("%s: '%s' is not supported yet (only 'claude' is)", cmd,
		    argv[1]);
		return EXIT_USAGE;
	}
	q.cmd = cmd;
	q.remove = strcmp(cmd, "uninstall") == 0;
	parse_common(argc, argv, &q);
	rc = a->install(&q);
	free(q.argv);
	return rc;
}

/* clankers uninstall AGENT [...]: as cmd_install, taking ours out. */
int
cmd_uninstall(int argc, char **argv, struct ctx *ctx)
{
	return cmd_install(argc, argv, ctx);
}
