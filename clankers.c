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
	{ "query", cmd_query, NEED_ROOT, "query [--format table|tsv|csv|json|ndjson] SQL",
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
	  "nothing runs. An unknown table or column is answered with the tables\n"
	  "and columns there are." },
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
	  "            invocations with no log line. Running: tool calls still\n"
	  "            running 10 minutes after their session moved on\n"
	  "  log       error and warning lines, counted by message, newest first\n"
	  "  usage     sessions, messages, tool calls, tokens by kind and cost, from\n"
	  "            the rows of the period, grouped --by day (default), model,\n"
	  "            project or session; --limit N rows (session: 20; 0: all),\n"
	  "            the rest still in the total\n"
	  "  tools     calls, failures, failure rate, p50/p95/max duration by tool\n"
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
	  "import opencode [--db PATH] [--session ID] [--dry-run] [--json]",
	  "Record the sessions OpenCode kept before clankers did, from its own\n"
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
	  "1.2) and Claude Code's transcripts are not imported yet. Exit 0 when\n"
	  "imported, 1 when a database could not be read or written." },
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

/* The data root, as DESIGN.md orders the choices; owned. */
static char *
data_root(const char *opt)
{
	const char *env = getenv("CLANKERS_DATA_PATH");
	const char *xdg = getenv("XDG_DATA_HOME");
	char *home, *root;

	if (opt)
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
 * set, creates the root.
 * Returns -1 only when the root cannot be made (nothing could be stored or
 * spooled); a database folder that cannot be made is left to the database
 * open to fail, so that a hook still spools its event.
 */
static int
setup(struct ctx *ctx, const char *root_opt, const char *db_opt, int create)
{
	const char *env_db = getenv("CLANKERS_DB_PATH");
	const char *env_log = getenv("CLANKERS_LOG_PATH");
	char *slash, *dir;

	ctx->root = data_root(root_opt);
	if (db_opt)
		ctx->db_path = xstrdup(db_opt);
	else if (env_db && *env_db)
		ctx->db_path = xstrdup(env_db);
	else
		ctx->db_path = path_join(ctx->root, "clankers.db");
	ctx->log_dir = xstrdup(env_log && *env_log ? env_log : ctx->root);
	log_open(ctx->log_dir);
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
	    setup(&ctx, root_opt, db_opt, (c->flags & NEED_ROOT) != 0) < 0) {
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
