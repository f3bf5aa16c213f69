/*
 * agent.c: the agents clankers knows, in one table: the word users type,
 * the source their sessions are stored under, and the functions that
 * install clankers into the agent and check it (their setup files). The
 * commands reach agents only through this table, in its order; it holds
 * no logic of its own.
 */
#include <string.h>

#include "clankers.h"

static const struct agent agents[] = {
	{ "claude", "claude-code", claude_install, claude_doctor },
	{ "opencode", "opencode", opencode_install, opencode_doctor },
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

/* The i-th agent of the table, from 0; NULL past the last. */
const struct agent *
agent_at(size_t i)
{
	return i < sizeof agents / sizeof *agents ? &agents[i] : NULL;
}
