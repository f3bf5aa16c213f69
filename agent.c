/*
 * agent.c: the agents clankers records, one entry each. This table is the
 * only list of them: the hook command, the spool, install, doctor and
 * report reach an agent through its entry, in the table's order, and name
 * none. Adding an agent is its mapper file, its entry here, its install
 * writer and its doctor checks. It holds no logic of its own.
 */
#include <string.h>

#include "clankers.h"

/* The tools that change a file; the rest of the tools with a path read it. */
static const char *const claude_edit_tools[] = {
	"Edit", "Write", "MultiEdit", "NotebookEdit", NULL
};

static const char *const opencode_edit_tools[] = {
	"edit", "write", "patch", "multiedit", NULL
};

static const struct agent agents[] = {
	{
		.name = "claude",
		.source = SOURCE_CLAUDE,
		.edit_tools = claude_edit_tools,
		.event_of = claude_event_of,
		.known = claude_known,
		.identify = claude_identify,
		.receive = claude_receive,
		.store = claude_store,
		.after = claude_after,
		.install = claude_install,
		.doctor = claude_doctor,
		.import = claude_import,
		.import_dirs = 1,
	},
	{
		.name = "opencode",
		.source = SOURCE_OPENCODE,
		.edit_tools = opencode_edit_tools,
		.event_of = opencode_event_of,
		.known = opencode_known,
		.identify = opencode_identify,
		.store = opencode_store,
		.after = opencode_after,
		.install = opencode_install,
		.doctor = opencode_doctor,
		.import = opencode_import,
	},
};

/* The agent users call name; NULL when there is none. */
const struct agent *
agent_find(const char *name)
{
	const struct agent *a;
	size_t i;

	for (i = 0; (a = agent_at(i)) != NULL; i++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* The i-th agent of the table, from 0 (the first is the default); NULL past the last. */
const struct agent *
agent_at(size_t i)
{
	return i < sizeof agents / sizeof *agents ? &agents[i] : NULL;
}

/* 1 when an agent lists tool among its tools that change a file. */
int
agent_edit_tool(const char *tool)
{
	const struct agent *a;
	const char *const *t;
	size_t i;

	for (i = 0; (a = agent_at(i)) != NULL; i++)
		for (t = a->edit_tools; t && *t; t++)
			if (strcmp(*t, tool) == 0)
				return 1;
	return 0;
}
