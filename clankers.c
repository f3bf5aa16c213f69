/*
 * clankers.c: main, the command table and the setup the commands share:
 * where the data root, database and logs live, the file mode (0600 files,
 * 0700 folders: transcripts, prompts and tool output can hold secrets),
 * and the exit status. Each command is a cmd_<name> function in the module
 * of its concern; the table's flags say what main prepares for it.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

enum {
	NEED_ROOT = 1 << 0,  /* resolve and create the data root, open the log */
	NEED_PATHS = 1 << 1, /* resolve the data root, database and logs only */
};

static int cmd_help(int argc, char **argv, struct ctx *ctx);
static int cmd_version(int argc, char **argv, struct ctx *ctx);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	unsigned flags;
	const char *usage;
	const char *help;
} commands[] = {
	{ "hook", cmd_hook, NEED_ROOT, "hook [AGENT] [EVENT] < payload.json",
	  "Record one agent event read from stdin. AGENT is claude (the default)\n"
	  "or opencode. For Claude Code, EVENT is the hook event name\n"
	  "(SessionStart, PreToolUse, ...); without it, the payload's\n"
	  "hook_event_name is used. `hook opencode` is what the OpenCode plugin\n"
	  "runs: the event's type is in the payload. Prints nothing on stdout.\n"
	  "Exits 0 when the event was stored or spooled, 1 when it could be\n"
	  "neither, never 2." },
	{ "session-end", cmd_session_end, NEED_ROOT,
	  "session-end --transcript PATH [--session ID] [--full]",
	  "Bring a Claude Code session up to date from its transcript: one\n"
	  "message row per prompt and per response, tool calls, and the session's\n"
	  "token totals and cost counted from them. The subagent transcripts in\n"
	  "<session>/subagents/ are read too. Reads only what was added since the\n"
	  "last read, so running it again changes nothing. --session ID alone\n"
	  "uses the transcript the hooks recorded for that session; --session\n"
	  "with --transcript names the session when the file does not. --full\n"
	  "reads every file again from the start (the rows come out the same)." },
	{ "query", cmd_query, NEED_ROOT,
	  "query [--format table|tsv|csv|json|ndjson] [--timeout SECONDS] SQL",
	  "Run read-only SQL over the database and print the rows: a table on a\n"
	  "terminal, else tsv. --format (or --format=) picks one:\n"
	  "  table   aligned columns under a header, numbers to the right, NULL\n"
	  "          empty; control characters escaped, cells cut at 60 columns\n"
	  "  tsv     a header line, then one line per row; tab, newline, CR and\n"
	  "          backslash written \\t \\n \\r \\\\; NULL empty\n"
	  "  csv     RFC 4180 (CRLF) with a header; NULL empty, '' written \"\"\n"
	  "  json    one array of objects; ndjson: one object per line. Numbers\n"
	  "          are numbers, NULL is null, a blob is its bytes in hex\n"
	  "Only table cuts anything; text that is not UTF-8 gets U+FFFD. SQL '-'\n"
	  "reads it from stdin. Several statements may be given (a PRAGMA before\n"
	  "a SELECT), but only one may return rows. The database is opened\n"
	  "read-only and SQLite checks every statement before any runs: one that\n"
	  "would write, whatever it hides behind (a CTE, INSERT ... SELECT,\n"
	  "PRAGMA, VACUUM INTO), or that attaches a database, is refused and\n"
	  "nothing runs; PRAGMA journal_mode (a read) is let through. An unknown\n"
	  "table or column is answered with the tables and columns there are.\n"
	  "--timeout SECONDS stops a statement that runs longer (exit 1). A\n"
	  "table is printed 1,000 rows at a time: a column can widen from one\n"
	  "batch to the next, and memory stays that of a batch." },
	{ "report", cmd_report, NEED_PATHS,
	  "report [--since WHEN] [--until WHEN] [--by day|model|project|session]\n"
	  "                  [--source NAME] [--project NAME] [--session ID] [--limit N]\n"
	  "                  [--section NAME,...] [--json | --csv]",
	  "The audit in one command, over the database (read-only) and the JSONL\n"
	  "logs of the period. Sections (--section picks some, comma-separated):\n"
	  "  tables    each table's rows, newest row and status: working, empty, or\n"
	  "            errors (the period's log has error lines from what writes it)\n"
	  "  gaps      Not saved: sessions missing a model, project path, title or\n"
	  "            token totals, or with unreadable transcript lines (by\n"
	  "            source); models with no price (their cost is unknown, never\n"
	  "            $0); hook invocations logged as lost, rejected, spooled or\n"
	  "            stored that have no database row. Not logged: stored hook\n"
	  "            invocations with no log line. Failed: sessions whose turn\n"
	  "            ended in an API error. Running: tool calls still\n"
	  "            running 10 minutes after their session moved on\n"
	  "  log       error and warning lines, counted by message, newest first\n"
	  "  usage     sessions, messages, tool calls, tokens by kind and cost, from\n"
	  "            the rows of the period, grouped --by day (default), model,\n"
	  "            project or session; --limit N rows (session: 20; 0: all),\n"
	  "            the rest still in the total\n"
	  "  tools     calls, failures, failure rate, p50/p95/max duration by tool;\n"
	  "            the calls a permission prompt denied counted apart (denied)\n"
	  "  mcp       the same for MCP tools (mcp__SERVER__TOOL) by server\n"
	  "  files     the files most touched by file tools\n"
	  "  overhead  clankers' own time per hook invocation by event (p50, p95,\n"
	  "            max), from the log's duration_us\n"
	  "WHEN is a UTC date YYYY-MM-DD (or YYYYMMDD; --until takes in the whole\n"
	  "day), YYYY-MM-DDTHH:MM[:SS][Z], or an age back from now: 30m, 12h, 7d,\n"
	  "2w. --source (claude-code, opencode), --project (the project's name, or\n"
	  "a folder: its sessions and those below it) and --session (an id or a\n"
	  "unique prefix) filter the database sections; the log sections follow\n"
	  "the period and --session. Output: aligned tables (colour on a terminal\n"
	  "unless NO_COLOR is set), --json (one object, its shape in README.md),\n"
	  "or --csv (one section: usage unless --section names another). It\n"
	  "changes no data and writes no log line; a database an older clankers\n"
	  "made is first brought to this schema, as the next hook would. Exit 0\n"
	  "when the report was made, 1 when it could not be." },
	{ "search", cmd_search, NEED_PATHS,
	  "search QUERY [--in prompts,messages,tools,errors,titles] [--source NAME]\n"
	  "                  [--project NAME] [--session ID] [--since WHEN] [--until WHEN]\n"
	  "                  [--limit N] [--json | --ndjson]",
	  "Full-text search (SQLite FTS5) over every session recorded: prompts,\n"
	  "responses, tool calls (name, input, output, error, file), API errors\n"
	  "and titles. The words of QUERY are FTS5's query syntax: words (all of\n"
	  "them must match), \"a phrase\", prefix*, AND, OR, NOT, (groups),\n"
	  "NEAR(a b), and the columns text, tool, input, output, error, file\n"
	  "(output: timeout). A query FTS5 rejects that uses none of that syntax\n"
	  "(store.c, rm -rf) is taken word by word, each word a phrase; any other\n"
	  "it rejects is a usage error (exit 64). Results are ranked by bm25,\n"
	  "newest first on ties: the session (8 characters of its id), time (UTC),\n"
	  "what matched (prompt, response, tool NAME (status), error TYPE, title),\n"
	  "project and title, then a snippet, its terms marked [like this] (bold\n"
	  "on a terminal). --in keeps some kinds; --source, --project, --session\n"
	  "(an id or a unique prefix), --since and --until as for report; --limit N\n"
	  "results (default 20, 0: all). --json prints one array, --ndjson one\n"
	  "object per line (snippets unmarked). The index lives in the database\n"
	  "and catches up with new and changed rows first (see index): hooks do\n"
	  "not pay for it." },
	{ "index", cmd_index, NEED_PATHS, "index [--full]",
	  "Bring the search index up to date, as each search does first: the\n"
	  "sessions touched since the last time are compared row by row with what\n"
	  "is indexed, so a replaced or deleted row leaves no stale or second\n"
	  "entry. --full builds it again from nothing. Commits every 0.2 s, so\n"
	  "hooks wait little; shows progress on a terminal; prints one line of\n"
	  "counts. The first build of a large history takes a while (see README)." },
	{ "show", cmd_show, NEED_PATHS, "show SESSION [--tools] [--json] [--no-pager]",
	  "One session read back as a conversation, in order: prompts, responses,\n"
	  "each tool call (its input in one line, status, duration, the first\n"
	  "lines of its output and error), compactions and API errors, subagent\n"
	  "turns marked; then the totals: prompts, responses, tool calls, tokens\n"
	  "and cost. SESSION is an id or a unique prefix of one (report and search\n"
	  "print 8 characters); a prefix of several sessions lists them, and that\n"
	  "and an unknown id exit 1. --tools: inputs, outputs and errors whole.\n"
	  "--json: one object (session, items, totals). On a terminal it goes\n"
	  "through $PAGER (else less, LESS=FRX when unset), in colour unless\n"
	  "NO_COLOR is set; --no-pager: straight out. Piped: plain text. Stored\n"
	  "text is shown with its control characters escaped. Read-only." },
	{ "doctor", cmd_doctor, NEED_PATHS, "doctor [--json] [--project DIR]",
	  "Check that clankers can record, and say how to fix what stops it: one\n"
	  "line per finding, ok, note, warn or FAIL, with its fix. Checked: the\n"
	  "data root, the database with its -wal and -shm, the spool and the log\n"
	  "files are yours and private (folders 0700, files 0600); the database\n"
	  "is SQLite, in WAL mode, of this clankers' schema version and passes\n"
	  "quick_check; no event waits in the spool; the log folder is writable,\n"
	  "and the errors and warnings logged today and yesterday (UTC); the\n"
	  "price table loads; every event has a clankers hook in the Claude Code\n"
	  "settings of the user (~/.claude or $CLAUDE_CONFIG_DIR) or the project\n"
	  "(.claude/settings.json and settings.local.json of the current folder,\n"
	  "or of --project DIR), or from an enabled clankers plugin, and the\n"
	  "binary it runs is there. A note says when OpenCode is configured: this\n"
	  "version does not record it. Doctor only reads: it creates and changes\n"
	  "nothing, not even a log line. --json prints an array of objects\n"
	  "{check, status (ok, note, warn, fail), message, fix (null if none)}.\n"
	  "Exits 0 when nothing FAILs (notes and warnings allowed), else 1." },
	{ "install", cmd_install, 0,
	  "install claude|opencode [--project [DIR]] [--settings FILE] [--shell] [--dry-run]",
	  "Register the clankers hook for every Claude Code event worth recording\n"
	  "(all but MessageDisplay, WorktreeCreate and WorktreeRemove) in your\n"
	  "settings (~/.claude/settings.json, or $CLAUDE_CONFIG_DIR/settings.json;\n"
	  "--project: DIR/.claude/settings.json, DIR defaulting to the current\n"
	  "folder; --settings: that file). Other settings and hooks are kept in\n"
	  "their order; a clankers hook already there, from any path or in either\n"
	  "form, is updated in place, never doubled. The file is backed up first\n"
	  "(FILE.clankers-backup) and replaced atomically; a file that is not valid\n"
	  "JSON, or whose \"hooks\" is not an object of arrays, is left untouched\n"
	  "(exit 1). The hooks run this binary by its absolute path in exec form\n"
	  "(Claude Code 2.1.139+); --shell writes the shell form older clients\n"
	  "need. --dry-run prints the file as it would be written (the summary\n"
	  "goes to stderr) and changes nothing.\n"
	  "\n"
	  "install opencode [--project [DIR]] [--dry-run] writes the clankers\n"
	  "plugin for OpenCode, with this binary's absolute path in it, as\n"
	  "clankers.js into OpenCode's plugin folder: $XDG_CONFIG_HOME/opencode/\n"
	  "plugin (else ~/.config/opencode/plugin), or DIR/.opencode/plugin. A\n"
	  "clankers.js that is not ours is left alone (exit 1); ours is replaced\n"
	  "only when it changes, backed up first." },
	{ "uninstall", cmd_uninstall, 0,
	  "uninstall claude|opencode [--project [DIR]] [--settings FILE] [--dry-run]",
	  "Remove the clankers hooks (any path, either form) from those settings,\n"
	  "with the matcher groups, events and \"hooks\" they leave empty; every\n"
	  "other hook and setting stays as it was. Backed up first; --dry-run\n"
	  "prints the result and changes nothing. uninstall opencode removes the\n"
	  "plugin install opencode wrote (the user's, or --project's)." },
	{ "import", cmd_import, NEED_ROOT,
	  "import claude [DIR...] [--since WHEN] [--dry-run] [--json]\n"
	  "       clankers import opencode [--db PATH] [--session ID] [--dry-run] [--json]",
	  "import claude: record the sessions in Claude Code's transcripts (which\n"
	  "it deletes after 30 days): those under $CLAUDE_CONFIG_DIR/projects,\n"
	  "~/.config/claude/projects and ~/.claude/projects, or under each DIR\n"
	  "(DIR/projects when there is one; a .jsonl file is one session), with\n"
	  "their subagents/ files. Each is read by the reader the hooks use, so\n"
	  "the rows are the ones the hooks make, and a file already read to its\n"
	  "end (same device, inode and size) is not opened again: a second run\n"
	  "reads nothing. --since WHEN (YYYY-MM-DD or an age: 30d) leaves out\n"
	  "sessions whose files are older. Files that cannot be read (a folder,\n"
	  "a FIFO, empty, unreadable, bad lines, changed while read) are named,\n"
	  "never fatal. Ctrl-C stops between two sessions; run it again to go on.\n"
	  "\n"
	  "import opencode: record the sessions OpenCode kept before clankers did, from its own\n"
	  "database (read-only; it may be in use): --db PATH, else $OPENCODE_DB\n"
	  "(absolute, or in OpenCode's data folder), else opencode.db in\n"
	  "$XDG_DATA_HOME/opencode (~/.local/share/opencode), else the one\n"
	  "opencode-<channel>.db there. The rows are those OpenCode's events\n"
	  "would have made, so running it again, or after the events, changes\n"
	  "nothing; one transaction per session, so an interrupted import keeps\n"
	  "what it did. --session ID: that session alone. --dry-run counts and\n"
	  "keeps nothing. Prints one line (sessions new, updated, unchanged;\n"
	  "messages, tool calls, tokens and cost they hold), or with --json one\n"
	  "object. A database whose tables lack what is read is refused with\n"
	  "OpenCode's version, never read half. OpenCode's JSON storage (before\n"
	  "1.2) is not imported. Exit 0 when imported, 1 when a database could\n"
	  "not be read or written or the import was interrupted." },
	{ "help", cmd_help, 0, "help [COMMAND]", "Show help for clankers or a command." },
	{ "version", cmd_version, 0, "version", "Print the version." },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: clankers [--data-root DIR] [--db PATH] COMMAND [ARGS]\n\n"
	    "Records what AI coding agents do into a local SQLite database and a\n"
	    "daily JSONL log.\n\ncommands:\n", f);
	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  clankers %s\n", commands[i].usage);
	fputs("\noptions:\n"
	    "  --data-root DIR  data root (else $CLANKERS_DATA_PATH, else\n"
	    "                   $XDG_DATA_HOME/clankers, else ~/.local/share/clankers)\n"
	    "  --db PATH        database (else $CLANKERS_DB_PATH, else DIR/clankers.db)\n"
	    "  -h, --help       this help;  -V, --version  the version\n"
	    "\nenvironment:\n"
	    "  CLANKERS_LOG_PATH    folder of the JSONL logs (default: the data root)\n"
	    "  CLANKERS_LOG_LEVEL   debug, info (default), warn or error\n"
	    "  CLANKERS_TIMEOUT_MS  time a hook may wait for a busy database before\n"
	    "                       it spools the event (default 1000)\n"
	    "  CLANKERS_OUTPUT_LIMIT  bytes of tool output kept (default 65536)\n"
	    "  CLANKERS_PRICES      price table that overrides the built-in one\n"
	    "                       (default: DIR/prices.tsv when it exists)\n"
	    "  CLANKERS_REDACT      0: store and log secrets as they came (default:\n"
	    "                       redacted; README.md, Secrets)\n"
	    "\nexit status: 0 success (hook: stored or spooled); 1 failure (hook:\n"
	    "event lost or unusable); 64 bad command line. Never 2.\n", f);
}

static int
cmd_help(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;

	(void)ctx;
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if ((c = find_command(argv[1])) == NULL) {
		error("no such command: '%s'", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: clankers %s\n\n%s\n", c->usage, c->help);
	return EXIT_OK;
}

static int
cmd_version(int argc, char **argv, struct ctx *ctx)
{
	(void)argc, (void)argv, (void)ctx;
	printf("clankers %s (sqlite %s, cJSON %s, schema %d)\n", CLANKERS_VERSION,
	    sqlite3_libversion(), cJSON_Version(), db_schema_version());
	return EXIT_OK;
}

static char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return xstrdup(h);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir)
		return xstrdup(pw->pw_dir);
	return xstrdup("/");
}

/*
 * A path given to a hook that is relative (to the folder the hook runs in,
 * which moves with the agent's cd): NULL, and *ignored names it (the first
 * one), so that one session is never split across folders. Else path.
 */
static const char *
hook_path(const char *path, const char *what, int hook, const char **ignored)
{
	if (!hook || path == NULL || *path == '\0' || *path == '/')
		return path;
	if (*ignored == NULL)
		*ignored = what;
	return NULL;
}

/*
 * The data root, as DESIGN.md orders the choices; owned. In hook mode a
 * relative one is passed over (hook_path).
 */
static char *
data_root(const char *opt, int hook, const char **ignored)
{
	const char *env = hook_path(getenv("CLANKERS_DATA_PATH"),
	    "CLANKERS_DATA_PATH", hook, ignored);
	const char *xdg = getenv("XDG_DATA_HOME");
	char *home, *root;

	if ((opt = hook_path(opt, "--data-root", hook, ignored)) != NULL)
		return xstrdup(opt);
	if (env && *env)
		return xstrdup(env);
	if (xdg && *xdg == '/')
		return path_join(xdg, "clankers");
	home = home_dir();
#ifdef __APPLE__
	root = xasprintf("%s/Library/Application Support/clankers", home);
#else
	root = xasprintf("%s/.local/share/clankers", home);
#endif
	free(home);
	return root;
}

/*
 * Resolves the data root, database and log folder and, when create is
 * set, creates the root. A hook passes over a relative path (hook_path):
 * its event goes where that path is not needed (the default root, or the
 * root's own database and log), and a warn line in that log says which
 * was passed over; doctor says it too.
 * Returns -1 only when the root cannot be made (nothing could be stored or
 * spooled); a database folder that cannot be made is left to the database
 * open to fail, so that a hook still spools its event.
 */
static int
setup(struct ctx *ctx, const char *root_opt, const char *db_opt, int create,
    int hook)
{
	const char *ignored = NULL, *env_db, *env_log;
	char *slash, *dir;

	ctx->root = data_root(root_opt, hook, &ignored);
	env_db = hook_path(getenv("CLANKERS_DB_PATH"), "CLANKERS_DB_PATH", hook,
	    &ignored);
	env_log = hook_path(getenv("CLANKERS_LOG_PATH"), "CLANKERS_LOG_PATH", hook,
	    &ignored);
	db_opt = hook_path(db_opt, "--db", hook, &ignored);
	if (db_opt)
		ctx->db_path = xstrdup(db_opt);
	else if (env_db && *env_db)
		ctx->db_path = xstrdup(env_db);
	else
		ctx->db_path = path_join(ctx->root, "clankers.db");
	ctx->log_dir = xstrdup(env_log && *env_log ? env_log : ctx->root);
	log_open(ctx->log_dir);
	if (ignored)
		log_msg(LOG_WARN, "main", "%s is a relative path: a hook runs in "
		    "whatever folder the agent is in, so it is passed over; the "
		    "event goes to '%s'; make it absolute", ignored, ctx->db_path);
	if (!create)
		return 0;
	if (mkdir_p(ctx->root, 0700) < 0) {
		error("cannot create data root '%s': %s", ctx->root, strerror(errno));
		log_msg(LOG_ERROR, "main", "cannot create data root '%s': %s",
		    ctx->root, strerror(errno));
		return -1;
	}
	if ((slash = strrchr(ctx->db_path, '/')) != NULL && slash != ctx->db_path) {
		dir = xstrndup(ctx->db_path, (size_t)(slash - ctx->db_path));
		if (mkdir_p(dir, 0700) < 0)
			log_msg(LOG_WARN, "main", "cannot create '%s': %s", dir,
			    strerror(errno));
		free(dir);
	}
	return 0;
}

static void *
cjson_malloc(size_t n)
{
	return xmalloc(n);
}

int
main(int argc, char **argv)
{
	struct ctx ctx = {0};
	const char *root_opt = NULL, *db_opt = NULL;
	const struct command *c;
	cJSON_Hooks hooks = { cjson_malloc, free };
	int i, status;

	ctx.start_us = mono_us();
	umask(077);
	cJSON_InitHooks(&hooks);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			cmd_version(0, NULL, &ctx);
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
		} else if (strcmp(a, "--data-root") == 0 && i + 1 < argc) {
			root_opt = argv[++i];
		} else if (strncmp(a, "--data-root=", 12) == 0) {
			root_opt = a + 12;
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			db_opt = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			db_opt = a + 5;
		} else {
			error("unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((c = find_command(argv[i])) == NULL) {
		error("'%s' is not a clankers command; see 'clankers --help'", argv[i]);
		return EXIT_USAGE;
	}
	if (argc - i > 1 && (strcmp(argv[i + 1], "-h") == 0 ||
	    strcmp(argv[i + 1], "--help") == 0)) {
		char *args[] = { "help", (char *)c->name, NULL };

		status = cmd_help(2, args, &ctx);
	} else if ((c->flags & (NEED_ROOT | NEED_PATHS)) &&
	    setup(&ctx, root_opt, db_opt, (c->flags & NEED_ROOT) != 0,
	    c->fn == cmd_hook) < 0) {
		status = EXIT_FAIL;
	} else {
		status = c->fn(argc - i, argv + i, &ctx);
	}
	log_close();
	free(ctx.root);
	free(ctx.db_path);
	free(ctx.log_dir);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to stdout");
		status = EXIT_FAIL;
	}
	sqlite3_shutdown();
	return status;
}
