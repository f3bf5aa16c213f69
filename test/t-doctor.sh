#!/bin/sh
# clankers doctor: a healthy setup is ok on every line (exit 0); each broken
# setup gives its FAIL line and fix (exit 1), warnings and notes exit 0;
# the Claude Code settings of the user and the project count together;
# --json; and doctor creates and changes nothing, not even the -wal, -shm
# and log files.
. "$(dirname "$0")/lib.sh"

unset CLAUDE_CONFIG_DIR XDG_CONFIG_HOME CLANKERS_PRICES NO_COLOR
# The path install writes: this binary, its folder resolved.
SELF=$(cd "$(dirname "$CLANKERS")" && pwd -P)/clankers
SINGLE=$FIX/claude/hooks/single
V=$("$CLANKERS" --version | sed 's/.*schema \([0-9]*\).*/\1/')

# A working setup: hooks installed for the user, one event recorded; the
# current folder is a project with no settings of its own.
healthy() {
	fresh
	S=$HOME/.claude/settings.json
	P=$HOME/proj
	mkdir -p "$P"
	cd "$P" || exit 1
	run install claude
	hook SessionStart "$SINGLE/SessionStart-resume.attio-2025-08.json"
}

# Every file of the case (its data root and home): name, size, mode,
# modification time in ns and checksum. The same before and after: nothing
# was touched.
snap() {
	find "${ROOT%/data}" | sort | while read -r f; do
		if [ -f "$f" ]; then
			echo "$f $(stat -c '%s %a %y' "$f") $(cksum <"$f")"
		else
			echo "$f $(stat -c '%a %y' "$f")"
		fi
	done
}

# TITLE LINE [FIX]: doctor exited 1 and printed LINE, then its fix.
fails() {
	if [ $# -ge 3 ]; then
		is "$1" "1|$2
      fix: $3" "$RC|$(grep -Fx -A1 -- "$2" "$OUT")"
	else
		is "$1" "1|$2" "$RC|$(grep -Fx -- "$2" "$OUT")"
	fi
}
# TITLE N: doctor printed N FAIL lines (nothing else broke along).
nfail() { is "$1" "$2" "$(grep -c '^FAIL' "$OUT")"; }

# --- healthy ---
healthy
before=$(snap)
run doctor
cat >"$TMP/healthy" <<EOF
ok    data root $ROOT (0700)
ok    database $DB (0600)
ok    journal mode wal
ok    schema version $V
ok    quick_check ok
ok    spool empty
ok    logs in $ROOT: writable, 1 file (0600)
ok    log: no errors or warnings today or yesterday (UTC)
ok    prices: the built-in table
ok    settings $S: clankers hook for 30 of 30 events
ok    hooks: registered for all 30 events
ok    hook binary $SELF
EOF
is "healthy: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
is "healthy: every line ok" "$(cat "$TMP/healthy")" "$(cat "$OUT")"
is "healthy: nothing created or changed (no -wal, -shm, log line)" "$before" "$(snap)"

run doctor --json
is "--json: exit 0, an array of {check, status, message, fix}" "0|true" "$RC|$(jq 'type == "array" and
	all(.[]; keys_unsorted == ["check", "status", "message", "fix"] and
	    (.status | IN("ok", "note", "warn", "fail")) and (.message | type == "string") and
	    (.fix == null or (.fix | type == "string")))' "$OUT")"
is "--json: the checks, in order" \
	"data_root database journal_mode schema integrity spool logs log_errors prices settings hooks hook_binary" \
	"$(jq -r 'map(.check) | join(" ")' "$OUT")"
is "--json: the messages are the lines people read" "$(cut -c7- "$TMP/healthy")" "$(jq -r '.[].message' "$OUT")"
is "--json: all ok, no fix" "ok|null" "$(jq -r 'map(.status) | unique | join(" ")' "$OUT")|$(jq -c 'map(.fix) | unique | .[]' "$OUT")"
is "healthy: still nothing created or changed" "$before" "$(snap)"

# --- a database in use: its -wal and -shm are read, not written ---
hold_db "SELECT count(*) FROM sessions;"
is "in use: another process has the database open, with -wal and -shm" "yes" \
	"$([ -e "$DB-wal" ] && [ -e "$DB-shm" ] && echo yes)"
before=$(snap)
run doctor
is "in use: exit 0, every line as before" "0|$(cat "$TMP/healthy")" "$RC|$(cat "$OUT")"
is "in use: -wal and -shm untouched" "$before" "$(snap)"
release_db

# --- the data root and the database ---
healthy
chmod 755 "$ROOT"
run doctor
fails "data root mode 0755: FAIL, chmod 700" "FAIL  data root $ROOT is mode 0755, not 0700" "chmod 700 $ROOT"
nfail "... and nothing else" 1

healthy
chmod 644 "$DB"
run doctor
fails "database mode 0644: FAIL, chmod 600" "FAIL  database $DB is mode 0644, not 0600" "chmod 600 $DB"
nfail "... and nothing else" 1

healthy
sqlite3 "$DB" 'PRAGMA journal_mode=delete' >/dev/null
run doctor
fails "journal_mode=delete: FAIL, back to WAL" "FAIL  journal mode delete, not wal: concurrent hooks wait for each other" \
	"sqlite3 $DB 'PRAGMA journal_mode=WAL'"
nfail "... and nothing else" 1
sqlite3 "$DB" 'PRAGMA journal_mode=WAL' >/dev/null
run doctor
is "... the fix works" "0|ok    journal mode wal" "$RC|$(grep 'journal mode' "$OUT")"

healthy
q 'PRAGMA user_version = 1'
run doctor
is "schema version 1: a warning (the next hook migrates it), exit 0" "0|warn  schema version 1, older than this clankers writes ($V): the next hook migrates it
      fix: start a Claude Code session: its first hook migrates the database" \
	"$RC|$(grep -A1 '^warn' "$OUT")"
nfail "... and nothing FAILs" 0

healthy
q 'PRAGMA user_version = 999'
run doctor
fails "schema version 999: FAIL, upgrade" \
	"FAIL  schema version 999 is newer than this clankers knows ($V): hooks spool their events instead of storing them" \
	"upgrade clankers"
nfail "... and nothing else" 1

healthy
rm -f "$DB-wal" "$DB-shm"
yes 'this is not an SQLite database, just text' | head -c 8192 >"$DB"
before=$(snap)
run doctor
fails "not a SQLite file: FAIL, move it aside" \
	"FAIL  database $DB is not a SQLite database: hooks cannot store events (they spool them)" \
	"mv $DB $DB.broken (the next hook starts a new database)"
nfail "... and nothing else" 1
is "... and the file is left as it was" "$before" "$(snap)"

# --- the spool ---
healthy
mkdir -m 700 "$ROOT/spool"
jq -c . "$SINGLE/Stop.seeknal-2026-02.json" >"$TMP/stop.json"
{ echo '{"v":1,"event":"Stop","invocation":"doctor-test","received_at":1700000000000,"transcript_size":-1}'
  cat "$TMP/stop.json"; } >"$ROOT/spool/1700000000000-doctor-test.event"
chmod 600 "$ROOT/spool/1700000000000-doctor-test.event"
run doctor
fails "a spooled event waiting: FAIL, what ingests it" \
	"FAIL  spool: 1 event waiting in $ROOT/spool, not in the database yet" \
	"the next hook stores it: start a Claude Code session (fix the database first if a line above says FAIL)"
nfail "... and nothing else" 1
hook Stop "$TMP/stop.json"
run doctor
is "... the fix works: a hook stored it" "0|ok    spool empty|1" \
	"$RC|$(grep spool "$OUT")|$(q "SELECT count(*) FROM hook_events WHERE invocation = 'doctor-test'")"
echo '{}' >"$ROOT/spool/1700000000001-x.event.bad"
run doctor
is "an event set aside: a warning, exit 0" "0|warn  spool: 1 event set aside in $ROOT/spool (*.bad): it could not be read or stored
      fix: see why in 'clankers report', then remove it" "$RC|$(grep -A1 '^warn' "$OUT")"

# --- the logs ---
healthy
: >"$HOME/logs"
export CLANKERS_LOG_PATH=$HOME/logs
run doctor
fails "log path a regular file: FAIL" "FAIL  log folder $HOME/logs is not a folder: nothing can be logged" \
	"mv $HOME/logs $HOME/logs.old, or set CLANKERS_LOG_PATH to a folder"
nfail "... and nothing else" 1
mkdir -m 500 "$HOME/ro-logs"
export CLANKERS_LOG_PATH=$HOME/ro-logs
run doctor
fails "log folder mode 0500 (root too: the mode is read): FAIL" \
	"FAIL  log folder $HOME/ro-logs is not writable (mode 0500)" "chmod 700 $HOME/ro-logs"
unset CLANKERS_LOG_PATH
chmod 644 "$ROOT"/clankers-*.jsonl
run doctor
fails "a log file 0644: FAIL" \
	"FAIL  log files: 1 of 1 in $ROOT are not mode 0600 ($(cd "$ROOT" && ls clankers-*.jsonl) is 0644)" \
	"chmod 600 $ROOT/clankers-*.jsonl"
chmod 600 "$ROOT"/clankers-*.jsonl
printf '%s\n' '{"time":"x","level":"error","component":"hook","message":"m"}' \
	'{"time":"x","level":"warn","component":"hook","message":"m"}' \
	'{"time":"x","level":"warn","component":"hook","message":"m"}' >>"$(ls "$ROOT"/clankers-*.jsonl)"
run doctor
is "errors in the log: a warning pointing to report, exit 0" "0|warn  log: 1 error and 2 warnings today and yesterday (UTC)
      fix: clankers report (lists them, newest first)" "$RC|$(grep -A1 '^warn' "$OUT")"

# --- the price table ---
healthy
printf 'model\tin\n' >"$ROOT/prices.tsv"
run doctor
is "a price table with a bad line: a warning" \
	"0|warn  prices: 1 line of $ROOT/prices.tsv skipped, the first: $ROOT/prices.tsv:1: want 13 tab-separated fields
      fix: correct it: until then it is left out of the prices" "$RC|$(grep -A1 '^warn' "$OUT")"
is "... and doctor logged nothing about it" 1 "$(log_lines | wc -l | tr -d ' ')"

# --- Claude Code hooks ---
healthy
run uninstall claude
run doctor
fails "no hooks: FAIL, install" "FAIL  hooks: none registered in Claude Code settings: nothing is recorded" \
	"clankers install claude"
is "... and the settings line says so" "ok    settings $S: no clankers hook" "$(grep '^ok    settings' "$OUT")"
nfail "... and nothing else" 1

healthy
jq 'del(.hooks.Stop, .hooks.SessionEnd)' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
run doctor
fails "hooks for some events only: FAIL, which, install" "FAIL  hooks: 2 of 30 events have none: Stop, SessionEnd" \
	"clankers install claude"
is "... the settings line counts them" "ok    settings $S: clankers hook for 28 of 30 events" "$(grep '^ok    settings' "$OUT")"
nfail "... and nothing else" 1
mkdir -p "$P/.claude"
echo "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"$SELF\", \"args\": [\"hook\", \"Stop\"]}]}]}}" \
	>"$P/.claude/settings.json"
echo "{\"hooks\": {\"SessionEnd\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"'$SELF' hook SessionEnd\"}]}]}}" \
	>"$P/.claude/settings.local.json"
run doctor
is "... the project's settings and settings.local.json make up the rest" "0|ok    settings $S: clankers hook for 28 of 30 events
ok    settings $(cd "$P" && pwd -P)/.claude/settings.json: clankers hook for 1 of 30 events
ok    settings $(cd "$P" && pwd -P)/.claude/settings.local.json: clankers hook for 1 of 30 events
ok    hooks: registered for all 30 events
ok    hook binary $SELF" "$RC|$(grep -E '^ok    (settings|hooks|hook binary)' "$OUT")"
cd "$HOME" || exit 1
run doctor --project "$P"
is "... --project names the project from elsewhere" "0|ok    hooks: registered for all 30 events" "$RC|$(grep hooks: "$OUT")"
run doctor
is "... from the home folder, its settings are read once" "1|1" \
	"$RC|$(grep -c "settings $S" "$OUT")"

healthy
jq '.hooks[][].hooks[].command = "/nonexistent/bin/clankers"' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
run doctor
fails "a hook whose binary is missing: FAIL, install" \
	"FAIL  hook binary /nonexistent/bin/clankers: No such file or directory (30 events)" "clankers install claude"
nfail "... and nothing else" 1
run install claude
run doctor
is "... the fix works" "0|ok    hook binary $SELF" "$RC|$(grep 'hook binary' "$OUT")"
cp "$CLANKERS" "$HOME/clankers"
chmod 644 "$HOME/clankers"
jq --arg c "$HOME/clankers" '.hooks.Stop[0].hooks[0].command = $c' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
run doctor
fails "a hook binary without x bits (root too): FAIL" \
	"FAIL  hook binary $HOME/clankers is not an executable file (1 event)" "clankers install claude"
mkdir -p "$HOME/bin"
chmod 755 "$HOME/clankers"
mv "$HOME/clankers" "$HOME/bin/clankers"
jq '.hooks.Stop[0].hooks[0].command = "clankers"' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
PATH=$HOME/bin:$PATH
run doctor
is "a hook that runs clankers from PATH: found there" "0|ok    hook runs clankers from PATH: $HOME/bin/clankers" \
	"$RC|$(grep 'from PATH' "$OUT")"
PATH=${PATH#"$HOME/bin:"}

healthy
printf '{"model": "opus",\n  "hooks": {' >"$S"
before=$(snap)
run doctor
fails "settings that are not JSON: FAIL, where" \
	"FAIL  settings: '$S' is not valid JSON (line 2, column 12)" \
	"correct it by hand (clankers install leaves it alone until it is settings JSON)"
nfail "... and no hook is counted from it" 2
is "... and the file is left as it was" "$before" "$(snap)"

healthy
jq '.disableAllHooks = true' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
run doctor
fails "disableAllHooks: FAIL" "FAIL  hooks are off: \"disableAllHooks\": true in $S" \
	"remove \"disableAllHooks\" from $S"

healthy
run uninstall claude
jq '.enabledPlugins = {"clankers@clankers-dev": true}' "$S" >"$TMP/s.json" && cp "$TMP/s.json" "$S"
mkdir -p "$HOME/bin" && cp "$CLANKERS" "$HOME/bin/clankers"
PATH=$HOME/bin:$PATH
run doctor
is "the clankers plugin enabled: every event registered" "0|ok    plugin clankers@clankers-dev enabled in $S: its hooks run clankers from PATH: $HOME/bin/clankers
ok    hooks: registered for all 30 events" "$RC|$(grep -E '^ok    (plugin|hooks)' "$OUT")"
run install claude
run doctor
is "... with the hooks in settings too: a warning (each event twice)" "0|warn  hooks both in settings and from the plugin clankers@clankers-dev: each event runs clankers twice
      fix: clankers uninstall claude, or disable the plugin clankers@clankers-dev" \
	"$RC|$(grep -A1 '^warn' "$OUT")"
PATH=${PATH#"$HOME/bin:"}

# --- the Claude Code on PATH: its version, read from its npm package ---
healthy
P=$TMP/npm/node_modules
mkdir -p "$P/@anthropic-ai/claude-code/bin" "$P/.bin"
printf '{"name":"@anthropic-ai/claude-code","version":"2.1.332"}\n' >"$P/@anthropic-ai/claude-code/package.json"
printf '#!/bin/sh\nexit 0\n' >"$P/@anthropic-ai/claude-code/bin/claude.exe"
chmod +x "$P/@anthropic-ai/claude-code/bin/claude.exe"
ln -s ../@anthropic-ai/claude-code/bin/claude.exe "$P/.bin/claude"
PATH=$P/.bin:$PATH run doctor
is "client: doctor names the version of the claude on PATH" "ok    Claude Code 2.1.332: $P/.bin/claude" \
	"$(grep 'Claude Code [0-9]' "$OUT")"
printf '{"name":"something-else","version":"9"}\n' >"$P/@anthropic-ai/claude-code/package.json"
PATH=$P/.bin:$PATH run doctor
is "client: a claude that is no Claude Code package: found, version unknown" \
	"note  claude on PATH ($P/.bin/claude), its version not found (no npm package.json of Claude Code beside it)" \
	"$(grep 'claude on PATH' "$OUT")"
is "client: no claude on PATH: no line" "" "$(PATH=/usr/bin:/bin; run doctor; grep -i 'claude code [0-9]\|claude on PATH' "$OUT")"

# --- OpenCode: configured with no plugin is a warning; the plugin checked ---
healthy
mkdir -p "$HOME/.config/opencode"
run doctor
is "OpenCode configured, no plugin: a warning, exit 0" \
	"0|warn  OpenCode is configured here but has no clankers plugin: its sessions are not recorded" \
	"$RC|$(grep '^warn' "$OUT")"
rm -r "$HOME/.config/opencode"
echo '{}' >"$P/opencode.json"
run doctor
is "... also from the project's opencode.json" \
	"0|warn  OpenCode is configured here but has no clankers plugin: its sessions are not recorded" \
	"$RC|$(grep '^warn' "$OUT")"
rm "$P/opencode.json"
run install opencode
run doctor
is "OpenCode plugin installed: ok, and what it runs" \
	"0|ok    OpenCode plugin '$HOME/.config/opencode/plugin/clankers.js'" \
	"$RC|$(grep "^ok    OpenCode plugin" "$OUT")"
ok "... the binary it runs is checked" grep -q "^ok    hook binary $(cd "$(dirname "$CLANKERS")" && pwd -P)/clankers" "$OUT"
is "... and no OpenCode database yet: a note" \
	"note  no OpenCode database at $HOME/.local/share/opencode/opencode.db yet: OpenCode writes it at its first session; until then a lost event is not repaired" \
	"$(grep '^note  no OpenCode database' "$OUT")"
mkdir -p "$HOME/.local/share/opencode"
sqlite3 "$HOME/.local/share/opencode/opencode.db" 'create table t (x)'
run doctor
is "... OpenCode's database found: ok" \
	"ok    OpenCode's database $HOME/.local/share/opencode/opencode.db (clankers import opencode, and the repair at idle, read it)" \
	"$(grep "^ok    OpenCode's database" "$OUT")"
sqlite3 "$HOME/.local/share/opencode/opencode-beta.db" 'create table t (x)'
rm "$HOME/.local/share/opencode/opencode.db"
sqlite3 "$HOME/.local/share/opencode/opencode-dev.db" 'create table t (x)'
run doctor
ok "... two channel databases and no opencode.db: a warning, set OPENCODE_DB" \
	grep -q "fix: set OPENCODE_DB" "$OUT"
rm -r "$HOME/.local/share/opencode"
run install opencode --project
run doctor
ok "installed for the user and the project: a warning (each event twice)" \
	grep -q "^warn  the clankers plugin is installed for the user and the project" "$OUT"
run uninstall opencode --project
sed -i 's#^const CLANKERS = .*#const CLANKERS = "/nonexistent/clankers"#' "$HOME/.config/opencode/plugin/clankers.js"
run doctor
ok "the plugin's binary is gone: a warning, it falls back to PATH" \
	grep -q "^warn  the plugin runs /nonexistent/clankers: No such file or directory; it falls back to clankers on PATH" "$OUT"
run uninstall opencode
export XDG_CONFIG_HOME=$HOME/xdg
mkdir -p "$XDG_CONFIG_HOME/opencode"
run doctor
is "... and \$XDG_CONFIG_HOME/opencode is where it looks" \
	"warn  OpenCode is configured here but has no clankers plugin: its sessions are not recorded" \
	"$(grep '^warn' "$OUT")"
unset XDG_CONFIG_HOME

# --- nothing recorded yet: doctor creates nothing ---
fresh
mkdir -p "$HOME/proj"
cd "$HOME/proj" || exit 1
before=$(find "${ROOT%/data}" | sort)
run doctor
is "no data root: a note, the hooks FAIL, exit 1" "1|note  no data yet: $ROOT does not exist; run a session with the hooks installed
ok    prices: the built-in table
FAIL  hooks: none registered in Claude Code settings: nothing is recorded
      fix: clankers install claude" "$RC|$(cat "$OUT")"
is "... and doctor created nothing" "$before|absent" "$(find "${ROOT%/data}" | sort)|$([ -e "$ROOT" ] || echo absent)"

# --- the command line ---
run doctor --bogus
is "unknown option: 64" "64|clankers: doctor: unknown argument '--bogus'" "$RC|$(head -n 1 "$ERR")"
run doctor --project "$HOME/nowhere"
is "--project that is not a folder: 64" 64 "$RC"
run help doctor
ok "help doctor" grep -q '^usage: clankers doctor \[--json\] \[--project DIR\]$' "$OUT"

finish
