#!/bin/sh
# The command line around the hook: help, version, exit codes, where data
# lives, file modes, the database's pragmas, log levels and retention,
# make install.
. "$(dirname "$0")/lib.sh"

P=$FIX/claude/hooks/single/UserPromptSubmit.seeknal-2026-02.json

fresh
run --help
is "--help exits 0 and lists hook" "0|1" "$RC|$(grep -c 'clankers hook \[AGENT\] \[EVENT\]' "$OUT")"
ok "--help documents the exit codes" grep -q 'Never 2' "$OUT"
run help hook
is "help hook" "0|usage: clankers hook [AGENT] [EVENT] < payload.json" "$RC|$(head -n 1 "$OUT")"
run hook --help
is "hook --help needs no database" "0|no db" "$RC|$([ -e "$DB" ] && echo db || echo 'no db')"
run --version
ok "--version names version, sqlite, cJSON and schema" grep -qE '^clankers [0-9.]+ \(sqlite [0-9.]+, cJSON [0-9.]+, schema [0-9]+\)$' "$OUT"
run help nosuch
is "help of an unknown command exits 64" 64 "$RC"

# --- where data lives ---
fresh
hook UserPromptSubmit "$P"
is "CLANKERS_DATA_PATH: database and today's log there" "yes|yes" \
	"$([ -f "$DB" ] && echo yes)|$([ -f "$ROOT/clankers-$(date -u +%Y-%m-%d).jsonl" ] && echo yes)"
hook UserPromptSubmit "$P" --data-root "$ROOT/opt"
is "--data-root wins over CLANKERS_DATA_PATH" 1 "$(sqlite3 "$ROOT/opt/clankers.db" 'select count(*) from sessions')"
fresh
unset CLANKERS_DATA_PATH
hook UserPromptSubmit "$P"
is "default: ~/.local/share/clankers" 1 "$(sqlite3 "$HOME/.local/share/clankers/clankers.db" 'select count(*) from sessions')"
XDG_DATA_HOME=$HOME/xdg hook UserPromptSubmit "$P"
is "XDG_DATA_HOME/clankers" 1 "$(sqlite3 "$HOME/xdg/clankers/clankers.db" 'select count(*) from sessions')"
CLANKERS_DB_PATH=$HOME/other/x.db CLANKERS_LOG_PATH=$HOME/logs hook UserPromptSubmit "$P"
is "CLANKERS_DB_PATH and CLANKERS_LOG_PATH" "1|1" \
	"$(sqlite3 "$HOME/other/x.db" 'select count(*) from hook_events')|$(cat "$HOME"/logs/clankers-*.jsonl | wc -l | tr -d ' ')"
fresh

# A relative data path: hooks run in whatever folder the agent is in, so one
# session would be split across folders: a hook passes it over, stores the
# event in the default root, and says so there; doctor warns.
fresh
unset CLANKERS_DATA_PATH
mkdir -p "$HOME/p1" "$HOME/p2"
DEF=$HOME/.local/share/clankers
for d in p1 p2; do
	(cd "$HOME/$d" && CLANKERS_DATA_PATH=.dev hook UserPromptSubmit "$P" && echo "$RC" >"$TMP/rc")
	is "relative CLANKERS_DATA_PATH, hook in $d: exit 0, nothing on stdout" 0 "$(cat "$TMP/rc")"
done
is "... no .dev made in either folder; both events in the default root" "absent|absent|2" \
	"$([ -e "$HOME/p1/.dev" ] && echo made || echo absent)|$([ -e "$HOME/p2/.dev" ] && echo made || echo absent)|$(sqlite3 "$DEF/clankers.db" 'select count(*) from hook_events')"
is "... a warn line in that log names the variable, twice" "2" \
	"$(cat "$DEF"/clankers-*.jsonl | jq -r 'select(.level == "warn" and .component == "main") | .message' | grep -c '^CLANKERS_DATA_PATH is a relative path')"
(cd "$HOME/p1" && CLANKERS_DB_PATH=x.db CLANKERS_LOG_PATH=logs hook Stop "$FIX/claude/hooks/single/Stop.seeknal-2026-02.json")
is "relative CLANKERS_DB_PATH and CLANKERS_LOG_PATH: passed over too" "3|absent" \
	"$(sqlite3 "$DEF/clankers.db" 'select count(*) from hook_events')|$([ -e "$HOME/p1/x.db" ] || [ -e "$HOME/p1/logs" ] && echo made || echo absent)"
(cd "$HOME/p1" && CLANKERS_DATA_PATH=.dev $WRAPPER "$CLANKERS" doctor >"$TMP/out" 2>&1)
ok "doctor warns, with the absolute path as the fix" grep -q -A1 "^warn  CLANKERS_DATA_PATH is a relative path ('.dev'): hooks .* pass it over" "$TMP/out"
ok "... the fix" grep -q "fix: export CLANKERS_DATA_PATH=$HOME/p1/.dev" "$TMP/out"
(cd "$HOME/p1" && CLANKERS_DATA_PATH=.dev $WRAPPER "$CLANKERS" query "select 1" >/dev/null 2>&1)
is "commands typed by hand still read it from the current folder (a developer's root)" made \
	"$([ -d "$HOME/p1/.dev" ] && echo made || echo absent)"
fresh

# --- modes: secrets stay with their owner ---
hook UserPromptSubmit "$P"
hook PreToolUse "$FIX/claude/hooks/single/PreToolUse-Bash.seeknal-2026-02.json"
is "data root 0700" 700 "$(stat -c %a "$ROOT")"
is "database and log 0600" "600 600" \
	"$(stat -c %a "$DB" "$ROOT"/clankers-*.jsonl | tr '\n' ' ' | sed 's/ $//')"
# The WAL and shared-memory files live while a connection is open: hold a
# read transaction in the sqlite3 shell (umask 022) while a hook writes.
is "WAL and shared memory 0600 while in use" "600 600" "$(umask 022; sqlite3 "$DB" 'BEGIN' \
	'SELECT count(*) FROM sessions' \
	".shell $CLANKERS hook Stop < $FIX/claude/hooks/single/Stop.seeknal-2026-02.json" \
	".shell stat -c %a $DB-wal $DB-shm" 'COMMIT' | grep -E '^[0-7]{3}$' | tr '\n' ' ' | sed 's/ $//')"
(umask 022; hook Stop "$FIX/claude/hooks/single/Stop.seeknal-2026-02.json" --data-root "$ROOT/umask")
is "0600 whatever the caller's umask" "700 600 600" "$(stat -c %a "$ROOT/umask" "$ROOT/umask/clankers.db" "$ROOT"/umask/clankers-*.jsonl | tr '\n' ' ' | sed 's/ $//')"

# --- the database ---
is "journal mode WAL" wal "$(q 'pragma journal_mode')"
is "schema version 7" 7 "$(q 'pragma user_version')"
is "tables" "client_usage compaction_events hook_events messages model_switches search_rows search_state search_text search_text_config search_text_content search_text_data search_text_docsize search_text_idx session_errors sessions tools transcript_files usage_days" \
	"$(q "select group_concat(name, ' ') from (select name from sqlite_master where type = 'table' order by name)")"

# A database made by the first release (schema version 1) moves forward and keeps its rows.
mkdir -p "$ROOT/v1"
{ sed '/^-- version 2/,$d' schema.sql; echo "PRAGMA user_version = 1;"
  echo "INSERT INTO sessions (id, source, title, created_at, updated_at) VALUES ('old', 'claude-code', 'kept', 1, 1);"; } |
	sqlite3 "$ROOT/v1/clankers.db"
hook Stop "$FIX/claude/hooks/single/Stop.seeknal-2026-02.json" --data-root "$ROOT/v1"
is "a version 1 database is migrated to 7" 7 "$(sqlite3 "$ROOT/v1/clankers.db" 'pragma user_version')"
is "its rows are kept" "kept" "$(sqlite3 "$ROOT/v1/clankers.db" "select title from sessions where id = 'old'")"
is "the new columns and view exist" "0|" "$(sqlite3 "$ROOT/v1/clankers.db" "select count(*), sum(cost_usd) from session_models")"
is "version 3: tools_stats takes the place of tools_session" "tools_launched tools_running tools_stats" \
	"$(sqlite3 "$ROOT/v1/clankers.db" "select group_concat(name, ' ') from (select name from sqlite_master where tbl_name = 'tools' and name not like 'sqlite_%' and type = 'index' order by name)")"
is "version 4: messages_usage alone finds a session's messages" "messages_usage" \
	"$(sqlite3 "$ROOT/v1/clankers.db" "select group_concat(name, ' ') from (select name from sqlite_master where tbl_name = 'messages' and name not like 'sqlite_%' and type = 'index' order by name)")"
is "version 4: a session's messages are found through messages_usage" 1 \
	"$(sqlite3 "$ROOT/v1/clankers.db" "explain query plan select text_content from messages where session_id = 'old'" | grep -c 'USING INDEX messages_usage')"

# --- log level ---
fresh
CLANKERS_LOG_LEVEL=warn hook UserPromptSubmit "$P"
is "CLANKERS_LOG_LEVEL=warn drops info lines" 0 "$(log_lines | wc -l | tr -d ' ')"
jq -c '.cwd = 7' "$P" >"$TMP/odd.json"
CLANKERS_LOG_LEVEL=warn hook UserPromptSubmit "$TMP/odd.json"
is "... and keeps warn lines" "warn|cwd" "$(log_lines | jq -r '[.level, .bad_fields[0]] | join("|")')"
CLANKERS_LOG_LEVEL=debug hook UserPromptSubmit "$P"
is "debug keeps info lines" 2 "$(log_lines | wc -l | tr -d ' ')"

# --- retention: a new day's file prunes files older than 30 days ---
fresh
mkdir -p "$ROOT"
old=$(date -u -d '-31 days' +%Y-%m-%d)
recent=$(date -u -d '-29 days' +%Y-%m-%d)
echo '{}' >"$ROOT/clankers-$old.jsonl"
echo '{}' >"$ROOT/clankers-$recent.jsonl"
echo 'keep' >"$ROOT/clankers-notes.txt"
hook UserPromptSubmit "$P"
is "31 days old removed, 29 days kept, other files kept" "gone|kept|kept" \
	"$([ -e "$ROOT/clankers-$old.jsonl" ] && echo kept || echo gone)|$([ -e "$ROOT/clankers-$recent.jsonl" ] && echo kept || echo gone)|$([ -e "$ROOT/clankers-notes.txt" ] && echo kept || echo gone)"
echo '{}' >"$ROOT/clankers-$old.jsonl"
hook UserPromptSubmit "$P"
is "no sweep when today's file already exists" kept "$([ -e "$ROOT/clankers-$old.jsonl" ] && echo kept || echo gone)"

# --- make install / uninstall honour PREFIX and DESTDIR ---
dest=$TMP/dest
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/opt/ck >/dev/null 2>&1
is "make install DESTDIR PREFIX" 755 "$(stat -c %a "$dest/opt/ck/bin/clankers" 2>/dev/null)"
is "make install puts the manual page in MANDIR" 644 "$(stat -c %a "$dest/opt/ck/share/man/man1/clankers.1" 2>/dev/null)"
make -s -C "$TOP" uninstall DESTDIR="$dest" PREFIX=/opt/ck >/dev/null 2>&1
is "make uninstall" gone "$([ -e "$dest/opt/ck/bin/clankers" ] || [ -e "$dest/opt/ck/share/man/man1/clankers.1" ] && echo there || echo gone)"

# --- the manual page names every command and option --help names ---
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$TOP/clankers.1" >"$TMP/man.txt"
run --help
missing=
for c in $(sed -n 's/^  clankers \([a-z-]*\).*/\1/p' "$OUT"); do
	grep -q "^\.[BRTP]* *$c\b\|clankers $c\b" "$TMP/man.txt" || missing="$missing $c"
	$CLANKERS help "$c" 2>&1 | sed -n '1,4p' | grep -o -- '--[a-z-]*' | sort -u >"$TMP/opts"
	while read -r o; do
		grep -q -- "$o" "$TMP/man.txt" || missing="$missing $c:$o"
	done <"$TMP/opts"
done
for o in $(grep -o -- '--[a-z-]*' "$OUT" | sort -u) $(grep -o 'CLANKERS_[A-Z_]*' "$OUT" | sort -u); do
	grep -q -- "$o" "$TMP/man.txt" || missing="$missing $o"
done
is "clankers.1 names every command, option and variable of --help" "" "$missing"
if command -v groff >/dev/null 2>&1; then
	is "clankers.1 is clean roff (groff -ww)" "" "$(groff -man -ww -z "$TOP/clankers.1" 2>&1)"
else
	echo "# skip: groff not installed: clankers.1 not linted"
fi

finish
