/*
 * project.c: which project a working directory belongs to. Walks up from
 * the directory to the nearest .git (a folder, or the file a worktree or
 * submodule has) and reads HEAD for the branch. No git process is run: a
 * hook pays for every exec. Worktrees are named after their main repository.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clankers.h"

/* Reads the first line of path (at most 4 KiB); owned, or NULL. */
static char *
first_line(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	char *nl;

	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	return xstrdup(line);
}

static char *
basename_of(const char *path)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	return n > (size_t)(s - path) ? xstrndup(s, n - (size_t)(s - path)) : NULL;
}

/* Branch name from a HEAD file: "ref: refs/heads/x" or a detached hash. */
static char *
head_branch(const char *gitdir)
{
	char *path = path_join(gitdir, "HEAD"), *line, *b = NULL;

	line = first_line(path);
	free(path);
	if (line == NULL)
		return NULL;
	if (strncmp(line, "ref: refs/heads/", 16) == 0)
		b = xstrdup(line + 16);
	else if (strncmp(line, "ref: ", 5) == 0)
		b = xstrdup(line + 5);
	else if (strlen(line) >= 12)
		b = xstrndup(line, 12);  /* detached: a short commit id */
	free(line);
	return b;
}

/*
 * Fills p for cwd. p->root is NULL outside git; p->name is then the
 * basename of cwd. Release with project_release.
 */
void
project_find(const char *cwd, struct project *p)
{
	char *dir, *dotgit, *gitdir = NULL, *s;
	struct stat st;

	memset(p, 0, sizeof *p);
	if (cwd == NULL || cwd[0] != '/')
		return;
	dir = xstrdup(cwd);
	for (;;) {
		dotgit = path_join(dir, ".git");
		if (stat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				gitdir = dotgit;
				break;
			}
			if (S_ISREG(st.st_mode)) {
				char *line = first_line(dotgit);

				free(dotgit);
				if (line && strncmp(line, "gitdir: ", 8) == 0) {
					if (line[8] == '/')
						gitdir = xstrdup(line + 8);
					else
						gitdir = path_join(dir, line + 8);
				}
				free(line);
				if (gitdir)
					break;
				dotgit = NULL;
			}
		}
		free(dotgit);
		s = strrchr(dir, '/');
		if (s == NULL || s == dir)
			break;
		*s = '\0';
	}
	if (gitdir == NULL) {
		free(dir);
		p->name = basename_of(cwd);
		return;
	}
	p->root = dir;
	p->branch = head_branch(gitdir);
	/* A linked worktree's gitdir is <main>/.git/worktrees/<name>. */
	if ((s = strstr(gitdir, "/.git/worktrees/")) != NULL) {
		*s = '\0';
		p->name = basename_of(gitdir);
	} else {
		p->name = basename_of(dir);
	}
	free(gitdir);
}

void
project_release(struct project *p)
{
	free(p->root);
	free(p->name);
	free(p->branch);
	memset(p, 0, sizeof *p);
}
