#!/bin/sh
# test/t-import.sh: `clankers import opencode` reads OpenCode's own
# database (a real 1.18.33 one: two sessions and a subagent's child
# session) into the rows the events would have made: OpenCode's own
# figures per session and for the whole database, tool failures, titles,
# folders, models; twice or after the events changes nothing; --session,
# --dry-run, --json; where the database is found; an unknown schema and a
# missing file refused; and the repair at idle, which brings a session
# whose events were lost up to the database's rows.
. "$(dirname "$0")/lib.sh"

S1=ses_dbc3d6355ffePFz19U6bmb4JPM     # text only
S2=ses_dbc3d48baffeiJwnJS7qFeVSvN     # bash ok, bash exit 3, read missing, task
CHILD=ses_dbc3d3aceffeHowH1t790VZpku  # the task's subagent, parent S2
ODB=$TMP/opencode.db
sqlite3 "$ODB" <"$FIX/opencode/opencode-db.sql"

import() { run import opencode "$@"; }

# Every column of the shared rows, receipt times too: twice must be the same.
dump() {
	q "SELECT * FROM sessions ORDER BY id; SELECT * FROM messages ORDER BY id;
	   SELECT * FROM tools ORDER BY id; SELECT * FROM session_errors ORDER BY id;
	   SELECT * FROM compaction_events ORDER BY id"
}

# db_events SID: the events a plugin forwards for session SID, built from
# the database's rows (the ids put back into data), one a line.
db_events() {
	sqlite3 -json "$ODB" "SELECT * FROM session WHERE id = '$1'" | jq -c '.[] |
	  {type: "session.updated", directory: .directory, properties: {sessionID: .id,
	   info: ({id, directory, title, version, time: {created: .time_created,
	   updated: .time_updated}} + (if .parent_id then {parentID: .parent_id} else {} end))}}'
	sqlite3 -json "$ODB" "SELECT * FROM message WHERE session_id = '$1'
	  ORDER BY time_created, id" | jq -c '.[] | {type: "message.updated",
	  properties: {sessionID: .session_id, info: ((.data | fromjson) + {id, sessionID: .session_id})}}'
	sqlite3 -json "$ODB" "SELECT * FROM part WHERE session_id = '$1' ORDER BY id" |
	  jq -c '.[] | ((.data | fromjson) + {id, sessionID: .session_id, messageID: .message_id}) as $p |
	  select($p.type != "step-start") | {type: "message.part.updated",
	  properties: {sessionID: $p.sessionID, part: $p, time: .time_updated}}'
}

# --------------------------------------------------------- the whole DB
fresh
import --db "$ODB"
is "import: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
is "import: one line says what was read" \
    "opencode: 3 sessions (3 new, 0 updated, 0 unchanged), 10 messages, 5 tool calls; tokens: input 10800, output 1483, reasoning 41, cache write 0, cache read 4314; cost \$0.0566" \
    "$(cat "$OUT")"
is "session 1 (text only): input 800, output 70, reasoning 41, cache read 301, cost 0.0041553" \
    "800|70|41|301|0|0.004155" \
    "$(q "SELECT input_tokens, output_tokens, (SELECT sum(reasoning_tokens) FROM messages WHERE session_id = '$S1'),
         cache_read_input_tokens, cache_creation_input_tokens, printf('%.6f', cost_usd) FROM sessions WHERE id = '$S1'")"
is "session 2: input 6000, output 810, cache read 2010, cost 0.030753" \
    "6000|810|0|2010|0.030753" \
    "$(q "SELECT input_tokens, output_tokens, (SELECT sum(reasoning_tokens) FROM messages WHERE session_id = '$S2'),
         cache_read_input_tokens, printf('%.6f', cost_usd) FROM sessions WHERE id = '$S2'")"
is "child session: linked to session 2, its own totals, not in session 2's" \
    "$S2|4000|603|2003|0.021646" \
    "$(q "SELECT parent_id, input_tokens, output_tokens, cache_read_input_tokens, printf('%.6f', cost_usd) FROM sessions WHERE id = '$CHILD'")"
is "whole database: input 10800, output 1483, cache read 4314, cost 0.0565542" \
    "10800|1483|4314|0|0.056554" \
    "$(q "SELECT sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens), sum(cache_creation_input_tokens), printf('%.6f', sum(cost_usd)) FROM sessions")"
is "messages and tool calls per session: 2/0, 5/4, 3/1 (counters follow the rows)" \
    "$S1|2|2|0|0|1
$S2|5|5|4|4|4
$CHILD|3|3|1|1|2" \
    "$(q "SELECT s.id, s.message_count, (SELECT count(*) FROM messages WHERE session_id = s.id),
         s.tool_call_count, (SELECT count(*) FROM tools WHERE session_id = s.id), s.responses
         FROM sessions s ORDER BY s.created_at")"
is "the tool calls: bash exit 3 and the missing read failed" \
    "$S2|bash|ok|1||
$S2|bash|error|0|exit code 3|
$S2|read|error|0|File not found: /tmp/oc/out/work/missing.txt|/tmp/oc/out/work/missing.txt
$S2|task|ok|1||
$CHILD|bash|ok|1||" \
    "$(q "SELECT session_id, tool_name, status, success, error_message, file_path FROM tools ORDER BY started_at")"
is "each tool call names its response" 5 \
    "$(q "SELECT count(*) FROM tools t JOIN messages m ON m.id = t.message_id AND m.role = 'assistant'")"
is "titles (OpenCode's own), folder, project, model, provider, version, source" \
    "$S1|Mock title|client|/tmp/oc/out/work|work|mock-model|mock|1.18.33|opencode
$S2|Mock title|client|/tmp/oc/out/work|work|mock-model|mock|1.18.33|opencode
$CHILD|Echo in subagent (@general subagent)|client|/tmp/oc/out/work|work|mock-model|mock|1.18.33|opencode" \
    "$(q "SELECT id, title, title_source, project_path, project_name, model, provider, client_version, source FROM sessions ORDER BY created_at")"
is "the prompts' text, quotes kept" \
    "\"Say hello SIMPLE\"
run echo hi, then exit 3, then a subagent
SUBAGENT-TASK: run \`echo from-subagent\` with bash and report its output." \
    "$(q "SELECT text_content FROM messages WHERE role = 'user' ORDER BY created_at")"
is "an import is no hook invocation: no hook_events row" 0 "$(q "SELECT count(*) FROM hook_events")"
is "one info log line for the import, with its counts" "info|opencode import|3|3" \
    "$(log_lines | jq -r 'select(.component == "import") | [.level, .message, .sessions, .new] | join("|")')"
dump >"$TMP/once"
rows >"$TMP/import-rows"

import --db "$ODB"
dump >"$TMP/twice"
ok "twice: every column of every row the same" cmp -s "$TMP/once" "$TMP/twice"
cmp -s "$TMP/once" "$TMP/twice" || diff "$TMP/once" "$TMP/twice" | head -10 | sed 's/^/#   /'
is "twice: the three sessions unchanged" "3 sessions (0 new, 0 updated, 3 unchanged)" \
    "$(sed 's/^opencode: \([^,]*,[^,]*,[^,]*\)).*/\1)/' "$OUT")"

import --db "$ODB" --json
is "--json: one object with the counts" \
    "opencode|false|3|0|0|3|10|5|10800|1483|41|4314|0|0.056554" \
    "$(jq -r '[.agent, .dry_run, .sessions, .new, .updated, .unchanged, .messages, .tool_calls,
       .input_tokens, .output_tokens, .reasoning_tokens, .cache_read_tokens, .cache_write_tokens,
       (.cost_usd * 1000000 | round / 1000000)] | map(tostring) | join("|")' "$OUT")"

# ---------------------------------------------- one session, a dry run
fresh
import --db "$ODB" --session "$S2"
is "--session: that session alone" "0|$S2|5|4" \
    "$RC|$(q "SELECT group_concat(id), sum(message_count), sum(tool_call_count) FROM sessions")"
rows >"$TMP/s2-rows"
import --db "$ODB" --dry-run
is "--dry-run: says what it would do" \
    "dry run, nothing kept: opencode: 3 sessions (2 new, 0 updated, 1 unchanged)" \
    "$(sed 's/\(unchanged)\).*/\1/' "$OUT")"
is "--dry-run: keeps nothing" "1" "$(q "SELECT count(*) FROM sessions")"
import --db "$ODB" --session ses_none
is "--session of no such session: nothing, exit 0" "0|0" \
    "$RC|$(jq -n "$(sed 's/^opencode: \([0-9]*\) .*/\1/' "$OUT")")"

# ------------------------------------------------ after the events
# The events a plugin would have forwarded, sent through the hook: the
# same rows as the import; the import after them changes nothing.
fresh
for s in "$S1" "$S2" "$CHILD"; do db_events "$s"; done >"$TMP/events.jsonl"
send "$TMP/events.jsonl"
rows >"$TMP/event-rows"
ok "the events give the rows the import gives" cmp -s "$TMP/import-rows" "$TMP/event-rows"
cmp -s "$TMP/import-rows" "$TMP/event-rows" || diff "$TMP/import-rows" "$TMP/event-rows" | head -10 | sed 's/^/#   /'
import --db "$ODB"
rows >"$TMP/after-rows"
ok "an import after the events: the same rows" cmp -s "$TMP/event-rows" "$TMP/after-rows"
is "an import after the events: no session changed" "3 sessions (0 new, 0 updated, 3 unchanged)" \
    "$(sed 's/^opencode: \([^,]*,[^,]*,[^,]*\)).*/\1)/' "$OUT")"

# ------------------------------------------------ repair at idle
# Session 2's events with its last response and every step's usage lost:
# the session.idle that follows reads the session from OpenCode's database.
fresh
db_events "$S2" | jq -c --arg last msg_243c2c894001YKSqzLtbgKJJF2 'select(
  (.properties.info.id // .properties.part.messageID) != $last and
  .properties.part.type != "step-finish")' >"$TMP/lost.jsonl"
send "$TMP/lost.jsonl"
is "events lost: one response and the steps' usage missing" "4|4500|606" \
    "$(q "SELECT message_count, input_tokens, output_tokens FROM sessions")"
printf '{"type":"session.idle","properties":{"sessionID":"%s"}}\n' "$S2" >"$TMP/idle.json"
OPENCODE_DB=$ODB hook opencode "$TMP/idle.json"
is "idle: exit 0, quiet" "0|" "$RC|$(cat "$ERR")"
ok "idle: session 2's rows are those the import gives" cmp -s "$TMP/s2-rows" "$(rows >"$TMP/repaired"; echo "$TMP/repaired")"
cmp -s "$TMP/s2-rows" "$TMP/repaired" || diff "$TMP/s2-rows" "$TMP/repaired" | head -10 | sed 's/^/#   /'
is "idle: the log line says the repair changed the session" "info|true|true|5|4" \
    "$(log_lines | jq -r 'select(.event == "session.idle") | [.level, .repair.found, .repair.changed, .repair.messages, .repair.tools] | map(tostring) | join("|")')"
printf '{"type":"session.status","properties":{"sessionID":"%s","status":{"type":"idle"}}}\n' "$S2" >"$TMP/status.json"
OPENCODE_DB=$ODB hook opencode "$TMP/status.json"
is "session.status idle repairs too; nothing left to change" "0|false" \
    "$RC|$(log_lines | jq -r 'select(.event == "session.status") | .repair.changed')"
printf '{"type":"session.status","properties":{"sessionID":"%s","status":{"type":"busy"}}}\n' "$S2" >"$TMP/busy.json"
OPENCODE_DB=$ODB hook opencode "$TMP/busy.json"
is "session.status busy: no repair" "0|null" \
    "$RC|$(log_lines | jq -r 'select(.event == "session.status" and (.repair | not)) | .repair' | head -1)"

fresh
hook opencode "$TMP/idle.json"
is "idle with no OpenCode database: exit 0, no warning, the log says so" \
    "0||info|no OpenCode database" \
    "$RC|$(cat "$ERR")|$(log_lines | jq -r 'select(.event == "session.idle") | [.level, .repair] | join("|")')"

# ------------------------------------------------ where the database is
fresh
mkdir -p "$HOME/.local/share/opencode"
cp "$ODB" "$HOME/.local/share/opencode/opencode.db"
import
is "default: ~/.local/share/opencode/opencode.db" "0|3" "$RC|$(q "SELECT count(*) FROM sessions")"
fresh
mkdir -p "$ROOT/../xdg/opencode"
cp "$ODB" "$ROOT/../xdg/opencode/opencode-dev.db"
XDG_DATA_HOME=$ROOT/../xdg import --session "$S1"
is "a channel's database, alone in \$XDG_DATA_HOME/opencode" "0|$S1" "$RC|$(q "SELECT id FROM sessions")"
cp "$ODB" "$ROOT/../xdg/opencode/opencode-beta.db"
XDG_DATA_HOME=$ROOT/../xdg import
is "several channels' databases: exit 1, named, --db asked for" "1|yes|yes|yes" \
    "$RC|$(grep -q 'opencode-dev.db' "$ERR" && echo yes)|$(grep -q 'opencode-beta.db' "$ERR" && echo yes)|$(grep -q -- '--db PATH' "$ERR" && echo yes)"
XDG_DATA_HOME=$ROOT/../xdg OPENCODE_DB=opencode-beta.db import --session "$S2"
is "\$OPENCODE_DB relative to the data folder" "0|$S1,$S2" \
    "$RC|$(q "SELECT group_concat(id) FROM (SELECT id FROM sessions ORDER BY created_at)")"

# ------------------------------------------------ refused
fresh
cp "$ODB" "$TMP/nocol.db"
sqlite3 "$TMP/nocol.db" "ALTER TABLE part DROP COLUMN data"
import --db "$TMP/nocol.db"
is "a column missing: exit 1, nothing written" "1|0" "$RC|$(q "SELECT count(*) FROM sessions")"
is "a column missing: the message names it and OpenCode's version" \
    "clankers: import opencode: '$TMP/nocol.db': not an OpenCode database this clankers can read (OpenCode 1.18.33): table 'part' has no column 'data'; nothing imported" \
    "$(cat "$ERR")"
cp "$ODB" "$TMP/notab.db"
sqlite3 "$TMP/notab.db" "DROP TABLE message; DROP TABLE session"
import --db "$TMP/notab.db"
is "tables missing: exit 1, OpenCode's version from its migrations" \
    "1|clankers: import opencode: '$TMP/notab.db': not an OpenCode database this clankers can read (OpenCode with migration 20260622202450_simplify_session_input): it has no table 'session'; nothing imported" \
    "$RC|$(cat "$ERR")"
import --db "$TMP/none.db"
is "no such file: exit 1, cannot open" "1|yes|no" \
    "$RC|$(grep -q "cannot open '$TMP/none.db'" "$ERR" && echo yes)|$([ -e "$TMP/none.db" ] && echo made || echo no)"
printf 'not a database at all, not at all, not at all.\n%.0s' 1 2 3 4 5 6 7 8 >"$TMP/text.db"
import --db "$TMP/text.db"
is "a file that is no database: exit 1, cannot open" "1|yes" \
    "$RC|$(grep -q "cannot open '$TMP/text.db'" "$ERR" && echo yes)"
run import nosuch
is "import of an agent clankers does not know: 64" "64|clankers: import: 'nosuch' is not an agent clankers imports (claude, opencode)" "$RC|$(cat "$ERR")"
run import opencode "$TMP"
is "import opencode takes no folder: 64" "64|clankers: import opencode: unknown option '$TMP'" "$RC|$(head -n 1 "$ERR")"
run import
is "import with no agent: 64" 64 "$RC"
run import opencode --bogus
is "import with an unknown option: 64" 64 "$RC"
run help import
is "help import" "0|yes" "$RC|$(grep -q 'OPENCODE_DB' "$OUT" && echo yes)"

# The repair reads only a session's latest 64 messages (a lost event is of
# the last turns; the whole session is import's), so it costs the same on
# a session of thousands. A session of 100 prompts, none of them received:
# the repair brings the latest 64, import the rest.
BIG=$TMP/big.db
cp "$ODB" "$BIG"
sqlite3 "$BIG" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
  INSERT INTO message (id, session_id, time_created, time_updated, data)
    SELECT printf('msg_big%03d', i), '$S1', 1000 + i, 1000 + i,
      json_object('role', 'user', 'time', json_object('created', 1000 + i)) FROM n;"
fresh
printf '{"type":"session.idle","properties":{"sessionID":"%s"}}\n' "$S1" >"$TMP/idle1.json"
OPENCODE_DB=$BIG hook opencode "$TMP/idle1.json"
is "repair: the latest 64 messages of the session, no more" "0|64" \
    "$RC|$(q "SELECT count(*) FROM messages WHERE session_id = '$S1'")"
run import opencode --db "$BIG" --session "$S1"
is "import: the whole session, 102 messages" "0|102" \
    "$RC|$(q "SELECT count(*) FROM messages WHERE session_id = '$S1'")"

finish
